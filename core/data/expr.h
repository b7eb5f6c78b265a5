/* expr.h - `when =` conditions: names, literals, comparisons, not/and/or
 * (expr.c). */
#ifndef REGIE_EXPR_H
#define REGIE_EXPR_H

#include "regie.h"

typedef struct rg_expr rg_expr;
/* Names the expression reads: `input.NAME` or data names. */
typedef struct rg_expr_refs {
    char **names;
    size_t n;
} rg_expr_refs;
rg_expr *rg_expr_parse(const char *text, char **error);
void rg_expr_free(rg_expr *e);
void rg_expr_refs_collect(const rg_expr *e, rg_expr_refs *refs);
/* Give every name the expression reads its data index, once (when the
 * workflow's DAG is built): index(ud, name) is -1 for no such data, and a
 * name never resolved reads as absent. */
void rg_expr_resolve(rg_expr *e, long (*index)(void *ud, const char *name), void *ud);
/* The value of data index d (NULL: absent); called with d >= 0 only. */
typedef const regie_value *(*rg_expr_value)(void *ud, long d);
int rg_expr_eval(const rg_expr *e, rg_expr_value value, void *ud);

#endif /* REGIE_EXPR_H */
