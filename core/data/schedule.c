/* The programme scheduler (see schedule.h).
 *
 * Inside the search, sessions are known by their position in the order
 * (0 = the first to place) and rooms by their rank (0 = the smallest), so
 * that the search for session p is at depth p and "a room that holds it"
 * is "a rank from r0[p] up".  Sets of slots and of rooms are bitsets.
 * cnt[p] counts the slots in which session p could be placed now; a
 * placement changes only its own slot, and only for the sessions that
 * share a speaker with it or whose smallest fitting room was the largest
 * free one there, so the forward check costs what those few sessions
 * cost.  The sessions left with one slot are kept by slot (forced_in):
 * after a placement, those of its slot and of the slots some have just
 * been left with are tried there together (try_forced).  When a session
 * has no pair left, the search goes back to the deepest session that had
 * a part in it (conflict sets, conf), not merely one step. */
#include "schedule.h"
#include "map.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    char *id;
    long long cap;
} room;

typedef struct {
    char *id;
    long long expected;
    size_t *spk; /* speaker indices, in the order given */
    size_t nspk;
} session;

typedef struct {
    size_t speaker, slot;
} avail_pair;

/* Why a session could not be placed. */
enum {
    FAIL_PAIR,    /* no feasible pair left for it */
    FAIL_ROOMS,   /* more sessions need the rooms from rank v up than they have places */
    FAIL_SPEAKER, /* its speaker has more sessions than slots */
};

/* the search's working memory (one block) */
typedef struct {
    size_t n, T, R, K;  /* sessions, slots, rooms, speakers */
    size_t SW, RW;      /* 64-bit words of a slot set and of a room set */
    size_t *ord;        /* position -> session index */
    size_t *rank_room;  /* rank -> room index */
    long *r0;           /* position -> smallest rank that holds it (R: none) */
    size_t *first_le;   /* [v + 1]: first position whose r0 <= v (v = -1 .. R-1) */
    size_t *ps_off, *ps; /* position -> its speakers: ps[ps_off[p] .. ps_off[p + 1]) */
    size_t *sp_off, *sp; /* speaker -> positions it speaks in */
    size_t *sp_next;    /* (filling sp) */
    uint64_t *allowed;  /* [p * SW]: slots where every speaker of p is available */
    uint64_t *avail;    /* [k * SW]: slots where speaker k is available */
    uint64_t *busy;     /* [k * SW]: slots where speaker k speaks now */
    uint64_t *freer;    /* [t * RW]: free rooms of slot t, by rank */
    long *maxfree;      /* slot -> largest free rank, -1 when full */
    long *cnt;          /* position -> slots it could be placed in now */
    size_t *at_t;       /* position -> slot it is placed in (or tried) */
    long *at_r;         /* position -> rank it is placed in (or tried) */
    unsigned *stamp;    /* position -> generation last counted in */
    size_t *aff;        /* the sessions a placement touches */
    unsigned char *affb; /* and whether they could use its slot before */
    size_t *snap_t;     /* the deepest failure: what was placed (i-th: position */
    long *snap_r;       /* snap_p[i] in slot snap_t[i], rank snap_r[i]) */
    size_t *snap_p;
    size_t NW;          /* 64-bit words of a set of positions */
    uint64_t *conf;     /* [p * NW]: the positions a failure below p depends on */
    long *occ;          /* [t * R + r]: the position in slot t, rank r, or -1 */
    long *spk_at;       /* [k * T + t]: the position where speaker k speaks in t, or -1 */
    uint64_t *forced_in; /* [t * NW]: the positions with one slot left, t */
    size_t *forced_slot; /* position -> that slot (while cnt is 1) */
    size_t *newly;      /* slots that got a forced session in this placement */
    size_t nnewly;
    uint64_t *sim_free; /* (trying a slot's forced sessions) its free rooms */
    unsigned *spk_stamp; /* speaker -> the try it speaks in */
    unsigned sim_gen;
    size_t *sim_p;      /* the sessions placed in the try, and where */
    long *sim_r;
    size_t nsim;
} work;

struct rg_sched {
    char **slots;
    size_t nslots, cap_slots;
    room *rooms;
    size_t nrooms, cap_rooms;
    session *sess;
    size_t nsess, cap_sess;
    char **spk_names;
    unsigned char *restricted; /* per speaker: named in availability */
    size_t nspk, cap_spk;
    avail_pair *avail;
    size_t navail, cap_avail;
    rg_map slot_map, room_map, sess_map, spk_map;

    int solved;
    work w;
    void *block; /* w's arrays */
    unsigned gen;
    uint64_t tried;
    long best;   /* most sessions placed when one could not be placed; -1 */
    size_t fail; /* the position that could not be placed then */
    int fail_kind; /* why: FAIL_* */
    long fail_v;   /* FAIL_ROOMS: the rank; FAIL_SPEAKER: the speaker */
    /* what counting alone showed before the search (too_many) */
    int count_kind; /* FAIL_ROOMS or FAIL_SPEAKER; FAIL_PAIR: nothing */
    size_t count_fail;
    long count_v;
    long deepest; /* most sessions ever placed */
    int gave_up;
    char *reason;
};

/* ---- bitsets ---- */
static inline int bit_get(const uint64_t *w, size_t i)
{
    return (int)((w[i >> 6] >> (i & 63)) & 1u);
}

static inline void bit_set(uint64_t *w, size_t i)
{
    w[i >> 6] |= (uint64_t)1 << (i & 63);
}

static inline void bit_clr(uint64_t *w, size_t i)
{
    w[i >> 6] &= ~((uint64_t)1 << (i & 63));
}

/* The lowest set bit at `from` or above (below `n`), or -1. */
static long next_set(const uint64_t *w, size_t from, size_t n)
{
    if (from >= n) {
        return -1;
    }
    size_t i = from >> 6;
    uint64_t x = w[i] & (~(uint64_t)0 << (from & 63));
    size_t nw = (n + 63) >> 6;
    for (;;) {
        if (x) {
            size_t b = (i << 6) + (size_t)__builtin_ctzll(x);
            return b < n ? (long)b : -1;
        }
        if (++i >= nw) {
            return -1;
        }
        x = w[i];
    }
}

/* The highest set bit below `below`, or -1. */
static long prev_set(const uint64_t *w, size_t below)
{
    if (below == 0) {
        return -1;
    }
    size_t last = below - 1;
    size_t i = last >> 6;
    uint64_t x = w[i] & (~(uint64_t)0 >> (63 - (last & 63)));
    for (;;) {
        if (x) {
            return (long)((i << 6) + 63 - (size_t)__builtin_clzll(x));
        }
        if (i == 0) {
            return -1;
        }
        x = w[--i];
    }
}

