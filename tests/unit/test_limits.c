/* The limits of a script step hold whatever the script does: the standard
 * functions that run in C (patterns, string.rep, string.format, the table
 * functions) and the regie module stop at the step's deadline, refuse
 * counts out of range, and leak nothing when an error unwinds them. */
#define _GNU_SOURCE
#include "mockhost.h"
#include "calendar.h"
#include "conf.h"
#include "host.h"
#include "lua_step.h"
#include "testutil.h"

#include <check.h>
#include <lauxlib.h>
#include <limits.h>
#include <lualib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

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

/* Run script text `src` as a step under `lim`; the context is returned
 * when ctx is given (caller frees). */
static int run(const char *name, const char *src, const rg_lua_limits *lim, regie_ctx **out)
{
    char *path = t_write(t_dir, name, src);
    regie_ctx *ctx = rg_test_ctx_new("t", NULL, t_dir);
    int rc = rg_lua_run(lua, path, ctx, lim);
    free(path);
    if (out) {
        *out = ctx;
    } else {
        rg_test_ctx_free(ctx);
    }
    return rc;
}

/* The step fails with `msg` in its error. */
static void expect_fail(const char *name, const char *src, const rg_lua_limits *lim, const char *msg)
{
    regie_ctx *ctx;
    int rc = run(name, src, lim, &ctx);
    const char *err = rg_test_ctx_error(ctx);
    ck_assert_msg(rc == -1 && err && strstr(err, msg), "%s: wanted \"%s\" in: %s", name, msg,
                  err ? err : "(none)");
    rg_test_ctx_free(ctx);
}

/* The step runs; its output `name` as text. */
static char *output_text(const char *file, const char *src, const char *name)
{
    regie_ctx *ctx;
    int rc = run(file, src, NULL, &ctx);
    ck_assert_msg(rc == 0, "%s: %s", file, rg_test_ctx_error(ctx) ? rg_test_ctx_error(ctx) : "");
    const rg_datum *d = rg_test_ctx_get(ctx, name);
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(d->value.type, REGIE_STR);
    char *s = strndup(d->value.u.s.ptr, d->value.u.s.len);
    rg_test_ctx_free(ctx);
    return s;
}

/* ---- the functions behave as Lua's own ----
 * The same chunk runs in a plain Lua state and in a step; every result and
 * every error message must be the same. */
