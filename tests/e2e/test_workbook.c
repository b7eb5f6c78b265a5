/* End-to-end: workbooks (.xlsx, .ods) as inputs of the tender workflow,
 * read by the workbook plugin through the real `regie` binary: the same
 * results as from the CSV files, errors naming FILE:SHEET!CELL, the
 * file's content (not its name) deciding how it is read. */
#define _GNU_SOURCE
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const EXAMPLE[] = { "tender.ini", "criteria.csv", "bids.csv", "ko.csv",
                                       "scores.csv", "interviews.csv", NULL };

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    if (!in) {
        return -1;
    }
    FILE *out = fopen(to, "wb");
    if (!out) {
        fclose(in);
        return -1;
    }
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        fwrite(buf, 1, n, out);
    }
    fclose(in);
    return fclose(out);
}

/* tmp/<name> = examples/tender plus fixtures (NULL-terminated pairs:
 * fixture file, name in the case). */
static char *stage(const char *name, const char *const *fixtures)
{
    char *dir = t_asprintf("%s/%s", t_dir, name);
    mkdir(dir, 0755);
    for (int i = 0; EXAMPLE[i]; i++) {
        char *rel = t_asprintf("examples/tender/%s", EXAMPLE[i]);
        char *src = t_src(rel);
        char *dst = t_asprintf("%s/%s", dir, EXAMPLE[i]);
        ck_assert_int_eq(copy_file(src, dst), 0);
        free(dst);
        free(src);
        free(rel);
    }
    for (int i = 0; fixtures && fixtures[i]; i += 2) {
        char *rel = t_asprintf("tests/fixtures/workbook/%s", fixtures[i]);
        char *src = t_src(rel);
        char *dst = t_asprintf("%s/%s", dir, fixtures[i + 1]);
        ck_assert_msg(copy_file(src, dst) == 0, "cannot copy %s", src);
        free(dst);
        free(src);
        free(rel);
    }
    return dir;
}

/* `regie CMD` of the workflow wf (NULL: the shipped tender workflow) in
 * tmp/<name> with the inputs bids, criteria, ko, scores given as files. */
static int tender(const char *cmd, const char *name, const char *wf, const char *bids,
                  const char *criteria, const char *ko, const char *scores, char **err)
{
    char *shipped = t_src("etc/workflows/tender-evaluation.ini");
    char *style = t_src("etc/house-style.ini");
    char *cwd = t_asprintf("%s/%s", t_dir, name);
    char *out = strcmp(cmd, "run") == 0 ? t_asprintf("%s/out", cwd) : NULL;
    char *sets[7];
    sets[0] = "tender=tender.ini";
    sets[1] = t_asprintf("bids=%s", bids);
    sets[2] = t_asprintf("criteria=%s", criteria);
    sets[3] = t_asprintf("ko=%s", ko);
    sets[4] = t_asprintf("scores=%s", scores);
    sets[5] = t_asprintf("house_style=%s", style);
    sets[6] = NULL;
    int rc;
    {
        const char *argv[32];
        int n = 0;
        argv[n++] = cmd;
        argv[n++] = wf ? wf : shipped;
        for (int i = 0; sets[i]; i++) {
            argv[n++] = "--set";
            argv[n++] = sets[i];
        }
        if (out) {
            argv[n++] = "--out";
            argv[n++] = out;
        }
        argv[n] = NULL;
        rc = t_regie(cwd, NULL, err, argv);
    }
    for (int i = 1; i < 6; i++) {
        free(sets[i]);
    }
    free(out);
    free(cwd);
    free(style);
    free(shipped);
    return rc;
}

/* Whether the plugin was built; says so when it was not. */
static int have_plugin(const char *test)
{
    char *so = t_build("plugins/.libs/workbook.so");
    int ok = access(so, R_OK) == 0;
    if (!ok) {
        fprintf(stderr, "%s: SKIPPED: the workbook plugin is not built (configure found no "
                        "libzip or expat: install libzip-dev libexpat1-dev)\n",
                test);
    }
    free(so);
    return ok;
}

