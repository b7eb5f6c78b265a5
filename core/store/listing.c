/* listing.c - what the store holds, as tables and text for people: runs,
 * one run, its log, its verification, the open waits. */
#define _GNU_SOURCE
#include "store_db.h"

#include <errno.h>
#include <libintl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* For people (`regie runs`, `show`, `log`): times in the local zone (TZ,
 * which the CLI sets up) and headers in the user's language.  A bundle's
 * run.txt is written by the same code for machines: UTC and English, as
 * bundle_verify.c reads it. */
static __thread int for_people;

void rg_store_for_people(rg_store *store, int on)
{
    store->for_people = on;
}
#define N_(s) s
static const char *P_(const char *s)
{
    return for_people && *s ? dgettext("regie", s) : s;
}

/* A stored time (UTC, 2026-12-05T11:34:11Z) as the local time people read
 * (2026-12-05 12:34:11 CET); anything else (a date, a blank) as it is.
 * Caller frees. */
static char *people_time(const char *iso)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = iso && for_people ? strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (!end || (*end != 'Z' && *end != 0) || (*end && end[1])) {
        return iso ? rg_xstrdup(iso) : NULL;
    }
    time_t t = timegm(&tm);
    struct tm lt;
    char buf[64];
    if (!localtime_r(&t, &lt) || strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %Z", &lt) == 0) {
        return rg_xstrdup(iso);
    }
    return rg_xstrdup(buf);
}

typedef struct tbl {
    size_t ncols;
    char **cells;
    size_t n, cap; /* cells */
} tbl;

/* A cell as given ("" stays blank). */
static void tbl_add_raw(tbl *t, const char *s)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 64;
        t->cells = rg_xrealloc(t->cells, t->cap * sizeof *t->cells);
    }
    t->cells[t->n++] = rg_one_line(s);
}

/* A cell; empty or NULL shows as "-". */
static void tbl_add(tbl *t, const char *s)
{
    tbl_add_raw(t, s && *s ? s : "-");
}

static void tbl_init(tbl *t, size_t ncols, const char *const *head)
{
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    for (size_t i = 0; i < ncols; i++) {
        tbl_add(t, P_(head[i]));
    }
}

/* A cell holding a stored time. */
static void tbl_add_time(tbl *t, const char *iso)
{
    char *s = people_time(iso);
    tbl_add(t, s);
    free(s);
}

static size_t u8len(const char *s)
{
    size_t n = 0;
    for (; *s; s++) {
        n += ((unsigned char)*s & 0xc0) != 0x80;
    }
    return n;
}

static void tbl_print(tbl *t, FILE *out, const char *indent)
{
    size_t *w = rg_xcalloc(t->ncols, sizeof *w);
    for (size_t i = 0; i < t->n; i++) {
        size_t l = u8len(t->cells[i]);
        if (l > w[i % t->ncols]) {
            w[i % t->ncols] = l;
        }
    }
    for (size_t i = 0; i < t->n; i++) {
        size_t c = i % t->ncols;
        if (c == 0) {
            fputs(indent, out);
        }
        fputs(t->cells[i], out);
        if (c + 1 == t->ncols) {
            fputc('\n', out);
        } else {
            for (size_t k = u8len(t->cells[i]); k < w[c] + 2; k++) {
                fputc(' ', out);
            }
        }
    }
    free(w);
}

static void tbl_free(tbl *t)
{
    rg_strv_free(t->cells, t->n);
    memset(t, 0, sizeof *t);
}

int rg_store_list_runs(rg_store *store, const char *workflow_filter, const char *status_filter,
                       FILE *out, rg_errors *errs)
{
    LOCK(store);
    /* "running" and "interrupted": both recorded as running, told apart
     * by the lock */
    const char *want = status_filter && *status_filter ? status_filter : NULL;
    sqlite3_stmt *s = rg_db_prep(store, errs,
                                 "SELECT r.id, r.workflow, r.status, r.started, r.ended, r.user, "
                                 "l.run_id IS NOT NULL, l.pid, l.host, l.boot_id, l.proc_start, "
                                 "r.run_case "
                                 "FROM runs r LEFT JOIN locks l ON l.run_id = r.id WHERE "
                                 "(?1 IS NULL OR r.workflow = ?1) AND (?2 IS NULL OR r.status = ?2 "
                                 "OR (?2 = 'interrupted' AND r.status = 'running')) "
                                 "ORDER BY r.started, r.rowid",
                                 "ss", workflow_filter && *workflow_filter ? workflow_filter : NULL,
                                 want);
    if (!s) {
        UNLOCK(store);
        return -1;
    }
    static const char *const head[] = { N_("RUN"),     N_("CASE"),  N_("WORKFLOW"), N_("STATUS"),
                                        N_("STARTED"), N_("ENDED"), N_("USER") };
    for_people = store->for_people;
    tbl t;
    tbl_init(&t, 7, head);
    int r, count = 0;
    while ((r = rg_db_step(store, errs, s)) == 1) {
        const char *status = nz(rg_db_col_str(s, 2));
        int interrupted = 0;
        if (strcmp(status, "running") == 0) {
            interrupted = !sqlite3_column_int(s, 6) ||
                          rg_lock_stale(store, sqlite3_column_int64(s, 7), nz(rg_db_col_str(s, 8)),
                                        nz(rg_db_col_str(s, 9)), nz(rg_db_col_str(s, 10))) != NULL;
            if (want && (strcmp(want, "interrupted") == 0) != interrupted) {
                continue;
            }
        }
        for (int i = 0; i < 6; i++) {
            if (i == 3 || i == 4) {
                tbl_add_time(&t, rg_db_col_str(s, i));
            } else {
                tbl_add(&t, i == 2 && interrupted ? INTERRUPTED : rg_db_col_str(s, i));
            }
            if (i == 0) {
                tbl_add(&t, rg_db_col_str(s, 11));
            }
        }
        count++;
    }
    rg_db_done(store, s);
    if (r == 0) {
        if (count) {
            tbl_print(&t, out, "");
        } else {
            fprintf(out, P_("no runs%s%s%s%s in %s\n"), workflow_filter ? P_(" of workflow ") : "",
                    workflow_filter ? workflow_filter : "",
                    status_filter ? P_(" with status ") : "", status_filter ? status_filter : "",
                    store->path);
        }
    }
    tbl_free(&t);
    for_people = 0;
    UNLOCK(store);
    return r < 0 ? -1 : count;
}

