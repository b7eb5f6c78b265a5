/* Durable runs end to end: the real binary killed with SIGKILL at points
 * the engine reports (REGIE_TEST_KILL_AT, doc/store.md), never after a
 * guessed delay, then resumed; the outputs must equal an uninterrupted
 * run's byte for byte, and no completed step may run twice. */
#define _GNU_SOURCE
#include "sha256.h"
#include "store.h"
#include "testutil.h"

#include <check.h>
#include <dirent.h>
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

/* A workflow of NSTEPS steps (a chain with a fan-out in the middle),
 * each writing a file and data; `final` combines them. */
static void make_workflow(const char *dir)
{
    char *ini = t_asprintf("[workflow]\nname = crashy\n");
    for (int i = 1; i <= NSTEPS; i++) {
        char *script = t_asprintf(
            "return { params = { n = { type = 'integer', required = true } },\n"
            "run = function(step)\n"
            "  local v = step.params.n\n"
            "  %s\n"
            "  regie.write('parts/' .. step.name .. '.txt', string.format('%%s %%d\\n', step.name, v))\n"
            "  regie.output('d%d', v)\n"
            "end }\n",
            i == 1 ? "" : (i <= 5 ? "v = v + regie.input('d1') * 7" : "v = v + regie.input('d' .. (step.params.n - 1)) * 3"),
            i);
        char *name = t_asprintf("s%d.lua", i);
        free(t_write(dir, name, script));
        free(name);
        free(script);
        const char *reads = i == 1 ? "" : (i <= 5 ? "reads = d1\n" : NULL);
        char *r2 = reads ? t_asprintf("%s", reads) : t_asprintf("reads = d%d\n", i - 1);
        char *sec = t_asprintf("%s[step.s%d]\nscript = s%d.lua\nn = %d\n%swrites = d%d\n", ini, i, i, i,
                              r2, i);
        free(r2);
        free(ini);
        ini = sec;
    }
    char *fin = t_asprintf("%s[step.final]\nscript = final.lua\nreads = d2, d3, d4, d5, d%d\n", ini,
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

static int count_in(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle)) {
        n++;
    }
    return n;
}

/* Every file below dir (relative paths, sorted by the walk), without
 * descending into skip (relative, may be NULL). */
static void walk_files(const char *root, const char *rel, const char *skip, char ***v, size_t *n)
{
    char *dir = *rel ? t_asprintf("%s/%s", root, rel) : strdup(root);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        char *r = *rel ? t_asprintf("%s/%s", rel, e->d_name) : strdup(e->d_name);
        char *full = t_asprintf("%s/%s", root, r);
        struct stat sb;
        if (skip && strcmp(r, skip) == 0) {
            free(r);
        } else if (stat(full, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            walk_files(root, r, skip, v, n);
            free(r);
        } else {
            *v = realloc(*v, (*n + 1) * sizeof **v);
            (*v)[(*n)++] = r;
        }
        free(full);
    }
    if (d) {
        closedir(d);
    }
    free(dir);
}

static void free_files(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i]);
    }
    free(v);
}

/* The tender report's section Vastlegging (the run id and the audit head
 * when it was written: each run's own) cut out of text. */
static void without_trail(char *text)
{
    char *from = text ? strstr(text, "<h2>Vastlegging</h2>") : NULL;
    char *to = from ? strstr(from, "<h2>Ondertekening</h2>") : NULL;
    if (to) {
        memmove(from, to, strlen(to) + 1);
    }
}

/* got holds every file of ref with the same bytes (run-summary.txt, which
 * holds the run's seconds, aside, and report.html but for its run id and
 * audit head), nothing else outside .regie/versions/, and no file left
 * half written. */