static size_t popcount(const uint64_t *w, size_t nw)
{
    size_t c = 0;
    for (size_t i = 0; i < nw; i++) {
        c += (size_t)__builtin_popcountll(w[i]);
    }
    return c;
}

/* ---- building ---- */
rg_sched *rg_sched_new(void)
{
    rg_sched *s = rg_xcalloc(1, sizeof *s);
    s->best = -1;
    return s;
}

void rg_sched_free(rg_sched *s)
{
    if (!s) {
        return;
    }
    for (size_t i = 0; i < s->nslots; i++) {
        free(s->slots[i]);
    }
    free(s->slots);
    for (size_t i = 0; i < s->nrooms; i++) {
        free(s->rooms[i].id);
    }
    free(s->rooms);
    for (size_t i = 0; i < s->nsess; i++) {
        free(s->sess[i].id);
        free(s->sess[i].spk);
    }
    free(s->sess);
    for (size_t i = 0; i < s->nspk; i++) {
        free(s->spk_names[i]);
    }
    free(s->spk_names);
    free(s->restricted);
    free(s->avail);
    rg_map_free(&s->slot_map);
    rg_map_free(&s->room_map);
    rg_map_free(&s->sess_map);
    rg_map_free(&s->spk_map);
    free(s->block);
    free(s->reason);
    free(s);
}

/* Room for one more of n in an array of `cap`. */
static void *grow(void *p, size_t n, size_t *cap, size_t size)
{
    if (n < *cap) {
        return p;
    }
    *cap = *cap ? *cap * 2 : 16;
    return rg_xrealloc(p, *cap * size);
}

long rg_sched_add_slot(rg_sched *s, const char *id)
{
    if (s->solved || !id || !*id) {
        return RG_SCHED_BAD;
    }
    size_t had;
    if (rg_map_find(&s->slot_map, id, &had) == 0) {
        return RG_SCHED_DUP;
    }
    s->slots = grow(s->slots, s->nslots, &s->cap_slots, sizeof *s->slots);
    s->slots[s->nslots] = rg_xstrdup(id);
    rg_map_put(&s->slot_map, s->slots[s->nslots], s->nslots);
    return (long)s->nslots++;
}

long rg_sched_add_room(rg_sched *s, const char *id, long long capacity)
{
    if (s->solved || !id || !*id || capacity < 0) {
        return RG_SCHED_BAD;
    }
    size_t had;
    if (rg_map_find(&s->room_map, id, &had) == 0) {
        return RG_SCHED_DUP;
    }
    s->rooms = grow(s->rooms, s->nrooms, &s->cap_rooms, sizeof *s->rooms);
    s->rooms[s->nrooms] = (room){ rg_xstrdup(id), capacity };
    rg_map_put(&s->room_map, s->rooms[s->nrooms].id, s->nrooms);
    return (long)s->nrooms++;
}

long rg_sched_add_session(rg_sched *s, const char *id, long long expected)
{
    if (s->solved || !id || !*id || expected < 0) {
        return RG_SCHED_BAD;
    }
    size_t had;
    if (rg_map_find(&s->sess_map, id, &had) == 0) {
        return RG_SCHED_DUP;
    }
    s->sess = grow(s->sess, s->nsess, &s->cap_sess, sizeof *s->sess);
    s->sess[s->nsess] = (session){ rg_xstrdup(id), expected, NULL, 0 };
    rg_map_put(&s->sess_map, s->sess[s->nsess].id, s->nsess);
    return (long)s->nsess++;
}

static size_t speaker(rg_sched *s, const char *name)
{
    size_t k;
    if (rg_map_find(&s->spk_map, name, &k) == 0) {
        return k;
    }
    size_t cap = s->cap_spk;
    s->spk_names = grow(s->spk_names, s->nspk, &cap, sizeof *s->spk_names);
    s->restricted = grow(s->restricted, s->nspk, &s->cap_spk, 1);
    s->spk_names[s->nspk] = rg_xstrdup(name);
    s->restricted[s->nspk] = 0;
    rg_map_put(&s->spk_map, s->spk_names[s->nspk], s->nspk);
    return s->nspk++;
}

long rg_sched_add_speaker(rg_sched *s, size_t i, const char *name)
{
    if (s->solved || i >= s->nsess || !name || !*name) {
        return RG_SCHED_BAD;
    }
    size_t k = speaker(s, name);
    session *x = &s->sess[i];
    for (size_t j = 0; j < x->nspk; j++) {
        if (x->spk[j] == k) {
            return 0;
        }
    }
    x->spk = rg_xrealloc(x->spk, (x->nspk + 1) * sizeof *x->spk);
    x->spk[x->nspk++] = k;
    return 0;
}

long rg_sched_add_available(rg_sched *s, const char *name, const char *slot_id)
{
    if (s->solved || !name || !*name) {
        return RG_SCHED_BAD;
    }
    size_t t = 0;
    if (slot_id && rg_map_find(&s->slot_map, slot_id, &t) != 0) {
        return RG_SCHED_UNKNOWN;
    }
    size_t k = speaker(s, name);
    s->restricted[k] = 1;
    if (slot_id) {
        s->avail = grow(s->avail, s->navail, &s->cap_avail, sizeof *s->avail);
        s->avail[s->navail++] = (avail_pair){ k, t };
    }
    return 0;
}

long rg_sched_find(const rg_sched *s, int kind, const char *id)
{
    const rg_map *m = kind == RG_SCHED_SLOT ? &s->slot_map
                      : kind == RG_SCHED_ROOM ? &s->room_map
                                              : &s->sess_map;
    size_t v;
    return id && rg_map_find(m, id, &v) == 0 ? (long)v : -1;
}

const char *rg_sched_slot_id(const rg_sched *s, size_t i)
{
    return i < s->nslots ? s->slots[i] : NULL;
}

const char *rg_sched_room_id(const rg_sched *s, size_t i)
{
    return i < s->nrooms ? s->rooms[i].id : NULL;
}

const char *rg_sched_session_id(const rg_sched *s, size_t i)
{
    return i < s->nsess ? s->sess[i].id : NULL;
}

size_t rg_sched_count(const rg_sched *s, int kind)
{
    return kind == RG_SCHED_SLOT ? s->nslots : kind == RG_SCHED_ROOM ? s->nrooms : s->nsess;
}

uint64_t rg_sched_tried(const rg_sched *s)
{
    return s->tried;
}

size_t rg_sched_failed_session(const rg_sched *s)
{
    return s->best >= 0 ? s->w.ord[s->fail] : 0;
}

const char *rg_sched_reason(const rg_sched *s)
{
    return s->reason ? s->reason : "";
}

