/* api_dates.c - regie.date: calendar dates and working days. */
#define _GNU_SOURCE
#include "api.h"

#include <lauxlib.h>
#include <string.h>

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

int rg_api_date_valid(lua_State *L)
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

int rg_api_date_add_days(lua_State *L)
{
    int32_t d = check_date(L, 1);
    int64_t n = check_days(L, 2, "add_days");
    if (d + n < RG_DATE_MIN || d + n > RG_DATE_MAX) {
        return out_of_range(L, "add_days", d, n);
    }
    push_date(L, (int32_t)(d + n));
    return 1;
}

int rg_api_date_diff(lua_State *L)
{
    lua_pushinteger(L, check_date(L, 2) - check_date(L, 1));
    return 1;
}

int rg_api_date_weekday(lua_State *L)
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

int rg_api_date_add_workdays(lua_State *L)
{
    return workdays(L, 1);
}

int rg_api_date_sub_workdays(lua_State *L)
{
    return workdays(L, -1);
}

int rg_api_date_next_workday(lua_State *L)
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

int rg_api_date_is_workday(lua_State *L)
{
    int32_t d = check_date(L, 1);
    lcal c;
    check_cal(L, 2, &c);
    lua_pushboolean(L, rg_is_workday(&c.cal, d));
    return 1;
}

int rg_api_date_easter(lua_State *L)
{
    lua_Integer y = luaL_checkinteger(L, 1);
    if (y < 1 || y > 9999) {
        return luaL_error(L, "regie.date.easter: year %I, expected 1 to 9999", (LUAI_UACINT)y);
    }
    push_date(L, rg_easter((int)y));
    return 1;
}
