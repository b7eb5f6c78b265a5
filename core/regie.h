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

/* The ABI this header describes.  Version 2 added step types (several per
 * plugin, each with per-step instances and parameters bound to a struct),
 * readers of input files, Lua functions and the step journal; the host
 * still loads plugins built for version 1 (REGIE_ABI_MIN) unchanged, and
 * refuses any other version with the path and both numbers.
 *
 *   1  regie 0.1: one step type per plugin (init/run/fini, `params`).
 *   2  regie 0.2: `types`, `readers`, `lua` in the descriptor; regie_param
 *      gained `at`; the host table gained the members after csv_field_run.
 */
#define REGIE_ABI_VERSION 2u
#define REGIE_ABI_MIN 1u
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
    /* ABI 2: where the value goes in the step type's config struct, as
     * REGIE_AT(struct, member) (offset + 1); 0: not bound (read it with
     * host->param).  Bound members have these C types:
     *   STRING  const char *      (NULL when absent and no default)
     *   INT     int64_t           NUM   double
     *   BOOL    int (0/1)         DATE  int32_t (days since 1970-01-01)
     *   LIST    regie_strlist
     * The host owns the strings; they live as long as the step instance. */
    size_t at;
} regie_param;

#define REGIE_AT(type, member) (offsetof(type, member) + 1)

/* A bound LIST parameter: its items, trimmed. */
typedef struct regie_strlist {
    size_t n;
    const char *const *v;
} regie_strlist;

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

    /* ---- ABI 2 ---- */

    /* Readers (regie_reader.read): name the sheet being read, as errors
     * show it (FILE:SHEET!CELL). */
    int (*sheet_name)(regie_ctx *ctx, const char *name);
    /* Hand one cell of the sheet: row and col count from 1 (A1 is 1, 1),
     * in any order; a cell given twice keeps the last.  kind is one of
     * REGIE_CELL_*, text its text as said there (copied). */
    int (*sheet_cell)(regie_ctx *ctx, uint32_t row, uint32_t col, int kind, const char *text);

    /* The step's journal: short records that survive a crash, a retry and
     * `regie resume` of the same run (kept in the run store with the
     * step), for work that must happen once, such as a message sent.
     * journal_put returns once the record is durable (committed), and
     * replaces an earlier value of the same key.  journal_get copies the
     * value (NUL-terminated, cut at bufsize) into buf and returns its whole
     * length, or -1 when there is no record for key, or -2 when the journal
     * cannot be read (the step's error says why: never take it for "no
     * record").  Keys and values are
     * text up to 4096 bytes; they go into the store, never the audit trail
     * or the log. */
    int (*journal_put)(regie_ctx *ctx, const char *key, const char *value);
    long (*journal_get)(regie_ctx *ctx, const char *key, char *buf, size_t bufsize);

    /* The step's name and the run's output directory (absolute), for
     * messages and for files a library writes itself; NULL in a reader. */
    const char *(*step_name)(regie_ctx *ctx);
    const char *(*output_dir)(regie_ctx *ctx);
} regie_host;

/* Kinds of sheet cells (host->sheet_cell). */
enum {
    REGIE_CELL_TEXT = 1,   /* a text, as typed */
    REGIE_CELL_NUMBER = 2, /* a number, written with '.' and no exponent where
                              it fits: "95", "95.5", "-0.25" (at most 15
                              significant digits, as a spreadsheet shows) */
    REGIE_CELL_DATE = 3,   /* a date or date-time from a cell formatted as
                              one: "2026-01-09" or "2026-01-09T10:15[:SS]" */
    REGIE_CELL_BOOL = 4,   /* "1" or "0" */
    REGIE_CELL_ERROR = 5   /* a formula's error value: "#DIV/0!", "#N/A" */
};

/* Whether the host table a plugin was handed has MEMBER: a host built
 * before MEMBER was appended hands a shorter table (its `size`). */
#define REGIE_HOST_HAS(host, member)                                                               \
    ((host)->size >= offsetof(regie_host, member) + sizeof((host)->member))

/* ---- step types (ABI 2) --------------------------------------------------
 * A plugin offers one or more step types; a workflow's step names one with
 * `plugin = TYPE`.  Type names are unique among all loaded plugins.
 *
 * Threads: the plugin's `state` (from init) is shared, and `open`, `run`
 * and `close` of different steps run on several threads at once: state
 * must be read-only after init or locked.  A step instance belongs to one
 * step of one run and is used by one thread at a time: open once before
 * the step's first attempt, run once per attempt, close once at the end
 * (also after a failure or timeout); an open that fails fails the step
 * without further attempts.  With `isolate = process` all three run in
 * the child process, and each attempt is a child of its own: it opens,
 * runs and closes an instance of its own (a crashed attempt takes its
 * instance with it).
 */
typedef struct regie_step_type {
    uint32_t size;       /* sizeof(regie_step_type) */
    const char *name;    /* [a-z0-9_-]+ */
    const char *summary;
    const regie_param *params; /* ends in {0}; may be NULL for none */
    uint32_t param_size;       /* sizeof(regie_param) as the plugin was built */
    uint32_t config_size;      /* size of the struct params are bound to; 0: none */
    /* The step's instance: config holds the bound parameters (NULL when
     * config_size is 0; valid until close).  May be NULL (no instance).
     * Non-zero fails the step (host->fail says why). */
    int (*open)(const regie_host *host, regie_ctx *ctx, void *plugin_state, const void *config,
                void **instance);
    /* One attempt.  0: done; non-zero: failed (see host->fail). */
    int (*run)(const regie_host *host, regie_ctx *ctx, void *plugin_state, void *instance);
    void (*close)(void *plugin_state, void *instance); /* may be NULL */
} regie_step_type;

