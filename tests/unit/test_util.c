/* core/base/util.c: strings, files written atomically, the path search, the
 * growable buffer, integer text and error lists (and rg_parse_bool). */
#define _GNU_SOURCE
#include "map.h"
#include "util.h"
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Names in dir (without . and ..), joined by spaces in sorted order. */
static char *listing(const char *dir)
{
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    ck_assert_msg(n >= 0, "scandir %s: %s", dir, strerror(errno));
    rg_buf b = { 0 };
    rg_buf_puts(&b, "");
    for (int i = 0; i < n; i++) {
        if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, "..")) {
            rg_buf_printf(&b, "%s%s", b.len ? " " : "", ents[i]->d_name);
        }
        free(ents[i]);
    }
    free(ents);
    return b.data;
}

/* ---- strings ---- */

START_TEST(trim_strips_both_ends_only)
{
    char a[] = " \t\r\n a  b \t\r\n";
    ck_assert_str_eq(rg_trim(a), "a  b");
    char b[] = "plain";
    ck_assert_ptr_eq(rg_trim(b), b); /* nothing to strip: the same pointer */
    ck_assert_str_eq(b, "plain");
    char c[] = " \t \r\n ";
    ck_assert_str_eq(rg_trim(c), "");
    char d[] = "";
    ck_assert_str_eq(rg_trim(d), "");
    /* the text moves past the leading blanks; the trailing ones are cut */
    char e[] = "  x ";
    char *t = rg_trim(e);
    ck_assert_ptr_eq(t, e + 2);
    ck_assert_int_eq(e[3], 0);
}
END_TEST

/* rg_valid_id: the one check of input, step and id names */
START_TEST(valid_ids)
{
    ck_assert(rg_valid_id("bid_A-07", 32));
    ck_assert(rg_valid_id("x", 1));
    ck_assert(!rg_valid_id("", 32));
    ck_assert(!rg_valid_id("ab", 1));
    ck_assert(!rg_valid_id("a b", 32));
    ck_assert(!rg_valid_id("a.b", 32));
    ck_assert(!rg_valid_id("\xc3\xa9", 32)); /* ASCII letters only */
    char longest[65];
    memset(longest, 'a', 64);
    longest[64] = 0;
    ck_assert(rg_valid_id(longest, 64));
    ck_assert(!rg_valid_id(longest, 32));
}
END_TEST

START_TEST(split_trims_and_drops_empty_parts)
{
    char **v;
    size_t n = rg_split(" a , b b ,, ,c\t", ',', &v);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(v[0], "a");
    ck_assert_str_eq(v[1], "b b");
    ck_assert_str_eq(v[2], "c");
    rg_strv_free(v, n);

    /* a path list: empty entries ("::") and blanks do not make a directory */
    n = rg_split("/usr/lib::  /opt/x :", ':', &v);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(v[0], "/usr/lib");
    ck_assert_str_eq(v[1], "/opt/x");
    rg_strv_free(v, n);

    /* NULL and "" split into no parts, and the vector can still be freed */
    n = rg_split(NULL, ',', &v);
    ck_assert_uint_eq(n, 0);
    rg_strv_free(v, n);
    n = rg_split(" , ,", ',', &v);
    ck_assert_uint_eq(n, 0);
    rg_strv_free(v, n);
    rg_strv_free(NULL, 0);

    /* more parts than the first allocation holds, in order */
    rg_buf b = { 0 };
    for (int i = 0; i < 100; i++) {
        rg_buf_printf(&b, "%sp%d", i ? "," : "", i);
    }
    n = rg_split(b.data, ',', &v);
    ck_assert_uint_eq(n, 100);
    for (int i = 0; i < 100; i++) {
        char want[8];
        snprintf(want, sizeof want, "p%d", i);
        ck_assert_str_eq(v[i], want);
    }
    rg_strv_free(v, n);
    rg_buf_free(&b);
}
END_TEST

