/*
 * store.c - the durable run store (see store.h and doc/store.md).
 *
 * One SQLite file, WAL mode, schema versioned by PRAGMA user_version and
 * marked by PRAGMA application_id.  Every write is one BEGIN IMMEDIATE
 * transaction.  The audit log of a run is a hash chain:
 *   hash(n) = SHA-256(hash(n-1) || canonical(entry n)),
 *   hash(0) = SHA-256("regie-genesis-1\n" || run id)
 * with canonical() a length-prefixed serialisation of run, time, who, what,
 * detail and hashes (the sequence number is bound by the chain itself).
 */
#define _GNU_SOURCE
#include "store.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Prepared statements kept for reuse, keyed by the SQL text's address (the
 * queries are string literals): preparing was two thirds of a step's cost. */
#define STMT_CACHE 64
typedef struct cached_stmt {
    const char *sql;
    sqlite3_stmt *s;
    int busy;
} cached_stmt;

struct rg_store {
    cached_stmt cache[STMT_CACHE];
    int ncache;
    sqlite3 *db;
    char *path;
    char *actor;
    char host[256];
    char boot[64];
    pthread_mutex_t mu;
};

/* ======================================================================== */
/* SHA-256                                                                   */
/* ======================================================================== */

struct rg_sha256 {
    struct sha256_ctx ctx;
};

static void to_hex(const uint8_t *d, size_t n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[2 * n] = 0;
}

rg_sha256 *rg_sha256_new(void)
{
    rg_sha256 *h = rg_xmalloc(sizeof *h);
    sha256_init(&h->ctx);
    return h;
}

void rg_sha256_add(rg_sha256 *h, const void *data, size_t len)
{
    sha256_update(&h->ctx, len, data);
}

void rg_sha256_finish(rg_sha256 *h, char hex[65])
{
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(&h->ctx, sizeof d, d);
    to_hex(d, sizeof d, hex);
    free(h);
}

void rg_sha256_buf(const void *data, size_t len, char hex[65])
{
    struct sha256_ctx ctx;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, len, data);
    sha256_digest(&ctx, sizeof d, d);
    to_hex(d, sizeof d, hex);
}

int rg_sha256_file(const char *path, char hex[65])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        close(fd);
        errno = EISDIR;
        return -1;
    }
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    uint8_t *buf = rg_xmalloc(65536);
    for (;;) {
        ssize_t r = read(fd, buf, 65536);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            int e = errno;
            free(buf);
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0) {
            break;
        }
        sha256_update(&ctx, (size_t)r, buf);
    }
    free(buf);
    close(fd);
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, sizeof d, d);
    to_hex(d, sizeof d, hex);
    return 0;
}

int rg_sha256_valid(const char *s)
{
    if (!s) {
        return 0;
    }
    size_t i = 0;
    for (; s[i]; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }
    return i == 64;
}

/* ======================================================================== */
/* small helpers                                                             */
/* ======================================================================== */

static const char *nz(const char *s)
{
    return s ? s : "";
}

static void iso_time(time_t t, char buf[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void now_iso(char buf[32])
{
    iso_time(time(NULL), buf);
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
static void proc_start(long pid, char out[32])
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
static char *one_line(const char *s)
{
    char *c = rg_xstrdup(nz(s));
    for (char *p = c; *p; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t') {
            *p = ' ';
        }
    }
    return c;
}

/* ======================================================================== */
/* SQLite helpers                                                            */
/* ======================================================================== */

static void db_error(rg_store *st, rg_errors *errs, int rc, const char *what)
{
    const char *msg = st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
    int prim = rc & 0xff;
    if (prim == SQLITE_FULL || prim == SQLITE_IOERR) {
        rg_err_add(errs, NULL, 0, "disk full or I/O error writing %s: %s: %s", st->path, what, msg);
    } else if (prim == SQLITE_NOTADB || prim == SQLITE_CORRUPT) {
        rg_err_add(errs, NULL, 0, "%s: corrupt or not an SQLite file (%s)", st->path, msg);
    } else if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED) {
        rg_err_add(errs, NULL, 0,
                   "%s: %s: the store stayed busy for more than 5 s (another regie process is "
                   "writing): %s",
                   st->path, what, msg);
    } else if (prim == SQLITE_READONLY || prim == SQLITE_CANTOPEN || prim == SQLITE_PERM) {
        rg_err_add(errs, NULL, 0, "%s: %s: cannot write the run store: %s", st->path, what, msg);
    } else {
        rg_err_add(errs, NULL, 0, "%s: %s: %s", st->path, what, msg);
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
            rc = v ? sqlite3_bind_text(s, i + 1, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s, i + 1);
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
static int prep_cached(rg_store *st, const char *sql, sqlite3_stmt **out)
{
    for (int i = 0; i < st->ncache; i++) {
        if (st->cache[i].sql == sql && !st->cache[i].busy) {
            st->cache[i].busy = 1;
            *out = st->cache[i].s;
            return SQLITE_OK;
        }
    }
    int rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL);
    if (rc == SQLITE_OK && st->ncache < STMT_CACHE) {
        st->cache[st->ncache].sql = sql;
        st->cache[st->ncache].s = *out;
        st->cache[st->ncache].busy = 1;
        st->ncache++;
    }
    return rc;
}

/* Done with a statement: a cached one is reset for reuse, others freed. */
static void q_done(rg_store *st, sqlite3_stmt *s)
{
    if (!s) {
        return;
    }
    for (int i = 0; i < st->ncache; i++) {
        if (st->cache[i].s == s) {
            sqlite3_reset(s);
            sqlite3_clear_bindings(s);
            st->cache[i].busy = 0;
            return;
        }
    }
    sqlite3_finalize(s);
}

static void cache_clear(rg_store *st)
{
    for (int i = 0; i < st->ncache; i++) {
        sqlite3_finalize(st->cache[i].s);
    }
    st->ncache = 0;
}

/* Prepare and bind; NULL with errs on failure. */
static sqlite3_stmt *q_prep(rg_store *st, rg_errors *errs, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *s = NULL;
    int rc = prep_cached(st, sql, &s);
    if (rc != SQLITE_OK) {
        db_error(st, errs, rc, "reading");
        sqlite3_finalize(s);
        return NULL;
    }
    va_list ap;
    va_start(ap, fmt);
    rc = bindv(s, fmt, ap);
    va_end(ap);
    if (rc != SQLITE_OK) {
        db_error(st, errs, rc, "reading");
        q_done(st, s);
        return NULL;
    }
    return s;
}

/* Run a statement that returns no rows. */
static int q_exec(rg_store *st, rg_errors *errs, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *s = NULL;
    int rc = prep_cached(st, sql, &s);
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
        db_error(st, errs, rc, "writing");
        q_done(st, s);
        return -1;
    }
    q_done(st, s);
    return 0;
}

static char *col_dup(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? rg_xstrdup((const char *)t) : NULL;
}

static const char *col_str(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? (const char *)t : NULL;
}

/* Step a query statement: 1 row, 0 done, -1 error (errs). */
static int q_step(rg_store *st, rg_errors *errs, sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        return 1;
    }
    if (rc == SQLITE_DONE) {
        return 0;
    }
    db_error(st, errs, rc, "reading");
    return -1;
}

static int tx_begin(rg_store *st, rg_errors *errs)
{
    int rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        db_error(st, errs, rc, "starting a transaction");
        return -1;
    }
    return 0;
}

static void tx_rollback(rg_store *st)
{
    if (!sqlite3_get_autocommit(st->db)) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    }
}

/* Commit if ok == 0, else roll back.  Returns 0 only if committed. */
static int tx_end(rg_store *st, int ok, rg_errors *errs)
{
    if (ok != 0) {
        tx_rollback(st);
        return -1;
    }
    int rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        db_error(st, errs, rc, "committing");
        tx_rollback(st);
        return -1;
    }
    return 0;
}

#define LOCK(st) pthread_mutex_lock(&(st)->mu)
#define UNLOCK(st) pthread_mutex_unlock(&(st)->mu)

/* 1 if the run exists; 0 (with `no run "X" in STORE`) if not; -1 error. */
static int run_exists(rg_store *st, const char *run_id, rg_errors *errs)
{
    sqlite3_stmt *s = q_prep(st, errs, "SELECT 1 FROM runs WHERE id = ?", "s", nz(run_id));
    if (!s) {
        return -1;
    }
    int r = q_step(st, errs, s);
    q_done(st, s);
    if (r == 0) {
        rg_err_add(errs, NULL, 0, "no run \"%s\" in %s", nz(run_id), st->path);
    }
    return r;
}

/* ======================================================================== */
/* schema                                                                    */
/* ======================================================================== */

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
};
#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/* Check the identity and version; 1 if migrations are due, 0 if current,
 * -1 refused. */
static int check_identity(rg_store *st, rg_errors *errs, int64_t *version)
{
    /* one statement: one consistent snapshot even while another process
     * creates the store */
    sqlite3_stmt *s = q_prep(st, errs,
                             "SELECT a.application_id, v.user_version, (SELECT count(*) FROM "
                             "sqlite_master) FROM pragma_application_id AS a, pragma_user_version "
                             "AS v",
                             NULL);
    if (!s) {
        return -1;
    }
    int r = q_step(st, errs, s);
    if (r != 1) {
        if (r == 0) {
            db_error(st, errs, SQLITE_ERROR, "reading the schema version");
        }
        q_done(st, s);
        return -1;
    }
    int64_t appid = sqlite3_column_int64(s, 0), ver = sqlite3_column_int64(s, 1),
            ntables = sqlite3_column_int64(s, 2);
    q_done(st, s);
    if (appid != RG_STORE_APPLICATION_ID) {
        if (appid != 0) {
            rg_err_add(errs, NULL, 0,
                       "%s: not a regie run store (application_id 0x%08llx, expected 0x%08x)",
                       st->path, (unsigned long long)(uint32_t)appid, RG_STORE_APPLICATION_ID);
            return -1;
        }
        if (ntables > 0 || ver != 0) {
            rg_err_add(errs, NULL, 0,
                       "%s: not a regie run store (application_id 0, expected 0x%08x; the file "
                       "is another SQLite database)",
                       st->path, RG_STORE_APPLICATION_ID);
            return -1;
        }
    }
    if (ver > RG_STORE_SCHEMA_VERSION) {
        rg_err_add(errs, NULL, 0,
                   "%s: run store schema version %lld is newer than this regie knows "
                   "(version %d); use a newer regie",
                   st->path, (long long)ver, RG_STORE_SCHEMA_VERSION);
        return -1;
    }
    *version = ver;
    return ver < RG_STORE_SCHEMA_VERSION ? 1 : 0;
}

static int migrate(rg_store *st, rg_errors *errs)
{
    int64_t ver = 0;
    int due = check_identity(st, errs, &ver);
    if (due <= 0) {
        return due;
    }
    if (tx_begin(st, errs) != 0) {
        return -1;
    }
    /* Another process may have migrated while we waited for the lock. */
    due = check_identity(st, errs, &ver);
    int rc = due < 0 ? -1 : 0;
    for (int v = (int)ver; rc == 0 && v < NMIGRATIONS; v++) {
        char *err = NULL;
        int r = sqlite3_exec(st->db, migrations[v], NULL, NULL, &err);
        if (r != SQLITE_OK) {
            char *what = rg_xasprintf("migrating the schema to version %d", v + 1);
            db_error(st, errs, r, what);
            free(what);
            rc = -1;
        }
        sqlite3_free(err);
    }
    if (rc == 0 && due > 0) {
        char sql[128];
        snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d",
                 RG_STORE_APPLICATION_ID, RG_STORE_SCHEMA_VERSION);
        int r = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
        if (r != SQLITE_OK) {
            db_error(st, errs, r, "setting the schema version");
            rc = -1;
        }
    }
    return tx_end(st, rc, errs);
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
    rg_store *st = rg_xcalloc(1, sizeof *st);
    st->db = db;
    st->path = rg_xstrdup(path);
    st->actor = default_actor();
    if (gethostname(st->host, sizeof st->host - 1) != 0 || !st->host[0]) {
        strcpy(st->host, "localhost");
    }
    char *boot = read_small("/proc/sys/kernel/random/boot_id");
    if (boot) {
        snprintf(st->boot, sizeof st->boot, "%s", boot);
        free(boot);
    }
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&st->mu, &ma);
    pthread_mutexattr_destroy(&ma);

    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 5000);

    int64_t ver = 0;
    if (check_identity(st, errs, &ver) < 0) {
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
        q_done(st, s);
        if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
            break;
        }
        if ((rc & 0xff) != SQLITE_BUSY || tries >= 50) {
            db_error(st, errs, rc, "switching to WAL mode");
            goto fail;
        }
        usleep(100000);
    }
    rc = sqlite3_exec(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        db_error(st, errs, rc, "setting up");
        goto fail;
    }
    if (readonly && ver < RG_STORE_SCHEMA_VERSION) {
        rg_err_add(errs, NULL, 0, "%s: the run store needs an upgrade but is read-only", path);
        goto fail;
    }
    if (!readonly && migrate(st, errs) != 0) {
        goto fail;
    }
    return st;
fail:
    rg_store_close(st);
    return NULL;
}

void rg_store_close(rg_store *st)
{
    if (!st) {
        return;
    }
    cache_clear(st);
    sqlite3_close_v2(st->db);
    pthread_mutex_destroy(&st->mu);
    free(st->path);
    free(st->actor);
    free(st);
}

const char *rg_store_path(const rg_store *st)
{
    return st->path;
}

