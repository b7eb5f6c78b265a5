/* map.c: the one hash map of the engine: text keys to indices (open
 * addressing, FNV-1a, linear probing, at most half full).  Keys are
 * borrowed: each must stay unchanged while it is in the map (usually it is
 * the name in the array the index points into).
 * Not installed; every exported name carries the rg_ prefix. */
#ifndef REGIE_MAP_H
#define REGIE_MAP_H

#include <stddef.h>

typedef struct rg_map {
    const char **keys; /* NULL for a free slot */
    size_t *vals;
    size_t cap, n; /* cap a power of two (or 0) */
} rg_map;

/* Map k to v, replacing the value k had. */
void rg_map_put(rg_map *m, const char *k, size_t v);
/* Map k to v unless k is there already: 1 and its value in *had (when not
 * NULL) if it was, 0 if it is added now. */
int rg_map_add(rg_map *m, const char *k, size_t v, size_t *had);
/* The value of k: 0 and *v, or -1 when k is not in the map. */
int rg_map_find(const rg_map *m, const char *k, size_t *v);
/* Empty the map, keeping its room. */
void rg_map_clear(rg_map *m);
void rg_map_free(rg_map *m);

#endif /* REGIE_MAP_H */
