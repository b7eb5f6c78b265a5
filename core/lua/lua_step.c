/* lua_step.c - script steps: a sandboxed Lua 5.4 state per worker thread
 * (sandbox.h), scripts and modules compiled once and kept as registry
 * references, every step in globals of its own (nothing it leaves reaches
 * another step), run under its step's limits. */
#define _GNU_SOURCE
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "lua_api.h"
#include "decimal.h"
#include "exec.h"
#include "host.h"
#include "lua_step.h"
#include "sandbox.h"
#include "sha256.h"

#include <errno.h>
#include <stdint.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A step that took more than this leaves a new state behind it (see the
 * end of rg_lua_run). */
#define RENEW_AFTER ((size_t)4 * 1024 * 1024)

typedef struct script_entry {
    char *path;
    int ref; /* the compiled chunk, run anew by every step */
    int desc; /* the table its load returned (rg_lua_describe), or LUA_NOREF */
} script_entry;

/* A module a script loaded with require: compiled once per state, run anew
 * in every step that requires it. */
typedef struct module_entry {
    char *name; /* as required */
    char *path; /* the file found on the script path */
    char *real; /* its real path, for the run's definition */
    char sha[65]; /* of the text compiled */
    int ref; /* the compiled chunk in the state, LUA_NOREF when none */
    unsigned long step; /* the last step (R->serial) that loaded it */
} module_entry;
struct rg_lua {
    rg_sandbox *sb; /* the state, its memory and limits */
    char *script_path;
    script_entry *scripts;
    size_t nscripts;
    module_entry *modules; /* loaded through require, by this state or one it replaced */
    size_t nmodules;
    unsigned long serial; /* counts the steps (and loads of a script) */
    unsigned long step_modules; /* modules loaded in the current step */
    uint64_t seed; /* of math.random in the current step */
    int string_mt_own; /* the string metatable leads to a step's `string` */
};

static rg_lua *self_of(lua_State *L)
{
    return rg_sandbox_user(rg_sandbox_of(L));
}

static char *find_module(const char *script_path, const char *name)
{
    if (strstr(name, "..") || name[0] == '/' || name[0] == '.') {
        return NULL;
    }
    char *rel = rg_xstrdup(name);
    for (char *p = rel; *p; p++) {
        if (*p == '.') {
            *p = '/';
        }
    }
    char *file = rg_xasprintf("%s.lua", rel);
    char *found = rg_path_find(script_path, file);
    free(file);
    free(rel);
    return found;
}

/* ---- every step in an environment of its own ----
 * A state's own globals (the base) are never a script's: each step, and
 * each load of a script, gets new, empty globals that read through to the
 * base (env_index).  The first time a step reads a name it gets the base's
 * value, and a table (string, math, regie, ...) as a copy of its own, so
 * what a step sets or changes is gone for the next one.  The script's
 * chunk and its modules are compiled once per state and run anew in each
 * step's globals: nothing a step leaves in them, or in their upvalues,
 * reaches another step.  The metatables a script could reach and that
 * steps share (strings', lists', the writers') are hidden from
 * getmetatable, and a table cannot get a finalizer (it would run in
 * whichever later step collects it). */
static const char env_mt_key = 0;     /* the metatable of every step's globals */
static const char base_key = 0;       /* the base */
static const char loaded_key = 0;     /* the modules required in the step: name -> value */
static const char string_mt_key = 0;  /* the metatable of strings */
static const char string_lib_key = 0; /* the base's string table */
static const char sizes_key = 0;      /* the number of entries of each table a step copies */
static const char g_key = 0;          /* _G in the base: the step's globals themselves */

/* Push the compiled chunk of module `name` (compiled the first time this
 * state loads it), or raise an error. */
