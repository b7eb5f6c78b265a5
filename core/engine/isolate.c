/* isolate.c - a C plugin step run in a child process (`isolate = process`).
 *
 * In process, a plugin that crashes takes the whole run with it, and one
 * that hangs is stopped only if it checks host->cancelled.  Isolated, the
 * worker forks; the child has the step's inputs (copy-on-write), calls the
 * plugin's run() and sends back over a pipe everything the step produced:
 * log lines and progress as they come, then one result (status, error,
 * data errors, files written, outputs).  The parent applies them to the
 * step's context as if the step had run here.  A child killed by a signal,
 * past its timeout or gone without a result fails the step, and the run
 * goes on with its other branches.
 *
 * The child only runs the plugin and writes to the pipe: no lock of the
 * engine is taken there (other threads may have held them at the fork) and
 * it leaves by _exit, so nothing of the parent's is flushed or torn down
 * twice.  Files the plugin writes through host->write_file are written by
 * the child itself (atomically, as always); their names travel in the
 * result. */
#define _GNU_SOURCE
#include "isolate.h"
#include "exec.h"
#include "datum.h"
#include "host.h"
#include "plugin.h"
#include "workflow.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Frames on the pipe: one type byte, a 64-bit length, the payload. */
enum { FRAME_LOG = 'L', FRAME_PROGRESS = 'P', FRAME_RESULT = 'R' };
/* The step journal is kept by the parent (one writer of the store, and no
 * store handle crosses the fork): the child asks with a frame and waits for
 * the answer on a socket, a frame of type 'A' (status, text). */
enum { FRAME_JOURNAL_PUT = 'J', FRAME_JOURNAL_GET = 'G', FRAME_ANSWER = 'A' };
#define FRAME_HEAD (1 + sizeof(uint64_t))

struct rg_isolated {
    int fd; /* write end of the pipe to the parent */
    int max_level; /* the highest log level anyone shows (see shown_level) */
    int percent; /* of the last progress sent, -1 none */
    int held; /* the last progress told was not sent */
    double progress; /* the last progress told */
    int answer_fd; /* read end of the pipe of the parent's answers */
};

/* One fork at a time: a pipe made for one child must not leak into a
 * sibling forked by another worker (its write end held open there, the
 * parent would not see the end of a crashed child until the sibling ends). */
static pthread_mutex_t fork_mu = PTHREAD_MUTEX_INITIALIZER;

/* ---- the child ---- */

/* A frame, head and payload in one write (a pipe write of up to PIPE_BUF
 * bytes is whole; a longer one may be taken in parts). */
static void send_frame(int fd, char type, const void *data, size_t len)
{
    char head[FRAME_HEAD];
    uint64_t n = len;
    head[0] = type;
    memcpy(head + 1, &n, sizeof n);
    struct iovec iov[2] = { { head, sizeof head }, { (void *)data, len } };
    struct iovec *v = iov;
    int cnt = 2;
    while (cnt > 0) {
        ssize_t w = writev(fd, v, cnt);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            _exit(127); /* the parent is gone: nobody to tell */
        }
        size_t left = (size_t)w;
        while (cnt > 0 && left >= v->iov_len) {
            left -= v->iov_len;
            v++;
            cnt--;
        }
        if (cnt > 0) {
            v->iov_base = (char *)v->iov_base + left;
            v->iov_len -= left;
        }
    }
}

/* A line nobody would show (a DEBUG line without REGIE_DEBUG) is not sent. */
static void relay_log(regie_ctx *ctx, int level, const char *msg)
{
    if (level > ctx->isolated->max_level) {
        return;
    }
    rg_buf b = { 0 };
    int32_t lv = level;
    rg_buf_put(&b, &lv, sizeof lv);
    rg_buf_puts(&b, msg);
    send_frame(ctx->isolated->fd, FRAME_LOG, b.data, b.len);
    rg_buf_free(&b);
}

static void send_progress(struct rg_isolated *iso)
{
    send_frame(iso->fd, FRAME_PROGRESS, &iso->progress, sizeof iso->progress);
    iso->percent = (int)lround(iso->progress * 100);
    iso->held = 0;
}

/* Progress is shown in whole percents: it is sent when that changes, and
 * the last one told before the result (see child_main). */
static void relay_progress(regie_ctx *ctx, double fraction)
{
    struct rg_isolated *iso = ctx->isolated;
    iso->progress = fraction;
    iso->held = 1;
    if ((int)lround(fraction * 100) != iso->percent) {
        send_progress(iso);
    }
}

