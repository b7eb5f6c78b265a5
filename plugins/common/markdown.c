/* markdown.c - the Markdown subset of regie's letters (markdown.h). */
#define _GNU_SOURCE
#include "markdown.h"
#include "sbuf.h"

#include <stdlib.h>
#include <string.h>

/* ---- Markdown subset to blocks ---- */
/* Text with **bold** as pango markup (the rest escaped). */
static void inline_markup(sbuf *out, const char *s, size_t n)
{
    int bold = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '*' && i + 1 < n && s[i + 1] == '*') {
            /* a ** opening only when a closing one follows */
            if (bold || memmem(s + i + 2, n - i - 2, "**", 2)) {
                sbuf_puts(out, bold ? "</b>" : "<b>");
                bold = !bold;
                i++;
                continue;
            }
        }
        switch (c) {
        case '&':
            sbuf_puts(out, "&amp;");
            break;
        case '<':
            sbuf_puts(out, "&lt;");
            break;
        case '>':
            sbuf_puts(out, "&gt;");
            break;
        case '\r':
            break;
        default:
            sbuf_put(out, &c, 1);
        }
    }
    if (bold) {
        sbuf_puts(out, "</b>");
    }
}

static md_block *doc_add(md_doc *d, md_kind k)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 32;
        d->b = realloc(d->b, d->cap * sizeof *d->b);
        if (!d->b) {
            abort();
        }
    }
    md_block *b = &d->b[d->n++];
    memset(b, 0, sizeof *b);
    b->kind = k;
    return b;
}

void md_doc_free(md_doc *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->b[i].markup);
        for (int c = 0; c < d->b[i].nrows * d->b[i].ncols; c++) {
            free(d->b[i].cells[c]);
        }
        free(d->b[i].cells);
    }
    free(d->b);
}

static int is_rule_row(const char *s, size_t n)
{
    int dash = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '-') {
            dash = 1;
        } else if (s[i] != '|' && s[i] != ':' && s[i] != ' ' && s[i] != '\t' && s[i] != '\r') {
            return 0;
        }
    }
    return dash;
}

/* The cells of a pipe-table line (outer pipes optional). */
static int split_cells(const char *s, size_t n, char **cells, int max)
{
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\r' || s[n - 1] == '\t')) {
        n--;
    }
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t')) {
        i++;
    }
    if (i < n && s[i] == '|') {
        i++;
    }
    if (n > i && s[n - 1] == '|') {
        n--;
    }
    int k = 0;
    while (i <= n && k < max) {
        size_t j = i;
        while (j < n && s[j] != '|') {
            j++;
        }
        size_t a = i, b = j;
        while (a < b && (s[a] == ' ' || s[a] == '\t')) {
            a++;
        }
        while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) {
            b--;
        }
        sbuf m = { 0 };
        inline_markup(&m, s + a, b - a);
        cells[k++] = m.p ? m.p : strdup("");
        i = j + 1;
    }
    return k;
}

