/* tasks.c - human tasks: a step waiting for an input, an approval or a
 * date, and who answered. */
#define _GNU_SOURCE
#include "store_db.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int kind_ok(const char *k)
{
    return k && (!strcmp(k, "input") || !strcmp(k, "approval") || !strcmp(k, "timer"));
}

int rg_store_wait_add(rg_store *store, const char *run_id, const char *step, const char *kind,
                      const char *what_text, const char *due, const char *four_eyes,
                      rg_errors *errs)
{
    if (!step || !*step) {
        rg_err_add(errs, NULL, 0, "%s: a wait needs a step", store->path);
        return -1;
    }
    if (!kind_ok(kind)) {
        rg_err_add(errs, NULL, 0, "%s: step %s: unknown kind of wait \"%s\" (expected input, "
                                  "approval or timer)",
                   store->path, step, nz(kind));
        return -1;
    }
    if (four_eyes && *four_eyes && strcmp(kind, "approval") != 0) {
        rg_err_add(errs, NULL, 0, "%s: step %s: four eyes apply to approvals only", store->path,
                   step);
        return -1;
    }
    if (!strcmp(kind, "timer") && (!due || !*due)) {
        rg_err_add(errs, NULL, 0, "%s: step %s: a timer needs a due date", store->path, step);
        return -1;
    }
    LOCK(store);
    char t[32];
    rg_now_iso(t);
    int rc = rg_db_begin(store, errs);
    if (rc == 0) {
        rc = rg_db_run_exists(store, run_id, errs) == 1 ? 0 : -1;
        int open = 0;
        if (rc == 0) {
            sqlite3_stmt *s = rg_db_prep(store, errs,
                                         "SELECT 1 FROM waits WHERE run_id = ? AND step = ? AND "
                                         "resolved_at IS NULL",
                                         "ss", run_id, step);
            open = s ? rg_db_step(store, errs, s) : -1;
            rg_db_done(store, s);
            rc = open < 0 ? -1 : 0;
        }
        if (rc == 0 && !open) {
            const char *what = what_text && *what_text ? what_text : kind;
            const char *fe = four_eyes && *four_eyes ? four_eyes : NULL;
            const char *d = due && *due ? due : NULL;
            rc = rg_db_exec(store, errs,
                            "INSERT INTO waits (run_id, step, kind, what, since, due, four_eyes) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?)",
                            "sssssss", run_id, step, kind, what, t, d, fe);
            if (rc == 0) {
                char *detail = rg_xasprintf("step %s waits for %s: %s%s%s%s%s", step, kind, what,
                                            d ? ", due " : "", d ? d : "",
                                            fe ? ", four eyes: not by " : "", fe ? fe : "");
                rc = rg_audit_append(store, run_id, NULL, "waiting", detail, NULL, errs);
                free(detail);
            }
        }
        rc = rg_db_end(store, rc, errs);
    }
    UNLOCK(store);
    return rc;
}

/* The four-eyes rule compares names as rg_person_key gives them, so that
 * "alice.", " Alice " and "ALICE" are one person. */
static int same_person(const char *a, const char *b)
{
    char *x = rg_person_key(a), *y = rg_person_key(b);
    int same = strcmp(x, y) == 0;
    free(x);
    free(y);
    return same;
}

/* An approval the four-eyes rule refuses is recorded too (approval_refused),
 * in a transaction of its own; the wait stays open. */
static int refuse(rg_store *store, const char *run_id, const char *step, const char *who,
                  const char *what, const char *fe, const char *os_user, rg_errors *errs)
{
    rg_err_add(errs, NULL, 0,
               "%s: four-eyes rule: %s may not approve step %s of run %s: the approval must come "
               "from someone other than %s",
               store->path, who, step, run_id, fe);
    char *detail = rg_xasprintf("step %s: approval (%s) refused to %s (os user %s): four eyes, "
                                "not by %s",
                                step, what, who, os_user, fe);
    int rc = rg_audit_append(store, run_id, who, "approval_refused", detail, NULL, errs);
    free(detail);
    return rc;
}

