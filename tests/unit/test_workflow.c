/* core/engine/workflow.c: reading workflow INI files into inputs, steps and a DAG,
 * and every error that loading finds, named by FILE:LINE. */
#define _GNU_SOURCE
#include "bind.h"
#include "conf.h"
#include "host.h"
#include "lua_step.h"
#include "plugin.h"
#include "rg_csv.h"
#include "workflow.h"
#include "testutil.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rg_config cfg;
static rg_plugins plugins;
static rg_lua *lua;
static rg_workflow wf;
static rg_errors errs;
static char *wf_path;

static void setup(void)
{
    t_dir_setup();
    rg_errors e = { 0 };
    ck_assert_msg(rg_config_load(&cfg, NULL, &e) == 0, "%s", e.n ? e.msg[0] : "");
    memset(&plugins, 0, sizeof plugins);
    rg_plugins_scan(&plugins, cfg.plugin_path, &e); /* noop and csv-write of the build */
    rg_err_free(&e);
    lua = rg_lua_new(cfg.script_path);
    memset(&wf, 0, sizeof wf);
    memset(&errs, 0, sizeof errs);
    wf_path = rg_xasprintf("%s/wf.ini", t_dir);
    /* scripts beside the workflow: one with a parameter table, one without */
    free(t_write(t_dir, "step.lua",
                 "return { params = { level = { type = 'integer', required = true },\n"
                 "                    label = { type = 'string' } },\n"
                 "         run = function() end }\n"));
    free(t_write(t_dir, "plain.lua", "return { run = function() end }\n"));
}

static void teardown(void)
{
    rg_workflow_free(&wf);
    rg_err_free(&errs);
    rg_lua_free(lua);
    rg_plugins_free(&plugins);
    rg_config_free(&cfg);
    free(wf_path);
    t_dir_teardown();
}

/* Write wf.ini with `text` and load it with the --set pairs given
 * (NULL-terminated NAME, VALUE list), then bind it.  Returns -1 if either
 * failed. */
static int load(const char *text, ...)
{
    free(t_write(t_dir, "wf.ini", text));
    rg_setting sets[8];
    size_t n = 0;
    va_list ap;
    va_start(ap, text);
    const char *name;
    while ((name = va_arg(ap, const char *)) != NULL && n < 8) {
        sets[n].name = (char *)name;
        sets[n].value = va_arg(ap, char *);
        n++;
    }
    va_end(ap);
    rg_workflow_free(&wf);
    rg_err_free(&errs);
    return (rg_workflow_load(&wf, wf_path, &cfg, sets, n, &errs) |
            rg_workflow_bind(&wf, &plugins, &rg_host, lua, &errs));
}

static char *all_errors(void)
{
    rg_buf b = { 0 };
    rg_buf_puts(&b, "");
    for (size_t i = 0; i < errs.n; i++) {
        rg_buf_printf(&b, "%s\n", errs.msg[i]);
    }
    return b.data;
}

/* Loading succeeded with no error at all. */
#define LOADS(...)                                                                                 \
    do {                                                                                           \
        int rc_ = load(__VA_ARGS__, NULL);                                                         \
        char *e_ = all_errors();                                                                   \
        ck_assert_msg(rc_ == 0 && errs.n == 0, "load failed: %s", e_);                             \
        free(e_);                                                                                  \
    } while (0)

/* Among the errors, one that is exactly "wf.ini:LINE: text...", i.e. starts
 * with the workflow's path, the line and `start`. */
static void has_error(int line, const char *start)
{
    char *want = rg_xasprintf("%s:%d: %s", wf_path, line, start);
    int found = 0;
    for (size_t i = 0; i < errs.n && !found; i++) {
        found = strncmp(errs.msg[i], want, strlen(want)) == 0;
    }
    char *e = all_errors();
    ck_assert_msg(found, "no error \"%s...\" among:\n%s", want, e);
    free(e);
    free(want);
}

static const rg_step *step(const char *name)
{
    for (size_t i = 0; i < wf.nsteps; i++) {
        if (strcmp(wf.steps[i].name, name) == 0) {
            return &wf.steps[i];
        }
    }
    ck_abort_msg("no step %s", name);
    return NULL;
}

static const rg_input *input(const char *name)
{
    for (size_t i = 0; i < wf.ninputs; i++) {
        if (strcmp(wf.inputs[i].name, name) == 0) {
            return &wf.inputs[i];
        }
    }
    ck_abort_msg("no input %s", name);
    return NULL;
}

