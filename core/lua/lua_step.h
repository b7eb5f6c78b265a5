/*
 * lua_step.h - Lua 5.4 script steps, run in the sandbox (sandbox.h) with the
 * `regie` module (lua_api.h).
 *
 * One rg_lua per worker thread (a lua_State is not shared).  A script is a
 * text chunk (mode "t", named "@path") that returns a table:
 *
 *   return {
 *     summary = "one line",
 *     params = { max_rate = { type = "number", required = true,
 *                             default = "120", description = "..." }, ... },
 *     run = function(step) ... end,
 *   }
 *
 * The chunk is compiled once per state and run at the start of every step
 * execution (and once when a workflow is loaded, for its declarations),
 * then `run` is called.  `step` is a table
 * { name = <step name>, attempt = <1 first, 2 its first retry, ...>,
 * params = { typed parameter values } }.
 */
#ifndef REGIE_LUA_STEP_H
#define REGIE_LUA_STEP_H

#include "conf.h" /* rg_lua_limits */
#include "util.h"
#include "value.h"

typedef struct rg_lua rg_lua;

/* What a script declares: parameters (type is a regie_param_type). */
typedef struct rg_script_info {
    regie_param *params; /* ends in {0}; strings owned */
    size_t nparams;
    char *summary;
} rg_script_info;

/* script_path: ':'-separated directories searched by `require` (modules
 * only from there) and for relative script names. */
rg_lua *rg_lua_new(const char *script_path);
void rg_lua_free(rg_lua *L);
/* Resolve a script name as a workflow gives it (absolute, relative to the
 * workflow file's directory, or on the script path).  Caller frees. */
char *rg_lua_resolve(const char *script_path, const char *workflow_dir, const char *name);
/* Compile (cached) and load, then report declared params.  The script's
 * top-level code runs under `lim` (NULL: none), as it does in a step.
 * Compile errors go to errs as "script.lua:LINE: message". */
int rg_lua_describe(rg_lua *L, const char *script_file, const rg_lua_limits *lim,
                    rg_script_info *info, rg_errors *errs);
void rg_script_info_free(rg_script_info *info);
/* Files (real paths) of the Lua modules this state has loaded with
 * require (caller frees the vector with rg_strv_free). */
size_t rg_lua_modules(rg_lua *L, char ***paths);
/* Bytes the state holds now. */
size_t rg_lua_memory(const rg_lua *L);
/* Run the script for one step: its top-level code, then its `run`, in
 * globals of the step's own (nothing a step sets or changes in them, in the
 * standard tables or in its modules reaches a later step), under `lim`.
 * On failure the message (with script.lua:LINE and a traceback) is given
 * to rg_host.fail(ctx, ...).  The modules the step loaded are listed in
 * ctx->modules.  A step that used much memory leaves a new state behind
 * it: its memory goes back at once. */
int rg_lua_run(rg_lua *L, const char *script_file, regie_ctx *ctx, const rg_lua_limits *lim);

#endif
