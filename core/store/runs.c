/* runs.c - runs and steps in the run store: begin, definition, inputs,
 * step results, resume inputs, end, and what is recorded of them. */
#define _GNU_SOURCE
#include "store_db.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void new_run_id(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    unsigned char rnd[2];
    if (getrandom(rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd) {
        unsigned v = (unsigned)getpid() * 2654435761u ^ (unsigned)clock();
        rnd[0] = (unsigned char)v;
        rnd[1] = (unsigned char)(v >> 8);
    }
    char date[20];
    strftime(date, sizeof date, "%Y%m%d-%H%M%S", &tm);
    snprintf(out, 32, "%s-%02x%02x", date, rnd[0], rnd[1]);
}

int rg_store_run_begin(rg_store *store, const char *workflow, const char *workflow_path,
                       const char *definition_hash, const char *params_text, const char *user,
                       const char *outdir, char **run_id, rg_errors *errs)
{
    if (!workflow || !*workflow) {
        rg_err_add(errs, NULL, 0, "%s: a run needs a workflow name", store->path);
        return -1;
    }
    LOCK(store);
    const char *u = user && *user ? user : store->actor;
    int rc = -1;
    for (int tries = 0; tries < 20; tries++) {
        char id[32], t[32];
        new_run_id(id);
        rg_now_iso(t);
        if (rg_db_begin(store, errs) != 0) {
            break;
        }
        sqlite3_stmt *s = rg_db_prep(store, errs, "SELECT 1 FROM runs WHERE id = ?", "s", id);
        int r = s ? rg_db_step(store, errs, s) : -1;
        rg_db_done(store, s);
        if (r == 1) {
            rg_db_rollback(store); /* taken this second: draw again */
            continue;
        }
        rc = r < 0 ? -1 : 0;
        if (rc == 0) {
            rc = rg_db_exec(
                store, errs,
                "INSERT INTO runs (id, workflow, workflow_path, definition_hash, params, "
                "user, host, outdir, status, started) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                "'running', ?)",
                "sssssssss", id, workflow, nz(workflow_path), nz(definition_hash), nz(params_text),
                u, store->host, nz(outdir), t);
        }
        if (rc == 0) {
            rc = rg_lock_insert(store, id, errs);
        }
        if (rc == 0) {
            /* the operating-system user beside who the run is for (--by) */
            char *os_user = rg_os_user();
            char *ou = rg_one_line(os_user);
            for (char *p = ou; *p; p++) {
                *p = *p == ',' || *p == ')' ? '_' : *p; /* (the fields' separators) */
            }
            char *detail = rg_xasprintf("workflow %s (%s), user %s (os user %s), host %s, out %s%s%s",
                                        workflow, nz(workflow_path), u, ou, store->host,
                                        nz(outdir), params_text && *params_text ? ", params: " : "",
                                        nz(params_text));
            free(ou);
            free(os_user);
            char *hashes = definition_hash && *definition_hash
                               ? rg_xasprintf("%s  definition", definition_hash)
                               : NULL;
            rc = rg_audit_append(store, id, u, "run_started", detail, hashes, errs);
            free(detail);
            free(hashes);
        }
        rc = rg_db_end(store, rc, errs);
        if (rc == 0 && run_id) {
            *run_id = rg_xstrdup(id);
        }
        break;
    }
    UNLOCK(store);
    return rc;
}

typedef struct def_entry {
    const char *name, *sha;
} def_entry;

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const def_entry *)a)->name, ((const def_entry *)b)->name);
}

void rg_definition_hash(char *const *names, char *const *shas, size_t n, char hex[65])
{
    def_entry *e = rg_xcalloc(n ? n : 1, sizeof *e);
    for (size_t i = 0; i < n; i++) {
        e[i] = (def_entry){ names[i], nz(shas[i]) };
    }
    qsort(e, n, sizeof *e, cmp_entry);
    rg_sha256 *h = rg_sha256_new();
    for (size_t i = 0; i < n; i++) {
        rg_sha256_add(h, e[i].name, strlen(e[i].name) + 1);
        rg_sha256_add(h, e[i].sha, strlen(e[i].sha));
    }
    rg_sha256_finish(h, hex);
    free(e);
}

/* The first two columns of the rows of s (NULL: a query that could not be
 * prepared) as two lists of text, *n each; s is done with.  0, or -1 (what
 * was read stays in the lists: rg_store_outputs_free frees them). */