static void same_tree(const char *ref, const char *got, const char *why)
{
    char **v = NULL;
    size_t n = 0;
    walk_files(ref, "", ".regie/versions", &v, &n);
    ck_assert_msg(n > 3, "%s: reference output nearly empty", ref);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i], "run-summary.txt") == 0) {
            continue;
        }
        char *a = t_asprintf("%s/%s", ref, v[i]), *b = t_asprintf("%s/%s", got, v[i]);
        char *ta = t_read(a), *tb = t_read(b);
        ck_assert_msg(tb != NULL, "%s: %s missing", why, b);
        without_trail(ta);
        without_trail(tb);
        ck_assert_msg(strcmp(ta, tb) == 0, "%s: %s differs from %s", why, b, a);
        free(ta);
        free(tb);
        free(a);
        free(b);
    }
    char **w = NULL;
    size_t m = 0;
    walk_files(got, "", ".regie/versions", &w, &m);
    for (size_t i = 0; i < m; i++) {
        ck_assert_msg(strstr(w[i], ".tmp.") == NULL, "%s: %s/%s left behind", why, got, w[i]);
        int known = 0;
        for (size_t k = 0; k < n && !known; k++) {
            known = strcmp(v[k], w[i]) == 0;
        }
        ck_assert_msg(known, "%s: %s/%s is not in the uninterrupted run's output", why, got, w[i]);
    }
    free_files(v, n);
    free_files(w, m);
}

/* Run regie in cwd with REGIE_TEST_KILL_AT=at (NULL: none). */
static int regie_killed_at(const char *cwd, const char *at, char **out, char **err,
                           const char *const *argv)
{
    if (at) {
        setenv("REGIE_TEST_KILL_AT", at, 1);
    }
    int rc = t_regie(cwd, out, err, argv);
    unsetenv("REGIE_TEST_KILL_AT");
    return rc;
}

