/* locks.c - the lock of a run: taken by one process, taken over from a
 * process that died. */
#define _GNU_SOURCE
#include "store_db.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int rg_lock_insert(rg_store *store, const char *run_id, rg_errors *errs)
{
    char t[32], ps[32];
    rg_now_iso(t);
    rg_proc_start((long)getpid(), ps);
    return rg_db_exec(store, errs,
                      "INSERT INTO locks (run_id, pid, host, boot_id, proc_start, since) VALUES "
                      "(?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET pid = excluded.pid, "
                      "host = excluded.host, boot_id = excluded.boot_id, proc_start = "
                      "excluded.proc_start, since = excluded.since",
                      "sissss", run_id, (int64_t)getpid(), store->host, store->boot, ps, t);
}

/* Why a lock is stale, or NULL if its holder may still run. */
const char *rg_lock_stale(rg_store *store, int64_t pid, const char *host, const char *boot,
                          const char *pstart)
{
    if (strcmp(host, store->host) != 0) {
        return NULL; /* another machine: cannot tell */
    }
    if (*boot && *store->boot && strcmp(boot, store->boot) != 0) {
        return "taken before the machine restarted";
    }
    if (pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH)) {
        return "its process no longer runs";
    }
    if (*pstart) {
        char now[32];
        rg_proc_start((long)pid, now);
        if (*now && strcmp(now, pstart) != 0) {
            return "its process no longer runs (the pid now belongs to another process)";
        }
    }
    return NULL;
}

/* Whether run_id, recorded as running, was interrupted: 1, 0, or -1. */
int rg_run_interrupted(rg_store *store, const char *run_id, rg_errors *errs)
{
    sqlite3_stmt *s =
        rg_db_prep(store, errs, "SELECT pid, host, boot_id, proc_start FROM locks WHERE run_id = ?",
                   "s", run_id);
    int r = s ? rg_db_step(store, errs, s) : -1;
    if (r == 1) {
        r = rg_lock_stale(store, sqlite3_column_int64(s, 0), nz(rg_db_col_str(s, 1)),
                          nz(rg_db_col_str(s, 2)), nz(rg_db_col_str(s, 3))) != NULL;
    } else if (r == 0) {
        r = 1;
    }
    rg_db_done(store, s);
    return r;
}

int rg_store_lock_run(rg_store *store, const char *run_id, char **holder, rg_errors *errs)
{
    if (holder) {
        *holder = NULL;
    }
    LOCK(store);
    int rc = rg_db_begin(store, errs);
    if (rc != 0) {
        UNLOCK(store);
        return -1;
    }
    rc = rg_db_run_exists(store, run_id, errs) == 1 ? 0 : -1;
    sqlite3_stmt *s = NULL;
    int r = 0;
    if (rc == 0) {
        s = rg_db_prep(store, errs,
                       "SELECT pid, host, boot_id, proc_start, since FROM locks WHERE run_id = ?",
                       "s", run_id);
        r = s ? rg_db_step(store, errs, s) : -1;
        rc = r < 0 ? -1 : 0;
    }
    if (rc == 0 && r == 0) {
        rc = rg_lock_insert(store, run_id, errs);
    } else if (rc == 0 && r == 1) {
        int64_t pid = sqlite3_column_int64(s, 0);
        char *host = rg_xstrdup(nz(rg_db_col_str(s, 1)));
        char *boot = rg_xstrdup(nz(rg_db_col_str(s, 2)));
        char *pstart = rg_xstrdup(nz(rg_db_col_str(s, 3)));
        char *since = rg_xstrdup(nz(rg_db_col_str(s, 4)));
        rg_db_done(store, s);
        s = NULL;
        char *who = rg_xasprintf("pid %lld on host %s since %s", (long long)pid, host, since);
        if (pid == (int64_t)getpid() && strcmp(host, store->host) == 0 &&
            strcmp(boot, store->boot) == 0) {
            /* ours already */
        } else {
            const char *why = rg_lock_stale(store, pid, host, boot, pstart);
            if (why) {
                rc = rg_lock_insert(store, run_id, errs);
                if (rc == 0) {
                    char *detail = rg_xasprintf("lock of %s taken over by pid %ld on host %s: %s",
                                                who, (long)getpid(), store->host, why);
                    rc =
                        rg_audit_append(store, run_id, NULL, "lock_taken_over", detail, NULL, errs);
                    free(detail);
                }
            } else {
                rg_err_add(errs, NULL, 0, "%s: run %s is locked by %s (%s)", store->path, run_id,
                           who,
                           strcmp(host, store->host) == 0 ? "that process is still running"
                                                          : "on another machine; cannot check "
                                                            "whether it still runs");
                if (holder) {
                    *holder = rg_xstrdup(who);
                }
                rc = -1;
            }
        }
        free(who);
        free(host);
        free(boot);
        free(pstart);
        free(since);
    }
    rg_db_done(store, s);
    rc = rg_db_end(store, rc, errs);
    UNLOCK(store);
    return rc;
}

int rg_store_unlock_run(rg_store *store, const char *run_id, rg_errors *errs)
{
    LOCK(store);
    int rc = rg_db_begin(store, errs);
    if (rc == 0) {
        rc = rg_db_exec(store, errs, "DELETE FROM locks WHERE run_id = ? AND pid = ? AND host = ?",
                        "sis", nz(run_id), (int64_t)getpid(), store->host);
        rc = rg_db_end(store, rc, errs);
    }
    UNLOCK(store);
    return rc;
}
