/* csv.c - reading CSV as users' files come (RFC 4180 through libcsv, BOM,
 * ',' or ';' detected, decimal comma in ';' files) with typed columns and
 * every data error of a file reported as FILE:LINE: column NAME: ...; and
 * writing CSV that spreadsheets open. */
#define _GNU_SOURCE
#include "map.h"
#include "rg_csv.h"
#include "calendar.h"
#include "decimal.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *type_names[] = { "text", "id", "integer", "decimal", "boolean",
                                    "date", "datetime", "list", NULL };

const char *rg_coltype_name(rg_coltype t)
{
    return (unsigned)t < 8 ? type_names[t] : "?";
}

int rg_colspec_parse(const char *spec, const char *file, long line, rg_colspec **out, size_t *n,
                     rg_errors *errs)
{
    char **parts;
    size_t np = rg_split(spec, ',', &parts);
    rg_colspec *c = rg_xcalloc(np ? np : 1, sizeof *c);
    int rc = 0;
    for (size_t i = 0; i < np; i++) {
        char *p = parts[i];
        char *colon = strchr(p, ':');
        char *type = colon ? rg_trim(colon + 1) : "text";
        if (colon) {
            *colon = 0;
        }
        char *name = rg_trim(p);
        size_t nl = strlen(name);
        if (nl && name[nl - 1] == '?') {
            c[i].optional = 1;
            name[--nl] = 0;
        }
        /* the marks after the type, in either order: "text!~", "text~!" */
        size_t tl = strlen(type);
        while (tl && (type[tl - 1] == '!' || type[tl - 1] == '~')) {
            if (type[tl - 1] == '!') {
                c[i].required = 1;
            } else {
                c[i].trim = 1;
            }
            type[--tl] = 0;
        }
        c[i].name = rg_xstrdup(rg_trim(name));
        /* date(d-m-yyyy), datetime(d-m-yyyy): also day-month-year */
        char *paren = strchr(type, '(');
        if (paren && strcmp(paren, "(d-m-yyyy)") == 0 &&
            (strncmp(type, "date(", 5) == 0 || strncmp(type, "datetime(", 9) == 0)) {
            c[i].dmy = 1;
            *paren = 0;
        }
        int found = -1;
        for (int t = 0; type_names[t]; t++) {
            if (strcmp(type, type_names[t]) == 0) {
                found = t;
            }
        }
        if (found < 0) {
            rg_err_add(errs, file, line,
                       "unknown column type \"%s\" for %s (expected text, id, integer, decimal, "
                       "boolean, date, datetime, date(d-m-yyyy), datetime(d-m-yyyy), list, then "
                       "! for a required value and ~ to trim spaces)",
                       type, c[i].name);
            rc = -1;
            found = 0;
        }
        c[i].type = (rg_coltype)found;
    }
    rg_strv_free(parts, np);
    *out = c;
    *n = np;
    return rc;
}

void rg_colspec_free(rg_colspec *c, size_t n)
{
    for (size_t i = 0; c && i < n; i++) {
        free(c[i].name);
    }
    free(c);
}

/* ---- parsing ---- */
typedef struct field {
    char *s;
    size_t len;
} field;

typedef struct pstate {
    field *f;
    size_t nf, capf;
    char ***rows; /* raw rows: arrays of strings */
    size_t *rowlen;
    long *rowline;
    size_t nrows, caprows;
    long row_start;
    int bad; /* structural error already reported */
} pstate;

static void cb_field(void *s, size_t len, void *data)
{
    pstate *ps = data;
    if (ps->nf == ps->capf) {
        ps->capf = ps->capf ? ps->capf * 2 : 16;
        ps->f = rg_xrealloc(ps->f, ps->capf * sizeof *ps->f);
    }
    ps->f[ps->nf].s = rg_xstrndup(s ? s : "", s ? len : 0);
    ps->f[ps->nf].len = s ? len : 0;
    ps->nf++;
}

static void cb_row(int c, void *data)
{
    (void)c;
    pstate *ps = data;
    if (ps->nrows == ps->caprows) {
        ps->caprows = ps->caprows ? ps->caprows * 2 : 64;
        ps->rows = rg_xrealloc(ps->rows, ps->caprows * sizeof *ps->rows);
        ps->rowlen = rg_xrealloc(ps->rowlen, ps->caprows * sizeof *ps->rowlen);
        ps->rowline = rg_xrealloc(ps->rowline, ps->caprows * sizeof *ps->rowline);
    }
    char **r = rg_xmalloc((ps->nf ? ps->nf : 1) * sizeof *r);
    for (size_t i = 0; i < ps->nf; i++) {
        r[i] = ps->f[i].s;
    }
    ps->rows[ps->nrows] = r;
    ps->rowlen[ps->nrows] = ps->nf;
    ps->rowline[ps->nrows] = ps->row_start;
    ps->nrows++;
    ps->nf = 0;
}

