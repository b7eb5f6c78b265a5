/* regie verify end to end: a run's tables and output files against its
 * audit log (verify RUN), and an exported bundle's files and run.txt
 * against the bundle's log (verify DIR), each edit named. */
#define _GNU_SOURCE
#include "sha256.h"
#include "testutil.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int regie(const char *dir, char **out, const char *a0, const char *a1, const char *a2)
{
    const char *argv[] = { a0, a1, a2, NULL };
    char *err = NULL;
    int rc = t_regie(dir, out, &err, argv);
    if (out && *out && err) {
        char *both = t_asprintf("%s%s", *out, err);
        free(*out);
        *out = both;
    }
    free(err);
    return rc;
}

/* A run with an input, outputs in a subfolder and an approval given: every
 * table has rows.  Returns its id. */
static char *make_run(const char *dir)
{
    free(t_write(dir, "greet.lua",
                 "return { run = function()\n"
                 "  local who = regie.input('who')[1].name\n"
                 "  regie.write('hello.txt', 'hello ' .. who .. '\\n')\n"
                 "  regie.write('sub/common.txt', 'for ' .. who .. '\\n')\n"
                 "end }\n"));
    free(t_write(dir, "who.csv", "name\nann\n"));
    free(t_write(dir, "w.ini",
                 "[workflow]\nname = checked\n"
                 "[input.who]\ntype = csv\ncolumns = name:text!\n"
                 "[step.greet]\nscript = greet.lua\nreads = who\n"
                 "[step.ok]\nwait = approval\nafter = greet\n"));
    const char *runv[] = { "run", "w.ini", "--set", "who=who.csv", "--out", "out", NULL };
    ck_assert_int_eq(t_regie(dir, NULL, NULL, runv), 3);
    char *out = NULL;
    regie(dir, &out, "runs", NULL, NULL);
    char id[64] = "";
    char *nl = out ? strchr(out, '\n') : NULL;
    ck_assert_msg(nl && sscanf(nl + 1, "%63s", id) == 1, "no run: %s", out);
    free(out);
    const char *av[] = { "approve", id, "ok", "--by", "bob", "--note", "fine", NULL };
    ck_assert_int_eq(t_regie(dir, NULL, NULL, av), 0);
    ck_assert_int_eq(regie(dir, NULL, "resume", id, NULL), 0);
    return strdup(id);
}

static void sql(const char *dir, const char *stmt)
{
    char *db = t_asprintf("%s/test-runs.db", dir);
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(h, stmt, NULL, NULL, &msg);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", stmt, msg ? msg : "?");
    sqlite3_free(msg);
    sqlite3_close(h);
    free(db);
}

