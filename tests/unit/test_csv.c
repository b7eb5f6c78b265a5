#include "rg_csv.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static regie_table *parse(const char *text, const char *spec, const char *unique, rg_errors *e)
{
    rg_colspec *cs = NULL;
    size_t n = 0;
    if (spec) {
        ck_assert_int_eq(rg_colspec_parse(spec, "wf.ini", 3, &cs, &n, e), 0);
    }
    regie_table *t = NULL;
    rg_csv_parse("f.csv", text, strlen(text), cs, n, unique, &t, e);
    rg_colspec_free(cs, n);
    return t;
}

/* rg_csv_field: the field as rg_csv_write writes it, cut at the buffer's
 * size, its whole length returned (the host table's csv_field). */
START_TEST(field_by_the_writers_rule)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        { "plain", "plain" },           { "", "" },
        { "a,b", "\"a,b\"" },           { "say \"hi\"", "\"say \"\"hi\"\"\"" },
        { "\ttab", "\"\ttab\"" },       { "tab\t", "\"tab\t\"" },
        { " space", "\" space\"" },     { "two\r\nlines", "\"two\r\nlines\"" },
        { "in side", "in side" },       { "\"", "\"\"\"\"" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *in = cases[i].in, *want = cases[i].out;
        size_t n = strlen(in), len = strlen(want);
        ck_assert_uint_eq(rg_csv_field(in, n, NULL, 0), len);
        char buf[32];
        memset(buf, '#', sizeof buf);
        ck_assert_uint_eq(rg_csv_field(in, n, buf, sizeof buf), len);
        ck_assert_msg(memcmp(buf, want, len) == 0 && buf[len] == '#', "case %zu", i);
        /* cut short: the first bytes only, nothing past them */
        memset(buf, '#', sizeof buf);
        ck_assert_uint_eq(rg_csv_field(in, n, buf, len / 2), len);
        ck_assert(memcmp(buf, want, len / 2) == 0 && buf[len / 2] == '#');
        /* the same as the writer's */
        rg_buf b = { 0 };
        rg_csv_put_text(&b, in, n);
        ck_assert_uint_eq(b.len, len);
        ck_assert(memcmp(b.data, want, len) == 0);
        rg_buf_free(&b);
    }
}
END_TEST

START_TEST(dutch_export_bom_semicolon_decimal_comma)
{
    rg_errors e = { 0 };
    regie_table *t = parse("\xef\xbb\xbf"
                           "id;rate;ok;tags\r\nA;120,50;ja;x,y\r\nB;95;nee;\r\n",
                           "id:id!, rate:decimal!, ok:boolean, tags:list", "id", &e);
    ck_assert_msg(t != NULL, "%s", e.n ? e.msg[0] : "");
    ck_assert_int_eq(t->nrows, 2);
    ck_assert_str_eq(t->cols[0], "id");
    ck_assert_int_eq(rg_table_cell(t, 0, 1)->type, REGIE_NUM);
    ck_assert_double_eq(rg_table_cell(t, 0, 1)->u.n, 120.5);
    ck_assert_int_eq(rg_table_cell(t, 0, 2)->u.b, 1);
    ck_assert_int_eq(rg_table_cell(t, 1, 2)->u.b, 0);
    ck_assert_int_eq(rg_table_cell(t, 0, 3)->u.list->n, 2);
    ck_assert_int_eq(rg_table_cell(t, 1, 3)->type, REGIE_NULL);
    ck_assert_int_eq(t->lines[1], 3);
    rg_table_free(t);
    rg_err_free(&e);
}
END_TEST

