/* ini_schema.c - the settings an INI input may hold, declared in the
 * workflow beside it (`keys.SECTION = NAME:TYPE...`, the column specs of a
 * CSV input with ranges, choices and defaults added), and checked when the
 * input is read: every error of the file at once, as
 * FILE:LINE: column KEY: found "VALUE", expected WHAT, so that a mistyped
 * setting never falls back to its default unnoticed. */
#include "ini_schema.h"
#include "calendar.h"
#include "decimal.h"

#include <stdlib.h>
#include <string.h>

/* ---- the declaration ---- */

/* Split on ',' outside "...", [...], {...} and (...); parts trimmed,
 * empty ones dropped. */
static size_t split_items(const char *s, char ***out)
{
    char **v = NULL;
    size_t n = 0;
    int depth = 0, inq = 0;
    const char *from = s;
    for (const char *p = s;; p++) {
        if (*p == '"') {
            inq = !inq;
        } else if (!inq && (*p == '[' || *p == '{' || *p == '(')) {
            depth++;
        } else if (!inq && (*p == ']' || *p == '}' || *p == ')') && depth > 0) {
            depth--;
        } else if (*p == 0 || (*p == ',' && !inq && depth == 0)) {
            char *part = rg_xstrndup(from, (size_t)(p - from));
            char *t = rg_trim(part);
            if (*t) {
                v = rg_xrealloc(v, (n + 1) * sizeof *v);
                v[n++] = rg_xstrdup(t);
            }
            free(part);
            if (*p == 0) {
                break;
            }
            from = p + 1;
        }
    }
    *out = v;
    return n;
}

static int type_by_name(const char *name)
{
    for (int t = RG_COL_TEXT; t <= RG_COL_LIST; t++) {
        if (strcmp(name, rg_coltype_name((rg_coltype)t)) == 0) {
            return t;
        }
    }
    return -1;
}

static int parse_number(const char *s, double *out)
{
    return rg_parse_decimal(s, '.', out) == 0 || rg_parse_decimal(s, ',', out) == 0 ? 0 : -1;
}

static void keyspec_free(rg_keyspec *k)
{
    free(k->col.name);
    free(k->def);
    rg_strv_free(k->choices, k->nchoices);
    free(k->lo);
    free(k->hi);
}

/* [LO..HI], [>LO..], [LO..], [..HI] without its brackets. */
static int parse_range(rg_keyspec *k, char *r)
{
    char *dots = strstr(r, "..");
    if (!dots) {
        return -1;
    }
    *dots = 0;
    char *lo = rg_trim(r), *hi = rg_trim(dots + 2);
    if (*lo == '>') {
        k->lo_excl = 1;
        lo = rg_trim(lo + 1);
    }
    if (*lo) {
        if (parse_number(lo, &k->lo_v) != 0) {
            return -1;
        }
        k->lo = rg_xstrdup(lo);
    } else if (k->lo_excl) {
        return -1;
    }
    if (*hi) {
        if (parse_number(hi, &k->hi_v) != 0) {
            return -1;
        }
        k->hi = rg_xstrdup(hi);
    }
    return k->lo || k->hi ? 0 : -1;
}

static const char *convert(const rg_keyspec *k, const char *text, regie_table *owner,
                           regie_value *v, rg_buf *expected);

