/* mail-send - letters by e-mail, one message per row of a dataset of
 * recipients (doc/mail.md).
 *
 * Each message is MIME: multipart/mixed holding a multipart/alternative
 * (the letter as text/plain, quoted-printable, and as text/html, the
 * Markdown set by the shared renderer of plugins/common) and the row's
 * attachments (base64, an .ics as text/calendar with its METHOD).
 * Headers with other than ASCII are RFC 2047 encoded words.
 *
 * By default nothing is sent: each message is written as an .eml file in
 * outbox/ below the output directory.  With `send = yes` it goes over SMTP
 * (libcurl; STARTTLS unless told otherwise).  Its Message-ID is made from
 * a seed the step keeps in its journal and from the recipient and letter,
 * so the same message carries the same id when sent again; a message is
 * recorded in the step journal once the server took it, and a resumed or
 * retried step skips the ones recorded.  A failed transaction is retried
 * with backoff, then the step fails naming the recipient and the server's
 * answer.  Credentials come from the environment or a file only its owner
 * reads; they are never logged, recorded or written.
 *
 * The plain form of the ABI (one step type named as the plugin); it can
 * move to the step types of ABI 2 once the host implements them. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <regie.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "markdown.h"
#include "sbuf.h"

static const regie_param params[] = {
    { "recipients", REGIE_PARAM_STRING, 1, NULL,
      "name of the table of recipients (one of the step's reads): one message per row; columns "
      "to (an address, required), name, subject, letter (path of a .md or .html file below the "
      "output directory), attachments (paths below the output directory: a list, or text "
      "separated by commas), cc (addresses, as attachments), from (this row's sender, as the "
      "step's from)",
      0 },
    { "from", REGIE_PARAM_STRING, 0, NULL,
      "the sender: an address, or Name <address> (the Message-ID's domain is its domain); "
      "required unless the recipients have a from column",
      0 },
    { "reply_to", REGIE_PARAM_STRING, 0, NULL, "address for replies (Reply-To)", 0 },
    { "subject", REGIE_PARAM_STRING, 0, NULL,
      "the subject of a row without a subject column or value", 0 },
    { "send", REGIE_PARAM_BOOL, 0, "no",
      "no: write each message as an .eml file in outbox/ below the output directory (nothing "
      "is sent); yes: send over SMTP to smtp_url",
      0 },
    { "outbox", REGIE_PARAM_STRING, 0, "outbox",
      "folder below the output directory for the .eml files (send = no)", 0 },
    { "smtp_url", REGIE_PARAM_STRING, 0, NULL,
      "the mail server, smtp://HOST:587 (STARTTLS) or smtps://HOST:465 (required with send = "
      "yes)",
      0 },
    { "tls", REGIE_PARAM_STRING, 0, "starttls",
      "starttls (the server must offer it: refused otherwise), implicit (TLS from the start, as "
      "smtps://) or none (plain text: only to a server on this machine, or with insecure = yes)",
      0 },
    { "insecure", REGIE_PARAM_BOOL, 0, "no",
      "yes: allow tls = none to another machine (password and letters readable on the way)", 0 },
    { "credentials", REGIE_PARAM_STRING, 0, NULL,
      "file with lines user=NAME and password=SECRET, mode 0600 or 0400 and owned by the user "
      "running regie (refused otherwise); none: REGIE_SMTP_USER and REGIE_SMTP_PASSWORD from the "
      "environment, or no login",
      0 },
    { "attempts", REGIE_PARAM_INT, 0, "3", "tries per message before the step fails", 0 },
    { "backoff", REGIE_PARAM_NUM, 0, "5",
      "seconds to wait after the first failed try, doubled after each next one", 0 },
    { "timeout", REGIE_PARAM_NUM, 0, "60", "seconds one try of one message may take", 0 },
    { 0 },
};

/* ---- a growing byte buffer (sbuf.h); out of memory ends the process ---- */
typedef sbuf buf;

static void put(buf *b, const void *s, size_t n)
{
    if (sbuf_put(b, s, n) != 0) {
        abort();
    }
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void printf_(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void printf_(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) {
        abort();
    }
    put(b, s, (size_t)n);
    free(s);
}

/* ---- text checks ---- */
static int is_ascii(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s >= 0x80) {
            return 0;
        }
    }
    return 1;
}

/* An address as regie accepts it: LOCAL@DOMAIN, the local part of the
 * characters RFC 5322 allows unquoted (no dot at either end, no two in a
 * row), the domain of labels of letters, digits and hyphens with at least
 * one dot, 254 bytes at most.  No blank, no line break: nothing that could
 * add a header or a recipient. */
static int valid_address(const char *a)
{
    size_t n = strlen(a);
    const char *at = strrchr(a, '@');
    if (n == 0 || n > 254 || !at || at == a || at[1] == 0) {
        return 0;
    }
    for (const char *p = a; p < at; p++) {
        unsigned char c = (unsigned char)*p;
        if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
            !strchr(".!#$%&'*+/=?^_`{|}~-", c)) {
            return 0;
        }
        if (c == '.' && (p == a || p + 1 == at || p[1] == '.')) {
            return 0;
        }
    }
    int dots = 0;
    size_t label = 0;
    for (const char *p = at + 1; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '.') {
            if (label == 0 || p[-1] == '-') {
                return 0;
            }
            dots++;
            label = 0;
            continue;
        }
        if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
            c != '-') {
            return 0;
        }
        if (c == '-' && label == 0) {
            return 0;
        }
        label++;
    }
    return dots > 0 && label > 0;
}

