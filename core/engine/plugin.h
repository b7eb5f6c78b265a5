/* plugin.c: loading C plugins, checking their parameters.
 * Not installed; every exported name carries the rg_ prefix. */
#ifndef REGIE_PLUGIN_H
#define REGIE_PLUGIN_H

#include "util.h"

/* A step type as the host keeps it, whatever the plugin's ABI version:
 * the plain form (one type named as the plugin, its run the descriptor's)
 * or an entry of `types`.  Its parameter table is the host's copy, in
 * entries of this host's size (an ABI 1 plugin's entries lack `at`). */
typedef struct rg_steptype {
    const char *name;
    const char *summary;
    regie_param *params; /* ends in {0}; never NULL */
    size_t nparams;
    size_t config_size; /* 0: nothing bound */
    int plain;          /* run through the descriptor's run(host, ctx, state) */
    int (*open)(const regie_host *host, regie_ctx *ctx, void *plugin_state, const void *config,
                void **instance);
    int (*run)(const regie_host *host, regie_ctx *ctx, void *plugin_state, void *instance);
    void (*close)(void *plugin_state, void *instance);
} rg_steptype;

typedef struct rg_plugin {
    char *path;
    void *handle; /* dlopen handle, NULL for built-in */
    const regie_plugin *desc;
    void *state;
    int initialised;
    int init_failed;
    rg_steptype *types; /* the plain form's one, or the list's */
    size_t ntypes;
    regie_reader *readers; /* copies, entries of this host's size */
    size_t nreaders;
    const regie_lua_fn *lua; /* the plugin's own list */
    size_t nlua;
} rg_plugin;

typedef struct rg_plugins {
    rg_plugin *v;
    size_t n, cap;
    rg_errors refused; /* every file a scan refused, with the reason */
} rg_plugins;

/* Load one shared object; refuse wrong magic/ABI/duplicate names with the
 * path and reason in errs.  A file that is not an ELF shared object
 * exporting the entry symbol is refused before it is loaded. */
int rg_plugin_load(rg_plugins *ps, const char *path, rg_errors *errs);
/* A descriptor already in memory (handle: its dlopen handle, closed by
 * rg_plugins_free; NULL for one built in), vetted as rg_plugin_load vets
 * a file's, path naming it in errors.  The caller keeps the handle of a
 * refused one. */
int rg_plugin_add(rg_plugins *ps, const regie_plugin *d, const char *path, void *handle,
                  rg_errors *errs);
/* That check alone: NULL, or why the file at path is no plugin (in buf
 * or a constant). */
const char *rg_plugin_check_elf(const char *path, char *buf, size_t bufsize);
/* Load every *.so in each directory of a ':'-separated path.  A file
 * refused goes to errs and to ps->refused (for a warning where the scan's
 * errors are not shown); -1 if any was refused. */
int rg_plugins_scan(rg_plugins *ps, const char *dirs, rg_errors *errs);
rg_plugin *rg_plugin_find(rg_plugins *ps, const char *name);
/* The step type `name` (a workflow's `plugin = NAME`) and its plugin
 * (*owner), or NULL. */
const rg_steptype *rg_plugin_find_type(rg_plugins *ps, const char *name, rg_plugin **owner);
/* The Lua function `name` of p, or NULL. */
const regie_lua_fn *rg_plugin_lua_fn(const rg_plugin *p, const char *name);
/* The plugin whose Lua name (its name with '-' as '_') is lua_name. */
rg_plugin *rg_plugin_find_lua(rg_plugins *ps, const char *lua_name);
/* The descriptor d vetted alone (no other plugin to clash with) into *p
 * (zeroed first; no path or handle): NULL, or why it would be refused (in
 * buf).  rg_plugin_release frees what it made. */
const char *rg_plugin_vet(const regie_plugin *d, rg_plugin *p, char *buf, size_t bufsize);
void rg_plugin_release(rg_plugin *p);
/* Call the plugin's init once, handing it host (the table of functions it
 * calls back). */
int rg_plugin_init(rg_plugin *p, const regie_host *host, rg_errors *errs);
void rg_plugins_free(rg_plugins *ps);

/* A step instance (ABI 2): the step type's parameters bound into its
 * config struct, and what its open returned.  Zero it before
 * rg_instance_open; rg_instance_close ends it (also when open failed or
 * was never called). */
typedef struct rg_instance {
    const rg_steptype *type;
    rg_plugin *plugin;
    void *config;      /* config_size bytes, NULL when none */
    void **owned;      /* the strings and lists bound in config */
    size_t nowned;
    void *instance;    /* from the type's open */
    int opened;        /* open succeeded: close is due */
    int open_failed;
} rg_instance;

/* Bind type t's parameters (as host->param gives them for ctx: the
 * step's keys, else the defaults) into a zeroed config struct and call
 * the type's open, once.  0, or -1 with the step's error set. */
int rg_instance_open(rg_instance *in, rg_plugin *p, const rg_steptype *t, const regie_host *host,
                     regie_ctx *ctx);
/* One attempt: the type's run (the plain form's through the descriptor). */
int rg_instance_run(rg_instance *in, const regie_host *host, regie_ctx *ctx);
/* The type's close (when open succeeded), and the bound config freed. */
void rg_instance_close(rg_instance *in);
/* The member of a bound parameter: its C size and alignment by type. */
size_t rg_param_bound_size(regie_param_type t);
void rg_plugin_print_doc(const rg_plugin *p, FILE *f);
const char *rg_param_type_name(regie_param_type t);
/* Check `value` against type; on failure returns -1 and sets *expected. */
int rg_param_check(regie_param_type t, const char *value, const char **expected);

#endif /* REGIE_PLUGIN_H */
