/* pdf - letters as A4 PDF documents in a house style an admin edits without C.
 *
 * The step reads a table of letters (param `letters`): one PDF per row, at
 * the row's `path` below the output directory.  `body` is the letter text
 * in the Markdown subset the letter templates use (`# ` and `## `
 * headings, paragraphs, `- ` lists, `**bold**`, pipe tables); the optional
 * columns `addressee` (lines), `place_date`, `reference` (kenmerk),
 * `subject` and `signature` (lines) fill the letterhead and the end.  The
 * house style (param `style`: an `ini` input the step reads, or an INI
 * file) gives the sender block, the logo, the font, the margins, the
 * signature and the footer (doc/letters.md).
 *
 * Rendering is cairo + pango: never hand-written PDF.  The letters are
 * rendered in parallel, each worker thread with a font map and a pango
 * context of its own (a PangoFontMap is not safe to share between
 * threads); the files are handed to the host in row order by the step's
 * own thread, with a bounded number of finished letters in memory. */
#define _GNU_SOURCE
#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <pango/pangocairo.h>
#include <pthread.h>
#include <regie.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "markdown.h"
#include "sbuf.h"

#define PAGE_W 595.28 /* A4 in points */
#define PAGE_H 841.89
#define MM (72.0 / 25.4)
#define MAX_LINES 12

static const regie_param params[] = {
    { "letters", REGIE_PARAM_STRING, 1, NULL,
      "name of the table of letters (one of the step's reads); columns path (e.g. "
      "letters/A.pdf), body (Markdown subset: # heading, paragraphs, - lists, **bold**, pipe "
      "tables) and optionally addressee (lines), place_date (e.g. Assen, 28 april 2026), "
      "reference (kenmerk), subject, signature (lines: else the style's), date (YYYY-MM-DD: "
      "the PDF's creation date unless SOURCE_DATE_EPOCH is set)", 0 },
    { "style", REGIE_PARAM_STRING, 0, NULL,
      "the house style: the name of an ini input the step reads (a default file next to the "
      "workflow is found there), or the path of an INI file (relative: to the current "
      "directory); none: a plain style. Sections [page] [font] [sender] [signature] [footer] "
      "[document] (doc/letters.md)", 0 },
    { "threads", REGIE_PARAM_INT, 0, "0",
      "letters rendered at the same time (0: the number of CPUs)", 0 },
    { "html", REGIE_PARAM_BOOL, 0, "yes",
      "also write each letter as HTML beside its PDF (the path with .html for .pdf): the same "
      "house style as a web page that prints on A4", 0 },
    { "pages", REGIE_PARAM_STRING, 0, NULL,
      "name of an integer value to write with the number of pages rendered (one of the step's "
      "writes)", 0 },
    { 0 },
};

/* ---- the house style ---- */
typedef struct style {
    double margin_top, margin_bottom, margin_left, margin_right; /* points */
    char *font;
    long font_line; /* where [font] family was set, for the warning */
    double font_size, heading_size;
    char *sender[MAX_LINES];
    int nsender;
    char *logo;           /* resolved path, or NULL */
    unsigned char *logo_png; /* its bytes */
    size_t logo_len;
    double logo_width; /* points */
    char *signature[MAX_LINES];
    int nsignature;
    char *footer;
    char *page_text; /* "pagina {page} van {pages}" */
    char *author;
    char *creator;
} style;

static void style_init(style *s)
{
    memset(s, 0, sizeof *s);
    s->margin_top = 20 * MM;
    s->margin_bottom = 25 * MM;
    s->margin_left = 25 * MM;
    s->margin_right = 20 * MM;
    s->font = strdup("DejaVu Sans");
    s->font_size = 10;
    s->heading_size = 13;
    s->logo_width = 40 * MM;
    s->page_text = strdup("pagina {page} van {pages}");
    s->creator = strdup("regie (pdf plugin, cairo + pango)");
}

static void style_free(style *s)
{
    free(s->font);
    for (int i = 0; i < MAX_LINES; i++) {
        free(s->sender[i]);
        free(s->signature[i]);
    }
    free(s->logo);
    free(s->logo_png);
    free(s->footer);
    free(s->page_text);
    free(s->author);
    free(s->creator);
}

/* One key of the style; 0, or -1 after reporting the error at file:line. */
typedef struct style_src {
    const regie_host *h;
    regie_ctx *ctx;
    const char *file; /* for messages and the logo's folder */
    int errors;
} style_src;

static int style_err(style_src *src, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int style_err(style_src *src, long line, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0) {
        src->h->log(src->ctx, REGIE_LOG_ERROR, "%s:%ld: %s", src->file, line, msg);
        if (!src->errors) {
            src->h->fail(src->ctx, "%s:%ld: %s", src->file, line, msg);
        }
    } else {
        src->h->log(src->ctx, REGIE_LOG_ERROR, "%s: %s", src->file, msg);
        if (!src->errors) {
            src->h->fail(src->ctx, "%s: %s", src->file, msg);
        }
    }
    src->errors++;
    return -1;
}

static int parse_num(const char *v, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || errno || d < lo || d > hi) {
        return -1;
    }
    while (*end == ' ' || *end == '\t') {
        end++;
    }
    if (*end) {
        return -1;
    }
    *out = d;
    return 0;
}

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = strdup(v);
}

/* line1 .. line12 into v[] */
static int set_line(style_src *src, long line, const char *sec, const char *key, const char *v,
                    char **lines, int *n)
{
    char *end;
    long i = strtol(key + 4, &end, 10);
    if (end == key + 4 || *end || i < 1 || i > MAX_LINES) {
        return style_err(src, line, "[%s] %s: expected line1 to line%d", sec, key, MAX_LINES);
    }
    set_str(&lines[i - 1], v);
    if (i > *n) {
        *n = (int)i;
    }
    return 0;
}

static char *dir_of(const char *file)
{
    const char *slash = strrchr(file, '/');
    return slash ? strndup(file, (size_t)(slash - file)) : strdup(".");
}

static int read_file(const char *path, unsigned char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return -1;
    }
    sbuf b = { 0 };
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
        if (sbuf_put(&b, tmp, n) != 0) {
            fclose(f);
            free(b.p);
            return -1;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(b.p);
        return -1;
    }
    *data = (unsigned char *)b.p;
    *len = b.len;
    return 0;
}

static const char *const style_keys =
    "[page] margin_top, margin_bottom, margin_left, margin_right; [font] family, size, "
    "heading_size; [sender] line1..line12, logo, logo_width; [signature] line1..line12; "
    "[footer] text, page_numbers; [document] author, creator";

