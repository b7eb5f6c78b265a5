/* lua_step.c - script steps: a sandboxed Lua 5.4 state per worker thread,
 * scripts compiled once and kept as registry references, and per-step
 * limits on instructions, wall time and memory that a script's own pcall
 * cannot escape. */
#define _GNU_SOURCE
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "lua_api.h"
#include "lua_step.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_MIMALLOC
#include <mimalloc.h>
#else
#include <malloc.h>
#endif

#define HOOK_EVERY 1000
#define SETUP_MEMORY ((size_t)256 * 1024 * 1024)
/* A step that took more than this leaves a new state behind it (see the
 * end of rg_lua_run). */
#define RENEW_AFTER ((size_t)4 * 1024 * 1024)

typedef struct script_entry {
    char *path;
    int ref; /* the table the chunk returned */
} script_entry;

/* Time per place in a script: a line, or a function by the line it is
 * defined on; found through a small open-addressing index. */
struct prof_line {
    const char *src; /* interned by Lua: stable while the script is loaded */
    int line;
    double t; /* seconds */
};

typedef struct prof_set {
    struct prof_line *v;
    size_t n, cap;
    size_t *slot; /* index + 1 into v, 0 for free; nslot a power of two */
    size_t nslot;
} prof_set;

static size_t prof_hash(const char *src, int line, size_t mask)
{
    uint64_t h = ((uint64_t)(uintptr_t)src >> 4) * 0x9E3779B97F4A7C15ull ^ (uint64_t)(unsigned)line * 0xC2B2AE3D27D4EB4Full;
    return (size_t)(h ^ (h >> 29)) & mask;
}

static void prof_add(prof_set *p, const char *src, int line, double dt)
{
    if (2 * (p->n + 1) > p->nslot) {
        free(p->slot);
        p->nslot = p->nslot ? 2 * p->nslot : 512;
        p->slot = rg_xcalloc(p->nslot, sizeof *p->slot);
        for (size_t i = 0; i < p->n; i++) {
            size_t h = prof_hash(p->v[i].src, p->v[i].line, p->nslot - 1);
            while (p->slot[h]) {
                h = (h + 1) & (p->nslot - 1);
            }
            p->slot[h] = i + 1;
        }
    }
    size_t h = prof_hash(src, line, p->nslot - 1);
    for (; p->slot[h]; h = (h + 1) & (p->nslot - 1)) {
        struct prof_line *e = &p->v[p->slot[h] - 1];
        if (e->src == src && e->line == line) {
            e->t += dt;
            return;
        }
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 256;
        p->v = rg_xrealloc(p->v, p->cap * sizeof *p->v);
    }
    p->v[p->n++] = (struct prof_line){ src, line, dt };
    p->slot[h] = p->n;
}

static void prof_clear(prof_set *p)
{
    p->n = 0;
    if (p->slot) {
        memset(p->slot, 0, p->nslot * sizeof *p->slot);
    }
}

static void prof_free(prof_set *p)
{
    free(p->v);
    free(p->slot);
}

struct rg_lua {
    lua_State *L;
#ifdef HAVE_MIMALLOC
    /* every object of L, in a heap of its own: dropped in one go (see
     * drop_state); a heap is the thread's that made it */
    mi_heap_t *heap;
    pthread_t owner;
#endif
    char *script_path;
    size_t used, limit;
    size_t peak; /* most memory in use during the current step */
    int mem_hit;
    long long instr, instr_limit;
    double deadline;
    volatile sig_atomic_t killed; /* 1 instructions, 2 time */
    /* The time limit needs no hook while the step runs: a timer signals
     * the thread at the deadline (see on_deadline), which then sets one on
     * the main thread of the state and on the coroutine running, if any. */
    int have_timer;
    timer_t timer;
    double timer_when; /* when it fires (rg_now() seconds), 0 unset */
    pid_t timer_tid; /* the thread the timer signals */
    lua_State *volatile running; /* innermost coroutine being resumed */
    script_entry *scripts;
    size_t nscripts;
    char **modules; /* files loaded through require */
    size_t nmodules;
    /* REGIE_PROFILE: samples of the running line, one every HOOK_EVERY
     * instructions, reported per step on stderr: the time up to a sample
     * goes to its line, and to each function on the stack (inclusive) */
    int profile;
    prof_set prof_lines, prof_funcs;
    double prof_last;
};

/* Deepest stack walked for the functions of a sample. */
#define PROF_DEPTH 64

/* `from`: the level of the running line, 0 from the hook, 1 from inside
 * a C function (its caller's line) */
