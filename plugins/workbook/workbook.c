/* workbook.c - the workbook plugin: .xlsx (xlsx.c) and .ods (ods.c)
 * workbooks as inputs, read by regie as CSV files are; and what both
 * readers share: the zip archive with its limits, expat, cell texts. */
#include "workbook.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the archive ---- */
int wb_open(wb_archive *a, const regie_host *host, regie_ctx *ctx, const char *path)
{
    memset(a, 0, sizeof *a);
    a->host = host;
    a->ctx = ctx;
    int err = 0;
    a->z = zip_open(path, ZIP_RDONLY, &err);
    if (!a->z) {
        if (ctx) {
            zip_error_t ze;
            zip_error_init_with_code(&ze, err);
            host->fail(ctx, "not a readable zip archive: %s", zip_error_strerror(&ze));
            zip_error_fini(&ze);
        }
        return -1;
    }
    return 0;
}

void wb_close(wb_archive *a)
{
    if (a->z) {
        zip_discard(a->z);
        a->z = NULL;
    }
}

int wb_has(wb_archive *a, const char *name)
{
    return zip_name_locate(a->z, name, 0) >= 0;
}

static int fail(wb_archive *a, const char *fmt, const char *name)
{
    if (a->ctx) {
        a->host->fail(a->ctx, fmt, name);
    }
    return -1;
}

/* Read the entry in parts through fn; -1 after a failure said. */
static int each_part(wb_archive *a, const char *name, int optional,
                     int (*fn)(void *ud, const char *buf, size_t n, int last), void *ud)
{
    zip_int64_t idx = zip_name_locate(a->z, name, 0);
    if (idx < 0) {
        return optional ? 1 : fail(a, "the workbook lacks its part %s (damaged?)", name);
    }
    zip_stat_t st;
    if (zip_stat_index(a->z, (zip_uint64_t)idx, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE) &&
        st.size > WB_MAX_BYTES - a->unpacked) {
        return fail(a, "the workbook's part %s unpacks to more than 256 MB (a zip bomb?): "
                       "refused",
                    name);
    }
    zip_file_t *f = zip_fopen_index(a->z, (zip_uint64_t)idx, 0);
    if (!f) {
        return fail(a, "the workbook's part %s cannot be unpacked (damaged, or encrypted?)", name);
    }
    char buf[65536];
    int rc = 0;
    for (;;) {
        zip_int64_t got = zip_fread(f, buf, sizeof buf);
        if (got < 0) {
            rc = fail(a, "the workbook's part %s cannot be unpacked (damaged?)", name);
            break;
        }
        a->unpacked += (uint64_t)got;
        if (a->unpacked > WB_MAX_BYTES) {
            /* the declared size may lie */
            rc = fail(a, "the workbook unpacks to more than 256 MB (a zip bomb?), in part %s: "
                         "refused",
                      name);
            break;
        }
        if (fn(ud, buf, (size_t)got, got == 0) != 0) {
            rc = -1;
            break;
        }
        if (got == 0) {
            break;
        }
    }
    zip_fclose(f);
    return rc;
}

static int collect(void *ud, const char *buf, size_t n, int last)
{
    (void)last;
    wb_text_put(ud, buf, n);
    return 0;
}

char *wb_read(wb_archive *a, const char *name, size_t *len, int optional)
{
    wb_text t = { 0 };
    int rc = each_part(a, name, optional, collect, &t);
    if (rc != 0) {
        wb_text_free(&t);
        return NULL;
    }
    wb_text_put(&t, "", 0);
    *len = t.len;
    return t.s;
}

typedef struct parse_ud {
    wb_archive *a;
    XML_Parser p;
    const char *name;
} parse_ud;

static int feed(void *ud, const char *buf, size_t n, int last)
{
    parse_ud *pu = ud;
    if (XML_Parse(pu->p, buf, (int)n, last) == XML_STATUS_ERROR) {
        if (XML_GetErrorCode(pu->p) == XML_ERROR_ABORTED) {
            return -1; /* a handler stopped it, having said why */
        }
        if (pu->a->ctx) {
            pu->a->host->fail(pu->a->ctx, "the workbook's part %s is not well-formed XML: %s "
                              "at line %lu",
                              pu->name, XML_ErrorString(XML_GetErrorCode(pu->p)),
                              (unsigned long)XML_GetCurrentLineNumber(pu->p));
        }
        return -1;
    }
    return 0;
}

int wb_parse(wb_archive *a, const char *name, XML_Parser p)
{
    parse_ud pu = { a, p, name };
    return each_part(a, name, 0, feed, &pu) == 0 ? 0 : -1;
}