static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t k;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
            k = 1;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2;
        } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
            k = 3;
        } else {
            return 0;
        }
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xC0) != 0x80) {
                return 0;
            }
        }
        i += k + 1;
    }
    return 1;
}

/* No character is a space to the parser: an unquoted field keeps the
 * spaces and tabs at its ends, as RFC 4180 says ("spaces are considered
 * part of a field").  Columns whose spec says so (~), and the typed
 * columns, are trimmed afterwards. */
static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

/* A line with a space or tab between a separator (or the line's start or
 * end) and a quote: what a malformed-quoting error most often comes from
 * now that spaces belong to the field. */
static int space_beside_quote(const char *s, size_t n, char delim)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != ' ' && s[i] != '\t') {
            continue;
        }
        size_t j = i;
        while (j < n && (s[j] == ' ' || s[j] == '\t')) {
            j++;
        }
        int before = i == 0 || s[i - 1] == delim;
        int after = j == n || s[j] == delim || s[j] == '\r' || s[j] == '\n';
        if ((before && j < n && s[j] == '"') || (after && i > 0 && s[i - 1] == '"')) {
            return 1;
        }
        i = j;
    }
    return 0;
}

static char detect_delim(const char *data, size_t len)
{
    int commas = 0, semis = 0, inq = 0;
    /* in the header: the first line not empty, as the parser sees it */
    size_t i = 0;
    while (i < len && (data[i] == '\r' || data[i] == '\n')) {
        i++;
    }
    for (; i < len && data[i] != '\n' && data[i] != '\r'; i++) {
        if (data[i] == '"') {
            inq = !inq;
        } else if (!inq && data[i] == ',') {
            commas++;
        } else if (!inq && data[i] == ';') {
            semis++;
        }
    }
    return semis > commas ? ';' : ',';
}

static void free_rows(pstate *ps)
{
    for (size_t r = 0; r < ps->nrows; r++) {
        for (size_t i = 0; i < ps->rowlen[r]; i++) {
            free(ps->rows[r][i]);
        }
        free(ps->rows[r]);
    }
    for (size_t i = 0; i < ps->nf; i++) {
        free(ps->f[i].s);
    }
    free(ps->f);
    free(ps->rows);
    free(ps->rowlen);
    free(ps->rowline);
}

/* Convert one cell; on failure returns the expectation text. */
/* A day-month-year date of a Dutch spreadsheet, 9-1-2026 or 09-01-2026,
 * with time_ok also followed by a space and H:MM or HH:MM (9-1-2026
 * 10:15): 0 and the ISO text in iso (2026-01-09, 2026-01-09T10:15), or -1. */
static int parse_dmy(const char *text, int time_ok, char iso[32])
{
    int d = 0, m = 0, y = 0, h = -1, mi = 0, nd = 0, nm = 0, ny = 0;
    const char *p = text;
    for (; *p >= '0' && *p <= '9'; p++, nd++) {
        d = d * 10 + (*p - '0');
    }
    if (nd < 1 || nd > 2 || *p++ != '-') {
        return -1;
    }
    for (; *p >= '0' && *p <= '9'; p++, nm++) {
        m = m * 10 + (*p - '0');
    }
    if (nm < 1 || nm > 2 || *p++ != '-') {
        return -1;
    }
    for (; *p >= '0' && *p <= '9'; p++, ny++) {
        y = y * 10 + (*p - '0');
    }
    if (ny != 4) {
        return -1;
    }
    if (*p == ' ' && time_ok) {
        int nh = 0, nmi = 0;
        h = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, nh++) {
            h = h * 10 + (*p - '0');
        }
        if (nh < 1 || nh > 2 || *p++ != ':') {
            return -1;
        }
        for (; *p >= '0' && *p <= '9'; p++, nmi++) {
            mi = mi * 10 + (*p - '0');
        }
        if (nmi != 2 || h > 23 || mi > 59) {
            return -1;
        }
    }
    if (*p || m < 1 || m > 12 || d < 1) {
        return -1;
    }
    int y2, m2, d2;
    rg_date_to_ymd(rg_date_from_ymd(y, m, d), &y2, &m2, &d2);
    if (y2 != y || m2 != m || d2 != d) {
        return -1; /* 31-4-2026 */
    }
    if (h >= 0) {
        /* (each within its range here: the modulo tells the compiler so) */
        snprintf(iso, 32, "%04u-%02u-%02uT%02u:%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
                 (unsigned)d % 100u, (unsigned)h % 100u, (unsigned)mi % 100u);
    } else {
        snprintf(iso, 32, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u);
    }
    return 0;
}

/* iso: where a d-m-yyyy date's ISO text is kept until the row is appended
 * (the value points into it). */
