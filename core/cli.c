/* cli.c - `regie run|check|graph|plugins`: argument parsing, progress lines
 * and summaries.  Exit statuses: 0 done, 1 a step failed, 2 invalid
 * workflow or input (nothing ran), 3 waiting, 64 usage. */
#define _GNU_SOURCE
#include "cli.h"
#include "engine.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

static const char *usage_text =
    "usage: regie COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  run WORKFLOW [--set NAME=VALUE]... [--out DIR] [--jobs N]\n"
    "                      run a workflow (a path, or a name on the workflow path)\n"
    "  check WORKFLOW [--set NAME=VALUE]...\n"
    "                      find everything `run` would refuse, without running anything\n"
    "  graph WORKFLOW      print the steps and data as Graphviz DOT\n"
    "  inputs WORKFLOW     list the inputs a workflow takes\n"
    "  plugins [NAME]      list plugins, or print one plugin's parameters\n"
    "  workflows           list the workflows on the workflow path\n"
    "\n"
    "Options for every command:\n"
    "  --config FILE       engine configuration (default: etc/regie.ini)\n"
    "  --engine KEY=VALUE  override an engine setting (plugin_path, script_path, timeout, ...)\n"
    "  -h, --help          this text;  --version  the version\n"
    "\n"
    "Exit status: 0 done, 1 a step failed, 2 invalid workflow or input (nothing ran),\n"
    "3 the run waits for a person or a date, 64 wrong usage.\n";

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
} opts;

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "regie: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'regie --help'.\n");
    return RG_EXIT_USAGE;
}

static int add_pair(rg_setting **v, size_t *n, const char *arg, const char *opt)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        fprintf(stderr, "regie: %s expects NAME=VALUE, found \"%s\"\n", opt, arg);
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
    const rg_step_state *st = &run->st[s];
    double ms = st->ended > 0 ? (st->ended - st->started) * 1000 : 0;
    if (d->tty) {
        fprintf(stderr, "\r\033[K");
    }
    if (run->wf->nsteps <= 200 || st->status == RG_ST_FAILED) {
        fprintf(stderr, "  %-8s %-28s %8.1f ms%s%s\n", rg_status_name(st->status),
                run->wf->steps[s].name, ms, st->error ? "  " : "", st->error ? st->error : "");
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
} session;

static int session_open(session *ss, const opts *o, int need_workflow, rg_errors *errs)
{
    memset(ss, 0, sizeof *ss);
    if (rg_config_load(&ss->cfg, o->config, errs) != 0) {
        return RG_EXIT_INVALID;
    }
    for (size_t i = 0; i < o->nengine; i++) {
        if (rg_config_set(&ss->cfg, o->engine[i].name, o->engine[i].value, "--engine", 0, errs) !=
            0) {
            return RG_EXIT_INVALID;
        }
    }
    rg_plugins_scan(&ss->plugins, ss->cfg.plugin_path, errs);
    if (!need_workflow) {
        return 0;
    }
    ss->wfpath = rg_workflow_find(&ss->cfg, o->workflow);
    if (!ss->wfpath) {
        rg_err_add(errs, o->workflow, 0,
                   "no such workflow (give a path to an INI file, or a name found on the "
                   "workflow path %s)",
                   ss->cfg.workflow_path);
        return RG_EXIT_INVALID;
    }
    ss->lua = rg_lua_new(ss->cfg.script_path);
    ss->have_wf = 1;
    if (rg_workflow_load(&ss->wf, ss->wfpath, &ss->cfg, o->sets, o->nsets, &ss->plugins, ss->lua,
                         errs) != 0) {
        return RG_EXIT_INVALID;
    }
    return 0;
}

static void session_close(session *ss)
{
    if (ss->have_wf) {
        rg_workflow_free(&ss->wf);
    }
    if (ss->lua) {
        rg_lua_free(ss->lua);
    }
    rg_plugins_free(&ss->plugins);
    rg_config_free(&ss->cfg);
    free(ss->wfpath);
}

static void print_errors(const rg_errors *errs)
{
    for (size_t i = 0; i < errs->n; i++) {
        fprintf(stderr, "%s\n", errs->msg[i]);
    }
}