/* One "NAME:TYPE[RANGE]{CHOICES}!=DEFAULT"; the errors say what is wrong. */
static int parse_key(rg_keyspec *k, char *item, const char *file, long line, rg_errors *errs)
{
    size_t before = errs->n;
    char *colon = strchr(item, ':');
    char *type = colon ? colon + 1 : "text";
    if (colon) {
        *colon = 0;
    }
    k->col.name = rg_xstrdup(rg_trim(item));
    const char *name = k->col.name;
    if (!*name || strchr(name, '?')) {
        rg_err_add(errs, file, line,
                   "key \"%s\": expected a key name (a key is optional unless its type is "
                   "marked !)",
                   name);
    }
    /* the default: after the first '=' outside quotes, brackets, braces */
    int depth = 0, inq = 0;
    for (char *p = type; *p; p++) {
        if (*p == '"') {
            inq = !inq;
        } else if (!inq && (*p == '[' || *p == '{' || *p == '(')) {
            depth++;
        } else if (!inq && (*p == ']' || *p == '}' || *p == ')')) {
            depth--;
        } else if (!inq && depth == 0 && *p == '=') {
            *p = 0;
            char *d = rg_trim(p + 1);
            size_t dl = strlen(d);
            if (dl >= 2 && d[0] == '"' && d[dl - 1] == '"') {
                d[dl - 1] = 0;
                d++;
            }
            k->def = rg_xstrdup(d);
            break;
        }
    }
    type = rg_trim(type);
    size_t tl = strlen(type);
    while (tl && (type[tl - 1] == '!' || type[tl - 1] == '~')) {
        if (type[tl - 1] == '!') {
            k->col.required = 1;
        } else {
            k->col.trim = 1; /* INI values are trimmed anyway */
        }
        type[--tl] = 0;
    }
    /* the choices and the range, in either order */
    for (;;) {
        tl = strlen(type);
        char close = tl ? type[tl - 1] : 0;
        char *open = close == '}' ? strrchr(type, '{') : close == ']' ? strrchr(type, '[') : NULL;
        if (!open) {
            break;
        }
        type[tl - 1] = 0;
        *open = 0;
        if (close == '}') {
            if (k->choices) {
                rg_err_add(errs, file, line, "key %s: choices given twice", name);
            } else {
                k->nchoices = rg_split(open + 1, '|', &k->choices);
                if (k->nchoices == 0) {
                    rg_err_add(errs, file, line,
                               "key %s: found {}, expected the choices as {a|b|c}", name);
                }
            }
        } else {
            char *as_written = rg_xstrdup(open + 1);
            if (k->lo || k->hi || parse_range(k, open + 1) != 0) {
                rg_err_add(errs, file, line,
                           "key %s: found range [%s], expected [LO..HI], [LO..], [>LO..] or "
                           "[..HI] with numbers",
                           name, as_written);
            }
            free(as_written);
        }
        type = rg_trim(type);
    }
    int t = -1;
    k->item = RG_COL_TEXT;
    if (strncmp(type, "list(", 5) == 0 && type[strlen(type) - 1] == ')') {
        type[strlen(type) - 1] = 0;
        int it = type_by_name(rg_trim(type + 5));
        if (it >= 0 && it != RG_COL_LIST) {
            t = RG_COL_LIST;
            k->item = (rg_coltype)it;
        }
    } else {
        t = type_by_name(type);
    }
    if (t < 0) {
        rg_err_add(errs, file, line,
                   "unknown key type \"%s\" for %s (expected text, id, integer, decimal, "
                   "boolean, date, datetime or list(TYPE), then [LO..HI] for a range, {a|b} for "
                   "choices, ! for a required key and =DEFAULT)",
                   type, name);
        t = RG_COL_TEXT;
    }
    k->col.type = (rg_coltype)t;
    if ((k->lo || k->hi) && t != RG_COL_INTEGER && t != RG_COL_DECIMAL) {
        rg_err_add(errs, file, line, "key %s: a range applies to integer and decimal keys only",
                   name);
    }
    if (k->def && errs->n == before) {
        rg_buf exp = { 0 };
        regie_table *tmp = rg_table_new(0, NULL);
        regie_value v;
        if (*k->def && convert(k, k->def, tmp, &v, &exp)) {
            rg_err_add(errs, file, line, "key %s: default \"%s\" is not %s", name, k->def,
                       exp.data);
        }
        rg_table_free(tmp);
        rg_buf_free(&exp);
    }
    return errs->n > before ? -1 : 0;
}

int rg_ini_schema_add(rg_ini_schema *s, const char *section, const char *spec, const char *file,
                      long line, rg_errors *errs)
{
    size_t before = errs->n;
    if (rg_ini_schema_section(s, section)) {
        rg_err_add(errs, file, line, "keys.%s: the keys of [%s] declared twice", section, section);
        return -1;
    }
    char **items;
    size_t n = split_items(spec, &items);
    s->secs = rg_xrealloc(s->secs, (s->n + 1) * sizeof *s->secs);
    rg_secspec *sec = &s->secs[s->n++];
    sec->name = rg_xstrdup(section);
    sec->keys = rg_xcalloc(n ? n : 1, sizeof *sec->keys);
    sec->n = 0;
    for (size_t i = 0; i < n; i++) {
        rg_keyspec *k = &sec->keys[sec->n++];
        parse_key(k, items[i], file, line, errs);
        for (size_t j = 0; j + 1 < sec->n; j++) {
            if (strcmp(sec->keys[j].col.name, k->col.name) == 0) {
                rg_err_add(errs, file, line, "keys.%s: key %s declared twice", section,
                           k->col.name);
            }
        }
    }
    rg_strv_free(items, n);
    return errs->n > before ? -1 : 0;
}

