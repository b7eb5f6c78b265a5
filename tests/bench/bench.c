/* bench.c - `make bench`: regie's performance figures beside their targets.
 * Prints medians over repeated runs and exits 0 whatever the figures.
 *
 *   1  per-step engine overhead: no-op C and Lua steps, chain and fan-out,
 *      1,000 / 10,000 / 100,000 steps, store off and on; memory per step
 *   2  start-up of `regie run` on a one-step workflow (whole process)
 *   3  Lua record throughput against plain lua5.4
 *   4  the shipped workflows on generated data 100x a real case
 *   5  the same no-op chain and fan-out in GNU make (and Snakemake)
 *   6  a C no-op step in a child process (isolate = process) against in process
 *   7  the programme scheduler (regie.schedule): 200 sessions x 40 slots x
 *      20 rooms, and hard cases until it gives up or counting settles it
 *   8  letters as PDF (the pdf plugin): 100x the tender's letters, pages per
 *      second, CPU time a page and peak memory, by the number of rendering
 *      threads; once more with the files on tmpfs (rendering without the
 *      file system's cost of creating the files)
 *  11  the web console (regie serve): the run list with 10,000 runs in the
 *      store and the inbox, requests per second and p99 latency at 1, 8
 *      and 64 concurrent clients, the server's peak memory
 *
 * Options: --quick (smaller sizes, fewer repetitions), --only N. */
#define _GNU_SOURCE
#include "mockhost.h"
#include "regie-mock.h"
#include "bind.h"
#include "conf.h"
#include "exec.h"
#include "host.h"
#include "lua_step.h"
#include "plugin.h"
#include "readers.h"
#include "rg_csv.h"
#include "workflow.h"
#include "durable.h"
#include "schedule.h"
#include "store.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *srcdir = REGIE_SRCDIR;
static const char *builddir = REGIE_BUILDDIR;
static int quick;
static char *tmp;

/* ---- helpers ---- */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void row(const char *what, const char *size, double value, const char *unit, double target,
                const char *extra)
{
    char t[32] = "-", ok[8] = "";
    if (target > 0) {
        snprintf(t, sizeof t, "<= %g %s", target, unit);
        snprintf(ok, sizeof ok, "%s", value <= target ? "ok" : "MISS");
    }
    printf("  %-44s %-9s %12.3f %-3s  %-14s %-4s %s\n", what, size, value, unit, t, ok,
           extra ? extra : "");
    fflush(stdout);
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kb = atol(line + 6);
        }
    }
    if (f) {
        fclose(f);
    }
    return kb;
}

