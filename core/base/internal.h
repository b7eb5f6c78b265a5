/*
 * internal.h - interfaces between the modules of the regie engine library.
 * Not installed.  Every exported name carries the rg_ prefix; everything
 * else in a .c file is static.  Functions return 0 or a negative number.
 */
#ifndef REGIE_INTERNAL_H
#define REGIE_INTERNAL_H

#include "regie.h"

#include <stdarg.h>
#include <stdio.h>

/* ---- util.c ------------------------------------------------------------- */
void *rg_xmalloc(size_t n);
void *rg_xcalloc(size_t n, size_t m);
void *rg_xrealloc(void *p, size_t n);
char *rg_xstrdup(const char *s);
char *rg_xstrndup(const char *s, size_t n);
char *rg_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *rg_xvasprintf(const char *fmt, va_list ap);
char *rg_trim(char *s); /* in place, returns s moved past leading blanks */
/* Split "a, b ,c" on `sep` into trimmed, non-empty parts; returns count. */
size_t rg_split(const char *s, char sep, char ***out);
void rg_strv_free(char **v, size_t n);
/* FNV-1a over the bytes of s (NULL: none), continuing from h; start with
 * RG_FNV1A_BASIS.  For hash tables and seeds, not for anything secure. */
#define RG_FNV1A_BASIS 0xcbf29ce484222325ULL
uint64_t rg_fnv1a(uint64_t h, const char *s);
/* Read a whole file; NUL-terminated.  NULL with errno on failure. */
char *rg_read_file(const char *path, size_t *len);
/* Write atomically (tmp + rename; fsync of the file and its directory too
 * when rg_sync_writes is set);
 * creates parent directories.  A process killed at any moment leaves the
 * old file or the new one, never a mix; fsync also covers a power cut. */
int rg_write_file_atomic(const char *path, const void *data, size_t len);
/* The same in parts: open (tmp file, folders made), write, then commit
 * (fsync when rg_sync_writes, rename) or abort (tmp removed).  -1 with
 * errno on failure; a failed commit has aborted. */
typedef struct rg_afile {
    char *path, *tmp;
    int fd;
    int dirfd; /* the folder it is in, opened below a base (-1: by path) */
} rg_afile;
int rg_afile_open(rg_afile *f, const char *path);
/* The unfinished files rg_afile makes are named NAME.tmp.PID.N: the PID
 * of such a file name (its last part), 0 when it is not one. */
long rg_afile_tmp_pid(const char *name);
/* Remove the unfinished files below dir (not following symbolic links):
 * pid > 0: those of that process; 0: those of every process that no
 * longer runs (never this one's). */
void rg_afile_remove_tmp(const char *dir, long pid);
/* rg_afile_open of base/rel that follows no symbolic link below base:
 * each folder on the way is opened with O_NOFOLLOW (made when missing),
 * the file is made in the last of them and renamed there.  A symbolic
 * link on the way, or as the file itself, fails with ELOOP and the length
 * of rel up to its end in *bad (base itself may be one). */
int rg_afile_open_below(rg_afile *f, const char *base, const char *rel, size_t *bad);
int rg_afile_write(rg_afile *f, const void *data, size_t len);
int rg_afile_commit(rg_afile *f);
void rg_afile_abort(rg_afile *f);
extern int rg_sync_writes;
/* With rg_sync_writes, a commit (and a folder rg_mkdir_p makes) also
 * fsyncs the directory that holds the new name; counted here for tests. */
extern unsigned long rg_dir_syncs;
int rg_mkdir_p(const char *path);
int rg_file_exists(const char *path);
/* The first dir/rel that exists along a ':'-separated list of directories,
 * or NULL.  Caller frees. */
char *rg_path_find(const char *dirs, const char *rel);
double rg_now(void); /* monotonic seconds */
/* yes/no/ja/nee/1/0/true/false/on/off, any case. */
int rg_parse_bool(const char *v, int *out);

