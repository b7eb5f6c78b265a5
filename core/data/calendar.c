/* calendar.c - dates as days since 1970-01-01 and the Dutch working-day
 * calendar of the domain rules: weekends, fixed and Easter-based holidays,
 * Liberation Day by setting, optional Good Friday, extra closed days, and
 * the statutory Atw profile. */
#include "calendar.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* Howard Hinnant's days_from_civil / civil_from_days. */
int32_t rg_date_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + (int)doe - 719468);
}

void rg_date_to_ymd(int32_t day, int *y, int *m, int *d)
{
    int64_t z = (int64_t)day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int yy = (int)((int64_t)yoe + era * 400);
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yy + (*m <= 2);
}

static int days_in_month(int y, int m)
{
    static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m == 2) {
        return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
    }
    return dm[m - 1];
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int parse_ymd(const char *s, int32_t *day)
{
    if (strlen(s) < 10 || s[4] != '-' || s[7] != '-') {
        return -1;
    }
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) {
        return -1;
    }
    *day = rg_date_from_ymd(y, m, d);
    return 0;
}

int rg_date_parse(const char *iso, int32_t *day)
{
    if (!iso || strlen(iso) != 10) {
        return -1;
    }
    return parse_ymd(iso, day);
}

int rg_datetime_parse(const char *iso, int32_t *day, int *minute)
{
    if (!iso) {
        return -1;
    }
    size_t n = strlen(iso);
    if (n == 10) {
        if (minute) {
            *minute = 0;
        }
        return parse_ymd(iso, day);
    }
    if (n != 16 || (iso[10] != 'T' && iso[10] != ' ') || iso[13] != ':') {
        return -1;
    }
    int h = digits(iso + 11, 2), mi = digits(iso + 14, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || parse_ymd(iso, day) != 0) {
        return -1;
    }
    if (minute) {
        *minute = h * 60 + mi;
    }
    return 0;
}

void rg_date_format(int32_t day, char buf[11])
{
    int y, m, d;
    rg_date_to_ymd(day, &y, &m, &d);
    unsigned yy = (unsigned)(y < 0 ? 0 : y) % 10000u, mm = (unsigned)m % 100u, dd = (unsigned)d % 100u;
    buf[0] = (char)('0' + yy / 1000);
    buf[1] = (char)('0' + yy / 100 % 10);
    buf[2] = (char)('0' + yy / 10 % 10);
    buf[3] = (char)('0' + yy % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + mm / 10);
    buf[6] = (char)('0' + mm % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + dd / 10);
    buf[9] = (char)('0' + dd % 10);
    buf[10] = 0;
}

int rg_weekday(int32_t day)
{
    /* 1970-01-01 was a Thursday (4) */
    int w = (int)((day % 7 + 7) % 7); /* 0 = Thursday */
    return (w + 3) % 7 + 1;
}

int32_t rg_easter(int year)
{
    int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4;
    int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451;
    int month = (h + l - 7 * m + 114) / 31, dd = (h + l - 7 * m + 114) % 31 + 1;
    return rg_date_from_ymd(year, month, dd);
}

int rg_liberation_parse(const char *s)
{
    if (!s) {
        return -1;
    }
    if (strcmp(s, "yearly") == 0) {
        return REGIE_LIBERATION_YEARLY;
    }
    if (strcmp(s, "lustrum") == 0) {
        return REGIE_LIBERATION_LUSTRUM;
    }
    if (strcmp(s, "never") == 0) {
        return REGIE_LIBERATION_NEVER;
    }
    return -1;
}

/* The holidays of the calendar in year y that fall every year (not its
 * extra closed days), each once, into out: how many (at most
 * YEAR_HOLIDAYS_MAX).  The one list of them: rg_is_holiday and the
 * counting of rg_workdays_shift both read it. */
