/* api_outputs.c - what a step hands over: regie.output and
 * regie.output_writer. */
#define _GNU_SOURCE
#include "api.h"

#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

static const char out_writers_key = 0; /* regie.output_writer not yet closed */

/* What table t, made for the step to hand over, has taken from malloc
 * since *charged: counted against the step's memory limit (the C copy of
 * the records is memory the step uses as much as its Lua data). */
static void charge_table(lua_State *L, const regie_table *t, size_t *charged)
{
    if (t->bytes > *charged) {
        size_t more = t->bytes - *charged;
        *charged = t->bytes;
        rg_lua_charge(L, more);
    }
}

int rg_api_output(lua_State *L)
{
    regie_ctx *ctx = rg_lua_step_ctx(L);
    const char *name = luaL_checkstring(L, 1);
    int as_table = lua_gettop(L) >= 3 && !lua_isnil(L, 3);
    if (!as_table && lua_type(L, 2) == LUA_TTABLE && !rg_lua_has_list_mt(L, 2)) {
        /* rows.columns, when it is there, as the third argument */
        lua_settop(L, 2);
        lua_getfield(L, 2, "columns");
        as_table = lua_type(L, 3) == LUA_TTABLE;
    }
    if (!as_table) {
        lua_settop(L, 2);
        rg_lua_owned *o = rg_lua_owned_new(L);
        o->t = rg_table_new(0, NULL);
        regie_value v;
        const char *err = rg_lua_to_value(L, 2, o->t, &v);
        if (err) {
            return luaL_error(L, "regie.output(\"%s\"): %s", name, err);
        }
        size_t charged = 0;
        charge_table(L, o->t, &charged); /* the host keeps a copy of the value */
        int rc = rg_host.output_value(ctx, name, &v);
        if (rc != 0) {
            return luaL_error(L, "regie.output(\"%s\"): %s", name, ctx->error ? ctx->error : "refused");
        }
        return 0;
    }
    luaL_checktype(L, 2, LUA_TTABLE);
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_settop(L, 3);
    size_t ncols, bad;
    const char **cols = rg_lua_column_names(L, 3, &ncols, &bad);
    if (!cols) {
        return luaL_error(L, "regie.output(\"%s\"): column %d is not a name", name, (int)bad + 1);
    }
    rg_lua_owned *o = rg_lua_owned_new(L); /* (frees the table when an error leaves it) */
    regie_table *t = o->t = rg_table_new(ncols, cols);
    size_t charged = 0;
    size_t nrows = lua_rawlen(L, 2);
    for (size_t r = 1; r <= nrows; r++) {
        if (lua_rawgeti(L, 2, (lua_Integer)r) != LUA_TTABLE) {
            return luaL_error(L, "regie.output(\"%s\"): row %d is not a record", name, (int)r);
        }
        const char *err = rg_lua_fill_row(L, t, -1, &bad, NULL);
        if (err) {
            return luaL_error(L, "regie.output(\"%s\"): row %d, column %s: %s", name, (int)r,
                              t->cols[bad], err);
        }
        lua_pop(L, 1);
        charge_table(L, t, &charged);
    }
    o->t = NULL; /* the host has it now, also when it refuses it */
    if (rg_host.output_table(ctx, name, t) != 0) {
        return luaL_error(L, "regie.output(\"%s\"): %s", name, ctx->error ? ctx->error : "refused");
    }
    return 0;
}

/* ---- regie.output_writer: a table output made a record at a time ----
 *   local out = regie.output_writer("totals", { "id", "total" })
 *   out:add(id, total)         -- the values in column order
 *   out:record({ id = ... })   -- by column name
 *   out:close()                -- hands the table over; returns its rows
 * The same data as regie.output(name, rows, columns) would give, without a
 * Lua table per record. */
typedef struct out_writer {
    char *name;
    regie_table *t; /* the records so far; NULL once closed */
    regie_ctx *ctx;
    int busy;       /* a record's metamethods are being run */
    size_t charged; /* of t->bytes, what the step's memory limit counts already */
} out_writer;

#define OUT_WRITER "regie.output_writer"

static out_writer *check_out_writer(lua_State *L)
{
    out_writer *w = luaL_checkudata(L, 1, OUT_WRITER);
    if (!w->t) {
        luaL_error(L, OUT_WRITER "(\"%s\"): already closed", w->name ? w->name : "");
    }
    if (w->busy) {
        luaL_error(L, OUT_WRITER "(\"%s\"): in use (a metamethod of the record it takes cannot use it)",
                   w->name);
    }
    return w;
}

/* Take the writer out of those not yet closed. */
static void out_writer_forget(lua_State *L, out_writer *w)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &out_writers_key) == LUA_TTABLE) {
        lua_pushnil(L);
        lua_rawsetp(L, -2, w);
    }
    lua_pop(L, 1);
}

/* The value at idx as column c of the row being made; an error names the
 * row and the column. */
static void out_put(lua_State *L, out_writer *w, int idx, size_t c, regie_value *cell)
{
    const char *err = rg_lua_to_value(L, idx, w->t, cell);
    if (err) {
        luaL_error(L, OUT_WRITER "(\"%s\"): row %d, column %s: %s", w->name, (int)w->t->nrows + 1,
                   w->t->cols[c], err);
    }
}