void rg_sched_placement(const rg_sched *s, size_t i, size_t *sess, size_t *slot, size_t *rm)
{
    const work *w = &s->w;
    *sess = w->ord[i];
    *slot = w->at_t[i];
    *rm = w->rank_room[w->at_r[i]];
}

/* ---- the working memory: one block, laid out by one walk that either
 * sums the sizes or hands out the pieces ---- */
typedef struct {
    char *base; /* NULL: only count */
    size_t off;
    int overflow;
} layout;

static void *piece(layout *l, size_t n, size_t size)
{
    if (size && n > (SIZE_MAX - 64) / size) {
        l->overflow = 1;
        return NULL;
    }
    size_t bytes = (n * size + 7) & ~(size_t)7;
    if (l->off > SIZE_MAX - 64 - bytes) {
        l->overflow = 1;
        return NULL;
    }
    void *p = l->base ? l->base + l->off : NULL;
    l->off += bytes;
    return p;
}

static size_t mul(layout *l, size_t a, size_t b)
{
    if (a && b > SIZE_MAX / a) {
        l->overflow = 1;
        return 0;
    }
    return a * b;
}

static void lay_out(const rg_sched *s, work *w, layout *l)
{
    size_t n = s->nsess, T = s->nslots, R = s->nrooms, K = s->nspk;
    size_t mentions = 0;
    for (size_t i = 0; i < n; i++) {
        mentions += s->sess[i].nspk;
    }
    w->n = n, w->T = T, w->R = R, w->K = K;
    w->SW = (T + 63) / 64;
    w->RW = (R + 63) / 64;
    w->ord = piece(l, n, sizeof *w->ord);
    w->rank_room = piece(l, R, sizeof *w->rank_room);
    w->r0 = piece(l, n, sizeof *w->r0);
    w->first_le = piece(l, R + 1, sizeof *w->first_le);
    w->ps_off = piece(l, n + 1, sizeof *w->ps_off);
    w->ps = piece(l, mentions, sizeof *w->ps);
    w->sp_off = piece(l, K + 1, sizeof *w->sp_off);
    w->sp = piece(l, mentions, sizeof *w->sp);
    w->sp_next = piece(l, K, sizeof *w->sp_next);
    w->allowed = piece(l, mul(l, n, w->SW), sizeof *w->allowed);
    w->avail = piece(l, mul(l, K, w->SW), sizeof *w->avail);
    w->busy = piece(l, mul(l, K, w->SW), sizeof *w->busy);
    w->freer = piece(l, mul(l, T, w->RW), sizeof *w->freer);
    w->maxfree = piece(l, T, sizeof *w->maxfree);
    w->cnt = piece(l, n, sizeof *w->cnt);
    w->at_t = piece(l, n, sizeof *w->at_t);
    w->at_r = piece(l, n, sizeof *w->at_r);
    w->stamp = piece(l, n, sizeof *w->stamp);
    w->aff = piece(l, n, sizeof *w->aff);
    w->affb = piece(l, n, sizeof *w->affb);
    w->snap_t = piece(l, n, sizeof *w->snap_t);
    w->snap_r = piece(l, n, sizeof *w->snap_r);
    w->snap_p = piece(l, n, sizeof *w->snap_p);
    w->NW = (n + 63) / 64;
    w->conf = piece(l, mul(l, n, w->NW), sizeof *w->conf);
    w->occ = piece(l, mul(l, T, R), sizeof *w->occ);
    w->spk_at = piece(l, mul(l, K, T), sizeof *w->spk_at);
    w->forced_in = piece(l, mul(l, T, w->NW), sizeof *w->forced_in);
    w->forced_slot = piece(l, n, sizeof *w->forced_slot);
    w->newly = piece(l, n + 1, sizeof *w->newly);
    w->sim_free = piece(l, w->RW, sizeof *w->sim_free);
    w->spk_stamp = piece(l, K, sizeof *w->spk_stamp);
    w->sim_p = piece(l, n, sizeof *w->sim_p);
    w->sim_r = piece(l, n, sizeof *w->sim_r);
}

size_t rg_sched_memory(const rg_sched *s)
{
    work w;
    layout l = { NULL, 0, 0 };
    lay_out(s, &w, &l);
    return l.overflow ? SIZE_MAX : l.off;
}

/* ---- orders ---- */
/* qsort has no context argument; steps sort on several threads at once */
static _Thread_local const rg_sched *sort_ctx;

static int cmp_sessions(const void *a, const void *b)
{
    const session *x = &sort_ctx->sess[*(const size_t *)a], *y = &sort_ctx->sess[*(const size_t *)b];
    if (x->expected != y->expected) {
        return x->expected > y->expected ? -1 : 1;
    }
    return strcmp(x->id, y->id); /* ids are unique: a total order */
}

/* Rooms by capacity, equal ones in the order given. */
static int cmp_rooms(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    long long x = sort_ctx->rooms[i].cap, y = sort_ctx->rooms[j].cap;
    if (x != y) {
        return x < y ? -1 : 1;
    }
    return (i > j) - (i < j);
}

/* ---- the search ---- */

/* Whether session p could be placed in slot t now. */
static int slot_ok(const work *w, size_t p, size_t t)
{
    if (!bit_get(w->allowed + p * w->SW, t) || w->maxfree[t] < w->r0[p]) {
        return 0;
    }
    for (size_t i = w->ps_off[p]; i < w->ps_off[p + 1]; i++) {
        if (bit_get(w->busy + w->ps[i] * w->SW, t)) {
            return 0;
        }
    }
    return 1;
}

static void touch(rg_sched *s, size_t q, size_t t, size_t *naff)
{
    work *w = &s->w;
    if (w->stamp[q] != s->gen) {
        w->stamp[q] = s->gen;
        w->aff[*naff] = q;
        w->affb[*naff] = (unsigned char)slot_ok(w, q, t);
        (*naff)++;
    }
}

/* Place session p in (slot t, rank r), or take it out again (place = 0),
 * keeping every cnt exact.  After a placement: the first position after p
 * left without a slot (the forward check fails), or -1. */