static void prof_sample(rg_lua *R, lua_State *L, int from)
{
    lua_Debug ar;
    double now = rg_now(), dt = now - R->prof_last;
    R->prof_last = now;
    /* the running line, then each Lua function on the stack once, however
     * deep it recurses */
    struct {
        const char *src;
        int line;
    } seen[PROF_DEPTH];
    int nseen = 0;
    for (int level = from; level < PROF_DEPTH && lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, level == from ? "Sl" : "S", &ar)) {
            continue;
        }
        if (level == from) {
            prof_add(&R->prof_lines, ar.source, ar.currentline, dt);
        }
        if (ar.what[0] != 'L') {
            continue;
        }
        int dup = 0;
        for (int i = 0; i < nseen && !dup; i++) {
            dup = seen[i].src == ar.source && seen[i].line == ar.linedefined;
        }
        if (!dup) {
            seen[nseen].src = ar.source;
            seen[nseen++].line = ar.linedefined;
            prof_add(&R->prof_funcs, ar.source, ar.linedefined, dt);
        }
    }
}

static int prof_cmp(const void *a, const void *b)
{
    const struct prof_line *x = a, *y = b;
    return x->t < y->t ? 1 : x->t > y->t ? -1 : 0;
}

static void prof_print(prof_set *p, double total, const char *what)
{
    qsort(p->v, p->n, sizeof *p->v, prof_cmp);
    for (size_t i = 0; i < p->n && i < 15; i++) {
        const char *src = p->v[i].src;
        fprintf(stderr, "  %5.1f%%  %8.1f ms  %s%s:%d\n", 100.0 * p->v[i].t / total, p->v[i].t * 1e3, what,
                src[0] == '@' ? src + 1 : src, p->v[i].line);
    }
    prof_clear(p);
}

static void prof_report(rg_lua *R, const char *step, double input_seconds, size_t base)
{
    double total = 0;
    for (size_t i = 0; i < R->prof_lines.n; i++) {
        total += R->prof_lines.v[i].t;
    }
    if (total <= 0) {
        prof_clear(&R->prof_lines);
        prof_clear(&R->prof_funcs);
        return;
    }
    fprintf(stderr, "profile of step %s: %lld k instructions in %.1f ms (of which reading inputs %.1f ms), "
                    "%.1f MB of memory at most; the lines it spent most time on:\n",
            step, R->instr / 1000, total * 1e3, input_seconds * 1e3, (double)(R->peak - base) / 1048576.0);
    prof_print(&R->prof_lines, total, "");
    fprintf(stderr, "  the functions it spent most time in (calls they make included):\n");
    prof_print(&R->prof_funcs, total, "function at ");
}

/* The state's memory: with mimalloc (then also the process's malloc:
 * linking it replaces malloc), from a heap of the state's own, freed at once
 * when the state is dropped; else from malloc. */
static void mem_free(void *p)
{
#ifdef HAVE_MIMALLOC
    mi_free(p);
#else
    free(p);
#endif
}

static void *mem_realloc(rg_lua *R, void *p, size_t n)
{
#ifdef HAVE_MIMALLOC
    return mi_heap_realloc(R->heap, p, n);
#else
    (void)R;
    return realloc(p, n);
#endif
}

static void *l_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    rg_lua *R = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        R->used -= old;
        mem_free(ptr);
        return NULL;
    }
    if (R->limit && nsize > old && R->used - old + nsize > R->limit) {
        R->mem_hit = 1;
        return NULL;
    }
    void *p = mem_realloc(R, ptr, nsize);
    if (p) {
        R->used = R->used - old + nsize;
        if (R->used > R->peak) {
            R->peak = R->used;
        }
    }
    return p;
}

static rg_lua *self_of(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
}

void rg_lua_prof_mark(lua_State *L)
{
    rg_lua *R = self_of(L);
    if (R->profile) {
        prof_sample(R, L, 1);
    }
}

static void hook(lua_State *L, lua_Debug *ar);

/* The hook at every instruction: it raises the error R->killed names. */
static void stop_now(lua_State *L)
{
    lua_sethook(L, hook, LUA_MASKCOUNT, 1);
}

static void hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    rg_lua *R = self_of(L);
    if (R->killed) {
        /* every instruction from now on: the script's pcall cannot swallow it */
        luaL_error(L, R->killed == 1 ? "instruction limit of %lld exceeded"
                                     : "time limit of the step exceeded",
                   R->instr_limit);
        return;
    }
    R->instr += HOOK_EVERY;
    if (R->profile) {
        prof_sample(R, L, 0);
    }
    if (R->instr_limit && R->instr > R->instr_limit) {
        R->killed = 1;
        stop_now(L);
        luaL_error(L, "instruction limit of %lld exceeded", R->instr_limit);
    }
}