int rg_store_wait_resolve(rg_store *store, const char *run_id, const char *step, const char *who,
                          const char *note, rg_errors *errs)
{
    char *w = rg_xstrdup(nz(who));
    const char *whot = rg_trim(w);
    char *key = rg_person_key(whot);
    if (!*key) {
        if (*whot) {
            rg_err_add(errs, NULL, 0,
                       "%s: resolving step %s of run %s needs the name of who does it (\"%s\" "
                       "has no letter or digit)",
                       store->path, nz(step), nz(run_id), whot);
        } else {
            rg_err_add(errs, NULL, 0,
                       "%s: resolving step %s of run %s needs the name of who does it",
                       store->path, nz(step), nz(run_id));
        }
        free(key);
        free(w);
        return -1;
    }
    free(key);
    char *os_user = rg_os_user();
    char *ou = rg_one_line(os_user);
    LOCK(store);
    char t[32];
    rg_now_iso(t);
    int refused = 0;
    int rc = rg_db_begin(store, errs);
    if (rc == 0) {
        rc = rg_db_run_exists(store, run_id, errs) == 1 ? 0 : -1;
        sqlite3_stmt *s = NULL;
        int r = 0;
        if (rc == 0) {
            s = rg_db_prep(
                store, errs,
                "SELECT id, kind, four_eyes, what FROM waits WHERE run_id = ? AND step = ? "
                "AND resolved_at IS NULL",
                "ss", run_id, nz(step));
            r = s ? rg_db_step(store, errs, s) : -1;
            rc = r < 0 ? -1 : 0;
        }
        if (rc == 0 && r == 0) {
            rg_err_add(errs, NULL, 0, "%s: step %s of run %s is not waiting for anything",
                       store->path, nz(step), run_id);
            rc = -1;
        } else if (rc == 0) {
            int64_t id = sqlite3_column_int64(s, 0);
            char *kind = rg_db_col_dup(s, 1), *fe = rg_db_col_dup(s, 2),
                 *what = rg_db_col_dup(s, 3);
            if (!strcmp(kind, "approval") && fe && *fe && same_person(whot, fe)) {
                refused = 1;
                rc = refuse(store, run_id, step, whot, what, fe, ou, errs);
            } else {
                rc = rg_db_exec(store, errs,
                                "UPDATE waits SET resolved_by = ?, resolved_at = ?, note = ?, "
                                "resolved_os_user = ? WHERE id = ?",
                                "ssssi", whot, t, note && *note ? note : NULL, ou, id);
                /* an input given on resume resolves its wait where it is
                 * recorded (rg_store_give_inputs), without a second entry;
                 * one resolved here was answered by data a step wrote */
                if (rc == 0) {
                    const char *ev_what = !strcmp(kind, "approval") ? "approved"
                                          : !strcmp(kind, "input")  ? "input_given"
                                                                    : "timer_passed";
                    char *n1 = note && *note ? rg_one_line(note) : NULL;
                    char *detail = rg_xasprintf("step %s: %s (%s) resolved by %s (os user %s)%s%s",
                                                step, kind, what, whot, ou, n1 ? ": " : "",
                                                n1 ? n1 : "");
                    rc = rg_audit_append(store, run_id, whot, ev_what, detail, NULL, errs);
                    free(detail);
                    free(n1);
                }
            }
            free(kind);
            free(fe);
            free(what);
        }
        rg_db_done(store, s);
        rc = rg_db_end(store, rc, errs);
    }
    UNLOCK(store);
    free(ou);
    free(os_user);
    free(w);
    return refused ? -1 : rc;
}

