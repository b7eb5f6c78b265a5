/* api_text.c - text for documents and numbers as text: regie.html,
 * regie.md, regie.nearest, regie.round, regie.format and
 * regie.parse_number, regie.sha256. */
#define _GNU_SOURCE
#include "api.h"
#include "rational.h"
#include "sha256.h"

#include <lauxlib.h>
#include <string.h>

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
int rg_api_nearest(lua_State *L)
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
int rg_api_round(lua_State *L)
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
int rg_api_format(lua_State *L)
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
int rg_api_html(lua_State *L)
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
int rg_api_md(lua_State *L)
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

int rg_api_parse_number(lua_State *L)
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

/* regie.sha256(text): the SHA-256 of a string's bytes, as 64 lowercase hex
 * digits (a digest to tell whether a document changed since a run before). */
int rg_api_sha256(lua_State *L)
{
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    char hex[65];
    rg_sha256_buf(s, n, hex);
    lua_pushlstring(L, hex, 64);
    return 1;
}
