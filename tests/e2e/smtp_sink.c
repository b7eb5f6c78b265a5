/* A small SMTP server for the tests (suites mail and web): a forked child
 * on 127.0.0.1 at an ephemeral port that keeps each message it accepted
 * as msg-NNN.eml in its folder, and can fail transactions, refuse a
 * recipient, hold a message or ask for a login (smtp_sink.h). */
#define _GNU_SOURCE
#include "smtp_sink.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct conn {
    int fd;
    char buf[65536];
    size_t len;
} conn;

/* One line (CRLF dropped) into line; 0, or -1 when the client left. */
static int get_line(conn *c, char *line, size_t size)
{
    for (;;) {
        char *nl = memchr(c->buf, '\n', c->len);
        if (nl) {
            size_t n = (size_t)(nl - c->buf);
            size_t k = n && c->buf[n - 1] == '\r' ? n - 1 : n;
            if (k >= size) {
                k = size - 1;
            }
            memcpy(line, c->buf, k);
            line[k] = 0;
            memmove(c->buf, nl + 1, c->len - n - 1);
            c->len -= n + 1;
            return 0;
        }
        if (c->len == sizeof c->buf) {
            c->len = 0; /* a line too long: dropped */
        }
        ssize_t r = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
        if (r <= 0) {
            return -1;
        }
        c->len += (size_t)r;
    }
}

static void say(conn *c, const char *s)
{
    size_t n = strlen(s);
    if (write(c->fd, s, n) != (ssize_t)n) {
        /* the client left: the next read says so */
    }
}

static size_t b64_decode(const char *s, unsigned char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned v = 0;
    int bits = 0;
    size_t n = 0;
    for (; *s && *s != '='; s++) {
        const char *p = strchr(tab, *s);
        if (!p) {
            continue;
        }
        v = (v << 6) | (unsigned)(p - tab);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(v >> bits);
        }
    }
    return n;
}

static void sink_file(const char *dir, const char *name, const char *text, size_t n)
{
    char *tmp = t_asprintf("%s/.%s", dir, name), *path = t_asprintf("%s/%s", dir, name);
    FILE *f = fopen(tmp, "wb");
    if (f) {
        fwrite(text, 1, n, f);
        fclose(f);
        rename(tmp, path);
    }
    free(tmp);
    free(path);
}

