/* csv.c: CSV files read (libcsv) and written, column specs.
 * Named rg_csv.h: <csv.h> is libcsv's.  Not installed; exported names carry rg_. */
#ifndef REGIE_RG_CSV_H
#define REGIE_RG_CSV_H

#include "value.h"

typedef enum {
    RG_COL_TEXT = 0,
    RG_COL_ID,       /* [A-Za-z0-9_-]{1,32} */
    RG_COL_INTEGER,  /* -> REGIE_INT */
    RG_COL_DECIMAL,  /* -> REGIE_NUM; decimal comma only when the delimiter is ';' */
    RG_COL_BOOLEAN,  /* yes/no/ja/nee/1/0/true/false -> REGIE_BOOL */
    RG_COL_DATE,     /* YYYY-MM-DD -> REGIE_STR */
    RG_COL_DATETIME, /* YYYY-MM-DD or YYYY-MM-DDTHH:MM -> REGIE_STR as written */
    RG_COL_LIST      /* ';'-separated (',' when the file's delimiter is ';' ... see csv.c) -> REGIE_LIST of strings */
} rg_coltype;

typedef struct rg_colspec {
    char *name;
    rg_coltype type;
    int optional; /* the column may be absent from the header */
    int required; /* every cell must be non-empty */
    int trim;     /* spaces and tabs around a text value are not part of it */
    int dmy;      /* date(d-m-yyyy), datetime(d-m-yyyy): also the day-month-year
                   * dates of Dutch spreadsheets (9-1-2026, 9-1-2026 10:15),
                   * kept as ISO text (2026-01-09, 2026-01-09T10:15) */
} rg_colspec;

/* Parse "bid_id:id!, rate:decimal, region?:text~"  (! = value required,
 * ~ = spaces and tabs around the value trimmed, also in a text column;
 * ? = column optional; date(d-m-yyyy) and datetime(d-m-yyyy): dates also
 * as day-month-year).  Errors are reported as FILE:LINE. */
int rg_colspec_parse(const char *spec, const char *file, long line, rg_colspec **out, size_t *n,
                     rg_errors *errs);
void rg_colspec_free(rg_colspec *c, size_t n);
const char *rg_coltype_name(rg_coltype t);

/* Read a CSV file: RFC 4180, UTF-8 with or without BOM, ',' or ';' detected
 * from the header line, CRLF or LF.  Header row required.  With a spec, the
 * listed columns must be present and cells are converted; without one, every
 * cell is a string and empty cells are "" (not null).  Every data error of the
 * file is collected into errs as "FILE:LINE: column NAME: found VALUE,
 * expected WHAT"; structural errors (no header, unterminated quote, wrong
 * field count) stop at the first.  Columns not in the spec are kept as text.
 * If `unique` is non-NULL, that column's values must be unique.
 * Returns 0 and a table whose rows carry their line numbers, or -1. */
int rg_csv_read(const char *path, const rg_colspec *spec, size_t nspec, const char *unique,
                regie_table **out, rg_errors *errs);
/* Rows of text to a typed table, as a CSV file's are read: the header
 * (no duplicate, every column of the spec not optional present), then
 * each row's cells converted by the spec, every data error collected.  A
 * CSV file's rows and a sheet's (sheet.h) go through it alike. */
typedef struct rg_grid {
    const char *name;  /* the file: in messages, and the table's source */
    const char *sheet; /* NULL: a CSV file, errors FILE:LINE; a sheet's
                        * name: errors FILE:SHEET!CELL (line = row) */
    char delim;        /* CSV: the field separator (',' or ';') */
    size_t ncols;
    char **hdr;        /* ncols names (trimmed in place) */
    size_t nrows;      /* data rows */
    char ***cells;     /* [row][col] texts, modifiable (trimmed in place) */
    unsigned char **kinds; /* [row][col] REGIE_CELL_* (0: empty), or NULL:
                            * every cell is CSV text */
    size_t *rowlen;    /* CSV: fields each row has (NULL: ncols) */
    long *line;        /* [row] its line (a sheet: its row number) */
} rg_grid;
int rg_grid_to_table(rg_grid *g, const rg_colspec *spec, size_t nspec, const char *unique,
                     regie_table **out, rg_errors *errs);
/* A cell's name: row 5, column 4 -> "D5". */
void rg_cell_ref(uint32_t row, uint32_t col, char buf[24]);
/* A spreadsheet's day number (1900 system) as ISO text (2026-01-09, with
 * with_time also 2026-01-09T10:15): 0; -1 no such date; 1 it has a time
 * and with_time is 0. */
int rg_serial_to_iso(double serial, int with_time, char iso[32]);

