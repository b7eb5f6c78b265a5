/* rational.c - exact rational numbers for points and prices.
 *
 * A value is num/den with 64-bit integers, den > 0, reduced by their gcd.
 * Every operation is worked out in 128 bits and reduced before it is
 * stored, so it is exact or refused: a result that does not fit 64 bits
 * after reduction is RG_RAT_OVERFLOW, never a wrong number.  Magnitudes are
 * kept below 2^63 (INT64_MIN is refused) so that a sum of two 128-bit
 * products cannot overflow either.
 *
 * Rounding is half-up (half away from zero, as rg_round_half_up) on the
 * exact value: 175/300 × 33.3 = 19.425 rounds to 19.43, where the binary
 * product 19.424999... would give 19.42. */
#include "rational.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef __int128 i128;
typedef unsigned __int128 u128;

#define MAX64 ((i128)INT64_MAX)

static u128 gcd_u128(u128 a, u128 b)
{
    /* small values by far the most: gcd in 64 bits when both fit */
    while (b != 0 && (a >> 64 || b >> 64)) {
        u128 t = a % b;
        a = b;
        b = t;
    }
    uint64_t x = (uint64_t)a, y = (uint64_t)b;
    while (y != 0) {
        uint64_t t = x % y;
        x = y;
        y = t;
    }
    return x;
}

static u128 abs128(i128 v)
{
    return v < 0 ? (u128)0 - (u128)v : (u128)v;
}

/* num/den (den != 0) reduced into *out, or RG_RAT_OVERFLOW. */
static int reduce(i128 num, i128 den, rg_rat *out)
{
    if (den == 0) {
        return RG_RAT_DIVZERO;
    }
    if (den < 0) {
        num = -num;
        den = -den;
    }
    if (num == 0) {
        out->num = 0;
        out->den = 1;
        return 0;
    }
    u128 g = gcd_u128(abs128(num), (u128)den);
    if (g > 1) {
        num /= (i128)g;
        den /= (i128)g;
    }
    if (num > MAX64 || num < -MAX64 || den > MAX64) {
        return RG_RAT_OVERFLOW;
    }
    out->num = (int64_t)num;
    out->den = (int64_t)den;
    return 0;
}

int rg_rat_make(int64_t num, int64_t den, rg_rat *out)
{
    if (num == INT64_MIN || den == INT64_MIN) {
        return RG_RAT_OVERFLOW;
    }
    return reduce(num, den, out);
}

int rg_rat_add(rg_rat a, rg_rat b, rg_rat *out)
{
    if (a.den == b.den) {
        return reduce((i128)a.num + b.num, a.den, out);
    }
    return reduce((i128)a.num * b.den + (i128)b.num * a.den, (i128)a.den * b.den, out);
}

int rg_rat_sub(rg_rat a, rg_rat b, rg_rat *out)
{
    b.num = -b.num;
    return rg_rat_add(a, b, out);
}

int rg_rat_mul(rg_rat a, rg_rat b, rg_rat *out)
{
    return reduce((i128)a.num * b.num, (i128)a.den * b.den, out);
}

int rg_rat_div(rg_rat a, rg_rat b, rg_rat *out)
{
    if (b.num == 0) {
        return RG_RAT_DIVZERO;
    }
    return reduce((i128)a.num * b.den, (i128)a.den * b.num, out);
}

int rg_rat_cmp(rg_rat a, rg_rat b)
{
    i128 l = (i128)a.num * b.den, r = (i128)b.num * a.den;
    return l < r ? -1 : l > r;
}

static const int64_t POW10[] = { 1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL,
                                 10000000LL, 100000000LL, 1000000000LL, 10000000000LL,
                                 100000000000LL, 1000000000000LL, 10000000000000LL,
                                 100000000000000LL, 1000000000000000LL, 10000000000000000LL,
                                 100000000000000000LL, 1000000000000000000LL };

