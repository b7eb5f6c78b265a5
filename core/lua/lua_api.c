/* lua_api.c - the `regie` module for scripts, and the one definition of how
 * data crosses between C and Lua: integers stay integers, numbers stay
 * floats, null is regie.null, lists carry regie's list metatable so an empty
 * list survives, and tables become sequences of records. */
#define _GNU_SOURCE
#include "lua_api.h"

#include <lauxlib.h>
#include <lualib.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char null_key = 0;
static const char list_mt_key = 0;
static const char inputs_key = 0;
static const char writers_key = 0; /* writers not yet closed */
static const char out_writers_key = 0; /* regie.output_writer not yet closed */
static const char each_key = 0;        /* loops of regie.each (weakly) */

regie_ctx **rg_lua_ctx_slot(lua_State *L)
{
    return (regie_ctx **)lua_getextraspace(L);
}

static regie_ctx *ctx_of(lua_State *L)
{
    regie_ctx *ctx = *rg_lua_ctx_slot(L);
    if (!ctx) {
        luaL_error(L, "this regie function works only while a step runs");
    }
    return ctx;
}

static void push_null(lua_State *L)
{
    lua_pushlightuserdata(L, (void *)&null_key);
}

static int is_null(lua_State *L, int idx)
{
    return lua_islightuserdata(L, idx) && lua_touserdata(L, idx) == (void *)&null_key;
}

static void set_list_mt(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &list_mt_key);
    lua_setmetatable(L, idx);
}

static int has_list_mt(lua_State *L, int idx)
{
    if (!lua_getmetatable(L, idx)) {
        return 0;
    }
    lua_rawgetp(L, LUA_REGISTRYINDEX, &list_mt_key);
    int eq = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return eq;
}

/* ---- C memory that a Lua error may unwind past ----
 * What a function makes in C memory while it still calls into Lua (a
 * record's __index may raise, any allocation may fail) is held by an
 * `owned` on the stack, a to-be-closed userdata: it is freed as the error
 * unwinds the stack, or when the function returns; what is handed on is
 * taken out of it first.  Its __gc does the same for one left in a
 * coroutine that died. */
typedef struct owned {
    regie_table *t;
    rg_buf b;
    void *mem;      /* from malloc */
    int gc_restart; /* the collector was stopped: restart it */
} owned;

static int owned_release(lua_State *L)
{
    owned *o = lua_touserdata(L, 1);
    if (o) {
        rg_table_free(o->t);
        o->t = NULL;
        rg_buf_free(&o->b);
        free(o->mem);
        o->mem = NULL;
        if (o->gc_restart) {
            o->gc_restart = 0;
            lua_gc(L, LUA_GCRESTART);
        }
    }
    return 0;
}

/* A new owned on the top of the stack, marked to be closed. */
static owned *owned_new(lua_State *L)
{
    owned *o = lua_newuserdatauv(L, sizeof *o, 0);
    memset(o, 0, sizeof *o);
    if (luaL_newmetatable(L, "regie.owned")) {
        lua_pushcfunction(L, owned_release);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, owned_release);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    lua_toclose(L, -1);
    return o;
}

/* A count as the size hint lua_createtable takes (an int). */
static int size_hint(size_t n)
{
    return n > (size_t)INT_MAX ? INT_MAX : (int)n;
}

void rg_lua_push_value(lua_State *L, const regie_value *v)
{
    switch (v->type) {
    case REGIE_NULL:
        push_null(L);
        break;
    case REGIE_BOOL:
        lua_pushboolean(L, v->u.b);
        break;
    case REGIE_INT:
        lua_pushinteger(L, (lua_Integer)v->u.i);
        break;
    case REGIE_NUM:
        lua_pushnumber(L, v->u.n);
        break;
    case REGIE_STR:
        lua_pushlstring(L, v->u.s.ptr, v->u.s.len);
        break;
    case REGIE_LIST: {
        size_t n = v->u.list ? v->u.list->n : 0;
        luaL_checkstack(L, 2, "lists nested too deep");
        lua_createtable(L, size_hint(n), 0);
        for (size_t i = 0; i < n; i++) {
            rg_lua_push_value(L, &v->u.list->items[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        set_list_mt(L, -1);
        break;
    }
    default:
        lua_pushnil(L);
    }
}

/* The records of t as a sequence of new tables, column name -> value;
 * with `positions`, each also has `_line` (its line in the source, 0 when
 * unknown) and `_i` (its position). */
/* The records of t as Lua tables (with _line and _i when `positions`);
 * with `pick`, only the columns pick[0..npick) of t. */
static void push_records(lua_State *L, const regie_table *t, int positions, const size_t *pick,
                         size_t npick)
{
    int base = lua_gettop(L);
    /* a bulk conversion makes only live objects: collecting meanwhile
     * would walk them again and again for nothing (restarted by the owned,
     * also after an error) */
    owned *o = owned_new(L);
    o->gc_restart = lua_gc(L, LUA_GCISRUNNING);
    lua_gc(L, LUA_GCSTOP);
    size_t nc = pick ? npick : t->ncols;
    if (nc > (size_t)(INT_MAX - 8) / 2) {
        luaL_error(L, "too many columns");
    }
    luaL_checkstack(L, (int)(2 * nc + 8), "too many columns");
    int top = lua_gettop(L);
    /* the column names, interned once, at key0 + c; the last string made
     * for each column at last0 + c: a column repeats its values (a status,
     * a region, yes/no) far more often than not, and the same Lua string
     * again is cheaper than interning it anew */
    int key0 = top + 1;
    for (size_t c = 0; c < nc; c++) {
        lua_pushstring(L, t->cols[pick ? pick[c] : c]);
    }
    int last0 = key0 + (int)nc;
    for (size_t c = 0; c < nc; c++) {
        lua_pushnil(L);
    }
    struct {
        const char *ptr; /* the C text of that string, NULL before the first */
        size_t len;
    } *last = rg_xcalloc(nc ? nc : 1, sizeof *last);
    o->mem = last;
    lua_pushliteral(L, "_line");
    int k_line = lua_gettop(L);
    lua_pushliteral(L, "_i");
    int k_i = lua_gettop(L);
    lua_createtable(L, size_hint(t->nrows), 0);
    int list = lua_gettop(L);
    for (size_t r = 0; r < t->nrows; r++) {
        lua_createtable(L, 0, size_hint(nc + (positions ? 2 : 0)));
        const regie_value *row = t->ncols ? rg_table_cell(t, r, 0) : NULL;
        for (size_t c = 0; c < nc; c++) {
            const regie_value *v = &row[pick ? pick[c] : c];
            lua_pushvalue(L, key0 + (int)c);
            if (v->type == REGIE_STR) {
                if (last[c].ptr && last[c].len == v->u.s.len &&
                    (last[c].ptr == v->u.s.ptr || memcmp(last[c].ptr, v->u.s.ptr, v->u.s.len) == 0)) {
                    lua_pushvalue(L, last0 + (int)c);
                } else {
                    lua_pushlstring(L, v->u.s.ptr, v->u.s.len);
                    lua_pushvalue(L, -1);
                    lua_replace(L, last0 + (int)c);
                    last[c].ptr = v->u.s.ptr;
                    last[c].len = v->u.s.len;
                }
            } else {
                rg_lua_push_value(L, v);
            }
            lua_rawset(L, -3);
        }
        if (positions) {
            lua_pushvalue(L, k_line);
            lua_pushinteger(L, t->lines ? t->lines[r] : 0);
            lua_rawset(L, -3);
            lua_pushvalue(L, k_i);
            lua_pushinteger(L, (lua_Integer)r + 1);
            lua_rawset(L, -3);
        }
        lua_rawseti(L, list, (lua_Integer)r + 1);
    }
    lua_replace(L, top + 1); /* the records where the first name was */
    lua_settop(L, top + 1);
    lua_closeslot(L, base + 1); /* frees `last`, restarts the collector */
    lua_replace(L, base + 1);
}

/* Set `columns` (a list of the names of t's columns, with `pick` only
 * pick[0..npick)) and `source` (when t came from a file) in the table at
 * tab. */
static void set_columns_and_source(lua_State *L, int tab, const regie_table *t, const size_t *pick,
                                   size_t npick)
{
    tab = lua_absindex(L, tab);
    size_t nc = pick ? npick : t->ncols;
    lua_createtable(L, size_hint(nc), 0);
    for (size_t c = 0; c < nc; c++) {
        lua_pushstring(L, t->cols[pick ? pick[c] : c]);
        lua_rawseti(L, -2, (lua_Integer)c + 1);
    }
    set_list_mt(L, -1);
    lua_setfield(L, tab, "columns");
    if (t->source) {
        lua_pushstring(L, t->source);
        lua_setfield(L, tab, "source");
    }
}

/* A dataset as regie.input gives it: records, lines, columns, source; with
 * `pick`, only the columns pick[0..npick). */
static void push_dataset(lua_State *L, const regie_table *t, const size_t *pick, size_t npick)
{
    push_records(L, t, 0, pick, npick);
    int tab = lua_gettop(L);
    lua_createtable(L, size_hint(t->nrows), 0);
    for (size_t r = 0; r < t->nrows; r++) {
        lua_pushinteger(L, t->lines ? t->lines[r] : 0);
        lua_rawseti(L, -2, (lua_Integer)r + 1);
    }
    lua_setfield(L, tab, "lines");
    set_columns_and_source(L, tab, t, pick, npick);
}

void rg_lua_push_table(lua_State *L, const regie_table *t)
{
    push_dataset(L, t, NULL, 0);
}

/* A plain table is a list when its keys are exactly 1..n. */
static int is_sequence(lua_State *L, int idx, lua_Integer *n)
{
    lua_Integer len = (lua_Integer)lua_rawlen(L, idx);
    lua_Integer count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1)) {
            lua_pop(L, 1);
            return 0;
        }
        lua_Integer k = lua_tointeger(L, -1);
        if (k < 1 || k > len) {
            lua_pop(L, 1);
            return 0;
        }
        count++;
    }
    *n = len;
    return count == len;
}