/* ---- the time limit ----
 * A step's deadline is a POSIX timer that sends DEADLINE_SIGNAL to the
 * thread running the step.  The handler does what lua.c does on Ctrl-C:
 * it sets a hook, which raises the error at the next instruction (also
 * inside pcall, see hook).  Until then the script runs without any hook:
 * a count hook makes every Lua instruction call into the debug interface
 * (about 12 % of a script's time).
 *
 * The timer is not set per step: a timer that will fire no later than the
 * step's deadline is left running, and when it fires early the handler
 * sets it again for the deadline of the step then running.  Steps that
 * follow each other with the same timeout so cost no system call (setting
 * and clearing a timer per step would double a no-op step's cost). */
#define DEADLINE_SIGNAL (SIGRTMIN + 1)

static _Thread_local rg_lua *volatile armed; /* the state whose deadline runs */

static int timer_at(rg_lua *R, double when)
{
    struct itimerspec it;
    memset(&it, 0, sizeof it);
    it.it_value.tv_sec = (time_t)when;
    it.it_value.tv_nsec = (long)((when - (double)it.it_value.tv_sec) * 1e9);
    if (it.it_value.tv_sec == 0 && it.it_value.tv_nsec == 0) {
        it.it_value.tv_nsec = 1;
    }
    if (timer_settime(R->timer, TIMER_ABSTIME, &it, NULL) != 0) {
        return -1;
    }
    R->timer_when = when;
    return 0;
}

/* The deadline has passed: the main thread of the state and the
 * coroutine running, if any, stop at their next instruction. */
static void time_up(rg_lua *R)
{
    R->killed = 2;
    stop_now(R->L);
    lua_State *co = R->running;
    if (co) {
        stop_now(co);
    }
}

static void on_deadline(int sig, siginfo_t *info, void *uc)
{
    (void)sig;
    (void)uc;
    int saved = errno;
    rg_lua *R = armed;
    if (R && info && info->si_value.sival_ptr == R && !R->killed && R->deadline > 0) {
        if (rg_now() < R->deadline) {
            timer_at(R, R->deadline); /* set for an earlier step: on to this one's */
        } else {
            time_up(R);
        }
    }
    errno = saved;
}

static pthread_once_t deadline_once = PTHREAD_ONCE_INIT;
static int deadline_ok;

static void deadline_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_deadline;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    deadline_ok = sigaction(DEADLINE_SIGNAL, &sa, NULL) == 0;
}

/* Make sure the timer of R fires, for the calling thread, no later than
 * R->deadline.  Returns 0, or -1 when no timer could be made (the caller
 * falls back to checking the clock in the count hook). */
static int deadline_arm(rg_lua *R)
{
    pthread_once(&deadline_once, deadline_install);
    if (!deadline_ok) {
        return -1;
    }
    static _Thread_local pid_t tid;
    if (!tid) {
        tid = (pid_t)syscall(SYS_gettid);
    }
    if (R->have_timer && R->timer_tid != tid) {
        timer_delete(R->timer);
        R->have_timer = 0;
    }
    if (!R->have_timer) {
        struct sigevent ev;
        memset(&ev, 0, sizeof ev);
        ev.sigev_notify = SIGEV_THREAD_ID;
        ev.sigev_signo = DEADLINE_SIGNAL;
        ev.sigev_value.sival_ptr = R;
#ifdef sigev_notify_thread_id
        ev.sigev_notify_thread_id = tid;
#else
        ev._sigev_un._tid = tid;
#endif
        if (timer_create(CLOCK_MONOTONIC, &ev, &R->timer) != 0) {
            return -1;
        }
        R->have_timer = 1;
        R->timer_tid = tid;
        R->timer_when = 0;
    }
    armed = R;
    /* a timer still to fire, and not after this deadline, will do; one
     * that has fired (between steps, unheeded) has to be set again */
    if (R->timer_when > rg_now() && R->timer_when <= R->deadline) {
        return 0;
    }
    if (timer_at(R, R->deadline) != 0) {
        armed = NULL;
        return -1;
    }
    return 0;
}

/* The step has ended: a signal from now on finds no state armed. */
static void deadline_end(void)
{
    armed = NULL;
}

/* Without a timer: the count hook checks the clock. */
static void hook_clock(lua_State *L, lua_Debug *ar)
{
    rg_lua *R = self_of(L);
    if (!R->killed && R->deadline > 0 && rg_now() > R->deadline) {
        time_up(R);
    }
    hook(L, ar);
}

/* ---- coroutines ----
 * coroutine.resume and coroutine.wrap as Lua's own, except that the
 * coroutine being resumed is known to on_deadline, and takes the hook of
 * the thread resuming it (a coroutine made in an earlier step, or before
 * the deadline, would otherwise run without one). */
static void follow_hook(lua_State *from, lua_State *to)
{
    lua_Hook h = lua_gethook(from);
    int mask = lua_gethookmask(from), count = lua_gethookcount(from);
    if (lua_gethook(to) != h || lua_gethookmask(to) != mask || lua_gethookcount(to) != count) {
        lua_sethook(to, h, mask, count);
    }
}

