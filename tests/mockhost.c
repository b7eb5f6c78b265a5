/* mockhost.c - the mock host (mockhost.h, regie-mock.h): a step context
 * without a run.  The host (host.c) keeps such a step's data in the
 * context's own map (standalone_*), for what it reads and what it writes
 * alike; everything else is the host of a run. */
#include "mockhost.h"
#include "plugin.h"
#include "regie-mock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct test_ctx {
    regie_ctx ctx;
    rg_step step;
    /* regie_mock_ctx_new_type: the plugin as the host vetted it, and the type */
    rg_plugin plugin;
    const rg_steptype *type;
    regie_table *results; /* regie_mock_call's results */
} test_ctx;

regie_ctx *rg_test_ctx_new(const char *name, const char *const *kv, const char *outdir)
{
    test_ctx *t = rg_xcalloc(1, sizeof *t);
    t->step.name = rg_xstrdup(name);
    size_t n = 0;
    while (kv && kv[2 * n]) {
        n++;
    }
    t->step.params = rg_xcalloc(n ? n : 1, sizeof *t->step.params);
    for (size_t i = 0; i < n; i++) {
        t->step.params[i].key = rg_xstrdup(kv[2 * i]);
        t->step.params[i].value = rg_xstrdup(kv[2 * i + 1] ? kv[2 * i + 1] : "");
        t->step.params[i].file = "test";
    }
    t->step.nparams = n;
    t->ctx.s = &t->step;
    t->ctx.step = (size_t)-1;
    t->ctx.outdir = outdir ? rg_xstrdup(outdir) : NULL;
    return &t->ctx;
}

void rg_test_ctx_set(regie_ctx *ctx, const char *name, rg_datum *d)
{
    /* as a step before it would have written it */
    if (d->kind == RG_DATUM_TABLE) {
        rg_host.output_table(ctx, name, d->table);
    } else {
        rg_host.output_value(ctx, name, &d->value);
        rg_datum_clear(d);
    }
    memset(d, 0, sizeof *d);
}

const rg_datum *rg_test_ctx_get(regie_ctx *ctx, const char *name)
{
    return rg_ctx_input(ctx, name);
}

const char *rg_test_ctx_error(regie_ctx *ctx)
{
    return ctx->error;
}

const rg_errors *rg_test_ctx_data_errors(regie_ctx *ctx)
{
    return &ctx->derrs;
}

void rg_test_ctx_free(regie_ctx *ctx)
{
    if (!ctx) {
        return;
    }
    test_ctx *t = (test_ctx *)ctx;
    rg_ctx_reset(ctx);
    rg_ctx_journal_free(ctx);
    for (size_t i = 0; i < ctx->nstandalone; i++) {
        free(ctx->standalone_names[i]);
        rg_datum_clear(&ctx->standalone_data[i]);
    }
    free(ctx->standalone_names);
    free(ctx->standalone_data);
    free((char *)ctx->outdir);
    free(ctx->outdir_abs);
    for (size_t i = 0; i < t->step.nparams; i++) {
        free(t->step.params[i].key);
        free(t->step.params[i].value);
    }
    free(t->step.params);
    free(t->step.name);
    rg_plugin_release(&t->plugin);
    rg_table_free(t->results);
    free(t);
}

/* ---- the same for plugin authors (regie-mock.h) ---- */
const regie_host *regie_mock_host(void)
{
    return &rg_host;
}

regie_ctx *regie_mock_ctx_new(const regie_plugin *plugin, const char *step,
                              const char *const *kv, const char *outdir)
{
    regie_ctx *ctx = rg_test_ctx_new(step ? step : "test", kv, outdir);
    ((rg_step *)ctx->s)->ptable = plugin ? plugin->params : NULL;
    return ctx;
}

int regie_mock_give_table(regie_ctx *ctx, const char *name, regie_table *t)
{
    return rg_host.output_table(ctx, name, t);
}

int regie_mock_give_value(regie_ctx *ctx, const char *name, const regie_value *v)
{
    return rg_host.output_value(ctx, name, v);
}

regie_ctx *regie_mock_ctx_new_type(const regie_plugin *plugin, const char *type_name,
                                   const char *step, const char *const *kv, const char *outdir)
{
    rg_plugin p;
    char buf[320];
    const char *why = plugin ? rg_plugin_vet(plugin, &p, buf, sizeof buf) : "no plugin";
    if (why) {
        fprintf(stderr, "regie-mock: plugin %s refused: %s\n",
                plugin && plugin->name ? plugin->name : "?", why);
        if (plugin) {
            rg_plugin_release(&p);
        }
        return NULL;
    }
    const rg_steptype *type = NULL;
    for (size_t i = 0; type_name && i < p.ntypes; i++) {
        if (strcmp(p.types[i].name, type_name) == 0) {
            type = &p.types[i];
        }
    }
    if (!type) {
        fprintf(stderr, "regie-mock: plugin %s has no step type \"%s\"\n", plugin->name,
                type_name ? type_name : "");
        rg_plugin_release(&p);
        return NULL;
    }
    regie_ctx *ctx = rg_test_ctx_new(step ? step : "test", kv, outdir);
    test_ctx *t = (test_ctx *)ctx;
    t->plugin = p;
    t->type = type;
    t->step.ptable = type->params;
    return ctx;
}

