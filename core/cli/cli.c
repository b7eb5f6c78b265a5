/* cli.c - `regie run|check|graph|plugins`: argument parsing, progress lines
 * and summaries.  Exit statuses: 0 done, 1 a step failed, 2 invalid
 * workflow or input (nothing ran), 3 waiting, 64 usage, 70 exit() called
 * by a step (crash.h). */
#define _GNU_SOURCE
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "cli.h"
#include "crash.h"
#include "durable.h"
#include "bind.h"
#include "calendar.h"
#include "decimal.h"
#include "conf.h"
#include "exec.h"
#include "host.h"
#include "lua_step.h"
#include "plugin.h"
#include "sdk.h"
#include "store.h"
#include "workflow.h"
#ifdef REGIE_CONSOLE
#include "serve.h"
#endif

#include <dirent.h>
#include <termios.h>
#include <errno.h>
#include <libintl.h>
#include <locale.h>
#include <sys/stat.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif
#ifndef REGIE_LOCALEDIR
#define REGIE_LOCALEDIR "/usr/share/locale"
#endif

/* Messages in the user's language (po/nl.po): English texts are the keys. */
#define _(s) dgettext("regie", s)
#define N_(s) s

static const char *usage_text = N_(
    "usage: regie COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  run WORKFLOW [--set NAME=VALUE]... [--out DIR] [--jobs N] [--csv DIALECT]\n"
    "                      run a workflow (a path, or a name on the workflow path)\n"
    "  check WORKFLOW [--set NAME=VALUE]...\n"
    "                      find everything `run` would refuse, writing nothing\n"
    "  graph WORKFLOW      print the steps and data as Graphviz DOT\n"
    "  inputs WORKFLOW     list the inputs a workflow takes\n"
    "  plugins [NAME]      list plugins, or print one plugin's parameters\n"
    "  plugin new NAME [DIR]\n"
    "                      write the skeleton of a C plugin to build, test and install\n"
    "  workflows           list the workflows on the workflow path\n"
    "\n"
    "Runs in the store (--db FILE, default ~/.local/share/regie/runs.db; --no-store: none):\n"
    "  resume RUN [--set NAME=VALUE]... [--allow-changed] [--jobs N]\n"
    "                      finish a run that stopped, crashed or waits; completed steps\n"
    "                      are not run again\n"
    "  resume --due [--today DATE]\n"
    "                      resume every run whose timer wait has passed (for cron)\n"
    "  approve RUN STEP --by NAME [--note TEXT] [--reject]\n"
    "                      approve (or reject) a step a run waits on\n"
    "  runs [--workflow W] [--status S] [--waiting]   list runs, or open tasks\n"
    "  show RUN            a run: definition, inputs, steps, outputs with hashes\n"
    "  log RUN             its audit trail\n"
    "  verify RUN|DIR [--anchor FILE]\n"
    "                      check the audit trail (of a run, or an exported bundle),\n"
    "                      and against an anchor\n"
    "  export RUN DIR      write a self-contained evidence bundle\n"
    "  anchor RUN [--out FILE]   the signed head of its audit trail, to keep elsewhere\n"
    "  key new FILE        make a key pair to sign with ([store] signing_key = FILE)\n"
    "  user add|passwd|roles|del NAME [--role ROLE:WORKFLOW]..., user list\n"
    "                      the people of the web console and their roles\n"
    "  serve [--listen ADDR:PORT] [--tls-cert FILE --tls-key FILE]\n"
    "                      the web console (default 127.0.0.1:8080)\n"
    "\n"
    "Options for every command:\n"
    "  --config FILE       engine configuration (default: etc/regie.ini)\n"
    "  --engine KEY=VALUE  override an engine setting (plugin_path, script_path, timeout, ...)\n"
    "  -h, --help          this text (COMMAND --help: that command's);  --version  the release\n"
    "\n"
    "Exit status: 0 done, 1 a step failed (verify: tampering found), 2 invalid workflow,\n"
    "input, store or run id (nothing ran), 3 the run waits for a person or a date,\n"
    "64 wrong usage, 70 a plugin called exit() in the middle of the run, 128+N a crash\n"
    "by signal N (after 70 or a crash, `regie resume RUN` continues the run).\n"
    "`regie help COMMAND` (or `regie COMMAND --help`) tells more about one command.\n");

typedef struct opts {
    const char *cmd;
    const char *workflow;
    const char *out;
    const char *config;
    int jobs;
    int quiet;
    rg_setting *sets;
    size_t nsets;
    rg_setting *engine;
    size_t nengine;
    const char *positional2;
    const char *pos[4]; /* positional arguments after the command */
    int npos;
    const char *db;
    int no_store;
    int allow_changed;
    int reject; /* approve --reject */
    int due;
    int waiting;
    const char *by, *note, *wf_filter, *status_filter;
    const char *anchor;
    const char *roles[32]; /* user add|roles: --role ROLE:WORKFLOW */
    int nroles;
    const char *listen, *tls_cert, *tls_key, *upload_max, *outbox; /* serve */
    const char *email; /* user add */
} opts;

/* fmt and arg are English; both are translated. */
static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "regie: ");
    fprintf(stderr, _(fmt), strcmp(fmt, "%s") == 0 ? _(arg) : arg);
    fprintf(stderr, "\n%s\n", _("Try 'regie --help'."));
    return RG_EXIT_USAGE;
}

static int add_pair(rg_setting **v, size_t *n, const char *arg, const char *opt)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        fprintf(stderr, _("regie: %s expects NAME=VALUE, found \"%s\"\n"), opt, arg);
        return -1;
    }
    *v = rg_xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[*n].name = rg_xstrndup(arg, (size_t)(eq - arg));
    (*v)[*n].value = rg_xstrdup(eq + 1);
    (*n)++;
    return 0;
}

static void free_pairs(rg_setting *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].value);
    }
    free(v);
}

/* ---- progress display ---- */
typedef struct display {
    int tty;
    double t0;
} display;

static void obs_started(void *ud, const rg_run *run, size_t s)
{
    display *d = ud;
    if (d->tty) {
        fprintf(stderr, "\r\033[K  ... %s", run->wf->steps[s].name);
        fflush(stderr);
    }
}

static void obs_progress(void *ud, const rg_run *run, size_t s, double f)
{
    display *d = ud;
    if (d->tty) {
        fprintf(stderr, "\r\033[K  ... %s %3.0f%%", run->wf->steps[s].name, f * 100);
        fflush(stderr);
    }
}

static void obs_finished(void *ud, const rg_run *run, size_t s)
{
    display *d = ud;
    const rg_step_state *state = &run->state[s];
    double ms = state->ended > 0 ? (state->ended - state->started) * 1000 : 0;
    if (d->tty) {
        fprintf(stderr, "\r\033[K");
    }
    if (run->wf->nsteps <= 200 || state->status == RG_ST_FAILED) {
        fprintf(stderr, "  %-8s %-28s %8.1f ms%s%s\n", rg_status_name(state->status),
                run->wf->steps[s].name, ms, state->error ? "  " : "",
                state->error ? state->error : "");
    }
}

static void obs_log(void *ud, const rg_run *run, size_t s, int level, const char *msg)
{
    display *d = ud;
    static const char *lv[] = { "error", "warning", "info", "debug" };
    if (level > REGIE_LOG_INFO && !getenv("REGIE_DEBUG")) {
        return;
    }
    if (d->tty) {
        fprintf(stderr, "\r\033[K");
    }
    fprintf(stderr, "  %s: %s: %s\n", run->wf->steps[s].name,
            lv[level < 0 ? 0 : level > 3 ? 3 : level], msg);
}

/* ---- setup shared by commands ---- */
typedef struct session {
    rg_config cfg;
    rg_plugins plugins;
    rg_lua *lua;
    rg_workflow wf;
    int have_wf;
    char *wfpath;
    size_t warned; /* refused plugin files already reported */
    char *bare_store; /* the store a command without --db or --engine finds */
} session;

/* A plugin file on the path that could not be used is said on every
 * command that scans the path, not only by `regie plugins`. */
static void warn_refused(session *sess)
{
    for (; sess->warned < sess->plugins.refused.n; sess->warned++) {
        fprintf(stderr, "regie: warning: %s (not loaded)\n",
                sess->plugins.refused.msg[sess->warned]);
    }
}

static const char *nz_str(const char *s)
{
    return s ? s : "";
}

/* Engine keys that say where the store is and how it syncs. */
static int is_store_key(const char *key)
{
    return strcmp(key, "store") == 0 || strcmp(key, "path") == 0 || strcmp(key, "sync") == 0 ||
           strcmp(key, "signing_key") == 0;
}

