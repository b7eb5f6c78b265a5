/* xlsx.c - the xlsx reader: Office Open XML workbooks (Excel, LibreOffice,
 * openpyxl).  xl/workbook.xml lists the sheets, its relationships say
 * which part holds each; cells refer to xl/sharedStrings.xml for text and
 * to xl/styles.xml for their number format, which alone tells a date from
 * a number. */
#include "workbook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the workbook: its sheets and where they are ---- */
typedef struct book {
    char **names, **rids;
    size_t n;
    char **rel_ids, **rel_targets, **rel_types;
    size_t nrels;
    int date1904;
} book;

static void book_free(book *b)
{
    wb_names_free(b->names, b->n);
    wb_names_free(b->rids, b->n);
    wb_names_free(b->rel_ids, b->nrels);
    wb_names_free(b->rel_targets, b->nrels);
    wb_names_free(b->rel_types, b->nrels);
    memset(b, 0, sizeof *b);
}

static void XMLCALL book_start(void *ud, const char *name, const char **atts)
{
    book *b = ud;
    const char *l = wb_local(name);
    if (strcmp(l, "workbookPr") == 0) {
        const char *d = wb_attr(atts, "date1904");
        b->date1904 = d && (strcmp(d, "1") == 0 || strcasecmp(d, "true") == 0);
    } else if (strcmp(l, "sheet") == 0) {
        const char *n = wb_attr(atts, "name"), *id = wb_attr(atts, "id");
        size_t k = b->n;
        wb_names_push(&b->names, &k, n ? n : "");
        wb_names_push(&b->rids, &b->n, id ? id : "");
    } else if (strcmp(l, "Relationship") == 0) {
        const char *id = wb_attr(atts, "Id"), *t = wb_attr(atts, "Target"),
                   *ty = wb_attr(atts, "Type");
        size_t k = b->nrels, k2 = b->nrels;
        wb_names_push(&b->rel_ids, &k, id ? id : "");
        wb_names_push(&b->rel_types, &k2, ty ? ty : "");
        wb_names_push(&b->rel_targets, &b->nrels, t ? t : "");
    }
}

static void XMLCALL ignore_end(void *ud, const char *name)
{
    (void)ud;
    (void)name;
}

static void XMLCALL ignore_text(void *ud, const char *s, int n)
{
    (void)ud;
    (void)s;
    (void)n;
}

static int parse_part(wb_archive *a, const char *part, void *ud, XML_StartElementHandler start,
                      XML_EndElementHandler end, XML_CharacterDataHandler text)
{
    XML_Parser p = wb_parser(ud, start, end, text);
    if (!p) {
        return a->ctx ? a->host->fail(a->ctx, "out of memory") : -1;
    }
    int rc = wb_parse(a, part, p);
    XML_ParserFree(p);
    return rc;
}

static int book_read(wb_archive *a, book *b)
{
    memset(b, 0, sizeof *b);
    if (parse_part(a, "xl/workbook.xml", b, book_start, ignore_end, ignore_text) != 0) {
        return -1;
    }
    if (wb_has(a, "xl/_rels/workbook.xml.rels") &&
        parse_part(a, "xl/_rels/workbook.xml.rels", b, book_start, ignore_end, ignore_text) != 0) {
        return -1;
    }
    return 0;
}

/* The part a relationship's target names (relative to xl/), malloc'd. */
static char *part_of(const char *target)
{
    if (target[0] == '/') {
        return strdup(target + 1);
    }
    size_t n = strlen(target) + 4;
    char *p = malloc(n);
    if (p) {
        snprintf(p, n, "xl/%s", target);
    }
    return p;
}

/* The part of a relationship by id, or of the first of a type (its end). */
static char *rel_part(const book *b, const char *id, const char *type_end, const char *fallback)
{
    for (size_t i = 0; i < b->nrels; i++) {
        const char *ty = b->rel_types[i];
        size_t tl = strlen(ty), el = type_end ? strlen(type_end) : 0;
        if ((id && strcmp(b->rel_ids[i], id) == 0) ||
            (type_end && tl >= el && strcmp(ty + tl - el, type_end) == 0)) {
            return part_of(b->rel_targets[i]);
        }
    }
    return fallback ? strdup(fallback) : NULL;
}

