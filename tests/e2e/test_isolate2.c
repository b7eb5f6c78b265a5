/* End-to-end: `isolate = process` as the engine's default, set in the
 * engine configuration file (the [run] isolate of etc/regie.ini, here a
 * file given with --config): plugin steps without a key of their own run
 * in a child process, where a crash and a hang fail only their own steps,
 * naming the signal and the timeout, while the other branches finish; a
 * step's own `isolate = none` takes it back into the process; Lua steps
 * are not affected. */
#define _GNU_SOURCE
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The test plugin NAME (tests/fixtures) in the folder plug/ of the test. */
static void plug(const char *name)
{
    char *rel = t_asprintf("tests/fixtures/.libs/%s.so", name);
    char *from = t_build(rel);
    char *dir = t_path("plug");
    mkdir(dir, 0777);
    char *to = t_asprintf("%s/%s.so", dir, name);
    ck_assert_msg(symlink(from, to) == 0, "symlink %s", to);
    free(to);
    free(dir);
    free(from);
    free(rel);
}

#define RUN(out, err, ...)                                                                         \
    t_regie(t_dir, out, err, (const char *const[]){ __VA_ARGS__, NULL })

#define HAS(text, what)                                                                            \
    ck_assert_msg((text) && strstr((text), (what)) != NULL, "no \"%s\" in:\n%s", (what),           \
                  (text) ? (text) : "(null)")

/* The engine configuration: isolate = process for every plugin step. */
static void config(void)
{
    free(t_write(t_dir, "engine.ini",
                 "[paths]\nplugin_path = plug\n[run]\nisolate = process\n"));
}

/* A crash and a hang in two branches, with the default from the file: each
 * fails alone, the step reading the crashed one's output ends as upstream,
 * the Lua branch and the step after it finish. */
START_TEST(config_default_isolates_crash_and_hang)
{
    plug("crash");
    plug("hang");
    config();
    free(t_write(t_dir, "ok.lua", "return { run = function(step) regie.output('a', 7) end }\n"));
    free(t_write(t_dir, "show.lua",
                 "return { run = function(step)\n"
                 "  regie.write('a.txt', tostring(regie.input('a')) .. '\\n')\n"
                 "end }\n"));
    char *wf = t_write(t_dir, "w.ini",
                       "[workflow]\nname = iso2\n"
                       "[step.crash]\nplugin = crash\nwrites = b\n"
                       "[step.use]\nplugin = noop\nreads = b\n"
                       "[step.hang]\nplugin = hang\ntimeout = 1\n"
                       "[step.ok]\nscript = ok.lua\nwrites = a\n"
                       "[step.after_ok]\nscript = show.lua\nreads = a\n");
    char *out = NULL, *err = NULL;
    int rc = RUN(&out, &err, "--config", "engine.ini", "run", wf, "--out", "o", "--jobs", "2",
                 "--no-store");
    ck_assert_msg(rc == 1, "status %d\n%s", rc, err);
    HAS(err, "plugin crash killed by signal 11 (Segmentation fault)");
    char *sum = t_readf("%s/o/run-summary.txt", t_dir);
    HAS(sum, "  crash: failed - plugin crash killed by signal 11 (Segmentation fault)");
    HAS(sum, "  use: upstream");
    HAS(sum, "  hang: failed - timed out after 1 s (plugin hang, its process was killed)");
    HAS(sum, "  ok: done");
    HAS(sum, "  after_ok: done");
    free(sum);
    char *a = t_readf("%s/o/a.txt", t_dir);
    ck_assert_msg(a && strcmp(a, "7\n") == 0, "o/a.txt: %s", a ? a : "(none)");
    free(a);
    free(out);
    free(err);
    free(wf);
}
END_TEST

/* exit() in a plugin: isolated by the file's default, it fails its step
 * (status 1); the step's own `isolate = none` runs it in the process,
 * which it then ends (status 70). */
START_TEST(step_key_over_config_default)
{
    plug("exits");
    config();
    const char *keys[] = { "", "isolate = none\n" };
    const int want[] = { 1, 70 };
    for (int i = 0; i < 2; i++) {
        char *text = t_asprintf("[workflow]\nname = iso2-exit\n"
                                "[step.exits]\nplugin = exits\n%s"
                                "[step.other]\nplugin = noop\n",
                                keys[i]);
        char *wf = t_write(t_dir, "w.ini", text);
        char *out = NULL, *err = NULL;
        int rc = RUN(&out, &err, "--config", "engine.ini", "run", wf, "--out", "o", "--jobs",
                     "1", "--no-store");
        ck_assert_msg(rc == want[i], "case %d: status %d\n%s", i, rc, err);
        HAS(err, i == 0 ? "plugin exits exited with status 0 before finishing"
                        : "step exits (plugin exits) ended the process by exit(0)");
        free(out);
        free(err);
        free(wf);
        free(text);
    }
}
END_TEST

Suite *suite_isolate2(void);
Suite *suite_isolate2(void)
{
    Suite *s = suite_create("isolate2");
    TCase *tc = tcase_create("e2e");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, t_dir_setup, t_dir_teardown);
    tcase_add_test(tc, config_default_isolates_crash_and_hang);
    tcase_add_test(tc, step_key_over_config_default);
    suite_add_tcase(s, tc);
    return s;
}
