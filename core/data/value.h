/* value.c: tables, lists, data (the values steps exchange).
 * Not installed; every exported name carries the rg_ prefix. */
#ifndef REGIE_VALUE_H
#define REGIE_VALUE_H

#include "util.h"

struct regie_list {
    regie_value *items;
    size_t n, cap;
    struct regie_table *owner; /* holds the storage of the items */
};

struct regie_table {
    char **cols;
    size_t ncols;
    regie_value *cells; /* nrows * ncols, row-major */
    long *lines;        /* per row source line, or NULL */
    size_t nrows, cap;
    char *source; /* source file path, or NULL */
    /* owned storage for strings and lists */
    struct rg_chunk *chunks;
    regie_list **lists;
    size_t nlists, listcap;
    size_t bytes; /* what the table has taken from malloc so far (grows only) */
};

regie_table *rg_table_new(size_t ncols, const char *const *cols);
void rg_table_free(regie_table *t);
long rg_table_colindex(const regie_table *t, const char *name);
/* Append a row; copies strings and lists into the table.  line may be 0. */
int rg_table_append(regie_table *t, const regie_value *row, long line);
/* A row filled in place: the cells of a new last row (null), not yet
 * counted; rg_table_row_end counts it.  Strings and lists put in the cells
 * must belong to t (rg_table_strdup, rg_table_list_new). */
regie_value *rg_table_row_begin(regie_table *t);
void rg_table_row_end(regie_table *t, long line);
/* Storage owned by the table: copy a string / make a list. */
const char *rg_table_strdup(regie_table *t, const char *s, size_t len);
regie_list *rg_table_list_new(regie_table *t);
int rg_list_push(regie_list *l, const regie_value *v); /* copies into l->owner */
/* Deep copy of v whose storage lives in `owner`. */
void rg_value_copy(regie_table *owner, regie_value *dst, const regie_value *src);
void rg_table_set_source(regie_table *t, const char *path);
static inline regie_value *rg_table_cell(const regie_table *t, size_t r, size_t c)
{
    return &t->cells[r * t->ncols + c];
}
regie_value rg_str_value(const char *s); /* borrows s */

/* A datum: what a data name holds during a run. */
typedef enum { RG_DATUM_NONE = 0, RG_DATUM_TABLE, RG_DATUM_VALUE } rg_datum_kind;
typedef struct rg_datum {
    rg_datum_kind kind;
    regie_table *table; /* TABLE: the table; VALUE: 0-column owner of strings/lists */
    regie_value value;  /* VALUE */
} rg_datum;
void rg_datum_clear(rg_datum *d);
/* Value as text for messages and `when` comparisons (caller frees). */
char *rg_value_to_text(const regie_value *v);

#endif /* REGIE_VALUE_H */
