/* util.c: memory, strings, files written atomically, the path search, buffers, error lists.
 * Not installed; every exported name carries the rg_ prefix. */
#ifndef REGIE_UTIL_H
#define REGIE_UTIL_H

#include "regie.h"
#include <stdarg.h>
#include <stdio.h>

void *rg_xmalloc(size_t n);
void *rg_xcalloc(size_t n, size_t m);
void *rg_xrealloc(void *p, size_t n);
char *rg_xstrdup(const char *s);
char *rg_xstrndup(const char *s, size_t n);
char *rg_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *rg_xvasprintf(const char *fmt, va_list ap);
char *rg_trim(char *s); /* in place, returns s moved past leading blanks */
/* path as an absolute path (the working directory before a relative one;
 * not resolved further); caller frees. */
char *rg_abs_path(const char *path);
/* 1 if s is 1 to max characters, each an ASCII letter, a digit, _ or -:
 * the names of inputs and steps (max 64) and the values of id columns
 * (max 32). */
int rg_valid_id(const char *s, size_t max);
/* Split "a, b ,c" on `sep` into trimmed, non-empty parts; returns count. */
size_t rg_split(const char *s, char sep, char ***out);
void rg_strv_free(char **v, size_t n);
/* FNV-1a over the bytes of s (NULL: none), continuing from h; start with
 * RG_FNV1A_BASIS.  For hash tables and seeds, not for anything secure. */
#define RG_FNV1A_BASIS 0xcbf29ce484222325ULL
uint64_t rg_fnv1a(uint64_t h, const char *s);
/* Read a whole file; NUL-terminated.  NULL with errno on failure. */
char *rg_read_file(const char *path, size_t *len);
/* Read a file from start to end, handing each piece to each(ud, piece,
 * len): for what need not hold it all at once.  A directory is refused
 * (EISDIR).  0, or -1 with errno. */
int rg_read_pieces(const char *path, void (*each)(void *ud, const void *piece, size_t len),
                   void *ud);
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
/* The same, the messages of src put before dst's message at pos (at the
 * end if pos is past it). */
void rg_err_insert(rg_errors *dst, size_t pos, const rg_errors *src);
void rg_err_free(rg_errors *e);
/* Order the messages by the file they name, then by line (a message about
 * a whole file before its lines); messages at one place keep their order.
 * A message added without a place is placed by its text (see util.c). */
void rg_err_sort(rg_errors *e);
/* The candidate nearest to word (edit distance, ignoring case), or -1 when
 * none is close enough to be a likely typing error. */
long rg_nearest(const char *word, const char *const *cands, size_t n);

/* The form two spellings of one person's name share, for the four-eyes
 * rule (doc/workflows.md): the name's letters and digits only, A-Z as a-z
 * and the letters U+00C0-U+00DE as their small letters; every other ASCII
 * character (blanks, punctuation, controls) is left out, every other
 * non-ASCII byte kept.  "" when nothing is left.  Free with free(). */
char *rg_person_key(const char *name);
/* The operating-system user running regie: the name of the effective uid
 * (getpwuid), else $USER, else $LOGNAME, else "uid N".  Free with free(). */
char *rg_os_user(void);

#endif /* REGIE_UTIL_H */