/* a × 10^decimals rounded half away from zero, as an integer (128 bits). */
static int scaled_round(rg_rat a, int decimals, i128 *k)
{
    if (decimals < 0 || decimals > RG_RAT_MAX_DECIMALS) {
        return RG_RAT_OVERFLOW;
    }
    u128 n = abs128(a.num) * (u128)POW10[decimals]; /* < 2^63 × 2^60 */
    u128 d = (u128)a.den;
    u128 q = n / d, r = n % d;
    if (r >= d - r) { /* r/d >= 1/2 */
        q++;
    }
    *k = a.num < 0 ? -(i128)q : (i128)q;
    return 0;
}

int rg_rat_round(rg_rat a, int decimals, rg_rat *out)
{
    i128 k;
    int rc = scaled_round(a, decimals, &k);
    if (rc != 0) {
        return rc;
    }
    return reduce(k, POW10[decimals], out);
}

/* The decimal digits of v (v >= 0) into buf, most significant first. */
static size_t u128_digits(u128 v, char *buf)
{
    char tmp[48];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++) {
        buf[i] = tmp[n - 1 - i];
    }
    return n;
}

/* k / 10^decimals as text: "-12.50" (sep as the decimal separator). */
static int print_scaled(i128 k, int decimals, char sep, char *buf, size_t n)
{
    char d[48];
    size_t nd = u128_digits(abs128(k), d);
    char out[96];
    size_t o = 0;
    if (k < 0) {
        out[o++] = '-';
    }
    if ((int)nd <= decimals) { /* 0.00ddd */
        out[o++] = '0';
        if (decimals > 0) {
            out[o++] = sep;
            for (int i = 0; i < decimals - (int)nd; i++) {
                out[o++] = '0';
            }
            memcpy(out + o, d, nd);
            o += nd;
        }
    } else {
        size_t ip = nd - (size_t)decimals;
        memcpy(out + o, d, ip);
        o += ip;
        if (decimals > 0) {
            out[o++] = sep;
            memcpy(out + o, d + ip, (size_t)decimals);
            o += (size_t)decimals;
        }
    }
    if (o + 1 > n) {
        return -1;
    }
    memcpy(buf, out, o);
    buf[o] = 0;
    return (int)o;
}

int rg_rat_format(rg_rat a, int decimals, char sep, char *buf, size_t n)
{
    i128 k;
    if (scaled_round(a, decimals, &k) != 0) {
        return -1;
    }
    /* -0.004 rounds to 0.00, not -0.00 */
    return print_scaled(k, decimals, sep, buf, n);
}

int rg_rat_text(rg_rat a, char *buf, size_t n)
{
    /* a terminating decimal when the denominator is 2^i 5^j and the digits
     * fit; otherwise the fraction "num/den" (which rg_rat_parse reads) */
    int64_t d = a.den;
    int twos = 0, fives = 0;
    while (d % 2 == 0) {
        d /= 2;
        twos++;
    }
    while (d % 5 == 0) {
        d /= 5;
        fives++;
    }
    int decimals = twos > fives ? twos : fives;
    if (d == 1 && decimals <= RG_RAT_MAX_DECIMALS) {
        i128 k = (i128)a.num * (POW10[decimals] / a.den);
        return print_scaled(k, decimals, '.', buf, n);
    }
    int w = snprintf(buf, n, "%lld/%lld", (long long)a.num, (long long)a.den);
    return w >= 0 && (size_t)w < n ? w : -1;
}

double rg_rat_to_double(rg_rat a)
{
    const int64_t exact = (int64_t)1 << 53;
    if (a.num <= exact && a.num >= -exact && a.den <= exact) {
        /* both exact: IEEE division rounds the quotient correctly */
        return (double)a.num / (double)a.den;
    }
    /* 40 significant digits and a sticky digit for the rest: strtod
     * rounds that correctly */
    char buf[128];
    size_t o = 0;
    if (a.num < 0) {
        buf[o++] = '-';
    }
    u128 n = abs128(a.num), d = (u128)a.den;
    o += u128_digits(n / d, buf + o);
    u128 r = n % d;
    buf[o++] = '.';
    for (int i = 0; i < 40; i++) {
        r *= 10;
        buf[o++] = (char)('0' + (int)(r / d));
        r %= d;
    }
    if (r != 0) {
        buf[o++] = '1';
    }
    buf[o] = 0;
    return strtod(buf, NULL);
}