static int session_open(session *sess, const opts *o, int need_workflow, rg_errors *errs)
{
    memset(sess, 0, sizeof *sess);
    if (rg_config_load(&sess->cfg, o->config, errs) != 0) {
        return RG_EXIT_INVALID;
    }
    sess->bare_store = rg_xstrdup(nz_str(sess->cfg.store_path));
    for (size_t i = 0; i < o->nengine; i++) {
        if (rg_config_set(&sess->cfg, o->engine[i].name, o->engine[i].value, "--engine", 0, errs) !=
            0) {
            return RG_EXIT_INVALID;
        }
    }
    rg_errors refused = { 0 };
    rg_plugins_scan(&sess->plugins, sess->cfg.plugin_path, &refused);
    rg_err_free(&refused);
    warn_refused(sess);
    if (!need_workflow) {
        return 0;
    }
    sess->wfpath = rg_workflow_find(&sess->cfg, o->workflow);
    if (!sess->wfpath) {
        rg_err_add(errs, o->workflow, 0,
                   "no such workflow (give a path to an INI file, or a name found on the "
                   "workflow path %s)",
                   sess->cfg.workflow_path);
        return RG_EXIT_INVALID;
    }
    sess->lua = rg_lua_new(sess->cfg.script_path);
    sess->have_wf = 1;
    int rc = rg_workflow_load(&sess->wf, sess->wfpath, &sess->cfg, o->sets, o->nsets, errs);
    if (rg_workflow_bind(&sess->wf, &sess->plugins, &rg_host, sess->lua, errs) != 0) {
        rc = -1;
    }
    warn_refused(sess);
    /* the store: --engine on the command line over the workflow's [engine]
     * (which is over etc/regie.ini); --db over both (open_store) */
    for (size_t i = 0; rc == 0 && i < o->nengine; i++) {
        /* (and the CSV dialect: --csv over the workflow's [engine] csv) */
        if (is_store_key(o->engine[i].name) || strcmp(o->engine[i].name, "csv") == 0) {
            rg_config_set(&sess->wf.cfg, o->engine[i].name, o->engine[i].value, "--engine", 0,
                          errs);
        }
    }
    return rc != 0 ? RG_EXIT_INVALID : 0;
}

static void session_close(session *sess)
{
    if (sess->have_wf) {
        rg_workflow_free(&sess->wf);
    }
    if (sess->lua) {
        rg_lua_free(sess->lua);
    }
    rg_plugins_free(&sess->plugins);
    rg_config_free(&sess->cfg);
    free(sess->wfpath);
    free(sess->bare_store);
}

static void print_errors(const rg_errors *errs)
{
    for (size_t i = 0; i < errs->n; i++) {
        fprintf(stderr, "%s\n", errs->msg[i]);
    }
}

static void write_summary(const rg_run *run, rg_store *store, int status, double secs)
{
    rg_buf b = { 0 };
    static const char *words[] = { "done", "failed", "invalid input", "waiting" };
    rg_buf_printf(&b, "workflow: %s\nstatus: %s\nseconds: %.3f\nsteps:\n", run->wf->name,
                  status >= 0 && status <= 3 ? words[status] : "?", secs);
    for (size_t s = 0; s < run->wf->nsteps; s++) {
        const rg_step_state *state = &run->state[s];
        rg_buf_printf(&b, "  %s: %s%s%s\n", run->wf->steps[s].name, rg_status_name(state->status),
                      state->error ? " - " : "", state->error ? state->error : "");
    }
    const rg_csv_dialect *csv = run->wf->cfg.csv;
    if (csv && csv != &rg_csv_standard) {
        rg_buf_printf(&b, "csv: %s ('%c' separated, decimal '%c'%s, CRLF)\n", csv->name, csv->delim,
                      csv->decimal, csv->bom ? ", UTF-8 BOM" : "");
    }
    /* with a signing key: what ties these outputs to the signed audit trail */
    char *pk = rg_store_public_key(store);
    if (pk && run->run_id) {
        rg_buf_printf(&b, "run: %s\naudit trail signed with Ed25519 public key: %s\n", run->run_id,
                      pk);
    }
    free(pk);
    char *path = rg_xasprintf("%s/run-summary.txt", run->outdir);
    if (rg_write_file_atomic(path, b.data, b.len) != 0) {
        fprintf(stderr, "regie: cannot write %s: %s\n", path, strerror(errno));
    }
    free(path);
    rg_buf_free(&b);
}

/* The store: --db, else cfg's (the workflow's [engine] or --engine store,
 * else etc/regie.ini's [store] path, else the default).  bare: the store a
 * command without --db or --engine finds.  read: the command only reads
 * (a read-only copy or mount can be read). */
static int open_store(const opts *o, const rg_config *cfg, const char *bare, int read,
                      rg_store **store, rg_errors *errs)
{
    *store = NULL;
    const char *path = o->db ? o->db : cfg->store_path;
    if (o->no_store || !path || !*path || strcmp(path, "off") == 0) {
        return 0;
    }
    *store = read ? rg_store_open_read(path, errs) : rg_store_open(path, errs);
    /* hints printed for this run name the store unless a bare command finds it */
    rg_durable_set_hint_db(strcmp(path, nz_str(bare)) != 0 ? path : NULL);
    if (*store && o->by) {
        rg_store_set_actor(*store, o->by);
    }
    if (*store && cfg->sync_full && !read) {
        rg_sync_writes = 1;
        rg_store_set_sync(*store, 1, errs);
    }
    if (*store && cfg->signing_key &&
        rg_store_set_signing_key(*store, cfg->signing_key, errs) != 0) {
        rg_store_close(*store);
        *store = NULL;
    }
    return *store ? 0 : -1;
}

static int execute_and_report(const opts *o, session *sess, rg_run *run, rg_store *store,
                              rg_errors *errs);

/* Does the run take an input from an earlier run (from_previous_run, not
 * given with --set)?  Then the store is opened before the inputs are read. */
static int wants_previous(const rg_workflow *wf, const opts *o)
{
    for (size_t i = 0; i < wf->ninputs; i++) {
        const rg_input *in = &wf->inputs[i];
        if (in->from_previous && !rg_setting_find(o->sets, o->nsets, in->name)) {
            return 1;
        }
    }
    return 0;
}

static int cmd_run(const opts *o, int check_only)
{
    rg_errors errs = { 0 };
    rg_store *store = NULL;
    int store_opened = 0;
    session sess;
    int rc = session_open(&sess, o, 1, &errs);
    rg_run run;
    memset(&run, 0, sizeof run);
    char *outdir = NULL;
    /* the --set values, then the inputs taken from an earlier run */
    size_t nsets = o->nsets;
    rg_setting *sets = rg_xcalloc(nsets + 1, sizeof *sets);
    for (size_t i = 0; i < nsets; i++) {
        sets[i] = (rg_setting){ rg_xstrdup(o->sets[i].name), rg_xstrdup(o->sets[i].value) };
    }
    if (rc == 0 && !check_only && wants_previous(&sess.wf, o)) {
        if (open_store(o, &sess.wf.cfg, sess.bare_store, 0, &store, &errs) != 0) {
            print_errors(&errs);
            rc = RG_EXIT_INVALID;
            goto done;
        }
        store_opened = 1;
        rg_setting *prev = NULL;
        size_t nprev = 0;
        rg_buf notes = { 0 };
        if (store &&
            rg_durable_previous(store, &sess.wf, sets, nsets, &prev, &nprev, &notes, &errs) != 0) {
            print_errors(&errs);
            rc = RG_EXIT_INVALID;
            rg_buf_free(&notes);
            goto done;
        }
        if (notes.len) {
            fputs(notes.data, stderr);
        }
        rg_buf_free(&notes);
        sets = rg_xrealloc(sets, (nsets + nprev + 1) * sizeof *sets);
        for (size_t i = 0; i < nprev; i++) {
            sets[nsets++] = prev[i];
        }
        free(prev);
    }
    if (rc == 0) {
        outdir = o->out ? rg_xstrdup(o->out) : rg_xasprintf("out/%s", sess.wf.name);
        int jobs = o->jobs ? o->jobs : sess.wf.cfg.jobs;
        int irc = rg_run_init(&run, &sess.wf, sets, nsets, outdir, jobs, &errs);
        /* The pre-flight steps check what could be read (check: always), so
         * that the errors of every input come out together. */
        if ((irc != 0 || check_only) && rg_run_preflight(&run, &errs) > 0) {
            irc = -1;
        }
        if (irc != 0) {
            rc = RG_EXIT_INVALID;
            rg_err_sort(&errs);
        }
    }
    if (rc != 0) {
        print_errors(&errs);
        fprintf(stderr, "regie: %s: %zu error%s; nothing was run\n", o->workflow, errs.n,
                errs.n == 1 ? "" : "s");
        goto done;
    }
    if (check_only) {
        size_t npre = 0;
        for (size_t s = 0; s < sess.wf.nsteps; s++) {
            npre += sess.wf.steps[s].preflight;
        }
        printf("%s: ok (%zu inputs, %zu steps, %zu of them run as pre-flight)\n", sess.wfpath,
               sess.wf.ninputs, sess.wf.nsteps, npre);
        goto done;
    }
    if (!store_opened && open_store(o, &sess.wf.cfg, sess.bare_store, 0, &store, &errs) != 0) {
        print_errors(&errs);
        rc = RG_EXIT_INVALID;
        goto done;
    }
    if (store) {
        rg_definition def;
        rg_definition_compute(&sess.wf, sess.lua, &def);
        int brc = rg_durable_begin(&run, store, &def, sets, nsets, &errs);
        rg_definition_free(&def);
        if (brc != 0) {
            print_errors(&errs);
            fprintf(stderr, "regie: the run could not be recorded; nothing was run\n");
            rc = RG_EXIT_INVALID;
            goto done;
        }
    } else {
        rg_durable_local(&run);
    }
    rc = execute_and_report(o, &sess, &run, store, &errs);
    goto done;
done:
    rg_run_free(&run);
    free(outdir);
    free_pairs(sets, nsets);
    session_close(&sess);
    rg_err_free(&errs);
    if (store) {
        rg_store_close(store);
    }
    return rc;
}

