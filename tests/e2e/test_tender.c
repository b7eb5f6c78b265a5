/* End-to-end: the tender-evaluation workflow run by the real `regie` binary
 * on the worked examples T1-T5 of the domain reference (§1.4), the example
 * data in examples/tender/ and the data under tests/e2e/tender/.
 *
 * Every case is staged in a scratch directory (examples/tender/ overlaid
 * with a test data folder, then edited line by line) and run there, so
 * messages name the files as given: "scores.csv:5: column level: ...". */
#define _GNU_SOURCE
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const FILES[] = { "tender.ini", "criteria.csv", "bids.csv", "ko.csv",
                                     "scores.csv", "interviews.csv", NULL };

/* Copy the files of source folder `srcrel` into tmp/<name>. */
static void overlay(const char *name, const char *srcrel)
{
    char *dir = t_asprintf("%s/%s", t_dir, name);
    for (int i = 0; FILES[i]; i++) {
        char *rel = t_asprintf("%s/%s", srcrel, FILES[i]);
        char *src = t_src(rel);
        char *text = t_read(src);
        if (text) {
            free(t_write(dir, FILES[i], text));
            free(text);
        }
        free(src);
        free(rel);
    }
    free(dir);
}

/* tmp/<name> = examples/tender, overlaid with tests/e2e/tender/<sub> if given. */
static void stage(const char *name, const char *sub)
{
    overlay(name, "examples/tender");
    if (sub) {
        char *rel = t_asprintf("tests/e2e/tender/%s", sub);
        overlay(name, rel);
        free(rel);
    }
}

static char *case_path(const char *name, const char *file)
{
    return t_asprintf("%s/%s/%s", t_dir, name, file);
}

/* Replace the first occurrence of `from` in tmp/<name>/<file> by `to`. */
static void edit(const char *name, const char *file, const char *from, const char *to)
{
    char *p = case_path(name, file);
    char *text = t_read(p);
    ck_assert_msg(text != NULL, "%s missing", p);
    char *at = strstr(text, from);
    ck_assert_msg(at != NULL, "\"%s\" not in %s", from, p);
    *at = 0;
    char *res = t_asprintf("%s%s%s", text, to, at + strlen(from));
    char *dir = t_asprintf("%s/%s", t_dir, name);
    free(t_write(dir, file, res));
    free(dir);
    free(res);
    free(text);
    free(p);
}

/* Copy a file of the test data into the case under another name. */
static void put_src(const char *name, const char *srcrel, const char *as)
{
    char *src = t_src(srcrel);
    char *text = t_read(src);
    ck_assert_msg(text != NULL, "%s missing", src);
    char *dir = t_asprintf("%s/%s", t_dir, name);
    free(t_write(dir, as, text));
    free(dir);
    free(text);
    free(src);
}

static void put_text(const char *name, const char *file, const char *text)
{
    char *dir = t_asprintf("%s/%s", t_dir, name);
    free(t_write(dir, file, text));
    free(dir);
}

/* `regie CMD` (run or check) of the workflow in tmp/<name> with the five
 * required inputs plus the extra NAME=FILE settings in ap (NULL-terminated);
 * run writes its output to tmp/<name>/out.  Returns regie's exit status. */
static int tender_case(const char *cmd, const char *name, char **err, va_list ap)
{
    char *wf = t_src("etc/workflows/tender-evaluation.ini");
    char *cwd = t_asprintf("%s/%s", t_dir, name);
    char *out = strcmp(cmd, "run") == 0 ? t_asprintf("%s/%s/out", t_dir, name) : NULL;
    const char *req[] = { "tender=tender.ini", "criteria=criteria.csv", "bids=bids.csv",
                          "ko=ko.csv", "scores=scores.csv", NULL };
    int rc = t_workflow(cwd, cmd, wf, req, ap, 1, out, err);
    free(wf);
    free(cwd);
    free(out);
    return rc;
}

/* Run the workflow in tmp/<name> (tender_case): exit 3 when the run ends
 * waiting for the interview results (or a low-price decision) after
 * writing its results. */
static int run_case(const char *name, char **err, ...)
{
    va_list ap;
    va_start(ap, err);
    int rc = tender_case("run", name, err, ap);
    va_end(ap);
    return rc;
}

/* `regie check` on tmp/<name> (tender_case). */
static int check_case(const char *name, char **err, ...)
{
    va_list ap;
    va_start(ap, err);
    int rc = tender_case("check", name, err, ap);
    va_end(ap);
    return rc;
}

/* The run wrote its results and ends waiting for a person: exit 3, and the
 * step await_WHAT names the input it waits for. */
#define WAITS_FOR(rc, err, what)                                                                   \
    ck_assert_msg((rc) == 3 && (err) && strstr((err), "await_" what " waits for input "),          \
                  "exit %d, want 3 (await_%s waiting): %s", (rc), what, (err))
#define WAITS(rc, err) WAITS_FOR(rc, err, "interviews")

static char *outf(const char *name, const char *file)
{
    return t_readf("%s/%s/out/%s", t_dir, name, file);
}

static int out_exists(const char *name, const char *file)
{
    return t_existsf("%s/%s/out/%s", t_dir, name, file);
}

/* No results written: the output directory is missing or holds nothing but
 * the engine's own hidden run state (.regie/, kept for resuming a run). */
static int out_empty(const char *name)
{
    char *p = t_asprintf("%s/%s/out", t_dir, name);
    DIR *d = opendir(p);
    free(p);
    if (!d) {
        return 1;
    }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') {
            n++;
        }
    }
    closedir(d);
    return n == 0;
}

#define HAS(hay, needle)                                                                           \
    ck_assert_msg(strstr((hay), (needle)) != NULL, "missing \"%s\" in:\n%s", (needle), (hay))
#define HASNT(hay, needle)                                                                         \
    ck_assert_msg(strstr((hay), (needle)) == NULL, "unexpected \"%s\" in:\n%s", (needle), (hay))

/* ranking.csv of a case equals tests/e2e/tender/expected/<exp> (CRLF aside). */
static void same_ranking(const char *name, const char *exp)
{
    char *got = outf(name, "ranking.csv");
    ck_assert_msg(got != NULL, "%s: ranking.csv not written", name);
    ck_assert_msg(strstr(got, "\r\n") != NULL, "ranking.csv should end lines in CRLF");
    char *rel = t_asprintf("tests/e2e/tender/expected/%s", exp);
    char *path = t_src(rel);
    char *want = t_read(path);
    ck_assert_msg(want != NULL, "%s missing", path);
    t_strip_cr(got);
    t_strip_cr(want);
    ck_assert_str_eq(got, want);
    free(want);
    free(path);
    free(rel);
    free(got);
}

/* ---- a small reader for ranking.csv ---- */

/* Field `col` (0-based) of a CSV line; quotes handled; caller frees. */
static char *field(const char *line, int col)
{
    const char *p = line;
    for (int c = 0;; c++) {
        char buf[4096];
        size_t n = 0;
        if (*p == '"') {
            p++;
            while (*p && !(*p == '"' && p[1] != '"')) {
                if (*p == '"') {
                    p++;
                }
                if (n < sizeof buf - 1) {
                    buf[n++] = *p;
                }
                p++;
            }
            if (*p == '"') {
                p++;
            }
        }
        while (*p && *p != ',' && *p != '\r' && *p != '\n') {
            if (n < sizeof buf - 1) {
                buf[n++] = *p;
            }
            p++;
        }
        buf[n] = 0;
        if (c == col) {
            return strdup(buf);
        }
        if (*p != ',') {
            return NULL;
        }
        p++;
    }
}

static int col_index(const char *csv, const char *colname)
{
    for (int c = 0; c < 64; c++) {
        char *f = field(csv, c);
        if (!f) {
            break;
        }
        int eq = strcmp(f, colname) == 0;
        free(f);
        if (eq) {
            return c;
        }
    }
    ck_abort_msg("no column %s in:\n%s", colname, csv);
    return -1;
}

/* The value in column `colname` of the row of bid `bid`; caller frees. */
static char *cell(const char *csv, const char *bid, const char *colname)
{
    int c = col_index(csv, colname);
    int bc = col_index(csv, "bid_id");
    for (const char *line = csv; line && *line;) {
        char *b = field(line, bc);
        int hit = b && strcmp(b, bid) == 0;
        free(b);
        if (hit) {
            char *v = field(line, c);
            return v ? v : strdup("");
        }
        line = strchr(line, '\n');
        if (line) {
            line++;
        }
    }
    ck_abort_msg("no row for bid %s in:\n%s", bid, csv);
    return NULL;
}

#define CELL_EQ(csv, bid, col, want)                                                               \
    do {                                                                                           \
        char *v_ = cell((csv), (bid), (col));                                                      \
        ck_assert_msg(strcmp(v_, (want)) == 0, "bid %s, %s: got \"%s\", want \"%s\"", (bid),       \
                      (col), v_, (want));                                                          \
        free(v_);                                                                                  \
    } while (0)

/* ---- T1: the example, three evaluators, D over the cap, E fails ko.csv ---- */

START_TEST(t1_ranking_exact)
{
    stage("t1", NULL);
    char *err = NULL;
    int rc = run_case("t1", &err, NULL);
    WAITS(rc, err);
    same_ranking("t1", "t1.csv");
    const char *files[] = { "ranking.md", "report.html", "scores.svg", "dates.csv",
                            "explain/A.md", "explain/D.md", "explain/G.md", "letters/A.md",
                            "letters/B.md", "letters/C.md", "letters/D.md", "letters/E.md",
                            "letters/F.md", "letters/G.md", NULL };
    for (int i = 0; files[i]; i++) {
        ck_assert_msg(out_exists("t1", files[i]), "%s missing", files[i]);
    }
    ck_assert_msg(!out_exists("t1", "lot-protocol.md"), "no lots were drawn");
    free(err);
}
END_TEST

START_TEST(t1_explain_and_letters)
{
    stage("t1", NULL);
    char *err = NULL;
    int rc = run_case("t1", &err, NULL);
    WAITS(rc, err);
    char *d = outf("t1", "explain/D.md");
    HAS(d, "Uitgesloten: eis E4 (max. €120 excl. btw) niet gehaald, aangeboden €125,00");
    char *e = outf("t1", "explain/E.md");
    HAS(e, "Uitgesloten: eis E1 (");
    HAS(e, "4 jaar ervaring");
    char *g = outf("t1", "explain/G.md");
    HAS(g, "aangeboden €119,60 (afgerond €120)");
    HAS(g, "voldoet");
    char *a = outf("t1", "explain/A.md");
    /* every evaluator's level, the mean, points and motivation */
    HAS(a, "| Jansen | 75 | Goed aangetoond met concrete voorbeelden |");
    HAS(a, "| Bakker | 100 | Ruim aangetoond met meerdere recente voorbeelden |");
    HAS(a, "Gemiddelde: 83,33");
    HAS(a, "**20,83 punten**");
    HAS(a, "Totaal: 67,92 punten (3,33 punten achter nummer 1)");
    /* letters: invitation, not selected with the date, exclusion */
    char *lb = outf("t1", "letters/B.md");
    HAS(lb, "Uitnodiging voor een gesprek");
    HAS(lb, "71,25 punten");
    char *lc = outf("t1", "letters/C.md");
    HAS(lc, "Niet geselecteerd");
    HAS(lc, "vrijdag 16 januari 2026");
    HAS(lc, "62,08 punten");
    char *ld = outf("t1", "letters/D.md");
    HAS(ld, "Uitsluiting van uw inschrijving");
    HAS(ld, "eis E4 (max. €120 excl. btw) niet gehaald, aangeboden €125,00");
    char *dates = outf("t1", "dates.csv");
    HAS(dates, "not_selected_by,2026-01-16,");
    HAS(dates, "standstill_end,2026-04-28,");
    HAS(dates, "sign_from,2026-04-29,");
    char *md = outf("t1", "ranking.md");
    HAS(md, "| 2 | A | Adviesbureau Noord | Anna de Boer | 10,00 | 20,83 | 22,50 | 14,58 | 67,92 | 3,33 |");
    free(md);
    free(dates);
    free(ld);
    free(lc);
    free(lb);
    free(a);
    free(g);
    free(e);
    free(d);
    free(err);
}
END_TEST

