/* xlsx_write - writes datasets the step reads into one Excel workbook (.xlsx)
 * in the output directory, a sheet each, on libxlsxwriter.
 *
 * Cells keep their type: integers and numbers are numbers (a number keeps
 * its double exactly; shown with the decimals the column's data has, or the
 * column's format from `formats`), booleans are booleans, a text that is
 * exactly a valid ISO date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM[:SS])
 * is a date, every other text is text (also one beginning with '=': never a
 * formula), a list is its items joined with "; ", null an empty cell.  The
 * header row is bold, frozen and has an autofilter; each column is as wide as
 * its longest text (at most 60 characters).
 *
 * The same data gives the same bytes: the document's creation time is
 * SOURCE_DATE_EPOCH (or 1980-01-01 00:00 UTC), and libxlsxwriter gives every
 * member of the zip container the fixed time 1980-01-01 00:00.
 *
 * libxlsxwriter writes to a file by name: the workbook goes to a temporary
 * file first, then through host->write_file (atomic, recorded among the
 * run's outputs).  Its constant-memory mode streams each row to a temporary
 * file as the next begins (texts as inline strings, not a shared table):
 * at 100,000 records of 18 columns the step holds tens of MB, not hundreds;
 * rows are written in order, so nothing is lost by it.
 *
 * The plain form (one step type named as the plugin); with the host's ABI 2
 * step types it can become a type `xlsx-write` of a plugin `xlsx`. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <regie.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

static const regie_param params[] = {
    { "data", REGIE_PARAM_LIST, 1, NULL,
      "the datasets to write, each one of the step's reads, in order: a sheet each (a table as a "
      "header row and its records; a single value as a sheet of one column named as the dataset)",
      0 },
    { "file", REGIE_PARAM_STRING, 1, NULL,
      "the workbook, below the output directory, ending in .xlsx (no '..', not absolute), e.g. "
      "ranking.xlsx",
      0 },
    { "sheets", REGIE_PARAM_LIST, 0, NULL,
      "sheet names as DATA:NAME, e.g. `ranking:Ranking, scores:Scores per criterion` (default: the "
      "dataset's name); Excel's rules: at most 31 characters, none of [ ] : * ? / \\, not "
      "beginning or ending with ', unique regardless of case",
      0 },
    { "formats", REGIE_PARAM_LIST, 0, NULL,
      "Excel number formats per column as COLUMN:FORMAT, e.g. `total:0.00, share:0%, "
      "price:#,##0.00` (a piece without ':' belongs to the format before it), for the numbers and "
      "dates of that column in every sheet; `*:FORMAT` for every other column holding decimal "
      "numbers (not only integers); default: a number shows the most decimals its column's data "
      "has, a date dd-mm-yyyy, a date-time dd-mm-yyyy hh:mm",
      0 },
    { "freeze", REGIE_PARAM_BOOL, 0, "yes", "freeze the header row (it stays in view)", 0 },
    { "autofilter", REGIE_PARAM_BOOL, 0, "yes", "put filter buttons on the header row", 0 },
    { "title", REGIE_PARAM_STRING, 0, NULL, "the document's title (its properties)", 0 },
    { "author", REGIE_PARAM_STRING, 0, NULL, "the document's author (its properties)", 0 },
    { 0 },
};

#define MAX_SHEET_NAME 31
#define MAX_WIDTH 60.0
#define MIN_WIDTH 6.0
#define MAX_ROWS 1048576u /* Excel's, the header included */
#define MAX_COLS 16384u
#define MAX_TEXT 32767u     /* characters in a cell */
#define ZIP_EPOCH 315532800 /* 1980-01-01 00:00:00 UTC, the zip format's first time */

/* One dataset to write. */
typedef struct sheet {
    const char *data;     /* the dataset's name */
    char *name;           /* the sheet's name */
    const regie_table *t; /* a table, or NULL for a single value */
    regie_value value;    /* the single value */
} sheet;

/* A column's number format from `formats`. */
typedef struct colfmt {
    char *column, *format;
    int used;
} colfmt;

typedef struct job {
    const regie_host *h;
    regie_ctx *ctx;
    sheet *sheets;
    size_t nsheets;
    colfmt *fmts;
    size_t nfmts;
    lxw_workbook *wb;
    lxw_format *bold, *date, *datetime, *datetime_s;
    /* number formats made so far, by their text */
    char **numfmt_text;
    lxw_format **numfmt;
    size_t nnumfmt;
} job;

