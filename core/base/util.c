/* util.c - allocation, strings, files and error lists used across the engine. */
#define _GNU_SOURCE
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void oom(void)
{
    fputs("regie: out of memory\n", stderr);
    abort();
}

void *rg_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        oom();
    }
    return p;
}

void *rg_xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p) {
        oom();
    }
    return p;
}

void *rg_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        oom();
    }
    return q;
}

char *rg_xstrdup(const char *s)
{
    return rg_xstrndup(s, strlen(s));
}

char *rg_xstrndup(const char *s, size_t n)
{
    char *p = rg_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *rg_xvasprintf(const char *fmt, va_list ap)
{
    char *p = NULL;
    if (vasprintf(&p, fmt, ap) < 0) {
        oom();
    }
    return p;
}

char *rg_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = rg_xvasprintf(fmt, ap);
    va_end(ap);
    return p;
}

char *rg_trim(char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) {
        s[--n] = 0;
    }
    return s;
}

int rg_valid_id(const char *s, size_t max)
{
    size_t n = strlen(s);
    return n >= 1 && n <= max &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

char *rg_abs_path(const char *path)
{
    if (path[0] == '/') {
        return rg_xstrdup(path);
    }
    char *cwd = getcwd(NULL, 0);
    if (!cwd) {
        return rg_xstrdup(path);
    }
    while (path[0] == '.' && path[1] == '/') {
        path += 2;
    }
    char *abs = strcmp(path, ".") == 0 || !*path ? rg_xstrdup(cwd)
                                                 : rg_xasprintf("%s/%s", cwd, path);
    free(cwd);
    return abs;
}

size_t rg_split(const char *s, char sep, char ***out)
{
    size_t n = 0, cap = 4;
    char **v = rg_xmalloc(cap * sizeof *v);
    const char *p = s ? s : "";
    for (;;) {
        const char *e = strchr(p, sep);
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char *part = rg_xstrndup(p, len);
        char *t = rg_trim(part);
        if (*t) {
            if (n == cap) {
                cap *= 2;
                v = rg_xrealloc(v, cap * sizeof *v);
            }
            v[n++] = rg_xstrdup(t);
        }
        free(part);
        if (!e) {
            break;
        }
        p = e + 1;
    }
    *out = v;
    return n;
}

void rg_strv_free(char **v, size_t n)
{
    if (!v) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        free(v[i]);
    }
    free(v);
}

uint64_t rg_fnv1a(uint64_t h, const char *s)
{
    for (; s && *s; s++) {
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    }
    return h;
}

int rg_read_pieces(const char *path, void (*each)(void *ud, const void *piece, size_t len),
                   void *ud)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    struct stat sb;
    int e = fstat(fd, &sb) != 0 ? errno : S_ISDIR(sb.st_mode) ? EISDIR : 0;
    if (e) {
        close(fd);
        errno = e;
        return -1;
    }
    enum { PIECE = 65536 };
    char *buf = rg_xmalloc(PIECE);
    ssize_t r;
    while ((r = read(fd, buf, PIECE)) != 0) {
        if (r > 0) {
            each(ud, buf, (size_t)r);
        } else if (errno != EINTR) {
            e = errno;
            free(buf);
            close(fd);
            errno = e;
            return -1;
        }
    }
    free(buf);
    close(fd);
    return 0;
}

static void append_piece(void *b, const void *piece, size_t len)
{
    rg_buf_put(b, piece, len);
}

char *rg_read_file(const char *path, size_t *len)
{
    rg_buf b = { 0 };
    rg_buf_put(&b, "", 0); /* an empty file reads as "" */
    if (rg_read_pieces(path, append_piece, &b) != 0) {
        int e = errno;
        rg_buf_free(&b);
        errno = e;
        return NULL;
    }
    if (len) {
        *len = b.len;
    }
    return b.data;
}

unsigned long rg_dir_syncs = 0;

