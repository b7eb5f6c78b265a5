/* bundle.c - the evidence bundle of a run: every file it used and wrote,
 * checked against its recorded hash, with its log. */
#define _GNU_SOURCE
#include "store_db.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct item {
    char *src;  /* absolute or cwd-relative source */
    char *dst;  /* relative to the bundle */
    char *sha;  /* recorded */
    char *what; /* for messages */
    int input;  /* an input: its content kept in the store, if any, is used */
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
    l->v[l->n++] = (item){ src, dst, rg_xstrdup(nz(sha)), what, 0 };
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

/* Where an input is put in a bundle: inputs/NAME/BASENAME (NULL if it
 * cannot be).  Also what verify DIR expects there. */
char *rg_bundle_input_path(const char *name, const char *path)
{
    const char *base = strrchr(nz(path), '/');
    base = base ? base + 1 : nz(path);
    char *n1 = rg_xstrdup(nz(name));
    for (char *c = n1; *c; c++) {
        if (*c == '/' || *c == '\\' || *c == '\n') {
            *c = '_';
        }
    }
    char *dst = rg_xasprintf("inputs/%s/%s", n1, base);
    char *rel = rg_clean_rel(dst, 0);
    free(dst);
    free(n1);
    if (rel && strncmp(rel, "inputs/", 7) != 0) {
        free(rel);
        rel = NULL;
    }
    return rel;
}

static int collect_items(rg_store *store, const rg_store_run *r, const char *outdir, items *l,
                         rg_errors *errs)
{
    /* definition files */
    sqlite3_stmt *s = rg_db_prep(store, errs,
                                 "SELECT path, sha256 FROM definition_files WHERE run_id = ? AND "
                                 "kind = 'file' ORDER BY rowid",
                                 "s", r->id);
    int q = -1, bad = 0;
    if (s) {
        while ((q = rg_db_step(store, errs, s)) == 1) {
            const char *path = rg_db_col_str(s, 0);
            char *rel = rg_clean_rel(path, 1);
            if (!rel) {
                rg_err_add(errs, NULL, 0, "definition file %s: cannot be put in a bundle",
                           nz(path));
                bad = 1;
                continue;
            }
            items_add(l, rg_xstrdup(path), rg_xasprintf("definition/%s", rel), rg_db_col_str(s, 1),
                      rg_xasprintf("definition file %s", path));
            free(rel);
        }
        rg_db_done(store, s);
    }
    if (q < 0) {
        return -1;
    }
    /* inputs */
    s = rg_db_prep(store, errs,
                   "SELECT name, path, sha256 FROM inputs WHERE run_id = ? ORDER BY name", "s",
                   r->id);
    q = -1;
    if (s) {
        while ((q = rg_db_step(store, errs, s)) == 1) {
            const char *name = rg_db_col_str(s, 0), *path = rg_db_col_str(s, 1);
            char *rel = rg_bundle_input_path(name, path);
            if (!rel) {
                rg_err_add(errs, NULL, 0, "input %s (%s): cannot be put in a bundle", name, path);
                bad = 1;
                continue;
            }
            items_add(l, rg_xstrdup(path), rel, rg_db_col_str(s, 2),
                      rg_xasprintf("input %s (%s)", name, path));
            l->v[l->n - 1].input = 1;
        }
        rg_db_done(store, s);
    }
    if (q < 0) {
        return -1;
    }
    /* outputs */
    s = rg_db_prep(store, errs,
                   "SELECT step, relpath, sha256 FROM outputs WHERE run_id = ? ORDER BY relpath",
                   "s", r->id);
    q = -1;
    if (s) {
        while ((q = rg_db_step(store, errs, s)) == 1) {
            const char *step = rg_db_col_str(s, 0), *relpath = rg_db_col_str(s, 1);
            char *rel = rg_clean_rel(relpath, 0);
            if (!rel) {
                rg_err_add(errs, NULL, 0,
                           "output %s of step %s: not a path below the output directory", relpath,
                           step);
                bad = 1;
                continue;
            }
            char *src = outdir && *outdir ? rg_xasprintf("%s/%s", outdir, rel) : rg_xstrdup(rel);
            char *what = rg_xasprintf("output %s of step %s (%s)", relpath, step, src);
            items_add(l, src, rg_xasprintf("outputs/%s", rel), rg_db_col_str(s, 2), what);
            free(rel);
        }
        rg_db_done(store, s);
    }
    if (q < 0) {
        return -1;
    }
    /* earlier versions: kept by content below .regie/versions/ */
    s = rg_db_prep(
        store, errs,
        "SELECT step, relpath, sha256, superseded_seq FROM output_versions WHERE run_id = "
        "? ORDER BY superseded_seq, relpath",
        "s", r->id);
    q = -1;
    if (s) {
        while ((q = rg_db_step(store, errs, s)) == 1) {
            const char *step = rg_db_col_str(s, 0), *relpath = rg_db_col_str(s, 1),
                       *sha = rg_db_col_str(s, 2);
            char *rel = rg_clean_rel(relpath, 0);
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
            items_add(l, src,
                      rg_xasprintf("versions/%lld/%s", (long long)sqlite3_column_int64(s, 3), rel),
                      sha, what);
            free(rel);
        }
        rg_db_done(store, s);
    }
    if (q < 0) {
        return -1;
    }
    return bad ? -1 : 0;
}

