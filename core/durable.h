/* durable.h - runs recorded in the run store: begin, per-step commits,
 * waits, resume. */
#ifndef REGIE_DURABLE_H
#define REGIE_DURABLE_H

#include "engine.h"
#include "store.h"

/* Serialise a datum (types kept exactly) and read it back. */
void rg_datum_save(const rg_datum *d, rg_buf *out);
int rg_datum_load(const char *data, size_t len, rg_datum *d);

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

/* Start recording a new run (inputs hashed); installs the run's hooks. */
int rg_durable_begin(rg_run *run, rg_store *st, const rg_definition *def, const rg_setting *sets,
                     size_t nsets, rg_errors *errs);
/* Install the hooks on a run resumed from the store and load the data of
 * its completed steps (hashes checked).  Steps that were running when the
 * process died and declare rerun = no become waits for confirmation. */
/* `changed` names the inputs given anew on resume: completed steps that
 * read them (also optionally), and everything after those, run again. */
int rg_durable_resume(rg_run *run, rg_store *st, const char *run_id, char *const *changed,
                      size_t nchanged, rg_errors *errs);
/* Record the end of the run. */
int rg_durable_finish(rg_run *run, int exit_status, rg_errors *errs);

#endif
