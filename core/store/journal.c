/*
 * journal.c - the step journal (regie.h: host->journal_put, journal_get):
 * short records a step keeps for work that must happen once (a message
 * sent), by run, step and key (table journal, schema v6).  A record is
 * committed before journal_put returns, so a crash right after it, a retry
 * and `regie resume` all see it.  Records are not audit entries: they are
 * not in the audit trail, the log or a bundle.
 */
#include "store_db.h"

#include <stdlib.h>
#include <string.h>

int rg_store_journal_put(rg_store *store, const char *run_id, const char *step, const char *key,
                         const char *value, rg_errors *errs)
{
    if (!run_id || !step || !key || !*key || !value) {
        rg_err_add(errs, NULL, 0, "%s: a journal record needs a run, a step and a key",
                   store->path);
        return -1;
    }
    LOCK(store);
    char t[32];
    rg_now_iso(t);
    int rc = rg_db_begin(store, errs);
    if (rc == 0) {
        rc = rg_db_run_exists(store, run_id, errs) == 1 ? 0 : -1;
        if (rc == 0) {
            rc = rg_db_exec(store, errs,
                            "INSERT INTO journal (run_id, step, key, value, time) VALUES (?, ?, ?, "
                            "?, ?) ON CONFLICT (run_id, step, key) DO UPDATE SET value = "
                            "excluded.value, time = excluded.time",
                            "sssss", run_id, step, key, value, t);
        }
        rc = rg_db_end(store, rc, errs);
    }
    UNLOCK(store);
    return rc;
}

int rg_store_journal_get(rg_store *store, const char *run_id, const char *step, const char *key,
                         char **value, rg_errors *errs)
{
    *value = NULL;
    LOCK(store);
    sqlite3_stmt *s =
        rg_db_prep(store, errs, "SELECT value FROM journal WHERE run_id = ? AND step = ? AND key = ?",
                   "sss", nz(run_id), nz(step), nz(key));
    int r = -1;
    if (s) {
        r = rg_db_step(store, errs, s);
        if (r == 1) {
            *value = rg_db_col_dup(s, 0);
        }
        rg_db_done(store, s);
    }
    UNLOCK(store);
    return r;
}