/* How deep lists may be nested in a value a step hands over, and how many
 * items its lists may hold in all (a list that holds the same list twice,
 * nested 30 deep, would be a billion). */
#define MAX_DEPTH 32
#define MAX_ITEMS ((size_t)1 << 22)

/* rg_lua_to_value below `depth` lists, the tables of which are
 * open[0..depth), with *left items still allowed. */
static const char *to_value(lua_State *L, int idx, regie_table *owner, regie_value *out, int depth,
                            const void **open, size_t *left)
{
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        out->type = REGIE_NULL;
        return NULL;
    case LUA_TBOOLEAN:
        out->type = REGIE_BOOL;
        out->u.b = lua_toboolean(L, idx);
        return NULL;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            out->type = REGIE_INT;
            out->u.i = (int64_t)lua_tointeger(L, idx);
        } else {
            out->type = REGIE_NUM;
            out->u.n = (double)lua_tonumber(L, idx);
        }
        return NULL;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        out->type = REGIE_STR;
        out->u.s.ptr = rg_table_strdup(owner, s, len);
        out->u.s.len = len;
        return NULL;
    }
    case LUA_TLIGHTUSERDATA:
        if (is_null(L, idx)) {
            out->type = REGIE_NULL;
            return NULL;
        }
        return "cannot store a userdata value";
    case LUA_TTABLE: {
        lua_Integer n = 0;
        const void *self = lua_topointer(L, idx);
        for (int d = 0; d < depth; d++) {
            if (open[d] == self) {
                return "cannot store a list that contains itself";
            }
        }
        if (depth >= MAX_DEPTH) {
            return "cannot store a list nested more than 32 deep";
        }
        luaL_checkstack(L, 4, "value too deep");
        if (!has_list_mt(L, idx) && !is_sequence(L, idx, &n)) {
            return "cannot store a table with keys other than 1..n (use a list)";
        }
        open[depth] = self;
        n = (lua_Integer)lua_rawlen(L, idx);
        if ((size_t)n > *left) {
            return "cannot store lists of more than 4194304 items in all";
        }
        *left -= (size_t)n;
        regie_list *l = rg_table_list_new(owner);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, idx, i);
            regie_value item;
            const char *err = to_value(L, -1, owner, &item, depth + 1, open, left);
            lua_pop(L, 1);
            if (err) {
                return err;
            }
            rg_list_push(l, &item);
        }
        out->type = REGIE_LIST;
        out->u.list = l;
        return NULL;
    }
    case LUA_TUSERDATA:
        if (luaL_testudata(L, idx, "regie.decimal")) {
            /* which one is a choice: the exact text or the nearest double */
            return "cannot store a regie.decimal as such: store tostring(d) (exact text) or "
                   "d:tonumber()";
        }
        return "cannot store this value";
    default:
        return lua_type(L, idx) == LUA_TFUNCTION ? "cannot store a function" : "cannot store this value";
    }
}

const char *rg_lua_to_value(lua_State *L, int idx, regie_table *owner, regie_value *out)
{
    const void *open[MAX_DEPTH];
    size_t left = MAX_ITEMS;
    return to_value(L, idx, owner, out, 0, open, &left);
}


/* ---- the module ---- */
/* In a column list of regie.each: the record's line in its source. */
#define PICK_LINE ((size_t)-1)

/* The registry's table at `key` on the stack, made the first time (with
 * weak values when `weak`). */