static const char *convert(regie_table *t, rg_coltype type, int dmy, const char *text, char delim,
                           regie_value *v, char iso[32])
{
    int32_t day;
    int minute;
    switch (type) {
    case RG_COL_TEXT:
        *v = rg_str_value(text);
        return NULL;
    case RG_COL_ID:
        if (!rg_valid_id(text, 32)) {
            return "an id of 1-32 letters, digits, _ or -";
        }
        *v = rg_str_value(text);
        return NULL;
    case RG_COL_INTEGER:
        v->type = REGIE_INT;
        return rg_parse_int(text, &v->u.i) == 0 ? NULL : "an integer";
    case RG_COL_DECIMAL:
        v->type = REGIE_NUM;
        if (rg_parse_decimal(text, delim == ';' ? ',' : '.', &v->u.n) == 0) {
            return NULL;
        }
        if (delim == ',' && strchr(text, ',')) {
            return "a number with a decimal point (a decimal comma only in ;-separated files)";
        }
        return "a number";
    case RG_COL_BOOLEAN:
        v->type = REGIE_BOOL;
        return rg_parse_bool(text, &v->u.b) == 0 ? NULL : "yes/no/ja/nee/1/0";
    case RG_COL_DATE:
        if (dmy && rg_date_parse(text, &day) != 0) {
            if (parse_dmy(text, 0, iso) != 0) {
                return "a date D-M-YYYY (9-1-2026) or YYYY-MM-DD";
            }
            *v = rg_str_value(iso);
            return NULL;
        }
        if (rg_date_parse(text, &day) != 0) {
            return "a date YYYY-MM-DD";
        }
        *v = rg_str_value(text);
        return NULL;
    case RG_COL_DATETIME:
        if (dmy && rg_datetime_parse(text, &day, &minute) != 0) {
            if (parse_dmy(text, 1, iso) != 0) {
                return "a date and time D-M-YYYY H:MM (9-1-2026 10:15), D-M-YYYY, or "
                       "YYYY-MM-DD[THH:MM]";
            }
            *v = rg_str_value(iso);
            return NULL;
        }
        if (rg_datetime_parse(text, &day, &minute) != 0) {
            return "a date YYYY-MM-DD or YYYY-MM-DDTHH:MM";
        }
        *v = rg_str_value(text);
        return NULL;
    case RG_COL_LIST: {
        /* items are separated by ';', or by ',' when ';' separates fields */
        char **items;
        size_t n = rg_split(text, delim == ';' ? ',' : ';', &items);
        regie_list *l = rg_table_list_new(t);
        for (size_t i = 0; i < n; i++) {
            regie_value s = rg_str_value(items[i]);
            rg_list_push(l, &s);
        }
        rg_strv_free(items, n);
        v->type = REGIE_LIST;
        v->u.list = l;
        return NULL;
    }
    }
    return "a value";
}

/* ---- rows to a typed table: CSV files and sheets alike ---- */

/* A column's letters as a spreadsheet shows them: 1 A, 27 AA. */
static void col_letters(size_t col, char *buf)
{
    char tmp[8];
    size_t n = 0;
    while (col > 0 && n < sizeof tmp) {
        col--;
        tmp[n++] = (char)('A' + col % 26);
        col /= 26;
    }
    for (size_t i = 0; i < n; i++) {
        buf[i] = tmp[n - 1 - i];
    }
    buf[n] = 0;
}

void rg_cell_ref(uint32_t row, uint32_t col, char buf[24])
{
    col_letters(col, buf);
    snprintf(buf + strlen(buf), 16, "%" PRIu32, row);
}

/* An error about row r of g (-1: the header) at column c (-1: the whole
 * row): FILE:LINE: TEXT for a CSV file, FILE:SHEET!CELL: TEXT (or
 * FILE:SHEET, row N: TEXT) for a sheet; its place is the file and line
 * (the row) either way, so that errors sort by row. */
