/* Input contents kept in the store (issue 28, schema v4), with the real
 * binary: each input file's content is recorded with the run before its
 * first step, once per SHA-256 however many runs read it, also when given
 * on resume; a bundle takes it from the store, so it is complete after the
 * file was changed or removed; verify reports a content that does not
 * match its hash; a store of an older schema is read as it is and
 * upgraded when written. */
#define _GNU_SOURCE
#include "sha256.h"
#include "store.h"
#include "testutil.h"

#include <check.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ck_contains(hay, needle)                                                                   \
    ck_assert_msg((hay) && strstr((hay), (needle)) != NULL, "\"%s\" not in:\n%s", (needle),       \
                  (hay) ? (hay) : "(null)")

static char *out_, *err_;

static int regie(const char *const *argv)
{
    free(out_);
    free(err_);
    out_ = err_ = NULL;
    return t_regie(t_dir, &out_, &err_, argv);
}

static const char *const A_TEXT = "bid_id,supplier\nA,Noord\nB,Zuid\n";
static const char *const B_TEXT = "the same bytes in two inputs\n";

static void setup(void)
{
    t_dir_setup();
    free(t_write(t_dir, "s.lua", "return { run = function() regie.write('x.txt', 'x\\n') end }\n"));
    free(t_write(t_dir, "w.ini",
                 "[workflow]\nname = ic\n"
                 "[input.a]\ntype = file\nrequired = yes\n"
                 "[input.b]\ntype = file\nrequired = no\n"
                 "[input.c]\ntype = file\nrequired = no\n"
                 "[input.signed]\ntype = file\nrequired = no\n"
                 "[step.first]\nscript = s.lua\n"
                 "[step.letter]\nwait = input:signed\nafter = first\n"));
    free(t_write(t_dir, "a.txt", A_TEXT));
    free(t_write(t_dir, "b.txt", B_TEXT));
    free(t_write(t_dir, "c.txt", B_TEXT));
}

static void teardown(void)
{
    free(out_);
    free(err_);
    out_ = err_ = NULL;
    t_dir_teardown();
}

/* Start a run of w.ini into out (it waits for `signed`: exit 3). */
static void start(const char *out)
{
    const char *argv[] = { "run",     "w.ini",   "--db",  "t.db",    "--out", out, "--set",
                           "a=a.txt", "--set",   "b=b.txt", "--set", "c=c.txt", NULL };
    int rc = regie(argv);
    ck_assert_msg(rc == 3, "run: exit %d: %s%s", rc, out_, err_);
}

static sqlite3 *db_open(void)
{
    char *p = t_path("t.db");
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(p, &h), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    free(p);
    return h;
}

static void db_exec(const char *sql)
{
    sqlite3 *h = db_open();
    char *msg = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "?");
    sqlite3_free(msg);
    sqlite3_close(h);
}

static long long db_int(const char *sql)
{
    sqlite3 *h = db_open();
    sqlite3_stmt *s = NULL;
    ck_assert_msg(sqlite3_prepare_v2(h, sql, -1, &s, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(h));
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    long long v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(h);
    return v;
}

/* The content kept for input `name` of run id (NULL: none). */
static char *kept(const char *id, const char *name)
{
    sqlite3 *h = db_open();
    sqlite3_stmt *s = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(h,
                                        "SELECT c.content FROM inputs i JOIN input_contents c ON "
                                        "c.sha256 = i.sha256 WHERE i.run_id = ? AND i.name = ?",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_TRANSIENT);
    char *v = NULL;
    if (sqlite3_step(s) == SQLITE_ROW) {
        v = strndup(sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0));
    }
    sqlite3_finalize(s);
    sqlite3_close(h);
    return v;
}

/* The ids of the runs in t.db, oldest first: how many. */
static size_t run_ids(char ids[][64], size_t max)
{
    const char *argv[] = { "runs", "--db", "t.db", NULL };
    ck_assert_msg(regie(argv) == 0, "runs: %s", err_);
    size_t n = 0;
    const char *p = strchr(out_, '\n');
    while (p && p[1] && n < max) {
        if (sscanf(p + 1, "%63s", ids[n]) == 1) {
            n++;
        }
        p = strchr(p + 1, '\n');
    }
    return n;
}

