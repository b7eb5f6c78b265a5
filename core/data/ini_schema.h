/* ini_schema.c: the keys an INI input may hold, declared in the workflow
 * as CSV columns are (rg_colspec), and checked when the input is read.
 * Not installed; exported names carry rg_. */
#ifndef REGIE_INI_SCHEMA_H
#define REGIE_INI_SCHEMA_H

#include "rg_csv.h"
#include "value.h"

/* One key: a column spec (name, type, ! for required) with what an INI
 * setting adds.  A list's items are separated by ',' and each has type
 * `item`. */
typedef struct rg_keyspec {
    rg_colspec col;
    rg_coltype item; /* col.type == RG_COL_LIST: the type of each item */
    char *def;       /* the default as text, NULL for none */
    char **choices;  /* {a|b|c}: the value is one of these, as written */
    size_t nchoices;
    char *lo, *hi;  /* [LO..HI]: the range as written, NULL when open */
    int lo_excl;    /* [>LO..]: above LO */
    double lo_v, hi_v;
} rg_keyspec;

typedef struct rg_secspec {
    char *name;
    rg_keyspec *keys;
    size_t n;
} rg_secspec;

/* The sections of an INI input in the order declared; none (n == 0): any
 * section and key is taken as it is. */
typedef struct rg_ini_schema {
    rg_secspec *secs;
    size_t n;
} rg_ini_schema;

/* Add section `section` from a workflow line `keys.SECTION = SPEC`, SPEC a
 * comma-separated list of
 *     NAME:TYPE[RANGE]{CHOICES}!=DEFAULT
 * TYPE one of the column types (text, id, integer, decimal, boolean, date,
 * datetime) or list(TYPE) (items separated by ','; list alone: of text);
 * every part after it optional:
 *     [1..120] [0..] [>0..] [..100]   a range (integer and decimal)
 *     {a|b|c}                         the value is one of these
 *     !                               the key is required
 *     =TEXT  ="a,b"                   the default (quoted when it holds a comma)
 * e.g.  keys.award = total_points:decimal[>0..]!, price_method:text{none|lowest_ratio}=none
 * Errors name file and line.  Returns 0, or -1 after adding errors. */
int rg_ini_schema_add(rg_ini_schema *s, const char *section, const char *spec, const char *file,
                      long line, rg_errors *errs);
void rg_ini_schema_free(rg_ini_schema *s);
const rg_secspec *rg_ini_schema_section(const rg_ini_schema *s, const char *name);
const rg_keyspec *rg_ini_schema_key(const rg_ini_schema *s, const char *section, const char *key);

/* Check an INI input read as a table section,key,value (rg_ini_to_table)
 * against the schema: an unknown section (once) or key, named with the one
 * most likely meant; a value not of its type, range or choices; a required
 * key missing.  Every error of the file goes to errs as
 *     FILE:LINE: column KEY: found "VALUE", expected WHAT
 * (an empty value of a key not required counts as not given).  Returns 0,
 * or -1 after adding errors.  With an empty schema, 0. */
int rg_ini_schema_check(const rg_ini_schema *s, const regie_table *t, rg_errors *errs);

/* The typed value of section.key in t (NULL: none given), its default when
 * it is not given (or given empty), null when it has neither: integer ->
 * REGIE_INT, decimal -> REGIE_NUM, boolean -> REGIE_BOOL, list -> REGIE_LIST
 * of typed items, every other type -> REGIE_STR.  Strings and lists are
 * stored in owner.  Returns 0, or -1 when the key is not in the schema or
 * its value does not convert (rg_ini_schema_check reports why). */
int rg_ini_schema_value(const rg_ini_schema *s, const regie_table *t, const char *section,
                        const char *key, regie_table *owner, regie_value *out);

#endif /* REGIE_INI_SCHEMA_H */