/* Whether step a waits for step b (directly). */
static int depends(const char *a, const char *b)
{
    const rg_step *s = step(a), *d = step(b);
    for (size_t i = 0; i < s->ndeps; i++) {
        if (&wf.steps[s->deps[i]] == d) {
            return 1;
        }
    }
    return 0;
}

/* Position of a step in the topological order. */
static size_t position(const char *name)
{
    const rg_step *s = step(name);
    for (size_t i = 0; i < wf.nsteps; i++) {
        if (&wf.steps[wf.order[i]] == s) {
            return i;
        }
    }
    ck_abort_msg("step %s not in the order", name);
    return 0;
}

/* Every step comes after every step it waits for. */
static void order_is_topological(void)
{
    for (size_t i = 0; i < wf.nsteps; i++) {
        const rg_step *s = &wf.steps[wf.order[i]];
        for (size_t d = 0; d < s->ndeps; d++) {
            ck_assert_msg(position(wf.steps[s->deps[d]].name) < i, "%s runs before %s",
                          s->name, wf.steps[s->deps[d]].name);
        }
    }
}

/* ---- inputs ---- */

START_TEST(inputs_types_defaults_and_columns)
{
    LOADS("[workflow]\nname = t\ndescription = a test\nversion = 3\n"
          "[input.bids]\ntype = csv\ndescription = the bids\n"
          "columns = bid_id:id!, rate:decimal, region?:text\nunique = bid_id\n"
          "[input.settings]\ntype = ini\nrequired = no\n"
          "keys.plan = start:date!, months:integer[1..120]=12\n"
          "[input.decimals]\ntype = integer\ndefault = 2\n"
          "[input.strict]\ntype = boolean\ndefault = yes\nrequired = yes\n"
          "[input.day]\ntype = date\n"
          "[step.s]\nscript = plain.lua\nreads = bids, ?settings, input.day\n");
    ck_assert_str_eq(wf.name, "t");
    ck_assert_str_eq(wf.description, "a test");
    ck_assert_str_eq(wf.version, "3");
    ck_assert_uint_eq(wf.ninputs, 5);
    const rg_input *b = input("bids");
    ck_assert_int_eq(b->type, RG_IN_CSV);
    ck_assert_int_eq(b->required, 1); /* required unless said or defaulted */
    ck_assert_str_eq(b->description, "the bids");
    ck_assert_str_eq(b->unique, "bid_id");
    ck_assert_uint_eq(b->ncols, 3);
    ck_assert_str_eq(b->cols[0].name, "bid_id");
    ck_assert_int_eq(b->cols[0].type, RG_COL_ID);
    ck_assert_int_eq(b->cols[0].required, 1);
    ck_assert_int_eq(b->cols[1].type, RG_COL_DECIMAL);
    ck_assert_int_eq(b->cols[1].required, 0);
    ck_assert_int_eq(b->cols[2].optional, 1);
    ck_assert_int_eq(b->line, 5); /* the [input.bids] header */
    ck_assert_int_eq(input("settings")->type, RG_IN_INI);
    ck_assert_int_eq(input("settings")->required, 0);
    /* keys.SECTION: the settings an ini input may hold */
    const rg_ini_schema *ks = &input("settings")->keys;
    ck_assert_uint_eq(ks->n, 1);
    ck_assert_str_eq(ks->secs[0].name, "plan");
    ck_assert_uint_eq(ks->secs[0].n, 2);
    ck_assert_int_eq(ks->secs[0].keys[0].col.required, 1);
    ck_assert_str_eq(ks->secs[0].keys[1].def, "12");
    /* a default makes an input optional, unless required = says otherwise */
    ck_assert_int_eq(input("decimals")->type, RG_IN_INTEGER);
    ck_assert_int_eq(input("decimals")->required, 0);
    ck_assert_str_eq(input("decimals")->def, "2");
    ck_assert_int_eq(input("strict")->required, 1);
    ck_assert_int_eq(input("day")->type, RG_IN_DATE);
    /* reads: ?NAME is optional, input.NAME is NAME */
    const rg_step *s = step("s");
    ck_assert_uint_eq(s->nreads, 3);
    ck_assert_str_eq(s->reads[0], "bids");
    ck_assert_str_eq(s->reads[1], "settings");
    ck_assert_str_eq(s->reads[2], "day");
    ck_assert_int_eq(s->read_optional[0], 0);
    ck_assert_int_eq(s->read_optional[1], 1);
    ck_assert_int_eq(s->read_optional[2], 0);
    /* inputs are data with no producer */
    ck_assert_int_ge(rg_workflow_data_index(&wf, "bids"), 0);
    ck_assert_ptr_null(rg_workflow_producer(&wf, "bids"));
    ck_assert_int_eq(rg_workflow_data_index(&wf, "nothing"), -1);
}
END_TEST

