/* mockhost.h - the mock host: a step context without a workflow, run
 * against regie's own host table, so that a plugin or a script step can be
 * tested alone.  The test suite uses these functions; tests/regie-mock.h is
 * the same for plugin authors (installed, as libregie-mock), on the types
 * of regie.h only. */
#ifndef REGIE_MOCKHOST_H
#define REGIE_MOCKHOST_H

#include "host.h"
#include "util.h"
#include "value.h"

/* A step named `name` with the given own keys (NULL-terminated key, value
 * pairs); what it reads and writes is kept in a private data map; files
 * are written below outdir (may be NULL: writing fails). */
regie_ctx *rg_test_ctx_new(const char *name, const char *const *kv, const char *outdir);
/* Give data NAME to the step (ownership of *d passes; *d is cleared). */
void rg_test_ctx_set(regie_ctx *ctx, const char *name, rg_datum *d);
/* The data NAME given to the step or produced by it (NULL if none). */
const rg_datum *rg_test_ctx_get(regie_ctx *ctx, const char *name);
const char *rg_test_ctx_error(regie_ctx *ctx);
const rg_errors *rg_test_ctx_data_errors(regie_ctx *ctx);
void rg_test_ctx_free(regie_ctx *ctx);

#endif