static const char battery[] =
    "local out = {}\n"
    "local function ser(...)\n"
    "  local t = { select('#', ...) }\n"
    "  for i = 1, select('#', ...) do\n"
    "    local v = select(i, ...)\n"
    "    t[#t + 1] = math.type(v) == 'float' and ('f' .. tostring(v)) or tostring(v)\n"
    "  end\n"
    "  return table.concat(t, '|')\n"
    "end\n"
    "local function add(...) out[#out + 1] = ser(...) end\n"
    "local function all(s, p, init)\n"
    "  local r = {}\n"
    "  for a, b, c in string.gmatch(s, p, init) do r[#r + 1] = ser(a, b, c) end\n"
    "  return table.concat(r, ';')\n"
    "end\n"
    "local seed = 12345\n"
    "local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648 return seed % n + 1 end\n"
    "local atoms = { 'a', 'b', '.', '%a', '%d', '%s', '%w', '%A', '%p', '%u', '%l', '%x', '%c', '%g',\n"
    "  '[ab]', '[^a]', '[a-c]', '[%d_]', '[]]', '[^]a]', '[a-]', '(', ')', '()', '%1', '%2', '*', '+',\n"
    "  '-', '?', '^', '$', '%b()', '%bab', '%f[%w]', '%f[%W]', '%f[a]', '%', '[', ']', '%%', 'x', '%.' }\n"
    "local subjects = { '', 'a', 'aaa', 'abc abc', 'a1b2c3', '(a(b)c)', 'hello world', 'x=1, y=22, z=333',\n"
    "  'aaaaaaaaaab', '  trim  ', '\\0a\\0', '((()', 'ab]c', '[a]', 'ABC.def', 'ba ab ba' }\n"
    "local tab = { a = 'A', b = false, aaa = 1.5, ['(a(b)c)'] = {} }\n"
    "for k = 1, 4000 do\n"
    "  local p = {}\n"
    "  for j = 1, rnd(5) do p[j] = atoms[rnd(#atoms)] end\n"
    "  p = table.concat(p)\n"
    "  local s = subjects[rnd(#subjects)]\n"
    "  local init = rnd(7) - 4\n"
    "  add(p, s, pcall(string.find, s, p))\n"
    "  add(pcall(string.find, s, p, init))\n"
    "  add(pcall(string.find, s, p, init, true))\n"
    "  add(pcall(string.match, s, p, init))\n"
    "  add(pcall(all, s, p))\n"
    "  add(pcall(all, s, p, init))\n"
    "  add(pcall(string.gsub, s, p, '<%0>'))\n"
    "  add(pcall(string.gsub, s, p, '%1-%%', rnd(3) - 1))\n"
    "  add(pcall(string.gsub, s, p, tab))\n"
    "  add(pcall(string.gsub, s, p, function(...) return select('#', ...) > 1 and ser(...) or nil end))\n"
    "end\n"
    "add(string.gsub('hello world', '(%w+)', '%1 %1'))\n"
    "add(string.gsub('hello world', '%w+', '%0 %0', 1))\n"
    "add(string.gsub('hello world from Lua', '(%w+)%s*(%w+)', '%2 %1'))\n"
    "add(string.gsub('$name-$version.tar.gz', '%$(%w+)', { name = 'lua', version = '5.4' }))\n"
    "add(string.gsub('abc', '()', '%1'))\n"
    "add(string.find('THE (quick) fox', '%((%a+)%)'))\n"
    "add(string.match('  x  ', '^%s*(.-)%s*$'))\n"
    "add(string.match('key = value', '(%w+)%s*=%s*(%w+)'))\n"
    "add(string.find('a+b', '+', 1, true), string.find('a.b', '.', 2, true), string.find('abc', '', 10))\n"
    "add(string.find('abc', '', 4), string.find('abc', 'c', -1), string.find('abc', 'a', -10))\n"
    "add(string.find('THE (quick) fox', 'quick', 1, true), string.find('a\\0b', '\\0', 1, true))\n"
    "add(all('one two  three', '%a+'), all('k1=v1, k2=v2', '(%w+)=(%w+)'), all('abc', ''))\n"
    "add(all('THE (quick) fox', '%f[%a]%a+'), all('x(a(b)c)y(d)', '%b()'))\n"
    "add(pcall(string.rep, 'ab', 3, ','), pcall(string.rep, 'ab', 0), pcall(string.rep, 'x', -1))\n"
    "add(pcall(string.rep, '', 5), pcall(string.rep, 'x', 1, 'sep'), pcall(string.rep, '', 3, '-'))\n"
    "add(#string.rep('abc', 100000, '--'), string.rep('abc', 100000, '--') == ('abc--'):rep(99999) .. 'abc')\n"
    "add(pcall(string.rep, 'x', 2^40), pcall(string.rep, 'x', 'y'), pcall(string.rep))\n"
    "add(pcall(string.format, '%5.2f|%d|%q|%q|%-5s|%x|%c', 3.14159, 42, 'a\\nb\\0', 1/0, 'ab', 255, 65))\n"
    "add(pcall(string.format, '%d', 'x'), pcall(string.format, '%d', 1.5), pcall(string.format, '%y', 1))\n"
    "add(pcall(string.format, '%s'), pcall(string.format), pcall(string.format, '%10.3q', 1))\n"
    "add(pcall(string.format, '%s %s', setmetatable({}, { __tostring = function() return 'T' end }), nil))\n"
    "add(pcall(function() return ('%d'):format('x') end))\n"
    "add(pcall(function() return string.format('%d', {}) end))\n"
    "add(pcall(function() local f = string.format return f('%5d', 'z') end))\n"
    "add(pcall(function() return ('x'):rep() end))\n"
    "add(pcall(function() return ('x'):find({}) end))\n"
    "add(pcall(function() return string.gsub('x', 'x', true) end))\n"
    "add(pcall(table.concat, { 1, 2.5, 'x' }, ', '), pcall(table.concat, { 1, 2, 3 }, '-', 2, 3))\n"
    "add(pcall(table.concat, {}, '', 1, 3), pcall(table.concat, 5), pcall(table.concat, { 1, 2 }, {}))\n"
    "add(pcall(table.concat, { 1, {} }), pcall(table.concat, setmetatable({}, { __index = function(t, i) return i end, __len = function() return 4 end })))\n"
    "add(pcall(table.concat, { 'a', 'b' }, ',', 3, 2), pcall(table.concat, { 'a' }, ',', math.maxinteger, math.maxinteger))\n"
    "local t = { 1, 2, 3 }\n"
    "add(pcall(table.insert, t, 4), pcall(table.insert, t, 1, 0), pcall(table.insert, t, 7, 0), pcall(table.insert, t, 1, 2, 3))\n"
    "add(table.concat(t, ','), pcall(table.remove, t), pcall(table.remove, t, 1), pcall(table.remove, t, 9), table.concat(t, ','))\n"
    "add(pcall(table.remove, {}), pcall(table.remove, {}, 0), pcall(table.remove, { 5 }, 2), pcall(table.insert, nil, 1))\n"
    "local m = { 1, 2, 3, 4, 5 }\n"
    "add(table.concat(table.move(m, 2, 4, 1), ','), table.concat(table.move({ 1, 2, 3, 4, 5 }, 1, 3, 3), ','))\n"
    "add(table.concat(table.move({ 1, 2 }, 1, 2, 1, { 9, 9, 9 }), ','), pcall(table.move, {}, 1, math.maxinteger, 2))\n"
    "add(pcall(table.move, {}, -1, math.maxinteger, 1), pcall(table.move, {}, 1, 0, 5), pcall(table.move, 1, 1, 1, 1))\n"
    "local log = {}\n"
    "local px = setmetatable({}, { __index = function(_, k) return k * 10 end, __newindex = function(_, k, v) log[#log + 1] = k .. '=' .. tostring(v) end })\n"
    "table.move(px, 1, 3, 2) table.move(px, 1, 3, 1, px)\n"
    "add(table.concat(log, ' '))\n"
    "local st = setmetatable({ 5, 3, 9, 1, 'x' }, { __len = function() return 4 end })\n"
    "add(pcall(table.sort, st), table.concat(st, ',', 1, 5))\n"
    "local sr = setmetatable({ 5, 3, 9, 1 }, {}) table.sort(sr, function(a, b) return a > b end) add(table.concat(sr, ','))\n"
    "add(pcall(table.sort, setmetatable({ 3, {}, 2 }, {})), pcall(table.sort, setmetatable({ 3, 1, 2 }, {}), rawequal))\n"
    "add(pcall(table.sort, 5), pcall(table.sort, {}, 5), pcall(table.sort, setmetatable({ 1, 2 }, {}), 5))\n"
    "add(pcall(function() table.sort(setmetatable({ 3, 1, 2, 5, 4, 7, 6, 9, 8, 10, 12, 11, 14, 13, 16 }, {}), function() return true end) end))\n"
    "return (table.concat(out, '\\n'):gsub('\\0', '<NUL>'))\n";