void rg_store_set_actor(rg_store *st, const char *who)
{
    LOCK(st);
    free(st->actor);
    st->actor = who && *who ? rg_xstrdup(who) : default_actor();
    UNLOCK(st);
}

const char *rg_store_actor(const rg_store *st)
{
    return st->actor;
}

void *rg_store_handle(rg_store *st)
{
    return st->db;
}

/* ======================================================================== */
/* audit log: canonical form, chain, append                                   */
/* ======================================================================== */

typedef struct ev {
    int64_t seq;
    char *run, *time, *who, *what, *detail, *hashes, *prev, *hash;
    long line; /* in log.jsonl, or 0 */
} ev;

static void ev_free(ev *e)
{
    free(e->run);
    free(e->time);
    free(e->who);
    free(e->what);
    free(e->detail);
    free(e->hashes);
    free(e->prev);
    free(e->hash);
    memset(e, 0, sizeof *e);
}

static void evs_free(ev *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ev_free(&v[i]);
    }
    free(v);
}

static void canon_field(rg_buf *b, const char *name, const char *v)
{
    v = nz(v);
    rg_buf_printf(b, "%s %zu:", name, strlen(v));
    rg_buf_puts(b, v);
    rg_buf_puts(b, "\n");
}

static void entry_hash(const char *prev, const char *run, const char *time, const char *who,
                       const char *what, const char *detail, const char *hashes, char hex[65])
{
    rg_buf b = { 0 };
    rg_buf_puts(&b, nz(prev));
    rg_buf_puts(&b, "\nregie-event-1\n");
    canon_field(&b, "run", run);
    canon_field(&b, "time", time);
    canon_field(&b, "who", who);
    canon_field(&b, "what", what);
    canon_field(&b, "detail", detail);
    canon_field(&b, "hashes", hashes);
    rg_sha256_buf(b.data, b.len, hex);
    rg_buf_free(&b);
}

static void genesis(const char *run_id, char hex[65])
{
    rg_buf b = { 0 };
    rg_buf_puts(&b, "regie-genesis-1\n");
    rg_buf_puts(&b, nz(run_id));
    rg_sha256_buf(b.data, b.len, hex);
    rg_buf_free(&b);
}

/* Append an entry inside the caller's transaction. */
static int append_event(rg_store *st, const char *run_id, const char *who, const char *what,
                        const char *detail, const char *hashes, rg_errors *errs)
{
    sqlite3_stmt *s = q_prep(st, errs,
                             "SELECT seq, hash FROM events WHERE run_id = ? ORDER BY seq DESC "
                             "LIMIT 1",
                             "s", run_id);
    if (!s) {
        return -1;
    }
    int r = q_step(st, errs, s);
    if (r < 0) {
        q_done(st, s);
        return -1;
    }
    char prev[65];
    int64_t seq = 1;
    if (r == 1) {
        seq = sqlite3_column_int64(s, 0) + 1;
        snprintf(prev, sizeof prev, "%s", nz(col_str(s, 1)));
    } else {
        genesis(run_id, prev);
    }
    q_done(st, s);
    char t[32], hash[65];
    now_iso(t);
    who = who && *who ? who : st->actor;
    entry_hash(prev, run_id, t, who, what, detail, hashes, hash);
    if (q_exec(st, errs,
               "INSERT INTO events (run_id, seq, time, who, what, detail, hashes, prev_hash, "
               "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
               "sisssssss", run_id, seq, t, who, nz(what), nz(detail), nz(hashes), prev,
               hash) != 0) {
        return -1;
    }
    return q_exec(st, errs, "UPDATE runs SET log_entries = ?, log_head = ? WHERE id = ?", "iss",
                  seq, hash, run_id);
}

int rg_store_log_event(rg_store *st, const char *run_id, const char *who, const char *what,
                       const char *detail, const char *hashes_text, rg_errors *errs)
{
    if (!what || !*what) {
        rg_err_add(errs, NULL, 0, "%s: an audit entry needs a `what`", st->path);
        return -1;
    }
    LOCK(st);
    int rc = tx_begin(st, errs);
    if (rc == 0) {
        rc = run_exists(st, run_id, errs) == 1 ? 0 : -1;
        if (rc == 0) {
            rc = append_event(st, run_id, who, what, detail, hashes_text, errs);
        }
        rc = tx_end(st, rc, errs);
    }
    UNLOCK(st);
    return rc;
}

/* "entry 7 (step_finished: step rank: done ...)" */
static char *ev_label(const ev *e)
{
    char *d = one_line(e->detail);
    if (strlen(d) > 48) {
        strcpy(d + 45, "...");
    }
    char *s = *d ? rg_xasprintf("entry %lld (%s: %s)", (long long)e->seq, nz(e->what), d)
                 : rg_xasprintf("entry %lld (%s)", (long long)e->seq, nz(e->what));
    free(d);
    return s;
}

static char *short_hash(const char *h)
{
    return rg_xasprintf("%.12s", nz(h));
}

/* Check the chain of v[0..n) (in the order given).  0 intact; 1 broken with
 * the first problem in *msg (*line: the v[].line of the place, or 0). */
static int chain_check(const char *run_id, const ev *v, size_t n, int64_t expect_count,
                       const char *expect_head, char **msg, long *line)
{
    char g[65], h[65];
    genesis(run_id, g);
    *line = 0;
    for (size_t i = 0; i < n; i++) {
        const ev *e = &v[i];
        int64_t want = i == 0 ? 1 : v[i - 1].seq + 1;
        *line = e->line;
        if (e->seq != want) {
            /* Does the wanted entry come later?  Then it is order, not loss. */
            long later = -1;
            for (size_t j = i + 1; j < n; j++) {
                if (v[j].seq == want) {
                    later = (long)j;
                    break;
                }
            }
            if (i > 0 && e->seq == v[i - 1].seq) {
                *msg = rg_xasprintf("entry %lld appears twice", (long long)e->seq);
            } else if (later >= 0 || e->seq < want) {
                *msg = rg_xasprintf("entries out of order: entry %lld comes where entry %lld "
                                    "belongs",
                                    (long long)e->seq, (long long)want);
            } else if (i == 0) {
                *msg = rg_xasprintf("entry 1 missing: the log starts at entry %lld",
                                    (long long)e->seq);
            } else if (e->seq == want + 1) {
                *msg = rg_xasprintf("entry %lld missing: sequence jumps from %lld to %lld",
                                    (long long)want, (long long)v[i - 1].seq, (long long)e->seq);
            } else {
                *msg = rg_xasprintf("entries %lld to %lld missing: sequence jumps from %lld to "
                                    "%lld",
                                    (long long)want, (long long)e->seq - 1,
                                    (long long)v[i - 1].seq, (long long)e->seq);
            }
            return 1;
        }
        if (strcmp(nz(e->run), nz(run_id)) != 0) {
            char *l = ev_label(e);
            *msg = rg_xasprintf("%s: belongs to run \"%s\", not \"%s\"", l, nz(e->run), run_id);
            free(l);
            return 1;
        }
        entry_hash(e->prev, e->run, e->time, e->who, e->what, e->detail, e->hashes, h);
        if (strcmp(h, nz(e->hash)) != 0) {
            char *l = ev_label(e);
            *msg = rg_xasprintf("%s: content does not match its hash", l);
            free(l);
            return 1;
        }
        const char *want_prev = i == 0 ? g : nz(v[i - 1].hash);
        if (strcmp(nz(e->prev), want_prev) != 0) {
            if (i == 0) {
                *msg = rg_xasprintf("entry 1 does not chain from the genesis value of run "
                                    "\"%s\"",
                                    run_id);
                return 1;
            }
            long from = -1;
            for (size_t j = 0; j < n; j++) {
                if (j != i - 1 && strcmp(nz(v[j].hash), nz(e->prev)) == 0) {
                    from = (long)j;
                    break;
                }
            }
            char *a = short_hash(e->prev), *b = short_hash(want_prev);
            if (from >= 0) {
                *msg = rg_xasprintf("entry %lld does not chain from entry %lld (it follows "
                                    "entry %lld: entries reordered)",
                                    (long long)e->seq, (long long)v[i - 1].seq,
                                    (long long)v[from].seq);
            } else {
                *msg = rg_xasprintf("entry %lld does not chain from entry %lld (its prev_hash "
                                    "%s..., entry %lld's hash %s...: one of them was altered)",
                                    (long long)e->seq, (long long)v[i - 1].seq, a,
                                    (long long)v[i - 1].seq, b);
            }
            free(a);
            free(b);
            return 1;
        }
    }
    *line = 0;
    int64_t last = n ? v[n - 1].seq : 0;
    if (expect_count >= 0 && last < expect_count) {
        *msg = rg_xasprintf("entries %lld to %lld missing at the end: the run records %lld "
                            "entries (log truncated)",
                            (long long)last + 1, (long long)expect_count,
                            (long long)expect_count);
        return 1;
    }
    if (expect_count >= 0 && last > expect_count) {
        *msg = rg_xasprintf("the log has %lld entries but the run records %lld", (long long)last,
                            (long long)expect_count);
        return 1;
    }
    if (expect_head && n > 0 && strcmp(expect_head, nz(v[n - 1].hash)) != 0) {
        *msg = rg_xasprintf("the hash of the last entry %lld differs from the recorded head "
                            "%.12s...",
                            (long long)last, expect_head);
        return 1;
    }
    return 0;
}

static int load_events(rg_store *st, const char *run_id, ev **out, size_t *nout, rg_errors *errs)
{
    sqlite3_stmt *s = q_prep(st, errs,
                             "SELECT seq, run_id, time, who, what, detail, hashes, prev_hash, "
                             "hash FROM events WHERE run_id = ? ORDER BY seq",
                             "s", run_id);
    if (!s) {
        return -1;
    }
    ev *v = NULL;
    size_t n = 0, cap = 0;
    int r;
    while ((r = q_step(st, errs, s)) == 1) {
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            v = rg_xrealloc(v, cap * sizeof *v);
        }
        ev *e = &v[n++];
        memset(e, 0, sizeof *e);
        e->seq = sqlite3_column_int64(s, 0);
        e->run = col_dup(s, 1);
        e->time = col_dup(s, 2);
        e->who = col_dup(s, 3);
        e->what = col_dup(s, 4);
        e->detail = col_dup(s, 5);
        e->hashes = col_dup(s, 6);
        e->prev = col_dup(s, 7);
        e->hash = col_dup(s, 8);
    }
    q_done(st, s);
    if (r < 0) {
        evs_free(v, n);
        return -1;
    }
    *out = v;
    *nout = n;
    return 0;
}

/* ======================================================================== */
/* runs                                                                       */
/* ======================================================================== */

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

static int insert_lock(rg_store *st, const char *run_id, rg_errors *errs)
{
    char t[32], ps[32];
    now_iso(t);
    proc_start((long)getpid(), ps);
    return q_exec(st, errs,
                  "INSERT INTO locks (run_id, pid, host, boot_id, proc_start, since) VALUES "
                  "(?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET pid = excluded.pid, "
                  "host = excluded.host, boot_id = excluded.boot_id, proc_start = "
                  "excluded.proc_start, since = excluded.since",
                  "sissss", run_id, (int64_t)getpid(), st->host, st->boot, ps, t);
}

int rg_store_run_begin(rg_store *st, const char *workflow, const char *workflow_path,
                       const char *definition_hash, const char *params_text, const char *user,
                       const char *outdir, char **run_id, rg_errors *errs)
{
    if (!workflow || !*workflow) {
        rg_err_add(errs, NULL, 0, "%s: a run needs a workflow name", st->path);
        return -1;
    }
    LOCK(st);
    const char *u = user && *user ? user : st->actor;
    int rc = -1;
    for (int tries = 0; tries < 20; tries++) {
        char id[32], t[32];
        new_run_id(id);
        now_iso(t);
        if (tx_begin(st, errs) != 0) {
            break;
        }
        sqlite3_stmt *s = q_prep(st, errs, "SELECT 1 FROM runs WHERE id = ?", "s", id);
        int r = s ? q_step(st, errs, s) : -1;
        q_done(st, s);
        if (r == 1) {
            tx_rollback(st); /* taken this second: draw again */
            continue;
        }
        rc = r < 0 ? -1 : 0;
        if (rc == 0) {
            rc = q_exec(st, errs,
                        "INSERT INTO runs (id, workflow, workflow_path, definition_hash, params, "
                        "user, host, outdir, status, started) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                        "'running', ?)",
                        "sssssssss", id, workflow, nz(workflow_path), nz(definition_hash),
                        nz(params_text), u, st->host, nz(outdir), t);
        }
        if (rc == 0) {
            rc = insert_lock(st, id, errs);
        }
        if (rc == 0) {
            char *detail = rg_xasprintf("workflow %s (%s), user %s, host %s, out %s%s%s", workflow,
                                        nz(workflow_path), u, st->host, nz(outdir),
                                        params_text && *params_text ? ", params: " : "",
                                        nz(params_text));
            char *hashes = definition_hash && *definition_hash
                               ? rg_xasprintf("%s  definition", definition_hash)
                               : NULL;
            rc = append_event(st, id, u, "run_started", detail, hashes, errs);
            free(detail);
            free(hashes);
        }
        rc = tx_end(st, rc, errs);
        if (rc == 0 && run_id) {
            *run_id = rg_xstrdup(id);
        }
        break;
    }
    UNLOCK(st);
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

/* Recompute the run's definition hash over what its definition lists now
 * (inside a transaction). */
