/* crash.c - naming the step that ends the process: a fatal signal, or exit()
 * called in the middle of a run (see crash.h).
 *
 * The handler may run at any moment, in any thread, with locks of malloc or
 * stdio held: it reads only what the workers stored beforehand in their
 * slots (pointers to the step's own strings, set with atomic stores) and
 * writes with write(2).  It then restores the disposition the signal had
 * before (SIG_DFL, or a sanitizer's handler) and raises the signal again, so
 * that the process ends as it would have without it.  A process forked by
 * the run (an isolated step's child) inherits the handler but says nothing:
 * its parent reports it.
 *
 * And the other way round: the points where the durability tests make the
 * process die as a crash would (rg_kill_point). */
#define _GNU_SOURCE
#include "crash.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* --jobs is at most 1024: a slot for every worker of a run. */
#define NSLOTS 1024
#define ALT_STACK_SIZE 65536

typedef struct slot {
    atomic_int used;    /* claimed by a worker */
    atomic_long tid;    /* the worker's thread */
    _Atomic(const char *) name; /* the step running there, or NULL */
    _Atomic(const char *) kind;
    _Atomic(const char *) detail;
} slot;

static slot slots[NSLOTS];
static atomic_int installed;
static atomic_int running; /* steps running in process now */
static pid_t main_pid;
static _Atomic(char *) run_id;
/* the main thread's alternate signal stack: only the kernel uses it, but the
 * pointer is kept (volatile: a store the compiler may not drop) so that the
 * block stays reachable for the process's life, not a leak */
static void *volatile main_stack;

static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
#define NFATAL (sizeof fatal / sizeof fatal[0])
static struct sigaction before[NFATAL];

/* ---- async-signal-safe output ---- */
static void put(const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(2, s, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return;
        }
        s += w;
        n -= (size_t)w;
    }
}

static void put_int(long v)
{
    char buf[24], *p = buf + sizeof buf;
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
    *--p = 0;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) {
        *--p = '-';
    }
    put(p);
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV:
        return "Segmentation fault";
    case SIGBUS:
        return "Bus error";
    case SIGFPE:
        return "Floating point exception";
    case SIGILL:
        return "Illegal instruction";
    case SIGABRT:
        return "Aborted";
    default:
        return "?";
    }
}

static long this_thread(void)
{
    return (long)syscall(SYS_gettid);
}

/* "step NAME (KIND DETAIL)" of slot i, or 0 if no step runs there. */
static int put_step(size_t i)
{
    const char *name = atomic_load(&slots[i].name);
    if (!name) {
        return 0;
    }
    const char *kind = atomic_load(&slots[i].kind), *detail = atomic_load(&slots[i].detail);
    put("step ");
    put(name);
    if (kind && detail) {
        put(" (");
        put(kind);
        put(" ");
        put(detail);
        put(")");
    }
    return 1;
}

/* The slot of the calling thread where a step runs, or -1. */
static long mine(void)
{
    long tid = this_thread();
    for (size_t i = 0; i < NSLOTS; i++) {
        if (atomic_load(&slots[i].used) && atomic_load(&slots[i].tid) == tid &&
            atomic_load(&slots[i].name)) {
            return (long)i;
        }
    }
    return -1;
}

/* The other steps running, after lead (", " between them); how many. */
static int put_others(long self, const char *lead)
{
    int n = 0;
    for (size_t i = 0; i < NSLOTS; i++) {
        if ((long)i == self || !atomic_load(&slots[i].used) || !atomic_load(&slots[i].name)) {
            continue;
        }
        put(n ? ", " : lead);
        n += put_step(i);
    }
    return n;
}

static void put_tail(void)
{
    const char *id = atomic_load(&run_id);
    if (id) {
        put("; the run is left as it was: regie resume ");
        put(id);
    }
    put("\n");
}

/* "what" said of the process: "crashed with signal 11 (...)" or "called
 * exit(0)". */
static void put_what(int sig, int status)
{
    if (sig) {
        put("crashed with signal ");
        put_int(sig);
        put(" (");
        put(signal_name(sig));
        put(")");
    } else {
        put("ended the process by exit(");
        if (status >= 0) {
            put_int(status);
        }
        put(") before finishing");
    }
}

static void report(int sig, int status)
{
    long self = mine();
    put("regie: ");
    if (self >= 0) {
        put_step((size_t)self);
        put(" ");
        put_what(sig, status);
        put_others(self, "; also running: ");
    } else {
        if (sig) {
            put_what(sig, status);
        } else {
            put("the process was ended by exit(");
            if (status >= 0) {
                put_int(status);
            }
            put(")");
        }
        put_others(-1, " while running ");
    }
    put_tail();
}