static void write_text(const char *path, const char *text)
{
    if (rg_write_file_atomic(path, text, strlen(text)) != 0) {
        fprintf(stderr, "bench: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

/* Run argv in cwd, output discarded: wall time in secs, and when asked
 * for, peak RSS (kB) and CPU time (user + system, seconds) of the child.
 * Returns the exit status. */
static int run_cmd(const char *cwd, char *const *argv, double *secs, long *maxrss_kb, double *cpu)
{
    double t0 = rg_now();
    pid_t pid = fork();
    if (pid == 0) {
        if (cwd && chdir(cwd) != 0) {
            _exit(127);
        }
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        dup2(fd, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    struct rusage ru;
    wait4(pid, &st, 0, &ru);
    *secs = rg_now() - t0;
    if (maxrss_kb) {
        *maxrss_kb = ru.ru_maxrss;
    }
    if (cpu) {
        *cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
               ru.ru_stime.tv_usec / 1e6;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int have(const char *prog)
{
    char *cmd = rg_xasprintf("command -v %s >/dev/null 2>&1", prog);
    int ok = system(cmd) == 0;
    free(cmd);
    return ok;
}

/* ---- 1: per-step overhead ---- */
static char *gen_workflow(const char *kind, const char *shape, int n)
{
    char *path = rg_xasprintf("%s/wf-%s-%s-%d.ini", tmp, kind, shape, n);
    if (rg_file_exists(path)) {
        return path;
    }
    rg_buf b = { 0 };
    rg_buf_printf(&b, "[workflow]\nname = bench-%s-%s-%d\n", kind, shape, n);
    for (int i = 0; i < n; i++) {
        if (strcmp(kind, "c") == 0) {
            rg_buf_printf(&b, "[step.s%d]\nplugin = noop\n", i);
        } else {
            rg_buf_printf(&b, "[step.s%d]\nscript = noop.lua\n", i);
        }
        if (strcmp(shape, "chain") == 0 && i > 0) {
            rg_buf_printf(&b, "after = s%d\n", i - 1);
        }
    }
    write_text(path, b.data);
    rg_buf_free(&b);
    return path;
}

typedef struct engine {
    rg_config cfg;
    rg_plugins plugins;
    rg_lua *lua;
} engine;

static void engine_open(engine *e)
{
    rg_errors errs = { 0 };
    memset(e, 0, sizeof *e);
    rg_config_load(&e->cfg, NULL, &errs);
    rg_plugins_scan(&e->plugins, e->cfg.plugin_path, &errs);
    e->lua = rg_lua_new(e->cfg.script_path);
    rg_err_print(&errs, stderr);
    rg_err_free(&errs);
}

static void engine_close(engine *e)
{
    rg_lua_free(e->lua);
    rg_plugins_free(&e->plugins);
    rg_config_free(&e->cfg);
}

/* One measurement: load seconds, execute seconds, RSS growth of the load. */
static int one_run(engine *e, const char *path, int jobs, rg_store *store, double *load_s,
                   double *exec_s, long *rss_growth)
{
    rg_errors errs = { 0 };
    rg_workflow wf;
    long r0 = rss_kb();
    double t0 = rg_now();
    if ((rg_workflow_load(&wf, path, &e->cfg, NULL, 0, &errs) |
         rg_workflow_bind(&wf, &e->plugins, &rg_host, e->lua, &errs)) != 0) {
        rg_err_print(&errs, stderr);
        rg_err_free(&errs);
        rg_workflow_free(&wf);
        return -1;
    }
    *load_s = rg_now() - t0;
    *rss_growth = rss_kb() - r0;
    rg_run run;
    char *out = rg_xasprintf("%s/out", tmp);
    rg_run_init(&run, &wf, NULL, 0, out, jobs, &errs);
    if (store) {
        rg_definition def;
        rg_definition_compute(&wf, e->lua, &def);
        rg_durable_begin(&run, store, &def, NULL, 0, &errs);
        rg_definition_free(&def);
    }
    t0 = rg_now();
    int rc = rg_run_execute(&run, NULL);
    *exec_s = rg_now() - t0;
    if (store) {
        rg_durable_finish(&run, rc, &errs);
    }
    rg_err_print(&errs, stderr);
    rg_run_free(&run);
    rg_workflow_free(&wf);
    rg_err_free(&errs);
    free(out);
    return rc;
}

static void section1(void)
{
    printf("\n1. Per-step engine overhead (in-process, median µs per step)\n");
    engine e;
    engine_open(&e);
    char *noop = rg_xasprintf("%s/noop.lua", tmp);
    write_text(noop, "return { run = function(step) end }\n");
    free(noop);
    int sizes[] = { 1000, 10000, 100000 };
    int nsizes = quick ? 2 : 3;
    const char *kinds[] = { "c", "lua" };
    const char *shapes[] = { "chain", "fanout" };
    for (int k = 0; k < 2; k++) {
        for (int s = 0; s < 2; s++) {
            double first = 0;
            for (int z = 0; z < nsizes; z++) {
                int n = sizes[z];
                char *path = gen_workflow(kinds[k], shapes[s], n);
                int reps = n >= 100000 ? 3 : quick ? 3 : 5;
                double ex[8], ld[8];
                long growth = 0;
                for (int r = 0; r < reps; r++) {
                    long g;
                    if (one_run(&e, path, strcmp(shapes[s], "chain") == 0 ? 1 : 2, NULL, &ld[r],
                                &ex[r], &g) != 0) {
                        printf("  run failed: %s\n", path);
                    }
                    if (r == 0) {
                        growth = g;
                    }
                }
                double per = median(ex, reps) / n * 1e6;
                double lper = median(ld, reps) / n * 1e6;
                char what[80], size[16], extra[96];
                snprintf(what, sizeof what, "%s no-op step, %s, store off",
                         k == 0 ? "C" : "Lua", shapes[s]);
                snprintf(size, sizeof size, "%d", n);
                if (z == 0) {
                    first = per;
                }
                snprintf(extra, sizeof extra, "load %.2f µs/step, %ld B/step%s%.2fx of 1k", lper,
                         growth * 1024 / n, z ? ", " : "", z ? per / first : 0.0);
                if (!z) {
                    snprintf(extra, sizeof extra, "load %.2f µs/step, %ld B/step", lper,
                             growth * 1024 / n);
                }
                row(what, size, per, "µs", k == 0 ? 1 : 3, extra);
                if (n == 100000) {
                    row("  memory of the loaded workflow", size, growth / 1024.0, "MB", 200, NULL);
                }
                free(path);
            }
        }
    }
    /* store on: every step committed durably (fsync) */
    int sn[] = { 1000, 10000 };
    for (int z = 0; z < (quick ? 1 : 2); z++) {
        for (int k = 0; k < 2; k++) {
            char *path = gen_workflow(kinds[k], "chain", sn[z]);
            double ex[3], ld[3];
            long g;
            for (int r = 0; r < 3; r++) {
                char *db = rg_xasprintf("%s/store-%d-%d-%d.db", tmp, z, k, r);
                rg_errors errs = { 0 };
                rg_store *st = rg_store_open(db, &errs);
                one_run(&e, path, 1, st, &ld[r], &ex[r], &g);
                rg_store_close(st);
                rg_err_free(&errs);
                free(db);
            }
            char what[80], size[16];
            snprintf(what, sizeof what, "%s no-op step, chain, store on (durable)",
                     k == 0 ? "C" : "Lua");
            snprintf(size, sizeof size, "%d", sn[z]);
            row(what, size, median(ex, 3) / sn[z] * 1e6, "µs", 50, NULL);
            free(path);
        }
    }
    engine_close(&e);
}

/* ---- 2: start-up ---- */
static void section2(void)
{
    printf("\n2. Start-up: `regie run` of a one-step workflow, whole process (median of 20)\n");
    char *wf = rg_xasprintf("%s/one.ini", tmp);
    write_text(wf, "[workflow]\nname = one\n[step.only]\nplugin = noop\n");
    char *bin = rg_xasprintf("%s/regie", builddir);
    char *out = rg_xasprintf("%s/one-out", tmp);
    double t[20];
    for (int i = 0; i < 20; i++) {
        char *argv[] = { bin, "run", wf, "--no-store", "--quiet", "--out", out, NULL };
        run_cmd(tmp, argv, &t[i], NULL, NULL);
    }
    row("regie run, one no-op step, store off", "1", median(t, 20) * 1e3, "ms", 5, NULL);
    for (int i = 0; i < 20; i++) {
        char *db = rg_xasprintf("%s/one-%d.db", tmp, i);
        char *argv[] = { bin, "run", wf, "--db", db, "--quiet", "--out", out, NULL };
        run_cmd(tmp, argv, &t[i], NULL, NULL);
        free(db);
    }
    row("regie run, one no-op step, store on", "1", median(t, 20) * 1e3, "ms", 0, NULL);
    if (have("make")) {
        char *mk = rg_xasprintf("%s/one.mk", tmp);
        write_text(mk, "all:\n\t@true\n");
        for (int i = 0; i < 20; i++) {
            char *argv[] = { "make", "-s", "-f", mk, NULL };
            run_cmd(tmp, argv, &t[i], NULL, NULL);
        }
        row("GNU make, one target running `true`", "1", median(t, 20) * 1e3, "ms", 0, NULL);
        free(mk);
    }
    free(out);
    free(bin);
    free(wf);
}

/* Median of three runs of the map script on the rows of d (in a fresh
 * state each time, the step's output included). */
static double map_seconds(const char *script, rg_datum *d)
{
    double reps[3];
    for (int r = 0; r < 3; r++) {
        rg_lua *L = rg_lua_new(tmp);
        regie_ctx *ctx = rg_test_ctx_new("map", NULL, NULL);
        rg_datum copy = { RG_DATUM_TABLE, d->table, d->value };
        rg_test_ctx_set(ctx, "rows", &copy);
        double t0 = rg_now();
        if (rg_lua_run(L, script, ctx, NULL) != 0) {
            fprintf(stderr, "bench: %s failed: %s\n", script, rg_test_ctx_error(ctx));
        }
        reps[r] = rg_now() - t0;
        /* the table belongs to the context now: give it back */
        for (size_t i = 0; i < ctx->nstandalone; i++) {
            if (strcmp(ctx->standalone_names[i], "rows") == 0) {
                ctx->standalone_data[i].table = NULL;
                ctx->standalone_data[i].kind = RG_DATUM_NONE;
            }
        }
        rg_test_ctx_free(ctx);
        rg_lua_free(L);
    }
    return median(reps, 3);
}

/* ---- 3: Lua record throughput ---- */
static void section3(void)
{
    int n = quick ? 200000 : 1000000;
    printf("\n3. Lua record throughput: map over %d records (read 3 fields, compute 1)\n", n);
    const char *cols[] = { "id", "price", "qty", "rate" };
    rg_datum d = { RG_DATUM_TABLE, rg_table_new(4, cols), { REGIE_NULL, { 0 } } };
    for (int i = 0; i < n; i++) {
        char id[16];
        snprintf(id, sizeof id, "r%d", i);
        regie_value row4[4] = { rg_str_value(id), { REGIE_NUM, { .n = 10.0 + i % 97 } },
                                { REGIE_INT, { .i = i % 13 } }, { REGIE_NUM, { .n = 0.21 } } };
        rg_table_append(d.table, row4, 0);
    }
    /* the map as records (regie.input, a table per record, regie.output)
     * and as a stream (regie.each, regie.output_writer) */
    char *script = rg_xasprintf("%s/map.lua", tmp);
    write_text(script, "return { run = function(step)\n"
                       "  local t = regie.input('rows')\n"
                       "  local out = {}\n"
                       "  for i = 1, #t do local r = t[i]\n"
                       "    out[i] = { id = r.id, total = r.price * r.qty * (1 + r.rate) } end\n"
                       "  regie.output('totals', out, regie.list{ 'id', 'total' })\n"
                       "end }\n");
    char *stream = rg_xasprintf("%s/map-stream.lua", tmp);
    write_text(stream, "return { run = function(step)\n"
                       "  local out = regie.output_writer('totals', { 'id', 'total' })\n"
                       "  for _, id, price, qty, rate in regie.each('rows', { 'id', 'price', 'qty', 'rate' }) do\n"
                       "    out:add(id, price * qty * (1 + rate)) end\n"
                       "  out:close()\n"
                       "end }\n");
    double regie_s = map_seconds(script, &d);
    double stream_s = map_seconds(stream, &d);
    free(stream);
    row("regie Lua step, records in and out", quick ? "200k" : "1M", regie_s, "s", 0,
        "regie.input, regie.output");
    row("regie Lua step, streamed in and out", quick ? "200k" : "1M", stream_s, "s", 0,
        "regie.each, regie.output_writer");
    if (!have("lua5.4")) {
        printf("  plain lua5.4: not installed\n");
    } else {
        char *plain = rg_xasprintf("%s/plain.lua", tmp);
        char *src = rg_xasprintf(
            "local n = %d\n"
            /* `lua5.4 plain.lua ids`: in a state of its own, the collector
             * stopped, only the distinct id strings: the least a step
             * handed these records pays, made by Lua itself */
            "if arg[1] == 'ids' then\n"
            "  collectgarbage('stop')\n"
            "  local ids, s0 = {}, os.clock()\n"
            "  for i = 1, n do ids[i] = 'r' .. (i - 1) end\n"
            "  io.write(string.format('%%.6f\\n', os.clock() - s0))\n"
            "  os.exit(0)\n"
            "end\n"
            "local b0 = os.clock()\n"
            "local t = {}\n"
            "for i = 1, n do t[i] = { id = 'r' .. (i - 1), price = 10.0 + (i - 1) %% 97, qty = (i - 1) %% 13, rate = 0.21 } end\n"
            "local build = os.clock() - b0\n"
            "local best = math.huge\n"
            "for rep = 1, 3 do\n"
            "  local c = os.clock()\n"
            "  local out = {}\n"
            "  for i = 1, #t do local r = t[i]\n"
            "    out[i] = { id = r.id, total = r.price * r.qty * (1 + r.rate) } end\n"
            "  local e = os.clock() - c\n"
            "  if e < best then best = e end\n"
            "end\n"
            "io.write(string.format('%%.6f %%.6f\\n', best, build))\n",
            n);
        write_text(plain, src);
        double plain_s = 0, build_s = 0, strs_s = -1;
        char *idcmd = rg_xasprintf("lua5.4 %s ids", plain);
        FILE *q = popen(idcmd, "r");
        if (!q || fscanf(q, "%lf", &strs_s) != 1) {
            strs_s = -1;
        }
        if (q) {
            pclose(q);
        }
        free(idcmd);
        char *cmd = rg_xasprintf("lua5.4 %s", plain);
        FILE *p = popen(cmd, "r");
        if (p && fscanf(p, "%lf %lf", &plain_s, &build_s) == 2) {
            row("plain lua5.4, the same loop over a Lua table", quick ? "200k" : "1M", plain_s, "s",
                0, NULL);
            row("plain lua5.4, building that table of records", quick ? "200k" : "1M", build_s, "s",
                0, NULL);
            if (strs_s >= 0) {
                row("plain lua5.4, only making the id strings", quick ? "200k" : "1M", strs_s, "s", 0,
                    "'r' .. i, collector stopped");
            }
            row("ratio records / plain Lua (loop only)", "", regie_s / plain_s, "x", 1.5, NULL);
            row("ratio streamed / plain Lua (loop only)", "", stream_s / plain_s, "x", 1.5,
                NULL);
            row("ratio records / plain Lua (build + loop)", "", regie_s / (plain_s + build_s),
                "x", 0, NULL);
        }
        if (p) {
            pclose(p);
        }
        free(cmd);
        free(src);
        free(plain);
    }
    rg_datum_clear(&d);
    free(script);
}

/* ---- 4: shipped workflows at 100x ---- */
static unsigned long long prng = 88172645463325252ULL;
static unsigned rnd(unsigned n)
{
    prng ^= prng << 13;
    prng ^= prng >> 7;
    prng ^= prng << 17;
    return (unsigned)(prng % n);
}

static char **gen_tender(void)
{
    char *dir = rg_xasprintf("%s/tender100", tmp);
    rg_mkdir_p(dir);
    char *p;
    size_t len;
    char *ex = rg_xasprintf("%s/examples/tender/tender.ini", srcdir);
    char *ini = rg_read_file(ex, &len);
    p = rg_xasprintf("%s/tender.ini", dir);
    write_text(p, ini);
    free(p);
    free(ini);
    free(ex);
    ex = rg_xasprintf("%s/examples/tender/criteria.csv", srcdir);
    char *crit = rg_read_file(ex, &len);
    p = rg_xasprintf("%s/criteria.csv", dir);
    write_text(p, crit);
    free(p);
    free(crit);
    free(ex);
    int nb = 10000;
    rg_buf bids = { 0 }, ko = { 0 }, sc = { 0 };
    rg_buf_puts(&bids, "bid_id,supplier,candidate,rate_excl_vat_eur,cv_count,motivation_count,submitted_at,region\n");
    rg_buf_puts(&ko, "bid_id,req_id,result,note\n");
    rg_buf_puts(&sc, "bid_id,crit_id,evaluator,level,motivation\n");
    const char *ev[] = { "Jansen", "De Vries", "Bakker" };
    const int lv[] = { 0, 25, 50, 75, 100 };
    /* evaluators write a standard phrase per level about half the time
     * (as in examples/tender/scores.csv), otherwise a text of their own */
    const char *phrase[] = { "Niet aangetoond", "Beperkt aangetoond", "Voldoende aangetoond",
                             "Goed aangetoond met concrete voorbeelden",
                             "Uitstekend aangetoond, met resultaten in vergelijkbare opdrachten" };
    for (int b = 0; b < nb; b++) {
        rg_buf_printf(&bids, "B%05d,Leverancier %d,Kandidaat %d,%d.%02d,1,1,2026-01-%02dT10:00,%s\n", b,
                      b, b, 80 + (int)rnd(41), (int)rnd(100), 5 + (int)rnd(6),
                      rnd(3) ? "Utrecht" : "Drenthe");
        rg_buf_printf(&ko, "B%05d,E1,pass,ok\nB%05d,E2,pass,ok\n", b, b);
        for (int c = 1; c <= 4; c++) {
            /* evaluators of one bid agree within a scale step, as in practice */
            int base = 1 + (int)rnd(3);
            int w1 = rnd(2) ? 100 : 0;
            for (int e = 0; e < 3; e++) {
                int level = c == 1 ? w1 : lv[base + (int)rnd(3) - 1];
                if (rnd(2)) {
                    rg_buf_printf(&sc, "B%05d,W%d,%s,%d,\"%s\"\n", b, c, ev[e], level, phrase[level / 25]);
                } else {
                    rg_buf_printf(&sc, "B%05d,W%d,%s,%d,\"Kandidaat %d op W%d: %s, zie het gesprek van %s\"\n", b,
                                  c, ev[e], level, b, c, phrase[level / 25], ev[e]);
                }
            }
        }
    }
    p = rg_xasprintf("%s/bids.csv", dir);
    write_text(p, bids.data);
    free(p);
    p = rg_xasprintf("%s/ko.csv", dir);
    write_text(p, ko.data);
    free(p);
    p = rg_xasprintf("%s/scores.csv", dir);
    write_text(p, sc.data);
    free(p);
    rg_buf_free(&bids);
    rg_buf_free(&ko);
    rg_buf_free(&sc);
    /* without the letters as PDF (pdf_letters=no): the engine and the
     * scripts, as before the pdf plugin; section 8 times the PDFs */
    char **sets = rg_xcalloc(13, sizeof *sets);
    const char *names[] = { "tender=tender.ini", "criteria=criteria.csv", "bids=bids.csv", "ko=ko.csv",
                            "scores=scores.csv", "pdf_letters=no" };
    for (int i = 0; i < 6; i++) {
        sets[2 * i] = rg_xstrdup("--set");
        sets[2 * i + 1] = rg_xstrdup(names[i]);
    }
    free(dir);
    return sets;
}

static char **gen_stakeholders(void)
{
    char *dir = rg_xasprintf("%s/stakeholders100", tmp);
    rg_mkdir_p(dir);
    size_t len;
    char *ex = rg_xasprintf("%s/examples/stakeholders/analysis.ini", srcdir);
    char *ini = rg_read_file(ex, &len);
    char *p = rg_xasprintf("%s/analysis.ini", dir);
    write_text(p, ini);
    free(p);
    free(ini);
    free(ex);
    rg_buf b = { 0 };
    rg_buf_puts(&b, "id,name,side,power,interest,legitimacy,urgency,attitude,current,desired,owner,concern\n");
    const char *lvl[] = { "unaware", "resistant", "neutral", "supportive", "leading" };
    for (int i = 0; i < 100000; i++) {
        int c = (int)rnd(5);
        int d = c + (int)rnd((unsigned)(5 - c));
        rg_buf_printf(&b, "S%06d,Stakeholder %d,partij,%d,%d,%s,%s,%d,%s,%s,Manager %d,Zorg nummer %d\n",
                      i, i, 1 + (int)rnd(5), 1 + (int)rnd(5), rnd(2) ? "ja" : "nee",
                      rnd(2) ? "ja" : "nee", (int)rnd(5) - 2, lvl[c], lvl[d], (int)rnd(20), i);
    }
    p = rg_xasprintf("%s/stakeholders.csv", dir);
    write_text(p, b.data);
    free(p);
    rg_buf_free(&b);
    char **sets = rg_xcalloc(5, sizeof *sets);
    sets[0] = rg_xstrdup("--set");
    sets[1] = rg_xstrdup("analysis=analysis.ini");
    sets[2] = rg_xstrdup("--set");
    sets[3] = rg_xstrdup("stakeholders=stakeholders.csv");
    free(dir);
    return sets;
}

static char **gen_sla(void)
{
    char *dir = rg_xasprintf("%s/sla100", tmp);
    rg_mkdir_p(dir);
    size_t len;
    const char *copy[] = { "sla.ini", "faq.csv" };
    for (int i = 0; i < 2; i++) {
        char *ex = rg_xasprintf("%s/examples/sla/%s", srcdir, copy[i]);
        char *text = rg_read_file(ex, &len);
        char *p = rg_xasprintf("%s/%s", dir, copy[i]);
        write_text(p, text);
        free(p);
        free(text);
        free(ex);
    }
    /* 100,000 requests over the five months before the report date (1
     * June 2026), as a desk registers them: a few topics asked most, most
     * answered within a week, some late, some never; a rating for about
     * two in three */
    rg_buf rq = { 0 }, ra = { 0 };
    rg_buf_puts(&rq, "req_id,received_at,channel,requester_type,topic,first_response_at,resolved_at,assignee\n");
    rg_buf_puts(&ra, "req_id,score\n");
    const char *channel[] = { "telefoon", "mail", "balie", "webformulier" };
    const char *who[] = { "inwoner", "ondernemer", "school", "zorginstelling" };
    const int mdays[] = { 31, 28, 31, 30, 31 };
    for (int i = 0; i < 100000; i++) {
        int m = (int)rnd(5), d = 1 + (int)rnd((unsigned)mdays[m]);
        int topic = rnd(4) ? (int)rnd(12) : 12 + (int)rnd(200);
        rg_buf_printf(&rq, "Q%06d,2026-%02d-%02dT%02d:%02d,%s,%s,onderwerp %d,", i, m + 1, d, 8 + (int)rnd(10),
                      (int)rnd(60), channel[rnd(4)], who[rnd(4)], topic);
        unsigned r = rnd(20);
        if (r < 18 && !(m == 4 && d > 24)) {
            /* answered after 0..9 (mostly 0..6) days, within the month */
            int after = r < 15 ? (int)rnd(7) : 7 + (int)rnd(3);
            int rd = d + after, rm = m;
            if (rd > mdays[m]) {
                rd -= mdays[m];
                rm = m + 1;
            }
            rg_buf_printf(&rq, "2026-%02d-%02d,", rm + 1, rd);
            if (rnd(2)) {
                rg_buf_printf(&rq, "2026-%02d-%02d", rm + 1, rd);
            }
        } else {
            rg_buf_puts(&rq, ",");
        }
        rg_buf_printf(&rq, ",Adviseur %d\n", (int)rnd(40));
        if (rnd(3)) {
            rg_buf_printf(&ra, "Q%06d,%d\n", i, rnd(4) ? 6 + (int)rnd(5) : 1 + (int)rnd(10));
        }
    }
    char *p = rg_xasprintf("%s/requests.csv", dir);
    write_text(p, rq.data);
    free(p);
    p = rg_xasprintf("%s/ratings.csv", dir);
    write_text(p, ra.data);
    free(p);
    rg_buf_free(&rq);
    rg_buf_free(&ra);
    char **sets = rg_xcalloc(9, sizeof *sets);
    const char *names[] = { "sla=sla.ini", "requests=requests.csv", "ratings=ratings.csv", "faq=faq.csv" };
    for (int i = 0; i < 4; i++) {
        sets[2 * i] = rg_xstrdup("--set");
        sets[2 * i + 1] = rg_xstrdup(names[i]);
    }
    free(dir);
    return sets;
}

static char **gen_regional(void)
{
    char *dir = rg_xasprintf("%s/regional100", tmp);
    rg_mkdir_p(dir);
    size_t len;
    char *ex = rg_xasprintf("%s/examples/regional/monitor.ini", srcdir);
    char *text = rg_read_file(ex, &len);
    char *p = rg_xasprintf("%s/monitor.ini", dir);
    write_text(p, text);
    free(p);
    free(text);
    free(ex);
    /* 400 regions x 50 milestones due from July 2025 to December 2026
     * (quarter 2026-Q2): most done around their due date, some late, some
     * open; 0-3 updates each up to 30 June 2026; 20 deployments a region */
    rg_buf ms = { 0 }, up = { 0 }, dp = { 0 };
    rg_buf_puts(&ms, "region,agreement,milestone_id,title,due,done_at,owner\n");
    rg_buf_puts(&up, "region,milestone_id,date,status,note\n");
    rg_buf_puts(&dp, "region,specialist,expertise,date,hours,milestone_id\n");
    const char *status[] = { "on_track", "at_risk", "delayed", "done" };
    const char *expertise[] = { "juridisch", "financieel", "ruimtelijk", "sociaal", "data" };
    for (int r = 0; r < 400; r++) {
        for (int m = 0; m < 50; m++) {
            int month = 7 + (int)rnd(18), year = 2025 + (month - 1) / 12;
            month = (month - 1) % 12 + 1;
            int day = 1 + (int)rnd(28);
            rg_buf_printf(&ms, "Regio %03d,Afspraak %d,M%02d,Mijlpaal %d,%d-%02d-%02d,", r, m % 6, m, m, year, month,
                          day);
            if (year * 100 + month <= 202606 && rnd(5)) {
                int dd = day + (int)rnd(10) - 6, dm = month;
                if (dd < 1) {
                    dd += 28;
                    dm = month > 1 ? month - 1 : 1;
                } else if (dd > 28) {
                    dd -= 28;
                    dm = month < 12 ? month + 1 : 12;
                }
                if (year * 100 + dm > 202606) {
                    dm = 6;
                }
                rg_buf_printf(&ms, "%d-%02d-%02d", year, dm, dd);
            }
            rg_buf_printf(&ms, ",Eigenaar %d\n", (int)rnd(30));
            for (int u = (int)rnd(4); u > 0; u--) {
                rg_buf_printf(&up, "Regio %03d,M%02d,2026-%02d-%02d,%s,\n", r, m, 1 + (int)rnd(6), 1 + (int)rnd(28),
                              status[rnd(4)]);
            }
        }
        for (int d = 0; d < 20; d++) {
            rg_buf_printf(&dp, "Regio %03d,Specialist %d,%s,2026-%02d-%02d,%d.%d,", r, (int)rnd(50),
                          expertise[rnd(5)], 1 + (int)rnd(6), 1 + (int)rnd(28), (int)rnd(16), (int)rnd(4) * 25);
            if (rnd(4)) {
                rg_buf_printf(&dp, "M%02d", (int)rnd(50));
            }
            rg_buf_puts(&dp, "\n");
        }
    }
    const char *files[] = { "milestones.csv", "updates.csv", "deployments.csv" };
    rg_buf *bufs[] = { &ms, &up, &dp };
    for (int i = 0; i < 3; i++) {
        p = rg_xasprintf("%s/%s", dir, files[i]);
        write_text(p, bufs[i]->data);
        free(p);
        rg_buf_free(bufs[i]);
    }
    char **sets = rg_xcalloc(9, sizeof *sets);
    const char *names[] = { "monitor=monitor.ini", "milestones=milestones.csv", "updates=updates.csv",
                            "deployments=deployments.csv" };
    for (int i = 0; i < 4; i++) {
        sets[2 * i] = rg_xstrdup("--set");
        sets[2 * i + 1] = rg_xstrdup(names[i]);
    }
    free(dir);
    return sets;
}

/* The event workflow at 100x the Onderwijsdag (domain reference §3.4, E1):
 * 10,000 registrations from January to March 2024 in time order (1 in 100
 * a duplicate e-mail address, 1 in 30 of the first 6,000 cancelled in
 * March, the last 100 after the
 * deadline), 9,500 seats, and a congress programme of 200 sessions in 40
 * slots and 20 rooms (100 speakers, a fifth of them available in half the
 * slots), attendance and evaluations of the first 8,000. */
static char **gen_event(void)
{
    char *dir = rg_xasprintf("%s/event100", tmp);
    rg_mkdir_p(dir);
    rg_buf ev = { 0 }, rg = { 0 }, rm = { 0 }, sl = { 0 }, se = { 0 }, av = { 0 }, at = { 0 }, evl = { 0 };
    rg_buf_puts(&ev, "[event]\nid = onderwijsdag-2024\ntitle = Onderwijsdag 2024\nstart = 2024-04-03T14:30\n"
                     "end = 2024-04-03T17:30\nvenue = De Bonte Wever, zaal Magenta\naddress = Stadsbroek 17, Assen\n"
                     "capacity = 9500\nmin_participants = 5000\nregistration_close = -2wd\n"
                     "organizer = mailto:secretariaat@example.org\nmax_per_org = 0\n"
                     "[reminders]\noffsets = P7D,P1D\n");
    rg_buf_puts(&rg, "reg_id,registered_at,name,email,organisation,status,cancelled_at\n");
    for (int i = 1; i <= 10000; i++) {
        /* 9,900 spread over 1 January - 29 March, then 100 on 30-31 March */
        int minute = i <= 9900 ? (i - 1) * (88 * 1440 / 9900) : 88 * 1440 + (i - 9900) * 20;
        int day = minute / 1440, m = minute % 1440;
        int month = day < 31 ? 1 : day < 60 ? 2 : 3, dom = day < 31 ? day + 1 : day < 60 ? day - 30 : day - 59;
        int mail = (i % 100 == 0) ? i - 50 : i;
        rg_buf_printf(&rg, "R%05d,2024-%02d-%02dT%02d:%02d,Deelnemer %d,deelnemer%05d@gemeente%d.nl,Gemeente %d,", i,
                      month, dom, m / 60, m % 60, i, mail, mail % 12, i % 12);
        if (i % 30 == 0 && i < 6000) { /* registered by February, cancelled in March */
            rg_buf_printf(&rg, "cancelled,2024-03-%02dT10:00\n", 1 + i % 28);
        } else {
            rg_buf_puts(&rg, ",\n");
        }
    }
    rg_buf_puts(&rm, "room_id,capacity\n");
    for (int r = 0; r < 20; r++) {
        rg_buf_printf(&rm, "Zaal%02d,%d\n", r + 1, 40 + 20 * r);
    }
    rg_buf_puts(&sl, "slot_id,start,end\n");
    for (int s = 0; s < 40; s++) {
        int d = 16 + s / 8, h = 9 + s % 8;
        rg_buf_printf(&sl, "S%02d,2026-11-%02dT%02d:00,2026-11-%02dT%02d:50\n", s + 1, d, h, d, h);
    }
    rg_buf_puts(&se, "session_id,title,speakers,expected\n");
    for (int p = 0; p < 200; p++) {
        rg_buf_printf(&se, "P%03d,Sessie %d,Spreker %d", p + 1, p + 1, p % 100);
        if (p % 3 == 0) {
            rg_buf_printf(&se, ";Spreker %d", (p + 37) % 100);
        }
        rg_buf_printf(&se, ",%d\n", 10 + (int)rnd(400));
    }
    rg_buf_puts(&av, "speaker,slot_id\n");
    for (int k = 0; k < 100; k += 5) {
        for (int s = k % 2; s < 40; s += 2) {
            rg_buf_printf(&av, "Spreker %d,S%02d\n", k, s + 1);
        }
    }
    rg_buf_puts(&at, "reg_id,attended\n");
    rg_buf_puts(&evl, "reg_id,score\n");
    for (int i = 1; i <= 8000; i++) {
        if (i % 30 == 0 || i % 100 == 0) {
            continue; /* cancelled or a duplicate */
        }
        rg_buf_printf(&at, "R%05d,%s\n", i, rnd(10) ? "yes" : "no");
        if (rnd(3) == 0) {
            rg_buf_printf(&evl, "R%05d,%d\n", i, 1 + (int)rnd(10));
        }
    }
    const char *files[] = { "event.ini", "registrations.csv", "rooms.csv", "slots.csv", "sessions.csv",
                            "availability.csv", "attendance.csv", "evaluations.csv" };
    rg_buf *bufs[] = { &ev, &rg, &rm, &sl, &se, &av, &at, &evl };
    /* (and without the letters as PDF, as the tender: section 8 times them) */
    char **sets = rg_xcalloc(2 * 9 + 1, sizeof *sets);
    sets[16] = rg_xstrdup("--set");
    sets[17] = rg_xstrdup("pdf_letters=no");
    for (int i = 0; i < 8; i++) {
        char *p = rg_xasprintf("%s/%s", dir, files[i]);
        write_text(p, bufs[i]->data);
        free(p);
        rg_buf_free(bufs[i]);
        sets[2 * i] = rg_xstrdup("--set");
        char *name = rg_xstrdup(files[i]);
        *strchr(name, '.') = 0;
        sets[2 * i + 1] = rg_xasprintf("%s=%s", name, files[i]);
        free(name);
    }
    free(dir);
    return sets;
}

/* Adding a workflow to the bench: one line here and a generator above. */
static const struct {
    const char *workflow; /* name under etc/workflows */
    const char *dir;      /* data folder below the temp dir */
    const char *size;
    char **(*generate)(void);
} shipped[] = {
    { "tender-evaluation", "tender100", "10k bids", gen_tender },
    { "stakeholder-analysis", "stakeholders100", "100k", gen_stakeholders },
    { "event-organisation", "event100", "10k regs", gen_event },
    { "service-levels", "sla100", "100k reqs", gen_sla },
    { "regional-monitor", "regional100", "400x50", gen_regional },
};

/* reps runs of argv in dir, each with its outputs in a new folder out-N
 * (below `below` when given), as argv[outarg]: times in t, peak RSS in
 * rss, CPU time in cpu; returns the exit status of the last run. */
static int time_runs(const char *dir, char **argv, int outarg, const char *below, int reps, double *t,
                     long *rss, double *cpu)
{
    int rc = 0;
    for (int r = 0; r < reps; r++) {
        char *out = below ? rg_xasprintf("%s/out-%d", below, r + 1) : rg_xasprintf("out-%d", r + 1);
        argv[outarg] = out;
        rc = run_cmd(dir, argv, &t[r], &rss[r], &cpu[r]);
        argv[outarg] = NULL;
        free(out);
    }
    return rc;
}

/* What a run wrote: files, bytes and lines below a folder. */
static struct {
    long files;
    long long bytes, lines;
} volume;

static int count_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type != FTW_F) {
        return 0;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        return 0;
    }
    char buf[1 << 16];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        volume.bytes += n;
        for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + n - p))) != NULL; p++) {
            volume.lines++;
        }
    }
    close(fd);
    volume.files++;
    return 0;
}

