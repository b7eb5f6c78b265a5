/* api_decimal.c - regie.decimal: exact decimal (rational) values for
 * scripts.
 *
 * Points and prices are computed on these, so that a formula edited in a
 * script cannot bring binary floating point back by accident: a decimal
 * mixes with integers, decimal texts and other decimals, and refuses a Lua
 * float (0.1 is not one tenth in binary) unless it is converted on purpose
 * with regie.decimal.from_number, which takes its shortest decimal text.
 *
 *   local D = regie.decimal
 *   local x = D("33.3") * 175 / 300     -- 19.425 exactly
 *   x:round(2)                          -- 19.43 (half-up on the exact value)
 *   x:format(2, ",")                    -- "19,43"
 *   tostring(x), x:text()               -- "19.425" (or "125/6"): D(text) reads it back
 *   x:tonumber()                        -- the nearest double, for storing or drawing
 *   D.from_number(33.3)                 -- 33.3 as written (a decimal read from a file)
 *
 * Operators: + - * / unary -, < <= > >= (also against integers), == between
 * two decimals (Lua does not call __eq for a decimal and a number: compare
 * with x:cmp(0) == 0 or x == D(0)).  A decimal is not a table key by value:
 * key by its text or its rounded number. */
#include "rational.h"
#include "api.h"

#include <lauxlib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DECIMAL_MT "regie.decimal"

static rg_rat *push_rat(lua_State *L, rg_rat r)
{
    rg_rat *p = lua_newuserdatauv(L, sizeof *p, 0);
    *p = r;
    luaL_setmetatable(L, DECIMAL_MT);
    return p;
}

rg_rat *rg_lua_test_decimal(lua_State *L, int idx)
{
    return lua_type(L, idx) == LUA_TUSERDATA ? luaL_testudata(L, idx, DECIMAL_MT) : NULL;
}

void rg_lua_push_decimal(lua_State *L, rg_rat r)
{
    push_rat(L, r);
}

/* The value at idx as a rational, or a Lua error naming `what`. */
static rg_rat check_rat(lua_State *L, int idx, const char *what)
{
    rg_rat r;
    switch (lua_type(L, idx)) {
    case LUA_TUSERDATA: {
        rg_rat *p = luaL_testudata(L, idx, DECIMAL_MT);
        if (p) {
            return *p;
        }
        break;
    }
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            int rc = rg_rat_make((int64_t)lua_tointeger(L, idx), 1, &r);
            if (rc != 0) {
                luaL_error(L, "regie.decimal: %s: %s", what, rg_rat_strerror(rc));
            }
            return r;
        }
        luaL_error(L,
                   "regie.decimal: %s: %s is a floating-point number; give the decimal as text "
                   "or an integer, or convert it on purpose with regie.decimal.from_number(x)",
                   what, lua_tostring(L, idx));
        break;
    case LUA_TSTRING: {
        int rc = rg_rat_parse(lua_tostring(L, idx), '.', &r);
        if (rc != 0) {
            luaL_error(L, "regie.decimal: %s: \"%s\": %s", what, lua_tostring(L, idx),
                       rg_rat_strerror(rc));
        }
        return r;
    }
    default:
        break;
    }
    luaL_error(L, "regie.decimal: %s: expected a decimal, an integer or a decimal text, got %s",
               what, luaL_typename(L, idx));
    return r; /* not reached */
}

static int result(lua_State *L, int rc, rg_rat r, const char *op)
{
    if (rc != 0) {
        return luaL_error(L, "regie.decimal: %s: %s", op, rg_rat_strerror(rc));
    }
    push_rat(L, r);
    return 1;
}

/* The arithmetic operators: a op b, named in errors. */
static int binop(lua_State *L, int (*op)(rg_rat, rg_rat, rg_rat *), const char *name)
{
    rg_rat r, a = check_rat(L, 1, name), b = check_rat(L, 2, name);
    return result(L, op(a, b, &r), r, name);
}

static int l_add(lua_State *L)
{
    return binop(L, rg_rat_add, "+");
}

static int l_sub(lua_State *L)
{
    return binop(L, rg_rat_sub, "-");
}

static int l_mul(lua_State *L)
{
    return binop(L, rg_rat_mul, "*");
}

static int l_div(lua_State *L)
{
    return binop(L, rg_rat_div, "/");
}

static int l_unm(lua_State *L)
{
    rg_rat a = check_rat(L, 1, "-");
    a.num = -a.num;
    push_rat(L, a);
    return 1;
}

/* The comparison operators: rg_rat_cmp of the two operands, named in
 * errors. */
static int cmpop(lua_State *L, const char *name)
{
    rg_rat a = check_rat(L, 1, name), b = check_rat(L, 2, name);
    return rg_rat_cmp(a, b);
}

static int l_eq(lua_State *L)
{
    lua_pushboolean(L, cmpop(L, "==") == 0);
    return 1;
}

static int l_lt(lua_State *L)
{
    lua_pushboolean(L, cmpop(L, "<") < 0);
    return 1;
}

static int l_le(lua_State *L)
{
    lua_pushboolean(L, cmpop(L, "<=") <= 0);
    return 1;
}