START_TEST(quoted_newlines_keep_line_numbers)
{
    rg_errors e = { 0 };
    regie_table *t = parse("id,note,n\nA,\"two\nlines, \"\"quoted\"\"\",1\nB,plain,x\n",
                           "id:id, n:integer", NULL, &e);
    ck_assert_ptr_null(t);
    ck_assert_int_eq(e.n, 1);
    ck_assert_str_eq(e.msg[0], "f.csv:4: column n: found \"x\", expected an integer");
    rg_err_free(&e);
    t = parse("id,note\nA,\"two\nlines, \"\"quoted\"\"\"\nB,plain\n", NULL, NULL, &e);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(rg_table_cell(t, 0, 1)->u.s.ptr, "two\nlines, \"quoted\"");
    ck_assert_int_eq(t->lines[0], 2);
    ck_assert_int_eq(t->lines[1], 4);
    rg_table_free(t);
    /* empty lines before the header: the separator is the header's */
    t = parse("\r\n\nid;n\r\nA;1,5\r\n", "id:id, n:decimal", NULL, &e);
    ck_assert_msg(t != NULL, "%s", e.n ? e.msg[0] : "");
    ck_assert_int_eq(t->ncols, 2);
    ck_assert_double_eq(rg_table_cell(t, 0, 1)->u.n, 1.5);
    ck_assert_int_eq(t->lines[0], 4);
    rg_table_free(t);
    /* ... and the header ends at a CR alone: the commas of the rows after
     * it do not count */
    t = parse("id;n\rA;1,2,3,4\r", "id:id, n:text", NULL, &e);
    ck_assert_msg(t != NULL, "%s", e.n ? e.msg[0] : "");
    ck_assert_int_eq(t->ncols, 2);
    ck_assert_str_eq(rg_table_cell(t, 0, 1)->u.s.ptr, "1,2,3,4");
    rg_table_free(t);
    /* lines that end in a CR alone ("CSV (Macintosh)") are counted too */
    t = parse("id,n\rA,1\rB,\"2\r\"\rC,x\r", "id:id, n:text", NULL, &e);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(t->nrows, 3);
    ck_assert_int_eq(t->lines[0], 2);
    ck_assert_int_eq(t->lines[1], 3);
    ck_assert_str_eq(rg_table_cell(t, 1, 1)->u.s.ptr, "2\r");
    ck_assert_int_eq(t->lines[2], 5);
    rg_table_free(t);
    t = parse("id,n\rA,1\r\nB,2\rC,x\n", "id:id, n:integer", NULL, &e);
    ck_assert_ptr_null(t);
    ck_assert_int_eq(e.n, 1);
    ck_assert_str_eq(e.msg[0], "f.csv:4: column n: found \"x\", expected an integer");
    rg_err_free(&e);
}
END_TEST

START_TEST(all_data_errors_of_a_file_together)
{
    rg_errors e = { 0 };
    regie_table *t = parse("bid_id,rate,when\nA,\"120,5\",2026-01-12\nbad id,100,3-4-2024\nA,,2026-01-12T12:00\n",
                           "bid_id:id!, rate:decimal!, when:datetime", "bid_id", &e);
    ck_assert_ptr_null(t);
    const char *want[] = {
        "f.csv:2: column rate: found \"120,5\", expected a number with a decimal point (a decimal "
        "comma only in ;-separated files)",
        "f.csv:3: column bid_id: found \"bad id\", expected an id of 1-32 letters, digits, _ or -",
        "f.csv:3: column when: found \"3-4-2024\", expected a date YYYY-MM-DD or YYYY-MM-DDTHH:MM",
        "f.csv:4: column rate: found nothing, expected a value (required)",
        "f.csv:4: column bid_id: found \"A\", expected a unique value (first at line 2)",
    };
    ck_assert_int_eq(e.n, 5);
    for (size_t i = 0; i < 5; i++) {
        ck_assert_str_eq(e.msg[i], want[i]);
    }
    rg_err_free(&e);
}
END_TEST

START_TEST(structural_errors)
{
    rg_errors e = { 0 };
    ck_assert_ptr_null(parse("", NULL, NULL, &e));
    ck_assert_str_eq(e.msg[0], "f.csv: empty file, expected a header row");
    rg_err_free(&e);
    ck_assert_ptr_null(parse("a,b\n1,2,3\n", NULL, NULL, &e));
    ck_assert_str_eq(e.msg[0], "f.csv:2: expected 2 fields as in the header, found 3");
    rg_err_free(&e);
    ck_assert_ptr_null(parse("a,b\n1,\"open\n", NULL, NULL, &e));
    ck_assert_ptr_nonnull(strstr(e.msg[0], "f.csv:2: unterminated quoted field"));
    rg_err_free(&e);
    ck_assert_ptr_null(parse("a,b\n1,\xff\n", NULL, NULL, &e));
    ck_assert_str_eq(e.msg[0], "f.csv:2: invalid UTF-8 (save the file as UTF-8)");
    rg_err_free(&e);
    ck_assert_ptr_null(parse("a,c\n1,2\n", "a, b:integer, d", NULL, &e));
    ck_assert_str_eq(e.msg[0], "f.csv:1: missing columns b, d (expected columns: a, b, d)");
    rg_err_free(&e);
    rg_colspec *cs;
    size_t n;
    ck_assert_int_eq(rg_colspec_parse("a:money", "wf.ini", 7, &cs, &n, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg[0], "wf.ini:7: unknown column type \"money\" for a"));
    rg_colspec_free(cs, n);
    rg_err_free(&e);
}
END_TEST

