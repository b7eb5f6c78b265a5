/* End-to-end: CSV that Dutch Excel opens as is, with the real binary.
 * The tender workflow run with `--csv dutch` writes ranking.csv with a BOM,
 * ';' and decimal commas; python3's csv module and regie itself read it back
 * to the values of the standard run.  On input: Excel-NL dates only where a
 * column spec says date(d-m-yyyy) / datetime(d-m-yyyy), and cp1252 files
 * only where the input declares encoding = cp1252. */
#define _GNU_SOURCE
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BOM "\xEF\xBB\xBF"

/* The tender example (t_dir/in) run into t_dir/OUT with the extra
 * arguments x1, x2, x3, x4 (NULL ends them); exit 3: it waits for the
 * interview results after writing its reports. */
static void run_tender4(const char *out, const char *x1, const char *x2, const char *x3,
                        const char *x4)
{
    char *wf = t_src("etc/workflows/tender-evaluation.ini");
    const char *argv[] = { "run", wf, "--set", "tender=in/tender.ini", "--set",
                           "criteria=in/criteria.csv", "--set", "bids=in/bids.csv", "--set",
                           "ko=in/ko.csv", "--set", "scores=in/scores.csv", "--out", out, "-q",
                           x1, x2, x3, x4, NULL };
    int rc = t_run(argv);
    ck_assert_msg(rc == 3, "tender run %s: exit %d\n%s", out, rc, t_err);
    free(wf);
}

static void run_tender(const char *out, const char *x1, const char *x2, const char *x3)
{
    run_tender4(out, x1, x2, x3, NULL);
}

static void tender_setup(void)
{
    t_dir_setup_copy("examples/tender");
}

START_TEST(tender_ranking_in_dutch)
{
    run_tender("std", "--no-store", NULL, NULL);
    run_tender("nl", "--csv", "dutch", "--no-store");
    char *std = t_readf("%s/std/ranking.csv", t_dir), *nl = t_readf("%s/nl/ranking.csv", t_dir);
    ck_assert(std && nl);
    /* the standard file is as it was: no BOM, ',' */
    ck_assert(strncmp(std, "rank,bid_id,", 12) == 0);
    T_CONTAINS(std, ",67.92,");
    /* the Dutch one: BOM, ';', decimal commas, CRLF; texts and ids as they are */
    ck_assert_msg(strncmp(nl, BOM "rank;bid_id;supplier;", 24) == 0, "%.60s", nl);
    T_CONTAINS(nl, "2;A;Adviesbureau Noord;Anna de Boer;67,92;invited;;10,00;20,83;");
    T_CONTAINS(nl, ";118,00;");
    T_CONTAINS(nl, "\r\n");
    ck_assert(strstr(nl, "67.92") == NULL);
    /* dates.csv: dates and times untouched */
    char *dates = t_readf("%s/nl/dates.csv", t_dir);
    ck_assert(dates && strncmp(dates, BOM "name;date;label\r\n", 19) == 0);
    T_CONTAINS(dates, "closing;2026-01-12T12:00;");
    char *summary = t_readf("%s/nl/run-summary.txt", t_dir);
    T_CONTAINS(summary, "csv: dutch (';' separated, decimal ',', UTF-8 BOM, CRLF)");
    char *ssum = t_readf("%s/std/run-summary.txt", t_dir);
    ck_assert(ssum && strstr(ssum, "\ncsv: ") == NULL);
    free(std);
    free(nl);
    free(dates);
    free(summary);
    free(ssum);
}
END_TEST

/* python3's csv module reads both files to the same values (the Dutch one
 * with delimiter ';', its decimal commas made points). */