/* Digits of a decimal into *acc (acc = acc*10 + digit), counting them;
 * RG_RAT_OVERFLOW past 10^36. */
static int add_digit(i128 *acc, int digit)
{
    if (*acc > (i128)1000000000000000000 * 100000000000000000) { /* 10^35 */
        return RG_RAT_OVERFLOW;
    }
    *acc = *acc * 10 + digit;
    return 0;
}

int rg_rat_parse(const char *s, char sep, rg_rat *out)
{
    rg_dec_scan t;
    if (!s) {
        return RG_RAT_SYNTAX;
    }
    int bad_sep = rg_dec_scan_text(s, sep, '/', &t) != 0;
    int neg = t.sign == '-';
    i128 num = 0, den = 1;
    int rc = 0;
    for (size_t i = 0; i < t.ni; i++) {
        if ((rc = add_digit(&num, t.ip[i] - '0')) != 0) {
            return rc;
        }
    }
    if (bad_sep) {
        return RG_RAT_SYNTAX;
    }
    const char *p = t.end;
    if (t.ni && !t.has_sep && *p == '/') {
        /* a fraction as rg_rat_text writes it: num/den */
        p++;
        i128 d = 0;
        int dd = 0;
        while (*p >= '0' && *p <= '9') {
            if ((rc = add_digit(&d, *p - '0')) != 0) {
                return rc;
            }
            p++;
            dd++;
        }
        p = rg_dec_skip_tail(p);
        if (!dd || *p) {
            return RG_RAT_SYNTAX;
        }
        if (d == 0) {
            return RG_RAT_DIVZERO;
        }
        return reduce(neg ? -num : num, d, out);
    }
    for (size_t i = 0; i < t.nf; i++) {
        if ((rc = add_digit(&num, t.fp[i] - '0')) != 0) {
            return rc;
        }
    }
    int scale = (int)t.nf;
    if (!(t.ni + t.nf)) {
        return RG_RAT_SYNTAX;
    }
    if (*p == 'e' || *p == 'E') {
        /* the exponent of a shortest text: 1e-07, 1.5e+20 */
        p++;
        int eneg = 0;
        if (*p == '+' || *p == '-') {
            eneg = *p == '-';
            p++;
        }
        int e = 0, ed = 0;
        while (*p >= '0' && *p <= '9' && e < 1000) {
            e = e * 10 + (*p - '0');
            p++;
            ed++;
        }
        if (!ed) {
            return RG_RAT_SYNTAX;
        }
        scale += eneg ? e : -e;
    }
    if (*rg_dec_skip_tail(p)) {
        return RG_RAT_SYNTAX;
    }
    if (num == 0) {
        out->num = 0;
        out->den = 1;
        return 0;
    }
    /* num × 10^-scale; 10^36 is the most either side may take */
    for (; scale < 0; scale++) {
        if (num > (i128)1000000000000000000 * 100000000000000000) {
            return RG_RAT_OVERFLOW;
        }
        num *= 10;
    }
    for (; scale > 0; scale--) {
        if (den > (i128)1000000000000000000 * 100000000000000000) {
            return RG_RAT_OVERFLOW;
        }
        den *= 10;
    }
    return reduce(neg ? -num : num, den, out);
}

int rg_rat_from_double(double x, rg_rat *out)
{
    if (!isfinite(x)) {
        return RG_RAT_SYNTAX;
    }
    char buf[64];
    rg_format_shortest(x, buf, sizeof buf);
    return rg_rat_parse(buf, '.', out);
}

const char *rg_rat_strerror(int rc)
{
    switch (rc) {
    case RG_RAT_OVERFLOW: return "the exact value does not fit 64-bit numerator and denominator";
    case RG_RAT_DIVZERO: return "division by zero";
    case RG_RAT_SYNTAX: return "not a decimal number";
    default: return "error";
    }
}
