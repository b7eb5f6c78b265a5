/* json.c - the little JSON regie writes and reads back: strings escaped as
 * JSON strings, and parsed from JSON text (log.jsonl of an evidence bundle). */
#include "json.h"

#include <stdlib.h>
#include <string.h>

static const char *nz(const char *s)
{
    return s ? s : "";
}

void rg_json_str(rg_buf *b, const char *s)
{
    rg_buf_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)nz(s); *p; p++) {
        switch (*p) {
        case '"':
            rg_buf_puts(b, "\\\"");
            break;
        case '\\':
            rg_buf_puts(b, "\\\\");
            break;
        case '\n':
            rg_buf_puts(b, "\\n");
            break;
        case '\r':
            rg_buf_puts(b, "\\r");
            break;
        case '\t':
            rg_buf_puts(b, "\\t");
            break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                rg_buf_printf(b, "\\u%04x", *p);
            } else {
                rg_buf_put(b, p, 1);
            }
        }
    }
    rg_buf_puts(b, "\"");
}

void rg_json_skip_ws(const char **p)
{
    while (**p == ' ' || **p == '\t' || **p == '\r') {
        (*p)++;
    }
}

static void put_utf8(rg_buf *b, unsigned long c)
{
    unsigned char u[4];
    size_t n;
    if (c < 0x80) {
        u[0] = (unsigned char)c;
        n = 1;
    } else if (c < 0x800) {
        u[0] = (unsigned char)(0xc0 | (c >> 6));
        u[1] = (unsigned char)(0x80 | (c & 0x3f));
        n = 2;
    } else if (c < 0x10000) {
        u[0] = (unsigned char)(0xe0 | (c >> 12));
        u[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
        u[2] = (unsigned char)(0x80 | (c & 0x3f));
        n = 3;
    } else {
        u[0] = (unsigned char)(0xf0 | (c >> 18));
        u[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
        u[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
        u[3] = (unsigned char)(0x80 | (c & 0x3f));
        n = 4;
    }
    rg_buf_put(b, u, n);
}

static int hex4(const char *p, unsigned long *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        int c = (unsigned char)p[i], d;
        if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            d = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            d = c - 'A' + 10;
        } else {
            return -1;
        }
        *v = *v * 16 + (unsigned long)d;
    }
    return 0;
}

/* Parse a JSON string at *p into a new C string; NULL if malformed. */
char *rg_json_parse_str(const char **p)
{
    if (**p != '"') {
        return NULL;
    }
    (*p)++;
    rg_buf b = { 0 };
    rg_buf_puts(&b, "");
    for (;;) {
        unsigned char c = (unsigned char)**p;
        if (c == '"') {
            (*p)++;
            return b.data;
        }
        if (c < 0x20) {
            break; /* NUL (end of line) or a raw control character */
        }
        if (c != '\\') {
            rg_buf_put(&b, *p, 1);
            (*p)++;
            continue;
        }
        (*p)++;
        char e = **p;
        (*p)++;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            rg_buf_put(&b, &e, 1);
            break;
        case 'b':
            rg_buf_puts(&b, "\b");
            break;
        case 'f':
            rg_buf_puts(&b, "\f");
            break;
        case 'n':
            rg_buf_puts(&b, "\n");
            break;
        case 'r':
            rg_buf_puts(&b, "\r");
            break;
        case 't':
            rg_buf_puts(&b, "\t");
            break;
        case 'u': {
            unsigned long v, lo;
            if (hex4(*p, &v) != 0) {
                goto bad;
            }
            *p += 4;
            if (v >= 0xd800 && v < 0xdc00 && (*p)[0] == '\\' && (*p)[1] == 'u' &&
                hex4(*p + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
                v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
                *p += 6;
            }
            if (v == 0) {
                goto bad;
            }
            put_utf8(&b, v);
            break;
        }
        default:
            goto bad;
        }
    }
bad:
    rg_buf_free(&b);
    return NULL;
}