static int push_text(lua_State *L, rg_rat a)
{
    char buf[96];
    if (rg_rat_text(a, buf, sizeof buf) < 0) {
        return luaL_error(L, "regie.decimal: text too long");
    }
    lua_pushstring(L, buf);
    return 1;
}

static int l_tostring(lua_State *L)
{
    return push_text(L, check_rat(L, 1, "tostring"));
}

static int l_concat(lua_State *L)
{
    for (int i = 1; i <= 2; i++) {
        if (luaL_testudata(L, i, DECIMAL_MT)) {
            push_text(L, check_rat(L, i, ".."));
        } else {
            luaL_tolstring(L, i, NULL);
        }
    }
    lua_concat(L, 2);
    return 1;
}

static int check_decimals(lua_State *L, int idx)
{
    lua_Integer d = luaL_optinteger(L, idx, 0);
    luaL_argcheck(L, d >= 0 && d <= RG_RAT_MAX_DECIMALS, idx, "decimals from 0 to 18");
    return (int)d;
}

/* x:round(d): x rounded half-up to d decimals (default 0), a decimal. */
static int l_round(lua_State *L)
{
    rg_rat r, a = check_rat(L, 1, "round");
    return result(L, rg_rat_round(a, check_decimals(L, 2), &r), r, "round");
}

/* x:format(d [, sep]): rounded half-up, exactly d decimals, sep "." or ",". */
static int l_format(lua_State *L)
{
    rg_rat a = check_rat(L, 1, "format");
    int d = check_decimals(L, 2);
    const char *sep = luaL_optstring(L, 3, ".");
    char buf[96];
    if (rg_rat_format(a, d, sep[0] ? sep[0] : '.', buf, sizeof buf) < 0) {
        return luaL_error(L, "regie.decimal: format: text too long");
    }
    lua_pushstring(L, buf);
    return 1;
}

/* x:tonumber(): the nearest double (a float, also when x is whole). */
static int l_tonumber(lua_State *L)
{
    rg_rat a = check_rat(L, 1, "tonumber");
    lua_pushnumber(L, rg_rat_to_double(a));
    return 1;
}

static int l_cmp(lua_State *L)
{
    rg_rat a = check_rat(L, 1, "cmp"), b = check_rat(L, 2, "cmp");
    lua_pushinteger(L, rg_rat_cmp(a, b));
    return 1;
}

static int l_abs(lua_State *L)
{
    rg_rat a = check_rat(L, 1, "abs");
    if (a.num < 0) {
        a.num = -a.num;
    }
    push_rat(L, a);
    return 1;
}

/* x:parts(): numerator and denominator (reduced, denominator > 0). */
static int l_parts(lua_State *L)
{
    rg_rat a = check_rat(L, 1, "parts");
    lua_pushinteger(L, (lua_Integer)a.num);
    lua_pushinteger(L, (lua_Integer)a.den);
    return 2;
}

/* regie.decimal(v): v a decimal (returned as is), an integer or a text. */
static int l_new(lua_State *L)
{
    /* called as regie.decimal(v): the module table is argument 1 */
    if (luaL_testudata(L, 2, DECIMAL_MT)) {
        lua_settop(L, 2);
        return 1;
    }
    if (lua_type(L, 2) == LUA_TSTRING && lua_type(L, 3) == LUA_TSTRING) {
        const char *sep = lua_tostring(L, 3);
        rg_rat r;
        int rc = rg_rat_parse(lua_tostring(L, 2), sep[0] ? sep[0] : '.', &r);
        if (rc != 0) {
            return luaL_error(L, "regie.decimal: \"%s\": %s", lua_tostring(L, 2), rg_rat_strerror(rc));
        }
        push_rat(L, r);
        return 1;
    }
    push_rat(L, check_rat(L, 2, "regie.decimal()"));
    return 1;
}

/* regie.decimal.parse(text [, sep]): the decimal, or nil and why. */
static int l_parse(lua_State *L)
{
    const char *s = luaL_checkstring(L, 1);
    const char *sep = luaL_optstring(L, 2, ".");
    rg_rat r;
    int rc = rg_rat_parse(s, sep[0] ? sep[0] : '.', &r);
    if (rc != 0) {
        lua_pushnil(L);
        lua_pushstring(L, rg_rat_strerror(rc));
        return 2;
    }
    push_rat(L, r);
    return 1;
}

/* regie.decimal.from_number(x): a number by its shortest decimal text, so
 * the float 33.3 read from a file is 333/10; integers and decimals pass. */
static int l_from_number(lua_State *L)
{
    if (luaL_testudata(L, 1, DECIMAL_MT)) {
        lua_settop(L, 1);
        return 1;
    }
    lua_Number x = luaL_checknumber(L, 1);
    rg_rat r;
    int rc = lua_isinteger(L, 1) ? rg_rat_make((int64_t)lua_tointeger(L, 1), 1, &r)
                                 : rg_rat_from_double((double)x, &r);
    if (rc != 0) {
        return luaL_error(L, "regie.decimal.from_number: %s: %s", lua_tostring(L, 1),
                          rg_rat_strerror(rc));
    }
    push_rat(L, r);
    return 1;
}

