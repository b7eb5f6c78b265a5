/* End-to-end: the regional-monitor workflow run by the real `regie` binary
 * on the example of examples/regional/ (quarter 2026-Q2, stale_workdays 40,
 * late_tolerance_workdays 0, the default calendar) and its variants, with
 * the figures worked out by hand.
 *
 * The hand calculation (each quarter evaluated at its end, 31 Mar and
 * 30 Jun 2026; due = the milestones due in the quarter):
 *
 * Noord  Q1: N1 due 16 Feb done 10 Feb, N2 due 20 Mar done 18 Mar: 2/2 = 100 %.
 *        Q2: N3 due 15 May done 15 May (on time: the boundary counts),
 *            N4 due 10 Jun done 12 Jun (done late), N5 due 30 Jun open, its
 *            update of 1 Jun on_track, 30 Jun is not past its due date: on
 *            track.  due 3, on time 1, late 0, at risk 0: 1/3 = 33.3 %.
 *        trend 33.3 - 100 = -66.7: a fall of 10 points or more, signal
 *        "fall" since 2026-04-01 (the quarter's first day).
 *        support: juridisch 6 + 2.25 = 8.25 h (N3), financieel 3.5 h (N4):
 *        11.75 h.
 * Oost   Q1: O1 on time, O2 due 13 Mar done 16 Mar late: 1/2 = 50 %.
 *        Q2: O3 due 30 Apr open: late (signal since 1 May, the day after);
 *            O4 due 29 May done 28 May and O6 due 26 Jun done 26 Jun on
 *            time; O5 due 30 Jun open, latest update 5 Jun at_risk: at risk.
 *        due 4, on time 2, late 1, at risk 1: 2/4 = 50 %, trend 0.
 *        support: 4 h ruimtelijk (O3), 1.5 h juridisch (no milestone); the
 *        8 h of 10 Mar are in Q1: 5.5 h.
 * West   Q1: W0 due 27 Feb done 2 Mar late, W1 due 31 Mar done 31 Mar on
 *        time: 1/2 = 50 %.
 *        Q2: W2 on time; W3 due 30 Jun open, last update Fri 24 Apr.  40
 *        working days after 24 Apr: 27 Apr (King's Day), 5 May (Liberation
 *        Day, yearly), 14 May (Ascension) and 25 May (Whit Monday) do not
 *        count: Apr 28-30 (3), May 1 (4), 4 (5), 6-8 (8), 11-13 (11), 15
 *        (12), 18-22 (17), 26-29 (21), Jun 1-5 (26), 8-12 (31), 15-19 (36),
 *        22-25 (40): stale since 25 Jun <= 30 Jun: at risk, signal "stale".
 *        due 2, on time 1, late 0, at risk 1: 50 %, trend 0; no support.
 */
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
 * name the files as given ("updates.csv:4: ...") and nothing is written
 * into the source tree. */
static void setup(void) { t_dir_setup_copy("examples/regional"); }

/* Run regional-monitor in tmp/in with the inputs given, outputs in
 * tmp/OUT; extra arguments end in NULL.  stderr in *err (caller frees). */
static int run_regional(const char *monitor, const char *milestones, const char *updates,
                        const char *deployments, const char *out, char **err, ...)
{
    char *wf = t_src("etc/workflows/regional-monitor.ini");
    char *cwd = t_asprintf("%s/in", t_dir);
    char *a = t_asprintf("monitor=%s", monitor);
    char *m = t_asprintf("milestones=%s", milestones);
    char *u = t_asprintf("updates=%s", updates);
    char *d = t_asprintf("deployments=%s", deployments);
    char *o = t_asprintf("%s/%s", t_dir, out);
    const char *sets[] = { a, m, u, d, NULL };
    va_list ap;
    va_start(ap, err);
    int rc = t_workflow(cwd, "run", wf, sets, ap, 0, o, err);
    va_end(ap);
    free(wf);
    free(cwd);
    free(a);
    free(m);
    free(u);
    free(d);
    free(o);
    return rc;
}

