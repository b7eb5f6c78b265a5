/* decimal.c - half-up rounding that is exact for decimal inputs, strict
 * number parsing and shortest round-trip formatting.  Rounding works on the
 * shortest decimal text of the double, never through printf (which rounds
 * binary ties to even: "%.0f" of 120.5 gives 120). */
#include "decimal.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int decimal_digits(double x, char *digits, size_t n, int *exp10);

void rg_format_shortest(double x, char *buf, size_t n)
{
    if (x == 0) {
        snprintf(buf, n, "0");
        return;
    }
    double ax = fabs(x);
    if (ax >= 1e-6 && ax < 1e16 && n >= 48) {
        /* plain notation, as spreadsheets and people expect: 300, 0.5 */
        char d[32];
        int e = 0, nd = decimal_digits(ax, d, sizeof d, &e);
        if (nd - e > 17) {
            goto general; /* more than 17 decimals: 1.2345e-06 */
        }
        char *o = buf;
        if (x < 0) {
            *o++ = '-';
        }
        if (e <= 0) {
            *o++ = '0';
            *o++ = '.';
            for (int i = 0; i < -e; i++) {
                *o++ = '0';
            }
            memcpy(o, d, (size_t)nd);
            o += nd;
        } else if (nd <= e) {
            memcpy(o, d, (size_t)nd);
            o += nd;
            for (int i = nd; i < e; i++) {
                *o++ = '0';
            }
        } else {
            memcpy(o, d, (size_t)e);
            o += e;
            *o++ = '.';
            memcpy(o, d + e, (size_t)(nd - e));
            o += nd - e;
        }
        *o = 0;
        return;
    }
general:
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, n, "%.*g", p, x);
        if (strtod(buf, NULL) == x) {
            return;
        }
    }
}

/* Digits and exponent of |x|: value = 0.d1d2d3... * 10^exp10, the digits
 * of the shortest decimal that reads back as x.  Any decimal of up to 15
 * significant digits survives decimal -> double -> decimal (DBL_DIG), so
 * when x printed with 15 digits reads back as x, those digits without their
 * trailing zeros are the shortest; otherwise 16, then 17 (always enough). */
static int decimal_digits(double x, char *digits, size_t n, int *exp10)
{
    char tmp[64];
    for (int p = 15; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, x);
        if (p == 17 || strtod(tmp, NULL) == x) {
            break;
        }
    }
    /* tmp = d.ddddde[+-]XX */
    size_t k = 0;
    const char *s = tmp;
    while (*s && *s != 'e' && k + 1 < n) {
        if (*s >= '0' && *s <= '9') {
            digits[k++] = *s;
        }
        s++;
    }
    while (k > 1 && digits[k - 1] == '0') {
        k--;
    }
    digits[k] = 0;
    while (*s && *s != 'e') {
        s++;
    }
    int e = *s ? atoi(s + 1) : 0;
    *exp10 = e + 1;
    return (int)k;
}

/* The fast path of rounding: x * 10^decimals, when its fraction is far
 * enough from one half that the floating-point product cannot be on the
 * other side of it than the exact decimal.  k is the rounded number of
 * units of 10^-decimals (half away from zero); 0 when the slow, exact path
 * must decide. */
static const double POW10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
                                1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };

static int round_fast(double x, int decimals, int64_t *k)
{
    if (decimals < 0 || decimals > 15) {
        return 0;
    }
    double y = fabs(x) * POW10[decimals];
    if (!(y < 1e9)) {
        return 0;
    }
    double f = floor(y);
    double frac = y - f;
    if (fabs(frac - 0.5) < 1e-6) {
        return 0;
    }
    int64_t u = (int64_t)f + (frac > 0.5);
    *k = x < 0 ? -u : u;
    return 1;
}

double rg_round_half_up(double x, int decimals)
{
    int64_t k;
    if (isfinite(x) && round_fast(x, decimals, &k)) {
        /* both exact, so the quotient is the double nearest k / 10^d:
         * what strtod makes of the rounded decimal text */
        return (double)k / POW10[decimals];
    }
    if (!isfinite(x) || decimals > 15) {
        return x;
    }
    char buf[64];
    if (rg_format_decimal(x, decimals, '.', buf, sizeof buf) < 0) {
        return x;
    }
    return strtod(buf, NULL);
}

