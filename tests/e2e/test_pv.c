/* End-to-end: the tender report as a proces-verbaal (issue 26) and the
 * charts for colour-blind readers, run by the real `regie` binary.
 *
 * The report names the committee from [committee], quotes every
 * requirement and criterion as criteria.csv publishes it, shows every
 * setting in words (no internal code), gives the report date, the run id
 * and the audit head (the same as `regie show` and `regie log` give) and a
 * signature block; above [tender] report_split_above bids the detail per
 * bid is on pages of its own.  The chart's colours are told apart with a
 * red or a green blind eye, its ticks are round numbers and its labels fit. */
#define _GNU_SOURCE
#include "testutil.h"

#include <check.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const FILES[] = { "tender.ini", "criteria.csv", "bids.csv", "ko.csv",
                                     "scores.csv", "interviews.csv", NULL };

/* tmp/<name> = examples/tender */
static void stage(const char *name)
{
    char *dir = t_asprintf("%s/%s", t_dir, name);
    for (int i = 0; FILES[i]; i++) {
        char *rel = t_asprintf("examples/tender/%s", FILES[i]);
        char *src = t_src(rel);
        char *text = t_read(src);
        ck_assert_msg(text != NULL, "%s missing", src);
        free(t_write(dir, FILES[i], text));
        free(text);
        free(src);
        free(rel);
    }
    free(dir);
}

static void put_text(const char *name, const char *file, const char *text)
{
    char *dir = t_asprintf("%s/%s", t_dir, name);
    free(t_write(dir, file, text));
    free(dir);
}

/* Replace the first `from` in tmp/<name>/<file> by `to`. */
static void edit(const char *name, const char *file, const char *from, const char *to)
{
    char *p = t_asprintf("%s/%s/%s", t_dir, name, file);
    char *text = t_read(p);
    ck_assert_msg(text != NULL, "%s missing", p);
    char *at = strstr(text, from);
    ck_assert_msg(at != NULL, "\"%s\" not in %s", from, p);
    *at = 0;
    char *res = t_asprintf("%s%s%s", text, to, at + strlen(from));
    put_text(name, file, res);
    free(res);
    free(text);
    free(p);
}

/* `regie run` of the tender workflow in tmp/<name>, outputs in
 * tmp/<name>/out, the run recorded in tmp/<name>/test-runs.db; extra
 * arguments (NULL-ended) after the five inputs. */
static int run_case(const char *name, char **err, ...)
{
    char *wf = t_src("etc/workflows/tender-evaluation.ini");
    char *cwd = t_asprintf("%s/%s", t_dir, name);
    char *out = t_asprintf("%s/%s/out", t_dir, name);
    const char *req[] = { "tender=tender.ini", "criteria=criteria.csv", "bids=bids.csv",
                          "ko=ko.csv", "scores=scores.csv", NULL };
    va_list ap;
    va_start(ap, err);
    free(*err); /* (of the run before in the same test) */
    *err = NULL;
    int rc = t_workflow(cwd, "run", wf, req, ap, 0, out, err);
    va_end(ap);
    free(wf);
    free(cwd);
    free(out);
    return rc;
}

static char *outf(const char *name, const char *file)
{
    return t_readf("%s/%s/out/%s", t_dir, name, file);
}

/* (the text shown shortened: a report is too long for a message) */
#define HAS(text, needle)                                                                          \
    ck_assert_msg((text) && strstr((text), (needle)) != NULL, "\"%s\" not in:\n%.1500s", (needle), \
                  (text) ? (text) : "(null)")
#define HASNT(text, needle)                                                                        \
    ck_assert_msg((text) && strstr((text), (needle)) == NULL, "\"%s\" unexpectedly in:\n%.3000s",  \
                  (needle), (text) ? (text) : "(null)")

/* Ran and ended waiting for the interview results (exit 3), or done (0). */
#define RAN(rc, err)                                                                               \
    ck_assert_msg((rc) == 0 || (rc) == 3, "exit %d: %s", (rc), (err) ? (err) : "")

/* ---- a generated tender: n bids, k award criteria of 10 points ---- */

