/* End-to-end: the CLI in the user's time zone and language, with the real
 * binary.  Each command's own help (`regie help CMD`, `CMD --help`), the
 * release as --version, listings in local time (TZ, default
 * Europe/Amsterdam) while the store keeps UTC, messages in Dutch by LANG,
 * each run's case beside its id (also from a store made before the case
 * was recorded), and the docs naming only commands that exist. */
#define _GNU_SOURCE
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every command `regie` knows (the dispatch in core/cli/cli.c). */
static const char *const commands[] = { "run",     "check",  "graph",   "inputs", "plugins",
                                        "workflows", "resume", "approve", "runs",   "show",
                                        "log",     "verify", "export",  "anchor", "key",
                                        "help",    "plugin",  "user",    "serve" };
#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* The test's language and zone: none of the caller's (the child inherits). */
static void clean_env(void)
{
    unsetenv("LANGUAGE");
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    unsetenv("LANG");
    unsetenv("TZ");
}

static void setup(void)
{
    t_dir_setup();
    clean_env();
}

static int run_argv(const char *const *argv)
{
    return t_run(argv);
}

START_TEST(help_is_per_command)
{
    char *texts[NCOMMANDS] = { 0 };
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const char *help[] = { "help", commands[i], NULL };
        ck_assert_msg(run_argv(help) == 0, "help %s: %s", commands[i], t_err);
        char *want = t_asprintf("usage: regie %s", commands[i]);
        ck_assert_msg(strncmp(t_out, want, strlen(want)) == 0, "help %s starts: %.80s", commands[i],
                      t_out);
        ck_assert_msg(strstr(t_out, "Exit status") != NULL, "help %s has no exit status:\n%s",
                      commands[i], t_out);
        free(want);
        texts[i] = strdup(t_out);
        /* CMD --help is the same text */
        const char *dash[] = { commands[i], "--help", NULL };
        ck_assert_int_eq(run_argv(dash), 0);
        ck_assert_str_eq(t_out, texts[i]);
        for (size_t k = 0; k < i; k++) {
            ck_assert_msg(strcmp(texts[k], texts[i]) != 0, "%s and %s share their help",
                          commands[k], commands[i]);
        }
    }
    /* the options each names */
    ck_assert_ptr_nonnull(strstr(texts[8], "--waiting"));   /* runs */
    ck_assert_ptr_nonnull(strstr(texts[11], "--anchor"));   /* verify */
    ck_assert_ptr_nonnull(strstr(texts[7], "--by NAME"));   /* approve */
    for (size_t i = 0; i < NCOMMANDS; i++) {
        free(texts[i]);
    }
    /* help alone: the general usage */
    const char *help[] = { "help", NULL };
    ck_assert_int_eq(run_argv(help), 0);
    ck_assert_ptr_nonnull(strstr(t_out, "Commands:"));
    ck_assert_ptr_nonnull(strstr(t_out, "regie help COMMAND"));
    const char *bad[] = { "help", "frobnicate", NULL };
    ck_assert_int_eq(run_argv(bad), 64);
    ck_assert_ptr_nonnull(strstr(t_err, "unknown command frobnicate"));
}
END_TEST

START_TEST(version_is_the_release)
{
    const char *v[] = { "--version", NULL };
    ck_assert_int_eq(run_argv(v), 0);
    char *want = t_asprintf("regie %s ", PACKAGE_VERSION);
    ck_assert_msg(strncmp(t_out, want, strlen(want)) == 0, "%s", t_out);
    ck_assert_str_ne(PACKAGE_VERSION, "0");
    free(want);
}
END_TEST

static void sql(const char *db, const char *q)
{
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    char *err = NULL;
    int rc = sqlite3_exec(h, q, NULL, NULL, &err);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", q, err ? err : "?");
    sqlite3_close(h);
}

static long sql_int(const char *db, const char *q)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *s = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(h, q, -1, &s, NULL), SQLITE_OK);
    long v = sqlite3_step(s) == SQLITE_ROW ? (long)sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    sqlite3_close(h);
    return v;
}

