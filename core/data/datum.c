/* datum.c - a datum's bytes: the run store's data files, and what the child
 * of an isolated step sends back.  "RGD1", then tagged values,
 * little-endian; types are kept exactly. */
#include "datum.h"

#include <stdlib.h>
#include <string.h>

static void put_value(rg_buf *b, const regie_value *v)
{
    unsigned char t = (unsigned char)v->type;
    rg_buf_put(b, &t, 1);
    switch (v->type) {
    case REGIE_BOOL:
        rg_buf_put_u64(b, (uint64_t)v->u.b);
        break;
    case REGIE_INT:
        rg_buf_put_u64(b, (uint64_t)v->u.i);
        break;
    case REGIE_NUM: {
        uint64_t bits;
        memcpy(&bits, &v->u.n, 8);
        rg_buf_put_u64(b, bits);
        break;
    }
    case REGIE_STR:
        rg_buf_put_str(b, v->u.s.ptr, v->u.s.len);
        break;
    case REGIE_LIST:
        rg_buf_put_u64(b, v->u.list ? v->u.list->n : 0);
        for (size_t i = 0; v->u.list && i < v->u.list->n; i++) {
            put_value(b, &v->u.list->items[i]);
        }
        break;
    case REGIE_NULL:
        break;
    }
}

void rg_datum_save(const rg_datum *d, rg_buf *out)
{
    rg_buf_put(out, "RGD1", 4);
    unsigned char k = (unsigned char)d->kind;
    rg_buf_put(out, &k, 1);
    if (d->kind == RG_DATUM_VALUE) {
        put_value(out, &d->value);
        return;
    }
    if (d->kind != RG_DATUM_TABLE) {
        return;
    }
    const regie_table *t = d->table;
    rg_buf_put_str(out, t->source ? t->source : "", t->source ? strlen(t->source) : 0);
    rg_buf_put_u64(out, t->ncols);
    for (size_t c = 0; c < t->ncols; c++) {
        rg_buf_put_str(out, t->cols[c], strlen(t->cols[c]));
    }
    rg_buf_put_u64(out, t->nrows);
    for (size_t r = 0; r < t->nrows; r++) {
        rg_buf_put_u64(out, (uint64_t)(t->lines ? t->lines[r] : 0));
        for (size_t c = 0; c < t->ncols; c++) {
            put_value(out, rg_table_cell(t, r, c));
        }
    }
}

/* Lists nest; bytes claiming more depth than this are refused. */
#define DATUM_DEPTH 200

static void get_value(rg_reader *r, regie_table *owner, regie_value *v, int depth)
{
    v->type = REGIE_NULL;
    if (r->bad || r->p >= r->end || depth > DATUM_DEPTH) {
        r->bad = 1;
        return;
    }
    regie_type type = (regie_type)*r->p++;
    switch (type) {
    case REGIE_NULL:
        break;
    case REGIE_BOOL:
        v->u.b = (int)rg_read_u64(r);
        break;
    case REGIE_INT:
        v->u.i = (int64_t)rg_read_u64(r);
        break;
    case REGIE_NUM: {
        uint64_t bits = rg_read_u64(r);
        memcpy(&v->u.n, &bits, 8);
        break;
    }
    case REGIE_STR: {
        size_t n;
        const char *s = rg_read_str(r, &n);
        v->u.s.ptr = rg_table_strdup(owner, s, n);
        v->u.s.len = n;
        break;
    }
    case REGIE_LIST: {
        /* each item takes at least its type byte */
        size_t n = rg_read_count(r, 1);
        regie_list *l = rg_table_list_new(owner);
        v->u.list = l;
        if (n) {
            l->items = rg_xcalloc(n, sizeof *l->items);
            l->cap = n;
        }
        /* items are counted as they are read: a list cut short holds
         * only whole values */
        for (size_t i = 0; i < n && !r->bad; i++) {
            get_value(r, owner, &l->items[i], depth + 1);
            if (!r->bad) {
                l->n++;
            }
        }
        break;
    }
    default:
        r->bad = 1;
        return;
    }
    if (!r->bad) {
        v->type = type;
    }
}

int rg_datum_load(const char *data, size_t len, rg_datum *d)
{
    memset(d, 0, sizeof *d);
    rg_reader r;
    rg_reader_init(&r, data, len);
    if (len < 5 || memcmp(data, "RGD1", 4) != 0) {
        return -1;
    }
    r.p += 4;
    int kind = *r.p++;
    if (kind == RG_DATUM_VALUE) {
        d->kind = RG_DATUM_VALUE;
        d->table = rg_table_new(0, NULL);
        get_value(&r, d->table, &d->value, 0);
    } else if (kind == RG_DATUM_TABLE) {
        size_t n;
        const char *src = rg_read_str(&r, &n);
        char *source = n ? rg_xstrndup(src, n) : NULL;
        size_t ncols = rg_read_count(&r, 8); /* a name takes at least its length */
        if (r.bad) {
            free(source);
            return -1;
        }
        char **cols = rg_xcalloc(ncols ? ncols : 1, sizeof *cols);
        for (size_t c = 0; c < ncols; c++) {
            const char *s = rg_read_str(&r, &n);
            cols[c] = rg_xstrndup(s, n);
        }
        regie_table *t = rg_table_new(ncols, (const char *const *)cols);
        rg_strv_free(cols, ncols);
        rg_table_set_source(t, source);
        free(source);
        d->kind = RG_DATUM_TABLE;
        d->table = t;
        /* a row takes at least its line number */
        size_t nrows = rg_read_count(&r, 8);
        for (size_t i = 0; i < nrows && !r.bad; i++) {
            long line = (long)rg_read_u64(&r);
            regie_value *row = rg_table_row_begin(t);
            for (size_t c = 0; c < ncols; c++) {
                get_value(&r, t, &row[c], 0);
            }
            rg_table_row_end(t, line);
        }
    } else {
        return -1;
    }
    if (r.bad || r.p != r.end) {
        rg_datum_clear(d);
        return -1;
    }
    return 0;
}