static void sink_main(int lfd, const char *dir, sink_opts o)
{
    int transactions = 0, kept = 0, held = 0;
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR) {
                continue;
            }
            _exit(1);
        }
        conn *c = calloc(1, sizeof *c);
        c->fd = fd;
        say(c, "220 sink.test ESMTP\r\n");
        char line[8192];
        char rcpt[4096] = "";
        while (get_line(c, line, sizeof line) == 0) {
            if (strncasecmp(line, "EHLO", 4) == 0) {
                say(c, o.auth ? "250-sink.test\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n"
                              : "250-sink.test\r\n250 8BITMIME\r\n");
            } else if (strncasecmp(line, "HELO", 4) == 0) {
                say(c, "250 sink.test\r\n");
            } else if (strncasecmp(line, "AUTH PLAIN", 10) == 0) {
                char b64[8192];
                if (line[10] == ' ' && line[11]) {
                    snprintf(b64, sizeof b64, "%s", line + 11);
                } else {
                    say(c, "334 \r\n");
                    if (get_line(c, b64, sizeof b64) != 0) {
                        break;
                    }
                }
                unsigned char raw[4096];
                size_t n = b64_decode(b64, raw);
                for (size_t i = 0; i < n; i++) {
                    raw[i] = raw[i] ? raw[i] : '\n';
                }
                sink_file(dir, "auth.txt", (const char *)raw, n);
                say(c, "235 2.7.0 accepted\r\n");
            } else if (strncasecmp(line, "MAIL FROM:", 10) == 0) {
                if (o.slow_after > 0 && kept == o.slow_after && !held) {
                    /* held until the client is gone (killed): the test
                     * waits for this file to kill it */
                    held = 1;
                    sink_file(dir, "holding", "", 0);
                    char drop[512];
                    while (get_line(c, drop, sizeof drop) == 0) {
                    }
                    break;
                }
                rcpt[0] = 0;
                say(c, "250 2.1.0 ok\r\n");
            } else if (strncasecmp(line, "RCPT TO:", 8) == 0) {
                if (o.fail_rcpt && strstr(line, o.fail_rcpt)) {
                    say(c, "550 5.1.1 mailbox unavailable\r\n");
                } else {
                    strncat(rcpt, line + 8, sizeof rcpt - strlen(rcpt) - 2);
                    strcat(rcpt, " ");
                    say(c, "250 2.1.5 ok\r\n");
                }
            } else if (strncasecmp(line, "DATA", 4) == 0) {
                say(c, "354 go ahead\r\n");
                size_t cap = 65536, len = 0;
                char *msg = malloc(cap);
                len = (size_t)snprintf(msg, cap, "X-Sink-Rcpt: %s\r\n", rcpt);
                int done = 0;
                while (!done && get_line(c, line, sizeof line) == 0) {
                    if (strcmp(line, ".") == 0) {
                        done = 1;
                        break;
                    }
                    const char *l = line[0] == '.' ? line + 1 : line; /* dot-stuffing */
                    size_t n = strlen(l);
                    while (len + n + 3 > cap) {
                        cap *= 2;
                        msg = realloc(msg, cap);
                    }
                    memcpy(msg + len, l, n);
                    memcpy(msg + len + n, "\r\n", 2);
                    len += n + 2;
                }
                if (!done) {
                    free(msg);
                    break;
                }
                transactions++;
                if (transactions <= o.fail_first) {
                    say(c, "451 4.3.0 temporary failure, try again\r\n");
                } else {
                    kept++;
                    char name[32];
                    snprintf(name, sizeof name, "msg-%03d.eml", kept);
                    sink_file(dir, name, msg, len);
                    say(c, "250 2.0.0 queued\r\n");
                }
                free(msg);
            } else if (strncasecmp(line, "RSET", 4) == 0 || strncasecmp(line, "NOOP", 4) == 0) {
                rcpt[0] = 0;
                say(c, "250 2.0.0 ok\r\n");
            } else if (strncasecmp(line, "QUIT", 4) == 0) {
                say(c, "221 2.0.0 bye\r\n");
                break;
            } else {
                say(c, "502 5.5.2 not implemented\r\n");
            }
        }
        close(fd);
        free(c);
    }
}

void sink_start(sink *s, const char *dir, sink_opts o)
{
    s->dir = strdup(dir);
    mkdir(dir, 0755);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(lfd, 0);
    struct sockaddr_in a = { 0 };
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    ck_assert_int_eq(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(lfd, 8), 0);
    socklen_t al = sizeof a;
    ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&a, &al), 0);
    s->port = ntohs(a.sin_port);
    s->pid = fork();
    ck_assert_int_ge(s->pid, 0);
    if (s->pid == 0) {
        signal(SIGPIPE, SIG_IGN);
        sink_main(lfd, dir, o);
        _exit(0);
    }
    close(lfd);
}

void sink_stop(sink *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
    }
    free(s->dir);
    memset(s, 0, sizeof *s);
}

/* The messages the sink kept (msg-NNN.eml), read; n in *n. */
char **sink_messages(const sink *s, size_t *n)
{
    char **v = calloc(256, sizeof *v);
    *n = 0;
    for (int i = 1; i < 256; i++) {
        char *m = t_readf("%s/msg-%03d.eml", s->dir, i);
        if (!m) {
            break;
        }
        v[(*n)++] = m;
    }
    return v;
}

void sink_messages_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i]);
    }
    free(v);
}

