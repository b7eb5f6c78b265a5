/* rational.c: exact rational numbers (points, prices).
 * Not installed; every exported name carries the rg_ prefix. */
#ifndef REGIE_RATIONAL_H
#define REGIE_RATIONAL_H

#include "decimal.h"
#include <stdint.h>

/* Exact rational numbers (points, prices): num/den reduced, den > 0, both
 * below 2^63 in magnitude.  Every operation is exact or refused with
 * RG_RAT_OVERFLOW; rounding is half-up (away from zero) on the exact value. */
typedef struct rg_rat {
    int64_t num;
    int64_t den;
} rg_rat;
enum { RG_RAT_OVERFLOW = -1, RG_RAT_DIVZERO = -2, RG_RAT_SYNTAX = -3 };
#define RG_RAT_MAX_DECIMALS 18
int rg_rat_make(int64_t num, int64_t den, rg_rat *out);
int rg_rat_add(rg_rat a, rg_rat b, rg_rat *out);
int rg_rat_sub(rg_rat a, rg_rat b, rg_rat *out);
int rg_rat_mul(rg_rat a, rg_rat b, rg_rat *out);
int rg_rat_div(rg_rat a, rg_rat b, rg_rat *out);
int rg_rat_cmp(rg_rat a, rg_rat b);
/* Rounded half-up to `decimals` (0..RG_RAT_MAX_DECIMALS). */
int rg_rat_round(rg_rat a, int decimals, rg_rat *out);
/* Rounded half-up and printed with exactly `decimals` digits after `sep`;
 * the length, or -1 when it does not fit. */
int rg_rat_format(rg_rat a, int decimals, char sep, char *buf, size_t n);
/* The exact value as text that rg_rat_parse reads back: "19.425" when it
 * is a terminating decimal, else "125/6".  The length or -1. */
int rg_rat_text(rg_rat a, char *buf, size_t n);
/* "-12.345" (decimal separator sep, or '.' when sep is ','), "1e-07",
 * "125/6"; surrounding blanks allowed, nothing else. */
int rg_rat_parse(const char *s, char sep, rg_rat *out);
/* The value of a double's shortest decimal text (0.1 -> 1/10, not the
 * binary fraction): what a decimal read from a file was written as. */
int rg_rat_from_double(double x, rg_rat *out);
/* The double nearest to a (correctly rounded). */
double rg_rat_to_double(rg_rat a);
const char *rg_rat_strerror(int rc);

#endif /* REGIE_RATIONAL_H */
