/* host.c - the host table handed to plugins (and used by the Lua module),
 * and step contexts.  A step sees only the data it declared: reading a name
 * outside `reads =` or writing one outside `writes =` fails the step. */
#include "host.h"
#include "calendar.h"
#include "decimal.h"
#include "exec.h"
#include "map.h"
#include "readers.h"
#include "value.h"
#include "workflow.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *step_name(const regie_ctx *ctx)
{
    return ctx->s && ctx->s->name ? ctx->s->name : "?";
}

static void h_log(regie_ctx *ctx, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = rg_xvasprintf(fmt, ap);
    va_end(ap);
    if (ctx->relay_log) {
        ctx->relay_log(ctx, level, msg);
    } else if (ctx->run && ctx->run->obs && ctx->run->obs->log) {
        ctx->run->obs->log(ctx->run->obs->ud, ctx->run, ctx->step, level, msg);
    } else if (level <= REGIE_LOG_WARN || getenv("REGIE_DEBUG")) {
        static const char *lv[] = { "error", "warning", "info", "debug" };
        fprintf(stderr, "%s: %s: %s\n", step_name(ctx), lv[level < 0 ? 0 : level > 3 ? 3 : level],
                msg);
    }
    free(msg);
}

static void h_progress(regie_ctx *ctx, double f)
{
    if (f < 0) {
        f = 0;
    }
    if (f > 1) {
        f = 1;
    }
    if (ctx->relay_progress) {
        ctx->relay_progress(ctx, f);
    } else if (ctx->run) {
        ctx->run->state[ctx->step].progress = f;
        if (ctx->run->obs && ctx->run->obs->step_progress) {
            ctx->run->obs->step_progress(ctx->run->obs->ud, ctx->run, ctx->step, f);
        }
    }
}

static int h_fail(regie_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = rg_xvasprintf(fmt, ap);
    va_end(ap);
    if (ctx->error) {
        /* keep the first cause; later ones are consequences */
        free(msg);
    } else {
        ctx->error = msg;
    }
    return -1;
}

static int h_data_error(regie_ctx *ctx, const char *file, long line, const char *column,
                        const char *found, const char *expected)
{
    ctx->data_errors++;
    if (column && *column) {
        if (found) {
            rg_err_add(&ctx->derrs, file, line, "column %s: found \"%s\", expected %s", column,
                       found, expected ? expected : "something else");
        } else {
            rg_err_add(&ctx->derrs, file, line, "column %s: %s", column,
                       expected ? expected : "invalid");
        }
    } else {
        rg_err_add(&ctx->derrs, file, line, "%s", expected ? expected : "invalid");
    }
    return -1;
}

static int h_cancelled(regie_ctx *ctx)
{
    if (ctx->cancelled) {
        return 1;
    }
    if (ctx->deadline > 0 && rg_now() > ctx->deadline) {
        ctx->cancelled = 1;
    }
    return ctx->cancelled;
}

/* ---- parameters ---- */
static const char *h_param(regie_ctx *ctx, const char *key)
{
    const rg_step *s = ctx->s;
    if (!s) {
        return NULL;
    }
    for (size_t i = 0; i < s->nparams; i++) {
        if (strcmp(s->params[i].key, key) == 0) {
            return s->params[i].value;
        }
    }
    for (const regie_param *p = s->ptable; p && p->key; p++) {
        if (strcmp(p->key, key) == 0) {
            return p->def;
        }
    }
    return NULL;
}

static int64_t h_param_int(regie_ctx *ctx, const char *key, int64_t fallback)
{
    const char *v = h_param(ctx, key);
    int64_t i;
    return v && rg_parse_int(v, &i) == 0 ? i : fallback;
}

static double h_param_num(regie_ctx *ctx, const char *key, double fallback)
{
    const char *v = h_param(ctx, key);
    double d;
    return v && rg_parse_decimal(v, '.', &d) == 0 ? d : fallback;
}

static int h_param_bool(regie_ctx *ctx, const char *key, int fallback)
{
    const char *v = h_param(ctx, key);
    int b;
    return v && rg_parse_bool(v, &b) == 0 ? b : fallback;
}

/* ---- data ---- */
/* Where name is among the step's reads or writes (names, n), or -1. */
static long name_index(char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], name) == 0) {
            return (long)i;
        }
    }
    return -1;
}

static long read_index(const regie_ctx *ctx, const char *name)
{
    return ctx->s ? name_index(ctx->s->reads, ctx->s->nreads, name) : -1;
}

