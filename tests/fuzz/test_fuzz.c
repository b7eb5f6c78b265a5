/* Fuzz tests: every reader of what users write (CSV inputs and column
 * specs, INI files, workflow files, `when =` conditions, numbers and dates)
 * and the real `regie run` of the shipped workflows are fed mutations of
 * real files.  None may crash, hang or trip a sanitizer, and each refusal
 * must name the file it refuses.
 *
 * The mutations come from a fixed seed, so `make check` runs the same
 * inputs every time: REGIE_FUZZ_ITERATIONS scales how many.  `make fuzz`
 * runs each target for REGIE_FUZZ_SECONDS with a new seed
 * (REGIE_FUZZ_SEED repeats a run).  An input that crashes or hangs is
 * written to fuzz-crash-TARGET.bin in the working directory.  The
 * target lua-api reads its input as a program of calls of the regie
 * module; elf feeds damaged shared objects to the plugin loader's check
 * (both in the test case "safety": CK_RUN_CASE=safety). */
#define _GNU_SOURCE
#include "mockhost.h"
#include "util.h"
#include "value.h"
#include "decimal.h"
#include "rational.h"
#include "bind.h"
#include "calendar.h"
#include "conf.h"
#include "exec.h"
#include "host.h"
#include "lua_step.h"
#include "plugin.h"
#include "rg_csv.h"
#include "rg_ini.h"
#include "workflow.h"
#include "testutil.h"

#include <check.h>
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

/* ---- the input being tried, for the crash handler ---- */
static const char *cur_target = "none";
static const char *cur_data;
static size_t cur_len;

static void dump_current(void)
{
    char path[128];
    int n = snprintf(path, sizeof path, "fuzz-crash-%s.bin", cur_target);
    if (n <= 0 || (size_t)n >= sizeof path) {
        return;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        if (cur_data && write(fd, cur_data, cur_len) < 0) {
            /* nothing more can be done in a dying process */
        }
        close(fd);
    }
    static const char msg[] = "fuzz: the input that failed is in fuzz-crash-TARGET.bin\n";
    if (write(2, msg, sizeof msg - 1) < 0) {
        /* idem */
    }
}

static void on_fatal(int sig)
{
    dump_current();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* AddressSanitizer and UndefinedBehaviorSanitizer end the process
 * through their own exit, not a signal: their death callback saves the
 * input (a weak reference: absent in a build without sanitizers). */
extern void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

static void guard_setup(const char *target)
{
    cur_target = target;
    static const int sigs[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGALRM };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        signal(sigs[i], on_fatal);
    }
    if (__sanitizer_set_death_callback) {
        __sanitizer_set_death_callback(dump_current);
    }
}

/* A watchdog per input: one that takes longer than this hangs. */
#define HANG_SECONDS 20
static void guard_input(const char *data, size_t len)
{
    cur_data = data;
    cur_len = len;
    struct itimerval it = { { 0, 0 }, { HANG_SECONDS, 0 } };
    setitimer(ITIMER_REAL, &it, NULL);
}

static void guard_end(void)
{
    struct itimerval it = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &it, NULL);
    cur_data = NULL;
}

/* ck_assert_msg that first saves the input to fuzz-crash-TARGET.bin */
#define fuzz_assert(cond, ...)                                                                     \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            dump_current();                                                                        \
            ck_abort_msg(__VA_ARGS__);                                                             \
        }                                                                                          \
    } while (0)

/* ---- mutations ---- */
typedef struct {
    uint64_t s;
} rng;

static uint64_t next(rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

static size_t rnd(rng *r, size_t n)
{
    return n ? (size_t)(next(r) % n) : 0;
}

typedef struct {
    char **data;
    size_t *len;
    size_t n;
} corpus;

static void corpus_add_text(corpus *c, const char *text, size_t len)
{
    c->data = rg_xrealloc(c->data, (c->n + 1) * sizeof *c->data);
    c->len = rg_xrealloc(c->len, (c->n + 1) * sizeof *c->len);
    c->data[c->n] = rg_xmalloc(len + 1);
    memcpy(c->data[c->n], text, len);
    c->data[c->n][len] = 0;
    c->len[c->n] = len;
    c->n++;
}

static void corpus_add_texts(corpus *c, const char *const *texts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        corpus_add_text(c, texts[i], strlen(texts[i]));
    }
}

static void corpus_add(corpus *c, const char *rel)
{
    char *path = t_src(rel);
    size_t len = 0;
    char *text = rg_read_file(path, &len);
    ck_assert_msg(text != NULL, "fuzz seed %s missing", path);
    corpus_add_text(c, text, len);
    free(text);
    free(path);
}

static void corpus_free(corpus *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->data[i]);
    }
    free(c->data);
    free(c->len);
}

/* Bytes that mean something to the readers: separators, quotes, line
 * ends, brackets, signs, and a few whole tokens. */
static const char *const tokens[] = {
    ",", ";", "\"", "\"\"", "\r\n", "\n", "\r", "=", "[", "]", "#", ";", " ", "\t", "\\", ":",
    "!", "?", "-", "+", ".", "0", "1", "9", "e", "T", "${", "}", "${input.", "${env:HOME:-x}",
    "include = ", "[step.x]", "[input.", "reads = ", "writes = ", "after = ", "when = ",
    "script = ", "plugin = ", "wait = ", "type = csv", "columns = ", ":id!", ":decimal",
    ":integer", ":list", ":date", ":datetime", ":boolean", "?:text", " and ", " or ", "not ",
    "(", ")", "==", "!=", "<=", ">", "input.", "1e308", "-0", "NaN", "inf", "0x1p3",
    "9223372036854775808", "2026-02-29", "2024-02-29", "2026-13-01", "T24:00", "T23:59",
    "\xef\xbb\xbf", "\xc3\xa9", "\xff", "\0",
};

