/* Exact points: rg_rat (rational.c), regie.decimal (api_decimal.c) and
 * the tender workflow's criterion formula (scripts/tender/lib.lua), the
 * last against rational arithmetic done here, independently, on random
 * cases (a fixed seed; `make fuzz` runs it for REGIE_FUZZ_SECONDS with
 * REGIE_FUZZ_SEED, see t_exact_points_property). */
#include "rational.h"
#include "lua_api.h"
#include "util.h"
#include "testutil.h"

#include <check.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- rg_rat ---- */

static rg_rat R(const char *s)
{
    rg_rat r;
    int rc = rg_rat_parse(s, '.', &r);
    ck_assert_msg(rc == 0, "parse \"%s\": %d", s, rc);
    return r;
}

static void text_eq(rg_rat r, const char *want)
{
    char buf[96];
    ck_assert_int_ge(rg_rat_text(r, buf, sizeof buf), 0);
    ck_assert_msg(strcmp(buf, want) == 0, "got %s, want %s", buf, want);
}

static void fmt_eq(rg_rat r, int d, const char *want)
{
    char buf[96];
    ck_assert_int_ge(rg_rat_format(r, d, '.', buf, sizeof buf), 0);
    ck_assert_msg(strcmp(buf, want) == 0, "%lld/%lld to %d: got %s, want %s", (long long)r.num,
                  (long long)r.den, d, buf, want);
}

START_TEST(rat_arithmetic_and_text)
{
    rg_rat a, b;
    /* the case: 175/300 × 33.3 */
    ck_assert_int_eq(rg_rat_make(175, 300, &a), 0);
    ck_assert_int_eq(rg_rat_mul(a, R("33.3"), &b), 0);
    text_eq(b, "19.425");
    fmt_eq(b, 2, "19.43");
    fmt_eq(b, 3, "19.425");
    ck_assert_int_eq(rg_rat_round(b, 2, &a), 0);
    text_eq(a, "19.43");
    /* 0.1 + 0.2 is 0.3 */
    ck_assert_int_eq(rg_rat_add(R("0.1"), R("0.2"), &a), 0);
    ck_assert_int_eq(rg_rat_cmp(a, R("0.3")), 0);
    /* a mean that does not terminate: text as a fraction, read back */
    ck_assert_int_eq(rg_rat_div(R("250"), R("12"), &a), 0);
    text_eq(a, "125/6");
    ck_assert_int_eq(rg_rat_cmp(R("125/6"), a), 0);
    fmt_eq(a, 4, "20.8333");
    fmt_eq(a, 2, "20.83");
    /* half-up is away from zero; -0.004 is 0.00, not -0.00 */
    fmt_eq(R("-2.5"), 0, "-3");
    fmt_eq(R("-0.004"), 2, "0.00");
    fmt_eq(R("-0.005"), 2, "-0.01");
    fmt_eq(R("35.625"), 2, "35.63");
    fmt_eq(R("120.5"), 0, "121");
    fmt_eq(R("0"), 2, "0.00");
    fmt_eq(R("7"), 0, "7");
    text_eq(R("-12.50"), "-12.5");
    text_eq(R("1e-07"), "0.0000001");
    text_eq(R("1.5e+3"), "1500");
    ck_assert_int_eq(rg_rat_sub(R("1"), R("3/2"), &a), 0);
    text_eq(a, "-0.5");
    ck_assert_int_lt(rg_rat_cmp(a, R("0")), 0);
    /* decimal comma only with sep ',' */
    ck_assert_int_eq(rg_rat_parse("12,5", ',', &a), 0);
    text_eq(a, "12.5");
    ck_assert_int_eq(rg_rat_parse("12,5", '.', &a), RG_RAT_SYNTAX);
    static const char *const bad[] = { "", "-", "5.", "1/0", "1/", "abc", "1.2.3", "1e", "0x10",
                                       "1 2", NULL };
    for (int i = 0; bad[i]; i++) {
        ck_assert_msg(rg_rat_parse(bad[i], '.', &a) != 0, "\"%s\" accepted", bad[i]);
    }
    /* from the shortest text of a double, not its binary fraction */
    ck_assert_int_eq(rg_rat_from_double(33.3, &a), 0);
    ck_assert(a.num == 333 && a.den == 10);
    ck_assert_int_eq(rg_rat_from_double(0.1, &a), 0);
    ck_assert(a.num == 1 && a.den == 10);
    ck_assert_double_eq(rg_rat_to_double(R("19.425")), 19.425);
    ck_assert_double_eq(rg_rat_to_double(R("125/6")), 125.0 / 6);
}
END_TEST

