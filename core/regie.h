/*
 * regie.h - the whole plugin ABI of regie.
 *
 * A plugin is a shared object that exports exactly one symbol,
 * `regie_plugin_entry`, a `regie_plugin` descriptor.  It never links against
 * the host: every service it uses comes through the `regie_host` table it is
 * handed at init and on every run.  The host table is append-only and carries
 * its size, so a plugin built against an older header keeps working.
 *
 * Build a plugin out of tree with:
 *   cc -shared -fPIC $(pkg-config --cflags regie) myplugin.c -o myplugin.so
 */
#ifndef REGIE_H
#define REGIE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any incompatible change of this header. */
#define REGIE_ABI_VERSION 1u
/* "REGI": the first field of every descriptor, so a stray symbol is refused. */
#define REGIE_PLUGIN_MAGIC 0x52454749u
#define REGIE_PLUGIN_SYMBOL "regie_plugin_entry"

/* ---- values -------------------------------------------------------------
 * What flows between steps: tables of records with named fields, and single
 * values.  A field value is null, boolean, integer, decimal number, string or
 * a list.  An integer stays an integer and a number stays a number across
 * C and Lua; null and the empty list survive.
 */
typedef enum regie_type {
    REGIE_NULL = 0,
    REGIE_BOOL = 1,
    REGIE_INT = 2,
    REGIE_NUM = 3,
    REGIE_STR = 4,
    REGIE_LIST = 5
} regie_type;

typedef struct regie_list regie_list;   /* opaque, owned by its table or datum */
typedef struct regie_table regie_table; /* opaque */
typedef struct regie_ctx regie_ctx;     /* opaque: one running step */

typedef struct regie_value {
    regie_type type;
    union {
        int b;
        int64_t i;
        double n;
        struct {
            const char *ptr; /* NUL-terminated; len excludes the NUL */
            size_t len;
        } s;
        regie_list *list;
    } u;
} regie_value;

/* ---- parameters ---------------------------------------------------------
 * A plugin declares the keys its steps accept.  The host validates a step's
 * keys against this table before anything runs: an unknown key, a value of
 * the wrong type or a missing required key is a configuration error naming
 * FILE:LINE and listing what is allowed.  The table ends in a {0} entry.
 */
typedef enum regie_param_type {
    REGIE_PARAM_STRING = 1,
    REGIE_PARAM_INT,
    REGIE_PARAM_NUM,
    REGIE_PARAM_BOOL,
    REGIE_PARAM_DATE, /* YYYY-MM-DD */
    REGIE_PARAM_LIST  /* comma-separated strings */
} regie_param_type;

typedef struct regie_param {
    const char *key;
    regie_param_type type;
    int required;
    const char *def; /* default as text, or NULL */
    const char *description;
} regie_param;

/* ---- calendar -----------------------------------------------------------
 * Dates are days since 1970-01-01 (proleptic Gregorian), as int32_t.
 */
typedef enum regie_liberation {
    REGIE_LIBERATION_YEARLY = 0,
    REGIE_LIBERATION_LUSTRUM = 1,
    REGIE_LIBERATION_NEVER = 2
} regie_liberation;

typedef struct regie_calendar {
    int liberation_day;        /* regie_liberation */
    int good_friday;           /* 1: Good Friday is a day off */
    int atw;                   /* 1: statutory Atw profile (5 May, Good Friday always off) */
    const int32_t *extra_closed; /* sorted or not; may be NULL */
    size_t n_extra_closed;
} regie_calendar;

/* ---- logging levels ---- */
enum { REGIE_LOG_ERROR = 0, REGIE_LOG_WARN = 1, REGIE_LOG_INFO = 2, REGIE_LOG_DEBUG = 3 };

/* ---- the host table -----------------------------------------------------
 * Functions return 0 on success and a negative number on failure unless said
 * otherwise.  Append new members at the end only.
 */