static void gen_tender(const char *name, int nbids, int ncrit, int with_price, const char *extra_tender)
{
    char *ini = t_asprintf(
        "[tender]\nid = PV-2026-%d\ntitle = Proefaanbesteding\nprocedure = das\nclosing = 2026-01-12T12:00\n%s"
        "[requirements]\nmax_rate = 120\nrate_rounding = half_up\n"
        "[award]\ntotal_points = %d\nprice_method = %s\nprice_points = %d\n"
        "[scoring]\nround_stage = total\n"
        "[ranking]\ntiebreak = criterion:W1,price,lot\nlot_mode = seeded\nlot_seed = PV-SEED\n"
        "[interviews]\non_late_exclusion = keep_ranking\n"
        "[decision]\nsent = 2026-04-07\n"
        "[committee]\nmembers = A. Voorzitter (voorzitter), B. Lid\n",
        nbids, extra_tender ? extra_tender : "", with_price ? 100 : ncrit * 10,
        with_price ? "lowest_ratio" : "none", with_price ? 30 : 0);
    put_text(name, "tender.ini", ini);
    free(ini);
    char *crit = t_asprintf("id,kind,title,max_points,scale,check,text\n"
                            "E1,ko,Precies één cv en één motivatiebrief,,,documents,\n"
                            "E2,ko,Uurtarief maximaal €120 excl. btw,,,max_rate,"
                            "\"Alle kosten inbegrepen, geen indexatie\"\n");
    for (int c = 1; c <= ncrit; c++) {
        char *more = t_asprintf("%sW%d,award,Criterium nummer %d met een titel van enige lengte,10,graded,,\n",
                                crit, c, c);
        free(crit);
        crit = more;
    }
    put_text(name, "criteria.csv", crit);
    free(crit);
    size_t cap = (size_t)nbids * (size_t)ncrit * 200 + 4096;
    char *bids = malloc(cap), *scores = malloc(cap);
    size_t nb = (size_t)snprintf(bids, cap,
                                 "bid_id,supplier,candidate,rate_excl_vat_eur,cv_count,motivation_count,"
                                 "submitted_at,region\n");
    size_t ns = (size_t)snprintf(scores, cap, "bid_id,crit_id,evaluator,level,motivation\n");
    const char *ev[] = { "Jansen", "De Vries", "Bakker" };
    unsigned x = 12345;
    for (int b = 1; b <= nbids; b++) {
        x = x * 1103515245u + 12345u;
        nb += (size_t)snprintf(bids + nb, cap - nb,
                               "B%03d,Leverancier %d,Kandidaat %d,%u.%02u,1,1,2026-01-10T10:00,Utrecht\n", b,
                               b, b, 80 + (x >> 16) % 40, (x >> 8) % 100);
        for (int c = 1; c <= ncrit; c++) {
            x = x * 1103515245u + 12345u;
            unsigned base = 1 + (x >> 16) % 3;
            for (int e = 0; e < 3; e++) {
                unsigned level = 25 * (base + (unsigned)((b + c + e) % 2));
                ns += (size_t)snprintf(scores + ns, cap - ns, "B%03d,W%d,%s,%u,\"Motivering %d/%d van %s\"\n",
                                       b, c, ev[e], level, b, c, ev[e]);
            }
        }
    }
    put_text(name, "bids.csv", bids);
    put_text(name, "scores.csv", scores);
    put_text(name, "ko.csv", "bid_id,req_id,result,note\n");
    free(bids);
    free(scores);
}

/* ---- the report ---- */

/* The text between `from` and the next `to` after it, or NULL (caller frees). */
static char *between(const char *text, const char *from, const char *to)
{
    const char *a = text ? strstr(text, from) : NULL;
    if (!a) {
        return NULL;
    }
    a += strlen(from);
    const char *b = strstr(a, to);
    return b ? strndup(a, (size_t)(b - a)) : NULL;
}

