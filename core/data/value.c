/* value.c - tables of records, lists and data: the one data model shared by
 * C plugins and Lua scripts.  A table owns every string and list its cells
 * point to (a bump arena plus a list registry), so freeing the table frees
 * all of it and a plugin never guesses who owns what. */
#include "value.h"
#include "decimal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define RG_CHUNK 16384

struct rg_chunk {
    struct rg_chunk *next;
    size_t used, cap;
    char data[];
};

static char *arena_alloc(regie_table *t, size_t n)
{
    struct rg_chunk *c = t->chunks;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > RG_CHUNK / 2 ? n : RG_CHUNK;
        c = rg_xmalloc(sizeof *c + cap);
        t->bytes += sizeof *c + cap;
        c->cap = cap;
        c->used = 0;
        if (n > RG_CHUNK / 2 && t->chunks) {
            /* a big string gets its own chunk behind the current one */
            c->next = t->chunks->next;
            t->chunks->next = c;
        } else {
            c->next = t->chunks;
            t->chunks = c;
        }
    }
    char *p = c->data + c->used;
    c->used += n;
    return p;
}

regie_table *rg_table_new(size_t ncols, const char *const *cols)
{
    regie_table *t = rg_xcalloc(1, sizeof *t);
    t->ncols = ncols;
    t->cols = rg_xcalloc(ncols ? ncols : 1, sizeof *t->cols);
    for (size_t i = 0; i < ncols; i++) {
        t->cols[i] = rg_xstrdup(cols && cols[i] ? cols[i] : "");
    }
    return t;
}

void rg_table_free(regie_table *t)
{
    if (!t) {
        return;
    }
    rg_strv_free(t->cols, t->ncols);
    free(t->cells);
    free(t->lines);
    free(t->source);
    for (size_t i = 0; i < t->nlists; i++) {
        free(t->lists[i]->items);
        free(t->lists[i]);
    }
    free(t->lists);
    struct rg_chunk *c = t->chunks;
    while (c) {
        struct rg_chunk *n = c->next;
        free(c);
        c = n;
    }
    free(t);
}

long rg_table_colindex(const regie_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++) {
        if (strcmp(t->cols[i], name) == 0) {
            return (long)i;
        }
    }
    return -1;
}

const char *rg_table_strdup(regie_table *t, const char *s, size_t len)
{
    char *p = arena_alloc(t, len + 1);
    memcpy(p, s, len);
    p[len] = 0;
    return p;
}

regie_list *rg_table_list_new(regie_table *t)
{
    regie_list *l = rg_xcalloc(1, sizeof *l);
    l->owner = t;
    t->bytes += sizeof *l;
    if (t->nlists == t->listcap) {
        t->bytes += (t->listcap ? t->listcap : 8) * sizeof *t->lists;
        t->listcap = t->listcap ? t->listcap * 2 : 8;
        t->lists = rg_xrealloc(t->lists, t->listcap * sizeof *t->lists);
    }
    t->lists[t->nlists++] = l;
    return l;
}

void rg_value_copy(regie_table *owner, regie_value *dst, const regie_value *src)
{
    switch (src->type) {
    case REGIE_STR: {
        const char *s = src->u.s.ptr ? src->u.s.ptr : "";
        size_t len = src->u.s.ptr ? src->u.s.len : 0;
        dst->type = REGIE_STR;
        dst->u.s.ptr = rg_table_strdup(owner, s, len);
        dst->u.s.len = len;
        break;
    }
    case REGIE_LIST: {
        regie_list *l = rg_table_list_new(owner);
        const regie_list *sl = src->u.list;
        for (size_t i = 0; sl && i < sl->n; i++) {
            rg_list_push(l, &sl->items[i]);
        }
        dst->type = REGIE_LIST;
        dst->u.list = l;
        break;
    }
    case REGIE_BOOL:
    case REGIE_INT:
    case REGIE_NUM:
    case REGIE_NULL:
        *dst = *src;
        break;
    default:
        dst->type = REGIE_NULL;
        break;
    }
}

int rg_list_push(regie_list *l, const regie_value *v)
{
    if (l->n == l->cap) {
        if (l->owner) {
            l->owner->bytes += (l->cap ? l->cap : 4) * sizeof *l->items;
        }
        l->cap = l->cap ? l->cap * 2 : 4;
        l->items = rg_xrealloc(l->items, l->cap * sizeof *l->items);
    }
    rg_value_copy(l->owner, &l->items[l->n], v);
    l->n++;
    return 0;
}

int rg_table_append(regie_table *t, const regie_value *row, long line)
{
    regie_value *dst = rg_table_row_begin(t);
    for (size_t c = 0; c < t->ncols; c++) {
        rg_value_copy(t, &dst[c], &row[c]);
    }
    rg_table_row_end(t, line);
    return 0;
}

regie_value *rg_table_row_begin(regie_table *t)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        t->bytes += (cap - t->cap) * ((t->ncols ? t->ncols : 1) * sizeof *t->cells + sizeof *t->lines);
        t->cells = rg_xrealloc(t->cells, cap * (t->ncols ? t->ncols : 1) * sizeof *t->cells);
        t->lines = rg_xrealloc(t->lines, cap * sizeof *t->lines);
        t->cap = cap;
    }
    regie_value *row = &t->cells[t->nrows * t->ncols];
    memset(row, 0, t->ncols * sizeof *row);
    return row;
}

void rg_table_row_end(regie_table *t, long line)
{
    t->lines[t->nrows] = line;
    t->nrows++;
}

void rg_table_set_source(regie_table *t, const char *path)
{
    free(t->source);
    t->source = path ? rg_xstrdup(path) : NULL;
}

regie_value rg_str_value(const char *s)
{
    regie_value v;
    v.type = REGIE_STR;
    v.u.s.ptr = s;
    v.u.s.len = strlen(s);
    return v;
}

void rg_datum_clear(rg_datum *d)
{
    rg_table_free(d->table);
    memset(d, 0, sizeof *d);
}

char *rg_value_to_text(const regie_value *v)
{
    char buf[64];
    switch (v->type) {
    case REGIE_NULL:
        return rg_xstrdup("");
    case REGIE_BOOL:
        return rg_xstrdup(v->u.b ? "yes" : "no");
    case REGIE_INT:
        snprintf(buf, sizeof buf, "%" PRId64, v->u.i);
        return rg_xstrdup(buf);
    case REGIE_NUM:
        rg_format_shortest(v->u.n, buf, sizeof buf);
        return rg_xstrdup(buf);
    case REGIE_STR:
        return rg_xstrndup(v->u.s.ptr, v->u.s.len);
    case REGIE_LIST: {
        rg_buf b = { 0 };
        rg_buf_puts(&b, "");
        for (size_t i = 0; v->u.list && i < v->u.list->n; i++) {
            char *s = rg_value_to_text(&v->u.list->items[i]);
            if (i) {
                rg_buf_puts(&b, ";");
            }
            rg_buf_puts(&b, s);
            free(s);
        }
        return b.data;
    }
    }
    return rg_xstrdup("");
}