void rg_ini_schema_free(rg_ini_schema *s)
{
    for (size_t i = 0; i < s->n; i++) {
        for (size_t k = 0; k < s->secs[i].n; k++) {
            keyspec_free(&s->secs[i].keys[k]);
        }
        free(s->secs[i].keys);
        free(s->secs[i].name);
    }
    free(s->secs);
    memset(s, 0, sizeof *s);
}

const rg_secspec *rg_ini_schema_section(const rg_ini_schema *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->secs[i].name, name) == 0) {
            return &s->secs[i];
        }
    }
    return NULL;
}

static const rg_keyspec *sec_key(const rg_secspec *sec, const char *key)
{
    for (size_t k = 0; sec && k < sec->n; k++) {
        if (strcmp(sec->keys[k].col.name, key) == 0) {
            return &sec->keys[k];
        }
    }
    return NULL;
}

const rg_keyspec *rg_ini_schema_key(const rg_ini_schema *s, const char *section, const char *key)
{
    return sec_key(rg_ini_schema_section(s, section), key);
}

/* ---- values ---- */

/* What a value of type t is, for "expected ..." (a list: what its items are). */
static const char *what(rg_coltype t, int plural)
{
    switch (t) {
    case RG_COL_TEXT:
        return plural ? "texts" : "a text";
    case RG_COL_ID:
        return plural ? "ids of 1-32 letters, digits, _ or -"
                      : "an id of 1-32 letters, digits, _ or -";
    case RG_COL_INTEGER:
        return plural ? "whole numbers" : "a whole number";
    case RG_COL_DECIMAL:
        return plural ? "numbers" : "a number";
    case RG_COL_BOOLEAN:
        return plural ? "yes or no values" : "yes or no";
    case RG_COL_DATE:
        return plural ? "dates YYYY-MM-DD" : "a date YYYY-MM-DD";
    case RG_COL_DATETIME:
        return plural ? "dates and times YYYY-MM-DDTHH:MM" : "a date and time YYYY-MM-DDTHH:MM";
    case RG_COL_LIST:
        break;
    }
    return "a value";
}

static void expectation(const rg_keyspec *k, rg_buf *b)
{
    if (k->nchoices) {
        for (size_t i = 0; i < k->nchoices; i++) {
            rg_buf_printf(b, "%s%s", i == 0 ? "" : i + 1 == k->nchoices ? " or " : ", ",
                          k->choices[i]);
        }
        return;
    }
    if (k->col.type == RG_COL_LIST) {
        rg_buf_printf(b, "a comma-separated list of %s", what(k->item, 1));
        return;
    }
    rg_buf_puts(b, what(k->col.type, 0));
    if (k->lo && k->hi) {
        rg_buf_printf(b, " from %s to %s", k->lo, k->hi);
    } else if (k->lo) {
        rg_buf_printf(b, " %s %s", k->lo_excl ? "above" : "of at least", k->lo);
    } else if (k->hi) {
        rg_buf_printf(b, " of at most %s", k->hi);
    }
}

/* One scalar of type t; -1 when text is not one. */
static int scalar(rg_coltype t, const char *text, regie_table *owner, regie_value *v)
{
    int32_t day;
    int minute;
    switch (t) {
    case RG_COL_TEXT:
        v->type = REGIE_STR;
        v->u.s.ptr = rg_table_strdup(owner, text, strlen(text));
        v->u.s.len = strlen(text);
        return 0;
    case RG_COL_ID:
        return rg_valid_id(text, 32) ? scalar(RG_COL_TEXT, text, owner, v) : -1;
    case RG_COL_INTEGER:
        v->type = REGIE_INT;
        return rg_parse_int(text, &v->u.i);
    case RG_COL_DECIMAL:
        v->type = REGIE_NUM;
        return parse_number(text, &v->u.n);
    case RG_COL_BOOLEAN:
        v->type = REGIE_BOOL;
        return rg_parse_bool(text, &v->u.b);
    case RG_COL_DATE:
        return rg_date_parse(text, &day) == 0 ? scalar(RG_COL_TEXT, text, owner, v) : -1;
    case RG_COL_DATETIME:
        /* a date, or a date and time with a T (not the space a CSV cell may hold) */
        if (rg_datetime_parse(text, &day, &minute) != 0 || (strlen(text) > 10 && text[10] != 'T')) {
            return -1;
        }
        return scalar(RG_COL_TEXT, text, owner, v);
    case RG_COL_LIST:
        break;
    }
    return -1;
}