/* The results of tmp/<a>/out and tmp/<b>/out are the same files. */
static void same_results(const char *a, const char *b)
{
    static const char *const files[] = { "ranking.csv", "dates.csv", "ranking.md", NULL };
    for (int i = 0; files[i]; i++) {
        char *x = t_readf("%s/%s/out/%s", t_dir, a, files[i]);
        char *y = t_readf("%s/%s/out/%s", t_dir, b, files[i]);
        ck_assert_msg(x && y, "%s missing in %s or %s", files[i], a, b);
        ck_assert_msg(strcmp(x, y) == 0, "%s differs between %s and %s", files[i], a, b);
        free(x);
        free(y);
    }
}

/* The run from the example's CSV files, in tmp/csv. */
static void csv_run(void)
{
    free(stage("csv", NULL));
    char *err = NULL;
    int rc = tender("run", "csv", NULL, "bids.csv", "criteria.csv", "ko.csv", "scores.csv", &err);
    ck_assert_msg(rc == 3, "csv run: exit %d: %s", rc, err);
    free(err);
}

START_TEST(tender_from_workbooks_as_from_csv)
{
    if (!have_plugin("tender_from_workbooks_as_from_csv")) {
        return;
    }
    csv_run();
    static const char *const fx[] = { "bids.xlsx", "bids.xlsx", "criteria.xlsx", "criteria.xlsx",
                                      "ko.ods", "ko.ods", "scores.ods", "scores.ods", NULL };
    free(stage("wb", fx));
    char *err = NULL;
    int rc = tender("run", "wb", NULL, "bids.xlsx", "criteria.xlsx", "ko.ods", "scores.ods", &err);
    ck_assert_msg(rc == 3, "workbook run: exit %d: %s", rc, err);
    free(err);
    same_results("csv", "wb");
    /* and the other way round: bids and scores from .ods, the rest .xlsx */
    static const char *const fx2[] = { "bids.ods", "bids.ods", "criteria.ods", "criteria.ods",
                                       "ko.xlsx", "ko.xlsx", "scores.xlsx", "scores.xlsx", NULL };
    free(stage("wb2", fx2));
    rc = tender("run", "wb2", NULL, "bids.ods", "criteria.ods", "ko.xlsx", "scores.xlsx", &err);
    ck_assert_msg(rc == 3, "workbook run: exit %d: %s", rc, err);
    free(err);
    same_results("csv", "wb2");
}
END_TEST

START_TEST(content_decides_not_the_name)
{
    if (!have_plugin("content_decides_not_the_name")) {
        return;
    }
    csv_run();
    /* an .xlsx named .csv, and a CSV file named .xlsx */
    static const char *const fx[] = { "really_xlsx.csv", "bids_export.csv", NULL };
    free(stage("named", fx));
    char *err = NULL;
    int rc = tender("run", "named", NULL, "bids_export.csv", "criteria.csv", "ko.csv",
                    "scores.csv", &err);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, err);
    free(err);
    same_results("csv", "named");
    static const char *const fx2[] = { "really_csv.xlsx", "bids.xlsx", NULL };
    free(stage("named2", fx2));
    rc = tender("run", "named2", NULL, "bids.xlsx", "criteria.csv", "ko.csv", "scores.csv", &err);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, err);
    free(err);
    same_results("csv", "named2");
}
END_TEST

