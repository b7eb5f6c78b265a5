#define _GNU_SOURCE
#include "rg_ini.h"
#include "ini_schema.h"
#include "testutil.h"

#include <check.h>
#include <stdarg.h>
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

/* ---- ini_schema.c: keys.SECTION declarations ---- */

/* A section,key,value table as rg_ini_to_table makes it, from
 * "section", "key", "value", line quadruples ended by NULL. */
static regie_table *ini_table(const char *source, ...)
{
    static const char *const cols[] = { "section", "key", "value" };
    regie_table *t = rg_table_new(3, cols);
    rg_table_set_source(t, source);
    va_list ap;
    va_start(ap, source);
    const char *sec;
    while ((sec = va_arg(ap, const char *)) != NULL) {
        const char *key = va_arg(ap, const char *);
        const char *val = va_arg(ap, const char *);
        int line = va_arg(ap, int);
        regie_value row[3] = { rg_str_value(sec), rg_str_value(key), rg_str_value(val) };
        rg_table_append(t, row, line);
    }
    va_end(ap);
    return t;
}

/* The error messages of e joined by newlines (for one assertion). */
static char *joined(const rg_errors *e)
{
    rg_buf b = { 0 };
    rg_buf_puts(&b, "");
    for (size_t i = 0; i < e->n; i++) {
        rg_buf_printf(&b, "%s\n", e->msg[i]);
    }
    return b.data;
}

static void schema(rg_ini_schema *s, rg_errors *e)
{
    memset(s, 0, sizeof *s);
    ck_assert_int_eq(
        rg_ini_schema_add(s, "tender", "id:text!, closing:datetime!, title:text=", "wf.ini", 3, e),
        0);
    ck_assert_int_eq(
        rg_ini_schema_add(s, "award",
                          "total_points:decimal[>0..]!, price_method:text{none|lowest_ratio|"
                          "fictitious_discount}=none, fraction:decimal[0..1]=0.30, "
                          "round_decimals:integer[0..6]=2, top_n:integer[1..]=3, cap:integer[..9]",
                          "wf.ini", 4, e),
        0);
    ck_assert_int_eq(rg_ini_schema_add(s, "calendar",
                                       "good_friday:boolean=no, extra_closed:list(date)=, "
                                       "scale:list(decimal)=\"0,25,50,75,100\", rules:list=lot, "
                                       "owner:id",
                                       "wf.ini", 5, e),
                     0);
    ck_assert_int_eq((int)e->n, 0);
}

START_TEST(schema_declared_like_columns)
{
    rg_errors e = { 0 };
    rg_ini_schema s;
    schema(&s, &e);
    ck_assert_int_eq((int)s.n, 3);
    const rg_keyspec *k = rg_ini_schema_key(&s, "award", "total_points");
    ck_assert_ptr_nonnull(k);
    ck_assert_int_eq(k->col.type, RG_COL_DECIMAL);
    ck_assert_int_eq(k->col.required, 1);
    ck_assert_int_eq(k->lo_excl, 1);
    ck_assert_str_eq(k->lo, "0");
    ck_assert_ptr_null(k->hi);
    k = rg_ini_schema_key(&s, "award", "price_method");
    ck_assert_int_eq((int)k->nchoices, 3);
    ck_assert_str_eq(k->choices[2], "fictitious_discount");
    ck_assert_str_eq(k->def, "none");
    k = rg_ini_schema_key(&s, "calendar", "scale");
    ck_assert_int_eq(k->col.type, RG_COL_LIST);
    ck_assert_int_eq(k->item, RG_COL_DECIMAL);
    ck_assert_str_eq(k->def, "0,25,50,75,100");
    ck_assert_ptr_null(rg_ini_schema_key(&s, "award", "nothing"));
    rg_ini_schema_free(&s);

    /* mistakes in the declaration name the workflow's file and line */
    rg_ini_schema bad = { 0 };
    ck_assert_int_eq(rg_ini_schema_add(&bad, "x",
                                       "a:money, b:text[1..2], c:integer[one..], d:integer=many, "
                                       "e?:text, f:text{}, a:text",
                                       "wf.ini", 9, &e),
                     -1);
    ck_assert_int_eq(rg_ini_schema_add(&bad, "x", "z:text", "wf.ini", 10, &e), -1);
    char *all = joined(&e);
    ck_assert_msg(strstr(all, "wf.ini:9: unknown key type \"money\" for a") != NULL, "%s", all);
    ck_assert_msg(strstr(all, "wf.ini:9: key b: a range applies to integer and decimal keys only"),
                  "%s", all);
    ck_assert_msg(strstr(all, "wf.ini:9: key c: found range [one..]"), "%s", all);
    ck_assert_msg(strstr(all, "wf.ini:9: key d: default \"many\" is not a whole number"), "%s",
                  all);
    ck_assert_msg(strstr(all, "wf.ini:9: key \"e?\": expected a key name"), "%s", all);
    ck_assert_msg(strstr(all, "wf.ini:9: key f: found {}"), "%s", all);
    ck_assert_msg(strstr(all, "wf.ini:9: keys.x: key a declared twice"), "%s", all);
    ck_assert_msg(strstr(all, "wf.ini:10: keys.x: the keys of [x] declared twice"), "%s", all);
    free(all);
    rg_ini_schema_free(&bad);
    rg_err_free(&e);
}
END_TEST