START_TEST(functions_as_lua)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    ck_assert_int_eq(luaL_loadbuffer(L, battery, sizeof battery - 1, "=battery"), LUA_OK);
    ck_assert_msg(lua_pcall(L, 0, 1, 0) == LUA_OK, "%s", lua_tostring(L, -1));
    char *want = strdup(lua_tostring(L, -1));
    lua_close(L);
    char *src = rg_xasprintf("return { run = function()\n"
                             "  regie.output('digest', assert(load([==[%s]==], '=battery'))()) end }\n",
                             battery);
    char *got = output_text("battery.lua", src, "digest");
    /* the first line that differs, for the message */
    size_t i = 0, line = 1, from = 0;
    while (want[i] && want[i] == got[i]) {
        if (want[i] == '\n') {
            line++;
            from = i + 1;
        }
        i++;
    }
    ck_assert_msg(want[i] == got[i], "line %zu differs:\n  Lua:   %.200s\n  regie: %.200s", line,
                  want + from, got + from);
    ck_assert_msg(strlen(want) > 100000, "%zu", strlen(want));
    free(got);
    free(src);
    free(want);
}
END_TEST

/* ---- the standard functions stop at the deadline ----
 * Each of these runs for minutes (or for ever) in Lua's own functions; a
 * step with a 1 s limit must fail with the time limit (the suite's own
 * timeout would catch one that does not stop). */