START_TEST(copies_and_formatting)
{
    const char *src = "abcdef";
    char *p = rg_xstrndup(src, 3);
    ck_assert_str_eq(p, "abc");
    free(p);
    p = rg_xstrndup(src, 0);
    ck_assert_str_eq(p, "");
    free(p);
    p = rg_xstrdup(src);
    ck_assert_ptr_ne(p, src);
    ck_assert_str_eq(p, src);
    free(p);
    p = rg_xasprintf("%s:%d: %s", "f.csv", 12, "found \"x\"");
    ck_assert_str_eq(p, "f.csv:12: found \"x\"");
    free(p);
    /* zero sizes give a block that can be freed, not NULL */
    p = rg_xmalloc(0);
    ck_assert_ptr_nonnull(p);
    free(p);
    int *z = rg_xcalloc(4, sizeof *z);
    ck_assert_int_eq(z[0] | z[1] | z[2] | z[3], 0);
    z = rg_xrealloc(z, 1000 * sizeof *z);
    z[999] = 7;
    ck_assert_int_eq(z[999], 7);
    free(z);
}
END_TEST

START_TEST(fmt_int_whole_range)
{
    char buf[24];
    ck_assert_uint_eq(rg_fmt_int(buf, 0), 1);
    ck_assert_str_eq(buf, "0");
    ck_assert_uint_eq(rg_fmt_int(buf, -7), 2);
    ck_assert_str_eq(buf, "-7");
    ck_assert_uint_eq(rg_fmt_int(buf, 1234567890), 10);
    ck_assert_str_eq(buf, "1234567890");
    ck_assert_uint_eq(rg_fmt_int(buf, INT64_MAX), 19);
    ck_assert_str_eq(buf, "9223372036854775807");
    /* the one value whose negation does not fit */
    ck_assert_uint_eq(rg_fmt_int(buf, INT64_MIN), 20);
    ck_assert_str_eq(buf, "-9223372036854775808");
    /* agrees with printf over a spread of values */
    for (int64_t v = -100000; v <= 100000; v += 997) {
        char want[24];
        int n = snprintf(want, sizeof want, "%lld", (long long)v);
        ck_assert_uint_eq(rg_fmt_int(buf, v), (size_t)n);
        ck_assert_str_eq(buf, want);
    }
}
END_TEST

START_TEST(parse_bool_words)
{
    const char *yes[] = { "yes", "YES", "Ja", "1", "true", "True", "on", "ON", NULL };
    const char *no[] = { "no", "No", "nee", "NEE", "0", "false", "FALSE", "off", NULL };
    for (int i = 0; yes[i]; i++) {
        int b = -1;
        ck_assert_msg(rg_parse_bool(yes[i], &b) == 0 && b == 1, "%s", yes[i]);
    }
    for (int i = 0; no[i]; i++) {
        int b = -1;
        ck_assert_msg(rg_parse_bool(no[i], &b) == 0 && b == 0, "%s", no[i]);
    }
    const char *bad[] = { "", "y", "n", "2", "yess", " yes", "no ", "-1", "waar", NULL };
    for (int i = 0; bad[i]; i++) {
        int b = 42;
        ck_assert_msg(rg_parse_bool(bad[i], &b) == -1, "accepted \"%s\"", bad[i]);
        ck_assert_int_eq(b, 42); /* untouched */
    }
}
END_TEST

/* ---- the buffer ---- */

START_TEST(buffer_grows_and_stays_terminated)
{
    rg_buf b = { 0 };
    rg_buf_puts(&b, "");
    ck_assert_ptr_nonnull(b.data); /* "" makes an empty, terminated text */
    ck_assert_uint_eq(b.len, 0);
    ck_assert_str_eq(b.data, "");
    rg_buf_puts(&b, "ab");
    rg_buf_printf(&b, "-%d-%s", 42, "x");
    ck_assert_str_eq(b.data, "ab-42-x");
    ck_assert_uint_eq(b.len, 7);
    /* bytes with NULs in them count in len */
    rg_buf_put(&b, "\0z", 2);
    ck_assert_uint_eq(b.len, 9);
    ck_assert_int_eq(b.data[7], 0);
    ck_assert_int_eq(b.data[8], 'z');
    ck_assert_int_eq(b.data[9], 0);
    /* far past the first allocation, one byte at a time and in one piece */
    rg_buf c = { 0 };
    for (int i = 0; i < 10000; i++) {
        char ch = (char)('a' + i % 26);
        rg_buf_put(&c, &ch, 1);
        ck_assert_int_eq(c.data[c.len], 0);
    }
    ck_assert_uint_eq(c.len, 10000);
    ck_assert_uint_ge(c.cap, c.len + 1);
    ck_assert_int_eq(c.data[9999], 'a' + 9999 % 26);
    char *big = malloc(100000);
    memset(big, 'q', 100000);
    rg_buf_put(&c, big, 100000);
    ck_assert_uint_eq(c.len, 110000);
    ck_assert_int_eq(c.data[109999], 'q');
    ck_assert_int_eq(c.data[110000], 0);
    free(big);
    rg_buf_free(&c);
    ck_assert_ptr_null(c.data);
    ck_assert_uint_eq(c.len, 0);
    ck_assert_uint_eq(c.cap, 0);
    /* a freed buffer can be used again */
    rg_buf_puts(&c, "again");
    ck_assert_str_eq(c.data, "again");
    rg_buf_free(&c);
    rg_buf_free(&b);
}
END_TEST