static void print_kv(FILE *out, const char *k, const char *v)
{
    k = P_(k);
    /* padded by characters, not bytes */
    fprintf(out, "%s%*s%s\n", k, (int)(u8len(k) < 11 ? 11 - u8len(k) : 1), "", v && *v ? v : "-");
}

/* Run a query and print its rows as a table under a title; a line "none"
 * when empty.  0 or -1. */
static int print_query(rg_store *store, rg_errors *errs, FILE *out, const char *title, size_t ncols,
                       const char *const *head, const char *sql, const char *run_id,
                       unsigned times)
{
    sqlite3_stmt *s = rg_db_prep(store, errs, sql, "s", run_id);
    if (!s) {
        return -1;
    }
    tbl t;
    tbl_init(&t, ncols, head);
    int r, rows = 0;
    while ((r = rg_db_step(store, errs, s)) == 1) {
        for (size_t i = 0; i < ncols; i++) {
            if (times & (1u << i)) {
                tbl_add_time(&t, rg_db_col_str(s, (int)i));
            } else {
                tbl_add(&t, rg_db_col_str(s, (int)i));
            }
        }
        rows++;
    }
    rg_db_done(store, s);
    if (r == 0) {
        fprintf(out, "\n%s:%s\n", P_(title), rows ? "" : P_(" none"));
        if (rows) {
            tbl_print(&t, out, "  ");
        }
    }
    tbl_free(&t);
    return r < 0 ? -1 : 0;
}

/* The inputs taken from an earlier run (from_previous_run): their input
 * entries end ", from run RUN output RELPATH" (runs.c); listed only when
 * the run has one. */
static int print_inputs_from(rg_store *store, const char *run_id, FILE *out, rg_errors *errs)
{
    static const char *const head[] = { N_("INPUT"), N_("RUN"), N_("OUTPUT"), N_("ENTRY") };
    sqlite3_stmt *s = rg_db_prep(
        store, errs,
        "SELECT substr(detail, 1, instr(detail, ': ') - 1), "
        "substr(detail, instr(detail, ', from run ') + 11), seq FROM events "
        "WHERE run_id = ? AND what = 'input' AND instr(detail, ', from run ') > 0 ORDER BY seq",
        "s", run_id);
    if (!s) {
        return -1;
    }
    tbl t;
    tbl_init(&t, 4, head);
    int r, rows = 0;
    while ((r = rg_db_step(store, errs, s)) == 1) {
        const char *from = nz(rg_db_col_str(s, 1)), *o = strstr(from, " output ");
        char *id = o ? rg_xstrndup(from, (size_t)(o - from)) : rg_xstrdup(from);
        tbl_add(&t, rg_db_col_str(s, 0));
        tbl_add(&t, id);
        tbl_add(&t, o ? o + 8 : "");
        tbl_add(&t, rg_db_col_str(s, 2));
        free(id);
        rows++;
    }
    rg_db_done(store, s);
    if (r == 0 && rows) {
        fprintf(out, "\n%s:\n", P_("inputs from earlier runs"));
        tbl_print(&t, out, "  ");
    }
    tbl_free(&t);
    return r < 0 ? -1 : 0;
}