static int execute_and_report(const opts *o, session *sess, rg_run *run, rg_store *store,
                              rg_errors *errs)
{
    int rc;
    const char *outdir = run->outdir;
    display disp = { isatty(2), rg_now() };
    rg_observer obs = { &disp, obs_started, obs_finished, obs_progress, obs_log };
    if (!o->quiet) {
        fprintf(stderr, _("regie: running %s (%zu steps, %d jobs)%s%s\n"), sess->wf.name,
                sess->wf.nsteps, run->jobs, run->run_id ? _(", run ") : "",
                run->run_id ? run->run_id : "");
    }
    double t0 = rg_now();
    /* a step that crashes or calls exit() is named, with the run to resume */
    rg_crash_install();
    rg_crash_set_run(run->run_id);
    rc = rg_run_execute(run, o->quiet ? NULL : &obs);
    rg_crash_set_run(NULL);
    double secs = rg_now() - t0;
    if (store && rg_durable_finish(run, rc, errs) != 0) {
        print_errors(errs);
        fprintf(stderr,
                "regie: run %s: its end could not be recorded in %s; it is listed as interrupted, "
                "and `regie resume %s%s` continues it once the store can be written\n",
                run->run_id, rg_store_path(store), run->run_id, rg_durable_hint_db());
        if (rc == RG_EXIT_OK || rc == RG_EXIT_WAITING) {
            rc = RG_EXIT_FAILED;
        }
    }
    if (rc == RG_EXIT_INVALID) {
        print_errors(&run->input_errors);
        fprintf(stderr, "regie: %s: %zu input error%s; no results were written\n", sess->wf.name,
                run->input_errors.n, run->input_errors.n == 1 ? "" : "s");
        return rc;
    }
    write_summary(run, store, rc, secs);
    size_t counts[7] = { 0 };
    for (size_t s = 0; s < sess->wf.nsteps; s++) {
        counts[run->state[s].status]++;
    }
    const char *fmt =
        rc == 0 ? N_("regie: %s finished in %.3f s: %zu done, %zu failed, %zu skipped, %zu not "
                     "run; outputs in %s/\n")
        : rc == RG_EXIT_WAITING
            ? N_("regie: %s waits in %.3f s: %zu done, %zu failed, %zu skipped, %zu not run; "
                 "outputs in %s/\n")
            : N_("regie: %s failed in %.3f s: %zu done, %zu failed, %zu skipped, %zu not run; "
                 "outputs in %s/\n");
    fprintf(stderr, _(fmt), sess->wf.name, secs, counts[RG_ST_DONE], counts[RG_ST_FAILED],
            counts[RG_ST_SKIPPED], counts[RG_ST_NOT_RUN], outdir);
    if (rc == RG_EXIT_WAITING) {
        fprintf(stderr, _("regie: run %s waits:\n"),
                run->run_id ? run->run_id : _("(not recorded)"));
        for (size_t s = 0; s < sess->wf.nsteps; s++) {
            /* what the run waits for, not the steps queued behind it */
            if (run->state[s].status == RG_ST_WAITING && run->state[s].error &&
                strncmp(run->state[s].error, "waits for step ", 15) != 0) {
                fprintf(stderr, "  %s %s\n", sess->wf.steps[s].name, run->state[s].error);
            }
        }
        if (!run->run_id) {
            fprintf(stderr, "%s", _("regie: without the run store (--no-store) it cannot be "
                                    "resumed; run it again with the missing input\n"));
        }
    }
    if (run->run_id) {
        fprintf(stderr, _("regie: run %s recorded in %s\n"), run->run_id, rg_store_path(store));
    }
    return rc;
}

static int cmd_graph(const opts *o)
{
    rg_errors errs = { 0 };
    session sess;
    int rc = session_open(&sess, o, 1, &errs);
    if (rc == 0) {
        rg_workflow_dot(&sess.wf, stdout);
    } else {
        print_errors(&errs);
    }
    session_close(&sess);
    rg_err_free(&errs);
    return rc;
}

static const char *input_type_name(rg_input_type t)
{
    static const char *n[] = { "file", "csv", "ini", "text", "number", "integer", "date", "boolean" };
    return n[t];
}

static int cmd_inputs(const opts *o)
{
    rg_errors errs = { 0 };
    session sess;
    int rc = session_open(&sess, o, 1, &errs);
    if (rc == 0) {
        printf("%s - %s\n\ninputs (--set NAME=VALUE):\n", sess.wf.name, sess.wf.description);
        for (size_t i = 0; i < sess.wf.ninputs; i++) {
            const rg_input *in = &sess.wf.inputs[i];
            printf("  %-16s %-8s %s%s%s\n      %s\n", in->name, input_type_name(in->type),
                   in->required ? "required" : "optional", in->def ? ", default " : "",
                   in->def ? in->def : "", in->description ? in->description : "");
            if (in->from_previous) {
                printf("      not given: %s of the latest earlier run of %s that finished done or waits "
                       "(from_previous_run; the run store)\n",
                       in->from_previous, sess.wf.name);
            }
        }
    } else {
        print_errors(&errs);
    }
    session_close(&sess);
    rg_err_free(&errs);
    return rc;
}

static int cmd_plugins(const opts *o)
{
    rg_errors errs = { 0 };
    session sess;
    session_open(&sess, o, 0, &errs);
    print_errors(&errs);
    int rc = 0;
    if (o->positional2) {
        /* a plugin, or one of its step types */
        rg_plugin *p = rg_plugin_find(&sess.plugins, o->positional2);
        if (!p) {
            rg_plugin_find_type(&sess.plugins, o->positional2, &p);
        }
        if (!p) {
            fprintf(stderr, "regie: no plugin or step type named \"%s\" on %s\n", o->positional2,
                    sess.cfg.plugin_path);
            rc = RG_EXIT_INVALID;
        } else {
            rg_plugin_print_doc(p, stdout);
        }
    } else {
        for (size_t i = 0; i < sess.plugins.n; i++) {
            const rg_plugin *p = &sess.plugins.v[i];
            const regie_plugin *d = p->desc;
            printf("%-16s %-8s %s\n", d->name, d->version ? d->version : "",
                   d->summary ? d->summary : "");
            /* what it offers, beyond the plain form's one type named as the plugin */
            if (p->ntypes && !(p->ntypes == 1 && p->types[0].plain)) {
                printf("  step types:");
                for (size_t k = 0; k < p->ntypes; k++) {
                    printf("%s %s", k ? "," : "", p->types[k].name);
                }
                printf("\n");
            }
            if (p->nreaders) {
                printf("  readers:");
                for (size_t k = 0; k < p->nreaders; k++) {
                    printf("%s %s", k ? "," : "", p->readers[k].format);
                }
                printf("\n");
            }
            if (p->nlua) {
                printf("  Lua functions:");
                for (size_t k = 0; k < p->nlua; k++) {
                    printf("%s %s", k ? "," : "", p->lua[k].name);
                }
                printf("\n");
            }
        }
    }
    session_close(&sess);
    rg_err_free(&errs);
    return rc;
}

static int cmd_workflows(const opts *o)
{
    rg_errors errs = { 0 };
    session sess;
    session_open(&sess, o, 0, &errs);
    char **v;
    size_t n = rg_split(sess.cfg.workflow_path, ':', &v);
    for (size_t i = 0; i < n; i++) {
        DIR *d = opendir(v[i]);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            size_t len = strlen(e->d_name);
            if (len > 4 && strcmp(e->d_name + len - 4, ".ini") == 0) {
                printf("%.*s\t%s/%s\n", (int)(len - 4), e->d_name, v[i], e->d_name);
            }
        }
        if (d) {
            closedir(d);
        }
    }
    rg_strv_free(v, n);
    session_close(&sess);
    rg_err_free(&errs);
    return 0;
}

