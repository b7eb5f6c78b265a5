#define _GNU_SOURCE
#include "mockhost.h"
#include "bind.h"
#include "conf.h"
#include "exec.h"
#include "host.h"
#include "lua_step.h"
#include "plugin.h"
#include "workflow.h"
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

/* A script step that ran, or its error. */
#define ASSERT_RAN(rc, ctx) \
    ck_assert_msg((rc) == 0, "%s", rg_test_ctx_error(ctx) ? rg_test_ctx_error(ctx) : "")

static rg_lua *lua;
static rg_script_info infos[64]; /* parameter tables the contexts point to */
static int ninfos;

static void setup(void)
{
    t_dir_setup();
    lua = rg_lua_new(t_dir);
}

static void teardown(void)
{
    for (int i = 0; i < ninfos; i++) {
        rg_script_info_free(&infos[i]);
    }
    ninfos = 0;
    rg_lua_free(lua);
    t_dir_teardown();
}

/* Run `body` as the run function of a script in a fresh standalone step. */
static int run_script(const char *name, const char *src, regie_ctx **out_ctx, const char *const *kv,
                      const rg_lua_limits *lim)
{
    char *path = t_write(t_dir, name, src);
    regie_ctx *ctx = rg_test_ctx_new("t", kv, t_dir);
    rg_errors e = { 0 };
    rg_script_info info;
    memset(&info, 0, sizeof info);
    if (rg_lua_describe(lua, path, NULL, &info, &e) == 0) {
        ((rg_step *)ctx->s)->ptable = info.params;
    }
    int rc = rg_lua_run(lua, path, ctx, lim);
    if (out_ctx) {
        *out_ctx = ctx;
    } else {
        rg_test_ctx_free(ctx);
    }
    rg_err_free(&e);
    free(path);
    if (ninfos < 64) {
        infos[ninfos++] = info;
    } else {
        rg_script_info_free(&info);
    }
    return rc;
}

START_TEST(types_round_trip)
{
    const char *cols[] = { "i", "f", "n", "l", "s" };
    rg_datum d = { RG_DATUM_TABLE, rg_table_new(5, cols), { REGIE_NULL, { 0 } } };
    regie_table *tmp = rg_table_new(0, NULL);
    regie_list *empty = rg_table_list_new(tmp);
    regie_value row[5] = { { REGIE_INT, { .i = 3 } }, { REGIE_NUM, { .n = 3.0 } },
                           { REGIE_NULL, { 0 } }, { REGIE_LIST, { .list = empty } },
                           { REGIE_STR, { .s = { "a\0b", 3 } } } };
    rg_table_append(d.table, row, 2);
    rg_table_free(tmp);
    regie_ctx *ctx;
    char *path = t_write(t_dir, "rt.lua",
                         "return { run = function(step)\n"
                         "  local t = regie.input('rows')\n"
                         "  local r = t[1]\n"
                         "  assert(math.type(r.i) == 'integer', 'int')\n"
                         "  assert(math.type(r.f) == 'float', 'float')\n"
                         "  assert(r.n == regie.null, 'null')\n"
                         "  assert(regie.is_list(r.l) and #r.l == 0, 'empty list')\n"
                         "  assert(#r.s == 3, 'binary string')\n"
                         "  assert(t.lines[1] == 2 and t.columns[1] == 'i', 'meta')\n"
                         "  local rs = regie.rows(t)\n"
                         "  assert(#rs == 1 and rs[1] ~= r and rs[1].i == 3 and rs[1].n == regie.null, 'rows')\n"
                         "  assert(rs[1]._line == 2 and rs[1]._i == 1, 'rows: line and position')\n"
                         "  rs[1].i = 99 assert(r.i == 3, 'rows are copies')\n"
                         "  assert(#regie.rows(nil) == 0, 'rows of nothing')\n"
                         "  local p = regie.rows({ { a = 1 } })\n"
                         "  assert(p[1].a == 1 and p[1]._line == 0 and p[1]._i == 1, 'rows of a plain table')\n"
                         "  r.nested = regie.list{ 1, 2.5, regie.list{}, 'x' }\n"
                         "  regie.output('out', t, regie.list{ 'i', 'f', 'n', 'l', 's', 'nested', 'missing' })\n"
                         "  regie.output('one', 7)\n"
                         "end }\n");
    /* has_input tells presence without making the records */
    rg_datum d2 = { RG_DATUM_TABLE, rg_table_new(1, cols), { REGIE_NULL, { 0 } } };
    rg_table_append(d2.table, row, 2);
    char *has = t_write(t_dir, "has.lua",
                        "return { run = function(step)\n"
                        "  assert(regie.has_input('rows') and not regie.has_input('absent'))\n"
                        "end }\n");
    regie_ctx *hctx = rg_test_ctx_new("t", NULL, t_dir);
    rg_test_ctx_set(hctx, "rows", &d2);
    ck_assert_int_eq(rg_lua_run(lua, has, hctx, NULL), 0);
    ck_assert(hctx->input_seconds == 0);
    rg_test_ctx_free(hctx);
    free(has);
    ctx = rg_test_ctx_new("t", NULL, t_dir);
    rg_test_ctx_set(ctx, "rows", &d);
    int rc = rg_lua_run(lua, path, ctx, NULL);
    ASSERT_RAN(rc, ctx);
    const rg_datum *o = rg_test_ctx_get(ctx, "out");
    ck_assert_ptr_nonnull(o);
    regie_table *t = o->table;
    ck_assert_int_eq(t->ncols, 7);
    ck_assert_int_eq(rg_table_cell(t, 0, 0)->type, REGIE_INT);
    ck_assert_int_eq(rg_table_cell(t, 0, 1)->type, REGIE_NUM);
    ck_assert_int_eq(rg_table_cell(t, 0, 2)->type, REGIE_NULL);
    ck_assert_int_eq(rg_table_cell(t, 0, 3)->type, REGIE_LIST);
    ck_assert_int_eq(rg_table_cell(t, 0, 3)->u.list->n, 0);
    ck_assert_int_eq(rg_table_cell(t, 0, 4)->u.s.len, 3);
    const regie_list *nl = rg_table_cell(t, 0, 5)->u.list;
    ck_assert_int_eq(nl->n, 4);
    ck_assert_int_eq(nl->items[0].type, REGIE_INT);
    ck_assert_int_eq(nl->items[1].type, REGIE_NUM);
    ck_assert_int_eq(nl->items[2].type, REGIE_LIST);
    ck_assert_int_eq(rg_table_cell(t, 0, 6)->type, REGIE_NULL);
    const rg_datum *one = rg_test_ctx_get(ctx, "one");
    ck_assert_int_eq(one->value.type, REGIE_INT);
    ck_assert_int_eq(one->value.u.i, 7);
    rg_test_ctx_free(ctx);
    free(path);
}
END_TEST

START_TEST(params_typed_by_declaration)
{
    const char *kv[] = { "n", "12", "x", "0.5", "flag", "ja", "names", "a, b", NULL };
    regie_ctx *ctx;
    int rc = run_script("p.lua",
                        "return { params = {\n"
                        "  n = { type = 'integer', required = true },\n"
                        "  x = { type = 'number' },\n"
                        "  flag = { type = 'boolean' },\n"
                        "  names = { type = 'list' },\n"
                        "  d = { type = 'integer', default = 4 } },\n"
                        "run = function(step) local p = step.params\n"
                        "  assert(math.type(p.n) == 'integer' and p.n == 12)\n"
                        "  assert(p.x == 0.5 and p.flag == true and p.names[2] == 'b')\n"
                        "  assert(p.d == 4, 'default')\n"
                        "end }\n",
                        &ctx, kv, NULL);
    ASSERT_RAN(rc, ctx);
    rg_test_ctx_free(ctx);
}
END_TEST

static void expect_fail(const char *name, const char *src, const char *msg, const rg_lua_limits *lim)
{
    regie_ctx *ctx;
    int rc = run_script(name, src, &ctx, NULL, lim);
    ck_assert_int_eq(rc, -1);
    const char *err = rg_test_ctx_error(ctx);
    ck_assert_msg(err && strstr(err, msg), "wanted \"%s\" in: %s", msg, err ? err : "(none)");
    rg_test_ctx_free(ctx);
    /* the state stays usable */
    rc = run_script("after.lua", "return { run = function(step) regie.output('x', 1) end }", NULL,
                    NULL, NULL);
    ck_assert_int_eq(rc, 0);
}

START_TEST(sandbox_blocks)
{
    expect_fail("io.lua", "return { run = function() io.open('/etc/passwd') end }",
                "io is blocked in regie scripts", NULL);
    expect_fail("os.lua", "return { run = function() os.execute('true') end }",
                "os.execute is blocked in regie scripts", NULL);
    expect_fail("pkg.lua", "return { run = function() package.loadlib('x', 'y') end }",
                "package is blocked", NULL);
    expect_fail("dump.lua", "return { run = function() string.dump(print) end }",
                "string.dump is blocked", NULL);
    expect_fail("df.lua", "return { run = function() dofile('/etc/passwd') end }",
                "dofile is blocked", NULL);
    expect_fail("bc.lua",
                "return { run = function() local f, e = load('\\27Lua') assert(f, e) end }",
                "binary chunks is blocked", NULL);
    expect_fail("req.lua", "return { run = function() require('../etc/passwd') end }",
                "not found on the script path", NULL);
}
END_TEST

START_TEST(require_from_script_path)
{
    free(t_write(t_dir, "mylib/util.lua", "return { twice = function(x) return 2 * x end }\n"));
    regie_ctx *ctx;
    int rc = run_script("r.lua",
                        "local u = require 'mylib.util'\n"
                        "return { run = function() regie.output('v', u.twice(21)) end }\n",
                        &ctx, NULL, NULL);
    ASSERT_RAN(rc, ctx);
    ck_assert_int_eq(rg_test_ctx_get(ctx, "v")->value.u.i, 42);
    rg_test_ctx_free(ctx);
}
END_TEST

