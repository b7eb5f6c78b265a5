/* The four-eyes rule and who answered a wait, with the real binary: the
 * person a step's four_eyes names is refused under any spelling of the
 * name, two different people are accepted, the operating-system user is
 * recorded beside --by, and each wait event is logged once. */
#define _GNU_SOURCE
#include "store.h"
#include "testutil.h"
#include "util.h"

#include <check.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How many entries of `regie log RUN` have `what` in their WHAT column (on
 * an entry's first line, between the column gaps). */
static int count_entries(const char *id, const char *what)
{
    const char *argv[] = { "log", id, "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(argv), 0);
    char *col = t_asprintf("  %s  ", what);
    int n = 0;
    for (const char *line = t_out; line && *line;) {
        const char *nl = strchr(line, '\n');
        char *l = strndup(line, nl ? (size_t)(nl - line) : strlen(line));
        if (l[0] >= '0' && l[0] <= '9' && strstr(l, col)) {
            n++;
        }
        free(l);
        line = nl ? nl + 1 : NULL;
    }
    free(col);
    return n;
}

/* The user the tests run as, as regie finds it. */
static char *os_user(void)
{
    struct passwd *pw = getpwuid(geteuid());
    if (pw && pw->pw_name && *pw->pw_name) {
        return strdup(pw->pw_name);
    }
    const char *u = getenv("USER");
    return strdup(u && *u ? u : getenv("LOGNAME") ? getenv("LOGNAME") : "");
}

/* A decision alice prepares and someone else must approve; then the signed
 * letter is given (an input wait) before it is sent. */
static char *approval_run(const char *four_eyes)
{
    free(t_write(t_dir, "send.lua",
                 "return { run = function() regie.write('sent.txt', 'sent\\n') end }\n"));
    char *ini = t_asprintf("[workflow]\nname = decision\n"
                           "[input.signed]\ntype = file\nrequired = no\n"
                           "[step.ok]\nwait = approval\nfour_eyes = %s\n"
                           "[step.letter]\nwait = input:signed\nafter = ok\n"
                           "[step.send]\nscript = send.lua\nreads = signed\nafter = letter\n",
                           four_eyes);
    free(t_write(t_dir, "w.ini", ini));
    free(ini);
    const char *run[] = { "run", "w.ini", "--db", "t.db", "--out", "out", NULL };
    int rc = t_run(run);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    return t_only_run("t.db");
}

static int approve(const char *id, const char *by)
{
    const char *argv[] = { "approve", id, "ok", "--by", by, "--db", "t.db", NULL };
    return t_run(argv);
}

START_TEST(same_approver_refused_under_any_spelling)
{
    char *id = approval_run("alice");
    static const char *const same[] = { "alice", "alice.", " Alice ", "ALICE", "Alice!",
                                        "a.lice", "al ice", "\tALICE,", "'alice'" };
    size_t n = sizeof same / sizeof same[0];
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(approve(id, same[i]) == 2, "--by \"%s\" accepted", same[i]);
        T_CONTAINS(t_err, "four-eyes rule: ");
        T_CONTAINS(t_err, "may not approve step ok of run");
        T_CONTAINS(t_err, "the approval must come from someone other than alice");
    }
    /* still waiting: nothing was approved, every refusal is in the log */
    const char *waiting[] = { "runs", "--waiting", "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(waiting), 0);
    T_CONTAINS(t_out, id);
    ck_assert_int_eq(count_entries(id, "approval_refused"), (int)n);
    ck_assert_int_eq(count_entries(id, "approved"), 0);
    /* a name that is no name is refused as such, and not logged */
    ck_assert_int_eq(approve(id, "..."), 2);
    T_CONTAINS(t_err, "needs the name of who does it (\"...\" has no letter or digit)");
    ck_assert_int_eq(count_entries(id, "approval_refused"), (int)n);
    /* a rule with accented capitals: the same letters in small */
    free(id);
    t_dir_teardown();
    t_dir_setup();
    id = approval_run("José Ñúñez");
    ck_assert_int_eq(approve(id, "jOSÉ ñÚÑEZ."), 2);
    free(id);
}
END_TEST

START_TEST(two_people_accepted)
{
    char *id = approval_run("Alice Jansen");
    ck_assert_int_eq(approve(id, "Alicia Jansen"), 0);
    T_CONTAINS(t_out, "approved ok of run");
    ck_assert_int_eq(count_entries(id, "approved"), 1);
    ck_assert_int_eq(count_entries(id, "approval_refused"), 0);
    free(id);

    t_dir_teardown();
    t_dir_setup();
    id = approval_run("alice");
    ck_assert_int_eq(approve(id, "bob"), 0);
    /* approved once: a second approval finds nothing waiting */
    ck_assert_int_eq(approve(id, "carol"), 2);
    T_CONTAINS(t_err, "step ok of run");
    T_CONTAINS(t_err, "is not waiting for anything");
    const char *resume[] = { "resume", id, "--db", "t.db", NULL };
    int rc = t_run(resume);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_err, "letter waits for input signed");
    free(id);
}
END_TEST

