/* A complete record (issue 28), with the real binary: a run killed at
 * every point between its creation and its first step leaves no run or a
 * run with all its inputs; a store that runs out of space mid-run marks the
 * run failed (or interrupted) and `resume` completes it; a damaged store
 * refuses writes and says how to recover; a read-only store is fully
 * readable. */
#define _GNU_SOURCE
#include "sha256.h"
#include "testutil.h"

#include <check.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NSTEPS 6
static const char *const input_names[] = { "a", "b", "c" };

/* A chain of NSTEPS script steps, each writing a file and data, with three
 * file inputs (a.txt, b.txt, c.txt). */
static void make_workflow(const char *dir)
{
    char *ini = t_asprintf("[workflow]\nname = rec\n"
                           "[input.a]\ntype = file\nrequired = yes\n"
                           "[input.b]\ntype = file\nrequired = yes\n"
                           "[input.c]\ntype = file\nrequired = no\n"
                           "[input.note]\ntype = text\nrequired = no\n");
    for (int i = 1; i <= NSTEPS; i++) {
        char *reads = i == 1 ? strdup("") : t_asprintf("reads = d%d\n", i - 1);
        char *next = t_asprintf("%s[step.s%d]\nscript = s.lua\nn = %d\n%swrites = d%d\n", ini, i, i,
                                reads, i);
        free(reads);
        free(ini);
        ini = next;
    }
    free(t_write(dir, "w.ini", ini));
    free(ini);
    free(t_write(dir, "s.lua",
                 "return { params = { n = { type = 'integer', required = true } },\n"
                 "run = function(step)\n"
                 "  local v = step.params.n\n"
                 "  if v > 1 then v = v + regie.input('d' .. (v - 1)) * 3 end\n"
                 "  regie.write('parts/' .. step.name .. '.txt', string.format('%s %d\\n', "
                 "step.name, v))\n"
                 "  regie.output('d' .. step.params.n, v)\n"
                 "end }\n"));
    free(t_write(dir, "a.txt", "first input\n"));
    free(t_write(dir, "b.txt", "second input, a little longer\n"));
    free(t_write(dir, "c.txt", "third\n"));
}

static const char *const run_argv[] = { "run",         "w.ini",         "--db",         "t.db",
                                        "--out",       "out",           "--set",        "a=a.txt",
                                        "--set",       "b=b.txt",       "--set",        "c=c.txt",
                                        NULL };

/* regie in dir with the environment variable name=value for this call. */
static int regie_env(const char *dir, const char *name, const char *value, char **out, char **err,
                     const char *const *argv)
{
    if (name) {
        setenv(name, value, 1);
    }
    int rc = t_regie(dir, out, err, argv);
    if (name) {
        unsetenv(name);
    }
    return rc;
}

/* The ids of the runs in dir/t.db, oldest first: how many. */
static size_t run_ids(const char *dir, char ids[][64], size_t max)
{
    char *out = NULL, *err = NULL;
    const char *argv[] = { "runs", "--db", "t.db", NULL };
    ck_assert_msg(t_regie(dir, &out, &err, argv) == 0, "runs: %s", err);
    size_t n = 0;
    const char *p = strchr(out, '\n');
    while (p && p[1] && n < max) {
        if (sscanf(p + 1, "%63s", ids[n]) == 1) {
            n++;
        }
        p = strchr(p + 1, '\n');
    }
    free(out);
    free(err);
    return n;
}

/* `show RUN` lists every input with the SHA-256 of its file. */
static void all_inputs_recorded(const char *dir, const char *id, const char *why)
{
    char *out = NULL, *err = NULL;
    const char *argv[] = { "show", id, "--db", "t.db", NULL };
    ck_assert_msg(t_regie(dir, &out, &err, argv) == 0, "%s: show: %s", why, err);
    for (size_t i = 0; i < sizeof input_names / sizeof *input_names; i++) {
        char *path = t_asprintf("%s/%s.txt", dir, input_names[i]);
        char sha[65];
        ck_assert_int_eq(rg_sha256_file(path, sha), 0);
        ck_assert_msg(strstr(out, sha) != NULL, "%s: input %s (sha256 %s) not recorded:\n%s", why,
                      input_names[i], sha, out);
        free(path);
    }
    free(out);
    free(err);
}

/* Resume run id and check that it ends done, with every step's file, and
 * that its log is intact. */