START_TEST(input_errors_name_file_and_line)
{
    ck_assert_int_eq(load("[workflow]\nname = t\n"
                          "[input.a]\ntype = spreadsheet\n"         /* 3, 4 */
                          "[input.b]\ntype = csv\nrequird = no\n"   /* 5, 6, 7 */
                          "[input.c]\ndescription = no type\n"      /* 8, 9 */
                          "[input.d]\ntype = text\nunique = x\n"    /* 10, 11, 12 */
                          "[input.e]\ntype = csv\nrequired = maybe\n" /* 13, 14, 15 */
                          "[input.f g]\ntype = text\n"              /* 16, 17 */
                          "[input.h]\ntype = csv\ncolumns = a:money\n"  /* 18, 19, 20 */
                          "[input.i]\ntype = csv\nkeys.x = a:text\n"   /* 21, 22, 23 */
                          "[input.j]\ntype = ini\nkeys.x = a:integer=many\n", /* 24, 25, 26 */
                          NULL),
                     -1);
    has_error(4, "type: found \"spreadsheet\", expected file, csv, xlsx, ods, ini, text, "
                 "number, integer, date or boolean");
    has_error(7, "unknown key \"requird\" in [input.b] (allowed: type, required, default, "
                 "description, columns, unique, keys.SECTION, from_previous_run)");
    has_error(8, "[input.c]: missing key \"type\"");
    has_error(10, "[input.d]: columns and unique apply to csv inputs only");
    has_error(15, "required: found \"maybe\", expected yes or no");
    has_error(16, "[input.f g]: \"f g\" is not a valid input name");
    has_error(20, "");
    has_error(21, "[input.i]: keys.SECTION applies to ini inputs only");
    has_error(26, "key a: default \"many\" is not a whole number");
    char *e = all_errors();
    ck_assert_msg(strstr(e, "money") != NULL, "the bad column type is not named: %s", e);
    free(e);
}
END_TEST

START_TEST(set_values_substituted_and_checked)
{
    /* ${input.NAME}: the --set value, else the default */
    LOADS("[workflow]\nname = t\n"
          "[input.level]\ntype = integer\ndefault = 4\n"
          "[input.label]\ntype = text\ndefault = standard\n"
          "[step.s]\nscript = step.lua\nlevel = ${input.level}\nlabel = x-${input.label}-y\n",
          "label", "given");
    const rg_step *s = step("s");
    ck_assert_uint_eq(s->nparams, 2);
    ck_assert_str_eq(s->params[0].key, "level");
    ck_assert_str_eq(s->params[0].value, "4");
    ck_assert_str_eq(s->params[1].value, "x-given-y");
    /* a --set for no input, and ${input.X} without a value */
    ck_assert_int_eq(load("[workflow]\nname = t\n"
                          "[input.level]\ntype = integer\n"
                          "[step.s]\nscript = step.lua\nlevel = ${input.level}${input.nope}\n",
                          "levle", "3", NULL),
                     -1);
    has_error(7, "level: ${input.level} has no value (no such input, or it was not given and has "
                 "no default)");
    has_error(7, "level: ${input.nope} has no value");
    int found = 0;
    for (size_t i = 0; i < errs.n; i++) {
        found |= strncmp(errs.msg[i], "--set: levle: the workflow ", 27) == 0 &&
                 strstr(errs.msg[i], " has no input of that name (inputs: level)") != NULL;
    }
    char *e = all_errors();
    ck_assert_msg(found, "no error for --set levle: %s", e);
    free(e);
}
END_TEST

/* ---- steps ---- */

