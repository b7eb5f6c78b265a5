/* schedule.c: the programme scheduler of the event workflow (domain.md
 * §3.1 step 5): sessions placed in (slot, room) pairs, depth-first with
 * backtracking, and, when no programme exists, the session that could not
 * be placed and why, in plain words.
 *
 * The order is fixed: sessions by expected attendance, high to low, then
 * by id (byte order); for each, the slots in the order given, and within
 * a slot the rooms from the smallest capacity up (equal capacities in the
 * order given).  A pair is feasible when the room is free in that slot,
 * holds the expected attendance, no speaker of the session already speaks
 * in that slot and every speaker is available in it.  The first complete
 * assignment in that order is the result.  A forward check (a branch ends
 * as soon as some session not yet placed has no feasible pair left, or
 * the sessions left with one slot cannot all have it) cuts only branches
 * that hold no complete assignment, and so does
 * conflict-directed backjumping (back to the deepest session that had a
 * part in a failure): neither changes which assignment is found first.
 * When counting alone shows that none exists (more sessions needing the
 * rooms from some size up than those rooms have places, a speaker with
 * more sessions than slots), the search still runs, for at most 10,000
 * placements, to say why in its terms; past that the count is the
 * reason.
 *
 * Everything the scheduler holds is in its rg_sched: a caller whose poll
 * function does not return (a longjmp) loses nothing as long as it frees
 * the rg_sched later.
 * Not installed; every exported name carries the rg_ prefix. */
#ifndef REGIE_SCHEDULE_H
#define REGIE_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

typedef struct rg_sched rg_sched;

/* What the rg_sched_add_* functions return besides an index (>= 0). */
enum {
    RG_SCHED_DUP = -1,     /* the id is there already (rg_sched_find tells where) */
    RG_SCHED_UNKNOWN = -2, /* a slot id that was not added */
    RG_SCHED_BAD = -3,     /* a negative number, an empty id, or added after solving */
};

/* What rg_sched_solve returns. */
enum {
    RG_SCHED_FOUND = 0,   /* a complete programme: rg_sched_placement */
    RG_SCHED_NONE = 1,    /* none exists: rg_sched_failed_session, rg_sched_reason */
    RG_SCHED_GAVE_UP = 2, /* `limit` placements tried without one: the same */
    RG_SCHED_STOPPED = 3, /* the poll function asked to stop */
    RG_SCHED_NOMEM = 4,   /* no memory for the search */
};

/* The kinds of things rg_sched_find looks up by id. */
enum { RG_SCHED_SLOT, RG_SCHED_ROOM, RG_SCHED_SESSION };

/* The default for rg_sched_solve's limit. */
#define RG_SCHED_DEFAULT_LIMIT 1000000

rg_sched *rg_sched_new(void);
void rg_sched_free(rg_sched *s);

/* Add a slot, a room, a session (ids are copied): its index among those
 * of its kind, in the order added, or RG_SCHED_DUP / RG_SCHED_BAD. */
long rg_sched_add_slot(rg_sched *s, const char *id);
long rg_sched_add_room(rg_sched *s, const char *id, long long capacity);
long rg_sched_add_session(rg_sched *s, const char *id, long long expected);
/* A speaker of session `session` (an index rg_sched_add_session gave): 0
 * (a name given twice for one session counts once), or RG_SCHED_BAD. */
long rg_sched_add_speaker(rg_sched *s, size_t session, const char *name);
/* Speaker `name` is available in slot `slot_id` (added before): a speaker
 * named here is available only in the slots named for it; with slot_id
 * NULL, the speaker is only marked so (available in no slot unless
 * named with one).  0, or RG_SCHED_UNKNOWN / RG_SCHED_BAD. */
long rg_sched_add_available(rg_sched *s, const char *name, const char *slot_id);
/* The index of the id among those of `kind`, or -1. */
long rg_sched_find(const rg_sched *s, int kind, const char *id);

/* Bytes rg_sched_solve will take for what was added (SIZE_MAX when that
 * does not fit in a size_t). */
size_t rg_sched_memory(const rg_sched *s);

/* Search for the programme, trying at most `limit` placements (0: the
 * default).  poll, when given, is called every 1024 placements with ud; a
 * nonzero return stops the search (RG_SCHED_STOPPED).  Once only. */
typedef int (*rg_sched_poll)(void *ud);
int rg_sched_solve(rg_sched *s, uint64_t limit, rg_sched_poll poll, void *ud);

/* After RG_SCHED_FOUND: the i-th placement (0 .. the number of sessions),
 * in the order the sessions were placed, as indices of session, slot and
 * room. */
void rg_sched_placement(const rg_sched *s, size_t i, size_t *session, size_t *slot, size_t *room);
/* Ids by index. */
const char *rg_sched_slot_id(const rg_sched *s, size_t i);
const char *rg_sched_room_id(const rg_sched *s, size_t i);
const char *rg_sched_session_id(const rg_sched *s, size_t i);
size_t rg_sched_count(const rg_sched *s, int kind);
/* Placements tried by the search. */
uint64_t rg_sched_tried(const rg_sched *s);
/* After RG_SCHED_NONE or RG_SCHED_GAVE_UP: the index of the session that
 * could not be placed at the deepest point the search reached (the first
 * time it got there), and the reason, built from what was placed at that
 * point (after giving up, it starts "gave up after N placements tried").
 * The reason stays the rg_sched's. */
size_t rg_sched_failed_session(const rg_sched *s);
const char *rg_sched_reason(const rg_sched *s);

#endif /* REGIE_SCHEDULE_H */