static int l_out_writer_add(lua_State *L)
{
    out_writer *w = check_out_writer(L);
    int n = lua_gettop(L) - 1;
    if ((size_t)n != w->t->ncols) {
        return luaL_error(L, OUT_WRITER "(\"%s\"): add: %d values for %d columns", w->name, n,
                          (int)w->t->ncols);
    }
    regie_value *row = rg_table_row_begin(w->t);
    for (size_t c = 0; c < w->t->ncols; c++) {
        out_put(L, w, (int)c + 2, c, &row[c]);
    }
    rg_table_row_end(w->t, 0);
    charge_table(L, w->t, &w->charged);
    return 0;
}

static int l_out_writer_record(lua_State *L)
{
    out_writer *w = check_out_writer(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    size_t bad;
    const char *err = rg_lua_fill_row(L, w->t, 2, &bad, &w->busy);
    if (err) {
        return luaL_error(L, OUT_WRITER "(\"%s\"): row %d, column %s: %s", w->name,
                          (int)w->t->nrows + 1, w->t->cols[bad], err);
    }
    charge_table(L, w->t, &w->charged);
    return 0;
}

static int l_out_writer_close(lua_State *L)
{
    out_writer *w = check_out_writer(L);
    regie_table *t = w->t;
    lua_Integer rows = (lua_Integer)t->nrows;
    w->t = NULL; /* the host has it now, also when it refuses it */
    out_writer_forget(L, w);
    if (rg_host.output_table(w->ctx, w->name, t) != 0) {
        return luaL_error(L, OUT_WRITER "(\"%s\"): %s", w->name,
                          w->ctx->error ? w->ctx->error : "refused");
    }
    lua_pushinteger(L, rows);
    return 1;
}

static int l_out_writer_gc(lua_State *L)
{
    out_writer *w = luaL_testudata(L, 1, OUT_WRITER);
    if (w) {
        rg_table_free(w->t);
        w->t = NULL;
        free(w->name);
        w->name = NULL;
    }
    return 0;
}

/* At the end of a step: the records of an output writer not closed are
 * dropped, with a warning when the step succeeded. */
void rg_lua_end_output_writers(lua_State *L, regie_ctx *ctx, int succeeded)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &out_writers_key) == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            out_writer *w = lua_touserdata(L, -1);
            lua_pop(L, 1);
            if (succeeded && w->name) {
                rg_host.log(ctx, REGIE_LOG_WARN,
                            "output \"%s\" of " OUT_WRITER " was not closed (close() hands it over): not written",
                            w->name);
            }
            rg_table_free(w->t);
            w->t = NULL;
        }
        lua_pushnil(L);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &out_writers_key);
    }
    lua_pop(L, 1);
}

int rg_api_output_writer(lua_State *L)
{
    regie_ctx *ctx = rg_lua_step_ctx(L);
    const char *name = luaL_checkstring(L, 1);
    if (lua_type(L, 2) != LUA_TTABLE || lua_rawlen(L, 2) == 0) {
        return luaL_error(L, OUT_WRITER "(\"%s\"): argument 2 is %s, expected a list of column names",
                          name, lua_type(L, 2) == LUA_TTABLE ? "an empty list" : luaL_typename(L, 2));
    }
    if (!rg_ctx_may_write(ctx, name)) {
        return luaL_error(L, OUT_WRITER "(\"%s\"): the step does not write \"%s\" (not among its `writes`)",
                          name, name);
    }
    size_t ncols = lua_rawlen(L, 2);
    const char **cols = lua_newuserdatauv(L, ncols * sizeof *cols, 0); /* freed with the stack */
    for (size_t c = 0; c < ncols; c++) {
        if (lua_rawgeti(L, 2, (lua_Integer)c + 1) != LUA_TSTRING) {
            return luaL_error(L, OUT_WRITER "(\"%s\"): column %d is a %s, expected a name", name,
                              (int)c + 1, luaL_typename(L, -1));
        }
        cols[c] = lua_tostring(L, -1); /* alive in the list */
        lua_pop(L, 1);
    }
    out_writer *w = lua_newuserdatauv(L, sizeof *w, 0);
    memset(w, 0, sizeof *w);
    luaL_setmetatable(L, OUT_WRITER);
    w->name = rg_xstrdup(name);
    w->ctx = ctx;
    w->t = rg_table_new(ncols, cols);
    rg_lua_registry_table(L, &out_writers_key, 0);
    lua_pushvalue(L, -2);
    lua_rawsetp(L, -2, w);
    lua_pop(L, 1);
    return 1;
}

void rg_lua_open_output_writer(lua_State *L)
{
    static const luaL_Reg out_writer_fns[] = {
        { "add", l_out_writer_add }, { "record", l_out_writer_record }, { "close", l_out_writer_close },
        { NULL, NULL },
    };
    rg_lua_writer_type(L, OUT_WRITER, out_writer_fns, l_out_writer_gc);
}
