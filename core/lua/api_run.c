/* api_run.c - what a script may know of the run it is part of:
 * regie.run_info. */
#define _GNU_SOURCE
#include "api.h"
#include "exec.h"

#include <lauxlib.h>
#include <stdlib.h>

/* regie.run_info(): { id = RUN_ID, audit_head = HEX, today = DATE }, each
 * nil when there is none: no run store (--no-store), a step run alone
 * (tests), or a log without an entry.  today is the date the run's timer
 * waits compare with (--today, REGIE_TODAY or the clock).  audit_head is the SHA-256 of the latest entry of the
 * run's audit log at the moment of the call, the value `regie log RUN` shows
 * (shortened) in its HASH column; the store reads it through the run's hook
 * (the store sits above this layer). */
int rg_api_run_info(lua_State *L)
{
    regie_ctx *ctx = rg_lua_step_ctx(L);
    const rg_run *run = ctx->run;
    /* (frees the head when an error unwinds past it, or on return) */
    rg_lua_owned *o = rg_lua_owned_new(L);
    if (run && run->run_id && run->audit_head) {
        o->mem = run->audit_head(run);
    }
    if (run && run->today) {
        char *today = run->today(run);
        lua_pushstring(L, today);
        free(today);
    } else {
        lua_pushnil(L);
    }
    lua_createtable(L, 0, 3);
    lua_insert(L, -2);
    lua_setfield(L, -2, "today");
    if (run && run->run_id) {
        lua_pushstring(L, run->run_id);
        lua_setfield(L, -2, "id");
    }
    if (o->mem) {
        lua_pushstring(L, o->mem);
        lua_setfield(L, -2, "audit_head");
    }
    return 1;
}
