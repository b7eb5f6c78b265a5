/* End-to-end: inputs taken from the previous run of the same workflow in
 * the run store (from_previous_run), with the real binary: a small counter
 * workflow whose count.csv the next run reads, and the shipped
 * service-levels workflow whose summary.csv becomes the next run's
 * `previous` (trend.csv). */
#define _GNU_SOURCE
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* counter: count.csv holds the last count plus one; `stop` given makes the
 * second step fail after count.csv is recorded (a failed run with the
 * output). */
static void counter_workflow(void)
{
    free(t_write(t_dir, "count.lua",
                 "return { run = function()\n"
                 "  local n = 0\n"
                 "  if regie.has_input('last') then\n"
                 "    for _, v in regie.each('last', { 'n' }) do n = tonumber(v) end\n"
                 "  end\n"
                 "  regie.write('count.csv', 'n\\n' .. string.format('%d', n + 1) .. '\\n')\n"
                 "  regie.output('counted', true)\n"
                 "end }\n"));
    free(t_write(t_dir, "stop.lua",
                 "return { run = function()\n"
                 "  if regie.has_input('stop') then regie.fail('asked to stop') end\n"
                 "end }\n"));
    free(t_write(t_dir, "w.ini",
                 "[workflow]\nname = counter\n"
                 "[input.last]\ntype = csv\nrequired = no\ncolumns = n:integer!\n"
                 "description = count.csv of an earlier run\n"
                 "from_previous_run = count.csv\n"
                 "[input.stop]\ntype = text\nrequired = no\n"
                 "[step.count]\nscript = count.lua\nreads = ?last\nwrites = counted\n"
                 "[step.stop]\nscript = stop.lua\nreads = counted, ?stop\n"));
}

/* `regie run w.ini --db t.db --out OUT [EXTRA...]`: the exit status; the
 * run's id in *id when given (caller frees). */
static int run_counter(const char *out, char **id, const char *x1, const char *x2)
{
    const char *argv[] = { "run", "w.ini", "--db", "t.db", "--out", out, x1, x2, NULL };
    int rc = t_run(argv);
    if (id) {
        const char *p = strstr(t_err, "regie: run ");
        char buf[64] = "";
        ck_assert_msg(p && sscanf(p, "regie: run %63s recorded", buf) == 1, "no run id in:\n%s",
                      t_err);
        *id = strdup(buf);
    }
    return rc;
}

static char *count_in(const char *out)
{
    return t_readf("%s/%s/count.csv", t_dir, out);
}

#define COUNT_IS(out, text)                                                                        \
    do {                                                                                           \
        char *c_ = count_in(out);                                                                  \
        ck_assert_msg(c_ && strcmp(c_, (text)) == 0, "%s/count.csv: \"%s\", expected \"%s\"",     \
                      (out), c_ ? c_ : "(missing)", (text));                                       \
        free(c_);                                                                                  \
    } while (0)

