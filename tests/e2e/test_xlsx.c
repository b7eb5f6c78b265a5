/* Excel workbooks (the xlsx-write plugin, issue 25): ranking.xlsx of the real
 * tender workflow and stakeholders.xlsx of the stakeholder workflow read back
 * by openpyxl (tests/e2e/xlsx/check_xlsx.py: a reader no one here wrote) and
 * compared cell by cell, value and type, with the CSV beside them; a
 * workbook of several datasets with every kind of value; a text "=1+1"
 * stays text; bad sheet names, files and formats refused by name; the same
 * bytes for the same data; `regie plugins xlsx-write`; the plugin on the mock
 * host. */
#define _GNU_SOURCE
#include "regie-mock.h"
#include "testutil.h"

#include <check.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A python that can import openpyxl, or NULL. */
static const char *python(void)
{
    static const char *const candidates[] = { "/usr/bin/python3", "python3" };
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        char *cmd = t_asprintf("%s -c 'import openpyxl' >/dev/null 2>&1", candidates[i]);
        int rc = system(cmd);
        free(cmd);
        if (rc == 0) {
            return candidates[i];
        }
    }
    return NULL;
}

static int plugin_built(void)
{
    char *so = t_build("plugins/.libs/xlsx_write.so");
    int built = access(so, R_OK) == 0;
    free(so);
    return built;
}

/* Whether the test can run: the plugin built and openpyxl present
 * (otherwise SKIPPED, or failed under CI=true). */
static int ready(const char *test, int need_python)
{
    if (!plugin_built()) {
        t_tool_missing(test, "the xlsx-write plugin (not built: see the end of configure's output)",
                       "apt-get install libxlsxwriter-dev, then configure again");
        return 0;
    }
    if (need_python && !python()) {
        t_tool_missing(test, "python3 with openpyxl", "apt-get install python3-openpyxl");
        return 0;
    }
    return 1;
}

/* The output of a shell command (caller frees), its status in *rc. */
static char *sh(const char *cmd, int *rc)
{
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    buf[len] = 0;
    int st = pclose(p);
    if (rc) {
        *rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    }
    return buf;
}

/* check_xlsx.py ARGS (a shell-quoted tail), its output; its status in *rc. */
static char *check(const char *args, int *rc)
{
    char *script = t_src("tests/e2e/xlsx/check_xlsx.py");
    char *cmd = t_asprintf("%s '%s' %s 2>&1", python(), script, args);
    char *out = sh(cmd, rc);
    free(cmd);
    free(script);
    return out;
}

/* check_xlsx.py dump of xlsx (freed here). */
static char *dump(char *xlsx)
{
    char *args = t_asprintf("dump '%s'", xlsx);
    int rc;
    char *out = check(args, &rc);
    ck_assert_msg(rc == 0, "check_xlsx.py dump %s: %s", xlsx, out);
    free(args);
    free(xlsx);
    return out;
}

/* The columns of ranking.csv that are text whatever they hold. */
#define RANKING_TEXT                                                                               \
    "--text bid_id --text supplier --text candidate --text status --text reason --text flags"

static int run_tender(const char *dir, char **err)
{
    char *wf = t_src("etc/workflows/tender-evaluation.ini");
    char *ex = t_src("examples/tender");
    char *s[6];
    s[0] = t_asprintf("tender=%s/tender.ini", ex);
    s[1] = t_asprintf("bids=%s/bids.csv", ex);
    s[2] = t_asprintf("criteria=%s/criteria.csv", ex);
    s[3] = t_asprintf("ko=%s/ko.csv", ex);
    s[4] = t_asprintf("scores=%s/scores.csv", ex);
    s[5] = t_asprintf("interviews=%s/interviews.csv", ex);
    const char *argv[24];
    int n = 0;
    argv[n++] = "run";
    argv[n++] = wf;
    for (int i = 0; i < 6; i++) {
        argv[n++] = "--set";
        argv[n++] = s[i];
    }
    argv[n++] = "--set";
    argv[n++] = "pdf_letters=no";
    argv[n++] = "--out";
    argv[n++] = "out";
    argv[n++] = "--no-store";
    argv[n] = NULL;
    char *out = NULL;
    int rc = t_regie(dir, &out, err, argv);
    free(out);
    for (int i = 0; i < 6; i++) {
        free(s[i]);
    }
    free(wf);
    free(ex);
    return rc;
}