static void resume_completes(const char *dir, const char *id, const char *why)
{
    char *out = NULL, *err = NULL;
    const char *rv[] = { "resume", id, "--db", "t.db", NULL };
    int rc = t_regie(dir, &out, &err, rv);
    ck_assert_msg(rc == 0, "%s: resume exit %d: %s", why, rc, err);
    free(out);
    free(err);
    for (int i = 1; i <= NSTEPS; i++) {
        char *p = t_asprintf("%s/out/parts/s%d.txt", dir, i);
        ck_assert_msg(access(p, F_OK) == 0, "%s: %s missing after resume", why, p);
        free(p);
    }
    const char *vv[] = { "verify", id, "--db", "t.db", NULL };
    rc = t_regie(dir, &out, &err, vv);
    ck_assert_msg(rc == 0, "%s: verify exit %d: %s%s", why, rc, out, err);
    free(out);
    free(err);
    all_inputs_recorded(dir, id, why);
}

START_TEST(kill_between_creation_and_first_step)
{
    t_dir_setup();
    const char *points[] = { "run-created", "definition-recorded", "inputs-recorded",
                             "run-recorded", "before-commit:s1", "after-commit:s1" };
    for (size_t k = 0; k < sizeof points / sizeof *points; k++) {
        char *dir = t_asprintf("%s/k%zu", t_dir, k);
        mkdir(dir, 0777);
        make_workflow(dir);
        int rc = regie_env(dir, "REGIE_TEST_KILL_AT", points[k], NULL, NULL, run_argv);
        ck_assert_msg(rc == 128 + SIGKILL, "%s: exit %d, not killed there", points[k], rc);
        char ids[4][64];
        size_t n = run_ids(dir, ids, 4);
        /* before the commit of the run: no run; after it: all its inputs */
        int committed = k >= 3;
        ck_assert_msg(n == (size_t)committed, "killed at %s: %zu runs recorded", points[k], n);
        if (n) {
            all_inputs_recorded(dir, ids[0], points[k]);
            resume_completes(dir, ids[0], points[k]);
        }
        free(dir);
    }
    t_dir_teardown();
}
END_TEST

START_TEST(full_store_marks_the_run_and_resume_completes)
{
    t_dir_setup();
    /* A store allowed to grow by N pages more (REGIE_TEST_STORE_PAGES, as
     * on a disk that fills up), for N = 0, 1, 2, ... until the run fits:
     * the run is not recorded at all (nothing ran), or it fails where the
     * store filled up; never `running`, never without its inputs; once
     * there is room, resume completes it. */
    int not_recorded = 0, failed = 0, done = 0;
    for (int pages = 0; pages < 200 && !done; pages++) {
        char *dir = t_asprintf("%s/p%d", t_dir, pages);
        mkdir(dir, 0777);
        make_workflow(dir);
        char *n = t_asprintf("%d", pages);
        char *out = NULL, *err = NULL;
        /* a long note: the run's record needs pages of its own */
        char note[6000];
        memset(note, 'x', sizeof note);
        memcpy(note, "note=", 5);
        note[sizeof note - 1] = 0;
        const char *argv[] = { "run", "w.ini", "--db", "t.db", "--out", "out", "--set", "a=a.txt",
                               "--set", "b=b.txt", "--set", "c=c.txt", "--set", note, NULL };
        int rc = regie_env(dir, "REGIE_TEST_STORE_PAGES", n, &out, &err, argv);
        char ids[4][64];
        size_t nruns = run_ids(dir, ids, 4);
        if (rc == 0) {
            done = 1;
            ck_assert_int_eq(nruns, 1);
        } else if (nruns == 0) {
            not_recorded++;
            ck_assert_msg(rc == 2, "%d pages: exit %d: %s", pages, rc, err);
            T_CONTAINS(err, "disk full or I/O error writing");
            T_CONTAINS(err, "the run could not be recorded; nothing was run");
            char *s1 = t_asprintf("%s/out/parts/s1.txt", dir);
            ck_assert_msg(access(s1, F_OK) != 0, "%d pages: a step ran", pages);
            free(s1);
        } else {
            failed++;
            ck_assert_msg(rc == 1, "%d pages: exit %d: %s", pages, rc, err);
            ck_assert_int_eq(nruns, 1);
            T_CONTAINS(err, "disk full or I/O error writing");
            char *o2 = NULL, *e2 = NULL;
            const char *rv[] = { "runs", "--db", "t.db", NULL };
            ck_assert_int_eq(t_regie(dir, &o2, &e2, rv), 0);
            const char *line = strstr(o2, ids[0]);
            ck_assert_ptr_nonnull(line);
            const char *eol = strchr(line, '\n');
            char *row = strndup(line, eol ? (size_t)(eol - line) : strlen(line));
            ck_assert_msg(strstr(row, " failed ") != NULL || strstr(row, "interrupted") != NULL,
                          "%d pages: the run is neither failed nor interrupted:\n%s", pages, o2);
            free(row);
            free(o2);
            free(e2);
            char *why = t_asprintf("full after %d pages", pages);
            all_inputs_recorded(dir, ids[0], why);
            resume_completes(dir, ids[0], why);
            free(why);
        }
        free(out);
        free(err);
        free(n);
        free(dir);
    }
    ck_assert_msg(done, "the run never fitted");
    ck_assert_msg(not_recorded > 0 && failed > 0,
                  "expected both a run not recorded and a run failed mid-way (%d, %d)",
                  not_recorded, failed);
    t_dir_teardown();
}
END_TEST

