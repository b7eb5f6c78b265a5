/* ABI 2 of regie.h in the host: descriptors of both versions loaded and
 * vetted (tests/fixtures/abi2.c, abi1.c, bad_abi.c), step types, bound
 * parameters and instances, and the mock host on the noop and csv-write
 * plugins and the fixture's step types and Lua functions. */
#define _GNU_SOURCE
#include "host.h"
#include "mockhost.h"
#include "plugin.h"
#include "regie-mock.h"
#include "testutil.h"
#include "workflow.h"

#include <check.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *fixture(const char *name)
{
    char rel[128];
    snprintf(rel, sizeof rel, "tests/fixtures/.libs/%s.so", name);
    return t_build(rel);
}

static char *shipped(const char *name)
{
    char rel[128];
    snprintf(rel, sizeof rel, "plugins/.libs/%s.so", name);
    return t_build(rel);
}

/* The descriptor of the shared object at path (its handle in *h). */
static const regie_plugin *entry_of(char *path, void **h)
{
    *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    ck_assert_msg(*h != NULL, "dlopen %s: %s", path, dlerror());
    const regie_plugin *d = dlsym(*h, REGIE_PLUGIN_SYMBOL);
    ck_assert_ptr_nonnull(d);
    free(path);
    return d;
}

START_TEST(abi2_fixture_loads)
{
    rg_plugins ps = { 0 };
    rg_errors e = { 0 };
    char *p = fixture("abi2");
    ck_assert_int_eq(rg_plugin_load(&ps, p, &e), 0);
    ck_assert_int_eq(e.n, 0);
    rg_plugin *g = rg_plugin_find(&ps, "abi2-fix");
    ck_assert_ptr_nonnull(g);
    ck_assert_uint_eq(g->ntypes, 2);
    ck_assert_str_eq(g->types[0].name, "abi2-bound");
    ck_assert_str_eq(g->types[1].name, "abi2-plain");
    ck_assert_int_eq(g->types[0].plain, 0);
    ck_assert_ptr_nonnull(g->types[0].open);
    ck_assert_ptr_nonnull(g->types[0].close);
    ck_assert_ptr_null(g->types[1].open);
    ck_assert_uint_eq(g->types[0].nparams, 13);
    ck_assert_uint_eq(g->types[1].nparams, 2);
    ck_assert_str_eq(g->types[0].params[7].key, "unbound");
    ck_assert_uint_eq(g->types[0].params[7].at, 0);
    ck_assert_uint_eq(g->types[0].params[0].at, 1); /* text: offset 0 */
    ck_assert_ptr_null(g->types[0].params[13].key);
    ck_assert_uint_eq(g->nreaders, 1);
    ck_assert_str_eq(g->readers[0].format, "abi2fix");
    ck_assert_uint_eq(g->nlua, 4);
    rg_plugin *owner = NULL;
    const rg_steptype *t = rg_plugin_find_type(&ps, "abi2-plain", &owner);
    ck_assert_ptr_eq(t, &g->types[1]);
    ck_assert_ptr_eq(owner, g);
    /* the plugin's own name is no step type of it */
    ck_assert_ptr_null(rg_plugin_find_type(&ps, "abi2-fix", NULL));
    ck_assert_ptr_eq(rg_plugin_find_lua(&ps, "abi2_fix"), g);
    ck_assert_ptr_null(rg_plugin_find_lua(&ps, "abi2-fix_x"));
    ck_assert_ptr_nonnull(rg_plugin_lua_fn(g, "join"));
    ck_assert_ptr_null(rg_plugin_lua_fn(g, "nope"));
    /* a plugin of the plain form: its type is named as the plugin */
    char *noop = shipped("noop");
    ck_assert_int_eq(rg_plugin_load(&ps, noop, &e), 0);
    ck_assert_ptr_nonnull(rg_plugin_find_type(&ps, "noop", &owner));
    ck_assert_str_eq(owner->desc->name, "noop");
    rg_plugins_free(&ps);
    rg_err_free(&e);
    free(p);
    free(noop);
}
END_TEST

/* A binary built against the header of ABI 1: its 5-field parameter
 * entries are read with their own stride, and it runs. */
