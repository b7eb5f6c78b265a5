/* bundle_verify.c - check an evidence bundle without any store. */
#define _GNU_SOURCE
#include "store_db.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
static int log_has_hash(const rg_event *v, size_t n, const char *what, const char *sha)
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
    size_t kl = strlen(key), l;
    for (const char *p = text ? text : "", *line; next_line(&p, &line, &l);) {
        if (l > kl && strncmp(line, key, kl) == 0 && line[kl] == ' ') {
            return rg_xstrndup(line + kl + 1, l - kl - 1);
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
    size_t l;
    for (const char *p = mtext, *at; next_line(&p, &at, &l);) {
        char *line = rg_xstrndup(at, l);
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
        char *clean = rel ? rg_clean_rel(rel, 0) : NULL;
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
    rg_event *v = NULL;
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
        for (const char *p = ltext, *at; next_line(&p, &at, &l);) {
            char *line = rg_xstrndup(at, l);
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
            if (rg_event_parse_json(line, &v[n], &why) != 0) {
                fprintf(out, "%s:%ld: %s\n", lpath, ln, why);
                problems++;
                rg_event_free(&v[n]);
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
            if (rg_audit_chain_check(run, v, n, *end ? -1 : count, *head ? head : NULL, &msg,
                                     &at) != 0) {
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
    rg_events_free(v, n);
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
