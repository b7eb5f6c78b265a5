/* workflow.c - reading a workflow INI file into steps and a DAG, and every
 * check of its structure.  Errors name FILE:LINE of the key concerned; all
 * errors of the files are collected.  What the steps run is attached by
 * bind.c. */
#define _GNU_SOURCE
#include "workflow.h"
#include "calendar.h"
#include "conf.h"
#include "decimal.h"
#include "expr.h"
#include "map.h"
#include "rg_csv.h"
#include "rg_ini.h"

#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* A data or step name's index, or -1. */
static long map_get(const rg_map *m, const char *k)
{
    size_t v;
    return rg_map_find(m, k, &v) == 0 ? (long)v : -1;
}

static long data_index(void *data_map, const char *name)
{
    return map_get(data_map, name);
}

/* The workflow keeps its maps behind the public struct. */
struct wf_priv {
    rg_map data;  /* data name -> data index */
    rg_map steps; /* step name -> step index */
    long *producer; /* per data index: step index or -1 (input) */
};
typedef struct wf_priv wf_priv;

static wf_priv *priv_of(const rg_workflow *wf)
{
    return wf->priv;
}

long rg_workflow_data_index(const rg_workflow *wf, const char *name)
{
    wf_priv *p = priv_of(wf);
    return p ? map_get(&p->data, name) : -1;
}

const rg_step *rg_workflow_producer(const rg_workflow *wf, const char *data)
{
    wf_priv *p = priv_of(wf);
    long d = p ? map_get(&p->data, data) : -1;
    if (d < 0 || p->producer[d] < 0) {
        return NULL;
    }
    return &wf->steps[p->producer[d]];
}

/* ---- small helpers ---- */
const char *const rg_step_keys[] = { "plugin", "script", "reads", "writes", "after",
                                     "when", "retries", "retry_delay", "timeout",
                                     "instructions", "memory_mb", "description", "wait",
                                     "what", "four_eyes", "rerun", "preflight", "isolate", "optional",
                                     NULL };

static int is_reserved(const char *k)
{
    for (int i = 0; rg_step_keys[i]; i++) {
        if (strcmp(rg_step_keys[i], k) == 0) {
            return 1;
        }
    }
    return 0;
}

static const char *input_type_names[] = { "file", "csv", "ini", "text", "number", "integer",
                                          "date", "boolean", NULL };

const rg_setting *rg_setting_find(const rg_setting *sets, size_t n, const char *name)
{
    for (size_t i = n; i-- > 0;) {
        if (strcmp(sets[i].name, name) == 0) {
            return &sets[i];
        }
    }
    return NULL;
}

typedef struct subst_ctx {
    rg_workflow *wf;
    const rg_setting *sets;
    size_t nsets;
} subst_ctx;

static const char *input_value_text(subst_ctx *sc, const char *name)
{
    const rg_setting *s = rg_setting_find(sc->sets, sc->nsets, name);
    if (s) {
        return s->value;
    }
    rg_section *sec = NULL;
    char *sname = rg_xasprintf("input.%s", name);
    sec = rg_ini_section(&sc->wf->ini, sname);
    free(sname);
    rg_kv *d = rg_section_get(sec, "default");
    return d ? d->value : NULL;
}

typedef struct what_check {
    const rg_step *step;
    const rg_kv *what;
    rg_errors *errs;
} what_check;

static int what_data_read(void *ud, char *name, rg_buf *out)
{
    (void)out;
    what_check *wc = ud;
    int read = 0;
    for (size_t i = 0; i < wc->step->nreads; i++) {
        read |= strcmp(wc->step->reads[i], name) == 0;
    }
    if (!read) {
        rg_err_add(wc->errs, wc->what->file, wc->what->line,
                   "step %s: what: ${data.%s} names data the step does not read (add it "
                   "to reads)",
                   wc->step->name, name);
    }
    return 1;
}

/* ${data.NAME} in a wait step's what is filled in when the wait opens; the
 * step must read NAME, so that it is there by then. */
static void check_what_data(const rg_step *step, const rg_kv *what, rg_errors *errs)
{
    if (!what) {
        return;
    }
    what_check wc = { step, what, errs };
    free(rg_substitute(what->value, "data.", what_data_read, &wc, NULL));
}

typedef struct input_subst {
    subst_ctx *sc;
    const rg_kv *kv;
    rg_errors *errs;
} input_subst;

static int input_text(void *ud, char *name, rg_buf *out)
{
    input_subst *is = ud;
    const char *v = input_value_text(is->sc, name);
    if (!v) {
        rg_err_add(is->errs, is->kv->file, is->kv->line,
                   "%s: ${input.%s} has no value (no such input, or it was not given "
                   "and has no default)",
                   is->kv->key, name);
    } else {
        rg_buf_puts(out, v);
    }
    return 0;
}

/* ${input.NAME} in every value, now that --set values and defaults are known. */
static void substitute_inputs(rg_workflow *wf, subst_ctx *sc, rg_errors *errs)
{
    for (size_t s = 0; s < wf->ini.n; s++) {
        rg_section *sec = &wf->ini.secs[s];
        for (size_t k = 0; k < sec->n; k++) {
            rg_kv *kv = &sec->kv[k];
            if (!strstr(kv->value, "${input.")) {
                continue;
            }
            input_subst is = { sc, kv, errs };
            char *v = rg_substitute(kv->value, "input.", input_text, &is, NULL);
            free(kv->value);
            kv->value = v;
        }
    }
}

