/* durable.c - what makes a run survive the process: each finished step's
 * data and files are written (atomically) below DIR/.regie/ and recorded
 * with their SHA-256 in the run store in one transaction before anything
 * downstream can see them, so `regie resume` can skip exactly the steps that
 * completed and continue with byte-identical results. */
#define _GNU_SOURCE
#include "durable.h"
#include "crash.h"
#include "calendar.h"
#include "datum.h"
#include "exec.h"
#include "host.h"
#include "lua_step.h"
#include "plugin.h"
#include "rg_ini.h"
#include "sha256.h"
#include "store.h"
#include "workflow.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- definition ---- */
static void def_add(rg_definition *def, const char *what, int is_file, const char *sha)
{
    for (size_t i = 0; i < def->n; i++) {
        if (strcmp(def->items[i].what, what) == 0) {
            return;
        }
    }
    def->items = rg_xrealloc(def->items, (def->n + 1) * sizeof *def->items);
    rg_defitem *it = &def->items[def->n++];
    it->what = rg_xstrdup(what);
    it->is_file = is_file;
    if (sha) {
        memcpy(it->sha, sha, 65);
    } else if (!is_file || rg_sha256_file(what, it->sha) != 0) {
        rg_sha256_buf(what, strlen(what), it->sha);
    }
}

/* The formula of doc/store.md, as the store recomputes it when a module
 * joins the definition later (rg_store_add_definition_later). */
static void def_hash(rg_definition *def)
{
    char **names = rg_xcalloc(def->n + 1, sizeof *names);
    char **shas = rg_xcalloc(def->n + 1, sizeof *shas);
    for (size_t i = 0; i < def->n; i++) {
        names[i] = def->items[i].what;
        shas[i] = def->items[i].sha;
    }
    rg_definition_hash(names, shas, def->n, def->hash);
    free(shas);
    free(names);
}

void rg_definition_compute(const rg_workflow *wf, rg_lua *lua, rg_definition *def)
{
    memset(def, 0, sizeof *def);
    for (size_t i = 0; i < wf->ini.nfiles; i++) {
        char *real = realpath(wf->ini.files[i], NULL);
        def_add(def, real ? real : wf->ini.files[i], 1, NULL);
        free(real);
    }
    for (size_t s = 0; s < wf->nsteps; s++) {
        const rg_step *step = &wf->steps[s];
        if (step->script_file) {
            char *real = realpath(step->script_file, NULL);
            def_add(def, real ? real : step->script_file, 1, NULL); /* hashes new paths only */
            free(real);
        } else if (step->plugin) {
            char *what = rg_xasprintf("plugin %s %s", step->plugin->desc->name,
                                      step->plugin->desc->version ? step->plugin->desc->version
                                                                  : "");
            int known = 0;
            for (size_t i = 0; i < def->n && !known; i++) {
                known = strcmp(def->items[i].what, what) == 0;
            }
            char sha[65];
            if (known) {
                free(what);
                continue; /* hashed once, however many steps use it */
            }
            if (rg_sha256_file(step->plugin->path, sha) != 0) {
                rg_sha256_buf(what, strlen(what), sha);
            }
            def_add(def, what, 0, sha);
            free(what);
        }
    }
    char **mods = NULL;
    size_t nmods = rg_lua_modules(lua, &mods);
    for (size_t i = 0; i < nmods; i++) {
        def_add(def, mods[i], 1, NULL);
    }
    rg_strv_free(mods, nmods);
    def_hash(def);
}

void rg_definition_add_recorded(rg_definition *def, char *const *paths, size_t n)
{
    size_t before = def->n;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(paths[i]);
        struct stat sb;
        if (len > 4 && strcmp(paths[i] + len - 4, ".lua") == 0 && stat(paths[i], &sb) == 0 &&
            S_ISREG(sb.st_mode)) {
            def_add(def, paths[i], 1, NULL); /* hashed now, unless listed already */
        }
    }
    if (def->n != before) {
        def_hash(def);
    }
}

void rg_definition_free(rg_definition *def)
{
    for (size_t i = 0; i < def->n; i++) {
        free(def->items[i].what);
    }
    free(def->items);
    memset(def, 0, sizeof *def);
}

/* ---- state of the hooks of one run ---- */
typedef struct durable_state {
    pthread_mutex_t mu;
    char (*dhash)[65];        /* per datum: sha256 of its serialisation, "" unknown */
    unsigned char *recheck;   /* per step: outdated in the store (see hook_reuse) */
    char **reads;             /* per step: what an outdated step read, as recorded */
    unsigned char *recorded;  /* per step: an earlier process recorded it (not reused) */
    char ***prev_rel, ***prev_sha; /* per step: its outputs as recorded before it ran again */
    size_t *nprev;
    size_t nsteps;
    char **modules;           /* paths of the run's definition, read once */
    size_t nmodules;
    int modules_read;
} durable_state;

static void state_free(void *p)
{
    durable_state *ds = p;
    if (!ds) {
        return;
    }
    pthread_mutex_destroy(&ds->mu);
    free(ds->dhash);
    free(ds->recheck);
    free(ds->recorded);
    rg_strv_free(ds->reads, ds->nsteps);
    for (size_t i = 0; i < ds->nsteps; i++) {
        rg_store_outputs_free(ds->prev_rel[i], ds->prev_sha[i], ds->nprev[i]);
    }
    free(ds->prev_rel);
    free(ds->prev_sha);
    free(ds->nprev);
    rg_strv_free(ds->modules, ds->nmodules);
    free(ds);
}

/* The SHA-256 of a datum as serialised (a step's data: its .rgd file);
 * "-" when it does not exist.  Data never change once produced. */
static void datum_hash(rg_run *run, long d, char out[65])
{
    durable_state *ds = run->hook_state;
    if (d < 0 || run->data[d].kind == RG_DATUM_NONE) {
        snprintf(out, 65, "-");
        return;
    }
    pthread_mutex_lock(&ds->mu);
    memcpy(out, ds->dhash[d], 65);
    pthread_mutex_unlock(&ds->mu);
    if (out[0]) {
        return;
    }
    /* serialised and hashed without the lock, so that other workers do
     * not wait on a large datum; two workers may both compute it, with the
     * same result */
    rg_buf b = { 0 };
    rg_datum_save(&run->data[d], &b);
    rg_sha256_buf(b.data, b.len, out);
    rg_buf_free(&b);
    pthread_mutex_lock(&ds->mu);
    memcpy(ds->dhash[d], out, 65);
    pthread_mutex_unlock(&ds->mu);
}

static void set_datum_hash(rg_run *run, long d, const char *sha)
{
    durable_state *ds = run->hook_state;
    pthread_mutex_lock(&ds->mu);
    memcpy(ds->dhash[d], sha, 65);
    pthread_mutex_unlock(&ds->mu);
}

/* SHA-256 of everything a step reads (its reads, the names of its `when`,
 * what it waits for), each by name and the hash of its content. */