START_TEST(committee_quoted_criteria_date_and_signatures)
{
    stage("c");
    /* the optional text column, quoted as published (escaped) */
    put_text("c", "criteria.csv",
             "id,kind,title,max_points,scale,check,text\n"
             "E1,ko,Minimaal 5 jaar ervaring als strategisch adviseur in het publieke domein,,,,"
             "\"Aan te tonen met het cv; opdrachten na 1 januari 2016 tellen mee.\"\n"
             "E2,ko,Afgeronde hbo-opleiding,,,,\n"
             "E3,ko,Precies één cv en één motivatiebrief,,,documents,\n"
             "E4,ko,Uurtarief maximaal €120 excl. btw (alle kosten inbegrepen),,,max_rate,\n"
             "W1,award,Wo-opleiding bestuurskunde of bedrijfskunde,10,binary,,\n"
             "W2,award,Ervaring met regionale of interbestuurlijke programma's,25,graded,,\n"
             "W3,award,Zelfstandig strategisch adviseren in de publieke sector,30,graded,,"
             "\"Beschrijf twee adviezen <ten minste> aan een bestuur & de uitkomst.\"\n"
             "W4,award,Ervaring met SW-bedrijven en sociale ontwikkelbedrijven,25,graded,,\n");
    char *err = NULL;
    int rc = run_case("c", &err, NULL);
    RAN(rc, err);
    char *html = outf("c", "report.html");
    /* the committee and its roles (examples/tender/tender.ini [committee]) */
    HAS(html, "<h2>Commissie</h2>");
    HAS(html, "<tr><td>M. Visser</td><td>voorzitter</td></tr>");
    HAS(html, "<tr><td>J. Jansen</td><td>lid</td></tr>");
    HAS(html, "<tr><td>S. Bakker</td><td>secretaris</td></tr>");
    /* every requirement and criterion quoted as published */
    const char *quoted[] = {
        "<q class=\"published\">Minimaal 5 jaar ervaring als strategisch adviseur in het publieke domein</q>"
        "<p class=\"published-text\">Aan te tonen met het cv; opdrachten na 1 januari 2016 tellen mee.</p>",
        "<q class=\"published\">Afgeronde hbo-opleiding</q>",
        "<q class=\"published\">Precies één cv en één motivatiebrief</q>",
        "<q class=\"published\">Uurtarief maximaal €120 excl. btw (alle kosten inbegrepen)</q>",
        "<q class=\"published\">Wo-opleiding bestuurskunde of bedrijfskunde</q>",
        "<q class=\"published\">Ervaring met regionale of interbestuurlijke programma&#39;s</q>",
        "<q class=\"published\">Zelfstandig strategisch adviseren in de publieke sector</q>"
        "<p class=\"published-text\">Beschrijf twee adviezen &lt;ten minste&gt; aan een bestuur &amp; de uitkomst.</p>",
        "<q class=\"published\">Ervaring met SW-bedrijven en sociale ontwikkelbedrijven</q>",
        NULL
    };
    for (int i = 0; quoted[i]; i++) {
        HAS(html, quoted[i]);
    }
    /* the date: [decision] sent (no report_date), in the signature block too */
    HAS(html, "<tr id=\"report-date\"><th>Datum proces-verbaal</th><td>dinsdag 7 april 2026</td></tr>");
    HAS(html, "Aldus vastgesteld te Den Haag op dinsdag 7 april 2026.");
    char *sig = between(html, "<h2>Ondertekening</h2>", "</body>");
    ck_assert_ptr_nonnull(sig);
    const char *signers[] = { "M. Visser", "J. Jansen", "P. de Vries", "S. Bakker", NULL };
    for (int i = 0; signers[i]; i++) {
        char *want = t_asprintf("<div>Naam: %s</div>", signers[i]);
        HAS(sig, want);
        free(want);
    }
    /* a line to sign and a date for each */
    const char *p = sig;
    int lines = 0;
    while ((p = strstr(p, "<div class=\"line\"></div>")) != NULL) {
        lines++;
        p++;
    }
    ck_assert_int_eq(lines, 4);
    HAS(sig, "<div>Datum: 7 april 2026</div>");
    free(sig);
    free(html);

    /* report_date wins over the decision date */
    stage("d");
    edit("d", "tender.ini", "closing = 2026-01-12T12:00", "closing = 2026-01-12T12:00\nreport_date = 2026-04-09");
    rc = run_case("d", &err, NULL);
    RAN(rc, err);
    html = outf("d", "report.html");
    HAS(html, "<td>donderdag 9 april 2026</td>");
    HAS(html, "<div>Datum: 9 april 2026</div>");
    free(html);

    /* no committee: two signature blocks to fill in by hand */
    stage("n");
    edit("n", "tender.ini", "[committee]", "; no committee");
    edit("n", "tender.ini", "members = ", "; members = ");
    edit("n", "tender.ini", "place = ", "; place = ");
    rc = run_case("n", &err, NULL);
    RAN(rc, err);
    html = outf("n", "report.html");
    HAS(html, "Geen leden van de beoordelingscommissie opgegeven.");
    HAS(html, "Aldus vastgesteld op dinsdag 7 april 2026.");
    HAS(html, "<div>Naam: …………………………</div>");
    free(html);
    free(err);
}
END_TEST

/* The run id and the audit head in the report are the run's: `regie show`
 * names the run, `regie log` lists an entry with that hash. */
START_TEST(run_id_and_audit_head_match_the_store)
{
    stage("r");
    char *err = NULL;
    int rc = run_case("r", &err, NULL);
    RAN(rc, err);
    char *html = outf("r", "report.html");
    char *id = between(html, "<tr id=\"run-id\"><th>Run</th><td>", "</td>");
    ck_assert_ptr_nonnull(id);
    char *head = between(html, "<span class=\"hash\">", "</span>");
    ck_assert_ptr_nonnull(head);
    ck_assert_uint_eq(strlen(head), 64);
    for (const char *c = head; *c; c++) {
        ck_assert_msg(isxdigit((unsigned char)*c) && !isupper((unsigned char)*c), "not hex: %s", head);
    }
    char *only = t_only_run("r/test-runs.db");
    ck_assert_str_eq(id, only);
    const char *show[] = { "show", id, "--db", "r/test-runs.db", NULL };
    ck_assert_int_eq(t_run(show), 0);
    HAS(t_out, id);
    const char *log[] = { "log", id, "--db", "r/test-runs.db", NULL };
    ck_assert_int_eq(t_run(log), 0);
    /* the HASH column shows the first 12 digits of each entry's hash */
    char shorthash[16];
    snprintf(shorthash, sizeof shorthash, " %.12s ", head);
    HAS(t_out, shorthash);
    /* and the chain holds */
    const char *verify[] = { "verify", id, "--db", "r/test-runs.db", NULL };
    ck_assert_int_eq(t_run(verify), 0);
    HAS(t_out, "chain intact");
    free(only);
    free(head);
    free(id);
    free(html);

    /* without the store: no run id, said so */
    stage("ns");
    rc = run_case("ns", &err, "--no-store", NULL);
    RAN(rc, err);
    html = outf("ns", "report.html");
    HAS(html, "zonder run-opslag: geen run-id");
    HASNT(html, "<span class=\"hash\">");
    free(html);
    free(err);
}
END_TEST

/* ---- no internal codes ---- */

/* text with the published quotes (criteria.csv's title and text), which
 * may say anything, cut out; and lower case */
