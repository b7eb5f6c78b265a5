/* ini.c - INI files through inih, keeping the file and line of every key.
 *
 * Debian's libinih is built without line numbers for the handler and with a
 * 200-byte line buffer, so lines are fed to it through our own reader: it
 * counts lines (the handler then knows where a key stands) and hands inih a
 * short stand-in for any longer line, whose real value is kept aside. */
#define _GNU_SOURCE
#include "rg_ini.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define RG_INI_MAX_DEPTH 8
#define LONG_MARK '\x01'

typedef struct parse_state {
    rg_ini *ini;
    const char *file; /* interned */
    FILE *fp;
    int line;
    int continuation; /* the current line started with blanks */
    int section_line; /* line of the last [section] header */
    char **longvals;  /* values of lines too long for inih */
    size_t nlong;
    rg_errors *errs;
    int depth;
    char **stack; /* files being read, for loop detection */
} parse_state;

static const char *intern_file(rg_ini *ini, const char *path)
{
    for (size_t i = 0; i < ini->nfiles; i++) {
        if (strcmp(ini->files[i], path) == 0) {
            return ini->files[i];
        }
    }
    ini->files = rg_xrealloc(ini->files, (ini->nfiles + 1) * sizeof *ini->files);
    ini->files[ini->nfiles] = rg_xstrdup(path);
    return ini->files[ini->nfiles++];
}

/* Sections are found through the map: a workflow of 100,000 steps must
 * not cost a scan per key.  A name given twice finds its first section. */
rg_section *rg_ini_section(const rg_ini *ini, const char *name)
{
    size_t pos;
    return rg_map_find(&ini->index, name, &pos) == 0 ? &ini->secs[pos] : NULL;
}

rg_kv *rg_section_get(const rg_section *s, const char *key)
{
    if (!s) {
        return NULL;
    }
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->kv[i].key, key) == 0) {
            return &s->kv[i];
        }
    }
    return NULL;
}

static rg_section *get_section(parse_state *ps, const char *name)
{
    rg_section *s = rg_ini_section(ps->ini, name);
    if (s) {
        return s;
    }
    rg_ini *ini = ps->ini;
    if (ini->n == ini->cap) {
        ini->cap = ini->cap ? ini->cap * 2 : 8;
        ini->secs = rg_xrealloc(ini->secs, ini->cap * sizeof *ini->secs);
    }
    s = &ini->secs[ini->n];
    memset(s, 0, sizeof *s);
    s->name = rg_xstrdup(name);
    s->file = ps->file;
    s->line = ps->section_line ? ps->section_line : ps->line;
    rg_map_add(&ini->index, ini->secs[ini->n].name, ini->n, NULL);
    ini->n++;
    return s;
}

char *rg_substitute(const char *value, const char *prefix, rg_subst_fn fn, void *ud,
                    int *unterminated)
{
    char *open = rg_xasprintf("${%s", prefix);
    size_t olen = strlen(open);
    rg_buf b = { 0 };
    rg_buf_puts(&b, "");
    const char *p = value;
    while (*p) {
        const char *st = strstr(p, open);
        if (!st) {
            rg_buf_puts(&b, p);
            break;
        }
        rg_buf_put(&b, p, (size_t)(st - p));
        const char *end = strchr(st + olen, '}');
        if (!end) {
            if (unterminated) {
                *unterminated = 1;
            }
            rg_buf_puts(&b, st);
            break;
        }
        char *name = rg_xstrndup(st + olen, (size_t)(end - st - olen));
        if (fn(ud, name, &b) != 0) {
            rg_buf_put(&b, st, (size_t)(end - st + 1));
        }
        free(name);
        p = end + 1;
    }
    free(open);
    return b.data;
}

/* One ${...} of a value as the file is read: ${input.NAME} (when the
 * inputs are known) and ${env:NAME:-default}; ${data.NAME} is left for
 * the run (a wait step's what). */