static int parse_int_key(rg_kv *kv, long lo, long hi, long *out, rg_errors *errs)
{
    int64_t v;
    if (rg_parse_int(kv->value, &v) != 0 || v < lo || v > hi) {
        rg_err_add(errs, kv->file, kv->line, "%s: found \"%s\", expected a whole number from %ld to %ld",
                   kv->key, kv->value, lo, hi);
        return -1;
    }
    *out = (long)v;
    return 0;
}

static int parse_num_key(rg_kv *kv, double *out, rg_errors *errs)
{
    double v;
    if (rg_parse_decimal(kv->value, '.', &v) != 0 || v < 0) {
        rg_err_add(errs, kv->file, kv->line, "%s: found \"%s\", expected a number of seconds >= 0",
                   kv->key, kv->value);
        return -1;
    }
    *out = v;
    return 0;
}

static void parse_names(rg_kv *kv, char ***names, int **optional, size_t *n, rg_errors *errs,
                        const char *stepname)
{
    char **v;
    size_t cnt = rg_split(kv->value, ',', &v);
    if (optional) {
        *optional = rg_xcalloc(cnt ? cnt : 1, sizeof **optional);
    }
    for (size_t i = 0; i < cnt; i++) {
        char *nm = v[i];
        if (nm[0] == '?' && optional) {
            (*optional)[i] = 1;
            memmove(nm, nm + 1, strlen(nm));
            char *t = rg_trim(nm);
            memmove(nm, t, strlen(t) + 1);
        }
        if (strncmp(nm, "input.", 6) == 0) {
            memmove(nm, nm + 6, strlen(nm + 6) + 1);
        }
        if (!rg_valid_id(nm, 64)) {
            rg_err_add(errs, kv->file, kv->line,
                       "step %s: %s: \"%s\" is not a valid name (letters, digits, _ and -)",
                       stepname, kv->key, nm);
        }
    }
    *names = v;
    *n = cnt;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* step->all_reads: the one list of what a step reads, for the scheduler
 * (when a table can be let go), the hash of what a committed step read and
 * resume --set (which steps an input given again concerns). */
static void step_all_reads(rg_step *step)
{
    rg_expr_refs refs = { 0 };
    if (step->when) {
        rg_expr_refs_collect(step->when, &refs);
    }
    char **v = rg_xcalloc(step->nreads + refs.n + 3, sizeof *v);
    size_t n = 0;
    for (size_t r = 0; r < step->nreads; r++) {
        v[n++] = rg_xstrdup(step->reads[r]);
    }
    for (size_t i = 0; i < refs.n; i++) {
        v[n++] = refs.names[i]; /* taken over */
    }
    free(refs.names);
    if (step->wait_input) {
        v[n++] = rg_xstrdup(step->wait_input);
    }
    int32_t day;
    if (step->wait_until && rg_date_parse(step->wait_until, &day) != 0) {
        v[n++] = rg_xstrdup(step->wait_until);
    }
    qsort(v, n, sizeof *v, cmp_name);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && strcmp(v[i], v[k - 1]) == 0) {
            free(v[i]);
        } else {
            v[k++] = v[i];
        }
    }
    rg_strv_free(step->all_reads, step->nall_reads);
    step->all_reads = v;
    step->nall_reads = k;
}

static void add_dep(rg_workflow *wf, size_t step, size_t dep)
{
    rg_step *s = &wf->steps[step];
    for (size_t i = 0; i < s->ndeps; i++) {
        if (s->deps[i] == dep) {
            return;
        }
    }
    s->deps = rg_xrealloc(s->deps, (s->ndeps + 1) * sizeof *s->deps);
    s->deps[s->ndeps++] = dep;
    rg_step *d = &wf->steps[dep];
    if (d->ndependents == d->capdependents) {
        d->capdependents = d->capdependents ? d->capdependents * 2 : 4;
        d->dependents = rg_xrealloc(d->dependents, d->capdependents * sizeof *d->dependents);
    }
    d->dependents[d->ndependents++] = step;
}

static size_t add_data(rg_workflow *wf, const char *name)
{
    wf->data = rg_xrealloc(wf->data, (wf->ndata + 1) * sizeof *wf->data);
    wf->data[wf->ndata] = rg_xstrdup(name);
    return wf->ndata++;
}

static void priv_drop(rg_workflow *wf)
{
    wf_priv *p = wf->priv;
    if (p) {
        rg_map_free(&p->data);
        rg_map_free(&p->steps);
        free(p->producer);
        free(p);
        wf->priv = NULL;
    }
}

/* ---- loading ---- */
/* from_previous_run = RELPATH: an output file relative to the run's output
 * folder, as the store records it (no leading /, no .. part, not empty). */
