/* Durable runs end to end: the real binary killed with SIGKILL at many
 * points, then resumed; the outputs must equal a clean run's byte for byte,
 * and no completed step may run twice. */
#define _GNU_SOURCE
#include "testutil.h"

#include <check.h>
#include <fcntl.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NSTEPS 10

static char *tmp;

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = NULL;
    if (vasprintf(&p, fmt, ap) < 0) {
        abort();
    }
    va_end(ap);
    return p;
}

/* A workflow of NSTEPS busy steps (a chain with a fan-out in the middle),
 * each writing a file and data; `final` combines them. */
static void make_workflow(const char *dir, double busy)
{
    (void)busy;
    char *ini = xasprintf("[workflow]\nname = crashy\n");
    for (int i = 1; i <= NSTEPS; i++) {
        char *script = xasprintf(
            "return { params = { n = { type = 'integer', required = true } },\n"
            "run = function(step)\n"
            "  local t = os.clock() while os.clock() - t < %g do end\n"
            "  local v = step.params.n\n"
            "  %s\n"
            "  regie.write('parts/' .. step.name .. '.txt', string.format('%%s %%d\\n', step.name, v))\n"
            "  regie.output('d%d', v)\n"
            "end }\n",
            busy,
            i == 1 ? "" : (i <= 5 ? "v = v + regie.input('d1') * 7" : "v = v + regie.input('d' .. (step.params.n - 1)) * 3"),
            i);
        char *name = xasprintf("s%d.lua", i);
        free(t_write(dir, name, script));
        free(name);
        free(script);
        const char *reads = i == 1 ? "" : (i <= 5 ? "reads = d1\n" : NULL);
        char *r2 = reads ? xasprintf("%s", reads) : xasprintf("reads = d%d\n", i - 1);
        char *sec = xasprintf("%s[step.s%d]\nscript = s%d.lua\nn = %d\n%swrites = d%d\n", ini, i, i, i,
                              r2, i);
        free(r2);
        free(ini);
        ini = sec;
    }
    char *fin = xasprintf("%s[step.final]\nscript = final.lua\nreads = d2, d3, d4, d5, d%d\n", ini,
                          NSTEPS);
    free(ini);
    free(t_write(dir, "w.ini", fin));
    free(fin);
    free(t_write(dir, "final.lua",
                 "return { run = function()\n"
                 "  local s = 0\n"
                 "  for _, k in ipairs({ 'd2', 'd3', 'd4', 'd5', 'd10' }) do s = s + regie.input(k) end\n"
                 "  regie.write('total.txt', tostring(s) .. '\\n')\n"
                 "end }\n"));
}

static pid_t spawn(const char *cwd, const char *const *argv)
{
    char *bin = t_build("regie");
    pid_t pid = fork();
    if (pid == 0) {
        if (chdir(cwd) != 0) {
            _exit(127);
        }
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        dup2(fd, 2);
        setenv("REGIE_DB", "test-runs.db", 1);
        size_t n = 0;
        while (argv[n]) {
            n++;
        }
        char **av = calloc(n + 2, sizeof *av);
        av[0] = bin;
        for (size_t i = 0; i < n; i++) {
            av[i + 1] = (char *)argv[i];
        }
        execv(bin, av);
        _exit(127);
    }
    free(bin);
    return pid;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static char *first_run_id(const char *cwd)
{
    char *out = NULL, *err = NULL;
    const char *argv[] = { "runs", NULL };
    t_regie(cwd, &out, &err, argv);
    char *id = NULL;
    char *nl = out ? strchr(out, '\n') : NULL;
    if (nl && nl[1]) {
        char buf[64];
        if (sscanf(nl + 1, "%63s", buf) == 1) {
            id = strdup(buf);
        }
    }
    free(out);
    free(err);
    return id;
}

static void same_file(const char *a_dir, const char *b_dir, const char *rel)
{
    char *a = xasprintf("%s/%s", a_dir, rel), *b = xasprintf("%s/%s", b_dir, rel);
    char *ta = t_read(a), *tb = t_read(b);
    ck_assert_msg(ta != NULL, "%s missing", a);
    ck_assert_msg(tb != NULL, "%s missing", b);
    ck_assert_msg(strcmp(ta, tb) == 0, "%s differs from %s:\n%s---\n%s", b, a, ta, tb);
    free(ta);
    free(tb);
    free(a);
    free(b);
}

static int count_in(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle)) {
        n++;
    }
    return n;
}