START_TEST(abi1_fixture_loads_and_runs)
{
    rg_plugins ps = { 0 };
    rg_errors e = { 0 };
    char *p = fixture("abi1");
    ck_assert_int_eq(rg_plugin_load(&ps, p, &e), 0);
    rg_plugin *g = rg_plugin_find(&ps, "abi1-fix");
    ck_assert_ptr_nonnull(g);
    ck_assert_uint_eq(g->desc->abi_version, 1);
    ck_assert_uint_eq(g->ntypes, 1);
    ck_assert_int_eq(g->types[0].plain, 1);
    ck_assert_str_eq(g->types[0].name, "abi1-fix");
    const char *keys[] = { "greeting", "times", "share", "loud", "file" };
    const char *defs[] = { NULL, "3", "0.25", "no", "abi1.txt" };
    ck_assert_uint_eq(g->types[0].nparams, 5);
    for (size_t i = 0; i < 5; i++) {
        const regie_param *q = &g->types[0].params[i];
        ck_assert_str_eq(q->key, keys[i]);
        if (defs[i]) {
            ck_assert_str_eq(q->def, defs[i]);
        } else {
            ck_assert_ptr_null(q->def);
        }
        ck_assert_uint_eq(q->at, 0);
    }
    ck_assert_int_eq(g->types[0].params[3].type, REGIE_PARAM_BOOL);
    ck_assert_int_eq(g->types[0].params[0].required, 1);
    ck_assert_ptr_nonnull(g->types[0].params[0].description);
    ck_assert_str_eq(g->types[0].params[0].description, "a text");
    ck_assert_int_eq(rg_plugin_init(g, &rg_host, &e), 0);
    char *dir = t_tmpdir();
    const char *kv[] = { "greeting", "hoi", "loud", "yes", NULL };
    regie_ctx *ctx = rg_test_ctx_new("old", kv, dir);
    ((rg_step *)ctx->s)->ptable = g->types[0].params;
    rg_instance inst;
    memset(&inst, 0, sizeof inst);
    ck_assert_int_eq(rg_instance_open(&inst, g, &g->types[0], &rg_host, ctx), 0);
    ck_assert_int_eq(rg_instance_run(&inst, &rg_host, ctx), 0);
    rg_instance_close(&inst);
    char *got = t_readf("%s/abi1.txt", dir);
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, "abi=2\ngreeting=hoi\ntimes=3\nshare=0.25\nloud=1\n");
    free(got);
    rg_test_ctx_free(ctx);
    t_rmtree(dir);
    free(dir);
    rg_plugins_free(&ps);
    rg_err_free(&e);
    free(p);
}
END_TEST

START_TEST(other_versions_refused)
{
    rg_plugins ps = { 0 };
    rg_errors e = { 0 };
    const char *names[] = { "bad_abi0", "bad_abi3", "bad_abi" };
    const unsigned versions[] = { 0, 3, 42 };
    for (size_t i = 0; i < 3; i++) {
        char *p = fixture(names[i]);
        ck_assert_int_eq(rg_plugin_load(&ps, p, &e), -1);
        ck_assert_uint_eq(e.n, i + 1);
        T_CONTAINS(e.msg[i], p);
        char *want = t_asprintf("refused: plugin ABI version %u, this regie speaks versions 1 to 2",
                                versions[i]);
        T_CONTAINS(e.msg[i], want);
        free(want);
        free(p);
    }
    ck_assert_uint_eq(ps.n, 0);
    rg_plugins_free(&ps);
    rg_err_free(&e);
}
END_TEST

/* ---- descriptors in memory, vetted as a file's ---- */
static int m_run(const regie_host *h, regie_ctx *ctx, void *s, void *i)
{
    (void)h;
    (void)ctx;
    (void)s;
    (void)i;
    return 0;
}

static int t_open(const regie_host *h, regie_ctx *ctx, void *s, const void *c, void **i)
{
    (void)h;
    (void)ctx;
    (void)s;
    *i = (void *)c;
    return 0;
}

static int plain_run(const regie_host *h, regie_ctx *ctx, void *s)
{
    (void)h;
    (void)ctx;
    (void)s;
    return 0;
}

static int t_sniff(void *s, const char *p, const unsigned char *head, size_t n)
{
    (void)s;
    (void)p;
    (void)head;
    (void)n;
    return 0;
}

static int m_read(const regie_host *h, regie_ctx *ctx, void *s, const char *p, const char *sh)
{
    (void)h;
    (void)ctx;
    (void)s;
    (void)p;
    (void)sh;
    return -1;
}