#define YEAR_HOLIDAYS_MAX 9
static int year_holidays(const regie_calendar *cal, int y, int32_t out[YEAR_HOLIDAYS_MAX])
{
    int n = 0;
    int32_t easter = rg_easter(y);
    /* Koningsdag: 27 April, or the 26th when the 27th is a Sunday */
    int32_t k27 = rg_date_from_ymd(y, 4, 27);
    int atw = cal && cal->atw;
    int lib = cal ? cal->liberation_day : REGIE_LIBERATION_YEARLY;
    out[n++] = rg_date_from_ymd(y, 1, 1);
    out[n++] = rg_weekday(k27) == 7 ? k27 - 1 : k27;
    out[n++] = easter + 1; /* Easter Monday */
    out[n++] = easter + 39; /* Ascension Day */
    out[n++] = easter + 50; /* Whit Monday */
    if (atw || (cal && cal->good_friday)) {
        out[n++] = easter - 2;
    }
    if (atw || lib == REGIE_LIBERATION_YEARLY || (lib == REGIE_LIBERATION_LUSTRUM && y % 5 == 0)) {
        out[n++] = rg_date_from_ymd(y, 5, 5);
    }
    out[n++] = rg_date_from_ymd(y, 12, 25);
    out[n++] = rg_date_from_ymd(y, 12, 26);
    /* two rules can fall on one day (Koningsdag on Ascension Day, say) */
    int kept = 0;
    for (int i = 0; i < n; i++) {
        int dup = 0;
        for (int j = 0; j < kept; j++) {
            dup |= out[j] == out[i];
        }
        if (!dup) {
            out[kept++] = out[i];
        }
    }
    return kept;
}

static int fixed_holiday(const regie_calendar *cal, int32_t day)
{
    int y, m, d;
    rg_date_to_ymd(day, &y, &m, &d);
    int32_t h[YEAR_HOLIDAYS_MAX];
    int n = year_holidays(cal, y, h);
    for (int i = 0; i < n; i++) {
        if (h[i] == day) {
            return 1;
        }
    }
    return 0;
}

int rg_is_holiday(const regie_calendar *cal, int32_t day)
{
    if (fixed_holiday(cal, day)) {
        return 1;
    }
    for (size_t i = 0; cal && i < cal->n_extra_closed; i++) {
        if (cal->extra_closed[i] == day) {
            return 1;
        }
    }
    return 0;
}

int rg_is_workday(const regie_calendar *cal, int32_t day)
{
    return rg_weekday(day) < 6 && !rg_is_holiday(cal, day);
}

/* ---- counting working days ----
 * A count of working days is walked in whole weeks: the working days of a
 * stretch are its weekdays (counted arithmetically) less its holidays on
 * weekdays (a few per year, and the extra closed days found by binary
 * search), so a count of millions takes a few rounds, not a walk per day.
 * Only the last few days are walked one by one. */
typedef struct closed_days {
    const regie_calendar *cal;
    int32_t *extra; /* the extra closed days that are weekdays and no holiday of their own: sorted, once each */
    size_t n;
} closed_days;

static int cmp_day(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static void closed_init(closed_days *c, const regie_calendar *cal)
{
    c->cal = cal;
    c->extra = NULL;
    c->n = 0;
    size_t m = cal && cal->extra_closed ? cal->n_extra_closed : 0;
    if (m == 0) {
        return;
    }
    c->extra = rg_xcalloc(m, sizeof *c->extra);
    for (size_t i = 0; i < m; i++) {
        int32_t d = cal->extra_closed[i];
        if (d >= RG_DATE_MIN && d <= RG_DATE_MAX && rg_weekday(d) < 6 && !fixed_holiday(cal, d)) {
            c->extra[c->n++] = d;
        }
    }
    qsort(c->extra, c->n, sizeof *c->extra, cmp_day);
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (k == 0 || c->extra[k - 1] != c->extra[i]) {
            c->extra[k++] = c->extra[i];
        }
    }
    c->n = k;
}

/* How many of the extra days are before `day`. */
static size_t extra_before(const closed_days *c, int32_t day)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->extra[mid] < day) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static int closed_workday(const closed_days *c, int32_t day)
{
    if (rg_weekday(day) >= 6 || fixed_holiday(c->cal, day)) {
        return 0;
    }
    size_t i = extra_before(c, day);
    return !(i < c->n && c->extra[i] == day);
}