static module_entry *module_chunk(rg_lua *R, lua_State *L, const char *name)
{
    module_entry *m = NULL;
    for (size_t i = 0; i < R->nmodules && !m; i++) {
        if (strcmp(R->modules[i].name, name) == 0) {
            m = &R->modules[i];
        }
    }
    if (m && m->ref != LUA_NOREF) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, m->ref);
        return m;
    }
    char *path = m ? rg_xstrdup(m->path) : find_module(R->script_path, name);
    if (!path) {
        luaL_error(L, "module '%s' not found on the script path %s", name, R->script_path);
        return NULL;
    }
    size_t len;
    char *src = rg_read_file(path, &len);
    if (!src) {
        free(path);
        luaL_error(L, "cannot read module '%s'", name);
        return NULL;
    }
    char sha[65];
    rg_sha256_buf(src, len, sha);
    char *chunk = rg_xasprintf("@%s", path);
    int rc = luaL_loadbufferx(L, src, len, chunk, "t");
    free(chunk);
    free(src);
    /* listed once, also when a renewed state compiles it again */
    if (!m) {
        R->modules = rg_xrealloc(R->modules, (R->nmodules + 1) * sizeof *R->modules);
        m = &R->modules[R->nmodules++];
        memset(m, 0, sizeof *m);
        m->name = rg_xstrdup(name);
        m->path = path;
        char *real = realpath(path, NULL);
        m->real = real ? real : rg_xstrdup(path);
        m->ref = LUA_NOREF;
    } else {
        free(path);
    }
    memcpy(m->sha, sha, sizeof sha);
    if (rc != LUA_OK) {
        lua_error(L);
        return NULL;
    }
    lua_pushvalue(L, -1);
    m->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return m;
}

/* The value on the top kept as t[key] (t and key at their indices), and
 * returned: how require and a step's globals remember what they found. */
static int keep_as(lua_State *L, int t, int key)
{
    lua_pushvalue(L, key);
    lua_pushvalue(L, -2);
    lua_rawset(L, t);
    return 1;
}

/* require: `regie`, or a module from the script path, run once per step in
 * the step's globals. */
static int l_require(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    if (strcmp(name, "regie") == 0) {
        lua_getglobal(L, "regie");
        return 1;
    }
    lua_settop(L, 1);
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &loaded_key) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &loaded_key);
    }
    lua_pushvalue(L, 1);
    if (lua_rawget(L, 2) != LUA_TNIL) {
        return 1;
    }
    lua_pop(L, 1);
    rg_lua *R = self_of(L);
    module_entry *m = module_chunk(R, L, name);
    if (m->step != R->serial) {
        m->step = R->serial;
        R->step_modules++;
    }
    lua_pushglobaltable(L);
    if (!lua_setupvalue(L, -2, 1)) {
        lua_pop(L, 1);
    }
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    return keep_as(L, 2, 1);
}

/* print: into the step's log, as regie.log, never onto regie's own output
 * (which may be a document: `regie graph | dot`). */
static int l_print(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) {
            luaL_addchar(&b, '\t');
        }
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    const char *msg = lua_tostring(L, -1);
    regie_ctx *ctx = *rg_lua_ctx_slot(L);
    if (ctx) {
        rg_host.log(ctx, REGIE_LOG_INFO, "%s", msg);
    } else {
        fprintf(stderr, "%s\n", msg); /* while a script is loaded */
    }
    return 0;
}

/* A copy for one step of the table at `src`: its entries (a table among
 * them copied too, `depth` levels down) and its metatable. */
static void copy_table(lua_State *L, int src, int depth)
{
    src = lua_absindex(L, src);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &sizes_key);
    lua_pushvalue(L, src);
    lua_rawget(L, -2);
    int n = (int)lua_tointeger(L, -1);
    lua_pop(L, 2);
    lua_createtable(L, 0, n);
    int dst = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, src)) {
        if (depth > 0 && lua_type(L, -1) == LUA_TTABLE) {
            copy_table(L, -1, depth - 1);
            lua_replace(L, -2);
        }
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, dst);
    }
    if (lua_getmetatable(L, src)) {
        lua_setmetatable(L, dst);
    }
}

/* The entries of every table in the table at `t`, `depth` levels down,
 * into the table at `sizes` (see copy_table); their metatables hidden. */
