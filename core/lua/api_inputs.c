/* api_inputs.c - what a step reads: regie.input, regie.has_input,
 * regie.describe, regie.rows, regie.each and regie.settings. */
#define _GNU_SOURCE
#include "api.h"
#include "exec.h"
#include "ini_schema.h"

#include <lauxlib.h>
#include <limits.h>
#include <string.h>

static const char inputs_key = 0; /* inputs converted in the step: name -> value */
static const char each_key = 0;   /* loops of regie.each (weakly) */

/* In a column list of regie.each: the record's line in its source. */
#define PICK_LINE ((size_t)-1)

/* regie.input(name, columns), regie.rows(name, columns): the position in t
 * of each name in the list at `idx`, or an error naming the first that is
 * not a column.  The positions live in a userdata left on the stack. */
static size_t *pick_columns(lua_State *L, int idx, const char *what, const regie_table *t,
                            size_t *npick, int allow_line)
{
    size_t n = lua_rawlen(L, idx);
    size_t *pick = lua_newuserdatauv(L, (n ? n : 1) * sizeof *pick, 0); /* freed with the stack */
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, idx, (lua_Integer)i + 1);
        const char *name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        size_t c = 0;
        while (name && c < t->ncols && strcmp(t->cols[c], name) != 0) {
            c++;
        }
        if (allow_line && name && c == t->ncols && strcmp(name, "_line") == 0) {
            c = PICK_LINE;
        }
        if (!name || c == t->ncols) {
            luaL_Buffer b;
            luaL_buffinit(L, &b);
            for (size_t k = 0; k < t->ncols; k++) {
                luaL_addstring(&b, k ? ", " : "");
                luaL_addstring(&b, t->cols[k]);
            }
            if (allow_line) {
                luaL_addstring(&b, ", _line");
            }
            luaL_pushresult(&b);
            luaL_error(L, "%s: column %d of the list is %s%s%s, expected one of: %s", what,
                       (int)i + 1, name ? "\"" : "a ", name ? name : luaL_typename(L, -2),
                       name ? "\"" : "", lua_tostring(L, -1));
            return NULL;
        }
        pick[i] = c;
        lua_pop(L, 1);
    }
    *npick = n;
    return pick;
}

/* An input handed over: as regie.input gives it (rows 0: records with
 * lines, columns and source) or as regie.rows does (rows 1), timed as
 * reading inputs and, when profiling, given to the line that asked. */
static void push_input(lua_State *L, regie_ctx *ctx, const regie_table *t, int rows,
                       const size_t *pick, size_t npick)
{
    rg_lua_prof_mark(L);
    double t0 = rg_now();
    if (rows) {
        rg_lua_push_records(L, t, 1, pick, npick);
    } else {
        rg_lua_push_dataset(L, t, pick, npick);
    }
    ctx->input_seconds += rg_now() - t0;
    rg_lua_prof_mark(L);
}

/* The table of input `name` for `fn` (regie.rows, regie.input with
 * columns): NULL for an optional input not given, an error for a single
 * value. */
static const regie_table *table_input(lua_State *L, regie_ctx *ctx, const char *name,
                                      const char *fn)
{
    const rg_datum *d = rg_ctx_input(ctx, name);
    if (d && d->kind == RG_DATUM_VALUE) {
        luaL_error(L, "%s(\"%s\"): the input is a single value, not a table", fn, name);
    }
    return d && d->kind == RG_DATUM_TABLE ? d->table : NULL;
}

int rg_api_input(lua_State *L)
{
    regie_ctx *ctx = rg_lua_step_ctx(L);
    const char *name = luaL_checkstring(L, 1);
    if (!lua_isnoneornil(L, 2)) {
        /* only these columns: made anew each time, not kept for the next call */
        luaL_checktype(L, 2, LUA_TTABLE);
        const regie_table *t = table_input(L, ctx, name, "regie.input");
        if (!t) {
            lua_pushnil(L); /* an optional input not given, as without columns */
            return 1;
        }
        lua_pushfstring(L, "regie.input(\"%s\")", name);
        size_t npick;
        const size_t *pick = pick_columns(L, 2, lua_tostring(L, -1), t, &npick, 0);
        push_input(L, ctx, t, 0, pick, npick);
        return 1;
    }
    lua_rawgetp(L, LUA_REGISTRYINDEX, &inputs_key);
    if (lua_getfield(L, -1, name) != LUA_TNIL) {
        return 1;
    }
    lua_pop(L, 1);
    const rg_datum *d = rg_ctx_input(ctx, name);
    if (d && d->kind == RG_DATUM_TABLE) {
        push_input(L, ctx, d->table, 0, NULL, 0);
    } else if (d && d->kind == RG_DATUM_VALUE) {
        rg_lua_push_value(L, &d->value);
    } else {
        lua_pushnil(L);
        return 1;
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, name);
    return 1;
}

