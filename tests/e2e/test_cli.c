/* End-to-end: the real `regie` binary on real workflow files. */
#define _GNU_SOURCE
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RUN(out, err, ...)                                                                         \
    t_regie(t_dir, out, err, (const char *const[]){ __VA_ARGS__, NULL })

START_TEST(demo_runs_plugin_and_lua)
{
    char *wf = t_src("etc/workflows/demo.ini");
    char *costs = t_src("examples/demo/costs.csv");
    char *set = NULL, *out = NULL, *err = NULL;
    if (asprintf(&set, "costs=%s", costs) < 0) {
        abort();
    }
    int rc = RUN(&out, &err, "run", wf, "--set", set, "--out", "o");
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *p = t_path("o/totals.csv");
    char *csv = t_read(p);
    ck_assert_ptr_nonnull(csv);
    /* 120,5 + 835,125 = 955.625 -> 955.63 (half-up); decimal comma read from a ;-file with BOM */
    ck_assert_str_eq(csv, "category,total\r\ncatering,955.63\r\nmaterials,0.5\r\nspeakers,300\r\n"
                          "venue,450\r\n");
    free(p);
    p = t_path("o/report.md");
    char *md = t_read(p);
    ck_assert_ptr_nonnull(strstr(md, "catering: € 955,63"));
    ck_assert_ptr_nonnull(strstr(md, "Totaal: € 1706,13"));
    free(p);
    p = t_path("o/run-summary.txt");
    char *sum = t_read(p);
    ck_assert_ptr_nonnull(strstr(sum, "status: done"));
    free(p);
    free(sum);
    free(md);
    free(csv);
    free(out);
    free(err);
    /* by name on the workflow path as well */
    rc = RUN(&out, &err, "check", "demo", "--set", set);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    free(out);
    free(err);
    free(set);
    free(costs);
    free(wf);
}
END_TEST

START_TEST(config_errors_all_at_once_with_lines)
{
    char *wf = t_write(t_dir, "bad.ini",
                       "[workflow]\n"
                       "name = bad\n"
                       "colour = blue\n"
                       "[input.rows]\n"
                       "type = spreadsheet\n"
                       "[step.a]\n"
                       "plugin = no-such-plugin\n"
                       "[step.b]\n"
                       "plugin = csv-write\n"
                       "reads = ghost\n"
                       "data = x\n"
                       "decimals = two\n"
                       "bogus = 1\n"
                       "[step.c]\n"
                       "plugin = noop\n"
                       "writes = y\n"
                       "reads = z\n"
                       "[step.d]\n"
                       "plugin = noop\n"
                       "writes = z\n"
                       "reads = y\n"
                       "when = (broken\n");
    char *out = NULL, *err = NULL;
    int rc = RUN(&out, &err, "check", wf);
    ck_assert_int_eq(rc, 2);
    const char *want[] = {
        ":3: unknown key \"colour\" in [workflow]",
        ":5: type: found \"spreadsheet\", expected file, csv, xlsx, ods, ini",
        ":7: step a: unknown plugin \"no-such-plugin\"",
        ":10: step b reads \"ghost\", which no input or step provides",
        ":12: step b: decimals: found \"two\", expected an integer",
        ":13: step b: unknown key \"bogus\" for this plugin (its parameters: data (string), file "
        "(string), decimals (integer)",
        ":8: step b: missing required key \"file\"",
        ":22: step d: when: expected \")\"",
        "cycle: these steps wait for each other: c (",
        NULL,
    };
    for (int i = 0; want[i]; i++) {
        ck_assert_msg(strstr(err, want[i]) != NULL, "missing \"%s\" in:\n%s", want[i], err);
    }
    ck_assert_ptr_nonnull(strstr(err, wf));
    free(out);
    free(err);
    free(wf);
}
END_TEST