static size_t mutate(rng *r, char *buf, size_t len, size_t cap, const corpus *c)
{
    int rounds = 1 + (int)rnd(r, 4);
    for (int k = 0; k < rounds; k++) {
        size_t pos = rnd(r, len + 1);
        switch (rnd(r, 8)) {
        case 0: /* flip a bit */
            if (len) {
                buf[rnd(r, len)] ^= (char)(1u << rnd(r, 8));
            }
            break;
        case 1: /* a byte becomes a token's first byte */
            if (len) {
                buf[rnd(r, len)] = tokens[rnd(r, sizeof tokens / sizeof tokens[0])][0];
            }
            break;
        case 2:
        case 3: { /* insert a token */
            const char *t = tokens[rnd(r, sizeof tokens / sizeof tokens[0])];
            size_t n = *t ? strlen(t) : 1;
            if (len + n <= cap) {
                memmove(buf + pos + n, buf + pos, len - pos);
                memcpy(buf + pos, t, n);
                len += n;
            }
            break;
        }
        case 4: { /* delete a range */
            size_t n = 1 + rnd(r, 16);
            if (pos < len) {
                n = n > len - pos ? len - pos : n;
                memmove(buf + pos, buf + pos + n, len - pos - n);
                len -= n;
            }
            break;
        }
        case 5: { /* repeat a range somewhere else */
            if (!len) {
                break;
            }
            size_t from = rnd(r, len), n = 1 + rnd(r, 64);
            n = n > len - from ? len - from : n;
            if (len + n <= cap) {
                char tmp[64];
                memcpy(tmp, buf + from, n);
                memmove(buf + pos + n, buf + pos, len - pos);
                memcpy(buf + pos, tmp, n);
                len += n;
            }
            break;
        }
        case 6: { /* a piece of another seed */
            size_t s = rnd(r, c->n), from = rnd(r, c->len[s]), n = 1 + rnd(r, 128);
            n = n > c->len[s] - from ? c->len[s] - from : n;
            if (len + n <= cap && c->len[s]) {
                memmove(buf + pos + n, buf + pos, len - pos);
                memcpy(buf + pos, c->data[s] + from, n);
                len += n;
            }
            break;
        }
        default: /* cut the end off */
            if (rnd(r, 4) == 0) {
                len = pos;
            }
            break;
        }
    }
    buf[len] = 0;
    return len;
}

/* ---- the loop ---- */
typedef void (*target_fn)(const char *data, size_t len, void *arg);

static long env_long(const char *name, long dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : dflt;
}

/* Each seed as it is, then mutations: `iterations` of them (scaled by
 * REGIE_FUZZ_ITERATIONS, in percent), or as many as REGIE_FUZZ_SECONDS
 * allows. */
static void fuzz(const char *target, const corpus *c, long iterations, target_fn fn, void *arg)
{
    guard_setup(target);
    uint64_t seed = (uint64_t)env_long("REGIE_FUZZ_SEED", 1);
    rng r = { seed * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL };
    for (const char *p = target; *p; p++) { /* a sequence of its own per target */
        r.s = (r.s ^ (uint64_t)(unsigned char)*p) * 0x100000001B3ULL;
    }
    r.s |= 1;
    double seconds = (double)env_long("REGIE_FUZZ_SECONDS", 0);
    iterations = iterations * env_long("REGIE_FUZZ_ITERATIONS", 100) / 100;
    size_t maxlen = 0;
    for (size_t i = 0; i < c->n; i++) {
        maxlen = c->len[i] > maxlen ? c->len[i] : maxlen;
    }
    size_t cap = maxlen + 4096;
    char *buf = rg_xmalloc(cap + 1);
    for (size_t i = 0; i < c->n; i++) {
        memcpy(buf, c->data[i], c->len[i] + 1);
        guard_input(buf, c->len[i]);
        fn(buf, c->len[i], arg);
        guard_end();
    }
    double t0 = rg_now();
    long done = 0;
    for (;; done++) {
        if (seconds > 0 ? rg_now() - t0 >= seconds : done >= iterations) {
            break;
        }
        size_t s = rnd(&r, c->n);
        memcpy(buf, c->data[s], c->len[s] + 1);
        size_t len = mutate(&r, buf, c->len[s], cap, c);
        guard_input(buf, len);
        fn(buf, len, arg);
        guard_end();
    }
    if (seconds > 0) {
        fprintf(stderr, "fuzz %s: %ld inputs in %.0f s (seed %llu)\n", target, done, rg_now() - t0,
                (unsigned long long)seed);
    }
    free(buf);
}

/* Every message names the file: "NAME:" at its start. */
static void assert_named(const rg_errors *errs, const char *name, const char *data)
{
    fuzz_assert(errs->n > 0, "refused without a message; input:\n%s", data);
    for (size_t i = 0; i < errs->n; i++) {
        fuzz_assert(strncmp(errs->msg[i], name, strlen(name)) == 0 && errs->msg[i][strlen(name)] == ':',
                      "message does not name %s: \"%s\"; input:\n%s", name, errs->msg[i], data);
    }
}

