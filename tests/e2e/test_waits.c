/* Waits and the run store end to end, with the real binary: a run that
 * waits for a date and `resume --due` on either side of it, an input given
 * without the store, inputs given at resume in `show` and the bundle,
 * `verify` of the outputs on disk, and what `resume` keeps of the first
 * command (--jobs, --db). */
#define _GNU_SOURCE
#include "testutil.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int exists(const char *rel)
{
    return t_existsf("%s/%s", t_dir, rel);
}

/* A notice period written as documented: the letter goes out once the date
 * has come. */
static void timed_workflow(const char *until)
{
    free(t_write(t_dir, "send.lua",
                 "return { run = function() regie.write('sent.txt', 'sent\\n') end }\n"));
    free(t_write(t_dir, "end.lua",
                 "return { run = function() regie.output('standstill_end', '2026-05-01') end }\n"));
    char *ini = t_asprintf("[workflow]\nname = timed\n"
                          "[step.decide]\nscript = end.lua\nwrites = standstill_end\n"
                          "[step.standstill]\nwait = until:%s\nwhat = the end of the standstill\n"
                          "after = decide\n"
                          "[step.send]\nscript = send.lua\nafter = standstill\n",
                          until);
    free(t_write(t_dir, "w.ini", ini));
    free(ini);
}