static void assert_kept(const char *id, const char *name, const char *text)
{
    char *v = kept(id, name);
    ck_assert_msg(v != NULL, "run %s: no content kept for input %s", id, name);
    ck_assert_str_eq(v, text);
    free(v);
}

START_TEST(content_recorded_before_the_first_step)
{
    /* killed right after the run's transaction, before any step ran */
    setenv("REGIE_TEST_KILL_AT", "run-recorded", 1);
    const char *argv[] = { "run",     "w.ini",   "--db",  "t.db",    "--out", "out", "--set",
                           "a=a.txt", "--set",   "b=b.txt", NULL };
    int rc = regie(argv);
    unsetenv("REGIE_TEST_KILL_AT");
    ck_assert_msg(rc == 128 + SIGKILL, "exit %d, not killed: %s", rc, err_);
    char ids[4][64];
    ck_assert_uint_eq(run_ids(ids, 4), 1);
    ck_assert_int_eq(db_int("SELECT count(*) FROM events WHERE what = 'step_started'"), 0);
    assert_kept(ids[0], "a", A_TEXT);
    assert_kept(ids[0], "b", B_TEXT);
    ck_assert_int_eq(db_int("PRAGMA user_version"), RG_STORE_SCHEMA_VERSION);
    /* killed inside it: no run, and no content either */
    db_exec("DELETE FROM input_contents");
    setenv("REGIE_TEST_KILL_AT", "inputs-recorded", 1);
    rc = regie(argv);
    unsetenv("REGIE_TEST_KILL_AT");
    ck_assert_msg(rc == 128 + SIGKILL, "exit %d, not killed: %s", rc, err_);
    ck_assert_uint_eq(run_ids(ids, 4), 1);
    ck_assert_int_eq(db_int("SELECT count(*) FROM input_contents"), 0);
}
END_TEST

START_TEST(content_kept_once_and_given_on_resume)
{
    start("out1");
    start("out2");
    char ids[4][64];
    ck_assert_uint_eq(run_ids(ids, 4), 2);
    for (int r = 0; r < 2; r++) {
        assert_kept(ids[r], "a", A_TEXT);
        assert_kept(ids[r], "b", B_TEXT);
        assert_kept(ids[r], "c", B_TEXT);
    }
    /* two runs of three inputs, two different contents: kept twice */
    ck_assert_int_eq(db_int("SELECT count(*) FROM inputs"), 6);
    ck_assert_int_eq(db_int("SELECT count(*) FROM input_contents"), 2);
    ck_assert_int_eq(db_int("SELECT sum(size) FROM input_contents"),
                     (long long)(strlen(A_TEXT) + strlen(B_TEXT)));
    /* an input given on resume is kept in the transaction that records it */
    free(t_write(t_dir, "signed.txt", "signed by the director\n"));
    const char *give[] = { "resume", ids[0], "--db", "t.db", "--set", "signed=signed.txt", NULL };
    int rc = regie(give);
    ck_assert_msg(rc == 0, "resume: exit %d: %s%s", rc, out_, err_);
    assert_kept(ids[0], "signed", "signed by the director\n");
    ck_assert_int_eq(db_int("SELECT count(*) FROM input_contents"), 3);
    const char *verify[] = { "verify", ids[0], "--db", "t.db", NULL };
    rc = regie(verify);
    ck_assert_msg(rc == 0, "verify: exit %d: %s%s", rc, out_, err_);
    ck_contains(out_, "4 input contents kept in the store match their hashes");
}
END_TEST