START_TEST(input_errors_exit_2_and_write_nothing)
{
    char *wf = t_src("etc/workflows/demo.ini");
    char *csv = t_write(t_dir, "costs.csv", "item,category,amount\nA,venue,12x\nB,bad id!,3\nC,food,\n");
    char *set = NULL, *out = NULL, *err = NULL;
    if (asprintf(&set, "costs=%s", csv) < 0) {
        abort();
    }
    int rc = RUN(&out, &err, "run", wf, "--set", set, "--out", "o");
    ck_assert_int_eq(rc, 2);
    ck_assert_msg(strstr(err, "costs.csv:2: column amount: found \"12x\", expected") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "costs.csv:3: column category: found \"bad id!\", expected") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "costs.csv:4: column amount:") != NULL, "%s", err);
    char *o = t_path("o");
    ck_assert_int_eq(access(o, F_OK), -1);
    free(o);
    free(out);
    free(err);
    /* a missing required input and an unknown --set name */
    rc = RUN(&out, &err, "run", wf, "--set", "nosuch=1");
    ck_assert_int_eq(rc, 2);
    ck_assert_ptr_nonnull(strstr(err, "nosuch: the workflow"));
    free(out);
    free(err);
    rc = RUN(&out, &err, "run", wf);
    ck_assert_int_eq(rc, 2);
    ck_assert_msg(strstr(err, "input costs is required: pass --set costs=FILE") != NULL, "%s", err);
    free(out);
    free(err);
    free(set);
    free(csv);
    free(wf);
}
END_TEST

/* Pre-flight steps (preflight = yes): `check` runs them, so it refuses what
 * `run` refuses; a run starts nothing else before they finished and writes
 * nothing when they find an error; an input that could not be read does
 * not hide the rule errors of the others, all sorted by file and line. */
