/* Memory safety of the regie Lua API: what any script can do to it (call a
 * metamethod on a foreign value, re-enter a writer from a metamethod, hand
 * over a list that contains itself, loop in a finalizer, write through a
 * symbolic link) is refused with a clear error, never a crash, a hang or a
 * corrupted output; and a file on the plugin path is not loaded (its
 * constructors not run) before it is seen to be a plugin.  Meant to run
 * in the sanitizer build too. */
#define _GNU_SOURCE
#include "mockhost.h"
#include "util.h"
#include "value.h"
#include "conf.h"
#include "decimal.h"
#include "host.h"
#include "lua_step.h"
#include "plugin.h"
#include "rg_csv.h"
#include "rg_ini.h"
#include "lua_api.h"
#include "testutil.h"

#include <lauxlib.h>
#include <lualib.h>

#include <check.h>
#include <dlfcn.h>
#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static rg_lua *lua;

static void setup(void)
{
    t_dir_setup();
    lua = rg_lua_new(t_dir);
}

static void teardown(void)
{
    rg_lua_free(lua);
    t_dir_teardown();
}

/* Run script `src` as a step writing into t_dir; its context in *out_ctx. */
static int run(const char *name, const char *src, regie_ctx **out_ctx, const rg_lua_limits *lim)
{
    char *path = t_write(t_dir, name, src);
    regie_ctx *ctx = rg_test_ctx_new("t", NULL, t_dir);
    int rc = rg_lua_run(lua, path, ctx, lim);
    *out_ctx = ctx;
    free(path);
    return rc;
}

static void expect_ok(const char *name, const char *src)
{
    regie_ctx *ctx;
    int rc = run(name, src, &ctx, NULL);
    ck_assert_msg(rc == 0, "%s: %s", name, rg_test_ctx_error(ctx) ? rg_test_ctx_error(ctx) : "");
    rg_test_ctx_free(ctx);
}

static void expect_fail(const char *name, const char *src, const char *msg, const rg_lua_limits *lim)
{
    regie_ctx *ctx;
    int rc = run(name, src, &ctx, lim);
    const char *err = rg_test_ctx_error(ctx);
    ck_assert_msg(rc != 0, "%s ran", name);
    ck_assert_msg(err && strstr(err, msg), "%s: wanted \"%s\" in: %s", name, msg, err ? err : "(none)");
    rg_test_ctx_free(ctx);
    /* the state stays usable */
    rc = run("after.lua", "return { run = function() regie.output('x', 1) end }", &ctx, NULL);
    ck_assert_int_eq(rc, 0);
    rg_test_ctx_free(ctx);
}

static char *out_text(const char *name)
{
    char *p = NULL;
    ck_assert_int_ge(asprintf(&p, "%s/%s", t_dir, name), 0);
    char *text = t_read(p);
    free(p);
    return text;
}

/* The finalizer of a writer, given any other value, does nothing to it. */
START_TEST(gc_of_writers_on_other_values)
{
    expect_ok("gc.lua",
              "return { run = function()\n"
              "  local ws = { regie.csv.writer('a.csv', { 'a' }), regie.file('b.txt'),\n"
              "               regie.output_writer('o', { 'a' }) }\n"
              "  local others = { regie.null, {}, 'text', 1, true, print, ws[1], ws[2], ws[3] }\n"
              "  for _, w in ipairs(ws) do\n"
              "    local mt = getmetatable(w)\n"
              "    for _, v in ipairs(others) do\n"
              "      pcall(function() getmetatable(w).__gc(v) end)\n"
              "    end\n"
              "  end\n"
              "  ws[1]:add(1) ws[1]:close() ws[2]:write('x') ws[2]:close()\n"
              "  ws[3]:add(1) assert(ws[3]:close() == 1)\n"
              "  for _, m in ipairs({ 'add', 'record', 'close' }) do\n"
              "    for _, v in ipairs(others) do pcall(ws[1][m], v) pcall(ws[3][m], v) end\n"
              "  end\n"
              "end }\n");
    char *a = out_text("a.csv"), *b = out_text("b.txt");
    ck_assert_str_eq(a, "a\r\n1\r\n");
    ck_assert_str_eq(b, "x");
    free(a);
    free(b);
}
END_TEST