/* ---- error lists ---- */

START_TEST(errors_name_file_and_line)
{
    rg_errors e = { 0 };
    rg_err_add(&e, "bids.csv", 12, "column %s: found \"%s\", expected %s", "rate", "9x",
               "a number");
    rg_err_add(&e, "tender.ini", 0, "missing key \"closing\"");
    rg_err_add(&e, "tender.ini", -1, "no line either");
    rg_err_add(&e, NULL, 5, "no file: the line is not shown");
    rg_err_add(&e, NULL, 0, "%d%%", 100);
    ck_assert_uint_eq(e.n, 5);
    ck_assert_str_eq(e.msg[0], "bids.csv:12: column rate: found \"9x\", expected a number");
    ck_assert_str_eq(e.msg[1], "tender.ini: missing key \"closing\"");
    ck_assert_str_eq(e.msg[2], "tender.ini: no line either");
    ck_assert_str_eq(e.msg[3], "no file: the line is not shown");
    ck_assert_str_eq(e.msg[4], "100%");
    /* printed one a line, in the order they were added */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    rg_err_print(&e, f);
    fclose(f);
    ck_assert_str_eq(text, "bids.csv:12: column rate: found \"9x\", expected a number\n"
                           "tender.ini: missing key \"closing\"\n"
                           "tender.ini: no line either\n"
                           "no file: the line is not shown\n"
                           "100%\n");
    free(text);
    rg_err_free(&e);
    ck_assert_uint_eq(e.n, 0);
    ck_assert_ptr_null(e.msg);
    /* a freed list collects again; many messages keep their order */
    for (int i = 1; i <= 1000; i++) {
        rg_err_add(&e, "s.csv", i, "row %d", i);
    }
    ck_assert_uint_eq(e.n, 1000);
    ck_assert_str_eq(e.msg[0], "s.csv:1: row 1");
    ck_assert_str_eq(e.msg[999], "s.csv:1000: row 1000");
    rg_err_free(&e);
}
END_TEST

/* e's messages are want[0..n), in that order */
static void errs_are(const rg_errors *e, const char *const *want, size_t n)
{
    ck_assert_uint_eq(e->n, n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(strcmp(e->msg[i], want[i]) == 0, "message %zu: \"%s\", expected \"%s\"", i,
                      e->msg[i], want[i]);
    }
}