START_TEST(kill_at_reported_points_then_resume)
{
    t_dir_setup();
    char *clean = t_asprintf("%s/clean", t_dir);
    mkdir(clean, 0777);
    make_workflow(clean);
    const char *runv[] = { "run", "w.ini", "--out", "out", "--jobs", "2", NULL };
    ck_assert_int_eq(t_regie(clean, NULL, NULL, runv), 0);
    char *ref = t_asprintf("%s/out", clean);
    /* points the engine passes, from the first step to the last */
    const char *points[] = { "mid-write:s1",     "before-commit:s1", "after-commit:s1",
                             "mid-write:s3",     "before-commit:s4", "after-commit:s5",
                             "mid-write:s7",     "after-commit:s8",  "before-commit:s10",
                             "after-commit:s10", "before-commit:final" };
    for (size_t k = 0; k < sizeof points / sizeof points[0]; k++) {
        char *dir = t_asprintf("%s/k%zu", t_dir, k);
        mkdir(dir, 0777);
        make_workflow(dir);
        int rc = regie_killed_at(dir, points[k], NULL, NULL, runv);
        ck_assert_msg(rc == 128 + SIGKILL, "%s: exit %d, not killed there", points[k], rc);
        char *id = first_run_id(dir);
        ck_assert_msg(id != NULL, "%s: no run recorded", points[k]);
        char *out = NULL, *err = NULL;
        const char *rv[] = { "resume", id, NULL };
        rc = t_regie(dir, &out, &err, rv);
        ck_assert_msg(rc == 0, "killed at %s: resume exit %d: %s", points[k], rc, err);
        free(out);
        free(err);
        char *got = t_asprintf("%s/out", dir);
        same_tree(ref, got, points[k]);
        /* a step recorded as done is never done again */
        const char *lv[] = { "log", id, NULL };
        t_regie(dir, &out, &err, lv);
        for (int i = 1; i <= NSTEPS; i++) {
            char *needle = t_asprintf("step s%d: done", i);
            ck_assert_msg(count_in(out, needle) == 1, "%s appears %d times after kill at %s",
                          needle, count_in(out, needle), points[k]);
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
    free(ref);
    free(clean);
    t_dir_teardown();
}
END_TEST

/* ---- the shipped tender example, resumed with the interview results ---- */

/* run|resume ... of the tender example in dir (store dir/runs.db, output
 * dir/out); extra: further arguments (NULL-terminated). */
static int tender(const char *dir, const char *at, char **err, const char *cmd, ...)
{
    char *wf = t_src("etc/workflows/tender-evaluation.ini");
    char *ex = t_src("examples/tender");
    char *sets[6];
    const char *names[] = { "tender=%s/tender.ini", "criteria=%s/criteria.csv",
                            "bids=%s/bids.csv",     "ko=%s/ko.csv",
                            "scores=%s/scores.csv" };
    const char *argv[40];
    int n = 0;
    argv[n++] = cmd;
    if (strcmp(cmd, "run") == 0) {
        argv[n++] = wf;
        for (int i = 0; i < 5; i++) {
            sets[i] = t_asprintf(names[i], ex);
            argv[n++] = "--set";
            argv[n++] = sets[i];
        }
        argv[n++] = "--out";
        argv[n++] = "out";
    }
    va_list ap;
    va_start(ap, cmd);
    const char *x;
    while ((x = va_arg(ap, const char *)) != NULL && n < 38) {
        argv[n++] = x;
    }
    va_end(ap);
    argv[n] = NULL;
    char *o = NULL, *e = NULL;
    int rc = regie_killed_at(dir, at, &o, &e, argv);
    if (err) {
        *err = e;
    } else {
        free(e);
    }
    free(o);
    if (strcmp(cmd, "run") == 0) {
        for (int i = 0; i < 5; i++) {
            free(sets[i]);
        }
    }
    free(wf);
    free(ex);
    return rc;
}

static char *interviews_set(void)
{
    char *ex = t_src("examples/tender/interviews.csv");
    char *s = t_asprintf("interviews=%s", ex);
    free(ex);
    return s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The steps of the log's `what` entries after its last run_resumed, sorted,
 * each once, separated by spaces. */
static char *steps_since_resume(const char *dir, const char *id, const char *what)
{
    char *out = NULL;
    const char *lv[] = { "log", id, NULL };
    t_regie(dir, &out, NULL, lv);
    char *from = out;
    for (char *p = out; (p = strstr(p, "run_resumed")); p++) {
        from = p;
    }
    char **v = NULL;
    size_t n = 0;
    for (char *p = from; (p = strstr(p, what)); p += strlen(what)) {
        char *st = strstr(p, "step ");
        char name[64];
        if (st && sscanf(st + 5, "%63[^:]", name) == 1) {
            v = realloc(v, (n + 1) * sizeof *v);
            v[n++] = strdup(name);
        }
    }
    qsort(v, n, sizeof *v, cmp_str);
    char *list = calloc(1, 1);
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(v[i], v[i - 1]) != 0) {
            char *l = t_asprintf("%s%s%s", list, *list ? " " : "", v[i]);
            free(list);
            list = l;
        }
    }
    free_files(v, n);
    free(out);
    return list;
}

START_TEST(resume_with_interviews_reruns_only_what_depends_on_them)
{
    t_dir_setup();
    char *ref = t_asprintf("%s/ref", t_dir), *dir = t_asprintf("%s/two", t_dir);
    mkdir(ref, 0777);
    mkdir(dir, 0777);
    char *iv = interviews_set();
    ck_assert_int_eq(tender(ref, NULL, NULL, "run", "--set", iv, NULL), 0);
    ck_assert_int_eq(tender(dir, NULL, NULL, "run", NULL), 3);
    char *id = first_run_id(dir);
    ck_assert_ptr_nonnull(id);
    char *err = NULL;
    int rc = tender(dir, NULL, &err, "resume", id, "--set", iv, NULL);
    ck_assert_msg(rc == 0, "resume exit %d: %s", rc, err);
    free(err);
    char *a = t_asprintf("%s/out", ref), *b = t_asprintf("%s/out", dir);
    same_tree(a, b, "resume --set interviews");
    /* validate reads ?interviews, but what it writes does not change: the
     * steps between it and the interviews are not run again */
    char *ran = steps_since_resume(dir, id, "step_finished");
    char *kept = steps_since_resume(dir, id, "step_reused");
    /* letters_pdf and ranking_xlsx: with the pdf and xlsx-write plugins
     * built (else skipped) */
    char *so = t_build("plugins/.libs/pdf.so");
    int pdf = access(so, R_OK) == 0;
    free(so);
    so = t_build("plugins/.libs/xlsx_write.so");
    int xlsx = access(so, R_OK) == 0;
    free(so);
    char *with_pdf = t_asprintf("await_interviews decision explain interviews letters "
                                "letters_pdf %sreport validate",
                                xlsx ? "ranking_xlsx " : "");
    if (pdf) {
        ck_assert_str_eq(ran, with_pdf);
    } else {
        char *without = t_asprintf("await_interviews decision explain interviews letters "
                                   "%sreport validate",
                                   xlsx ? "ranking_xlsx " : "");
        ck_assert_msg(strcmp(ran, with_pdf) == 0 || strcmp(ran, without) == 0, "%s", ran);
        free(without);
    }
    free(with_pdf);
    ck_assert_str_eq(kept, "intake knockout low_price price quality rank shortlist");
    free(ran);
    free(kept);
    free(a);
    free(b);
    free(id);
    free(iv);
    free(ref);
    free(dir);
    t_dir_teardown();
}
END_TEST

START_TEST(kill_during_resume_with_interviews)
{
    t_dir_setup();
    char *ref = t_asprintf("%s/ref", t_dir);
    mkdir(ref, 0777);
    char *iv = interviews_set();
    ck_assert_int_eq(tender(ref, NULL, NULL, "run", "--set", iv, NULL), 0);
    char *refout = t_asprintf("%s/out", ref);
    const char *points[] = { "after-input-commit",      "mid-write:validate",
                             "before-commit:validate",  "after-commit:validate",
                             "after-reuse:intake",      "after-reuse:shortlist",
                             "mid-write:interviews",    "after-commit:interviews",
                             "mid-write:decision",      "before-commit:decision",
                             "after-commit:decision",   "before-commit:letters",
                             "after-commit:letters",    "before-commit:explain",
                             "after-commit:report",     "before-commit:await_interviews" };
    for (size_t k = 0; k < sizeof points / sizeof points[0]; k++) {
        char *dir = t_asprintf("%s/k%zu", t_dir, k);
        mkdir(dir, 0777);
        ck_assert_int_eq(tender(dir, NULL, NULL, "run", NULL), 3);
        char *id = first_run_id(dir);
        ck_assert_ptr_nonnull(id);
        int rc = tender(dir, points[k], NULL, "resume", id, "--set", iv, NULL);
        ck_assert_msg(rc == 128 + SIGKILL, "%s: exit %d, not killed there", points[k], rc);
        /* as the README says after a crash: resume, no inputs again */
        char *err = NULL;
        rc = tender(dir, NULL, &err, "resume", id, NULL);
        ck_assert_msg(rc == 0, "killed at %s: resume exit %d: %s", points[k], rc, err);
        free(err);
        char *got = t_asprintf("%s/out", dir);
        same_tree(refout, got, points[k]);
        const char *vv[] = { "verify", id, NULL };
        ck_assert_int_eq(t_regie(dir, NULL, NULL, vv), 0);
        /* the letters of phase 1 stay with the run: in the bundle, checked */
        char *bundle = t_asprintf("%s/bundle", dir);
        char *out = NULL;
        const char *ev[] = { "export", id, bundle, NULL };
        rc = t_regie(dir, NULL, &err, ev);
        ck_assert_msg(rc == 0, "%s: export exit %d: %s", points[k], rc, err);
        free(err);
        const char *bv[] = { "verify", bundle, NULL };
        rc = t_regie(dir, &out, NULL, bv);
        ck_assert_msg(rc == 0, "%s: %s", points[k], out);
        free(out);
        char **v = NULL;
        size_t n = 0;
        char *vdir = t_asprintf("%s/versions", bundle);
        walk_files(vdir, "", NULL, &v, &n);
        int not_selected = 0;
        for (size_t i = 0; i < n; i++) {
            size_t l = strlen(v[i]);
            if (l >= 12 && strcmp(v[i] + l - 12, "letters/C.md") == 0) {
                char *p = t_asprintf("%s/%s", vdir, v[i]);
                char *text = t_read(p);
                not_selected |= text && strstr(text, "Niet geselecteerd") != NULL;
                free(text);
                free(p);
            }
        }
        ck_assert_msg(not_selected, "%s: the phase-1 letter to C is not in the bundle", points[k]);
        free_files(v, n);
        free(vdir);
        free(bundle);
        free(got);
        free(id);
        free(dir);
    }
    free(refout);
    free(iv);
    free(ref);
    t_dir_teardown();
}
END_TEST

/* A file a step wrote in phase 1 and not again after resume --set leaves the
 * output folder, and stays with the run as an earlier version. */
static void phases_case(const char *base, const char *variant, const char *step_extra)
{
    char *dir = t_asprintf("%s/%s", base, variant);
    mkdir(dir, 0777);
    free(t_write(dir, "greet.lua",
                 "return { run = function()\n"
                 "  local who = regie.input('who') or 'nobody'\n"
                 "  regie.write('hello-' .. who .. '.txt', 'hello ' .. who .. '\\n')\n"
                 "  regie.write('common.txt', 'for ' .. who .. '\\n')\n"
                 "end }\n"));
    char *ini = t_asprintf("[workflow]\nname = phases\n"
                          "[input.who]\ntype = text\nrequired = no\n"
                          "[step.greet]\nscript = greet.lua\nreads = ?who\n%s"
                          "[step.wait]\nwait = input:who\nafter = greet\n",
                          step_extra);
    free(t_write(dir, "w.ini", ini));
    free(ini);
    const char *runv[] = { "run", "w.ini", "--out", "out", NULL };
    ck_assert_int_eq(t_regie(dir, NULL, NULL, runv), 3);
    char *id = first_run_id(dir);
    ck_assert_ptr_nonnull(id);
    char *err = NULL;
    const char *rv[] = { "resume", id, "--set", "who=ann", NULL };
    int rc = t_regie(dir, NULL, &err, rv);
    ck_assert_msg(rc == 0, "resume exit %d: %s", rc, err);
    free(err);
    char *old = t_asprintf("%s/out/hello-nobody.txt", dir);
    char *now = t_asprintf("%s/out/hello-ann.txt", dir);
    char *text = t_read(now);
    ck_assert_str_eq(text, "hello ann\n");
    free(text);
    ck_assert_msg(access(old, F_OK) != 0, "%s: %s still in the output folder", variant, old);
    char *out = NULL;
    const char *sv[] = { "show", id, NULL };
    t_regie(dir, &out, NULL, sv);
    char *ver = strstr(out, "earlier versions of outputs:");
    ck_assert_msg(ver && strstr(ver, "hello-nobody.txt") && strstr(ver, "common.txt"), "%s", out);
    free(out);
    char *bundle = t_asprintf("%s/bundle", dir);
    const char *ev[] = { "export", id, bundle, NULL };
    rc = t_regie(dir, NULL, &err, ev);
    ck_assert_msg(rc == 0, "export exit %d: %s", rc, err);
    free(err);
    char **v = NULL;
    size_t n = 0;
    char *vdir = t_asprintf("%s/versions", bundle);
    walk_files(vdir, "", NULL, &v, &n);
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        if (strstr(v[i], "/hello-nobody.txt")) {
            char *p = t_asprintf("%s/%s", vdir, v[i]);
            char *t = t_read(p);
            found = t && strcmp(t, "hello nobody\n") == 0;
            free(t);
            free(p);
        }
    }
    ck_assert_msg(found, "hello-nobody.txt not under %s", vdir);
    const char *bv[] = { "verify", bundle, NULL };
    rc = t_regie(dir, &out, NULL, bv);
    ck_assert_msg(rc == 0, "%s", out);
    free(out);
    free_files(v, n);
    free(vdir);
    free(bundle);
    free(old);
    free(now);
    free(id);
    free(dir);
}

