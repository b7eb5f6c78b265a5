/* End-to-end: plugin steps run in a child process (`isolate = process`),
 * and plugin files refused at load reported by every command. */
#define _GNU_SOURCE
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The test plugin NAME (tests/fixtures) in the folder plug/ of the test. */
static void plug(const char *name)
{
    char rel[128], *dir = t_path("plug"), *to = NULL;
    snprintf(rel, sizeof rel, "tests/fixtures/.libs/%s.so", name);
    char *from = t_build(rel);
    mkdir(dir, 0777);
    if (asprintf(&to, "%s/%s.so", dir, name) < 0) {
        abort();
    }
    ck_assert_msg(symlink(from, to) == 0, "symlink %s", to);
    free(to);
    free(from);
    free(dir);
}

static char *summary(const char *outdir)
{
    char rel[128];
    snprintf(rel, sizeof rel, "%s/run-summary.txt", outdir);
    char *p = t_path(rel);
    char *s = t_read(p);
    ck_assert_msg(s != NULL, "no %s", p);
    free(p);
    return s;
}

#define RUN(out, err, ...)                                                                         \
    t_regie(t_dir, out, err, (const char *const[]){ __VA_ARGS__, NULL })

#define HAS(text, what) ck_assert_msg(strstr((text), (what)) != NULL, "no \"%s\" in:\n%s", (what), (text))

/* A plugin that crashes fails its step, naming the signal; regie lives on
 * and the other branch finishes. */
START_TEST(crash_fails_only_its_step)
{
    plug("crash");
    free(t_write(t_dir, "ok.lua", "return { run = function(step) regie.output('a', 1) end }\n"));
    char *wf = t_write(t_dir, "w.ini",
                       "[workflow]\nname = crash\n[engine]\nplugin_path = plug\n"
                       "[step.crash]\nplugin = crash\nisolate = process\nwrites = b\n"
                       "[step.use]\nplugin = noop\nreads = b\n"
                       "[step.ok]\nscript = ok.lua\nwrites = a\n"
                       "[step.after_ok]\nplugin = noop\nreads = a\n");
    char *out = NULL, *err = NULL;
    int rc = RUN(&out, &err, "run", wf, "--out", "o", "--jobs", "2", "--no-store");
    ck_assert_msg(rc == 1, "status %d\n%s", rc, err);
    HAS(err, "plugin crash killed by signal 11 (Segmentation fault)");
    char *sum = summary("o");
    HAS(sum, "  crash: failed - plugin crash killed by signal 11 (Segmentation fault)");
    HAS(sum, "  use: upstream");
    HAS(sum, "  ok: done");
    HAS(sum, "  after_ok: done");
    free(sum);
    free(out);
    free(err);
    free(wf);
}
END_TEST

/* A plugin that hangs without looking at host->cancelled is killed at the
 * step's timeout; isolation set for the engine (--engine isolate=process).
 * What it logged before reaches the run's log. */
START_TEST(hang_killed_at_timeout)
{
    plug("hang");
    char *wf = t_write(t_dir, "w.ini",
                       "[workflow]\nname = hang\n[engine]\nplugin_path = plug\n"
                       "[step.hang]\nplugin = hang\ntimeout = 1\nleave = o/part.csv\n"
                       "[step.other]\nplugin = noop\n");
    /* a file of the same pattern that no killed child left stays */
    free(t_write(t_dir, "o/keep.csv.tmp.1.1", "not ours"));
    char *out = NULL, *err = NULL;
    int rc = RUN(&out, &err, "run", wf, "--out", "o", "--jobs", "2", "--no-store", "--engine",
                 "isolate=process");
    ck_assert_msg(rc == 1, "status %d\n%s", rc, err);
    HAS(err, "hang: info: hanging");
    char *sum = summary("o");
    HAS(sum, "  hang: failed - timed out after 1 s");
    HAS(sum, "  other: done");
    /* the unfinished file of the killed child is gone */
    char *dir = t_path("o");
    char *cmd = NULL;
    if (asprintf(&cmd, "ls '%s' | grep -c 'part.csv.tmp' >/dev/null", dir) < 0) {
        abort();
    }
    ck_assert_msg(system(cmd) != 0, "part.csv.tmp.* left in %s", dir);
    char *keep = t_path("o/keep.csv.tmp.1.1");
    ck_assert_msg(access(keep, F_OK) == 0, "%s removed", keep);
    free(keep);
    free(cmd);
    free(dir);
    free(sum);
    free(out);
    free(err);
    free(wf);
}
END_TEST