/* The row of what the run in dir/out wrote: the amount of text the
 * workflow's scripts make, which bounds how fast it can be. */
static void volume_row(const char *workflow, const char *size, const char *dir, const char *out)
{
    char *path = rg_xasprintf("%s/%s", dir, out);
    memset(&volume, 0, sizeof volume);
    if (nftw(path, count_file, 16, FTW_PHYS) == 0) {
        char what[80], extra[96];
        snprintf(what, sizeof what, "%s: output written", workflow);
        snprintf(extra, sizeof extra, "%ld files, %.2f M lines", volume.files, volume.lines / 1e6);
        row(what, size, volume.bytes / 1e6, "MB", 0, extra);
    }
    free(path);
}

/* The time row of a shipped workflow; `how` follows "NAME: time"; with
 * its median CPU time when cpu_s > 0. */
static void time_row(const char *workflow, const char *how, const char *size, double median_s, int rc,
                     double cpu_s)
{
    char what[80], extra[96], busy[40] = "";
    snprintf(what, sizeof what, "%s: time%s", workflow, how);
    if (cpu_s > 0) {
        snprintf(busy, sizeof busy, ", CPU %.3f s", cpu_s);
    }
    snprintf(extra, sizeof extra, "exit status %d%s%s", rc, rc == 0 || rc == 3 ? "" : " (FAILED)", busy);
    row(what, size, median_s, "s", 1, extra);
}

