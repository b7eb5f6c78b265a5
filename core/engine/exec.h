/* exec.h - runs: loading a run's inputs and executing its DAG (exec.c). */
#ifndef REGIE_EXEC_H
#define REGIE_EXEC_H

#include "util.h"
#include "value.h"
#include "workflow.h"

#include <pthread.h>

/* Exit statuses of the CLI (documented in README and `regie --help`). */
enum {
    RG_EXIT_OK = 0,
    RG_EXIT_FAILED = 1,  /* a step failed */
    RG_EXIT_INVALID = 2, /* invalid workflow or input: nothing ran */
    RG_EXIT_WAITING = 3, /* the run waits for a person or a date */
    RG_EXIT_USAGE = 64
};

typedef enum {
    RG_ST_PENDING = 0,
    RG_ST_RUNNING,
    RG_ST_DONE,
    RG_ST_FAILED,
    RG_ST_SKIPPED,   /* `when` false, or an optional producer did not run */
    RG_ST_NOT_RUN,   /* not run: something it depends on failed */
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
    char *outdir_abs; /* outdir as an absolute path (host->output_dir) */
    int jobs;
    rg_datum *data; /* per data index */
    rg_step_state *state; /* per step */
    pthread_mutex_t mu;
    const rg_observer *obs;
    rg_errors input_errors; /* from loading inputs */
    void *store;            /* run store (store.h) or NULL */
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
    /* The SHA-256 (hex, malloc'd) of the latest entry of the run's audit
     * log as it is now, or NULL (no store, no entry yet, an error): for
     * scripts that tie a document to the trail (regie.run_info).  Called
     * from the worker threads. */
    char *(*audit_head)(const rg_run *run);
    /* The date (YYYY-MM-DD, malloc'd) timer waits compare with (--today,
     * REGIE_TODAY or the clock), or NULL when no one set the hook: for
     * scripts that must know whether a date wait will hold
     * (regie.run_info).  Called from the worker threads. */
    char *(*today)(const rg_run *run);
    /* The step journal (host->journal_put, journal_get) of step s, kept
     * with the run (durable.c: in the store): put returns 0 once the record
     * is committed, or -1 with *err (malloc'd); get returns 1 with *value
     * (malloc'd), 0 when there is no record, -1 with *err.  NULL when no
     * one set them: the host then keeps the records in the step's context
     * (they last as long as the process).  Called from the worker threads. */
    int (*journal_put)(rg_run *run, size_t step, const char *key, const char *value,
                       char **err);
    int (*journal_get)(rg_run *run, size_t step, const char *key, char **value, char **err);
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
/* The run's case as its workflow's `case =` names it (the input's value,
 * or the key of an INI input), read from the loaded inputs; NULL when the
 * workflow names none or the input lacks it.  Caller frees. */
char *rg_run_case(const rg_run *run);

#endif /* REGIE_EXEC_H */