START_TEST(limits)
{
    rg_lua_limits lim = { 200000, 0, 0 };
    expect_fail("loop.lua", "return { run = function() while true do end end }",
                "instruction limit exceeded", &lim);
    expect_fail("pcall.lua",
                "return { run = function() while true do pcall(function() while true do end end) end end }",
                "instruction limit exceeded", &lim);
    rg_lua_limits tl = { 0, 0, 0.2 };
    expect_fail("slow.lua", "return { run = function() while true do end end }",
                "time limit", &tl);
    rg_lua_limits ml = { 0, 32 * 1024 * 1024, 0 };
    expect_fail("bomb.lua", "return { run = function() local s = string.rep('x', 1e10) end }",
                "bomb.lua:1: resulting string too large", &ml);
    expect_fail("bomb1.lua", "return { run = function() local s = string.rep('x', 1e8) end }",
                "memory limit of 32 MB exceeded", &ml);
    /* a step may end holding more than the set-up limit (256 MB) of the
     * state: it is cleaned up without a limit, and the state stays usable */
    rg_lua_limits big = { 0, (size_t)512 * 1024 * 1024, 0 };
    int rc = run_script("big.lua",
                        "local keep\n"
                        "return { run = function()\n"
                        "  keep = { string.rep('x', 150 * 1024 * 1024), string.rep('y', 150 * 1024 * 1024) }\n"
                        "  regie.output('n', #keep[1] + #keep[2]) end }\n",
                        NULL, NULL, &big);
    ck_assert_int_eq(rc, 0);
    rc = run_script("after-big.lua", "return { run = function(step) regie.output('x', 1) end }", NULL,
                    NULL, NULL);
    ck_assert_int_eq(rc, 0);
    expect_fail("bomb2.lua",
                "return { run = function() pcall(function() local t = {} for i = 1, 1e9 do t[i] = i end end) end }",
                "memory limit of 32 MB exceeded", &ml);
}
END_TEST

/* The time limit comes by a timer, not by a hook on every step: it must
 * still reach a loop inside a coroutine, whether the coroutine was made
 * before the deadline, in an earlier step, or runs under pcall. */
START_TEST(time_limit_in_coroutines)
{
    rg_lua_limits tl = { 0, 0, 0.2 };
    expect_fail("wrap.lua",
                "return { run = function() local f = coroutine.wrap(function() while true do end end) f() end }",
                "time limit", &tl);
    expect_fail("resume.lua",
                "return { run = function() while true do\n"
                "  coroutine.resume(coroutine.create(function() while true do end end)) end end }",
                "time limit", &tl);
    expect_fail("nested.lua",
                "return { run = function()\n"
                "  local inner = coroutine.wrap(function() while true do end end)\n"
                "  local outer = coroutine.wrap(function() pcall(inner) while true do end end)\n"
                "  while true do pcall(outer) end end }",
                "time limit", &tl);
    /* made when the script was loaded, resumed under pcall, yielding each time */
    expect_fail("kept.lua",
                "local co = coroutine.create(function() while true do coroutine.yield(1) end end)\n"
                "return { run = function() while true do pcall(coroutine.resume, co) end end }",
                "time limit", &tl);
    /* a coroutine stopped by the limit is not there for a later step: the
     * global it was kept in is the stopped step's own */
    regie_ctx *ctx;
    const char *gen =
        "gen = gen or coroutine.wrap(function() local i = 0 while true do i = i + 1 coroutine.yield(i) end end)\n"
        "return { params = { spin = { type = 'boolean' } },\n"
        "run = function(step)\n"
        "  local v = gen()\n"
        "  if step.params.spin then while true do end end\n"
        "  regie.output('v', v) end }\n";
    const char *spin[] = { "spin", "yes", NULL };
    ck_assert_int_eq(run_script("gen.lua", gen, &ctx, spin, &tl), -1);
    ck_assert_msg(strstr(rg_test_ctx_error(ctx), "time limit"), "%s", rg_test_ctx_error(ctx));
    rg_test_ctx_free(ctx);
    ck_assert_int_eq(run_script("gen.lua", gen, &ctx, NULL, NULL), 0);
    ck_assert_int_eq(rg_test_ctx_get(ctx, "v")->value.u.i, 1);
    rg_test_ctx_free(ctx);
    /* a step well inside its time is not stopped, and the timer is rearmed per step */
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(run_script("quick.lua",
                                    "return { run = function() local n = 0 for i = 1, 1e5 do n = n + i end\n"
                                    "  regie.output('n', n) end }",
                                    &ctx, NULL, &tl), 0);
        ck_assert_int_eq(rg_test_ctx_get(ctx, "n")->value.u.i, 5000050000LL);
        rg_test_ctx_free(ctx);
    }
    /* the instruction limit and the time limit together: the first reached wins */
    rg_lua_limits both = { 100000, 0, 30 };
    expect_fail("both.lua", "return { run = function() while true do end end }",
                "instruction limit exceeded", &both);
}
END_TEST

/* One timer serves steps in turn: a timer set for an earlier step's
 * deadline must neither stop a later step with more time, nor let a later
 * step with less time run past its own. */
START_TEST(time_limit_timer_between_steps)
{
    regie_ctx *ctx;
    rg_lua_limits short_tl = { 0, 0, 0.3 }, long_tl = { 0, 0, 30 };
    const char *busy = "return { run = function() local t = os.clock() while os.clock() - t < 0.6 do end\n"
                       "  regie.output('ok', true) end }";
    ck_assert_int_eq(run_script("quick.lua", "return { run = function() end }", &ctx, NULL, &short_tl), 0);
    rg_test_ctx_free(ctx);
    /* the timer left for quick.lua fires 0.3 s in, during busy.lua */
    int rc = run_script("busy.lua", busy, &ctx, NULL, &long_tl);
    ASSERT_RAN(rc, ctx);
    rg_test_ctx_free(ctx);
    ck_assert_int_eq(run_script("quick.lua", "return { run = function() end }", &ctx, NULL, &long_tl), 0);
    rg_test_ctx_free(ctx);
    /* the timer left for a 30 s deadline must not be what stops this one */
    double t0 = rg_now();
    expect_fail("loop.lua", "return { run = function() while true do end end }", "time limit", &short_tl);
    ck_assert_msg(rg_now() - t0 < 10, "stopped after %.1f s", rg_now() - t0);
}
END_TEST

/* coroutine.resume and coroutine.wrap behave as Lua's own. */
START_TEST(coroutines_as_lua)
{
    regie_ctx *ctx;
    int rc = run_script(
        "co.lua",
        "return { run = function()\n"
        "  local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)\n"
        "  local s = gen() + gen() + gen()\n"
        "  local ok, e = coroutine.resume(coroutine.create(function() error('boom') end))\n"
        "  local ok2, e2 = pcall(coroutine.wrap(function() error('bang') end))\n"
        "  local co = coroutine.create(function(a, b) local c = coroutine.yield(a + b) return c * 2, 'x' end)\n"
        "  local _, x = coroutine.resume(co, 1, 2)\n"
        "  local st = coroutine.status(co)\n"
        "  local ok3, y, z = coroutine.resume(co, 10)\n"
        "  local ok4, e4 = coroutine.resume(co)\n"
        "  local ok5, e5 = pcall(coroutine.resume, 5)\n"
        "  local ok6, e6 = pcall(coroutine.wrap, 5)\n"
        "  local t = setmetatable({}, { __index = function(_, k) return coroutine.yield(k) end })\n"
        "  local w = coroutine.wrap(function() return 'got ' .. t.key end)\n"
        "  local asked = w()\n"
        "  local final = w('v')\n"
        "  e, e2 = e:match('[^/]*$'), e2:match('[^/]*$')\n"
        "  regie.output('r', table.concat({ s, tostring(ok), e, tostring(ok2), e2, x, st, tostring(ok3), y, z,\n"
        "    tostring(ok4), e4, tostring(ok5), e5, tostring(ok6), asked, final }, '|'))\n"
        "end }\n",
        &ctx, NULL, NULL);
    ASSERT_RAN(rc, ctx);
    const regie_value *v = &rg_test_ctx_get(ctx, "r")->value;
    ck_assert_int_eq(v->type, REGIE_STR);
    ck_assert_str_eq(v->u.s.ptr,
                     "6|false|co.lua:4: boom|false|co.lua:5: bang|3|suspended|true|20|x|false|"
                     "cannot resume dead coroutine|false|"
                     "bad argument #1 to 'coroutine.resume' (thread expected, got number)|false|key|got v");
    rg_test_ctx_free(ctx);
}
END_TEST

START_TEST(errors_and_tracebacks)
{
    expect_fail("err.lua", "return { run = function(step)\n  local x\n  return x.y\nend }\n",
                "err.lua:3:", NULL);
    expect_fail("err2.lua", "return { run = function(step)\n  error('boom')\nend }\n",
                "stack traceback", NULL);
    rg_errors e = { 0 };
    rg_script_info info;
    char *p = t_write(t_dir, "syntax.lua", "return { run = function(\n");
    ck_assert_int_eq(rg_lua_describe(lua, p, NULL, &info, &e), -1);
    ck_assert_msg(strstr(e.msg[0], "syntax.lua:2:") != NULL, "%s", e.msg[0]);
    rg_err_free(&e);
    free(p);
    p = t_write(t_dir, "badtype.lua",
                "return { params = { k = { type = 'colour' } }, run = function() end }\n");
    ck_assert_int_eq(rg_lua_describe(lua, p, NULL, &info, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg[0], "params.k: unknown type \"colour\""));
    rg_script_info_free(&info);
    rg_err_free(&e);
    free(p);
    /* a regie function that needs a step, called while the script loads:
     * an error naming the line (the state's slot for the step starts empty,
     * whatever the allocator left there) */
    p = t_write(t_dir, "early.lua",
                "regie.info('loading')\nreturn { run = function() end }\n");
    rg_lua *fresh = rg_lua_new(t_dir);
    ck_assert_int_eq(rg_lua_describe(fresh, p, NULL, &info, &e), -1);
    rg_lua_free(fresh);
    ck_assert_msg(strstr(e.msg[0], "early.lua:1: this regie function works only while a step runs"),
                  "%s", e.msg[0]);
    rg_err_free(&e);
    free(p);
    p = t_write(t_dir, "norun.lua", "return { }\n");
    ck_assert_int_eq(rg_lua_describe(lua, p, NULL, &info, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg[0], "no function `run`"));
    rg_err_free(&e);
    free(p);
}
END_TEST

