/* ini.c: INI files with file and line kept for every key.
 * Named rg_ini.h: <ini.h> is inih's.  Not installed; exported names carry rg_. */
#ifndef REGIE_RG_INI_H
#define REGIE_RG_INI_H

#include "map.h"
#include "value.h"

typedef struct rg_kv {
    char *key;
    char *value;
    const char *file; /* interned in the rg_ini */
    int line;
    int used; /* set by whoever consumes the key, for "unknown key" checks */
} rg_kv;

typedef struct rg_section {
    char *name;
    const char *file;
    int line;
    rg_kv *kv;
    size_t n, cap;
} rg_section;

typedef struct rg_ini {
    rg_section *secs;
    size_t n, cap;
    rg_map index; /* section name -> position in secs */
    char **files; /* every file read, in order (main first, then includes) */
    size_t nfiles;
} rg_ini;

/* The replacement of ${PREFIX NAME} in rg_substitute (name: NAME, a copy
 * the function may change): append it to out and return 0, or return 1 to
 * keep "${PREFIX NAME}" as written. */
typedef int (*rg_subst_fn)(void *ud, char *name, rg_buf *out);
/* value with each "${" prefix NAME "}" replaced through fn (prefix "":
 * every ${...}; NAME: the text up to the next '}').  An unterminated one
 * and the rest of value are kept as written, and *unterminated (if not
 * NULL) set to 1. */
char *rg_substitute(const char *value, const char *prefix, rg_subst_fn fn, void *ud,
                    int *unterminated);

/* Read an INI file with `include = FILE` (relative to the including file,
 * depth limit 8, loops detected), `;`/`#` comments, repeated sections merged.
 * ${env:NAME:-default} is replaced from the environment; ${input.NAME} and
 * ${data.NAME} are kept as written (the workflow fills in the inputs, a
 * wait step's what the data).  All errors of the file go to errs; returns
 * -1 if any. */
int rg_ini_load(rg_ini *ini, const char *path, rg_errors *errs);
void rg_ini_free(rg_ini *ini);
rg_section *rg_ini_section(const rg_ini *ini, const char *name);
rg_kv *rg_section_get(const rg_section *s, const char *key);
/* Load a plain data INI (for `type = ini` inputs) as a table with columns
 * section,key,value (rows carry lines; source set). */
int rg_ini_to_table(const char *path, regie_table **out, rg_errors *errs);

#endif /* REGIE_RG_INI_H */