static void reads_hash(rg_run *run, size_t s, char out[65])
{
    const rg_step *step = &run->wf->steps[s];
    char *const *names = step->all_reads;
    size_t n = step->nall_reads;
    rg_sha256 *h = rg_sha256_new();
    rg_sha256_add(h, "regie-reads-1\n", 14);
    for (size_t i = 0; i < n; i++) {
        char dh[65];
        datum_hash(run, step->all_read_data[i], dh);
        rg_sha256_add(h, names[i], strlen(names[i]) + 1);
        rg_sha256_add(h, dh, strlen(dh));
        rg_sha256_add(h, "\n", 1);
    }
    rg_sha256_finish(h, out);
}

/* ---- hooks ---- */
static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double to_wall(double mono)
{
    return mono > 0 ? wall_now() - (rg_now() - mono) : 0;
}

static char *data_relpath(const char *step, const char *name)
{
    return rg_xasprintf(".regie/data/%s.%s.rgd", step, name);
}

static void log_store_error(rg_run *run, size_t s, rg_errors *e)
{
    if (run->obs && run->obs->log) {
        for (size_t i = 0; i < e->n; i++) {
            run->obs->log(run->obs->ud, run, s, REGIE_LOG_ERROR, e->msg[i]);
        }
    }
}

/* Before a step recorded by an earlier process runs again: its recorded
 * files (and data) are kept by content as .regie/versions/SHA256, so the
 * versions it replaces stay with the run (rg_store_export). */
static void archive_outputs(rg_run *run, size_t s)
{
    durable_state *ds = run->hook_state;
    if (ds->nprev[s]) {
        return; /* kept when its first attempt began */
    }
    char **rel = NULL, **sha = NULL;
    size_t n = 0;
    rg_errors e = { 0 };
    if (rg_store_step_outputs(run->store, run->run_id, run->wf->steps[s].name, &rel, &sha, &n,
                              &e) != 0) {
        log_store_error(run, s, &e);
    }
    rg_err_free(&e);
    /* remembered for drop_replaced (a step with rerun = no forgets them as
     * it starts) */
    ds->prev_rel[s] = rel;
    ds->prev_sha[s] = sha;
    ds->nprev[s] = n;
    for (size_t i = 0; i < n; i++) {
        char *dst = rg_xasprintf("%s/.regie/versions/%s", run->outdir, sha[i]);
        char *src = rg_xasprintf("%s/%s", run->outdir, rel[i]);
        char have[65];
        if (!rg_file_exists(dst) && rg_sha256_file(src, have) == 0 && strcmp(have, sha[i]) == 0) {
            /* a file is replaced by rename, never rewritten: a link keeps it */
            int linked = link(src, dst) == 0;
            if (!linked && errno == ENOENT) {
                char *dir = rg_xasprintf("%s/.regie/versions", run->outdir);
                rg_mkdir_p(dir);
                free(dir);
                linked = link(src, dst) == 0;
            }
            if (!linked && errno != EEXIST) {
                size_t len = 0;
                char *data = rg_read_file(src, &len);
                if (!data || rg_write_file_atomic(dst, data, len) != 0) {
                    char *m = rg_xasprintf("cannot keep the earlier version of %s as %s: %s",
                                           rel[i], dst, strerror(errno));
                    if (run->obs && run->obs->log) {
                        run->obs->log(run->obs->ud, run, s, REGIE_LOG_WARN, m);
                    }
                    free(m);
                }
                free(data);
            }
        }
        free(src);
        free(dst);
    }
}

/* The outputs recorded for step s, checked against their hashes: its data
 * into out[] (by write index) with their hashes in shas[].  -1 (out[]
 * cleared) if anything is missing or changed: the step must run again. */
static int load_recorded(rg_run *run, size_t s, rg_datum *out, char (*shas)[65], rg_errors *errs)
{
    const rg_step *step = &run->wf->steps[s];
    char **rel = NULL, **sha = NULL;
    size_t n = 0;
    if (rg_store_step_outputs(run->store, run->run_id, step->name, &rel, &sha, &n, errs) != 0) {
        return -1;
    }
    int ok = 1;
    for (size_t w = 0; w < step->nwrites && ok; w++) {
        char *want = data_relpath(step->name, step->writes[w]);
        const char *wsha = NULL;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(rel[i], want) == 0) {
                wsha = sha[i];
            }
        }
        char *full = rg_xasprintf("%s/%s", run->outdir, want);
        size_t len = 0;
        char *data = wsha ? rg_read_file(full, &len) : NULL;
        char have[65] = { 0 };
        if (data) {
            rg_sha256_buf(data, len, have);
        }
        if (!data || strcmp(have, wsha) != 0 || rg_datum_load(data, len, &out[w]) != 0) {
            /* missing or changed since it was recorded: run the step again */
            ok = 0;
        } else {
            memcpy(shas[w], have, 65);
        }
        free(data);
        free(full);
        free(want);
    }
    for (size_t i = 0; i < n && ok; i++) {
        if (strncmp(rel[i], ".regie/", 7) == 0) {
            continue;
        }
        char *full = rg_xasprintf("%s/%s", run->outdir, rel[i]);
        char have[65];
        if (rg_sha256_file(full, have) != 0 || strcmp(have, sha[i]) != 0) {
            ok = 0;
        }
        free(full);
    }
    rg_store_outputs_free(rel, sha, n);
    if (!ok) {
        for (size_t w = 0; w < step->nwrites; w++) {
            rg_datum_clear(&out[w]);
        }
    }
    return ok ? 0 : -1;
}

/* A step that was done before new inputs were given runs again unless
 * what it reads now hashes as what it read then: then its recorded
 * outputs stand (and steps after it are judged the same way). */
static int hook_reuse(rg_run *run, size_t s, regie_ctx *ctx)
{
    durable_state *ds = run->hook_state;
    const rg_step *step = &run->wf->steps[s];
    if (!ds || !ds->recheck[s] || !ds->reads[s]) {
        return 0;
    }
    char now[65];
    reads_hash(run, s, now);
    if (strcmp(now, ds->reads[s]) != 0) {
        return 0;
    }
    char (*shas)[65] = rg_xcalloc(step->nwrites ? step->nwrites : 1, sizeof *shas);
    rg_errors e = { 0 };
    int reused = load_recorded(run, s, ctx->out, shas, &e) == 0;
    if (reused && rg_store_step_reused(run->store, run->run_id, step->name, &e) != 0) {
        for (size_t w = 0; w < step->nwrites; w++) {
            rg_datum_clear(&ctx->out[w]);
        }
        reused = 0;
    }
    log_store_error(run, s, &e);
    rg_err_free(&e);
    for (size_t w = 0; reused && w < step->nwrites; w++) {
        set_datum_hash(run, step->write_data[w], shas[w]);
    }
    free(shas);
    if (reused) {
        rg_kill_point("after-reuse", step->name);
    }
    return reused;
}

static void hook_begin(rg_run *run, size_t s, int attempt)
{
    durable_state *ds = run->hook_state;
    if (attempt == 1 && ds && ds->recorded[s]) {
        archive_outputs(run, s);
    }
    /* Only a step that must not run twice needs its start on record before
     * it acts; any other step interrupted mid-way simply runs again, and its
     * start time is recorded with its completion (one transaction a step). */
    if (run->wf->steps[s].rerun) {
        return;
    }
    rg_errors e = { 0 };
    if (rg_store_step_start(run->store, run->run_id, run->wf->steps[s].name, attempt, &e) != 0) {
        log_store_error(run, s, &e);
    }
    rg_err_free(&e);
}

