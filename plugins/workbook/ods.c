/* ods.c - the ods reader: OpenDocument spreadsheets (LibreOffice Calc).
 * content.xml holds every table; a cell says its type (office:value-type)
 * and value, and cells and rows repeat (table:number-columns-repeated,
 * table:number-rows-repeated): a sheet LibreOffice saved ends in a
 * million empty rows written as one, never expanded here. */
#include "workbook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ODS_MIME "application/vnd.oasis.opendocument.spreadsheet"

/* An attribute by its namespace (a part of its URI: "office", "table",
 * "text", "calcext") and local name. */
static const char *ns_attr(const char **atts, const char *ns, const char *local)
{
    char want[32];
    snprintf(want, sizeof want, ":%s:", ns);
    size_t wl = strlen(want);
    for (size_t i = 0; atts[i]; i += 2) {
        const char *bar = strrchr(atts[i], '|');
        if (!bar || strcmp(bar + 1, local) != 0) {
            continue;
        }
        for (const char *p = atts[i]; p + wl <= bar; p++) {
            if (memcmp(p, want, wl) == 0) {
                return atts[i + 1];
            }
        }
    }
    return NULL;
}

typedef struct rcell {
    uint32_t col;
    int kind;
    char *text;
} rcell;

typedef struct ods {
    wb_out out;
    XML_Parser p;
    const char *want;
    char **names; /* every table's name seen */
    size_t nnames;
    int in_table; /* inside the table read (1), 0 before, -1 after */
    int nested;   /* tables inside its cells */
    uint32_t row, col;
    unsigned long row_rep;
    rcell *rc; /* the row's cells, for its repeats */
    size_t nrc, caprc;
    /* the cell */
    int in_cell, covered, in_p, in_annot, paras;
    unsigned long col_rep;
    char vtype[16];
    int error;
    char *value; /* office:value, date-value, time-value, boolean-value or string-value */
    wb_text text;
    int failed, finished;
    char *sheet_name;
} ods;

static void stop(ods *o, int failed)
{
    o->failed |= failed;
    o->finished |= !failed;
    XML_StopParser(o->p, XML_FALSE);
}

static unsigned long repeat(const char *v)
{
    unsigned long n = v ? strtoul(v, NULL, 10) : 1;
    return n ? n : 1;
}

static void XMLCALL ods_start(void *ud, const char *name, const char **atts)
{
    ods *o = ud;
    const char *l = wb_local(name);
    if (strcmp(l, "table") == 0 && strstr(name, ":table:")) {
        if (o->in_table == 1) {
            o->nested++;
            return;
        }
        const char *n = ns_attr(atts, "table", "name");
        wb_names_push(&o->names, &o->nnames, n ? n : "");
        if (o->in_table == 0 && o->out.host &&
            (!o->want || (n && strcasecmp(n, o->want) == 0))) {
            o->in_table = 1;
            o->sheet_name = strdup(n ? n : "");
            o->out.host->sheet_name(o->out.ctx, o->sheet_name);
        }
        return;
    }
    if (o->in_table != 1 || o->nested) {
        return;
    }
    if (strcmp(l, "table-row") == 0) {
        o->row++;
        o->col = 0;
        o->row_rep = repeat(ns_attr(atts, "table", "number-rows-repeated"));
        o->nrc = 0;
    } else if (strcmp(l, "table-cell") == 0 || strcmp(l, "covered-table-cell") == 0) {
        o->in_cell = 1;
        o->covered = l[0] == 'c';
        o->col_rep = repeat(ns_attr(atts, "table", "number-columns-repeated"));
        o->paras = 0;
        o->in_annot = 0;
        o->in_p = 0;
        wb_text_clear(&o->text);
        const char *vt = ns_attr(atts, "office", "value-type");
        const char *cvt = ns_attr(atts, "calcext", "value-type");
        snprintf(o->vtype, sizeof o->vtype, "%s", vt ? vt : "");
        o->error = cvt && strcmp(cvt, "error") == 0;
        const char *v = NULL;
        if (!vt) {
            v = NULL;
        } else if (strcmp(vt, "date") == 0) {
            v = ns_attr(atts, "office", "date-value");
        } else if (strcmp(vt, "time") == 0) {
            v = ns_attr(atts, "office", "time-value");
        } else if (strcmp(vt, "boolean") == 0) {
            v = ns_attr(atts, "office", "boolean-value");
        } else if (strcmp(vt, "string") == 0) {
            v = ns_attr(atts, "office", "string-value");
        } else {
            v = ns_attr(atts, "office", "value");
        }
        free(o->value);
        o->value = v ? strdup(v) : NULL;
    } else if (!o->in_cell) {
        return;
    } else if (strcmp(l, "annotation") == 0) {
        o->in_annot++;
    } else if (o->in_annot) {
        return;
    } else if (strcmp(l, "p") == 0 || strcmp(l, "h") == 0) {
        if (o->paras++) {
            wb_text_put(&o->text, "\n", 1);
        }
        o->in_p++;
    } else if (!o->in_p) {
        return;
    } else if (strcmp(l, "s") == 0) {
        unsigned long c = repeat(ns_attr(atts, "text", "c"));
        for (unsigned long i = 0; i < c && i < 1024; i++) {
            wb_text_put(&o->text, " ", 1);
        }
    } else if (strcmp(l, "tab") == 0) {
        wb_text_put(&o->text, "\t", 1);
    } else if (strcmp(l, "line-break") == 0) {
        wb_text_put(&o->text, "\n", 1);
    }
}