static int two_columns(rg_store *store, sqlite3_stmt *s, char ***a, char ***b, size_t *n,
                       rg_errors *errs)
{
    *a = *b = NULL;
    *n = 0;
    if (!s) {
        return -1;
    }
    size_t cap = 0;
    int r;
    while ((r = rg_db_step(store, errs, s)) == 1) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            *a = rg_xrealloc(*a, cap * sizeof **a);
            *b = rg_xrealloc(*b, cap * sizeof **b);
        }
        (*a)[*n] = rg_db_col_dup(s, 0);
        (*b)[*n] = rg_db_col_dup(s, 1);
        (*n)++;
    }
    rg_db_done(store, s);
    return r < 0 ? -1 : 0;
}

/* Recompute the run's definition hash over what its definition lists now
 * (inside a transaction). */
static int rehash_definition(rg_store *store, const char *run_id, const char *why, rg_errors *errs)
{
    char **names, **shas;
    size_t n;
    int rc = two_columns(store,
                         rg_db_prep(store, errs,
                                    "SELECT path, coalesce(sha256, '') FROM definition_files "
                                    "WHERE run_id = ?",
                                    "s", run_id),
                         &names, &shas, &n, errs);
    char hex[65];
    if (rc == 0) {
        rg_definition_hash(names, shas, n, hex);
        rc = rg_db_exec(store, errs, "UPDATE runs SET definition_hash = ? WHERE id = ?", "ss", hex,
                        run_id);
    }
    if (rc == 0) {
        char *detail = rg_xasprintf("the definition hash covers %zu entries: %s", n, why);
        char *hashes = rg_xasprintf("%s  definition", hex);
        rc = rg_audit_append(store, run_id, NULL, "definition_hash", detail, hashes, errs);
        free(hashes);
        free(detail);
    }
    rg_store_outputs_free(names, shas, n);
    return rc;
}

static int add_definition(rg_store *store, const char *run_id, const char *path, const char *kind,
                          const char *sha256, rg_errors *errs)
{
    if (!path || !*path) {
        rg_err_add(errs, NULL, 0, "%s: a definition %s needs a name", store->path, kind);
        return -1;
    }
    if (sha256 && !rg_sha256_valid(sha256)) {
        rg_err_add(errs, NULL, 0, "%s: %s: invalid sha256 \"%s\"", store->path, path, sha256);
        return -1;
    }
    if (!sha256 && strcmp(kind, "file") == 0) {
        rg_err_add(errs, NULL, 0, "%s: definition file %s needs its sha256", store->path, path);
        return -1;
    }
    LOCK(store);
    int rc = rg_db_begin(store, errs);
    if (rc == 0) {
        rc = rg_db_run_exists(store, run_id, errs) == 1 ? 0 : -1;
        if (rc == 0) {
            rc = rg_db_exec(
                store, errs,
                "INSERT INTO definition_files (run_id, path, kind, sha256) VALUES (?, ?, "
                "?, ?) ON CONFLICT (run_id, path) DO UPDATE SET kind = excluded.kind, "
                "sha256 = excluded.sha256",
                "ssss", run_id, path, kind, sha256);
        }
        if (rc == 0) {
            char *hashes = sha256 ? rg_xasprintf("%s  %s", sha256, path) : NULL;
            rc = rg_audit_append(store, run_id, NULL,
                                 strcmp(kind, "file") == 0 ? "definition_file" : "definition_item",
                                 path, hashes, errs);
            free(hashes);
        }
        rc = rg_db_end(store, rc, errs);
    }
    UNLOCK(store);
    return rc;
}

int rg_store_add_definition_file(rg_store *store, const char *run_id, const char *path,
                                 const char *sha256, rg_errors *errs)
{
    return add_definition(store, run_id, path, "file", sha256, errs);
}

int rg_store_add_definition_item(rg_store *store, const char *run_id, const char *what,
                                 const char *sha256, rg_errors *errs)
{
    return add_definition(store, run_id, what, "item", sha256, errs);
}