START_TEST(tender_dutch_reads_back_in_python)
{
    if (system("python3 -c 'import csv' >/dev/null 2>&1") != 0) {
        t_tool_missing("tender_dutch_reads_back_in_python", "python3", "apt-get install python3");
        return;
    }
    run_tender("std", "--no-store", NULL, NULL);
    run_tender("nl", "--csv", "dutch", "--no-store");
    free(t_write(t_dir, "same.py",
                 "import csv, re, sys\n"
                 "def rows(path, delim):\n"
                 "    with open(path, newline='', encoding='utf-8-sig') as f:\n"
                 "        return list(csv.DictReader(f, delimiter=delim))\n"
                 "def num(v):\n"
                 "    return v.replace(',', '.') if re.fullmatch(r'-?[0-9]+,[0-9]+', v) else v\n"
                 "std = rows(sys.argv[1], ',')\n"
                 "nl = [{k: num(v) for k, v in r.items()} for r in rows(sys.argv[2], ';')]\n"
                 "assert len(std) == 7, len(std)\n"
                 "assert std == nl, (std, nl)\n"
                 "a = [r for r in nl if r['bid_id'] == 'A'][0]\n"
                 "assert float(a['total']) == 67.92, a\n"
                 "with open(sys.argv[2], 'rb') as f:\n"
                 "    assert f.read(3) == b'\\xef\\xbb\\xbf'\n"
                 "print('same', len(nl))\n"));
    char *cmd = t_asprintf("cd '%s' && python3 same.py std/ranking.csv nl/ranking.csv 2>&1", t_dir);
    FILE *p = popen(cmd, "r");
    char buf[4096] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = 0;
    int rc = pclose(p);
    const char *said = buf;
    ck_assert_msg(rc == 0, "python3: %s", said);
    T_CONTAINS(said, "same 7");
    free(cmd);
}
END_TEST

/* A small workflow reading a ranking.csv back (decimal columns) and writing
 * what it read, in the standard dialect: the same for both files. */
static void readback_workflow(void)
{
    free(t_write(t_dir, "back.lua",
                 "return { run = function()\n"
                 "  local out = {}\n"
                 "  local function f(v)\n"
                 "    if math.type(v) == 'float' then return string.format('%.2f', v) end\n"
                 "    return regie.is_null(v) and '-' or tostring(v)\n"
                 "  end\n"
                 "  for _, r in ipairs(regie.rows('ranking')) do\n"
                 "    out[#out + 1] = table.concat({ r.bid_id, f(r.total), f(r.price), f(r.W2),\n"
                 "      r.supplier, r.status }, '|') .. '\\n'\n"
                 "  end\n"
                 "  regie.write('back.txt', out)\n"
                 "end }\n"));
    free(t_write(t_dir, "back.ini",
                 "[workflow]\nname = readback\n"
                 "[input.ranking]\ntype = csv\n"
                 "columns = bid_id:id!, total:decimal, price:decimal!, W2:decimal, supplier\n"
                 "[step.back]\nscript = back.lua\nreads = ranking\n"));
}

START_TEST(tender_dutch_reads_back_in_regie)
{
    run_tender("std", "--no-store", NULL, NULL);
    run_tender("nl", "--csv", "dutch", "--no-store");
    readback_workflow();
    const char *a1[] = { "run", "back.ini", "--no-store", "-q", "--set", "ranking=std/ranking.csv",
                         "--out", "b1", NULL };
    ck_assert_msg(t_run(a1) == 0, "%s", t_err);
    const char *a2[] = { "run", "back.ini", "--no-store", "-q", "--set", "ranking=nl/ranking.csv",
                         "--out", "b2", NULL };
    ck_assert_msg(t_run(a2) == 0, "%s", t_err);
    char *b1 = t_readf("%s/b1/back.txt", t_dir), *b2 = t_readf("%s/b2/back.txt", t_dir);
    ck_assert(b1 && b2);
    T_CONTAINS(b1, "A|67.92|110.00|20.83|Adviesbureau Noord|invited\n");
    T_CONTAINS(b1, "D|-|125.00|-|De Adviseurs|excluded\n");
    ck_assert_str_eq(b1, b2);
    free(b1);
    free(b2);
}
END_TEST

/* The store records the dialect with the run's settings; `show` says it. */
START_TEST(dialect_recorded_with_the_run)
{
    run_tender4("nl", "--csv", "dutch", "--db", "t.db");
    char *id = t_only_run("t.db");
    const char *show[] = { "show", id, "--db", "t.db", NULL };
    ck_assert_msg(t_run(show) == 0, "%s", t_err);
    T_CONTAINS(t_out, "engine.csv=dutch");
    /* resumed with the interview results: the reports are written again,
     * in the dialect the run was started with */
    const char *res[] = { "resume", id, "--db", "t.db", "-q", "--set",
                          "interviews=in/interviews.csv", NULL };
    int rc = t_run(res);
    ck_assert_msg(rc == 0 || rc == 3, "resume: exit %d\n%s", rc, t_err);
    char *nl = t_readf("%s/nl/ranking.csv", t_dir);
    ck_assert_msg(nl && strncmp(nl, BOM "rank;bid_id;", 15) == 0, "%.80s", nl ? nl : "(none)");
    T_CONTAINS(nl, "excluded");
    char *summary = t_readf("%s/nl/run-summary.txt", t_dir);
    T_CONTAINS(summary, "csv: dutch");
    free(nl);
    free(summary);
    free(id);
}
END_TEST

