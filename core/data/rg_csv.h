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
} rg_colspec;

/* Parse "bid_id:id!, rate:decimal, region?:text~"  (! = value required,
 * ~ = spaces and tabs around the value trimmed, also in a text column;
 * ? = column optional).  Errors are reported as FILE:LINE. */
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

#endif /* REGIE_RG_CSV_H */
