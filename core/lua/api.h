/* api.h - what the files of the `regie` module share (private to
 * core/lua; lua_api.h is its interface to the rest of regie).
 *
 * The module is split by topic, each file on the data model of
 * api_data.c (its conversions of values in lua_api.h): regie.X is the
 * function rg_api_X of the file of its topic,
 * gathered into the `regie` table by rg_lua_open_regie (lua_api.c).  Its
 * C code polls the step's limits through the sandbox (sandbox.h). */
#ifndef REGIE_API_H
#define REGIE_API_H

#include "lua_api.h"
#include "sandbox.h"
/* what the topics work on: the step context and the data layer */
#include "calendar.h"
#include "decimal.h"
#include "host.h"
#include "rg_csv.h"
#include "util.h"
#include "value.h"

#include <lauxlib.h>

/* ---- the data model (api_data.c) ---- */

/* The step context of the running script; an error outside a step. */
regie_ctx *rg_lua_step_ctx(lua_State *L);
/* regie.null, and whether the value at idx is it. */
void rg_lua_push_null(lua_State *L);
int rg_lua_is_null(lua_State *L, int idx);
/* The metatable of lists (made by rg_lua_open_lists, in the registry);
 * whether the value at idx carries it. */
void rg_lua_open_lists(lua_State *L);
void rg_lua_push_list_mt(lua_State *L);
int rg_lua_has_list_mt(lua_State *L, int idx);

/* ---- C memory that a Lua error may unwind past ----
 * What a function makes in C memory while it still calls into Lua (a
 * record's __index may raise, any allocation may fail) is held by an
 * `owned` on the stack, a to-be-closed userdata: it is freed as the error
 * unwinds the stack, or when the function returns; what is handed on is
 * taken out of it first.  Its __gc does the same for one left in a
 * coroutine that died. */
typedef struct rg_lua_owned {
    regie_table *t;
    rg_buf b;
    void *mem;      /* from malloc */
    int gc_restart; /* the collector was stopped: restart it */
} rg_lua_owned;

/* A new owned on the top of the stack, marked to be closed. */
rg_lua_owned *rg_lua_owned_new(lua_State *L);

/* A count as the size hint lua_createtable takes (an int). */
int rg_lua_size_hint(size_t n);
/* The records of t as a sequence of new tables, column name -> value;
 * with `positions`, each also has `_line` (its line in the source, 0 when
 * unknown) and `_i` (its position); with `pick`, only the columns
 * pick[0..npick) of t. */
void rg_lua_push_records(lua_State *L, const regie_table *t, int positions, const size_t *pick,
                         size_t npick);
/* Set `columns` (a list of the names of t's columns, with `pick` only
 * pick[0..npick)) and `source` (when t came from a file) in the table at
 * tab. */
void rg_lua_set_columns_and_source(lua_State *L, int tab, const regie_table *t, const size_t *pick,
                                   size_t npick);
/* A dataset as regie.input gives it: records, lines, columns, source;
 * with `pick`, only the columns pick[0..npick). */
void rg_lua_push_dataset(lua_State *L, const regie_table *t, const size_t *pick, size_t npick);
/* The fields names[0..n) of the record (a table) at idx pushed in order;
 * its metamethods run under protection with *busy set (when busy is
 * given). */
void rg_lua_get_fields(lua_State *L, int idx, char *const *names, size_t n, int *busy);
/* A new last row of t from the record (a table) at idx, each column by
 * name: NULL, or what could not be stored, with its column in *bad (the
 * row is then not added). */
const char *rg_lua_fill_row(lua_State *L, regie_table *t, int idx, size_t *bad, int *busy);
/* The names of the list at idx (strings, or numbers as text), kept on the
 * stack while they are used; NULL, with the stack as it was, when the one
 * at *bad is neither. */
const char **rg_lua_column_names(lua_State *L, int idx, size_t *ncols, size_t *bad);
/* The registry's table at `key` on the stack, made the first time (with
 * weak values when `weak`). */
void rg_lua_registry_table(lua_State *L, const void *key, int weak);
/* regie.list, regie.is_list, regie.is_null */
int rg_api_list(lua_State *L);
int rg_api_is_list(lua_State *L);
int rg_api_is_null(lua_State *L);