/* [output] csv = dutch in the engine configuration: every CSV writer of a
 * run; --csv standard over it; a wrong value is refused by name. */
static void writers_workflow(void)
{
    free(t_write(t_dir, "w.lua",
                 "return { run = function()\n"
                 "  local w = regie.csv.writer('w.csv', { 'id', 'amount', 'n', 'when', 'note' })\n"
                 "  w:add('a1', 12.5, 3, '2026-01-09', 'x;y')\n"
                 "  w:add('a2', '-0.5', 10, '10:15', '1.2.3')\n"
                 "  w:close()\n"
                 "  regie.write('e.csv', regie.csv.encode({ { k = 'v', x = 0.25 } }, { 'k', 'x' }))\n"
                 "  local d = regie.csv.dialect()\n"
                 "  regie.write('f.txt', d.name .. d.delimiter .. d.decimal .. '|'\n"
                 "    .. regie.csv.field('67.92') .. '|' .. regie.csv.field('a;b') .. '|'\n"
                 "    .. regie.csv.field(1.5))\n"
                 "  regie.output('t', { { id = 'r1', amount = 1.25, tags = regie.list({ 'p', 'q' }) } },\n"
                 "    { 'id', 'amount', 'tags' })\n"
                 "end }\n"));
    free(t_write(t_dir, "w.ini",
                 "[workflow]\nname = writers\n"
                 "[step.w]\nscript = w.lua\nwrites = t\n"
                 "[step.plugin]\nplugin = csv-write\nreads = t\ndata = t\nfile = p.csv\n"));
    free(t_write(t_dir, "nl.ini", "[output]\ncsv = dutch\n"));
    free(t_write(t_dir, "bad.ini", "[output]\ncsv = excel\n"));
}

START_TEST(engine_wide_dutch_for_every_writer)
{
    writers_workflow();
    const char *a[] = { "--config", "nl.ini", "run", "w.ini", "--no-store", "-q", "--out", "o",
                        NULL };
    ck_assert_msg(t_run(a) == 0, "%s", t_err);
    char *w = t_readf("%s/o/w.csv", t_dir);
    ck_assert_str_eq(w, BOM "id;amount;n;when;note\r\na1;12,5;3;2026-01-09;\"x;y\"\r\n"
                        "a2;-0,5;10;10:15;1.2.3\r\n");
    char *e = t_readf("%s/o/e.csv", t_dir);
    ck_assert_str_eq(e, BOM "k;x\r\nv;0,25\r\n");
    char *f = t_readf("%s/o/f.txt", t_dir);
    ck_assert_str_eq(f, "dutch;,|67,92|\"a;b\"|1,5");
    char *p = t_readf("%s/o/p.csv", t_dir);
    ck_assert_str_eq(p, BOM "id;amount;tags\r\nr1;1,25;p,q\r\n");
    free(w);
    free(e);
    free(f);
    free(p);
    /* --csv standard over the configuration: the contract's CSV */
    const char *b[] = { "--config", "nl.ini", "run", "w.ini", "--no-store", "-q", "--csv",
                        "standard", "--out", "s", NULL };
    ck_assert_msg(t_run(b) == 0, "%s", t_err);
    w = t_readf("%s/s/w.csv", t_dir);
    ck_assert_str_eq(w, "id,amount,n,when,note\r\na1,12.5,3,2026-01-09,x;y\r\n"
                        "a2,-0.5,10,10:15,1.2.3\r\n");
    p = t_readf("%s/s/p.csv", t_dir);
    ck_assert_str_eq(p, "id,amount,tags\r\nr1,1.25,p;q\r\n");
    f = t_readf("%s/s/f.txt", t_dir);
    ck_assert_str_eq(f, "standard,.|67.92|a;b|1.5");
    free(w);
    free(p);
    free(f);
    /* --engine csv=dutch is the same as --csv dutch */
    const char *c[] = { "run", "w.ini", "--no-store", "-q", "--engine", "csv=dutch", "--out", "g",
                        NULL };
    ck_assert_msg(t_run(c) == 0, "%s", t_err);
    e = t_readf("%s/g/e.csv", t_dir);
    ck_assert_str_eq(e, BOM "k;x\r\nv;0,25\r\n");
    free(e);
    /* wrong values */
    const char *d[] = { "--config", "bad.ini", "run", "w.ini", "--no-store", "-q", NULL };
    ck_assert_int_eq(t_run(d), 2);
    T_CONTAINS(t_err, "bad.ini:2: csv: found \"excel\", expected standard");
    const char *x[] = { "run", "w.ini", "--no-store", "--csv", "excel", NULL };
    ck_assert_int_eq(t_run(x), 64);
    T_CONTAINS(t_err, "--csv: found \"excel\", expected standard or dutch");
    const char *h[] = { "run", "--help", NULL };
    ck_assert_int_eq(t_run(h), 0);
    T_CONTAINS(t_out, "--csv DIALECT");
}
END_TEST