static char *xstrdup(const char *s)
{
    char *p = strdup(s ? s : "");
    if (!p) {
        abort();
    }
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);
    if (!p) {
        abort();
    }
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        abort();
    }
    return p;
}

/* s without blanks around it, as a new string. */
static char *trimmed(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1])) {
        n--;
    }
    return xstrndup(s, n);
}

/* Characters of UTF-8 text (bytes that do not continue a sequence). */
static size_t utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            c++;
        }
    }
    return c;
}

/* Whether s (n bytes) is well-formed UTF-8 without NUL. */
static int utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t k;
        unsigned min;
        if (c == 0) {
            return 0;
        } else if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            k = 1, min = 0x80, c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2, min = 0x800, c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3, min = 0x10000, c &= 0x07;
        } else {
            return 0;
        }
        if (i + k >= n) {
            return 0;
        }
        for (size_t j = 1; j <= k; j++) {
            if ((p[i + j] & 0xC0) != 0x80) {
                return 0;
            }
            c = (c << 6) | (p[i + j] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
            return 0;
        }
        i += k + 1;
    }
    return 1;
}

/* ---- dates ---- */
static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int two(const char *s)
{
    return isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1])
               ? (s[0] - '0') * 10 + (s[1] - '0')
               : -1;
}

/* A text that is exactly a valid ISO date (kind 1), date-time to the minute
 * (2) or to the second (3) in Excel's years (1900-9999); 0: not one. */
static int iso_datetime(const char *s, size_t n, lxw_datetime *dt)
{
    if (n != 10 && n != 16 && n != 19) {
        return 0;
    }
    for (int i = 0; i < 4; i++) {
        if (!isdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    if (s[4] != '-' || s[7] != '-') {
        return 0;
    }
    int y = atoi(s), m = two(s + 5), d = two(s + 8);
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap(y))) {
        return 0;
    }
    memset(dt, 0, sizeof *dt);
    dt->year = y;
    dt->month = (uint8_t)m;
    dt->day = (uint8_t)d;
    if (n == 10) {
        return 1;
    }
    if (s[10] != 'T' || s[13] != ':') {
        return 0;
    }
    int hh = two(s + 11), mm = two(s + 14), ss = 0;
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59) {
        return 0;
    }
    if (n == 19) {
        ss = two(s + 17);
        if (s[16] != ':' || ss < 0 || ss > 59) {
            return 0;
        }
    }
    dt->hour = (uint8_t)hh;
    dt->min = (uint8_t)mm;
    dt->sec = ss;
    return n == 16 ? 2 : 3;
}

/* ---- text of values ---- */
typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static void put(sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

/* Decimals of the shortest fixed text that reads back as x (at most 17);
 * -1 when none fits (very large or small: General shows it). */
static int num_decimals(double x)
{
    if (!isfinite(x) || x <= -1e15 || x >= 1e15) {
        return -1;
    }
    char t[64];
    for (int d = 0; d <= 17; d++) {
        snprintf(t, sizeof t, "%.*f", d, x);
        if (strtod(t, NULL) == x) {
            return d;
        }
    }
    return -1;
}

static void num_text(double x, sbuf *b)
{
    char t[64];
    int d = num_decimals(x);
    if (d >= 0) {
        snprintf(t, sizeof t, "%.*f", d, x);
    } else {
        snprintf(t, sizeof t, "%.17g", x);
    }
    put(b, t, strlen(t));
}

/* A value as text: a list's items joined with "; ". */
static void value_text(const regie_host *h, const regie_value *v, sbuf *b)
{
    char t[32];
    switch (v->type) {
    case REGIE_NULL:
        break;
    case REGIE_BOOL:
        put(b, v->u.b ? "yes" : "no", v->u.b ? 3 : 2);
        break;
    case REGIE_INT:
        snprintf(t, sizeof t, "%" PRId64, v->u.i);
        put(b, t, strlen(t));
        break;
    case REGIE_NUM:
        num_text(v->u.n, b);
        break;
    case REGIE_STR:
        put(b, v->u.s.ptr ? v->u.s.ptr : "", v->u.s.ptr ? v->u.s.len : 0);
        break;
    case REGIE_LIST:
        for (size_t i = 0; i < h->list_len(v->u.list); i++) {
            if (i) {
                put(b, "; ", 2);
            }
            value_text(h, h->list_at(v->u.list, i), b);
        }
        break;
    }
}

/* ---- parameters ---- */
/* A LIST parameter's items (split at commas, trimmed, empty ones dropped). */
static char **split_list(const char *s, size_t *n)
{
    char **v = NULL;
    *n = 0;
    while (s && *s) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        char *item = trimmed(s, len);
        if (*item) {
            v = xrealloc(v, (*n + 1) * sizeof *v);
            v[(*n)++] = item;
        } else {
            free(item);
        }
        s = e ? e + 1 : NULL;
    }
    return v;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i]);
    }
    free(v);
}

