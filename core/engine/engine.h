/*
 * engine.h - workflows, runs and step contexts.
 */
#ifndef REGIE_ENGINE_H
#define REGIE_ENGINE_H

#include "map.h"
#include "util.h"
#include "value.h"
#include "decimal.h"
#include "rational.h"
#include "calendar.h"
#include "rg_csv.h"
#include "rg_ini.h"
#include "ini_schema.h"
#include "plugin.h"
#include "lua_step.h"

#include <pthread.h>

/* Exit statuses of the CLI (documented in README and `regie --help`). */
enum {
    RG_EXIT_OK = 0,
    RG_EXIT_FAILED = 1,  /* a step failed */
    RG_EXIT_INVALID = 2, /* invalid workflow or input: nothing ran */
    RG_EXIT_WAITING = 3, /* the run waits for a person or a date */
    RG_EXIT_USAGE = 64
};

/* ---- engine configuration (etc/regie.ini, overridable) ---- */

/* Seconds a step may run when nothing else is configured. */
#define RG_DEFAULT_TIMEOUT 600.0

typedef struct rg_config {
    char *plugin_path;   /* ':'-separated */
    char *script_path;   /* ':'-separated */
    char *workflow_path; /* ':'-separated */
    char *store_path;    /* SQLite file; "" or "off": no store */
    int sync_full;       /* [store] sync = full: fsync every commit and file */
    rg_lua_limits limits; /* defaults per Lua step */
    double step_timeout;  /* default per step, seconds, 0 none */
    int jobs;             /* 0: number of cores */
    int isolate;          /* 1: plugin steps run in a child process (isolate = process) */
    char *config_file;    /* what was read, for messages */
} rg_config;

/* Fill defaults (source tree or installed prefix), then read the engine
 * config file (REGIE_CONFIG or the default one) and the environment
 * (REGIE_PLUGIN_PATH, REGIE_SCRIPT_PATH, REGIE_WORKFLOW_PATH, REGIE_DB). */
int rg_config_load(rg_config *cfg, const char *file, rg_errors *errs);
/* Apply [engine] keys of a workflow or --engine KEY=VALUE overrides. */
int rg_config_set(rg_config *cfg, const char *key, const char *value, const char *file, int line,
                  rg_errors *errs);
void rg_config_free(rg_config *cfg);
/* `isolate =`: none (in process, the default) or process; 0 or -1. */
int rg_parse_isolate(const char *value, int *isolate);
/* paths.c: where the parts are when run from the build tree or installed. */
int rg_running_uninstalled(void);
const char *rg_default_config_file(void);
void rg_default_paths(char **plugins, char **scripts, char **workflows);

/* ---- inputs ---- */
typedef enum {
    RG_IN_FILE = 0, /* a path (string value); the file must exist */
    RG_IN_CSV,      /* a table */
    RG_IN_INI,      /* a table section,key,value */
    RG_IN_TEXT,
    RG_IN_NUMBER,
    RG_IN_INTEGER,
    RG_IN_DATE,
    RG_IN_BOOLEAN
} rg_input_type;

typedef struct rg_input {
    char *name;
    rg_input_type type;
    int required;
    char *def; /* default text or NULL */
    char *description;
    rg_colspec *cols; /* csv: typed columns */
    size_t ncols;
    char *unique; /* csv: column whose values must be unique */
    rg_ini_schema keys; /* ini: the keys of each section (keys.SECTION) */
    const char *file;
    int line;
} rg_input;

/* ---- `when =` conditions (expr.c) ---- */
typedef struct rg_expr rg_expr;
/* Names the expression reads: `input.NAME` or data names. */
typedef struct rg_expr_refs {
    char **names;
    size_t n;
} rg_expr_refs;
rg_expr *rg_expr_parse(const char *text, char **error);
void rg_expr_free(rg_expr *e);
void rg_expr_refs_collect(const rg_expr *e, rg_expr_refs *refs);
/* Look up a name's value (NULL: absent). */
typedef const regie_value *(*rg_expr_lookup)(void *ud, const char *name);
int rg_expr_eval(const rg_expr *e, rg_expr_lookup lookup, void *ud);

/* ---- steps ---- */
typedef enum { RG_STEP_PLUGIN = 1, RG_STEP_SCRIPT, RG_STEP_WAIT } rg_step_kind;

