/* calendar.c: dates, the Dutch working-day calendar.
 * Not installed; every exported name carries the rg_ prefix. */
#ifndef REGIE_CALENDAR_H
#define REGIE_CALENDAR_H

#include "regie.h"

int rg_date_parse(const char *iso, int32_t *day);                  /* YYYY-MM-DD */
int rg_datetime_parse(const char *iso, int32_t *day, int *minute); /* YYYY-MM-DD[THH:MM] */
void rg_date_format(int32_t day, char buf[11]);
int32_t rg_date_from_ymd(int y, int m, int d);
void rg_date_to_ymd(int32_t day, int *y, int *m, int *d);
int rg_weekday(int32_t day); /* 1 = Monday .. 7 = Sunday (ISO) */
int32_t rg_easter(int year);
int rg_is_holiday(const regie_calendar *cal, int32_t day);
int rg_is_workday(const regie_calendar *cal, int32_t day);
/* The dates regie handles: 0001-01-01 to 9999-12-31 (YYYY-MM-DD). */
#define RG_DATE_MIN (-719162)
#define RG_DATE_MAX 2932896
/* day plus n working days (n < 0: before): 0, or -1 when the result (or
 * day) is outside RG_DATE_MIN..RG_DATE_MAX.  Fast for any n. */
int rg_workdays_shift(const regie_calendar *cal, int32_t day, int64_t n, int32_t *out);
/* The first working day from day on: 0, or -1 when there is none up to
 * RG_DATE_MAX. */
int rg_next_workday_in_range(const regie_calendar *cal, int32_t day, int32_t *out);
/* As the host table gives them: a result out of range is RG_DATE_MIN or
 * RG_DATE_MAX. */
int32_t rg_add_workdays(const regie_calendar *cal, int32_t day, int n);
int32_t rg_sub_workdays(const regie_calendar *cal, int32_t day, int n);
int32_t rg_next_workday(const regie_calendar *cal, int32_t day);
/* Parse "yearly|lustrum|never" -> regie_liberation; -1 if neither. */
int rg_liberation_parse(const char *s);

#endif /* REGIE_CALENDAR_H */
