#define _GNU_SOURCE
#include "bind.h"
#include "conf.h"
#include "exec.h"
#include "host.h"
#include "lua_step.h"
#include "plugin.h"
#include "workflow.h"
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* The data of the conditions below: n, method, empty (indices 0, 1, 2). */
static const char *const names[] = { "n", "method", "empty" };

static long lk_index(void *ud, const char *name)
{
    (void)ud;
    for (long d = 0; d < 3; d++) {
        if (strcmp(name, names[d]) == 0) {
            return d;
        }
    }
    return -1;
}

static const regie_value *lk(void *ud, long d)
{
    static regie_value three = { REGIE_INT, { .i = 3 } };
    static regie_value none = { REGIE_STR, { .s = { "none", 4 } } };
    static regie_value null = { REGIE_NULL, { 0 } };
    (void)ud;
    const regie_value *v[] = { &three, &none, &null };
    return v[d];
}

static int eval(const char *text)
{
    char *err = NULL;
    rg_expr *e = rg_expr_parse(text, &err);
    ck_assert_msg(e != NULL, "parse %s: %s", text, err ? err : "");
    rg_expr_resolve(e, lk_index, NULL);
    int r = rg_expr_eval(e, lk, NULL);
    rg_expr_free(e);
    return r;
}

START_TEST(conditions)
{
    ck_assert_int_eq(eval("n"), 1);
    ck_assert_int_eq(eval("missing"), 0);
    ck_assert_int_eq(eval("empty"), 0);
    ck_assert_int_eq(eval("not missing"), 1);
    ck_assert_int_eq(eval("n == 3"), 1);
    ck_assert_int_eq(eval("n >= 4"), 0);
    ck_assert_int_eq(eval("n < 10 and method == \"none\""), 1);
    ck_assert_int_eq(eval("input.method != 'none' or (n > 2 and not empty)"), 1);
    ck_assert_int_eq(eval("n == 3.0"), 1);
    /* not binds looser than a comparison; a condition in parentheses
     * compares as 1 or 0 */
    ck_assert_int_eq(eval("not n == 4"), 1);
    ck_assert_int_eq(eval("not n == 3"), 0);
    ck_assert_int_eq(eval("not not n == 3 and n"), 1);
    ck_assert_int_eq(eval("(n == 3) == 1"), 1);
    ck_assert_int_eq(eval("(n > 5) < 1"), 1);
    ck_assert_int_eq(eval("(not n) == 0"), 1);
    /* not-ready and not.x are names */
    ck_assert_int_eq(eval("not-ready"), 0);
    ck_assert_int_eq(eval("not not-ready"), 1);
    ck_assert_int_eq(eval("not.x or n"), 1);
}
END_TEST

START_TEST(bad_conditions)
{
    const char *bad[] = { "", "n ==", "(n", "\"open", "n == 3 extra", "n == not 3", "not", NULL };
    for (int i = 0; bad[i]; i++) {
        char *err = NULL;
        rg_expr *e = rg_expr_parse(bad[i], &err);
        ck_assert_msg(e == NULL, "accepted: %s", bad[i]);
        ck_assert_ptr_nonnull(err);
        free(err);
    }
    rg_expr_refs refs = { 0 };
    char *err = NULL;
    rg_expr *e = rg_expr_parse("a and not input.b or a == 1", &err);
    rg_expr_refs_collect(e, &refs);
    ck_assert_int_eq(refs.n, 2);
    ck_assert_str_eq(refs.names[0], "a");
    ck_assert_str_eq(refs.names[1], "b");
    rg_strv_free(refs.names, refs.n);
    rg_expr_free(e);
}
END_TEST

static void count_warning(void *ud, const rg_run *run, size_t step, int level, const char *msg)
{
    (void)run;
    (void)step;
    if (level == REGIE_LOG_WARN && strstr(msg, "not among its `reads`")) {
        ((int *)ud)[0]++;
    }
}

/* A table no later step reads is let go when its last reader has
 * finished; a table no step reads (a result) and single values stay. */
