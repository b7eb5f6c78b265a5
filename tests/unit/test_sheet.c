/* Unit: a sheet's cells to a typed table (core/data/sheet.c) read as CSV
 * rows are, with what cells hold beyond text; and the reader lookup
 * without the workbook plugin (core/engine/readers.c). */
#define _GNU_SOURCE
#include "host.h"
#include "readers.h"
#include "sheet.h"
#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static const char *SPEC = "id:id!, n:integer, rate:decimal, day:date, at:datetime, ok:boolean, "
                          "note:text";

static regie_table *read_sheet(rg_sheet *sh, rg_errors *errs)
{
    rg_colspec *cs;
    size_t n;
    rg_errors perr = { 0 };
    ck_assert_int_eq(rg_colspec_parse(SPEC, "t", 1, &cs, &n, &perr), 0);
    rg_err_free(&perr);
    regie_table *t = NULL;
    rg_sheet_to_table(sh, cs, n, "id", &t, errs);
    rg_colspec_free(cs, n);
    return t;
}

static void header(rg_sheet *sh)
{
    static const char *const names[] = { "id", "n", "rate", "day", "at", "ok", "note" };
    const char *why;
    rg_sheet_init(sh, "b.xlsx");
    rg_sheet_set_name(sh, "Blad1");
    for (uint32_t c = 0; c < 7; c++) {
        ck_assert_int_eq(rg_sheet_put(sh, 1, c + 1, REGIE_CELL_TEXT, names[c], &why), 0);
    }
}

static void put(rg_sheet *sh, uint32_t row, uint32_t col, int kind, const char *text)
{
    const char *why;
    ck_assert_int_eq(rg_sheet_put(sh, row, col, kind, text, &why), 0);
}

START_TEST(cells_typed_as_csv_cells)
{
    rg_sheet sh;
    header(&sh);
    put(&sh, 2, 1, REGIE_CELL_TEXT, "A");
    put(&sh, 2, 2, REGIE_CELL_NUMBER, "5");
    put(&sh, 2, 3, REGIE_CELL_TEXT, " 95,5 "); /* typed in, decimal comma */
    put(&sh, 2, 4, REGIE_CELL_NUMBER, "46031");  /* a day number: 2026-01-09 */
    put(&sh, 2, 5, REGIE_CELL_DATE, "2026-01-09T10:15:00");
    put(&sh, 2, 6, REGIE_CELL_BOOL, "1");
    put(&sh, 2, 7, REGIE_CELL_NUMBER, "12");
    /* row 3 blank (skipped), row 4 given out of order, a cell twice */
    put(&sh, 4, 7, REGIE_CELL_TEXT, "x");
    put(&sh, 4, 1, REGIE_CELL_NUMBER, "7");
    put(&sh, 3, 2, REGIE_CELL_TEXT, "  ");
    put(&sh, 4, 3, REGIE_CELL_NUMBER, "1.25");
    put(&sh, 4, 4, REGIE_CELL_TEXT, "9-1-2026");
    put(&sh, 4, 5, REGIE_CELL_NUMBER, "46031.4270833333");
    put(&sh, 4, 6, REGIE_CELL_TEXT, "nee");
    put(&sh, 4, 7, REGIE_CELL_BOOL, "0");
    rg_errors errs = { 0 };
    regie_table *t = read_sheet(&sh, &errs);
    ck_assert_msg(t != NULL, "%s", errs.n ? errs.msg[0] : "?");
    ck_assert_uint_eq(t->nrows, 2);
    const regie_value *v = rg_table_cell(t, 0, 1);
    ck_assert_int_eq(v->type, REGIE_INT);
    ck_assert_int_eq(v->u.i, 5);
    v = rg_table_cell(t, 0, 2);
    ck_assert_int_eq(v->type, REGIE_NUM);
    ck_assert(v->u.n == 95.5);
    ck_assert_str_eq(rg_table_cell(t, 0, 3)->u.s.ptr, "2026-01-09");
    ck_assert_str_eq(rg_table_cell(t, 0, 4)->u.s.ptr, "2026-01-09T10:15");
    ck_assert_int_eq(rg_table_cell(t, 0, 5)->type, REGIE_BOOL);
    ck_assert_int_eq(rg_table_cell(t, 0, 5)->u.b, 1);
    ck_assert_str_eq(rg_table_cell(t, 0, 6)->u.s.ptr, "12"); /* no ".0" */
    ck_assert_str_eq(rg_table_cell(t, 1, 0)->u.s.ptr, "7");
    ck_assert_str_eq(rg_table_cell(t, 1, 3)->u.s.ptr, "2026-01-09");
    ck_assert_str_eq(rg_table_cell(t, 1, 4)->u.s.ptr, "2026-01-09T10:15");
    ck_assert_int_eq(rg_table_cell(t, 1, 5)->u.b, 0);
    ck_assert_str_eq(rg_table_cell(t, 1, 6)->u.s.ptr, "FALSE");
    ck_assert_int_eq(t->lines[1], 4);
    ck_assert_str_eq(t->source, "b.xlsx");
    rg_table_free(t);
    rg_err_free(&errs);
    rg_sheet_free(&sh);
}
END_TEST