START_TEST(helpers)
{
    regie_ctx *ctx;
    int rc = run_script(
        "h.lua",
        "return { run = function()\n"
        "  assert(regie.round(120.5, 0) == 121)\n"
        "  assert(regie.format(35.625, 2, ',') == '35,63')\n"
        "  assert(regie.parse_number('120,5', ',') == 120.5)\n"
        "  assert(regie.parse_number('12x') == nil)\n"
        "  assert(regie.date.add_workdays('2026-01-12', 4) == '2026-01-16')\n"
        "  assert(regie.date.next_workday('2026-04-27') == '2026-04-28')\n"
        "  assert(regie.date.sub_workdays('2024-04-03', 2, { good_friday = true }) == '2024-03-28')\n"
        "  assert(regie.date.add_workdays('2026-04-29', 5, { liberation_day = 'lustrum' }) == '2026-05-06')\n"
        "  assert(regie.date.weekday('2026-04-27') == 1)\n"
        "  local closed = {} for i = 0, 99 do closed[#closed + 1] = regie.date.add_days('2027-01-04', i) end\n"
        "  assert(regie.date.next_workday('2027-01-04', { extra_closed = closed }) == '2027-04-14', 'beyond 64 closed days')\n"
        "  assert(regie.date.diff('2026-04-07', '2026-04-27') == 20)\n"
        "  local t = regie.csv.parse('a;b\\n1;x\\n')\n"
        "  assert(t[1].a == '1' and t.columns[2] == 'b')\n"
        "  assert(regie.csv.encode({ { a = 1, b = 'x,y' } }, { 'a', 'b' }) == 'a,b\\r\\n1,\"x,y\"\\r\\n')\n"
        "  regie.write('sub/out.txt', 'hello')\n"
        "  regie.data_error('in.csv', 4, 'rate', '0', 'a rate above 0')\n"
        "end }\n",
        &ctx, NULL, NULL);
    ck_assert_int_eq(rc, -1); /* the recorded data error fails the step */
    ck_assert_msg(rg_test_ctx_error(ctx) == NULL, "%s", rg_test_ctx_error(ctx));
    const rg_errors *de = rg_test_ctx_data_errors(ctx);
    ck_assert_int_eq(de->n, 1);
    ck_assert_str_eq(de->msg[0], "in.csv:4: column rate: found \"0\", expected a rate above 0");
    char *p = NULL;
    if (asprintf(&p, "%s/sub/out.txt", t_dir) < 0) {
        ck_abort();
    }
    char *text = t_read(p);
    ck_assert_str_eq(text, "hello");
    free(text);
    free(p);
    rg_test_ctx_free(ctx);
    expect_fail("esc.lua", "return { run = function() regie.write('../x', 'y') end }",
                "expected a relative path inside the output directory", NULL);
}
END_TEST

/* regie.csv.field quotes a text as regie.csv.writer writes it. */
START_TEST(csv_field)
{
    regie_ctx *ctx;
    int rc = run_script(
        "f.lua",
        "return { run = function()\n"
        "  local F = regie.csv.field\n"
        "  local cases = { 'plain', '', 'a,b', 'say \"hi\"', '\\ttab', 'tab\\t', ' space',\n"
        "                  'two\\r\\nlines', 'in side', 'x;y' }\n"
        "  for _, s in ipairs(cases) do\n"
        "    local line = regie.csv.encode({ { a = s, b = 'x' } }, { 'a', 'b' }):match('\\r\\n(.*),x\\r\\n$')\n"
        "    assert(F(s) == line, s)\n"
        "  end\n"
        "  assert(F('\\tlead') == '\"\\tlead\"')\n"
        "  assert(F(nil) == '' and F(regie.null) == '' and F() == '')\n"
        "  assert(F(12) == '12')\n"
        "  local ok, e = pcall(F, {})\n"
        "  assert(not ok and e:find('string expected'), e)\n"
        "end }\n",
        &ctx, NULL, NULL);
    ASSERT_RAN(rc, ctx);
    rg_test_ctx_free(ctx);
}
END_TEST

/* A module of scripts/common, required as the shipped workflows do. */
static void use_common(const char *module)
{
    char *rel = t_asprintf("scripts/common/%s.lua", module);
    char *src = t_src(rel);
    char *text = t_read(src);
    ck_assert_msg(text != NULL, "%s", src);
    char *dst = t_asprintf("common/%s.lua", module);
    free(t_write(t_dir, dst, text));
    free(dst);
    free(text);
    free(src);
    free(rel);
}

/* common/ics.lua: RFC 5545 escaping (a lone CR is a line break too, never
 * a raw CR in a content line), folding at 75 octets never inside a UTF-8
 * character, Amsterdam time in UTC. */
START_TEST(common_ics)
{
    use_common("ics");
    use_common("date"); /* ics.lua uses it (DTSTAMP of SOURCE_DATE_EPOCH) */
    use_common("value");
    regie_ctx *ctx;
    int rc = run_script(
        "i.lua",
        "local ics = require 'common.ics'\n"
        "return { run = function()\n"
        "  assert(ics.text('plain: text') == 'plain: text')\n"
        "  assert(ics.text('a\\\\b;c,d\\ne') == 'a\\\\\\\\b\\\\;c\\\\,d\\\\ne')\n"
        "  assert(ics.text('crlf\\r\\nlf\\ncr\\rend') == 'crlf\\\\nlf\\\\ncr\\\\nend')\n"
        "  assert(ics.line('X:' .. ('a'):rep(73)) == 'X:' .. ('a'):rep(73) .. '\\r\\n')\n"
        "  for _, body in ipairs({ ('a'):rep(200), ('\\u{e9}'):rep(100), ('x\\u{20ac}'):rep(60),\n"
        "                          ('a'):rep(74) .. '\\u{1f600}b' }) do\n"
        "    local line = 'DESCRIPTION:' .. body\n"
        "    local folded = ics.line(line)\n"
        "    assert(folded:sub(-2) == '\\r\\n')\n"
        "    local n = 0\n"
        "    for part in folded:gmatch('(.-)\\r\\n') do\n"
        "      n = n + 1\n"
        "      assert(#part <= 75, #part)\n"
        "      assert(n == 1 or part:sub(1, 1) == ' ')\n"
        "      assert(utf8.len(part), 'a UTF-8 character split')\n"
        "    end\n"
        "    assert(n > 1)\n"
        "    assert(folded:gsub('\\r\\n ', ''):sub(1, -3) == line)\n"
        "  end\n"
        "  assert(ics.lines({ 'A:1', 'B:2' }) == 'A:1\\r\\nB:2\\r\\n')\n"
        "  assert(ics.utc('2026-01-12T12:00') == '20260112T110000Z')\n"
        "  assert(ics.utc('2026-03-30T09:30') == '20260330T073000Z')\n"
        "  assert(ics.utc('2026-03-29T01:59') == '20260329T005900Z')\n"
        "  assert(ics.utc('2026-03-29T03:00') == '20260329T010000Z')\n"
        "  assert(ics.utc('2026-10-25T02:59') == '20261025T005900Z')\n"
        "  assert(ics.utc('2026-10-25T03:00') == '20261025T020000Z')\n"
        "  assert(ics.utc('2027-01-01T00:30') == '20261231T233000Z')\n"
        "  assert(ics.utc('2026-06-01') == '20260531T220000Z')\n"
        "  assert(ics.add_minutes('2026-03-30T23:30', 45) == '2026-03-31T00:15')\n"
        "  assert(ics.local_time('2026-03-30T09:30') == '20260330T093000')\n"
        "end }\n",
        &ctx, NULL, NULL);
    ASSERT_RAN(rc, ctx);
    rg_test_ctx_free(ctx);
}
END_TEST

static char *out_text(const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", t_dir, name) < 0) {
        ck_abort();
    }
    char *text = t_read(p);
    free(p);
    return text;
}

/* regie.csv.writer writes each value as regie.csv.encode does; regie.write
 * takes a file in pieces. */
