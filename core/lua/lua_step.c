/* lua_step.c - script steps: a sandboxed Lua 5.4 state per worker thread,
 * scripts and modules compiled once and kept as registry references, every
 * step in globals of its own (nothing it leaves reaches another step), and
 * per-step limits on instructions, wall time and memory that a script's
 * own pcall cannot escape. */
#define _GNU_SOURCE
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "lua_api.h"
#include "decimal.h"
#include "exec.h"
#include "host.h"
#include "lua_step.h"
#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>
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
    int ref; /* the compiled chunk, run anew by every step */
    int desc; /* the table its load returned (rg_lua_describe), or LUA_NOREF */
} script_entry;

/* A module a script loaded with require: compiled once per state, run anew
 * in every step that requires it. */
typedef struct module_entry {
    char *name; /* as required */
    char *path; /* the file found on the script path */
    char *real; /* its real path, for the run's definition */
    char sha[65]; /* of the text compiled */
    int ref; /* the compiled chunk in the state, LUA_NOREF when none */
    unsigned long step; /* the last step (R->serial) that loaded it */
} module_entry;

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
    /* The time limit needs no hook while the step runs: the watchdog
     * thread signals the step's thread at the deadline (see on_deadline),
     * which then sets one on the main thread of the state and on the
     * coroutine running, if any. */
    int wd_state; /* 0 no watchdog yet, 1 running, -1 none to be had */
    struct watch *wd;
    int clock_watch; /* the step's deadline is watched by the clock, not a watchdog */
    lua_State *volatile running; /* innermost coroutine being resumed */
    script_entry *scripts;
    size_t nscripts;
    module_entry *modules; /* loaded through require, by this state or one it replaced */
    size_t nmodules;
    unsigned long serial; /* counts the steps (and loads of a script) */
    unsigned long step_modules; /* modules loaded in the current step */
    uint64_t seed; /* of math.random in the current step */
    int string_mt_own; /* the string metatable leads to a step's `string` */
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
 * A step's deadline is watched by a thread of the state's own (the
 * watchdog), which sends DEADLINE_SIGNAL to the thread running the step
 * when the deadline passes while the step still runs.  The handler does
 * what lua.c does on Ctrl-C: it sets a hook, which raises the error at the
 * next instruction (also inside pcall, see hook).  Until then the script
 * runs without any hook: a count hook makes every Lua instruction call into
 * the debug interface (about 12 % of a script's time).
 *
 * Nothing is signalled once the step has ended (deadline_end), so the
 * thread can go on to other work, a C plugin waiting in poll() say, without
 * an EINTR from a deadline that is no longer its own; a signal that comes
 * late all the same stops nothing unless its state's current deadline has
 * passed (the handler reads the clock).  Arming and disarming
 * take the watchdog's lock, no system call: the watchdog sleeps until the
 * deadline it last saw, and is woken only for an earlier one (steps that
 * follow each other with the same timeout have ever later deadlines; it
 * wakes at the old one, sees the new one and sleeps on). */
#define DEADLINE_SIGNAL (SIGRTMIN + 1)

static _Thread_local rg_lua *volatile armed; /* the state whose deadline runs */

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
    /* a signal sent for an earlier step of the same state is stale: its
     * deadline is not this one (clock_gettime is async-signal-safe) */
    if (R && info && info->si_value.sival_ptr == R && !R->killed && R->deadline > 0 &&
        rg_now() >= R->deadline) {
        time_up(R);
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

static struct timespec mono_at(double when)
{
    struct timespec ts;
    ts.tv_sec = (time_t)when;
    ts.tv_nsec = (long)((when - (double)ts.tv_sec) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* What a state and its watchdog share; the watchdog frees it when told to
 * quit, so that a state goes without waiting for the thread to end. */
struct watch {
    pthread_mutex_t mu; /* guards all below */
    pthread_cond_t cv;
    void *state; /* the rg_lua, as the signal's value (never used here) */
    double deadline; /* of the step running, 0 when none runs */
    pthread_t target; /* the thread running it */
    double until; /* when the watchdog wakes, 0: when woken */
    int sent; /* the step's thread has been signalled */
    int quit;
};

static void *watchdog(void *arg)
{
    struct watch *w = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals are for the other threads */
    pthread_mutex_lock(&w->mu);
    while (!w->quit) {
        double d = w->deadline;
        if (d > 0 && !w->sent && rg_now() >= d) {
            union sigval v;
            v.sival_ptr = w->state;
            w->sent = pthread_sigqueue(w->target, DEADLINE_SIGNAL, v) == 0;
            continue;
        }
        if (d > 0 && !w->sent) {
            w->until = d;
            struct timespec ts = mono_at(d);
            pthread_cond_timedwait(&w->cv, &w->mu, &ts);
        } else {
            w->until = 0;
            pthread_cond_wait(&w->cv, &w->mu);
        }
    }
    pthread_mutex_unlock(&w->mu);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
    return NULL;
}

/* Start R's watchdog: 0, or -1 when it cannot be had. */
static int watchdog_start(rg_lua *R)
{
    if (R->wd_state) {
        return R->wd_state > 0 ? 0 : -1;
    }
    R->wd_state = -1;
    struct watch *w = rg_xcalloc(1, sizeof *w);
    w->state = R;
    pthread_condattr_t ca;
    int ok = pthread_condattr_init(&ca) == 0;
    if (ok) {
        ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
             pthread_cond_init(&w->cv, &ca) == 0;
        pthread_condattr_destroy(&ca);
    }
    if (ok && pthread_mutex_init(&w->mu, NULL) != 0) {
        pthread_cond_destroy(&w->cv);
        ok = 0;
    }
    pthread_attr_t ta;
    pthread_t th;
    if (ok && pthread_attr_init(&ta) == 0) {
        pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&ta, 256 * 1024);
        ok = pthread_create(&th, &ta, watchdog, w) == 0;
        pthread_attr_destroy(&ta);
        if (!ok) {
            pthread_mutex_destroy(&w->mu);
            pthread_cond_destroy(&w->cv);
        }
    } else {
        ok = 0;
    }
    if (!ok) {
        free(w);
        return -1;
    }
    R->wd = w;
    R->wd_state = 1;
    return 0;
}

/* The watchdog ends (and frees what it shares) on its own time. */
static void watchdog_stop(rg_lua *R)
{
    struct watch *w = R->wd;
    if (!w) {
        return;
    }
    pthread_mutex_lock(&w->mu);
    w->quit = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    R->wd = NULL;
    R->wd_state = 0;
}

/* The calling thread is signalled at R->deadline if the step still runs
 * then.  Returns 0, or -1 when no watchdog could be had (the caller falls
 * back to checking the clock in the count hook).  A state is not used
 * across fork(): the child has no watchdog. */
static int deadline_arm(rg_lua *R)
{
    pthread_once(&deadline_once, deadline_install);
    if (!deadline_ok || watchdog_start(R) != 0) {
        return -1;
    }
    armed = R;
    struct watch *w = R->wd;
    pthread_mutex_lock(&w->mu);
    w->deadline = R->deadline;
    w->target = pthread_self();
    w->sent = 0;
    if (w->until == 0 || R->deadline < w->until) {
        w->until = R->deadline; /* woken once, however soon it runs */
        pthread_cond_signal(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return 0;
}

/* The step has ended: nothing signals the thread from now on.  A signal
 * sent just before (the watchdog sends under its lock, so it is pending or
 * delivered by now) is taken off here, not delivered in whatever the
 * thread does next. */
static void deadline_end(rg_lua *R)
{
    armed = NULL;
    struct watch *w = R->wd;
    if (!w) {
        return;
    }
    pthread_mutex_lock(&w->mu);
    w->deadline = 0;
    int sent = w->sent;
    w->sent = 0;
    pthread_mutex_unlock(&w->mu);
    if (sent) {
        sigset_t set, old;
        sigemptyset(&set);
        sigaddset(&set, DEADLINE_SIGNAL);
        if (pthread_sigmask(SIG_BLOCK, &set, &old) == 0) {
            const struct timespec now = { 0, 0 };
            while (sigtimedwait(&set, NULL, &now) == DEADLINE_SIGNAL) {
            }
            pthread_sigmask(SIG_SETMASK, &old, NULL);
        }
    }
}

/* Without a watchdog: the count hook checks the clock. */
static void hook_clock(lua_State *L, lua_Debug *ar)
{
    rg_lua *R = self_of(L);
    if (!R->killed && R->deadline > 0 && rg_now() > R->deadline) {
        time_up(R);
    }
    hook(L, ar);
}

/* For C code that may run long inside a step (lua_limits.c, lua_api.c):
 * the step's limit error once its deadline has passed, as the hook would
 * raise it (the hook cannot run while C code runs).  Under an instruction
 * limit, each call counts as HOOK_EVERY instructions: a cap that must be
 * the same on every machine holds inside C code too. */
void rg_lua_check_time(lua_State *L)
{
    rg_lua *R = self_of(L);
    /* with a watchdog, its signal has set R->killed at the deadline */
    if (!R->killed && R->clock_watch && R->deadline > 0 && rg_now() > R->deadline) {
        time_up(R);
    }
    if (!R->killed && R->instr_limit && (R->instr += HOOK_EVERY) > R->instr_limit) {
        R->killed = 1;
        stop_now(R->L);
        if (R->running) {
            stop_now(R->running);
        }
    }
    if (R->killed) {
        luaL_error(L, R->killed == 1 ? "instruction limit of %lld exceeded"
                                     : "time limit of the step exceeded",
                   R->instr_limit);
    }
}

/* For C code that is about to take `bytes` outside the state's allocator
 * (lua_api.c): the step's memory limit error when they would not fit in
 * what the limit leaves. */
void rg_lua_check_room(lua_State *L, size_t bytes)
{
    rg_lua *R = self_of(L);
    if (R->limit && (R->used > R->limit || bytes > R->limit - R->used)) {
        R->mem_hit = 1;
        luaL_error(L, "not enough memory");
    }
}

void rg_lua_charge(lua_State *L, size_t bytes)
{
    rg_lua *R = self_of(L);
    if (!R->limit || !bytes) {
        return;
    }
    if (R->used > R->limit || bytes > R->limit - R->used) {
        R->mem_hit = 1;
        luaL_error(L, "not enough memory");
    }
    R->limit -= bytes; /* until the step ends: the next one sets its own */
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
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
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

/* ---- every step in an environment of its own ----
 * A state's own globals (the base) are never a script's: each step, and
 * each load of a script, gets new, empty globals that read through to the
 * base (env_index).  The first time a step reads a name it gets the base's
 * value, and a table (string, math, regie, ...) as a copy of its own, so
 * what a step sets or changes is gone for the next one.  The script's
 * chunk and its modules are compiled once per state and run anew in each
 * step's globals: nothing a step leaves in them, or in their upvalues,
 * reaches another step.  The metatables a script could reach and that
 * steps share (strings', lists', the writers') are hidden from
 * getmetatable, and a table cannot get a finalizer (it would run in
 * whichever later step collects it). */
static const char env_mt_key = 0;     /* the metatable of every step's globals */
static const char base_key = 0;       /* the base */
static const char loaded_key = 0;     /* the modules required in the step: name -> value */
static const char string_mt_key = 0;  /* the metatable of strings */
static const char string_lib_key = 0; /* the base's string table */
static const char sizes_key = 0;      /* the number of entries of each table a step copies */
static const char g_key = 0;          /* _G in the base: the step's globals themselves */

/* Push the compiled chunk of module `name` (compiled the first time this
 * state loads it), or raise an error. */
static module_entry *module_chunk(rg_lua *R, lua_State *L, const char *name)
{
    module_entry *m = NULL;
    for (size_t i = 0; i < R->nmodules && !m; i++) {
        if (strcmp(R->modules[i].name, name) == 0) {
            m = &R->modules[i];
        }
    }
    if (m && m->ref != LUA_NOREF) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, m->ref);
        return m;
    }
    char *path = m ? rg_xstrdup(m->path) : find_module(R->script_path, name);
    if (!path) {
        luaL_error(L, "module '%s' not found on the script path %s", name, R->script_path);
        return NULL;
    }
    size_t len;
    char *src = rg_read_file(path, &len);
    if (!src) {
        free(path);
        luaL_error(L, "cannot read module '%s'", name);
        return NULL;
    }
    char sha[65];
    rg_sha256_buf(src, len, sha);
    char *chunk = rg_xasprintf("@%s", path);
    int rc = luaL_loadbufferx(L, src, len, chunk, "t");
    free(chunk);
    free(src);
    /* listed once, also when a renewed state compiles it again */
    if (!m) {
        R->modules = rg_xrealloc(R->modules, (R->nmodules + 1) * sizeof *R->modules);
        m = &R->modules[R->nmodules++];
        memset(m, 0, sizeof *m);
        m->name = rg_xstrdup(name);
        m->path = path;
        char *real = realpath(path, NULL);
        m->real = real ? real : rg_xstrdup(path);
        m->ref = LUA_NOREF;
    } else {
        free(path);
    }
    memcpy(m->sha, sha, sizeof sha);
    if (rc != LUA_OK) {
        lua_error(L);
        return NULL;
    }
    lua_pushvalue(L, -1);
    m->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return m;
}

/* require: `regie`, or a module from the script path, run once per step in
 * the step's globals. */
static int l_require(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    if (strcmp(name, "regie") == 0) {
        lua_getglobal(L, "regie");
        return 1;
    }
    lua_settop(L, 1);
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &loaded_key) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &loaded_key);
    }
    lua_pushvalue(L, 1);
    if (lua_rawget(L, 2) != LUA_TNIL) {
        return 1;
    }
    lua_pop(L, 1);
    rg_lua *R = self_of(L);
    module_entry *m = module_chunk(R, L, name);
    if (m->step != R->serial) {
        m->step = R->serial;
        R->step_modules++;
    }
    lua_pushglobaltable(L);
    if (!lua_setupvalue(L, -2, 1)) {
        lua_pop(L, 1);
    }
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, 1);
    lua_pushvalue(L, -2);
    lua_rawset(L, 2);
    return 1;
}

