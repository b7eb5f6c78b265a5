/* markdown.h - the Markdown subset of regie's letters, shared by the
 * plugins that set letters (pdf, mail): `# ` and `## ` headings,
 * paragraphs (their lines kept as lines), `- ` and `* ` list items,
 * `**bold**` and pipe tables (a `|---|` line under the first row makes it
 * a header; `---:` aligns a column right).
 *
 * Parsed into blocks whose text is markup: the text escaped (& < >) with
 * <b>...</b> for bold, which is pango markup and valid HTML alike.  Compiled
 * into each plugin (no symbol of it is exported). */
#ifndef REGIE_PLUGIN_MARKDOWN_H
#define REGIE_PLUGIN_MARKDOWN_H

#include <stddef.h>

#define MD_MAX_COLS 16

typedef enum { MD_PARA, MD_H1, MD_H2, MD_ITEM, MD_TABLE } md_kind;

typedef struct md_block {
    md_kind kind;
    char *markup; /* para, heading, item; lines of a paragraph joined by \n */
    /* table: cells as markup, row-major */
    char **cells;
    int nrows, ncols;
    int header;     /* the first row is a header (a |---| line follows it) */
    char align[16]; /* per column: 'r' for ---: (numbers), else left */
} md_block;

typedef struct md_doc {
    md_block *b;
    size_t n, cap;
} md_doc;

/* Parse text (NUL-terminated) into d (zeroed first by the caller). */
void md_parse(md_doc *d, const char *text);
void md_doc_free(md_doc *d);
/* n bytes of text as markup (escaped, **bold** as <b>); malloc'd. */
char *md_inline(const char *s, size_t n);
/* The blocks as HTML (h1, h2, p, ul/li, table with thead/tbody and
 * class="r" on right-aligned cells); malloc'd.  line_breaks: the lines of
 * a paragraph end in <br> (else they run on, as a browser joins them). */
char *md_html(const md_doc *d, int line_breaks);

#endif /* REGIE_PLUGIN_MARKDOWN_H */
