/* End-to-end: the stakeholder-analysis workflow run by the real `regie`
 * binary on the worked examples S1-S3 (domain reference §2) and the data
 * under tests/e2e/stakeholders/. */
#define _GNU_SOURCE
#include "testutil.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The inputs are copied to tmp/in and the runs start there, so messages
 * name the files as given ("stakeholders.csv:9: ...") and nothing (such as
 * the test run store) is ever written into the source tree. */
static void setup(void) { t_dir_setup_copy("tests/e2e/stakeholders"); }

/* Run the workflow with cwd = a copy of tests/e2e/stakeholders[/<sub>],
 * output below tmp/<out>.  Extra arguments
 * (e.g. "--set", "previous=previous.csv") end in NULL. */
/* When set, run_sa runs this workflow file instead of the shipped one. */
static const char *wf_override;

static int run_sa(const char *sub, const char *analysis, const char *stakeholders, const char *out,
                  char **err, ...)
{
    char *wf = wf_override ? t_asprintf("%s", wf_override) : t_src("etc/workflows/stakeholder-analysis.ini");
    char *cwd = t_asprintf("%s/in%s%s", t_dir, sub ? "/" : "", sub ? sub : "");
    char *a = t_asprintf("analysis=%s", analysis);
    char *s = t_asprintf("stakeholders=%s", stakeholders);
    char *o = t_asprintf("%s/%s", t_dir, out);
    const char *sets[] = { a, s, NULL };
    va_list ap;
    va_start(ap, err);
    int rc = t_workflow(cwd, "run", wf, sets, ap, 0, o, err);
    va_end(ap);
    free(wf);
    free(cwd);
    free(a);
    free(s);
    free(o);
    return rc;
}

static char *out_file(const char *out, const char *name)
{
    return t_readf("%s/%s/%s", t_dir, out, name);
}

static int out_exists(const char *out, const char *name)
{
    return t_existsf("%s/%s/%s", t_dir, out, name);
}

/* ---- a small RFC 4180 reader for the outputs ---- */
typedef struct csvt {
    char ***rows; /* rows[r][c] */
    int *ncols;
    int nrows;
} csvt;

static void csv_parse(const char *text, csvt *t)
{
    memset(t, 0, sizeof *t);
    const char *p = text;
    while (*p) {
        char **row = NULL;
        int nc = 0;
        for (;;) {
            size_t cap = 64, len = 0;
            char *f = malloc(cap);
            if (*p == '"') {
                p++;
                for (;;) {
                    if (!*p) {
                        break;
                    }
                    if (*p == '"' && p[1] == '"') {
                        f[len++] = '"';
                        p += 2;
                    } else if (*p == '"') {
                        p++;
                        break;
                    } else {
                        f[len++] = *p++;
                    }
                    if (len + 2 >= cap) {
                        f = realloc(f, cap *= 2);
                    }
                }
            }
            while (*p && *p != ',' && *p != '\r' && *p != '\n') {
                f[len++] = *p++;
                if (len + 2 >= cap) {
                    f = realloc(f, cap *= 2);
                }
            }
            f[len] = 0;
            row = realloc(row, (size_t)(nc + 1) * sizeof *row);
            row[nc++] = f;
            if (*p == ',') {
                p++;
                continue;
            }
            break;
        }
        if (*p == '\r') {
            p++;
        }
        if (*p == '\n') {
            p++;
        }
        t->rows = realloc(t->rows, (size_t)(t->nrows + 1) * sizeof *t->rows);
        t->ncols = realloc(t->ncols, (size_t)(t->nrows + 1) * sizeof *t->ncols);
        t->rows[t->nrows] = row;
        t->ncols[t->nrows] = nc;
        t->nrows++;
    }
}

static void csv_free(csvt *t)
{
    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols[r]; c++) {
            free(t->rows[r][c]);
        }
        free(t->rows[r]);
    }
    free(t->rows);
    free(t->ncols);
}

static int csv_col(const csvt *t, const char *name)
{
    for (int c = 0; t->nrows > 0 && c < t->ncols[0]; c++) {
        if (strcmp(t->rows[0][c], name) == 0) {
            return c;
        }
    }
    ck_abort_msg("no column %s", name);
    return -1;
}

/* Cell of data row `row` (1 = first data row). */
static const char *cell(const csvt *t, int row, const char *col)
{
    int c = csv_col(t, col);
    ck_assert_msg(row < t->nrows, "no row %d", row);
    ck_assert_msg(c < t->ncols[row], "row %d is short", row);
    return t->rows[row][c];
}

/* Cell of the row whose `id` column is `id`. */
static const char *by_id(const csvt *t, const char *id, const char *col)
{
    int ic = csv_col(t, "id");
    for (int r = 1; r < t->nrows; r++) {
        if (ic < t->ncols[r] && strcmp(t->rows[r][ic], id) == 0) {
            return cell(t, r, col);
        }
    }
    ck_abort_msg("no row with id %s", id);
    return NULL;
}

static void load_csv(const char *out, const char *name, csvt *t)
{
    char *text = out_file(out, name);
    ck_assert_msg(text != NULL, "%s was not written", name);
    csv_parse(text, t);
    free(text);
}

#define HAS(hay, needle) ck_assert_msg(strstr((hay), (needle)) != NULL, "missing \"%s\" in:\n%s", \
                                       (needle), (hay))

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++) {
        n++;
    }
    return n;
}

/* in/<file>: n stakeholders "<prefix><i>" (i = 1..n), "Partij i", with the
 * power and interest that place(i, &power, &interest) gives. */
static void write_roster(const char *file, int n, const char *prefix,
                         void (*place)(int i, int *power, int *interest))
{
    char *dir = t_asprintf("%s/in", t_dir);
    char *text = t_asprintf("%s", "id,name,side,power,interest,legitimacy,urgency,attitude,current,desired,owner,concern\n");
    for (int i = 1; i <= n; i++) {
        int power, interest;
        place(i, &power, &interest);
        char *more = t_asprintf("%s%s%03d,Partij %d,partij,%d,%d,ja,nee,0,neutral,supportive,Eigenaar,\n", text,
                               prefix, i, i, power, interest);
        free(text);
        text = more;
    }
    free(t_write(dir, file, text));
    free(text);
    free(dir);
}

/* ---- S1: classification, priority, frequencies ---- */
/* A grid of more stakeholders than a chart can label: the ones with the
 * highest priority are drawn, the chart says how many more there are. */
static void spread_over_grid(int i, int *power, int *interest)
{
    *power = 1 + i % 5;
    *interest = 1 + (i / 5) % 5;
}

