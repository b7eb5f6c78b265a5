/* The core's layers, checked on the built objects and on the sources.
 *
 * Folders rank the core: base (0) < data (1) < engine = lua (2) < store (3)
 * < cli = web (4) (web: the console of `regie serve`, in the binary only).  From `nm` on the engine library and the CLI's objects, each
 * object's undefined symbols are matched to the object that defines them:
 * that gives the call graph between core files.  It must have no cycle, and
 * no file may call a file of a higher folder.  No source may include a
 * header of a higher folder either.  core/regie.h (the plugin ABI) is below
 * every folder.  See doc/architecture.md. */
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FILES 256
#define MAX_SYMS 8192

static const char *const folders[] = {"base", "data", "engine", "lua", "store", "cli", "web"};
static const int folder_rank[] = {0, 1, 2, 2, 3, 4, 4};
#define NFOLDERS (sizeof folders / sizeof *folders)

typedef struct {
    char name[96];   /* source file without .c, e.g. "util" */
    int folder;      /* index into folders */
} arch_file;

typedef struct {
    arch_file files[MAX_FILES];
    int nfiles;
    unsigned char edge[MAX_FILES][MAX_FILES]; /* edge[a][b]: a calls b */
    char why[MAX_FILES][MAX_FILES][64];       /* one symbol for each edge */
} arch_graph;

/* The folder that holds core/FOLDER/NAME (a source or header), or -1. */
static int folder_of(const char *name)
{
    for (size_t f = 0; f < NFOLDERS; f++) {
        char *rel = t_asprintf("core/%s/%s", folders[f], name);
        char *path = t_src(rel);
        struct stat sb;
        int found = stat(path, &sb) == 0;
        free(path);
        free(rel);
        if (found)
            return (int)f;
    }
    return -1;
}

static int file_index(arch_graph *g, const char *name)
{
    for (int i = 0; i < g->nfiles; i++)
        if (strcmp(g->files[i].name, name) == 0)
            return i;
    char src[128];
    snprintf(src, sizeof src, "%s.c", name);
    int folder = folder_of(src);
    if (folder < 0 || g->nfiles >= MAX_FILES)
        return -1;
    snprintf(g->files[g->nfiles].name, sizeof g->files[0].name, "%s", name);
    g->files[g->nfiles].folder = folder;
    return g->nfiles++;
}

/* "…/libregie.a[libregie_la-util.o]" or "…/regie-cli.o" -> "util" / "cli". */
static int object_source(const char *obj, char *out, size_t n)
{
    const char *base = strrchr(obj, '[');
    base = base ? base + 1 : (strrchr(obj, '/') ? strrchr(obj, '/') + 1 : obj);
    const char *dash = strchr(base, '-');
    if (dash && (strncmp(base, "libregie_la-", 12) == 0 || strncmp(base, "regie-", 6) == 0))
        base = dash + 1;
    size_t len = strcspn(base, ".]");
    if (len == 0 || len >= n)
        return -1;
    memcpy(out, base, len);
    out[len] = '\0';
    return 0;
}

typedef struct {
    char sym[64];
    int file;
} sym_def;