static void section4(void)
{
    printf("\n4. Shipped workflows on generated data 100x a real case (whole process, store off)\n");
    char *bin = rg_xasprintf("%s/regie", builddir);
    for (size_t w = 0; w < sizeof shipped / sizeof shipped[0]; w++) {
        char *ini = rg_xasprintf("%s/etc/workflows/%s.ini", srcdir, shipped[w].workflow);
        if (!shipped[w].generate || !rg_file_exists(ini)) {
            printf("  %-44s %-9s n/a (not shipped yet)\n", shipped[w].workflow, shipped[w].size);
            free(ini);
            continue;
        }
        char **sets = shipped[w].generate();
        char *dir = rg_xasprintf("%s/%s", tmp, shipped[w].dir);
        char *argv[24];
        int n = 0;
        argv[n++] = bin;
        argv[n++] = "run";
        argv[n++] = ini;
        for (int i = 0; sets[i]; i++) {
            argv[n++] = sets[i];
        }
        argv[n++] = "--no-store";
        argv[n++] = "--quiet";
        argv[n++] = "--out";
        int outarg = n++;
        argv[n] = NULL;
        int reps = quick ? 1 : 3;
        double t[3], cpu[3];
        long rss[3], maxrss = 0;
        /* each repetition writes into a new folder: overwriting thousands of
         * files just written would measure the file system's handling of
         * recently deleted inodes, not regie */
        int rc = time_runs(dir, argv, outarg, NULL, reps, t, rss, cpu);
        for (int r = 0; r < reps; r++) {
            maxrss = rss[r] > maxrss ? rss[r] : maxrss;
        }
        double wall = median(t, reps);
        time_row(shipped[w].workflow, "", shipped[w].size, wall, rc, 0);
        char what[80], extra[96];
        double busy = median(cpu, reps);
        snprintf(what, sizeof what, "%s: CPU time", shipped[w].workflow);
        snprintf(extra, sizeof extra, "user + system; %.2f cores busy on average", busy / wall);
        row(what, shipped[w].size, busy, "s", 0, extra);
        snprintf(what, sizeof what, "%s: peak RSS", shipped[w].workflow);
        row(what, shipped[w].size, maxrss / 1024.0, "MB", 500, NULL);
        volume_row(shipped[w].workflow, shipped[w].size, dir, "out-1");
        /* the same runs with the outputs on tmpfs: the time of regie and
         * the scripts without the disk, whose cost of creating thousands
         * of files varies from run to run (on ext4 without a journal it
         * grows after large deletions) */
        char shm[] = "/dev/shm/regie-bench-XXXXXX";
        if (access("/dev/shm", W_OK) == 0 && mkdtemp(shm)) {
            rc = time_runs(dir, argv, outarg, shm, reps, t, rss, cpu);
            time_row(shipped[w].workflow, ", outputs on tmpfs", shipped[w].size, median(t, reps), rc,
                     median(cpu, reps));
            char *rm = rg_xasprintf("rm -rf '%s'", shm);
            if (system(rm) != 0) {
                fprintf(stderr, "bench: could not remove %s\n", shm);
            }
            free(rm);
        }
        for (int i = 0; sets[i]; i++) {
            free(sets[i]);
        }
        free(sets);
        free(dir);
        free(ini);
    }
    free(bin);
}