/* Copy of s with blanks around it trimmed and line breaks as blanks. */
static char *clean_line(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) {
        n--;
    }
    char *r = strndup(s, n);
    if (!r) {
        abort();
    }
    for (char *p = r; *p; p++) {
        if (*p == '\r' || *p == '\n' || *p == '\t') {
            *p = ' ';
        }
    }
    return r;
}

/* ---- encodings ---- */
static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64(buf *b, const unsigned char *s, size_t n, int wrap)
{
    size_t col = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16;
        if (i + 1 < n) {
            v |= (unsigned)s[i + 1] << 8;
        }
        if (i + 2 < n) {
            v |= s[i + 2];
        }
        char q[4] = { b64[(v >> 18) & 63], b64[(v >> 12) & 63],
                      i + 1 < n ? b64[(v >> 6) & 63] : '=', i + 2 < n ? b64[v & 63] : '=' };
        put(b, q, 4);
        col += 4;
        if (wrap && col >= 76 && i + 3 < n) {
            puts_(b, "\r\n");
            col = 0;
        }
    }
    if (wrap) {
        puts_(b, "\r\n");
    }
}

/* Text (UTF-8) as RFC 2047 encoded words of at most 75 characters, a
 * multi-byte character never cut, folded onto lines of their own. */
static void encoded_words(buf *b, const char *s)
{
    size_t n = strlen(s), i = 0;
    int first = 1;
    while (i < n) {
        size_t take = n - i < 45 ? n - i : 45;
        while (take < n - i && take > 0 && ((unsigned char)s[i + take] & 0xC0) == 0x80) {
            take--;
        }
        if (!first) {
            puts_(b, "\r\n ");
        }
        puts_(b, "=?UTF-8?B?");
        base64(b, (const unsigned char *)s + i, take, 0);
        puts_(b, "?=");
        i += take;
        first = 0;
    }
}

/* A header's unstructured text (a subject): as it is when ASCII, else
 * encoded words. */
static void header_text(buf *b, const char *s)
{
    if (is_ascii(s)) {
        puts_(b, s);
    } else {
        encoded_words(b, s);
    }
}

/* "Name" <address>: the name as an atom, a quoted string or encoded words. */
static void mailbox(buf *b, const char *name, const char *addr)
{
    if (name && *name) {
        if (!is_ascii(name)) {
            encoded_words(b, name);
        } else if (strpbrk(name, "()<>[]:;@\\,.\"")) {
            puts_(b, "\"");
            for (const char *p = name; *p; p++) {
                if (*p == '"' || *p == '\\') {
                    puts_(b, "\\");
                }
                put(b, p, 1);
            }
            puts_(b, "\"");
        } else {
            puts_(b, name);
        }
        puts_(b, " ");
    }
    printf_(b, "<%s>", addr);
}

/* Text as quoted-printable, lines ending in CRLF, none longer than 76. */
static void quoted_printable(buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r' && i + 1 < n && s[i + 1] == '\n') {
            continue;
        }
        if (c == '\n') {
            puts_(b, "\r\n");
            col = 0;
            continue;
        }
        int at_end = i + 1 == n || s[i + 1] == '\n' ||
                     (s[i + 1] == '\r' && i + 2 < n && s[i + 2] == '\n');
        char enc[3];
        size_t len;
        if ((c >= 33 && c <= 126 && c != '=' && !(c == '.' && col == 0)) ||
            ((c == ' ' || c == '\t') && !at_end)) {
            enc[0] = (char)c;
            len = 1;
        } else {
            enc[0] = '=';
            enc[1] = hex[c >> 4];
            enc[2] = hex[c & 15];
            len = 3;
        }
        if (col + len > 75) {
            puts_(b, "=\r\n");
            col = 0;
            if (enc[0] == '.' && len == 1) { /* a dot now begins the line */
                enc[0] = '=';
                enc[1] = '2';
                enc[2] = 'E';
                len = 3;
            }
        }
        put(b, enc, len);
        col += len;
    }
    if (col) {
        puts_(b, "\r\n");
    }
}

/* ---- a small hash for ids (FNV-1a, 64 bits) ---- */
static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* ---- files ---- */
static int read_all(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return -1;
    }
    buf b = { 0 };
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
        put(&b, tmp, n);
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(b.p);
        errno = EIO;
        return -1;
    }
    if (!b.p) {
        put(&b, "", 0);
    }
    *data = b.p;
    *len = b.len;
    return 0;
}

/* A path below the output directory: relative, without a .. part. */
static int safe_relpath(const char *p)
{
    if (!*p || *p == '/') {
        return 0;
    }
    for (const char *s = p; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            return 0;
        }
        s += n + (e ? 1 : 0);
    }
    return 1;
}

static const char *ext_of(const char *p)
{
    const char *slash = strrchr(p, '/');
    const char *dot = strrchr(p, '.');
    return dot && (!slash || dot > slash) ? dot + 1 : "";
}

static const char *base_of(const char *p)
{
    const char *slash = strrchr(p, '/');
    return slash ? slash + 1 : p;
}

