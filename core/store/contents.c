/*
 * contents.c - the content of every input file a run read, kept in the
 * store (table input_contents, schema v4) once per SHA-256: the same file
 * given to many runs is kept once.  Written inside the transaction that
 * records the input (the run's creation, or resume --set); read back by
 * export (a bundle complete even when the file changed or went) and by
 * verify (each content against its hash).
 */
#define _GNU_SOURCE
#include "store_db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (256 * 1024)

int rg_store_keep_input(rg_store *store, const char *name, const char *path, const char *sha256,
                        rg_errors *errs)
{
    if (!rg_sha256_valid(nz(sha256)) || !path || !*path) {
        rg_err_add(errs, NULL, 0, "%s: input %s: keeping its content needs a path and a sha256",
                   store->path, nz(name));
        return -1;
    }
    LOCK(store);
    int rc = rg_db_begin(store, errs);
    if (rc != 0) {
        UNLOCK(store);
        return -1;
    }
    sqlite3_stmt *s =
        rg_db_prep(store, errs, "SELECT 1 FROM input_contents WHERE sha256 = ?", "s", sha256);
    int have = s ? rg_db_step(store, errs, s) : -1;
    rg_db_done(store, s);
    if (have != 0) { /* kept already (by this run or another), or an error */
        rc = have < 0 ? -1 : 0;
        goto done;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        rg_err_add(errs, NULL, 0, "input %s: cannot read %s to keep its content: %s", nz(name),
                   path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        rc = -1;
        goto done;
    }
    if ((int64_t)sb.st_size > (int64_t)sqlite3_limit(store->db, SQLITE_LIMIT_LENGTH, -1)) {
        /* larger than SQLite keeps in one value: recorded by its hash only
         * (doc/store.md); export copies it from its path, as before v4 */
        close(fd);
        goto done;
    }
    rc = rg_db_exec(store, errs,
                    "INSERT INTO input_contents (sha256, size, content) VALUES (?, ?, zeroblob(?))",
                    "sii", sha256, (int64_t)sb.st_size, (int64_t)sb.st_size);
    sqlite3_blob *blob = NULL;
    if (rc == 0) {
        int r = sqlite3_blob_open(store->db, "main", "input_contents", "content",
                                  sqlite3_last_insert_rowid(store->db), 1, &blob);
        if (r != SQLITE_OK) {
            rg_db_error(store, errs, r, "keeping an input's content");
            rc = -1;
        }
    }
    /* the bytes kept must be those hashed: read, hash and write at once */
    rg_sha256 *h = rg_sha256_new();
    char *buf = rg_xmalloc(CHUNK);
    int64_t off = 0;
    while (rc == 0) {
        ssize_t n = read(fd, buf, CHUNK);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rg_err_add(errs, NULL, 0, "input %s: cannot read %s to keep its content: %s",
                       nz(name), path, strerror(errno));
            rc = -1;
            break;
        }
        if (n == 0) {
            break;
        }
        rg_sha256_add(h, buf, (size_t)n);
        if (off + n > (int64_t)sb.st_size) {
            off += n; /* grew: reported below */
            break;
        }
        int r = sqlite3_blob_write(blob, buf, (int)n, (int)off);
        if (r != SQLITE_OK) {
            rg_db_error(store, errs, r, "keeping an input's content");
            rc = -1;
        }
        off += n;
    }
    char hex[65];
    rg_sha256_finish(h, hex);
    free(buf);
    close(fd);
    if (blob) {
        int r = sqlite3_blob_close(blob);
        if (r != SQLITE_OK && rc == 0) {
            rg_db_error(store, errs, r, "keeping an input's content");
            rc = -1;
        }
    }
    if (rc == 0 && (off != (int64_t)sb.st_size || strcmp(hex, sha256) != 0)) {
        rg_err_add(errs, NULL, 0,
                   "input %s: %s changed while it was recorded (sha256 %s when hashed, now %s%s); "
                   "give it again once it stays as it is",
                   nz(name), path, sha256, off == (int64_t)sb.st_size ? hex : "other",
                   off == (int64_t)sb.st_size ? "" : ": its size changed");
        rc = -1;
    }
done:
    rc = rg_db_end(store, rc, errs);
    UNLOCK(store);
    return rc;
}

int rg_content_get(rg_store *store, const char *sha256, char **data, size_t *len, rg_errors *errs)
{
    *data = NULL;
    *len = 0;
    sqlite3_stmt *s = rg_db_prep(store, errs,
                                 "SELECT content FROM input_contents WHERE sha256 = ?", "s",
                                 nz(sha256));
    int r = s ? rg_db_step(store, errs, s) : -1;
    if (r == 1) {
        const void *b = sqlite3_column_blob(s, 0);
        int n = sqlite3_column_bytes(s, 0);
        *len = n > 0 ? (size_t)n : 0;
        *data = rg_xmalloc(*len + 1);
        if (*len) {
            memcpy(*data, b, *len);
        }
        (*data)[*len] = 0;
    }
    rg_db_done(store, s);
    return r;
}

int rg_content_verify(rg_store *store, const char *run_id, FILE *out, size_t *nkept,
                      size_t *nnone, rg_errors *errs)
{
    *nkept = *nnone = 0;
    sqlite3_stmt *s = rg_db_prep(store, errs,
                                 "SELECT i.name, i.path, i.sha256, c.sha256 IS NOT NULL, "
                                 "c.content FROM inputs i LEFT JOIN input_contents c ON "
                                 "c.sha256 = i.sha256 WHERE i.run_id = ? ORDER BY i.name",
                                 "s", run_id);
    if (!s) {
        return -1;
    }
    int q, bad = 0;
    while ((q = rg_db_step(store, errs, s)) == 1) {
        if (!sqlite3_column_int(s, 3)) {
            (*nnone)++; /* recorded before v4, or too large to keep */
            continue;
        }
        (*nkept)++;
        const char *name = rg_db_col_str(s, 0), *path = rg_db_col_str(s, 1),
                   *sha = rg_db_col_str(s, 2);
        const void *b = sqlite3_column_blob(s, 4);
        int n = sqlite3_column_bytes(s, 4);
        char hex[65];
        rg_sha256_buf(b ? b : "", n > 0 ? (size_t)n : 0, hex);
        if (strcmp(hex, nz(sha)) != 0) {
            fprintf(out,
                    "run %s: input %s (%s): its content kept in the store does not match its "
                    "hash (recorded sha256 %s, content %s, %d bytes)\n",
                    run_id, nz(name), nz(path), nz(sha), hex, n);
            bad++;
        }
    }
    rg_db_done(store, s);
    return q < 0 ? -1 : bad;
}