START_TEST(errors_sort_by_file_then_line)
{
    rg_errors e = { 0 };
    rg_err_add(&e, "scores.csv", 12, "column level: found \"80\"");
    rg_err_add(&e, "bids.csv", 3, "second at bids.csv:3");
    rg_err_add(&e, "scores.csv", 0, "no row for bid C");          /* the whole file */
    rg_err_add(&e, "bids.csv", 3, "third at bids.csv:3");
    rg_err_add(&e, "bids.csv", 10, "column rate: 9: not a number"); /* ": N: " in the text */
    rg_err_add(&e, "scores.csv", 2, "column bid_id: X: unknown");
    rg_err_sort(&e);
    const char *want[] = {
        "bids.csv:3: second at bids.csv:3",  "bids.csv:3: third at bids.csv:3",
        "bids.csv:10: column rate: 9: not a number", "scores.csv: no row for bid C",
        "scores.csv:2: column bid_id: X: unknown", "scores.csv:12: column level: found \"80\"",
    };
    errs_are(&e, want, sizeof want / sizeof *want);
    rg_err_free(&e);

    /* the place given, not what the text seems to say: a file name with
     * ": " in it, a text that starts like a line number */
    rg_err_add(&e, "notes: v2.csv", 1, "late");
    rg_err_add(&e, "notes.csv", 7, "12: looks like a line");
    rg_err_add(&e, "notes.csv", 2, "early");
    rg_err_sort(&e);
    const char *want2[] = { "notes.csv:2: early", "notes.csv:7: 12: looks like a line",
                            "notes: v2.csv:1: late" };
    errs_are(&e, want2, 3);
    rg_err_free(&e);

    /* ties keep the order they were added in, however many */
    for (int i = 0; i < 100; i++) {
        rg_err_add(&e, i % 2 ? "b.csv" : "a.csv", 4, "%d", i);
    }
    rg_err_sort(&e);
    for (int i = 0; i < 50; i++) {
        char a[32], b[32];
        snprintf(a, sizeof a, "a.csv:4: %d", 2 * i);
        snprintf(b, sizeof b, "b.csv:4: %d", 2 * i + 1);
        ck_assert_str_eq(e.msg[i], a);
        ck_assert_str_eq(e.msg[50 + i], b);
    }
    rg_err_free(&e);
    /* none or one message: nothing to do */
    rg_err_sort(&e);
    rg_err_add(&e, NULL, 0, "alone");
    rg_err_sort(&e);
    ck_assert_str_eq(e.msg[0], "alone");
    rg_err_free(&e);
}
END_TEST

START_TEST(errors_without_place_and_copied)
{
    rg_errors e = { 0 }, copy = { 0 };
    /* a message without a place sorts by its text, as a copy of a placed
     * message made with rg_err_add(e, NULL, 0, "%s", m) does */
    rg_err_add(&e, "x.csv", 5, "five");
    rg_err_add(&e, NULL, 0, "--set: levle: the workflow has no input of that name");
    rg_err_add(&e, NULL, 0, "%s", "x.csv:2: two");
    rg_err_add(&e, NULL, 0, "x.csv: whole");
    rg_err_sort(&e);
    const char *want[] = { "--set: levle: the workflow has no input of that name", "x.csv: whole",
                           "x.csv:2: two", "x.csv:5: five" };
    errs_are(&e, want, 4);
    rg_err_free(&e);

    /* rg_err_append copies each message with its place: sorted, the copy
     * follows the place, not the text */
    rg_err_add(&e, "notes: v2.csv", 1, "late");
    rg_err_add(&e, "notes.csv", 2, "early");
    rg_err_add(&copy, "notes.csv", 9, "first in the copy");
    rg_err_append(&copy, &e);
    rg_err_append(&copy, &copy); /* onto itself: the messages there when it starts */
    ck_assert_uint_eq(copy.n, 6);
    rg_err_sort(&copy);
    const char *want2[] = { "notes.csv:2: early", "notes.csv:2: early", "notes.csv:9: first in the copy",
                            "notes.csv:9: first in the copy", "notes: v2.csv:1: late",
                            "notes: v2.csv:1: late" };
    errs_are(&copy, want2, 6);
    ck_assert_ptr_ne(copy.msg[0], e.msg[1]); /* copied, not shared */
    rg_err_free(&copy);
    rg_err_free(&e);
    ck_assert_ptr_null(e.at);
}
END_TEST