/* The same finalizers taken from the registry (where a script cannot get
 * them) and called on every kind of value, each writer kind on the others:
 * they leave alone what is not theirs. */
START_TEST(writer_finalizers_check_their_argument)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    *rg_lua_ctx_slot(L) = NULL;
    rg_lua_open_regie(L);
    lua_settop(L, 0);
    static const char *const types[] = { "regie.csv.writer", "regie.file", "regie.output_writer" };
    for (size_t i = 0; i < 3; i++) {
        /* a userdata of each kind, as the finalizer of another kind sees it */
        void *ud = lua_newuserdatauv(L, 256, 0);
        memset(ud, 0xab, 256);
        luaL_setmetatable(L, types[(i + 1) % 3]);
    }
    int others = lua_gettop(L);
    lua_getglobal(L, "regie");
    lua_getfield(L, -1, "null");
    int null = lua_gettop(L);
    for (size_t i = 0; i < 3; i++) {
        luaL_getmetatable(L, types[i]);
        lua_getfield(L, -1, "__gc");
        for (int v = 0; v < 6; v++) {
            lua_pushvalue(L, -1);
            switch (v) {
            case 0: lua_pushvalue(L, null); break;
            case 1: lua_newtable(L); break;
            case 2: lua_pushliteral(L, "text"); break;
            case 3: lua_pushinteger(L, 7); break;
            case 4: lua_pushnil(L); break;
            default: /* a userdata of another kind: a CSV or file writer's finalizer
                      * gets the output writer (at 2), the output writer's a file (at 1) */
                lua_pushvalue(L, i < 2 ? 2 : 1);
                break;
            }
            ck_assert_int_eq(lua_pcall(L, 1, 0, 0), LUA_OK);
        }
        lua_pop(L, 2);
    }
    ck_assert_int_eq(others, 3);
    for (int i = 1; i <= others; i++) { /* not writers: their own finalizer is not for them */
        lua_pushnil(L);
        lua_setmetatable(L, i);
    }
    lua_settop(L, 0);
    lua_close(L);
}
END_TEST

/* regie.write joins a list of pieces whatever happens while it does. */
START_TEST(write_pieces)
{
    expect_ok("pieces.lua",
              "return { run = function()\n"
              "  local pieces = { 'a' }\n"
              "  local big, turn = string.rep('x', 1 << 20), 0\n"
              "  local function arm()\n"
              "    setmetatable({}, { __gc = function()\n"
              "      turn = turn + 1\n"
              "      pieces[1] = turn % 3 == 0 and big or turn % 3 == 1 and {} or 'a'\n"
              "      arm()\n"
              "    end })\n"
              "  end\n"
              "  pcall(arm)\n"
              "  for k = 1, 40 do\n"
              "    for i = 2, 2000 do pieces[i] = k * 1e4 + i + 0.5 end\n"
              "    pcall(regie.write, 'p.txt', pieces)\n"
              "  end\n"
              "  regie.write('q.txt', { 'a', 1, 2.5, 'b' })\n"
              "end }\n");
    char *q = out_text("q.txt");
    ck_assert_str_eq(q, "a12.5b");
    free(q);
}
END_TEST

/* A record whose metamethods use the writer being written is refused, and
 * the writer stays whole: the rows it has are the rows given. */