static void count_tables(lua_State *L, int t, int sizes, int depth)
{
    lua_pushnil(L);
    while (lua_next(L, t)) {
        if (lua_type(L, -1) == LUA_TTABLE) {
            int v = lua_gettop(L);
            lua_Integer n = 0;
            lua_pushnil(L);
            while (lua_next(L, v)) {
                n++;
                lua_pop(L, 1);
            }
            lua_pushvalue(L, v);
            lua_pushinteger(L, n);
            lua_rawset(L, sizes);
            /* a copy shares the table's metatable (regie.decimal's __call,
             * say): hidden from getmetatable, so no step can change it */
            if (lua_getmetatable(L, v)) {
                lua_pushboolean(L, 0);
                lua_setfield(L, -2, "__metatable");
                lua_pop(L, 1);
            }
            if (depth > 0) {
                count_tables(L, v, sizes, depth - 1);
            }
        }
        lua_pop(L, 1);
    }
}

/* __index of a step's globals (upvalue: the base): a name's first read in
 * the step puts the base's value into the step's globals. */
static int env_index(lua_State *L)
{
    lua_settop(L, 2);
    lua_pushvalue(L, 2);
    int t = lua_rawget(L, lua_upvalueindex(1));
    if (t == LUA_TNIL) {
        return 1;
    }
    if (t == LUA_TLIGHTUSERDATA && lua_touserdata(L, 3) == (void *)&g_key) {
        lua_pushvalue(L, 1);
    } else if (t == LUA_TTABLE) {
        copy_table(L, 3, 2);
        const char *name = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "";
        rg_lua *R = self_of(L);
        if (strcmp(name, "string") == 0) {
            /* the methods of strings, ("x"):upper(), are the step's too */
            lua_rawgetp(L, LUA_REGISTRYINDEX, &string_mt_key);
            lua_pushvalue(L, -2);
            lua_setfield(L, -2, "__index");
            lua_pop(L, 1);
            R->string_mt_own = 1;
        } else if (strcmp(name, "math") == 0) {
            /* math.random: the same numbers for the same step (see step_seed) */
            lua_getfield(L, 3, "randomseed");
            lua_pushinteger(L, (lua_Integer)(R->seed & 0xffffffffu));
            lua_pushinteger(L, (lua_Integer)(R->seed >> 32));
            lua_call(L, 2, 0);
        }
    } else {
        lua_pushvalue(L, 3);
    }
    return keep_as(L, 1, 2);
}

/* The state's globals become the base of the steps' globals. */
static void seal_base(lua_State *L)
{
    lua_pushglobaltable(L);
    int g = lua_gettop(L);
    lua_pushvalue(L, g);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &base_key);
    lua_pushlightuserdata(L, (void *)&g_key);
    lua_setfield(L, g, "_G");
    /* it would hand out the metatable all lists share */
    lua_getfield(L, g, "regie");
    lua_pushnil(L);
    lua_setfield(L, -2, "list_mt");
    lua_pop(L, 1);
    lua_newtable(L);
    count_tables(L, g, lua_gettop(L), 2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &sizes_key);
    /* strings' metatable: getmetatable("") is false; its __index is the
     * base's string table, or the step's copy (see env_index) */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &string_mt_key);
    lua_getfield(L, -1, "__index");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &string_lib_key);
    lua_pop(L, 2);
    /* the metatables made with a name (lists', the writers'): false too */
    lua_pushnil(L);
    while (lua_next(L, LUA_REGISTRYINDEX)) {
        if (lua_type(L, -1) == LUA_TTABLE) {
            lua_pushliteral(L, "__name");
            if (lua_rawget(L, -2) == LUA_TSTRING) {
                lua_pushliteral(L, "__metatable");
                lua_pushboolean(L, 0);
                lua_rawset(L, -4);
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, g);
    lua_pushcclosure(L, env_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &env_mt_key);
    lua_pop(L, 1);
}

/* New, empty globals for a step (or a script's load), made the state's
 * globals; pushed. */
static void env_begin(rg_lua *R, lua_State *L)
{
    if (R->string_mt_own) {
        lua_rawgetp(L, LUA_REGISTRYINDEX, &string_mt_key);
        lua_rawgetp(L, LUA_REGISTRYINDEX, &string_lib_key);
        lua_setfield(L, -2, "__index");
        lua_pop(L, 1);
        R->string_mt_own = 0;
    }
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &loaded_key);
    lua_createtable(L, 0, 0);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &env_mt_key);
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
}

