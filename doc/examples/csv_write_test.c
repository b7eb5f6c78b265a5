/* csv_write_test.c - a test of the csv-write plugin (plugins/csv-write/csv_write.c)
 * against regie's mock host (doc/plugin-testing.md): the plugin is
 * compiled into the test, run on tables given to it, and the file it
 * writes is compared byte for byte.
 *
 *   cc csv_write_test.c csv_write.c $(pkg-config --cflags --libs regie-mock) -o csv_write_test
 *   ./csv_write_test
 *
 * Exit status 0 when every check passes. */
#define _GNU_SOURCE
#include <regie-mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const regie_plugin regie_plugin_entry; /* the plugin under test */

static int failures;
#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);           \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

static regie_value str(const char *s)
{
    regie_value v = { REGIE_STR, { 0 } };
    v.u.s.ptr = s;
    v.u.s.len = strlen(s);
    return v;
}

/* The whole file at path, NUL-terminated (NULL: cannot read it). */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    char *buf = calloc(1, 65536);
    size_t n = buf ? fread(buf, 1, 65535, f) : 0;
    (void)n;
    fclose(f);
    return buf;
}

/* A step writing the bids of a tender; `data` names the table. */
static regie_ctx *bids_step(const char *dir, const char *data, const char *file)
{
    const regie_host *h = regie_mock_host();
    const char *kv[] = { "data", "bids", "file", file, "decimals", "2", NULL };
    /* a step of the plugin's step type csv-write, its parameters bound as a run binds them */
    regie_ctx *ctx =
        regie_mock_ctx_new_type(&regie_plugin_entry, "csv-write", "write-bids", kv, dir);
    const char *cols[] = { "bid", "price", "note", "admitted" };
    regie_table *t = h->table_new(ctx, 4, cols);
    regie_value row[4] = { str("A"), { REGIE_NUM, { .n = 120.5 } }, { REGIE_NULL, { 0 } },
                           { REGIE_BOOL, { .b = 1 } } };
    h->table_append(t, row);
    row[0] = str("B, Ltd");
    row[1].u.n = 99.125; /* half-up: 99.13 */
    row[2] = str("said \"no\"");
    row[3].u.b = 0;
    h->table_append(t, row);
    CHECK(regie_mock_give_table(ctx, data, t) == 0);
    return ctx;
}

int main(void)
{
    char dir[] = "/tmp/csv_write_test.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char *path = NULL;
    if (asprintf(&path, "%s/bids.csv", dir) < 0) {
        return 1;
    }

    /* the table, written as the shipped workflows expect it */
    regie_ctx *ctx = bids_step(dir, "bids", "bids.csv");
    CHECK(regie_mock_run(&regie_plugin_entry, ctx) == 0);
    CHECK(regie_mock_error(ctx) == NULL);
    CHECK(regie_mock_files(ctx) == 1);
    CHECK(regie_mock_file(ctx, 0) && strcmp(regie_mock_file(ctx, 0), "bids.csv") == 0);
    char *got = slurp(path);
    CHECK(got && strcmp(got, "bid,price,note,admitted\r\n"
                             "A,120.50,,yes\r\n"
                             "\"B, Ltd\",99.13,\"said \"\"no\"\"\",no\r\n") == 0);
    free(got);
    regie_mock_ctx_free(ctx);
    unlink(path);

    /* no such table among what the step reads: it fails and says why */
    ctx = bids_step(dir, "offers", "bids.csv");
    CHECK(regie_mock_run(&regie_plugin_entry, ctx) != 0);
    CHECK(regie_mock_error(ctx) && strstr(regie_mock_error(ctx), "no table named \"bids\""));
    CHECK(regie_mock_files(ctx) == 0);
    regie_mock_ctx_free(ctx);

    /* a file outside the output directory: the host refuses it */
    ctx = bids_step(dir, "bids", "../bids.csv");
    CHECK(regie_mock_run(&regie_plugin_entry, ctx) != 0);
    CHECK(regie_mock_error(ctx) &&
          strstr(regie_mock_error(ctx), "refusing to write \"../bids.csv\""));
    regie_mock_ctx_free(ctx);

    free(path);
    rmdir(dir);
    printf("csv_write_test: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
