/* The programme scheduler (core/data/schedule.c) and regie.schedule: the
 * worked example E3 and its variant (domain.md §3.4) exactly, a room too
 * small, a case only backtracking solves, giving up, a generated
 * 200 x 40 x 20 programme checked constraint by constraint, the first
 * programme in the search order against a plain depth-first search, and
 * bad arguments. */
#define _GNU_SOURCE
#include "mockhost.h"
#include "conf.h"
#include "lua_step.h"
#include "schedule.h"
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the C module ---- */

typedef struct {
    const char *id;
    long long expected;
    const char *speakers[3];
} sess_def;

/* A scheduler with E3's rooms and slots and the sessions given. */
static rg_sched *build(const char *const *slots, const char *const *rooms, const long long *caps,
                       const sess_def *sess, size_t nsess)
{
    rg_sched *s = rg_sched_new();
    for (size_t i = 0; slots[i]; i++) {
        ck_assert_int_eq(rg_sched_add_slot(s, slots[i]), (long)i);
    }
    for (size_t i = 0; rooms[i]; i++) {
        ck_assert_int_eq(rg_sched_add_room(s, rooms[i], caps[i]), (long)i);
    }
    for (size_t i = 0; i < nsess; i++) {
        long x = rg_sched_add_session(s, sess[i].id, sess[i].expected);
        ck_assert_int_eq(x, (long)i);
        for (size_t j = 0; j < 3 && sess[i].speakers[j]; j++) {
            ck_assert_int_eq(rg_sched_add_speaker(s, (size_t)x, sess[i].speakers[j]), 0);
        }
    }
    return s;
}

/* The placements as "P1 S1 Zaal1, P5 S1 Zaal2, ...". Caller frees. */
static char *placements(const rg_sched *s)
{
    rg_buf b = { 0 };
    rg_buf_puts(&b, "");
    for (size_t i = 0; i < rg_sched_count(s, RG_SCHED_SESSION); i++) {
        size_t se, sl, rm;
        rg_sched_placement(s, i, &se, &sl, &rm);
        rg_buf_printf(&b, "%s%s %s %s", i ? ", " : "", rg_sched_session_id(s, se), rg_sched_slot_id(s, sl),
                      rg_sched_room_id(s, rm));
    }
    return b.data;
}

static const char *const e3_slots[] = { "S1", "S2", "S3", NULL };
static const char *const e3_rooms[] = { "Zaal1", "Zaal2", "Zaal3", NULL };
static const long long e3_caps[] = { 200, 80, 40 };

static rg_sched *e3(int variant)
{
    sess_def sess[] = {
        { "P1", 150, { "Jansen" } },  { "P2", 70, { "de Vries" } },
        { "P3", 60, { "Jansen" } },   { "P4", 35, { "Bakker", variant ? "Smit" : NULL } },
        { "P5", 75, { "de Vries" } }, { "P6", 30, { "Smit" } },
    };
    rg_sched *s = build(e3_slots, e3_rooms, e3_caps, sess, 6);
    ck_assert_int_eq(rg_sched_add_available(s, "Smit", "S3"), 0);
    return s;
}

/* E3: S1 P1->Zaal1, P5->Zaal2, P4->Zaal3; S2 P3->Zaal1, P2->Zaal2; S3
 * P6->Zaal3, listed in the order placed (expected attendance down). */
START_TEST(e3_programme)
{
    rg_sched *s = e3(0);
    ck_assert_int_eq(rg_sched_solve(s, 0, NULL, NULL), RG_SCHED_FOUND);
    char *got = placements(s);
    ck_assert_str_eq(got, "P1 S1 Zaal1, P5 S1 Zaal2, P2 S2 Zaal2, P3 S2 Zaal1, P4 S1 Zaal3, P6 S3 Zaal3");
    ck_assert_uint_eq(rg_sched_tried(s), 6); /* no step back */
    free(got);
    rg_sched_free(s);
}
END_TEST

/* E3's variant: Smit also speaks in P4, which can then only go in S3. */
START_TEST(e3_variant_reason)
{
    rg_sched *s = e3(1);
    ck_assert_int_eq(rg_sched_solve(s, 0, NULL, NULL), RG_SCHED_NONE);
    ck_assert_str_eq(rg_sched_session_id(s, rg_sched_failed_session(s)), "P6");
    ck_assert_str_eq(rg_sched_reason(s), "speaker Smit is only available in S3, where Smit already speaks in P4");
    rg_sched_free(s);
}
END_TEST

/* A session larger than every room is refused before any search; a
 * session that finds every room large enough taken is told which rooms
 * hold what, slot by slot, next to the slots where its speaker is busy. */