/* fsync the directory holding `path`, so that a rename into it (or a
 * directory made in it) survives a power cut: fsync of a file covers its
 * data, not the name that points to it. */
static int sync_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash == path ? rg_xstrdup("/")
                : slash      ? rg_xstrndup(path, (size_t)(slash - path))
                             : rg_xstrdup(".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = fd >= 0 && fsync(fd) == 0 ? 0 : -1;
    int e = errno;
    if (fd >= 0) {
        close(fd);
    }
    free(dir);
    if (rc == 0) {
        __atomic_add_fetch(&rg_dir_syncs, 1, __ATOMIC_RELAXED);
    }
    errno = e;
    return rc;
}

int rg_mkdir_p(const char *path)
{
    char *p = rg_xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s == '/') {
            *s = 0;
            int made = mkdir(p, 0777) == 0;
            if ((!made && errno != EEXIST) || (made && rg_sync_writes && sync_dir_of(p) != 0)) {
                int e = errno;
                free(p);
                errno = e;
                return -1;
            }
            *s = '/';
        }
    }
    int rc = 0;
    struct stat st;
    int made = mkdir(p, 0777) == 0;
    /* an existing directory will do; a file of that name will not */
    if ((!made && (errno != EEXIST || stat(p, &st) != 0 || !S_ISDIR(st.st_mode))) ||
        (made && rg_sync_writes && sync_dir_of(p) != 0)) {
        rc = -1;
    }
    int e = errno;
    free(p);
    errno = e;
    return rc;
}

int rg_sync_writes = 0;

/* Forget the file's names; fd -1. */
static void afile_clear(rg_afile *f)
{
    if (f->dirfd >= 0) {
        close(f->dirfd);
    }
    free(f->tmp);
    free(f->path);
    memset(f, 0, sizeof *f);
    f->fd = -1;
    f->dirfd = -1;
}

/* The last component of a path. */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int afile_create(const char *tmp)
{
    return open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
}

long rg_afile_tmp_pid(const char *name)
{
    const char *t = NULL;
    for (const char *p = strstr(name, ".tmp."); p; p = strstr(p + 1, ".tmp.")) {
        t = p;
    }
    if (!t || t == name) {
        return 0;
    }
    char *end;
    errno = 0;
    long pid = strtol(t + 5, &end, 10);
    if (errno || end == t + 5 || *end != '.' || pid <= 0) {
        return 0;
    }
    const char *n = end + 1;
    strtoul(n, &end, 10);
    if (end == n || *end) {
        return 0;
    }
    return pid;
}

static void remove_tmp(const char *dir, long pid, int depth)
{
    DIR *d = depth < 32 ? opendir(dir) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        char *full = rg_xasprintf("%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(full, &sb) == 0) {
            long of = S_ISREG(sb.st_mode) ? rg_afile_tmp_pid(e->d_name) : 0;
            if (S_ISDIR(sb.st_mode)) {
                remove_tmp(full, pid, depth + 1);
            } else if (of > 0 && (pid > 0 ? of == pid
                                          : of != (long)getpid() && kill((pid_t)of, 0) != 0 &&
                                                errno == ESRCH)) {
                unlink(full);
            }
        }
        free(full);
    }
    if (d) {
        closedir(d);
    }
}

void rg_afile_remove_tmp(const char *dir, long pid)
{
    remove_tmp(dir, pid, 0);
}

int rg_afile_open(rg_afile *f, const char *path)
{
    memset(f, 0, sizeof *f);
    f->dirfd = -1;
    /* unique in the process too: two writers of one path (two threads,
     * or a script with two open) never share an unfinished file */
    static unsigned long seq;
    unsigned long n = __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
    f->tmp = rg_xasprintf("%s.tmp.%ld.%lu", path, (long)getpid(), n);
    f->path = rg_xstrdup(path);
    f->fd = afile_create(f->tmp);
    if (f->fd < 0 && errno == ENOENT) {
        /* the folder is made on the first file written into it */
        char *dir = rg_xstrdup(path);
        char *slash = strrchr(dir, '/');
        int made = 0;
        if (slash && slash != dir) {
            *slash = 0;
            made = rg_mkdir_p(dir) == 0;
        }
        free(dir);
        if (made) {
            f->fd = afile_create(f->tmp);
        }
    }
    if (f->fd < 0) {
        int e = errno;
        afile_clear(f);
        errno = e;
        return -1;
    }
    return 0;
}

