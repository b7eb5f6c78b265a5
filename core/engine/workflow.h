/* workflow.h - a workflow as its INI files describe it: inputs, steps and
 * the DAG between them (workflow.c reads and checks it; bind.c attaches the
 * plugins and scripts its steps run). */
#ifndef REGIE_WORKFLOW_H
#define REGIE_WORKFLOW_H

#include "conf.h"
#include "expr.h"
#include "ini_schema.h"
#include "rg_csv.h"
#include "rg_ini.h"
#include "util.h"

#include <stdio.h>

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
    rg_encoding encoding; /* csv: encoding = utf-8 (default) | cp1252 */
    char *format; /* csv: format = csv | xlsx | ods (a reader's): insisted on;
                   * NULL: by the file's content */
    char *sheet;  /* csv: sheet = NAME of a workbook (NULL: the first) */
    rg_ini_schema keys; /* ini: the keys of each section (keys.SECTION) */
    char *from_previous; /* from_previous_run: an output of the workflow's
                          * latest earlier done run (relative path), taken
                          * when the input is not given; NULL: none */
    const char *file;
    int line;
} rg_input;

/* A NAME=VALUE pair given on the command line with --set. */
typedef struct rg_setting {
    char *name;
    char *value;
} rg_setting;

/* The value given for `name` (the last one given wins), or NULL. */
const rg_setting *rg_setting_find(const rg_setting *sets, size_t n, const char *name);

/* ---- steps ---- */
typedef enum { RG_STEP_PLUGIN = 1, RG_STEP_SCRIPT, RG_STEP_WAIT } rg_step_kind;

/* The keys of a [step.NAME] section that are not the step's own parameters
 * (NULL-terminated). */
extern const char *const rg_step_keys[];

struct rg_plugin;
struct rg_steptype;
struct rg_plugins;

typedef struct rg_step {
    char *name;
    rg_step_kind kind;
    char *plugin_name;
    char *script;      /* as written */
    char *script_file; /* resolved path (bind) */
    const rg_kv *plugin_key; /* the plugin = key (in the workflow's ini) */
    const rg_kv *script_key; /* the script = key */
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
    /* the data indices of reads, writes and all_reads (-1: no such data),
     * resolved once when the DAG is built (one block, freed as read_data;
     * the names `when` uses, in the expression itself: rg_expr_resolve) */
    long *read_data;
    long *write_data;
    long *all_read_data;
    int retries;
    double retry_delay;
    double timeout;
    rg_lua_limits limits;
    /* own keys: validated against the plugin's or script's parameter table */
    rg_kv *params;
    size_t nparams;
    const regie_param *ptable; /* the table they were checked against */
    /* what bind attached: the plugin, or what the script declared (bound,
     * freed with bound_free when the workflow is freed) */
    struct rg_plugin *plugin;
    const struct rg_steptype *type; /* the step type `plugin =` names (of plugin) */
    void *bound;
    void (*bound_free)(void *bound);
    /* errors of the workflow's load when the step's keys had been read:
     * bind adds the step's own errors there, where one reading of the file
     * puts them */
    size_t errs_at;
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
    int optional;      /* `optional = yes` (plugin steps): a plugin not installed skips
                        * the step instead of refusing the workflow */
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
    /* case = INPUT[:SECTION.KEY][, ...]: what names the run's case in
     * `regie runs` (NULL: none) - an input's value, or a key of an INI
     * input; the first of them that has a value */
    char *case_spec;
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
    /* the plugins the workflow was bound to (rg_workflow_bind): their
     * readers read workbook inputs, their Lua functions serve the scripts;
     * NULL before */
    struct rg_plugins *plugins;
} rg_workflow;

/* Read a workflow and check its structure (sections, keys, inputs, names,
 * the DAG): all errors of its files go to errs as FILE:LINE: ...; returns
 * -1 if any.  Nothing is attached to its steps: that is rg_workflow_bind
 * (bind.h), with the same errs. */
int rg_workflow_load(rg_workflow *wf, const char *path, const rg_config *cfg,
                     const rg_setting *sets, size_t nsets, rg_errors *errs);
void rg_workflow_free(rg_workflow *wf);
long rg_workflow_data_index(const rg_workflow *wf, const char *name);
const rg_step *rg_workflow_producer(const rg_workflow *wf, const char *data);
/* Find a workflow by path or by name on the workflow path; caller frees. */
char *rg_workflow_find(const rg_config *cfg, const char *name_or_path);
void rg_workflow_dot(const rg_workflow *wf, FILE *f);

#endif /* REGIE_WORKFLOW_H */