START_TEST(replaced_outputs_kept_as_versions)
{
    t_dir_setup();
    phases_case(t_dir, "plain", "");
    phases_case(t_dir, "once", "rerun = no\n"); /* its outputs are forgotten as it starts */
    t_dir_teardown();
}
END_TEST

START_TEST(lock_changed_definition_and_no_rerun)
{
    t_dir_setup();
    free(t_write(t_dir, "quick.lua", "return { run = function() regie.output('a', 1) end }\n"));
    free(t_write(t_dir, "slow.lua",
                 "return { run = function()\n"
                 "  regie.write('sent.txt', 'sent once\\n')\n"
                 "end }\n"));
    free(t_write(t_dir, "w.ini",
                 "[workflow]\nname = once\n"
                 "[step.quick]\nscript = quick.lua\nwrites = a\n"
                 "[step.send]\nscript = slow.lua\nreads = a\nrerun = no\n"));
    const char *runv[] = { "run", "w.ini", "--out", "out", NULL };
    /* stopped (not killed) where `send` has run but is not recorded */
    setenv("REGIE_TEST_STOP_AT", "before-commit:send", 1);
    pid_t pid = spawn(t_dir, runv);
    unsetenv("REGIE_TEST_STOP_AT");
    int st;
    ck_assert_int_eq(waitpid(pid, &st, WUNTRACED), pid);
    ck_assert_msg(WIFSTOPPED(st), "not stopped at before-commit:send (status %d)", st);
    char *id = first_run_id(t_dir);
    ck_assert_ptr_nonnull(id);
    /* while the first process holds the run, a second is refused */
    char *out = NULL, *err = NULL;
    const char *rv[] = { "resume", id, NULL };
    int rc = t_regie(t_dir, &out, &err, rv);
    ck_assert_int_eq(rc, 2);
    ck_assert_msg(strstr(err, "pid") != NULL, "%s", err);
    free(out);
    free(err);
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    /* the script changed since: refused, naming the file */
    free(t_write(t_dir, "quick.lua", "return { run = function() regie.output('a', 2) end }\n"));
    rc = t_regie(t_dir, &out, &err, rv);
    ck_assert_int_eq(rc, 2);
    ck_assert_msg(strstr(err, "quick.lua: changed") != NULL, "%s", err);
    free(out);
    free(err);
    free(t_write(t_dir, "quick.lua", "return { run = function() regie.output('a', 1) end }\n"));
    /* `send` was running and must not run again unconfirmed */
    rc = t_regie(t_dir, &out, &err, rv);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, err);
    ck_assert_msg(strstr(err, "confirmation that step send may run again") != NULL, "%s", err);
    free(out);
    free(err);
    const char *av[] = { "approve", id, "send", "--by", "operator", NULL };
    ck_assert_int_eq(t_regie(t_dir, NULL, NULL, av), 0);
    rc = t_regie(t_dir, &out, &err, rv);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *p = t_asprintf("%s/out/sent.txt", t_dir);
    char *sent = t_read(p);
    ck_assert_str_eq(sent, "sent once\n");
    free(sent);
    free(p);
    free(out);
    free(err);
    free(id);
    t_dir_teardown();
}
END_TEST