/* ---- styles: which cell formats are dates ---- */
typedef struct styles {
    int *custom_ids;
    char **custom_codes;
    size_t ncustom;
    int in_xfs;
    unsigned char *is_date; /* per cellXfs index */
    size_t nxf, capxf;
} styles;

/* A format code that shows a date or time: d, m, y or h outside quotes,
 * brackets ([Red], [$-413]) and escaped characters. */
static int code_is_date(const char *code)
{
    for (const char *p = code; *p; p++) {
        if (*p == '"') {
            p = strchr(p + 1, '"');
            if (!p) {
                return 0;
            }
        } else if (*p == '[') {
            const char *q = strchr(p, ']');
            if (!q) {
                return 0;
            }
            /* [h], [mm], [ss]: elapsed time */
            if (q - p >= 2 && strchr("hHmMsS", p[1])) {
                return 1;
            }
            p = q;
        } else if (*p == '\\' || *p == '_' || *p == '*') {
            if (!p[1]) {
                return 0;
            }
            p++;
        } else if (strchr("dDmMyYhH", *p)) {
            return 1;
        }
    }
    return 0;
}

static int builtin_is_date(long id)
{
    return (id >= 14 && id <= 22) || (id >= 45 && id <= 47) ||
           /* the East Asian date formats of Excel's list */
           (id >= 27 && id <= 36) || (id >= 50 && id <= 58);
}

static void XMLCALL styles_start(void *ud, const char *name, const char **atts)
{
    styles *s = ud;
    const char *l = wb_local(name);
    if (strcmp(l, "numFmt") == 0) {
        const char *id = wb_attr(atts, "numFmtId"), *code = wb_attr(atts, "formatCode");
        int *ni = realloc(s->custom_ids, (s->ncustom + 1) * sizeof *ni);
        if (!ni) {
            abort();
        }
        s->custom_ids = ni;
        ni[s->ncustom] = id ? atoi(id) : -1;
        wb_names_push(&s->custom_codes, &s->ncustom, code ? code : "");
    } else if (strcmp(l, "cellXfs") == 0) {
        s->in_xfs = 1;
    } else if (strcmp(l, "xf") == 0 && s->in_xfs) {
        const char *id = wb_attr(atts, "numFmtId");
        long fid = id ? atol(id) : 0;
        int date = builtin_is_date(fid);
        for (size_t i = 0; i < s->ncustom; i++) {
            if (s->custom_ids[i] == fid) {
                date = code_is_date(s->custom_codes[i]);
            }
        }
        if (s->nxf == s->capxf) {
            s->capxf = s->capxf ? s->capxf * 2 : 32;
            unsigned char *nd = realloc(s->is_date, s->capxf);
            if (!nd) {
                abort();
            }
            s->is_date = nd;
        }
        s->is_date[s->nxf++] = (unsigned char)date;
    }
}

static void XMLCALL styles_end(void *ud, const char *name)
{
    styles *s = ud;
    if (strcmp(wb_local(name), "cellXfs") == 0) {
        s->in_xfs = 0;
    }
}

static void styles_free(styles *s)
{
    free(s->custom_ids);
    wb_names_free(s->custom_codes, s->ncustom);
    free(s->is_date);
}

/* ---- shared strings ---- */
/* _xHHHH_ escapes of OOXML text (_x000D_ a carriage return) decoded in
 * place as UTF-8. */
static void decode_escapes(wb_text *t)
{
    if (!t->s || !strstr(t->s, "_x")) {
        return;
    }
    char *r = t->s, *w = t->s;
    while (*r) {
        unsigned v = 0;
        int ok = r[0] == '_' && r[1] == 'x' && r[6] == '_';
        for (int i = 2; ok && i < 6; i++) {
            char c = r[i];
            ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        }
        if (!ok) {
            *w++ = *r++;
            continue;
        }
        r += 7;
        if (v < 0x80) {
            *w++ = (char)v;
        } else if (v < 0x800) {
            *w++ = (char)(0xC0 | (v >> 6));
            *w++ = (char)(0x80 | (v & 0x3F));
        } else {
            *w++ = (char)(0xE0 | (v >> 12));
            *w++ = (char)(0x80 | ((v >> 6) & 0x3F));
            *w++ = (char)(0x80 | (v & 0x3F));
        }
    }
    *w = 0;
    t->len = (size_t)(w - t->s);
}