START_TEST(preflight_steps)
{
    free(t_write(t_dir, "rules.lua",
            "return { run = function(step)\n"
            "  local a, b = regie.input('a'), regie.input('b')\n"
            "  local ids = a and {}\n"
            "  for i, r in ipairs(a or {}) do\n"
            "    ids[r.id] = true\n"
            "    if r.n < 0 then regie.data_error(a.source, a.lines[i], 'n', r.n, '0 or more') end\n"
            "  end\n"
            "  for i, r in ipairs(b or {}) do\n"
            "    if ids and not ids[r.ref] then\n"
            "      regie.data_error(b.source, b.lines[i], 'ref', r.ref, 'an id of a.csv')\n"
            "    end\n"
            "    if r.ref:sub(1, 1) == 'x' then\n"
            "      regie.data_error(b.source, b.lines[i], 'ref', r.ref, 'no ref starting with x')\n"
            "    end\n"
            "  end\n"
            "  regie.output('ok', true)\n"
            "end }\n"));
    free(t_write(t_dir, "more.lua",
            "return { run = function(step)\n"
            "  local b = regie.input('b')\n"
            "  for i, r in ipairs(b) do\n"
            "    if r.ref == 'Z' then regie.data_error(b.source, b.lines[i], 'ref', r.ref, 'checked again') end\n"
            "  end\n"
            "end }\n"));
    free(t_write(t_dir, "report.lua",
            "return { run = function(step) regie.write(step.name .. '.txt', 'written\\n') end }\n"));
    char *wf = t_write(t_dir, "w.ini",
                       "[workflow]\nname = pre\n"
                       "[input.a]\ntype = csv\ncolumns = id:id!, n:integer!\n"
                       "[input.b]\ntype = csv\ncolumns = ref:text!\n"
                       "[step.rules]\nscript = rules.lua\npreflight = yes\nreads = a, b\nwrites = ok\n"
                       "[step.more]\nscript = more.lua\npreflight = yes\nreads = ok, b\n"
                       "[step.report]\nscript = report.lua\nreads = ok\n"
                       "; needs nothing of the pre-flight, yet waits for it\n"
                       "[step.early]\nscript = report.lua\nreads = a\n");
    free(t_write(t_dir, "a.csv", "id,n\nA,1\nB,2\n"));
    free(t_write(t_dir, "b.csv", "ref\nA\nB\n"));
    char *out = NULL, *err = NULL;
    int rc = RUN(&out, &err, "check", wf, "--set", "a=a.csv", "--set", "b=b.csv");
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    ck_assert_msg(strstr(out, ": ok (2 inputs, 4 steps, 2 of them run as pre-flight)") != NULL,
                  "%s", out);
    free(out);
    free(err);
    rc = RUN(&out, &err, "run", wf, "--set", "a=a.csv", "--set", "b=b.csv", "--out", "o");
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    char *p = t_path("o/early.txt");
    ck_assert_int_eq(access(p, F_OK), 0);
    free(p);
    free(out);
    free(err);

    /* a rule error: check finds it, run refuses and writes nothing at all */
    free(t_write(t_dir, "b.csv", "ref\nA\nZ\n"));
    const char *rule = "b.csv:3: column ref: found \"Z\", expected an id of a.csv";
    rc = RUN(&out, &err, "check", wf, "--set", "a=a.csv", "--set", "b=b.csv");
    ck_assert_msg(rc == 2, "check: exit %d: %s", rc, err);
    ck_assert_msg(strstr(err, rule) != NULL, "%s", err);
    free(out);
    free(err);
    rc = RUN(&out, &err, "run", wf, "--set", "a=a.csv", "--set", "b=b.csv", "--out", "o2",
             "--jobs", "2");
    ck_assert_msg(rc == 2, "run: exit %d: %s", rc, err);
    ck_assert_msg(strstr(err, rule) != NULL, "%s", err);
    p = t_path("o2/early.txt");
    ck_assert_msg(access(p, F_OK) != 0, "a step ran before the pre-flight had finished");
    free(p);
    free(out);
    free(err);

    /* a type error in a.csv, rule errors in a.csv and b.csv: all together,
     * by file and line; the rules that need a.csv's ids are left out */
    free(t_write(t_dir, "a.csv", "id,n\nA,-1\nB,2x\n"));
    free(t_write(t_dir, "b.csv", "ref\nx1\nZ\n"));
    for (int pass = 0; pass < 2; pass++) {
        rc = pass ? RUN(&out, &err, "check", wf, "--set", "a=a.csv", "--set", "b=b.csv")
                  : RUN(&out, &err, "run", wf, "--set", "a=a.csv", "--set", "b=b.csv", "--out",
                        "o3");
        ck_assert_msg(rc == 2, "exit %d: %s", rc, err);
        const char *t = strstr(err, "a.csv:3: column n: found \"2x\", expected");
        const char *r = strstr(err, "b.csv:2: column ref: found \"x1\", expected no ref starting "
                                    "with x");
        ck_assert_msg(t && r && t < r, "missing or out of order:\n%s", err);
        ck_assert_msg(strstr(err, "an id of a.csv") == NULL, "%s", err);
        ck_assert_msg(strstr(err, "2 errors; nothing was run") != NULL, "%s", err);
        free(out);
        free(err);
    }
    p = t_path("o3");
    ck_assert_int_eq(access(p, F_OK), -1);
    free(p);
    /* what a pre-flight step made without a.csv is not checked further:
     * rules finds nothing in b.csv without a.csv's ids, more does not run */
    free(t_write(t_dir, "b.csv", "ref\nZ\n"));
    rc = RUN(&out, &err, "check", wf, "--set", "a=a.csv", "--set", "b=b.csv");
    ck_assert_msg(rc == 2, "exit %d: %s", rc, err);
    ck_assert_msg(strstr(err, "a.csv:3: column n: found \"2x\"") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "checked again") == NULL, "%s", err);
    ck_assert_msg(strstr(err, "1 error; nothing was run") != NULL, "%s", err);
    free(out);
    free(err);
    free(wf);
}
END_TEST

/* What a pre-flight step may not be: one that follows an ordinary step
 * (refused when the workflow is read), one that writes a file. */