START_TEST(bad_cell_names_sheet_and_cell)
{
    if (!have_plugin("bad_cell_names_sheet_and_cell")) {
        return;
    }
    static const char *const fx[] = { "bad_cell.xlsx", "bids.xlsx", "error_cell.xlsx",
                                      "bids2.xlsx", NULL };
    free(stage("bad", fx));
    char *err = NULL;
    int rc = tender("run", "bad", NULL, "bids.xlsx", "criteria.csv", "ko.csv", "scores.csv", &err);
    ck_assert_int_eq(rc, 2);
    T_CONTAINS(err, "bids.xlsx:Inschrijvingen!D5: column rate_excl_vat_eur: found \"95,0x\", "
                    "expected a number\n");
    ck_assert(!t_existsf("%s/bad/out/ranking.csv", t_dir));
    free(err);
    /* a formula's error value, by `regie check` too */
    rc = tender("check", "bad", NULL, "bids2.xlsx", "criteria.csv", "ko.csv", "scores.csv", &err);
    ck_assert_int_eq(rc, 2);
    T_CONTAINS(err, "bids2.xlsx:Inschrijvingen!D3: column rate_excl_vat_eur: found \"#DIV/0!\"");
    free(err);
    rc = tender("check", "bad", NULL, "bids.xlsx", "criteria.csv", "ko.csv", "scores.csv", &err);
    ck_assert_int_eq(rc, 2);
    T_CONTAINS(err, "bids.xlsx:Inschrijvingen!D5: column rate_excl_vat_eur");
    free(err);
    /* a workbook cut short: its zip directory is gone */
    char *cut = t_asprintf("cd '%s/bad' && head -c 3000 bids.xlsx > cut.xlsx", t_dir);
    ck_assert_int_eq(system(cut), 0);
    free(cut);
    rc = tender("check", "bad", NULL, "cut.xlsx", "criteria.csv", "ko.csv", "scores.csv", &err);
    ck_assert_int_eq(rc, 2);
    T_CONTAINS(err, "cut.xlsx: input bids: a zip archive, not a CSV file, and no workbook the "
                    "readers know (xlsx, ods): damaged, or another kind of archive?");
    free(err);
}
END_TEST

/* sheet = picks the sheet; there: rates typed as text with a decimal
 * comma, dates as text (9-1-2026 10:15) and as plain day numbers, a
 * formula's saved result. */