/* A module a script requires only inside run() joins the run's definition
 * when the step that loads it is recorded: `show` lists it, and a change to
 * it makes resume refuse (until --allow-changed). */
START_TEST(module_required_in_run_is_recorded)
{
    t_dir_setup();
    char *lib = t_asprintf("%s/lib", t_dir);
    setenv("REGIE_SCRIPT_PATH", lib, 1);
    free(t_write(t_dir, "lib/late.lua", "return { n = 1 }\n"));
    free(t_write(t_dir, "uses.lua",
                 "return { run = function() regie.output('a', require('late').n) end }\n"));
    free(t_write(t_dir, "w.ini",
                 "[workflow]\nname = late\n"
                 "[step.uses]\nscript = uses.lua\nwrites = a\n"
                 "[step.board]\nwait = approval\nafter = uses\n"));
    char *out = NULL, *err = NULL;
    const char *runv[] = { "run", "w.ini", "--out", "out", NULL };
    int rc = t_regie(t_dir, &out, &err, runv);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, err);
    free(out);
    free(err);
    char *id = first_run_id(t_dir);
    ck_assert_ptr_nonnull(id);
    const char *showv[] = { "show", id, NULL };
    rc = t_regie(t_dir, &out, &err, showv);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    ck_assert_msg(strstr(out, "lib/late.lua") != NULL, "not in the definition:\n%s", out);
    free(out);
    free(err);
    /* unchanged: resume goes on (and waits for the approval again) */
    const char *rv[] = { "resume", id, NULL };
    rc = t_regie(t_dir, &out, &err, rv);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, err);
    free(out);
    free(err);
    free(t_write(t_dir, "lib/late.lua", "return { n = 2 }\n"));
    rc = t_regie(t_dir, &out, &err, rv);
    ck_assert_int_eq(rc, 2);
    ck_assert_msg(strstr(err, "late.lua: changed") != NULL, "%s", err);
    free(out);
    free(err);
    const char *rva[] = { "resume", id, "--allow-changed", NULL };
    rc = t_regie(t_dir, &out, &err, rva);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, err);
    free(out);
    free(err);
    free(id);
    free(lib);
    t_dir_teardown();
}
END_TEST