void md_parse(md_doc *d, const char *text)
{
    const char *p = text;
    sbuf para = { 0 };
    md_kind pk = MD_PARA;
    md_block *table = NULL;
    int ntab = 0;
#define FLUSH()                                                                                    \
    do {                                                                                           \
        if (para.len) {                                                                            \
            doc_add(d, pk)->markup = para.p;                                                       \
            para = (sbuf){ 0 };                                                                    \
        }                                                                                          \
        pk = MD_PARA;                                                                               \
    } while (0)
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        const char *line = p;
        p = e ? e + 1 : p + n;
        while (n && line[n - 1] == '\r') {
            n--;
        }
        size_t ind = 0;
        while (ind < n && (line[ind] == ' ' || line[ind] == '\t')) {
            ind++;
        }
        if (ind < n && line[ind] == '|') {
            FLUSH();
            if (is_rule_row(line, n)) {
                if (table && table->nrows == 1) {
                    table->header = 1;
                    /* ---: aligns the column right */
                    int c = -1;
                    for (size_t k = ind; k < n; k++) {
                        if (line[k] == '|') {
                            c++;
                        } else if (line[k] == ':' && c >= 0 && c < 16 &&
                                   (k + 1 >= n || line[k + 1] == '|' || line[k + 1] == ' ')) {
                            table->align[c] = 'r';
                        }
                    }
                }
                continue;
            }
            char *cells[MD_MAX_COLS];
            int k = split_cells(line, n, cells, MD_MAX_COLS);
            if (!table) {
                table = doc_add(d, MD_TABLE);
                ntab = k;
                table->ncols = k;
            }
            table->cells = realloc(table->cells,
                                   (size_t)(table->nrows + 1) * (size_t)table->ncols * sizeof(char *));
            if (!table->cells) {
                abort();
            }
            for (int c = 0; c < table->ncols; c++) {
                table->cells[table->nrows * table->ncols + c] = c < k ? cells[c] : strdup("");
            }
            for (int c = table->ncols; c < k; c++) {
                free(cells[c]);
            }
            table->nrows++;
            (void)ntab;
            continue;
        }
        table = NULL;
        if (ind == n) {
            FLUSH();
            continue;
        }
        if (n - ind >= 2 && line[ind] == '#' && (line[ind + 1] == ' ' ||
                                                 (line[ind + 1] == '#' && n - ind >= 3))) {
            FLUSH();
            size_t lvl = 0;
            while (ind + lvl < n && line[ind + lvl] == '#') {
                lvl++;
            }
            size_t a = ind + lvl;
            while (a < n && line[a] == ' ') {
                a++;
            }
            sbuf m = { 0 };
            inline_markup(&m, line + a, n - a);
            doc_add(d, lvl == 1 ? MD_H1 : MD_H2)->markup = m.p ? m.p : strdup("");
            continue;
        }
        if (n - ind >= 2 && (line[ind] == '-' || line[ind] == '*') && line[ind + 1] == ' ') {
            FLUSH();
            pk = MD_ITEM;
            inline_markup(&para, line + ind + 2, n - ind - 2);
            continue;
        }
        if (para.len) {
            /* the templates write their lines as lines: a break, not a space */
            sbuf_puts(&para, "\n");
        }
        inline_markup(&para, line + ind, n - ind);
    }
    FLUSH();
#undef FLUSH
}

char *md_inline(const char *s, size_t n)
{
    sbuf m = { 0 };
    inline_markup(&m, s, n);
    return m.p ? m.p : strdup("");
}

/* ---- blocks as HTML ---- */
char *md_html(const md_doc *d, int line_breaks)
{
    sbuf out = { 0 };
    sbuf *b = &out;
    int in_list = 0;
    for (size_t k = 0; k < d->n; k++) {
        const md_block *x = &d->b[k];
        if (x->kind != MD_ITEM && in_list) {
            sbuf_puts(b, "</ul>\n");
            in_list = 0;
        }
        switch (x->kind) {
        case MD_H1:
        case MD_H2:
            sbuf_puts(b, x->kind == MD_H1 ? "<h1>" : "<h2>");
            sbuf_puts(b, x->markup);
            sbuf_puts(b, x->kind == MD_H1 ? "</h1>\n" : "</h2>\n");
            break;
        case MD_PARA:
            sbuf_puts(b, "<p>");
            for (const char *m = x->markup; *m; m++) {
                if (*m == '\n' && line_breaks) {
                    sbuf_puts(b, "<br>");
                }
                sbuf_put(b, m, 1);
            }
            sbuf_puts(b, "</p>\n");
            break;
        case MD_ITEM:
            if (!in_list) {
                sbuf_puts(b, "<ul>\n");
                in_list = 1;
            }
            sbuf_puts(b, "<li>");
            sbuf_puts(b, x->markup);
            sbuf_puts(b, "</li>\n");
            break;
        case MD_TABLE:
            sbuf_puts(b, "<table class=\"body\">\n");
            for (int r = 0; r < x->nrows; r++) {
                int head = x->header && r == 0;
                sbuf_puts(b, head ? "<thead><tr>" : "<tr>");
                for (int c = 0; c < x->ncols; c++) {
                    int right = c < (int)sizeof x->align && x->align[c] == 'r';
                    sbuf_puts(b, head ? (right ? "<th class=\"r\">" : "<th>")
                                      : (right ? "<td class=\"r\">" : "<td>"));
                    const char *cell = x->cells[r * x->ncols + c];
                    sbuf_puts(b, cell ? cell : "");
                    sbuf_puts(b, head ? "</th>" : "</td>");
                }
                sbuf_puts(b, head ? "</tr></thead>\n<tbody>\n" : "</tr>\n");
            }
            sbuf_puts(b, x->header && x->nrows > 0 ? "</tbody>\n</table>\n" : "</table>\n");
            break;
        }
    }
    if (in_list) {
        sbuf_puts(b, "</ul>\n");
    }
    return out.p ? out.p : strdup("");
}
