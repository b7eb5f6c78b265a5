/* End-to-end: the event-organisation workflow run by the real `regie` binary
 * on the worked examples E1-E5 of the domain reference (§3.4) with the
 * example data in examples/event/ and the contract of the workflow's
 * outputs (participants.csv, decision.txt, schedule.csv, event.ics,
 * invites/, cancel.ics, summary.csv).
 *
 * Every expected value here was worked out by hand from the rules (domain
 * reference §0, §3, §6) and the example data: the statuses of E1 are built
 * row by row from those rules below, not read from an earlier run.  Each
 * case is staged in a scratch directory (a copy of an example, then edited
 * line by line) and run there, so messages name the files as given
 * ("registrations.csv:4: ...").  SOURCE_DATE_EPOCH is 2024-03-01T00:00:00Z
 * in every test, so DTSTAMP is 20240301T000000Z. */
#define _GNU_SOURCE
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EPOCH "1709251200" /* 2024-03-01T00:00:00Z */
#define DTSTAMP "DTSTAMP:20240301T000000Z\r\n"

static void ev_setup(void)
{
    t_dir_setup_no_today();
    setenv("SOURCE_DATE_EPOCH", EPOCH, 1);
}

static void ev_teardown(void)
{
    unsetenv("SOURCE_DATE_EPOCH");
    t_dir_teardown();
}

#define HAS(hay, needle)                                                                           \
    ck_assert_msg((hay) && strstr((hay), (needle)) != NULL, "missing \"%s\" in:\n%s", (needle),   \
                  (hay) ? (hay) : "(null)")
#define HASNT(hay, needle)                                                                         \
    ck_assert_msg((hay) && strstr((hay), (needle)) == NULL, "unexpected \"%s\" in:\n%s", (needle), \
                  (hay) ? (hay) : "(null)")

/* ---- staging ---- */

/* tmp/<name> = a copy of examples/event/<example> */
static void stage(const char *name, const char *example)
{
    char *rel = t_asprintf("examples/event/%s", example);
    char *src = t_src(rel);
    char *cmd = t_asprintf("cp -R '%s' '%s/%s'", src, t_dir, name);
    ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
    free(cmd);
    free(src);
    free(rel);
}

static char *case_path(const char *name, const char *file)
{
    return t_asprintf("%s/%s/%s", t_dir, name, file);
}

static void put_text(const char *name, const char *file, const char *text)
{
    char *dir = t_asprintf("%s/%s", t_dir, name);
    free(t_write(dir, file, text));
    free(dir);
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
    put_text(name, file, res);
    free(res);
    free(text);
    free(p);
}

static void append(const char *name, const char *file, const char *rows)
{
    char *p = case_path(name, file);
    char *text = t_read(p);
    ck_assert_msg(text != NULL, "%s missing", p);
    char *res = t_asprintf("%s%s", text, rows);
    put_text(name, file, res);
    free(res);
    free(text);
    free(p);
}

/* ---- running ---- */

/* `regie run event-organisation` in tmp/<name> with --set event=event.ini
 * --set registrations=registrations.csv, a --set for each of sets
 * (NULL-terminated, may be NULL), --db db when given, --today today when
 * given, --out out.  stdout and stderr in t_out and t_err. */
static int ev_run(const char *name, const char *out, const char *today, const char *db,
                  const char *const *sets)
{
    char *wf = t_src("etc/workflows/event-organisation.ini");
    const char *argv[64];
    size_t n = 0;
    argv[n++] = "run";
    argv[n++] = wf;
    argv[n++] = "--set";
    argv[n++] = "event=event.ini";
    argv[n++] = "--set";
    argv[n++] = "registrations=registrations.csv";
    for (size_t i = 0; sets && sets[i]; i++) {
        argv[n++] = "--set";
        argv[n++] = sets[i];
    }
    if (db) {
        argv[n++] = "--db";
        argv[n++] = db;
    }
    if (today) {
        argv[n++] = "--today";
        argv[n++] = today;
    }
    argv[n++] = "--out";
    argv[n++] = out;
    argv[n] = NULL;
    ck_assert(n < 64);
    char *cwd = t_asprintf("%s/%s", t_dir, name);
    free(t_out);
    free(t_err);
    t_out = t_err = NULL;
    int rc = t_regie(cwd, &t_out, &t_err, argv);
    free(cwd);
    free(wf);
    return rc;
}

/* `regie ARGV...` in tmp/<name> (t_out, t_err). */
static int ev_cmd(const char *name, const char *const *argv)
{
    char *cwd = t_asprintf("%s/%s", t_dir, name);
    free(t_out);
    free(t_err);
    t_out = t_err = NULL;
    int rc = t_regie(cwd, &t_out, &t_err, argv);
    free(cwd);
    return rc;
}

static const char *const E1_SETS[] = { "attendance=attendance.csv", "evaluations=evaluations.csv",
                                       "meetings=meetings.csv", NULL };
static const char *const E3_SETS[] = { "rooms=rooms.csv", "slots=slots.csv", "sessions=sessions.csv",
                                       "availability=availability.csv", NULL };

/* E1 after the event (the deadline has passed: the run decides at once) */
static void run_e1(const char *name, const char *out)
{
    int rc = ev_run(name, out, "2024-04-05", NULL, E1_SETS);
    ck_assert_msg(rc == 0, "E1: exit %d:\n%s", rc, t_err);
}

static char *outf(const char *name, const char *out, const char *file)
{
    return t_readf("%s/%s/%s/%s", t_dir, name, out, file);
}

static int out_exists(const char *name, const char *out, const char *file)
{
    return t_existsf("%s/%s/%s/%s", t_dir, name, out, file);
}

/* No results written: the output directory is missing or holds nothing but
 * the engine's own hidden run state. */
static int out_empty(const char *name, const char *out)
{
    char *p = t_asprintf("%s/%s/%s", t_dir, name, out);
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

/* Files in tmp/<name>/<out>/<sub> whose names end in suffix. */
static int count_files(const char *name, const char *out, const char *sub, const char *suffix)
{
    char *p = t_asprintf("%s/%s/%s/%s", t_dir, name, out, sub);
    DIR *d = opendir(p);
    free(p);
    if (!d) {
        return 0;
    }
    int n = 0;
    struct dirent *e;
    size_t sl = strlen(suffix);
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] != '.' && l >= sl && strcmp(e->d_name + l - sl, suffix) == 0) {
            n++;
        }
    }
    closedir(d);
    return n;
}

/* ---- CSV (RFC 4180: quotes, CRLF or LF) ---- */

typedef struct {
    int nrows;
    int *ncols;
    char ***cell; /* cell[row][col] */
} csv_t;