int rg_format_decimal(double x, int decimals, char sep, char *buf, size_t n)
{
    if (decimals < 0) {
        decimals = 0;
    }
    if (!isfinite(x)) {
        int w = snprintf(buf, n, "%s", isnan(x) ? "nan" : x < 0 ? "-inf" : "inf");
        return (size_t)w < n ? w : -1;
    }
    int64_t k;
    if (round_fast(x, decimals, &k)) {
        int64_t u = k < 0 ? -k : k;
        int64_t p = (int64_t)POW10[decimals];
        int w;
        if (decimals == 0) {
            w = snprintf(buf, n, "%s%lld", k < 0 ? "-" : "", (long long)u);
        } else {
            w = snprintf(buf, n, "%s%lld%c%0*lld", k < 0 ? "-" : "", (long long)(u / p), sep, decimals,
                         (long long)(u % p));
        }
        return w >= 0 && (size_t)w < n ? w : -1;
    }
    int neg = x < 0;
    double ax = fabs(x);
    /* integer digits array: digits of ax as [intpart].[frac] */
    char d[32];
    int e = 0, nd = ax == 0 ? 0 : decimal_digits(ax, d, sizeof d, &e);
    /* position p (0-based among digits) that is the last kept digit:
     * kept digits are those with index < e + decimals */
    int keep = e + decimals;
    /* build a digit vector covering integer part and decimals */
    int intlen = e > 0 ? e : 0;
    int total = intlen + decimals;
    char *out = rg_xcalloc((size_t)total + 2, 1);
    /* out[0] is a carry slot */
    for (int i = 0; i < total; i++) {
        /* digit at place i of (intlen digits . decimals digits) corresponds to
         * index j in d where j = i - intlen + e */
        int j = i - intlen + e;
        out[i + 1] = (j >= 0 && j < nd) ? d[j] : '0';
    }
    out[0] = '0';
    int round_up = keep >= 0 && keep < nd && d[keep] >= '5';
    if (keep < 0) {
        round_up = 0;
    }
    if (round_up) {
        int i = total;
        while (i >= 0) {
            if (out[i] == '9') {
                out[i] = '0';
                i--;
            } else {
                out[i]++;
                break;
            }
        }
    }
    /* assemble */
    rg_buf b = { 0 };
    int all_zero = 1;
    for (int i = 0; i <= total; i++) {
        all_zero &= out[i] == '0';
    }
    if (neg && !all_zero) {
        rg_buf_puts(&b, "-");
    }
    /* integer part: out[0 .. intlen], without leading zeros */
    int s = 0;
    while (s < intlen && out[s] == '0') {
        s++;
    }
    if (s == intlen && out[intlen] == '0') {
        rg_buf_puts(&b, "0");
    } else {
        rg_buf_put(&b, out + s, (size_t)(intlen + 1 - s));
    }
    if (decimals > 0) {
        rg_buf_put(&b, &sep, 1);
        rg_buf_put(&b, out + intlen + 1, (size_t)decimals);
    }
    free(out);
    int w = -1;
    if (b.len < n) {
        memcpy(buf, b.data, b.len + 1);
        w = (int)b.len;
    }
    rg_buf_free(&b);
    return w;
}

int rg_dec_scan_text(const char *s, char sep, char stop, rg_dec_scan *t)
{
    memset(t, 0, sizeof *t);
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    const char *p = s;
    if (*p == '+' || *p == '-') {
        t->sign = *p++;
    }
    t->ip = p;
    while (*p >= '0' && *p <= '9') {
        p++;
    }
    t->ni = (size_t)(p - t->ip);
    t->fp = p;
    if (*p && !(t->ni && stop && *p == stop) && (*p == sep || (sep == ',' && *p == '.'))) {
        t->has_sep = 1;
        t->fp = ++p;
        while (*p >= '0' && *p <= '9') {
            p++;
        }
        t->nf = (size_t)(p - t->fp);
    }
    t->end = p;
    return t->has_sep && !t->nf ? -1 : 0;
}

const char *rg_dec_skip_tail(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r') {
        p++;
    }
    return p;
}

/* strtod on the digits as scanned; a text of more than DECIMAL_TEXT_MAX
 * characters (sign, digits, '.') is refused. */
#define DECIMAL_TEXT_MAX 126

int rg_parse_decimal(const char *s, char sep, double *out)
{
    rg_dec_scan t;
    if (!s || rg_dec_scan_text(s, sep, 0, &t) != 0 || !(t.ni + t.nf) || *rg_dec_skip_tail(t.end)) {
        return -1;
    }
    size_t len = (t.sign != 0) + t.ni + (t.has_sep ? 1 + t.nf : 0);
    if (len > DECIMAL_TEXT_MAX) {
        return -1;
    }
    char buf[DECIMAL_TEXT_MAX + 1];
    size_t k = 0;
    if (t.sign) {
        buf[k++] = t.sign;
    }
    memcpy(buf + k, t.ip, t.ni);
    k += t.ni;
    if (t.has_sep) {
        buf[k++] = '.';
        memcpy(buf + k, t.fp, t.nf);
        k += t.nf;
    }
    buf[k] = 0;
    *out = strtod(buf, NULL);
    return 0;
}

int rg_parse_int(const char *s, int64_t *out)
{
    if (!s) {
        return -1;
    }
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    const char *p = s;
    int neg = 0;
    if (*p == '+' || *p == '-') {
        neg = *p == '-';
        p++;
    }
    if (!(*p >= '0' && *p <= '9')) {
        return -1;
    }
    uint64_t v = 0;
    while (*p >= '0' && *p <= '9') {
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return -1;
        }
        v = v * 10 + d;
        p++;
    }
    while (*p == ' ' || *p == '\t' || *p == '\r') {
        p++;
    }
    if (*p) {
        return -1;
    }
    if (!neg && v > (uint64_t)INT64_MAX) {
        return -1;
    }
    if (neg && v > (uint64_t)INT64_MAX + 1) {
        return -1;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}
