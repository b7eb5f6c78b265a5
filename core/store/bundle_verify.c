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

/* The kind of log entry that records the file at a bundle path (NULL: none). */
static const char *path_kind(const char *path)
{
    return strncmp(path, "definition/", 11) == 0 ? "definition_file"
           : strncmp(path, "inputs/", 7) == 0     ? "input"
           : strncmp(path, "outputs/", 8) == 0    ? "step_finished"
           : strncmp(path, "versions/", 9) == 0   ? "step_finished"
                                                  : NULL;
}

/* Does an entry of the kind that records the file at path list sha? */
static int hash_known(const rg_event *v, size_t n, const char *path, const char *sha)
{
    const char *kind = path_kind(path);
    int known = kind && log_has_hash(v, n, kind, sha);
    if (!known && kind && strcmp(kind, "input") == 0) {
        known = log_has_hash(v, n, "input_given", sha); /* given on resume */
    }
    return known;
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

/* A file the log says the bundle holds. */
typedef struct want_file {
    char *path, *sha, *what; /* what: for messages */
    int64_t seq;
} want_file;

static void want_add(want_file **v, size_t *n, size_t *cap, char *path, const char *sha, char *what,
                     int64_t seq)
{
    if (!path) {
        free(what);
        return;
    }
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 32;
        *v = rg_xrealloc(*v, *cap * sizeof **v);
    }
    (*v)[(*n)++] = (want_file){ path, rg_xstrdup(nz(sha)), what, seq };
}

/* Every definition file, input, output and earlier version the log
 * records, where the export puts it (bundle.c). */
static size_t wanted_files(const rg_replay *rp, want_file **out)
{
    want_file *v = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < rp->ndefs; i++) {
        if (rp->defs[i].file) {
            char *rel = rg_clean_rel(rp->defs[i].path, 1);
            want_add(&v, &n, &cap, rel ? rg_xasprintf("definition/%s", rel) : NULL,
                     rp->defs[i].sha, rg_xasprintf("definition file %s", rp->defs[i].path),
                     rp->defs[i].seq);
            free(rel);
        }
    }
    for (size_t i = 0; i < rp->ninputs; i++) {
        want_add(&v, &n, &cap, rg_bundle_input_path(rp->inputs[i].name, rp->inputs[i].path),
                 rp->inputs[i].sha,
                 rg_xasprintf("input %s (%s)", rp->inputs[i].name, rp->inputs[i].path),
                 rp->inputs[i].seq);
    }
    for (size_t i = 0; i < rp->noutputs; i++) {
        const rg_replay_out *o = &rp->outputs[i];
        char *rel = rg_clean_rel(o->relpath, 0);
        want_add(&v, &n, &cap, rel ? rg_xasprintf("outputs/%s", rel) : NULL, o->sha,
                 rg_xasprintf("output %s of step %s", o->relpath, o->step), o->seq);
        free(rel);
    }
    for (size_t i = 0; i < rp->nversions; i++) {
        const rg_replay_out *o = &rp->versions[i];
        char *rel = rg_clean_rel(o->relpath, 0);
        want_add(&v, &n, &cap, rel ? rg_xasprintf("versions/%lld/%s", (long long)o->seq, rel) : NULL,
                 o->sha,
                 rg_xasprintf("earlier version of output %s of step %s, replaced", o->relpath,
                              o->step),
                 o->seq);
        free(rel);
    }
    *out = v;
    return n;
}

static void wanted_free(want_file *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].path);
        free(v[i].sha);
        free(v[i].what);
    }
    free(v);
}

/* The bundle's files against what the log records: one missing from the
 * bundle or added to it is named.  Marks in done[] the paths reported. */