static void timer_wait_resumed_when_due(const char *until)
{
    timed_workflow(until);
    const char *run[] = { "run", "w.ini", "--db", "t.db", "--out", "out", "--today", "2026-04-01",
                          NULL };
    int rc = t_run(run);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_err, "waits for the date 2026-05-01 - the end of the standstill");
    ck_assert(strstr(t_err, "unknown kind of wait") == NULL);
    ck_assert(!exists("out/sent.txt"));
    char *id = t_only_run("t.db");

    /* the wait is recorded, with its due date */
    const char *waiting[] = { "runs", "--waiting", "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(waiting), 0);
    T_CONTAINS(t_out, id);
    T_CONTAINS(t_out, "standstill");
    T_CONTAINS(t_out, "timer");
    T_CONTAINS(t_out, "2026-05-01");

    /* the day before: nothing to do */
    const char *early[] = { "resume", "--due", "--db", "t.db", "--today", "2026-04-30", NULL };
    rc = t_run(early);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_out, "no run waits for a date on or before 2026-04-30");
    ck_assert(!exists("out/sent.txt"));
    ck_assert_int_eq(t_run(waiting), 0);
    T_CONTAINS(t_out, id);

    /* on the day: the run goes on and finishes */
    const char *due[] = { "resume", "--due", "--db", "t.db", "--today", "2026-05-01", NULL };
    rc = t_run(due);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    ck_assert(exists("out/sent.txt"));
    const char *runs[] = { "runs", "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(runs), 0);
    T_CONTAINS(t_out, "done");
    ck_assert_int_eq(t_run(waiting), 0);
    T_CONTAINS(t_out, "nothing is waiting");
    const char *log[] = { "log", id, "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(log), 0);
    T_CONTAINS(t_out, "timer_passed");
    /* and a second --due finds nothing left */
    ck_assert_int_eq(t_run(due), 0);
    T_CONTAINS(t_out, "no run waits for a date");
    free(id);
}

START_TEST(timer_wait_until_a_date)
{
    timer_wait_resumed_when_due("2026-05-01");
}
END_TEST

START_TEST(timer_wait_until_a_date_from_data)
{
    timer_wait_resumed_when_due("standstill_end");
}
END_TEST

START_TEST(timer_wait_clock_from_the_environment)
{
    timed_workflow("standstill_end");
    setenv("REGIE_TODAY", "2026-04-01", 1);
    const char *run[] = { "run", "w.ini", "--db", "t.db", "--out", "out", NULL };
    int rc = t_run(run);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    setenv("REGIE_TODAY", "2026-05-02", 1);
    const char *due[] = { "resume", "--due", "--db", "t.db", NULL };
    rc = t_run(due);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    ck_assert(exists("out/sent.txt"));
    unsetenv("REGIE_TODAY");
    /* a date already passed does not wait at all, store or not */
    const char *past[] = { "run", "w.ini", "--no-store", "--out", "o2", "--today", "2026-06-01",
                           NULL };
    rc = t_run(past);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    ck_assert(exists("o2/sent.txt"));
    const char *bad[] = { "resume", "--due", "--today", "2026-02-30", NULL };
    ck_assert_int_eq(t_run(bad), 64);
    T_CONTAINS(t_err, "--today: found \"2026-02-30\"");
}
END_TEST

/* A REGIE_TODAY that is not a date is refused as --today is (a cron line
 * with a typo does not silently use the real date), and nothing runs. */
START_TEST(timer_wait_bad_clock_in_the_environment)
{
    timed_workflow("standstill_end");
    setenv("REGIE_TODAY", "2026-13-01", 1);
    const char *due[] = { "resume", "--due", "--db", "t.db", NULL };
    int rc = t_run(due);
    ck_assert_msg(rc == 64, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_err, "REGIE_TODAY: found \"2026-13-01\"");
    const char *run[] = { "run", "w.ini", "--db", "t.db", "--out", "out", NULL };
    rc = t_run(run);
    ck_assert_msg(rc == 64, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_err, "REGIE_TODAY");
    ck_assert(!exists("out"));
    unsetenv("REGIE_TODAY");
}
END_TEST

/* The shipped tender workflow on the shipped example. */
static char *tender_sets[5];

static void tender_argv(const char **argv, size_t *n)
{
    static const char *names[] = { "tender=tender.ini", "criteria=criteria.csv", "bids=bids.csv",
                                   "ko=ko.csv", "scores=scores.csv" };
    for (int i = 0; i < 5; i++) {
        char *rel = t_asprintf("examples/tender/%s", strchr(names[i], '=') + 1);
        char *path = t_src(rel);
        free(tender_sets[i]);
        tender_sets[i] = t_asprintf("%.*s=%s", (int)(strchr(names[i], '=') - names[i]), names[i],
                                   path);
        free(path);
        free(rel);
        argv[(*n)++] = "--set";
        argv[(*n)++] = tender_sets[i];
    }
}

static void tender_free(void)
{
    for (int i = 0; i < 5; i++) {
        free(tender_sets[i]);
        tender_sets[i] = NULL;
    }
}

START_TEST(no_store_input_given_does_not_wait)
{
    char *wf = t_src("etc/workflows/tender-evaluation.ini");
    char *iv = t_src("examples/tender/interviews.csv");
    char *set_iv = t_asprintf("interviews=%s", iv);
    const char *argv[24];
    size_t n = 0;
    argv[n++] = "run";
    argv[n++] = wf;
    tender_argv(argv, &n);
    argv[n++] = "--no-store";
    argv[n++] = "--out";
    argv[n++] = "with";
    argv[n++] = "--set";
    argv[n++] = set_iv;
    argv[n] = NULL;
    /* given: no wait */
    int rc = t_run(argv);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    ck_assert(strstr(t_err, "waits") == NULL);
    T_CONTAINS(t_err, "done     await_interviews");
    ck_assert(exists("with/ranking.csv"));
    /* not given: it waits, and says how to give it without the store */
    argv[n - 3] = "without";
    argv[n - 2] = NULL;
    rc = t_run(argv);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_err, "give it with --set interviews=FILE");
    tender_free();
    free(set_iv);
    free(iv);
    free(wf);
}
END_TEST

