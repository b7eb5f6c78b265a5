/* sandbox.c - the Lua state every script runs in: its memory from an
 * allocator of its own (a heap of its own with mimalloc), and per-step
 * limits on instructions, wall time and memory that a script's own pcall
 * cannot escape (see sandbox.h).  REGIE_PROFILE's profiler samples the
 * running line from the same count hook. */
#define _GNU_SOURCE
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "sandbox.h"
#include "map.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <lauxlib.h>
#include <stdio.h>
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

/* Time per place in a script: a line, or a function by the line it is
 * defined on.  A place is found by its key in the map: its line and the
 * address of its source's name (interned by Lua: the same while the
 * script is loaded, so the address tells the chunk). */
struct prof_line {
    const char *src;
    int line;
    double t;  /* seconds */
    char *key; /* in the map */
};

typedef struct prof_set {
    struct prof_line *v;
    size_t n, cap;
    rg_map at; /* key -> index into v */
} prof_set;

/* Room for the key of a place: a line and an address in text. */
#define PROF_KEY 48

static void prof_key(char *buf, const char *src, int line)
{
    snprintf(buf, PROF_KEY, "%d@%p", line, (const void *)src);
}

static void prof_add(prof_set *p, const char *src, int line, double dt)
{
    char key[PROF_KEY];
    prof_key(key, src, line);
    size_t i;
    if (rg_map_find(&p->at, key, &i) == 0) {
        p->v[i].t += dt;
        return;
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 256;
        p->v = rg_xrealloc(p->v, p->cap * sizeof *p->v);
    }
    struct prof_line *e = &p->v[p->n];
    *e = (struct prof_line){ src, line, dt, rg_xstrdup(key) };
    rg_map_put(&p->at, e->key, p->n++);
}

static void prof_clear(prof_set *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].key);
    }
    p->n = 0;
    rg_map_clear(&p->at);
}

static void prof_free(prof_set *p)
{
    prof_clear(p);
    free(p->v);
    rg_map_free(&p->at);
}

