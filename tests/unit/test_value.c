#include "internal.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(table_copies_strings_and_lists)
{
    const char *cols[] = { "id", "tags", "n" };
    regie_table *t = rg_table_new(3, cols);
    char buf[8] = "abc";
    regie_table *tmp = rg_table_new(0, NULL);
    regie_list *l = rg_table_list_new(tmp);
    regie_value x = rg_str_value("x");
    rg_list_push(l, &x);
    regie_value row[3] = { rg_str_value(buf), { REGIE_LIST, { .list = l } },
                           { REGIE_INT, { .i = 7 } } };
    rg_table_append(t, row, 4);
    strcpy(buf, "zzz");
    rg_table_free(tmp);
    ck_assert_str_eq(rg_table_cell(t, 0, 0)->u.s.ptr, "abc");
    ck_assert_int_eq(rg_table_cell(t, 0, 1)->u.list->n, 1);
    ck_assert_str_eq(rg_table_cell(t, 0, 1)->u.list->items[0].u.s.ptr, "x");
    ck_assert_int_eq(rg_table_cell(t, 0, 2)->u.i, 7);
    ck_assert_int_eq(t->lines[0], 4);
    ck_assert_int_eq(rg_table_colindex(t, "n"), 2);
    ck_assert_int_eq(rg_table_colindex(t, "nope"), -1);
    rg_table_free(t);
}
END_TEST

START_TEST(many_rows_and_big_strings)
{
    const char *cols[] = { "s" };
    regie_table *t = rg_table_new(1, cols);
    static char big[100000];
    memset(big, 'q', sizeof big - 1);
    for (int i = 0; i < 5000; i++) {
        regie_value v = rg_str_value(i % 1000 == 0 ? big : "small");
        rg_table_append(t, &v, i + 2);
    }
    ck_assert_int_eq(t->nrows, 5000);
    ck_assert_int_eq(rg_table_cell(t, 1000, 0)->u.s.len, sizeof big - 1);
    ck_assert_str_eq(rg_table_cell(t, 4999, 0)->u.s.ptr, "small");
    rg_table_free(t);
}
END_TEST

START_TEST(value_text)
{
    regie_value v = { REGIE_NUM, { .n = 0.1 } };
    char *s = rg_value_to_text(&v);
    ck_assert_str_eq(s, "0.1");
    free(s);
    v.type = REGIE_BOOL;
    v.u.b = 1;
    s = rg_value_to_text(&v);
    ck_assert_str_eq(s, "yes");
    free(s);
    v.type = REGIE_NULL;
    s = rg_value_to_text(&v);
    ck_assert_str_eq(s, "");
    free(s);
}
END_TEST

START_TEST(split_and_errors)
{
    char **v;
    size_t n = rg_split(" a, b ,,c ", ',', &v);
    ck_assert_int_eq(n, 3);
    ck_assert_str_eq(v[0], "a");
    ck_assert_str_eq(v[2], "c");
    rg_strv_free(v, n);
    rg_errors e = { 0 };
    rg_err_add(&e, "f.ini", 3, "bad %s", "thing");
    rg_err_add(&e, "f.ini", 0, "whole file");
    ck_assert_str_eq(e.msg[0], "f.ini:3: bad thing");
    ck_assert_str_eq(e.msg[1], "f.ini: whole file");
    rg_err_free(&e);
    int b;
    ck_assert_int_eq(rg_parse_bool("Ja", &b), 0);
    ck_assert_int_eq(b, 1);
    ck_assert_int_eq(rg_parse_bool("nee", &b), 0);
    ck_assert_int_eq(b, 0);
    ck_assert_int_eq(rg_parse_bool("maybe", &b), -1);
}
END_TEST

Suite *suite_value(void);
Suite *suite_value(void)
{
    Suite *s = suite_create("value");
    TCase *tc = tcase_create("tables");
    tcase_add_test(tc, table_copies_strings_and_lists);
    tcase_add_test(tc, many_rows_and_big_strings);
    tcase_add_test(tc, value_text);
    tcase_add_test(tc, split_and_errors);
    suite_add_tcase(s, tc);
    return s;
}