START_TEST(room_too_small)
{
    sess_def big[] = { { "P1", 150, { "Jansen" } }, { "P7", 250, { "Smit" } } };
    rg_sched *s = build(e3_slots, e3_rooms, e3_caps, big, 2);
    ck_assert_int_eq(rg_sched_solve(s, 0, NULL, NULL), RG_SCHED_NONE);
    ck_assert_str_eq(rg_sched_session_id(s, rg_sched_failed_session(s)), "P7");
    ck_assert_str_eq(rg_sched_reason(s), "no room holds 250: the largest is Zaal1 with 200");
    ck_assert_uint_eq(rg_sched_tried(s), 0);
    rg_sched_free(s);

    /* one slot, two rooms of 70 or more, three sessions that need one */
    const char *const one_slot[] = { "S1", NULL };
    sess_def three[] = { { "X1", 150, { NULL } }, { "X3", 75, { NULL } }, { "P2", 70, { NULL } } };
    s = build(one_slot, e3_rooms, e3_caps, three, 3);
    ck_assert_int_eq(rg_sched_solve(s, 0, NULL, NULL), RG_SCHED_NONE);
    ck_assert_str_eq(rg_sched_session_id(s, rg_sched_failed_session(s)), "P2");
    ck_assert_str_eq(rg_sched_reason(s), "no room of at least 70 is free in S1 (Zaal1 has X1, Zaal2 has X3)");
    rg_sched_free(s);

    /* two slots: five sessions for four places of 70 or more; the deepest
     * point is X3 in S2 and X4 in S1 (four placed), where P2 finds S1
     * full and its speaker in S2 (found before X4 is placed: X4 and P2
     * both have only S1 left, and it has one room for them) */
    const char *const two_slots[] = { "S1", "S2", NULL };
    sess_def five[] = { { "X1", 150, { "Jansen" } }, { "X2", 150, { "de Vries" } }, { "X3", 75, { "Bakker" } },
                        { "X4", 75, { "Smit" } },    { "P2", 70, { "de Vries" } } };
    s = build(two_slots, e3_rooms, e3_caps, five, 5);
    ck_assert_int_eq(rg_sched_solve(s, 0, NULL, NULL), RG_SCHED_NONE);
    ck_assert_str_eq(rg_sched_session_id(s, rg_sched_failed_session(s)), "P2");
    ck_assert_str_eq(rg_sched_reason(s), "no room of at least 70 is free in S1 (Zaal1 has X1, Zaal2 has X4); "
                                         "speaker de Vries already speaks in S2 (X2)");
    rg_sched_free(s);
}
END_TEST

/* Placed one by one in the order, A takes S1 and leaves D (whose speaker
 * Smit is only there) no slot; the search moves A to S2.  B, between
 * them, has no part in D's failure and is not moved again and again. */
START_TEST(needs_backtracking)
{
    const char *const slots[] = { "S1", "S2", NULL };
    const char *const rooms[] = { "Zaal1", "Zaal2", NULL };
    const long long caps[] = { 100, 80 };
    sess_def sess[] = { { "D", 50, { "Jansen", "Smit" } }, { "B", 70, { "de Vries" } }, { "A", 90, { "Jansen" } } };
    rg_sched *s = build(slots, rooms, caps, sess, 3);
    ck_assert_int_eq(rg_sched_add_available(s, "Smit", "S1"), 0);
    ck_assert_int_eq(rg_sched_solve(s, 0, NULL, NULL), RG_SCHED_FOUND);
    char *got = placements(s);
    ck_assert_str_eq(got, "A S2 Zaal1, B S1 Zaal2, D S1 Zaal1");
    ck_assert_uint_gt(rg_sched_tried(s), 3);
    free(got);
    rg_sched_free(s);
}
END_TEST

/* With a limit the search gives up, says so, and names the deepest
 * session that could not be placed (or, when none failed yet, how far it
 * got). */
START_TEST(gives_up)
{
    const char *const slots[] = { "S1", "S2", NULL };
    const char *const rooms[] = { "Zaal1", "Zaal2", NULL };
    const long long caps[] = { 100, 80 };
    sess_def sess[] = { { "D", 50, { "Jansen", "Smit" } }, { "B", 70, { "de Vries" } }, { "A", 90, { "Jansen" } } };
    rg_sched *s = build(slots, rooms, caps, sess, 3);
    ck_assert_int_eq(rg_sched_add_available(s, "Smit", "S1"), 0);
    ck_assert_int_eq(rg_sched_solve(s, 2, NULL, NULL), RG_SCHED_GAVE_UP);
    ck_assert_uint_eq(rg_sched_tried(s), 2);
    ck_assert_str_eq(rg_sched_session_id(s, rg_sched_failed_session(s)), "D");
    ck_assert_str_eq(rg_sched_reason(s), "gave up after 2 placements tried without a complete programme; "
                                         "deepest: D could not be placed: speaker Smit is only available in S1, "
                                         "where speaker Jansen already speaks in A");
    rg_sched_free(s);
    s = e3(0);
    ck_assert_int_eq(rg_sched_solve(s, 2, NULL, NULL), RG_SCHED_GAVE_UP);
    ck_assert_str_eq(rg_sched_session_id(s, rg_sched_failed_session(s)), "P2");
    ck_assert_str_eq(rg_sched_reason(s), "gave up after 2 placements tried without a complete programme; "
                                         "deepest: 2 of 6 sessions placed, P2 not yet tried");
    rg_sched_free(s);
}
END_TEST

