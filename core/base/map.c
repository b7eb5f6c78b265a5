/* The one hash map of the engine (see map.h). */
#include "map.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* The slot of k, or the free slot where it goes. */
static size_t slot_of(const rg_map *m, const char *k)
{
    size_t mask = m->cap - 1;
    size_t i = (size_t)rg_fnv1a(RG_FNV1A_BASIS, k) & mask;
    while (m->keys[i] && strcmp(m->keys[i], k) != 0) {
        i = (i + 1) & mask;
    }
    return i;
}

static void grow(rg_map *m)
{
    rg_map old = *m;
    m->cap = old.cap ? old.cap * 2 : 64;
    m->keys = rg_xcalloc(m->cap, sizeof *m->keys);
    m->vals = rg_xcalloc(m->cap, sizeof *m->vals);
    for (size_t i = 0; i < old.cap; i++) {
        if (old.keys[i]) {
            size_t j = slot_of(m, old.keys[i]);
            m->keys[j] = old.keys[i];
            m->vals[j] = old.vals[i];
        }
    }
    free(old.keys);
    free(old.vals);
}

int rg_map_add(rg_map *m, const char *k, size_t v, size_t *had)
{
    if ((m->n + 1) * 2 > m->cap) {
        grow(m);
    }
    size_t i = slot_of(m, k);
    if (m->keys[i]) {
        if (had) {
            *had = m->vals[i];
        }
        return 1;
    }
    m->keys[i] = k;
    m->vals[i] = v;
    m->n++;
    return 0;
}

void rg_map_put(rg_map *m, const char *k, size_t v)
{
    if (rg_map_add(m, k, v, NULL)) {
        m->vals[slot_of(m, k)] = v;
    }
}

int rg_map_find(const rg_map *m, const char *k, size_t *v)
{
    if (!m->cap) {
        return -1;
    }
    size_t i = slot_of(m, k);
    if (!m->keys[i]) {
        return -1;
    }
    *v = m->vals[i];
    return 0;
}

void rg_map_clear(rg_map *m)
{
    if (m->cap) {
        memset(m->keys, 0, m->cap * sizeof *m->keys);
    }
    m->n = 0;
}

void rg_map_free(rg_map *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}
