/* conf.h - the engine configuration (etc/regie.ini, a workflow's [engine],
 * --engine KEY=VALUE) and where regie finds its parts (conf.c). */
#ifndef REGIE_CONF_H
#define REGIE_CONF_H

#include "rg_csv.h"
#include "util.h"

/* Seconds a step may run when nothing else is configured. */
#define RG_DEFAULT_TIMEOUT 600.0

/* The limits of a Lua step (the engine's defaults, a step's own keys). */
typedef struct rg_lua_limits {
    long long instructions; /* 0: no limit */
    size_t memory;          /* bytes; 0: no limit */
    double timeout;         /* seconds of wall time; 0: no limit */
} rg_lua_limits;

typedef struct rg_config {
    char *plugin_path;   /* ':'-separated */
    char *script_path;   /* ':'-separated */
    char *workflow_path; /* ':'-separated */
    char *store_path;    /* SQLite file; "" or "off": no store */
    int sync_full;       /* [store] sync = full: fsync every commit and file */
    char *signing_key;   /* [store] signing_key: Ed25519 secret key file, or NULL */
    rg_lua_limits limits; /* defaults per Lua step */
    double step_timeout;  /* default per step, seconds, 0 none */
    int jobs;             /* 0: number of cores */
    int isolate;          /* 1: plugin steps run in a child process (isolate = process) */
    const rg_csv_dialect *csv; /* [output] csv = standard | dutch: how CSV outputs are written */
    char *config_file;    /* what was read, for messages */
} rg_config;

/* Fill defaults (source tree or installed prefix), then read the engine
 * config file (REGIE_CONFIG or the default one) and the environment
 * (REGIE_PLUGIN_PATH, REGIE_SCRIPT_PATH, REGIE_WORKFLOW_PATH, REGIE_DB). */
int rg_config_load(rg_config *cfg, const char *file, rg_errors *errs);
/* Apply [engine] keys of a workflow or --engine KEY=VALUE overrides. */
int rg_config_set(rg_config *cfg, const char *key, const char *value, const char *file, int line,
                  rg_errors *errs);
/* dst: a copy of src (its strings its own). */
void rg_config_copy(rg_config *dst, const rg_config *src);
void rg_config_free(rg_config *cfg);
/* `isolate =`: none (in process, the default) or process; 0 or -1. */
int rg_parse_isolate(const char *value, int *isolate);
/* Where the parts are when run from the build tree or installed. */
int rg_running_uninstalled(void);
const char *rg_default_config_file(void);
void rg_default_paths(char **plugins, char **scripts, char **workflows);

#endif /* REGIE_CONF_H */