/* When counting shows there is no programme (more sessions for the large
 * rooms than they have places, a speaker with more sessions than slots),
 * a search that does not end soon is cut short and the count is the
 * reason; E3's variant (Smit: two sessions, one slot) ends soon and keeps
 * the search's reason (above). */
START_TEST(counted_out)
{
    char id[16];
    rg_sched *s = rg_sched_new();
    for (int t = 0; t < 40; t++) {
        snprintf(id, sizeof id, "T%02d", t + 1);
        rg_sched_add_slot(s, id);
    }
    rg_sched_add_room(s, "Big", 1000);
    for (int r = 0; r < 19; r++) {
        snprintf(id, sizeof id, "R%02d", r + 1);
        rg_sched_add_room(s, id, 400);
    }
    for (int i = 0; i < 60; i++) {
        snprintf(id, sizeof id, "P%02d", i + 1);
        rg_sched_add_session(s, id, i < 41 ? 900 : 100);
    }
    ck_assert_int_eq(rg_sched_solve(s, 0, NULL, NULL), RG_SCHED_NONE);
    ck_assert_uint_eq(rg_sched_tried(s), 10000);
    ck_assert_str_eq(rg_sched_session_id(s, rg_sched_failed_session(s)), "P41");
    ck_assert_str_eq(rg_sched_reason(s),
                     "41 sessions need a room of at least 900 and there are only 40 such places (Big in each of 40 slots)");
    rg_sched_free(s);

    s = rg_sched_new();
    for (int t = 0; t < 40; t++) {
        snprintf(id, sizeof id, "T%02d", t + 1);
        rg_sched_add_slot(s, id);
    }
    for (int r = 0; r < 20; r++) {
        snprintf(id, sizeof id, "R%02d", r + 1);
        rg_sched_add_room(s, id, 100);
    }
    for (int i = 0; i < 41; i++) {
        snprintf(id, sizeof id, "P%02d", i + 1);
        rg_sched_add_session(s, id, 50);
        rg_sched_add_speaker(s, (size_t)i, "Jansen");
    }
    ck_assert_int_eq(rg_sched_solve(s, 0, NULL, NULL), RG_SCHED_NONE);
    ck_assert_str_eq(rg_sched_session_id(s, rg_sched_failed_session(s)), "P41");
    ck_assert_str_eq(rg_sched_reason(s), "speaker Jansen speaks in 41 sessions (P01, P02, P03, P04, P05, P06, P07, "
                                         "P08 and 33 more sessions) and there are only 40 slots");
    rg_sched_free(s);

    /* a small one the search settles itself */
    const char *const two_slots[] = { "S1", "S2", NULL };
    sess_def three[] = { { "X1", 150, { NULL } }, { "X2", 150, { NULL } }, { "X3", 150, { NULL } } };
    s = build(two_slots, e3_rooms, e3_caps, three, 3);
    ck_assert_int_eq(rg_sched_solve(s, 0, NULL, NULL), RG_SCHED_NONE);
    ck_assert_str_eq(rg_sched_reason(s), "no room of at least 150 is free in S1 (Zaal1 has X1) and S2 (Zaal1 has X2)");
    rg_sched_free(s);
}
END_TEST

/* ---- generated programmes ---- */

static uint64_t rng;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

typedef struct {
    size_t n, T, R, K;
    long long cap[64];
    long long expected[256];
    int spk[256][3]; /* -1: none */
    unsigned char avail[128][64];
    unsigned char restricted[128];
} instance;

/* n sessions in T slots and R rooms with K speakers, made around a
 * programme that works (so one exists): each session's expected attendance
 * up to its room's capacity, speakers who never speak twice in one slot
 * there, availability that includes their slots. */