static char *without_quotes(const char *html)
{
    char *s = strdup(html);
    const char *pairs[][2] = { { "<q class=\"published\">", "</q>" }, { "<p class=\"published-text\">", "</p>" } };
    for (int k = 0; k < 2; k++) {
        char *a;
        while ((a = strstr(s, pairs[k][0])) != NULL) {
            char *b = strstr(a, pairs[k][1]);
            ck_assert_ptr_nonnull(b);
            memmove(a, b + strlen(pairs[k][1]), strlen(b + strlen(pairs[k][1])) + 1);
        }
    }
    for (char *p = s; *p; p++) {
        *p = (char)tolower((unsigned char)*p);
    }
    return s;
}

static int word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* The first of the codes found as a whole word in html (outside quotes). */
static const char *leaked_code(const char *html, const char **where)
{
    static const char *const codes[] = { "das", "half_up", "half-up", "criterion:", "on_late_exclusion",
                                         "keep_ranking", "lot_mode", "round_stage", "price_method",
                                         "lowest_ratio", "fictitious_discount", "seeded", "rate_rounding",
                                         "tiebreak", "berekend (", "ko.csv", NULL };
    char *s = without_quotes(html);
    const char *found = NULL;
    for (int i = 0; codes[i] && !found; i++) {
        size_t n = strlen(codes[i]);
        for (const char *p = s; (p = strstr(p, codes[i])) != NULL; p++) {
            int before = p > s && word_char(p[-1]);
            int after = word_char(codes[i][n - 1]) && word_char(p[n]);
            if (!before && !after) {
                found = codes[i];
                *where = html + (p - s);
                break;
            }
        }
    }
    free(s);
    return found;
}

static void no_codes(const char *name, const char *file)
{
    char *html = outf(name, file);
    ck_assert_msg(html != NULL, "%s/%s missing", name, file);
    const char *where = NULL;
    const char *code = leaked_code(html, &where);
    ck_assert_msg(code == NULL, "%s/%s: the code \"%s\" leaks: ...%.120s", name, file, code ? code : "",
                  where ? where : "");
    free(html);
}

START_TEST(no_internal_codes)
{
    /* the example: procedure das, tiebreak criterion:W3,price,lot, seeded lot,
     * half_up, keep_ranking; with the interviews */
    stage("x1");
    char *err = NULL;
    int rc = run_case("x1", &err, "--set", "interviews=interviews.csv", NULL);
    RAN(rc, err);
    no_codes("x1", "report.html");
    char *html = outf("x1", "report.html");
    HAS(html, "<td>dynamisch aankoopsysteem</td>");
    HAS(html, "eerst hoogste score op criterium W3 (Zelfstandig strategisch adviseren in de publieke sector), "
              "dan laagste prijs, ten slotte loting");
    HAS(html, "rekenkundig afgerond (0,5 naar boven)");
    HAS(html, "berekend uit het aantal meegestuurde cv&#39;s en motivatiebrieven");
    HAS(html, "de rangschikking blijft ongewijzigd");
    free(html);
    /* and the sanity of the check itself */
    const char *where;
    ck_assert_str_eq(leaked_code("<td>Procedure: das</td>", &where), "das");
    ck_assert_str_eq(leaked_code("<td>criterion:W3, price</td>", &where), "criterion:");
    ck_assert_ptr_null(leaked_code("<q class=\"published\">das keep_ranking</q><td>dashboard</td>", &where));

    /* price points, criterion rounding, an external draw, a preference */
    stage("x2");
    edit("x2", "tender.ini", "price_method = none", "price_method = lowest_ratio");
    edit("x2", "tender.ini", "price_points = 0", "price_points = 30");
    edit("x2", "tender.ini", "total_points = 90", "total_points = 100");
    edit("x2", "tender.ini", "round_stage = total", "round_stage = criterion");
    edit("x2", "tender.ini", "tiebreak = criterion:W3,price,lot", "tiebreak = preference:region=Drenthe,criterion:W2,lot");
    edit("x2", "tender.ini", "lot_mode = seeded", "lot_mode = external");
    edit("x2", "tender.ini", "rate_rounding = half_up", "rate_rounding = reject");
    rc = run_case("x2", &err, NULL);
    RAN(rc, err);
    no_codes("x2", "report.html");
    html = outf("x2", "report.html");
    HAS(html, "voorkeur voor een inschrijving met regio Drenthe");
    HAS(html, "prijspunten naar verhouding tot de laagste prijs");
    HAS(html, "fysieke trekking");
    free(html);

    /* a split tender: the report and a bid's page */
    gen_tender("x3", 250, 3, 1, NULL);
    rc = run_case("x3", &err, NULL);
    RAN(rc, err);
    no_codes("x3", "report.html");
    no_codes("x3", "report/bid-B001.html");
    free(err);
}
END_TEST

/* ---- the split report ---- */

static long file_size(const char *name, const char *rel)
{
    char *p = t_asprintf("%s/%s/out/%s", t_dir, name, rel);
    struct stat sb;
    long n = stat(p, &sb) == 0 ? (long)sb.st_size : -1;
    free(p);
    return n;
}

