/* lua_api.h - the `regie` module for scripts (lua_api.c and its topics,
 * api_*.c), as script steps (lua_step.c) use it. */
#ifndef REGIE_LUA_API_H
#define REGIE_LUA_API_H

#include "regie.h"

#include <lua.h>

/* The step context of the running script, kept in the state's extra space. */
regie_ctx **rg_lua_ctx_slot(lua_State *L);
/* Register `regie` (global and for require) with null and list metatable. */
void rg_lua_open_regie(lua_State *L);
/* The data model (api_data.c): push a value / a datum (tables become
 * sequences of records). */
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

#endif
