/* api_schedule.c - regie.schedule: a programme of sessions in slots and
 * rooms (the event workflow's step 5), searched in C (schedule.h).
 *
 *   local result, err = regie.schedule{ sessions = ..., rooms = ...,
 *                                       slots = ..., available = ..., limit = ... }
 *
 * result: { { session =, slot =, room = }, ... } in the order the sessions
 * were placed; or nil and err = { session =, reason =, gave_up =, tried = }.
 * What is wrong with the arguments is a Lua error naming the entry.  The
 * scheduler lives in a to-be-closed userdata: a Lua error (the step's time
 * limit among them, raised from inside the search) frees it. */
#include "api.h"
#include "schedule.h"

#include <lauxlib.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define WHO "regie.schedule: "

typedef struct {
    rg_sched *s;
} sched_box;

static int box_release(lua_State *L)
{
    sched_box *b = lua_touserdata(L, 1);
    if (b && b->s) {
        rg_sched_free(b->s);
        b->s = NULL;
    }
    return 0;
}

/* A new scheduler, held by a to-be-closed userdata on the top of the
 * stack. */
static rg_sched *new_box(lua_State *L)
{
    sched_box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->s = NULL;
    if (luaL_newmetatable(L, "regie.schedule")) {
        lua_pushcfunction(L, box_release);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, box_release);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    lua_toclose(L, -1);
    b->s = rg_sched_new();
    return b->s;
}

/* The value at idx as a message shows it (pushed): "text" quoted, a
 * number as written, null, else its type ("a table"). */
static const char *shown(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TSTRING:
        return lua_pushfstring(L, "\"%s\"", lua_tostring(L, idx));
    case LUA_TNUMBER:
        return luaL_tolstring(L, idx, NULL);
    case LUA_TLIGHTUSERDATA:
        return lua_pushstring(L, "null"); /* regie.null is the only light userdata scripts see */
    default:
        return lua_pushfstring(L, "a %s", luaL_typename(L, idx));
    }
}

/* The error for the value at idx, which is `where` (printf-like after
 * `expected`): missing, or found what it is instead of `expected`. */
static int bad(lua_State *L, int idx, const char *expected, const char *where, ...)
{
    idx = lua_absindex(L, idx);
    va_list ap;
    va_start(ap, where);
    const char *w = lua_pushvfstring(L, where, ap);
    va_end(ap);
    if (lua_isnil(L, idx)) {
        return luaL_error(L, WHO "%s is missing, expected %s", w, expected);
    }
    return luaL_error(L, WHO "%s: found %s, expected %s", w, shown(L, idx), expected);
}

/* A whole number at idx (an integer, or a float without a fraction): 1
 * and *v, or 0. */
static int whole(lua_State *L, int idx, long long *v)
{
    if (lua_type(L, idx) != LUA_TNUMBER) {
        return 0;
    }
    if (lua_isinteger(L, idx)) {
        *v = (long long)lua_tointeger(L, idx);
        return 1;
    }
    double d = lua_tonumber(L, idx);
    if (d != floor(d) || fabs(d) > 9007199254740992.0) {
        return 0;
    }
    *v = (long long)d;
    return 1;
}

/* A text id at idx (not empty, no NUL byte): it, or NULL. */
static const char *text(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TSTRING) {
        return NULL;
    }
    size_t len;
    const char *p = lua_tolstring(L, idx, &len);
    return len > 0 && strlen(p) == len ? p : NULL;
}

/* The list in field `name` of the argument, pushed; its length. */
static size_t get_list(lua_State *L, const char *name, const char *expected, int optional)
{
    lua_getfield(L, 1, name);
    if (optional && lua_isnil(L, -1)) {
        return 0;
    }
    if (!lua_istable(L, -1)) {
        bad(L, -1, expected, "field %s", name);
    }
    return (size_t)lua_rawlen(L, -1);
}

/* Fields of the argument other than these are an error (a typing slip
 * must not pass as "no availability"). */
static void check_fields(lua_State *L)
{
    static const char *const known[] = { "sessions", "rooms", "slots", "available", "limit", NULL };
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        int ok = 0;
        for (int i = 0; k && known[i] && !ok; i++) {
            ok = strcmp(k, known[i]) == 0;
        }
        if (!ok) {
            luaL_error(L, WHO "unknown field %s, expected sessions, rooms, slots, available or limit",
                       shown(L, -1));
        }
    }
}

