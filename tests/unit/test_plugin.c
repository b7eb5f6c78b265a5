#include "mockhost.h"
#include "host.h"
#include "plugin.h"
#include "workflow.h"
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static char *fixture(const char *name)
{
    char rel[128];
    snprintf(rel, sizeof rel, "tests/fixtures/.libs/%s.so", name);
    return t_build(rel);
}

START_TEST(good_plugin_loads_and_runs)
{
    rg_plugins ps = { 0 };
    rg_errors e = { 0 };
    char *p = fixture("good");
    ck_assert_int_eq(rg_plugin_load(&ps, p, &e), 0);
    rg_plugin *g = rg_plugin_find(&ps, "good");
    ck_assert_ptr_nonnull(g);
    ck_assert_str_eq(g->desc->version, "1.2.3");
    ck_assert_int_eq(rg_plugin_init(g, &rg_host, &e), 0);
    /* run it through a standalone context */
    const char *kv[] = { "column", "n", "factor", "2", NULL };
    regie_ctx *ctx = rg_test_ctx_new("sum", kv, NULL);
    ((rg_step *)ctx->s)->ptable = g->desc->params;
    const char *cols[] = { "n" };
    rg_datum d = { RG_DATUM_TABLE, rg_table_new(1, cols), { REGIE_NULL, { 0 } } };
    regie_value v = { REGIE_INT, { .i = 20 } };
    rg_table_append(d.table, &v, 2);
    v.type = REGIE_NUM;
    v.u.n = 1.5;
    rg_table_append(d.table, &v, 3);
    rg_test_ctx_set(ctx, "rows", &d);
    ck_assert_int_eq(g->desc->run(&rg_host, ctx, g->state), 0);
    const rg_datum *out = rg_test_ctx_get(ctx, "total");
    ck_assert_ptr_nonnull(out);
    ck_assert_int_eq(out->value.type, REGIE_NUM);
    ck_assert_double_eq(out->value.u.n, 43.0);
    rg_test_ctx_free(ctx);
    /* the same plugin twice is a duplicate */
    ck_assert_int_eq(rg_plugin_load(&ps, p, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg[0], "duplicate plugin name \"good\""));
    ck_assert_ptr_nonnull(strstr(e.msg[0], p));
    rg_plugins_free(&ps);
    rg_err_free(&e);
    free(p);
}
END_TEST

START_TEST(refusals_name_path_and_reason)
{
    rg_plugins ps = { 0 };
    rg_errors e = { 0 };
    char *bad = fixture("bad_abi");
    char *notp = fixture("not_plugin");
    ck_assert_int_eq(rg_plugin_load(&ps, bad, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg[0], bad));
    ck_assert_ptr_nonnull(strstr(e.msg[0], "plugin ABI version 42, this regie speaks version 1"));
    ck_assert_int_eq(rg_plugin_load(&ps, notp, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg[1], "not a regie plugin"));
    ck_assert_int_eq(rg_plugin_load(&ps, "/nonexistent/x.so", &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg[2], "/nonexistent/x.so"));
    ck_assert_int_eq(ps.n, 0);
    rg_plugins_free(&ps);
    rg_err_free(&e);
    free(bad);
    free(notp);
}
END_TEST

START_TEST(init_failure_is_reported)
{
    rg_plugins ps = { 0 };
    rg_errors e = { 0 };
    char *p = fixture("init_fail");
    ck_assert_int_eq(rg_plugin_load(&ps, p, &e), 0);
    ck_assert_int_eq(rg_plugin_init(rg_plugin_find(&ps, "init-fail"), &rg_host, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg[0], "init failed (status -5)"));
    rg_plugins_free(&ps);
    rg_err_free(&e);
    free(p);
}
END_TEST

START_TEST(crashing_plugin)
{
    rg_plugins ps = { 0 };
    rg_errors e = { 0 };
    char *p = fixture("crash");
    ck_assert_int_eq(rg_plugin_load(&ps, p, &e), 0);
    rg_plugin *c = rg_plugin_find(&ps, "crash");
    regie_ctx *ctx = rg_test_ctx_new("boom", NULL, NULL);
    c->desc->run(&rg_host, ctx, NULL); /* never returns: the test expects SIGSEGV */
    rg_test_ctx_free(ctx);
    rg_plugins_free(&ps);
    free(p);
}
END_TEST

START_TEST(param_checks)
{
    const char *exp = NULL;
    ck_assert_int_eq(rg_param_check(REGIE_PARAM_INT, "12", &exp), 0);
    ck_assert_int_eq(rg_param_check(REGIE_PARAM_INT, "1.5", &exp), -1);
    ck_assert_str_eq(exp, "an integer");
    ck_assert_int_eq(rg_param_check(REGIE_PARAM_NUM, "1.5", &exp), 0);
    ck_assert_int_eq(rg_param_check(REGIE_PARAM_BOOL, "misschien", &exp), -1);
    ck_assert_int_eq(rg_param_check(REGIE_PARAM_DATE, "2026-02-30", &exp), -1);
    ck_assert_int_eq(rg_param_check(REGIE_PARAM_DATE, "2026-02-28", &exp), 0);
}
END_TEST

Suite *suite_plugin(void);
Suite *suite_plugin(void)
{
    Suite *s = suite_create("plugin");
    TCase *tc = tcase_create("loader");
    tcase_add_test(tc, good_plugin_loads_and_runs);
    tcase_add_test(tc, refusals_name_path_and_reason);
    tcase_add_test(tc, init_failure_is_reported);
    tcase_add_test(tc, param_checks);
    /* Check's fork mode turns the crash into an expected signal */
    if (!getenv("CK_FORK") || strcmp(getenv("CK_FORK"), "no") != 0) {
        tcase_add_test_raise_signal(tc, crashing_plugin, 11);
    }
    suite_add_tcase(s, tc);
    return s;
}
