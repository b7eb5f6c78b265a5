/*
 * db.c - the run store's SQLite file: opening, schema and migrations, and
 * the helpers the other store files share (store_db.h).
 *
 * One SQLite file, WAL mode, schema versioned by PRAGMA user_version and
 * marked by PRAGMA application_id.  Every write is one BEGIN IMMEDIATE
 * transaction.
 */
#define _GNU_SOURCE
#include "store_db.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void rg_iso_time(time_t t, char buf[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void rg_now_iso(char buf[32])
{
    rg_iso_time(time(NULL), buf);
}

static char *read_small(const char *path)
{
    char *s = rg_read_file(path, NULL);
    if (s) {
        char *t = rg_trim(s);
        memmove(s, t, strlen(t) + 1);
    }
    return s;
}

/* Start time of a process in clock ticks after boot ("" if unknown). */
void rg_proc_start(long pid, char out[32])
{
    out[0] = 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    char *s = rg_read_file(path, NULL);
    if (!s) {
        return;
    }
    char *p = strrchr(s, ')');
    if (p) {
        p++;
        /* fields after the name: 3 (state) ... 22 (starttime) */
        for (int field = 3; field <= 22 && p; field++) {
            while (*p == ' ') {
                p++;
            }
            if (field == 22) {
                size_t n = strspn(p, "0123456789");
                if (n > 0 && n < 32) {
                    memcpy(out, p, n);
                    out[n] = 0;
                }
                break;
            }
            p = strchr(p, ' ');
        }
    }
    free(s);
}

static char *default_actor(void)
{
    struct passwd pw, *res = NULL;
    char buf[4096];
    if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &res) == 0 && res && res->pw_name &&
        *res->pw_name) {
        return rg_xstrdup(res->pw_name);
    }
    const char *u = getenv("USER");
    if (u && *u) {
        return rg_xstrdup(u);
    }
    return rg_xasprintf("uid %ld", (long)getuid());
}

/* Replace newlines and tabs by blanks (for table cells). */
char *rg_one_line(const char *s)
{
    char *c = rg_xstrdup(nz(s));
    for (char *p = c; *p; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t') {
            *p = ' ';
        }
    }
    return c;
}

/* A relative path without "..", "." or empty components; NULL if the path
 * cannot be used as one (absolute paths lose their leading '/' when
 * allow_abs). */
char *rg_clean_rel(const char *path, int allow_abs)
{
    if (!path || !*path || strchr(path, '\n') || strchr(path, '\\')) {
        return NULL;
    }
    if (*path == '/' && !allow_abs) {
        return NULL;
    }
    rg_buf b = { 0 };
    const char *p = path;
    while (*p) {
        while (*p == '/') {
            p++;
        }
        size_t l = strcspn(p, "/");
        if (l == 0) {
            break;
        }
        if (l == 1 && p[0] == '.') {
            /* skip */
        } else if (l == 2 && p[0] == '.' && p[1] == '.') {
            if (!allow_abs) {
                rg_buf_free(&b);
                return NULL;
            }
            if (b.len) {
                rg_buf_puts(&b, "/");
            }
            rg_buf_puts(&b, "__");
        } else {
            if (b.len) {
                rg_buf_puts(&b, "/");
            }
            rg_buf_put(&b, p, l);
        }
        p += l;
    }
    return b.data; /* NULL if nothing was left */
}

void rg_db_error(rg_store *store, rg_errors *errs, int rc, const char *what)
{
    const char *msg = store->db ? sqlite3_errmsg(store->db) : sqlite3_errstr(rc);
    int prim = rc & 0xff;
    store->last_rc = rc;
    if (prim == SQLITE_FULL || prim == SQLITE_IOERR) {
        rg_err_add(errs, NULL, 0, "disk full or I/O error writing %s: %s: %s", store->path, what,
                   msg);
    } else if (prim == SQLITE_NOTADB || prim == SQLITE_CORRUPT) {
        rg_err_add(errs, NULL, 0, "%s: corrupt or not an SQLite file (%s)", store->path, msg);
    } else if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED) {
        rg_err_add(errs, NULL, 0,
                   "%s: %s: the store stayed busy for more than 5 s (another regie process is "
                   "writing): %s",
                   store->path, what, msg);
    } else if (prim == SQLITE_READONLY || prim == SQLITE_CANTOPEN || prim == SQLITE_PERM) {
        rg_err_add(errs, NULL, 0, "%s: %s: cannot write the run store: %s", store->path, what, msg);
    } else {
        rg_err_add(errs, NULL, 0, "%s: %s: %s", store->path, what, msg);
    }
}