START_TEST(steps_reads_writes_and_settings)
{
    LOADS("[workflow]\nname = t\n"
          "[input.costs]\ntype = csv\n"
          "[step.sum]\nscript = step.lua\nreads = costs\nwrites = totals, report\nlevel = 3\n"
          "retries = 2\nretry_delay = 0.5\ntimeout = 30\nmemory_mb = 64\ninstructions = 1000\n"
          "rerun = no\n"
          "[step.write]\nplugin = csv-write\nreads = totals\ndata = totals\nfile = totals.csv\n"
          "[step.last]\nplugin = noop\nafter = write\nnote = ordering only\n");
    ck_assert_uint_eq(wf.nsteps, 3);
    const rg_step *s = step("sum");
    ck_assert_int_eq(s->kind, RG_STEP_SCRIPT);
    ck_assert_str_eq(s->script, "step.lua");
    char *want = rg_xasprintf("%s/step.lua", t_dir);
    ck_assert_msg(s->script_file && strstr(s->script_file, "step.lua") &&
                      rg_file_exists(s->script_file),
                  "script resolved to %s, want %s", s->script_file, want);
    free(want);
    ck_assert_uint_eq(s->nwrites, 2);
    ck_assert_str_eq(s->writes[1], "report");
    ck_assert_int_eq(s->retries, 2);
    ck_assert(s->retry_delay == 0.5);
    ck_assert(s->timeout == 30.0);
    ck_assert(s->limits.timeout == 30.0);
    ck_assert_uint_eq(s->limits.memory, (size_t)64 * 1024 * 1024);
    ck_assert_int_eq(s->limits.instructions, 1000);
    ck_assert_int_eq(s->rerun, 0);
    ck_assert_uint_eq(s->nparams, 1); /* level: the script's own key */
    ck_assert_str_eq(s->params[0].key, "level");
    /* a step without these keys takes the engine's defaults */
    const rg_step *w = step("write");
    ck_assert_int_eq(w->kind, RG_STEP_PLUGIN);
    ck_assert_str_eq(w->plugin_name, "csv-write");
    ck_assert_ptr_nonnull(w->plugin);
    ck_assert(w->timeout == cfg.step_timeout);
    ck_assert_int_eq(w->rerun, 1);
    ck_assert_int_eq(w->retries, 0);
    /* the DAG: write reads what sum writes; last comes after write */
    ck_assert_ptr_eq(rg_workflow_producer(&wf, "totals"), s);
    ck_assert_ptr_eq(rg_workflow_producer(&wf, "report"), s);
    ck_assert(depends("write", "sum"));
    ck_assert(depends("last", "write"));
    ck_assert(!depends("sum", "write"));
    ck_assert(!depends("last", "sum")); /* only what it names */
    ck_assert_uint_eq(step("sum")->ndependents, 1);
    ck_assert_uint_lt(position("sum"), position("write"));
    ck_assert_uint_lt(position("write"), position("last"));
    order_is_topological();
}
END_TEST

START_TEST(step_errors_name_file_and_line)
{
    ck_assert_int_eq(
        load("[workflow]\nname = t\n"
             "[input.a]\ntype = text\n"                            /* 3, 4 */
             "[step.none]\nreads = a\n"                            /* 5, 6 */
             "[step.both]\nplugin = noop\nscript = plain.lua\n"    /* 7, 8, 9 */
             "[step.ghost]\nplugin = no-such-plugin\n"             /* 10, 11 */
             "[step.lost]\nscript = lost.lua\n"                    /* 12, 13 */
             "[step.keys]\nscript = step.lua\nlevel = high\nlevl = 3\n" /* 14-17 */
             "[step.missing]\nscript = step.lua\n"                 /* 18, 19 */
             "[step.bad name]\nplugin = noop\n"                    /* 20, 21 */
             "[step.limits]\nplugin = noop\nretries = 101\ntimeout = -1\nmemory_mb = lots\n"
             /* 22-26 */
             "[step.names]\nplugin = noop\nreads = a b\n"          /* 27, 28, 29 */
             "[step.noop2]\nplugin = noop\nwhat = sign it\n",      /* 30, 31, 32 */
             NULL),
        -1);
    has_error(5, "step none: missing \"plugin =\" or \"script =\"");
    has_error(9, "step both: has both plugin = and script =");
    has_error(11, "step ghost: unknown plugin \"no-such-plugin\" (found on the plugin path ");
    has_error(13, "step lost: script \"lost.lua\" not found (looked next to the workflow and on "
                  "the script path ");
    has_error(16, "step keys: level: found \"high\", expected ");
    has_error(17, "step keys: unknown key \"levl\" for this script (its parameters: ");
    {
        /* every step key, as is_reserved knows them */
        char *all = all_errors();
        ck_assert_msg(strstr(all, "; step keys: plugin, script, reads, writes, after, when, "
                                  "retries, retry_delay, timeout, instructions, memory_mb, "
                                  "description, wait, what, four_eyes, rerun, preflight, "
                                  "isolate, optional)") != NULL,
                      "%s", all);
        free(all);
    }
    has_error(18, "step missing: missing required key \"level\"");
    has_error(20, "[step.bad name]: \"bad name\" is not a valid step name");
    has_error(24, "retries: found \"101\", expected a whole number from 0 to 100");
    has_error(25, "timeout: found \"-1\", expected a number of seconds >= 0");
    has_error(26, "memory_mb: found \"lots\", expected a whole number");
    has_error(29, "step names: reads: \"a b\" is not a valid name");
    has_error(32, "step noop2: what applies to wait steps only");
    /* the unknown key's message lists what the script takes */
    int listed = 0;
    for (size_t i = 0; i < errs.n; i++) {
        listed |= strstr(errs.msg[i], "levl") && strstr(errs.msg[i], "level (integer)") &&
                  strstr(errs.msg[i], "label (string)");
    }
    ck_assert_msg(listed, "the script's parameters are not listed");
}
END_TEST