static long write_index(const regie_ctx *ctx, const char *name)
{
    return ctx->s ? name_index(ctx->s->writes, ctx->s->nwrites, name) : -1;
}

int rg_ctx_may_write(const regie_ctx *ctx, const char *name)
{
    return !ctx->run || write_index(ctx, name) >= 0;
}

const rg_datum *rg_ctx_input(regie_ctx *ctx, const char *name)
{
    if (!ctx->run) {
        for (size_t i = 0; i < ctx->nstandalone; i++) {
            if (strcmp(ctx->standalone_names[i], name) == 0) {
                return &ctx->standalone_data[i];
            }
        }
        return NULL;
    }
    long r = read_index(ctx, name);
    if (r < 0) {
        h_log(ctx, REGIE_LOG_WARN, "reads \"%s\", which is not among its `reads`", name);
        return NULL;
    }
    long d = ctx->s->read_data[r];
    return d < 0 ? NULL : &ctx->run->data[d];
}

static const regie_table *h_input_table(regie_ctx *ctx, const char *name)
{
    const rg_datum *d = rg_ctx_input(ctx, name);
    return d && d->kind == RG_DATUM_TABLE ? d->table : NULL;
}

static int h_input_value(regie_ctx *ctx, const char *name, regie_value *out)
{
    const rg_datum *d = rg_ctx_input(ctx, name);
    if (!d || d->kind != RG_DATUM_VALUE) {
        return -1;
    }
    *out = d->value;
    return 0;
}

static size_t h_table_rows(const regie_table *t)
{
    return t ? t->nrows : 0;
}

static size_t h_table_cols(const regie_table *t)
{
    return t ? t->ncols : 0;
}

static const char *h_table_colname(const regie_table *t, size_t c)
{
    return t && c < t->ncols ? t->cols[c] : NULL;
}

static long h_table_colindex(const regie_table *t, const char *name)
{
    return t ? rg_table_colindex(t, name) : -1;
}

static const regie_value *h_table_cell(const regie_table *t, size_t r, size_t c)
{
    static const regie_value null_value = { REGIE_NULL, { 0 } };
    if (!t || r >= t->nrows || c >= t->ncols) {
        return &null_value;
    }
    return rg_table_cell(t, r, c);
}

static long h_table_row_line(const regie_table *t, size_t r)
{
    return t && t->lines && r < t->nrows ? t->lines[r] : 0;
}

static const char *h_table_source(const regie_table *t)
{
    return t ? t->source : NULL;
}

static size_t h_list_len(const regie_list *l)
{
    return l ? l->n : 0;
}

static const regie_value *h_list_at(const regie_list *l, size_t i)
{
    static const regie_value null_value = { REGIE_NULL, { 0 } };
    return l && i < l->n ? &l->items[i] : &null_value;
}

static regie_table *h_table_new(regie_ctx *ctx, size_t ncols, const char *const *cols)
{
    (void)ctx;
    return rg_table_new(ncols, cols);
}

static int h_table_append(regie_table *t, const regie_value *row)
{
    return t ? rg_table_append(t, row, 0) : -1;
}

static regie_list *h_list_new(regie_table *owner)
{
    return owner ? rg_table_list_new(owner) : NULL;
}

static void h_table_free(regie_table *t)
{
    rg_table_free(t);
}

static int store_output(regie_ctx *ctx, const char *name, rg_datum *d)
{
    if (!ctx->run) {
        for (size_t i = 0; i < ctx->nstandalone; i++) {
            if (strcmp(ctx->standalone_names[i], name) == 0) {
                rg_datum_clear(&ctx->standalone_data[i]);
                ctx->standalone_data[i] = *d;
                return 0;
            }
        }
        size_t n = ctx->nstandalone + 1;
        ctx->standalone_names = rg_xrealloc(ctx->standalone_names, n * sizeof(char *));
        ctx->standalone_data = rg_xrealloc(ctx->standalone_data, n * sizeof(rg_datum));
        ctx->standalone_names[n - 1] = rg_xstrdup(name);
        ctx->standalone_data[n - 1] = *d;
        ctx->nstandalone = n;
        return 0;
    }
    long w = write_index(ctx, name);
    if (w < 0) {
        rg_datum_clear(d);
        return h_fail(ctx, "step %s writes \"%s\", which is not among its `writes`",
                      step_name(ctx), name);
    }
    rg_datum_clear(&ctx->out[w]);
    ctx->out[w] = *d;
    return 0;
}

