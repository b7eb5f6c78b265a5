/* Tests of the run store (core/store/, store.h): schema, runs, locks, audit chain,
 * evidence bundles, human tasks, faults and concurrent writers. */
#define _GNU_SOURCE
#include "sha256.h"
#include "store.h"
#include "testutil.h"

#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

Suite *suite_store(void);

/* ---- helpers ---- */

static char *errs_text(const rg_errors *e)
{
    rg_buf b = { 0 };
    rg_buf_puts(&b, "");
    for (size_t i = 0; i < e->n; i++) {
        rg_buf_printf(&b, "%s\n", e->msg[i]);
    }
    return b.data;
}

#define ck_errs_contain(errs, text)                                                                \
    do {                                                                                           \
        char *t_ = errs_text(errs);                                                                \
        ck_assert_msg(strstr(t_, (text)) != NULL, "errors lack \"%s\":\n%s", (text), t_);          \
        free(t_);                                                                                  \
    } while (0)

#define ck_contains(hay, needle)                                                                   \
    ck_assert_msg(strstr((hay), (needle)) != NULL, "\"%s\" not in:\n%s", (needle), (hay))

static rg_store *open_ok(const char *path)
{
    rg_errors errs = { 0 };
    rg_store *st = rg_store_open(path, &errs);
    if (!st) {
        char *t = errs_text(&errs);
        ck_abort_msg("open %s: %s", path, t);
    }
    rg_err_free(&errs);
    rg_store_set_actor(st, "tester");
    return st;
}

static char *open_fails(const char *path)
{
    rg_errors errs = { 0 };
    rg_store *st = rg_store_open(path, &errs);
    ck_assert_msg(st == NULL, "opened %s", path);
    ck_assert_uint_ge(errs.n, 1);
    char *t = errs_text(&errs);
    rg_err_free(&errs);
    return t;
}

/* Run SQL on a separate raw connection; NULL on success, else the error. */
static char *raw_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *err = NULL, *res = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        res = rg_xstrdup(err ? err : "error");
    }
    sqlite3_free(err);
    sqlite3_close(db);
    return res;
}

static void raw_ok(const char *path, const char *sql)
{
    char *e = raw_sql(path, sql);
    ck_assert_msg(e == NULL, "%s: %s", sql, e ? e : "");
}

static long long raw_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *s = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    long long v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