static void generate(instance *g, uint64_t seed, size_t n, size_t T, size_t R, size_t K)
{
    memset(g, 0, sizeof *g);
    rng = seed * 2654435761u + 1;
    g->n = n, g->T = T, g->R = R, g->K = K;
    for (size_t r = 0; r < R; r++) {
        g->cap[r] = 20 + rnd(381);
    }
    static unsigned char used[64 * 64], speaks[128][64];
    memset(used, 0, sizeof used);
    memset(speaks, 0, sizeof speaks);
    for (size_t k = 0; k < K; k++) {
        g->restricted[k] = rnd(10) < 5;
    }
    for (size_t i = 0; i < n; i++) {
        size_t t, r;
        do {
            t = rnd((unsigned)T);
            r = rnd((unsigned)R);
        } while (used[t * R + r]);
        used[t * R + r] = 1;
        long long lo = g->cap[r] * 9 / 10;
        g->expected[i] = lo + rnd((unsigned)(g->cap[r] - lo + 1));
        size_t nsp = 1 + rnd(3);
        for (size_t j = 0; j < 3; j++) {
            g->spk[i][j] = -1;
        }
        for (size_t j = 0; j < nsp; j++) {
            for (int tries = 0; tries < 20; tries++) {
                size_t k = rnd((unsigned)K);
                if (!speaks[k][t]) {
                    speaks[k][t] = 1;
                    g->spk[i][j] = (int)k;
                    break;
                }
            }
        }
    }
    for (size_t k = 0; k < K; k++) {
        for (size_t t = 0; t < T; t++) {
            g->avail[k][t] = !g->restricted[k] || speaks[k][t] || rnd(10) < 3;
        }
    }
}

static rg_sched *from_instance(const instance *g)
{
    rg_sched *s = rg_sched_new();
    char id[32];
    for (size_t t = 0; t < g->T; t++) {
        snprintf(id, sizeof id, "T%02zu", t + 1);
        rg_sched_add_slot(s, id);
    }
    for (size_t r = 0; r < g->R; r++) {
        snprintf(id, sizeof id, "R%02zu", r + 1);
        rg_sched_add_room(s, id, g->cap[r]);
    }
    for (size_t i = 0; i < g->n; i++) {
        snprintf(id, sizeof id, "P%03zu", i + 1);
        rg_sched_add_session(s, id, g->expected[i]);
        for (size_t j = 0; j < 3; j++) {
            if (g->spk[i][j] >= 0) {
                snprintf(id, sizeof id, "K%03d", g->spk[i][j] + 1);
                rg_sched_add_speaker(s, i, id);
            }
        }
    }
    for (size_t k = 0; k < g->K; k++) {
        if (g->restricted[k]) {
            snprintf(id, sizeof id, "K%03zu", k + 1);
            rg_sched_add_available(s, id, NULL);
            for (size_t t = 0; t < g->T; t++) {
                if (g->avail[k][t]) {
                    rg_sched_add_available(s, id, rg_sched_slot_id(s, t));
                }
            }
        }
    }
    return s;
}

/* Every rule holds in the programme found: each session once, one
 * session per room and slot, rooms large enough, no speaker twice in a
 * slot, every speaker available. */
static void check_programme(const instance *g, const rg_sched *s)
{
    static int slot_of[256], taken[64][64], speaking[128][64];
    memset(slot_of, -1, sizeof slot_of);
    memset(taken, 0, sizeof taken);
    memset(speaking, 0, sizeof speaking);
    for (size_t i = 0; i < g->n; i++) {
        size_t se, sl, rm;
        rg_sched_placement(s, i, &se, &sl, &rm);
        ck_assert_msg(slot_of[se] < 0, "session %zu placed twice", se);
        slot_of[se] = (int)sl;
        ck_assert_msg(!taken[sl][rm]++, "two sessions in slot %zu room %zu", sl, rm);
        ck_assert_msg(g->cap[rm] >= g->expected[se], "session %zu too large for room %zu", se, rm);
        for (size_t j = 0; j < 3; j++) {
            int k = g->spk[se][j];
            if (k >= 0) {
                ck_assert_msg(!speaking[k][sl]++, "speaker %d twice in slot %zu", k, sl);
                ck_assert_msg(g->avail[k][sl], "speaker %d not available in slot %zu", k, sl);
            }
        }
    }
    for (size_t i = 0; i < g->n; i++) {
        ck_assert_msg(slot_of[i] >= 0, "session %zu not placed", i);
    }
}

/* 200 sessions, 40 slots, 20 rooms, 40 speakers: a programme is found and
 * keeps every rule (the benchmark times it). */
START_TEST(large_programme)
{
    static instance g;
    for (uint64_t seed = 1; seed <= 8; seed++) {
        generate(&g, seed, 200, 40, 20, 40);
        rg_sched *s = from_instance(&g);
        int rc = rg_sched_solve(s, 0, NULL, NULL);
        ck_assert_msg(rc == RG_SCHED_FOUND, "seed %d: %d %s", (int)seed, rc, rg_sched_reason(s));
        check_programme(&g, s);
        rg_sched_free(s);
    }
}
END_TEST

/* ---- the first programme in the search order ----
 * A plain depth-first search without forward check or backjumping, as
 * domain.md says it: the scheduler's pruning must find the same first
 * programme, and none when it finds none. */
typedef struct {
    const instance *g;
    size_t ord[16], rank[8];
    int slot[16], room[16];
    unsigned char taken[8][8];
    unsigned char speaking[8][8];
} plain;