/* print: into the step's log, as regie.log, never onto regie's own output
 * (which may be a document: `regie graph | dot`). */
static int l_print(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) {
            luaL_addchar(&b, '\t');
        }
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    const char *msg = lua_tostring(L, -1);
    regie_ctx *ctx = *rg_lua_ctx_slot(L);
    if (ctx) {
        rg_host.log(ctx, REGIE_LOG_INFO, "%s", msg);
    } else {
        fprintf(stderr, "%s\n", msg); /* while a script is loaded */
    }
    return 0;
}

/* collectgarbage: what changes the collector for later steps is blocked. */
static int l_collectgarbage(lua_State *L)
{
    static const char *const allowed[] = { "collect", "count", "step", "isrunning", NULL };
    const char *opt = luaL_optstring(L, 1, "collect");
    for (int i = 0; allowed[i]; i++) {
        if (strcmp(opt, allowed[i]) == 0) {
            lua_pushvalue(L, lua_upvalueindex(1));
            lua_insert(L, 1);
            lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
            return lua_gettop(L);
        }
    }
    return luaL_error(L, "collectgarbage(\"%s\") is blocked in regie scripts", opt);
}

/* setmetatable without __gc: a finalizer would run in whichever later step
 * collects the table. */
static int l_setmetatable(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        int gc = lua_rawget(L, 2) != LUA_TNIL;
        lua_pop(L, 1);
        if (gc) {
            return luaL_error(L, "finalizers (__gc) are not allowed in steps");
        }
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* A copy for one step of the table at `src`: its entries (a table among
 * them copied too, `depth` levels down) and its metatable. */
static void copy_table(lua_State *L, int src, int depth)
{
    src = lua_absindex(L, src);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &sizes_key);
    lua_pushvalue(L, src);
    lua_rawget(L, -2);
    int n = (int)lua_tointeger(L, -1);
    lua_pop(L, 2);
    lua_createtable(L, 0, n);
    int dst = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, src)) {
        if (depth > 0 && lua_type(L, -1) == LUA_TTABLE) {
            copy_table(L, -1, depth - 1);
            lua_replace(L, -2);
        }
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, dst);
    }
    if (lua_getmetatable(L, src)) {
        lua_setmetatable(L, dst);
    }
}

