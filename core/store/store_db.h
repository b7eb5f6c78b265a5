/*
 * store_db.h - what the files of the run store share (not for use outside
 * core/store/): the handle, the SQLite helpers (db.c), the audit chain
 * (audit.c), locks (locks.c), runs (runs.c), a run shown as text
 * (listing.c).
 */
#ifndef REGIE_STORE_DB_H
#define REGIE_STORE_DB_H

#include "json.h"
#include "sha256.h"
#include "store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

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
    int nest;      /* open rg_db_begin levels: 1 a transaction, more inside one */
    char *damaged; /* what quick_check said at open (writes refused), or NULL */
    int readonly;  /* opened by rg_store_open_read */
    int last_rc;   /* the SQLite code of the last error reported (rg_db_error) */
    pthread_mutex_t mu;
    unsigned char *sign_key; /* Ed25519 secret key (anchor.c), or NULL */
    int for_people; /* listings in local time and the user's language (listing.c) */
};

#define LOCK(store) pthread_mutex_lock(&(store)->mu)
#define UNLOCK(store) pthread_mutex_unlock(&(store)->mu)

static inline const char *nz(const char *s)
{
    return s ? s : "";
}

/* ---- small helpers (db.c) ---- */
void rg_iso_time(time_t t, char buf[32]);
void rg_now_iso(char buf[32]);
/* Start time of a process in clock ticks after boot ("" if unknown). */
void rg_proc_start(long pid, char out[32]);

/* ---- SQLite helpers (db.c) ---- */
void rg_db_error(rg_store *store, rg_errors *errs, int rc, const char *what);
/* Prepare and bind (fmt: s = text (NULL: null), i = int64, n = int,
 * d = double); NULL with errs on failure. */
sqlite3_stmt *rg_db_prep(rg_store *store, rg_errors *errs, const char *sql, const char *fmt, ...);
/* Run a statement that returns no rows. */
int rg_db_exec(rg_store *store, rg_errors *errs, const char *sql, const char *fmt, ...);
/* Done with a statement: a cached one is reset for reuse, others freed. */
void rg_db_done(rg_store *store, sqlite3_stmt *s);
/* Step a query statement: 1 row, 0 done, -1 error (errs). */
int rg_db_step(rg_store *store, rg_errors *errs, sqlite3_stmt *s);
char *rg_db_col_dup(sqlite3_stmt *s, int i);
const char *rg_db_col_str(sqlite3_stmt *s, int i);
int rg_db_begin(rg_store *store, rg_errors *errs);
void rg_db_rollback(rg_store *store);
/* Commit if ok == 0, else roll back.  Returns 0 only if committed. */
int rg_db_end(rg_store *store, int ok, rg_errors *errs);
/* Give back the room kept beside the store for a full disk (STORE-reserve):
 * 0 if there was some. */
int rg_db_reserve_release(rg_store *store);
/* 1 if the run exists; 0 (with `no run "X" in STORE`) if not; -1 error. */
int rg_db_run_exists(rg_store *store, const char *run_id, rg_errors *errs);

/* ---- audit log (audit.c) ---- */
typedef struct rg_event {
    int64_t seq;
    char *run, *time, *who, *what, *detail, *hashes, *prev, *hash;
    long line; /* in log.jsonl, or 0 */
} rg_event;
void rg_event_free(rg_event *e);
void rg_events_free(rg_event *v, size_t n);
/* Append an entry inside the caller's transaction. */
int rg_audit_append(rg_store *store, const char *run_id, const char *who, const char *what,
                    const char *detail, const char *hashes, rg_errors *errs);
/* tasks.c: inside the caller's transaction, resolve the open input wait of
 * input `name` (its what "input NAME: ..." or "input NAME - ...") as given
 * by who (NULL: the actor), with the OS user; no audit entry of its own,
 * the caller's input_given is the record. */
int rg_wait_input_given(rg_store *store, const char *run_id, const char *name, const char *who,
                        const char *os_user, rg_errors *errs);
char *rg_short_hash(const char *h);
/* Check the chain of v[0..n) (in the order given).  0 intact; 1 broken with
 * the first problem in *msg (*line: the v[].line of the place, or 0). */
int rg_audit_chain_check(const char *run_id, const rg_event *v, size_t n, int64_t expect_count,
                         const char *expect_head, char **msg, long *line);
int rg_audit_load(rg_store *store, const char *run_id, rg_event **out, size_t *nout,
                  rg_errors *errs);
/* Entry e's hash recomputed from its fields after prev (NULL: entry 1). */
void rg_audit_rehash(const char *run_id, const char *prev, const rg_event *e, char hex[65]);
/* An entry as one line of log.jsonl, and one line read back: 0, or -1 with
 * *why. */
void rg_event_json(rg_buf *b, const rg_event *e);
int rg_event_parse_json(const char *line, rg_event *e, const char **why);

/* ---- anchoring (anchor.c) ---- */
/* Inside the caller's transaction: with a signing key, sign the head (entry
 * seq, its hash, time) after an entry `what` that ends a stretch of the run
 * (a wait, its resolution, the run's end); nothing otherwise. */