START_TEST(csv_writer_and_pieces)
{
    regie_ctx *ctx;
    int rc = run_script(
        "w.lua",
        "return { run = function()\n"
        "  local cols = { 'n', 'text', 'x,y' }\n"
        "  local rows = { { n = -9223372036854775807 - 1, text = 'plain', ['x,y'] = ' lead' },\n"
        "                 { n = 1.5, text = 'q\"uo\"te', ['x,y'] = regie.null },\n"
        "                 { n = true, text = regie.list({ 1, 2 }), ['x,y'] = 'a\\nb' },\n"
        "                 { text = false, ['x,y'] = 0.1 }, { n = 0, text = '', ['x,y'] = 'end ' } }\n"
        "  local w = regie.csv.writer('w.csv', cols)\n"
        "  for i = 1, 3 do w:add(rows[i].n, rows[i].text, rows[i]['x,y']) end\n"
        "  w:record(rows[4])\n"
        "  w:add(rows[5].n, rows[5].text, rows[5]['x,y'])\n"
        "  assert(w:close() == 5)\n"
        "  regie.write('e.csv', regie.csv.encode(rows, cols))\n"
        "  local ok, e = pcall(w.add, w, 1, 2, 3)\n"
        "  assert(not ok and e:find('already closed'), e)\n"
        "  local v = regie.csv.writer('v.csv', { 'a' })\n"
        "  ok, e = pcall(v.add, v, 1, 2)\n"
        "  assert(not ok and e:find('regie.csv.writer%(\"v.csv\"%): add: 2 values for 1 columns'), e)\n"
        "  ok, e = pcall(v.add, v, print)\n"
        "  assert(not ok and e:find('line 1, column a: cannot write this value %(a function%)'), e)\n"
        "  local h = regie.csv.writer('h.csv', { 'a;b', 'c' })\n"
        "  h:add(1, 2) h:close()\n"
        "  ok, e = pcall(regie.csv.writer, 'z.csv', {})\n"
        "  assert(not ok and e:find('expected a list of column names'), e)\n"
        "  regie.write('p.txt', { 'a', 1, '', 'b', 2.5 })\n"
        "  local f = regie.file('f.txt')\n"
        "  f:write('x', 1, '') f:write() f:write('y\\n', 2.5)\n"
        "  f:write(' ', -7, ' ', math.mininteger, ' ', 3.0, ' ', 0)\n"
        "  assert(f:close() == 37)\n"
        "  ok, e = pcall(f.write, f, 'z')\n"
        "  assert(not ok and e:find('regie.file%(\"f.txt\"%): already closed'), e)\n"
        "  local g = regie.file('g.txt')\n"
        "  ok, e = pcall(g.write, g, 'a', true)\n"
        "  assert(not ok and e:find('write: argument 2 is a boolean, expected text'), e)\n"
        "  assert(regie.file('empty.txt'):close() == 0)\n"
        "  local a, b = regie.file('same.txt'), regie.file('same.txt')\n"
        "  a:write('first') b:write('second') a:close() b:close()\n"
        "  ok, e = pcall(regie.write, 'q.txt', { 'a', {} })\n"
        "  assert(not ok and e:find('piece 2 is a table, expected text'), e)\n"
        "end }\n",
        &ctx, NULL, NULL);
    ASSERT_RAN(rc, ctx);
    rg_test_ctx_free(ctx);
    char *w = out_text("w.csv"), *e = out_text("e.csv"), *p = out_text("p.txt");
    ck_assert_ptr_nonnull(w);
    ck_assert_str_eq(w, e);
    ck_assert_str_eq(w, "n,text,\"x,y\"\r\n"
                        "-9223372036854775808,plain,\" lead\"\r\n"
                        "1.5,\"q\"\"uo\"\"te\",\r\n"
                        "yes,1;2,\"a\nb\"\r\n"
                        ",no,0.1\r\n"
                        "0,,\"end \"\r\n");
    ck_assert_str_eq(p, "a1b2.5");
    char *h = out_text("h.csv"); /* a name with ';' quoted: read back as one column */
    ck_assert_str_eq(h, "\"a;b\",c\r\n1,2\r\n");
    free(h);
    char *f = out_text("f.txt"), *empty = out_text("empty.txt"), *g = out_text("g.txt");
    ck_assert_str_eq(f, "x1y\n2.5 -7 -9223372036854775808 3.0 0");
    ck_assert_str_eq(empty, "");
    ck_assert_ptr_null(g); /* not closed: not written */
    char *same = out_text("same.txt"); /* two writers of one path: the last closed */
    ck_assert_str_eq(same, "second");
    free(same);
    free(f);
    free(empty);
    free(w);
    free(e);
    free(p);
    /* a writer not closed writes nothing; v.csv and the refused q.txt */
    char *none = out_text("v.csv");
    ck_assert_ptr_null(none);
    none = out_text("q.txt");
    ck_assert_ptr_null(none);
}
END_TEST

/* A writer streams its file: a file far larger than the step's memory
 * limit is written whole; a writer not closed leaves no file behind, also
 * no unfinished one. */
START_TEST(csv_writer_streams)
{
    rg_lua_limits ml = { 0, 16 * 1024 * 1024, 0 };
    regie_ctx *ctx;
    int rc = run_script("wbig.lua",
                        "return { run = function()\n"
                        "  local w = regie.csv.writer('big.csv', { 'a' })\n"
                        "  local s = string.rep('x', 999)\n"
                        "  for i = 1, 40000 do w:add(s) end\n"
                        "  assert(w:close() == 40000)\n"
                        "end }\n",
                        &ctx, NULL, &ml);
    ASSERT_RAN(rc, ctx);
    rg_test_ctx_free(ctx);
    char *p = NULL;
    if (asprintf(&p, "%s/big.csv", t_dir) < 0) {
        ck_abort();
    }
    struct stat st;
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_eq(st.st_size, 3 + 40000 * 1001);
    free(p);
    expect_fail("wfail.lua",
                "return { run = function()\n"
                "  local w = regie.csv.writer('half.csv', { 'a' })\n"
                "  for i = 1, 5000 do w:add(string.rep('y', 999)) end\n"
                "  error('stopped halfway')\n"
                "end }\n",
                "stopped halfway", NULL);
    /* (the step took more than 4 MB: its garbage, the writer with it, was
     * collected when it ended) */
    DIR *d = opendir(t_dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        ck_assert_msg(strncmp(e->d_name, "half.csv", 8) != 0, "left behind: %s", e->d_name);
    }
    closedir(d);
}
END_TEST

/* Strings of a column made into Lua strings: a value equal to the one
 * above is the same string again, one that only looks alike (same length,
 * other bytes, or a null between) is its own. */
/* Run script `src` (file `name`) with table d as its input "rows" and, when
 * given, value v as its input "one"; it must succeed. */
static void run_on_rows(const char *name, const char *src, rg_datum *d, rg_datum *v)
{
    char *path = t_write(t_dir, name, src);
    regie_ctx *ctx = rg_test_ctx_new("t", NULL, t_dir);
    rg_test_ctx_set(ctx, "rows", d);
    if (v) {
        rg_test_ctx_set(ctx, "one", v);
    }
    int rc = rg_lua_run(lua, path, ctx, NULL);
    ASSERT_RAN(rc, ctx);
    rg_test_ctx_free(ctx);
    free(path);
}

START_TEST(repeated_strings_per_column)
{
    const char *cols[] = { "a", "b" };
    rg_datum d = { RG_DATUM_TABLE, rg_table_new(2, cols), { REGIE_NULL, { 0 } } };
    const char *a[] = { "ja", "ja", "ne", "ne", NULL, "ne", "jaa", "", "", "ja" };
    const char *b[] = { "x", "ja", "x", "x", "x", NULL, "y", "y", "z", "ja" };
    for (int i = 0; i < 10; i++) {
        regie_value row[2];
        row[0] = a[i] ? rg_str_value(a[i]) : (regie_value){ REGIE_NULL, { 0 } };
        row[1] = b[i] ? rg_str_value(b[i]) : (regie_value){ REGIE_NULL, { 0 } };
        rg_table_append(d.table, row, 0);
    }
    run_on_rows("rep.lua",
                         "return { run = function(step)\n"
                         "  local want_a = { 'ja', 'ja', 'ne', 'ne', regie.null, 'ne', 'jaa', '', '', 'ja' }\n"
                         "  local want_b = { 'x', 'ja', 'x', 'x', 'x', regie.null, 'y', 'y', 'z', 'ja' }\n"
                         "  for _, t in ipairs({ regie.input('rows'), regie.rows('rows') }) do\n"
                         "    assert(#t == 10, 'count')\n"
                         "    for i = 1, 10 do\n"
                         "      assert(t[i].a == want_a[i], 'a ' .. i .. ': ' .. tostring(t[i].a))\n"
                         "      assert(t[i].b == want_b[i], 'b ' .. i .. ': ' .. tostring(t[i].b))\n"
                         "    end\n"
                         "  end\n"
                         "  local t = regie.input('rows')\n"
                         "  t[1].a = 'changed'\n"
                         "  assert(t[2].a == 'ja', 'records are separate tables')\n"
                         "end }\n",
                &d, NULL);
}
END_TEST

/* regie.input(name, columns) and regie.rows(name | ds, columns): records
 * with only the columns asked for; a name that is not a column is an error
 * that lists the columns there are. */
START_TEST(only_some_columns)
{
    const char *cols[] = { "id", "name", "power", "note" };
    rg_datum d = { RG_DATUM_TABLE, rg_table_new(4, cols), { REGIE_NULL, { 0 } } };
    for (int i = 0; i < 3; i++) {
        char id[8], name[16];
        snprintf(id, sizeof id, "S%d", i + 1);
        snprintf(name, sizeof name, "Naam %d", i + 1);
        regie_value row[4] = { rg_str_value(id), rg_str_value(name), { REGIE_INT, { .i = i * 2 } },
                               { REGIE_NULL, { 0 } } };
        rg_table_append(d.table, row, 10 + i);
    }
    rg_datum one = { RG_DATUM_VALUE, NULL, { REGIE_INT, { .i = 7 } } };
    run_on_rows(
        "some.lua",
        "return { run = function(step)\n"
        "  local ds = regie.input('rows', { 'power', 'id' })\n"
        "  assert(#ds == 3 and ds[3].id == 'S3' and ds[3].power == 4, 'values')\n"
        "  assert(ds[1].name == nil and ds[1].note == nil, 'only the columns asked for')\n"
        "  assert(#ds.columns == 2 and ds.columns[1] == 'power' and ds.columns[2] == 'id', 'columns')\n"
        "  assert(ds.lines[2] == 11, 'lines')\n"
        "  assert(regie.input('rows') ~= ds and regie.input('rows')[1].name == 'Naam 1', 'whole input')\n"
        "  local r = regie.rows('rows', { 'name' })\n"
        "  assert(r[2].name == 'Naam 2' and r[2].id == nil and r[2]._line == 11 and r[2]._i == 2, 'rows')\n"
        "  local c = regie.rows(regie.input('rows'), { 'id' })\n"
        "  assert(c[1].id == 'S1' and c[1].name == nil and c[1]._i == 1, 'rows of a dataset')\n"
        "  local none = regie.rows('rows', {})\n"
        "  assert(#none == 3 and none[1].id == nil, 'no columns')\n"
        "  assert(regie.input('absent', { 'id' }) == nil, 'an optional input not given')\n"
        "  local ok, err = pcall(regie.input, 'rows', { 'id', 'powr' })\n"
        "  assert(not ok and err:find('regie.input(\"rows\"): column 2 of the list is \"powr\", '\n"
        "    .. 'expected one of: id, name, power, note', 1, true), err)\n"
        "  ok, err = pcall(regie.rows, 'rows', { 1 })\n"
        "  assert(not ok and err:find('column 1 of the list is a number', 1, true), err)\n"
        "  for _, f in ipairs({ regie.input, regie.rows }) do\n"
        "    ok, err = pcall(f, 'one', { 'id' })\n"
        "    assert(not ok and err:find('(\"one\"): the input is a single value, not a table', 1, true), err)\n"
        "  end\n"
        "end }\n",
        &d, &one);
}
END_TEST

/* regie.describe tells what an input is without making its records;
 * regie.order gives the positions of records sorted by several columns
 * (numbers or strings, each ascending or descending), stably, and refuses
 * columns it cannot sort with an error that names the column and value. */