START_TEST(os_user_recorded)
{
    char *me = os_user();
    char *mark = t_asprintf(" (os user %s)", me);
    char *id = approval_run("alice");
    ck_assert_int_eq(approve(id, "Alice"), 2);
    ck_assert_int_eq(approve(id, "bob"), 0);
    const char *plain[] = { "resume", id, "--db", "t.db", NULL };
    int rc = t_run(plain);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    free(t_write(t_dir, "signed.txt", "signed\n"));
    const char *resume[] = { "resume", id, "--db", "t.db", "--by", "carol", "--set",
                             "signed=signed.txt", NULL };
    rc = t_run(resume);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);

    /* each entry a person caused: who as given with --by, the OS user in
     * the detail */
    const char *log[] = { "log", id, "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(log), 0);
    static const char *const kinds[][2] = { { "Alice", "approval_refused" },
                                            { "bob", "approved" },
                                            { "carol", "input_given" },
                                            { "carol", "run_resumed" } };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const char *line = t_out;
        int found = 0;
        while (line && *line && !found) {
            const char *nl = strchr(line, '\n');
            char *l = strndup(line, nl ? (size_t)(nl - line) : strlen(line));
            char seq[32], day[64], who[256], w[64];
            /* TIME is three words: 2026-12-05 12:58:03 CET */
            if (sscanf(l, "%31s %63s %*s %*s %255s %63s", seq, day, who, w) == 4 &&
                strcmp(who, kinds[i][0]) == 0 && strcmp(w, kinds[i][1]) == 0) {
                ck_assert_msg(strstr(l, mark) != NULL, "\"%s\" not in: %s", mark, l);
                found = 1;
            }
            free(l);
            line = nl ? nl + 1 : NULL;
        }
        ck_assert_msg(found, "no %s entry by %s in:\n%s", kinds[i][1], kinds[i][0], t_out);
    }
    /* run_started: the run's user (--by, else the OS user) and the OS user */
    char *started = t_asprintf("), user %s (os user %s), host ", me, me);
    T_CONTAINS(t_out, started);
    free(started);
    /* show: the waits resolved, each with the OS user beside the name */
    const char *show[] = { "show", id, "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(show), 0);
    char *by = t_asprintf("bob (os user %s)", me);
    T_CONTAINS(t_out, by);
    free(by);
    by = t_asprintf("carol (os user %s)", me);
    T_CONTAINS(t_out, by);
    free(by);
    const char *verify[] = { "verify", id, "--db", "t.db", NULL };
    rc = t_run(verify);
    ck_assert_msg(rc == 0, "exit %d: %s%s", rc, t_out, t_err);
    free(id);
    free(mark);
    free(me);
}
END_TEST