static void put_text(rg_buf *b, const char *s)
{
    rg_buf_put_str(b, s, strlen(s));
}

static int read_full(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t r = read(fd, p, len);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return -1;
        }
        p += r;
        len -= (size_t)r;
    }
    return 0;
}

/* Ask the parent for a journal record (type 'J': put key, value; 'G': get
 * key) and wait for its answer: its status, and its text in *text (the
 * value found, or the error), malloc'd. */
static int64_t relay_journal(regie_ctx *ctx, char type, const char *key, const char *value,
                             char **text)
{
    rg_buf b = { 0 };
    put_text(&b, key);
    if (value) {
        put_text(&b, value);
    }
    send_frame(ctx->isolated->fd, type, b.data, b.len);
    rg_buf_free(&b);
    char head[FRAME_HEAD];
    uint64_t n;
    if (read_full(ctx->isolated->answer_fd, head, sizeof head) != 0) {
        _exit(127); /* the parent is gone */
    }
    memcpy(&n, head + 1, sizeof n);
    char *p = n < (1u << 20) ? malloc((size_t)n) : NULL;
    if (!p || head[0] != FRAME_ANSWER || read_full(ctx->isolated->answer_fd, p, (size_t)n) != 0) {
        _exit(127);
    }
    rg_reader r;
    rg_reader_init(&r, p, (size_t)n);
    int64_t status = (int64_t)rg_read_u64(&r);
    size_t len;
    const char *t = rg_read_str(&r, &len);
    *text = r.bad ? rg_xstrdup("malformed answer") : rg_xstrndup(t, len);
    free(p);
    return r.bad ? -1 : status;
}

static int relay_journal_put(regie_ctx *ctx, const char *key, const char *value)
{
    char *text = NULL;
    int64_t st = relay_journal(ctx, FRAME_JOURNAL_PUT, key, value, &text);
    if (st != 0) {
        rg_host.fail(ctx, "%s", text);
    }
    free(text);
    return st == 0 ? 0 : -1;
}

static int relay_journal_get(regie_ctx *ctx, const char *key, char **value)
{
    char *text = NULL;
    int64_t st = relay_journal(ctx, FRAME_JOURNAL_GET, key, NULL, &text);
    if (st == 1) {
        *value = text;
        return 1;
    }
    if (st < 0) {
        rg_host.fail(ctx, "%s", text);
    }
    free(text);
    return st == 0 ? 0 : -1;
}

/* An output as its length and its datum bytes (rg_datum_save); one the
 * plugin did not write (RG_DATUM_NONE) as length 0. */
static void put_datum(rg_buf *b, const rg_datum *d)
{
    if (d->kind == RG_DATUM_NONE) {
        rg_buf_put_u64(b, 0);
        return;
    }
    rg_buf one = { 0 };
    rg_datum_save(d, &one);
    rg_buf_put_str(b, one.data, one.len);
    rg_buf_free(&one);
}

static void child_main(regie_ctx *ctx, const rg_step *step, int fd, int answer_fd, pid_t parent,
                       int max_level)
{
    /* regie killed (kill -9 in the middle of a run): a plugin that hangs
     * must not live on without it */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) {
        _exit(127);
    }
    struct rg_isolated self = { fd, max_level, -1, 0, 0, answer_fd };
    ctx->isolated = &self;
    ctx->relay_log = relay_log;
    ctx->relay_progress = relay_progress;
    ctx->relay_journal_put = relay_journal_put;
    ctx->relay_journal_get = relay_journal_get;
    /* the instance lives in the child: open, one attempt, close */
    rg_instance inst;
    memset(&inst, 0, sizeof inst);
    int rc = rg_instance_open(&inst, step->plugin, step->type, &rg_host, ctx);
    if (rc == 0) {
        rc = rg_instance_run(&inst, &rg_host, ctx);
    }
    rg_instance_close(&inst);
    if (self.held) {
        send_progress(&self); /* the step ends with the progress it told last */
    }
    rg_buf b = { 0 };
    rg_buf_put_u64(&b, (uint64_t)(int64_t)rc);
    rg_buf_put_u64(&b, ctx->error != NULL);
    if (ctx->error) {
        put_text(&b, ctx->error);
    }
    rg_buf_put_u64(&b, (uint64_t)(int64_t)ctx->data_errors);
    rg_buf_put_u64(&b, ctx->derrs.n);
    for (size_t i = 0; i < ctx->derrs.n; i++) {
        put_text(&b, ctx->derrs.msg[i]);
    }
    rg_buf_put_u64(&b, ctx->nwritten);
    for (size_t i = 0; i < ctx->nwritten; i++) {
        put_text(&b, ctx->written[i]);
    }
    rg_buf_put_u64(&b, step->nwrites);
    for (size_t i = 0; i < step->nwrites; i++) {
        put_datum(&b, &ctx->out[i]);
    }
    send_frame(fd, FRAME_RESULT, b.data, b.len);
    /* what the plugin printed itself reaches its stream */
    fflush(stdout);
    fflush(stderr);
    _exit(0);
}