/* Weekdays (Monday to Friday) in [a, b]. */
static int64_t weekdays_in(int32_t a, int32_t b)
{
    if (b < a) {
        return 0;
    }
    int64_t days = (int64_t)b - a + 1;
    int64_t count = days / 7 * 5;
    for (int32_t d = (int32_t)(a + days / 7 * 7); d <= b; d++) {
        count += rg_weekday(d) < 6;
    }
    return count;
}

/* Days in [a, b] that are weekdays but not working days. */
static int64_t closed_in(const closed_days *c, int32_t a, int32_t b)
{
    if (b < a) {
        return 0;
    }
    int64_t count = (int64_t)(extra_before(c, b + 1) - extra_before(c, a));
    int ya, yb, m, d;
    rg_date_to_ymd(a, &ya, &m, &d);
    rg_date_to_ymd(b, &yb, &m, &d);
    for (int y = ya; y <= yb; y++) {
        int32_t h[YEAR_HOLIDAYS_MAX];
        int n = year_holidays(c->cal, y, h);
        for (int i = 0; i < n; i++) {
            if (h[i] >= a && h[i] <= b && rg_weekday(h[i]) < 6) {
                count++;
            }
        }
    }
    return count;
}

int rg_workdays_shift(const regie_calendar *cal, int32_t day, int64_t n, int32_t *out)
{
    if (day < RG_DATE_MIN || day > RG_DATE_MAX || n > RG_DATE_MAX - RG_DATE_MIN ||
        n < RG_DATE_MIN - RG_DATE_MAX) {
        return -1;
    }
    closed_days c;
    closed_init(&c, cal);
    int step = n < 0 ? -1 : 1;
    int64_t left = n < 0 ? -n : n;
    int32_t d = day;
    int rc = 0;
    while (left > 0) {
        if (d == (step > 0 ? RG_DATE_MAX : RG_DATE_MIN)) {
            rc = -1;
            break;
        }
        /* fewer whole weeks than days left: the count cannot end inside them */
        int64_t weeks = (left - 1) / 5;
        if (weeks > 0) {
            int64_t to = (int64_t)d + step * 7 * weeks;
            to = to > RG_DATE_MAX ? RG_DATE_MAX : to < RG_DATE_MIN ? RG_DATE_MIN : to;
            int32_t a = step > 0 ? d + 1 : (int32_t)to, b = step > 0 ? (int32_t)to : d - 1;
            left -= weekdays_in(a, b) - closed_in(&c, a, b);
            d = (int32_t)to;
            continue;
        }
        d += step;
        if (closed_workday(&c, d)) {
            left--;
        }
    }
    free(c.extra);
    if (rc == 0) {
        *out = d;
    }
    return rc;
}

int rg_next_workday_in_range(const regie_calendar *cal, int32_t day, int32_t *out)
{
    if (day < RG_DATE_MIN || day > RG_DATE_MAX) {
        return -1;
    }
    closed_days c;
    closed_init(&c, cal);
    while (!closed_workday(&c, day) && day < RG_DATE_MAX) {
        day++;
    }
    int ok = closed_workday(&c, day);
    free(c.extra);
    if (!ok) {
        return -1;
    }
    *out = day;
    return 0;
}

/* The host table's: a result past the dates regie handles is the first
 * or the last of them. */
int32_t rg_add_workdays(const regie_calendar *cal, int32_t day, int n)
{
    int32_t out;
    if (rg_workdays_shift(cal, day, n, &out) == 0) {
        return out;
    }
    return n < 0 ? RG_DATE_MIN : RG_DATE_MAX;
}

int32_t rg_sub_workdays(const regie_calendar *cal, int32_t day, int n)
{
    int32_t out;
    if (rg_workdays_shift(cal, day, -(int64_t)n, &out) == 0) {
        return out;
    }
    return n > 0 ? RG_DATE_MIN : RG_DATE_MAX;
}

int32_t rg_next_workday(const regie_calendar *cal, int32_t day)
{
    int32_t out;
    return rg_next_workday_in_range(cal, day, &out) == 0 ? out : RG_DATE_MAX;
}