/* RFC 4180: the spaces of a field not quoted are part of it.  A text
 * column keeps them unless its spec says ~; typed columns (id, integer,
 * decimal, boolean, date, datetime, list) never hold them and are read as
 * if they were not there. */
START_TEST(spaces_kept_unless_trimmed)
{
    rg_errors e = { 0 };
    regie_table *t = parse("id,name,code,n,on,note\n"
                           " A1 , Anna ,\tX1\t,  3 , 2026-01-05 ,\" quoted \"\n"
                           "B2,Bob,Y2,4,2026-01-06,plain\n",
                           "id:id!, name:text, code:text~!, n:integer, on:date, note:text~", NULL, &e);
    ck_assert_msg(t != NULL, "%s", e.n ? e.msg[0] : "");
    ck_assert_str_eq(rg_table_cell(t, 0, 0)->u.s.ptr, "A1");      /* id: trimmed */
    ck_assert_str_eq(rg_table_cell(t, 0, 1)->u.s.ptr, " Anna ");  /* text: kept */
    ck_assert_str_eq(rg_table_cell(t, 0, 2)->u.s.ptr, "X1");      /* text~: trimmed, tabs too */
    ck_assert_int_eq(rg_table_cell(t, 0, 3)->u.i, 3);
    ck_assert_str_eq(rg_table_cell(t, 0, 4)->u.s.ptr, "2026-01-05");
    ck_assert_str_eq(rg_table_cell(t, 0, 5)->u.s.ptr, "quoted"); /* ~ trims a quoted value too */
    ck_assert_str_eq(rg_table_cell(t, 1, 1)->u.s.ptr, "Bob");
    rg_table_free(t);
    /* no spec: every column is text and keeps its spaces; a column not in
     * the spec as well */
    t = parse("a,b\n x,y \n", NULL, NULL, &e);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(rg_table_cell(t, 0, 0)->u.s.ptr, " x");
    ck_assert_str_eq(rg_table_cell(t, 0, 1)->u.s.ptr, "y ");
    rg_table_free(t);
    t = parse("a,b\n x,y \n", "a:text~", NULL, &e);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(rg_table_cell(t, 0, 0)->u.s.ptr, "x");
    ck_assert_str_eq(rg_table_cell(t, 0, 1)->u.s.ptr, "y ");
    rg_table_free(t);
    /* a required text~ column of spaces only is empty */
    ck_assert_ptr_null(parse("id,code\nA,   \n", "id:id, code:text!~", NULL, &e));
    ck_assert_str_eq(e.msg[0], "f.csv:2: column code: found nothing, expected a value (required)");
    rg_err_free(&e);
    /* ...but a text column keeps them: spaces are a value */
    t = parse("id,code\nA,   \n", "id:id, code:text!", NULL, &e);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(rg_table_cell(t, 0, 1)->u.s.ptr, "   ");
    rg_table_free(t);
    /* a line of spaces only is a blank line, as an empty one is */
    t = parse("a,b\n1,2\n   \n3,4\n", NULL, NULL, &e);
    ck_assert_msg(t != NULL, "%s", e.n ? e.msg[0] : "");
    ck_assert_int_eq(t->nrows, 2);
    ck_assert_int_eq(t->lines[1], 4);
    rg_table_free(t);
    /* the marks in either order */
    rg_colspec *cs;
    size_t n;
    ck_assert_int_eq(rg_colspec_parse("a:text~!, b:text!~, c?:text, d:decimal~", "wf.ini", 1, &cs, &n, &e), 0);
    ck_assert(cs[0].trim && cs[0].required && cs[1].trim && cs[1].required);
    ck_assert(!cs[2].trim && !cs[2].required && cs[2].optional && cs[3].trim);
    ck_assert_int_eq(cs[3].type, RG_COL_DECIMAL);
    rg_colspec_free(cs, n);
    /* a space between a separator and a quote: the field is not quoted, so
     * the quote is malformed; the message says why */
    ck_assert_ptr_null(parse("a,b\n1, \"x, y\"\n", NULL, NULL, &e));
    ck_assert_msg(strstr(e.msg[0], "f.csv:2: malformed quoting: ") &&
                      strstr(e.msg[0], "a space between a quoted field and its separator"),
                  "%s", e.msg[0]);
    rg_err_free(&e);
    ck_assert_ptr_null(parse("a,b\n\"x\" ,1\n", NULL, NULL, &e));
    ck_assert_ptr_nonnull(strstr(e.msg[0], "a space between a quoted field and its separator"));
    rg_err_free(&e);
}
END_TEST