static void check_previous_path(const rg_kv *kv, rg_errors *errs)
{
    const char *v = kv->value;
    int bad = !*v || *v == '/' || v[strlen(v) - 1] == '/' ||
              v[strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/")];
    for (const char *p = v; !bad && *p; p += strcspn(p, "/"), p += *p == '/') {
        size_t l = strcspn(p, "/");
        bad = l == 0 || (l == 2 && !strncmp(p, "..", 2)) || (l == 1 && *p == '.');
    }
    if (bad) {
        rg_err_add(errs, kv->file, kv->line,
                   "from_previous_run: found \"%s\", expected an output file relative to the "
                   "output folder (e.g. summary.csv: letters, digits, . _ - and /; no leading /, "
                   "no . or .. part)",
                   v);
    }
}

static void load_inputs(rg_workflow *wf, rg_errors *errs)
{
    for (size_t s = 0; s < wf->ini.n; s++) {
        rg_section *sec = &wf->ini.secs[s];
        if (strncmp(sec->name, "input.", 6) != 0) {
            continue;
        }
        const char *name = sec->name + 6;
        wf->inputs = rg_xrealloc(wf->inputs, (wf->ninputs + 1) * sizeof *wf->inputs);
        rg_input *in = &wf->inputs[wf->ninputs++];
        memset(in, 0, sizeof *in);
        in->name = rg_xstrdup(name);
        in->file = sec->file;
        in->line = sec->line;
        in->required = 1;
        if (!rg_valid_id(name, 64)) {
            rg_err_add(errs, sec->file, sec->line,
                       "[%s]: \"%s\" is not a valid input name (letters, digits, _ and -)",
                       sec->name, name);
        }
        int has_required = 0, has_encoding = 0;
        const rg_kv *type_fmt = NULL; /* type = xlsx or ods */
        for (size_t k = 0; k < sec->n; k++) {
            rg_kv *kv = &sec->kv[k];
            if (strcmp(kv->key, "type") == 0) {
                int found = -1;
                for (int t = 0; input_type_names[t]; t++) {
                    if (strcmp(kv->value, input_type_names[t]) == 0) {
                        found = t;
                    }
                }
                if (found < 0 && (strcmp(kv->value, "xlsx") == 0 || strcmp(kv->value, "ods") == 0)) {
                    /* a table from a workbook: a csv input of that format */
                    in->type = RG_IN_CSV;
                    type_fmt = kv;
                } else if (found < 0) {
                    rg_err_add(errs, kv->file, kv->line,
                               "type: found \"%s\", expected file, csv, xlsx, ods, ini, text, "
                               "number, integer, date or boolean",
                               kv->value);
                } else {
                    in->type = (rg_input_type)found;
                }
            } else if (strcmp(kv->key, "required") == 0) {
                if (rg_parse_bool(kv->value, &in->required) != 0) {
                    rg_err_add(errs, kv->file, kv->line, "required: found \"%s\", expected yes or no",
                               kv->value);
                }
                has_required = 1;
            } else if (strcmp(kv->key, "default") == 0) {
                in->def = rg_xstrdup(kv->value);
            } else if (strcmp(kv->key, "description") == 0) {
                in->description = rg_xstrdup(kv->value);
            } else if (strcmp(kv->key, "columns") == 0) {
                rg_colspec_parse(kv->value, kv->file, kv->line, &in->cols, &in->ncols, errs);
            } else if (strcmp(kv->key, "unique") == 0) {
                in->unique = rg_xstrdup(kv->value);
            } else if (strcmp(kv->key, "encoding") == 0) {
                if (rg_encoding_parse(kv->value, &in->encoding) != 0) {
                    rg_err_add(errs, kv->file, kv->line,
                               "encoding: found \"%s\", expected utf-8 (the default) or cp1252",
                               kv->value);
                }
                has_encoding = 1;
            } else if (strcmp(kv->key, "format") == 0) {
                if (!*kv->value || strspn(kv->value, "abcdefghijklmnopqrstuvwxyz0123456789_-") !=
                                        strlen(kv->value)) {
                    rg_err_add(errs, kv->file, kv->line,
                               "format: found \"%s\", expected csv, xlsx or ods (or the format "
                               "of another plugin's reader)",
                               kv->value);
                }
                free(in->format);
                in->format = rg_xstrdup(kv->value);
            } else if (strcmp(kv->key, "sheet") == 0) {
                if (!*kv->value) {
                    rg_err_add(errs, kv->file, kv->line,
                               "sheet: found nothing, expected the name of a sheet of the "
                               "workbook");
                }
                free(in->sheet);
                in->sheet = rg_xstrdup(kv->value);
            } else if (strncmp(kv->key, "keys.", 5) == 0) {
                rg_ini_schema_add(&in->keys, kv->key + 5, kv->value, kv->file, kv->line, errs);
            } else if (strcmp(kv->key, "from_previous_run") == 0) {
                check_previous_path(kv, errs);
                free(in->from_previous);
                in->from_previous = rg_xstrdup(kv->value);
            } else {
                rg_err_add(errs, kv->file, kv->line,
                           "unknown key \"%s\" in [%s] (allowed: type, required, default, "
                           "description, columns, unique, keys.SECTION, from_previous_run); "
                           "a csv input also takes encoding, format and sheet",
                           kv->key, sec->name);
            }
        }
        if (in->def && !has_required) {
            in->required = 0;
        }
        if (type_fmt && in->format && strcmp(in->format, type_fmt->value) != 0) {
            rg_err_add(errs, type_fmt->file, type_fmt->line,
                       "[%s]: type = %s, and format = %s: one or the other (type = %s is "
                       "type = csv with format = %s)",
                       sec->name, type_fmt->value, in->format, type_fmt->value, type_fmt->value);
        } else if (type_fmt && !in->format) {
            in->format = rg_xstrdup(type_fmt->value);
        }
        if (!rg_section_get(sec, "type")) {
            rg_err_add(errs, sec->file, sec->line,
                       "[%s]: missing key \"type\" (file, csv, xlsx, ods, ini, text, number, "
                       "integer, date or boolean)",
                       sec->name);
        }
        if ((in->cols || in->unique) && in->type != RG_IN_CSV) {
            rg_err_add(errs, sec->file, sec->line, "[%s]: columns and unique apply to csv inputs only",
                       sec->name);
        }
        if (has_encoding && in->type != RG_IN_CSV) {
            rg_err_add(errs, sec->file, sec->line, "[%s]: encoding applies to csv inputs only",
                       sec->name);
        }
        if ((in->format || in->sheet) && in->type != RG_IN_CSV) {
            rg_err_add(errs, sec->file, sec->line,
                       "[%s]: format and sheet apply to csv inputs only (which may be "
                       "workbooks)",
                       sec->name);
        } else if (in->sheet && in->format && strcmp(in->format, "csv") == 0) {
            rg_err_add(errs, sec->file, sec->line,
                       "[%s]: sheet applies to workbooks, not to format = csv", sec->name);
        }
        if (in->keys.n && in->type != RG_IN_INI) {
            rg_err_add(errs, sec->file, sec->line, "[%s]: keys.SECTION applies to ini inputs only",
                       sec->name);
        }
        if (in->from_previous && in->type != RG_IN_CSV && in->type != RG_IN_INI &&
            in->type != RG_IN_FILE) {
            rg_err_add(errs, sec->file, sec->line,
                       "[%s]: from_previous_run applies to file, csv and ini inputs only",
                       sec->name);
        }
    }
}

static void load_steps(rg_workflow *wf, rg_errors *errs)
{
    size_t nsteps = 0;
    for (size_t s = 0; s < wf->ini.n; s++) {
        nsteps += strncmp(wf->ini.secs[s].name, "step.", 5) == 0;
    }
    wf->steps = rg_xcalloc(nsteps ? nsteps : 1, sizeof *wf->steps);
    for (size_t s = 0; s < wf->ini.n; s++) {
        rg_section *sec = &wf->ini.secs[s];
        if (strncmp(sec->name, "step.", 5) != 0) {
            continue;
        }
        rg_step *step = &wf->steps[wf->nsteps++];
        step->name = rg_xstrdup(sec->name + 5);
        step->file = sec->file;
        step->line = sec->line;
        step->limits = wf->cfg.limits;
        step->timeout = wf->cfg.step_timeout;
        step->isolate = wf->cfg.isolate;
        if (!rg_valid_id(step->name, 64)) {
            rg_err_add(errs, sec->file, sec->line,
                       "[%s]: \"%s\" is not a valid step name (letters, digits, _ and -)", sec->name,
                       step->name);
        }
        rg_kv *plugin = rg_section_get(sec, "plugin");
        rg_kv *script = rg_section_get(sec, "script");
        rg_kv *wait = rg_section_get(sec, "wait");
        step->rerun = 1;
        if (wait && (plugin || script)) {
            rg_err_add(errs, wait->file, wait->line,
                       "step %s: a wait step cannot also have plugin = or script =", step->name);
        } else if (wait) {
            /* wait = input:NAME | approval | until:DATE-or-DATA */
            step->kind = RG_STEP_WAIT;
            char *v = wait->value;
            if (strncmp(v, "input:", 6) == 0 && v[6]) {
                step->wait_kind = rg_xstrdup("input");
                step->wait_input = rg_xstrdup(rg_trim(v + 6));
            } else if (strcmp(v, "approval") == 0) {
                step->wait_kind = rg_xstrdup("approval");
            } else if (strncmp(v, "until:", 6) == 0 && v[6]) {
                /* the kind has one name from here to the store: timer */
                step->wait_kind = rg_xstrdup("timer");
                step->wait_until = rg_xstrdup(rg_trim(v + 6));
            } else {
                rg_err_add(errs, wait->file, wait->line,
                           "step %s: wait: found \"%s\", expected input:NAME, approval or "
                           "until:DATE (a date YYYY-MM-DD or the name of data holding one)",
                           step->name, v);
            }
            rg_kv *what = rg_section_get(sec, "what");
            step->wait_what = rg_xstrdup(what ? what->value : "");
            rg_kv *fe = rg_section_get(sec, "four_eyes");
            if (fe) {
                step->four_eyes = rg_xstrdup(fe->value);
                /* compared as rg_person_key gives it: a name without a
                 * letter or digit would match nobody */
                char *key = rg_person_key(fe->value);
                if (!*key) {
                    rg_err_add(errs, fe->file, fe->line,
                               "step %s: four_eyes: found \"%s\", expected the name of the "
                               "person who may not approve (with a letter or digit)",
                               step->name, fe->value);
                }
                free(key);
            }
        } else if (plugin && script) {
            rg_err_add(errs, script->file, script->line,
                       "step %s: has both plugin = and script =; a step is one or the other",
                       step->name);
        } else if (!plugin && !script) {
            rg_err_add(errs, sec->file, sec->line,
                       "step %s: missing \"plugin =\" or \"script =\" (what the step runs)",
                       step->name);
        }
        for (size_t k = 0; k < sec->n; k++) {
            rg_kv *kv = &sec->kv[k];
            long lv;
            if (strcmp(kv->key, "reads") == 0) {
                step->reads_line = kv->line;
                parse_names(kv, &step->reads, &step->read_optional, &step->nreads, errs,
                            step->name);
            } else if (strcmp(kv->key, "writes") == 0) {
                parse_names(kv, &step->writes, NULL, &step->nwrites, errs, step->name);
            } else if (strcmp(kv->key, "after") == 0) {
                step->after_line = kv->line;
                parse_names(kv, &step->after, NULL, &step->nafter, errs, step->name);
            } else if (strcmp(kv->key, "when") == 0) {
                step->when_line = kv->line;
                char *err = NULL;
                step->when = rg_expr_parse(kv->value, &err);
                step->when_text = rg_xstrdup(kv->value);
                if (!step->when) {
                    rg_err_add(errs, kv->file, kv->line, "step %s: when: %s", step->name, err);
                    free(err);
                }
            } else if (strcmp(kv->key, "retries") == 0) {
                if (parse_int_key(kv, 0, 100, &lv, errs) == 0) {
                    step->retries = (int)lv;
                }
            } else if (strcmp(kv->key, "retry_delay") == 0) {
                parse_num_key(kv, &step->retry_delay, errs);
            } else if (strcmp(kv->key, "timeout") == 0) {
                if (parse_num_key(kv, &step->timeout, errs) == 0) {
                    step->limits.timeout = step->timeout;
                }
            } else if (strcmp(kv->key, "instructions") == 0) {
                if (parse_int_key(kv, 0, LONG_MAX, &lv, errs) == 0) {
                    step->limits.instructions = lv;
                }
            } else if (strcmp(kv->key, "isolate") == 0) {
                if (!plugin) {
                    rg_err_add(errs, kv->file, kv->line,
                               "step %s: isolate applies to plugin steps only", step->name);
                } else if (rg_parse_isolate(kv->value, &step->isolate) != 0) {
                    rg_err_add(errs, kv->file, kv->line,
                               "step %s: isolate: found \"%s\", expected none or process",
                               step->name, kv->value);
                }
            } else if (strcmp(kv->key, "optional") == 0) {
                if (!plugin) {
                    rg_err_add(errs, kv->file, kv->line,
                               "step %s: optional applies to plugin steps only", step->name);
                } else if (rg_parse_bool(kv->value, &step->optional) != 0) {
                    rg_err_add(errs, kv->file, kv->line,
                               "step %s: optional: found \"%s\", expected yes or no", step->name,
                               kv->value);
                }
            } else if (strcmp(kv->key, "rerun") == 0) {
                if (rg_parse_bool(kv->value, &step->rerun) != 0) {
                    rg_err_add(errs, kv->file, kv->line, "rerun: found \"%s\", expected yes or no",
                               kv->value);
                }
            } else if (strcmp(kv->key, "preflight") == 0) {
                step->preflight_line = kv->line;
                if (rg_parse_bool(kv->value, &step->preflight) != 0) {
                    rg_err_add(errs, kv->file, kv->line,
                               "preflight: found \"%s\", expected yes or no", kv->value);
                } else if (step->preflight && wait) {
                    rg_err_add(errs, kv->file, kv->line,
                               "step %s: a wait step cannot be a pre-flight step", step->name);
                    step->preflight = 0;
                }
            } else if ((strcmp(kv->key, "what") == 0 || strcmp(kv->key, "four_eyes") == 0) &&
                       !wait) {
                rg_err_add(errs, kv->file, kv->line, "step %s: %s applies to wait steps only",
                           step->name, kv->key);
            } else if (strcmp(kv->key, "memory_mb") == 0) {
                if (parse_int_key(kv, 0, 1 << 20, &lv, errs) == 0) {
                    step->limits.memory = (size_t)lv * 1024 * 1024;
                }
            } else if (!is_reserved(kv->key)) {
                if (wait) {
                    rg_err_add(errs, kv->file, kv->line,
                               "step %s: unknown key \"%s\" for a wait step (allowed: wait, what, "
                               "four_eyes, reads, writes, after, when)",
                               step->name, kv->key);
                    continue;
                }
                step->params =
                    rg_xrealloc(step->params, (step->nparams + 1) * sizeof *step->params);
                step->params[step->nparams++] = *kv; /* borrowed from the ini */
            }
        }
        if (wait) {
            check_what_data(step, rg_section_get(sec, "what"), errs);
        }
        if (plugin) {
            step->kind = RG_STEP_PLUGIN;
            step->plugin_name = rg_xstrdup(plugin->value);
            step->plugin_key = plugin;
        } else if (script) {
            step->kind = RG_STEP_SCRIPT;
            step->script = rg_xstrdup(script->value);
            step->script_key = script;
        }
        step->errs_at = errs->n;
    }
}

static void build_dag(rg_workflow *wf, rg_errors *errs)
{
    wf_priv *p = priv_of(wf);
    /* data names: inputs, then step outputs (one producer each) */
    for (size_t i = 0; i < wf->ninputs; i++) {
        if (map_get(&p->data, wf->inputs[i].name) >= 0) {
            continue;
        }
        size_t d = add_data(wf, wf->inputs[i].name);
        rg_map_put(&p->data, wf->data[d], d);
    }
    for (size_t s = 0; s < wf->nsteps; s++) {
        rg_step *step = &wf->steps[s];
        if (map_get(&p->steps, step->name) >= 0) {
            rg_err_add(errs, step->file, step->line, "duplicate step \"%s\"", step->name);
        } else {
            rg_map_put(&p->steps, step->name, s);
        }
    }
    p->producer = rg_xmalloc((wf->ndata + 1) * sizeof *p->producer);
    for (size_t d = 0; d < wf->ndata; d++) {
        p->producer[d] = -1;
    }
    for (size_t s = 0; s < wf->nsteps; s++) {
        rg_step *step = &wf->steps[s];
        for (size_t w = 0; w < step->nwrites; w++) {
            long d = map_get(&p->data, step->writes[w]);
            if (d >= 0) {
                const char *by = p->producer[d] >= 0 ? wf->steps[p->producer[d]].name : NULL;
                rg_err_add(errs, step->file, step->line,
                           "step %s writes \"%s\", which %s%s already provides (each data name has "
                           "one producer)",
                           step->name, step->writes[w], by ? "step " : "an input",
                           by ? by : "");
                continue;
            }
            size_t nd = add_data(wf, step->writes[w]);
            rg_map_put(&p->data, wf->data[nd], nd);
            p->producer = rg_xrealloc(p->producer, (wf->ndata + 1) * sizeof *p->producer);
            p->producer[nd] = (long)s;
        }
    }
    for (size_t s = 0; s < wf->nsteps; s++) {
        rg_step *step = &wf->steps[s];
        for (size_t r = 0; r < step->nreads; r++) {
            long d = map_get(&p->data, step->reads[r]);
            if (d < 0) {
                rg_err_add(errs, step->file, step->reads_line,
                           "step %s reads \"%s\", which no input or step provides", step->name,
                           step->reads[r]);
            } else if (p->producer[d] >= 0) {
                if ((size_t)p->producer[d] == s) {
                    rg_err_add(errs, step->file, step->reads_line,
                               "step %s reads its own output \"%s\"", step->name, step->reads[r]);
                } else {
                    add_dep(wf, s, (size_t)p->producer[d]);
                }
            }
        }
        for (size_t a = 0; a < step->nafter; a++) {
            long o = map_get(&p->steps, step->after[a]);
            if (o < 0) {
                rg_err_add(errs, step->file, step->after_line,
                           "step %s: after: no step named \"%s\"", step->name, step->after[a]);
            } else if ((size_t)o == s) {
                rg_err_add(errs, step->file, step->after_line,
                           "step %s: after: a step cannot follow itself", step->name);
            } else {
                add_dep(wf, s, (size_t)o);
            }
        }
        if (step->kind == RG_STEP_WAIT) {
            const char *ref = step->wait_input;
            int32_t day;
            if (step->wait_until && rg_date_parse(step->wait_until, &day) != 0) {
                ref = step->wait_until;
            }
            long d = ref ? map_get(&p->data, ref) : -1;
            if (ref && d < 0) {
                rg_err_add(errs, step->file, step->line,
                           "step %s: waits for \"%s\", which is neither an input nor data a step "
                           "writes",
                           step->name, ref);
            } else if (step->wait_input && p->producer[d] >= 0) {
                rg_err_add(errs, step->file, step->line,
                           "step %s: wait = input:%s names data a step writes; expected an input",
                           step->name, ref);
            } else if (d >= 0 && p->producer[d] >= 0) {
                add_dep(wf, s, (size_t)p->producer[d]);
            }
        }
        step_all_reads(step);
        if (step->when) {
            rg_expr_refs refs = { 0 };
            rg_expr_refs_collect(step->when, &refs);
            for (size_t i = 0; i < refs.n; i++) {
                long d = map_get(&p->data, refs.names[i]);
                if (d < 0) {
                    rg_err_add(errs, step->file, step->when_line,
                               "step %s: when: \"%s\" is neither an input nor data a step writes",
                               step->name, refs.names[i]);
                } else if (p->producer[d] >= 0 && (size_t)p->producer[d] != s) {
                    add_dep(wf, s, (size_t)p->producer[d]);
                }
            }
            rg_strv_free(refs.names, refs.n);
        }
    }
    /* a pre-flight step runs before every other step: it can only follow
     * pre-flight steps */
    for (size_t s = 0; s < wf->nsteps; s++) {
        const rg_step *step = &wf->steps[s];
        for (size_t i = 0; step->preflight && i < step->ndeps; i++) {
            const rg_step *dep = &wf->steps[step->deps[i]];
            if (!dep->preflight) {
                rg_err_add(errs, step->file, step->preflight_line,
                           "step %s: preflight = yes, but it follows step %s, which is not a "
                           "pre-flight step (a pre-flight step reads only inputs and what other "
                           "pre-flight steps write)",
                           step->name, dep->name);
            }
        }
    }
    /* Kahn's algorithm: a topological order, and a cycle report */
    size_t *indeg = rg_xcalloc(wf->nsteps + 1, sizeof *indeg);
    size_t *queue = rg_xmalloc((wf->nsteps + 1) * sizeof *queue);
    size_t qh = 0, qt = 0;
    for (size_t s = 0; s < wf->nsteps; s++) {
        indeg[s] = wf->steps[s].ndeps;
        if (!indeg[s]) {
            queue[qt++] = s;
        }
    }
    while (qh < qt) {
        size_t s = queue[qh++];
        for (size_t i = 0; i < wf->steps[s].ndependents; i++) {
            size_t d = wf->steps[s].dependents[i];
            if (--indeg[d] == 0) {
                queue[qt++] = d;
            }
        }
    }
    if (qt < wf->nsteps) {
        rg_buf b = { 0 };
        rg_buf_puts(&b, "");
        for (size_t s = 0; s < wf->nsteps; s++) {
            if (indeg[s]) {
                rg_buf_printf(&b, "%s%s (%s:%d)", b.len ? ", " : "", wf->steps[s].name,
                              wf->steps[s].file, wf->steps[s].line);
            }
        }
        size_t first = 0;
        while (first < wf->nsteps && !indeg[first]) {
            first++;
        }
        rg_err_add(errs, wf->steps[first].file, wf->steps[first].line,
                   "cycle: these steps wait for each other: %s", b.data);
        rg_buf_free(&b);
    }
    wf->order = queue;
    free(indeg);
    /* data names to indices, once: a run looks its data up by index */
    for (size_t s = 0; s < wf->nsteps; s++) {
        rg_step *step = &wf->steps[s];
        /* one block: reads, then writes, then all reads */
        step->read_data = rg_xmalloc((step->nreads + step->nwrites + step->nall_reads + 1) *
                                     sizeof *step->read_data);
        step->write_data = step->read_data + step->nreads;
        step->all_read_data = step->write_data + step->nwrites;
        for (size_t r = 0; r < step->nreads; r++) {
            step->read_data[r] = map_get(&p->data, step->reads[r]);
        }
        for (size_t w = 0; w < step->nwrites; w++) {
            step->write_data[w] = map_get(&p->data, step->writes[w]);
        }
        for (size_t r = 0; r < step->nall_reads; r++) {
            step->all_read_data[r] = map_get(&p->data, step->all_reads[r]);
        }
        rg_expr_resolve(step->when, data_index, &p->data);
    }
}

/* One alternative of case = : INPUT or INPUT:SECTION.KEY (a key of an INI
 * input); 0 or -1 with the error. */
static int check_case_alt(const rg_workflow *wf, const rg_kv *kv, const char *v, rg_errors *errs)
{
    const char *colon = strchr(v, ':');
    char *name = colon ? rg_xstrndup(v, (size_t)(colon - v)) : rg_xstrdup(v);
    const char *dot = colon ? strrchr(colon + 1, '.') : NULL;
    const rg_input *in = NULL;
    for (size_t i = 0; i < wf->ninputs; i++) {
        if (strcmp(wf->inputs[i].name, name) == 0) {
            in = &wf->inputs[i];
        }
    }
    size_t before = errs->n;
    if (!*name || (colon && (!dot || dot == colon + 1 || !dot[1]))) {
        rg_err_add(errs, kv->file, kv->line,
                   "case: found \"%s\", expected INPUT or INPUT:SECTION.KEY (the key of an INI "
                   "input), several separated by commas",
                   v);
    } else if (!in) {
        rg_err_add(errs, kv->file, kv->line, "case: the workflow has no input \"%s\"", name);
    } else if (colon && in->type != RG_IN_INI) {
        rg_err_add(errs, kv->file, kv->line,
                   "case: input %s is not an INI file, so it has no SECTION.KEY (write case = %s)",
                   name, name);
    } else if (!colon && (in->type == RG_IN_INI || in->type == RG_IN_CSV)) {
        rg_err_add(errs, kv->file, kv->line,
                   "case: input %s is a file of many values: name one (case = %s:SECTION.KEY)",
                   name, name);
    }
    free(name);
    return errs->n > before ? -1 : 0;
}

static void load_case(rg_workflow *wf, const rg_kv *kv, rg_errors *errs)
{
    if (!kv) {
        return;
    }
    char **alts = NULL;
    size_t n = rg_split(kv->value, ',', &alts);
    int bad = n == 0;
    for (size_t i = 0; i < n; i++) {
        bad |= check_case_alt(wf, kv, alts[i], errs) != 0;
    }
    if (n == 0) {
        rg_err_add(errs, kv->file, kv->line, "case: empty (expected INPUT or INPUT:SECTION.KEY)");
    }
    rg_strv_free(alts, n);
    if (!bad) {
        wf->case_spec = rg_xstrdup(kv->value);
    }
}

static void check_sections(rg_workflow *wf, rg_errors *errs)
{
    for (size_t s = 0; s < wf->ini.n; s++) {
        rg_section *sec = &wf->ini.secs[s];
        if (strcmp(sec->name, "workflow") == 0) {
            for (size_t k = 0; k < sec->n; k++) {
                rg_kv *kv = &sec->kv[k];
                if (strcmp(kv->key, "name") && strcmp(kv->key, "description") &&
                    strcmp(kv->key, "version") && strcmp(kv->key, "case")) {
                    rg_err_add(errs, kv->file, kv->line,
                               "unknown key \"%s\" in [workflow] (allowed: name, description, "
                               "version, case)",
                               kv->key);
                }
            }
        } else if (strcmp(sec->name, "engine") == 0 || strncmp(sec->name, "input.", 6) == 0 ||
                   strncmp(sec->name, "step.", 5) == 0) {
            /* checked where they are read */
        } else if (sec->name[0] == 0) {
            for (size_t k = 0; k < sec->n; k++) {
                rg_err_add(errs, sec->kv[k].file, sec->kv[k].line,
                           "key \"%s\" outside any section (only include = FILE may stand there)",
                           sec->kv[k].key);
            }
        } else {
            rg_err_add(errs, sec->file, sec->line,
                       "unknown section [%s] (expected [workflow], [engine], [input.NAME] or "
                       "[step.NAME])",
                       sec->name);
        }
    }
}

int rg_workflow_load(rg_workflow *wf, const char *path, const rg_config *cfg,
                     const rg_setting *sets, size_t nsets, rg_errors *errs)
{
    memset(wf, 0, sizeof *wf);
    size_t before = errs->n;
    wf->path = rg_xstrdup(path);
    char *tmp = rg_xstrdup(path);
    wf->dir = rg_xstrdup(dirname(tmp));
    free(tmp);
    rg_config_copy(&wf->cfg, cfg);
    wf->priv = rg_xcalloc(1, sizeof *wf->priv);
    if (rg_ini_load(&wf->ini, path, errs) != 0 && wf->ini.n == 0) {
        return -1;
    }
    subst_ctx sc = { wf, sets, nsets };
    substitute_inputs(wf, &sc, errs);
    check_sections(wf, errs);
    rg_section *w = rg_ini_section(&wf->ini, "workflow");
    if (!w || !rg_section_get(w, "name")) {
        rg_err_add(errs, path, w ? w->line : 1,
                   "missing [workflow] section with name = (the workflow's name)");
    } else {
        wf->name = rg_xstrdup(rg_section_get(w, "name")->value);
        rg_kv *d = rg_section_get(w, "description");
        wf->description = rg_xstrdup(d ? d->value : "");
        rg_kv *v = rg_section_get(w, "version");
        wf->version = rg_xstrdup(v ? v->value : "");
    }
    rg_section *eng = rg_ini_section(&wf->ini, "engine");
    for (size_t k = 0; eng && k < eng->n; k++) {
        rg_config_set(&wf->cfg, eng->kv[k].key, eng->kv[k].value, eng->kv[k].file,
                      eng->kv[k].line, errs);
    }
    load_inputs(wf, errs);
    if (w) {
        load_case(wf, rg_section_get(w, "case"), errs);
    }
    for (size_t i = 0; i < nsets; i++) {
        int known = 0;
        for (size_t k = 0; k < wf->ninputs; k++) {
            known |= strcmp(wf->inputs[k].name, sets[i].name) == 0;
        }
        if (!known) {
            rg_buf b = { 0 };
            rg_buf_puts(&b, "");
            for (size_t k = 0; k < wf->ninputs; k++) {
                rg_buf_printf(&b, "%s%s", k ? ", " : "", wf->inputs[k].name);
            }
            rg_err_add(errs, "--set", 0, "%s: the workflow %s has no input of that name (inputs: %s)",
                       sets[i].name, path, b.len ? b.data : "none");
            rg_buf_free(&b);
        }
    }
    load_steps(wf, errs);
    build_dag(wf, errs);
    return errs->n > before ? -1 : 0;
}

void rg_workflow_free(rg_workflow *wf)
{
    for (size_t i = 0; i < wf->ninputs; i++) {
        rg_input *in = &wf->inputs[i];
        free(in->name);
        free(in->def);
        free(in->description);
        free(in->unique);
        free(in->format);
        free(in->sheet);
        free(in->from_previous);
        rg_colspec_free(in->cols, in->ncols);
        rg_ini_schema_free(&in->keys);
    }
    free(wf->inputs);
    for (size_t s = 0; s < wf->nsteps; s++) {
        rg_step *step = &wf->steps[s];
        free(step->name);
        free(step->plugin_name);
        free(step->wait_kind);
        free(step->wait_input);
        free(step->wait_until);
        free(step->wait_what);
        free(step->four_eyes);
        free(step->script);
        free(step->script_file);
        rg_strv_free(step->reads, step->nreads);
        free(step->read_optional);
        rg_strv_free(step->writes, step->nwrites);
        rg_strv_free(step->after, step->nafter);
        rg_expr_free(step->when);
        free(step->when_text);
        rg_strv_free(step->all_reads, step->nall_reads);
        free(step->params);
        if (step->bound_free) {
            step->bound_free(step->bound);
        }
        free(step->read_data); /* with write_data and all_read_data */
        free(step->deps);
        free(step->dependents);
    }
    free(wf->steps);
    free(wf->order);
    rg_strv_free(wf->data, wf->ndata);
    rg_ini_free(&wf->ini);
    rg_config_free(&wf->cfg);
    priv_drop(wf);
    free(wf->name);
    free(wf->description);
    free(wf->version);
    free(wf->case_spec);
    free(wf->path);
    free(wf->dir);
    memset(wf, 0, sizeof *wf);
}

char *rg_workflow_find(const rg_config *cfg, const char *name)
{
    if (strchr(name, '/') || (strlen(name) > 4 && strcmp(name + strlen(name) - 4, ".ini") == 0)) {
        return rg_file_exists(name) ? rg_xstrdup(name) : NULL;
    }
    char *file = rg_xasprintf("%s.ini", name);
    char *found = rg_path_find(cfg->workflow_path, file);
    free(file);
    return found;
}

static void dot_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            fputc('\\', f);
        }
        fputc(*s, f);
    }
}