typedef struct rg_step {
    char *name;
    rg_step_kind kind;
    char *plugin_name;
    char *script;      /* as written */
    char *script_file; /* resolved path */
    rg_plugin *plugin;
    char **reads;
    int *read_optional; /* `reads = ?name` */
    size_t nreads;
    char **writes;
    size_t nwrites;
    char **after;
    size_t nafter;
    rg_expr *when;
    char *when_text;
    /* everything the step reads, by name: its reads, the names its `when`
     * uses, the input or data it waits for; sorted, each once (set when
     * the workflow loads) */
    char **all_reads;
    size_t nall_reads;
    int retries;
    double retry_delay;
    double timeout;
    rg_lua_limits limits;
    /* own keys: validated against the plugin's or script's parameter table */
    rg_kv *params;
    size_t nparams;
    const regie_param *ptable; /* the table they were checked against */
    rg_script_info sinfo;
    /* DAG */
    size_t *deps; /* indices of steps this one waits for */
    size_t ndeps;
    size_t *dependents;
    size_t ndependents, capdependents;
    /* wait steps (kind RG_STEP_WAIT) */
    char *wait_kind;   /* "input", "approval" or "timer" (wait = until:...) */
    char *wait_input;  /* input: the input it waits for */
    char *wait_until;  /* timer: a date, or a data name holding one */
    char *wait_what;   /* what a person must do, for listings */
    char *four_eyes;   /* approval: who may not approve */
    int rerun;         /* 0: must not run again after a crash mid-step */
    int preflight;     /* `preflight = yes`: `regie check` runs it too; it writes no
                        * files, and no other step starts before every pre-flight
                        * step has finished */
    int preflight_line;
    int isolate;       /* 1: run() in a child process (isolate = process) */
    const char *file;
    int line;       /* the [step.NAME] header */
    int reads_line; /* the reads = key, for errors about it */
    int after_line;
    int when_line;
} rg_step;

typedef struct rg_workflow {
    char *name;
    char *description;
    char *version;
    char *path; /* main INI file */
    char *dir;  /* its directory */
    rg_ini ini;
    rg_input *inputs;
    size_t ninputs;
    rg_step *steps;
    size_t nsteps;
    size_t *order; /* a topological order */
    char **data;   /* every data name (inputs first), index = data id */
    size_t ndata;
    rg_config cfg; /* engine config with workflow overrides */
    struct wf_priv *priv; /* name maps (workflow.c) */
} rg_workflow;

/* A NAME=VALUE pair given on the command line with --set. */
typedef struct rg_setting {
    char *name;
    char *value;
} rg_setting;

/* Read and validate a workflow: all errors of its files go to errs as
 * FILE:LINE: ...; returns -1 if any.  `plugins` must already be scanned;
 * `lua` is used to compile scripts and read their parameter tables. */
int rg_workflow_load(rg_workflow *wf, const char *path, const rg_config *cfg,
                     const rg_setting *sets, size_t nsets, rg_plugins *plugins, rg_lua *lua,
                     rg_errors *errs);
void rg_workflow_free(rg_workflow *wf);
long rg_workflow_data_index(const rg_workflow *wf, const char *name);
const rg_step *rg_workflow_producer(const rg_workflow *wf, const char *data);
/* Find a workflow by path or by name on the workflow path; caller frees. */
char *rg_workflow_find(const rg_config *cfg, const char *name_or_path);
void rg_workflow_dot(const rg_workflow *wf, FILE *f);

/* ---- runs ---- */
typedef enum {
    RG_ST_PENDING = 0,
    RG_ST_RUNNING,
    RG_ST_DONE,
    RG_ST_FAILED,
    RG_ST_SKIPPED,   /* `when` false, or an optional producer did not run */
    RG_ST_UPSTREAM,  /* not run: something it depends on failed */
    RG_ST_WAITING    /* waits for a person or a date */
} rg_step_status;
const char *rg_status_name(rg_step_status s);

typedef struct rg_run rg_run;

typedef struct rg_step_state {
    rg_step_status status;
    int attempts;
    double started, ended; /* rg_now() */
    char *error;
    int invalid_input; /* failed through data_error: exit status 2 */
    double progress;
} rg_step_state;

/* What a run reports as it goes (the CLI draws lines from it). */
typedef struct rg_observer {
    void *ud;
    void (*step_started)(void *ud, const rg_run *run, size_t step);
    void (*step_finished)(void *ud, const rg_run *run, size_t step);
    void (*step_progress)(void *ud, const rg_run *run, size_t step, double fraction);
    void (*log)(void *ud, const rg_run *run, size_t step, int level, const char *msg);
} rg_observer;

struct rg_run {
    rg_workflow *wf;
    char *outdir;
    int jobs;
    rg_datum *data; /* per data index */
    rg_step_state *st; /* per step */
    pthread_mutex_t mu;
    const rg_observer *obs;
    rg_errors input_errors; /* from loading inputs */
    void *store;            /* run store (store.c) or NULL */
    char *run_id;           /* id in the store, or NULL */
    /* Called when a step has finished successfully, before its outputs are
     * published: records them durably.  Non-zero fails the step. */
    int (*commit)(rg_run *run, size_t step, regie_ctx *ctx);
    /* Called after a step failed (for the record). */
    void (*failed)(rg_run *run, size_t step);
    /* A wait step: 0 satisfied, 1 still waiting (with *what set, malloc'd). */
    int (*wait_check)(rg_run *run, size_t step, char **what);
    void (*step_begin)(rg_run *run, size_t step, int attempt);
    /* Before a step runs: 1 if its recorded result still holds (what it
     * reads is unchanged since it ran); its outputs are then in ctx->out and
     * it does not run.  0: run it. */
    int (*reuse)(rg_run *run, size_t step, regie_ctx *ctx);
    void *hook_state;               /* owned by the hooks above */
    void (*hook_free)(void *state); /* frees hook_state (rg_run_free) */
    /* per data index: 1 an input that was given (or required) but could
     * not be read: pre-flight steps still run and see it absent; 2 data a
     * step made without such an input: not published, its readers skipped */
    char *unreadable;
    int preflight_only; /* run the pre-flight steps only (rg_run_preflight) */
};