START_TEST(writer_reentry_refused)
{
    regie_ctx *ctx;
    int rc = run("reenter.lua",
                 "return { run = function()\n"
                 "  local out = regie.output_writer('t', { 'a', 'b' })\n"
                 "  local w = regie.csv.writer('w.csv', { 'a', 'b' })\n"
                 "  for _, call in ipairs({ 'record', 'add', 'close' }) do\n"
                 "    for _, wr in ipairs({ out, w }) do\n"
                 "      local rec = setmetatable({}, { __index = function(t, k)\n"
                 "        if call == 'record' then wr:record({ a = 'in', b = 'side' })\n"
                 "        elseif call == 'add' then wr:add('in', 'side')\n"
                 "        else wr:close() end\n"
                 "        return k\n"
                 "      end })\n"
                 "      local ok, e = pcall(wr.record, wr, rec)\n"
                 "      assert(not ok and e:find('in use'), tostring(e))\n"
                 "    end\n"
                 "  end\n"
                 "  out:record({ a = 1, b = 2 }) w:record({ a = 1, b = 2 })\n"
                 "  local rec = setmetatable({}, { __index = function(t, k) return k .. '!' end })\n"
                 "  out:record(rec) w:record(rec)\n"
                 "  assert(out:close() == 2) assert(w:close() == 2)\n"
                 "end }\n",
                 &ctx, NULL);
    ck_assert_msg(rc == 0, "%s", rg_test_ctx_error(ctx) ? rg_test_ctx_error(ctx) : "");
    const rg_datum *d = rg_test_ctx_get(ctx, "t");
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(d->kind, RG_DATUM_TABLE);
    const regie_table *t = d->table;
    ck_assert_uint_eq(t->nrows, 2);
    ck_assert_int_eq(rg_table_cell(t, 0, 0)->type, REGIE_INT);
    ck_assert_int_eq(rg_table_cell(t, 0, 1)->u.i, 2);
    ck_assert_int_eq(rg_table_cell(t, 1, 0)->type, REGIE_STR);
    ck_assert_str_eq(rg_table_cell(t, 1, 1)->u.s.ptr, "b!");
    rg_test_ctx_free(ctx);
    char *w = out_text("w.csv");
    ck_assert_str_eq(w, "a,b\r\n1,2\r\na!,b!\r\n");
    free(w);
}
END_TEST

/* A line of a CSV writer that an error stopped half way is not written. */
START_TEST(writer_line_not_left_half)
{
    expect_ok("half.lua",
              "return { run = function()\n"
              "  local w = regie.csv.writer('h.csv', { 'a', 'b', 'c' })\n"
              "  assert(not pcall(w.add, w, 1, 2, print))\n"
              "  assert(not pcall(w.record, w, { a = 'x', b = { cyc = true } }))\n"
              "  assert(not pcall(w.record, w, setmetatable({}, { __index = function(t, k)\n"
              "    if k == 'c' then error('no c') end return k end })))\n"
              "  w:add(4, 5, 6)\n"
              "  assert(not pcall(w.add, w, 7, print, 9))\n"
              "  assert(w:close() == 1)\n"
              "end }\n");
    char *h = out_text("h.csv");
    ck_assert_str_eq(h, "a,b,c\r\n4,5,6\r\n");
    free(h);
}
END_TEST