/* Whether input `name` is present, without making its records. */
int rg_api_has_input(lua_State *L)
{
    regie_ctx *ctx = rg_lua_step_ctx(L);
    const rg_datum *d = rg_ctx_input(ctx, luaL_checkstring(L, 1));
    lua_pushboolean(L, d && d->kind != RG_DATUM_NONE);
    return 1;
}

/* What input `name` is, without making its records: nil when it is
 * absent; { kind = "value" } for a single value; for a table { kind =
 * "table", rows = N, columns = { ... }, source = "file" (when it came from
 * a file) }. */
int rg_api_describe(lua_State *L)
{
    regie_ctx *ctx = rg_lua_step_ctx(L);
    const rg_datum *d = rg_ctx_input(ctx, luaL_checkstring(L, 1));
    if (!d || d->kind == RG_DATUM_NONE) {
        lua_pushnil(L);
        return 1;
    }
    lua_createtable(L, 0, 4);
    if (d->kind != RG_DATUM_TABLE) {
        lua_pushliteral(L, "value");
        lua_setfield(L, -2, "kind");
        return 1;
    }
    lua_pushliteral(L, "table");
    lua_setfield(L, -2, "kind");
    lua_pushinteger(L, (lua_Integer)d->table->nrows);
    lua_setfield(L, -2, "rows");
    rg_lua_set_columns_and_source(L, -1, d->table, NULL, 0);
    return 1;
}

/* regie.rows(ds): each record of a dataset as a new table of its own (a
 * step may change it freely), with `_line` (its line in the source file, 0
 * when unknown) and `_i` (its position). */
int rg_api_rows(lua_State *L)
{
    if (lua_isnoneornil(L, 1)) {
        lua_newtable(L);
        return 1;
    }
    int some = !lua_isnoneornil(L, 2); /* only these columns */
    if (some) {
        luaL_checktype(L, 2, LUA_TTABLE);
    }
    if (lua_type(L, 1) == LUA_TSTRING) {
        /* straight from the input: no second copy of a large dataset */
        regie_ctx *ctx = rg_lua_step_ctx(L);
        const char *name = lua_tostring(L, 1);
        const regie_table *t = table_input(L, ctx, name, "regie.rows");
        if (!t) {
            lua_newtable(L); /* an optional input not given */
            return 1;
        }
        size_t npick = 0;
        const size_t *pick = NULL;
        if (some) {
            lua_pushfstring(L, "regie.rows(\"%s\")", name);
            pick = pick_columns(L, 2, lua_tostring(L, -1), t, &npick, 0);
        }
        push_input(L, ctx, t, 1, pick, npick);
        return 1;
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
    if (some) {
        lua_pushvalue(L, 2); /* the fields to copy */
    } else {
        lua_getfield(L, 1, "columns");
    }
    int cols = lua_gettop(L);
    lua_Integer ncols = lua_type(L, cols) == LUA_TTABLE ? (lua_Integer)lua_rawlen(L, cols) : 0;
    lua_getfield(L, 1, "lines");
    int lines = lua_gettop(L);
    int has_lines = lua_type(L, lines) == LUA_TTABLE;
    lua_pushliteral(L, "_line");
    int k_line = lua_gettop(L);
    lua_pushliteral(L, "_i");
    int k_i = lua_gettop(L);
    lua_createtable(L, rg_lua_size_hint((size_t)n), 0);
    int out = lua_gettop(L);
    unsigned steps = 0;
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, 1, i) != LUA_TTABLE) {
            return luaL_error(L, "regie.rows: record %I is not a table", (LUAI_UACINT)i);
        }
        int rec = lua_gettop(L);
        /* room for the fields asked for, up to a point: a record has
         * only those it has, however many names the list holds */
        lua_createtable(L, 0, ncols < 62 ? (int)ncols + 2 : 64);
        if (ncols > 0 || some) {
            /* the declared (or the chosen) columns are a record's fields:
             * n times ncols, all given by the script, so the clock is
             * looked at now and then */
            for (lua_Integer c = 1; c <= ncols; c++) {
                if (++steps >= 4096) {
                    steps = 0;
                    rg_lua_check_time(L);
                }
                lua_rawgeti(L, cols, c);
                lua_pushvalue(L, -1);
                lua_rawget(L, rec);
                lua_rawset(L, -3);
            }
        } else {
            lua_pushnil(L);
            while (lua_next(L, rec)) {
                lua_pushvalue(L, -2);
                lua_insert(L, -2);
                lua_rawset(L, -4);
            }
        }
        lua_pushvalue(L, k_line);
        if (has_lines) {
            lua_rawgeti(L, lines, i);
            if (lua_isnil(L, -1)) {
                lua_pop(L, 1);
                lua_pushinteger(L, 0);
            }
        } else {
            lua_pushinteger(L, 0);
        }
        lua_rawset(L, -3);
        lua_pushvalue(L, k_i);
        lua_pushinteger(L, i);
        lua_rawset(L, -3);
        lua_rawseti(L, out, i);
        lua_pop(L, 1); /* rec */
    }
    return 1;
}