static size_t check_file_set(const char *dir, const rg_event *v, size_t n, const rg_replay *rp,
                             const strv *paths, const strv *actual, char *done, FILE *out)
{
    want_file *w = NULL;
    size_t nw = wanted_files(rp, &w), problems = 0;
    char *matched = rg_xcalloc(paths->n + 1, 1);
    for (size_t k = 0; k < nw; k++) {
        size_t i = 0;
        while (i < paths->n && strcmp(paths->v[i], w[k].path) != 0) {
            i++;
        }
        if (i == paths->n) {
            fprintf(out, "%s/%s: missing from the bundle (entry %lld records %s, sha256 %s)\n",
                    dir, w[k].path, (long long)w[k].seq, w[k].what, w[k].sha);
            problems++;
            continue;
        }
        matched[i] = 1;
        const char *got = actual->v[i];
        int in_log = hash_known(v, n, paths->v[i], got);
        /* a hash the log never saw is named below (step 5) */
        if (*got && in_log && strcmp(got, w[k].sha) != 0) {
            fprintf(out, "%s/%s: sha256 %s, but entry %lld records %s with sha256 %s\n", dir,
                    w[k].path, actual->v[i], (long long)w[k].seq, w[k].what, w[k].sha);
            done[i] = 1;
            problems++;
        }
    }
    for (size_t i = 0; i < paths->n; i++) {
        const char *p = paths->v[i];
        int kind = !strncmp(p, "definition/", 11) || !strncmp(p, "inputs/", 7) ||
                   !strncmp(p, "outputs/", 8) || !strncmp(p, "versions/", 9);
        if (kind && !matched[i]) {
            fprintf(out, "%s/%s: added to the bundle: no log entry records a file there\n", dir,
                    p);
            done[i] = 1;
            problems++;
        }
    }
    free(matched);
    wanted_free(w, nw);
    return problems;
}

/* A line "KEY   VALUE" of run.txt's header: the value, or NULL. */
static const char *runtxt_value(const char *line, const char *key)
{
    size_t kl = strlen(key);
    if (strncmp(line, key, kl) != 0 || line[kl] != ' ') {
        return NULL;
    }
    line += kl;
    return line + strspn(line, " ");
}

/* The next blank-separated word of *p (NULL at the end). */
static char *word(const char **p)
{
    *p += strspn(*p, " ");
    if (!**p) {
        return NULL;
    }
    size_t l = strcspn(*p, " ");
    char *w = rg_xstrndup(*p, l);
    *p += l;
    return w;
}

static char *rest(const char *p)
{
    p += strspn(p, " ");
    size_t l = strlen(p);
    while (l && p[l - 1] == ' ') {
        l--;
    }
    return rg_xstrndup(p, l);
}

/* run.txt (what `regie show` said at export) against the log: the header
 * and every row of its definition, inputs, steps and outputs tables.  Times,
 * durations, jobs and the lock are not in the log. */