static int style_key(style_src *src, style *s, long line, const char *sec, const char *key,
                     const char *v)
{
    double d;
    if (strcmp(sec, "page") == 0) {
        double *m = strcmp(key, "margin_top") == 0      ? &s->margin_top
                    : strcmp(key, "margin_bottom") == 0 ? &s->margin_bottom
                    : strcmp(key, "margin_left") == 0   ? &s->margin_left
                    : strcmp(key, "margin_right") == 0  ? &s->margin_right
                                                        : NULL;
        if (!m) {
            return style_err(src, line, "unknown key \"%s\" in [page] (allowed: margin_top, "
                                        "margin_bottom, margin_left, margin_right)", key);
        }
        if (parse_num(v, 5, 60, &d) != 0) {
            return style_err(src, line, "[page] %s: found \"%s\", expected millimetres from 5 to 60",
                             key, v);
        }
        *m = d * MM;
    } else if (strcmp(sec, "font") == 0) {
        if (strcmp(key, "family") == 0) {
            if (!*v) {
                return style_err(src, line, "[font] family: found \"\", expected a font family "
                                            "(fc-list : family lists them)");
            }
            set_str(&s->font, v);
            s->font_line = line;
        } else if (strcmp(key, "size") == 0 || strcmp(key, "heading_size") == 0) {
            if (parse_num(v, 6, 36, &d) != 0) {
                return style_err(src, line, "[font] %s: found \"%s\", expected points from 6 to 36",
                                 key, v);
            }
            *(key[0] == 's' ? &s->font_size : &s->heading_size) = d;
        } else {
            return style_err(src, line,
                             "unknown key \"%s\" in [font] (allowed: family, size, heading_size)",
                             key);
        }
    } else if (strcmp(sec, "sender") == 0) {
        if (strncmp(key, "line", 4) == 0) {
            return set_line(src, line, sec, key, v, s->sender, &s->nsender);
        } else if (strcmp(key, "logo") == 0) {
            free(s->logo);
            s->logo = NULL;
            free(s->logo_png);
            s->logo_png = NULL;
            if (!*v) {
                return 0;
            }
            if (v[0] == '/') {
                s->logo = strdup(v);
            } else {
                char *dir = dir_of(src->file);
                if (asprintf(&s->logo, "%s/%s", dir, v) < 0) {
                    s->logo = NULL;
                }
                free(dir);
            }
            if (!s->logo || read_file(s->logo, &s->logo_png, &s->logo_len) != 0) {
                return style_err(src, line, "[sender] logo: cannot read %s: %s (a PNG file, "
                                            "relative to the style file)",
                                 s->logo ? s->logo : v, strerror(errno));
            }
            if (s->logo_len < 8 || memcmp(s->logo_png, "\x89PNG\r\n\x1a\n", 8) != 0) {
                return style_err(src, line, "[sender] logo: %s is not a PNG file", s->logo);
            }
        } else if (strcmp(key, "logo_width") == 0) {
            if (parse_num(v, 5, 120, &d) != 0) {
                return style_err(src, line,
                                 "[sender] logo_width: found \"%s\", expected millimetres from 5 to "
                                 "120", v);
            }
            s->logo_width = d * MM;
        } else {
            return style_err(src, line, "unknown key \"%s\" in [sender] (allowed: line1..line%d, "
                                        "logo, logo_width)", key, MAX_LINES);
        }
    } else if (strcmp(sec, "signature") == 0) {
        if (strncmp(key, "line", 4) != 0) {
            return style_err(src, line, "unknown key \"%s\" in [signature] (allowed: line1..line%d)",
                             key, MAX_LINES);
        }
        return set_line(src, line, sec, key, v, s->signature, &s->nsignature);
    } else if (strcmp(sec, "footer") == 0) {
        if (strcmp(key, "text") == 0) {
            set_str(&s->footer, v);
        } else if (strcmp(key, "page_numbers") == 0) {
            if (*v && (!strstr(v, "{page}") || !strstr(v, "{pages}"))) {
                return style_err(src, line, "[footer] page_numbers: found \"%s\", expected a text "
                                            "with {page} and {pages}, e.g. pagina {page} van {pages} "
                                            "(empty: no page numbers)", v);
            }
            set_str(&s->page_text, v);
        } else {
            return style_err(src, line,
                             "unknown key \"%s\" in [footer] (allowed: text, page_numbers)", key);
        }
    } else if (strcmp(sec, "document") == 0) {
        if (strcmp(key, "author") == 0) {
            free(s->author);
            s->author = *v ? strdup(v) : NULL;
        } else if (strcmp(key, "creator") == 0) {
            set_str(&s->creator, v);
        } else {
            return style_err(src, line, "unknown key \"%s\" in [document] (allowed: author, creator)",
                             key);
        }
    } else {
        return style_err(src, line, "unknown section [%s] (the style's keys: %s)", sec,
                         style_keys);
    }
    return 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n')) {
        *--e = 0;
    }
    return s;
}

/* An INI file read here (the style given as a path): [section], key =
 * value, ; and # comments (also after a value, after a space). */
static int style_from_file(style_src *src, style *s, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        return style_err(src, 0, "cannot open the house style: %s", strerror(errno));
    }
    char line[4096];
    char sec[128] = "";
    long ln = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        if (ln == 1 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
            memmove(line, line + 3, strlen(line + 3) + 1);
        }
        char *p = trim(line);
        if (!*p || *p == ';' || *p == '#') {
            continue;
        }
        if (*p == '[') {
            char *e = strchr(p, ']');
            if (!e || e[1]) {
                style_err(src, ln, "found \"%s\", expected a section header [NAME]", p);
                continue;
            }
            *e = 0;
            snprintf(sec, sizeof sec, "%s", trim(p + 1));
            continue;
        }
        char *eq = strchr(p, '=');
        if (!eq) {
            style_err(src, ln, "found \"%s\", expected KEY = VALUE", p);
            continue;
        }
        *eq = 0;
        char *key = trim(p), *v = eq + 1;
        for (char *c = v; *c; c++) {
            if ((*c == ';' || *c == '#') && (c == v || c[-1] == ' ' || c[-1] == '\t')) {
                *c = 0;
                break;
            }
        }
        v = trim(v);
        if (!*sec) {
            style_err(src, ln, "key \"%s\" before any [section]", key);
            continue;
        }
        style_key(src, s, ln, sec, key, v);
    }
    fclose(f);
    return src->errors ? -1 : 0;
}

/* The style as an `ini` input: a table section,key,value with lines. */
static int style_from_table(style_src *src, style *s, const regie_table *t)
{
    const regie_host *h = src->h;
    long cs = h->table_colindex(t, "section"), ck = h->table_colindex(t, "key"),
         cv = h->table_colindex(t, "value");
    if (cs < 0 || ck < 0 || cv < 0) {
        return style_err(src, 0, "the style data is not an ini input (columns section, key, value)");
    }
    for (size_t r = 0; r < h->table_rows(t); r++) {
        const regie_value *a = h->table_cell(t, r, (size_t)cs), *b = h->table_cell(t, r, (size_t)ck),
                          *c = h->table_cell(t, r, (size_t)cv);
        const char *sec = a->type == REGIE_STR ? a->u.s.ptr : "";
        const char *key = b->type == REGIE_STR ? b->u.s.ptr : "";
        const char *v = c->type == REGIE_STR ? c->u.s.ptr : "";
        style_key(src, s, h->table_row_line(t, r), sec, key, v);
    }
    return src->errors ? -1 : 0;
}

/* ---- the letters, as the step's thread read them ---- */
enum { C_PATH, C_BODY, C_ADDRESSEE, C_PLACE_DATE, C_REFERENCE, C_SUBJECT, C_SIGNATURE, C_DATE,
       NCOLS };