/* The Content-Type of an attachment by its name (an .ics by its METHOD). */
static char *content_type(const char *path, const char *data, size_t len)
{
    static const char *const types[][2] = {
        { "pdf", "application/pdf" },
        { "csv", "text/csv; charset=UTF-8" },
        { "txt", "text/plain; charset=UTF-8" },
        { "md", "text/markdown; charset=UTF-8" },
        { "html", "text/html; charset=UTF-8" },
        { "htm", "text/html; charset=UTF-8" },
        { "json", "application/json" },
        { "xml", "application/xml" },
        { "png", "image/png" },
        { "jpg", "image/jpeg" },
        { "jpeg", "image/jpeg" },
        { "gif", "image/gif" },
        { "svg", "image/svg+xml" },
        { "zip", "application/zip" },
        { "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
        { "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
        { "odt", "application/vnd.oasis.opendocument.text" },
        { "ods", "application/vnd.oasis.opendocument.spreadsheet" },
    };
    const char *ext = ext_of(path);
    if (strcasecmp(ext, "ics") == 0) {
        char method[32] = "";
        const char *m = memmem(data, len, "\nMETHOD:", 8);
        if (m) {
            m += 8;
            size_t k = 0;
            while (k + 1 < sizeof method && m + k < data + len &&
                   ((m[k] >= 'A' && m[k] <= 'Z') || m[k] == '-')) {
                method[k] = m[k];
                k++;
            }
            method[k] = 0;
        }
        char *t = NULL;
        if (asprintf(&t, "text/calendar; charset=UTF-8%s%s", *method ? "; method=" : "",
                     method) < 0) {
            abort();
        }
        return t;
    }
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (strcasecmp(ext, types[i][0]) == 0) {
            return strdup(types[i][1]);
        }
    }
    return strdup("application/octet-stream");
}

/* A file name in a header parameter: quoted when ASCII, else RFC 2231. */
static void filename_param(buf *b, const char *key, const char *name)
{
    if (is_ascii(name) && !strpbrk(name, "\"\\\r\n")) {
        printf_(b, "%s=\"%s\"", key, name);
        return;
    }
    printf_(b, "%s*=UTF-8''", key);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p)) {
            put(b, p, 1);
        } else {
            printf_(b, "%%%02X", *p);
        }
    }
}

/* HTML as text, for the text part of an .html letter: tags left out,
 * blocks on lines of their own, the common entities read. */
static char *html_to_text(const char *s)
{
    buf b = { 0 };
    while (*s) {
        if (*s == '<') {
            const char *e = strchr(s, '>');
            if (!e) {
                break;
            }
            if (strncasecmp(s, "<br", 3) == 0 || strncasecmp(s, "</p", 3) == 0 ||
                strncasecmp(s, "</h", 3) == 0 || strncasecmp(s, "</li", 4) == 0 ||
                strncasecmp(s, "</tr", 4) == 0 || strncasecmp(s, "</div", 5) == 0) {
                puts_(&b, "\n");
            } else if (strncasecmp(s, "<li", 3) == 0) {
                puts_(&b, "- ");
            } else if (strncasecmp(s, "<td", 3) == 0 || strncasecmp(s, "<th", 3) == 0) {
                puts_(&b, " ");
            }
            if (strncasecmp(s, "<style", 6) == 0 || strncasecmp(s, "<title", 6) == 0) {
                int style = s[1] == 's' || s[1] == 'S';
                const char *close = strcasestr(e, style ? "</style" : "</title");
                e = close ? strchr(close, '>') : NULL;
                if (!e) {
                    break;
                }
            }
            s = e + 1;
            continue;
        }
        static const char *const ent[][2] = { { "&amp;", "&" },   { "&lt;", "<" },
                                              { "&gt;", ">" },    { "&quot;", "\"" },
                                              { "&#39;", "'" },   { "&nbsp;", " " } };
        int done = 0;
        for (size_t i = 0; i < sizeof ent / sizeof ent[0] && !done; i++) {
            size_t n = strlen(ent[i][0]);
            if (strncmp(s, ent[i][0], n) == 0) {
                puts_(&b, ent[i][1]);
                s += n;
                done = 1;
            }
        }
        if (!done) {
            if (*s != '\r') {
                put(&b, s, 1);
            }
            s++;
        }
    }
    /* runs of blank lines as one */
    buf out = { 0 };
    int nl = 0;
    for (size_t i = 0; i < b.len; i++) {
        if (b.p[i] == '\n') {
            if (++nl > 2) {
                continue;
            }
        } else if (b.p[i] != ' ' || nl == 0) {
            nl = 0;
        }
        put(&out, b.p + i, 1);
    }
    free(b.p);
    if (!out.p) {
        put(&out, "", 0);
    }
    return out.p;
}

/* ---- the step ---- */
typedef struct sender {
    char *name, *addr, *domain;
} sender;

typedef struct settings {
    const char *recipients, *from, *reply_to, *subject, *outbox, *smtp_url, *tls, *credentials;
    sender sender;
    int send, insecure;
    int64_t attempts;
    double backoff, timeout;
} settings;

typedef struct message {
    size_t row;
    long line;
    sender from; /* the row's own (from column), else empty */
    char *to, *name, *subject, *letter;
    char **cc;
    size_t ncc;
    char **att;
    size_t natt;
} message;

static void message_free(message *m)
{
    free(m->from.name);
    free(m->from.addr);
    free(m->from.domain);
    free(m->to);
    free(m->name);
    free(m->subject);
    free(m->letter);
    for (size_t i = 0; i < m->ncc; i++) {
        free(m->cc[i]);
    }
    free(m->cc);
    for (size_t i = 0; i < m->natt; i++) {
        free(m->att[i]);
    }
    free(m->att);
    memset(m, 0, sizeof *m);
}

/* The text of a cell, or NULL (absent column, null). */
static const char *cell_str(const regie_host *h, const regie_table *t, size_t r, long c)
{
    if (c < 0) {
        return NULL;
    }
    const regie_value *v = h->table_cell(t, r, (size_t)c);
    return v && v->type == REGIE_STR ? v->u.s.ptr : NULL;
}