START_TEST(nearest_word)
{
    const char *keys[] = { "tiebreak", "lot_mode", "threshold", "thresholds", "seed" };
    size_t n = sizeof keys / sizeof *keys;
    ck_assert_int_eq(rg_nearest("tiebrek", keys, n), 0);    /* a letter left out */
    ck_assert_int_eq(rg_nearest("tiebraek", keys, n), 0);   /* two letters swapped: one edit */
    ck_assert_int_eq(rg_nearest("TieBreak", keys, n), 0);   /* case ignored */
    ck_assert_int_eq(rg_nearest("treshold", keys, n), 2);   /* the nearest of two close ones */
    ck_assert_int_eq(rg_nearest("thresholds", keys, n), 3); /* an exact match */
    ck_assert_int_eq(rg_nearest("lotmode", keys, n), 1);
    ck_assert_int_eq(rg_nearest("sede", keys, n), 4);       /* short word: one edit allowed */
    ck_assert_int_eq(rg_nearest("sxdx", keys, n), -1);      /* two edits in four letters: too far */
    ck_assert_int_eq(rg_nearest("colour", keys, n), -1);
    ck_assert_int_eq(rg_nearest("", keys, n), -1);
    ck_assert_int_eq(rg_nearest("tiebrek", keys, 0), -1);
    /* three edits at most, however long the word */
    ck_assert_int_eq(rg_nearest("interview_places", (const char *[]){ "interview_plxxxx" }, 1), -1);
    ck_assert_int_eq(rg_nearest("interview_places", (const char *[]){ "interview_plaxxx" }, 1), 0);
    /* words longer than 64 letters are never near */
    char longw[80];
    memset(longw, 'a', sizeof longw - 1);
    longw[sizeof longw - 1] = 0;
    const char *longc[] = { longw };
    ck_assert_int_eq(rg_nearest(longw, longc, 1), -1);
    /* the first of equally near candidates */
    ck_assert_int_eq(rg_nearest("cat", (const char *[]){ "bat", "cut" }, 2), 0);
}
END_TEST

/* ---- files ---- */

START_TEST(read_file_whole_and_errors)
{
    char *p = t_path("data.bin");
    const char bytes[] = "a\0b\nc";
    ck_assert_int_eq(rg_write_file_atomic(p, bytes, sizeof bytes - 1), 0);
    size_t len = 0;
    char *text = rg_read_file(p, &len);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(len, 5); /* NUL bytes inside count */
    ck_assert_int_eq(memcmp(text, bytes, 5), 0);
    ck_assert_int_eq(text[5], 0); /* and the text is terminated */
    free(text);
    free(p);

    p = t_path("empty");
    ck_assert_int_eq(rg_write_file_atomic(p, "", 0), 0);
    text = rg_read_file(p, &len);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(len, 0);
    ck_assert_str_eq(text, "");
    free(text);
    free(p);

    /* a file larger than any first guess */
    p = t_path("big");
    size_t n = 3 * 1024 * 1024 + 17;
    char *big = malloc(n);
    for (size_t i = 0; i < n; i++) {
        big[i] = (char)('0' + i % 10);
    }
    ck_assert_int_eq(rg_write_file_atomic(p, big, n), 0);
    text = rg_read_file(p, &len);
    ck_assert_uint_eq(len, n);
    ck_assert_int_eq(memcmp(text, big, n), 0);
    free(text);
    free(big);
    free(p);

    /* a file whose size stat() does not know (0), read to its end */
    text = rg_read_file("/proc/self/status", &len);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_gt(len, 0);
    ck_assert_uint_eq(strlen(text), len);
    ck_assert_ptr_nonnull(strstr(text, "Name:"));
    ck_assert_ptr_nonnull(strstr(text, "VmRSS")); /* past the first lines */
    free(text);

    p = t_path("missing.csv");
    errno = 0;
    ck_assert_ptr_null(rg_read_file(p, &len));
    ck_assert_int_eq(errno, ENOENT);
    free(p);
    errno = 0;
    ck_assert_ptr_null(rg_read_file(t_dir, NULL)); /* a directory is not a file */
    ck_assert_int_eq(errno, EISDIR);
}
END_TEST

START_TEST(mkdir_p_nested_existing_and_blocked)
{
    char *p = t_path("a/b/c");
    ck_assert_int_eq(rg_mkdir_p(p), 0);
    struct stat st;
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    ck_assert_int_eq(rg_mkdir_p(p), 0); /* already there: fine */
    free(p);
    p = t_path("a/b/d/");
    ck_assert_int_eq(rg_mkdir_p(p), 0); /* a trailing slash */
    ck_assert_int_eq(stat(p, &st), 0);
    free(p);
    /* a file in the way */
    p = t_path("file");
    ck_assert_int_eq(rg_write_file_atomic(p, "x", 1), 0);
    free(p);
    p = t_path("file/sub/dir");
    errno = 0;
    ck_assert_int_eq(rg_mkdir_p(p), -1);
    ck_assert_int_eq(errno, ENOTDIR);
    free(p);
    p = t_path("file");
    errno = 0;
    ck_assert_int_eq(rg_mkdir_p(p), -1); /* the name is taken by a file */
    ck_assert_int_eq(errno, EEXIST);
    free(p);
}
END_TEST

