/* api_order.c - regie.order: the order of records by several columns,
 * sorted in C.
 *
 * A script that sorts a large roster with table.sort pays for a Lua call
 * per comparison, or for building a text key per record; regie.order takes
 * the columns as plain lists and returns the positions in order, stably,
 * for any number of records. */
#include "api.h"

#include <lauxlib.h>
#include <math.h>
#include <string.h>

enum { KEY_INT, KEY_NUM, KEY_STR };

typedef union {
    lua_Integer i;
    lua_Number d;
    struct {
        const char *p;
        size_t len;
    } s;
} key_value;

typedef struct {
    int kind;  /* KEY_* */
    int desc;  /* high to low */
    key_value *v; /* v[0..n) */
} key_column;

typedef struct {
    const key_column *cols;
    size_t ncols;
} order_spec;

/* Records a and b compared column by column (0 when equal in every one:
 * the merge keeps those in their order).  NaN comes after every number,
 * in either direction. */
static int cmp_records(const order_spec *o, size_t a, size_t b)
{
    for (size_t c = 0; c < o->ncols; c++) {
        const key_column *k = &o->cols[c];
        const key_value *x = &k->v[a], *y = &k->v[b];
        int r;
        switch (k->kind) {
        case KEY_INT:
            r = (x->i > y->i) - (x->i < y->i);
            break;
        case KEY_NUM: {
            int nx = isnan(x->d), ny = isnan(y->d);
            if (nx || ny) {
                if (nx != ny) {
                    return nx - ny; /* not turned round by "desc" */
                }
                r = 0;
            } else {
                r = (x->d > y->d) - (x->d < y->d);
            }
            break;
        }
        default: {
            size_t n = x->s.len < y->s.len ? x->s.len : y->s.len;
            r = memcmp(x->s.p, y->s.p, n);
            if (r == 0) {
                r = (x->s.len > y->s.len) - (x->s.len < y->s.len);
            }
            r = (r > 0) - (r < 0);
            break;
        }
        }
        if (r) {
            return k->desc ? -r : r;
        }
    }
    return 0;
}

/* Merge sort of the positions idx[0..n) with tmp[0..n) as scratch;
 * stable: of equal records the one from the left run goes first. */
static void sort_positions(const order_spec *o, size_t *idx, size_t *tmp, size_t n)
{
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                tmp[k++] = cmp_records(o, idx[j], idx[i]) < 0 ? idx[j++] : idx[i++];
            }
            while (i < mid) {
                tmp[k++] = idx[i++];
            }
            while (j < hi) {
                tmp[k++] = idx[j++];
            }
        }
        memcpy(idx, tmp, n * sizeof *idx);
    }
}

/* Scratch memory from the Lua allocator (it counts against the step's
 * memory limit and goes with the state on an error): a userdata left on
 * the stack. */
static void *scratch(lua_State *L, size_t n, size_t size)
{
    if (n && size > (size_t)-1 / n) {
        luaL_error(L, "regie.order: too many records");
    }
    size_t bytes = n * size;
    return lua_newuserdatauv(L, bytes > 0 ? bytes : 1, 0);
}

/* The value at idx as a message shows it: "text" quoted, null, a number
 * as written, else its type ("a table"); pushed. */
static const char *shown(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TSTRING:
        return lua_pushfstring(L, "\"%s\"", lua_tostring(L, idx));
    case LUA_TNUMBER:
        return luaL_tolstring(L, idx, NULL);
    case LUA_TLIGHTUSERDATA:
        return lua_pushstring(L, "null"); /* regie.null is the only light userdata scripts see */
    case LUA_TNIL:
        return lua_pushstring(L, "missing");
    default:
        return lua_pushfstring(L, "a %s", luaL_typename(L, idx));
    }
}

/* regie.order(columns [, directions]) -> { position, ... }
 * columns: a list of lists, each of n numbers or n strings; directions: a
 * list of "asc" (the default) or "desc", one per column. */
int rg_api_order(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    int has_dirs = !lua_isnoneornil(L, 2);
    if (has_dirs) {
        luaL_checktype(L, 2, LUA_TTABLE);
    }
    lua_settop(L, 2);
    size_t ncols = (size_t)lua_rawlen(L, 1);
    if (ncols == 0) {
        return luaL_error(L, "regie.order: no columns given, expected a list of lists");
    }
    if (ncols > 10000) {
        return luaL_error(L, "regie.order: %d columns, expected at most 10000", (int)ncols);
    }
    luaL_checkstack(L, (int)(2 * ncols + 8), "regie.order: too many columns");
    key_column *cols = scratch(L, ncols, sizeof *cols);
    size_t n = 0;
    for (size_t c = 0; c < ncols; c++) {
        key_column *k = &cols[c];
        k->desc = 0;
        if (has_dirs) {
            lua_rawgeti(L, 2, (lua_Integer)c + 1);
            if (!lua_isnil(L, -1)) {
                const char *d = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
                if (strcmp(d, "desc") == 0) {
                    k->desc = 1;
                } else if (strcmp(d, "asc") != 0) {
                    return luaL_error(L, "regie.order: direction %d is %s, expected \"asc\" or \"desc\"",
                                      (int)c + 1, shown(L, -1));
                }
            }
            lua_pop(L, 1);
        }
        if (lua_rawgeti(L, 1, (lua_Integer)c + 1) != LUA_TTABLE) {
            return luaL_error(L, "regie.order: column %d is a %s, expected a list of values", (int)c + 1,
                              luaL_typename(L, -1));
        }
        int list = lua_gettop(L); /* kept on the stack: its strings stay alive */
        size_t len = (size_t)lua_rawlen(L, list);
        if (c == 0) {
            n = len;
        } else if (len != n) {
            return luaL_error(L, "regie.order: column %d has %d values, column 1 has %d: expected as many",
                              (int)c + 1, (int)len, (int)n);
        }
        k->v = scratch(L, n, sizeof *k->v);
        int strings = n > 0 && lua_rawgeti(L, list, 1) == LUA_TSTRING;
        if (n > 0) {
            lua_pop(L, 1);
        }
        /* numbers stay integers until the first float, then all are floats */
        k->kind = strings ? KEY_STR : KEY_INT;
        for (size_t i = 0; i < n; i++) {
            int t = lua_rawgeti(L, list, (lua_Integer)i + 1);
            if (strings ? t != LUA_TSTRING : t != LUA_TNUMBER) {
                return luaL_error(L, "regie.order: column %d, value %d is %s, expected a %s like the column's first",
                                  (int)c + 1, (int)i + 1, shown(L, -1), strings ? "string" : "number");
            }
            if (strings) {
                k->v[i].s.p = lua_tolstring(L, -1, &k->v[i].s.len);
            } else if (k->kind == KEY_INT && lua_isinteger(L, -1)) {
                k->v[i].i = lua_tointeger(L, -1);
            } else {
                if (k->kind == KEY_INT) {
                    for (size_t j = 0; j < i; j++) {
                        k->v[j].d = (lua_Number)k->v[j].i;
                    }
                    k->kind = KEY_NUM;
                }
                k->v[i].d = lua_tonumber(L, -1);
            }
            lua_pop(L, 1);
        }
    }
    size_t *idx = scratch(L, n, sizeof *idx);
    size_t *tmp = scratch(L, n, sizeof *tmp);
    for (size_t i = 0; i < n; i++) {
        idx[i] = i;
    }
    order_spec o = { cols, ncols };
    sort_positions(&o, idx, tmp, n);
    lua_createtable(L, n > (size_t)0x7fffffff ? 0x7fffffff : (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushinteger(L, (lua_Integer)idx[i] + 1);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}