/* The items of a cell: a list of texts, or a text separated by commas. */
static void cell_items(const regie_host *h, const regie_table *t, size_t r, long c, char ***out,
                       size_t *n)
{
    *out = NULL;
    *n = 0;
    if (c < 0) {
        return;
    }
    const regie_value *v = h->table_cell(t, r, (size_t)c);
    if (!v) {
        return;
    }
    if (v->type == REGIE_LIST) {
        size_t len = h->list_len(v->u.list);
        *out = calloc(len ? len : 1, sizeof **out);
        for (size_t i = 0; i < len; i++) {
            const regie_value *x = h->list_at(v->u.list, i);
            if (x && x->type == REGIE_STR && *x->u.s.ptr) {
                (*out)[(*n)++] = clean_line(x->u.s.ptr, x->u.s.len);
            }
        }
        return;
    }
    if (v->type != REGIE_STR) {
        return;
    }
    const char *s = v->u.s.ptr;
    size_t cap = 1;
    for (const char *p = s; *p; p++) {
        cap += *p == ',';
    }
    *out = calloc(cap, sizeof **out);
    while (*s) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        char *item = clean_line(s, len);
        if (*item) {
            (*out)[(*n)++] = item;
        } else {
            free(item);
        }
        s += len + (e ? 1 : 0);
    }
}

/* A sender, "Name <addr>" or "addr": 0, or -1 (not an address). */
static int parse_from(const char *from, sender *out)
{
    const char *lt = strchr(from, '<');
    memset(out, 0, sizeof *out);
    if (lt) {
        const char *gt = strchr(lt, '>');
        if (!gt || gt[1]) {
            return -1;
        }
        out->addr = clean_line(lt + 1, (size_t)(gt - lt - 1));
        char *name = clean_line(from, (size_t)(lt - from));
        size_t n = strlen(name);
        if (n >= 2 && name[0] == '"' && name[n - 1] == '"') {
            memmove(name, name + 1, n - 2);
            name[n - 2] = 0;
        }
        out->name = name;
    } else {
        out->addr = clean_line(from, strlen(from));
    }
    if (!valid_address(out->addr)) {
        return -1;
    }
    out->domain = strdup(strrchr(out->addr, '@') + 1);
    return 0;
}

/* The sender of m: its row's, else the step's. */
static const sender *sender_of(const settings *st, const message *m)
{
    return m->from.addr ? &m->from : &st->sender;
}

/* The step's seed of Message-IDs, made once and kept in its journal. */
static int id_seed(const regie_host *h, regie_ctx *ctx, char seed[33])
{
    long n = h->journal_get(ctx, "message-id-seed", seed, 33);
    if (n == 32) {
        return 0;
    }
    if (n < -1) {
        return -1;
    }
    unsigned char r[16];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
        return h->fail(ctx, "cannot make the Message-ID seed: %s", strerror(errno));
    }
    for (int i = 0; i < 16; i++) {
        snprintf(seed + 2 * i, 3, "%02x", r[i]);
    }
    return h->journal_put(ctx, "message-id-seed", seed);
}

/* <HEX.HEX@domain>: the same for the same seed, recipient and letter. */
static char *message_id(const char *seed, const message *m, const char *domain)
{
    char key[8192];
    int n = snprintf(key, sizeof key, "%s\n%s\n%s\n%s", seed, m->to, m->letter ? m->letter : "",
                     m->subject);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof key ? (size_t)n : sizeof key - 1;
    uint64_t a = fnv(0xcbf29ce484222325ULL, key, len);
    uint64_t b = fnv(a ^ 0x9e3779b97f4a7c15ULL, key, len);
    char *id = NULL;
    if (asprintf(&id, "<%016llx.%016llx.regie@%s>", (unsigned long long)a, (unsigned long long)b,
                 domain) < 0) {
        abort();
    }
    return id;
}