/* ---- the handler and the exit check ---- */
static void on_fatal(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    int saved = errno;
    if (getpid() == main_pid) {
        report(sig, 0);
    }
    size_t k = 0;
    while (k < NFATAL && fatal[k] != sig) {
        k++;
    }
    int chain = 0;
    if (k < NFATAL) {
        const struct sigaction *b = &before[k];
        chain = (b->sa_flags & SA_SIGINFO) ? b->sa_sigaction != NULL
                                            : b->sa_handler != SIG_DFL && b->sa_handler != SIG_IGN;
    }
    if (chain) {
        sigaction(sig, &before[k], NULL);
    } else {
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        sigaction(sig, &dfl, NULL);
    }
    /* a fault comes again when the instruction is retried, and reaches
     * the handler from before with its own address; a signal sent (raise,
     * abort, kill) is sent again */
    if (!chain || !si || si->si_code <= 0) {
        raise(sig);
    }
    errno = saved;
}

static void ended(int status)
{
    if (!atomic_load(&installed) || getpid() != main_pid || atomic_load(&running) == 0) {
        return;
    }
    report(0, status);
    _exit(RG_EXIT_ENDED);
}

#ifdef __GLIBC__
static void on_exit_check(int status, void *arg)
{
    (void)arg;
    ended(status);
}
#else
static void atexit_check(void)
{
    ended(-1);
}
#endif

static void quick_exit_check(void)
{
    ended(-1);
}

/* An alternate signal stack for the calling thread unless it has one (a
 * sanitizer's): the memory to free, or NULL. */
static void *alt_stack(void)
{
    stack_t cur;
    if (sigaltstack(NULL, &cur) != 0 || !(cur.ss_flags & SS_DISABLE)) {
        return NULL;
    }
    stack_t ss;
    ss.ss_sp = malloc(ALT_STACK_SIZE);
    ss.ss_size = ALT_STACK_SIZE;
    ss.ss_flags = 0;
    if (!ss.ss_sp || sigaltstack(&ss, NULL) != 0) {
        free(ss.ss_sp);
        return NULL;
    }
    return ss.ss_sp;
}

void rg_crash_install(void)
{
    if (atomic_load(&installed)) {
        return;
    }
    main_pid = getpid();
    main_stack = alt_stack();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fatal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_ONSTACK;
    for (size_t k = 0; k < NFATAL; k++) {
        sigaction(fatal[k], &sa, &before[k]);
    }
#ifdef __GLIBC__
    on_exit(on_exit_check, NULL);
#else
    atexit(atexit_check);
#endif
    at_quick_exit(quick_exit_check);
    atomic_store(&installed, 1);
}

void rg_crash_set_run(const char *id)
{
    char *copy = id ? strdup(id) : NULL;
    free(atomic_exchange(&run_id, copy));
}

void rg_crash_worker_enter(rg_crash_worker *w)
{
    w->slot = -1;
    w->stack = NULL;
    if (!atomic_load(&installed)) {
        return;
    }
    for (int i = 0; i < NSLOTS; i++) {
        int free_slot = 0;
        if (atomic_compare_exchange_strong(&slots[i].used, &free_slot, 1)) {
            atomic_store(&slots[i].tid, this_thread());
            w->slot = i;
            break;
        }
    }
    w->stack = alt_stack();
}

void rg_crash_worker_leave(rg_crash_worker *w)
{
    if (w->slot >= 0) {
        atomic_store(&slots[w->slot].name, NULL);
        atomic_store(&slots[w->slot].tid, 0);
        atomic_store(&slots[w->slot].used, 0);
        w->slot = -1;
    }
    if (w->stack) {
        stack_t ss;
        memset(&ss, 0, sizeof ss);
        ss.ss_flags = SS_DISABLE;
        sigaltstack(&ss, NULL);
        free(w->stack);
        w->stack = NULL;
    }
}

void rg_crash_step_begin(const rg_crash_worker *w, const char *name, const char *kind,
                         const char *detail)
{
    if (w->slot < 0) {
        return;
    }
    slot *s = &slots[w->slot];
    atomic_store(&s->kind, kind);
    atomic_store(&s->detail, detail);
    atomic_store(&s->name, name);
    atomic_fetch_add(&running, 1);
}

void rg_crash_step_end(const rg_crash_worker *w)
{
    if (w->slot < 0) {
        return;
    }
    atomic_store(&slots[w->slot].name, NULL);
    atomic_fetch_sub(&running, 1);
}

/* ---- crash injection points ---- */
static int point_named(const char *env, const char *point, const char *step)
{
    const char *at = getenv(env);
    size_t pl = strlen(point);
    if (!at || strncmp(at, point, pl) != 0) {
        return 0;
    }
    return at[pl] == 0 || (at[pl] == ':' && step && strcmp(at + pl + 1, step) == 0);
}

int rg_kill_point_named(const char *point, const char *step)
{
    return point_named("REGIE_TEST_KILL_AT", point, step);
}

void rg_kill_point(const char *point, const char *step)
{
    if (rg_kill_point_named(point, step)) {
        raise(SIGKILL);
    }
    if (point_named("REGIE_TEST_STOP_AT", point, step)) {
        raise(SIGSTOP); /* alive, holding its lock, until the test kills it */
    }
}