/* PT10H15M00S (or P0DT10H15M) as 10:15, with seconds when not 0. */
static void ods_time(const char *v, char *buf, size_t n)
{
    long h = 0, m = 0;
    double s = 0;
    const char *p = strchr(v, 'T');
    long days = 0;
    if (v[0] == 'P' && v[1] != 'T') {
        days = strtol(v + 1, NULL, 10); /* PnD */
    }
    for (p = p ? p + 1 : v; *p;) {
        char *end;
        double x = strtod(p, &end);
        if (end == p) {
            break;
        }
        if (*end == 'H') {
            h = (long)x;
        } else if (*end == 'M') {
            m = (long)x;
        } else if (*end == 'S') {
            s = x;
        }
        p = *end ? end + 1 : end;
    }
    h += days * 24;
    long secs = (long)(s + 0.5);
    if (secs >= 60) {
        secs = 59;
    }
    if (secs) {
        snprintf(buf, n, "%02ld:%02ld:%02ld", h, m, secs);
    } else {
        snprintf(buf, n, "%02ld:%02ld", h, m);
    }
}

static int emit(ods *o, uint32_t col, int kind, const char *text, int keep)
{
    if (keep) {
        if (o->nrc == o->caprc) {
            o->caprc = o->caprc ? o->caprc * 2 : 16;
            rcell *n = realloc(o->rc, o->caprc * sizeof *n);
            if (!n) {
                abort();
            }
            o->rc = n;
        }
        o->rc[o->nrc].col = col;
        o->rc[o->nrc].kind = kind;
        o->rc[o->nrc].text = strdup(text);
        o->nrc++;
    }
    return wb_cell(&o->out, o->row, col, kind, text);
}

static void cell_done(ods *o)
{
    char buf[400];
    int kind = REGIE_CELL_TEXT;
    const char *text = o->text.s ? o->text.s : "";
    const char *vt = o->vtype, *v = o->value;
    if (o->covered) {
        text = ""; /* under a merged cell: its text is the merged cell's */
    } else if (o->error) {
        kind = REGIE_CELL_ERROR;
    } else if (!*vt || !v) {
        /* no type: empty, or text alone */
    } else if (strcmp(vt, "float") == 0 || strcmp(vt, "percentage") == 0 ||
               strcmp(vt, "currency") == 0) {
        char *end;
        double x = strtod(v, &end);
        if (!*end) {
            kind = REGIE_CELL_NUMBER;
            wb_number_text(x, buf, sizeof buf);
            text = buf;
        }
    } else if (strcmp(vt, "date") == 0) {
        /* 2026-01-09 or 2026-01-09T10:15:00[.123] */
        snprintf(buf, sizeof buf, "%.19s", v);
        size_t n = strlen(buf);
        if (n == 19 && strcmp(buf + 10, "T00:00:00") == 0) {
            buf[10] = 0;
        } else if (n == 19 && strcmp(buf + 16, ":00") == 0) {
            buf[16] = 0;
        }
        kind = REGIE_CELL_DATE;
        text = buf;
    } else if (strcmp(vt, "time") == 0) {
        ods_time(v, buf, sizeof buf);
        text = buf;
    } else if (strcmp(vt, "boolean") == 0) {
        kind = REGIE_CELL_BOOL;
        text = strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 ? "1" : "0";
    } else if (strcmp(vt, "string") == 0) {
        text = v;
    }
    if (!*text) {
        o->col += o->col_rep > WB_MAX_COL ? WB_MAX_COL : (uint32_t)o->col_rep;
        return;
    }
    for (unsigned long i = 0; i < o->col_rep; i++) {
        if (o->col >= WB_MAX_COL) {
            o->out.host->fail(o->out.ctx, "row %u: a cell beyond a sheet's 16384 columns",
                              (unsigned)o->row);
            stop(o, 1);
            return;
        }
        o->col++;
        if (emit(o, o->col, kind, text, o->row_rep > 1) != 0) {
            stop(o, 1);
            return;
        }
    }
}

static void row_done(ods *o)
{
    /* the row again for each repeat, when it holds anything */
    for (unsigned long r = 1; r < o->row_rep; r++) {
        if (!o->nrc) {
            unsigned long left = WB_MAX_ROW - o->row;
            o->row += (uint32_t)(o->row_rep - r > left ? left : o->row_rep - r);
            break;
        }
        if (o->row >= WB_MAX_ROW) {
            break;
        }
        o->row++;
        for (size_t i = 0; i < o->nrc; i++) {
            if (wb_cell(&o->out, o->row, o->rc[i].col, o->rc[i].kind, o->rc[i].text) != 0) {
                stop(o, 1);
                return;
            }
        }
    }
    for (size_t i = 0; i < o->nrc; i++) {
        free(o->rc[i].text);
    }
    o->nrc = 0;
}