START_TEST(preflight_steps_refused)
{
    free(t_write(t_dir, "one.lua", "return { run = function(step) regie.output('x', 1) end }\n"));
    free(t_write(t_dir, "writes.lua",
            "return { run = function(step) regie.write('w.txt', 'no\\n') end }\n"));
    char *wf = t_write(t_dir, "w.ini",
                       "[workflow]\nname = pre\n"
                       "[step.first]\nscript = one.lua\nwrites = x\n"
                       "[step.second]\nscript = writes.lua\nreads = x\npreflight = yes\n");
    char *out = NULL, *err = NULL;
    int rc = RUN(&out, &err, "check", wf);
    ck_assert_msg(rc == 2, "exit %d: %s", rc, err);
    ck_assert_msg(strstr(err, "w.ini:9: step second: preflight = yes, but it follows step first, "
                              "which is not a pre-flight step") != NULL,
                  "%s", err);
    free(out);
    free(err);
    free(wf);
    wf = t_write(t_dir, "w.ini",
                 "[workflow]\nname = pre\n"
                 "[step.second]\nscript = writes.lua\npreflight = yes\n"
                 "[step.third]\nscript = one.lua\nwrites = x\n");
    rc = RUN(&out, &err, "check", wf);
    ck_assert_msg(rc == 2, "exit %d: %s", rc, err);
    ck_assert_msg(strstr(err, "step second failed: ") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "refusing to write \"w.txt\": a pre-flight step (preflight = yes) "
                              "writes no files") != NULL,
                  "%s", err);
    free(out);
    free(err);
    rc = RUN(&out, &err, "run", wf, "--out", "o");
    ck_assert_msg(rc == 1, "exit %d: %s", rc, err);
    char *p = t_path("o/w.txt");
    ck_assert_int_eq(access(p, F_OK), -1);
    free(p);
    p = t_path("o/run-summary.txt");
    char *sum = t_read(p);
    ck_assert_ptr_nonnull(sum);
    ck_assert_msg(strstr(sum, "  third: upstream - not run: step second did not finish") != NULL,
                  "%s", sum);
    free(sum);
    free(p);
    free(out);
    free(err);
    free(wf);
}
END_TEST

/* A failing Lua branch stops what depends on it; the other branch finishes. */
START_TEST(failure_stops_dependents_only)
{
    free(t_write(t_dir, "ok.lua",
            "return { run = function(step) regie.output('a', 1) end }\n"));
    free(t_write(t_dir, "boom.lua",
            "return { run = function(step)\n  local x = nil\n  return x.field\nend }\n"));
    free(t_write(t_dir, "loop.lua",
            "return { run = function(step) while true do pcall(function() while true do end end) end end }\n"));
    free(t_write(t_dir, "bomb.lua",
            "return { run = function(step) local s = string.rep('x', 1e10) end }\n"));
    free(t_write(t_dir, "use.lua",
            "return { run = function(step) regie.output('c', regie.input('b')) end }\n"));
    char *wf = t_write(t_dir, "w.ini",
                       "[workflow]\nname = branches\n"
                       "[step.ok]\nscript = ok.lua\nwrites = a\n"
                       "[step.boom]\nscript = boom.lua\nwrites = b\n"
                       "[step.use]\nscript = use.lua\nreads = b\nwrites = c\n"
                       "[step.maybe]\nplugin = noop\nreads = ?b\n"
                       "[step.loop]\nscript = loop.lua\ninstructions = 2000000\n"
                       "[step.bomb]\nscript = bomb.lua\nmemory_mb = 16\n"
                       "[step.after_ok]\nplugin = noop\nreads = a\n");
    char *out = NULL, *err = NULL;
    int rc = RUN(&out, &err, "run", wf, "--out", "o", "--jobs", "2");
    ck_assert_int_eq(rc, 1);
    ck_assert_msg(strstr(err, "boom.lua:3:") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "stack traceback") != NULL, "%s", err);
    char *p = t_path("o/run-summary.txt");
    char *sum = t_read(p);
    ck_assert_ptr_nonnull(sum);
    ck_assert_msg(strstr(sum, "  ok: done") != NULL, "%s", sum);
    ck_assert_msg(strstr(sum, "  after_ok: done") != NULL, "%s", sum);
    ck_assert_msg(strstr(sum, "  boom: failed") != NULL, "%s", sum);
    ck_assert_msg(strstr(sum, "  use: upstream") != NULL, "%s", sum);
    /* an optional read tolerates data never produced, not a failed producer */
    ck_assert_msg(strstr(sum, "  maybe: upstream") != NULL, "%s", sum);
    ck_assert_msg(strstr(sum, "  loop: failed") != NULL, "%s", sum);
    ck_assert_msg(strstr(sum, "  bomb: failed") != NULL, "%s", sum);
    ck_assert_msg(strstr(sum, "status: failed") != NULL, "%s", sum);
    free(sum);
    free(p);
    free(out);
    free(err);
    free(wf);
}
END_TEST

