#include "engine.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static const regie_value *lk(void *ud, const char *name)
{
    static regie_value three = { REGIE_INT, { .i = 3 } };
    static regie_value none = { REGIE_STR, { .s = { "none", 4 } } };
    static regie_value null = { REGIE_NULL, { 0 } };
    (void)ud;
    if (strcmp(name, "n") == 0) {
        return &three;
    }
    if (strcmp(name, "method") == 0) {
        return &none;
    }
    if (strcmp(name, "empty") == 0) {
        return &null;
    }
    return NULL;
}

static int eval(const char *text)
{
    char *err = NULL;
    rg_expr *e = rg_expr_parse(text, &err);
    ck_assert_msg(e != NULL, "parse %s: %s", text, err ? err : "");
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
}
END_TEST

START_TEST(bad_conditions)
{
    const char *bad[] = { "", "n ==", "(n", "\"open", "n == 3 extra", NULL };
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

Suite *suite_exec(void);
Suite *suite_exec(void)
{
    Suite *s = suite_create("exec");
    TCase *tc = tcase_create("when");
    tcase_add_test(tc, conditions);
    tcase_add_test(tc, bad_conditions);
    suite_add_tcase(s, tc);
    return s;
}