/* Two steps running at the same time (--jobs 2) that require the same
 * module inside run() record it once: the log has one definition_file
 * entry for it, as with --jobs 1.  Several runs, as the two commits meet
 * only now and then. */
START_TEST(module_required_by_parallel_steps_logged_once)
{
    t_dir_setup();
    char *lib = t_asprintf("%s/lib", t_dir);
    setenv("REGIE_SCRIPT_PATH", lib, 1);
    free(t_write(t_dir, "lib/shared.lua", "return { n = 1 }\n"));
    for (int k = 0; k < 8; k++) {
        char *name = t_asprintf("uses%d.lua", k);
        char *body = t_asprintf("return { run = function() local x = 0\n"
                               "for i = 1, 20000 do x = x + i end\n"
                               "regie.output('s%d', require('shared').n + x) end }\n",
                               k);
        free(t_write(t_dir, name, body));
        free(body);
        free(name);
    }
    for (int r = 0; r < 6; r++) {
        char *dir = t_asprintf("%s/r%d", t_dir, r);
        rg_buf ini = { 0 };
        rg_buf_puts(&ini, "[workflow]\nname = par\n");
        for (int k = 0; k < 8; k++) {
            rg_buf_printf(&ini, "[step.s%d]\nscript = ../uses%d.lua\nwrites = s%d\n", k, k, k);
        }
        free(t_write(dir, "w.ini", ini.data));
        rg_buf_free(&ini);
        char *out = NULL, *err = NULL;
        const char *runv[] = { "run", "w.ini", "--out", "out", "--jobs", "2", NULL };
        int rc = t_regie(dir, &out, &err, runv);
        ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
        free(out);
        free(err);
        char *id = first_run_id(dir);
        ck_assert_ptr_nonnull(id);
        const char *logv[] = { "log", id, NULL };
        rc = t_regie(dir, &out, &err, logv);
        ck_assert_int_eq(rc, 0);
        int nfile = count_in(out, "definition_file"), nshared = count_in(out, "lib/shared.lua");
        ck_assert_msg(nfile == 10 && nshared == 3, /* w.ini, 8 scripts, shared.lua */
                      "run %d: %d definition_file entries, lib/shared.lua named %d times", r,
                      nfile, nshared);
        free(out);
        free(err);
        free(id);
        free(dir);
    }
    unsetenv("REGIE_SCRIPT_PATH");
    free(lib);
    t_dir_teardown();
}
END_TEST