START_TEST(t1_round_stage_criterion)
{
    stage("t1c", NULL);
    edit("t1c", "tender.ini", "round_stage = total", "round_stage = criterion");
    char *err = NULL;
    int rc = run_case("t1c", &err, NULL);
    WAITS(rc, err);
    same_ranking("t1c", "t1-criterion.csv");
    char *csv = outf("t1c", "ranking.csv");
    CELL_EQ(csv, "A", "total", "67.91");
    CELL_EQ(csv, "G", "total", "41.66");
    free(csv);
    free(err);
}
END_TEST

/* The report's section Vastlegging (run id, audit head) cut out of text. */
static void without_trail(char *text)
{
    char *from = text ? strstr(text, "<h2>Vastlegging</h2>") : NULL;
    char *to = from ? strstr(from, "<h2>Ondertekening</h2>") : NULL;
    if (to) {
        memmove(from, to, strlen(to) + 1);
    }
}

START_TEST(t1_report_and_svg)
{
    stage("t1", NULL);
    char *err = NULL;
    int rc = run_case("t1", &err, NULL);
    WAITS(rc, err);
    char *html = outf("t1", "report.html");
    HAS(html, "<!DOCTYPE html>");
    HAS(html, "</html>");
    HAS(html, "Gunningscriteria en weging");
    HAS(html, "Bakker, De Vries, Jansen");
    HAS(html, "Bureau Beleid &amp; Zo");
    HAS(html, "28 april 2026");
    HAS(html, "Uitsluitingen");
    HASNT(html, "Beleid & Zo");
    char *svg = outf("t1", "scores.svg");
    ck_assert_msg(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0, "%s", svg);
    HAS(svg, "</svg>\n");
    HAS(svg, "B Bureau Beleid &amp; Zo");
    /* deterministic: a second run writes the same bytes */
    stage("t1b", NULL);
    rc = run_case("t1b", NULL, NULL);
    ck_assert_int_eq(rc, 3); /* waits for the interviews, as t1 */
    const char *same[] = { "report.html", "scores.svg", "ranking.csv", "ranking.md",
                           "letters/C.md", "explain/A.md", NULL };
    for (int i = 0; same[i]; i++) {
        char *x = outf("t1", same[i]), *y = outf("t1b", same[i]);
        /* but for the run id and the audit head the report names (its
         * section Vastlegging), each run's own */
        without_trail(x);
        without_trail(y);
        ck_assert_msg(x && y && strcmp(x, y) == 0, "%s differs between runs", same[i]);
        free(x);
        free(y);
    }
    free(svg);
    free(html);
    free(err);
}
END_TEST

START_TEST(t1_semicolon_bom_decimal_comma)
{
    stage("semi", NULL);
    put_src("semi", "tests/e2e/tender/semicolon/bids.csv", "bids.csv");
    char *err = NULL;
    int rc = run_case("semi", &err, NULL);
    WAITS(rc, err);
    same_ranking("semi", "t1.csv");
    free(err);
}
END_TEST

/* ---- T2: the four price formulas (70 quality, 30 price) ---- */

static const char *const METHODS[] = { "lowest_ratio", "linear_ceiling", "relative_deviation",
                                       "fictitious_discount" };

START_TEST(t2_price_methods)
{
    const char *m = METHODS[_i];
    stage(m, "t2");
    char *line = t_asprintf("price_method = %s", m);
    edit(m, "tender.ini", "price_method = lowest_ratio", line);
    free(line);
    char *err = NULL;
    int rc = run_case(m, &err, NULL);
    ck_assert_msg(rc == 3 && strstr(err, "await_interviews waits for input "),
                  "%s: exit %d, want 3 (waiting for the interviews): %s", m, rc, err);
    char *exp = t_asprintf("t2-%s.csv", m);
    same_ranking(m, exp);
    free(exp);
    char *csv = outf(m, "ranking.csv");
    CELL_EQ(csv, "A", "quality_scaled", strcmp(m, "fictitious_discount") ? "52.82" : "");
    switch (_i) {
    case 0:
        CELL_EQ(csv, "C", "price_points", "30.00");
        CELL_EQ(csv, "C", "total", "78.29");
        CELL_EQ(csv, "C", "rank", "3");
        CELL_EQ(csv, "A", "price_points", "25.91");
        CELL_EQ(csv, "A", "total", "78.73");
        CELL_EQ(csv, "A", "rank", "2");
        CELL_EQ(csv, "B", "price_points", "24.15");
        CELL_EQ(csv, "B", "total", "79.57");
        CELL_EQ(csv, "B", "rank", "1");
        CELL_EQ(csv, "F", "price_points", "23.75");
        CELL_EQ(csv, "F", "total", "74.31");
        break;
    case 1:
        CELL_EQ(csv, "C", "total", "78.29");
        CELL_EQ(csv, "C", "rank", "1");
        CELL_EQ(csv, "A", "price_points", "12.00");
        CELL_EQ(csv, "A", "total", "64.82");
        CELL_EQ(csv, "B", "price_points", "2.40");
        CELL_EQ(csv, "B", "total", "57.82");
        CELL_EQ(csv, "F", "price_points", "0.00");
        CELL_EQ(csv, "F", "total", "50.56");
        break;
    case 2:
        CELL_EQ(csv, "C", "total", "78.29");
        CELL_EQ(csv, "C", "rank", "1");
        CELL_EQ(csv, "A", "price_points", "25.26");
        CELL_EQ(csv, "A", "total", "78.09");
        CELL_EQ(csv, "A", "rank", "3");
        CELL_EQ(csv, "B", "price_points", "22.74");
        CELL_EQ(csv, "B", "total", "78.15");
        CELL_EQ(csv, "B", "rank", "2");
        CELL_EQ(csv, "F", "price_points", "22.11");
        CELL_EQ(csv, "F", "total", "72.66");
        break;
    case 3:
        CELL_EQ(csv, "C", "discount", "31.04");
        CELL_EQ(csv, "C", "total", "63.96");
        CELL_EQ(csv, "C", "rank", "1");
        CELL_EQ(csv, "A", "discount", "33.96");
        CELL_EQ(csv, "A", "total", "76.04");
        CELL_EQ(csv, "B", "discount", "35.63"); /* 35.625 rounds half-up */
        CELL_EQ(csv, "B", "total", "82.38");
        CELL_EQ(csv, "F", "discount", "32.50");
        CELL_EQ(csv, "F", "total", "87.50");
        CELL_EQ(csv, "F", "rank", "4");
        break;
    }
    free(csv);
    free(err);
}
END_TEST

START_TEST(t2_abnormally_low_flag)
{
    stage("low", "low");
    char *err = NULL;
    int rc = run_case("low", &err, NULL);
    WAITS_FOR(rc, err, "low_price_decision"); /* N's price is not yet decided on */
    WAITS(rc, err);
    char *csv = outf("low", "ranking.csv");
    CELL_EQ(csv, "N", "flags", "abnormally_low"); /* 60 < 0.7 x 114 = 79.8 */
    CELL_EQ(csv, "N", "status", "invited");       /* flagged, never excluded */
    CELL_EQ(csv, "C", "flags", "");               /* 95 is not flagged */
    CELL_EQ(csv, "A", "flags", "");
    char *html = outf("low", "report.html");
    HAS(html, "BESLUIT NOG NIET VASTGELEGD");
    char *md = outf("low", "ranking.md");
    HAS(md, "ABNORMAAL LAGE PRIJS");
    free(md);
    free(html);
    free(csv);
    free(err);
}
END_TEST

START_TEST(t2_abnormally_low_decisions)
{
    stage("rej", "low");
    put_src("rej", "tests/e2e/tender/low/decisions-reject.csv", "decisions.csv");
    char *err = NULL;
    int rc = run_case("rej", &err, "low_price_decisions=decisions.csv", NULL);
    WAITS(rc, err);
    char *csv = outf("rej", "ranking.csv");
    CELL_EQ(csv, "N", "status", "excluded");
    CELL_EQ(csv, "N", "reason", "abnormally_low");
    CELL_EQ(csv, "N", "rank", "");
    /* without N the lowest price is 95 again: T2 lowest_ratio */
    CELL_EQ(csv, "C", "price_points", "30.00");
    CELL_EQ(csv, "B", "total", "79.57");
    free(csv);
    free(err);

    stage("acc", "low");
    put_src("acc", "tests/e2e/tender/low/decisions-accept.csv", "decisions.csv");
    rc = run_case("acc", &err, "low_price_decisions=decisions.csv", NULL);
    WAITS(rc, err);
    csv = outf("acc", "ranking.csv");
    CELL_EQ(csv, "N", "flags", "abnormally_low_accepted");
    CELL_EQ(csv, "N", "rank", "1");
    free(csv);
    free(err);
}
END_TEST

/* ---- T3: ties ---- */

START_TEST(t3_ties_criterion_and_seeded_lot)
{
    stage("t3", "t3");
    char *err = NULL;
    int rc = run_case("t3", &err, NULL);
    WAITS(rc, err);
    same_ranking("t3", "t3.csv");
    char *csv = outf("t3", "ranking.csv");
    CELL_EQ(csv, "H", "total", "63.75");
    CELL_EQ(csv, "J", "total", "63.75");
    CELL_EQ(csv, "H", "rank", "1"); /* criterion:W3 22.50 > 10.00 */
    CELL_EQ(csv, "J", "rank", "2");
    CELL_EQ(csv, "K", "rank", "3"); /* b462f45ab460a9e0 < b462fb5ab460b5c5 */
    CELL_EQ(csv, "L", "rank", "4");
    char *lot = outf("t3", "lot-protocol.md");
    ck_assert_msg(lot != NULL, "lot-protocol.md missing");
    HAS(lot, "VNG-2026-0117");
    HAS(lot, "FNV-1a-64(`VNG-2026-0117|K`) = `b462f45ab460a9e0`");
    HAS(lot, "FNV-1a-64(`VNG-2026-0117|L`) = `b462fb5ab460b5c5`");
    /* the published test vectors of the hash */
    HAS(lot, "cbf29ce484222325");
    HAS(lot, "af63dc4c8601ec8c");
    HAS(lot, "85944171f73967e8");
    char *html = outf("t3", "report.html");
    HAS(html, "hoogste score op criterium W3");
    HAS(html, "b462f45ab460a9e0");
    free(html);
    free(lot);
    free(csv);
    free(err);
}
END_TEST

/* Twelve bids level on everything: the lot decides.  An explanation lists
 * a group of up to ten whole; of this larger group only the bid's own
 * tie-break steps, with the size of the group and where the full table is. */