/* ---- the run store ---- */
/* The commands that find a run by its id read no workflow: the store is
 * --db, --engine store=FILE, or the one of etc/regie.ini or the default.
 * read: 1 the command only reads, 0 it writes, READ_UNLESS_SIGNING it
 * writes only when a signing key is set (anchor signs the head then). */
#define READ_UNLESS_SIGNING (-1)
static int need_store(const opts *o, rg_config *cfg, int read, rg_store **store,
                      rg_errors *errs)
{
    if (rg_config_load(cfg, o->config, errs) != 0) {
        return -1;
    }
    char *bare = rg_xstrdup(nz_str(cfg->store_path));
    int rc = 0;
    for (size_t i = 0; i < o->nengine && rc == 0; i++) {
        if (is_store_key(o->engine[i].name)) {
            rc = rg_config_set(cfg, o->engine[i].name, o->engine[i].value, "--engine", 0, errs);
        }
    }
    if (read == READ_UNLESS_SIGNING) {
        read = cfg->signing_key == NULL;
    }
    if (rc == 0) {
        rc = open_store(o, cfg, bare, read, store, errs);
    }
    free(bare);
    if (rc != 0) {
        return -1;
    }
    if (!*store) {
        rg_err_add(errs, NULL, 0, "regie: %s needs the run store, which is off", o->cmd);
        return -1;
    }
    return 0;
}

/* Settings recorded with the run ("name=value" lines), then --set on top. */
static size_t merge_sets(const char *recorded, const opts *o, rg_setting **out)
{
    rg_setting *v = NULL;
    size_t n = 0;
    char **lines;
    size_t nl = rg_split(recorded ? recorded : "", '\n', &lines);
    for (size_t i = 0; i < nl; i++) {
        add_pair(&v, &n, lines[i], "recorded");
    }
    rg_strv_free(lines, nl);
    for (size_t i = 0; i < o->nsets; i++) {
        v = rg_xrealloc(v, (n + 1) * sizeof *v);
        v[n].name = rg_xstrdup(o->sets[i].name);
        v[n].value = rg_xstrdup(o->sets[i].value);
        n++;
    }
    *out = v;
    return n;
}

static int cmd_resume(const opts *o, const char *id)
{
    rg_errors errs = { 0 }, input_errs = { 0 };
    rg_config cfg;
    rg_store *store = NULL;
    rg_store_run rec;
    memset(&rec, 0, sizeof rec);
    session sess;
    memset(&sess, 0, sizeof sess);
    rg_run run;
    memset(&run, 0, sizeof run);
    rg_setting *sets = NULL, *engine2 = NULL;
    size_t nsets = 0, nall = 0;
    rg_buf changes = { 0 };
    int rc = RG_EXIT_INVALID;
    if (need_store(o, &cfg, 0, &store, &errs) != 0) {
        print_errors(&errs);
        goto out;
    }
    int locked = rg_durable_resume_lock(store, id, &rec, &errs);
    if (locked < 0) {
        print_errors(&errs);
        goto out;
    }
    if (locked == 1) {
        printf("run %s is done; nothing to resume\n", id);
        rc = RG_EXIT_OK;
        goto out;
    }
    nsets = merge_sets(rec.params, o, &sets);
    opts o2 = *o;
    o2.workflow = rec.workflow_path;
    /* the CSV dialect the run was started with (engine.csv=..., recorded
     * with its settings) is an engine setting again, unless --engine or
     * --csv says otherwise; those lines go to the end of sets, not counted */
    engine2 = rg_xcalloc(o->nengine + 1, sizeof *engine2);
    size_t nengine2 = 0, keep = 0;
    int csv_given = 0;
    for (size_t i = 0; i < o->nengine; i++) {
        engine2[nengine2++] = o->engine[i];
        csv_given |= strcmp(o->engine[i].name, "csv") == 0;
    }
    nall = nsets;
    for (size_t i = 0; i < nsets; i++) {
        if (strcmp(sets[i].name, "engine.csv") != 0) {
            rg_setting t = sets[keep];
            sets[keep++] = sets[i];
            sets[i] = t;
        }
    }
    for (size_t i = keep; i < nsets && !csv_given; i++) {
        engine2[o->nengine] = (rg_setting){ (char *)"csv", sets[i].value }; /* the last one */
        nengine2 = o->nengine + 1;
    }
    nsets = keep;
    o2.engine = engine2;
    o2.nengine = nengine2;
    o2.sets = sets;
    o2.nsets = nsets;
    if (session_open(&sess, &o2, 1, &errs) != 0) {
        print_errors(&errs);
        fprintf(stderr, "regie: run %s: its workflow %s no longer loads\n", id, rec.workflow_path);
        goto unlock;
    }
    rg_resume_how how = { sets, nsets, o->nsets, o->jobs, o->allow_changed, o->by };
    switch (rg_durable_resume_run(&run, store, &rec, &sess.wf, sess.lua, &how, &input_errs,
                                  &changes, &errs)) {
    case RG_RESUME_READY:
        rc = execute_and_report(o, &sess, &run, store, &errs);
        goto out;
    case RG_RESUME_BAD_INPUTS:
        print_errors(&input_errs);
        fprintf(stderr,
                "regie: run %s: %zu error%s in the inputs; nothing was recorded and the run is "
                "as it was\n",
                id, input_errs.n, input_errs.n == 1 ? "" : "s");
        break;
    case RG_RESUME_CHANGED:
        fprintf(stderr,
                "regie: run %s: the workflow's files changed since the run started; resume "
                "refused (use --allow-changed to resume with the new definition):\n%s",
                id, changes.data);
        break;
    default:
        print_errors(&errs);
    }
unlock:
    rg_store_unlock_run(store, id, &errs);
out:
    rg_buf_free(&changes);
    rg_run_free(&run);
    if (sess.wfpath || sess.have_wf || sess.plugins.n) {
        session_close(&sess);
    }
    free_pairs(sets, nall > nsets ? nall : nsets);
    free(engine2);
    rg_store_run_clear(&rec);
    if (store) {
        rg_store_close(store);
    }
    rg_config_free(&cfg);
    rg_err_free(&input_errs);
    rg_err_free(&errs);
    return rc;
}

static int cmd_resume_due(const opts *o)
{
    rg_errors errs = { 0 };
    rg_config cfg;
    rg_store *store = NULL;
    char **due = NULL;
    size_t ndue = 0;
    int rc = RG_EXIT_OK;
    char *today = rg_durable_today();
    if (need_store(o, &cfg, 0, &store, &errs) != 0 ||
        rg_durable_runs_due(store, today, &due, &ndue, &errs) != 0) {
        print_errors(&errs);
        rc = RG_EXIT_INVALID;
    }
    if (store) {
        rg_store_close(store);
    }
    rg_config_free(&cfg);
    rg_err_free(&errs);
    if (rc == RG_EXIT_OK && ndue == 0) {
        printf("no run waits for a date on or before %s\n", today);
    }
    for (size_t i = 0; i < ndue; i++) {
        int r = cmd_resume(o, due[i]);
        if (r == RG_EXIT_FAILED || (r == RG_EXIT_INVALID && rc != RG_EXIT_FAILED)) {
            rc = r;
        }
    }
    rg_strv_free(due, ndue);
    free(today);
    return rc;
}

static int cmd_approve(const opts *o)
{
    rg_errors errs = { 0 };
    rg_config cfg;
    rg_store *store = NULL;
    int rc = RG_EXIT_INVALID;
    if (need_store(o, &cfg, 0, &store, &errs) != 0) {
        print_errors(&errs);
    } else if (o->reject) {
        if (rg_store_wait_reject(store, o->pos[0], o->pos[1], o->by, o->note, &errs) == 0) {
            printf("rejected %s of run %s by %s; the run cannot go past it: regie resume %s%s "
                   "ends it as failed\n",
                   o->pos[1], o->pos[0], o->by, o->pos[0], rg_durable_hint_db());
            rc = RG_EXIT_OK;
        } else {
            print_errors(&errs);
        }
    } else if (rg_store_wait_resolve(store, o->pos[0], o->pos[1], o->by, o->note, &errs) == 0) {
        printf("approved %s of run %s by %s; continue with: regie resume %s%s\n", o->pos[1],
               o->pos[0], o->by, o->pos[0], rg_durable_hint_db());
        rc = RG_EXIT_OK;
    } else {
        print_errors(&errs);
    }
    if (store) {
        rg_store_close(store);
    }
    rg_config_free(&cfg);
    rg_err_free(&errs);
    return rc;
}