static void stops(const char *name, const char *body)
{
    static int n; /* a script is loaded once per path: each its own */
    rg_lua_limits tl = { 0, 0, 1.0 };
    char file[64];
    char *src = rg_xasprintf("return { run = function() %s end }", body);
    snprintf(file, sizeof file, "%d-%s", ++n, name);
    expect_fail(file, src, &tl, "time limit");
    free(src);
    /* also under pcall, which must not swallow it */
    char *wrapped = rg_xasprintf("return { run = function() while true do pcall(function() %s end) end end }", body);
    snprintf(file, sizeof file, "%d-%s", ++n, name);
    expect_fail(file, wrapped, &tl, "time limit");
    free(wrapped);
}

START_TEST(patterns_stop_at_deadline)
{
    const char *s = "local s = ('a'):rep(1e5) local p = ('.-'):rep(10) .. 'x' ";
    char buf[512];
    const char *calls[] = { "string.find(s, p)", "string.match(s, p)", "for _ in s:gmatch(p) do end",
                            "s:gsub(p, '')", "s:find('(' .. p .. ')%1')", NULL };
    for (int i = 0; calls[i]; i++) {
        snprintf(buf, sizeof buf, "%s %s", s, calls[i]);
        stops("pattern.lua", buf);
    }
    /* under an instruction limit alone, the work in C counts too */
    rg_lua_limits il = { 5000000, 0, 0 };
    snprintf(buf, sizeof buf, "return { run = function() %s string.find(s, p) end }", s);
    expect_fail("instr.lua", buf, &il, "instruction limit exceeded");
    snprintf(buf, sizeof buf, "return { run = function() %s while true do pcall(string.find, s, p) end end }", s);
    expect_fail("instr-pcall.lua", buf, &il, "instruction limit exceeded");
    /* %b scans to the end from every position: 10^12 steps */
    stops("balance.lua", "local s = ('('):rep(1e6) s:gsub('%b()', '')");
    /* plain search of a long needle in a long text: linear */
    char *src = "return { run = function()\n"
                "  local s = ('a'):rep(3e7) local n = ('a'):rep(1e7) .. 'b'\n"
                "  regie.output('r', tostring(s:find(n, 1, true)) .. tostring(s:find(n))) end }";
    char *r = output_text("memmem.lua", src, "r");
    ck_assert_str_eq(r, "nilnil");
    free(r);
}
END_TEST

START_TEST(table_functions_stop_at_deadline)
{
    /* an __index in C answers every index: Lua's own concat never ends */
    stops("concat.lua", "table.concat(setmetatable({}, { __index = table.concat }), '', 1, 2^40)");
    stops("move.lua", "table.move({}, 1, 2^40, 1, {})");
    stops("insert.lua", "table.insert(setmetatable({}, { __len = function() return 2^40 end }), 1, 'x')");
    stops("remove.lua", "table.remove(setmetatable({}, { __len = function() return 2^40 end }), 1)");
    /* a proxy of 2^31 elements, each given by a C function */
    stops("sortproxy.lua", "table.sort(setmetatable({}, { __len = function() return 2^31 - 2 end, "
                           "__index = rawlen, __newindex = rawequal }))");
    stops("sortproxyc.lua", "table.sort(setmetatable({}, { __len = function() return 2^31 - 2 end, "
                            "__index = rawlen, __newindex = rawequal }), rawequal)");
    /* a comparator in Lua: the hook stops it */
    stops("sort.lua", "local t = {} for i = 1, 100 do t[i] = i end table.sort(t, function(a, b) while true do end end)");
}
END_TEST

