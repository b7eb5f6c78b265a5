/* api_csv.c - regie.csv.parse, regie.csv.encode and regie.csv.field
 * (regie.csv.writer is with the other writers, api_files.c). */
#define _GNU_SOURCE
#include "api.h"

#include <lauxlib.h>
#include <string.h>

const rg_csv_dialect *rg_lua_csv_dialect(lua_State *L)
{
    return rg_ctx_csv(*rg_lua_ctx_slot(L));
}

int rg_api_csv_parse(lua_State *L)
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
    rg_lua_owned *o = rg_lua_owned_new(L);
    o->t = t;
    rg_lua_push_table(L, t);
    return 1;
}

int rg_api_csv_encode(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    if (lua_isnoneornil(L, 2)) {
        lua_settop(L, 1); /* (also when there was no second argument) */
        lua_getfield(L, 1, "columns");
    }
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    size_t ncols, bad;
    const char **cols = rg_lua_column_names(L, 2, &ncols, &bad);
    if (!cols) {
        return luaL_error(L, "regie.csv.encode: column %d is not a name", (int)bad + 1);
    }
    rg_lua_owned *o = rg_lua_owned_new(L); /* (frees the table and text when an error leaves them) */
    regie_table *t = o->t = rg_table_new(ncols, cols);
    size_t nrows = lua_rawlen(L, 1);
    for (size_t r = 1; r <= nrows; r++) {
        if (lua_rawgeti(L, 1, (lua_Integer)r) != LUA_TTABLE) {
            return luaL_error(L, "regie.csv.encode: row %d is not a record", (int)r);
        }
        const char *err = rg_lua_fill_row(L, t, -1, &bad, NULL);
        if (err) {
            return luaL_error(L, "regie.csv.encode: %s", err);
        }
        lua_pop(L, 1);
    }
    rg_csv_write_d(&o->b, t, rg_lua_csv_dialect(L));
    lua_pushlstring(L, o->b.data, o->b.len);
    return 1;
}

/* regie.csv.field(text): a text as one field of a CSV line, by the rule of
 * regie's own CSV files (rg_csv_field).
 *
 *   f:write(regie.csv.field(name), ",", regie.csv.field(owner), "\r\n")
 *
 * For a script that puts a large file together from pieces it quotes
 * once (a CSV line of parts shared by many lines); regie.csv.writer
 * quotes each value itself.  nil and regie.null give the empty field. */
int rg_api_csv_field(lua_State *L)
{
    if (lua_isnoneornil(L, 1) || rg_lua_is_null(L, 1)) {
        lua_pushliteral(L, "");
        return 1;
    }
    size_t n;
    const rg_csv_dialect *d = rg_lua_csv_dialect(L);
    if (lua_type(L, 1) == LUA_TNUMBER && !lua_isinteger(L, 1) && d->decimal != '.') {
        /* a number as the writer writes it: its shortest text, the run's separator */
        regie_value v = { .type = REGIE_NUM };
        v.u.n = (double)lua_tonumber(L, 1);
        rg_buf nb = { 0 };
        rg_csv_put_value_d(&nb, d, &v);
        lua_pushlstring(L, nb.data, nb.len);
        rg_buf_free(&nb);
        return 1;
    }
    const char *s = luaL_checklstring(L, 1, &n);
    size_t len = rg_csv_field_d(d, 1, s, n, NULL, 0);
    if (len == n && (d->decimal == '.' || !rg_csv_is_decimal_text(s, n))) {
        /* not quoted: the text itself (a number already made one) */
        lua_settop(L, 1);
        return 1;
    }
    luaL_Buffer b;
    rg_csv_field_d(d, 1, s, n, luaL_buffinitsize(L, &b, len), len);
    luaL_pushresultsize(&b, len);
    return 1;
}

/* regie.csv.dialect(): how the run writes CSV, for a script that puts
 * lines together from regie.csv.field pieces:
 *   { name = "standard" | "dutch", delimiter = "," | ";", decimal = "." | ",",
 *     bom = "" | "\239\187\191", eol = "\r\n" } */
int rg_api_csv_dialect(lua_State *L)
{
    const rg_csv_dialect *d = rg_lua_csv_dialect(L);
    lua_createtable(L, 0, 5);
    lua_pushstring(L, d->name);
    lua_setfield(L, -2, "name");
    lua_pushlstring(L, &d->delim, 1);
    lua_setfield(L, -2, "delimiter");
    lua_pushlstring(L, &d->decimal, 1);
    lua_setfield(L, -2, "decimal");
    lua_pushstring(L, d->bom ? "\xEF\xBB\xBF" : "");
    lua_setfield(L, -2, "bom");
    lua_pushliteral(L, "\r\n");
    lua_setfield(L, -2, "eol");
    return 1;
}
