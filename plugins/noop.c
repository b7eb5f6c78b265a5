/* noop - a step that does nothing: for measuring engine overhead and for
 * ordering-only steps. */
#include <regie.h>

static const regie_param params[] = {
    { "note", REGIE_PARAM_STRING, 0, NULL, "free text, ignored" },
    { 0 },
};

static int noop_run(const regie_host *host, regie_ctx *ctx, void *state)
{
    (void)host;
    (void)ctx;
    (void)state;
    return 0;
}

const regie_plugin regie_plugin_entry =
    REGIE_PLUGIN_INIT("noop", "1.0", "does nothing (engine overhead, ordering)", params, NULL,
                      noop_run, NULL);