static int rehash_definition(rg_store *st, const char *run_id, const char *why, rg_errors *errs)
{
    sqlite3_stmt *s = q_prep(st, errs,
                             "SELECT path, coalesce(sha256, '') FROM definition_files WHERE "
                             "run_id = ?",
                             "s", run_id);
    if (!s) {
        return -1;
    }
    char **names = NULL, **shas = NULL;
    size_t n = 0;
    int r;
    while ((r = q_step(st, errs, s)) == 1) {
        names = rg_xrealloc(names, (n + 1) * sizeof *names);
        shas = rg_xrealloc(shas, (n + 1) * sizeof *shas);
        names[n] = col_dup(s, 0);
        shas[n++] = col_dup(s, 1);
    }
    q_done(st, s);
    int rc = r < 0 ? -1 : 0;
    char hex[65];
    if (rc == 0) {
        rg_definition_hash(names, shas, n, hex);
        rc = q_exec(st, errs, "UPDATE runs SET definition_hash = ? WHERE id = ?", "ss", hex,
                    run_id);
    }
    if (rc == 0) {
        char *detail = rg_xasprintf("the definition hash covers %zu entries: %s", n, why);
        char *hashes = rg_xasprintf("%s  definition", hex);
        rc = append_event(st, run_id, NULL, "definition_hash", detail, hashes, errs);
        free(hashes);
        free(detail);
    }
    rg_store_outputs_free(names, shas, n);
    return rc;
}

static int add_definition(rg_store *st, const char *run_id, const char *path, const char *kind,
                          const char *sha256, rg_errors *errs)
{
    if (!path || !*path) {
        rg_err_add(errs, NULL, 0, "%s: a definition %s needs a name", st->path, kind);
        return -1;
    }
    if (sha256 && !rg_sha256_valid(sha256)) {
        rg_err_add(errs, NULL, 0, "%s: %s: invalid sha256 \"%s\"", st->path, path, sha256);
        return -1;
    }
    if (!sha256 && strcmp(kind, "file") == 0) {
        rg_err_add(errs, NULL, 0, "%s: definition file %s needs its sha256", st->path, path);
        return -1;
    }
    LOCK(st);
    int rc = tx_begin(st, errs);
    if (rc == 0) {
        rc = run_exists(st, run_id, errs) == 1 ? 0 : -1;
        if (rc == 0) {
            rc = q_exec(st, errs,
                        "INSERT INTO definition_files (run_id, path, kind, sha256) VALUES (?, ?, "
                        "?, ?) ON CONFLICT (run_id, path) DO UPDATE SET kind = excluded.kind, "
                        "sha256 = excluded.sha256",
                        "ssss", run_id, path, kind, sha256);
        }
        if (rc == 0) {
            char *hashes = sha256 ? rg_xasprintf("%s  %s", sha256, path) : NULL;
            rc = append_event(st, run_id, NULL,
                              strcmp(kind, "file") == 0 ? "definition_file" : "definition_item",
                              path, hashes, errs);
            free(hashes);
        }
        rc = tx_end(st, rc, errs);
    }
    UNLOCK(st);
    return rc;
}

int rg_store_add_definition_file(rg_store *st, const char *run_id, const char *path,
                                 const char *sha256, rg_errors *errs)
{
    return add_definition(st, run_id, path, "file", sha256, errs);
}

int rg_store_add_definition_item(rg_store *st, const char *run_id, const char *what,
                                 const char *sha256, rg_errors *errs)
{
    return add_definition(st, run_id, what, "item", sha256, errs);
}

int rg_store_add_definition_later(rg_store *st, const char *run_id, char *const *paths,
                                  char *const *sha256s, size_t n, const char *why,
                                  rg_errors *errs)
{
    for (size_t i = 0; i < n; i++) {
        if (!paths[i] || !*paths[i] || !rg_sha256_valid(sha256s[i])) {
            rg_err_add(errs, NULL, 0, "%s: definition file %s needs a path and its sha256",
                       st->path, paths[i] ? paths[i] : "?");
            return -1;
        }
    }
    if (!n) {
        return 0;
    }
    LOCK(st);
    int rc = tx_begin(st, errs);
    if (rc == 0) {
        rc = run_exists(st, run_id, errs) == 1 ? 0 : -1;
        rg_buf names = { 0 };
        for (size_t i = 0; i < n && rc == 0; i++) {
            /* a path already listed (recorded by another process or
             * worker meanwhile) stays as it is and is not logged again */
            rc = q_exec(st, errs,
                        "INSERT INTO definition_files (run_id, path, kind, sha256) VALUES (?, ?, "
                        "'file', ?) ON CONFLICT (run_id, path) DO NOTHING",
                        "sss", run_id, paths[i], sha256s[i]);
            if (rc == 0 && sqlite3_changes(st->db) > 0) {
                char *hashes = rg_xasprintf("%s  %s", sha256s[i], paths[i]);
                rc = append_event(st, run_id, NULL, "definition_file", paths[i], hashes, errs);
                free(hashes);
                rg_buf_printf(&names, "%s%s", names.len ? ", " : "", paths[i]);
            }
        }
        if (rc == 0 && names.len) {
            char *w = rg_xasprintf("%s added%s%s", names.data, why && *why ? ", " : "", nz(why));
            rc = rehash_definition(st, run_id, w, errs);
            free(w);
        }
        rg_buf_free(&names);
        rc = tx_end(st, rc, errs);
    }
    UNLOCK(st);
    return rc;
}

int rg_store_add_input(rg_store *st, const char *run_id, const char *name, const char *path,
                       int64_t size, const char *sha256, rg_errors *errs)
{
    if (!name || !*name || !path || !*path) {
        rg_err_add(errs, NULL, 0, "%s: an input needs a name and a path", st->path);
        return -1;
    }
    if (!rg_sha256_valid(sha256)) {
        rg_err_add(errs, NULL, 0, "%s: input %s: invalid sha256 \"%s\"", st->path, name,
                   nz(sha256));
        return -1;
    }
    LOCK(st);
    int rc = tx_begin(st, errs);
    if (rc == 0) {
        rc = run_exists(st, run_id, errs) == 1 ? 0 : -1;
        if (rc == 0) {
            rc = q_exec(st, errs,
                        "INSERT INTO inputs (run_id, name, path, size, sha256) VALUES (?, ?, ?, "
                        "?, ?) ON CONFLICT (run_id, name) DO UPDATE SET path = excluded.path, "
                        "size = excluded.size, sha256 = excluded.sha256",
                        "sssis", run_id, name, path, size, sha256);
        }
        if (rc == 0) {
            char *detail = rg_xasprintf("%s: %s (%lld bytes)", name, path, (long long)size);
            char *hashes = rg_xasprintf("%s  %s", sha256, name);
            rc = append_event(st, run_id, NULL, "input", detail, hashes, errs);
            free(detail);
            free(hashes);
        }
        rc = tx_end(st, rc, errs);
    }
    UNLOCK(st);
    return rc;
}

/* The outputs recorded for a step become earlier versions (kept in
 * output_versions with the log entry about to be appended, which replaces
 * them), except those the step records again unchanged (keep). */
static int supersede_outputs(rg_store *st, const char *run_id, const char *step,
                             const rg_store_output *keep, size_t nkeep, rg_errors *errs)
{
    sqlite3_stmt *s = q_prep(st, errs,
                             "SELECT relpath, sha256 FROM outputs WHERE run_id = ? AND step = ?",
                             "ss", run_id, step);
    if (!s) {
        return -1;
    }
    char **rel = NULL, **sha = NULL;
    size_t n = 0;
    int r;
    while ((r = q_step(st, errs, s)) == 1) {
        rel = rg_xrealloc(rel, (n + 1) * sizeof *rel);
        sha = rg_xrealloc(sha, (n + 1) * sizeof *sha);
        rel[n] = col_dup(s, 0);
        sha[n] = col_dup(s, 1);
        n++;
    }
    q_done(st, s);
    int rc = r < 0 ? -1 : 0;
    char t[32];
    now_iso(t);
    for (size_t i = 0; i < n && rc == 0; i++) {
        int same = 0;
        for (size_t k = 0; k < nkeep && !same; k++) {
            same = strcmp(keep[k].relpath, rel[i]) == 0 && keep[k].sha256 &&
                   strcmp(keep[k].sha256, sha[i]) == 0;
        }
        if (!same) {
            rc = q_exec(st, errs,
                        "INSERT OR IGNORE INTO output_versions (run_id, step, relpath, sha256, "
                        "superseded, superseded_seq) VALUES (?1, ?2, ?3, ?4, ?5, (SELECT "
                        "log_entries + 1 FROM runs WHERE id = ?1))",
                        "sssss", run_id, step, rel[i], sha[i], t);
        }
    }
    rg_store_outputs_free(rel, sha, n);
    if (rc == 0) {
        rc = q_exec(st, errs, "DELETE FROM outputs WHERE run_id = ? AND step = ?", "ss", run_id,
                    step);
    }
    return rc;
}

int rg_store_step_start(rg_store *st, const char *run_id, const char *step, int attempt,
                        rg_errors *errs)
{
    if (!step || !*step) {
        rg_err_add(errs, NULL, 0, "%s: a step needs a name", st->path);
        return -1;
    }
    LOCK(st);
    char t[32];
    now_iso(t);
    int rc = tx_begin(st, errs);
    if (rc == 0) {
        rc = run_exists(st, run_id, errs) == 1 ? 0 : -1;
        if (rc == 0) {
            rc = supersede_outputs(st, run_id, step, NULL, 0, errs);
        }
        if (rc == 0) {
            rc = q_exec(st, errs,
                        "INSERT INTO steps (run_id, step, status, attempts, started) VALUES (?, "
                        "?, 'running', ?, ?) ON CONFLICT (run_id, step) DO UPDATE SET status = "
                        "'running', attempts = excluded.attempts, started = excluded.started, "
                        "ended = NULL, seconds = NULL, error = NULL",
                        "ssns", run_id, step, attempt, t);
        }
        if (rc == 0) {
            char *detail = rg_xasprintf("step %s: attempt %d", step, attempt);
            rc = append_event(st, run_id, NULL, "step_started", detail, NULL, errs);
            free(detail);
        }
        rc = tx_end(st, rc, errs);
    }
    UNLOCK(st);
    return rc;
}

static int step_finish(rg_store *st, const char *run_id, const char *step, const char *status,
                       int attempts, double started, double ended, const char *error_text,
                       const char *reads_sha, const rg_store_output *outputs, size_t noutputs,
                       rg_errors *errs)
{
    if (!step || !*step || !status || !*status) {
        rg_err_add(errs, NULL, 0, "%s: a finished step needs a name and a status", st->path);
        return -1;
    }
    for (size_t i = 0; i < noutputs; i++) {
        if (!outputs[i].relpath || !*outputs[i].relpath) {
            rg_err_add(errs, NULL, 0, "%s: step %s: output %zu has no path", st->path, step, i + 1);
            return -1;
        }
    }
    LOCK(st);
    char ts[32] = "", te[32] = "";
    if (started > 0) {
        iso_time((time_t)started, ts);
    }
    if (ended > 0) {
        iso_time((time_t)ended, te);
    }
    double secs = started > 0 && ended >= started ? ended - started : -1;
    int rc = tx_begin(st, errs);
    if (rc == 0) {
        rc = run_exists(st, run_id, errs) == 1 ? 0 : -1;
        if (rc == 0) {
            rc = supersede_outputs(st, run_id, step, outputs, noutputs, errs);
        }
        if (rc == 0) {
            rc = q_exec(st, errs,
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
                           st->path, step, outputs[i].relpath, nz(outputs[i].sha256));
                rc = -1;
                break;
            }
            rc = q_exec(st, errs,
                        "INSERT INTO outputs (run_id, step, relpath, sha256) VALUES (?, ?, ?, ?)",
                        "ssss", run_id, step, outputs[i].relpath, outputs[i].sha256);
            rg_buf_printf(&hashes, "%s%s  %s", i ? "\n" : "", outputs[i].sha256,
                          outputs[i].relpath);
        }
        if (rc == 0) {
            char *e1 = error_text && *error_text ? one_line(error_text) : NULL;
            char *detail = rg_xasprintf("step %s: %s after %d attempt%s%s%s", step, status,
                                        attempts, attempts == 1 ? "" : "s", e1 ? ": " : "",
                                        e1 ? e1 : "");
            rc = append_event(st, run_id, NULL, "step_finished", detail, hashes.data, errs);
            free(detail);
            free(e1);
        }
        rg_buf_free(&hashes);
        rc = tx_end(st, rc, errs);
    }
    UNLOCK(st);
    return rc;
}

int rg_store_step_finish(rg_store *st, const char *run_id, const char *step, const char *status,
                         int attempts, double started, double ended, const char *error_text,
                         const rg_store_output *outputs, size_t noutputs, rg_errors *errs)
{
    return step_finish(st, run_id, step, status, attempts, started, ended, error_text, NULL,
                       outputs, noutputs, errs);
}

int rg_store_step_done(rg_store *st, const char *run_id, const char *step, int attempts,
                       double started, double ended, const char *reads_sha,
                       const rg_store_output *outputs, size_t noutputs, rg_errors *errs)
{
    if (reads_sha && !rg_sha256_valid(reads_sha)) {
        rg_err_add(errs, NULL, 0, "%s: step %s: invalid sha256 \"%s\" of what it read", st->path,
                   nz(step), reads_sha);
        return -1;
    }
    return step_finish(st, run_id, step, "done", attempts, started, ended, NULL, reads_sha,
                       outputs, noutputs, errs);
}