static int plain_dfs(plain *p, size_t d)
{
    const instance *g = p->g;
    if (d == g->n) {
        return 1;
    }
    size_t u = p->ord[d];
    for (size_t t = 0; t < g->T; t++) {
        int ok = 1;
        for (size_t j = 0; j < 3; j++) {
            int k = g->spk[u][j];
            if (k >= 0 && (p->speaking[k][t] || !g->avail[k][t])) {
                ok = 0;
            }
        }
        if (!ok) {
            continue;
        }
        for (size_t x = 0; x < g->R; x++) {
            size_t r = p->rank[x];
            if (p->taken[t][r] || g->cap[r] < g->expected[u]) {
                continue;
            }
            p->taken[t][r] = 1;
            for (size_t j = 0; j < 3; j++) {
                if (g->spk[u][j] >= 0) {
                    p->speaking[g->spk[u][j]][t] = 1;
                }
            }
            p->slot[d] = (int)t;
            p->room[d] = (int)r;
            if (plain_dfs(p, d + 1)) {
                return 1;
            }
            p->taken[t][r] = 0;
            for (size_t j = 0; j < 3; j++) {
                if (g->spk[u][j] >= 0) {
                    p->speaking[g->spk[u][j]][t] = 0;
                }
            }
        }
    }
    return 0;
}

static const instance *cmp_g;
static int cmp_plain_sessions(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    if (cmp_g->expected[x] != cmp_g->expected[y]) {
        return cmp_g->expected[x] > cmp_g->expected[y] ? -1 : 1;
    }
    return (x > y) - (x < y); /* ids P001... sort as their numbers */
}

START_TEST(same_first_programme)
{
    static instance g;
    int found = 0, none = 0, gave_up = 0;
    for (uint64_t seed = 1; seed <= 10000; seed++) {
        rng = seed * 7919 + 3;
        size_t n = 3 + rnd(10), T = 1 + rnd(4), R = 1 + rnd(3), K = 1 + rnd(4);
        memset(&g, 0, sizeof g);
        g.n = n, g.T = T, g.R = R, g.K = K;
        for (size_t r = 0; r < R; r++) {
            g.cap[r] = 10 * (1 + rnd(5));
        }
        for (size_t i = 0; i < n; i++) {
            g.expected[i] = 5 * rnd(11);
            for (size_t j = 0; j < 3; j++) {
                g.spk[i][j] = j < rnd(3) ? (int)rnd((unsigned)K) : -1;
            }
            if (g.spk[i][1] == g.spk[i][0]) {
                g.spk[i][1] = -1;
            }
            if (g.spk[i][2] == g.spk[i][0] || g.spk[i][2] == g.spk[i][1]) {
                g.spk[i][2] = -1;
            }
        }
        for (size_t k = 0; k < K; k++) {
            g.restricted[k] = rnd(3) == 0;
            for (size_t t = 0; t < T; t++) {
                g.avail[k][t] = !g.restricted[k] || rnd(2);
            }
        }
        static plain p;
        memset(&p, 0, sizeof p);
        p.g = &g;
        for (size_t i = 0; i < n; i++) {
            p.ord[i] = i;
        }
        cmp_g = &g;
        qsort(p.ord, n, sizeof *p.ord, cmp_plain_sessions);
        for (size_t x = 0; x < R; x++) { /* rooms by capacity, stable */
            size_t j = x;
            while (j > 0 && g.cap[p.rank[j - 1]] > g.cap[x]) {
                p.rank[j] = p.rank[j - 1];
                j--;
            }
            p.rank[j] = x;
        }
        int want = plain_dfs(&p, 0);
        rg_sched *s = from_instance(&g);
        int rc = rg_sched_solve(s, 0, NULL, NULL);
        if (rc == RG_SCHED_GAVE_UP) {
            /* a pigeonhole the plain search took longer on (both said no) */
            ck_assert_msg(!want, "seed %d: gave up on a feasible case", (int)seed);
            gave_up++;
            rg_sched_free(s);
            continue;
        }
        ck_assert_msg(rc == (want ? RG_SCHED_FOUND : RG_SCHED_NONE), "seed %d: %d, plain search %d", (int)seed,
                      rc, want);
        if (want) {
            found++;
            for (size_t d = 0; d < n; d++) {
                size_t se, sl, rm;
                rg_sched_placement(s, d, &se, &sl, &rm);
                ck_assert_msg(se == p.ord[d] && (int)sl == p.slot[d] && (int)rm == p.room[d],
                              "seed %d: placement %zu differs", (int)seed, d);
            }
        } else {
            none++;
            ck_assert(strlen(rg_sched_reason(s)) > 0);
        }
        rg_sched_free(s);
    }
    ck_assert_int_gt(found, 100); /* both kinds were tried */
    ck_assert_int_gt(none, 300);
    ck_assert_int_lt(gave_up, 10);
}
END_TEST