START_TEST(dag_errors)
{
    ck_assert_int_eq(load("[workflow]\nname = t\n"
                          "[input.a]\ntype = text\n"                          /* 3, 4 */
                          "[step.p]\nplugin = noop\nwrites = a, x\n"          /* 5, 6, 7 */
                          "[step.q]\nplugin = noop\nwrites = x\n"             /* 8, 9, 10 */
                          "[step.r]\nplugin = noop\nreads = nowhere\n"        /* 11, 12, 13 */
                          "[step.s]\nplugin = noop\nwrites = y\nreads = y\n"  /* 14-17 */
                          "[step.u]\nplugin = noop\nafter = nobody\n"         /* 18, 19, 20 */
                          "[step.v]\nplugin = noop\nafter = v\n"              /* 21, 22, 23 */
                          "[step.p]\nnote = merged into the first [step.p]\n"
                          "[step.w]\nplugin = noop\n[step.w]\n",
                          NULL),
                     -1);
    has_error(5, "step p writes \"a\", which an input already provides (each data name has one "
                 "producer)");
    has_error(8, "step q writes \"x\", which step p already provides");
    has_error(13, "step r reads \"nowhere\", which no input or step provides");
    has_error(17, "step s reads its own output \"y\"");
    has_error(20, "step u: after: no step named \"nobody\"");
    has_error(23, "step v: after: a step cannot follow itself");
}
END_TEST

START_TEST(cycles_are_refused_with_every_step_in_them)
{
    /* through data: a reads what b writes and b what a writes */
    ck_assert_int_eq(load("[workflow]\nname = t\n"
                          "[step.start]\nplugin = noop\nwrites = s\n"     /* 3 */
                          "[step.a]\nplugin = noop\nreads = s, fromb\nwrites = froma\n" /* 6 */
                          "[step.b]\nplugin = noop\nreads = froma\nwrites = fromb\n",   /* 10 */
                          NULL),
                     -1);
    ck_assert_uint_eq(errs.n, 1);
    has_error(6, "cycle: these steps wait for each other: ");
    char *cyc = rg_xasprintf("a (%s:6), b (%s:10)", wf_path, wf_path);
    ck_assert_msg(strstr(errs.msg[0], cyc) != NULL, "%s", errs.msg[0]);
    ck_assert_msg(strstr(errs.msg[0], "start") == NULL, "start is not in the cycle: %s",
                  errs.msg[0]);
    free(cyc);
    /* through after = and when =, three steps round */
    ck_assert_int_eq(load("[workflow]\nname = t\n"
                          "[step.x]\nplugin = noop\nafter = z\nwrites = xd\n"
                          "[step.y]\nplugin = noop\nwhen = xd\nwrites = yd\n"
                          "[step.z]\nplugin = noop\nreads = yd\n",
                          NULL),
                     -1);
    ck_assert_uint_eq(errs.n, 1);
    ck_assert_msg(strstr(errs.msg[0], "cycle: these steps wait for each other: x (") &&
                      strstr(errs.msg[0], ", y (") && strstr(errs.msg[0], ", z ("),
                  "%s", errs.msg[0]);
    /* a diamond is no cycle */
    LOADS("[workflow]\nname = t\n"
          "[step.top]\nplugin = noop\nwrites = t\n"
          "[step.left]\nplugin = noop\nreads = t\nwrites = l\n"
          "[step.right]\nplugin = noop\nreads = t\nwrites = r\n"
          "[step.bottom]\nplugin = noop\nreads = l, r\n");
    ck_assert_uint_eq(step("bottom")->ndeps, 2);
    ck_assert_uint_eq(step("top")->ndependents, 2);
    ck_assert_uint_eq(position("top"), 0);
    ck_assert_uint_eq(position("bottom"), 3);
    order_is_topological();
}
END_TEST

