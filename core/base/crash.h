/*
 * crash.h - what regie says when a step ends the whole process.
 *
 * A C plugin runs inside regie (unless `isolate = process`): if it crashes,
 * or calls exit(), the process ends in the middle of the run.  The CLI
 * installs, for `run` and `resume`, a handler of the fatal signals and an
 * exit check; both name the steps running at that moment (from slots the
 * workers fill before calling a step) and the run to resume, then the
 * process ends: by the same signal (status 128+N, a core dump is possible)
 * or with RG_EXIT_ENDED after an exit() in the middle of a run.
 * Also the crash injection points of the durability tests.
 */
#ifndef REGIE_CRASH_H
#define REGIE_CRASH_H

/* Exit status of a process ended by exit() while a step ran (EX_SOFTWARE;
 * documented in README and `regie --help`). */
#define RG_EXIT_ENDED 70

/* Install the handler (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT; on an
 * alternate stack) and the exit check, once per process.  Until then the
 * functions below do nothing: the library used by others keeps its
 * process's signal dispositions. */
void rg_crash_install(void);
/* The run being executed (NULL: none, or not recorded), named in the
 * message as `regie resume RUN`.  Copied. */
void rg_crash_set_run(const char *run_id);

/* A worker thread: its slot (-1: none) and alternate signal stack. */
typedef struct rg_crash_worker {
    int slot;
    void *stack;
} rg_crash_worker;
/* Called on the worker's own thread before its first step, and after its
 * last. */
void rg_crash_worker_enter(rg_crash_worker *w);
void rg_crash_worker_leave(rg_crash_worker *w);
/* Step NAME runs on this worker now: KIND is "plugin" or "script", DETAIL
 * the plugin's name or the script.  The strings must stay until
 * rg_crash_step_end. */
void rg_crash_step_begin(const rg_crash_worker *w, const char *name, const char *kind,
                         const char *detail);
void rg_crash_step_end(const rg_crash_worker *w);

/* Crash injection for the durability tests (doc/store.md, test_resume.c):
 * when the environment variable REGIE_TEST_KILL_AT names this point
 * ("POINT" or "POINT:STEP"), the process kills itself with SIGKILL there,
 * as a crash would.  Points: after-input-commit, mid-write:STEP (a data
 * file half written), before-commit:STEP, after-commit:STEP,
 * after-reuse:STEP.  REGIE_TEST_STOP_AT stops the process (SIGSTOP) at
 * such a point instead (not mid-write). */
void rg_kill_point(const char *point, const char *step);
/* Only whether REGIE_TEST_KILL_AT names the point (the caller kills). */
int rg_kill_point_named(const char *point, const char *step);
#endif