static long change(rg_sched *s, size_t p, size_t t, long r, int place)
{
    work *w = &s->w;
    long m0 = w->maxfree[t], m1;
    if (place) {
        m1 = r == m0 ? prev_set(w->freer + t * w->RW, (size_t)r) : m0;
    } else {
        m1 = r > m0 ? r : m0;
    }
    long lo = m0 < m1 ? m0 : m1, hi = m0 < m1 ? m1 : m0;
    if (++s->gen == 0) { /* wrapped: old stamps could match */
        memset(w->stamp, 0, w->n * sizeof *w->stamp);
        s->gen = 1;
    }
    size_t naff = 0;
    touch(s, p, t, &naff);
    for (size_t i = w->ps_off[p]; i < w->ps_off[p + 1]; i++) {
        size_t k = w->ps[i];
        for (size_t j = w->sp_off[k]; j < w->sp_off[k + 1]; j++) {
            touch(s, w->sp[j], t, &naff);
        }
    }
    /* the sessions whose smallest fitting room is in (lo, hi]: they could
     * use the largest free room of t before, and cannot after (or the
     * other way round) */
    for (size_t q = w->first_le[hi + 1]; q < w->first_le[lo + 1]; q++) {
        touch(s, q, t, &naff);
    }
    uint64_t *fr = w->freer + t * w->RW;
    if (place) {
        bit_clr(fr, (size_t)r);
    } else {
        bit_set(fr, (size_t)r);
    }
    w->occ[t * w->R + (size_t)r] = place ? (long)p : -1;
    w->maxfree[t] = m1;
    for (size_t i = w->ps_off[p]; i < w->ps_off[p + 1]; i++) {
        size_t k = w->ps[i];
        if (place) {
            bit_set(w->busy + k * w->SW, t);
        } else {
            bit_clr(w->busy + k * w->SW, t);
        }
        w->spk_at[k * w->T + t] = place ? (long)p : -1;
    }
    long bad = -1;
    w->nnewly = 0;
    for (size_t i = 0; i < naff; i++) {
        size_t q = w->aff[i];
        long before = w->cnt[q];
        w->cnt[q] += slot_ok(w, q, t) - w->affb[i];
        if (place && q > p && w->cnt[q] == 0 && (bad < 0 || (long)q < bad)) {
            bad = (long)q;
        }
        /* the sessions left with one slot, by slot */
        if (before == 1 && w->cnt[q] != 1) {
            bit_clr(w->forced_in + w->forced_slot[q] * w->NW, q);
        } else if (before != 1 && w->cnt[q] == 1) {
            size_t u = t; /* coming back to 1, t is the slot it regained */
            if (place) {
                for (u = 0; u < w->T && !slot_ok(w, q, u); u++) {
                }
            }
            w->forced_slot[q] = u;
            bit_set(w->forced_in + u * w->NW, q);
            if (place && q > p) {
                w->newly[w->nnewly++] = u;
            }
        }
    }
    return bad;
}

/* The sessions from position `from` on that have one slot left, t, all placed
 * there in their order, each in the smallest free room that holds it
 * (what a later placement in t could only make worse): the first that
 * finds no room or a speaker of its taken in t, or -1.  Those placed in
 * the try are in sim_p / sim_r.  Taking rooms in this order, largest
 * need first and best fit, seats them all whenever any way does. */
static long try_forced(work *w, size_t from, size_t t)
{
    memcpy(w->sim_free, w->freer + t * w->RW, w->RW * sizeof *w->sim_free);
    if (++w->sim_gen == 0) {
        memset(w->spk_stamp, 0, w->K * sizeof *w->spk_stamp);
        w->sim_gen = 1;
    }
    w->nsim = 0;
    const uint64_t *f = w->forced_in + t * w->NW;
    for (long q = next_set(f, from, w->n); q >= 0; q = next_set(f, (size_t)q + 1, w->n)) {
        for (size_t i = w->ps_off[q]; i < w->ps_off[q + 1]; i++) {
            if (w->spk_stamp[w->ps[i]] == w->sim_gen) {
                return q;
            }
        }
        long r = next_set(w->sim_free, (size_t)w->r0[q], w->R);
        if (r < 0) {
            return q;
        }
        bit_clr(w->sim_free, (size_t)r);
        for (size_t i = w->ps_off[q]; i < w->ps_off[q + 1]; i++) {
            w->spk_stamp[w->ps[i]] = w->sim_gen;
        }
        w->sim_p[w->nsim] = (size_t)q;
        w->sim_r[w->nsim++] = r;
    }
    return -1;
}

/* What is placed now (positions 0 .. placed), as the point where session
 * q could not be placed. */
static void take_snapshot(rg_sched *s, size_t placed, size_t q, int kind, long v)
{
    s->best = (long)placed;
    s->fail = q;
    s->fail_kind = kind;
    s->fail_v = v;
    memcpy(s->w.snap_t, s->w.at_t, placed * sizeof *s->w.snap_t);
    memcpy(s->w.snap_r, s->w.at_r, placed * sizeof *s->w.snap_r);
    for (size_t i = 0; i < placed; i++) {
        s->w.snap_p[i] = i;
    }
}

/* Session q cannot be placed with `placed` sessions placed: kept when
 * that is deeper than any such point so far. */
static void record(rg_sched *s, size_t placed, size_t q, int kind, long v)
{
    if ((long)placed > s->best) {
        take_snapshot(s, placed, q, kind, v);
    }
}

/* Session q, one of those with slot t as their last, cannot be placed
 * once the others before it are (try_forced): recorded as if they were,
 * after the `placed` sessions placed. */
static void record_forced(rg_sched *s, size_t placed, size_t q, size_t t)
{
    work *w = &s->w;
    if ((long)(placed + w->nsim) > s->best) {
        take_snapshot(s, placed, q, FAIL_PAIR, 0);
        for (size_t i = 0; i < w->nsim; i++) {
            w->snap_p[placed + i] = w->sim_p[i];
            w->snap_t[placed + i] = t;
            w->snap_r[placed + i] = w->sim_r[i];
        }
        s->best = (long)(placed + w->nsim);
    }
}

/* The next feasible pair for session p from (*t, *r + 1) on: 1 and the
 * pair, or 0. */
static int next_pair(const work *w, size_t p, size_t *t, long *r)
{
    long from = *r + 1;
    for (size_t u = *t; u < w->T; u++, from = 0) {
        if (from < w->r0[p]) {
            from = w->r0[p];
        }
        if (w->maxfree[u] < from || !bit_get(w->allowed + p * w->SW, u)) {
            continue;
        }
        int clash = 0;
        for (size_t i = w->ps_off[p]; i < w->ps_off[p + 1] && !clash; i++) {
            clash = bit_get(w->busy + w->ps[i] * w->SW, u);
        }
        if (clash) {
            continue;
        }
        long x = next_set(w->freer + u * w->RW, (size_t)from, w->R);
        if (x >= 0) {
            *t = u;
            *r = x;
            return 1;
        }
    }
    return 0;
}