/* The entries of every table in the table at `t`, `depth` levels down,
 * into the table at `sizes` (see copy_table); their metatables hidden. */
static void count_tables(lua_State *L, int t, int sizes, int depth)
{
    lua_pushnil(L);
    while (lua_next(L, t)) {
        if (lua_type(L, -1) == LUA_TTABLE) {
            int v = lua_gettop(L);
            lua_Integer n = 0;
            lua_pushnil(L);
            while (lua_next(L, v)) {
                n++;
                lua_pop(L, 1);
            }
            lua_pushvalue(L, v);
            lua_pushinteger(L, n);
            lua_rawset(L, sizes);
            /* a copy shares the table's metatable (regie.decimal's __call,
             * say): hidden from getmetatable, so no step can change it */
            if (lua_getmetatable(L, v)) {
                lua_pushboolean(L, 0);
                lua_setfield(L, -2, "__metatable");
                lua_pop(L, 1);
            }
            if (depth > 0) {
                count_tables(L, v, sizes, depth - 1);
            }
        }
        lua_pop(L, 1);
    }
}

/* __index of a step's globals (upvalue: the base): a name's first read in
 * the step puts the base's value into the step's globals. */
static int env_index(lua_State *L)
{
    lua_settop(L, 2);
    lua_pushvalue(L, 2);
    int t = lua_rawget(L, lua_upvalueindex(1));
    if (t == LUA_TNIL) {
        return 1;
    }
    if (t == LUA_TLIGHTUSERDATA && lua_touserdata(L, 3) == (void *)&g_key) {
        lua_pushvalue(L, 1);
    } else if (t == LUA_TTABLE) {
        copy_table(L, 3, 2);
        const char *name = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "";
        rg_lua *R = self_of(L);
        if (strcmp(name, "string") == 0) {
            /* the methods of strings, ("x"):upper(), are the step's too */
            lua_rawgetp(L, LUA_REGISTRYINDEX, &string_mt_key);
            lua_pushvalue(L, -2);
            lua_setfield(L, -2, "__index");
            lua_pop(L, 1);
            R->string_mt_own = 1;
        } else if (strcmp(name, "math") == 0) {
            /* math.random: the same numbers for the same step (see step_seed) */
            lua_getfield(L, 3, "randomseed");
            lua_pushinteger(L, (lua_Integer)(R->seed & 0xffffffffu));
            lua_pushinteger(L, (lua_Integer)(R->seed >> 32));
            lua_call(L, 2, 0);
        }
    } else {
        lua_pushvalue(L, 3);
    }
    lua_pushvalue(L, 2);
    lua_pushvalue(L, -2);
    lua_rawset(L, 1);
    return 1;
}