START_TEST(describe_and_order)
{
    const char *cols[] = { "id", "score" };
    rg_datum d = { RG_DATUM_TABLE, rg_table_new(2, cols), { REGIE_NULL, { 0 } } };
    rg_table_set_source(d.table, "dir/rows.csv");
    for (int i = 0; i < 3; i++) {
        char id[8];
        snprintf(id, sizeof id, "S%d", i + 1);
        regie_value row[2] = { rg_str_value(id), { REGIE_INT, { .i = i } } };
        rg_table_append(d.table, row, 2 + i);
    }
    rg_datum one = { RG_DATUM_VALUE, NULL, { REGIE_INT, { .i = 7 } } };
    run_on_rows(
        "order.lua",
        "return { run = function(step)\n"
        "  local a = regie.describe('rows')\n"
        "  assert(a.kind == 'table' and a.rows == 3 and a.source == 'dir/rows.csv', 'table')\n"
        "  assert(regie.is_list(a.columns) and #a.columns == 2 and a.columns[2] == 'score', 'columns')\n"
        "  assert(regie.describe('one').kind == 'value' and regie.describe('one').rows == nil, 'value')\n"
        "  assert(regie.describe('absent') == nil, 'absent')\n"
        "  local function same(t, want)\n"
        "    assert(#t == #want, 'length ' .. #t)\n"
        "    for i = 1, #want do assert(t[i] == want[i], table.concat(t, ',')) end\n"
        "  end\n"
        "  -- score high to low, ties by name (bytes: 'B' < 'a'), then as given\n"
        "  same(regie.order({ { 2, 5, 2, 5, 2 }, { 'b', 'a', 'B', 'a', 'b' } }, { 'desc' }), { 2, 4, 3, 1, 5 })\n"
        "  same(regie.order({ { 'b', 'ab', '', 'a' } }), { 3, 4, 2, 1 })\n"
        "  same(regie.order({ { 1, 2.5, 2, 0/0, -1 } }), { 5, 1, 3, 2, 4 })\n"
        "  same(regie.order({ { 1, 2.5, 2, 0/0, -1 } }, { 'desc' }), { 2, 3, 1, 5, 4 })\n"
        "  same(regie.order({ { 3, 1, 2 } }, { 'asc' }), { 2, 3, 1 })\n"
        "  same(regie.order({ {} }), {})\n"
        "  local big, want = {}, {}\n"
        "  for i = 1, 5000 do big[i] = (i * 7919) % 5000 end\n"
        "  local o = regie.order({ big })\n"
        "  for i = 2, 5000 do assert(big[o[i - 1]] <= big[o[i]], 'sorted at ' .. i) end\n"
        "  local ok, err = pcall(regie.order, { { 1, 'x' } })\n"
        "  assert(not ok and err:find('column 1, value 2 is \"x\", expected a number like the column\\'s first', 1, true), err)\n"
        "  ok, err = pcall(regie.order, { { 'x', regie.null } })\n"
        "  assert(not ok and err:find('column 1, value 2 is null, expected a string', 1, true), err)\n"
        "  ok, err = pcall(regie.order, { { 1, 2 }, { 1 } })\n"
        "  assert(not ok and err:find('column 2 has 1 values, column 1 has 2: expected as many', 1, true), err)\n"
        "  ok, err = pcall(regie.order, { { 1 } }, { 'down' })\n"
        "  assert(not ok and err:find('direction 1 is \"down\", expected \"asc\" or \"desc\"', 1, true), err)\n"
        "  ok, err = pcall(regie.order, { 5 })\n"
        "  assert(not ok and err:find('column 1 is a number, expected a list of values', 1, true), err)\n"
        "  ok, err = pcall(regie.order, {})\n"
        "  assert(not ok and err:find('no columns given', 1, true), err)\n"
        "end }\n",
        &d, &one);
}
END_TEST

/* regie.each gives a table input record by record as values (position
 * first, "_line" on request, nulls and lists as regie.input gives them);
 * regie.output_writer makes the same table regie.output makes. */
START_TEST(each_and_output_writer)
{
    const char *cols[] = { "id", "n", "x", "note", "tags" };
    rg_datum d = { RG_DATUM_TABLE, rg_table_new(5, cols), { REGIE_NULL, { 0 } } };
    regie_table *tmp = rg_table_new(0, NULL);
    regie_list *tags = rg_table_list_new(tmp);
    regie_value tag = rg_str_value("a");
    rg_list_push(tags, &tag);
    const char *notes[] = { "ja", "ja", NULL, "nee" };
    for (int i = 0; i < 4; i++) {
        char id[8];
        snprintf(id, sizeof id, "S%d", i + 1);
        regie_value row[5] = { rg_str_value(id), { REGIE_INT, { .i = i } },
                               { REGIE_NUM, { .n = 0.5 + i } },
                               notes[i] ? rg_str_value(notes[i]) : (regie_value){ REGIE_NULL, { 0 } },
                               { REGIE_LIST, { .list = tags } } };
        rg_table_append(d.table, row, 20 + i);
    }
    rg_table_free(tmp);
    rg_datum one = { RG_DATUM_VALUE, NULL, { REGIE_INT, { .i = 7 } } };
    regie_ctx *ctx = rg_test_ctx_new("t", NULL, t_dir);
    rg_test_ctx_set(ctx, "rows", &d);
    rg_test_ctx_set(ctx, "one", &one);
    char *path = t_write(
        t_dir, "each.lua",
        "return { run = function(step)\n"
        "  local seen, ok, err = {}\n"
        "  local out = regie.output_writer('copy', { 'id', 'n', 'x', 'note', 'tags' })\n"
        "  for i, id, note, line, n, x, tags in regie.each('rows', { 'id', 'note', '_line', 'n', 'x', 'tags' }) do\n"
        "    seen[#seen + 1] = i\n"
        "    assert(id == 'S' .. i and line == 19 + i, 'id and line ' .. i)\n"
        "    assert(math.type(n) == 'integer' and n == i - 1, 'integer')\n"
        "    assert(math.type(x) == 'float' and x == i - 0.5, 'float')\n"
        "    assert(regie.is_list(tags) and tags[1] == 'a', 'list')\n"
        "    if i % 2 == 1 then out:add(id, n, x, note, tags)\n"
        "    else out:record({ id = id, n = n, x = x, note = note, tags = tags }) end\n"
        "  end\n"
        "  assert(#seen == 4 and seen[4] == 4, 'every record once, in order')\n"
        "  local notes = {}\n"
        "  for _, note in regie.each('rows', { 'note' }) do notes[#notes + 1] = note end\n"
        "  assert(notes[1] == 'ja' and notes[2] == 'ja' and notes[3] == regie.null and notes[4] == 'nee', 'nulls')\n"
        "  local rec, ids = { keep = 'me' }, {}\n"
        "  for i, r in regie.each('rows', { 'id', '_line', 'note' }, rec) do\n"
        "    assert(r == rec and r.keep == 'me' and r._line == 19 + i and r.n == nil, 'the table given, refilled')\n"
        "    ids[i] = r.id\n"
        "  end\n"
        "  assert(#ids == 4 and ids[4] == 'S4' and rec.id == 'S4' and rec.note == 'nee', 'into a table')\n"
        "  ok, err = pcall(regie.each, 'rows', { 'id' }, 5)\n"
        "  assert(not ok and err:find('argument 3 is a number, expected a table to fill', 1, true), err)\n"
        "  for _ in regie.each('absent', { 'id' }) do error('an optional input not given has no records') end\n"
        "  local next_record = regie.each('rows', {})\n"
        "  assert(select('#', next_record()) == 1 and next_record() == 2, 'no columns: the position alone')\n"
        "  assert(out:close() == 4, 'close: the rows')\n"
        "  regie.output('same', regie.input('rows'))\n"
        "  ok, err = pcall(out.add, out, 'S9', 1, 1.5, 'x', regie.list{})\n"
        "  assert(not ok and err:find('regie.output_writer(\"copy\"): already closed', 1, true), err)\n"
        "  ok, err = pcall(regie.each, 'rows', { 'id', 'nmae' })\n"
        "  assert(not ok and err:find('regie.each(\"rows\"): column 2 of the list is \"nmae\", '\n"
        "    .. 'expected one of: id, n, x, note, tags, _line', 1, true), err)\n"
        "  ok, err = pcall(regie.each, 'one', { 'id' })\n"
        "  assert(not ok and err:find('regie.each(\"one\"): the input is a single value, not a table', 1, true), err)\n"
        "  ok, err = pcall(regie.each, regie.input('rows'), { 'id' })\n"
        "  assert(not ok and err:find('regie.each: argument 1 is a table, expected the name of a table input', 1, true), err)\n"
        "  ok, err = pcall(regie.each, 'rows')\n"
        "  assert(not ok and err:find('argument 2 is missing, expected a list of column names', 1, true), err)\n"
        "  local w = regie.output_writer('bad', { 'a', 'b' })\n"
        "  ok, err = pcall(w.add, w, 1)\n"
        "  assert(not ok and err:find('regie.output_writer(\"bad\"): add: 1 values for 2 columns', 1, true), err)\n"
        "  w:add(1, 2)\n"
        "  ok, err = pcall(w.add, w, 1, print)\n"
        "  assert(not ok and err:find('regie.output_writer(\"bad\"): row 2, column b: cannot store a function', 1, true), err)\n"
        "  ok, err = pcall(w.record, w, { a = { x = 1 } })\n"
        "  assert(not ok and err:find('row 2, column a: cannot store a table with keys', 1, true), err)\n"
        "  w:add(3, nil)\n"
        "  assert(w:close() == 2, 'a row refused is not counted')\n"
        "  ok, err = pcall(regie.output_writer, 'x', {})\n"
        "  assert(not ok and err:find('argument 2 is an empty list, expected a list of column names', 1, true), err)\n"
        "  ok, err = pcall(regie.output_writer, 'x', { 'a', 2 })\n"
        "  assert(not ok and err:find('column 2 is a number, expected a name', 1, true), err)\n"
        "  ok, err = pcall(regie.output, 'refused', { { a = 1 }, { a = print } }, { 'a' })\n"
        "  assert(not ok and err:find('regie.output(\"refused\"): row 2, column a: cannot store a function', 1, true), err)\n"
        "  ok, err = pcall(regie.output, 'refused', { { a = 1 }, 5 }, { 'a' })\n"
        "  assert(not ok and err:find('regie.output(\"refused\"): row 2 is not a record', 1, true), err)\n"
        "  regie.output_writer('left_open', { 'a' }):add(1)\n"
        "end }\n");
    int rc = rg_lua_run(lua, path, ctx, NULL);
    ASSERT_RAN(rc, ctx);
    /* the streamed copy is the table regie.output made of the records */
    const rg_datum *copy = rg_test_ctx_get(ctx, "copy");
    const rg_datum *same = rg_test_ctx_get(ctx, "same");
    ck_assert_ptr_nonnull(copy);
    ck_assert_ptr_nonnull(same);
    ck_assert_int_eq(copy->table->nrows, 4);
    ck_assert_int_eq(copy->table->ncols, same->table->ncols);
    for (size_t r = 0; r < 4; r++) {
        for (size_t c = 0; c < 5; c++) {
            char *a = rg_value_to_text(rg_table_cell(copy->table, r, c));
            char *b = rg_value_to_text(rg_table_cell(same->table, r, c));
            ck_assert_msg(strcmp(a, b) == 0 && rg_table_cell(copy->table, r, c)->type ==
                                                   rg_table_cell(same->table, r, c)->type,
                          "row %zu column %zu: %s, expected %s", r, c, a, b);
            free(a);
            free(b);
        }
    }
    const rg_datum *bad = rg_test_ctx_get(ctx, "bad");
    ck_assert_ptr_nonnull(bad);
    ck_assert_int_eq(bad->table->nrows, 2);
    ck_assert_int_eq(rg_table_cell(bad->table, 1, 0)->u.i, 3);
    ck_assert_int_eq(rg_table_cell(bad->table, 1, 1)->type, REGIE_NULL);
    /* a writer not closed hands nothing over, nor does a refused output */
    ck_assert_ptr_null(rg_test_ctx_get(ctx, "left_open"));
    ck_assert_ptr_null(rg_test_ctx_get(ctx, "refused"));
    rg_test_ctx_free(ctx);
    free(path);
}
END_TEST