/* exit(0) inside a plugin ends its process, not the run, and is no
 * success; isolation set in the workflow's [engine]. */
START_TEST(exit_in_plugin_fails_the_step)
{
    plug("exits");
    char *wf = t_write(t_dir, "w.ini",
                       "[workflow]\nname = exits\n[engine]\nplugin_path = plug\nisolate = process\n"
                       "[step.exits]\nplugin = exits\n"
                       "[step.other]\nplugin = noop\n");
    char *out = NULL, *err = NULL;
    int rc = RUN(&out, &err, "run", wf, "--out", "o", "--jobs", "1", "--no-store");
    ck_assert_msg(rc == 1, "status %d\n%s", rc, err);
    HAS(err, "plugin exits exited with status 0 before finishing");
    char *sum = summary("o");
    HAS(sum, "  exits: failed");
    HAS(sum, "  other: done");
    free(sum);
    free(out);
    free(err);
    free(wf);
}
END_TEST

static void kill_from(const char *pidfile)
{
    char *p = t_path(pidfile);
    char *text = t_read(p);
    ck_assert_msg(text != NULL, "no %s", p);
    long pid = atol(text);
    ck_assert(pid > 1);
    kill((pid_t)pid, SIGKILL);
    free(text);
    free(p);
}

/* A process the plugin started and left behind holds the pipe to the
 * step's child open: the step still ends when its child ends, done or
 * failed by the signal that ended it, not at its timeout. */
START_TEST(process_left_behind_does_not_hold_the_step)
{
    plug("spawn");
    char *wf = t_write(t_dir, "w.ini",
                       "[workflow]\nname = spawn\n[engine]\nplugin_path = plug\nisolate = process\n"
                       "[step.ok]\nplugin = spawn\npidfile = ok.pid\nwrites = n\ntimeout = 20\n"
                       "[step.crash]\nplugin = spawn\npidfile = crash.pid\ncrash = yes\n"
                       "timeout = 20\n");
    char *out = NULL, *err = NULL;
    int rc = RUN(&out, &err, "run", wf, "--out", "o", "--jobs", "2", "--no-store");
    kill_from("ok.pid");
    kill_from("crash.pid");
    ck_assert_msg(rc == 1, "status %d\n%s", rc, err);
    char *sum = summary("o");
    HAS(sum, "  ok: done");
    HAS(sum, "  crash: failed - plugin spawn killed by signal 11 (Segmentation fault)");
    free(sum);
    free(out);
    free(err);
    free(wf);
}
END_TEST

/* Whether process pid is there and not a zombie. */
static int alive(long pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) {
        return 0;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *paren = strrchr(buf, ')');
    return paren && paren[1] == ' ' && paren[2] != 'Z';
}

/* The pid in the name of the file o/part.tmp.PID.1 the hang fixture
 * leaves, once it is there (0 if it never comes). */
static long hang_child_pid(void)
{
    char *dir = t_path("o");
    long pid = 0;
    for (int i = 0; i < 3000 && !pid; i++) {
        DIR *d = opendir(dir);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (strncmp(e->d_name, "part.tmp.", 9) == 0) {
                pid = atol(e->d_name + 9);
            }
        }
        if (d) {
            closedir(d);
        }
        if (!pid) {
            usleep(10000);
        }
    }
    free(dir);
    return pid;
}

/* regie killed (kill -9) while an isolated step hangs: the step's child
 * process does not live on without it. */