static void grid_err(const rg_grid *g, rg_errors *errs, long r, long c, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void grid_err(const rg_grid *g, rg_errors *errs, long r, long c, const char *fmt, ...)
{
    long line = r < 0 ? 1 : g->line[r];
    va_list ap;
    va_start(ap, fmt);
    char *text = rg_xvasprintf(fmt, ap);
    va_end(ap);
    rg_err_add(errs, g->name, line, "%s", text);
    if (g->sheet) {
        char ref[24];
        char *m;
        if (c >= 0) {
            rg_cell_ref((uint32_t)line, (uint32_t)c + 1, ref);
            m = rg_xasprintf("%s:%s!%s: %s", g->name, g->sheet, ref, text);
        } else {
            m = rg_xasprintf("%s:%s, row %ld: %s", g->name, g->sheet, line, text);
        }
        free(errs->msg[errs->n - 1]);
        errs->msg[errs->n - 1] = m;
    }
    free(text);
}

/* A spreadsheet's day number (1900 system, with its 29 February 1900 that
 * never was: serial 60) as ISO text, with the time to the minute when
 * with_time and the serial has one.  -1: no date (before 1900-01-01,
 * serial 60, after 9999-12-31); 1: a date column got a time. */
int rg_serial_to_iso(double serial, int with_time, char iso[32])
{
    if (!(serial >= 1 && serial < 2958466)) {
        return -1;
    }
    double whole = floor(serial);
    long minutes = lround((serial - whole) * 1440.0);
    long days = (long)whole;
    if (minutes >= 1440) {
        days++;
        minutes -= 1440;
    }
    if (days == 60) {
        return -1;
    }
    /* day 0 is 1899-12-31 up to the phantom leap day, 1899-12-30 after it */
    int32_t day = rg_date_from_ymd(1899, 12, days < 60 ? 31 : 30) + (int32_t)days;
    int y, m, d;
    rg_date_to_ymd(day, &y, &m, &d);
    if (minutes && !with_time) {
        return 1;
    }
    if (minutes) {
        snprintf(iso, 32, "%04u-%02u-%02uT%02u:%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
                 (unsigned)d % 100u, (unsigned)(minutes / 60) % 100u, (unsigned)(minutes % 60));
    } else {
        snprintf(iso, 32, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
                 (unsigned)d % 100u);
    }
    return 0;
}

/* One cell of a sheet of kind REGIE_CELL_*: as convert, with what a
 * spreadsheet holds beyond text. */
static const char *convert_cell(regie_table *t, const rg_colspec *cs, int kind, const char *text,
                                regie_value *v, char iso[32])
{
    rg_coltype type = cs ? cs->type : RG_COL_TEXT;
    switch (kind) {
    case REGIE_CELL_TEXT:
        if (type == RG_COL_DECIMAL) {
            /* typed in: with a decimal comma (Dutch) or point */
            v->type = REGIE_NUM;
            if (rg_parse_decimal(text, '.', &v->u.n) == 0 ||
                rg_parse_decimal(text, ',', &v->u.n) == 0) {
                return NULL;
            }
            return "a number";
        }
        if ((type == RG_COL_DATE || type == RG_COL_DATETIME) && !(cs && cs->dmy)) {
            /* dates typed as text: also day-month-year */
            return convert(t, type, 1, text, ',', v, iso);
        }
        return convert(t, type, cs ? cs->dmy : 0, text, ',', v, iso);
    case REGIE_CELL_NUMBER:
        if (type == RG_COL_DATE || type == RG_COL_DATETIME) {
            double serial;
            int rc = rg_parse_decimal(text, '.', &serial) == 0
                         ? rg_serial_to_iso(serial, type == RG_COL_DATETIME, iso)
                         : -1;
            if (rc != 0) {
                return type == RG_COL_DATE
                           ? "a date YYYY-MM-DD (a spreadsheet's day number without a time)"
                           : "a date YYYY-MM-DD or YYYY-MM-DDTHH:MM";
            }
            *v = rg_str_value(iso);
            return NULL;
        }
        return convert(t, type, 0, text, ',', v, iso);
    case REGIE_CELL_DATE: {
        size_t n = strlen(text);
        if (type == RG_COL_DATE || type == RG_COL_DATETIME) {
            int32_t day;
            int minute;
            if (n < 10 || (n > 10 && text[10] != 'T')) {
                return "a date YYYY-MM-DD";
            }
            memcpy(iso, text, n < 16 ? n : 16);
            iso[n < 16 ? n : 16] = 0;
            if (n > 16 && strcmp(text + 16, ":00") != 0) {
                return type == RG_COL_DATE ? "a date YYYY-MM-DD"
                                           : "a date and time to the minute";
            }
            if (type == RG_COL_DATE && n > 10) {
                if (strcmp(iso + 10, "T00:00") != 0) {
                    return "a date YYYY-MM-DD (the cell holds a time too)";
                }
                iso[10] = 0;
            }
            if (type == RG_COL_DATE ? rg_date_parse(iso, &day) != 0
                                    : rg_datetime_parse(iso, &day, &minute) != 0) {
                return type == RG_COL_DATE ? "a date YYYY-MM-DD"
                                           : "a date YYYY-MM-DD or YYYY-MM-DDTHH:MM";
            }
            *v = rg_str_value(iso);
            return NULL;
        }
        return convert(t, type, 0, text, ',', v, iso);
    }
    case REGIE_CELL_BOOL:
    default:
        return convert(t, type, 0, text, ',', v, iso);
    }
}

int rg_grid_to_table(rg_grid *g, const rg_colspec *spec, size_t nspec, const char *unique,
                     regie_table **out, rg_errors *errs)
{
    *out = NULL;
    size_t before = errs->n;
    size_t ncols = g->ncols;
    char **hdr = g->hdr;
    for (size_t i = 0; i < ncols; i++) {
        char *t = rg_trim(hdr[i]);
        memmove(hdr[i], t, strlen(t) + 1);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(hdr[i], hdr[j]) == 0) {
                grid_err(g, errs, -1, (long)i, "duplicate column %s in the header", hdr[i]);
            }
        }
    }
    rg_buf missing = { 0 };
    for (size_t s = 0; s < nspec; s++) {
        int have = 0;
        for (size_t i = 0; i < ncols; i++) {
            have |= strcmp(hdr[i], spec[s].name) == 0;
        }
        if (!have && !spec[s].optional) {
            rg_buf_printf(&missing, "%s%s", missing.len ? ", " : "", spec[s].name);
        }
    }
    if (missing.len) {
        rg_buf exp = { 0 };
        for (size_t s = 0; s < nspec; s++) {
            rg_buf_printf(&exp, "%s%s", s ? ", " : "", spec[s].name);
        }
        grid_err(g, errs, -1, -1, "missing column%s %s (expected columns: %s)%s",
                 strchr(missing.data, ',') ? "s" : "", missing.data, exp.data,
                 g->sheet ? "; another sheet of the workbook? sheet = NAME in the input's "
                            "section picks it"
                          : "");
        rg_buf_free(&exp);
    }
    rg_buf_free(&missing);
    if (errs->n > before) {
        return -1;
    }
    /* per column: its spec, if any */
    const rg_colspec **cs = rg_xcalloc(ncols ? ncols : 1, sizeof *cs);
    for (size_t i = 0; i < ncols; i++) {
        for (size_t s = 0; s < nspec; s++) {
            if (strcmp(hdr[i], spec[s].name) == 0) {
                cs[i] = &spec[s];
            }
        }
    }
    long ucol = -1;
    if (unique) {
        for (size_t i = 0; i < ncols; i++) {
            if (strcmp(hdr[i], unique) == 0) {
                ucol = (long)i;
            }
        }
    }
    rg_map useen = { 0 }; /* cell text of the unique column -> first row */
    regie_table *t = rg_table_new(ncols, (const char *const *)hdr);
    rg_table_set_source(t, g->name);
    regie_value *row = rg_xcalloc(ncols ? ncols : 1, sizeof *row);
    char(*iso)[32] = rg_xcalloc(ncols ? ncols : 1, sizeof *iso); /* (convert) */
    for (size_t r = 0; r < g->nrows; r++) {
        long ln = g->line[r];
        char **cells = g->cells[r];
        if (g->rowlen && g->rowlen[r] != ncols) {
            /* a blank line, or one of spaces only (a row of several
             * fields; in a file of one column, it is a value) */
            if (g->rowlen[r] == 1 && cells[0][strspn(cells[0], " \t")] == 0) {
                continue;
            }
            grid_err(g, errs, (long)r, -1, "expected %zu fields as in the header, found %zu",
                     ncols, g->rowlen[r]);
            break;
        }
        for (size_t c = 0; c < ncols; c++) {
            char *text = cells[c];
            int kind = g->kinds ? g->kinds[r][c] : 0;
            /* a typed value never holds spaces at its ends: they are
             * trimmed, as in a text column marked ~ */
            if (cs[c] && (cs[c]->type != RG_COL_TEXT || cs[c]->trim)) {
                char *tt = rg_trim(text);
                memmove(text, tt, strlen(tt) + 1);
            }
            if (cs[c] && !*text && (cs[c]->type != RG_COL_TEXT || cs[c]->required)) {
                if (cs[c]->required) {
                    grid_err(g, errs, (long)r, (long)c, "column %s: found nothing, expected %s",
                             hdr[c],
                             cs[c]->type == RG_COL_ID ? "an id of 1-32 letters, digits, _ or -"
                                                      : "a value (required)");
                }
                row[c].type = REGIE_NULL;
                continue;
            }
            const char *exp;
            if (kind == REGIE_CELL_ERROR) {
                /* what the column expects instead (any value for text) */
                exp = cs[c] && cs[c]->type != RG_COL_TEXT && cs[c]->type != RG_COL_LIST
                          ? convert(t, cs[c]->type, cs[c]->dmy, text, ',', &row[c], iso[c])
                          : NULL;
                grid_err(g, errs, (long)r, (long)c,
                         "column %s: found \"%s\" (an error of the cell's formula), expected %s",
                         hdr[c], text, exp ? exp : "a value");
                row[c].type = REGIE_NULL;
                continue;
            }
            if (kind == REGIE_CELL_BOOL && !(cs[c] && cs[c]->type == RG_COL_BOOLEAN)) {
                /* as a spreadsheet shows it */
                const char *shown = strcmp(text, "1") == 0 ? "TRUE" : "FALSE";
                free(cells[c]);
                cells[c] = text = rg_xstrdup(shown);
                kind = REGIE_CELL_TEXT;
            }
            if (kind) {
                exp = convert_cell(t, cs[c], kind, text, &row[c], iso[c]);
            } else {
                exp = convert(t, cs[c] ? cs[c]->type : RG_COL_TEXT, cs[c] ? cs[c]->dmy : 0, text,
                              g->delim, &row[c], iso[c]);
            }
            if (exp) {
                grid_err(g, errs, (long)r, (long)c, "column %s: found \"%s\", expected %s", hdr[c],
                         text, exp);
                row[c].type = REGIE_NULL;
            }
        }
        if (ucol >= 0 && *cells[ucol]) {
            const char *key = cells[ucol];
            size_t first;
            if (rg_map_add(&useen, key, r, &first)) {
                if (g->sheet) {
                    char ref[24];
                    rg_cell_ref((uint32_t)g->line[first], (uint32_t)ucol + 1, ref);
                    grid_err(g, errs, (long)r, ucol,
                             "column %s: found \"%s\", expected a unique value (first at %s)",
                             hdr[ucol], key, ref);
                } else {
                    grid_err(g, errs, (long)r, ucol,
                             "column %s: found \"%s\", expected a unique value (first at line "
                             "%ld)",
                             hdr[ucol], key, g->line[first]);
                }
            }
        }
        rg_table_append(t, row, ln);
    }
    free(iso);
    free(row);
    free(cs);
    rg_map_free(&useen);
    if (errs->n > before) {
        rg_table_free(t);
        return -1;
    }
    *out = t;
    return 0;
}

