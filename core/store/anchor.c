/*
 * anchor.c - anchor files (the signed head of a run's log, kept elsewhere by
 * an operator), the signatures of a bundle, and the checks of a run's log
 * or a bundle against an anchor (doc/store.md, "Anchoring").  Keys and
 * signing: anchor_key.c.
 */
#define _GNU_SOURCE
#include "anchor.h"

#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define ANCHOR_HEAD "regie anchor 1\n"

typedef struct sigrec {
    int64_t seq;
    char *time, *head, *pk, *sig;
    long line; /* in signatures.txt, or 0 */
} sigrec;

static void sigs_free(sigrec *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].time);
        free(v[i].head);
        free(v[i].pk);
        free(v[i].sig);
    }
    free(v);
}


/* 1 if sig_hex is pk_hex's signature of the head, else 0. */
static int sig_ok(const char *pk_hex, const char *sig_hex, const char *run_id, int64_t seq,
                  const char *head, const char *time)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
    if (rg_anchor_unhex(pk_hex, pk, sizeof pk) != 0 ||
        rg_anchor_unhex(sig_hex, sig, sizeof sig) != 0) {
        return 0;
    }
    char *m = rg_anchor_message(run_id, seq, head, time);
    int ok = crypto_sign_verify_detached(sig, (const unsigned char *)m, strlen(m), pk) == 0;
    free(m);
    return ok;
}

/* The value of the line "KEY VALUE" in text, or NULL. */
static char *field(const char *text, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l > kl && strncmp(p, key, kl) == 0 && p[kl] == ' ') {
            size_t vl = l - kl - 1;
            if (vl && p[kl + vl] == '\r') {
                vl--;
            }
            return rg_xstrndup(p + kl + 1, vl);
        }
        p = e ? e + 1 : NULL;
    }
    return NULL;
}

/* ---- signing --------------------------------------------------------------- */

static int has_table(rg_store *store, rg_errors *errs)
{
    sqlite3_stmt *s = rg_db_prep(store, errs,
                                 "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = "
                                 "'signatures'",
                                 "");
    int r = s ? rg_db_step(store, errs, s) : -1;
    rg_db_done(store, s);
    return r;
}

static int load_sigs(rg_store *store, const char *run_id, sigrec **out, size_t *nout,
                     rg_errors *errs)
{
    *out = NULL;
    *nout = 0;
    int t = has_table(store, errs);
    if (t <= 0) {
        return t;
    }
    sqlite3_stmt *s = rg_db_prep(store, errs,
                                 "SELECT seq, time, head, public_key, signature FROM signatures "
                                 "WHERE run_id = ? ORDER BY seq",
                                 "s", run_id);
    if (!s) {
        return -1;
    }
    sigrec *v = NULL;
    size_t n = 0;
    int r;
    while ((r = rg_db_step(store, errs, s)) == 1) {
        v = rg_xrealloc(v, (n + 1) * sizeof *v);
        v[n].seq = sqlite3_column_int64(s, 0);
        v[n].time = rg_db_col_dup(s, 1);
        v[n].head = rg_db_col_dup(s, 2);
        v[n].pk = rg_db_col_dup(s, 3);
        v[n].sig = rg_db_col_dup(s, 4);
        v[n].line = 0;
        n++;
    }
    rg_db_done(store, s);
    if (r < 0) {
        sigs_free(v, n);
        return -1;
    }
    *out = v;
    *nout = n;
    return 0;
}

int rg_anchor_bundle_text(rg_store *store, const char *run_id, rg_buf *out, char **pubkey,
                          rg_errors *errs)
{
    sigrec *v;
    size_t n;
    *pubkey = NULL;
    if (load_sigs(store, run_id, &v, &n, errs) != 0) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        rg_buf_printf(out, "%lld %s %s %s %s\n", (long long)v[i].seq, nz(v[i].time),
                      nz(v[i].head), nz(v[i].pk), nz(v[i].sig));
    }
    if (n) {
        *pubkey = rg_xstrdup(nz(v[n - 1].pk));
    }
    sigs_free(v, n);
    return 0;
}