/* ---- regie.each: the records of a table input as plain values ----
 *   for i, id, price in regie.each("bids", { "id", "price" }) do ... end
 * gives, record by record, its position and the values of the columns
 * asked for ("_line": its line in the source file), straight from the
 * input: no table per record, nothing held but the record at hand. */
typedef struct each_col {
    size_t col;      /* the column in the table, or PICK_LINE */
    const char *ptr; /* the text of the string last made for it (NULL: none) */
    size_t len;
} each_col;

typedef struct each_iter {
    const regie_table *t; /* NULL: an optional input not given, or its step has ended */
    int ended;            /* the step that began the loop has ended */
    int into;             /* the values go into a record table (regie.each's third argument) */
    size_t next;          /* the record it gives next (from 0) */
    size_t ncols;
    each_col cols[]; /* uservalue c + 1: the Lua string last made for column c */
} each_iter;

/* The value of column c of record r on the stack. */
static void each_push(lua_State *L, each_iter *it, int up, size_t c, const regie_table *t, size_t r)
{
    each_col *ec = &it->cols[c];
    if (ec->col == PICK_LINE) {
        lua_pushinteger(L, t->lines ? t->lines[r] : 0);
        return;
    }
    const regie_value *v = &t->cells[r * t->ncols + ec->col];
    if (v->type != REGIE_STR) {
        rg_lua_push_value(L, v);
    } else if (ec->ptr && ec->len == v->u.s.len &&
               (ec->ptr == v->u.s.ptr || memcmp(ec->ptr, v->u.s.ptr, v->u.s.len) == 0)) {
        /* a column repeats its values: the same Lua string again */
        lua_getiuservalue(L, up, (int)c + 1);
    } else {
        lua_pushlstring(L, v->u.s.ptr, v->u.s.len);
        lua_pushvalue(L, -1);
        lua_setiuservalue(L, up, (int)c + 1);
        ec->ptr = v->u.s.ptr;
        ec->len = v->u.s.len;
    }
}

static int each_next(lua_State *L)
{
    int up = lua_upvalueindex(1);
    each_iter *it = lua_touserdata(L, up);
    const regie_table *t = it->t;
    if (!t) {
        if (it->ended) {
            return luaL_error(L, "regie.each: the step that began this loop has ended");
        }
        return 0;
    }
    if (it->next >= t->nrows) {
        return 0; /* the end: a for loop stops at the nil */
    }
    size_t r = it->next++;
    lua_pushinteger(L, (lua_Integer)r + 1);
    if (it->into) {
        /* the record table given, refilled: upvalue 2, its keys upvalue 3 */
        int into = lua_upvalueindex(2), names = lua_upvalueindex(3);
        for (size_t c = 0; c < it->ncols; c++) {
            lua_rawgeti(L, names, (lua_Integer)c + 1);
            each_push(L, it, up, c, t, r);
            lua_rawset(L, into);
        }
        lua_pushvalue(L, into);
        return 2;
    }
    for (size_t c = 0; c < it->ncols; c++) {
        each_push(L, it, up, c, t, r);
    }
    return (int)it->ncols + 1;
}