/* Why name cannot be a sheet's name, or NULL. */
static const char *bad_sheet_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0) {
        return "it is empty";
    }
    if (!utf8_valid(name, n)) {
        return "it is not valid UTF-8";
    }
    if (utf8_chars(name, n) > MAX_SHEET_NAME) {
        return "it is longer than 31 characters";
    }
    if (strpbrk(name, "[]:*?/\\")) {
        return "it holds one of [ ] : * ? / \\";
    }
    if (name[0] == '\'' || name[n - 1] == '\'') {
        return "it begins or ends with '";
    }
    if (strcasecmp(name, "History") == 0) {
        return "Excel reserves the name History";
    }
    return NULL;
}

static int check_file(const regie_host *h, regie_ctx *ctx, const char *file)
{
    size_t n = strlen(file);
    if (n < 6 || strcasecmp(file + n - 5, ".xlsx") != 0 || file[n - 6] == '/') {
        return h->fail(ctx,
                       "parameter file: \"%s\" does not end in .xlsx (expected a workbook name "
                       "such as ranking.xlsx)",
                       file);
    }
    if (file[0] == '/') {
        return h->fail(
            ctx, "parameter file: \"%s\" is absolute (expected a path below the output directory)",
            file);
    }
    for (const char *s = file; *s;) {
        const char *e = strchr(s, '/');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == 2 && s[0] == '.' && s[1] == '.') {
            return h->fail(
                ctx,
                "parameter file: \"%s\" holds '..' (expected a path below the output directory)",
                file);
        }
        s = e ? e + 1 : s + len;
    }
    return 0;
}

/* `formats`: COLUMN:FORMAT items; a piece without ':' continues the format
 * before it (a format may hold a comma: #,##0.00). */
static int parse_formats(job *j, const char *text)
{
    size_t n;
    char **v = split_list(text, &n);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *colon = strchr(v[i], ':');
        if (!colon) {
            if (j->nfmts == 0) {
                rc = j->h->fail(j->ctx, "parameter formats: \"%s\" is not COLUMN:FORMAT", v[i]);
                break;
            }
            colfmt *f = &j->fmts[j->nfmts - 1];
            size_t a = strlen(f->format), b = strlen(v[i]);
            f->format = xrealloc(f->format, a + b + 2);
            f->format[a] = ',';
            memcpy(f->format + a + 1, v[i], b + 1);
            continue;
        }
        char *col = trimmed(v[i], (size_t)(colon - v[i]));
        char *fmt = trimmed(colon + 1, strlen(colon + 1));
        if (!*col || !*fmt) {
            rc = j->h->fail(
                j->ctx, "parameter formats: \"%s\" is not COLUMN:FORMAT (e.g. total:0.00)", v[i]);
            free(col);
            free(fmt);
            break;
        }
        for (size_t k = 0; k < j->nfmts; k++) {
            if (strcmp(j->fmts[k].column, col) == 0) {
                rc = j->h->fail(j->ctx, "parameter formats: column %s is given twice", col);
            }
        }
        j->fmts = xrealloc(j->fmts, (j->nfmts + 1) * sizeof *j->fmts);
        j->fmts[j->nfmts++] = (colfmt){ col, fmt, 0 };
    }
    free_list(v, n);
    return rc;
}