/* The step is over: its globals, and the values of the modules it loaded,
 * are no longer held (the script's chunk is at `chunk`). */
static void env_end(rg_lua *R, lua_State *L, int chunk)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &base_key);
    lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &loaded_key);
    lua_pushnil(L);
    if (!lua_setupvalue(L, chunk, 1)) {
        lua_pop(L, 1);
    }
    for (size_t i = 0; R->step_modules && i < R->nmodules; i++) {
        module_entry *m = &R->modules[i];
        if (m->step == R->serial && m->ref != LUA_NOREF) {
            lua_rawgeti(L, LUA_REGISTRYINDEX, m->ref);
            lua_pushnil(L);
            if (!lua_setupvalue(L, -2, 1)) {
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
        }
    }
}

/* A new state in the sandbox, with its standard library, regie's
 * require and print, and the regie module: 0, or -1 when there is no
 * memory for it. */
static int open_state(rg_lua *R)
{
    lua_State *L = rg_sandbox_open(R->sb);
    if (!L) {
        return -1;
    }
    /* Lua leaves the main thread's extra space as allocated: no step yet */
    *rg_lua_ctx_slot(L) = NULL;
    rg_sandbox_open_libs(L);
    lua_pushcfunction(L, l_require);
    lua_setglobal(L, "require");
    lua_pushcfunction(L, l_print);
    lua_setglobal(L, "print");
    rg_lua_open_regie(L);
    seal_base(L);
    /* records are many small, short-lived tables: the generational
     * collector suits them */
    lua_gc(L, LUA_GCGEN, 0, 0);
    return 0;
}

/* Drop the state and all it holds (see rg_sandbox_drop): the scripts and
 * modules it compiled are compiled again by the next. */
static void drop_state(rg_lua *R, int give_back)
{
    if (!rg_sandbox_state(R->sb)) {
        return;
    }
    rg_sandbox_drop(R->sb, give_back);
    R->string_mt_own = 0;
    for (size_t i = 0; i < R->nscripts; i++) {
        free(R->scripts[i].path);
    }
    free(R->scripts);
    R->scripts = NULL;
    R->nscripts = 0;
    for (size_t i = 0; i < R->nmodules; i++) {
        R->modules[i].ref = LUA_NOREF;
    }
}

/* The state, made again if a large step dropped it: 0, or -1 without
 * memory. */
static int have_state(rg_lua *R)
{
    return rg_sandbox_state(R->sb) || open_state(R) == 0 ? 0 : -1;
}

rg_lua *rg_lua_new(const char *script_path)
{
    rg_lua *R = rg_xcalloc(1, sizeof *R);
    R->script_path = rg_xstrdup(script_path ? script_path : "");
    R->sb = rg_sandbox_new(R);
    if (open_state(R) != 0) {
        rg_sandbox_free(R->sb);
        free(R->script_path);
        free(R);
        return NULL;
    }
    return R;
}

void rg_lua_free(rg_lua *R)
{
    if (!R) {
        return;
    }
    drop_state(R, 0);
    rg_sandbox_free(R->sb);
    for (size_t i = 0; i < R->nmodules; i++) {
        free(R->modules[i].name);
        free(R->modules[i].path);
        free(R->modules[i].real);
    }
    free(R->modules);
    free(R->script_path);
    free(R);
}

size_t rg_lua_memory(const rg_lua *R)
{
    return rg_sandbox_memory(R->sb);
}

size_t rg_lua_modules(rg_lua *R, char ***paths)
{
    char **v = rg_xcalloc(R->nmodules + 1, sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < R->nmodules; i++) {
        size_t k = 0;
        while (k < n && strcmp(v[k], R->modules[i].real) != 0) {
            k++;
        }
        if (k == n) {
            v[n++] = rg_xstrdup(R->modules[i].real);
        }
    }
    *paths = v;
    return n;
}

char *rg_lua_resolve(const char *script_path, const char *workflow_dir, const char *name)
{
    if (name[0] == '/') {
        return rg_file_exists(name) ? rg_xstrdup(name) : NULL;
    }
    if (workflow_dir) {
        char *p = rg_xasprintf("%s/%s", workflow_dir, name);
        if (rg_file_exists(p)) {
            return p;
        }
        free(p);
    }
    return rg_path_find(script_path, name);
}