static void read_slots(lua_State *L, rg_sched *s)
{
    size_t n = get_list(L, "slots", "a list of slot ids", 0);
    int list = lua_gettop(L);
    for (size_t i = 1; i <= n; i++) {
        lua_rawgeti(L, list, (lua_Integer)i);
        const char *id = text(L, -1);
        if (!id) {
            bad(L, -1, "a slot id (text)", "slots[%d]", (int)i);
        }
        if (rg_sched_add_slot(s, id) == RG_SCHED_DUP) {
            luaL_error(L, WHO "slots[%d]: \"%s\" given twice (also slots[%d])", (int)i, id,
                       (int)rg_sched_find(s, RG_SCHED_SLOT, id) + 1);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* The entry at the top of the stack, list[i], must be a table; its id
 * (field id), kept on the stack. */
static const char *entry_id(lua_State *L, const char *list, size_t i, const char *what)
{
    if (!lua_istable(L, -1)) {
        bad(L, -1, what, "%s[%d]", list, (int)i);
    }
    lua_getfield(L, -1, "id");
    const char *id = text(L, -1);
    if (!id) {
        bad(L, -1, "an id (text)", "%s[%d]: field id", list, (int)i);
    }
    return id;
}

/* Field `name` of the entry at `entry` as a whole number >= 0. */
static long long entry_count(lua_State *L, int entry, const char *list, size_t i, const char *id,
                             const char *name)
{
    lua_getfield(L, entry, name);
    long long v;
    if (!whole(L, -1, &v) || v < 0) {
        bad(L, -1, "a whole number of 0 or more", "%s[%d] (\"%s\"): field %s", list, (int)i, id, name);
    }
    lua_pop(L, 1);
    return v;
}

static void read_rooms(lua_State *L, rg_sched *s)
{
    size_t n = get_list(L, "rooms", "a list of rooms { id = ..., capacity = ... }", 0);
    int list = lua_gettop(L);
    for (size_t i = 1; i <= n; i++) {
        lua_rawgeti(L, list, (lua_Integer)i);
        int entry = lua_gettop(L);
        const char *id = entry_id(L, "rooms", i, "a room { id = ..., capacity = ... }");
        long long cap = entry_count(L, entry, "rooms", i, id, "capacity");
        if (rg_sched_add_room(s, id, cap) == RG_SCHED_DUP) {
            luaL_error(L, WHO "rooms[%d]: id \"%s\" given twice (also rooms[%d])", (int)i, id,
                       (int)rg_sched_find(s, RG_SCHED_ROOM, id) + 1);
        }
        lua_settop(L, list);
    }
    lua_pop(L, 1);
}

static void read_sessions(lua_State *L, rg_sched *s)
{
    size_t n = get_list(L, "sessions", "a list of sessions { id = ..., expected = ..., speakers = ... }", 0);
    int list = lua_gettop(L);
    for (size_t i = 1; i <= n; i++) {
        lua_rawgeti(L, list, (lua_Integer)i);
        int entry = lua_gettop(L);
        const char *id = entry_id(L, "sessions", i, "a session { id = ..., expected = ..., speakers = ... }");
        long long expected = entry_count(L, entry, "sessions", i, id, "expected");
        long x = rg_sched_add_session(s, id, expected);
        if (x == RG_SCHED_DUP) {
            luaL_error(L, WHO "sessions[%d]: id \"%s\" given twice (also sessions[%d])", (int)i, id,
                       (int)rg_sched_find(s, RG_SCHED_SESSION, id) + 1);
        }
        lua_getfield(L, entry, "speakers");
        int spk = lua_gettop(L);
        if (!lua_isnil(L, spk) && !rg_lua_is_null(L, spk)) {
            if (!lua_istable(L, spk)) {
                bad(L, spk, "a list of names", "sessions[%d] (\"%s\"): field speakers", (int)i, id);
            }
            size_t m = (size_t)lua_rawlen(L, spk);
            for (size_t j = 1; j <= m; j++) {
                lua_rawgeti(L, spk, (lua_Integer)j);
                const char *name = text(L, -1);
                if (!name) {
                    bad(L, -1, "a speaker's name (text)", "sessions[%d] (\"%s\"): speakers[%d]", (int)i, id,
                        (int)j);
                }
                rg_sched_add_speaker(s, (size_t)x, name);
                lua_pop(L, 1);
            }
        }
        lua_settop(L, list);
    }
    lua_pop(L, 1);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* available = { NAME = { SLOT, ... }, ... }: taken in the order of the
 * names, so that of two bad entries the same one is named every time. */
static void read_available(lua_State *L, rg_sched *s)
{
    lua_getfield(L, 1, "available");
    int av = lua_gettop(L);
    if (lua_isnil(L, av) || rg_lua_is_null(L, av)) {
        lua_pop(L, 1);
        return;
    }
    if (!lua_istable(L, av)) {
        bad(L, av, "a table { speaker = { slot id, ... }, ... }", "field available");
    }
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, av)) {
        lua_pop(L, 1);
        if (!text(L, -1)) {
            luaL_error(L, WHO "available: key %s, expected a speaker's name (text)", shown(L, -1));
        }
        n++;
    }
    /* the names stay alive: they are keys of the table on the stack */
    const char **names = lua_newuserdatauv(L, (n ? n : 1) * sizeof *names, 0);
    size_t i = 0;
    lua_pushnil(L);
    while (lua_next(L, av)) {
        lua_pop(L, 1);
        if (i < n) {
            names[i++] = lua_tostring(L, -1);
        }
    }
    n = i;
    qsort(names, n, sizeof *names, cmp_names);
    for (i = 0; i < n; i++) {
        lua_getfield(L, av, names[i]);
        int slots = lua_gettop(L);
        if (!lua_istable(L, slots)) {
            bad(L, slots, "a list of slot ids", "available[\"%s\"]", names[i]);
        }
        size_t m = (size_t)lua_rawlen(L, slots);
        rg_sched_add_available(s, names[i], NULL);
        for (size_t j = 1; j <= m; j++) {
            lua_rawgeti(L, slots, (lua_Integer)j);
            const char *slot = text(L, -1);
            if (!slot || rg_sched_add_available(s, names[i], slot) == RG_SCHED_UNKNOWN) {
                bad(L, -1, "a slot id given in slots", "available[\"%s\"][%d]", names[i], (int)j);
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_settop(L, av - 1);
}

static int poll_time(void *ud)
{
    rg_lua_check_time(ud); /* raises the step's limit error: the box frees the search */
    return 0;
}

/* regie.schedule(t) -> result | nil, err (see the top of the file) */
int rg_api_schedule(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    rg_sched *s = new_box(L);
    check_fields(L);
    read_slots(L, s);
    read_rooms(L, s);
    read_sessions(L, s);
    read_available(L, s);
    lua_getfield(L, 1, "limit");
    long long limit = 0;
    if (!lua_isnil(L, -1) && (!whole(L, -1, &limit) || limit < 1)) {
        bad(L, -1, "a whole number of 1 or more", "field limit");
    }
    lua_pop(L, 1);
    size_t need = rg_sched_memory(s);
    size_t n = rg_sched_count(s, RG_SCHED_SESSION);
    if (need == SIZE_MAX) {
        return luaL_error(L, WHO "too large: %d sessions, %d slots and %d rooms", (int)n,
                          (int)rg_sched_count(s, RG_SCHED_SLOT), (int)rg_sched_count(s, RG_SCHED_ROOM));
    }
    rg_lua_check_room(L, need);
    int rc = rg_sched_solve(s, (uint64_t)limit, poll_time, L);
    if (rc == RG_SCHED_FOUND) {
        lua_createtable(L, rg_lua_size_hint(n), 0);
        rg_lua_push_list_mt(L);
        lua_setmetatable(L, -2);
        for (size_t i = 0; i < n; i++) {
            size_t se, sl, rm;
            rg_sched_placement(s, i, &se, &sl, &rm);
            lua_createtable(L, 0, 3);
            lua_pushstring(L, rg_sched_session_id(s, se));
            lua_setfield(L, -2, "session");
            lua_pushstring(L, rg_sched_slot_id(s, sl));
            lua_setfield(L, -2, "slot");
            lua_pushstring(L, rg_sched_room_id(s, rm));
            lua_setfield(L, -2, "room");
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        return 1;
    }
    if (rc == RG_SCHED_NONE || rc == RG_SCHED_GAVE_UP) {
        lua_pushnil(L);
        lua_createtable(L, 0, 4);
        lua_pushstring(L, rg_sched_session_id(s, rg_sched_failed_session(s)));
        lua_setfield(L, -2, "session");
        lua_pushstring(L, rg_sched_reason(s));
        lua_setfield(L, -2, "reason");
        lua_pushboolean(L, rc == RG_SCHED_GAVE_UP);
        lua_setfield(L, -2, "gave_up");
        lua_pushinteger(L, (lua_Integer)rg_sched_tried(s));
        lua_setfield(L, -2, "tried");
        return 2;
    }
    return luaL_error(L, WHO "not enough memory for %d sessions, %d slots and %d rooms", (int)n,
                      (int)rg_sched_count(s, RG_SCHED_SLOT), (int)rg_sched_count(s, RG_SCHED_ROOM));
}