/* A script that streams (regie.each in, regie.output_writer out) in a real
 * run: the next step, a C plugin, gets the table it made; a writer for
 * data not among the step's `writes` is refused when it is made. */
START_TEST(streamed_step_in_a_run)
{
    free(t_write(t_dir, "items.csv", "id,price,qty\nA,2.5,4\nB,10,3\nC,1.25,0\n"));
    free(t_write(t_dir, "map.lua",
            "return { run = function(step)\n"
            "  local out = regie.output_writer('totals', { 'id', 'total', 'line' })\n"
            "  for _, id, price, qty, line in regie.each('items', { 'id', 'price', 'qty', '_line' }) do\n"
            "    out:add(id, regie.round(price * qty, 2), line)\n"
            "  end\n"
            "  regie.info('mapped ' .. out:close())\n"
            "end }\n"));
    free(t_write(t_dir, "stray.lua",
            "return { run = function(step) regie.output_writer('other', { 'a' }) end }\n"));
    char *wf = t_write(t_dir, "w.ini",
                       "[workflow]\nname = stream\n"
                       "[input.items]\ntype = csv\ncolumns = id:id!, price:decimal!, qty:integer!\n"
                       "[step.map]\nscript = map.lua\nreads = items\nwrites = totals\n"
                       "[step.write]\nplugin = csv-write\nreads = totals\ndata = totals\nfile = totals.csv\n"
                       "[step.stray]\nscript = stray.lua\nwrites = mine\n");
    char *out = NULL, *err = NULL;
    int rc = RUN(&out, &err, "run", wf, "--set", "items=items.csv", "--out", "o", "--jobs", "1");
    ck_assert_int_eq(rc, 1); /* the stray step fails */
    ck_assert_msg(strstr(err, "mapped 3") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "stray.lua:1: regie.output_writer(\"other\"): the step does not "
                              "write \"other\" (not among its `writes`)") != NULL, "%s", err);
    char *p = t_path("o/totals.csv");
    char *csv = t_read(p);
    ck_assert_ptr_nonnull(csv);
    ck_assert_str_eq(csv, "id,total,line\r\nA,10,2\r\nB,30,3\r\nC,0,4\r\n");
    free(csv);
    free(p);
    free(out);
    free(err);
    free(wf);
}
END_TEST

START_TEST(when_and_retries)
{
    free(t_write(t_dir, "flaky.lua",
            "local n = 0\n"
            "return { run = function(step) n = n + 1\n"
            "  assert(n == 1, 'every attempt starts afresh')\n"
            "  if step.attempt < 3 then error('not yet ' .. step.attempt) end\n"
            "  regie.output('r', step.attempt) end }\n"));
    char *wf = t_write(t_dir, "w.ini",
                       "[workflow]\nname = w\n"
                       "[input.mode]\ntype = text\ndefault = fast\n"
                       "[step.flaky]\nscript = flaky.lua\nwrites = r\nretries = 3\nretry_delay = 0.01\n"
                       "[step.only_slow]\nplugin = noop\nwhen = mode == \"slow\"\n"
                       "[step.only_fast]\nplugin = noop\nwhen = input.mode == \"fast\" and r == 3\n");
    char *out = NULL, *err = NULL;
    int rc = RUN(&out, &err, "run", wf, "--out", "o", "--jobs", "1");
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    char *p = t_path("o/run-summary.txt");
    char *sum = t_read(p);
    ck_assert_msg(strstr(sum, "  flaky: done") != NULL, "%s", sum);
    ck_assert_msg(strstr(sum, "  only_slow: skipped") != NULL, "%s", sum);
    ck_assert_msg(strstr(sum, "  only_fast: done") != NULL, "%s", sum);
    ck_assert_msg(strstr(err, "attempt 2 failed") != NULL, "%s", err);
    free(sum);
    free(p);
    free(out);
    free(err);
    free(wf);
}
END_TEST