static void registry_table(lua_State *L, const void *key, int weak)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, key) == LUA_TTABLE) {
        return;
    }
    lua_pop(L, 1);
    lua_newtable(L);
    if (weak) {
        lua_createtable(L, 0, 1);
        lua_pushliteral(L, "v");
        lua_setfield(L, -2, "__mode");
        lua_setmetatable(L, -2);
    }
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, key);
}

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
        push_records(L, t, 1, pick, npick);
    } else {
        push_dataset(L, t, pick, npick);
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

static int l_input(lua_State *L)
{
    regie_ctx *ctx = ctx_of(L);
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
static int l_has_input(lua_State *L)
{
    regie_ctx *ctx = ctx_of(L);
    const rg_datum *d = rg_ctx_input(ctx, luaL_checkstring(L, 1));
    lua_pushboolean(L, d && d->kind != RG_DATUM_NONE);
    return 1;
}

/* What input `name` is, without making its records: nil when it is
 * absent; { kind = "value" } for a single value; for a table { kind =
 * "table", rows = N, columns = { ... }, source = "file" (when it came from
 * a file) }. */
static int l_describe(lua_State *L)
{
    regie_ctx *ctx = ctx_of(L);
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
    set_columns_and_source(L, -1, d->table, NULL, 0);
    return 1;
}

static int gather_fields(lua_State *L)
{
    const char *const *names = lua_touserdata(L, 2);
    size_t n = (size_t)lua_tointeger(L, 3);
    for (size_t c = 0; c < n; c++) {
        lua_getfield(L, 1, names[c]);
    }
    return (int)n;
}

/* The fields names[0..n) of the record (a table) at idx pushed in order,
 * before anything is made of them: a record's metamethods run here, while
 * nothing is held half done.  Those of a record with a metatable run
 * under protection with *busy set (when busy is given), so that they
 * cannot use the writer meanwhile and their error leaves it usable. */
static void get_fields(lua_State *L, int idx, char *const *names, size_t n, int *busy)
{
    idx = lua_absindex(L, idx);
    if (n > (size_t)INT_MAX - 8) {
        luaL_error(L, "too many columns");
    }
    luaL_checkstack(L, (int)n + 4, "too many columns");
    if (!lua_getmetatable(L, idx)) {
        for (size_t c = 0; c < n; c++) { /* no metamethod can run */
            lua_getfield(L, idx, names[c]);
        }
        return;
    }
    lua_pop(L, 1);
    lua_pushcfunction(L, gather_fields);
    lua_pushvalue(L, idx);
    lua_pushlightuserdata(L, (void *)names);
    lua_pushinteger(L, (lua_Integer)n);
    if (busy) {
        *busy = 1;
    }
    int rc = lua_pcall(L, 3, (int)n, 0);
    if (busy) {
        *busy = 0;
    }
    if (rc != LUA_OK) {
        lua_error(L);
    }
}

/* A new last row of t from the record (a table) at idx, each column by
 * name: NULL, or what could not be stored, with its column in *bad (the
 * row is then not added). */
static const char *fill_row(lua_State *L, regie_table *t, int idx, size_t *bad, int *busy)
{
    get_fields(L, idx, t->cols, t->ncols, busy);
    int first = lua_gettop(L) - (int)t->ncols + 1;
    regie_value *row = rg_table_row_begin(t);
    for (size_t c = 0; c < t->ncols; c++) {
        const char *err = rg_lua_to_value(L, first + (int)c, t, &row[c]);
        if (err) {
            lua_settop(L, first - 1);
            *bad = c;
            return err;
        }
    }
    lua_settop(L, first - 1);
    rg_table_row_end(t, 0);
    return NULL;
}

/* The names of the list at idx (strings, or numbers as text), kept on the
 * stack while they are used: a userdata holding the array, then the
 * names.  NULL with the stack as it was when one is neither, at *bad. */
static const char **column_names(lua_State *L, int idx, size_t *ncols, size_t *bad)
{
    size_t n = lua_rawlen(L, idx);
    if (n > (size_t)INT_MAX / 2) {
        luaL_error(L, "too many columns");
    }
    luaL_checkstack(L, (int)n + 4, "too many columns");
    int top = lua_gettop(L);
    const char **cols = lua_newuserdatauv(L, (n ? n : 1) * sizeof *cols, 0);
    for (size_t c = 0; c < n; c++) {
        int type = lua_rawgeti(L, idx, (lua_Integer)c + 1);
        /* a number becomes text on the stack, where it stays alive */
        cols[c] = type == LUA_TSTRING || type == LUA_TNUMBER ? lua_tostring(L, -1) : NULL;
        if (!cols[c]) {
            lua_settop(L, top);
            *bad = c;
            return NULL;
        }
    }
    *ncols = n;
    return cols;
}

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

static int l_output(lua_State *L)
{
    regie_ctx *ctx = ctx_of(L);
    const char *name = luaL_checkstring(L, 1);
    int as_table = lua_gettop(L) >= 3 && !lua_isnil(L, 3);
    if (!as_table && lua_type(L, 2) == LUA_TTABLE && !has_list_mt(L, 2)) {
        /* rows.columns, when it is there, as the third argument */
        lua_settop(L, 2);
        lua_getfield(L, 2, "columns");
        as_table = lua_type(L, 3) == LUA_TTABLE;
    }
    if (!as_table) {
        lua_settop(L, 2);
        owned *o = owned_new(L);
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
    const char **cols = column_names(L, 3, &ncols, &bad);
    if (!cols) {
        return luaL_error(L, "regie.output(\"%s\"): column %d is not a name", name, (int)bad + 1);
    }
    owned *o = owned_new(L); /* (frees the table when an error leaves it) */
    regie_table *t = o->t = rg_table_new(ncols, cols);
    size_t charged = 0;
    size_t nrows = lua_rawlen(L, 2);
    for (size_t r = 1; r <= nrows; r++) {
        if (lua_rawgeti(L, 2, (lua_Integer)r) != LUA_TTABLE) {
            return luaL_error(L, "regie.output(\"%s\"): row %d is not a record", name, (int)r);
        }
        const char *err = fill_row(L, t, -1, &bad, NULL);
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

/* ---- memory that counts towards the step's limit ----
 * Large buffers a script fills through the regie module (a CSV writer, a
 * file given in pieces) are taken from the state's own allocator, so the
 * step's memory limit covers them as it covers Lua's own data. */
typedef struct lbuf {
    char *data;
    size_t len, cap;
} lbuf;

static void lbuf_reserve(lua_State *L, lbuf *b, size_t more)
{
    if (b->cap - b->len >= more) {
        return;
    }
    /* grows by half: the capacity counts towards the step's limit */
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < more) {
        if (cap > ((size_t)-1) / 2) {
            luaL_error(L, "not enough memory");
        }
        cap += cap / 2;
    }
    void *ud;
    lua_Alloc f = lua_getallocf(L, &ud);
    char *p = f(ud, b->data, b->data ? b->cap : 0, cap);
    if (!p) {
        luaL_error(L, "not enough memory");
    }
    b->data = p;
    b->cap = cap;
}

static void lbuf_put(lua_State *L, lbuf *b, const void *p, size_t n)
{
    lbuf_reserve(L, b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void lbuf_free(lua_State *L, lbuf *b)
{
    if (b->data) {
        void *ud;
        lua_Alloc f = lua_getallocf(L, &ud);
        f(ud, b->data, b->cap, 0);
    }
    memset(b, 0, sizeof *b);
}

/* The host's error for a refused write, as a Lua error. */
static int raise_ctx_error(lua_State *L, regie_ctx *ctx)
{
    char *e = ctx->error;
    ctx->error = NULL;
    lua_pushstring(L, e ? e : "write failed");
    free(e);
    return lua_error(L);
}

/* regie.write(path, text | { piece, ... }): pieces (strings or numbers)
 * are joined straight into the file, without a string of the whole. */
static int l_write(lua_State *L)
{
    regie_ctx *ctx = ctx_of(L);
    const char *path = luaL_checkstring(L, 1);
    if (!lua_istable(L, 2)) {
        size_t len;
        const char *text = luaL_checklstring(L, 2, &len);
        return rg_host.write_file(ctx, path, text, len) == 0 ? 0 : raise_ctx_error(L, ctx);
    }
    lua_Integer n = luaL_len(L, 2);
    size_t total = 0;
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 2, i);
        size_t len;
        if (!lua_isstring(L, -1)) {
            return luaL_error(L, "regie.write(\"%s\"): piece %d is a %s, expected text", path,
                              (int)i, luaL_typename(L, -1));
        }
        lua_tolstring(L, -1, &len); /* numbers become text in place */
        if (total + len < total) {
            return luaL_error(L, "regie.write(\"%s\"): too much text", path);
        }
        total += len;
        lua_pop(L, 1);
    }
    lbuf b = { 0 };
    lbuf_reserve(L, &b, total ? total : 1);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 2, i);
        size_t len;
        /* checked again: the collector may have run a finalizer since */
        const char *piece = lua_isstring(L, -1) ? lua_tolstring(L, -1, &len) : NULL;
        if (!piece || len > b.cap - b.len) {
            lbuf_free(L, &b);
            return luaL_error(L, "regie.write(\"%s\"): piece %d changed while it was written",
                              path, (int)i);
        }
        memcpy(b.data + b.len, piece, len);
        b.len += len;
        lua_pop(L, 1);
    }
    /* the buffer is given back also when the write fails */
    int ok = rg_host.write_file(ctx, path, b.data, b.len) == 0;
    lbuf_free(L, &b);
    return ok ? 0 : raise_ctx_error(L, ctx);
}

static int log_at(lua_State *L, int level)
{
    regie_ctx *ctx = ctx_of(L);
    const char *msg = luaL_tolstring(L, 1, NULL);
    rg_host.log(ctx, level, "%s", msg);
    return 0;
}

static int l_info(lua_State *L)
{
    return log_at(L, REGIE_LOG_INFO);
}
static int l_warn(lua_State *L)
{
    return log_at(L, REGIE_LOG_WARN);
}
static int l_debug(lua_State *L)
{
    return log_at(L, REGIE_LOG_DEBUG);
}

static int l_progress(lua_State *L)
{
    rg_host.progress(ctx_of(L), luaL_checknumber(L, 1));
    return 0;
}

static int l_fail(lua_State *L)
{
    luaL_where(L, 1);
    lua_pushstring(L, luaL_checkstring(L, 1));
    lua_concat(L, 2);
    return lua_error(L);
}

static int l_data_error(lua_State *L)
{
    regie_ctx *ctx = ctx_of(L);
    const char *file = luaL_optstring(L, 1, "input");
    lua_Integer line = luaL_optinteger(L, 2, 0);
    const char *col = luaL_optstring(L, 3, NULL);
    const char *found = lua_isnoneornil(L, 4) ? NULL : luaL_tolstring(L, 4, NULL);
    const char *exp = luaL_optstring(L, 5, NULL);
    rg_host.data_error(ctx, file, (long)line, col, found, exp);
    return 0;
}

/* The number of decimals at idx (0 when absent): 0 to 99. */
static int check_decimals(lua_State *L, int idx, const char *fn)
{
    lua_Integer d = luaL_optinteger(L, idx, 0);
    if (d < 0 || d > 99) {
        luaL_error(L, "%s: %I decimals, expected 0 to 99", fn, (LUAI_UACINT)d);
    }
    return (int)d;
}


/* regie.nearest(word, { candidate, ... }): the candidate a mistyped word
 * most likely meant (edit distance, case ignored), or nil when none is
 * close, for "did you mean ...?" */
static int l_nearest(lua_State *L)
{
    const char *word = luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 2);
    if (n < 0 || n > 10000) {
        return luaL_error(L, "regie.nearest: %d candidates, expected at most 10000", (int)n);
    }
    const char **cands = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *cands, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 2, i);
        if (lua_type(L, -1) != LUA_TSTRING) {
            return luaL_error(L, "regie.nearest: candidate %d is a %s, expected text", (int)i,
                              luaL_typename(L, -1));
        }
        cands[i - 1] = lua_tostring(L, -1); /* kept alive by the table */
        lua_pop(L, 1);
    }
    long k = rg_nearest(word, cands, (size_t)n);
    if (k < 0) {
        lua_pushnil(L);
    } else {
        lua_rawgeti(L, 2, (lua_Integer)k + 1);
    }
    return 1;
}