/* The length of the line at s (n bytes left), its end included: LF, CRLF
 * or a CR alone (files saved as "CSV (Macintosh)"), so that lines are
 * counted as an editor shows them. */
static size_t line_length(const char *s, size_t n)
{
    const char *lf = memchr(s, '\n', n);
    size_t upto = lf ? (size_t)(lf - s) : n;
    const char *cr = memchr(s, '\r', upto);
    if (cr && ((size_t)(cr - s) + 1 == n || cr[1] != '\n')) { /* a CR not followed by LF */
        return (size_t)(cr - s) + 1;
    }
    return lf ? upto + 1 : n;
}

static int parse_csv(const char *name, const char *data, size_t len, const rg_colspec *spec,
                     size_t nspec, const char *unique, regie_table **out, rg_errors *errs,
                     const char *utf8_hint)
{
    *out = NULL;
    if (len >= 3 && (unsigned char)data[0] == 0xEF && (unsigned char)data[1] == 0xBB &&
        (unsigned char)data[2] == 0xBF) {
        data += 3;
        len -= 3;
    }
    if (len == 0 || strspn(data, " \t\r\n") == len) {
        rg_err_add(errs, name, 0, "empty file, expected a header row");
        return -1;
    }
    char delim = detect_delim(data, len);
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        rg_err_add(errs, name, 0, "out of memory");
        return -1;
    }
    csv_set_delim(&p, (unsigned char)delim);
    csv_set_space_func(&p, no_space);
    pstate ps;
    memset(&ps, 0, sizeof ps);
    long line = 0;
    size_t off = 0;
    int failed = 0;
    while (off < len) {
        size_t n = line_length(data + off, len - off);
        line++;
        if (!valid_utf8((const unsigned char *)data + off, n)) {
            rg_err_add(errs, name, line, "invalid UTF-8 (%s)", utf8_hint);
            failed = 1;
            break;
        }
        if (p.pstate == 0) {
            ps.row_start = line;
        }
        if (csv_parse(&p, data + off, n, cb_field, cb_row, &ps) != n) {
            if (space_beside_quote(data + off, n, delim)) {
                rg_err_add(errs, name, line,
                           "malformed quoting: %s (a space between a quoted field and its "
                           "separator: a quoted field begins and ends at the separators; the "
                           "spaces of a field not quoted are kept)",
                           csv_strerror(csv_error(&p)));
            } else {
                rg_err_add(errs, name, line,
                           "malformed quoting: %s (a quote inside a field must be doubled, "
                           "and a quoted field closed)",
                           csv_strerror(csv_error(&p)));
            }
            failed = 1;
            break;
        }
        off += n;
    }
    if (!failed && csv_fini(&p, cb_field, cb_row, &ps) != 0) {
        rg_err_add(errs, name, ps.row_start, "unterminated quoted field starting here");
        failed = 1;
    }
    csv_free(&p);
    if (failed) {
        free_rows(&ps);
        return -1;
    }
    rg_grid g = { 0 };
    g.name = name;
    g.delim = delim;
    g.ncols = ps.rowlen[0];
    g.hdr = ps.rows[0];
    g.nrows = ps.nrows - 1;
    g.cells = ps.rows + 1;
    g.rowlen = ps.rowlen + 1;
    g.line = ps.rowline + 1;
    int rc = rg_grid_to_table(&g, spec, nspec, unique, out, errs);
    free_rows(&ps);
    return rc;
}

