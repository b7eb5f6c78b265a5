/* Anchoring end to end, with the real binary: a key pair, the head signed
 * at a wait, an approval and the run's end, the anchor file, and the attack
 * that edits an entry and recomputes the chain (in the store and in an
 * exported bundle): plain `verify` passes it, `verify --anchor` does not. */
#define _GNU_SOURCE
#include "store_db.h"
#include "testutil.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void new_key(const char *name)
{
    const char *argv[] = { "key", "new", name, NULL };
    int rc = t_run(argv);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
}

/* A run that waits for an approval, approved, then resumed to its end. */
static char *approved_run(const char *key)
{
    free(t_write(t_dir, "a.lua", "return { run = function() regie.write('a.txt', 'a\\n') end }\n"));
    free(t_write(t_dir, "w.ini",
                 "[workflow]\nname = signed\n"
                 "[step.a]\nscript = a.lua\n"
                 "[step.ok]\nwait = approval\nafter = a\n"));
    char *eng = t_asprintf("signing_key=%s", key);
    const char *run[] = { "run", "w.ini", "--db", "t.db", "--out", "out", "--engine", eng, NULL };
    int rc = t_run(run);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    char *id = t_only_run("t.db");
    const char *approve[] = { "approve", id, "ok", "--by", "bob", "--db", "t.db",
                              "--engine", eng, NULL };
    rc = t_run(approve);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    const char *resume[] = { "resume", id, "--db", "t.db", "--engine", eng, NULL };
    rc = t_run(resume);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    free(eng);
    return id;
}

