/* End-to-end: the service-levels workflow run by the real `regie` binary
 * on the worked example of the domain reference §4.3 (examples/sla/) and
 * its two variants, with the figures worked out by hand. */
#define _GNU_SOURCE
#include "testutil.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The example is copied to tmp/in and the runs start there, so messages
 * name the files as given ("requests.csv:4: ...") and nothing (such as the
 * test run store) is written into the source tree. */
static void setup(void) { t_dir_setup_copy("examples/sla"); }

/* Run service-levels in tmp/in with the inputs given, outputs in tmp/OUT;
 * extra arguments end in NULL.  stderr in *err (caller frees). */
static int run_sla(const char *sla, const char *requests, const char *ratings, const char *out, char **err,
                   ...)
{
    char *wf = t_src("etc/workflows/service-levels.ini");
    char *cwd = t_asprintf("%s/in", t_dir);
    char *a = t_asprintf("sla=%s", sla);
    char *r = t_asprintf("requests=%s", requests);
    char *s = t_asprintf("ratings=%s", ratings);
    char *o = t_asprintf("%s/%s", t_dir, out);
    const char *sets[] = { a, r, s, NULL };
    va_list ap;
    va_start(ap, err);
    int rc = t_workflow(cwd, "run", wf, sets, ap, 0, o, err);
    va_end(ap);
    free(wf);
    free(cwd);
    free(a);
    free(r);
    free(s);
    free(o);
    return rc;
}

/* tmp/OUT/NAME without carriage returns (caller frees), or NULL. */
static char *out_file(const char *out, const char *name)
{
    char *text = t_readf("%s/%s/%s", t_dir, out, name);
    if (text) {
        t_strip_cr(text);
    }
    return text;
}

static int out_exists(const char *out, const char *name)
{
    return t_existsf("%s/%s/%s", t_dir, out, name);
}

/* A copy of the example's sla.ini with one line replaced, in tmp/in/NAME. */
static void sla_variant(const char *name, const char *from, const char *to)
{
    char *dir = t_asprintf("%s/in", t_dir);
    char *p = t_asprintf("%s/sla.ini", dir);
    char *text = t_read(p);
    ck_assert_ptr_nonnull(text);
    char *at = strstr(text, from);
    ck_assert_msg(at != NULL, "sla.ini has no \"%s\"", from);
    *at = '\0';
    char *v = t_asprintf("%s%s%s", text, to, at + strlen(from));
    free(t_write(dir, name, v));
    free(v);
    free(text);
    free(p);
    free(dir);
}

#define HAS(hay, needle)                                                                           \
    ck_assert_msg(strstr((hay), (needle)) != NULL, "missing \"%s\" in:\n%.3000s", (needle), (hay))

