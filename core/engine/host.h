/* host.h - the host table handed to plugins and used by the Lua module,
 * and step contexts (host.c). */
#ifndef REGIE_HOST_H
#define REGIE_HOST_H

#include "map.h"
#include "util.h"
#include "value.h"
#include "workflow.h"

extern const regie_host rg_host;

struct rg_run;

struct regie_ctx {
    struct rg_run *run;
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
    char *outdir_abs; /* outside a run: outdir made absolute (host->output_dir) */
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
    rg_datum *standalone_data; /* for rg_test_ctx_new (tests/mockhost.c) */
    char **standalone_names;
    size_t nstandalone;
    /* set in the child of an isolated step (isolate.c): its log lines and
     * progress go to the parent through relay_log and relay_progress */
    struct rg_isolated *isolated;
    void (*relay_log)(regie_ctx *ctx, int level, const char *msg);
    void (*relay_progress)(regie_ctx *ctx, double fraction);
    /* a reader's context (readers.c): the sheet its cells go to */
    struct rg_sheet *sheet;
    /* the step journal there: the parent keeps the records (isolate.c);
     * put: 0 or -1, get: 1 with *value (malloc'd), 0 none, -1; the step's
     * error is set on -1 */
    int (*relay_journal_put)(regie_ctx *ctx, const char *key, const char *value);
    int (*relay_journal_get)(regie_ctx *ctx, const char *key, char **value);
    /* the step journal of a context without a run (tests/mockhost.c) */
    char **journal_keys;
    char **journal_values;
    size_t njournal;
};

void rg_ctx_init(regie_ctx *ctx, struct rg_run *run, size_t step);
/* The CSV dialect of the step's run (the standard one outside a run). */
const rg_csv_dialect *rg_ctx_csv(const regie_ctx *ctx);
void rg_ctx_reset(regie_ctx *ctx);

/* Note relpath among the files the step wrote (a file written in the
 * child of an isolated step, told to the parent). */
void rg_ctx_note_written(regie_ctx *ctx, const char *relpath);

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

/* The step journal of a context without a run, kept in the context:
 * records set (replacing one of the same key) and freed. */
void rg_ctx_journal_set(regie_ctx *ctx, const char *key, const char *value);
void rg_ctx_journal_free(regie_ctx *ctx);

#endif /* REGIE_HOST_H */