int rg_store_wait_reject(rg_store *store, const char *run_id, const char *step, const char *who,
                         const char *note, rg_errors *errs)
{
    char *w = rg_xstrdup(nz(who));
    const char *whot = rg_trim(w);
    char *key = rg_person_key(whot);
    int named = *key != 0;
    free(key);
    if (!named) {
        rg_err_add(errs, NULL, 0,
                   "%s: rejecting step %s of run %s needs the name of who does it%s%s%s",
                   store->path, nz(step), nz(run_id), *whot ? " (\"" : "", whot,
                   *whot ? "\" has no letter or digit)" : "");
        free(w);
        return -1;
    }
    char *os_user = rg_os_user();
    char *ou = rg_one_line(os_user);
    LOCK(store);
    char t[32];
    rg_now_iso(t);
    int rc = rg_db_begin(store, errs);
    if (rc == 0) {
        rc = rg_db_run_exists(store, run_id, errs) == 1 ? 0 : -1;
        sqlite3_stmt *s = NULL;
        int r = 0;
        if (rc == 0) {
            s = rg_db_prep(store, errs,
                           "SELECT id, what FROM waits WHERE run_id = ? AND step = ? AND kind = "
                           "'approval' AND resolved_at IS NULL",
                           "ss", run_id, nz(step));
            r = s ? rg_db_step(store, errs, s) : -1;
            rc = r < 0 ? -1 : 0;
        }
        if (rc == 0 && r == 0) {
            rg_err_add(errs, NULL, 0, "%s: step %s of run %s waits for no approval",
                       store->path, nz(step), run_id);
            rc = -1;
        } else if (rc == 0) {
            int64_t id = sqlite3_column_int64(s, 0);
            char *what = rg_db_col_dup(s, 1);
            rc = rg_db_exec(store, errs,
                            "UPDATE waits SET resolved_by = ?, resolved_at = ?, note = ?, "
                            "resolved_os_user = ?, rejected = 1 WHERE id = ?",
                            "ssssi", whot, t, note && *note ? note : NULL, ou, id);
            if (rc == 0) {
                char *n1 = note && *note ? rg_one_line(note) : NULL;
                char *detail = rg_xasprintf("step %s: approval (%s) rejected by %s (os user %s)%s%s",
                                            step, what, whot, ou, n1 ? ": " : "", n1 ? n1 : "");
                rc = rg_audit_append(store, run_id, whot, "rejected", detail, NULL, errs);
                free(detail);
                free(n1);
            }
            free(what);
        }
        rg_db_done(store, s);
        rc = rg_db_end(store, rc, errs);
    }
    UNLOCK(store);
    free(ou);
    free(os_user);
    free(w);
    return rc;
}

int rg_wait_input_given(rg_store *store, const char *run_id, const char *name, const char *who,
                        const char *os_user, rg_errors *errs)
{
    char t[32];
    rg_now_iso(t);
    /* input names are ids (letters, digits, _ and -): no GLOB wildcard */
    char *g1 = rg_xasprintf("input %s: *", nz(name)), *g2 = rg_xasprintf("input %s - *", nz(name));
    int rc = rg_db_exec(store, errs,
                        "UPDATE waits SET resolved_by = ?, resolved_at = ?, note = 'input given', "
                        "resolved_os_user = ? WHERE run_id = ? AND kind = 'input' AND "
                        "resolved_at IS NULL AND (what GLOB ? OR what GLOB ?)",
                        "ssssss", who && *who ? who : store->actor, t, os_user, run_id, g1, g2);
    free(g1);
    free(g2);
    return rc;
}

int rg_store_wait_state(rg_store *store, const char *run_id, const char *step, char **by,
                        char **note, rg_errors *errs)
{
    if (by) {
        *by = NULL;
    }
    if (note) {
        *note = NULL;
    }
    LOCK(store);
    int rc = -1;
    if (rg_db_run_exists(store, run_id, errs) == 1) {
        sqlite3_stmt *s = rg_db_prep(store, errs,
                                     "SELECT CASE WHEN resolved_at IS NULL THEN 1 WHEN resolved_by "
                                     "IS NULL THEN 0 WHEN rejected THEN 3 ELSE 2 END, "
                                     "resolved_by, note FROM waits "
                                     "WHERE run_id = ? AND step = ? ORDER BY id DESC LIMIT 1",
                                     "ss", run_id, nz(step));
        if (s) {
            int r = rg_db_step(store, errs, s);
            if (r == 0) {
                rc = 0;
            } else if (r == 1) {
                /* a wait closed without an answer counts as none */
                rc = sqlite3_column_int(s, 0);
                if (rc >= 2 && by) {
                    *by = rg_db_col_dup(s, 1);
                }
                if (rc >= 2 && note) {
                    *note = rg_db_col_dup(s, 2);
                }
            }
            rg_db_done(store, s);
        }
    }
    UNLOCK(store);
    return rc;
}

