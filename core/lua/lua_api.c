/* lua_api.c - the `regie` module for scripts: the table its topics
 * (api_*.c, see api.h) are gathered in, and their writers ended with the
 * step. */
#define _GNU_SOURCE
#include "api.h"

#include <lauxlib.h>

void rg_lua_open_regie(lua_State *L)
{
    /* (in this order: the table's layout stays the same) */
    static const luaL_Reg fns[] = {
        { "input", rg_api_input },
        { "has_input", rg_api_has_input },
        { "describe", rg_api_describe },
        { "output", rg_api_output },
        { "write", rg_api_write },
        { "log", rg_api_info },
        { "info", rg_api_info },
        { "warn", rg_api_warn },
        { "debug", rg_api_debug },
        { "progress", rg_api_progress },
        { "fail", rg_api_fail },
        { "data_error", rg_api_data_error },
        { "round", rg_api_round },
        { "format", rg_api_format },
        { "parse_number", rg_api_parse_number },
        { "list", rg_api_list },
        { "rows", rg_api_rows },
        { "file", rg_api_file },
        { "is_list", rg_api_is_list },
        { "is_null", rg_api_is_null },
        { "html", rg_api_html },
        { "md", rg_api_md },
        { "each", rg_api_each },
        { "output_writer", rg_api_output_writer },
        { "order", rg_api_order },
        { "nearest", rg_api_nearest },
        { "settings", rg_api_settings },
        { "sha256", rg_api_sha256 },
        { "schedule", rg_api_schedule },
        { "run_info", rg_api_run_info },
        { NULL, NULL },
    };
    static const luaL_Reg date_fns[] = {
        { "valid", rg_api_date_valid },
        { "add_days", rg_api_date_add_days },
        { "diff", rg_api_date_diff },
        { "weekday", rg_api_date_weekday },
        { "add_workdays", rg_api_date_add_workdays },
        { "sub_workdays", rg_api_date_sub_workdays },
        { "next_workday", rg_api_date_next_workday },
        { "is_workday", rg_api_date_is_workday },
        { "easter", rg_api_date_easter },
        { NULL, NULL },
    };
    static const luaL_Reg csv_fns[] = { { "parse", rg_api_csv_parse }, { "encode", rg_api_csv_encode },
                                        { "writer", rg_api_csv_writer }, { "field", rg_api_csv_field },
                                        { "dialect", rg_api_csv_dialect },
                                        { NULL, NULL } };
    rg_lua_open_lists(L);
    rg_lua_reset_inputs(L);
    luaL_newlib(L, fns);
    rg_lua_push_null(L);
    lua_setfield(L, -2, "null");
    rg_lua_push_list_mt(L);
    lua_setfield(L, -2, "list_mt");
    luaL_newlib(L, date_fns);
    lua_setfield(L, -2, "date");
    rg_lua_open_decimal(L);
    lua_setfield(L, -2, "decimal");
    rg_lua_open_writers(L);
    rg_lua_open_output_writer(L);
    luaL_newlib(L, csv_fns);
    lua_setfield(L, -2, "csv");
    rg_lua_open_plugins(L);
    lua_setfield(L, -2, "plugin");
    lua_pushvalue(L, -1);
    lua_setglobal(L, "regie");
}

void rg_lua_end_writers(lua_State *L, regie_ctx *ctx, int succeeded)
{
    rg_lua_end_output_writers(L, ctx, succeeded);
    rg_lua_end_file_writers(L, ctx, succeeded);
}