/* Read `nm -A -P` output for the core's objects into g. */
static void read_call_graph(arch_graph *g, const char *objects)
{
    static sym_def defs[MAX_SYMS];
    static struct {
        char sym[64];
        int file;
    } uses[MAX_SYMS * 4];
    int ndefs = 0, nuses = 0;
    char *cmd = t_asprintf("nm -A -P %s 2>&1", objects);
    FILE *p = popen(cmd, "r");
    ck_assert_msg(p != NULL, "cannot run: %s", cmd);
    char line[1024];
    int lines = 0;
    while (fgets(line, sizeof line, p)) {
        /* OBJECT: SYMBOL TYPE [VALUE SIZE] */
        char *colon = strstr(line, ": ");
        if (!colon)
            continue;
        *colon = '\0';
        char sym[512], type[8];
        if (sscanf(colon + 2, "%511s %7s", sym, type) != 2)
            continue;
        lines++;
        char src[96];
        if (object_source(line, src, sizeof src) != 0)
            continue;
        int f = file_index(g, src);
        if (f < 0 || strlen(sym) >= sizeof defs[0].sym)
            continue;
        if (type[0] == 'U') {
            ck_assert_int_lt(nuses, (int)(sizeof uses / sizeof *uses));
            snprintf(uses[nuses].sym, sizeof uses[0].sym, "%s", sym);
            uses[nuses++].file = f;
        } else if (strchr("TDBRWVC", type[0])) { /* global definitions only */
            ck_assert_int_lt(ndefs, MAX_SYMS);
            snprintf(defs[ndefs].sym, sizeof defs[0].sym, "%s", sym);
            defs[ndefs++].file = f;
        }
    }
    int rc = pclose(p);
    ck_assert_msg(rc == 0 && lines > 0, "`%s` failed or printed nothing (is binutils installed?)", cmd);
    free(cmd);
    for (int u = 0; u < nuses; u++)
        for (int d = 0; d < ndefs; d++)
            if (strcmp(uses[u].sym, defs[d].sym) == 0 && defs[d].file != uses[u].file) {
                int a = uses[u].file, b = defs[d].file;
                if (!g->edge[a][b])
                    snprintf(g->why[a][b], sizeof g->why[a][b], "%.63s", uses[u].sym);
                g->edge[a][b] = 1;
                break;
            }
}

/* A call cycle as "a -> b -> a (symbols)", or NULL.  Caller frees. */
static int dfs_state[MAX_FILES], dfs_stack[MAX_FILES], dfs_depth;
static char *dfs(const arch_graph *g, int v)
{
    dfs_state[v] = 1;
    dfs_stack[dfs_depth++] = v;
    for (int w = 0; w < g->nfiles; w++) {
        if (!g->edge[v][w])
            continue;
        if (dfs_state[w] == 1) {
            char buf[2048] = "";
            size_t len = 0;
            int from = 0;
            while (dfs_stack[from] != w)
                from++;
            for (int i = from; i < dfs_depth; i++) {
                int a = dfs_stack[i], b = i + 1 < dfs_depth ? dfs_stack[i + 1] : w;
                len += (size_t)snprintf(buf + len, sizeof buf - len < 2 ? 0 : sizeof buf - len, "%s/%s.c -> (%s) ",
                                        folders[g->files[a].folder], g->files[a].name, g->why[a][b]);
                if (len >= sizeof buf)
                    len = sizeof buf - 1;
            }
            snprintf(buf + len, sizeof buf - len, "%s/%s.c", folders[g->files[w].folder], g->files[w].name);
            return strdup(buf);
        }
        if (dfs_state[w] == 0) {
            char *c = dfs(g, w);
            if (c)
                return c;
        }
    }
    dfs_state[v] = 2;
    dfs_depth--;
    return NULL;
}

static char *find_cycle(const arch_graph *g)
{
    memset(dfs_state, 0, sizeof dfs_state);
    dfs_depth = 0;
    for (int v = 0; v < g->nfiles; v++)
        if (dfs_state[v] == 0) {
            char *c = dfs(g, v);
            if (c)
                return c;
        }
    return NULL;
}

static arch_graph *core_graph(void)
{
    arch_graph *g = calloc(1, sizeof *g);
    ck_assert_ptr_nonnull(g);
    char *lib = t_build("core/.libs/libregie.a");
    char *cli = t_build("core/cli/regie-cli.o");
    char *objects = t_asprintf("'%s' '%s'", lib, cli);
    /* the console's objects, when it is built */
    static const char *const web[] = { "core/web/regie-serve.o", "core/web/regie-html.o" };
    for (size_t i = 0; i < sizeof web / sizeof *web; i++) {
        char *o = t_build(web[i]);
        struct stat sb;
        if (stat(o, &sb) == 0) {
            char *more = t_asprintf("%s '%s'", objects, o);
            free(objects);
            objects = more;
        }
        free(o);
    }
    read_call_graph(g, objects);
    free(objects);
    free(cli);
    free(lib);
    return g;
}