static int l_is(lua_State *L)
{
    lua_pushboolean(L, luaL_testudata(L, 1, DECIMAL_MT) != NULL);
    return 1;
}

/* The number of values in list argument idx, read without metamethods: a
 * table whose __len says otherwise (a huge or negative length) is refused
 * with an error naming `what`, and so is a list longer than can be held. */
static lua_Integer list_len(lua_State *L, int idx, size_t elem, const char *what)
{
    luaL_checktype(L, idx, LUA_TTABLE);
    size_t raw = lua_rawlen(L, idx);
    if (luaL_getmetafield(L, idx, "__len") != LUA_TNIL) {
        lua_pop(L, 1);
        lua_Integer said = luaL_len(L, idx);
        if (said < 0 || (lua_Unsigned)said != (lua_Unsigned)raw) {
            luaL_error(L,
                       "regie.decimal.%s: the list's __len says %I but it holds %I values; "
                       "give a plain list",
                       what, said, (lua_Integer)raw);
        }
    }
    if (raw > (size_t)LUA_MAXINTEGER || raw > SIZE_MAX / elem) {
        luaL_error(L, "regie.decimal.%s: a list of %I values is too long", what, (lua_Integer)raw);
    }
    return (lua_Integer)raw;
}

/* The values of list t (1..n) summed: *n gets their count. */
static rg_rat sum_list(lua_State *L, int idx, lua_Integer *n, const char *what)
{
    rg_rat s = { 0, 1 };
    lua_Integer len = list_len(L, idx, sizeof s, what);
    for (lua_Integer i = 1; i <= len; i++) {
        lua_rawgeti(L, idx, i);
        rg_rat v = check_rat(L, -1, what);
        lua_pop(L, 1);
        int rc = rg_rat_add(s, v, &s);
        if (rc != 0) {
            luaL_error(L, "regie.decimal.%s: %s", what, rg_rat_strerror(rc));
        }
    }
    *n = len;
    return s;
}

/* regie.decimal.sum(list) */
static int l_sum(lua_State *L)
{
    lua_Integer n;
    push_rat(L, sum_list(L, 1, &n, "sum"));
    return 1;
}

/* regie.decimal.mean(list): nil for an empty list. */
static int l_mean(lua_State *L)
{
    lua_Integer n;
    rg_rat s = sum_list(L, 1, &n, "mean"), r;
    if (n == 0) {
        lua_pushnil(L);
        return 1;
    }
    return result(L, rg_rat_div(s, (rg_rat){ (int64_t)n, 1 }, &r), r, "mean");
}

static int cmp_rat(const void *a, const void *b)
{
    return rg_rat_cmp(*(const rg_rat *)a, *(const rg_rat *)b);
}

/* regie.decimal.median(list): the middle value, or the mean of the two
 * middle ones; nil for an empty list. */
static int l_median(lua_State *L)
{
    lua_Integer n = list_len(L, 1, sizeof(rg_rat), "median");
    if (n == 0) {
        lua_pushnil(L);
        return 1;
    }
    rg_rat *v = lua_newuserdatauv(L, (size_t)n * sizeof *v, 0); /* freed by the GC */
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 1, i);
        v[i - 1] = check_rat(L, -1, "median");
        lua_pop(L, 1);
    }
    qsort(v, (size_t)n, sizeof *v, cmp_rat);
    if (n % 2 == 1) {
        push_rat(L, v[n / 2]);
        return 1;
    }
    rg_rat s, r;
    int rc = rg_rat_add(v[n / 2 - 1], v[n / 2], &s);
    if (rc == 0) {
        rc = rg_rat_div(s, (rg_rat){ 2, 1 }, &r);
    }
    return result(L, rc, r, "median");
}

void rg_lua_open_decimal(lua_State *L)
{
    static const luaL_Reg meta[] = {
        { "__add", l_add }, { "__sub", l_sub },      { "__mul", l_mul },
        { "__div", l_div }, { "__unm", l_unm },      { "__eq", l_eq },
        { "__lt", l_lt },   { "__le", l_le },        { "__tostring", l_tostring },
        { "__concat", l_concat }, { NULL, NULL },
    };
    static const luaL_Reg methods[] = {
        { "round", l_round }, { "format", l_format }, { "tonumber", l_tonumber },
        { "text", l_tostring }, { "cmp", l_cmp },    { "abs", l_abs },
        { "parts", l_parts },   { NULL, NULL },
    };
    static const luaL_Reg module[] = {
        { "parse", l_parse }, { "from_number", l_from_number }, { "is", l_is },
        { "sum", l_sum },     { "mean", l_mean },               { "median", l_median },
        { NULL, NULL },
    };
    luaL_newmetatable(L, DECIMAL_MT);
    luaL_setfuncs(L, meta, 0);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    /* the module: a table of functions, callable as the constructor */
    luaL_newlib(L, module);
    lua_newtable(L);
    lua_pushcfunction(L, l_new);
    lua_setfield(L, -2, "__call");
    lua_setmetatable(L, -2);
}