/* Bind arguments described by fmt: s = text (NULL: null), i = int64,
 * n = int, d = double. */
static int bindv(sqlite3_stmt *s, const char *fmt, va_list ap)
{
    int rc = SQLITE_OK;
    for (int i = 0; fmt && fmt[i] && rc == SQLITE_OK; i++) {
        switch (fmt[i]) {
        case 's': {
            const char *v = va_arg(ap, const char *);
            rc = v ? sqlite3_bind_text(s, i + 1, v, -1, SQLITE_TRANSIENT)
                   : sqlite3_bind_null(s, i + 1);
            break;
        }
        case 'i':
            rc = sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t));
            break;
        case 'n':
            rc = sqlite3_bind_int(s, i + 1, va_arg(ap, int));
            break;
        case 'd':
            rc = sqlite3_bind_double(s, i + 1, va_arg(ap, double));
            break;
        default:
            rc = SQLITE_MISUSE;
        }
    }
    return rc;
}

/* A statement for sql: a cached one when free, else a fresh one. */
static int prep_cached(rg_store *store, const char *sql, sqlite3_stmt **out)
{
    for (int i = 0; i < store->ncache; i++) {
        if (store->cache[i].sql == sql && !store->cache[i].busy) {
            store->cache[i].busy = 1;
            *out = store->cache[i].s;
            return SQLITE_OK;
        }
    }
    int rc = sqlite3_prepare_v3(store->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL);
    if (rc == SQLITE_OK && store->ncache < STMT_CACHE) {
        store->cache[store->ncache].sql = sql;
        store->cache[store->ncache].s = *out;
        store->cache[store->ncache].busy = 1;
        store->ncache++;
    }
    return rc;
}

/* Done with a statement: a cached one is reset for reuse, others freed. */
void rg_db_done(rg_store *store, sqlite3_stmt *s)
{
    if (!s) {
        return;
    }
    for (int i = 0; i < store->ncache; i++) {
        if (store->cache[i].s == s) {
            sqlite3_reset(s);
            sqlite3_clear_bindings(s);
            store->cache[i].busy = 0;
            return;
        }
    }
    sqlite3_finalize(s);
}

static void cache_clear(rg_store *store)
{
    for (int i = 0; i < store->ncache; i++) {
        sqlite3_finalize(store->cache[i].s);
    }
    store->ncache = 0;
}

/* Prepare and bind; NULL with errs on failure. */
sqlite3_stmt *rg_db_prep(rg_store *store, rg_errors *errs, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *s = NULL;
    int rc = prep_cached(store, sql, &s);
    if (rc != SQLITE_OK) {
        rg_db_error(store, errs, rc, "reading");
        sqlite3_finalize(s);
        return NULL;
    }
    va_list ap;
    va_start(ap, fmt);
    rc = bindv(s, fmt, ap);
    va_end(ap);
    if (rc != SQLITE_OK) {
        rg_db_error(store, errs, rc, "reading");
        rg_db_done(store, s);
        return NULL;
    }
    return s;
}

/* Run a statement that returns no rows. */
int rg_db_exec(rg_store *store, rg_errors *errs, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *s = NULL;
    int rc = prep_cached(store, sql, &s);
    if (rc == SQLITE_OK) {
        va_list ap;
        va_start(ap, fmt);
        rc = bindv(s, fmt, ap);
        va_end(ap);
    }
    if (rc == SQLITE_OK) {
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        }
    }
    if (rc != SQLITE_DONE && rc != SQLITE_OK) {
        rg_db_error(store, errs, rc, "writing");
        rg_db_done(store, s);
        return -1;
    }
    rg_db_done(store, s);
    return 0;
}

char *rg_db_col_dup(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? rg_xstrdup((const char *)t) : NULL;
}

const char *rg_db_col_str(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? (const char *)t : NULL;
}

/* Step a query statement: 1 row, 0 done, -1 error (errs). */
int rg_db_step(rg_store *store, rg_errors *errs, sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        return 1;
    }
    if (rc == SQLITE_DONE) {
        return 0;
    }
    rg_db_error(store, errs, rc, "reading");
    return -1;
}