static int t_fn(const regie_host *h, regie_ctx *ctx, void *s, const regie_value *a, size_t n,
                regie_value *r)
{
    (void)h;
    (void)ctx;
    (void)s;
    (void)a;
    (void)n;
    r->type = REGIE_NULL;
    return 0;
}

typedef struct cfg2 {
    int64_t n;
    const char *s;
} cfg2;

static const regie_param ok_params[] = {
    { "n", REGIE_PARAM_INT, 0, "1", "n", REGIE_AT(cfg2, n) },
    { "s", REGIE_PARAM_STRING, 0, NULL, "s", REGIE_AT(cfg2, s) },
    { 0 },
};

/* Add d; NULL when accepted, else its refusal (caller frees). */
static char *try_add(rg_plugins *ps, const regie_plugin *d)
{
    rg_errors e = { 0 };
    char *why = NULL;
    if (rg_plugin_add(ps, d, "mem", NULL, &e) != 0) {
        ck_assert_uint_eq(e.n, 1);
        why = strdup(e.msg[0]);
    }
    rg_err_free(&e);
    return why;
}

#define REFUSED(ps, d, text)                                                                       \
    do {                                                                                           \
        char *why_ = try_add((ps), (d));                                                           \
        ck_assert_msg(why_ != NULL, "accepted, expected: %s", (text));                             \
        T_CONTAINS(why_, (text));                                                                  \
        free(why_);                                                                                \
    } while (0)