/* regie.round(x, d): a number rounded (exact for decimal inputs), or a
 * regie.decimal rounded on its exact value (a decimal). */
static int l_round(lua_State *L)
{
    rg_rat *r = rg_lua_test_decimal(L, 1);
    if (r) {
        lua_Integer d = luaL_optinteger(L, 2, 0);
        rg_rat out;
        luaL_argcheck(L, d >= 0 && d <= RG_RAT_MAX_DECIMALS, 2, "decimals from 0 to 18");
        if (rg_rat_round(*r, (int)d, &out) != 0) {
            return luaL_error(L, "regie.round: %s", rg_rat_strerror(RG_RAT_OVERFLOW));
        }
        rg_lua_push_decimal(L, out);
        return 1;
    }
    lua_Number x = luaL_checknumber(L, 1);
    int d = check_decimals(L, 2, "regie.round");
    lua_pushnumber(L, rg_round_half_up(x, d));
    return 1;
}

/* regie.format(x, d [, sep]): x a number or a regie.decimal. */
static int l_format(lua_State *L)
{
    rg_rat *r = rg_lua_test_decimal(L, 1);
    const char *sep = luaL_optstring(L, 3, ".");
    char buf[128];
    if (r) {
        lua_Integer d = luaL_optinteger(L, 2, 0);
        luaL_argcheck(L, d >= 0 && d <= RG_RAT_MAX_DECIMALS, 2, "decimals from 0 to 18");
        if (rg_rat_format(*r, (int)d, sep[0] ? sep[0] : '.', buf, sizeof buf) < 0) {
            return luaL_error(L, "regie.format: number too large");
        }
        lua_pushstring(L, buf);
        return 1;
    }
    lua_Number x = luaL_checknumber(L, 1);
    int d = check_decimals(L, 2, "regie.format");
    if (rg_format_decimal(x, d, sep[0] ? sep[0] : '.', buf, sizeof buf) < 0) {
        return luaL_error(L, "regie.format: number too large");
    }
    lua_pushstring(L, buf);
    return 1;
}