START_TEST(kill_at_many_points_then_resume)
{
    tmp = t_tmpdir();
    char *clean = xasprintf("%s/clean", tmp);
    mkdir(clean, 0777);
    make_workflow(clean, 0.03);
    const char *runv[] = { "run", "w.ini", "--out", "out", "--jobs", "2", NULL };
    pid_t pid = spawn(clean, runv);
    int st;
    waitpid(pid, &st, 0);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "clean run failed");
    char *ref = xasprintf("%s/out", clean);
    /* kill points spread over the run (about 0.3 s of steps on 2 cores) */
    const int delays[] = { 5, 20, 45, 70, 100, 130, 160, 200, 240, 290 };
    int resumed_partial = 0;
    for (size_t k = 0; k < sizeof delays / sizeof delays[0]; k++) {
        char *dir = xasprintf("%s/k%zu", tmp, k);
        mkdir(dir, 0777);
        make_workflow(dir, 0.03);
        pid = spawn(dir, runv);
        sleep_ms(delays[k]);
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        char *id = first_run_id(dir);
        if (!id) {
            /* killed before the run was even recorded: nothing to resume */
            free(dir);
            continue;
        }
        char *out = NULL, *err = NULL;
        const char *rv[] = { "resume", id, NULL };
        int rc = t_regie(dir, &out, &err, rv);
        ck_assert_msg(rc == 0, "kill after %d ms: resume exit %d: %s", delays[k], rc, err);
        if (WIFSIGNALED(st)) {
            resumed_partial++;
        }
        free(out);
        free(err);
        char *got = xasprintf("%s/out", dir);
        same_file(ref, got, "total.txt");
        for (int i = 1; i <= NSTEPS; i++) {
            char *rel = xasprintf("parts/s%d.txt", i);
            same_file(ref, got, rel);
            free(rel);
        }
        /* a step recorded as done is never done again */
        const char *lv[] = { "log", id, NULL };
        t_regie(dir, &out, &err, lv);
        for (int i = 1; i <= NSTEPS; i++) {
            char *needle = xasprintf("step s%d: done", i);
            ck_assert_msg(count_in(out, needle) == 1, "%s appears %d times after kill at %d ms",
                          needle, count_in(out, needle), delays[k]);
            free(needle);
        }
        free(out);
        free(err);
        const char *vv[] = { "verify", id, NULL };
        ck_assert_int_eq(t_regie(dir, NULL, NULL, vv), 0);
        free(got);
        free(id);
        free(dir);
    }
    ck_assert_msg(resumed_partial >= 5, "only %d runs were killed part-way", resumed_partial);
    free(ref);
    free(clean);
    t_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(lock_changed_definition_and_no_rerun)
{
    tmp = t_tmpdir();
    free(t_write(tmp, "quick.lua", "return { run = function() regie.output('a', 1) end }\n"));
    free(t_write(tmp, "slow.lua",
                 "return { run = function()\n"
                 "  local t = os.clock() while os.clock() - t < 1.5 do end\n"
                 "  regie.write('sent.txt', 'sent once\\n')\n"
                 "end }\n"));
    free(t_write(tmp, "w.ini",
                 "[workflow]\nname = once\n"
                 "[step.quick]\nscript = quick.lua\nwrites = a\n"
                 "[step.send]\nscript = slow.lua\nreads = a\nrerun = no\n"));
    const char *runv[] = { "run", "w.ini", "--out", "out", NULL };
    pid_t pid = spawn(tmp, runv);
    sleep_ms(600);
    char *id = first_run_id(tmp);
    ck_assert_ptr_nonnull(id);
    /* while the first process holds the run, a second is refused */
    char *out = NULL, *err = NULL;
    const char *rv[] = { "resume", id, NULL };
    int rc = t_regie(tmp, &out, &err, rv);
    ck_assert_int_eq(rc, 2);
    ck_assert_msg(strstr(err, "pid") != NULL, "%s", err);
    free(out);
    free(err);
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    /* the script changed since: refused, naming the file */
    free(t_write(tmp, "quick.lua", "return { run = function() regie.output('a', 2) end }\n"));
    rc = t_regie(tmp, &out, &err, rv);
    ck_assert_int_eq(rc, 2);
    ck_assert_msg(strstr(err, "quick.lua: changed") != NULL, "%s", err);
    free(out);
    free(err);
    free(t_write(tmp, "quick.lua", "return { run = function() regie.output('a', 1) end }\n"));
    /* `send` was running and must not run again unconfirmed */
    rc = t_regie(tmp, &out, &err, rv);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, err);
    ck_assert_msg(strstr(err, "confirmation that step send may run again") != NULL, "%s", err);
    free(out);
    free(err);
    const char *av[] = { "approve", id, "send", "--by", "operator", NULL };
    ck_assert_int_eq(t_regie(tmp, NULL, NULL, av), 0);
    rc = t_regie(tmp, &out, &err, rv);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *p = xasprintf("%s/out/sent.txt", tmp);
    char *sent = t_read(p);
    ck_assert_str_eq(sent, "sent once\n");
    free(sent);
    free(p);
    free(out);
    free(err);
    free(id);
    t_rmtree(tmp);
    free(tmp);
}
END_TEST