START_TEST(sheet_key_and_typed_cells)
{
    if (!have_plugin("sheet_key_and_typed_cells")) {
        return;
    }
    csv_run();
    static const char *const fx[] = { "two_sheets.xlsx", "bids.xlsx", NULL };
    free(stage("sheet", fx));
    char *src = t_src("etc/workflows/tender-evaluation.ini");
    char *text = t_read(src);
    ck_assert_ptr_nonnull(text);
    char *at = strstr(text, "[input.bids]\n");
    ck_assert_ptr_nonnull(at);
    at += strlen("[input.bids]\n");
    char *edited = t_asprintf("%.*ssheet = Inschrijvingen\n%s", (int)(at - text), text, at);
    char *dir = t_asprintf("%s/sheet", t_dir);
    char *wf = t_write(dir, "tender-sheet.ini", edited);
    char *err = NULL;
    /* the first sheet is the note: its header lacks the columns */
    int rc = tender("check", "sheet", NULL, "bids.xlsx", "criteria.csv", "ko.csv", "scores.csv",
                    &err);
    ck_assert_int_eq(rc, 2);
    T_CONTAINS(err, "bids.xlsx:Toelichting, row 1: missing columns bid_id");
    T_CONTAINS(err, "; another sheet of the workbook? sheet = NAME in the input's section picks "
                    "it\n");
    free(err);
    rc = tender("run", "sheet", wf, "bids.xlsx", "criteria.csv", "ko.csv", "scores.csv", &err);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, err);
    free(err);
    same_results("csv", "sheet");
    /* a sheet that is not there: the ones that are */
    char *edited2 = t_asprintf("%.*ssheet = Blad9\n%s", (int)(at - text), text, at);
    char *wf2 = t_write(dir, "tender-sheet2.ini", edited2);
    rc = tender("check", "sheet", wf2, "bids.xlsx", "criteria.csv", "ko.csv", "scores.csv", &err);
    ck_assert_int_eq(rc, 2);
    T_CONTAINS(err, "bids.xlsx: input bids: no sheet named \"Blad9\" (the workbook's sheets: "
                    "Toelichting, Inschrijvingen)");
    free(err);
    /* format = insists */
    char *edited3 = t_asprintf("%.*sformat = ods\n%s", (int)(at - text), text, at);
    char *wf3 = t_write(dir, "tender-ods.ini", edited3);
    rc = tender("check", "sheet", wf3, "bids.xlsx", "criteria.csv", "ko.csv", "scores.csv", &err);
    ck_assert_int_eq(rc, 2);
    T_CONTAINS(err, "bids.xlsx: input bids: format = ods, but the file is no ods file");
    free(err);
    /* type = xlsx: a csv input of format xlsx (with its sheet) */
    ck_assert(strncmp(at, "type = csv\n", 11) == 0);
    char *edited4 = t_asprintf("%.*stype = xlsx\nsheet = Inschrijvingen\n%s", (int)(at - text),
                               text, at + 11);
    char *wf4 = t_write(dir, "tender-type-xlsx.ini", edited4);
    char *prev = t_asprintf("%s/sheet/out", t_dir);
    t_rmtree(prev);
    free(prev);
    rc = tender("run", "sheet", wf4, "bids.xlsx", "criteria.csv", "ko.csv", "scores.csv", &err);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, err);
    free(err);
    same_results("csv", "sheet");
    /* then a CSV file is no xlsx file */
    rc = tender("check", "sheet", wf4, "bids.csv", "criteria.csv", "ko.csv", "scores.csv", &err);
    ck_assert_int_eq(rc, 2);
    T_CONTAINS(err, "bids.csv: input bids: format = xlsx, but the file is no xlsx file");
    free(err);
    /* and type = xlsx with format = ods is one or the other */
    char *edited5 = t_asprintf("%.*stype = xlsx\nformat = ods\n%s", (int)(at - text), text,
                               at + 11);
    char *wf5 = t_write(dir, "tender-type-both.ini", edited5);
    rc = tender("check", "sheet", wf5, "bids.xlsx", "criteria.csv", "ko.csv", "scores.csv", &err);
    ck_assert_int_eq(rc, 2);
    T_CONTAINS(err, "[input.bids]: type = xlsx, and format = ods: one or the other (type = xlsx "
                    "is type = csv with format = xlsx)");
    free(err);
    free(wf5);
    free(edited5);
    free(wf4);
    free(edited4);
    free(wf3);
    free(edited3);
    free(wf2);
    free(edited2);
    free(wf);
    free(dir);
    free(edited);
    free(text);
    free(src);
}
END_TEST

/* regie.plugin.workbook.sheets(path) from Lua: the sheets in order, of an
 * .xlsx and an .ods, called again and again by two steps at once (each
 * result copied before the plugin reuses its memory), and an error for a
 * file that is no workbook. */
