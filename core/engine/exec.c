/* exec.c - loading a run's inputs and executing its DAG on worker threads.
 * Workers are created once per run (never per step), each with its own Lua
 * state; a step costs a queue push/pop and its callback. */
#define _GNU_SOURCE
#include "exec.h"
#include "calendar.h"
#include "crash.h"
#include "decimal.h"
#include "expr.h"
#include "host.h"
#include "isolate.h"
#include "lua_step.h"
#include "plugin.h"
#include "readers.h"
#include "rg_csv.h"
#include "rg_ini.h"
#include "workflow.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *rg_status_name(rg_step_status s)
{
    static const char *names[] = { "pending", "running", "done", "failed",
                                   "skipped", "upstream", "waiting" };
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

static void value_datum(rg_datum *d, const regie_value *v)
{
    d->kind = RG_DATUM_VALUE;
    d->table = rg_table_new(0, NULL);
    rg_value_copy(d->table, &d->value, v);
}

/* Read one input into its datum; errors name the input. */
static int load_input(const rg_workflow *wf, const rg_input *in, const char *text, rg_datum *d,
                      rg_errors *errs)
{
    if ((in->type == RG_IN_FILE || in->type == RG_IN_CSV || in->type == RG_IN_INI) &&
        !rg_file_exists(text)) {
        rg_err_add(errs, text, 0, "input %s: file not found", in->name);
        return -1;
    }
    regie_table *t = NULL;
    regie_value v = rg_str_value(text); /* a file, a text, a date: the text as given */
    const char *expected = NULL;
    int32_t day;
    switch (in->type) {
    case RG_IN_CSV:
    case RG_IN_INI: {
        /* a workbook, by its content or format =: through a plugin's reader */
        int wb = in->type == RG_IN_CSV ? rg_readers_load(wf->plugins, &rg_host, in, text, &t, errs) : 1;
        int bad = wb != 1 ? wb != 0
                  : in->type == RG_IN_CSV
                      ? rg_csv_read_enc(text, in->encoding, in->cols, in->ncols, in->unique, &t,
                                        errs) != 0
                      : rg_ini_to_table(text, &t, errs) != 0 ||
                            rg_ini_schema_check(&in->keys, t, errs) != 0;
        if (bad) {
            rg_table_free(t);
            return -1;
        }
        d->kind = RG_DATUM_TABLE;
        d->table = t;
        return 0;
    }
    case RG_IN_FILE:
    case RG_IN_TEXT:
        break;
    case RG_IN_NUMBER:
        v.type = REGIE_NUM;
        expected = rg_parse_decimal(text, '.', &v.u.n) != 0 ? "a number" : NULL;
        break;
    case RG_IN_INTEGER:
        v.type = REGIE_INT;
        expected = rg_parse_int(text, &v.u.i) != 0 ? "an integer" : NULL;
        break;
    case RG_IN_DATE:
        expected = rg_date_parse(text, &day) != 0 ? "a date YYYY-MM-DD" : NULL;
        break;
    case RG_IN_BOOLEAN:
        v.type = REGIE_BOOL;
        expected = rg_parse_bool(text, &v.u.b) != 0 ? "yes or no" : NULL;
        break;
    default:
        return -1;
    }
    if (expected) {
        rg_err_add(errs, "--set", 0, "%s: found \"%s\", expected %s", in->name, text, expected);
        return -1;
    }
    value_datum(d, &v);
    return 0;
}

int rg_run_init(rg_run *run, rg_workflow *wf, const rg_setting *sets, size_t nsets,
                const char *outdir, int jobs, rg_errors *errs)
{
    memset(run, 0, sizeof *run);
    run->wf = wf;
    run->outdir = outdir ? rg_xstrdup(outdir) : NULL;
    run->outdir_abs = outdir ? rg_abs_path(outdir) : NULL;
    if (jobs <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = n > 0 ? (int)n : 1;
    }
    run->jobs = jobs;
    run->data = rg_xcalloc(wf->ndata ? wf->ndata : 1, sizeof *run->data);
    run->state = rg_xcalloc(wf->nsteps ? wf->nsteps : 1, sizeof *run->state);
    run->unreadable = rg_xcalloc(wf->ndata ? wf->ndata : 1, 1);
    pthread_mutex_init(&run->mu, NULL);
    size_t before = errs->n;
    for (size_t i = 0; i < wf->ninputs; i++) {
        const rg_input *in = &wf->inputs[i];
        const rg_setting *s = rg_setting_find(sets, nsets, in->name);
        const char *text = s ? s->value : in->def;
        long d = rg_workflow_data_index(wf, in->name);
        if (!text) {
            if (in->required) {
                run->unreadable[d] = 1;
                rg_err_add(errs, in->file, in->line,
                           "input %s is required: pass --set %s=%s%s%s", in->name, in->name,
                           in->type == RG_IN_CSV || in->type == RG_IN_INI || in->type == RG_IN_FILE
                               ? "FILE"
                               : "VALUE",
                           in->description ? " (" : "", in->description ? in->description : "");
                if (in->description) {
                    /* close the parenthesis opened above */
                    char *m = errs->msg[errs->n - 1];
                    errs->msg[errs->n - 1] = rg_xasprintf("%s)", m);
                    free(m);
                }
            }
            continue;
        }
        char *resolved = NULL;
        if (!s && text[0] != '/' &&
            (in->type == RG_IN_CSV || in->type == RG_IN_INI || in->type == RG_IN_FILE)) {
            /* a default file ships with the workflow: relative to its file */
            resolved = rg_xasprintf("%s/%s", wf->dir, text);
            text = resolved;
        }
        if (load_input(wf, in, text, &run->data[d], errs) != 0) {
            run->unreadable[d] = 1;
        }
        free(resolved);
    }
    return errs->n > before ? -1 : 0;
}

static char *value_text(const regie_value *v)
{
    switch (v->type) {
    case REGIE_STR:
        return rg_xstrdup(v->u.s.ptr);
    case REGIE_INT:
        return rg_xasprintf("%lld", (long long)v->u.i);
    case REGIE_NUM:
        return rg_xasprintf("%g", v->u.n);
    case REGIE_BOOL:
        return rg_xstrdup(v->u.b ? "yes" : "no");
    default:
        return NULL;
    }
}

/* One alternative of case = (checked by workflow.c): INPUT or
 * INPUT:SECTION.KEY. */
static char *case_alt(const rg_run *run, const char *alt)
{
    const char *colon = strchr(alt, ':');
    char *name = colon ? rg_xstrndup(alt, (size_t)(colon - alt)) : rg_xstrdup(alt);
    long d = rg_workflow_data_index(run->wf, name);
    free(name);
    if (d < 0) {
        return NULL;
    }
    const rg_datum *dt = &run->data[d];
    if (!colon) {
        return dt->kind == RG_DATUM_VALUE ? value_text(&dt->value) : NULL;
    }
    const char *dot = strrchr(colon + 1, '.');
    if (dt->kind != RG_DATUM_TABLE || !dot) {
        return NULL;
    }
    char *section = rg_xstrndup(colon + 1, (size_t)(dot - colon - 1));
    long cs = rg_table_colindex(dt->table, "section"), ck = rg_table_colindex(dt->table, "key"),
         cv = rg_table_colindex(dt->table, "value");
    char *found = NULL;
    for (size_t r = 0; !found && cs >= 0 && ck >= 0 && cv >= 0 && r < dt->table->nrows; r++) {
        const regie_value *s = rg_table_cell(dt->table, r, (size_t)cs),
                          *k = rg_table_cell(dt->table, r, (size_t)ck);
        if (s->type == REGIE_STR && k->type == REGIE_STR && strcmp(s->u.s.ptr, section) == 0 &&
            strcmp(k->u.s.ptr, dot + 1) == 0) {
            found = value_text(rg_table_cell(dt->table, r, (size_t)cv));
        }
    }
    free(section);
    return found;
}

char *rg_run_case(const rg_run *run)
{
    if (!run->wf || !run->wf->case_spec || !run->data) {
        return NULL;
    }
    char **alts = NULL;
    size_t n = rg_split(run->wf->case_spec, ',', &alts);
    char *found = NULL;
    for (size_t i = 0; i < n && !(found && *found); i++) {
        free(found);
        found = case_alt(run, alts[i]);
    }
    rg_strv_free(alts, n);
    return found;
}

void rg_run_free(rg_run *run)
{
    if (!run->wf) {
        return;
    }
    for (size_t d = 0; d < run->wf->ndata; d++) {
        rg_datum_clear(&run->data[d]);
    }
    free(run->data);
    for (size_t s = 0; s < run->wf->nsteps; s++) {
        free(run->state[s].error);
    }
    free(run->state);
    free(run->unreadable);
    free(run->outdir);
    free(run->outdir_abs);
    free(run->run_id);
    if (run->hook_free) {
        run->hook_free(run->hook_state);
    }
    rg_err_free(&run->input_errors);
    pthread_mutex_destroy(&run->mu);
    memset(run, 0, sizeof *run);
}

/* ---- execution ---- */
typedef struct sched {
    rg_run *run;
    size_t *ready; /* stack of runnable step indices */
    size_t nready;
    size_t *pending; /* unfinished deps per step */
    size_t remaining; /* steps not yet resolved */
    pthread_cond_t cv;
    int invalid; /* some step reported input data errors */
    rg_errors data_errors;
    size_t *readers; /* per datum: steps yet to settle that read it */
    /* No other step starts before every pre-flight step has finished. */
    size_t gate;                 /* pre-flight steps not yet settled */
    rg_step_status gate_verdict; /* RG_ST_PENDING, or what the others become
                                  * when a pre-flight step did not finish */
    const char *gate_why;        /* that step */
    size_t *held;                /* steps ready to run before the gate opened */
    size_t nheld;
} sched;

/* Each datum a step reads: its `reads`, the names in its `when`, and what
 * a wait step waits for.  fn(sc, d) once per reference. */
static void for_each_read(sched *sc, size_t s, void (*fn)(sched *, long))
{
    const rg_workflow *wf = sc->run->wf;
    const rg_step *step = &wf->steps[s];
    for (size_t r = 0; r < step->nall_reads; r++) {
        fn(sc, step->all_read_data[r]);
    }
}

static void count_reader(sched *sc, long d)
{
    if (d >= 0) {
        sc->readers[d]++;
    }
}

/* A table no step will read any more is let go: a long workflow holds
 * only the data still ahead of it (everything a step wrote is already on
 * disk or in the run store). */
static void drop_reader(sched *sc, long d)
{
    if (d >= 0 && sc->readers[d] > 0 && --sc->readers[d] == 0 &&
        sc->run->data[d].kind == RG_DATUM_TABLE) {
        rg_datum_clear(&sc->run->data[d]);
    }
}

static const regie_value *when_value(void *ud, long d)
{
    rg_run *run = ud;
    rg_datum *dt = &run->data[d];
    static const regie_value yes = { REGIE_BOOL, { .b = 1 } };
    if (dt->kind == RG_DATUM_VALUE) {
        return &dt->value;
    }
    if (dt->kind == RG_DATUM_TABLE) {
        return &yes; /* a table that exists counts as true */
    }
    return NULL;
}

static void notify_finished(rg_run *run, size_t s)
{
    if (run->obs && run->obs->step_finished) {
        run->obs->step_finished(run->obs->ud, run, s);
    }
}

/* Called with the lock held when every dependency of s is resolved: decide
 * whether it runs, or ends without running: skipped, not run (shown as
 * "upstream") or waiting. */
static void resolve_or_queue(sched *sc, size_t s);

/* The last pre-flight step has settled: the steps held back run now (or
 * not at all, when a pre-flight step did not finish). */
static void open_gate(sched *sc)
{
    size_t n = sc->nheld;
    size_t *held = rg_xmalloc((n + 1) * sizeof *held);
    memcpy(held, sc->held, n * sizeof *held);
    sc->nheld = 0;
    /* the ready stack pops the last pushed first: the first held runs first */
    for (size_t i = n; i-- > 0;) {
        resolve_or_queue(sc, held[i]);
    }
    free(held);
}

static void finish_step(sched *sc, size_t s)
{
    rg_run *run = sc->run;
    const rg_step *step = &run->wf->steps[s];
    sc->remaining--;
    if (step->preflight && sc->gate > 0) {
        rg_step_status status = run->state[s].status;
        if (status != RG_ST_DONE && status != RG_ST_SKIPPED && sc->gate_verdict == RG_ST_PENDING) {
            sc->gate_verdict = status == RG_ST_WAITING ? RG_ST_WAITING : RG_ST_NOT_RUN;
            sc->gate_why = step->name;
        }
        if (--sc->gate == 0) {
            open_gate(sc);
        }
    }
    /* a waiting step may yet read its data (when the run goes on) */
    if (run->state[s].status != RG_ST_WAITING) {
        for_each_read(sc, s, drop_reader);
    }
    for (size_t i = 0; i < step->ndependents; i++) {
        size_t d = step->dependents[i];
        /* a dependent completed by an earlier process (resume) is settled */
        if (run->state[d].status != RG_ST_PENDING) {
            continue;
        }
        if (--sc->pending[d] == 0) {
            resolve_or_queue(sc, d);
        }
    }
}

static void resolve_or_queue(sched *sc, size_t s)
{
    rg_run *run = sc->run;
    rg_workflow *wf = run->wf;
    const rg_step *step = &wf->steps[s];
    rg_step_status verdict = RG_ST_PENDING;
    const char *why = NULL;
    for (size_t i = 0; i < step->ndeps && verdict == RG_ST_PENDING; i++) {
        rg_step_status ds = run->state[step->deps[i]].status;
        if (ds == RG_ST_FAILED || ds == RG_ST_NOT_RUN || ds == RG_ST_WAITING) {
            /* only a dependency whose data this step needs stops it */
            const rg_step *dep = &wf->steps[step->deps[i]];
            int needed = 0;
            /* optional reads too: `?x` tolerates x not being produced
             * (skipped), not its producer failing */
            for (size_t r = 0; r < step->nreads; r++) {
                for (size_t w = 0; w < dep->nwrites; w++) {
                    needed |= strcmp(step->reads[r], dep->writes[w]) == 0;
                }
            }
            for (size_t a = 0; a < step->nafter; a++) {
                needed |= strcmp(step->after[a], dep->name) == 0;
            }
            if (needed) {
                verdict = ds == RG_ST_WAITING ? RG_ST_WAITING : RG_ST_NOT_RUN;
                why = dep->name;
            }
        }
    }
    if (verdict == RG_ST_PENDING) {
        for (size_t r = 0; r < step->nreads; r++) {
            long d = step->read_data[r];
            /* an input that could not be read: a pre-flight step checks
             * the others without it */
            if (!step->read_optional[r] && run->data[d].kind == RG_DATUM_NONE &&
                !(step->preflight && run->unreadable && run->unreadable[d] == 1)) {
                verdict = RG_ST_SKIPPED;
                why = step->reads[r];
                break;
            }
        }
    }
    if (verdict == RG_ST_PENDING && step->when && !rg_expr_eval(step->when, when_value, run)) {
        verdict = RG_ST_SKIPPED;
    }
    int not_installed = 0;
    if (verdict == RG_ST_PENDING && step->kind == RG_STEP_PLUGIN && !step->plugin) {
        /* optional = yes and the plugin is not installed (bind.c) */
        verdict = RG_ST_SKIPPED;
        not_installed = 1;
    }
    int preflight_skip = 0;
    if (verdict == RG_ST_PENDING && !step->preflight) {
        if (run->preflight_only) {
            verdict = RG_ST_SKIPPED;
            preflight_skip = 1;
        } else if (sc->gate_verdict != RG_ST_PENDING) {
            verdict = sc->gate_verdict;
            why = sc->gate_why;
        } else if (sc->gate > 0) {
            sc->held[sc->nheld++] = s;
            return;
        }
    }
    if (verdict == RG_ST_PENDING) {
        /* queued: no longer pending, so nothing queues it twice */
        run->state[s].status = RG_ST_RUNNING;
        sc->ready[sc->nready++] = s;
        pthread_cond_signal(&sc->cv);
        return;
    }
    run->state[s].status = verdict;
    if (verdict == RG_ST_WAITING) {
        run->state[s].error = rg_xasprintf("waits for step %s", why);
    } else if (verdict == RG_ST_NOT_RUN) {
        run->state[s].error = rg_xasprintf("not run: step %s did not finish", why);
    } else if (not_installed) {
        run->state[s].error = rg_xasprintf(
            "skipped: plugin \"%s\" is not installed (optional = yes)",
            step->plugin_name);
    } else if (preflight_skip) {
        run->state[s].error = rg_xstrdup("not run: not a pre-flight step");
    } else if (verdict == RG_ST_SKIPPED && why) {
        run->state[s].error = rg_xasprintf("skipped: \"%s\" is not available", why);
    } else if (verdict == RG_ST_SKIPPED) {
        run->state[s].error = rg_xasprintf("skipped: when %s is false", step->when_text);
    }
    notify_finished(run, s);
    finish_step(sc, s);
}

/* Whether step reads an input that could not be read, or data made
 * without one. */
static int lacks_input(const rg_run *run, const rg_step *step)
{
    for (size_t r = 0; run->unreadable && r < step->nreads; r++) {
        long d = step->read_data[r];
        if (d >= 0 && run->unreadable[d]) {
            return 1;
        }
    }
    return 0;
}

typedef struct worker {
    sched *sc;
    rg_lua *lua;
    pthread_t tid;
    rg_crash_worker crash; /* names the step running here if the process ends */
} worker;

static int run_once(worker *w, regie_ctx *ctx, const rg_step *step, rg_instance *inst)
{
    if (step->kind == RG_STEP_WAIT) {
        return 0; /* decided before: see execute_step */
    }
    if (step->kind == RG_STEP_PLUGIN) {
        ctx->deadline = step->timeout > 0 ? rg_now() + step->timeout : 0;
        int rc;
        if (step->isolate) {
            rc = rg_isolate_run(ctx, step);
        } else {
            rg_crash_step_begin(&w->crash, step->name, "plugin", step->plugin_name);
            /* the step's instance: opened before its first attempt */
            rc = inst->type ? 0 : rg_instance_open(inst, step->plugin, step->type, &rg_host, ctx);
            if (rc == 0) {
                rc = rg_instance_run(inst, &rg_host, ctx);
            }
            rg_crash_step_end(&w->crash);
        }
        if (rc == 0 && ctx->deadline > 0 && rg_now() > ctx->deadline) {
            rg_host.fail(ctx, "timed out after %g s", step->timeout);
            rc = -1;
        }
        if (rc != 0 && !ctx->error && !ctx->data_errors) {
            rg_host.fail(ctx, "plugin %s failed (status %d)", step->plugin_name, rc);
        }
        return rc == 0 && !ctx->data_errors ? 0 : -1;
    }
    if (!w->lua) {
        w->lua = rg_lua_new(w->sc->run->wf->cfg.script_path);
    }
    rg_crash_step_begin(&w->crash, step->name, "script", step->script);
    int rc = rg_lua_run(w->lua, step->script_file, ctx, &step->limits);
    rg_crash_step_end(&w->crash);
    return rc;
}

static void sleep_seconds(double s)
{
    if (s <= 0) {
        return;
    }
    struct timespec ts = { (time_t)s, (long)((s - floor(s)) * 1e9) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void execute_step(worker *w, size_t s)
{
    sched *sc = w->sc;
    rg_run *run = sc->run;
    const rg_step *step = &run->wf->steps[s];
    rg_step_state *state = &run->state[s];
    regie_ctx ctx;
    rg_ctx_init(&ctx, run, s);
    state->started = rg_now();
    if (run->obs && run->obs->step_started) {
        run->obs->step_started(run->obs->ud, run, s);
    }
    int rc = -1;
    double delay = step->retry_delay;
    rg_instance inst;
    memset(&inst, 0, sizeof inst);
    if (step->kind == RG_STEP_WAIT) {
        char *what = NULL;
        int waiting = 1;
        if (run->wait_check) {
            waiting = run->wait_check(run, s, &what);
        }
        if (waiting != 0) {
            pthread_mutex_lock(&run->mu);
            state->ended = rg_now();
            state->status = waiting > 0 ? RG_ST_WAITING : RG_ST_FAILED;
            state->error = what ? what : rg_xstrdup("waiting");
            notify_finished(run, s);
            finish_step(sc, s);
            if (sc->remaining == 0) {
                pthread_cond_broadcast(&sc->cv);
            }
            pthread_mutex_unlock(&run->mu);
            rg_ctx_reset(&ctx);
            free(ctx.out);
            return;
        }
        free(what);
    }
    /* a step recorded by an earlier process whose inputs are unchanged */
    int reused = step->kind != RG_STEP_WAIT && run->reuse && run->reuse(run, s, &ctx) > 0;
    for (int attempt = 0; !reused && attempt <= step->retries; attempt++) {
        if (attempt > 0) {
            rg_host.log(&ctx, REGIE_LOG_WARN, "attempt %d failed: %s; retrying in %g s", attempt,
                        ctx.error ? ctx.error : "?", delay);
            sleep_seconds(delay);
            delay *= 2;
            rg_ctx_reset(&ctx);
        }
        state->attempts = attempt + 1;
        if (run->step_begin) {
            run->step_begin(run, s, attempt + 1);
        }
        rc = run_once(w, &ctx, step, &inst);
        if (rc == 0 || ctx.data_errors) {
            break; /* bad input does not get better by retrying */
        }
        if (inst.open_failed) {
            break; /* an instance is opened once: no attempt without one */
        }
    }
    if (inst.type) {
        /* once at the end, whatever the attempts came to */
        rg_crash_step_begin(&w->crash, step->name, "plugin", step->plugin_name);
        rg_instance_close(&inst);
        rg_crash_step_end(&w->crash);
    }
    if (reused) {
        rc = 0;
    } else if (rc == 0) {
        for (size_t i = 0; i < step->nwrites; i++) {
            if (ctx.out[i].kind == RG_DATUM_NONE) {
                rg_host.fail(&ctx, "finished without producing \"%s\" (declared in writes)",
                             step->writes[i]);
                rc = -1;
            }
        }
    }
    if (rc == 0 && run->commit && !reused) {
        /* durable before visible: a crash after this point never reruns it */
        state->ended = rg_now();
        rc = run->commit(run, s, &ctx);
    }
    pthread_mutex_lock(&run->mu);
    state->ended = rg_now();
    if (rc == 0) {
        /* made without an input that could not be read: not fit to check
         * anything else with (the next steps are skipped) */
        int partial = lacks_input(run, step);
        for (size_t i = 0; i < step->nwrites; i++) {
            long d = step->write_data[i];
            if (partial) {
                run->unreadable[d] = 2;
                continue; /* freed with the context */
            }
            run->data[d] = ctx.out[i];
            memset(&ctx.out[i], 0, sizeof ctx.out[i]);
        }
        state->status = RG_ST_DONE;
    } else {
        state->status = RG_ST_FAILED;
        if (ctx.data_errors) {
            state->invalid_input = 1;
            sc->invalid = 1;
            rg_err_append(&sc->data_errors, &ctx.derrs);
            state->error = rg_xasprintf("%d input data error%s", ctx.data_errors,
                                     ctx.data_errors == 1 ? "" : "s");
        } else {
            state->error = rg_xstrdup(ctx.error ? ctx.error : "failed");
        }
    }
    notify_finished(run, s);
    finish_step(sc, s);
    if (sc->remaining == 0) {
        pthread_cond_broadcast(&sc->cv);
    }
    pthread_mutex_unlock(&run->mu);
    if (rc != 0 && run->failed) {
        run->failed(run, s);
    }
    rg_ctx_reset(&ctx);
    free(ctx.out);
}

static void worker_loop(worker *w)
{
    sched *sc = w->sc;
    rg_run *run = sc->run;
    pthread_mutex_lock(&run->mu);
    for (;;) {
        while (sc->nready == 0 && sc->remaining > 0) {
            pthread_cond_wait(&sc->cv, &run->mu);
        }
        if (sc->nready == 0) {
            break;
        }
        size_t s = sc->ready[--sc->nready];
        run->state[s].status = RG_ST_RUNNING;
        pthread_mutex_unlock(&run->mu);
        execute_step(w, s);
        pthread_mutex_lock(&run->mu);
    }
    pthread_mutex_unlock(&run->mu);
}

/* A worker's Lua state is made and freed on the worker's own thread: its
 * memory is a heap of that thread's (see sandbox.c). */
static void worker_done(worker *w)
{
    rg_lua_free(w->lua);
    w->lua = NULL;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    rg_crash_worker_enter(&w->crash);
    worker_loop(w);
    worker_done(w);
    rg_crash_worker_leave(&w->crash);
    return NULL;
}

int rg_run_execute(rg_run *run, const rg_observer *obs)
{
    rg_workflow *wf = run->wf;
    run->obs = obs;
    sched sc;
    memset(&sc, 0, sizeof sc);
    sc.run = run;
    sc.ready = rg_xmalloc((wf->nsteps + 1) * sizeof *sc.ready);
    sc.pending = rg_xcalloc(wf->nsteps + 1, sizeof *sc.pending);
    sc.remaining = wf->nsteps;
    pthread_cond_init(&sc.cv, NULL);
    pthread_mutex_lock(&run->mu);
    for (size_t i = 0; i < wf->nsteps; i++) {
        sc.pending[i] = wf->steps[i].ndeps;
    }
    sc.readers = rg_xcalloc(wf->ndata + 1, sizeof *sc.readers);
    sc.held = rg_xmalloc((wf->nsteps + 1) * sizeof *sc.held);
    sc.gate_verdict = RG_ST_PENDING;
    for (size_t i = 0; i < wf->nsteps; i++) {
        sc.gate += wf->steps[i].preflight && run->state[i].status != RG_ST_DONE;
    }
    for (size_t i = 0; i < wf->nsteps; i++) {
        if (run->state[i].status != RG_ST_DONE) {
            for_each_read(&sc, i, count_reader);
        }
    }
    /* steps completed by an earlier process of this run (resume) */
    for (size_t k = 0; k < wf->nsteps; k++) {
        size_t s = wf->order[k];
        if (run->state[s].status == RG_ST_DONE) {
            sc.remaining--;
            for (size_t i = 0; i < wf->steps[s].ndependents; i++) {
                sc.pending[wf->steps[s].dependents[i]]--;
            }
        }
    }
    /* steps already settled as waiting (a person must confirm them) or
     * failed (running one again was rejected) */
    for (size_t k = 0; k < wf->nsteps; k++) {
        size_t s = wf->order[k];
        if (run->state[s].status == RG_ST_WAITING || run->state[s].status == RG_ST_FAILED) {
            notify_finished(run, s);
            finish_step(&sc, s);
        }
    }
    /* roots in reverse topological order so the stack pops them in order */
    for (size_t k = wf->nsteps; k-- > 0;) {
        size_t s = wf->order[k];
        if (sc.pending[s] == 0 && run->state[s].status == RG_ST_PENDING) {
            resolve_or_queue(&sc, s);
        }
    }
    pthread_mutex_unlock(&run->mu);
    int nw = run->jobs;
    if ((size_t)nw > wf->nsteps) {
        nw = wf->nsteps ? (int)wf->nsteps : 1;
    }
    worker *ws = rg_xcalloc((size_t)nw, sizeof *ws);
    for (int i = 0; i < nw; i++) {
        ws[i].sc = &sc;
    }
    /* the calling thread is worker 0: a one-job run creates no thread */
    for (int i = 1; i < nw; i++) {
        if (pthread_create(&ws[i].tid, NULL, worker_main, &ws[i]) != 0) {
            nw = i;
            break;
        }
    }
    rg_crash_worker_enter(&ws[0].crash);
    worker_loop(&ws[0]);
    worker_done(&ws[0]);
    rg_crash_worker_leave(&ws[0].crash);
    for (int i = 1; i < nw; i++) {
        pthread_join(ws[i].tid, NULL);
    }
    free(ws);
    int status = RG_EXIT_OK;
    int waiting = 0;
    for (size_t s = 0; s < wf->nsteps; s++) {
        if (run->state[s].status == RG_ST_FAILED || run->state[s].status == RG_ST_NOT_RUN) {
            status = RG_EXIT_FAILED;
        }
        waiting |= run->state[s].status == RG_ST_WAITING;
    }
    if (sc.invalid) {
        status = RG_EXIT_INVALID;
        rg_err_append(&run->input_errors, &sc.data_errors);
        /* by file and line, whichever step found them first */
        rg_err_sort(&run->input_errors);
    } else if (status == RG_EXIT_OK && waiting) {
        status = RG_EXIT_WAITING;
    }
    rg_err_free(&sc.data_errors);
    pthread_cond_destroy(&sc.cv);
    free(sc.ready);
    free(sc.pending);
    free(sc.readers);
    free(sc.held);
    return status;
}

size_t rg_run_preflight(rg_run *run, rg_errors *errs)
{
    size_t before = errs->n;
    char *outdir = run->outdir;
    run->outdir = NULL; /* nothing is written */
    run->preflight_only = 1;
    rg_run_execute(run, NULL);
    run->preflight_only = 0;
    run->outdir = outdir;
    rg_err_append(errs, &run->input_errors);
    rg_err_free(&run->input_errors);
    for (size_t s = 0; s < run->wf->nsteps; s++) {
        const rg_step *step = &run->wf->steps[s];
        const rg_step_state *state = &run->state[s];
        if (!step->preflight || state->status != RG_ST_FAILED || state->invalid_input) {
            continue;
        }
        /* without an input that could not be read (already reported), a
         * step may well fail: only a failure of its own is news */
        if (!lacks_input(run, step)) {
            rg_err_add(errs, step->file, step->line, "step %s failed: %s", step->name,
                       state->error ? state->error : "?");
        }
    }
    return errs->n - before;
}