START_TEST(rat_overflow_and_division_refused)
{
    rg_rat a, big, r;
    ck_assert_int_eq(rg_rat_make(INT64_MAX, 1, &big), 0);
    ck_assert_int_eq(rg_rat_add(big, R("1"), &r), RG_RAT_OVERFLOW);
    ck_assert_int_eq(rg_rat_mul(big, R("2"), &r), RG_RAT_OVERFLOW);
    ck_assert_int_eq(rg_rat_make(INT64_MIN, 1, &r), RG_RAT_OVERFLOW);
    ck_assert_int_eq(rg_rat_div(R("1"), R("0"), &r), RG_RAT_DIVZERO);
    ck_assert_int_eq(rg_rat_make(1, 0, &r), RG_RAT_DIVZERO);
    ck_assert_int_eq(rg_rat_parse("1/0", '.', &r), RG_RAT_DIVZERO);
    ck_assert_int_eq(rg_rat_parse("123456789012345678901234567890", '.', &r), RG_RAT_OVERFLOW);
    /* what reduces back into range is fine: (2^62 × 4) / 8 */
    ck_assert_int_eq(rg_rat_make((int64_t)1 << 62, 1, &a), 0);
    ck_assert_int_eq(rg_rat_mul(a, R("4/8"), &r), 0);
    ck_assert(r.num == (int64_t)1 << 61 && r.den == 1);
    /* denominators of coprime primes multiply until they do not fit */
    ck_assert_int_eq(rg_rat_make(1, 1000000007, &a), 0);
    ck_assert_int_eq(rg_rat_add(a, R("1/998244353"), &r), 0);
    ck_assert_int_eq(rg_rat_add(r, R("1/1000000009"), &a), RG_RAT_OVERFLOW);
    ck_assert_str_eq(rg_rat_strerror(RG_RAT_OVERFLOW),
                     "the exact value does not fit 64-bit numerator and denominator");
    /* the largest values still print */
    char buf[96];
    ck_assert_int_eq(rg_rat_make(INT64_MAX, 3, &a), 0);
    ck_assert_int_ge(rg_rat_format(a, 18, '.', buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "3074457345618258602.333333333333333333");
    ck_assert_int_ge(rg_rat_text(a, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "9223372036854775807/3");
    /* round past 18 decimals is refused, not undefined */
    ck_assert_int_eq(rg_rat_round(a, 19, &r), RG_RAT_OVERFLOW);
}
END_TEST

/* ---- regie.decimal and the tender library, in a plain Lua state ---- */

static lua_State *lua_with_tender(void)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    rg_lua_open_regie(L);
    lua_pop(L, 1);
    char *scripts = t_src("scripts");
    lua_getglobal(L, "package");
    lua_pushfstring(L, "%s/?.lua", scripts);
    lua_setfield(L, -2, "path");
    lua_pop(L, 1);
    free(scripts);
    return L;
}

/* Run chunk; its result (a string) or the error text, in a static buffer. */
static const char *lua_eval(lua_State *L, const char *chunk)
{
    static char out[1024];
    if (luaL_loadstring(L, chunk) != 0 || lua_pcall(L, 0, 1, 0) != 0) {
        snprintf(out, sizeof out, "ERROR %s", lua_tostring(L, -1));
    } else {
        snprintf(out, sizeof out, "%s", luaL_tolstring(L, -1, NULL));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return out;
}

#define LUA_EQ(L, chunk, want)                                                                     \
    do {                                                                                           \
        const char *got_ = lua_eval((L), (chunk));                                                 \
        ck_assert_msg(strcmp(got_, (want)) == 0, "%s\n  got:  %s\n  want: %s", (chunk), got_,      \
                      (want));                                                                     \
    } while (0)
#define LUA_ERR(L, chunk, part)                                                                    \
    do {                                                                                           \
        const char *got_ = lua_eval((L), (chunk));                                                 \
        ck_assert_msg(strncmp(got_, "ERROR", 5) == 0 && strstr(got_, (part)) != NULL,              \
                      "%s\n  got: %s\n  want an error with: %s", (chunk), got_, (part));           \
    } while (0)

START_TEST(lua_decimal_api)
{
    lua_State *L = lua_with_tender();
    LUA_EQ(L, "local D = regie.decimal return tostring(D('33.3') * 175 / 300)", "19.425");
    LUA_EQ(L, "local D = regie.decimal return (D('33.3') * 175 / 300):round(2):text()", "19.43");
    LUA_EQ(L, "local D = regie.decimal return (D('33.3') * 175 / 300):format(2, ',')", "19,43");
    LUA_EQ(L, "local D = regie.decimal return D('0.1') + D('0.2') == D('0.3')", "true");
    LUA_EQ(L, "local D = regie.decimal return tostring(D(250) / 12)", "125/6");
    LUA_EQ(L, "local D = regie.decimal return tostring(D(D(250) / 12 .. ''))", "125/6");
    LUA_EQ(L, "local D = regie.decimal return D('12,5', ','):text()", "12.5");
    LUA_EQ(L, "local D = regie.decimal return D(1) < 2 and D('-0.5') <= 0 and 3 > D(2)", "true");
    LUA_EQ(L, "local D = regie.decimal return D(0):cmp(0) == 0 and D(0) ~= 0", "true");
    LUA_EQ(L, "local D = regie.decimal return tostring(-D('1.5'))", "-1.5");
    LUA_EQ(L, "local D = regie.decimal return D('-1.5'):abs():text()", "1.5");
    LUA_EQ(L, "local D = regie.decimal return select(2, D('0.75'):parts())", "4");
    LUA_EQ(L, "local D = regie.decimal return D('19.425'):tonumber() == 19.425", "true");
    LUA_EQ(L, "local D = regie.decimal return math.type(D(3):tonumber())", "float");
    LUA_EQ(L, "local D = regie.decimal return tostring(D.from_number(33.3))", "33.3");
    LUA_EQ(L, "local D = regie.decimal return tostring(D.mean({ 75, '25', D(75) }))", "175/3");
    LUA_EQ(L, "local D = regie.decimal return tostring(D.median({ 100, 0, 75, 50 }))", "62.5");
    LUA_EQ(L, "local D = regie.decimal return tostring(D.sum({ '0.1', '0.2' }))", "0.3");
    LUA_EQ(L, "local D = regie.decimal return D.mean({}) == nil", "true");
    LUA_EQ(L, "local D = regie.decimal return D.is(D(1)) and not D.is(1)", "true");
    LUA_EQ(L, "local D = regie.decimal return D.parse('x') == nil", "true");
    LUA_EQ(L, "local D = regie.decimal return 'x' .. D('0.50')", "x0.5");
    /* floating point does not come back in by accident */
    LUA_ERR(L, "local D = regie.decimal return D('1') * 0.5",
            "0.5 is a floating-point number; give the decimal as text or an integer, or convert "
            "it on purpose with regie.decimal.from_number(x)");
    LUA_ERR(L, "local D = regie.decimal return D(0.1)", "floating-point");
    LUA_ERR(L, "local D = regie.decimal return D(1) / 0", "division by zero");
    LUA_ERR(L, "local D = regie.decimal return D('9223372036854775807') + 1",
            "does not fit 64-bit numerator and denominator");
    LUA_ERR(L, "local D = regie.decimal return D('1,5')", "not a decimal number");
    LUA_ERR(L, "local D = regie.decimal return D(1) < {}", "expected a decimal");
    LUA_ERR(L, "local D = regie.decimal return D(1):round(19)", "decimals from 0 to 18");
    /* a list's length is its own: a lying __len is refused, not trusted */
    for (int f = 0; f < 3; f++) {
        static const char *const fn[] = { "median", "mean", "sum" };
        static const char *const len[] = { "1 << 60", "-1", "(1 << 62) + 3" };
        for (int k = 0; k < 3; k++) {
            char code[512];
            snprintf(code, sizeof code,
                     "local D = regie.decimal return D.%s(setmetatable({}, { __len = function() "
                     "return %s end, __index = function(_, i) return D(i) end }))",
                     fn[f], len[k]);
            LUA_ERR(L, code, "__len says");
        }
    }
    LUA_ERR(L, "local D = regie.decimal return D.median(setmetatable({ 1, 2 }, { __len = function() "
               "return 3 end }))", "give a plain list");
    LUA_EQ(L, "local D = regie.decimal return tostring(D.median(setmetatable({ 1, 2, 4 }, "
              "{ __len = function(t) return rawlen(t) end })))", "2");
    /* the tender library rounds and formats decimals exactly */
    LUA_EQ(L, "local L = require 'tender.lib' return L.fmt(L.D('19.425'), 2) .. ' ' .. "
              "L.nl(L.D('35.625'), 2) .. ' ' .. L.fmt(L.round(L.D('120.5'), 0), 0)",
           "19.43 35,63 121");
    LUA_EQ(L, "local L = require 'tender.lib' return tostring(L.exact_field({ points = 1/3, "
              "points_exact = '1/3' }, 'points'))", "1/3");
    lua_close(L);
}
END_TEST

/* ---- the property: the workflow's points against rational arithmetic ----
 * A case: 1-4 criteria, each worth w/10 or w/100 points (one or two
 * decimals), 1-7 evaluators giving levels on the scale (0,25,...,100 or
 * 0,12.5,...,100), aggregation mean.  The tender library computes each
 * criterion's points (L.criterion_points, as quality.lua calls it, from
 * the numbers a CSV reader gives), their sum Q, and Q' = Q × W_Q / Q_max;
 * this file computes the same with its own fractions of 128-bit integers
 * and its own half-up rounding. */

typedef struct {
    __int128 n, d;
} frac;

static __int128 gcd128(__int128 a, __int128 b)
{
    if (a < 0) {
        a = -a;
    }
    while (b != 0) {
        __int128 t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static frac fr(__int128 n, __int128 d)
{
    __int128 g = gcd128(n, d);
    if (g > 1) {
        n /= g;
        d /= g;
    }
    return (frac){ n, d };
}

static frac fr_add(frac a, frac b)
{
    return fr(a.n * b.d + b.n * a.d, a.d * b.d);
}

/* "num/den|rounded" of a fraction (non-negative), rounded half-up. */
static void fr_text(frac a, int decimals, char *buf, size_t n)
{
    __int128 p = 1;
    for (int i = 0; i < decimals; i++) {
        p *= 10;
    }
    __int128 k = a.n * p / a.d, r = a.n * p % a.d;
    if (2 * r >= a.d) {
        k++;
    }
    long long ip = (long long)(k / p), fp = (long long)(k % p);
    if (decimals == 0) {
        snprintf(buf, n, "%lld/%lld|%lld", (long long)a.n, (long long)a.d, ip);
    } else {
        snprintf(buf, n, "%lld/%lld|%lld.%0*lld", (long long)a.n, (long long)a.d, ip, decimals, fp);
    }
}

typedef struct {
    uint64_t s;
} xrng;

static uint64_t xnext(xrng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

static const char PROPERTY_LUA[] =
    "local L = require 'tender.lib'\n"
    "local D = regie.decimal\n"
    "return function(weights, levels, WQ, dec)\n"
    "  local out, Q, Qmax = {}, D(0), D(0)\n"
    "  local function t(x) return string.format('%d/%d|', x:parts()) .. x:format(dec) end\n"
    "  for c, w in ipairs(weights) do\n"
    "    local counted = {}\n"
    "    for k, v in ipairs(levels[c]) do counted[k] = L.exact(v) end\n"
    "    local p = L.criterion_points(L.exact(w), counted, 'mean')\n"
    "    out[#out + 1] = t(p)\n"
    "    Q = Q + p\n"
    "    Qmax = Qmax + L.exact(w)\n"
    "  end\n"
    "  out[#out + 1] = t(Q)\n"
    "  out[#out + 1] = t(Q * WQ / Qmax)\n"
    "  return table.concat(out, ' ')\n"
    "end\n";

long t_exact_points_property(uint64_t seed, long iterations, double seconds)
{
    lua_State *L = lua_with_tender();
    if (luaL_loadstring(L, PROPERTY_LUA) != 0 || lua_pcall(L, 0, 1, 0) != 0) {
        ck_abort_msg("property chunk: %s", lua_tostring(L, -1));
    }
    int fn = luaL_ref(L, LUA_REGISTRYINDEX);
    xrng r = { seed * 0x9E3779B97F4A7C15ULL | 1 };
    double t0 = rg_now();
    long done = 0;
    for (;; done++) {
        if (seconds > 0 ? rg_now() - t0 >= seconds : done >= iterations) {
            break;
        }
        int ncrit = 1 + (int)(xnext(&r) % 4);
        int nev = 1 + (int)(xnext(&r) % 7);
        int half_steps = xnext(&r) % 3 == 0; /* scale 0,12.5,...,100 */
        int dec = (int)(xnext(&r) % 4);
        long long WQ = 1 + (long long)(xnext(&r) % 100);
        char want[2048] = "", w_text[64], desc[2048];
        size_t wl = 0, dl = 0;
        frac Q = { 0, 1 }, Qmax = { 0, 1 };
        lua_rawgeti(L, LUA_REGISTRYINDEX, fn);
        lua_createtable(L, ncrit, 0); /* weights */
        lua_createtable(L, ncrit, 0); /* levels */
        dl += (size_t)snprintf(desc + dl, sizeof desc - dl, "seed %llu case %ld: W_Q %lld, %d dec;",
                               (unsigned long long)seed, done, WQ, dec);
        for (int c = 1; c <= ncrit; c++) {
            /* a weight with one or two decimals: w/10 or w/100 */
            int two = (int)(xnext(&r) % 2);
            long long w = 1 + (long long)(xnext(&r) % (two ? 10000 : 1000));
            long long wden = two ? 100 : 10;
            snprintf(w_text, sizeof w_text, "%lld.%0*lld", w / wden, two ? 2 : 1, w % wden);
            double wnum;
            ck_assert_int_eq(rg_parse_decimal(w_text, '.', &wnum), 0); /* as the CSV reader */
            lua_pushnumber(L, wnum);
            lua_rawseti(L, -3, c);
            dl += (size_t)snprintf(desc + dl, sizeof desc - dl, " %s:", w_text);
            lua_createtable(L, nev, 0);
            long long sum10 = 0; /* the levels in tenths */
            for (int e = 1; e <= nev; e++) {
                long long lv10 = half_steps ? 125 * (long long)(xnext(&r) % 9)
                                            : 250 * (long long)(xnext(&r) % 5);
                sum10 += lv10;
                lua_pushnumber(L, (double)lv10 / 10); /* 12.5, 75: exact in binary */
                lua_rawseti(L, -2, e);
                dl += (size_t)snprintf(desc + dl, sizeof desc - dl, "%s%lld.%lld", e > 1 ? "," : "",
                                       lv10 / 10, lv10 % 10);
            }
            lua_rawseti(L, -2, c);
            /* w/wden × (sum10/10 / nev) / 100 */
            frac p = fr((__int128)w * sum10, (__int128)wden * 10 * nev * 100);
            char t[128];
            fr_text(p, dec, t, sizeof t);
            wl += (size_t)snprintf(want + wl, sizeof want - wl, "%s%s", wl ? " " : "", t);
            Q = fr_add(Q, p);
            Qmax = fr_add(Qmax, fr(w, wden));
        }
        char t[128];
        fr_text(Q, dec, t, sizeof t);
        wl += (size_t)snprintf(want + wl, sizeof want - wl, " %s", t);
        frac Qs = fr(Q.n * WQ * Qmax.d, Q.d * Qmax.n);
        fr_text(Qs, dec, t, sizeof t);
        wl += (size_t)snprintf(want + wl, sizeof want - wl, " %s", t);
        lua_pushinteger(L, WQ);
        lua_pushinteger(L, dec);
        if (lua_pcall(L, 4, 1, 0) != 0) {
            ck_abort_msg("%s\n  error: %s", desc, lua_tostring(L, -1));
        }
        const char *got = lua_tostring(L, -1);
        ck_assert_msg(got && strcmp(got, want) == 0, "%s\n  got:  %s\n  want: %s", desc, got, want);
        lua_pop(L, 1);
    }
    luaL_unref(L, LUA_REGISTRYINDEX, fn);
    lua_close(L);
    return done;
}

START_TEST(property_points_equal_rational_arithmetic)
{
    long n = t_exact_points_property(27, 20000, 0);
    ck_assert_int_eq(n, 20000);
}
END_TEST

Suite *suite_exact(void);
Suite *suite_exact(void)
{
    Suite *s = suite_create("exact");
    TCase *tc = tcase_create("exact");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, rat_arithmetic_and_text);
    tcase_add_test(tc, rat_overflow_and_division_refused);
    tcase_add_test(tc, lua_decimal_api);
    tcase_add_test(tc, property_points_equal_rational_arithmetic);
    suite_add_tcase(s, tc);
    return s;
}