/* ---- 5: peers ---- */
static void section5(void)
{
    printf("\n5. Peers: the same no-op chain and fan-out of 1,000 steps (whole process, median of 5)\n");
    char *bin = rg_xasprintf("%s/regie", builddir);
    const char *shapes[] = { "chain", "fanout" };
    for (int s = 0; s < 2; s++) {
        char *wf = gen_workflow("c", shapes[s], 1000);
        char *out = rg_xasprintf("%s/peer-out", tmp);
        double t[5];
        for (int r = 0; r < 5; r++) {
            char *argv[] = { bin, "run", wf, "--no-store", "--quiet", "--out", out, NULL };
            run_cmd(tmp, argv, &t[r], NULL, NULL);
        }
        double regie_s = median(t, 5);
        char what[80];
        snprintf(what, sizeof what, "regie run, 1,000 no-op C steps, %s", shapes[s]);
        row(what, "1000", regie_s * 1e3, "ms", 0, NULL);
        if (have("make")) {
            rg_buf b = { 0 };
            rg_buf_puts(&b, ".PHONY: all");
            for (int i = 0; i < 1000; i++) {
                rg_buf_printf(&b, " t%d", i);
            }
            rg_buf_puts(&b, "\nall: t999");
            if (s == 1) {
                for (int i = 0; i < 999; i++) {
                    rg_buf_printf(&b, " t%d", i);
                }
            }
            rg_buf_puts(&b, "\n");
            for (int i = 0; i < 1000; i++) {
                if (s == 0 && i > 0) {
                    rg_buf_printf(&b, "t%d: t%d\n\t@:\n", i, i - 1);
                } else {
                    rg_buf_printf(&b, "t%d:\n\t@:\n", i);
                }
            }
            char *mk = rg_xasprintf("%s/peer-%s.mk", tmp, shapes[s]);
            write_text(mk, b.data);
            rg_buf_free(&b);
            for (int r = 0; r < 5; r++) {
                char *argv[] = { "make", "-s", "-j2", "-f", mk, NULL };
                run_cmd(tmp, argv, &t[r], NULL, NULL);
            }
            double make_s = median(t, 5);
            snprintf(what, sizeof what, "GNU make, 1,000 targets (recipe `:`), %s", shapes[s]);
            row(what, "1000", make_s * 1e3, "ms", 0, NULL);
            char extra[48];
            snprintf(extra, sizeof extra, "regie %.1fx faster", make_s / regie_s);
            row("  ratio regie / make", "", regie_s / make_s, "x", 0, extra);
            free(mk);
        }
        if (have("snakemake")) {
            printf("  snakemake: installed, but not measured by this bench yet\n");
        } else {
            printf("  snakemake: not installed\n");
        }
        free(out);
        free(wf);
    }
    free(bin);
}

/* ---- 6: isolate = process ---- */
static char *gen_isolated(const char *mode, const char *shape, int n)
{
    char *path = rg_xasprintf("%s/wf-iso-%s-%s-%d.ini", tmp, mode, shape, n);
    rg_buf b = { 0 };
    rg_buf_printf(&b, "[workflow]\nname = bench-iso-%s\n[engine]\nisolate = %s\n", mode, mode);
    for (int i = 0; i < n; i++) {
        rg_buf_printf(&b, "[step.s%d]\nplugin = noop\n", i);
        if (strcmp(shape, "chain") == 0 && i > 0) {
            rg_buf_printf(&b, "after = s%d\n", i - 1);
        }
    }
    write_text(path, b.data);
    rg_buf_free(&b);
    return path;
}

/* Per step in a chain (jobs 1) and a fan-out (jobs 2), without and with
 * isolation; the difference is what the child process costs. */
static void isolated_rows(engine *e, int n, int fanout_too, const char *size_note)
{
    const char *modes[] = { "none", "process" };
    const char *shapes[] = { "chain", "fanout" };
    for (int s = 0; s < (fanout_too ? 2 : 1); s++) {
        double per[2];
        for (int m = 0; m < 2; m++) {
            char *path = gen_isolated(modes[m], shapes[s], n);
            double ex[5], ld;
            long g;
            for (int r = 0; r < 5; r++) {
                if (one_run(e, path, s == 0 ? 1 : 2, NULL, &ld, &ex[r], &g) != 0) {
                    printf("  run failed: %s\n", path);
                }
            }
            per[m] = median(ex, 5) / n * 1e6;
            char what[80], size[16];
            snprintf(what, sizeof what, "C no-op step, %s, isolate = %s", shapes[s], modes[m]);
            snprintf(size, sizeof size, "%d", n);
            row(what, size, per[m], "µs", 0, size_note);
            free(path);
        }
        row("  cost of the child process per step", "", per[1] - per[0], "µs", 0, size_note);
    }
}

static void section6(void)
{
    printf("\n6. A C plugin step in a child process (isolate = process), store off, median µs per "
           "step\n");
    engine e;
    engine_open(&e);
    char note[64];
    snprintf(note, sizeof note, "process RSS %ld MB", rss_kb() / 1024);
    isolated_rows(&e, quick ? 200 : 1000, 1, note);
    /* fork copies the page tables of the whole process: a run that holds
     * much data pays more for each isolated step */
    size_t sizes[] = { 128, 512 };
    for (int k = 0; k < 2; k++) {
        size_t bytes = sizes[k] << 20;
        char *ballast = rg_xmalloc(bytes);
        memset(ballast, 1, bytes);
        snprintf(note, sizeof note, "process RSS %ld MB", rss_kb() / 1024);
        isolated_rows(&e, quick ? 20 : 100, 0, note);
        /* read once, so the memory is in use to the end */
        if (ballast[bytes - 1] != 1) {
            printf("  ?\n");
        }
        free(ballast);
    }
    engine_close(&e);
}

/* ---- 7: the programme scheduler ---- */
static uint64_t sched_rng;
static unsigned sched_rnd(unsigned n)
{
    sched_rng ^= sched_rng << 13;
    sched_rng ^= sched_rng >> 7;
    sched_rng ^= sched_rng << 17;
    return (unsigned)(sched_rng % n);
}

/* n sessions, T slots, R rooms, K speakers made around a programme that
 * works (as tests/unit/test_schedule.c makes them): expected attendance
 * 90-100 % of its room there, up to three speakers never twice in a slot,
 * half of the speakers available in their slots and 30 % of the others. */
static rg_sched *sched_generate(uint64_t seed, size_t n, size_t T, size_t R, size_t K)
{
    sched_rng = seed * 2654435761u + 1;
    rg_sched *s = rg_sched_new();
    char id[32];
    long long cap[64];
    unsigned char used[64 * 64] = { 0 }, speaks[128][64], restricted[128];
    memset(speaks, 0, sizeof speaks);
    for (size_t t = 0; t < T; t++) {
        snprintf(id, sizeof id, "T%02zu", t + 1);
        rg_sched_add_slot(s, id);
    }
    for (size_t r = 0; r < R; r++) {
        cap[r] = 20 + sched_rnd(381);
        snprintf(id, sizeof id, "R%02zu", r + 1);
        rg_sched_add_room(s, id, cap[r]);
    }
    for (size_t k = 0; k < K; k++) {
        restricted[k] = sched_rnd(10) < 5;
    }
    for (size_t i = 0; i < n; i++) {
        size_t t, r;
        do {
            t = sched_rnd((unsigned)T);
            r = sched_rnd((unsigned)R);
        } while (used[t * R + r]);
        used[t * R + r] = 1;
        long long lo = cap[r] * 9 / 10;
        snprintf(id, sizeof id, "P%03zu", i + 1);
        rg_sched_add_session(s, id, lo + sched_rnd((unsigned)(cap[r] - lo + 1)));
        size_t nsp = 1 + sched_rnd(3);
        for (size_t j = 0; j < nsp; j++) {
            for (int tries = 0; tries < 20; tries++) {
                size_t k = sched_rnd((unsigned)K);
                if (!speaks[k][t]) {
                    speaks[k][t] = 1;
                    snprintf(id, sizeof id, "K%03zu", k + 1);
                    rg_sched_add_speaker(s, i, id);
                    break;
                }
            }
        }
    }
    for (size_t k = 0; k < K; k++) {
        int avail[64];
        for (size_t t = 0; t < T; t++) {
            avail[t] = !restricted[k] || speaks[k][t] || sched_rnd(10) < 3;
        }
        if (restricted[k]) {
            snprintf(id, sizeof id, "K%03zu", k + 1);
            rg_sched_add_available(s, id, NULL);
            for (size_t t = 0; t < T; t++) {
                if (avail[t]) {
                    rg_sched_add_available(s, id, rg_sched_slot_id(s, t));
                }
            }
        }
    }
    return s;
}

/* 41 sessions of 900 and one room of 1000 in each of 40 slots (19 rooms
 * of 400 beside it): counting shows there is no programme; the search
 * runs for 10,000 placements first to say why in its own terms. */
static rg_sched *sched_pigeonhole(void)
{
    rg_sched *s = rg_sched_new();
    char id[32];
    for (int t = 0; t < 40; t++) {
        snprintf(id, sizeof id, "T%02d", t + 1);
        rg_sched_add_slot(s, id);
    }
    rg_sched_add_room(s, "Big", 1000);
    for (int r = 0; r < 19; r++) {
        snprintf(id, sizeof id, "R%02d", r + 1);
        rg_sched_add_room(s, id, 400);
    }
    for (int i = 0; i < 200; i++) {
        snprintf(id, sizeof id, "P%03d", i + 1);
        rg_sched_add_session(s, id, i < 41 ? 900 : 100 + i);
    }
    return s;
}

/* 200 sessions, 40 slots, 20 rooms; the largest 36 are talks by every
 * two of nine speakers who are all available only in the first 8 slots:
 * each has 8 talks for 8 slots and the rooms have room, so no count shows
 * it, but at most 4 of the 36 fit in a slot.  The search must give up. */
static rg_sched *sched_pairs(void)
{
    rg_sched *s = rg_sched_new();
    char id[32], a[16], b[16];
    for (int t = 0; t < 40; t++) {
        snprintf(id, sizeof id, "T%02d", t + 1);
        rg_sched_add_slot(s, id);
    }
    for (int r = 0; r < 20; r++) {
        snprintf(id, sizeof id, "R%02d", r + 1);
        rg_sched_add_room(s, id, 100 + 20 * r);
    }
    size_t n = 0;
    for (int i = 0; i < 9; i++) {
        for (int j = i + 1; j < 9; j++) {
            snprintf(id, sizeof id, "C%d%d", i + 1, j + 1);
            rg_sched_add_session(s, id, 300);
            snprintf(a, sizeof a, "core%d", i + 1);
            snprintf(b, sizeof b, "core%d", j + 1);
            rg_sched_add_speaker(s, n, a);
            rg_sched_add_speaker(s, n, b);
            n++;
        }
    }
    for (int k = 0; k < 9; k++) {
        snprintf(a, sizeof a, "core%d", k + 1);
        for (int t = 0; t < 8; t++) {
            rg_sched_add_available(s, a, rg_sched_slot_id(s, (size_t)t));
        }
    }
    for (int i = 0; n < 200; i++, n++) {
        snprintf(id, sizeof id, "P%03d", i + 1);
        rg_sched_add_session(s, id, 50 + i % 200);
        snprintf(a, sizeof a, "K%02d", i % 60);
        rg_sched_add_speaker(s, n, a);
    }
    return s;
}

/* Seconds of one search; its outcome and placements tried. */
static double sched_time(rg_sched *s, int *rc, uint64_t *tried)
{
    double t0 = rg_now();
    *rc = rg_sched_solve(s, 0, NULL, NULL);
    double secs = rg_now() - t0;
    *tried = rg_sched_tried(s);
    rg_sched_free(s);
    return secs;
}

