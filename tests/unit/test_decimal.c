#include "rational.h"
#include <stdio.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

static void fmt_eq(double x, int d, char sep, const char *want)
{
    char buf[64];
    ck_assert_int_ge(rg_format_decimal(x, d, sep, buf, sizeof buf), 0);
    ck_assert_msg(strcmp(buf, want) == 0, "%.17g to %d: got %s, want %s", x, d, buf, want);
}

START_TEST(half_up_exact_for_decimal_inputs)
{
    fmt_eq(120.5, 0, '.', "121");
    fmt_eq(35.625, 2, '.', "35.63");
    fmt_eq(1.005, 2, '.', "1.01");
    fmt_eq(2.675, 2, '.', "2.68");
    fmt_eq(-2.5, 0, '.', "-3");
    fmt_eq(0.5, 0, '.', "1");
    fmt_eq(99.995, 2, '.', "100.00");
    fmt_eq(67.91666666, 2, ',', "67,92");
    fmt_eq(-0.001, 2, '.', "0.00");
    fmt_eq(0, 2, '.', "0.00");
    fmt_eq(1234567.125, 2, '.', "1234567.13");
    fmt_eq(119.6, 0, '.', "120");
    ck_assert_double_eq(rg_round_half_up(120.5, 0), 121.0);
    ck_assert_double_eq(rg_round_half_up(35.625, 2), 35.63);
    ck_assert_double_eq(rg_round_half_up(120.49, 0), 120.0);
}
END_TEST

/* Every decimal k / 1000 rounded to 2 and 0 decimals and to the shortest
 * text, against integer arithmetic on k: covers the fast path (fraction far
 * from one half) and the exact path (halves, and near-halves such as 1.005
 * that a binary product would put on the wrong side). */
START_TEST(rounding_agrees_with_integer_arithmetic)
{
    for (long k = -2000000; k <= 2000000; k += 13) {
        double x = (double)k / 1000.0;
        long a = labs(k);
        const char *sign = k < 0 ? "-" : "";
        /* to 2 decimals: units of 0.01 */
        long u2 = a / 10 + (a % 10 >= 5);
        char want[64], got[64];
        snprintf(want, sizeof want, "%s%ld.%02ld", u2 ? sign : "", u2 / 100, u2 % 100);
        if (rg_format_decimal(x, 2, '.', got, sizeof got) < 0 || strcmp(got, want) != 0) {
            ck_abort_msg("%ld/1000 to 2: got %s, want %s", k, got, want);
        }
        double r2 = rg_round_half_up(x, 2), w2 = (k < 0 ? -1.0 : 1.0) * (double)u2 / 100.0;
        if (r2 != w2) {
            ck_abort_msg("%ld/1000 rounded to 2: %.17g, want %.17g", k, r2, w2);
        }
        /* to whole units */
        long u0 = a / 1000 + (a % 1000 >= 500);
        snprintf(want, sizeof want, "%s%ld", u0 ? sign : "", u0);
        if (rg_format_decimal(x, 0, '.', got, sizeof got) < 0 || strcmp(got, want) != 0) {
            ck_abort_msg("%ld/1000 to 0: got %s, want %s", k, got, want);
        }
        /* shortest text: the decimal itself without trailing zeros */
        long ip = a / 1000, fp = a % 1000;
        if (fp == 0) {
            snprintf(want, sizeof want, "%s%ld", k ? sign : "", ip);
        } else {
            snprintf(want, sizeof want, "%s%ld.%03ld", sign, ip, fp);
            size_t n = strlen(want);
            while (want[n - 1] == '0') {
                want[--n] = 0;
            }
        }
        rg_format_shortest(x, got, sizeof got);
        if (strcmp(got, want) != 0) {
            ck_abort_msg("%ld/1000 shortest: got %s, want %s", k, got, want);
        }
    }
}
END_TEST

START_TEST(strict_parsing)
{
    double d;
    int64_t i;
    ck_assert_int_eq(rg_parse_decimal("120,50", ',', &d), 0);
    ck_assert_double_eq(d, 120.5);
    ck_assert_int_eq(rg_parse_decimal(" -3.25 ", '.', &d), 0);
    ck_assert_double_eq(d, -3.25);
    ck_assert_int_eq(rg_parse_decimal("120,5x", ',', &d), -1);
    ck_assert_int_eq(rg_parse_decimal("120,5", '.', &d), -1);
    ck_assert_int_eq(rg_parse_decimal("1.000,00", ',', &d), -1);
    ck_assert_int_eq(rg_parse_decimal("1e5", '.', &d), -1);
    ck_assert_int_eq(rg_parse_decimal("", '.', &d), -1);
    ck_assert_int_eq(rg_parse_decimal("5.", '.', &d), -1);
    ck_assert_int_eq(rg_parse_int("42", &i), 0);
    ck_assert_int_eq(i, 42);
    ck_assert_int_eq(rg_parse_int("-9223372036854775808", &i), 0);
    ck_assert_int_eq(rg_parse_int("9223372036854775808", &i), -1);
    ck_assert_int_eq(rg_parse_int("4.0", &i), -1);
}
END_TEST