static int h_output_table(regie_ctx *ctx, const char *name, regie_table *t)
{
    if (!t) {
        return h_fail(ctx, "output \"%s\": no table", name);
    }
    rg_datum d = { RG_DATUM_TABLE, t, { REGIE_NULL, { 0 } } };
    return store_output(ctx, name, &d);
}

static int h_output_value(regie_ctx *ctx, const char *name, const regie_value *v)
{
    rg_datum d = { RG_DATUM_VALUE, rg_table_new(0, NULL), { REGIE_NULL, { 0 } } };
    rg_value_copy(d.table, &d.value, v);
    return store_output(ctx, name, &d);
}

static int bad_relpath(const char *p)
{
    if (!p || !*p || p[0] == '/') {
        return 1;
    }
    /* no ".." component */
    const char *s = p;
    while (*s) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if ((n == 2 && s[0] == '.' && s[1] == '.') || n == 0) {
            return 1;
        }
        if (!e) {
            break;
        }
        s = e + 1;
    }
    return 0;
}

/* Note relpath among the files this attempt wrote (once, however often it
 * is rewritten: a step may write thousands of files). */
static void note_written(regie_ctx *ctx, const char *relpath)
{
    if (rg_map_find(&ctx->written_set, relpath, &(size_t){ 0 }) == 0) {
        return;
    }
    if (ctx->nwritten == ctx->written_cap) {
        ctx->written_cap = ctx->written_cap ? 2 * ctx->written_cap : 32;
        ctx->written = rg_xrealloc(ctx->written, ctx->written_cap * sizeof *ctx->written);
    }
    ctx->written[ctx->nwritten] = rg_xstrdup(relpath);
    rg_map_put(&ctx->written_set, ctx->written[ctx->nwritten], ctx->nwritten);
    ctx->nwritten++;
}

void rg_ctx_note_written(regie_ctx *ctx, const char *relpath)
{
    note_written(ctx, relpath);
}

/* The full path of relpath in the output directory, or NULL (failed). */
static char *output_path(regie_ctx *ctx, const char *relpath)
{
    if (ctx->s && ctx->s->preflight) {
        /* `regie check` runs it too: what it finds must not depend on files */
        h_fail(ctx, "refusing to write \"%s\": a pre-flight step (preflight = yes) writes no files",
               relpath ? relpath : "");
        return NULL;
    }
    const char *outdir = ctx->run ? ctx->run->outdir : ctx->outdir;
    if (!outdir) {
        h_fail(ctx, "no output directory to write %s into", relpath);
        return NULL;
    }
    if (bad_relpath(relpath)) {
        h_fail(ctx, "refusing to write \"%s\": expected a relative path inside the output directory",
               relpath ? relpath : "");
        return NULL;
    }
    return rg_xasprintf("%s/%s", outdir, relpath);
}

int rg_output_open(regie_ctx *ctx, const char *relpath, rg_afile *f)
{
    char *path = output_path(ctx, relpath);
    if (!path) {
        memset(f, 0, sizeof *f);
        f->fd = f->dirfd = -1;
        return -1;
    }
    /* a symbolic link already in the output directory is not followed out of it */
    const char *outdir = ctx->run ? ctx->run->outdir : ctx->outdir;
    size_t bad;
    int rc = rg_afile_open_below(f, outdir, relpath, &bad);
    if (rc != 0 && errno == ELOOP) {
        h_fail(ctx, "refusing to write %s: %s/%.*s is a symbolic link (not followed in the output directory)",
               path, outdir, (int)bad, relpath);
    } else if (rc != 0) {
        h_fail(ctx, "cannot write %s: %s", path, strerror(errno));
    }
    free(path);
    return rc;
}

static int h_write_file(regie_ctx *ctx, const char *relpath, const void *data, size_t len)
{
    rg_afile f;
    if (rg_output_open(ctx, relpath, &f) != 0) {
        return -1;
    }
    if (rg_output_write(ctx, &f, data, len) != 0) {
        return -1;
    }
    return rg_output_commit(ctx, relpath, &f);
}

int rg_output_write(regie_ctx *ctx, rg_afile *f, const void *data, size_t len)
{
    if (rg_afile_write(f, data, len) != 0) {
        h_fail(ctx, "cannot write %s: %s", f->path, strerror(errno));
        rg_afile_abort(f);
        return -1;
    }
    return 0;
}