char *rg_store_anchor(rg_store *store, const char *run_id, rg_errors *errs)
{
    LOCK(store);
    rg_store_run r;
    char *text = NULL;
    sigrec *v = NULL;
    size_t n = 0;
    int rc = rg_db_run_get(store, run_id, &r, errs);
    if (rc != 0) {
        UNLOCK(store);
        return NULL;
    }
    rc = load_sigs(store, run_id, &v, &n, errs);
    if (rc == 0 && store->sign_key) {
        if (rg_anchor_sodium_ready(errs) != 0) {
            rc = -1;
        }
        unsigned char pk[crypto_sign_PUBLICKEYBYTES];
        char pkh[2 * sizeof pk + 1];
        crypto_sign_ed25519_sk_to_pk(pk, store->sign_key);
        rg_anchor_hex(pk, sizeof pk, pkh);
        int fresh = n && v[n - 1].seq == r.log_entries && strcmp(nz(v[n - 1].pk), pkh) == 0;
        if (rc == 0 && !fresh) {
            /* sign the current head now, and record it */
            rc = rg_db_begin(store, errs);
            if (rc == 0) {
                sqlite3_stmt *s = rg_db_prep(store, errs,
                                             "SELECT seq, hash FROM events WHERE run_id = ? "
                                             "ORDER BY seq DESC LIMIT 1",
                                             "s", run_id);
                int got = s ? rg_db_step(store, errs, s) : -1;
                if (got == 1) {
                    char t[32];
                    rg_now_iso(t);
                    int64_t seq = sqlite3_column_int64(s, 0);
                    char *hash = rg_db_col_dup(s, 1);
                    rg_db_done(store, s);
                    s = NULL;
                    rc = rg_anchor_sign(store, run_id, seq, hash, t, errs);
                    free(hash);
                } else if (got == 0) {
                    rg_err_add(errs, NULL, 0, "%s: run %s has no log entries to anchor",
                               store->path, run_id);
                    rc = -1;
                } else {
                    rc = -1;
                }
                rg_db_done(store, s);
                rc = rg_db_end(store, rc, errs);
            }
            if (rc == 0) {
                sigs_free(v, n);
                rc = load_sigs(store, run_id, &v, &n, errs);
            }
        }
    }
    if (rc == 0 && n == 0) {
        rg_err_add(errs, NULL, 0,
                   "%s: run %s has no signed head: make a key pair (regie key new FILE) and "
                   "name it in [store] signing_key = FILE (or --engine signing_key=FILE)",
                   store->path, run_id);
        rc = -1;
    }
    if (rc == 0) {
        const sigrec *s = &v[n - 1];
        text = rg_xasprintf(ANCHOR_HEAD "run %s\nentries %lld\nhead %s\ntime %s\npublic_key "
                                        "%s\nsignature %s\n",
                            run_id, (long long)s->seq, nz(s->head), nz(s->time), nz(s->pk),
                            nz(s->sig));
    }
    sigs_free(v, n);
    rg_store_run_clear(&r);
    UNLOCK(store);
    return text;
}

/* ---- checking ------------------------------------------------------------- */

typedef struct anchor {
    char *run, *head, *time, *pk, *sig;
    int64_t seq;
} anchor;

static void anchor_free(anchor *a)
{
    free(a->run);
    free(a->head);
    free(a->time);
    free(a->pk);
    free(a->sig);
}

static int anchor_read(const char *path, anchor *a, rg_errors *errs)
{
    memset(a, 0, sizeof *a);
    char *text = rg_read_file(path, NULL);
    if (!text) {
        rg_err_add(errs, NULL, 0, "anchor %s: cannot read it: %s", path, strerror(errno));
        return -1;
    }
    int rc = 0;
    if (strncmp(text, ANCHOR_HEAD, strlen(ANCHOR_HEAD)) != 0) {
        rg_err_add(errs, NULL, 0, "anchor %s: not a regie anchor file (expected the first line "
                                  "\"regie anchor 1\", as `regie anchor RUN` writes)",
                   path);
        rc = -1;
    }
    char *seq = NULL, *end = NULL;
    if (rc == 0) {
        a->run = field(text, "run");
        seq = field(text, "entries");
        a->head = field(text, "head");
        a->time = field(text, "time");
        a->pk = field(text, "public_key");
        a->sig = field(text, "signature");
        const char *miss = !a->run ? "run" : !seq ? "entries" : !a->head ? "head"
                         : !a->time ? "time" : !a->pk ? "public_key" : !a->sig ? "signature"
                                                                               : NULL;
        if (miss) {
            rg_err_add(errs, NULL, 0, "anchor %s: the line \"%s ...\" is missing", path, miss);
            rc = -1;
        } else if ((a->seq = strtoll(seq, &end, 10)) < 1 || *end || !isdigit((unsigned char)*seq)) {
            rg_err_add(errs, NULL, 0, "anchor %s: entries: found \"%s\", expected a number of "
                                      "log entries",
                       path, seq);
            rc = -1;
        }
    }
    free(seq);
    free(text);
    if (rc != 0) {
        anchor_free(a);
    }
    return rc;
}