START_TEST(split_report_above_the_threshold)
{
    /* 250 bids, above the default 200 */
    gen_tender("s", 250, 4, 0, NULL);
    char *err = NULL;
    int rc = run_case("s", &err, NULL);
    RAN(rc, err);
    char *html = outf("s", "report.html");
    HAS(html, "<h2 id=\"rangschikking\">Rangschikking</h2>");
    HAS(html, "<a href=\"report/bid-B001.html\">B001</a>");
    HAS(html, "<a href=\"report/bid-B250.html\">B250</a>");
    HASNT(html, "<h2>Scores en motiveringen</h2>");
    HASNT(html, "Motivering 1/1 van Jansen");
    HAS(html, "<img src=\"scores-top.svg\"");
    /* the summary and the signatures stay */
    HAS(html, "<h2>Beoordelingsregels</h2>");
    HAS(html, "<h2>Ondertekening</h2>");
    /* every bid has its page with its scores and motivations */
    for (int b = 1; b <= 250; b++) {
        ck_assert_msg(t_existsf("%s/s/out/report/bid-B%03d.html", t_dir, b), "report/bid-B%03d.html missing", b);
    }
    ck_assert(t_existsf("%s/s/out/report/report.css", t_dir));
    char *page = outf("s", "report/bid-B007.html");
    HAS(page, "<h1>Inschrijving B007</h1>");
    HAS(page, "Leverancier 7");
    HAS(page, "Motivering 7/3 van Bakker");
    HAS(page, "<a href=\"../report.html#rangschikking\">");
    HAS(page, "<a href=\"../letters/B007.md\">");
    HAS(page, "<link rel=\"stylesheet\" href=\"report.css\">");
    free(page);
    /* the chart of the report: the 30 best */
    char *top = outf("s", "scores-top.svg");
    HAS(top, "(de 30 hoogst geplaatste inschrijvingen)");
    free(top);
    long split_size = file_size("s", "report.html");
    free(html);

    /* the same 250 bids with the threshold above them: one report */
    gen_tender("w", 250, 4, 0, "report_split_above = 300\n");
    rc = run_case("w", &err, NULL);
    RAN(rc, err);
    html = outf("w", "report.html");
    HAS(html, "<h2>Scores en motiveringen</h2>");
    HAS(html, "Motivering 1/1 van Jansen");
    HASNT(html, "report/bid-");
    ck_assert(!t_existsf("%s/w/out/report", t_dir));
    long whole_size = file_size("w", "report.html");
    /* the detail is most of it: split, the report is a fraction */
    ck_assert_msg(split_size * 3 < whole_size, "split %ld bytes, whole %ld", split_size, whole_size);
    free(html);

    /* below the default threshold: one report */
    gen_tender("u", 150, 2, 0, NULL);
    rc = run_case("u", &err, NULL);
    RAN(rc, err);
    ck_assert(!t_existsf("%s/u/out/report", t_dir));
    free(err);
}
END_TEST

/* ---- print CSS ---- */

START_TEST(print_css_a4)
{
    stage("p");
    char *err = NULL;
    int rc = run_case("p", &err, NULL);
    RAN(rc, err);
    char *html = outf("p", "report.html");
    HAS(html, "@page { size: A4;");
    HAS(html, "thead { display: table-header-group; }");
    HAS(html, "figure.chart, .keep { break-inside: avoid; page-break-inside: avoid; }");
    /* no forced page breaks, no table held whole (a long one would leave a
     * blank page before it) */
    HASNT(html, "page-break-before: always");
    HASNT(html, "break-before: page");
    HASNT(html, "table { page-break-inside: avoid");
    /* every table has its head in a <thead> */
    int tables = 0, heads = 0;
    for (const char *p = html; (p = strstr(p, "<table")) != NULL; p++) {
        tables++;
    }
    for (const char *p = html; (p = strstr(p, "<thead>")) != NULL; p++) {
        heads++;
    }
    ck_assert_int_gt(heads, 5);
    ck_assert_int_le(heads, tables);
    /* the chart is a figure with its caption */
    HAS(html, "<figure class=\"chart\"><figcaption>Punten per criterium per inschrijving</figcaption><img src=\"scores.svg\"");
    free(html);
    free(err);
}
END_TEST

/* ---- charts ---- */

/* sRGB 0-255 as a red- or green-blind eye sees it (Machado, Oliveira &
 * Fernandes 2009, severity 1), back in sRGB 0-255. */
static double lin(double c)
{
    c /= 255.0;
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}
static double unlin(double c)
{
    c = c < 0 ? 0 : c > 1 ? 1 : c;
    return 255.0 * (c <= 0.0031308 ? 12.92 * c : 1.055 * pow(c, 1 / 2.4) - 0.055);
}
static const double DEUTAN[3][3] = { { 0.367322, 0.860646, -0.227968 },
                                     { 0.280085, 0.672501, 0.047413 },
                                     { -0.011820, 0.042940, 0.968881 } };
static const double PROTAN[3][3] = { { 0.152286, 1.052583, -0.204868 },
                                     { 0.114503, 0.786281, 0.099216 },
                                     { -0.003882, -0.048116, 1.051998 } };

static void parse_hex(const char *hex, double rgb[3])
{
    unsigned r, g, b;
    ck_assert_msg(sscanf(hex, "#%2x%2x%2x", &r, &g, &b) == 3, "not a colour: %s", hex);
    rgb[0] = r;
    rgb[1] = g;
    rgb[2] = b;
}