START_TEST(errors_name_sheet_and_cell)
{
    rg_sheet sh;
    header(&sh);
    put(&sh, 2, 1, REGIE_CELL_TEXT, "A");
    put(&sh, 2, 2, REGIE_CELL_NUMBER, "5.5");
    put(&sh, 2, 3, REGIE_CELL_TEXT, "95,0x");
    put(&sh, 3, 1, REGIE_CELL_TEXT, "A");
    put(&sh, 3, 3, REGIE_CELL_ERROR, "#DIV/0!");
    put(&sh, 3, 4, REGIE_CELL_NUMBER, "60");
    put(&sh, 3, 9, REGIE_CELL_TEXT, "stray");
    rg_errors errs = { 0 };
    regie_table *t = read_sheet(&sh, &errs);
    ck_assert_ptr_null(t);
    ck_assert_uint_eq(errs.n, 1);
    ck_assert_str_eq(errs.msg[0], "b.xlsx:Blad1!I3: found \"stray\" in a column without a name "
                                  "in the header (row 1)");
    rg_err_free(&errs);
    rg_sheet_free(&sh);

    header(&sh);
    put(&sh, 2, 1, REGIE_CELL_TEXT, "A");
    put(&sh, 2, 2, REGIE_CELL_NUMBER, "5.5");
    put(&sh, 2, 3, REGIE_CELL_TEXT, "95,0x");
    put(&sh, 3, 1, REGIE_CELL_TEXT, "A");
    put(&sh, 3, 3, REGIE_CELL_ERROR, "#DIV/0!");
    put(&sh, 3, 4, REGIE_CELL_NUMBER, "60");
    t = read_sheet(&sh, &errs);
    ck_assert_ptr_null(t);
    ck_assert_uint_eq(errs.n, 5);
    ck_assert_str_eq(errs.msg[0], "b.xlsx:Blad1!B2: column n: found \"5.5\", expected an integer");
    ck_assert_str_eq(errs.msg[1],
                     "b.xlsx:Blad1!C2: column rate: found \"95,0x\", expected a number");
    ck_assert_str_eq(errs.msg[2], "b.xlsx:Blad1!C3: column rate: found \"#DIV/0!\" (an error of "
                                  "the cell's formula), expected a number");
    T_CONTAINS(errs.msg[3], "b.xlsx:Blad1!D3: column day: found \"60\", expected a date");
    ck_assert_str_eq(errs.msg[4], "b.xlsx:Blad1!A3: column id: found \"A\", expected a unique "
                                  "value (first at A2)");
    rg_err_free(&errs);
    rg_sheet_free(&sh);

    /* the header */
    rg_sheet_init(&sh, "b.ods");
    rg_sheet_set_name(&sh, "T");
    put(&sh, 1, 1, REGIE_CELL_TEXT, "id");
    put(&sh, 1, 2, REGIE_CELL_TEXT, "id");
    t = read_sheet(&sh, &errs);
    ck_assert_ptr_null(t);
    ck_assert_str_eq(errs.msg[0], "b.ods:T!B1: duplicate column id in the header");
    T_CONTAINS(errs.msg[1], "b.ods:T, row 1: missing columns n, rate, day, at, ok, note");
    rg_err_free(&errs);
    rg_sheet_free(&sh);
}
END_TEST