static int run_example(const char *monitor, const char *out, char **err, ...)
{
    char *wf = t_src("etc/workflows/regional-monitor.ini");
    char *cwd = t_asprintf("%s/in", t_dir);
    char *a = t_asprintf("monitor=%s", monitor);
    char *o = t_asprintf("%s/%s", t_dir, out);
    const char *sets[] = { a, "milestones=milestones.csv", "updates=updates.csv", "deployments=deployments.csv",
                           NULL };
    va_list ap;
    va_start(ap, err);
    int rc = t_workflow(cwd, "run", wf, sets, ap, 0, o, err);
    va_end(ap);
    free(wf);
    free(cwd);
    free(a);
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

/* tmp/in/NAME with the text given. */
static void in_file(const char *name, const char *text)
{
    char *dir = t_asprintf("%s/in", t_dir);
    free(t_write(dir, name, text));
    free(dir);
}

#define HAS(hay, needle)                                                                           \
    ck_assert_msg(strstr((hay), (needle)) != NULL, "missing \"%s\" in:\n%.3000s", (needle), (hay))

#define MONITOR(stale, cal)                                                                        \
    "[monitor]\nquarter = 2026-Q2\nstale_workdays = " stale "\nlate_tolerance_workdays = 0\n\n[calendar]\n" cal

/* the example: every figure of the hand calculation above */
START_TEST(example_regions_signals_support)
{
    char *err = NULL;
    int rc = run_example("monitor.ini", "o", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *regions = out_file("o", "regions.csv");
    ck_assert_ptr_nonnull(regions);
    ck_assert_str_eq(regions, "region,due,done_on_time,late,at_risk,on_time_pct,support_hours,trend\n"
                              "Noord,3,1,0,0,33.3,11.75,-66.7\n"
                              "Oost,4,2,1,1,50,5.5,0\n"
                              "West,2,1,0,1,50,0,0\n");
    char *signals = out_file("o", "signals.csv");
    ck_assert_ptr_nonnull(signals);
    ck_assert_str_eq(signals, "region,milestone_id,signal,since\n"
                              "Noord,,fall,2026-04-01\n"
                              "Oost,O3,late,2026-05-01\n"
                              "West,W3,stale,2026-06-25\n");
    char *support = out_file("o", "support.csv");
    ck_assert_ptr_nonnull(support);
    ck_assert_str_eq(support, "region,expertise,milestone_id,hours\n"
                              "Noord,financieel,N4,3.5\n"
                              "Noord,juridisch,N3,8.25\n"
                              "Oost,juridisch,,1.5\n"
                              "Oost,ruimtelijk,O3,4\n");
    free(support);
    free(signals);
    free(regions);
    free(err);
}
END_TEST

/* stale by working days across the holidays: 44 working days after Fri 24
 * Apr is Wed 1 Jul with King's Day, Liberation Day, Ascension and Whit
 * Monday closed (40 -> 25 Jun, 41 26 Jun, 42 29 Jun, 43 30 Jun, 44 1 Jul):
 * W3 is on track, West at risk 0, no stale signal.  With liberation_day =
 * never, 5 May is a working day and the 44th is Tue 30 Jun: stale again. */
START_TEST(stale_across_a_holiday)
{
    in_file("m44.ini", MONITOR("44", "liberation_day = yearly\n"));
    in_file("m44never.ini", MONITOR("44", "liberation_day = never\n"));
    char *err = NULL;
    int rc = run_example("m44.ini", "o", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *regions = out_file("o", "regions.csv");
    HAS(regions, "\nWest,2,1,0,0,50,0,0\n");
    char *signals = out_file("o", "signals.csv");
    ck_assert_ptr_null(strstr(signals, "stale"));
    free(signals);
    free(regions);
    free(err);
    err = NULL;
    rc = run_example("m44never.ini", "o2", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    regions = out_file("o2", "regions.csv");
    HAS(regions, "\nWest,2,1,0,1,50,0,0\n");
    signals = out_file("o2", "signals.csv");
    HAS(signals, "\nWest,W3,stale,2026-06-30\n");
    free(signals);
    free(regions);
    free(err);
}
END_TEST

/* late_tolerance_workdays = 2: N4 (due Wed 10 Jun, done Fri 12 Jun) is on
 * time: Noord 2/3 = 66.7 %, trend -33.3; W0 (due Fri 27 Feb, done Mon 2
 * Mar, the 1st working day after) too: West Q1 2/2 = 100 %, Q2 50 %, trend
 * -50: a fall.  O2 (due Fri 13 Mar, done Mon 16 Mar) as well: Oost Q1 100 %,
 * Q2 50 %, trend -50. */
START_TEST(late_tolerance_in_working_days)
{
    in_file("tol.ini", "[monitor]\nquarter = 2026-Q2\nlate_tolerance_workdays = 2\n");
    char *err = NULL;
    int rc = run_example("tol.ini", "o", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *regions = out_file("o", "regions.csv");
    ck_assert_str_eq(regions, "region,due,done_on_time,late,at_risk,on_time_pct,support_hours,trend\n"
                              "Noord,3,2,0,0,66.7,11.75,-33.3\n"
                              "Oost,4,2,1,1,50,5.5,-50\n"
                              "West,2,1,0,1,50,0,-50\n");
    char *signals = out_file("o", "signals.csv");
    ck_assert_str_eq(signals, "region,milestone_id,signal,since\n"
                              "Noord,,fall,2026-04-01\n"
                              "Oost,,fall,2026-04-01\n"
                              "Oost,O3,late,2026-05-01\n"
                              "West,,fall,2026-04-01\n"
                              "West,W3,stale,2026-06-25\n");
    free(signals);
    free(regions);
    free(err);
}
END_TEST

/* The trend against an earlier run's regions.csv (input previous): West was
 * 60 %, now 50 %: -10, exactly 10 points, a fall; Oost was 59.9 %: -9.9, no
 * fall; Noord is not in it: no trend, no fall. */
START_TEST(trend_and_ten_point_signal)
{
    in_file("prev.csv", "region,due,done_on_time,late,at_risk,on_time_pct,support_hours,trend\n"
                        "Oost,5,3,0,0,59.9,2,\n"
                        "West,5,3,0,0,60,0,\n");
    char *err = NULL;
    int rc = run_example("monitor.ini", "o", &err, "--set", "previous=prev.csv", NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *regions = out_file("o", "regions.csv");
    ck_assert_str_eq(regions, "region,due,done_on_time,late,at_risk,on_time_pct,support_hours,trend\n"
                              "Noord,3,1,0,0,33.3,11.75,\n"
                              "Oost,4,2,1,1,50,5.5,-9.9\n"
                              "West,2,1,0,1,50,0,-10\n");
    char *signals = out_file("o", "signals.csv");
    ck_assert_str_eq(signals, "region,milestone_id,signal,since\n"
                              "Oost,O3,late,2026-05-01\n"
                              "West,,fall,2026-04-01\n"
                              "West,W3,stale,2026-06-25\n");
    char *report = out_file("o", "report.html");
    HAS(report, "vorige rapportage");
    free(report);
    free(signals);
    free(regions);
    free(err);
}
END_TEST

/* The quarter given on the command line: 2026-Q1, evaluated at 31 Mar.
 * Noord 2/2 = 100 % (Q4 2025 had none: no trend), Oost 1/2 = 50 %, West
 * 1/2 = 50 %; the updates after 31 Mar are now errors. */
START_TEST(quarter_given_on_the_command_line)
{
    in_file("upd-q1.csv", "region,milestone_id,date,status,note\nWest,W3,2026-03-02,on_track,\n");
    in_file("dep-q1.csv", "region,specialist,expertise,date,hours,milestone_id\n"
                          "Oost,Cees,ruimtelijk,2026-03-10,8,O2\n");
    char *err = NULL;
    int rc = run_regional("monitor.ini", "milestones.csv", "upd-q1.csv", "dep-q1.csv", "o", &err, "--set",
                          "quarter=2026-Q1", NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *regions = out_file("o", "regions.csv");
    ck_assert_str_eq(regions, "region,due,done_on_time,late,at_risk,on_time_pct,support_hours,trend\n"
                              "Noord,2,2,0,0,100,0,\n"
                              "Oost,2,1,0,0,50,8,\n"
                              "West,2,1,0,0,50,0,\n");
    free(regions);
    free(err);
    err = NULL;
    rc = run_example("monitor.ini", "o2", &err, "--set", "quarter=2026-Q1", NULL);
    ck_assert_msg(rc == 2, "exit %d, expected 2: %s", rc, err);
    HAS(err, "updates.csv:2: column date: found \"2026-06-01\", expected a date on or before 2026-03-31, "
             "the end of 2026-Q1\n");
    free(err);
    /* an earlier regions.csv given as previous is checked like the other inputs */
    in_file("prev-bad.csv", "region,due,done_on_time,late,at_risk,on_time_pct,support_hours,trend\n"
                            "Noord,2,1,0,0,veel,0,\n");
    err = NULL;
    rc = run_example("monitor.ini", "o3", &err, "--set", "previous=prev-bad.csv", NULL);
    ck_assert_msg(rc == 2, "exit %d, expected 2: %s", rc, err);
    HAS(err, "prev-bad.csv:2: column on_time_pct: found \"veel\", expected a number with at most 2 "
             "decimals, or empty\n");
    free(err);
}
END_TEST

/* Two runs in one store (tmp/in/r.db), Q1 then Q2: Q2's trend comes from
 * Q1's stored regions.csv, as its quarter.csv says 2026-Q1.  Between the
 * runs N2 becomes done on 18 Apr instead of 18 Mar, so worked out from the
 * data Noord's Q1 share is 1/2 = 50 % (trend -16.7), while the stored one
 * is 100 % (trend -66.7).  A re-run of Q2 takes the first Q2 run's files,
 * of 2026-Q2: not the quarter before, so the trend is the data's; so is it
 * with --no-store. */
START_TEST(trend_from_the_previous_run_in_the_store)
{
    in_file("upd-q1.csv", "region,milestone_id,date,status,note\nWest,W3,2026-03-02,on_track,\n");
    in_file("dep-q1.csv", "region,specialist,expertise,date,hours,milestone_id\n");
    char *ms = t_readf("%s/in/milestones.csv", t_dir);
    ck_assert_ptr_nonnull(ms);
    char *at = strstr(ms, ",N2,");
    ck_assert_ptr_nonnull(at);
    at = strstr(at, "2026-03-18");
    ck_assert_ptr_nonnull(at);
    at[6] = '4'; /* 2026-04-18 */
    in_file("ms-later.csv", ms);
    free(ms);
    char *err = NULL;
    int rc = run_regional("monitor.ini", "milestones.csv", "upd-q1.csv", "dep-q1.csv", "q1", &err, "--set",
                          "quarter=2026-Q1", "--db", "r.db", NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *text = out_file("q1", "quarter.csv");
    ck_assert_str_eq(text, "quarter\n2026-Q1\n");
    free(text);
    free(err);

    err = NULL;
    rc = run_regional("monitor.ini", "ms-later.csv", "updates.csv", "deployments.csv", "q2", &err, "--db", "r.db",
                      NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    HAS(err, "input previous: regions.csv of run ");
    HAS(err, "input previous_quarter: quarter.csv of run ");
    text = out_file("q2", "regions.csv");
    ck_assert_str_eq(text, "region,due,done_on_time,late,at_risk,on_time_pct,support_hours,trend\n"
                           "Noord,3,1,0,0,33.3,11.75,-66.7\n"
                           "Oost,4,2,1,1,50,5.5,0\n"
                           "West,2,1,0,1,50,0,0\n");
    free(text);
    text = out_file("q2", "quarter.csv");
    ck_assert_str_eq(text, "quarter\n2026-Q2\n");
    free(text);
    text = out_file("q2", "report.html");
    HAS(text, "vorige rapportage");
    free(text);
    free(err);

    static const char data_trend[] = "region,due,done_on_time,late,at_risk,on_time_pct,support_hours,trend\n"
                                     "Noord,3,1,0,0,33.3,11.75,-16.7\n"
                                     "Oost,4,2,1,1,50,5.5,0\n"
                                     "West,2,1,0,1,50,0,0\n";
    err = NULL;
    rc = run_regional("monitor.ini", "ms-later.csv", "updates.csv", "deployments.csv", "q2again", &err, "--db",
                      "r.db", NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    HAS(err, "is the report on 2026-Q2, not on 2026-Q1, the quarter before: the trend is worked out from the "
             "data");
    text = out_file("q2again", "regions.csv");
    ck_assert_str_eq(text, data_trend);
    free(text);
    text = out_file("q2again", "report.html");
    HAS(text, "vorig kwartaal");
    free(text);
    free(err);

    err = NULL;
    rc = run_regional("monitor.ini", "ms-later.csv", "updates.csv", "deployments.csv", "q2none", &err,
                      "--no-store", NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    text = out_file("q2none", "regions.csv");
    ck_assert_str_eq(text, data_trend);
    free(text);
    free(err);

    /* given by hand, Q1's regions.csv keeps its trend, with or without its
     * quarter.csv next to it */
    err = NULL;
    char *prev = t_asprintf("previous=%s/q1/regions.csv", t_dir);
    rc = run_regional("monitor.ini", "ms-later.csv", "updates.csv", "deployments.csv", "q2hand", &err,
                      "--no-store", "--set", prev, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    text = out_file("q2hand", "regions.csv");
    HAS(text, "Noord,3,1,0,0,33.3,11.75,-66.7\n");
    free(text);
    free(prev);
    free(err);
}
END_TEST

/* every error of every file in one go, exit 2, nothing written */
START_TEST(every_error_in_one_go)
{
    in_file("bad-milestones.csv", "region,agreement,milestone_id,title,due,done_at,owner\n"
                                  "Noord,Wonen,N1,Woonvisie,2026-02-16,2026-02-10,Jansen\n"
                                  "Noord,Wonen,N2,Locaties,2026-03-20,,Jansen\n"
                                  "Oost,Wonen,N1,Woonvisie,2026-02-16,,Bakker\n"
                                  "Noord,Zorg,N1,Convenant,2026-05-15,,De Vries\n");
    in_file("bad-updates.csv", "region,milestone_id,date,status,note\n"
                               "Noord,N2,2026-04-01,on_track,\n"
                               "Zuid,N1,2026-04-01,on_track,\n"
                               "Oost,N2,2026-04-01,at_risk,\n"
                               "Noord,N1,2026-07-01,done,\n"
                               "Noord,N1,2026-05-01,stuck,\n");
    in_file("bad-deployments.csv", "region,specialist,expertise,date,hours,milestone_id\n"
                                   "Noord,Anna,juridisch,2026-04-14,6,N1\n"
                                   "Noord,Anna,juridisch,2026-04-15,-2,N1\n"
                                   "West,Bram,financieel,2026-04-16,1,\n"
                                   "Oost,Bram,financieel,2026-04-17,1,O9\n"
                                   "Oost,Bram,financieel,2026-04-18,veel,\n");
    char *err = NULL;
    int rc = run_regional("monitor.ini", "bad-milestones.csv", "bad-updates.csv", "bad-deployments.csv", "o",
                          &err, NULL);
    ck_assert_msg(rc == 2, "exit %d, expected 2: %s", rc, err);
    HAS(err, "bad-milestones.csv:5: column milestone_id: found \"N1\", expected a milestone_id unique in "
             "region Noord (first at line 2)\n");
    HAS(err, "bad-updates.csv:3: column region: found \"Zuid\", expected a region of bad-milestones.csv\n");
    HAS(err, "bad-updates.csv:4: column milestone_id: found \"N2\", expected a milestone_id of region Oost in "
             "bad-milestones.csv\n");
    HAS(err, "bad-updates.csv:5: column date: found \"2026-07-01\", expected a date on or before 2026-06-30, "
             "the end of 2026-Q2\n");
    HAS(err, "bad-updates.csv:6: column status: found \"stuck\", expected one of on_track, at_risk, delayed, "
             "done\n");
    HAS(err, "bad-deployments.csv:3: column hours: found \"-2\", expected a number of hours, 0 or more\n");
    HAS(err, "bad-deployments.csv:4: column region: found \"West\", expected a region of bad-milestones.csv\n");
    HAS(err, "bad-deployments.csv:5: column milestone_id: found \"O9\", expected a milestone_id of region Oost "
             "in bad-milestones.csv\n");
    HAS(err, "bad-deployments.csv:6: column hours: found \"veel\", expected a number of hours with at most 2 "
             "decimals\n");
    ck_assert_ptr_null(strstr(err, "bad-milestones.csv:4:"));
    ck_assert_ptr_null(strstr(err, "bad-updates.csv:2:"));
    ck_assert_ptr_null(strstr(err, "bad-deployments.csv:2:"));
    const char *files[] = { "regions.csv", "signals.csv", "support.csv", "report.html" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        ck_assert_msg(!out_exists("o", files[i]), "%s written", files[i]);
    }
    free(err);
}
END_TEST

/* settings: a quarter that is none (in monitor.ini or given), none at all,
 * an unknown key and a type error of a CSV file together */
START_TEST(settings_and_type_errors)
{
    in_file("badq.ini", "[monitor]\nquarter = 2026-Q5\nstale_workday = 40\n");
    in_file("bad-deployments.csv", "region,specialist,expertise,date,hours,milestone_id\n"
                                   "Noord,Anna,juridisch,3-4-2026,6,N3\n");
    char *err = NULL;
    int rc = run_regional("badq.ini", "milestones.csv", "updates.csv", "bad-deployments.csv", "o", &err, NULL);
    ck_assert_msg(rc == 2, "exit %d, expected 2: %s", rc, err);
    HAS(err, "stale_workday");
    HAS(err, "bad-deployments.csv:2: column date:");
    ck_assert_msg(!out_exists("o", "regions.csv"), "regions.csv written");
    free(err);
    in_file("badq2.ini", "[monitor]\nquarter = 2026-Q5\n");
    err = NULL;
    rc = run_example("badq2.ini", "o2", &err, NULL);
    ck_assert_msg(rc == 2, "exit %d, expected 2: %s", rc, err);
    HAS(err, "badq2.ini:2: column quarter: found \"2026-Q5\", expected a quarter YYYY-Qn, such as 2026-Q2\n");
    free(err);
    err = NULL;
    rc = run_example("monitor.ini", "o3", &err, "--set", "quarter=2026Q2", NULL);
    ck_assert_msg(rc == 2, "exit %d, expected 2: %s", rc, err);
    HAS(err, "--set quarter: column quarter: found \"2026Q2\", expected a quarter YYYY-Qn, such as 2026-Q2\n");
    free(err);
    in_file("noq.ini", "[monitor]\nstale_workdays = 40\n");
    err = NULL;
    rc = run_example("noq.ini", "o4", &err, NULL);
    ck_assert_msg(rc == 2, "exit %d, expected 2: %s", rc, err);
    HAS(err, "noq.ini: column quarter: found \"\", expected a value for quarter in [monitor] (or --set "
             "quarter=YYYY-Qn)\n");
    ck_assert_msg(!out_exists("o4", "regions.csv"), "regions.csv written");
    free(err);
}
END_TEST

/* report.html: the signals first, the small multiples (a panel per region,
 * a bar per quarter), a table per region */
START_TEST(report_signals_first_chart_tables)
{
    char *err = NULL;
    int rc = run_example("monitor.ini", "o", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *report = out_file("o", "report.html");
    ck_assert_ptr_nonnull(report);
    char *signals = strstr(report, "<h2>Signalen</h2>");
    char *svg = strstr(report, "<svg");
    char *tables = strstr(report, "<h2>Per regio</h2>");
    ck_assert_msg(signals && svg && tables && signals < svg && svg < tables, "order of the report:\n%s", report);
    HAS(report, "<td>O3</td><td>te laat</td><td>1 mei 2026</td>");
    HAS(report, "<td>Noord</td><td></td><td>aandeel op tijd gedaald (-66,7 procentpunt)</td>");
    HAS(report, "<title>2026-Q2: 33,3% op tijd (1 van 3)</title>");
    HAS(report, "<title>2026-Q1: 100% op tijd (2 van 2)</title>");
    HAS(report, "<title>2025-Q3: geen mijlpalen</title>");
    HAS(report, "<h3>Noord</h3>");
    HAS(report, "<h3>Oost</h3>");
    HAS(report, "<h3>West</h3>");
    HAS(report, "<tr><td>juridisch</td><td>8,25</td></tr>");
    HAS(report, "<tr><td>(algemeen)</td><td>1,5</td></tr>");
    free(report);
    free(err);
}
END_TEST

Suite *suite_regional(void);
Suite *suite_regional(void)
{
    Suite *s = suite_create("regional");
    TCase *tc = tcase_create("e2e");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, t_dir_teardown);
    tcase_add_test(tc, example_regions_signals_support);
    tcase_add_test(tc, stale_across_a_holiday);
    tcase_add_test(tc, late_tolerance_in_working_days);
    tcase_add_test(tc, trend_and_ten_point_signal);
    tcase_add_test(tc, quarter_given_on_the_command_line);
    tcase_add_test(tc, trend_from_the_previous_run_in_the_store);
    tcase_add_test(tc, every_error_in_one_go);
    tcase_add_test(tc, settings_and_type_errors);
    tcase_add_test(tc, report_signals_first_chart_tables);
    suite_add_tcase(s, tc);
    return s;
}