static void prepare(rg_sched *s)
{
    work *w = &s->w;
    size_t n = w->n, T = w->T, R = w->R, K = w->K, SW = w->SW, RW = w->RW;
    for (size_t i = 0; i < n; i++) {
        w->ord[i] = i;
    }
    sort_ctx = s;
    qsort(w->ord, n, sizeof *w->ord, cmp_sessions);
    for (size_t r = 0; r < R; r++) {
        w->rank_room[r] = r;
    }
    qsort(w->rank_room, R, sizeof *w->rank_room, cmp_rooms);
    sort_ctx = NULL;
    for (size_t p = 0; p < n; p++) {
        /* the first rank that holds it */
        long long e = s->sess[w->ord[p]].expected;
        size_t lo = 0, hi = R;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (s->rooms[w->rank_room[mid]].cap < e) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        w->r0[p] = (long)lo;
    }
    /* r0 never grows along the order: those <= v are a tail */
    size_t q = n;
    for (long v = -1; v < (long)R; v++) {
        while (q > 0 && w->r0[q - 1] <= v) {
            q--;
        }
        w->first_le[v + 1] = q;
    }
    /* speakers: of each position, and the positions of each */
    size_t m = 0;
    memset(w->sp_off, 0, (K + 1) * sizeof *w->sp_off);
    for (size_t p = 0; p < n; p++) {
        const session *x = &s->sess[w->ord[p]];
        w->ps_off[p] = m;
        for (size_t j = 0; j < x->nspk; j++) {
            w->ps[m++] = x->spk[j];
            w->sp_off[x->spk[j] + 1]++;
        }
    }
    w->ps_off[n] = m;
    for (size_t k = 0; k < K; k++) {
        w->sp_off[k + 1] += w->sp_off[k];
    }
    /* each position in its speakers' lists, in position order */
    memcpy(w->sp_next, w->sp_off, K * sizeof *w->sp_next);
    for (size_t p = 0; p < n; p++) {
        for (size_t i = w->ps_off[p]; i < w->ps_off[p + 1]; i++) {
            w->sp[w->sp_next[w->ps[i]]++] = p;
        }
    }
    /* availability */
    for (size_t k = 0; k < K; k++) {
        uint64_t *a = w->avail + k * SW;
        if (s->restricted[k]) {
            memset(a, 0, SW * sizeof *a);
        } else {
            for (size_t t = 0; t < T; t++) {
                bit_set(a, t);
            }
        }
    }
    for (size_t i = 0; i < s->navail; i++) {
        bit_set(w->avail + s->avail[i].speaker * SW, s->avail[i].slot);
    }
    for (size_t p = 0; p < n; p++) {
        uint64_t *a = w->allowed + p * SW;
        for (size_t t = 0; t < T; t++) {
            bit_set(a, t);
        }
        for (size_t i = w->ps_off[p]; i < w->ps_off[p + 1]; i++) {
            const uint64_t *b = w->avail + w->ps[i] * SW;
            for (size_t j = 0; j < SW; j++) {
                a[j] &= b[j];
            }
        }
    }
    memset(w->busy, 0, K * SW * sizeof *w->busy);
    for (size_t i = 0; i < T * R; i++) {
        w->occ[i] = -1;
    }
    for (size_t i = 0; i < K * T; i++) {
        w->spk_at[i] = -1;
    }
    for (size_t t = 0; t < T; t++) {
        uint64_t *fr = w->freer + t * RW;
        memset(fr, 0, RW * sizeof *fr);
        for (size_t r = 0; r < R; r++) {
            bit_set(fr, r);
        }
        w->maxfree[t] = (long)R - 1;
    }
    for (size_t p = 0; p < n; p++) {
        long c = 0;
        for (size_t t = 0; t < T; t++) {
            c += slot_ok(w, p, t);
        }
        w->cnt[p] = c;
        w->stamp[p] = 0;
        if (c == 1) {
            size_t u = 0;
            while (!slot_ok(w, p, u)) {
                u++;
            }
            w->forced_slot[p] = u;
            bit_set(w->forced_in + u * w->NW, p);
        }
    }
    s->gen = 0;
}

/* What counting alone shows before any search: more sessions that need
 * the rooms from some size up than those rooms have places in all slots,
 * or a speaker with more sessions than slots to speak in.  Such a
 * programme cannot exist, but the search still tells why in its own
 * terms when it gets to the end quickly (E3's variant is one: Smit in two
 * sessions, available in one slot); when it does not, this is the reason
 * (too_many notes it, 1 when so). */
#define COUNT_BUDGET 10000

static int too_many(rg_sched *s)
{
    work *w = &s->w;
    /* the largest rank v whose rooms are outnumbered: a session there
     * needs exactly rank v (with none, rank v + 1 would be too) */
    for (size_t v = w->R; v-- > 0;) {
        /* sessions needing rank v or more: the first first_le[v] */
        if (w->first_le[v] > w->T * (w->R - v)) {
            s->count_kind = FAIL_ROOMS;
            s->count_fail = w->first_le[v] - 1;
            s->count_v = (long)v;
            return 1;
        }
    }
    for (size_t k = 0; k < w->K; k++) {
        size_t m = w->sp_off[k + 1] - w->sp_off[k];
        if (m > popcount(w->avail + k * w->SW, w->SW)) {
            s->count_kind = FAIL_SPEAKER;
            s->count_fail = w->sp[w->sp_off[k + 1] - 1];
            s->count_v = (long)k;
            return 1;
        }
    }
    return 0;
}

/* Conflict-directed backjumping: when every pair of session d has failed,
 * the search goes back to the deepest session that had a part in it,
 * not merely to d - 1; the sessions in between cannot change the outcome,
 * so no complete assignment is skipped and the first one found stays the
 * same.  Its part: the placements that took what d would have needed. */

/* Add to set `into` the positions whose placements keep session u out of
 * the slots it may use (with `all`, out of every pair not free in them,
 * else only out of the slots it has no free room left in): per slot, a
 * session whose speaker is there, else the sessions in the rooms that
 * would hold u (rank r0[u] up), whichever goes less deep. */
static void explain(const work *w, size_t u, int all, uint64_t *into)
{
    for (size_t t = 0; t < w->T; t++) {
        if (!bit_get(w->allowed + u * w->SW, t)) {
            continue; /* no placement keeps it out */
        }
        long clash = -1;
        for (size_t i = w->ps_off[u]; i < w->ps_off[u + 1]; i++) {
            long q = w->spk_at[w->ps[i] * w->T + t];
            if (q >= 0 && (clash < 0 || q < clash)) {
                clash = q;
            }
        }
        long deepest = -1, taken = 0;
        for (size_t r = (size_t)w->r0[u]; r < w->R; r++) {
            long q = w->occ[t * w->R + r];
            if (q >= 0) {
                taken++;
                deepest = q > deepest ? q : deepest;
            }
        }
        int full = taken == (long)w->R - w->r0[u];
        if (!all && clash < 0 && !full) {
            continue; /* a free room: not a reason (tried, or not the failure) */
        }
        /* the rooms taken explain the whole slot only when none is free;
         * a free one was tried, and its failure is counted already */
        if (clash >= 0 && (!full || clash <= deepest)) {
            bit_set(into, (size_t)clash);
        } else {
            for (size_t r = (size_t)w->r0[u]; r < w->R; r++) {
                long q = w->occ[t * w->R + r];
                if (q >= 0) {
                    bit_set(into, (size_t)q);
                }
            }
        }
    }
}