/* What the scheduler refuses to be given. */
START_TEST(c_refusals)
{
    rg_sched *s = rg_sched_new();
    ck_assert_int_eq(rg_sched_add_slot(s, "S1"), 0);
    ck_assert_int_eq(rg_sched_add_slot(s, "S1"), RG_SCHED_DUP);
    ck_assert_int_eq(rg_sched_add_slot(s, ""), RG_SCHED_BAD);
    ck_assert_int_eq(rg_sched_add_room(s, "Zaal1", -1), RG_SCHED_BAD);
    ck_assert_int_eq(rg_sched_add_room(s, "Zaal1", 10), 0);
    ck_assert_int_eq(rg_sched_add_room(s, "Zaal1", 10), RG_SCHED_DUP);
    ck_assert_int_eq(rg_sched_add_session(s, "P1", -5), RG_SCHED_BAD);
    ck_assert_int_eq(rg_sched_add_session(s, "P1", 5), 0);
    ck_assert_int_eq(rg_sched_add_session(s, "P1", 6), RG_SCHED_DUP);
    ck_assert_int_eq(rg_sched_add_speaker(s, 1, "X"), RG_SCHED_BAD);
    ck_assert_int_eq(rg_sched_add_available(s, "X", "S9"), RG_SCHED_UNKNOWN);
    ck_assert_int_eq(rg_sched_find(s, RG_SCHED_SESSION, "P1"), 0);
    ck_assert_int_eq(rg_sched_find(s, RG_SCHED_ROOM, "nope"), -1);
    ck_assert_int_eq(rg_sched_solve(s, 0, NULL, NULL), RG_SCHED_FOUND);
    rg_sched_free(s);
    /* nothing to place: an empty programme */
    s = rg_sched_new();
    ck_assert_int_eq(rg_sched_solve(s, 0, NULL, NULL), RG_SCHED_FOUND);
    rg_sched_free(s);
    /* no slots at all */
    s = rg_sched_new();
    rg_sched_add_room(s, "Zaal1", 10);
    rg_sched_add_session(s, "P1", 5);
    ck_assert_int_eq(rg_sched_solve(s, 0, NULL, NULL), RG_SCHED_NONE);
    ck_assert_str_eq(rg_sched_reason(s), "there are no slots");
    rg_sched_free(s);
}
END_TEST

/* ---- regie.schedule in a script step ---- */

static rg_lua *lua;

static void setup(void)
{
    t_dir_setup();
    lua = rg_lua_new(t_dir);
}

static void teardown(void)
{
    rg_lua_free(lua);
    t_dir_teardown();
}

/* Run a script whose run function is `body`; its error (caller frees),
 * or NULL when it ran. */
static char *run_lua(const char *body, const rg_lua_limits *lim)
{
    static int serial; /* a new file each time: scripts are compiled once per path */
    char *src = t_asprintf("return { run = function(step)\n%s\nend }\n", body);
    char *name = t_asprintf("sched%d.lua", ++serial);
    char *path = t_write(t_dir, name, src);
    free(name);
    regie_ctx *ctx = rg_test_ctx_new("t", NULL, t_dir);
    int rc = rg_lua_run(lua, path, ctx, lim);
    char *err = NULL;
    if (rc != 0) {
        const char *e = rg_test_ctx_error(ctx);
        err = strdup(e ? e : "(no error)");
    }
    rg_test_ctx_free(ctx);
    free(path);
    free(src);
    return err;
}

#define RUN_OK(body)                                                                               \
    do {                                                                                           \
        char *err_ = run_lua(body, NULL);                                                          \
        ck_assert_msg(err_ == NULL, "%s", err_);                                                   \
    } while (0)

/* E3 as a script writes it. */
#define E3_LUA(p4speakers)                                                                         \
    "  local t = {\n"                                                                              \
    "    sessions = { { id = 'P1', expected = 150, speakers = { 'Jansen' } },\n"                   \
    "                 { id = 'P2', expected = 70, speakers = { 'de Vries' } },\n"                  \
    "                 { id = 'P3', expected = 60, speakers = { 'Jansen' } },\n"                    \
    "                 { id = 'P4', expected = 35, speakers = " p4speakers " },\n"                  \
    "                 { id = 'P5', expected = 75.0, speakers = { 'de Vries' } },\n"                \
    "                 { id = 'P6', expected = 30, speakers = { 'Smit' } } },\n"                    \
    "    rooms = { { id = 'Zaal1', capacity = 200 }, { id = 'Zaal2', capacity = 80 },\n"           \
    "              { id = 'Zaal3', capacity = 40 } },\n"                                           \
    "    slots = { 'S1', 'S2', 'S3' },\n"                                                          \
    "    available = { Smit = { 'S3' } },\n"                                                       \
    "  }\n"