START_TEST(large_tie_group_summarised)
{
    stage("bigtie", NULL);
    char bids[4096] = "bid_id,supplier,candidate,rate_excl_vat_eur,cv_count,motivation_count,submitted_at\n";
    char ko[4096] = "bid_id,req_id,result,note\n";
    char scores[16384] = "bid_id,crit_id,evaluator,level,motivation\n";
    for (int b = 1; b <= 12; b++) {
        char line[256];
        snprintf(line, sizeof line, "B%02d,Leverancier %d,Kandidaat %d,100.00,1,1,2026-01-05T10:00\n", b, b, b);
        strcat(bids, line);
        snprintf(line, sizeof line, "B%02d,E1,pass,ok\nB%02d,E2,pass,ok\n", b, b);
        strcat(ko, line);
        for (int c = 1; c <= 4; c++) {
            for (int e = 0; e < 3; e++) {
                snprintf(line, sizeof line, "B%02d,W%d,%s,%d,goed\n", b, c, e == 0 ? "Jansen" : e == 1 ? "Bakker" : "De Vries",
                         c == 1 ? 100 : 75);
                strcat(scores, line);
            }
        }
    }
    put_text("bigtie", "bids.csv", bids);
    put_text("bigtie", "ko.csv", ko);
    put_text("bigtie", "scores.csv", scores);
    char *err = NULL;
    int rc = run_case("bigtie", &err, NULL);
    WAITS(rc, err);
    char *e = outf("bigtie", "explain/B07.md");
    ck_assert_msg(e != NULL, "explain/B07.md missing");
    HAS(e, "Gelijk geëindigd met 11 andere inschrijvingen");
    HAS(e, "report.html");
    HAS(e, "totaal: B07 ");
    HAS(e, ": B07 ");
    HASNT(e, ": B08 ");
    HASNT(e, ": B01 ");
    char *html = outf("bigtie", "report.html");
    /* the whole group in the report */
    for (int b = 1; b <= 12; b++) {
        char id[16];
        snprintf(id, sizeof id, "<td>B%02d</td>", b);
        HAS(html, id);
    }
    free(html);
    free(e);
    /* a group of two is listed whole: H's explanation shows J too */
    stage("t3b", "t3");
    rc = run_case("t3b", NULL, NULL);
    ck_assert_int_eq(rc, 3); /* waits for the interviews */
    char *h = outf("t3b", "explain/H.md");
    HAS(h, "## Gelijke stand");
    HAS(h, ": J ");
    HASNT(h, "Gelijk geëindigd met");
    free(h);
    free(err);
}
END_TEST

START_TEST(t3_external_lot_and_preference)
{
    /* four places: K and L share rank 3 and are both invited, the draw
     * decides nothing, so the run does not wait for it (§1.2) */
    stage("ext", "t3");
    edit("ext", "tender.ini", "lot_mode = seeded", "lot_mode = external");
    edit("ext", "tender.ini", "invite_top_n = 3", "invite_top_n = 4");
    char *err = NULL;
    int rc = run_case("ext", &err, NULL);
    WAITS(rc, err);
    HASNT(err, "await_draw waits");
    char *csv = outf("ext", "ranking.csv");
    CELL_EQ(csv, "K", "rank", "3");
    CELL_EQ(csv, "L", "rank", "3");
    CELL_EQ(csv, "K", "flags", "tie;lot_pending");
    CELL_EQ(csv, "K", "status", "invited");
    CELL_EQ(csv, "L", "status", "invited");
    char *lot = outf("ext", "lot-protocol.md");
    ck_assert_msg(lot != NULL, "lot-protocol.md missing");
    HAS(lot, "Loting nodig");
    free(lot);
    free(csv);

    stage("ext2", "t3");
    edit("ext2", "tender.ini", "lot_mode = seeded", "lot_mode = external\nlot_result = L,K");
    free(err);
    rc = run_case("ext2", &err, NULL);
    WAITS(rc, err);
    csv = outf("ext2", "ranking.csv");
    CELL_EQ(csv, "L", "rank", "3");
    CELL_EQ(csv, "K", "rank", "4");
    free(csv);

    stage("pref", "t3");
    edit("pref", "tender.ini", "tiebreak = criterion:W3,price,lot",
         "tiebreak = preference:region=Drenthe,lot");
    free(err);
    rc = run_case("pref", &err, NULL);
    WAITS(rc, err);
    csv = outf("pref", "ranking.csv");
    CELL_EQ(csv, "J", "rank", "1"); /* J is from Drenthe */
    CELL_EQ(csv, "H", "rank", "2");
    free(csv);
    free(err);
}
END_TEST

/* The id of the run a regie command recorded, from its messages. */
static void run_id_of(const char *err, char id[64])
{
    const char *rec = strstr(err, "regie: run ");
    ck_assert_msg(rec != NULL, "no run recorded: %s", err);
    ck_assert_int_eq(sscanf(rec, "regie: run %63s", id), 1);
}

/* `regie runs --waiting` in the case's folder (its run store). */
static char *waiting_list(const char *name)
{
    char *cwd = case_path(name, "");
    const char *lv[] = { "runs", "--waiting", NULL };
    char *out = NULL, *err = NULL;
    int rc = t_regie(cwd, &out, &err, lv);
    ck_assert_msg(rc == 0, "runs --waiting: exit %d: %s", rc, err);
    free(err);
    free(cwd);
    return out;
}

/* regie resume ID --set SETTING in the case's folder. */
static int resume_case(const char *name, const char *id, const char *setting, char **err)
{
    char *cwd = case_path(name, "");
    const char *rv[] = { "resume", id, "--set", setting, NULL };
    char *out = NULL;
    int rc = t_regie(cwd, &out, err, rv);
    free(out);
    free(cwd);
    return rc;
}

/* lot_mode = external, T3 (§1.4): H = 10+18.75+22.50+12.50 = 63.75 and
 * J = 10+25+10+18.75 = 63.75, criterion:W3 puts H (22.50) above J (10.00).
 * K and L both have 10+12.50+15.00+12.50 = 50.00, 15.00 on W3 and price
 * 100: still tied, the lot decides.  They share rank 3 across the last of
 * the 3 places invited to interview, so the run waits for the physical
 * draw (§1.2): nothing is decided, no letter written, not two invitations
 * for one place.  The draw puts L first: L rank 3 invited, K rank 4 not
 * selected; who drew and when is in the record, lot-protocol.md and
 * report.html. */
START_TEST(external_draw_at_the_cut_waits)
{
    stage("xd", "t3");
    edit("xd", "tender.ini", "lot_mode = seeded", "lot_mode = external");
    char *err = NULL;
    int rc = run_case("xd", &err, NULL);
    WAITS_FOR(rc, err, "draw");
    HAS(err, "tie between K, L at the 3 places invited to interview: the run waits for the result "
             "of the physical draw");
    HASNT(err, "await_interviews waits");
    ck_assert(!out_exists("xd", "ranking.csv"));
    ck_assert(!out_exists("xd", "letters/K.md"));
    ck_assert(!out_exists("xd", "letters/L.md"));
    char id[64] = { 0 };
    run_id_of(err, id);
    free(err);
    char *w = waiting_list("xd");
    HAS(w, id);
    HAS(w, "await_draw");
    /* the wait names the tied bids */
    HAS(w, "input draw - the result of the physical draw (draw.csv: bid_id,position,drawn_by,drawn_at) "
           "for the tied bids K, L at rank 3-4 across the 3 places invited to interview");
    free(w);

    /* a draw that places only one of the tied bids is refused */
    put_text("xd", "half.csv", "bid_id,position,drawn_by,drawn_at\nK,1,Notaris De Boer,2026-01-20T10:00\n");
    rc = resume_case("xd", id, "draw=half.csv", &err);
    ck_assert_msg(rc == 2, "exit %d, want 2: %s", rc, err);
    HAS(err, "half.csv:2: column bid_id: found \"K\", expected every bid of the tie K, L in half.csv "
             "(missing: L)");
    free(err);

    /* nor one that gives two bids one position */
    put_text("xd", "dup.csv", "bid_id,position,drawn_by,drawn_at\nK,1,Notaris De Boer,2026-01-20T10:00\n"
                              "L,1,Notaris De Boer,2026-01-20T10:00\n");
    rc = resume_case("xd", id, "draw=dup.csv", &err);
    ck_assert_msg(rc == 2, "exit %d, want 2: %s", rc, err);
    HAS(err, "dup.csv:3: column position: found \"1\", expected a position no other bid of the tie (K, L) "
             "has (K has it)");
    free(err);

    put_text("xd", "draw.csv",
             "bid_id,position,drawn_by,drawn_at,place\n"
             "K,2,Notaris De Boer,2026-01-20T10:00,Utrecht\n"
             "L,1,Notaris De Boer,2026-01-20T10:00,Utrecht\n");
    rc = resume_case("xd", id, "draw=draw.csv", &err);
    WAITS(rc, err);
    HASNT(err, "await_draw waits");
    char *csv = outf("xd", "ranking.csv");
    ck_assert_ptr_nonnull(csv);
    CELL_EQ(csv, "H", "rank", "1");
    CELL_EQ(csv, "J", "rank", "2");
    CELL_EQ(csv, "L", "rank", "3");
    CELL_EQ(csv, "L", "status", "invited");
    CELL_EQ(csv, "L", "flags", "tie;lot");
    CELL_EQ(csv, "K", "rank", "4");
    CELL_EQ(csv, "K", "status", "not_selected");
    char *lk = outf("xd", "letters/K.md");
    ck_assert_ptr_nonnull(lk);
    char *lot = outf("xd", "lot-protocol.md");
    ck_assert_ptr_nonnull(lot);
    HAS(lot, "1. **L** (uitslag trekking, draw.csv:3)");
    HAS(lot, "2. **K** (uitslag trekking, draw.csv:2)");
    HAS(lot, "getrokken door Notaris De Boer op 2026-01-20T10:00 in Utrecht");
    char *html = outf("xd", "report.html");
    HAS(html, "<td>L</td><td>draw.csv:3</td><td>loting: plaats 1 (getrokken door Notaris De Boer, "
              "2026-01-20T10:00)</td>");
    w = waiting_list("xd");
    HASNT(w, "await_draw");
    HAS(w, "await_interviews");
    free(w);
    free(html);
    free(lot);
    free(lk);
    free(csv);
    free(err);
}
END_TEST

/* A tiebreak list without lot: criterion:W1 alone.  T3's bids: H and J
 * both 63.75 and both 10.00 on W1, so they share rank 1, the award (first
 * place); K and L both 50.00 and 10.00 on W1 share rank 3 across the 3
 * places invited to interview.  The run waits for the committee, naming
 * both ties, and invites only the bids above a tie (never four for three
 * places, never by file order).  The committee puts J before H and L
 * before K: J 1, H 2, L 3 invited, K 4 not selected; with every interview
 * passed J gets the award, H and L are reserve. */