static double seen_distance(const char *a, const char *b, const double m[3][3])
{
    double x[3], y[3], d = 0;
    parse_hex(a, x);
    parse_hex(b, y);
    double lx[3] = { lin(x[0]), lin(x[1]), lin(x[2]) }, ly[3] = { lin(y[0]), lin(y[1]), lin(y[2]) };
    for (int i = 0; i < 3; i++) {
        double sx = unlin(m[i][0] * lx[0] + m[i][1] * lx[1] + m[i][2] * lx[2]);
        double sy = unlin(m[i][0] * ly[0] + m[i][1] * ly[1] + m[i][2] * ly[2]);
        d += (sx - sy) * (sx - sy);
    }
    return sqrt(d);
}

/* Two colours a red- or green-blind reader tells apart: at least this far
 * apart (sRGB 0-255) as both deuteranopia and protanopia see them.  The old
 * palette's green #2ca02c and red #d62728 are 30 apart. */
#define MIN_SEEN 60.0

static double cvd_distance(const char *a, const char *b)
{
    double d = seen_distance(a, b, DEUTAN), p = seen_distance(a, b, PROTAN);
    return d < p ? d : p;
}

/* The fills of the bars' segments in one row of the chart (the rects with
 * a <title> "BID CRIT: ..."), in the order drawn. */
static int row_fills(const char *svg, const char *bid, char fills[][8], int max)
{
    int n = 0;
    char *key = t_asprintf("><title>%s ", bid);
    for (const char *p = svg; (p = strstr(p, key)) != NULL && n < max; p++) {
        /* back to the fill of that rect */
        const char *f = p;
        while (f > svg && strncmp(f, "fill=\"", 6) != 0) {
            f--;
        }
        snprintf(fills[n++], 8, "%.7s", f + 6);
    }
    free(key);
    return n;
}

START_TEST(palette_colour_blind_safe)
{
    /* the check tells the old neighbours apart from good ones */
    ck_assert(cvd_distance("#2ca02c", "#d62728") < MIN_SEEN);
    ck_assert(cvd_distance("#ff7f0e", "#2ca02c") < MIN_SEEN);
    ck_assert(cvd_distance("#0072B2", "#E69F00") >= MIN_SEEN);

    /* the palette of common/svg.lua: neighbours, the last beside the
     * first (more series than colours), the neutral beside any, good/bad */
    char *src = t_src("scripts/common/svg.lua");
    char *lua = t_read(src);
    char *pal = between(lua, "S.PALETTE = {", "}");
    ck_assert_ptr_nonnull(pal);
    char cols[16][8];
    int nc = 0;
    for (const char *p = pal; (p = strchr(p, '#')) != NULL && nc < 16; p++) {
        snprintf(cols[nc++], 8, "%.7s", p);
    }
    ck_assert_int_ge(nc, 8);
    char *neutral = between(lua, "S.NEUTRAL = \"", "\"");
    char *good = between(lua, "S.GOOD = \"", "\"");
    char *bad = between(lua, "S.BAD = \"", "\"");
    ck_assert(neutral && good && bad);
    for (int i = 0; i < nc; i++) {
        const char *a = cols[i], *b = cols[(i + 1) % nc];
        ck_assert_msg(cvd_distance(a, b) >= MIN_SEEN, "neighbours %s and %s: %.0f apart to a red-green blind eye", a,
                      b, cvd_distance(a, b));
        ck_assert_msg(cvd_distance(a, neutral) >= MIN_SEEN, "%s and the neutral %s", a, neutral);
    }
    ck_assert(cvd_distance(good, bad) >= MIN_SEEN);
    free(neutral);
    free(good);
    free(bad);
    free(pal);
    free(lua);
    free(src);

    /* the chart as drawn: 10 criteria and the price, more than the palette
     * holds; every pair of neighbouring segments in a bar */
    gen_tender("g", 12, 10, 1, NULL);
    char *err = NULL;
    int rc = run_case("g", &err, NULL);
    RAN(rc, err);
    char *svg = outf("g", "scores.svg");
    ck_assert_ptr_nonnull(svg);
    char fills[32][8];
    int checked = 0;
    for (int b = 1; b <= 12; b++) {
        char bid[8];
        snprintf(bid, sizeof bid, "B%03d", b);
        int n = row_fills(svg, bid, fills, 32);
        for (int i = 0; i + 1 < n; i++) {
            ck_assert_msg(cvd_distance(fills[i], fills[i + 1]) >= MIN_SEEN,
                          "%s: neighbouring segments %s and %s differ only in red-green", bid, fills[i],
                          fills[i + 1]);
            checked++;
        }
    }
    ck_assert_int_gt(checked, 50);
    /* the example's chart too */
    stage("e");
    rc = run_case("e", &err, NULL);
    RAN(rc, err);
    char *svg2 = outf("e", "scores.svg");
    int n = row_fills(svg2, "A", fills, 32);
    ck_assert_int_eq(n, 4);
    for (int i = 0; i + 1 < n; i++) {
        ck_assert(cvd_distance(fills[i], fills[i + 1]) >= MIN_SEEN);
    }
    free(svg2);
    free(svg);
    free(err);
}
END_TEST

