/* api_plugin.c - the Lua functions of C plugins (ABI 2):
 * regie.plugin.PLUGIN.NAME(...), PLUGIN the plugin's name with '-' as '_'.
 *
 * regie.plugin and each regie.plugin.PLUGIN are empty tables whose
 * __index makes what is asked for; the plugin and its function are looked
 * up when called, among the plugins the running step's workflow was bound
 * with (a script's top-level code may keep a function for later).  The
 * arguments are values of the data model (api_data.c: nil, booleans,
 * integers, numbers, strings, lists; no records), the result comes back
 * the same way; the plugin's failure (host->fail) is raised as a Lua
 * error with its message, and is not the step's error unless the script
 * lets it be. */
#define _GNU_SOURCE
#include "api.h"
#include "exec.h"
#include "plugin.h"

#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 64

/* The loaded plugins of the running step's run, or an error. */
static rg_plugins *step_plugins(lua_State *L, regie_ctx *ctx)
{
    rg_plugins *ps = ctx->run && ctx->run->wf ? ctx->run->wf->plugins : NULL;
    if (!ps) {
        luaL_error(L, "regie.plugin: no plugins are loaded for this step");
    }
    return ps;
}

/* Upvalues: the plugin's Lua name, the function's name. */
static int call_fn(lua_State *L)
{
    const char *pname = lua_tostring(L, lua_upvalueindex(1));
    const char *fname = lua_tostring(L, lua_upvalueindex(2));
    regie_ctx *ctx = rg_lua_step_ctx(L);
    rg_plugins *ps = step_plugins(L, ctx);
    rg_plugin *p = rg_plugin_find_lua(ps, pname);
    if (!p || !p->nlua) {
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (size_t i = 0; i < ps->n; i++) {
            if (ps->v[i].nlua) {
                if (luaL_bufflen(&b)) {
                    luaL_addstring(&b, ", ");
                }
                for (const char *c = ps->v[i].desc->name; *c; c++) {
                    luaL_addchar(&b, *c == '-' ? '_' : *c);
                }
            }
        }
        if (!luaL_bufflen(&b)) {
            luaL_addstring(&b, "none");
        }
        luaL_pushresult(&b);
        return luaL_error(L, "regie.plugin.%s: %s (plugins with Lua functions: %s)", pname,
                          p ? "this plugin has no Lua functions" : "no such plugin is loaded",
                          lua_tostring(L, -1));
    }
    const regie_lua_fn *f = rg_plugin_lua_fn(p, fname);
    if (!f) {
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (size_t i = 0; i < p->nlua; i++) {
            if (i) {
                luaL_addstring(&b, ", ");
            }
            luaL_addstring(&b, p->lua[i].name);
        }
        luaL_pushresult(&b);
        return luaL_error(L, "regie.plugin.%s.%s: no such function (its functions: %s)", pname,
                          fname, lua_tostring(L, -1));
    }
    int nargs = lua_gettop(L);
    if (nargs > MAX_ARGS) {
        return luaL_error(L, "regie.plugin.%s.%s: more than %d arguments", pname, fname,
                          MAX_ARGS);
    }
    /* the arguments' strings and lists, freed however this ends */
    rg_lua_owned *o = rg_lua_owned_new(L);
    o->t = rg_table_new(0, NULL);
    regie_value args[MAX_ARGS];
    for (int i = 0; i < nargs; i++) {
        const char *err = rg_lua_to_value(L, i + 1, o->t, &args[i]);
        if (err) {
            return luaL_error(L, "regie.plugin.%s.%s: argument %d: %s", pname, fname, i + 1, err);
        }
    }
    rg_errors errs = { 0 };
    if (rg_plugin_init(p, &rg_host, &errs) != 0) {
        lua_pushstring(L, errs.n ? errs.msg[0] : "the plugin could not be initialised");
        rg_err_free(&errs);
        return luaL_error(L, "regie.plugin.%s.%s: %s", pname, fname, lua_tostring(L, -1));
    }
    rg_err_free(&errs);
    /* the plugin's message is the Lua error's, not (yet) the step's */
    char *before = ctx->error;
    ctx->error = NULL;
    regie_value result = { REGIE_NULL, { 0 } };
    int rc = f->fn(&rg_host, ctx, p->state, args, (size_t)nargs, &result);
    char *msg = ctx->error;
    ctx->error = before;
    if (rc != 0) {
        lua_pushstring(L, msg ? msg : "failed (the plugin gave no reason)");
        free(msg);
        return luaL_error(L, "regie.plugin.%s.%s: %s", pname, fname, lua_tostring(L, -1));
    }
    free(msg);
    rg_lua_push_value(L, &result);
    return 1;
}

/* __index of regie.plugin.PLUGIN (upvalue: PLUGIN): its function NAME. */
static int plugin_index(lua_State *L)
{
    luaL_checkstring(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, call_fn, 2);
    return 1;
}

/* __index of regie.plugin: the table of PLUGIN's functions, kept in the
 * step's own copy of regie.plugin. */
static int plugins_index(lua_State *L)
{
    luaL_checkstring(L, 2);
    lua_createtable(L, 0, 0);
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, plugin_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, -2);
    lua_rawset(L, 1);
    return 1;
}

void rg_lua_open_plugins(lua_State *L)
{
    lua_createtable(L, 0, 0);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, plugins_index);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
}
