/*
 * audit.c - the audit log of a run: its canonical form, the hash chain,
 * appending and checking, and an entry as a line of log.jsonl.
 *
 * The audit log of a run is a hash chain:
 *   hash(n) = SHA-256(hash(n-1) || canonical(entry n)),
 *   hash(0) = SHA-256("regie-genesis-1\n" || run id)
 * with canonical() a length-prefixed serialisation of run, time, who, what,
 * detail and hashes (the sequence number is bound by the chain itself).
 */
#define _GNU_SOURCE
#include "store_db.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void rg_event_free(rg_event *e)
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

void rg_events_free(rg_event *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rg_event_free(&v[i]);
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
int rg_audit_append(rg_store *store, const char *run_id, const char *who, const char *what,
                    const char *detail, const char *hashes, rg_errors *errs)
{
    sqlite3_stmt *s = rg_db_prep(store, errs,
                                 "SELECT seq, hash FROM events WHERE run_id = ? ORDER BY seq DESC "
                                 "LIMIT 1",
                                 "s", run_id);
    if (!s) {
        return -1;
    }
    int r = rg_db_step(store, errs, s);
    if (r < 0) {
        rg_db_done(store, s);
        return -1;
    }
    char prev[65];
    int64_t seq = 1;
    if (r == 1) {
        seq = sqlite3_column_int64(s, 0) + 1;
        snprintf(prev, sizeof prev, "%s", nz(rg_db_col_str(s, 1)));
    } else {
        genesis(run_id, prev);
    }
    rg_db_done(store, s);
    char t[32], hash[65];
    rg_now_iso(t);
    who = who && *who ? who : store->actor;
    entry_hash(prev, run_id, t, who, what, detail, hashes, hash);
    if (rg_db_exec(store, errs,
                   "INSERT INTO events (run_id, seq, time, who, what, detail, hashes, prev_hash, "
                   "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   "sisssssss", run_id, seq, t, who, nz(what), nz(detail), nz(hashes), prev,
                   hash) != 0) {
        return -1;
    }
    if (rg_db_exec(store, errs, "UPDATE runs SET log_entries = ?, log_head = ? WHERE id = ?",
                   "iss", seq, hash, run_id) != 0) {
        return -1;
    }
    return rg_anchor_after(store, run_id, what, seq, hash, t, errs);
}

int rg_store_log_event(rg_store *store, const char *run_id, const char *who, const char *what,
                       const char *detail, const char *hashes_text, rg_errors *errs)
{
    if (!what || !*what) {
        rg_err_add(errs, NULL, 0, "%s: an audit entry needs a `what`", store->path);
        return -1;
    }
    LOCK(store);
    int rc = rg_db_begin(store, errs);
    if (rc == 0) {
        rc = rg_db_run_exists(store, run_id, errs) == 1 ? 0 : -1;
        if (rc == 0) {
            rc = rg_audit_append(store, run_id, who, what, detail, hashes_text, errs);
        }
        rc = rg_db_end(store, rc, errs);
    }
    UNLOCK(store);
    return rc;
}

int rg_store_log_head(rg_store *store, const char *run_id, char **head, rg_errors *errs)
{
    *head = NULL;
    LOCK(store);
    int rc = -1;
    sqlite3_stmt *s = rg_db_prep(store, errs,
                                 "SELECT hash FROM events WHERE run_id = ? ORDER BY seq DESC LIMIT 1",
                                 "s", run_id);
    if (s) {
        int r = rg_db_step(store, errs, s);
        if (r == 1) {
            *head = rg_db_col_dup(s, 0);
        }
        rc = r < 0 ? -1 : 0;
        rg_db_done(store, s);
    }
    UNLOCK(store);
    return rc;
}

/* "entry 7 (step_finished: step rank: done ...)" */
static char *ev_label(const rg_event *e)
{
    char *d = rg_one_line(e->detail);
    if (strlen(d) > 48) {
        strcpy(d + 45, "...");
    }
    char *s = *d ? rg_xasprintf("entry %lld (%s: %s)", (long long)e->seq, nz(e->what), d)
                 : rg_xasprintf("entry %lld (%s)", (long long)e->seq, nz(e->what));
    free(d);
    return s;
}

char *rg_short_hash(const char *h)
{
    return rg_xasprintf("%.12s", nz(h));
}

/* Check the chain of v[0..n) (in the order given).  0 intact; 1 broken with
 * the first problem in *msg (*line: the v[].line of the place, or 0). */
int rg_audit_chain_check(const char *run_id, const rg_event *v, size_t n, int64_t expect_count,
                         const char *expect_head, char **msg, long *line)
{
    char g[65], h[65];
    genesis(run_id, g);
    *line = 0;
    for (size_t i = 0; i < n; i++) {
        const rg_event *e = &v[i];
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
            char *a = rg_short_hash(e->prev), *b = rg_short_hash(want_prev);
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

int rg_audit_load(rg_store *store, const char *run_id, rg_event **out, size_t *nout,
                  rg_errors *errs)
{
    sqlite3_stmt *s = rg_db_prep(store, errs,
                                 "SELECT seq, run_id, time, who, what, detail, hashes, prev_hash, "
                                 "hash FROM events WHERE run_id = ? ORDER BY seq",
                                 "s", run_id);
    if (!s) {
        return -1;
    }
    rg_event *v = NULL;
    size_t n = 0, cap = 0;
    int r;
    while ((r = rg_db_step(store, errs, s)) == 1) {
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            v = rg_xrealloc(v, cap * sizeof *v);
        }
        rg_event *e = &v[n++];
        memset(e, 0, sizeof *e);
        e->seq = sqlite3_column_int64(s, 0);
        e->run = rg_db_col_dup(s, 1);
        e->time = rg_db_col_dup(s, 2);
        e->who = rg_db_col_dup(s, 3);
        e->what = rg_db_col_dup(s, 4);
        e->detail = rg_db_col_dup(s, 5);
        e->hashes = rg_db_col_dup(s, 6);
        e->prev = rg_db_col_dup(s, 7);
        e->hash = rg_db_col_dup(s, 8);
    }
    rg_db_done(store, s);
    if (r < 0) {
        rg_events_free(v, n);
        return -1;
    }
    *out = v;
    *nout = n;
    return 0;
}

void rg_event_json(rg_buf *b, const rg_event *e)
{
    rg_buf_puts(b, "{\"run\":");
    rg_json_str(b, e->run);
    rg_buf_printf(b, ",\"seq\":%lld,\"time\":", (long long)e->seq);
    rg_json_str(b, e->time);
    rg_buf_puts(b, ",\"who\":");
    rg_json_str(b, e->who);
    rg_buf_puts(b, ",\"what\":");
    rg_json_str(b, e->what);
    rg_buf_puts(b, ",\"detail\":");
    rg_json_str(b, e->detail);
    rg_buf_puts(b, ",\"hashes\":");
    rg_json_str(b, e->hashes);
    rg_buf_puts(b, ",\"prev\":");
    rg_json_str(b, e->prev);
    rg_buf_puts(b, ",\"hash\":");
    rg_json_str(b, e->hash);
    rg_buf_puts(b, "}\n");
}

/* Parse one log.jsonl line into e.  0, or -1 with *why. */
int rg_event_parse_json(const char *line, rg_event *e, const char **why)
{
    const char *p = line;
    memset(e, 0, sizeof *e);
    e->seq = -1;
    rg_json_skip_ws(&p);
    if (*p != '{') {
        *why = "not a JSON object";
        return -1;
    }
    p++;
    rg_json_skip_ws(&p);
    if (*p == '}') {
        p++;
    } else {
        for (;;) {
            rg_json_skip_ws(&p);
            char *key = rg_json_parse_str(&p);
            if (!key) {
                *why = "malformed JSON (a key)";
                return -1;
            }
            rg_json_skip_ws(&p);
            if (*p != ':') {
                free(key);
                *why = "malformed JSON (expected ':')";
                return -1;
            }
            p++;
            rg_json_skip_ws(&p);
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
                char *v = rg_json_parse_str(&p);
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
            rg_json_skip_ws(&p);
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
    rg_json_skip_ws(&p);
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

/* The hash of entry e recomputed from its fields on top of prev (genesis
 * for entry 1): for checks that trust no stored hash (anchor.c). */
void rg_audit_rehash(const char *run_id, const char *prev, const rg_event *e, char hex[65])
{
    char g[65];
    if (!prev) {
        genesis(run_id, g);
        prev = g;
    }
    entry_hash(prev, e->run, e->time, e->who, e->what, e->detail, e->hashes, hex);
}

/* ---- replay: the tables as the log says they are ---- */

static void *grow(void *v, size_t n, size_t *cap, size_t size)
{
    if (n < *cap) {
        return v;
    }
    *cap = *cap ? 2 * *cap : 16;
    return rg_xrealloc(v, *cap * size);
}

/* "SHA256  NAME" lines of an entry's hashes: the i-th, or 0. */
static int hash_line(const char *hashes, size_t i, char **sha, char **name)
{
    const char *p = nz(hashes), *at;
    size_t l;
    for (size_t k = 0; next_line(&p, &at, &l); k++) {
        if (k == i) {
            if (l < 66 || at[64] != ' ' || at[65] != ' ') {
                *sha = rg_xstrndup(at, l < 64 ? l : 64);
                *name = rg_xstrdup("");
            } else {
                *sha = rg_xstrndup(at, 64);
                *name = rg_xstrndup(at + 66, l - 66);
            }
            return 1;
        }
    }
    return 0;
}

/* The step a detail "step NAME<sep>..." is about (NULL if it is not). */
static char *detail_step(const char *detail, const char *sep)
{
    if (strncmp(nz(detail), "step ", 5) != 0) {
        return NULL;
    }
    const char *e = strstr(detail + 5, sep);
    return e ? rg_xstrndup(detail + 5, (size_t)(e - detail - 5)) : NULL;
}

static rg_replay_step *replay_step(rg_replay *r, const char *name)
{
    for (size_t i = 0; i < r->nsteps; i++) {
        if (strcmp(r->steps[i].name, name) == 0) {
            return &r->steps[i];
        }
    }
    r->steps = grow(r->steps, r->nsteps, &r->csteps, sizeof *r->steps);
    rg_replay_step *s = &r->steps[r->nsteps++];
    *s = (rg_replay_step){ rg_xstrdup(name), rg_xstrdup(""), NULL, 0, 0 };
    return s;
}

static void set_str(char **slot, const char *v)
{
    free(*slot);
    *slot = v ? rg_xstrdup(v) : NULL;
}

static void replay_version(rg_replay *r, const rg_replay_out *o, int64_t seq)
{
    for (size_t i = 0; i < r->nversions; i++) {
        if (!strcmp(r->versions[i].relpath, o->relpath) && !strcmp(r->versions[i].sha, o->sha)) {
            return; /* kept once, at the first entry that replaced it */
        }
    }
    r->versions = grow(r->versions, r->nversions, &r->cversions, sizeof *r->versions);
    r->versions[r->nversions++] = (rg_replay_out){ rg_xstrdup(o->step), rg_xstrdup(o->relpath),
                                                   rg_xstrdup(o->sha), seq };
}

/* A step starts or finishes: its outputs not recorded again unchanged
 * become earlier versions (runs.c supersede_outputs). */
static void replay_outputs(rg_replay *r, const char *step, const char *hashes, int64_t seq)
{
    size_t k = 0;
    for (size_t i = 0; i < r->noutputs; i++) {
        rg_replay_out *o = &r->outputs[i];
        if (strcmp(o->step, step) != 0) {
            r->outputs[k++] = *o;
            continue;
        }
        char *want = rg_xasprintf("%s  %s", o->sha, o->relpath);
        int kept = 0;
        const char *p = nz(hashes), *at;
        size_t l;
        while (!kept && next_line(&p, &at, &l)) {
            kept = l == strlen(want) && strncmp(at, want, l) == 0;
        }
        free(want);
        if (!kept) {
            replay_version(r, o, seq);
        }
        free(o->step);
        free(o->relpath);
        free(o->sha);
    }
    r->noutputs = k;
    char *sha, *name;
    for (size_t i = 0; hash_line(hashes, i, &sha, &name); i++) {
        r->outputs = grow(r->outputs, r->noutputs, &r->coutputs, sizeof *r->outputs);
        r->outputs[r->noutputs++] = (rg_replay_out){ rg_xstrdup(step), name, sha, seq };
    }
}

static void replay_input(rg_replay *r, const rg_event *e)
{
    char *sha, *name;
    if (!hash_line(e->hashes, 0, &sha, &name)) {
        return; /* an input given to a waiting step: its file has its own entry */
    }
    char *path = NULL;
    int64_t size = -1;
    const char *d = nz(e->detail);
    size_t nl = strlen(name);
    if (!strcmp(e->what, "input") && !strncmp(d, name, nl) && !strncmp(d + nl, ": ", 2)) {
        const char *b = strrchr(d, '(');
        long long sz;
        if (b && b > d + nl + 2 && sscanf(b, "(%lld bytes)", &sz) == 1) {
            path = rg_xstrndup(d + nl + 2, (size_t)(b - 1 - (d + nl + 2)));
            size = sz;
        }
    } else if (!strncmp(d, name, nl) && d[nl] == '=') {
        /* "NAME=PATH (os user U)"; before the OS user was recorded, "NAME=PATH" */
        const char *ou = NULL;
        for (const char *p = d + nl + 1; (p = strstr(p, " (os user ")); p++) {
            ou = p;
        }
        size_t pl = ou && d[strlen(d) - 1] == ')' ? (size_t)(ou - (d + nl + 1)) : strlen(d + nl + 1);
        path = rg_xstrndup(d + nl + 1, pl);
    }
    rg_replay_input *in = NULL;
    for (size_t i = 0; i < r->ninputs && !in; i++) {
        in = strcmp(r->inputs[i].name, name) == 0 ? &r->inputs[i] : NULL;
    }
    if (!in) {
        r->inputs = grow(r->inputs, r->ninputs, &r->cinputs, sizeof *r->inputs);
        in = &r->inputs[r->ninputs++];
        *in = (rg_replay_input){ name, NULL, NULL, -1, 0 };
    } else {
        free(name);
    }
    free(in->path);
    free(in->sha);
    in->path = path ? path : rg_xstrdup("");
    in->sha = sha;
    in->size = size;
    in->seq = e->seq;
}

/* Does a waiting entry's detail, "step S waits for input: input NAME: ..."
 * or "... input NAME - ...", wait for input name? */
static int waits_for_input(const char *detail, const char *name)
{
    const char *p = strstr(nz(detail), " waits for input: input ");
    size_t nl = strlen(name);
    if (!p) {
        return 0;
    }
    p += strlen(" waits for input: input ");
    return !strncmp(p, name, nl) && (!strncmp(p + nl, ": ", 2) || !strncmp(p + nl, " - ", 3));
}

void rg_replay_build(rg_replay *r, const rg_event *v, size_t n)
{
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < n; i++) {
        const rg_event *e = &v[i];
        const char *w = nz(e->what);
        char *step = NULL, *sha = NULL, *name = NULL;
        if (!strcmp(w, "run_started")) {
            r->started = e;
            set_str(&r->status, "running");
            r->status_seq = e->seq;
            if (hash_line(e->hashes, 0, &sha, &name)) {
                set_str(&r->def_hash, sha);
                r->def_seq = e->seq;
            }
        } else if (!strcmp(w, "run_resumed")) {
            set_str(&r->status, "running");
            r->status_seq = e->seq;
        } else if (!strcmp(w, "run_finished") && !strncmp(nz(e->detail), "status ", 7)) {
            set_str(&r->status, e->detail + 7);
            r->status_seq = e->seq;
        } else if (!strcmp(w, "definition_hash") && hash_line(e->hashes, 0, &sha, &name)) {
            set_str(&r->def_hash, sha);
            r->def_seq = e->seq;
        } else if (!strcmp(w, "definition_file") || !strcmp(w, "definition_item")) {
            rg_replay_def *d = NULL;
            for (size_t k = 0; k < r->ndefs && !d; k++) {
                d = strcmp(r->defs[k].path, nz(e->detail)) == 0 ? &r->defs[k] : NULL;
            }
            if (!d) {
                r->defs = grow(r->defs, r->ndefs, &r->cdefs, sizeof *r->defs);
                d = &r->defs[r->ndefs++];
                *d = (rg_replay_def){ rg_xstrdup(nz(e->detail)), NULL, 0, 0 };
            }
            hash_line(e->hashes, 0, &sha, &name);
            set_str(&d->sha, sha);
            d->file = !strcmp(w, "definition_file");
            d->seq = e->seq;
        } else if (!strcmp(w, "input") || !strcmp(w, "input_given")) {
            replay_input(r, e);
        } else if (!strcmp(w, "step_started") && (step = detail_step(e->detail, ": attempt "))) {
            rg_replay_step *s = replay_step(r, step);
            set_str(&s->status, "running");
            set_str(&s->error, NULL);
            s->attempts = atoi(strstr(e->detail, ": attempt ") + 10);
            s->seq = e->seq;
            replay_outputs(r, step, NULL, e->seq);
        } else if (!strcmp(w, "step_finished") && (step = detail_step(e->detail, ": "))) {
            /* "step NAME: STATUS after N attempt(s)[: ERROR]" */
            rg_replay_step *s = replay_step(r, step);
            const char *p = e->detail + 5 + strlen(step) + 2, *a = strstr(p, " after ");
            char *status = a ? rg_xstrndup(p, (size_t)(a - p)) : rg_xstrdup(p);
            free(s->status);
            s->status = status;
            s->attempts = a ? atoi(a + 7) : 0;
            const char *err = a ? strstr(a + 7, " attempt") : NULL;
            err = err ? strchr(err + 8, ':') : NULL;
            set_str(&s->error, err && err[1] == ' ' ? err + 2 : NULL);
            s->seq = e->seq;
            replay_outputs(r, step, e->hashes, e->seq);
        } else if (!strcmp(w, "step_reused") && (step = detail_step(e->detail, ": "))) {
            rg_replay_step *s = replay_step(r, step);
            if (!strcmp(s->status, "outdated")) {
                set_str(&s->status, "done");
                s->seq = e->seq;
            }
        } else if (!strcmp(w, "steps_outdated")) {
            const char *p = strstr(nz(e->detail), ": ");
            for (p = p ? p + 2 : ""; *p;) {
                size_t l = strcspn(p, ",");
                char *nm = rg_xstrndup(p, l);
                rg_replay_step *s = replay_step(r, nm);
                if (!strcmp(s->status, "done")) {
                    set_str(&s->status, "outdated");
                    s->seq = e->seq;
                }
                free(nm);
                p += l;
                p += strspn(p, ", ");
            }
        } else if (!strcmp(w, "waiting") && (step = detail_step(e->detail, " waits for "))) {
            r->waits = grow(r->waits, r->nwaits, &r->cwaits, sizeof *r->waits);
            r->waits[r->nwaits++] =
                (rg_replay_wait){ rg_xstrdup(step), rg_xstrdup(e->detail), e->seq, NULL };
        }
        if (!strcmp(w, "input_given") && hash_line(e->hashes, 0, &sha, &name)) {
            /* an input given on resume resolves the open wait for it in
             * the same transaction (tasks.c rg_wait_input_given) */
            for (size_t k = r->nwaits; k-- > 0;) {
                if (!r->waits[k].res && waits_for_input(r->waits[k].detail, name)) {
                    r->waits[k].res = e;
                    break;
                }
            }
        }
        if ((!strcmp(w, "approved") || !strcmp(w, "rejected") || !strcmp(w, "timer_passed") ||
             !strcmp(w, "wait_closed") ||
             (!strcmp(w, "input_given") && !*nz(e->hashes))) &&
            (step = detail_step(e->detail, ": "))) {
            for (size_t k = r->nwaits; k-- > 0;) {
                if (!strcmp(r->waits[k].step, step)) {
                    if (!r->waits[k].res) {
                        r->waits[k].res = e;
                    }
                    break;
                }
            }
        }
        free(step);
        free(sha);
        free(name);
    }
}

void rg_replay_free(rg_replay *r)
{
    for (size_t i = 0; i < r->ndefs; i++) {
        free(r->defs[i].path);
        free(r->defs[i].sha);
    }
    for (size_t i = 0; i < r->ninputs; i++) {
        free(r->inputs[i].name);
        free(r->inputs[i].path);
        free(r->inputs[i].sha);
    }
    for (size_t i = 0; i < r->nsteps; i++) {
        free(r->steps[i].name);
        free(r->steps[i].status);
        free(r->steps[i].error);
    }
    for (size_t i = 0; i < r->noutputs; i++) {
        free(r->outputs[i].step);
        free(r->outputs[i].relpath);
        free(r->outputs[i].sha);
    }
    for (size_t i = 0; i < r->nversions; i++) {
        free(r->versions[i].step);
        free(r->versions[i].relpath);
        free(r->versions[i].sha);
    }
    for (size_t i = 0; i < r->nwaits; i++) {
        free(r->waits[i].step);
        free(r->waits[i].detail);
    }
    free(r->defs);
    free(r->inputs);
    free(r->steps);
    free(r->outputs);
    free(r->versions);
    free(r->waits);
    free(r->def_hash);
    free(r->status);
    memset(r, 0, sizeof *r);
}