/* The state's globals become the base of the steps' globals. */
static void seal_base(lua_State *L)
{
    lua_pushglobaltable(L);
    int g = lua_gettop(L);
    lua_pushvalue(L, g);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &base_key);
    lua_pushlightuserdata(L, (void *)&g_key);
    lua_setfield(L, g, "_G");
    /* it would hand out the metatable all lists share */
    lua_getfield(L, g, "regie");
    lua_pushnil(L);
    lua_setfield(L, -2, "list_mt");
    lua_pop(L, 1);
    lua_newtable(L);
    count_tables(L, g, lua_gettop(L), 2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &sizes_key);
    /* strings' metatable: getmetatable("") is false; its __index is the
     * base's string table, or the step's copy (see env_index) */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &string_mt_key);
    lua_getfield(L, -1, "__index");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &string_lib_key);
    lua_pop(L, 2);
    /* the metatables made with a name (lists', the writers'): false too */
    lua_pushnil(L);
    while (lua_next(L, LUA_REGISTRYINDEX)) {
        if (lua_type(L, -1) == LUA_TTABLE) {
            lua_pushliteral(L, "__name");
            if (lua_rawget(L, -2) == LUA_TSTRING) {
                lua_pushliteral(L, "__metatable");
                lua_pushboolean(L, 0);
                lua_rawset(L, -4);
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, g);
    lua_pushcclosure(L, env_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &env_mt_key);
    lua_pop(L, 1);
}

/* New, empty globals for a step (or a script's load), made the state's
 * globals; pushed. */
static void env_begin(rg_lua *R, lua_State *L)
{
    if (R->string_mt_own) {
        lua_rawgetp(L, LUA_REGISTRYINDEX, &string_mt_key);
        lua_rawgetp(L, LUA_REGISTRYINDEX, &string_lib_key);
        lua_setfield(L, -2, "__index");
        lua_pop(L, 1);
        R->string_mt_own = 0;
    }
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &loaded_key);
    lua_createtable(L, 0, 0);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &env_mt_key);
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
}