int rg_show_run(rg_store *store, const char *run_id, FILE *out, rg_errors *errs)
{
    rg_store_run r;
    if (rg_db_run_get(store, run_id, &r, errs) != 0) {
        return -1;
    }
    print_kv(out, N_("run"), r.id);
    sqlite3_stmt *cs = rg_db_prep(store, errs, "SELECT run_case FROM runs WHERE id = ?", "s", run_id);
    if (cs && rg_db_step(store, errs, cs) == 1 && rg_db_col_str(cs, 0)) {
        print_kv(out, N_("case"), rg_db_col_str(cs, 0));
    }
    rg_db_done(store, cs);
    char *wf = rg_xasprintf("%s (%s)", r.workflow, nz(r.workflow_path));
    print_kv(out, N_("workflow"), wf);
    free(wf);
    print_kv(out, N_("definition"), r.definition_hash && *r.definition_hash ? r.definition_hash : NULL);
    int interrupted = r.status && strcmp(r.status, "running") == 0 &&
                      rg_run_interrupted(store, run_id, errs) == 1;
    print_kv(out, N_("status"), interrupted ? INTERRUPTED : r.status);
    print_kv(out, N_("user"), r.user);
    char *started = people_time(r.started), *ended = people_time(r.ended);
    print_kv(out, N_("started"), started);
    print_kv(out, N_("ended"), ended);
    free(started);
    free(ended);
    print_kv(out, N_("out"), r.outdir);
    if (r.jobs > 0) {
        char jobs[24];
        snprintf(jobs, sizeof jobs, "%d", r.jobs);
        print_kv(out, N_("jobs"), jobs);
    }
    if (r.params && *r.params) {
        const char *p = r.params, *line;
        size_t l;
        for (int first = 1; next_line(&p, &line, &l); first = 0) {
            const char *k = first ? P_("params") : "";
            fprintf(out, "%s%*s%.*s\n", k, (int)(u8len(k) < 11 ? 11 - u8len(k) : 1), "", (int)l,
                    line);
        }
    } else {
        print_kv(out, N_("params"), NULL);
    }
    int rc = 0;
    /* lock */
    sqlite3_stmt *s = rg_db_prep(store, errs,
                                 "SELECT pid, host, boot_id, proc_start, since FROM locks WHERE "
                                 "run_id = ?",
                                 "s", run_id);
    if (!s) {
        rc = -1;
    } else {
        int q = rg_db_step(store, errs, s);
        if (q == 1) {
            int64_t pid = sqlite3_column_int64(s, 0);
            const char *why = rg_lock_stale(store, pid, nz(rg_db_col_str(s, 1)),
                                            nz(rg_db_col_str(s, 2)), nz(rg_db_col_str(s, 3)));
            char *since = people_time(nz(rg_db_col_str(s, 4)));
            char *l = rg_xasprintf("pid %lld on host %s since %s%s%s%s", (long long)pid,
                                   nz(rg_db_col_str(s, 1)), since, why ? " (stale: " : "",
                                   why ? why : "", why ? ")" : "");
            free(since);
            print_kv(out, N_("locked by"), l);
            free(l);
        } else if (q < 0) {
            rc = -1;
        }
        rg_db_done(store, s);
    }
    char *log = r.log_entries ? NULL : rg_xstrdup("no entries");
    if (!log) {
        sqlite3_stmt *h =
            rg_db_prep(store, errs, "SELECT log_head FROM runs WHERE id = ?", "s", run_id);
        if (h && rg_db_step(store, errs, h) == 1) {
            log = rg_xasprintf("%lld entries, head %s", (long long)r.log_entries,
                               nz(rg_db_col_str(h, 0)));
        }
        rg_db_done(store, h);
    }
    print_kv(out, N_("log"), log);
    free(log);

    /* the run's parts, each a table: title, column heads, query */
    static const struct {
        const char *title;
        const char *head[8]; /* the first NULL ends them */
        const char *sql;
        unsigned times; /* the columns holding times (bits) */
    } parts[] = {
        { N_("definition"), { N_("SHA256"), N_("FILE") },
          "SELECT coalesce(sha256, ''), CASE kind WHEN 'file' THEN path ELSE path "
          "|| ' (not a file)' END FROM definition_files WHERE run_id = ? ORDER BY rowid", 0 },
        { N_("inputs"), { N_("INPUT"), N_("BYTES"), N_("SHA256"), N_("PATH") },
          "SELECT name, size, sha256, path FROM inputs WHERE run_id = ? ORDER BY name", 0 },
        { N_("steps"),
          { N_("STEP"), N_("STATUS"), N_("ATTEMPTS"), N_("STARTED"), N_("ENDED"), N_("SECONDS"),
            N_("ERROR") },
          "SELECT step, status, attempts, started, ended, printf('%.3f', seconds), "
          "error FROM steps WHERE run_id = ? ORDER BY coalesce(started, ''), rowid",
          (1u << 3) | (1u << 4) },
        { N_("outputs"), { N_("STEP"), N_("SHA256"), N_("FILE") },
          "SELECT step, sha256, relpath FROM outputs WHERE run_id = ? ORDER BY step, relpath", 0 },
        { N_("earlier versions of outputs"),
          { N_("STEP"), N_("SHA256"), N_("FILE"), N_("REPLACED AT ENTRY") },
          "SELECT step, sha256, relpath, superseded_seq FROM output_versions "
          "WHERE run_id = ? ORDER BY superseded_seq, relpath", 0 },
        { N_("waits"),
          { N_("STEP"), N_("KIND"), N_("SINCE"), N_("DUE"), N_("NEEDED"), N_("RESOLVED BY"),
            N_("AT"), N_("NOTE") },
          "SELECT step, kind, since, due, what || CASE WHEN four_eyes IS NULL THEN "
          "'' ELSE ' (four eyes: not by ' || four_eyes || ')' END, CASE WHEN "
          "resolved_at IS NOT NULL AND resolved_by IS NULL THEN '(closed)' ELSE "
          "CASE WHEN rejected THEN '(rejected) ' ELSE '' END || resolved_by || coalesce(' (os user ' || resolved_os_user || ')', '') END, "
          "resolved_at, note FROM waits WHERE run_id = ? ORDER BY id",
          (1u << 2) | (1u << 3) | (1u << 6) },
    };
    for (size_t i = 0; rc == 0 && i < sizeof parts / sizeof parts[0]; i++) {
        size_t ncols = 0;
        while (ncols < 8 && parts[i].head[ncols]) {
            ncols++;
        }
        rc = print_query(store, errs, out, parts[i].title, ncols, parts[i].head, parts[i].sql,
                         run_id, parts[i].times);
        if (rc == 0 && i == 1) {
            rc = print_inputs_from(store, run_id, out, errs);
        }
    }
    rg_store_run_clear(&r);
    return rc;
}

int rg_store_show_run(rg_store *store, const char *run_id, FILE *out, rg_errors *errs)
{
    LOCK(store);
    for_people = store->for_people;
    int rc = rg_show_run(store, run_id, out, errs);
    for_people = 0;
    UNLOCK(store);
    return rc;
}