typedef struct sst {
    char **v;
    size_t n;
    int in_si, in_t, in_rph;
    wb_text cur;
} sst;

static void XMLCALL sst_start(void *ud, const char *name, const char **atts)
{
    (void)atts;
    sst *s = ud;
    const char *l = wb_local(name);
    if (strcmp(l, "si") == 0) {
        s->in_si = 1;
        wb_text_clear(&s->cur);
        wb_text_put(&s->cur, "", 0);
    } else if (strcmp(l, "rPh") == 0) {
        s->in_rph = 1; /* phonetic reading: not part of the text */
    } else if (strcmp(l, "t") == 0 && s->in_si && !s->in_rph) {
        s->in_t = 1;
    }
}

static void XMLCALL sst_end(void *ud, const char *name)
{
    sst *s = ud;
    const char *l = wb_local(name);
    if (strcmp(l, "si") == 0) {
        decode_escapes(&s->cur);
        wb_names_push(&s->v, &s->n, s->cur.s ? s->cur.s : "");
        s->in_si = 0;
    } else if (strcmp(l, "rPh") == 0) {
        s->in_rph = 0;
    } else if (strcmp(l, "t") == 0) {
        s->in_t = 0;
    }
}

static void XMLCALL sst_text(void *ud, const char *t, int n)
{
    sst *s = ud;
    if (s->in_t) {
        wb_text_put(&s->cur, t, (size_t)n);
    }
}

/* ---- the sheet ---- */
typedef struct sheet {
    wb_out out;
    XML_Parser p;
    const sst *strings;
    const styles *st;
    int date1904;
    int in_data;
    uint32_t row, col;
    /* the cell being read */
    int in_cell, in_v, in_is, in_t, in_rph;
    char type[16];
    long style;
    wb_text v, is;
    int failed;
} sheet;

