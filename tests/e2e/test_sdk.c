/* End-to-end: `regie plugin new` writes a plugin skeleton that builds
 * with make against the build tree (its uninstalled pkg-config files),
 * passes its own tests against the mock host, installs, and runs as a
 * step of a workflow in the real regie; and it refuses a bad name or a
 * folder that is already there. */
#define _GNU_SOURCE
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef TEST_CC
#define TEST_CC "cc"
#endif
#ifndef TEST_PKG_CONFIG
#define TEST_PKG_CONFIG "pkg-config"
#endif

#define RUN(out, err, ...)                                                                         \
    t_regie(t_dir, out, err, (const char *const[]){ __VA_ARGS__, NULL })

#define HAS(text, what)                                                                            \
    ck_assert_msg((text) && strstr((text), (what)) != NULL, "no \"%s\" in:\n%s", (what),           \
                  (text) ? (text) : "(null)")

/* `make ARGS` in t_dir/dir as a plugin author runs it, with pkg-config
 * pointed at the build tree (regie-uninstalled.pc, regie-mock-uninstalled.pc)
 * and the compiler regie was built with; its output in *log (caller
 * frees).  Returns make's exit status. */
static int make_in(const char *dir, const char *args, char **log)
{
    char *d = t_path(dir);
    char *logf = t_path("make.log");
    /* the make running the tests hands its jobserver to its children:
     * not to this one */
    char *cmd = t_asprintf("cd '%s' && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "
                           "PKG_CONFIG_PATH='%s' make CC='%s' PKG_CONFIG='%s' %s >'%s' 2>&1",
                           d, TEST_BUILDDIR, TEST_CC, TEST_PKG_CONFIG, args, logf);
    int st = system(cmd);
    *log = t_read(logf);
    free(cmd);
    free(logf);
    free(d);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int exists(const char *rel)
{
    char *p = t_path(rel);
    int e = access(p, F_OK) == 0;
    free(p);
    return e;
}

/* The skeleton as written: built, tested, installed, and run by regie on
 * a workflow, whose outputs are compared; a bad cell of the input is a
 * data error of the run (exit status 2) naming file, line and column. */
START_TEST(skeleton_builds_tests_installs_and_runs)
{
    char *out = NULL, *err = NULL;
    int rc = RUN(&out, &err, "plugin", "new", "demo", "src/demo");
    /* the folder above DIR must be there */
    ck_assert_msg(rc == 2, "status %d\n%s", rc, err);
    HAS(err, "cannot make the folder src/demo");
    ck_assert(!exists("src"));
    free(out);
    free(err);
    rc = RUN(&out, &err, "plugin", "new", "demo", "demo-src");
    ck_assert_msg(rc == 0, "status %d\n%s", rc, err);
    HAS(out, "plugin demo written to demo-src: demo.c, demo_test.c, Makefile, README.md");
    free(out);
    free(err);
    const char *files[] = { "demo.c", "demo_test.c", "Makefile", "README.md" };
    for (size_t i = 0; i < 4; i++) {
        char *rel = t_asprintf("demo-src/%s", files[i]);
        char *text = t_readf("%s/%s", t_dir, rel);
        ck_assert_msg(text != NULL, "%s not written", rel);
        ck_assert_msg(!strstr(text, "@NAME@") && !strstr(text, "@CNAME@") &&
                          !strstr(text, "@REGIE_VERSION@"),
                      "%s: a template key left", rel);
        free(text);
        free(rel);
    }
    char *src = t_readf("%s/demo-src/demo.c", t_dir);
    HAS(src, "REGIE_PLUGIN_INIT(\"demo\"");
    HAS(src, "static int demo_run(");
    free(src);

    char *log = NULL;
    rc = make_in("demo-src", "", &log);
    ck_assert_msg(rc == 0, "make: status %d\n%s", rc, log);
    ck_assert_msg(strstr(log, "warning") == NULL, "make warns:\n%s", log);
    free(log);
    ck_assert(exists("demo-src/demo.so"));
    rc = make_in("demo-src", "check", &log);
    ck_assert_msg(rc == 0, "make check: status %d\n%s", rc, log);
    HAS(log, "demo_test: all ");
    HAS(log, " checks passed");
    free(log);
    char *plug = t_path("plug");
    char *args = t_asprintf("install PLUGINDIR='%s'", plug);
    rc = make_in("demo-src", args, &log);
    ck_assert_msg(rc == 0, "make install: status %d\n%s", rc, log);
    free(log);
    free(args);
    free(plug);
    ck_assert(exists("plug/demo.so"));

    /* regie reads its parameter table */
    free(t_write(t_dir, "w.ini",
                 "[workflow]\nname = sdk-demo\n[engine]\nplugin_path = plug\n"
                 "[input.costs]\ntype = csv\n"
                 "[step.big]\nplugin = demo\nreads = costs\ndata = costs\ncolumn = amount\n"
                 "min = 100\nsum = big_total\nrows = big_costs\nwrites = big_total, big_costs\n"
                 "[step.write]\nplugin = csv-write\nreads = big_costs\ndata = big_costs\n"
                 "file = big.csv\n"
                 "[step.show]\nscript = show.lua\nreads = big_total\n"));
    free(t_write(t_dir, "show.lua",
                 "return { run = function(step)\n"
                 "  regie.write('total.txt', tostring(regie.input('big_total')) .. '\\n')\n"
                 "end }\n"));
    free(t_write(t_dir, "costs.csv",
                 "item,amount\nhall,450.00\ncoffee,120.5\nlunch,835.125\nflowers,\n"
                 "speakers,300\n"));
    rc = RUN(&out, &err, "--engine", "plugin_path=plug", "plugins", "demo");
    ck_assert_msg(rc == 0, "status %d\n%s", rc, err);
    HAS(out, "column");
    HAS(out, "decimals");
    free(out);
    free(err);
    rc = RUN(&out, &err, "run", "w.ini", "--set", "costs=costs.csv", "--out", "o", "--no-store");
    ck_assert_msg(rc == 0, "status %d\n%s", rc, err);
    HAS(err, "big: info: 4 of 5 rows kept");
    free(out);
    free(err);
    char *big = t_readf("%s/o/big.csv", t_dir);
    ck_assert_msg(big != NULL, "no o/big.csv");
    ck_assert_str_eq(big, "item,amount\r\nhall,450.00\r\ncoffee,120.5\r\nlunch,835.125\r\n"
                          "speakers,300\r\n");
    free(big);
    char *total = t_readf("%s/o/total.txt", t_dir);
    ck_assert_msg(total != NULL, "no o/total.txt");
    /* 450 + 120.5 + 835.125 + 300 = 1705.625, half-up: 1705.63 */
    ck_assert_str_eq(total, "1705.63\n");
    free(total);

    /* a cell that is no number: the run's input error, by file and line */
    free(t_write(t_dir, "bad.csv", "item,amount\nhall,450\nchairs,n/a\ncoffee,x1\n"));
    rc = RUN(&out, &err, "run", "w.ini", "--set", "costs=bad.csv", "--out", "o2", "--no-store");
    ck_assert_msg(rc == 2, "status %d\n%s", rc, err);
    HAS(err, "bad.csv:3: column amount: found \"n/a\", expected a number");
    HAS(err, "bad.csv:4: column amount: found \"x1\", expected a number");
    free(out);
    free(err);
}
END_TEST

/* A name with '-' becomes a C identifier with '_' where the C needs one;
 * the plugin keeps its name. */
START_TEST(name_with_hyphen)
{
    char *out = NULL, *err = NULL;
    int rc = RUN(&out, &err, "plugin", "new", "cost-sum");
    ck_assert_msg(rc == 0, "status %d\n%s", rc, err);
    HAS(out, "plugin cost-sum written to cost-sum:");
    free(out);
    free(err);
    char *src = t_readf("%s/cost-sum/cost-sum.c", t_dir);
    ck_assert_msg(src != NULL, "no cost-sum/cost-sum.c");
    HAS(src, "REGIE_PLUGIN_INIT(\"cost-sum\"");
    HAS(src, "static int cost_sum_run(");
    free(src);
    char *mk = t_readf("%s/cost-sum/Makefile", t_dir);
    HAS(mk, "PLUGIN = cost-sum\n");
    free(mk);
    char *log = NULL;
    rc = make_in("cost-sum", "", &log);
    ck_assert_msg(rc == 0, "make: status %d\n%s", rc, log);
    free(log);
    ck_assert(exists("cost-sum/cost-sum.so"));
}
END_TEST

/* Refused: a name that is not a plugin's (nothing written), a folder that
 * is there (left as it was), and a command without `new NAME`. */
START_TEST(refusals)
{
    const char *bad[] = { "Demo", "1demo", "_demo", "de mo", "de/mo", "", "demo.so", "démo" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *out = NULL, *err = NULL;
        int rc = RUN(&out, &err, "plugin", "new", bad[i], "x");
        ck_assert_msg(rc == 64, "\"%s\": status %d\n%s", bad[i], rc, err);
        char *want = t_asprintf("found \"%s\", expected a plugin name", bad[i]);
        HAS(err, want);
        free(want);
        ck_assert_msg(!exists("x"), "\"%s\": x written", bad[i]);
        free(out);
        free(err);
    }
    char *long_name = calloc(1, 70);
    memset(long_name, 'a', 65);
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(RUN(&out, &err, "plugin", "new", long_name, "x"), 64);
    free(out);
    free(err);
    free(long_name);

    /* a folder that is there, with a file of its own; and a file */
    free(t_write(t_dir, "taken/Makefile", "mine\n"));
    free(t_write(t_dir, "afile", "mine too\n"));
    const char *dirs[] = { "taken", "afile" };
    for (size_t i = 0; i < 2; i++) {
        int rc = RUN(&out, &err, "plugin", "new", "demo", dirs[i]);
        ck_assert_msg(rc == 2, "%s: status %d\n%s", dirs[i], rc, err);
        char *want = t_asprintf("%s is already there: nothing written", dirs[i]);
        HAS(err, want);
        free(want);
        free(out);
        free(err);
    }
    char *mine = t_readf("%s/taken/Makefile", t_dir);
    ck_assert_str_eq(mine, "mine\n");
    free(mine);
    ck_assert(!exists("taken/demo.c"));
    mine = t_readf("%s/afile", t_dir);
    ck_assert_str_eq(mine, "mine too\n");
    free(mine);
    /* DIR defaults to NAME: a second time it is there */
    ck_assert_int_eq(RUN(&out, &err, "plugin", "new", "twice"), 0);
    free(out);
    free(err);
    ck_assert_int_eq(RUN(&out, &err, "plugin", "new", "twice"), 2);
    HAS(err, "twice is already there");
    free(out);
    free(err);

    const char *const usage[][4] = { { "plugin", NULL }, { "plugin", "new", NULL },
                                     { "plugin", "old", "demo", NULL },
                                     { "plugin", "new", "a", "b" } };
    for (size_t i = 0; i < 4; i++) {
        const char *argv[6] = { 0 };
        for (size_t k = 0; k < 4 && usage[i][k]; k++) {
            argv[k] = usage[i][k];
        }
        if (i == 3) {
            argv[4] = "c";
        }
        int rc = t_regie(t_dir, &out, &err, argv);
        ck_assert_msg(rc == 64, "case %zu: status %d\n%s", i, rc, err);
        HAS(err, "usage: regie plugin new NAME [DIR]");
        free(out);
        free(err);
    }
    ck_assert(!exists("a") && !exists("b"));
    /* its help */
    ck_assert_int_eq(RUN(&out, &err, "help", "plugin"), 0);
    HAS(out, "usage: regie plugin new NAME [DIR]");
    free(out);
    free(err);
    /* and in Dutch */
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    unsetenv("LANGUAGE");
    setenv("LANG", "nl_NL.UTF-8", 1);
    ck_assert_int_eq(RUN(&out, &err, "help", "plugin"), 0);
    HAS(out, "gebruik: regie plugin new NAAM [MAP]");
    free(out);
    free(err);
    ck_assert_int_eq(RUN(&out, &err, "plugin", "new"), 64);
    HAS(err, "gebruik: regie plugin new NAAM [MAP]");
    free(out);
    free(err);
    ck_assert_int_eq(RUN(&out, &err, "--help"), 0);
    HAS(out, "  plugin new NAAM [MAP]\n");
    free(out);
    free(err);
}
END_TEST

Suite *suite_sdk(void);
Suite *suite_sdk(void)
{
    Suite *s = suite_create("sdk");
    TCase *tc = tcase_create("e2e");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, t_dir_setup, t_dir_teardown);
    tcase_add_test(tc, skeleton_builds_tests_installs_and_runs);
    tcase_add_test(tc, name_with_hyphen);
    tcase_add_test(tc, refusals);
    suite_add_tcase(s, tc);
    return s;
}