int rg_store_step_reads(rg_store *st, const char *run_id, const char *step, char **reads_sha,
                        rg_errors *errs)
{
    LOCK(st);
    *reads_sha = NULL;
    int rc = -1;
    sqlite3_stmt *s = q_prep(st, errs,
                             "SELECT reads_sha256 FROM steps WHERE run_id = ? AND step = ?", "ss",
                             nz(run_id), nz(step));
    if (s) {
        int r = q_step(st, errs, s);
        if (r == 1 && sqlite3_column_type(s, 0) == SQLITE_TEXT) {
            *reads_sha = col_dup(s, 0);
        }
        rc = r < 0 ? -1 : 0;
        q_done(st, s);
    }
    UNLOCK(st);
    return rc;
}

int rg_store_step_reused(rg_store *st, const char *run_id, const char *step, rg_errors *errs)
{
    LOCK(st);
    int rc = tx_begin(st, errs);
    if (rc == 0) {
        rc = q_exec(st, errs,
                    "UPDATE steps SET status = 'done' WHERE run_id = ? AND step = ? AND status = "
                    "'outdated'",
                    "ss", nz(run_id), nz(step));
        if (rc == 0) {
            char *detail = rg_xasprintf("step %s: what it reads is unchanged; its recorded "
                                        "outputs stand",
                                        nz(step));
            rc = append_event(st, run_id, NULL, "step_reused", detail, NULL, errs);
            free(detail);
        }
        rc = tx_end(st, rc, errs);
    }
    UNLOCK(st);
    return rc;
}

int rg_store_give_inputs(rg_store *st, const char *run_id, const char *who, const char *params_text,
                         const rg_store_input *inputs, size_t ninputs, char *const *outdated,
                         size_t noutdated, rg_errors *errs)
{
    for (size_t i = 0; i < ninputs; i++) {
        if (!inputs[i].name || !*inputs[i].name || !inputs[i].path || !*inputs[i].path ||
            !rg_sha256_valid(inputs[i].sha256)) {
            rg_err_add(errs, NULL, 0, "%s: input %zu given on resume: needs a name, a path and "
                                      "a sha256",
                       st->path, i + 1);
            return -1;
        }
    }
    LOCK(st);
    int rc = tx_begin(st, errs);
    if (rc == 0) {
        rc = run_exists(st, run_id, errs) == 1 ? 0 : -1;
        if (rc == 0 && params_text && *params_text) {
            rc = q_exec(st, errs, "UPDATE runs SET params = params || ? WHERE id = ?", "ss",
                        params_text, run_id);
        }
        for (size_t i = 0; i < ninputs && rc == 0; i++) {
            const rg_store_input *in = &inputs[i];
            rc = q_exec(st, errs,
                        "INSERT INTO inputs (run_id, name, path, size, sha256) VALUES (?, ?, ?, "
                        "?, ?) ON CONFLICT (run_id, name) DO UPDATE SET path = excluded.path, "
                        "size = excluded.size, sha256 = excluded.sha256",
                        "sssis", run_id, in->name, in->path, in->size, in->sha256);
            char *detail = rg_xasprintf("%s=%s", in->name, in->path);
            char *hashes = rg_xasprintf("%s  %s", in->sha256, in->name);
            if (rc == 0) {
                rc = append_event(st, run_id, who, "input_given", detail, hashes, errs);
            }
            free(detail);
            free(hashes);
        }
        rg_buf marked = { 0 };
        for (size_t i = 0; i < noutdated && rc == 0; i++) {
            rc = q_exec(st, errs,
                        "UPDATE steps SET status = 'outdated' WHERE run_id = ? AND step = ? AND "
                        "status = 'done'",
                        "ss", run_id, outdated[i]);
            if (rc == 0 && sqlite3_changes(st->db) > 0) {
                rg_buf_printf(&marked, "%s%s", marked.len ? ", " : "", outdated[i]);
            }
        }
        if (rc == 0 && marked.len) {
            char *detail = rg_xasprintf("to run again unless what they read is unchanged: %s",
                                        marked.data);
            rc = append_event(st, run_id, who, "steps_outdated", detail, NULL, errs);
            free(detail);
        }
        rg_buf_free(&marked);
        rc = tx_end(st, rc, errs);
    }
    UNLOCK(st);
    return rc;
}

int rg_store_run_finish(rg_store *st, const char *run_id, const char *status, rg_errors *errs)
{
    if (!status || !*status) {
        rg_err_add(errs, NULL, 0, "%s: a finished run needs a status", st->path);
        return -1;
    }
    LOCK(st);
    char t[32];
    now_iso(t);
    int rc = tx_begin(st, errs);
    if (rc == 0) {
        rc = run_exists(st, run_id, errs) == 1 ? 0 : -1;
        if (rc == 0) {
            rc = q_exec(st, errs, "UPDATE runs SET status = ?, ended = ? WHERE id = ?", "sss",
                        status, t, run_id);
        }
        if (rc == 0) {
            rc = q_exec(st, errs, "DELETE FROM locks WHERE run_id = ? AND pid = ? AND host = ?",
                        "sis", run_id, (int64_t)getpid(), st->host);
        }
        if (rc == 0) {
            char *detail = rg_xasprintf("status %s", status);
            rc = append_event(st, run_id, NULL, "run_finished", detail, NULL, errs);
            free(detail);
        }
        rc = tx_end(st, rc, errs);
    }
    UNLOCK(st);
    return rc;
}

int rg_store_run_resume(rg_store *st, const char *run_id, const char *detail, rg_errors *errs)
{
    LOCK(st);
    int rc = tx_begin(st, errs);
    if (rc == 0) {
        rc = run_exists(st, run_id, errs) == 1 ? 0 : -1;
        if (rc == 0) {
            rc = q_exec(st, errs, "UPDATE runs SET status = 'running', ended = NULL WHERE id = ?",
                        "s", run_id);
        }
        if (rc == 0) {
            char *d = rg_xasprintf("by pid %ld on host %s%s%s", (long)getpid(), st->host,
                                   detail && *detail ? ": " : "", nz(detail));
            rc = append_event(st, run_id, NULL, "run_resumed", d, NULL, errs);
            free(d);
        }
        rc = tx_end(st, rc, errs);
    }
    UNLOCK(st);
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

static int run_get(rg_store *st, const char *run_id, rg_store_run *out, rg_errors *errs)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = q_prep(st, errs,
                             "SELECT id, workflow, workflow_path, definition_hash, params, user, "
                             "outdir, status, started, ended, log_entries, jobs FROM runs WHERE "
                             "id = ?",
                             "s", nz(run_id));
    if (!s) {
        return -1;
    }
    int r = q_step(st, errs, s);
    if (r == 1) {
        out->id = col_dup(s, 0);
        out->workflow = col_dup(s, 1);
        out->workflow_path = col_dup(s, 2);
        out->definition_hash = col_dup(s, 3);
        out->params = col_dup(s, 4);
        out->user = col_dup(s, 5);
        out->outdir = col_dup(s, 6);
        out->status = col_dup(s, 7);
        out->started = col_dup(s, 8);
        out->ended = col_dup(s, 9);
        out->log_entries = sqlite3_column_int64(s, 10);
        out->jobs = sqlite3_column_int(s, 11);
    } else if (r == 0) {
        rg_err_add(errs, NULL, 0, "no run \"%s\" in %s", nz(run_id), st->path);
    }
    q_done(st, s);
    return r == 1 ? 0 : -1;
}

int rg_store_run_get(rg_store *st, const char *run_id, rg_store_run *out, rg_errors *errs)
{
    LOCK(st);
    int rc = run_get(st, run_id, out, errs);
    UNLOCK(st);
    return rc;
}

int rg_store_last_run(rg_store *st, const char *workflow, char **run_id, rg_errors *errs)
{
    LOCK(st);
    int rc = -1;
    sqlite3_stmt *s = q_prep(st, errs,
                             "SELECT id FROM runs WHERE workflow = ? ORDER BY started DESC, "
                             "rowid DESC LIMIT 1",
                             "s", nz(workflow));
    if (s) {
        int r = q_step(st, errs, s);
        if (r == 1) {
            *run_id = col_dup(s, 0);
            rc = 0;
        } else if (r == 0) {
            rc = 1;
        }
        q_done(st, s);
    }
    UNLOCK(st);
    return rc;
}

int rg_store_step_status(rg_store *st, const char *run_id, const char *step, char **status,
                         int *attempts, rg_errors *errs)
{
    LOCK(st);
    int rc = -1;
    if (run_exists(st, run_id, errs) == 1) {
        sqlite3_stmt *s = q_prep(st, errs,
                                 "SELECT status, attempts FROM steps WHERE run_id = ? AND step "
                                 "= ?",
                                 "ss", run_id, nz(step));
        if (s) {
            int r = q_step(st, errs, s);
            if (r == 1) {
                if (status) {
                    *status = col_dup(s, 0);
                }
                if (attempts) {
                    *attempts = sqlite3_column_int(s, 1);
                }
                rc = 0;
            } else if (r == 0) {
                rc = 1;
            }
            q_done(st, s);
        }
    }
    UNLOCK(st);
    return rc;
}

int rg_store_step_outputs(rg_store *st, const char *run_id, const char *step, char ***relpaths,
                          char ***sha256s, size_t *n, rg_errors *errs)
{
    LOCK(st);
    *relpaths = NULL;
    *sha256s = NULL;
    *n = 0;
    int rc = -1;
    if (run_exists(st, run_id, errs) == 1) {
        sqlite3_stmt *s = q_prep(st, errs,
                                 "SELECT relpath, sha256 FROM outputs WHERE run_id = ? AND step "
                                 "= ? ORDER BY relpath",
                                 "ss", run_id, nz(step));
        if (s) {
            size_t cap = 0;
            int r;
            while ((r = q_step(st, errs, s)) == 1) {
                if (*n == cap) {
                    cap = cap ? 2 * cap : 8;
                    *relpaths = rg_xrealloc(*relpaths, cap * sizeof **relpaths);
                    *sha256s = rg_xrealloc(*sha256s, cap * sizeof **sha256s);
                }
                (*relpaths)[*n] = col_dup(s, 0);
                (*sha256s)[*n] = col_dup(s, 1);
                (*n)++;
            }
            q_done(st, s);
            rc = r < 0 ? -1 : 0;
        }
    }
    UNLOCK(st);
    return rc;
}

int rg_store_set_sync(rg_store *st, int full, rg_errors *errs)
{
    LOCK(st);
    int rc = sqlite3_exec(st->db, full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
                          NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        rg_err_add(errs, st->path, 0, "cannot set the sync mode: %s", sqlite3_errmsg(st->db));
    }
    UNLOCK(st);
    return rc == SQLITE_OK ? 0 : -1;
}

int rg_store_run_set_jobs(rg_store *st, const char *run_id, int jobs, rg_errors *errs)
{
    LOCK(st);
    int rc = run_exists(st, run_id, errs) == 1 ? 0 : -1;
    if (rc == 0) {
        rc = q_exec(st, errs, "UPDATE runs SET jobs = ? WHERE id = ?", "is", (int64_t)jobs, run_id);
    }
    UNLOCK(st);
    return rc;
}

int rg_store_definition(rg_store *st, const char *run_id, char ***paths, char ***sha256s,
                        size_t *n, rg_errors *errs)
{
    LOCK(st);
    *paths = NULL;
    *sha256s = NULL;
    *n = 0;
    int rc = -1;
    if (run_exists(st, run_id, errs) == 1) {
        sqlite3_stmt *s = q_prep(st, errs,
                                 "SELECT path, coalesce(sha256, '') FROM definition_files WHERE "
                                 "run_id = ? ORDER BY path",
                                 "s", run_id);
        if (s) {
            size_t cap = 0;
            int r;
            while ((r = q_step(st, errs, s)) == 1) {
                if (*n == cap) {
                    cap = cap ? 2 * cap : 8;
                    *paths = rg_xrealloc(*paths, cap * sizeof **paths);
                    *sha256s = rg_xrealloc(*sha256s, cap * sizeof **sha256s);
                }
                (*paths)[*n] = col_dup(s, 0);
                (*sha256s)[*n] = col_dup(s, 1);
                (*n)++;
            }
            q_done(st, s);
            rc = r < 0 ? -1 : 0;
        }
    }
    UNLOCK(st);
    return rc;
}

void rg_store_outputs_free(char **relpaths, char **sha256s, size_t n)
{
    rg_strv_free(relpaths, n);
    rg_strv_free(sha256s, n);
}

/* ======================================================================== */
/* locks                                                                      */
/* ======================================================================== */

/* Why a lock is stale, or NULL if its holder may still run. */
static const char *lock_stale(rg_store *st, int64_t pid, const char *host, const char *boot,
                              const char *pstart)
{
    if (strcmp(host, st->host) != 0) {
        return NULL; /* another machine: cannot tell */
    }
    if (*boot && *st->boot && strcmp(boot, st->boot) != 0) {
        return "taken before the machine restarted";
    }
    if (pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH)) {
        return "its process no longer runs";
    }
    if (*pstart) {
        char now[32];
        proc_start((long)pid, now);
        if (*now && strcmp(now, pstart) != 0) {
            return "its process no longer runs (the pid now belongs to another process)";
        }
    }
    return NULL;
}

/* What `runs` and `show` say of a run recorded as running that no process
 * runs any more (it crashed, or was killed): no lock, or a stale one. */
#define INTERRUPTED "interrupted (the process died)"

/* Whether run_id, recorded as running, was interrupted: 1, 0, or -1. */
static int run_interrupted(rg_store *st, const char *run_id, rg_errors *errs)
{
    sqlite3_stmt *s = q_prep(st, errs,
                             "SELECT pid, host, boot_id, proc_start FROM locks WHERE run_id = ?",
                             "s", run_id);
    int r = s ? q_step(st, errs, s) : -1;
    if (r == 1) {
        r = lock_stale(st, sqlite3_column_int64(s, 0), nz(col_str(s, 1)), nz(col_str(s, 2)),
                       nz(col_str(s, 3))) != NULL;
    } else if (r == 0) {
        r = 1;
    }
    q_done(st, s);
    return r;
}