/* The log v[0..n) and signatures s[0..ns) of run_id against the anchor
 * file; label names where they come from in messages. */
static int check(const char *label, const char *run_id, const rg_event *v, size_t n,
                 const sigrec *s, size_t ns, const char *bundle_pk, const char *file, FILE *out,
                 rg_errors *errs)
{
    if (rg_anchor_sodium_ready(errs) != 0) {
        return RG_VERIFY_ERROR;
    }
    anchor a;
    if (anchor_read(file, &a, errs) != 0) {
        return RG_VERIFY_ERROR;
    }
    if (strcmp(a.run, nz(run_id)) != 0) {
        rg_err_add(errs, NULL, 0, "anchor %s: anchors run %s, not %s", file, a.run, nz(run_id));
        anchor_free(&a);
        return RG_VERIFY_ERROR;
    }
    /* every entry's hash recomputed from its fields, trusting no stored one */
    char(*h)[65] = rg_xmalloc((n ? n : 1) * sizeof *h);
    size_t nh = 0;
    for (; nh < n && v[nh].seq == (int64_t)nh + 1; nh++) {
        rg_audit_rehash(run_id, nh ? h[nh - 1] : NULL, &v[nh], h[nh]);
    }
    size_t nbad = 0;
    char *pk8 = rg_xstrndup(a.pk, 16);
    if (!sig_ok(a.pk, a.sig, a.run, a.seq, a.head, a.time)) {
        fprintf(out, "%s: anchor %s: its signature does not verify with its public key %s... "
                     "(the anchor file was altered)\n",
                label, file, pk8);
        nbad++;
    }
    if (a.seq > (int64_t)nh) {
        fprintf(out, "%s: the anchor %s records entry %lld as the head, but the log has %s%zu "
                     "entries in sequence (entries removed)\n",
                label, file, (long long)a.seq, nh < n ? "only " : "", nh);
        nbad++;
    } else if (strcmp(h[a.seq - 1], a.head) != 0) {
        fprintf(out, "%s: entry %lld: its hash recomputed from the log is %.12s..., the anchor "
                     "%s says %.12s...: entries 1 to %lld were changed (and the chain "
                     "recomputed)\n",
                label, (long long)a.seq, h[a.seq - 1], file, a.head, (long long)a.seq);
        nbad++;
    }
    if (bundle_pk && strcmp(bundle_pk, a.pk) != 0) {
        fprintf(out, "%s: bundle.txt names public key %.16s..., the anchor %s %s...\n", label,
                bundle_pk, file, pk8);
        nbad++;
    }
    for (size_t i = 0; i < ns; i++) {
        const sigrec *r = &s[i];
        if (strcmp(nz(r->pk), a.pk) != 0) {
            fprintf(out, "%s: the signature of entry %lld was made with key %.16s..., not the "
                         "anchored key %s...\n",
                    label, (long long)r->seq, nz(r->pk), pk8);
        } else if (r->seq < 1 || r->seq > (int64_t)nh) {
            fprintf(out, "%s: the signature of entry %lld: the log has %zu entries in "
                         "sequence\n",
                    label, (long long)r->seq, nh);
        } else if (strcmp(nz(r->head), h[r->seq - 1]) != 0) {
            fprintf(out, "%s: the signature of entry %lld signs the hash %.12s..., but the "
                         "entry's hash recomputed from the log is %.12s...: entries 1 to %lld "
                         "were changed\n",
                    label, (long long)r->seq, nz(r->head), h[r->seq - 1], (long long)r->seq);
        } else if (!sig_ok(r->pk, r->sig, run_id, r->seq, r->head, r->time)) {
            fprintf(out, "%s: the signature of entry %lld does not verify with the anchored "
                         "public key %s...\n",
                    label, (long long)r->seq, pk8);
        } else {
            continue;
        }
        nbad++;
    }
    int rc = RG_VERIFY_OK;
    if (nbad) {
        fprintf(out, "%s: does not match the anchor %s (%zu problem%s)\n", label, file, nbad,
                nbad == 1 ? "" : "s");
        rc = RG_VERIFY_BROKEN;
    } else {
        fprintf(out, "%s: anchor %s matches: entry %lld, head %.12s..., signed %s by key "
                     "%s...; %zu recorded signature%s verif%s\n",
                label, file, (long long)a.seq, a.head, a.time, pk8, ns, ns == 1 ? "" : "s",
                ns == 1 ? "ies" : "y");
    }
    free(pk8);
    free(h);
    anchor_free(&a);
    return rc;
}