static const char *const colnames[NCOLS] = { "path",      "body",    "addressee", "place_date",
                                             "reference", "subject", "signature", "date" };

typedef struct letter {
    const char *f[NCOLS]; /* "" when absent or null */
} letter;

/* ---- layout: what goes where on which page, then drawing ---- */
typedef enum { I_LINE, I_LAYOUT, I_RULE } ikind;

typedef struct item {
    ikind kind;
    int page;
    double x, y; /* line: its baseline; layout: its top left; rule: from */
    double w;    /* rule: length */
    PangoLayout *layout;
    int line;
} item;

/* Layouts of short texts a thread has made before (labels, the sender
 * block, the footer, page numbers, headings, table cells: the same in many
 * letters), kept for the letters after: shaping is much of the work. */
#define CACHE_SLOTS 2048 /* a power of two; at most half of them used */
#define CACHE_MAX_TEXT 256

typedef struct cache_entry {
    char *markup;
    double size, width;
    int bold, align;
    PangoLayout *layout;
} cache_entry;

typedef struct worker_res {
    PangoFontMap *fm;
    PangoContext *pc;
    PangoFontDescription *font; /* the style's family, parsed once */
    cairo_surface_t *logo;
    cache_entry *cache;
    size_t ncached;
} worker_res;

static void cache_clear(worker_res *r)
{
    for (size_t i = 0; r->cache && i < CACHE_SLOTS; i++) {
        if (r->cache[i].layout) {
            g_object_unref(r->cache[i].layout);
            free(r->cache[i].markup);
        }
    }
    if (r->cache) {
        memset(r->cache, 0, CACHE_SLOTS * sizeof *r->cache);
    }
    r->ncached = 0;
}

typedef struct flow {
    const style *st;
    worker_res *res;
    item *v;
    size_t n, cap;
    PangoLayout **owned;
    size_t nowned, capowned;
    int page;
    double y, top, bottom;
} flow;

static item *add_item(flow *f, ikind k)
{
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 128;
        f->v = realloc(f->v, f->cap * sizeof *f->v);
        if (!f->v) {
            abort();
        }
    }
    item *it = &f->v[f->n++];
    memset(it, 0, sizeof *it);
    it->kind = k;
    it->page = f->page;
    return it;
}

static PangoLayout *make_layout(flow *f, const char *markup, double size, int bold, double width,
                                PangoAlignment align);

/* The letter holds l until it is drawn. */
static void keep_layout(flow *f, PangoLayout *l)
{
    if (f->nowned == f->capowned) {
        f->capowned = f->capowned ? f->capowned * 2 : 64;
        f->owned = realloc(f->owned, f->capowned * sizeof *f->owned);
        if (!f->owned) {
            abort();
        }
    }
    f->owned[f->nowned++] = l;
}

/* A layout to draw, not to change (it may be shared with other letters). */
static PangoLayout *new_layout(flow *f, const char *markup, double size, int bold, double width,
                               PangoAlignment align)
{
    worker_res *r = f->res;
    size_t len = strlen(markup);
    if (!r->cache || len > CACHE_MAX_TEXT) {
        return make_layout(f, markup, size, bold, width, align);
    }
    uint64_t hsh = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        hsh = (hsh ^ (unsigned char)markup[i]) * 1099511628211ULL;
    }
    hsh ^= (uint64_t)(size * 64) * 31 + (uint64_t)(width * 64) * 131 + (uint64_t)bold * 7 +
           (uint64_t)align;
    hsh *= 1099511628211ULL;
    size_t i = (size_t)(hsh >> 11) & (CACHE_SLOTS - 1);
    for (;; i = (i + 1) & (CACHE_SLOTS - 1)) {
        cache_entry *e = &r->cache[i];
        if (!e->layout) {
            break;
        }
        if (e->size == size && e->width == width && e->bold == bold && e->align == (int)align &&
            strcmp(e->markup, markup) == 0) {
            return e->layout;
        }
    }
    if (r->ncached >= CACHE_SLOTS / 2) {
        /* full: emptied before the next letter (render_letter) */
        return make_layout(f, markup, size, bold, width, align);
    }
    cache_entry *e = &r->cache[i];
    e->layout = make_layout(f, markup, size, bold, width, align);
    /* the letter lets go of its reference; the cache keeps one */
    g_object_ref(e->layout);
    e->markup = strdup(markup);
    e->size = size;
    e->width = width;
    e->bold = bold;
    e->align = (int)align;
    r->ncached++;
    return e->layout;
}

static PangoLayout *make_layout(flow *f, const char *markup, double size, int bold, double width,
                                PangoAlignment align)
{
    PangoLayout *l = pango_layout_new(f->res->pc);
    PangoFontDescription *fd = pango_font_description_copy_static(f->res->font);
    pango_font_description_set_size(fd, (gint)(size * PANGO_SCALE));
    if (bold) {
        pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    }
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    if (width > 0) {
        pango_layout_set_width(l, (int)(width * PANGO_SCALE));
        pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    }
    pango_layout_set_alignment(l, align);
    pango_layout_set_markup(l, markup, -1);
    keep_layout(f, l);
    return l;
}

static double layout_height(PangoLayout *l)
{
    int w, h;
    pango_layout_get_size(l, &w, &h);
    return (double)h / PANGO_SCALE;
}

static double layout_width(PangoLayout *l)
{
    int w, h;
    pango_layout_get_size(l, &w, &h);
    return (double)w / PANGO_SCALE;
}

static void new_page(flow *f)
{
    f->page++;
    f->y = f->top;
}

/* A layout line by line at x, breaking pages between lines; a paragraph
 * does not leave its first line alone at the foot of a page. */