static csv_t csv_parse(const char *text)
{
    csv_t c = { 0, NULL, NULL };
    ck_assert_msg(text != NULL, "CSV file missing");
    const char *p = text;
    if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF) {
        p += 3;
    }
    while (*p) {
        char **row = NULL;
        int nc = 0;
        for (;;) {
            size_t cap = 64, len = 0;
            char *f = malloc(cap);
            if (*p == '"') {
                p++;
                while (*p && !(*p == '"' && p[1] != '"')) {
                    if (*p == '"') {
                        p++;
                    }
                    if (len + 2 >= cap) {
                        f = realloc(f, cap *= 2);
                    }
                    f[len++] = *p++;
                }
                if (*p == '"') {
                    p++;
                }
            }
            while (*p && *p != ',' && *p != '\n' && *p != '\r') {
                if (len + 2 >= cap) {
                    f = realloc(f, cap *= 2);
                }
                f[len++] = *p++;
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
        c.cell = realloc(c.cell, (size_t)(c.nrows + 1) * sizeof *c.cell);
        c.ncols = realloc(c.ncols, (size_t)(c.nrows + 1) * sizeof *c.ncols);
        c.cell[c.nrows] = row;
        c.ncols[c.nrows] = nc;
        c.nrows++;
    }
    return c;
}

static void csv_free(csv_t *c)
{
    for (int r = 0; r < c->nrows; r++) {
        for (int i = 0; i < c->ncols[r]; i++) {
            free(c->cell[r][i]);
        }
        free(c->cell[r]);
    }
    free(c->cell);
    free(c->ncols);
}

/* The index of column name in the header; fails the check when missing. */
static int csv_col(const csv_t *c, const char *name)
{
    ck_assert_msg(c->nrows > 0, "CSV without a header");
    for (int i = 0; i < c->ncols[0]; i++) {
        if (strcmp(c->cell[0][i], name) == 0) {
            return i;
        }
    }
    ck_abort_msg("no column %s in the header", name);
    return -1;
}

static const char *csv_get(const csv_t *c, int row, const char *col)
{
    int i = csv_col(c, col);
    return i < c->ncols[row] ? c->cell[row][i] : "";
}

/* The row whose first column is key (1..nrows-1); fails when missing. */
static int csv_row(const csv_t *c, const char *key)
{
    for (int r = 1; r < c->nrows; r++) {
        if (c->ncols[r] > 0 && strcmp(c->cell[r][0], key) == 0) {
            return r;
        }
    }
    ck_abort_msg("no row %s", key);
    return -1;
}

/* participants.csv: row of reg_id has status, waitlist_position and promoted
 * (promoted NULL: not checked) */
static void expect_participant(const csv_t *c, const char *id, const char *status,
                               const char *position, const char *promoted)
{
    int r = csv_row(c, id);
    ck_assert_msg(strcmp(csv_get(c, r, "status"), status) == 0, "%s: status %s, expected %s", id,
                  csv_get(c, r, "status"), status);
    ck_assert_msg(strcmp(csv_get(c, r, "waitlist_position"), position) == 0,
                  "%s: waitlist_position \"%s\", expected \"%s\"", id,
                  csv_get(c, r, "waitlist_position"), position);
    if (promoted) {
        ck_assert_msg(strcmp(csv_get(c, r, "promoted"), promoted) == 0,
                      "%s: promoted \"%s\", expected \"%s\"", id, csv_get(c, r, "promoted"),
                      promoted);
    }
}

/* summary.csv holds the line "measure,value" */
static void expect_measure(const char *summary, const char *measure, const char *value)
{
    csv_t c = csv_parse(summary);
    int r = csv_row(&c, measure);
    ck_assert_msg(strcmp(csv_get(&c, r, "value"), value) == 0, "summary.csv: %s = %s, expected %s",
                  measure, csv_get(&c, r, "value"), value);
    csv_free(&c);
}

/* ---- ICS ---- */

/* CRLF everywhere (no bare LF or CR) and no line over 75 octets. */
static void ics_well_formed(const char *what, const char *ics)
{
    ck_assert_msg(ics != NULL, "%s missing", what);
    ck_assert_msg(strncmp(ics, "BEGIN:VCALENDAR\r\n", 17) == 0, "%s does not begin with "
                  "BEGIN:VCALENDAR CRLF", what);
    size_t len = strlen(ics);
    ck_assert_msg(len >= 2 && ics[len - 2] == '\r' && ics[len - 1] == '\n',
                  "%s does not end in CRLF", what);
    const char *line = ics;
    int no = 1;
    for (const char *p = ics; *p; p++) {
        if (*p == '\n') {
            ck_assert_msg(p > ics && p[-1] == '\r', "%s: line %d ends in a bare LF", what, no);
            size_t octets = (size_t)(p - 1 - line);
            ck_assert_msg(octets <= 75, "%s: line %d has %zu octets (> 75): %.*s", what, no,
                          octets, (int)octets, line);
            line = p + 1;
            no++;
        } else if (*p == '\r') {
            ck_assert_msg(p[1] == '\n', "%s: line %d: a CR without LF", what, no);
        }
    }
}

/* The text with folded lines joined (CRLF + space or tab removed). */
static char *unfold(const char *ics)
{
    char *u = strdup(ics);
    char *w = u;
    for (const char *r = ics; *r;) {
        if (r[0] == '\r' && r[1] == '\n' && (r[2] == ' ' || r[2] == '\t')) {
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = 0;
    return u;
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle)) {
        n++;
    }
    return n;
}

/* The unfolded content line that begins with prefix (up to CRLF); caller frees. */
static char *ics_line(const char *unfolded, const char *prefix)
{
    char *pat = t_asprintf("\r\n%s", prefix);
    const char *p = strstr(unfolded, pat);
    free(pat);
    if (!p) {
        return NULL;
    }
    p += 2;
    const char *e = strstr(p, "\r\n");
    return strndup(p, e ? (size_t)(e - p) : strlen(p));
}

/* The python3 with the icalendar module, or NULL. */
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

/* tests/e2e/event/check_ics.py METHOD EVENTS on the files the shell glob
 * tmp/<name>/<out>/<glob> names (at least one must exist). */
static void ics_parses(const char *test, const char *name, const char *out, const char *glob,
                       const char *method, int events)
{
    const char *py = python_with_icalendar();
    if (!py) {
        t_tool_missing(test, "the python3 module icalendar", "apt-get install python3-icalendar");
        return;
    }
    char *script = t_src("tests/e2e/event/check_ics.py");
    char *dir = t_asprintf("%s/%s/%s", t_dir, name, out);
    char *log = t_asprintf("%s/ics-check.log", t_dir);
    char *cmd = t_asprintf("cd '%s' && set -- %s && test -f \"$1\" && %s '%s' %s %d \"$@\" "
                           ">'%s' 2>&1",
                           dir, glob, py, script, method, events, log);
    int rc = system(cmd);
    char *text = t_read(log);
    ck_assert_msg(rc == 0, "%s: %s/%s does not pass check_ics.py (%s, %d VEVENTs):\n%s", test, out,
                  glob, method, events, text ? text : "(no files?)");
    free(text);
    free(cmd);
    free(log);
    free(dir);
    free(script);
}

/* ---- E1: the Onderwijsdag ---- */

/* The status of registration R<i> of examples/event/onderwijsdag by the
 * rules: R001-R100 take the 100 seats, R101-R104 the waitlist, R105 has
 * R010's address in capitals (duplicate); R007, R050 and R099 cancel on
 * 25-27 March, before promote_until (2 April), and R101, R102, R103 get
 * their seats in that order; R104 is left on the waitlist as number 1. */
static void e1_expected(int i, const char **status, const char **pos, const char **promoted)
{
    *pos = "";
    *promoted = "no";
    if (i == 7 || i == 50 || i == 99) {
        *status = "cancelled";
    } else if (i <= 100) {
        *status = "confirmed";
    } else if (i <= 103) {
        *status = "confirmed";
        *promoted = "yes";
    } else if (i == 104) {
        *status = "waitlisted";
        *pos = "1";
    } else {
        *status = "duplicate";
    }
}

/* participants.csv of E1: 105 rows in file order, each as e1_expected, with
 * the e-mail address of registrations.csv. */
static void e1_participants_exact(const char *name, const char *out)
{
    char *text = outf(name, out, "participants.csv");
    ck_assert_msg(text != NULL, "participants.csv missing");
    char *intext = t_readf("%s/%s/registrations.csv", t_dir, name);
    csv_t c = csv_parse(text), in = csv_parse(intext);
    ck_assert_int_eq(c.nrows, 106);
    for (int i = 1; i <= 105; i++) {
        char id[8];
        snprintf(id, sizeof id, "R%03d", i);
        ck_assert_msg(strcmp(csv_get(&c, i, "reg_id"), id) == 0, "row %d: reg_id %s, expected %s",
                      i, csv_get(&c, i, "reg_id"), id);
        const char *status, *pos, *promoted;
        e1_expected(i, &status, &pos, &promoted);
        expect_participant(&c, id, status, pos, promoted);
        ck_assert_msg(strcmp(csv_get(&c, i, "email"), csv_get(&in, i, "email")) == 0,
                      "%s: email %s, expected %s", id, csv_get(&c, i, "email"),
                      csv_get(&in, i, "email"));
    }
    csv_free(&c);
    csv_free(&in);
    free(intext);
    free(text);
}

START_TEST(e1_participants)
{
    stage("e1", "onderwijsdag");
    run_e1("e1", "out");
    e1_participants_exact("e1", "out");

    /* the letters: a confirmation, a waitlist letter and then a seat for the
     * promoted, a waitlist letter for R104, nothing for the duplicate */
    char *text = outf("e1", "out", "participants.csv");
    csv_t c = csv_parse(text);
    ck_assert_str_eq(csv_get(&c, csv_row(&c, "R001"), "letters"), "bevestiging");
    ck_assert_str_eq(csv_get(&c, csv_row(&c, "R101"), "letters"), "wachtlijst;plaats");
    ck_assert_str_eq(csv_get(&c, csv_row(&c, "R103"), "letters"), "wachtlijst;plaats");
    ck_assert_str_eq(csv_get(&c, csv_row(&c, "R104"), "letters"), "wachtlijst");
    ck_assert_str_eq(csv_get(&c, csv_row(&c, "R105"), "letters"), "");
    ck_assert_str_eq(csv_get(&c, csv_row(&c, "R105"), "email"), "R.TIMMER@HOOGEVEEN.EXAMPLE.NL");
    csv_free(&c);
    free(text);
    ck_assert(out_exists("e1", "out", "letters/R001-bevestiging.md"));
    ck_assert(out_exists("e1", "out", "letters/R101-wachtlijst.md"));
    ck_assert(out_exists("e1", "out", "letters/R101-plaats.md"));
    ck_assert(!out_exists("e1", "out", "letters/R101-bevestiging.md"));
    ck_assert(out_exists("e1", "out", "letters/R104-wachtlijst.md"));
    ck_assert(!out_exists("e1", "out", "letters/R104-plaats.md"));
    ck_assert(!out_exists("e1", "out", "letters/R105-bevestiging.md"));
    ck_assert(!out_exists("e1", "out", "letters/R105-wachtlijst.md"));
    ck_assert(!out_exists("e1", "out", "cancel.ics"));
    ck_assert(out_exists("e1", "out", "report.html"));

    /* GO: min_participants 0, 100 confirmed on Friday 29 March 23:59 */
    char *dec = outf("e1", "out", "decision.txt");
    ck_assert_msg(dec != NULL, "decision.txt missing");
    HAS(dec, "GO\n"
             "confirmed at the deadline: 100\n"
             "min_participants: 0\n"
             "deadline: 2024-03-29 23:59 (registration_close = -2wd)\n"
             "rule: GO when the confirmed registrations at the deadline number at least "
             "min_participants\n");
    ck_assert_msg(strncmp(dec, "GO\n", 3) == 0, "decision.txt:\n%s", dec);
    free(dec);

    /* the reminder outbox: 7 days and 1 day before 3 April 14:30, for the
     * 100 confirmed */
    char *rem = outf("e1", "out", "outbox/reminders.csv");
    ck_assert_msg(rem != NULL, "outbox/reminders.csv missing");
    HAS(rem, "R001,d.bos@borger-odoorn.example.nl,P7D,2024-03-27T14:30");
    HAS(rem, "R001,d.bos@borger-odoorn.example.nl,P1D,2024-04-02T14:30");
    HAS(rem, "R101,");
    HASNT(rem, "R104,");
    HASNT(rem, "R105,");
    HASNT(rem, "R007,");
    csv_t r = csv_parse(rem);
    ck_assert_int_eq(r.nrows, 1 + 200);
    csv_free(&r);
    free(rem);
}
END_TEST

START_TEST(e1_event_ics)
{
    stage("e1", "onderwijsdag");
    run_e1("e1", "out");
    char *ics = outf("e1", "out", "event.ics");
    ics_well_formed("event.ics", ics);
    HAS(ics, "\r\nVERSION:2.0\r\n");
    HAS(ics, "\r\nMETHOD:PUBLISH\r\n");
    HAS(ics, "\r\nUID:onderwijsdag-2024-1@example.org\r\n");
    HAS(ics, "\r\n" DTSTAMP);
    /* summer time began on 31 March: 14:30-17:30 CEST is 12:30-15:30 UTC */
    HAS(ics, "\r\nDTSTART:20240403T123000Z\r\n");
    HAS(ics, "\r\nDTEND:20240403T153000Z\r\n");
    HAS(ics, "\r\nLOCATION:De Bonte Wever\\, zaal Magenta\\, Stadsbroek 17\\, Assen\r\n");
    HAS(ics, "\r\nSTATUS:CONFIRMED\r\n");
    HAS(ics, "\r\nSEQUENCE:0\r\n");
    ck_assert_int_eq(count_of(ics, "BEGIN:VEVENT\r\n"), 1);
    char *u = unfold(ics);
    HAS(u, "\r\nSUMMARY:Onderwijsdag 2024\r\n");
    /* organizer_name defaults to the title */
    HAS(u, "\r\nORGANIZER;CN=Onderwijsdag 2024:mailto:secretariaat@example.org\r\n");
    /* one VALARM per offset */
    ck_assert_int_eq(count_of(u, "BEGIN:VALARM\r\n"), 2);
    ck_assert_int_eq(count_of(u, "ACTION:DISPLAY\r\n"), 2);
    HAS(u, "\r\nTRIGGER:-P7D\r\n");
    HAS(u, "\r\nTRIGGER:-P1D\r\n");
    free(u);
    free(ics);
}
END_TEST

START_TEST(e1_invitations)
{
    stage("e1", "onderwijsdag");
    run_e1("e1", "out");
    /* one per confirmed participant: R001-R100 less three, plus R101-R103 */
    ck_assert_int_eq(count_files("e1", "out", "invites", ".ics"), 100);
    ck_assert(out_exists("e1", "out", "invites/R101.ics"));
    ck_assert(out_exists("e1", "out", "invites/R103.ics"));
    ck_assert(!out_exists("e1", "out", "invites/R104.ics"));
    ck_assert(!out_exists("e1", "out", "invites/R105.ics"));
    ck_assert(!out_exists("e1", "out", "invites/R007.ics"));
    ck_assert(!out_exists("e1", "out", "invites/R050.ics"));
    ck_assert(!out_exists("e1", "out", "invites/R099.ics"));

    char *ics = outf("e1", "out", "invites/R001.ics");
    ics_well_formed("invites/R001.ics", ics);
    HAS(ics, "\r\nMETHOD:REQUEST\r\n");
    HAS(ics, "\r\nUID:onderwijsdag-2024-1@example.org\r\n");
    HAS(ics, "\r\nSEQUENCE:0\r\n");
    HAS(ics, "\r\nDTSTART:20240403T123000Z\r\n");
    HAS(ics, "\r\nDTEND:20240403T153000Z\r\n");
    HAS(ics, "\r\nLOCATION:De Bonte Wever\\, zaal Magenta\\, Stadsbroek 17\\, Assen\r\n");
    char *u = unfold(ics);
    char *att = ics_line(u, "ATTENDEE");
    ck_assert_msg(att != NULL, "no ATTENDEE in invites/R001.ics:\n%s", u);
    ck_assert_str_eq(att, "ATTENDEE;CN=Daan Bos;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:"
                          "mailto:d.bos@borger-odoorn.example.nl");
    ck_assert_int_eq(count_of(u, "\r\nATTENDEE"), 1);
    HAS(u, "\r\nORGANIZER;CN=Onderwijsdag 2024:mailto:secretariaat@example.org\r\n");
    free(att);
    free(u);
    free(ics);

    /* a name with two-octet characters, folded (the line is longer than 75
     * octets) never inside one of them */
    ics = outf("e1", "out", "invites/R011.ics");
    ics_well_formed("invites/R011.ics", ics);
    u = unfold(ics);
    att = ics_line(u, "ATTENDEE");
    ck_assert_msg(att != NULL, "no ATTENDEE in invites/R011.ics");
    ck_assert_str_eq(att, "ATTENDEE;CN=Anaïs Brüggemann;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;"
                          "RSVP=TRUE:mailto:a.bruggemann@dewolden.example.nl");
    free(att);
    free(u);
    free(ics);

    /* invites.csv: one row per invitation, SEQUENCE 0 on a first run */
    char *inv = outf("e1", "out", "invites.csv");
    csv_t c = csv_parse(inv);
    int invitations = 0;
    for (int i = 1; i < c.nrows; i++) {
        invitations += c.cell[i][0][0] == 'R';
    }
    ck_assert_int_eq(invitations, 100);
    int r = csv_row(&c, "R001");
    ck_assert_str_eq(csv_get(&c, r, "uid"), "onderwijsdag-2024-1@example.org");
    ck_assert_str_eq(csv_get(&c, r, "sequence"), "0");
    csv_free(&c);
    free(inv);

    ics_parses("e1_invitations", "e1", "out", "invites/*.ics", "REQUEST", 1);
    ics_parses("e1_invitations", "e1", "out", "event.ics", "PUBLISH", 1);
}
END_TEST

/* Good Friday a day off: -2wd is Thursday 28 March (line 4). */
START_TEST(e1_good_friday)
{
    stage("e1", "onderwijsdag");
    edit("e1", "event.ini", "good_friday = no", "good_friday = yes");
    run_e1("e1", "out");
    char *dec = outf("e1", "out", "decision.txt");
    ck_assert_msg(dec != NULL, "decision.txt missing");
    HAS(dec, "GO\nconfirmed at the deadline: 100\nmin_participants: 0\n"
             "deadline: 2024-03-28 23:59 (registration_close = -2wd)\n");
    free(dec);
    /* the statuses do not change: everything happened before 28 March */
    e1_participants_exact("e1", "out");
}
END_TEST

/* E4 and E5 in summary.csv */
START_TEST(e1_summary)
{
    stage("e1", "onderwijsdag");
    run_e1("e1", "out");
    char *s = outf("e1", "out", "summary.csv");
    ck_assert_msg(s != NULL, "summary.csv missing");
    ck_assert_msg(strncmp(s, "measure,value", 13) == 0, "summary.csv header:\n%s", s);
    expect_measure(s, "confirmed", "100");
    expect_measure(s, "waitlisted", "1");
    expect_measure(s, "cancelled", "3");
    expect_measure(s, "duplicate", "1");
    expect_measure(s, "late", "0");
    expect_measure(s, "decision", "GO");
    /* E5: 88 of 100 attended; scores 8, 7, 9, 6, 8 */
    expect_measure(s, "attended", "88");
    expect_measure(s, "attendance_pct", "88");
    expect_measure(s, "no_show_pct", "12");
    expect_measure(s, "evaluations", "5");
    expect_measure(s, "evaluation_mean", "7.6");
    expect_measure(s, "evaluation_7plus_pct", "80");
    /* E4: three held in 2026, two with minutes; target 3 */
    expect_measure(s, "meetings_2026", "2");
    expect_measure(s, "meetings_2026_met", "no");
    free(s);

    /* the third minutes file makes the target */
    edit("e1", "meetings.csv", "2026-06-18,Zuidwest,yes,", "2026-06-18,Zuidwest,yes,notulen/juni.pdf");
    run_e1("e1", "out2");
    s = outf("e1", "out2", "summary.csv");
    expect_measure(s, "meetings_2026", "3");
    expect_measure(s, "meetings_2026_met", "yes");
    free(s);
}
END_TEST

/* The rules' edges on E1's data (event-contract "Rules"), worked by hand:
 * - R106 (22 Mar) has the address of R007, who cancels later (25 Mar):
 *   still a duplicate;
 * - R107 registers on 30 March, after the deadline (29 Mar 23:59), and
 *   cancels on the 31st: late;
 * - R108 (22 Mar 10:00) comes after R107 in the file but before it in
 *   time: waitlisted behind R104 (position 5 then; R101-R103 are promoted
 *   on 25-27 Mar);
 * - R040 cancels at 2 April 23:59, the last minute of promote_until (one
 *   working day before 3 April): R104 is promoted; R030 cancels on 3 April
 *   09:00, after it: the seat stays empty and R108 stays waitlisted, 1.
 * The decision counts 100 at the deadline; 99 are confirmed at the end. */
START_TEST(e1_rule_edges)
{
    stage("e1", "onderwijsdag");
    edit("e1", "registrations.csv", "Gemeente Coevorden,registered,\nR031",
         "Gemeente Coevorden,cancelled,2024-04-03T09:00\nR031");
    edit("e1", "registrations.csv", "Gemeente Midden-Drenthe,registered,\nR041",
         "Gemeente Midden-Drenthe,cancelled,2024-04-02T23:59\nR041");
    append("e1", "registrations.csv",
           "R106,2024-03-22T09:00,Vincent Meijer,v.meijer@westerveld.example.nl,"
           "Gemeente Westerveld,registered,\n"
           "R107,2024-03-30T10:00,Harm Post,h.post@emmen.example.nl,Gemeente Emmen,cancelled,"
           "2024-03-31T10:00\n"
           "R108,2024-03-22T10:00,Gea Kremer,g.kremer@meppel.example.nl,Gemeente Meppel,"
           "registered,\n");
    int rc = ev_run("e1", "out", "2024-04-05", NULL, NULL);
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, t_err);
    char *text = outf("e1", "out", "participants.csv");
    csv_t c = csv_parse(text);
    ck_assert_int_eq(c.nrows, 109);
    ck_assert_msg(strcmp(csv_get(&c, 30, "reg_id"), "R030") == 0, "row 30 is %s",
                  csv_get(&c, 30, "reg_id"));
    expect_participant(&c, "R030", "cancelled", "", "no");
    expect_participant(&c, "R040", "cancelled", "", "no");
    expect_participant(&c, "R101", "confirmed", "", "yes");
    expect_participant(&c, "R103", "confirmed", "", "yes");
    expect_participant(&c, "R104", "confirmed", "", "yes");
    expect_participant(&c, "R105", "duplicate", "", "no");
    expect_participant(&c, "R106", "duplicate", "", "no");
    expect_participant(&c, "R107", "late", "", "no");
    expect_participant(&c, "R108", "waitlisted", "1", "no");
    ck_assert_str_eq(csv_get(&c, csv_row(&c, "R104"), "letters"), "wachtlijst;plaats");
    ck_assert_str_eq(csv_get(&c, csv_row(&c, "R108"), "letters"), "wachtlijst");
    csv_free(&c);
    free(text);
    char *dec = outf("e1", "out", "decision.txt");
    ck_assert_msg(dec != NULL, "decision.txt missing");
    HAS(dec, "GO\nconfirmed at the deadline: 100\n");
    free(dec);
    char *sum = outf("e1", "out", "summary.csv");
    expect_measure(sum, "confirmed", "99");
    expect_measure(sum, "waitlisted", "1");
    expect_measure(sum, "cancelled", "5");
    expect_measure(sum, "duplicate", "2");
    expect_measure(sum, "late", "1");
    free(sum);
    ck_assert_int_eq(count_files("e1", "out", "invites", ".ics"), 99);
    ck_assert(out_exists("e1", "out", "invites/R104.ics"));
    ck_assert(!out_exists("e1", "out", "invites/R108.ics"));
    ck_assert(!out_exists("e1", "out", "invites/R030.ics"));
}
END_TEST