/* A module a script requires only inside run() joins the run's definition
 * when the step that loads it is recorded: `show` lists it, and a change to
 * it makes resume refuse (until --allow-changed). */
START_TEST(module_required_in_run_is_recorded)
{
    tmp = t_tmpdir();
    char *lib = xasprintf("%s/lib", tmp);
    setenv("REGIE_SCRIPT_PATH", lib, 1);
    free(t_write(tmp, "lib/late.lua", "return { n = 1 }\n"));
    free(t_write(tmp, "uses.lua",
                 "return { run = function() regie.output('a', require('late').n) end }\n"));
    free(t_write(tmp, "w.ini",
                 "[workflow]\nname = late\n"
                 "[step.uses]\nscript = uses.lua\nwrites = a\n"
                 "[step.board]\nwait = approval\nafter = uses\n"));
    char *out = NULL, *err = NULL;
    const char *runv[] = { "run", "w.ini", "--out", "out", NULL };
    int rc = t_regie(tmp, &out, &err, runv);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, err);
    free(out);
    free(err);
    char *id = first_run_id(tmp);
    ck_assert_ptr_nonnull(id);
    const char *showv[] = { "show", id, NULL };
    rc = t_regie(tmp, &out, &err, showv);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    ck_assert_msg(strstr(out, "lib/late.lua") != NULL, "not in the definition:\n%s", out);
    free(out);
    free(err);
    /* unchanged: resume goes on (and waits for the approval again) */
    const char *rv[] = { "resume", id, NULL };
    rc = t_regie(tmp, &out, &err, rv);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, err);
    free(out);
    free(err);
    free(t_write(tmp, "lib/late.lua", "return { n = 2 }\n"));
    rc = t_regie(tmp, &out, &err, rv);
    ck_assert_int_eq(rc, 2);
    ck_assert_msg(strstr(err, "late.lua: changed") != NULL, "%s", err);
    free(out);
    free(err);
    const char *rva[] = { "resume", id, "--allow-changed", NULL };
    rc = t_regie(tmp, &out, &err, rva);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, err);
    free(out);
    free(err);
    free(id);
    free(lib);
    t_rmtree(tmp);
    free(tmp);
}
END_TEST

START_TEST(store_faults)
{
    tmp = t_tmpdir();
    free(t_write(tmp, "notastore.db", "this is not a database, just text\n"));
    free(t_write(tmp, "w.ini", "[workflow]\nname = w\n[step.a]\nplugin = noop\n"));
    char *out = NULL, *err = NULL;
    const char *rv[] = { "run", "w.ini", "--db", "notastore.db", "--out", "o", NULL };
    ck_assert_int_eq(t_regie(tmp, &out, &err, rv), 2);
    ck_assert_msg(strstr(err, "notastore.db") && strstr(err, "not an SQLite file"), "%s", err);
    free(out);
    free(err);
    char *txt = xasprintf("%s/notastore.db", tmp);
    char *kept = t_read(txt);
    ck_assert_str_eq(kept, "this is not a database, just text\n"); /* untouched */
    free(kept);
    free(txt);
    const char *sv[] = { "show", "no-such-run", NULL };
    ck_assert_int_eq(t_regie(tmp, &out, &err, sv), 2);
    ck_assert_ptr_nonnull(strstr(err, "no run \"no-such-run\""));
    free(out);
    free(err);
    t_rmtree(tmp);
    free(tmp);
}
END_TEST

Suite *suite_resume(void);
Suite *suite_resume(void)
{
    Suite *s = suite_create("resume");
    TCase *tc = tcase_create("crash");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, kill_at_many_points_then_resume);
    tcase_add_test(tc, lock_changed_definition_and_no_rerun);
    tcase_add_test(tc, store_faults);
    tcase_add_test(tc, module_required_in_run_is_recorded);
    suite_add_tcase(s, tc);
    return s;
}
