/* Helpers shared by the test suites. */
#ifndef REGIE_TESTUTIL_H
#define REGIE_TESTUTIL_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Absolute paths into the source and build trees. Caller frees. */
char *t_src(const char *rel);
char *t_build(const char *rel);
/* A fresh temporary directory (removed by t_rmtree). */
char *t_tmpdir(void);
void t_rmtree(const char *dir);
/* The temporary directory of the running test: t_dir_setup makes it,
 * t_dir_teardown removes it and sets t_dir to NULL (a Check fixture pair);
 * t_dir_teardown also frees t_out and t_err (see t_run). */
extern char *t_dir;
void t_dir_setup(void);
void t_dir_teardown(void);
/* t_dir_setup with REGIE_TODAY unset, so runs go by the real date. */
void t_dir_setup_no_today(void);
/* t_dir_setup, then the source folder srcrel copied to t_dir/in. */
void t_dir_setup_copy(const char *srcrel);
/* t_dir/name. Caller frees. */
char *t_path(const char *name);
/* asprintf that aborts when out of memory. Caller frees. */
char *t_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Write text to dir/name; returns the path (caller frees). */
char *t_write(const char *dir, const char *name, const char *text);
/* Read a whole file (NULL if missing). Caller frees. */
char *t_read(const char *path);
/* t_read and "does it exist" of the path printf would format. */
char *t_readf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int t_existsf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Drop every carriage return from s, in place. */
void t_strip_cr(char *s);

/* Run the real regie binary with argv (NULL-terminated, without argv[0]),
 * optional working directory, capturing stdout and stderr (caller frees).
 * Returns the exit status, or 128+signal. */
int t_regie(const char *cwd, char **out, char **err, const char *const *argv);
/* t_regie in t_dir; stdout and stderr kept in t_out and t_err until the
 * next call or t_dir_teardown. */
extern char *t_out, *t_err;
int t_run(const char *const *argv);
/* `regie CMD WF --set SETS[0] --set SETS[1] ... EXTRA... [--out OUT]` in cwd:
 * sets is NULL-terminated; extra is a NULL-ended list of further arguments,
 * each after a "--set" of its own when extra_sets; no --out when out is NULL.
 * stdout is dropped, stderr in *err when err is given (caller frees). */
int t_workflow(const char *cwd, const char *cmd, const char *wf, const char *const *sets,
               va_list extra, int extra_sets, const char *out, char **err);
/* The id of the only run in the store db (t_dir-relative): the first column
 * of the second line of `regie runs --db DB`. Caller frees. */
char *t_only_run(const char *db);

/* Fails the check unless the string needle is in hay (which may be NULL). */
#define T_CONTAINS(hay, needle)                                                                    \
    ck_assert_msg((hay) && strstr((hay), (needle)) != NULL, "\"%s\" not in:\n%s", (needle),       \
                  (hay) ? (hay) : "(null)")

/* A program or module that a check needs is missing.  Under CI (the
 * environment variable CI=true) the test fails, naming what to install;
 * elsewhere it prints "TEST: SKIPPED ..." to stderr and returns, and the
 * caller skips the check. */
void t_tool_missing(const char *test, const char *tool, const char *install);

/* The property of exact tender points (tests/unit/test_exact.c): random
 * cases from seed against rational arithmetic, `iterations` of them or as
 * many as `seconds` allow (when > 0).  Returns how many were tried. */
long t_exact_points_property(uint64_t seed, long iterations, double seconds);
#endif
