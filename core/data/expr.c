/* expr.c - `when =` conditions: names, literals, comparisons, not/and/or. */
#include "expr.h"
#include "decimal.h"
#include "value.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef enum { E_NAME, E_STR, E_NUM, E_NOT, E_AND, E_OR, E_CMP } ekind;
typedef enum { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE } cmpop;

struct rg_expr {
    ekind kind;
    cmpop op;
    char *text; /* name or literal */
    long data;  /* a name: its data index (rg_expr_resolve), -1 if none */
    double num;
    struct rg_expr *a, *b;
};

typedef struct parser {
    const char *p;
    char *err;
} parser;

static void skip(parser *ps)
{
    while (isspace((unsigned char)*ps->p)) {
        ps->p++;
    }
}

static rg_expr *node(ekind k)
{
    rg_expr *e = rg_xcalloc(1, sizeof *e);
    e->kind = k;
    e->data = -1;
    return e;
}

static void seterr(parser *ps, const char *msg)
{
    if (!ps->err) {
        ps->err = rg_xasprintf("%s at \"%s\"", msg, *ps->p ? ps->p : "end of condition");
    }
}

static rg_expr *parse_or(parser *ps);

static int word(parser *ps, const char *w)
{
    size_t n = strlen(w);
    if (strncmp(ps->p, w, n) != 0) {
        return 0;
    }
    /* a name goes on with letters, digits, _ . and - (not-ready is a name) */
    char after = ps->p[n];
    if (isalnum((unsigned char)after) || after == '_' || after == '.' || after == '-') {
        return 0;
    }
    ps->p += n;
    return 1;
}

static rg_expr *parse_atom(parser *ps)
{
    skip(ps);
    if (*ps->p == '(') {
        ps->p++;
        rg_expr *e = parse_or(ps);
        skip(ps);
        if (*ps->p != ')') {
            seterr(ps, "expected \")\"");
            rg_expr_free(e);
            return NULL;
        }
        ps->p++;
        return e;
    }
    if (word(ps, "not")) { /* only after a comparison operator: parse_not takes the others */
        seterr(ps, "\"not\" cannot be compared: write not (A == B)");
        return NULL;
    }
    if (*ps->p == '"' || *ps->p == '\'') {
        char q = *ps->p++;
        const char *s = ps->p;
        while (*ps->p && *ps->p != q) {
            ps->p++;
        }
        if (!*ps->p) {
            seterr(ps, "unterminated string");
            return NULL;
        }
        rg_expr *e = node(E_STR);
        e->text = rg_xstrndup(s, (size_t)(ps->p - s));
        ps->p++;
        return e;
    }
    if (isdigit((unsigned char)*ps->p) || *ps->p == '-') {
        char *end;
        double d = strtod(ps->p, &end);
        if (end == ps->p) {
            seterr(ps, "expected a number");
            return NULL;
        }
        rg_expr *e = node(E_NUM);
        e->num = d;
        e->text = rg_xstrndup(ps->p, (size_t)(end - ps->p));
        ps->p = end;
        return e;
    }
    if (isalpha((unsigned char)*ps->p) || *ps->p == '_') {
        const char *s = ps->p;
        while (isalnum((unsigned char)*ps->p) || *ps->p == '_' || *ps->p == '.' || *ps->p == '-') {
            ps->p++;
        }
        rg_expr *e = node(E_NAME);
        if (ps->p - s > 6 && strncmp(s, "input.", 6) == 0) {
            s += 6;
        }
        e->text = rg_xstrndup(s, (size_t)(ps->p - s));
        if (strcmp(e->text, "true") == 0 || strcmp(e->text, "false") == 0) {
            e->kind = E_NUM;
            e->num = e->text[0] == 't';
        }
        return e;
    }
    seterr(ps, "expected a name, a quoted text or a number");
    return NULL;
}

static rg_expr *parse_cmp(parser *ps)
{
    rg_expr *a = parse_atom(ps);
    if (!a) {
        return NULL;
    }
    skip(ps);
    static const struct {
        const char *s;
        cmpop op;
    } ops[] = { { "==", C_EQ }, { "!=", C_NE }, { "<=", C_LE }, { ">=", C_GE }, { "<", C_LT },
                { ">", C_GT }, { "=", C_EQ } };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t n = strlen(ops[i].s);
        if (strncmp(ps->p, ops[i].s, n) == 0) {
            ps->p += n;
            rg_expr *e = node(E_CMP);
            e->op = ops[i].op;
            e->a = a;
            e->b = parse_atom(ps);
            if (!e->b) {
                rg_expr_free(e);
                return NULL;
            }
            return e;
        }
    }
    return a;
}

/* `not` binds looser than a comparison: not a == b is not (a == b). */
static rg_expr *parse_not(parser *ps)
{
    skip(ps);
    if (word(ps, "not")) {
        rg_expr *e = node(E_NOT);
        e->a = parse_not(ps);
        if (!e->a) {
            rg_expr_free(e);
            return NULL;
        }
        return e;
    }
    return parse_cmp(ps);
}

/* operand (op operand)*, grouped from the left: and, or */
static rg_expr *parse_chain(parser *ps, const char *op, ekind kind, rg_expr *(*operand)(parser *))
{
    rg_expr *a = operand(ps);
    while (a) {
        skip(ps);
        if (!word(ps, op)) {
            break;
        }
        rg_expr *e = node(kind);
        e->a = a;
        e->b = operand(ps);
        if (!e->b) {
            rg_expr_free(e);
            return NULL;
        }
        a = e;
    }
    return a;
}