int rg_store_verify_anchor(rg_store *store, const char *run_id, const char *anchor_file,
                           FILE *out, rg_errors *errs)
{
    LOCK(store);
    rg_event *v = NULL;
    size_t n = 0, ns = 0;
    sigrec *s = NULL;
    int rc = rg_db_run_exists(store, run_id, errs) == 1 ? 0 : -1;
    if (rc == 0) {
        rc = rg_audit_load(store, run_id, &v, &n, errs);
    }
    if (rc == 0) {
        rc = load_sigs(store, run_id, &s, &ns, errs);
    }
    UNLOCK(store);
    if (rc == 0) {
        char *label = rg_xasprintf("run %s", run_id);
        rc = check(label, run_id, v, n, s, ns, NULL, anchor_file, out, errs);
        free(label);
    } else {
        rc = RG_VERIFY_ERROR;
    }
    rg_events_free(v, n);
    sigs_free(s, ns);
    return rc;
}

int rg_bundle_verify_anchor(const char *dir, const char *anchor_file, FILE *out,
                            rg_errors *errs)
{
    char *bpath = rg_xasprintf("%s/bundle.txt", dir);
    char *lpath = rg_xasprintf("%s/log.jsonl", dir);
    char *spath = rg_xasprintf("%s/signatures.txt", dir);
    char *btext = rg_read_file(bpath, NULL);
    char *ltext = btext ? rg_read_file(lpath, NULL) : NULL;
    char *stext = rg_read_file(spath, NULL);
    rg_event *v = NULL;
    sigrec *s = NULL;
    size_t n = 0, ns = 0;
    char *run = NULL, *bpk = NULL;
    int rc = RG_VERIFY_OK;
    if (!ltext) {
        rg_err_add(errs, NULL, 0, "%s: cannot read it: %s", btext ? lpath : bpath,
                   strerror(errno));
        rc = RG_VERIFY_ERROR;
    }
    long line = 0;
    for (const char *p = ltext; rc == RG_VERIFY_OK && p && *p;) {
        const char *e = strchr(p, '\n');
        char *l = e ? rg_xstrndup(p, (size_t)(e - p)) : rg_xstrdup(p);
        p = e ? e + 1 : NULL;
        line++;
        if (!*l) {
            free(l);
            continue;
        }
        v = rg_xrealloc(v, (n + 1) * sizeof *v);
        const char *why = NULL;
        if (rg_event_parse_json(l, &v[n], &why) != 0) {
            fprintf(out, "%s:%ld: %s\n", lpath, line, why);
            rg_event_free(&v[n]);
            rc = RG_VERIFY_BROKEN;
        } else {
            v[n].line = line;
            n++;
        }
        free(l);
    }
    line = 0;
    for (const char *p = stext; rc == RG_VERIFY_OK && p && *p;) {
        const char *e = strchr(p, '\n');
        char *l = e ? rg_xstrndup(p, (size_t)(e - p)) : rg_xstrdup(p);
        p = e ? e + 1 : NULL;
        line++;
        char seq[32], t[64], head[80], pk[80], sig[160];
        long long sq;
        if (sscanf(l, "%31s %63s %79s %79s %159s", seq, t, head, pk, sig) != 5 ||
            sscanf(seq, "%lld", &sq) != 1) {
            fprintf(out, "%s:%ld: expected \"SEQ TIME HEAD PUBLIC_KEY SIGNATURE\"\n", spath,
                    line);
            rc = RG_VERIFY_BROKEN;
        } else {
            s = rg_xrealloc(s, (ns + 1) * sizeof *s);
            s[ns] = (sigrec){ .seq = sq, .time = rg_xstrdup(t), .head = rg_xstrdup(head),
                              .pk = rg_xstrdup(pk), .sig = rg_xstrdup(sig), .line = line };
            ns++;
        }
        free(l);
    }
    if (rc == RG_VERIFY_OK) {
        run = field(btext, "run");
        bpk = field(btext, "public_key");
        if (!run && n) {
            run = rg_xstrdup(nz(v[0].run));
        }
        rc = check(dir, nz(run), v, n, s, ns, bpk, anchor_file, out, errs);
    }
    rg_events_free(v, n);
    sigs_free(s, ns);
    free(run);
    free(bpk);
    free(btext);
    free(ltext);
    free(stext);
    free(bpath);
    free(lpath);
    free(spath);
    return rc;
}