START_TEST(input_given_at_resume_is_an_input)
{
    char *wf = t_src("etc/workflows/tender-evaluation.ini");
    char *iv = t_src("examples/tender/interviews.csv");
    char *set_iv = t_asprintf("interviews=%s", iv);
    const char *argv[24];
    size_t n = 0;
    argv[n++] = "run";
    argv[n++] = wf;
    tender_argv(argv, &n);
    argv[n++] = "--db";
    argv[n++] = "t.db";
    argv[n++] = "--out";
    argv[n++] = "out";
    argv[n] = NULL;
    int rc = t_run(argv);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    char *id = t_only_run("t.db");
    const char *resume[] = { "resume", id, "--db", "t.db", "--set", set_iv, NULL };
    rc = t_run(resume);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);

    /* show lists it with the run's inputs, with its hash */
    const char *show[] = { "show", id, "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(show), 0);
    const char *inputs = strstr(t_out, "inputs:");
    const char *steps = inputs ? strstr(inputs, "steps:") : NULL;
    ck_assert_msg(inputs && steps, "%s", t_out);
    char *table = strndup(inputs, (size_t)(steps - inputs));
    T_CONTAINS(table, "interviews");
    T_CONTAINS(table, iv);
    free(table);

    /* and the bundle holds a copy of it, checked like every other input */
    const char *exp[] = { "export", id, "bundle", "--db", "t.db", NULL };
    rc = t_run(exp);
    ck_assert_msg(rc == 0, "exit %d: %s%s", rc, t_out, t_err);
    char *copy = t_asprintf("%s/bundle/inputs/interviews/interviews.csv", t_dir);
    char *a = t_read(copy), *b = t_read(iv);
    ck_assert_msg(a != NULL, "%s missing", copy);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    free(copy);
    char *manifest = t_asprintf("%s/bundle/manifest.txt", t_dir);
    char *m = t_read(manifest);
    T_CONTAINS(m, "  inputs/interviews/interviews.csv\n");
    free(m);
    free(manifest);
    const char *vb[] = { "verify", "bundle", NULL };
    rc = t_run(vb);
    ck_assert_msg(rc == 0, "exit %d: %s%s", rc, t_out, t_err);
    free(id);
    tender_free();
    free(set_iv);
    free(iv);
    free(wf);
}
END_TEST

/* ${data.NAME} in a wait's what: the text the run holds when the wait
 * opens, in the messages and in `runs --waiting`; a what naming data the
 * wait step does not read is refused when the workflow is loaded. */
START_TEST(what_names_data_of_the_run)
{
    free(t_write(t_dir, "tie.lua",
                 "return { run = function() regie.output('tied', 'K, L at rank 3-4') end }\n"));
    free(t_write(t_dir, "w.ini",
                 "[workflow]\nname = draw\n"
                 "[input.draw]\ntype = text\nrequired = no\n"
                 "[step.rank]\nscript = tie.lua\nwrites = tied\n"
                 "[step.await_draw]\nwait = input:draw\nwhat = the draw for ${data.tied}\n"
                 "reads = tied\n"));
    const char *run[] = { "run", "w.ini", "--db", "t.db", "--out", "out", NULL };
    int rc = t_run(run);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_err, "waits for input draw - the draw for K, L at rank 3-4: regie resume");
    const char *waiting[] = { "runs", "--waiting", "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(waiting), 0);
    T_CONTAINS(t_out, "input draw - the draw for K, L at rank 3-4");

    free(t_write(t_dir, "bad.ini",
                 "[workflow]\nname = draw\n"
                 "[input.draw]\ntype = text\nrequired = no\n"
                 "[step.rank]\nscript = tie.lua\nwrites = tied\n"
                 "[step.await_draw]\nwait = input:draw\nwhat = the draw for ${data.tied}\n"
                 "after = rank\n"));
    const char *bad[] = { "run", "bad.ini", "--db", "t.db", "--out", "out2", NULL };
    rc = t_run(bad);
    ck_assert_msg(rc == 2, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_err, "bad.ini:11: step await_draw: what: ${data.tied} names data the step does not "
                      "read (add it to reads)");
}
END_TEST