/* regie key new FILE */
static int cmd_key(const opts *o)
{
    if (o->npos != 2 || strcmp(o->pos[0], "new") != 0) {
        return usage_error("%s", N_("usage: regie key new FILE"));
    }
    rg_errors errs = { 0 };
    char *pub = NULL;
    int rc = RG_EXIT_OK;
    if (rg_key_new(o->pos[1], &pub, &errs) == 0) {
        printf("secret key written to %s (mode 600: keep it off the store's machine or readable "
               "only by regie), public key %s to %s.pub\n"
               "sign with it: [store] signing_key = %s (or --engine signing_key=%s)\n",
               o->pos[1], pub, o->pos[1], o->pos[1], o->pos[1]);
    } else {
        print_errors(&errs);
        rc = RG_EXIT_INVALID;
    }
    free(pub);
    rg_err_free(&errs);
    return rc;
}

/* A password from the terminal without echo (twice when confirm), or the
 * first line of standard input when it is not a terminal; never from the
 * command line, where other users could see it.  NULL: none read. */
static char *read_password(const char *prompt, int confirm)
{
    char buf[1100];
    int tty = isatty(0);
    struct termios old, quiet;
    char *first = NULL;
    for (int round = 0; round < (tty && confirm ? 2 : 1); round++) {
        if (tty) {
            fprintf(stderr, "%s", round ? _("Again: ") : prompt);
            fflush(stderr);
            if (tcgetattr(0, &old) != 0) {
                free(first);
                return NULL;
            }
            quiet = old;
            quiet.c_lflag &= ~(tcflag_t)ECHO;
            tcsetattr(0, TCSAFLUSH, &quiet);
        }
        char *got = fgets(buf, sizeof buf, stdin);
        if (tty) {
            tcsetattr(0, TCSAFLUSH, &old);
            fputc('\n', stderr);
        }
        if (!got) {
            free(first);
            return NULL;
        }
        buf[strcspn(buf, "\r\n")] = '\0';
        if (round == 0) {
            first = rg_xstrdup(buf);
        } else if (strcmp(first, buf) != 0) {
            fprintf(stderr, "%s", _("regie: the two passwords differ\n"));
            free(first);
            first = NULL;
        }
        memset(buf, 0, sizeof buf);
    }
    return first;
}

/* regie user add NAME [--role ROLE:WF]... | passwd NAME | roles NAME
 * [--role ...]... | del NAME | list */
static int cmd_user(const opts *o)
{
    const char *sub = o->npos >= 1 ? o->pos[0] : "";
    int want = strcmp(sub, "list") == 0                                ? 1
               : strcmp(sub, "notify") == 0 || strcmp(sub, "email") == 0 ? 3
                                                                         : 2;
    if (o->npos != want ||
        (strcmp(sub, "add") && strcmp(sub, "passwd") && strcmp(sub, "del") &&
         strcmp(sub, "list") && strcmp(sub, "roles") && strcmp(sub, "notify") &&
         strcmp(sub, "email")) ||
        (!strcmp(sub, "notify") && strcmp(o->pos[2], "on") && strcmp(o->pos[2], "off"))) {
        return usage_error("%s", N_("usage: regie user add|passwd|roles|del NAME, regie user "
                                    "notify NAME on|off, regie user email NAME ADDRESS, or regie "
                                    "user list"));
    }
    rg_errors errs = { 0 };
    rg_config cfg;
    memset(&cfg, 0, sizeof cfg);
    rg_store *store = NULL;
    int rc = RG_EXIT_INVALID;
    rg_buf roles = { 0 };
    for (int i = 0; i < o->nroles; i++) {
        rg_buf_printf(&roles, "%s%s", i ? " " : "", o->roles[i]);
    }
    char *password = NULL;
    if (!strcmp(sub, "add") || !strcmp(sub, "passwd")) {
        password = read_password(_("Password: "), 1);
        if (!password) {
            fprintf(stderr, "%s", _("regie: no password read (from the terminal, or the first "
                                    "line of standard input)\n"));
            rg_buf_free(&roles);
            return RG_EXIT_INVALID;
        }
    }
    if (need_store(o, &cfg, !strcmp(sub, "list"), &store, &errs) == 0) {
        const char *name = o->npos >= 2 ? o->pos[1] : NULL;
        int r;
        if (!strcmp(sub, "add")) {
            r = rg_store_user_add(store, name, password, roles.data ? roles.data : "", &errs);
            if (r == 0 && o->email && rg_store_user_set_email(store, name, o->email, &errs) != 0) {
                rg_errors ignored = { 0 };
                rg_store_user_del(store, name, &ignored); /* all or nothing */
                rg_err_free(&ignored);
                r = -1;
            }
        } else if (!strcmp(sub, "notify")) {
            r = rg_store_user_set_notify(store, name, !strcmp(o->pos[2], "on"), &errs);
        } else if (!strcmp(sub, "email")) {
            r = rg_store_user_set_email(store, name, o->pos[2], &errs);
        } else if (!strcmp(sub, "passwd")) {
            r = rg_store_user_passwd(store, name, password, &errs);
        } else if (!strcmp(sub, "roles")) {
            r = rg_store_user_set_roles(store, name, roles.data ? roles.data : "", &errs);
        } else if (!strcmp(sub, "del")) {
            r = rg_store_user_del(store, name, &errs);
        } else {
            r = rg_store_user_list(store, stdout, &errs) < 0 ? -1 : 0;
        }
        if (r == 0) {
            rc = RG_EXIT_OK;
            if (strcmp(sub, "list") != 0) {
                printf("user %s: %s\n", name,
                       !strcmp(sub, "add") ? "added" : !strcmp(sub, "del") ? "deleted" : "changed");
            }
        }
    }
    print_errors(&errs);
    if (password) {
        memset(password, 0, strlen(password));
        free(password);
    }
    rg_buf_free(&roles);
    if (store) {
        rg_store_close(store);
    }
    rg_config_free(&cfg);
    rg_err_free(&errs);
    return rc;
}

/* regie serve: the web console (core/web/, built unless --disable-console). */
static int cmd_serve(const opts *o)
{
#ifdef REGIE_CONSOLE
    rg_errors errs = { 0 };
    rg_config cfg;
    memset(&cfg, 0, sizeof cfg);
    rg_store *store = NULL;
    int rc = RG_EXIT_INVALID;
    if (need_store(o, &cfg, 0, &store, &errs) == 0) {
        rg_web_options w = { 0 };
        w.listen = o->listen ? o->listen : "127.0.0.1:8080";
        w.tls_cert = o->tls_cert;
        w.tls_key = o->tls_key;
        w.db = rg_store_path(store);
        w.config = o->config;
        w.cfg = &cfg;
        w.upload_max = 10 * 1024 * 1024;
        w.outbox = o->outbox;
        if (o->upload_max) {
            int64_t m;
            if (rg_parse_int(o->upload_max, &m) != 0 || m < 1024) {
                rg_store_close(store);
                rg_config_free(&cfg);
                return usage_error("--upload-max: found \"%s\", expected a number of bytes "
                                   ">= 1024",
                                   o->upload_max);
            }
            w.upload_max = m;
        }
        rc = rg_web_serve(store, &w, &errs) == 0 ? RG_EXIT_OK : RG_EXIT_INVALID;
    }
    print_errors(&errs);
    if (store) {
        rg_store_close(store);
    }
    rg_config_free(&cfg);
    rg_err_free(&errs);
    return rc;
#else
    (void)o;
    fprintf(stderr, "%s", _("regie: this regie was built without the web console "
                            "(configure --disable-console, or libmicrohttpd missing)\n"));
    return RG_EXIT_INVALID;
#endif
}

