/* api_log.c - a step's log and its errors: regie.log, info, warn, debug,
 * progress, fail and data_error. */
#define _GNU_SOURCE
#include "api.h"

#include <lauxlib.h>
#include <string.h>

static int log_at(lua_State *L, int level)
{
    regie_ctx *ctx = rg_lua_step_ctx(L);
    const char *msg = luaL_tolstring(L, 1, NULL);
    rg_host.log(ctx, level, "%s", msg);
    return 0;
}

int rg_api_info(lua_State *L)
{
    return log_at(L, REGIE_LOG_INFO);
}
int rg_api_warn(lua_State *L)
{
    return log_at(L, REGIE_LOG_WARN);
}
int rg_api_debug(lua_State *L)
{
    return log_at(L, REGIE_LOG_DEBUG);
}

int rg_api_progress(lua_State *L)
{
    rg_host.progress(rg_lua_step_ctx(L), luaL_checknumber(L, 1));
    return 0;
}

int rg_api_fail(lua_State *L)
{
    luaL_where(L, 1);
    lua_pushstring(L, luaL_checkstring(L, 1));
    lua_concat(L, 2);
    return lua_error(L);
}

int rg_api_data_error(lua_State *L)
{
    regie_ctx *ctx = rg_lua_step_ctx(L);
    const char *file = luaL_optstring(L, 1, "input");
    lua_Integer line = luaL_optinteger(L, 2, 0);
    const char *col = luaL_optstring(L, 3, NULL);
    const char *found = lua_isnoneornil(L, 4) ? NULL : luaL_tolstring(L, 4, NULL);
    const char *exp = luaL_optstring(L, 5, NULL);
    rg_host.data_error(ctx, file, (long)line, col, found, exp);
    return 0;
}
