/*
 * regie-mock.h - a mock host to test a regie plugin alone, without a
 * workflow or a run.
 *
 * The host table is regie's own: parameters, tables, values, data errors,
 * files, numbers and dates behave as in a run.  A step context stands in
 * for the run: it holds the step's keys, the data it reads (given with
 * regie_mock_give_*) and the data it writes, and writes files below a
 * directory of the test's choosing.  What a run adds is not there: the
 * `reads =` and `writes =` of a workflow (a step may read and write any
 * name), the check of the step's keys against the plugin's table (`regie
 * check` does it), timeouts, isolation and the run store.
 *
 * Build and run a test (doc/plugin-testing.md):
 *   cc myplugin_test.c myplugin.c $(pkg-config --cflags --libs regie-mock) -o myplugin_test
 */
#ifndef REGIE_MOCK_H
#define REGIE_MOCK_H

#include <regie.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The host table handed to plugins. */
const regie_host *regie_mock_host(void);

/* A context for one run of a step named STEP of PLUGIN: KV are the step's
 * keys (NULL-terminated key, value pairs; NULL for none), the plugin's
 * parameter table gives the defaults of the others; files are written
 * below OUTDIR (NULL: writing a file fails the step).  Free it with
 * regie_mock_ctx_free. */
regie_ctx *regie_mock_ctx_new(const regie_plugin *plugin, const char *step,
                              const char *const *kv, const char *outdir);
/* Give the step data NAME to read: a table (the context owns it
 * afterwards, also on failure), or a value (copied).  0 or -1. */
int regie_mock_give_table(regie_ctx *ctx, const char *name, regie_table *t);
int regie_mock_give_value(regie_ctx *ctx, const char *name, const regie_value *v);
/* Run the plugin on ctx as a run does: init (if any), run, fini (if any)
 * (with a context of regie_mock_ctx_new_type: open and close around run).
 * What run returned, or init's non-zero status (the step's error says
 * so). */
int regie_mock_run(const regie_plugin *plugin, regie_ctx *ctx);

/* ABI 2: a context for one run of a step of the step type TYPE_NAME of
 * PLUGIN (one of its `types`, or the plain form's one named as the
 * plugin), as regie_mock_ctx_new; the type's parameter table gives the
 * defaults.  NULL, with the reason on stderr, when PLUGIN has no such
 * type or regie would refuse its descriptor.  regie_mock_run on it runs
 * init, the type's open with its parameters bound into its config struct
 * (as a run binds them), run, close and fini. */
regie_ctx *regie_mock_ctx_new_type(const regie_plugin *plugin, const char *type_name,
                                   const char *step, const char *const *kv, const char *outdir);
/* ABI 2: call the Lua function NAME of PLUGIN with ctx as a Lua step
 * calls it: init, the function, fini.  0 with *result a copy owned by ctx
 * (until regie_mock_ctx_free), or non-zero with the plugin's message as
 * regie_mock_error. */
int regie_mock_call(const regie_plugin *plugin, regie_ctx *ctx, const char *name,
                    const regie_value *args, size_t nargs, regie_value *result);

/* What the step wrote (or was given): the table or value NAME; NULL or -1
 * when there is none of that kind.  Owned by the context. */
const regie_table *regie_mock_table(regie_ctx *ctx, const char *name);
int regie_mock_value(regie_ctx *ctx, const char *name, regie_value *out);
/* The step's error (host->fail, the first one), or NULL. */
const char *regie_mock_error(regie_ctx *ctx);
/* The data errors it recorded (host->data_error), each as regie prints it:
 * "FILE:LINE: column C: found \"F\", expected E"; NULL past the last. */
size_t regie_mock_data_errors(regie_ctx *ctx);
const char *regie_mock_data_error(regie_ctx *ctx, size_t i);
/* The files it wrote (relative to OUTDIR, in the order first written);
 * NULL past the last. */
size_t regie_mock_files(regie_ctx *ctx);
const char *regie_mock_file(regie_ctx *ctx, size_t i);
/* The step's journal (host->journal_put, journal_get), kept in the
 * context: its records in the order first put (NULL past the last), and
 * a record put beforehand, as an earlier attempt or a run before a crash
 * would have left it (0 or -1).  It lasts as long as the context: run the
 * plugin twice on one context to see a resumed run. */
size_t regie_mock_journal(regie_ctx *ctx);
const char *regie_mock_journal_key(regie_ctx *ctx, size_t i);
const char *regie_mock_journal_value(regie_ctx *ctx, size_t i);
int regie_mock_journal_put(regie_ctx *ctx, const char *key, const char *value);
void regie_mock_ctx_free(regie_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* REGIE_MOCK_H */