static void build_reason(rg_sched *s);

int rg_sched_solve(rg_sched *s, uint64_t limit, rg_sched_poll poll, void *ud)
{
    if (s->solved) {
        return RG_SCHED_NOMEM;
    }
    s->solved = 1;
    if (limit == 0) {
        limit = RG_SCHED_DEFAULT_LIMIT;
    }
    work *w = &s->w;
    layout l = { NULL, 0, 0 };
    lay_out(s, w, &l);
    if (l.overflow || !(s->block = calloc(1, l.off ? l.off : 1))) {
        return RG_SCHED_NOMEM;
    }
    l = (layout){ s->block, 0, 0 };
    lay_out(s, w, &l);
    prepare(s);
    size_t n = w->n;
    for (size_t p = 0; p < n; p++) {
        if (w->cnt[p] == 0) {
            record(s, 0, p, FAIL_PAIR, 0);
            build_reason(s);
            return RG_SCHED_NONE;
        }
    }
    /* sessions with one slot left that cannot all have it */
    for (size_t t = 0; t < w->T; t++) {
        long q = try_forced(w, 0, t);
        if (q >= 0) {
            record_forced(s, 0, (size_t)q, t);
            build_reason(s);
            return RG_SCHED_NONE;
        }
    }
    if (too_many(s) && limit > COUNT_BUDGET) {
        limit = COUNT_BUDGET;
    }
    size_t d = 0, NW = w->NW;
    if (n) {
        w->at_t[0] = 0;
        w->at_r[0] = -1;
        memset(w->conf, 0, NW * sizeof *w->conf);
    }
    s->deepest = 0;
    for (;;) {
        if (d == n) {
            return RG_SCHED_FOUND;
        }
        size_t t = w->at_t[d];
        long r = w->at_r[d];
        uint64_t *cd = w->conf + d * NW;
        if (!next_pair(w, d, &t, &r)) {
            /* every pair failed: what the untried ones were taken by
             * joins what the tried ones failed on */
            explain(w, d, 1, cd);
            bit_clr(cd, d);
            long h = prev_set(cd, d);
            if (h < 0) {
                build_reason(s);
                return RG_SCHED_NONE;
            }
            while (d > (size_t)h) {
                d--;
                change(s, d, w->at_t[d], w->at_r[d], 0);
            }
            uint64_t *ch = w->conf + d * NW;
            for (size_t i = 0; i < NW; i++) {
                ch[i] |= cd[i];
            }
            bit_clr(ch, d);
            continue;
        }
        if (s->tried >= limit) {
            if (s->count_kind != FAIL_PAIR) {
                /* no need to search on: counting says there is none */
                s->best = 0;
                s->fail = s->count_fail;
                s->fail_kind = s->count_kind;
                s->fail_v = s->count_v;
                build_reason(s);
                return RG_SCHED_NONE;
            }
            s->gave_up = 1;
            build_reason(s);
            return RG_SCHED_GAVE_UP;
        }
        s->tried++;
        if (poll && (s->tried & 1023) == 0 && poll(ud)) {
            return RG_SCHED_STOPPED;
        }
        w->at_t[d] = t;
        w->at_r[d] = r;
        long bad = change(s, d, t, r, 1);
        if (bad >= 0) {
            record(s, d + 1, (size_t)bad, FAIL_PAIR, 0);
            explain(w, (size_t)bad, 0, cd);
            bit_clr(cd, d);
            change(s, d, t, r, 0);
            continue;
        }
        /* the sessions left with one slot: in slot t, which has less
         * room now, and in the slots some of them have just been left */
        w->newly[w->nnewly++] = t;
        long q = -1;
        size_t u = 0;
        for (size_t i = 0; i < w->nnewly && q < 0; i++) {
            u = w->newly[i];
            q = try_forced(w, d + 1, u);
        }
        if (q >= 0) {
            record_forced(s, d + 1, (size_t)q, u);
            /* their part: what left each of them that one slot, and what
             * is in it */
            const uint64_t *f = w->forced_in + u * NW;
            for (long x = next_set(f, d + 1, n); x >= 0 && x <= q; x = next_set(f, (size_t)x + 1, n)) {
                explain(w, (size_t)x, 0, cd);
            }
            for (size_t i = 0; i < w->R; i++) {
                if (w->occ[u * w->R + i] >= 0) {
                    bit_set(cd, (size_t)w->occ[u * w->R + i]);
                }
            }
            bit_clr(cd, d);
            change(s, d, t, r, 0);
            continue;
        }
        d++;
        if ((long)d > s->deepest) {
            s->deepest = (long)d;
        }
        if (d < n) {
            w->at_t[d] = 0;
            w->at_r[d] = -1;
            memset(w->conf + d * NW, 0, NW * sizeof *w->conf);
        }
    }
}

/* ---- the reason, in words ---- */

/* At most this many items in a list before "and N more". */
#define MAX_SLOTS_LISTED 8
#define MAX_GROUP_SLOTS 5
#define MAX_ROOMS_LISTED 4

/* "A", "A and B", "A, B and C", "A, B, ... H and 4 more" of slots idx[0..n). */
static void put_slot_list(rg_buf *b, const rg_sched *s, const size_t *idx, size_t n)
{
    size_t shown = n > MAX_SLOTS_LISTED ? MAX_SLOTS_LISTED : n;
    for (size_t i = 0; i < shown; i++) {
        if (i > 0) {
            rg_buf_puts(b, i + 1 == shown && shown == n ? " and " : ", ");
        }
        rg_buf_puts(b, s->slots[idx[i]]);
    }
    if (shown < n) {
        rg_buf_printf(b, " and %zu more", n - shown);
    }
}

typedef struct {
    size_t *first;   /* slot -> first of its placements in `by` */
    size_t *by;      /* the positions placed, by slot */
    size_t *rank_of; /* room -> its rank */
} snapshot;