static int cmd_store(const opts *o)
{
    rg_errors errs = { 0 };
    rg_config cfg;
    memset(&cfg, 0, sizeof cfg);
    rg_store *store = NULL;
    int rc = RG_EXIT_OK;
    const char *c = o->cmd;
    int want = strcmp(c, "runs") == 0 ? 0 : strcmp(c, "export") == 0 ? 2 : 1;
    if (o->npos != want) {
        rg_config_free(&cfg);
        return usage_error("%s", strcmp(c, "export") == 0 ? N_("usage: regie export RUN DIR")
                                 : want ? N_("this command needs a RUN")
                                        : N_("usage: regie runs [--workflow W] [--status S] [--waiting]"));
    }
    struct stat sb;
    if (strcmp(c, "verify") == 0 && stat(o->pos[0], &sb) == 0 && S_ISDIR(sb.st_mode)) {
        /* an exported bundle, checked without any store */
        int v = rg_bundle_verify(o->pos[0], stdout, &errs);
        if (v != RG_VERIFY_ERROR && o->anchor) {
            int a = rg_bundle_verify_anchor(o->pos[0], o->anchor, stdout, &errs);
            v = a == RG_VERIFY_OK ? v : a;
        }
        print_errors(&errs);
        rg_err_free(&errs);
        return v == RG_VERIFY_OK ? RG_EXIT_OK : v == RG_VERIFY_BROKEN ? RG_EXIT_FAILED : RG_EXIT_INVALID;
    }
    int read = strcmp(c, "anchor") == 0 ? READ_UNLESS_SIGNING : 1;
    if (need_store(o, &cfg, read, &store, &errs) != 0) {
        print_errors(&errs);
        rg_config_free(&cfg);
        rg_err_free(&errs);
        return RG_EXIT_INVALID;
    }
    int r = 0;
    rg_store_for_people(store, 1);
    if (strcmp(c, "runs") == 0) {
        r = o->waiting ? rg_store_wait_list(store, stdout, &errs)
                       : rg_store_list_runs(store, o->wf_filter, o->status_filter, stdout, &errs);
    } else if (strcmp(c, "show") == 0) {
        r = rg_store_show_run(store, o->pos[0], stdout, &errs);
    } else if (strcmp(c, "log") == 0) {
        r = rg_store_print_log(store, o->pos[0], stdout, &errs);
    } else if (strcmp(c, "verify") == 0) {
        r = rg_store_verify(store, o->pos[0], stdout, &errs);
        if (r != RG_VERIFY_ERROR && o->anchor) {
            int a = rg_store_verify_anchor(store, o->pos[0], o->anchor, stdout, &errs);
            r = a == RG_VERIFY_OK ? r : a;
        }
        if (r == RG_VERIFY_BROKEN) {
            rc = RG_EXIT_FAILED;
        }
    } else if (strcmp(c, "anchor") == 0) {
        char *text = rg_store_anchor(store, o->pos[0], &errs);
        r = text ? 0 : RG_VERIFY_ERROR;
        if (text && o->out) {
            if (rg_write_file_atomic(o->out, text, strlen(text)) != 0) {
                rg_err_add(&errs, NULL, 0, "%s: cannot write it: %s", o->out, strerror(errno));
                r = RG_VERIFY_ERROR;
            } else {
                printf("anchor of run %s written to %s: keep it where the store's writers cannot "
                       "change it; check with: regie verify %s --anchor %s\n",
                       o->pos[0], o->out, o->pos[0], o->out);
            }
        } else if (text) {
            fputs(text, stdout);
        }
        free(text);
    } else {
        r = rg_store_export(store, o->pos[0], o->out, o->pos[1], &errs);
        if (r == 0) {
            printf("evidence bundle of run %s written to %s (check it with: regie verify %s)\n",
                   o->pos[0], o->pos[1], o->pos[1]);
        }
    }
    if (r == RG_VERIFY_ERROR) {
        print_errors(&errs);
        rc = RG_EXIT_INVALID;
    }
    rg_store_close(store);
    rg_config_free(&cfg);
    rg_err_free(&errs);
    return rc;
}

/* Each command's own help: what it does, its options, its exit status. */
static const struct {
    const char *cmd;
    const char *text;
} helps[] = {
    { "run",
      N_("usage: regie run WORKFLOW [--set NAME=VALUE]... [--out DIR] [--jobs N]\n"
         "                 [--csv standard|dutch] [--quiet]\n"
         "Runs WORKFLOW (a path to an INI file, or a name on the workflow path) and records\n"
         "the run in the store.\n"
         "  --set NAME=VALUE  give an input (see `regie inputs WORKFLOW`)\n"
         "  --out DIR         where outputs go (default out/WORKFLOW-NAME)\n"
         "  --jobs N          steps run in parallel (default: number of cores)\n"
         "  --csv DIALECT     how the run writes its CSV files: standard (',' separated,\n"
         "                    decimal point: for machines, the default) or dutch (';'\n"
         "                    separated, decimal comma, UTF-8 BOM: Dutch Excel opens it\n"
         "                    as is); the same as --engine csv=DIALECT, over [output] csv\n"
         "                    of etc/regie.ini and the workflow's [engine]; recorded with\n"
         "                    the run (run-summary.txt, `regie show`), kept on resume\n"
         "  --today DATE      the date `wait = until:` compares with (default: today,\n"
         "                    or REGIE_TODAY)\n"
         "  -q, --quiet       no progress lines\n"
         "  --db FILE         the run store;  --no-store  record nothing\n"
         "Exit status: 0 done, 1 a step failed, 2 invalid workflow or input (nothing ran),\n"
         "3 waiting for a person or a date, 64 wrong usage, 70 a plugin called exit().\n") },
    { "check",
      N_("usage: regie check WORKFLOW [--set NAME=VALUE]...\n"
         "Checks everything `run` would refuse, writing nothing: plugins load, parameters\n"
         "are valid, scripts compile, the DAG is sound, inputs are present and parse, and\n"
         "the workflow's pre-flight steps (preflight = yes) find no error in them. Every\n"
         "error is printed as FILE:LINE: message, sorted by file and line.\n"
         "  --set NAME=VALUE  give an input, as for run\n"
         "Exit status: 0 all is well, 2 errors found, 64 wrong usage.\n") },
    { "graph",
      N_("usage: regie graph WORKFLOW\n"
         "Prints the steps and data of WORKFLOW as Graphviz DOT (render with `dot -Tsvg`).\n"
         "Exit status: 0 printed, 2 the workflow does not load, 64 wrong usage.\n") },
    { "inputs",
      N_("usage: regie inputs WORKFLOW\n"
         "Lists the inputs of WORKFLOW with their types, defaults and descriptions: what\n"
         "run takes with --set NAME=VALUE.\n"
         "Exit status: 0 listed, 2 the workflow does not load, 64 wrong usage.\n") },
    { "plugins",
      N_("usage: regie plugins [NAME]\n"
         "Lists the plugins on the plugin path with their versions, step types, readers\n"
         "and Lua functions, or documents the plugin NAME (or the plugin of the step\n"
         "type NAME): each step type's parameters, its readers and Lua functions.\n"
         "Exit status: 0 listed, 2 no plugin or step type of that name.\n") },
    { "plugin",
      N_("usage: regie plugin new NAME [DIR]\n"
         "Writes the skeleton of a C plugin named NAME into DIR (default ./NAME, which must\n"
         "not exist): NAME.c, a step that adds up a column and keeps the rows at a minimum;\n"
         "NAME_test.c, its tests against the mock host; a Makefile (make, make check,\n"
         "make install: regie's files found with pkg-config) and a README.md.\n"
         "NAME: a lowercase letter, then lowercase letters, digits, '_' or '-'.\n"
         "Exit status: 0 written, 2 DIR exists or cannot be written, 64 wrong usage.\n") },
    { "workflows",
      N_("usage: regie workflows\n"
         "Lists the workflows on the workflow path: each name and its file.\n"
         "Exit status: 0.\n") },
    { "resume",
      N_("usage: regie resume RUN [--set NAME=VALUE]... [--allow-changed] [--jobs N]\n"
         "       regie resume --due [--today YYYY-MM-DD]\n"
         "Finishes a run that stopped, crashed or waits. Completed steps are not run again;\n"
         "inputs given with --set make the steps that read them run again. If the\n"
         "workflow's files changed since the run started, resume names them and refuses\n"
         "unless --allow-changed. --due resumes every run whose date wait has passed.\n"
         "  --jobs N          steps run in parallel (default: as the run was started)\n"
         "  --today DATE      the date timer waits compare with (default: today, or\n"
         "                    REGIE_TODAY)\n"
         "  --db FILE         the run store\n"
         "Exit status as for run; 2 when the run is unknown or held by another process.\n") },
    { "approve",
      N_("usage: regie approve RUN STEP --by NAME [--note TEXT] [--reject]\n"
         "Approves a step the run waits on (recorded in the audit trail with NAME, TEXT and\n"
         "the operating-system user); refused when NAME is the person the step's four_eyes\n"
         "names (compared by letters and digits only, without case: `alice.` is alice).\n"
         "Then: regie resume RUN.\n"
         "  --by NAME         who approves (required)\n"
         "  --note TEXT       why, kept in the audit trail\n"
         "  --reject          reject instead: the step fails when the run is resumed, and\n"
         "                    the run cannot go past it (anyone may reject)\n"
         "  --db FILE         the run store\n"
         "Exit status: 0 approved, 2 no such run or wait, or refused, 64 wrong usage.\n") },
    { "runs",
      N_("usage: regie runs [--workflow W] [--status S] [--waiting] [--db FILE]\n"
         "Lists the runs in the store: id, case (the workflow's `case =`: a tender\n"
         "reference, an event title), workflow, status, start and end in local time\n"
         "(TZ, default Europe/Amsterdam) and user.\n"
         "  --workflow W      only the runs of workflow W\n"
         "  --status S        only runs with status S (done, failed, waiting, running,\n"
         "                    interrupted)\n"
         "  --waiting         the open tasks instead: what each waiting run waits for\n"
         "Exit status: 0 listed, 2 the store cannot be read, 64 wrong usage.\n") },
    { "show",
      N_("usage: regie show RUN [--db FILE]\n"
         "Prints a run: its case, definition, inputs, steps and outputs with their SHA-256,\n"
         "and its waits; times in local time (TZ, default Europe/Amsterdam).\n"
         "Exit status: 0 shown, 2 no such run or the store cannot be read, 64 wrong usage.\n") },
    { "log",
      N_("usage: regie log RUN [--db FILE]\n"
         "Prints the audit trail of a run: every entry with its time (local), who, what,\n"
         "hash and detail, and the files hashed under it.\n"
         "Exit status: 0 printed, 2 no such run or the store cannot be read, 64 wrong usage.\n") },
    { "verify",
      N_("usage: regie verify RUN [--anchor FILE] [--db FILE]\n"
         "       regie verify DIR [--anchor FILE]\n"
         "Checks the hash chain of a run's audit trail and every table of the store against\n"
         "it, and the run's outputs against their recorded hashes; or an exported bundle DIR,\n"
         "without any store. Says what was changed, and where.\n"
         "  --anchor FILE     also check against an anchor written by `regie anchor`\n"
         "Exit status: 0 intact, 1 tampering found, 2 no such run or bundle, 64 wrong usage.\n") },
    { "export",
      N_("usage: regie export RUN DIR [--out OUTDIR] [--db FILE]\n"
         "Writes a self-contained evidence bundle of the run to DIR: its audit trail, the\n"
         "definition, inputs and outputs as recorded, checked later with `regie verify DIR`.\n"
         "  --out OUTDIR      where the run's outputs are now (default: where it wrote them)\n"
         "Exit status: 0 written, 2 no such run, a file differs from its record, or DIR\n"
         "cannot be written, 64 wrong usage.\n") },
    { "anchor",
      N_("usage: regie anchor RUN [--out FILE] [--db FILE]\n"
         "Prints the signed head of the run's audit trail (with [store] signing_key = FILE),\n"
         "to keep where the store's writers cannot change it; `regie verify RUN --anchor\n"
         "FILE` checks the trail against it later.\n"
         "  --out FILE        write it to FILE instead of printing it\n"
         "Exit status: 0 printed or written, 2 no such run or no signing key, 64 wrong usage.\n") },
    { "key",
      N_("usage: regie key new FILE\n"
         "Makes an Ed25519 key pair: the secret key in FILE (mode 600), the public key in\n"
         "FILE.pub. Sign with it: [store] signing_key = FILE (or --engine signing_key=FILE);\n"
         "the head of every audit trail is then signed at every wait, approval and run end.\n"
         "Exit status: 0 made, 2 FILE cannot be written, 64 wrong usage.\n") },
    { "user",
      N_("usage: regie user add NAME [--role ROLE:WORKFLOW]... [--email ADDRESS] [--db FILE]\n"
         "       regie user passwd NAME | roles NAME [--role ...]... | del NAME | list\n"
         "       regie user notify NAME on|off | email NAME ADDRESS\n"
         "The people who sign in to the web console (regie serve). ROLE is viewer (sees\n"
         "the runs), operator (starts runs, gives inputs) or approver (approves or\n"
         "rejects); WORKFLOW a workflow's name or * for every one. The password (8 to 1024\n"
         "characters) is read from the terminal without echo, or from the first line of\n"
         "standard input when it is not a terminal, and kept only as an Argon2id hash.\n"
         "notify: whether the console writes them a notification when a run waits for\n"
         "them, fails or passes a due date (to --email: in the console's outbox, or sent).\n"
         "Exit status: 0 done, 2 refused (unknown or existing user, short password), 64\n"
         "wrong usage.\n") },
    { "serve",
      N_("usage: regie serve [--listen ADDR:PORT] [--db FILE] [--tls-cert FILE --tls-key FILE]\n"
         "                   [--upload-max BYTES]\n"
         "The web console over the run store: the inbox of waiting tasks, the runs, each\n"
         "run with its steps, files, audit trail, verification and evidence bundle, and a\n"
         "form to start a run. People sign in as `regie user` made them. Port 0: any free\n"
         "port; the address served is printed on standard output.\n"
         "  --listen ADDR:PORT  where to listen (default 127.0.0.1:8080)\n"
         "  --tls-cert FILE, --tls-key FILE   serve HTTPS with this PEM certificate and key\n"
         "  --upload-max BYTES  the largest file accepted (default 10485760)\n"
         "  --outbox DIR      the notifications' folder: a run of the workflow console-notify\n"
         "                    writes them there as .eml files (default STORE.console/outbox),\n"
         "                    or sends them with REGIE_NOTIFY_SEND=yes (doc/console.md)\n"
         "Exit status: 0 stopped by SIGTERM or SIGINT, 2 cannot listen or open the store.\n") },
    { "help",
      N_("usage: regie help [COMMAND]\n"
         "Prints the help of COMMAND (the same as `regie COMMAND --help`), or without one\n"
         "the list of commands.\n"
         "Exit status: 0, 64 no such command.\n") },
};

