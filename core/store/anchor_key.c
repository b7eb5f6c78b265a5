/*
 * anchor_key.c - Ed25519 key pairs for anchoring (libsodium), the signing
 * key of a store, and the head signed after a wait, an approval or a run's
 * end (doc/store.md, "Anchoring").  What is signed is the text
 *     "regie-anchor-1\nrun " ID "\nentries " N "\nhead " HASH "\ntime " T "\n"
 * with HASH the hash of entry N of the run's log.  Signatures are kept in
 * the table `signatures` (made when the first one is recorded), beside the
 * log: the log and its chain formula are unchanged.  The checks are in
 * anchor.c.
 */
#define _GNU_SOURCE
#include "anchor.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SK_HEAD "regie ed25519 secret key 1\n"
#define PK_HEAD "regie ed25519 public key 1\n"

int rg_anchor_sodium_ready(rg_errors *errs)
{
    if (sodium_init() < 0) {
        rg_err_add(errs, NULL, 0, "regie: libsodium could not start (no source of randomness?)");
        return -1;
    }
    return 0;
}

void rg_anchor_hex(const unsigned char *b, size_t n, char *out)
{
    sodium_bin2hex(out, 2 * n + 1, b, n);
}

int rg_anchor_unhex(const char *h, unsigned char *b, size_t n)
{
    size_t got = 0;
    if (!h || strlen(h) != 2 * n ||
        sodium_hex2bin(b, n, h, 2 * n, NULL, &got, NULL) != 0 || got != n) {
        return -1;
    }
    return 0;
}

char *rg_anchor_message(const char *run_id, int64_t seq, const char *head, const char *time)
{
    return rg_xasprintf("regie-anchor-1\nrun %s\nentries %lld\nhead %s\ntime %s\n", nz(run_id),
                        (long long)seq, nz(head), nz(time));
}

/* ---- keys ------------------------------------------------------------------ */

static int write_new(const char *path, const char *text, mode_t mode, rg_errors *errs)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        if (errno == EEXIST) {
            rg_err_add(errs, NULL, 0, "%s: already exists; not overwritten (remove it first to "
                                      "make a new key)",
                       path);
        } else {
            rg_err_add(errs, NULL, 0, "%s: cannot create it: %s", path, strerror(errno));
        }
        return -1;
    }
    size_t len = strlen(text), done = 0;
    int rc = fchmod(fd, mode);
    while (rc == 0 && done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            rc = -1;
            break;
        }
        done += (size_t)w;
    }
    if (rc == 0) {
        rc = fsync(fd);
    }
    if (close(fd) != 0) {
        rc = -1;
    }
    if (rc != 0) {
        rg_err_add(errs, NULL, 0, "%s: cannot write it: %s", path, strerror(errno));
        unlink(path);
    }
    return rc;
}

int rg_key_new(const char *path, char **pubhex, rg_errors *errs)
{
    if (rg_anchor_sodium_ready(errs) != 0) {
        return -1;
    }
    char *pubpath = rg_xasprintf("%s.pub", path);
    struct stat sb;
    int rc = 0;
    if (lstat(pubpath, &sb) == 0) {
        rg_err_add(errs, NULL, 0, "%s: already exists; not overwritten (remove it first to make "
                                  "a new key)",
                   pubpath);
        rc = -1;
    }
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    char pkh[2 * sizeof pk + 1], skh[2 * sizeof sk + 1];
    if (rc == 0) {
        crypto_sign_keypair(pk, sk);
        rg_anchor_hex(pk, sizeof pk, pkh);
        rg_anchor_hex(sk, sizeof sk, skh);
        char *t = rg_xasprintf(SK_HEAD "%s\n", skh);
        rc = write_new(path, t, 0600, errs);
        sodium_memzero(t, strlen(t));
        free(t);
    }
    if (rc == 0) {
        char *t = rg_xasprintf(PK_HEAD "%s\n", pkh);
        rc = write_new(pubpath, t, 0644, errs);
        free(t);
        if (rc != 0) {
            unlink(path);
        }
    }
    if (rc == 0 && pubhex) {
        *pubhex = rg_xstrdup(pkh);
    }
    sodium_memzero(sk, sizeof sk);
    sodium_memzero(skh, sizeof skh);
    free(pubpath);
    return rc;
}

_Static_assert(crypto_sign_SECRETKEYBYTES == RG_SIGN_KEY_BYTES, "Ed25519 secret key size");