/* `data` and `sheets`: the datasets, their sheets' names. */
static int parse_sheets(job *j, const char *data, const char *sheets)
{
    const regie_host *h = j->h;
    size_t nd, ns;
    char **d = split_list(data, &nd);
    char **s = split_list(sheets, &ns);
    int rc = 0;
    if (nd == 0) {
        rc = h->fail(j->ctx,
                     "parameter data: no dataset named (expected one or more of the step's reads)");
        goto out;
    }
    j->sheets = calloc(nd, sizeof *j->sheets);
    if (!j->sheets) {
        abort();
    }
    for (size_t i = 0; i < nd; i++) {
        for (size_t k = 0; k < i; k++) {
            if (strcmp(d[k], d[i]) == 0) {
                rc = h->fail(j->ctx, "parameter data: %s is named twice", d[i]);
                goto out;
            }
        }
        j->sheets[i].data = d[i];
        j->nsheets = i + 1;
    }
    for (size_t i = 0; i < ns; i++) {
        char *colon = strchr(s[i], ':');
        char *key = colon ? trimmed(s[i], (size_t)(colon - s[i])) : NULL;
        sheet *sh = NULL;
        for (size_t k = 0; key && k < j->nsheets; k++) {
            if (strcmp(j->sheets[k].data, key) == 0) {
                sh = &j->sheets[k];
            }
        }
        if (!colon) {
            rc = h->fail(j->ctx, "parameter sheets: \"%s\" is not DATA:NAME (e.g. ranking:Ranking)",
                         s[i]);
        } else if (!sh) {
            rc = h->fail(j->ctx,
                         "parameter sheets: \"%s\" is not among the datasets of parameter data",
                         key);
        } else if (sh->name) {
            rc = h->fail(j->ctx, "parameter sheets: %s is named twice", key);
        } else {
            sh->name = trimmed(colon + 1, strlen(colon + 1));
        }
        free(key);
        if (rc) {
            goto out;
        }
    }
    for (size_t i = 0; i < j->nsheets; i++) {
        sheet *sh = &j->sheets[i];
        if (!sh->name) {
            sh->name = xstrdup(sh->data);
        }
        const char *why = bad_sheet_name(sh->name);
        if (why) {
            rc = h->fail(j->ctx,
                         "dataset %s: \"%s\" cannot be a sheet's name: %s (name the sheet with "
                         "parameter sheets = %s:NAME)",
                         sh->data, sh->name, why, sh->data);
            goto out;
        }
        for (size_t k = 0; k < i; k++) {
            if (strcasecmp(j->sheets[k].name, sh->name) == 0) {
                rc = h->fail(j->ctx,
                             "datasets %s and %s: the same sheet name \"%s\" (Excel's sheet names "
                             "are unique regardless of case)",
                             j->sheets[k].data, sh->data, sh->name);
                goto out;
            }
        }
    }
out:
    /* the dataset names stay, owned by the sheets */
    if (j->sheets) {
        for (size_t i = j->nsheets; i < nd; i++) {
            free(d[i]);
        }
        free(d);
    } else {
        free_list(d, nd);
    }
    free_list(s, ns);
    return rc;
}

/* ---- writing ---- */
static lxw_format *number_format(job *j, const char *text)
{
    for (size_t i = 0; i < j->nnumfmt; i++) {
        if (strcmp(j->numfmt_text[i], text) == 0) {
            return j->numfmt[i];
        }
    }
    lxw_format *f = workbook_add_format(j->wb);
    format_set_num_format(f, text);
    j->numfmt_text = xrealloc(j->numfmt_text, (j->nnumfmt + 1) * sizeof *j->numfmt_text);
    j->numfmt = xrealloc(j->numfmt, (j->nnumfmt + 1) * sizeof *j->numfmt);
    j->numfmt_text[j->nnumfmt] = xstrdup(text);
    j->numfmt[j->nnumfmt++] = f;
    return f;
}

static const char *user_format(job *j, const char *column)
{
    for (size_t i = 0; i < j->nfmts; i++) {
        if (strcmp(j->fmts[i].column, column) == 0) {
            j->fmts[i].used = 1;
            return j->fmts[i].format;
        }
    }
    return NULL;
}

/* The cells of one column: name, its values (a getter over rows). */
typedef struct column {
    const char *name;
    lxw_format *num;  /* numbers: the column's format */
    lxw_format *user; /* `formats`: also for dates */
    double width;
} column;