START_TEST(tables_let_go_after_their_last_reader)
{
    char *dir = t_tmpdir();
    free(t_write(dir, "a.lua",
                 "return { run = function()\n"
                 "  local t = {}\n"
                 "  for i = 1, 3 do t[i] = { v = i } end\n"
                 "  regie.output('x', t, { 'v' }) regie.output('keep', t, { 'v' })\n"
                 "end }\n"));
    free(t_write(dir, "b.lua",
                 "return { run = function()\n"
                 "  regie.output('y', regie.input('x'))\n"
                 "end }\n"));
    free(t_write(dir, "c.lua",
                 "return { run = function()\n"
                 "  regie.output('z', #regie.input('y'))\n"
                 "end }\n"));
    /* e reads x last of all (after c): x must still be there */
    /* f asks for data it does not declare: one warning for each call */
    free(t_write(dir, "f.lua",
                 "return { run = function()\n"
                 "  assert(not regie.has_input('keep'))\n"
                 "  assert(regie.input('keep') == nil)\n"
                 "  assert(#regie.rows('keep') == 0)\n"
                 "end }\n"));
    free(t_write(dir, "e.lua",
                 "return { run = function()\n"
                 "  regie.output('e_rows', #regie.input('x'))\n"
                 "end }\n"));
    char *ini = NULL;
    if (asprintf(&ini,
                 "[workflow]\nname = release\n"
                 "[step.a]\nscript = %s/a.lua\nwrites = x, keep\n"
                 "[step.b]\nscript = %s/b.lua\nreads = x\nwrites = y\n"
                 "[step.c]\nscript = %s/c.lua\nreads = y\nwrites = z\n"
                 "[step.e]\nscript = %s/e.lua\nreads = x\nwrites = e_rows\nafter = c\nwhen = y\n"
                 "[step.f]\nscript = %s/f.lua\nafter = a\n",
                 dir, dir, dir, dir, dir) < 0) {
        ck_abort();
    }
    char *path = t_write(dir, "wf.ini", ini);
    free(ini);
    rg_errors errs = { 0 };
    rg_config cfg;
    rg_config_load(&cfg, NULL, &errs);
    rg_plugins plugins;
    memset(&plugins, 0, sizeof plugins);
    rg_lua *lua = rg_lua_new(cfg.script_path);
    rg_workflow wf;
    int rc = (rg_workflow_load(&wf, path, &cfg, NULL, 0, &errs) |
              rg_workflow_bind(&wf, &plugins, &rg_host, lua, &errs));
    ck_assert_msg(rc == 0, "%s", errs.n ? errs.msg[0] : "");
    rg_run run;
    char *out = NULL;
    if (asprintf(&out, "%s/out", dir) < 0) {
        ck_abort();
    }
    ck_assert_int_eq(rg_run_init(&run, &wf, NULL, 0, out, 1, &errs), 0);
    int warnings[2] = { 0, 0 };
    rg_observer obs = { warnings, NULL, NULL, NULL, count_warning };
    int status = rg_run_execute(&run, &obs);
    ck_assert_int_eq(warnings[0], 3);
    for (size_t s = 0; s < wf.nsteps; s++) {
        ck_assert_msg(run.state[s].status == RG_ST_DONE, "step %s: %s", wf.steps[s].name,
                      run.state[s].error ? run.state[s].error : "");
    }
    ck_assert_int_eq(status, RG_EXIT_OK);
    ck_assert_int_eq(run.data[rg_workflow_data_index(&wf, "x")].kind, RG_DATUM_NONE);
    ck_assert_int_eq(run.data[rg_workflow_data_index(&wf, "y")].kind, RG_DATUM_NONE);
    const rg_datum *keep = &run.data[rg_workflow_data_index(&wf, "keep")];
    ck_assert_int_eq(keep->kind, RG_DATUM_TABLE);
    ck_assert_int_eq(keep->table->nrows, 3);
    const rg_datum *z = &run.data[rg_workflow_data_index(&wf, "z")];
    ck_assert_int_eq(z->kind, RG_DATUM_VALUE);
    ck_assert_int_eq(z->value.u.i, 3);
    const rg_datum *e = &run.data[rg_workflow_data_index(&wf, "e_rows")];
    ck_assert_int_eq(e->kind, RG_DATUM_VALUE);
    ck_assert_int_eq(e->value.u.i, 3);
    rg_run_free(&run);
    rg_workflow_free(&wf);
    rg_lua_free(lua);
    rg_config_free(&cfg);
    rg_err_free(&errs);
    free(out);
    free(path);
    t_rmtree(dir);
    free(dir);
}
END_TEST

typedef struct relayed {
    int progress_calls;
    double last_progress;
    int copied_logged;
    int debug_logged;
} relayed;

static void note_progress(void *ud, const rg_run *run, size_t step, double f)
{
    (void)run;
    (void)step;
    relayed *r = ud;
    r->progress_calls++;
    r->last_progress = f;
}

static void note_log(void *ud, const rg_run *run, size_t step, int level, const char *msg)
{
    (void)run;
    (void)step;
    relayed *r = ud;
    r->copied_logged += level == REGIE_LOG_INFO && strcmp(msg, "copied 3 rows") == 0;
    r->debug_logged += level == REGIE_LOG_DEBUG && strcmp(msg, "copied 2 columns") == 0;
}