/* ---- escaping text for documents ----
 * Most text needs no escape at all: then the very string given comes back,
 * nothing is made. */

/* regie.html(s): s as HTML or XML text (& < > " ' as entities). */
static int l_html(lua_State *L)
{
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    size_t i = strcspn(s, "&<>\"'");
    if (i >= n) {
        lua_settop(L, 1);
        return 1;
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    size_t from = 0;
    for (; i < n; i++) {
        const char *e;
        switch (s[i]) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = "&#39;"; break;
        default: continue;
        }
        luaL_addlstring(&b, s + from, i - from);
        luaL_addstring(&b, e);
        from = i + 1;
    }
    luaL_addlstring(&b, s + from, n - from);
    luaL_pushresult(&b);
    return 1;
}

/* regie.md(s [, chars]): s as Markdown text on one line or in a table
 * cell: each run of line breaks (CR, LF) becomes one space, and each
 * character of `chars` (default \ | * _ ` < > [ ]) gets a backslash. */
static int l_md(lua_State *L)
{
    size_t n, nc;
    const char *s = luaL_checklstring(L, 1, &n);
    /* 1: gets a backslash, 2: a line break */
    static const unsigned char by_default[256] = { ['\\'] = 1, ['|'] = 1, ['*'] = 1, ['_'] = 1, ['`'] = 1,
                                                   ['<'] = 1,  ['>'] = 1, ['['] = 1, [']'] = 1, ['\r'] = 2,
                                                   ['\n'] = 2 };
    unsigned char own[256];
    const unsigned char *special = by_default;
    if (!lua_isnoneornil(L, 2)) {
        const char *chars = luaL_checklstring(L, 2, &nc);
        memset(own, 0, sizeof own);
        for (size_t k = 0; k < nc; k++) {
            own[(unsigned char)chars[k]] = 1;
        }
        own['\r'] = own['\n'] = 2;
        special = own;
    }
    size_t i = 0;
    while (i < n && !special[(unsigned char)s[i]]) {
        i++;
    }
    if (i >= n) {
        lua_settop(L, 1);
        return 1;
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addlstring(&b, s, i);
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (special[c] == 2) {
            luaL_addchar(&b, ' ');
            while (i < n && (s[i] == '\r' || s[i] == '\n')) {
                i++;
            }
            continue;
        }
        if (special[c]) {
            luaL_addchar(&b, '\\');
        }
        luaL_addchar(&b, (char)c);
        i++;
    }
    luaL_pushresult(&b);
    return 1;
}

static int l_parse_number(lua_State *L)
{
    const char *s = luaL_checkstring(L, 1);
    const char *sep = luaL_optstring(L, 2, ".");
    int64_t i;
    double d;
    if (rg_parse_int(s, &i) == 0) {
        lua_pushinteger(L, (lua_Integer)i);
    } else if (rg_parse_decimal(s, sep[0] ? sep[0] : '.', &d) == 0) {
        lua_pushnumber(L, d);
    } else {
        lua_pushnil(L);
    }
    return 1;
}

/* regie.rows(ds): each record of a dataset as a new table of its own (a
 * step may change it freely), with `_line` (its line in the source file, 0
 * when unknown) and `_i` (its position). */
static int l_rows(lua_State *L)
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
        regie_ctx *ctx = ctx_of(L);
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
    lua_createtable(L, size_hint((size_t)n), 0);
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

static int l_each(lua_State *L)
{
    regie_ctx *ctx = ctx_of(L);
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
    registry_table(L, &each_key, 1);
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
    const char *err = fill_row(L, w->t, 2, &bad, &w->busy);
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
static void end_out_writers(lua_State *L, regie_ctx *ctx, int succeeded)
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

static int l_output_writer(lua_State *L)
{
    regie_ctx *ctx = ctx_of(L);
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
    registry_table(L, &out_writers_key, 0);
    lua_pushvalue(L, -2);
    lua_rawsetp(L, -2, w);
    lua_pop(L, 1);
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

static int l_list(lua_State *L)
{
    if (lua_isnoneornil(L, 1)) {
        lua_newtable(L);
    } else {
        luaL_checktype(L, 1, LUA_TTABLE);
        lua_settop(L, 1);
    }
    set_list_mt(L, -1);
    return 1;
}

static int l_is_list(lua_State *L)
{
    lua_pushboolean(L, lua_type(L, 1) == LUA_TTABLE && has_list_mt(L, 1));
    return 1;
}

static int l_is_null(lua_State *L)
{
    lua_pushboolean(L, is_null(L, 1) || lua_isnoneornil(L, 1));
    return 1;
}

/* ---- dates ---- */
static int32_t check_date(lua_State *L, int idx)
{
    const char *s = luaL_checkstring(L, idx);
    int32_t d;
    int minute;
    if (rg_date_parse(s, &d) != 0 && rg_datetime_parse(s, &d, &minute) != 0) {
        luaL_error(L, "\"%s\" is not a date YYYY-MM-DD", s);
    }
    return d;
}

static void push_date(lua_State *L, int32_t d)
{
    char buf[11];
    rg_date_format(d, buf);
    lua_pushstring(L, buf);
}

typedef struct lcal {
    regie_calendar cal;
    int32_t *extra; /* a userdata on the Lua stack: freed by the GC */
} lcal;

static void check_cal(lua_State *L, int idx, lcal *c)
{
    memset(c, 0, sizeof *c);
    if (lua_isnoneornil(L, idx)) {
        return;
    }
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_getfield(L, idx, "liberation_day");
    if (!lua_isnil(L, -1)) {
        int v = rg_liberation_parse(lua_tostring(L, -1));
        if (v < 0) {
            luaL_error(L, "liberation_day: expected yearly, lustrum or never");
        }
        c->cal.liberation_day = v;
    }
    lua_pop(L, 1);
    lua_getfield(L, idx, "good_friday");
    c->cal.good_friday = lua_toboolean(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, idx, "atw");
    c->cal.atw = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "extra_closed") == LUA_TTABLE) {
        size_t n = lua_rawlen(L, -1);
        c->extra = lua_newuserdatauv(L, (n ? n : 1) * sizeof *c->extra, 0);
        lua_insert(L, -2); /* keep the storage below the table until the call returns */
        for (size_t i = 1; i <= n; i++) {
            lua_rawgeti(L, -1, (lua_Integer)i);
            c->extra[c->cal.n_extra_closed++] = check_date(L, -1);
            lua_pop(L, 1);
        }
        c->cal.extra_closed = c->extra;
    }
    lua_pop(L, 1);
}

static int l_date_valid(lua_State *L)
{
    int32_t d;
    lua_pushboolean(L, lua_type(L, 1) == LUA_TSTRING && rg_date_parse(lua_tostring(L, 1), &d) == 0);
    return 1;
}