/* ---- E2: the leeratelier ---- */

static const char *const E2_DTSTART[] = { "DTSTART:20261001T073000Z", "DTSTART:20261015T073000Z",
                                          "DTSTART:20261029T083000Z", "DTSTART:20261112T083000Z" };
static const char *const E2_DTEND[] = { "DTEND:20261001T143000Z", "DTEND:20261015T143000Z",
                                        "DTEND:20261029T153000Z", "DTEND:20261112T153000Z" };

/* the four VEVENTs of E2 in day order, each with its UID and times */
static void e2_four_days(const char *what, const char *ics)
{
    ck_assert_int_eq(count_of(ics, "BEGIN:VEVENT\r\n"), 4);
    const char *p = ics;
    for (int n = 1; n <= 4; n++) {
        const char *ev = strstr(p, "BEGIN:VEVENT\r\n");
        ck_assert_msg(ev != NULL, "%s: VEVENT %d missing", what, n);
        const char *end = strstr(ev, "END:VEVENT\r\n");
        ck_assert_msg(end != NULL, "%s: VEVENT %d not ended", what, n);
        char *one = strndup(ev, (size_t)(end - ev));
        char *uid = t_asprintf("\r\nUID:leeratelier-2026-%d@vdg.example.nl\r\n", n);
        char *start = t_asprintf("\r\n%s\r\n", E2_DTSTART[n - 1]);
        char *stop = t_asprintf("\r\n%s\r\n", E2_DTEND[n - 1]);
        char *u = unfold(one);
        char *summary = t_asprintf("\r\nSUMMARY:Leeratelier Regionaal samenwerken (dag %d van 4)\r\n",
                                   n);
        HAS(one, uid);
        HAS(one, start);
        HAS(one, stop);
        HAS(u, summary);
        free(summary);
        free(u);
        free(stop);
        free(start);
        free(uid);
        free(one);
        p = end;
    }
}