static size_t check_run_txt(const char *dir, const char *run, const rg_event *v, size_t n,
                            const rg_replay *rp, FILE *out)
{
    char *path = rg_xasprintf("%s/run.txt", dir);
    char *text = rg_read_file(path, NULL);
    size_t problems = 0;
    if (!text) {
        fprintf(out, "%s: missing\n", path);
        free(path);
        return 1;
    }
#define RUNTXT_BAD(...)                                                                            \
    do {                                                                                           \
        fprintf(out, "%s:%ld: ", path, ln);                                                        \
        fprintf(out, __VA_ARGS__);                                                                 \
        fputc('\n', out);                                                                          \
        problems++;                                                                                \
    } while (0)
    /* what run_started says: "workflow W (P), user U, host H, out O[, params: ...]" */
    const char *d = rp->started ? nz(rp->started->detail) : "";
    const char *u = strstr(d, "), user "), *h = u ? strstr(u, ", host ") : NULL;
    const char *o = h ? strstr(h, ", out ") : NULL, *pe = o ? strstr(o, ", params: ") : NULL;
    char *wf = u && !strncmp(d, "workflow ", 9) ? rg_xstrndup(d + 9, (size_t)(u + 1 - d - 9)) : NULL;
    char *user = h ? rg_xstrndup(u + 8, (size_t)(h - u - 8)) : NULL;
    char *osu = user ? strstr(user, " (os user ") : NULL;
    if (osu && user[strlen(user) - 1] == ')') {
        *osu = 0; /* "U (os user O)": the run's user is U */
    }
    char *outdir = o ? (pe ? rg_xstrndup(o + 6, (size_t)(pe - o - 6)) : rg_xstrdup(o + 6)) : NULL;
    char *logline = n ? rg_xasprintf("%zu entries, head %s", n, nz(v[n - 1].hash))
                      : rg_xstrdup("no entries");
    const char *section = "";
    char *seen_out = rg_xcalloc(rp->noutputs + 1, 1), *seen_step = rg_xcalloc(rp->nsteps + 1, 1);
    char *seen_in = rg_xcalloc(rp->ninputs + 1, 1), *seen_def = rg_xcalloc(rp->ndefs + 1, 1);
    int header_row = 0, seen_log = 0;
    long ln = 0;
    size_t l;
    for (const char *p = text, *at; next_line(&p, &at, &l);) {
        char *line = rg_xstrndup(at, l);
        const char *val;
        ln++;
        if (!*line) {
            section = "";
        } else if (line[0] != ' ') {
            section = !strcmp(line, "definition:")  ? "definition"
                      : !strcmp(line, "inputs:")    ? "inputs"
                      : !strcmp(line, "steps:")     ? "steps"
                      : !strcmp(line, "outputs:")   ? "outputs"
                                                    : "";
            header_row = 1;
            if ((val = runtxt_value(line, "run")) && strcmp(val, nz(run)) != 0) {
                RUNTXT_BAD("run %s, but the log is that of run %s", val, nz(run));
            } else if ((val = runtxt_value(line, "workflow")) && wf && strcmp(val, wf) != 0) {
                RUNTXT_BAD("workflow %s, but entry %lld (run_started) says %s", val,
                           (long long)rp->started->seq, wf);
            } else if ((val = runtxt_value(line, "user")) && user && strcmp(val, user) != 0) {
                RUNTXT_BAD("user %s, but entry %lld (run_started) says %s", val,
                           (long long)rp->started->seq, user);
            } else if ((val = runtxt_value(line, "out")) && outdir && strcmp(val, outdir) != 0) {
                RUNTXT_BAD("out %s, but entry %lld (run_started) says %s", val,
                           (long long)rp->started->seq, outdir);
            } else if ((val = runtxt_value(line, "definition")) && rp->def_hash &&
                       strcmp(val, rp->def_hash) != 0) {
                RUNTXT_BAD("definition %s, but entry %lld says %s", val, (long long)rp->def_seq,
                           rp->def_hash);
            } else if ((val = runtxt_value(line, "status")) && rp->status &&
                       strcmp(val, rp->status) != 0 &&
                       !(strcmp(rp->status, "running") == 0 && strcmp(val, INTERRUPTED) == 0)) {
                RUNTXT_BAD("status %s, but entry %lld says %s", val, (long long)rp->status_seq,
                           rp->status);
            } else if ((val = runtxt_value(line, "log"))) {
                seen_log = 1;
                long long says = atoll(val);
                if (strcmp(val, logline) != 0 && says > (long long)n) {
                    char *which = says == (long long)n + 1
                                      ? rg_xasprintf("entry %lld", says)
                                      : rg_xasprintf("entries %zu to %lld", n + 1, says);
                    RUNTXT_BAD("log %s, but log.jsonl has %s: %s missing at its end (log "
                               "truncated)",
                               val, logline, which);
                    free(which);
                } else if (strcmp(val, logline) != 0) {
                    RUNTXT_BAD("log %s, but log.jsonl has %s", val, logline);
                }
            }
        } else if (header_row) {
            header_row = 0; /* the column heads */
        } else if (!strcmp(section, "steps")) {
            const char *q = line;
            char *name = word(&q), *status = word(&q), *att = word(&q);
            size_t k = 0;
            while (k < rp->nsteps && strcmp(rp->steps[k].name, nz(name)) != 0) {
                k++;
            }
            if (k == rp->nsteps) {
                RUNTXT_BAD("step %s: no log entry records it", nz(name));
            } else {
                seen_step[k] = 1;
                char a[24];
                snprintf(a, sizeof a, "%d", rp->steps[k].attempts);
                if (strcmp(nz(status), rp->steps[k].status) != 0 || strcmp(nz(att), a) != 0) {
                    RUNTXT_BAD("step %s: status %s, attempts %s, but entry %lld says status %s, attempts %s",
                               nz(name), nz(status), nz(att), (long long)rp->steps[k].seq,
                               rp->steps[k].status, a);
                }
            }
            free(name);
            free(status);
            free(att);
        } else if (!strcmp(section, "outputs")) {
            const char *q = line;
            char *step = word(&q), *sha = word(&q), *file = rest(q);
            size_t k = 0;
            while (k < rp->noutputs && strcmp(rp->outputs[k].relpath, file) != 0) {
                k++;
            }
            if (k == rp->noutputs) {
                RUNTXT_BAD("output %s of step %s: no log entry records it", file, nz(step));
            } else {
                seen_out[k] = 1;
                if (strcmp(nz(sha), rp->outputs[k].sha) || strcmp(nz(step), rp->outputs[k].step)) {
                    RUNTXT_BAD("output %s of step %s, sha256 %s, but entry %lld records step %s, "
                               "sha256 %s",
                               file, nz(step), nz(sha), (long long)rp->outputs[k].seq,
                               rp->outputs[k].step, rp->outputs[k].sha);
                }
            }
            free(step);
            free(sha);
            free(file);
        } else if (!strcmp(section, "inputs")) {
            const char *q = line;
            char *name = word(&q), *size = word(&q), *sha = word(&q), *ipath = rest(q);
            size_t k = 0;
            while (k < rp->ninputs && strcmp(rp->inputs[k].name, nz(name)) != 0) {
                k++;
            }
            if (k == rp->ninputs) {
                RUNTXT_BAD("input %s: no log entry records it", nz(name));
            } else {
                const rg_replay_input *in = &rp->inputs[k];
                seen_in[k] = 1;
                if (strcmp(nz(sha), in->sha) != 0 || (*in->path && strcmp(ipath, in->path)) ||
                    (in->size >= 0 && atoll(nz(size)) != in->size)) {
                    RUNTXT_BAD("input %s: %s bytes, sha256 %s, %s, but entry %lld records %lld "
                               "bytes, sha256 %s, %s",
                               nz(name), nz(size), nz(sha), ipath, (long long)in->seq,
                               (long long)in->size, in->sha, in->path);
                }
            }
            free(name);
            free(size);
            free(sha);
            free(ipath);
        } else if (!strcmp(section, "definition")) {
            const char *q = line;
            char *sha = word(&q), *file = rest(q);
            size_t fl = strlen(file);
            if (fl > 13 && !strcmp(file + fl - 13, " (not a file)")) {
                file[fl - 13] = 0;
            }
            size_t k = 0;
            while (k < rp->ndefs && strcmp(rp->defs[k].path, file) != 0) {
                k++;
            }
            if (k == rp->ndefs) {
                RUNTXT_BAD("definition %s: no log entry records it", file);
            } else {
                seen_def[k] = 1;
                const char *want = rp->defs[k].sha ? rp->defs[k].sha : "-";
                if (strcmp(nz(sha), want) != 0) {
                    RUNTXT_BAD("definition %s: sha256 %s, but entry %lld records %s", file,
                               nz(sha), (long long)rp->defs[k].seq, want);
                }
            }
            free(sha);
            free(file);
        }
        free(line);
    }
    ln = 0;
    if (!seen_log) {
        RUNTXT_BAD("no line \"log %s\"", logline);
    }
    for (size_t k = 0; k < rp->nsteps; k++) {
        if (!seen_step[k]) {
            RUNTXT_BAD("step %s is missing (entry %lld records it)", rp->steps[k].name,
                       (long long)rp->steps[k].seq);
        }
    }
    for (size_t k = 0; k < rp->noutputs; k++) {
        if (!seen_out[k]) {
            RUNTXT_BAD("output %s of step %s is missing (entry %lld records it)",
                       rp->outputs[k].relpath, rp->outputs[k].step, (long long)rp->outputs[k].seq);
        }
    }
    for (size_t k = 0; k < rp->ninputs; k++) {
        if (!seen_in[k]) {
            RUNTXT_BAD("input %s is missing (entry %lld records it)", rp->inputs[k].name,
                       (long long)rp->inputs[k].seq);
        }
    }
    for (size_t k = 0; k < rp->ndefs; k++) {
        if (!seen_def[k]) {
            RUNTXT_BAD("definition %s is missing (entry %lld records it)", rp->defs[k].path,
                       (long long)rp->defs[k].seq);
        }
    }
#undef RUNTXT_BAD
    free(seen_out);
    free(seen_step);
    free(seen_in);
    free(seen_def);
    free(logline);
    free(wf);
    free(user);
    free(outdir);
    free(text);
    free(path);
    return problems;
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
    /* 4. the bundle holds exactly the files the log records, and run.txt
     * says what the log says */
    char *done = rg_xcalloc(paths.n + 1, 1);
    if (log_ok) {
        rg_replay rp;
        rg_replay_build(&rp, v, n);
        problems += check_file_set(dir, v, n, &rp, &paths, &actual, done, out);
        problems += check_run_txt(dir, run, v, n, &rp, out);
        rg_replay_free(&rp);
    }
    /* 5. the copied files are the ones the log recorded */
    for (size_t i = 0; log_ok && i < paths.n; i++) {
        if (done[i]) {
            continue;
        }
        const char *kind = path_kind(paths.v[i]);
        int known = hash_known(v, n, paths.v[i], actual.v[i]);
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
    free(done);
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