int rg_csv_parse(const char *name, const char *data, size_t len, const rg_colspec *spec,
                 size_t nspec, const char *unique, regie_table **out, rg_errors *errs)
{
    return parse_csv(name, data, len, spec, nspec, unique, out, errs, "save the file as UTF-8");
}

int rg_encoding_parse(const char *name, rg_encoding *enc)
{
    if (strcasecmp(name, "utf-8") == 0 || strcasecmp(name, "utf8") == 0) {
        *enc = RG_ENC_UTF8;
        return 0;
    }
    if (strcasecmp(name, "cp1252") == 0 || strcasecmp(name, "windows-1252") == 0) {
        *enc = RG_ENC_CP1252;
        return 0;
    }
    return -1;
}

int rg_cp1252_to_utf8(const char *data, size_t len, char **out, size_t *outlen, long *badline)
{
    *out = NULL;
    *outlen = 0;
    *badline = 0;
    iconv_t cd = iconv_open("UTF-8", "CP1252");
    if (cd == (iconv_t)-1) {
        return -1;
    }
    size_t cap = len * 3 + 1; /* at most 3 bytes of UTF-8 a byte */
    char *buf = rg_xmalloc(cap);
    char *in = (char *)data, *o = buf;
    size_t inleft = len, oleft = cap;
    int rc = 0;
    if (iconv(cd, &in, &inleft, &o, &oleft) == (size_t)-1) {
        long line = 1;
        for (const char *q = data; q < in; q++) {
            line += *q == '\n';
        }
        *badline = line;
        rc = -1;
    }
    iconv_close(cd);
    if (rc != 0) {
        free(buf);
        return -1;
    }
    *out = buf;
    *outlen = (size_t)(o - buf);
    return 0;
}