/* E2 as given: 13 registered, 2 cancelled, 11 < 12 on Thursday 17 September */
static void e2_no_go_outputs(const char *name, const char *out)
{
    char *dec = outf(name, out, "decision.txt");
    ck_assert_msg(dec != NULL, "decision.txt missing");
    HAS(dec, "NO-GO\n"
             "confirmed at the deadline: 11\n"
             "min_participants: 12\n"
             "deadline: 2026-09-17 23:59 (registration_close = -10wd)\n"
             "rule: GO when the confirmed registrations at the deadline number at least "
             "min_participants\n");
    ck_assert_msg(strncmp(dec, "NO-GO\n", 6) == 0, "decision.txt:\n%s", dec);
    free(dec);

    char *ics = outf(name, out, "cancel.ics");
    ics_well_formed("cancel.ics", ics);
    HAS(ics, "\r\nMETHOD:CANCEL\r\n");
    ck_assert_int_eq(count_of(ics, "\r\nSEQUENCE:1\r\n"), 4);
    ck_assert_int_eq(count_of(ics, "\r\nSTATUS:CANCELLED\r\n"), 4);
    HASNT(ics, "SEQUENCE:0");
    HASNT(ics, "STATUS:CONFIRMED");
    e2_four_days("cancel.ics", ics);
    char *u = unfold(ics);
    HAS(u, "mailto:m.oosting@assen.example.nl\r\n");
    HAS(u, "mailto:i.brink@assen.example.nl\r\n");
    HASNT(u, "k.wieringa@meppel.example.nl");
    HASNT(u, "l.steenbergen@noordenveld.example.nl");
    /* the 11 in each of the four VEVENTs (RFC 5546: a CANCEL names whom it
     * cancels for) */
    ck_assert_int_eq(count_of(u, "\r\nATTENDEE"), 44);
    free(u);
    free(ics);

    /* a cancellation letter for each of the 11 */
    static const char *const confirmed[] = { "L01", "L02", "L03", "L05", "L06", "L07",
                                             "L08", "L10", "L11", "L12", "L13", NULL };
    for (int i = 0; confirmed[i]; i++) {
        char *l = t_asprintf("letters/%s-afgelast.md", confirmed[i]);
        ck_assert_msg(out_exists(name, out, l), "%s missing", l);
        free(l);
    }
    ck_assert(!out_exists(name, out, "letters/L04-afgelast.md"));
    ck_assert(!out_exists(name, out, "letters/L09-afgelast.md"));

    char *text = outf(name, out, "participants.csv");
    csv_t c = csv_parse(text);
    for (int i = 0; confirmed[i]; i++) {
        expect_participant(&c, confirmed[i], "confirmed", "", "no");
    }
    expect_participant(&c, "L04", "cancelled", "", "no");
    expect_participant(&c, "L09", "cancelled", "", "no");
    csv_free(&c);
    free(text);
}