START_TEST(each_wait_event_logged_once)
{
    free(t_write(t_dir, "send.lua",
                 "return { run = function() regie.write('sent.txt', 'sent\\n') end }\n"));
    free(t_write(t_dir, "w.ini",
                 "[workflow]\nname = waits\n"
                 "[input.signed]\ntype = file\nrequired = no\n"
                 "[step.standstill]\nwait = until:2026-05-01\n"
                 "[step.ok]\nwait = approval\nafter = standstill\n"
                 "[step.letter]\nwait = input:signed\nafter = ok\n"
                 "[step.send]\nscript = send.lua\nreads = signed\nafter = letter\n"));
    const char *run[] = { "run", "w.ini", "--db", "t.db", "--out", "out", "--today", "2026-04-01",
                          NULL };
    int rc = t_run(run);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    char *id = t_only_run("t.db");
    const char *due[] = { "resume", "--due", "--db", "t.db", "--today", "2026-05-01", NULL };
    rc = t_run(due);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    ck_assert_int_eq(approve(id, "bob"), 0);
    const char *plain[] = { "resume", id, "--db", "t.db", "--today", "2026-05-01", NULL };
    rc = t_run(plain);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    /* resumed again while still waiting: the open wait is not logged anew */
    rc = t_run(plain);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    free(t_write(t_dir, "signed.txt", "signed\n"));
    const char *give[] = { "resume", id, "--db", "t.db", "--today", "2026-05-01", "--set",
                           "signed=signed.txt", NULL };
    rc = t_run(give);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);

    ck_assert_int_eq(count_entries(id, "waiting"), 3);
    ck_assert_int_eq(count_entries(id, "timer_passed"), 1);
    ck_assert_int_eq(count_entries(id, "approved"), 1);
    ck_assert_int_eq(count_entries(id, "input_given"), 1);
    ck_assert_int_eq(count_entries(id, "step_finished"), 4);
    ck_assert_int_eq(count_entries(id, "wait_closed"), 0);
    /* the one input_given carries the file's hash */
    const char *log[] = { "log", id, "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(log), 0);
    T_CONTAINS(t_out, "signed=");
    T_CONTAINS(t_out, "  signed\n");
    /* the tables agree with the log: the input_given resolved the wait */
    const char *verify[] = { "verify", id, "--db", "t.db", NULL };
    rc = t_run(verify);
    ck_assert_msg(rc == 0, "exit %d: %s%s", rc, t_out, t_err);
    free(id);
}
END_TEST

/* An input given on resume resolves its wait in the same transaction as
 * its one input_given entry: killed right after, the tables agree with the
 * log, and the resumed run logs nothing more for it. */