/* ---- the parent ---- */

/* The highest log level that would be shown of this step, as host.c's
 * h_log and the CLI's observer decide: DEBUG only with REGIE_DEBUG, and
 * INFO only through a run's observer. */
static int shown_level(const regie_ctx *ctx)
{
    if (getenv("REGIE_DEBUG")) {
        return INT32_MAX;
    }
    return ctx->run && ctx->run->obs && ctx->run->obs->log ? REGIE_LOG_INFO : REGIE_LOG_WARN;
}
/* A string of the result, copied (caller frees), or NULL. */
static char *get_text(rg_reader *r)
{
    size_t n;
    const char *s = rg_read_str(r, &n);
    return r->bad ? NULL : rg_xstrndup(s, n);
}

/* Apply the child's result to ctx: 0 and *rc set, or -1 (malformed). */
static int apply_result(regie_ctx *ctx, const rg_step *step, const char *p, size_t len, int *rc)
{
    rg_reader r;
    rg_reader_init(&r, p, len);
    int status = (int)(int64_t)rg_read_u64(&r);
    uint64_t has_error = rg_read_u64(&r);
    if (r.bad) {
        return -1;
    }
    if (has_error) {
        char *e = get_text(&r);
        if (!e) {
            return -1;
        }
        rg_host.fail(ctx, "%s", e);
        free(e);
    }
    int data_errors = (int)(int64_t)rg_read_u64(&r);
    size_t n = rg_read_count(&r, 8);
    if (r.bad) {
        return -1;
    }
    ctx->data_errors += data_errors;
    for (size_t i = 0; i < n; i++) {
        char *m = get_text(&r);
        if (!m) {
            return -1;
        }
        rg_err_add(&ctx->derrs, NULL, 0, "%s", m);
        free(m);
    }
    n = rg_read_count(&r, 8);
    for (size_t i = 0; i < n && !r.bad; i++) {
        char *w = get_text(&r);
        if (!w) {
            return -1;
        }
        rg_ctx_note_written(ctx, w);
        free(w);
    }
    if (rg_read_u64(&r) != step->nwrites || r.bad) {
        return -1;
    }
    for (size_t i = 0; i < step->nwrites; i++) {
        size_t dlen;
        const char *bytes = rg_read_str(&r, &dlen);
        rg_datum d = { 0 };
        if (r.bad || (dlen > 0 && rg_datum_load(bytes, dlen, &d) != 0)) {
            return -1;
        }
        rg_datum_clear(&ctx->out[i]);
        ctx->out[i] = d;
    }
    *rc = status;
    return 0;
}

/* A journal request of the child, done here on ctx (the step's error left
 * as it was), and answered on answer_fd. */
static void answer_journal(regie_ctx *ctx, char type, const char *p, size_t len, int answer_fd)
{
    rg_reader r;
    rg_reader_init(&r, p, len);
    size_t nk = 0, nv = 0;
    const char *k = rg_read_str(&r, &nk);
    const char *v = type == FRAME_JOURNAL_PUT ? rg_read_str(&r, &nv) : NULL;
    char *key = r.bad ? NULL : rg_xstrndup(k, nk);
    char *value = r.bad || !v ? NULL : rg_xstrndup(v, nv);
    char *saved = ctx->error;
    ctx->error = NULL;
    int64_t status = -1;
    char *text = NULL;
    if (!key) {
        text = rg_xstrdup("step journal: malformed request");
    } else if (type == FRAME_JOURNAL_PUT) {
        status = rg_host.journal_put(ctx, key, value ? value : "");
    } else {
        long n = rg_host.journal_get(ctx, key, NULL, 0);
        if (n >= 0) {
            text = rg_xcalloc(1, (size_t)n + 1);
            rg_host.journal_get(ctx, key, text, (size_t)n + 1);
            status = 1;
        } else {
            status = n == -1 ? 0 : -1;
        }
    }
    if (!text) {
        text = ctx->error ? ctx->error : rg_xstrdup("");
    } else {
        free(ctx->error);
    }
    ctx->error = saved;
    rg_buf b = { 0 };
    rg_buf_put_u64(&b, (uint64_t)status);
    put_text(&b, text);
    char head[FRAME_HEAD];
    uint64_t n = b.len;
    head[0] = FRAME_ANSWER;
    memcpy(head + 1, &n, sizeof n);
    /* a child gone meanwhile is seen by the caller's loop */
    if (send(answer_fd, head, sizeof head, MSG_NOSIGNAL) == (ssize_t)sizeof head) {
        size_t off = 0;
        while (off < b.len) {
            ssize_t w = send(answer_fd, b.data + off, b.len - off, MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR) {
                continue;
            }
            if (w <= 0) {
                break;
            }
            off += (size_t)w;
        }
    }
    rg_buf_free(&b);
    free(text);
    free(key);
    free(value);
}