/* The same kind of programme made in Lua: 200 sessions around a plan
 * that works, then regie.schedule on it `calls` times (0: only made). */
static const char sched_lua[] =
    "local calls = %d\n"
    "return { run = function()\n"
    "  local seed = 12345\n"
    "  local function rnd(n) seed = (seed * 1103515245 + 12345) %% 2147483648 return (seed >> 16) %% n end\n"
    "  local t = { sessions = {}, rooms = {}, slots = {}, available = {} }\n"
    "  for i = 1, 40 do t.slots[i] = string.format('T%%02d', i) end\n"
    "  for i = 1, 20 do t.rooms[i] = { id = string.format('R%%02d', i), capacity = 20 + rnd(381) } end\n"
    "  local used, speaks = {}, {}\n"
    "  for i = 1, 200 do\n"
    "    local s, r\n"
    "    repeat s, r = 1 + rnd(40), 1 + rnd(20) until not used[s * 100 + r]\n"
    "    used[s * 100 + r] = true\n"
    "    local cap = t.rooms[r].capacity\n"
    "    local sp = {}\n"
    "    for j = 1, 1 + rnd(2) do\n"
    "      local k = string.format('K%%02d', 1 + rnd(60))\n"
    "      speaks[k] = speaks[k] or {}\n"
    "      if not speaks[k][s] then speaks[k][s] = true sp[#sp + 1] = k end\n"
    "    end\n"
    "    t.sessions[i] = { id = string.format('P%%03d', i), expected = cap - rnd(cap // 10 + 1), speakers = sp }\n"
    "  end\n"
    "  for k, slots in pairs(speaks) do\n"
    "    if rnd(2) == 0 then\n"
    "      local av = {}\n"
    "      for s = 1, 40 do if slots[s] or rnd(10) < 3 then av[#av + 1] = t.slots[s] end end\n"
    "      t.available[k] = av\n"
    "    end\n"
    "  end\n"
    "  for c = 1, calls do\n"
    "    local r, err = regie.schedule(t)\n"
    "    assert(r and #r == 200, err and err.reason)\n"
    "  end\n"
    "end }\n";

/* Seconds of a script step running sched_lua with `calls` calls. */
static double sched_lua_seconds(int calls)
{
    char *text = rg_xasprintf(sched_lua, calls);
    char *path = rg_xasprintf("%s/sched-%d.lua", tmp, calls);
    write_text(path, text);
    double reps[5];
    for (int r = 0; r < 5; r++) {
        rg_lua *L = rg_lua_new(tmp);
        regie_ctx *ctx = rg_test_ctx_new("sched", NULL, NULL);
        double t0 = rg_now();
        if (rg_lua_run(L, path, ctx, NULL) != 0) {
            fprintf(stderr, "bench: %s failed: %s\n", path, rg_test_ctx_error(ctx));
        }
        reps[r] = rg_now() - t0;
        rg_test_ctx_free(ctx);
        rg_lua_free(L);
    }
    free(path);
    free(text);
    return median(reps, 5);
}

/* ---- 8: letters as PDF ---- */

/* One run of the pdf plugin on n letters with `threads` threads, in a
 * child process (its own peak memory): seconds and pages through a pipe. */
static void pdf_row(const regie_plugin *pl, int n, int threads, const char *style,
                    const char *outbase)
{
    int fds[2];
    if (pipe(fds) != 0) {
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        char *outdir = rg_xasprintf("%s/pdf-%d-%d", outbase, n, threads);
        mkdir(outdir, 0777);
        char th[16];
        snprintf(th, sizeof th, "%d", threads);
        const char *kv[] = { "letters", "letters", "style", style, "threads", th,
                             "pages", "pages", NULL };
        regie_ctx *ctx = regie_mock_ctx_new(pl, "letters_pdf", kv, outdir);
        const regie_host *h = regie_mock_host();
        static const char *const cols[] = { "path", "body", "addressee", "place_date",
                                            "reference", "subject", "signature", "date" };
        regie_table *t = h->table_new(ctx, 8, cols);
        for (int i = 0; i < n; i++) {
            char path[64], ref[64], addr[160], body[2048];
            snprintf(path, sizeof path, "letters/%05d.pdf", i);
            snprintf(ref, sizeof ref, "VNG-PSD-2026-004/B%05d", i);
            snprintf(addr, sizeof addr, "Adviesbureau %d\nt.a.v. Kandidaat %d\nPostbus %d\n9400 AA Assen",
                     i, i, i % 1000);
            snprintf(body, sizeof body,
                     "# Niet geselecteerd voor een gesprek\n\nGeachte heer, mevrouw,\n\n"
                     "Hartelijk dank voor uw inschrijving. De beoordelingscommissie heeft alle "
                     "toegelaten inschrijvingen beoordeeld op de gunningscriteria. Uw inschrijving "
                     "staat op plaats %d met %d,%02d punten. Alleen de 3 hoogst geplaatste "
                     "inschrijvingen worden uitgenodigd voor een gesprek; uw inschrijving hoort daar "
                     "niet bij.\n\nZoals in de uitvraag staat: wie uiterlijk vrijdag 16 januari 2026 "
                     "geen uitnodiging heeft ontvangen, is niet geselecteerd. Deze brief bevestigt "
                     "dat.\n\nUw scores:\n\n| Criterium | Max. | Punten |\n|---|---:|---:|\n"
                     "| W1 Wo-opleiding bestuurskunde of bedrijfskunde | 10 | 7,50 |\n"
                     "| W2 Ervaring met regionale of interbestuurlijke programma's | 25 | 20,83 |\n"
                     "| W3 Zelfstandig strategisch adviseren in de publieke sector | 30 | 22,50 |\n"
                     "| W4 Ervaring met SW-bedrijven en sociale ontwikkelbedrijven | 25 | 14,58 |\n"
                     "| **Totaal** | 90 | **%d,%02d** |\n",
                     i + 4, 40 + i % 50, i % 100, 40 + i % 50, i % 100);
            const char *vals[] = { path, body, addr, "Assen, 16 januari 2026", ref,
                                   "Strategisch adviseur sociaal domein (VNG-PSD-2026-004)",
                                   "Met vriendelijke groet,\n\nVereniging van Nederlandse Gemeenten\nTeam Inkoop",
                                   "2026-01-16" };
            regie_value row[8];
            for (int c = 0; c < 8; c++) {
                row[c].type = REGIE_STR;
                row[c].u.s.ptr = vals[c];
                row[c].u.s.len = strlen(vals[c]);
            }
            h->table_append(t, row);
        }
        regie_mock_give_table(ctx, "letters", t);
        double t0 = rg_now();
        int rc = regie_mock_run(pl, ctx);
        double secs = rg_now() - t0;
        regie_value pages = { 0 };
        if (rc != 0 || regie_mock_value(ctx, "pages", &pages) != 0) {
            fprintf(stderr, "bench: pdf: %s\n", regie_mock_error(ctx) ? regie_mock_error(ctx) : "failed");
            _exit(1);
        }
        double res[2] = { secs, (double)pages.u.i };
        if (write(fds[1], res, sizeof res) != (ssize_t)sizeof res) {
            _exit(1);
        }
        _exit(0);
    }
    close(fds[1]);
    double res[2] = { 0, 0 };
    ssize_t got = read(fds[0], res, sizeof res);
    close(fds[0]);
    int status = 0;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || got != (ssize_t)sizeof res ||
        !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("  %-44s failed\n", "pdf letters");
        return;
    }
    char what[64], size[32], extra[160];
    snprintf(what, sizeof what, "pdf letters, %d thread(s)%s", threads,
             outbase == tmp ? "" : ", files on tmpfs");
    snprintf(size, sizeof size, "%d", n);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    snprintf(extra, sizeof extra,
             "%.0f pages in %.2f s, %.2f ms CPU a page (making the table too); peak memory %ld MB",
             res[1], res[0], res[1] > 0 ? cpu * 1000 / res[1] : 0, ru.ru_maxrss / 1024);
    /* the goal: at least 1,000 pages/s on 2 cores */
    double pps = res[0] > 0 ? res[1] / res[0] : 0;
    printf("  %-44s %-9s %12.0f %-3s  %-14s %-4s %s\n", what, size, pps, "p/s",
           threads == 2 ? ">= 1000 p/s" : "-", threads == 2 ? (pps >= 1000 ? "ok" : "MISS") : "",
           extra);
    fflush(stdout);
}

static void section7(void)
{
    printf("\n7. The programme scheduler (regie.schedule's search), C, one search per instance\n");
    /* generated instances that have a programme; seed 3 is the one that
     * takes the search longest (timed apart) */
    double ms[16];
    int nms = 0, rc;
    uint64_t tried, most = 0;
    for (uint64_t seed = 1; seed <= 12; seed++) {
        if (seed == 3) {
            continue;
        }
        double secs = sched_time(sched_generate(seed, 200, 40, 20, 40), &rc, &tried);
        if (rc != RG_SCHED_FOUND) {
            printf("  seed %d: no programme found (%d)\n", (int)seed, rc);
            continue;
        }
        ms[nms++] = secs * 1e3;
        most = tried > most ? tried : most;
    }
    char note[96];
    double worst = 0;
    for (int i = 0; i < nms; i++) {
        worst = ms[i] > worst ? ms[i] : worst;
    }
    snprintf(note, sizeof note, "%d instances, slowest %.3f ms, at most %llu placements", nms, worst,
             (unsigned long long)most);
    row("schedule, feasible (median)", "200x40x20", median(ms, nms), "ms", 1000, note);
    double secs = sched_time(sched_generate(3, 200, 40, 20, 40), &rc, &tried);
    snprintf(note, sizeof note, "%s after %llu placements",
             rc == RG_SCHED_GAVE_UP ? "gave up" : rc == RG_SCHED_FOUND ? "found" : "none", (unsigned long long)tried);
    row("schedule, feasible, hardest seen (seed 3)", "200x40x20", secs * 1e3, "ms", 1000, note);
    secs = sched_time(sched_pairs(), &rc, &tried);
    snprintf(note, sizeof note, "%s after %llu placements (default limit)",
             rc == RG_SCHED_GAVE_UP ? "gave up" : "ended", (unsigned long long)tried);
    row("schedule, infeasible, no count shows it", "200x40x20", secs * 1e3, "ms", 1000, note);
    secs = sched_time(sched_pigeonhole(), &rc, &tried);
    snprintf(note, sizeof note, "%s after %llu placements (counted: none exists)",
             rc == RG_SCHED_NONE ? "no programme" : "ended", (unsigned long long)tried);
    row("schedule, infeasible: 41 sessions, 40 places", "200x40x20", secs * 1e3, "ms", 1000, note);
    /* from a script: the table handed over, the search, the result made */
    double made = sched_lua_seconds(0), with = sched_lua_seconds(10);
    row("regie.schedule from Lua, per call", "200x40x20", (with - made) / 10 * 1e3, "ms", 1000,
        "a programme made in Lua: 10 calls, less the step that only makes it");
}