/* Files an earlier run of step s wrote that it did not write again leave
 * the output directory (archive_outputs kept them): it shows the latest
 * outputs only.  A file changed since it was recorded is left alone. */
static void drop_replaced(rg_run *run, size_t s, const rg_store_output *now, size_t nnow)
{
    durable_state *ds = run->hook_state;
    char **rel = ds->prev_rel[s], **sha = ds->prev_sha[s];
    size_t n = ds->nprev[s];
    for (size_t i = 0; i < n; i++) {
        int again = 0;
        for (size_t k = 0; k < nnow && !again; k++) {
            again = strcmp(now[k].relpath, rel[i]) == 0;
        }
        char *full = rg_xasprintf("%s/%s", run->outdir, rel[i]);
        char *kept = rg_xasprintf("%s/.regie/versions/%s", run->outdir, sha[i]);
        char have[65];
        if (!again && rg_file_exists(kept) && rg_sha256_file(full, have) == 0 &&
            strcmp(have, sha[i]) == 0) {
            unlink(full);
        }
        free(kept);
        free(full);
    }
}

/* The Lua modules the step loaded that the run's definition does not list
 * yet (one a script requires only inside run(), say), so that resume
 * notices when they change: recorded before the step is.  The paths of
 * the definition are read from the store once per process and kept; the
 * check and the insert are done under ds->mu, so two workers loading the
 * same module record it once. */
static int record_modules(rg_run *run, regie_ctx *ctx)
{
    if (!ctx->nmodules) {
        return 0;
    }
    durable_state *ds = run->hook_state;
    rg_errors e = { 0 };
    int rc = 0;
    pthread_mutex_lock(&ds->mu);
    if (!ds->modules_read) {
        char **shas;
        if (rg_store_definition(run->store, run->run_id, &ds->modules, &shas, &ds->nmodules,
                                &e) != 0) {
            pthread_mutex_unlock(&ds->mu);
            rg_host.fail(ctx, "cannot read the run's definition: %s", e.n ? e.msg[0] : "?");
            rg_err_free(&e);
            return -1;
        }
        rg_strv_free(shas, ds->nmodules);
        ds->modules_read = 1;
    }
    /* the new ones in one transaction, with the definition hash made to
     * cover them */
    char **add = rg_xcalloc(ctx->nmodules, sizeof *add);
    char **add_sha = rg_xcalloc(ctx->nmodules, sizeof *add_sha);
    size_t nadd = 0;
    for (size_t i = 0; i < ctx->nmodules; i++) {
        int known = 0;
        for (size_t k = 0; k < ds->nmodules && !known; k++) {
            known = strcmp(ds->modules[k], ctx->modules[i]) == 0;
        }
        for (size_t k = 0; k < nadd && !known; k++) {
            known = strcmp(add[k], ctx->modules[i]) == 0;
        }
        if (!known) {
            add[nadd] = ctx->modules[i];
            add_sha[nadd++] = ctx->module_shas[i];
        }
    }
    if (nadd) {
        char *why = rg_xasprintf("loaded by step %s", run->wf->steps[ctx->step].name);
        rc = rg_store_add_definition_later(run->store, run->run_id, add, add_sha, nadd, why, &e);
        free(why);
        if (rc == 0) {
            ds->modules = rg_xrealloc(ds->modules, (ds->nmodules + nadd) * sizeof *ds->modules);
            for (size_t i = 0; i < nadd; i++) {
                ds->modules[ds->nmodules++] = rg_xstrdup(add[i]);
            }
        }
    }
    pthread_mutex_unlock(&ds->mu);
    free(add_sha);
    free(add);
    if (rc != 0) {
        rg_host.fail(ctx, "cannot record the modules of the step in the run store: %s",
                     e.n ? e.msg[0] : "?");
    }
    rg_err_free(&e);
    return rc;
}

static int hook_commit(rg_run *run, size_t s, regie_ctx *ctx)
{
    if (record_modules(run, ctx) != 0) {
        return -1;
    }
    const rg_step *step = &run->wf->steps[s];
    size_t nout = step->nwrites + ctx->nwritten;
    rg_store_output *outs = rg_xcalloc(nout ? nout : 1, sizeof *outs);
    char (*shas)[65] = rg_xcalloc(nout ? nout : 1, sizeof *shas);
    char **paths = rg_xcalloc(nout ? nout : 1, sizeof *paths);
    int rc = 0;
    size_t k = 0;
    for (size_t i = 0; i < step->nwrites && rc == 0; i++) {
        rg_buf b = { 0 };
        rg_datum_save(&ctx->out[i], &b);
        paths[k] = data_relpath(step->name, step->writes[i]);
        char *full = rg_xasprintf("%s/%s", run->outdir, paths[k]);
        if (rg_kill_point_named("mid-write", step->name)) {
            rg_afile f; /* killed with the file half made */
            if (rg_afile_open(&f, full) == 0) {
                rg_afile_write(&f, b.data, b.len / 2);
            }
            raise(SIGKILL);
        }
        if (rg_write_file_atomic(full, b.data, b.len) != 0) {
            rg_host.fail(ctx, "cannot record the output %s: %s", full, strerror(errno));
            rc = -1;
        }
        rg_sha256_buf(b.data, b.len, shas[k]);
        free(full);
        rg_buf_free(&b);
        outs[k].relpath = paths[k];
        outs[k].sha256 = shas[k];
        k++;
    }
    for (size_t i = 0; i < ctx->nwritten && rc == 0; i++) {
        char *full = rg_xasprintf("%s/%s", run->outdir, ctx->written[i]);
        if (rg_sha256_file(full, shas[k]) != 0) {
            rg_host.fail(ctx, "cannot hash %s: %s", full, strerror(errno));
            rc = -1;
        }
        free(full);
        outs[k].relpath = ctx->written[i];
        outs[k].sha256 = shas[k];
        k++;
    }
    durable_state *ds = run->hook_state;
    if (rc == 0 && ds && ds->recorded[s]) {
        drop_replaced(run, s, outs, k);
    }
    if (rc == 0) {
        rg_errors e = { 0 };
        const rg_step_state *state = &run->state[s];
        char reads[65];
        reads_hash(run, s, reads);
        rg_kill_point("before-commit", step->name);
        if (rg_store_step_done(run->store, run->run_id, step->name, state->attempts,
                               to_wall(state->started), to_wall(state->ended), reads, outs, k,
                               &e) != 0) {
            rg_host.fail(ctx, "%s", e.n ? e.msg[0] : "cannot record the step in the run store");
            rc = -1;
        }
        rg_err_free(&e);
        for (size_t i = 0; rc == 0 && i < step->nwrites; i++) {
            set_datum_hash(run, step->write_data[i], shas[i]);
        }
        if (rc == 0) {
            rg_kill_point("after-commit", step->name);
        }
    }
    for (size_t i = 0; i < step->nwrites; i++) {
        free(paths[i]);
    }
    free(paths);
    free(shas);
    free(outs);
    return rc;
}