START_TEST(bundle_complete_after_the_input_went)
{
    start("out");
    char ids[2][64];
    ck_assert_uint_eq(run_ids(ids, 2), 1);
    /* one input removed, one changed since the run */
    char *a = t_path("a.txt");
    ck_assert_int_eq(unlink(a), 0);
    free(t_write(t_dir, "b.txt", "edited after the run\n"));
    const char *exp[] = { "export", ids[0], "--db", "t.db", "bundle", NULL };
    int rc = regie(exp);
    ck_assert_msg(rc == 0, "export: exit %d: %s%s", rc, out_, err_);
    char *p = t_path("bundle/inputs/a/a.txt");
    char *got = t_read(p);
    ck_assert_msg(got != NULL, "%s missing", p);
    ck_assert_str_eq(got, A_TEXT);
    free(got);
    free(p);
    p = t_path("bundle/inputs/b/b.txt");
    got = t_read(p);
    ck_assert_str_eq(got, B_TEXT);
    free(got);
    free(p);
    const char *vd[] = { "verify", "bundle", NULL };
    rc = regie(vd);
    ck_assert_msg(rc == 0, "verify DIR: exit %d: %s%s", rc, out_, err_);
    free(a);
}
END_TEST

START_TEST(tampered_content_reported)
{
    start("out");
    char ids[2][64];
    ck_assert_uint_eq(run_ids(ids, 2), 1);
    char sha[65];
    char *a = t_path("a.txt");
    ck_assert_int_eq(rg_sha256_file(a, sha), 0);
    char *sql = t_asprintf("UPDATE input_contents SET content = CAST('bid_id,supplier\nA,Noord\n"
                           "B,Elders\n' AS BLOB) WHERE sha256 = '%s'",
                           sha);
    db_exec(sql);
    const char *verify[] = { "verify", ids[0], "--db", "t.db", NULL };
    int rc = regie(verify);
    ck_assert_msg(rc == 1, "verify: exit %d: %s%s", rc, out_, err_);
    char *want = t_asprintf("input a (%s): its content kept in the store does not match its "
                            "hash (recorded sha256 %s, content ",
                            a, sha);
    ck_contains(out_, want);
    ck_contains(out_, "1 of 3 input contents kept in the store differ from their recorded hashes");
    ck_contains(out_, "chain intact");
    /* no bundle from it either, though the file itself is as recorded */
    const char *exp[] = { "export", ids[0], "--db", "t.db", "bundle", NULL };
    rc = regie(exp);
    ck_assert_int_ne(rc, 0);
    ck_contains(err_, "its content kept in the store does not match its hash");
    char *m = t_path("bundle/manifest.txt");
    ck_assert_msg(access(m, F_OK) != 0, "%s written", m);
    free(m);
    free(want);
    free(sql);
    free(a);
}
END_TEST

START_TEST(older_store_read_as_it_is_and_upgraded)
{
    start("out");
    char ids[2][64];
    ck_assert_uint_eq(run_ids(ids, 2), 1);
    /* a store of schema 3 that has signatures (made when first signed) */
    db_exec("DROP TABLE input_contents; PRAGMA user_version = 3");
    const char *verify[] = { "verify", ids[0], "--db", "t.db", NULL };
    int rc = regie(verify);
    ck_assert_msg(rc == 0, "verify: exit %d: %s%s", rc, out_, err_);
    ck_contains(out_, "3 inputs without content kept in the store");
    ck_assert_int_eq(db_int("PRAGMA user_version"), 3); /* read as it is */
    const char *exp[] = { "export", ids[0], "--db", "t.db", "bundle", NULL };
    rc = regie(exp);
    ck_assert_msg(rc == 0, "export: exit %d: %s%s", rc, out_, err_); /* from the files */
    ck_assert_int_eq(db_int("PRAGMA user_version"), 3);
    /* written: upgraded, and the input given now is kept */
    free(t_write(t_dir, "signed.txt", "signed\n"));
    const char *give[] = { "resume", ids[0], "--db", "t.db", "--set", "signed=signed.txt", NULL };
    rc = regie(give);
    ck_assert_msg(rc == 0, "resume: exit %d: %s%s", rc, out_, err_);
    ck_assert_int_eq(db_int("PRAGMA user_version"), RG_STORE_SCHEMA_VERSION);
    assert_kept(ids[0], "signed", "signed\n");
    char *none = kept(ids[0], "a");
    ck_assert_msg(none == NULL, "content of a recorded before v4 appeared");
    rc = regie(verify);
    ck_assert_msg(rc == 0, "verify: exit %d: %s%s", rc, out_, err_);
    ck_contains(out_, "1 input content kept in the store matches its hash");
    ck_contains(out_, "3 inputs without content kept in the store");

    /* schema 1 (every later column and table dropped): upgraded by a run */
    db_exec("ALTER TABLE runs DROP COLUMN jobs; ALTER TABLE steps DROP COLUMN reads_sha256; "
            "DROP TABLE output_versions; ALTER TABLE waits DROP COLUMN resolved_os_user; "
            "DROP TABLE input_contents; DROP TABLE IF EXISTS signatures; "
            "PRAGMA user_version = 1");
    start("out2");
    ck_assert_int_eq(db_int("PRAGMA user_version"), RG_STORE_SCHEMA_VERSION);
    ck_assert_int_eq(db_int("SELECT count(*) FROM sqlite_master WHERE name = 'signatures'"), 1);
    ck_assert_uint_eq(run_ids(ids, 2), 2);
    assert_kept(ids[1], "a", A_TEXT);
    rc = regie((const char *const[]){ "verify", ids[1], "--db", "t.db", NULL });
    ck_assert_msg(rc == 0, "verify: exit %d: %s%s", rc, out_, err_);
}
END_TEST