/* ---- when = ---- */

START_TEST(when_conditions_and_their_data)
{
    LOADS("[workflow]\nname = t\n"
          "[input.method]\ntype = text\ndefault = none\n"
          "[step.flag]\nplugin = noop\nwrites = flagged\n"
          "[step.check]\nplugin = noop\nwhen = flagged and input.method != \"none\"\n"
          "[step.again]\nplugin = noop\nreads = flagged\nwhen = flagged\n");
    /* what a step reads, its when's names among it, each once */
    const rg_step *ag = step("again");
    ck_assert_uint_eq(ag->nall_reads, 1);
    ck_assert_str_eq(ag->all_reads[0], "flagged");
    const rg_step *c = step("check");
    ck_assert_ptr_nonnull(c->when);
    ck_assert_str_eq(c->when_text, "flagged and input.method != \"none\"");
    ck_assert(depends("check", "flag")); /* a condition on data waits for its producer */
    ck_assert_uint_eq(c->nreads, 0);
    ck_assert_int_eq(
        load("[workflow]\nname = t\n"
             "[step.a]\nplugin = noop\nwhen = missing_data\n"   /* 3, 4, 5 */
             "[step.b]\nplugin = noop\nwhen = (a ==\n",          /* 6, 7, 8 */
             NULL),
        -1);
    has_error(5, "step a: when: \"missing_data\" is neither an input nor data a step writes");
    has_error(8, "step b: when: ");
}
END_TEST

/* ---- waits ---- */

START_TEST(wait_kinds)
{
    LOADS("[workflow]\nname = t\n"
          "[input.interviews]\ntype = csv\nrequired = no\n"
          "[step.rank]\nplugin = noop\nwrites = ranking, deadline\n"
          "[step.await_interviews]\nwait = input: interviews\nwhat = the interview results\n"
          "after = rank\n"
          "[step.approve]\nwait = approval\nfour_eyes = rank\nafter = await_interviews\n"
          "[step.standstill]\nwait = until:2026-04-28\nafter = approve\n"
          "[step.objection]\nwait = until: deadline\n");
    const rg_step *in = step("await_interviews");
    ck_assert_int_eq(in->kind, RG_STEP_WAIT);
    ck_assert_str_eq(in->wait_kind, "input");
    ck_assert_str_eq(in->wait_input, "interviews");
    ck_assert_str_eq(in->wait_what, "the interview results");
    ck_assert_ptr_null(in->four_eyes);
    ck_assert(depends("await_interviews", "rank"));
    const rg_step *ap = step("approve");
    ck_assert_int_eq(ap->kind, RG_STEP_WAIT);
    ck_assert_str_eq(ap->wait_kind, "approval");
    ck_assert_str_eq(ap->four_eyes, "rank");
    ck_assert_str_eq(ap->wait_what, "");
    /* until: a fixed date, or data holding one (then it waits for its producer) */
    const rg_step *sd = step("standstill");
    ck_assert_int_eq(sd->kind, RG_STEP_WAIT);
    ck_assert_str_eq(sd->wait_until, "2026-04-28");
    ck_assert_ptr_null(sd->wait_input);
    ck_assert(!depends("standstill", "rank"));
    const rg_step *ob = step("objection");
    ck_assert_str_eq(ob->wait_until, "deadline");
    ck_assert(depends("objection", "rank"));
    /* what they wait for is among what they read; a fixed date is not */
    ck_assert_uint_eq(in->nall_reads, 1);
    ck_assert_str_eq(in->all_reads[0], "interviews");
    ck_assert_uint_eq(sd->nall_reads, 0);
    ck_assert_uint_eq(ob->nall_reads, 1);
    ck_assert_str_eq(ob->all_reads[0], "deadline");
    order_is_topological();
}
END_TEST