static void XMLCALL ods_end(void *ud, const char *name)
{
    ods *o = ud;
    const char *l = wb_local(name);
    if (o->in_table != 1) {
        return;
    }
    if (strcmp(l, "table") == 0 && strstr(name, ":table:")) {
        if (o->nested) {
            o->nested--;
        } else {
            o->in_table = -1;
            stop(o, 0); /* the rest is other tables */
        }
        return;
    }
    if (o->nested) {
        return;
    }
    if (strcmp(l, "table-row") == 0) {
        row_done(o);
        if (o->row > WB_MAX_ROW) {
            o->row = WB_MAX_ROW;
        }
    } else if (!o->in_cell) {
        return;
    } else if (strcmp(l, "table-cell") == 0 || strcmp(l, "covered-table-cell") == 0) {
        o->in_cell = 0;
        cell_done(o);
    } else if (strcmp(l, "annotation") == 0) {
        o->in_annot--;
    } else if (!o->in_annot && (strcmp(l, "p") == 0 || strcmp(l, "h") == 0)) {
        o->in_p--;
    }
}

static void XMLCALL ods_text(void *ud, const char *t, int n)
{
    ods *o = ud;
    if (o->in_table == 1 && !o->nested && o->in_cell && o->in_p && !o->in_annot) {
        wb_text_put(&o->text, t, (size_t)n);
    }
}

int wb_ods_sniff(void *state, const char *path, const unsigned char *head, size_t n)
{
    (void)state;
    if (head && (n < 4 || memcmp(head, "PK\x03\x04", 4) != 0)) {
        return 0;
    }
    wb_archive a;
    if (wb_open(&a, NULL, NULL, path) != 0) {
        return 0;
    }
    int yes = 0;
    zip_stat_t st;
    if (zip_stat(a.z, "mimetype", 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE) && st.size < 256) {
        size_t len;
        char *m = wb_read(&a, "mimetype", &len, 1);
        if (m) {
            while (len && (m[len - 1] == '\n' || m[len - 1] == '\r' || m[len - 1] == ' ')) {
                m[--len] = 0;
            }
            yes = strcmp(m, ODS_MIME) == 0;
            free(m);
        }
    }
    wb_close(&a);
    return yes;
}

static void ods_free(ods *o)
{
    for (size_t i = 0; i < o->nrc; i++) {
        free(o->rc[i].text);
    }
    free(o->rc);
    free(o->value);
    free(o->sheet_name);
    wb_text_free(&o->text);
    wb_names_free(o->names, o->nnames);
}

static int run(const regie_host *host, regie_ctx *ctx, const char *path, ods *o)
{
    wb_archive a;
    if (wb_open(&a, host, ctx, path) != 0) {
        return -1;
    }
    o->p = wb_parser(o, ods_start, ods_end, ods_text);
    if (!o->p) {
        wb_close(&a);
        return host->fail(ctx, "out of memory");
    }
    int rc = wb_parse(&a, "content.xml", o->p);
    XML_ParserFree(o->p);
    wb_close(&a);
    if (o->finished && !o->failed) {
        rc = 0;
    }
    return o->failed ? -1 : rc;
}

int wb_ods_sheets(const regie_host *host, regie_ctx *ctx, const char *path, char ***names,
                  size_t *n)
{
    ods o;
    memset(&o, 0, sizeof o);
    int rc = run(host, ctx, path, &o);
    if (rc == 0) {
        *names = o.names;
        *n = o.nnames;
        o.names = NULL;
        o.nnames = 0;
    }
    ods_free(&o);
    return rc;
}

int wb_ods_read(const regie_host *host, regie_ctx *ctx, void *state, const char *path,
                const char *want)
{
    (void)state;
    ods o;
    memset(&o, 0, sizeof o);
    o.out.host = host;
    o.out.ctx = ctx;
    o.want = want;
    int rc = run(host, ctx, path, &o);
    if (rc == 0 && o.in_table == 0) {
        size_t len = 1;
        for (size_t i = 0; i < o.nnames; i++) {
            len += strlen(o.names[i]) + 4;
        }
        char *list = calloc(1, len);
        for (size_t i = 0; list && i < o.nnames; i++) {
            strcat(list, i ? ", " : "");
            strcat(list, o.names[i]);
        }
        if (want) {
            host->fail(ctx, "no sheet named \"%s\" (the workbook's sheets: %s)", want,
                       list && *list ? list : "none");
        } else {
            host->fail(ctx, "the workbook has no sheets");
        }
        free(list);
        rc = -1;
    }
    ods_free(&o);
    return rc;
}