START_TEST(verify_checks_the_outputs)
{
    timed_workflow("2026-05-01");
    /* sync = full: files, and the directories holding their names, synced */
    const char *run[] = { "run", "w.ini", "--db", "t.db", "--out", "out", "--today", "2026-06-01",
                          "--engine", "sync=full", NULL };
    int rc = t_run(run);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    char *id = t_only_run("t.db");
    const char *verify[] = { "verify", id, "--db", "t.db", NULL };
    rc = t_run(verify);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_out);
    T_CONTAINS(t_out, "chain intact");
    /* an output edited after the run is named, though the log is intact */
    free(t_write(t_dir, "out/sent.txt", "never sent\n"));
    rc = t_run(verify);
    ck_assert_msg(rc == 1, "exit %d: %s", rc, t_out);
    T_CONTAINS(t_out, "chain intact");
    T_CONTAINS(t_out, "output sent.txt of step send");
    T_CONTAINS(t_out, "changed since the run");
    /* and one removed is named as missing */
    char *p = t_asprintf("%s/out/sent.txt", t_dir);
    unlink(p);
    free(p);
    rc = t_run(verify);
    ck_assert_msg(rc == 1, "exit %d: %s", rc, t_out);
    T_CONTAINS(t_out, "output sent.txt of step send");
    T_CONTAINS(t_out, "missing");
    /* put back as it was: intact again */
    free(t_write(t_dir, "out/sent.txt", "sent\n"));
    rc = t_run(verify);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_out);
    T_CONTAINS(t_out, "2 recorded outputs unchanged in");
    free(id);
}
END_TEST

START_TEST(resume_keeps_jobs_and_store)
{
    free(t_write(t_dir, "w.ini",
                 "[workflow]\nname = asks\n"
                 "[input.answer]\ntype = file\nrequired = no\n"
                 "[step.a]\nplugin = noop\n"
                 "[step.ask]\nwait = input:answer\nafter = a\n"
                 "[step.b]\nplugin = noop\nafter = ask\n"));
    free(t_write(t_dir, "answer.txt", "yes\n"));
    const char *run[] = { "run", "w.ini", "--db", "my runs.db", "--out", "out", "--jobs", "3",
                          NULL };
    int rc = t_run(run);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_err, "(3 steps, 3 jobs)");
    char *said = strdup(t_err);
    char *id = t_only_run("my runs.db");
    /* the hint names the store the run is in, ready to paste */
    char *hint = t_asprintf("regie resume %s --db 'my runs.db' --set answer=FILE", id);
    const char *resume[] = { "resume", id, "--db", "my runs.db", "--set", "answer=answer.txt",
                             NULL };
    rc = t_run(resume);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_err, "(3 steps, 3 jobs)");
    T_CONTAINS(said, hint);
    free(hint);
    free(said);
    const char *show[] = { "show", id, "--db", "my runs.db", NULL };
    ck_assert_int_eq(t_run(show), 0);
    T_CONTAINS(t_out, "jobs       3\n");
    free(id);
    /* in the default store the hint needs no --db; --jobs on resume wins */
    const char *run2[] = { "run", "w.ini", "--out", "out2", "--jobs", "3", NULL };
    rc = t_run(run2);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    ck_assert(strstr(t_err, "--db") == NULL);
    id = t_only_run("test-runs.db");
    const char *resume2[] = { "resume", id, "--set", "answer=answer.txt", "--jobs", "1", NULL };
    rc = t_run(resume2);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_err, "(3 steps, 1 jobs)");
    free(id);
}
END_TEST

/* `store =` in a workflow's [engine] is where `run` records it: over
 * etc/regie.ini's [store] path and REGIE_DB, under --engine store=FILE and
 * --db; the printed hints name that store, and resume finds the run there. */