/* The definition hash `show` prints covers every entry the definition
 * lists, a module a step requires inside run() too, by the formula of
 * doc/store.md: SHA-256 over the entries sorted by name, each its name, a
 * NUL byte and its SHA-256 in hex.  The log says when it changed, and
 * verify and export + verify of the bundle agree. */
START_TEST(definition_hash_covers_modules_loaded_later)
{
    t_dir_setup();
    char *lib = t_asprintf("%s/lib", t_dir);
    setenv("REGIE_SCRIPT_PATH", lib, 1);
    free(t_write(t_dir, "lib/late.lua", "return { n = 1 }\n"));
    free(t_write(t_dir, "uses.lua",
                 "return { run = function() regie.output('a', require('late').n) end }\n"));
    free(t_write(t_dir, "w.ini",
                 "[workflow]\nname = late\n"
                 "[step.uses]\nscript = uses.lua\nwrites = a\n"
                 "[step.b]\nplugin = noop\nafter = uses\n"));
    char *out = NULL, *err = NULL;
    const char *runv[] = { "run", "w.ini", "--out", "out", NULL };
    int rc = t_regie(t_dir, &out, &err, runv);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    free(out);
    free(err);
    char *id = first_run_id(t_dir);
    ck_assert_ptr_nonnull(id);
    const char *showv[] = { "show", id, NULL };
    rc = t_regie(t_dir, &out, &err, showv);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char shown[65] = { 0 };
    const char *h = strstr(out, "\ndefinition ");
    ck_assert_msg(h && sscanf(h, "\ndefinition %64s", shown) == 1, "%s", out);
    /* the definition table: "  SHA256  NAME" lines up to a blank line */
    const char *tab = strstr(out, "\ndefinition:\n");
    ck_assert_ptr_nonnull(tab);
    tab = strchr(tab + 13, '\n') + 1; /* past the header */
    char *lines[16];
    size_t n = 0;
    while (*tab && *tab != '\n' && n < 16) {
        const char *nl = strchr(tab, '\n');
        char sha[65];
        ck_assert_int_eq(sscanf(tab, " %64s", sha), 1);
        const char *name = strstr(tab, sha) + 64;
        while (*name == ' ') {
            name++;
        }
        size_t len = (size_t)(nl - name);
        if (len > 13 && strncmp(nl - 13, " (not a file)", 13) == 0) {
            len -= 13;
        }
        lines[n++] = t_asprintf("%.*s%c%s", (int)len, name, 0, sha);
        tab = nl + 1;
    }
    ck_assert_uint_eq(n, 4); /* w.ini, uses.lua, plugin noop, lib/late.lua */
    ck_assert_msg(strstr(out, "lib/late.lua") != NULL, "%s", out);
    qsort(lines, n, sizeof *lines, cmp_str);
    rg_sha256 *sh = rg_sha256_new();
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(lines[i]);
        rg_sha256_add(sh, lines[i], len + 1 + 64); /* name, NUL, hex */
        free(lines[i]);
    }
    char want[65];
    rg_sha256_finish(sh, want);
    ck_assert_str_eq(shown, want);
    free(out);
    free(err);
    const char *logv[] = { "log", id, NULL };
    rc = t_regie(t_dir, &out, &err, logv);
    ck_assert_int_eq(rc, 0);
    ck_assert_msg(strstr(out, "definition_hash") && strstr(out, "loaded by step uses") &&
                      strstr(out, want),
                  "%s", out);
    free(out);
    free(err);
    const char *verv[] = { "verify", id, NULL };
    rc = t_regie(t_dir, &out, &err, verv);
    ck_assert_msg(rc == 0, "exit %d: %s%s", rc, out, err);
    free(out);
    free(err);
    const char *expv[] = { "export", id, "bundle", NULL };
    rc = t_regie(t_dir, &out, &err, expv);
    ck_assert_msg(rc == 0, "exit %d: %s%s", rc, out, err);
    free(out);
    free(err);
    const char *vbv[] = { "verify", "bundle", NULL };
    rc = t_regie(t_dir, &out, &err, vbv);
    ck_assert_msg(rc == 0, "exit %d: %s%s", rc, out, err);
    free(out);
    free(err);
    char *copy = t_asprintf("%s/bundle/run.txt", t_dir);
    char *txt = t_read(copy);
    ck_assert_msg(txt && strstr(txt, want), "%s", txt ? txt : "no run.txt");
    free(txt);
    free(copy);
    unsetenv("REGIE_SCRIPT_PATH");
    free(id);
    free(lib);
    t_dir_teardown();
}
END_TEST