int rg_store_print_log(rg_store *store, const char *run_id, FILE *out, rg_errors *errs)
{
    LOCK(store);
    rg_event *v = NULL;
    size_t n = 0;
    int rc = rg_db_run_exists(store, run_id, errs) == 1 ? rg_audit_load(store, run_id, &v, &n, errs)
                                                        : -1;
    if (rc == 0) {
        static const char *const head[] = { N_("SEQ"),  N_("TIME"), N_("WHO"),
                                            N_("WHAT"), N_("HASH"), N_("DETAIL") };
        for_people = store->for_people;
        tbl t;
        tbl_init(&t, 6, head);
        for (size_t i = 0; i < n; i++) {
            char seq[24];
            snprintf(seq, sizeof seq, "%lld", (long long)v[i].seq);
            char *h = rg_short_hash(v[i].hash);
            tbl_add(&t, seq);
            tbl_add_time(&t, v[i].time);
            tbl_add(&t, v[i].who);
            tbl_add(&t, v[i].what);
            tbl_add(&t, h);
            tbl_add(&t, v[i].detail);
            free(h);
            /* one row per hashed file under the entry */
            const char *p = nz(v[i].hashes), *at;
            size_t l;
            while (next_line(&p, &at, &l)) {
                char *line = rg_xasprintf("  %.*s", (int)l, at);
                for (int k = 0; k < 5; k++) {
                    tbl_add_raw(&t, "");
                }
                tbl_add_raw(&t, line);
                free(line);
            }
        }
        tbl_print(&t, out, "");
        tbl_free(&t);
        for_people = 0;
    }
    rg_events_free(v, n);
    UNLOCK(store);
    return rc;
}

/* The run's recorded outputs against the files in its output directory:
 * each one changed or missing is printed; returns how many (-1 on error). */
static int verify_outputs(rg_store *store, const rg_store_run *r, FILE *out, size_t *nfiles,
                          rg_errors *errs)
{
    sqlite3_stmt *s =
        rg_db_prep(store, errs,
                   "SELECT step, relpath, sha256 FROM outputs WHERE run_id = ? ORDER BY "
                   "relpath",
                   "s", r->id);
    if (!s) {
        return -1;
    }
    int q, bad = 0;
    *nfiles = 0;
    while ((q = rg_db_step(store, errs, s)) == 1) {
        const char *step = rg_db_col_str(s, 0), *relpath = rg_db_col_str(s, 1),
                   *sha = rg_db_col_str(s, 2);
        char *rel = rg_clean_rel(relpath, 0);
        char *path = rel ? rg_xasprintf("%s/%s", nz(r->outdir), rel) : NULL;
        char hex[65];
        (*nfiles)++;
        if (!path) {
            fprintf(out, "run %s: output %s of step %s: not a path below the output directory\n",
                    r->id, nz(relpath), nz(step));
            bad++;
        } else if (rg_sha256_file(path, hex) != 0) {
            fprintf(out, "run %s: output %s of step %s (%s): %s\n", r->id, relpath, nz(step),
                    path, errno == ENOENT ? "missing" : strerror(errno));
            bad++;
        } else if (strcmp(hex, nz(sha)) != 0) {
            fprintf(out,
                    "run %s: output %s of step %s (%s): changed since the run (recorded sha256 "
                    "%s, now %s)\n",
                    r->id, relpath, nz(step), path, nz(sha), hex);
            bad++;
        }
        free(path);
        free(rel);
    }
    rg_db_done(store, s);
    return q < 0 ? -1 : bad;
}

/* ---- every table against the log ---- */