START_TEST(run_verified_clean)
{
    t_dir_setup();
    char *id = make_run(t_dir);
    char *out = NULL;
    int rc = regie(t_dir, &out, "verify", id, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    T_CONTAINS(out, "chain intact");
    T_CONTAINS(out, "agree with the log");
    T_CONTAINS(out, "2 recorded outputs unchanged in");
    free(out);
    free(id);
    t_dir_teardown();
}
END_TEST

START_TEST(output_changed_or_removed_on_disk)
{
    t_dir_setup();
    char *id = make_run(t_dir);
    free(t_write(t_dir, "out/hello.txt", "hello eve\n"));
    char *gone = t_asprintf("%s/out/sub/common.txt", t_dir);
    ck_assert_int_eq(unlink(gone), 0);
    char *out = NULL;
    int rc = regie(t_dir, &out, "verify", id, NULL);
    ck_assert_msg(rc == 1, "exit %d: %s", rc, out);
    T_CONTAINS(out, "chain intact");
    T_CONTAINS(out, "output hello.txt of step greet");
    T_CONTAINS(out, "changed since the run (recorded sha256 ");
    T_CONTAINS(out, "output sub/common.txt of step greet");
    T_CONTAINS(out, "common.txt): missing");
    T_CONTAINS(out, "2 of 2 recorded outputs changed or missing");
    free(out);
    free(gone);
    free(id);
    t_dir_teardown();
}
END_TEST

/* Rows edited with SQL behind the log's back: each is named with its table,
 * the log entry and both values. */
START_TEST(table_edited_behind_the_log)
{
    t_dir_setup();
    char *id = make_run(t_dir);
    sql(t_dir, "UPDATE steps SET status = 'failed' WHERE step = 'greet'");
    char *out = NULL;
    int rc = regie(t_dir, &out, "verify", id, NULL);
    ck_assert_msg(rc == 1, "exit %d: %s", rc, out);
    T_CONTAINS(out, "chain intact");
    T_CONTAINS(out, "table steps, step greet: entry ");
    T_CONTAINS(out, "says status \"done\", the table says \"failed\"");
    T_CONTAINS(out, "1 row of its tables disagrees with the log");
    free(out);
    sql(t_dir, "UPDATE steps SET status = 'done' WHERE step = 'greet';"
               "UPDATE outputs SET sha256 = '" /* a hash the log never saw */
               "0000000000000000000000000000000000000000000000000000000000000000' "
               "WHERE relpath = 'hello.txt';"
               "DELETE FROM inputs WHERE name = 'who';"
               "UPDATE waits SET resolved_by = 'mallory';"
               "UPDATE runs SET user = 'eve';"
               "INSERT INTO definition_files (run_id, path, kind, sha256) SELECT id, "
               "'/etc/extra.lua', 'file', "
               "'1111111111111111111111111111111111111111111111111111111111111111' FROM runs");
    rc = regie(t_dir, &out, "verify", id, NULL);
    ck_assert_msg(rc == 1, "exit %d: %s", rc, out);
    T_CONTAINS(out, "table outputs, output hello.txt of step greet: entry ");
    T_CONTAINS(out, "the table says 0000000000000000000000000000000000000000000000000000000000000000");
    T_CONTAINS(out, "table inputs, input who: recorded by entry ");
    T_CONTAINS(out, "but the table has no row for it");
    T_CONTAINS(out, "table waits, wait 1 (step ok): entry ");
    T_CONTAINS(out, "resolved by mallory");
    T_CONTAINS(out, "table runs, user: entry 1 (run_started) says ");
    T_CONTAINS(out, "the table says \"eve\"");
    T_CONTAINS(out, "table definition_files, file /etc/extra.lua: no log entry records it");
    T_CONTAINS(out, "5 rows of its tables disagree with the log");
    free(out);
    free(id);
    t_dir_teardown();
}
END_TEST

/* manifest.txt made to match the bundle again, as an editor would: the
 * line of rel dropped, and written anew if the file exists. */
static void manifest_fix(const char *bundle, const char *rel)
{
    char *m = t_asprintf("%s/manifest.txt", bundle);
    char *text = t_read(m);
    ck_assert_ptr_nonnull(text);
    char *needle = t_asprintf("  %s\n", rel);
    FILE *f = fopen(m, "wb");
    for (char *p = text; *p;) {
        char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p + 1) : strlen(p);
        if (!(l > 64 && strncmp(p + 64, needle, strlen(needle)) == 0 &&
              l == 64 + strlen(needle))) {
            fwrite(p, 1, l, f);
        }
        p += l;
    }
    char *path = t_asprintf("%s/%s", bundle, rel);
    char hex[65];
    if (rg_sha256_file(path, hex) == 0) {
        fprintf(f, "%s  %s\n", hex, rel);
    }
    fclose(f);
    free(path);
    free(needle);
    free(text);
    free(m);
}

static char *export_copy(const char *dir, const char *id, const char *name)
{
    char *b = t_asprintf("%s/%s", dir, name);
    char *out = NULL;
    int rc = regie(dir, &out, "export", id, b);
    ck_assert_msg(rc == 0, "export exit %d: %s", rc, out);
    free(out);
    return b;
}

static char *verify_bundle(const char *dir, const char *bundle, int want)
{
    char *out = NULL;
    int rc = regie(dir, &out, "verify", bundle, NULL);
    ck_assert_msg(rc == want, "%s: exit %d, not %d: %s", bundle, rc, want, out);
    return out;
}