START_TEST(grid_of_many_draws_the_first)
{
    write_roster("many.csv", 160, "M", spread_over_grid);
    char *err = NULL;
    int rc = run_sa(NULL, "analysis.ini", "many.csv", "many", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    free(err);
    char *svg = out_file("many", "grid.svg");
    ck_assert_ptr_nonnull(svg);
    HAS(svg, "160 stakeholders naar belang");
    HAS(svg, "De 150 met de hoogste prioriteit getekend; de andere 10 staan in classification.csv.");
    ck_assert_int_eq(count(svg, "<g class=\"point\""), 150);
    free(svg);
    char *csv = out_file("many", "classification.csv");
    HAS(csv, "M160");
    free(csv);
}
END_TEST

/* The steps after prioritise read ranked in priority order as it comes
 * (lib.each_ranked); handed ranked in another order, they sort it first
 * and write the very same files.  Here prioritise hands it on backwards. */
START_TEST(ranked_in_any_order)
{
    write_roster("many.csv", 160, "M", spread_over_grid);
    char *err = NULL;
    int rc = run_sa(NULL, "analysis.ini", "many.csv", "forwards", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    free(err);
    /* a prioritise.lua that hands ranked on in reverse, first on the
     * script path */
    char *src = t_src("scripts/stakeholders/prioritise.lua");
    char *text = t_read(src);
    ck_assert_ptr_nonnull(text);
    const char *line = "local ranked = regie.output_writer(\"ranked\", RANKED_COLUMNS)";
    char *at = strstr(text, line);
    ck_assert_msg(at != NULL, "%s: not in %s", line, src);
    *at = 0;
    char *changed = t_asprintf(
        "%slocal ranked = (function()\n"
        "      local real, kept = regie.output_writer(\"ranked\", RANKED_COLUMNS), {}\n"
        "      return { add = function(_, ...) kept[#kept + 1] = table.pack(...) end,\n"
        "               close = function()\n"
        "                 for i = #kept, 1, -1 do real:add(table.unpack(kept[i], 1, kept[i].n)) end\n"
        "                 return real:close()\n"
        "               end }\n"
        "    end)()%s",
        text, at + strlen(line));
    char *dir = t_asprintf("%s/reversed/stakeholders", t_dir);
    free(t_write(dir, "prioritise.lua", changed));
    char *scripts = t_src("scripts");
    char *path = t_asprintf("script_path=%s/reversed:%s", t_dir, scripts);
    rc = run_sa(NULL, "analysis.ini", "many.csv", "backwards", &err, "--engine", path, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    free(err);
    const char *files[] = { "classification.csv", "salience.csv", "engagement.md", "grid.svg",
                            "contacts.csv", "commplan.csv", "commplan.md", "contacts.ics",
                            "report.html" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *a = out_file("forwards", files[i]);
        char *b = out_file("backwards", files[i]);
        ck_assert_msg(a && b && strcmp(a, b) == 0, "%s differs with ranked backwards", files[i]);
        free(a);
        free(b);
    }
    free(path);
    free(scripts);
    free(dir);
    free(changed);
    free(text);
    free(src);
}
END_TEST

/* The shipped workflow with "calendar_max = 1000" set to `value`, written
 * to tmp/in/sa.ini; run_sa runs it until wf_override is cleared. */
static char *with_calendar_max(const char *value)
{
    char *src = t_src("etc/workflows/stakeholder-analysis.ini");
    char *text = t_read(src);
    ck_assert_ptr_nonnull(text);
    char *at = strstr(text, "calendar_max = 1000\n");
    ck_assert_msg(at != NULL, "calendar_max = 1000 not in %s", src);
    *at = 0;
    char *changed = t_asprintf("%scalendar_max = %s\n%s", text, value, at + strlen("calendar_max = 1000\n"));
    char *dir = t_asprintf("%s/in", t_dir);
    char *path = t_write(dir, "sa.ini", changed);
    free(dir);
    free(changed);
    free(text);
    free(src);
    /* the house style the workflow names beside its folder (../house-style.ini) */
    char *hs_src = t_src("etc/house-style.ini");
    char *hs = t_read(hs_src);
    ck_assert_ptr_nonnull(hs);
    free(t_write(t_dir, "house-style.ini", hs));
    free(hs);
    free(hs_src);
    return path;
}

/* contacts.ics holds the contact moments of the calendar_max stakeholders
 * with the highest priority, contacts.csv all of them. */
START_TEST(calendar_holds_the_first_by_priority)
{
    char *wf = with_calendar_max("3");
    wf_override = wf;
    char *err = NULL;
    int rc = run_sa(NULL, "analysis.ini", "stakeholders.csv", "cal", &err, NULL);
    wf_override = NULL;
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    csvt k;
    load_csv("cal", "contacts.csv", &k);
    int all = k.nrows - 1, top = 0;
    for (int r = 1; r < k.nrows; r++) {
        if (atoi(cell(&k, r, "priority")) <= 3) {
            top++;
        }
    }
    ck_assert_int_eq(all, 93);
    ck_assert_int_gt(top, 0);
    ck_assert_int_lt(top, all);
    char *ics = out_file("cal", "contacts.ics");
    ck_assert_ptr_nonnull(ics);
    ck_assert_int_eq(count(ics, "BEGIN:VEVENT"), top);
    free(ics);
    char *msg = t_asprintf("contacts.ics: the contact moments of the 3 stakeholders with the highest priority (%d of %d); all are in contacts.csv", top, all);
    HAS(err, msg);
    free(msg);
    free(err);
    csv_free(&k);

    /* the shipped value holds every contact of a small roster */
    rc = run_sa(NULL, "analysis.ini", "stakeholders.csv", "all", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    ck_assert_msg(strstr(err, "the contact moments of the") == NULL, "%s", err);
    ics = out_file("all", "contacts.ics");
    ck_assert_int_eq(count(ics, "BEGIN:VEVENT"), all);
    free(ics);
    free(err);
    free(wf);

    /* a calendar of no one is an error, named */
    wf = with_calendar_max("0");
    wf_override = wf;
    rc = run_sa(NULL, "analysis.ini", "stakeholders.csv", "none", &err, NULL);
    wf_override = NULL;
    ck_assert_int_eq(rc, 1);
    HAS(err, "parameter calendar_max = 0: expected a whole number of at least 1");
    free(err);
    free(wf);
}
END_TEST

/* More than 12 stakeholders at one place are one grey marker with their
 * number, not a circle running off the chart; fewer are spread around it. */
/* 20 at (5, 5), 10 at (1, 1) */
static void crowd_at_two_spots(int i, int *power, int *interest)
{
    *power = *interest = i <= 20 ? 5 : 1;
}

START_TEST(grid_crowd_is_one_marker)
{
    write_roster("crowd.csv", 30, "C", crowd_at_two_spots);
    char *err = NULL;
    int rc = run_sa(NULL, "analysis.ini", "crowd.csv", "crowd", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    free(err);
    char *svg = out_file("crowd", "grid.svg");
    ck_assert_ptr_nonnull(svg);
    HAS(svg, "<g class=\"stack\" data-count=\"20\">");
    HAS(svg, "20 stakeholders op deze plek");
    HAS(svg, "Een grijze bol met een getal");
    ck_assert_int_eq(count(svg, "<g class=\"stack\""), 1);
    ck_assert_int_eq(count(svg, "<g class=\"point\""), 10);
    free(svg);
}
END_TEST

START_TEST(s1_classification_exact)
{
    char *err = NULL;
    int rc = run_sa(NULL, "analysis.ini", "stakeholders.csv", "o", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *got = out_file("o", "classification.csv");
    ck_assert_ptr_nonnull(got);
    char *exp_path = t_src("tests/e2e/stakeholders/expected-classification.csv");
    char *want = t_read(exp_path);
    ck_assert_ptr_nonnull(want);
    t_strip_cr(got);
    t_strip_cr(want);
    ck_assert_str_eq(got, want);
    const char *files[] = { "salience.csv", "engagement.md", "commplan.csv", "commplan.md",
                            "contacts.csv", "contacts.ics", "grid.svg", "report.html", NULL };
    for (int i = 0; files[i]; i++) {
        ck_assert_msg(out_exists("o", files[i]), "%s missing", files[i]);
    }
    ck_assert(!out_exists("o", "comparison.csv"));
    free(exp_path);
    free(want);
    free(got);
    free(err);
}
END_TEST

START_TEST(s1_frequencies_and_ties)
{
    char *err = NULL;
    int rc = run_sa(NULL, "analysis.ini", "stakeholders.csv", "o", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    csvt c, p;
    load_csv("o", "classification.csv", &c);
    load_csv("o", "commplan.csv", &p);
    ck_assert_int_eq(c.nrows, 9);
    ck_assert_int_eq(p.nrows, 9);
    /* ties: 2 and 3 both score 12 with two attributes; gap 1 beats gap 0 */
    ck_assert_str_eq(cell(&c, 2, "id"), "S02");
    ck_assert_str_eq(cell(&c, 3, "id"), "S03");
    /* 4 and 5 both score 10 with two attributes; gap 3 beats gap 1 */
    ck_assert_str_eq(cell(&c, 4, "id"), "S04");
    ck_assert_str_eq(cell(&c, 5, "id"), "S05");
    ck_assert_str_eq(cell(&c, 4, "priority"), "4");
    /* frequencies: base 12/12/12, keep informed 12 -> 26 (gap 3), keep
     * satisfied 4, 12, keep satisfied 4 -> 12 (gap 2), monitor 2 */
    const char *want[][2] = { { "S01", "12" }, { "S02", "12" }, { "S03", "12" }, { "S04", "26" },
                              { "S05", "4" },  { "S06", "12" }, { "S07", "12" }, { "S08", "2" } };
    for (int i = 0; i < 8; i++) {
        ck_assert_msg(strcmp(by_id(&p, want[i][0], "frequency"), want[i][1]) == 0,
                      "%s: frequency %s, expected %s", want[i][0], by_id(&p, want[i][0], "frequency"),
                      want[i][1]);
    }
    ck_assert_str_eq(cell(&p, 4, "frequency"), "26");
    ck_assert_str_eq(cell(&p, 7, "frequency"), "12");
    /* plan fields */
    ck_assert_str_eq(by_id(&p, "S01", "goal"), "coproduceren / meebeslissen");
    ck_assert_str_eq(by_id(&p, "S05", "goal"), "raadplegen / adviseren");
    ck_assert_str_eq(by_id(&p, "S06", "goal"), "informeren / raadplegen");
    ck_assert_str_eq(by_id(&p, "S08", "goal"), "informeren");
    ck_assert_str_eq(by_id(&p, "S01", "channels"), "een-op-eengesprek;ledenbrief");
    ck_assert_str_eq(by_id(&p, "S05", "channels"), "bestuurlijke brief;kwartaalrapportage");
    ck_assert_str_eq(by_id(&p, "S08", "channels"), "website;nieuwsbrief");
    ck_assert_str_eq(by_id(&p, "S03", "message"),
                     "Aansluiting bij praktijk, kennis en netwerk van sociale diensten");
    ck_assert_str_eq(by_id(&p, "S04", "owner"), "Communicatieadviseur");
    ck_assert_str_eq(by_id(&p, "S01", "first_contact"), "2026-02-02");
    csv_free(&c);
    csv_free(&p);
    /* contact dates on holidays move to the next working day */
    csvt k;
    load_csv("o", "contacts.csv", &k);
    int koningsdag = 0, whit = 0, moved_k = 0, moved_w = 0, n = 0;
    for (int r = 1; r < k.nrows; r++) {
        const char *date = cell(&k, r, "date");
        n++;
        koningsdag += strcmp(date, "2026-04-27") == 0;
        whit += strcmp(date, "2026-05-25") == 0;
        if (strcmp(cell(&k, r, "id"), "S04") == 0) {
            moved_k += strcmp(date, "2026-04-28") == 0;
            moved_w += strcmp(date, "2026-05-26") == 0;
        }
    }
    ck_assert_int_eq(n, 12 * 5 + 26 + 4 + 2 + 1);
    ck_assert_int_eq(koningsdag, 0);
    ck_assert_int_eq(whit, 0);
    ck_assert_int_eq(moved_k, 1);
    ck_assert_int_eq(moved_w, 1);
    csv_free(&k);
    free(err);
}
END_TEST

/* Equal on score, attributes and gap: the name decides, ignoring case
 * ("alice" < "Anna" < "bob", though "A" < "a" < "b" byte by byte), and
 * when the names differ only in case the id decides ("Alpha" T3 and
 * "alpha" T2: T2 first; "Zed" T5 and "Zed" T4: T4 first); never the order
 * of the file.  Hand-worked: every row scores 3 x 3 = 9 with one attribute
 * (legitimacy) and gap 1, so the list is by folded name, then id:
 *   alice (T7), alpha (T2), Alpha (T3), Anna (T6), bob (T8), bravo (T1),
 *   Zed (T4), Zed (T5). */
/* rules.lua with `extra` appended (before its `return R`), on the script
 * path ahead of the shipped scripts: returns the --engine argument. */
static char *rules_with(const char *extra)
{
    char *src = t_src("scripts/stakeholders/rules.lua");
    char *rules = t_read(src);
    ck_assert_ptr_nonnull(rules);
    char *end = strstr(rules, "\nreturn R\n");
    ck_assert_ptr_nonnull(end);
    char *edited = t_asprintf("%.*s\n%s%s", (int)(end - rules), rules, extra, end);
    char *dir = t_asprintf("%s/scripts/stakeholders", t_dir);
    char *cmd = t_asprintf("mkdir -p '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    free(t_write(dir, "rules.lua", edited));
    char *shipped = t_src("scripts");
    char *path = t_asprintf("script_path=%s/scripts:%s", t_dir, shipped);
    free(shipped);
    free(cmd);
    free(dir);
    free(edited);
    free(rules);
    free(src);
    return path;
}

/* The score is data of rules.lua (R.score, R.score_decimals): power alone
 * orders the stakeholders and is their score; a column it cannot multiply
 * stops the run naming rules.lua. */
START_TEST(score_in_rules)
{
    char *dir = t_asprintf("%s/in", t_dir);
    free(t_write(dir, "score.csv",
                 "id,name,side,power,interest,legitimacy,urgency,attitude,current,desired,owner,concern\n"
                 "A1,een,partij,2,5,nee,nee,0,neutral,neutral,Eigenaar,\n"
                 "A2,twee,partij,3,1,nee,nee,0,neutral,neutral,Eigenaar,\n"
                 "A3,drie,partij,1,5,nee,nee,0,neutral,neutral,Eigenaar,\n"));
    free(dir);
    char *path = rules_with("R.score = { \"power\" }\n");
    char *err = NULL;
    int rc = run_sa(NULL, "analysis.ini", "score.csv", "o", &err, "--engine", path, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    free(err);
    free(path);
    csvt c;
    load_csv("o", "classification.csv", &c);
    const char *want[][2] = { { "A2", "3" }, { "A1", "2" }, { "A3", "1" } };
    for (int i = 0; i < 3; i++) {
        ck_assert_str_eq(cell(&c, i + 1, "id"), want[i][0]);
        ck_assert_str_eq(cell(&c, i + 1, "score"), want[i][1]);
    }
    csv_free(&c);
    /* the shipped rules: power x interest (A1 10, A3 5, A2 3) */
    rc = run_sa(NULL, "analysis.ini", "score.csv", "o2", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    free(err);
    load_csv("o2", "classification.csv", &c);
    ck_assert_str_eq(cell(&c, 1, "id"), "A1");
    ck_assert_str_eq(cell(&c, 1, "score"), "10");
    ck_assert_str_eq(cell(&c, 3, "id"), "A2");
    csv_free(&c);
    path = rules_with("R.score = { \"power\", \"macht\" }\n");
    rc = run_sa(NULL, "analysis.ini", "score.csv", "o3", &err, "--engine", path, NULL);
    ck_assert_msg(rc != 0, "exit 0: %s", err);
    HAS(err, "scripts/stakeholders/rules.lua: score[2]: column \"macht\", expected one of power, "
             "interest, attitude, gap");
    ck_assert(!out_exists("o3", "classification.csv"));
    free(err);
    free(path);
}
END_TEST

START_TEST(ties_by_name_then_id)
{
    char *dir = t_asprintf("%s/in", t_dir);
    free(t_write(dir, "ties.csv",
                 "id,name,side,power,interest,legitimacy,urgency,attitude,current,desired,owner,concern\n"
                 "T1,bravo,partij,3,3,ja,nee,0,neutral,supportive,Eigenaar,\n"
                 "T3,Alpha,partij,3,3,ja,nee,0,neutral,supportive,Eigenaar,\n"
                 "T2,alpha,partij,3,3,ja,nee,0,neutral,supportive,Eigenaar,\n"
                 "T8,bob,partij,3,3,ja,nee,0,neutral,supportive,Eigenaar,\n"
                 "T6,Anna,partij,3,3,ja,nee,0,neutral,supportive,Eigenaar,\n"
                 "T7,alice,partij,3,3,ja,nee,0,neutral,supportive,Eigenaar,\n"
                 "T5,Zed,partij,3,3,ja,nee,0,neutral,supportive,Eigenaar,\n"
                 "T4,Zed,partij,3,3,ja,nee,0,neutral,supportive,Eigenaar,\n"));
    free(dir);
    char *err = NULL;
    int rc = run_sa(NULL, "analysis.ini", "ties.csv", "ties", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    free(err);
    csvt c;
    load_csv("ties", "classification.csv", &c);
    ck_assert_int_eq(c.nrows, 9); /* the header and 8 stakeholders */
    const char *want[] = { "T7", "T2", "T3", "T6", "T8", "T1", "T4", "T5" };
    for (int i = 0; i < 8; i++) {
        ck_assert_str_eq(cell(&c, i + 1, "id"), want[i]);
        char prio[4];
        snprintf(prio, sizeof prio, "%d", i + 1);
        ck_assert_str_eq(cell(&c, i + 1, "priority"), prio);
    }
    csv_free(&c);
}
END_TEST

/* Latin-1 capitals fold too: "Émile" and "émile" compare equal and the id
 * decides (T2 before T3); both come after "Frits", as é (C3 A9) comes
 * after every ASCII letter byte by byte.  Hand-worked order: eva (T4),
 * Frits (T1), émile (T2), Émile (T3). */
START_TEST(ties_by_name_fold_latin1)
{
    char *dir = t_asprintf("%s/in", t_dir);
    free(t_write(dir, "ties.csv",
                 "id,name,side,power,interest,legitimacy,urgency,attitude,current,desired,owner,concern\n"
                 "T3,\xc3\x89mile,partij,3,3,ja,nee,0,neutral,supportive,Eigenaar,\n"
                 "T1,Frits,partij,3,3,ja,nee,0,neutral,supportive,Eigenaar,\n"
                 "T2,\xc3\xa9mile,partij,3,3,ja,nee,0,neutral,supportive,Eigenaar,\n"
                 "T4,eva,partij,3,3,ja,nee,0,neutral,supportive,Eigenaar,\n"));
    free(dir);
    char *err = NULL;
    int rc = run_sa(NULL, "analysis.ini", "ties.csv", "ties", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    free(err);
    csvt c;
    load_csv("ties", "classification.csv", &c);
    const char *want[] = { "T4", "T1", "T2", "T3" };
    for (int i = 0; i < 4; i++) {
        ck_assert_str_eq(cell(&c, i + 1, "id"), want[i]);
    }
    csv_free(&c);
}
END_TEST

/* An empty concern or owner stays empty in every CSV output; the reports
 * and the calendar show "(niet ingevuld)" (rules.lua R.placeholder). */
START_TEST(empty_concern_and_owner)
{
    char *dir = t_asprintf("%s/in", t_dir);
    free(t_write(dir, "empty-fields.csv",
                 "id,name,side,power,interest,legitimacy,urgency,attitude,current,desired,owner,concern\n"
                 "E1,Zonder alles,partij,4,4,ja,nee,1,neutral,supportive,,\n"
                 "E2,Met alles,partij,2,2,ja,nee,1,neutral,supportive,Adviseur,Zorg over tempo\n"));
    free(dir);
    char *err = NULL;
    int rc = run_sa(NULL, "analysis.ini", "empty-fields.csv", "o", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    free(err);
    csvt p, k;
    load_csv("o", "commplan.csv", &p);
    ck_assert_str_eq(by_id(&p, "E1", "message"), "");
    ck_assert_str_eq(by_id(&p, "E1", "owner"), "");
    ck_assert_str_eq(by_id(&p, "E2", "message"), "Zorg over tempo");
    ck_assert_str_eq(by_id(&p, "E2", "owner"), "Adviseur");
    csv_free(&p);
    load_csv("o", "contacts.csv", &k);
    /* E1: manage closely, 12 contacts a year; every line has the empty fields */
    int e1 = 0;
    for (int r = 1; r < k.nrows; r++) {
        if (strcmp(cell(&k, r, "id"), "E1") == 0) {
            e1++;
            ck_assert_str_eq(cell(&k, r, "owner"), "");
            ck_assert_str_eq(cell(&k, r, "message"), "");
        }
    }
    ck_assert_int_eq(e1, 12);
    csv_free(&k);
    char *csv = out_file("o", "classification.csv");
    ck_assert_ptr_null(strstr(csv, "niet ingevuld"));
    free(csv);
    char *md = out_file("o", "commplan.md");
    HAS(md, "| 1 | Zonder alles | Nauw betrekken | coproduceren / meebeslissen | (niet ingevuld) | "
            "een-op-eengesprek, ledenbrief | 12 | (niet ingevuld) |");
    free(md);
    char *html = out_file("o", "report.html");
    ck_assert_int_eq(count(html, "(niet ingevuld)"), 2);
    free(html);
    char *ics = out_file("o", "contacts.ics");
    HAS(ics, "niet ingevuld");
    free(ics);
}
END_TEST

/* A text with a tab at either end is quoted in every CSV file, as one
 * with a space: a reader that trims a field not quoted (a column marked
 * ~, other programs) keeps it.  The concern column is plain text and keeps
 * the spaces and tabs at its ends, quoted or not; the name and owner
 * columns are marked ~ in the shipped workflow and lose them. */
START_TEST(tabs_at_the_ends_are_quoted)
{
    char *dir = t_asprintf("%s/in", t_dir);
    free(t_write(dir, "tabs.csv",
                 "id,name,side,power,interest,legitimacy,urgency,attitude,current,desired,owner,concern\n"
                 "T1,\"Tab\t\",partij,4,4,ja,nee,0,neutral,supportive,\"\tTeam\",\"\tzorg \"\n"
                 "T2, Spatie ,partij,3,3,ja,nee,0, neutral ,supportive, Team , zorg\t\n"));
    free(dir);
    char *err = NULL;
    int rc = run_sa(NULL, "analysis.ini", "tabs.csv", "tabs", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    free(err);
    char *contacts = out_file("tabs", "contacts.csv");
    ck_assert_ptr_nonnull(contacts);
    ck_assert_msg(strstr(contacts, ",Tab,") && strstr(contacts, ",Team,") &&
                      strstr(contacts, ",\"\tzorg \"\r\n") && strstr(contacts, ",Spatie,") &&
                      strstr(contacts, ",\" zorg\t\"\r\n"),
                  "%s", contacts);
    char *classes = out_file("tabs", "classification.csv");
    ck_assert_ptr_nonnull(strstr(classes, ",Tab,"));
    ck_assert_ptr_nonnull(strstr(classes, ",Spatie,"));
    free(contacts);
    free(classes);
}
END_TEST

/* ---- S2: the 3-D types ---- */
START_TEST(s2_types)
{
    char *err = NULL;
    int rc = run_sa(NULL, "analysis.ini", "stakeholders.csv", "o", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    csvt c, p;
    load_csv("o", "classification.csv", &c);
    load_csv("o", "commplan.csv", &p);
    ck_assert_str_eq(by_id(&c, "S01", "type"), "saviour");
    ck_assert_str_eq(by_id(&c, "S07", "type"), "time_bomb");
    ck_assert_str_eq(by_id(&c, "S08", "type"), "undetermined");
    ck_assert_str_eq(by_id(&c, "S05", "type"), "sleeping_giant");
    ck_assert_str_eq(by_id(&c, "S04", "type"), "irritant");
    ck_assert_str_eq(by_id(&c, "S06", "type"), "friend");
    /* time bomb: a one-to-one meeting is added and the goal is to address concerns */
    ck_assert_str_eq(by_id(&p, "S07", "extra_meeting"), "yes");
    ck_assert_str_eq(by_id(&p, "S07", "goal_code"), "address_concerns");
    ck_assert_str_eq(by_id(&p, "S07", "goal"), "zorgen wegnemen");
    ck_assert_str_eq(by_id(&p, "S07", "channels"),
                     "een-op-eengesprek;bestuurlijke brief;kwartaalrapportage");
    ck_assert_str_eq(by_id(&p, "S07", "contacts"), "13");
    ck_assert_str_eq(by_id(&p, "S01", "extra_meeting"), "no");
    ck_assert_str_eq(by_id(&p, "S04", "extra_meeting"), "no"); /* negative, but low power */
    csv_free(&c);
    csv_free(&p);
    char *html = out_file("o", "report.html");
    ck_assert_ptr_nonnull(html);
    HAS(html, "zoek uit hoe deze stakeholder erin staat");
    HAS(html, "tijdbom");
    HAS(html, "<html lang=\"nl\">");
    HAS(html, "A&amp;O fonds Gemeenten");
    HAS(html, "<svg xmlns=\"http://www.w3.org/2000/svg\"");
    HAS(html, "2 februari 2026");
    HAS(html, "&quot;gemeenten kunnen het niet aan&quot;");
    ck_assert_ptr_null(strstr(html, "A&O"));
    free(html);
    free(err);
}
END_TEST

/* ---- S3: boundaries and the negative gap ---- */
START_TEST(s3_boundaries_and_negative_gap)
{
    char *err = NULL;
    int rc = run_sa(NULL, "analysis.ini", "boundaries.csv", "o", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    csvt c, p;
    load_csv("o", "classification.csv", &c);
    load_csv("o", "commplan.csv", &p);
    /* 3.00 counts as high, 2.99 as low */
    ck_assert_str_eq(by_id(&c, "B1", "quadrant"), "manage_closely");
    ck_assert_str_eq(by_id(&c, "B1", "salience"), "dormant");
    ck_assert_str_eq(by_id(&c, "B2", "quadrant"), "keep_informed");
    ck_assert_str_eq(by_id(&c, "B2", "salience"), "non_stakeholder");
    ck_assert_str_eq(by_id(&c, "B2", "attributes"), "0");
    ck_assert_str_eq(by_id(&c, "B2", "power"), "2.99");
    /* supportive -> neutral: gap -1 and a warning naming file and line */
    ck_assert_str_eq(by_id(&c, "B3", "gap"), "-1");
    HAS(err, "boundaries.csv:4: Terugval (B3): desired level neutral is below current level "
             "supportive (gap -1)");
    /* negative attitude with high power inside manage closely: saboteur */
    ck_assert_str_eq(by_id(&c, "B4", "type"), "saboteur");
    ck_assert_str_eq(by_id(&p, "B4", "goal_code"), "address_concerns");
    ck_assert_str_eq(by_id(&p, "B4", "extra_meeting"), "yes");
    ck_assert_str_eq(by_id(&p, "B4", "owner"), ""); /* not filled in: stays empty */
    csv_free(&c);
    csv_free(&p);
    char *md = out_file("o", "engagement.md");
    HAS(md, "Let op: bij Terugval");
    free(md);
    free(err);
}
END_TEST

START_TEST(s3_power_6_exit_2_exact_message)
{
    char *err = NULL;
    int rc = run_sa("power6", "../analysis.ini", "stakeholders.csv", "o", &err, NULL);
    ck_assert_msg(rc == 2, "exit %d, expected 2: %s", rc, err);
    HAS(err, "stakeholders.csv:9: column power: found \"6\", expected a value in 1..5\n");
    /* only that row is wrong */
    ck_assert_ptr_null(strstr(err, "stakeholders.csv:8:"));
    ck_assert(!out_exists("o", "classification.csv"));
    ck_assert(!out_exists("o", "commplan.csv"));
    free(err);
}
END_TEST

START_TEST(all_data_errors_of_a_file_together)
{
    char *err = NULL;
    int rc = run_sa(NULL, "analysis.ini", "many-errors.csv", "o", &err, NULL);
    ck_assert_msg(rc == 2, "exit %d, expected 2: %s", rc, err);
    HAS(err, "many-errors.csv:2: column power: found \"6\", expected a value in 1..5");
    HAS(err, "many-errors.csv:4: column interest: found \"0\", expected a value in 1..5");
    HAS(err, "many-errors.csv:5: column current: found \"enthousiast\", expected one of unaware, "
             "resistant, neutral, supportive, leading");
    HAS(err, "many-errors.csv:6: column attitude: found \"-3\", expected a value in -2..2");
    HAS(err, "many-errors.csv:6: column desired: found \"superfan\", expected one of");
    ck_assert_ptr_null(strstr(err, "many-errors.csv:3:"));
    ck_assert(!out_exists("o", "classification.csv"));
    free(err);

    /* type errors are found by the engine from the typed columns, also all together */
    rc = run_sa(NULL, "analysis.ini", "type-errors.csv", "o2", &err, NULL);
    ck_assert_msg(rc == 2, "exit %d, expected 2: %s", rc, err);
    HAS(err, "type-errors.csv:2: column power: found \"hoog\"");
    HAS(err, "type-errors.csv:4: column legitimacy: found \"misschien\"");
    HAS(err, "type-errors.csv:5:");
    ck_assert(!out_exists("o2", "classification.csv"));
    free(err);
}
END_TEST

START_TEST(no_stakeholders_and_bad_threshold)
{
    char *err = NULL;
    int rc = run_sa(NULL, "analysis.ini", "empty.csv", "o", &err, NULL);
    ck_assert_msg(rc == 2, "exit %d, expected 2: %s", rc, err);
    HAS(err, "empty.csv:1: no stakeholders");
    free(err);

    /* an unknown key is an error too, not a default used in silence; the
     * workflow's keys.SECTION declaration finds it when the file is read,
     * so the rules of validate.lua do not see the file */
    rc = run_sa(NULL, "bad-threshold.ini", "stakeholders.csv", "o2", &err, NULL);
    ck_assert_msg(rc == 2, "exit %d, expected 2: %s", rc, err);
    HAS(err, "bad-threshold.ini:12: unknown key \"colour\" in [plan], expected one of start, "
             "months, owner");
    ck_assert(!out_exists("o2", "classification.csv"));
    free(err);
    /* without it, the threshold outside min..max (validate.lua) */
    char *dir = t_asprintf("%s/in", t_dir);
    char *path = t_asprintf("%s/bad-threshold.ini", dir);
    char *ini = t_read(path);
    ck_assert_ptr_nonnull(ini);
    char *colour = strstr(ini, "colour = blauw");
    ck_assert_ptr_nonnull(colour);
    *colour = 0;
    free(t_write(dir, "bad-threshold2.ini", ini));
    rc = run_sa(NULL, "bad-threshold2.ini", "stakeholders.csv", "o3", &err, NULL);
    ck_assert_msg(rc == 2, "exit %d, expected 2: %s", rc, err);
    HAS(err, "bad-threshold2.ini:7: [scale] threshold: found \"6\", expected a value in 1..5 "
             "(min..max)");
    ck_assert(!out_exists("o3", "classification.csv"));
    free(err);
    free(ini);
    free(path);
    free(dir);
}
END_TEST

/* A date the calendar does not know (year 0) is an input error of
 * analysis.ini, where a step once stopped on it with a script error. */
START_TEST(date_of_year_0_is_an_input_error)
{
    char *src = t_asprintf("%s/in/analysis.ini", t_dir);
    char *text = t_read(src);
    ck_assert_ptr_nonnull(text);
    char *at = strstr(text, "start = 2026-02-02");
    ck_assert_ptr_nonnull(at);
    memcpy(at + 8, "0000", 4);
    char *in = t_asprintf("%s/in", t_dir);
    free(t_write(in, "year0.ini", text));
    char *err = NULL;
    int rc = run_sa(NULL, "year0.ini", "stakeholders.csv", "o", &err, NULL);
    ck_assert_msg(rc == 2, "exit %d, expected 2: %s", rc, err);
    HAS(err, "year0.ini:17: column start: found \"0000-02-02\", expected a date YYYY-MM-DD");
    free(err);
    free(in);
    free(text);
    free(src);
}
END_TEST

/* `regie check` with the two required inputs plus extra arguments (NULL-ended). */
static int check_sa(const char *analysis, const char *stakeholders, char **err, ...)
{
    char *wf = t_src("etc/workflows/stakeholder-analysis.ini");
    char *cwd = t_asprintf("%s/in", t_dir);
    char *a = t_asprintf("analysis=%s", analysis);
    char *s = t_asprintf("stakeholders=%s", stakeholders);
    const char *sets[] = { a, s, NULL };
    va_list ap;
    va_start(ap, err);
    int rc = t_workflow(cwd, "check", wf, sets, ap, 0, NULL, err);
    va_end(ap);
    free(wf);
    free(cwd);
    free(a);
    free(s);
    return rc;
}

/* A wrong order of priority in rules.lua stops the run (and `regie check`)
 * at the validation step with a message naming rules.lua and the entry,
 * before anything is classified.  The rules are a copy of the shipped
 * ones, first on the script path, with the column of entry 4 misspelt. */
START_TEST(bad_priority_order_in_rules)
{
    char *src = t_src("scripts/stakeholders/rules.lua");
    char *rules = t_read(src);
    ck_assert_ptr_nonnull(rules);
    char *end = strstr(rules, "\nreturn R\n");
    ck_assert_ptr_nonnull(end);
    char *bad = t_asprintf("%.*s\nR.priority_order[4] = { \"naam\", \"asc\", \"case-insensitive\" }%s",
                          (int)(end - rules), rules, end);
    char *dir = t_asprintf("%s/scripts/stakeholders", t_dir);
    char *cmd = t_asprintf("mkdir -p '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    free(t_write(dir, "rules.lua", bad));
    char *shipped = t_src("scripts");
    char *path = t_asprintf("script_path=%s/scripts:%s", t_dir, shipped);
    const char *want = "scripts/stakeholders/rules.lua: priority_order[4]: column \"naam\", expected one "
                       "of score, power, interest, attributes, gap, attitude, name, id, side";
    char *err = NULL;
    int rc = run_sa(NULL, "analysis.ini", "stakeholders.csv", "o", &err, "--engine", path, NULL);
    ck_assert_msg(rc != 0, "exit 0: %s", err);
    HAS(err, want);
    ck_assert(!out_exists("o", "classification.csv"));
    free(err);
    err = NULL;
    rc = check_sa("analysis.ini", "stakeholders.csv", &err, "--engine", path, NULL);
    ck_assert_msg(rc != 0, "exit 0: %s", err);
    HAS(err, want);
    free(err);
    free(path);
    free(shipped);
    free(cmd);
    free(dir);
    free(bad);
    free(rules);
    free(src);
}
END_TEST

START_TEST(mistyped_setting_is_an_error)
{
    char *dir = t_asprintf("%s/in", t_dir);
    char *path = t_asprintf("%s/analysis.ini", dir);
    char *ini = t_read(path);
    free(path);
    ck_assert_ptr_nonnull(ini);
    char *at = strstr(ini, "threshold = 3");
    ck_assert_ptr_nonnull(at);
    char *typo = t_asprintf("%.*streshold = 3%s", (int)(at - ini), ini, at + strlen("threshold = 3"));
    free(t_write(dir, "typo.ini", typo));
    char *err = NULL;
    int rc = run_sa(NULL, "typo.ini", "stakeholders.csv", "o", &err, NULL);
    ck_assert_msg(rc == 2, "exit %d, expected 2: %s", rc, err);
    HAS(err, "typo.ini:14: unknown key \"treshold\" in [scale]; did you mean threshold?");
    ck_assert(!out_exists("o", "classification.csv"));
    free(err);
    rc = check_sa("typo.ini", "stakeholders.csv", &err, NULL);
    ck_assert_msg(rc == 2, "check: exit %d, expected 2: %s", rc, err);
    HAS(err, "typo.ini:14: unknown key \"treshold\" in [scale]; did you mean threshold?");
    free(err);
    /* check runs the checks of validate.lua, as run does */
    rc = check_sa("analysis.ini", "many-errors.csv", &err, NULL);
    ck_assert_msg(rc == 2, "check: exit %d, expected 2: %s", rc, err);
    HAS(err, "many-errors.csv:2: column power: found \"6\", expected a value in 1..5");
    free(err);
    rc = check_sa("analysis.ini", "stakeholders.csv", &err, NULL);
    ck_assert_msg(rc == 0, "check: exit %d: %s", rc, err);
    free(err);
    free(typo);
    free(ini);
    free(dir);
}
END_TEST

/* Type errors in stakeholders.csv and rule errors in channels.csv: all of
 * them in one run, sorted by file and line; check the same. */
START_TEST(every_input_error_in_one_go)
{
    const char *want[] = {
        "channels-bad.csv: no channel for quadrant monitor",
        "channels-bad.csv:3: column quadrant: found \"keep_happy\"",
        "channels-bad.csv:4: column mode: found \"per post\"",
        "type-errors.csv:2: column power: found \"hoog\"",
        "type-errors.csv:4: column legitimacy: found \"misschien\"",
        "type-errors.csv:5:",
        NULL,
    };
    for (int pass = 0; pass < 2; pass++) {
        char *err = NULL;
        int rc = pass == 0 ? run_sa(NULL, "analysis.ini", "type-errors.csv", "o", &err, "--set",
                                    "channels=channels-bad.csv", NULL)
                           : check_sa("analysis.ini", "type-errors.csv", &err, "--set",
                                      "channels=channels-bad.csv", NULL);
        ck_assert_msg(rc == 2, "exit %d, expected 2: %s", rc, err);
        const char *last = err;
        for (int i = 0; want[i]; i++) {
            const char *hit = strstr(err, want[i]);
            ck_assert_msg(hit != NULL, "missing \"%s\" in:\n%s", want[i], err);
            ck_assert_msg(hit >= last, "\"%s\" out of order in:\n%s", want[i], err);
            last = hit;
        }
        ck_assert(!out_exists("o", "classification.csv"));
        free(err);
    }
}
END_TEST

/* ---- comparison with a previous run ---- */
START_TEST(compare_with_previous_run)
{
    char *err = NULL;
    int rc = run_sa(NULL, "analysis.ini", "stakeholders.csv", "o", &err, "--set",
                    "previous=previous.csv", NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    csvt c;
    load_csv("o", "comparison.csv", &c);
    ck_assert_str_eq(by_id(&c, "S01", "change"), "unchanged");
    ck_assert_str_eq(by_id(&c, "S03", "change"), "moved:quadrant+salience+type");
    ck_assert_str_eq(by_id(&c, "S03", "previous_quadrant"), "keep_informed");
    ck_assert_str_eq(by_id(&c, "S03", "quadrant"), "manage_closely");
    ck_assert_str_eq(by_id(&c, "S07", "change"), "moved:salience");
    ck_assert_str_eq(by_id(&c, "S07", "previous_salience"), "dormant");
    ck_assert_str_eq(by_id(&c, "S07", "salience"), "dangerous");
    ck_assert_str_eq(by_id(&c, "S06", "change"), "new");
    ck_assert_str_eq(by_id(&c, "S09", "change"), "removed");
    csv_free(&c);
    char *html = out_file("o", "report.html");
    HAS(html, "Vergelijking met de vorige analyse");
    HAS(html, "Geïnformeerd houden → Nauw betrekken");
    free(html);
    char *md = out_file("o", "comparison.md");
    ck_assert_ptr_nonnull(md);
    free(md);
    free(err);

    /* the previous run's own classification.csv works as `previous` */
    char *prev = t_asprintf("previous=%s/o/classification.csv", t_dir);
    rc = run_sa(NULL, "analysis.ini", "stakeholders.csv", "o2", &err, "--set", prev, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    load_csv("o2", "comparison.csv", &c);
    for (int r = 1; r < c.nrows; r++) {
        ck_assert_str_eq(cell(&c, r, "change"), "unchanged");
    }
    csv_free(&c);
    free(prev);
    free(err);
}
END_TEST

/* ---- the channel mix can be replaced per run ---- */
START_TEST(channels_override)
{
    char *err = NULL;
    int rc = run_sa(NULL, "analysis.ini", "stakeholders.csv", "o", &err, "--set",
                    "channels=channels-custom.csv", NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    csvt p;
    load_csv("o", "commplan.csv", &p);
    ck_assert_str_eq(by_id(&p, "S01", "channels"), "werkbezoek;ledenbrief");
    ck_assert_str_eq(by_id(&p, "S04", "channels"), "podcast");
    ck_assert_str_eq(by_id(&p, "S07", "channels"), "een-op-eengesprek;bestuurlijk overleg");
    csv_free(&p);
    free(err);

    rc = run_sa(NULL, "analysis.ini", "stakeholders.csv", "o2", &err, "--set",
                "channels=channels-bad.csv", NULL);
    ck_assert_msg(rc == 2, "exit %d, expected 2: %s", rc, err);
    HAS(err, "channels-bad.csv:3: column quadrant: found \"keep_happy\"");
    HAS(err, "channels-bad.csv:4: column mode: found \"per post\"");
    HAS(err, "channels-bad.csv: no channel for quadrant monitor");
    free(err);
}
END_TEST

/* ---- grid.svg: renders, escapes, is deterministic ---- */
START_TEST(grid_svg_renders)
{
    char *err = NULL;
    int rc = run_sa(NULL, "analysis.ini", "stakeholders.csv", "o", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    free(err);
    rc = run_sa(NULL, "analysis.ini", "stakeholders.csv", "o2", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    free(err);
    char *a = out_file("o", "grid.svg"), *b = out_file("o2", "grid.svg");
    ck_assert_ptr_nonnull(a);
    ck_assert_msg(strcmp(a, b) == 0, "grid.svg differs between two runs");
    HAS(a, "A&amp;O fonds Gemeenten");
    HAS(a, "Nauw betrekken");
    HAS(a, "Tevreden houden");
    HAS(a, "Belang (interest)");
    HAS(a, "Macht (power)");
    HAS(a, "drempel 3");
    HAS(a, "stroke-dasharray");
    ck_assert_ptr_null(strstr(a, "A&O"));
    char *ia = out_file("o", "contacts.ics"), *ib = out_file("o2", "contacts.ics");
    ck_assert_msg(strcmp(ia, ib) == 0, "contacts.ics differs between two runs");
    free(ia);
    free(ib);
    free(a);
    free(b);
    if (system("command -v rsvg-convert >/dev/null 2>&1") != 0) {
        t_tool_missing("grid_svg_renders", "rsvg-convert", "apt-get install librsvg2-bin");
        return;
    }
    char *cmd = t_asprintf("rsvg-convert -o '%s/grid.png' '%s/o/grid.svg' 2>'%s/rsvg.err'", t_dir, t_dir,
                          t_dir);
    rc = system(cmd);
    free(cmd);
    char *rerr = t_asprintf("%s/rsvg.err", t_dir);
    char *msg = t_read(rerr);
    ck_assert_msg(rc == 0, "rsvg-convert failed: %s", msg ? msg : "");
    free(msg);
    free(rerr);
    char *png = t_asprintf("%s/grid.png", t_dir);
    struct stat st;
    ck_assert_int_eq(stat(png, &st), 0);
    ck_assert_msg(st.st_size > 20000, "grid.png is only %lld bytes", (long long)st.st_size);
    free(png);
}
END_TEST

/* ---- contacts.ics checked by an independent iCalendar parser ---- */
static const char *python_with_icalendar(void)
{
    static const char *cands[] = { "python3", "/usr/bin/python3", NULL };
    for (int i = 0; cands[i]; i++) {
        char *cmd = t_asprintf("%s -c 'import icalendar' >/dev/null 2>&1", cands[i]);
        int rc = system(cmd);
        free(cmd);
        if (rc == 0) {
            return cands[i];
        }
    }
    return NULL;
}

START_TEST(contacts_ics_parses)
{
    const char *py = python_with_icalendar();
    if (!py) {
        t_tool_missing("contacts_ics_parses", "the python3 module icalendar",
                       "apt-get install python3-icalendar");
        return;
    }
    /* 1767225600 = 2026-01-01T00:00:00Z */
    setenv("SOURCE_DATE_EPOCH", "1767225600", 1);
    char *err = NULL;
    int rc = run_sa(NULL, "analysis.ini", "stakeholders.csv", "o", &err, NULL);
    unsetenv("SOURCE_DATE_EPOCH");
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    free(err);
    char *script = t_src("tests/e2e/stakeholders/check_ics.py");
    char *cmd = t_asprintf("%s '%s' '%s/o/contacts.ics' 93 20260101T000000Z >'%s/ics.out' 2>&1", py,
                          script, t_dir, t_dir);
    rc = system(cmd);
    char *outp = t_asprintf("%s/ics.out", t_dir);
    char *out = t_read(outp);
    ck_assert_msg(rc == 0, "contacts.ics check failed:\n%s", out ? out : "");
    free(out);
    free(outp);
    free(cmd);

    /* without SOURCE_DATE_EPOCH, DTSTAMP is the plan start */
    rc = run_sa(NULL, "analysis.ini", "stakeholders.csv", "o2", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    free(err);
    cmd = t_asprintf("%s '%s' '%s/o2/contacts.ics' 93 20260202T000000Z >/dev/null 2>&1", py, script,
                    t_dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    free(script);
    char *ics = out_file("o2", "contacts.ics");
    HAS(ics, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
    HAS(ics, "METHOD:PUBLISH\r\n");
    HAS(ics, "UID:focus-op-uitvoering-S07-2@vng.nl\r\n");
    /* the time bomb's extra meeting, two weeks after the start */
    HAS(ics, "UID:focus-op-uitvoering-S07-2@vng.nl\r\nDTSTAMP:20260202T000000Z\r\n"
             "DTSTART;VALUE=DATE:20260216\r\n");
    free(ics);
}
END_TEST

/* SOURCE_DATE_EPOCH gives DTSTAMP to the second, up to the last second of
 * 9999 (a DATE-TIME has a year of four digits): beyond it the run says
 * so, where it once wrote a year of five digits. */
START_TEST(contacts_ics_dtstamp_from_epoch)
{
    setenv("SOURCE_DATE_EPOCH", "253402300799", 1);
    char *err = NULL;
    int rc = run_sa(NULL, "analysis.ini", "stakeholders.csv", "o", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    free(err);
    char *ics = out_file("o", "contacts.ics");
    HAS(ics, "\r\nDTSTAMP:99991231T235959Z\r\n");
    free(ics);
    setenv("SOURCE_DATE_EPOCH", "1767225645", 1);
    rc = run_sa(NULL, "analysis.ini", "stakeholders.csv", "o2", &err, NULL);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    free(err);
    ics = out_file("o2", "contacts.ics");
    HAS(ics, "\r\nDTSTAMP:20260101T000045Z\r\n");
    free(ics);
    setenv("SOURCE_DATE_EPOCH", "253402300800", 1);
    rc = run_sa(NULL, "analysis.ini", "stakeholders.csv", "o3", &err, NULL);
    unsetenv("SOURCE_DATE_EPOCH");
    ck_assert_int_eq(rc, 1);
    HAS(err, "SOURCE_DATE_EPOCH: found \"253402300800\", expected a whole number of seconds up to "
             "253402300799 (9999-12-31)");
    free(err);
}
END_TEST

Suite *suite_stakeholder(void);
Suite *suite_stakeholder(void)
{
    Suite *s = suite_create("stakeholder");
    TCase *tc = tcase_create("e2e");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, t_dir_teardown);
    tcase_add_test(tc, s1_classification_exact);
    tcase_add_test(tc, s1_frequencies_and_ties);
    tcase_add_test(tc, ties_by_name_then_id);
    tcase_add_test(tc, score_in_rules);
    tcase_add_test(tc, ties_by_name_fold_latin1);
    tcase_add_test(tc, empty_concern_and_owner);
    tcase_add_test(tc, tabs_at_the_ends_are_quoted);
    tcase_add_test(tc, s2_types);
    tcase_add_test(tc, s3_boundaries_and_negative_gap);
    tcase_add_test(tc, s3_power_6_exit_2_exact_message);
    tcase_add_test(tc, all_data_errors_of_a_file_together);
    tcase_add_test(tc, no_stakeholders_and_bad_threshold);
    tcase_add_test(tc, date_of_year_0_is_an_input_error);
    tcase_add_test(tc, mistyped_setting_is_an_error);
    tcase_add_test(tc, bad_priority_order_in_rules);
    tcase_add_test(tc, every_input_error_in_one_go);
    tcase_add_test(tc, compare_with_previous_run);
    tcase_add_test(tc, channels_override);
    tcase_add_test(tc, grid_svg_renders);
    tcase_add_test(tc, grid_of_many_draws_the_first);
    tcase_add_test(tc, ranked_in_any_order);
    tcase_add_test(tc, contacts_ics_parses);
    tcase_add_test(tc, contacts_ics_dtstamp_from_epoch);
    tcase_add_test(tc, calendar_holds_the_first_by_priority);
    tcase_add_test(tc, grid_crowd_is_one_marker);
    suite_add_tcase(s, tc);
    return s;
}