static void write_summary(const rg_run *run, int status, double secs)
{
    rg_buf b = { 0 };
    static const char *words[] = { "done", "failed", "invalid input", "waiting" };
    rg_buf_printf(&b, "workflow: %s\nstatus: %s\nseconds: %.3f\nsteps:\n", run->wf->name,
                  status >= 0 && status <= 3 ? words[status] : "?", secs);
    for (size_t s = 0; s < run->wf->nsteps; s++) {
        const rg_step_state *st = &run->st[s];
        rg_buf_printf(&b, "  %s: %s%s%s\n", run->wf->steps[s].name, rg_status_name(st->status),
                      st->error ? " - " : "", st->error ? st->error : "");
    }
    char *path = rg_xasprintf("%s/run-summary.txt", run->outdir);
    if (rg_write_file_atomic(path, b.data, b.len) != 0) {
        fprintf(stderr, "regie: cannot write %s: %s\n", path, strerror(errno));
    }
    free(path);
    rg_buf_free(&b);
}

static int cmd_run(const opts *o, int check_only)
{
    rg_errors errs = { 0 };
    session ss;
    int rc = session_open(&ss, o, 1, &errs);
    rg_run run;
    memset(&run, 0, sizeof run);
    char *outdir = NULL;
    if (rc == 0) {
        outdir = o->out ? rg_xstrdup(o->out) : rg_xasprintf("out/%s", ss.wf.name);
        int jobs = o->jobs ? o->jobs : ss.wf.cfg.jobs;
        if (rg_run_init(&run, &ss.wf, o->sets, o->nsets, outdir, jobs, &errs) != 0) {
            rc = RG_EXIT_INVALID;
        }
    }
    if (rc != 0) {
        print_errors(&errs);
        fprintf(stderr, "regie: %s: %zu error%s; nothing was run\n", o->workflow, errs.n,
                errs.n == 1 ? "" : "s");
        goto done;
    }
    if (check_only) {
        printf("%s: ok (%zu inputs, %zu steps)\n", ss.wfpath, ss.wf.ninputs, ss.wf.nsteps);
        goto done;
    }
    display disp = { isatty(2), rg_now() };
    rg_observer obs = { &disp, obs_started, obs_finished, obs_progress, obs_log };
    if (!o->quiet) {
        fprintf(stderr, "regie: running %s (%zu steps, %d jobs)\n", ss.wf.name, ss.wf.nsteps,
                run.jobs);
    }
    double t0 = rg_now();
    rc = rg_run_execute(&run, o->quiet ? NULL : &obs);
    double secs = rg_now() - t0;
    if (rc == RG_EXIT_INVALID) {
        print_errors(&run.input_errors);
        fprintf(stderr, "regie: %s: %zu input error%s; no results were written\n", ss.wf.name,
                run.input_errors.n, run.input_errors.n == 1 ? "" : "s");
        goto done;
    }
    write_summary(&run, rc, secs);
    size_t counts[7] = { 0 };
    for (size_t s = 0; s < ss.wf.nsteps; s++) {
        counts[run.st[s].status]++;
    }
    fprintf(stderr,
            "regie: %s %s in %.3f s: %zu done, %zu failed, %zu skipped, %zu not run; outputs in "
            "%s/\n",
            ss.wf.name, rc == 0 ? "finished" : rc == RG_EXIT_WAITING ? "waits" : "failed", secs,
            counts[RG_ST_DONE], counts[RG_ST_FAILED], counts[RG_ST_SKIPPED],
            counts[RG_ST_UPSTREAM], outdir);
done:
    rg_run_free(&run);
    free(outdir);
    session_close(&ss);
    rg_err_free(&errs);
    return rc;
}

static int cmd_graph(const opts *o)
{
    rg_errors errs = { 0 };
    session ss;
    int rc = session_open(&ss, o, 1, &errs);
    if (rc == 0) {
        rg_workflow_dot(&ss.wf, stdout);
    } else {
        print_errors(&errs);
    }
    session_close(&ss);
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
    session ss;
    int rc = session_open(&ss, o, 1, &errs);
    if (rc == 0) {
        printf("%s - %s\n\ninputs (--set NAME=VALUE):\n", ss.wf.name, ss.wf.description);
        for (size_t i = 0; i < ss.wf.ninputs; i++) {
            const rg_input *in = &ss.wf.inputs[i];
            printf("  %-16s %-8s %s%s%s\n      %s\n", in->name, input_type_name(in->type),
                   in->required ? "required" : "optional", in->def ? ", default " : "",
                   in->def ? in->def : "", in->description ? in->description : "");
        }
    } else {
        print_errors(&errs);
    }
    session_close(&ss);
    rg_err_free(&errs);
    return rc;
}