START_TEST(killed_regie_takes_its_child_along)
{
    plug("hang");
    free(t_write(t_dir, "w.ini",
                 "[workflow]\nname = orphan\n[engine]\nplugin_path = plug\n"
                 "[step.hang]\nplugin = hang\nisolate = process\ntimeout = 0\nleave = o/part\n"));
    char *o = t_path("o");
    mkdir(o, 0777);
    free(o);
    char *bin = t_build("regie");
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        if (chdir(t_dir) != 0) {
            _exit(127);
        }
        execl(bin, "regie", "run", "w.ini", "--out", "o", "--no-store", (char *)NULL);
        _exit(127);
    }
    long child = hang_child_pid();
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    ck_assert_msg(child > 0, "the hang step never started");
    int gone = 0;
    for (int i = 0; i < 3000 && !gone; i++) {
        gone = !alive(child);
        if (!gone) {
            usleep(10000);
        }
    }
    if (!gone) {
        kill((pid_t)child, SIGKILL);
    }
    ck_assert_msg(gone, "the child %ld of the killed regie lives on", child);
    free(bin);
}
END_TEST

/* The line of `regie show` that records FILE among the outputs. */
static char *output_record(const char *db, const char *file)
{
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(RUN(&out, &err, "runs", "--db", db), 0);
    char *nl = strchr(out, '\n'); /* the heading */
    ck_assert_ptr_nonnull(nl);
    char id[64];
    ck_assert_int_eq(sscanf(nl + 1, "%63s", id), 1);
    free(out);
    free(err);
    ck_assert_int_eq(RUN(&out, &err, "show", id, "--db", db), 0);
    char *line = NULL;
    for (char *p = strtok(out, "\n"); p; p = strtok(NULL, "\n")) {
        if (strstr(p, file) && !line) {
            line = strdup(p);
        }
    }
    ck_assert_msg(line != NULL, "%s not recorded:\n%s", file, out);
    free(out);
    free(err);
    return line;
}

/* Isolated, a step gives what it gives in process: its output value (a
 * number stays a number), the files it writes and their record in the
 * store, and its input data errors (exit status 2). */
