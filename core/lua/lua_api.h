/* lua_api.h - the `regie` module for scripts and C<->Lua data conversion. */
#ifndef REGIE_LUA_API_H
#define REGIE_LUA_API_H

#include "engine.h"

#include <lua.h>

/* The step context of the running script, kept in the state's extra space. */
regie_ctx **rg_lua_ctx_slot(lua_State *L);
/* Register `regie` (global and for require) with null and list metatable. */
void rg_lua_open_regie(lua_State *L);
/* Push a value / a datum (tables become sequences of records). */
void rg_lua_push_value(lua_State *L, const regie_value *v);
void rg_lua_push_table(lua_State *L, const regie_table *t);
/* Convert the Lua value at idx; storage for strings/lists goes to owner.
 * Returns NULL or an error text (static). */
const char *rg_lua_to_value(lua_State *L, int idx, regie_table *owner, regie_value *out);
/* Clear the per-run cache of converted inputs. */
void rg_lua_reset_inputs(lua_State *L);
/* At the end of a step: the files of writers (regie.file,
 * regie.csv.writer) it did not close are removed unfinished; a step that
 * succeeded gets a warning naming each. */
void rg_lua_end_writers(lua_State *L, regie_ctx *ctx, int succeeded);
/* REGIE_PROFILE: called from a C function before and after long work (an
 * input handed over), so that its time goes to the line that called it,
 * not to a line sampled later (lua_step.c). */
void rg_lua_prof_mark(lua_State *L);
/* Push the regie.decimal module (lua_decimal.c). */
void rg_lua_open_decimal(lua_State *L);
/* The regie.decimal at idx, or NULL; push a new one. */
struct rg_rat;
struct rg_rat *rg_lua_test_decimal(lua_State *L, int idx);
void rg_lua_push_decimal(lua_State *L, struct rg_rat r);
/* Inside a step, C code that may run long calls this now and then: it
 * raises the step's limit error once the deadline has passed (the count
 * hook that stops Lua code cannot run while C code runs; lua_step.c). */
void rg_lua_check_time(lua_State *L);
/* The step's memory limit error when `bytes` more (taken outside the
 * state's allocator) would not fit under it. */
void rg_lua_check_room(lua_State *L, size_t bytes);
/* `bytes` more taken outside the state's allocator for what the step hands
 * over (its output tables): counted against the step's memory limit until
 * the step ends; the limit's error when they do not fit. */
void rg_lua_charge(lua_State *L, size_t bytes);
/* string.find, match, gmatch, gsub, rep, format and table.concat, insert,
 * remove, move, sort as Lua's own, but stopped at the step's deadline
 * (lua_limits.c). */
void rg_lua_open_limits(lua_State *L);
/* regie.order(columns [, directions]) (lua_order.c). */
int rg_lua_order(lua_State *L);
/* regie.csv.field(text) (lua_csv_field.c). */
int rg_lua_csv_field(lua_State *L);

#endif