START_TEST(atomic_write_replaces_and_leaves_nothing_behind)
{
    char *p = t_path("out/deep/ranking.csv");
    ck_assert_int_eq(rg_write_file_atomic(p, "old\n", 4), 0); /* folders made */
    char *text = t_read(p);
    ck_assert_str_eq(text, "old\n");
    free(text);
    ck_assert_int_eq(rg_write_file_atomic(p, "new text\n", 9), 0);
    text = t_read(p);
    ck_assert_str_eq(text, "new text\n");
    free(text);
    char *dir = t_path("out/deep");
    char *names = listing(dir);
    ck_assert_str_eq(names, "ranking.csv"); /* no NAME.tmp.PID.N left */
    free(names);
    free(dir);
    free(p);
    /* a folder that cannot be made: -1, and nothing written */
    p = t_path("blocker");
    ck_assert_int_eq(rg_write_file_atomic(p, "x", 1), 0);
    free(p);
    p = t_path("blocker/x.csv");
    ck_assert_int_eq(rg_write_file_atomic(p, "y", 1), -1);
    free(p);
    names = listing(t_dir);
    ck_assert_str_eq(names, "blocker out");
    free(names);
}
END_TEST

/* The names of unfinished files (NAME.tmp.PID.N) and their removal: one
 * process's, or every process's that no longer runs, below a folder. */
START_TEST(afile_unfinished_files_found_and_removed)
{
    ck_assert_int_eq(rg_afile_tmp_pid("a.csv.tmp.123.4"), 123);
    ck_assert_int_eq(rg_afile_tmp_pid("x.tmp.1.2.tmp.7.8"), 7);
    ck_assert_int_eq(rg_afile_tmp_pid(".tmp.5.6"), 0);
    ck_assert_int_eq(rg_afile_tmp_pid("a.tmp.12"), 0);
    ck_assert_int_eq(rg_afile_tmp_pid("a.tmp.12.x"), 0);
    ck_assert_int_eq(rg_afile_tmp_pid("a.tmp.0.1"), 0);
    ck_assert_int_eq(rg_afile_tmp_pid("a.tmp.-3.1"), 0);
    ck_assert_int_eq(rg_afile_tmp_pid("a.csv"), 0);
    /* a process that has ended */
    pid_t dead = fork();
    ck_assert_int_ge(dead, 0);
    if (dead == 0) {
        _exit(0);
    }
    ck_assert_int_eq(waitpid(dead, NULL, 0), dead);
    char *dn = rg_xasprintf("o/sub/b.csv.tmp.%ld.1", (long)dead);
    char *mine = rg_xasprintf("o/a.csv.tmp.%ld.2", (long)getpid());
    free(t_write(t_dir, dn, "x"));
    free(t_write(t_dir, mine, "x"));
    free(t_write(t_dir, "o/a.csv", "x"));
    free(t_write(t_dir, "o/sub/c.tmp.1.z", "x"));
    char *o = t_path("o"), *sub = t_path("o/sub");
    rg_afile_remove_tmp(o, 0); /* the dead one's only */
    char *names = listing(sub);
    ck_assert_str_eq(names, "c.tmp.1.z");
    free(names);
    char *want = rg_xasprintf("a.csv a.csv.tmp.%ld.2 sub", (long)getpid());
    names = listing(o);
    ck_assert_str_eq(names, want);
    free(names);
    rg_afile_remove_tmp(o, (long)getpid()); /* this one's */
    names = listing(o);
    ck_assert_str_eq(names, "a.csv sub");
    free(names);
    free(want);
    free(o);
    free(sub);
    free(dn);
    free(mine);
}
END_TEST