int rg_db_begin(rg_store *store, rg_errors *errs)
{
    if (store->damaged) {
        rg_err_add(errs, NULL, 0,
                   "%s: the run store is damaged (%s); regie writes nothing to it: restore "
                   "the backup, or recover it with sqlite3 (doc/store.md, \"A damaged store\")",
                   store->path, store->damaged);
        return -1;
    }
    if (store->readonly) {
        rg_err_add(errs, NULL, 0, "%s: opened read-only; this command cannot write to it",
                   store->path);
        return -1;
    }
    if (store->nest > 0) {
        /* inside rg_store_txn_begin: part of the caller's transaction,
         * unless SQLite has already rolled that back (a full disk) */
        if (sqlite3_get_autocommit(store->db)) {
            rg_err_add(errs, NULL, 0, "disk full or I/O error writing %s: the transaction was "
                       "rolled back", store->path);
            return -1;
        }
        store->nest++;
        return 0;
    }
    int rc = sqlite3_exec(store->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        rg_db_error(store, errs, rc, "starting a transaction");
        return -1;
    }
    store->nest = 1;
    return 0;
}

void rg_db_rollback(rg_store *store)
{
    if (store->nest > 1) {
        store->nest--; /* the outer transaction decides */
        return;
    }
    store->nest = 0;
    if (!sqlite3_get_autocommit(store->db)) {
        sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
    }
}

/* Commit if ok == 0, else roll back.  Returns 0 only if committed (inside
 * rg_store_txn_begin: only if the part succeeded). */
int rg_db_end(rg_store *store, int ok, rg_errors *errs)
{
    if (store->nest > 1) {
        store->nest--;
        return ok != 0 ? -1 : 0;
    }
    if (ok != 0) {
        rg_db_rollback(store);
        return -1;
    }
    int rc = sqlite3_exec(store->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        rg_db_error(store, errs, rc, "committing");
        rg_db_rollback(store);
        return -1;
    }
    store->nest = 0;
    return 0;
}

int rg_store_txn_begin(rg_store *store, rg_errors *errs)
{
    LOCK(store); /* held until rg_store_txn_end: other threads wait */
    if (rg_db_begin(store, errs) != 0) {
        UNLOCK(store);
        return -1;
    }
    return 0;
}

int rg_store_txn_end(rg_store *store, int ok, rg_errors *errs)
{
    int rc = rg_db_end(store, ok, errs);
    UNLOCK(store);
    return rc;
}

/* 1 if the run exists; 0 (with `no run "X" in STORE`) if not; -1 error. */
int rg_db_run_exists(rg_store *store, const char *run_id, rg_errors *errs)
{
    sqlite3_stmt *s = rg_db_prep(store, errs, "SELECT 1 FROM runs WHERE id = ?", "s", nz(run_id));
    if (!s) {
        return -1;
    }
    int r = rg_db_step(store, errs, s);
    rg_db_done(store, s);
    if (r == 0) {
        rg_err_add(errs, NULL, 0, "no run \"%s\" in %s", nz(run_id), store->path);
    }
    return r;
}