/* A value nested too deep, or one that contains itself, is refused. */
START_TEST(deep_and_cyclic_values)
{
    static const char *const deep =
        "local function deep(n) local l = {} local cur = l\n"
        "  for i = 1, n do local x = {} cur[1] = x cur = x end return l end\n"
        "local cyc = {} cyc[1] = { 1, cyc }\n";
    static const struct {
        const char *call, *msg;
    } cases[] = {
        { "regie.output('d', deep(100))", "nested more than 32 deep" },
        { "regie.output('d', deep(100000))", "nested more than 32 deep" },
        { "regie.output('c', cyc)", "a list that contains itself" },
        { "regie.output('c', regie.list(cyc))", "a list that contains itself" },
        { "regie.output('r', { { a = cyc } }, { 'a' })", "a list that contains itself" },
        { "regie.output_writer('w', { 'a' }):add(cyc)", "a list that contains itself" },
        { "regie.output_writer('w', { 'a' }):add(deep(40))", "nested more than 32 deep" },
        { "regie.csv.writer('c.csv', { 'a' }):add(cyc)", "a list that contains itself" },
        { "regie.csv.encode({ { a = deep(200) } }, { 'a' })", "nested more than 32 deep" },
        /* (the same list twice: nested 30 deep, { a, a } would be a billion items) */
        { "local a = {} for i = 1, 2500000 do a[i] = 0 end regie.output('x', { a, a })",
          "cannot store lists of more than 4194304 items in all" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *src = NULL, name[32];
        ck_assert_int_ge(asprintf(&src, "%sreturn { run = function() %s end }\n", deep, cases[i].call), 0);
        snprintf(name, sizeof name, "deep%zu.lua", i);
        expect_fail(name, src, cases[i].msg, NULL);
        free(src);
    }
    /* 32 deep, and the same list twice side by side, are fine */
    expect_ok("ok.lua",
              "local l = {} local cur = l for i = 1, 31 do local x = {} cur[1] = x cur = x end\n"
              "local s = { 1, 2 }\n"
              "return { run = function() regie.output('d', l) regie.output('s', { s, s, { s } }) end }\n");
}
END_TEST

/* Numbers as column names: each kept alive while used. */
START_TEST(number_column_names)
{
    regie_ctx *ctx;
    int rc = run("numcols.lua",
                 "return { run = function()\n"
                 "  local cols, rec = {}, { ['3000.5'] = 7 }\n"
                 "  for i = 1, 3000 do cols[i] = i + 0.5 end\n"
                 "  regie.output('t', { rec, rec }, cols)\n"
                 "  for i = 1, 3000 do cols[i] = i + 0.25 end\n"
                 "  local text = regie.csv.encode({ rec }, cols)\n"
                 "  assert(text:sub(1, 10) == '1.25,2.25,', text:sub(1, 20))\n"
                 "  assert(regie.csv.encode({ { a = 1 }, columns = { 'a' } }) == 'a\\r\\n1\\r\\n')\n"
                 "end }\n",
                 &ctx, NULL);
    ck_assert_msg(rc == 0, "%s", rg_test_ctx_error(ctx) ? rg_test_ctx_error(ctx) : "");
    const rg_datum *d = rg_test_ctx_get(ctx, "t");
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(d->table->ncols, 3000);
    ck_assert_str_eq(d->table->cols[2999], "3000.5");
    ck_assert_int_eq(rg_table_cell(d->table, 1, 2999)->u.i, 7);
    ck_assert_int_eq(rg_table_cell(d->table, 1, 0)->type, REGIE_NULL);
    rg_test_ctx_free(ctx);
}
END_TEST

/* A finalizer would run with the limits' hooks off: scripts may not set
 * one, neither with setmetatable nor through regie's list metatable
 * (which no script can reach). */
START_TEST(finalizers_refused)
{
    rg_lua_limits lim = { 200000, 0, 1.0 };
    const char *msg = "finalizers (__gc) are not allowed in steps";
    expect_fail("gc1.lua",
                "return { run = function()\n"
                "  setmetatable({}, { __gc = function() while true do end end })\n"
                "  collectgarbage()\n"
                "end }\n",
                msg, &lim);
    /* the lists' metatable is out of reach: regie.list_mt is gone and
     * getmetatable of a list is false */
    expect_ok("gc2.lua",
              "return { run = function()\n"
              "  assert(regie.list_mt == nil and getmetatable(regie.list({})) == false)\n"
              "  assert(not pcall(setmetatable, regie.list({}), { __gc = print }))\n"
              "end }\n");
    expect_fail("gc4.lua",
                "setmetatable({}, { __gc = function() while true do end end })\n"
                "return { run = function() end }\n",
                msg, &lim);
    /* other metatables are as before */
    expect_ok("mt.lua",
              "return { run = function()\n"
              "  local t = setmetatable({}, { __index = function(t, k) return k end })\n"
              "  assert(t.x == 'x') assert(getmetatable(t).__index)\n"
              "  assert(setmetatable(t, nil) == t and getmetatable(t) == nil)\n"
              "  assert(not pcall(setmetatable, 1, {}))\n"
              "  local l = regie.list({ 1 }) assert(regie.is_list(l))\n"
              "end }\n");
}
END_TEST

/* A symbolic link in the output folder is not followed by any writer. */
START_TEST(symlinks_in_output_not_followed)
{
    char *elsewhere = t_tmpdir();
    char *link = NULL, *flink = NULL, *target = NULL;
    ck_assert_int_ge(asprintf(&link, "%s/link", t_dir), 0);
    ck_assert_int_ge(asprintf(&flink, "%s/f.txt", t_dir), 0);
    ck_assert_int_ge(asprintf(&target, "%s/target.txt", elsewhere), 0);
    ck_assert_int_eq(symlink(elsewhere, link), 0);
    ck_assert_int_eq(symlink(target, flink), 0);
    static const char *const calls[] = {
        "regie.write('link/x.txt', 'y')",
        "regie.write('link/sub/x.txt', { 'y' })",
        "regie.file('link/x.txt'):close()",
        "regie.csv.writer('link/x.csv', { 'a' }):close()",
        "regie.write('f.txt', 'y')",
        "regie.file('f.txt'):close()",
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        char *src = NULL, name[32];
        ck_assert_int_ge(asprintf(&src, "return { run = function() %s end }\n", calls[i]), 0);
        snprintf(name, sizeof name, "link%zu.lua", i);
        expect_fail(name, src, "is a symbolic link", NULL);
        free(src);
    }
    /* nothing written outside, the links left as they were */
    char *cmd = NULL;
    ck_assert_int_ge(asprintf(&cmd, "test -z \"$(ls -A '%s')\"", elsewhere), 0);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    struct stat st;
    ck_assert_int_eq(lstat(flink, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    /* real folders below the output folder are written, made when missing */
    expect_ok("dirs.lua",
              "return { run = function()\n"
              "  regie.write('a/b/c.txt', 'abc') regie.write('a/d.txt', { 'd' })\n"
              "  local f = regie.file('e/f.txt') f:write('f') f:close()\n"
              "end }\n");
    char *c = out_text("a/b/c.txt"), *dd = out_text("a/d.txt"), *f = out_text("e/f.txt");
    ck_assert_str_eq(c, "abc");
    ck_assert_str_eq(dd, "d");
    ck_assert_str_eq(f, "f");
    free(c);
    free(dd);
    free(f);
    t_rmtree(elsewhere);
    free(elsewhere);
    free(link);
    free(flink);
    free(target);
}
END_TEST

/* A script's module table is read raw: its metamethods do not run outside
 * a protected call (an error there ended the process), nor loop there
 * without a limit. */
START_TEST(module_table_read_raw)
{
    static const char *const srcs[] = {
        "return setmetatable({}, { __index = function() error('no') end })\n",
        "return setmetatable({ run = function() end }, { __index = function() error('no') end })\n",
        "return setmetatable({ run = function() end, params = setmetatable({}, {\n"
        "  __index = function() error('no') end }) }, { __index = function() while true do end end })\n",
        "return { run = function() end, params = { n = setmetatable({}, { __index = function() error('no') end }),\n"
        "  m = { type = 'integer', default = setmetatable({}, { __tostring = function() error('no') end }) } } }\n",
        "return { run = function() end, params = { m = { default = setmetatable({}, {\n"
        "  __tostring = function() while true do end end }) } } }\n",
    };
    for (size_t i = 0; i < sizeof srcs / sizeof srcs[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "mod%zu.lua", i);
        char *path = t_write(t_dir, name, srcs[i]);
        rg_script_info info;
        rg_errors e = { 0 };
        rg_lua_limits dlim = { 100000, 0, 1.0 };
        int rc = rg_lua_describe(lua, path, &dlim, &info, &e);
        if (i == 3) { /* a default with a metatable: refused by name */
            ck_assert_int_eq(rc, -1);
            ck_assert_msg(e.n && strstr(e.msg[e.n - 1], "params.m: default must be a string, a number or a boolean"),
                          "%s", e.n ? e.msg[e.n - 1] : "(none)");
        }
        rg_script_info_free(&info);
        rg_err_free(&e);
        regie_ctx *ctx = rg_test_ctx_new("t", NULL, t_dir);
        rg_lua_limits lim = { 100000, 0, 1.0 };
        rg_lua_run(lua, path, ctx, &lim);
        rg_test_ctx_free(ctx);
        free(path);
    }
    /* defaults of every plain kind are as before */
    char *path = t_write(t_dir, "defaults.lua",
                         "return { run = function() end, params = { s = { default = 'x' }, n = { type = 'integer',\n"
                         "  default = 3 }, b = { type = 'boolean', default = true } } }\n");
    rg_script_info info;
    rg_errors e = { 0 };
    rg_lua_limits dlim = { 100000, 0, 1.0 };
    ck_assert_int_eq(rg_lua_describe(lua, path, &dlim, &info, &e), 0);
    ck_assert_uint_eq(info.nparams, 3);
    ck_assert_str_eq(info.params[0].def, "yes");
    ck_assert_str_eq(info.params[1].def, "3");
    ck_assert_str_eq(info.params[2].def, "x");
    rg_script_info_free(&info);
    rg_err_free(&e);
    free(path);
}
END_TEST

/* ---- plugins ---- */
static char *fixture(const char *name)
{
    char rel[128];
    snprintf(rel, sizeof rel, "tests/fixtures/.libs/%s.so", name);
    return t_build(rel);
}

/* The file at `from` (its first `len` bytes, all when len is 0, with
 * `patch` bytes at `at` when given) as dir/name. */
static char *put_copy(const char *pdir, const char *name, const char *from, size_t len, size_t at,
                      const void *patch, size_t npatch)
{
    size_t n = 0;
    char *data = rg_read_file(from, &n);
    ck_assert_ptr_nonnull(data);
    if (len && len < n) {
        n = len;
    }
    if (patch && at + npatch <= n) {
        memcpy(data + at, patch, npatch);
    }
    char *path = rg_xasprintf("%s/%s", pdir, name);
    ck_assert_int_eq(rg_write_file_atomic(path, data, n), 0);
    free(data);
    return path;
}

/* The message of errs that names `path`, or NULL. */
static const char *msg_for(const rg_errors *errs, const char *path)
{
    for (size_t i = 0; i < errs->n; i++) {
        if (strstr(errs->msg[i], path)) {
            return errs->msg[i];
        }
    }
    return NULL;
}

START_TEST(plugins_checked_before_loading)
{
    char *pdir = t_tmpdir(), *mdir = t_tmpdir();
    char *marker = rg_xasprintf("%s/marker", mdir);
    setenv("REGIE_TEST_MARKER", marker, 1);
    char *good = fixture("good"), *ctor = fixture("ctor_marker");
    size_t glen = 0;
    free(rg_read_file(good, &glen));
    static const unsigned char far[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f };
    static const struct {
        const char *name, *why;
    } bad[] = {
        { "a_ctor.so", "refused: not a regie plugin (no regie_plugin_entry symbol)" },
        { "garbage.so", "refused: not an ELF file" },
        { "empty.so", "refused: not an ELF file (empty)" },
        { "trunc64.so", "refused: truncated or damaged section headers" },
        { "trunchalf.so", "refused: truncated" },
        { "shoff.so", "refused: truncated or damaged section headers" },
    };
    char *paths[6];
    paths[0] = put_copy(pdir, bad[0].name, ctor, 0, 0, NULL, 0);
    paths[1] = t_write(pdir, bad[1].name, "#!/bin/sh\necho this is not an ELF file\n");
    paths[2] = t_write(pdir, bad[2].name, "");
    paths[3] = put_copy(pdir, bad[3].name, good, 64, 0, NULL, 0);
    paths[4] = put_copy(pdir, bad[4].name, good, glen / 2, 0, NULL, 0);
    paths[5] = put_copy(pdir, bad[5].name, good, 0, offsetof(Elf64_Ehdr, e_shoff), far, sizeof far);
    free(put_copy(pdir, "good.so", good, 0, 0, NULL, 0));
    rg_plugins ps = { 0 };
    rg_errors e = { 0 };
    ck_assert_int_eq(rg_plugins_scan(&ps, pdir, &e), -1);
    ck_assert_msg(access(marker, F_OK) != 0, "a file that is not a plugin was loaded");
    ck_assert_uint_eq(ps.n, 1);
    ck_assert_str_eq(ps.v[0].desc->name, "good");
    ck_assert_uint_eq(e.n, 6);
    for (size_t i = 0; i < 6; i++) {
        const char *m = msg_for(&e, paths[i]);
        ck_assert_msg(m && strstr(m, bad[i].why), "%s: wanted \"%s\" in: %s", bad[i].name, bad[i].why,
                      m ? m : "(no message)");
    }
    rg_plugins_free(&ps);
    rg_err_free(&e);
    /* without section headers (as sstrip leaves a file) the dynamic segment
     * is read: SysV hash (ctor_marker) and GNU hash (good) */
    static const unsigned char zero[8] = { 0 };
    char *sdir = t_tmpdir();
    char *nosh = put_copy(sdir, "nosh.so", ctor, 0, offsetof(Elf64_Ehdr, e_shoff), zero, sizeof zero);
    free(put_copy(sdir, "good-nosh.so", good, 0, offsetof(Elf64_Ehdr, e_shoff), zero, sizeof zero));
    ck_assert_int_eq(rg_plugins_scan(&ps, sdir, &e), -1);
    ck_assert_msg(access(marker, F_OK) != 0, "a file that is not a plugin was loaded");
    ck_assert_uint_eq(ps.n, 1);
    ck_assert_str_eq(ps.v[0].desc->name, "good");
    ck_assert_uint_eq(e.n, 1);
    ck_assert_ptr_nonnull(strstr(e.msg[0], nosh));
    ck_assert_ptr_nonnull(strstr(e.msg[0], "refused: not a regie plugin (no regie_plugin_entry symbol)"));
    rg_plugins_free(&ps);
    rg_err_free(&e);
    t_rmtree(sdir);
    free(sdir);
    free(nosh);
    /* the marker comes when the file is loaded: the check above means something */
    void *h = dlopen(paths[0], RTLD_NOW | RTLD_LOCAL);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(access(marker, F_OK), 0);
    dlclose(h);
    for (size_t i = 0; i < 6; i++) {
        free(paths[i]);
    }
    unsetenv("REGIE_TEST_MARKER");
    t_rmtree(pdir);
    t_rmtree(mdir);
    free(pdir);
    free(mdir);
    free(marker);
    free(good);
    free(ctor);
}
END_TEST

/* A minimal ELF shared object of either class and byte order: a dynamic
 * symbol table with "other" and, when `with`, the entry symbol (defined
 * when `defined`). */
static void put_n(unsigned char *b, size_t off, uint64_t v, size_t n, int msb)
{
    for (size_t i = 0; i < n; i++) {
        b[off + (msb ? n - 1 - i : i)] = (unsigned char)(v >> (8 * i));
    }
}

#define PUT(b, base, is64, msb, T, f, v)                                                           \
    ((is64) ? put_n((b), (base) + offsetof(Elf64_##T, f), (v), sizeof(((Elf64_##T *)0)->f), (msb))  \
            : put_n((b), (base) + offsetof(Elf32_##T, f), (v), sizeof(((Elf32_##T *)0)->f), (msb)))

static char *put_elf(const char *pdir, const char *name, int is64, int msb, int with, int defined)
{
    unsigned char b[1024];
    memset(b, 0, sizeof b);
    size_t eh = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    size_t sh = is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
    size_t sy = is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
    static const char strs[] = "\0other\0" REGIE_PLUGIN_SYMBOL;
    size_t stroff = eh, symoff = 128, shoff = 256;
    memcpy(b + stroff, strs, sizeof strs);
    size_t nsym = with ? 3 : 2;
    PUT(b, symoff + sy, is64, msb, Sym, st_name, 1);
    PUT(b, symoff + sy, is64, msb, Sym, st_info, (STB_GLOBAL << 4) | STT_FUNC);
    PUT(b, symoff + sy, is64, msb, Sym, st_shndx, 1);
    if (with) {
        PUT(b, symoff + 2 * sy, is64, msb, Sym, st_name, 7);
        PUT(b, symoff + 2 * sy, is64, msb, Sym, st_info, (STB_GLOBAL << 4) | STT_OBJECT);
        PUT(b, symoff + 2 * sy, is64, msb, Sym, st_shndx, defined ? 1 : SHN_UNDEF);
    }
    memcpy(b, ELFMAG, SELFMAG);
    b[EI_CLASS] = is64 ? ELFCLASS64 : ELFCLASS32;
    b[EI_DATA] = msb ? ELFDATA2MSB : ELFDATA2LSB;
    b[EI_VERSION] = EV_CURRENT;
    PUT(b, 0, is64, msb, Ehdr, e_type, ET_DYN);
    PUT(b, 0, is64, msb, Ehdr, e_machine, is64 ? EM_PPC64 : EM_386);
    PUT(b, 0, is64, msb, Ehdr, e_version, EV_CURRENT);
    PUT(b, 0, is64, msb, Ehdr, e_shoff, shoff);
    PUT(b, 0, is64, msb, Ehdr, e_ehsize, eh);
    PUT(b, 0, is64, msb, Ehdr, e_shentsize, sh);
    PUT(b, 0, is64, msb, Ehdr, e_shnum, 3);
    size_t s1 = shoff + sh, s2 = shoff + 2 * sh;
    PUT(b, s1, is64, msb, Shdr, sh_type, SHT_DYNSYM);
    PUT(b, s1, is64, msb, Shdr, sh_offset, symoff);
    PUT(b, s1, is64, msb, Shdr, sh_size, nsym * sy);
    PUT(b, s1, is64, msb, Shdr, sh_entsize, sy);
    PUT(b, s1, is64, msb, Shdr, sh_link, 2);
    PUT(b, s2, is64, msb, Shdr, sh_type, SHT_STRTAB);
    PUT(b, s2, is64, msb, Shdr, sh_offset, stroff);
    PUT(b, s2, is64, msb, Shdr, sh_size, sizeof strs);
    char *path = rg_xasprintf("%s/%s", pdir, name);
    ck_assert_int_eq(rg_write_file_atomic(path, b, shoff + 3 * sh), 0);
    return path;
}

/* The symbol tables of 32-bit and big-endian files are read too: one that
 * exports the symbol gets as far as the loader (which refuses another
 * machine's file), one that does not is refused before. */
START_TEST(plugin_symbols_of_other_classes)
{
    char *pdir = t_tmpdir();
    static const struct {
        const char *name;
        int is64, msb, with, defined;
        const char *why;
    } cases[] = {
        { "le32.so", 0, 0, 1, 1, "cannot load plugin" },
        { "be64.so", 1, 1, 1, 1, "cannot load plugin" },
        { "be32.so", 0, 1, 1, 1, "cannot load plugin" },
        { "le32-none.so", 0, 0, 0, 0, "no regie_plugin_entry symbol" },
        { "be64-none.so", 1, 1, 0, 0, "no regie_plugin_entry symbol" },
        { "le32-undef.so", 0, 0, 1, 0, "no regie_plugin_entry symbol" },
        { "be64-undef.so", 1, 1, 1, 0, "no regie_plugin_entry symbol" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = put_elf(pdir, cases[i].name, cases[i].is64, cases[i].msb, cases[i].with,
                             cases[i].defined);
        rg_plugins ps = { 0 };
        rg_errors e = { 0 };
        ck_assert_int_eq(rg_plugin_load(&ps, path, &e), -1);
        ck_assert_uint_eq(e.n, 1);
        ck_assert_msg(strstr(e.msg[0], path) && strstr(e.msg[0], cases[i].why), "%s: wanted \"%s\" in: %s",
                      cases[i].name, cases[i].why, e.msg[0]);
        rg_plugins_free(&ps);
        rg_err_free(&e);
        free(path);
    }
    t_rmtree(pdir);
    free(pdir);
}
END_TEST

Suite *suite_safety(void);
Suite *suite_safety(void)
{
    Suite *s = suite_create("safety");
    TCase *tc = tcase_create("lua");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, gc_of_writers_on_other_values);
    tcase_add_test(tc, writer_finalizers_check_their_argument);
    tcase_add_test(tc, write_pieces);
    tcase_add_test(tc, writer_reentry_refused);
    tcase_add_test(tc, writer_line_not_left_half);
    tcase_add_test(tc, deep_and_cyclic_values);
    tcase_add_test(tc, number_column_names);
    tcase_add_test(tc, finalizers_refused);
    tcase_add_test(tc, symlinks_in_output_not_followed);
    tcase_add_test(tc, module_table_read_raw);
    suite_add_tcase(s, tc);
    TCase *tp = tcase_create("plugins");
    tcase_set_timeout(tp, 30);
    tcase_add_test(tp, plugins_checked_before_loading);
    tcase_add_test(tp, plugin_symbols_of_other_classes);
    suite_add_tcase(s, tp);
    return s;
}