START_TEST(isolated_same_as_in_process)
{
    plug("good");
    plug("echo");
    free(t_write(t_dir, "rows.csv",
                 "id,n,k,ok,tags,note\n"
                 "a,1,7,yes,x;y,\"line\nbreak\"\n"
                 "b,2.5,,no,,\n"
                 "c,-0.125,-9007199254740993,,z,\"\"\n"));
    free(t_write(t_dir, "show.lua",
                 "local function d(v)\n"
                 "  if regie.is_null(v) then return 'null' end\n"
                 "  if regie.is_list(v) then return 'list' .. #v .. ':' .. table.concat(v, ';') end\n"
                 "  return tostring(v) .. ':' .. (math.type(v) or type(v))\n"
                 "end\n"
                 "return { run = function(step)\n"
                 "  local c, s = regie.input('copy'), { d(regie.input('total')) }\n"
                 "  for i = 1, #c do\n"
                 "    local r, f = c[i], {}\n"
                 "    for _, k in ipairs(c.columns) do f[#f + 1] = d(r[k]) end\n"
                 "    s[#s + 1] = table.concat(f, '|')\n"
                 "  end\n"
                 "  regie.write('total.txt', table.concat(s, '\\n'))\n"
                 "end }\n"));
    char *wf = t_write(t_dir, "w.ini",
                       "[workflow]\nname = same\n[engine]\nplugin_path = plug\n"
                       "[input.rows]\ntype = csv\n"
                       "columns = id:id, n:decimal, k:integer, ok:boolean, tags:list, note:text\n"
                       "[step.sum]\nplugin = good\ncolumn = n\nfactor = 3\nreads = rows\nwrites = total\n"
                       "[step.copy]\nplugin = echo\nreads = rows\nwrites = copy\n"
                       "[step.write]\nplugin = csv-write\nreads = copy\ndata = copy\nfile = sub/copy.csv\n"
                       "[step.show]\nscript = show.lua\nreads = total, copy\n");
    const char *modes[] = { "isolate=none", "isolate=process" };
    const char *outs[] = { "o1", "o2" };
    const char *dbs[] = { "a.db", "b.db" };
    for (int i = 0; i < 2; i++) {
        char *out = NULL, *err = NULL;
        int rc = RUN(&out, &err, "run", wf, "--set", "rows=rows.csv", "--out", outs[i], "--db",
                     dbs[i], "--engine", modes[i]);
        ck_assert_msg(rc == 0, "%s: status %d\n%s", modes[i], rc, err);
        free(out);
        free(err);
    }
    const char *files[] = { "total.txt", "sub/copy.csv", ".regie/data/sum.total.rgd",
                            ".regie/data/copy.copy.rgd" };
    for (int f = 0; f < 4; f++) {
        char rel[128];
        snprintf(rel, sizeof rel, "o1/%s", files[f]);
        char *p1 = t_path(rel);
        snprintf(rel, sizeof rel, "o2/%s", files[f]);
        char *p2 = t_path(rel);
        char *a = t_read(p1), *b = t_read(p2);
        ck_assert_msg(a && b, "%s missing", files[f]);
        ck_assert_str_eq(a, b);
        if (f == 0) {
            ck_assert_str_eq(a, "10.125:float\n"
                                "a:string|1.0:float|7:integer|true:boolean|list2:x;y|line\nbreak:string\n"
                                "b:string|2.5:float|null|false:boolean|null|:string\n"
                                "c:string|-0.125:float|-9007199254740993:integer|null|list1:z|:string");
        }
        free(a);
        free(b);
        free(p1);
        free(p2);
    }
    char *ra = output_record("a.db", "sub/copy.csv"), *rb = output_record("b.db", "sub/copy.csv");
    ck_assert_str_eq(ra, rb);
    free(ra);
    free(rb);

    /* data errors found in the child are the run's input errors */
    free(t_write(t_dir, "bad.csv", "n\n1\nx\n"));
    char *wf2 = t_write(t_dir, "w2.ini",
                        "[workflow]\nname = bad\n[engine]\nplugin_path = plug\n"
                        "[input.rows]\ntype = csv\ncolumns = n:text\n"
                        "[step.sum]\nplugin = good\ncolumn = n\nreads = rows\nwrites = total\n"
                        "isolate = process\n");
    char *out = NULL, *err = NULL;
    int rc = RUN(&out, &err, "run", wf2, "--set", "rows=bad.csv", "--out", "o3", "--no-store");
    ck_assert_msg(rc == 2, "status %d\n%s", rc, err);
    HAS(err, "bad.csv:3: column n: found \"x\", expected a number");
    free(out);
    free(err);
    free(wf2);
    free(wf);
}
END_TEST

START_TEST(isolate_key_checked)
{
    free(t_write(t_dir, "s.lua", "return { run = function(step) end }\n"));
    char *wf = t_write(t_dir, "w.ini",
                       "[workflow]\nname = keys\n"
                       "[step.a]\nplugin = noop\nisolate = thread\n"
                       "[step.b]\nscript = s.lua\nisolate = process\n");
    char *out = NULL, *err = NULL;
    int rc = RUN(&out, &err, "check", wf);
    ck_assert_int_eq(rc, 2);
    HAS(err, "w.ini:5: step a: isolate: found \"thread\", expected none or process");
    HAS(err, "w.ini:8: step b: isolate applies to plugin steps only");
    free(out);
    free(err);
    rc = RUN(&out, &err, "check", wf, "--engine", "isolate=yes");
    ck_assert_int_eq(rc, 2);
    HAS(err, "isolate: found \"yes\", expected none or process");
    free(out);
    free(err);
    free(wf);
}
END_TEST

/* A file on the plugin path that is not a usable plugin is reported by
 * `check` and `run` too (a warning naming the file and the reason), on the
 * engine's path and on a workflow's own; the run goes on without it. */