static const char *const migrations[] = {
    /* v1: initial schema */
    "CREATE TABLE runs (\n"
    "  id TEXT PRIMARY KEY,\n"
    "  workflow TEXT NOT NULL,\n"
    "  workflow_path TEXT NOT NULL DEFAULT '',\n"
    "  definition_hash TEXT NOT NULL DEFAULT '',\n"
    "  params TEXT NOT NULL DEFAULT '',\n"
    "  user TEXT NOT NULL DEFAULT '',\n"
    "  host TEXT NOT NULL DEFAULT '',\n"
    "  outdir TEXT NOT NULL DEFAULT '',\n"
    "  status TEXT NOT NULL,\n"
    "  started TEXT NOT NULL,\n"
    "  ended TEXT,\n"
    "  log_entries INTEGER NOT NULL DEFAULT 0,\n"
    "  log_head TEXT NOT NULL DEFAULT ''\n"
    ");\n"
    "CREATE INDEX runs_by_workflow ON runs(workflow, started);\n"
    "CREATE TABLE definition_files (\n"
    "  run_id TEXT NOT NULL REFERENCES runs(id),\n"
    "  path TEXT NOT NULL,\n"
    "  kind TEXT NOT NULL CHECK (kind IN ('file', 'item')),\n"
    "  sha256 TEXT,\n"
    "  PRIMARY KEY (run_id, path)\n"
    ");\n"
    "CREATE TABLE inputs (\n"
    "  run_id TEXT NOT NULL REFERENCES runs(id),\n"
    "  name TEXT NOT NULL,\n"
    "  path TEXT NOT NULL,\n"
    "  size INTEGER NOT NULL,\n"
    "  sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),\n"
    "  PRIMARY KEY (run_id, name)\n"
    ");\n"
    "CREATE TABLE steps (\n"
    "  run_id TEXT NOT NULL REFERENCES runs(id),\n"
    "  step TEXT NOT NULL,\n"
    "  status TEXT NOT NULL,\n"
    "  attempts INTEGER NOT NULL DEFAULT 0,\n"
    "  started TEXT,\n"
    "  ended TEXT,\n"
    "  seconds REAL,\n"
    "  error TEXT,\n"
    "  PRIMARY KEY (run_id, step)\n"
    ");\n"
    "CREATE TABLE outputs (\n"
    "  run_id TEXT NOT NULL,\n"
    "  step TEXT NOT NULL,\n"
    "  relpath TEXT NOT NULL,\n"
    "  sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),\n"
    "  PRIMARY KEY (run_id, relpath),\n"
    "  FOREIGN KEY (run_id, step) REFERENCES steps(run_id, step)\n"
    ");\n"
    "CREATE TABLE locks (\n"
    "  run_id TEXT PRIMARY KEY REFERENCES runs(id),\n"
    "  pid INTEGER NOT NULL,\n"
    "  host TEXT NOT NULL,\n"
    "  boot_id TEXT NOT NULL DEFAULT '',\n"
    "  proc_start TEXT NOT NULL DEFAULT '',\n"
    "  since TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE events (\n"
    "  run_id TEXT NOT NULL REFERENCES runs(id),\n"
    "  seq INTEGER NOT NULL,\n"
    "  time TEXT NOT NULL,\n"
    "  who TEXT NOT NULL,\n"
    "  what TEXT NOT NULL,\n"
    "  detail TEXT NOT NULL,\n"
    "  hashes TEXT NOT NULL,\n"
    "  prev_hash TEXT NOT NULL,\n"
    "  hash TEXT NOT NULL,\n"
    "  PRIMARY KEY (run_id, seq)\n"
    ");\n"
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events\n"
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused'); END;\n"
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events\n"
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused'); END;\n"
    "CREATE TABLE waits (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  run_id TEXT NOT NULL REFERENCES runs(id),\n"
    "  step TEXT NOT NULL,\n"
    "  kind TEXT NOT NULL CHECK (kind IN ('input', 'approval', 'timer')),\n"
    "  what TEXT NOT NULL,\n"
    "  since TEXT NOT NULL,\n"
    "  due TEXT,\n"
    "  four_eyes TEXT,\n"
    "  resolved_by TEXT,\n"
    "  resolved_at TEXT,\n"
    "  note TEXT\n"
    ");\n"
    "CREATE UNIQUE INDEX waits_open ON waits(run_id, step) WHERE resolved_at IS NULL;\n"
    "CREATE INDEX waits_by_run ON waits(run_id, step);\n",
    /* v2: the number of parallel jobs a run was started with, for resume
     * (0: not recorded); what each step read (for resume), and every output
     * a later attempt or phase replaced */
    "ALTER TABLE runs ADD COLUMN jobs INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE steps ADD COLUMN reads_sha256 TEXT;\n"
    "CREATE TABLE output_versions (\n"
    "  run_id TEXT NOT NULL,\n"
    "  step TEXT NOT NULL,\n"
    "  relpath TEXT NOT NULL,\n"
    "  sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),\n"
    "  superseded TEXT NOT NULL,\n"
    "  superseded_seq INTEGER NOT NULL,\n"
    "  PRIMARY KEY (run_id, relpath, sha256)\n"
    ");\n",
    /* v3: the operating-system user who resolved a wait, beside the name
     * given with --by (NULL: not recorded) */
    "ALTER TABLE waits ADD COLUMN resolved_os_user TEXT;\n",
    /* v4: the content of every input file, kept once per SHA-256 however
     * many runs read it (contents.c); and the signed heads (anchor_key.c),
     * a table a regie before v4 made when it first signed (hence IF NOT
     * EXISTS, as for a store another test or tool made by hand) */
    "CREATE TABLE IF NOT EXISTS input_contents (\n"
    "  sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),\n"
    "  size INTEGER NOT NULL,\n"
    "  content BLOB NOT NULL\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS signatures (run_id TEXT NOT NULL, seq INTEGER NOT NULL, time "
    "TEXT NOT NULL, head TEXT NOT NULL, public_key TEXT NOT NULL, signature TEXT NOT NULL, "
    "PRIMARY KEY (run_id, seq));\n",
    /* v5: the run's case (a workflow's `case =`: tender reference, event
     * title), shown beside its id; NULL for runs before it or without one */
    "ALTER TABLE runs ADD COLUMN run_case TEXT;\n",
    /* v6: the step journal (journal.c): records a step keeps for work that
     * must happen once, such as a message sent, by run, step and key */
    "CREATE TABLE IF NOT EXISTS journal (\n"
    "  run_id TEXT NOT NULL REFERENCES runs(id),\n"
    "  step TEXT NOT NULL,\n"
    "  key TEXT NOT NULL,\n"
    "  value TEXT NOT NULL,\n"
    "  time TEXT NOT NULL,\n"
    "  PRIMARY KEY (run_id, step, key)\n"
    ");\n",
    /* v7: the people who sign in to the web console (users.c): an Argon2id
     * hash (crypto_pwhash_str) and roles per workflow, "ROLE:WORKFLOW"
     * separated by blanks; notify 0: no notifications; email for them.
     * notices: the notifications the console sent (each once).  And indexes for the
     * console's run list (filters by status, newest first). */
    "CREATE TABLE IF NOT EXISTS users (\n"
    "  name TEXT PRIMARY KEY,\n"
    "  hash TEXT NOT NULL,\n"
    "  roles TEXT NOT NULL DEFAULT '',\n"
    "  notify INTEGER NOT NULL DEFAULT 1,\n"
    "  email TEXT,\n"
    "  created TEXT NOT NULL,\n"
    "  changed TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS notices (\n"
    "  kind TEXT NOT NULL,\n"
    "  run_id TEXT NOT NULL,\n"
    "  step TEXT NOT NULL,\n"
    "  sent TEXT NOT NULL,\n"
    "  PRIMARY KEY (kind, run_id, step)\n"
    ");\n"
    "CREATE INDEX IF NOT EXISTS runs_by_started ON runs(started);\n"
    "CREATE INDEX IF NOT EXISTS runs_by_status ON runs(status, started);\n"
    "CREATE INDEX IF NOT EXISTS runs_by_workflow_status ON runs(workflow, status, started);\n",
    /* v8: an approval can be rejected (tasks.c rg_store_wait_reject): the
     * wait is answered, with 1 here; the step then fails */
    "ALTER TABLE waits ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0;\n",
    /* v9: the web console's sessions (users.c): the SHA-256 of the cookie's
     * token (never the token), its user, CSRF token and end (Unix time); a
     * restarted console keeps them, and ending a user's (user del, passwd)
     * takes effect at the next request */
    "CREATE TABLE IF NOT EXISTS sessions (\n"
    "  token_sha256 TEXT PRIMARY KEY,\n"
    "  user TEXT NOT NULL,\n"
    "  csrf TEXT NOT NULL,\n"
    "  expires INTEGER NOT NULL\n"
    ");\n"
    "CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions(user);\n",
};
#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/* Check the identity and version; 1 if migrations are due, 0 if current,
 * -1 refused. */