START_TEST(out_of_tree_plugin)
{
    char *src = t_src("tests/fixtures/good.c");
    char *inc = t_src("core");
    char *cmd = NULL;
    if (asprintf(&cmd, "cc -shared -fPIC -I'%s' '%s' -o '%s/plug/good.so'", inc, src, t_dir) < 0) {
        abort();
    }
    char *pd = t_path("plug");
    mkdir(pd, 0777);
    ck_assert_int_eq(system(cmd), 0);
    free(t_write(t_dir, "rows.csv", "n\n1\n2.5\n"));
    char *wf = t_write(t_dir, "w.ini",
                       "[workflow]\nname = oot\n"
                       "[engine]\nplugin_path = plug\n"
                       "[input.rows]\ntype = csv\ncolumns = n:decimal\n"
                       "[step.sum]\nplugin = good\ncolumn = n\nreads = rows\nwrites = total\n"
                       "[step.show]\nscript = show.lua\nreads = total\n");
    free(t_write(t_dir, "show.lua",
            "return { run = function(step) regie.write('total.txt', regie.format(regie.input('total'), 2)) end }\n"));
    char *out = NULL, *err = NULL;
    int rc = RUN(&out, &err, "run", wf, "--set", "rows=rows.csv", "--out", "o");
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    char *p = t_path("o/total.txt");
    char *t = t_read(p);
    ck_assert_str_eq(t, "3.50");
    free(t);
    free(p);
    free(out);
    free(err);
    rc = RUN(&out, &err, "plugins", "good", "--engine", "plugin_path=plug");
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(strstr(out, "column"));
    ck_assert_ptr_nonnull(strstr(out, "required"));
    free(out);
    free(err);
    free(wf);
    free(pd);
    free(cmd);
    free(inc);
    free(src);
}
END_TEST

START_TEST(default_file_next_to_workflow)
{
    free(t_write(t_dir, "wf/data/default.csv", "n\n4\n"));
    free(t_write(t_dir, "wf/show.lua",
                 "return { run = function() regie.write('n.txt', tostring(regie.input('rows')[1].n)) end }\n"));
    char *wf = t_write(t_dir, "wf/w.ini",
                       "[workflow]\nname = d\n[input.rows]\ntype = csv\ndefault = data/default.csv\n"
                       "columns = n:integer\n[step.show]\nscript = show.lua\nreads = rows\n");
    char *out = NULL, *err = NULL;
    int rc = RUN(&out, &err, "run", wf, "--out", "o");
    ck_assert_msg(rc == 0, "%d %s", rc, err);
    char *p = t_path("o/n.txt");
    char *t = t_read(p);
    ck_assert_str_eq(t, "4");
    free(t);
    free(p);
    free(out);
    free(err);
    free(wf);
}
END_TEST