/* A small recorded run in t_dir/t.db; its id (caller frees). */
static char *small_run(void)
{
    free(t_write(t_dir, "one.lua", "return { run = function() regie.write('x.txt', 'x') end }\n"));
    char *wf = t_write(t_dir, "w.ini",
                       "[workflow]\nname = small\ncase = title\n"
                       "[input.title]\ntype = text\nrequired = no\n"
                       "[step.one]\nscript = one.lua\n");
    const char *run[] = { "run", wf, "--db", "t.db", "--out", "out", "--set", "title=Kick-off",
                          "-q", NULL };
    ck_assert_msg(run_argv(run) == 0, "%s", t_err);
    free(wf);
    return t_only_run("t.db");
}

START_TEST(listing_in_local_time)
{
    char *id = small_run();
    char *db = t_path("t.db");
    /* a winter start and a summer end, as stored: UTC */
    char *q = t_asprintf("UPDATE runs SET started = '2026-01-15T11:00:00Z', ended = "
                         "'2026-07-15T11:00:00Z' WHERE id = '%s'",
                         id);
    sql(db, q);
    free(q);
    const char *runs[] = { "runs", "--db", "t.db", NULL };
    setenv("TZ", "Europe/Amsterdam", 1);
    ck_assert_int_eq(run_argv(runs), 0);
    ck_assert_msg(strstr(t_out, "2026-01-15 12:00:00 CET"), "winter +1:\n%s", t_out);
    ck_assert_msg(strstr(t_out, "2026-07-15 13:00:00 CEST"), "summer +2:\n%s", t_out);
    setenv("TZ", "UTC", 1);
    ck_assert_int_eq(run_argv(runs), 0);
    ck_assert_msg(strstr(t_out, "2026-01-15 11:00:00 UTC"), "%s", t_out);
    ck_assert_msg(strstr(t_out, "2026-07-15 11:00:00 UTC"), "%s", t_out);
    /* no TZ: Amsterdam */
    unsetenv("TZ");
    ck_assert_int_eq(run_argv(runs), 0);
    ck_assert_msg(strstr(t_out, "2026-01-15 12:00:00 CET"), "%s", t_out);
    /* show too; the store still holds UTC */
    setenv("TZ", "Europe/Amsterdam", 1);
    const char *show[] = { "show", id, "--db", "t.db", NULL };
    ck_assert_int_eq(run_argv(show), 0);
    ck_assert_msg(strstr(t_out, "started    2026-01-15 12:00:00 CET"), "%s", t_out);
    ck_assert_msg(strstr(t_out, "ended      2026-07-15 13:00:00 CEST"), "%s", t_out);
    ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM runs WHERE started = "
                                 "'2026-01-15T11:00:00Z'"),
                     1);
    /* the log: every entry's time local, with its zone */
    const char *log[] = { "log", id, "--db", "t.db", NULL };
    ck_assert_int_eq(run_argv(log), 0);
    ck_assert_msg(strstr(t_out, " CET ") || strstr(t_out, " CEST "), "%s", t_out);
    ck_assert_msg(!strstr(t_out, "Z  "), "a UTC time left in:\n%s", t_out);
    /* a zone not installed: UTC, said once */
    setenv("TZ", "Nowhere/Atlantis", 1);
    ck_assert_int_eq(run_argv(runs), 0);
    ck_assert_msg(strstr(t_out, "2026-01-15 11:00:00 UTC"), "%s", t_out);
    const char *said = strstr(t_err, "time zone Nowhere/Atlantis not found");
    ck_assert_msg(said && !strstr(said + 1, "time zone"), "%s", t_err);
    free(db);
    free(id);
}
END_TEST