START_TEST(write_round_trip)
{
    const char *cols[] = { "name", "n", "x", "flag", "empty" };
    regie_table *t = rg_table_new(5, cols);
    regie_value row[5] = { rg_str_value(" a, \"b\"\nc"), { REGIE_INT, { .i = -7 } },
                           { REGIE_NUM, { .n = 0.1 } }, { REGIE_BOOL, { .b = 1 } },
                           { REGIE_NULL, { 0 } } };
    rg_table_append(t, row, 0);
    rg_buf b = { 0 };
    rg_csv_write(&b, t);
    ck_assert_str_eq(b.data, "name,n,x,flag,empty\r\n\" a, \"\"b\"\"\nc\",-7,0.1,yes,\r\n");
    rg_errors e = { 0 };
    regie_table *back = parse(b.data, "n:integer, x:decimal, flag:boolean", NULL, &e);
    ck_assert_ptr_nonnull(back);
    ck_assert_str_eq(rg_table_cell(back, 0, 0)->u.s.ptr, " a, \"b\"\nc");
    ck_assert_int_eq(rg_table_cell(back, 0, 1)->u.i, -7);
    ck_assert_double_eq(rg_table_cell(back, 0, 2)->u.n, 0.1);
    rg_table_free(back);
    rg_table_free(t);
    rg_buf_free(&b);
    /* a column name with a ';' is quoted: the header is not taken for
     * one separated by ';' when read back */
    const char *semi[] = { "a;b" };
    t = rg_table_new(1, semi);
    regie_value v1[1] = { rg_str_value("x") };
    rg_table_append(t, v1, 0);
    memset(&b, 0, sizeof b);
    rg_csv_write(&b, t);
    ck_assert_str_eq(b.data, "\"a;b\"\r\nx\r\n");
    back = parse(b.data, NULL, NULL, &e);
    ck_assert_int_eq(back->ncols, 1);
    ck_assert_str_eq(back->cols[0], "a;b");
    rg_table_free(back);
    rg_table_free(t);
    rg_buf_free(&b);
    /* a tab at either end is kept by quoting, as a space is */
    const char *one[] = { "note" };
    t = rg_table_new(1, one);
    regie_value tab[1] = { rg_str_value("\tindented") };
    rg_table_append(t, tab, 0);
    tab[0] = rg_str_value("trailing\t");
    rg_table_append(t, tab, 0);
    memset(&b, 0, sizeof b);
    rg_csv_write(&b, t);
    ck_assert_str_eq(b.data, "note\r\n\"\tindented\"\r\n\"trailing\t\"\r\n");
    back = parse(b.data, NULL, NULL, &e);
    ck_assert_str_eq(rg_table_cell(back, 0, 0)->u.s.ptr, "\tindented");
    ck_assert_str_eq(rg_table_cell(back, 1, 0)->u.s.ptr, "trailing\t");
    rg_table_free(back);
    rg_table_free(t);
    rg_buf_free(&b);
}
END_TEST

Suite *suite_csv(void);
Suite *suite_csv(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("csv");
    tcase_add_test(tc, field_by_the_writers_rule);
    tcase_add_test(tc, dutch_export_bom_semicolon_decimal_comma);
    tcase_add_test(tc, quoted_newlines_keep_line_numbers);
    tcase_add_test(tc, all_data_errors_of_a_file_together);
    tcase_add_test(tc, structural_errors);
    tcase_add_test(tc, write_round_trip);
    tcase_add_test(tc, spaces_kept_unless_trimmed);
    suite_add_tcase(s, tc);
    return s;
}