static int msgh(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        msg = luaL_tolstring(L, 1, NULL);
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Push the script's compiled chunk (compiled once per state). Its index
 * in R->scripts, or -1 with a message. */
static long get_chunk(rg_lua *R, const char *file, char **err)
{
    lua_State *L = rg_sandbox_state(R->sb);
    for (size_t i = 0; i < R->nscripts; i++) {
        if (strcmp(R->scripts[i].path, file) == 0) {
            lua_rawgeti(L, LUA_REGISTRYINDEX, R->scripts[i].ref);
            return (long)i;
        }
    }
    size_t len;
    char *src = rg_read_file(file, &len);
    if (!src) {
        *err = rg_xasprintf("%s: cannot read: %s", file, strerror(errno));
        return -1;
    }
    char *chunk = rg_xasprintf("@%s", file);
    int rc = luaL_loadbufferx(L, src, len, chunk, "t");
    free(chunk);
    free(src);
    if (rc != LUA_OK) {
        *err = rg_xstrdup(lua_tostring(L, -1) ? lua_tostring(L, -1) : "error");
        lua_pop(L, 1);
        return -1;
    }
    lua_pushvalue(L, -1);
    int ref = luaL_ref(L, LUA_REGISTRYINDEX);
    R->scripts = rg_xrealloc(R->scripts, (R->nscripts + 1) * sizeof *R->scripts);
    R->scripts[R->nscripts].path = rg_xstrdup(file);
    R->scripts[R->nscripts].ref = ref;
    R->scripts[R->nscripts].desc = LUA_NOREF;
    return (long)R->nscripts++;
}

/* In protected mode: the chunk at 1 (of the script file named at 2) run in
 * new globals; its table pushed, 1, or nil and a message, 0. */
static int run_chunk(lua_State *L)
{
    const char *file = lua_tostring(L, 2);
    env_begin(self_of(L), L);
    if (!lua_setupvalue(L, 1, 1)) {
        lua_pop(L, 1);
    }
    lua_pushvalue(L, 1);
    lua_call(L, 0, 1);
    if (!lua_istable(L, -1)) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: the script must return a table { run = function(step) ... end }",
                        file);
        return 0;
    }
    lua_getfield(L, -1, "run");
    int ok = lua_isfunction(L, -1);
    lua_pop(L, 1);
    if (!ok) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: the returned table has no function `run`", file);
        return 0;
    }
    return 1;
}

/* lua_pcall'd for a script's load: its table, or nil and a message. */
static int load_main(lua_State *L)
{
    return run_chunk(L) ? 1 : 2;
}

/* The seed of math.random in a step: from its run (the run's id in the
 * store, else the workflow's name) and its name, so that the run, resumed,
 * draws the same numbers; a script's load seeds from the script's file. */
static uint64_t step_seed(const regie_ctx *ctx)
{
    const rg_run *run = ctx->run;
    const char *of = run ? (run->run_id ? run->run_id : run->wf && run->wf->name ? run->wf->name : "") : "";
    uint64_t h = rg_fnv1a(0xcbf29ce484222325ull, of);
    h = rg_fnv1a(h ^ 0xff, ctx->s && ctx->s->name ? ctx->s->name : "");
    return h;
}

/* The modules loaded in the step go with its context (into the run's
 * definition, see durable.c). */
static void modules_to_ctx(rg_lua *R, regie_ctx *ctx)
{
    if (!R->step_modules) {
        return;
    }
    rg_strv_free(ctx->modules, ctx->nmodules);
    rg_strv_free(ctx->module_shas, ctx->nmodules);
    ctx->modules = rg_xcalloc(R->step_modules + 1, sizeof *ctx->modules);
    ctx->module_shas = rg_xcalloc(R->step_modules + 1, sizeof *ctx->module_shas);
    ctx->nmodules = 0;
    for (size_t i = 0; i < R->nmodules && ctx->nmodules < R->step_modules; i++) {
        if (R->modules[i].step == R->serial) {
            ctx->modules[ctx->nmodules] = rg_xstrdup(R->modules[i].real);
            ctx->module_shas[ctx->nmodules++] = rg_xstrdup(R->modules[i].sha);
        }
    }
}