START_TEST(string_rep_and_format)
{
    /* Lua's own copies "" 2^62 times */
    char *r = output_text("rep0.lua",
                          "return { run = function() regie.output('r', '[' .. string.rep('', 2^62) .. "
                          "string.rep('', 2^62, '') .. ']') end }",
                          "r");
    ck_assert_str_eq(r, "[]");
    free(r);
    rg_lua_limits ml = { 0, 64 * 1024 * 1024, 0 };
    expect_fail("rep1.lua", "return { run = function() local s = string.rep('x', 2^30) end }", &ml,
                "memory limit of 64 MB exceeded");
    expect_fail("rep2.lua", "return { run = function() local s = string.rep('x', 2^40) end }", &ml,
                "rep2.lua:1: resulting string too large");
    /* string.format measures each "%.0s" argument without adding it to the
     * result: 200,000 times a string of 64 MB */
    stops("format.lua", "local s = ('x'):rep(2^26) local a = {} for i = 1, 2e5 do a[i] = s end "
                        "string.format(('%.0s'):rep(#a), table.unpack(a))");
    /* cut into parts, the result is the same as in one go */
    r = output_text("format.lua",
                    "return { run = function()\n"
                    "  local s = ('ab'):rep(2^23)\n"
                    "  local r = string.format('<%s|%5.1f|%.3s|%%|%s|%d>', s, 1.25, s, s, 7)\n"
                    "  local ok, e = pcall(string.format, '%s%s%d', s, s, 'x')\n"
                    "  local ok2, e2 = pcall(string.format, '%s%s%s%s', s, s, s)\n"
                    "  regie.output('r', table.concat({ #r, r:sub(1, 3), r:sub(16777218, 16777230), r:sub(-28), e, e2 }, ' ')) end }",
                    "r");
    ck_assert_str_eq(r, "33554449 <ab |  1.2|aba|%| babababababababababababab|7> "
                        "bad argument #4 to 'string.format' (number expected, got string) "
                        "bad argument #5 to 'string.format' (no value)");
    free(r);
}
END_TEST

/* ---- counts of days ---- */

/* The n-th working day after (n < 0: before) day, walked a day at a time. */
static int32_t walk_workdays(const regie_calendar *cal, int32_t day, int n)
{
    int step = n < 0 ? -1 : 1;
    for (int left = abs(n); left > 0;) {
        day += step;
        left -= rg_is_workday(cal, day);
    }
    return day;
}

