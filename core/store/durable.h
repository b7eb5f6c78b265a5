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

/* Start recording a new run (inputs hashed); installs the run's hooks. */
int rg_durable_begin(rg_run *run, rg_store *st, const rg_definition *def, const rg_setting *sets,
                     size_t nsets, rg_errors *errs);
/* Inputs given on resume (`given`, NAME=VALUE; `recorded` are the run's
 * settings before): recorded with the steps that must be judged again (those
 * reading a changed input, and every step after them) in one transaction,
 * before any step acts on them. */
int rg_durable_give_inputs(const rg_workflow *wf, rg_store *st, const char *run_id,
                           const char *who, const rg_setting *given, size_t ngiven,
                           const rg_setting *recorded, size_t nrecorded, rg_errors *errs);
/* Install the hooks on a run resumed from the store and load the data of
 * its completed steps (hashes checked); remove the temporary files of
 * killed processes from its output directory.  Steps that were running
 * when the process died and declare rerun = no become waits for
 * confirmation.  An outdated step (rg_durable_give_inputs) runs again
 * unless what it reads is unchanged: then its recorded outputs stand. */
int rg_durable_resume(rg_run *run, rg_store *st, const char *run_id, rg_errors *errs);
/* Record the end of the run. */
int rg_durable_finish(rg_run *run, int exit_status, rg_errors *errs);

#endif