int rg_output_commit(regie_ctx *ctx, const char *relpath, rg_afile *f)
{
    char *path = rg_xstrdup(f->path);
    int rc = rg_afile_commit(f);
    if (rc != 0) {
        h_fail(ctx, "cannot write %s: %s", path, strerror(errno));
    } else {
        note_written(ctx, relpath);
    }
    free(path);
    return rc;
}

static int h_date_parse(const char *iso, int32_t *day)
{
    return rg_date_parse(iso, day);
}

static int h_list_push(regie_list *l, const regie_value *v)
{
    return l && v ? rg_list_push(l, v) : -1;
}

static int h_csv_dialect(regie_ctx *ctx, char *delimiter, char *decimal_sep)
{
    const rg_csv_dialect *d = rg_ctx_csv(ctx);
    if (delimiter) {
        *delimiter = d->delim;
    }
    if (decimal_sep) {
        *decimal_sep = d->decimal;
    }
    return d->bom;
}

static size_t h_csv_field_run(regie_ctx *ctx, int decimal, const char *s, size_t n, char *buf,
                              size_t bufsize)
{
    return rg_csv_field_d(rg_ctx_csv(ctx), decimal, s, n, buf, bufsize);
}

/* ---- the step journal ---- */
#define JOURNAL_MAX 4096

void rg_ctx_journal_set(regie_ctx *ctx, const char *key, const char *value)
{
    for (size_t i = 0; i < ctx->njournal; i++) {
        if (strcmp(ctx->journal_keys[i], key) == 0) {
            free(ctx->journal_values[i]);
            ctx->journal_values[i] = rg_xstrdup(value);
            return;
        }
    }
    ctx->journal_keys = rg_xrealloc(ctx->journal_keys, (ctx->njournal + 1) * sizeof(char *));
    ctx->journal_values = rg_xrealloc(ctx->journal_values, (ctx->njournal + 1) * sizeof(char *));
    ctx->journal_keys[ctx->njournal] = rg_xstrdup(key);
    ctx->journal_values[ctx->njournal] = rg_xstrdup(value);
    ctx->njournal++;
}

void rg_ctx_journal_free(regie_ctx *ctx)
{
    rg_strv_free(ctx->journal_keys, ctx->njournal);
    rg_strv_free(ctx->journal_values, ctx->njournal);
    ctx->journal_keys = ctx->journal_values = NULL;
    ctx->njournal = 0;
}

static int h_journal_put(regie_ctx *ctx, const char *key, const char *value)
{
    if (!key || !*key || !value) {
        return h_fail(ctx, "step journal: a record needs a key and a value");
    }
    if (strlen(key) > JOURNAL_MAX || strlen(value) > JOURNAL_MAX) {
        return h_fail(ctx, "step journal: key %.40s...: a key or value longer than %d bytes",
                      key, JOURNAL_MAX);
    }
    if (ctx->relay_journal_put) {
        return ctx->relay_journal_put(ctx, key, value);
    }
    if (!ctx->run) {
        rg_ctx_journal_set(ctx, key, value);
        return 0;
    }
    if (!ctx->run->journal_put) {
        return h_fail(ctx, "step journal: this run keeps none");
    }
    char *err = NULL;
    if (ctx->run->journal_put(ctx->run, ctx->step, key, value, &err) != 0) {
        h_fail(ctx, "step journal: %s", err ? err : "cannot record");
        free(err);
        return -1;
    }
    return 0;
}

/* The length of the value, -1 without a record, -2 when the journal could
 * not be read (the step's error says why). */
static long h_journal_get(regie_ctx *ctx, const char *key, char *buf, size_t bufsize)
{
    char *value = NULL;
    int found = 0;
    if (!key || !*key) {
        return -1;
    }
    if (ctx->relay_journal_get) {
        found = ctx->relay_journal_get(ctx, key, &value);
    } else if (!ctx->run) {
        for (size_t i = 0; i < ctx->njournal && !found; i++) {
            if (strcmp(ctx->journal_keys[i], key) == 0) {
                value = rg_xstrdup(ctx->journal_values[i]);
                found = 1;
            }
        }
    } else if (!ctx->run->journal_get) {
        h_fail(ctx, "step journal: this run keeps none");
        return -2;
    } else {
        char *err = NULL;
        found = ctx->run->journal_get(ctx->run, ctx->step, key, &value, &err);
        if (found < 0) {
            h_fail(ctx, "step journal: %s", err ? err : "cannot read");
        }
        free(err);
    }
    if (found <= 0) {
        free(value);
        return found < 0 ? -2 : -1;
    }
    size_t len = strlen(value);
    if (buf && bufsize) {
        size_t n = len < bufsize - 1 ? len : bufsize - 1;
        memcpy(buf, value, n);
        buf[n] = 0;
    }
    free(value);
    return (long)len;
}

