/* noop - a step that does nothing: for measuring engine overhead and for
 * ordering-only steps. */
#include <regie.h>

typedef struct noop_config {
    const char *note;
} noop_config;

static const regie_param params[] = {
    { "note", REGIE_PARAM_STRING, 0, NULL, "free text, ignored", REGIE_AT(noop_config, note) },
    { 0 },
};

/* The instance is the bound config itself (the host keeps it until close). */
static int noop_open(const regie_host *host, regie_ctx *ctx, void *state, const void *config,
                     void **instance)
{
    (void)host;
    (void)ctx;
    (void)state;
    *instance = (void *)config;
    return 0;
}

static int noop_run(const regie_host *host, regie_ctx *ctx, void *state, void *instance)
{
    (void)host;
    (void)ctx;
    (void)state;
    (void)instance;
    return 0;
}

static const regie_step_type types[] = {
    REGIE_STEP_TYPE("noop", "does nothing (engine overhead, ordering)", params, noop_config,
                    noop_open, noop_run, NULL),
    { 0 },
};

const regie_plugin regie_plugin_entry =
    REGIE_PLUGIN_V2("noop", "1.0", "does nothing (engine overhead, ordering)", NULL, NULL, types,
                    NULL, NULL);
