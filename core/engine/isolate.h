/* isolate.h - a plugin step run in a child process (isolate = process). */
#ifndef REGIE_ISOLATE_H
#define REGIE_ISOLATE_H

#include "host.h"
#include "workflow.h"

/* Run the plugin of step for ctx in a forked child and apply what it
 * produced (outputs, files written, log, progress, error, data errors) to
 * ctx as if it had run here.  A child killed by a signal, past the step's
 * timeout (it is then killed) or gone without its result fails the step.
 * Returns what the plugin's run() returned, or -1. */
int rg_isolate_run(regie_ctx *ctx, const rg_step *step);

#endif /* REGIE_ISOLATE_H */
