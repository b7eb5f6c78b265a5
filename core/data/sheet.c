/* sheet.c - the cells of one sheet to a typed table (see sheet.h). */
#include "sheet.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void rg_sheet_init(rg_sheet *sh, const char *file)
{
    memset(sh, 0, sizeof *sh);
    sh->file = rg_xstrdup(file);
}

void rg_sheet_free(rg_sheet *sh)
{
    for (size_t i = 0; i < sh->n; i++) {
        free(sh->cells[i].text);
    }
    free(sh->cells);
    free(sh->file);
    free(sh->name);
    memset(sh, 0, sizeof *sh);
}

int rg_sheet_set_name(rg_sheet *sh, const char *name)
{
    free(sh->name);
    sh->name = rg_xstrdup(name ? name : "");
    return 0;
}

int rg_sheet_put(rg_sheet *sh, uint32_t row, uint32_t col, int kind, const char *text,
                 const char **why)
{
    if (row < 1 || row > RG_SHEET_MAX_ROW || col < 1 || col > RG_SHEET_MAX_COL) {
        *why = "a cell outside a sheet's 1048576 rows and 16384 columns";
        return -1;
    }
    if (kind < REGIE_CELL_TEXT || kind > REGIE_CELL_ERROR) {
        *why = "a cell of an unknown kind";
        return -1;
    }
    if (sh->n >= RG_SHEET_MAX_CELLS) {
        *why = "more than 5000000 cells in the sheet";
        return -1;
    }
    if (sh->n == sh->cap) {
        sh->cap = sh->cap ? sh->cap * 2 : 256;
        sh->cells = rg_xrealloc(sh->cells, sh->cap * sizeof *sh->cells);
    }
    rg_sheet_cell *c = &sh->cells[sh->n];
    c->row = row;
    c->col = col;
    c->seq = (uint32_t)sh->n;
    c->kind = (unsigned char)kind;
    c->text = rg_xstrdup(text ? text : "");
    sh->n++;
    return 0;
}

static int cell_cmp(const void *a, const void *b)
{
    const rg_sheet_cell *x = a, *y = b;
    if (x->row != y->row) {
        return x->row < y->row ? -1 : 1;
    }
    if (x->col != y->col) {
        return x->col < y->col ? -1 : 1;
    }
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int blank(const char *s)
{
    return s[strspn(s, " \t\r\n")] == 0;
}

static void cell_err(const rg_sheet *sh, rg_errors *errs, uint32_t row, uint32_t col,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void cell_err(const rg_sheet *sh, rg_errors *errs, uint32_t row, uint32_t col,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = rg_xvasprintf(fmt, ap);
    va_end(ap);
    char ref[24];
    rg_cell_ref(row, col, ref);
    rg_err_add(errs, sh->file, row, "%s", text);
    free(errs->msg[errs->n - 1]);
    errs->msg[errs->n - 1] = rg_xasprintf("%s:%s!%s: %s", sh->file, sh->name, ref, text);
    free(text);
}

int rg_sheet_to_table(rg_sheet *sh, const rg_colspec *spec, size_t nspec, const char *unique,
                      regie_table **out, rg_errors *errs)
{
    *out = NULL;
    if (!sh->name) {
        sh->name = rg_xstrdup("Sheet1");
    }
    if (sh->n) {
        qsort(sh->cells, sh->n, sizeof *sh->cells, cell_cmp);
    }
    /* a cell given twice: the last one (sorted after the earlier) */
    size_t k = 0;
    for (size_t i = 0; i < sh->n; i++) {
        if (k && sh->cells[k - 1].row == sh->cells[i].row &&
            sh->cells[k - 1].col == sh->cells[i].col) {
            free(sh->cells[k - 1].text);
            sh->cells[k - 1] = sh->cells[i];
        } else {
            sh->cells[k++] = sh->cells[i];
        }
    }
    sh->n = k;
    /* the header: row 1, up to its last name */
    size_t ncols = 0, i = 0;
    for (; i < sh->n && sh->cells[i].row == 1; i++) {
        if (!blank(sh->cells[i].text)) {
            ncols = sh->cells[i].col;
        }
    }
    if (ncols == 0) {
        rg_err_add(errs, sh->file, 0, "sheet %s: %s, expected the names of the columns in row 1",
                   sh->name, sh->n ? "row 1 is empty" : "empty sheet");
        return -1;
    }
    size_t before = errs->n;
    char **hdr = rg_xcalloc(ncols, sizeof *hdr);
    for (size_t j = 0; j < i; j++) {
        if (sh->cells[j].col <= ncols) {
            hdr[sh->cells[j].col - 1] = rg_xstrdup(sh->cells[j].text);
        }
    }
    for (size_t c = 0; c < ncols; c++) {
        if (!hdr[c]) {
            hdr[c] = rg_xstrdup("");
        }
    }
    /* the rows: each row of cells not all blank */
    size_t caprows = 64, nrows = 0;
    char ***cells = rg_xmalloc(caprows * sizeof *cells);
    unsigned char **kinds = rg_xmalloc(caprows * sizeof *kinds);
    long *line = rg_xmalloc(caprows * sizeof *line);
    while (i < sh->n) {
        uint32_t row = sh->cells[i].row;
        size_t from = i;
        int empty = 1;
        for (; i < sh->n && sh->cells[i].row == row; i++) {
            if (blank(sh->cells[i].text)) {
                continue;
            }
            empty = 0;
            if (sh->cells[i].col > ncols) {
                cell_err(sh, errs, row, sh->cells[i].col,
                         "found \"%s\" in a column without a name in the header (row 1)",
                         sh->cells[i].text);
            }
        }
        if (empty) {
            continue;
        }
        if (nrows == caprows) {
            caprows *= 2;
            cells = rg_xrealloc(cells, caprows * sizeof *cells);
            kinds = rg_xrealloc(kinds, caprows * sizeof *kinds);
            line = rg_xrealloc(line, caprows * sizeof *line);
        }
        char **rc = rg_xcalloc(ncols, sizeof *rc);
        unsigned char *rk = rg_xcalloc(ncols, 1);
        for (size_t j = from; j < i; j++) {
            size_t c = sh->cells[j].col;
            if (c <= ncols) {
                rc[c - 1] = sh->cells[j].text;
                sh->cells[j].text = NULL; /* the row owns it now */
                rk[c - 1] = sh->cells[j].kind;
            }
        }
        for (size_t c = 0; c < ncols; c++) {
            if (!rc[c]) {
                rc[c] = rg_xstrdup("");
            }
        }
        cells[nrows] = rc;
        kinds[nrows] = rk;
        line[nrows] = (long)row;
        nrows++;
    }
    int rc = -1;
    if (errs->n == before) {
        rg_grid g = { 0 };
        g.name = sh->file;
        g.sheet = sh->name;
        g.delim = ',';
        g.ncols = ncols;
        g.hdr = hdr;
        g.nrows = nrows;
        g.cells = cells;
        g.kinds = kinds;
        g.line = line;
        rc = rg_grid_to_table(&g, spec, nspec, unique, out, errs);
    }
    for (size_t r = 0; r < nrows; r++) {
        for (size_t c = 0; c < ncols; c++) {
            free(cells[r][c]);
        }
        free(cells[r]);
        free(kinds[r]);
    }
    free(cells);
    free(kinds);
    free(line);
    for (size_t c = 0; c < ncols; c++) {
        free(hdr[c]);
    }
    free(hdr);
    return rc;
}