START_TEST(e2_no_go)
{
    stage("e2", "leeratelier");
    int rc = ev_run("e2", "out", "2026-09-18", NULL, NULL);
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, t_err);
    e2_no_go_outputs("e2", "out");
    /* the decision came after the deadline: no invitation is sent now */
    ck_assert_int_eq(count_files("e2", "out", "invites", ".ics"), 0);
    ck_assert(!out_exists("e2", "out", "outbox/reminders.csv"));
    char *s = outf("e2", "out", "summary.csv");
    expect_measure(s, "decision", "NO-GO");
    expect_measure(s, "confirmed", "11");
    expect_measure(s, "cancelled", "2");
    expect_measure(s, "late", "0");
    free(s);
    ics_parses("e2_no_go", "e2", "out", "cancel.ics", "CANCEL", 4);
}
END_TEST

/* L14 at 23:50 on the deadline day counts: 12, GO; L15 on 18 September is
 * late and changes nothing. */
START_TEST(e2_go_and_late)
{
    stage("e2", "leeratelier");
    append("e2", "registrations.csv",
           "L14,2026-09-17T23:50,Roos Kuipers,r.kuipers@emmen.example.nl,Gemeente Emmen,"
           "registered,\n"
           "L15,2026-09-18T09:05,Jolien Smit,j.smit@hoogeveen.example.nl,Gemeente Hoogeveen,"
           "registered,\n");
    int rc = ev_run("e2", "out", "2026-09-18", NULL, NULL);
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, t_err);
    char *dec = outf("e2", "out", "decision.txt");
    ck_assert_msg(dec != NULL, "decision.txt missing");
    HAS(dec, "GO\nconfirmed at the deadline: 12\nmin_participants: 12\n"
             "deadline: 2026-09-17 23:59 (registration_close = -10wd)\n");
    ck_assert_msg(strncmp(dec, "GO\n", 3) == 0, "decision.txt:\n%s", dec);
    free(dec);
    ck_assert(!out_exists("e2", "out", "cancel.ics"));
    char *text = outf("e2", "out", "participants.csv");
    csv_t c = csv_parse(text);
    ck_assert_int_eq(c.nrows, 16);
    expect_participant(&c, "L14", "confirmed", "", "no");
    expect_participant(&c, "L15", "late", "", "no");
    expect_participant(&c, "L04", "cancelled", "", "no");
    csv_free(&c);
    free(text);

    /* 12 invitations with the four days; none for the late one */
    ck_assert_int_eq(count_files("e2", "out", "invites", ".ics"), 12);
    ck_assert(!out_exists("e2", "out", "invites/L15.ics"));
    ck_assert(!out_exists("e2", "out", "invites/L04.ics"));
    char *ics = outf("e2", "out", "invites/L14.ics");
    ics_well_formed("invites/L14.ics", ics);
    HAS(ics, "\r\nMETHOD:REQUEST\r\n");
    ck_assert_int_eq(count_of(ics, "\r\nSEQUENCE:0\r\n"), 4);
    e2_four_days("invites/L14.ics", ics);
    char *u = unfold(ics);
    HAS(u, "\r\nORGANIZER;CN=VDG Leeratelier:mailto:leeratelier@vdg.example.nl\r\n");
    free(u);
    free(ics);
    ics = outf("e2", "out", "event.ics");
    ics_well_formed("event.ics", ics);
    e2_four_days("event.ics", ics);
    free(ics);

    char *rem = outf("e2", "out", "outbox/reminders.csv");
    ck_assert_msg(rem != NULL, "outbox/reminders.csv missing");
    HAS(rem, "L14,r.kuipers@emmen.example.nl,P7D,2026-09-24T09:30");
    HAS(rem, "L14,r.kuipers@emmen.example.nl,P1D,2026-09-30T09:30");
    HASNT(rem, "L15,");
    free(rem);
    char *s = outf("e2", "out", "summary.csv");
    expect_measure(s, "decision", "GO");
    expect_measure(s, "confirmed", "12");
    expect_measure(s, "late", "1");
    free(s);
    ics_parses("e2_go_and_late", "e2", "out", "invites/*.ics", "REQUEST", 4);
    ics_parses("e2_go_and_late", "e2", "out", "event.ics", "PUBLISH", 4);

    /* only the late one added: still NO-GO with 11 */
    stage("e2b", "leeratelier");
    append("e2b", "registrations.csv",
           "L15,2026-09-18T09:05,Jolien Smit,j.smit@hoogeveen.example.nl,Gemeente Hoogeveen,"
           "registered,\n");
    rc = ev_run("e2b", "out", "2026-09-18", NULL, NULL);
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, t_err);
    e2_no_go_outputs("e2b", "out");
    text = outf("e2b", "out", "participants.csv");
    c = csv_parse(text);
    expect_participant(&c, "L15", "late", "", "no");
    csv_free(&c);
    free(text);
    ck_assert(!out_exists("e2b", "out", "letters/L15-afgelast.md"));
}
END_TEST

/* ics_times = local: TZID=Europe/Amsterdam with a VTIMEZONE (CET/CEST,
 * last Sunday of March and October); the clock times stay 09:30-16:30 on
 * both sides of 25 October. */
START_TEST(e2_local_times)
{
    stage("e2", "leeratelier");
    edit("e2", "event.ini", "organizer_name =", "ics_times = local\norganizer_name =");
    append("e2", "registrations.csv",
           "L14,2026-09-17T23:50,Roos Kuipers,r.kuipers@emmen.example.nl,Gemeente Emmen,"
           "registered,\n");
    int rc = ev_run("e2", "out", "2026-09-18", NULL, NULL);
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, t_err);
    static const char *const files[] = { "event.ics", "invites/L01.ics", NULL };
    for (int f = 0; files[f]; f++) {
        char *ics = outf("e2", "out", files[f]);
        ics_well_formed(files[f], ics);
        char *u = unfold(ics);
        ck_assert_int_eq(count_of(u, "BEGIN:VTIMEZONE\r\n"), 1);
        HAS(u, "\r\nTZID:Europe/Amsterdam\r\n");
        HAS(u, "\r\nBEGIN:DAYLIGHT\r\n");
        HAS(u, "\r\nBEGIN:STANDARD\r\n");
        HAS(u, "\r\nTZOFFSETTO:+0200\r\n");
        HAS(u, "\r\nTZOFFSETTO:+0100\r\n");
        HAS(u, "BYMONTH=3");
        HAS(u, "BYMONTH=10");
        HAS(u, "BYDAY=-1SU");
        static const char *const days[] = { "20261001", "20261015", "20261029", "20261112", NULL };
        for (int d = 0; days[d]; d++) {
            char *st = t_asprintf("\r\nDTSTART;TZID=Europe/Amsterdam:%sT093000\r\n", days[d]);
            char *en = t_asprintf("\r\nDTEND;TZID=Europe/Amsterdam:%sT163000\r\n", days[d]);
            HAS(u, st);
            HAS(u, en);
            free(st);
            free(en);
        }
        HASNT(u, "T073000Z");
        HASNT(u, "T083000Z");
        free(u);
        free(ics);
    }
    ics_parses("e2_local_times", "e2", "out", "invites/*.ics", "REQUEST", 4);
    ics_parses("e2_local_times", "e2", "out", "event.ics", "PUBLISH", 4);
}
END_TEST

/* A run on 10 September waits for the deadline (exit 3); resumed on the
 * 17th it still waits (the decision is at 23:59 that day); resumed on the
 * 18th it decides. */