static int subst_ref(void *ud, char *ref, rg_buf *out)
{
    parse_state *ps = ud;
    if (strncmp(ref, "input.", 6) == 0) {
        return 1; /* resolved by the workflow, which knows the inputs */
    } else if (strncmp(ref, "data.", 5) == 0) {
        return 1; /* a wait step's what: filled in when the wait opens */
    } else if (strncmp(ref, "env:", 4) == 0) {
        char *name = ref + 4;
        char *def = strstr(name, ":-");
        if (def) {
            *def = 0;
            def += 2;
        }
        const char *v = getenv(name);
        if (v && *v) {
            rg_buf_puts(out, v);
        } else if (def) {
            rg_buf_puts(out, def);
        } else {
            rg_err_add(ps->errs, ps->file, ps->line,
                       "${env:%s}: environment variable not set and no default given "
                       "(write ${env:%s:-DEFAULT})",
                       name, name);
        }
    } else {
        rg_err_add(ps->errs, ps->file, ps->line,
                   "unknown substitution ${%s} (expected ${input.NAME}, ${env:NAME:-default} "
                   "or, in a wait step's what, ${data.NAME})",
                   ref);
    }
    return 0;
}

static char *substitute(parse_state *ps, const char *value)
{
    int unterminated = 0;
    char *v = rg_substitute(value, "", subst_ref, ps, &unterminated);
    if (unterminated) {
        rg_err_add(ps->errs, ps->file, ps->line, "unterminated \"${\" in value \"%s\"", value);
    }
    return v;
}

static int load_file(parse_state *parent, rg_ini *ini, const char *path, int depth);

static int handler(void *user, const char *section, const char *name, const char *value)
{
    parse_state *ps = user;
    if (ps->continuation) {
        rg_err_add(ps->errs, ps->file, ps->line,
                   "continuation lines are not supported: put the value of \"%s\" on one line",
                   name);
        return 1;
    }
    if (value && value[0] == LONG_MARK) {
        size_t idx = (size_t)strtoul(value + 1, NULL, 10);
        value = idx < ps->nlong ? ps->longvals[idx] : "";
    }
    if (strcmp(name, "include") == 0) {
        char *val = substitute(ps, value ? value : "");
        char *target;
        if (val[0] == '/') {
            target = rg_xstrdup(val);
        } else {
            const char *slash = strrchr(ps->file, '/');
            target = slash ? rg_xasprintf("%.*s/%s", (int)(slash - ps->file), ps->file, val)
                           : rg_xstrdup(val);
        }
        free(val);
        load_file(ps, ps->ini, target, ps->depth + 1);
        free(target);
        return 1;
    }
    rg_section *s = get_section(ps, section);
    rg_kv *old = rg_section_get(s, name);
    if (old) {
        rg_err_add(ps->errs, ps->file, ps->line, "duplicate key \"%s\" in [%s] (first at %s:%d)",
                   name, section, old->file, old->line);
        return 1;
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->kv = rg_xrealloc(s->kv, s->cap * sizeof *s->kv);
    }
    rg_kv *kv = &s->kv[s->n++];
    kv->key = rg_xstrdup(name);
    kv->value = substitute(ps, value ? value : "");
    kv->file = ps->file;
    kv->line = ps->line;
    kv->used = 0;
    return 1;
}

/* Strip an inline comment the way inih does: ';' or '#' after a blank. */
static void strip_inline_comment(char *s)
{
    for (char *p = s + 1; *p; p++) {
        if ((*p == ';' || *p == '#') && (p[-1] == ' ' || p[-1] == '\t')) {
            *p = 0;
            break;
        }
    }
}

static char *reader(char *str, int num, void *stream)
{
    parse_state *ps = stream;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, ps->fp);
    if (n < 0) {
        free(line);
        return NULL;
    }
    ps->line++;
    ps->continuation = 0;
    {
        const char *t = line;
        while (*t == ' ' || *t == '\t') {
            t++;
        }
        if (*t == '[') {
            ps->section_line = ps->line;
        }
    }
    /* a line starting with blanks and holding text continues the previous
     * one in inih's dialect; we refuse that (one key per line) */
    if ((line[0] == ' ' || line[0] == '\t')) {
        char *t = line;
        while (*t == ' ' || *t == '\t') {
            t++;
        }
        if (*t && *t != '\n' && *t != '\r' && *t != ';' && *t != '#' && *t != '[') {
            ps->continuation = ps->line > 1;
        }
    }
    if (n < num - 1) {
        memcpy(str, line, (size_t)n + 1);
        free(line);
        return str;
    }
    /* too long for inih: keep the value aside, hand over a stand-in */
    char *eq = strchr(line, '=');
    if (!eq) {
        eq = strchr(line, ':');
    }
    size_t keylen = eq ? (size_t)(eq - line) : 0;
    if (!eq || keylen + 24 >= (size_t)num) {
        rg_err_add(ps->errs, ps->file, ps->line, "line too long or without \"key = value\"");
        snprintf(str, (size_t)num, ";\n");
        free(line);
        return str;
    }
    char *val = rg_trim(eq + 1);
    strip_inline_comment(val);
    val = rg_trim(val);
    ps->longvals = rg_xrealloc(ps->longvals, (ps->nlong + 1) * sizeof *ps->longvals);
    ps->longvals[ps->nlong] = rg_xstrdup(val);
    snprintf(str, (size_t)num, "%.*s= %c%zu\n", (int)keylen, line, LONG_MARK, ps->nlong);
    ps->nlong++;
    free(line);
    return str;
}