START_TEST(serials_and_limits)
{
    char iso[32];
    ck_assert_int_eq(rg_serial_to_iso(1, 0, iso), 0);
    ck_assert_str_eq(iso, "1900-01-01");
    ck_assert_int_eq(rg_serial_to_iso(59, 0, iso), 0);
    ck_assert_str_eq(iso, "1900-02-28");
    ck_assert_int_eq(rg_serial_to_iso(60, 0, iso), -1); /* 1900-02-29 never was */
    ck_assert_int_eq(rg_serial_to_iso(61, 0, iso), 0);
    ck_assert_str_eq(iso, "1900-03-01");
    ck_assert_int_eq(rg_serial_to_iso(46031.5, 1, iso), 0);
    ck_assert_str_eq(iso, "2026-01-09T12:00");
    ck_assert_int_eq(rg_serial_to_iso(46031.5, 0, iso), 1);
    char ref[24];
    rg_cell_ref(5, 4, ref);
    ck_assert_str_eq(ref, "D5");
    rg_cell_ref(1, 28, ref);
    ck_assert_str_eq(ref, "AB1");
    rg_cell_ref(1048576, 16384, ref);
    ck_assert_str_eq(ref, "XFD1048576");
    rg_sheet sh;
    rg_sheet_init(&sh, "x");
    const char *why = NULL;
    ck_assert_int_eq(rg_sheet_put(&sh, 1048577, 1, REGIE_CELL_TEXT, "a", &why), -1);
    ck_assert_ptr_nonnull(why);
    ck_assert_int_eq(rg_sheet_put(&sh, 1, 16385, REGIE_CELL_TEXT, "a", &why), -1);
    ck_assert_int_eq(rg_sheet_put(&sh, 1, 1, 9, "a", &why), -1);
    rg_errors errs = { 0 };
    regie_table *t = NULL;
    ck_assert_int_eq(rg_sheet_to_table(&sh, NULL, 0, NULL, &t, &errs), -1);
    ck_assert_str_eq(errs.msg[0], "x: sheet Sheet1: empty sheet, expected the names of the "
                                  "columns in row 1");
    rg_err_free(&errs);
    rg_sheet_free(&sh);
}
END_TEST

/* Without the plugin: a workbook is refused saying what to do; a CSV
 * file is left to the CSV reader. */
START_TEST(no_reader_for_a_workbook)
{
    rg_input in;
    memset(&in, 0, sizeof in);
    in.name = "bids";
    char *xlsx = t_src("tests/fixtures/workbook/bids.xlsx");
    char *csv = t_src("tests/fixtures/workbook/really_csv.xlsx");
    rg_errors errs = { 0 };
    regie_table *t = NULL;
    ck_assert_int_eq(rg_readers_load(NULL, &rg_host, &in, csv, &t, &errs), 1);
    ck_assert_int_eq(rg_readers_load(NULL, &rg_host, &in, xlsx, &t, &errs), -1);
    ck_assert_ptr_null(t);
    T_CONTAINS(errs.msg[0], "bids.xlsx: input bids: a zip archive, not a CSV file, and no loaded "
                            "plugin reads it; workbooks (.xlsx, .ods) are read by the workbook "
                            "plugin: put workbook.so on the plugin path");
    T_CONTAINS(errs.msg[0], "install libzip-dev and libexpat1-dev");
    in.format = "csv";
    ck_assert_int_eq(rg_readers_load(NULL, &rg_host, &in, xlsx, &t, &errs), -1);
    T_CONTAINS(errs.msg[1], "format = csv, but the file is a zip archive");
    in.format = "xlsx";
    ck_assert_int_eq(rg_readers_load(NULL, &rg_host, &in, xlsx, &t, &errs), -1);
    T_CONTAINS(errs.msg[2], "input bids: format = xlsx: no loaded plugin reads it (readers: none)");
    rg_err_free(&errs);
    free(xlsx);
    free(csv);
}
END_TEST

Suite *suite_sheet(void);
Suite *suite_sheet(void)
{
    Suite *s = suite_create("sheet");
    TCase *tc = tcase_create("sheet");
    tcase_add_test(tc, cells_typed_as_csv_cells);
    tcase_add_test(tc, errors_name_sheet_and_cell);
    tcase_add_test(tc, serials_and_limits);
    tcase_add_test(tc, no_reader_for_a_workbook);
    suite_add_tcase(s, tc);
    return s;
}