XML_Parser wb_parser(void *ud, XML_StartElementHandler start, XML_EndElementHandler end,
                     XML_CharacterDataHandler text)
{
    XML_Parser p = XML_ParserCreateNS("UTF-8", '|');
    if (!p) {
        return NULL;
    }
    XML_SetUserData(p, ud);
    XML_SetElementHandler(p, start, end);
    XML_SetCharacterDataHandler(p, text);
    return p;
}

const char *wb_local(const char *name)
{
    const char *bar = strrchr(name, '|');
    return bar ? bar + 1 : name;
}

const char *wb_attr(const char **atts, const char *local)
{
    for (size_t i = 0; atts[i]; i += 2) {
        if (strcmp(wb_local(atts[i]), local) == 0) {
            return atts[i + 1];
        }
    }
    return NULL;
}

/* ---- texts ---- */
void wb_text_put(wb_text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 64;
        while (cap < t->len + n + 1) {
            cap *= 2;
        }
        char *ns = realloc(t->s, cap);
        if (!ns) {
            abort();
        }
        t->s = ns;
        t->cap = cap;
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = 0;
}

void wb_text_clear(wb_text *t)
{
    t->len = 0;
    if (t->s) {
        t->s[0] = 0;
    }
}

void wb_text_free(wb_text *t)
{
    free(t->s);
    memset(t, 0, sizeof *t);
}

void wb_names_push(char ***v, size_t *n, const char *s)
{
    char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv) {
        abort();
    }
    *v = nv;
    nv[(*n)++] = strdup(s);
}

void wb_names_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i]);
    }
    free(v);
}

void wb_number_text(double x, char *buf, size_t bufsize)
{
    if (x == 0 || !isfinite(x)) {
        snprintf(buf, bufsize, "0");
        return;
    }
    snprintf(buf, bufsize, "%.15g", x);
    char *e = strchr(buf, 'e');
    if (!e) {
        return;
    }
    int exp = atoi(e + 1);
    if (exp >= 0) {
        snprintf(buf, bufsize, "%.0f", x); /* whole: 1e+20 as its digits */
        return;
    }
    /* small: the 15 significant digits after the leading zeros */
    int decimals = 14 - exp;
    if (decimals > 330) {
        decimals = 330;
    }
    snprintf(buf, bufsize, "%.*f", decimals, x);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *end = buf + strlen(buf);
        while (end > dot + 1 && end[-1] == '0') {
            *--end = 0;
        }
        if (end == dot + 1) {
            *dot = 0;
        }
    }
}

int wb_serial_cell(const regie_host *host, double serial, int date1904, char *buf, size_t bufsize)
{
    if (!(serial >= 0 && serial < 2958466)) {
        wb_number_text(serial, buf, bufsize);
        return REGIE_CELL_NUMBER;
    }
    double whole = floor(serial);
    long secs = lround((serial - whole) * 86400.0);
    long days = (long)whole;
    if (secs >= 86400) {
        days++;
        secs -= 86400;
    }
    char time[48] = "";
    if (secs) {
        if (secs % 60) {
            snprintf(time, sizeof time, "%02ld:%02ld:%02ld", secs / 3600, secs / 60 % 60,
                     secs % 60);
        } else {
            snprintf(time, sizeof time, "%02ld:%02ld", secs / 3600, secs / 60 % 60);
        }
    }
    if (days == 0 && !date1904) {
        /* a time alone (day 0 is 1900-01-00) */
        snprintf(buf, bufsize, "%s", secs ? time : "00:00");
        return REGIE_CELL_TEXT;
    }
    int32_t day;
    if (date1904) {
        day = (int32_t)(days - 24107); /* 1904-01-01 */
    } else if (days == 60) {
        /* 29 February 1900, which was no day: as the number it is */
        wb_number_text(serial, buf, bufsize);
        return REGIE_CELL_NUMBER;
    } else {
        /* day 1 is 1900-01-01; Lotus took 1900 for a leap year */
        day = (int32_t)(days - (days < 60 ? 25568 : 25569));
    }
    char date[11];
    host->date_format(day, date);
    snprintf(buf, bufsize, "%s%s%s", date, secs ? "T" : "", time);
    return REGIE_CELL_DATE;
}

int wb_cell(wb_out *o, uint32_t row, uint32_t col, int kind, const char *text)
{
    if (++o->cells > WB_MAX_CELLS) {
        return o->host->fail(o->ctx, "more than %u cells in the sheet: refused", WB_MAX_CELLS);
    }
    return o->host->sheet_cell(o->ctx, row, col, kind, text);
}