START_TEST(descriptors_vetted)
{
    rg_plugins ps = { 0 };
    rg_errors e = { 0 };
    char *p = fixture("abi2");
    ck_assert_int_eq(rg_plugin_load(&ps, p, &e), 0);
    free(p);

    /* type names are unique among all plugins, the plain form's too */
    static const regie_step_type clash[] = {
        REGIE_STEP_TYPE("abi2-plain", "", NULL, char, NULL, m_run, NULL), { 0 } };
    static const regie_plugin d1 = REGIE_PLUGIN_V2("other", "1", "", NULL, NULL, clash, NULL, NULL);
    REFUSED(&ps, &d1, "mem: refused: step type \"abi2-plain\" is already offered by plugin abi2-fix");
    static const regie_plugin d2 =
        REGIE_PLUGIN_INIT("abi2-bound", "1", "", NULL, NULL, plain_run, NULL);
    REFUSED(&ps, &d2, "step type \"abi2-bound\" is already offered by plugin abi2-fix");
    /* reader formats too */
    static const regie_reader rclash[] = {
        { (uint32_t)sizeof(regie_reader), "abi2fix", "", t_sniff, m_read }, { 0 } };
    static const regie_plugin d3 = REGIE_PLUGIN_V2("other", "1", "", NULL, NULL, NULL, rclash, NULL);
    REFUSED(&ps, &d3, "a reader of format \"abi2fix\" is already offered by plugin abi2-fix");
    /* names */
    static const regie_step_type badname[] = {
        REGIE_STEP_TYPE("Bad Name", "", NULL, char, NULL, m_run, NULL), { 0 } };
    static const regie_plugin d4 = REGIE_PLUGIN_V2("other", "1", "", NULL, NULL, badname, NULL, NULL);
    REFUSED(&ps, &d4, "step type 1: name \"Bad Name\" missing or not of [a-z0-9_-]");
    static const regie_lua_fn badfn[] = { { "no-dash", "", t_fn }, { 0 } };
    static const regie_plugin d5 = REGIE_PLUGIN_V2("other", "1", "", NULL, NULL, NULL, NULL, badfn);
    REFUSED(&ps, &d5, "Lua function \"no-dash\": name not of [a-z0-9_]");
    static const regie_lua_fn twice[] = { { "f", "", t_fn }, { "f", "", t_fn }, { 0 } };
    static const regie_plugin d6 = REGIE_PLUGIN_V2("other", "1", "", NULL, NULL, NULL, NULL, twice);
    REFUSED(&ps, &d6, "Lua function \"f\" listed twice");
    static const regie_step_type dup[] = {
        REGIE_STEP_TYPE("a", "", NULL, char, NULL, m_run, NULL),
        REGIE_STEP_TYPE("a", "", NULL, char, NULL, m_run, NULL), { 0 } };
    static const regie_plugin d7 = REGIE_PLUGIN_V2("other", "1", "", NULL, NULL, dup, NULL, NULL);
    REFUSED(&ps, &d7, "step type \"a\" listed twice");
    /* bound members inside the config struct, and somewhere to go */
    static const regie_step_type small_cfg[] = {
        REGIE_STEP_TYPE("a", "", ok_params, int64_t, t_open, m_run, NULL), { 0 } };
    static const regie_plugin d8 =
        REGIE_PLUGIN_V2("other", "1", "", NULL, NULL, small_cfg, NULL, NULL);
    REFUSED(&ps, &d8, "step type a: parameter \"s\" bound at offset 8 (8 bytes), outside its "
                      "config struct of 8 bytes");
    static const regie_step_type no_open[] = {
        REGIE_STEP_TYPE("a", "", ok_params, cfg2, NULL, m_run, NULL), { 0 } };
    static const regie_plugin d9 = REGIE_PLUGIN_V2("other", "1", "", NULL, NULL, no_open, NULL, NULL);
    REFUSED(&ps, &d9, "step type a: binds parameters to its config struct but has no open");
    static const regie_param bad_def[] = { { "n", REGIE_PARAM_INT, 0, "many", "n", 0 }, { 0 } };
    static const regie_step_type bd[] = {
        REGIE_STEP_TYPE("a", "", bad_def, char, NULL, m_run, NULL), { 0 } };
    static const regie_plugin d10 = REGIE_PLUGIN_V2("other", "1", "", NULL, NULL, bd, NULL, NULL);
    REFUSED(&ps, &d10, "step type a: parameter \"n\": default \"many\" is not an integer");
    /* entry sizes */
    static const regie_step_type tiny[] = {
        { 12, "a", "", NULL, 0, 0, NULL, m_run, NULL }, { 0 } };
    static const regie_plugin d11 = REGIE_PLUGIN_V2("other", "1", "", NULL, NULL, tiny, NULL, NULL);
    REFUSED(&ps, &d11, "step type entries of 12 bytes, fewer than the");
    static const regie_step_type tiny_params[] = {
        { (uint32_t)sizeof(regie_step_type), "a", "", ok_params, 16, sizeof(cfg2), t_open, m_run,
          NULL },
        { 0 } };
    static const regie_plugin d12 =
        REGIE_PLUGIN_V2("other", "1", "", NULL, NULL, tiny_params, NULL, NULL);
    REFUSED(&ps, &d12, "step type a: parameter entries of 16 bytes, fewer than the 32");
    /* both forms, or nothing at all */
    static const regie_plugin d13 = { REGIE_PLUGIN_MAGIC, 2, (uint32_t)sizeof(regie_plugin),
                                      "other", "1", "", NULL, NULL, plain_run, NULL, clash, NULL,
                                      NULL, { 0 } };
    REFUSED(&ps, &d13, "plugin has both `types` and the plain form's run or params");
    static const regie_plugin d14 = REGIE_PLUGIN_V2("other", "1", "", NULL, NULL, NULL, NULL, NULL);
    REFUSED(&ps, &d14, "plugin offers nothing");
    ck_assert_uint_eq(ps.n, 1);

    /* an entry smaller than this host knows (built before `close`) is read
     * up to its size; a larger one is fine */
    typedef struct short_type {
        uint32_t size;
        const char *name;
        const char *summary;
        const regie_param *params;
        uint32_t param_size;
        uint32_t config_size;
        void *open;
        int (*run)(const regie_host *, regie_ctx *, void *, void *);
    } short_type;
    static const short_type shorter[] = {
        { (uint32_t)sizeof(short_type), "short-a", "", NULL, 0, 0, NULL, m_run },
        { (uint32_t)sizeof(short_type), "short-b", "", NULL, 0, 0, NULL, m_run },
        { 0, NULL, NULL, NULL, 0, 0, NULL, NULL } };
    static const regie_plugin d15 = REGIE_PLUGIN_V2(
        "short", "1", "", NULL, NULL, (const regie_step_type *)(const void *)shorter, NULL, NULL);
    char *why = try_add(&ps, &d15);
    ck_assert_msg(why == NULL, "%s", why);
    typedef struct long_type {
        regie_step_type t;
        void *later[3];
    } long_type;
    static const long_type longer[] = {
        { { (uint32_t)sizeof(long_type), "long-a", "", ok_params, (uint32_t)sizeof(regie_param),
            (uint32_t)sizeof(cfg2), t_open, m_run, NULL },
          { (void *)1, (void *)2, (void *)3 } },
        { { (uint32_t)sizeof(long_type), "long-b", "", NULL, 0, 0, NULL, m_run, NULL },
          { NULL, NULL, NULL } },
        { { 0, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL }, { NULL, NULL, NULL } } };
    static const regie_plugin d16 = REGIE_PLUGIN_V2(
        "long", "1", "", NULL, NULL, (const regie_step_type *)(const void *)longer, NULL, NULL);
    why = try_add(&ps, &d16);
    ck_assert_msg(why == NULL, "%s", why);
    ck_assert_uint_eq(ps.n, 3);
    rg_plugin *s = rg_plugin_find(&ps, "short"), *l = rg_plugin_find(&ps, "long");
    ck_assert_uint_eq(s->ntypes, 2);
    ck_assert_str_eq(s->types[1].name, "short-b");
    ck_assert_ptr_null(s->types[1].close);
    ck_assert_uint_eq(l->ntypes, 2);
    ck_assert_str_eq(l->types[1].name, "long-b");
    ck_assert_uint_eq(l->types[0].nparams, 2);
    ck_assert_uint_eq(l->types[0].config_size, sizeof(cfg2));
    rg_plugins_free(&ps);
    rg_err_free(&e);
}
END_TEST