START_TEST(lua_e3)
{
    RUN_OK(E3_LUA("{ 'Bakker' }")
           "  local r, err = regie.schedule(t)\n"
           "  assert(r and err == nil, err and err.reason)\n"
           "  assert(regie.is_list(r) and #r == 6, 'a list of six')\n"
           "  local got = {}\n"
           "  for i, p in ipairs(r) do got[i] = p.session .. ' ' .. p.slot .. ' ' .. p.room end\n"
           "  got = table.concat(got, ', ')\n"
           "  assert(got == 'P1 S1 Zaal1, P5 S1 Zaal2, P2 S2 Zaal2, P3 S2 Zaal1, P4 S1 Zaal3, P6 S3 Zaal3', got)\n"
           "  -- the order the sessions come in does not matter\n"
           "  local rev = {}\n"
           "  for i = #t.sessions, 1, -1 do rev[#rev + 1] = t.sessions[i] end\n"
           "  local t2 = { sessions = rev, rooms = t.rooms, slots = t.slots, available = t.available }\n"
           "  local r2 = regie.schedule(t2)\n"
           "  for i = 1, 6 do assert(r2[i].session == r[i].session and r2[i].slot == r[i].slot and r2[i].room == r[i].room, 'order') end\n"
           "  -- a speaker available nowhere, a session too large\n"
           "  t2.available = { Smit = {} }\n"
           "  local none, e = regie.schedule(t2)\n"
           "  assert(none == nil and e.session == 'P6' and e.reason == 'speaker Smit is not available in any slot', e.reason)\n"
           "  t2.available = nil\n"
           "  t2.sessions[1] = { id = 'P9', expected = 201 }\n"
           "  none, e = regie.schedule(t2)\n"
           "  assert(none == nil and e.session == 'P9' and e.tried == 0, 'P9')\n"
           "  assert(e.reason == 'no room holds 201: the largest is Zaal1 with 200', e.reason)\n"
           "  t.sessions = {}\n"
           "  local empty = regie.schedule(t)\n"
           "  assert(regie.is_list(empty) and #empty == 0, 'nothing to place')\n");
    RUN_OK(E3_LUA("{ 'Bakker', 'Smit' }")
           "  local r, err = regie.schedule(t)\n"
           "  assert(r == nil and type(err) == 'table', 'no programme')\n"
           "  assert(err.session == 'P6', err.session)\n"
           "  assert(err.reason == 'speaker Smit is only available in S3, where Smit already speaks in P4', err.reason)\n"
           "  assert(err.gave_up == false and math.type(err.tried) == 'integer' and err.tried >= 0, 'tried')\n"
           "  t.sessions[4].speakers = { 'Bakker' }\n"
           "  t.limit = 2\n"
           "  r, err = regie.schedule(t)\n"
           "  assert(r == nil and err.gave_up == true and err.tried == 2 and err.session == 'P2', 'gave up')\n"
           "  assert(err.reason == 'gave up after 2 placements tried without a complete programme; deepest: '\n"
           "    .. '2 of 6 sessions placed, P2 not yet tried', err.reason)\n");
}
END_TEST

/* Wrong arguments are errors that name the entry. */
START_TEST(lua_bad_arguments)
{
    RUN_OK(E3_LUA("{ 'Bakker' }")
           "  local function fails(change, want)\n"
           "    local copy = {}\n"
           "    for k, v in pairs(t) do copy[k] = v end\n"
           "    change(copy)\n"
           "    local ok, err = pcall(regie.schedule, copy)\n"
           "    assert(not ok, 'accepted: ' .. want)\n"
           "    assert(err:find(want, 1, true), err)\n"
           "  end\n"
           "  local function with_session(i, s) return function(c)\n"
           "    c.sessions = { table.unpack(t.sessions) } c.sessions[i] = s end end\n"
           "  fails(with_session(3, { expected = 10 }), 'regie.schedule: sessions[3]: field id is missing, expected an id (text)')\n"
           "  fails(with_session(3, { id = '', expected = 10 }), 'sessions[3]: field id: found \"\", expected an id (text)')\n"
           "  fails(with_session(4, { id = 'P1', expected = 10 }), 'regie.schedule: sessions[4]: id \"P1\" given twice (also sessions[1])')\n"
           "  fails(with_session(2, { id = 'P2', expected = -70 }), 'sessions[2] (\"P2\"): field expected: found -70, expected a whole number of 0 or more')\n"
           "  fails(with_session(2, { id = 'P2', expected = 7.5 }), 'sessions[2] (\"P2\"): field expected: found 7.5, expected a whole number')\n"
           "  fails(with_session(2, { id = 'P2' }), 'sessions[2] (\"P2\"): field expected is missing')\n"
           "  fails(with_session(2, { id = 'P2', expected = 1, speakers = 'Jansen' }), 'sessions[2] (\"P2\"): field speakers: found \"Jansen\", expected a list of names')\n"
           "  fails(with_session(2, { id = 'P2', expected = 1, speakers = { 'A', 5 } }), 'sessions[2] (\"P2\"): speakers[2]: found 5, expected a speaker')\n"
           "  fails(with_session(2, 'P2'), 'sessions[2]: found \"P2\", expected a session')\n"
           "  fails(function(c) c.rooms = { { id = 'Zaal1', capacity = 200 }, { id = 'Zaal1', capacity = 80 } } end,\n"
           "        'rooms[2]: id \"Zaal1\" given twice (also rooms[1])')\n"
           "  fails(function(c) c.rooms = { { id = 'Zaal1', capacity = -1 } } end,\n"
           "        'rooms[1] (\"Zaal1\"): field capacity: found -1, expected a whole number of 0 or more')\n"
           "  fails(function(c) c.rooms = { { capacity = 10 } } end, 'rooms[1]: field id is missing')\n"
           "  fails(function(c) c.slots = { 'S1', 'S2', 'S1' } end, 'regie.schedule: slots[3]: \"S1\" given twice (also slots[1])')\n"
           "  fails(function(c) c.slots = { 'S1', {} } end, 'slots[2]: found a table, expected a slot id (text)')\n"
           "  fails(function(c) c.slots = nil end, 'regie.schedule: field slots is missing, expected a list of slot ids')\n"
           "  fails(function(c) c.available = { Smit = { 'S3', 'S9' } } end,\n"
           "        'available[\"Smit\"][2]: found \"S9\", expected a slot id given in slots')\n"
           "  fails(function(c) c.available = { Smit = 'S3' } end, 'available[\"Smit\"]: found \"S3\", expected a list of slot ids')\n"
           "  fails(function(c) c.available = { [1] = { 'S3' } } end, 'available: key 1, expected a speaker')\n"
           "  fails(function(c) c.limit = 0 end, 'field limit: found 0, expected a whole number of 1 or more')\n"
           "  fails(function(c) c.sesions = c.sessions end, 'unknown field \"sesions\", expected sessions, rooms, slots, available or limit')\n"
           "  local ok, err = pcall(regie.schedule, 'x')\n"
           "  assert(not ok and err:find('table expected', 1, true), err)\n"
           "  -- the scheduler made before an error is freed at once\n"
           "  for i = 1, 200 do pcall(regie.schedule, { slots = { 'S1', 'S1' } }) end\n");
}
END_TEST