/* Load the inputs (typed, all data errors of a file together), without
 * running anything.  Returns -1 with errs filled if any is bad. */
int rg_run_init(rg_run *run, rg_workflow *wf, const rg_setting *sets, size_t nsets,
                const char *outdir, int jobs, rg_errors *errs);
/* Execute the DAG.  Returns an RG_EXIT_* status. */
int rg_run_execute(rg_run *run, const rg_observer *obs);
/* Run only the pre-flight steps (`preflight = yes`), also after
 * rg_run_init failed: an input that could not be read is absent to them.
 * Nothing is written and nothing is recorded.  Their data errors, and a
 * line for each of them that failed otherwise, are added to errs; returns
 * the number added.  The run is not executed after it. */
size_t rg_run_preflight(rg_run *run, rg_errors *errs);
void rg_run_free(rg_run *run);

/* ---- step context (host.c) ---- */
struct regie_ctx {
    rg_run *run;
    size_t step;      /* index in run->wf->steps, or (size_t)-1 standalone */
    const rg_step *s; /* may be a standalone step for tests */
    char *error;
    int data_errors;
    volatile int cancelled;
    double deadline; /* rg_now() seconds, 0 none */
    rg_errors derrs; /* data errors recorded by the step */
    /* outputs produced during this attempt; committed on success only */
    rg_datum *out;
    const char *outdir;
    char **written; /* files written by this attempt (relpaths) */
    size_t nwritten;
    size_t written_cap;
    rg_map written_set; /* relpath -> index into written */
    double input_seconds; /* spent converting inputs for a script (profile) */
    /* the Lua modules the step loaded: real paths, and the sha256 of the
     * text that ran (lua_step.c), for the run's definition (durable.c) */
    char **modules;
    char **module_shas;
    size_t nmodules;
    rg_datum *standalone_data; /* for rg_test_ctx */
    char **standalone_names;
    size_t nstandalone;
    struct rg_isolated *isolated; /* set in the child of an isolated step */
};

void rg_ctx_init(regie_ctx *ctx, rg_run *run, size_t step);
void rg_ctx_reset(regie_ctx *ctx);

/* Note relpath among the files the step wrote (a file written in the
 * child of an isolated step, told to the parent). */
void rg_ctx_note_written(regie_ctx *ctx, const char *relpath);

/* ---- isolate.c: a plugin step run in a child process ---- */
/* Run the plugin of st for ctx in a forked child and apply what it
 * produced (outputs, files written, log, progress, error, data errors) to
 * ctx as if it had run here.  A child killed by a signal, past the step's
 * timeout (it is then killed) or gone without its result fails the step.
 * Returns what the plugin's run() returned, or -1. */
int rg_isolate_run(regie_ctx *ctx, const rg_step *st);
/* In the child: a log line or progress for the parent. */
void rg_isolate_log(regie_ctx *ctx, int level, const char *msg);
void rg_isolate_progress(regie_ctx *ctx, double fraction);

/* The data `name` the step reads (a warning when it is not among its
 * `reads`), or NULL. */
const rg_datum *rg_ctx_input(regie_ctx *ctx, const char *name);
/* Whether the step may write data `name` (one of its `writes`; any name
 * outside a run). */
int rg_ctx_may_write(const regie_ctx *ctx, const char *name);

/* A file of the step's output written in parts (the engine's own large
 * writers): the path is checked as write_file checks it; each function
 * returns -1 with the step's error set, and a failed write or commit has
 * removed the unfinished file.  Committed, the file is one the step wrote. */
int rg_output_open(regie_ctx *ctx, const char *relpath, rg_afile *f);
int rg_output_write(regie_ctx *ctx, rg_afile *f, const void *data, size_t len);
int rg_output_commit(regie_ctx *ctx, const char *relpath, rg_afile *f);

/* A context without a workflow, for unit tests of plugins and scripts: a
 * step named `name` with the given own keys (NULL-terminated key, value
 * pairs), reads and writes resolved against a private data map, files
 * written below outdir (may be NULL: writing fails). */
regie_ctx *rg_test_ctx_new(const char *name, const char *const *kv, const char *outdir);
/* Give data NAME to the step (ownership of *d passes; *d is cleared). */
void rg_test_ctx_set(regie_ctx *ctx, const char *name, rg_datum *d);
/* What the step produced (NULL if not). */
const rg_datum *rg_test_ctx_get(regie_ctx *ctx, const char *name);
const char *rg_test_ctx_error(regie_ctx *ctx);
const rg_errors *rg_test_ctx_data_errors(regie_ctx *ctx);
void rg_test_ctx_free(regie_ctx *ctx);

#endif