START_TEST(refused_plugins_reported_by_every_command)
{
    plug("bad_abi");
    plug("not_plugin");
    char *wf = t_write(t_dir, "w.ini", "[workflow]\nname = plain\n[step.a]\nplugin = noop\n");
    char *own = t_write(t_dir, "own.ini",
                        "[workflow]\nname = own\n[engine]\nplugin_path = plug\n"
                        "[step.a]\nplugin = noop\n");
    const char *argv[][8] = {
        { "check", wf, "--engine", "plugin_path=plug", NULL },
        { "run", wf, "--engine", "plugin_path=plug", "--out", "o1", "--no-store", NULL },
        { "check", own, NULL },
        { "run", own, "--out", "o2", "--no-store", NULL },
        { "graph", own, NULL },
        { "plugins", "--engine", "plugin_path=plug", NULL },
    };
    for (size_t i = 0; i < sizeof argv / sizeof argv[0]; i++) {
        char *out = NULL, *err = NULL;
        int rc = t_regie(t_dir, &out, &err, argv[i]);
        ck_assert_msg(rc == 0, "%s %s: status %d\n%s", argv[i][0], argv[i][1], rc, err);
        HAS(err, "regie: warning: ");
        HAS(err, "plug/bad_abi.so: refused: plugin ABI version 42, this regie speaks versions 1 to 2");
        HAS(err, "plug/not_plugin.so: refused: not a regie plugin");
        /* once each */
        ck_assert_ptr_null(strstr(strstr(err, "bad_abi.so") + 1, "bad_abi.so"));
        free(out);
        free(err);
    }
    free(wf);
    free(own);
}
END_TEST

/* The run id in "regie resume RUN" of a message (caller frees). */
static char *resume_id(const char *err)
{
    const char *p = strstr(err, "regie resume ");
    ck_assert_msg(p != NULL, "no \"regie resume\" in:\n%s", err);
    char id[64];
    ck_assert_int_eq(sscanf(p + 13, "%63s", id), 1);
    return strdup(id);
}

/* The run of id, interrupted, in `regie runs` and `regie show`; then
 * `regie resume` (the file ok.flag there: the fixture lets the step
 * finish) completes it and the rest of the workflow. */
static void interrupted_then_resumed(const char *id, const char *step)
{
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(RUN(&out, &err, "runs", "--db", "r.db"), 0);
    HAS(out, id);
    HAS(out, "interrupted (the process died)");
    free(out);
    free(err);
    ck_assert_int_eq(RUN(&out, &err, "runs", "--db", "r.db", "--status", "interrupted"), 0);
    HAS(out, id);
    free(out);
    free(err);
    ck_assert_int_eq(RUN(&out, &err, "runs", "--db", "r.db", "--status", "running"), 0);
    ck_assert_msg(strstr(out, id) == NULL, "listed as running:\n%s", out);
    free(out);
    free(err);
    ck_assert_int_eq(RUN(&out, &err, "show", id, "--db", "r.db"), 0);
    HAS(out, "status     interrupted (the process died)\n");
    HAS(out, "(stale: its process no longer runs)");
    free(out);
    free(err);

    free(t_write(t_dir, "ok.flag", ""));
    int rc = RUN(&out, &err, "resume", id, "--db", "r.db");
    ck_assert_msg(rc == 0, "resume: status %d\n%s", rc, err);
    char *sum = summary("o");
    char line[128];
    snprintf(line, sizeof line, "  %s: done", step);
    HAS(sum, line);
    HAS(sum, "  later: done");
    free(sum);
    free(out);
    free(err);
    ck_assert_int_eq(RUN(&out, &err, "runs", "--db", "r.db"), 0);
    HAS(out, " done ");
    ck_assert_msg(strstr(out, "interrupted") == NULL, "%s", out);
    free(out);
    free(err);
}

/* In process (the default), a plugin that crashes ends regie by its
 * signal, after a message naming the step, the plugin and the run to
 * resume; the run is shown as interrupted, and resuming it finishes it. */
