/* html.c - the one escaping function of the console's pages, and the
 * printf that uses it for every value. */
#include "serve.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void rg_html_escape(rg_buf *b, const char *s)
{
    if (!s) {
        return;
    }
    const char *run = s;
    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        rg_buf_put(b, run, (size_t)(s - run));
        rg_buf_puts(b, rep);
        run = s + 1;
    }
    rg_buf_put(b, run, (size_t)(s - run));
}

static void url_encode(rg_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            rg_buf_put(b, s, 1);
        } else {
            char e[3] = { '%', hex[c >> 4], hex[c & 15] };
            rg_buf_put(b, e, 3);
        }
    }
}

void rg_html(rg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *run = fmt;
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            continue;
        }
        rg_buf_put(b, run, (size_t)(p - run));
        char num[32];
        switch (p[1]) {
        case 's': rg_html_escape(b, va_arg(ap, const char *)); break;
        case 'S': {
            const char *raw = va_arg(ap, const char *);
            rg_buf_puts(b, raw ? raw : "");
            break;
        }
        case 'u': url_encode(b, va_arg(ap, const char *)); break;
        case 'd':
            snprintf(num, sizeof num, "%d", va_arg(ap, int));
            rg_buf_puts(b, num);
            break;
        case 'D':
            snprintf(num, sizeof num, "%lld", (long long)va_arg(ap, int64_t));
            rg_buf_puts(b, num);
            break;
        case '%': rg_buf_put(b, "%", 1); break;
        default: rg_buf_put(b, p, p[1] ? 2 : 1); break;
        }
        if (!p[1]) {
            run = p + 1;
            break;
        }
        p++;
        run = p + 1;
    }
    rg_buf_puts(b, run);
    va_end(ap);
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

void rg_url_decode(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '+') {
            *w++ = ' ';
        } else if (*r == '%' && hexval(r[1]) >= 0 && hexval(r[2]) >= 0) {
            *w++ = (char)(hexval(r[1]) * 16 + hexval(r[2]));
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}