static void rfc5322_date(buf *b, time_t t)
{
    static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    struct tm tm;
    gmtime_r(&t, &tm);
    printf_(b, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
            months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The whole message (CRLF lines) into out; -1 after host->fail. */
static int build_message(const regie_host *h, regie_ctx *ctx, const settings *st,
                         const message *m, const char *msgid, buf *out)
{
    const char *outdir = h->output_dir(ctx);
    char *text = NULL, *html = NULL;
    size_t tlen = 0;
    if (m->letter) {
        char *path = NULL;
        if (asprintf(&path, "%s/%s", outdir, m->letter) < 0) {
            abort();
        }
        char *data;
        size_t len;
        if (read_all(path, &data, &len) != 0) {
            int e = errno;
            free(path);
            return h->fail(ctx, "recipient %s (row %zu): cannot read the letter %s: %s", m->to,
                           m->row + 1, m->letter, strerror(e));
        }
        free(path);
        const char *ext = ext_of(m->letter);
        if (strcasecmp(ext, "html") == 0 || strcasecmp(ext, "htm") == 0) {
            html = data;
            text = html_to_text(data);
        } else {
            text = data;
            md_doc d = { 0 };
            md_parse(&d, data);
            char *body = md_html(&d, 1);
            md_doc_free(&d);
            buf hb = { 0 };
            puts_(&hb, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>");
            char *title = md_inline(m->subject, strlen(m->subject));
            puts_(&hb, title);
            free(title);
            puts_(&hb, "</title>\n</head>\n<body>\n");
            puts_(&hb, body);
            puts_(&hb, "</body>\n</html>\n");
            free(body);
            html = hb.p;
        }
        tlen = strlen(text);
    } else {
        text = strdup("");
    }

    uint64_t bh = fnv(0xcbf29ce484222325ULL, msgid, strlen(msgid));
    char mixed[64], alt[64];
    snprintf(mixed, sizeof mixed, "=_regie_mixed_%016llx", (unsigned long long)bh);
    snprintf(alt, sizeof alt, "=_regie_alt_%016llx", (unsigned long long)bh);

    puts_(out, "From: ");
    mailbox(out, sender_of(st, m)->name, sender_of(st, m)->addr);
    puts_(out, "\r\nTo: ");
    mailbox(out, m->name, m->to);
    puts_(out, "\r\n");
    if (m->ncc) {
        puts_(out, "Cc: ");
        for (size_t i = 0; i < m->ncc; i++) {
            printf_(out, "%s<%s>", i ? ",\r\n " : "", m->cc[i]);
        }
        puts_(out, "\r\n");
    }
    if (st->reply_to) {
        printf_(out, "Reply-To: <%s>\r\n", st->reply_to);
    }
    puts_(out, "Subject: ");
    header_text(out, m->subject);
    puts_(out, "\r\nDate: ");
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    rfc5322_date(out, sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL));
    printf_(out, "\r\nMessage-ID: %s\r\n", msgid);
    puts_(out, "MIME-Version: 1.0\r\n");
    printf_(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", mixed);
    puts_(out, "This is a message in MIME format.\r\n\r\n");
    printf_(out, "--%s\r\nContent-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", mixed,
            alt);
    printf_(out, "--%s\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                 "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
            alt);
    quoted_printable(out, text, tlen);
    if (html) {
        printf_(out, "\r\n--%s\r\nContent-Type: text/html; charset=UTF-8\r\n"
                     "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                alt);
        quoted_printable(out, html, strlen(html));
    }
    printf_(out, "\r\n--%s--\r\n", alt);
    free(text);
    free(html);

    for (size_t i = 0; i < m->natt; i++) {
        char *path = NULL;
        if (asprintf(&path, "%s/%s", outdir, m->att[i]) < 0) {
            abort();
        }
        char *data;
        size_t len;
        if (read_all(path, &data, &len) != 0) {
            int e = errno;
            free(path);
            return h->fail(ctx, "recipient %s (row %zu): cannot read the attachment %s: %s",
                           m->to, m->row + 1, m->att[i], strerror(e));
        }
        free(path);
        char *type = content_type(m->att[i], data, len);
        printf_(out, "\r\n--%s\r\nContent-Type: %s; ", mixed, type);
        filename_param(out, "name", base_of(m->att[i]));
        puts_(out, "\r\nContent-Disposition: attachment; ");
        filename_param(out, "filename", base_of(m->att[i]));
        puts_(out, "\r\nContent-Transfer-Encoding: base64\r\n\r\n");
        base64(out, (const unsigned char *)data, len, 1);
        free(type);
        free(data);
    }
    printf_(out, "\r\n--%s--\r\n", mixed);
    return 0;
}

/* ---- credentials ---- */
typedef struct login {
    char *user, *password;
} login;

static void login_clear(login *l)
{
    if (l->password) {
        explicit_bzero(l->password, strlen(l->password));
    }
    free(l->user);
    free(l->password);
    l->user = l->password = NULL;
}

static int read_credentials(const regie_host *h, regie_ctx *ctx, const char *path, login *l)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return h->fail(ctx, "credentials %s: cannot open: %s", path, strerror(errno));
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return h->fail(ctx, "credentials %s: not a regular file", path);
    }
    if (sb.st_uid != geteuid()) {
        close(fd);
        return h->fail(ctx, "credentials %s: owned by user %ld, not by the user running regie "
                            "(%ld): refused",
                       path, (long)sb.st_uid, (long)geteuid());
    }
    if (sb.st_mode & 077) {
        close(fd);
        return h->fail(ctx, "credentials %s: mode %04o lets others read it: refused (chmod 600 %s)",
                       path, (unsigned)(sb.st_mode & 07777), path);
    }
    char data[8192];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof data - 1 && (r = read(fd, data + n, sizeof data - 1 - n)) != 0) {
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        n += (size_t)r;
    }
    close(fd);
    data[n] = 0;
    long ln = 0;
    for (char *s = data, *e; *s; s = e ? e + 1 : s + strlen(s)) {
        e = strchr(s, '\n');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        ln++;
        while (len && (s[len - 1] == '\r' || s[len - 1] == ' ')) {
            len--;
        }
        if (len == 0 || *s == '#') {
            continue;
        }
        if (len > 5 && strncmp(s, "user=", 5) == 0) {
            free(l->user);
            l->user = strndup(s + 5, len - 5);
        } else if (len > 9 && strncmp(s, "password=", 9) == 0) {
            login_clear(&(login){ NULL, l->password });
            l->password = strndup(s + 9, len - 9);
        } else {
            explicit_bzero(data, sizeof data);
            return h->fail(ctx, "credentials %s:%ld: expected user=NAME or password=SECRET",
                           path, ln);
        }
    }
    explicit_bzero(data, sizeof data);
    if (!l->user || !l->password) {
        return h->fail(ctx, "credentials %s: needs both user= and password= lines", path);
    }
    return 0;
}

/* ---- sending ---- */
typedef struct upload {
    const char *p;
    size_t left;
} upload;

static size_t read_cb(char *dst, size_t size, size_t nmemb, void *ud)
{
    upload *u = ud;
    size_t n = size * nmemb < u->left ? size * nmemb : u->left;
    memcpy(dst, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

/* s without any copy of secret in it (an error text is shown and kept). */
static void scrub(char *s, const char *secret)
{
    size_t n = secret ? strlen(secret) : 0;
    char *p;
    while (n && (p = strstr(s, secret))) {
        memset(p, '*', n);
    }
}

static int send_once(CURL *c, const settings *st, const login *lg, const message *m,
                     const buf *msg, char *err, size_t errsize)
{
    struct curl_slist *rcpt = curl_slist_append(NULL, m->to);
    for (size_t i = 0; i < m->ncc; i++) {
        rcpt = curl_slist_append(rcpt, m->cc[i]);
    }
    upload u = { msg->p, msg->len };
    char ebuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, st->smtp_url);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, sender_of(st, m)->addr);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &u);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_VERBOSE, 0L);
    long ms = (long)(st->timeout * 1000);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms > 0 ? ms : 0L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms > 0 && ms < 30000 ? ms : 30000L);
    if (strcmp(st->tls, "starttls") == 0) {
        curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    } else if (strcmp(st->tls, "none") == 0) {
        curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_NONE);
    }
    if (lg->user) {
        curl_easy_setopt(c, CURLOPT_USERNAME, lg->user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, lg->password);
    }
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(rcpt);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, NULL);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
    if (rc == CURLE_OK) {
        return 0;
    }
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (code > 0) {
        snprintf(err, errsize, "SMTP %ld: %s", code, *ebuf ? ebuf : curl_easy_strerror(rc));
    } else {
        snprintf(err, errsize, "%s", *ebuf ? ebuf : curl_easy_strerror(rc));
    }
    scrub(err, lg->password);
    return -1;
}