int rg_store_lock_run(rg_store *st, const char *run_id, char **holder, rg_errors *errs)
{
    if (holder) {
        *holder = NULL;
    }
    LOCK(st);
    int rc = tx_begin(st, errs);
    if (rc != 0) {
        UNLOCK(st);
        return -1;
    }
    rc = run_exists(st, run_id, errs) == 1 ? 0 : -1;
    sqlite3_stmt *s = NULL;
    int r = 0;
    if (rc == 0) {
        s = q_prep(st, errs, "SELECT pid, host, boot_id, proc_start, since FROM locks WHERE run_id = ?",
                   "s", run_id);
        r = s ? q_step(st, errs, s) : -1;
        rc = r < 0 ? -1 : 0;
    }
    if (rc == 0 && r == 0) {
        rc = insert_lock(st, run_id, errs);
    } else if (rc == 0 && r == 1) {
        int64_t pid = sqlite3_column_int64(s, 0);
        char *host = rg_xstrdup(nz(col_str(s, 1)));
        char *boot = rg_xstrdup(nz(col_str(s, 2)));
        char *pstart = rg_xstrdup(nz(col_str(s, 3)));
        char *since = rg_xstrdup(nz(col_str(s, 4)));
        q_done(st, s);
        s = NULL;
        char *who = rg_xasprintf("pid %lld on host %s since %s", (long long)pid, host, since);
        if (pid == (int64_t)getpid() && strcmp(host, st->host) == 0 &&
            strcmp(boot, st->boot) == 0) {
            /* ours already */
        } else {
            const char *why = lock_stale(st, pid, host, boot, pstart);
            if (why) {
                rc = insert_lock(st, run_id, errs);
                if (rc == 0) {
                    char *detail = rg_xasprintf("lock of %s taken over by pid %ld on host %s: %s",
                                                who, (long)getpid(), st->host, why);
                    rc = append_event(st, run_id, NULL, "lock_taken_over", detail, NULL, errs);
                    free(detail);
                }
            } else {
                rg_err_add(errs, NULL, 0, "%s: run %s is locked by %s (%s)", st->path, run_id, who,
                           strcmp(host, st->host) == 0 ? "that process is still running"
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
    q_done(st, s);
    rc = tx_end(st, rc, errs);
    UNLOCK(st);
    return rc;
}

int rg_store_unlock_run(rg_store *st, const char *run_id, rg_errors *errs)
{
    LOCK(st);
    int rc = tx_begin(st, errs);
    if (rc == 0) {
        rc = q_exec(st, errs, "DELETE FROM locks WHERE run_id = ? AND pid = ? AND host = ?", "sis",
                    nz(run_id), (int64_t)getpid(), st->host);
        rc = tx_end(st, rc, errs);
    }
    UNLOCK(st);
    return rc;
}

/* ======================================================================== */
/* tables for humans                                                          */
/* ======================================================================== */

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
    t->cells[t->n++] = one_line(s);
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
        tbl_add(t, head[i]);
    }
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

int rg_store_list_runs(rg_store *st, const char *workflow_filter, const char *status_filter,
                       FILE *out, rg_errors *errs)
{
    LOCK(st);
    /* "running" and "interrupted": both recorded as running, told apart
     * by the lock */
    const char *want = status_filter && *status_filter ? status_filter : NULL;
    sqlite3_stmt *s = q_prep(st, errs,
                             "SELECT r.id, r.workflow, r.status, r.started, r.ended, r.user, "
                             "l.run_id IS NOT NULL, l.pid, l.host, l.boot_id, l.proc_start "
                             "FROM runs r LEFT JOIN locks l ON l.run_id = r.id WHERE "
                             "(?1 IS NULL OR r.workflow = ?1) AND (?2 IS NULL OR r.status = ?2 "
                             "OR (?2 = 'interrupted' AND r.status = 'running')) "
                             "ORDER BY r.started, r.rowid",
                             "ss", workflow_filter && *workflow_filter ? workflow_filter : NULL,
                             want);
    if (!s) {
        UNLOCK(st);
        return -1;
    }
    static const char *const head[] = { "RUN", "WORKFLOW", "STATUS", "STARTED", "ENDED", "USER" };
    tbl t;
    tbl_init(&t, 6, head);
    int r, count = 0;
    while ((r = q_step(st, errs, s)) == 1) {
        const char *status = nz(col_str(s, 2));
        int interrupted = 0;
        if (strcmp(status, "running") == 0) {
            interrupted = !sqlite3_column_int(s, 6) ||
                          lock_stale(st, sqlite3_column_int64(s, 7), nz(col_str(s, 8)),
                                     nz(col_str(s, 9)), nz(col_str(s, 10))) != NULL;
            if (want && (strcmp(want, "interrupted") == 0) != interrupted) {
                continue;
            }
        }
        for (int i = 0; i < 6; i++) {
            tbl_add(&t, i == 2 && interrupted ? INTERRUPTED : col_str(s, i));
        }
        count++;
    }
    q_done(st, s);
    if (r == 0) {
        if (count) {
            tbl_print(&t, out, "");
        } else {
            fprintf(out, "no runs%s%s%s%s in %s\n", workflow_filter ? " of workflow " : "",
                    workflow_filter ? workflow_filter : "", status_filter ? " with status " : "",
                    status_filter ? status_filter : "", st->path);
        }
    }
    tbl_free(&t);
    UNLOCK(st);
    return r < 0 ? -1 : count;
}

static void print_kv(FILE *out, const char *k, const char *v)
{
    fprintf(out, "%-11s%s\n", k, v && *v ? v : "-");
}

/* Run a query and print its rows as a table under a title; a line "none"
 * when empty.  0 or -1. */
static int print_query(rg_store *st, rg_errors *errs, FILE *out, const char *title, size_t ncols,
                       const char *const *head, const char *sql, const char *run_id)
{
    sqlite3_stmt *s = q_prep(st, errs, sql, "s", run_id);
    if (!s) {
        return -1;
    }
    tbl t;
    tbl_init(&t, ncols, head);
    int r, rows = 0;
    while ((r = q_step(st, errs, s)) == 1) {
        for (size_t i = 0; i < ncols; i++) {
            tbl_add(&t, col_str(s, (int)i));
        }
        rows++;
    }
    q_done(st, s);
    if (r == 0) {
        fprintf(out, "\n%s:%s\n", title, rows ? "" : " none");
        if (rows) {
            tbl_print(&t, out, "  ");
        }
    }
    tbl_free(&t);
    return r < 0 ? -1 : 0;
}

static int show_run(rg_store *st, const char *run_id, FILE *out, rg_errors *errs)
{
    rg_store_run r;
    if (run_get(st, run_id, &r, errs) != 0) {
        return -1;
    }
    print_kv(out, "run", r.id);
    char *wf = rg_xasprintf("%s (%s)", r.workflow, nz(r.workflow_path));
    print_kv(out, "workflow", wf);
    free(wf);
    print_kv(out, "definition", r.definition_hash && *r.definition_hash ? r.definition_hash : NULL);
    int interrupted = r.status && strcmp(r.status, "running") == 0 &&
                      run_interrupted(st, run_id, errs) == 1;
    print_kv(out, "status", interrupted ? INTERRUPTED : r.status);
    print_kv(out, "user", r.user);
    print_kv(out, "started", r.started);
    print_kv(out, "ended", r.ended);
    print_kv(out, "out", r.outdir);
    if (r.jobs > 0) {
        char jobs[24];
        snprintf(jobs, sizeof jobs, "%d", r.jobs);
        print_kv(out, "jobs", jobs);
    }
    if (r.params && *r.params) {
        const char *p = r.params;
        int first = 1;
        while (*p) {
            size_t l = strcspn(p, "\n");
            fprintf(out, "%-11s%.*s\n", first ? "params" : "", (int)l, p);
            first = 0;
            p += l;
            if (*p) {
                p++;
            }
        }
    } else {
        print_kv(out, "params", NULL);
    }
    int rc = 0;
    /* lock */
    sqlite3_stmt *s = q_prep(st, errs,
                             "SELECT pid, host, boot_id, proc_start, since FROM locks WHERE "
                             "run_id = ?",
                             "s", run_id);
    if (!s) {
        rc = -1;
    } else {
        int q = q_step(st, errs, s);
        if (q == 1) {
            int64_t pid = sqlite3_column_int64(s, 0);
            const char *why = lock_stale(st, pid, nz(col_str(s, 1)), nz(col_str(s, 2)),
                                         nz(col_str(s, 3)));
            char *l = rg_xasprintf("pid %lld on host %s since %s%s%s%s", (long long)pid,
                                   nz(col_str(s, 1)), nz(col_str(s, 4)), why ? " (stale: " : "",
                                   why ? why : "", why ? ")" : "");
            print_kv(out, "locked by", l);
            free(l);
        } else if (q < 0) {
            rc = -1;
        }
        q_done(st, s);
    }
    char *log = r.log_entries ? NULL : rg_xstrdup("no entries");
    if (!log) {
        sqlite3_stmt *h = q_prep(st, errs, "SELECT log_head FROM runs WHERE id = ?", "s", run_id);
        if (h && q_step(st, errs, h) == 1) {
            log = rg_xasprintf("%lld entries, head %s", (long long)r.log_entries,
                               nz(col_str(h, 0)));
        }
        q_done(st, h);
    }
    print_kv(out, "log", log);
    free(log);

    static const char *const hdef[] = { "SHA256", "FILE" };
    static const char *const hin[] = { "INPUT", "BYTES", "SHA256", "PATH" };
    static const char *const hsteps[] = { "STEP", "STATUS", "ATTEMPTS", "STARTED", "ENDED",
                                          "SECONDS", "ERROR" };
    static const char *const hout[] = { "STEP", "SHA256", "FILE" };
    static const char *const hver[] = { "STEP", "SHA256", "FILE", "REPLACED AT ENTRY" };
    static const char *const hwait[] = { "STEP", "KIND", "SINCE", "DUE", "NEEDED", "RESOLVED BY",
                                         "AT", "NOTE" };
    if (rc == 0) {
        rc = print_query(st, errs, out, "definition", 2, hdef,
                         "SELECT coalesce(sha256, ''), CASE kind WHEN 'file' THEN path ELSE path "
                         "|| ' (not a file)' END FROM definition_files WHERE run_id = ? ORDER BY "
                         "rowid",
                         run_id);
    }
    if (rc == 0) {
        rc = print_query(st, errs, out, "inputs", 4, hin,
                         "SELECT name, size, sha256, path FROM inputs WHERE run_id = ? ORDER BY "
                         "name",
                         run_id);
    }
    if (rc == 0) {
        rc = print_query(st, errs, out, "steps", 7, hsteps,
                         "SELECT step, status, attempts, started, ended, printf('%.3f', seconds), "
                         "error FROM steps WHERE run_id = ? ORDER BY coalesce(started, ''), rowid",
                         run_id);
    }
    if (rc == 0) {
        rc = print_query(st, errs, out, "outputs", 3, hout,
                         "SELECT step, sha256, relpath FROM outputs WHERE run_id = ? ORDER BY "
                         "step, relpath",
                         run_id);
    }
    if (rc == 0) {
        rc = print_query(st, errs, out, "earlier versions of outputs", 4, hver,
                         "SELECT step, sha256, relpath, superseded_seq FROM output_versions "
                         "WHERE run_id = ? ORDER BY superseded_seq, relpath",
                         run_id);
    }
    if (rc == 0) {
        rc = print_query(st, errs, out, "waits", 8, hwait,
                         "SELECT step, kind, since, due, what || CASE WHEN four_eyes IS NULL THEN "
                         "'' ELSE ' (four eyes: not by ' || four_eyes || ')' END, CASE WHEN "
                         "resolved_at IS NOT NULL AND resolved_by IS NULL THEN '(closed)' ELSE "
                         "resolved_by END, resolved_at, note FROM waits WHERE run_id = ? ORDER "
                         "BY id",
                         run_id);
    }
    rg_store_run_clear(&r);
    return rc;
}

int rg_store_show_run(rg_store *st, const char *run_id, FILE *out, rg_errors *errs)
{
    LOCK(st);
    int rc = show_run(st, run_id, out, errs);
    UNLOCK(st);
    return rc;
}

int rg_store_print_log(rg_store *st, const char *run_id, FILE *out, rg_errors *errs)
{
    LOCK(st);
    ev *v = NULL;
    size_t n = 0;
    int rc = run_exists(st, run_id, errs) == 1 ? load_events(st, run_id, &v, &n, errs) : -1;
    if (rc == 0) {
        static const char *const head[] = { "SEQ", "TIME", "WHO", "WHAT", "HASH", "DETAIL" };
        tbl t;
        tbl_init(&t, 6, head);
        for (size_t i = 0; i < n; i++) {
            char seq[24];
            snprintf(seq, sizeof seq, "%lld", (long long)v[i].seq);
            char *h = short_hash(v[i].hash);
            tbl_add(&t, seq);
            tbl_add(&t, v[i].time);
            tbl_add(&t, v[i].who);
            tbl_add(&t, v[i].what);
            tbl_add(&t, h);
            tbl_add(&t, v[i].detail);
            free(h);
            /* one row per hashed file under the entry */
            const char *p = nz(v[i].hashes);
            while (*p) {
                size_t l = strcspn(p, "\n");
                char *line = rg_xasprintf("  %.*s", (int)l, p);
                for (int k = 0; k < 5; k++) {
                    tbl_add_raw(&t, "");
                }
                tbl_add_raw(&t, line);
                free(line);
                p += l;
                if (*p) {
                    p++;
                }
            }
        }
        tbl_print(&t, out, "");
        tbl_free(&t);
    }
    evs_free(v, n);
    UNLOCK(st);
    return rc;
}

static char *clean_rel(const char *path, int allow_abs);

/* The run's recorded outputs against the files in its output directory:
 * each one changed or missing is printed; returns how many (-1 on error). */
static int verify_outputs(rg_store *st, const rg_store_run *r, FILE *out, size_t *nfiles,
                          rg_errors *errs)
{
    sqlite3_stmt *s = q_prep(st, errs,
                             "SELECT step, relpath, sha256 FROM outputs WHERE run_id = ? ORDER BY "
                             "relpath",
                             "s", r->id);
    if (!s) {
        return -1;
    }
    int q, bad = 0;
    *nfiles = 0;
    while ((q = q_step(st, errs, s)) == 1) {
        const char *step = col_str(s, 0), *relpath = col_str(s, 1), *sha = col_str(s, 2);
        char *rel = clean_rel(relpath, 0);
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
    q_done(st, s);
    return q < 0 ? -1 : bad;
}

int rg_store_verify(rg_store *st, const char *run_id, FILE *out, rg_errors *errs)
{
    LOCK(st);
    rg_store_run r;
    ev *v = NULL;
    size_t n = 0;
    int rc = RG_VERIFY_ERROR;
    if (run_get(st, run_id, &r, errs) == 0) {
        char *head = NULL;
        sqlite3_stmt *s = q_prep(st, errs, "SELECT log_head FROM runs WHERE id = ?", "s", run_id);
        if (s && q_step(st, errs, s) == 1) {
            head = col_dup(s, 0);
        }
        q_done(st, s);
        if (head && load_events(st, run_id, &v, &n, errs) == 0) {
            char *msg = NULL;
            long line = 0;
            if (chain_check(run_id, v, n, r.log_entries, *head ? head : NULL, &msg, &line) == 0) {
                fprintf(out, "run %s: %zu log entries, chain intact, head %s\n", run_id, n,
                        n ? v[n - 1].hash : "-");
                rc = RG_VERIFY_OK;
            } else {
                fprintf(out, "run %s: %s\n", run_id, msg);
                rc = RG_VERIFY_BROKEN;
            }
            free(msg);
            /* the chain vouches for the hashes; the files must still have them */
            size_t nfiles = 0;
            int bad = verify_outputs(st, &r, out, &nfiles, errs);
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
    evs_free(v, n);
    UNLOCK(st);
    return rc;
}

/* ======================================================================== */
/* JSON lines for log.jsonl                                                   */
/* ======================================================================== */

static void json_str(rg_buf *b, const char *s)
{
    rg_buf_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)nz(s); *p; p++) {
        switch (*p) {
        case '"':
            rg_buf_puts(b, "\\\"");
            break;
        case '\\':
            rg_buf_puts(b, "\\\\");
            break;
        case '\n':
            rg_buf_puts(b, "\\n");
            break;
        case '\r':
            rg_buf_puts(b, "\\r");
            break;
        case '\t':
            rg_buf_puts(b, "\\t");
            break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                rg_buf_printf(b, "\\u%04x", *p);
            } else {
                rg_buf_put(b, p, 1);
            }
        }
    }
    rg_buf_puts(b, "\"");
}

static void json_event(rg_buf *b, const ev *e)
{
    rg_buf_puts(b, "{\"run\":");
    json_str(b, e->run);
    rg_buf_printf(b, ",\"seq\":%lld,\"time\":", (long long)e->seq);
    json_str(b, e->time);
    rg_buf_puts(b, ",\"who\":");
    json_str(b, e->who);
    rg_buf_puts(b, ",\"what\":");
    json_str(b, e->what);
    rg_buf_puts(b, ",\"detail\":");
    json_str(b, e->detail);
    rg_buf_puts(b, ",\"hashes\":");
    json_str(b, e->hashes);
    rg_buf_puts(b, ",\"prev\":");
    json_str(b, e->prev);
    rg_buf_puts(b, ",\"hash\":");
    json_str(b, e->hash);
    rg_buf_puts(b, "}\n");
}

static void skip_ws(const char **p)
{
    while (**p == ' ' || **p == '\t' || **p == '\r') {
        (*p)++;
    }
}

static void put_utf8(rg_buf *b, unsigned long c)
{
    unsigned char u[4];
    size_t n;
    if (c < 0x80) {
        u[0] = (unsigned char)c;
        n = 1;
    } else if (c < 0x800) {
        u[0] = (unsigned char)(0xc0 | (c >> 6));
        u[1] = (unsigned char)(0x80 | (c & 0x3f));
        n = 2;
    } else if (c < 0x10000) {
        u[0] = (unsigned char)(0xe0 | (c >> 12));
        u[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
        u[2] = (unsigned char)(0x80 | (c & 0x3f));
        n = 3;
    } else {
        u[0] = (unsigned char)(0xf0 | (c >> 18));
        u[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
        u[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
        u[3] = (unsigned char)(0x80 | (c & 0x3f));
        n = 4;
    }
    rg_buf_put(b, u, n);
}

static int hex4(const char *p, unsigned long *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        int c = (unsigned char)p[i], d;
        if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            d = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            d = c - 'A' + 10;
        } else {
            return -1;
        }
        *v = *v * 16 + (unsigned long)d;
    }
    return 0;
}

/* Parse a JSON string at *p into a new C string; NULL if malformed. */
static char *json_parse_str(const char **p)
{
    if (**p != '"') {
        return NULL;
    }
    (*p)++;
    rg_buf b = { 0 };
    rg_buf_puts(&b, "");
    for (;;) {
        unsigned char c = (unsigned char)**p;
        if (c == '"') {
            (*p)++;
            return b.data;
        }
        if (c < 0x20) {
            break; /* NUL (end of line) or a raw control character */
        }
        if (c != '\\') {
            rg_buf_put(&b, *p, 1);
            (*p)++;
            continue;
        }
        (*p)++;
        char e = **p;
        (*p)++;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            rg_buf_put(&b, &e, 1);
            break;
        case 'b':
            rg_buf_puts(&b, "\b");
            break;
        case 'f':
            rg_buf_puts(&b, "\f");
            break;
        case 'n':
            rg_buf_puts(&b, "\n");
            break;
        case 'r':
            rg_buf_puts(&b, "\r");
            break;
        case 't':
            rg_buf_puts(&b, "\t");
            break;
        case 'u': {
            unsigned long v, lo;
            if (hex4(*p, &v) != 0) {
                goto bad;
            }
            *p += 4;
            if (v >= 0xd800 && v < 0xdc00 && (*p)[0] == '\\' && (*p)[1] == 'u' &&
                hex4(*p + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
                v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
                *p += 6;
            }
            if (v == 0) {
                goto bad;
            }
            put_utf8(&b, v);
            break;
        }
        default:
            goto bad;
        }
    }
bad:
    rg_buf_free(&b);
    return NULL;
}

/* Parse one log.jsonl line into e.  0, or -1 with *why. */
static int json_parse_event(const char *line, ev *e, const char **why)
{
    const char *p = line;
    memset(e, 0, sizeof *e);
    e->seq = -1;
    skip_ws(&p);
    if (*p != '{') {
        *why = "not a JSON object";
        return -1;
    }
    p++;
    skip_ws(&p);
    if (*p == '}') {
        p++;
    } else {
        for (;;) {
            skip_ws(&p);
            char *key = json_parse_str(&p);
            if (!key) {
                *why = "malformed JSON (a key)";
                return -1;
            }
            skip_ws(&p);
            if (*p != ':') {
                free(key);
                *why = "malformed JSON (expected ':')";
                return -1;
            }
            p++;
            skip_ws(&p);
            if (strcmp(key, "seq") == 0) {
                char *end;
                errno = 0;
                long long v = strtoll(p, &end, 10);
                if (end == p || errno) {
                    free(key);
                    *why = "malformed JSON (seq is not an integer)";
                    return -1;
                }
                e->seq = v;
                p = end;
            } else {
                char *v = json_parse_str(&p);
                if (!v) {
                    free(key);
                    *why = "malformed JSON (a string value)";
                    return -1;
                }
                char **slot = strcmp(key, "run") == 0      ? &e->run
                              : strcmp(key, "time") == 0   ? &e->time
                              : strcmp(key, "who") == 0    ? &e->who
                              : strcmp(key, "what") == 0   ? &e->what
                              : strcmp(key, "detail") == 0 ? &e->detail
                              : strcmp(key, "hashes") == 0 ? &e->hashes
                              : strcmp(key, "prev") == 0   ? &e->prev
                              : strcmp(key, "hash") == 0   ? &e->hash
                                                           : NULL;
                if (slot) {
                    free(*slot);
                    *slot = v;
                } else {
                    free(v);
                }
            }
            free(key);
            skip_ws(&p);
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p == '}') {
                p++;
                break;
            }
            *why = "malformed JSON (expected ',' or '}')";
            return -1;
        }
    }
    skip_ws(&p);
    if (*p) {
        *why = "malformed JSON (text after the object)";
        return -1;
    }
    if (e->seq < 0 || !e->run || !e->time || !e->who || !e->what || !e->detail || !e->hashes ||
        !e->prev || !e->hash) {
        *why = "incomplete entry (needs run, seq, time, who, what, detail, hashes, prev, hash)";
        return -1;
    }
    return 0;
}

/* ======================================================================== */
/* export                                                                     */
/* ======================================================================== */

typedef struct item {
    char *src;  /* absolute or cwd-relative source */
    char *dst;  /* relative to the bundle */
    char *sha;  /* recorded */
    char *what; /* for messages */
} item;

typedef struct items {
    item *v;
    size_t n, cap;
} items;

static void items_add(items *l, char *src, char *dst, const char *sha, char *what)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = rg_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = (item){ src, dst, rg_xstrdup(nz(sha)), what };
}

static void items_free(items *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].src);
        free(l->v[i].dst);
        free(l->v[i].sha);
        free(l->v[i].what);
    }
    free(l->v);
}