/* The position in slot t and rank r at the failure, or -1. */
static long occupant(const rg_sched *s, const snapshot *sn, size_t t, long r)
{
    for (size_t i = sn->first[t]; i < sn->first[t + 1]; i++) {
        if (s->w.snap_r[sn->by[i]] == r) {
            return (long)s->w.snap_p[sn->by[i]];
        }
    }
    return -1;
}

/* The position in slot t with speaker k at the failure, or -1. */
static long speaking(const rg_sched *s, const snapshot *sn, size_t t, size_t k)
{
    const work *w = &s->w;
    for (size_t i = sn->first[t]; i < sn->first[t + 1]; i++) {
        size_t q = w->snap_p[sn->by[i]];
        for (size_t j = w->ps_off[q]; j < w->ps_off[q + 1]; j++) {
            if (w->ps[j] == k) {
                return (long)q;
            }
        }
    }
    return -1;
}

/* Why the failed session could not go in slot t: a speaker who already
 * speaks there (its index in *k, the session in *q; returns 1), or no
 * free room that holds it (returns 0). */
static int why_not(const rg_sched *s, const snapshot *sn, size_t t, size_t *k, long *q)
{
    const work *w = &s->w;
    size_t u = s->fail;
    for (size_t i = w->ps_off[u]; i < w->ps_off[u + 1]; i++) {
        long o = speaking(s, sn, t, w->ps[i]);
        if (o >= 0) {
            *k = w->ps[i];
            *q = o;
            return 1;
        }
    }
    return 0;
}

/* "(Zaal1 has P1, Zaal2 has P5)": the rooms that would hold the failed
 * session in slot t, in the order given, with what is in them. */
static void put_rooms_taken(rg_buf *b, const rg_sched *s, const snapshot *sn, size_t t)
{
    const work *w = &s->w;
    long r0 = w->r0[s->fail];
    size_t listed = 0, more = 0;
    rg_buf_puts(b, "(");
    for (size_t i = 0; i < w->R; i++) {
        long r = (long)sn->rank_of[i];
        if (r < r0) {
            continue;
        }
        long q = occupant(s, sn, t, r);
        if (listed == MAX_ROOMS_LISTED) {
            more++;
            continue;
        }
        rg_buf_printf(b, "%s%s has %s", listed ? ", " : "", s->rooms[i].id,
                      q >= 0 ? s->sess[w->ord[q]].id : "?");
        listed++;
    }
    if (more) {
        rg_buf_printf(b, " and %zu more", more);
    }
    rg_buf_puts(b, ")");
}

/* Speaker k's name, with "speaker " before it unless the reason named
 * it already. */
static void put_speaker(rg_buf *b, const rg_sched *s, size_t k, const unsigned char *named)
{
    rg_buf_printf(b, "%s%s", named[k] ? "" : "speaker ", s->spk_names[k]);
}

/* The reasons for the slots c[0..nc), grouped: one group per speaker who
 * already speaks there and one for "no room free", each in the order of
 * its first slot; "; " between groups.  With `compact` (one slot, named
 * just before), without the slot. */
static void put_slot_reasons(rg_buf *b, const rg_sched *s, const snapshot *sn, const size_t *c,
                             size_t nc, const unsigned char *named, size_t *kind, long *with,
                             int compact)
{
    const work *w = &s->w;
    long long e = s->sess[w->ord[s->fail]].expected;
    /* kind[i]: the speaker of slot c[i]'s clash, or K for "no room" */
    for (size_t i = 0; i < nc; i++) {
        size_t k;
        long q;
        if (why_not(s, sn, c[i], &k, &q)) {
            kind[i] = k;
            with[i] = q;
        } else {
            kind[i] = w->K;
            with[i] = -1;
        }
    }
    if (compact) {
        if (kind[0] < w->K) {
            put_speaker(b, s, kind[0], named);
            rg_buf_printf(b, " already speaks in %s", s->sess[w->ord[with[0]]].id);
        } else {
            rg_buf_printf(b, "no room of at least %lld is free ", e);
            put_rooms_taken(b, s, sn, c[0]);
        }
        return;
    }
    int first_group = 1;
    for (size_t i = 0; i < nc; i++) {
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++) {
            seen = kind[j] == kind[i];
        }
        if (seen) {
            continue;
        }
        size_t in_group = 0;
        for (size_t j = i; j < nc; j++) {
            in_group += kind[j] == kind[i];
        }
        if (!first_group) {
            rg_buf_puts(b, "; ");
        }
        first_group = 0;
        if (kind[i] < w->K) {
            put_speaker(b, s, kind[i], named);
            rg_buf_puts(b, " already speaks in ");
        } else {
            rg_buf_printf(b, "no room of at least %lld is free in ", e);
        }
        size_t listed = 0, shown = in_group > MAX_GROUP_SLOTS ? MAX_GROUP_SLOTS : in_group;
        for (size_t j = i; j < nc && listed < shown; j++) {
            if (kind[j] != kind[i]) {
                continue;
            }
            if (listed > 0) {
                rg_buf_puts(b, listed + 1 == shown && shown == in_group ? " and " : ", ");
            }
            rg_buf_printf(b, "%s ", s->slots[c[j]]);
            if (kind[i] < w->K) {
                rg_buf_printf(b, "(%s)", s->sess[w->ord[with[j]]].id);
            } else {
                put_rooms_taken(b, s, sn, c[j]);
            }
            listed++;
        }
        if (shown < in_group) {
            rg_buf_printf(b, " and %zu more slots", in_group - shown);
        }
    }
}

/* "A, B and C" of the names of n things, at most `most` then "and N more
 * WHAT". */
static void put_names(rg_buf *b, const char *const *names, size_t n, size_t most, const char *what)
{
    size_t shown = n > most ? most : n;
    for (size_t i = 0; i < shown; i++) {
        if (i > 0) {
            rg_buf_puts(b, i + 1 == shown && shown == n ? " and " : ", ");
        }
        rg_buf_puts(b, names[i]);
    }
    if (shown < n) {
        rg_buf_printf(b, " and %zu more %s", n - shown, what);
    }
}

/* Too many sessions for the rooms from rank v up (counted before the
 * search). */
static void put_rooms_outnumbered(rg_buf *b, const rg_sched *s)
{
    const work *w = &s->w;
    long v = s->fail_v;
    size_t need = w->first_le[v], places = w->T * (w->R - (size_t)v);
    long long e = s->sess[w->ord[s->fail]].expected;
    const char **names = rg_xcalloc(w->R, sizeof *names);
    size_t nn = 0;
    for (size_t i = 0; i < w->R; i++) { /* in the order given */
        for (size_t r = (size_t)v; r < w->R; r++) {
            if (w->rank_room[r] == i) {
                names[nn++] = s->rooms[i].id;
            }
        }
    }
    rg_buf_printf(b, "%zu sessions need a room of at least %lld and there are only %zu such places (", need, e, places);
    put_names(b, names, nn, MAX_ROOMS_LISTED, "rooms");
    if (w->T > 1) {
        rg_buf_printf(b, " in each of %zu slots", w->T);
    }
    rg_buf_puts(b, ")");
    free(names);
}