/* The signed entries of the run, as "what" names in seq order. */
static char *signed_whats(const char *id)
{
    char *db = t_asprintf("%s/t.db", t_dir);
    sqlite3 *h;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_stmt *s;
    ck_assert_int_eq(sqlite3_prepare_v2(h,
                                        "SELECT e.what FROM signatures g JOIN events e ON "
                                        "e.run_id = g.run_id AND e.seq = g.seq WHERE g.run_id = "
                                        "? ORDER BY g.seq",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    rg_buf b = { 0 };
    while (sqlite3_step(s) == SQLITE_ROW) {
        rg_buf_printf(&b, "%s ", (const char *)sqlite3_column_text(s, 0));
    }
    sqlite3_finalize(s);
    sqlite3_close(h);
    free(db);
    return b.data ? b.data : strdup("");
}

/* The attack: drop the triggers, change who resumed the run (an
 * entry no table repeats), recompute every hash after it and the run's
 * head, as the documented formula says. */
static void edit_and_recompute(const char *id)
{
    char *db = t_asprintf("%s/t.db", t_dir);
    sqlite3 *h;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_stmt *s;
    sqlite3_prepare_v2(h, "SELECT name FROM sqlite_master WHERE type = 'trigger'", -1, &s, NULL);
    while (sqlite3_step(s) == SQLITE_ROW) {
        char *sql = t_asprintf("DROP TRIGGER \"%s\"", (const char *)sqlite3_column_text(s, 0));
        sqlite3_stmt *d;
        sqlite3_prepare_v2(h, sql, -1, &d, NULL);
        free(sql);
        sqlite3_reset(s);
        ck_assert_int_eq(sqlite3_step(d), SQLITE_DONE);
        sqlite3_finalize(d);
    }
    sqlite3_finalize(s);
    ck_assert_int_eq(sqlite3_prepare_v2(h,
                                        "SELECT seq, run_id, time, who, what, detail, hashes "
                                        "FROM events WHERE run_id = ? ORDER BY seq",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    char prev[65] = "", hash[65];
    int64_t n = 0;
    int edited = 0;
    sqlite3_stmt *u;
    ck_assert_int_eq(sqlite3_prepare_v2(h,
                                        "UPDATE events SET who = ?, prev_hash = ?, hash = ? "
                                        "WHERE run_id = ? AND seq = ?",
                                        -1, &u, NULL),
                     SQLITE_OK);
    sqlite3_exec(h, "BEGIN", NULL, NULL, NULL);
    while (sqlite3_step(s) == SQLITE_ROW) {
        rg_event e = { 0 };
        e.seq = sqlite3_column_int64(s, 0);
        e.run = strdup((const char *)sqlite3_column_text(s, 1));
        e.time = strdup((const char *)sqlite3_column_text(s, 2));
        e.what = strdup((const char *)sqlite3_column_text(s, 4));
        e.who = !edited && !strcmp(e.what, "run_resumed")
                    ? strdup("mallory")
                    : strdup((const char *)sqlite3_column_text(s, 3));
        edited = edited || !strcmp(e.who, "mallory");
        e.detail = strdup((const char *)sqlite3_column_text(s, 5));
        e.hashes = strdup((const char *)sqlite3_column_text(s, 6));
        rg_audit_rehash(id, e.seq == 1 ? NULL : prev, &e, hash);
        char *p = e.seq == 1 ? NULL : strdup(prev);
        if (e.seq == 1) {
            /* entry 1's prev stays the genesis value */
            sqlite3_stmt *g;
            sqlite3_prepare_v2(h, "SELECT prev_hash FROM events WHERE run_id = ? AND seq = 1",
                               -1, &g, NULL);
            sqlite3_bind_text(g, 1, id, -1, SQLITE_STATIC);
            ck_assert_int_eq(sqlite3_step(g), SQLITE_ROW);
            p = strdup((const char *)sqlite3_column_text(g, 0));
            sqlite3_finalize(g);
        }
        sqlite3_bind_text(u, 1, e.who, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(u, 2, p, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(u, 3, hash, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(u, 4, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(u, 5, e.seq);
        ck_assert_int_eq(sqlite3_step(u), SQLITE_DONE);
        sqlite3_reset(u);
        free(p);
        memcpy(prev, hash, sizeof prev);
        n = e.seq;
        rg_event_free(&e);
    }
    sqlite3_finalize(s);
    sqlite3_finalize(u);
    char *sql = t_asprintf("UPDATE runs SET log_entries = %lld, log_head = '%s' WHERE id = '%s'",
                           (long long)n, prev, id);
    ck_assert_int_eq(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    free(sql);
    ck_assert_int_eq(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    free(db);
}

START_TEST(key_new_makes_a_private_pair_once)
{
    new_key("k");
    T_CONTAINS(t_out, "k.pub");
    char *p = t_asprintf("%s/k", t_dir);
    struct stat sb;
    ck_assert_int_eq(stat(p, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0600);
    char *pub = t_asprintf("%s/k.pub", t_dir);
    char *text = t_read(pub);
    T_CONTAINS(text, "regie ed25519 public key 1\n");
    free(text);
    const char *again[] = { "key", "new", "k", NULL };
    ck_assert_int_eq(t_run(again), 2);
    T_CONTAINS(t_err, "already exists; not overwritten");
    free(p);
    free(pub);
}
END_TEST

START_TEST(head_signed_at_wait_approval_and_end)
{
    new_key("k");
    char *id = approved_run("k");
    char *w = signed_whats(id);
    /* the wait, the approval and each end of the run */
    T_CONTAINS(w, "waiting ");
    T_CONTAINS(w, "approved ");
    T_CONTAINS(w, "run_finished ");
    const char *an[] = { "anchor", id, "--db", "t.db", "--out", "a.txt", NULL };
    int rc = t_run(an);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    char *ap = t_asprintf("%s/a.txt", t_dir);
    char *text = t_read(ap);
    T_CONTAINS(text, "regie anchor 1\n");
    char *l = t_asprintf("run %s\n", id);
    T_CONTAINS(text, l);
    T_CONTAINS(text, "public_key ");
    T_CONTAINS(text, "signature ");
    const char *v[] = { "verify", id, "--db", "t.db", "--anchor", "a.txt", NULL };
    rc = t_run(v);
    ck_assert_msg(rc == 0, "exit %d: %s%s", rc, t_out, t_err);
    T_CONTAINS(t_out, "matches");
    /* the run's report names the run and the key that signs its trail */
    char *pubp = t_asprintf("%s/k.pub", t_dir);
    char *pub = t_read(pubp);
    ck_assert_ptr_nonnull(pub);
    char *hex = strchr(pub, '\n');
    ck_assert_ptr_nonnull(hex);
    hex[1 + strcspn(hex + 1, "\n")] = '\0';
    char *sump = t_asprintf("%s/out/run-summary.txt", t_dir);
    char *sum = t_read(sump);
    char *want = t_asprintf("run: %s\naudit trail signed with Ed25519 public key: %s\n", id, hex + 1);
    T_CONTAINS(sum, want);
    free(want);
    free(sum);
    free(sump);
    free(pub);
    free(pubp);
    free(l);
    free(text);
    free(ap);
    free(w);
    free(id);
}
END_TEST

START_TEST(edit_and_recompute_in_the_store_fails_the_anchor)
{
    new_key("k");
    char *id = approved_run("k");
    const char *an[] = { "anchor", id, "--db", "t.db", "--out", "a.txt", NULL };
    ck_assert_int_eq(t_run(an), 0);
    edit_and_recompute(id);
    const char *plain[] = { "verify", id, "--db", "t.db", NULL };
    int rc = t_run(plain);
    ck_assert_msg(rc == 0, "the recomputed chain passes plain verify: exit %d: %s", rc, t_out);
    const char *v[] = { "verify", id, "--db", "t.db", "--anchor", "a.txt", NULL };
    rc = t_run(v);
    ck_assert_msg(rc == 1, "exit %d: %s%s", rc, t_out, t_err);
    T_CONTAINS(t_out, "the anchor a.txt says");
    T_CONTAINS(t_out, "were changed");
    T_CONTAINS(t_out, "does not match the anchor a.txt");
    free(id);
}
END_TEST

/* A bundle's log.jsonl edited, its chain, bundle.txt, run.txt and
 * manifest.txt recomputed: `verify DIR` and sha256sum pass it, the anchor does not. */
START_TEST(edit_and_recompute_in_a_bundle_fails_the_anchor)
{
    new_key("k");
    char *id = approved_run("k");
    const char *an[] = { "anchor", id, "--db", "t.db", "--out", "a.txt", NULL };
    ck_assert_int_eq(t_run(an), 0);
    const char *ex[] = { "export", id, "b", "--db", "t.db", NULL };
    int rc = t_run(ex);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    char *bt = t_asprintf("%s/b/bundle.txt", t_dir);
    char *meta = t_read(bt);
    T_CONTAINS(meta, "public_key ");
    char *sp = t_asprintf("%s/b/signatures.txt", t_dir);
    ck_assert_int_eq(access(sp, F_OK), 0);

    /* the attack */
    char *lp = t_asprintf("%s/b/log.jsonl", t_dir);
    char *log = t_read(lp);
    rg_buf nb = { 0 };
    char prev[65] = "";
    int64_t n = 0;
    int edited = 0;
    for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
        rg_event e;
        const char *why;
        ck_assert_int_eq(rg_event_parse_json(line, &e, &why), 0);
        if (!edited && !strcmp(e.what, "run_resumed")) {
            free(e.who);
            e.who = strdup("mallory");
            edited = 1;
        }
        if (e.seq > 1) {
            free(e.prev);
            e.prev = strdup(prev);
        }
        char h[65];
        rg_audit_rehash(id, e.seq == 1 ? NULL : prev, &e, h);
        free(e.hash);
        e.hash = strdup(h);
        memcpy(prev, h, sizeof prev);
        rg_event_json(&nb, &e);
        n = e.seq;
        rg_event_free(&e);
    }
    free(t_write(t_dir, "b/log.jsonl", nb.data));
    char *head = strstr(meta, "log_head ");
    ck_assert_ptr_nonnull(head);
    char old[65];
    memcpy(old, head + 9, 64);
    old[64] = 0;
    memcpy(head + 9, prev, 64);
    free(t_write(t_dir, "b/bundle.txt", meta));
    /* run.txt names the head too */
    char *rp = t_asprintf("%s/b/run.txt", t_dir);
    char *rt = t_read(rp);
    for (char *at = strstr(rt, old); at; at = strstr(at + 64, old)) {
        memcpy(at, prev, 64);
    }
    free(t_write(t_dir, "b/run.txt", rt));
    free(rt);
    free(rp);
    (void)n;
    char *mp = t_asprintf("%s/b/manifest.txt", t_dir);
    char *man = t_read(mp);
    rg_buf nm = { 0 };
    for (char *line = strtok(man, "\n"); line; line = strtok(NULL, "\n")) {
        char *path = t_asprintf("%s/b/%s", t_dir, line + 66);
        char hx[65];
        ck_assert_int_eq(rg_sha256_file(path, hx), 0);
        rg_buf_printf(&nm, "%s  %s\n", hx, line + 66);
        free(path);
    }
    free(t_write(t_dir, "b/manifest.txt", nm.data));

    const char *plain[] = { "verify", "b", NULL };
    rc = t_run(plain);
    ck_assert_msg(rc == 0, "the recomputed bundle passes plain verify: exit %d: %s%s", rc, t_out,
                  t_err);
    const char *v[] = { "verify", "b", "--anchor", "a.txt", NULL };
    rc = t_run(v);
    ck_assert_msg(rc == 1, "exit %d: %s%s", rc, t_out, t_err);
    T_CONTAINS(t_out, "b: entry ");
    T_CONTAINS(t_out, "the anchor a.txt says");
    T_CONTAINS(t_out, "the signature of entry");
    free(nm.data);
    free(man);
    free(mp);
    free(nb.data);
    free(log);
    free(lp);
    free(sp);
    free(meta);
    free(bt);
    free(id);
}
END_TEST

/* An anchor whose public key is another key's, and signatures made with a
 * key other than the anchored one. */
START_TEST(wrong_key_is_named)
{
    new_key("k");
    new_key("other");
    char *id = approved_run("k");
    const char *an[] = { "anchor", id, "--db", "t.db", "--out", "a.txt", NULL };
    ck_assert_int_eq(t_run(an), 0);
    char *ap = t_asprintf("%s/a.txt", t_dir);
    char *text = t_read(ap);
    char *op = t_asprintf("%s/other.pub", t_dir);
    char *other = t_read(op);
    char *pk = strstr(text, "public_key ");
    ck_assert_ptr_nonnull(pk);
    memcpy(pk + 11, strchr(other, '\n') + 1, 64);
    free(t_write(t_dir, "a2.txt", text));
    const char *v[] = { "verify", id, "--db", "t.db", "--anchor", "a2.txt", NULL };
    int rc = t_run(v);
    ck_assert_msg(rc == 1, "exit %d: %s%s", rc, t_out, t_err);
    T_CONTAINS(t_out, "its signature does not verify with its public key");
    T_CONTAINS(t_out, "not the anchored key");

    /* the store's later signatures made with another key */
    const char *an2[] = { "anchor", id, "--db", "t.db", "--engine", "signing_key=other", NULL };
    rc = t_run(an2);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    free(t_write(t_dir, "a3.txt", t_out));
    const char *v3[] = { "verify", id, "--db", "t.db", "--anchor", "a3.txt", NULL };
    rc = t_run(v3);
    ck_assert_msg(rc == 1, "exit %d: %s%s", rc, t_out, t_err);
    T_CONTAINS(t_out, "was made with key");
    free(other);
    free(op);
    free(text);
    free(ap);
    free(id);
}
END_TEST

START_TEST(missing_key_file_is_named)
{
    free(t_write(t_dir, "a.lua", "return { run = function() regie.write('a.txt', 'a\\n') end }\n"));
    free(t_write(t_dir, "w.ini", "[workflow]\nname = nokey\n[step.a]\nscript = a.lua\n"));
    const char *run[] = { "run",      "w.ini", "--db", "t.db", "--out", "out",
                          "--engine", "signing_key=/nonexistent/regie.key", NULL };
    int rc = t_run(run);
    ck_assert_msg(rc == 2, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_err, "signing key /nonexistent/regie.key: cannot read it");
    T_CONTAINS(t_err, "regie key new");
    /* a key others may read is refused too */
    new_key("k");
    char *p = t_asprintf("%s/k", t_dir);
    chmod(p, 0644);
    const char *run2[] = { "run", "w.ini", "--db", "t.db", "--out", "out", "--engine",
                           "signing_key=k", NULL };
    rc = t_run(run2);
    ck_assert_msg(rc == 2, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_err, "others may read it");
    /* without a key: as before, and nothing to anchor */
    const char *run3[] = { "run", "w.ini", "--db", "t.db", "--out", "out", NULL };
    ck_assert_int_eq(t_run(run3), 0);
    char *id = t_only_run("t.db");
    char *sump = t_asprintf("%s/out/run-summary.txt", t_dir);
    char *sum = t_read(sump);
    ck_assert_ptr_nonnull(sum);
    ck_assert_msg(!strstr(sum, "public key"), "%s", sum);
    free(sum);
    free(sump);
    const char *an[] = { "anchor", id, "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(an), 2);
    T_CONTAINS(t_err, "has no signed head");
    const char *v[] = { "verify", id, "--db", "t.db", "--anchor", "missing.txt", NULL };
    ck_assert_int_eq(t_run(v), 2);
    T_CONTAINS(t_err, "anchor missing.txt: cannot read it");
    free(id);
    free(p);
}
END_TEST

Suite *suite_anchor(void);
Suite *suite_anchor(void)
{
    Suite *s = suite_create("anchor");
    TCase *tc = tcase_create("anchor");
    tcase_add_checked_fixture(tc, t_dir_setup_no_today, t_dir_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, key_new_makes_a_private_pair_once);
    tcase_add_test(tc, head_signed_at_wait_approval_and_end);
    tcase_add_test(tc, edit_and_recompute_in_the_store_fails_the_anchor);
    tcase_add_test(tc, edit_and_recompute_in_a_bundle_fails_the_anchor);
    tcase_add_test(tc, wrong_key_is_named);
    tcase_add_test(tc, missing_key_file_is_named);
    suite_add_tcase(s, tc);
    return s;
}
