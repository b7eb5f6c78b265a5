/* workbook.h - what the readers of the workbook plugin share: the zip
 * archive (libzip) with limits against zip bombs, XML through expat, and
 * the text forms of cells that regie.h gives. */
#ifndef REGIE_WORKBOOK_H
#define REGIE_WORKBOOK_H

#include <regie.h>

#include <expat.h>
#include <stddef.h>
#include <stdint.h>
#include <zip.h>

/* At most this much XML is unpacked from one workbook (a zip bomb packs
 * gigabytes into kilobytes), and at most this many cells are handed. */
#define WB_MAX_BYTES (256u * 1024u * 1024u)
#define WB_MAX_CELLS 5000000u
#define WB_MAX_ROW 1048576u
#define WB_MAX_COL 16384u

typedef struct wb_archive {
    const regie_host *host;
    regie_ctx *ctx;
    zip_t *z;
    uint64_t unpacked; /* bytes unpacked so far, against WB_MAX_BYTES */
} wb_archive;

/* Open path (NULL ctx: quietly, for sniffing).  0 or -1 after host->fail. */
int wb_open(wb_archive *a, const regie_host *host, regie_ctx *ctx, const char *path);
void wb_close(wb_archive *a);
int wb_has(wb_archive *a, const char *name);
/* The whole entry, NUL-terminated (malloc'd); NULL after host->fail (or
 * quietly when missing and `optional`). */
char *wb_read(wb_archive *a, const char *name, size_t *len, int optional);
/* Stream the entry through parser p.  0, or -1 after host->fail. */
int wb_parse(wb_archive *a, const char *name, XML_Parser p);
/* An expat parser whose names are "URI|local" (wb_local gives local). */
XML_Parser wb_parser(void *ud, XML_StartElementHandler start, XML_EndElementHandler end,
                     XML_CharacterDataHandler text);
const char *wb_local(const char *name);
/* An attribute by its local name, or NULL. */
const char *wb_attr(const char **atts, const char *local);

/* A growing text. */
typedef struct wb_text {
    char *s;
    size_t len, cap;
} wb_text;
void wb_text_put(wb_text *t, const char *s, size_t n);
void wb_text_clear(wb_text *t);
void wb_text_free(wb_text *t);

/* A number's text as regie.h says: '.', no exponent, 15 significant digits. */
void wb_number_text(double x, char *buf, size_t bufsize);
/* A spreadsheet day number as a cell: DATE "2026-01-09[THH:MM[:SS]]",
 * TEXT "10:15" for a time alone; returns the kind. */
int wb_serial_cell(const regie_host *host, double serial, int date1904, char *buf, size_t bufsize);

/* Cells handed to the host, counted. */
typedef struct wb_out {
    const regie_host *host;
    regie_ctx *ctx;
    size_t cells;
} wb_out;
int wb_cell(wb_out *o, uint32_t row, uint32_t col, int kind, const char *text);

int wb_xlsx_sniff(void *state, const char *path, const unsigned char *head, size_t n);
int wb_xlsx_read(const regie_host *host, regie_ctx *ctx, void *state, const char *path,
                 const char *sheet);
int wb_xlsx_sheets(const regie_host *host, regie_ctx *ctx, const char *path, char ***names,
                   size_t *n);
int wb_ods_sniff(void *state, const char *path, const unsigned char *head, size_t n);
int wb_ods_read(const regie_host *host, regie_ctx *ctx, void *state, const char *path,
                const char *sheet);
int wb_ods_sheets(const regie_host *host, regie_ctx *ctx, const char *path, char ***names,
                  size_t *n);

/* A list of names. */
void wb_names_push(char ***v, size_t *n, const char *s);
void wb_names_free(char **v, size_t n);

#endif /* REGIE_WORKBOOK_H */