/* An input's content kept in the store: 1 and *data if it has its
 * recorded hash, 2 if it has not (said in errs), 0 none kept (its file is
 * used), -1 error. */
static int kept_content(rg_store *store, const item *it, char **data, size_t *len,
                        rg_errors *errs)
{
    LOCK(store);
    int k = rg_content_get(store, it->sha, data, len, errs);
    UNLOCK(store);
    if (k == 1) {
        char hex[65];
        rg_sha256_buf(*data, *len, hex);
        if (strcmp(hex, it->sha) != 0) {
            rg_err_add(errs, NULL, 0,
                       "%s: its content kept in the store does not match its hash (recorded "
                       "sha256 %s, content %s)",
                       it->what, it->sha, hex);
            k = 2;
        }
    }
    return k;
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

int rg_store_export(rg_store *store, const char *run_id, const char *outdir, const char *dir,
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
    rg_event *v = NULL;
    size_t nev = 0, showlen = 0;
    char *show = NULL;
    rg_buf manifest = { 0 }, log = { 0 }, meta = { 0 }, sigs = { 0 };
    char *pubkey = NULL;

    LOCK(store);
    int rc = rg_db_run_get(store, run_id, &r, errs);
    if (rc == 0) {
        rc = collect_items(store, &r, outdir && *outdir ? outdir : r.outdir, &l, errs);
    }
    if (rc == 0) {
        rc = rg_audit_load(store, run_id, &v, &nev, errs);
    }
    if (rc == 0) {
        rc = rg_anchor_bundle_text(store, run_id, &sigs, &pubkey, errs);
    }
    if (rc == 0) {
        FILE *m = open_memstream(&show, &showlen);
        rc = rg_show_run(store, run_id, m, errs);
        fclose(m);
    }
    UNLOCK(store);

    /* every file as the run recorded it, or no bundle at all; an input's
     * content kept in the store stands for its file, which may have
     * changed or gone since */
    size_t nbad = 0;
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        char hex[65];
        char *kept = NULL;
        size_t klen = 0;
        int k = l.v[i].input ? kept_content(store, &l.v[i], &kept, &klen, errs) : 0;
        free(kept);
        if (k < 0) {
            rc = -1;
        } else if (k == 1) {
            continue;
        } else if (k == 2) {
            nbad++;
        } else if (rg_sha256_file(l.v[i].src, hex) != 0) {
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
        char *data = NULL;
        int k = l.v[i].input ? kept_content(store, &l.v[i], &data, &len, errs) : 0;
        if (k < 0 || k == 2) {
            free(data);
            rc = -1;
            break;
        }
        if (k == 0) {
            data = rg_read_file(l.v[i].src, &len);
        }
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
            rg_event_json(&log, &v[i]);
        }
        rc = write_bundle_file(dir, "log.jsonl", log.data ? log.data : "", log.len, &manifest,
                               errs);
    }
    if (rc == 0) {
        rc = write_bundle_file(dir, "run.txt", show ? show : "", showlen, &manifest, errs);
    }
    if (rc == 0 && sigs.len) {
        rc = write_bundle_file(dir, "signatures.txt", sigs.data, sigs.len, &manifest, errs);
    }
    if (rc == 0) {
        char t[32];
        rg_now_iso(t);
        rg_buf_printf(&meta,
                      "regie evidence bundle 1\nrun %s\nworkflow %s\nstore %s\nexported %s by "
                      "%s\nlog_entries %zu\nlog_head %s\n",
                      r.id, r.workflow, store->path, t, store->actor, nev,
                      nev ? v[nev - 1].hash : "");
        if (pubkey) {
            rg_buf_printf(&meta, "public_key %s\n", pubkey);
        }
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
    rg_buf_free(&sigs);
    free(pubkey);
    rg_buf_free(&log);
    rg_buf_free(&meta);
    items_free(&l);
    rg_events_free(v, nev);
    free(show);
    rg_store_run_clear(&r);
    return rc;
}