int rg_api_each(lua_State *L)
{
    regie_ctx *ctx = rg_lua_step_ctx(L);
    lua_settop(L, 3); /* name, columns, the table to fill (or nil) */
    if (lua_type(L, 1) != LUA_TSTRING) {
        return luaL_error(L, "regie.each: argument 1 is a %s, expected the name of a table input",
                          luaL_typename(L, 1));
    }
    const char *name = lua_tostring(L, 1);
    if (lua_type(L, 2) != LUA_TTABLE) {
        return luaL_error(L, "regie.each(\"%s\"): argument 2 is %s%s, expected a list of column names",
                          name, lua_isnoneornil(L, 2) ? "" : "a ",
                          lua_isnoneornil(L, 2) ? "missing" : luaL_typename(L, 2));
    }
    const regie_table *t = table_input(L, ctx, name, "regie.each");
    size_t n = lua_rawlen(L, 2);
    if (n + 1 > (size_t)INT_MAX / 2) {
        return luaL_error(L, "regie.each(\"%s\"): too many columns", name);
    }
    size_t npick = 0;
    const size_t *pick = NULL;
    if (t) {
        lua_pushfstring(L, "regie.each(\"%s\")", name);
        pick = pick_columns(L, 2, lua_tostring(L, -1), t, &npick, 1);
    }
    /* the values of a record go on the caller's stack at once */
    luaL_checkstack(L, (int)n + 8, "too many columns");
    each_iter *it = lua_newuserdatauv(L, sizeof *it + n * sizeof it->cols[0], (int)n);
    memset(it, 0, sizeof *it + n * sizeof it->cols[0]);
    it->t = t;
    it->ncols = t ? npick : 0;
    for (size_t c = 0; c < it->ncols; c++) {
        it->cols[c].col = pick[c];
    }
    /* known until the step ends (weakly: a finished loop is collected),
     * so that a loop kept beyond it stops with an error, not a crash */
    rg_lua_registry_table(L, &each_key, 1);
    lua_pushvalue(L, -2);
    lua_rawsetp(L, -2, it);
    lua_pop(L, 1);
    if (lua_type(L, 3) == LUA_TTABLE) {
        it->into = 1;
        lua_pushvalue(L, 3);
        lua_createtable(L, (int)n, 0); /* the keys, as they are now */
        for (size_t c = 0; c < n; c++) {
            lua_rawgeti(L, 2, (lua_Integer)c + 1);
            lua_rawseti(L, -2, (lua_Integer)c + 1);
        }
        lua_pushcclosure(L, each_next, 3);
        return 1;
    }
    if (!lua_isnoneornil(L, 3)) {
        return luaL_error(L, "regie.each(\"%s\"): argument 3 is a %s, expected a table to fill",
                          name, luaL_typename(L, 3));
    }
    lua_pushcclosure(L, each_next, 1);
    return 1;
}

void rg_lua_reset_inputs(lua_State *L)
{
    /* the loops of regie.each begun in the step that ends stop here */
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &each_key) == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            each_iter *it = lua_touserdata(L, -1);
            it->t = NULL;
            it->ended = 1;
            lua_pop(L, 1);
        }
        lua_pushnil(L);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &each_key);
    }
    lua_pop(L, 1);
    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &inputs_key);
}

/* ---- regie.settings: an ini input typed by the keys its workflow declares ---- */

/* The text of column c of row r of an ini table ("" when it holds none). */
static const char *ini_cell(const regie_table *t, size_t r, long c)
{
    const regie_value *v = rg_table_cell(t, r, (size_t)c);
    return v->type == REGIE_STR ? v->u.s.ptr : "";
}

/* regie.settings(name): the settings of ini input `name` as section -> key
 * -> value, each typed by the workflow's keys.SECTION (ini_schema.c), with
 * its default when the file does not give it; a key with neither is
 * absent.  Every declared section has its table.  Without keys.SECTION
 * (or outside a run) every section and key of the file, as text.  The
 * second result says where each key was written: { source = FILE, line =
 * { ["section.key"] = LINE }, text = { ["section.key"] = "as written" } }.
 * nil when the input is absent (optional and not given, or not readable).
 * Made anew on each call. */