/* A count of days or working days at idx: within what can lie between two
 * dates regie handles. */
static int64_t check_days(lua_State *L, int idx, const char *fn)
{
    lua_Integer n = luaL_checkinteger(L, idx);
    if (n < RG_DATE_MIN - RG_DATE_MAX || n > RG_DATE_MAX - RG_DATE_MIN) {
        luaL_error(L, "regie.date.%s: %I days is more than lie between 0001-01-01 and 9999-12-31", fn,
                   (LUAI_UACINT)n);
    }
    return (int64_t)n;
}

static int out_of_range(lua_State *L, const char *fn, int32_t d, int64_t n)
{
    char buf[11];
    rg_date_format(d, buf);
    return luaL_error(L, "regie.date.%s: %s %s %I %sdays is outside 0001-01-01 to 9999-12-31", fn, buf,
                      n < 0 ? "minus" : "plus", (LUAI_UACINT)(n < 0 ? -n : n),
                      strcmp(fn, "add_days") == 0 ? "" : "working ");
}

static int l_add_days(lua_State *L)
{
    int32_t d = check_date(L, 1);
    int64_t n = check_days(L, 2, "add_days");
    if (d + n < RG_DATE_MIN || d + n > RG_DATE_MAX) {
        return out_of_range(L, "add_days", d, n);
    }
    push_date(L, (int32_t)(d + n));
    return 1;
}

static int l_diff(lua_State *L)
{
    lua_pushinteger(L, check_date(L, 2) - check_date(L, 1));
    return 1;
}

static int l_weekday(lua_State *L)
{
    lua_pushinteger(L, rg_weekday(check_date(L, 1)));
    return 1;
}

static int workdays(lua_State *L, int sign)
{
    const char *fn = sign > 0 ? "add_workdays" : "sub_workdays";
    int32_t d = check_date(L, 1);
    int64_t n = check_days(L, 2, fn);
    lcal c;
    check_cal(L, 3, &c);
    int32_t out;
    if (rg_workdays_shift(&c.cal, d, sign * n, &out) != 0) {
        return out_of_range(L, fn, d, sign * n);
    }
    push_date(L, out);
    return 1;
}

static int l_add_workdays(lua_State *L)
{
    return workdays(L, 1);
}

static int l_sub_workdays(lua_State *L)
{
    return workdays(L, -1);
}

static int l_next_workday(lua_State *L)
{
    int32_t d = check_date(L, 1);
    lcal c;
    check_cal(L, 2, &c);
    int32_t out;
    if (rg_next_workday_in_range(&c.cal, d, &out) != 0) {
        return luaL_error(L, "regie.date.next_workday: no working day from %s to 9999-12-31",
                          lua_tostring(L, 1));
    }
    push_date(L, out);
    return 1;
}

static int l_is_workday(lua_State *L)
{
    int32_t d = check_date(L, 1);
    lcal c;
    check_cal(L, 2, &c);
    lua_pushboolean(L, rg_is_workday(&c.cal, d));
    return 1;
}

static int l_easter(lua_State *L)
{
    lua_Integer y = luaL_checkinteger(L, 1);
    if (y < 1 || y > 9999) {
        return luaL_error(L, "regie.date.easter: year %I, expected 1 to 9999", (LUAI_UACINT)y);
    }
    push_date(L, rg_easter((int)y));
    return 1;
}

/* ---- csv ---- */
static int l_csv_parse(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, "text");
    /* the table is made in C memory, outside the state's allocator: at
     * most a value per separator or line break, and the text */
    size_t cells = 1;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        cells += c == ',' || c == ';' || c == '\t' || c == '\n' || c == '\r';
    }
    rg_lua_check_room(L, cells * sizeof(regie_value) + len);
    rg_errors errs = { 0 };
    regie_table *t = NULL;
    if (rg_csv_parse(name, text, len, NULL, 0, NULL, &t, &errs) != 0) {
        lua_pushstring(L, errs.n ? errs.msg[0] : "cannot parse CSV");
        rg_err_free(&errs);
        return lua_error(L);
    }
    owned *o = owned_new(L);
    o->t = t;
    rg_lua_push_table(L, t);
    return 1;
}

static int l_csv_encode(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    if (lua_isnoneornil(L, 2)) {
        lua_settop(L, 1); /* (also when there was no second argument) */
        lua_getfield(L, 1, "columns");
    }
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    size_t ncols, bad;
    const char **cols = column_names(L, 2, &ncols, &bad);
    if (!cols) {
        return luaL_error(L, "regie.csv.encode: column %d is not a name", (int)bad + 1);
    }
    owned *o = owned_new(L); /* (frees the table and text when an error leaves them) */
    regie_table *t = o->t = rg_table_new(ncols, cols);
    size_t nrows = lua_rawlen(L, 1);
    for (size_t r = 1; r <= nrows; r++) {
        if (lua_rawgeti(L, 1, (lua_Integer)r) != LUA_TTABLE) {
            return luaL_error(L, "regie.csv.encode: row %d is not a record", (int)r);
        }
        const char *err = fill_row(L, t, -1, &bad, NULL);
        if (err) {
            return luaL_error(L, "regie.csv.encode: %s", err);
        }
        lua_pop(L, 1);
    }
    rg_csv_write(&o->b, t);
    lua_pushlstring(L, o->b.data, o->b.len);
    return 1;
}

/* ---- writers: regie.csv.writer and regie.file ----
 *   local w = regie.csv.writer("contacts.csv", { "id", "date", ... })
 *   w:add(id, date, ...)        -- one line, the values in column order
 *   w:record({ id = ..., ... }) -- one line from a record
 *   w:close()                   -- completes the file; returns the lines
 *   local f = regie.file("report.html")
 *   f:write(piece, ...)         -- strings or numbers, appended
 *   f:close()                   -- completes the file; returns its size
 * A CSV line is encoded as regie.csv.encode and regie.output encode it.
 * Both kinds stream: what they hold goes to the unfinished file in parts
 * of about WRITER_FLUSH bytes, so neither a record table per line nor a
 * string of the whole file is ever made. */

typedef struct file_writer {
    char *path;
    char **cols; /* a CSV writer's columns; NULL for regie.file */
    size_t ncols, lines, size;
    regie_ctx *ctx; /* the step that writes it */
    rg_afile file;  /* the unfinished file (fd -1: none) */
    lbuf out;       /* what is not yet in the file (counts towards the step's memory) */
    rg_buf row;     /* scratch for one field */
    int closed;
    int busy;          /* a record's metamethods are being run */
    int in_line;       /* a line of add/record was begun and not ended (an error in it) */
    size_t line_start; /* where that line begins in out */
} file_writer;

/* What a writer holds is written out in parts of about this size. */
#define WRITER_FLUSH ((size_t)1 << 20)