static void hook_failed(rg_run *run, size_t s)
{
    rg_errors e = { 0 };
    const rg_step_state *state = &run->state[s];
    if (rg_store_step_finish(run->store, run->run_id, run->wf->steps[s].name, "failed",
                             state->attempts, to_wall(state->started), to_wall(state->ended),
                             state->error, NULL, 0, &e) != 0) {
        log_store_error(run, s, &e);
    }
    rg_err_free(&e);
}

/* The date timer waits are compared with (--today), and the store a
 * printed hint must name (--db): set once per process by the command line. */
static char *today_set;
static char *hint_db;

int rg_durable_set_today(const char *date)
{
    int32_t day;
    if (date && rg_date_parse(date, &day) != 0) {
        return -1;
    }
    free(today_set);
    today_set = date ? rg_xstrdup(date) : NULL;
    return 0;
}

char *rg_durable_today(void)
{
    const char *fixed = today_set ? today_set : getenv("REGIE_TODAY");
    int32_t day;
    if (fixed && *fixed && rg_date_parse(fixed, &day) == 0) {
        return rg_xstrdup(fixed);
    }
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    return rg_xasprintf("%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

void rg_durable_set_hint_db(const char *path)
{
    free(hint_db);
    hint_db = NULL;
    if (!path) {
        return;
    }
    /* quoted for a POSIX shell unless it needs none */
    int plain = *path != 0;
    for (const char *c = path; *c && plain; c++) {
        plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                strchr("_./-+:@%,=", *c) != NULL;
    }
    rg_buf b = { 0 };
    rg_buf_puts(&b, " --db ");
    if (plain) {
        rg_buf_puts(&b, path);
    } else {
        rg_buf_puts(&b, "'");
        for (const char *c = path; *c; c++) {
            if (*c == '\'') {
                rg_buf_puts(&b, "'\\''");
            } else {
                rg_buf_put(&b, c, 1);
            }
        }
        rg_buf_puts(&b, "'");
    }
    hint_db = b.data;
}

const char *rg_durable_hint_db(void)
{
    return hint_db ? hint_db : "";
}

static int data_text(void *ud, char *name, rg_buf *out)
{
    const rg_run *run = ud;
    long d = rg_workflow_data_index(run->wf, name);
    if (d >= 0 && run->data[d].kind == RG_DATUM_VALUE) {
        char *t = rg_value_to_text(&run->data[d].value);
        rg_buf_puts(out, t);
        free(t);
    }
    return 0;
}

/* A wait step's what with each ${data.NAME} replaced by the text of data
 * NAME as the run holds it when the wait opens (nothing when it holds no
 * value): the step reads NAME, so its producer has run. */
static char *wait_what_text(const rg_run *run, const char *what)
{
    return rg_substitute(what, "data.", data_text, (void *)run, NULL);
}

static int hook_wait(rg_run *run, size_t s, char **what)
{
    const rg_step *step = &run->wf->steps[s];
    rg_store *store = run->store;
    rg_errors e = { 0 };
    int waiting = 1;
    char *need = NULL;
    char *due = NULL;
    char *wt = wait_what_text(run, step->wait_what);
    if (strcmp(step->wait_kind, "input") == 0) {
        long d = rg_workflow_data_index(run->wf, step->wait_input);
        waiting = run->data[d].kind == RG_DATUM_NONE;
        if (store) {
            need = rg_xasprintf("input %s%s%s: regie resume %s%s --set %s=FILE", step->wait_input,
                                *wt ? " - " : "", wt, run->run_id,
                                rg_durable_hint_db(), step->wait_input);
        } else {
            need = rg_xasprintf("input %s%s%s: give it with --set %s=FILE", step->wait_input,
                                *wt ? " - " : "", wt, step->wait_input);
        }
    } else if (strcmp(step->wait_kind, "timer") == 0) {
        int32_t day;
        if (rg_date_parse(step->wait_until, &day) == 0) {
            due = rg_xstrdup(step->wait_until);
        } else {
            long d = rg_workflow_data_index(run->wf, step->wait_until);
            const rg_datum *dt = &run->data[d];
            if (dt->kind == RG_DATUM_VALUE && dt->value.type == REGIE_STR &&
                rg_date_parse(dt->value.u.s.ptr, &day) == 0) {
                due = rg_xstrdup(dt->value.u.s.ptr);
            }
        }
        if (!due) {
            *what = rg_xasprintf("until: \"%s\" holds no date YYYY-MM-DD", step->wait_until);
            free(wt);
            return -1;
        }
        char *now = rg_durable_today();
        waiting = strcmp(now, due) < 0;
        free(now);
        need = rg_xasprintf("the date %s%s%s: regie resume --due%s", due,
                            *wt ? " - " : "", wt, rg_durable_hint_db());
    } else {
        if (!store) {
            *what = rg_xasprintf("waits for approval%s%s, which needs the run store (it is off)",
                                 *wt ? " - " : "", wt);
            free(wt);
            return 1;
        }
        char *by = NULL, *note = NULL;
        int state = rg_store_wait_state(store, run->run_id, step->name, &by, &note, &e);
        waiting = state != 2 && state != 3;
        if (state == 3) {
            /* rejected: the run cannot go past this step */
            char *n1 = note && *note ? rg_one_line(note) : NULL;
            *what = rg_xasprintf("approval%s%s rejected by %s%s%s", *wt ? " - " : "", wt,
                                 by ? by : "?", n1 ? ": " : "", n1 ? n1 : "");
            free(n1);
            free(by);
            free(note);
            free(wt);
            rg_err_free(&e);
            return -1;
        }
        free(by);
        free(note);
        need = rg_xasprintf("approval%s%s: regie approve %s %s --by NAME%s",
                            *wt ? " - " : "", wt, run->run_id, step->name,
                            rg_durable_hint_db());
    }
    if (waiting && store) {
        if (rg_store_wait_add(store, run->run_id, step->name, step->wait_kind, need, due,
                              step->four_eyes, &e) != 0) {
            log_store_error(run, s, &e);
        }
    } else if (!waiting && store && strcmp(step->wait_kind, "approval") != 0) {
        char *by = NULL, *note = NULL;
        if (rg_store_wait_state(store, run->run_id, step->name, &by, &note, &e) == 1) {
            rg_store_wait_resolve(store, run->run_id, step->name, rg_store_actor(store),
                                  strcmp(step->wait_kind, "input") == 0 ? "input given"
                                                                        : "date passed",
                                  &e);
        }
        free(by);
        free(note);
    }
    /* a wait that no longer holds is recorded done by hook_commit, as any step */
    rg_err_free(&e);
    free(due);
    if (waiting) {
        *what = rg_xasprintf("waits for %s", need);
    }
    free(need);
    free(wt);
    return waiting;
}

static char *hook_audit_head(const rg_run *run)
{
    rg_errors e = { 0 };
    char *head = NULL;
    if (rg_store_log_head(run->store, run->run_id, &head, &e) != 0) {
        free(head);
        head = NULL;
    }
    rg_err_free(&e);
    return head;
}

static char *hook_today(const rg_run *run)
{
    (void)run;
    return rg_durable_today();
}

/* The step journal in the store (journal.c). */
static int hook_journal_put(rg_run *run, size_t s, const char *key, const char *value,
                            char **err)
{
    rg_errors e = { 0 };
    int rc = rg_store_journal_put(run->store, run->run_id, run->wf->steps[s].name, key, value, &e);
    if (rc != 0) {
        *err = rg_xstrdup(e.n ? e.msg[0] : "cannot record");
    }
    rg_err_free(&e);
    return rc;
}

static int hook_journal_get(rg_run *run, size_t s, const char *key, char **value, char **err)
{
    rg_errors e = { 0 };
    int rc = rg_store_journal_get(run->store, run->run_id, run->wf->steps[s].name, key, value, &e);
    if (rc < 0) {
        *err = rg_xstrdup(e.n ? e.msg[0] : "cannot read");
    }
    rg_err_free(&e);
    return rc;
}

static void install(rg_run *run, rg_store *store)
{
    run->store = store;
    run->commit = hook_commit;
    run->failed = hook_failed;
    run->wait_check = hook_wait;
    run->step_begin = hook_begin;
    run->reuse = hook_reuse;
    run->audit_head = hook_audit_head;
    run->today = hook_today;
    run->journal_put = hook_journal_put;
    run->journal_get = hook_journal_get;
    durable_state *ds = rg_xcalloc(1, sizeof *ds);
    pthread_mutex_init(&ds->mu, NULL);
    size_t ns = run->wf->nsteps ? run->wf->nsteps : 1;
    ds->nsteps = run->wf->nsteps;
    ds->dhash = rg_xcalloc(run->wf->ndata ? run->wf->ndata : 1, sizeof *ds->dhash);
    ds->recheck = rg_xcalloc(ns, 1);
    ds->recorded = rg_xcalloc(ns, 1);
    ds->reads = rg_xcalloc(ns, sizeof *ds->reads);
    ds->prev_rel = rg_xcalloc(ns, sizeof *ds->prev_rel);
    ds->prev_sha = rg_xcalloc(ns, sizeof *ds->prev_sha);
    ds->nprev = rg_xcalloc(ns, sizeof *ds->nprev);
    run->hook_state = ds;
    run->hook_free = state_free;
}

/* Without a store, the step journal is kept in memory for the process:
 * a step's retries see what its earlier attempts recorded; nothing can be
 * resumed anyway. */
typedef struct local_journal {
    pthread_mutex_t mu;
    char **keys; /* "STEP\nKEY" */
    char **values;
    size_t n;
} local_journal;

static void local_free(void *p)
{
    local_journal *lj = p;
    if (!lj) {
        return;
    }
    pthread_mutex_destroy(&lj->mu);
    rg_strv_free(lj->keys, lj->n);
    rg_strv_free(lj->values, lj->n);
    free(lj);
}

/* The position of k plus one, 0 when not there (under lj->mu). */
static size_t local_find(const local_journal *lj, const char *k)
{
    for (size_t i = 0; i < lj->n; i++) {
        if (strcmp(lj->keys[i], k) == 0) {
            return i + 1;
        }
    }
    return 0;
}

static int local_put(rg_run *run, size_t s, const char *key, const char *value, char **err)
{
    (void)err;
    local_journal *lj = run->hook_state;
    char *k = rg_xasprintf("%s\n%s", run->wf->steps[s].name, key);
    pthread_mutex_lock(&lj->mu);
    size_t at = local_find(lj, k);
    if (at) {
        free(lj->values[at - 1]);
        lj->values[at - 1] = rg_xstrdup(value);
        free(k);
    } else {
        lj->keys = rg_xrealloc(lj->keys, (lj->n + 1) * sizeof *lj->keys);
        lj->values = rg_xrealloc(lj->values, (lj->n + 1) * sizeof *lj->values);
        lj->keys[lj->n] = k;
        lj->values[lj->n++] = rg_xstrdup(value);
    }
    pthread_mutex_unlock(&lj->mu);
    return 0;
}

static int local_get(rg_run *run, size_t s, const char *key, char **value, char **err)
{
    (void)err;
    local_journal *lj = run->hook_state;
    char *k = rg_xasprintf("%s\n%s", run->wf->steps[s].name, key);
    pthread_mutex_lock(&lj->mu);
    size_t at = local_find(lj, k);
    *value = at ? rg_xstrdup(lj->values[at - 1]) : NULL;
    pthread_mutex_unlock(&lj->mu);
    free(k);
    return at ? 1 : 0;
}

void rg_durable_local(rg_run *run)
{
    run->store = NULL;
    run->wait_check = hook_wait;
    run->today = hook_today;
    if (!run->hook_state) {
        local_journal *lj = rg_xcalloc(1, sizeof *lj);
        pthread_mutex_init(&lj->mu, NULL);
        run->hook_state = lj;
        run->hook_free = local_free;
        run->journal_put = local_put;
        run->journal_get = local_get;
    }
}

/* The inputs rg_durable_previous took from earlier runs, for the record of
 * the run rg_durable_begin makes next (one run per process). */
typedef struct prev_taken {
    char *name, *path, *run_id, *relpath;
} prev_taken;
static prev_taken *prev_v;
static size_t prev_n;

static void prev_clear(void)
{
    for (size_t i = 0; i < prev_n; i++) {
        free(prev_v[i].name);
        free(prev_v[i].path);
        free(prev_v[i].run_id);
        free(prev_v[i].relpath);
    }
    free(prev_v);
    prev_v = NULL;
    prev_n = 0;
}

static const prev_taken *prev_find(const char *name, const char *value)
{
    for (size_t i = 0; i < prev_n; i++) {
        if (!strcmp(prev_v[i].name, name) && !strcmp(prev_v[i].path, value)) {
            return &prev_v[i];
        }
    }
    return NULL;
}

int rg_durable_previous(rg_store *store, const rg_workflow *wf, const rg_setting *sets,
                        size_t nsets, rg_setting **out, size_t *nout, rg_buf *notes,
                        rg_errors *errs)
{
    prev_clear();
    *out = NULL;
    *nout = 0;
    for (size_t i = 0; i < wf->ninputs; i++) {
        const rg_input *in = &wf->inputs[i];
        if (!in->from_previous || rg_setting_find(sets, nsets, in->name)) {
            continue; /* none declared, or given: --set wins */
        }
        char *id = NULL, *path = NULL;
        char rec[65], now[65];
        int r = rg_store_previous_output(store, wf->name, in->from_previous, &id, &path, rec, errs);
        if (r < 0) {
            return -1;
        }
        if (r == 0) {
            continue; /* no earlier run recorded it: not given */
        }
        struct stat sb;
        errno = 0;
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            rg_buf_printf(notes,
                          "regie: input %s: not taken from run %s: its output %s (%s) is gone%s%s; "
                          "%s is not given\n",
                          in->name, id, in->from_previous, path, errno ? ": " : "",
                          errno ? strerror(errno) : "", in->name);
        } else if (rg_sha256_file(path, now) != 0) {
            rg_buf_printf(notes,
                          "regie: input %s: not taken from run %s: its output %s (%s) cannot be "
                          "read: %s; %s is not given\n",
                          in->name, id, in->from_previous, path, strerror(errno), in->name);
        } else if (strcmp(now, rec) != 0) {
            rg_buf_printf(notes,
                          "regie: input %s: not taken from run %s: its output %s (%s) was changed "
                          "after that run recorded it (sha256 %s recorded, %s now); %s is not "
                          "given\n",
                          in->name, id, in->from_previous, path, rec, now, in->name);
        } else {
            rg_buf_printf(notes, "regie: input %s: %s of run %s (%s)\n", in->name,
                          in->from_previous, id, path);
            *out = rg_xrealloc(*out, (*nout + 1) * sizeof **out);
            (*out)[*nout] = (rg_setting){ rg_xstrdup(in->name), rg_xstrdup(path) };
            (*nout)++;
            prev_v = rg_xrealloc(prev_v, (prev_n + 1) * sizeof *prev_v);
            prev_v[prev_n++] = (prev_taken){ rg_xstrdup(in->name), rg_xstrdup(path), id,
                                             rg_xstrdup(in->from_previous) };
            id = NULL;
        }
        free(id);
        free(path);
    }
    return 0;
}

int rg_durable_begin(rg_run *run, rg_store *store, const rg_definition *def, const rg_setting *sets,
                     size_t nsets, rg_errors *errs)
{
    rg_workflow *wf = run->wf;
    /* the input files are hashed first, outside the transaction */
    rg_store_input *ins = rg_xcalloc(wf->ninputs + 1, sizeof *ins);
    char **reals = rg_xcalloc(wf->ninputs + 1, sizeof *reals);
    char (*shas)[65] = rg_xcalloc(wf->ninputs + 1, sizeof *shas);
    const prev_taken **froms = rg_xcalloc(wf->ninputs + 1, sizeof *froms);
    size_t nin = 0;
    int rc = 0;
    for (size_t i = 0; i < wf->ninputs && rc == 0; i++) {
        const rg_input *in = &wf->inputs[i];
        const rg_setting *set = rg_setting_find(sets, nsets, in->name);
        const char *v = set ? set->value : in->def;
        struct stat sb;
        if (!v || (in->type != RG_IN_CSV && in->type != RG_IN_INI && in->type != RG_IN_FILE)) {
            continue; /* a value, recorded with the run's settings */
        }
        if (stat(v, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            continue; /* no file: nothing the run read */
        }
        if (rg_sha256_file(v, shas[nin]) != 0) {
            rg_err_add(errs, NULL, 0, "input %s: cannot read %s to record it: %s", in->name, v,
                       strerror(errno));
            rc = -1;
            break;
        }
        reals[nin] = realpath(v, NULL);
        ins[nin] = (rg_store_input){ in->name, reals[nin] ? reals[nin] : v, shas[nin],
                                     (int64_t)sb.st_size };
        froms[nin] = prev_find(in->name, v);
        nin++;
    }
    rg_buf params = { 0 };
    rg_buf_puts(&params, "");
    for (size_t i = 0; i < nsets; i++) {
        rg_buf_printf(&params, "%s=%s\n", sets[i].name, sets[i].value);
    }
    /* a CSV dialect other than the standard one is recorded with the
     * settings (`regie show`), and is the run's again on resume */
    if (wf->cfg.csv && wf->cfg.csv != &rg_csv_standard) {
        rg_buf_printf(&params, "engine.csv=%s\n", wf->cfg.csv->name);
    }
    char *outdir = realpath(run->outdir, NULL);
    if (!outdir) {
        rg_mkdir_p(run->outdir);
        outdir = realpath(run->outdir, NULL);
    }
    char *wfpath = realpath(wf->path, NULL);
    /* The run, its definition and every input in ONE transaction: a kill
     * or a full disk before its commit leaves no run at all, never a run
     * without its inputs (the kill points between are for the tests). */
    char *id = NULL;
    if (rc == 0 && rg_store_txn_begin(store, errs) == 0) {
        rc = rg_store_run_begin(store, wf->name, wfpath ? wfpath : wf->path, def->hash,
                                params.data, NULL, outdir ? outdir : run->outdir, &id, errs);
        if (rc == 0) {
            rg_kill_point("run-created", NULL);
            rc = rg_store_run_set_jobs(store, id, run->jobs, errs);
        }
        char *run_case = rc == 0 ? rg_run_case(run) : NULL;
        if (run_case && *run_case) {
            rc = rg_store_run_set_case(store, id, run_case, errs);
        }
        free(run_case);
        for (size_t i = 0; i < def->n && rc == 0; i++) {
            rc = def->items[i].is_file
                     ? rg_store_add_definition_file(store, id, def->items[i].what,
                                                    def->items[i].sha, errs)
                     : rg_store_add_definition_item(store, id, def->items[i].what,
                                                    def->items[i].sha, errs);
        }
        if (rc == 0) {
            rg_kill_point("definition-recorded", NULL);
        }
        for (size_t i = 0; i < nin && rc == 0; i++) {
            rc = rg_store_add_input_from(store, id, ins[i].name, ins[i].path, ins[i].size,
                                         ins[i].sha256, froms[i] ? froms[i]->run_id : NULL,
                                         froms[i] ? froms[i]->relpath : NULL, errs);
            if (rc == 0) {
                rc = rg_store_keep_input(store, ins[i].name, ins[i].path, ins[i].sha256, errs);
            }
        }
        if (rc == 0) {
            rg_kill_point("inputs-recorded", NULL);
        }
        rc = rg_store_txn_end(store, rc, errs);
    } else {
        rc = -1;
    }
    free(wfpath);
    rg_buf_free(&params);
    rg_strv_free(reals, wf->ninputs);
    free(shas);
    free(ins);
    free(froms);
    prev_clear();
    if (rc != 0) {
        free(id);
        free(outdir);
        return -1;
    }
    run->run_id = id;
    if (outdir) {
        free(run->outdir);
        run->outdir = outdir;
    }
    rg_kill_point("run-recorded", NULL);
    install(run, store);
    return 0;
}

/* Does step `step` read (also optionally, in `when`, or by waiting for it)
 * one of the names? */
static int reads_any(const rg_step *step, char *const *names, size_t n)
{
    for (size_t c = 0; c < n; c++) {
        for (size_t r = 0; r < step->nall_reads; r++) {
            if (strcmp(step->all_reads[r], names[c]) == 0) {
                return 1;
            }
        }
    }
    return 0;
}

int rg_durable_give_inputs(const rg_workflow *wf, rg_store *store, const char *run_id,
                           const char *who, const rg_setting *given, size_t ngiven,
                           const rg_setting *recorded, size_t nrecorded, rg_errors *errs)
{
    rg_buf params = { 0 };
    rg_store_input *ins = rg_xcalloc(ngiven + 1, sizeof *ins);
    char **reals = rg_xcalloc(ngiven + 1, sizeof *reals);
    char (*shas)[65] = rg_xcalloc(ngiven + 1, sizeof *shas);
    char **changed = rg_xcalloc(ngiven + 1, sizeof *changed);
    size_t nin = 0, nchanged = 0;
    for (size_t i = 0; i < ngiven; i++) {
        const char *v = given[i].value;
        struct stat sb;
        reals[i] = realpath(v, NULL);
        const char *path = reals[i] ? reals[i] : v;
        rg_buf_printf(&params, "%s=%s\n", given[i].name, path);
        if (stat(v, &sb) == 0 && S_ISREG(sb.st_mode) && rg_sha256_file(v, shas[i]) == 0) {
            ins[nin++] = (rg_store_input){ given[i].name, path, shas[i], (int64_t)sb.st_size };
        }
        int same = 0;
        for (size_t k = 0; k < nrecorded; k++) {
            same |= strcmp(recorded[k].name, given[i].name) == 0 &&
                    strcmp(recorded[k].value, given[i].value) == 0;
        }
        if (!same) {
            changed[nchanged++] = given[i].name;
        }
    }
    /* the steps that read a changed input, and every step after them */
    char *stale = rg_xcalloc(wf->nsteps + 1, 1);
    char **names = rg_xcalloc(wf->nsteps + 1, sizeof *names);
    size_t nnames = 0;
    for (size_t k = 0; k < wf->nsteps; k++) {
        size_t s = wf->order[k];
        const rg_step *step = &wf->steps[s];
        stale[s] = (char)reads_any(step, changed, nchanged);
        for (size_t d = 0; d < step->ndeps && !stale[s]; d++) {
            stale[s] = stale[step->deps[d]];
        }
        if (stale[s]) {
            names[nnames++] = step->name;
        }
    }
    int rc = rg_store_give_inputs(store, run_id, who, params.data ? params.data : "", ins, nin,
                                  names, nnames, errs);
    free(names);
    free(stale);
    free(changed);
    free(shas);
    rg_strv_free(reals, ngiven);
    free(ins);
    rg_buf_free(&params);
    return rc;
}

int rg_durable_resume(rg_run *run, rg_store *store, const char *run_id, rg_errors *errs)
{
    rg_workflow *wf = run->wf;
    run->run_id = rg_xstrdup(run_id);
    install(run, store);
    durable_state *ds = run->hook_state;
    size_t before = errs->n;
    /* files the killed process was writing (NAME.tmp.PID.N of a process
     * that no longer exists): the steps that wrote them run again (they
     * were not recorded) */
    rg_afile_remove_tmp(run->outdir, 0);
    for (size_t s = 0; s < wf->nsteps; s++) {
        const rg_step *step = &wf->steps[s];
        char *status = NULL;
        int attempts = 0;
        int r = rg_store_step_status(store, run_id, step->name, &status, &attempts, errs);
        if (r < 0) {
            break;
        }
        if (r == 1 || !status) {
            free(status);
            continue;
        }
        ds->recorded[s] = 1;
        if (strcmp(status, "running") == 0 && !step->rerun) {
            /* it may have acted already: a person decides */
            char *what = rg_xasprintf("confirmation that step %s may run again (it was running "
                                      "when the process stopped): regie approve %s %s --by NAME",
                                      step->name, run_id, step->name);
            char *by = NULL, *note = NULL;
            int state = rg_store_wait_state(store, run_id, step->name, &by, &note, errs);
            if (state == 3) {
                /* not to run again: the step failed (settled by exec.c) */
                char *n1 = note && *note ? rg_one_line(note) : NULL;
                run->state[s].status = RG_ST_FAILED;
                run->state[s].error = rg_xasprintf("running it again was rejected by %s%s%s",
                                                   by ? by : "?", n1 ? ": " : "", n1 ? n1 : "");
                free(n1);
            }
            free(by);
            free(note);
            if (state != 2 && state != 3) {
                rg_store_wait_add(store, run_id, step->name, "approval", what, NULL, NULL, errs);
                run->state[s].status = RG_ST_WAITING;
                run->state[s].error = rg_xasprintf("waits for %s", what);
            }
            free(what);
        }
        if (strcmp(status, "outdated") == 0) {
            /* done before new inputs were given: judged when it is due */
            ds->recheck[s] = 1;
            if (rg_store_step_reads(store, run_id, step->name, &ds->reads[s], errs) != 0) {
                free(status);
                break;
            }
        }
        if (strcmp(status, "done") != 0) {
            free(status);
            continue;
        }
        free(status);
        rg_datum *outs = rg_xcalloc(step->nwrites ? step->nwrites : 1, sizeof *outs);
        char (*shas)[65] = rg_xcalloc(step->nwrites ? step->nwrites : 1, sizeof *shas);
        if (load_recorded(run, s, outs, shas, errs) == 0) {
            for (size_t w = 0; w < step->nwrites; w++) {
                long d = step->write_data[w];
                rg_datum_clear(&run->data[d]);
                run->data[d] = outs[w];
                memcpy(ds->dhash[d], shas[w], 65);
            }
            run->state[s].status = RG_ST_DONE;
            ds->recorded[s] = 0;
        }
        free(shas);
        free(outs);
    }
    return errs->n > before ? -1 : 0;
}

/* ---- resume policy (`regie resume`) ---- */
int rg_durable_resume_lock(rg_store *store, const char *run_id, rg_store_run *rec,
                           rg_errors *errs)
{
    if (rg_store_run_get(store, run_id, rec, errs) != 0) {
        return -1;
    }
    if (strcmp(rec->status, "done") == 0) {
        return 1;
    }
    char *holder = NULL;
    int rc = rg_store_lock_run(store, run_id, &holder, errs) != 0 ? -1 : 0;
    free(holder);
    return rc;
}

/* Files that changed since the run started, against the recorded
 * definition paths/shas (the caller says them). */
static int definition_changes(char *const *paths, char *const *shas, size_t n,
                              const rg_definition *now, rg_buf *out)
{
    int changes = 0;
    for (size_t i = 0; i < n; i++) {
        const rg_defitem *hit = NULL;
        for (size_t k = 0; k < now->n; k++) {
            if (strcmp(now->items[k].what, paths[i]) == 0) {
                hit = &now->items[k];
            }
        }
        if (!hit) {
            rg_buf_printf(out, "  %s: no longer used (or removed)\n", paths[i]);
            changes++;
        } else if (strcmp(hit->sha, shas[i]) != 0) {
            rg_buf_printf(out, "  %s: changed\n", paths[i]);
            changes++;
        }
    }
    for (size_t k = 0; k < now->n; k++) {
        int known = 0;
        for (size_t i = 0; i < n; i++) {
            known |= strcmp(now->items[k].what, paths[i]) == 0;
        }
        if (!known) {
            rg_buf_printf(out, "  %s: new\n", now->items[k].what);
            changes++;
        }
    }
    return changes;
}

/* The workflow's definition now against the one recorded: the number of
 * files that changed (listed in changes), 0, or -1 (errs).  With the same
 * definition, the recorded list is completed if the first process died
 * while recording it. */
static int definition_check(rg_store *store, const char *run_id, const rg_store_run *rec,
                            const rg_workflow *wf, rg_lua *lua, rg_buf *changes, rg_errors *errs)
{
    rg_definition def;
    rg_definition_compute(wf, lua, &def);
    /* the recorded definition, read once */
    char **paths = NULL, **shas = NULL;
    size_t n = 0;
    int have_def = rg_store_definition(store, run_id, &paths, &shas, &n, errs) == 0;
    if (have_def) {
        rg_definition_add_recorded(&def, paths, n); /* modules loaded by steps */
    }
    int nchanged = 0;
    if (strcmp(def.hash, rec->definition_hash) != 0) {
        nchanged = have_def ? definition_changes(paths, shas, n, &def, changes) : -1;
    } else if (have_def) {
        /* same definition; complete the list if the first process died
         * while recording it */
        for (size_t k = 0; k < def.n; k++) {
            int known = 0;
            for (size_t i = 0; i < n; i++) {
                known |= strcmp(paths[i], def.items[k].what) == 0;
            }
            if (!known) {
                (def.items[k].is_file ? rg_store_add_definition_file
                                      : rg_store_add_definition_item)(store, run_id,
                                                                      def.items[k].what,
                                                                      def.items[k].sha, errs);
            }
        }
    }
    rg_store_outputs_free(paths, shas, n);
    rg_definition_free(&def);
    return nchanged;
}

/* Inputs given on resume are checked with the others as `run` checks
 * them, before anything is recorded: the type errors of every file and the
 * pre-flight steps' rule errors together, sorted by file and line.  A
 * separate run: the pre-flight leaves its steps' state behind. */
static int preflight_given(rg_workflow *wf, const rg_setting *sets, size_t nsets, int jobs,
                           rg_errors *errs)
{
    rg_run pre;
    rg_run_init(&pre, wf, sets, nsets, NULL, jobs, errs);
    rg_run_preflight(&pre, errs); /* also with an input that could not be read */
    if (errs->n) {
        rg_err_sort(errs);
    }
    rg_run_free(&pre);
    return errs->n ? -1 : 0;
}

int rg_durable_resume_run(rg_run *run, rg_store *store, const rg_store_run *rec, rg_workflow *wf,
                          rg_lua *lua, const rg_resume_how *how, rg_errors *input_errors,
                          rg_buf *changes, rg_errors *errs)
{
    const char *id = rec->id;
    if (wf->cfg.sync_full && !rg_sync_writes) { /* the workflow's [engine] sync = full */
        rg_sync_writes = 1;
        rg_store_set_sync(store, 1, errs);
    }
    /* as many jobs as the run was started with, unless told otherwise */
    int jobs = how->jobs ? how->jobs : rec->jobs > 0 ? rec->jobs : wf->cfg.jobs;
    if (how->ngiven && preflight_given(wf, how->sets, how->nsets, jobs, input_errors) != 0) {
        return RG_RESUME_BAD_INPUTS; /* nothing recorded: the run is as it was */
    }
    int nchanged = definition_check(store, id, rec, wf, lua, changes, errs);
    if (nchanged < 0) {
        return RG_RESUME_ERROR;
    }
    if (nchanged > 0 && !how->allow_changed) {
        return RG_RESUME_CHANGED;
    }
    if (nchanged > 0) {
        char *detail = rg_xasprintf("resumed with a changed definition:\n%s", changes->data);
        rg_store_log_event(store, id, how->who, "definition_changed", detail, NULL, errs);
        free(detail);
    }
    if (rg_run_init(run, wf, how->sets, how->nsets, rec->outdir, jobs, errs) != 0) {
        return RG_RESUME_ERROR;
    }
    /* inputs given now, e.g. the interview results the run waited for: on
     * record with the steps they make outdated before any step runs */
    size_t nrecorded = how->nsets - how->ngiven;
    if (how->ngiven && rg_durable_give_inputs(wf, store, id, how->who, how->sets + nrecorded,
                                              how->ngiven, how->sets, nrecorded, errs) != 0) {
        return RG_RESUME_ERROR;
    }
    rg_kill_point("after-input-commit", NULL);
    int drc = rg_durable_resume(run, store, id, errs);
    if (drc != 0 ||
        rg_store_run_resume(store, id, how->ngiven ? "resumed with new inputs" : "resumed",
                            errs) != 0) {
        return RG_RESUME_ERROR;
    }
    return RG_RESUME_READY;
}

typedef struct due_list {
    char **ids;
    size_t n;
} due_list;

static void collect_due(void *ud, const rg_store_wait *w)
{
    due_list *d = ud;
    for (size_t i = 0; i < d->n; i++) {
        if (strcmp(d->ids[i], w->run_id) == 0) {
            return;
        }
    }
    d->ids = rg_xrealloc(d->ids, (d->n + 1) * sizeof *d->ids);
    d->ids[d->n++] = rg_xstrdup(w->run_id);
}

int rg_durable_runs_due(rg_store *store, const char *today, char ***ids, size_t *n,
                        rg_errors *errs)
{
    due_list due = { 0 };
    int rc = rg_store_waits_due(store, today, collect_due, &due, errs) < 0 ? -1 : 0;
    *ids = due.ids;
    *n = due.n;
    return rc;
}

/* A wait stays open only while its step still waits in a run that waits.
 * One whose step ended otherwise (skipped because its `when` became false
 * on resume, not run, failed), or that is open when the run ends done,
 * failed or invalid, is closed with the reason: it no longer asks anything
 * of anyone (`runs --waiting`).  A later phase that needs it opens it
 * anew. */
static void close_waits(rg_run *run, const char *run_status, rg_errors *errs)
{
    char **open;
    size_t n;
    if (rg_store_waits_open(run->store, run->run_id, &open, &n, errs) != 0) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        long s = -1;
        for (size_t k = 0; k < run->wf->nsteps && s < 0; k++) {
            s = strcmp(run->wf->steps[k].name, open[i]) == 0 ? (long)k : -1;
        }
        const rg_step_state *state = s >= 0 ? &run->state[s] : NULL;
        if (state && state->status == RG_ST_WAITING && strcmp(run_status, "waiting") == 0) {
            continue;
        }
        char *why;
        if (!state) {
            why = rg_xstrdup("the workflow has no step of that name any more");
        } else if (state->status == RG_ST_WAITING || state->status == RG_ST_PENDING ||
                   state->status == RG_ST_RUNNING) {
            why = rg_xasprintf("the run ended (%s)", run_status);
        } else if (state->status == RG_ST_SKIPPED || state->status == RG_ST_NOT_RUN) {
            why = rg_xstrdup(state->error ? state->error : rg_status_name(state->status));
        } else {
            why = rg_xasprintf("step %s%s%s", rg_status_name(state->status),
                               state->error ? ": " : "", state->error ? state->error : "");
        }
        rg_store_wait_close(run->store, run->run_id, open[i], why, errs);
        free(why);
    }
    rg_strv_free(open, n);
}

int rg_durable_finish(rg_run *run, int exit_status, rg_errors *errs)
{
    static const char *names[] = { "done", "failed", "invalid", "waiting" };
    const char *status = exit_status >= 0 && exit_status <= 3 ? names[exit_status] : "failed";
    durable_state *ds = run->hook_state;
    for (size_t s = 0; ds && s < run->wf->nsteps; s++) {
        /* done with the earlier inputs, skipped with the new ones: what it
         * wrote then is an earlier version now */
        if (ds->recheck[s] && run->state[s].status == RG_ST_SKIPPED) {
            archive_outputs(run, s);
            drop_replaced(run, s, NULL, 0);
            rg_store_step_finish(run->store, run->run_id, run->wf->steps[s].name, "skipped", 0, 0,
                                 0, run->state[s].error, NULL, 0, errs);
        }
    }
    close_waits(run, status, errs);
    return rg_store_run_finish(run->store, run->run_id, status, errs);
}