START_TEST(afile_commit_and_abort)
{
    char *p = t_path("r/report.md");
    ck_assert_int_eq(rg_write_file_atomic(p, "version 1\n", 10), 0);
    rg_afile f;
    ck_assert_int_eq(rg_afile_open(&f, p), 0);
    ck_assert_int_ge(f.fd, 0);
    ck_assert_str_eq(f.path, p);
    ck_assert_ptr_nonnull(strstr(f.tmp, "report.md.tmp."));
    ck_assert_int_eq(rg_afile_write(&f, "version ", 8), 0);
    ck_assert_int_eq(rg_afile_write(&f, "2\n", 2), 0);
    /* until the commit readers see the old version */
    char *text = t_read(p);
    ck_assert_str_eq(text, "version 1\n");
    free(text);
    /* a second writer of the same file gets its own unfinished file */
    rg_afile g;
    ck_assert_int_eq(rg_afile_open(&g, p), 0);
    ck_assert_str_ne(f.tmp, g.tmp);
    ck_assert_int_eq(rg_afile_write(&g, "abandoned\n", 10), 0);
    char *gtmp = rg_xstrdup(g.tmp);
    ck_assert(rg_file_exists(gtmp));
    rg_afile_abort(&g);
    ck_assert(!rg_file_exists(gtmp));
    ck_assert_int_eq(g.fd, -1);
    free(gtmp);
    ck_assert_int_eq(rg_afile_commit(&f), 0);
    ck_assert_int_eq(f.fd, -1);
    ck_assert_ptr_null(f.tmp);
    text = t_read(p);
    ck_assert_str_eq(text, "version 2\n");
    free(text);
    char *dir = t_path("r");
    char *names = listing(dir);
    ck_assert_str_eq(names, "report.md");
    free(names);
    free(dir);
    free(p);
    /* a new file in a new folder, aborted: the file never appears */
    p = t_path("n/new.csv");
    ck_assert_int_eq(rg_afile_open(&f, p), 0);
    ck_assert_int_eq(rg_afile_write(&f, "a,b\n", 4), 0);
    rg_afile_abort(&f);
    ck_assert(!rg_file_exists(p));
    dir = t_path("n");
    names = listing(dir);
    ck_assert_str_eq(names, "");
    free(names);
    free(dir);
    free(p);
    /* a folder that cannot be made: -1, f cleared */
    p = t_path("r/report.md/x");
    errno = 0;
    ck_assert_int_eq(rg_afile_open(&f, p), -1);
    ck_assert_int_ne(errno, 0);
    ck_assert_int_eq(f.fd, -1);
    ck_assert_ptr_null(f.tmp);
    free(p);
}
END_TEST

START_TEST(path_find_first_match_in_order)
{
    char *d1 = t_path("one"), *d2 = t_path("two"), *d3 = t_path("none");
    free(t_write(d1, "tender/rank.lua", "-- one"));
    free(t_write(d2, "tender/rank.lua", "-- two"));
    free(t_write(d2, "only-two.lua", "-- two"));
    char *dirs = rg_xasprintf("%s:%s:%s", d3, d1, d2);
    char *found = rg_path_find(dirs, "tender/rank.lua");
    char *want = rg_xasprintf("%s/tender/rank.lua", d1);
    ck_assert_str_eq(found, want); /* the earlier directory wins */
    free(want);
    free(found);
    found = rg_path_find(dirs, "only-two.lua");
    want = rg_xasprintf("%s/only-two.lua", d2);
    ck_assert_str_eq(found, want);
    free(want);
    free(found);
    ck_assert_ptr_null(rg_path_find(dirs, "absent.lua"));
    ck_assert_ptr_null(rg_path_find("", "tender/rank.lua"));
    ck_assert_ptr_null(rg_path_find(NULL, "tender/rank.lua"));
    /* blanks and empty entries around the directories are ignored */
    char *loose = rg_xasprintf(" :%s : ", d2);
    found = rg_path_find(loose, "only-two.lua");
    ck_assert_ptr_nonnull(found);
    free(found);
    free(loose);
    ck_assert(rg_file_exists(d1));
    ck_assert(!rg_file_exists(d3));
    free(dirs);
    free(d1);
    free(d2);
    free(d3);
}
END_TEST

START_TEST(monotonic_clock_moves_forward)
{
    double a = rg_now();
    usleep(2000);
    double b = rg_now();
    ck_assert(a > 0);
    ck_assert(b > a);
}
END_TEST

