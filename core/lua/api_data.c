/* api_data.c - the one definition of how data crosses between C and Lua:
 * integers stay integers, numbers stay floats, null is regie.null, lists
 * carry regie's list metatable so an empty list survives (regie.list,
 * regie.is_list, regie.is_null), and tables become sequences of records;
 * and what the topics of the `regie` module share to get there. */
#define _GNU_SOURCE
#include "api.h"

#include <lauxlib.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char null_key = 0;
static const char list_mt_key = 0;

regie_ctx **rg_lua_ctx_slot(lua_State *L)
{
    return (regie_ctx **)lua_getextraspace(L);
}

regie_ctx *rg_lua_step_ctx(lua_State *L)
{
    regie_ctx *ctx = *rg_lua_ctx_slot(L);
    if (!ctx) {
        luaL_error(L, "this regie function works only while a step runs");
    }
    return ctx;
}

void rg_lua_push_null(lua_State *L)
{
    lua_pushlightuserdata(L, (void *)&null_key);
}

int rg_lua_is_null(lua_State *L, int idx)
{
    return lua_islightuserdata(L, idx) && lua_touserdata(L, idx) == (void *)&null_key;
}

static void set_list_mt(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &list_mt_key);
    lua_setmetatable(L, idx);
}

int rg_lua_has_list_mt(lua_State *L, int idx)
{
    if (!lua_getmetatable(L, idx)) {
        return 0;
    }
    lua_rawgetp(L, LUA_REGISTRYINDEX, &list_mt_key);
    int eq = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return eq;
}

/* ---- C memory that a Lua error may unwind past (rg_lua_owned, api.h) ---- */

static int owned_release(lua_State *L)
{
    rg_lua_owned *o = lua_touserdata(L, 1);
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
rg_lua_owned *rg_lua_owned_new(lua_State *L)
{
    rg_lua_owned *o = lua_newuserdatauv(L, sizeof *o, 0);
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
int rg_lua_size_hint(size_t n)
{
    return n > (size_t)INT_MAX ? INT_MAX : (int)n;
}

void rg_lua_push_value(lua_State *L, const regie_value *v)
{
    switch (v->type) {
    case REGIE_NULL:
        rg_lua_push_null(L);
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
        lua_createtable(L, rg_lua_size_hint(n), 0);
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

/* The records of t as a sequence of new tables (see api.h). */
void rg_lua_push_records(lua_State *L, const regie_table *t, int positions, const size_t *pick,
                         size_t npick)
{
    int base = lua_gettop(L);
    /* a bulk conversion makes only live objects: collecting meanwhile
     * would walk them again and again for nothing (restarted by the owned,
     * also after an error) */
    rg_lua_owned *o = rg_lua_owned_new(L);
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
    lua_createtable(L, rg_lua_size_hint(t->nrows), 0);
    int list = lua_gettop(L);
    for (size_t r = 0; r < t->nrows; r++) {
        lua_createtable(L, 0, rg_lua_size_hint(nc + (positions ? 2 : 0)));
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
void rg_lua_set_columns_and_source(lua_State *L, int tab, const regie_table *t, const size_t *pick,
                                   size_t npick)
{
    tab = lua_absindex(L, tab);
    size_t nc = pick ? npick : t->ncols;
    lua_createtable(L, rg_lua_size_hint(nc), 0);
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
void rg_lua_push_dataset(lua_State *L, const regie_table *t, const size_t *pick, size_t npick)
{
    rg_lua_push_records(L, t, 0, pick, npick);
    int tab = lua_gettop(L);
    lua_createtable(L, rg_lua_size_hint(t->nrows), 0);
    for (size_t r = 0; r < t->nrows; r++) {
        lua_pushinteger(L, t->lines ? t->lines[r] : 0);
        lua_rawseti(L, -2, (lua_Integer)r + 1);
    }
    lua_setfield(L, tab, "lines");
    rg_lua_set_columns_and_source(L, tab, t, pick, npick);
}

void rg_lua_push_table(lua_State *L, const regie_table *t)
{
    rg_lua_push_dataset(L, t, NULL, 0);
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
        if (rg_lua_is_null(L, idx)) {
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
        if (!rg_lua_has_list_mt(L, idx) && !is_sequence(L, idx, &n)) {
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

/* The registry's table at `key` on the stack, made the first time (with
 * weak values when `weak`). */
void rg_lua_registry_table(lua_State *L, const void *key, int weak)
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
void rg_lua_get_fields(lua_State *L, int idx, char *const *names, size_t n, int *busy)
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
const char *rg_lua_fill_row(lua_State *L, regie_table *t, int idx, size_t *bad, int *busy)
{
    rg_lua_get_fields(L, idx, t->cols, t->ncols, busy);
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
const char **rg_lua_column_names(lua_State *L, int idx, size_t *ncols, size_t *bad)
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

int rg_api_list(lua_State *L)
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

int rg_api_is_list(lua_State *L)
{
    lua_pushboolean(L, lua_type(L, 1) == LUA_TTABLE && rg_lua_has_list_mt(L, 1));
    return 1;
}

int rg_api_is_null(lua_State *L)
{
    lua_pushboolean(L, rg_lua_is_null(L, 1) || lua_isnoneornil(L, 1));
    return 1;
}

static int l_list_tostring(lua_State *L)
{
    lua_pushfstring(L, "list: %p", lua_topointer(L, 1));
    return 1;
}

void rg_lua_open_lists(lua_State *L)
{
    lua_newtable(L);
    lua_pushstring(L, "regie.list");
    lua_setfield(L, -2, "__name");
    lua_pushcfunction(L, l_list_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &list_mt_key);
}

void rg_lua_push_list_mt(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &list_mt_key);
}
