/* Charts and reports as people see them: the stakeholder grid and the
 * event report rendered by a real browser (headless Chromium), besides
 * librsvg in the stakeholder suite. */
#define _GNU_SOURCE
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

START_TEST(grid_renders_in_a_browser)
{
    const char *chrome = browser();
    if (!chrome) {
        t_tool_missing("grid_renders_in_a_browser", "chromium", "apt-get install chromium");
        return;
    }
    char *tmp = t_tmpdir();
    char *wf = t_src("etc/workflows/stakeholder-analysis.ini");
    char *an = t_src("examples/stakeholders/analysis.ini");
    char *sh = t_src("examples/stakeholders/stakeholders.csv");
    char *a1 = NULL, *a2 = NULL;
    if (asprintf(&a1, "analysis=%s", an) < 0 || asprintf(&a2, "stakeholders=%s", sh) < 0) {
        ck_abort();
    }
    const char *argv[] = { "run", wf, "--set", a1, "--set", a2, "--out", "out", "--no-store", NULL };
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(t_regie(tmp, &out, &err, argv), 0);
    char *cmd = NULL;
    if (asprintf(&cmd,
                 "cd '%s' && timeout 60 '%s' --headless --no-sandbox --disable-gpu --disable-quic "
                 "--no-first-run --disable-background-networking --disable-component-update "
                 "--disable-sync --user-data-dir='%s/profile' --window-size=1000,800 "
                 "--screenshot='%s/grid.png' 'file://%s/out/grid.svg' >/dev/null 2>&1",
                 tmp, chrome, tmp, tmp, tmp) < 0) {
        ck_abort();
    }
    ck_assert_int_eq(system(cmd), 0);
    char *png = NULL;
    if (asprintf(&png, "%s/grid.png", tmp) < 0) {
        ck_abort();
    }
    struct stat sb;
    ck_assert_int_eq(stat(png, &sb), 0);
    /* a blank page compresses to a few kB; the chart with its colours, text
     * and lines is an order of magnitude more */
    ck_assert_msg(sb.st_size > 30000, "screenshot only %lld bytes: chart not drawn?",
                  (long long)sb.st_size);
    free(png);
    free(cmd);
    free(out);
    free(err);
    free(a1);
    free(a2);
    free(sh);
    free(an);
    free(wf);
    t_rmtree(tmp);
    free(tmp);
}
END_TEST

/* The event report of the Onderwijsdag (examples/event/onderwijsdag, E1,
 * E4, E5) as Chromium reads it: the DOM it builds holds the decision, the
 * waitlist, the figures and the meetings target, in Dutch. */
START_TEST(event_report_renders_in_a_browser)
{
    const char *chrome = browser();
    if (!chrome) {
        t_tool_missing("event_report_renders_in_a_browser", "chromium", "apt-get install chromium");
        return;
    }
    char *tmp = t_tmpdir();
    char *wf = t_src("etc/workflows/event-organisation.ini");
    const char *names[] = { "event=event.ini", "registrations=registrations.csv", "attendance=attendance.csv",
                            "evaluations=evaluations.csv", "meetings=meetings.csv" };
    char *sets[5];
    for (int i = 0; i < 5; i++) {
        const char *eq = strchr(names[i], '=');
        if (asprintf(&sets[i], "%.*s=%s/examples/event/onderwijsdag/%s", (int)(eq - names[i]), names[i],
                     TEST_SRCDIR, eq + 1) < 0) {
            ck_abort();
        }
    }
    const char *argv[] = { "run", wf, "--set", sets[0], "--set", sets[1], "--set", sets[2], "--set", sets[3],
                           "--set", sets[4], "--out", "out", "--no-store", NULL };
    char *out = NULL, *err = NULL;
    ck_assert_msg(t_regie(tmp, &out, &err, argv) == 0, "%s", err);
    char *cmd = NULL;
    if (asprintf(&cmd,
                 "cd '%s' && timeout 60 '%s' --headless --no-sandbox --disable-gpu --disable-quic "
                 "--no-first-run --disable-background-networking --disable-component-update "
                 "--disable-sync --user-data-dir='%s/profile' --dump-dom 'file://%s/out/report.html' "
                 ">'%s/dom.html' 2>/dev/null",
                 tmp, chrome, tmp, tmp, tmp) < 0) {
        ck_abort();
    }
    ck_assert_int_eq(system(cmd), 0);
    char *path = NULL;
    if (asprintf(&path, "%s/dom.html", tmp) < 0) {
        ck_abort();
    }
    char *dom = t_read(path);
    ck_assert_ptr_nonnull(dom);
    /* what the browser made of it, not only what the file says */
    T_CONTAINS(dom, "<h1>Evenementrapport: Onderwijsdag 2024</h1>");
    T_CONTAINS(dom, "het evenement gaat door (GO)");
    T_CONTAINS(dom, "<h3>Wachtlijst</h3>");
    T_CONTAINS(dom, "<td>R104</td>");
    T_CONTAINS(dom, "<th>Opkomst</th><td>88%</td>");
    T_CONTAINS(dom, "<th>Gemiddeld cijfer (1–10)</th><td>7,6</td>");
    T_CONTAINS(dom, "<td>2026</td><td class=\"n\">3</td><td class=\"n\">2</td><td class=\"n\">3</td><td class=\"flag\">nee</td>");
    free(dom);
    free(path);
    free(cmd);
    free(out);
    free(err);
    for (int i = 0; i < 5; i++) {
        free(sets[i]);
    }
    free(wf);
    t_rmtree(tmp);
    free(tmp);
}
END_TEST

Suite *suite_render(void);
Suite *suite_render(void)
{
    Suite *s = suite_create("render");
    TCase *tc = tcase_create("browser");
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, grid_renders_in_a_browser);
    tcase_add_test(tc, event_report_renders_in_a_browser);
    suite_add_tcase(s, tc);
    return s;
}