START_TEST(schema_checks_every_key)
{
    rg_errors e = { 0 };
    rg_ini_schema s;
    schema(&s, &e);
    /* a file that holds only valid settings */
    regie_table *t = ini_table("t.ini", "tender", "id", "VNG-1", 2, "tender", "closing",
                               "2026-01-12T12:00", 3, "award", "total_points", "90", 5, "award",
                               "price_method", "lowest_ratio", 6, "award", "fraction", "0,25", 7,
                               "award", "cap", "", 8, "calendar", "extra_closed",
                               "2026-05-15, 2026-12-24", 10, NULL);
    ck_assert_int_eq(rg_ini_schema_check(&s, t, &e), 0);
    ck_assert_int_eq((int)e.n, 0);
    rg_table_free(t);

    t = ini_table("t.ini", "tender", "closing", "2026-01-12 12:00", 3, "tender", "titel", "x", 4,
                  "award", "total_points", "0", 6, "award", "price_method", "cheapest", 7, "award",
                  "fraction", "1.5", 8, "award", "round_decimals", "7", 9, "award", "top_n", "0",
                  10, "award", "cap", "10", 11, "award", "rule", "lot", 12, "award", "zzzzzz",
                  "1", 13, "calender", "good_friday", "no", 15, "calender", "x", "1", 16,
                  "calendar", "good_friday", "misschien", 18, "calendar", "extra_closed",
                  "2026-05-15,15-5-2026", 19, "calendar", "scale", "0,25,50,75,100,x", 20,
                  "calendar", "owner", "a b", 21, "", "stray", "1", 1, NULL);
    ck_assert_int_eq(rg_ini_schema_check(&s, t, &e), -1);
    char *all = joined(&e);
    const char *want[] = {
        "t.ini:3: column closing: found \"2026-01-12 12:00\", expected a date and time "
        "YYYY-MM-DDTHH:MM",
        "t.ini:4: unknown key \"titel\" in [tender]; did you mean title?",
        "t.ini:6: column total_points: found \"0\", expected a number above 0",
        "t.ini:7: column price_method: found \"cheapest\", expected none, lowest_ratio or "
        "fictitious_discount",
        "t.ini:8: column fraction: found \"1.5\", expected a number from 0 to 1",
        "t.ini:9: column round_decimals: found \"7\", expected a whole number from 0 to 6",
        "t.ini:10: column top_n: found \"0\", expected a whole number of at least 1",
        "t.ini:11: column cap: found \"10\", expected a whole number of at most 9",
        "t.ini:12: unknown key \"rule\" in [award]; did you mean rules in [calendar]?",
        "t.ini:13: unknown key \"zzzzzz\" in [award], expected one of total_points, "
        "price_method, fraction, round_decimals, top_n, cap",
        "t.ini:15: unknown section [calender]; did you mean [calendar]?",
        "t.ini:18: column good_friday: found \"misschien\", expected yes or no",
        "t.ini:19: column extra_closed: found \"2026-05-15,15-5-2026\", expected a "
        "comma-separated list of dates YYYY-MM-DD",
        "t.ini:20: column scale: found \"0,25,50,75,100,x\", expected a comma-separated list of "
        "numbers",
        "t.ini:21: column owner: found \"a b\", expected an id of 1-32 letters, digits, _ or -",
        "t.ini:1: a key outside any section, expected it under one of [tender], [award], "
        "[calendar]",
        "t.ini: column id: found \"\", expected a value for id in [tender] (required)",
        NULL,
    };
    size_t i = 0;
    for (; want[i]; i++) {
        ck_assert_msg(i < e.n && strcmp(e.msg[i], want[i]) == 0, "message %zu: want\n%s\nin\n%s",
                      i, want[i], all);
    }
    /* the unknown section once; the key meant in another section */
    ck_assert_msg(i == e.n, "%zu messages, want %zu:\n%s", e.n, i, all);
    free(all);
    rg_table_free(t);
    rg_ini_schema_free(&s);
    rg_err_free(&e);
}
END_TEST

