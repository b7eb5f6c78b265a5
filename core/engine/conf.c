/* conf.c - the engine configuration, and where regie finds its parts.
 * An uninstalled build (the binary sits in the build tree it was built in)
 * uses the source and build trees; an installed one its prefix. */
#define _GNU_SOURCE
#include "conf.h"
#include "decimal.h"
#include "rg_ini.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int rg_running_uninstalled(void)
{
    static int cached = -1;
    if (cached >= 0) {
        return cached;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    cached = 0;
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
        }
        char *bd = realpath(REGIE_BUILDDIR, NULL);
        if (bd) {
            size_t l = strlen(bd);
            /* the CLI, the test runner and the bench live in the build tree
             * (libtool may put the real binary under .libs) */
            cached = strncmp(exe, bd, l) == 0 && (exe[l] == 0 || exe[l] == '/');
            free(bd);
        }
    }
    return cached;
}

const char *rg_default_config_file(void)
{
    return rg_running_uninstalled() ? REGIE_SRCDIR "/etc/regie.ini"
                                    : REGIE_SYSCONFDIR "/regie.ini";
}

void rg_default_paths(char **plugins, char **scripts, char **workflows)
{
    if (rg_running_uninstalled()) {
        *plugins = rg_xstrdup(REGIE_BUILDDIR "/plugins/.libs");
        *scripts = rg_xstrdup(REGIE_SRCDIR "/scripts");
        *workflows = rg_xstrdup(REGIE_SRCDIR "/etc/workflows");
    } else {
        *plugins = rg_xstrdup(REGIE_PLUGINDIR);
        *scripts = rg_xstrdup(REGIE_SCRIPTDIR);
        *workflows = rg_xstrdup(REGIE_WORKFLOWDIR);
    }
}

static char *default_store(void)
{
    const char *e = getenv("REGIE_DB");
    if (e && *e) {
        return rg_xstrdup(e);
    }
    e = getenv("XDG_DATA_HOME");
    if (e && *e) {
        return rg_xasprintf("%s/regie/runs.db", e);
    }
    e = getenv("HOME");
    return rg_xasprintf("%s/.local/share/regie/runs.db", e && *e ? e : "/tmp");
}

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = rg_xstrdup(v);
}

/* Prepend `extra` (entries relative to `base_dir`) to a ':'-path. */
static void prepend_path(char **path, const char *extra, const char *base_dir)
{
    char **v;
    size_t n = rg_split(extra, ':', &v);
    rg_buf b = { 0 };
    rg_buf_puts(&b, "");
    for (size_t i = 0; i < n; i++) {
        if (v[i][0] != '/' && base_dir) {
            rg_buf_printf(&b, "%s/%s:", base_dir, v[i]);
        } else {
            rg_buf_printf(&b, "%s:", v[i]);
        }
    }
    rg_buf_puts(&b, *path ? *path : "");
    rg_strv_free(v, n);
    free(*path);
    *path = b.data;
}

int rg_parse_isolate(const char *value, int *isolate)
{
    if (strcmp(value, "none") == 0 || strcmp(value, "process") == 0) {
        *isolate = value[0] == 'p';
        return 0;
    }
    return -1;
}

int rg_config_set(rg_config *cfg, const char *key, const char *value, const char *file, int line,
                  rg_errors *errs)
{
    int64_t i;
    double d;
    char *dir = NULL;
    if (file) {
        const char *slash = strrchr(file, '/');
        dir = slash ? rg_xstrndup(file, (size_t)(slash - file)) : rg_xstrdup(".");
    }
    int rc = 0;
    if (strcmp(key, "plugin_path") == 0) {
        if (*value) {
            prepend_path(&cfg->plugin_path, value, dir);
        }
    } else if (strcmp(key, "script_path") == 0) {
        if (*value) {
            prepend_path(&cfg->script_path, value, dir);
        }
    } else if (strcmp(key, "workflow_path") == 0) {
        if (*value) {
            prepend_path(&cfg->workflow_path, value, dir);
        }
    } else if (strcmp(key, "store") == 0 || strcmp(key, "path") == 0) {
        if (*value) {
            set_str(&cfg->store_path, value);
        }
    } else if (strcmp(key, "signing_key") == 0) {
        free(cfg->signing_key);
        cfg->signing_key = NULL;
        if (*value) {
            cfg->signing_key = value[0] == '/' || !dir ? rg_xstrdup(value)
                                                       : rg_xasprintf("%s/%s", dir, value);
        }
    } else if (strcmp(key, "sync") == 0) {
        if (strcmp(value, "full") == 0 || strcmp(value, "normal") == 0) {
            cfg->sync_full = value[0] == 'f';
        } else {
            rg_err_add(errs, file, line, "sync: found \"%s\", expected normal or full", value);
            rc = -1;
        }
    } else if (strcmp(key, "instructions") == 0) {
        if (rg_parse_int(value, &i) != 0 || i < 0) {
            rg_err_add(errs, file, line, "%s: found \"%s\", expected a whole number >= 0", key, value);
            rc = -1;
        } else {
            cfg->limits.instructions = i;
        }
    } else if (strcmp(key, "memory_mb") == 0) {
        if (rg_parse_int(value, &i) != 0 || i < 0) {
            rg_err_add(errs, file, line, "%s: found \"%s\", expected a whole number of MB >= 0", key,
                       value);
            rc = -1;
        } else {
            cfg->limits.memory = (size_t)i * 1024 * 1024;
        }
    } else if (strcmp(key, "timeout") == 0) {
        if (rg_parse_decimal(value, '.', &d) != 0 || d < 0) {
            rg_err_add(errs, file, line, "%s: found \"%s\", expected seconds >= 0", key, value);
            rc = -1;
        } else {
            cfg->step_timeout = d;
            cfg->limits.timeout = d;
        }
    } else if (strcmp(key, "jobs") == 0) {
        if (rg_parse_int(value, &i) != 0 || i < 0 || i > 1024) {
            rg_err_add(errs, file, line, "%s: found \"%s\", expected 0 (all cores) to 1024", key,
                       value);
            rc = -1;
        } else {
            cfg->jobs = (int)i;
        }
    } else if (strcmp(key, "isolate") == 0) {
        if (rg_parse_isolate(value, &cfg->isolate) != 0) {
            rg_err_add(errs, file, line, "%s: found \"%s\", expected none or process", key, value);
            rc = -1;
        }
    } else if (strcmp(key, "csv") == 0) {
        const rg_csv_dialect *dl = rg_csv_dialect_find(value);
        if (!dl) {
            rg_err_add(errs, file, line,
                       "%s: found \"%s\", expected standard (',', decimal point: for machines) or "
                       "dutch (';', decimal comma, BOM: what Dutch Excel opens)",
                       key, value);
            rc = -1;
        } else {
            cfg->csv = dl;
        }
    } else {
        rg_err_add(errs, file, line,
                   "unknown engine key \"%s\" (allowed: plugin_path, script_path, workflow_path, "
                   "store, sync, signing_key, instructions, memory_mb, timeout, jobs, isolate, "
                   "csv)",
                   key);
        rc = -1;
    }
    free(dir);
    return rc;
}