static int co_resume(lua_State *L, lua_State *co, int narg)
{
    if (!lua_checkstack(co, narg)) {
        lua_pushliteral(L, "too many arguments to resume");
        return -1;
    }
    rg_lua *R = self_of(L);
    lua_xmove(L, co, narg);
    lua_State *outer = R->running;
    R->running = co;
    follow_hook(L, co);
    if (R->killed) {
        stop_now(co); /* the signal came during follow_hook */
    }
    int nres = 0;
    int status = lua_resume(co, L, narg, &nres);
    R->running = outer;
    if (R->killed) {
        stop_now(L); /* the deadline passed inside */
    }
    if (status == LUA_OK || status == LUA_YIELD) {
        if (!lua_checkstack(L, nres + 1)) {
            lua_pop(co, nres);
            lua_pushliteral(L, "too many results to resume");
            return -1;
        }
        lua_xmove(co, L, nres);
        return nres;
    }
    lua_xmove(co, L, 1);
    return -1;
}

static int l_co_resume(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTHREAD);
    lua_State *co = lua_tothread(L, 1);
    int r = co_resume(L, co, lua_gettop(L) - 1);
    if (r < 0) {
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_insert(L, -(r + 1));
    return r + 1;
}

static int co_wrapped(lua_State *L)
{
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    int r = co_resume(L, co, lua_gettop(L));
    if (r < 0) {
        int stat = lua_status(co);
        if (stat != LUA_OK && stat != LUA_YIELD) {
            stat = lua_resetthread(co); /* close its to-be-closed variables */
            lua_xmove(co, L, 1);
        }
        if (stat != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
            luaL_where(L, 1);
            lua_insert(L, -2);
            lua_concat(L, 2);
        }
        return lua_error(L);
    }
    return r;
}

static int l_co_wrap(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State *co = lua_newthread(L);
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);
    lua_pushcclosure(L, co_wrapped, 1);
    return 1;
}

static int blocked(lua_State *L)
{
    return luaL_error(L, "%s is blocked in regie scripts", lua_tostring(L, lua_upvalueindex(1)));
}

static void block(lua_State *L, int table, const char *field, const char *label)
{
    lua_pushstring(L, label);
    lua_pushcclosure(L, blocked, 1);
    lua_setfield(L, table, field);
}

static int blocked_index(lua_State *L)
{
    return luaL_error(L, "%s is blocked in regie scripts", lua_tostring(L, lua_upvalueindex(1)));
}

/* A global that may not be used: any access raises a clear error. */
static void block_global(lua_State *L, const char *name)
{
    lua_newtable(L);
    lua_newtable(L);
    lua_pushstring(L, name);
    lua_pushcclosure(L, blocked_index, 1);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_setglobal(L, name);
}

static int l_load(lua_State *L)
{
    /* text only: binary chunks could break the sandbox */
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, "=(load)");
    if (len > 0 && s[0] == 0x1b) {
        lua_pushnil(L);
        lua_pushstring(L, "loading binary chunks is blocked in regie scripts");
        return 2;
    }
    if (luaL_loadbufferx(L, s, len, name, "t") != LUA_OK) {
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    if (!lua_isnoneornil(L, 4)) {
        lua_pushvalue(L, 4);
        if (!lua_setupvalue(L, -2, 1)) {
            lua_pop(L, 1);
        }
    }
    return 1;
}

static char *find_module(const char *script_path, const char *name)
{
    if (strstr(name, "..") || name[0] == '/' || name[0] == '.') {
        return NULL;
    }
    char *rel = rg_xstrdup(name);
    for (char *p = rel; *p; p++) {
        if (*p == '.') {
            *p = '/';
        }
    }
    char *file = rg_xasprintf("%s.lua", rel);
    char *found = rg_path_find(script_path, file);
    free(file);
    free(rel);
    return found;
}

static int l_require(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    if (strcmp(name, "regie") == 0) {
        lua_getglobal(L, "regie");
        return 1;
    }
    lua_getfield(L, LUA_REGISTRYINDEX, "regie.modules");
    if (lua_getfield(L, -1, name) != LUA_TNIL) {
        return 1;
    }
    lua_pop(L, 1);
    rg_lua *R = self_of(L);
    char *path = find_module(R->script_path, name);
    if (!path) {
        return luaL_error(L, "module '%s' not found on the script path %s", name, R->script_path);
    }
    size_t len;
    char *src = rg_read_file(path, &len);
    if (!src) {
        free(path);
        return luaL_error(L, "cannot read module '%s'", name);
    }
    char *chunk = rg_xasprintf("@%s", path);
    int rc = luaL_loadbufferx(L, src, len, chunk, "t");
    free(chunk);
    free(src);
    /* once each, also when a renewed state loads it again */
    size_t m = 0;
    while (m < R->nmodules && strcmp(R->modules[m], path) != 0) {
        m++;
    }
    if (m < R->nmodules) {
        free(path);
    } else {
        R->modules = rg_xrealloc(R->modules, (R->nmodules + 1) * sizeof *R->modules);
        R->modules[R->nmodules++] = path;
    }
    if (rc != LUA_OK) {
        return lua_error(L);
    }
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, name);
    return 1;
}