int rg_csv_read_enc(const char *path, rg_encoding enc, const rg_colspec *spec, size_t nspec,
                    const char *unique, regie_table **out, rg_errors *errs)
{
    size_t len;
    *out = NULL;
    char *data = rg_read_file(path, &len);
    if (!data) {
        rg_err_add(errs, path, 0, "cannot read: %s", strerror(errno));
        return -1;
    }
    if (enc == RG_ENC_CP1252) {
        char *u;
        size_t ulen;
        long bad;
        if (rg_cp1252_to_utf8(data, len, &u, &ulen, &bad) != 0) {
            rg_err_add(errs, path, bad, "a byte that is no character of cp1252 (encoding = cp1252)");
            free(data);
            return -1;
        }
        free(data);
        data = u;
        len = ulen;
    }
    int rc = parse_csv(path, data, len, spec, nspec, unique, out, errs,
                       enc == RG_ENC_CP1252 ? "after conversion from cp1252"
                                            : "save the file as UTF-8, or declare the input's "
                                              "encoding: encoding = cp1252");
    free(data);
    return rc;
}

int rg_csv_read(const char *path, const rg_colspec *spec, size_t nspec, const char *unique,
                regie_table **out, rg_errors *errs)
{
    size_t len;
    char *data = rg_read_file(path, &len);
    if (!data) {
        rg_err_add(errs, path, 0, "cannot read: %s", strerror(errno));
        *out = NULL;
        return -1;
    }
    int rc = rg_csv_parse(path, data, len, spec, nspec, unique, out, errs);
    free(data);
    return rc;
}

/* ---- writing ---- */
const rg_csv_dialect rg_csv_standard = { "standard", ',', '.', ';', 0 };
const rg_csv_dialect rg_csv_dutch = { "dutch", ';', ',', ',', 1 };

const rg_csv_dialect *rg_csv_dialect_find(const char *name)
{
    if (strcmp(name, "standard") == 0) {
        return &rg_csv_standard;
    }
    if (strcmp(name, "dutch") == 0) {
        return &rg_csv_dutch;
    }
    return NULL;
}

int rg_csv_is_decimal_text(const char *s, size_t n)
{
    size_t i = n && s[0] == '-' ? 1 : 0, digits = 0, dot = 0, after = 0;
    for (; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            digits++;
            after += dot;
        } else if (s[i] == '.' && !dot && digits) {
            dot = i;
        } else {
            return 0;
        }
    }
    return dot && after;
}

int rg_csv_needs_quotes_d(const rg_csv_dialect *d, const char *s, size_t n)
{
    char delim = d ? d->delim : ',';
    /* spaces and tabs at the ends are quoted: a reader that trims an
     * unquoted field (a column marked ~, many other programs) keeps them */
    if (n > 0 && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t')) {
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == delim || s[i] == '"' || s[i] == '\r' || s[i] == '\n') {
            return 1;
        }
    }
    return 0;
}

int rg_csv_needs_quotes(const char *s, size_t n)
{
    return rg_csv_needs_quotes_d(NULL, s, n);
}

/* The field of s (n bytes) into buf (at most bufsize bytes); its whole
 * length.  decimal: the decimal rule applies (a text that is exactly a
 * decimal number gets the dialect's decimal separator). */
static size_t field_d(const rg_csv_dialect *d, int decimal, const char *s, size_t n, char *buf,
                      size_t bufsize)
{
    char dot = d && d->decimal != '.' && decimal && rg_csv_is_decimal_text(s, n) ? d->decimal
                                                                                  : '.';
    int quoted = rg_csv_needs_quotes_d(d, s, n);
    size_t len = 0;
#define PUTC(ch)                                                                                   \
    do {                                                                                           \
        if (len < bufsize) {                                                                       \
            buf[len] = (ch);                                                                       \
        }                                                                                          \
        len++;                                                                                     \
    } while (0)
    if (quoted) {
        PUTC('"');
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i] == '.' ? dot : s[i];
        if (quoted && c == '"') {
            PUTC('"');
        }
        PUTC(c);
    }
    if (quoted) {
        PUTC('"');
    }