/* A speaker with more sessions than slots (counted before the search). */
static void put_speaker_outnumbered(rg_buf *b, const rg_sched *s)
{
    const work *w = &s->w;
    size_t k = (size_t)s->fail_v, m = w->sp_off[k + 1] - w->sp_off[k];
    const char **names = rg_xcalloc(m > w->T ? m : w->T, sizeof *names);
    for (size_t i = 0; i < m; i++) {
        names[i] = s->sess[w->ord[w->sp[w->sp_off[k] + i]]].id;
    }
    rg_buf_printf(b, "speaker %s speaks in %zu sessions (", s->spk_names[k], m);
    put_names(b, names, m, MAX_SLOTS_LISTED, "sessions");
    size_t a = 0;
    for (size_t t = 0; t < w->T; t++) {
        if (bit_get(w->avail + k * w->SW, t)) {
            names[a++] = s->slots[t];
        }
    }
    if (a == w->T) {
        rg_buf_printf(b, ") and there are only %zu slots", w->T);
    } else if (a == 0) {
        rg_buf_puts(b, ") and is not available in any slot");
    } else {
        rg_buf_printf(b, ") and is available in only %zu slot%s (", a, a == 1 ? "" : "s");
        put_names(b, names, a, MAX_SLOTS_LISTED, "slots");
        rg_buf_puts(b, ")");
    }
    free(names);
}

static void put_reason(rg_buf *b, rg_sched *s)
{
    work *w = &s->w;
    size_t u = s->fail, T = w->T, R = w->R;
    long long e = s->sess[w->ord[u]].expected;
    if (T == 0) {
        rg_buf_puts(b, "there are no slots");
        return;
    }
    if (R == 0) {
        rg_buf_puts(b, "there are no rooms");
        return;
    }
    if (s->fail_kind == FAIL_ROOMS) {
        put_rooms_outnumbered(b, s);
        return;
    }
    if (s->fail_kind == FAIL_SPEAKER) {
        put_speaker_outnumbered(b, s);
        return;
    }
    if (w->r0[u] == (long)R) {
        /* the first room given among the largest */
        size_t big = w->rank_room[R - 1];
        for (size_t r = R; r-- > 0;) {
            if (s->rooms[w->rank_room[r]].cap == s->rooms[big].cap) {
                big = w->rank_room[r];
            }
        }
        rg_buf_printf(b, "no room holds %lld: the largest is %s with %lld", e, s->rooms[big].id,
                      s->rooms[big].cap);
        return;
    }
    size_t *list = rg_xcalloc(T, sizeof *list);
    size_t *kind = rg_xcalloc(T, sizeof *kind);
    long *with = rg_xcalloc(T, sizeof *with);
    unsigned char *named = rg_xcalloc(w->K ? w->K : 1, 1);
    snapshot sn = { rg_xcalloc(T + 1, sizeof *sn.first), rg_xcalloc((size_t)s->best + 1, sizeof *sn.by),
                    rg_xcalloc(R, sizeof *sn.rank_of) };
    for (size_t r = 0; r < R; r++) {
        sn.rank_of[w->rank_room[r]] = r;
    }
    for (long i = 0; i < s->best; i++) {
        sn.first[w->snap_t[i] + 1]++;
    }
    for (size_t t = 0; t < T; t++) {
        sn.first[t + 1] += sn.first[t];
    }
    for (long i = 0; i < s->best; i++) {
        sn.by[sn.first[w->snap_t[i]] + kind[w->snap_t[i]]++] = (size_t)i; /* kind: fill counts */
    }
    memset(kind, 0, T * sizeof *kind);
    /* availability: one clause per speaker not available everywhere */
    int clauses = 0;
    for (size_t i = w->ps_off[u]; i < w->ps_off[u + 1]; i++) {
        size_t k = w->ps[i];
        const uint64_t *a = w->avail + k * w->SW;
        size_t yes = popcount(a, w->SW);
        if (yes == T) {
            continue;
        }
        rg_buf_printf(b, "%sspeaker %s is ", clauses ? ", " : "", s->spk_names[k]);
        named[k] = 1;
        clauses++;
        size_t nl = 0;
        if (yes == 0) {
            rg_buf_puts(b, "not available in any slot");
            continue;
        }
        int only = yes <= T - yes;
        for (size_t t = 0; t < T; t++) {
            if (bit_get(a, t) == only) {
                list[nl++] = t;
            }
        }
        rg_buf_puts(b, only ? "only available in " : "not available in ");
        put_slot_list(b, s, list, nl);
    }
    size_t nc = 0;
    for (size_t t = 0; t < T; t++) {
        if (bit_get(w->allowed + u * w->SW, t)) {
            list[nc++] = t;
        }
    }
    if (nc > 0) {
        if (clauses) {
            rg_buf_puts(b, ", where ");
        }
        put_slot_reasons(b, s, &sn, list, nc, named, kind, with, clauses && nc == 1);
    }
    free(sn.first);
    free(sn.by);
    free(sn.rank_of);
    free(named);
    free(with);
    free(kind);
    free(list);
}

static void build_reason(rg_sched *s)
{
    rg_buf b = { 0 };
    if (s->gave_up) {
        rg_buf_printf(&b, "gave up after %llu placement%s tried without a complete programme; ",
                      (unsigned long long)s->tried, s->tried == 1 ? "" : "s");
        if (s->best < 0) {
            /* nothing failed yet: the search stopped on its way down */
            s->best = s->deepest;
            s->fail = (size_t)s->deepest;
            memcpy(s->w.snap_t, s->w.at_t, (size_t)s->deepest * sizeof *s->w.snap_t);
            memcpy(s->w.snap_r, s->w.at_r, (size_t)s->deepest * sizeof *s->w.snap_r);
            for (long i = 0; i < s->deepest; i++) {
                s->w.snap_p[i] = (size_t)i;
            }
            rg_buf_printf(&b, "deepest: %ld of %zu sessions placed, %s not yet tried", s->deepest,
                          s->w.n, s->sess[s->w.ord[s->fail]].id);
            s->reason = b.data;
            return;
        }
        rg_buf_printf(&b, "deepest: %s could not be placed: ", s->sess[s->w.ord[s->fail]].id);
    }
    put_reason(&b, s);
    if (!b.data) {
        rg_buf_puts(&b, "");
    }
    s->reason = b.data;
}