/* A plugin step in a child process: its progress and log lines reach the
 * run's observer, its output table the run's data, as in process. */
START_TEST(isolated_step_relays_progress_log_and_output)
{
    char *dir = t_tmpdir();
    free(t_write(dir, "rows.csv", "id,n\na,1\nb,2.5\nc,\n"));
    char *ini = NULL;
    if (asprintf(&ini,
                 "[workflow]\nname = relay\n"
                 "[input.rows]\ntype = csv\ncolumns = id:id, n:decimal\ndefault = %s/rows.csv\n"
                 "[step.copy]\nplugin = echo\nisolate = process\nreads = rows\nwrites = copy\n",
                 dir) < 0) {
        ck_abort();
    }
    char *path = t_write(dir, "wf.ini", ini);
    free(ini);
    rg_errors errs = { 0 };
    rg_config cfg;
    rg_config_load(&cfg, NULL, &errs);
    rg_plugins plugins;
    memset(&plugins, 0, sizeof plugins);
    char *so = t_build("tests/fixtures/.libs/echo.so");
    ck_assert_int_eq(rg_plugin_load(&plugins, so, &errs), 0);
    rg_lua *lua = rg_lua_new(cfg.script_path);
    rg_workflow wf;
    int rc = (rg_workflow_load(&wf, path, &cfg, NULL, 0, &errs) |
              rg_workflow_bind(&wf, &plugins, &rg_host, lua, &errs));
    ck_assert_msg(rc == 0, "%s", errs.n ? errs.msg[0] : "");
    ck_assert_int_eq(wf.steps[0].isolate, 1);
    rg_run run;
    char *out = NULL;
    if (asprintf(&out, "%s/out", dir) < 0) {
        ck_abort();
    }
    ck_assert_int_eq(rg_run_init(&run, &wf, NULL, 0, out, 1, &errs), 0);
    relayed r = { 0, 0, 0, 0 };
    rg_observer obs = { &r, NULL, NULL, note_progress, note_log };
    unsetenv("REGIE_DEBUG");
    int status = rg_run_execute(&run, &obs);
    ck_assert_msg(status == RG_EXIT_OK, "%s", run.state[0].error ? run.state[0].error : "");
    ck_assert_int_eq(r.progress_calls, 3);
    ck_assert_double_eq(r.last_progress, 0.75);
    ck_assert_double_eq(run.state[0].progress, 0.75);
    ck_assert_int_eq(r.copied_logged, 1);
    const rg_datum *c = &run.data[rg_workflow_data_index(&wf, "copy")];
    ck_assert_int_eq(c->kind, RG_DATUM_TABLE);
    ck_assert_uint_eq(c->table->ncols, 2);
    ck_assert_str_eq(c->table->cols[1], "n");
    ck_assert_uint_eq(c->table->nrows, 3);
    ck_assert_str_eq(rg_table_cell(c->table, 1, 0)->u.s.ptr, "b");
    ck_assert_double_eq(rg_table_cell(c->table, 1, 1)->u.n, 2.5);
    ck_assert_int_eq(rg_table_cell(c->table, 2, 1)->type, REGIE_NULL);
    /* a DEBUG line is shown with REGIE_DEBUG only: the child sends it then */
    ck_assert_int_eq(r.debug_logged, 0);
    rg_run_free(&run);
    setenv("REGIE_DEBUG", "1", 1);
    ck_assert_int_eq(rg_run_init(&run, &wf, NULL, 0, out, 1, &errs), 0);
    status = rg_run_execute(&run, &obs);
    unsetenv("REGIE_DEBUG");
    ck_assert_msg(status == RG_EXIT_OK, "%s", run.state[0].error ? run.state[0].error : "");
    ck_assert_int_eq(r.debug_logged, 1);
    ck_assert_int_eq(r.copied_logged, 2);
    rg_run_free(&run);
    rg_workflow_free(&wf);
    rg_lua_free(lua);
    rg_plugins_free(&plugins);
    rg_config_free(&cfg);
    rg_err_free(&errs);
    free(so);
    free(out);
    free(path);
    t_rmtree(dir);
    free(dir);
}
END_TEST

Suite *suite_exec(void);
Suite *suite_exec(void)
{
    Suite *s = suite_create("exec");
    TCase *tc = tcase_create("when");
    tcase_add_test(tc, conditions);
    tcase_add_test(tc, bad_conditions);
    suite_add_tcase(s, tc);
    TCase *run = tcase_create("run");
    tcase_add_test(run, tables_let_go_after_their_last_reader);
    tcase_add_test(run, isolated_step_relays_progress_log_and_output);
    suite_add_tcase(s, run);
    return s;
}