/* FNV-1a 64: the published test values, and continuing from a hash. */
START_TEST(fnv1a_known_values)
{
    ck_assert_uint_eq(rg_fnv1a(RG_FNV1A_BASIS, ""), 0xcbf29ce484222325ULL);
    ck_assert_uint_eq(rg_fnv1a(RG_FNV1A_BASIS, "a"), 0xaf63dc4c8601ec8cULL);
    ck_assert_uint_eq(rg_fnv1a(RG_FNV1A_BASIS, "foobar"), 0x85944171f73967e8ULL);
    ck_assert_uint_eq(rg_fnv1a(rg_fnv1a(RG_FNV1A_BASIS, "foo"), "bar"),
                      rg_fnv1a(RG_FNV1A_BASIS, "foobar"));
    ck_assert_uint_eq(rg_fnv1a(42, NULL), 42);
}
END_TEST

/* The one hash map: put replaces, add keeps the first, growth keeps every
 * key, clear empties it, keys are compared by their text. */
START_TEST(map_put_add_find_grow)
{
    rg_map m = { 0 };
    size_t v = 99;
    ck_assert_int_eq(rg_map_find(&m, "a", &v), -1);
    char keys[1000][8];
    for (size_t i = 0; i < 1000; i++) {
        snprintf(keys[i], sizeof keys[i], "k%zu", i);
        ck_assert_int_eq(rg_map_add(&m, keys[i], i, NULL), 0);
    }
    ck_assert_uint_eq(m.n, 1000);
    ck_assert_uint_le(2 * m.n, m.cap);
    for (size_t i = 0; i < 1000; i++) {
        char probe[8];
        snprintf(probe, sizeof probe, "k%zu", i); /* another copy of the text */
        ck_assert_int_eq(rg_map_find(&m, probe, &v), 0);
        ck_assert_uint_eq(v, i);
    }
    size_t had = 0;
    ck_assert_int_eq(rg_map_add(&m, "k7", 5000, &had), 1);
    ck_assert_uint_eq(had, 7);
    ck_assert_int_eq(rg_map_find(&m, "k7", &v), 0);
    ck_assert_uint_eq(v, 7);
    rg_map_put(&m, "k7", 5000);
    ck_assert_int_eq(rg_map_find(&m, "k7", &v), 0);
    ck_assert_uint_eq(v, 5000);
    ck_assert_uint_eq(m.n, 1000);
    ck_assert_int_eq(rg_map_find(&m, "k1000", &v), -1);
    rg_map_clear(&m);
    ck_assert_uint_eq(m.n, 0);
    ck_assert_int_eq(rg_map_find(&m, "k1", &v), -1);
    rg_map_put(&m, "x", 1);
    ck_assert_int_eq(rg_map_find(&m, "x", &v), 0);
    ck_assert_uint_eq(v, 1);
    rg_map_free(&m);
    ck_assert_int_eq(rg_map_find(&m, "x", &v), -1);
}
END_TEST

Suite *suite_util(void);
Suite *suite_util(void)
{
    Suite *s = suite_create("util");
    TCase *str = tcase_create("strings");
    tcase_add_test(str, trim_strips_both_ends_only);
    tcase_add_test(str, valid_ids);
    tcase_add_test(str, split_trims_and_drops_empty_parts);
    tcase_add_test(str, copies_and_formatting);
    tcase_add_test(str, fmt_int_whole_range);
    tcase_add_test(str, parse_bool_words);
    tcase_add_test(str, buffer_grows_and_stays_terminated);
    tcase_add_test(str, errors_name_file_and_line);
    tcase_add_test(str, errors_sort_by_file_then_line);
    tcase_add_test(str, errors_without_place_and_copied);
    tcase_add_test(str, nearest_word);
    tcase_add_test(str, fnv1a_known_values);
    tcase_add_test(str, map_put_add_find_grow);
    suite_add_tcase(s, str);
    TCase *files = tcase_create("files");
    tcase_add_checked_fixture(files, t_dir_setup, t_dir_teardown);
    tcase_add_test(files, read_file_whole_and_errors);
    tcase_add_test(files, mkdir_p_nested_existing_and_blocked);
    tcase_add_test(files, atomic_write_replaces_and_leaves_nothing_behind);
    tcase_add_test(files, afile_commit_and_abort);
    tcase_add_test(files, afile_unfinished_files_found_and_removed);
    tcase_add_test(files, path_find_first_match_in_order);
    tcase_add_test(files, monotonic_clock_moves_forward);
    suite_add_tcase(s, files);
    return s;
}