START_TEST(workdays_in_whole_weeks)
{
    int32_t extra[400];
    int32_t base;
    ck_assert_int_eq(rg_date_parse("2026-01-01", &base), 0);
    unsigned seed = 7;
    for (int i = 0; i < 400; i++) {
        seed = seed * 1103515245u + 12345u;
        extra[i] = base - 2000 + (int32_t)(seed % 4000); /* some twice, some holidays, some weekends */
    }
    regie_calendar cals[] = { { REGIE_LIBERATION_YEARLY, 0, 0, NULL, 0 },
                              { REGIE_LIBERATION_LUSTRUM, 1, 0, extra, 400 },
                              { REGIE_LIBERATION_NEVER, 0, 1, extra, 50 } };
    for (size_t c = 0; c < sizeof cals / sizeof cals[0]; c++) {
        for (int k = 0; k < 300; k++) {
            seed = seed * 1103515245u + 12345u;
            int32_t day = base - 3000 + (int32_t)(seed % 6000);
            seed = seed * 1103515245u + 12345u;
            int n = (int)(seed % 3001) - 1500;
            if (k < 40) {
                n = k - 20;
            }
            int32_t want = walk_workdays(&cals[c], day, n), got;
            ck_assert_int_eq(rg_workdays_shift(&cals[c], day, n, &got), 0);
            ck_assert_msg(got == want, "calendar %zu, day %d, n %d: %d, walked %d", c, (int)day, n, (int)got,
                          (int)want);
            ck_assert_int_eq(rg_add_workdays(&cals[c], day, n), want);
            ck_assert_int_eq(rg_sub_workdays(&cals[c], day, -n), want);
        }
    }
    /* large counts take no walk: past the last date there is none */
    int32_t out;
    ck_assert_int_eq(rg_workdays_shift(&cals[1], base, 2000000, &out), 0);
    ck_assert_int_eq(rg_workdays_shift(&cals[1], base, 3000000, &out), -1);
    ck_assert_int_eq(rg_workdays_shift(&cals[1], base, INT64_MIN, &out), -1);
    ck_assert_int_eq(rg_add_workdays(&cals[0], base, INT_MIN), RG_DATE_MIN);
    ck_assert_int_eq(rg_sub_workdays(&cals[0], base, INT_MIN), RG_DATE_MAX);
    ck_assert_int_eq(rg_add_workdays(&cals[0], base, INT_MAX), RG_DATE_MAX);
    /* the 2,000,000th working day from 2026 is the walked one */
    int32_t far;
    ck_assert_int_eq(rg_workdays_shift(&cals[0], base, 2000000, &far), 0);
    ck_assert_int_eq(rg_workdays_shift(&cals[0], far, -2000000, &out), 0);
    ck_assert_int_eq(far, walk_workdays(&cals[0], base, 2000000));
    ck_assert_int_eq(out, walk_workdays(&cals[0], base, -1)); /* 2026-01-01 is a holiday */
}
END_TEST

/* ---- the regie module: counts in range, no endless loops ---- */
START_TEST(regie_dates_in_range)
{
    const char *d = "local d = '2026-01-12' ";
    struct {
        const char *call, *msg;
    } bad[] = {
        { "regie.date.add_workdays(d, -2^31)", "regie.date.add_workdays: -2147483648 days is more than lie between" },
        { "regie.date.sub_workdays(d, math.mininteger)", "regie.date.sub_workdays: -9223372036854775808 days" },
        { "regie.date.add_days(d, 2^32)", "regie.date.add_days: 4294967296 days is more than" },
        { "regie.date.add_days(d, 2^31 - 1)", "regie.date.add_days: 2147483647 days is more than" },
        { "regie.date.add_days(d, 3e6)", "regie.date.add_days: 2026-01-12 plus 3000000 days is outside 0001-01-01 to 9999-12-31" },
        { "regie.date.add_days(d, -800000)", "2026-01-12 minus 800000 days is outside" },
        { "regie.date.add_workdays(d, 3e6)", "regie.date.add_workdays: 2026-01-12 plus 3000000 working days is outside" },
        { "regie.date.sub_workdays(d, 600000)", "regie.date.sub_workdays: 2026-01-12 minus 600000 working days is outside" },
        { "regie.date.easter(2^40)", "regie.date.easter: year 1099511627776, expected 1 to 9999" },
        { "regie.round(1.5, 2^32)", "regie.round: 4294967296 decimals, expected 0 to 99" },
        { "regie.format(1.5, -1)", "regie.format: -1 decimals, expected 0 to 99" },
        { "regie.format(1.5, 2^31 - 1)", "regie.format: 2147483647 decimals" },
        { "regie.date.next_workday('9999-12-31', { extra_closed = { '9999-12-31' } })", "regie.date.next_workday: no working day from 9999-12-31" },
        { NULL, NULL },
    };
    for (int i = 0; bad[i].call; i++) {
        char *src = rg_xasprintf("return { run = function() %s %s end }", d, bad[i].call);
        char name[32];
        snprintf(name, sizeof name, "range%d.lua", i); /* a script is loaded once per path */
        expect_fail(name, src, NULL, bad[i].msg);
        free(src);
    }
    /* large counts in range are answered at once, and the same as small steps */
    char *r = output_text("far.lua",
                          "return { run = function()\n"
                          "  local d, cal = '2026-01-12', { extra_closed = { '2026-01-13', '2026-01-14' } }\n"
                          "  local far = regie.date.add_workdays(d, 2000000, cal)\n"
                          "  local back = regie.date.sub_workdays(far, 2000000, cal)\n"
                          "  local near = regie.date.add_workdays(d, 4, cal)\n"
                          "  regie.output('r', table.concat({ far, back, near, regie.date.add_workdays(d, -5),\n"
                          "    regie.date.add_days(d, 2932896 - 20465), regie.date.easter(2026) }, ' ')) end }",
                          "r");
    ck_assert_str_eq(r, "9889-06-11 2026-01-12 2026-01-20 2026-01-05 9999-12-31 2026-04-05");
    free(r);
    /* every weekday of ten years closed: the next working day is found, not walked to for ever */
    r = output_text("closed.lua",
                    "return { run = function()\n"
                    "  local closed = {} for i = 0, 3650 do closed[#closed + 1] = regie.date.add_days('2026-01-01', i) end\n"
                    "  regie.output('r', regie.date.next_workday('2026-01-01', { extra_closed = closed }) .. ' ' ..\n"
                    "    regie.date.add_workdays('2026-01-01', 1, { extra_closed = closed })) end }",
                    "r");
    ck_assert_str_eq(r, "2035-12-31 2035-12-31");
    free(r);
}
END_TEST