START_TEST(dutch_by_lang)
{
    const char *help[] = { "help", "run", NULL };
    setenv("LANG", "nl_NL.UTF-8", 1);
    ck_assert_int_eq(run_argv(help), 0);
    ck_assert_msg(strstr(t_out, "gebruik: regie run WORKFLOW"), "%s", t_out);
    ck_assert_msg(strstr(t_out, "Afsluitstatus"), "%s", t_out);
    const char *usage[] = { "frobnicate", NULL };
    ck_assert_int_eq(run_argv(usage), 64);
    ck_assert_msg(strstr(t_err, "onbekende opdracht frobnicate"), "%s", t_err);
    const char *role[] = { "user", "add", "x", "--role", "boss:*", "--db", "t.db", NULL };
    ck_assert_int_eq(run_argv(role), 64);
    ck_assert_msg(strstr(t_err, "--role: gevonden \"boss:*\", verwacht ROL:WORKFLOW"), "%s", t_err);
    /* the summary of a run */
    free(t_write(t_dir, "two.lua", "return { run = function() regie.write('y.txt', 'y') end }\n"));
    char *wf = t_write(t_dir, "w2.ini", "[workflow]\nname = small2\n[step.two]\nscript = two.lua\n");
    const char *run[] = { "run", wf, "--db", "t.db", "--out", "out2", NULL };
    ck_assert_int_eq(run_argv(run), 0);
    ck_assert_msg(strstr(t_err, "small2 klaar in"), "%s", t_err);
    ck_assert_msg(strstr(t_err, "vastgelegd in"), "%s", t_err);
    /* the runs headers */
    const char *runs[] = { "runs", "--db", "t.db", NULL };
    ck_assert_int_eq(run_argv(runs), 0);
    ck_assert_msg(strncmp(t_out, "RUN ", 4) == 0 && strstr(t_out, "ZAAK") &&
                      strstr(t_out, "GESTART"),
                  "%s", t_out);
    /* English: LANG=C, and LC_ALL=C over LANG=nl, and LANGUAGE=nl under C */
    setenv("LANG", "C", 1);
    ck_assert_int_eq(run_argv(help), 0);
    ck_assert_msg(strstr(t_out, "usage: regie run WORKFLOW"), "%s", t_out);
    ck_assert_int_eq(run_argv(run), 0);
    ck_assert_msg(strstr(t_err, "small2 finished in") && strstr(t_err, "recorded in"), "%s", t_err);
    setenv("LANGUAGE", "nl", 1);
    ck_assert_int_eq(run_argv(help), 0);
    ck_assert_msg(strstr(t_out, "usage: regie run WORKFLOW"), "%s", t_out);
    unsetenv("LANGUAGE");
    setenv("LANG", "nl_NL.UTF-8", 1);
    setenv("LC_ALL", "C", 1);
    ck_assert_int_eq(run_argv(help), 0);
    ck_assert_msg(strstr(t_out, "usage: regie run WORKFLOW"), "%s", t_out);
    /* LC_MESSAGES alone, and a locale not installed (en_GB): English */
    unsetenv("LC_ALL");
    unsetenv("LANG");
    setenv("LC_MESSAGES", "nl_BE.UTF-8", 1);
    ck_assert_int_eq(run_argv(help), 0);
    ck_assert_msg(strstr(t_out, "gebruik: regie run"), "%s", t_out);
    setenv("LC_MESSAGES", "en_GB.UTF-8", 1);
    ck_assert_int_eq(run_argv(help), 0);
    ck_assert_msg(strstr(t_out, "usage: regie run"), "%s", t_out);
    free(wf);
}
END_TEST

/* The line of `runs` output that starts with id. */
static char *line_of(const char *out, const char *id)
{
    for (const char *p = out; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        if (strncmp(p, id, strlen(id)) == 0) {
            return strndup(p, l);
        }
        p = nl ? nl + 1 : NULL;
    }
    return NULL;
}