/* Through the library: a file that changed since it was hashed is refused,
 * nothing kept; one larger than SQLite keeps in a value is recorded by its
 * hash only (the limit lowered here for the test). */
START_TEST(changed_or_too_large_content)
{
    char *path = t_path("t.db");
    rg_errors errs = { 0 };
    rg_store *st = rg_store_open(path, &errs);
    ck_assert_msg(st != NULL, "%s", errs.n ? errs.msg[0] : "?");
    char *a = t_path("a.txt");
    char sha[65], other[65];
    ck_assert_int_eq(rg_sha256_file(a, sha), 0);
    rg_sha256_buf("before", 6, other);
    ck_assert_int_eq(rg_store_keep_input(st, "a", a, other, &errs), -1);
    ck_assert_uint_eq(errs.n, 1);
    char *want = t_asprintf("input a: %s changed while it was recorded (sha256 %s when hashed, "
                            "now %s)",
                            a, other, sha);
    ck_contains(errs.msg[0], want);
    rg_err_free(&errs);
    ck_assert_int_eq(db_int("SELECT count(*) FROM input_contents"), 0);
    char big[4001];
    memset(big, 'x', 4000);
    big[4000] = 0;
    char *bigp = t_write(t_dir, "big.txt", big), bigsha[65];
    ck_assert_int_eq(rg_sha256_file(bigp, bigsha), 0);
    sqlite3_limit(rg_store_handle(st), SQLITE_LIMIT_LENGTH, 1000);
    ck_assert_int_eq(rg_store_keep_input(st, "big", bigp, bigsha, &errs), 0);
    ck_assert_msg(errs.n == 0, "%s", errs.n ? errs.msg[0] : "");
    ck_assert_int_eq(db_int("SELECT count(*) FROM input_contents"), 0);
    free(bigp);
    sqlite3_limit(rg_store_handle(st), SQLITE_LIMIT_LENGTH, 1000000000);
    ck_assert_int_eq(rg_store_keep_input(st, "a", a, sha, &errs), 0);
    ck_assert_int_eq(rg_store_keep_input(st, "again", a, sha, &errs), 0);
    ck_assert_uint_eq(errs.n, 0);
    ck_assert_int_eq(db_int("SELECT count(*) FROM input_contents"), 1);
    rg_store_close(st);
    free(want);
    free(a);
    free(path);
}
END_TEST

Suite *suite_incontent(void);
Suite *suite_incontent(void)
{
    Suite *s = suite_create("incontent");
    TCase *tc = tcase_create("incontent");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, content_recorded_before_the_first_step);
    tcase_add_test(tc, content_kept_once_and_given_on_resume);
    tcase_add_test(tc, bundle_complete_after_the_input_went);
    tcase_add_test(tc, tampered_content_reported);
    tcase_add_test(tc, older_store_read_as_it_is_and_upgraded);
    tcase_add_test(tc, changed_or_too_large_content);
    suite_add_tcase(s, tc);
    return s;
}