int rg_api_settings(lua_State *L)
{
    regie_ctx *ctx = rg_lua_step_ctx(L);
    const char *name = luaL_checkstring(L, 1);
    const rg_datum *d = rg_ctx_input(ctx, name);
    if (!d || d->kind == RG_DATUM_NONE) {
        lua_pushnil(L);
        return 1;
    }
    const rg_ini_schema *schema = NULL;
    if (ctx->run) {
        const rg_workflow *wf = ctx->run->wf;
        const rg_input *in = NULL;
        for (size_t i = 0; i < wf->ninputs && !in; i++) {
            if (strcmp(wf->inputs[i].name, name) == 0) {
                in = &wf->inputs[i];
            }
        }
        if (!in || in->type != RG_IN_INI) {
            return luaL_error(L, "regie.settings(\"%s\"): %s is not an ini input of the workflow",
                              name, name);
        }
        schema = &in->keys;
    }
    const regie_table *t = d->kind == RG_DATUM_TABLE ? d->table : NULL;
    long cs = t ? rg_table_colindex(t, "section") : -1, ck = t ? rg_table_colindex(t, "key") : -1,
         cv = t ? rg_table_colindex(t, "value") : -1;
    if (cs < 0 || ck < 0 || cv < 0) {
        return luaL_error(L, "regie.settings(\"%s\"): expected an ini input (a table of section, "
                             "key, value)", name);
    }
    luaL_checkstack(L, 8, NULL);
    rg_lua_owned *o = rg_lua_owned_new(L); /* the strings and lists of the values */
    o->t = rg_table_new(0, NULL);
    int values = lua_gettop(L) + 1;
    if (schema && schema->n) {
        lua_createtable(L, 0, rg_lua_size_hint(schema->n));
        for (size_t i = 0; i < schema->n; i++) {
            const rg_secspec *sec = &schema->secs[i];
            lua_createtable(L, 0, rg_lua_size_hint(sec->n));
            for (size_t k = 0; k < sec->n; k++) {
                const char *key = sec->keys[k].col.name;
                regie_value v;
                if (rg_ini_schema_value(schema, t, sec->name, key, o->t, &v) != 0) {
                    /* the file was checked when it was read: only a value
                     * kept from before the workflow changed gets here */
                    return luaL_error(L, "regie.settings(\"%s\"): %s in [%s] is not of its "
                                         "declared type",
                                      name, key, sec->name);
                }
                if (v.type != REGIE_NULL) {
                    rg_lua_push_value(L, &v);
                    lua_setfield(L, -2, key);
                }
            }
            lua_setfield(L, values, sec->name);
        }
    } else {
        lua_newtable(L);
        for (size_t r = 0; r < t->nrows; r++) {
            const char *sec = ini_cell(t, r, cs);
            if (lua_getfield(L, values, sec) != LUA_TTABLE) {
                lua_pop(L, 1);
                lua_newtable(L);
                lua_pushvalue(L, -1);
                lua_setfield(L, values, sec);
            }
            lua_pushstring(L, ini_cell(t, r, cv));
            lua_setfield(L, -2, ini_cell(t, r, ck));
            lua_pop(L, 1);
        }
    }
    /* where each key was written */
    lua_createtable(L, 0, 3);
    if (t->source) {
        lua_pushstring(L, t->source);
        lua_setfield(L, -2, "source");
    }
    lua_createtable(L, 0, rg_lua_size_hint(t->nrows));
    lua_createtable(L, 0, rg_lua_size_hint(t->nrows));
    for (size_t r = 0; r < t->nrows; r++) {
        lua_pushfstring(L, "%s.%s", ini_cell(t, r, cs), ini_cell(t, r, ck));
        lua_pushvalue(L, -1);
        lua_pushinteger(L, t->lines ? t->lines[r] : 0);
        lua_rawset(L, -5);
        lua_pushstring(L, ini_cell(t, r, cv));
        lua_rawset(L, -3);
    }
    lua_setfield(L, -3, "text");
    lua_setfield(L, -2, "line");
    return 2;
}