START_TEST(runs_show_the_case)
{
    char *tender = t_src("examples/tender");
    char *sets[5];
    static const char *const names[] = { "tender=%s/tender.ini", "criteria=%s/criteria.csv",
                                         "bids=%s/bids.csv", "ko=%s/ko.csv",
                                         "scores=%s/scores.csv" };
    for (int i = 0; i < 5; i++) {
        sets[i] = t_asprintf(names[i], tender);
    }
    const char *run[] = { "run",   "tender-evaluation", "--db",  "t.db",  "--out",   "out", "-q",
                          "--set", sets[0],             "--set", sets[1], "--set",   sets[2],
                          "--set", sets[3],             "--set", sets[4], NULL };
    int rc = run_argv(run);
    ck_assert_msg(rc == 0 || rc == 3, "exit %d: %s", rc, t_err);
    char *id = t_only_run("t.db");
    char *line = line_of(t_out, id);
    ck_assert_msg(line && strstr(line, "VNG-PSD-2026-004"), "no case beside %s:\n%s", id, t_out);
    ck_assert_msg(strstr(t_out, "CASE"), "%s", t_out);
    free(line);
    const char *show[] = { "show", id, "--db", "t.db", NULL };
    ck_assert_int_eq(run_argv(show), 0);
    ck_assert_msg(strstr(t_out, "case       VNG-PSD-2026-004"), "%s", t_out);
    /* the open task: SINCE in local time */
    if (rc == 3) {
        setenv("TZ", "Europe/Amsterdam", 1);
        const char *waiting[] = { "runs", "--waiting", "--db", "t.db", NULL };
        ck_assert_int_eq(run_argv(waiting), 0);
        line = line_of(t_out, id);
        ck_assert_msg(line && (strstr(line, " CET ") || strstr(line, " CEST ")), "%s", t_out);
        free(line);
        unsetenv("TZ");
    }
    /* a store made before the case was recorded (schema 4, no column) */
    char *db = t_path("t.db");
    sql(db, "ALTER TABLE runs DROP COLUMN run_case; PRAGMA user_version = 4");
    const char *runs[] = { "runs", "--db", "t.db", NULL };
    ck_assert_msg(run_argv(runs) == 0, "%s", t_err);
    line = line_of(t_out, id);
    ck_assert_msg(line && strstr(line, "tender-evaluation") && !strstr(line, "VNG"), "%s", t_out);
    free(line);
    ck_assert_int_eq(sql_int(db, "PRAGMA user_version"), 4); /* only read */
    ck_assert_msg(run_argv(show) == 0, "%s", t_err);
    /* a run upgrades it, and records its case (in a folder of its own: its
     * report names its own run id, which would change the first run's) */
    run[5] = "out2";
    rc = run_argv(run);
    ck_assert_msg(rc == 0 || rc == 3, "exit %d: %s", rc, t_err);
    ck_assert_int_eq(sql_int(db, "PRAGMA user_version"), 9); /* the newest schema */
    ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM runs WHERE run_case = 'VNG-PSD-2026-004'"),
                     1);
    ck_assert_int_eq(run_argv(runs), 0);
    ck_assert_msg(strstr(t_out, "VNG-PSD-2026-004"), "%s", t_out);
    /* verify is not disturbed by the column */
    const char *verify[] = { "verify", id, "--db", "t.db", NULL };
    ck_assert_msg(run_argv(verify) == 0, "%s%s", t_out, t_err);
    for (int i = 0; i < 5; i++) {
        free(sets[i]);
    }
    free(db);
    free(id);
    free(tender);
}
END_TEST

START_TEST(case_key_checked)
{
    char *wf = t_write(t_dir, "bad.ini",
                       "[workflow]\nname = bad\ncase = ghost, settings:nodot, settings\n"
                       "[input.settings]\ntype = ini\nrequired = no\n"
                       "[step.one]\nplugin = noop\n");
    const char *check[] = { "check", wf, NULL };
    ck_assert_int_eq(run_argv(check), 2);
    ck_assert_msg(strstr(t_err, "bad.ini:3: case: the workflow has no input \"ghost\""), "%s",
                  t_err);
    ck_assert_msg(strstr(t_err, "found \"settings:nodot\""), "%s", t_err);
    ck_assert_msg(strstr(t_err, "input settings is a file of many values"), "%s", t_err);
    free(wf);
}
END_TEST

/* Is cmd a command of the CLI?  Asked of the binary itself. */
static int is_command(const char *cmd)
{
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(commands[i], cmd) == 0) {
            const char *help[] = { "help", cmd, NULL };
            return run_argv(help) == 0;
        }
    }
    return 0;
}