START_TEST(e2_waits_for_the_deadline)
{
    stage("e2", "leeratelier");
    int rc = ev_run("e2", "out", "2026-09-10", "t.db", NULL);
    ck_assert_msg(rc == 3, "exit %d, expected 3 (waiting):\n%s", rc, t_err);
    ck_assert(!out_exists("e2", "out", "decision.txt"));
    ck_assert(!out_exists("e2", "out", "cancel.ics"));
    const char *waiting[] = { "runs", "--waiting", "--db", "t.db", NULL };
    ck_assert_int_eq(ev_cmd("e2", waiting), 0);
    HAS(t_out, "timer");

    const char *early[] = { "resume", "--due", "--db", "t.db", "--today", "2026-09-17", NULL };
    rc = ev_cmd("e2", early);
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, t_err);
    ck_assert_msg(!out_exists("e2", "out", "decision.txt"),
                  "decided on 17 September, before 23:59 that day");

    const char *due[] = { "resume", "--due", "--db", "t.db", "--today", "2026-09-18", NULL };
    rc = ev_cmd("e2", due);
    ck_assert_msg(rc == 0, "exit %d:\n%s%s", rc, t_out, t_err);
    e2_no_go_outputs("e2", "out");
    ck_assert_int_eq(ev_cmd("e2", waiting), 0);
    HAS(t_out, "nothing is waiting");
    ics_parses("e2_waits_for_the_deadline", "e2", "out", "cancel.ics", "CANCEL", 4);
}
END_TEST

/* The invitations were sent (run before the deadline: SEQUENCE 0), then
 * updated with a new venue (SEQUENCE 1); the NO-GO after the deadline
 * cancels with SEQUENCE 2 (the invitations' + 1) and the same UIDs. */
START_TEST(e2_cancel_after_an_update)
{
    stage("e2", "leeratelier");
    int rc = ev_run("e2", "o1", "2026-09-17", "t.db", NULL);
    ck_assert_msg(rc == 3, "exit %d, expected 3 (waiting):\n%s", rc, t_err);
    char *ics = outf("e2", "o1", "invites/L01.ics");
    ck_assert_msg(ics != NULL, "the run before the deadline wrote no invites/L01.ics");
    ck_assert_int_eq(count_of(ics, "\r\nSEQUENCE:0\r\n"), 4);
    free(ics);
    ck_assert(!out_exists("e2", "o1", "invites/L04.ics"));

    edit("e2", "event.ini", "venue = Drents Archief", "venue = Provinciehuis");
    rc = ev_run("e2", "o2", "2026-09-17", "t.db", NULL);
    ck_assert_msg(rc == 3, "exit %d, expected 3 (waiting):\n%s", rc, t_err);
    ics = outf("e2", "o2", "invites/L01.ics");
    ck_assert_msg(ics != NULL, "invites/L01.ics missing");
    ck_assert_int_eq(count_of(ics, "\r\nSEQUENCE:1\r\n"), 4);
    HAS(ics, "\r\nLOCATION:Provinciehuis\\, Brink 4\\, Assen\r\n");
    free(ics);

    rc = ev_run("e2", "o3", "2026-09-18", "t.db", NULL);
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, t_err);
    ics = outf("e2", "o3", "cancel.ics");
    ics_well_formed("cancel.ics", ics);
    HAS(ics, "\r\nMETHOD:CANCEL\r\n");
    ck_assert_int_eq(count_of(ics, "\r\nSEQUENCE:2\r\n"), 4);
    ck_assert_int_eq(count_of(ics, "\r\nSTATUS:CANCELLED\r\n"), 4);
    e2_four_days("cancel.ics", ics);
    free(ics);
    ics_parses("e2_cancel_after_an_update", "e2", "o3", "cancel.ics", "CANCEL", 4);
}
END_TEST

/* ---- E3: the congress programme ---- */

START_TEST(e3_schedule)
{
    stage("e3", "congres");
    int rc = ev_run("e3", "out", "2026-11-10", NULL, E3_SETS);
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, t_err);
    char *s = outf("e3", "out", "schedule.csv");
    ck_assert_msg(s != NULL, "schedule.csv missing");
    t_strip_cr(s);
    ck_assert_str_eq(s, "session_id,slot_id,room_id,title,speakers,expected,start,end\n"
                        "P1,S1,Zaal1,Plenair: de regio in 2030,Jansen,150,2026-11-16T09:30,"
                        "2026-11-16T10:30\n"
                        "P5,S1,Zaal2,Energietransitie op wijkniveau,de Vries,75,2026-11-16T09:30,"
                        "2026-11-16T10:30\n"
                        "P4,S1,Zaal3,Data delen tussen gemeenten,Bakker,35,2026-11-16T09:30,"
                        "2026-11-16T10:30\n"
                        "P3,S2,Zaal1,Omgevingswet in de praktijk,Jansen,60,2026-11-16T11:00,"
                        "2026-11-16T12:00\n"
                        "P2,S2,Zaal2,Jeugdzorg samen inkopen,de Vries,70,2026-11-16T11:00,"
                        "2026-11-16T12:00\n"
                        "P6,S3,Zaal3,Inwoners betrekken,Smit,30,2026-11-16T13:30,"
                        "2026-11-16T14:30\n");
    free(s);

    /* max_per_org = 2: C04 waits for Emmen's seat, C06 (the same
     * organisation in other case, with a blank) stays on the waitlist */
    char *text = outf("e3", "out", "participants.csv");
    csv_t c = csv_parse(text);
    ck_assert_int_eq(c.nrows, 8);
    expect_participant(&c, "C01", "confirmed", "", "no");
    expect_participant(&c, "C02", "cancelled", "", "no");
    expect_participant(&c, "C03", "confirmed", "", "no");
    expect_participant(&c, "C04", "confirmed", "", "yes");
    expect_participant(&c, "C05", "confirmed", "", "no");
    expect_participant(&c, "C06", "waitlisted", "1", "no");
    expect_participant(&c, "C07", "confirmed", "", "no");
    csv_free(&c);
    free(text);
    char *dec = outf("e3", "out", "decision.txt");
    ck_assert_msg(dec != NULL, "decision.txt missing");
    HAS(dec, "GO\nconfirmed at the deadline: 5\nmin_participants: 0\n"
             "deadline: 2026-11-06 23:59 (registration_close = 2026-11-06)\n");
    free(dec);
    ck_assert_int_eq(count_files("e3", "out", "invites", ".ics"), 5);
    ck_assert(!out_exists("e3", "out", "invites/C06.ics"));
    ics_parses("e3_schedule", "e3", "out", "invites/*.ics", "REQUEST", 1);
}
END_TEST

/* The congress's registrations alone (no programme inputs: no scheduling):
 * max_per_org = 2, organisations compared trimmed and lower-cased, an
 * empty organisation never limited; the freed Emmen seat goes to the first
 * waitlisted Emmen registration. */
START_TEST(e3_max_per_org)
{
    stage("e3", "congres");
    int rc = ev_run("e3", "out", "2026-11-10", NULL, NULL);
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, t_err);
    ck_assert(!out_exists("e3", "out", "schedule.csv"));
    char *text = outf("e3", "out", "participants.csv");
    csv_t c = csv_parse(text);
    ck_assert_int_eq(c.nrows, 8);
    expect_participant(&c, "C01", "confirmed", "", "no");
    expect_participant(&c, "C02", "cancelled", "", "no");
    expect_participant(&c, "C03", "confirmed", "", "no");
    expect_participant(&c, "C04", "confirmed", "", "yes");
    expect_participant(&c, "C05", "confirmed", "", "no");
    expect_participant(&c, "C06", "waitlisted", "1", "no");
    expect_participant(&c, "C07", "confirmed", "", "no");
    ck_assert_str_eq(csv_get(&c, csv_row(&c, "C04"), "letters"), "wachtlijst;plaats");
    ck_assert_str_eq(csv_get(&c, csv_row(&c, "C06"), "letters"), "wachtlijst");
    csv_free(&c);
    free(text);

    /* without the cancellation C04 and C06 both wait (positions 1, 2),
     * though 195 seats are free */
    edit("e3", "registrations.csv", "Gemeente Emmen,cancelled,2026-10-01T09:00",
         "Gemeente Emmen,registered,");
    rc = ev_run("e3", "out2", "2026-11-10", NULL, NULL);
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, t_err);
    text = outf("e3", "out2", "participants.csv");
    c = csv_parse(text);
    expect_participant(&c, "C02", "confirmed", "", "no");
    expect_participant(&c, "C04", "waitlisted", "1", "no");
    expect_participant(&c, "C06", "waitlisted", "2", "no");
    expect_participant(&c, "C05", "confirmed", "", "no");
    csv_free(&c);
    free(text);

    /* the congress's calendar: 16 November is in winter time (UTC+1) */
    char *ics = outf("e3", "out", "event.ics");
    ics_well_formed("event.ics", ics);
    HAS(ics, "\r\nUID:congres-2026-1@vdg.example.nl\r\n");
    HAS(ics, "\r\nDTSTART:20261116T080000Z\r\n");
    HAS(ics, "\r\nDTEND:20261116T160000Z\r\n");
    HAS(ics, "\r\nLOCATION:MartiniPlaza\\, Leonard Springerlaan 2\\, Groningen\r\n");
    char *u = unfold(ics);
    HAS(u, "\r\nORGANIZER;CN=VDG Congresbureau:mailto:congres@vdg.example.nl\r\n");
    free(u);
    free(ics);
    ck_assert_int_eq(count_files("e3", "out", "invites", ".ics"), 5);
    ics_parses("e3_max_per_org", "e3", "out", "invites/*.ics", "REQUEST", 1);
    ics_parses("e3_max_per_org", "e3", "out", "event.ics", "PUBLISH", 1);
}
END_TEST