int rg_store_wait_close(rg_store *store, const char *run_id, const char *step, const char *reason,
                        rg_errors *errs)
{
    LOCK(store);
    char t[32];
    rg_now_iso(t);
    int closed = 0;
    int rc = rg_db_begin(store, errs);
    if (rc == 0) {
        rc = rg_db_run_exists(store, run_id, errs) == 1 ? 0 : -1;
        sqlite3_stmt *s = NULL;
        int r = 0;
        if (rc == 0) {
            s = rg_db_prep(store, errs,
                           "SELECT id, kind, what FROM waits WHERE run_id = ? AND step = ? AND "
                           "resolved_at IS NULL",
                           "ss", run_id, nz(step));
            r = s ? rg_db_step(store, errs, s) : -1;
            rc = r < 0 ? -1 : 0;
        }
        if (rc == 0 && r == 1) {
            int64_t id = sqlite3_column_int64(s, 0);
            char *kind = rg_db_col_dup(s, 1), *what = rg_db_col_dup(s, 2);
            char *why = rg_one_line(reason && *reason ? reason : "no longer waited for");
            /* resolved_at without resolved_by: closed, not answered (see
             * rg_store_wait_state) */
            rc = rg_db_exec(store, errs,
                            "UPDATE waits SET resolved_by = NULL, resolved_at = ?, note = ? WHERE "
                            "id = ?",
                            "ssi", t, why, id);
            if (rc == 0) {
                char *detail = rg_xasprintf("step %s: %s (%s) closed without an answer: %s", step,
                                            kind, what, why);
                rc = rg_audit_append(store, run_id, NULL, "wait_closed", detail, NULL, errs);
                free(detail);
            }
            closed = rc == 0;
            free(why);
            free(kind);
            free(what);
        }
        rg_db_done(store, s);
        rc = rg_db_end(store, rc, errs);
    }
    UNLOCK(store);
    return rc != 0 ? -1 : closed;
}

int rg_store_waits_open(rg_store *store, const char *run_id, char ***steps, size_t *n,
                        rg_errors *errs)
{
    *steps = NULL;
    *n = 0;
    LOCK(store);
    int rc = -1;
    sqlite3_stmt *s = rg_db_prep(store, errs,
                                 "SELECT step FROM waits WHERE run_id = ? AND resolved_at IS NULL "
                                 "ORDER BY id",
                                 "s", run_id);
    if (s) {
        int r;
        while ((r = rg_db_step(store, errs, s)) == 1) {
            *steps = rg_xrealloc(*steps, (*n + 1) * sizeof **steps);
            (*steps)[(*n)++] = rg_db_col_dup(s, 0);
        }
        rg_db_done(store, s);
        rc = r < 0 ? -1 : 0;
    }
    UNLOCK(store);
    return rc;
}

int rg_store_waits_due(rg_store *store, const char *today, rg_store_wait_fn fn, void *ud,
                       rg_errors *errs)
{
    if (!today || !*today) {
        rg_err_add(errs, NULL, 0, "%s: waits due: no date given", store->path);
        return -1;
    }
    LOCK(store);
    sqlite3_stmt *s = rg_db_prep(
        store, errs, WAIT_COLS "AND w.due IS NOT NULL AND w.due <= ? ORDER BY w.due, w.id", "s",
        today);
    if (!s) {
        UNLOCK(store);
        return -1;
    }
    /* collect first: fn may call back into the store */
    strv cells = { 0 };
    int r;
    while ((r = rg_db_step(store, errs, s)) == 1) {
        for (int i = 0; i < 8; i++) {
            const char *c = rg_db_col_str(s, i);
            strv_push(&cells, c ? rg_xstrdup(c) : NULL);
        }
    }
    rg_db_done(store, s);
    int count = -1;
    if (r == 0) {
        count = 0;
        for (size_t i = 0; i + 8 <= cells.n; i += 8) {
            char **c = cells.v + i;
            rg_store_wait w = { c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7] };
            if (fn) {
                fn(ud, &w);
            }
            count++;
        }
    }
    for (size_t i = 0; i < cells.n; i++) {
        free(cells.v[i]);
    }
    free(cells.v);
    UNLOCK(store);
    return count;
}