#define REGIE_STEP_TYPE(name_, summary_, params_, config_type_, open_, run_, close_)             \
    { (uint32_t)sizeof(regie_step_type), (name_), (summary_), (params_),                         \
      (uint32_t)sizeof(regie_param), (uint32_t)sizeof(config_type_), (open_), (run_), (close_) }

/* ---- readers (ABI 2) ------------------------------------------------------
 * A reader turns a file of another format (a workbook) into the cells of
 * one sheet; the host then reads them with the input's column specs, types
 * and errors, exactly as a CSV file.  An input of `type = csv` whose file a
 * reader recognises (by content, not name) is read by it; `format = NAME`
 * on an input insists on one, `sheet = NAME` picks a sheet (else the
 * first).  The first row is the header.
 */
typedef struct regie_reader {
    uint32_t size;       /* sizeof(regie_reader) */
    const char *format;  /* "xlsx", "ods": [a-z0-9_-]+, unique */
    const char *summary;
    /* 1 when the file at path, beginning with head (n bytes, at most 4096),
     * is of this format; it may open the file to look further. */
    int (*sniff)(void *plugin_state, const char *path, const unsigned char *head, size_t n);
    /* Read sheet (NULL: the first) of path through host->sheet_name and
     * host->sheet_cell.  Non-zero: unreadable, with host->fail saying why
     * (no such sheet: name the sheets there are). */
    int (*read)(const regie_host *host, regie_ctx *ctx, void *plugin_state, const char *path,
                const char *sheet);
} regie_reader;

/* ---- Lua functions (ABI 2) ------------------------------------------------
 * A plugin may give Lua steps functions, called as
 * regie.plugin.PLUGIN.NAME(...) (PLUGIN with '-' as '_').  Arguments and the
 * result are values (tables are not passed); ctx is the calling step's, so
 * host->fail, log and the journal work.  Return 0 with *result set, or
 * non-zero after host->fail: the Lua call raises that error.  Called on
 * several threads at once.
 * The result's memory stays the plugin's: the host copies the value (a
 * string, or a list and all it holds) before the call returns, and never
 * frees it.  So it need stay valid only until then: a thread-local buffer,
 * or a table of host->table_new that the plugin frees at its next call on
 * that thread and, for the last ones, in fini (plugins/workbook does so).
 */
typedef struct regie_lua_fn {
    const char *name; /* [a-z0-9_]+ */
    const char *summary;
    int (*fn)(const regie_host *host, regie_ctx *ctx, void *plugin_state, const regie_value *args,
              size_t nargs, regie_value *result);
} regie_lua_fn;

/* ---- the plugin descriptor ---------------------------------------------- */
typedef struct regie_plugin {
    uint32_t magic;       /* REGIE_PLUGIN_MAGIC */
    uint32_t abi_version; /* REGIE_ABI_VERSION */
    uint32_t size;        /* sizeof(regie_plugin) */
    const char *name;     /* [a-z0-9_-]+, unique among loaded plugins */
    const char *version;
    const char *summary;
    /* The plain form (REGIE_PLUGIN_INIT): one step type named as the plugin,
     * with these parameters (read with host->param; `at` is not used) and
     * `run`.  A plugin built for ABI 1 has only this form, and its entries
     * lack `at` (the host knows their size by abi_version).  NULL when the
     * plugin lists `types`. */
    const regie_param *params;
    /* Once per process, before anything else; may set *state.  May be
     * NULL.  Non-zero refuses the plugin. */
    int (*init)(const regie_host *host, void **state);
    /* The plain form: once per step attempt.  NULL when `types` is used. */
    int (*run)(const regie_host *host, regie_ctx *ctx, void *state);
    void (*fini)(void *state); /* may be NULL */
    /* ABI 2 (zero in ABI 1): each list ends in a {0} entry, may be NULL. */
    const regie_step_type *types;
    const regie_reader *readers;
    const regie_lua_fn *lua;
    void *reserved[5]; /* zero */
} regie_plugin;

/* An ABI 2 descriptor: types, readers and Lua functions (each list ends in
 * {0} and may be NULL). */
#define REGIE_PLUGIN_V2(name_, version_, summary_, init_, fini_, types_, readers_, lua_)        \
    { REGIE_PLUGIN_MAGIC, REGIE_ABI_VERSION, (uint32_t)sizeof(regie_plugin), (name_),          \
      (version_), (summary_), NULL, (init_), NULL, (fini_), (types_), (readers_), (lua_), { 0 } }

/* The plain form: one step type named as the plugin. */
#define REGIE_PLUGIN_INIT(name_, version_, summary_, params_, init_, run_, fini_)              \
    { REGIE_PLUGIN_MAGIC, REGIE_ABI_VERSION, (uint32_t)sizeof(regie_plugin), (name_),          \
      (version_), (summary_),                                                                  \
      (params_), (init_), (run_), (fini_), NULL, NULL, NULL, { 0 } }

#ifdef __cplusplus
}
#endif
#endif /* REGIE_H */
