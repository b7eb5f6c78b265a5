/* durable.h - runs recorded in the run store: begin, per-step commits,
 * waits, resume. */
#ifndef REGIE_DURABLE_H
#define REGIE_DURABLE_H

#include "exec.h"
#include "lua_step.h"
#include "store.h"
#include "workflow.h"

/* Definition of a workflow as it is now: every INI file, script and Lua
 * module it uses, and plugin names and versions, with their hashes. */
typedef struct rg_defitem {
    char *what; /* a path, or "plugin NAME VERSION" */
    char sha[65];
    int is_file;
} rg_defitem;
typedef struct rg_definition {
    rg_defitem *items;
    size_t n;
    char hash[65];
} rg_definition;
void rg_definition_compute(const rg_workflow *wf, rg_lua *lua, rg_definition *def);
/* A run's definition also holds the Lua modules its steps loaded as they
 * ran (recorded with each step): each recorded Lua file that def does not
 * list, and that still exists, is added to def with its hash now. */
void rg_definition_add_recorded(rg_definition *def, char *const *paths, size_t n);
void rg_definition_free(rg_definition *def);

/* A run without the store: its waits are still checked (an input given
 * or a date passed lets the run go on; an approval cannot be given). */
void rg_durable_local(rg_run *run);

/* The date timer waits compare with: `date` (YYYY-MM-DD; -1 if it is not
 * one), NULL for the clock (or REGIE_TODAY).  rg_durable_today() returns it
 * (caller frees). */
int rg_durable_set_today(const char *date);
char *rg_durable_today(void);
/* The store printed hints (regie resume ..., regie approve ...) must name:
 * a path, or NULL when a command without --db finds it. */
void rg_durable_set_hint_db(const char *path);
const char *rg_durable_hint_db(void); /* " --db PATH", or "" */

/* The inputs with from_previous_run that sets does not give: each from the
 * latest earlier run of the workflow that ended done and recorded that
 * output, if its file still has the recorded SHA-256.  out: NAME=PATH for
 * each one taken (caller frees, rg_settings_free-style), to give the run
 * as settings; notes: a line for each taken or refused (changed, gone).
 * rg_durable_begin records each taken input with the run it came from. */
int rg_durable_previous(rg_store *store, const rg_workflow *wf, const rg_setting *sets,
                        size_t nsets, rg_setting **out, size_t *nout, rg_buf *notes,
                        rg_errors *errs);
/* Start recording a new run (inputs hashed); installs the run's hooks. */
int rg_durable_begin(rg_run *run, rg_store *store, const rg_definition *def, const rg_setting *sets,
                     size_t nsets, rg_errors *errs);
/* Inputs given on resume (`given`, NAME=VALUE; `recorded` are the run's
 * settings before): recorded with the steps that must be judged again (those
 * reading a changed input, and every step after them) in one transaction,
 * before any step acts on them. */
int rg_durable_give_inputs(const rg_workflow *wf, rg_store *store, const char *run_id,
                           const char *who, const rg_setting *given, size_t ngiven,
                           const rg_setting *recorded, size_t nrecorded, rg_errors *errs);
/* Install the hooks on a run resumed from the store and load the data of
 * its completed steps (hashes checked); remove the temporary files of
 * killed processes from its output directory.  Steps that were running
 * when the process died and declare rerun = no become waits for
 * confirmation.  An outdated step (rg_durable_give_inputs) runs again
 * unless what it reads is unchanged: then its recorded outputs stand. */
int rg_durable_resume(rg_run *run, rg_store *store, const char *run_id, rg_errors *errs);
/* ---- resume policy: what `regie resume` decides ---- */
/* Read the run (rec; free with rg_store_run_clear) and take its lock for
 * this process: 0; 1 when the run is done (nothing to resume, no lock
 * taken); -1 (errs), e.g. an unknown run or one another process holds. */
int rg_durable_resume_lock(rg_store *store, const char *run_id, rg_store_run *rec,
                           rg_errors *errs);
/* How a run is resumed: sets are its recorded settings followed by the
 * ngiven given now (--set); jobs 0: as many as the run was started with
 * (else the workflow's); allow_changed: resume even if the workflow's
 * files changed since it started; who: the person resuming (NULL: the
 * store's actor). */
typedef struct rg_resume_how {
    const rg_setting *sets;
    size_t nsets, ngiven;
    int jobs;
    int allow_changed;
    const char *who;
} rg_resume_how;
#define RG_RESUME_READY 0
#define RG_RESUME_ERROR (-1)      /* errs says why */
#define RG_RESUME_BAD_INPUTS (-2) /* input_errors: the given inputs, sorted; nothing recorded */
#define RG_RESUME_CHANGED (-3)    /* changes: the files that changed; refused */
/* Resume a run locked by rg_durable_resume_lock, with wf loaded from its
 * recorded workflow and settings: the given inputs are checked first
 * (pre-flight), then the definition against the recorded one (a change is
 * refused unless allowed, and then logged: definition_changed), then run
 * is made ready (rg_run_init), the given inputs recorded
 * (rg_durable_give_inputs), its recorded state loaded (rg_durable_resume)
 * and the run marked running again.  RG_RESUME_READY: execute run. On any
 * other result the caller releases the lock. */
int rg_durable_resume_run(rg_run *run, rg_store *store, const rg_store_run *rec, rg_workflow *wf,
                          rg_lua *lua, const rg_resume_how *how, rg_errors *input_errors,
                          rg_buf *changes, rg_errors *errs);
/* The runs with a wait due on or before today (YYYY-MM-DD), each once, in
 * the order of their first due wait: 0 and *ids (caller frees with
 * rg_strv_free), or -1. */
int rg_durable_runs_due(rg_store *store, const char *today, char ***ids, size_t *n,
                        rg_errors *errs);
/* Record the end of the run. */
int rg_durable_finish(rg_run *run, int exit_status, rg_errors *errs);

#endif
