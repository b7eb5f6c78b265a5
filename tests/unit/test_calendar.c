#include "calendar.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static int32_t D(const char *s)
{
    int32_t d;
    ck_assert_msg(rg_date_parse(s, &d) == 0, "bad date %s", s);
    return d;
}

static void date_eq(int32_t d, const char *want)
{
    char buf[11];
    rg_date_format(d, buf);
    ck_assert_str_eq(buf, want);
}

START_TEST(parse_and_holidays_2026)
{
    int32_t d;
    ck_assert_int_eq(rg_date_parse("3-4-2024", &d), -1);
    ck_assert_int_eq(rg_date_parse("2024-4-3", &d), -1);
    ck_assert_int_eq(rg_date_parse("2024-02-30", &d), -1);
    ck_assert_int_eq(rg_date_parse("2024-02-29", &d), 0);
    ck_assert_int_eq(rg_date_parse("2023-02-29", &d), -1);
    int minute;
    ck_assert_int_eq(rg_datetime_parse("2026-01-12T12:00", &d, &minute), 0);
    ck_assert_int_eq(minute, 720);
    ck_assert_int_eq(rg_datetime_parse("2026-01-12T25:00", &d, &minute), -1);
    date_eq(rg_easter(2026), "2026-04-05");
    date_eq(rg_easter(2024), "2024-03-31");
    regie_calendar cal = { 0 };
    ck_assert(rg_is_holiday(&cal, D("2026-04-06")));  /* Easter Monday */
    ck_assert(!rg_is_holiday(&cal, D("2026-04-03"))); /* Good Friday: a working day by default */
    ck_assert(rg_is_holiday(&cal, D("2026-04-27")));  /* Koningsdag, a Monday */
    ck_assert(rg_is_holiday(&cal, D("2026-05-05")));  /* yearly liberation day */
    ck_assert(rg_is_holiday(&cal, D("2026-05-14")));  /* Ascension */
    ck_assert(rg_is_holiday(&cal, D("2026-05-25")));  /* Whit Monday */
    ck_assert(rg_is_holiday(&cal, D("2014-04-26")));  /* 27 Apr 2014 was a Sunday */
    ck_assert(!rg_is_holiday(&cal, D("2014-04-27")));
    ck_assert_int_eq(rg_weekday(D("2026-04-27")), 1);
    cal.liberation_day = REGIE_LIBERATION_LUSTRUM;
    ck_assert(!rg_is_holiday(&cal, D("2026-05-05")));
    ck_assert(rg_is_holiday(&cal, D("2025-05-05")));
    cal.atw = 1;
    ck_assert(rg_is_holiday(&cal, D("2026-05-05")));
    ck_assert(rg_is_holiday(&cal, D("2026-04-03")));
}
END_TEST

START_TEST(worked_examples)
{
    regie_calendar cal = { 0 };
    /* T4: not invited by Fri 16 Jan 2026 */
    date_eq(rg_add_workdays(&cal, D("2026-01-12"), 4), "2026-01-16");
    /* E1: -2wd from Wed 3 Apr 2024 skips Easter Monday -> Fri 29 Mar; with Good Friday off, Thu 28 */
    date_eq(rg_sub_workdays(&cal, D("2024-04-03"), 2), "2024-03-29");
    regie_calendar gf = { 0 };
    gf.good_friday = 1;
    date_eq(rg_sub_workdays(&gf, D("2024-04-03"), 2), "2024-03-28");
    /* E2: -10wd from Thu 1 Oct 2026 -> Thu 17 Sep */
    date_eq(rg_sub_workdays(&cal, D("2026-10-01"), 10), "2026-09-17");
    date_eq(rg_next_workday(&cal, D("2026-04-27")), "2026-04-28");
    date_eq(rg_add_workdays(&cal, D("2026-04-27"), 0), "2026-04-27");
    /* section 4.3: due = add_workdays(received, 5) */
    const char *rows[][2] = { { "2026-04-01", "2026-04-09" }, { "2026-04-03", "2026-04-13" },
                              { "2026-04-23", "2026-05-01" }, { "2026-04-24", "2026-05-04" },
                              { "2026-04-29", "2026-05-07" }, { "2026-05-08", "2026-05-18" },
                              { "2026-05-09", "2026-05-18" }, { "2026-05-20", "2026-05-28" },
                              { "2026-05-25", "2026-06-01" }, { "2026-05-27", "2026-06-03" },
                              { "2026-05-18", "2026-05-26" } };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        date_eq(rg_add_workdays(&cal, D(rows[i][0]), 5), rows[i][1]);
    }
    regie_calendar lus = { 0 };
    lus.liberation_day = REGIE_LIBERATION_LUSTRUM;
    date_eq(rg_add_workdays(&lus, D("2026-04-29"), 5), "2026-05-06");
    date_eq(rg_add_workdays(&gf, D("2026-04-01"), 5), "2026-04-10");
    int32_t extra[] = { D("2026-05-15") };
    regie_calendar ex = { 0 };
    ex.extra_closed = extra;
    ex.n_extra_closed = 1;
    ck_assert(!rg_is_workday(&ex, D("2026-05-15")));
}
END_TEST

Suite *suite_calendar(void);
Suite *suite_calendar(void)
{
    Suite *s = suite_create("calendar");
    TCase *tc = tcase_create("calendar");
    tcase_add_test(tc, parse_and_holidays_2026);
    tcase_add_test(tc, worked_examples);
    suite_add_tcase(s, tc);
    return s;
}