/* Handle the whole frames at the start of buf; returns the bytes used.
 * *result is set once the result frame has been applied (-1: malformed). */
static size_t take_frames(regie_ctx *ctx, const rg_step *step, const char *buf, size_t len,
                          int *result, int *rc, int answer_fd)
{
    size_t used = 0;
    while (len - used >= FRAME_HEAD) {
        const char *f = buf + used;
        uint64_t n;
        memcpy(&n, f + 1, sizeof n);
        if (n > len - used - FRAME_HEAD) {
            break;
        }
        const char *p = f + FRAME_HEAD;
        if (f[0] == FRAME_LOG && n >= sizeof(int32_t)) {
            int32_t level;
            memcpy(&level, p, sizeof level);
            char *msg = rg_xstrndup(p + sizeof level, (size_t)n - sizeof level);
            rg_host.log(ctx, level, "%s", msg);
            free(msg);
        } else if (f[0] == FRAME_PROGRESS && n == sizeof(double)) {
            double fraction;
            memcpy(&fraction, p, sizeof fraction);
            rg_host.progress(ctx, fraction);
        } else if ((f[0] == FRAME_JOURNAL_PUT || f[0] == FRAME_JOURNAL_GET) && !*result) {
            answer_journal(ctx, f[0], p, (size_t)n, answer_fd);
        } else if (f[0] == FRAME_RESULT && !*result) {
            *result = apply_result(ctx, step, p, (size_t)n, rc) == 0 ? 1 : -1;
        }
        used += FRAME_HEAD + (size_t)n;
    }
    return used;
}

/* The unfinished files (NAME.tmp.PID.N) of a child killed while writing. */
static void remove_unfinished(const regie_ctx *ctx, pid_t pid)
{
    const char *outdir = ctx->run ? ctx->run->outdir : ctx->outdir;
    if (outdir) {
        rg_afile_remove_tmp(outdir, (long)pid);
    }
}

/* Milliseconds to wait for something until deadline (0: none, -1). */
static int poll_ms(double deadline)
{
    if (deadline <= 0) {
        return -1;
    }
    double left = deadline - rg_now();
    return left <= 0 ? 0 : left > 3600 ? 3600000 : (int)ceil(left * 1000);
}

/* Wait until the child has ended (not reaped), or until the deadline (0:
 * none): 0, or 1 when the deadline came first. */
static int wait_exit(pid_t pid, int pidfd, double deadline)
{
    while (deadline > 0) {
        if (rg_now() >= deadline) {
            return 1;
        }
        if (pidfd >= 0) {
            struct pollfd pf = { pidfd, POLLIN, 0 };
            int n = poll(&pf, 1, poll_ms(deadline));
            if (n > 0 || (n < 0 && errno != EINTR)) {
                return 0;
            }
        } else {
            siginfo_t si;
            memset(&si, 0, sizeof si);
            if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0 || si.si_pid) {
                return 0;
            }
            struct timespec ts = { 0, 1000000 };
            nanosleep(&ts, NULL);
        }
    }
    return 0;
}

static int child_failed(regie_ctx *ctx, const rg_step *step, int status)
{
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        return rg_host.fail(ctx, "plugin %s killed by signal %d (%s)", step->plugin_name, sig,
                            strsignal(sig));
    }
    if (WIFEXITED(status)) {
        return rg_host.fail(ctx, "plugin %s exited with status %d before finishing",
                            step->plugin_name, WEXITSTATUS(status));
    }
    return rg_host.fail(ctx, "plugin %s: its process ended before finishing", step->plugin_name);
}