static void flow_lines(flow *f, PangoLayout *l, double x)
{
    int nlines = pango_layout_get_line_count(l);
    if (nlines > 1 && f->y > f->top) {
        PangoRectangle logical;
        pango_layout_get_extents(l, NULL, &logical);
        double two = 2.0 * (double)logical.height / PANGO_SCALE / nlines;
        if (f->y + two > f->bottom) {
            new_page(f);
        }
    }
    PangoLayoutIter *it = pango_layout_get_iter(l);
    int i = 0;
    do {
        PangoRectangle logical;
        pango_layout_iter_get_line_extents(it, NULL, &logical);
        double top = (double)logical.y / PANGO_SCALE, h = (double)logical.height / PANGO_SCALE;
        double base = (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE;
        if (f->y + h > f->bottom && f->y > f->top) {
            new_page(f);
        }
        item *li = add_item(f, I_LINE);
        li->layout = l;
        li->line = i++;
        li->x = x;
        li->y = f->y + (base - top);
        f->y += h;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
}

static void flow_table(flow *f, const md_block *b, double x0, double width)
{
    const style *st = f->st;
    double pad = 3, size = st->font_size * 0.92;
    int nc = b->ncols;
    double nat[MD_MAX_COLS] = { 0 }, w[MD_MAX_COLS];
    double total = 0;
    /* each cell laid out once: unwrapped to find the columns' natural
     * widths, given a width only when it must wrap */
    size_t ncells = (size_t)b->nrows * (size_t)nc;
    PangoLayout **cell = malloc((ncells ? ncells : 1) * sizeof *cell);
    double *cw = malloc((ncells ? ncells : 1) * sizeof *cw);
    if (!cell || !cw) {
        abort();
    }
    for (int r = 0; r < b->nrows; r++) {
        for (int c = 0; c < nc; c++) {
            size_t k = (size_t)r * (size_t)nc + (size_t)c;
            cell[k] = new_layout(f, b->cells[k], size, b->header && r == 0, -1, PANGO_ALIGN_LEFT);
            cw[k] = layout_width(cell[k]);
            if (cw[k] + 2 * pad > nat[c]) {
                nat[c] = cw[k] + 2 * pad;
            }
        }
    }
    for (int c = 0; c < nc; c++) {
        total += nat[c];
    }
    /* too wide: the text columns give way, the numbers (---:) keep their
     * width */
    double fixed = 0;
    for (int c = 0; c < nc; c++) {
        fixed += c < 16 && b->align[c] == 'r' ? nat[c] : 0;
    }
    int shrink_all = fixed >= width * 0.6 || fixed >= total;
    for (int c = 0; c < nc; c++) {
        int num = c < 16 && b->align[c] == 'r';
        if (total <= width) {
            w[c] = nat[c];
        } else if (shrink_all) {
            w[c] = nat[c] * width / total;
        } else {
            w[c] = num ? nat[c] : nat[c] * (width - fixed) / (total - fixed);
        }
        if (total > width && w[c] < 30 && nat[c] > 30) {
            w[c] = 30;
        }
    }
    for (size_t k = 0; k < ncells; k++) {
        int c = (int)(k % (size_t)nc);
        if (cw[k] > w[c] - 2 * pad + 0.01) {
            /* a copy of its own to wrap: the first may be shared */
            PangoLayout *own = pango_layout_copy(cell[k]);
            keep_layout(f, own);
            cell[k] = own;
            pango_layout_set_width(cell[k], (int)((w[c] - 2 * pad) * PANGO_SCALE));
            pango_layout_set_wrap(cell[k], PANGO_WRAP_WORD_CHAR);
            cw[k] = layout_width(cell[k]);
        }
    }
    double hdr_h = 0;
    for (int r = 0; r < b->nrows; r++) {
        double rh = 0;
        for (int c = 0; c < nc; c++) {
            double h = layout_height(cell[r * nc + c]) + 2 * pad;
            if (h > rh) {
                rh = h;
            }
        }
        if (r == 0 && b->header) {
            hdr_h = rh;
        }
        /* a header row keeps with the first row of the body */
        double need = rh + (r == 0 && b->header && b->nrows > 1 ? rh : 0);
        int rows_here = 1;
        if (f->y + need > f->bottom && f->y > f->top) {
            new_page(f);
            /* the header row again on the new page */
            rows_here = b->header && r > 0 ? 2 : 1;
        }
        for (int pass = rows_here - 1; pass >= 0; pass--) {
            int row = pass ? 0 : r;
            double x = x0;
            for (int c = 0; c < nc; c++) {
                size_t k = (size_t)row * (size_t)nc + (size_t)c;
                item *it = add_item(f, I_LAYOUT);
                it->layout = cell[k];
                /* ---: numbers to the right */
                it->x = x + pad + (c < 16 && b->align[c] == 'r' ? w[c] - 2 * pad - cw[k] : 0);
                it->y = f->y + pad;
                x += w[c];
            }
            f->y += pass ? hdr_h : rh;
            item *ru = add_item(f, I_RULE);
            ru->x = x0;
            ru->y = f->y;
            ru->w = x - x0;
            ru->line = row == 0 && b->header; /* a heavier rule under the header */
        }
    }
    free(cell);
    free(cw);
}

/* Lines joined as markup (escaped). */
static void lines_markup(sbuf *m, const char *text)
{
    char *t = md_inline(text, strlen(text));
    sbuf_puts(m, t);
    free(t);
}

static char *page_label(const char *fmt, int page, int pages)
{
    sbuf b = { 0 };
    for (const char *p = fmt; *p;) {
        char num[16];
        if (strncmp(p, "{pages}", 7) == 0) {
            snprintf(num, sizeof num, "%d", pages);
            sbuf_puts(&b, num);
            p += 7;
        } else if (strncmp(p, "{page}", 6) == 0) {
            snprintf(num, sizeof num, "%d", page);
            sbuf_puts(&b, num);
            p += 6;
        } else {
            sbuf_put(&b, p, 1);
            p++;
        }
    }
    char *m = md_inline(b.p ? b.p : "", b.len);
    free(b.p);
    return m;
}

static cairo_status_t to_sbuf(void *closure, const unsigned char *data, unsigned int length)
{
    return sbuf_put(closure, data, length) == 0 ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_NO_MEMORY;
}

typedef struct render_out {
    sbuf pdf;
    sbuf html; /* when asked for (param html) */
    int pages;
    char *error;
} render_out;

static const char *create_date; /* the documents' creation date, ISO 8601 */
static int source_date_epoch;   /* it comes from SOURCE_DATE_EPOCH */

static void render_letter(const style *st, worker_res *res, const letter *L, render_out *out)
{
    flow f = { .st = st, .res = res };
    if (res->ncached >= CACHE_SLOTS / 2) {
        /* full: start again (the letters' common texts come back at once);
         * between letters, when no letter holds a layout of it */
        cache_clear(res);
    }
    double left = st->margin_left, right = PAGE_W - st->margin_right, width = right - left;
    double small = st->font_size * 0.85;
    f.top = st->margin_top;
    f.bottom = PAGE_H - st->margin_bottom;
    f.page = 0;

    /* ---- page 1: logo, sender, addressee, date, reference, subject ---- */
    double head_bottom = st->margin_top;
    double logo_h = 0;
    if (res->logo) {
        double iw = cairo_image_surface_get_width(res->logo);
        double ih = cairo_image_surface_get_height(res->logo);
        logo_h = iw > 0 ? st->logo_width * ih / iw : 0;
        head_bottom = st->margin_top + logo_h;
    }
    PangoLayout *sender = NULL;
    double sender_w = 70 * MM;
    if (st->nsender) {
        sbuf m = { 0 };
        for (int i = 0; i < st->nsender; i++) {
            if (i) {
                sbuf_puts(&m, "\n");
            }
            if (i == 0) {
                sbuf_puts(&m, "<b>");
            }
            lines_markup(&m, st->sender[i] ? st->sender[i] : "");
            if (i == 0) {
                sbuf_puts(&m, "</b>");
            }
        }
        sender = new_layout(&f, m.p, small, 0, sender_w, PANGO_ALIGN_RIGHT);
        free(m.p);
        double sb = st->margin_top + layout_height(sender);
        if (sb > head_bottom) {
            head_bottom = sb;
        }
    }
    /* the addressee where a window envelope shows it */
    double y = head_bottom + 8 > 50 * MM ? head_bottom + 8 : 50 * MM;
    PangoLayout *addr = NULL;
    if (*L->f[C_ADDRESSEE]) {
        sbuf m = { 0 };
        lines_markup(&m, L->f[C_ADDRESSEE]);
        addr = new_layout(&f, m.p, st->font_size, 0, 85 * MM, PANGO_ALIGN_LEFT);
        free(m.p);
    }
    double addr_y = y;
    y += addr ? layout_height(addr) : 0;
    if (y < 90 * MM) {
        y = 90 * MM;
    } else {
        y += 12;
    }
    /* date, reference, subject: a label and its value */
    static const char *const labels[] = { "Datum", "Kenmerk", "Onderwerp" };
    const char *values[] = { L->f[C_PLACE_DATE], L->f[C_REFERENCE], L->f[C_SUBJECT] };
    PangoLayout *lab[3] = { 0 }, *val[3] = { 0 };
    double meta_y[3];
    double label_w = 28 * MM;
    for (int i = 0; i < 3; i++) {
        if (!*values[i]) {
            continue;
        }
        lab[i] = new_layout(&f, labels[i], small, 1, label_w, PANGO_ALIGN_LEFT);
        sbuf m = { 0 };
        lines_markup(&m, values[i]);
        val[i] = new_layout(&f, m.p, st->font_size, 0, width - label_w, PANGO_ALIGN_LEFT);
        free(m.p);
        meta_y[i] = y;
        y += layout_height(val[i]) + 2;
    }
    f.y = y + st->font_size * 2;

    /* ---- the body ---- */
    md_doc d = { 0 };
    md_parse(&d, L->f[C_BODY]);
    double gap = st->font_size * 0.7;
    for (size_t i = 0; i < d.n; i++) {
        md_block *b = &d.b[i];
        switch (b->kind) {
        case MD_H1:
        case MD_H2: {
            PangoLayout *l = new_layout(&f, b->markup, b->kind == MD_H1 ? st->heading_size
                                                                      : st->font_size * 1.1,
                                        1, width, PANGO_ALIGN_LEFT);
            /* with at least two lines of what follows */
            if (f.y + layout_height(l) + 3 * st->font_size * 1.2 > f.bottom && f.y > f.top) {
                new_page(&f);
            }
            flow_lines(&f, l, left);
            f.y += gap;
            break;
        }
        case MD_PARA: {
            PangoLayout *l = new_layout(&f, b->markup, st->font_size, 0, width, PANGO_ALIGN_LEFT);
            flow_lines(&f, l, left);
            f.y += gap;
            break;
        }
        case MD_ITEM: {
            double ind = st->font_size * 1.4;
            PangoLayout *l = new_layout(&f, b->markup, st->font_size, 0, width - ind,
                                        PANGO_ALIGN_LEFT);
            PangoLayout *bullet = new_layout(&f, "\xe2\x80\xa2", st->font_size, 0, -1,
                                             PANGO_ALIGN_LEFT);
            /* the bullet before its lines in the list, placed beside the first */
            size_t bi = f.n;
            add_item(&f, I_LINE);
            flow_lines(&f, l, left + ind);
            f.v[bi].layout = bullet;
            f.v[bi].line = 0;
            f.v[bi].page = f.v[bi + 1].page;
            f.v[bi].x = left + ind * 0.3;
            f.v[bi].y = f.v[bi + 1].y;
            f.y += st->font_size * 0.25;
            if (i + 1 >= d.n || d.b[i + 1].kind != MD_ITEM) {
                f.y += gap;
            }
            break;
        }
        case MD_TABLE:
            flow_table(&f, b, left, width);
            f.y += gap;
            break;
        }
    }
    /* ---- the signature, kept together ---- */
    const char *sig_text = L->f[C_SIGNATURE];
    sbuf sm = { 0 };
    if (*sig_text) {
        lines_markup(&sm, sig_text);
    } else {
        for (int i = 0; i < st->nsignature; i++) {
            if (i) {
                sbuf_puts(&sm, "\n");
            }
            lines_markup(&sm, st->signature[i] ? st->signature[i] : "");
        }
    }
    if (sm.len) {
        PangoLayout *l = new_layout(&f, sm.p, st->font_size, 0, width, PANGO_ALIGN_LEFT);
        if (f.y + layout_height(l) > f.bottom && f.y > f.top) {
            new_page(&f);
        }
        flow_lines(&f, l, left);
    }
    free(sm.p);
    md_doc_free(&d);
    int pages = f.page + 1;

    /* ---- drawing ---- */
    out->pdf = (sbuf){ 0 };
    cairo_surface_t *surf = cairo_pdf_surface_create_for_stream(to_sbuf, &out->pdf, PAGE_W, PAGE_H);
    cairo_pdf_surface_restrict_to_version(surf, CAIRO_PDF_VERSION_1_4);
    const char *title = *L->f[C_SUBJECT] ? L->f[C_SUBJECT] : L->f[C_PATH];
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, title);
    const char *author = st->author ? st->author : st->nsender && st->sender[0] ? st->sender[0] : "";
    if (*author) {
        cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_AUTHOR, author);
    }
    if (*L->f[C_REFERENCE]) {
        cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_SUBJECT, L->f[C_REFERENCE]);
    }
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, st->creator);
    /* the same letter gives the same bytes: SOURCE_DATE_EPOCH, else the
     * letter's own date, else now */
    char day[32];
    const char *cd = create_date;
    const char *ld = L->f[C_DATE];
    if (!source_date_epoch && strlen(ld) == 10 && ld[4] == '-' && ld[7] == '-' &&
        strspn(ld, "0123456789-") == 10) {
        snprintf(day, sizeof day, "%sT00:00:00Z", ld);
        cd = day;
    }
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATE_DATE, cd);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_MOD_DATE, cd);
    cairo_t *cr = cairo_create(surf);
    size_t next = 0;
    for (int p = 0; p < pages; p++) {
        cairo_set_source_rgb(cr, 0, 0, 0);
        if (p == 0) {
            if (res->logo && logo_h > 0) {
                cairo_save(cr);
                cairo_translate(cr, left, st->margin_top);
                double sc = st->logo_width / cairo_image_surface_get_width(res->logo);
                cairo_scale(cr, sc, sc);
                cairo_set_source_surface(cr, res->logo, 0, 0);
                cairo_paint(cr);
                cairo_restore(cr);
            }
            if (sender) {
                cairo_move_to(cr, right - sender_w, st->margin_top);
                pango_cairo_show_layout(cr, sender);
            }
            if (addr) {
                cairo_move_to(cr, left, addr_y);
                pango_cairo_show_layout(cr, addr);
            }
            for (int i = 0; i < 3; i++) {
                if (!lab[i]) {
                    continue;
                }
                cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
                cairo_move_to(cr, left, meta_y[i] + (st->font_size - small) * 0.8);
                pango_cairo_show_layout(cr, lab[i]);
                cairo_set_source_rgb(cr, 0, 0, 0);
                cairo_move_to(cr, left + label_w, meta_y[i]);
                pango_cairo_show_layout(cr, val[i]);
            }
        }
        for (; next < f.n && f.v[next].page <= p; next++) {
            item *it = &f.v[next];
            if (it->page != p) {
                continue;
            }
            switch (it->kind) {
            case I_LINE:
                cairo_move_to(cr, it->x, it->y);
                pango_cairo_show_layout_line(cr, pango_layout_get_line_readonly(it->layout, it->line));
                break;
            case I_LAYOUT:
                cairo_move_to(cr, it->x, it->y);
                pango_cairo_show_layout(cr, it->layout);
                break;
            case I_RULE:
                cairo_set_line_width(cr, it->line ? 0.9 : 0.4);
                cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
                cairo_move_to(cr, it->x, it->y);
                cairo_line_to(cr, it->x + it->w, it->y);
                cairo_stroke(cr);
                cairo_set_source_rgb(cr, 0, 0, 0);
                break;
            }
        }
        /* the footer */
        double fy = PAGE_H - st->margin_bottom + 6 * MM;
        cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
        if (st->footer && *st->footer) {
            sbuf m = { 0 };
            lines_markup(&m, st->footer);
            PangoLayout *l = new_layout(&f, m.p, small * 0.9, 0, width * 0.7, PANGO_ALIGN_LEFT);
            free(m.p);
            cairo_move_to(cr, left, fy);
            pango_cairo_show_layout(cr, l);
        }
        if (st->page_text && *st->page_text) {
            char *lbl = page_label(st->page_text, p + 1, pages);
            PangoLayout *l = new_layout(&f, lbl, small * 0.9, 0, width * 0.3, PANGO_ALIGN_RIGHT);
            free(lbl);
            cairo_move_to(cr, right - width * 0.3, fy);
            pango_cairo_show_layout(cr, l);
        }
        cairo_show_page(cr);
    }
    cairo_destroy(cr);
    cairo_surface_finish(surf);
    cairo_status_t cs = cairo_surface_status(surf);
    cairo_surface_destroy(surf);
    for (size_t i = 0; i < f.nowned; i++) {
        g_object_unref(f.owned[i]);
    }
    free(f.owned);
    free(f.v);
    out->pages = pages;
    if (cs != CAIRO_STATUS_SUCCESS) {
        if (asprintf(&out->error, "cairo: %s", cairo_status_to_string(cs)) < 0) {
            out->error = NULL;
        }
    }
}

