/* plugin.c: loading C plugins, checking their parameters.
 * Not installed; every exported name carries the rg_ prefix. */
#ifndef REGIE_PLUGIN_H
#define REGIE_PLUGIN_H

#include "util.h"

typedef struct rg_plugin {
    char *path;
    void *handle; /* dlopen handle, NULL for built-in */
    const regie_plugin *desc;
    void *state;
    int initialised;
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
/* That check alone: NULL, or why the file at path is no plugin (in buf
 * or a constant). */
const char *rg_plugin_check_elf(const char *path, char *buf, size_t bufsize);
/* Load every *.so in each directory of a ':'-separated path.  A file
 * refused goes to errs and to ps->refused (for a warning where the scan's
 * errors are not shown); -1 if any was refused. */
int rg_plugins_scan(rg_plugins *ps, const char *dirs, rg_errors *errs);
rg_plugin *rg_plugin_find(rg_plugins *ps, const char *name);
/* Call the plugin's init once, handing it host (the table of functions it
 * calls back). */
int rg_plugin_init(rg_plugin *p, const regie_host *host, rg_errors *errs);
void rg_plugins_free(rg_plugins *ps);
void rg_plugin_print_doc(const rg_plugin *p, FILE *f);
const char *rg_param_type_name(regie_param_type t);
/* Check `value` against type; on failure returns -1 and sets *expected. */
int rg_param_check(regie_param_type t, const char *value, const char **expected);

#endif /* REGIE_PLUGIN_H */