/* A new state in R->L, sandboxed, with the regie module: 0, or -1 when
 * there is no memory for it. */
static int open_state(rg_lua *R)
{
    R->used = 0;
    R->limit = SETUP_MEMORY;
#ifdef HAVE_MIMALLOC
    R->heap = mi_heap_new();
    R->owner = pthread_self();
    if (!R->heap) {
        return -1;
    }
#endif
    lua_State *L = lua_newstate(l_alloc, R);
    if (!L) {
#ifdef HAVE_MIMALLOC
        mi_heap_destroy(R->heap);
        R->heap = NULL;
#endif
        return -1;
    }
    /* Lua leaves the main thread's extra space as allocated: no step yet */
    *rg_lua_ctx_slot(L) = NULL;
    R->L = L;
    static const luaL_Reg libs[] = { { LUA_GNAME, luaopen_base },
                                     { LUA_STRLIBNAME, luaopen_string },
                                     { LUA_TABLIBNAME, luaopen_table },
                                     { LUA_MATHLIBNAME, luaopen_math },
                                     { LUA_UTF8LIBNAME, luaopen_utf8 },
                                     { LUA_COLIBNAME, luaopen_coroutine },
                                     { LUA_OSLIBNAME, luaopen_os },
                                     { NULL, NULL } };
    for (const luaL_Reg *l = libs; l->name; l++) {
        luaL_requiref(L, l->name, l->func, 1);
        lua_pop(L, 1);
    }
    lua_getglobal(L, "coroutine");
    lua_pushcfunction(L, l_co_resume);
    lua_setfield(L, -2, "resume");
    lua_pushcfunction(L, l_co_wrap);
    lua_setfield(L, -2, "wrap");
    lua_pop(L, 1);
    /* os: only the clock and date functions */
    lua_getglobal(L, "os");
    int os = lua_gettop(L);
    static const char *os_blocked[] = { "execute", "exit", "remove", "rename", "tmpname",
                                        "getenv", "setlocale", NULL };
    for (int i = 0; os_blocked[i]; i++) {
        char label[32];
        snprintf(label, sizeof label, "os.%s", os_blocked[i]);
        block(L, os, os_blocked[i], label);
    }
    lua_pop(L, 1);
    lua_getglobal(L, "string");
    block(L, lua_gettop(L), "dump", "string.dump");
    lua_pop(L, 1);
    lua_pushglobaltable(L);
    int g = lua_gettop(L);
    block(L, g, "dofile", "dofile");
    block(L, g, "loadfile", "loadfile");
    lua_pushcfunction(L, l_load);
    lua_setfield(L, g, "load");
    lua_pushcfunction(L, l_require);
    lua_setfield(L, g, "require");
    lua_pop(L, 1);
    block_global(L, "io");
    block_global(L, "package");
    block_global(L, "debug");
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "regie.modules");
    rg_lua_open_regie(L);
    /* records are many small, short-lived tables: the generational
     * collector suits them */
    lua_gc(L, LUA_GCGEN, 0, 0);
    return 0;
}

/* Drop R->L and all it holds.  Nothing in a state holds more than memory
 * once its step has ended (io is not opened; the step's files are closed
 * by rg_lua_end_writers), so with a heap of its own the state goes in one
 * go, without visiting its objects; on the thread that made the heap only,
 * as mimalloc requires; elsewhere, and without mimalloc, lua_close frees
 * the objects one by one.  With `give_back`, the free memory of the
 * process goes back to the system (also what the engine freed meanwhile:
 * the inputs no later step reads). */
static void drop_state(rg_lua *R, int give_back)
{
    if (!R->L) {
        return;
    }
#ifdef HAVE_MIMALLOC
    if (pthread_equal(R->owner, pthread_self())) {
        mi_heap_destroy(R->heap);
    } else {
        lua_close(R->L);
    }
    R->heap = NULL;
    if (give_back) {
        mi_collect(true); /* mimalloc is the process's malloc */
    }
#else
    lua_close(R->L);
#ifndef __SANITIZE_ADDRESS__ /* whose malloc is not glibc's */
    if (give_back) {
        malloc_trim(0);
    }
#endif
#endif
    R->L = NULL;
    R->used = 0;
    for (size_t i = 0; i < R->nscripts; i++) {
        free(R->scripts[i].path);
    }
    free(R->scripts);
    R->scripts = NULL;
    R->nscripts = 0;
}