int rg_store_add_definition_later(rg_store *store, const char *run_id, char *const *paths,
                                  char *const *sha256s, size_t n, const char *why,
                                  rg_errors *errs)
{
    for (size_t i = 0; i < n; i++) {
        if (!paths[i] || !*paths[i] || !rg_sha256_valid(sha256s[i])) {
            rg_err_add(errs, NULL, 0, "%s: definition file %s needs a path and its sha256",
                       store->path, paths[i] ? paths[i] : "?");
            return -1;
        }
    }
    if (!n) {
        return 0;
    }
    LOCK(store);
    int rc = rg_db_begin(store, errs);
    if (rc == 0) {
        rc = rg_db_run_exists(store, run_id, errs) == 1 ? 0 : -1;
        rg_buf names = { 0 };
        for (size_t i = 0; i < n && rc == 0; i++) {
            /* a path already listed (recorded by another process or
             * worker meanwhile) stays as it is and is not logged again */
            rc = rg_db_exec(
                store, errs,
                "INSERT INTO definition_files (run_id, path, kind, sha256) VALUES (?, ?, "
                "'file', ?) ON CONFLICT (run_id, path) DO NOTHING",
                "sss", run_id, paths[i], sha256s[i]);
            if (rc == 0 && sqlite3_changes(store->db) > 0) {
                char *hashes = rg_xasprintf("%s  %s", sha256s[i], paths[i]);
                rc =
                    rg_audit_append(store, run_id, NULL, "definition_file", paths[i], hashes, errs);
                free(hashes);
                rg_buf_printf(&names, "%s%s", names.len ? ", " : "", paths[i]);
            }
        }
        if (rc == 0 && names.len) {
            char *w = rg_xasprintf("%s added%s%s", names.data, why && *why ? ", " : "", nz(why));
            rc = rehash_definition(store, run_id, w, errs);
            free(w);
        }
        rg_buf_free(&names);
        rc = rg_db_end(store, rc, errs);
    }
    UNLOCK(store);
    return rc;
}

int rg_store_add_input(rg_store *store, const char *run_id, const char *name, const char *path,
                       int64_t size, const char *sha256, rg_errors *errs)
{
    return rg_store_add_input_from(store, run_id, name, path, size, sha256, NULL, NULL, errs);
}

int rg_store_add_input_from(rg_store *store, const char *run_id, const char *name,
                            const char *path, int64_t size, const char *sha256,
                            const char *from_run, const char *from_output, rg_errors *errs)
{
    if (!name || !*name || !path || !*path) {
        rg_err_add(errs, NULL, 0, "%s: an input needs a name and a path", store->path);
        return -1;
    }
    if (!rg_sha256_valid(sha256)) {
        rg_err_add(errs, NULL, 0, "%s: input %s: invalid sha256 \"%s\"", store->path, name,
                   nz(sha256));
        return -1;
    }
    LOCK(store);
    int rc = rg_db_begin(store, errs);
    if (rc == 0) {
        rc = rg_db_run_exists(store, run_id, errs) == 1 ? 0 : -1;
        if (rc == 0) {
            rc =
                rg_db_exec(store, errs,
                           "INSERT INTO inputs (run_id, name, path, size, sha256) VALUES (?, ?, ?, "
                           "?, ?) ON CONFLICT (run_id, name) DO UPDATE SET path = excluded.path, "
                           "size = excluded.size, sha256 = excluded.sha256",
                           "sssis", run_id, name, path, size, sha256);
        }
        if (rc == 0) {
            /* taken from an earlier run: ", from run RUN output RELPATH" after
             * the size (the replay reads the path up to the last "(") */
            char *detail =
                from_run ? rg_xasprintf("%s: %s (%lld bytes), from run %s output %s", name, path,
                                        (long long)size, from_run, nz(from_output))
                         : rg_xasprintf("%s: %s (%lld bytes)", name, path, (long long)size);
            char *hashes = rg_xasprintf("%s  %s", sha256, name);
            rc = rg_audit_append(store, run_id, NULL, "input", detail, hashes, errs);
            free(detail);
            free(hashes);
        }
        rc = rg_db_end(store, rc, errs);
    }
    UNLOCK(store);
    return rc;
}

/* The outputs recorded for a step become earlier versions (kept in
 * output_versions with the log entry about to be appended, which replaces
 * them), except those the step records again unchanged (keep). */