/* The step is over: its globals, and the values of the modules it loaded,
 * are no longer held (the script's chunk is at `chunk`). */
static void env_end(rg_lua *R, lua_State *L, int chunk)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &base_key);
    lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &loaded_key);
    lua_pushnil(L);
    if (!lua_setupvalue(L, chunk, 1)) {
        lua_pop(L, 1);
    }
    for (size_t i = 0; R->step_modules && i < R->nmodules; i++) {
        module_entry *m = &R->modules[i];
        if (m->step == R->serial && m->ref != LUA_NOREF) {
            lua_rawgeti(L, LUA_REGISTRYINDEX, m->ref);
            lua_pushnil(L);
            if (!lua_setupvalue(L, -2, 1)) {
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
        }
    }
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
    rg_lua_open_limits(L);
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
    lua_pushcfunction(L, l_print);
    lua_setfield(L, g, "print");
    lua_getfield(L, g, "collectgarbage");
    lua_pushcclosure(L, l_collectgarbage, 1);
    lua_setfield(L, g, "collectgarbage");
    lua_getfield(L, g, "setmetatable");
    lua_pushcclosure(L, l_setmetatable, 1);
    lua_setfield(L, g, "setmetatable");
    lua_pop(L, 1);
    block_global(L, "io");
    block_global(L, "package");
    block_global(L, "debug");
    rg_lua_open_regie(L);
    seal_base(L);
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
    R->string_mt_own = 0;
    for (size_t i = 0; i < R->nscripts; i++) {
        free(R->scripts[i].path);
    }
    free(R->scripts);
    R->scripts = NULL;
    R->nscripts = 0;
    for (size_t i = 0; i < R->nmodules; i++) {
        R->modules[i].ref = LUA_NOREF;
    }
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
    watchdog_stop(R);
    drop_state(R, 0);
    for (size_t i = 0; i < R->nmodules; i++) {
        free(R->modules[i].name);
        free(R->modules[i].path);
        free(R->modules[i].real);
    }
    free(R->modules);
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
    size_t n = 0;
    for (size_t i = 0; i < R->nmodules; i++) {
        size_t k = 0;
        while (k < n && strcmp(v[k], R->modules[i].real) != 0) {
            k++;
        }
        if (k == n) {
            v[n++] = rg_xstrdup(R->modules[i].real);
        }
    }
    *paths = v;
    return n;
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

static int msgh(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        msg = luaL_tolstring(L, 1, NULL);
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Push the script's compiled chunk (compiled once per state). Its index
 * in R->scripts, or -1 with a message. */
static long get_chunk(rg_lua *R, const char *file, char **err)
{
    lua_State *L = R->L;
    for (size_t i = 0; i < R->nscripts; i++) {
        if (strcmp(R->scripts[i].path, file) == 0) {
            lua_rawgeti(L, LUA_REGISTRYINDEX, R->scripts[i].ref);
            return (long)i;
        }
    }
    size_t len;
    char *src = rg_read_file(file, &len);
    if (!src) {
        *err = rg_xasprintf("%s: cannot read: %s", file, strerror(errno));
        return -1;
    }
    char *chunk = rg_xasprintf("@%s", file);
    int rc = luaL_loadbufferx(L, src, len, chunk, "t");
    free(chunk);
    free(src);
    if (rc != LUA_OK) {
        *err = rg_xstrdup(lua_tostring(L, -1) ? lua_tostring(L, -1) : "error");
        lua_pop(L, 1);
        return -1;
    }
    lua_pushvalue(L, -1);
    int ref = luaL_ref(L, LUA_REGISTRYINDEX);
    R->scripts = rg_xrealloc(R->scripts, (R->nscripts + 1) * sizeof *R->scripts);
    R->scripts[R->nscripts].path = rg_xstrdup(file);
    R->scripts[R->nscripts].ref = ref;
    R->scripts[R->nscripts].desc = LUA_NOREF;
    return (long)R->nscripts++;
}

/* In protected mode: the chunk at 1 (of the script file named at 2) run in
 * new globals; its table pushed, 1, or nil and a message, 0. */
static int run_chunk(lua_State *L)
{
    const char *file = lua_tostring(L, 2);
    env_begin(self_of(L), L);
    if (!lua_setupvalue(L, 1, 1)) {
        lua_pop(L, 1);
    }
    lua_pushvalue(L, 1);
    lua_call(L, 0, 1);
    if (!lua_istable(L, -1)) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: the script must return a table { run = function(step) ... end }",
                        file);
        return 0;
    }
    lua_getfield(L, -1, "run");
    int ok = lua_isfunction(L, -1);
    lua_pop(L, 1);
    if (!ok) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: the returned table has no function `run`", file);
        return 0;
    }
    return 1;
}