START_TEST(cli_basics)
{
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(RUN(&out, &err, "--version"), 0);
    ck_assert_ptr_nonnull(strstr(out, "regie "));
    free(out);
    free(err);
    ck_assert_int_eq(RUN(&out, &err, "run", "--help"), 0);
    ck_assert_ptr_nonnull(strstr(out, "--set NAME=VALUE"));
    free(out);
    free(err);
    /* the overview names every option of resume, as `help resume` does */
    ck_assert_int_eq(RUN(&out, &err, "--help"), 0);
    ck_assert_msg(strstr(out, "  resume RUN [--set NAME=VALUE]... [--allow-changed] [--jobs N]\n") != NULL,
                  "%s", out);
    free(out);
    free(err);
    ck_assert_int_eq(RUN(&out, &err, "frobnicate"), 64);
    free(out);
    free(err);
    ck_assert_int_eq(RUN(&out, &err, "run", "no-such-workflow"), 2);
    ck_assert_ptr_nonnull(strstr(err, "no-such-workflow: no such workflow"));
    free(out);
    free(err);
    char *wf = t_src("etc/workflows/demo.ini");
    ck_assert_int_eq(RUN(&out, &err, "graph", wf), 0);
    ck_assert_ptr_nonnull(strstr(out, "digraph \"demo\""));
    ck_assert_ptr_nonnull(strstr(out, "\"data:totals\" -> \"step:write\""));
    free(out);
    free(err);
    ck_assert_int_eq(RUN(&out, &err, "plugins"), 0);
    ck_assert_ptr_nonnull(strstr(out, "csv-write"));
    free(out);
    free(err);
    free(wf);
}
END_TEST

/* A script's top-level code runs under its step's limits when the
 * workflow is loaded: `regie check` on a script that starts with an
 * endless loop stops at the step's timeout, naming the script. */
START_TEST(check_limits_top_level_code)
{
    free(t_write(t_dir, "hang.lua", "while true do end\nreturn { run = function() end }\n"));
    char *wf = t_write(t_dir, "w.ini",
                       "[workflow]\nname = w\n[step.hang]\nscript = hang.lua\ntimeout = 0.5\n");
    char *out = NULL, *err = NULL;
    int rc = RUN(&out, &err, "check", wf);
    ck_assert_msg(rc == 2, "exit %d: %s", rc, err);
    ck_assert_msg(strstr(err, "hang.lua: stopped while the script was loaded: time limit") != NULL, "%s",
                  err);
    free(out);
    free(err);
    free(wf);
}
END_TEST

/* print in a script goes to the step's log (stderr), never onto regie's
 * own output: `regie graph | dot` gets a graph. */
START_TEST(print_goes_to_the_log)
{
    free(t_write(t_dir, "talk.lua",
                 "print('loading', 1)\n"
                 "return { run = function() print('running', 2) end }\n"));
    char *wf = t_write(t_dir, "w.ini", "[workflow]\nname = w\n[step.talk]\nscript = talk.lua\n");
    char *out = NULL, *err = NULL;
    int rc = RUN(&out, &err, "graph", wf);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    ck_assert_msg(strncmp(out, "digraph", 7) == 0 && !strstr(out, "loading"), "%s", out);
    free(out);
    free(err);
    rc = RUN(&out, &err, "run", wf, "--out", "o", "--no-store");
    ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
    ck_assert_msg(!strstr(out, "running") && !strstr(out, "loading"), "%s", out);
    ck_assert_msg(strstr(err, "talk: info: running\t2") != NULL, "%s", err);
    free(out);
    free(err);
    free(wf);
}
END_TEST

Suite *suite_cli(void);
Suite *suite_cli(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("e2e");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, t_dir_setup, t_dir_teardown);
    tcase_add_test(tc, demo_runs_plugin_and_lua);
    tcase_add_test(tc, config_errors_all_at_once_with_lines);
    tcase_add_test(tc, input_errors_exit_2_and_write_nothing);
    tcase_add_test(tc, preflight_steps);
    tcase_add_test(tc, preflight_steps_refused);
    tcase_add_test(tc, failure_stops_dependents_only);
    tcase_add_test(tc, when_and_retries);
    tcase_add_test(tc, streamed_step_in_a_run);
    tcase_add_test(tc, out_of_tree_plugin);
    tcase_add_test(tc, cli_basics);
    tcase_add_test(tc, default_file_next_to_workflow);
    tcase_add_test(tc, check_limits_top_level_code);
    tcase_add_test(tc, print_goes_to_the_log);
    suite_add_tcase(s, tc);
    return s;
}