START_TEST(lua_sheets_function)
{
    if (!have_plugin("lua_sheets_function")) {
        return;
    }
    char *xlsx = t_src("tests/fixtures/workbook/two_sheets.xlsx");
    char *ods = t_src("tests/fixtures/workbook/repeats.ods");
    char *csv = t_src("tests/fixtures/workbook/really_csv.xlsx");
    free(t_write(t_dir, "sheets.lua",
                 "return { params = { path = { type = 'string' }, file = { type = 'string' } },\n"
                 "  run = function(step)\n"
                 "    local seen\n"
                 "    for i = 1, 200 do\n"
                 "      local a = regie.plugin.workbook.sheets(step.params.path)\n"
                 "      local b = regie.plugin.workbook.sheets(step.params.path)\n"
                 "      local line = table.concat(a, '|')\n"
                 "      assert(line == table.concat(b, '|'), 'a result changed')\n"
                 "      assert(seen == nil or seen == line, 'another result')\n"
                 "      seen = line\n"
                 "    end\n"
                 "    regie.write(step.params.file, seen .. '\\n')\n"
                 "  end }\n"));
    free(t_write(t_dir, "bad.lua",
                 "return { params = { path = { type = 'string' } },\n"
                 "  run = function(step) regie.plugin.workbook.sheets(step.params.path) end }\n"));
    char *ini = t_asprintf("[workflow]\nname = sheets\n"
                           "[step.x]\nscript = sheets.lua\npath = %s\nfile = x.txt\n"
                           "[step.o]\nscript = sheets.lua\npath = %s\nfile = o.txt\n",
                           xlsx, ods);
    free(t_write(t_dir, "sheets.ini", ini));
    const char *run[] = { "run", "sheets.ini", "--jobs", "2", "--out", "out", "--db", "off", "-q",
                          NULL };
    ck_assert_msg(t_run(run) == 0, "%s", t_err);
    char *x = t_readf("%s/out/x.txt", t_dir);
    char *o = t_readf("%s/out/o.txt", t_dir);
    ck_assert_str_eq(x, "Toelichting|Inschrijvingen\n");
    ck_assert_ptr_nonnull(o);
    ck_assert_msg(strchr(o, '|') != NULL, "the .ods has two tables: %s", o);
    char *bad = t_asprintf("[workflow]\nname = bad\n[step.b]\nscript = bad.lua\npath = %s\n", csv);
    free(t_write(t_dir, "bad.ini", bad));
    const char *runbad[] = { "run", "bad.ini", "--out", "out2", "--db", "off", NULL };
    ck_assert_int_eq(t_run(runbad), 1);
    T_CONTAINS(t_err, "regie.plugin.workbook.sheets: workbook.sheets: ");
    T_CONTAINS(t_err, "not an .xlsx or .ods workbook");
    free(bad);
    free(x);
    free(o);
    free(ini);
    free(csv);
    free(ods);
    free(xlsx);
}
END_TEST

/* An .ods made by hand: rows and cells repeated (and a million empty rows
 * not expanded), spaces (text:s), two paragraphs, a comment left out, a
 * covered cell, a percentage, an error value; the second table by name. */
START_TEST(ods_repeats_and_text)
{
    if (!have_plugin("ods_repeats_and_text")) {
        return;
    }
    static const char *const fx[] = { "repeats.ods", "t.ods", "repeats_error.ods", "t2.ods",
                                      NULL };
    char *dir = stage("ods", fx);
    free(t_write(dir, "w.ini",
                 "[workflow]\nname = odstest\n[input.t]\ntype = csv\nsheet = data\n"
                 "columns = id:text, n:integer, note:text, day:date, ok:text\n"
                 "[step.w]\nplugin = csv-write\nreads = t\ndata = t\nfile = t.csv\n"));
    const char *argv[] = { "run", "w.ini", "--set", "t=t.ods", "--out", "out", NULL };
    char *err = NULL;
    int rc = t_regie(dir, NULL, &err, argv);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    free(err);
    char *out = t_readf("%s/out/t.csv", dir);
    ck_assert_ptr_nonnull(out);
    t_strip_cr(out);
    ck_assert_str_eq(out, "id,n,note,day,ok\nr,5,\"a   b\ntweede\",2026-01-09,TRUE\n"
                          "r,5,\"a   b\ntweede\",2026-01-09,TRUE\n");
    free(out);
    const char *argv2[] = { "check", "w.ini", "--set", "t=t2.ods", NULL };
    rc = t_regie(dir, NULL, &err, argv2);
    ck_assert_int_eq(rc, 2);
    T_CONTAINS(err, "t2.ods:Data!B1048574: column n: found \"0.15\", expected an integer\n");
    T_CONTAINS(err, "t2.ods:Data!D1048574: column day: found \"#DIV/0!\" (an error of the "
                    "cell's formula), expected a date YYYY-MM-DD\n");
    free(err);
    free(dir);
}
END_TEST