/* R->L, made again if a large step dropped it: 0, or -1 without memory. */
static int have_state(rg_lua *R)
{
    return R->L || open_state(R) == 0 ? 0 : -1;
}

rg_lua *rg_lua_new(const char *script_path)
{
    rg_lua *R = rg_xcalloc(1, sizeof *R);
    R->script_path = rg_xstrdup(script_path ? script_path : "");
    const char *prof = getenv("REGIE_PROFILE");
    R->profile = prof && *prof && strcmp(prof, "0") != 0;
    if (open_state(R) != 0) {
        free(R->script_path);
        free(R);
        return NULL;
    }
    return R;
}

void rg_lua_free(rg_lua *R)
{
    if (!R) {
        return;
    }
    if (R->have_timer) {
        timer_delete(R->timer);
    }
    drop_state(R, 0);
    rg_strv_free(R->modules, R->nmodules);
    prof_free(&R->prof_lines);
    prof_free(&R->prof_funcs);
    free(R->script_path);
    free(R);
}

size_t rg_lua_memory(const rg_lua *R)
{
    return R->used;
}

size_t rg_lua_modules(rg_lua *R, char ***paths)
{
    char **v = rg_xcalloc(R->nmodules + 1, sizeof *v);
    for (size_t i = 0; i < R->nmodules; i++) {
        char *real = realpath(R->modules[i], NULL);
        v[i] = real ? real : rg_xstrdup(R->modules[i]);
    }
    *paths = v;
    return R->nmodules;
}

char *rg_lua_resolve(const char *script_path, const char *workflow_dir, const char *name)
{
    if (name[0] == '/') {
        return rg_file_exists(name) ? rg_xstrdup(name) : NULL;
    }
    if (workflow_dir) {
        char *p = rg_xasprintf("%s/%s", workflow_dir, name);
        if (rg_file_exists(p)) {
            return p;
        }
        free(p);
    }
    return rg_path_find(script_path, name);
}

/* t[k] of the table at idx without its metamethods: a script's module
 * table is read outside a protected call, where one could not fail. */
static int rawfield(lua_State *L, int idx, const char *k)
{
    idx = lua_absindex(L, idx);
    lua_pushstring(L, k);
    return lua_rawget(L, idx);
}

static int msgh(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        msg = luaL_tolstring(L, 1, NULL);
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Push the script's module table (loading it once). 0 or -1 with message. */
static int get_script(rg_lua *R, const char *file, char **err)
{
    lua_State *L = R->L;
    for (size_t i = 0; i < R->nscripts; i++) {
        if (strcmp(R->scripts[i].path, file) == 0) {
            lua_rawgeti(L, LUA_REGISTRYINDEX, R->scripts[i].ref);
            return 0;
        }
    }
    size_t len;
    char *src = rg_read_file(file, &len);
    if (!src) {
        *err = rg_xasprintf("%s: cannot read: %s", file, strerror(errno));
        return -1;
    }
    char *chunk = rg_xasprintf("@%s", file);
    lua_pushcfunction(L, msgh);
    int rc = luaL_loadbufferx(L, src, len, chunk, "t");
    free(chunk);
    free(src);
    if (rc == LUA_OK) {
        rc = lua_pcall(L, 0, 1, -2);
    }
    if (rc != LUA_OK) {
        *err = rg_xstrdup(lua_tostring(L, -1) ? lua_tostring(L, -1) : "error");
        lua_pop(L, 2);
        return -1;
    }
    lua_remove(L, -2);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        *err = rg_xasprintf("%s: the script must return a table { run = function(step) ... end }",
                            file);
        return -1;
    }
    rawfield(L, -1, "run");
    int ok = lua_isfunction(L, -1);
    lua_pop(L, 1);
    if (!ok) {
        lua_pop(L, 1);
        *err = rg_xasprintf("%s: the returned table has no function `run`", file);
        return -1;
    }
    lua_pushvalue(L, -1);
    int ref = luaL_ref(L, LUA_REGISTRYINDEX);
    R->scripts = rg_xrealloc(R->scripts, (R->nscripts + 1) * sizeof *R->scripts);
    R->scripts[R->nscripts].path = rg_xstrdup(file);
    R->scripts[R->nscripts].ref = ref;
    R->nscripts++;
    return 0;
}

static const struct {
    const char *name;
    regie_param_type type;
} ptypes[] = { { "string", REGIE_PARAM_STRING }, { "integer", REGIE_PARAM_INT },
               { "number", REGIE_PARAM_NUM },    { "boolean", REGIE_PARAM_BOOL },
               { "date", REGIE_PARAM_DATE },     { "list", REGIE_PARAM_LIST },
               { NULL, 0 } };