/* A loop of regie.each cannot be kept past the end of its step: the
 * string table it was put in (which the steps of a state once shared) is
 * the step's own, and the strings' metatable is out of a script's reach.
 * (Were it kept, it would stop with an error: see rg_api_each, api_inputs.c.) */
START_TEST(each_past_its_step)
{
    const char *cols[] = { "id" };
    rg_datum d = { RG_DATUM_TABLE, rg_table_new(1, cols), { REGIE_NULL, { 0 } } };
    regie_value v = rg_str_value("S1");
    rg_table_append(d.table, &v, 1);
    rg_table_append(d.table, &v, 2);
    run_on_rows("keep.lua",
                "return { run = function(step)\n"
                "  local it = regie.each('rows', { 'id' })\n"
                "  assert(it() == 1)\n"
                "  assert(getmetatable('') == false, 'the metatable of strings is hidden')\n"
                "  string.kept_loop = it\n"
                "  assert(('x').kept_loop == it, 'methods of strings are the step\\'s string table')\n"
                "end }\n",
                &d, NULL);
    char *path = t_write(t_dir, "later.lua",
                         "return { run = function(step)\n"
                         "  assert(string.kept_loop == nil and ('x').kept_loop == nil, 'the loop is gone')\n"
                         "end }\n");
    regie_ctx *ctx = rg_test_ctx_new("t", NULL, t_dir);
    int rc = rg_lua_run(lua, path, ctx, NULL);
    ASSERT_RAN(rc, ctx);
    rg_test_ctx_free(ctx);
    free(path);
}
END_TEST

/* REGIE_PROFILE: the lines and, calls included, the functions a step spent
 * its time in, on stderr. */
/* Run a script in a profiling state with ctx (NULL: a fresh one) and
 * return what it printed on stderr. */
static char *profiled(const char *name, const char *src, regie_ctx *ctx)
{
    rg_lua_free(lua);
    setenv("REGIE_PROFILE", "1", 1);
    lua = rg_lua_new(t_dir);
    unsetenv("REGIE_PROFILE");
    char *errpath = NULL;
    if (asprintf(&errpath, "%s/stderr.txt", t_dir) < 0) {
        ck_abort();
    }
    fflush(stderr);
    int saved = dup(2);
    int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    dup2(fd, 2);
    close(fd);
    int rc;
    if (ctx) {
        char *path = t_write(t_dir, name, src);
        rc = rg_lua_run(lua, path, ctx, NULL);
        free(path);
    } else {
        rc = run_script(name, src, NULL, NULL, NULL);
    }
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    ck_assert_int_eq(rc, 0);
    char *out = t_read(errpath);
    ck_assert_ptr_nonnull(out);
    free(errpath);
    return out;
}

START_TEST(profile_lines_and_functions)
{
    char *out = profiled("hot.lua",
                         "local function inner(x)\n"
                         "  local s = 0\n"
                         "  for i = 1, 200 do s = s + (x * i) % 7 end\n"
                         "  return s\n"
                         "end\n"
                         "local function outer(n)\n"
                         "  local s = 0\n"
                         "  for i = 1, n do\n"
                         "    for j = 1, 50 do s = s + j end\n"
                         "    s = s + inner(i)\n"
                         "  end\n"
                         "  return s\n"
                         "end\n"
                         "return { run = function(step)\n"
                         "  assert(outer(20000) > 0)\n"
                         "end }\n",
                         NULL);
    ck_assert_msg(strstr(out, "profile of step t:") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "hot.lua:3\n") != NULL, "the hot line: %s", out);
    ck_assert_msg(strstr(out, "hot.lua:9\n") != NULL, "the caller's own loop: %s", out);
    ck_assert_msg(strstr(out, "the functions it spent most time in") != NULL, "%s", out);
    /* outer (line 6) includes inner (line 1): both listed, outer first */
    char *fo = strstr(out, "function at ");
    ck_assert_msg(fo != NULL, "%s", out);
    char *o6 = strstr(out, "hot.lua:6\n"), *i1 = strstr(out, "hot.lua:1\n");
    ck_assert_msg(o6 && i1 && o6 < i1, "outer before inner: %s", out);
    free(out);
}
END_TEST

/* The time of handing over an input goes to the line that asked for it,
 * not to whatever line the next sample lands on. */
START_TEST(profile_input_to_its_line)
{
    const char *cols[] = { "id", "name" };
    rg_datum d = { RG_DATUM_TABLE, rg_table_new(2, cols), { REGIE_NULL, { 0 } } };
    for (int i = 0; i < 300000; i++) {
        char id[16], name[24];
        snprintf(id, sizeof id, "r%d", i);
        snprintf(name, sizeof name, "naam %d", i);
        regie_value row[2] = { rg_str_value(id), rg_str_value(name) };
        rg_table_append(d.table, row, i + 2);
    }
    regie_ctx *ctx = rg_test_ctx_new("t", NULL, t_dir);
    rg_test_ctx_set(ctx, "rows", &d);
    char *out = profiled("big.lua",
                         "return { run = function(step)\n"
                         "  local t = regie.rows('rows')\n"
                         "  local n = 0\n"
                         "  for i = 1, 3000 do n = n + i end\n"
                         "  assert(#t == 300000 and n > 0)\n"
                         "end }\n",
                         ctx);
    rg_test_ctx_free(ctx);
    const char *first = strstr(out, "most time on:\n");
    ck_assert_msg(first != NULL, "%s", out);
    const char *eol = strchr(first + 14, '\n');
    ck_assert_msg(eol && eol - first > 10 && strncmp(eol - 9, "big.lua:2", 9) == 0,
                  "the line that asked for the input first: %s", out);
    free(out);
}
END_TEST

/* A step that used much memory leaves a new state behind: its memory is
 * back at once, the next step compiles its script and modules again; a
 * module is listed once however often it is loaded.  No step finds the
 * globals another set, large or small. */
START_TEST(state_renewed_after_large_step)
{
    free(t_write(t_dir, "mylib/util.lua", "return { twice = function(x) return 2 * x end }\n"));
    const char *big = "local u = require 'mylib.util'\n"
                      "return { run = function()\n"
                      "  local t = {}\n"
                      "  for i = 1, 200000 do t[i] = { i, tostring(i) } end\n"
                      "  LEFT = 'by the large step'\n"
                      "  regie.output('v', u.twice(#t)) end }\n";
    const char *after = "local u = require 'mylib.util'\n"
                        "return { run = function()\n"
                        "  regie.output('left', tostring(LEFT))\n"
                        "  SMALL = 'by a small step'\n"
                        "  regie.output('v', u.twice(21)) end }\n";
    const char *small = "return { run = function() regie.output('small', tostring(SMALL)) end }\n";
    size_t before = rg_lua_memory(lua);
    regie_ctx *ctx;
    int rc = run_script("big.lua", big, &ctx, NULL, NULL);
    ASSERT_RAN(rc, ctx);
    ck_assert_int_eq(rg_test_ctx_get(ctx, "v")->value.u.i, 400000);
    rg_test_ctx_free(ctx);
    ck_assert_msg(rg_lua_memory(lua) < before + 1024 * 1024, "held after the large step: %zu bytes (%zu before)",
                  rg_lua_memory(lua), before);
    for (int round = 0; round < 2; round++) {
        rc = run_script("after.lua", after, &ctx, NULL, NULL);
        ASSERT_RAN(rc, ctx);
        ck_assert_str_eq(rg_test_ctx_get(ctx, "left")->value.u.s.ptr, "nil");
        ck_assert_int_eq(rg_test_ctx_get(ctx, "v")->value.u.i, 42);
        rg_test_ctx_free(ctx);
        rc = run_script("small.lua", small, &ctx, NULL, NULL);
        ASSERT_RAN(rc, ctx);
        ck_assert_str_eq(rg_test_ctx_get(ctx, "small")->value.u.s.ptr, "nil");
        rg_test_ctx_free(ctx);
        /* the large step again, on the renewed state */
        rc = run_script("big.lua", big, &ctx, NULL, NULL);
        ASSERT_RAN(rc, ctx);
        rg_test_ctx_free(ctx);
    }
    char **mods;
    size_t n = rg_lua_modules(lua, &mods);
    ck_assert_uint_eq(n, 1);
    ck_assert_msg(strstr(mods[0], "mylib/util.lua") != NULL, "%s", mods[0]);
    rg_strv_free(mods, n);
}
END_TEST