START_TEST(bundle_edits_detected_and_named)
{
    t_dir_setup();
    char *id = make_run(t_dir);
    char *out;
    /* intact */
    char *b0 = export_copy(t_dir, id, "b0");
    out = verify_bundle(t_dir, b0, 0);
    T_CONTAINS(out, "intact");
    free(out);

    /* run.txt edited: a step's status, manifest made to match */
    char *b1 = export_copy(t_dir, id, "b1");
    char *rt = t_asprintf("%s/run.txt", b1);
    char *text = t_read(rt);
    char *at = strstr(text, "\n  greet  done  ");
    ck_assert_msg(at != NULL, "%s", text);
    memcpy(at + 10, "fail", 4);
    free(t_write(b1, "run.txt", text));
    free(text);
    manifest_fix(b1, "run.txt");
    out = verify_bundle(t_dir, b1, 1);
    T_CONTAINS(out, "/b1/run.txt:");
    T_CONTAINS(out, "step greet: status fail, attempts 1, but entry ");
    T_CONTAINS(out, "says status done, attempts 1");
    free(out);
    free(rt);

    /* an output removed, with its manifest line */
    char *b2 = export_copy(t_dir, id, "b2");
    char *gone = t_asprintf("%s/outputs/sub/common.txt", b2);
    ck_assert_int_eq(unlink(gone), 0);
    manifest_fix(b2, "outputs/sub/common.txt");
    out = verify_bundle(t_dir, b2, 1);
    T_CONTAINS(out, "/b2/outputs/sub/common.txt: missing from the bundle (entry ");
    T_CONTAINS(out, "records output sub/common.txt of step greet, sha256 ");
    free(out);
    free(gone);

    /* an output added: a copy of a recorded one, so its hash is in the log */
    char *b3 = export_copy(t_dir, id, "b3");
    char *src = t_asprintf("%s/outputs/hello.txt", b3);
    char *copy = t_read(src);
    free(t_write(b3, "outputs/hello-too.txt", copy));
    manifest_fix(b3, "outputs/hello-too.txt");
    out = verify_bundle(t_dir, b3, 1);
    T_CONTAINS(out, "/b3/outputs/hello-too.txt: added to the bundle: no log entry records a "
                     "file there");
    free(out);
    free(copy);
    free(src);

    /* the log truncated by one entry, bundle.txt and manifest made to match */
    char *b4 = export_copy(t_dir, id, "b4");
    char *lp = t_asprintf("%s/log.jsonl", b4);
    char *log = t_read(lp);
    size_t ll = strlen(log);
    ck_assert(ll > 2);
    log[ll - 1] = 0; /* the last line's newline */
    char *last = strrchr(log, '\n');
    ck_assert_ptr_nonnull(last);
    last[1] = 0; /* the last entry gone */
    *last = 0;
    char *prev = strrchr(log, '\n');
    char *h = strstr(prev ? prev + 1 : log, "\"hash\":\"");
    ck_assert_ptr_nonnull(h);
    char head[65];
    memcpy(head, h + 8, 64);
    head[64] = 0;
    *last = '\n';
    free(t_write(b4, "log.jsonl", log));
    int entries = 0;
    for (char *p = log; (p = strchr(p, '\n')); p++) {
        entries++;
    }
    char *bt = t_asprintf("%s/bundle.txt", b4);
    char *meta = t_read(bt);
    char *le = strstr(meta, "log_entries ");
    ck_assert_ptr_nonnull(le);
    *le = 0;
    char *newmeta = t_asprintf("%slog_entries %d\nlog_head %s\n", meta, entries, head);
    free(t_write(b4, "bundle.txt", newmeta));
    manifest_fix(b4, "log.jsonl");
    manifest_fix(b4, "bundle.txt");
    out = verify_bundle(t_dir, b4, 1);
    T_CONTAINS(out, "/b4/run.txt:");
    T_CONTAINS(out, "missing at its end (log truncated)");
    T_CONTAINS(out, "status done, but entry ");
    ck_assert_msg(strstr(out, "manifest.txt says") == NULL, "%s", out);
    free(out);
    free(newmeta);
    free(meta);
    free(bt);
    free(log);
    free(lp);

    free(b0);
    free(b1);
    free(b2);
    free(b3);
    free(b4);
    free(id);
    t_dir_teardown();
}
END_TEST

Suite *suite_verify(void);
Suite *suite_verify(void)
{
    Suite *s = suite_create("verify");
    TCase *tc = tcase_create("verify");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, run_verified_clean);
    tcase_add_test(tc, output_changed_or_removed_on_disk);
    tcase_add_test(tc, table_edited_behind_the_log);
    tcase_add_test(tc, bundle_edits_detected_and_named);
    suite_add_tcase(s, tc);
    return s;
}