/* The folder `name` in dfd, opened without following a symbolic link,
 * made when missing; -1 with errno (ELOOP: a symbolic link). */
static int open_dir_below(int dfd, const char *name)
{
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        int made = mkdirat(dfd, name, 0777) == 0;
        if (!made && errno != EEXIST) {
            return -1;
        }
        if (made && rg_sync_writes && fsync(dfd) == 0) {
            __atomic_add_fetch(&rg_dir_syncs, 1, __ATOMIC_RELAXED);
        }
        fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0 && errno == ENOTDIR) {
        struct stat st;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
            errno = ELOOP; /* (O_NOFOLLOW with O_DIRECTORY says ENOTDIR) */
        } else {
            errno = ENOTDIR;
        }
    }
    return fd;
}

int rg_afile_open_below(rg_afile *f, const char *base, const char *rel, size_t *bad)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    f->dirfd = -1;
    *bad = 0;
    int dfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 && errno == ENOENT && rg_mkdir_p(base) == 0) {
        dfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    if (dfd < 0) {
        return -1;
    }
    char *copy = rg_xstrdup(rel);
    char *p = copy, *slash;
    while ((slash = strchr(p, '/'))) {
        *slash = 0;
        if (*p && strcmp(p, ".") != 0) {
            int next = open_dir_below(dfd, p);
            if (next < 0) {
                *bad = (size_t)(slash - copy);
                goto fail;
            }
            close(dfd);
            dfd = next;
        }
        p = slash + 1;
    }
    struct stat st;
    if (fstatat(dfd, p, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
        *bad = strlen(rel);
        errno = ELOOP;
        goto fail;
    }
    static unsigned long seq;
    unsigned long n = __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
    f->path = rg_xasprintf("%s/%s", base, rel);
    f->tmp = rg_xasprintf("%s.tmp.%ld.%lu", f->path, (long)getpid(), n);
    f->fd = openat(dfd, base_name(f->tmp), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (f->fd < 0) {
        goto fail;
    }
    f->dirfd = dfd;
    free(copy);
    return 0;
fail:;
    int e = errno;
    close(dfd);
    free(copy);
    afile_clear(f);
    errno = e;
    return -1;
}

int rg_afile_write(rg_afile *f, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(f->fd, p, len);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

void rg_afile_abort(rg_afile *f)
{
    int e = errno;
    if (f->fd >= 0) {
        close(f->fd);
    }
    if (f->tmp) {
        if (f->dirfd >= 0) {
            unlinkat(f->dirfd, base_name(f->tmp), 0);
        } else {
            unlink(f->tmp);
        }
    }
    afile_clear(f);
    errno = e;
}

int rg_afile_commit(rg_afile *f)
{
    int fd = f->fd;
    f->fd = -1;
    int synced = !rg_sync_writes || fsync(fd) == 0;
    int e = errno;
    int closed = close(fd) == 0; /* also when fsync failed */
    if (!synced) {
        errno = e;
    }
    int renamed = synced && closed &&
                  (f->dirfd >= 0 ? renameat(f->dirfd, base_name(f->tmp), f->dirfd, base_name(f->path)) == 0
                                 : rename(f->tmp, f->path) == 0);
    if (!renamed) {
        rg_afile_abort(f);
        return -1;
    }
    int rc = 0;
    if (rg_sync_writes && f->dirfd >= 0) {
        rc = fsync(f->dirfd);
        if (rc == 0) {
            __atomic_add_fetch(&rg_dir_syncs, 1, __ATOMIC_RELAXED);
        }
    } else if (rg_sync_writes) {
        rc = sync_dir_of(f->path);
    }
    e = errno;
    afile_clear(f);
    errno = e;
    return rc;
}

int rg_write_file_atomic(const char *path, const void *data, size_t len)
{
    rg_afile f;
    if (rg_afile_open(&f, path) != 0) {
        return -1;
    }
    if (rg_afile_write(&f, data, len) != 0) {
        rg_afile_abort(&f);
        return -1;
    }
    return rg_afile_commit(&f);
}

int rg_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

char *rg_path_find(const char *dirs, const char *rel)
{
    char **v;
    size_t n = rg_split(dirs ? dirs : "", ':', &v);
    char *found = NULL;
    for (size_t i = 0; i < n && !found; i++) {
        char *p = rg_xasprintf("%s/%s", v[i], rel);
        if (rg_file_exists(p)) {
            found = p;
        } else {
            free(p);
        }
    }
    rg_strv_free(v, n);
    return found;
}

double rg_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void rg_buf_put(rg_buf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        b->data = rg_xrealloc(b->data, cap);
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}

size_t rg_fmt_int(char *buf, int64_t v)
{
    char tmp[24];
    size_t n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t len = 0;
    if (v < 0) {
        buf[len++] = '-';
    }
    while (n) {
        buf[len++] = tmp[--n];
    }
    buf[len] = 0;
    return len;
}

void rg_buf_puts(rg_buf *b, const char *s)
{
    rg_buf_put(b, s, strlen(s));
}

void rg_buf_printf(rg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = rg_xvasprintf(fmt, ap);
    va_end(ap);
    rg_buf_puts(b, s);
    free(s);
}

void rg_buf_free(rg_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* Add msg (owned) at file:line to e. */
static void err_push(rg_errors *e, char *msg, const char *file, long line)
{
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 8;
        e->msg = rg_xrealloc(e->msg, e->cap * sizeof *e->msg);
        e->at = rg_xrealloc(e->at, e->cap * sizeof *e->at);
    }
    e->at[e->n].file = file ? rg_xstrdup(file) : NULL;
    e->at[e->n].line = file && line > 0 ? line : 0;
    e->msg[e->n++] = msg;
}

void rg_buf_put_u64(rg_buf *b, uint64_t v)
{
    unsigned char c[8];
    for (int i = 0; i < 8; i++) {
        c[i] = (unsigned char)(v >> (8 * i));
    }
    rg_buf_put(b, c, 8);
}

void rg_buf_put_str(rg_buf *b, const char *s, size_t n)
{
    rg_buf_put_u64(b, n);
    rg_buf_put(b, s, n);
}

void rg_reader_init(rg_reader *r, const void *data, size_t len)
{
    r->p = data;
    r->end = r->p + len;
    r->bad = 0;
}

uint64_t rg_read_u64(rg_reader *r)
{
    if (r->bad || r->end - r->p < 8) {
        r->bad = 1;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v |= (uint64_t)r->p[i] << (8 * i);
    }
    r->p += 8;
    return v;
}

size_t rg_read_count(rg_reader *r, size_t each)
{
    uint64_t n = rg_read_u64(r);
    if (r->bad || n > (uint64_t)(r->end - r->p) / (each ? each : 1)) {
        r->bad = 1;
        return 0;
    }
    return (size_t)n;
}

const char *rg_read_str(rg_reader *r, size_t *n)
{
    *n = rg_read_count(r, 1);
    if (r->bad) {
        return "";
    }
    const char *s = (const char *)r->p;
    r->p += *n;
    return s;
}

void rg_err_addv(rg_errors *e, const char *file, long line, const char *fmt, va_list ap)
{
    char *text = rg_xvasprintf(fmt, ap);
    char *msg;
    if (file && line > 0) {
        msg = rg_xasprintf("%s:%ld: %s", file, line, text);
    } else if (file) {
        msg = rg_xasprintf("%s: %s", file, text);
    } else {
        msg = rg_xstrdup(text);
    }
    free(text);
    err_push(e, msg, file, line);
}

void rg_err_add(rg_errors *e, const char *file, long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rg_err_addv(e, file, line, fmt, ap);
    va_end(ap);
}

void rg_err_append(rg_errors *dst, const rg_errors *src)
{
    size_t n = src->n; /* dst may be src */
    for (size_t i = 0; i < n; i++) {
        err_push(dst, rg_xstrdup(src->msg[i]), src->at[i].file, src->at[i].line);
    }
}

void rg_err_insert(rg_errors *dst, size_t pos, const rg_errors *src)
{
    size_t n0 = dst->n, k = src->n;
    if (pos > n0) {
        pos = n0;
    }
    rg_err_append(dst, src);
    if (k == 0 || pos == n0) {
        return;
    }
    char **m = rg_xmalloc(k * sizeof *m);
    rg_err_place *a = rg_xmalloc(k * sizeof *a);
    memcpy(m, dst->msg + n0, k * sizeof *m);
    memcpy(a, dst->at + n0, k * sizeof *a);
    memmove(dst->msg + pos + k, dst->msg + pos, (n0 - pos) * sizeof *m);
    memmove(dst->at + pos + k, dst->at + pos, (n0 - pos) * sizeof *a);
    memcpy(dst->msg + pos, m, k * sizeof *m);
    memcpy(dst->at + pos, a, k * sizeof *a);
    free(m);
    free(a);
}

void rg_err_print(const rg_errors *e, FILE *f)
{
    for (size_t i = 0; i < e->n; i++) {
        fprintf(f, "%s\n", e->msg[i]);
    }
}

void rg_err_free(rg_errors *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free(e->at[i].file);
    }
    free(e->at);
    rg_strv_free(e->msg, e->n);
    e->msg = NULL;
    e->at = NULL;
    e->n = e->cap = 0;
}

typedef struct err_entry {
    char *msg;
    rg_err_place at;
    const char *file; /* the file: file[0..flen) */
    size_t flen;
    long line;        /* 0: the whole file */
    size_t i;         /* position before sorting */
} err_entry;

/* The place of a message added without one, read from its text ("FILE:LINE:
 * text" or "FILE: text"; else the whole text stands for the file).  Only
 * for copies of messages made with rg_err_add(e, NULL, 0, "%s", m), which
 * lose the place; a copy made with rg_err_append keeps it. */
static void place_in_text(err_entry *p)
{
    const char *m = p->msg;
    p->file = m;
    p->flen = strlen(m);
    p->line = 0;
    for (const char *c = strchr(m, ':'); c; c = strchr(c + 1, ':')) {
        const char *q = c + 1;
        if (*q == ' ') {
            p->flen = (size_t)(c - m);
            return;
        }
        long v = 0;
        const char *d = q;
        while (*d >= '0' && *d <= '9' && v < 100000000) {
            v = v * 10 + (*d++ - '0');
        }
        if (d > q && d[0] == ':' && d[1] == ' ') {
            p->flen = (size_t)(c - m);
            p->line = v;
            return;
        }
    }
}

/* By file, then line, then the order the messages were added in. */
static int entry_cmp(const void *a, const void *b)
{
    const err_entry *x = a, *y = b;
    size_t n = x->flen < y->flen ? x->flen : y->flen;
    int c = memcmp(x->file, y->file, n);
    if (c == 0 && x->flen != y->flen) {
        c = x->flen < y->flen ? -1 : 1;
    }
    if (c == 0 && x->line != y->line) {
        c = x->line < y->line ? -1 : 1;
    }
    if (c == 0 && x->i != y->i) {
        c = x->i < y->i ? -1 : 1;
    }
    return c;
}

void rg_err_sort(rg_errors *e)
{
    if (e->n < 2) {
        return;
    }
    err_entry *v = rg_xmalloc(e->n * sizeof *v);
    for (size_t i = 0; i < e->n; i++) {
        v[i].msg = e->msg[i];
        v[i].at = e->at[i];
        v[i].i = i;
        if (v[i].at.file) {
            v[i].file = v[i].at.file;
            v[i].flen = strlen(v[i].at.file);
            v[i].line = v[i].at.line;
        } else {
            place_in_text(&v[i]);
        }
    }
    qsort(v, e->n, sizeof *v, entry_cmp);
    for (size_t i = 0; i < e->n; i++) {
        e->msg[i] = v[i].msg;
        e->at[i] = v[i].at;
    }
    free(v);
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Edit distance with transpositions (optimal string alignment), or more
 * than `cap` once it cannot stay within it. */
static size_t edit_distance(const char *a, const char *b, size_t cap)
{
    size_t la = strlen(a), lb = strlen(b);
    if ((la > lb ? la - lb : lb - la) > cap || la > 64 || lb > 64) {
        return cap + 1;
    }
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++) {
        d[i][0] = i;
    }
    for (size_t j = 0; j <= lb; j++) {
        d[0][j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = lower((unsigned char)a[i - 1]) != lower((unsigned char)b[j - 1]);
            size_t best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < best) {
                best = d[i - 1][j] + 1;
            }
            if (d[i][j - 1] + 1 < best) {
                best = d[i][j - 1] + 1;
            }
            if (i > 1 && j > 1 && lower((unsigned char)a[i - 1]) == lower((unsigned char)b[j - 2]) &&
                lower((unsigned char)a[i - 2]) == lower((unsigned char)b[j - 1]) &&
                d[i - 2][j - 2] + 1 < best) {
                best = d[i - 2][j - 2] + 1;
            }
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

long rg_nearest(const char *word, const char *const *cands, size_t n)
{
    size_t len = strlen(word);
    /* a third of the word, at least one and at most three edits */
    size_t cap = len / 3 < 1 ? 1 : len / 3 > 3 ? 3 : len / 3;
    long best = -1;
    size_t best_d = cap + 1;
    for (size_t i = 0; i < n; i++) {
        size_t dist = edit_distance(word, cands[i], cap);
        if (dist < best_d) {
            best_d = dist;
            best = (long)i;
        }
    }
    return best;
}

int rg_parse_bool(const char *v, int *out)
{
    static const char *yes[] = { "yes", "ja", "1", "true", "on", NULL };
    static const char *no[] = { "no", "nee", "0", "false", "off", NULL };
    for (int i = 0; yes[i]; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

char *rg_person_key(const char *name)
{
    const unsigned char *p = (const unsigned char *)(name ? name : "");
    char *key = rg_xmalloc(strlen((const char *)p) + 1);
    size_t n = 0;
    for (; *p; p++) {
        int c = *p;
        if (c >= 'A' && c <= 'Z') {
            key[n++] = (char)(c - 'A' + 'a');
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) {
            key[n++] = (char)c;
            /* U+00C0-U+00DE (but U+00D7, the multiplication sign) is
             * 0xC3 0x80-0x9E in UTF-8; its small letter is 0x20 on */
            if (c == 0xC3 && p[1] >= 0x80 && p[1] <= 0x9E && p[1] != 0x97) {
                key[n++] = (char)(*++p + 0x20);
            }
        }
    }
    key[n] = 0;
    return key;
}

char *rg_os_user(void)
{
    struct passwd pw, *res = NULL;
    char buf[4096];
    if (getpwuid_r(geteuid(), &pw, buf, sizeof buf, &res) == 0 && res && res->pw_name &&
        *res->pw_name) {
        return rg_xstrdup(res->pw_name);
    }
    static const char *const vars[] = { "USER", "LOGNAME" };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v) {
            return rg_xstrdup(v);
        }
    }
    return rg_xasprintf("uid %ld", (long)geteuid());
}