/* regie.html and regie.md: the escapes of the documents workflows write;
 * a text with nothing to escape comes back as the very same string. */
START_TEST(escapes_for_documents)
{
    regie_ctx *ctx;
    int rc = run_script(
        "esc.lua",
        "return { run = function()\n"
        "  local function eq(got, want) assert(got == want, string.format('%q, expected %q', got, want)) end\n"
        "  eq(regie.html([[a&b<c>d\"e'f]]), 'a&amp;b&lt;c&gt;d&quot;e&#39;f')\n"
        "  eq(regie.html('&&'), '&amp;&amp;')\n"
        "  eq(regie.html(''), '')\n"
        "  eq(regie.html('a\\0<'), 'a\\0&lt;')\n"
        "  eq(regie.md([[a|b\\c*d_e`f<g>h[i]j]]), [[a\\|b\\\\c\\*d\\_e\\`f\\<g\\>h\\[i\\]j]])\n"
        "  eq(regie.md('x\\r\\n\\r\\ny\\nz\\r'), 'x y z ')\n"
        "  eq(regie.md([[a|b\\c*d]], [[\\|]]), [[a\\|b\\\\c*d]])\n"
        "  eq(regie.md('a*b', ''), 'a*b')\n"
        "  eq(regie.md(12.5), '12.5')\n"
        "  local s = string.rep('plain text ', 3)\n"
        "  assert(rawequal(regie.html(s), s) and rawequal(regie.md(s), s))\n"
        "  local ok, err = pcall(regie.md, {})\n"
        "  assert(not ok and err:find('string expected'), err)\n"
        "  regie.output('done', true)\n"
        "end }\n",
        &ctx, NULL, NULL);
    ASSERT_RAN(rc, ctx);
    rg_test_ctx_free(ctx);
}
END_TEST

/* Every step starts from clean globals and standard tables: what one step
 * sets or changes (a global, string.upper, the strings' metatable, a
 * module's table, its script's top-level locals, the random generator) is
 * not there for the next step on the same state. */
START_TEST(steps_isolated)
{
    free(t_write(t_dir, "mylib/shared.lua", "return { twice = function(x) return 2 * x end }\n"));
    const char *poison =
        "local calls = 0\n"
        "return { run = function(step)\n"
        "  calls = calls + 1\n"
        "  assert(calls == 1, 'the top level runs anew for every step')\n"
        "  assert(LEFT == nil, 'a global left by an earlier step')\n"
        "  LEFT = 'left'\n"
        "  string.upper = function() return 'poisoned' end\n"
        "  assert(('x'):upper() == 'poisoned', 'a step sees its own change, as a method too')\n"
        "  math.floor = nil\n"
        "  table.insert = nil\n"
        "  regie.date.add_days = nil\n"
        "  regie.decimal.parse = nil\n"
        "  local dmt = getmetatable(regie.decimal)\n"
        "  if dmt then dmt.__call = function() return 'poisoned' end end\n"
        "  assert(getmetatable(regie.decimal('1')) == false, 'the metatable of decimals is hidden')\n"
        "  rawset(os, 'time', nil)\n"
        "  _G.print = nil\n"
        "  require('mylib.shared').twice = nil\n"
        "  assert(getmetatable('') == false and getmetatable(regie.list{}) == false, 'shared metatables hidden')\n"
        "  assert(not pcall(setmetatable, _G, nil), 'the globals\\' metatable is protected')\n"
        "  local ok, err = pcall(collectgarbage, 'stop')\n"
        "  assert(not ok and err:find('collectgarbage(\"stop\") is blocked', 1, true), err)\n"
        "  assert(collectgarbage('count') > 0)\n"
        "  ok, err = pcall(setmetatable, {}, { __gc = function() LEFT = 'late' end })\n"
        "  assert(not ok and err:find('finalizers (__gc) are not allowed in steps', 1, true), err)\n"
        "  assert(load('LOADED = 1') and LOADED == nil)\n"
        "  load('LOADED = 1')() assert(LOADED == 1, 'load runs in the step\\'s globals')\n"
        "  math.randomseed(42)\n"
        "  regie.output('x', 1)\n"
        "end }\n";
    const char *check =
        "return { run = function(step)\n"
        "  assert(LEFT == nil and LOADED == nil, 'a global left: ' .. tostring(LEFT))\n"
        "  assert(string.upper('x') == 'X' and ('x'):upper() == 'X', 'string.upper poisoned')\n"
        "  assert(math.floor(1.5) == 1 and table.insert and os.time and print, 'a standard function gone')\n"
        "  assert(_G == _ENV and _G.string == string, '_G is the step\\'s globals')\n"
        "  assert(regie.date.add_days('2026-01-01', 1) == '2026-01-02', 'regie.date changed')\n"
        "  assert(regie.decimal.parse and tostring(regie.decimal('1.5')) == '1.5', 'regie.decimal changed')\n"
        "  assert(require('mylib.shared').twice(2) == 4, 'a module\\'s table changed')\n"
        "  regie.output('x', 1)\n"
        "end }\n";
    for (int round = 0; round < 3; round++) {
        regie_ctx *ctx;
        int rc = run_script("poison.lua", poison, &ctx, NULL, NULL);
        ASSERT_RAN(rc, ctx);
        rg_test_ctx_free(ctx);
        rc = run_script("check.lua", check, &ctx, NULL, NULL);
        ASSERT_RAN(rc, ctx);
        rg_test_ctx_free(ctx);
    }
}
END_TEST

/* math.random draws the same numbers in the same step (of the same run),
 * whatever ran before it on the state; another step draws others. */
START_TEST(random_seeded_per_step)
{
    const char *draw = "return { run = function(step)\n"
                       "  local t = {} for i = 1, 4 do t[i] = math.random(1, 1000000) end\n"
                       "  regie.output('r', table.concat(t, ',')) end }\n";
    const char *meddle = "return { run = function() math.randomseed(os.time(), math.floor(os.clock() * 1e6))\n"
                         "  for i = 1, 10 do math.random() end end }\n";
    char *first = NULL;
    for (int i = 0; i < 3; i++) {
        regie_ctx *ctx;
        if (i > 0) {
            ck_assert_int_eq(run_script("meddle.lua", meddle, NULL, NULL, NULL), 0);
        }
        int rc = run_script("draw.lua", draw, &ctx, NULL, NULL);
        ASSERT_RAN(rc, ctx);
        const char *r = rg_test_ctx_get(ctx, "r")->value.u.s.ptr;
        if (!first) {
            first = strdup(r);
        } else {
            ck_assert_str_eq(r, first);
        }
        rg_test_ctx_free(ctx);
    }
    char *path = t_write(t_dir, "draw.lua", draw);
    regie_ctx *ctx = rg_test_ctx_new("another", NULL, t_dir);
    ASSERT_RAN(rg_lua_run(lua, path, ctx, NULL), ctx);
    ck_assert_str_ne(rg_test_ctx_get(ctx, "r")->value.u.s.ptr, first);
    rg_test_ctx_free(ctx);
    free(path);
    free(first);
}
END_TEST

/* A Lua step's deadline does not outlive it: a C plugin that runs next on
 * the same thread, waiting in poll(), is not interrupted when the old
 * deadline passes. */
START_TEST(deadline_ends_with_its_step)
{
    rg_lua_limits short_tl = { 0, 0, 0.2 };
    regie_ctx *ctx;
    ck_assert_int_eq(run_script("quick.lua", "return { run = function() end }", &ctx, NULL, &short_tl), 0);
    rg_test_ctx_free(ctx);
    rg_plugins ps = { 0 };
    rg_errors e = { 0 };
    char *so = t_build("tests/fixtures/.libs/poll_wait.so");
    ck_assert_int_eq(rg_plugin_load(&ps, so, &e), 0);
    rg_plugin *pw = rg_plugin_find(&ps, "poll_wait");
    ck_assert_ptr_nonnull(pw);
    const char *kv[] = { "ms", "600", NULL };
    ctx = rg_test_ctx_new("wait", kv, NULL);
    ((rg_step *)ctx->s)->ptable = pw->desc->params;
    int rc = pw->desc->run(&rg_host, ctx, pw->state);
    ck_assert_msg(rc == 0, "%s", rg_test_ctx_error(ctx) ? rg_test_ctx_error(ctx) : "");
    rg_test_ctx_free(ctx);
    /* and the next Lua step still has its own deadline */
    expect_fail("loop.lua", "return { run = function() while true do end end }", "time limit", &short_tl);
    rg_plugins_free(&ps);
    rg_err_free(&e);
    free(so);
}
END_TEST

/* A deadline signal that comes late, for an earlier step of the same
 * state, does not stop the step that runs now: another thread keeps
 * sending such signals while a step with a far deadline runs. */
struct stale_sender {
    pthread_t target;
    volatile int stop;
};

static void *send_stale(void *arg)
{
    struct stale_sender *s = arg;
    union sigval v;
    v.sival_ptr = lua;
    while (!s->stop) {
        pthread_sigqueue(s->target, SIGRTMIN + 1, v);
        usleep(500);
    }
    return NULL;
}

START_TEST(stale_deadline_signal_stops_nothing)
{
    rg_lua_limits short_tl = { 0, 0, 0.2 };
    rg_lua_limits long_tl = { 0, 0, 120 };
    expect_fail("loop.lua", "return { run = function() while true do end end }", "time limit", &short_tl);
    struct stale_sender s = { pthread_self(), 0 };
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, send_stale, &s), 0);
    regie_ctx *ctx;
    int rc = run_script("sum.lua",
                        "return { run = function() local x = 0\n"
                        "  for i = 1, 3e7 do x = x + i % 7 end regie.output('x', x) end }",
                        &ctx, NULL, &long_tl);
    s.stop = 1;
    pthread_join(th, NULL);
    ASSERT_RAN(rc, ctx);
    rg_test_ctx_free(ctx);
    /* a deadline that does pass still stops its step */
    expect_fail("loop.lua", "return { run = function() while true do end end }", "time limit", &short_tl);
}
END_TEST