static const struct {
    const char *name;
    regie_param_type type;
} ptypes[] = { { "string", REGIE_PARAM_STRING }, { "integer", REGIE_PARAM_INT },
               { "number", REGIE_PARAM_NUM },    { "boolean", REGIE_PARAM_BOOL },
               { "date", REGIE_PARAM_DATE },     { "list", REGIE_PARAM_LIST },
               { NULL, 0 } };

static int cmp_param(const void *a, const void *b)
{
    return strcmp(((const regie_param *)a)->key, ((const regie_param *)b)->key);
}

/* t[name] without metamethods: no script code runs while a script's
 * declarations are read. */
static int raw_field(lua_State *L, int t, const char *name)
{
    lua_pushstring(L, name);
    return lua_rawget(L, t < 0 ? t - 1 : t);
}

int rg_lua_describe(rg_lua *R, const char *file, const rg_lua_limits *lim, rg_script_info *info,
                    rg_errors *errs)
{
    memset(info, 0, sizeof *info);
    if (have_state(R) != 0) {
        rg_err_add(errs, file, 0, "no memory for a Lua state");
        return -1;
    }
    lua_State *L = rg_sandbox_state(R->sb);
    int top = lua_gettop(L);
    char *err = NULL;
    rg_sandbox_setup(R->sb);
    long script = get_chunk(R, file, &err);
    if (script < 0) {
        rg_err_add(errs, NULL, 0, "%s", err);
        free(err);
        return -1;
    }
    int chunk = lua_gettop(L);
    lua_pushcfunction(L, msgh);
    int rc = LUA_OK;
    char *stop = NULL;
    if (R->scripts[script].desc != LUA_NOREF) {
        /* loaded for an earlier step */
        lua_rawgeti(L, LUA_REGISTRYINDEX, R->scripts[script].desc);
        lua_pushnil(L);
    } else {
        R->serial++;
        R->step_modules = 0;
        R->seed = rg_fnv1a(0xcbf29ce484222325ull, file);
        lua_pushcfunction(L, load_main);
        lua_pushvalue(L, chunk);
        lua_pushstring(L, file);
        /* the script's own code runs under the limits of its step */
        rg_sandbox_begin(R->sb, lim);
        rc = lua_pcall(L, 2, 2, chunk + 1);
        rg_sandbox_end(R->sb);
        rg_sandbox_profile_drop(R->sb); /* the profile is of steps */
        stop = rg_sandbox_stopped(R->sb, lim);
        if (!stop && rc == LUA_OK && !lua_isnil(L, -2)) {
            lua_pushvalue(L, -2);
            R->scripts[script].desc = luaL_ref(L, LUA_REGISTRYINDEX);
        }
    }
    if (stop) {
        rg_err_add(errs, NULL, 0, "%s: stopped while the script was loaded: %s", file, stop);
        free(stop);
        rc = -1;
    } else if (rc != LUA_OK || lua_isnil(L, -2)) {
        const char *m = lua_tostring(L, -1);
        rg_err_add(errs, NULL, 0, "%s", m ? m : "error in script");
        rc = -1;
    }
    if (rc != 0) {
        env_end(R, L, chunk);
        lua_settop(L, top);
        rg_sandbox_setup(R->sb);
        return -1;
    }
    int mod = lua_gettop(L) - 1;
    if (raw_field(L, mod, "summary") == LUA_TSTRING) {
        info->summary = rg_xstrdup(lua_tostring(L, -1));
    }
    lua_pop(L, 1);
    int t = raw_field(L, mod, "params");
    if (t == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
            if (!key || !lua_istable(L, -1)) {
                rg_err_add(errs, file, 0, "params: each entry must be name = { type = ..., ... }");
                rc = -1;
                lua_pop(L, 1);
                continue;
            }
            info->params = rg_xrealloc(info->params, (info->nparams + 2) * sizeof *info->params);
            regie_param *p = &info->params[info->nparams];
            memset(p, 0, sizeof *p);
            p->key = rg_xstrdup(key);
            p->type = REGIE_PARAM_STRING;
            if (raw_field(L, -1, "type") == LUA_TSTRING) {
                const char *ty = lua_tostring(L, -1);
                int found = 0;
                for (int i = 0; ptypes[i].name; i++) {
                    if (strcmp(ty, ptypes[i].name) == 0) {
                        p->type = ptypes[i].type;
                        found = 1;
                    }
                }
                if (!found) {
                    rg_err_add(errs, file, 0,
                               "params.%s: unknown type \"%s\" (expected string, integer, number, "
                               "boolean, date or list)",
                               key, ty);
                    rc = -1;
                }
            }
            lua_pop(L, 1);
            raw_field(L, -1, "required");
            p->required = lua_toboolean(L, -1);
            lua_pop(L, 1);
            int dt = raw_field(L, -1, "default");
            if (dt == LUA_TBOOLEAN) {
                p->def = rg_xstrdup(lua_toboolean(L, -1) ? "yes" : "no");
            } else if (dt == LUA_TSTRING || dt == LUA_TNUMBER) {
                p->def = rg_xstrdup(lua_tostring(L, -1)); /* a copy of the field's value */
            } else if (dt != LUA_TNIL) {
                rg_err_add(errs, file, 0, "params.%s: default must be a string, a number or a boolean",
                           key);
                rc = -1;
            }
            lua_pop(L, 1);
            if (raw_field(L, -1, "description") == LUA_TSTRING) {
                p->description = rg_xstrdup(lua_tostring(L, -1));
            }
            lua_pop(L, 1);
            info->nparams++;
            memset(&info->params[info->nparams], 0, sizeof(regie_param));
            lua_pop(L, 1);
        }
    } else if (t != LUA_TNIL) {
        rg_err_add(errs, file, 0, "params must be a table");
        rc = -1;
    }
    env_end(R, L, chunk);
    lua_settop(L, top);
    rg_sandbox_setup(R->sb);
    if (info->nparams) {
        qsort(info->params, info->nparams, sizeof *info->params, cmp_param);
    } else {
        info->params = rg_xcalloc(1, sizeof *info->params);
    }
    return rc;
}