/* The plugin's init, as a run calls it: 0 with *state, or its status. */
static int mock_init(const regie_plugin *plugin, regie_ctx *ctx, void **state)
{
    *state = NULL;
    if (plugin->magic != REGIE_PLUGIN_MAGIC) {
        return rg_host.fail(ctx, "not a regie plugin (bad magic)");
    }
    if (plugin->abi_version < REGIE_ABI_MIN || plugin->abi_version > REGIE_ABI_VERSION) {
        return rg_host.fail(ctx, "plugin ABI version %u, this regie speaks versions %u to %u",
                            plugin->abi_version, REGIE_ABI_MIN, REGIE_ABI_VERSION);
    }
    if (plugin->init) {
        int rc = plugin->init(&rg_host, state);
        if (rc != 0) {
            rg_host.fail(ctx, "plugin %s: init failed (status %d)", plugin->name, rc);
            return rc;
        }
    }
    return 0;
}

int regie_mock_run(const regie_plugin *plugin, regie_ctx *ctx)
{
    test_ctx *t = (test_ctx *)ctx;
    if (!t->type && !plugin->run) {
        return rg_host.fail(ctx, "plugin %s has step types: make the context with "
                                 "regie_mock_ctx_new_type",
                            plugin->name ? plugin->name : "?");
    }
    void *state = NULL;
    int rc = mock_init(plugin, ctx, &state);
    if (rc != 0) {
        return rc;
    }
    if (t->type) {
        rg_instance inst;
        memset(&inst, 0, sizeof inst);
        t->plugin.state = state;
        rc = rg_instance_open(&inst, &t->plugin, t->type, &rg_host, ctx);
        if (rc == 0) {
            rc = rg_instance_run(&inst, &rg_host, ctx);
        }
        rg_instance_close(&inst);
    } else {
        rc = plugin->run(&rg_host, ctx, state);
    }
    if (plugin->fini) {
        plugin->fini(state);
    }
    return rc;
}

int regie_mock_call(const regie_plugin *plugin, regie_ctx *ctx, const char *name,
                    const regie_value *args, size_t nargs, regie_value *result)
{
    test_ctx *t = (test_ctx *)ctx;
    result->type = REGIE_NULL;
    const regie_lua_fn *f = NULL;
    for (size_t i = 0; plugin->abi_version >= 2 && plugin->lua && plugin->lua[i].name; i++) {
        if (strcmp(plugin->lua[i].name, name) == 0) {
            f = &plugin->lua[i];
        }
    }
    if (!f) {
        return rg_host.fail(ctx, "plugin %s has no Lua function \"%s\"",
                            plugin->name ? plugin->name : "?", name);
    }
    void *state = NULL;
    int rc = mock_init(plugin, ctx, &state);
    if (rc != 0) {
        return rc;
    }
    regie_value r = { REGIE_NULL, { 0 } };
    rc = f->fn(&rg_host, ctx, state, args, nargs, &r);
    if (rc == 0) {
        /* copied at once, as the host does: the plugin's memory may go with fini */
        if (!t->results) {
            t->results = rg_table_new(0, NULL);
        }
        rg_value_copy(t->results, result, &r);
    } else if (!ctx->error) {
        rg_host.fail(ctx, "%s failed (status %d)", name, rc);
    }
    if (plugin->fini) {
        plugin->fini(state);
    }
    return rc;
}

const regie_table *regie_mock_table(regie_ctx *ctx, const char *name)
{
    return rg_host.input_table(ctx, name);
}

int regie_mock_value(regie_ctx *ctx, const char *name, regie_value *out)
{
    return rg_host.input_value(ctx, name, out);
}

const char *regie_mock_error(regie_ctx *ctx)
{
    return ctx->error;
}

size_t regie_mock_data_errors(regie_ctx *ctx)
{
    return ctx->derrs.n;
}

const char *regie_mock_data_error(regie_ctx *ctx, size_t i)
{
    return i < ctx->derrs.n ? ctx->derrs.msg[i] : NULL;
}

size_t regie_mock_files(regie_ctx *ctx)
{
    return ctx->nwritten;
}

const char *regie_mock_file(regie_ctx *ctx, size_t i)
{
    return i < ctx->nwritten ? ctx->written[i] : NULL;
}

int regie_mock_journal_put(regie_ctx *ctx, const char *key, const char *value)
{
    if (!ctx || !key || !*key || !value) {
        return -1;
    }
    rg_ctx_journal_set(ctx, key, value);
    return 0;
}

size_t regie_mock_journal(regie_ctx *ctx)
{
    return ctx->njournal;
}

const char *regie_mock_journal_key(regie_ctx *ctx, size_t i)
{
    return i < ctx->njournal ? ctx->journal_keys[i] : NULL;
}

const char *regie_mock_journal_value(regie_ctx *ctx, size_t i)
{
    return i < ctx->njournal ? ctx->journal_values[i] : NULL;
}

void regie_mock_ctx_free(regie_ctx *ctx)
{
    rg_test_ctx_free(ctx);
}
