/* csv_write - writes a table the step reads to a CSV file in the output
 * directory in the run's CSV dialect: standard (',' delimiter, numbers
 * with a decimal point: the contract of the shipped workflows) or dutch
 * (';', decimal comma, a UTF-8 BOM); CRLF, quoting where needed.  A host
 * without csv_dialect (older than the dialects) gets the standard CSV. */
#include <inttypes.h>
#include <regie.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The step's parameters, bound by the host (ABI 2). */
typedef struct csv_write_config {
    const char *data;
    const char *file;
    int64_t decimals;
} csv_write_config;

static const regie_param params[] = {
    { "data", REGIE_PARAM_STRING, 1, NULL, "name of the table to write (one of the step's reads)",
      REGIE_AT(csv_write_config, data) },
    { "file", REGIE_PARAM_STRING, 1, NULL, "file name below the output directory, e.g. ranking.csv",
      REGIE_AT(csv_write_config, file) },
    { "decimals", REGIE_PARAM_INT, 0, "-1",
      "round decimal numbers half-up to this many places (-1: the shortest exact text)",
      REGIE_AT(csv_write_config, decimals) },
    { 0 },
};

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

/* Room for n more bytes; returns where they go. */
static char *reserve(sbuf *b, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        char *q = realloc(b->p, cap);
        if (!q) {
            abort();
        }
        b->p = q;
        b->cap = cap;
    }
    return b->p + b->len;
}

static void put(sbuf *b, const char *s, size_t n)
{
    memcpy(reserve(b, n), s, n);
    b->len += n;
}

/* How the file is written: the run's dialect, when the host knows them. */
typedef struct how {
    regie_ctx *ctx;
    int run_dialect; /* the host has csv_dialect and csv_field_run */
    char delim, decimal_sep;
    char list_sep[2];
} how;

/* A field by the host's quoting rule, the one regie's own CSV files follow;
 * number: the decimal rule of the run's dialect applies. */
static void put_field(const regie_host *h, const how *w, sbuf *b, const char *s, size_t n,
                      int number)
{
    if (w->run_dialect) {
        size_t len = h->csv_field_run(w->ctx, number, s, n, NULL, 0);
        b->len += h->csv_field_run(w->ctx, number, s, n, reserve(b, len), len);
        return;
    }
    size_t len = h->csv_field(s, n, NULL, 0);
    b->len += h->csv_field(s, n, reserve(b, len), len);
}

static void put_value(const regie_host *h, const how *w, sbuf *b, const regie_value *v,
                      int decimals, int in_list)
{
    char tmp[64];
    switch (v->type) {
    case REGIE_NULL:
        break;
    case REGIE_BOOL:
        put(b, v->u.b ? "yes" : "no", v->u.b ? 3 : 2);
        break;
    case REGIE_INT:
        snprintf(tmp, sizeof tmp, "%" PRId64, v->u.i);
        put(b, tmp, strlen(tmp));
        break;
    case REGIE_NUM:
        if (decimals >= 0) {
            h->format_decimal(v->u.n, decimals, '.', tmp, sizeof tmp);
        } else {
            /* the shortest plain text that reads back the same */
            snprintf(tmp, sizeof tmp, "%.17g", v->u.n);
            for (int d = 0; d <= 17 && v->u.n > -1e16 && v->u.n < 1e16; d++) {
                char t2[64];
                snprintf(t2, sizeof t2, "%.*f", d, v->u.n);
                if (strtod(t2, NULL) == v->u.n) {
                    memcpy(tmp, t2, strlen(t2) + 1);
                    break;
                }
            }
        }
        if (in_list || !w->run_dialect) {
            put(b, tmp, strlen(tmp));
        } else { /* with the run's decimal separator */
            char *dot = strchr(tmp, '.');
            if (dot) {
                *dot = w->decimal_sep;
            }
            put(b, tmp, strlen(tmp));
        }
        break;
    case REGIE_STR:
        put_field(h, w, b, v->u.s.ptr, v->u.s.len, !in_list);
        break;
    case REGIE_LIST: {
        sbuf inner = { 0 };
        for (size_t i = 0; i < h->list_len(v->u.list); i++) {
            if (i) {
                put(&inner, w->list_sep, 1);
            }
            put_value(h, w, &inner, h->list_at(v->u.list, i), decimals, 1);
        }
        put_field(h, w, b, inner.p ? inner.p : "", inner.len, 0);
        free(inner.p);
        break;
    }
    }
}

/* The instance is the bound config itself (the host keeps it until close). */
static int csv_write_open(const regie_host *h, regie_ctx *ctx, void *state, const void *config,
                          void **instance)
{
    (void)h;
    (void)ctx;
    (void)state;
    *instance = (void *)config;
    return 0;
}

static int csv_write_run(const regie_host *h, regie_ctx *ctx, void *state, void *instance)
{
    (void)state;
    const csv_write_config *cfg = instance;
    const char *name = cfg->data;
    const char *file = cfg->file;
    int decimals = cfg->decimals < 0 || cfg->decimals > 17 ? -1 : (int)cfg->decimals;
    if (!REGIE_HOST_HAS(h, csv_field)) {
        return h->fail(ctx, "this regie is older than the plugin: its host table has no csv_field");
    }
    const regie_table *t = h->input_table(ctx, name);
    if (!t) {
        return h->fail(ctx, "no table named \"%s\" among the step's reads", name);
    }
    how w = { ctx, 0, ',', '.', ";" };
    sbuf b = { 0 };
    if (REGIE_HOST_HAS(h, csv_field_run)) {
        w.run_dialect = 1;
        if (h->csv_dialect(ctx, &w.delim, &w.decimal_sep)) {
            put(&b, "\xEF\xBB\xBF", 3); /* the UTF-8 BOM */
        }
        w.list_sep[0] = w.delim == ';' ? ',' : ';'; /* as the reader splits a list */
    }
    size_t nc = h->table_cols(t), nr = h->table_rows(t);
    for (size_t c = 0; c < nc; c++) {
        if (c) {
            put(&b, &w.delim, 1);
        }
        const char *cn = h->table_colname(t, c);
        put_field(h, &w, &b, cn, strlen(cn), 0);
    }
    put(&b, "\r\n", 2);
    for (size_t r = 0; r < nr; r++) {
        for (size_t c = 0; c < nc; c++) {
            if (c) {
                put(&b, &w.delim, 1);
            }
            put_value(h, &w, &b, h->table_cell(t, r, c), decimals, 0);
        }
        put(&b, "\r\n", 2);
        if ((r & 4095) == 0 && h->cancelled(ctx)) {
            free(b.p);
            return h->fail(ctx, "cancelled");
        }
    }
    int rc = h->write_file(ctx, file, b.p, b.len);
    free(b.p);
    return rc;
}

static const regie_step_type types[] = {
    REGIE_STEP_TYPE("csv-write", "write a table as CSV into the output directory", params,
                    csv_write_config, csv_write_open, csv_write_run, NULL),
    { 0 },
};

const regie_plugin regie_plugin_entry =
    REGIE_PLUGIN_V2("csv-write", "1.0", "write a table as CSV into the output directory", NULL,
                    NULL, types, NULL, NULL);