static void section8(void)
{
    printf("\n8. letters as PDF (pdf plugin: cairo + pango, A4, the shipped house style)\n");
    char *so = rg_xasprintf("%s/plugins/.libs/pdf.so", builddir);
    void *dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        printf("  the pdf plugin is not built (configure found no cairo/pango): skipped\n");
        free(so);
        return;
    }
    const regie_plugin *pl = dlsym(dl, REGIE_PLUGIN_SYMBOL);
    char *style = rg_xasprintf("%s/etc/house-style.ini", srcdir);
    int n = quick ? 1000 : 10000;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    pdf_row(pl, n, 1, style, tmp);
    pdf_row(pl, n, 2, style, tmp);
    if (cpus > 2) {
        pdf_row(pl, n, (int)cpus, style, tmp);
    }
    /* the same with the files in memory: rendering apart from the cost of
     * creating 10,000 files on a disk */
    struct stat sb;
    if (stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode)) {
        char *shm = rg_xasprintf("/dev/shm/regie-bench-pdf-%ld", (long)getpid());
        mkdir(shm, 0700);
        pdf_row(pl, n, 2, style, shm);
        char *rm = rg_xasprintf("rm -rf '%s'", shm);
        if (system(rm) != 0) {
            fprintf(stderr, "bench: could not remove %s\n", shm);
        }
        free(rm);
        free(shm);
    }
    free(style);
    free(so);
    /* the plugin stays loaded: glib's types cannot be unloaded */

    /* the whole tender workflow at 100x with its letters as PDF (section 4
     * runs it without them) */
    char *ini = rg_xasprintf("%s/etc/workflows/tender-evaluation.ini", srcdir);
    char *bin = rg_xasprintf("%s/regie", builddir);
    char **sets = gen_tender();
    char *dir = rg_xasprintf("%s/tender100", tmp);
    char *out = rg_xasprintf("%s/out-pdf", dir);
    char *argv[24];
    int k = 0;
    argv[k++] = bin;
    argv[k++] = "run";
    argv[k++] = ini;
    for (int i = 0; sets[i]; i++) {
        if (strcmp(sets[i], "pdf_letters=no") == 0) {
            k--; /* its --set */
            continue;
        }
        argv[k++] = sets[i];
    }
    argv[k++] = "--no-store";
    argv[k++] = "--quiet";
    argv[k++] = "--out";
    argv[k++] = out;
    argv[k] = NULL;
    double secs = 0, cpu = 0;
    long rss = 0;
    int rc = run_cmd(dir, argv, &secs, &rss, &cpu);
    char extra[160];
    snprintf(extra, sizeof extra, "exit status %d%s, CPU %.2f s, peak RSS %ld MB", rc,
             rc == 0 || rc == 3 ? "" : " (FAILED)", cpu, rss / 1024);
    row("tender-evaluation with the letters as PDF", "10k bids", secs, "s", 0, extra);
    for (int i = 0; sets[i]; i++) {
        free(sets[i]);
    }
    free(sets);
    free(out);
    free(dir);
    free(bin);
    free(ini);
}

/* ---- 9. workbook inputs ---- */
/* Read the bids of path as the tender workflow's input (its columns): the
 * seconds it took, or -1. */
static double read_bids(rg_plugins *ps, const char *path)
{
    rg_input in;
    memset(&in, 0, sizeof in);
    in.name = "bids";
    rg_errors errs = { 0 };
    rg_colspec_parse("bid_id:id!, supplier:text~!, candidate:text~!, rate_excl_vat_eur:decimal!, "
                     "cv_count?:integer, motivation_count?:integer, submitted_at:datetime!, "
                     "region?:text~",
                     "bench", 1, &in.cols, &in.ncols, &errs);
    in.unique = "bid_id";
    regie_table *t = NULL;
    double t0 = rg_now();
    int rc = rg_readers_load(ps, &rg_host, &in, path, &t, &errs);
    if (rc == 1) {
        rc = rg_csv_read_enc(path, RG_ENC_UTF8, in.cols, in.ncols, in.unique, &t, &errs);
    }
    double secs = rg_now() - t0;
    if (rc != 0 || !t || t->nrows != 10000) {
        fprintf(stderr, "bench: %s: %s\n", path, errs.n ? errs.msg[0] : "not 10,000 rows");
        secs = -1;
    }
    rg_table_free(t);
    rg_err_free(&errs);
    rg_colspec_free(in.cols, in.ncols);
    return secs;
}

static void section9(void)
{
    printf("\n9. workbook inputs: 10,000 bids read as the tender's input (median of 5)\n");
    char *so = rg_xasprintf("%s/plugins/.libs", builddir);
    rg_plugins ps = { 0 };
    rg_errors errs = { 0 };
    rg_plugins_scan(&ps, so, &errs);
    rg_err_free(&errs);
    if (!rg_plugin_find(&ps, "workbook")) {
        printf("  the workbook plugin is not built (configure found no libzip/expat): skipped\n");
        rg_plugins_free(&ps);
        free(so);
        return;
    }
    char *csv = rg_xasprintf("%s/bids10k.csv", tmp);
    FILE *f = fopen(csv, "w");
    fprintf(f, "bid_id,supplier,candidate,rate_excl_vat_eur,cv_count,motivation_count,"
               "submitted_at,region\n");
    for (int i = 0; i < 10000; i++) {
        fprintf(f, "B%05d,Bureau %d,Kandidaat %d,%d.%02d,1,1,2026-01-%02dT10:%02d,Utrecht\n", i, i,
                i, 90 + i % 40, i % 100, 1 + i % 28, i % 60);
    }
    fclose(f);
    /* the same as .xlsx (openpyxl: Excel's layout, dates as date cells) and
     * .ods (LibreOffice, when there) */
    char *cmd = rg_xasprintf(
        "cd '%s' && /usr/bin/python3 -c \"import csv, datetime, openpyxl\n"
        "wb = openpyxl.Workbook(); ws = wb.active\n"
        "for i, r in enumerate(csv.reader(open('bids10k.csv'))):\n"
        "    if i: r[3] = float(r[3]); r[4] = int(r[4]); r[5] = int(r[5]); "
        "r[6] = datetime.datetime.strptime(r[6], '%%Y-%%m-%%dT%%H:%%M')\n"
        "    ws.append(r)\n"
        "wb.save('bids10k.xlsx')\" >/dev/null 2>&1",
        tmp);
    int have_xlsx = system(cmd) == 0;
    free(cmd);
    cmd = rg_xasprintf("cd '%s' && HOME='%s' timeout 300 soffice --headless "
                       "--infilter=CSV:44,34,76,1 --convert-to ods bids10k.csv >/dev/null 2>&1",
                       tmp, tmp);
    int have_ods = system("command -v soffice >/dev/null 2>&1") == 0 && system(cmd) == 0;
    free(cmd);
    const char *names[] = { "bids10k.csv", "bids10k.xlsx", "bids10k.ods" };
    const char *what[] = { "CSV (libcsv)", ".xlsx (openpyxl, shared strings)",
                           ".ods (LibreOffice)" };
    int have[] = { 1, have_xlsx, have_ods };
    for (int k = 0; k < 3; k++) {
        if (!have[k]) {
            printf("  %-44s %-9s %12s     could not be made (openpyxl / soffice): skipped\n",
                   what[k], "10k rows", "-");
            continue;
        }
        char *path = rg_xasprintf("%s/%s", tmp, names[k]);
        double v[5];
        int n = 0;
        for (int i = 0; i < 5; i++) {
            double s = read_bids(&ps, path);
            if (s >= 0) {
                v[n++] = s * 1000;
            }
        }
        struct stat sb;
        char note[64];
        snprintf(note, sizeof note, "file %lld KB", stat(path, &sb) == 0 ? (long long)sb.st_size / 1024 : 0LL);
        if (n) {
            row(what[k], "10k rows", median(v, n), "ms", 0, note);
        }
        free(path);
    }
    rg_plugins_free(&ps);
    free(csv);
    free(so);
}

/* ---- 10: isolation, the whole regie process ----
 * Section 6 times the engine in this process; this one the regie binary
 * as a user runs it, on workflows of N no-op C steps in process and with
 * `isolate = process` (a child per step).  The cost per step is the slope
 * between a run of N0 steps and one of N, so regie's start and end (Lua,
 * the plugins, the output folder) count once, not per step.  In process a
 * step costs so little (loading its INI lines included) that N is larger
 * there, for the slope to stand above the noise of a whole process. */
static double iso_run_seconds(const char *bin, const char *mode, const char *shape, int n, int jobs)
{
    char *wf = gen_isolated(mode, shape, n);
    char *out = rg_xasprintf("%s/iso-out", tmp);
    char js[16];
    snprintf(js, sizeof js, "%d", jobs);
    double t[7];
    for (int r = 0; r < 7; r++) {
        char *argv[] = { (char *)bin, "run", wf, "--no-store", "--quiet", "--jobs", js, "--out", out, NULL };
        if (run_cmd(tmp, argv, &t[r], NULL, NULL) != 0) {
            printf("  run failed: %s\n", wf);
        }
    }
    free(out);
    free(wf);
    return median(t, 7);
}

static void section10(void)
{
    printf("\n10. Isolation: regie run of N no-op C steps, in process and isolate = process, median "
           "of 7, µs per step (slope from N0 = 10 steps)\n");
    char *bin = rg_xasprintf("%s/regie", builddir);
    const int n0 = 10;
    const int ns[] = { quick ? 5000 : 20000, quick ? 200 : 1000 };
    const char *modes[] = { "none", "process" };
    const char *shapes[] = { "chain", "fanout" };
    const int jobs[] = { 1, 2 };
    for (int s = 0; s < 2; s++) {
        double per[2];
        for (int m = 0; m < 2; m++) {
            double a = iso_run_seconds(bin, modes[m], shapes[s], n0, jobs[s]);
            double b = iso_run_seconds(bin, modes[m], shapes[s], ns[m], jobs[s]);
            per[m] = (b - a) / (ns[m] - n0) * 1e6;
            char what[80], size[16], note[80];
            snprintf(what, sizeof what, "%s (--jobs %d), isolate = %s", shapes[s], jobs[s], modes[m]);
            snprintf(size, sizeof size, "%d", ns[m]);
            snprintf(note, sizeof note, "runs of %d / %d steps: %.1f / %.1f ms", n0, ns[m], a * 1e3,
                     b * 1e3);
            row(what, size, per[m], "µs", 0, note);
        }
        char what[80];
        snprintf(what, sizeof what, "  %s: isolate = process / in process", shapes[s]);
        row(what, "", per[0] > 0 ? per[1] / per[0] : 0, "x", 0,
            per[0] > 0 ? NULL : "(in process: within the noise of the run)");
    }
    /* what the machine asks for a bare fork, for reading the figures above
     * (a VM may make every fork cost milliseconds) */
    double t[7];
    for (int r = 0; r < 7; r++) {
        double t0 = rg_now();
        for (int i = 0; i < 50; i++) {
            pid_t pid = fork();
            if (pid == 0) {
                _exit(0);
            }
            if (pid > 0) {
                waitpid(pid, NULL, 0);
            }
        }
        t[r] = (rg_now() - t0) / 50;
    }
    char note[64];
    snprintf(note, sizeof note, "this bench process, RSS %ld MB", rss_kb() / 1024);
    row("fork + _exit + wait, for reference", "50", median(t, 7) * 1e6, "µs", 0, note);
    free(bin);
}

