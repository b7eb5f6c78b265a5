/* sbuf.h - a growing byte buffer, always NUL-terminated, for the plugins
 * that include plugins/common (pdf, mail, the Markdown of letters).  The
 * plugins are built against regie.h only, so they do not use the core's
 * buffer; header-only, so that nothing of it is exported. */
#ifndef REGIE_PLUGIN_SBUF_H
#define REGIE_PLUGIN_SBUF_H

#include <stdlib.h>
#include <string.h>

typedef struct sbuf {
    char *p; /* NULL until the first byte; free(p) when done */
    size_t len, cap;
} sbuf;

/* Append n bytes of s; 0, or -1 when out of memory (b unchanged). */
static inline int sbuf_put(sbuf *b, const void *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        char *q = realloc(b->p, cap);
        if (!q) {
            return -1;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
    return 0;
}

static inline int sbuf_puts(sbuf *b, const char *s)
{
    return sbuf_put(b, s, strlen(s));
}

#endif