static int check_identity(rg_store *store, rg_errors *errs, int64_t *version)
{
    /* one statement: one consistent snapshot even while another process
     * creates the store */
    sqlite3_stmt *s =
        rg_db_prep(store, errs,
                   "SELECT a.application_id, v.user_version, (SELECT count(*) FROM "
                   "sqlite_master) FROM pragma_application_id AS a, pragma_user_version "
                   "AS v",
                   NULL);
    if (!s) {
        return -1;
    }
    int r = rg_db_step(store, errs, s);
    if (r != 1) {
        if (r == 0) {
            rg_db_error(store, errs, SQLITE_ERROR, "reading the schema version");
        }
        rg_db_done(store, s);
        return -1;
    }
    int64_t appid = sqlite3_column_int64(s, 0), ver = sqlite3_column_int64(s, 1),
            ntables = sqlite3_column_int64(s, 2);
    rg_db_done(store, s);
    if (appid != RG_STORE_APPLICATION_ID) {
        if (appid != 0) {
            rg_err_add(errs, NULL, 0,
                       "%s: not a regie run store (application_id 0x%08llx, expected 0x%08x)",
                       store->path, (unsigned long long)(uint32_t)appid, RG_STORE_APPLICATION_ID);
            return -1;
        }
        if (ntables > 0 || ver != 0) {
            rg_err_add(errs, NULL, 0,
                       "%s: not a regie run store (application_id 0, expected 0x%08x; the file "
                       "is another SQLite database)",
                       store->path, RG_STORE_APPLICATION_ID);
            return -1;
        }
    }
    if (ver > RG_STORE_SCHEMA_VERSION) {
        rg_err_add(errs, NULL, 0,
                   "%s: run store schema version %lld is newer than this regie knows "
                   "(version %d); use a newer regie",
                   store->path, (long long)ver, RG_STORE_SCHEMA_VERSION);
        return -1;
    }
    *version = ver;
    return ver < RG_STORE_SCHEMA_VERSION ? 1 : 0;
}

