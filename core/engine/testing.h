/* testing.h - hooks for the tests, compiled into the library. */
#ifndef REGIE_TESTING_H
#define REGIE_TESTING_H

#include "util.h"
#include "value.h"

/* A context without a workflow, for unit tests of plugins and scripts: a
 * step named `name` with the given own keys (NULL-terminated key, value
 * pairs), reads and writes resolved against a private data map, files
 * written below outdir (may be NULL: writing fails) (host.c). */
regie_ctx *rg_test_ctx_new(const char *name, const char *const *kv, const char *outdir);
/* Give data NAME to the step (ownership of *d passes; *d is cleared). */
void rg_test_ctx_set(regie_ctx *ctx, const char *name, rg_datum *d);
/* What the step produced (NULL if not). */
const rg_datum *rg_test_ctx_get(regie_ctx *ctx, const char *name);
const char *rg_test_ctx_error(regie_ctx *ctx);
const rg_errors *rg_test_ctx_data_errors(regie_ctx *ctx);
void rg_test_ctx_free(regie_ctx *ctx);

/* When the environment variable REGIE_TEST_KILL_AT names this point
 * ("POINT" or "POINT:STEP"), the process kills itself with SIGKILL there,
 * as a crash would.  Points: after-input-commit, mid-write:STEP (a data
 * file half written), before-commit:STEP, after-commit:STEP,
 * after-reuse:STEP.  REGIE_TEST_STOP_AT stops the process (SIGSTOP) at
 * such a point instead (not mid-write).  rg_test_kill_at only says whether
 * REGIE_TEST_KILL_AT names the point (durable.c). */
int rg_test_kill_at(const char *point, const char *step);
void rg_test_kill_point(const char *point, const char *step);

#endif /* REGIE_TESTING_H */