int rg_config_load(rg_config *cfg, const char *file, rg_errors *errs)
{
    memset(cfg, 0, sizeof *cfg);
    rg_default_paths(&cfg->plugin_path, &cfg->script_path, &cfg->workflow_path);
    cfg->store_path = default_store();
    /* A runaway script is stopped by the time limit: it costs nothing while
     * the step runs.  An instruction limit makes every Lua instruction pass
     * through a hook (about 12 % slower): only where asked for. */
    cfg->limits.instructions = 0;
    cfg->limits.memory = (size_t)512 * 1024 * 1024;
    cfg->limits.timeout = RG_DEFAULT_TIMEOUT;
    cfg->step_timeout = RG_DEFAULT_TIMEOUT;
    cfg->jobs = 0;
    cfg->csv = &rg_csv_standard;
    const char *env = getenv("REGIE_CONFIG");
    if (!file) {
        file = env && *env ? env : rg_default_config_file();
    }
    int rc = 0;
    if (rg_file_exists(file)) {
        cfg->config_file = rg_xstrdup(file);
        rg_ini ini;
        if (rg_ini_load(&ini, file, errs) != 0) {
            rc = -1;
        }
        for (size_t s = 0; s < ini.n; s++) {
            rg_section *sec = &ini.secs[s];
            int known = strcmp(sec->name, "paths") == 0 || strcmp(sec->name, "store") == 0 ||
                        strcmp(sec->name, "limits") == 0 || strcmp(sec->name, "run") == 0 ||
                        strcmp(sec->name, "output") == 0;
            if (!known) {
                rg_err_add(errs, sec->file, sec->line,
                           "unknown section [%s] (expected [paths], [store], [limits], [run], "
                           "[output])",
                           sec->name);
                rc = -1;
                continue;
            }
            for (size_t k = 0; k < sec->n; k++) {
                rg_kv *kv = &sec->kv[k];
                const char *key = strcmp(sec->name, "store") == 0 && strcmp(kv->key, "path") == 0
                                      ? "store"
                                      : kv->key;
                if (rg_config_set(cfg, key, kv->value, kv->file, kv->line, errs) != 0) {
                    rc = -1;
                }
            }
        }
        rg_ini_free(&ini);
    } else if (env && *env) {
        rg_err_add(errs, file, 0, "REGIE_CONFIG names a file that does not exist");
        rc = -1;
    }
    const char *v;
    if ((v = getenv("REGIE_PLUGIN_PATH")) && *v) {
        prepend_path(&cfg->plugin_path, v, NULL);
    }
    if ((v = getenv("REGIE_SCRIPT_PATH")) && *v) {
        prepend_path(&cfg->script_path, v, NULL);
    }
    if ((v = getenv("REGIE_WORKFLOW_PATH")) && *v) {
        prepend_path(&cfg->workflow_path, v, NULL);
    }
    return rc;
}

void rg_config_free(rg_config *cfg)
{
    free(cfg->plugin_path);
    free(cfg->script_path);
    free(cfg->workflow_path);
    free(cfg->store_path);
    free(cfg->signing_key);
    free(cfg->config_file);
    memset(cfg, 0, sizeof *cfg);
}

void rg_config_copy(rg_config *dst, const rg_config *src)
{
    *dst = *src;
    dst->plugin_path = rg_xstrdup(src->plugin_path ? src->plugin_path : "");
    dst->script_path = rg_xstrdup(src->script_path ? src->script_path : "");
    dst->workflow_path = rg_xstrdup(src->workflow_path ? src->workflow_path : "");
    dst->store_path = rg_xstrdup(src->store_path ? src->store_path : "");
    dst->config_file = src->config_file ? rg_xstrdup(src->config_file) : NULL;
    dst->signing_key = src->signing_key ? rg_xstrdup(src->signing_key) : NULL;
}