static rg_expr *parse_and(parser *ps)
{
    return parse_chain(ps, "and", E_AND, parse_not);
}

static rg_expr *parse_or(parser *ps)
{
    return parse_chain(ps, "or", E_OR, parse_and);
}

rg_expr *rg_expr_parse(const char *text, char **error)
{
    parser ps = { text, NULL };
    rg_expr *e = parse_or(&ps);
    skip(&ps);
    if (e && *ps.p) {
        seterr(&ps, "unexpected text");
        rg_expr_free(e);
        e = NULL;
    }
    if (!e && !ps.err) {
        seterr(&ps, "empty condition");
    }
    if (!e) {
        *error = ps.err;
    } else {
        free(ps.err);
    }
    return e;
}

void rg_expr_free(rg_expr *e)
{
    if (!e) {
        return;
    }
    rg_expr_free(e->a);
    rg_expr_free(e->b);
    free(e->text);
    free(e);
}

void rg_expr_refs_collect(const rg_expr *e, rg_expr_refs *refs)
{
    if (!e) {
        return;
    }
    if (e->kind == E_NAME) {
        for (size_t i = 0; i < refs->n; i++) {
            if (strcmp(refs->names[i], e->text) == 0) {
                return;
            }
        }
        refs->names = rg_xrealloc(refs->names, (refs->n + 1) * sizeof *refs->names);
        refs->names[refs->n++] = rg_xstrdup(e->text);
    }
    rg_expr_refs_collect(e->a, refs);
    rg_expr_refs_collect(e->b, refs);
}

void rg_expr_resolve(rg_expr *e, long (*index)(void *ud, const char *name), void *ud)
{
    if (!e) {
        return;
    }
    if (e->kind == E_NAME) {
        e->data = index(ud, e->text);
    }
    rg_expr_resolve(e->a, index, ud);
    rg_expr_resolve(e->b, index, ud);
}

static const regie_value *name_value(const rg_expr *e, rg_expr_value value, void *ud)
{
    return e->data >= 0 ? value(ud, e->data) : NULL;
}

static int truthy(const regie_value *v)
{
    if (!v) {
        return 0;
    }
    switch (v->type) {
    case REGIE_NULL:
        return 0;
    case REGIE_BOOL:
        return v->u.b;
    case REGIE_INT:
        return v->u.i != 0;
    case REGIE_NUM:
        return v->u.n != 0;
    case REGIE_STR:
        return v->u.s.len > 0;
    case REGIE_LIST:
        return v->u.list && v->u.list->n > 0;
    }
    return 0;
}

/* Value of an operand as number (if it is one) and text. */
static int operand(const rg_expr *e, rg_expr_value value, void *ud, double *num, char **text)
{
    if (e->kind == E_NUM) {
        *num = e->num;
        *text = rg_xstrdup(e->text);
        return 1;
    }
    if (e->kind == E_STR) {
        *text = rg_xstrdup(e->text);
        return rg_parse_decimal(e->text, '.', num) == 0;
    }
    if (e->kind != E_NAME) { /* a condition in parentheses: 1 when it holds, else 0 */
        *num = rg_expr_eval(e, value, ud);
        *text = rg_xstrdup(*num ? "1" : "0");
        return 1;
    }
    const regie_value *v = name_value(e, value, ud);
    if (!v) {
        *text = rg_xstrdup("");
        return 0;
    }
    *text = rg_value_to_text(v);
    if (v->type == REGIE_INT) {
        *num = (double)v->u.i;
        return 1;
    }
    if (v->type == REGIE_NUM) {
        *num = v->u.n;
        return 1;
    }
    if (v->type == REGIE_BOOL) {
        *num = v->u.b;
        return 1;
    }
    return rg_parse_decimal(*text, '.', num) == 0;
}

int rg_expr_eval(const rg_expr *e, rg_expr_value value, void *ud)
{
    switch (e->kind) {
    case E_NAME:
        return truthy(name_value(e, value, ud));
    case E_STR:
        return e->text[0] != 0;
    case E_NUM:
        return e->num != 0;
    case E_NOT:
        return !rg_expr_eval(e->a, value, ud);
    case E_AND:
        return rg_expr_eval(e->a, value, ud) && rg_expr_eval(e->b, value, ud);
    case E_OR:
        return rg_expr_eval(e->a, value, ud) || rg_expr_eval(e->b, value, ud);
    case E_CMP: {
        double x = 0, y = 0;
        char *tx = NULL, *ty = NULL;
        int nx = operand(e->a, value, ud, &x, &tx);
        int ny = operand(e->b, value, ud, &y, &ty);
        int c;
        if (nx && ny) {
            c = x < y ? -1 : x > y ? 1 : 0;
        } else {
            c = strcmp(tx, ty);
            c = c < 0 ? -1 : c > 0 ? 1 : 0;
        }
        free(tx);
        free(ty);
        switch (e->op) {
        case C_EQ:
            return c == 0;
        case C_NE:
            return c != 0;
        case C_LT:
            return c < 0;
        case C_LE:
            return c <= 0;
        case C_GT:
            return c > 0;
        case C_GE:
            return c >= 0;
        }
    }
    }
    return 0;
}
