/*
 * sandbox.h - the Lua sandbox every script runs in: a state with an
 * allocator of its own, the standard library as scripts may use it, and
 * per-step limits on instructions, wall time and memory that a script's
 * own pcall cannot escape; REGIE_PROFILE's profiler rides on the same hook.
 *
 * sandbox.c holds the state, its allocator, the limits and the profiler;
 * sandbox_lib.c the standard library (what reaches outside the step
 * blocked, what can run long in C made to stop at the step's deadline).
 * Script steps (lua_step.c) and the `regie` module (lua_api.c, api_*.c)
 * are built on it; it calls neither.
 */
#ifndef REGIE_SANDBOX_H
#define REGIE_SANDBOX_H

#include "conf.h" /* rg_lua_limits */

#include <lua.h>
#include <stddef.h>

typedef struct rg_sandbox rg_sandbox;

/* A sandbox without a state yet; `user` is given back by rg_sandbox_user.
 * REGIE_PROFILE set (and not "0") in the environment turns the profiler
 * on. */
rg_sandbox *rg_sandbox_new(void *user);
/* The state dropped, the watchdog told to go. */
void rg_sandbox_free(rg_sandbox *S);
void *rg_sandbox_user(const rg_sandbox *S);
/* The sandbox of a state it made. */
rg_sandbox *rg_sandbox_of(lua_State *L);

/* A new state, with no library yet (see rg_sandbox_open_libs), made the
 * sandbox's; NULL when there is no memory for it.  No step runs: as for
 * rg_sandbox_setup. */
lua_State *rg_sandbox_open(rg_sandbox *S);
/* The sandbox's state, NULL when it has none. */
lua_State *rg_sandbox_state(const rg_sandbox *S);
/* Drop the state and all it holds (rg_sandbox_open makes a new one).
 * With `give_back`, the free memory of the process goes back to the
 * system. */
void rg_sandbox_drop(rg_sandbox *S, int give_back);

/* Bytes the state holds now. */
size_t rg_sandbox_memory(const rg_sandbox *S);
/* Most bytes it held since the current step began. */
size_t rg_sandbox_peak(const rg_sandbox *S);
/* Outside a step: compiling a script or setting up may take a fixed
 * amount of memory beyond what the state holds now. */
void rg_sandbox_setup(rg_sandbox *S);

/* A step (or a script's load) begins under `lim` (NULL: none): its
 * instructions are counted and its deadline is watched. */
void rg_sandbox_begin(rg_sandbox *S, const rg_lua_limits *lim);
/* It has ended: no limit from here on (what the step still holds may be
 * above any limit until it is collected). */
void rg_sandbox_end(rg_sandbox *S);
/* Why a limit stopped the step that ended, or NULL.  Caller frees. */
char *rg_sandbox_stopped(const rg_sandbox *S, const rg_lua_limits *lim);
/* C code polling the limits between steps finds none. */
void rg_sandbox_disarm(rg_sandbox *S);

/* REGIE_PROFILE: whether it is on; a step's samples begin now; they are
 * reported on stderr as the profile of step `step` (input_seconds of it
 * spent reading inputs, `base` the bytes held when it began) or dropped. */
int rg_sandbox_profiling(const rg_sandbox *S);
void rg_sandbox_profile_start(rg_sandbox *S);
void rg_sandbox_profile_report(rg_sandbox *S, const char *step, double input_seconds, size_t base);
void rg_sandbox_profile_drop(rg_sandbox *S);

/* coroutine.resume for the sandbox (sandbox_lib.c): resume co with the
 * narg values on top of L; the number of its results moved onto L, or -1
 * with its error on top of L.  The coroutine runs under the limits of the
 * thread resuming it. */
int rg_sandbox_resume(lua_State *L, lua_State *co, int narg);

/* Open the standard library of the sandbox in L (sandbox_lib.c): base,
 * string, table, math, utf8, coroutine and os as Lua's own, but without
 * what reaches outside the step (io, package, debug, dofile, loadfile,
 * binary chunks, os.execute ...: a clear "blocked" error), collectgarbage
 * without what changes the collector, setmetatable without finalizers,
 * and string.find, match, gmatch, gsub, rep, format and table.concat,
 * insert, remove, move, sort stopped at the step's deadline. */
void rg_sandbox_open_libs(lua_State *L);

/* Inside a step, C code that may run long calls this now and then: it
 * raises the step's limit error once the deadline has passed (the count
 * hook that stops Lua code cannot run while C code runs). */
void rg_lua_check_time(lua_State *L);
/* The step's memory limit error when `bytes` more (taken outside the
 * state's allocator) would not fit under it. */
void rg_lua_check_room(lua_State *L, size_t bytes);
/* `bytes` more taken outside the state's allocator for what the step hands
 * over (its output tables): counted against the step's memory limit until
 * the step ends; the limit's error when they do not fit. */
void rg_lua_charge(lua_State *L, size_t bytes);
/* REGIE_PROFILE: called from a C function before and after long work (an
 * input handed over), so that its time goes to the line that called it,
 * not to a line sampled later. */
void rg_lua_prof_mark(lua_State *L);

#endif