/* ---- the thread pool ---- */
/* ---- the same letter as HTML ---- */

/* Text as HTML: & < > " escaped, each line break a <br>. */
static void html_lines(sbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            sbuf_puts(b, "&amp;");
            break;
        case '<':
            sbuf_puts(b, "&lt;");
            break;
        case '>':
            sbuf_puts(b, "&gt;");
            break;
        case '"':
            sbuf_puts(b, "&quot;");
            break;
        case '\r':
            break;
        case '\n':
            if (s[1]) {
                sbuf_puts(b, "<br>\n");
            }
            break;
        default:
            sbuf_put(b, s, 1);
        }
    }
}

/* The letter as one HTML page in the house style: the sender block, the
 * addressee, date, reference and subject, the body (the blocks the PDF
 * sets: pango markup is <b> and escaped text, valid HTML as it is), the
 * signature and the footer; print CSS for A4 with the style's margins. */
static void render_html(const style *st, const letter *L, sbuf *b)
{
    sbuf_puts(b, "<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    html_lines(b, *L->f[C_SUBJECT] ? L->f[C_SUBJECT] : L->f[C_PATH]);
    char css[1024];
    snprintf(css, sizeof css,
             "</title>\n<style>\n"
             "@page { size: A4; margin: %.0fpt %.0fpt %.0fpt %.0fpt; }\n"
             "body { font-family: \"%s\", sans-serif; font-size: %.1fpt; max-width: 170mm; "
             "margin: 2em auto; color: #000; }\n"
             "h1 { font-size: %.1fpt; } h2 { font-size: %.1fpt; }\n"
             ".sender { text-align: right; } .addressee { margin: 2em 0 1.5em; }\n"
             "table { border-collapse: collapse; } td, th { padding: 2px 8px 2px 0; vertical-align: top; "
             "text-align: left; }\n"
             ".body td, .body th { border-bottom: 1px solid #999; } td.r, th.r { text-align: right; }\n"
             ".meta th { font-weight: normal; font-size: 85%%; width: 28mm; }\n"
             ".signature { margin-top: 1.5em; } footer { margin-top: 3em; font-size: 80%%; color: #444; }\n"
             "@media print { body { margin: 0; max-width: none; } thead { display: table-header-group; } "
             "tr { page-break-inside: avoid; } }\n"
             "</style>\n</head>\n<body>\n",
             st->margin_top, st->margin_right, st->margin_bottom, st->margin_left,
             st->font ? st->font : "sans-serif", st->font_size, st->heading_size, st->font_size * 1.1);
    sbuf_puts(b, css);
    if (st->nsender > 0) {
        sbuf_puts(b, "<div class=\"sender\">");
        for (int i = 0; i < st->nsender; i++) {
            html_lines(b, st->sender[i]);
            sbuf_puts(b, i + 1 < st->nsender ? "<br>\n" : "");
        }
        sbuf_puts(b, "</div>\n");
    }
    if (*L->f[C_ADDRESSEE]) {
        sbuf_puts(b, "<div class=\"addressee\">");
        html_lines(b, L->f[C_ADDRESSEE]);
        sbuf_puts(b, "</div>\n");
    }
    static const char *const labels[] = { "Datum", "Kenmerk", "Onderwerp" };
    const int cols[] = { C_PLACE_DATE, C_REFERENCE, C_SUBJECT };
    sbuf_puts(b, "<table class=\"meta\">\n");
    for (int i = 0; i < 3; i++) {
        if (*L->f[cols[i]]) {
            sbuf_puts(b, "<tr><th>");
            sbuf_puts(b, labels[i]);
            sbuf_puts(b, "</th><td>");
            html_lines(b, L->f[cols[i]]);
            sbuf_puts(b, "</td></tr>\n");
        }
    }
    sbuf_puts(b, "</table>\n");
    md_doc d = { 0 };
    md_parse(&d, L->f[C_BODY]);
    char *body = md_html(&d, 0);
    sbuf_puts(b, body);
    free(body);
    md_doc_free(&d);
    sbuf_puts(b, "<div class=\"signature\">");
    if (*L->f[C_SIGNATURE]) {
        html_lines(b, L->f[C_SIGNATURE]);
    } else {
        for (int i = 0; i < st->nsignature; i++) {
            html_lines(b, st->signature[i]);
            sbuf_puts(b, i + 1 < st->nsignature ? "<br>\n" : "");
        }
    }
    sbuf_puts(b, "</div>\n");
    if (st->footer && *st->footer) {
        sbuf_puts(b, "<footer>");
        html_lines(b, st->footer);
        sbuf_puts(b, "</footer>\n");
    }
    sbuf_puts(b, "</body>\n</html>\n");
}

typedef struct slot {
    render_out out;
    int done;
} slot;

typedef struct pool {
    const style *st;
    const letter *letters;
    int html;       /* also each letter as HTML (param html) */
    size_t n;
    size_t next;    /* the next letter to take */
    size_t written; /* letters handed to the host */
    size_t window;  /* letters taken but not yet written, at most */
    slot *slots;    /* window of them: letter i in slots[i % window] */
    int stop;
    char *setup_error; /* a worker that could not start */
    pthread_mutex_t mu;
    pthread_cond_t ready, space;
} pool;

typedef struct png_reader {
    const unsigned char *p;
    size_t len, at;
} png_reader;

static cairo_status_t png_read(void *closure, unsigned char *data, unsigned int length)
{
    png_reader *r = closure;
    if (r->len - r->at < length) {
        return CAIRO_STATUS_READ_ERROR;
    }
    memcpy(data, r->p + r->at, length);
    r->at += length;
    return CAIRO_STATUS_SUCCESS;
}

static int worker_res_init(const style *st, worker_res *r)
{
    memset(r, 0, sizeof *r);
    r->fm = pango_cairo_font_map_new();
    r->pc = pango_font_map_create_context(r->fm);
    pango_cairo_context_set_resolution(r->pc, 72.0);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(r->pc, fo);
    cairo_font_options_destroy(fo);
    r->font = pango_font_description_from_string(st->font);
    r->cache = calloc(CACHE_SLOTS, sizeof *r->cache);
    PangoLanguage *nl = pango_language_from_string("nl");
    pango_context_set_language(r->pc, nl);
    if (st->logo_png) {
        png_reader rd = { st->logo_png, st->logo_len, 0 };
        r->logo = cairo_image_surface_create_from_png_stream(png_read, &rd);
        if (cairo_surface_status(r->logo) != CAIRO_STATUS_SUCCESS) {
            cairo_surface_destroy(r->logo);
            r->logo = NULL;
            return -1;
        }
    }
    return 0;
}

static void worker_res_free(worker_res *r)
{
    cache_clear(r);
    free(r->cache);
    if (r->logo) {
        cairo_surface_destroy(r->logo);
    }
    if (r->pc) {
        g_object_unref(r->pc);
    }
    if (r->font) {
        pango_font_description_free(r->font);
    }
    if (r->fm) {
        g_object_unref(r->fm);
    }
}

static void *worker(void *arg)
{
    pool *P = arg;
    worker_res res;
    if (worker_res_init(P->st, &res) != 0) {
        pthread_mutex_lock(&P->mu);
        if (!P->setup_error) {
            P->setup_error = strdup("cannot read the logo as a PNG image");
        }
        P->stop = 1;
        pthread_cond_broadcast(&P->ready);
        pthread_cond_broadcast(&P->space);
        pthread_mutex_unlock(&P->mu);
        worker_res_free(&res);
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&P->mu);
        while (!P->stop && P->next < P->n && P->next >= P->written + P->window) {
            pthread_cond_wait(&P->space, &P->mu);
        }
        if (P->stop || P->next >= P->n) {
            pthread_mutex_unlock(&P->mu);
            break;
        }
        size_t i = P->next++;
        pthread_mutex_unlock(&P->mu);
        render_out out = { 0 };
        render_letter(P->st, &res, &P->letters[i], &out);
        if (P->html && !out.error) {
            render_html(P->st, &P->letters[i], &out.html);
        }
        pthread_mutex_lock(&P->mu);
        P->slots[i % P->window].out = out;
        P->slots[i % P->window].done = 1;
        pthread_cond_broadcast(&P->ready);
        pthread_mutex_unlock(&P->mu);
    }
    worker_res_free(&res);
    return NULL;
}