START_TEST(store_named_by_the_workflow)
{
    free(t_write(t_dir, "w.ini",
                 "[workflow]\nname = stored\n"
                 "[engine]\nstore = wf.db\nsync = full\n"
                 "[input.answer]\ntype = file\nrequired = no\n"
                 "[step.a]\nplugin = noop\n"
                 "[step.ask]\nwait = input:answer\nafter = a\n"));
    free(t_write(t_dir, "answer.txt", "yes\n"));
    free(t_write(t_dir, "cfg.ini", "[store]\npath = cfg.db\n"));
    const char *run[] = { "run", "w.ini", "--config", "cfg.ini", "--out", "out", NULL };
    int rc = t_run(run);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_err, "recorded in wf.db");
    ck_assert(exists("wf.db"));
    ck_assert(!exists("cfg.db"));
    ck_assert(!exists("test-runs.db")); /* REGIE_DB */
    char *said = strdup(t_err);
    char *id = t_only_run("wf.db");
    char *hint = t_asprintf("regie resume %s --db wf.db --set answer=FILE", id);
    T_CONTAINS(said, hint);
    free(hint);
    free(said);
    const char *resume[] = { "resume", id, "--db", "wf.db", "--set", "answer=answer.txt", NULL };
    rc = t_run(resume);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    free(id);

    /* the command line over the workflow */
    const char *eng[] = { "run", "w.ini", "--engine", "store=cli.db", "--out", "o2", NULL };
    rc = t_run(eng);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_err, "--db cli.db --set answer=FILE");
    ck_assert(exists("cli.db"));
    id = t_only_run("cli.db");
    const char *runs[] = { "runs", "--engine", "store=cli.db", NULL };
    ck_assert_int_eq(t_run(runs), 0);
    T_CONTAINS(t_out, id);
    free(id);
    const char *db[] = { "run", "w.ini", "--engine", "store=cli.db", "--db", "db.db", "--out",
                         "o3", NULL };
    rc = t_run(db);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_err, "recorded in db.db");
    id = t_only_run("db.db");
    free(id);
    const char *wfruns[] = { "runs", "--db", "wf.db", NULL };
    ck_assert_int_eq(t_run(wfruns), 0);
    const char *nl = strchr(t_out, '\n');
    ck_assert_msg(nl && strchr(nl + 1, '\n') == strrchr(t_out, '\n'), "one run only:\n%s", t_out);
}
END_TEST

/* Inputs given on resume go through the pre-flight with the others, as
 * at `run`, before anything is recorded: the type errors of the new files
 * and the rule errors together, sorted, exit 2, and the run is as it was
 * (still waiting for the interviews, its record unchanged). */