START_TEST(tie_after_every_rule_waits_for_the_committee)
{
    stage("td", "t3");
    edit("td", "tender.ini", "tiebreak = criterion:W3,price,lot", "tiebreak = criterion:W1");
    char *err = NULL;
    int rc = run_case("td", &err, NULL);
    WAITS_FOR(rc, err, "tie_decision");
    HAS(err, "tie between H, J after every tie-break rule (criterion:W1) at the award (first place): "
             "the run waits for the committee's decision");
    HAS(err, "tie between K, L after every tie-break rule (criterion:W1) at the 3 places invited "
             "to interview");
    /* H and J (ranks 1-2) are within the 3 places; K and L are not invited
     * until the committee decides: 2 invitations, not 4 */
    HAS(err, "shortlist: info: 2 invited");
    ck_assert(!out_exists("td", "ranking.csv"));
    ck_assert(!out_exists("td", "letters/K.md"));
    char id[64] = { 0 };
    run_id_of(err, id);
    free(err);
    char *w = waiting_list("td");
    HAS(w, id);
    HAS(w, "await_tie_decision");
    HAS(w, "input tie_decision - the committee's decision (tie_decision.csv: bid_id,position,decided_by,"
           "decided_at,reason) on the order of the tied bids H, J at rank 1-2 across the award (first "
           "place); K, L at rank 3-4 across the 3 places invited to interview");
    free(w);

    /* a row for a bid in no open tie is refused */
    put_text("td", "bad.csv", "bid_id,position,decided_by\nH,1,Commissie\nJ,2,Commissie\n"
                              "K,2,Commissie\nL,1,Commissie\nX,1,Commissie\n");
    rc = resume_case("td", id, "tie_decision=bad.csv", &err);
    ck_assert_msg(rc == 2, "exit %d, want 2: %s", rc, err);
    HAS(err, "bad.csv:6: column bid_id: found \"X\", expected a bid of a tie no tie-break rule "
             "separates");
    free(err);

    put_text("td", "decision.csv",
             "bid_id,position,decided_by,decided_at,reason\n"
             "H,2,Beoordelingscommissie,2026-01-21T14:00,\"J sluit beter aan op de opdracht\"\n"
             "J,1,Beoordelingscommissie,2026-01-21T14:00,\"J sluit beter aan op de opdracht\"\n"
             "K,2,Beoordelingscommissie,2026-01-21T14:00,\"L heeft meer ervaring\"\n"
             "L,1,Beoordelingscommissie,2026-01-21T14:00,\"L heeft meer ervaring\"\n");
    rc = resume_case("td", id, "tie_decision=decision.csv", &err);
    WAITS(rc, err);
    char *csv = outf("td", "ranking.csv");
    ck_assert_ptr_nonnull(csv);
    CELL_EQ(csv, "J", "rank", "1");
    CELL_EQ(csv, "H", "rank", "2");
    CELL_EQ(csv, "L", "rank", "3");
    CELL_EQ(csv, "K", "rank", "4");
    CELL_EQ(csv, "J", "status", "invited");
    CELL_EQ(csv, "H", "status", "invited");
    CELL_EQ(csv, "L", "status", "invited");
    CELL_EQ(csv, "K", "status", "not_selected");
    CELL_EQ(csv, "J", "flags", "tie;decided");
    char *html = outf("td", "report.html");
    HAS(html, "<td>J</td><td>decision.csv:3</td><td>besluit commissie: plaats 1 (Beoordelingscommissie, "
              "2026-01-21T14:00: J sluit beter aan op de opdracht)</td>");
    HAS(html, "zijn in de volgorde gezet die de commissie besloot (decision.csv); er is niet op "
              "bestandsvolgorde beslist");
    free(html);
    free(csv);
    free(err);

    put_text("td", "iv.csv", "bid_id,outcome,reason\nJ,pass,\nH,pass,\nL,pass,\n");
    rc = resume_case("td", id, "interviews=iv.csv", &err);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    csv = outf("td", "ranking.csv");
    CELL_EQ(csv, "J", "status", "awarded");
    CELL_EQ(csv, "H", "status", "reserve");
    CELL_EQ(csv, "L", "status", "reserve");
    CELL_EQ(csv, "K", "status", "not_selected");
    free(csv);
    free(err);

    /* four places: K and L share rank 3 and are both invited (a shared
     * rank that decides nothing is fine); H and J still wait at the award */
    stage("td4", "t3");
    edit("td4", "tender.ini", "tiebreak = criterion:W3,price,lot", "tiebreak = criterion:W1");
    edit("td4", "tender.ini", "invite_top_n = 3", "invite_top_n = 4");
    rc = run_case("td4", &err, NULL);
    WAITS_FOR(rc, err, "tie_decision");
    HAS(err, "tie between H, J after every tie-break rule");
    HASNT(err, "tie between K, L after every");
    free(err);
}
END_TEST

/* round_stage = criterion with a price method that rescales (§1.2): the
 * points of each criterion rounded, Q' from their sum, rounded, the price
 * points rounded, then added.  T2's C (70 quality, 30 price,
 * lowest_ratio): 10 + 14.58 + 25.00 + 12.50 = 62.08; Q' = 62.08 x 70/90 =
 * 48.2844... -> 48.28; price 30 x 95/95 = 30.00; T = 78.28.  Scaling the
 * unrounded quality instead (62.0833... x 70/90 = 48.2870... -> 48.29)
 * would give 78.29, as round_stage = total does (T2's table).  A:
 * 10 + 20.83 + 22.50 + 14.58 = 67.91 x 70/90 = 52.8189 -> 52.82, price
 * 30 x 95/110 = 25.909... -> 25.91, T = 78.73. */
START_TEST(criterion_stage_rounds_before_rescaling)
{
    stage("cs", "t2");
    edit("cs", "tender.ini", "round_stage = total", "round_stage = criterion");
    char *err = NULL;
    int rc = run_case("cs", &err, NULL);
    WAITS(rc, err);
    char *csv = outf("cs", "ranking.csv");
    CELL_EQ(csv, "C", "W2", "14.58");
    CELL_EQ(csv, "C", "quality", "62.08");
    CELL_EQ(csv, "C", "quality_scaled", "48.28");
    CELL_EQ(csv, "C", "price_points", "30.00");
    CELL_EQ(csv, "C", "total", "78.28");
    CELL_EQ(csv, "A", "quality", "67.91");
    CELL_EQ(csv, "A", "quality_scaled", "52.82");
    CELL_EQ(csv, "A", "total", "78.73");
    free(csv);
    free(err);
}
END_TEST

/* A tie that decides nothing at first can come to a cut after the
 * interviews (§1.2: never by file order).  T3, lot_mode = external: H 1,
 * J 2, K and L share rank 3 (50.00 each, the same W3 points and price).
 * (a) Two places: K and L are not invited, the shared rank decides
 * nothing and the run does not wait for it.  H fails the interview: the
 * freed place goes to K or L, so the run waits for the draw; with L drawn
 * first, L (rank 3) is invited after H, K (4) is not selected, and J,
 * who passed, gets the award.
 * (b) Four places: all are invited.  H fails and J does not show up: the
 * best remaining bids are K and L, tied at the award; the run waits for
 * the draw, and with L first L is awarded and K, who passed too, is
 * reserve. */
START_TEST(tie_reaching_a_cut_after_the_interviews_waits)
{
    stage("ca", "t3");
    edit("ca", "tender.ini", "lot_mode = seeded", "lot_mode = external");
    edit("ca", "tender.ini", "invite_top_n = 3", "invite_top_n = 2");
    put_text("ca", "iv.csv", "bid_id,outcome,reason\nH,fail,\"Referenties niet bevestigd\"\nJ,pass,\n");
    put_text("ca", "draw.csv", "bid_id,position,drawn_by,drawn_at\nK,2,Notaris De Boer,2026-01-27T10:00\n"
                               "L,1,Notaris De Boer,2026-01-27T10:00\n");
    char *err = NULL;
    int rc = run_case("ca", &err, "interviews=iv.csv", NULL);
    WAITS_FOR(rc, err, "draw");
    HAS(err, "tie between K, L: a draw by lot is needed (lot_mode = external, no draw yet); it decides "
             "no place, so the bids share rank 3");
    HAS(err, "interviews: warning: tie between K, L at the place freed by the exclusion of bid H: the "
             "run waits for the result of the physical draw");
    ck_assert(!out_exists("ca", "ranking.csv"));
    char id[64] = { 0 };
    run_id_of(err, id);
    free(err);
    char *w = waiting_list("ca");
    HAS(w, "for the tied bids K, L at rank 3-4 across the place freed by the exclusion of bid H");
    free(w);
    rc = resume_case("ca", id, "draw=draw.csv", &err);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *csv = outf("ca", "ranking.csv");
    CELL_EQ(csv, "H", "status", "excluded");
    CELL_EQ(csv, "J", "status", "awarded");
    CELL_EQ(csv, "L", "rank", "3");
    CELL_EQ(csv, "L", "status", "invited");
    CELL_EQ(csv, "K", "rank", "4");
    CELL_EQ(csv, "K", "status", "not_selected");
    w = waiting_list("ca");
    HAS(w, "nothing is waiting");
    free(w);
    free(csv);
    free(err);

    stage("cb", "t3");
    edit("cb", "tender.ini", "lot_mode = seeded", "lot_mode = external");
    edit("cb", "tender.ini", "invite_top_n = 3", "invite_top_n = 4");
    put_text("cb", "iv.csv", "bid_id,outcome,reason\nH,fail,\"Referenties niet bevestigd\"\nJ,no_show,\n"
                             "K,pass,\nL,pass,\n");
    put_text("cb", "draw.csv", "bid_id,position,drawn_by,drawn_at\nK,2,Notaris De Boer,2026-01-27T10:00\n"
                               "L,1,Notaris De Boer,2026-01-27T10:00\n");
    rc = run_case("cb", &err, "interviews=iv.csv", NULL);
    WAITS_FOR(rc, err, "draw");
    HAS(err, "interviews: warning: tie between K, L at the award (first place): the run waits for the "
             "result of the physical draw");
    run_id_of(err, id);
    free(err);
    rc = resume_case("cb", id, "draw=draw.csv", &err);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    csv = outf("cb", "ranking.csv");
    CELL_EQ(csv, "L", "status", "awarded");
    CELL_EQ(csv, "K", "status", "reserve");
    CELL_EQ(csv, "J", "status", "excluded");
    free(csv);
    free(err);

    /* (c) tiebreak = criterion:W1,lot: H and J (10.00 each on W1) tie at
     * the award and a draw given at the start puts J first.  Both fail
     * the interview: K and L now tie at the award, and the draw given has
     * no rows for them, so the run cannot wait for it: it stops, asking
     * for the file anew, and decides nothing by file order.  With all four
     * rows L is awarded and K is reserve. */
    stage("cc", "t3");
    edit("cc", "tender.ini", "lot_mode = seeded", "lot_mode = external");
    edit("cc", "tender.ini", "invite_top_n = 3", "invite_top_n = 4");
    edit("cc", "tender.ini", "tiebreak = criterion:W3,price,lot", "tiebreak = criterion:W1,lot");
    put_text("cc", "iv.csv", "bid_id,outcome,reason\nH,fail,\nJ,fail,\nK,pass,\nL,pass,\n");
    put_text("cc", "draw.csv", "bid_id,position,drawn_by,drawn_at\nH,2,Notaris De Boer,2026-01-20T10:00\n"
                               "J,1,Notaris De Boer,2026-01-20T10:00\n");
    rc = run_case("cc", &err, "interviews=iv.csv", "draw=draw.csv", NULL);
    ck_assert_msg(rc == 2, "exit %d, want 2: %s", rc, err);
    HAS(err, "draw.csv: column bid_id: found \"\", expected rows for K, L too, tied at the award (first "
             "place) (give the file anew with their order)");
    ck_assert(!out_exists("cc", "ranking.csv"));
    free(err);
    put_text("cc", "draw.csv", "bid_id,position,drawn_by,drawn_at\nH,2,Notaris De Boer,2026-01-20T10:00\n"
                               "J,1,Notaris De Boer,2026-01-20T10:00\nK,2,Notaris De Boer,2026-01-27T10:00\n"
                               "L,1,Notaris De Boer,2026-01-27T10:00\n");
    rc = run_case("cc", &err, "interviews=iv.csv", "draw=draw.csv", NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    csv = outf("cc", "ranking.csv");
    CELL_EQ(csv, "L", "rank", "3");
    CELL_EQ(csv, "L", "status", "awarded");
    CELL_EQ(csv, "K", "status", "reserve");
    CELL_EQ(csv, "H", "status", "excluded");
    free(csv);
    free(err);
}
END_TEST

/* ---- T4: dates ---- */

START_TEST(t4_standstill_dates)
{
    struct {
        const char *closing, *sent, *end, *nl, *sign;
    } cases[] = {
        { "2026-01-12T12:00", "2026-04-07", "2026-04-28", "28 april 2026", "2026-04-29" },
        { "2025-11-28T12:00", "2025-12-05", "2025-12-29", "29 december 2025", "2025-12-30" },
        { "2026-01-12T12:00", "2026-01-12", "2026-02-02", "2 februari 2026", "2026-02-03" },
    };
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "t4-%d", i);
        stage(name, NULL);
        char *c = t_asprintf("closing = %s", cases[i].closing);
        char *s = t_asprintf("sent = %s", cases[i].sent);
        edit(name, "tender.ini", "closing = 2026-01-12T12:00", c);
        edit(name, "tender.ini", "sent = 2026-04-07", s);
        char *err = NULL;
        /* case 1: every bid arrives after the early closing, so no interviews
         * are given (the run still waits for their results: exit 3) */
        int rc = i == 1 ? run_case(name, &err, NULL)
                        : run_case(name, &err, "interviews=interviews.csv", NULL);
        ck_assert_msg(rc == (i == 1 ? 3 : 0), "%s: exit %d, want %d: %s", name, rc, i == 1 ? 3 : 0,
                      err);
        char *dates = outf(name, "dates.csv");
        char *want = t_asprintf("standstill_end,%s,", cases[i].end);
        HAS(dates, want);
        free(want);
        want = t_asprintf("sign_from,%s,", cases[i].sign);
        HAS(dates, want);
        free(want);
        char *html = outf(name, "report.html");
        HAS(html, cases[i].nl);
        if (i != 1) {
            char *letter = outf(name, "letters/A.md");
            HAS(letter, cases[i].nl);
            free(letter);
        }
        free(html);
        free(dates);
        free(c);
        free(s);
        free(err);
    }
}
END_TEST