static int supersede_outputs(rg_store *store, const char *run_id, const char *step,
                             const rg_store_output *keep, size_t nkeep, rg_errors *errs)
{
    char **rel, **sha;
    size_t n;
    int rc = two_columns(
        store,
        rg_db_prep(store, errs, "SELECT relpath, sha256 FROM outputs WHERE run_id = ? AND step = ?",
                   "ss", run_id, step),
        &rel, &sha, &n, errs);
    char t[32];
    rg_now_iso(t);
    for (size_t i = 0; i < n && rc == 0; i++) {
        int same = 0;
        for (size_t k = 0; k < nkeep && !same; k++) {
            same = strcmp(keep[k].relpath, rel[i]) == 0 && keep[k].sha256 &&
                   strcmp(keep[k].sha256, sha[i]) == 0;
        }
        if (!same) {
            rc = rg_db_exec(store, errs,
                            "INSERT OR IGNORE INTO output_versions (run_id, step, relpath, sha256, "
                            "superseded, superseded_seq) VALUES (?1, ?2, ?3, ?4, ?5, (SELECT "
                            "log_entries + 1 FROM runs WHERE id = ?1))",
                            "sssss", run_id, step, rel[i], sha[i], t);
        }
    }
    rg_store_outputs_free(rel, sha, n);
    if (rc == 0) {
        rc = rg_db_exec(store, errs, "DELETE FROM outputs WHERE run_id = ? AND step = ?", "ss",
                        run_id, step);
    }
    return rc;
}

int rg_store_step_start(rg_store *store, const char *run_id, const char *step, int attempt,
                        rg_errors *errs)
{
    if (!step || !*step) {
        rg_err_add(errs, NULL, 0, "%s: a step needs a name", store->path);
        return -1;
    }
    LOCK(store);
    char t[32];
    rg_now_iso(t);
    int rc = rg_db_begin(store, errs);
    if (rc == 0) {
        rc = rg_db_run_exists(store, run_id, errs) == 1 ? 0 : -1;
        if (rc == 0) {
            rc = supersede_outputs(store, run_id, step, NULL, 0, errs);
        }
        if (rc == 0) {
            rc =
                rg_db_exec(store, errs,
                           "INSERT INTO steps (run_id, step, status, attempts, started) VALUES (?, "
                           "?, 'running', ?, ?) ON CONFLICT (run_id, step) DO UPDATE SET status = "
                           "'running', attempts = excluded.attempts, started = excluded.started, "
                           "ended = NULL, seconds = NULL, error = NULL",
                           "ssns", run_id, step, attempt, t);
        }
        if (rc == 0) {
            char *detail = rg_xasprintf("step %s: attempt %d", step, attempt);
            rc = rg_audit_append(store, run_id, NULL, "step_started", detail, NULL, errs);
            free(detail);
        }
        rc = rg_db_end(store, rc, errs);
    }
    UNLOCK(store);
    return rc;
}

static int step_finish(rg_store *store, const char *run_id, const char *step, const char *status,
                       int attempts, double started, double ended, const char *error_text,
                       const char *reads_sha, const rg_store_output *outputs, size_t noutputs,
                       rg_errors *errs)
{
    if (!step || !*step || !status || !*status) {
        rg_err_add(errs, NULL, 0, "%s: a finished step needs a name and a status", store->path);
        return -1;
    }
    for (size_t i = 0; i < noutputs; i++) {
        if (!outputs[i].relpath || !*outputs[i].relpath) {
            rg_err_add(errs, NULL, 0, "%s: step %s: output %zu has no path", store->path, step,
                       i + 1);
            return -1;
        }
    }
    LOCK(store);
    char ts[32] = "", te[32] = "";
    if (started > 0) {
        rg_iso_time((time_t)started, ts);
    }
    if (ended > 0) {
        rg_iso_time((time_t)ended, te);
    }
    double secs = started > 0 && ended >= started ? ended - started : -1;
    int rc = rg_db_begin(store, errs);
    if (rc == 0) {
        rc = rg_db_run_exists(store, run_id, errs) == 1 ? 0 : -1;
        if (rc == 0) {
            rc = supersede_outputs(store, run_id, step, outputs, noutputs, errs);
        }
        if (rc == 0) {
            rc = rg_db_exec(store, errs,
                            "INSERT INTO steps (run_id, step, status, attempts, started, ended, "
                            "seconds, error, reads_sha256) VALUES (?1, ?2, ?3, ?4, nullif(?5, ''), "
                            "nullif(?6, ''), CASE WHEN ?7 < 0 THEN NULL ELSE ?7 END, ?8, ?9) ON "
                            "CONFLICT (run_id, step) DO UPDATE SET status = excluded.status, "
                            "attempts = excluded.attempts, started = coalesce(excluded.started, "
                            "steps.started), ended = excluded.ended, seconds = excluded.seconds, "
                            "error = excluded.error, reads_sha256 = excluded.reads_sha256",
                            "sssnssdss", run_id, step, status, attempts, ts, te, secs,
                            error_text && *error_text ? error_text : NULL, reads_sha);
        }
        rg_buf hashes = { 0 };
        for (size_t i = 0; rc == 0 && i < noutputs; i++) {
            if (!rg_sha256_valid(outputs[i].sha256)) {
                rg_err_add(errs, NULL, 0, "%s: step %s: output %s: invalid sha256 \"%s\"",
                           store->path, step, outputs[i].relpath, nz(outputs[i].sha256));
                rc = -1;
                break;
            }
            rc = rg_db_exec(
                store, errs,
                "INSERT INTO outputs (run_id, step, relpath, sha256) VALUES (?, ?, ?, ?)", "ssss",
                run_id, step, outputs[i].relpath, outputs[i].sha256);
            rg_buf_printf(&hashes, "%s%s  %s", i ? "\n" : "", outputs[i].sha256,
                          outputs[i].relpath);
        }
        if (rc == 0) {
            char *e1 = error_text && *error_text ? rg_one_line(error_text) : NULL;
            char *detail = rg_xasprintf("step %s: %s after %d attempt%s%s%s", step, status,
                                        attempts, attempts == 1 ? "" : "s", e1 ? ": " : "",
                                        e1 ? e1 : "");
            rc = rg_audit_append(store, run_id, NULL, "step_finished", detail, hashes.data, errs);
            free(detail);
            free(e1);
        }
        rg_buf_free(&hashes);
        rc = rg_db_end(store, rc, errs);
    }
    UNLOCK(store);
    return rc;
}