static const regie_value *cell_at(job *j, const sheet *sh, size_t r, size_t c)
{
    return sh->t ? j->h->table_cell(sh->t, r, c) : &sh->value;
}

static int write_sheet(job *j, sheet *sh)
{
    const regie_host *h = j->h;
    regie_ctx *ctx = j->ctx;
    size_t nc = sh->t ? h->table_cols(sh->t) : 1, nr = sh->t ? h->table_rows(sh->t) : 1;
    if (nr + 1 > MAX_ROWS || nc > MAX_COLS) {
        return h->fail(ctx,
                       "dataset %s: %zu records of %zu columns do not fit a sheet (Excel's limit: "
                       "%u rows with the header, %u columns)",
                       sh->data, nr, nc, MAX_ROWS, MAX_COLS);
    }
    lxw_worksheet *ws = workbook_add_worksheet(j->wb, sh->name);
    if (!ws) {
        return h->fail(ctx, "dataset %s: libxlsxwriter refuses the sheet name \"%s\"", sh->data,
                       sh->name);
    }
    column *cols = calloc(nc ? nc : 1, sizeof *cols);
    if (!cols) {
        abort();
    }
    sbuf b = { 0 };
    int rc = 0;
    /* a column's number format: the user's, else the decimals its numbers have */
    for (size_t c = 0; c < nc; c++) {
        column *col = &cols[c];
        col->name = sh->t ? h->table_colname(sh->t, c) : sh->data;
        const char *uf = user_format(j, col->name);
        if (uf) {
            col->user = col->num = number_format(j, uf);
            continue;
        }
        int dec = -2; /* -2: no number, -1: General */
        int decimal = 0; /* the column holds decimal numbers (not only integers) */
        for (size_t r = 0; r < nr; r++) {
            const regie_value *v = cell_at(j, sh, r, c);
            if (v->type == REGIE_INT && dec == -2) {
                dec = v->u.i > -1000000000000000LL && v->u.i < 1000000000000000LL ? 0 : -1;
            } else if (v->type == REGIE_NUM) {
                int d = num_decimals(v->u.n);
                decimal = 1;
                dec = dec == -1 || d < 0 || d > 10 ? -1 : d > dec ? d : dec;
            }
        }
        const char *any = decimal ? user_format(j, "*") : NULL;
        if (any) {
            col->num = number_format(j, any);
        } else if (dec >= 0) {
            char f[16] = "0";
            if (dec > 0) {
                f[1] = '.';
                memset(f + 2, '0', (size_t)dec);
                f[2 + dec] = 0;
            }
            col->num = number_format(j, f);
        }
    }
    for (size_t c = 0; c < nc; c++) {
        const char *name = cols[c].name;
        size_t len = strlen(name);
        if (!utf8_valid(name, len)) {
            rc = h->fail(ctx, "dataset %s: the name of column %zu is not valid UTF-8", sh->data,
                         c + 1);
            goto out;
        }
        cols[c].width = (double)utf8_chars(name, len) + 3; /* room for the filter button */
        lxw_error e = worksheet_write_string(ws, 0, (lxw_col_t)c, name, j->bold);
        if (e != LXW_NO_ERROR) {
            rc = h->fail(ctx, "dataset %s: column %s: %s", sh->data, name, lxw_strerror(e));
            goto out;
        }
    }
    for (size_t r = 0; r < nr; r++) {
        if ((r & 4095) == 4095 && h->cancelled(ctx)) {
            rc = h->fail(ctx, "cancelled");
            goto out;
        }
        lxw_row_t row = (lxw_row_t)(r + 1);
        for (size_t c = 0; c < nc; c++) {
            column *col = &cols[c];
            const regie_value *v = cell_at(j, sh, r, c);
            lxw_error e = LXW_NO_ERROR;
            lxw_datetime dt;
            int kind;
            double w = 0;
            b.len = 0;
            switch (v->type) {
            case REGIE_NULL:
                break;
            case REGIE_BOOL:
                e = worksheet_write_boolean(ws, row, (lxw_col_t)c, v->u.b ? 1 : 0, NULL);
                w = 5;
                break;
            case REGIE_INT:
                if (v->u.i > -(1LL << 53) && v->u.i < (1LL << 53)) {
                    e = worksheet_write_number(ws, row, (lxw_col_t)c, (double)v->u.i, col->num);
                    value_text(h, v, &b);
                    w = (double)b.len;
                    break;
                }
                /* beyond a double's exact integers: as text, every digit kept */
                value_text(h, v, &b);
                e = worksheet_write_string(ws, row, (lxw_col_t)c, b.p, NULL);
                w = (double)b.len;
                break;
            case REGIE_NUM:
                if (!isfinite(v->u.n)) {
                    rc = h->fail(
                        ctx,
                        "dataset %s: record %zu, column %s: %s is not a number a sheet can hold",
                        sh->data, r + 1, col->name, isnan(v->u.n) ? "NaN" : "an infinity");
                    goto out;
                }
                e = worksheet_write_number(ws, row, (lxw_col_t)c, v->u.n, col->num);
                value_text(h, v, &b);
                w = (double)b.len + 1;
                break;
            case REGIE_STR:
            case REGIE_LIST:
                if (v->type == REGIE_STR &&
                    (kind = iso_datetime(v->u.s.ptr, v->u.s.len, &dt)) != 0) {
                    lxw_format *f = col->user   ? col->user
                                    : kind == 1 ? j->date
                                    : kind == 2 ? j->datetime
                                                : j->datetime_s;
                    e = worksheet_write_datetime(ws, row, (lxw_col_t)c, &dt, f);
                    w = kind == 1 ? 10 : kind == 2 ? 16 : 19;
                    break;
                }
                value_text(h, v, &b);
                if (!utf8_valid(b.p ? b.p : "", b.len)) {
                    rc = h->fail(ctx,
                                 "dataset %s: record %zu, column %s: the text is not valid UTF-8 "
                                 "(or holds a NUL byte)",
                                 sh->data, r + 1, col->name);
                    goto out;
                }
                if (utf8_chars(b.p ? b.p : "", b.len) > MAX_TEXT) {
                    rc = h->fail(ctx,
                                 "dataset %s: record %zu, column %s: a text of %zu characters (a "
                                 "cell holds at most %u)",
                                 sh->data, r + 1, col->name, utf8_chars(b.p, b.len), MAX_TEXT);
                    goto out;
                }
                /* always a string cell: a text beginning with '=' stays text */
                if (b.len) {
                    e = worksheet_write_string(ws, row, (lxw_col_t)c, b.p, NULL);
                    w = (double)utf8_chars(b.p, b.len);
                }
                break;
            }
            if (e != LXW_NO_ERROR) {
                rc = h->fail(ctx, "dataset %s: record %zu, column %s: %s", sh->data, r + 1,
                             col->name, lxw_strerror(e));
                goto out;
            }
            if (w + 1 > col->width) {
                col->width = w + 1;
            }
        }
    }
    for (size_t c = 0; c < nc; c++) {
        double w = cols[c].width < MIN_WIDTH   ? MIN_WIDTH
                   : cols[c].width > MAX_WIDTH ? MAX_WIDTH
                                               : cols[c].width;
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, w, NULL);
    }
    if (h->param_bool(ctx, "freeze", 1)) {
        worksheet_freeze_panes(ws, 1, 0);
    }
    if (h->param_bool(ctx, "autofilter", 1) && nc > 0) {
        worksheet_autofilter(ws, 0, 0, (lxw_row_t)nr, (lxw_col_t)(nc - 1));
    }