START_TEST(crash_in_process_named_and_resumable)
{
    plug("crash");
    char *wf = t_write(t_dir, "w.ini",
                       "[workflow]\nname = crash\n[engine]\nplugin_path = plug\n"
                       "[step.first]\nplugin = noop\n"
                       "[step.crash]\nplugin = crash\nunless = ok.flag\nafter = first\n"
                       "[step.later]\nplugin = noop\nafter = crash\n");
    char *out = NULL, *err = NULL;
    int rc = RUN(&out, &err, "run", wf, "--out", "o", "--db", "r.db", "--jobs", "2");
    ck_assert_msg(rc == 128 + SIGSEGV, "status %d\n%s", rc, err);
    HAS(err, "regie: step crash (plugin crash) crashed with signal 11 (Segmentation fault); "
             "the run is left as it was: regie resume ");
    char *id = resume_id(err);
    interrupted_then_resumed(id, "crash");
    free(id);
    free(out);
    free(err);
    free(wf);
}
END_TEST

/* Steps running in other threads when one crashes are named too. */
START_TEST(crash_in_process_names_the_others_running)
{
    plug("crash");
    plug("hang");
    char *wf = t_write(t_dir, "w.ini",
                       "[workflow]\nname = crash\n[engine]\nplugin_path = plug\n"
                       "[step.hang]\nplugin = hang\nready = hangs\ntimeout = 0\n"
                       "[step.crash]\nplugin = crash\nonce = hangs\n");
    char *out = NULL, *err = NULL;
    int rc = RUN(&out, &err, "run", wf, "--out", "o", "--no-store", "--jobs", "2");
    ck_assert_msg(rc == 128 + SIGSEGV, "status %d\n%s", rc, err);
    HAS(err, "regie: step crash (plugin crash) crashed with signal 11 (Segmentation fault); "
             "also running: step hang (plugin hang)\n");
    free(out);
    free(err);
    free(wf);
}
END_TEST

/* In process, a plugin that calls exit(0) does not make a run that did not
 * finish end with status 0: status 70 and a message naming the step; the
 * run is interrupted and resumable.  Without the store, the same status. */
START_TEST(exit_in_process_is_no_success)
{
    plug("exits");
    char *wf = t_write(t_dir, "w.ini",
                       "[workflow]\nname = exits\n[engine]\nplugin_path = plug\n"
                       "[step.first]\nplugin = noop\n"
                       "[step.exits]\nplugin = exits\nunless = ok.flag\nafter = first\n"
                       "[step.later]\nplugin = noop\nafter = exits\n");
    char *out = NULL, *err = NULL;
    int rc = RUN(&out, &err, "run", wf, "--out", "o2", "--no-store");
    ck_assert_msg(rc == 70, "status %d\n%s", rc, err);
    HAS(err, "regie: step exits (plugin exits) ended the process by exit(0) before finishing\n");
    free(out);
    free(err);

    rc = RUN(&out, &err, "run", wf, "--out", "o", "--db", "r.db");
    ck_assert_msg(rc == 70, "status %d\n%s", rc, err);
    HAS(err, "regie: step exits (plugin exits) ended the process by exit(0) before finishing; "
             "the run is left as it was: regie resume ");
    char *id = resume_id(err);
    interrupted_then_resumed(id, "exits");
    free(id);
    free(out);
    free(err);
    free(wf);
}
END_TEST

Suite *suite_isolate(void);
Suite *suite_isolate(void)
{
    Suite *s = suite_create("isolate");
    TCase *tc = tcase_create("e2e");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, t_dir_setup, t_dir_teardown);
    tcase_add_test(tc, crash_fails_only_its_step);
    tcase_add_test(tc, hang_killed_at_timeout);
    tcase_add_test(tc, exit_in_plugin_fails_the_step);
    tcase_add_test(tc, process_left_behind_does_not_hold_the_step);
    tcase_add_test(tc, killed_regie_takes_its_child_along);
    tcase_add_test(tc, isolated_same_as_in_process);
    tcase_add_test(tc, isolate_key_checked);
    tcase_add_test(tc, refused_plugins_reported_by_every_command);
    tcase_add_test(tc, crash_in_process_named_and_resumable);
    tcase_add_test(tc, crash_in_process_names_the_others_running);
    tcase_add_test(tc, exit_in_process_is_no_success);
    suite_add_tcase(s, tc);
    return s;
}
