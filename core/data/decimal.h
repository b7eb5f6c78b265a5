/* decimal.c: decimal numbers as text: parsing, half-up rounding, printing.
 * Not installed; every exported name carries the rg_ prefix. */
#ifndef REGIE_DECIMAL_H
#define REGIE_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

/* Half-up rounding exact for decimal inputs: the double's shortest decimal
 * representation is rounded, so 1.005 -> 1.01, 120.5 -> 121, 35.625 -> 35.63,
 * -2.5 -> -3 (half away from zero). */
double rg_round_half_up(double x, int decimals);
/* Round half-up and print with exactly `decimals` digits and `sep` as the
 * decimal separator.  Returns the length written or -1 if it did not fit. */
int rg_format_decimal(double x, int decimals, char sep, char *buf, size_t n);
/* Strict number parsing: optional sign, digits, optional fraction with `sep`
 * ('.' or ','), no thousands separators, no trailing garbage.  0 or -1. */
int rg_parse_decimal(const char *s, char sep, double *out);
/* The scanner of a decimal text that rg_parse_decimal and rg_rat_parse
 * share: leading blanks, a sign, integer digits, then - unless digits
 * were read and the next character is `stop` (rg_rat_parse's "num/den") -
 * `sep` (or '.' when sep is ',') and the fraction digits.  Returns 0, or
 * -1 for a separator with no digit after it; the fields are set either
 * way, `end` just after what was taken.  The caller decides what may
 * follow and whether there were digits at all. */
typedef struct rg_dec_scan {
    char sign; /* '+', '-' or 0 */
    const char *ip, *fp; /* integer and fraction digits */
    size_t ni, nf;
    int has_sep;
    const char *end;
} rg_dec_scan;
int rg_dec_scan_text(const char *s, char sep, char stop, rg_dec_scan *t);
/* p after trailing blanks (space, tab, CR). */
const char *rg_dec_skip_tail(const char *p);
int rg_parse_int(const char *s, int64_t *out);
/* Shortest text that reads back as the same double ("0.1", "120.5", "1e+100"). */
void rg_format_shortest(double x, char *buf, size_t n);

#endif /* REGIE_DECIMAL_H */