/* The help of cmd (translated); NULL if there is no such command. */
static const char *help_for(const char *cmd)
{
    for (size_t i = 0; cmd && i < sizeof helps / sizeof helps[0]; i++) {
        if (strcmp(cmd, helps[i].cmd) == 0) {
            return _(helps[i].text);
        }
    }
    return NULL;
}

/* Times for people in the zone of TZ, or Europe/Amsterdam; UTC (said once)
 * when that zone is not installed.  The store keeps UTC. */
static void setup_zone(void)
{
    const char *tz = getenv("TZ");
    const char *zone = tz && *tz ? tz : "Europe/Amsterdam";
    const char *name = zone[0] == ':' ? zone + 1 : zone;
    /* a zone name (not a POSIX rule such as CET-1CEST) needs its file */
    int rule = strpbrk(name, "0123456789") && !strchr(name, '/');
    if (!rule && strcmp(name, "UTC") != 0) {
        const char *dir = getenv("TZDIR");
        char *path = name[0] == '/' ? rg_xstrdup(name)
                                    : rg_xasprintf("%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo",
                                                   name);
        if (access(path, R_OK) != 0) {
            fprintf(stderr, _("regie: time zone %s not found (%s); times are shown in UTC\n"),
                    name, path);
            zone = "UTC";
        }
        free(path);
    }
    setenv("TZ", zone, 1);
    tzset();
}

/* The language of messages: Dutch when the first of LANGUAGE (unless the
 * locale is C), LC_ALL, LC_MESSAGES and LANG that is set starts with "nl",
 * else English.  glibc's gettext reads LANGUAGE only under a locale other
 * than C, and a minimal Debian has no nl_NL locale generated (setlocale
 * fails): then C.UTF-8, which is built in, with LANGUAGE set here. */
static void setup_language(void)
{
    const char *vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
    const char *loc = NULL;
    for (size_t i = 0; i < 3 && !loc; i++) {
        const char *v = getenv(vars[i]);
        loc = v && *v ? v : NULL;
    }
    int c_locale = !loc || strcmp(loc, "C") == 0 || strcmp(loc, "POSIX") == 0;
    const char *language = getenv("LANGUAGE");
    const char *lang = !c_locale && language && *language ? language : loc;
    int dutch = lang && strncmp(lang, "nl", 2) == 0;
    if (!setlocale(LC_MESSAGES, "") || dutch) {
        setlocale(LC_MESSAGES, "C.UTF-8");
    }
    setenv("LANGUAGE", dutch ? "nl" : "en", 1);
    const char *dir = getenv("REGIE_LOCALEDIR");
    if (!dir || !*dir) {
        dir = rg_running_uninstalled() ? REGIE_BUILDDIR "/po" : REGIE_LOCALEDIR;
    }
    bindtextdomain("regie", dir);
    bind_textdomain_codeset("regie", "UTF-8");
}