/* ---- the mock host ---- */
static char *counter_path(const char *dir)
{
    return t_asprintf("%s/count.txt", dir);
}

START_TEST(mock_binds_every_type)
{
    void *h;
    const regie_plugin *d = entry_of(fixture("abi2"), &h);
    char *dir = t_tmpdir();
    char *count = counter_path(dir);
    const char *kv[] = { "text", "hello world", "count", "-12", "ratio", "2.25", "flag", "yes",
                         "day", "2026-01-09", "items", " a ,b , c d ", "counter", count, NULL };
    regie_ctx *ctx = regie_mock_ctx_new_type(d, "abi2-bound", "bound-step", kv, dir);
    ck_assert_ptr_nonnull(ctx);
    ck_assert_int_eq(regie_mock_run(d, ctx), 0);
    ck_assert_ptr_null(regie_mock_error(ctx));
    ck_assert_uint_eq(regie_mock_files(ctx), 1);
    ck_assert_str_eq(regie_mock_file(ctx, 0), "bound.txt");
    char *got = t_readf("%s/bound.txt", dir);
    char *want = t_asprintf("text=hello world\ncount=-12\nratio=2.25\nflag=1\n"
                            "day=20462 2026-01-09\nitems=3 [a][b][c d]\nabsent=(null)\n"
                            "unbound=free\nstep=bound-step\noutput_dir=%s\nattempt=1\n",
                            dir);
    ck_assert_str_eq(got, want);
    free(got);
    free(want);
    got = t_read(count);
    ck_assert_str_eq(got, "open\nrun 1\nclose\n");
    free(got);
    regie_mock_ctx_free(ctx);
    /* the defaults, bound */
    unlink(count);
    const char *kv2[] = { "text", "x", "counter", count, "file", "d.txt", NULL };
    ctx = regie_mock_ctx_new_type(d, "abi2-bound", "defaults", kv2, dir);
    ck_assert_int_eq(regie_mock_run(d, ctx), 0);
    got = t_readf("%s/d.txt", dir);
    want = t_asprintf("text=x\ncount=7\nratio=0.5\nflag=0\nday=1 1970-01-02\nitems=0\n"
                      "absent=(null)\nunbound=free\nstep=defaults\noutput_dir=%s\nattempt=1\n",
                      dir);
    ck_assert_str_eq(got, want);
    free(got);
    free(want);
    regie_mock_ctx_free(ctx);
    /* a failed attempt: closed all the same */
    unlink(count);
    const char *kv3[] = { "text", "x", "counter", count, "fail_always", "yes", NULL };
    ctx = regie_mock_ctx_new_type(d, "abi2-bound", "failing", kv3, dir);
    ck_assert_int_ne(regie_mock_run(d, ctx), 0);
    ck_assert_str_eq(regie_mock_error(ctx), "attempt 1 fails on purpose");
    got = t_read(count);
    ck_assert_str_eq(got, "open\nrun 1\nclose\n");
    free(got);
    regie_mock_ctx_free(ctx);
    /* the type without an instance */
    const char *kv4[] = { "message", "hi", NULL };
    ctx = regie_mock_ctx_new_type(d, "abi2-plain", "plain", kv4, dir);
    ck_assert_int_eq(regie_mock_run(d, ctx), 0);
    got = t_readf("%s/plain.txt", dir);
    ck_assert_str_eq(got, "hi\n");
    free(got);
    regie_mock_ctx_free(ctx);
    /* no such type; a plain context on a plugin of step types */
    ck_assert_ptr_null(regie_mock_ctx_new_type(d, "abi2-nope", "x", NULL, dir));
    ctx = regie_mock_ctx_new(d, "x", NULL, dir);
    ck_assert_int_ne(regie_mock_run(d, ctx), 0);
    T_CONTAINS(regie_mock_error(ctx), "regie_mock_ctx_new_type");
    regie_mock_ctx_free(ctx);
    free(count);
    t_rmtree(dir);
    free(dir);
    dlclose(h);
}
END_TEST