static int cmp_param(const void *a, const void *b)
{
    return strcmp(((const regie_param *)a)->key, ((const regie_param *)b)->key);
}

int rg_lua_describe(rg_lua *R, const char *file, rg_script_info *info, rg_errors *errs)
{
    memset(info, 0, sizeof *info);
    if (have_state(R) != 0) {
        rg_err_add(errs, file, 0, "no memory for a Lua state");
        return -1;
    }
    lua_State *L = R->L;
    char *err = NULL;
    if (get_script(R, file, &err) != 0) {
        rg_err_add(errs, NULL, 0, "%s", err);
        free(err);
        return -1;
    }
    int mod = lua_gettop(L);
    int rc = 0;
    if (rawfield(L, mod, "summary") == LUA_TSTRING) {
        info->summary = rg_xstrdup(lua_tostring(L, -1));
    }
    lua_pop(L, 1);
    int t = rawfield(L, mod, "params");
    if (t == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
            if (!key || !lua_istable(L, -1)) {
                rg_err_add(errs, file, 0, "params: each entry must be name = { type = ..., ... }");
                rc = -1;
                lua_pop(L, 1);
                continue;
            }
            info->params = rg_xrealloc(info->params, (info->nparams + 2) * sizeof *info->params);
            regie_param *p = &info->params[info->nparams];
            memset(p, 0, sizeof *p);
            p->key = rg_xstrdup(key);
            p->type = REGIE_PARAM_STRING;
            if (rawfield(L, -1, "type") == LUA_TSTRING) {
                const char *ty = lua_tostring(L, -1);
                int found = 0;
                for (int i = 0; ptypes[i].name; i++) {
                    if (strcmp(ty, ptypes[i].name) == 0) {
                        p->type = ptypes[i].type;
                        found = 1;
                    }
                }
                if (!found) {
                    rg_err_add(errs, file, 0,
                               "params.%s: unknown type \"%s\" (expected string, integer, number, "
                               "boolean, date or list)",
                               key, ty);
                    rc = -1;
                }
            }
            lua_pop(L, 1);
            rawfield(L, -1, "required");
            p->required = lua_toboolean(L, -1);
            lua_pop(L, 1);
            if (rawfield(L, -1, "default") != LUA_TNIL) {
                if (lua_isboolean(L, -1)) {
                    p->def = rg_xstrdup(lua_toboolean(L, -1) ? "yes" : "no");
                } else if (!lua_isstring(L, -1) && lua_getmetatable(L, -1)) {
                    /* (its __tostring cannot run here) */
                    lua_pop(L, 1);
                    rg_err_add(errs, file, 0, "params.%s: default must be a string, number or boolean", key);
                    rc = -1;
                } else {
                    p->def = rg_xstrdup(luaL_tolstring(L, -1, NULL));
                    lua_pop(L, 1);
                }
            }
            lua_pop(L, 1);
            if (rawfield(L, -1, "description") == LUA_TSTRING) {
                p->description = rg_xstrdup(lua_tostring(L, -1));
            }
            lua_pop(L, 1);
            info->nparams++;
            memset(&info->params[info->nparams], 0, sizeof(regie_param));
            lua_pop(L, 1);
        }
    } else if (t != LUA_TNIL) {
        rg_err_add(errs, file, 0, "params must be a table");
        rc = -1;
    }
    lua_pop(L, 2);
    if (info->nparams) {
        qsort(info->params, info->nparams, sizeof *info->params, cmp_param);
    } else {
        info->params = rg_xcalloc(1, sizeof *info->params);
    }
    return rc;
}

void rg_script_info_free(rg_script_info *info)
{
    for (size_t i = 0; info->params && i < info->nparams; i++) {
        free((char *)info->params[i].key);
        free((char *)info->params[i].def);
        free((char *)info->params[i].description);
    }
    free(info->params);
    free(info->summary);
    memset(info, 0, sizeof *info);
}

static void push_param(lua_State *L, regie_ctx *ctx, const regie_param *p)
{
    const char *v = rg_host.param(ctx, p->key);
    if (!v) {
        lua_pushnil(L);
        return;
    }
    int64_t i;
    double d;
    int b;
    switch (p->type) {
    case REGIE_PARAM_INT:
        if (rg_parse_int(v, &i) == 0) {
            lua_pushinteger(L, (lua_Integer)i);
            return;
        }
        break;
    case REGIE_PARAM_NUM:
        if (rg_parse_decimal(v, '.', &d) == 0) {
            lua_pushnumber(L, d);
            return;
        }
        break;
    case REGIE_PARAM_BOOL:
        if (rg_parse_bool(v, &b) == 0) {
            lua_pushboolean(L, b);
            return;
        }
        break;
    case REGIE_PARAM_LIST: {
        char **parts;
        size_t n = rg_split(v, ',', &parts);
        lua_createtable(L, (int)n, 0);
        for (size_t k = 0; k < n; k++) {
            lua_pushstring(L, parts[k]);
            lua_rawseti(L, -2, (lua_Integer)k + 1);
        }
        rg_strv_free(parts, n);
        return;
    }
    default:
        break;
    }
    lua_pushstring(L, v);
}