/* lua_pcall'd for a script's load: its table, or nil and a message. */
static int load_main(lua_State *L)
{
    return run_chunk(L) ? 1 : 2;
}

/* What a step or a script's load runs under: its limits and a time limit
 * that is watched. */
static void limits_begin(rg_lua *R, const rg_lua_limits *lim)
{
    lua_State *L = R->L;
    R->instr = 0;
    R->instr_limit = lim ? lim->instructions : 0;
    R->deadline = lim && lim->timeout > 0 ? rg_now() + lim->timeout : 0;
    R->killed = 0;
    R->mem_hit = 0;
    R->limit = lim && lim->memory ? R->used + lim->memory : 0;
    R->peak = R->used;
    R->running = NULL;
    /* the hook first: a deadline already past signals at once, and what
     * on_deadline sets must not be overwritten */
    if (R->instr_limit || R->profile) {
        lua_sethook(L, hook, LUA_MASKCOUNT, HOOK_EVERY);
    }
    R->clock_watch = R->deadline > 0 && deadline_arm(R) != 0;
    if (R->clock_watch) {
        lua_sethook(L, hook_clock, LUA_MASKCOUNT, HOOK_EVERY);
    }
}

/* No limit from here on: what the step still holds may be above any
 * limit until it is collected, and an allocation failing now would be
 * outside any protected call. */
static void limits_end(rg_lua *R)
{
    deadline_end(R);
    lua_sethook(R->L, NULL, 0, 0);
    R->limit = 0;
}