static char *raw_text(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *s = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    const unsigned char *t = sqlite3_column_text(s, 0);
    char *v = rg_xstrdup(t ? (const char *)t : "");
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

/* The entry hash exactly as doc/store.md specifies it, independently of
 * audit.c: SHA-256(prev || "\nregie-event-1\n" || "NAME LEN:VALUE\n"...). */
static void doc_hash(const char *prev, const char *const f[6], char hex[65])
{
    static const char *const names[6] = { "run", "time", "who", "what", "detail", "hashes" };
    rg_buf b = { 0 };
    rg_buf_puts(&b, prev);
    rg_buf_puts(&b, "\nregie-event-1\n");
    for (int i = 0; i < 6; i++) {
        rg_buf_printf(&b, "%s %zu:%s\n", names[i], strlen(f[i]), f[i]);
    }
    rg_sha256_buf(b.data, b.len, hex);
    rg_buf_free(&b);
}

typedef struct cap {
    char *buf;
    size_t len;
    FILE *f;
} cap;

static FILE *cap_open(cap *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    return c->f;
}

static char *cap_close(cap *c)
{
    fclose(c->f);
    return c->buf;
}

static char *begin_run(rg_store *st, const char *wf)
{
    rg_errors errs = { 0 };
    char *id = NULL;
    char *out = t_path("out");
    int rc = rg_store_run_begin(st, wf, "/etc/wf.ini",
                                "0000000000000000000000000000000000000000000000000000000000000000",
                                "bids=bids.csv", "alice", out, &id, &errs);
    free(out);
    ck_assert_msg(rc == 0, "run_begin failed");
    ck_assert_ptr_nonnull(id);
    rg_err_free(&errs);
    return id;
}

static void log_n(rg_store *st, const char *run, int n)
{
    rg_errors errs = { 0 };
    for (int i = 0; i < n; i++) {
        char detail[64];
        snprintf(detail, sizeof detail, "note number %d", i + 1);
        ck_assert_int_eq(rg_store_log_event(st, run, NULL, "note", detail, NULL, &errs), 0);
    }
    rg_err_free(&errs);
}

static int verify(rg_store *st, const char *run, char **out)
{
    cap c;
    rg_errors errs = { 0 };
    int rc = rg_store_verify(st, run, cap_open(&c), &errs);
    *out = cap_close(&c);
    rg_err_free(&errs);
    return rc;
}

static int bundle_verify(const char *dir, char **out)
{
    cap c;
    rg_errors errs = { 0 };
    int rc = rg_bundle_verify(dir, cap_open(&c), &errs);
    *out = cap_close(&c);
    rg_err_free(&errs);
    return rc;
}

/* ---- SHA-256 ---- */

START_TEST(sha256_helpers)
{
    char hex[65];
    rg_sha256_buf("abc", 3, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    char *f = t_write(t_dir, "abc.txt", "abc");
    char fh[65];
    ck_assert_int_eq(rg_sha256_file(f, fh), 0);
    ck_assert_str_eq(fh, hex);
    rg_sha256 *h = rg_sha256_new();
    rg_sha256_add(h, "a", 1);
    rg_sha256_add(h, "bc", 2);
    rg_sha256_finish(h, fh);
    ck_assert_str_eq(fh, hex);
    ck_assert_int_eq(rg_sha256_valid(hex), 1);
    ck_assert_int_eq(rg_sha256_valid("abc"), 0);
    char *missing = t_path("nope");
    ck_assert_int_eq(rg_sha256_file(missing, fh), -1);
    free(missing);
    free(f);
}
END_TEST

/* ---- opening ---- */

START_TEST(open_create_migrate)
{
    char *path = t_path("deep/er/runs.db");
    rg_store *st = open_ok(path);
    ck_assert_str_eq(rg_store_path(st), path);
    rg_store_close(st);
    ck_assert_int_eq(raw_int(path, "PRAGMA user_version"), RG_STORE_SCHEMA_VERSION);
    ck_assert_int_eq(raw_int(path, "PRAGMA application_id"), RG_STORE_APPLICATION_ID);
    ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE name IN ('runs', "
                                   "'events', 'steps', 'outputs', 'inputs', 'locks', 'waits', "
                                   "'definition_files', 'events_no_update', 'events_no_delete')"),
                     10);
    /* WAL mode persists in the file */
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    sqlite3_close(db);
    /* the handle enforces foreign keys */
    st = open_ok(path);
    sqlite3 *h = rg_store_handle(st);
    sqlite3_prepare_v2(h, "PRAGMA foreign_keys", -1, &s, NULL);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(s, 0), 1);
    sqlite3_finalize(s);
    ck_assert_int_ne(sqlite3_exec(h, "INSERT INTO steps (run_id, step, status) VALUES ('none', "
                                     "'x', 'done')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    rg_store_close(st);
    /* a zero-length file is a new store */
    char *empty = t_write(t_dir, "empty.db", "");
    st = open_ok(empty);
    rg_store_close(st);
    ck_assert_int_eq(raw_int(empty, "PRAGMA user_version"), RG_STORE_SCHEMA_VERSION);
    free(empty);
    free(path);
}
END_TEST

START_TEST(reopen_keeps_data)
{
    char *path = t_path("runs.db");
    rg_store *st = open_ok(path);
    char *id = begin_run(st, "tender");
    rg_errors errs = { 0 };
    const char *sha = "1111111111111111111111111111111111111111111111111111111111111111";
    ck_assert_int_eq(rg_store_add_input(st, id, "bids", "/data/bids.csv", 42, sha, &errs), 0);
    rg_store_close(st);

    st = open_ok(path);
    rg_store_run r;
    ck_assert_int_eq(rg_store_run_get(st, id, &r, &errs), 0);
    ck_assert_str_eq(r.workflow, "tender");
    ck_assert_str_eq(r.status, "running");
    ck_assert_str_eq(r.user, "alice");
    ck_assert_int_eq(r.log_entries, 2);
    rg_store_run_clear(&r);
    cap c;
    ck_assert_int_eq(rg_store_show_run(st, id, cap_open(&c), &errs), 0);
    char *out = cap_close(&c);
    ck_contains(out, sha);
    ck_contains(out, "/data/bids.csv");
    free(out);
    rg_store_close(st);
    rg_err_free(&errs);
    free(id);
    free(path);
}
END_TEST

START_TEST(foreign_sqlite_refused)
{
    char *path = t_path("other.db");
    raw_ok(path, "CREATE TABLE customers (id INTEGER); PRAGMA application_id = 12345");
    char *e = open_fails(path);
    ck_contains(e, path);
    ck_contains(e, "not a regie run store (application_id 0x00003039");
    free(e);
    /* application_id 0 but other tables: someone else's database */
    char *p2 = t_path("plain.db");
    raw_ok(p2, "CREATE TABLE customers (id INTEGER)");
    e = open_fails(p2);
    ck_contains(e, p2);
    ck_contains(e, "not a regie run store (application_id 0");
    free(e);
    /* and nothing was added to it */
    ck_assert_int_eq(raw_int(p2, "SELECT count(*) FROM sqlite_master"), 1);
    free(p2);
    free(path);
}
END_TEST

START_TEST(garbage_refused)
{
    char *path = t_write(t_dir, "runs.db",
                         "this is not a database, just some text that somebody put here\n"
                         "and some more lines of it to fill more than one header's worth of "
                         "bytes ..........................................................\n");
    char *e = open_fails(path);
    ck_contains(e, path);
    ck_contains(e, "corrupt or not an SQLite file");
    free(e);
    char *before = t_read(path);
    ck_assert_str_eq(before, "this is not a database, just some text that somebody put here\n"
                             "and some more lines of it to fill more than one header's worth of "
                             "bytes ..........................................................\n");
    free(before);
    free(path);
}
END_TEST

START_TEST(newer_schema_refused)
{
    char *path = t_path("runs.db");
    rg_store_close(open_ok(path));
    raw_ok(path, "PRAGMA user_version = 99");
    char *e = open_fails(path);
    ck_contains(e, path);
    ck_contains(e, "schema version 99");
    char known[32];
    snprintf(known, sizeof known, "(version %d)", RG_STORE_SCHEMA_VERSION);
    ck_contains(e, known);
    free(e);
    free(path);
}
END_TEST

START_TEST(empty_path_refused)
{
    char *e = open_fails("");
    ck_contains(e, "store path is empty");
    free(e);
}
END_TEST

/* ---- runs ---- */

START_TEST(run_lifecycle)
{
    char *path = t_path("runs.db");
    rg_store *st = open_ok(path);
    rg_errors errs = { 0 };
    char *def = t_write(t_dir, "wf.ini", "[workflow]\nname = tender\n");
    char *in = t_write(t_dir, "bids.csv", "id,rate\n1,2\n");
    char dh[65], ih[65];
    ck_assert_int_eq(rg_sha256_file(def, dh), 0);
    ck_assert_int_eq(rg_sha256_file(in, ih), 0);
    char *id = NULL;
    ck_assert_int_eq(rg_store_run_begin(st, "tender", def, dh, "bids=bids.csv\nmethod=lowest",
                                        NULL, "/tmp/out", &id, &errs),
                     0);
    /* "YYYYMMDD-HHMMSS-xxxx" */
    ck_assert_uint_eq(strlen(id), 20);
    ck_assert(id[8] == '-' && id[15] == '-');
    ck_assert_int_eq(rg_store_add_definition_file(st, id, def, dh, &errs), 0);
    ck_assert_int_eq(rg_store_add_definition_item(st, id, "plugin csv_write 1.0", NULL, &errs), 0);
    ck_assert_int_eq(rg_store_add_input(st, id, "bids", in, 12, ih, &errs), 0);
    ck_assert_int_eq(rg_store_step_start(st, id, "score", 1, &errs), 0);
    char *status = NULL;
    int attempts = 0;
    ck_assert_int_eq(rg_store_step_status(st, id, "score", &status, &attempts, &errs), 0);
    ck_assert_str_eq(status, "running");
    free(status);
    const char *oh = "abababababababababababababababababababababababababababababababab";
    rg_store_output outs[] = { { "ranking.csv", oh } };
    ck_assert_int_eq(rg_store_step_finish(st, id, "score", "done", 2, 1700000000.0, 1700000001.5,
                                          NULL, outs, 1, &errs),
                     0);
    ck_assert_int_eq(rg_store_step_finish(st, id, "letters", "failed", 1, 1700000002.0,
                                          1700000003.0, "letters.lua:4: boom", NULL, 0, &errs),
                     0);
    ck_assert_int_eq(rg_store_step_status(st, id, "score", &status, &attempts, &errs), 0);
    ck_assert_str_eq(status, "done");
    ck_assert_int_eq(attempts, 2);
    free(status);
    ck_assert_int_eq(rg_store_step_status(st, id, "never", &status, &attempts, &errs), 1);
    char **rels, **shas;
    size_t n;
    ck_assert_int_eq(rg_store_step_outputs(st, id, "score", &rels, &shas, &n, &errs), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(rels[0], "ranking.csv");
    ck_assert_str_eq(shas[0], oh);
    rg_store_outputs_free(rels, shas, n);
    ck_assert_int_eq(rg_store_run_finish(st, id, "failed", &errs), 0);
    ck_assert_uint_eq(errs.n, 0);

    cap c;
    ck_assert_int_eq(rg_store_show_run(st, id, cap_open(&c), &errs), 0);
    char *out = cap_close(&c);
    ck_contains(out, id);
    ck_contains(out, "tender");
    ck_contains(out, dh);
    ck_contains(out, ih);
    ck_contains(out, oh);
    ck_contains(out, "ranking.csv");
    ck_contains(out, "letters.lua:4: boom");
    ck_contains(out, "plugin csv_write 1.0 (not a file)");
    ck_contains(out, "method=lowest");
    ck_contains(out, "2023-11-14T22:13:20Z"); /* step started, UTC */
    ck_contains(out, "1.500");
    ck_contains(out, "failed");
    free(out);

    char *id2 = begin_run(st, "stakeholders");
    ck_assert_int_eq(rg_store_list_runs(st, NULL, NULL, cap_open(&c), &errs), 2);
    out = cap_close(&c);
    ck_contains(out, "RUN");
    ck_contains(out, id);
    ck_contains(out, id2);
    ck_contains(out, "stakeholders");
    free(out);
    ck_assert_int_eq(rg_store_list_runs(st, "tender", NULL, cap_open(&c), &errs), 1);
    out = cap_close(&c);
    ck_assert(strstr(out, id2) == NULL);
    free(out);
    ck_assert_int_eq(rg_store_list_runs(st, NULL, "running", cap_open(&c), &errs), 1);
    out = cap_close(&c);
    ck_contains(out, id2);
    ck_assert(strstr(out, id) == NULL);
    free(out);
    char *last = NULL;
    ck_assert_int_eq(rg_store_last_run(st, "tender", &last, &errs), 0);
    ck_assert_str_eq(last, id);
    free(last);
    ck_assert_int_eq(rg_store_last_run(st, "nothing", &last, &errs), 1);

    /* unknown run ids */
    ck_assert_uint_eq(errs.n, 0);
    ck_assert_int_eq(rg_store_show_run(st, "nope", cap_open(&c), &errs), -1);
    free(cap_close(&c));
    char *want = rg_xasprintf("no run \"nope\" in %s", path);
    ck_errs_contain(&errs, want);
    rg_err_free(&errs);
    ck_assert_int_eq(rg_store_log_event(st, "nope", NULL, "note", "x", NULL, &errs), -1);
    ck_errs_contain(&errs, want);
    rg_err_free(&errs);
    ck_assert_int_eq(rg_store_step_start(st, "nope", "s", 1, &errs), -1);
    ck_errs_contain(&errs, want);
    rg_err_free(&errs);
    free(want);
    /* bad hashes are refused */
    ck_assert_int_eq(rg_store_add_input(st, id, "x", "/x", 1, "xyz", &errs), -1);
    ck_errs_contain(&errs, "invalid sha256");
    rg_err_free(&errs);

    /* resume */
    ck_assert_int_eq(rg_store_lock_run(st, id, NULL, &errs), 0);
    ck_assert_int_eq(rg_store_run_resume(st, id, "definition unchanged", &errs), 0);
    rg_store_run r;
    ck_assert_int_eq(rg_store_run_get(st, id, &r, &errs), 0);
    ck_assert_str_eq(r.status, "running");
    ck_assert_ptr_null(r.ended);
    rg_store_run_clear(&r);

    ck_assert_int_eq(rg_store_print_log(st, id, cap_open(&c), &errs), 0);
    out = cap_close(&c);
    ck_contains(out, "run_started");
    ck_contains(out, "definition_file");
    ck_contains(out, "step_finished");
    ck_contains(out, "run_finished");
    ck_contains(out, "run_resumed");
    ck_contains(out, "tester");
    ck_contains(out, oh);
    free(out);

    rg_store_close(st);
    rg_err_free(&errs);
    free(id);
    free(id2);
    free(def);
    free(in);
    free(path);
}
END_TEST

START_TEST(step_finish_atomic)
{
    char *path = t_path("runs.db");
    rg_store *st = open_ok(path);
    char *id = begin_run(st, "tender");
    rg_errors errs = { 0 };
    ck_assert_int_eq(rg_store_step_start(st, id, "rank", 1, &errs), 0);
    rg_store_run r;
    ck_assert_int_eq(rg_store_run_get(st, id, &r, &errs), 0);
    int64_t entries = r.log_entries;
    rg_store_run_clear(&r);
    const char *h1 = "1111111111111111111111111111111111111111111111111111111111111111";
    const char *h2 = "2222222222222222222222222222222222222222222222222222222222222222";
    /* the third output fails inside the transaction (same file twice) */
    rg_store_output dup[] = { { "a.csv", h1 }, { "b.csv", h2 }, { "a.csv", h2 } };
    ck_assert_int_eq(rg_store_step_finish(st, id, "rank", "done", 1, 0, 0, NULL, dup, 3, &errs),
                     -1);
    ck_assert_uint_ge(errs.n, 1);
    rg_err_free(&errs);
    /* a bad hash half-way */
    rg_store_output bad[] = { { "a.csv", h1 }, { "b.csv", "nothex" } };
    ck_assert_int_eq(rg_store_step_finish(st, id, "rank", "done", 1, 0, 0, NULL, bad, 2, &errs),
                     -1);
    ck_errs_contain(&errs, "b.csv: invalid sha256");
    rg_err_free(&errs);
    /* nothing of either attempt is recorded */
    char *status = NULL;
    ck_assert_int_eq(rg_store_step_status(st, id, "rank", &status, NULL, &errs), 0);
    ck_assert_str_eq(status, "running");
    free(status);
    char **rels, **shas;
    size_t n = 9;
    ck_assert_int_eq(rg_store_step_outputs(st, id, "rank", &rels, &shas, &n, &errs), 0);
    ck_assert_uint_eq(n, 0);
    rg_store_outputs_free(rels, shas, n);
    ck_assert_int_eq(rg_store_run_get(st, id, &r, &errs), 0);
    ck_assert_int_eq(r.log_entries, entries);
    rg_store_run_clear(&r);
    ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM outputs"), 0);
    /* and a correct finish still works */
    rg_store_output good[] = { { "a.csv", h1 }, { "b.csv", h2 } };
    ck_assert_int_eq(rg_store_step_finish(st, id, "rank", "done", 1, 0, 0, NULL, good, 2, &errs),
                     0);
    ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM outputs"), 2);
    char *out;
    /* the chain is whole; the files were never written, only recorded */
    ck_assert_int_eq(verify(st, id, &out), RG_VERIFY_BROKEN);
    ck_contains(out, "chain intact");
    ck_contains(out, "2 of 2 recorded outputs changed or missing");
    free(out);
    rg_store_close(st);
    free(id);
    free(path);
}
END_TEST

START_TEST(disk_full_rolls_back)
{
    char *path = t_path("runs.db");
    rg_store *st = open_ok(path);
    char *id = begin_run(st, "tender");
    log_n(st, id, 5);
    sqlite3 *db = rg_store_handle(st);
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &s, NULL);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    int pages = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %d", pages + 2);
    ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    char *big = rg_xmalloc(20001);
    memset(big, 'x', 20000);
    big[20000] = 0;
    rg_errors errs = { 0 };
    int failed = 0;
    for (int i = 0; i < 20 && !failed; i++) {
        failed = rg_store_log_event(st, id, NULL, "note", big, NULL, &errs) != 0;
    }
    ck_assert_msg(failed, "the store never filled up");
    char *want = rg_xasprintf("disk full or I/O error writing %s: ", path);
    ck_errs_contain(&errs, want);
    free(want);
    rg_err_free(&errs);
    /* what was recorded before is intact, and the store works once there is
     * space again */
    ck_assert_int_eq(sqlite3_exec(db, "PRAGMA max_page_count = 1000000", NULL, NULL, NULL),
                     SQLITE_OK);
    char *out;
    ck_assert_int_eq(verify(st, id, &out), RG_VERIFY_OK);
    free(out);
    ck_assert_int_eq(rg_store_log_event(st, id, NULL, "note", "after", NULL, &errs), 0);
    ck_assert_int_eq(verify(st, id, &out), RG_VERIFY_OK);
    free(out);
    rg_store_close(st);
    ck_assert_int_ge(raw_int(path, "SELECT count(*) FROM events WHERE detail LIKE 'note number%'"),
                     5);
    free(big);
    free(id);
    free(path);
}
END_TEST

/* ---- locks ---- */

START_TEST(lock_live_holder_refused)
{
    char *path = t_path("runs.db");
    rg_store *st = open_ok(path);
    char *id = begin_run(st, "tender");
    rg_errors errs = { 0 };
    ck_assert_int_eq(rg_store_run_finish(st, id, "waiting", &errs), 0); /* releases the lock */
    rg_store_close(st); /* a child must not inherit an open handle */
    int up[2], down[2];
    ck_assert_int_eq(pipe(up), 0);
    ck_assert_int_eq(pipe(down), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        rg_errors e2 = { 0 };
        rg_store *c = rg_store_open(path, &e2);
        char ok = c && rg_store_lock_run(c, id, NULL, &e2) == 0 ? 'y' : 'n';
        rg_store_close(c);
        rg_err_free(&e2);
        if (write(up[1], &ok, 1) != 1) {
            _exit(2);
        }
        char x;
        close(down[1]);
        if (read(down[0], &x, 1) < 0) {
            _exit(3);
        }
        _exit(0);
    }
    close(up[1]);
    close(down[0]);
    char ok = 0;
    ck_assert_int_eq(read(up[0], &ok, 1), 1);
    ck_assert_int_eq(ok, 'y');
    st = open_ok(path);
    char *holder = NULL;
    ck_assert_int_eq(rg_store_lock_run(st, id, &holder, &errs), -1);
    char *want = rg_xasprintf("pid %ld on host ", (long)pid);
    ck_assert_ptr_nonnull(holder);
    ck_contains(holder, want);
    ck_errs_contain(&errs, want);
    ck_errs_contain(&errs, "still running");
    free(want);
    free(holder);
    rg_err_free(&errs);
    /* show names the holder too */
    cap c;
    ck_assert_int_eq(rg_store_show_run(st, id, cap_open(&c), &errs), 0);
    char *out = cap_close(&c);
    ck_contains(out, "locked by");
    free(out);
    close(down[1]);
    int wst;
    waitpid(pid, &wst, 0);
    ck_assert(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
    close(up[0]);
    rg_store_close(st);
    free(id);
    free(path);
}
END_TEST

START_TEST(lock_stale_taken_over)
{
    char *path = t_path("runs.db");
    rg_store *st = open_ok(path);
    char *id = begin_run(st, "tender");
    rg_errors errs = { 0 };
    /* held by this process: taking it again is fine */
    ck_assert_int_eq(rg_store_lock_run(st, id, NULL, &errs), 0);
    ck_assert_int_eq(rg_store_unlock_run(st, id, &errs), 0);
    rg_store_close(st); /* a child must not inherit an open handle */
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        rg_errors e2 = { 0 };
        rg_store *c = rg_store_open(path, &e2);
        int rc = c && rg_store_lock_run(c, id, NULL, &e2) == 0 ? 0 : 1;
        rg_store_close(c); /* exits holding the lock, like a crash */
        rg_err_free(&e2);
        _exit(rc);
    }
    int wst;
    waitpid(pid, &wst, 0);
    ck_assert(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
    ck_assert_int_eq(raw_int(path, "SELECT pid FROM locks"), pid);
    st = open_ok(path);
    char *holder = NULL;
    ck_assert_int_eq(rg_store_lock_run(st, id, &holder, &errs), 0);
    ck_assert_ptr_null(holder);
    ck_assert_uint_eq(errs.n, 0);
    ck_assert_int_eq(raw_int(path, "SELECT pid FROM locks"), getpid());
    cap c;
    ck_assert_int_eq(rg_store_print_log(st, id, cap_open(&c), &errs), 0);
    char *out = cap_close(&c);
    ck_contains(out, "lock_taken_over");
    char *want = rg_xasprintf("lock of pid %ld on host", (long)pid);
    ck_contains(out, want);
    ck_contains(out, "no longer runs");
    free(want);
    free(out);
    /* a lock of a pid that now belongs to another process is stale too */
    char upd[128];
    snprintf(upd, sizeof upd, "UPDATE locks SET pid = %ld, proc_start = '999999999999'",
             (long)getppid());
    raw_ok(path, upd);
    ck_assert_int_eq(rg_store_lock_run(st, id, NULL, &errs), 0);
    ck_assert_int_eq(raw_int(path, "SELECT pid FROM locks"), getpid());
    /* another machine's lock cannot be checked: refused */
    raw_ok(path, "UPDATE locks SET host = 'elsewhere.example'");
    ck_assert_int_eq(rg_store_lock_run(st, id, NULL, &errs), -1);
    ck_errs_contain(&errs, "on host elsewhere.example");
    ck_errs_contain(&errs, "another machine");
    rg_err_free(&errs);
    rg_store_close(st);
    free(id);
    free(path);
}
END_TEST

/* ---- audit log ---- */

START_TEST(audit_chain_tamper)
{
    char *path = t_path("runs.db");
    rg_store *st = open_ok(path);
    char *runs[5];
    for (int i = 0; i < 5; i++) {
        runs[i] = begin_run(st, "tender");
        log_n(st, runs[i], 9); /* entries 2..10 */
    }
    rg_errors errs = { 0 };
    ck_assert_int_eq(rg_store_step_finish(st, runs[0], "rank", "done", 1, 0, 0, NULL, NULL, 0,
                                          &errs),
                     0); /* entry 11 */
    log_n(st, runs[0], 1);
    char *out;
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(verify(st, runs[i], &out), RG_VERIFY_OK);
        ck_contains(out, "chain intact");
        free(out);
    }
    raw_ok(path, "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete");
    char sql[512];
    /* an edited entry */
    snprintf(sql, sizeof sql,
             "UPDATE events SET detail = 'step rank: done after 1 attempt (edited)' WHERE "
             "run_id = '%s' AND seq = 11",
             runs[0]);
    raw_ok(path, sql);
    ck_assert_int_eq(verify(st, runs[0], &out), RG_VERIFY_BROKEN);
    ck_contains(out, "entry 11 (step_finished: step rank: done");
    ck_contains(out, "content does not match its hash");
    free(out);
    /* a deleted entry */
    snprintf(sql, sizeof sql, "DELETE FROM events WHERE run_id = '%s' AND seq = 5", runs[1]);
    raw_ok(path, sql);
    ck_assert_int_eq(verify(st, runs[1], &out), RG_VERIFY_BROKEN);
    ck_contains(out, "entry 5 missing: sequence jumps from 4 to 6");
    free(out);
    /* two entries swapped */
    snprintf(sql, sizeof sql,
             "UPDATE events SET seq = -1 WHERE run_id = '%1$s' AND seq = 5;"
             "UPDATE events SET seq = 5 WHERE run_id = '%1$s' AND seq = 6;"
             "UPDATE events SET seq = 6 WHERE run_id = '%1$s' AND seq = -1",
             runs[2]);
    raw_ok(path, sql);
    ck_assert_int_eq(verify(st, runs[2], &out), RG_VERIFY_BROKEN);
    ck_contains(out, "entry 5 does not chain from entry 4");
    ck_contains(out, "reordered");
    free(out);
    /* the end cut off */
    snprintf(sql, sizeof sql, "DELETE FROM events WHERE run_id = '%s' AND seq >= 9", runs[3]);
    raw_ok(path, sql);
    ck_assert_int_eq(verify(st, runs[3], &out), RG_VERIFY_BROKEN);
    ck_contains(out, "entries 9 to 10 missing at the end");
    free(out);
    /* a replaced hash */
    snprintf(sql, sizeof sql,
             "UPDATE events SET hash = (SELECT hash FROM events WHERE run_id = '%1$s' AND seq = "
             "3) WHERE run_id = '%1$s' AND seq = 7",
             runs[4]);
    raw_ok(path, sql);
    ck_assert_int_eq(verify(st, runs[4], &out), RG_VERIFY_BROKEN);
    ck_contains(out, "entry 7 (note: note number 6): content does not match its hash");
    free(out);
    free(runs[4]);
    /* the documented hash is the stored one; an entry edited by someone who
     * recomputes its hash breaks the link to the next entry */
    runs[4] = begin_run(st, "tender");
    log_n(st, runs[4], 9);
    snprintf(sql, sizeof sql,
             "SELECT prev_hash || '|' || run_id || '|' || time || '|' || who || '|' || what || "
             "'|' || '|' || hashes || '|' || hash FROM events WHERE run_id = '%s' AND seq = 7",
             runs[4]);
    char *row = raw_text(path, sql);
    char *fld[8];
    char *p = row;
    for (int i = 0; i < 8; i++) {
        fld[i] = p;
        p = strchr(p, '|');
        if (p) {
            *p++ = 0;
        }
    }
    const char *orig[6] = { fld[1], fld[2], fld[3], fld[4], "note number 6", fld[6] };
    char h[65];
    doc_hash(fld[0], orig, h);
    ck_assert_str_eq(h, fld[7]);
    const char *forged[6] = { fld[1], fld[2], fld[3], fld[4], "note number 666", fld[6] };
    doc_hash(fld[0], forged, h);
    snprintf(sql, sizeof sql,
             "UPDATE events SET detail = 'note number 666', hash = '%s' WHERE run_id = '%s' AND "
             "seq = 7",
             h, runs[4]);
    raw_ok(path, sql);
    free(row);
    ck_assert_int_eq(verify(st, runs[4], &out), RG_VERIFY_BROKEN);
    ck_contains(out, "entry 8 does not chain from entry 7");
    free(out);
    /* the untouched runs are still intact? (runs are independent) */
    char *fresh = begin_run(st, "tender");
    log_n(st, fresh, 3);
    ck_assert_int_eq(verify(st, fresh, &out), RG_VERIFY_OK);
    free(out);
    ck_assert_int_eq(verify(st, "nope", &out), RG_VERIFY_ERROR);
    free(out);
    free(fresh);
    for (int i = 0; i < 5; i++) {
        free(runs[i]);
    }
    rg_store_close(st);
    rg_err_free(&errs);
    free(path);
}
END_TEST

START_TEST(audit_append_only)
{
    char *path = t_path("runs.db");
    rg_store *st = open_ok(path);
    char *id = begin_run(st, "tender");
    log_n(st, id, 3);
    char *e = raw_sql(path, "UPDATE events SET detail = 'x' WHERE seq = 2");
    ck_assert_ptr_nonnull(e);
    ck_contains(e, "append-only");
    free(e);
    e = raw_sql(path, "DELETE FROM events WHERE seq = 2");
    ck_assert_ptr_nonnull(e);
    ck_contains(e, "append-only");
    free(e);
    ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM events"), 4);
    char *out;
    ck_assert_int_eq(verify(st, id, &out), RG_VERIFY_OK);
    ck_contains(out, "4 log entries, chain intact");
    free(out);
    rg_store_close(st);
    free(id);
    free(path);
}
END_TEST

/* ---- evidence bundle ---- */

/* A finished run with a definition file, an input and two outputs. */
static char *make_run(rg_store *st, const char *outdir)
{
    rg_errors errs = { 0 };
    char *def = t_write(t_dir, "wf/tender.ini", "[workflow]\nname = tender\n");
    char *script = t_write(t_dir, "wf/rank.lua", "return {}\n");
    char *in = t_write(t_dir, "data/bids.csv", "id,rate\n1,2\n");
    char *o1 = t_write(outdir, "ranking.csv", "id,rank\n1,1\n");
    char *o2 = t_write(outdir, "letters/letter-1.txt", "Dear bidder,\n");
    char h[5][65];
    ck_assert_int_eq(rg_sha256_file(def, h[0]), 0);
    ck_assert_int_eq(rg_sha256_file(script, h[1]), 0);
    ck_assert_int_eq(rg_sha256_file(in, h[2]), 0);
    ck_assert_int_eq(rg_sha256_file(o1, h[3]), 0);
    ck_assert_int_eq(rg_sha256_file(o2, h[4]), 0);
    char *id = NULL;
    ck_assert_int_eq(rg_store_run_begin(st, "tender", def, h[0], "bids=data/bids.csv", "alice",
                                        outdir, &id, &errs),
                     0);
    ck_assert_int_eq(rg_store_add_definition_file(st, id, def, h[0], &errs), 0);
    ck_assert_int_eq(rg_store_add_definition_file(st, id, script, h[1], &errs), 0);
    ck_assert_int_eq(rg_store_add_input(st, id, "bids", in, 12, h[2], &errs), 0);
    ck_assert_int_eq(rg_store_step_start(st, id, "rank", 1, &errs), 0);
    rg_store_output outs[] = { { "ranking.csv", h[3] }, { "letters/letter-1.txt", h[4] } };
    ck_assert_int_eq(rg_store_step_finish(st, id, "rank", "done", 1, 0, 0, NULL, outs, 2, &errs),
                     0);
    ck_assert_int_eq(rg_store_run_finish(st, id, "done", &errs), 0);
    ck_assert_uint_eq(errs.n, 0);
    free(def);
    free(script);
    free(in);
    free(o1);
    free(o2);
    return id;
}

/* Replace the first occurrence of `from` in a file by `to`. */
static void edit_file(const char *path, const char *from, const char *to)
{
    char *s = t_read(path);
    ck_assert_ptr_nonnull(s);
    char *p = strstr(s, from);
    ck_assert_msg(p != NULL, "%s not in %s", from, path);
    rg_buf b = { 0 };
    rg_buf_put(&b, s, (size_t)(p - s));
    rg_buf_puts(&b, to);
    rg_buf_puts(&b, p + strlen(from));
    FILE *f = fopen(path, "wb");
    fputs(b.data, f);
    fclose(f);
    rg_buf_free(&b);
    free(s);
}

START_TEST(export_and_bundle_verify)
{
    char *path = t_path("runs.db");
    char *outdir = t_path("out");
    rg_store *st = open_ok(path);
    char *id = make_run(st, outdir);
    rg_errors errs = { 0 };
    char *b1 = t_path("bundle1");
    ck_assert_int_eq(rg_store_export(st, id, NULL, b1, &errs), 0);
    ck_assert_uint_eq(errs.n, 0);
    char *m = rg_xasprintf("%s/manifest.txt", b1);
    char *manifest = t_read(m);
    ck_assert_ptr_nonnull(manifest);
    ck_contains(manifest, "  outputs/ranking.csv\n");
    ck_contains(manifest, "  outputs/letters/letter-1.txt\n");
    ck_contains(manifest, "  inputs/bids/bids.csv\n");
    ck_contains(manifest, "/wf/tender.ini\n");
    ck_contains(manifest, "  log.jsonl\n");
    ck_contains(manifest, "  bundle.txt\n");
    ck_contains(manifest, "  run.txt\n");
    free(manifest);
    free(m);
    char *out;
    ck_assert_int_eq(bundle_verify(b1, &out), RG_VERIFY_OK);
    ck_contains(out, "intact");
    free(out);
    /* the manifest is sha256sum's format */
    if (system("command -v sha256sum >/dev/null 2>&1") == 0) {
        char *cmd = rg_xasprintf("cd '%s' && sha256sum --quiet -c manifest.txt", b1);
        ck_assert_int_eq(system(cmd), 0);
        free(cmd);
    }
    /* a changed file is named */
    char *o = rg_xasprintf("%s/outputs/ranking.csv", b1);
    edit_file(o, "1,1", "1,2");
    ck_assert_int_eq(bundle_verify(b1, &out), RG_VERIFY_BROKEN);
    ck_contains(out, "outputs/ranking.csv: changed");
    free(out);
    /* ... even when the manifest is "fixed" too: the log has the real hash */
    char real[65], now[65];
    ck_assert_int_eq(rg_sha256_file(o, now), 0);
    rg_sha256_buf("id,rank\n1,1\n", 12, real);
    m = rg_xasprintf("%s/manifest.txt", b1);
    edit_file(m, real, now);
    ck_assert_int_eq(bundle_verify(b1, &out), RG_VERIFY_BROKEN);
    ck_assert(strstr(out, "ranking.csv: changed") == NULL);
    ck_contains(out, "outputs/ranking.csv: its sha256");
    ck_contains(out, "is not in the log");
    free(out);
    free(m);
    free(o);

    /* an edited log line is named with its line and entry */
    char *b2 = t_path("bundle2");
    ck_assert_int_eq(rg_store_export(st, id, NULL, b2, &errs), 0);
    char *l = rg_xasprintf("%s/log.jsonl", b2);
    edit_file(l, "\"detail\":\"bids: ", "\"detail\":\"BIDS: ");
    ck_assert_int_eq(bundle_verify(b2, &out), RG_VERIFY_BROKEN);
    ck_contains(out, "log.jsonl: changed");
    ck_contains(out, "log.jsonl:4: entry 4 (input: BIDS: ");
    ck_contains(out, "content does not match its hash");
    free(out);
    free(l);
    /* an added file is named */
    char *b3 = t_path("bundle3");
    ck_assert_int_eq(rg_store_export(st, id, NULL, b3, &errs), 0);
    free(t_write(b3, "outputs/extra.csv", "x\n"));
    ck_assert_int_eq(bundle_verify(b3, &out), RG_VERIFY_BROKEN);
    ck_contains(out, "outputs/extra.csv: not listed in manifest.txt");
    free(out);
    ck_assert_uint_eq(errs.n, 0);

    /* export refuses a non-empty directory and files changed since the run */
    ck_assert_int_eq(rg_store_export(st, id, NULL, b1, &errs), -1);
    ck_errs_contain(&errs, "not empty");
    rg_err_free(&errs);
    char *src = rg_xasprintf("%s/ranking.csv", outdir);
    edit_file(src, "1,1", "9,9");
    char *b4 = t_path("bundle4");
    ck_assert_int_eq(rg_store_export(st, id, NULL, b4, &errs), -1);
    ck_errs_contain(&errs, "output ranking.csv of step rank");
    ck_errs_contain(&errs, "changed since the run");
    ck_assert_int_eq(access(b4, F_OK), -1); /* nothing written */
    rg_err_free(&errs);
    /* not a bundle */
    ck_assert_int_eq(rg_bundle_verify(t_dir, stdout, &errs), RG_VERIFY_ERROR);
    ck_errs_contain(&errs, "manifest.txt");
    rg_err_free(&errs);
    free(b4);
    free(src);
    free(b1);
    free(b2);
    free(b3);
    rg_store_close(st);
    free(id);
    free(outdir);
    free(path);
}
END_TEST

START_TEST(verify_checks_outputs_on_disk)
{
    char *path = t_path("runs.db");
    char *outdir = t_path("out");
    rg_store *st = open_ok(path);
    char *id = make_run(st, outdir);
    char *out;
    ck_assert_int_eq(verify(st, id, &out), RG_VERIFY_OK);
    ck_contains(out, "chain intact");
    ck_contains(out, "2 recorded outputs unchanged");
    free(out);
    /* an output edited after the run: the log is intact, the file is not */
    char *src = rg_xasprintf("%s/ranking.csv", outdir);
    edit_file(src, "1,1", "1,2");
    ck_assert_int_eq(verify(st, id, &out), RG_VERIFY_BROKEN);
    ck_contains(out, "chain intact");
    ck_contains(out, "output ranking.csv of step rank");
    ck_contains(out, "changed since the run (recorded sha256 ");
    ck_contains(out, "1 of 2 recorded outputs changed or missing");
    ck_assert(strstr(out, "letter-1.txt") == NULL);
    free(out);
    /* one removed is named as missing */
    char *letter = rg_xasprintf("%s/letters/letter-1.txt", outdir);
    ck_assert_int_eq(unlink(letter), 0);
    ck_assert_int_eq(verify(st, id, &out), RG_VERIFY_BROKEN);
    ck_contains(out, "output letters/letter-1.txt of step rank");
    ck_contains(out, "missing");
    ck_contains(out, "2 of 2 recorded outputs changed or missing");
    free(out);
    /* both back as they were */
    edit_file(src, "1,2", "1,1");
    free(t_write(outdir, "letters/letter-1.txt", "Dear bidder,\n"));
    ck_assert_int_eq(verify(st, id, &out), RG_VERIFY_OK);
    free(out);
    free(letter);
    free(src);
    rg_store_close(st);
    free(id);
    free(outdir);
    free(path);
}
END_TEST

START_TEST(jobs_recorded_and_v1_upgraded)
{
    char *path = t_path("runs.db");
    rg_store *st = open_ok(path);
    char *id = begin_run(st, "tender");
    rg_errors errs = { 0 };
    rg_store_run r;
    ck_assert_int_eq(rg_store_run_get(st, id, &r, &errs), 0);
    ck_assert_int_eq(r.jobs, 0);
    rg_store_run_clear(&r);
    ck_assert_int_eq(rg_store_run_set_jobs(st, id, 3, &errs), 0);
    ck_assert_int_eq(rg_store_run_get(st, id, &r, &errs), 0);
    ck_assert_int_eq(r.jobs, 3);
    rg_store_run_clear(&r);
    ck_assert_int_eq(rg_store_run_set_jobs(st, "nope", 3, &errs), -1);
    ck_errs_contain(&errs, "no run \"nope\"");
    rg_err_free(&errs);
    rg_store_close(st);
    /* a store of schema version 1 (no jobs, no read hashes, no output versions) is upgraded in place */
    raw_ok(path, "ALTER TABLE runs DROP COLUMN jobs; ALTER TABLE steps DROP COLUMN reads_sha256; "
                 "DROP TABLE output_versions; ALTER TABLE waits DROP COLUMN resolved_os_user; "
                 "PRAGMA user_version = 1");
    st = open_ok(path);
    ck_assert_int_eq(raw_int(path, "PRAGMA user_version"), RG_STORE_SCHEMA_VERSION);
    ck_assert_int_eq(rg_store_run_get(st, id, &r, &errs), 0);
    ck_assert_int_eq(r.jobs, 0);
    ck_assert_str_eq(r.workflow, "tender");
    rg_store_run_clear(&r);
    ck_assert_int_eq(rg_store_run_set_jobs(st, id, 2, &errs), 0);
    rg_store_close(st);
    ck_assert_int_eq(raw_int(path, "SELECT jobs FROM runs"), 2);
    free(id);
    free(path);
}
END_TEST

START_TEST(sync_full_fsyncs_directories)
{
    /* a renamed file, and each folder made for it, is only there after a
     * power cut once the directory holding its name is synced too */
    char *file = t_path("a/b/c.txt");
    int was = rg_sync_writes;
    rg_sync_writes = 0;
    unsigned long before = rg_dir_syncs;
    ck_assert_int_eq(rg_write_file_atomic(file, "x\n", 2), 0);
    ck_assert_uint_eq(rg_dir_syncs, before); /* sync = normal: none */
    char *other = t_path("d/e/f.txt");
    rg_sync_writes = 1;
    ck_assert_int_eq(rg_write_file_atomic(other, "x\n", 2), 0);
    ck_assert_uint_eq(rg_dir_syncs, before + 3); /* d made, e made, f.txt renamed into e */
    ck_assert_int_eq(rg_write_file_atomic(other, "y\n", 2), 0);
    ck_assert_uint_eq(rg_dir_syncs, before + 4); /* only the rename */
    rg_afile f;
    ck_assert_int_eq(rg_afile_open(&f, file), 0);
    ck_assert_int_eq(rg_afile_write(&f, "z\n", 2), 0);
    ck_assert_int_eq(rg_afile_commit(&f), 0);
    ck_assert_uint_eq(rg_dir_syncs, before + 5);
    rg_sync_writes = was;
    char *got = t_read(file);
    ck_assert_str_eq(got, "z\n");
    free(got);
    free(other);
    free(file);
}
END_TEST

/* A definition file found after the run started joins the definition in
 * one transaction with the hash recomputed over all of it (sorted by
 * name), and the log says so; a bad entry changes nothing. */
START_TEST(definition_later_rehashes)
{
    char *path = t_path("runs.db");
    rg_store *st = open_ok(path);
    char *id = begin_run(st, "tender");
    rg_errors errs = { 0 };
    char a[65], b[65], c[65];
    rg_sha256_buf("a", 1, a);
    rg_sha256_buf("b", 1, b);
    rg_sha256_buf("c", 1, c);
    ck_assert_int_eq(rg_store_add_definition_file(st, id, "/wf/w.ini", a, &errs), 0);
    ck_assert_int_eq(rg_store_add_definition_item(st, id, "plugin noop 1.0", b, &errs), 0);
    char *bad[] = { "/wf/lib/x.lua" }, *badsha[] = { "nothex" };
    ck_assert_int_eq(rg_store_add_definition_later(st, id, bad, badsha, 1, "x", &errs), -1);
    rg_err_free(&errs);
    char *paths[] = { "/wf/lib/m.lua" }, *shas[] = { c };
    ck_assert_int_eq(rg_store_add_definition_later(st, id, paths, shas, 1, "loaded by step s",
                                                   &errs),
                     0);
    rg_store_run r;
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(rg_store_run_get(st, id, &r, &errs), 0);
    /* by hand: "/wf/lib/m.lua" < "/wf/w.ini" < "plugin noop 1.0" */
    rg_sha256 *h = rg_sha256_new();
    rg_sha256_add(h, "/wf/lib/m.lua", 14);
    rg_sha256_add(h, c, 64);
    rg_sha256_add(h, "/wf/w.ini", 10);
    rg_sha256_add(h, a, 64);
    rg_sha256_add(h, "plugin noop 1.0", 16);
    rg_sha256_add(h, b, 64);
    char want[65];
    rg_sha256_finish(h, want);
    ck_assert_str_eq(r.definition_hash, want);
    rg_store_run_clear(&r);
    char **dp, **ds;
    size_t n;
    ck_assert_int_eq(rg_store_definition(st, id, &dp, &ds, &n, &errs), 0);
    ck_assert_uint_eq(n, 3);
    char got[65];
    rg_definition_hash(dp, ds, n, got);
    ck_assert_str_eq(got, want);
    rg_store_outputs_free(dp, ds, n);
    cap cp;
    ck_assert_int_eq(rg_store_print_log(st, id, cap_open(&cp), &errs), 0);
    char *out = cap_close(&cp);
    ck_contains(out, "definition_hash");
    ck_contains(out, "the definition hash covers 3 entries: /wf/lib/m.lua added, loaded by step s");
    ck_assert(strstr(out, "x.lua") == NULL);
    free(out);
    /* the same module again (another worker loaded it too): listed
     * already, so nothing is changed or logged */
    char d[65];
    rg_sha256_buf("d", 1, d);
    char *again_sha[] = { d };
    ck_assert_int_eq(rg_store_add_definition_later(st, id, paths, again_sha, 1, "loaded by step t",
                                                   &errs),
                     0);
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(rg_store_run_get(st, id, &r, &errs), 0);
    ck_assert_str_eq(r.definition_hash, want);
    rg_store_run_clear(&r);
    ck_assert_int_eq(rg_store_print_log(st, id, cap_open(&cp), &errs), 0);
    out = cap_close(&cp);
    const char *first = strstr(out, "/wf/lib/m.lua");
    ck_assert_ptr_nonnull(first);
    ck_assert_msg(strstr(out, "loaded by step t") == NULL, "%s", out);
    size_t nm = 0;
    for (const char *p = out; (p = strstr(p, "definition_file")); p++) {
        nm++;
    }
    ck_assert_uint_eq(nm, 2); /* /wf/w.ini and /wf/lib/m.lua, once each */
    free(out);
    ck_assert_int_eq(verify(st, id, &out), RG_VERIFY_OK);
    free(out);
    ck_assert_uint_eq(errs.n, 0);
    rg_store_close(st);
    free(id);
    free(path);
}
END_TEST

/* ---- human tasks ---- */

START_TEST(four_eyes)
{
    char *path = t_path("runs.db");
    rg_store *st = open_ok(path);
    char *id = begin_run(st, "tender");
    rg_errors errs = { 0 };
    ck_assert_int_eq(rg_store_wait_add(st, id, "approve", "approval", "approve the ranking", NULL,
                                       "alice", &errs),
                     0);
    ck_assert_int_eq(rg_store_wait_state(st, id, "approve", NULL, NULL, &errs), 1);
    ck_assert_int_eq(rg_store_wait_resolve(st, id, "approve", " Alice ", "fine", &errs), -1);
    ck_errs_contain(&errs, "four-eyes rule: Alice may not approve step approve");
    ck_errs_contain(&errs, "someone other than alice");
    rg_err_free(&errs);
    ck_assert_int_eq(rg_store_wait_resolve(st, id, "approve", "", NULL, &errs), -1);
    rg_err_free(&errs);
    ck_assert_int_eq(rg_store_wait_state(st, id, "approve", NULL, NULL, &errs), 1);
    ck_assert_int_eq(rg_store_wait_resolve(st, id, "approve", "bob", "checked twice", &errs), 0);
    char *by = NULL, *note = NULL;
    ck_assert_int_eq(rg_store_wait_state(st, id, "approve", &by, &note, &errs), 2);
    ck_assert_str_eq(by, "bob");
    ck_assert_str_eq(note, "checked twice");
    free(by);
    free(note);
    ck_assert_int_eq(rg_store_wait_resolve(st, id, "approve", "carol", NULL, &errs), -1);
    ck_errs_contain(&errs, "not waiting");
    rg_err_free(&errs);
    ck_assert_int_eq(rg_store_wait_add(st, id, "x", "input", "x", NULL, "alice", &errs), -1);
    ck_errs_contain(&errs, "approvals only");
    rg_err_free(&errs);
    ck_assert_int_eq(rg_store_wait_add(st, id, "x", "coffee", "x", NULL, NULL, &errs), -1);
    ck_errs_contain(&errs, "unknown kind of wait \"coffee\"");
    rg_err_free(&errs);
    cap c;
    ck_assert_int_eq(rg_store_print_log(st, id, cap_open(&c), &errs), 0);
    char *out = cap_close(&c);
    ck_contains(out, "approved");
    ck_contains(out, "bob");
    free(out);
    ck_assert_int_eq(verify(st, id, &out), RG_VERIFY_OK);
    free(out);
    rg_store_close(st);
    free(id);
    free(path);
}
END_TEST

typedef struct due_seen {
    int n;
    char steps[256];
} due_seen;

static void on_due(void *ud, const rg_store_wait *w)
{
    due_seen *d = ud;
    d->n++;
    strncat(d->steps, w->step, sizeof d->steps - strlen(d->steps) - 2);
    strcat(d->steps, ",");
    ck_assert_str_eq(w->workflow, "tender");
}

START_TEST(waits_list_and_due)
{
    char *path = t_path("runs.db");
    rg_store *st = open_ok(path);
    char *id = begin_run(st, "tender");
    rg_errors errs = { 0 };
    cap c;
    ck_assert_int_eq(rg_store_wait_list(st, cap_open(&c), &errs), 0);
    free(cap_close(&c));
    ck_assert_int_eq(rg_store_wait_add(st, id, "upload", "input", "the signed contract", NULL,
                                       NULL, &errs),
                     0);
    ck_assert_int_eq(rg_store_wait_add(st, id, "objection", "timer", "objection period ends",
                                       "2026-01-10", NULL, &errs),
                     0);
    ck_assert_int_eq(rg_store_wait_add(st, id, "approve", "approval", "approve the award",
                                       "2026-02-01", "alice", &errs),
                     0);
    /* adding an open wait again changes nothing */
    ck_assert_int_eq(rg_store_wait_add(st, id, "upload", "input", "the signed contract", NULL,
                                       NULL, &errs),
                     0);
    ck_assert_int_eq(rg_store_wait_add(st, id, "t", "timer", "no date", NULL, NULL, &errs), -1);
    rg_err_free(&errs);
    ck_assert_int_eq(rg_store_wait_list(st, cap_open(&c), &errs), 3);
    char *out = cap_close(&c);
    ck_contains(out, id);
    ck_contains(out, "the signed contract");
    ck_contains(out, "objection period ends");
    ck_contains(out, "approve the award (four eyes: not by alice)");
    ck_contains(out, "SINCE");
    ck_contains(out, "2026-01-10");
    free(out);
    due_seen d = { 0, "" };
    ck_assert_int_eq(rg_store_waits_due(st, "2026-01-09", on_due, &d, &errs), 0);
    ck_assert_int_eq(rg_store_waits_due(st, "2026-01-15", on_due, &d, &errs), 1);
    ck_assert_str_eq(d.steps, "objection,");
    d = (due_seen){ 0, "" };
    ck_assert_int_eq(rg_store_waits_due(st, "2026-03-01", on_due, &d, &errs), 2);
    ck_assert_str_eq(d.steps, "objection,approve,");
    ck_assert_int_eq(rg_store_wait_resolve(st, id, "objection", "regie", "date passed", &errs), 0);
    d = (due_seen){ 0, "" };
    ck_assert_int_eq(rg_store_waits_due(st, "2026-03-01", on_due, &d, &errs), 1);
    ck_assert_int_eq(rg_store_wait_list(st, cap_open(&c), &errs), 2);
    free(cap_close(&c));
    ck_assert_uint_eq(errs.n, 0);
    rg_store_close(st);
    free(id);
    free(path);
}
END_TEST

/* A wait closed without an answer: no longer open or listed, counts as
 * no wait (an approval closed is not an approval), cannot be resolved,
 * and a new one can be opened for the step. */
START_TEST(wait_closed_is_not_answered)
{
    char *path = t_path("runs.db");
    rg_store *st = open_ok(path);
    char *id = begin_run(st, "tender");
    rg_errors errs = { 0 };
    ck_assert_int_eq(rg_store_wait_close(st, id, "approve", "nothing open", &errs), 0);
    ck_assert_int_eq(rg_store_wait_add(st, id, "approve", "approval", "approve the award", NULL,
                                       NULL, &errs),
                     0);
    ck_assert_int_eq(rg_store_wait_add(st, id, "upload", "input", "the contract", NULL, NULL,
                                       &errs),
                     0);
    char **open;
    size_t n;
    ck_assert_int_eq(rg_store_waits_open(st, id, &open, &n, &errs), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(open[0], "approve");
    rg_strv_free(open, n);
    ck_assert_int_eq(rg_store_wait_close(st, id, "approve", "skipped: when big is false", &errs),
                     1);
    char *by = (char *)"x", *note = (char *)"x";
    ck_assert_int_eq(rg_store_wait_state(st, id, "approve", &by, &note, &errs), 0);
    ck_assert_ptr_null(by);
    ck_assert_ptr_null(note);
    ck_assert_int_eq(rg_store_wait_resolve(st, id, "approve", "bob", NULL, &errs), -1);
    ck_errs_contain(&errs, "not waiting");
    rg_err_free(&errs);
    ck_assert_int_eq(rg_store_waits_open(st, id, &open, &n, &errs), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(open[0], "upload");
    rg_strv_free(open, n);
    cap c;
    ck_assert_int_eq(rg_store_wait_list(st, cap_open(&c), &errs), 1);
    char *out = cap_close(&c);
    ck_assert(strstr(out, "approve the award") == NULL);
    free(out);
    ck_assert_int_eq(rg_store_show_run(st, id, cap_open(&c), &errs), 0);
    out = cap_close(&c);
    ck_contains(out, "(closed)");
    ck_contains(out, "skipped: when big is false");
    free(out);
    ck_assert_int_eq(rg_store_print_log(st, id, cap_open(&c), &errs), 0);
    out = cap_close(&c);
    ck_contains(out, "wait_closed");
    ck_contains(out, "step approve: approval (approve the award) closed without an answer: "
                     "skipped: when big is false");
    free(out);
    /* asked again later: a new wait, answered as any other */
    ck_assert_int_eq(rg_store_wait_add(st, id, "approve", "approval", "approve the award", NULL,
                                       NULL, &errs),
                     0);
    ck_assert_int_eq(rg_store_wait_state(st, id, "approve", NULL, NULL, &errs), 1);
    ck_assert_int_eq(rg_store_wait_resolve(st, id, "approve", "bob", NULL, &errs), 0);
    ck_assert_int_eq(rg_store_wait_state(st, id, "approve", NULL, NULL, &errs), 2);
    ck_assert_int_eq(verify(st, id, &out), RG_VERIFY_OK);
    free(out);
    ck_assert_uint_eq(errs.n, 0);
    /* rejected: refused without a name or an open approval; then state 3
     * with who and why, logged, and verify agrees */
    ck_assert_int_eq(rg_store_wait_add(st, id, "approve", "approval", "approve the award", NULL,
                                       NULL, &errs),
                     0);
    ck_assert_int_eq(rg_store_wait_reject(st, id, "approve", " . ", "no", &errs), -1);
    ck_assert_uint_eq(errs.n, 1);
    ck_contains(errs.msg[0], "rejecting step approve of run");
    rg_err_free(&errs);
    ck_assert_int_eq(rg_store_wait_reject(st, id, "other", "carol", "no", &errs), -1);
    ck_contains(errs.msg[0], "step other of run");
    ck_contains(errs.msg[0], "waits for no approval");
    rg_err_free(&errs);
    ck_assert_int_eq(rg_store_wait_reject(st, id, "approve", "carol", "the price\nis wrong", &errs),
                     0);
    by = NULL;
    note = NULL;
    ck_assert_int_eq(rg_store_wait_state(st, id, "approve", &by, &note, &errs), 3);
    ck_assert_str_eq(by, "carol");
    ck_assert_str_eq(note, "the price\nis wrong");
    free(by);
    free(note);
    ck_assert_int_eq(rg_store_wait_reject(st, id, "approve", "carol", NULL, &errs), -1);
    rg_err_free(&errs);
    ck_assert_int_eq(rg_store_print_log(st, id, cap_open(&c), &errs), 0);
    out = cap_close(&c);
    ck_contains(out, "step approve: approval (approve the award) rejected by carol (os user ");
    ck_contains(out, "): the price is wrong");
    free(out);
    ck_assert_int_eq(verify(st, id, &out), RG_VERIFY_OK);
    free(out);
    /* a rejection the table turned into an approval is caught */
    raw_ok(path, "UPDATE waits SET rejected = 0 WHERE rejected = 1");
    ck_assert_int_eq(verify(st, id, &out), RG_VERIFY_BROKEN);
    ck_contains(out, "rejected");
    free(out);
    ck_assert_uint_eq(errs.n, 0);
    rg_store_close(st);
    free(id);
    free(path);
}
END_TEST

/* ---- several processes ---- */

START_TEST(concurrent_writers)
{
    /* 4 processes create the same new store at once, each begins a run and
     * appends 200 entries to it */
    enum { NCHILD = 4, NEVENTS = 200 };
    char *path = t_path("new/runs.db");
    pid_t pids[NCHILD];
    for (int i = 0; i < NCHILD; i++) {
        pids[i] = fork();
        ck_assert_int_ge(pids[i], 0);
        if (pids[i] == 0) {
            rg_errors e = { 0 };
            rg_store *c = rg_store_open(path, &e);
            char *id = NULL;
            int bad = !c || rg_store_run_begin(c, "tender", NULL, NULL, NULL, "child", NULL, &id,
                                               &e) != 0;
            for (int k = 0; !bad && k < NEVENTS; k++) {
                char d[64];
                snprintf(d, sizeof d, "child %d event %d", i, k);
                bad = rg_store_log_event(c, id, NULL, "note", d, NULL, &e) != 0;
            }
            bad = bad || rg_store_run_finish(c, id, "done", &e) != 0;
            if (bad) {
                rg_err_print(&e, stderr);
            }
            free(id);
            rg_store_close(c);
            rg_err_free(&e);
            _exit(bad);
        }
    }
    for (int i = 0; i < NCHILD; i++) {
        int wst;
        waitpid(pids[i], &wst, 0);
        ck_assert_msg(WIFEXITED(wst) && WEXITSTATUS(wst) == 0, "child %d failed", i);
    }
    ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM runs WHERE status = 'done'"), NCHILD);
    ck_assert_int_eq(raw_int(path, "SELECT count(DISTINCT id) FROM runs"), NCHILD);
    ck_assert_int_eq(raw_int(path, "SELECT count(*) FROM events"), NCHILD * (NEVENTS + 2));
    rg_store *st = open_ok(path);
    sqlite3 *db = rg_store_handle(st);
    sqlite3_stmt *s;
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT id FROM runs", -1, &s, NULL), SQLITE_OK);
    int n = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        char *id = rg_xstrdup((const char *)sqlite3_column_text(s, 0));
        char *out;
        ck_assert_int_eq(verify(st, id, &out), RG_VERIFY_OK);
        ck_contains(out, "202 log entries, chain intact");
        free(out);
        free(id);
        n++;
    }
    sqlite3_finalize(s);
    ck_assert_int_eq(n, NCHILD);
    rg_store_close(st);
    char *ic = raw_text(path, "PRAGMA integrity_check");
    ck_assert_str_eq(ic, "ok");
    free(ic);
    free(path);
}
END_TEST

typedef struct thr_arg {
    rg_store *st;
    char *run;
    int bad;
} thr_arg;

static void *thr_main(void *p)
{
    thr_arg *a = p;
    rg_errors e = { 0 };
    for (int k = 0; k < 100 && !a->bad; k++) {
        char step[32];
        snprintf(step, sizeof step, "s%d", k);
        a->bad = rg_store_step_start(a->st, a->run, step, 1, &e) != 0 ||
                 rg_store_step_finish(a->st, a->run, step, "done", 1, 0, 0, NULL, NULL, 0, &e) != 0;
    }
    rg_err_free(&e);
    return NULL;
}

START_TEST(threads_share_a_handle)
{
    char *path = t_path("runs.db");
    rg_store *st = open_ok(path);
    thr_arg a[4];
    pthread_t t[4];
    char *shared = begin_run(st, "tender");
    for (int i = 0; i < 4; i++) {
        a[i] = (thr_arg){ st, i < 2 ? shared : begin_run(st, "tender"), 0 };
        ck_assert_int_eq(pthread_create(&t[i], NULL, thr_main, &a[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(a[i].bad, 0);
    }
    char *out;
    for (int i = 1; i < 4; i++) {
        ck_assert_int_eq(verify(st, a[i].run, &out), RG_VERIFY_OK);
        free(out);
    }
    ck_assert_int_eq(verify(st, shared, &out), RG_VERIFY_OK);
    ck_contains(out, "401 log entries"); /* two threads x 100 steps x 2 + run_started */
    free(out);
    for (int i = 2; i < 4; i++) {
        free(a[i].run);
    }
    free(shared);
    rg_store_close(st);
    free(path);
}
END_TEST

Suite *suite_store(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("store");
    tcase_add_checked_fixture(tc, t_dir_setup, t_dir_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, sha256_helpers);
    tcase_add_test(tc, open_create_migrate);
    tcase_add_test(tc, reopen_keeps_data);
    tcase_add_test(tc, foreign_sqlite_refused);
    tcase_add_test(tc, garbage_refused);
    tcase_add_test(tc, newer_schema_refused);
    tcase_add_test(tc, empty_path_refused);
    tcase_add_test(tc, run_lifecycle);
    tcase_add_test(tc, step_finish_atomic);
    tcase_add_test(tc, disk_full_rolls_back);
    tcase_add_test(tc, audit_chain_tamper);
    tcase_add_test(tc, audit_append_only);
    tcase_add_test(tc, export_and_bundle_verify);
    tcase_add_test(tc, verify_checks_outputs_on_disk);
    tcase_add_test(tc, jobs_recorded_and_v1_upgraded);
    tcase_add_test(tc, sync_full_fsyncs_directories);
    tcase_add_test(tc, four_eyes);
    tcase_add_test(tc, waits_list_and_due);
    tcase_add_test(tc, wait_closed_is_not_answered);
    tcase_add_test(tc, definition_later_rehashes);
    tcase_add_test(tc, threads_share_a_handle);
    tcase_add_test(tc, lock_live_holder_refused);
    tcase_add_test(tc, lock_stale_taken_over);
    tcase_add_test(tc, concurrent_writers);
    suite_add_tcase(s, tc);
    return s;
}