/* ---- inputs (api_inputs.c) ---- */
int rg_api_input(lua_State *L);
int rg_api_has_input(lua_State *L);
int rg_api_describe(lua_State *L);
int rg_api_rows(lua_State *L);
int rg_api_each(lua_State *L);
int rg_api_settings(lua_State *L);

/* ---- outputs (api_outputs.c) ---- */
int rg_api_output(lua_State *L);
int rg_api_output_writer(lua_State *L);
/* The type of regie.output_writer's writers. */
void rg_lua_open_output_writer(lua_State *L);
/* At the end of a step: the records of an output writer not closed are
 * dropped, with a warning when the step succeeded. */
void rg_lua_end_output_writers(lua_State *L, regie_ctx *ctx, int succeeded);

/* ---- files (api_files.c) ---- */
int rg_api_write(lua_State *L);
int rg_api_file(lua_State *L);
int rg_api_csv_writer(lua_State *L);
/* The types of regie.file's and regie.csv.writer's writers, and the
 * table of those not yet closed. */
void rg_lua_open_writers(lua_State *L);
/* Their part of rg_lua_end_writers (lua_api.h). */
void rg_lua_end_file_writers(lua_State *L, regie_ctx *ctx, int succeeded);
/* The metatable of a writer type (these and regie.output_writer's): its
 * methods, its __gc, and its name for getmetatable (not the finalizer). */
void rg_lua_writer_type(lua_State *L, const char *type, const luaL_Reg *methods,
                        lua_CFunction gc);

/* ---- CSV text (api_csv.c) ---- */
int rg_api_csv_parse(lua_State *L);
int rg_api_csv_encode(lua_State *L);
int rg_api_csv_field(lua_State *L);
int rg_api_csv_dialect(lua_State *L);
/* The CSV dialect of the running step's run; the standard one outside a step. */
const rg_csv_dialect *rg_lua_csv_dialect(lua_State *L);

/* ---- text and numbers as text (api_text.c) ---- */
int rg_api_html(lua_State *L);
int rg_api_sha256(lua_State *L);
int rg_api_md(lua_State *L);
int rg_api_nearest(lua_State *L);
int rg_api_round(lua_State *L);
int rg_api_format(lua_State *L);
int rg_api_parse_number(lua_State *L);

/* ---- regie.date (api_dates.c) ---- */
int rg_api_date_valid(lua_State *L);
int rg_api_date_add_days(lua_State *L);
int rg_api_date_diff(lua_State *L);
int rg_api_date_weekday(lua_State *L);
int rg_api_date_add_workdays(lua_State *L);
int rg_api_date_sub_workdays(lua_State *L);
int rg_api_date_next_workday(lua_State *L);
int rg_api_date_is_workday(lua_State *L);
int rg_api_date_easter(lua_State *L);

/* ---- the log (api_log.c): regie.log is regie.info ---- */
int rg_api_info(lua_State *L);
int rg_api_warn(lua_State *L);
int rg_api_debug(lua_State *L);
int rg_api_progress(lua_State *L);
int rg_api_fail(lua_State *L);
int rg_api_data_error(lua_State *L);

/* ---- regie.decimal (api_decimal.c) ---- */
/* Push the regie.decimal module. */
void rg_lua_open_decimal(lua_State *L);
/* The regie.decimal at idx, or NULL; push a new one. */
struct rg_rat;
struct rg_rat *rg_lua_test_decimal(lua_State *L, int idx);
void rg_lua_push_decimal(lua_State *L, struct rg_rat r);

/* ---- the run (api_run.c) ---- */
int rg_api_run_info(lua_State *L);

/* ---- regie.order (api_order.c) ---- */
int rg_api_order(lua_State *L);

/* ---- regie.plugin (api_plugin.c) ---- */
/* Push the regie.plugin table: the Lua functions of the loaded C plugins. */
void rg_lua_open_plugins(lua_State *L);

/* ---- regie.schedule (api_schedule.c) ---- */
int rg_api_schedule(lua_State *L);

#endif