/* Why a limit stopped the script, or NULL. */
static char *limit_error(const rg_lua *R, const rg_lua_limits *lim)
{
    if (R->killed) {
        return rg_xstrdup(R->killed == 1 ? "instruction limit exceeded (a runaway loop?)"
                                         : "time limit of the step exceeded");
    }
    if (R->mem_hit) {
        return rg_xasprintf("memory limit of %zu MB exceeded", lim ? lim->memory / (1024 * 1024) : 0);
    }
    return NULL;
}


/* The seed of math.random in a step: from its run (the run's id in the
 * store, else the workflow's name) and its name, so that the run, resumed,
 * draws the same numbers; a script's load seeds from the script's file. */
static uint64_t step_seed(const regie_ctx *ctx)
{
    const rg_run *run = ctx->run;
    const char *of = run ? (run->run_id ? run->run_id : run->wf && run->wf->name ? run->wf->name : "") : "";
    uint64_t h = rg_fnv1a(0xcbf29ce484222325ull, of);
    h = rg_fnv1a(h ^ 0xff, ctx->s && ctx->s->name ? ctx->s->name : "");
    return h;
}

/* The modules loaded in the step go with its context (into the run's
 * definition, see durable.c). */
static void modules_to_ctx(rg_lua *R, regie_ctx *ctx)
{
    if (!R->step_modules) {
        return;
    }
    rg_strv_free(ctx->modules, ctx->nmodules);
    rg_strv_free(ctx->module_shas, ctx->nmodules);
    ctx->modules = rg_xcalloc(R->step_modules + 1, sizeof *ctx->modules);
    ctx->module_shas = rg_xcalloc(R->step_modules + 1, sizeof *ctx->module_shas);
    ctx->nmodules = 0;
    for (size_t i = 0; i < R->nmodules && ctx->nmodules < R->step_modules; i++) {
        if (R->modules[i].step == R->serial) {
            ctx->modules[ctx->nmodules] = rg_xstrdup(R->modules[i].real);
            ctx->module_shas[ctx->nmodules++] = rg_xstrdup(R->modules[i].sha);
        }
    }
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

/* t[name] without metamethods: no script code runs while a script's
 * declarations are read. */
static int raw_field(lua_State *L, int t, const char *name)
{
    lua_pushstring(L, name);
    return lua_rawget(L, t < 0 ? t - 1 : t);
}

int rg_lua_describe(rg_lua *R, const char *file, const rg_lua_limits *lim, rg_script_info *info,
                    rg_errors *errs)
{
    memset(info, 0, sizeof *info);
    if (have_state(R) != 0) {
        rg_err_add(errs, file, 0, "no memory for a Lua state");
        return -1;
    }
    lua_State *L = R->L;
    int top = lua_gettop(L);
    char *err = NULL;
    R->limit = R->used + SETUP_MEMORY;
    long script = get_chunk(R, file, &err);
    if (script < 0) {
        rg_err_add(errs, NULL, 0, "%s", err);
        free(err);
        return -1;
    }
    int chunk = lua_gettop(L);
    lua_pushcfunction(L, msgh);
    int rc = LUA_OK;
    char *stop = NULL;
    if (R->scripts[script].desc != LUA_NOREF) {
        /* loaded for an earlier step */
        lua_rawgeti(L, LUA_REGISTRYINDEX, R->scripts[script].desc);
        lua_pushnil(L);
    } else {
        R->serial++;
        R->step_modules = 0;
        R->seed = rg_fnv1a(0xcbf29ce484222325ull, file);
        lua_pushcfunction(L, load_main);
        lua_pushvalue(L, chunk);
        lua_pushstring(L, file);
        /* the script's own code runs under the limits of its step */
        limits_begin(R, lim);
        rc = lua_pcall(L, 2, 2, chunk + 1);
        limits_end(R);
        prof_clear(&R->prof_lines); /* the profile is of steps */
        prof_clear(&R->prof_funcs);
        stop = limit_error(R, lim);
        if (!stop && rc == LUA_OK && !lua_isnil(L, -2)) {
            lua_pushvalue(L, -2);
            R->scripts[script].desc = luaL_ref(L, LUA_REGISTRYINDEX);
        }
    }
    if (stop) {
        rg_err_add(errs, NULL, 0, "%s: stopped while the script was loaded: %s", file, stop);
        free(stop);
        rc = -1;
    } else if (rc != LUA_OK || lua_isnil(L, -2)) {
        const char *m = lua_tostring(L, -1);
        rg_err_add(errs, NULL, 0, "%s", m ? m : "error in script");
        rc = -1;
    }
    if (rc != 0) {
        env_end(R, L, chunk);
        lua_settop(L, top);
        R->limit = R->used + SETUP_MEMORY;
        return -1;
    }
    int mod = lua_gettop(L) - 1;
    if (raw_field(L, mod, "summary") == LUA_TSTRING) {
        info->summary = rg_xstrdup(lua_tostring(L, -1));
    }
    lua_pop(L, 1);
    int t = raw_field(L, mod, "params");
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
            if (raw_field(L, -1, "type") == LUA_TSTRING) {
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
            raw_field(L, -1, "required");
            p->required = lua_toboolean(L, -1);
            lua_pop(L, 1);
            int dt = raw_field(L, -1, "default");
            if (dt == LUA_TBOOLEAN) {
                p->def = rg_xstrdup(lua_toboolean(L, -1) ? "yes" : "no");
            } else if (dt == LUA_TSTRING || dt == LUA_TNUMBER) {
                p->def = rg_xstrdup(lua_tostring(L, -1)); /* a copy of the field's value */
            } else if (dt != LUA_TNIL) {
                rg_err_add(errs, file, 0, "params.%s: default must be a string, a number or a boolean",
                           key);
                rc = -1;
            }
            lua_pop(L, 1);
            if (raw_field(L, -1, "description") == LUA_TSTRING) {
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
    env_end(R, L, chunk);
    lua_settop(L, top);
    R->limit = R->used + SETUP_MEMORY;
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

/* lua_pcall'd for a step, under its limits: the script's chunk (at 1, its
 * file at 2) run in the step's globals, then the `step` table for its run
 * function (the context at 3): run and step, or nil and a message. */
static int step_main(lua_State *L)
{
    regie_ctx *ctx = lua_touserdata(L, 3);
    if (!run_chunk(L)) {
        return 2;
    }
    lua_getfield(L, -1, "run");
    /* step = { name = ..., attempt = n, params = { ... } } */
    lua_createtable(L, 0, 3);
    lua_pushstring(L, ctx->s && ctx->s->name ? ctx->s->name : "");
    lua_setfield(L, -2, "name");
    int attempt = ctx->run && ctx->step < ctx->run->wf->nsteps ? ctx->run->st[ctx->step].attempts : 1;
    lua_pushinteger(L, attempt > 0 ? attempt : 1);
    lua_setfield(L, -2, "attempt");
    lua_newtable(L);
    for (const regie_param *p = ctx->s ? ctx->s->ptable : NULL; p && p->key; p++) {
        push_param(L, ctx, p);
        lua_setfield(L, -2, p->key);
    }
    lua_setfield(L, -2, "params");
    return 2;
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
    /* compiling the script may take SETUP_MEMORY beyond what the state
     * holds */
    R->limit = R->used + SETUP_MEMORY;
    if (get_chunk(R, file, &err) < 0) {
        rg_host.fail(ctx, "%s", err);
        free(err);
        return -1;
    }
    int chunk = lua_gettop(L);
    R->serial++;
    R->step_modules = 0;
    R->seed = step_seed(ctx);
    *rg_lua_ctx_slot(L) = ctx;
    rg_lua_reset_inputs(L);
    lua_pushcfunction(L, msgh);
    lua_pushcfunction(L, step_main);
    lua_pushvalue(L, chunk);
    lua_pushstring(L, file);
    lua_pushlightuserdata(L, ctx);
    if (R->profile) {
        R->prof_last = rg_now();
    }
    size_t base_used = R->used;
    /* the script's top level and its run function, under the limits */
    limits_begin(R, lim);
    int rc = lua_pcall(L, 3, 2, chunk + 1);
    int shaped = rc == LUA_OK && !lua_isnil(L, -2);
    if (shaped) {
        rc = lua_pcall(L, 1, 0, chunk + 1);
    }
    limits_end(R);
    if (R->profile) {
        prof_report(R, ctx->s && ctx->s->name ? ctx->s->name : "?", ctx->input_seconds, base_used);
    }
    int result = 0;
    char *stop = limit_error(R, lim);
    if (stop) {
        rg_host.fail(ctx, "%s: stopped: %s", file, stop);
        free(stop);
        result = -1;
    } else if (rc != LUA_OK || !shaped) {
        const char *m = lua_tostring(L, -1);
        rg_host.fail(ctx, "%s", m ? m : "error in script");
        result = -1;
    } else if (ctx->data_errors) {
        result = -1;
    }
    /* C code polling the limits between steps finds none */
    R->deadline = 0;
    R->instr_limit = 0;
    R->killed = 0;
    rg_lua_end_writers(L, ctx, result == 0);
    *rg_lua_ctx_slot(L) = NULL;
    modules_to_ctx(R, ctx);
    env_end(R, L, chunk);
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