/* ---- Lua: regie.plugin.workbook.sheets(path) ---- */
/* The tables owning the results of Lua calls: one per thread (its last
 * result), each freed at that thread's next call or at fini. */
static pthread_mutex_t owners_mu = PTHREAD_MUTEX_INITIALIZER;
static regie_table **owners;
static size_t nowners;
static const regie_host *owners_host;
static __thread regie_table *my_owner;

/* This thread's owner for a new result (its last one freed), or NULL. */
static regie_table *owner_renew(const regie_host *host, regie_ctx *ctx)
{
    pthread_mutex_lock(&owners_mu);
    owners_host = host;
    for (size_t i = 0; my_owner && i < nowners; i++) { /* (not there: a fini freed it) */
        if (owners[i] == my_owner) {
            host->table_free(my_owner);
            owners[i] = owners[--nowners];
            break;
        }
    }
    my_owner = NULL;
    regie_table **v = realloc(owners, (nowners + 1) * sizeof *v);
    if (v) {
        owners = v;
        my_owner = host->table_new(ctx, 0, NULL);
        if (my_owner) {
            owners[nowners++] = my_owner;
        }
    }
    pthread_mutex_unlock(&owners_mu);
    return my_owner;
}

static void wb_fini(void *state)
{
    (void)state;
    pthread_mutex_lock(&owners_mu);
    for (size_t i = 0; i < nowners; i++) {
        owners_host->table_free(owners[i]);
    }
    free(owners);
    owners = NULL;
    nowners = 0;
    pthread_mutex_unlock(&owners_mu);
}

static int lua_sheets(const regie_host *host, regie_ctx *ctx, void *state, const regie_value *args,
                      size_t nargs, regie_value *result)
{
    (void)state;
    if (nargs != 1 || args[0].type != REGIE_STR) {
        return host->fail(ctx, "workbook.sheets(path): expected the path of a workbook");
    }
    const char *path = args[0].u.s.ptr;
    char **names = NULL;
    size_t n = 0;
    int rc;
    if (wb_xlsx_sniff(NULL, path, NULL, 0) == 1) {
        rc = wb_xlsx_sheets(host, ctx, path, &names, &n);
    } else if (wb_ods_sniff(NULL, path, NULL, 0) == 1) {
        rc = wb_ods_sheets(host, ctx, path, &names, &n);
    } else {
        return host->fail(ctx, "workbook.sheets: %s: not an .xlsx or .ods workbook", path);
    }
    if (rc != 0) {
        wb_names_free(names, n);
        return -1;
    }
    /* the host copies the result when the call returns: its owner lives
     * until this thread's next call, or the plugin's fini */
    regie_table *owner = owner_renew(host, ctx);
    regie_list *l = owner ? host->list_new(owner) : NULL;
    for (size_t i = 0; l && i < n; i++) {
        regie_value v = { .type = REGIE_STR };
        v.u.s.ptr = names[i];
        v.u.s.len = strlen(names[i]);
        host->list_push(l, &v);
    }
    wb_names_free(names, n);
    if (!l) {
        return host->fail(ctx, "workbook.sheets: out of memory");
    }
    result->type = REGIE_LIST;
    result->u.list = l;
    return 0;
}

static const regie_reader readers[] = {
    { sizeof(regie_reader), "xlsx",
      "Excel workbooks (.xlsx, Office Open XML): one sheet (sheet = NAME, else the first); "
      "shared and inline strings, numbers, booleans, error values, formulas' saved results, "
      "date cells by their number format (1900 and 1904 date systems)",
      wb_xlsx_sniff, wb_xlsx_read },
    { sizeof(regie_reader), "ods",
      "OpenDocument spreadsheets (.ods, LibreOffice Calc): one table (sheet = NAME, else the "
      "first); text, numbers, percentages, currencies, dates, times, booleans, repeated and "
      "covered cells",
      wb_ods_sniff, wb_ods_read },
    { 0 }
};

static const regie_lua_fn lua_fns[] = {
    { "sheets", "sheets(path): the names of a workbook's sheets, in order (.xlsx or .ods)",
      lua_sheets },
    { 0 }
};

const regie_plugin regie_plugin_entry =
    REGIE_PLUGIN_V2("workbook", "0.2",
                    "Excel (.xlsx) and OpenDocument (.ods) workbooks as inputs: a csv input "
                    "given a workbook reads one of its sheets as a CSV file, with the same "
                    "columns, types and errors (FILE:SHEET!CELL)",
                    NULL, wb_fini, NULL, readers, lua_fns);