/* Overwrite a page of the file with garbage: the store is damaged but
 * still an SQLite file. */
static void damage(const char *db)
{
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    /* move everything into the main file first */
    sqlite3_exec(h, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE", NULL, NULL,
                 NULL);
    sqlite3_stmt *s = NULL;
    long long root = 0, pagesize = 4096;
    ck_assert_int_eq(
        sqlite3_prepare_v2(h, "SELECT rootpage FROM sqlite_master WHERE name = 'outputs'", -1,
                           &s, NULL),
        SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW) {
        root = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    ck_assert_int_eq(sqlite3_prepare_v2(h, "PRAGMA page_size", -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW) {
        pagesize = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    sqlite3_close(h);
    ck_assert(root > 1);
    int fd = open(db, O_WRONLY);
    ck_assert(fd >= 0);
    char junk[64];
    memset(junk, 0x5a, sizeof junk);
    ck_assert_int_eq(pwrite(fd, junk, sizeof junk, (root - 1) * pagesize + 8), (ssize_t)sizeof junk);
    close(fd);
}

START_TEST(damaged_store_refuses_writes)
{
    t_dir_setup();
    make_workflow(t_dir);
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(t_regie(t_dir, &out, &err, run_argv), 0);
    free(out);
    free(err);
    char ids[4][64];
    ck_assert_int_eq(run_ids(t_dir, ids, 4), 1);
    char *db = t_path("t.db");
    damage(db);
    /* a new run is refused, nothing ran, and the message says what to do */
    const char *again[] = { "run", "w.ini", "--db", "t.db", "--out", "out2", "--set", "a=a.txt",
                            "--set", "b=b.txt", NULL };
    int rc = t_regie(t_dir, &out, &err, again);
    ck_assert_msg(rc == 2, "run on a damaged store: exit %d: %s", rc, err);
    T_CONTAINS(err, "the run store is damaged");
    T_CONTAINS(err, "restore the backup");
    T_CONTAINS(err, "nothing was run");
    char *s1 = t_path("out2/parts/s1.txt");
    ck_assert_msg(access(s1, F_OK) != 0, "a step ran");
    free(s1);
    free(out);
    free(err);
    /* so is any other write */
    const char *rv[] = { "resume", ids[0], "--db", "t.db", NULL };
    rc = t_regie(t_dir, &out, &err, rv);
    free(out);
    free(err);
    /* reading still works where SQLite can read */
    const char *lv[] = { "log", ids[0], "--db", "t.db", NULL };
    ck_assert_int_eq(t_regie(t_dir, &out, &err, lv), 0);
    T_CONTAINS(out, "run_started");
    free(out);
    free(err);
    ck_assert_int_eq(run_ids(t_dir, ids, 4), 1);
    free(db);
    t_dir_teardown();
}
END_TEST

/* regie as a user who may only read the store: root drops to nobody
 * (root may write whatever the permissions say).  stdout and stderr come
 * back through files in rw/. */
static int as_reader(const char *rw, char **out, char **err, const char *const *argv)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (getuid() == 0 && (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)) {
            _exit(126);
        }
        char *o = NULL, *e = NULL;
        int rc = t_regie(t_dir, &o, &e, argv);
        free(t_write(rw, "out.txt", o ? o : ""));
        free(t_write(rw, "err.txt", e ? e : ""));
        _exit(rc);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    char *po = t_asprintf("%s/out.txt", rw), *pe = t_asprintf("%s/err.txt", rw);
    *out = t_read(po);
    *err = t_read(pe);
    free(po);
    free(pe);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

START_TEST(read_only_store_is_readable)
{
    t_dir_setup();
    chmod(t_dir, 0755);
    make_workflow(t_dir);
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(t_regie(t_dir, &out, &err, run_argv), 0);
    free(out);
    free(err);
    char ids[4][64];
    ck_assert_int_eq(run_ids(t_dir, ids, 4), 1);
    /* the auditor's copy: the store alone (the -wal copied into it) in a
     * folder and file nobody may write */
    char *ro = t_path("ro"), *rw = t_path("rw");
    mkdir(ro, 0755);
    mkdir(rw, 0777);
    chmod(rw, 0777);
    sqlite3 *h = NULL;
    char *copy = t_path("ro/runs.db");
    char *orig = t_path("t.db");
    ck_assert_int_eq(sqlite3_open(orig, &h), SQLITE_OK);
    free(orig);
    char *sql = t_asprintf("VACUUM INTO '%s'", copy);
    ck_assert_int_eq(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    free(sql);
    /* VACUUM INTO writes a rollback-journal file; make it a WAL store as
     * regie's are */
    ck_assert_int_eq(sqlite3_open(copy, &h), SQLITE_OK);
    sqlite3_exec(h, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
    sqlite3_close(h);
    chmod(copy, 0444);
    chmod(ro, 0555);
    char *bundle = t_path("rw/bundle");
    const char *runs[] = { "runs", "--db", copy, NULL };
    const char *show[] = { "show", ids[0], "--db", copy, NULL };
    const char *log[] = { "log", ids[0], "--db", copy, NULL };
    const char *verify[] = { "verify", ids[0], "--db", copy, NULL };
    const char *exp[] = { "export", ids[0], bundle, "--db", copy, NULL };
    const char *const *cmds[] = { runs, show, log, verify, exp };
    const char *expect[] = { ids[0], "inputs", "run_finished", "chain intact",
                             "evidence bundle of run" };
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        int rc = as_reader(rw, &out, &err, cmds[i]);
        ck_assert_msg(rc == 0, "%s on a read-only store: exit %d: %s%s", cmds[i][0], rc, out,
                      err);
        T_CONTAINS(out, expect[i]);
        free(out);
        free(err);
    }
    /* the bundle checks out, and the copy is as it was: no -wal, -shm */
    const char *vb[] = { "verify", bundle, NULL };
    ck_assert_int_eq(t_regie(t_dir, NULL, NULL, vb), 0);
    char *wal = t_asprintf("%s-wal", copy);
    ck_assert_msg(access(wal, F_OK) != 0, "%s made", wal);
    /* a command that writes is refused, naming the store */
    const char *rv[] = { "approve", ids[0], "s1", "--by", "x", "--db", copy, NULL };
    int rc = as_reader(rw, &out, &err, rv);
    ck_assert_int_ne(rc, 0);
    T_CONTAINS(err, copy);
    free(out);
    free(err);
    /* a copy made by an older regie (schema version 1) reads the same */
    chmod(ro, 0755);
    chmod(copy, 0644);
    ck_assert_int_eq(sqlite3_open(copy, &h), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(h,
                                  "PRAGMA journal_mode = DELETE; ALTER TABLE runs DROP COLUMN jobs; "
                                  "ALTER TABLE steps DROP COLUMN reads_sha256; DROP TABLE "
                                  "output_versions; ALTER TABLE waits DROP COLUMN "
                                  "resolved_os_user; PRAGMA user_version = 1",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
    chmod(copy, 0444);
    chmod(ro, 0555);
    for (size_t i = 0; i < 4; i++) {
        int rc2 = as_reader(rw, &out, &err, cmds[i]);
        ck_assert_msg(rc2 == 0, "%s on a read-only store of schema 1: exit %d: %s%s", cmds[i][0],
                      rc2, out, err);
        T_CONTAINS(out, expect[i]);
        free(out);
        free(err);
    }
    ck_assert_msg(access(wal, F_OK) != 0, "%s made", wal);
    chmod(ro, 0755);
    free(wal);
    free(bundle);
    free(copy);
    free(ro);
    free(rw);
    t_dir_teardown();
}
END_TEST

Suite *suite_record(void);
Suite *suite_record(void)
{
    Suite *s = suite_create("record");
    TCase *tc = tcase_create("record");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, kill_between_creation_and_first_step);
    tcase_add_test(tc, full_store_marks_the_run_and_resume_completes);
    tcase_add_test(tc, damaged_store_refuses_writes);
    tcase_add_test(tc, read_only_store_is_readable);
    suite_add_tcase(s, tc);
    return s;
}