/* Talks by every two of nine speakers (36) in eight slots: each speaker
 * has eight talks for eight slots and the rooms have room, so no count
 * shows it, yet no programme exists (at most four talks share a slot).
 * A step's limit stops the search with the limit's error (the search's
 * memory goes with it); without one it gives up plainly. */
#define PAIRS_LUA(limit)                                                                           \
    "  local t = { sessions = {}, rooms = {}, slots = {}" limit " }\n"                             \
    "  for i = 1, 8 do t.slots[i] = 'T' .. i end\n"                                                \
    "  for i = 1, 5 do t.rooms[i] = { id = 'R' .. i, capacity = 100 } end\n"                       \
    "  local names = { 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I' }\n"                            \
    "  for i = 1, 9 do for j = i + 1, 9 do\n"                                                      \
    "    t.sessions[#t.sessions + 1] = { id = 'P' .. i .. j, expected = 50, speakers = { names[i], names[j] } }\n" \
    "  end end\n"                                                                                 \
    "  local r, err = regie.schedule(t)\n"

START_TEST(lua_limit_stops_search)
{
    rg_lua_limits lim = { 200000, 0, 0 };
    char *err = run_lua(PAIRS_LUA("") "  error('not stopped: ' .. tostring(err and err.reason))\n", &lim);
    ck_assert_ptr_nonnull(err);
    T_CONTAINS(err, "instruction limit");
    free(err);
    err = run_lua(PAIRS_LUA(", limit = 20000")
                  "  assert(r == nil and err.gave_up and err.tried == 20000, 'gave up')\n"
                  "  assert(err.reason:find('^gave up after 20000 placements tried without a complete programme; deepest: P%d%d could not be placed: '),\n"
                  "         err.reason)\n",
                  NULL);
    ck_assert_msg(err == NULL, "%s", err);
}
END_TEST

Suite *suite_schedule(void);
Suite *suite_schedule(void)
{
    Suite *s = suite_create("schedule");
    TCase *tc = tcase_create("c");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, e3_programme);
    tcase_add_test(tc, e3_variant_reason);
    tcase_add_test(tc, room_too_small);
    tcase_add_test(tc, needs_backtracking);
    tcase_add_test(tc, gives_up);
    tcase_add_test(tc, counted_out);
    tcase_add_test(tc, large_programme);
    tcase_add_test(tc, same_first_programme);
    tcase_add_test(tc, c_refusals);
    suite_add_tcase(s, tc);
    TCase *tl = tcase_create("lua");
    tcase_set_timeout(tl, 60);
    tcase_add_checked_fixture(tl, setup, teardown);
    tcase_add_test(tl, lua_e3);
    tcase_add_test(tl, lua_bad_arguments);
    tcase_add_test(tl, lua_limit_stops_search);
    suite_add_tcase(s, tl);
    return s;
}