/* ---- CSV ---- */
static const char *const csv_specs[] = {
    "bid_id:id!, supplier:text!, candidate:text!, rate_excl_vat_eur:decimal!, cv_count?:integer, "
    "motivation_count?:integer, submitted_at:datetime!, region?:text",
    "bid_id:id!, crit_id:id!, evaluator:text!, level:decimal!, motivation?:text",
    "id:id!, kind:text!, title:text!, max_points:decimal, scale:text, check?:text, value_eur?:decimal",
    "id:id, on:date, ok?:boolean, tags?:list, n?:integer",
    "id?:id, name?:text~!, note?:text~, kind?:text",
    NULL, /* no spec: every cell is text */
};

static void try_csv(const char *data, size_t len, void *arg)
{
    (void)arg;
    static size_t turn;
    size_t k = turn++ % (sizeof csv_specs / sizeof csv_specs[0]);
    rg_colspec *spec = NULL;
    size_t nspec = 0;
    rg_errors errs = { 0 };
    if (csv_specs[k]) {
        ck_assert_int_eq(rg_colspec_parse(csv_specs[k], "spec", 1, &spec, &nspec, &errs), 0);
    }
    regie_table *t = NULL;
    int rc = rg_csv_parse("in.csv", data, len, spec, nspec, k == 0 ? "bid_id" : NULL, &t, &errs);
    if (rc != 0) {
        fuzz_assert(t == NULL, "refused, yet a table made");
        assert_named(&errs, "in.csv", data);
    } else {
        fuzz_assert(t != NULL && errs.n == 0, "read, yet no table or %zu messages", errs.n);
        for (size_t r = 0; r < t->nrows; r++) {
            fuzz_assert(t->lines[r] >= 2, "row %zu has line %ld; input:\n%s", r, t->lines[r], data);
            for (size_t i = 0; i < nspec; i++) {
                long c = rg_table_colindex(t, spec[i].name);
                if (c < 0) {
                    fuzz_assert(spec[i].optional, "required column %s missing", spec[i].name);
                    continue;
                }
                const regie_value *v = rg_table_cell(t, r, (size_t)c);
                if (spec[i].required) {
                    fuzz_assert(v->type != REGIE_NULL, "required %s empty in row %zu", spec[i].name, r);
                }
                if (spec[i].trim && v->type == REGIE_STR && v->u.s.len > 0) {
                    /* ~: no space or tab at either end, quoted or not */
                    const char *p = v->u.s.ptr;
                    size_t l = v->u.s.len;
                    fuzz_assert(p[0] != ' ' && p[0] != '\t' && p[l - 1] != ' ' && p[l - 1] != '\t',
                                "%s not trimmed in row %zu: \"%s\"", spec[i].name, r, p);
                }
            }
        }
        if (!csv_specs[k] && t->ncols > 0) {
            /* what regie writes, it reads back the same: spaces and tabs
             * at either end of a text included (a text column keeps them) */
            rg_buf out = { 0 };
            rg_csv_write(&out, t);
            regie_table *u = NULL;
            rg_errors e2 = { 0 };
            int rc2 = rg_csv_parse("again.csv", out.data ? out.data : "", out.len, NULL, 0, NULL, &u, &e2);
            fuzz_assert(rc2 == 0, "written CSV not read back: %s\n%s", e2.n ? e2.msg[0] : "", out.data);
            fuzz_assert(u->ncols == t->ncols && u->nrows == t->nrows, "%zu x %zu read back as %zu x %zu",
                        t->nrows, t->ncols, u->nrows, u->ncols);
            for (size_t c = 0; c < t->ncols; c++) {
                fuzz_assert(strcmp(u->cols[c], t->cols[c]) == 0, "column \"%s\" read back as \"%s\"",
                            t->cols[c], u->cols[c]);
            }
            for (size_t r = 0; r < t->nrows; r++) {
                for (size_t c = 0; c < t->ncols; c++) {
                    char *a = rg_value_to_text(rg_table_cell(t, r, c));
                    char *b = rg_value_to_text(rg_table_cell(u, r, c));
                    fuzz_assert(strcmp(a, b) == 0, "cell %zu,%zu: \"%s\" read back as \"%s\"", r, c, a, b);
                    free(a);
                    free(b);
                }
            }
            rg_table_free(u);
            rg_err_free(&e2);
            rg_buf_free(&out);
        }
        rg_table_free(t);
    }
    rg_err_free(&errs);
    rg_colspec_free(spec, nspec);
}

START_TEST(fuzz_csv)
{
    corpus c = { 0 };
    corpus_add(&c, "examples/tender/bids.csv");
    corpus_add(&c, "examples/tender/scores.csv");
    corpus_add(&c, "examples/tender/criteria.csv");
    corpus_add(&c, "examples/stakeholders/stakeholders.csv");
    static const char extra[] = "id;on;ok;tags;n\r\na;2026-01-05;ja;\"x,y\";3\r\n\"b\"\"c\";;nee;;-4\r\n";
    corpus_add_text(&c, extra, sizeof extra - 1);
    static const char spaces[] = "id,name,note,kind\r\n a , Anna ,\" x \",\tk\t\r\nb,\"\tB\",  ,\r\n";
    corpus_add_text(&c, spaces, sizeof spaces - 1);
    fuzz("csv", &c, 4000, try_csv, NULL);
    corpus_free(&c);
}
END_TEST