void rg_workflow_dot(const rg_workflow *wf, FILE *f)
{
    fprintf(f, "digraph \"");
    dot_escape(f, wf->name ? wf->name : "workflow");
    fprintf(f, "\" {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
    for (size_t i = 0; i < wf->ninputs; i++) {
        fprintf(f, "  \"data:");
        dot_escape(f, wf->inputs[i].name);
        fprintf(f, "\" [label=\"");
        dot_escape(f, wf->inputs[i].name);
        fprintf(f, "\", shape=note, style=filled, fillcolor=\"#e8f0fe\"];\n");
    }
    for (size_t s = 0; s < wf->nsteps; s++) {
        const rg_step *step = &wf->steps[s];
        fprintf(f, "  \"step:");
        dot_escape(f, step->name);
        fprintf(f, "\" [label=\"");
        dot_escape(f, step->name);
        fprintf(f, "\\n(%s %s)\", shape=box, style=rounded];\n",
                step->kind == RG_STEP_PLUGIN ? "plugin"
                : step->kind == RG_STEP_WAIT ? "wait"
                                             : "script",
                step->kind == RG_STEP_PLUGIN ? step->plugin_name
                : step->kind == RG_STEP_WAIT ? step->wait_kind ? step->wait_kind : "?"
                                             : step->script);
        for (size_t w = 0; w < step->nwrites; w++) {
            fprintf(f, "  \"data:");
            dot_escape(f, step->writes[w]);
            fprintf(f, "\" [label=\"");
            dot_escape(f, step->writes[w]);
            fprintf(f, "\", shape=ellipse];\n  \"step:");
            dot_escape(f, step->name);
            fprintf(f, "\" -> \"data:");
            dot_escape(f, step->writes[w]);
            fprintf(f, "\";\n");
        }
        for (size_t r = 0; r < step->nreads; r++) {
            fprintf(f, "  \"data:");
            dot_escape(f, step->reads[r]);
            fprintf(f, "\" -> \"step:");
            dot_escape(f, step->name);
            fprintf(f, "\"%s;\n", step->read_optional[r] ? " [style=dashed]" : "");
        }
        for (size_t a = 0; a < step->nafter; a++) {
            fprintf(f, "  \"step:");
            dot_escape(f, step->after[a]);
            fprintf(f, "\" -> \"step:");
            dot_escape(f, step->name);
            fprintf(f, "\" [style=dotted];\n");
        }
    }
    fprintf(f, "}\n");
}