START_TEST(wait_errors)
{
    ck_assert_int_eq(
        load("[workflow]\nname = t\n"
             "[input.a]\ntype = text\n"                                   /* 3, 4 */
             "[step.w1]\nwait = later\n"                                  /* 5, 6 */
             "[step.w2]\nwait = approval\nplugin = noop\n"                /* 7, 8, 9 */
             "[step.w3]\nwait = input:ghost\n"                            /* 10, 11 */
             "[step.p]\nplugin = noop\nwrites = made\n"                   /* 12, 13, 14 */
             "[step.w4]\nwait = input:made\n"                             /* 15, 16 */
             "[step.w5]\nwait = until:nothing\n"                          /* 17, 18 */
             "[step.w6]\nwait = approval\ncolour = red\n"                 /* 19, 20, 21 */
             "[step.w7]\nwait = input:\n",                                /* 22, 23 */
             NULL),
        -1);
    has_error(6, "step w1: wait: found \"later\", expected input:NAME, approval or until:DATE");
    has_error(8, "step w2: a wait step cannot also have plugin = or script =");
    has_error(10, "step w3: waits for \"ghost\", which is neither an input nor data a step writes");
    has_error(15, "step w4: wait = input:made names data a step writes; expected an input");
    has_error(17, "step w5: waits for \"nothing\", which is neither an input nor data a step "
                  "writes");
    has_error(21, "step w6: unknown key \"colour\" for a wait step (allowed: wait, what, "
                  "four_eyes, reads, writes, after, when)");
    has_error(23, "step w7: wait: found \"input:\", expected input:NAME");
}
END_TEST

/* ---- sections and the whole file ---- */

START_TEST(sections_and_workflow_keys)
{
    ck_assert_int_eq(load("stray = 1\n"                              /* 1 */
                          "[workflow]\nname = t\nauthor = me\n"      /* 2, 3, 4 */
                          "[steps.a]\nplugin = noop\n"               /* 5, 6 */
                          "[engine]\ntimeout = soon\n",              /* 7, 8 */
                          NULL),
                     -1);
    has_error(1, "key \"stray\" outside any section (only include = FILE may stand there)");
    has_error(4, "unknown key \"author\" in [workflow] (allowed: name, description, version, case)");
    has_error(5, "unknown section [steps.a] (expected [workflow], [engine], [input.NAME] or "
                 "[step.NAME])");
    has_error(8, "timeout: found \"soon\", expected seconds >= 0");
    /* every error of the file in one load: 4 here, nothing stops at the first */
    ck_assert_uint_eq(errs.n, 4);
    ck_assert_int_eq(load("[input.a]\ntype = text\n", NULL), -1);
    has_error(1, "missing [workflow] section with name = (the workflow's name)");
    ck_assert_int_eq(load("[workflow]\ndescription = nameless\n", NULL), -1);
    has_error(1, "missing [workflow] section with name =");
}
END_TEST

START_TEST(engine_section_overrides_the_configuration)
{
    LOADS("[workflow]\nname = t\n[engine]\ntimeout = 7\njobs = 3\nmemory_mb = 16\n"
          "[step.a]\nplugin = noop\n[step.b]\nplugin = noop\ntimeout = 2\n");
    ck_assert(wf.cfg.step_timeout == 7.0);
    ck_assert_int_eq(wf.cfg.jobs, 3);
    ck_assert(step("a")->timeout == 7.0); /* the workflow's default */
    ck_assert_uint_eq(step("a")->limits.memory, (size_t)16 * 1024 * 1024);
    ck_assert(step("b")->timeout == 2.0); /* the step's own */
    ck_assert(cfg.step_timeout != 7.0);   /* the engine's configuration is untouched */
}
END_TEST

START_TEST(shipped_workflows_load)
{
    const char *names[] = { "demo", "tender-evaluation", "stakeholder-analysis", NULL };
    for (int i = 0; names[i]; i++) {
        char *path = rg_workflow_find(&cfg, names[i]);
        ck_assert_msg(path != NULL, "%s not on the workflow path %s", names[i], cfg.workflow_path);
        char *want = rg_xasprintf("/etc/workflows/%s.ini", names[i]);
        ck_assert_msg(strstr(path, want) != NULL, "%s", path);
        free(want);
        rg_workflow_free(&wf);
        rg_err_free(&errs);
        int rc = (rg_workflow_load(&wf, path, &cfg, NULL, 0, &errs) |
                  rg_workflow_bind(&wf, &plugins, &rg_host, lua, &errs));
        char *e = all_errors();
        ck_assert_msg(rc == 0 && errs.n == 0, "%s: %s", names[i], e);
        free(e);
        ck_assert_str_eq(wf.name, names[i]);
        ck_assert_uint_gt(wf.nsteps, 1);
        order_is_topological();
        /* found by its path too */
        char *again = rg_workflow_find(&cfg, path);
        ck_assert_str_eq(again, path);
        free(again);
        free(path);
    }
    ck_assert_ptr_null(rg_workflow_find(&cfg, "no-such-workflow"));
    ck_assert_ptr_null(rg_workflow_find(&cfg, "/nowhere/x.ini"));
}
END_TEST