/* A zip bomb: 300 MB of XML packed into 300 KB is refused, quickly. */
START_TEST(zip_bomb_refused)
{
    if (!have_plugin("zip_bomb_refused")) {
        return;
    }
    char *dir = stage("bomb", NULL);
    char *cmd = t_asprintf(
        "cd '%s' && python3 -c \"import zipfile\n"
        "z = zipfile.ZipFile('bids.xlsx', 'w', zipfile.ZIP_DEFLATED)\n"
        "z.writestr('xl/workbook.xml', '<workbook xmlns:r=\\\"urn:r\\\"><sheets><sheet name=\\\"S\\\" "
        "r:id=\\\"rId1\\\"/></sheets></workbook>')\n"
        "z.writestr('xl/_rels/workbook.xml.rels', '<Relationships><Relationship Id=\\\"rId1\\\" "
        "Target=\\\"worksheets/sheet1.xml\\\"/></Relationships>')\n"
        "f = z.open('xl/worksheets/sheet1.xml', 'w', force_zip64=True)\n"
        "f.write(b'<worksheet><sheetData>')\n"
        "[f.write(b' ' * (1 << 20)) for i in range(300)]\n"
        "f.write(b'</sheetData></worksheet>'); f.close(); z.close()\"",
        dir);
    int src = system(cmd);
    free(cmd);
    if (src != 0) {
        fprintf(stderr, "zip_bomb_refused: SKIPPED: python3 could not make the archive\n");
        free(dir);
        return;
    }
    char *err = NULL;
    int rc = tender("check", "bomb", NULL, "bids.xlsx", "criteria.csv", "ko.csv", "scores.csv",
                    &err);
    ck_assert_int_eq(rc, 2);
    T_CONTAINS(err, "bids.xlsx: input bids: the workbook's part xl/worksheets/sheet1.xml unpacks "
                    "to more than 256 MB (a zip bomb?): refused");
    free(err);
    free(dir);
}
END_TEST

/* With LibreOffice at hand: the example's CSV files converted afresh. */
START_TEST(fresh_conversion_by_libreoffice)
{
    if (!have_plugin("fresh_conversion_by_libreoffice")) {
        return;
    }
    if (system("command -v soffice >/dev/null 2>&1") != 0) {
        t_tool_missing("fresh_conversion_by_libreoffice", "soffice (LibreOffice)",
                       "the Debian package libreoffice-calc-nogui");
        return;
    }
    csv_run();
    char *dir = stage("fresh", NULL);
    char *cmd = t_asprintf("cd '%s' && HOME='%s' timeout 120 soffice --headless "
                           "--infilter=CSV:44,34,76,1 --convert-to xlsx --outdir x bids.csv "
                           "scores.csv >/dev/null 2>&1 && HOME='%s' timeout 120 soffice "
                           "--headless --infilter=CSV:44,34,76,1 --convert-to ods --outdir o "
                           "ko.csv criteria.csv >/dev/null 2>&1",
                           dir, t_dir, t_dir);
    int src = system(cmd);
    free(cmd);
    if (src != 0) {
        fprintf(stderr, "fresh_conversion_by_libreoffice: SKIPPED: soffice failed (%d)\n", src);
        free(dir);
        return;
    }
    char *err = NULL;
    int rc = tender("run", "fresh", NULL, "x/bids.xlsx", "o/criteria.ods", "o/ko.ods",
                    "x/scores.xlsx", &err);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, err);
    free(err);
    same_results("csv", "fresh");
    free(dir);
}
END_TEST

Suite *suite_workbook(void);
Suite *suite_workbook(void)
{
    Suite *s = suite_create("workbook");
    TCase *tc = tcase_create("tender");
    tcase_set_timeout(tc, 240);
    tcase_add_checked_fixture(tc, t_dir_setup, t_dir_teardown);
    tcase_add_test(tc, tender_from_workbooks_as_from_csv);
    tcase_add_test(tc, content_decides_not_the_name);
    tcase_add_test(tc, bad_cell_names_sheet_and_cell);
    tcase_add_test(tc, sheet_key_and_typed_cells);
    tcase_add_test(tc, ods_repeats_and_text);
    tcase_add_test(tc, lua_sheets_function);
    tcase_add_test(tc, zip_bomb_refused);
    tcase_add_test(tc, fresh_conversion_by_libreoffice);
    suite_add_tcase(s, tc);
    return s;
}