/* ---- the step ---- */
static const char *cell_text(const regie_host *h, const regie_table *t, size_t r, long c,
                             char **owned)
{
    if (c < 0) {
        return "";
    }
    const regie_value *v = h->table_cell(t, r, (size_t)c);
    char tmp[64];
    switch (v->type) {
    case REGIE_STR:
        if (!g_utf8_validate(v->u.s.ptr, (gssize)v->u.s.len, NULL)) {
            /* pango and cairo take UTF-8 only: a bad byte becomes U+FFFD */
            gchar *ok = g_utf8_make_valid(v->u.s.ptr, (gssize)v->u.s.len);
            *owned = strdup(ok);
            g_free(ok);
            return *owned ? *owned : "";
        }
        return v->u.s.ptr;
    case REGIE_INT:
        snprintf(tmp, sizeof tmp, "%" PRId64, v->u.i);
        break;
    case REGIE_NUM:
        snprintf(tmp, sizeof tmp, "%.15g", v->u.n);
        break;
    case REGIE_BOOL:
        snprintf(tmp, sizeof tmp, "%s", v->u.b ? "yes" : "no");
        break;
    default:
        return "";
    }
    *owned = strdup(tmp);
    return *owned ? *owned : "";
}

static void set_create_date(void)
{
    static char buf[32];
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    source_date_epoch = 0;
    time_t t = time(NULL);
    if (sde && *sde) {
        char *end;
        long long v = strtoll(sde, &end, 10);
        if (!*end && v >= 0) {
            t = (time_t)v;
            source_date_epoch = 1;
        }
    }
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    create_date = buf;
}