/* Convert a value given (not empty) or a default; NULL, or the
 * expectation (in `expected`) when it is not one. */
static const char *convert(const rg_keyspec *k, const char *text, regie_table *owner,
                           regie_value *v, rg_buf *expected)
{
    int bad = 0;
    v->type = REGIE_NULL;
    if (k->col.type == RG_COL_LIST) {
        /* items separated by ',', each trimmed; a list of numbers takes a
         * decimal point only */
        char **items;
        size_t n = rg_split(text, ',', &items);
        regie_list *l = rg_table_list_new(owner);
        for (size_t i = 0; i < n && !bad; i++) {
            regie_value item;
            if (k->item == RG_COL_DECIMAL) {
                item.type = REGIE_NUM;
                bad = rg_parse_decimal(items[i], '.', &item.u.n) != 0;
            } else {
                bad = scalar(k->item, items[i], owner, &item) != 0;
            }
            if (!bad) {
                rg_list_push(l, &item);
            }
        }
        rg_strv_free(items, n);
        v->type = REGIE_LIST;
        v->u.list = l;
    } else {
        bad = scalar(k->col.type, text, owner, v) != 0;
        double x = v->type == REGIE_INT ? (double)v->u.i : v->type == REGIE_NUM ? v->u.n : 0;
        if (!bad && k->lo && (x < k->lo_v || (k->lo_excl && x == k->lo_v))) {
            bad = 1;
        }
        if (!bad && k->hi && x > k->hi_v) {
            bad = 1;
        }
    }
    if (!bad && k->nchoices) {
        bad = 1;
        for (size_t i = 0; i < k->nchoices; i++) {
            bad &= strcmp(text, k->choices[i]) != 0;
        }
    }
    if (bad) {
        v->type = REGIE_NULL;
        expectation(k, expected);
        return expected->data;
    }
    return NULL;
}

/* ---- checking an input ---- */

static const char *cell_text(const regie_table *t, size_t r, long c)
{
    const regie_value *v = c >= 0 ? rg_table_cell(t, r, (size_t)c) : NULL;
    return v && v->type == REGIE_STR ? v->u.s.ptr : "";
}

static void unknown_section(const rg_ini_schema *s, const char *sec, const char *file, long line,
                            rg_errors *errs)
{
    const char **names = rg_xcalloc(s->n, sizeof *names);
    rg_buf all = { 0 };
    for (size_t i = 0; i < s->n; i++) {
        names[i] = s->secs[i].name;
        rg_buf_printf(&all, "%s[%s]", i ? ", " : "", names[i]);
    }
    long near = *sec ? rg_nearest(sec, names, s->n) : -1;
    if (!*sec) {
        rg_err_add(errs, file, line, "a key outside any section, expected it under one of %s",
                   all.data);
    } else if (near >= 0) {
        rg_err_add(errs, file, line, "unknown section [%s]; did you mean [%s]?", sec, names[near]);
    } else {
        rg_err_add(errs, file, line, "unknown section [%s], expected one of %s", sec, all.data);
    }
    rg_buf_free(&all);
    free(names);
}

static long nearest_key(const rg_secspec *sec, const char *key)
{
    const char **names = rg_xcalloc(sec->n ? sec->n : 1, sizeof *names);
    for (size_t k = 0; k < sec->n; k++) {
        names[k] = sec->keys[k].col.name;
    }
    long near = rg_nearest(key, names, sec->n);
    free(names);
    return near;
}

/* The key meant: in this section, else in another one, else the keys of
 * the section. */