/* ---- column specs, numbers, dates ---- */
static void try_values(const char *data, size_t len, void *arg)
{
    (void)arg;
    (void)len;
    rg_colspec *spec = NULL;
    size_t n = 0;
    rg_errors errs = { 0 };
    if (rg_colspec_parse(data, "wf.ini", 7, &spec, &n, &errs) != 0) {
        assert_named(&errs, "wf.ini", data);
    }
    rg_colspec_free(spec, n);
    rg_err_free(&errs);
    double d;
    for (int sep = 0; sep < 2; sep++) {
        /* (a number written with an exponent, below 1e-6, from 1e16 or
         * with more than 17 decimals, is not one the decimal reader takes) */
        if (rg_parse_decimal(data, sep ? ',' : '.', &d) == 0) {
            char text[64];
            double again;
            rg_format_shortest(d, text, sizeof text);
            fuzz_assert(strchr(text, 'e') || (rg_parse_decimal(text, '.', &again) == 0 && again == d),
                          "\"%s\" read as %.17g, written \"%s\"", data, d, text);
        }
    }
    int64_t i;
    if (rg_parse_int(data, &i) == 0) {
        char text[24];
        int64_t again;
        rg_fmt_int(text, i);
        fuzz_assert(rg_parse_int(text, &again) == 0 && again == i, "\"%s\" read as %lld, written \"%s\"",
                    data, (long long)i, text);
    }
    int32_t day;
    int minute;
    if (rg_date_parse(data, &day) == 0) {
        char text[11];
        int32_t again;
        rg_date_format(day, text);
        fuzz_assert(rg_date_parse(text, &again) == 0 && again == day, "date \"%s\"", data);
    }
    if (rg_datetime_parse(data, &day, &minute) == 0) {
        fuzz_assert(minute >= -1 && minute < 24 * 60, "\"%s\": minute %d", data, minute);
    }
    (void)rg_liberation_parse(data);
}

START_TEST(fuzz_values)
{
    corpus c = { 0 };
    static const char *const seeds[] = {
        "bid_id:id!, supplier:text!, rate_excl_vat_eur:decimal!, cv_count?:integer, submitted_at:datetime!",
        "tags:list, on:date, ok?:boolean", "125.50", "-0.005", "1,25", "1e3", "9223372036854775807",
        "-42", "2026-01-12", "2026-01-12T09:30", "2024-02-29", "yearly", "lustrum",
    };
    corpus_add_texts(&c, seeds, sizeof seeds / sizeof seeds[0]);
    fuzz("values", &c, 20000, try_values, NULL);
    corpus_free(&c);
}
END_TEST

/* ---- `when =` conditions ---- */
static long lookup_index(void *ud, const char *name)
{
    (void)ud;
    size_t h = strlen(name) % 5;
    return h < 4 ? (long)h : -1;
}

static const regie_value *lookup(void *ud, long d)
{
    static regie_value v[4];
    (void)ud;
    v[0].type = REGIE_INT;
    v[0].u.i = 3;
    v[1] = rg_str_value("x");
    v[2].type = REGIE_BOOL;
    v[2].u.b = 1;
    v[3].type = REGIE_NUM;
    v[3].u.n = 0.5;
    return &v[d];
}

static void try_expr(const char *data, size_t len, void *arg)
{
    (void)arg;
    (void)len;
    char *error = NULL;
    rg_expr *e = rg_expr_parse(data, &error);
    if (!e) {
        fuzz_assert(error && *error, "\"%s\" refused without a message", data);
        free(error);
        return;
    }
    rg_expr_refs refs = { 0 };
    rg_expr_refs_collect(e, &refs);
    rg_expr_resolve(e, lookup_index, NULL);
    int v = rg_expr_eval(e, lookup, NULL);
    fuzz_assert(v == 0 || v == 1, "\"%s\" evaluated to %d", data, v);
    rg_strv_free(refs.names, refs.n);
    rg_expr_free(e);
}

START_TEST(fuzz_expr)
{
    corpus c = { 0 };
    static const char *const seeds[] = {
        "interviews", "not low_price_flagged", "input.interviews and award_state == \"awarded\"",
        "(a or b) and not (c != 2)", "count >= 3 or name == 'x'",
    };
    corpus_add_texts(&c, seeds, sizeof seeds / sizeof seeds[0]);
    fuzz("expr", &c, 20000, try_expr, NULL);
    corpus_free(&c);
}
END_TEST

/* ---- INI files: engine config, data INI, workflow files ---- */

/* The input as the file dir/name; returns its path. */
static char *put_input(const char *dir, const char *name, const char *data, size_t len)
{
    char *path = rg_xasprintf("%s/%s", dir, name);
    ck_assert_int_eq(rg_write_file_atomic(path, data, len), 0);
    return path;
}

typedef struct {
    char *dir;
    rg_config cfg;
    rg_plugins plugins;
    rg_lua *lua;
} wf_env;

static void try_ini(const char *data, size_t len, void *arg)
{
    wf_env *w = arg;
    char *path = put_input(w->dir, "in.ini", data, len);
    rg_ini ini;
    rg_errors errs = { 0 };
    if (rg_ini_load(&ini, path, &errs) != 0) {
        assert_named(&errs, path, data);
    }
    rg_ini_free(&ini);
    rg_err_free(&errs);
    regie_table *t = NULL;
    if (rg_ini_to_table(path, &t, &errs) != 0) {
        assert_named(&errs, path, data);
    } else {
        fuzz_assert(t->ncols == 3, "an INI file read as %zu columns", t->ncols);
    }
    rg_table_free(t);
    rg_err_free(&errs);
    rg_config cfg;
    if (rg_config_load(&cfg, path, &errs) != 0) {
        assert_named(&errs, path, data);
    }
    rg_config_free(&cfg);
    rg_err_free(&errs);
    free(path);
}