static const char *h_step_name(regie_ctx *ctx)
{
    return ctx && ctx->s ? ctx->s->name : NULL;
}

static const char *h_output_dir(regie_ctx *ctx)
{
    if (!ctx) {
        return NULL;
    }
    if (ctx->run) {
        return ctx->run->outdir ? ctx->run->outdir_abs : NULL;
    }
    if (ctx->outdir && !ctx->outdir_abs) {
        ctx->outdir_abs = rg_abs_path(ctx->outdir);
    }
    return ctx->outdir_abs;
}

const regie_host rg_host = {
    .size = sizeof(regie_host),
    .abi_version = REGIE_ABI_VERSION,
    .log = h_log,
    .progress = h_progress,
    .fail = h_fail,
    .data_error = h_data_error,
    .cancelled = h_cancelled,
    .param = h_param,
    .param_int = h_param_int,
    .param_num = h_param_num,
    .param_bool = h_param_bool,
    .input_table = h_input_table,
    .input_value = h_input_value,
    .table_rows = h_table_rows,
    .table_cols = h_table_cols,
    .table_colname = h_table_colname,
    .table_colindex = h_table_colindex,
    .table_cell = h_table_cell,
    .table_row_line = h_table_row_line,
    .table_source = h_table_source,
    .list_len = h_list_len,
    .list_at = h_list_at,
    .table_new = h_table_new,
    .table_append = h_table_append,
    .list_new = h_list_new,
    .list_push = h_list_push,
    .table_free = h_table_free,
    .output_table = h_output_table,
    .output_value = h_output_value,
    .write_file = h_write_file,
    .round_half_up = rg_round_half_up,
    .format_decimal = rg_format_decimal,
    .date_parse = h_date_parse,
    .date_format = rg_date_format,
    .is_workday = rg_is_workday,
    .add_workdays = rg_add_workdays,
    .sub_workdays = rg_sub_workdays,
    .next_workday = rg_next_workday,
    .csv_field = rg_csv_field,
    .csv_dialect = h_csv_dialect,
    .csv_field_run = h_csv_field_run,
    .step_name = h_step_name,
    .output_dir = h_output_dir,
    .sheet_name = rg_reader_sheet_name,
    .sheet_cell = rg_reader_sheet_cell,
    .journal_put = h_journal_put,
    .journal_get = h_journal_get,
};

/* ---- contexts ---- */
const rg_csv_dialect *rg_ctx_csv(const regie_ctx *ctx)
{
    if (ctx && ctx->run && ctx->run->wf && ctx->run->wf->cfg.csv) {
        return ctx->run->wf->cfg.csv;
    }
    return &rg_csv_standard;
}

void rg_ctx_init(regie_ctx *ctx, rg_run *run, size_t step)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->run = run;
    ctx->step = step;
    ctx->s = &run->wf->steps[step];
    ctx->out = rg_xcalloc(ctx->s->nwrites ? ctx->s->nwrites : 1, sizeof *ctx->out);
}

void rg_ctx_reset(regie_ctx *ctx)
{
    free(ctx->error);
    ctx->error = NULL;
    ctx->data_errors = 0;
    ctx->cancelled = 0;
    ctx->input_seconds = 0;
    rg_err_free(&ctx->derrs);
    rg_strv_free(ctx->written, ctx->nwritten);
    ctx->written = NULL;
    ctx->nwritten = 0;
    rg_map_free(&ctx->written_set);
    ctx->written_cap = 0;
    rg_strv_free(ctx->modules, ctx->nmodules);
    rg_strv_free(ctx->module_shas, ctx->nmodules);
    ctx->modules = NULL;
    ctx->module_shas = NULL;
    ctx->nmodules = 0;
    free(ctx->outdir_abs);
    ctx->outdir_abs = NULL;
    for (size_t i = 0; ctx->s && i < ctx->s->nwrites && ctx->out; i++) {
        rg_datum_clear(&ctx->out[i]);
    }
}