static int cmd_plugins(const opts *o)
{
    rg_errors errs = { 0 };
    session ss;
    session_open(&ss, o, 0, &errs);
    print_errors(&errs);
    int rc = 0;
    if (o->positional2) {
        rg_plugin *p = rg_plugin_find(&ss.plugins, o->positional2);
        if (!p) {
            fprintf(stderr, "regie: no plugin named \"%s\" on %s\n", o->positional2,
                    ss.cfg.plugin_path);
            rc = RG_EXIT_INVALID;
        } else {
            rg_plugin_print_doc(p, stdout);
        }
    } else {
        for (size_t i = 0; i < ss.plugins.n; i++) {
            const regie_plugin *d = ss.plugins.v[i].desc;
            printf("%-16s %-8s %s\n", d->name, d->version ? d->version : "",
                   d->summary ? d->summary : "");
        }
    }
    session_close(&ss);
    rg_err_free(&errs);
    return rc;
}

static int cmd_workflows(const opts *o)
{
    rg_errors errs = { 0 };
    session ss;
    session_open(&ss, o, 0, &errs);
    char **v;
    size_t n = rg_split(ss.cfg.workflow_path, ':', &v);
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
    session_close(&ss);
    rg_err_free(&errs);
    return 0;
}

static const char *help_for(const char *cmd)
{
    if (strcmp(cmd, "run") == 0) {
        return "usage: regie run WORKFLOW [--set NAME=VALUE]... [--out DIR] [--jobs N] [--quiet]\n"
               "Runs WORKFLOW (a path to an INI file, or a name on the workflow path).\n"
               "  --set NAME=VALUE  give an input (see `regie inputs WORKFLOW`)\n"
               "  --out DIR         where outputs go (default out/WORKFLOW-NAME)\n"
               "  --jobs N          steps run in parallel (default: number of cores)\n"
               "Exit status: 0 done, 1 a step failed, 2 invalid workflow or input, 3 waiting.\n";
    }
    if (strcmp(cmd, "check") == 0) {
        return "usage: regie check WORKFLOW [--set NAME=VALUE]...\n"
               "Checks everything `run` would refuse without running anything: plugins load,\n"
               "parameters are valid, scripts compile, the DAG is sound, inputs are present and\n"
               "parse. Every error is printed as FILE:LINE: message. Exit 0 or 2.\n";
    }
    if (strcmp(cmd, "graph") == 0) {
        return "usage: regie graph WORKFLOW\nPrints the steps and data as Graphviz DOT "
               "(render with `dot -Tsvg`).\n";
    }
    if (strcmp(cmd, "plugins") == 0) {
        return "usage: regie plugins [NAME]\nLists the plugins on the plugin path, or prints "
               "NAME's parameter table.\n";
    }
    if (strcmp(cmd, "inputs") == 0) {
        return "usage: regie inputs WORKFLOW\nLists the inputs of WORKFLOW with their types "
               "and descriptions.\n";
    }
    return usage_text;
}

int rg_cli_main(int argc, char **argv)
{
    opts o;
    memset(&o, 0, sizeof o);
    int rc = 0;
    int want_help = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            want_help = 1;
        } else if (strcmp(a, "--version") == 0) {
            printf("regie %s (plugin ABI %u)\n", PACKAGE_VERSION, REGIE_ABI_VERSION);
            goto out;
        } else if (strcmp(a, "--set") == 0 || strcmp(a, "--engine") == 0 ||
                   strcmp(a, "--out") == 0 || strcmp(a, "--jobs") == 0 ||
                   strcmp(a, "--config") == 0) {
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
        } else if (!o.workflow) {
            o.workflow = a;
            o.positional2 = a;
        } else {
            rc = usage_error("unexpected argument %s", a);
            goto out;
        }
    }
    if (want_help) {
        fputs(help_for(o.cmd ? o.cmd : ""), stdout);
        goto out;
    }
    if (!o.cmd) {
        fputs(usage_text, stderr);
        rc = RG_EXIT_USAGE;
        goto out;
    }
    int needs_wf = strcmp(o.cmd, "run") == 0 || strcmp(o.cmd, "check") == 0 ||
                   strcmp(o.cmd, "graph") == 0 || strcmp(o.cmd, "inputs") == 0;
    if (needs_wf && !o.workflow) {
        rc = usage_error("%s needs a WORKFLOW (a path or a name)", o.cmd);
        goto out;
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
    } else {
        rc = usage_error("unknown command %s", o.cmd);
    }
out:
    free_pairs(o.sets, o.nsets);
    free_pairs(o.engine, o.nengine);
    return rc;
}