/* regie.rows copies n records times the columns asked for, both given by
 * the script: 10^4 records and 10^6 names is 10^10 steps. */
START_TEST(regie_rows_stops_at_deadline)
{
    stops("rows.lua", "local recs, cols = {}, {} for i = 1, 1e4 do recs[i] = {} end "
                      "for i = 1, 1e6 do cols[i] = 'c' .. i end regie.rows(recs, cols)");
}
END_TEST

/* A list that holds itself cannot be stored (it would recurse for ever). */
START_TEST(nested_lists_refused)
{
    expect_fail("self.lua",
                "return { run = function() local t = regie.list{} t[1] = t regie.output('x', t) end }", NULL,
                "cannot store a list that contains itself");
    expect_fail("selfrow.lua",
                "return { run = function() local t = regie.list{} t[1] = t\n"
                "  regie.output('x', { { a = t } }, { 'a' }) end }",
                NULL, "row 1, column a: cannot store a list that contains itself");
    expect_fail("toodeep.lua",
                "return { run = function() local t = regie.list{} for i = 1, 32 do t = regie.list{ t } end\n"
                "  regie.output('x', t) end }",
                NULL, "cannot store a list nested more than 32 deep");
    char *r = output_text("deep.lua",
                          "return { run = function() local t = regie.list{} for i = 1, 31 do t = regie.list{ t } end\n"
                          "  regie.output('x', t) regie.output('r', 'ok') end }",
                          "r");
    ck_assert_str_eq(r, "ok");
    free(r);
}
END_TEST

/* C memory held while a record is read is freed when the record's
 * __index raises (the ASan build, which the suite runs with leak
 * detection, fails the test on a leak). */
START_TEST(no_leak_when_an_error_unwinds)
{
    char *r = output_text("unwind.lua",
                          "return { run = function()\n"
                          "  local bad = setmetatable({}, { __index = function(_, k) error('no field ' .. k) end })\n"
                          "  local good = { a = 'x', b = 1 }\n"
                          "  local rows = { good, good, bad }\n"
                          "  local r = {}\n"
                          "  for i = 1, 20 do\n"
                          "    r[1] = select(2, pcall(regie.output, 't', rows, { 'a', 'b' }))\n"
                          "    r[2] = select(2, pcall(regie.csv.encode, rows, { 'a', 'b' }))\n"
                          "    r[3] = select(2, pcall(regie.output, 'v', regie.list{ 1, print }))\n"
                          "    r[4] = select(2, pcall(regie.csv.encode, { good, { a = print } }, { 'a' }))\n"
                          "    r[5] = select(2, pcall(coroutine.wrap(function() regie.output('t', rows, { 'a', 'b' }) end)))\n"
                          "  end\n"
                          "  regie.output('t', { good }, { 'a', 'b' })\n"
                          "  r[6] = regie.csv.encode({ good }, { 'a', 'b' })\n"
                          "  regie.output('r', table.concat(r, '\\n')) end }",
                          "r");
    ck_assert_msg(strstr(r, "unwind.lua:2: no field a\n"), "%s", r);
    ck_assert_msg(strstr(r, "regie.output(\"v\"): cannot store a function\n"), "%s", r);
    ck_assert_msg(strstr(r, "regie.csv.encode: cannot store a function\n"), "%s", r);
    ck_assert_msg(strstr(r, "a,b\r\nx,1\r\n"), "%s", r);
    free(r);
}
END_TEST