static void try_workflow(const char *data, size_t len, void *arg)
{
    wf_env *w = arg;
    char *path = put_input(w->dir, "wf.ini", data, len);
    rg_workflow wf;
    rg_errors errs = { 0 };
    if ((rg_workflow_load(&wf, path, &w->cfg, NULL, 0, &errs) |
         rg_workflow_bind(&wf, &w->plugins, &rg_host, w->lua, &errs)) != 0) {
        /* every message names a file: this one or a script it names */
        fuzz_assert(errs.n > 0, "refused without a message; input:\n%s", data);
        for (size_t i = 0; i < errs.n; i++) {
            fuzz_assert(strchr(errs.msg[i], ':') != NULL && errs.msg[i][0] != ':',
                          "message without a file: \"%s\"; input:\n%s", errs.msg[i], data);
        }
    } else {
        FILE *f = fopen("/dev/null", "w");
        rg_workflow_dot(&wf, f);
        fclose(f);
    }
    rg_workflow_free(&wf); /* (also what a refused one holds) */
    rg_err_free(&errs);
    free(path);
}

static void env_open(wf_env *w)
{
    w->dir = t_tmpdir();
    rg_errors errs = { 0 };
    rg_config_load(&w->cfg, NULL, &errs);
    rg_err_free(&errs);
    memset(&w->plugins, 0, sizeof w->plugins);
    rg_plugins_scan(&w->plugins, w->cfg.plugin_path, &errs);
    rg_err_free(&errs);
    w->lua = rg_lua_new(w->cfg.script_path);
}

static void env_close(wf_env *w)
{
    rg_lua_free(w->lua);
    rg_plugins_free(&w->plugins);
    rg_config_free(&w->cfg);
    t_rmtree(w->dir);
    free(w->dir);
}

/* Fuzz a target that needs the engine set up, on the given files. */
static void fuzz_in_env(const char *target, const char *const *files, long iterations, target_fn fn)
{
    corpus c = { 0 };
    for (size_t i = 0; files[i]; i++) {
        corpus_add(&c, files[i]);
    }
    wf_env w;
    env_open(&w);
    fuzz(target, &c, iterations, fn, &w);
    env_close(&w);
    corpus_free(&c);
}

START_TEST(fuzz_ini)
{
    static const char *const files[] = { "examples/tender/tender.ini", "examples/stakeholders/analysis.ini",
                                         "etc/regie.ini", NULL };
    fuzz_in_env("ini", files, 1500, try_ini);
}
END_TEST

START_TEST(fuzz_workflow)
{
    static const char *const files[] = { "etc/workflows/tender-evaluation.ini",
                                         "etc/workflows/stakeholder-analysis.ini", "etc/workflows/demo.ini",
                                         NULL };
    fuzz_in_env("workflow", files, 300, try_workflow);
}
END_TEST

/* ---- the real binary on the shipped workflows ---- */
typedef struct {
    const char *workflow;
    const char *example;          /* folder under examples/ */
    const char *const *inputs;    /* NAME=FILE pairs, NULL-terminated */
    size_t which;                 /* the input being mutated */
    char *dir;
} run_env;

