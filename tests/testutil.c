#define _GNU_SOURCE
#include "testutil.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", a, b);
    return p;
}

/* The trees as the file system names them (configure run as ../configure
 * gives "build/.."), as regie records the paths it is given. */
static char *tree(const char *dir)
{
    char *real = realpath(dir, NULL);
    return real ? real : strdup(dir);
}

char *t_src(const char *rel)
{
    char *dir = tree(TEST_SRCDIR);
    char *path = join(dir, rel);
    free(dir);
    return path;
}

char *t_build(const char *rel)
{
    char *dir = tree(TEST_BUILDDIR);
    char *path = join(dir, rel);
    free(dir);
    return path;
}

char *t_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *tmpl = join(base && *base ? base : "/tmp", "regie-test-XXXXXX");
    if (!mkdtemp(tmpl)) {
        perror("mkdtemp");
        abort();
    }
    return tmpl;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void t_rmtree(const char *dir)
{
    if (dir) {
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    }
}

char *t_dir;
char *t_out, *t_err;

void t_dir_setup(void) { t_dir = t_tmpdir(); }

void t_dir_setup_no_today(void)
{
    t_dir_setup();
    unsetenv("REGIE_TODAY");
}

void t_dir_setup_copy(const char *srcrel)
{
    t_dir_setup();
    char *src = t_src(srcrel);
    char *cmd = NULL;
    if (asprintf(&cmd, "cp -R '%s' '%s/in'", src, t_dir) < 0 || system(cmd) != 0) {
        abort();
    }
    free(cmd);
    free(src);
}

void t_dir_teardown(void)
{
    free(t_out);
    free(t_err);
    t_out = t_err = NULL;
    t_rmtree(t_dir);
    free(t_dir);
    t_dir = NULL;
}

static char *vfmt(const char *fmt, va_list ap)
{
    char *p = NULL;
    if (vasprintf(&p, fmt, ap) < 0) {
        abort();
    }
    return p;
}

char *t_asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = vfmt(fmt, ap);
    va_end(ap);
    return p;
}

char *t_path(const char *name) { return t_asprintf("%s/%s", t_dir, name); }

char *t_write(const char *dir, const char *name, const char *text)
{
    char *p = join(dir, name);
    char *slash = strrchr(p, '/');
    if (slash && slash != p) {
        *slash = 0;
        char cmd[4096];
        snprintf(cmd, sizeof cmd, "mkdir -p '%s'", p);
        if (system(cmd) != 0) {
            abort();
        }
        *slash = '/';
    }
    FILE *f = fopen(p, "wb");
    if (!f) {
        perror(p);
        abort();
    }
    fputs(text, f);
    fclose(f);
    return p;
}

char *t_readf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = vfmt(fmt, ap);
    va_end(ap);
    char *text = t_read(p);
    free(p);
    return text;
}

int t_existsf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = vfmt(fmt, ap);
    va_end(ap);
    struct stat st;
    int ok = stat(p, &st) == 0;
    free(p);
    return ok;
}

void t_strip_cr(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r != '\r') {
            *w++ = *r;
        }
    }
    *w = 0;
}

char *t_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t r;
    while ((r = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += r;
        if (cap - len < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(f);
    buf[len] = 0;
    return buf;
}

static void drain(int fd, char **buf, size_t *len, size_t *cap, int *open_)
{
    if (*cap - *len < 4096) {
        *cap = *cap * 2 + 8192;
        *buf = realloc(*buf, *cap);
    }
    ssize_t r = read(fd, *buf + *len, *cap - *len - 1);
    if (r <= 0) {
        *open_ = 0;
        return;
    }
    *len += (size_t)r;
    (*buf)[*len] = 0;
}

int t_regie(const char *cwd, char **out, char **err, const char *const *argv)
{
    int po[2], pe[2];
    if (pipe(po) || pipe(pe)) {
        abort();
    }
    char *bin = t_build("regie");
    pid_t pid = fork();
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        /* only as stdout and stderr: a process regie leaves behind must
         * not keep the test waiting for the end of its output */
        close(po[1]);
        close(pe[1]);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) {
            dup2(devnull, 0);
        }
        if (cwd && chdir(cwd) != 0) {
            _exit(127);
        }
        /* runs are recorded in a store of the test's own, never the user's */
        if (!getenv("REGIE_DB") || !*getenv("REGIE_DB")) {
            setenv("REGIE_DB", "test-runs.db", 1);
        }
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
    close(po[1]);
    close(pe[1]);
    size_t ol = 0, oc = 0, el = 0, ec = 0;
    char *ob = calloc(1, 1), *eb = calloc(1, 1);
    int oo = 1, eo = 1;
    while (oo || eo) {
        struct pollfd fds[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
        if (poll(fds, 2, -1) < 0 && errno != EINTR) {
            break;
        }
        if (oo && (fds[0].revents & (POLLIN | POLLHUP))) {
            drain(po[0], &ob, &ol, &oc, &oo);
        }
        if (eo && (fds[1].revents & (POLLIN | POLLHUP))) {
            drain(pe[0], &eb, &el, &ec, &eo);
        }
    }
    close(po[0]);
    close(pe[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    free(bin);
    if (out) {
        *out = ob;
    } else {
        free(ob);
    }
    if (err) {
        *err = eb;
    } else {
        free(eb);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int t_workflow(const char *cwd, const char *cmd, const char *wf, const char *const *sets,
               va_list extra, int extra_sets, const char *out, char **err)
{
    size_t cap = 8, n = 0;
    const char **argv = malloc(cap * sizeof *argv);
#define T_ARG(x)                                                                                   \
    do {                                                                                           \
        if (n + 1 >= cap) {                                                                        \
            argv = realloc(argv, (cap *= 2) * sizeof *argv);                                       \
        }                                                                                          \
        argv[n++] = (x);                                                                           \
    } while (0)
    T_ARG(cmd);
    T_ARG(wf);
    for (size_t i = 0; sets[i]; i++) {
        T_ARG("--set");
        T_ARG(sets[i]);
    }
    const char *x;
    while ((x = va_arg(extra, const char *)) != NULL) {
        if (extra_sets) {
            T_ARG("--set");
        }
        T_ARG(x);
    }
    if (out) {
        T_ARG("--out");
        T_ARG(out);
    }
#undef T_ARG
    argv[n] = NULL;
    int rc = t_regie(cwd, NULL, err, argv);
    free(argv);
    return rc;
}

int t_run(const char *const *argv)
{
    free(t_out);
    free(t_err);
    t_out = t_err = NULL;
    return t_regie(t_dir, &t_out, &t_err, argv);
}

char *t_only_run(const char *db)
{
    const char *argv[] = { "runs", "--db", db, NULL };
    ck_assert_int_eq(t_run(argv), 0);
    char id[64];
    const char *nl = strchr(t_out, '\n');
    ck_assert_msg(nl && sscanf(nl + 1, "%63s", id) == 1, "no run in:\n%s", t_out);
    return strdup(id);
}

void t_tool_missing(const char *test, const char *tool, const char *install)
{
    const char *ci = getenv("CI");
    if (ci && strcmp(ci, "true") == 0) {
        ck_abort_msg("%s: %s is missing (%s); under CI (CI=true) a check that cannot run fails",
                     test, tool, install);
    }
    fprintf(stderr, "%s: SKIPPED: %s is missing (%s); with CI=true this test fails\n", test, tool,
            install);
}
