/* sheet.c - one sheet of a workbook, as a reader hands its cells
 * (host->sheet_name, host->sheet_cell), to a typed table read exactly as
 * a CSV file is (rg_grid_to_table): same column specs, types and errors,
 * each error naming FILE:SHEET!CELL. */
#ifndef REGIE_SHEET_H
#define REGIE_SHEET_H

#include "rg_csv.h"

/* At most this many cells a sheet (a zip bomb of a workbook is refused
 * by the reader first; this is the host's own limit). */
#define RG_SHEET_MAX_CELLS 5000000u
/* The largest sheet a spreadsheet has: 1048576 rows, 16384 columns (XFD). */
#define RG_SHEET_MAX_ROW 1048576u
#define RG_SHEET_MAX_COL 16384u

typedef struct rg_sheet_cell {
    uint32_t row, col; /* from 1 */
    uint32_t seq;      /* order handed: a cell given twice keeps the last */
    unsigned char kind; /* REGIE_CELL_* */
    char *text;
} rg_sheet_cell;

typedef struct rg_sheet {
    char *file; /* the workbook: messages and the table's source */
    char *name; /* the sheet's (sheet_name), or NULL */
    rg_sheet_cell *cells;
    size_t n, cap;
} rg_sheet;

void rg_sheet_init(rg_sheet *sh, const char *file);
void rg_sheet_free(rg_sheet *sh);
int rg_sheet_set_name(rg_sheet *sh, const char *name);
/* Add one cell; -1 with *why set (a constant) when it cannot be: a row or
 * column out of a spreadsheet's range, an unknown kind, too many cells. */
int rg_sheet_put(rg_sheet *sh, uint32_t row, uint32_t col, int kind, const char *text,
                 const char **why);
/* The sheet as a table: row 1 the header, rows that are blank skipped,
 * cells converted by spec as CSV cells are (sheet specifics in csv.c's
 * convert_cell: numbers, dates, booleans and error values of cells).
 * Rows carry their row numbers; the source is the file. */
int rg_sheet_to_table(rg_sheet *sh, const rg_colspec *spec, size_t nspec, const char *unique,
                      regie_table **out, rg_errors *errs);

#endif /* REGIE_SHEET_H */