/* The labels of the axis (the texts centred below it), as numbers. */
static int axis_ticks(const char *svg, double *v, int max)
{
    int n = 0;
    const char *key = "text-anchor=\"middle\">";
    for (const char *p = svg; (p = strstr(p, key)) != NULL && n < max; p++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%s", p + strlen(key));
        buf[strcspn(buf, "<")] = 0;
        for (char *c = buf; *c; c++) {
            if (*c == ',') {
                *c = '.';
            }
        }
        v[n++] = atof(buf);
    }
    return n;
}

static void ticks_are(const char *svg, const double *want, int nwant)
{
    double v[32];
    int n = axis_ticks(svg, v, 32);
    ck_assert_int_eq(n, nwant);
    for (int i = 0; i < n; i++) {
        ck_assert_msg(fabs(v[i] - want[i]) < 1e-9, "tick %d: %g, want %g", i, v[i], want[i]);
    }
}

START_TEST(ticks_at_round_numbers)
{
    /* 90 points (the example): 0, 10, ..., 90 */
    stage("t");
    char *err = NULL;
    int rc = run_case("t", &err, NULL);
    RAN(rc, err);
    char *svg = outf("t", "scores.svg");
    const double ninety[] = { 0, 10, 20, 30, 40, 50, 60, 70, 80, 90 };
    ticks_are(svg, ninety, 10);
    free(svg);
    /* 100 points with the price: 0, 25, 50, 75, 100 */
    gen_tender("h", 6, 3, 1, NULL);
    rc = run_case("h", &err, NULL);
    RAN(rc, err);
    svg = outf("h", "scores.svg");
    const double hundred[] = { 0, 25, 50, 75, 100 };
    ticks_are(svg, hundred, 5);
    free(svg);
    /* 70 points: 0, 10, ..., 70 */
    gen_tender("s7", 6, 7, 0, NULL);
    rc = run_case("s7", &err, NULL);
    RAN(rc, err);
    svg = outf("s7", "scores.svg");
    const double seventy[] = { 0, 10, 20, 30, 40, 50, 60, 70 };
    ticks_are(svg, seventy, 8);
    free(svg);
    free(err);
}
END_TEST

/* Every text of the chart lies inside it, its width taken as 0.55 of the
 * font size per character (a sans-serif font's average is less). */
START_TEST(labels_fit_the_chart)
{
    stage("l");
    edit("l", "bids.csv", "Bureau Beleid & Zo", "\"Bureau voor Beleid, Bestuur & Organisatie van Nederlandse Gemeenten\"");
    edit("l", "criteria.csv", "Zelfstandig strategisch adviseren in de publieke sector",
         "\"Zelfstandig strategisch adviseren in de publieke sector, aan bestuurders, directies en "
         "ambtelijke opdrachtgevers van gemeenten en regio's\"");
    edit("l", "tender.ini", "price_method = none", "price_method = relative_deviation");
    edit("l", "tender.ini", "price_points = 0", "price_points = 30");
    edit("l", "tender.ini", "total_points = 90", "total_points = 120");
    char *err = NULL;
    int rc = run_case("l", &err, NULL);
    RAN(rc, err);
    char *svg = outf("l", "scores.svg");
    ck_assert_ptr_nonnull(svg);
    int width = 0;
    ck_assert(sscanf(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\"", &width) == 1);
    int texts = 0;
    for (const char *p = svg; (p = strstr(p, "<text ")) != NULL; p++) {
        const char *end = strchr(p, '>');
        const char *close = strstr(p, "</text>");
        ck_assert(end && close);
        double x = atof(strstr(p, "x=\"") + 3);
        double size = 12;
        const char *fs = strstr(p, "font-size=\"");
        if (fs && fs < end) {
            size = atof(fs + 11);
        }
        /* characters, entities and UTF-8 sequences counted once */
        long chars = 0;
        for (const char *c = end + 1; c < close; c++) {
            if (*c == '&') {
                c = strchr(c, ';');
            } else if (((unsigned char)*c & 0xC0) == 0x80) {
                continue;
            }
            chars++;
        }
        double w = 0.55 * size * (double)chars;
        double from = x, to = x + w;
        if (strstr(p, "text-anchor=\"end\"") && strstr(p, "text-anchor=\"end\"") < end) {
            from = x - w, to = x;
        } else if (strstr(p, "text-anchor=\"middle\"") && strstr(p, "text-anchor=\"middle\"") < end) {
            from = x - w / 2, to = x + w / 2;
        }
        ck_assert_msg(from >= 0 && to <= width, "text cut off (%.0f..%.0f of %d): %.80s", from, to, width, p);
        texts++;
    }
    ck_assert_int_gt(texts, 20);
    /* the price in words, the axis to 120 in steps of 20 */
    HAS(svg, "Prijs (prijspunten naar de relatieve afwijking van de laagste prijs)");
    const double want[] = { 0, 20, 40, 60, 80, 100, 120 };
    ticks_are(svg, want, 7);
    free(svg);
    free(err);
}
END_TEST

/* ---- printed by a browser: A4, no table wider than the page ---- */

static const char *browser(void)
{
    static const char *cands[] = { "/usr/bin/chromium", "/usr/bin/chromium-browser", NULL };
    for (int i = 0; cands[i]; i++) {
        if (access(cands[i], X_OK) == 0) {
            return cands[i];
        }
    }
    return NULL;
}