out:
    free(b.p);
    free(cols);
    return rc;
}

/* The whole file at path into memory. */
static int slurp(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return -1;
    }
    sbuf b = { 0 };
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        put(&b, chunk, n);
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(b.p);
        return -1;
    }
    *data = b.p;
    *len = b.len;
    return 0;
}

/* The document's creation time: SOURCE_DATE_EPOCH, or the zip epoch. */
static time_t created_time(void)
{
    const char *s = getenv("SOURCE_DATE_EPOCH");
    if (s && *s) {
        char *end;
        errno = 0;
        long long t = strtoll(s, &end, 10);
        if (!*end && errno == 0 && t >= ZIP_EPOCH && t < 253402300800LL) {
            return (time_t)t;
        }
    }
    return (time_t)ZIP_EPOCH;
}

static int xlsx_write_run(const regie_host *h, regie_ctx *ctx, void *state)
{
    (void)state;
    const char *file = h->param(ctx, "file");
    job j = { .h = h, .ctx = ctx };
    char tmp[4096] = "";
    int fd = -1, rc = 0;
    char *data = NULL;
    size_t len = 0;
    if (!file || check_file(h, ctx, file) != 0) {
        return file ? -1 : h->fail(ctx, "parameter file is required");
    }
    if (parse_sheets(&j, h->param(ctx, "data"), h->param(ctx, "sheets")) != 0 ||
        parse_formats(&j, h->param(ctx, "formats")) != 0) {
        rc = -1;
        goto out;
    }
    for (size_t i = 0; i < j.nsheets; i++) {
        sheet *sh = &j.sheets[i];
        sh->t = h->input_table(ctx, sh->data);
        if (!sh->t && h->input_value(ctx, sh->data, &sh->value) != 0) {
            rc = h->fail(ctx,
                         "parameter data: no dataset %s (expected one of the step's reads; an "
                         "optional read, ?NAME, must be there too)",
                         sh->data);
            goto out;
        }
    }

    const char *tdir = getenv("TMPDIR");
    snprintf(tmp, sizeof tmp, "%s/regie-xlsx-XXXXXX", tdir && *tdir ? tdir : "/tmp");
    fd = mkstemp(tmp);
    if (fd < 0) {
        rc = h->fail(ctx, "cannot make a temporary file %s: %s", tmp, strerror(errno));
        tmp[0] = 0;
        goto out;
    }
    close(fd);
    lxw_workbook_options opt = { .constant_memory = 1, .tmpdir = NULL, .use_zip64 = 0 };
    j.wb = workbook_new_opt(tmp, &opt);
    if (!j.wb) {
        rc = h->fail(ctx, "cannot start the workbook in %s", tmp);
        goto out;
    }
    lxw_doc_properties props = { 0 };
    props.title = (char *)h->param(ctx, "title");
    props.author = (char *)h->param(ctx, "author");
    props.created = created_time();
    workbook_set_properties(j.wb, &props);
    j.bold = workbook_add_format(j.wb);
    format_set_bold(j.bold);
    j.date = number_format(&j, "dd-mm-yyyy");
    j.datetime = number_format(&j, "dd-mm-yyyy hh:mm");
    j.datetime_s = number_format(&j, "dd-mm-yyyy hh:mm:ss");
    for (size_t i = 0; i < j.nsheets && rc == 0; i++) {
        rc = write_sheet(&j, &j.sheets[i]);
    }
    for (size_t i = 0; i < j.nfmts && rc == 0; i++) {
        if (!j.fmts[i].used && strcmp(j.fmts[i].column, "*") != 0) {
            rc = h->fail(ctx, "parameter formats: no sheet has a column %s", j.fmts[i].column);
        }
    }
    lxw_error e = workbook_close(j.wb); /* frees the workbook, also after a failure */
    j.wb = NULL;
    if (rc != 0) {
        goto out;
    }
    if (e != LXW_NO_ERROR) {
        rc = h->fail(ctx, "cannot write the workbook %s: %s", file, lxw_strerror(e));
        goto out;
    }
    if (slurp(tmp, &data, &len) != 0) {
        rc = h->fail(ctx, "cannot read back %s: %s", tmp, strerror(errno));
        goto out;
    }
    rc = h->write_file(ctx, file, data, len);
    if (rc == 0) {
        h->log(ctx, REGIE_LOG_INFO, "%s: %zu sheet(s), %zu bytes", file, j.nsheets, len);
    }
out:
    if (tmp[0]) {
        unlink(tmp);
    }
    free(data);
    for (size_t i = 0; i < j.nsheets; i++) {
        free((char *)j.sheets[i].data);
        free(j.sheets[i].name);
    }
    free(j.sheets);
    for (size_t i = 0; i < j.nfmts; i++) {
        free(j.fmts[i].column);
        free(j.fmts[i].format);
    }
    free(j.fmts);
    for (size_t i = 0; i < j.nnumfmt; i++) {
        free(j.numfmt_text[i]);
    }
    free(j.numfmt_text);
    free(j.numfmt);
    return rc;
}

const regie_plugin regie_plugin_entry = REGIE_PLUGIN_INIT(
    "xlsx-write", "1.0",
    "write datasets into an Excel workbook (.xlsx), a sheet each, with typed cells", params, NULL,
    xlsx_write_run, NULL);