static int has_column(rg_store *store, const char *table, const char *column)
{
    char *sql = sqlite3_mprintf("SELECT 1 FROM pragma_table_info(%Q) WHERE name = %Q", table, column);
    sqlite3_stmt *s = NULL;
    int found = sql && sqlite3_prepare_v2(store->db, sql, -1, &s, NULL) == SQLITE_OK &&
                sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    sqlite3_free(sql);
    return found;
}

static int migrate(rg_store *store, rg_errors *errs)
{
    int64_t ver = 0;
    int due = check_identity(store, errs, &ver);
    if (due <= 0) {
        return due;
    }
    if (rg_db_begin(store, errs) != 0) {
        return -1;
    }
    /* Another process may have migrated while we waited for the lock. */
    due = check_identity(store, errs, &ver);
    int rc = due < 0 ? -1 : 0;
    for (int v = (int)ver; rc == 0 && v < NMIGRATIONS; v++) {
        char *err = NULL;
        /* v5's and v8's columns may be there already: a store a test or tool set back
         * to an older version by hand (SQLite has no ADD COLUMN IF NOT
         * EXISTS) */
        if (v == 4 && has_column(store, "runs", "run_case")) {
            continue;
        }
        if (v == 7 && has_column(store, "waits", "rejected")) {
            continue;
        }
        int r = sqlite3_exec(store->db, migrations[v], NULL, NULL, &err);
        if (r != SQLITE_OK) {
            char *what = rg_xasprintf("migrating the schema to version %d", v + 1);
            rg_db_error(store, errs, r, what);
            free(what);
            rc = -1;
        }
        sqlite3_free(err);
    }
    if (rc == 0 && due > 0) {
        char sql[128];
        snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d",
                 RG_STORE_APPLICATION_ID, RG_STORE_SCHEMA_VERSION);
        int r = sqlite3_exec(store->db, sql, NULL, NULL, NULL);
        if (r != SQLITE_OK) {
            rg_db_error(store, errs, r, "setting the schema version");
            rc = -1;
        }
    }
    return rg_db_end(store, rc, errs);
}

/* A handle on an open connection (owned from now on). */
static rg_store *new_handle(sqlite3 *db, const char *path)
{
    rg_store *store = rg_xcalloc(1, sizeof *store);
    store->db = db;
    store->path = rg_xstrdup(path);
    store->actor = default_actor();
    if (gethostname(store->host, sizeof store->host - 1) != 0 || !store->host[0]) {
        strcpy(store->host, "localhost");
    }
    char *boot = read_small("/proc/sys/kernel/random/boot_id");
    if (boot) {
        snprintf(store->boot, sizeof store->boot, "%s", boot);
        free(boot);
    }
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&store->mu, &ma);
    pthread_mutexattr_destroy(&ma);
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 5000);
    return store;
}

/* SQLite's quick check (the fast part of integrity_check): NULL if the
 * file is sound, else what it found first (caller frees). */
static char *quick_check(rg_store *store)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(store->db, "PRAGMA quick_check(1)", -1, &s, NULL);
    char *bad = NULL;
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(s, 0);
        if (!r || strcmp(r, "ok") != 0) {
            bad = rg_xasprintf("quick_check: %s", r ? r : "?");
        }
    } else if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB) {
        bad = rg_xasprintf("quick_check: %s", sqlite3_errmsg(store->db));
    }
    sqlite3_finalize(s);
    if (bad) {
        for (char *p = bad; *p; p++) {
            *p = *p == '\n' ? ' ' : *p;
        }
    }
    return bad;
}

/* Room kept beside the store (STORE-reserve) for the end of a run on a
 * full disk: made when a process opens the store to write, given back by
 * rg_db_reserve_release. */
#define RESERVE_BYTES (256 * 1024)

static void reserve_make(rg_store *store)
{
    char *p = rg_xasprintf("%s-reserve", store->path);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
        int ok = posix_fallocate(fd, 0, RESERVE_BYTES) == 0;
        close(fd);
        if (!ok) {
            unlink(p); /* no room for it now; the next process tries again */
        }
    }
    free(p);
}

int rg_db_reserve_release(rg_store *store)
{
    char *p = rg_xasprintf("%s-reserve", store->path);
    int rc = unlink(p);
    free(p);
    return rc;
}