int rg_isolate_run(regie_ctx *ctx, const rg_step *step)
{
    int fds[2], answer[2];
    pthread_mutex_lock(&fork_mu);
    /* a socket, not a pipe: an answer to a child gone meanwhile must not
     * raise SIGPIPE here (send with MSG_NOSIGNAL) */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, answer) != 0) {
        pthread_mutex_unlock(&fork_mu);
        return rg_host.fail(ctx, "cannot isolate plugin %s: pipe: %s", step->plugin_name,
                            strerror(errno));
    }
    if (pipe2(fds, O_CLOEXEC) != 0) {
        close(answer[0]);
        close(answer[1]);
        pthread_mutex_unlock(&fork_mu);
        return rg_host.fail(ctx, "cannot isolate plugin %s: pipe: %s", step->plugin_name,
                            strerror(errno));
    }
    /* text still buffered would be written again by a plugin's exit() */
    fflush(stdout);
    int max_level = shown_level(ctx);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        close(answer[1]);
        child_main(ctx, step, fds[1], answer[0], parent, max_level);
    }
    int fork_errno = errno;
    close(fds[1]);
    close(answer[0]);
    pthread_mutex_unlock(&fork_mu);
    if (pid < 0) {
        close(fds[0]);
        close(answer[1]);
        return rg_host.fail(ctx, "cannot isolate plugin %s: fork: %s", step->plugin_name,
                            strerror(fork_errno));
    }

    /* A pidfd says when the child has ended, even if something it started
     * holds the pipe open; the pipe is then read for what is left in it. */
    int pidfd = -1;
#ifdef SYS_pidfd_open
    pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
    /* blocking, the read loop below would wait on an empty pipe for good */
    int fl = fcntl(fds[0], F_GETFL);
    if (fl < 0 || fcntl(fds[0], F_SETFL, fl | O_NONBLOCK) != 0) {
        int e = errno;
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
        close(fds[0]);
        close(answer[1]);
        if (pidfd >= 0) {
            close(pidfd);
        }
        remove_unfinished(ctx, pid);
        return rg_host.fail(ctx, "cannot isolate plugin %s: fcntl: %s", step->plugin_name,
                            strerror(e));
    }
    rg_buf in = { 0 };
    int result = 0, rc = -1, timed_out = 0, ended = 0, eof = 0;
    char chunk[65536];
    while (!result && !eof && !ended) {
        if (ctx->deadline > 0 && rg_now() >= ctx->deadline) {
            timed_out = 1;
            break;
        }
        struct pollfd pf[2] = { { fds[0], POLLIN, 0 }, { pidfd, POLLIN, 0 } };
        int n = poll(pf, pidfd >= 0 ? 2 : 1, poll_ms(ctx->deadline));
        if (n < 0 && errno != EINTR) {
            break;
        }
        if (n <= 0) {
            continue;
        }
        ended = pidfd >= 0 && (pf[1].revents & POLLIN);
        while (!result) {
            ssize_t r = read(fds[0], chunk, sizeof chunk);
            if (r > 0) {
                rg_buf_put(&in, chunk, (size_t)r);
                size_t used = take_frames(ctx, step, in.data, in.len, &result, &rc, answer[1]);
                /* what is left is the start of a frame: only that is kept */
                memmove(in.data, in.data + used, in.len - used);
                in.len -= used;
                continue;
            }
            if (r < 0 && errno == EINTR) {
                continue;
            }
            eof = r == 0 || errno != EAGAIN;
            break;
        }
    }
    close(fds[0]);
    close(answer[1]);
    rg_buf_free(&in);

    /* The child is leaving: one that sent its result has only _exit left;
     * one that closed the pipe may yet hang, which the deadline ends. */
    int status = 0;
    if (!timed_out && wait_exit(pid, pidfd, ctx->deadline) != 0) {
        timed_out = 1;
    }
    if (pidfd >= 0) {
        close(pidfd);
    }
    if (!timed_out) {
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    if (timed_out) {
        kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        remove_unfinished(ctx, pid);
        free(ctx->error);
        ctx->error = NULL;
        return rg_host.fail(ctx, "timed out after %g s (plugin %s, its process was killed)",
                            step->timeout, step->plugin_name);
    }
    if (result > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        return rc;
    }
    remove_unfinished(ctx, pid);
    if (result < 0) {
        return rg_host.fail(ctx, "plugin %s: its process sent a malformed result",
                            step->plugin_name);
    }
    return child_failed(ctx, step, status);
}