/* A script's top-level code runs under its step's limits when the script
 * is loaded (regie check, graph, run), as it does in the step. */
START_TEST(limits_while_loading)
{
    static const struct {
        const char *name, *src, *want;
        rg_lua_limits lim;
    } cases[] = {
        { "hang.lua", "while true do end\nreturn { run = function() end }\n",
          "hang.lua: stopped while the script was loaded: time limit", { 0, 0, 0.3 } },
        { "hang2.lua", "while true do pcall(function() while true do end end) end\n",
          "hang2.lua: stopped while the script was loaded: time limit", { 0, 0, 0.3 } },
        { "count.lua", "while true do end\n",
          "count.lua: stopped while the script was loaded: instruction limit", { 100000, 0, 0 } },
        { "mem.lua", "local t = {} for i = 1, 1e9 do t[i] = i end\n",
          "mem.lua: stopped while the script was loaded: memory limit of 32 MB", { 0, 32 << 20, 0 } },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rg_errors e = { 0 };
        rg_script_info info;
        char *p = t_write(t_dir, cases[i].name, cases[i].src);
        ck_assert_int_eq(rg_lua_describe(lua, p, &cases[i].lim, &info, &e), -1);
        ck_assert_msg(e.n > 0 && strstr(e.msg[0], cases[i].want), "wanted \"%s\" in: %s", cases[i].want,
                      e.n ? e.msg[0] : "(none)");
        rg_script_info_free(&info);
        rg_err_free(&e);
        free(p);
        int rc = run_script("after.lua", "return { run = function(step) regie.output('x', 1) end }", NULL,
                            NULL, NULL);
        ck_assert_int_eq(rc, 0);
    }
}
END_TEST

/* regie.settings: an ini input typed by the keys its workflow declares,
 * the defaults filled in, and where each key was written; without
 * keys.SECTION the texts as written; nil for an optional input not given;
 * an error for an input that is not an ini input. */
START_TEST(settings_typed_by_the_declared_keys)
{
    free(t_write(t_dir, "s.ini",
                 "[award]\ntotal_points = 90\nfraction = 0,25\nmethod = lowest\n"
                 "[plan]\nstart = 2026-02-02\nmonths = 6\nshort =\n"
                 "[calendar]\ngood_friday = ja\nextra_closed = 2026-05-15, 2026-05-16\n"));
    free(t_write(t_dir, "plain.ini", "[a]\nx = 1\ny = two words ; a comment\n[b]\nz =\n"));
    free(t_write(t_dir, "t.csv", "id\n1\n"));
    free(t_write(t_dir, "set.lua",
                 "return { run = function()\n"
                 "  local s, at = regie.settings('s')\n"
                 "  local a = s.award\n"
                 "  assert(a.total_points == 90 and math.type(a.total_points) == 'float', 'decimal')\n"
                 "  assert(a.fraction == 0.25, 'a decimal comma')\n"
                 "  assert(a.method == 'lowest', 'a choice')\n"
                 "  assert(a.points == 0.5 and math.type(a.points) == 'float', 'decimal default')\n"
                 "  assert(a.ceiling == nil, 'no value, no default: nil')\n"
                 "  assert(s.plan.start == '2026-02-02', 'date')\n"
                 "  assert(s.plan.months == 6 and math.type(s.plan.months) == 'integer', 'integer')\n"
                 "  assert(s.plan.weeks == 2 and math.type(s.plan.weeks) == 'integer', 'int default')\n"
                 "  assert(s.plan.short == 'x', 'an empty value: the default')\n"
                 "  assert(s.plan.owner == '', 'an empty default text')\n"
                 "  local c = s.calendar\n"
                 "  assert(c.good_friday == true and c.lustrum == false, 'booleans')\n"
                 "  assert(regie.is_list(c.extra_closed) and #c.extra_closed == 2, 'list')\n"
                 "  assert(c.extra_closed[2] == '2026-05-16', 'list items trimmed')\n"
                 "  assert(regie.is_list(c.scale) and #c.scale == 3, 'list default')\n"
                 "  assert(c.scale[2] == 25 and math.type(c.scale[2]) == 'float', 'list of decimals')\n"
                 "  assert(regie.is_list(c.atw) and #c.atw == 0, 'an empty list')\n"
                 "  assert(next(s.empty) == nil, 'a declared section without keys given')\n"
                 "  assert(at.source:match('s%.ini$'), 'source')\n"
                 "  assert(at.line['award.total_points'] == 2 and at.line['calendar.good_friday'] == 10,\n"
                 "         'lines')\n"
                 "  assert(at.text['award.fraction'] == '0,25', 'text as written')\n"
                 "  assert(at.text['plan.short'] == '' and at.line['plan.short'] == 8, 'an empty value')\n"
                 "  assert(at.line['award.points'] == nil, 'a default has no line')\n"
                 "  local again = regie.settings('s')\n"
                 "  assert(again ~= s and again.award.total_points == 90, 'made anew')\n"
                 "  local p, pat = regie.settings('plain')\n"
                 "  assert(p.a.x == '1' and p.a.y == 'two words' and p.b.z == '', 'plain: texts')\n"
                 "  assert(pat.line['a.y'] == 3, 'plain: lines')\n"
                 "  assert(regie.settings('absent') == nil, 'an input not given')\n"
                 "  local ok, err = pcall(regie.settings, 't')\n"
                 "  assert(not ok and err:find('t is not an ini input', 1, true), err)\n"
                 "  regie.output('ok', true)\n"
                 "end }\n"));
    char *ini = t_asprintf(
        "[workflow]\nname = settings\n"
        "[input.s]\ntype = ini\nrequired = yes\n"
        "keys.award = total_points:decimal[>0..]!, fraction:decimal[0..1], "
        "method:text{lowest|linear}=linear, points:decimal=0.5, ceiling:decimal\n"
        "keys.plan = start:date!, months:integer[1..120]=12, weeks:integer=2, short:text=x, "
        "owner:text=\n"
        "keys.calendar = good_friday:boolean=no, lustrum:boolean=no, extra_closed:list(date)=, "
        "scale:list(decimal)=\"0,25,50\", atw:list(date)=\n"
        "keys.empty = unused:text\n"
        "[input.plain]\ntype = ini\nrequired = yes\n"
        "[input.absent]\ntype = ini\nrequired = no\n"
        "[input.t]\ntype = csv\nrequired = yes\n"
        "[step.set]\nscript = %s/set.lua\nreads = s, plain, ?absent, t\nwrites = ok\n",
        t_dir);
    char *path = t_write(t_dir, "wf.ini", ini);
    free(ini);
    char *s_ini = t_asprintf("%s/s.ini", t_dir), *plain = t_asprintf("%s/plain.ini", t_dir),
         *csv = t_asprintf("%s/t.csv", t_dir), *out = t_asprintf("%s/out", t_dir);
    rg_setting sets[] = { { "s", s_ini }, { "plain", plain }, { "t", csv } };
    rg_errors errs = { 0 };
    rg_config cfg;
    rg_config_load(&cfg, NULL, &errs);
    rg_plugins plugins;
    memset(&plugins, 0, sizeof plugins);
    rg_workflow wf;
    int rc = (rg_workflow_load(&wf, path, &cfg, sets, 3, &errs) |
              rg_workflow_bind(&wf, &plugins, &rg_host, lua, &errs));
    ck_assert_msg(rc == 0, "%s", errs.n ? errs.msg[0] : "");
    rg_run run;
    ck_assert_int_eq(rg_run_init(&run, &wf, sets, 3, out, 1, &errs), 0);
    ck_assert_msg(errs.n == 0, "%s", errs.n ? errs.msg[0] : "");
    int status = rg_run_execute(&run, NULL);
    const rg_step_state *st = &run.state[0];
    ck_assert_msg(st->status == RG_ST_DONE, "%s", st->error ? st->error : "");
    ck_assert_int_eq(status, RG_EXIT_OK);
    rg_run_free(&run);
    rg_workflow_free(&wf);
    rg_config_free(&cfg);
    rg_err_free(&errs);
    free(s_ini);
    free(plain);
    free(csv);
    free(out);
    free(path);
}
END_TEST

Suite *suite_lua(void);
Suite *suite_lua(void)
{
    Suite *s = suite_create("lua");
    TCase *tc = tcase_create("lua");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, types_round_trip);
    tcase_add_test(tc, params_typed_by_declaration);
    tcase_add_test(tc, settings_typed_by_the_declared_keys);
    tcase_add_test(tc, sandbox_blocks);
    tcase_add_test(tc, require_from_script_path);
    tcase_add_test(tc, limits);
    tcase_add_test(tc, state_renewed_after_large_step);
    tcase_add_test(tc, time_limit_in_coroutines);
    tcase_add_test(tc, time_limit_timer_between_steps);
    tcase_add_test(tc, coroutines_as_lua);
    tcase_add_test(tc, errors_and_tracebacks);
    tcase_add_test(tc, helpers);
    tcase_add_test(tc, csv_field);
    tcase_add_test(tc, common_ics);
    tcase_add_test(tc, escapes_for_documents);
    tcase_add_test(tc, csv_writer_and_pieces);
    tcase_add_test(tc, csv_writer_streams);
    tcase_add_test(tc, repeated_strings_per_column);
    tcase_add_test(tc, only_some_columns);
    tcase_add_test(tc, each_and_output_writer);
    tcase_add_test(tc, describe_and_order);
    tcase_add_test(tc, each_past_its_step);
    tcase_add_test(tc, profile_lines_and_functions);
    tcase_add_test(tc, profile_input_to_its_line);
    tcase_add_test(tc, steps_isolated);
    tcase_add_test(tc, random_seeded_per_step);
    tcase_add_test(tc, deadline_ends_with_its_step);
    tcase_add_test(tc, stale_deadline_signal_stops_nothing);
    tcase_add_test(tc, limits_while_loading);
    suite_add_tcase(s, tc);
    return s;
}