static void try_run(const char *data, size_t len, void *arg)
{
    run_env *e = arg;
    /* the example's files, the mutated one replaced */
    char *cmd = rg_xasprintf("rm -rf '%s/in' '%s/out' && cp -r '%s' '%s/in'", e->dir, e->dir, e->example,
                             e->dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    const char *file = strchr(e->inputs[e->which], '=') + 1;
    char *in = rg_xasprintf("%s/in", e->dir);
    free(put_input(in, file, data, len));
    const char *argv[32];
    int n = 0;
    argv[n++] = "run";
    argv[n++] = e->workflow;
    for (size_t i = 0; e->inputs[i]; i++) {
        argv[n++] = "--set";
        argv[n++] = e->inputs[i];
    }
    argv[n++] = "--no-store";
    argv[n++] = "--quiet";
    argv[n++] = "--out";
    argv[n++] = "../out";
    argv[n] = NULL;
    char *out = NULL, *err = NULL;
    int rc = t_regie(in, &out, &err, argv);
    fuzz_assert(rc <= RG_EXIT_WAITING, "%s exited %d with %s mutated:\n%s\ninput:\n%s", e->workflow, rc,
                  file, err, data);
    fuzz_assert(!strstr(err, "Sanitizer") && !strstr(err, "runtime error:"), "%s", err);
    if (rc == RG_EXIT_INVALID) { /* refused: it says which file */
        int named = 0;
        for (size_t i = 0; e->inputs[i] && !named; i++) {
            named = strstr(err, strchr(e->inputs[i], '=') + 1) != NULL;
        }
        fuzz_assert(named, "%s refused %s without naming an input file:\n%s\ninput:\n%s", e->workflow, file,
                    err, data);
    }
    if (rc == RG_EXIT_FAILED || rc == RG_EXIT_INVALID) {
        /* a refusal in the users' terms, not a script's own failure */
        fuzz_assert(!strstr(err, "attempt to ") && !strstr(err, "stack traceback") &&
                          !strstr(err, "bad argument"),
                      "%s failed on %s with a script error:\n%s\ninput:\n%s", e->workflow, file, err, data);
    }
    free(out);
    free(err);
    free(in);
}

static void fuzz_run(const char *target, const char *workflow, const char *example,
                     const char *const *inputs, long iterations)
{
    run_env e = { workflow, NULL, inputs, 0, t_tmpdir() };
    char *dir = t_src(example);
    e.example = dir;
    /* each input in turn, mutated from its own seed */
    size_t ninputs = 0;
    while (inputs[ninputs]) {
        ninputs++;
    }
    for (e.which = 0; e.which < ninputs; e.which++) {
        corpus c = { 0 };
        char *rel = rg_xasprintf("%s/%s", example, strchr(inputs[e.which], '=') + 1);
        corpus_add(&c, rel);
        free(rel);
        char name[64];
        snprintf(name, sizeof name, "%s-%zu", target, e.which);
        fuzz(name, &c, iterations, try_run, &e);
        corpus_free(&c);
    }
    free(dir);
    t_rmtree(e.dir);
    free(e.dir);
}

START_TEST(fuzz_run_tender)
{
    static const char *const inputs[] = { "tender=tender.ini", "criteria=criteria.csv", "bids=bids.csv",
                                          "ko=ko.csv", "scores=scores.csv", "interviews=interviews.csv",
                                          NULL };
    fuzz_run("tender", "tender-evaluation", "examples/tender", inputs, 6);
}
END_TEST

START_TEST(fuzz_run_stakeholders)
{
    static const char *const inputs[] = { "analysis=analysis.ini", "stakeholders=stakeholders.csv",
                                          "channels=channels.csv", NULL };
    fuzz_run("stakeholders", "stakeholder-analysis", "examples/stakeholders", inputs, 10);
}
END_TEST

/* ---- exact tender points: the property of tests/unit/test_exact.c, with
 * the fuzz seed, for REGIE_FUZZ_SECONDS under `make fuzz` ---- */
START_TEST(fuzz_exact_points)
{
    uint64_t seed = (uint64_t)env_long("REGIE_FUZZ_SEED", 1);
    double seconds = (double)env_long("REGIE_FUZZ_SECONDS", 0);
    long n = t_exact_points_property(seed, 2000 * env_long("REGIE_FUZZ_ITERATIONS", 100) / 100, seconds);
    if (seconds > 0) {
        fprintf(stderr, "fuzz exact_points: %ld cases in %.0f s (seed %llu)\n", n, seconds,
                (unsigned long long)seed);
    }
}

/* ---- the regie module: random sequences of calls with random values ----
 * The input is read as a program: each byte picks a call of a regie
 * function (or a writer's method, setmetatable, collectgarbage) and its
 * arguments, values of every kind: nested, cyclic, with metatables whose
 * metamethods call regie in turn, huge numbers, NaN, negative sizes, the
 * wrong types.  Each call may fail with a Lua error; none may crash, hang
 * or trip a sanitizer. */
typedef struct {
    const unsigned char *p;
    size_t n, i;
    rg_buf *out;
    int depth;
} lua_gen;

static unsigned gen_byte(lua_gen *g)
{
    return g->i < g->n ? g->p[g->i++] : 0;
}

static void gen_put(lua_gen *g, const char *s)
{
    rg_buf_put(g->out, s, strlen(s));
}

static const char *const gen_ints[] = {
    "0", "1", "-1", "2", "3", "7", "32", "33", "100", "1000", "-1000000000", "math.maxinteger",
    "math.mininteger", "(1 << 31)", "(1 << 53)", "-(1 << 62)", "65536",
};
static const char *const gen_floats[] = {
    "(0/0)", "(1/0)", "(-1/0)", "1e308", "-1e308", "(-0.0)", "0.5", "1.5", "2^63", "-2^63",
    "1e-320", "1e9", "-1e9", "3.0", "125.505",
};
static const char *const gen_strings[] = {
    "''", "'x'", "'rows'", "'v'", "'none'", "'id'", "'n'", "'a.txt'", "'d/e.csv'", "'../x'",
    "'/etc/passwd'", "'a//b'", "'.'", "'_line'", "'2026-02-29'", "'2026-01-05'", "'12,5'", "'-0'",
    "'\\0z'", "'\"q\",\\r\\n'", "'<&>'", "'asc'", "'desc'", "'yearly'", "'%d%s'", "string.rep('ab', 300)",
    "'id,n\\r\\n1,2\\r\\n'", "'\"open'", "'\\xff\\xfe'",
};
static const char *const gen_fns[] = {
    "regie.input", "regie.has_input", "regie.describe", "regie.output", "regie.write", "regie.log",
    "regie.debug", "regie.progress", "regie.data_error", "regie.round",
    "regie.parse_number", "regie.list", "regie.rows", "regie.file", "regie.is_list", "regie.is_null",
    "regie.html", "regie.md", "regie.each", "regie.output_writer", "regie.order", "regie.csv.parse",
    "regie.csv.encode", "regie.csv.writer", "regie.date.valid", "regie.date.weekday", "setmetatable",
    "getmetatable", "tostring", "rawlen", "next", "ipairs", "pairs", "table.sort",
};
static const char *const gen_methods[] = { "add", "record", "close", "write" };

#define GEN_PICK(g, a) ((a)[gen_byte(g) % (sizeof(a) / sizeof((a)[0]))])

static void gen_value(lua_gen *g);

/* Up to `max` values, each after a comma. */
static void gen_values(lua_gen *g, unsigned max)
{
    unsigned n = gen_byte(g) % (max + 1);
    for (unsigned k = 0; k < n; k++) {
        gen_put(g, ", ");
        gen_value(g);
    }
}

/* A call in a protected call, its first result in V[slot] or discarded. */
static void gen_call(lua_gen *g)
{
    char slot[48];
    unsigned how = gen_byte(g) % 8;
    if (how < 4) {
        snprintf(slot, sizeof slot, ";V[%u] = select(2, ", gen_byte(g) % 8);
        gen_put(g, slot);
    } else {
        gen_put(g, ";(function(...) return ... end)(");
    }
    unsigned what = gen_byte(g) % 17;
    if (what < 11) {
        gen_put(g, "pcall(");
        gen_put(g, GEN_PICK(g, gen_fns));
        gen_values(g, 4);
        gen_put(g, "))");
    } else if (what < 14) { /* a method of whatever is in a slot */
        gen_put(g, "pcall(function(w, ...) return w.");
        gen_put(g, GEN_PICK(g, gen_methods));
        snprintf(slot, sizeof slot, "(w, ...) end, V[%u]", gen_byte(g) % 8);
        gen_put(g, slot);
        gen_values(g, 3);
        gen_put(g, "))");
    } else if (what == 14) {
        gen_put(g, "pcall(collectgarbage, 'collect'))");
    } else if (what == 15) { /* whatever is in a slot called: a loop of regie.each */
        snprintf(slot, sizeof slot, "pcall(V[%u]", gen_byte(g) % 8);
        gen_put(g, slot);
        gen_values(g, 2);
        gen_put(g, "))");
    } else {
        gen_put(g, "pcall(setmetatable, {}, { __gc = function() while true do end end }))");
    }
}

static void gen_value(lua_gen *g)
{
    if (g->depth > 4) {
        gen_put(g, "1");
        return;
    }
    g->depth++;
    char num[48];
    switch (gen_byte(g) % 24) {
    case 0: gen_put(g, "nil"); break;
    case 1: gen_put(g, "regie.null"); break;
    case 2: gen_put(g, gen_byte(g) & 1 ? "true" : "false"); break;
    case 3: gen_put(g, GEN_PICK(g, gen_ints)); break;
    case 4: gen_put(g, GEN_PICK(g, gen_floats)); break;
    case 5:
        snprintf(num, sizeof num, "%d", (int)gen_byte(g) - 128);
        gen_put(g, num);
        break;
    case 6:
    case 7: gen_put(g, GEN_PICK(g, gen_strings)); break;
    case 8:
        gen_put(g, "{ 1");
        gen_values(g, 4);
        gen_put(g, " }");
        break;
    case 9:
        gen_put(g, "{ id = ");
        gen_value(g);
        gen_put(g, ", n = ");
        gen_value(g);
        gen_put(g, " }");
        break;
    case 10:
        gen_put(g, "regie.list({ 0");
        gen_values(g, 3);
        gen_put(g, " })");
        break;
    case 11: {
        static const char *const depths[] = { "1", "5", "31", "32", "33", "100", "1000" };
        gen_put(g, "deep(");
        gen_put(g, GEN_PICK(g, depths));
        gen_put(g, ")");
        break;
    }
    case 12: gen_put(g, gen_byte(g) & 1 ? "cyc" : "{ cyc, rec = cyc }"); break;
    case 13:
    case 14:
        snprintf(num, sizeof num, "V[%u]", gen_byte(g) % 8);
        gen_put(g, num);
        break;
    case 15: /* a record whose fields run regie calls */
        gen_put(g, "setmetatable({}, { __index = function(t, k) ");
        gen_call(g);
        gen_put(g, " return ");
        gen_value(g);
        gen_put(g, " end })");
        break;
    case 16:
        gen_put(g, "setmetatable({ 1, 2 }, { __len = function() return ");
        gen_put(g, GEN_PICK(g, gen_ints));
        gen_put(g, " end, __tostring = function() error('no') end })");
        break;
    case 17: gen_put(g, gen_byte(g) & 1 ? "print" : "coroutine.create(print)"); break;
    case 18: gen_put(g, "{ 'id', 'n' }"); break;
    case 19: gen_put(g, "{ 1, 2, nil, 4 }"); break;
    case 20: gen_put(g, "{ [1.5] = 1, x = { 'y' } }"); break;
    case 21: gen_put(g, "{ { id = 1, n = 2 }, { id = 'b', n = regie.null }, columns = { 'id', 'n' } }"); break;
    case 22: gen_put(g, "getmetatable(V[1] or {})"); break;
    default: gen_put(g, "{ (0/0), 1e308, math.mininteger, -1 }"); break;
    }
    g->depth--;
}

typedef struct {
    char *dir;
    rg_lua *lua;
    long n;
} lua_api_env;

static void try_lua_api(const char *data, size_t len, void *arg)
{
    lua_api_env *env = arg;
    rg_buf src = { 0 };
    lua_gen g = { (const unsigned char *)data, len, 0, &src, 0 };
    gen_put(&g, "local V = {}\n"
                "local function deep(n) local l = {} local cur = l\n"
                "  for i = 1, n do local x = {} cur[1] = x cur = x end return l end\n"
                "local cyc = { 1 } cyc[2] = cyc\n"
                "return { run = function()\n");
    for (int k = 0; k < 64 && g.i < g.n; k++) {
        gen_put(&g, "  ");
        gen_call(&g);
        gen_put(&g, "\n");
    }
    gen_put(&g, "end }\n");
    rg_buf_put(&src, "", 1);
    /* a file of its own each time: a script is known by its path */
    char name[48];
    snprintf(name, sizeof name, "api%ld.lua", env->n++);
    char *path = t_write(env->dir, name, src.data);
    regie_ctx *ctx = rg_test_ctx_new("fuzz", NULL, env->dir);
    const char *cols[] = { "id", "n" };
    rg_datum d = { RG_DATUM_TABLE, rg_table_new(2, cols), { REGIE_NULL, { 0 } } };
    regie_value row[2] = { rg_str_value("a"), { REGIE_INT, { .i = 1 } } };
    rg_table_append(d.table, row, 2);
    row[0] = rg_str_value("b");
    row[1].type = REGIE_NUM;
    row[1].u.n = 2.5;
    rg_table_append(d.table, row, 3);
    rg_test_ctx_set(ctx, "rows", &d);
    rg_datum v = { RG_DATUM_VALUE, NULL, { REGIE_INT, { .i = 42 } } };
    rg_test_ctx_set(ctx, "v", &v);
    rg_lua_limits lim = { 2000000, 64 * 1024 * 1024, 5 };
    int rc = rg_lua_run(env->lua, path, ctx, &lim);
    /* (a step failed by regie.data_error has no error of its own) */
    fuzz_assert(rc == 0 || rc == -1, "step ended %d; script:\n%s", rc, src.data);
    rg_test_ctx_free(ctx);
    unlink(path);
    free(path);
    rg_buf_free(&src);
}

START_TEST(fuzz_lua_api)
{
    corpus c = { 0 };
    rng r = { 0x5DEECE66DULL };
    unsigned char seed[256];
    for (int k = 0; k < 12; k++) {
        size_t n = 32 + rnd(&r, sizeof seed - 32);
        for (size_t i = 0; i < n; i++) {
            seed[i] = (unsigned char)next(&r);
        }
        corpus_add_text(&c, (const char *)seed, n);
    }
    lua_api_env env = { t_tmpdir(), NULL, 0 };
    env.lua = rg_lua_new(env.dir);
    fuzz("lua-api", &c, 1500, try_lua_api, &env);
    rg_lua_free(env.lua);
    t_rmtree(env.dir);
    free(env.dir);
    corpus_free(&c);
}
END_TEST

/* ---- shared objects on the plugin path, read before they are loaded ---- */
static void try_elf(const char *data, size_t len, void *arg)
{
    const char *pdir = arg;
    /* as mutated, then with bytes of the headers (the start of the file,
     * where the ELF and program headers are, and its end, where the
     * section headers are) changed too */
    char *copy = rg_xmalloc(len + 1);
    memcpy(copy, data, len);
    rng r = { 0x9E3779B97F4A7C15ULL ^ len };
    for (size_t i = 0; i < len && i < 64; i++) {
        r.s = (r.s ^ (unsigned char)data[i]) * 0x100000001B3ULL;
    }
    r.s |= 1;
    for (int round = 0; round < 2; round++) {
        char *path = put_input(pdir, "p.so", copy, len);
        char buf[160];
        const char *why = rg_plugin_check_elf(path, buf, sizeof buf);
        fuzz_assert(!why || *why, "refused without a reason");
        free(path);
        for (int k = 0; k < 6 && len; k++) {
            size_t at = rnd(&r, 2) ? rnd(&r, len < 1024 ? len : 1024) : len - 1 - rnd(&r, len < 2048 ? len : 2048);
            copy[at] = (char)next(&r);
        }
    }
    free(copy);
}

START_TEST(fuzz_elf)
{
    corpus c = { 0 };
    static const char *const names[] = { "good", "not_plugin", "ctor_marker", "bad_abi" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char rel[96];
        snprintf(rel, sizeof rel, "tests/fixtures/.libs/%s.so", names[i]);
        char *path = t_build(rel);
        size_t len = 0;
        char *data = rg_read_file(path, &len);
        ck_assert_msg(data != NULL, "fuzz seed %s missing", path);
        /* each as built, and with its section headers cut off (the
         * dynamic segment read instead) */
        corpus_add_text(&c, data, len);
        if (len >= sizeof(Elf64_Ehdr)) {
            memset(data + offsetof(Elf64_Ehdr, e_shoff), 0, 8);
            corpus_add_text(&c, data, len);
        }
        free(data);
        free(path);
    }
    char *pdir = t_tmpdir();
    fuzz("elf", &c, 3000, try_elf, pdir);
    t_rmtree(pdir);
    free(pdir);
    corpus_free(&c);
}
END_TEST

Suite *suite_fuzz(void);
Suite *suite_fuzz(void)
{
    Suite *s = suite_create("fuzz");
    TCase *tc = tcase_create("readers");
    /* the time a run may take: REGIE_FUZZ_SECONDS per target and input,
     * or the fixed number of inputs */
    long seconds = env_long("REGIE_FUZZ_SECONDS", 0);
    double scale = (double)env_long("REGIE_FUZZ_ITERATIONS", 100) / 100;
    tcase_set_timeout(tc, seconds > 0 ? (double)seconds * 8 + 60 : 120 * (scale > 1 ? scale : 1));
    tcase_add_test(tc, fuzz_csv);
    tcase_add_test(tc, fuzz_values);
    tcase_add_test(tc, fuzz_expr);
    tcase_add_test(tc, fuzz_ini);
    tcase_add_test(tc, fuzz_workflow);
    tcase_add_test(tc, fuzz_run_tender);
    tcase_add_test(tc, fuzz_run_stakeholders);
    tcase_add_test(tc, fuzz_exact_points);
    suite_add_tcase(s, tc);
    TCase *tl = tcase_create("safety");
    tcase_set_timeout(tl, seconds > 0 ? (double)seconds * 2 + 60 : 120 * (scale > 1 ? scale : 1));
    tcase_add_test(tl, fuzz_lua_api);
    tcase_add_test(tl, fuzz_elf);
    suite_add_tcase(s, tl);
    return s;
}
