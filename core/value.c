/* value.c - tables of records, lists and data: the one data model shared by
 * C plugins and Lua scripts.  A table owns every string and list its cells
 * point to (a bump arena plus a list registry), so freeing the table frees
 * all of it and a plugin never guesses who owns what. */
#include "internal.h"

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

/* ---- bytes for another process ---- */
static void put_u64(rg_buf *b, uint64_t v)
{
    rg_buf_put(b, &v, sizeof v);
}

static void put_str(rg_buf *b, const char *s, size_t len)
{
    put_u64(b, len);
    rg_buf_put(b, s, len);
}

static void encode_value(rg_buf *b, const regie_value *v)
{
    unsigned char type = (unsigned char)v->type;
    rg_buf_put(b, &type, 1);
    switch (v->type) {
    case REGIE_BOOL:
        type = v->u.b != 0;
        rg_buf_put(b, &type, 1);
        break;
    case REGIE_INT:
        rg_buf_put(b, &v->u.i, sizeof v->u.i);
        break;
    case REGIE_NUM:
        rg_buf_put(b, &v->u.n, sizeof v->u.n);
        break;
    case REGIE_STR:
        put_str(b, v->u.s.ptr ? v->u.s.ptr : "", v->u.s.ptr ? v->u.s.len : 0);
        break;
    case REGIE_LIST: {
        const regie_list *l = v->u.list;
        put_u64(b, l ? l->n : 0);
        for (size_t i = 0; l && i < l->n; i++) {
            encode_value(b, &l->items[i]);
        }
        break;
    }
    case REGIE_NULL:
    default:
        break;
    }
}

void rg_datum_encode(rg_buf *b, const rg_datum *d)
{
    unsigned char kind = (unsigned char)d->kind;
    rg_buf_put(b, &kind, 1);
    if (d->kind == RG_DATUM_VALUE) {
        encode_value(b, &d->value);
    } else if (d->kind == RG_DATUM_TABLE) {
        const regie_table *t = d->table;
        put_u64(b, t->ncols);
        for (size_t c = 0; c < t->ncols; c++) {
            put_str(b, t->cols[c], strlen(t->cols[c]));
        }
        unsigned char has_source = t->source != NULL;
        rg_buf_put(b, &has_source, 1);
        if (t->source) {
            put_str(b, t->source, strlen(t->source));
        }
        put_u64(b, t->nrows);
        for (size_t r = 0; r < t->nrows; r++) {
            int64_t line = t->lines ? t->lines[r] : 0;
            rg_buf_put(b, &line, sizeof line);
            for (size_t c = 0; c < t->ncols; c++) {
                encode_value(b, rg_table_cell(t, r, c));
            }
        }
    }
}

static int get_bytes(const char **p, const char *end, void *out, size_t n)
{
    if ((size_t)(end - *p) < n) {
        return -1;
    }
    memcpy(out, *p, n);
    *p += n;
    return 0;
}

/* A count of items that each take at least one byte: never more than
 * what is left, so bad bytes cannot ask for a huge allocation. */
static int get_count(const char **p, const char *end, size_t *n)
{
    uint64_t v;
    if (get_bytes(p, end, &v, sizeof v) != 0 || v > (uint64_t)(end - *p)) {
        return -1;
    }
    *n = (size_t)v;
    return 0;
}

static int get_str(const char **p, const char *end, const char **s, size_t *len)
{
    if (get_count(p, end, len) != 0) {
        return -1;
    }
    *s = *p;
    *p += *len;
    return 0;
}

/* Lists nest; bytes claiming more depth than this are refused. */
#define RG_DECODE_DEPTH 200

static int decode_value(const char **p, const char *end, regie_table *owner, regie_value *v,
                        int depth)
{
    unsigned char type;
    v->type = REGIE_NULL;
    if (depth > RG_DECODE_DEPTH || get_bytes(p, end, &type, 1) != 0) {
        return -1;
    }
    switch (type) {
    case REGIE_NULL:
        return 0;
    case REGIE_BOOL: {
        unsigned char b;
        if (get_bytes(p, end, &b, 1) != 0) {
            return -1;
        }
        v->type = REGIE_BOOL;
        v->u.b = b != 0;
        return 0;
    }
    case REGIE_INT:
        if (get_bytes(p, end, &v->u.i, sizeof v->u.i) != 0) {
            return -1;
        }
        v->type = REGIE_INT;
        return 0;
    case REGIE_NUM:
        if (get_bytes(p, end, &v->u.n, sizeof v->u.n) != 0) {
            return -1;
        }
        v->type = REGIE_NUM;
        return 0;
    case REGIE_STR: {
        const char *s;
        size_t len;
        if (get_str(p, end, &s, &len) != 0) {
            return -1;
        }
        v->type = REGIE_STR;
        v->u.s.ptr = rg_table_strdup(owner, s, len);
        v->u.s.len = len;
        return 0;
    }
    case REGIE_LIST: {
        size_t n;
        if (get_count(p, end, &n) != 0) {
            return -1;
        }
        regie_list *l = rg_table_list_new(owner);
        v->type = REGIE_LIST;
        v->u.list = l;
        if (n) {
            l->items = rg_xcalloc(n, sizeof *l->items);
            l->cap = n;
        }
        /* items are counted as they are read: a list cut short holds
         * only whole values */
        for (size_t i = 0; i < n; i++) {
            if (decode_value(p, end, owner, &l->items[i], depth + 1) != 0) {
                return -1;
            }
            l->n++;
        }
        return 0;
    }
    }
    return -1;
}

int rg_datum_decode(const char **p, const char *end, rg_datum *d)
{
    unsigned char kind;
    memset(d, 0, sizeof *d);
    if (get_bytes(p, end, &kind, 1) != 0) {
        return -1;
    }
    if (kind == RG_DATUM_NONE) {
        return 0;
    }
    if (kind == RG_DATUM_VALUE) {
        d->kind = RG_DATUM_VALUE;
        d->table = rg_table_new(0, NULL);
        if (decode_value(p, end, d->table, &d->value, 0) != 0) {
            goto fail;
        }
        return 0;
    }
    if (kind != RG_DATUM_TABLE) {
        return -1;
    }
    size_t ncols;
    if (get_count(p, end, &ncols) != 0) {
        return -1;
    }
    d->kind = RG_DATUM_TABLE;
    d->table = rg_table_new(ncols, NULL);
    regie_table *t = d->table;
    for (size_t c = 0; c < ncols; c++) {
        const char *s;
        size_t len;
        if (get_str(p, end, &s, &len) != 0) {
            goto fail;
        }
        free(t->cols[c]);
        t->cols[c] = rg_xstrndup(s, len);
    }
    unsigned char has_source;
    if (get_bytes(p, end, &has_source, 1) != 0) {
        goto fail;
    }
    if (has_source) {
        const char *s;
        size_t len;
        if (get_str(p, end, &s, &len) != 0) {
            goto fail;
        }
        t->source = rg_xstrndup(s, len);
    }
    size_t nrows;
    if (get_count(p, end, &nrows) != 0) {
        goto fail;
    }
    for (size_t r = 0; r < nrows; r++) {
        int64_t line;
        if (get_bytes(p, end, &line, sizeof line) != 0) {
            goto fail;
        }
        regie_value *row = rg_table_row_begin(t);
        for (size_t c = 0; c < ncols; c++) {
            if (decode_value(p, end, t, &row[c], 0) != 0) {
                goto fail;
            }
        }
        rg_table_row_end(t, (long)line);
    }
    return 0;
fail:
    rg_datum_clear(d);
    return -1;
}