static int load_file(parse_state *parent, rg_ini *ini, const char *path, int depth)
{
    rg_errors *errs = parent->errs;
    if (depth > RG_INI_MAX_DEPTH) {
        rg_err_add(errs, parent->file, parent->line, "include of %s: deeper than %d levels", path,
                   RG_INI_MAX_DEPTH);
        return -1;
    }
    char *real = realpath(path, NULL);
    for (int i = 0; real && i < depth; i++) {
        if (parent->stack[i] && strcmp(parent->stack[i], real) == 0) {
            rg_err_add(errs, parent->file, parent->line, "include loop: %s includes itself", path);
            free(real);
            return -1;
        }
    }
    FILE *fp = fopen(path, "r");
    if (!fp) {
        int e = errno;
        rg_err_add(errs, parent->file, parent->line, "cannot read %s: %s", path, strerror(e));
        free(real);
        return -1;
    }
    parse_state ps = *parent;
    ps.file = intern_file(ini, path);
    ps.fp = fp;
    ps.line = 0;
    ps.section_line = 0;
    ps.continuation = 0;
    ps.longvals = NULL;
    ps.nlong = 0;
    ps.depth = depth;
    ps.stack[depth] = real;
    size_t before = errs->n;
    int rc = ini_parse_stream(reader, &ps, handler, &ps);
    if (rc > 0 && errs->n == before) {
        rg_err_add(errs, ps.file, rc, "syntax error: expected [section], key = value or a comment");
    } else if (rc < 0) {
        rg_err_add(errs, ps.file, 0, "cannot parse (out of memory)");
    }
    fclose(fp);
    rg_strv_free(ps.longvals, ps.nlong);
    ps.stack[depth] = NULL;
    free(real);
    return errs->n > before ? -1 : 0;
}

int rg_ini_load(rg_ini *ini, const char *path, rg_errors *errs)
{
    memset(ini, 0, sizeof *ini);
    char *stack[RG_INI_MAX_DEPTH + 2] = { 0 };
    parse_state root = { 0 };
    root.ini = ini;
    root.file = NULL;
    root.errs = errs;
    root.stack = stack;
    size_t before = errs->n;
    load_file(&root, ini, path, 0);
    return errs->n > before ? -1 : 0;
}

void rg_ini_free(rg_ini *ini)
{
    for (size_t i = 0; i < ini->n; i++) {
        rg_section *s = &ini->secs[i];
        for (size_t k = 0; k < s->n; k++) {
            free(s->kv[k].key);
            free(s->kv[k].value);
        }
        free(s->kv);
        free(s->name);
    }
    free(ini->secs);
    rg_map_free(&ini->index);
    rg_strv_free(ini->files, ini->nfiles);
    memset(ini, 0, sizeof *ini);
}

int rg_ini_to_table(const char *path, regie_table **out, rg_errors *errs)
{
    rg_ini ini;
    *out = NULL;
    if (rg_ini_load(&ini, path, errs) != 0) {
        rg_ini_free(&ini);
        return -1;
    }
    static const char *const cols[] = { "section", "key", "value" };
    regie_table *t = rg_table_new(3, cols);
    rg_table_set_source(t, path);
    for (size_t i = 0; i < ini.n; i++) {
        rg_section *s = &ini.secs[i];
        for (size_t k = 0; k < s->n; k++) {
            regie_value row[3] = { rg_str_value(s->name), rg_str_value(s->kv[k].key),
                                   rg_str_value(s->kv[k].value) };
            rg_table_append(t, row, s->kv[k].line);
        }
    }
    rg_ini_free(&ini);
    *out = t;
    return 0;
}
