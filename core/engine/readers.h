/* readers.c - input files of other formats than CSV (workbooks), read by
 * the readers plugins offer (regie_reader) into a sheet (sheet.h) and
 * from there exactly as CSV. */
#ifndef REGIE_READERS_H
#define REGIE_READERS_H

#include "util.h"
#include "value.h"
#include "workflow.h"

struct rg_plugins;

/* Read the file at path of csv input `in` through a reader when its
 * content (or the input's `format =`) says it is no CSV file: 0 and the
 * table, -1 with errs (a workbook no reader reads, a format no plugin
 * has, an unreadable workbook, its data errors), or 1: a CSV file, read
 * it as such.  A file that does not begin as a zip archive is never
 * shown to a plugin (format = csv or none): CSV inputs cost one read of
 * four bytes. */
int rg_readers_load(struct rg_plugins *ps, const regie_host *host, const rg_input *in,
                    const char *path, regie_table **out, rg_errors *errs);

/* The host table's sheet_name and sheet_cell. */
int rg_reader_sheet_name(regie_ctx *ctx, const char *name);
int rg_reader_sheet_cell(regie_ctx *ctx, uint32_t row, uint32_t col, int kind, const char *text);

#endif /* REGIE_READERS_H */