/* Excel-NL dates: only in a column whose spec says so. */
static void dates_workflow(const char *columns)
{
    free(t_write(t_dir, "d.lua",
                 "return { run = function()\n"
                 "  local out = {}\n"
                 "  for _, r in ipairs(regie.rows('slots')) do\n"
                 "    out[#out + 1] = r.id .. ' ' .. r.day .. ' ' .. r.at .. '\\n'\n"
                 "  end\n"
                 "  regie.write('d.txt', out)\n"
                 "end }\n"));
    char *ini = t_asprintf("[workflow]\nname = dates\n"
                           "[input.slots]\ntype = csv\ncolumns = %s\n"
                           "[step.d]\nscript = d.lua\nreads = slots\n",
                           columns);
    free(t_write(t_dir, "d.ini", ini));
    free(ini);
    free(t_write(t_dir, "slots.csv",
                 "id;day;at\r\ns1;9-1-2026;9-1-2026 10:15\r\ns2;31-12-2026;31-12-2026\r\n"
                 "s3;2026-02-03;2026-02-03T08:05\r\n"));
}

START_TEST(excel_dates_when_the_spec_says_so)
{
    dates_workflow("id:id!, day:date(d-m-yyyy)!, at:datetime(d-m-yyyy)!");
    const char *a[] = { "run", "d.ini", "--no-store", "-q", "--set", "slots=slots.csv", "--out",
                        "o", NULL };
    ck_assert_msg(t_run(a) == 0, "%s", t_err);
    char *d = t_readf("%s/o/d.txt", t_dir);
    ck_assert_str_eq(d, "s1 2026-01-09 2026-01-09T10:15\n"
                        "s2 2026-12-31 2026-12-31\n"
                        "s3 2026-02-03 2026-02-03T08:05\n");
    free(d);
    /* a day that does not exist, a time out of range: refused */
    free(t_write(t_dir, "bad.csv", "id;day;at\r\ns1;31-4-2026;9-1-2026 24:00\r\n"));
    const char *b[] = { "run", "d.ini", "--no-store", "-q", "--set", "slots=bad.csv", "--out",
                        "b", NULL };
    ck_assert_int_eq(t_run(b), 2);
    T_CONTAINS(t_err, "bad.csv:2: column day: found \"31-4-2026\", expected a date D-M-YYYY");
    T_CONTAINS(t_err, "bad.csv:2: column at: found \"9-1-2026 24:00\", expected a date and time");
}
END_TEST

START_TEST(excel_dates_never_guessed)
{
    dates_workflow("id:id!, day:date!, at:datetime!");
    const char *a[] = { "run", "d.ini", "--no-store", "-q", "--set", "slots=slots.csv", "--out",
                        "o", NULL };
    ck_assert_int_eq(t_run(a), 2);
    T_CONTAINS(t_err, "slots.csv:2: column day: found \"9-1-2026\", expected a date YYYY-MM-DD");
    T_CONTAINS(t_err, "slots.csv:2: column at: found \"9-1-2026 10:15\", expected a date "
                      "YYYY-MM-DD or YYYY-MM-DDTHH:MM");
    free(t_write(t_dir, "amb.csv", "id;day;at\r\ns1;3-4-2024;2024-04-03\r\n"));
    const char *b[] = { "run", "d.ini", "--no-store", "-q", "--set", "slots=amb.csv", NULL };
    ck_assert_int_eq(t_run(b), 2);
    T_CONTAINS(t_err, "amb.csv:2: column day: found \"3-4-2024\", expected a date YYYY-MM-DD");
    /* a spec form that does not exist is named */
    dates_workflow("id:id!, day:date(m/d/yyyy)!, at:datetime!");
    ck_assert_int_eq(t_run(a), 2);
    T_CONTAINS(t_err, "unknown column type \"date(m/d/yyyy)\" for day");
}
END_TEST

