/* plugin.c - loading C step plugins.  A plugin must export exactly the
 * descriptor symbol; the loader checks magic, ABI version, descriptor size
 * and name before using anything else in it, and refuses with the path and
 * the reason. */
#define _GNU_SOURCE
#include "internal.h"

#include <dirent.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

static int valid_name(const char *s)
{
    if (!s || !*s || strlen(s) > 64) {
        return 0;
    }
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-')) {
            return 0;
        }
    }
    return 1;
}

rg_plugin *rg_plugin_find(rg_plugins *ps, const char *name)
{
    for (size_t i = 0; i < ps->n; i++) {
        if (strcmp(ps->v[i].desc->name, name) == 0) {
            return &ps->v[i];
        }
    }
    return NULL;
}

int rg_plugin_load(rg_plugins *ps, const char *path, rg_errors *errs)
{
    dlerror();
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        rg_err_add(errs, path, 0, "cannot load plugin: %s", e ? e : "unknown error");
        return -1;
    }
    const regie_plugin *d = dlsym(h, REGIE_PLUGIN_SYMBOL);
    const char *why = NULL;
    char buf[160];
    if (!d) {
        why = "not a regie plugin (no " REGIE_PLUGIN_SYMBOL " symbol)";
    } else if (d->magic != REGIE_PLUGIN_MAGIC) {
        why = "not a regie plugin (bad magic number)";
    } else if (d->abi_version != REGIE_ABI_VERSION) {
        snprintf(buf, sizeof buf, "plugin ABI version %u, this regie speaks version %u: rebuild it",
                 d->abi_version, REGIE_ABI_VERSION);
        why = buf;
    } else if (d->size < sizeof(regie_plugin)) {
        why = "plugin descriptor too small for this ABI version";
    } else if (!valid_name(d->name)) {
        why = "plugin name missing or not of [a-z0-9_-]";
    } else if (!d->run) {
        why = "plugin has no run callback";
    } else {
        rg_plugin *dup = rg_plugin_find(ps, d->name);
        if (dup) {
            snprintf(buf, sizeof buf, "duplicate plugin name \"%s\" (already loaded from %s)",
                     d->name, dup->path);
            why = buf;
        }
    }
    if (why) {
        rg_err_add(errs, path, 0, "refused: %s", why);
        dlclose(h);
        return -1;
    }
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? ps->cap * 2 : 8;
        ps->v = rg_xrealloc(ps->v, ps->cap * sizeof *ps->v);
    }
    rg_plugin *p = &ps->v[ps->n++];
    memset(p, 0, sizeof *p);
    p->path = rg_xstrdup(path);
    p->handle = h;
    p->desc = d;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int rg_plugins_scan(rg_plugins *ps, const char *dirs, rg_errors *errs)
{
    char **v;
    size_t n = rg_split(dirs ? dirs : "", ':', &v);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        DIR *d = opendir(v[i]);
        if (!d) {
            continue; /* a missing directory on the path is not an error */
        }
        char **names = NULL;
        size_t nn = 0;
        struct dirent *e;
        while ((e = readdir(d))) {
            size_t len = strlen(e->d_name);
            if (len > 3 && strcmp(e->d_name + len - 3, ".so") == 0) {
                names = rg_xrealloc(names, (nn + 1) * sizeof *names);
                names[nn++] = rg_xasprintf("%s/%s", v[i], e->d_name);
            }
        }
        closedir(d);
        qsort(names, nn, sizeof *names, cmp_str);
        for (size_t k = 0; k < nn; k++) {
            int known = 0;
            for (size_t j = 0; j < ps->n; j++) {
                known |= strcmp(ps->v[j].path, names[k]) == 0;
            }
            if (known) {
                continue; /* the same directory named twice on the path */
            }
            size_t before = errs->n;
            if (rg_plugin_load(ps, names[k], errs) != 0) {
                for (size_t j = before; j < errs->n; j++) {
                    rg_err_add(&ps->refused, NULL, 0, "%s", errs->msg[j]);
                }
                rc = -1;
            }
        }
        rg_strv_free(names, nn);
    }
    rg_strv_free(v, n);
    return rc;
}

int rg_plugin_init(rg_plugin *p, rg_errors *errs)
{
    if (p->initialised) {
        return 0;
    }
    if (p->desc->init) {
        void *state = NULL;
        int rc = p->desc->init(&rg_host, &state);
        if (rc != 0) {
            rg_err_add(errs, p->path, 0, "plugin %s: init failed (status %d)", p->desc->name, rc);
            return -1;
        }
        p->state = state;
    }
    p->initialised = 1;
    return 0;
}

void rg_plugins_free(rg_plugins *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        rg_plugin *p = &ps->v[i];
        if (p->initialised && p->desc->fini) {
            p->desc->fini(p->state);
        }
        /* Under sanitizers a closed module loses its symbols for reports;
         * the process ends soon after anyway. */
        if (p->handle && !getenv("REGIE_KEEP_PLUGINS")) {
            dlclose(p->handle);
        }
        free(p->path);
    }
    free(ps->v);
    rg_err_free(&ps->refused);
    memset(ps, 0, sizeof *ps);
}

const char *rg_param_type_name(regie_param_type t)
{
    switch (t) {
    case REGIE_PARAM_STRING:
        return "string";
    case REGIE_PARAM_INT:
        return "integer";
    case REGIE_PARAM_NUM:
        return "number";
    case REGIE_PARAM_BOOL:
        return "boolean";
    case REGIE_PARAM_DATE:
        return "date";
    case REGIE_PARAM_LIST:
        return "list";
    }
    return "?";
}

int rg_param_check(regie_param_type t, const char *value, const char **expected)
{
    int64_t i;
    double d;
    int b;
    int32_t day;
    switch (t) {
    case REGIE_PARAM_INT:
        *expected = "an integer";
        return rg_parse_int(value, &i);
    case REGIE_PARAM_NUM:
        *expected = "a number";
        return rg_parse_decimal(value, '.', &d);
    case REGIE_PARAM_BOOL:
        *expected = "yes or no";
        return rg_parse_bool(value, &b);
    case REGIE_PARAM_DATE:
        *expected = "a date YYYY-MM-DD";
        return rg_date_parse(value, &day);
    case REGIE_PARAM_STRING:
    case REGIE_PARAM_LIST:
        return 0;
    }
    *expected = "a known parameter type";
    return -1;
}

void rg_plugin_print_doc(const rg_plugin *p, FILE *f)
{
    const regie_plugin *d = p->desc;
    fprintf(f, "%s %s - %s\n", d->name, d->version ? d->version : "", d->summary ? d->summary : "");
    fprintf(f, "  file: %s\n  ABI version: %u\n", p->path, d->abi_version);
    if (!d->params || !d->params[0].key) {
        fprintf(f, "  parameters: none\n");
        return;
    }
    fprintf(f, "  parameters:\n");
    for (const regie_param *q = d->params; q->key; q++) {
        fprintf(f, "    %-20s %-8s %s", q->key, rg_param_type_name(q->type),
                q->required ? "required" : "optional");
        if (q->def) {
            fprintf(f, ", default %s", q->def);
        }
        fprintf(f, "\n        %s\n", q->description ? q->description : "");
    }
}
