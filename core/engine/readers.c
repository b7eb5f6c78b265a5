/* readers.c - workbook inputs: the file's content picks a plugin's reader
 * (or the input's `format =`), the reader hands the cells of one sheet
 * (host->sheet_name, host->sheet_cell) and sheet.c reads them as a CSV
 * file's rows are read. */
#include "readers.h"
#include "host.h"
#include "plugin.h"
#include "sheet.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What to do without the plugin that reads workbooks. */
#define NEED_PLUGIN                                                                                \
    "workbooks (.xlsx, .ods) are read by the workbook plugin: put workbook.so on the plugin "  \
    "path (`regie plugins` lists the loaded ones; it is built when libzip and expat are "       \
    "found: install libzip-dev and libexpat1-dev and configure regie again), or save the "      \
    "sheet as CSV"

int rg_reader_sheet_name(regie_ctx *ctx, const char *name)
{
    if (!ctx || !ctx->sheet) {
        return -1; /* not a reader's context */
    }
    return rg_sheet_set_name(ctx->sheet, name);
}

int rg_reader_sheet_cell(regie_ctx *ctx, uint32_t row, uint32_t col, int kind, const char *text)
{
    if (!ctx || !ctx->sheet) {
        return -1;
    }
    const char *why;
    if (rg_sheet_put(ctx->sheet, row, col, kind, text, &why) != 0) {
        if (!ctx->error) {
            ctx->error = rg_xstrdup(why);
        }
        return -1;
    }
    return 0;
}

typedef struct found {
    rg_plugin *plugin;
    const regie_reader *reader;
} found;

/* The readers of the loaded plugins, each plugin initialised once it is
 * needed; the one that sniffs the file (or whose format is `format`). */
static int find_reader(struct rg_plugins *ps, const regie_host *host, const char *format, const char *path,
                       const unsigned char *head, size_t n, found *f, rg_buf *formats,
                       rg_errors *errs)
{
    for (size_t i = 0; ps && i < ps->n; i++) {
        rg_plugin *p = &ps->v[i];
        for (size_t k = 0; k < p->nreaders; k++) {
            const regie_reader *r = &p->readers[k];
            rg_buf_printf(formats, "%s%s", formats->len ? ", " : "", r->format);
            if (format && strcmp(format, r->format) != 0) {
                continue;
            }
            if (rg_plugin_init(p, host, errs) != 0) {
                return -1;
            }
            if (format || (r->sniff && r->sniff(p->state, path, head, n) == 1)) {
                f->plugin = p;
                f->reader = r;
                return 0;
            }
        }
    }
    return 1;
}

int rg_readers_load(struct rg_plugins *ps, const regie_host *host, const rg_input *in,
                    const char *path, regie_table **out, rg_errors *errs)
{
    *out = NULL;
    unsigned char head[4096];
    size_t n = 0;
    FILE *fp = fopen(path, "rb");
    if (fp) {
        n = fread(head, 1, sizeof head, fp);
        fclose(fp);
    }
    int zip = n >= 4 && memcmp(head, "PK\x03\x04", 4) == 0;
    const char *format = in->format;
    if (format && strcmp(format, "csv") == 0) {
        if (zip) {
            rg_err_add(errs, path, 0,
                       "input %s: format = csv, but the file is a zip archive (a workbook?): "
                       "leave out format, or say which one (format = xlsx or ods)",
                       in->name);
            return -1;
        }
        return 1;
    }
    if (!format && !zip) {
        return 1; /* CSV: no plugin is asked */
    }
    found f = { 0 };
    rg_buf formats = { 0 };
    int rc = find_reader(ps, host, format, path, head, n, &f, &formats, errs);
    if (rc < 0) {
        rg_buf_free(&formats);
        return -1;
    }
    if (rc > 0) {
        if (format) {
            rg_err_add(errs, path, 0, "input %s: format = %s: no loaded plugin reads it "
                       "(readers: %s); %s",
                       in->name, format, formats.len ? formats.data : "none", NEED_PLUGIN);
        } else if (formats.len) {
            /* the readers are there: the archive is no workbook they know */
            rg_err_add(errs, path, 0, "input %s: a zip archive, not a CSV file, and no workbook "
                       "the readers know (%s): damaged, or another kind of archive?",
                       in->name, formats.data);
        } else {
            rg_err_add(errs, path, 0, "input %s: a zip archive, not a CSV file, and no loaded "
                       "plugin reads it; %s",
                       in->name, NEED_PLUGIN);
        }
        rg_buf_free(&formats);
        return -1;
    }
    rg_buf_free(&formats);
    if (format && f.reader->sniff && f.reader->sniff(f.plugin->state, path, head, n) != 1) {
        rg_err_add(errs, path, 0, "input %s: format = %s, but the file is no %s file%s", in->name,
                   format, format, zip ? "" : " (a CSV file? leave out format)");
        return -1;
    }
    rg_sheet sh;
    rg_sheet_init(&sh, path);
    regie_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.step = (size_t)-1;
    ctx.sheet = &sh;
    int rrc = f.reader->read(host, &ctx, f.plugin->state, path, in->sheet);
    if (rrc != 0 || ctx.error) {
        rg_err_add(errs, path, 0, "input %s: %s", in->name,
                   ctx.error ? ctx.error : "the workbook could not be read");
        free(ctx.error);
        rg_sheet_free(&sh);
        return -1;
    }
    if (!sh.name && in->sheet) {
        rg_sheet_set_name(&sh, in->sheet);
    }
    rc = rg_sheet_to_table(&sh, in->cols, in->ncols, in->unique, out, errs);
    rg_sheet_free(&sh);
    return rc;
}
