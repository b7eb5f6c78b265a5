/* datum.h - a datum's bytes (datum.c). */
#ifndef REGIE_DATUM_H
#define REGIE_DATUM_H

#include "util.h"
#include "value.h"

/* Serialise a datum (types kept exactly) and read it back. */
void rg_datum_save(const rg_datum *d, rg_buf *out);
int rg_datum_load(const char *data, size_t len, rg_datum *d);

#endif /* REGIE_DATUM_H */