/* Test hook (doc/store.md): REGIE_TEST_STORE_PAGES=N lets the store grow
 * by N pages at most in this process (SQLite's max_page_count): past that
 * SQLite answers SQLITE_FULL, "database or disk is full", as on a full
 * disk.  Only this file reads it. */
static void test_full_disk(rg_store *store)
{
    const char *v = getenv("REGIE_TEST_STORE_PAGES");
    if (!v || !*v) {
        return;
    }
    sqlite3_stmt *s = NULL;
    long long pages = -1;
    if (sqlite3_prepare_v2(store->db, "PRAGMA page_count", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
        pages = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    if (pages >= 0) {
        char sql[96];
        snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", pages + atoll(v));
        sqlite3_exec(store->db, sql, NULL, NULL, NULL);
    }
}

rg_store *rg_store_open(const char *path, rg_errors *errs)
{
    if (!path || !*path) {
        rg_err_add(errs, NULL, 0, "no run store configured (the store path is empty)");
        return NULL;
    }
    char *dir = rg_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = 0;
        if (rg_mkdir_p(dir) != 0) {
            rg_err_add(errs, NULL, 0, "%s: cannot create the directory %s: %s", path, dir,
                       strerror(errno));
            free(dir);
            return NULL;
        }
    }
    free(dir);

    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        rg_err_add(errs, NULL, 0, "%s: cannot open the run store: %s", path,
                   db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return NULL;
    }
    rg_store *store = new_handle(db, path);

    int64_t ver = 0;
    if (check_identity(store, errs, &ver) < 0) {
        goto fail;
    }
    /* WAL: readers never block the writer; several processes may share the
     * file.  Changing the mode needs a moment alone with the file.  A file
     * we may only read is left as it is (reports work, writes fail). */
    int readonly = sqlite3_db_readonly(db, "main") == 1;
    for (int tries = 0; !readonly; tries++) {
        sqlite3_stmt *s = NULL;
        rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(s);
        }
        rg_db_done(store, s);
        if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
            break;
        }
        if ((rc & 0xff) != SQLITE_BUSY || tries >= 50) {
            rg_db_error(store, errs, rc, "switching to WAL mode");
            goto fail;
        }
        usleep(100000);
    }
    rc =
        sqlite3_exec(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        rg_db_error(store, errs, rc, "setting up");
        goto fail;
    }
    if (readonly && ver < RG_STORE_SCHEMA_VERSION) {
        rg_err_add(errs, NULL, 0, "%s: the run store needs an upgrade but is read-only", path);
        goto fail;
    }
    /* a damaged file is read where SQLite can, never written (rg_db_begin);
     * the check reads the whole file (about 4 ms a MB), so only a process
     * that may write pays for it */
    if (ver > 0 && !readonly) {
        store->damaged = quick_check(store);
    }
    if (!readonly && migrate(store, errs) != 0) {
        goto fail;
    }
    test_full_disk(store);
    if (!store->damaged) {
        reserve_make(store);
    }
    return store;
fail:
    rg_store_close(store);
    return NULL;
}

/* path as an SQLite URI file name with query (URI-escaped). */
static char *uri_for(const char *path, const char *query)
{
    rg_buf b = { 0 };
    rg_buf_puts(&b, "file:");
    for (const char *p = path; *p; p++) {
        if (*p == '%' || *p == '?' || *p == '#') {
            rg_buf_printf(&b, "%%%02X", (unsigned char)*p);
        } else {
            rg_buf_put(&b, p, 1);
        }
    }
    rg_buf_printf(&b, "?%s", query);
    return b.data;
}

/* Try to read the store through uri: 0 and *out, or the SQLite code of the
 * failure (msg: its text, caller frees). */
static int try_read(const char *path, const char *uri, rg_store **out, int64_t *ver, char **msg,
                    rg_errors *errs)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    if (rc != SQLITE_OK) {
        *msg = rg_xstrdup(db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return rc;
    }
    rg_store *store = new_handle(db, path);
    rg_errors e = { 0 };
    if (check_identity(store, &e, ver) < 0) {
        rc = sqlite3_extended_errcode(db);
        int prim = rc & 0xff;
        if (prim == SQLITE_CANTOPEN || prim == SQLITE_READONLY || prim == SQLITE_PERM ||
            prim == SQLITE_IOERR) {
            *msg = rg_xstrdup(sqlite3_errmsg(db));
        } else {
            rc = SQLITE_ERROR; /* a refusal that names the file: final */
            for (size_t i = 0; i < e.n; i++) {
                rg_err_add(errs, NULL, 0, "%s", e.msg[i]);
            }
        }
        rg_err_free(&e);
        rg_store_close(store);
        return rc == SQLITE_OK ? SQLITE_ERROR : rc;
    }
    *out = store;
    return 0;
}