START_TEST(e3_variant_smit_twice)
{
    stage("e3", "congres");
    edit("e3", "sessions.csv", "P4,Data delen tussen gemeenten,Bakker,35",
         "P4,Data delen tussen gemeenten,Bakker;Smit,35");
    int rc = ev_run("e3", "out", "2026-11-10", NULL, E3_SETS);
    ck_assert_msg(rc == 2, "exit %d, expected 2:\n%s", rc, t_err);
    HAS(t_err, "sessions.csv:7: column session_id: found \"P6\", expected a session the programme can "
               "place (P6 cannot be placed: speaker Smit is only available in S3, where Smit already "
               "speaks in P4)");
    ck_assert_msg(out_empty("e3", "out"), "something was written to the output directory");
}
END_TEST

START_TEST(e3_session_larger_than_every_room)
{
    stage("e3", "congres");
    edit("e3", "sessions.csv", "Jansen,150", "Jansen,250");
    int rc = ev_run("e3", "out", "2026-11-10", NULL, E3_SETS);
    ck_assert_msg(rc == 2, "exit %d, expected 2:\n%s", rc, t_err);
    HAS(t_err, "sessions.csv:2: column expected: found \"250\", expected at most 200 (the largest "
               "room, Zaal1)");
    ck_assert_msg(out_empty("e3", "out"), "something was written to the output directory");
}
END_TEST

/* ---- input errors (§3.2): exit 2, FILE:LINE, nothing written ---- */

/* E1 with one edit of file: exit 2, each of the needles in stderr, nothing in out */
static void e1_error(const char *file, const char *from, const char *to, const char *const *needles)
{
    stage("e", "onderwijsdag");
    edit("e", file, from, to);
    int rc = ev_run("e", "out", "2024-04-05", NULL, E1_SETS);
    ck_assert_msg(rc == 2, "%s \"%s\": exit %d, expected 2:\n%s", file, to, rc, t_err);
    for (int i = 0; needles[i]; i++) {
        HAS(t_err, needles[i]);
    }
    ck_assert_msg(out_empty("e", "out"), "%s \"%s\": something was written to the output directory",
                  file, to);
}

START_TEST(error_end_before_start)
{
    const char *const n[] = { "event.ini:7:", "\"2024-04-03T13:30\"", NULL };
    e1_error("event.ini", "end = 2024-04-03T17:30", "end = 2024-04-03T13:30", n);
}
END_TEST

START_TEST(error_capacity_not_positive)
{
    const char *const n[] = { "event.ini:11:", "capacity", "\"0\"", NULL };
    e1_error("event.ini", "capacity = 100", "capacity = 0", n);
}
END_TEST

START_TEST(error_min_participants_over_capacity)
{
    const char *const n[] = { "event.ini:12:", "min_participants", "\"101\"", NULL };
    e1_error("event.ini", "min_participants = 0", "min_participants = 101", n);
}
END_TEST

START_TEST(error_deadline_after_start)
{
    const char *const n[] = { "event.ini:13:", "registration_close", "\"2024-04-05\"", NULL };
    e1_error("event.ini", "registration_close = -2wd", "registration_close = 2024-04-05", n);
}
END_TEST

START_TEST(error_promote_until_after_start)
{
    const char *const n[] = { "event.ini:14:", "promote_until", "\"2024-04-04\"", NULL };
    e1_error("event.ini", "organizer = mailto:", "promote_until = 2024-04-04\norganizer = mailto:",
             n);
}
END_TEST

START_TEST(error_date_not_iso_in_ini)
{
    const char *const n[] = { "event.ini:6:", "\"3-4-2024T14:30\"", NULL };
    e1_error("event.ini", "start = 2024-04-03T14:30", "start = 3-4-2024T14:30", n);
}
END_TEST

START_TEST(error_date_not_iso_in_registrations)
{
    const char *const n[] = { "registrations.csv:4: column registered_at: found \"3-4-2024\"",
                              NULL };
    e1_error("registrations.csv", "R003,2024-03-01T12:14", "R003,3-4-2024", n);
}
END_TEST

START_TEST(error_score_outside_scale)
{
    const char *const n[] = { "evaluations.csv:4: column score: found \"11\"", NULL };
    e1_error("evaluations.csv", "R004,9", "R004,11", n);
}
END_TEST

START_TEST(error_score_zero)
{
    const char *const n[] = { "evaluations.csv:2: column score: found \"0\"", NULL };
    e1_error("evaluations.csv", "R001,8", "R001,0", n);
}
END_TEST

/* the contract's further errors (event-contract: registrations.csv,
 * settings, the other inputs) */
START_TEST(error_unknown_key_did_you_mean)
{
    const char *const n[] = { "event.ini:11:", "capacty", "did you mean", "capacity", NULL };
    e1_error("event.ini", "capacity = 100", "capacty = 100", n);
}
END_TEST

START_TEST(error_cancelled_without_cancelled_at)
{
    const char *const n[] = { "registrations.csv:8:", NULL };
    e1_error("registrations.csv", "cancelled,2024-03-25T10:15", "cancelled,", n);
}
END_TEST

START_TEST(error_cancelled_before_registered)
{
    const char *const n[] = { "registrations.csv:51:", "\"2024-03-01T08:00\"", NULL };
    e1_error("registrations.csv", "cancelled,2024-03-26T16:40", "cancelled,2024-03-01T08:00", n);
}
END_TEST

START_TEST(error_email_without_at)
{
    const char *const n[] = { "registrations.csv:2: column email: found "
                              "\"d.bos.borger-odoorn.example.nl\"",
                              NULL };
    e1_error("registrations.csv", "d.bos@borger-odoorn", "d.bos.borger-odoorn", n);
}
END_TEST

START_TEST(error_reg_id_twice)
{
    const char *const n[] = { "registrations.csv:3: column reg_id: found \"R001\"", NULL };
    e1_error("registrations.csv", "R002,2024-03-01T10:51", "R001,2024-03-01T10:51", n);
}
END_TEST

START_TEST(error_attended_not_a_boolean)
{
    const char *const n[] = { "attendance.csv:3: column attended: found \"misschien\"", NULL };
    e1_error("attendance.csv", "R002,yes", "R002,misschien", n);
}
END_TEST

START_TEST(error_meeting_date_not_iso)
{
    const char *const n[] = { "meetings.csv:2: column date: found \"12-2-2026\"", NULL };
    e1_error("meetings.csv", "2026-02-12,Noord", "12-2-2026,Noord", n);
}
END_TEST

START_TEST(error_timezone_not_amsterdam)
{
    const char *const n[] = { "event.ini:8:", "\"Europe/London\"", NULL };
    e1_error("event.ini", "timezone = Europe/Amsterdam", "timezone = Europe/London", n);
}
END_TEST

/* days: the first must be the day of start, ascending */
START_TEST(error_days_not_from_start)
{
    stage("e", "leeratelier");
    edit("e", "event.ini", "days = 2026-10-01, 2026-10-15", "days = 2026-10-15, 2026-10-01");
    int rc = ev_run("e", "out", "2026-09-18", NULL, NULL);
    ck_assert_msg(rc == 2, "exit %d, expected 2:\n%s", rc, t_err);
    HAS(t_err, "event.ini:8:");
    ck_assert_msg(out_empty("e", "out"), "something was written to the output directory");
}
END_TEST

START_TEST(error_slot_ends_before_it_starts)
{
    stage("e", "congres");
    edit("e", "slots.csv", "S2,2026-11-16T11:00,2026-11-16T12:00",
         "S2,2026-11-16T11:00,2026-11-16T10:00");
    int rc = ev_run("e", "out", "2026-11-10", NULL, E3_SETS);
    ck_assert_msg(rc == 2, "exit %d, expected 2:\n%s", rc, t_err);
    HAS(t_err, "slots.csv:3: column end: found \"2026-11-16T10:00\"");
    ck_assert_msg(out_empty("e", "out"), "something was written to the output directory");
}
END_TEST

