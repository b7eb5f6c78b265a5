/* serve.h - the web console `regie serve` (doc/console.md): an HTTP
 * server on libmicrohttpd over the run store, linked into the regie
 * binary only (the engine library never needs it). */
#ifndef REGIE_SERVE_H
#define REGIE_SERVE_H

#include "conf.h"
#include "store.h"

#include <stdint.h>

typedef struct rg_web_options {
    const char *listen;   /* ADDR:PORT; port 0: any free one */
    const char *tls_cert; /* PEM files, or NULL: plain HTTP */
    const char *tls_key;
    const char *db;       /* the store's path, for the processes it starts */
    const char *config;   /* --config given, or NULL */
    const rg_config *cfg; /* the engine configuration (workflow path) */
    int64_t upload_max;   /* bytes */
    const char *outbox;   /* notifications as .eml files; NULL: DB.console/outbox */
} rg_web_options;

/* Serve until SIGTERM or SIGINT.  The address served is printed on
 * standard output ("regie: console on http://ADDR:PORT/").  0, or -1
 * (errs: cannot listen, bad certificate). */
int rg_web_serve(rg_store *store, const rg_web_options *opt, rg_errors *errs);

/* ---- html.c: the page text ---- */
/* Append s to b with & < > " ' as character references: every value from
 * data passes through here. */
void rg_html_escape(rg_buf *b, const char *s);
/* printf for pages: %s appends an escaped string (NULL: nothing), %S a
 * string as it is (markup of the console's own), %u a string encoded for a
 * URL path or query component, %d an int, %D an int64_t, %% a %. */
void rg_html(rg_buf *b, const char *fmt, ...);
/* Decode a URL query component (+ and %XX) in place. */
void rg_url_decode(char *s);

#endif
