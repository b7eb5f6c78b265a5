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
/* Look up a name's value (NULL: absent). */
typedef const regie_value *(*rg_expr_lookup)(void *ud, const char *name);
int rg_expr_eval(const rg_expr *e, rg_expr_lookup lookup, void *ud);

#endif /* REGIE_EXPR_H */
