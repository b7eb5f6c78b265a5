#define _GNU_SOURCE
#include "rg_ini.h"
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* test callback: "x" becomes "X", "keep" stays as written, others vanish */
static int upper_x(void *ud, char *name, rg_buf *out)
{
    (*(int *)ud)++;
    if (strcmp(name, "keep") == 0) {
        return 1;
    }
    if (strcmp(name, "x") == 0) {
        rg_buf_puts(out, "X");
    }
    return 0;
}

/* rg_substitute: the one ${...} scanner of the INI values, the inputs and
 * a wait step's what. */
START_TEST(substitute_by_prefix)
{
    int calls = 0, unterminated = 0;
    char *v = rg_substitute("a ${data.x} b ${data.keep} ${input.x} ${data.y}c", "data.", upper_x,
                            &calls, &unterminated);
    ck_assert_str_eq(v, "a X b ${data.keep} ${input.x} c");
    ck_assert_int_eq(calls, 3);
    ck_assert_int_eq(unterminated, 0);
    free(v);
    calls = 0;
    v = rg_substitute("${x}${keep} and ${x", "", upper_x, &calls, &unterminated);
    ck_assert_str_eq(v, "X${keep} and ${x");
    ck_assert_int_eq(calls, 2);
    ck_assert_int_eq(unterminated, 1);
    free(v);
    v = rg_substitute("", "", upper_x, &calls, NULL);
    ck_assert_str_eq(v, "");
    free(v);
}
END_TEST

START_TEST(lines_kept_and_long_values)
{
    char *dir = t_tmpdir();
    char longv[600];
    memset(longv, 'x', sizeof longv - 1);
    longv[sizeof longv - 1] = 0;
    char *text = NULL;
    if (asprintf(&text, "; comment\n[a]\nk1 = v1 ; trailing comment\n\n[b]\nlong = %s\nhi = ${input.who}\n", longv) < 0) {
        ck_abort();
    }
    char *p = t_write(dir, "x.ini", text);
    rg_ini ini;
    rg_errors e = { 0 };
    ck_assert_int_eq(rg_ini_load(&ini, p, &e), 0);
    rg_kv *k1 = rg_section_get(rg_ini_section(&ini, "a"), "k1");
    ck_assert_str_eq(k1->value, "v1");
    ck_assert_int_eq(k1->line, 3);
    rg_kv *lv = rg_section_get(rg_ini_section(&ini, "b"), "long");
    ck_assert_int_eq(strlen(lv->value), 599);
    ck_assert_int_eq(lv->line, 6);
    /* ${input.NAME} is the workflow's to fill in */
    ck_assert_str_eq(rg_section_get(rg_ini_section(&ini, "b"), "hi")->value, "${input.who}");
    rg_ini_free(&ini);
    rg_err_free(&e);
    free(text);
    free(p);
    t_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(errors_name_file_and_line)
{
    char *dir = t_tmpdir();
    char *p = t_write(dir, "bad.ini",
                      "[a]\nk = 1\nk = 2\n  continued\nx = ${env:REGIE_SURELY_UNSET_VAR}\n"
                      "y = ${env:REGIE_SURELY_UNSET_VAR:-fallback}\n");
    rg_ini ini;
    rg_errors e = { 0 };
    ck_assert_int_eq(rg_ini_load(&ini, p, &e), -1);
    char *want = NULL;
    ck_assert_int_ge(e.n, 2);
    if (asprintf(&want, "%s:3: duplicate key \"k\" in [a] (first at %s:2)", p, p) < 0) {
        ck_abort();
    }
    ck_assert_str_eq(e.msg[0], want);
    free(want);
    int found_env = 0;
    for (size_t i = 0; i < e.n; i++) {
        found_env |= strstr(e.msg[i], ":5: ${env:REGIE_SURELY_UNSET_VAR}") != NULL;
    }
    ck_assert(found_env);
    ck_assert_str_eq(rg_section_get(rg_ini_section(&ini, "a"), "y")->value, "fallback");
    rg_ini_free(&ini);
    rg_err_free(&e);
    free(p);
    t_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(include_depth_and_loops)
{
    char *dir = t_tmpdir();
    char *a = t_write(dir, "a.ini", "include = b.ini\n[main]\nx = 1\n");
    char *b = t_write(dir, "b.ini", "[frag]\ny = 2\n");
    rg_ini ini;
    rg_errors e = { 0 };
    ck_assert_int_eq(rg_ini_load(&ini, a, &e), 0);
    rg_kv *y = rg_section_get(rg_ini_section(&ini, "frag"), "y");
    ck_assert_ptr_nonnull(y);
    ck_assert_str_eq(y->file, b);
    ck_assert_int_eq(y->line, 2);
    rg_ini_free(&ini);
    char *l1 = t_write(dir, "l1.ini", "include = l2.ini\n");
    char *l2 = t_write(dir, "l2.ini", "include = l1.ini\n");
    ck_assert_int_eq(rg_ini_load(&ini, l1, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg[e.n - 1], "include loop"));
    rg_ini_free(&ini);
    rg_err_free(&e);
    char *self = t_write(dir, "deep.ini", "include = deep2.ini\n");
    /* a chain of 10 distinct files is deeper than the limit */
    for (int i = 2; i <= 11; i++) {
        char name[32], body[64];
        snprintf(name, sizeof name, "deep%d.ini", i);
        snprintf(body, sizeof body, "include = deep%d.ini\n", i + 1);
        free(t_write(dir, name, body));
    }
    free(t_write(dir, "deep12.ini", "[end]\nz = 1\n"));
    ck_assert_int_eq(rg_ini_load(&ini, self, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg[0], "deeper than 8 levels"));
    rg_ini_free(&ini);
    rg_err_free(&e);
    free(a);
    free(b);
    free(l1);
    free(l2);
    free(self);
    t_rmtree(dir);
    free(dir);
}
END_TEST

Suite *suite_ini(void);
Suite *suite_ini(void)
{
    Suite *s = suite_create("ini");
    TCase *tc = tcase_create("ini");
    tcase_add_test(tc, lines_kept_and_long_values);
    tcase_add_test(tc, errors_name_file_and_line);
    tcase_add_test(tc, include_depth_and_loops);
    tcase_add_test(tc, substitute_by_prefix);
    suite_add_tcase(s, tc);
    return s;
}