#undef PUTC
    return len;
}

static void put_field_d(rg_buf *b, const rg_csv_dialect *d, int decimal, const char *s, size_t n)
{
    if (!d || d == &rg_csv_standard) {
        rg_csv_put_text(b, s, n);
        return;
    }
    size_t len = field_d(d, decimal, s, n, NULL, 0);
    char *tmp = rg_xmalloc(len ? len : 1);
    field_d(d, decimal, s, n, tmp, len);
    rg_buf_put(b, tmp, len);
    free(tmp);
}

void rg_csv_put_text(rg_buf *b, const char *s, size_t n)
{
    if (!rg_csv_needs_quotes(s, n)) {
        rg_buf_put(b, s, n);
        return;
    }
    rg_buf_put(b, "\"", 1);
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') {
            rg_buf_put(b, s + from, i + 1 - from); /* up to and with the quote */
            from = i;                              /* which goes again */
        }
    }
    rg_buf_put(b, s + from, n - from);
    rg_buf_put(b, "\"", 1);
}

void rg_csv_put_text_d(rg_buf *b, const rg_csv_dialect *d, const char *s, size_t n)
{
    put_field_d(b, d, 1, s, n);
}

size_t rg_csv_field(const char *s, size_t n, char *buf, size_t bufsize)
{
    return field_d(NULL, 0, s, n, buf, bufsize);
}

size_t rg_csv_field_d(const rg_csv_dialect *d, int decimal, const char *s, size_t n, char *buf,
                      size_t bufsize)
{
    return field_d(d, decimal, s, n, buf, bufsize);
}

void rg_csv_put_value_d(rg_buf *b, const rg_csv_dialect *d, const regie_value *v)
{
    char tmp[64];
    switch (v->type) {
    case REGIE_NULL:
        break;
    case REGIE_BOOL:
        rg_buf_puts(b, v->u.b ? "yes" : "no");
        break;
    case REGIE_INT:
        rg_buf_put(b, tmp, rg_fmt_int(tmp, v->u.i));
        break;
    case REGIE_NUM:
        rg_format_shortest(v->u.n, tmp, sizeof tmp);
        if (d && d->decimal != '.') { /* a number: its point, also in 1.5e-07 */
            char *dot = strchr(tmp, '.');
            if (dot) {
                *dot = d->decimal;
            }
        }
        rg_buf_puts(b, tmp);
        break;
    case REGIE_STR:
        put_field_d(b, d, 1, v->u.s.ptr, v->u.s.len);
        break;
    case REGIE_LIST: {
        char *s;
        if (d && d->list_sep != ';') { /* the items as the reader splits them in this dialect */
            rg_buf l = { 0 };
            rg_buf_puts(&l, "");
            for (size_t i = 0; v->u.list && i < v->u.list->n; i++) {
                char *item = rg_value_to_text(&v->u.list->items[i]);
                rg_buf_printf(&l, "%s%s", i ? "," : "", item);
                free(item);
            }
            s = l.data;
        } else {
            s = rg_value_to_text(v);
        }
        put_field_d(b, d, 0, s, strlen(s));
        free(s);
        break;
    }
    }
}

void rg_csv_put_value(rg_buf *b, const regie_value *v)
{
    rg_csv_put_value_d(b, NULL, v);
}

void rg_csv_put_name_d(rg_buf *b, const rg_csv_dialect *d, const char *name)
{
    size_t n = strlen(name);
    /* the other separator of the two quoted, so that the header is not
     * taken for one separated by it */
    char other = d && d->delim == ';' ? ',' : ';';
    if (memchr(name, other, n) && !rg_csv_needs_quotes_d(d, name, n)) {
        rg_buf_put(b, "\"", 1);
        rg_buf_put(b, name, n);
        rg_buf_put(b, "\"", 1);
        return;
    }
    put_field_d(b, d, 0, name, n);
}

void rg_csv_put_name(rg_buf *b, const char *name)
{
    rg_csv_put_name_d(b, NULL, name);
}

void rg_csv_begin(rg_buf *b, const rg_csv_dialect *d)
{
    if (d && d->bom) {
        rg_buf_put(b, "\xEF\xBB\xBF", 3);
    }
}

void rg_csv_write_d(rg_buf *out, const regie_table *t, const rg_csv_dialect *d)
{
    char delim = d ? d->delim : ',';
    rg_csv_begin(out, d);
    for (size_t c = 0; c < t->ncols; c++) {
        if (c) {
            rg_buf_put(out, &delim, 1);
        }
        rg_csv_put_name_d(out, d, t->cols[c]);
    }
    rg_buf_put(out, "\r\n", 2);
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            if (c) {
                rg_buf_put(out, &delim, 1);
            }
            rg_csv_put_value_d(out, d, rg_table_cell(t, r, c));
        }
        rg_buf_put(out, "\r\n", 2);
    }
}

void rg_csv_write(rg_buf *out, const regie_table *t)
{
    rg_csv_write_d(out, t, NULL);
}