typedef struct regie_host {
    uint32_t size; /* sizeof(regie_host) as the host was built */
    uint32_t abi_version;

    /* Messages and progress of the running step. */
    void (*log)(regie_ctx *ctx, int level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
    void (*progress)(regie_ctx *ctx, double fraction);
    /* Set the step's error message; returns -1 for `return host->fail(...)`. */
    int (*fail)(regie_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
    /* Record an input data error: FILE:LINE: column COLUMN: found FOUND, expected EXPECTED.
     * The step should go on checking and return -1 at the end; the run then
     * exits with status 2 (invalid input).  Returns -1. */
    int (*data_error)(regie_ctx *ctx, const char *file, long line, const char *column,
                      const char *found, const char *expected);
    /* True once the step's timeout has passed: long loops should check it. */
    int (*cancelled)(regie_ctx *ctx);

    /* Step parameters, already validated against the plugin's table
     * (defaults applied).  NULL / fallback when absent. */
    const char *(*param)(regie_ctx *ctx, const char *key);
    int64_t (*param_int)(regie_ctx *ctx, const char *key, int64_t fallback);
    double (*param_num)(regie_ctx *ctx, const char *key, double fallback);
    int (*param_bool)(regie_ctx *ctx, const char *key, int fallback);

    /* Data the step reads (its `reads =` names).  NULL / -1 when absent or of
     * the other kind. */
    const regie_table *(*input_table)(regie_ctx *ctx, const char *name);
    int (*input_value)(regie_ctx *ctx, const char *name, regie_value *out);

    /* Reading tables and lists. */
    size_t (*table_rows)(const regie_table *t);
    size_t (*table_cols)(const regie_table *t);
    const char *(*table_colname)(const regie_table *t, size_t col);
    long (*table_colindex)(const regie_table *t, const char *name); /* -1: none */
    const regie_value *(*table_cell)(const regie_table *t, size_t row, size_t col);
    long (*table_row_line)(const regie_table *t, size_t row); /* source line, 0: none */
    const char *(*table_source)(const regie_table *t);        /* source file, or NULL */
    size_t (*list_len)(const regie_list *l);
    const regie_value *(*list_at)(const regie_list *l, size_t i);

    /* Building outputs.  Strings and lists handed in are copied. */
    regie_table *(*table_new)(regie_ctx *ctx, size_t ncols, const char *const *colnames);
    int (*table_append)(regie_table *t, const regie_value *row /* ncols values */);
    regie_list *(*list_new)(regie_table *owner);
    int (*list_push)(regie_list *l, const regie_value *v);
    void (*table_free)(regie_table *t);
    /* Hand a table to the host as the data named NAME (one of the step's
     * `writes =`).  The host owns it afterwards, also on failure. */
    int (*output_table)(regie_ctx *ctx, const char *name, regie_table *t);
    int (*output_value)(regie_ctx *ctx, const char *name, const regie_value *v);
    /* Write a file below the run's output directory (atomically). */
    int (*write_file)(regie_ctx *ctx, const char *relpath, const void *data, size_t len);

    /* Numbers: half-up rounding, exact for decimal inputs (120.5 -> 121,
     * 35.625 -> 35.63), and formatting with a chosen decimal separator. */
    double (*round_half_up)(double x, int decimals);
    int (*format_decimal)(double x, int decimals, char decimal_sep, char *buf, size_t bufsize);

    /* Dates and Dutch working days (domain rules: weekends, holidays, settings). */
    int (*date_parse)(const char *iso, int32_t *day); /* YYYY-MM-DD */
    void (*date_format)(int32_t day, char buf[11]);
    int (*is_workday)(const regie_calendar *cal, int32_t day);
    int32_t (*add_workdays)(const regie_calendar *cal, int32_t day, int n);
    int32_t (*sub_workdays)(const regie_calendar *cal, int32_t day, int n);
    int32_t (*next_workday)(const regie_calendar *cal, int32_t day);

    /* Members appended since the first version: test with REGIE_HOST_HAS. */

    /* CSV: the text s (n bytes) as one field of a line, by regie's own rule
     * (in double quotes, a quote doubled, when it holds a comma, a quote or
     * a line break or begins or ends with a space or a tab).  Writes at most
     * bufsize bytes of the field into buf (no NUL) and returns its whole
     * length: ask with bufsize 0 first when the field may not fit. */
    size_t (*csv_field)(const char *s, size_t n, char *buf, size_t bufsize);

    /* CSV in the run's dialect (engine setting `csv = standard | dutch`,
     * `regie run --csv`): its field separator (',' or ';'), its decimal
     * separator ('.' or ','), and whether a file begins with the UTF-8 BOM
     * (returned: 1 or 0).  A plugin writing CSV writes the BOM first, joins
     * fields with *delimiter, ends lines with CRLF, and writes each field
     * with csv_field_run. */
    int (*csv_dialect)(regie_ctx *ctx, char *delimiter, char *decimal_sep);
    /* csv_field by the run's dialect: quoted when it holds the dialect's
     * separator (not only a comma).  With `decimal` non-zero, a text that
     * is exactly a decimal number (-?D+.D+: 67.92, -0.5) is written with
     * the run's decimal separator; give 0 for a text that is not a
     * number (a list's items joined, a name). */
    size_t (*csv_field_run)(regie_ctx *ctx, int decimal, const char *s, size_t n, char *buf,
                            size_t bufsize);
} regie_host;

/* Whether the host table a plugin was handed has MEMBER: a host built
 * before MEMBER was appended hands a shorter table (its `size`). */
#define REGIE_HOST_HAS(host, member)                                                               \
    ((host)->size >= offsetof(regie_host, member) + sizeof((host)->member))

/* ---- the plugin descriptor ---------------------------------------------- */
typedef struct regie_plugin {
    uint32_t magic;       /* REGIE_PLUGIN_MAGIC */
    uint32_t abi_version; /* REGIE_ABI_VERSION */
    uint32_t size;        /* sizeof(regie_plugin) */
    const char *name;     /* [a-z0-9_-]+, unique among loaded plugins */
    const char *version;
    const char *summary;
    const regie_param *params; /* ends in {0}; may be NULL for none */
    /* Once per process; may set *state.  Non-zero refuses the plugin. */
    int (*init)(const regie_host *host, void **state);
    /* Once per step execution.  0: done; non-zero: failed (see host->fail). */
    int (*run)(const regie_host *host, regie_ctx *ctx, void *state);
    void (*fini)(void *state);
    void *reserved[8]; /* zero */
} regie_plugin;

#define REGIE_PLUGIN_INIT(name_, version_, summary_, params_, init_, run_, fini_)              \
    { REGIE_PLUGIN_MAGIC, REGIE_ABI_VERSION, (uint32_t)sizeof(regie_plugin), (name_),          \
      (version_), (summary_), (params_), (init_), (run_), (fini_), { 0 } }

#ifdef __cplusplus
}
#endif
#endif /* REGIE_H */