static int pdf_run(const regie_host *h, regie_ctx *ctx, void *state)
{
    (void)state;
    const char *name = h->param(ctx, "letters");
    const char *style_name = h->param(ctx, "style");
    const char *pages_name = h->param(ctx, "pages");
    long threads = (long)h->param_int(ctx, "threads", 0);
    const regie_table *t = h->input_table(ctx, name);
    if (!t) {
        return h->fail(ctx, "no table named \"%s\" among the step's reads", name);
    }
    long col[NCOLS];
    for (int c = 0; c < NCOLS; c++) {
        col[c] = h->table_colindex(t, colnames[c]);
    }
    if (col[C_PATH] < 0 || col[C_BODY] < 0) {
        return h->fail(ctx, "table \"%s\": expected the columns path and body (and optionally "
                            "addressee, place_date, reference, subject, signature)", name);
    }

    style st;
    style_init(&st);
    if (style_name && *style_name) {
        const regie_table *stt = h->input_table(ctx, style_name);
        const char *src_file = stt ? h->table_source(stt) : style_name;
        style_src src = { h, ctx, src_file ? src_file : style_name, 0 };
        int rc;
        if (stt) {
            rc = style_from_table(&src, &st, stt);
        } else if (strspn(style_name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
                       strlen(style_name) &&
                   access(style_name, F_OK) != 0) {
            /* the name of data the step reads optionally (`?style`), not given */
            h->log(ctx, REGIE_LOG_INFO, "no house style \"%s\": the plain style", style_name);
            rc = 0;
        } else {
            rc = style_from_file(&src, &st, style_name);
        }
        if (rc != 0) {
            style_free(&st);
            return -1;
        }
    }
    set_create_date();
    /* fontconfig puts another font in place of a family it does not have,
     * without a word: say so, where the family was set */
    {
        PangoFontMap *fm = pango_cairo_font_map_new();
        PangoContext *pc = pango_font_map_create_context(fm);
        PangoFontDescription *fd = pango_font_description_from_string(st.font);
        PangoFont *font = pango_font_map_load_font(fm, pc, fd);
        if (font) {
            PangoFontDescription *got = pango_font_describe(font);
            const char *fam = pango_font_description_get_family(got);
            const char *want = pango_font_description_get_family(fd);
            if (fam && want && strcasecmp(fam, want) != 0) {
                const char *src = style_name && *style_name ? style_name : "style";
                const regie_table *stt = style_name ? h->input_table(ctx, style_name) : NULL;
                if (stt && h->table_source(stt)) {
                    src = h->table_source(stt);
                }
                if (st.font_line > 0) {
                    h->log(ctx, REGIE_LOG_WARN,
                           "%s:%ld: [font] family: \"%s\" is not installed; the letters are set "
                           "in %s (fc-list : family lists the fonts there are)",
                           src, st.font_line, want, fam);
                } else {
                    h->log(ctx, REGIE_LOG_WARN,
                           "font family \"%s\" is not installed; the letters are set in %s", want,
                           fam);
                }
            }
            pango_font_description_free(got);
            g_object_unref(font);
        }
        pango_font_description_free(fd);
        g_object_unref(pc);
        g_object_unref(fm);
    }

    size_t n = h->table_rows(t);
    letter *L = calloc(n ? n : 1, sizeof *L);
    char **owned = calloc(n ? n * NCOLS : 1, sizeof *owned);
    if (!L || !owned) {
        free(L);
        free(owned);
        style_free(&st);
        return h->fail(ctx, "out of memory");
    }
    int bad = 0;
    for (size_t r = 0; r < n; r++) {
        for (int c = 0; c < NCOLS; c++) {
            L[r].f[c] = cell_text(h, t, r, col[c], &owned[r * NCOLS + c]);
        }
        const char *p = L[r].f[C_PATH];
        size_t pl = strlen(p);
        if (pl < 5 || strcmp(p + pl - 4, ".pdf") != 0 || p[0] == '/') {
            const char *src = h->table_source(t);
            long line = h->table_row_line(t, r);
            if (src && line > 0) {
                h->data_error(ctx, src, line, "path", p, "a relative path ending in .pdf");
            } else {
                h->fail(ctx, "table \"%s\" row %zu: path \"%s\": expected a relative path "
                             "ending in .pdf", name, r + 1, p);
            }
            bad = 1;
        }
    }
    int rc = 0;
    size_t total_pages = 0;
    if (!bad && n) {
        if (threads <= 0) {
            long cpus = sysconf(_SC_NPROCESSORS_ONLN);
            threads = cpus > 0 ? cpus : 1;
        }
        if ((size_t)threads > n) {
            threads = (long)n;
        }
        if (threads > 256) {
            threads = 256;
        }
        pool P = { .st = &st, .letters = L, .n = n, .html = h->param_bool(ctx, "html", 1) };
        P.window = (size_t)threads * 8;
        P.slots = calloc(P.window, sizeof *P.slots);
        pthread_mutex_init(&P.mu, NULL);
        pthread_cond_init(&P.ready, NULL);
        pthread_cond_init(&P.space, NULL);
        pthread_t *tids = calloc((size_t)threads, sizeof *tids);
        long started = 0;
        for (long i = 0; i < threads; i++) {
            if (pthread_create(&tids[i], NULL, worker, &P) != 0) {
                break;
            }
            started++;
        }
        if (!started) {
            rc = h->fail(ctx, "cannot start a thread: %s", strerror(errno));
        }
        for (size_t i = 0; rc == 0 && i < n; i++) {
            slot *s = &P.slots[i % P.window];
            pthread_mutex_lock(&P.mu);
            while (!s->done && !P.setup_error) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_nsec += 200000000L;
                if (ts.tv_nsec >= 1000000000L) {
                    ts.tv_sec++;
                    ts.tv_nsec -= 1000000000L;
                }
                pthread_cond_timedwait(&P.ready, &P.mu, &ts);
                if (!s->done && h->cancelled(ctx)) {
                    break;
                }
            }
            if (!s->done) {
                P.stop = 1;
                pthread_cond_broadcast(&P.space);
                pthread_mutex_unlock(&P.mu);
                rc = P.setup_error ? h->fail(ctx, "%s: %s", st.logo ? st.logo : "logo",
                                             P.setup_error)
                                   : h->fail(ctx, "cancelled");
                break;
            }
            render_out out = s->out;
            s->done = 0;
            s->out = (render_out){ 0 };
            pthread_mutex_unlock(&P.mu);
            if (out.error) {
                rc = h->fail(ctx, "%s: %s", L[i].f[C_PATH], out.error);
            } else {
                rc = h->write_file(ctx, L[i].f[C_PATH], out.pdf.p, out.pdf.len);
                total_pages += (size_t)out.pages;
                if (rc == 0 && out.html.p) {
                    /* letters/A.pdf -> letters/A.html (another name: + .html) */
                    const char *pp = L[i].f[C_PATH];
                    size_t pl = strlen(pp);
                    int ext = pl > 4 && strcmp(pp + pl - 4, ".pdf") == 0;
                    char *hp = malloc(pl + 6);
                    if (!hp) {
                        abort();
                    }
                    memcpy(hp, pp, ext ? pl - 4 : pl);
                    strcpy(hp + (ext ? pl - 4 : pl), ".html");
                    rc = h->write_file(ctx, hp, out.html.p, out.html.len);
                    free(hp);
                }
            }
            free(out.pdf.p);
            free(out.html.p);
            free(out.error);
            if (rc == 0 && (i & 63) == 63 && h->cancelled(ctx)) {
                rc = h->fail(ctx, "cancelled after %zu of %zu letters", i + 1, n);
            }
            pthread_mutex_lock(&P.mu);
            P.written++;
            if (rc != 0) {
                P.stop = 1;
            }
            pthread_cond_broadcast(&P.space);
            pthread_mutex_unlock(&P.mu);
            if ((i & 63) == 0) {
                h->progress(ctx, (double)(i + 1) / (double)n);
            }
        }
        for (long i = 0; i < started; i++) {
            pthread_join(tids[i], NULL);
        }
        for (size_t i = 0; i < P.window; i++) {
            free(P.slots[i].out.pdf.p);
            free(P.slots[i].out.html.p);
            free(P.slots[i].out.error);
        }
        free(P.slots);
        free(tids);
        free(P.setup_error);
        pthread_mutex_destroy(&P.mu);
        pthread_cond_destroy(&P.ready);
        pthread_cond_destroy(&P.space);
        if (rc == 0) {
            h->log(ctx, REGIE_LOG_INFO, "%zu letter(s), %zu page(s) written as PDF (%ld thread(s))",
                   n, total_pages, threads);
        }
    } else if (bad) {
        rc = -1;
    }
    if (rc == 0 && pages_name && *pages_name) {
        regie_value v = { .type = REGIE_INT, .u.i = (int64_t)total_pages };
        rc = h->output_value(ctx, pages_name, &v);
    }
    for (size_t i = 0; i < n * NCOLS; i++) {
        free(owned[i]);
    }
    free(owned);
    free(L);
    style_free(&st);
    return rc;
}

const regie_plugin regie_plugin_entry =
    REGIE_PLUGIN_INIT("pdf", "1.0",
                      "letters as A4 PDF documents in a house style (cairo + pango)", params, NULL,
                      pdf_run, NULL);