/* §4.3: every due date of the table, 9/10 = 90 %, met (the boundary counts) */
START_TEST(example_due_dates_and_on_time_share)
{
    char *err = NULL;
    int rc = run_sla("sla.ini", "requests.csv", "ratings.csv", "o", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *req = out_file("o", "requests.csv");
    ck_assert_ptr_nonnull(req);
    ck_assert_str_eq(req, "req_id,due,result\n"
                          "R01,2026-04-09,on_time\n"
                          "R02,2026-04-13,on_time\n"
                          "R03,2026-05-01,on_time\n"
                          "R04,2026-05-04,on_time\n"
                          "R05,2026-05-07,on_time\n"
                          "R06,2026-05-18,on_time\n"
                          "R07,2026-05-18,on_time\n"
                          "R08,2026-05-28,on_time\n"
                          "R09,2026-06-01,on_time\n"
                          "R10,2026-06-03,pending\n"
                          "R11,2026-05-26,breach\n");
    char *sum = out_file("o", "summary.csv");
    ck_assert_ptr_nonnull(sum);
    ck_assert_msg(strncmp(sum, "measure,value,target,met\non_time_pct,90,90,yes\n", 46) == 0, "%s", sum);
    HAS(sum, "\ncounted,10,,\n");
    HAS(sum, "\non_time,9,,\n");
    HAS(sum, "\nlate,0,,\n");
    HAS(sum, "\nbreach,1,,\n");
    HAS(sum, "\npending,1,,\n");
    free(sum);
    free(req);
    free(err);
}
END_TEST

/* liberation_day=lustrum: 5 May 2026 is a working day, R05 is due Wed 6
 * May and answered late: 8/10 = 80 %, not met */
START_TEST(variant_lustrum_not_met)
{
    sla_variant("lustrum.ini", "liberation_day = yearly", "liberation_day = lustrum");
    char *err = NULL;
    int rc = run_sla("lustrum.ini", "requests.csv", "ratings.csv", "o", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *req = out_file("o", "requests.csv");
    HAS(req, "\nR05,2026-05-06,late\n");
    HAS(req, "\nR04,2026-05-04,on_time\n");
    char *sum = out_file("o", "summary.csv");
    HAS(sum, "\non_time_pct,80,90,no\n");
    HAS(sum, "\non_time,8,,\n");
    HAS(sum, "\nlate,1,,\n");
    free(sum);
    free(req);
    free(err);
}
END_TEST

/* good_friday=yes: R01 is due Fri 10 Apr, still on time: 90 % */
START_TEST(variant_good_friday_still_90)
{
    sla_variant("goodfriday.ini", "good_friday = no", "good_friday = yes");
    char *err = NULL;
    int rc = run_sla("goodfriday.ini", "requests.csv", "ratings.csv", "o", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *req = out_file("o", "requests.csv");
    HAS(req, "\nR01,2026-04-10,on_time\n");
    /* received on Good Friday itself: counts from that day as before */
    HAS(req, "\nR02,2026-04-13,on_time\n");
    char *sum = out_file("o", "summary.csv");
    HAS(sum, "\non_time_pct,90,90,yes\n");
    free(sum);
    free(req);
    free(err);
}
END_TEST

/* ratings 8,7,9,6,7,10,5,8,7,7: 8/10 = 80 % met, mean 7.4; advisers Anna
 * (8,7,9: 8), Bram (6,7,5: 6), Chris (10,8,7,7: 8): 2 of 3 = 66.7 % */
START_TEST(ratings_satisfaction_and_advisers)
{
    char *err = NULL;
    int rc = run_sla("sla.ini", "requests.csv", "ratings.csv", "o", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *sum = out_file("o", "summary.csv");
    HAS(sum, "\nsatisfaction_pct,80,80,yes\n");
    HAS(sum, "\nmean_score,7.4,,\n");
    HAS(sum, "\nadvisers_mean_ok_pct,66.7,,\n");
    HAS(sum, "\nratings,10,,\n");
    HAS(sum, "\nadvisers,3,,\n");
    free(sum);
    free(err);
    /* one 7 fewer: 7/10 = 70 %, not met */
    char *dir = t_asprintf("%s/in", t_dir);
    free(t_write(dir, "ratings70.csv", "req_id,score\nR01,8\nR02,7\nR03,9\nR04,6\nR05,7\nR06,10\nR07,5\n"
                                        "R08,8\nR09,7\nR10,6\n"));
    err = NULL;
    rc = run_sla("sla.ini", "requests.csv", "ratings70.csv", "o2", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    sum = out_file("o2", "summary.csv");
    HAS(sum, "\nsatisfaction_pct,70,80,no\n");
    HAS(sum, "\nmean_score,7.3,,\n");
    free(sum);
    free(err);
    free(dir);
}
END_TEST

/* vaccinatie: 5 questions from 8 to 27 May, within the 30 days before 1
 * June, no FAQ; quarantaine and testen have a FAQ and too few questions
 * in the window; reizen has one */
START_TEST(faq_candidates)
{
    char *err = NULL;
    int rc = run_sla("sla.ini", "requests.csv", "ratings.csv", "o", &err, "--set", "faq=faq.csv", NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *faq = out_file("o", "faq-candidates.csv");
    ck_assert_ptr_nonnull(faq);
    ck_assert_str_eq(faq, "topic,questions,first,last\nvaccinatie,5,2026-05-08,2026-05-27\n");
    free(faq);
    free(err);
    /* a FAQ on the topic (case does not matter) published before the
     * report date covers it; one published after it does not yet */
    char *dir = t_asprintf("%s/in", t_dir);
    free(t_write(dir, "faq2.csv", "faq_id,topic,published_at\nF9,Vaccinatie,2026-05-20\n"));
    free(t_write(dir, "faq3.csv", "faq_id,topic,published_at\nF9,vaccinatie,2026-06-02\n"));
    err = NULL;
    rc = run_sla("sla.ini", "requests.csv", "ratings.csv", "o2", &err, "--set", "faq=faq2.csv", NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    faq = out_file("o2", "faq-candidates.csv");
    ck_assert_str_eq(faq, "topic,questions,first,last\n");
    free(faq);
    free(err);
    err = NULL;
    rc = run_sla("sla.ini", "requests.csv", "ratings.csv", "o3", &err, "--set", "faq=faq3.csv", NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    faq = out_file("o3", "faq-candidates.csv");
    ck_assert_str_eq(faq, "topic,questions,first,last\nvaccinatie,5,2026-05-08,2026-05-27\n");
    free(faq);
    free(err);
    free(dir);
}
END_TEST

/* report.html: the measures, the chart per week, backlog, breaches */
START_TEST(report_with_chart_backlog_and_breaches)
{
    char *err = NULL;
    int rc = run_sla("sla.ini", "requests.csv", "ratings.csv", "o", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *html = out_file("o", "report.html");
    ck_assert_ptr_nonnull(html);
    HAS(html, "<svg xmlns=\"http://www.w3.org/2000/svg\"");
    /* R11 is due in week 22 and not answered: 0 of 1 in that week;
     * R08 due 28 May, R09 due 1 June (week 23) */
    HAS(html, "<title>2026-W22: 50% op tijd (1 van 2)</title>");
    HAS(html, "<title>2026-W23: 100% op tijd (1 van 1)</title>");
    HAS(html, "<title>2026-W15: 100% op tijd (1 van 1)</title>");
    HAS(html, "<title>2026-W19: 100% op tijd (2 van 2)</title>");
    HAS(html, "<td>R11</td><td>18 mei 2026</td><td>26 mei 2026</td><td>14</td>");
    /* backlog: R10 (5 days) and R11 (14 days) */
    HAS(html, "<tr><td>0–7 dagen</td><td>1</td></tr>");
    HAS(html, "<tr><td>8–14 dagen</td><td>1</td></tr>");
    HAS(html, "<td>Op tijd beantwoord</td><td>90%</td><td>90%</td><td class=\"ja\">ja</td>");
    HAS(html, "<td>vaccinatie</td><td>5</td>");
    free(html);
    free(err);
}
END_TEST

/* cutoff_time: R03 arrived Thu 23 Apr 16:40, after 16:00, so it counts
 * from Fri 24 Apr: due Mon 4 May (27 Apr is King's Day); the report date
 * given on the command line replaces that of sla.ini */
START_TEST(cutoff_time_and_report_date)
{
    sla_variant("cutoff.ini", "report_date = 2026-06-01", "report_date = 2026-06-01\ncutoff_time = 16:00");
    char *err = NULL;
    int rc = run_sla("cutoff.ini", "requests.csv", "ratings.csv", "o", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *req = out_file("o", "requests.csv");
    HAS(req, "\nR03,2026-05-04,on_time\n");
    HAS(req, "\nR01,2026-04-09,on_time\n");
    free(req);
    free(err);
    err = NULL;
    rc = run_sla("sla.ini", "requests.csv", "ratings.csv", "o2", &err, "--set", "report_date=2026-05-26", NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    req = out_file("o2", "requests.csv");
    /* due 26 May: not yet passed on the report date */
    HAS(req, "\nR11,2026-05-26,pending\n");
    free(req);
    free(err);
}
END_TEST

/* every error of every file in one go, exit 2, nothing written */
START_TEST(every_error_in_one_go)
{
    char *dir = t_asprintf("%s/in", t_dir);
    free(t_write(dir, "bad-requests.csv",
                 "req_id,received_at,channel,requester_type,topic,first_response_at,resolved_at,assignee\n"
                 "R01,2026-04-01T10:15,telefoon,inwoner,quarantaine,2026-04-09T11:00,,Anna\n"
                 "R02,2026-04-03T09:00,mail,inwoner,quarantaine,2026-04-02,,Anna\n"
                 "R03,2026-04-23T16:40,balie,inwoner,testen,2026-04-23T16:30,,Bram\n"
                 "R01,2026-04-24,mail,school,testen,2026-05-04,,Bram\n"));
    free(t_write(dir, "bad-ratings.csv", "req_id,score\nR01,8\nR02,11\nR99,7\nR03,0\n"));
    char *err = NULL;
    int rc = run_sla("sla.ini", "bad-requests.csv", "bad-ratings.csv", "o", &err, NULL);
    ck_assert_msg(rc == 2, "exit %d, expected 2: %s", rc, err);
    HAS(err, "bad-requests.csv:3: column first_response_at: found \"2026-04-02\", expected a date on or "
             "after received_at 2026-04-03T09:00\n");
    HAS(err, "bad-requests.csv:4: column first_response_at: found \"2026-04-23T16:30\", expected a date on "
             "or after received_at 2026-04-23T16:40\n");
    HAS(err, "bad-requests.csv:5: column req_id: found \"R01\", expected a unique value (first at line 2)\n");
    HAS(err, "bad-ratings.csv:3: column score: found \"11\", expected a whole number in 1..10\n");
    HAS(err, "bad-ratings.csv:4: column req_id: found \"R99\", expected the req_id of a request in "
             "bad-requests.csv\n");
    HAS(err, "bad-ratings.csv:5: column score: found \"0\", expected a whole number in 1..10\n");
    ck_assert_ptr_null(strstr(err, "bad-requests.csv:2:"));
    ck_assert_ptr_null(strstr(err, "bad-ratings.csv:2:"));
    const char *files[] = { "requests.csv", "summary.csv", "faq-candidates.csv", "report.html" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        ck_assert_msg(!out_exists("o", files[i]), "%s written", files[i]);
    }
    free(err);
    free(dir);
}
END_TEST

/* a type error in one file and a rule error in another come out together;
 * an unknown key of sla.ini names the one meant; no report date at all */
START_TEST(type_and_settings_errors)
{
    char *dir = t_asprintf("%s/in", t_dir);
    free(t_write(dir, "typo.ini", "[sla]\nresponse_workday = 5\nreport_date = 2026-06-01\n"));
    free(t_write(dir, "nodate.ini", "[sla]\nresponse_workdays = 5\n"));
    free(t_write(dir, "bad-ratings.csv", "req_id,score\nR01,8\nR02,zeven\nR03,12\n"));
    char *err = NULL;
    int rc = run_sla("typo.ini", "requests.csv", "bad-ratings.csv", "o", &err, NULL);
    ck_assert_msg(rc == 2, "exit %d, expected 2: %s", rc, err);
    HAS(err, "did you mean response_workdays?");
    HAS(err, "bad-ratings.csv:3: column score: found \"zeven\"");
    ck_assert(!out_exists("o", "requests.csv"));
    free(err);
    err = NULL;
    rc = run_sla("nodate.ini", "requests.csv", "ratings.csv", "o2", &err, NULL);
    ck_assert_msg(rc == 2, "exit %d, expected 2: %s", rc, err);
    HAS(err, "column report_date: found \"\", expected a value for report_date in [sla] (or --set "
             "report_date=YYYY-MM-DD)");
    ck_assert(!out_exists("o2", "requests.csv"));
    free(err);
    free(dir);
}
END_TEST

/* the summary of an earlier run (the lustrum variant, 80 %) given as
 * previous: trend.csv with the change of each measure; a value that is
 * not a number is an input error */
START_TEST(trend_against_previous_run)
{
    sla_variant("lustrum.ini", "liberation_day = yearly", "liberation_day = lustrum");
    char *err = NULL;
    int rc = run_sla("lustrum.ini", "requests.csv", "ratings.csv", "o1", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    free(err);
    ck_assert(!out_exists("o1", "trend.csv"));
    /* o1 reported on the same day: beside its period.csv, not compared with */
    char *prev = t_asprintf("previous=%s/o1/summary.csv", t_dir);
    err = NULL;
    rc = run_sla("sla.ini", "requests.csv", "ratings.csv", "o0", &err, "--set", prev, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    ck_assert(!out_exists("o0", "trend.csv"));
    HAS(err, "/o1/summary.csv) is the summary of the run on 2026-06-01, not earlier than 2026-06-01: no trend.csv\n");
    free(err);
    /* without a period.csv beside it (a summary.csv given by hand): trusted as an earlier run's */
    char *period = t_asprintf("%s/o1/period.csv", t_dir);
    ck_assert_int_eq(unlink(period), 0);
    free(period);
    err = NULL;
    rc = run_sla("sla.ini", "requests.csv", "ratings.csv", "o2", &err, "--set", prev, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *trend = out_file("o2", "trend.csv");
    ck_assert_ptr_nonnull(trend);
    ck_assert_msg(strncmp(trend, "measure,previous,value,change\non_time_pct,80,90,+10\n"
                                 "satisfaction_pct,80,80,0\n", 77) == 0, "%s", trend);
    HAS(trend, "\non_time,8,9,+1\n");
    HAS(trend, "\nlate,1,0,-1\n");
    char *html = out_file("o2", "report.html");
    HAS(html, "<td class=\"ja\">ja</td><td>80</td><td>+10</td>");
    free(html);
    free(trend);
    free(err);
    char *dir = t_asprintf("%s/in", t_dir);
    free(t_write(dir, "prev-bad.csv", "measure,value,target,met\non_time_pct,veel,90,yes\n"));
    err = NULL;
    rc = run_sla("sla.ini", "requests.csv", "ratings.csv", "o3", &err, "--set", "previous=prev-bad.csv", NULL);
    ck_assert_msg(rc == 2, "exit %d, expected 2: %s", rc, err);
    HAS(err, "prev-bad.csv:2: column value: found \"veel\", expected a number with at most 2 decimals, or empty\n");
    ck_assert(!out_exists("o3", "summary.csv"));
    free(err);
    free(dir);
    free(prev);
}
END_TEST

Suite *suite_sla(void);
Suite *suite_sla(void)
{
    Suite *s = suite_create("sla");
    TCase *tc = tcase_create("e2e");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, t_dir_teardown);
    tcase_add_test(tc, example_due_dates_and_on_time_share);
    tcase_add_test(tc, variant_lustrum_not_met);
    tcase_add_test(tc, variant_good_friday_still_90);
    tcase_add_test(tc, ratings_satisfaction_and_advisers);
    tcase_add_test(tc, faq_candidates);
    tcase_add_test(tc, report_with_chart_backlog_and_breaches);
    tcase_add_test(tc, cutoff_time_and_report_date);
    tcase_add_test(tc, every_error_in_one_go);
    tcase_add_test(tc, type_and_settings_errors);
    tcase_add_test(tc, trend_against_previous_run);
    suite_add_tcase(s, tc);
    return s;
}