START_TEST(second_run_gets_the_first_runs_output)
{
    counter_workflow();
    char *id1, *id2;
    ck_assert_msg(run_counter("o1", &id1, NULL, NULL) == 0, "%s", t_err);
    COUNT_IS("o1", "n\n1\n");
    ck_assert(strstr(t_err, "input last:") == NULL);
    ck_assert_msg(run_counter("o2", &id2, NULL, NULL) == 0, "%s", t_err);
    COUNT_IS("o2", "n\n2\n");
    char *note = t_asprintf("regie: input last: count.csv of run %s (", id1);
    T_CONTAINS(t_err, note);
    free(note);

    /* the record names the run it came from; the chain stays valid */
    const char *show[] = { "show", id2, "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(show), 0);
    T_CONTAINS(t_out, "inputs from earlier runs:");
    T_CONTAINS(t_out, id1);
    T_CONTAINS(t_out, "count.csv");
    T_CONTAINS(t_out, "/o1/count.csv");
    const char *show1[] = { "show", id1, "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(show1), 0);
    ck_assert(strstr(t_out, "inputs from earlier runs") == NULL);
    const char *log[] = { "log", id2, "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(log), 0);
    char *from = t_asprintf(", from run %s output count.csv", id1);
    T_CONTAINS(t_out, from);
    free(from);
    const char *verify[] = { "verify", id2, "--db", "t.db", NULL };
    ck_assert_msg(t_run(verify) == 0, "%s%s", t_out, t_err);
    T_CONTAINS(t_out, "chain intact");
    T_CONTAINS(t_out, "agree with the log");
    const char *exp[] = { "export", id2, "bundle", "--db", "t.db", NULL };
    ck_assert_msg(t_run(exp) == 0, "%s", t_err);
    const char *vb[] = { "verify", "bundle", NULL };
    ck_assert_msg(t_run(vb) == 0, "%s%s", t_out, t_err);
    T_CONTAINS(t_out, "intact");
    free(id1);
    free(id2);
}
END_TEST

START_TEST(a_failed_run_is_skipped)
{
    counter_workflow();
    char *id1, *id2, *id3, *id4;
    ck_assert_int_eq(run_counter("o1", &id1, NULL, NULL), 0);
    ck_assert_int_eq(run_counter("o2", &id2, NULL, NULL), 0);
    COUNT_IS("o2", "n\n2\n");
    /* the third run records count.csv (3), then fails */
    int rc = run_counter("o3", &id3, "--set", "stop=yes");
    ck_assert_msg(rc != 0, "exit %d: %s", rc, t_err);
    COUNT_IS("o3", "n\n3\n");
    const char *show3[] = { "show", id3, "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(show3), 0);
    T_CONTAINS(t_out, "failed");
    T_CONTAINS(t_out, "count.csv");
    /* the fourth takes the second's, the latest that finished done */
    ck_assert_msg(run_counter("o4", &id4, NULL, NULL) == 0, "%s", t_err);
    COUNT_IS("o4", "n\n3\n");
    char *note = t_asprintf("regie: input last: count.csv of run %s (", id2);
    T_CONTAINS(t_err, note);
    free(note);
    ck_assert(strstr(t_err, id3) == NULL);
    free(id1);
    free(id2);
    free(id3);
    free(id4);
}
END_TEST

START_TEST(set_wins)
{
    counter_workflow();
    char *id1, *id2;
    ck_assert_int_eq(run_counter("o1", &id1, NULL, NULL), 0);
    free(t_write(t_dir, "mine.csv", "n\n41\n"));
    ck_assert_msg(run_counter("o2", &id2, "--set", "last=mine.csv") == 0, "%s", t_err);
    COUNT_IS("o2", "n\n42\n");
    ck_assert(strstr(t_err, "input last:") == NULL);
    const char *show[] = { "show", id2, "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(show), 0);
    ck_assert(strstr(t_out, "inputs from earlier runs") == NULL);
    T_CONTAINS(t_out, "mine.csv");
    free(id1);
    free(id2);
}
END_TEST

START_TEST(without_the_store_not_given)
{
    counter_workflow();
    ck_assert_int_eq(run_counter("o1", NULL, NULL, NULL), 0);
    const char *argv[] = { "run", "w.ini", "--no-store", "--out", "o2", NULL };
    ck_assert_msg(t_run(argv) == 0, "%s", t_err);
    COUNT_IS("o2", "n\n1\n");
    ck_assert(strstr(t_err, "input last:") == NULL);
    const char *off[] = { "run", "w.ini", "--db", "off", "--out", "o3", NULL };
    ck_assert_msg(t_run(off) == 0, "%s", t_err);
    COUNT_IS("o3", "n\n1\n");
    /* an empty store, or one of another workflow's runs only: not given */
    ck_assert_int_eq(run_counter("o4", NULL, NULL, NULL), 0);
    COUNT_IS("o4", "n\n2\n");
    const char *other[] = { "run", "w.ini", "--db", "other.db", "--out", "o5", NULL };
    ck_assert_msg(t_run(other) == 0, "%s", t_err);
    COUNT_IS("o5", "n\n1\n");
}
END_TEST

START_TEST(changed_or_gone_file_is_named)
{
    counter_workflow();
    char *id1, *id2, *id3;
    ck_assert_int_eq(run_counter("o1", &id1, NULL, NULL), 0);
    free(t_write(t_dir, "o1/count.csv", "n\n100\n"));
    ck_assert_msg(run_counter("o2", &id2, NULL, NULL) == 0, "%s", t_err);
    COUNT_IS("o2", "n\n1\n");
    char *msg = t_asprintf("regie: input last: not taken from run %s: its output count.csv (%s/o1/"
                           "count.csv) was changed after that run recorded it (sha256 ",
                           id1, t_dir);
    char *real = realpath(t_dir, NULL);
    if (!strstr(t_err, msg)) {
        free(msg);
        msg = t_asprintf("regie: input last: not taken from run %s: its output count.csv (%s/o1/"
                         "count.csv) was changed after that run recorded it (sha256 ",
                         id1, real);
    }
    T_CONTAINS(t_err, msg);
    T_CONTAINS(t_err, "; last is not given");
    free(msg);
    /* the latest done run is o2's now; its file removed */
    char *p = t_asprintf("%s/o2/count.csv", t_dir);
    ck_assert_int_eq(unlink(p), 0);
    free(p);
    ck_assert_msg(run_counter("o3", &id3, NULL, NULL) == 0, "%s", t_err);
    COUNT_IS("o3", "n\n1\n");
    msg = t_asprintf("regie: input last: not taken from run %s: its output count.csv (", id2);
    T_CONTAINS(t_err, msg);
    T_CONTAINS(t_err, "/o2/count.csv) is gone: No such file or directory; last is not given");
    free(msg);
    free(real);
    free(id1);
    free(id2);
    free(id3);
}
END_TEST

START_TEST(inputs_and_check_document_the_key)
{
    counter_workflow();
    const char *inputs[] = { "inputs", "w.ini", NULL };
    ck_assert_msg(t_run(inputs) == 0, "%s", t_err);
    T_CONTAINS(t_out, "not given: count.csv of the latest earlier run of counter that finished "
                      "done or waits (from_previous_run; the run store)");
    free(t_write(t_dir, "bad.ini",
                 "[workflow]\nname = bad\n"
                 "[input.a]\ntype = csv\nrequired = no\nfrom_previous_run = ../x.csv\n"
                 "[input.b]\ntype = text\nrequired = no\nfrom_previous_run = x.csv\n"
                 "[input.c]\ntype = csv\nrequired = no\nfrom_previous_run = /tmp/x.csv\n"
                 "[input.d]\ntype = csv\nrequird = no\n"
                 "[step.s]\nscript = count.lua\nreads = ?a, ?b, ?c, ?d\n"));
    const char *check[] = { "check", "bad.ini", NULL };
    ck_assert_int_eq(t_run(check), 2);
    T_CONTAINS(t_err, "bad.ini:6: from_previous_run: found \"../x.csv\", expected an output file "
                      "relative to the output folder");
    T_CONTAINS(t_err, "[input.b]: from_previous_run applies to file, csv and ini inputs only");
    T_CONTAINS(t_err, "from_previous_run: found \"/tmp/x.csv\"");
    T_CONTAINS(t_err, "unknown key \"requird\" in [input.d] (allowed: type, required, default, "
                      "description, columns, unique, keys.SECTION, from_previous_run)");
}
END_TEST

/* ---- service-levels, run every month ---- */

static void sla_setup(void) { t_dir_setup_copy("examples/sla"); }

static int run_sla(const char *out, const char *x1, const char *x2)
{
    char *wf = t_src("etc/workflows/service-levels.ini");
    char *cwd = t_asprintf("%s/in", t_dir);
    char *o = t_asprintf("%s/%s", t_dir, out);
    const char *argv[] = { "run", wf, "--set", "sla=sla.ini", "--set", "requests=requests.csv",
                           "--set", "ratings=ratings.csv", "--db", "sla.db", "--out", o, x1, x2,
                           NULL };
    free(t_err);
    t_err = NULL;
    int rc = t_regie(cwd, NULL, &t_err, argv);
    free(wf);
    free(cwd);
    free(o);
    return rc;
}

START_TEST(service_levels_twice_has_a_trend)
{
    /* May, then June (sla.ini's report date) in one store: June compares with May */
    ck_assert_msg(run_sla("m1", "--set", "report_date=2026-05-01") == 0, "%s", t_err);
    ck_assert(!t_existsf("%s/m1/trend.csv", t_dir));
    char *period = t_readf("%s/m1/period.csv", t_dir);
    ck_assert_ptr_nonnull(period);
    ck_assert_str_eq(period, "report_date\r\n2026-05-01\r\n");
    free(period);
    ck_assert_msg(run_sla("m2", NULL, NULL) == 0, "%s", t_err);
    T_CONTAINS(t_err, "regie: input previous: summary.csv of run ");
    char *trend = t_readf("%s/m2/trend.csv", t_dir);
    ck_assert_msg(trend != NULL, "no trend.csv in the second run: %s", t_err);
    T_CONTAINS(trend, "measure,previous,value,change");
    /* the same as giving the first run's summary by hand (--set wins) */
    char *given = t_asprintf("previous=%s/m1/summary.csv", t_dir);
    ck_assert_msg(run_sla("m3", "--set", given) == 0, "%s", t_err);
    ck_assert(strstr(t_err, "regie: input previous:") == NULL);
    char *trend3 = t_readf("%s/m3/trend.csv", t_dir);
    ck_assert_ptr_nonnull(trend3);
    ck_assert_str_eq(trend, trend3);
    char *r2 = t_readf("%s/m2/report.html", t_dir), *r3 = t_readf("%s/m3/report.html", t_dir);
    ck_assert_ptr_nonnull(r2);
    ck_assert_ptr_nonnull(r3);
    ck_assert_str_eq(r2, r3);
    /* June again: the latest run in the store is June's too: not compared with */
    ck_assert_msg(run_sla("m6", NULL, NULL) == 0, "%s", t_err);
    T_CONTAINS(t_err, "regie: input previous: summary.csv of run ");
    T_CONTAINS(t_err, "is the summary of the run on 2026-06-01, not earlier than 2026-06-01: no trend.csv");
    ck_assert(!t_existsf("%s/m6/trend.csv", t_dir));
    char *r6 = t_readf("%s/m6/report.html", t_dir);
    ck_assert_ptr_nonnull(r6);
    ck_assert(strstr(r6, "Vorige keer") == NULL);
    free(r6);
    period = t_readf("%s/m6/period.csv", t_dir);
    ck_assert_ptr_nonnull(period);
    ck_assert_str_eq(period, "report_date\r\n2026-06-01\r\n");
    free(period);
    /* previous given empty: given, as before (no file: refused), never replaced */
    ck_assert_int_eq(run_sla("m5", "--set", "previous="), 2);
    T_CONTAINS(t_err, "input previous: file not found");
    ck_assert(strstr(t_err, "regie: input previous:") == NULL);
    /* without the store: as before, no trend */
    char *wf = t_src("etc/workflows/service-levels.ini");
    char *cwd = t_asprintf("%s/in", t_dir);
    char *o = t_asprintf("%s/m4", t_dir);
    const char *argv[] = { "run", wf, "--set", "sla=sla.ini", "--set", "requests=requests.csv",
                           "--set", "ratings=ratings.csv", "--no-store", "--out", o, NULL };
    ck_assert_int_eq(t_regie(cwd, NULL, NULL, argv), 0);
    ck_assert(!t_existsf("%s/m4/trend.csv", t_dir));
    free(wf);
    free(cwd);
    free(o);
    free(r2);
    free(r3);
    free(trend);
    free(trend3);
    free(given);
}
END_TEST

Suite *suite_previous(void);
Suite *suite_previous(void)
{
    Suite *s = suite_create("previous");
    TCase *tc = tcase_create("previous");
    tcase_add_checked_fixture(tc, t_dir_setup, t_dir_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, second_run_gets_the_first_runs_output);
    tcase_add_test(tc, a_failed_run_is_skipped);
    tcase_add_test(tc, set_wins);
    tcase_add_test(tc, without_the_store_not_given);
    tcase_add_test(tc, changed_or_gone_file_is_named);
    tcase_add_test(tc, inputs_and_check_document_the_key);
    suite_add_tcase(s, tc);
    TCase *sla = tcase_create("previous-sla");
    tcase_add_checked_fixture(sla, sla_setup, t_dir_teardown);
    tcase_set_timeout(sla, 60);
    tcase_add_test(sla, service_levels_twice_has_a_trend);
    suite_add_tcase(s, sla);
    return s;
}