int rg_store_step_finish(rg_store *store, const char *run_id, const char *step, const char *status,
                         int attempts, double started, double ended, const char *error_text,
                         const rg_store_output *outputs, size_t noutputs, rg_errors *errs)
{
    return step_finish(store, run_id, step, status, attempts, started, ended, error_text, NULL,
                       outputs, noutputs, errs);
}

int rg_store_step_done(rg_store *store, const char *run_id, const char *step, int attempts,
                       double started, double ended, const char *reads_sha,
                       const rg_store_output *outputs, size_t noutputs, rg_errors *errs)
{
    if (reads_sha && !rg_sha256_valid(reads_sha)) {
        rg_err_add(errs, NULL, 0, "%s: step %s: invalid sha256 \"%s\" of what it read", store->path,
                   nz(step), reads_sha);
        return -1;
    }
    return step_finish(store, run_id, step, "done", attempts, started, ended, NULL, reads_sha,
                       outputs, noutputs, errs);
}

int rg_store_step_reads(rg_store *store, const char *run_id, const char *step, char **reads_sha,
                        rg_errors *errs)
{
    LOCK(store);
    *reads_sha = NULL;
    int rc = -1;
    sqlite3_stmt *s =
        rg_db_prep(store, errs, "SELECT reads_sha256 FROM steps WHERE run_id = ? AND step = ?",
                   "ss", nz(run_id), nz(step));
    if (s) {
        int r = rg_db_step(store, errs, s);
        if (r == 1 && sqlite3_column_type(s, 0) == SQLITE_TEXT) {
            *reads_sha = rg_db_col_dup(s, 0);
        }
        rc = r < 0 ? -1 : 0;
        rg_db_done(store, s);
    }
    UNLOCK(store);
    return rc;
}

int rg_store_step_reused(rg_store *store, const char *run_id, const char *step, rg_errors *errs)
{
    LOCK(store);
    int rc = rg_db_begin(store, errs);
    if (rc == 0) {
        rc = rg_db_exec(
            store, errs,
            "UPDATE steps SET status = 'done' WHERE run_id = ? AND step = ? AND status = "
            "'outdated'",
            "ss", nz(run_id), nz(step));
        if (rc == 0) {
            char *detail = rg_xasprintf("step %s: what it reads is unchanged; its recorded "
                                        "outputs stand",
                                        nz(step));
            rc = rg_audit_append(store, run_id, NULL, "step_reused", detail, NULL, errs);
            free(detail);
        }
        rc = rg_db_end(store, rc, errs);
    }
    UNLOCK(store);
    return rc;
}