/* Growable byte buffer. */
typedef struct rg_buf {
    char *data;
    size_t len, cap;
} rg_buf;
void rg_buf_put(rg_buf *b, const void *p, size_t n);
void rg_buf_puts(rg_buf *b, const char *s);
void rg_buf_printf(rg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rg_buf_free(rg_buf *b);
/* Bytes for a file or another process: a 64-bit number little-endian, a
 * string as its length and its bytes. */
void rg_buf_put_u64(rg_buf *b, uint64_t v);
void rg_buf_put_str(rg_buf *b, const char *s, size_t n);
/* Reading them back: past the end or a malformed count sets bad (and gives
 * 0 or ""), so a reader checks once at the end. */
typedef struct rg_reader {
    const unsigned char *p, *end;
    int bad;
} rg_reader;
void rg_reader_init(rg_reader *r, const void *data, size_t len);
uint64_t rg_read_u64(rg_reader *r);
/* A count of items that take at least `each` bytes each: more than what is
 * left is bad, so bad bytes cannot ask for a huge allocation. */
size_t rg_read_count(rg_reader *r, size_t each);
const char *rg_read_str(rg_reader *r, size_t *n);
/* v in decimal into buf (at least 21 bytes), NUL-terminated; the length. */
size_t rg_fmt_int(char *buf, int64_t v);

/* A list of error messages, each already "FILE:LINE: text", with the
 * place it names beside it (file NULL: none; line 0: the whole file). */
typedef struct rg_err_place {
    char *file;
    long line;
} rg_err_place;
typedef struct rg_errors {
    char **msg;
    rg_err_place *at; /* at[i]: where msg[i] points */
    size_t n, cap;
} rg_errors;
void rg_err_add(rg_errors *e, const char *file, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void rg_err_addv(rg_errors *e, const char *file, long line, const char *fmt, va_list ap);
void rg_err_print(const rg_errors *e, FILE *f);
/* Add every message of src to dst, each with its place. */
void rg_err_append(rg_errors *dst, const rg_errors *src);
void rg_err_free(rg_errors *e);
/* Order the messages by the file they name, then by line (a message about
 * a whole file before its lines); messages at one place keep their order.
 * A message added without a place is placed by its text (see util.c). */
void rg_err_sort(rg_errors *e);
/* The candidate nearest to word (edit distance, ignoring case), or -1 when
 * none is close enough to be a likely typing error. */
long rg_nearest(const char *word, const char *const *cands, size_t n);

/* ---- value.c: tables, lists, data ---------------------------------------- */
struct regie_list {
    regie_value *items;
    size_t n, cap;
    struct regie_table *owner; /* holds the storage of the items */
};

struct regie_table {
    char **cols;
    size_t ncols;
    regie_value *cells; /* nrows * ncols, row-major */
    long *lines;        /* per row source line, or NULL */
    size_t nrows, cap;
    char *source; /* source file path, or NULL */
    /* owned storage for strings and lists */
    struct rg_chunk *chunks;
    regie_list **lists;
    size_t nlists, listcap;
    size_t bytes; /* what the table has taken from malloc so far (grows only) */
};

regie_table *rg_table_new(size_t ncols, const char *const *cols);
void rg_table_free(regie_table *t);
long rg_table_colindex(const regie_table *t, const char *name);
/* Append a row; copies strings and lists into the table.  line may be 0. */
int rg_table_append(regie_table *t, const regie_value *row, long line);
/* A row filled in place: the cells of a new last row (null), not yet
 * counted; rg_table_row_end counts it.  Strings and lists put in the cells
 * must belong to t (rg_table_strdup, rg_table_list_new). */
regie_value *rg_table_row_begin(regie_table *t);
void rg_table_row_end(regie_table *t, long line);
/* Storage owned by the table: copy a string / make a list. */
const char *rg_table_strdup(regie_table *t, const char *s, size_t len);
regie_list *rg_table_list_new(regie_table *t);
int rg_list_push(regie_list *l, const regie_value *v); /* copies into l->owner */
/* Deep copy of v whose storage lives in `owner`. */
void rg_value_copy(regie_table *owner, regie_value *dst, const regie_value *src);
void rg_table_set_source(regie_table *t, const char *path);
static inline regie_value *rg_table_cell(const regie_table *t, size_t r, size_t c)
{
    return &t->cells[r * t->ncols + c];
}
regie_value rg_str_value(const char *s); /* borrows s */

/* A datum: what a data name holds during a run. */
typedef enum { RG_DATUM_NONE = 0, RG_DATUM_TABLE, RG_DATUM_VALUE } rg_datum_kind;
typedef struct rg_datum {
    rg_datum_kind kind;
    regie_table *table; /* TABLE: the table; VALUE: 0-column owner of strings/lists */
    regie_value value;  /* VALUE */
} rg_datum;
void rg_datum_clear(rg_datum *d);
/* Value as text for messages and `when` comparisons (caller frees). */
char *rg_value_to_text(const regie_value *v);

/* ---- decimal.c ------------------------------------------------------------ */
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

/* ---- rational.c ----------------------------------------------------------- */
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

/* ---- calendar.c ----------------------------------------------------------- */
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

/* ---- csv.c (libcsv underneath) -------------------------------------------- */
typedef enum {
    RG_COL_TEXT = 0,
    RG_COL_ID,       /* [A-Za-z0-9_-]{1,32} */
    RG_COL_INTEGER,  /* -> REGIE_INT */
    RG_COL_DECIMAL,  /* -> REGIE_NUM; decimal comma only when the delimiter is ';' */
    RG_COL_BOOLEAN,  /* yes/no/ja/nee/1/0/true/false -> REGIE_BOOL */
    RG_COL_DATE,     /* YYYY-MM-DD -> REGIE_STR */
    RG_COL_DATETIME, /* YYYY-MM-DD or YYYY-MM-DDTHH:MM -> REGIE_STR as written */
    RG_COL_LIST      /* ';'-separated (',' when the file's delimiter is ';' ... see csv.c) -> REGIE_LIST of strings */
} rg_coltype;

typedef struct rg_colspec {
    char *name;
    rg_coltype type;
    int optional; /* the column may be absent from the header */
    int required; /* every cell must be non-empty */
    int trim;     /* spaces and tabs around a text value are not part of it */
} rg_colspec;

/* Parse "bid_id:id!, rate:decimal, region?:text~"  (! = value required,
 * ~ = spaces and tabs around the value trimmed, also in a text column;
 * ? = column optional).  Errors are reported as FILE:LINE. */
int rg_colspec_parse(const char *spec, const char *file, long line, rg_colspec **out, size_t *n,
                     rg_errors *errs);
void rg_colspec_free(rg_colspec *c, size_t n);
const char *rg_coltype_name(rg_coltype t);

/* Read a CSV file: RFC 4180, UTF-8 with or without BOM, ',' or ';' detected
 * from the header line, CRLF or LF.  Header row required.  With a spec, the
 * listed columns must be present and cells are converted; without one, every
 * cell is a string and empty cells are "" (not null).  Every data error of the
 * file is collected into errs as "FILE:LINE: column NAME: found VALUE,
 * expected WHAT"; structural errors (no header, unterminated quote, wrong
 * field count) stop at the first.  Columns not in the spec are kept as text.
 * If `unique` is non-NULL, that column's values must be unique.
 * Returns 0 and a table whose rows carry their line numbers, or -1. */
int rg_csv_read(const char *path, const rg_colspec *spec, size_t nspec, const char *unique,
                regie_table **out, rg_errors *errs);
/* Same, from memory; `name` is used in messages and as the table source. */
int rg_csv_parse(const char *name, const char *data, size_t len, const rg_colspec *spec,
                 size_t nspec, const char *unique, regie_table **out, rg_errors *errs);
/* Write a table as CSV that spreadsheets open: ',' delimiter, CRLF, quotes
 * where needed, numbers with '.', integers as integers, NUM with the shortest
 * round-trip text, lists joined with ';', null as empty, booleans yes/no. */
void rg_csv_write(rg_buf *out, const regie_table *t);
/* One field as rg_csv_write writes it: text quoted when it holds a comma,
 * quote or line break or starts or ends with a space; null empty;
 * booleans yes/no; numbers in their shortest exact text. */
void rg_csv_put_text(rg_buf *b, const char *s, size_t n);
int rg_csv_needs_quotes(const char *s, size_t n);
/* A column name in a header line: also quoted when it holds a ';' (the
 * reader takes a header with more ';' than ',' outside quotes for one
 * separated by ';'). */
void rg_csv_put_name(rg_buf *b, const char *name);
void rg_csv_put_value(rg_buf *b, const regie_value *v);

/* ---- ini.c: INI files with file and line kept for every key --------------- */
typedef struct rg_kv {
    char *key;
    char *value;
    const char *file; /* interned in the rg_ini */
    int line;
    int used; /* set by whoever consumes the key, for "unknown key" checks */
} rg_kv;

typedef struct rg_section {
    char *name;
    const char *file;
    int line;
    rg_kv *kv;
    size_t n, cap;
} rg_section;

typedef struct rg_ini {
    rg_section *secs;
    size_t n, cap;
    size_t *index; /* open addressing: section name -> position + 1 */
    size_t index_cap;
    char **files; /* every file read, in order (main first, then includes) */
    size_t nfiles;
} rg_ini;

/* Substitution context for ${input.NAME} and ${env:NAME:-default}. */
typedef const char *(*rg_lookup_fn)(void *ud, const char *name);

/* The replacement of ${PREFIX NAME} in rg_substitute (name: NAME, a copy
 * the function may change): append it to out and return 0, or return 1 to
 * keep "${PREFIX NAME}" as written. */
typedef int (*rg_subst_fn)(void *ud, char *name, rg_buf *out);
/* value with each "${" prefix NAME "}" replaced through fn (prefix "":
 * every ${...}; NAME: the text up to the next '}').  An unterminated one
 * and the rest of value are kept as written, and *unterminated (if not
 * NULL) set to 1. */
char *rg_substitute(const char *value, const char *prefix, rg_subst_fn fn, void *ud,
                    int *unterminated);

/* Read an INI file with `include = FILE` (relative to the including file,
 * depth limit 8, loops detected), `;`/`#` comments, repeated sections merged.
 * With lookup, ${input.NAME} is replaced by lookup(ud, NAME) and
 * ${env:NAME:-default} from the environment.  All errors of the file go to
 * errs; returns -1 if any. */
int rg_ini_load(rg_ini *ini, const char *path, rg_lookup_fn lookup, void *ud, rg_errors *errs);
void rg_ini_free(rg_ini *ini);
rg_section *rg_ini_section(const rg_ini *ini, const char *name);
rg_kv *rg_section_get(const rg_section *s, const char *key);
/* Load a plain data INI (for `type = ini` inputs) as a table with columns
 * section,key,value (rows carry lines; source set). */
int rg_ini_to_table(const char *path, regie_table **out, rg_errors *errs);

/* ---- plugin.c ------------------------------------------------------------- */
typedef struct rg_plugin {
    char *path;
    void *handle; /* dlopen handle, NULL for built-in */
    const regie_plugin *desc;
    void *state;
    int initialised;
} rg_plugin;

typedef struct rg_plugins {
    rg_plugin *v;
    size_t n, cap;
    rg_errors refused; /* every file a scan refused, with the reason */
} rg_plugins;

extern const regie_host rg_host;

/* Load one shared object; refuse wrong magic/ABI/duplicate names with the
 * path and reason in errs.  A file that is not an ELF shared object
 * exporting the entry symbol is refused before it is loaded. */
int rg_plugin_load(rg_plugins *ps, const char *path, rg_errors *errs);
/* That check alone: NULL, or why the file at path is no plugin (in buf
 * or a constant). */
const char *rg_plugin_check_elf(const char *path, char *buf, size_t bufsize);
/* Load every *.so in each directory of a ':'-separated path.  A file
 * refused goes to errs and to ps->refused (for a warning where the scan's
 * errors are not shown); -1 if any was refused. */
int rg_plugins_scan(rg_plugins *ps, const char *dirs, rg_errors *errs);
rg_plugin *rg_plugin_find(rg_plugins *ps, const char *name);
int rg_plugin_init(rg_plugin *p, rg_errors *errs);
void rg_plugins_free(rg_plugins *ps);
void rg_plugin_print_doc(const rg_plugin *p, FILE *f);
const char *rg_param_type_name(regie_param_type t);
/* Check `value` against type; on failure returns -1 and sets *expected. */
int rg_param_check(regie_param_type t, const char *value, const char **expected);

#endif /* REGIE_INTERNAL_H */