/* A relative path without "..", "." or empty components; NULL if the path
 * cannot be used as one (absolute paths lose their leading '/' when
 * allow_abs). */
static char *clean_rel(const char *path, int allow_abs)
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

static int dir_is_empty_or_absent(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        return errno == ENOENT ? 1 : -1;
    }
    struct dirent *de;
    int empty = 1;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            empty = 0;
            break;
        }
    }
    closedir(d);
    return empty;
}

static int collect_items(rg_store *st, const rg_store_run *r, const char *outdir, items *l,
                         rg_errors *errs)
{
    /* definition files */
    sqlite3_stmt *s = q_prep(st, errs,
                             "SELECT path, sha256 FROM definition_files WHERE run_id = ? AND "
                             "kind = 'file' ORDER BY rowid",
                             "s", r->id);
    int q = -1, bad = 0;
    if (s) {
        while ((q = q_step(st, errs, s)) == 1) {
            const char *path = col_str(s, 0);
            char *rel = clean_rel(path, 1);
            if (!rel) {
                rg_err_add(errs, NULL, 0, "definition file %s: cannot be put in a bundle",
                           nz(path));
                bad = 1;
                continue;
            }
            items_add(l, rg_xstrdup(path), rg_xasprintf("definition/%s", rel), col_str(s, 1),
                      rg_xasprintf("definition file %s", path));
            free(rel);
        }
        q_done(st, s);
    }
    if (q < 0) {
        return -1;
    }
    /* inputs */
    s = q_prep(st, errs, "SELECT name, path, sha256 FROM inputs WHERE run_id = ? ORDER BY name",
               "s", r->id);
    q = -1;
    if (s) {
        while ((q = q_step(st, errs, s)) == 1) {
            const char *name = col_str(s, 0), *path = col_str(s, 1);
            const char *base = strrchr(path, '/');
            base = base ? base + 1 : path;
            char *n1 = rg_xstrdup(name);
            for (char *c = n1; *c; c++) {
                if (*c == '/' || *c == '\\' || *c == '\n') {
                    *c = '_';
                }
            }
            char *dst = rg_xasprintf("inputs/%s/%s", n1, base);
            char *rel = clean_rel(dst, 0);
            free(dst);
            free(n1);
            if (!rel || strncmp(rel, "inputs/", 7) != 0) {
                rg_err_add(errs, NULL, 0, "input %s (%s): cannot be put in a bundle", name, path);
                free(rel);
                bad = 1;
                continue;
            }
            items_add(l, rg_xstrdup(path), rel, col_str(s, 2),
                      rg_xasprintf("input %s (%s)", name, path));
        }
        q_done(st, s);
    }
    if (q < 0) {
        return -1;
    }
    /* outputs */
    s = q_prep(st, errs,
               "SELECT step, relpath, sha256 FROM outputs WHERE run_id = ? ORDER BY relpath", "s",
               r->id);
    q = -1;
    if (s) {
        while ((q = q_step(st, errs, s)) == 1) {
            const char *step = col_str(s, 0), *relpath = col_str(s, 1);
            char *rel = clean_rel(relpath, 0);
            if (!rel) {
                rg_err_add(errs, NULL, 0,
                           "output %s of step %s: not a path below the output directory", relpath,
                           step);
                bad = 1;
                continue;
            }
            char *src = outdir && *outdir ? rg_xasprintf("%s/%s", outdir, rel) : rg_xstrdup(rel);
            char *what = rg_xasprintf("output %s of step %s (%s)", relpath, step, src);
            items_add(l, src, rg_xasprintf("outputs/%s", rel), col_str(s, 2), what);
            free(rel);
        }
        q_done(st, s);
    }
    if (q < 0) {
        return -1;
    }
    /* earlier versions: kept by content below .regie/versions/ */
    s = q_prep(st, errs,
               "SELECT step, relpath, sha256, superseded_seq FROM output_versions WHERE run_id = "
               "? ORDER BY superseded_seq, relpath",
               "s", r->id);
    q = -1;
    if (s) {
        while ((q = q_step(st, errs, s)) == 1) {
            const char *step = col_str(s, 0), *relpath = col_str(s, 1), *sha = col_str(s, 2);
            char *rel = clean_rel(relpath, 0);
            if (!rel || !rg_sha256_valid(nz(sha))) {
                rg_err_add(errs, NULL, 0,
                           "earlier version of output %s of step %s: not a path below the "
                           "output directory",
                           relpath, step);
                free(rel);
                bad = 1;
                continue;
            }
            char *src = outdir && *outdir ? rg_xasprintf("%s/.regie/versions/%s", outdir, sha)
                                          : rg_xasprintf(".regie/versions/%s", sha);
            char *what = rg_xasprintf("earlier version of output %s of step %s, replaced at log "
                                      "entry %lld (%s)",
                                      relpath, step, (long long)sqlite3_column_int64(s, 3), src);
            items_add(l, src, rg_xasprintf("versions/%lld/%s", (long long)sqlite3_column_int64(s, 3), rel),
                      sha, what);
            free(rel);
        }
        q_done(st, s);
    }
    if (q < 0) {
        return -1;
    }
    return bad ? -1 : 0;
}

