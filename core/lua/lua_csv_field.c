/* lua_csv_field.c - regie.csv.field: a text as one field of a CSV line, by
 * the rule of regie's own CSV files (rg_csv_field).
 *
 *   f:write(regie.csv.field(name), ",", regie.csv.field(owner), "\r\n")
 *
 * For a script that puts a large file together from pieces it quotes
 * once (a CSV line of parts shared by many lines); regie.csv.writer
 * quotes each value itself.  nil and regie.null give the empty field. */
#include "lua_api.h"

#include <lauxlib.h>

int rg_lua_csv_field(lua_State *L)
{
    if (lua_isnoneornil(L, 1) || lua_islightuserdata(L, 1)) { /* regie.null */
        lua_pushliteral(L, "");
        return 1;
    }
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    size_t len = rg_csv_field(s, n, NULL, 0);
    if (len == n) { /* not quoted: the text itself (a number already made one) */
        lua_settop(L, 1);
        return 1;
    }
    luaL_Buffer b;
    rg_csv_field(s, n, luaL_buffinitsize(L, &b, len), len);
    luaL_pushresultsize(&b, len);
    return 1;
}