static void unknown_key(const rg_ini_schema *s, const rg_secspec *sec, const char *key,
                        const char *file, long line, rg_errors *errs)
{
    long near = nearest_key(sec, key);
    if (near >= 0) {
        rg_err_add(errs, file, line, "unknown key \"%s\" in [%s]; did you mean %s?", key,
                   sec->name, sec->keys[near].col.name);
        return;
    }
    for (size_t i = 0; i < s->n; i++) {
        const rg_secspec *other = &s->secs[i];
        near = other != sec ? nearest_key(other, key) : -1;
        if (near >= 0) {
            rg_err_add(errs, file, line, "unknown key \"%s\" in [%s]; did you mean %s in [%s]?",
                       key, sec->name, other->keys[near].col.name, other->name);
            return;
        }
    }
    rg_buf all = { 0 };
    for (size_t k = 0; k < sec->n; k++) {
        rg_buf_printf(&all, "%s%s", k ? ", " : "", sec->keys[k].col.name);
    }
    rg_err_add(errs, file, line, "unknown key \"%s\" in [%s], expected one of %s", key,
               sec->name, all.len ? all.data : "none");
    rg_buf_free(&all);
}

int rg_ini_schema_check(const rg_ini_schema *s, const regie_table *t, rg_errors *errs)
{
    if (s->n == 0) {
        return 0;
    }
    size_t before = errs->n;
    const char *file = t->source ? t->source : "(ini)";
    long cs = rg_table_colindex(t, "section"), ck = rg_table_colindex(t, "key"),
         cv = rg_table_colindex(t, "value");
    /* seen[i][k]: key k of section i is given */
    char **seen = rg_xcalloc(s->n, sizeof *seen);
    for (size_t i = 0; i < s->n; i++) {
        seen[i] = rg_xcalloc(s->secs[i].n ? s->secs[i].n : 1, 1);
    }
    regie_table *tmp = rg_table_new(0, NULL);
    const char *last_unknown = NULL;
    for (size_t r = 0; r < t->nrows; r++) {
        const char *sec = cell_text(t, r, cs), *key = cell_text(t, r, ck),
                   *val = cell_text(t, r, cv);
        long line = t->lines ? t->lines[r] : 0;
        const rg_secspec *ss = rg_ini_schema_section(s, sec);
        if (!ss) {
            /* once per section: its rows come together */
            if (!last_unknown || strcmp(last_unknown, sec) != 0) {
                unknown_section(s, sec, file, line, errs);
            }
            last_unknown = sec;
            continue;
        }
        const rg_keyspec *k = sec_key(ss, key);
        if (!k) {
            unknown_key(s, ss, key, file, line, errs);
            continue;
        }
        seen[ss - s->secs][k - ss->keys] = 1;
        if (!*val && !k->col.required) {
            continue; /* empty: as if not given */
        }
        rg_buf exp = { 0 };
        regie_value v;
        if (convert(k, val, tmp, &v, &exp)) {
            rg_err_add(errs, file, line, "column %s: found \"%s\", expected %s", key, val,
                       exp.data);
        }
        rg_buf_free(&exp);
    }
    for (size_t i = 0; i < s->n; i++) {
        for (size_t k = 0; k < s->secs[i].n; k++) {
            const rg_keyspec *ks = &s->secs[i].keys[k];
            if (ks->col.required && !seen[i][k]) {
                rg_err_add(errs, file, 0,
                           "column %s: found \"\", expected a value for %s in [%s] (required)",
                           ks->col.name, ks->col.name, s->secs[i].name);
            }
        }
        free(seen[i]);
    }
    free(seen);
    rg_table_free(tmp);
    return errs->n > before ? -1 : 0;
}

int rg_ini_schema_value(const rg_ini_schema *s, const regie_table *t, const char *section,
                        const char *key, regie_table *owner, regie_value *out)
{
    out->type = REGIE_NULL;
    const rg_keyspec *k = rg_ini_schema_key(s, section, key);
    if (!k) {
        return -1;
    }
    const char *text = NULL;
    if (!t) {
        t = owner; /* nothing given: the default */
    }
    long cs = rg_table_colindex(t, "section"), ck = rg_table_colindex(t, "key"),
         cv = rg_table_colindex(t, "value");
    for (size_t r = 0; r < t->nrows && !text; r++) {
        if (strcmp(cell_text(t, r, cs), section) == 0 && strcmp(cell_text(t, r, ck), key) == 0) {
            text = cell_text(t, r, cv);
        }
    }
    if (!text || (!*text && !k->col.required)) {
        text = k->def;
    }
    if (!text || (!*text && k->col.type != RG_COL_TEXT && k->col.type != RG_COL_LIST)) {
        return 0; /* neither given nor defaulted (or an empty default): null */
    }
    rg_buf exp = { 0 };
    const char *bad = convert(k, text, owner, out, &exp);
    rg_buf_free(&exp);
    return bad ? -1 : 0;
}