START_TEST(finder_sees_a_cycle_and_an_upward_call)
{
    arch_graph *g = calloc(1, sizeof *g);
    ck_assert_ptr_nonnull(g);
    const char *names[] = {"util", "csv", "workflow"};
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(file_index(g, names[i]), i);
    ck_assert_int_eq(g->files[0].folder, 0);
    ck_assert_int_eq(g->files[1].folder, 1);
    ck_assert_int_eq(g->files[2].folder, 2);
    g->edge[2][1] = g->edge[1][0] = 1;
    ck_assert_ptr_null(find_cycle(g));
    g->edge[0][2] = 1;
    strcpy(g->why[0][2], "rg_workflow_load");
    char *c = find_cycle(g);
    ck_assert_ptr_nonnull(c);
    ck_assert_msg(strstr(c, "base/util.c -> (rg_workflow_load) engine/workflow.c"), "%s", c);
    free(c);
    char src[96];
    ck_assert_int_eq(object_source("x/libregie.a[libregie_la-lua_step.o]", src, sizeof src), 0);
    ck_assert_str_eq(src, "lua_step");
    ck_assert_int_eq(object_source("build/core/cli/regie-cli.o", src, sizeof src), 0);
    ck_assert_str_eq(src, "cli");
    free(g);
}
END_TEST

START_TEST(no_call_cycle_between_core_files)
{
    arch_graph *g = core_graph();
    ck_assert_msg(g->nfiles >= 10, "only %d core objects found in the build", g->nfiles);
    char *c = find_cycle(g);
    ck_assert_msg(c == NULL, "call cycle: %s", c ? c : "");
    free(g);
}
END_TEST

START_TEST(no_call_to_a_higher_layer)
{
    arch_graph *g = core_graph();
    char report[4096] = "";
    size_t len = 0;
    for (int a = 0; a < g->nfiles; a++)
        for (int b = 0; b < g->nfiles; b++)
            if (g->edge[a][b] && folder_rank[g->files[b].folder] > folder_rank[g->files[a].folder] &&
                len + 200 < sizeof report)
                len += (size_t)snprintf(report + len, sizeof report - len, "\n  %s/%s.c calls %s/%s.c (%s)",
                                        folders[g->files[a].folder], g->files[a].name,
                                        folders[g->files[b].folder], g->files[b].name, g->why[a][b]);
    ck_assert_msg(len == 0, "a lower layer calls a higher one:%s", report);
    free(g);
}
END_TEST

/* Every `#include "X"` in core/FOLDER/ names a header of the same or a lower
 * folder (or core/regie.h, or a header outside the core). */
START_TEST(no_include_of_a_higher_layer)
{
    char report[4096] = "";
    size_t len = 0;
    int scanned = 0;
    for (size_t f = 0; f < NFOLDERS; f++) {
        char *rel = t_asprintf("core/%s", folders[f]);
        char *dir = t_src(rel);
        DIR *d = opendir(dir);
        ck_assert_msg(d != NULL, "cannot open %s", dir);
        struct dirent *e;
        while ((e = readdir(d))) {
            size_t n = strlen(e->d_name);
            if (n < 3 || (strcmp(e->d_name + n - 2, ".c") && strcmp(e->d_name + n - 2, ".h")))
                continue;
            char *path = t_asprintf("%s/%s", dir, e->d_name);
            char *text = t_read(path);
            ck_assert_ptr_nonnull(text);
            scanned++;
            for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                char hdr[128];
                if (sscanf(line, "#include \"%127[^\"]\"", hdr) != 1)
                    continue;
                int hf = folder_of(hdr);
                if (hf >= 0 && folder_rank[hf] > folder_rank[f] && len + 200 < sizeof report)
                    len += (size_t)snprintf(report + len, sizeof report - len, "\n  core/%s/%s includes core/%s/%s",
                                            folders[f], e->d_name, folders[hf], hdr);
            }
            free(text);
            free(path);
        }
        closedir(d);
        free(dir);
        free(rel);
    }
    ck_assert_int_gt(scanned, 10);
    ck_assert_msg(len == 0, "a lower layer includes a higher one:%s", report);
}
END_TEST

Suite *suite_arch(void);
Suite *suite_arch(void)
{
    Suite *s = suite_create("arch");
    TCase *tc = tcase_create("layers");
    tcase_add_test(tc, finder_sees_a_cycle_and_an_upward_call);
    tcase_add_test(tc, no_call_cycle_between_core_files);
    tcase_add_test(tc, no_call_to_a_higher_layer);
    tcase_add_test(tc, no_include_of_a_higher_layer);
    suite_add_tcase(s, tc);
    return s;
}