static file_writer *check_open(lua_State *L, const char *type)
{
    file_writer *w = luaL_checkudata(L, 1, type);
    /* (a writer the step left open was closed when it ended: one never
     * outlives its step's context) */
    if (w->closed) {
        luaL_error(L, "%s(\"%s\"): already closed", type, w->path ? w->path : "");
    }
    if (w->busy) {
        luaL_error(L, "%s(\"%s\"): in use (a metamethod of the record it takes cannot use it)", type,
                   w->path);
    }
    return w;
}

static void writer_release(lua_State *L, file_writer *w);

/* Hand what the writer holds to the file. */
static void writer_flush(lua_State *L, file_writer *w)
{
    if (w->out.len == 0) {
        return;
    }
    if (rg_output_write(w->ctx, &w->file, w->out.data, w->out.len) != 0) {
        /* the unfinished file is gone: the writer is closed */
        writer_release(L, w);
        raise_ctx_error(L, w->ctx);
    }
    w->size += w->out.len;
    w->out.len = 0;
}

static void writer_maybe_flush(lua_State *L, file_writer *w)
{
    if (w->out.len >= WRITER_FLUSH) {
        writer_flush(L, w);
    }
}

/* A new writer of either kind on the stack; the file is begun at once, so
 * a path that cannot be written fails here. */
static file_writer *writer_new(lua_State *L, const char *type, const char *path)
{
    regie_ctx *ctx = ctx_of(L);
    file_writer *w = lua_newuserdatauv(L, sizeof *w, 0);
    memset(w, 0, sizeof *w);
    w->file.fd = -1;
    w->file.dirfd = -1;
    w->closed = 1; /* until it is complete: nothing to release */
    luaL_setmetatable(L, type);
    w->path = rg_xstrdup(path);
    w->ctx = ctx;
    if (rg_output_open(ctx, path, &w->file) != 0) {
        raise_ctx_error(L, ctx);
    }
    w->closed = 0;
    /* known while open (writers[w] = the writer), so the step's end finds
     * one left open; writer_release takes it out */
    lua_rawgetp(L, LUA_REGISTRYINDEX, &writers_key);
    lua_pushvalue(L, -2);
    lua_rawsetp(L, -2, w);
    lua_pop(L, 1);
    return w;
}

static void end_out_writers(lua_State *L, regie_ctx *ctx, int succeeded);

void rg_lua_end_writers(lua_State *L, regie_ctx *ctx, int succeeded)
{
    end_out_writers(L, ctx, succeeded);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &writers_key);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        file_writer *w = lua_touserdata(L, -1);
        lua_pop(L, 1);
        if (succeeded) {
            rg_host.log(ctx, REGIE_LOG_WARN, "%s was not closed (close() writes it): not written",
                        w->path);
        }
        writer_release(L, w); /* clears its entry: allowed while traversing */
    }
    lua_pop(L, 1);
}

static file_writer *check_writer(lua_State *L)
{
    return check_open(L, "regie.csv.writer");
}

/* One value at idx of column c into the writer's buffer. */
static void writer_put(lua_State *L, file_writer *w, int idx, size_t c)
{
    regie_value v;
    rg_buf *b = &w->row;
    b->len = 0;
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        return;
    case LUA_TSTRING: { /* the common case straight into the file */
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        if (!rg_csv_needs_quotes(s, len)) {
            lbuf_put(L, &w->out, s, len);
            return;
        }
        rg_csv_put_text(b, s, len);
        break;
    }
    case LUA_TBOOLEAN:
        v.type = REGIE_BOOL;
        v.u.b = lua_toboolean(L, idx);
        rg_csv_put_value(b, &v);
        break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            char num[24];
            lbuf_put(L, &w->out, num, rg_fmt_int(num, (int64_t)lua_tointeger(L, idx)));
            return;
        }
        v.type = REGIE_NUM;
        v.u.n = (double)lua_tonumber(L, idx);
        rg_csv_put_value(b, &v);
        break;
    case LUA_TLIGHTUSERDATA:
        if (is_null(L, idx)) {
            return;
        }
        /* fall through */
    default: {
        regie_table *scratch = rg_table_new(0, NULL);
        const char *err = lua_type(L, idx) == LUA_TTABLE ? rg_lua_to_value(L, idx, scratch, &v)
                                                          : "cannot write this value";
        if (!err) {
            rg_csv_put_value(b, &v);
        }
        rg_table_free(scratch);
        if (err) {
            luaL_error(L, "regie.csv.writer(\"%s\"): line %d, column %s: %s (a %s)", w->path,
                       (int)w->lines + 1, w->cols[c], err, luaL_typename(L, idx));
        }
        break;
    }
    }
    lbuf_put(L, &w->out, b->data, b->len);
}

/* A line begins: what an earlier one left when an error stopped it goes. */
static void line_begin(file_writer *w)
{
    if (w->in_line) {
        w->out.len = w->line_start;
    }
    w->line_start = w->out.len;
    w->in_line = 1;
}

static int l_writer_add(lua_State *L)
{
    file_writer *w = check_writer(L);
    int n = lua_gettop(L) - 1;
    if ((size_t)n != w->ncols) {
        return luaL_error(L, "regie.csv.writer(\"%s\"): add: %d values for %d columns", w->path, n,
                          (int)w->ncols);
    }
    line_begin(w);
    for (size_t c = 0; c < w->ncols; c++) {
        if (c) {
            lbuf_put(L, &w->out, ",", 1);
        }
        writer_put(L, w, (int)c + 2, c);
    }
    lbuf_put(L, &w->out, "\r\n", 2);
    w->in_line = 0;
    w->lines++;
    writer_maybe_flush(L, w);
    return 0;
}