/* One disagreement: "run ID: table T, ROW: WHAT". */
static void disagree(FILE *out, const char *run_id, const char *table, const char *row,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void disagree(FILE *out, const char *run_id, const char *table, const char *row,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(out, "run %s: table %s, %s: ", run_id, table, row);
    vfprintf(out, fmt, ap);
    fputc('\n', out);
    va_end(ap);
}

static int same_str(const char *a, const char *b)
{
    return strcmp(nz(a), nz(b)) == 0;
}

static int check_runs_row(rg_store *store, const char *id, const rg_replay *rp, FILE *out,
                          rg_errors *errs)
{
    sqlite3_stmt *s = rg_db_prep(store, errs,
                                 "SELECT workflow, workflow_path, definition_hash, params, user, "
                                 "host, outdir, status FROM runs WHERE id = ?",
                                 "s", id);
    if (!s || rg_db_step(store, errs, s) != 1) {
        rg_db_done(store, s);
        return -1;
    }
    int bad = 0;
    const char *status = rg_db_col_str(s, 7), *dh = rg_db_col_str(s, 2);
    if (!rp->started) {
        disagree(out, id, "runs", "the run", "no run_started entry in the log records it");
        bad++;
    } else {
        /* "workflow W (PATH), user U[ (os user O)], host H, out DIR[, params: P]",
         * field by field (runs before the OS user was recorded lack it) */
        static const char *const name[] = { "workflow", "workflow file", "user", "host",
                                            "output directory" };
        static const char *const pre[] = { "workflow ", " (", "), user ", ", host ", ", out " };
        static const char *const post[] = { " (", "), user ", ", host ", ", out ", ", params: " };
        const int col[] = { 0, 1, 4, 5, 6 };
        const char *d = nz(rp->started->detail), *params = nz(rg_db_col_str(s, 3));
        for (int f = 0; f < 5 && !bad; f++) {
            const char *row = nz(rg_db_col_str(s, col[f]));
            size_t pl = strlen(pre[f]), rl = strlen(row);
            int ok = strncmp(d, pre[f], pl) == 0 && strncmp(d + pl, row, rl) == 0;
            size_t extra = 0; /* " (os user O)" after the user */
            if (ok && f == 2 && strncmp(d + pl + rl, " (os user ", 10) == 0) {
                const char *close = strstr(d + pl + rl + 10, "), host ");
                extra = close ? (size_t)(close + 1 - (d + pl + rl)) : 0;
            }
            ok = ok && (f < 4 ? strncmp(d + pl + rl + extra, post[f], strlen(post[f])) == 0
                              : (!d[pl + rl] || !strncmp(d + pl + rl, post[f], strlen(post[f]))));
            if (!ok) {
                const char *v = strncmp(d, pre[f], pl) == 0 ? d + pl : d;
                const char *e = strstr(v, post[f]);
                char *said = e ? rg_xstrndup(v, (size_t)(e - v)) : rg_one_line(v);
                disagree(out, id, "runs", name[f],
                         "entry %lld (run_started) says \"%s\", the table says \"%s\"",
                         (long long)rp->started->seq, said, row);
                free(said);
                bad++;
            }
            d += pl + rl + extra;
        }
        /* params given later (resume --set) are appended to the row */
        if (!bad && *d && strncmp(params, d + 10, strlen(d + 10)) != 0) {
            char *said = rg_one_line(d + 10), *row = rg_one_line(params);
            disagree(out, id, "runs", "params",
                     "entry %lld (run_started) says \"%s\", the table says \"%s\"",
                     (long long)rp->started->seq, said, row);
            free(said);
            free(row);
            bad++;
        }
    }
    if (rp->status && !same_str(status, rp->status)) {
        disagree(out, id, "runs", "status",
                 "entry %lld says \"%s\", the table says \"%s\"", (long long)rp->status_seq,
                 rp->status, nz(status));
        bad++;
    }
    if (rp->def_hash && !same_str(dh, rp->def_hash)) {
        disagree(out, id, "runs", "definition hash",
                 "entry %lld says %s, the table says %s", (long long)rp->def_seq, rp->def_hash,
                 *nz(dh) ? dh : "none");
        bad++;
    }
    rg_db_done(store, s);
    return bad;
}

static int check_definition(rg_store *store, const char *id, const rg_replay *rp, FILE *out,
                            rg_errors *errs)
{
    sqlite3_stmt *s = rg_db_prep(store, errs,
                                 "SELECT path, kind, sha256 FROM definition_files WHERE run_id = "
                                 "? ORDER BY rowid",
                                 "s", id);
    if (!s) {
        return -1;
    }
    int q, bad = 0;
    char *seen = rg_xcalloc(rp->ndefs + 1, 1);
    while ((q = rg_db_step(store, errs, s)) == 1) {
        const char *path = rg_db_col_str(s, 0), *kind = rg_db_col_str(s, 1),
                   *sha = rg_db_col_str(s, 2);
        char *row = rg_xasprintf("%s %s", same_str(kind, "file") ? "file" : "item", nz(path));
        size_t k = 0;
        while (k < rp->ndefs && !same_str(rp->defs[k].path, path)) {
            k++;
        }
        if (k == rp->ndefs) {
            disagree(out, id, "definition_files", row, "no log entry records it");
            bad++;
        } else {
            const rg_replay_def *d = &rp->defs[k];
            seen[k] = 1;
            if (d->file != same_str(kind, "file")) {
                disagree(out, id, "definition_files", row, "entry %lld records it as a %s",
                         (long long)d->seq, d->file ? "file" : "item");
                bad++;
            } else if (!same_str(d->sha, sha)) {
                disagree(out, id, "definition_files", row,
                         "entry %lld records sha256 %s, the table says %s", (long long)d->seq,
                         d->sha ? d->sha : "none", sha ? sha : "none");
                bad++;
            }
        }
        free(row);
    }
    rg_db_done(store, s);
    for (size_t k = 0; q == 0 && k < rp->ndefs; k++) {
        if (!seen[k]) {
            char *row = rg_xasprintf("%s %s", rp->defs[k].file ? "file" : "item",
                                     rp->defs[k].path);
            disagree(out, id, "definition_files", row,
                     "recorded by entry %lld, but the table has no row for it",
                     (long long)rp->defs[k].seq);
            free(row);
            bad++;
        }
    }
    free(seen);
    return q < 0 ? -1 : bad;
}

static int check_inputs(rg_store *store, const char *id, const rg_replay *rp, FILE *out,
                        rg_errors *errs)
{
    sqlite3_stmt *s = rg_db_prep(store, errs,
                                 "SELECT name, path, size, sha256 FROM inputs WHERE run_id = ? "
                                 "ORDER BY name",
                                 "s", id);
    if (!s) {
        return -1;
    }
    int q, bad = 0;
    char *seen = rg_xcalloc(rp->ninputs + 1, 1);
    while ((q = rg_db_step(store, errs, s)) == 1) {
        const char *name = rg_db_col_str(s, 0), *path = rg_db_col_str(s, 1),
                   *sha = rg_db_col_str(s, 3);
        int64_t size = sqlite3_column_int64(s, 2);
        char *row = rg_xasprintf("input %s", nz(name));
        size_t k = 0;
        while (k < rp->ninputs && !same_str(rp->inputs[k].name, name)) {
            k++;
        }
        if (k == rp->ninputs) {
            disagree(out, id, "inputs", row, "no log entry records it");
            bad++;
        } else {
            const rg_replay_input *in = &rp->inputs[k];
            seen[k] = 1;
            if (!same_str(in->sha, sha)) {
                disagree(out, id, "inputs", row,
                         "entry %lld records sha256 %s, the table says %s", (long long)in->seq,
                         in->sha, nz(sha));
                bad++;
            } else if (*in->path && !same_str(in->path, path)) {
                disagree(out, id, "inputs", row, "entry %lld records path %s, the table says %s",
                         (long long)in->seq, in->path, nz(path));
                bad++;
            } else if (in->size >= 0 && in->size != size) {
                disagree(out, id, "inputs", row,
                         "entry %lld records %lld bytes, the table says %lld", (long long)in->seq,
                         (long long)in->size, (long long)size);
                bad++;
            }
        }
        free(row);
    }
    rg_db_done(store, s);
    for (size_t k = 0; q == 0 && k < rp->ninputs; k++) {
        if (!seen[k]) {
            char *row = rg_xasprintf("input %s", rp->inputs[k].name);
            disagree(out, id, "inputs", row,
                     "recorded by entry %lld, but the table has no row for it",
                     (long long)rp->inputs[k].seq);
            free(row);
            bad++;
        }
    }
    free(seen);
    return q < 0 ? -1 : bad;
}

static int check_steps(rg_store *store, const char *id, const rg_replay *rp, FILE *out,
                       rg_errors *errs)
{
    sqlite3_stmt *s = rg_db_prep(store, errs,
                                 "SELECT step, status, attempts, error FROM steps WHERE run_id = "
                                 "? ORDER BY step",
                                 "s", id);
    if (!s) {
        return -1;
    }
    int q, bad = 0;
    char *seen = rg_xcalloc(rp->nsteps + 1, 1);
    while ((q = rg_db_step(store, errs, s)) == 1) {
        const char *step = rg_db_col_str(s, 0), *status = rg_db_col_str(s, 1);
        int attempts = sqlite3_column_int(s, 2);
        const char *err = rg_db_col_str(s, 3);
        char *row = rg_xasprintf("step %s", nz(step));
        size_t k = 0;
        while (k < rp->nsteps && !same_str(rp->steps[k].name, step)) {
            k++;
        }
        if (k == rp->nsteps) {
            disagree(out, id, "steps", row, "no log entry records it");
            bad++;
        } else {
            const rg_replay_step *st = &rp->steps[k];
            char *e1 = err && *err ? rg_one_line(err) : NULL;
            seen[k] = 1;
            if (!same_str(st->status, status)) {
                disagree(out, id, "steps", row,
                         "entry %lld says status \"%s\", the table says \"%s\"",
                         (long long)st->seq, st->status, nz(status));
                bad++;
            } else if (st->attempts != attempts) {
                disagree(out, id, "steps", row,
                         "entry %lld says %d attempt%s, the table says %d", (long long)st->seq,
                         st->attempts, st->attempts == 1 ? "" : "s", attempts);
                bad++;
            } else if (!same_str(st->error, e1)) {
                disagree(out, id, "steps", row, "entry %lld says error \"%s\", the table says "
                                                "\"%s\"",
                         (long long)st->seq, st->error ? st->error : "", e1 ? e1 : "");
                bad++;
            }
            free(e1);
        }
        free(row);
    }
    rg_db_done(store, s);
    for (size_t k = 0; q == 0 && k < rp->nsteps; k++) {
        if (!seen[k]) {
            char *row = rg_xasprintf("step %s", rp->steps[k].name);
            disagree(out, id, "steps", row,
                     "recorded by entry %lld, but the table has no row for it",
                     (long long)rp->steps[k].seq);
            free(row);
            bad++;
        }
    }
    free(seen);
    return q < 0 ? -1 : bad;
}

/* outputs, or output_versions (versions: the entry that replaced it). */
static int check_outputs(rg_store *store, const char *id, const rg_replay *rp, int versions,
                         FILE *out, rg_errors *errs)
{
    const char *table = versions ? "output_versions" : "outputs";
    sqlite3_stmt *s =
        versions ? rg_db_prep(store, errs,
                              "SELECT step, relpath, sha256, superseded_seq FROM output_versions "
                              "WHERE run_id = ? ORDER BY superseded_seq, relpath",
                              "s", id)
                 : rg_db_prep(store, errs,
                              "SELECT step, relpath, sha256, 0 FROM outputs WHERE run_id = ? "
                              "ORDER BY relpath",
                              "s", id);
    if (!s) {
        return -1;
    }
    const rg_replay_out *v = versions ? rp->versions : rp->outputs;
    size_t n = versions ? rp->nversions : rp->noutputs;
    int q, bad = 0;
    char *seen = rg_xcalloc(n + 1, 1);
    while ((q = rg_db_step(store, errs, s)) == 1) {
        const char *step = rg_db_col_str(s, 0), *rel = rg_db_col_str(s, 1),
                   *sha = rg_db_col_str(s, 2);
        int64_t seq = sqlite3_column_int64(s, 3);
        char *row = rg_xasprintf("output %s of step %s", nz(rel), nz(step));
        size_t k = 0;
        while (k < n && !(same_str(v[k].relpath, rel) &&
                          (!versions || same_str(v[k].sha, sha)))) {
            k++;
        }
        if (k == n) {
            if (versions) {
                disagree(out, id, table, row,
                         "sha256 %s, replaced at entry %lld: no log entry records it", nz(sha),
                         (long long)seq);
            } else {
                disagree(out, id, table, row, "sha256 %s: no log entry records it", nz(sha));
            }
            bad++;
        } else {
            seen[k] = 1;
            if (!same_str(v[k].step, step)) {
                disagree(out, id, table, row, "entry %lld records it for step %s",
                         (long long)v[k].seq, v[k].step);
                bad++;
            } else if (!same_str(v[k].sha, sha)) {
                disagree(out, id, table, row,
                         "entry %lld records sha256 %s, the table says %s", (long long)v[k].seq,
                         v[k].sha, nz(sha));
                bad++;
            } else if (versions && v[k].seq != seq) {
                disagree(out, id, table, row,
                         "replaced at entry %lld by the log, the table says entry %lld",
                         (long long)v[k].seq, (long long)seq);
                bad++;
            }
        }
        free(row);
    }
    rg_db_done(store, s);
    for (size_t k = 0; q == 0 && k < n; k++) {
        if (!seen[k]) {
            char *row = rg_xasprintf("output %s of step %s", v[k].relpath, v[k].step);
            disagree(out, id, table, row,
                     "sha256 %s, %s entry %lld, but the table has no row for it", v[k].sha,
                     versions ? "replaced at" : "recorded by", (long long)v[k].seq);
            free(row);
            bad++;
        }
    }
    free(seen);
    return q < 0 ? -1 : bad;
}

static int check_waits(rg_store *store, const char *id, const rg_replay *rp, FILE *out,
                       rg_errors *errs)
{
    sqlite3_stmt *s = rg_db_prep(store, errs,
                                 "SELECT step, kind, what, due, four_eyes, resolved_by, "
                                 "resolved_at, note, rejected FROM waits WHERE run_id = ? "
                                 "ORDER BY id",
                                 "s", id);
    if (!s) {
        return -1;
    }
    int q, bad = 0;
    size_t k = 0;
    while ((q = rg_db_step(store, errs, s)) == 1) {
        const char *step = rg_db_col_str(s, 0), *kind = rg_db_col_str(s, 1),
                   *what = rg_db_col_str(s, 2), *due = rg_db_col_str(s, 3),
                   *fe = rg_db_col_str(s, 4), *by = rg_db_col_str(s, 5),
                   *at = rg_db_col_str(s, 6), *note = rg_db_col_str(s, 7);
        int rejected = sqlite3_column_int(s, 8);
        char *row = rg_xasprintf("wait %zu (step %s)", k + 1, nz(step));
        char *want = rg_xasprintf("step %s waits for %s: %s%s%s%s%s", nz(step), nz(kind), nz(what),
                                  due ? ", due " : "", nz(due), fe ? ", four eyes: not by " : "",
                                  nz(fe));
        if (k == rp->nwaits) {
            disagree(out, id, "waits", row, "\"%s\": no log entry records it", want);
            bad++;
        } else {
            const rg_replay_wait *w = &rp->waits[k];
            if (!same_str(w->detail, want)) {
                disagree(out, id, "waits", row, "entry %lld says \"%s\", the table says \"%s\"",
                         (long long)w->seq, w->detail, want);
                bad++;
            } else if (!at && w->res) {
                disagree(out, id, "waits", row,
                         "entry %lld (%s) resolved it, the table says it is open",
                         (long long)w->res->seq, w->res->what);
                bad++;
            } else if (at && !w->res) {
                disagree(out, id, "waits", row,
                         "no log entry resolves it, the table says it was %s at %s",
                         by ? "resolved" : "closed", at);
                bad++;
            } else if (at) {
                char *n1 = note && *note ? rg_one_line(note) : NULL;
                /* "step S: KIND (WHAT) resolved by WHO[...][: NOTE]" (tasks.c) */
                char *res = by ? rg_xasprintf("step %s: %s (%s) %s by %s", nz(step), nz(kind),
                                              nz(what), rejected ? "rejected" : "resolved", by)
                               : rg_xasprintf("step %s: %s (%s) closed without an answer: %s",
                                              nz(step), nz(kind), nz(what), n1 ? n1 : "");
                const char *rd = nz(w->res->detail);
                size_t rl = strlen(res), dl = strlen(rd), nl = n1 ? strlen(n1) : 0;
                /* an input given on resume: its input_given entry (with
                 * the file's hash) resolved the wait; who must agree */
                int given = by && !strcmp(nz(w->res->what), "input_given") &&
                            *nz(w->res->hashes);
                int same = given ? 1
                           : by ? strncmp(rd, res, rl) == 0 &&
                                    (!n1 ? !strstr(rd + rl, ": ")
                                         : (dl >= rl + nl + 2 && !strcmp(rd + dl - nl, n1) &&
                                             !strncmp(rd + dl - nl - 2, ": ", 2)))
                              : strcmp(rd, res) == 0;
                /* a rejection is its own entry, and only a rejection's */
                if (same && by && !given &&
                    (!strcmp(nz(w->res->what), "rejected") != !!rejected)) {
                    same = 0;
                }
                if (!same || (by && !same_str(w->res->who, by))) {
                    char *full = n1 && by ? rg_xasprintf("%s: %s", res, n1) : NULL;
                    free(full ? res : NULL);
                    res = full ? full : res;
                    disagree(out, id, "waits", row,
                             "entry %lld (%s by %s) says \"%s\", the table says \"%s\"",
                             (long long)w->res->seq, w->res->what, w->res->who, w->res->detail,
                             res);
                    bad++;
                }
                free(res);
                free(n1);
            }
        }
        free(want);
        free(row);
        k++;
    }
    rg_db_done(store, s);
    for (; q == 0 && k < rp->nwaits; k++) {
        char *row = rg_xasprintf("wait %zu (step %s)", k + 1, rp->waits[k].step);
        disagree(out, id, "waits", row, "entry %lld says \"%s\", but the table has no row for it",
                 (long long)rp->waits[k].seq, rp->waits[k].detail);
        free(row);
        bad++;
    }
    return q < 0 ? -1 : bad;
}

/* Each table's rows against the log replayed: how many disagree, or -1. */
static int verify_tables(rg_store *store, const char *id, const rg_event *v, size_t n, FILE *out,
                         rg_errors *errs)
{
    rg_replay rp;
    rg_replay_build(&rp, v, n);
    int total = 0, r;
    int (*const checks[])(rg_store *, const char *, const rg_replay *, FILE *, rg_errors *) = {
        check_runs_row, check_definition, check_inputs, check_steps, check_waits, NULL
    };
    for (size_t i = 0; checks[i] && total >= 0; i++) {
        r = checks[i](store, id, &rp, out, errs);
        total = r < 0 ? -1 : total + r;
    }
    for (int versions = 0; versions < 2 && total >= 0; versions++) {
        r = check_outputs(store, id, &rp, versions, out, errs);
        total = r < 0 ? -1 : total + r;
    }
    rg_replay_free(&rp);
    return total;
}

int rg_store_verify(rg_store *store, const char *run_id, FILE *out, rg_errors *errs)
{
    LOCK(store);
    rg_store_run r;
    rg_event *v = NULL;
    size_t n = 0;
    int rc = RG_VERIFY_ERROR;
    if (rg_db_run_get(store, run_id, &r, errs) == 0) {
        char *head = NULL;
        sqlite3_stmt *s =
            rg_db_prep(store, errs, "SELECT log_head FROM runs WHERE id = ?", "s", run_id);
        if (s && rg_db_step(store, errs, s) == 1) {
            head = rg_db_col_dup(s, 0);
        }
        rg_db_done(store, s);
        if (head && rg_audit_load(store, run_id, &v, &n, errs) == 0) {
            char *msg = NULL;
            long line = 0;
            if (rg_audit_chain_check(run_id, v, n, r.log_entries, *head ? head : NULL, &msg,
                                     &line) == 0) {
                fprintf(out, "run %s: %zu log entries, chain intact, head %s\n", run_id, n,
                        n ? v[n - 1].hash : "-");
                rc = RG_VERIFY_OK;
            } else {
                fprintf(out, "run %s: %s\n", run_id, msg);
                rc = RG_VERIFY_BROKEN;
            }
            free(msg);
            /* the tables say what the log says */
            int nt = verify_tables(store, run_id, v, n, out, errs);
            if (nt < 0) {
                rc = RG_VERIFY_ERROR;
            } else if (nt > 0) {
                fprintf(out, "run %s: %d row%s of its tables disagree%s with the log\n", run_id, nt,
                        nt == 1 ? "" : "s", nt == 1 ? "s" : "");
                rc = rc == RG_VERIFY_OK ? RG_VERIFY_BROKEN : rc;
            } else {
                fprintf(out, "run %s: its tables (runs, definition_files, inputs, steps, outputs, "
                             "output_versions, waits) agree with the log\n",
                        run_id);
            }
            /* each input's content kept in the store has its recorded hash */
            size_t nkept = 0, nnone = 0;
            int badc = rg_content_verify(store, run_id, out, &nkept, &nnone, errs);
            if (badc < 0) {
                rc = RG_VERIFY_ERROR;
            } else if (badc > 0) {
                fprintf(out, "run %s: %d of %zu input contents kept in the store differ from "
                             "their recorded hashes\n",
                        run_id, badc, nkept);
                rc = rc == RG_VERIFY_OK ? RG_VERIFY_BROKEN : rc;
            } else if (nkept > 0) {
                fprintf(out, "run %s: %zu input content%s kept in the store match%s %s hash%s\n",
                        run_id, nkept, nkept == 1 ? "" : "s", nkept == 1 ? "es" : "",
                        nkept == 1 ? "its" : "their", nkept == 1 ? "" : "es");
            }
            if (badc >= 0 && nnone > 0) {
                fprintf(out, "run %s: %zu input%s without content kept in the store (recorded by "
                             "a regie before schema version 4, or larger than 1 GB): checked by "
                             "hash only\n",
                        run_id, nnone, nnone == 1 ? "" : "s");
            }
            /* the chain vouches for the hashes; the files must still have them */
            size_t nfiles = 0;
            int bad = verify_outputs(store, &r, out, &nfiles, errs);
            if (bad < 0) {
                rc = RG_VERIFY_ERROR;
            } else if (bad > 0) {
                fprintf(out, "run %s: %d of %zu recorded output%s changed or missing in %s\n",
                        run_id, bad, nfiles, nfiles == 1 ? "" : "s", nz(r.outdir));
                rc = RG_VERIFY_BROKEN;
            } else if (nfiles > 0) {
                fprintf(out, "run %s: %zu recorded output%s unchanged in %s\n", run_id, nfiles,
                        nfiles == 1 ? "" : "s", nz(r.outdir));
            }
        }
        free(head);
        rg_store_run_clear(&r);
    }
    rg_events_free(v, n);
    UNLOCK(store);
    return rc;
}

int rg_store_wait_list(rg_store *store, FILE *out, rg_errors *errs)
{
    LOCK(store);
    sqlite3_stmt *s = rg_db_prep(store, errs, WAIT_COLS "ORDER BY w.since, w.id", NULL);
    if (!s) {
        UNLOCK(store);
        return -1;
    }
    static const char *const head[] = { N_("RUN"),   N_("WORKFLOW"), N_("STEP"),  N_("KIND"),
                                        N_("SINCE"), N_("DUE"),      N_("NEEDED") };
    for_people = store->for_people;
    tbl t;
    tbl_init(&t, 7, head);
    int r, count = 0;
    while ((r = rg_db_step(store, errs, s)) == 1) {
        tbl_add(&t, rg_db_col_str(s, 0));
        tbl_add(&t, rg_db_col_str(s, 1));
        tbl_add(&t, rg_db_col_str(s, 2));
        tbl_add(&t, rg_db_col_str(s, 3));
        tbl_add_time(&t, rg_db_col_str(s, 5));
        tbl_add_time(&t, rg_db_col_str(s, 6));
        const char *fe = rg_db_col_str(s, 7);
        char *needed = fe ? rg_xasprintf("%s (four eyes: not by %s)", nz(rg_db_col_str(s, 4)), fe)
                          : rg_xstrdup(nz(rg_db_col_str(s, 4)));
        tbl_add(&t, needed);
        free(needed);
        count++;
    }
    rg_db_done(store, s);
    if (r == 0) {
        if (count) {
            tbl_print(&t, out, "");
        } else {
            fprintf(out, P_("nothing is waiting for a person or a date in %s\n"), store->path);
        }
    }
    tbl_free(&t);
    for_people = 0;
    UNLOCK(store);
    return r < 0 ? -1 : count;
}