/* What rg_parse_decimal (CSV decimal columns) and rg_rat_parse
 * (regie.decimal) take: the same scanner, so the same numbers, plus the
 * exact forms only rg_rat_parse reads (num/den, an exponent). */
START_TEST(decimal_and_rational_syntax)
{
    static const struct {
        const char *text;
        char sep;
        int dec_ok, rat_rc;
        double value;
    } cases[] = {
        { "1.5", '.', 1, 0, 1.5 },           { " \t+1.5 \r", '.', 1, 0, 1.5 },
        { "-0.25", '.', 1, 0, -0.25 },       { ".5", '.', 1, 0, 0.5 },
        { "12,5", ',', 1, 0, 12.5 },         { "12.5", ',', 1, 0, 12.5 },
        { "12,5", '.', 0, RG_RAT_SYNTAX, 0 }, { "7", '.', 1, 0, 7 },
        { "1.", '.', 0, RG_RAT_SYNTAX, 0 },  { ".", '.', 0, RG_RAT_SYNTAX, 0 },
        { "", '.', 0, RG_RAT_SYNTAX, 0 },    { "-", '.', 0, RG_RAT_SYNTAX, 0 },
        { "+ 1", '.', 0, RG_RAT_SYNTAX, 0 }, { "1 2", '.', 0, RG_RAT_SYNTAX, 0 },
        { "1.5x", '.', 0, RG_RAT_SYNTAX, 0 }, { "--1", '.', 0, RG_RAT_SYNTAX, 0 },
        { "1e-07", '.', 0, 0, 1e-07 },       { "1.5E+2", '.', 0, 0, 150 },
        { "1e", '.', 0, RG_RAT_SYNTAX, 0 },  { "3/4", '.', 0, 0, 0.75 },
        { "-3/4 ", '.', 0, 0, -0.75 },       { "3/0", '.', 0, RG_RAT_DIVZERO, 0 },
        { "/4", '.', 0, RG_RAT_SYNTAX, 0 },  { "3/", '.', 0, RG_RAT_SYNTAX, 0 },
        { "1.5/2", '.', 0, RG_RAT_SYNTAX, 0 },
        { "1234567890123456789012345678901234567890", '.', 1, RG_RAT_OVERFLOW,
          1234567890123456789012345678901234567890.0 },
        { "12345678901234567890123456789012345678.", '.', 0, RG_RAT_OVERFLOW, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double d = -1;
        int rc = rg_parse_decimal(cases[i].text, cases[i].sep, &d);
        ck_assert_msg((rc == 0) == cases[i].dec_ok, "rg_parse_decimal(\"%s\"): %d", cases[i].text, rc);
        if (rc == 0) {
            ck_assert_double_eq(d, cases[i].value);
        }
        rg_rat r;
        rc = rg_rat_parse(cases[i].text, cases[i].sep, &r);
        ck_assert_msg(rc == cases[i].rat_rc, "rg_rat_parse(\"%s\"): %d, want %d", cases[i].text, rc,
                      cases[i].rat_rc);
        if (rc == 0) {
            ck_assert_double_eq(rg_rat_to_double(r), cases[i].value);
        }
    }
    /* a CSV decimal of up to 126 characters */
    char big[200];
    memset(big, '1', sizeof big);
    for (size_t n = 120; n < 130; n++) {
        big[n] = 0;
        double d;
        ck_assert_int_eq(rg_parse_decimal(big, '.', &d), n <= 126 ? 0 : -1);
        big[0] = '-';
        ck_assert_int_eq(rg_parse_decimal(big, '.', &d), n <= 126 ? 0 : -1);
        big[n - 3] = '.';
        ck_assert_int_eq(rg_parse_decimal(big, '.', &d), n <= 126 ? 0 : -1);
        big[0] = big[n - 3] = '1';
        big[n] = '1';
    }
    ck_assert_int_eq(rg_rat_parse(NULL, '.', &(rg_rat){ 0, 1 }), RG_RAT_SYNTAX);
    ck_assert_int_eq(rg_parse_decimal(NULL, '.', &(double){ 0 }), -1);
}
END_TEST

START_TEST(shortest_text)
{
    char buf[64];
    rg_format_shortest(0.1, buf, sizeof buf);
    ck_assert_str_eq(buf, "0.1");
    rg_format_shortest(300, buf, sizeof buf);
    ck_assert_str_eq(buf, "300");
    rg_format_shortest(955.625, buf, sizeof buf);
    ck_assert_str_eq(buf, "955.625");
    rg_format_shortest(1e100, buf, sizeof buf);
    ck_assert_str_eq(buf, "1e+100");
}
END_TEST

Suite *suite_decimal(void);
Suite *suite_decimal(void)
{
    Suite *s = suite_create("decimal");
    TCase *tc = tcase_create("decimal");
    tcase_add_test(tc, half_up_exact_for_decimal_inputs);
    tcase_add_test(tc, strict_parsing);
    tcase_add_test(tc, rounding_agrees_with_integer_arithmetic);
    tcase_add_test(tc, shortest_text);
    tcase_add_test(tc, decimal_and_rational_syntax);
    suite_add_tcase(s, tc);
    return s;
}