void rg_script_info_free(rg_script_info *info)
{
    for (size_t i = 0; info->params && i < info->nparams; i++) {
        free((char *)info->params[i].key);
        free((char *)info->params[i].def);
        free((char *)info->params[i].description);
    }
    free(info->params);
    free(info->summary);
    memset(info, 0, sizeof *info);
}

static void push_param(lua_State *L, regie_ctx *ctx, const regie_param *p)
{
    const char *v = rg_host.param(ctx, p->key);
    if (!v) {
        lua_pushnil(L);
        return;
    }
    int64_t i;
    double d;
    int b;
    switch (p->type) {
    case REGIE_PARAM_INT:
        if (rg_parse_int(v, &i) == 0) {
            lua_pushinteger(L, (lua_Integer)i);
            return;
        }
        break;
    case REGIE_PARAM_NUM:
        if (rg_parse_decimal(v, '.', &d) == 0) {
            lua_pushnumber(L, d);
            return;
        }
        break;
    case REGIE_PARAM_BOOL:
        if (rg_parse_bool(v, &b) == 0) {
            lua_pushboolean(L, b);
            return;
        }
        break;
    case REGIE_PARAM_LIST: {
        char **parts;
        size_t n = rg_split(v, ',', &parts);
        lua_createtable(L, (int)n, 0);
        for (size_t k = 0; k < n; k++) {
            lua_pushstring(L, parts[k]);
            lua_rawseti(L, -2, (lua_Integer)k + 1);
        }
        rg_strv_free(parts, n);
        return;
    }
    default:
        break;
    }
    lua_pushstring(L, v);
}

/* lua_pcall'd for a step, under its limits: the script's chunk (at 1, its
 * file at 2) run in the step's globals, then the `step` table for its run
 * function (the context at 3): run and step, or nil and a message. */
