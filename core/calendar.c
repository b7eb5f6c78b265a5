/* calendar.c - dates as days since 1970-01-01 and the Dutch working-day
 * calendar of the domain rules: weekends, fixed and Easter-based holidays,
 * Liberation Day by setting, optional Good Friday, extra closed days, and
 * the statutory Atw profile. */
#include "internal.h"

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

void rg_date_to_ymd(int32_t z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int yy = (int)yoe + era * 400;
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

int rg_is_holiday(const regie_calendar *cal, int32_t day)
{
    int y, m, d;
    rg_date_to_ymd(day, &y, &m, &d);
    if ((m == 1 && d == 1) || (m == 12 && (d == 25 || d == 26))) {
        return 1;
    }
    /* Koningsdag: 27 April, or the 26th when the 27th is a Sunday */
    int32_t k27 = rg_date_from_ymd(y, 4, 27);
    int32_t king = rg_weekday(k27) == 7 ? k27 - 1 : k27;
    if (day == king) {
        return 1;
    }
    int32_t easter = rg_easter(y);
    if (day == easter + 1 || day == easter + 39 || day == easter + 50) {
        return 1;
    }
    int atw = cal && cal->atw;
    if (day == easter - 2 && (atw || (cal && cal->good_friday))) {
        return 1;
    }
    if (m == 5 && d == 5) {
        int lib = cal ? cal->liberation_day : REGIE_LIBERATION_YEARLY;
        if (atw || lib == REGIE_LIBERATION_YEARLY || (lib == REGIE_LIBERATION_LUSTRUM && y % 5 == 0)) {
            return 1;
        }
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

int32_t rg_add_workdays(const regie_calendar *cal, int32_t day, int n)
{
    if (n < 0) {
        return rg_sub_workdays(cal, day, -n);
    }
    while (n > 0) {
        day++;
        if (rg_is_workday(cal, day)) {
            n--;
        }
    }
    return day;
}

int32_t rg_sub_workdays(const regie_calendar *cal, int32_t day, int n)
{
    if (n < 0) {
        return rg_add_workdays(cal, day, -n);
    }
    while (n > 0) {
        day--;
        if (rg_is_workday(cal, day)) {
            n--;
        }
    }
    return day;
}

int32_t rg_next_workday(const regie_calendar *cal, int32_t day)
{
    while (!rg_is_workday(cal, day)) {
        day++;
    }
    return day;
}