START_TEST(t4_not_selected_date)
{
    stage("t4n", NULL);
    char *err = NULL;
    int rc = run_case("t4n", &err, NULL);
    WAITS(rc, err);
    /* closing Mon 12 Jan 2026 + 4 working days = Fri 16 Jan */
    const char *ids[] = { "C", "G", NULL };
    for (int i = 0; ids[i]; i++) {
        char *f = t_asprintf("letters/%s.md", ids[i]);
        char *l = outf("t4n", f);
        HAS(l, "16 januari 2026");
        free(l);
        free(f);
    }
    free(err);
}
END_TEST

/* ---- T5: exclusion after the interview ---- */

START_TEST(t5_interviews)
{
    stage("t5", NULL);
    char *err = NULL;
    int rc = run_case("t5", &err, "interviews=interviews.csv", NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    same_ranking("t5", "t5.csv");
    char *csv = outf("t5", "ranking.csv");
    CELL_EQ(csv, "F", "status", "excluded");
    CELL_EQ(csv, "F", "reason", "E2");
    CELL_EQ(csv, "B", "rank", "1");
    CELL_EQ(csv, "B", "total", "71.25");
    CELL_EQ(csv, "B", "status", "awarded");
    CELL_EQ(csv, "A", "rank", "2");
    CELL_EQ(csv, "A", "total", "67.92");
    CELL_EQ(csv, "C", "rank", "4"); /* the ranking is kept */
    CELL_EQ(csv, "G", "status", "not_selected");
    char *lf = outf("t5", "letters/F.md");
    HAS(lf, "Uitsluiting na het gesprek");
    HAS(lf, "eis E2 (Afgeronde hbo-opleiding) niet gehaald");
    char *ec = outf("t5", "explain/C.md");
    HAS(ec, "Uitgenodigd na uitsluiting van inschrijving F");
    char *lb = outf("t5", "letters/B.md");
    HAS(lb, "Voornemen tot gunning");
    HAS(lb, "28 april 2026");
    HAS(lb, "29 april 2026");
    char *la = outf("t5", "letters/A.md");
    HAS(la, "Bureau Beleid & Zo"); /* the winner's name */
    HAS(la, "| W2 Ervaring met regionale of interbestuurlijke programma's | 25 | 20,83 | 25,00 |");
    HAS(la, "Kenmerken en relatieve voordelen");
    HAS(la, "28 april 2026");
    char *ld = outf("t5", "letters/D.md");
    HAS(ld, "eis E4");
    HAS(ld, "Bureau Beleid & Zo");
    free(ld);
    free(la);
    free(lb);
    free(ec);
    free(lf);
    free(csv);
    free(err);
}
END_TEST

/* Without interview results the run writes the ranking and the shortlist
 * letters, then waits; resuming with the results finishes it exactly as a
 * run that had them from the start. */
START_TEST(t5_wait_then_resume)
{
    stage("t5w", NULL);
    char *wf = t_src("etc/workflows/tender-evaluation.ini");
    char *cwd = case_path("t5w", "");
    const char *argv[] = { "run", wf, "--set", "tender=tender.ini", "--set", "criteria=criteria.csv",
                           "--set", "bids=bids.csv", "--set", "ko=ko.csv", "--set",
                           "scores=scores.csv", "--out", "out", NULL };
    char *out = NULL, *err = NULL;
    int rc = t_regie(cwd, &out, &err, argv);
    ck_assert_msg(rc == 3, "exit %d, want 3 (waiting): %s", rc, err);
    ck_assert_msg(strstr(err, "await_interviews waits for input interviews") != NULL, "%s", err);
    char *csv = outf("t5w", "ranking.csv");
    ck_assert_ptr_nonnull(csv); /* written before the run waits */
    CELL_EQ(csv, "F", "status", "invited");
    char *lc = outf("t5w", "letters/C.md");
    ck_assert_ptr_nonnull(lc);
    const char *rec = strstr(err, "regie: run ");
    ck_assert_ptr_nonnull(rec);
    char id[64] = { 0 };
    ck_assert_int_eq(sscanf(rec, "regie: run %63s recorded", id), 1);
    free(out);
    free(err);
    const char *lv[] = { "runs", "--waiting", NULL };
    rc = t_regie(cwd, &out, &err, lv);
    ck_assert_int_eq(rc, 0);
    ck_assert_msg(strstr(out, id) && strstr(out, "interviews"), "%s", out);
    free(out);
    free(err);
    const char *rv[] = { "resume", id, "--set", "interviews=interviews.csv", NULL };
    rc = t_regie(cwd, &out, &err, rv);
    ck_assert_msg(rc == 0, "resume: exit %d: %s", rc, err);
    same_ranking("t5w", "t5.csv");
    char *lf = outf("t5w", "letters/F.md");
    HAS(lf, "Uitsluiting na het gesprek");
    free(out);
    free(err);
    const char *vv[] = { "verify", id, NULL };
    rc = t_regie(cwd, &out, &err, vv);
    ck_assert_msg(rc == 0, "verify: %s %s", out, err);
    free(lf);
    free(lc);
    free(csv);
    free(out);
    free(err);
    free(cwd);
    free(wf);
}
END_TEST

START_TEST(t5_next_ranked_invited)
{
    stage("t5b", NULL);
    put_text("t5b", "interviews.csv",
             "bid_id,outcome,reason,req_id\n"
             "B,pass,,\n"
             "A,pass,,\n"
             "F,fail,Het hbo-diploma blijkt nooit behaald,E2\n");
    char *err = NULL;
    int rc = run_case("t5b", &err, "interviews=interviews.csv", NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *csv = outf("t5b", "ranking.csv");
    CELL_EQ(csv, "C", "status", "invited");
    CELL_EQ(csv, "C", "rank", "4");
    CELL_EQ(csv, "B", "status", "awarded");
    CELL_EQ(csv, "A", "status", "reserve");
    CELL_EQ(csv, "F", "status", "excluded");
    char *lc = outf("t5b", "letters/C.md");
    HAS(lc, "Uitnodiging voor een gesprek");
    free(lc);
    free(csv);

    /* the best-ranked bid has not been interviewed yet: no award */
    stage("t5c", NULL);
    put_text("t5c", "interviews.csv", "bid_id,outcome,reason,req_id\nA,pass,,\n");
    free(err);
    rc = run_case("t5c", &err, "interviews=interviews.csv", NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    csv = outf("t5c", "ranking.csv");
    CELL_EQ(csv, "B", "status", "invited");
    CELL_EQ(csv, "A", "status", "invited");
    HASNT(csv, "awarded");
    free(csv);
    free(err);
}
END_TEST

/* Every line of an iCalendar text ends in CRLF and has at most 75 octets. */
static void ics_lines_ok(const char *ics)
{
    const char *p = ics;
    while (*p) {
        const char *e = strstr(p, "\r\n");
        ck_assert_msg(e != NULL, "line without CRLF: %s", p);
        ck_assert_msg(e - p <= 75, "line longer than 75 octets: %.*s", (int)(e - p), p);
        p = e + 2;
    }
}

START_TEST(interview_invitations_ics)
{
    stage("ics", NULL);
    edit("ics", "tender.ini", "on_late_exclusion = keep_ranking",
         "on_late_exclusion = keep_ranking\nfirst_slot = 2026-01-20T09:00\nslot_minutes = 45\n"
         "break_minutes = 15\nlocation = VNG, Nassaulaan 12, Den Haag");
    put_text("ics", "interviews.csv",
             "bid_id,outcome,reason,req_id\nB,pass,,\nA,pass,,\n"
             "F,fail,Het hbo-diploma blijkt nooit behaald,E2\n");
    char *err = NULL;
    int rc = run_case("ics", &err, "interviews=interviews.csv", NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    /* B, A, F had slots 1-3; C, invited after F's exclusion, gets slot 4 */
    char *c = outf("ics", "invites/C.ics");
    ck_assert_msg(c != NULL, "invites/C.ics missing");
    ics_lines_ok(c);
    HAS(c, "BEGIN:VCALENDAR\r\n");
    HAS(c, "DTSTART;TZID=Europe/Amsterdam:20260120T120000\r\n");
    HAS(c, "DTEND;TZID=Europe/Amsterdam:20260120T124500\r\n");
    HAS(c, "DTSTAMP:20260112T110000Z\r\n"); /* closing 12:00 CET */
    HAS(c, "UID:VNG-PSD-2026-004-C-interview@regie\r\n");
    HAS(c, "LOCATION:VNG\\, Nassaulaan 12\\, Den Haag\r\n");
    ck_assert(!out_exists("ics", "invites/B.ics")); /* B has had its interview */
    char *lc = outf("ics", "letters/C.md");
    HAS(lc, "Het gesprek is op dinsdag 20 januari 2026 om 12:00 uur (45 minuten)");
    free(lc);
    free(c);
    free(err);
}
END_TEST

/* ---- other rules ---- */

START_TEST(quality_median_consensus_spread)
{
    stage("q", NULL);
    edit("q", "tender.ini", "aggregation = mean", "aggregation = median");
    edit("q", "scores.csv", "A,W2,Jansen,75", "A,W2,Jansen,0"); /* 0,75,100: 4 steps apart */
    edit("q", "scores.csv", "G,W4,Bakker,50,\"Voldoende aangetoond, weinig diepgang\"\n",
         "G,W4,Bakker,50,\"Voldoende aangetoond, weinig diepgang\"\n"
         "C,W3,CONSENSUS,100,\"Na overleg: ruim aangetoond\"\n");
    char *err = NULL;
    int rc = run_case("q", &err, NULL);
    WAITS(rc, err);
    HAS(err, "bid A, criterion W2: evaluators are 4 scale steps apart (more than 2)");
    char *csv = outf("q", "ranking.csv");
    CELL_EQ(csv, "A", "W2", "18.75"); /* median(0,75,100) = 75 */
    CELL_EQ(csv, "A", "flags", "spread");
    CELL_EQ(csv, "C", "W3", "30.00"); /* the agreed score replaces 75,100,75 */
    CELL_EQ(csv, "C", "W2", "12.50"); /* median(50,50,75) = 50 */
    char *ec = outf("q", "explain/C.md");
    HAS(ec, "| consensus | 100 | Na overleg: ruim aangetoond |");
    free(ec);
    free(csv);
    free(err);

    /* aggregation = consensus needs the agreed score of every cell */
    stage("qc", NULL);
    edit("qc", "tender.ini", "aggregation = mean", "aggregation = consensus");
    rc = run_case("qc", &err, NULL);
    ck_assert_msg(rc == 2, "exit %d: %s", rc, err);
    /* at the validation, at each admitted bid's line of bids.csv: 5 bids
     * (A, B, C, F, G; D and E are knocked out) x 4 criteria */
    HAS(err, "bids.csv:2: column bid_id: bid A has no CONSENSUS score for criterion W1 in "
             "scores.csv (aggregation = consensus)");
    HAS(err, "bids.csv:8: column bid_id: bid G has no CONSENSUS score for criterion W4 in "
             "scores.csv (aggregation = consensus)");
    HASNT(err, "bid D has");
    HASNT(err, "bid E has");
    HAS(err, "20 input errors");
    ck_assert(out_empty("qc"));
    free(err);
}
END_TEST

/* Points are exact (issue 27): levels 75, 25 and 75 on a criterion worth
 * 33.3 points give 175/300 × 33.3 = 19.425 exactly, which rounds half-up
 * to 19.43; computed in binary floating point it is 19.42499... and
 * rounds to 19.42.  C's W2 (50, 50, 75) is the same value. */
START_TEST(exact_points_half_up)
{
    stage("x", NULL);
    edit("x", "criteria.csv", "programma's,25,graded", "programma's,33.3,graded");
    edit("x", "tender.ini", "total_points = 90", "total_points = 98.3");
    edit("x", "scores.csv", "G,W2,Jansen,25,", "G,W2,Jansen,75,");
    edit("x", "scores.csv", "G,W2,De Vries,50,", "G,W2,De Vries,25,");
    edit("x", "scores.csv", "G,W2,Bakker,25,", "G,W2,Bakker,75,");
    char *err = NULL;
    int rc = run_case("x", &err, NULL);
    WAITS(rc, err);
    char *csv = outf("x", "ranking.csv");
    CELL_EQ(csv, "G", "W2", "19.43");
    CELL_EQ(csv, "C", "W2", "19.43");
    /* 10 + 19.425 + 15 + 8.3333... = 52.7583... */
    CELL_EQ(csv, "G", "total", "52.76");
    char *eg = outf("x", "explain/G.md");
    HAS(eg, "= **19,43 punten**");
    free(eg);
    free(csv);
    free(err);

    /* the total exactly half-way: W2 19.425 + W3 (75,75,75 of 30) 22.5 +
     * W4 (50,50,50 of 25) 12.5 + W1 10 = 64.425 -> 64.43 */
    stage("x2", NULL);
    edit("x2", "criteria.csv", "programma's,25,graded", "programma's,33.3,graded");
    edit("x2", "tender.ini", "total_points = 90", "total_points = 98.3");
    edit("x2", "scores.csv", "G,W2,Jansen,25,", "G,W2,Jansen,75,");
    edit("x2", "scores.csv", "G,W2,De Vries,50,", "G,W2,De Vries,25,");
    edit("x2", "scores.csv", "G,W2,Bakker,25,", "G,W2,Bakker,75,");
    edit("x2", "scores.csv", "G,W3,Jansen,50,", "G,W3,Jansen,75,");
    edit("x2", "scores.csv", "G,W3,De Vries,50,", "G,W3,De Vries,75,");
    edit("x2", "scores.csv", "G,W3,Bakker,50,", "G,W3,Bakker,75,");
    edit("x2", "scores.csv", "G,W4,Jansen,25,", "G,W4,Jansen,50,");
    edit("x2", "scores.csv", "G,W4,De Vries,25,", "G,W4,De Vries,50,");
    rc = run_case("x2", &err, NULL);
    WAITS(rc, err);
    csv = outf("x2", "ranking.csv");
    CELL_EQ(csv, "G", "total", "64.43");
    free(csv);
    free(err);
}
END_TEST

/* scores.csv of the example with the evaluators named in `keep` only
 * (a comma-separated list), written into the case. */
static void keep_evaluators(const char *name, const char *const *keep)
{
    char *src = t_src("examples/tender/scores.csv");
    char *text = t_read(src);
    ck_assert_ptr_nonnull(text);
    size_t cap = strlen(text) + 1, o = 0;
    char *res = calloc(cap, 1);
    int first = 1;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        int ok = first;
        for (int i = 0; keep[i] && !ok; i++) {
            char *needle = t_asprintf(",%s,", keep[i]);
            ok = strstr(line, needle) != NULL;
            free(needle);
        }
        first = 0;
        if (ok) {
            o += (size_t)snprintf(res + o, cap - o, "%s\n", line);
        }
    }
    put_text(name, "scores.csv", res);
    free(res);
    free(text);
    free(src);
}

/* A binary criterion two evaluators disagree on (100 and 0): no mean, no
 * majority, no silent 0 (§1.2).  The run holds before the decision (no
 * report, no letter), naming the bid, the criterion and the evaluators; resumed with
 * the committee's consensus it completes with the agreed points, and the
 * explanation and the report say that the consensus was given, and where. */
START_TEST(binary_disagreement_waits_for_consensus)
{
    static const char *const two[] = { "Jansen", "De Vries", NULL };
    stage("bc", NULL);
    keep_evaluators("bc", two);
    edit("bc", "scores.csv", "A,W1,De Vries,100,\"Wo-diploma in het vakgebied aanwezig\"",
         "A,W1,De Vries,0,\"Diploma niet gevonden\"");
    char *wf = t_src("etc/workflows/tender-evaluation.ini");
    char *cwd = case_path("bc", "");
    const char *argv[] = { "run", wf, "--set", "tender=tender.ini", "--set", "criteria=criteria.csv",
                           "--set", "bids=bids.csv", "--set", "ko=ko.csv", "--set",
                           "scores=scores.csv", "--set", "interviews=interviews.csv", "--out", "out",
                           NULL };
    char *out = NULL, *err = NULL;
    int rc = t_regie(cwd, &out, &err, argv);
    ck_assert_msg(rc == 3, "exit %d, want 3 (waiting): %s", rc, err);
    HAS(err, "bid A, criterion W1 (binary): the evaluators differ (Jansen 100, De Vries 0); the run "
             "waits for a CONSENSUS score for this bid and criterion");
    HAS(err, "await_consensus waits for input consensus");
    /* nothing ranked, no letters: the points are not known yet */
    ck_assert(!out_exists("bc", "ranking.csv"));
    ck_assert(!out_exists("bc", "letters/A.md"));
    const char *rec = strstr(err, "regie: run ");
    ck_assert_ptr_nonnull(rec);
    char id[64] = { 0 };
    ck_assert_int_eq(sscanf(rec, "regie: run %63s", id), 1);
    free(out);
    free(err);

    /* a consensus that does not cover the disagreement is refused */
    put_text("bc", "wrong.csv", "bid_id,crit_id,level,motivation\nB,W1,0,\"Geen wo-diploma\"\n");
    const char *rw[] = { "resume", id, "--set", "consensus=wrong.csv", NULL };
    rc = t_regie(cwd, &out, &err, rw);
    ck_assert_msg(rc == 2, "exit %d, want 2: %s", rc, err);
    HAS(err, "bid A, criterion W1 (binary): the evaluators differ (Jansen 100, De Vries 0)");
    HAS(err, "wrong.csv: column level: 1 binary score(s) still without a consensus");
    free(out);
    free(err);

    put_text("bc", "consensus.csv",
             "bid_id,crit_id,level,motivation\nA,W1,100,\"Na overleg: het wo-diploma is aanwezig\"\n");
    const char *rv[] = { "resume", id, "--set", "consensus=consensus.csv", NULL };
    rc = t_regie(cwd, &out, &err, rv);
    ck_assert_msg(rc == 0, "resume: exit %d: %s", rc, err);
    char *csv = outf("bc", "ranking.csv");
    ck_assert_ptr_nonnull(csv);
    CELL_EQ(csv, "A", "W1", "10.00");
    char *ea = outf("bc", "explain/A.md");
    HAS(ea, "| consensus | 100 | Na overleg: het wo-diploma is aanwezig |");
    HAS(ea, "De beoordelaars waren het oneens (Jansen 100, De Vries 0). Geen gemiddelde of "
            "meerderheid: de consensusscore van de commissie telt (consensus.csv:2).");
    char *html = outf("bc", "report.html");
    HAS(html, "de beoordelaars waren het oneens (Jansen 100, De Vries 0); de consensusscore "
              "(consensus.csv:2) telt: 10 punten.");
    HAS(html, "er wordt niet gemiddeld en geen meerderheid geteld");
    free(html);
    free(ea);
    free(csv);
    free(out);
    free(err);

    /* the consensus as a CONSENSUS row of scores.csv: no wait at all */
    stage("bs", NULL);
    keep_evaluators("bs", two);
    edit("bs", "scores.csv", "A,W1,De Vries,100,\"Wo-diploma in het vakgebied aanwezig\"\n",
         "A,W1,De Vries,0,\"Diploma niet gevonden\"\nA,W1,CONSENSUS,0,\"Na overleg: geen wo-diploma\"\n");
    rc = run_case("bs", &err, "interviews=interviews.csv", NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    HASNT(err, "await_consensus waits");
    csv = outf("bs", "ranking.csv");
    CELL_EQ(csv, "A", "W1", "0.00");
    ea = outf("bs", "explain/A.md");
    HAS(ea, "de consensusscore van de commissie telt (scores.csv:4).");
    free(ea);
    free(csv);
    free(err);
    free(cwd);
    free(wf);
}
END_TEST

START_TEST(no_award_possible)
{
    stage("none", NULL);
    edit("none", "tender.ini", "max_rate = 120", "max_rate = 50");
    char *err = NULL;
    int rc = run_case("none", &err, NULL);
    WAITS(rc, err);
    char *csv = outf("none", "ranking.csv");
    const char *ids[] = { "A", "B", "C", "D", "E", "F", "G", NULL };
    for (int i = 0; ids[i]; i++) {
        CELL_EQ(csv, ids[i], "status", "excluded");
        CELL_EQ(csv, ids[i], "rank", "");
    }
    CELL_EQ(csv, "E", "reason", "E1;E4"); /* every failed requirement */
    char *html = outf("none", "report.html");
    HAS(html, "Geen gunning mogelijk");
    HAS(html, "opnieuw uit");
    free(html);
    free(csv);
    free(err);
}
END_TEST

START_TEST(fewer_admitted_than_invited)
{
    stage("few", NULL);
    edit("few", "tender.ini", "invite_top_n = 3", "invite_top_n = 6");
    char *err = NULL;
    int rc = run_case("few", &err, NULL);
    WAITS(rc, err);
    char *csv = outf("few", "ranking.csv");
    const char *ids[] = { "A", "B", "C", "F", "G", NULL };
    for (int i = 0; ids[i]; i++) {
        CELL_EQ(csv, ids[i], "status", "invited");
    }
    char *html = outf("few", "report.html");
    HAS(html, "minder toegelaten inschrijvingen (5) dan het aantal uit te nodigen kandidaten (6)");
    free(html);
    free(csv);
    free(err);
}
END_TEST

START_TEST(rate_cap_rounding)
{
    /* €120.50 rounds to €121 and fails */
    stage("r1", NULL);
    edit("r1", "bids.csv", "119.60", "120.50");
    char *err = NULL;
    int rc = run_case("r1", &err, NULL);
    WAITS(rc, err);
    char *csv = outf("r1", "ranking.csv");
    CELL_EQ(csv, "G", "status", "excluded");
    CELL_EQ(csv, "G", "reason", "E4");
    char *g = outf("r1", "explain/G.md");
    HAS(g, "aangeboden €120,50 (afgerond €121)");
    free(g);
    free(csv);
    /* rate_rounding = reject: €119.60 is not whole euros */
    stage("r2", NULL);
    edit("r2", "tender.ini", "rate_rounding = half_up", "rate_rounding = reject");
    free(err);
    rc = run_case("r2", &err, NULL);
    WAITS(rc, err);
    csv = outf("r2", "ranking.csv");
    CELL_EQ(csv, "G", "status", "excluded");
    CELL_EQ(csv, "A", "status", "invited");
    free(csv);
    free(err);
}
END_TEST

START_TEST(intake_late_and_duplicate)
{
    stage("in", NULL);
    edit("in", "bids.csv", "2026-01-12T08:00", "2026-01-12T12:01");
    edit("in", "bids.csv", "Carla Smit", "Anna de Boer");
    char *err = NULL;
    int rc = run_case("in", &err, NULL);
    WAITS(rc, err);
    char *csv = outf("in", "ranking.csv");
    CELL_EQ(csv, "G", "status", "excluded");
    CELL_EQ(csv, "G", "reason", "te laat");
    CELL_EQ(csv, "A", "flags", "duplicate_candidate");
    CELL_EQ(csv, "C", "flags", "duplicate_candidate");
    CELL_EQ(csv, "C", "status", "not_selected"); /* flagged, not excluded */
    char *g = outf("in", "letters/G.md");
    HAS(g, "te laat");
    free(g);
    free(csv);
    free(err);
}
END_TEST

START_TEST(html_and_svg_escape_user_text)
{
    stage("esc", NULL);
    edit("esc", "bids.csv", "Adviesbureau Noord", "<script>alert(1)</script> & Co");
    char *err = NULL;
    int rc = run_case("esc", &err, NULL);
    WAITS(rc, err);
    char *html = outf("esc", "report.html");
    HASNT(html, "<script>");
    HAS(html, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co");
    char *svg = outf("esc", "scores.svg");
    HASNT(svg, "<script>");
    HAS(svg, "&lt;script&gt;");
    char *csv = outf("esc", "ranking.csv");
    HAS(csv, ",<script>alert(1)</script> & Co,");
    free(csv);
    free(svg);
    free(html);
    free(err);
}
END_TEST

/* ---- input errors: exit 2, FILE:LINE: column NAME: found ..., nothing written ---- */

static void expect_error(const char *name, const char *msg, const char *extra)
{
    char *err = NULL;
    int rc = run_case(name, &err, extra, NULL);
    ck_assert_msg(rc == 2, "%s: exit %d, want 2: %s", name, rc, err);
    HAS(err, msg);
    ck_assert_msg(out_empty(name), "%s: something was written to the output directory", name);
    free(err);
}

START_TEST(error_points_do_not_add_up)
{
    stage("e1", NULL);
    edit("e1", "tender.ini", "total_points = 90", "total_points = 100");
    expect_error("e1",
                 "tender.ini:18: column total_points: found \"100\", expected 90 (the sum of "
                 "max_points of the award criteria W1, W2, W3, W4 in criteria.csv)",
                 NULL);
}
END_TEST

START_TEST(error_level_not_on_scale)
{
    stage("e2", NULL);
    edit("e2", "scores.csv", "A,W2,Jansen,75", "A,W2,Jansen,60");
    expect_error("e2",
                 "scores.csv:5: column level: found \"60\", expected a level on the scale 0, 25, "
                 "50, 75, 100",
                 NULL);
}
END_TEST

/* Drop from tmp/<name>/<file> every line for which keep_line says no. */
static void drop_lines(const char *name, const char *file, int (*keep_line)(const char *))
{
    char *p = case_path(name, file);
    char *text = t_read(p);
    ck_assert_msg(text != NULL, "%s missing", p);
    char *out = calloc(1, strlen(text) + 1);
    ck_assert_ptr_nonnull(out);
    size_t n = 0;
    for (char *line = text; *line;) {
        char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
        char save = line[len];
        line[len] = 0;
        if (keep_line(line)) {
            memcpy(out + n, line, len);
            n += len;
        }
        line[len] = save;
        line += len;
    }
    put_text(name, file, out);
    free(out);
    free(text);
    free(p);
}

static int not_g_w3_jansen_bakker(const char *line)
{
    return strncmp(line, "G,W3,Jansen,", 12) != 0 && strncmp(line, "G,W3,Bakker,", 12) != 0;
}

static int not_of_g_b_f_c(const char *line)
{
    return !(strchr("GBFC", line[0]) && line[0] && line[1] == ',');
}

/* Missing scores are found by the validation, before any step acts, each
 * at the line of its bid in bids.csv with the criterion and the
 * evaluators whose score is missing (in the order they first appear in
 * scores.csv: Jansen, De Vries, Bakker).  Hand-worked from the example:
 * bids.csv lines A 2, B 3, C 4, D 5, E 6, F 7, G 8; D (EUR 125 over the
 * cap) and E (E1 fail in ko.csv) are knocked out and need no scores. */
START_TEST(error_missing_scores_listed_together)
{
    stage("e3", NULL);
    edit("e3", "scores.csv", "A,W2,Bakker,100,\"Ruim aangetoond met meerdere recente voorbeelden\"\n", "");
    edit("e3", "scores.csv", "C,W4,Jansen,50,\"Voldoende aangetoond, weinig diepgang\"\n", "");
    /* G: two of the three scores on W3 */
    drop_lines("e3", "scores.csv", not_g_w3_jansen_bakker);
    const char *want[] = {
        "bids.csv:2: column bid_id: bid A has no score for criterion W2 from evaluator Bakker in "
        "scores.csv",
        "bids.csv:4: column bid_id: bid C has no score for criterion W4 from evaluator Jansen in "
        "scores.csv",
        "bids.csv:8: column bid_id: bid G has no score for criterion W3 from evaluators Jansen, "
        "Bakker in scores.csv",
        NULL,
    };
    for (int pass = 0; pass < 2; pass++) {
        char *err = NULL;
        int rc = pass == 0 ? run_case("e3", &err, NULL) : check_case("e3", &err, NULL);
        ck_assert_msg(rc == 2, "%s: exit %d: %s", pass ? "check" : "run", rc, err);
        const char *at = err;
        for (int i = 0; want[i]; i++) {
            const char *hit = strstr(err, want[i]);
            ck_assert_msg(hit != NULL && hit >= at, "missing or out of order \"%s\" in:\n%s", want[i], err);
            at = hit;
        }
        HAS(err, pass ? "3 errors; nothing was run" : "3 input errors");
        /* found by the validation: no later step ran */
        HASNT(err, "scores.csv: column level: no score");
        if (pass == 0) {
            HAS(err, "failed   validate");
            HASNT(err, "done     knockout");
        }
        ck_assert(out_empty("e3"));
        free(err);
    }
}
END_TEST

/* A bid excluded by a rule the validation can apply needs no scores: G
 * late, B over the rate cap, F without a CV, C failing E2 in ko.csv; none
 * of them has a score and the run completes.  A bid without a ko.csv
 * judgement is left to the knock-out step, which names the judgement. */
START_TEST(excluded_bids_need_no_scores)
{
    stage("e5", NULL);
    edit("e5", "bids.csv", "G,Gemeenteadvies,Gerda Kok,119.60,1,1,2026-01-12T08:00",
         "G,Gemeenteadvies,Gerda Kok,119.60,1,1,2026-01-12T12:01");
    edit("e5", "bids.csv", "B,Bureau Beleid & Zo,Bram Visser,118.00", "B,Bureau Beleid & Zo,Bram Visser,120.50");
    edit("e5", "bids.csv", "F,Flexpool Publiek,Frank Meijer,120.00,1,1", "F,Flexpool Publiek,Frank Meijer,120.00,0,1");
    edit("e5", "ko.csv", "C,E2,pass", "C,E2,fail");
    drop_lines("e5", "scores.csv", not_of_g_b_f_c);
    char *err = NULL;
    int rc = check_case("e5", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    HASNT(err, "no score");
    free(err);
    /* A not judged on E1: the knock-out step says so, not the validation */
    edit("e5", "ko.csv", "A,E1,pass,8 jaar ervaring\n", "");
    edit("e5", "scores.csv", "A,W2,Jansen,75,\"Goed aangetoond met concrete voorbeelden\"\n", "");
    err = NULL;
    rc = check_case("e5", &err, NULL);
    ck_assert_msg(rc == 2, "exit %d: %s", rc, err);
    HAS(err, "ko.csv: column result: no result (pass or fail) for bid A, requirement E1");
    HASNT(err, "bids.csv:2:");
    free(err);
}
END_TEST

START_TEST(error_unknown_ids)
{
    stage("e4", NULL);
    edit("e4", "scores.csv", "A,W2,Jansen", "X,W2,Jansen");
    edit("e4", "scores.csv", "A,W3,Jansen", "A,W9,Jansen");
    edit("e4", "ko.csv", "B,E1,pass", "B,E7,pass");
    char *err = NULL;
    int rc = run_case("e4", &err, NULL);
    ck_assert_msg(rc == 2, "exit %d: %s", rc, err);
    HAS(err, "scores.csv:5: column bid_id: found \"X\", expected a bid_id of bids.csv");
    HAS(err, "scores.csv:8: column crit_id: found \"W9\", expected an award criterion id of "
             "criteria.csv (W1, W2, W3, W4)");
    HAS(err, "ko.csv:4: column req_id: found \"E7\", expected a requirement judged in ko.csv "
             "(E1, E2)");
    ck_assert(out_empty("e4"));
    free(err);
}
END_TEST

START_TEST(error_duplicate_bid_id)
{
    stage("e5", NULL);
    edit("e5", "bids.csv", "G,Gemeenteadvies", "A,Gemeenteadvies");
    expect_error("e5",
                 "bids.csv:8: column bid_id: found \"A\", expected a unique value (first at line 2)",
                 NULL);
}
END_TEST

START_TEST(error_rate_not_numeric)
{
    stage("e6", NULL);
    edit("e6", "bids.csv", "110.00", "\"120,5x\"");
    expect_error("e6",
                 "bids.csv:2: column rate_excl_vat_eur: found \"120,5x\", expected a number with a "
                 "decimal point (a decimal comma only in ;-separated files)",
                 NULL);
}
END_TEST

START_TEST(error_rate_zero_or_negative)
{
    stage("e7", NULL);
    edit("e7", "bids.csv", "110.00", "-5");
    edit("e7", "bids.csv", "95.00", "0");
    char *err = NULL;
    int rc = run_case("e7", &err, NULL);
    ck_assert_msg(rc == 2, "exit %d: %s", rc, err);
    HAS(err, "bids.csv:2: column rate_excl_vat_eur: found \"-5\", expected a rate above 0");
    HAS(err, "bids.csv:4: column rate_excl_vat_eur: found \"0\", expected a rate above 0");
    ck_assert(out_empty("e7"));
    free(err);
}
END_TEST

START_TEST(error_decimal_comma_in_comma_file)
{
    stage("e8", NULL);
    edit("e8", "bids.csv", "119.60", "\"119,60\"");
    expect_error("e8",
                 "bids.csv:8: column rate_excl_vat_eur: found \"119,60\", expected a number with a "
                 "decimal point (a decimal comma only in ;-separated files)",
                 NULL);
}
END_TEST

START_TEST(error_price_ceiling_not_above_floor)
{
    stage("e9", "t2");
    edit("e9", "tender.ini", "price_method = lowest_ratio", "price_method = linear_ceiling");
    edit("e9", "tender.ini", "price_ceiling = 120", "price_ceiling = 120\nprice_floor = 120");
    expect_error("e9",
                 "tender.ini:19: column price_ceiling: found \"120\", expected more than "
                 "price_floor (120)",
                 NULL);
    /* without price_floor the floor is the lowest admitted bid (95) */
    stage("e9b", "t2");
    edit("e9b", "tender.ini", "price_method = lowest_ratio", "price_method = linear_ceiling");
    edit("e9b", "tender.ini", "price_ceiling = 120", "price_ceiling = 90");
    expect_error("e9b",
                 "tender.ini:19: column price_ceiling: found \"90\", expected more than "
                 "price_floor (95, the lowest admitted bid)",
                 NULL);
}
END_TEST

START_TEST(error_sent_before_closing)
{
    stage("e10", NULL);
    edit("e10", "tender.ini", "sent = 2026-04-07", "sent = 2026-01-10");
    expect_error("e10",
                 "tender.ini:41: column sent: found \"2026-01-10\", expected a date not before "
                 "closing (2026-01-12T12:00)",
                 NULL);
}
END_TEST

START_TEST(error_seeded_lot_without_seed)
{
    stage("e11", NULL);
    edit("e11", "tender.ini", "lot_seed = VNG-2026-0117", "lot_seed =");
    expect_error("e11",
                 "tender.ini:33: column lot_seed: found \"\", expected a seed (lot_mode = seeded "
                 "needs lot_seed, fixed before the tie is known)",
                 NULL);
}
END_TEST

START_TEST(error_ini_values)
{
    stage("e12", NULL);
    edit("e12", "tender.ini", "price_method = none", "price_method = cheapest");
    edit("e12", "tender.ini", "aggregation = mean", "aggregation = average");
    edit("e12", "tender.ini", "closing = 2026-01-12T12:00", "closing = 12-1-2026");
    char *err = NULL;
    int rc = run_case("e12", &err, NULL);
    ck_assert_msg(rc == 2, "exit %d: %s", rc, err);
    HAS(err, "tender.ini:11: column closing: found \"12-1-2026\", expected a date and time "
             "YYYY-MM-DDTHH:MM");
    HAS(err, "tender.ini:19: column price_method: found \"cheapest\", expected none, "
             "lowest_ratio, linear_ceiling, relative_deviation or fictitious_discount");
    HAS(err, "tender.ini:26: column aggregation: found \"average\", expected mean, median or "
             "consensus");
    ck_assert(out_empty("e12"));
    free(err);
}
END_TEST

START_TEST(error_missing_ko_judgement_and_bad_interview)
{
    stage("e13", NULL);
    edit("e13", "ko.csv", "B,E1,pass,12 jaar ervaring\n", "");
    expect_error("e13", "ko.csv: column result: no result (pass or fail) for bid B, requirement E1",
                 NULL);
    /* an interview for a bid that was never invited */
    stage("e14", NULL);
    edit("e14", "interviews.csv", "C,pass", "G,pass");
    expect_error("e14",
                 "interviews.csv:5: column bid_id: found \"G\", expected a bid invited to an "
                 "interview (B, A, F, C)",
                 "interviews=interviews.csv");
}
END_TEST

/* ---- the pre-flight: `regie check` finds what `run` refuses, every input error in one go ---- */

/* `regie check` exits 2 with msg, writes nothing, and `run` refuses the same. */
static void expect_check_error(const char *name, const char *msg, const char *extra)
{
    char *err = NULL;
    int rc = check_case(name, &err, extra, NULL);
    ck_assert_msg(rc == 2, "%s: check exit %d, want 2: %s", name, rc, err);
    HAS(err, msg);
    ck_assert_msg(out_empty(name), "%s: check wrote to the output directory", name);
    free(err);
    expect_error(name, msg, extra);
}

START_TEST(check_finds_what_run_refuses)
{
    char *err = NULL;
    stage("ok", NULL);
    int rc = check_case("ok", &err, NULL);
    ck_assert_msg(rc == 0, "check of the example: exit %d: %s", rc, err);
    free(err);

    stage("c1", NULL);
    edit("c1", "tender.ini", "closing = 2026-01-12T12:00", "closing = 2026-02-30");
    expect_check_error("c1",
                       "tender.ini:11: column closing: found \"2026-02-30\", expected a date and "
                       "time YYYY-MM-DDTHH:MM",
                       NULL);
    stage("c2", NULL);
    edit("c2", "tender.ini", "price_method = none", "price_method = lowest_ratoi");
    expect_check_error("c2",
                       "tender.ini:19: column price_method: found \"lowest_ratoi\", expected none, "
                       "lowest_ratio, linear_ceiling, relative_deviation or fictitious_discount",
                       NULL);
    stage("c3", NULL);
    edit("c3", "scores.csv", "A,W2,Jansen,75", "A,W2,Jansen,80");
    expect_check_error("c3",
                       "scores.csv:5: column level: found \"80\", expected a level on the scale 0, "
                       "25, 50, 75, 100",
                       NULL);
    /* rules that need the evaluation up to them: a missing ko.csv result,
     * a price ceiling under the lowest admitted bid */
    stage("c4", NULL);
    edit("c4", "ko.csv", "B,E1,pass,12 jaar ervaring\n", "");
    expect_check_error("c4",
                       "ko.csv: column result: no result (pass or fail) for bid B, requirement E1",
                       NULL);
    stage("c5", "t2");
    edit("c5", "tender.ini", "price_method = lowest_ratio", "price_method = linear_ceiling");
    edit("c5", "tender.ini", "price_ceiling = 120", "price_ceiling = 90");
    expect_check_error("c5",
                       "tender.ini:19: column price_ceiling: found \"90\", expected more than "
                       "price_floor (95, the lowest admitted bid)",
                       NULL);
    /* interview results for a bid that was never invited */
    stage("c6", NULL);
    edit("c6", "interviews.csv", "C,pass", "G,pass");
    expect_check_error("c6",
                       "interviews.csv:5: column bid_id: found \"G\", expected a bid invited to an "
                       "interview (B, A, F, C)",
                       "interviews=interviews.csv");
}
END_TEST

START_TEST(unknown_settings_key_is_an_error)
{
    stage("k1", NULL);
    edit("k1", "tender.ini", "tiebreak = criterion:W3", "tiebrek = criterion:W3");
    expect_check_error("k1",
                       "tender.ini:31: unknown key \"tiebrek\" in [ranking]; did you mean "
                       "tiebreak?",
                       NULL);
    stage("k2", NULL);
    edit("k2", "tender.ini", "price_method = none", "pricemethod = none");
    expect_check_error("k2",
                       "tender.ini:19: unknown key \"pricemethod\" in [award]; did you mean "
                       "price_method?",
                       NULL);
    /* a key in the wrong section, a mistyped section */
    stage("k3", NULL);
    edit("k3", "tender.ini", "invite_top_n = 3", "invite_top_n = 3\ntiebreak = price");
    edit("k3", "tender.ini", "[calendar]", "[calender]");
    char *err = NULL;
    int rc = run_case("k3", &err, NULL);
    ck_assert_msg(rc == 2, "exit %d: %s", rc, err);
    HAS(err, "tender.ini:37: unknown key \"tiebreak\" in [interviews]; did you mean tiebreak in "
             "[ranking]?");
    HAS(err, "tender.ini:47: unknown section [calender]; did you mean [calendar]?");
    ck_assert(out_empty("k3"));
    free(err);
}
END_TEST

/* Type errors in one file, rule errors in another: all in one run,
 * sorted by file and line, nothing written; `regie check` the same. */
START_TEST(every_input_error_in_one_go)
{
    stage("g", NULL);
    edit("g", "bids.csv", "95.00", "\"95,0x\"");
    edit("g", "scores.csv", "A,W2,Jansen,75", "A,W2,Jansen,80");
    edit("g", "scores.csv", "A,W3,Jansen", "A,W9,Jansen");
    const char *want[] = {
        "bids.csv:4: column rate_excl_vat_eur: found \"95,0x\", expected a number with a "
        "decimal point",
        "scores.csv:5: column level: found \"80\", expected a level on the scale 0, 25, 50, 75, "
        "100",
        "scores.csv:8: column crit_id: found \"W9\", expected an award criterion id of "
        "criteria.csv (W1, W2, W3, W4)",
        NULL,
    };
    for (int pass = 0; pass < 2; pass++) {
        char *err = NULL;
        int rc = pass == 0 ? run_case("g", &err, NULL) : check_case("g", &err, NULL);
        ck_assert_msg(rc == 2, "%s: exit %d, want 2: %s", pass ? "check" : "run", rc, err);
        const char *at = err;
        for (int i = 0; want[i]; i++) {
            const char *hit = strstr(err, want[i]);
            ck_assert_msg(hit != NULL, "missing \"%s\" in:\n%s", want[i], err);
            ck_assert_msg(hit >= at, "\"%s\" out of order in:\n%s", want[i], err);
            at = hit;
        }
        HAS(err, "3 errors; nothing was run");
        ck_assert_msg(out_empty("g"), "something was written to the output directory");
        free(err);
    }
    /* scores.csv unreadable: no step goes on to miss its scores */
    stage("g2", NULL);
    edit("g2", "scores.csv", "A,W2,Jansen,75", "A,W2,Jansen,7x");
    edit("g2", "ko.csv", "B,E1,pass", "B,E1,passed");
    char *err = NULL;
    int rc = check_case("g2", &err, NULL);
    ck_assert_msg(rc == 2, "exit %d, want 2: %s", rc, err);
    HAS(err, "ko.csv:4: column result: found \"passed\", expected pass or fail");
    HAS(err, "scores.csv:5: column level: found \"7x\"");
    HASNT(err, "no score");
    HAS(err, "2 errors; nothing was run");
    free(err);
}
END_TEST

Suite *suite_tender(void);
Suite *suite_tender(void)
{
    Suite *s = suite_create("tender");
    TCase *tc = tcase_create("worked-examples");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, t_dir_setup, t_dir_teardown);
    tcase_add_test(tc, t1_ranking_exact);
    tcase_add_test(tc, t1_explain_and_letters);
    tcase_add_test(tc, t1_round_stage_criterion);
    tcase_add_test(tc, t1_report_and_svg);
    tcase_add_test(tc, t1_semicolon_bom_decimal_comma);
    tcase_add_loop_test(tc, t2_price_methods, 0, 4);
    tcase_add_test(tc, t2_abnormally_low_flag);
    tcase_add_test(tc, t2_abnormally_low_decisions);
    tcase_add_test(tc, t3_ties_criterion_and_seeded_lot);
    tcase_add_test(tc, large_tie_group_summarised);
    tcase_add_test(tc, t3_external_lot_and_preference);
    tcase_add_test(tc, external_draw_at_the_cut_waits);
    tcase_add_test(tc, tie_after_every_rule_waits_for_the_committee);
    tcase_add_test(tc, criterion_stage_rounds_before_rescaling);
    tcase_add_test(tc, tie_reaching_a_cut_after_the_interviews_waits);
    tcase_add_test(tc, t4_standstill_dates);
    tcase_add_test(tc, t4_not_selected_date);
    tcase_add_test(tc, t5_interviews);
    tcase_add_test(tc, t5_next_ranked_invited);
    tcase_add_test(tc, t5_wait_then_resume);
    tcase_add_test(tc, interview_invitations_ics);
    tcase_add_test(tc, quality_median_consensus_spread);
    tcase_add_test(tc, exact_points_half_up);
    tcase_add_test(tc, binary_disagreement_waits_for_consensus);
    tcase_add_test(tc, no_award_possible);
    tcase_add_test(tc, fewer_admitted_than_invited);
    tcase_add_test(tc, rate_cap_rounding);
    tcase_add_test(tc, intake_late_and_duplicate);
    tcase_add_test(tc, html_and_svg_escape_user_text);
    suite_add_tcase(s, tc);

    TCase *te = tcase_create("input-errors");
    tcase_set_timeout(te, 60);
    tcase_add_checked_fixture(te, t_dir_setup, t_dir_teardown);
    tcase_add_test(te, error_points_do_not_add_up);
    tcase_add_test(te, error_level_not_on_scale);
    tcase_add_test(te, error_missing_scores_listed_together);
    tcase_add_test(te, excluded_bids_need_no_scores);
    tcase_add_test(te, error_unknown_ids);
    tcase_add_test(te, error_duplicate_bid_id);
    tcase_add_test(te, error_rate_not_numeric);
    tcase_add_test(te, error_rate_zero_or_negative);
    tcase_add_test(te, error_decimal_comma_in_comma_file);
    tcase_add_test(te, error_price_ceiling_not_above_floor);
    tcase_add_test(te, error_sent_before_closing);
    tcase_add_test(te, error_seeded_lot_without_seed);
    tcase_add_test(te, error_ini_values);
    tcase_add_test(te, error_missing_ko_judgement_and_bad_interview);
    tcase_add_test(te, check_finds_what_run_refuses);
    tcase_add_test(te, unknown_settings_key_is_an_error);
    tcase_add_test(te, every_input_error_in_one_go);
    suite_add_tcase(s, te);
    return s;
}