int rg_anchor_after(rg_store *store, const char *run_id, const char *what, int64_t seq,
                    const char *hash, const char *time, rg_errors *errs);
/* The run's recorded signatures as signatures.txt of a bundle ("" none). */
int rg_anchor_bundle_text(rg_store *store, const char *run_id, rg_buf *out, char **pubkey,
                          rg_errors *errs);
/* The size of store->sign_key (freed by rg_store_close). */
#define RG_SIGN_KEY_BYTES 64

/* What the tables of a run must hold, rebuilt from its log alone (replay
 * in entry order; each item names the entry that recorded it last).  Used
 * by verify RUN (tables against the log) and verify DIR (a bundle's files
 * and run.txt against its log). */
typedef struct rg_replay_def {
    char *path, *sha; /* sha NULL: an item without one */
    int file;
    int64_t seq;
} rg_replay_def;
typedef struct rg_replay_input {
    char *name, *path, *sha;
    int64_t size; /* -1: the entry does not say */
    int64_t seq;
} rg_replay_input;
typedef struct rg_replay_step {
    char *name, *status, *error; /* error NULL: none */
    int attempts;
    int64_t seq;
} rg_replay_step;
typedef struct rg_replay_out {
    char *step, *relpath, *sha;
    int64_t seq; /* outputs: the step_finished entry; versions: the entry that replaced it */
} rg_replay_out;
typedef struct rg_replay_wait {
    char *step, *detail;
    int64_t seq;
    const rg_event *res; /* the entry that resolved or closed it, or NULL */
} rg_replay_wait;
typedef struct rg_replay {
    const rg_event *started; /* run_started, or NULL */
    char *def_hash, *status;
    int64_t def_seq, status_seq;
    rg_replay_def *defs;
    rg_replay_input *inputs;
    rg_replay_step *steps;
    rg_replay_out *outputs, *versions;
    rg_replay_wait *waits;
    size_t ndefs, ninputs, nsteps, noutputs, nversions, nwaits;
    size_t cdefs, cinputs, csteps, coutputs, cversions, cwaits;
} rg_replay;
/* Replay v[0..n) (which must outlive r). */
void rg_replay_build(rg_replay *r, const rg_event *v, size_t n);
void rg_replay_free(rg_replay *r);

/* ---- bundles (bundle.c) ---- */
char *rg_bundle_input_path(const char *name, const char *path);

/* ---- input contents (contents.c) ---- */
/* The kept content of sha256: 1 and *data (NUL-terminated, caller frees),
 * 0 none kept, -1 error. */
int rg_content_get(rg_store *store, const char *sha256, char **data, size_t *len, rg_errors *errs);
/* Each kept content of the run's inputs against its hash: a line on out
 * for each that differs; how many differ, or -1.  *nkept: inputs with a
 * content kept, *nnone: without one. */
int rg_content_verify(rg_store *store, const char *run_id, FILE *out, size_t *nkept,
                      size_t *nnone, rg_errors *errs);

/* ---- runs (runs.c) ---- */
int rg_db_run_get(rg_store *store, const char *run_id, rg_store_run *out, rg_errors *errs);

/* ---- locks (locks.c) ---- */
int rg_lock_insert(rg_store *store, const char *run_id, rg_errors *errs);
const char *rg_lock_stale(rg_store *store, int64_t pid, const char *host, const char *boot,
                          const char *pstart);
/* What `runs` and `show` say of a run recorded as running that no process
 * runs any more (it crashed, or was killed): no lock, or a stale one. */
#define INTERRUPTED "interrupted (the process died)"
int rg_run_interrupted(rg_store *store, const char *run_id, rg_errors *errs);

/* ---- listings (listing.c) ---- */
int rg_show_run(rg_store *store, const char *run_id, FILE *out, rg_errors *errs);
#define WAIT_COLS                                                                                  \
    "SELECT w.run_id, r.workflow, w.step, w.kind, w.what, w.since, w.due, w.four_eyes FROM waits " \
    "w JOIN runs r ON r.id = w.run_id WHERE w.resolved_at IS NULL "

/* ---- paths in an output directory or a bundle (db.c) ---- */
/* A relative path without "..", "." or empty components; NULL if the path
 * cannot be used as one (absolute paths lose their leading '/' when
 * allow_abs). */
char *rg_clean_rel(const char *path, int allow_abs);

/* The line of text at *p: its start and length (without the "\n"), *p
 * moved past it; 0 at the end of the text. */
static inline int next_line(const char **p, const char **line, size_t *len)
{
    if (!**p) {
        return 0;
    }
    *line = *p;
    *len = strcspn(*p, "\n");
    *p += *len;
    if (**p) {
        (*p)++;
    }
    return 1;
}

/* A growing list of strings (bundle_verify.c, tasks.c). */
typedef struct strv {
    char **v;
    size_t n, cap;
} strv;

static inline void strv_push(strv *l, char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 32;
        l->v = rg_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = s;
}

#endif /* REGIE_STORE_DB_H */