/* The encodings an input file may be declared in (`encoding =`). */
typedef enum { RG_ENC_UTF8 = 0, RG_ENC_CP1252 } rg_encoding;
/* "utf-8" (also utf8), "cp1252" (also windows-1252): 0, or -1. */
int rg_encoding_parse(const char *name, rg_encoding *enc);
/* rg_csv_read of an input file declared in `enc`: a cp1252 file is
 * converted to UTF-8 (iconv) before it is parsed, a byte that is no
 * character of cp1252 reported as FILE:LINE; a file read as UTF-8 that is
 * not says so with the hint to declare `encoding = cp1252`. */
int rg_csv_read_enc(const char *path, rg_encoding enc, const rg_colspec *spec, size_t nspec,
                    const char *unique, regie_table **out, rg_errors *errs);
/* data (len bytes) in cp1252 as UTF-8 (*out malloc'd, *outlen); -1 with
 * the line of the first byte that is not a cp1252 character in *badline. */
int rg_cp1252_to_utf8(const char *data, size_t len, char **out, size_t *outlen, long *badline);
/* Same, from memory; `name` is used in messages and as the table source. */
int rg_csv_parse(const char *name, const char *data, size_t len, const rg_colspec *spec,
                 size_t nspec, const char *unique, regie_table **out, rg_errors *errs);
/* Write a table as CSV that spreadsheets open: ',' delimiter, CRLF, quotes
 * where needed, numbers with '.', integers as integers, NUM with the shortest
 * round-trip text, lists joined with ';', null as empty, booleans yes/no. */
void rg_csv_write(rg_buf *out, const regie_table *t);
/* One field as rg_csv_write writes it: text quoted when it holds a comma,
 * quote or line break or starts or ends with a space; null empty;
 * booleans yes/no; numbers in their shortest exact text. */
void rg_csv_put_text(rg_buf *b, const char *s, size_t n);
int rg_csv_needs_quotes(const char *s, size_t n);
/* The same field into a buffer: at most bufsize bytes of it (no NUL);
 * returns its whole length (the host table's csv_field). */
size_t rg_csv_field(const char *s, size_t n, char *buf, size_t bufsize);
/* A column name in a header line: also quoted when it holds a ';' (the
 * reader takes a header with more ';' than ',' outside quotes for one
 * separated by ';'). */
void rg_csv_put_name(rg_buf *b, const char *name);
void rg_csv_put_value(rg_buf *b, const regie_value *v);

/* ---- dialects: one writer, two ways of writing ----
 * standard: the contract's CSV for machines (',', decimal point, no BOM).
 * dutch: what Dutch Excel opens as is (';', decimal comma, a UTF-8 BOM).
 * Both end lines with CRLF.  The decimal rule of the dutch dialect: a
 * number (REGIE_NUM) is written with ',' for its point; a text field gets
 * ',' for its point only when it is exactly a decimal number, -?D+.D+
 * (one or more digits, a point, one or more digits: 67.92, -0.5); every
 * other text (dates, times, 1.2.3, 1e5, .5, ids), integers and booleans
 * are written as they are.  A list's items are joined with ',' (as the
 * reader splits a list in a ';' file) and keep their points.  Fields are
 * quoted when they hold the dialect's separator, a quote, a line break,
 * or begin or end with a space or tab; a header name also when it holds
 * the other separator.  A NULL dialect is the standard one. */
typedef struct rg_csv_dialect {
    const char *name; /* as configured: csv = standard | dutch */
    char delim;       /* field separator */
    char decimal;     /* decimal separator of numbers */
    char list_sep;    /* between the items of a list in a field */
    int bom;          /* a file begins with the UTF-8 byte order mark */
} rg_csv_dialect;
extern const rg_csv_dialect rg_csv_standard;
extern const rg_csv_dialect rg_csv_dutch;
/* "standard" or "dutch"; NULL for another name. */
const rg_csv_dialect *rg_csv_dialect_find(const char *name);
/* Whether s (n bytes) is exactly a decimal number -?D+.D+ (the decimal rule). */
int rg_csv_is_decimal_text(const char *s, size_t n);
int rg_csv_needs_quotes_d(const rg_csv_dialect *d, const char *s, size_t n);
/* A text field (the decimal rule applies). */
void rg_csv_put_text_d(rg_buf *b, const rg_csv_dialect *d, const char *s, size_t n);
/* rg_csv_field in dialect d; decimal: whether the decimal rule applies. */
size_t rg_csv_field_d(const rg_csv_dialect *d, int decimal, const char *s, size_t n, char *buf,
                      size_t bufsize);
void rg_csv_put_name_d(rg_buf *b, const rg_csv_dialect *d, const char *name);
void rg_csv_put_value_d(rg_buf *b, const rg_csv_dialect *d, const regie_value *v);
/* What a file in dialect d begins with: the BOM, or nothing. */
void rg_csv_begin(rg_buf *b, const rg_csv_dialect *d);
/* rg_csv_write in dialect d: the BOM, the header, the rows. */
void rg_csv_write_d(rg_buf *out, const regie_table *t, const rg_csv_dialect *d);

#endif /* REGIE_RG_CSV_H */