int rg_store_give_inputs(rg_store *store, const char *run_id, const char *who,
                         const char *params_text, const rg_store_input *inputs, size_t ninputs,
                         char *const *outdated, size_t noutdated, rg_errors *errs)
{
    for (size_t i = 0; i < ninputs; i++) {
        if (!inputs[i].name || !*inputs[i].name || !inputs[i].path || !*inputs[i].path ||
            !rg_sha256_valid(inputs[i].sha256)) {
            rg_err_add(errs, NULL, 0, "%s: input %zu given on resume: needs a name, a path and "
                                      "a sha256",
                       store->path, i + 1);
            return -1;
        }
    }
    char *os_user = rg_os_user();
    char *ou = rg_one_line(os_user);
    LOCK(store);
    int rc = rg_db_begin(store, errs);
    if (rc == 0) {
        rc = rg_db_run_exists(store, run_id, errs) == 1 ? 0 : -1;
        if (rc == 0 && params_text && *params_text) {
            rc = rg_db_exec(store, errs, "UPDATE runs SET params = params || ? WHERE id = ?", "ss",
                            params_text, run_id);
        }
        for (size_t i = 0; i < ninputs && rc == 0; i++) {
            const rg_store_input *in = &inputs[i];
            rc =
                rg_db_exec(store, errs,
                           "INSERT INTO inputs (run_id, name, path, size, sha256) VALUES (?, ?, ?, "
                           "?, ?) ON CONFLICT (run_id, name) DO UPDATE SET path = excluded.path, "
                           "size = excluded.size, sha256 = excluded.sha256",
                           "sssis", run_id, in->name, in->path, in->size, in->sha256);
            if (rc == 0) {
                rc = rg_store_keep_input(store, in->name, in->path, in->sha256, errs);
            }
            char *detail = rg_xasprintf("%s=%s (os user %s)", in->name, in->path, ou);
            char *hashes = rg_xasprintf("%s  %s", in->sha256, in->name);
            if (rc == 0) {
                rc = rg_audit_append(store, run_id, who, "input_given", detail, hashes, errs);
            }
            if (rc == 0) {
                rc = rg_wait_input_given(store, run_id, in->name, who, ou, errs);
            }
            free(detail);
            free(hashes);
        }
        rg_buf marked = { 0 };
        for (size_t i = 0; i < noutdated && rc == 0; i++) {
            rc =
                rg_db_exec(store, errs,
                           "UPDATE steps SET status = 'outdated' WHERE run_id = ? AND step = ? AND "
                           "status = 'done'",
                           "ss", run_id, outdated[i]);
            if (rc == 0 && sqlite3_changes(store->db) > 0) {
                rg_buf_printf(&marked, "%s%s", marked.len ? ", " : "", outdated[i]);
            }
        }
        if (rc == 0 && marked.len) {
            char *detail = rg_xasprintf("to run again unless what they read is unchanged: %s",
                                        marked.data);
            rc = rg_audit_append(store, run_id, who, "steps_outdated", detail, NULL, errs);
            free(detail);
        }
        rg_buf_free(&marked);
        rc = rg_db_end(store, rc, errs);
    }
    UNLOCK(store);
    free(ou);
    free(os_user);
    return rc;
}

static int run_finish(rg_store *store, const char *run_id, const char *status, rg_errors *errs)
{
    if (!status || !*status) {
        rg_err_add(errs, NULL, 0, "%s: a finished run needs a status", store->path);
        return -1;
    }
    LOCK(store);
    char t[32];
    rg_now_iso(t);
    int rc = rg_db_begin(store, errs);
    if (rc == 0) {
        rc = rg_db_run_exists(store, run_id, errs) == 1 ? 0 : -1;
        if (rc == 0) {
            rc = rg_db_exec(store, errs, "UPDATE runs SET status = ?, ended = ? WHERE id = ?",
                            "sss", status, t, run_id);
        }
        if (rc == 0) {
            rc = rg_db_exec(store, errs,
                            "DELETE FROM locks WHERE run_id = ? AND pid = ? AND host = ?", "sis",
                            run_id, (int64_t)getpid(), store->host);
        }
        if (rc == 0) {
            char *detail = rg_xasprintf("status %s", status);
            rc = rg_audit_append(store, run_id, NULL, "run_finished", detail, NULL, errs);
            free(detail);
        }
        rc = rg_db_end(store, rc, errs);
    }
    UNLOCK(store);
    return rc;
}