/* regie.csv.parse makes its table in C memory before the records go to
 * Lua: a text of empty cells takes 24 bytes a byte.  Under a memory limit
 * of 64 MB, 20 MB of it is refused before it is parsed (the C table would
 * have been about 480 MB). */
START_TEST(csv_parse_within_memory_limit)
{
    rg_lua_limits ml = { 0, 64 * 1024 * 1024, 0 };
    expect_fail("csvbomb.lua",
                "return { run = function()\n"
                "  local row = (','):rep(19) .. '\\n'\n"
                "  local text = 'a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t\\n' .. row:rep(1e6)\n"
                "  regie.csv.parse(text) end }",
                &ml, "memory limit of 64 MB exceeded");
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    ck_assert_msg(ru.ru_maxrss < 300 * 1024, "%ld kB at most", ru.ru_maxrss);
    /* a text that fits is parsed as before */
    char *r = output_text("csvok.lua",
                          "return { run = function()\n"
                          "  local t = regie.csv.parse('a;b\\n1;x\\n2;y\\n')\n"
                          "  regie.output('r', #t .. ' ' .. t[2].b) end }",
                          "r");
    ck_assert_str_eq(r, "2 y");
    free(r);
}
END_TEST

/* The records a step hands over through an output writer live in C, not
 * in the Lua heap: they count towards the step's memory limit too (a
 * writer fed in a loop would otherwise grow past it without bound). */
START_TEST(output_tables_within_memory_limit)
{
    rg_lua_limits ml = { 0, 16 * 1024 * 1024, 0 };
    expect_fail("writerbomb.lua",
                "return { run = function()\n"
                "  local w = regie.output_writer('rows', { 'id', 'text' })\n"
                "  local s = ('x'):rep(100)\n"
                "  for i = 1, 3e6 do w:add(i, s) end\n"
                "  w:close() end }",
                &ml, "memory limit of 16 MB exceeded");
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    ck_assert_msg(ru.ru_maxrss < 200 * 1024, "%ld kB at most", ru.ru_maxrss);
    /* what fits is handed over as before */
    char *r = output_text("writerok.lua",
                          "return { run = function()\n"
                          "  local w = regie.output_writer('rows', { 'id' })\n"
                          "  for i = 1, 1000 do w:add(i) end\n"
                          "  regie.output('r', tostring(w:close())) end }",
                          "r");
    ck_assert_str_eq(r, "1000");
    free(r);
}
END_TEST

Suite *suite_limits(void);
Suite *suite_limits(void)
{
    Suite *s = suite_create("limits");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, functions_as_lua);
    tcase_add_test(tc, workdays_in_whole_weeks);
    tcase_add_test(tc, regie_dates_in_range);
    tcase_add_test(tc, regie_rows_stops_at_deadline);
    tcase_add_test(tc, nested_lists_refused);
    tcase_add_test(tc, no_leak_when_an_error_unwinds);
    tcase_add_test(tc, csv_parse_within_memory_limit);
    tcase_add_test(tc, output_tables_within_memory_limit);
    tcase_add_test(tc, patterns_stop_at_deadline);
    tcase_add_test(tc, table_functions_stop_at_deadline);
    tcase_add_test(tc, string_rep_and_format);
    suite_add_tcase(s, tc);
    return s;
}