static int write_bundle_file(const char *dir, const char *rel, const void *data, size_t len,
                             rg_buf *manifest, rg_errors *errs)
{
    char *path = rg_xasprintf("%s/%s", dir, rel);
    int rc = rg_write_file_atomic(path, data, len);
    if (rc != 0) {
        rg_err_add(errs, NULL, 0, "%s: cannot write: %s", path, strerror(errno));
    } else {
        char hex[65];
        rg_sha256_buf(data, len, hex);
        rg_buf_printf(manifest, "%s  %s\n", hex, rel);
    }
    free(path);
    return rc;
}

int rg_store_export(rg_store *st, const char *run_id, const char *outdir, const char *dir,
                    rg_errors *errs)
{
    if (!dir || !*dir) {
        rg_err_add(errs, NULL, 0, "export: no bundle directory given");
        return -1;
    }
    int e = dir_is_empty_or_absent(dir);
    if (e <= 0) {
        rg_err_add(errs, NULL, 0, "%s: %s", dir,
                   e == 0 ? "exists and is not empty; export needs a new or empty directory"
                          : strerror(errno));
        return -1;
    }
    rg_store_run r;
    items l = { 0 };
    ev *v = NULL;
    size_t nev = 0, showlen = 0;
    char *show = NULL;
    rg_buf manifest = { 0 }, log = { 0 }, meta = { 0 };

    LOCK(st);
    int rc = run_get(st, run_id, &r, errs);
    if (rc == 0) {
        rc = collect_items(st, &r, outdir && *outdir ? outdir : r.outdir, &l, errs);
    }
    if (rc == 0) {
        rc = load_events(st, run_id, &v, &nev, errs);
    }
    if (rc == 0) {
        FILE *m = open_memstream(&show, &showlen);
        rc = show_run(st, run_id, m, errs);
        fclose(m);
    }
    UNLOCK(st);

    /* every file as the run recorded it, or no bundle at all */
    size_t nbad = 0;
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        char hex[65];
        if (rg_sha256_file(l.v[i].src, hex) != 0) {
            rg_err_add(errs, NULL, 0, "%s: cannot read it: %s", l.v[i].what, strerror(errno));
            nbad++;
        } else if (strcmp(hex, l.v[i].sha) != 0) {
            rg_err_add(errs, NULL, 0, "%s: changed since the run (recorded sha256 %s, now %s)",
                       l.v[i].what, l.v[i].sha, hex);
            nbad++;
        }
    }
    if (rc == 0 && nbad) {
        rg_err_add(errs, NULL, 0, "%s: run %s not exported: %zu file%s missing or changed", dir,
                   run_id, nbad, nbad == 1 ? "" : "s");
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        size_t len = 0;
        char *data = rg_read_file(l.v[i].src, &len);
        char hex[65];
        if (!data) {
            rg_err_add(errs, NULL, 0, "%s: cannot read it: %s", l.v[i].what, strerror(errno));
            rc = -1;
            break;
        }
        rg_sha256_buf(data, len, hex);
        if (strcmp(hex, l.v[i].sha) != 0) {
            rg_err_add(errs, NULL, 0, "%s: changed while it was exported; %s is incomplete",
                       l.v[i].what, dir);
            rc = -1;
        } else {
            rc = write_bundle_file(dir, l.v[i].dst, data, len, &manifest, errs);
        }
        free(data);
    }
    if (rc == 0) {
        for (size_t i = 0; i < nev; i++) {
            json_event(&log, &v[i]);
        }
        rc = write_bundle_file(dir, "log.jsonl", log.data ? log.data : "", log.len, &manifest,
                               errs);
    }
    if (rc == 0) {
        rc = write_bundle_file(dir, "run.txt", show ? show : "", showlen, &manifest, errs);
    }
    if (rc == 0) {
        char t[32];
        now_iso(t);
        rg_buf_printf(&meta,
                      "regie evidence bundle 1\nrun %s\nworkflow %s\nstore %s\nexported %s by "
                      "%s\nlog_entries %zu\nlog_head %s\n",
                      r.id, r.workflow, st->path, t, st->actor, nev, nev ? v[nev - 1].hash : "");
        rc = write_bundle_file(dir, "bundle.txt", meta.data, meta.len, &manifest, errs);
    }
    if (rc == 0) {
        char *mpath = rg_xasprintf("%s/manifest.txt", dir);
        if (rg_write_file_atomic(mpath, manifest.data, manifest.len) != 0) {
            rg_err_add(errs, NULL, 0, "%s: cannot write: %s", mpath, strerror(errno));
            rc = -1;
        }
        free(mpath);
    }
    rg_buf_free(&manifest);
    rg_buf_free(&log);
    rg_buf_free(&meta);
    items_free(&l);
    evs_free(v, nev);
    free(show);
    rg_store_run_clear(&r);
    return rc;
}

/* ======================================================================== */
/* bundle verification (no store)                                             */
/* ======================================================================== */

typedef struct strv {
    char **v;
    size_t n, cap;
} strv;

static void strv_push(strv *l, char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 32;
        l->v = rg_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = s;
}

/* Every regular file (and anything else that is not a directory) below
 * root/rel, as paths relative to root. */
static void walk(const char *root, const char *rel, strv *out)
{
    char *path = *rel ? rg_xasprintf("%s/%s", root, rel) : rg_xstrdup(root);
    DIR *d = opendir(path);
    free(path);
    if (!d) {
        return;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) {
            continue;
        }
        char *r = *rel ? rg_xasprintf("%s/%s", rel, de->d_name) : rg_xstrdup(de->d_name);
        char *full = rg_xasprintf("%s/%s", root, r);
        struct stat sb;
        if (lstat(full, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            walk(root, r, out);
            free(r);
        } else {
            strv_push(out, r);
        }
        free(full);
    }
    closedir(d);
}

/* Does some log entry of kind `what` list sha in its hashes? */
static int log_has_hash(const ev *v, size_t n, const char *what, const char *sha)
{
    size_t sl = strlen(sha);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(nz(v[i].what), what) != 0) {
            continue;
        }
        const char *p = nz(v[i].hashes);
        while (*p) {
            if (strncmp(p, sha, sl) == 0 && p[sl] == ' ') {
                return 1;
            }
            p = strchr(p, '\n');
            if (!p) {
                break;
            }
            p++;
        }
    }
    return 0;
}

static char *meta_get(const char *text, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p;) {
        size_t l = strcspn(p, "\n");
        if (l > kl && strncmp(p, key, kl) == 0 && p[kl] == ' ') {
            return rg_xstrndup(p + kl + 1, l - kl - 1);
        }
        p += l;
        if (*p) {
            p++;
        }
    }
    return NULL;
}

int rg_bundle_verify(const char *dir, FILE *out, rg_errors *errs)
{
    char *mpath = rg_xasprintf("%s/manifest.txt", dir);
    char *mtext = rg_read_file(mpath, NULL);
    if (!mtext) {
        rg_err_add(errs, NULL, 0, "%s: cannot read: %s (not an evidence bundle?)", mpath,
                   strerror(errno));
        free(mpath);
        return RG_VERIFY_ERROR;
    }
    size_t problems = 0;
    strv paths = { 0 }, actual = { 0 };
    /* 1. every file against the manifest */
    long ln = 0;
    for (char *p = mtext; *p;) {
        size_t l = strcspn(p, "\n");
        char *line = rg_xstrndup(p, l);
        p += l;
        if (*p) {
            p++;
        }
        ln++;
        size_t ll = strlen(line);
        if (ll && line[ll - 1] == '\r') {
            line[--ll] = 0;
        }
        if (!ll) {
            free(line);
            continue;
        }
        char *rel = NULL;
        if (ll > 66 && line[64] == ' ' && (line[65] == ' ' || line[65] == '*')) {
            line[64] = 0;
            rel = line + 66;
        }
        char *clean = rel ? clean_rel(rel, 0) : NULL;
        if (!rel || !rg_sha256_valid(line) || !clean || strcmp(clean, rel) != 0) {
            fprintf(out, "%s:%ld: malformed line (expected \"SHA256  PATH\" with a relative "
                         "path)\n",
                    mpath, ln);
            problems++;
            free(clean);
            free(line);
            continue;
        }
        free(clean);
        char *full = rg_xasprintf("%s/%s", dir, rel);
        char hex[65];
        if (rg_sha256_file(full, hex) != 0) {
            fprintf(out, "%s: missing or unreadable (listed in manifest.txt): %s\n", full,
                    strerror(errno));
            problems++;
            hex[0] = 0;
        } else if (strcmp(hex, line) != 0) {
            fprintf(out, "%s: changed (sha256 %s, manifest.txt says %s)\n", full, hex, line);
            problems++;
        }
        strv_push(&paths, rg_xstrdup(rel));
        strv_push(&actual, rg_xstrdup(hex));
        free(full);
        free(line);
    }
    /* 2. nothing unlisted */
    strv found = { 0 };
    walk(dir, "", &found);
    for (size_t i = 0; i < found.n; i++) {
        if (strcmp(found.v[i], "manifest.txt") == 0) {
            continue;
        }
        int listed = 0;
        for (size_t j = 0; j < paths.n && !listed; j++) {
            listed = strcmp(paths.v[j], found.v[i]) == 0;
        }
        if (!listed) {
            fprintf(out, "%s/%s: not listed in manifest.txt\n", dir, found.v[i]);
            problems++;
        }
    }
    /* 3. the log chain */
    char *bpath = rg_xasprintf("%s/bundle.txt", dir);
    char *lpath = rg_xasprintf("%s/log.jsonl", dir);
    char *btext = rg_read_file(bpath, NULL);
    char *ltext = rg_read_file(lpath, NULL);
    char *run = btext ? meta_get(btext, "run") : NULL;
    char *nent = btext ? meta_get(btext, "log_entries") : NULL;
    char *head = btext ? meta_get(btext, "log_head") : NULL;
    ev *v = NULL;
    size_t n = 0, cap = 0;
    int log_ok = 0;
    if (!btext || !run || !nent || !head) {
        fprintf(out, "%s: %s\n", bpath,
                btext ? "incomplete (needs run, log_entries, log_head)" : "missing");
        problems++;
    } else if (!ltext) {
        fprintf(out, "%s: missing\n", lpath);
        problems++;
    } else {
        log_ok = 1;
        ln = 0;
        for (char *p = ltext; *p;) {
            size_t l = strcspn(p, "\n");
            char *line = rg_xstrndup(p, l);
            p += l;
            if (*p) {
                p++;
            }
            ln++;
            if (!*rg_trim(line)) {
                free(line);
                continue;
            }
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                v = rg_xrealloc(v, cap * sizeof *v);
            }
            const char *why = NULL;
            if (json_parse_event(line, &v[n], &why) != 0) {
                fprintf(out, "%s:%ld: %s\n", lpath, ln, why);
                problems++;
                ev_free(&v[n]);
                free(line);
                log_ok = 0;
                break;
            }
            v[n++].line = ln;
            free(line);
        }
        if (log_ok) {
            char *msg = NULL;
            long at = 0;
            char *end;
            long long count = strtoll(nent, &end, 10);
            if (chain_check(run, v, n, *end ? -1 : count, *head ? head : NULL, &msg, &at) != 0) {
                if (at > 0) {
                    fprintf(out, "%s:%ld: %s\n", lpath, at, msg);
                } else {
                    fprintf(out, "%s: %s\n", lpath, msg);
                }
                problems++;
            }
            free(msg);
        }
    }
    /* 4. the copied files are the ones the log recorded */
    for (size_t i = 0; log_ok && i < paths.n; i++) {
        const char *kind = strncmp(paths.v[i], "definition/", 11) == 0 ? "definition_file"
                           : strncmp(paths.v[i], "inputs/", 7) == 0     ? "input"
                           : strncmp(paths.v[i], "outputs/", 8) == 0    ? "step_finished"
                           : strncmp(paths.v[i], "versions/", 9) == 0   ? "step_finished"
                                                                        : NULL;
        int known = kind && log_has_hash(v, n, kind, actual.v[i]);
        if (!known && kind && strcmp(kind, "input") == 0) {
            known = log_has_hash(v, n, "input_given", actual.v[i]); /* given on resume */
        }
        if (kind && *actual.v[i] && !known) {
            fprintf(out, "%s/%s: its sha256 %s is not in the log (not the file the run "
                         "recorded)\n",
                    dir, paths.v[i], actual.v[i]);
            problems++;
        }
    }
    if (problems == 0) {
        fprintf(out, "bundle %s: intact: %zu files match manifest.txt; run %s, %zu log entries, "
                     "chain intact, head %s\n",
                dir, paths.n, run, n, head);
    } else {
        fprintf(out, "bundle %s: %zu problem%s found\n", dir, problems, problems == 1 ? "" : "s");
    }
    evs_free(v, n);
    rg_strv_free(paths.v, paths.n);
    rg_strv_free(actual.v, actual.n);
    rg_strv_free(found.v, found.n);
    free(run);
    free(nent);
    free(head);
    free(btext);
    free(ltext);
    free(bpath);
    free(lpath);
    free(mtext);
    free(mpath);
    return problems ? RG_VERIFY_BROKEN : RG_VERIFY_OK;
}