/* A store made by an older regie, read without writing it: copied into
 * memory and upgraded there (the file stays as it is). */
static int read_upgraded(rg_store *store, rg_errors *errs)
{
    sqlite3 *mem = NULL;
    int rc = sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE, NULL);
    sqlite3_backup *b = rc == SQLITE_OK ? sqlite3_backup_init(mem, "main", store->db, "main") : NULL;
    if (b) {
        sqlite3_backup_step(b, -1);
        rc = sqlite3_backup_finish(b);
    } else if (rc == SQLITE_OK) {
        rc = sqlite3_errcode(mem);
    }
    if (rc != SQLITE_OK) {
        rg_db_error(store, errs, rc, "reading the store (made by an older regie) into memory");
        sqlite3_close(mem);
        return -1;
    }
    cache_clear(store);
    sqlite3_close_v2(store->db);
    store->db = mem;
    sqlite3_extended_result_codes(mem, 1);
    return migrate(store, errs);
}

rg_store *rg_store_open_read(const char *path, rg_errors *errs)
{
    struct stat sb;
    if (!path || !*path || stat(path, &sb) != 0) {
        return rg_store_open(path, errs); /* as before: an empty store */
    }
    rg_store *store = NULL;
    int64_t ver = 0;
    char *msg = NULL;
    char *uri = uri_for(path, "mode=ro");
    int rc = try_read(path, uri, &store, &ver, &msg, errs);
    free(uri);
    if (rc != 0 && rc != SQLITE_ERROR) {
        /* The WAL's index (-shm) cannot be made: a read-only directory or
         * mount.  Without a -wal file all of the store is in the main
         * file, and it is read as it is (immutable).  A -wal file holds
         * commits not yet in the main file: reading without it would show
         * an older store. */
        char *wal = rg_xasprintf("%s-wal", path);
        struct stat wb;
        if (stat(wal, &wb) == 0 && wb.st_size > 0) {
            rg_err_add(errs, NULL, 0,
                       "%s: cannot read the run store (%s): %s holds changes not yet in the "
                       "main file, and SQLite cannot open it here; copy the store with its -wal "
                       "and -shm files to a folder you may write, or ask its owner for a backup "
                       "(sqlite3 %s \".backup FILE\")",
                       path, msg, wal, path);
        } else {
            free(msg);
            msg = NULL;
            uri = uri_for(path, "immutable=1");
            rc = try_read(path, uri, &store, &ver, &msg, errs);
            free(uri);
            if (rc != 0 && rc != SQLITE_ERROR) {
                rg_err_add(errs, NULL, 0, "%s: cannot read the run store: %s", path, msg);
            }
        }
        free(wal);
    }
    free(msg);
    if (!store) {
        return NULL;
    }
    if (ver < RG_STORE_SCHEMA_VERSION && read_upgraded(store, errs) != 0) {
        rg_store_close(store);
        return NULL;
    }
    store->readonly = 1;
    sqlite3_exec(store->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    return store;
}

void rg_store_close(rg_store *store)
{
    if (!store) {
        return;
    }
    cache_clear(store);
    sqlite3_close_v2(store->db);
    pthread_mutex_destroy(&store->mu);
    free(store->path);
    free(store->actor);
    free(store->damaged);
    if (store->sign_key) { /* anchor.c */
        explicit_bzero(store->sign_key, RG_SIGN_KEY_BYTES);
        free(store->sign_key);
    }
    free(store);
}

int rg_store_set_sync(rg_store *store, int full, rg_errors *errs)
{
    LOCK(store);
    int rc =
        sqlite3_exec(store->db, full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
                     NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        rg_err_add(errs, store->path, 0, "cannot set the sync mode: %s", sqlite3_errmsg(store->db));
    }
    UNLOCK(store);
    return rc == SQLITE_OK ? 0 : -1;
}

const char *rg_store_path(const rg_store *store)
{
    return store->path;
}

void rg_store_set_actor(rg_store *store, const char *who)
{
    LOCK(store);
    free(store->actor);
    store->actor = who && *who ? rg_xstrdup(who) : default_actor();
    UNLOCK(store);
}

const char *rg_store_actor(const rg_store *store)
{
    return store->actor;
}

void *rg_store_handle(rg_store *store)
{
    return store->db;
}