START_TEST(printed_tables_fit_a4)
{
    const char *chrome = browser();
    if (!chrome) {
        t_tool_missing("printed_tables_fit_a4", "chromium", "apt-get install chromium");
        return;
    }
    /* ten criteria and the price: the widest ranking */
    gen_tender("b", 12, 10, 1, NULL);
    char *err = NULL;
    int rc = run_case("b", &err, NULL);
    RAN(rc, err);
    char *html = outf("b", "report.html");
    ck_assert_ptr_nonnull(html);
    /* the print rules made to apply on screen, a page as wide as A4 less its
     * margins (180 mm = 680 px), and a script that measures every table */
    char *at = strstr(html, "@media print {");
    ck_assert_ptr_nonnull(at);
    memcpy(at, "@media all   {", 14);
    char *body = strstr(html, "</body>");
    ck_assert_ptr_nonnull(body);
    *body = 0;
    char *page = t_asprintf(
        "%s<script>var w = document.documentElement.clientWidth, bad = [];"
        "document.querySelectorAll('table').forEach(function (t, i) {"
        " if (t.getBoundingClientRect().right > w + 0.5) bad.push(i); });"
        "document.title = bad.length ? 'too-wide:' + bad.join(',') : 'tables-fit';</script></body></html>\n",
        html);
    char *dir = t_asprintf("%s/b/out", t_dir);
    free(t_write(dir, "measure.html", page));
    char *cmd = t_asprintf("cd '%s' && timeout 60 '%s' --headless --no-sandbox --disable-gpu --disable-quic "
                           "--no-first-run --disable-background-networking --disable-component-update "
                           "--disable-sync --user-data-dir='%s/profile' --window-size=680,1000 "
                           "--dump-dom 'file://%s/measure.html' >'%s/dom.html' 2>/dev/null",
                           dir, chrome, t_dir, dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    char *dom = t_readf("%s/dom.html", dir);
    HAS(dom, "<title>tables-fit</title>");
    free(dom);
    free(cmd);
    /* printed to PDF: A4 */
    cmd = t_asprintf("cd '%s' && timeout 60 '%s' --headless --no-sandbox --disable-gpu --disable-quic "
                     "--no-first-run --disable-background-networking --disable-component-update "
                     "--disable-sync --user-data-dir='%s/profile' --no-pdf-header-footer "
                     "--print-to-pdf='%s/report.pdf' 'file://%s/report.html' >/dev/null 2>&1",
                     dir, chrome, t_dir, dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    /* for a person to look at: page 1 as a screenshot and the PDF, kept
     * under the build's tests/output/ */
    char *keep = t_build("tests/output");
    mkdir(keep, 0755);
    cmd = t_asprintf("cd '%s' && timeout 60 '%s' --headless --no-sandbox --disable-gpu --disable-quic "
                     "--no-first-run --disable-background-networking --disable-component-update "
                     "--disable-sync --user-data-dir='%s/profile' --window-size=794,1123 --hide-scrollbars "
                     "--screenshot='%s/tender-report-page1.png' 'file://%s/report.html' >/dev/null 2>&1 && "
                     "cp '%s/report.pdf' '%s/tender-report.pdf'",
                     dir, chrome, t_dir, keep, dir, dir, keep);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    struct stat sb;
    char *shot = t_asprintf("%s/tender-report-page1.png", keep);
    ck_assert_int_eq(stat(shot, &sb), 0);
    ck_assert_msg(sb.st_size > 20000, "screenshot only %lld bytes", (long long)sb.st_size);
    free(shot);
    free(keep);
    if (access("/usr/bin/pdfinfo", X_OK) == 0) {
        cmd = t_asprintf("pdfinfo '%s/report.pdf' > '%s/pdfinfo.txt' 2>&1", dir, dir);
        ck_assert_int_eq(system(cmd), 0);
        char *info = t_readf("%s/pdfinfo.txt", dir);
        HAS(info, "(A4)");
        free(info);
        free(cmd);
    }
    free(dir);
    free(page);
    free(html);
    free(err);
}
END_TEST

Suite *suite_pv(void);
Suite *suite_pv(void)
{
    Suite *s = suite_create("pv");
    TCase *tc = tcase_create("proces-verbaal");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, t_dir_setup, t_dir_teardown);
    tcase_add_test(tc, committee_quoted_criteria_date_and_signatures);
    tcase_add_test(tc, run_id_and_audit_head_match_the_store);
    tcase_add_test(tc, no_internal_codes);
    tcase_add_test(tc, split_report_above_the_threshold);
    tcase_add_test(tc, print_css_a4);
    suite_add_tcase(s, tc);
    TCase *tg = tcase_create("charts");
    tcase_set_timeout(tg, 60);
    tcase_add_checked_fixture(tg, t_dir_setup, t_dir_teardown);
    tcase_add_test(tg, palette_colour_blind_safe);
    tcase_add_test(tg, ticks_at_round_numbers);
    tcase_add_test(tg, labels_fit_the_chart);
    suite_add_tcase(s, tg);
    TCase *tb = tcase_create("browser");
    tcase_set_timeout(tb, 120);
    tcase_add_checked_fixture(tb, t_dir_setup, t_dir_teardown);
    tcase_add_test(tb, printed_tables_fit_a4);
    suite_add_tcase(s, tb);
    return s;
}