START_TEST(graph_as_dot)
{
    LOADS("[workflow]\nname = d\"q\n"
          "[input.costs]\ntype = csv\n"
          "[input.extra]\ntype = csv\nrequired = no\n"
          "[step.sum]\nscript = plain.lua\nreads = costs, ?extra\nwrites = totals\n"
          "[step.gate]\nwait = approval\nafter = sum\n");
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    rg_workflow_dot(&wf, f);
    fclose(f);
    ck_assert_msg(strncmp(text, "digraph \"d\\\"q\" {", 16) == 0, "%s", text);
    ck_assert_ptr_nonnull(strstr(text, "\"step:sum\" -> \"data:totals\";"));
    ck_assert_ptr_nonnull(strstr(text, "\"data:costs\" -> \"step:sum\";"));
    ck_assert_ptr_nonnull(strstr(text, "\"data:extra\" -> \"step:sum\" [style=dashed];"));
    ck_assert_ptr_nonnull(strstr(text, "\"step:sum\" -> \"step:gate\" [style=dotted];"));
    ck_assert_ptr_nonnull(strstr(text, "(script plain.lua)"));
    ck_assert_ptr_nonnull(strstr(text, "(wait approval)"));
    ck_assert_int_eq(text[len - 2], '}');
    free(text);
}
END_TEST

/* Loading checks the structure and attaches nothing; binding attaches the
 * plugins and scripts.  Their errors come out as one reading of the file
 * gives them: a step's own errors, then those of what it runs, then the
 * next step's, and the DAG's last. */
START_TEST(bind_errors_where_loading_reported_them)
{
    free(t_write(t_dir, "wf.ini",
                 "[workflow]\nname = t\n"
                 "[step.a]\nplugin = noop\nretries = x\nbogus = 1\n"          /* 3-6 */
                 "[step.b]\nscript = missing.lua\nreads = nothing\ntimeout = -1\n" /* 7-10 */
                 "[step.c]\nscript = step.lua\n"));                          /* 11, 12 */
    ck_assert_int_eq(rg_workflow_load(&wf, wf_path, &cfg, NULL, 0, &errs), -1);
    ck_assert_uint_eq(errs.n, 3);
    ck_assert_ptr_null(step("a")->plugin);
    ck_assert_ptr_null(step("b")->script_file);
    ck_assert_ptr_null(step("c")->ptable);
    ck_assert_int_eq(rg_workflow_bind(&wf, &plugins, &rg_host, lua, &errs), -1);
    ck_assert_ptr_nonnull(step("a")->plugin);
    ck_assert_ptr_nonnull(step("c")->ptable);
    static const struct {
        int line;
        const char *start;
    } want[] = {
        { 5, "retries: found \"x\"" },
        { 6, "step a: unknown key \"bogus\" for this plugin" },
        { 10, "timeout: found \"-1\"" },
        { 8, "step b: script \"missing.lua\" not found" },
        { 11, "step c: missing required key \"level\"" },
        { 9, "step b reads \"nothing\", which no input or step provides" },
    };
    char *e = all_errors();
    ck_assert_msg(errs.n == sizeof want / sizeof want[0], "%s", e);
    for (size_t i = 0; i < errs.n; i++) {
        char *w = rg_xasprintf("%s:%d: %s", wf_path, want[i].line, want[i].start);
        ck_assert_msg(strncmp(errs.msg[i], w, strlen(w)) == 0, "error %zu: want %s...; all:\n%s",
                      i, w, e);
        free(w);
    }
    free(e);
}
END_TEST

Suite *suite_workflow(void);
Suite *suite_workflow(void)
{
    Suite *s = suite_create("workflow");
    TCase *tc = tcase_create("load");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, inputs_types_defaults_and_columns);
    tcase_add_test(tc, input_errors_name_file_and_line);
    tcase_add_test(tc, set_values_substituted_and_checked);
    tcase_add_test(tc, steps_reads_writes_and_settings);
    tcase_add_test(tc, step_errors_name_file_and_line);
    tcase_add_test(tc, dag_errors);
    tcase_add_test(tc, bind_errors_where_loading_reported_them);
    tcase_add_test(tc, cycles_are_refused_with_every_step_in_them);
    tcase_add_test(tc, when_conditions_and_their_data);
    tcase_add_test(tc, wait_kinds);
    tcase_add_test(tc, wait_errors);
    tcase_add_test(tc, sections_and_workflow_keys);
    tcase_add_test(tc, engine_section_overrides_the_configuration);
    tcase_add_test(tc, shipped_workflows_load);
    tcase_add_test(tc, graph_as_dot);
    suite_add_tcase(s, tc);
    return s;
}
