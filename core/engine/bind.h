/* bind.h - attaching what a loaded workflow's steps run (bind.c). */
#ifndef REGIE_BIND_H
#define REGIE_BIND_H

#include "lua_step.h"
#include "plugin.h"
#include "workflow.h"

/* Attach to each step of wf (read by rg_workflow_load) its plugin or
 * script: a plugin directory named in the workflow's [engine] is scanned
 * into plugins, each plugin a step uses is initialised with host (the
 * table it is handed),
 * each script is compiled in lua and its top-level code run under the
 * step's limits for its declarations; a step's own keys are checked
 * against the parameters of what it runs.  errs is the one
 * rg_workflow_load filled: a step's errors go where a single reading of the
 * file puts them, after that step's other errors.  Returns -1 if any. */
int rg_workflow_bind(rg_workflow *wf, rg_plugins *plugins, const regie_host *host, rg_lua *lua,
                     rg_errors *errs);

#endif /* REGIE_BIND_H */