/* ---- 11: the web console ---- */
static unsigned console_port;
static char console_cookie[128];

/* One HTTP/1.1 request on a new connection (Connection: close) with the
 * cookie console_cookie ("NAME=VALUE"): the status code, or -1; the value
 * of the response's cookie `want` (e.g. "regie_session=") into cookie_out. */
static int http_once(const char *method, const char *path, const char *body, const char *want,
                     char *cookie_out)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)console_port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    char *req = body ? rg_xasprintf("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                                    "Cookie: %s\r\n"
                                    "Content-Type: application/x-www-form-urlencoded\r\n"
                                    "Content-Length: %zu\r\n\r\n%s",
                                    method, path, console_cookie, strlen(body), body)
                     : rg_xasprintf("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                                    "Cookie: %s\r\n\r\n",
                                    method, path, console_cookie);
    size_t len = strlen(req);
    if (write(fd, req, len) != (ssize_t)len) {
        free(req);
        close(fd);
        return -1;
    }
    free(req);
    rg_buf got = { 0 };
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        rg_buf_put(&got, buf, (size_t)n);
    }
    close(fd);
    int code = -1;
    if (got.data && sscanf(got.data, "HTTP/1.1 %d", &code) != 1) {
        code = -1;
    }
    const char *c = got.data && want ? strstr(got.data, want) : NULL;
    if (cookie_out && c) {
        snprintf(cookie_out, 65, "%.64s", c + strlen(want));
    }
    rg_buf_free(&got);
    return code;
}

typedef struct console_client {
    const char *path;
    int n;
    double *lat;
    int errors;
} console_client;

static void *console_worker(void *arg)
{
    console_client *c = arg;
    for (int i = 0; i < c->n; i++) {
        double t0 = rg_now();
        int code = http_once("GET", c->path, NULL, NULL, NULL);
        c->lat[i] = rg_now() - t0;
        c->errors += code != 200;
    }
    return NULL;
}

static void console_load(const char *what, const char *path, int clients, int per_client)
{
    console_client *cl = rg_xcalloc((size_t)clients, sizeof *cl);
    pthread_t *th = rg_xcalloc((size_t)clients, sizeof *th);
    double t0 = rg_now();
    for (int i = 0; i < clients; i++) {
        cl[i].path = path;
        cl[i].n = per_client;
        cl[i].lat = rg_xcalloc((size_t)per_client, sizeof(double));
        pthread_create(&th[i], NULL, console_worker, &cl[i]);
    }
    int total = clients * per_client, errors = 0;
    double *all = rg_xcalloc((size_t)total, sizeof *all);
    for (int i = 0; i < clients; i++) {
        pthread_join(th[i], NULL);
        memcpy(all + i * per_client, cl[i].lat, (size_t)per_client * sizeof(double));
        errors += cl[i].errors;
        free(cl[i].lat);
    }
    double secs = rg_now() - t0;
    qsort(all, (size_t)total, sizeof *all, cmp_double);
    double p99 = all[(int)(total * 0.99) < total ? (int)(total * 0.99) : total - 1];
    char size[32], extra[160];
    snprintf(size, sizeof size, "%d client%s", clients, clients == 1 ? "" : "s");
    snprintf(extra, sizeof extra, "%.0f requests/s, median %.2f ms, %d requests%s", total / secs,
             all[total / 2] * 1000, total, errors ? ", SOME FAILED" : "");
    char label[96];
    snprintf(label, sizeof label, "%s p99", what);
    row(label, size, p99 * 1000, "ms", clients == 8 && strstr(what, "run list") ? 20 : 0, extra);
    free(all);
    free(cl);
    free(th);
}

static void section11(void)
{
    printf("11 the web console (regie serve): 10,000 runs in the store\n");
    char *bin = rg_xasprintf("%s/regie", builddir);
    char *probe = rg_xasprintf("'%s' serve --help >/dev/null 2>&1 && '%s' help serve | grep -q "
                               "listen", bin, bin);
    if (system(probe) != 0) {
        printf("  (skipped: regie was built without the console)\n");
        free(probe);
        free(bin);
        return;
    }
    free(probe);
    char *db = rg_xasprintf("%s/console.db", tmp);
    rg_errors errs = { 0 };
    rg_store *st = rg_store_open(db, &errs);
    if (!st || rg_store_user_add(st, "bench", "bench-secret-1", "viewer:* operator:* approver:*",
                                 &errs) != 0) {
        printf("  (skipped: %s)\n", errs.n ? errs.msg[0] : "store");
        rg_err_free(&errs);
        free(db);
        free(bin);
        return;
    }
    /* 10,000 runs of 5 workflows over a year, a hundred of them waiting */
    sqlite3 *h = rg_store_handle(st);
    sqlite3_exec(h, "BEGIN", NULL, NULL, NULL);
    static const char *const wfs[] = { "tender-evaluation", "stakeholders", "service-levels",
                                       "regional", "event" };
    static const char *const sts[] = { "done", "done", "done", "failed", "waiting" };
    for (int i = 0; i < 10000; i++) {
        char id[32], started[32];
        int day = i * 336 / 10000, minute = i % 1440;
        snprintf(id, sizeof id, "2026%02d%02d-%02d%02d00-%04x", day / 28 + 1, day % 28 + 1,
                 minute / 60, minute % 60, (unsigned)i);
        snprintf(started, sizeof started, "2026-%02d-%02dT%02d:%02d:00Z", day / 28 + 1,
                 day % 28 + 1, minute / 60, minute % 60);
        const char *status = i % 100 == 0 ? "waiting" : sts[i % 4];
        char *sql = sqlite3_mprintf(
            "INSERT INTO runs (id, workflow, status, started, ended, user, outdir, run_case) "
            "VALUES (%Q, %Q, %Q, %Q, %Q, 'anna', '/nonexistent', 'CASE-%d')",
            id, wfs[i % 5], status, started, strcmp(status, "waiting") ? started : NULL, i);
        sqlite3_exec(h, sql, NULL, NULL, NULL);
        sqlite3_free(sql);
        if (!strcmp(status, "waiting")) {
            sql = sqlite3_mprintf("INSERT INTO waits (run_id, step, kind, what, since) VALUES "
                                  "(%Q, 'await_interviews', 'input', 'input interviews - the "
                                  "interview results', %Q)",
                                  id, started);
            sqlite3_exec(h, sql, NULL, NULL, NULL);
            sqlite3_free(sql);
        }
    }
    sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
    rg_store_close(st);
    int p[2];
    if (pipe(p) != 0) {
        free(db);
        free(bin);
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 2);
        execl(bin, bin, "serve", "--listen", "127.0.0.1:0", "--db", db, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    FILE *f = fdopen(p[0], "r");
    char line[512] = "";
    if (!fgets(line, sizeof line, f) || !strstr(line, "127.0.0.1:") ||
        sscanf(strstr(line, "127.0.0.1:"), "127.0.0.1:%u", &console_port) != 1) {
        printf("  (skipped: regie serve did not start: %s)\n", line);
        fclose(f);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        free(db);
        free(bin);
        return;
    }
    fclose(f);
    /* the sign-in form's token (its cookie and field), then the session */
    char token[65] = "", session[65] = "";
    http_once("GET", "/login", NULL, "regie_login=", token);
    snprintf(console_cookie, sizeof console_cookie, "regie_login=%s", token);
    char *form = rg_xasprintf("csrf=%s&user=bench&password=bench-secret-1", token);
    int signed_in = http_once("POST", "/login", form, "regie_session=", session) == 303;
    free(form);
    snprintf(console_cookie, sizeof console_cookie, "regie_session=%s", session);
    if (!signed_in) {
        printf("  (skipped: cannot sign in)\n");
    } else {
        int scale = quick ? 4 : 1;
        static const int clients[] = { 1, 8, 64 };
        for (int k = 0; k < 3; k++) {
            int per = (clients[k] == 64 ? 20 : clients[k] == 8 ? 100 : 400) / scale;
            console_load("run list, newest 50 (/runs)", "/runs", clients[k], per);
            console_load("run list, filtered, page 20", "/runs?workflow=stakeholders&status=done&page=20",
                         clients[k], per);
            console_load("inbox (100 waiting tasks)", "/inbox", clients[k], per);
        }
    }
    char *status = rg_xasprintf("/proc/%d/status", (int)pid);
    long hwm = 0;
    FILE *sf = fopen(status, "r");
    while (sf && fgets(line, sizeof line, sf)) {
        if (!strncmp(line, "VmHWM:", 6)) {
            hwm = atol(line + 6);
        }
    }
    if (sf) {
        fclose(sf);
    }
    row("console peak memory (VmHWM)", "10k runs", hwm / 1024.0, "MB", 0, "the server process");
    free(status);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    free(db);
    free(bin);
}

int main(int argc, char **argv)
{
    int only = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            only = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--srcdir") == 0 && i + 1 < argc) {
            srcdir = argv[++i];
        } else if (strcmp(argv[i], "--builddir") == 0 && i + 1 < argc) {
            builddir = argv[++i];
        }
    }
    char tmpl[] = "/tmp/regie-bench-XXXXXX";
    tmp = mkdtemp(tmpl);
    if (!tmp) {
        perror("mkdtemp");
        return 0;
    }
    struct utsname u;
    uname(&u);
    char model[128] = "?";
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            snprintf(model, sizeof model, "%s", strchr(line, ':') + 2);
            model[strcspn(model, "\n")] = 0;
            break;
        }
    }
    if (f) {
        fclose(f);
    }
    printf("regie bench: %ld cores, %s, %s %s%s\n", sysconf(_SC_NPROCESSORS_ONLN), model, u.sysname,
           u.release, quick ? " (quick)" : "");
    printf("  %-44s %-9s %12s %-3s  %-14s %-4s %s\n", "benchmark", "size", "median", "", "target",
           "", "notes");
    if (!only || only == 1) {
        section1();
    }
    if (!only || only == 2) {
        section2();
    }
    if (!only || only == 3) {
        section3();
    }
    if (!only || only == 4) {
        section4();
    }
    if (!only || only == 5) {
        section5();
    }
    if (!only || only == 6) {
        section6();
    }
    if (!only || only == 7) {
        section7();
    }
    if (!only || only == 8) {
        section8();
    }
    if (!only || only == 9) {
        section9();
    }
    if (!only || only == 10) {
        section10();
    }
    if (!only || only == 11) {
        section11();
    }
    char *cmd = rg_xasprintf("rm -rf '%s'", tmp);
    if (getenv("REGIE_BENCH_KEEP")) {
        printf("data kept in %s\n", tmp); /* for profiling a slow case */
    } else if (system(cmd) != 0) {
        fprintf(stderr, "bench: could not remove %s\n", tmp);
    }
    free(cmd);
    return 0;
}