START_TEST(store_faults)
{
    t_dir_setup();
    free(t_write(t_dir, "notastore.db", "this is not a database, just text\n"));
    free(t_write(t_dir, "w.ini", "[workflow]\nname = w\n[step.a]\nplugin = noop\n"));
    char *out = NULL, *err = NULL;
    const char *rv[] = { "run", "w.ini", "--db", "notastore.db", "--out", "o", NULL };
    ck_assert_int_eq(t_regie(t_dir, &out, &err, rv), 2);
    ck_assert_msg(strstr(err, "notastore.db") && strstr(err, "not an SQLite file"), "%s", err);
    free(out);
    free(err);
    char *txt = t_asprintf("%s/notastore.db", t_dir);
    char *kept = t_read(txt);
    ck_assert_str_eq(kept, "this is not a database, just text\n"); /* untouched */
    free(kept);
    free(txt);
    const char *sv[] = { "show", "no-such-run", NULL };
    ck_assert_int_eq(t_regie(t_dir, &out, &err, sv), 2);
    ck_assert_ptr_nonnull(strstr(err, "no run \"no-such-run\""));
    free(out);
    free(err);
    t_dir_teardown();
}
END_TEST

Suite *suite_resume(void);
Suite *suite_resume(void)
{
    Suite *s = suite_create("resume");
    TCase *tc = tcase_create("crash");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, kill_at_reported_points_then_resume);
    tcase_add_test(tc, resume_with_interviews_reruns_only_what_depends_on_them);
    tcase_add_test(tc, kill_during_resume_with_interviews);
    tcase_add_test(tc, replaced_outputs_kept_as_versions);
    tcase_add_test(tc, lock_changed_definition_and_no_rerun);
    tcase_add_test(tc, store_faults);
    tcase_add_test(tc, module_required_in_run_is_recorded);
    tcase_add_test(tc, definition_hash_covers_modules_loaded_later);
    tcase_add_test(tc, module_required_by_parallel_steps_logged_once);
    suite_add_tcase(s, tc);
    return s;
}