START_TEST(schema_typed_values_and_defaults)
{
    rg_errors e = { 0 };
    rg_ini_schema s;
    schema(&s, &e);
    regie_table *t = ini_table("t.ini", "tender", "id", "X", 2, "award", "total_points", "90", 3,
                               "award", "round_decimals", "", 4, "calendar", "good_friday", "ja",
                               5, "calendar", "extra_closed", "2026-05-15, 2026-12-24", 6, NULL);
    regie_table *owner = rg_table_new(0, NULL);
    regie_value v;
    ck_assert_int_eq(rg_ini_schema_value(&s, t, "award", "total_points", owner, &v), 0);
    ck_assert_int_eq(v.type, REGIE_NUM);
    ck_assert(v.u.n == 90);
    /* given empty, or not given: the default */
    ck_assert_int_eq(rg_ini_schema_value(&s, t, "award", "round_decimals", owner, &v), 0);
    ck_assert_int_eq(v.type, REGIE_INT);
    ck_assert_int_eq((int)v.u.i, 2);
    ck_assert_int_eq(rg_ini_schema_value(&s, t, "award", "price_method", owner, &v), 0);
    ck_assert_int_eq(v.type, REGIE_STR);
    ck_assert_str_eq(v.u.s.ptr, "none");
    ck_assert_int_eq(rg_ini_schema_value(&s, t, "calendar", "scale", owner, &v), 0);
    ck_assert_int_eq(v.type, REGIE_LIST);
    ck_assert_int_eq((int)v.u.list->n, 5);
    ck_assert(v.u.list->items[4].type == REGIE_NUM && v.u.list->items[4].u.n == 100);
    ck_assert_int_eq(rg_ini_schema_value(&s, t, "calendar", "good_friday", owner, &v), 0);
    ck_assert_int_eq(v.type, REGIE_BOOL);
    ck_assert_int_eq(v.u.b, 1);
    ck_assert_int_eq(rg_ini_schema_value(&s, t, "calendar", "extra_closed", owner, &v), 0);
    ck_assert_int_eq(v.type, REGIE_LIST);
    ck_assert_int_eq((int)v.u.list->n, 2);
    ck_assert_str_eq(v.u.list->items[1].u.s.ptr, "2026-12-24");
    ck_assert_int_eq(rg_ini_schema_value(&s, t, "calendar", "rules", owner, &v), 0);
    ck_assert_int_eq((int)v.u.list->n, 1);
    ck_assert_str_eq(v.u.list->items[0].u.s.ptr, "lot");
    /* an empty list default: an empty list; no default: null */
    ck_assert_int_eq(rg_ini_schema_value(&s, NULL, "calendar", "extra_closed", owner, &v), 0);
    ck_assert_int_eq(v.type, REGIE_LIST);
    ck_assert_int_eq((int)v.u.list->n, 0);
    ck_assert_int_eq(rg_ini_schema_value(&s, t, "award", "cap", owner, &v), 0);
    ck_assert_int_eq(v.type, REGIE_NULL);
    ck_assert_int_eq(rg_ini_schema_value(&s, t, "award", "nothing", owner, &v), -1);
    rg_table_free(owner);
    rg_table_free(t);
    rg_ini_schema_free(&s);
    rg_err_free(&e);
}
END_TEST

/* Read from a file: the messages name it, lines as in the file. */
START_TEST(schema_on_a_file)
{
    char *dir = t_tmpdir();
    char *p = t_write(dir, "s.ini", "[tender]\nid = A ; comment\nclosing = 2026-02-30\n\n[award]\n"
                                    "total_points = 90\nprice_method = none\n");
    rg_errors e = { 0 };
    rg_ini_schema s;
    schema(&s, &e);
    regie_table *t = NULL;
    ck_assert_int_eq(rg_ini_to_table(p, &t, &e), 0);
    ck_assert_int_eq(rg_ini_schema_check(&s, t, &e), -1);
    ck_assert_int_eq((int)e.n, 1);
    char *want = t_asprintf("%s:3: column closing: found \"2026-02-30\", expected a date and time "
                            "YYYY-MM-DDTHH:MM",
                            p);
    ck_assert_str_eq(e.msg[0], want);
    free(want);
    rg_table_free(t);
    /* no schema: any key */
    rg_ini_schema none = { 0 };
    ck_assert_int_eq(rg_ini_to_table(p, &t, &e), 0);
    ck_assert_int_eq(rg_ini_schema_check(&none, t, &e), 0);
    rg_table_free(t);
    rg_ini_schema_free(&s);
    rg_err_free(&e);
    free(p);
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
    TCase *sc = tcase_create("schema");
    tcase_add_test(sc, schema_declared_like_columns);
    tcase_add_test(sc, schema_checks_every_key);
    tcase_add_test(sc, schema_typed_values_and_defaults);
    tcase_add_test(sc, schema_on_a_file);
    suite_add_tcase(s, sc);
    return s;
}