int rg_lua_run(rg_lua *R, const char *file, regie_ctx *ctx, const rg_lua_limits *lim)
{
    if (have_state(R) != 0) {
        rg_host.fail(ctx, "%s: no memory for a Lua state", file);
        return -1;
    }
    lua_State *L = R->L;
    int base = lua_gettop(L);
    char *err = NULL;
    /* set-up (loading the script, the step table) may take SETUP_MEMORY
     * beyond what the state holds, which includes what scripts keep
     * between steps in their own upvalues */
    R->limit = R->used + SETUP_MEMORY;
    if (get_script(R, file, &err) != 0) {
        rg_host.fail(ctx, "%s", err);
        free(err);
        return -1;
    }
    int mod = lua_gettop(L);
    lua_pushcfunction(L, msgh);
    rawfield(L, mod, "run");
    /* step = { name = ..., params = { ... } } */
    lua_createtable(L, 0, 2);
    lua_pushstring(L, ctx->s && ctx->s->name ? ctx->s->name : "");
    lua_setfield(L, -2, "name");
    lua_newtable(L);
    for (const regie_param *p = ctx->s ? ctx->s->ptable : NULL; p && p->key; p++) {
        push_param(L, ctx, p);
        lua_setfield(L, -2, p->key);
    }
    lua_setfield(L, -2, "params");
    *rg_lua_ctx_slot(L) = ctx;
    rg_lua_reset_inputs(L);
    R->instr = 0;
    R->instr_limit = lim ? lim->instructions : 0;
    R->deadline = lim && lim->timeout > 0 ? rg_now() + lim->timeout : 0;
    R->killed = 0;
    R->mem_hit = 0;
    R->limit = lim && lim->memory ? R->used + lim->memory : 0;
    R->prof_last = rg_now();
    size_t base_used = R->used;
    R->peak = R->used;
    R->running = NULL;
    /* the hook first: a deadline already past signals as soon as the timer
     * is set, and what on_deadline sets must not be overwritten */
    if (R->instr_limit || R->profile) {
        lua_sethook(L, hook, LUA_MASKCOUNT, HOOK_EVERY);
    }
    if (R->deadline > 0 && deadline_arm(R) != 0) {
        lua_sethook(L, hook_clock, LUA_MASKCOUNT, HOOK_EVERY);
    }
    int rc = lua_pcall(L, 1, 0, mod + 1);
    deadline_end();
    lua_sethook(L, NULL, 0, 0);
    if (R->profile) {
        prof_report(R, ctx->s && ctx->s->name ? ctx->s->name : "?", ctx->input_seconds, base_used);
    }
    /* No limit while the step is cleaned up: what it still holds may be
     * above the set-up limit until the inputs are dropped and collected,
     * and an allocation failing here would be outside any protected call. */
    R->limit = 0;
    int result = 0;
    if (R->killed) {
        rg_host.fail(ctx, "%s: %s", file,
                     R->killed == 1 ? "stopped: instruction limit exceeded (a runaway loop?)"
                                    : "stopped: time limit of the step exceeded");
        result = -1;
    } else if (R->mem_hit) {
        rg_host.fail(ctx, "%s: stopped: memory limit of %zu MB exceeded", file,
                     lim ? lim->memory / (1024 * 1024) : 0);
        result = -1;
    } else if (rc != LUA_OK) {
        const char *m = lua_tostring(L, -1);
        rg_host.fail(ctx, "%s", m ? m : "error in script");
        result = -1;
    } else if (ctx->data_errors) {
        result = -1;
    }
    rg_lua_end_writers(L, ctx, result == 0);
    *rg_lua_ctx_slot(L) = NULL;
    lua_settop(L, base);
    rg_lua_reset_inputs(L);
    /* What the step made is garbage now.  When that is much, the state
     * is dropped (the next step makes a new one, see have_state): the
     * memory goes back at once, before the next step of this thread builds
     * its own (peak memory is one step's), and without the full collection
     * that would visit every object to free it (a tenth of a second after a
     * step of 100 MB).  The next step compiles its script again, about a
     * millisecond.  A small step's garbage is left to the collector. */
    if (R->peak - base_used > RENEW_AFTER) {
        drop_state(R, 1);
    }
    R->limit = R->used + SETUP_MEMORY;
    return result;
}