static void forget_key(rg_store *store)
{
    if (store->sign_key) {
        sodium_memzero(store->sign_key, crypto_sign_SECRETKEYBYTES);
        free(store->sign_key);
        store->sign_key = NULL;
    }
}

int rg_store_set_signing_key(rg_store *store, const char *path, rg_errors *errs)
{
    if (rg_anchor_sodium_ready(errs) != 0) {
        return -1;
    }
    struct stat sb;
    size_t len = 0;
    char *text = stat(path, &sb) == 0 ? rg_read_file(path, &len) : NULL;
    if (!text) {
        rg_err_add(errs, NULL, 0, "signing key %s: cannot read it: %s (make a key pair with: "
                                  "regie key new %s)",
                   path, strerror(errno), path);
        return -1;
    }
    if (sb.st_mode & 077) {
        rg_err_add(errs, NULL, 0, "signing key %s: others may read it (mode %03o, expected "
                                  "600): chmod 600 %s",
                   path, (unsigned)(sb.st_mode & 0777), path);
        sodium_memzero(text, len);
        free(text);
        return -1;
    }
    unsigned char *sk = rg_xmalloc(crypto_sign_SECRETKEYBYTES);
    size_t hl = strlen(SK_HEAD);
    int rc = 0;
    if (len < hl || strncmp(text, SK_HEAD, hl) != 0) {
        rc = -1;
    } else {
        char *h = text + hl;
        h[strcspn(h, "\r\n")] = 0;
        rc = rg_anchor_unhex(h, sk, crypto_sign_SECRETKEYBYTES);
    }
    sodium_memzero(text, len);
    free(text);
    if (rc != 0) {
        rg_err_add(errs, NULL, 0, "signing key %s: not a regie secret key (expected the file "
                                  "`regie key new FILE` writes, starting \"%.26s\")",
                   path, SK_HEAD);
        free(sk);
        return -1;
    }
    forget_key(store);
    store->sign_key = sk;
    return 0;
}


/* Sign entry seq's hash at time t and record it (inside a transaction). */
int rg_anchor_sign(rg_store *store, const char *run_id, int64_t seq, const char *hash,
                       const char *t, rg_errors *errs)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
    char pkh[2 * sizeof pk + 1], sigh[2 * sizeof sig + 1];
    crypto_sign_ed25519_sk_to_pk(pk, store->sign_key);
    char *m = rg_anchor_message(run_id, seq, hash, t);
    crypto_sign_detached(sig, NULL, (const unsigned char *)m, strlen(m), store->sign_key);
    free(m);
    rg_anchor_hex(pk, sizeof pk, pkh);
    rg_anchor_hex(sig, sizeof sig, sigh);
    if (rg_db_exec(store, errs,
                   "CREATE TABLE IF NOT EXISTS signatures (run_id TEXT NOT NULL, seq INTEGER NOT "
                   "NULL, time TEXT NOT NULL, head TEXT NOT NULL, public_key TEXT NOT NULL, "
                   "signature TEXT NOT NULL, PRIMARY KEY (run_id, seq))",
                   "") != 0) {
        return -1;
    }
    return rg_db_exec(store, errs,
                      "INSERT OR REPLACE INTO signatures (run_id, seq, time, head, public_key, "
                      "signature) VALUES (?, ?, ?, ?, ?, ?)",
                      "sissss", run_id, seq, t, hash, pkh, sigh);
}

int rg_anchor_after(rg_store *store, const char *run_id, const char *what, int64_t seq,
                    const char *hash, const char *time, rg_errors *errs)
{
    static const char *const ends[] = { "waiting", "approved", "rejected", "input_given",
                                        "timer_passed", "run_finished" };
    if (!store->sign_key || !what) {
        return 0;
    }
    for (size_t i = 0; i < sizeof ends / sizeof *ends; i++) {
        if (strcmp(what, ends[i]) == 0) {
            return rg_anchor_sign(store, run_id, seq, hash, time, errs);
        }
    }
    return 0;
}
char *rg_store_public_key(const rg_store *store)
{
    if (!store || !store->sign_key) {
        return NULL;
    }
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    crypto_sign_ed25519_sk_to_pk(pk, store->sign_key);
    char *hex = rg_xmalloc(2 * sizeof pk + 1);
    rg_anchor_hex(pk, sizeof pk, hex);
    return hex;
}
