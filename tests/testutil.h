/* Helpers shared by the test suites. */
#ifndef REGIE_TESTUTIL_H
#define REGIE_TESTUTIL_H
#include <stddef.h>
#include <stdint.h>

/* Absolute paths into the source and build trees. Caller frees. */
char *t_src(const char *rel);
char *t_build(const char *rel);
/* A fresh temporary directory (removed by t_rmtree). */
char *t_tmpdir(void);
void t_rmtree(const char *dir);
/* The temporary directory of the running test: t_dir_setup makes it,
 * t_dir_teardown removes it and sets t_dir to NULL (a Check fixture pair). */
extern char *t_dir;
void t_dir_setup(void);
void t_dir_teardown(void);
/* t_dir/name. Caller frees. */
char *t_path(const char *name);
/* asprintf that aborts when out of memory. Caller frees. */
char *t_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Write text to dir/name; returns the path (caller frees). */
char *t_write(const char *dir, const char *name, const char *text);
/* Read a whole file (NULL if missing). Caller frees. */
char *t_read(const char *path);

/* Run the real regie binary with argv (NULL-terminated, without argv[0]),
 * optional working directory, capturing stdout and stderr (caller frees).
 * Returns the exit status, or 128+signal. */
int t_regie(const char *cwd, char **out, char **err, const char *const *argv);

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
