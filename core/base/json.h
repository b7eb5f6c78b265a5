/* json.h - JSON strings: written escaped, and parsed back. */
#ifndef REGIE_JSON_H
#define REGIE_JSON_H

#include "util.h"

/* Append s (NULL: "") to b as a JSON string, quotes included; control
 * characters escaped. */
void rg_json_str(rg_buf *b, const char *s);
/* Skip blanks, tabs and carriage returns at *p. */
void rg_json_skip_ws(const char **p);
/* Parse a JSON string at *p into a new C string; NULL if malformed (a
 * \u0000 escape included).  *p is left after it. */
char *rg_json_parse_str(const char **p);

#endif /* REGIE_JSON_H */