int rg_store_run_finish(rg_store *store, const char *run_id, const char *status, rg_errors *errs)
{
    LOCK(store);
    rg_errors first = { 0 };
    store->last_rc = SQLITE_OK;
    int rc = run_finish(store, run_id, status, &first);
    int prim = store->last_rc & 0xff;
    if (rc != 0 && (prim == SQLITE_FULL || prim == SQLITE_IOERR)) {
        /* The end of a run must be on record: the room kept beside the
         * store is given back for it; failing that, a full disk may have
         * room again once the write-ahead log is copied into the store and
         * cut back (it only grows between checkpoints). */
        for (int k = 0; k < 2 && rc != 0; k++) {
            if (k == 0 && rg_db_reserve_release(store) != 0) {
                continue;
            }
            if (k == 1) {
                sqlite3_exec(store->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
            }
            rg_errors again = { 0 };
            rc = run_finish(store, run_id, status, &again);
            rg_err_free(&again);
        }
    }
    for (size_t i = 0; rc != 0 && i < first.n; i++) {
        rg_err_add(errs, NULL, 0, "%s", first.msg[i]);
    }
    rg_err_free(&first);
    UNLOCK(store);
    return rc;
}

int rg_store_run_resume(rg_store *store, const char *run_id, const char *detail, rg_errors *errs)
{
    LOCK(store);
    int rc = rg_db_begin(store, errs);
    if (rc == 0) {
        rc = rg_db_run_exists(store, run_id, errs) == 1 ? 0 : -1;
        if (rc == 0) {
            rc = rg_db_exec(store, errs,
                            "UPDATE runs SET status = 'running', ended = NULL WHERE id = ?", "s",
                            run_id);
        }
        if (rc == 0) {
            char *os_user = rg_os_user();
            char *ou = rg_one_line(os_user);
            char *d = rg_xasprintf("by pid %ld on host %s (os user %s)%s%s", (long)getpid(),
                                   store->host, ou, detail && *detail ? ": " : "", nz(detail));
            rc = rg_audit_append(store, run_id, NULL, "run_resumed", d, NULL, errs);
            free(d);
            free(ou);
            free(os_user);
        }
        rc = rg_db_end(store, rc, errs);
    }
    UNLOCK(store);
    return rc;
}

void rg_store_run_clear(rg_store_run *r)
{
    free(r->id);
    free(r->workflow);
    free(r->workflow_path);
    free(r->definition_hash);
    free(r->params);
    free(r->user);
    free(r->outdir);
    free(r->status);
    free(r->started);
    free(r->ended);
    memset(r, 0, sizeof *r);
}

int rg_db_run_get(rg_store *store, const char *run_id, rg_store_run *out, rg_errors *errs)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s =
        rg_db_prep(store, errs,
                   "SELECT id, workflow, workflow_path, definition_hash, params, user, "
                   "outdir, status, started, ended, log_entries, jobs FROM runs WHERE "
                   "id = ?",
                   "s", nz(run_id));
    if (!s) {
        return -1;
    }
    int r = rg_db_step(store, errs, s);
    if (r == 1) {
        out->id = rg_db_col_dup(s, 0);
        out->workflow = rg_db_col_dup(s, 1);
        out->workflow_path = rg_db_col_dup(s, 2);
        out->definition_hash = rg_db_col_dup(s, 3);
        out->params = rg_db_col_dup(s, 4);
        out->user = rg_db_col_dup(s, 5);
        out->outdir = rg_db_col_dup(s, 6);
        out->status = rg_db_col_dup(s, 7);
        out->started = rg_db_col_dup(s, 8);
        out->ended = rg_db_col_dup(s, 9);
        out->log_entries = sqlite3_column_int64(s, 10);
        out->jobs = sqlite3_column_int(s, 11);
    } else if (r == 0) {
        rg_err_add(errs, NULL, 0, "no run \"%s\" in %s", nz(run_id), store->path);
    }
    rg_db_done(store, s);
    return r == 1 ? 0 : -1;
}

int rg_store_run_get(rg_store *store, const char *run_id, rg_store_run *out, rg_errors *errs)
{
    LOCK(store);
    int rc = rg_db_run_get(store, run_id, out, errs);
    UNLOCK(store);
    return rc;
}

int rg_store_last_run(rg_store *store, const char *workflow, char **run_id, rg_errors *errs)
{
    LOCK(store);
    int rc = -1;
    sqlite3_stmt *s = rg_db_prep(store, errs,
                                 "SELECT id FROM runs WHERE workflow = ? ORDER BY started DESC, "
                                 "rowid DESC LIMIT 1",
                                 "s", nz(workflow));
    if (s) {
        int r = rg_db_step(store, errs, s);
        if (r == 1) {
            *run_id = rg_db_col_dup(s, 0);
            rc = 0;
        } else if (r == 0) {
            rc = 1;
        }
        rg_db_done(store, s);
    }
    UNLOCK(store);
    return rc;
}