/* errors of two files come out together, in one run */
START_TEST(errors_of_two_files_together)
{
    stage("e", "onderwijsdag");
    edit("e", "registrations.csv", "R003,2024-03-01T12:14", "R003,3-4-2024");
    edit("e", "registrations.csv", "R020,2024-03-04T15:42", "R020,2024-3-4T15:42");
    edit("e", "evaluations.csv", "R002,7", "R002,12");
    int rc = ev_run("e", "out", "2024-04-05", NULL, E1_SETS);
    ck_assert_msg(rc == 2, "exit %d, expected 2:\n%s", rc, t_err);
    HAS(t_err, "registrations.csv:4: column registered_at: found \"3-4-2024\"");
    HAS(t_err, "registrations.csv:21: column registered_at: found \"2024-3-4T15:42\"");
    HAS(t_err, "evaluations.csv:3: column score: found \"12\"");
    ck_assert_msg(out_empty("e", "out"), "something was written to the output directory");
}
END_TEST

/* ---- running again with a longer registrations file ---- */

static const char *const LATER_ROWS =
    "R106,2024-03-28T10:05,Marieke Zwiers,m.zwiers@emmen.example.nl,Gemeente Emmen,registered,\n"
    "R107,2024-03-30T11:20,Klaas Brink,k.brink@assen.example.nl,Gemeente Assen,registered,\n";

START_TEST(rerun_keeps_statuses_and_sequences)
{
    stage("e1", "onderwijsdag");
    int rc = ev_run("e1", "o1", "2024-04-05", "t.db", E1_SETS);
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, t_err);
    e1_participants_exact("e1", "o1");

    /* R106 (28 March, before the deadline) joins the waitlist behind R104;
     * R107 (30 March, after it) is late */
    append("e1", "registrations.csv", LATER_ROWS);
    rc = ev_run("e1", "o2", "2024-04-05", "t.db", E1_SETS);
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, t_err);
    HAS(t_err, "invites.csv of run");
    char *text = outf("e1", "o2", "participants.csv");
    csv_t c = csv_parse(text);
    ck_assert_int_eq(c.nrows, 108);
    for (int i = 1; i <= 105; i++) {
        char id[8];
        snprintf(id, sizeof id, "R%03d", i);
        const char *status, *pos, *promoted;
        e1_expected(i, &status, &pos, &promoted);
        expect_participant(&c, id, status, pos, promoted);
    }
    expect_participant(&c, "R106", "waitlisted", "2", "no");
    expect_participant(&c, "R107", "late", "", "no");
    csv_free(&c);
    free(text);

    /* nothing changed for the 100 invitations: SEQUENCE stays 0 */
    char *inv1 = outf("e1", "o1", "invites.csv");
    char *inv2 = outf("e1", "o2", "invites.csv");
    ck_assert_msg(inv1 && inv2, "invites.csv missing");
    ck_assert_str_eq(inv2, inv1);
    HASNT(inv2, "R106");
    char *ics = outf("e1", "o2", "invites/R001.ics");
    ck_assert_msg(ics != NULL, "invites/R001.ics missing");
    HAS(ics, "\r\nSEQUENCE:0\r\n");
    free(ics);
    ics = outf("e1", "o2", "invites/R101.ics");
    ck_assert_msg(ics != NULL, "invites/R101.ics missing");
    HAS(ics, "\r\nSEQUENCE:0\r\n");
    free(ics);
    ck_assert(!out_exists("e1", "o2", "invites/R106.ics"));
    ck_assert(!out_exists("e1", "o2", "invites/R107.ics"));
    free(inv1);
    free(inv2);
}
END_TEST

/* The venue changes between two runs: every invitation changed, SEQUENCE 1;
 * a third run without a change keeps 1. */
START_TEST(rerun_changed_event_sequence_up)
{
    stage("e1", "onderwijsdag");
    int rc = ev_run("e1", "o1", "2024-04-05", "t.db", E1_SETS);
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, t_err);
    edit("e1", "event.ini", "zaal Magenta", "zaal Oranje");
    rc = ev_run("e1", "o2", "2024-04-05", "t.db", E1_SETS);
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, t_err);
    char *ics = outf("e1", "o2", "invites/R001.ics");
    ck_assert_msg(ics != NULL, "invites/R001.ics missing");
    HAS(ics, "\r\nLOCATION:De Bonte Wever\\, zaal Oranje\\, Stadsbroek 17\\, Assen\r\n");
    HAS(ics, "\r\nSEQUENCE:1\r\n");
    HAS(ics, "\r\nUID:onderwijsdag-2024-1@example.org\r\n");
    free(ics);
    char *inv = outf("e1", "o2", "invites.csv");
    csv_t c = csv_parse(inv);
    ck_assert_str_eq(csv_get(&c, csv_row(&c, "R001"), "sequence"), "1");
    ck_assert_str_eq(csv_get(&c, csv_row(&c, "R103"), "sequence"), "1");
    csv_free(&c);
    free(inv);

    rc = ev_run("e1", "o3", "2024-04-05", "t.db", E1_SETS);
    ck_assert_msg(rc == 0, "exit %d:\n%s", rc, t_err);
    ics = outf("e1", "o3", "invites/R001.ics");
    ck_assert_msg(ics != NULL, "invites/R001.ics missing");
    HAS(ics, "\r\nSEQUENCE:1\r\n");
    free(ics);
    char *inv2 = outf("e1", "o2", "invites.csv");
    char *inv3 = outf("e1", "o3", "invites.csv");
    ck_assert_str_eq(inv3, inv2);
    free(inv2);
    free(inv3);
}
END_TEST

Suite *suite_event(void);
Suite *suite_event(void)
{
    Suite *s = suite_create("event");
    TCase *tc = tcase_create("worked-examples");
    tcase_set_timeout(tc, 180);
    tcase_add_checked_fixture(tc, ev_setup, ev_teardown);
    tcase_add_test(tc, e1_participants);
    tcase_add_test(tc, e1_event_ics);
    tcase_add_test(tc, e1_invitations);
    tcase_add_test(tc, e1_good_friday);
    tcase_add_test(tc, e1_summary);
    tcase_add_test(tc, e1_rule_edges);
    tcase_add_test(tc, e2_no_go);
    tcase_add_test(tc, e2_go_and_late);
    tcase_add_test(tc, e2_waits_for_the_deadline);
    tcase_add_test(tc, e2_local_times);
    tcase_add_test(tc, e2_cancel_after_an_update);
    tcase_add_test(tc, e3_schedule);
    tcase_add_test(tc, e3_max_per_org);
    tcase_add_test(tc, e3_variant_smit_twice);
    tcase_add_test(tc, e3_session_larger_than_every_room);
    suite_add_tcase(s, tc);

    TCase *te = tcase_create("input-errors");
    tcase_set_timeout(te, 120);
    tcase_add_checked_fixture(te, ev_setup, ev_teardown);
    tcase_add_test(te, error_end_before_start);
    tcase_add_test(te, error_capacity_not_positive);
    tcase_add_test(te, error_min_participants_over_capacity);
    tcase_add_test(te, error_deadline_after_start);
    tcase_add_test(te, error_promote_until_after_start);
    tcase_add_test(te, error_date_not_iso_in_ini);
    tcase_add_test(te, error_date_not_iso_in_registrations);
    tcase_add_test(te, error_score_outside_scale);
    tcase_add_test(te, error_score_zero);
    tcase_add_test(te, error_unknown_key_did_you_mean);
    tcase_add_test(te, error_cancelled_without_cancelled_at);
    tcase_add_test(te, error_cancelled_before_registered);
    tcase_add_test(te, error_email_without_at);
    tcase_add_test(te, error_reg_id_twice);
    tcase_add_test(te, error_attended_not_a_boolean);
    tcase_add_test(te, error_meeting_date_not_iso);
    tcase_add_test(te, error_timezone_not_amsterdam);
    tcase_add_test(te, error_days_not_from_start);
    tcase_add_test(te, error_slot_ends_before_it_starts);
    tcase_add_test(te, errors_of_two_files_together);
    suite_add_tcase(s, te);

    TCase *tr = tcase_create("rerun");
    tcase_set_timeout(tr, 180);
    tcase_add_checked_fixture(tr, ev_setup, ev_teardown);
    tcase_add_test(tr, rerun_keeps_statuses_and_sequences);
    tcase_add_test(tr, rerun_changed_event_sequence_up);
    suite_add_tcase(s, tr);
    return s;
}