/* Every `regie WORD` of a text in code (a `span` or a code block line)
 * where regie stands as a command: at the start of the code, after `$ `,
 * a pipe, && or a parenthesis (not after `;`: messages quoted in code
 * blocks say "...; regie writes nothing").  Options (regie --db) are not
 * commands.  Problems appended to bad. */
static void check_code(const char *file, int line, const char *code, char **bad)
{
    for (const char *p = code; (p = strstr(p, "regie ")) != NULL; p += 6) {
        const char *b = p;
        while (b > code && b[-1] == ' ') {
            b--;
        }
        int command_pos = b == code || b[-1] == '$' || b[-1] == '|' || b[-1] == '&' ||
                          b[-1] == '(' || b[-1] == '`';
        if (!command_pos) {
            continue;
        }
        char word[64];
        if (p[6] == '-' || sscanf(p + 6, "%63[a-z-]", word) != 1) {
            continue;
        }
        char *add = NULL;
        if (!is_command(word)) {
            add = t_asprintf("%s%s:%d: regie %s is no command\n", *bad ? *bad : "", file, line,
                             word);
        } else if (strcmp(word, "approve") == 0 && !strstr(p, "--by")) {
            add = t_asprintf("%s%s:%d: regie approve without --by\n", *bad ? *bad : "", file,
                             line);
        }
        if (add) {
            free(*bad);
            *bad = add;
        }
    }
}

static void check_doc(const char *path, const char *name, char **bad, int *seen)
{
    char *text = t_read(path);
    ck_assert_ptr_nonnull(text);
    int fence = 0, ln = 0;
    for (char *p = text; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl) {
            *nl = 0;
        }
        ln++;
        const char *t = p + strspn(p, " ");
        if (strncmp(t, "```", 3) == 0) {
            fence = !fence;
        } else if (fence || strncmp(p, "    ", 4) == 0 || p[0] == '\t') {
            check_code(name, ln, t, bad);
            *seen += strstr(t, "regie ") != NULL;
        } else {
            for (char *a = strchr(p, '`'); a; a = strchr(a, '`')) {
                char *z = strchr(a + 1, '`');
                if (!z) {
                    break;
                }
                char *span = strndup(a + 1, (size_t)(z - a - 1));
                check_code(name, ln, span, bad);
                *seen += strstr(span, "regie ") == span;
                free(span);
                a = z + 1;
            }
        }
        p = nl ? nl + 1 : NULL;
    }
    free(text);
}

START_TEST(docs_name_only_commands)
{
    char *dir = t_src("doc");
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    char *bad = NULL;
    int seen = 0, files = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l > 3 && strcmp(e->d_name + l - 3, ".md") == 0) {
            char *p = t_asprintf("%s/%s", dir, e->d_name);
            char *name = t_asprintf("doc/%s", e->d_name);
            check_doc(p, name, &bad, &seen);
            free(name);
            free(p);
            files++;
        }
    }
    closedir(d);
    char *readme = t_src("README");
    check_doc(readme, "README", &bad, &seen);
    free(readme);
    ck_assert_msg(files >= 3 && seen > 20, "only %d files, %d commands seen", files, seen);
    ck_assert_msg(!bad, "the docs name commands regie does not have:\n%s", bad ? bad : "");
    free(dir);
}
END_TEST

Suite *suite_cli2(void);
Suite *suite_cli2(void)
{
    Suite *s = suite_create("cli2");
    TCase *tc = tcase_create("cli2");
    tcase_add_checked_fixture(tc, setup, t_dir_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, help_is_per_command);
    tcase_add_test(tc, version_is_the_release);
    tcase_add_test(tc, listing_in_local_time);
    tcase_add_test(tc, dutch_by_lang);
    tcase_add_test(tc, runs_show_the_case);
    tcase_add_test(tc, case_key_checked);
    tcase_add_test(tc, docs_name_only_commands);
    suite_add_tcase(s, tc);
    return s;
}