static int l_writer_record(lua_State *L)
{
    file_writer *w = check_writer(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    get_fields(L, 2, w->cols, w->ncols, &w->busy);
    line_begin(w);
    for (size_t c = 0; c < w->ncols; c++) {
        if (c) {
            lbuf_put(L, &w->out, ",", 1);
        }
        writer_put(L, w, 3 + (int)c, c);
    }
    lua_settop(L, 2);
    lbuf_put(L, &w->out, "\r\n", 2);
    w->in_line = 0;
    w->lines++;
    writer_maybe_flush(L, w);
    return 0;
}

static void writer_release(lua_State *L, file_writer *w)
{
    if (w->file.fd >= 0) {
        rg_afile_abort(&w->file); /* not closed: the unfinished file goes */
    }
    lua_rawgetp(L, LUA_REGISTRYINDEX, &writers_key);
    lua_pushnil(L);
    lua_rawsetp(L, -2, w);
    lua_pop(L, 1);
    lbuf_free(L, &w->out);
    rg_buf_free(&w->row);
    memset(&w->row, 0, sizeof w->row);
    for (size_t c = 0; c < w->ncols; c++) {
        free(w->cols[c]);
    }
    free(w->cols);
    w->cols = NULL;
    w->ncols = 0;
    w->closed = 1; /* the path stays for messages until __gc */
}

/* Finish the file (a Lua error when that fails). */
static void close_file(lua_State *L, file_writer *w)
{
    regie_ctx *ctx = w->ctx;
    if (w->in_line) { /* a line an error stopped is not written */
        w->out.len = w->line_start;
        w->in_line = 0;
    }
    writer_flush(L, w);
    int ok = rg_output_commit(ctx, w->path, &w->file) == 0;
    writer_release(L, w);
    if (!ok) {
        raise_ctx_error(L, ctx);
    }
}

/* w:close() of either kind: the lines of a CSV file, the size of a text */
static int l_writer_close(lua_State *L)
{
    file_writer *w = luaL_testudata(L, 1, "regie.file") ? check_open(L, "regie.file") : check_writer(L);
    lua_Integer result = (lua_Integer)(w->cols ? w->lines : w->size + w->out.len);
    close_file(L, w);
    lua_pushinteger(L, result);
    return 1;
}

static int l_writer_gc(lua_State *L)
{
    file_writer *w = luaL_testudata(L, 1, "regie.csv.writer");
    if (!w) {
        w = luaL_testudata(L, 1, "regie.file");
    }
    if (w && !w->closed) {
        writer_release(L, w);
    }
    if (w) {
        free(w->path);
        w->path = NULL;
    }
    return 0;
}

static int l_file_write(lua_State *L)
{
    file_writer *w = check_open(L, "regie.file");
    int n = lua_gettop(L);
    for (int i = 2; i <= n; i++) {
        if (lua_isinteger(L, i)) { /* as tostring writes it, without making a string */
            char num[24];
            lbuf_put(L, &w->out, num, rg_fmt_int(num, (int64_t)lua_tointeger(L, i)));
            continue;
        }
        size_t len;
        const char *s = lua_tolstring(L, i, &len);
        if (!s) {
            return luaL_error(L, "regie.file(\"%s\"): write: argument %d is a %s, expected text",
                              w->path, i - 1, luaL_typename(L, i));
        }
        lbuf_put(L, &w->out, s, len);
    }
    writer_maybe_flush(L, w);
    return 0;
}

static int l_file(lua_State *L)
{
    writer_new(L, "regie.file", luaL_checkstring(L, 1));
    return 1;
}

static int l_csv_writer(lua_State *L)
{
    ctx_of(L);
    const char *path = luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    size_t ncols = lua_rawlen(L, 2);
    if (ncols == 0) {
        return luaL_error(L, "regie.csv.writer(\"%s\"): expected a list of column names", path);
    }
    for (size_t c = 0; c < ncols; c++) {
        if (lua_rawgeti(L, 2, (lua_Integer)c + 1) != LUA_TSTRING) {
            return luaL_error(L, "regie.csv.writer(\"%s\"): column %d is not a name", path, (int)c + 1);
        }
        lua_pop(L, 1);
    }
    file_writer *w = writer_new(L, "regie.csv.writer", path);
    w->cols = rg_xcalloc(ncols, sizeof *w->cols);
    for (size_t c = 0; c < ncols; c++) {
        lua_rawgeti(L, 2, (lua_Integer)c + 1);
        w->cols[c] = rg_xstrdup(lua_tostring(L, -1));
        w->ncols++;
        lua_pop(L, 1);
        if (c) {
            lbuf_put(L, &w->out, ",", 1);
        }
        w->row.len = 0;
        rg_csv_put_name(&w->row, w->cols[c]);
        lbuf_put(L, &w->out, w->row.data, w->row.len);
    }
    lbuf_put(L, &w->out, "\r\n", 2);
    return 1;
}

/* The metatable of a writer type: its methods, and __gc. */
static void writer_type(lua_State *L, const char *type, const luaL_Reg *methods)
{
    luaL_newmetatable(L, type);
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, l_writer_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushstring(L, type); /* what getmetatable gives: not the finalizer */
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
}

/* setmetatable as Lua's, refusing a metatable with a finalizer. */
static int l_list_tostring(lua_State *L)
{
    lua_pushfstring(L, "list: %p", lua_topointer(L, 1));
    return 1;
}

void rg_lua_open_regie(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "input", l_input },         { "has_input", l_has_input }, { "describe", l_describe }, { "output", l_output },
        { "write", l_write },         { "log", l_info },            { "info", l_info },
        { "warn", l_warn },           { "debug", l_debug },         { "progress", l_progress },
        { "fail", l_fail },           { "data_error", l_data_error }, { "round", l_round },
        { "format", l_format },       { "parse_number", l_parse_number }, { "list", l_list }, { "rows", l_rows }, { "file", l_file },
        { "is_list", l_is_list },     { "is_null", l_is_null },     { "html", l_html },
        { "md", l_md },               { "each", l_each },           { "output_writer", l_output_writer },
        { "order", rg_lua_order },
        { "nearest", l_nearest },
        { NULL, NULL },
    };
    static const luaL_Reg date_fns[] = {
        { "valid", l_date_valid },       { "add_days", l_add_days },
        { "diff", l_diff },              { "weekday", l_weekday },
        { "add_workdays", l_add_workdays }, { "sub_workdays", l_sub_workdays },
        { "next_workday", l_next_workday }, { "is_workday", l_is_workday },
        { "easter", l_easter },          { NULL, NULL },
    };
    static const luaL_Reg csv_fns[] = { { "parse", l_csv_parse }, { "encode", l_csv_encode },
                                        { "writer", l_csv_writer }, { "field", rg_lua_csv_field }, { NULL, NULL } };
    /* list metatable */
    lua_newtable(L);
    lua_pushstring(L, "regie.list");
    lua_setfield(L, -2, "__name");
    lua_pushcfunction(L, l_list_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &list_mt_key);
    rg_lua_reset_inputs(L);
    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &writers_key);

    luaL_newlib(L, fns);
    push_null(L);
    lua_setfield(L, -2, "null");
    lua_rawgetp(L, LUA_REGISTRYINDEX, &list_mt_key);
    lua_setfield(L, -2, "list_mt");
    luaL_newlib(L, date_fns);
    lua_setfield(L, -2, "date");
    rg_lua_open_decimal(L);
    lua_setfield(L, -2, "decimal");
    static const luaL_Reg writer_fns[] = {
        { "add", l_writer_add }, { "record", l_writer_record }, { "close", l_writer_close },
        { NULL, NULL },
    };
    static const luaL_Reg file_fns[] = { { "write", l_file_write }, { "close", l_writer_close },
                                         { NULL, NULL } };
    writer_type(L, "regie.csv.writer", writer_fns);
    writer_type(L, "regie.file", file_fns);
    static const luaL_Reg out_writer_fns[] = {
        { "add", l_out_writer_add }, { "record", l_out_writer_record }, { "close", l_out_writer_close },
        { NULL, NULL },
    };
    luaL_newmetatable(L, OUT_WRITER);
    luaL_newlib(L, out_writer_fns);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, l_out_writer_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushliteral(L, OUT_WRITER); /* what getmetatable gives: not the finalizer */
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
    luaL_newlib(L, csv_fns);
    lua_setfield(L, -2, "csv");
    lua_pushvalue(L, -1);
    lua_setglobal(L, "regie");
}