struct rg_sandbox {
    lua_State *L; /* NULL: none now */
    void *user;
#ifdef HAVE_MIMALLOC
    /* every object of L, in a heap of its own: dropped in one go (see
     * rg_sandbox_drop); a heap is the thread's that made it */
    mi_heap_t *heap;
    pthread_t owner;
#endif
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
static void prof_sample(rg_sandbox *S, lua_State *L, int from)
{
    lua_Debug ar;
    double now = rg_now(), dt = now - S->prof_last;
    S->prof_last = now;
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
            prof_add(&S->prof_lines, ar.source, ar.currentline, dt);
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
            prof_add(&S->prof_funcs, ar.source, ar.linedefined, dt);
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

void rg_sandbox_profile_report(rg_sandbox *S, const char *step, double input_seconds, size_t base)
{
    double total = 0;
    for (size_t i = 0; i < S->prof_lines.n; i++) {
        total += S->prof_lines.v[i].t;
    }
    if (total <= 0) {
        prof_clear(&S->prof_lines);
        prof_clear(&S->prof_funcs);
        return;
    }
    fprintf(stderr, "profile of step %s: %lld k instructions in %.1f ms (of which reading inputs %.1f ms), "
                    "%.1f MB of memory at most; the lines it spent most time on:\n",
            step, S->instr / 1000, total * 1e3, input_seconds * 1e3, (double)(S->peak - base) / 1048576.0);
    prof_print(&S->prof_lines, total, "");
    fprintf(stderr, "  the functions it spent most time in (calls they make included):\n");
    prof_print(&S->prof_funcs, total, "function at ");
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

static void *mem_realloc(rg_sandbox *S, void *p, size_t n)
{
#ifdef HAVE_MIMALLOC
    return mi_heap_realloc(S->heap, p, n);
#else
    (void)S;
    return realloc(p, n);
#endif
}

static void *l_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    rg_sandbox *S = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        S->used -= old;
        mem_free(ptr);
        return NULL;
    }
    if (S->limit && nsize > old && S->used - old + nsize > S->limit) {
        S->mem_hit = 1;
        return NULL;
    }
    void *p = mem_realloc(S, ptr, nsize);
    if (p) {
        S->used = S->used - old + nsize;
        if (S->used > S->peak) {
            S->peak = S->used;
        }
    }
    return p;
}

static rg_sandbox *self_of(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
}

void rg_lua_prof_mark(lua_State *L)
{
    rg_sandbox *S = self_of(L);
    if (S->profile) {
        prof_sample(S, L, 1);
    }
}

static void hook(lua_State *L, lua_Debug *ar);

/* The hook at every instruction: it raises the error S->killed names. */
static void stop_now(lua_State *L)
{
    lua_sethook(L, hook, LUA_MASKCOUNT, 1);
}

static void hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    rg_sandbox *S = self_of(L);
    if (S->killed) {
        /* every instruction from now on: the script's pcall cannot swallow it */
        luaL_error(L, S->killed == 1 ? "instruction limit of %lld exceeded"
                                     : "time limit of the step exceeded",
                   S->instr_limit);
        return;
    }
    S->instr += HOOK_EVERY;
    if (S->profile) {
        prof_sample(S, L, 0);
    }
    if (S->instr_limit && S->instr > S->instr_limit) {
        S->killed = 1;
        stop_now(L);
        luaL_error(L, "instruction limit of %lld exceeded", S->instr_limit);
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

static _Thread_local rg_sandbox *volatile armed; /* the state whose deadline runs */

/* The deadline has passed: the main thread of the state and the
 * coroutine running, if any, stop at their next instruction. */
static void time_up(rg_sandbox *S)
{
    S->killed = 2;
    stop_now(S->L);
    lua_State *co = S->running;
    if (co) {
        stop_now(co);
    }
}

static void on_deadline(int sig, siginfo_t *info, void *uc)
{
    (void)sig;
    (void)uc;
    int saved = errno;
    rg_sandbox *S = armed;
    /* a signal sent for an earlier step of the same state is stale: its
     * deadline is not this one (clock_gettime is async-signal-safe) */
    if (S && info && info->si_value.sival_ptr == S && !S->killed && S->deadline > 0 &&
        rg_now() >= S->deadline) {
        time_up(S);
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
    void *state; /* the rg_sandbox, as the signal's value (never used here) */
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

/* Start S's watchdog: 0, or -1 when it cannot be had. */
static int watchdog_start(rg_sandbox *S)
{
    if (S->wd_state) {
        return S->wd_state > 0 ? 0 : -1;
    }
    S->wd_state = -1;
    struct watch *w = rg_xcalloc(1, sizeof *w);
    w->state = S;
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
    S->wd = w;
    S->wd_state = 1;
    return 0;
}

/* The watchdog ends (and frees what it shares) on its own time. */
static void watchdog_stop(rg_sandbox *S)
{
    struct watch *w = S->wd;
    if (!w) {
        return;
    }
    pthread_mutex_lock(&w->mu);
    w->quit = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    S->wd = NULL;
    S->wd_state = 0;
}

/* The calling thread is signalled at S->deadline if the step still runs
 * then.  Returns 0, or -1 when no watchdog could be had (the caller falls
 * back to checking the clock in the count hook).  A state is not used
 * across fork(): the child has no watchdog. */
static int deadline_arm(rg_sandbox *S)
{
    pthread_once(&deadline_once, deadline_install);
    if (!deadline_ok || watchdog_start(S) != 0) {
        return -1;
    }
    armed = S;
    struct watch *w = S->wd;
    pthread_mutex_lock(&w->mu);
    w->deadline = S->deadline;
    w->target = pthread_self();
    w->sent = 0;
    if (w->until == 0 || S->deadline < w->until) {
        w->until = S->deadline; /* woken once, however soon it runs */
        pthread_cond_signal(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return 0;
}

/* The step has ended: nothing signals the thread from now on.  A signal
 * sent just before (the watchdog sends under its lock, so it is pending or
 * delivered by now) is taken off here, not delivered in whatever the
 * thread does next. */
static void deadline_end(rg_sandbox *S)
{
    armed = NULL;
    struct watch *w = S->wd;
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
    rg_sandbox *S = self_of(L);
    if (!S->killed && S->deadline > 0 && rg_now() > S->deadline) {
        time_up(S);
    }
    hook(L, ar);
}

/* For C code that may run long inside a step (sandbox_lib.c, the regie
 * module): the step's limit error once its deadline has passed, as the
 * hook would raise it (the hook cannot run while C code runs).  Under an instruction
 * limit, each call counts as HOOK_EVERY instructions: a cap that must be
 * the same on every machine holds inside C code too. */
void rg_lua_check_time(lua_State *L)
{
    rg_sandbox *S = self_of(L);
    /* with a watchdog, its signal has set S->killed at the deadline */
    if (!S->killed && S->clock_watch && S->deadline > 0 && rg_now() > S->deadline) {
        time_up(S);
    }
    if (!S->killed && S->instr_limit && (S->instr += HOOK_EVERY) > S->instr_limit) {
        S->killed = 1;
        stop_now(S->L);
        if (S->running) {
            stop_now(S->running);
        }
    }
    if (S->killed) {
        luaL_error(L, S->killed == 1 ? "instruction limit of %lld exceeded"
                                     : "time limit of the step exceeded",
                   S->instr_limit);
    }
}

/* For C code that is about to take `bytes` outside the state's allocator
 * (the regie module): the step's memory limit error when they would not
 * fit in what the limit leaves. */
void rg_lua_check_room(lua_State *L, size_t bytes)
{
    rg_sandbox *S = self_of(L);
    if (S->limit && (S->used > S->limit || bytes > S->limit - S->used)) {
        S->mem_hit = 1;
        luaL_error(L, "not enough memory");
    }
}

void rg_lua_charge(lua_State *L, size_t bytes)
{
    rg_sandbox *S = self_of(L);
    if (!S->limit || !bytes) {
        return;
    }
    if (S->used > S->limit || bytes > S->limit - S->used) {
        S->mem_hit = 1;
        luaL_error(L, "not enough memory");
    }
    S->limit -= bytes; /* until the step ends: the next one sets its own */
}
/* ---- coroutines ----
 * coroutine.resume and coroutine.wrap (sandbox_lib.c) resume here: the
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

int rg_sandbox_resume(lua_State *L, lua_State *co, int narg)
{
    if (!lua_checkstack(co, narg)) {
        lua_pushliteral(L, "too many arguments to resume");
        return -1;
    }
    rg_sandbox *S = self_of(L);
    lua_xmove(L, co, narg);
    lua_State *outer = S->running;
    S->running = co;
    follow_hook(L, co);
    if (S->killed) {
        stop_now(co); /* the signal came during follow_hook */
    }
    int nres = 0;
    int status = lua_resume(co, L, narg, &nres);
    S->running = outer;
    if (S->killed) {
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

rg_sandbox *rg_sandbox_new(void *user)
{
    rg_sandbox *S = rg_xcalloc(1, sizeof *S);
    S->user = user;
    const char *prof = getenv("REGIE_PROFILE");
    S->profile = prof && *prof && strcmp(prof, "0") != 0;
    return S;
}

void rg_sandbox_free(rg_sandbox *S)
{
    if (!S) {
        return;
    }
    watchdog_stop(S);
    rg_sandbox_drop(S, 0);
    prof_free(&S->prof_lines);
    prof_free(&S->prof_funcs);
    free(S);
}

void *rg_sandbox_user(const rg_sandbox *S)
{
    return S->user;
}

rg_sandbox *rg_sandbox_of(lua_State *L)
{
    return self_of(L);
}

lua_State *rg_sandbox_open(rg_sandbox *S)
{
    S->used = 0;
    S->limit = SETUP_MEMORY;
#ifdef HAVE_MIMALLOC
    S->heap = mi_heap_new();
    S->owner = pthread_self();
    if (!S->heap) {
        return NULL;
    }
#endif
    lua_State *L = lua_newstate(l_alloc, S);
    if (!L) {
#ifdef HAVE_MIMALLOC
        mi_heap_destroy(S->heap);
        S->heap = NULL;
#endif
        return NULL;
    }
    S->L = L;
    return L;
}

lua_State *rg_sandbox_state(const rg_sandbox *S)
{
    return S->L;
}

/* Drop S->L and all it holds.  Nothing in a state holds more than memory
 * once its step has ended (io is not opened; the step's files are closed
 * by rg_lua_end_writers), so with a heap of its own the state goes in one
 * go, without visiting its objects; on the thread that made the heap only,
 * as mimalloc requires; elsewhere, and without mimalloc, lua_close frees
 * the objects one by one.  With `give_back`, the free memory of the
 * process goes back to the system (also what the engine freed meanwhile:
 * the inputs no later step reads). */
void rg_sandbox_drop(rg_sandbox *S, int give_back)
{
    if (!S->L) {
        return;
    }
#ifdef HAVE_MIMALLOC
    if (pthread_equal(S->owner, pthread_self())) {
        mi_heap_destroy(S->heap);
    } else {
        lua_close(S->L);
    }
    S->heap = NULL;
    if (give_back) {
        mi_collect(true); /* mimalloc is the process's malloc */
    }
#else
    lua_close(S->L);
#ifndef __SANITIZE_ADDRESS__ /* whose malloc is not glibc's */
    if (give_back) {
        malloc_trim(0);
    }
#endif
#endif
    S->L = NULL;
    S->used = 0;
}

/* What a step or a script's load runs under: its limits and a time limit
 * that is watched. */
void rg_sandbox_begin(rg_sandbox *S, const rg_lua_limits *lim)
{
    lua_State *L = S->L;
    S->instr = 0;
    S->instr_limit = lim ? lim->instructions : 0;
    S->deadline = lim && lim->timeout > 0 ? rg_now() + lim->timeout : 0;
    S->killed = 0;
    S->mem_hit = 0;
    S->limit = lim && lim->memory ? S->used + lim->memory : 0;
    S->peak = S->used;
    S->running = NULL;
    /* the hook first: a deadline already past signals at once, and what
     * on_deadline sets must not be overwritten */
    if (S->instr_limit || S->profile) {
        lua_sethook(L, hook, LUA_MASKCOUNT, HOOK_EVERY);
    }
    S->clock_watch = S->deadline > 0 && deadline_arm(S) != 0;
    if (S->clock_watch) {
        lua_sethook(L, hook_clock, LUA_MASKCOUNT, HOOK_EVERY);
    }
}

/* No limit from here on: what the step still holds may be above any
 * limit until it is collected, and an allocation failing now would be
 * outside any protected call. */
void rg_sandbox_end(rg_sandbox *S)
{
    deadline_end(S);
    lua_sethook(S->L, NULL, 0, 0);
    S->limit = 0;
}

/* Why a limit stopped the script, or NULL. */
char *rg_sandbox_stopped(const rg_sandbox *S, const rg_lua_limits *lim)
{
    if (S->killed) {
        return rg_xstrdup(S->killed == 1 ? "instruction limit exceeded (a runaway loop?)"
                                         : "time limit of the step exceeded");
    }
    if (S->mem_hit) {
        return rg_xasprintf("memory limit of %zu MB exceeded", lim ? lim->memory / (1024 * 1024) : 0);
    }
    return NULL;
}

void rg_sandbox_disarm(rg_sandbox *S)
{
    S->deadline = 0;
    S->instr_limit = 0;
    S->killed = 0;
}

size_t rg_sandbox_memory(const rg_sandbox *S)
{
    return S->used;
}

size_t rg_sandbox_peak(const rg_sandbox *S)
{
    return S->peak;
}

void rg_sandbox_setup(rg_sandbox *S)
{
    S->limit = S->used + SETUP_MEMORY;
}

int rg_sandbox_profiling(const rg_sandbox *S)
{
    return S->profile;
}

void rg_sandbox_profile_start(rg_sandbox *S)
{
    S->prof_last = rg_now();
}

void rg_sandbox_profile_drop(rg_sandbox *S)
{
    prof_clear(&S->prof_lines);
    prof_clear(&S->prof_funcs);
}
