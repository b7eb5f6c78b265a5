/* Letters as PDF documents (the pdf plugin, issue 26): the real tender
 * workflow on examples/tender, each letter read back by poppler's
 * pdftotext and pdfinfo (a PDF reader no one here wrote); a long letter over
 * pages with their numbers; a bad house style named by file and line; an
 * optional plugin step that is not installed; `regie plugins pdf`.  A PNG of
 * one letter is left in tests/output/pdf/ of the build tree for a person to
 * look at. */
#define _GNU_SOURCE
#include "regie-mock.h"
#include "testutil.h"

#include <check.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int have_tool(const char *prog)
{
    char *cmd = t_asprintf("command -v %s >/dev/null 2>&1", prog);
    int rc = system(cmd);
    free(cmd);
    return rc == 0;
}

/* Whether the test can run: the plugin built and poppler-utils present
 * (otherwise SKIPPED, or failed under CI=true). */
static int ready(const char *test)
{
    char *so = t_build("plugins/.libs/pdf.so");
    int built = access(so, R_OK) == 0;
    free(so);
    if (!built) {
        t_tool_missing(test, "the pdf plugin (not built: see the end of configure's output)",
                       "apt-get install libcairo2-dev libpango1.0-dev, then configure again");
        return 0;
    }
    if (!have_tool("pdftotext") || !have_tool("pdfinfo") || !have_tool("pdftoppm")) {
        t_tool_missing(test, "pdftotext/pdfinfo/pdftoppm", "apt-get install poppler-utils");
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

/* pdftotext of a PDF, lines as laid out by the reader, runs of spaces as one. */
static char *pdf_text(const char *pdf)
{
    char *cmd = t_asprintf("pdftotext -enc UTF-8 '%s' - 2>&1", pdf);
    int rc;
    char *t = sh(cmd, &rc);
    ck_assert_msg(rc == 0, "pdftotext %s: %s", pdf, t);
    free(cmd);
    return t;
}

static char *pdf_info(const char *pdf)
{
    char *cmd = t_asprintf("pdfinfo '%s' 2>&1", pdf);
    int rc;
    char *t = sh(cmd, &rc);
    ck_assert_msg(rc == 0, "pdfinfo %s: %s", pdf, t);
    free(cmd);
    return t;
}

static int pdf_pages(const char *info)
{
    const char *p = strstr(info, "\nPages:");
    return p ? atoi(p + 7) : -1;
}

/* examples/tender with `place = Assen` in tender.ini and a contact and an
 * address for bid A in bids.csv (both optional), written to dir. */
static void tender_inputs(const char *dir)
{
    char *ini = t_readf("%s/examples/tender/tender.ini", TEST_SRCDIR);
    char *at = strstr(ini, "[tender]\n");
    ck_assert_ptr_nonnull(at);
    at += strlen("[tender]\n");
    char *ini2 = t_asprintf("%.*splace = Assen\n%s", (int)(at - ini), ini, at);
    free(t_write(dir, "tender.ini", ini2));
    char *bids = t_readf("%s/examples/tender/bids.csv", TEST_SRCDIR);
    t_strip_cr(bids);
    char *out = t_asprintf("%s", "");
    int first = 1;
    for (char *line = strtok(bids, "\n"); line; line = strtok(NULL, "\n")) {
        const char *extra = first ? ",contact,address"
                            : strncmp(line, "A,", 2) == 0
                                ? ",Mw. J. Jansen,\"Postbus 12;9400 AA Assen\""
                                : ",,";
        char *o = t_asprintf("%s%s%s\n", out, line, extra);
        free(out);
        out = o;
        first = 0;
    }
    free(t_write(dir, "bids.csv", out));
    free(out);
    free(bids);
    free(ini);
    free(ini2);
}

static int run_tender(const char *dir, const char *outdir, const char *extra_set, char **err)
{
    char *wf = t_src("etc/workflows/tender-evaluation.ini");
    char *ex = t_src("examples/tender");
    char *s[4];
    s[0] = t_asprintf("criteria=%s/criteria.csv", ex);
    s[1] = t_asprintf("ko=%s/ko.csv", ex);
    s[2] = t_asprintf("scores=%s/scores.csv", ex);
    s[3] = t_asprintf("interviews=%s/interviews.csv", ex);
    const char *argv[24];
    int n = 0;
    argv[n++] = "run";
    argv[n++] = wf;
    argv[n++] = "--set";
    argv[n++] = "tender=tender.ini";
    argv[n++] = "--set";
    argv[n++] = "bids=bids.csv";
    for (int i = 0; i < 4; i++) {
        argv[n++] = "--set";
        argv[n++] = s[i];
    }
    if (extra_set) {
        argv[n++] = "--set";
        argv[n++] = extra_set;
    }
    argv[n++] = "--out";
    argv[n++] = outdir;
    argv[n++] = "--no-store";
    argv[n] = NULL;
    char *out = NULL;
    int rc = t_regie(dir, &out, err, argv);
    free(out);
    for (int i = 0; i < 4; i++) {
        free(s[i]);
    }
    free(wf);
    free(ex);
    return rc;
}

START_TEST(tender_letters_read_back)
{
    if (!ready("tender_letters_read_back")) {
        return;
    }
    char *dir = t_tmpdir();
    tender_inputs(dir);
    char *err = NULL;
    int rc = run_tender(dir, "out", NULL, &err);
    ck_assert_msg(rc == 0, "regie run: exit %d: %s", rc, err);
    free(err);
    /* the report links the letters as documents, the text beside them */
    char *report = t_readf("%s/out/report.html", dir);
    ck_assert_ptr_nonnull(report);
    T_CONTAINS(report, "<a href=\"letters/A.pdf\">");
    T_CONTAINS(report, "(<a href=\"letters/A.html\">HTML</a>, <a href=\"letters/A.md\">tekst</a>)");
    free(report);
    static const char *const bids[] = { "A", "B", "C", "D", "E", "F", "G" };
    for (size_t i = 0; i < sizeof bids / sizeof bids[0]; i++) {
        char *pdf = t_asprintf("%s/out/letters/%s.pdf", dir, bids[i]);
        char *info = pdf_info(pdf);
        T_CONTAINS(info, "Page size:       595.28 x 841.89 pts (A4)");
        T_CONTAINS(info, "Title:           Strategisch adviseur sociaal domein (VNG-PSD-2026-004)");
        T_CONTAINS(info, "Author:          Vereniging van Nederlandse Gemeenten");
        char *text = pdf_text(pdf);
        char *ref = t_asprintf("VNG-PSD-2026-004/%s", bids[i]);
        T_CONTAINS(text, ref);       /* kenmerk */
        T_CONTAINS(text, "Kenmerk"); /* its label */
        T_CONTAINS(text, "Assen, ");  /* place and date */
        T_CONTAINS(text, "t.a.v. ");  /* addressee */
        T_CONTAINS(text, "pagina 1 van ");
        free(ref);
        free(text);
        free(info);
        free(pdf);
    }
    /* A: the addressee with contact and address, the date of the decision,
     * the amounts as the Markdown letter has them */
    char *pdf = t_asprintf("%s/out/letters/A.pdf", dir);
    char *text = pdf_text(pdf);
    T_CONTAINS(text, "Adviesbureau Noord\nt.a.v. Mw. J. Jansen\nPostbus 12\n9400 AA Assen");
    T_CONTAINS(text, "Assen, 7 april 2026");
    T_CONTAINS(text, "67,92 punten");
    T_CONTAINS(text, "28 april 2026"); /* end of the standstill */
    char *md = t_readf("%s/out/letters/A.md", dir);
    T_CONTAINS(md, "67,92 punten");
    /* B, the winner; F: excluded after the interview, with the winner's points */
    char *pb = t_asprintf("%s/out/letters/B.pdf", dir);
    char *textb = pdf_text(pb);
    T_CONTAINS(textb, "Bureau Beleid & Zo\nt.a.v. Bram Visser");
    T_CONTAINS(textb, "71,25 punten");
    /* the letter for a person to look at */
    char *shots = t_build("tests/output/pdf");
    char *cmd = t_asprintf("mkdir -p '%s' && pdftoppm -png -r 60 -singlefile '%s' '%s/letter-A'",
                           shots, pdf, shots);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert(t_existsf("%s/letter-A.png", shots));
    fprintf(stderr, "tender_letters_read_back: a letter as a person sees it: %s/letter-A.png\n",
            shots);
    /* the same input gives the same bytes (the creation date is the letter's) */
    err = NULL;
    rc = run_tender(dir, "out2", NULL, &err);
    ck_assert_msg(rc == 0, "second run: exit %d: %s", rc, err);
    free(err);
    char *c2 = t_asprintf("cmp -s '%s' '%s/out2/letters/A.pdf'", pdf, dir);
    ck_assert_msg(system(c2) == 0, "letters/A.pdf differs between two runs of the same input");
    free(c2);
    /* --set pdf_letters=no: the Markdown letters only */
    err = NULL;
    rc = run_tender(dir, "out3", "pdf_letters=no", &err);
    ck_assert_msg(rc == 0, "pdf_letters=no: exit %d: %s", rc, err);
    free(err);
    ck_assert(t_existsf("%s/out3/letters/A.md", dir));
    ck_assert(!t_existsf("%s/out3/letters/A.pdf", dir));
    free(cmd);
    free(shots);
    free(textb);
    free(pb);
    free(md);
    free(text);
    free(pdf);
    t_rmtree(dir);
    free(dir);
}
END_TEST

/* A workflow of the pdf step alone, on letters.csv (and style, when given). */
static const char *const solo_wf = "[workflow]\n"
                                   "name = pdf-solo\n"
                                   "[input.letters]\n"
                                   "type = csv\n"
                                   "[input.style]\n"
                                   "type = ini\n"
                                   "required = no\n"
                                   "[step.pdf]\n"
                                   "plugin = pdf\n"
                                   "reads = letters, ?style\n"
                                   "letters = letters\n"
                                   "style = style\n"
                                   "threads = 2\n";

/* The event's letters (examples/event/leeratelier, E2: NO-GO) as PDF: a
 * confirmation per registration and a cancellation per participant, with
 * the addressee, the reference (event id / reg_id), the place and date
 * (the day after the deadline for a cancellation) and A4 pages. */
START_TEST(event_letters_read_back)
{
    if (!ready("event_letters_read_back")) {
        return;
    }
    char *dir = t_tmpdir();
    char *wf = t_src("etc/workflows/event-organisation.ini");
    char *ev = t_asprintf("event=%s/examples/event/leeratelier/event.ini", TEST_SRCDIR);
    char *rg = t_asprintf("registrations=%s/examples/event/leeratelier/registrations.csv", TEST_SRCDIR);
    const char *argv[] = { "run", wf, "--set", ev, "--set", rg, "--today", "2026-09-18", "--out", "out",
                           "--no-store", NULL };
    char *out = NULL, *err = NULL;
    int rc = t_regie(dir, &out, &err, argv);
    ck_assert_msg(rc == 0, "regie run: exit %d: %s", rc, err);
    char *pdf = t_asprintf("%s/out/letters/L01-afgelast.pdf", dir);
    char *info = pdf_info(pdf);
    T_CONTAINS(info, "Page size:       595.28 x 841.89 pts (A4)");
    char *text = pdf_text(pdf);
    T_CONTAINS(text, "Marieke Oosting");
    T_CONTAINS(text, "leeratelier-2026/L01");
    T_CONTAINS(text, "Assen, 18 september 2026");
    T_CONTAINS(text, "Leeratelier Regionaal samenwerken: afgelast");
    T_CONTAINS(text, "niet doorgaat");
    free(text);
    free(info);
    free(pdf);
    /* the same letter as HTML in the house style (param html) */
    char *html = t_readf("%s/out/letters/L01-afgelast.html", dir);
    ck_assert_msg(html != NULL, "no letters/L01-afgelast.html");
    T_CONTAINS(html, "<tr><th>Kenmerk</th><td>leeratelier-2026/L01</td></tr>");
    T_CONTAINS(html, "<div class=\"addressee\">Marieke Oosting<br>");
    T_CONTAINS(html, "@page { size: A4;");
    T_CONTAINS(html, "<h1>Leeratelier Regionaal samenwerken gaat niet door</h1>");
    free(html);
    pdf = t_asprintf("%s/out/letters/L01-bevestiging.pdf", dir);
    text = pdf_text(pdf);
    T_CONTAINS(text, "Bevestiging van uw aanmelding");
    T_CONTAINS(text, "leeratelier-2026/L01");
    free(text);
    free(pdf);
    free(out);
    free(err);
    free(rg);
    free(ev);
    free(wf);
    t_rmtree(dir);
    free(dir);
}
END_TEST

/* The stakeholder analysis's communication plan as a document
 * (commplan.pdf, examples/stakeholders): the approach per kind and the
 * stakeholders with the highest priority, A4. */
START_TEST(stakeholder_plan_read_back)
{
    if (!ready("stakeholder_plan_read_back")) {
        return;
    }
    char *dir = t_tmpdir();
    char *wf = t_src("etc/workflows/stakeholder-analysis.ini");
    char *an = t_asprintf("analysis=%s/examples/stakeholders/analysis.ini", TEST_SRCDIR);
    char *sh = t_asprintf("stakeholders=%s/examples/stakeholders/stakeholders.csv", TEST_SRCDIR);
    const char *argv[] = { "run", wf, "--set", an, "--set", sh, "--out", "out", "--no-store", NULL };
    char *out = NULL, *err = NULL;
    int rc = t_regie(dir, &out, &err, argv);
    ck_assert_msg(rc == 0, "regie run: exit %d: %s", rc, err);
    char *pdf = t_asprintf("%s/out/commplan.pdf", dir);
    char *info = pdf_info(pdf);
    T_CONTAINS(info, "Page size:       595.28 x 841.89 pts (A4)");
    char *text = pdf_text(pdf);
    T_CONTAINS(text, "Communicatieplan: Focus op Uitvoering");
    T_CONTAINS(text, "Aanpak per soort stakeholder");
    T_CONTAINS(text, "VNG-bestuur");
    T_CONTAINS(text, "focus-op-uitvoering"); /* kenmerk: the analysis id */
    free(text);
    free(info);
    free(pdf);
    free(out);
    free(err);
    free(sh);
    free(an);
    free(wf);
    t_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(long_letter_over_pages)
{
    if (!ready("long_letter_over_pages")) {
        return;
    }
    char *dir = t_tmpdir();
    free(t_write(dir, "wf.ini", solo_wf));
    /* 60 paragraphs and a table of 80 rows: pages enough */
    char *body = t_asprintf("%s", "# Een lange brief\n\nGeachte heer, mevrouw,\n\n");
    for (int i = 0; i < 60; i++) {
        char *b = t_asprintf("%sAlinea %d: met **vet** en een bedrag van € 1.234,56 in een zin "
                             "die lang genoeg is om over de regel heen te lopen, en nog wat.\n\n",
                             body, i + 1);
        free(body);
        body = b;
    }
    char *b = t_asprintf("%s| Bieding | Punten |\n|---|---:|\n", body);
    free(body);
    body = b;
    for (int i = 0; i < 80; i++) {
        b = t_asprintf("%s| Rij %d | %d,00 |\n", body, i + 1, i);
        free(body);
        body = b;
    }
    char *csv = t_asprintf("path,body,addressee,place_date,reference,subject\n"
                           "letters/long.pdf,\"%s\",\"Gemeente X\nPostbus 1\",\"Assen, 28 april "
                           "2026\",K-1,Lang\n",
                           body);
    free(t_write(dir, "letters.csv", csv));
    const char *argv[] = { "run", "wf.ini", "--set", "letters=letters.csv", "--set",
                           "style=" TEST_SRCDIR "/etc/house-style.ini", "--out", "out",
                           "--no-store", NULL };
    char *out = NULL, *err = NULL;
    int rc = t_regie(dir, &out, &err, argv);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *pdf = t_asprintf("%s/out/letters/long.pdf", dir);
    char *info = pdf_info(pdf);
    int pages = pdf_pages(info);
    ck_assert_msg(pages >= 3, "a long letter on %d page(s)", pages);
    char *text = pdf_text(pdf);
    for (int p = 1; p <= pages; p++) {
        char *label = t_asprintf("pagina %d van %d", p, pages);
        T_CONTAINS(text, label);
        free(label);
    }
    T_CONTAINS(text, "Alinea 60:");
    T_CONTAINS(text, "Rij 80");
    T_CONTAINS(text, "€ 1.234,56");
    /* the table's header row again on the page it continues on */
    char *first = strstr(text, "Bieding");
    ck_assert_ptr_nonnull(first);
    ck_assert_msg(strstr(first + 1, "Bieding") != NULL, "the table header is not repeated");
    /* a house style with a logo (a PNG beside the style file): on page 1 */
    char *mk = t_asprintf("cd '%s' && mkdir -p hs && pdftoppm -png -r 8 -f 1 -l 1 -singlefile "
                          "out/letters/long.pdf hs/logo",
                          dir);
    ck_assert_int_eq(system(mk), 0);
    free(t_write(dir, "hs/style.ini",
                 "[sender]\nline1 = Gemeente X\nlogo = logo.png\nlogo_width = 30\n"
                 "[footer]\npage_numbers = blad {page}/{pages}\n"));
    const char *argv2[] = { "run", "wf.ini", "--set", "letters=letters.csv", "--set",
                            "style=hs/style.ini", "--out", "out2", "--no-store", NULL };
    free(out);
    free(err);
    out = err = NULL;
    rc = t_regie(dir, &out, &err, argv2);
    ck_assert_msg(rc == 0, "with a logo: exit %d: %s", rc, err);
    char *imgs_cmd = t_asprintf("pdfimages -list '%s/out2/letters/long.pdf' 2>&1", dir);
    char *imgs = sh(imgs_cmd, &rc);
    ck_assert_msg(rc == 0 && strstr(imgs, "\n   1     0 image") != NULL, "no image on page 1:\n%s",
                  imgs);
    char *pdf2 = t_asprintf("%s/out2/letters/long.pdf", dir);
    char *text2 = pdf_text(pdf2);
    T_CONTAINS(text2, "blad 1/");
    free(text2);
    free(pdf2);
    free(imgs);
    free(imgs_cmd);
    free(mk);
    free(text);
    free(info);
    free(pdf);
    free(out);
    free(err);
    free(csv);
    free(body);
    t_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(bad_style_names_file_and_line)
{
    if (!ready("bad_style_names_file_and_line")) {
        return;
    }
    char *dir = t_tmpdir();
    tender_inputs(dir);
    free(t_write(dir, "bad-style.ini",
                 "[page]\nmargin_top = 20\n[font]\nsize = huge\nfamliy = DejaVu Sans\n"));
    char *err = NULL;
    int rc = run_tender(dir, "out", "house_style=bad-style.ini", &err);
    ck_assert_int_ne(rc, 0);
    T_CONTAINS(err, "bad-style.ini:4: [font] size: found \"huge\", expected points");
    T_CONTAINS(err, "bad-style.ini:5: unknown key \"famliy\" in [font]");
    /* the letters as Markdown are written all the same */
    ck_assert(t_existsf("%s/out/letters/A.md", dir));
    ck_assert(!t_existsf("%s/out/letters/A.pdf", dir));
    free(err);
    /* a logo that is not there: named, relative to the style file */
    free(t_write(dir, "logo-style.ini", "[sender]\nline1 = X\nlogo = missing.png\n"));
    err = NULL;
    rc = run_tender(dir, "out3", "house_style=logo-style.ini", &err);
    ck_assert_int_ne(rc, 0);
    T_CONTAINS(err, "logo-style.ini:3: [sender] logo: cannot read");
    T_CONTAINS(err, "missing.png");
    free(err);
    t_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(optional_plugin_not_installed)
{
    char *dir = t_tmpdir();
    free(t_write(dir, "wf.ini",
                 "[workflow]\nname = opt\n[input.x]\ntype = text\ndefault = a\n"
                 "[step.fancy]\nplugin = no-such-plugin\noptional = yes\nreads = x\nwhatever = 1\n"));
    const char *argv[] = { "run", "wf.ini", "--out", "out", "--no-store", NULL };
    char *out = NULL, *err = NULL;
    int rc = t_regie(dir, &out, &err, argv);
    ck_assert_msg(rc == 0, "exit %d: %s%s", rc, out, err);
    char *all = t_asprintf("%s%s", out, err);
    T_CONTAINS(all, "skipped: plugin \"no-such-plugin\" is not installed (optional = yes)");
    free(all);
    free(out);
    free(err);
    /* without optional = yes: refused, as before */
    free(t_write(dir, "wf2.ini",
                 "[workflow]\nname = opt\n[step.fancy]\nplugin = no-such-plugin\n"));
    const char *argv2[] = { "run", "wf2.ini", "--out", "out", "--no-store", NULL };
    out = err = NULL;
    ck_assert_int_ne(t_regie(dir, &out, &err, argv2), 0);
    T_CONTAINS(err, "wf2.ini:4: step fancy: unknown plugin \"no-such-plugin\"");
    free(out);
    free(err);
    /* only for plugin steps, yes or no */
    free(t_write(dir, "wf3.ini", "[workflow]\nname = opt\n[step.s]\nscript = s.lua\noptional = yes\n"
                                 "[step.p]\nplugin = csv-write\noptional = maybe\n"));
    const char *argv3[] = { "check", "wf3.ini", NULL };
    out = err = NULL;
    ck_assert_int_ne(t_regie(dir, &out, &err, argv3), 0);
    T_CONTAINS(err, "wf3.ini:5: step s: optional applies to plugin steps only");
    T_CONTAINS(err, "wf3.ini:8: step p: optional: found \"maybe\", expected yes or no");
    free(out);
    free(err);
    t_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(plugins_pdf_documents_its_parameters)
{
    char *so = t_build("plugins/.libs/pdf.so");
    int built = access(so, R_OK) == 0;
    free(so);
    if (!built) {
        t_tool_missing("plugins_pdf_documents_its_parameters", "the pdf plugin",
                       "apt-get install libcairo2-dev libpango1.0-dev, then configure again");
        return;
    }
    const char *argv[] = { "plugins", "pdf", NULL };
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(t_regie(NULL, &out, &err, argv), 0);
    char *all = t_asprintf("%s%s", out, err);
    static const char *const keys[] = { "letters", "style", "threads", "pages", "addressee",
                                        "place_date", "reference", "SOURCE_DATE_EPOCH" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        T_CONTAINS(all, keys[i]);
    }
    free(all);
    free(out);
    free(err);
}
END_TEST

/* The plugin alone, on regie's mock host (doc/plugin-testing.md): a path
 * that is not a .pdf is refused naming the row; text that is not UTF-8
 * still makes a letter; the page count as data. */
START_TEST(plugin_on_the_mock_host)
{
    char *so = t_build("plugins/.libs/pdf.so");
    void *dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    free(so);
    if (!dl) {
        t_tool_missing("plugin_on_the_mock_host", "the pdf plugin",
                       "apt-get install libcairo2-dev libpango1.0-dev, then configure again");
        return;
    }
    const regie_plugin *pl = dlsym(dl, REGIE_PLUGIN_SYMBOL);
    ck_assert_ptr_nonnull(pl);
    char *dir = t_tmpdir();
    const regie_host *h = regie_mock_host();
    static const char *const cols[] = { "path", "body", "subject" };
    for (int bad = 1; bad >= 0; bad--) {
        const char *kv[] = { "letters", "letters", "pages", "pages", "threads", "2", NULL };
        regie_ctx *ctx = regie_mock_ctx_new(pl, "pdf", kv, dir);
        regie_table *t = h->table_new(ctx, 3, cols);
        const char *rows[][3] = { { "letters/x.pdf", "# Kop\n\nTekst met \xff een fout byte.",
                                    "Onderwerp \xc3" },
                                  { bad ? "letters/y.txt" : "letters/y.pdf", "Tweede", "" } };
        for (int r = 0; r < 2; r++) {
            regie_value row[3];
            for (int c = 0; c < 3; c++) {
                row[c].type = REGIE_STR;
                row[c].u.s.ptr = rows[r][c];
                row[c].u.s.len = strlen(rows[r][c]);
            }
            ck_assert_int_eq(h->table_append(t, row), 0);
        }
        ck_assert_int_eq(regie_mock_give_table(ctx, "letters", t), 0);
        int rc = regie_mock_run(pl, ctx);
        if (bad) {
            ck_assert_int_ne(rc, 0);
            const char *e = regie_mock_error(ctx);
            T_CONTAINS(e, "row 2: path \"letters/y.txt\": expected a relative path ending in .pdf");
        } else {
            ck_assert_msg(rc == 0, "%s", regie_mock_error(ctx));
            regie_value pages;
            ck_assert_int_eq(regie_mock_value(ctx, "pages", &pages), 0);
            ck_assert_int_eq(pages.type, REGIE_INT);
            ck_assert_int_eq(pages.u.i, 2);
            ck_assert(t_existsf("%s/letters/x.pdf", dir));
            if (have_tool("pdftotext")) {
                char *pdf = t_asprintf("%s/letters/x.pdf", dir);
                char *text = pdf_text(pdf);
                T_CONTAINS(text, "Tekst met \xef\xbf\xbd een fout byte.");
                free(text);
                free(pdf);
            }
        }
        regie_mock_ctx_free(ctx);
    }
    /* the plugin stays loaded (linked nodelete): glib's types cannot go */
    t_rmtree(dir);
    free(dir);
}
END_TEST

Suite *suite_pdf(void);
Suite *suite_pdf(void)
{
    Suite *s = suite_create("pdf");
    TCase *tc = tcase_create("letters");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, tender_letters_read_back);
    tcase_add_test(tc, event_letters_read_back);
    tcase_add_test(tc, stakeholder_plan_read_back);
    tcase_add_test(tc, long_letter_over_pages);
    tcase_add_test(tc, bad_style_names_file_and_line);
    tcase_add_test(tc, optional_plugin_not_installed);
    tcase_add_test(tc, plugins_pdf_documents_its_parameters);
    tcase_add_test(tc, plugin_on_the_mock_host);
    suite_add_tcase(s, tc);
    return s;
}