/* Sleep s seconds, waking when the step is cancelled: 0, or -1 cancelled. */
static int pause_for(const regie_host *h, regie_ctx *ctx, double s)
{
    while (s > 0) {
        if (h->cancelled(ctx)) {
            return -1;
        }
        double d = s < 0.1 ? s : 0.1;
        struct timespec ts = { (time_t)d, (long)((d - (double)(time_t)d) * 1e9) };
        nanosleep(&ts, NULL);
        s -= d;
    }
    return h->cancelled(ctx) ? -1 : 0;
}

static int is_loopback(const char *url)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    return strncmp(p, "127.", 4) == 0 || strncmp(p, "localhost", 9) == 0 ||
           strncmp(p, "[::1]", 5) == 0;
}

/* An outbox file name: the recipient and the letter, in safe characters. */
static char *outbox_name(const settings *st, const message *m)
{
    buf b = { 0 };
    printf_(&b, "%s/", st->outbox);
    for (const char *p = m->to; *p; p++) {
        char c = *p;
        put(&b, (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        strchr("@.+-_", c)
                    ? &c
                    : "_",
            1);
    }
    if (m->letter) {
        puts_(&b, "-");
        const char *base = base_of(m->letter);
        const char *dot = strrchr(base, '.');
        size_t n = dot && dot > base ? (size_t)(dot - base) : strlen(base);
        for (size_t i = 0; i < n; i++) {
            char c = base[i];
            put(&b, (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                            strchr(".+-_", c)
                        ? &c
                        : "_",
                1);
        }
    }
    puts_(&b, ".eml");
    return b.p;
}

/* The rows as messages; data errors (host->data_error) for bad rows. */
static int read_rows(const regie_host *h, regie_ctx *ctx, const settings *st,
                     const regie_table *t, message **out, size_t *nout)
{
    size_t rows = h->table_rows(t);
    const char *src = h->table_source(t);
    const char *file = src ? src : st->recipients;
    long c_to = h->table_colindex(t, "to"), c_name = h->table_colindex(t, "name"),
         c_subject = h->table_colindex(t, "subject"), c_letter = h->table_colindex(t, "letter"),
         c_att = h->table_colindex(t, "attachments"), c_cc = h->table_colindex(t, "cc"),
         c_from = h->table_colindex(t, "from");
    if (c_to < 0) {
        return h->fail(ctx, "recipients %s: no column `to` (the address of each recipient)",
                       file);
    }
    message *v = calloc(rows ? rows : 1, sizeof *v);
    int bad = 0;
    for (size_t r = 0; r < rows; r++) {
        message *m = &v[r];
        m->row = r;
        long line = h->table_row_line(t, r);
        m->line = line > 0 ? line : (long)r + 1;
        const char *to = cell_str(h, t, r, c_to);
        m->to = clean_line(to ? to : "", to ? strlen(to) : 0);
        if (!valid_address(m->to)) {
            h->data_error(ctx, file, m->line, "to", m->to, "an e-mail address (name@example.org)");
            bad = 1;
        }
        const char *from = cell_str(h, t, r, c_from);
        if (from && *from && parse_from(from, &m->from) != 0) {
            h->data_error(ctx, file, m->line, "from", from,
                          "an address or Name <address>");
            bad = 1;
        } else if ((!from || !*from) && !st->sender.addr) {
            h->data_error(ctx, file, m->line, "from", "",
                          "a sender (or the step's `from`)");
            bad = 1;
        }
        const char *name = cell_str(h, t, r, c_name);
        m->name = name && *name ? clean_line(name, strlen(name)) : NULL;
        const char *subj = cell_str(h, t, r, c_subject);
        if (!subj || !*subj) {
            subj = st->subject;
        }
        if (!subj || !*subj) {
            h->data_error(ctx, file, m->line, "subject", "", "a subject (or the step's `subject`)");
            bad = 1;
            subj = "";
        }
        m->subject = clean_line(subj, strlen(subj));
        const char *letter = cell_str(h, t, r, c_letter);
        if (letter && *letter) {
            m->letter = clean_line(letter, strlen(letter));
            const char *ext = ext_of(m->letter);
            if (!safe_relpath(m->letter)) {
                h->data_error(ctx, file, m->line, "letter", m->letter,
                              "a path below the output directory");
                bad = 1;
            } else if (strcasecmp(ext, "md") != 0 && strcasecmp(ext, "html") != 0 &&
                       strcasecmp(ext, "htm") != 0) {
                h->data_error(ctx, file, m->line, "letter", m->letter, "a .md or .html file");
                bad = 1;
            }
        }
        cell_items(h, t, r, c_att, &m->att, &m->natt);
        for (size_t i = 0; i < m->natt; i++) {
            if (!safe_relpath(m->att[i])) {
                h->data_error(ctx, file, m->line, "attachments", m->att[i],
                              "a path below the output directory");
                bad = 1;
            }
        }
        cell_items(h, t, r, c_cc, &m->cc, &m->ncc);
        for (size_t i = 0; i < m->ncc; i++) {
            if (!valid_address(m->cc[i])) {
                h->data_error(ctx, file, m->line, "cc", m->cc[i],
                              "e-mail addresses separated by commas");
                bad = 1;
            }
        }
    }
    *out = v;
    *nout = rows;
    return bad ? -1 : 0;
}

/* Send m, trying again after backoff, doubling, up to st->attempts tries;
 * then fail the step naming the recipient, its row and the last error. */
static int send_retrying(const regie_host *h, regie_ctx *ctx, CURL *c, const settings *st,
                         const login *lg, const message *m, const buf *msg, const regie_table *t)
{
    char err[CURL_ERROR_SIZE + 64] = "";
    double wait = st->backoff;
    for (int64_t tries = 1;; tries++) {
        if (send_once(c, st, lg, m, msg, err, sizeof err) == 0) {
            return 0;
        }
        if (tries >= st->attempts) {
            const char *src = h->table_source(t);
            return h->fail(ctx, "recipient %s (%s:%ld): not sent after %lld attempt%s: %s", m->to,
                           src ? src : st->recipients, m->line, (long long)tries,
                           tries == 1 ? "" : "s", err);
        }
        h->log(ctx, REGIE_LOG_WARN, "%s: attempt %lld failed: %s; again in %g s", m->to,
               (long long)tries, err, wait);
        if (pause_for(h, ctx, wait) != 0) {
            return h->fail(ctx, "recipient %s: cancelled while waiting to try again", m->to);
        }
        wait *= 2;
    }
}

static int settings_read(const regie_host *h, regie_ctx *ctx, settings *st)
{
    st->recipients = h->param(ctx, "recipients");
    st->from = h->param(ctx, "from");
    st->reply_to = h->param(ctx, "reply_to");
    st->subject = h->param(ctx, "subject");
    st->outbox = h->param(ctx, "outbox");
    st->smtp_url = h->param(ctx, "smtp_url");
    st->tls = h->param(ctx, "tls");
    st->credentials = h->param(ctx, "credentials");
    st->send = h->param_bool(ctx, "send", 0);
    st->insecure = h->param_bool(ctx, "insecure", 0);
    st->attempts = h->param_int(ctx, "attempts", 3);
    st->backoff = h->param_num(ctx, "backoff", 5);
    st->timeout = h->param_num(ctx, "timeout", 60);
    if (!st->recipients) {
        return h->fail(ctx, "mail-send needs `recipients`");
    }
    if (!st->outbox || !*st->outbox || !safe_relpath(st->outbox)) {
        return h->fail(ctx, "outbox = %s: expected a folder below the output directory",
                       st->outbox ? st->outbox : "");
    }
    if (st->from && parse_from(st->from, &st->sender) != 0) {
        return h->fail(ctx, "from = %s: expected an address or Name <address>", st->from);
    }
    if (st->reply_to && !valid_address(st->reply_to)) {
        return h->fail(ctx, "reply_to = %s: expected an address", st->reply_to);
    }
    if (!st->tls || (strcmp(st->tls, "starttls") != 0 && strcmp(st->tls, "implicit") != 0 &&
                     strcmp(st->tls, "none") != 0)) {
        return h->fail(ctx, "tls = %s: expected starttls, implicit or none",
                       st->tls ? st->tls : "");
    }
    if (st->attempts < 1 || st->attempts > 100) {
        return h->fail(ctx, "attempts = %lld: expected 1 to 100", (long long)st->attempts);
    }
    if (!(st->backoff >= 0) || !(st->timeout >= 0)) {
        return h->fail(ctx, "backoff and timeout: expected seconds, 0 or more");
    }
    if (!st->send) {
        return 0;
    }
    if (!st->smtp_url || !*st->smtp_url) {
        return h->fail(ctx, "send = yes needs smtp_url (smtp://HOST:587 or smtps://HOST:465)");
    }
    int smtps = strncmp(st->smtp_url, "smtps://", 8) == 0;
    if (!smtps && strncmp(st->smtp_url, "smtp://", 7) != 0) {
        return h->fail(ctx, "smtp_url = %s: expected smtp://HOST:PORT or smtps://HOST:PORT",
                       st->smtp_url);
    }
    if (strchr(st->smtp_url + 7, '@')) {
        return h->fail(ctx, "smtp_url: give the login in `credentials` or the environment, "
                            "not in the URL");
    }
    if (strcmp(st->tls, "implicit") == 0 && !smtps) {
        return h->fail(ctx, "tls = implicit needs an smtps:// smtp_url");
    }
    if (strcmp(st->tls, "implicit") != 0 && smtps) {
        return h->fail(ctx, "smtp_url = %s is TLS from the start: set tls = implicit",
                       st->smtp_url);
    }
    if (strcmp(st->tls, "none") == 0 && !st->insecure && !is_loopback(st->smtp_url)) {
        return h->fail(ctx, "tls = none to %s sends the password and the letters readable on the "
                            "way: refused (set insecure = yes to do so anyway)",
                       st->smtp_url);
    }
    return 0;
}

static int mail_init(const regie_host *h, void **state)
{
    (void)h;
    (void)state;
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static void mail_fini(void *state)
{
    (void)state;
    curl_global_cleanup();
}

static int mail_run(const regie_host *h, regie_ctx *ctx, void *state)
{
    (void)state;
    if (!REGIE_HOST_HAS(h, output_dir)) {
        return h->fail(ctx, "mail-send needs a regie with the step journal (ABI 2)");
    }
    settings st = { 0 };
    message *msgs = NULL;
    size_t n = 0;
    login lg = { 0 };
    CURL *c = NULL;
    int rc = settings_read(h, ctx, &st);
    const regie_table *t = rc == 0 ? h->input_table(ctx, st.recipients) : NULL;
    if (rc == 0 && !t) {
        rc = h->fail(ctx, "recipients = %s: no such table among the step's reads",
                     st.recipients);
    }
    if (rc == 0) {
        rc = read_rows(h, ctx, &st, t, &msgs, &n);
    }
    char seed[33] = "";
    if (rc == 0) {
        rc = id_seed(h, ctx, seed);
    }
    if (rc == 0 && st.send) {
        const char *user = getenv("REGIE_SMTP_USER"), *pw = getenv("REGIE_SMTP_PASSWORD");
        if (st.credentials && *st.credentials) {
            rc = read_credentials(h, ctx, st.credentials, &lg);
        } else if (user && *user) {
            lg.user = strdup(user);
            lg.password = strdup(pw ? pw : "");
        }
        c = rc == 0 ? curl_easy_init() : NULL;
        if (rc == 0 && !c) {
            rc = h->fail(ctx, "cannot start libcurl");
        }
    }
    size_t sent = 0, skipped = 0, written = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        message *m = &msgs[i];
        char *id = message_id(seed, m, sender_of(&st, m)->domain);
        int dup = 0;
        for (size_t k = 0; k < i && !dup; k++) {
            if (strcmp(msgs[k].to, m->to) == 0 && strcmp(msgs[k].subject, m->subject) == 0 &&
                strcmp(msgs[k].letter ? msgs[k].letter : "", m->letter ? m->letter : "") == 0) {
                h->log(ctx, REGIE_LOG_WARN, "row %zu: the same letter to %s as row %zu: sent once",
                       i + 1, m->to, k + 1);
                dup = 1;
            }
        }
        buf msg = { 0 };
        if (dup) {
            /* nothing */
        } else if (!st.send) {
            rc = build_message(h, ctx, &st, m, id, &msg);
            char *name = rc == 0 ? outbox_name(&st, m) : NULL;
            if (rc == 0) {
                rc = h->write_file(ctx, name, msg.p, msg.len);
                written += rc == 0;
            }
            free(name);
        } else {
            char key[600];
            snprintf(key, sizeof key, "sent %s", id);
            char was[256];
            long got = h->journal_get(ctx, key, was, sizeof was);
            if (got < -1) {
                rc = -1;
            } else if (got >= 0) {
                skipped++;
                h->log(ctx, REGIE_LOG_INFO, "%s: sent before (%s), not again", m->to, id);
            } else {
                rc = build_message(h, ctx, &st, m, id, &msg);
                if (rc == 0) {
                    rc = send_retrying(h, ctx, c, &st, &lg, m, &msg, t);
                }
                if (rc == 0) {
                    char value[600];
                    snprintf(value, sizeof value, "%s %s", id, m->to);
                    rc = h->journal_put(ctx, key, value);
                }
                if (rc == 0) {
                    sent++;
                    h->log(ctx, REGIE_LOG_INFO, "%s: sent (%s)", m->to, id);
                }
            }
        }
        free(msg.p);
        free(id);
        if (rc == 0 && h->cancelled(ctx)) {
            rc = h->fail(ctx, "cancelled after %zu of %zu messages", i + 1, n);
        }
        h->progress(ctx, n ? (double)(i + 1) / (double)n : 1.0);
    }
    if (rc == 0) {
        if (st.send) {
            h->log(ctx, REGIE_LOG_INFO, "%zu message%s sent, %zu sent before", sent,
                   sent == 1 ? "" : "s", skipped);
        } else {
            h->log(ctx, REGIE_LOG_INFO, "%zu message%s written to %s/ (send = no: nothing sent)",
                   written, written == 1 ? "" : "s", st.outbox);
        }
    }
    if (c) {
        curl_easy_cleanup(c);
    }
    login_clear(&lg);
    for (size_t i = 0; i < n; i++) {
        message_free(&msgs[i]);
    }
    free(msgs);
    free(st.sender.name);
    free(st.sender.addr);
    free(st.sender.domain);
    return rc;
}

const regie_plugin regie_plugin_entry =
    REGIE_PLUGIN_INIT("mail-send", "1.0",
                      "letters by e-mail: .eml files in an outbox, or sent over SMTP once each",
                      params, mail_init, mail_run, mail_fini);
