/* bind.c - attaching to a loaded workflow's steps what they run: the C
 * plugin (found on the plugin path, initialised with the host table) or the
 * Lua script (compiled, its top-level code run under the step's limits for
 * what it declares), and checking each step's own keys against the
 * parameter table of what it runs. */
#include "bind.h"
#include "lua_step.h"
#include "plugin.h"
#include "rg_ini.h"
#include "workflow.h"

#include <stdlib.h>
#include <string.h>

static void allowed_list(rg_buf *b, const regie_param *pt)
{
    int first = 1;
    for (const regie_param *p = pt; p && p->key; p++) {
        rg_buf_printf(b, "%s%s (%s)", first ? "" : ", ", p->key, rg_param_type_name(p->type));
        first = 0;
    }
    if (first) {
        rg_buf_puts(b, "none");
    }
}

/* Own keys of a step against its parameter table. */
static void check_params(rg_step *step, const char *what, rg_errors *errs)
{
    for (size_t i = 0; i < step->nparams; i++) {
        rg_kv *kv = &step->params[i];
        const regie_param *p = step->ptable;
        while (p && p->key && strcmp(p->key, kv->key) != 0) {
            p++;
        }
        if (!p || !p->key) {
            rg_buf b = { 0 };
            allowed_list(&b, step->ptable);
            /* the nearest of its parameters and the step keys */
            size_t nk = 0;
            for (const regie_param *q = step->ptable; q && q->key; q++) {
                nk++;
            }
            size_t nres = 0;
            while (rg_step_keys[nres]) {
                nres++;
            }
            const char **keys = rg_xmalloc((nk + nres + 1) * sizeof *keys);
            for (size_t k = 0; k < nk; k++) {
                keys[k] = step->ptable[k].key;
            }
            for (size_t k = 0; k < nres; k++) {
                keys[nk + k] = rg_step_keys[k];
            }
            long near = rg_nearest(kv->key, keys, nk + nres);
            rg_buf_puts(&b, "; step keys: ");
            for (size_t k = 0; k < nres; k++) {
                rg_buf_printf(&b, "%s%s", k ? ", " : "", rg_step_keys[k]);
            }
            rg_err_add(errs, kv->file, kv->line,
                       "step %s: unknown key \"%s\" for %s (its parameters: %s)%s%s%s", step->name,
                       kv->key, what, b.data, near >= 0 ? "; did you mean " : "",
                       near >= 0 ? keys[near] : "", near >= 0 ? "?" : "");
            free(keys);
            rg_buf_free(&b);
            continue;
        }
        const char *expected = NULL;
        if (rg_param_check(p->type, kv->value, &expected) != 0) {
            rg_err_add(errs, kv->file, kv->line, "step %s: %s: found \"%s\", expected %s",
                       step->name, kv->key, kv->value, expected);
        }
    }
    for (const regie_param *p = step->ptable; p && p->key; p++) {
        if (!p->required) {
            continue;
        }
        int have = 0;
        for (size_t i = 0; i < step->nparams; i++) {
            have |= strcmp(step->params[i].key, p->key) == 0;
        }
        if (!have) {
            rg_err_add(errs, step->file, step->line,
                       "step %s: missing required key \"%s\" (%s: %s) for %s", step->name, p->key,
                       rg_param_type_name(p->type), p->description ? p->description : "", what);
        }
    }
}

static void bind_plugin(rg_workflow *wf, rg_step *step, rg_plugins *plugins,
                        const regie_host *host, rg_errors *errs)
{
    const rg_kv *plugin = step->plugin_key;
    step->type = rg_plugin_find_type(plugins, plugin->value, &step->plugin);
    if (!step->type) {
        step->plugin = NULL;
    }
    if (!step->plugin && step->optional) {
        /* skipped when the run reaches it (exec.c); its own keys cannot
         * be checked without the plugin's table */
        return;
    }
    if (!step->plugin) {
        rg_buf b = { 0 };
        rg_buf_puts(&b, "");
        for (size_t i = 0; i < plugins->n; i++) {
            for (size_t k = 0; k < plugins->v[i].ntypes; k++) {
                rg_buf_printf(&b, "%s%s", b.len ? ", " : "", plugins->v[i].types[k].name);
            }
        }
        rg_err_add(errs, plugin->file, plugin->line,
                   "step %s: unknown plugin \"%s\" (found on the plugin path %s: step types %s)",
                   step->name, plugin->value, wf->cfg.plugin_path, b.len ? b.data : "none");
        rg_buf_free(&b);
        return;
    }
    step->ptable = step->type->params;
    check_params(step, "this plugin", errs);
    if (rg_plugin_init(step->plugin, host, errs) != 0) {
        rg_err_add(errs, plugin->file, plugin->line,
                   "step %s: plugin \"%s\" could not be initialised", step->name, plugin->value);
    }
}

static void script_info_drop(void *p)
{
    rg_script_info_free(p);
    free(p);
}

static void bind_script(rg_workflow *wf, rg_step *step, rg_lua *lua, rg_errors *errs)
{
    const rg_kv *script = step->script_key;
    step->script_file = rg_lua_resolve(wf->cfg.script_path, wf->dir, script->value);
    if (!step->script_file) {
        rg_err_add(errs, script->file, script->line,
                   "step %s: script \"%s\" not found (looked next to the workflow and on "
                   "the script path %s)",
                   step->name, script->value, wf->cfg.script_path);
        return;
    }
    rg_script_info *info = rg_xcalloc(1, sizeof *info);
    step->bound = info;
    step->bound_free = script_info_drop;
    size_t before = errs->n;
    if (rg_lua_describe(lua, step->script_file, &step->limits, info, errs) == 0 &&
        errs->n == before) {
        step->ptable = info->params;
        check_params(step, "this script", errs);
    } else if (errs->n == before) {
        rg_err_add(errs, script->file, script->line, "step %s: script %s is not usable", step->name,
                   step->script_file);
    }
}

int rg_workflow_bind(rg_workflow *wf, rg_plugins *plugins, const regie_host *host, rg_lua *lua,
                     rg_errors *errs)
{
    /* a plugin directory named by the workflow is scanned too; a file it
     * refuses is a warning (plugins->refused), as on the engine's path: a
     * step that names a plugin not loaded is the error */
    rg_section *eng = rg_ini_section(&wf->ini, "engine");
    if (eng && rg_section_get(eng, "plugin_path")) {
        rg_errors refused = { 0 };
        rg_plugins_scan(plugins, wf->cfg.plugin_path, &refused);
        rg_err_free(&refused);
    }
    wf->plugins = plugins; /* (their readers read workbook inputs) */
    size_t added = 0;
    for (size_t s = 0; s < wf->nsteps; s++) {
        rg_step *step = &wf->steps[s];
        rg_errors own = { 0 };
        if (step->plugin_key) {
            bind_plugin(wf, step, plugins, host, &own);
        } else if (step->script_key) {
            bind_script(wf, step, lua, &own);
        }
        rg_err_insert(errs, step->errs_at + added, &own);
        added += own.n;
        rg_err_free(&own);
    }
    return added ? -1 : 0;
}