int rg_store_step_status(rg_store *store, const char *run_id, const char *step, char **status,
                         int *attempts, rg_errors *errs)
{
    LOCK(store);
    int rc = -1;
    if (rg_db_run_exists(store, run_id, errs) == 1) {
        sqlite3_stmt *s = rg_db_prep(store, errs,
                                     "SELECT status, attempts FROM steps WHERE run_id = ? AND step "
                                     "= ?",
                                     "ss", run_id, nz(step));
        if (s) {
            int r = rg_db_step(store, errs, s);
            if (r == 1) {
                if (status) {
                    *status = rg_db_col_dup(s, 0);
                }
                if (attempts) {
                    *attempts = sqlite3_column_int(s, 1);
                }
                rc = 0;
            } else if (r == 0) {
                rc = 1;
            }
            rg_db_done(store, s);
        }
    }
    UNLOCK(store);
    return rc;
}

int rg_store_step_outputs(rg_store *store, const char *run_id, const char *step, char ***relpaths,
                          char ***sha256s, size_t *n, rg_errors *errs)
{
    LOCK(store);
    *relpaths = NULL;
    *sha256s = NULL;
    *n = 0;
    int rc = -1;
    if (rg_db_run_exists(store, run_id, errs) == 1) {
        rc = two_columns(store,
                         rg_db_prep(store, errs,
                                    "SELECT relpath, sha256 FROM outputs WHERE run_id = ? AND "
                                    "step = ? ORDER BY relpath",
                                    "ss", run_id, nz(step)),
                         relpaths, sha256s, n, errs);
    }
    UNLOCK(store);
    return rc;
}

int rg_store_run_set_jobs(rg_store *store, const char *run_id, int jobs, rg_errors *errs)
{
    LOCK(store);
    int rc = rg_db_run_exists(store, run_id, errs) == 1 ? 0 : -1;
    if (rc == 0) {
        rc = rg_db_exec(store, errs, "UPDATE runs SET jobs = ? WHERE id = ?", "is", (int64_t)jobs,
                        run_id);
    }
    UNLOCK(store);
    return rc;
}

int rg_store_run_set_case(rg_store *store, const char *run_id, const char *run_case,
                          rg_errors *errs)
{
    LOCK(store);
    int rc = rg_db_run_exists(store, run_id, errs) == 1 ? 0 : -1;
    if (rc == 0) {
        rc = rg_db_exec(store, errs, "UPDATE runs SET run_case = ? WHERE id = ?", "ss", run_case,
                        run_id);
    }
    UNLOCK(store);
    return rc;
}

int rg_store_definition(rg_store *store, const char *run_id, char ***paths, char ***sha256s,
                        size_t *n, rg_errors *errs)
{
    LOCK(store);
    *paths = NULL;
    *sha256s = NULL;
    *n = 0;
    int rc = -1;
    if (rg_db_run_exists(store, run_id, errs) == 1) {
        rc = two_columns(store,
                         rg_db_prep(store, errs,
                                    "SELECT path, coalesce(sha256, '') FROM definition_files "
                                    "WHERE run_id = ? ORDER BY path",
                                    "s", run_id),
                         paths, sha256s, n, errs);
    }
    UNLOCK(store);
    return rc;
}

void rg_store_outputs_free(char **relpaths, char **sha256s, size_t n)
{
    rg_strv_free(relpaths, n);
    rg_strv_free(sha256s, n);
}

int rg_store_previous_output(rg_store *store, const char *workflow, const char *relpath,
                             char **run_id, char **path, char sha256[65], rg_errors *errs)
{
    *run_id = *path = NULL;
    sha256[0] = 0;
    LOCK(store);
    sqlite3_stmt *s =
        rg_db_prep(store, errs,
                   "SELECT r.id, r.outdir, o.sha256 FROM runs r JOIN outputs o ON o.run_id = r.id "
                   "WHERE r.workflow = ? AND r.status IN ('done', 'waiting') AND o.relpath = ? "
                   "ORDER BY r.started DESC, r.rowid DESC LIMIT 1",
                   "ss", workflow, relpath);
    int r = s ? rg_db_step(store, errs, s) : -1;
    if (r == 1) {
        *run_id = rg_xstrdup(nz(rg_db_col_str(s, 0)));
        *path = rg_xasprintf("%s/%s", nz(rg_db_col_str(s, 1)), relpath);
        snprintf(sha256, 65, "%s", nz(rg_db_col_str(s, 2)));
    }
    rg_db_done(store, s);
    UNLOCK(store);
    return r;
}