START_TEST(tender_ranking_matches_csv)
{
    if (!ready("tender_ranking_matches_csv", 1)) {
        return;
    }
    char *dir = t_tmpdir();
    char *err = NULL;
    int rc = run_tender(dir, &err);
    ck_assert_msg(rc == 0, "regie run: exit %d: %s", rc, err);
    T_CONTAINS(err, "done     ranking_xlsx");
    free(err);
    /* every cell, value and type, against ranking.csv; numbers shown with
     * two decimals as there, the rank as a whole number */
    char *args = t_asprintf("compare '%s/out/ranking.xlsx' Rangschikking '%s/out/ranking.csv' "
                            RANKING_TEXT " --format rank=0 --format '*=0.00'",
                            dir, dir);
    char *out = check(args, &rc);
    ck_assert_msg(rc == 0, "ranking.xlsx differs from ranking.csv:\n%s", out);
    T_CONTAINS(out, "OK");
    free(out);
    free(args);
    char *d = dump(t_asprintf("%s/out/ranking.xlsx", dir));
    T_CONTAINS(d, "properties title=Rangschikking creator=None created=1980-01-01 00:00:00\n");
    T_CONTAINS(d, "sheet Rangschikking freeze=A2 filter=A1:R8\n");
    T_CONTAINS(d, "Rangschikking!A2 n 0 1\n");                  /* rank 1: an integer */
    T_CONTAINS(d, "Rangschikking!E2 n 0.00 71.25\n");           /* total: a number */
    T_CONTAINS(d, "Rangschikking!B2 s General B\n");            /* bid_id: text */
    T_CONTAINS(d, "Rangschikking!A1 s General rank bold\n");    /* the header */
    free(d);

    /* the comparison can fail: a total changed in a copy of the CSV */
    char *csv = t_readf("%s/out/ranking.csv", dir);
    char *at = strstr(csv, ",71.25,");
    ck_assert_ptr_nonnull(at);
    memcpy(at, ",71.26,", 7);
    free(t_write(dir, "changed.csv", csv));
    free(csv);
    args = t_asprintf("compare '%s/out/ranking.xlsx' Rangschikking '%s/changed.csv' " RANKING_TEXT,
                      dir, dir);
    out = check(args, &rc);
    ck_assert_int_eq(rc, 1);
    T_CONTAINS(out, "E2 (row 2, column total): 71.25, expected 71.26");
    free(out);
    free(args);
    t_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(stakeholder_workbook_matches_csvs)
{
    if (!ready("stakeholder_workbook_matches_csvs", 1)) {
        return;
    }
    char *dir = t_tmpdir();
    char *wf = t_src("etc/workflows/stakeholder-analysis.ini");
    char *ex = t_src("examples/stakeholders");
    char *a = t_asprintf("analysis=%s/analysis.ini", ex);
    char *s = t_asprintf("stakeholders=%s/stakeholders.csv", ex);
    const char *argv[] = { "run", wf, "--set", a, "--set", s, "--set", "pdf_plan=no", "--out",
                           "out", "--no-store", NULL };
    char *out = NULL, *err = NULL;
    int rc = t_regie(dir, &out, &err, argv);
    ck_assert_msg(rc == 0, "regie run: exit %d: %s", rc, err);
    free(out);
    free(err);
    char *args = t_asprintf("compare '%s/out/stakeholders.xlsx' Classificatie "
                            "'%s/out/classification.csv' --bool legitimacy --bool urgency "
                            "--text id --text name",
                            dir, dir);
    out = check(args, &rc);
    ck_assert_msg(rc == 0, "Classificatie differs from classification.csv:\n%s", out);
    free(out);
    free(args);
    args = t_asprintf("compare '%s/out/stakeholders.xlsx' Communicatieplan '%s/out/commplan.csv' "
                      "--text id --text name",
                      dir, dir);
    out = check(args, &rc);
    ck_assert_msg(rc == 0, "Communicatieplan differs from commplan.csv:\n%s", out);
    free(out);
    free(args);
    char *d = dump(t_asprintf("%s/out/stakeholders.xlsx", dir));
    char *s1 = strstr(d, "sheet Classificatie freeze=A2");
    char *s2 = strstr(d, "sheet Communicatieplan freeze=A2");
    ck_assert_msg(s1 && s2 && s1 < s2, "the sheets, in order:\n%s", d);
    T_CONTAINS(d, "Communicatieplan!P2 d dd-mm-yyyy 2026-02-02T00:00:00\n"); /* first_contact */
    T_CONTAINS(d, "Classificatie!N2 b General True\n");                      /* legitimacy */
    free(d);
    free(a);
    free(s);
    free(wf);
    free(ex);
    t_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(switched_off_with_xlsx_no)
{
    if (!ready("switched_off_with_xlsx_no", 0)) {
        return;
    }
    char *dir = t_tmpdir();
    char *wf = t_src("etc/workflows/stakeholder-analysis.ini");
    char *ex = t_src("examples/stakeholders");
    char *a = t_asprintf("analysis=%s/analysis.ini", ex);
    char *s = t_asprintf("stakeholders=%s/stakeholders.csv", ex);
    const char *argv[] = { "run", wf, "--set", a, "--set", s, "--set", "pdf_plan=no", "--set",
                           "xlsx=no", "--out", "out", "--no-store", NULL };
    char *out = NULL, *err = NULL;
    int rc = t_regie(dir, &out, &err, argv);
    ck_assert_msg(rc == 0, "regie run: exit %d: %s", rc, err);
    T_CONTAINS(err, "skipped: when xlsx is false");
    ck_assert(t_existsf("%s/out/classification.csv", dir));
    ck_assert(!t_existsf("%s/out/stakeholders.xlsx", dir));
    free(out);
    free(err);
    free(a);
    free(s);
    free(wf);
    free(ex);
    t_rmtree(dir);
    free(dir);
}
END_TEST

/* A Lua step making a table of every kind of value, a second table and a
 * single value, and a step writing them into one workbook (extra: more keys
 * of the xlsx step; file: its file). */
static const char MIXED_LUA[] =
    "return {\n"
    "  summary = 'every kind of value',\n"
    "  run = function(step)\n"
    "    local rows = {\n"
    "      { id = 1, name = '=1+1', amount = 12.5, share = 0.25, ok = true, day = '2026-03-01',\n"
    "        at = '2026-03-01T09:30', tags = regie.list{ 'a', 'b' }, none = regie.null },\n"
    "      { id = 2, name = 'Zo\xc3\xab', amount = 3.0, share = 0.125, ok = false,\n"
    "        day = '2026-02-30', at = '2026-03-01T09:30:15', tags = regie.list{},\n"
    "        none = regie.null },\n"
    "      { id = 9007199254740993, name = '@SUM(A1)', amount = -0.1, share = 1.0, ok = true,\n"
    "        day = '2026-13-01', at = '2026-03-01 09:30', tags = regie.list{ 1, 2.5 },\n"
    "        none = '' },\n"
    "    }\n"
    "    regie.output('mixed', rows, regie.list{ 'id', 'name', 'amount', 'share', 'ok', 'day', "
    "'at', 'tags', 'none' })\n"
    "    regie.output('other', { { k = 'x', v = 1 } }, regie.list{ 'k', 'v' })\n"
    "    regie.output('count', 42)\n"
    "  end,\n"
    "}\n";

static int run_mixed(const char *dir, const char *out_dir, const char *xlsx_keys, char **err)
{
    free(t_write(dir, "mixed.lua", MIXED_LUA));
    char *ini = t_asprintf("[workflow]\nname = mixed\ndescription = every kind of value\n"
                           "version = 1\n\n[step.make]\nscript = mixed.lua\n"
                           "writes = mixed, other, count\n\n[step.book]\nplugin = xlsx-write\n"
                           "reads = mixed, other, count\n%s",
                           xlsx_keys);
    free(t_write(dir, "mixed.ini", ini));
    free(ini);
    char *sp = t_asprintf("script_path=%s", dir);
    const char *argv[] = { "run", "mixed.ini", "--engine", sp, "--out", out_dir, "--no-store",
                           NULL };
    char *out = NULL;
    int rc = t_regie(dir, &out, err, argv);
    free(out);
    free(sp);
    return rc;
}

static const char MIXED_KEYS[] = "data = mixed, other, count\n"
                                 "sheets = mixed:Mixed data, count:Count\n"
                                 "formats = share:0.0%, amount:#,##0.00\n"
                                 "file = sub/book.xlsx\ntitle = Every kind\nauthor = Regie\n";

START_TEST(several_datasets_typed_cells)
{
    if (!ready("several_datasets_typed_cells", 1)) {
        return;
    }
    char *dir = t_tmpdir();
    char *err = NULL;
    int rc = run_mixed(dir, "out", MIXED_KEYS, &err);
    ck_assert_msg(rc == 0, "regie run: exit %d: %s", rc, err);
    free(err);
    char *d = dump(t_asprintf("%s/out/sub/book.xlsx", dir));
    T_CONTAINS(d, "properties title=Every kind creator=Regie created=1980-01-01 00:00:00\n");
    char *s1 = strstr(d, "sheet Mixed data freeze=A2 filter=A1:I4\n");
    char *s2 = strstr(d, "sheet other freeze=A2 filter=A1:B2\n");
    char *s3 = strstr(d, "sheet Count freeze=A2 filter=A1:A2\n");
    ck_assert_msg(s1 && s2 && s3 && s1 < s2 && s2 < s3, "sheets in the order of data:\n%s", d);
    static const char *const cells[] = {
        "Mixed data!A1 s General id bold",
        "Mixed data!A2 n 0 1",                              /* integer */
        "Mixed data!A4 s General 9007199254740993",        /* beyond a double: every digit */
        "Mixed data!B2 s General =1+1",                     /* text, never a formula */
        "Mixed data!B3 s General Zo\xc3\xab",
        "Mixed data!B4 s General @SUM(A1)",
        "Mixed data!C2 n #,##0.00 12.5",                    /* the column's format */
        "Mixed data!C4 n #,##0.00 -0.1",
        "Mixed data!D3 n 0.0% 0.125",
        "Mixed data!E2 b General True",
        "Mixed data!E3 b General False",
        "Mixed data!F2 d dd-mm-yyyy 2026-03-01T00:00:00",   /* a date */
        "Mixed data!F3 s General 2026-02-30",               /* no such day: text */
        "Mixed data!F4 s General 2026-13-01",
        "Mixed data!G2 d dd-mm-yyyy hh:mm 2026-03-01T09:30:00",
        "Mixed data!G3 d dd-mm-yyyy hh:mm:ss 2026-03-01T09:30:15",
        "Mixed data!G4 s General 2026-03-01 09:30",         /* not ISO: text */
        "Mixed data!H2 s General a; b",                     /* a list, joined */
        "Mixed data!H4 s General 1; 2.5",
        "other!B2 n 0 1",
        "Count!A1 s General count bold",                    /* a single value */
        "Count!A2 n 0 42",
    };
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
        char *line = t_asprintf("%s\n", cells[i]);
        T_CONTAINS(d, line);
        free(line);
    }
    /* null and the empty list and text: no cell at all */
    T_CONTAINS(d, "Mixed data!I1 s General none bold\n");
    ck_assert_ptr_null(strstr(d, "Mixed data!I2"));
    ck_assert_ptr_null(strstr(d, "Mixed data!I3"));
    ck_assert_ptr_null(strstr(d, "Mixed data!I4"));
    ck_assert_ptr_null(strstr(d, "Mixed data!H3"));
    free(d);
    /* in the file itself: no formula anywhere */
    char *script = t_asprintf("%s -c \"import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); "
                              "print(''.join(z.read(n).decode() for n in z.namelist() "
                              "if n.startswith('xl/worksheets/')))\" '%s/out/sub/book.xlsx'",
                              python(), dir);
    char *xml = sh(script, &rc);
    ck_assert_int_eq(rc, 0);
    T_CONTAINS(xml, "<sheetData>");
    ck_assert_msg(strstr(xml, "<f>") == NULL && strstr(xml, "<f ") == NULL, "a formula:\n%s", xml);
    free(xml);
    free(script);
    t_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(same_bytes_for_same_data)
{
    if (!ready("same_bytes_for_same_data", 0)) {
        return;
    }
    char *dir = t_tmpdir();
    char *err = NULL;
    unsetenv("SOURCE_DATE_EPOCH");
    ck_assert_int_eq(run_mixed(dir, "one", MIXED_KEYS, &err), 0);
    free(err);
    sleep(1); /* another second on the clock: a time in the file would show */
    ck_assert_int_eq(run_mixed(dir, "two", MIXED_KEYS, &err), 0);
    free(err);
    char *cmd = t_asprintf("cmp '%s/one/sub/book.xlsx' '%s/two/sub/book.xlsx'", dir, dir);
    int rc;
    char *out = sh(cmd, &rc);
    ck_assert_msg(rc == 0, "two runs, two files: %s", out);
    free(out);
    free(cmd);
    /* SOURCE_DATE_EPOCH: the document's creation time */
    setenv("SOURCE_DATE_EPOCH", "1767225600", 1); /* 2026-01-01 00:00 UTC */
    ck_assert_int_eq(run_mixed(dir, "three", MIXED_KEYS, &err), 0);
    free(err);
    unsetenv("SOURCE_DATE_EPOCH");
    if (python()) {
        char *d = dump(t_asprintf("%s/three/sub/book.xlsx", dir));
        T_CONTAINS(d, "created=2026-01-01 00:00:00\n");
        free(d);
    }
    t_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(refusals_name_what_is_wrong)
{
    if (!ready("refusals_name_what_is_wrong", 0)) {
        return;
    }
    static const struct {
        const char *keys, *message;
    } cases[] = {
        { "data = mixed\nsheets = mixed:Bad/Name\nfile = b.xlsx\n",
          "dataset mixed: \"Bad/Name\" cannot be a sheet's name: it holds one of [ ] : * ? / \\" },
        { "data = mixed\nsheets = mixed:A name of more than thirty-one chars\nfile = b.xlsx\n",
          "cannot be a sheet's name: it is longer than 31 characters" },
        { "data = mixed, other\nsheets = mixed:Data, other:DATA\nfile = b.xlsx\n",
          "datasets mixed and other: the same sheet name \"DATA\" (Excel's sheet names are unique "
          "regardless of case)" },
        { "data = mixed\nsheets = mixed:'quoted'\nfile = b.xlsx\n", "it begins or ends with '" },
        { "data = mixed\nsheets = nothere:X\nfile = b.xlsx\n",
          "parameter sheets: \"nothere\" is not among the datasets of parameter data" },
        { "data = mixed\nfile = ../b.xlsx\n", "parameter file: \"../b.xlsx\" holds '..'" },
        { "data = mixed\nfile = /tmp/b.xlsx\n", "parameter file: \"/tmp/b.xlsx\" is absolute" },
        { "data = mixed\nfile = b.csv\n", "parameter file: \"b.csv\" does not end in .xlsx" },
        { "data = mixed\nformats = total:0.00\nfile = b.xlsx\n",
          "parameter formats: no sheet has a column total" },
        { "data = mixed\nformats = 0.00\nfile = b.xlsx\n",
          "parameter formats: \"0.00\" is not COLUMN:FORMAT" },
        { "data = mixed, missing\nfile = b.xlsx\n",
          "parameter data: no dataset missing (expected one of the step's reads" },
        { "data = mixed, mixed\nfile = b.xlsx\n", "parameter data: mixed is named twice" },
    };
    char *dir = t_tmpdir();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *err = NULL;
        char *out = t_asprintf("out%zu", i);
        int rc = run_mixed(dir, out, cases[i].keys, &err);
        ck_assert_msg(rc != 0, "case %zu accepted:\n%s", i, cases[i].keys);
        T_CONTAINS(err, cases[i].message);
        ck_assert_msg(!t_existsf("%s/%s/b.xlsx", dir, out), "case %zu: a file written", i);
        free(err);
        free(out);
    }
    t_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(plugins_lists_the_parameters)
{
    if (!ready("plugins_lists_the_parameters", 0)) {
        return;
    }
    const char *argv[] = { "plugins", "xlsx-write", NULL };
    char *out = NULL, *err = NULL;
    int rc = t_regie(NULL, &out, &err, argv);
    ck_assert_msg(rc == 0, "regie plugins xlsx-write: exit %d: %s", rc, err);
    T_CONTAINS(out, "xlsx-write");
    static const char *const keys[] = { "data", "file", "sheets", "formats", "freeze",
                                        "autofilter", "title", "author" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        T_CONTAINS(out, keys[i]);
    }
    T_CONTAINS(out, "at most 31 characters");
    free(out);
    free(err);
}
END_TEST

/* The plugin alone on the mock host: a table of a number, a date and a
 * text, written; a NaN refused naming the record and the column. */
START_TEST(plugin_on_the_mock_host)
{
    char *so = t_build("plugins/.libs/xlsx_write.so");
    void *dl = plugin_built() ? dlopen(so, RTLD_NOW | RTLD_LOCAL) : NULL;
    free(so);
    if (!dl) {
        t_tool_missing("plugin_on_the_mock_host", "the xlsx-write plugin",
                       "apt-get install libxlsxwriter-dev, then configure again");
        return;
    }
    const regie_plugin *pl = dlsym(dl, REGIE_PLUGIN_SYMBOL);
    ck_assert_ptr_nonnull(pl);
    char *dir = t_tmpdir();
    const regie_host *h = regie_mock_host();
    static const char *const cols[] = { "n", "day", "text" };
    for (int bad = 1; bad >= 0; bad--) {
        const char *kv[] = { "data", "t", "file", "t.xlsx", NULL };
        regie_ctx *ctx = regie_mock_ctx_new(pl, "book", kv, dir);
        regie_table *t = h->table_new(ctx, 3, cols);
        regie_value row[3];
        row[0].type = REGIE_NUM;
        row[0].u.n = bad ? 0.0 / 0.0 : 2.5;
        row[1].type = REGIE_STR;
        row[1].u.s.ptr = "2026-01-09";
        row[1].u.s.len = 10;
        row[2].type = REGIE_STR;
        row[2].u.s.ptr = "=HYPERLINK(\"x\")";
        row[2].u.s.len = strlen(row[2].u.s.ptr);
        ck_assert_int_eq(h->table_append(t, row), 0);
        ck_assert_int_eq(regie_mock_give_table(ctx, "t", t), 0);
        int rc = regie_mock_run(pl, ctx);
        if (bad) {
            ck_assert_int_ne(rc, 0);
            T_CONTAINS(regie_mock_error(ctx), "dataset t: record 1, column n: NaN is not a number");
            ck_assert(!t_existsf("%s/t.xlsx", dir));
        } else {
            ck_assert_msg(rc == 0, "%s", regie_mock_error(ctx));
            ck_assert(t_existsf("%s/t.xlsx", dir));
            if (python()) {
                char *d = dump(t_asprintf("%s/t.xlsx", dir));
                T_CONTAINS(d, "t!A2 n 0.0 2.5\n");
                T_CONTAINS(d, "t!B2 d dd-mm-yyyy 2026-01-09T00:00:00\n");
                T_CONTAINS(d, "t!C2 s General =HYPERLINK(\"x\")\n");
                free(d);
            }
        }
        regie_mock_ctx_free(ctx);
    }
    dlclose(dl);
    t_rmtree(dir);
    free(dir);
}
END_TEST

Suite *suite_xlsx(void);
Suite *suite_xlsx(void)
{
    Suite *s = suite_create("xlsx");
    TCase *tc = tcase_create("workbooks");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, tender_ranking_matches_csv);
    tcase_add_test(tc, stakeholder_workbook_matches_csvs);
    tcase_add_test(tc, switched_off_with_xlsx_no);
    tcase_add_test(tc, several_datasets_typed_cells);
    tcase_add_test(tc, same_bytes_for_same_data);
    tcase_add_test(tc, refusals_name_what_is_wrong);
    tcase_add_test(tc, plugins_lists_the_parameters);
    tcase_add_test(tc, plugin_on_the_mock_host);
    suite_add_tcase(s, tc);
    return s;
}