int rg_cli_main(int argc, char **argv)
{
    opts o;
    memset(&o, 0, sizeof o);
    int rc = 0;
    int want_help = 0;
    setup_language();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            want_help = 1;
        } else if (strcmp(a, "--version") == 0) {
            printf("regie %s (plugin ABI %u)\n", PACKAGE_VERSION, REGIE_ABI_VERSION);
            goto out;
        } else if (strcmp(a, "--no-store") == 0) {
            o.no_store = 1;
        } else if (strcmp(a, "--allow-changed") == 0) {
            o.allow_changed = 1;
        } else if (strcmp(a, "--due") == 0) {
            o.due = 1;
        } else if (strcmp(a, "--waiting") == 0) {
            o.waiting = 1;
        } else if (strcmp(a, "--reject") == 0) {
            o.reject = 1;
        } else if (strcmp(a, "--db") == 0 || strcmp(a, "--by") == 0 || strcmp(a, "--note") == 0 ||
                   strcmp(a, "--workflow") == 0 || strcmp(a, "--status") == 0 ||
                   strcmp(a, "--today") == 0 || strcmp(a, "--anchor") == 0 ||
                   strcmp(a, "--role") == 0 || strcmp(a, "--listen") == 0 ||
                   strcmp(a, "--tls-cert") == 0 || strcmp(a, "--tls-key") == 0 ||
                   strcmp(a, "--upload-max") == 0 || strcmp(a, "--email") == 0 ||
                   strcmp(a, "--outbox") == 0) {
            if (i + 1 >= argc) {
                rc = usage_error("%s needs a value", a);
                goto out;
            }
            const char *v = argv[++i];
            if (strcmp(a, "--db") == 0) {
                o.db = v;
            } else if (strcmp(a, "--by") == 0) {
                o.by = v;
            } else if (strcmp(a, "--note") == 0) {
                o.note = v;
            } else if (strcmp(a, "--anchor") == 0) {
                o.anchor = v;
            } else if (strcmp(a, "--role") == 0) {
                if (o.nroles >= 32 || !rg_user_role_valid(v)) {
                    rc = usage_error("--role: found \"%s\", expected ROLE:WORKFLOW with ROLE "
                                     "viewer, operator or approver and WORKFLOW a name or * "
                                     "(at most 32)",
                                     v);
                    goto out;
                }
                o.roles[o.nroles++] = v;
            } else if (strcmp(a, "--listen") == 0) {
                o.listen = v;
            } else if (strcmp(a, "--tls-cert") == 0) {
                o.tls_cert = v;
            } else if (strcmp(a, "--tls-key") == 0) {
                o.tls_key = v;
            } else if (strcmp(a, "--upload-max") == 0) {
                o.upload_max = v;
            } else if (strcmp(a, "--email") == 0) {
                o.email = v;
            } else if (strcmp(a, "--outbox") == 0) {
                o.outbox = v;
            } else if (strcmp(a, "--workflow") == 0) {
                o.wf_filter = v;
            } else if (strcmp(a, "--today") == 0) {
                if (rg_durable_set_today(v) != 0) {
                    rc = usage_error("--today: found \"%s\", expected a date YYYY-MM-DD", v);
                    goto out;
                }
            } else {
                o.status_filter = v;
            }
        } else if (strcmp(a, "--set") == 0 || strcmp(a, "--engine") == 0 ||
                   strcmp(a, "--out") == 0 || strcmp(a, "--jobs") == 0 ||
                   strcmp(a, "--config") == 0 || strcmp(a, "--csv") == 0) {
            if (i + 1 >= argc) {
                rc = usage_error("%s needs a value", a);
                goto out;
            }
            const char *v = argv[++i];
            if (strcmp(a, "--set") == 0) {
                if (add_pair(&o.sets, &o.nsets, v, a) != 0) {
                    rc = RG_EXIT_USAGE;
                    goto out;
                }
            } else if (strcmp(a, "--engine") == 0) {
                if (add_pair(&o.engine, &o.nengine, v, a) != 0) {
                    rc = RG_EXIT_USAGE;
                    goto out;
                }
            } else if (strcmp(a, "--csv") == 0) {
                if (!rg_csv_dialect_find(v)) {
                    rc = usage_error("--csv: found \"%s\", expected standard or dutch", v);
                    goto out;
                }
                char *pair = rg_xasprintf("csv=%s", v);
                add_pair(&o.engine, &o.nengine, pair, "--csv");
                free(pair);
            } else if (strcmp(a, "--out") == 0) {
                o.out = v;
            } else if (strcmp(a, "--config") == 0) {
                o.config = v;
            } else {
                int64_t j;
                if (rg_parse_int(v, &j) != 0 || j < 1 || j > 1024) {
                    rc = usage_error("--jobs: found \"%s\", expected 1 to 1024", v);
                    goto out;
                }
                o.jobs = (int)j;
            }
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o.quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            rc = usage_error("unknown option %s", a);
            goto out;
        } else if (!o.cmd) {
            o.cmd = a;
        } else if (o.npos < 4) {
            o.pos[o.npos++] = a;
            if (!o.workflow) {
                o.workflow = a;
                o.positional2 = a;
            }
        } else {
            rc = usage_error("unexpected argument %s", a);
            goto out;
        }
    }
    if (want_help || (o.cmd && strcmp(o.cmd, "help") == 0)) {
        /* regie help [CMD], regie [CMD] --help */
        const char *what = o.cmd && strcmp(o.cmd, "help") == 0
                               ? (o.npos ? o.pos[0] : want_help ? "help" : NULL)
                               : o.cmd;
        const char *text = what ? help_for(what) : _(usage_text);
        if (!text && o.cmd && strcmp(o.cmd, "help") == 0) {
            rc = usage_error("unknown command %s", what);
            goto out;
        }
        fputs(text ? text : _(usage_text), stdout);
        goto out;
    }
    /* checked as --today is: a date that does not parse is not quietly
     * replaced by the clock's */
    const char *env_today = getenv("REGIE_TODAY");
    int32_t env_day;
    if (env_today && *env_today && rg_date_parse(env_today, &env_day) != 0) {
        rc = usage_error("REGIE_TODAY: found \"%s\", expected a date YYYY-MM-DD", env_today);
        goto out;
    }
    if (!o.cmd) {
        fputs(_(usage_text), stderr);
        rc = RG_EXIT_USAGE;
        goto out;
    }
    int needs_wf = strcmp(o.cmd, "run") == 0 || strcmp(o.cmd, "check") == 0 ||
                   strcmp(o.cmd, "graph") == 0 || strcmp(o.cmd, "inputs") == 0;
    if (needs_wf && !o.workflow) {
        rc = usage_error("%s needs a WORKFLOW (a path or a name)", o.cmd);
        goto out;
    }
    if (strcmp(o.cmd, "runs") == 0 || strcmp(o.cmd, "show") == 0 || strcmp(o.cmd, "log") == 0) {
        setup_zone();
    }
    if (strcmp(o.cmd, "run") == 0) {
        rc = cmd_run(&o, 0);
    } else if (strcmp(o.cmd, "check") == 0) {
        rc = cmd_run(&o, 1);
    } else if (strcmp(o.cmd, "graph") == 0) {
        rc = cmd_graph(&o);
    } else if (strcmp(o.cmd, "inputs") == 0) {
        rc = cmd_inputs(&o);
    } else if (strcmp(o.cmd, "plugins") == 0) {
        rc = cmd_plugins(&o);
    } else if (strcmp(o.cmd, "workflows") == 0) {
        rc = cmd_workflows(&o);
    } else if (strcmp(o.cmd, "plugin") == 0) {
        rc = o.npos >= 2 && o.npos <= 3 && strcmp(o.pos[0], "new") == 0
                 ? rg_plugin_new(rg_sdk_dir(), o.pos[1], o.npos == 3 ? o.pos[2] : NULL)
                 : usage_error("%s", N_("usage: regie plugin new NAME [DIR]"));
    } else if (strcmp(o.cmd, "resume") == 0) {
        rc = o.due ? cmd_resume_due(&o) : o.npos == 1 ? cmd_resume(&o, o.pos[0])
                                                      : usage_error("%s", N_("resume needs RUN, or --due"));
    } else if (strcmp(o.cmd, "approve") == 0) {
        rc = o.npos == 2 && o.by ? cmd_approve(&o)
                                 : usage_error("%s", N_("usage: regie approve RUN STEP --by NAME [--note TEXT] [--reject]"));
    } else if (strcmp(o.cmd, "runs") == 0 || strcmp(o.cmd, "show") == 0 ||
               strcmp(o.cmd, "log") == 0 || strcmp(o.cmd, "verify") == 0 ||
               strcmp(o.cmd, "export") == 0 || strcmp(o.cmd, "anchor") == 0) {
        rc = cmd_store(&o);
    } else if (strcmp(o.cmd, "key") == 0) {
        rc = cmd_key(&o);
    } else if (strcmp(o.cmd, "user") == 0) {
        rc = cmd_user(&o);
    } else if (strcmp(o.cmd, "serve") == 0) {
        rc = cmd_serve(&o);
    } else {
        rc = usage_error("unknown command %s", o.cmd);
    }
out:
    free_pairs(o.sets, o.nsets);
    free_pairs(o.engine, o.nengine);
    rg_durable_set_today(NULL);
    rg_durable_set_hint_db(NULL);
    return rc;
}