static regie_value sv(const char *s)
{
    regie_value v = { REGIE_STR, { 0 } };
    v.u.s.ptr = s;
    v.u.s.len = strlen(s);
    return v;
}

START_TEST(mock_calls_lua_functions)
{
    void *h;
    const regie_plugin *d = entry_of(fixture("abi2"), &h);
    regie_ctx *ctx = regie_mock_ctx_new_type(d, "abi2-plain", "lua", NULL, NULL);
    const regie_host *host = regie_mock_host();
    const char *cols[] = { "x" };
    regie_table *owner = host->table_new(ctx, 1, cols);
    regie_list *l = host->list_new(owner);
    regie_value a = sv("a"), two = { REGIE_INT, { .i = 2 } };
    host->list_push(l, &a);
    host->list_push(l, &two);
    regie_value args[6] = { { REGIE_NULL, { 0 } }, { REGIE_BOOL, { .b = 1 } },
                            { REGIE_INT, { .i = 42 } }, { REGIE_NUM, { .n = 1.5 } }, sv("s"),
                            { REGIE_LIST, { .list = l } } };
    regie_value r;
    ck_assert_int_eq(regie_mock_call(d, ctx, "join", args, 6, &r), 0);
    ck_assert_int_eq(r.type, REGIE_STR);
    ck_assert_str_eq(r.u.s.ptr, "nil|true|int:42|num:1.5|s|[a,int:2]");
    ck_assert_int_eq(regie_mock_call(d, ctx, "count", args, 3, &r), 0);
    ck_assert_int_eq(r.type, REGIE_INT);
    ck_assert_int_eq(r.u.i, 3);
    /* a list comes back as a copy the context owns */
    ck_assert_int_eq(regie_mock_call(d, ctx, "echo", &args[5], 1, &r), 0);
    ck_assert_int_eq(r.type, REGIE_LIST);
    ck_assert_ptr_ne(r.u.list, l);
    ck_assert_uint_eq(host->list_len(r.u.list), 2);
    ck_assert_str_eq(host->list_at(r.u.list, 0)->u.s.ptr, "a");
    ck_assert_int_eq(host->list_at(r.u.list, 1)->u.i, 2);
    host->table_free(owner);
    ck_assert_ptr_null(regie_mock_error(ctx));
    regie_value boom = sv("boom");
    ck_assert_int_ne(regie_mock_call(d, ctx, "fail", &boom, 1, &r), 0);
    ck_assert_str_eq(regie_mock_error(ctx), "asked to fail: boom");
    regie_mock_ctx_free(ctx);
    ctx = regie_mock_ctx_new_type(d, "abi2-plain", "lua", NULL, NULL);
    ck_assert_int_ne(regie_mock_call(d, ctx, "nope", NULL, 0, &r), 0);
    T_CONTAINS(regie_mock_error(ctx), "plugin abi2-fix has no Lua function \"nope\"");
    regie_mock_ctx_free(ctx);
    dlclose(h);
}
END_TEST

