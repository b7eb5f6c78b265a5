#include "datum.h"
#include "value.h"

#include <check.h>
#include <math.h>
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

/* A datum's bytes (the store's .rgd files, and what a step isolated in a
 * child sends its parent): every kind of value, column names, row lines
 * and the source come back as they were; bytes cut short anywhere, of an
 * unknown kind, with counts larger than the bytes left or nested too deep
 * are refused. */
START_TEST(datum_bytes_round_trip)
{
    const char *cols[] = { "id", "n", "x", "ok", "tags", "" };
    regie_table *t = rg_table_new(6, cols);
    rg_table_set_source(t, "in/rows.csv");
    regie_list *inner = rg_table_list_new(t);
    regie_value s1 = rg_str_value("a;b");
    rg_list_push(inner, &s1);
    regie_list *outer = rg_table_list_new(t);
    regie_value in = { REGIE_LIST, { .list = inner } };
    regie_value null = { REGIE_NULL, { 0 } };
    rg_list_push(outer, &in);
    rg_list_push(outer, &null);
    regie_list *empty = rg_table_list_new(t);
    regie_value row1[6] = {
        { REGIE_STR, { .s = { "A\0z", 3 } } }, /* a NUL inside is kept */
        { REGIE_INT, { .i = INT64_MIN } },
        { REGIE_NUM, { .n = 0.1 } },
        { REGIE_BOOL, { .b = 1 } },
        { REGIE_LIST, { .list = outer } },
        { REGIE_NULL, { 0 } },
    };
    regie_value row2[6] = {
        { REGIE_STR, { .s = { "", 0 } } },
        { REGIE_INT, { .i = 9007199254740993LL } },
        { REGIE_NUM, { .n = -0.0 } },
        { REGIE_BOOL, { .b = 0 } },
        { REGIE_LIST, { .list = empty } },
        { REGIE_NUM, { .n = 1e300 } },
    };
    rg_table_append(t, row1, 2);
    rg_table_append(t, row2, 7);
    rg_datum dt = { RG_DATUM_TABLE, t, { REGIE_NULL, { 0 } } };
    rg_datum dv = { RG_DATUM_VALUE, rg_table_new(0, NULL), { REGIE_NULL, { 0 } } };
    regie_value num = { REGIE_NUM, { .n = 35.625 } };
    rg_value_copy(dv.table, &dv.value, &num);
    rg_buf b = { 0 }, bv = { 0 };
    rg_datum_save(&dt, &b);
    rg_datum_save(&dv, &bv);

    rg_datum t2, v2;
    ck_assert_int_eq(rg_datum_load(b.data, b.len, &t2), 0);
    ck_assert_int_eq(rg_datum_load(bv.data, bv.len, &v2), 0);
    ck_assert_int_eq(v2.kind, RG_DATUM_VALUE);
    ck_assert_int_eq(v2.value.type, REGIE_NUM);
    ck_assert_double_eq(v2.value.u.n, 35.625);
    ck_assert_int_eq(t2.kind, RG_DATUM_TABLE);
    const regie_table *u = t2.table;
    ck_assert_uint_eq(u->ncols, 6);
    ck_assert_uint_eq(u->nrows, 2);
    for (size_t c = 0; c < 6; c++) {
        ck_assert_str_eq(u->cols[c], cols[c]);
    }
    ck_assert_str_eq(u->source, "in/rows.csv");
    ck_assert_int_eq(u->lines[0], 2);
    ck_assert_int_eq(u->lines[1], 7);
    const regie_value *c = rg_table_cell(u, 0, 0);
    ck_assert_int_eq(c->type, REGIE_STR);
    ck_assert_uint_eq(c->u.s.len, 3);
    ck_assert_int_eq(memcmp(c->u.s.ptr, "A\0z", 4), 0); /* and NUL-terminated */
    ck_assert_int_eq(rg_table_cell(u, 0, 1)->type, REGIE_INT);
    ck_assert(rg_table_cell(u, 0, 1)->u.i == INT64_MIN);
    ck_assert_double_eq(rg_table_cell(u, 0, 2)->u.n, 0.1);
    ck_assert_int_eq(rg_table_cell(u, 0, 3)->type, REGIE_BOOL);
    ck_assert_int_eq(rg_table_cell(u, 0, 3)->u.b, 1);
    const regie_list *l = rg_table_cell(u, 0, 4)->u.list;
    ck_assert_uint_eq(l->n, 2);
    ck_assert_int_eq(l->items[0].type, REGIE_LIST);
    ck_assert_uint_eq(l->items[0].u.list->n, 1);
    ck_assert_str_eq(l->items[0].u.list->items[0].u.s.ptr, "a;b");
    ck_assert_int_eq(l->items[1].type, REGIE_NULL);
    ck_assert_int_eq(rg_table_cell(u, 0, 5)->type, REGIE_NULL);
    ck_assert_int_eq(rg_table_cell(u, 1, 0)->type, REGIE_STR);
    ck_assert_uint_eq(rg_table_cell(u, 1, 0)->u.s.len, 0);
    ck_assert(rg_table_cell(u, 1, 1)->u.i == 9007199254740993LL);
    ck_assert_int_eq(rg_table_cell(u, 1, 2)->type, REGIE_NUM);
    ck_assert(signbit(rg_table_cell(u, 1, 2)->u.n));
    ck_assert_int_eq(rg_table_cell(u, 1, 3)->u.b, 0);
    ck_assert_int_eq(rg_table_cell(u, 1, 4)->type, REGIE_LIST); /* empty, not null */
    ck_assert_uint_eq(rg_table_cell(u, 1, 4)->u.list->n, 0);
    ck_assert_double_eq(rg_table_cell(u, 1, 5)->u.n, 1e300);
    rg_datum_clear(&t2);
    rg_datum_clear(&v2);

    /* the table's bytes cut at every length, or with a byte more, are
     * refused; nothing leaks */
    for (size_t cut = 0; cut < b.len; cut++) {
        rg_datum d;
        ck_assert_int_eq(rg_datum_load(b.data, cut, &d), -1);
        ck_assert_int_eq(d.kind, RG_DATUM_NONE);
    }
    rg_buf_put(&b, "", 1);
    rg_datum d;
    ck_assert_int_eq(rg_datum_load(b.data, b.len, &d), -1);
    /* an unknown kind of datum or value */
    const char bad_kind[] = { 'R', 'G', 'D', '1', 9 };
    const char bad_type[] = { 'R', 'G', 'D', '1', RG_DATUM_VALUE, 42 };
    ck_assert_int_eq(rg_datum_load(bad_kind, sizeof bad_kind, &d), -1);
    ck_assert_int_eq(rg_datum_load(bad_type, sizeof bad_type, &d), -1);
    /* counts are never more than the bytes left: a list of 2^60 items, a
     * table of 2^40 columns or rows in a few bytes */
    static const uint64_t huge[] = { UINT64_C(1) << 60, UINT64_C(1) << 40, 17 };
    static const char zeros[16];
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        rg_buf h = { 0 };
        rg_buf_put(&h, "RGD1", 4);
        unsigned char k = RG_DATUM_VALUE, ty = REGIE_LIST;
        rg_buf_put(&h, &k, 1);
        rg_buf_put(&h, &ty, 1);
        rg_buf_put_u64(&h, huge[i]);
        rg_buf_put(&h, zeros, sizeof zeros);
        ck_assert_int_eq(rg_datum_load(h.data, h.len, &d), -1);
        h.len = 0;
        rg_buf_put(&h, "RGD1", 4);
        k = RG_DATUM_TABLE;
        rg_buf_put(&h, &k, 1);
        rg_buf_put_str(&h, "", 0);
        rg_buf_put_u64(&h, huge[i]);
        rg_buf_put(&h, zeros, sizeof zeros);
        ck_assert_int_eq(rg_datum_load(h.data, h.len, &d), -1);
        h.len = 0;
        rg_buf_put(&h, "RGD1", 4);
        rg_buf_put(&h, &k, 1);
        rg_buf_put_str(&h, "", 0);
        rg_buf_put_u64(&h, 0);
        rg_buf_put_u64(&h, huge[i]);
        rg_buf_put(&h, zeros, sizeof zeros);
        ck_assert_int_eq(rg_datum_load(h.data, h.len, &d), -1);
        rg_buf_free(&h);
    }
    /* lists nest 200 deep, not deeper */
    for (int depth = 100; depth <= 300; depth += 200) {
        rg_buf h = { 0 };
        rg_buf_put(&h, "RGD1", 4);
        unsigned char k = RG_DATUM_VALUE, ty = REGIE_LIST, nul = REGIE_NULL;
        rg_buf_put(&h, &k, 1);
        for (int i = 0; i < depth; i++) {
            rg_buf_put(&h, &ty, 1);
            rg_buf_put_u64(&h, 1);
        }
        rg_buf_put(&h, &nul, 1);
        ck_assert_int_eq(rg_datum_load(h.data, h.len, &d), depth <= 200 ? 0 : -1);
        if (depth <= 200) {
            const regie_value *v = &d.value;
            for (int i = 0; i < depth; i++) {
                ck_assert_int_eq(v->type, REGIE_LIST);
                ck_assert_uint_eq(v->u.list->n, 1);
                v = &v->u.list->items[0];
            }
            ck_assert_int_eq(v->type, REGIE_NULL);
            rg_datum_clear(&d);
        }
        rg_buf_free(&h);
    }
    rg_buf_free(&bv);
    rg_buf_free(&b);
    rg_datum_clear(&dt);
    rg_datum_clear(&dv);
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
    tcase_add_test(tc, datum_bytes_round_trip);
    suite_add_tcase(s, tc);
    return s;
}