/* cp1252: read as UTF-8 when declared; refused with the hint when not. */
static void cp1252_workflow(const char *encoding_line)
{
    free(t_write(t_dir, "c.lua",
                 "return { run = function()\n"
                 "  local out = {}\n"
                 "  for _, r in ipairs(regie.rows('people')) do\n"
                 "    out[#out + 1] = r.name .. '=' .. string.format('%.2f', r.amount) .. '\\n'\n"
                 "  end\n"
                 "  regie.write('c.txt', out)\n"
                 "end }\n"));
    char *ini = t_asprintf("[workflow]\nname = cp\n"
                           "[input.people]\ntype = csv\ncolumns = name:text!, amount:decimal!\n%s"
                           "[step.c]\nscript = c.lua\nreads = people\n",
                           encoding_line);
    free(t_write(t_dir, "c.ini", ini));
    free(ini);
    /* "Zoë" and "€ 5" in cp1252: 0xEB and 0x80 */
    free(t_write(t_dir, "people.csv", "name;amount\r\nAnna;1,50\r\nZo\xEB \x80 5;12,25\r\n"));
}

START_TEST(cp1252_when_declared)
{
    cp1252_workflow("encoding = cp1252\n");
    const char *a[] = { "run", "c.ini", "--no-store", "-q", "--set", "people=people.csv", "--out",
                        "o", NULL };
    ck_assert_msg(t_run(a) == 0, "%s", t_err);
    char *c = t_readf("%s/o/c.txt", t_dir);
    ck_assert_str_eq(c, "Anna=1.50\nZo\xC3\xAB \xE2\x82\xAC 5=12.25\n");
    free(c);
    /* a byte cp1252 has no character for: FILE:LINE */
    free(t_write(t_dir, "bad.csv", "name;amount\r\nAnna;1,50\r\nB\x81;2,00\r\n"));
    const char *b[] = { "run", "c.ini", "--no-store", "-q", "--set", "people=bad.csv", NULL };
    ck_assert_int_eq(t_run(b), 2);
    T_CONTAINS(t_err, "bad.csv:3: a byte that is no character of cp1252");
    /* a data error after conversion still names its line */
    free(t_write(t_dir, "bad2.csv", "name;amount\r\nZo\xEB;twee\r\n"));
    const char *d[] = { "run", "c.ini", "--no-store", "-q", "--set", "people=bad2.csv", NULL };
    ck_assert_int_eq(t_run(d), 2);
    T_CONTAINS(t_err, "bad2.csv:2: column amount: found \"twee\", expected a number");
}
END_TEST

START_TEST(cp1252_refused_when_not_declared)
{
    cp1252_workflow("");
    const char *a[] = { "run", "c.ini", "--no-store", "-q", "--set", "people=people.csv", NULL };
    ck_assert_int_eq(t_run(a), 2);
    T_CONTAINS(t_err, "people.csv:3: invalid UTF-8 (save the file as UTF-8, or declare the "
                      "input's encoding: encoding = cp1252)");
    cp1252_workflow("encoding = latin9\n");
    ck_assert_int_eq(t_run(a), 2);
    T_CONTAINS(t_err, "c.ini:6: encoding: found \"latin9\", expected utf-8 (the default) or cp1252");
}
END_TEST

Suite *suite_nlcsv(void);
Suite *suite_nlcsv(void)
{
    Suite *s = suite_create("nlcsv");
    TCase *tc = tcase_create("tender");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, tender_setup, t_dir_teardown);
    tcase_add_test(tc, tender_ranking_in_dutch);
    tcase_add_test(tc, tender_dutch_reads_back_in_python);
    tcase_add_test(tc, tender_dutch_reads_back_in_regie);
    tcase_add_test(tc, dialect_recorded_with_the_run);
    suite_add_tcase(s, tc);
    TCase *tw = tcase_create("writers");
    tcase_set_timeout(tw, 60);
    tcase_add_checked_fixture(tw, t_dir_setup, t_dir_teardown);
    tcase_add_test(tw, engine_wide_dutch_for_every_writer);
    suite_add_tcase(s, tw);
    TCase *ti = tcase_create("input");
    tcase_set_timeout(ti, 60);
    tcase_add_checked_fixture(ti, t_dir_setup, t_dir_teardown);
    tcase_add_test(ti, excel_dates_when_the_spec_says_so);
    tcase_add_test(ti, excel_dates_never_guessed);
    tcase_add_test(ti, cp1252_when_declared);
    tcase_add_test(ti, cp1252_refused_when_not_declared);
    suite_add_tcase(s, ti);
    return s;
}