START_TEST(input_wait_resolved_with_its_entry)
{
    char *id = approval_run("alice");
    ck_assert_int_eq(approve(id, "bob"), 0);
    const char *plain[] = { "resume", id, "--db", "t.db", NULL };
    int rc = t_run(plain);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    free(t_write(t_dir, "signed.txt", "signed\n"));
    const char *give[] = { "resume", id, "--db", "t.db", "--by", "carol", "--set",
                           "signed=signed.txt", NULL };
    setenv("REGIE_TEST_KILL_AT", "after-input-commit", 1);
    rc = t_run(give);
    unsetenv("REGIE_TEST_KILL_AT");
    ck_assert_msg(rc == 128 + 9, "exit %d: %s", rc, t_err);
    const char *verify[] = { "verify", id, "--db", "t.db", NULL };
    rc = t_run(verify);
    ck_assert_msg(rc == 0, "exit %d: %s%s", rc, t_out, t_err);
    const char *show[] = { "show", id, "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(show), 0);
    T_CONTAINS(t_out, "input given");
    rc = t_run(plain);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    ck_assert_int_eq(count_entries(id, "input_given"), 1);
    rc = t_run(verify);
    ck_assert_msg(rc == 0, "exit %d: %s%s", rc, t_out, t_err);
    free(id);
}
END_TEST

/* A store written before the fix, with input_given twice for one input
 * (once when the input was recorded, once when the wait was resolved),
 * still verifies. */
START_TEST(doubled_entries_still_verify)
{
    free(t_write(t_dir, "send.lua",
                 "return { run = function() regie.write('sent.txt', 'sent\\n') end }\n"));
    free(t_write(t_dir, "w.ini",
                 "[workflow]\nname = doubled\n"
                 "[input.signed]\ntype = file\nrequired = no\n"
                 "[step.letter]\nwait = input:signed\n"
                 "[step.send]\nscript = send.lua\nreads = signed\nafter = letter\n"));
    const char *run[] = { "run", "w.ini", "--db", "t.db", "--out", "out", NULL };
    int rc = t_run(run);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    char *id = t_only_run("t.db");
    free(t_write(t_dir, "signed.txt", "signed\n"));
    const char *give[] = { "resume", id, "--db", "t.db", "--set", "signed=signed.txt", NULL };
    rc = t_run(give);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    /* the entry an older regie wrote on resolving the wait */
    char *db = t_path("t.db");
    rg_errors errs = { 0 };
    rg_store *st = rg_store_open(db, &errs);
    ck_assert_ptr_nonnull(st);
    ck_assert_int_eq(rg_store_log_event(st, id, "root", "input_given",
                                        "step letter: input (input signed: regie resume) "
                                        "resolved by root: input given",
                                        NULL, &errs),
                     0);
    rg_store_close(st);
    rg_err_free(&errs);
    free(db);
    ck_assert_int_eq(count_entries(id, "input_given"), 2);
    const char *verify[] = { "verify", id, "--db", "t.db", NULL };
    rc = t_run(verify);
    ck_assert_msg(rc == 0, "exit %d: %s%s", rc, t_out, t_err);
    T_CONTAINS(t_out, "chain intact");
    const char *dir[] = { "export", id, "bundle", "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(dir), 0);
    const char *vdir[] = { "verify", "bundle", NULL };
    rc = t_run(vdir);
    ck_assert_msg(rc == 0, "exit %d: %s%s", rc, t_out, t_err);
    free(id);
}
END_TEST

START_TEST(four_eyes_without_a_name_refused)
{
    free(t_write(t_dir, "w.ini", "[workflow]\nname = x\n[step.ok]\nwait = approval\n"
                                 "four_eyes = ...\n"));
    const char *check[] = { "check", "w.ini", NULL };
    ck_assert_int_eq(t_run(check), 2);
    T_CONTAINS(t_err, "w.ini:5: step ok: four_eyes: found \"...\", expected the name of the "
                      "person who may not approve");
}
END_TEST

START_TEST(person_key)
{
    static const char *const cases[][2] = {
        { "alice", "alice" },          { " Alice ", "alice" },     { "ALICE.", "alice" },
        { "Jan  de\tVries", "jandevries" }, { "O'Brien-Smith", "obriensmith" },
        { "José", "josé" },            { "JOSÉ", "josé" },          { "ÀÞ×", "àþ×" },
        { "...", "" },                 { "", "" },                  { "agent 007", "agent007" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *k = rg_person_key(cases[i][0]);
        ck_assert_msg(strcmp(k, cases[i][1]) == 0, "\"%s\": \"%s\", expected \"%s\"",
                      cases[i][0], k, cases[i][1]);
        free(k);
    }
    char *k = rg_person_key(NULL);
    ck_assert_str_eq(k, "");
    free(k);
    char *u = rg_os_user();
    ck_assert(u && *u);
    free(u);
}
END_TEST

Suite *suite_foureyes(void);
Suite *suite_foureyes(void)
{
    Suite *s = suite_create("foureyes");
    TCase *tc = tcase_create("foureyes");
    tcase_add_checked_fixture(tc, t_dir_setup_no_today, t_dir_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, same_approver_refused_under_any_spelling);
    tcase_add_test(tc, two_people_accepted);
    tcase_add_test(tc, os_user_recorded);
    tcase_add_test(tc, each_wait_event_logged_once);
    tcase_add_test(tc, input_wait_resolved_with_its_entry);
    tcase_add_test(tc, doubled_entries_still_verify);
    tcase_add_test(tc, four_eyes_without_a_name_refused);
    tcase_add_test(tc, person_key);
    suite_add_tcase(s, tc);
    return s;
}