static int parse_ref(const char *r, uint32_t *row, uint32_t *col)
{
    uint32_t c = 0, rw = 0;
    const char *p = r;
    for (; (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'); p++) {
        c = c * 26 + (uint32_t)((*p | 0x20) - 'a' + 1);
        if (c > WB_MAX_COL) {
            return -1;
        }
    }
    for (; *p >= '0' && *p <= '9'; p++) {
        rw = rw * 10 + (uint32_t)(*p - '0');
        if (rw > WB_MAX_ROW) {
            return -1;
        }
    }
    if (*p || c == 0 || rw == 0) {
        return -1;
    }
    *row = rw;
    *col = c;
    return 0;
}

static void stop(sheet *s)
{
    s->failed = 1;
    XML_StopParser(s->p, XML_FALSE);
}

static void XMLCALL sheet_start(void *ud, const char *name, const char **atts)
{
    sheet *s = ud;
    const char *l = wb_local(name);
    if (strcmp(l, "sheetData") == 0) {
        s->in_data = 1;
    } else if (!s->in_data) {
        return;
    } else if (strcmp(l, "row") == 0) {
        const char *r = wb_attr(atts, "r");
        long n = r ? atol(r) : (long)s->row + 1;
        if (n < 1 || n > (long)WB_MAX_ROW) {
            s->out.host->fail(s->out.ctx, "a row numbered %s, outside a sheet's rows", r ? r : "?");
            stop(s);
            return;
        }
        s->row = (uint32_t)n;
        s->col = 0;
    } else if (strcmp(l, "c") == 0) {
        const char *r = wb_attr(atts, "r"), *t = wb_attr(atts, "t"), *st = wb_attr(atts, "s");
        uint32_t row = s->row ? s->row : 1, col = s->col + 1;
        if (r && parse_ref(r, &row, &col) != 0) {
            s->out.host->fail(s->out.ctx, "a cell named \"%s\", no cell of a sheet", r);
            stop(s);
            return;
        }
        if (col > WB_MAX_COL) {
            s->out.host->fail(s->out.ctx, "a cell beyond a sheet's 16384 columns in row %u",
                              (unsigned)row);
            stop(s);
            return;
        }
        s->row = row;
        s->col = col;
        snprintf(s->type, sizeof s->type, "%s", t ? t : "n");
        s->style = st ? atol(st) : 0;
        s->in_cell = 1;
        wb_text_clear(&s->v);
        wb_text_clear(&s->is);
    } else if (!s->in_cell) {
        return;
    } else if (strcmp(l, "v") == 0) {
        s->in_v = 1;
    } else if (strcmp(l, "is") == 0) {
        s->in_is = 1;
    } else if (strcmp(l, "rPh") == 0) {
        s->in_rph = 1;
    } else if (strcmp(l, "t") == 0 && s->in_is && !s->in_rph) {
        s->in_t = 1;
    }
}

static void cell_done(sheet *s)
{
    const char *v = s->v.s ? s->v.s : "";
    const char *t = s->type;
    char buf[400];
    int kind = REGIE_CELL_TEXT;
    const char *text = v;
    if (strcmp(t, "s") == 0) {
        char *end;
        unsigned long idx = strtoul(v, &end, 10);
        if (!*v) {
            return;
        }
        if (*end || idx >= s->strings->n) {
            s->out.host->fail(s->out.ctx, "row %u: a cell refers to shared text %s, which the "
                              "workbook lacks (damaged?)",
                              (unsigned)s->row, v);
            stop(s);
            return;
        }
        text = s->strings->v[idx];
    } else if (strcmp(t, "inlineStr") == 0) {
        decode_escapes(&s->is);
        text = s->is.s ? s->is.s : "";
    } else if (strcmp(t, "str") == 0) {
        decode_escapes(&s->v);
        text = s->v.s ? s->v.s : ""; /* a formula's text */
    } else if (strcmp(t, "b") == 0) {
        kind = REGIE_CELL_BOOL;
        text = strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 ? "1" : "0";
    } else if (strcmp(t, "e") == 0) {
        kind = REGIE_CELL_ERROR;
    } else if (strcmp(t, "d") == 0) {
        /* an ISO date: to the second at most */
        snprintf(buf, sizeof buf, "%.19s", v);
        size_t n = strlen(buf);
        if (n == 19 && strcmp(buf + 10, "T00:00:00") == 0) {
            buf[10] = 0;
        } else if (n == 19 && strcmp(buf + 16, ":00") == 0) {
            buf[16] = 0;
        }
        kind = REGIE_CELL_DATE;
        text = buf;
    } else if (*v) {
        char *end;
        double x = strtod(v, &end);
        if (*end) {
            kind = REGIE_CELL_TEXT; /* not a number after all: as written */
        } else if (s->style >= 0 && (size_t)s->style < s->st->nxf && s->st->is_date[s->style]) {
            kind = wb_serial_cell(s->out.host, x, s->date1904, buf, sizeof buf);
            text = buf;
        } else {
            kind = REGIE_CELL_NUMBER;
            wb_number_text(x, buf, sizeof buf);
            text = buf;
        }
    }
    if (!*text) {
        return; /* an empty cell (formatted only) */
    }
    if (wb_cell(&s->out, s->row, s->col, kind, text) != 0) {
        stop(s);
    }
}

static void XMLCALL sheet_end(void *ud, const char *name)
{
    sheet *s = ud;
    const char *l = wb_local(name);
    if (strcmp(l, "sheetData") == 0) {
        s->in_data = 0;
    } else if (!s->in_cell) {
        return;
    } else if (strcmp(l, "c") == 0) {
        s->in_cell = 0;
        cell_done(s);
    } else if (strcmp(l, "v") == 0) {
        s->in_v = 0;
    } else if (strcmp(l, "is") == 0) {
        s->in_is = 0;
    } else if (strcmp(l, "rPh") == 0) {
        s->in_rph = 0;
    } else if (strcmp(l, "t") == 0) {
        s->in_t = 0;
    }
}

static void XMLCALL sheet_text(void *ud, const char *t, int n)
{
    sheet *s = ud;
    if (s->in_v) {
        wb_text_put(&s->v, t, (size_t)n);
    } else if (s->in_t) {
        wb_text_put(&s->is, t, (size_t)n);
    }
}

/* ---- the reader ---- */
int wb_xlsx_sniff(void *state, const char *path, const unsigned char *head, size_t n)
{
    (void)state;
    if (head && (n < 4 || memcmp(head, "PK\x03\x04", 4) != 0)) {
        return 0;
    }
    wb_archive a;
    if (wb_open(&a, NULL, NULL, path) != 0) {
        return 0;
    }
    int yes = wb_has(&a, "xl/workbook.xml");
    wb_close(&a);
    return yes;
}

int wb_xlsx_sheets(const regie_host *host, regie_ctx *ctx, const char *path, char ***names,
                   size_t *n)
{
    wb_archive a;
    if (wb_open(&a, host, ctx, path) != 0) {
        return -1;
    }
    book b;
    int rc = book_read(&a, &b);
    wb_close(&a);
    if (rc == 0) {
        *names = b.names;
        *n = b.n;
        b.names = NULL;
        b.n = 0;
        wb_names_free(b.rids, *n);
        b.rids = NULL;
    }
    book_free(&b);
    return rc;
}

static int sheet_missing(const regie_host *host, regie_ctx *ctx, const book *b, const char *want)
{
    size_t len = 1;
    for (size_t i = 0; i < b->n; i++) {
        len += strlen(b->names[i]) + 4;
    }
    char *list = calloc(1, len);
    for (size_t i = 0; list && i < b->n; i++) {
        strcat(list, i ? ", " : "");
        strcat(list, b->names[i]);
    }
    host->fail(ctx, "no sheet named \"%s\" (the workbook's sheets: %s)", want,
               list && *list ? list : "none");
    free(list);
    return -1;
}

int wb_xlsx_read(const regie_host *host, regie_ctx *ctx, void *state, const char *path,
                 const char *want)
{
    (void)state;
    wb_archive a;
    if (wb_open(&a, host, ctx, path) != 0) {
        return -1;
    }
    book b;
    styles st;
    memset(&st, 0, sizeof st);
    sst strings;
    memset(&strings, 0, sizeof strings);
    sheet s;
    memset(&s, 0, sizeof s);
    char *part = NULL, *stpart = NULL, *sspart = NULL;
    int rc = -1;
    if (book_read(&a, &b) != 0) {
        goto done;
    }
    size_t k = 0;
    if (want) {
        while (k < b.n && strcmp(b.names[k], want) != 0) {
            k++;
        }
        if (k == b.n) {
            /* a sheet's name as its tab shows it, whatever the case */
            for (k = 0; k < b.n && strcasecmp(b.names[k], want) != 0; k++) {
            }
        }
        if (k == b.n) {
            sheet_missing(host, ctx, &b, want);
            goto done;
        }
    } else if (b.n == 0) {
        host->fail(ctx, "the workbook has no sheets");
        goto done;
    }
    part = rel_part(&b, b.rids[k], NULL, NULL);
    if (!part) {
        host->fail(ctx, "sheet %s: the workbook does not say where it is (damaged?)", b.names[k]);
        goto done;
    }
    host->sheet_name(ctx, b.names[k]);
    stpart = rel_part(&b, NULL, "/styles", "xl/styles.xml");
    sspart = rel_part(&b, NULL, "/sharedStrings", "xl/sharedStrings.xml");
    if (wb_has(&a, stpart) &&
        parse_part(&a, stpart, &st, styles_start, styles_end, ignore_text) != 0) {
        goto done;
    }
    if (wb_has(&a, sspart) && parse_part(&a, sspart, &strings, sst_start, sst_end, sst_text) != 0) {
        goto done;
    }
    s.out.host = host;
    s.out.ctx = ctx;
    s.strings = &strings;
    s.st = &st;
    s.date1904 = b.date1904;
    s.p = wb_parser(&s, sheet_start, sheet_end, sheet_text);
    if (!s.p) {
        host->fail(ctx, "out of memory");
        goto done;
    }
    rc = wb_parse(&a, part, s.p);
    XML_ParserFree(s.p);
    if (s.failed) {
        rc = -1;
    }
done:
    wb_text_free(&s.v);
    wb_text_free(&s.is);
    wb_names_free(strings.v, strings.n);
    wb_text_free(&strings.cur);
    styles_free(&st);
    book_free(&b);
    free(part);
    free(stpart);
    free(sspart);
    wb_close(&a);
    return rc;
}