/* ======================================================================== */
/* human tasks                                                                */
/* ======================================================================== */

static int kind_ok(const char *k)
{
    return k && (!strcmp(k, "input") || !strcmp(k, "approval") || !strcmp(k, "timer"));
}

int rg_store_wait_add(rg_store *st, const char *run_id, const char *step, const char *kind,
                      const char *what_text, const char *due, const char *four_eyes,
                      rg_errors *errs)
{
    if (!step || !*step) {
        rg_err_add(errs, NULL, 0, "%s: a wait needs a step", st->path);
        return -1;
    }
    if (!kind_ok(kind)) {
        rg_err_add(errs, NULL, 0, "%s: step %s: unknown kind of wait \"%s\" (expected input, "
                                  "approval or timer)",
                   st->path, step, nz(kind));
        return -1;
    }
    if (four_eyes && *four_eyes && strcmp(kind, "approval") != 0) {
        rg_err_add(errs, NULL, 0, "%s: step %s: four eyes apply to approvals only", st->path,
                   step);
        return -1;
    }
    if (!strcmp(kind, "timer") && (!due || !*due)) {
        rg_err_add(errs, NULL, 0, "%s: step %s: a timer needs a due date", st->path, step);
        return -1;
    }
    LOCK(st);
    char t[32];
    now_iso(t);
    int rc = tx_begin(st, errs);
    if (rc == 0) {
        rc = run_exists(st, run_id, errs) == 1 ? 0 : -1;
        int open = 0;
        if (rc == 0) {
            sqlite3_stmt *s = q_prep(st, errs,
                                     "SELECT 1 FROM waits WHERE run_id = ? AND step = ? AND "
                                     "resolved_at IS NULL",
                                     "ss", run_id, step);
            open = s ? q_step(st, errs, s) : -1;
            q_done(st, s);
            rc = open < 0 ? -1 : 0;
        }
        if (rc == 0 && !open) {
            const char *what = what_text && *what_text ? what_text : kind;
            const char *fe = four_eyes && *four_eyes ? four_eyes : NULL;
            const char *d = due && *due ? due : NULL;
            rc = q_exec(st, errs,
                        "INSERT INTO waits (run_id, step, kind, what, since, due, four_eyes) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        "sssssss", run_id, step, kind, what, t, d, fe);
            if (rc == 0) {
                char *detail = rg_xasprintf("step %s waits for %s: %s%s%s%s%s", step, kind, what,
                                            d ? ", due " : "", d ? d : "",
                                            fe ? ", four eyes: not by " : "", fe ? fe : "");
                rc = append_event(st, run_id, NULL, "waiting", detail, NULL, errs);
                free(detail);
            }
        }
        rc = tx_end(st, rc, errs);
    }
    UNLOCK(st);
    return rc;
}

static int same_person(const char *a, const char *b)
{
    char *x = rg_xstrdup(a), *y = rg_xstrdup(b);
    int same = strcasecmp(rg_trim(x), rg_trim(y)) == 0;
    free(x);
    free(y);
    return same;
}

int rg_store_wait_resolve(rg_store *st, const char *run_id, const char *step, const char *who,
                          const char *note, rg_errors *errs)
{
    char *w = rg_xstrdup(nz(who));
    const char *whot = rg_trim(w);
    if (!*whot) {
        rg_err_add(errs, NULL, 0, "%s: resolving step %s of run %s needs the name of who does it",
                   st->path, nz(step), nz(run_id));
        free(w);
        return -1;
    }
    LOCK(st);
    char t[32];
    now_iso(t);
    int rc = tx_begin(st, errs);
    if (rc == 0) {
        rc = run_exists(st, run_id, errs) == 1 ? 0 : -1;
        sqlite3_stmt *s = NULL;
        int r = 0;
        if (rc == 0) {
            s = q_prep(st, errs,
                       "SELECT id, kind, four_eyes, what FROM waits WHERE run_id = ? AND step = ? "
                       "AND resolved_at IS NULL",
                       "ss", run_id, nz(step));
            r = s ? q_step(st, errs, s) : -1;
            rc = r < 0 ? -1 : 0;
        }
        if (rc == 0 && r == 0) {
            rg_err_add(errs, NULL, 0, "%s: step %s of run %s is not waiting for anything",
                       st->path, nz(step), run_id);
            rc = -1;
        } else if (rc == 0) {
            int64_t id = sqlite3_column_int64(s, 0);
            char *kind = col_dup(s, 1), *fe = col_dup(s, 2), *what = col_dup(s, 3);
            if (!strcmp(kind, "approval") && fe && *fe && same_person(whot, fe)) {
                rg_err_add(errs, NULL, 0,
                           "%s: four-eyes rule: %s may not approve step %s of run %s: the "
                           "approval must come from someone other than %s",
                           st->path, whot, step, run_id, fe);
                rc = -1;
            } else {
                rc = q_exec(st, errs,
                            "UPDATE waits SET resolved_by = ?, resolved_at = ?, note = ? WHERE "
                            "id = ?",
                            "sssi", whot, t, note && *note ? note : NULL, id);
                if (rc == 0) {
                    const char *ev_what = !strcmp(kind, "approval") ? "approved"
                                          : !strcmp(kind, "input")  ? "input_given"
                                                                    : "timer_passed";
                    char *n1 = note && *note ? one_line(note) : NULL;
                    char *detail = rg_xasprintf("step %s: %s (%s) resolved by %s%s%s", step, kind,
                                                what, whot, n1 ? ": " : "", n1 ? n1 : "");
                    rc = append_event(st, run_id, whot, ev_what, detail, NULL, errs);
                    free(detail);
                    free(n1);
                }
            }
            free(kind);
            free(fe);
            free(what);
        }
        q_done(st, s);
        rc = tx_end(st, rc, errs);
    }
    UNLOCK(st);
    free(w);
    return rc;
}

int rg_store_wait_state(rg_store *st, const char *run_id, const char *step, char **by,
                        char **note, rg_errors *errs)
{
    if (by) {
        *by = NULL;
    }
    if (note) {
        *note = NULL;
    }
    LOCK(st);
    int rc = -1;
    if (run_exists(st, run_id, errs) == 1) {
        sqlite3_stmt *s = q_prep(st, errs,
                                 "SELECT CASE WHEN resolved_at IS NULL THEN 1 WHEN resolved_by "
                                 "IS NULL THEN 0 ELSE 2 END, resolved_by, note FROM waits "
                                 "WHERE run_id = ? AND step = ? ORDER BY id DESC LIMIT 1",
                                 "ss", run_id, nz(step));
        if (s) {
            int r = q_step(st, errs, s);
            if (r == 0) {
                rc = 0;
            } else if (r == 1) {
                /* a wait closed without an answer counts as none */
                rc = sqlite3_column_int(s, 0);
                if (rc == 2 && by) {
                    *by = col_dup(s, 1);
                }
                if (rc == 2 && note) {
                    *note = col_dup(s, 2);
                }
            }
            q_done(st, s);
        }
    }
    UNLOCK(st);
    return rc;
}

int rg_store_wait_close(rg_store *st, const char *run_id, const char *step, const char *reason,
                        rg_errors *errs)
{
    LOCK(st);
    char t[32];
    now_iso(t);
    int closed = 0;
    int rc = tx_begin(st, errs);
    if (rc == 0) {
        rc = run_exists(st, run_id, errs) == 1 ? 0 : -1;
        sqlite3_stmt *s = NULL;
        int r = 0;
        if (rc == 0) {
            s = q_prep(st, errs,
                       "SELECT id, kind, what FROM waits WHERE run_id = ? AND step = ? AND "
                       "resolved_at IS NULL",
                       "ss", run_id, nz(step));
            r = s ? q_step(st, errs, s) : -1;
            rc = r < 0 ? -1 : 0;
        }
        if (rc == 0 && r == 1) {
            int64_t id = sqlite3_column_int64(s, 0);
            char *kind = col_dup(s, 1), *what = col_dup(s, 2);
            char *why = one_line(reason && *reason ? reason : "no longer waited for");
            /* resolved_at without resolved_by: closed, not answered (see
             * rg_store_wait_state) */
            rc = q_exec(st, errs,
                        "UPDATE waits SET resolved_by = NULL, resolved_at = ?, note = ? WHERE "
                        "id = ?",
                        "ssi", t, why, id);
            if (rc == 0) {
                char *detail = rg_xasprintf("step %s: %s (%s) closed without an answer: %s", step,
                                            kind, what, why);
                rc = append_event(st, run_id, NULL, "wait_closed", detail, NULL, errs);
                free(detail);
            }
            closed = rc == 0;
            free(why);
            free(kind);
            free(what);
        }
        q_done(st, s);
        rc = tx_end(st, rc, errs);
    }
    UNLOCK(st);
    return rc != 0 ? -1 : closed;
}

int rg_store_waits_open(rg_store *st, const char *run_id, char ***steps, size_t *n,
                        rg_errors *errs)
{
    *steps = NULL;
    *n = 0;
    LOCK(st);
    int rc = -1;
    sqlite3_stmt *s = q_prep(st, errs,
                             "SELECT step FROM waits WHERE run_id = ? AND resolved_at IS NULL "
                             "ORDER BY id",
                             "s", run_id);
    if (s) {
        int r;
        while ((r = q_step(st, errs, s)) == 1) {
            *steps = rg_xrealloc(*steps, (*n + 1) * sizeof **steps);
            (*steps)[(*n)++] = col_dup(s, 0);
        }
        q_done(st, s);
        rc = r < 0 ? -1 : 0;
    }
    UNLOCK(st);
    return rc;
}

#define WAIT_COLS                                                                                  \
    "SELECT w.run_id, r.workflow, w.step, w.kind, w.what, w.since, w.due, w.four_eyes FROM waits " \
    "w JOIN runs r ON r.id = w.run_id WHERE w.resolved_at IS NULL "

int rg_store_wait_list(rg_store *st, FILE *out, rg_errors *errs)
{
    LOCK(st);
    sqlite3_stmt *s = q_prep(st, errs, WAIT_COLS "ORDER BY w.since, w.id", NULL);
    if (!s) {
        UNLOCK(st);
        return -1;
    }
    static const char *const head[] = { "RUN", "WORKFLOW", "STEP", "KIND", "SINCE", "DUE",
                                        "NEEDED" };
    tbl t;
    tbl_init(&t, 7, head);
    int r, count = 0;
    while ((r = q_step(st, errs, s)) == 1) {
        tbl_add(&t, col_str(s, 0));
        tbl_add(&t, col_str(s, 1));
        tbl_add(&t, col_str(s, 2));
        tbl_add(&t, col_str(s, 3));
        tbl_add(&t, col_str(s, 5));
        tbl_add(&t, col_str(s, 6));
        const char *fe = col_str(s, 7);
        char *needed = fe ? rg_xasprintf("%s (four eyes: not by %s)", nz(col_str(s, 4)), fe)
                          : rg_xstrdup(nz(col_str(s, 4)));
        tbl_add(&t, needed);
        free(needed);
        count++;
    }
    q_done(st, s);
    if (r == 0) {
        if (count) {
            tbl_print(&t, out, "");
        } else {
            fprintf(out, "nothing is waiting for a person or a date in %s\n", st->path);
        }
    }
    tbl_free(&t);
    UNLOCK(st);
    return r < 0 ? -1 : count;
}

int rg_store_waits_due(rg_store *st, const char *today, rg_store_wait_fn fn, void *ud,
                       rg_errors *errs)
{
    if (!today || !*today) {
        rg_err_add(errs, NULL, 0, "%s: waits due: no date given", st->path);
        return -1;
    }
    LOCK(st);
    sqlite3_stmt *s = q_prep(st, errs,
                             WAIT_COLS "AND w.due IS NOT NULL AND w.due <= ? ORDER BY w.due, w.id",
                             "s", today);
    if (!s) {
        UNLOCK(st);
        return -1;
    }
    /* collect first: fn may call back into the store */
    strv cells = { 0 };
    int r;
    while ((r = q_step(st, errs, s)) == 1) {
        for (int i = 0; i < 8; i++) {
            const char *c = col_str(s, i);
            strv_push(&cells, c ? rg_xstrdup(c) : NULL);
        }
    }
    q_done(st, s);
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
    UNLOCK(st);
    return count;
}