START_TEST(noop_plugin_on_the_mock)
{
    void *h;
    const regie_plugin *d = entry_of(shipped("noop"), &h);
    ck_assert_uint_eq(d->abi_version, 2);
    ck_assert_ptr_nonnull(d->types);
    const char *kv[] = { "note", "ordering only", NULL };
    regie_ctx *ctx = regie_mock_ctx_new_type(d, "noop", "wait-for-it", kv, NULL);
    ck_assert_ptr_nonnull(ctx);
    ck_assert_int_eq(regie_mock_run(d, ctx), 0);
    ck_assert_ptr_null(regie_mock_error(ctx));
    ck_assert_uint_eq(regie_mock_files(ctx), 0);
    regie_mock_ctx_free(ctx);
    dlclose(h);
}
END_TEST

/* A step writing a table of bids; `data` names it. */
static regie_ctx *bids_step(const regie_plugin *d, const char *dir, const char *const *kv,
                            const char *data)
{
    const regie_host *h = regie_mock_host();
    regie_ctx *ctx = regie_mock_ctx_new_type(d, "csv-write", "write-bids", kv, dir);
    ck_assert_ptr_nonnull(ctx);
    const char *cols[] = { "bid", "price", "note", "admitted" };
    regie_table *t = h->table_new(ctx, 4, cols);
    regie_value row[4] = { sv("A"), { REGIE_NUM, { .n = 120.5 } }, { REGIE_NULL, { 0 } },
                           { REGIE_BOOL, { .b = 1 } } };
    h->table_append(t, row);
    row[0] = sv("B, Ltd");
    row[1].u.n = 99.125;
    row[2] = sv("said \"no\"");
    row[3].u.b = 0;
    h->table_append(t, row);
    ck_assert_int_eq(regie_mock_give_table(ctx, data, t), 0);
    return ctx;
}

START_TEST(csv_write_plugin_on_the_mock)
{
    void *h;
    const regie_plugin *d = entry_of(shipped("csv_write"), &h);
    char *dir = t_tmpdir();
    const char *kv[] = { "data", "bids", "file", "bids.csv", "decimals", "2", NULL };
    regie_ctx *ctx = bids_step(d, dir, kv, "bids");
    ck_assert_int_eq(regie_mock_run(d, ctx), 0);
    ck_assert_ptr_null(regie_mock_error(ctx));
    char *got = t_readf("%s/bids.csv", dir);
    ck_assert_str_eq(got, "bid,price,note,admitted\r\n"
                          "A,120.50,,yes\r\n"
                          "\"B, Ltd\",99.13,\"said \"\"no\"\"\",no\r\n");
    free(got);
    regie_mock_ctx_free(ctx);
    /* decimals left at its default: the shortest exact text */
    const char *kv2[] = { "data", "bids", "file", "short.csv", NULL };
    ctx = bids_step(d, dir, kv2, "bids");
    ck_assert_int_eq(regie_mock_run(d, ctx), 0);
    got = t_readf("%s/short.csv", dir);
    ck_assert_str_eq(got, "bid,price,note,admitted\r\n"
                          "A,120.5,,yes\r\n"
                          "\"B, Ltd\",99.125,\"said \"\"no\"\"\",no\r\n");
    free(got);
    regie_mock_ctx_free(ctx);
    /* no such table: fails and says why */
    ctx = bids_step(d, dir, kv, "offers");
    ck_assert_int_ne(regie_mock_run(d, ctx), 0);
    T_CONTAINS(regie_mock_error(ctx), "no table named \"bids\"");
    ck_assert_uint_eq(regie_mock_files(ctx), 0);
    regie_mock_ctx_free(ctx);
    t_rmtree(dir);
    free(dir);
    dlclose(h);
}
END_TEST

Suite *suite_abi2(void);
Suite *suite_abi2(void)
{
    Suite *s = suite_create("abi2");
    TCase *tc = tcase_create("abi2");
    tcase_add_test(tc, abi2_fixture_loads);
    tcase_add_test(tc, abi1_fixture_loads_and_runs);
    tcase_add_test(tc, other_versions_refused);
    tcase_add_test(tc, descriptors_vetted);
    tcase_add_test(tc, mock_binds_every_type);
    tcase_add_test(tc, mock_calls_lua_functions);
    tcase_add_test(tc, noop_plugin_on_the_mock);
    tcase_add_test(tc, csv_write_plugin_on_the_mock);
    suite_add_tcase(s, tc);
    return s;
}