START_TEST(inputs_given_on_resume_are_checked_first)
{
    char *wf = t_src("etc/workflows/tender-evaluation.ini");
    const char *argv[24];
    size_t n = 0;
    argv[n++] = "run";
    argv[n++] = wf;
    tender_argv(argv, &n);
    argv[n++] = "--db";
    argv[n++] = "t.db";
    argv[n++] = "--out";
    argv[n++] = "out";
    argv[n] = NULL;
    int rc = t_run(argv);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    char *id = t_only_run("t.db");
    const char *show[] = { "show", id, "--db", "t.db", NULL };
    const char *log[] = { "log", id, "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(show), 0);
    char *show0 = strdup(t_out);
    ck_assert_int_eq(t_run(log), 0);
    char *log0 = strdup(t_out);

    /* a type error in the interviews, a level off the scale in scores.csv
     * given anew: both, in file order */
    free(t_write(t_dir, "iv.csv", "bid_id,outcome,reason\nB,pass,Goed\n,pass,Goed\n"));
    char *src = t_src("examples/tender/scores.csv");
    char *scores = t_read(src);
    char *at = strstr(scores, "A,W2,Jansen,75,");
    ck_assert_ptr_nonnull(at);
    memcpy(at + 12, "80", 2);
    free(t_write(t_dir, "s80.csv", scores));
    const char *both[] = { "resume", id, "--db", "t.db", "--set", "interviews=iv.csv", "--set",
                           "scores=s80.csv", NULL };
    rc = t_run(both);
    ck_assert_msg(rc == 2, "exit %d: %s", rc, t_err);
    const char *e1 = strstr(t_err, "iv.csv:3: column bid_id: found nothing");
    const char *e2 = strstr(t_err, "s80.csv:5: column level: found \"80\", expected a level on the "
                                  "scale");
    ck_assert_msg(e1 && e2 && e1 < e2, "%s", t_err);
    T_CONTAINS(t_err, "2 errors in the inputs; nothing was recorded");

    /* rule errors of the interviews themselves: an unknown bid, an outcome
     * that does not exist */
    free(t_write(t_dir, "bad.csv", "bid_id,outcome,reason\nZ,pass,Goed\nA,maybe,Twijfel\n"));
    const char *bad[] = { "resume", id, "--db", "t.db", "--set", "interviews=bad.csv", NULL };
    rc = t_run(bad);
    ck_assert_msg(rc == 2, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_err, "bad.csv:2: column bid_id: found \"Z\", expected a bid_id of bids.csv");
    T_CONTAINS(t_err, "bad.csv:3: column outcome: found \"maybe\"");
    ck_assert(strstr(t_err, "running") == NULL);

    /* nothing was recorded: the run still waits for the interviews */
    ck_assert_int_eq(t_run(show), 0);
    ck_assert_str_eq(t_out, show0);
    ck_assert_int_eq(t_run(log), 0);
    ck_assert_str_eq(t_out, log0);
    const char *waiting[] = { "runs", "--waiting", "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(waiting), 0);
    T_CONTAINS(t_out, "await_interviews");

    char *iv = t_src("examples/tender/interviews.csv");
    char *set_iv = t_asprintf("interviews=%s", iv);
    const char *good[] = { "resume", id, "--db", "t.db", "--set", set_iv, NULL };
    rc = t_run(good);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    free(set_iv);
    free(iv);
    free(scores);
    free(src);
    free(log0);
    free(show0);
    free(id);
    tender_free();
    free(wf);
}
END_TEST

/* The tender's await_consensus opens when two evaluators disagree on a
 * binary criterion; scores.csv given anew with a CONSENSUS row makes its
 * `when` false on resume: the step is skipped and its open wait is closed
 * with the reason, so `runs --waiting` lists only the interviews. */
START_TEST(wait_skipped_on_resume_is_closed)
{
    static const char *const files[] = { "tender.ini", "criteria.csv", "bids.csv", "ko.csv",
                                         "scores.csv", "interviews.csv" };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char *rel = t_asprintf("examples/tender/%s", files[i]);
        char *src = t_src(rel);
        char *text = t_read(src);
        ck_assert_ptr_nonnull(text);
        if (strcmp(files[i], "scores.csv") == 0) {
            const char *line = "A,W1,De Vries,100,\"Wo-diploma in het vakgebied aanwezig\"\n";
            char *at = strstr(text, line);
            ck_assert_ptr_nonnull(at);
            char *split = t_asprintf("%.*sA,W1,De Vries,0,\"Diploma niet gevonden\"\n%s",
                                    (int)(at - text), text, at + strlen(line));
            free(t_write(t_dir, "scores.csv", split));
            char *agreed = t_asprintf("%sA,W1,CONSENSUS,100,\"Na overleg: aanwezig\"\n", split);
            free(t_write(t_dir, "scores2.csv", agreed));
            free(agreed);
            free(split);
        } else {
            free(t_write(t_dir, files[i], text));
        }
        free(text);
        free(src);
        free(rel);
    }
    char *wf = t_src("etc/workflows/tender-evaluation.ini");
    const char *run[] = { "run", wf, "--set", "tender=tender.ini", "--set", "criteria=criteria.csv",
                          "--set", "bids=bids.csv", "--set", "ko=ko.csv", "--set",
                          "scores=scores.csv", "--db", "t.db", "--out", "out", NULL };
    int rc = t_run(run);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_err, "await_consensus waits for input consensus");
    char *id = t_only_run("t.db");
    const char *waiting[] = { "runs", "--waiting", "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(waiting), 0);
    T_CONTAINS(t_out, "await_consensus");

    const char *again[] = { "resume", id, "--db", "t.db", "--set", "scores=scores2.csv", NULL };
    rc = t_run(again);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_err, "skipped  await_consensus");
    T_CONTAINS(t_err, "await_interviews waits for input interviews");
    ck_assert_int_eq(t_run(waiting), 0);
    T_CONTAINS(t_out, "await_interviews");
    ck_assert_msg(strstr(t_out, "await_consensus") == NULL, "still listed:\n%s", t_out);
    /* closed, not answered: who and why are on record */
    const char *show[] = { "show", id, "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(show), 0);
    const char *waits = strstr(t_out, "\nwaits:");
    ck_assert_ptr_nonnull(waits);
    T_CONTAINS(waits, "(closed)");
    T_CONTAINS(waits, "skipped: when consensus_needed is false");
    const char *log[] = { "log", id, "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(log), 0);
    T_CONTAINS(t_out, "wait_closed");
    T_CONTAINS(t_out, "step await_consensus: input (input consensus");

    const char *last[] = { "resume", id, "--db", "t.db", "--set", "interviews=interviews.csv",
                           NULL };
    rc = t_run(last);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    ck_assert_int_eq(t_run(waiting), 0);
    T_CONTAINS(t_out, "nothing is waiting");
    const char *verify[] = { "verify", id, "--db", "t.db", NULL };
    rc = t_run(verify);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_out);
    free(id);
    free(wf);
}
END_TEST

/* A run that fails while an approval is open closes it (nothing waits on a
 * failed run); closed is not approved: resumed, the approval is asked
 * again and the step after it runs only once someone gives it. */
START_TEST(wait_closed_when_the_run_fails)
{
    free(t_write(t_dir, "a.lua",
                 "return { run = function()\n"
                 "  if regie.input('mode') == 'fail' then error('broken') end\n"
                 "  regie.output('ready', true)\nend }\n"));
    free(t_write(t_dir, "b.lua",
                 "return { run = function() regie.write('sent.txt', 'sent\\n') end }\n"));
    free(t_write(t_dir, "w.ini",
                 "[workflow]\nname = appr\n"
                 "[input.mode]\ntype = text\nrequired = yes\n"
                 "[step.a]\nscript = a.lua\nreads = mode\nwrites = ready\n"
                 "[step.ok]\nwait = approval\n"
                 "[step.b]\nscript = b.lua\nreads = ready\nafter = ok\n"));
    const char *run[] = { "run", "w.ini", "--db", "t.db", "--out", "out", "--set", "mode=fail",
                          NULL };
    int rc = t_run(run);
    ck_assert_msg(rc == 1, "exit %d: %s", rc, t_err);
    char *id = t_only_run("t.db");
    const char *waiting[] = { "runs", "--waiting", "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(waiting), 0);
    T_CONTAINS(t_out, "nothing is waiting");
    const char *show[] = { "show", id, "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(show), 0);
    T_CONTAINS(t_out, "the run ended (failed)");
    const char *approve[] = { "approve", id, "ok", "--by", "bob", "--db", "t.db", NULL };
    ck_assert_int_ne(t_run(approve), 0);

    const char *resume[] = { "resume", id, "--db", "t.db", "--set", "mode=good", NULL };
    rc = t_run(resume);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    ck_assert(!exists("out/sent.txt"));
    ck_assert_int_eq(t_run(waiting), 0);
    T_CONTAINS(t_out, id);
    ck_assert_int_eq(t_run(approve), 0);
    const char *plain[] = { "resume", id, "--db", "t.db", NULL };
    rc = t_run(plain);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    ck_assert(exists("out/sent.txt"));
    free(id);
}
END_TEST

Suite *suite_waits(void);
Suite *suite_waits(void)
{
    Suite *s = suite_create("waits");
    TCase *tc = tcase_create("waits");
    tcase_add_checked_fixture(tc, t_dir_setup_no_today, t_dir_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, timer_wait_until_a_date);
    tcase_add_test(tc, timer_wait_until_a_date_from_data);
    tcase_add_test(tc, timer_wait_clock_from_the_environment);
    tcase_add_test(tc, timer_wait_bad_clock_in_the_environment);
    tcase_add_test(tc, no_store_input_given_does_not_wait);
    tcase_add_test(tc, input_given_at_resume_is_an_input);
    tcase_add_test(tc, what_names_data_of_the_run);
    tcase_add_test(tc, verify_checks_the_outputs);
    tcase_add_test(tc, resume_keeps_jobs_and_store);
    tcase_add_test(tc, wait_skipped_on_resume_is_closed);
    tcase_add_test(tc, inputs_given_on_resume_are_checked_first);
    tcase_add_test(tc, store_named_by_the_workflow);
    tcase_add_test(tc, wait_closed_when_the_run_fails);
    suite_add_tcase(s, tc);
    return s;
}
