/* The Dutch CSV dialect of the one writer (rg_csv.h): the decimal rule, its
 * quoting, a table written and read back; d-m-yyyy column dates; cp1252. */
#include "rg_csv.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* The decimal rule: exactly -?D+.D+, nothing else. */
START_TEST(decimal_rule_is_exact)
{
    static const char *yes[] = { "67.92", "-0.5", "0.00", "120.5", "1234567.891" };
    static const char *no[] = { "67",         "-7",    "1.2.3", "1e5",   "1.5e-07", ".5",
                                "5.",         "-.5",   "+1.5",  "1,5",   "2026-01-09", "10:15",
                                "12.5 EUR",   " 1.5",  "1.5 ",  "v1.2",  "-",     "",
                                "2026-01-09T10:15" };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        ck_assert_msg(rg_csv_is_decimal_text(yes[i], strlen(yes[i])), "%s", yes[i]);
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        ck_assert_msg(!rg_csv_is_decimal_text(no[i], strlen(no[i])), "%s", no[i]);
    }
}
END_TEST

/* Fields in the dutch dialect: ';' quoted (not ','), the decimal rule only
 * where asked; the standard dialect exactly as rg_csv_field. */
START_TEST(fields_by_dialect)
{
    static const struct {
        const char *in, *dutch, *dutch_no_decimal;
    } cases[] = {
        { "67.92", "67,92", "67.92" },     { "-0.5", "-0,5", "-0.5" },
        { "a;b", "\"a;b\"", "\"a;b\"" },   { "a,b", "a,b", "a,b" },
        { "1.2.3", "1.2.3", "1.2.3" },     { "2026-01-09", "2026-01-09", "2026-01-09" },
        { "say \"hi\"", "\"say \"\"hi\"\"\"", "\"say \"\"hi\"\"\"" },
        { " 1.5", "\" 1.5\"", "\" 1.5\"" }, { "", "", "" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *in = cases[i].in;
        size_t n = strlen(in);
        char buf[64];
        size_t len = rg_csv_field_d(&rg_csv_dutch, 1, in, n, buf, sizeof buf);
        ck_assert_msg(len == strlen(cases[i].dutch) && memcmp(buf, cases[i].dutch, len) == 0,
                      "case %zu: %.*s", i, (int)len, buf);
        len = rg_csv_field_d(&rg_csv_dutch, 0, in, n, buf, sizeof buf);
        ck_assert_msg(len == strlen(cases[i].dutch_no_decimal) &&
                          memcmp(buf, cases[i].dutch_no_decimal, len) == 0,
                      "case %zu (no decimal rule): %.*s", i, (int)len, buf);
        /* the standard dialect is the host's csv_field, decimal rule or not */
        char want[64];
        size_t wl = rg_csv_field(in, n, want, sizeof want);
        ck_assert_uint_eq(rg_csv_field_d(&rg_csv_standard, 1, in, n, buf, sizeof buf), wl);
        ck_assert(memcmp(buf, want, wl) == 0);
        ck_assert_uint_eq(rg_csv_field_d(NULL, 1, in, n, buf, sizeof buf), wl);
    }
    ck_assert_ptr_eq(rg_csv_dialect_find("dutch"), &rg_csv_dutch);
    ck_assert_ptr_eq(rg_csv_dialect_find("standard"), &rg_csv_standard);
    ck_assert_ptr_null(rg_csv_dialect_find("excel"));
}
END_TEST

/* A table in the dutch dialect, and read back by the reader to the same
 * values as its standard text. */
START_TEST(dutch_table_reads_back)
{
    const char *cols[] = { "id", "amount", "n", "text_num", "when", "tags", "ok", "note" };
    regie_table *t = rg_table_new(8, cols);
    regie_list *l = rg_table_list_new(t);
    regie_value it = rg_str_value("p");
    rg_list_push(l, &it);
    it = rg_str_value("q");
    rg_list_push(l, &it);
    regie_value row[8] = { rg_str_value("A"),
                           { REGIE_NUM, { .n = 67.92 } },
                           { REGIE_INT, { .i = 1200 } },
                           rg_str_value("-0.50"),
                           rg_str_value("2026-01-09T10:15"),
                           { REGIE_LIST, { .list = l } },
                           { REGIE_BOOL, { .b = 1 } },
                           rg_str_value("x;y, 1.2.3") };
    rg_table_append(t, row, 0);
    rg_buf nl = { 0 }, std = { 0 };
    rg_csv_write_d(&nl, t, &rg_csv_dutch);
    rg_csv_write_d(&std, t, NULL);
    ck_assert_str_eq(nl.data, "\xEF\xBB\xBFid;amount;n;text_num;when;tags;ok;note\r\n"
                              "A;67,92;1200;-0,50;2026-01-09T10:15;p,q;yes;\"x;y, 1.2.3\"\r\n");
    ck_assert_str_eq(std.data, "id,amount,n,text_num,when,tags,ok,note\r\n"
                               "A,67.92,1200,-0.50,2026-01-09T10:15,p;q,yes,\"x;y, 1.2.3\"\r\n");
    /* rg_csv_write is the standard dialect */
    rg_buf plain = { 0 };
    rg_csv_write(&plain, t);
    ck_assert_str_eq(plain.data, std.data);
    const char *spec = "id:id!, amount:decimal!, n:integer, text_num:decimal, when:datetime, "
                       "tags:list, ok:boolean";
    rg_colspec *cs;
    size_t ncs;
    rg_errors e = { 0 };
    ck_assert_int_eq(rg_colspec_parse(spec, "w.ini", 1, &cs, &ncs, &e), 0);
    regie_table *a = NULL, *b = NULL;
    ck_assert_int_eq(rg_csv_parse("nl.csv", nl.data, nl.len, cs, ncs, NULL, &a, &e), 0);
    ck_assert_int_eq(rg_csv_parse("std.csv", std.data, std.len, cs, ncs, NULL, &b, &e), 0);
    for (size_t c = 0; c < 8; c++) {
        char *x = rg_value_to_text(rg_table_cell(a, 0, c));
        char *y = rg_value_to_text(rg_table_cell(b, 0, c));
        ck_assert_msg(strcmp(x, y) == 0, "column %s: %s vs %s", cols[c], x, y);
        free(x);
        free(y);
    }
    ck_assert_double_eq(rg_table_cell(a, 0, 1)->u.n, 67.92);
    ck_assert_double_eq(rg_table_cell(a, 0, 3)->u.n, -0.5);
    rg_table_free(a);
    rg_table_free(b);
    rg_colspec_free(cs, ncs);
    rg_buf_free(&nl);
    rg_buf_free(&std);
    rg_buf_free(&plain);
    rg_table_free(t);
}
END_TEST

/* date(d-m-yyyy) and datetime(d-m-yyyy): ISO kept, Excel-NL accepted as ISO. */
START_TEST(dmy_dates_by_spec_only)
{
    const char *text = "d,t\r\n9-1-2026,9-1-2026 10:15\r\n09-01-2026,9-1-2026 7:05\r\n"
                       "2026-01-09,2026-01-09T10:15\r\n";
    rg_colspec *cs;
    size_t ncs;
    rg_errors e = { 0 };
    ck_assert_int_eq(rg_colspec_parse("d:date(d-m-yyyy)!, t:datetime(d-m-yyyy)", "w.ini", 1, &cs,
                                      &ncs, &e),
                     0);
    ck_assert(cs[0].dmy && cs[1].dmy && cs[0].required);
    regie_table *t = NULL;
    ck_assert_int_eq(rg_csv_parse("f.csv", text, strlen(text), cs, ncs, NULL, &t, &e), 0);
    ck_assert_str_eq(rg_table_cell(t, 0, 0)->u.s.ptr, "2026-01-09");
    ck_assert_str_eq(rg_table_cell(t, 0, 1)->u.s.ptr, "2026-01-09T10:15");
    ck_assert_str_eq(rg_table_cell(t, 1, 0)->u.s.ptr, "2026-01-09");
    ck_assert_str_eq(rg_table_cell(t, 1, 1)->u.s.ptr, "2026-01-09T07:05");
    ck_assert_str_eq(rg_table_cell(t, 2, 1)->u.s.ptr, "2026-01-09T10:15");
    rg_table_free(t);
    rg_colspec_free(cs, ncs);
    /* refused: a date column with a time, impossible days, two-digit years */
    const char *bad = "d,t\r\n9-1-2026 10:15,29-2-2026\r\n1-13-2026,9-1-26\r\n";
    ck_assert_int_eq(rg_colspec_parse("d:date(d-m-yyyy), t:datetime(d-m-yyyy)", "w.ini", 1, &cs,
                                      &ncs, &e),
                     0);
    ck_assert_int_eq(rg_csv_parse("f.csv", bad, strlen(bad), cs, ncs, NULL, &t, &e), -1);
    ck_assert_uint_eq(e.n, 4);
    rg_err_free(&e);
    rg_colspec_free(cs, ncs);
    /* without the spec: ISO only, as before */
    ck_assert_int_eq(rg_colspec_parse("d:date", "w.ini", 1, &cs, &ncs, &e), 0);
    const char *amb = "d\r\n3-4-2024\r\n";
    ck_assert_int_eq(rg_csv_parse("f.csv", amb, strlen(amb), cs, ncs, NULL, &t, &e), -1);
    ck_assert_str_eq(e.msg[0], "f.csv:2: column d: found \"3-4-2024\", expected a date YYYY-MM-DD");
    rg_err_free(&e);
    rg_colspec_free(cs, ncs);
}
END_TEST

START_TEST(cp1252_to_utf8)
{
    char *out;
    size_t n;
    long bad;
    const char in[] = "a\r\nZo\xEB \x80 \x93q\x94\r\n";
    ck_assert_int_eq(rg_cp1252_to_utf8(in, sizeof in - 1, &out, &n, &bad), 0);
    const char want[] = "a\r\nZo\xC3\xAB \xE2\x82\xAC \xE2\x80\x9Cq\xE2\x80\x9D\r\n";
    ck_assert_uint_eq(n, sizeof want - 1);
    ck_assert(memcmp(out, want, n) == 0);
    free(out);
    const char hole[] = "a\nb\nc\x81\n";
    ck_assert_int_eq(rg_cp1252_to_utf8(hole, sizeof hole - 1, &out, &n, &bad), -1);
    ck_assert_int_eq(bad, 3);
    rg_encoding enc;
    ck_assert_int_eq(rg_encoding_parse("CP1252", &enc), 0);
    ck_assert_int_eq(enc, RG_ENC_CP1252);
    ck_assert_int_eq(rg_encoding_parse("windows-1252", &enc), 0);
    ck_assert_int_eq(rg_encoding_parse("utf-8", &enc), 0);
    ck_assert_int_eq(enc, RG_ENC_UTF8);
    ck_assert_int_eq(rg_encoding_parse("latin1", &enc), -1);
}
END_TEST

Suite *suite_nlcsv_unit(void);
Suite *suite_nlcsv_unit(void)
{
    Suite *s = suite_create("nlcsv_unit");
    TCase *tc = tcase_create("dialect");
    tcase_add_test(tc, decimal_rule_is_exact);
    tcase_add_test(tc, fields_by_dialect);
    tcase_add_test(tc, dutch_table_reads_back);
    tcase_add_test(tc, dmy_dates_by_spec_only);
    tcase_add_test(tc, cp1252_to_utf8);
    suite_add_tcase(s, tc);
    return s;
}