static int step_main(lua_State *L)
{
    regie_ctx *ctx = lua_touserdata(L, 3);
    if (!run_chunk(L)) {
        return 2;
    }
    lua_getfield(L, -1, "run");
    /* step = { name = ..., attempt = n, params = { ... } } */
    lua_createtable(L, 0, 3);
    lua_pushstring(L, ctx->s && ctx->s->name ? ctx->s->name : "");
    lua_setfield(L, -2, "name");
    int attempt = ctx->run && ctx->step < ctx->run->wf->nsteps ? ctx->run->state[ctx->step].attempts : 1;
    lua_pushinteger(L, attempt > 0 ? attempt : 1);
    lua_setfield(L, -2, "attempt");
    lua_newtable(L);
    for (const regie_param *p = ctx->s ? ctx->s->ptable : NULL; p && p->key; p++) {
        push_param(L, ctx, p);
        lua_setfield(L, -2, p->key);
    }
    lua_setfield(L, -2, "params");
    return 2;
}

int rg_lua_run(rg_lua *R, const char *file, regie_ctx *ctx, const rg_lua_limits *lim)
{
    if (have_state(R) != 0) {
        rg_host.fail(ctx, "%s: no memory for a Lua state", file);
        return -1;
    }
    lua_State *L = rg_sandbox_state(R->sb);
    int base = lua_gettop(L);
    char *err = NULL;
    /* compiling the script may take more than what the state holds */
    rg_sandbox_setup(R->sb);
    if (get_chunk(R, file, &err) < 0) {
        rg_host.fail(ctx, "%s", err);
        free(err);
        return -1;
    }
    int chunk = lua_gettop(L);
    R->serial++;
    R->step_modules = 0;
    R->seed = step_seed(ctx);
    *rg_lua_ctx_slot(L) = ctx;
    rg_lua_reset_inputs(L);
    lua_pushcfunction(L, msgh);
    lua_pushcfunction(L, step_main);
    lua_pushvalue(L, chunk);
    lua_pushstring(L, file);
    lua_pushlightuserdata(L, ctx);
    if (rg_sandbox_profiling(R->sb)) {
        rg_sandbox_profile_start(R->sb);
    }
    size_t base_used = rg_sandbox_memory(R->sb);
    /* the script's top level and its run function, under the limits */
    rg_sandbox_begin(R->sb, lim);
    int rc = lua_pcall(L, 3, 2, chunk + 1);
    int shaped = rc == LUA_OK && !lua_isnil(L, -2);
    if (shaped) {
        rc = lua_pcall(L, 1, 0, chunk + 1);
    }
    rg_sandbox_end(R->sb);
    if (rg_sandbox_profiling(R->sb)) {
        rg_sandbox_profile_report(R->sb, ctx->s && ctx->s->name ? ctx->s->name : "?", ctx->input_seconds, base_used);
    }
    int result = 0;
    char *stop = rg_sandbox_stopped(R->sb, lim);
    if (stop) {
        rg_host.fail(ctx, "%s: stopped: %s", file, stop);
        free(stop);
        result = -1;
    } else if (rc != LUA_OK || !shaped) {
        const char *m = lua_tostring(L, -1);
        rg_host.fail(ctx, "%s", m ? m : "error in script");
        result = -1;
    } else if (ctx->data_errors) {
        result = -1;
    }
    /* C code polling the limits between steps finds none */
    rg_sandbox_disarm(R->sb);
    rg_lua_end_writers(L, ctx, result == 0);
    *rg_lua_ctx_slot(L) = NULL;
    modules_to_ctx(R, ctx);
    env_end(R, L, chunk);
    lua_settop(L, base);
    rg_lua_reset_inputs(L);
    /* What the step made is garbage now.  When that is much, the state
     * is dropped (the next step makes a new one, see have_state): the
     * memory goes back at once, before the next step of this thread builds
     * its own (peak memory is one step's), and without the full collection
     * that would visit every object to free it (a tenth of a second after a
     * step of 100 MB).  The next step compiles its script again, about a
     * millisecond.  A small step's garbage is left to the collector. */
    if (rg_sandbox_peak(R->sb) - base_used > RENEW_AFTER) {
        drop_state(R, 1);
    }
    rg_sandbox_setup(R->sb);
    return result;
}
