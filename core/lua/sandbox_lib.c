/* sandbox_lib.c - the standard library as scripts get it (see sandbox.h):
 * Lua's own base, string, table, math, utf8, coroutine and os, without
 * what reaches outside the step, and with the functions that can run long
 * in C made to stop at the step's deadline.
 *
 * The time limit of a step is a hook (see sandbox.c): it runs between Lua
 * instructions, never inside a C function.  A Lua function written in C
 * that loops on what a script gives it (a pattern that backtracks on a
 * long text, string.rep of an empty string a trillion times, table.move
 * over a range of 2^40 nils, a table whose __index or __len is a C
 * function) would run on past the deadline, as long as it likes.  The
 * functions here behave as Lua 5.4's own and look at the clock every few
 * thousand steps of their work (rg_lua_check_time), raising the step's
 * limit error once the deadline has passed.  What they build goes through
 * the state's allocator, so the memory limit holds for it as for any Lua
 * value.
 *
 * The pattern matcher follows the design of Lua 5.4's lstrlib.c
 * (backtracking over the pattern with a recursion per item; Lua is
 * Copyright (C) 1994-2022 Lua.org, PUC-Rio, under the MIT license), so that
 * every pattern matches exactly as with Lua's own string functions; it
 * also counts its steps. */
#define _GNU_SOURCE
#include "sandbox.h"

#include <ctype.h>
#include <lauxlib.h>
#include <lualib.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Steps of work between two looks at the clock (each costs about 20 ns). */
#define POLL_EVERY 4096

/* ---- patterns ---- */
#define MAX_CAPTURES 32
#define MAX_DEPTH 200 /* recursion of the matcher: "pattern too complex" beyond */
#define CAP_UNFINISHED (-1)
#define CAP_POSITION (-2)
#define PAT_ESC '%'
#define PAT_SPECIALS "^$*+?.([%-"

typedef struct matcher {
    const char *src, *src_end; /* the subject */
    const char *pat_end;
    lua_State *L;
    int depth;      /* recursions left */
    int level;      /* captures open or closed so far */
    unsigned steps; /* since the last look at the clock */
    struct {
        const char *start;
        ptrdiff_t len; /* or CAP_UNFINISHED, CAP_POSITION */
    } cap[MAX_CAPTURES];
} matcher;

static void tick(matcher *m)
{
    if (++m->steps >= POLL_EVERY) {
        m->steps = 0;
        rg_lua_check_time(m->L);
    }
}

static void m_start(matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp)
{
    m->L = L;
    m->src = s;
    m->src_end = s + ls;
    m->pat_end = p + lp;
    m->steps = 0;
}

static void m_reset(matcher *m)
{
    m->level = 0;
    m->depth = MAX_DEPTH;
}

/* The end of the single-character class at p. */
static const char *class_end(matcher *m, const char *p)
{
    char c = *p++;
    if (c == PAT_ESC) {
        if (p >= m->pat_end) {
            luaL_error(m->L, "malformed pattern (ends with '%%')");
        }
        return p + 1;
    }
    if (c != '[') {
        return p;
    }
    if (*p == '^') {
        p++;
    }
    /* the first character of a set is itself, also a ']' */
    do {
        if (p >= m->pat_end) {
            luaL_error(m->L, "malformed pattern (missing ']')");
        }
        c = *p++;
        if (c == PAT_ESC && p < m->pat_end) {
            p++;
        }
    } while (*p != ']');
    return p + 1;
}

/* Whether character c is in class %cl (a letter: its upper case is the
 * complement; anything else stands for itself). */
static int in_class(int c, int cl)
{
    int r;
    switch (tolower(cl)) {
    case 'a': r = isalpha(c); break;
    case 'c': r = iscntrl(c); break;
    case 'd': r = isdigit(c); break;
    case 'g': r = isgraph(c); break;
    case 'l': r = islower(c); break;
    case 'p': r = ispunct(c); break;
    case 's': r = isspace(c); break;
    case 'u': r = isupper(c); break;
    case 'w': r = isalnum(c); break;
    case 'x': r = isxdigit(c); break;
    default: return cl == c;
    }
    r = r != 0;
    return isupper(cl) ? !r : r;
}

/* Whether c is in the set [ ... ] from p (its '[') to close (its ']'). */
static int in_set(int c, const char *p, const char *close)
{
    int yes = 1;
    p++;
    if (*p == '^') {
        yes = 0;
        p++;
    }
    for (; p < close; p++) {
        if (*p == PAT_ESC) {
            p++;
            if (in_class(c, (unsigned char)*p)) {
                return yes;
            }
        } else if (p[1] == '-' && p + 2 < close) {
            if ((unsigned char)p[0] <= c && c <= (unsigned char)p[2]) {
                return yes;
            }
            p += 2;
        } else if ((unsigned char)*p == c) {
            return yes;
        }
    }
    return !yes;
}

/* Whether the character at s matches the class from p to ep. */
static int one_matches(matcher *m, const char *s, const char *p, const char *ep)
{
    if (s >= m->src_end) {
        return 0;
    }
    int c = (unsigned char)*s;
    switch (*p) {
    case '.':
        return 1;
    case PAT_ESC:
        return in_class(c, (unsigned char)p[1]);
    case '[':
        return in_set(c, p, ep - 1);
    default:
        return (unsigned char)*p == c;
    }
}

static const char *do_match(matcher *m, const char *s, const char *p);

/* %bxy at p (after the %b) */
static const char *match_balance(matcher *m, const char *s, const char *p)
{
    if (p >= m->pat_end - 1) {
        luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    }
    if (s >= m->src_end || *s != p[0]) {
        return NULL;
    }
    char open = p[0], close = p[1];
    int depth = 1;
    while (++s < m->src_end) {
        tick(m);
        if (*s == close) {
            if (--depth == 0) {
                return s + 1;
            }
        } else if (*s == open) {
            depth++;
        }
    }
    return NULL;
}

/* As many as possible of the class, then fewer until the rest matches. */
static const char *max_expand(matcher *m, const char *s, const char *p, const char *ep)
{
    ptrdiff_t i = 0;
    while (one_matches(m, s + i, p, ep)) {
        tick(m);
        i++;
    }
    for (; i >= 0; i--) {
        const char *r = do_match(m, s + i, ep + 1);
        if (r) {
            return r;
        }
    }
    return NULL;
}

/* As few as possible of the class, more until the rest matches. */
static const char *min_expand(matcher *m, const char *s, const char *p, const char *ep)
{
    for (;;) {
        const char *r = do_match(m, s, ep + 1);
        if (r) {
            return r;
        }
        if (!one_matches(m, s, p, ep)) {
            return NULL;
        }
        s++;
    }
}

static const char *open_capture(matcher *m, const char *s, const char *p, ptrdiff_t what)
{
    if (m->level >= MAX_CAPTURES) {
        luaL_error(m->L, "too many captures");
    }
    m->cap[m->level].start = s;
    m->cap[m->level].len = what;
    m->level++;
    const char *r = do_match(m, s, p);
    if (!r) {
        m->level--;
    }
    return r;
}

static const char *close_capture(matcher *m, const char *s, const char *p)
{
    int l = m->level - 1;
    while (l >= 0 && m->cap[l].len != CAP_UNFINISHED) {
        l--;
    }
    if (l < 0) {
        luaL_error(m->L, "invalid pattern capture");
    }
    m->cap[l].len = s - m->cap[l].start;
    const char *r = do_match(m, s, p);
    if (!r) {
        m->cap[l].len = CAP_UNFINISHED;
    }
    return r;
}

/* %1 .. %9: the text of a capture again */
static const char *match_again(matcher *m, const char *s, int digit)
{
    int l = digit - '1';
    if (l < 0 || l >= m->level || m->cap[l].len == CAP_UNFINISHED) {
        luaL_error(m->L, "invalid capture index %%%d", l + 1);
    }
    size_t len = (size_t)m->cap[l].len; /* a position: larger than any text */
    if ((size_t)(m->src_end - s) >= len && memcmp(m->cap[l].start, s, len) == 0) {
        return s + len;
    }
    return NULL;
}

static const char *do_match(matcher *m, const char *s, const char *p)
{
    if (m->depth-- == 0) {
        luaL_error(m->L, "pattern too complex");
    }
    tick(m);
    while (p != m->pat_end) {
        switch (*p) {
        case '(':
            s = p[1] == ')' ? open_capture(m, s, p + 2, CAP_POSITION)
                            : open_capture(m, s, p + 1, CAP_UNFINISHED);
            goto out;
        case ')':
            s = close_capture(m, s, p + 1);
            goto out;
        case '$':
            if (p + 1 == m->pat_end) {
                s = s == m->src_end ? s : NULL;
                goto out;
            }
            break; /* a '$' elsewhere stands for itself */
        case PAT_ESC:
            if (p[1] == 'b') {
                s = match_balance(m, s, p + 2);
                if (!s) {
                    goto out;
                }
                p += 4;
                continue;
            }
            if (p[1] == 'f') {
                p += 2;
                if (*p != '[') {
                    luaL_error(m->L, "missing '[' after '%%f' in pattern");
                }
                const char *ep = class_end(m, p);
                int before = s == m->src ? '\0' : (unsigned char)s[-1];
                int at = (unsigned char)*s; /* '\0' at the end: Lua's strings end in one */
                if (in_set(before, p, ep - 1) || !in_set(at, p, ep - 1)) {
                    s = NULL;
                    goto out;
                }
                p = ep;
                continue;
            }
            if (isdigit((unsigned char)p[1])) {
                s = match_again(m, s, (unsigned char)p[1]);
                if (!s) {
                    goto out;
                }
                p += 2;
                continue;
            }
            break;
        default:
            break;
        }
        /* a single-character class, maybe with a repetition */
        const char *ep = class_end(m, p);
        if (!one_matches(m, s, p, ep)) {
            if (*ep == '*' || *ep == '?' || *ep == '-') {
                p = ep + 1; /* none of it will do */
                continue;
            }
            s = NULL;
            goto out;
        }
        switch (*ep) {
        case '?': {
            const char *r = do_match(m, s + 1, ep + 1);
            if (r) {
                s = r;
                goto out;
            }
            p = ep + 1;
            continue;
        }
        case '+':
            s = max_expand(m, s + 1, p, ep);
            goto out;
        case '*':
            s = max_expand(m, s, p, ep);
            goto out;
        case '-':
            s = min_expand(m, s, p, ep);
            goto out;
        default:
            s++;
            p = ep;
            continue;
        }
    }
out:
    m->depth++;
    return s;
}

/* Capture i of the match s..e on the stack (the whole match when there are
 * none and i is 0). */
static void push_capture(matcher *m, int i, const char *s, const char *e)
{
    if (i >= m->level) {
        if (i != 0) {
            luaL_error(m->L, "invalid capture index %%%d", i + 1);
        }
        lua_pushlstring(m->L, s, (size_t)(e - s));
        return;
    }
    ptrdiff_t len = m->cap[i].len;
    if (len == CAP_UNFINISHED) {
        luaL_error(m->L, "unfinished capture");
    }
    if (len == CAP_POSITION) {
        lua_pushinteger(m->L, (lua_Integer)(m->cap[i].start - m->src) + 1);
    } else {
        lua_pushlstring(m->L, m->cap[i].start, (size_t)len);
    }
}

/* All captures (with s NULL and none, nothing): how many were pushed. */
static int push_captures(matcher *m, const char *s, const char *e)
{
    int n = m->level == 0 && s ? 1 : m->level;
    luaL_checkstack(m->L, n, "too many captures");
    for (int i = 0; i < n; i++) {
        push_capture(m, i, s, e);
    }
    return n;
}

/* A position argument as string.find takes it: 1-based, negative from the
 * end; 0 and below the start count as 1. */
static size_t start_at(lua_Integer pos, size_t len)
{
    if (pos > 0) {
        return (size_t)pos;
    }
    if (pos == 0 || pos < -(lua_Integer)len) {
        return 1;
    }
    return len + (size_t)pos + 1;
}

static int has_specials(const char *p, size_t lp)
{
    for (size_t i = 0; i < lp; i++) {
        if (p[i] && strchr(PAT_SPECIALS, p[i])) {
            return 1;
        }
    }
    return 0;
}

static int find_or_match(lua_State *L, int find)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_at(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls) {
        luaL_pushfail(L);
        return 1;
    }
    if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
        /* memmem takes linear time, whatever the texts */
        const char *at = lp == 0 ? s + init : memmem(s + init, ls - init, p, lp);
        if (at) {
            lua_pushinteger(L, (lua_Integer)(at - s) + 1);
            lua_pushinteger(L, (lua_Integer)(at - s) + (lua_Integer)lp);
            return 2;
        }
        luaL_pushfail(L);
        return 1;
    }
    matcher m;
    const char *s1 = s + init;
    int anchor = *p == '^';
    if (anchor) {
        p++;
        lp--;
    }
    m_start(&m, L, s, ls, p, lp);
    do {
        m_reset(&m);
        const char *e = do_match(&m, s1, p);
        if (e) {
            if (find) {
                lua_pushinteger(L, (lua_Integer)(s1 - s) + 1);
                lua_pushinteger(L, (lua_Integer)(e - s));
                return push_captures(&m, NULL, NULL) + 2;
            }
            return push_captures(&m, s1, e);
        }
    } while (s1++ < m.src_end && !anchor);
    luaL_pushfail(L);
    return 1;
}

static int l_find(lua_State *L)
{
    return find_or_match(L, 1);
}

static int l_match(lua_State *L)
{
    return find_or_match(L, 0);
}

typedef struct gmatch_state {
    const char *next; /* where the next search begins */
    const char *pat;
    const char *last; /* the end of the last match: an empty match there is skipped */
    matcher m;
} gmatch_state;

static int gmatch_next(lua_State *L)
{
    gmatch_state *g = lua_touserdata(L, lua_upvalueindex(3));
    g->m.L = L;
    for (const char *s = g->next; s <= g->m.src_end; s++) {
        m_reset(&g->m);
        const char *e = do_match(&g->m, s, g->pat);
        if (e && e != g->last) {
            g->next = g->last = e;
            return push_captures(&g->m, s, e);
        }
    }
    return 0;
}

static int l_gmatch(lua_State *L)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_at(luaL_optinteger(L, 3, 1), ls) - 1;
    lua_settop(L, 2); /* the texts live as long as the closure */
    gmatch_state *g = lua_newuserdatauv(L, sizeof *g, 0);
    if (init > ls) {
        init = ls + 1;
    }
    m_start(&g->m, L, s, ls, p, lp);
    g->next = s + init;
    g->pat = p;
    g->last = NULL;
    lua_pushcclosure(L, gmatch_next, 3);
    return 1;
}

/* gsub's replacement text (argument 3) for the match s..e. */
static void add_text(matcher *m, luaL_Buffer *b, const char *s, const char *e)
{
    lua_State *L = m->L;
    size_t l;
    const char *r = lua_tolstring(L, 3, &l);
    const char *esc;
    while ((esc = memchr(r, PAT_ESC, l)) != NULL) {
        luaL_addlstring(b, r, (size_t)(esc - r));
        esc++;
        if (*esc == PAT_ESC) {
            luaL_addchar(b, PAT_ESC);
        } else if (*esc == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (isdigit((unsigned char)*esc)) {
            push_capture(m, *esc - '1', s, e);
            luaL_addvalue(b); /* a position as its digits */
        } else {
            luaL_error(L, "invalid use of '%c' in replacement string", PAT_ESC);
        }
        l -= (size_t)(esc + 1 - r);
        r = esc + 1;
    }
    luaL_addlstring(b, r, l);
}

/* The replacement of the match s..e; 1 when it changed the text. */
static int add_replacement(matcher *m, luaL_Buffer *b, const char *s, const char *e, int type)
{
    lua_State *L = m->L;
    if (type == LUA_TFUNCTION) {
        lua_pushvalue(L, 3);
        int n = push_captures(m, s, e);
        lua_call(L, n, 1);
    } else if (type == LUA_TTABLE) {
        push_capture(m, 0, s, e);
        lua_gettable(L, 3);
    } else {
        add_text(m, b, s, e);
        return 1;
    }
    if (!lua_toboolean(L, -1)) {
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s)); /* the match stays */
        return 0;
    }
    if (!lua_isstring(L, -1)) {
        return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    }
    luaL_addvalue(b);
    return 1;
}

static int l_gsub(lua_State *L)
{
    size_t ls, lp;
    const char *src = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    const char *last = NULL;
    int type = lua_type(L, 3);
    lua_Integer max = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
    luaL_argexpected(L, type == LUA_TNUMBER || type == LUA_TSTRING || type == LUA_TFUNCTION ||
                            type == LUA_TTABLE,
                     3, "string/function/table");
    int anchor = *p == '^';
    if (anchor) {
        p++;
        lp--;
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    matcher m;
    m_start(&m, L, src, ls, p, lp);
    lua_Integer n = 0;
    int changed = 0;
    while (n < max) {
        m_reset(&m);
        const char *e = do_match(&m, src, p);
        if (e && e != last) {
            n++;
            changed |= add_replacement(&m, &b, src, e, type);
            src = last = e;
        } else if (src < m.src_end) {
            luaL_addchar(&b, *src++);
        } else {
            break;
        }
        if (anchor) {
            break;
        }
    }
    if (!changed) {
        lua_pushvalue(L, 1);
    } else {
        luaL_addlstring(&b, src, (size_t)(m.src_end - src));
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, n);
    return 2;
}

/* ---- string.rep ----
 * Lua's own copies the text once per repetition, without a look at the
 * clock: string.rep("", 2^62) never returns.  Here the result is sized
 * first (the allocator refuses it beyond the memory limit), then filled by
 * doubling what is already there. */
static int l_rep(lua_State *L)
{
    size_t l, lsep;
    const char *s = luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    const char *sep = luaL_optlstring(L, 3, "", &lsep);
    if (n <= 0 || l + lsep == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    if (l + lsep < l || l + lsep > (size_t)INT_MAX / (lua_Unsigned)n) {
        return luaL_error(L, "resulting string too large");
    }
    size_t total = (size_t)n * l + (size_t)(n - 1) * lsep;
    luaL_Buffer b;
    char *out = luaL_buffinitsize(L, &b, total);
    memcpy(out, s, l);
    size_t done = l;
    if (n > 1) {
        /* then (sep, s) n - 1 times: out[l..done) is always whole units */
        memcpy(out + done, sep, lsep);
        memcpy(out + done + lsep, s, l);
        done += lsep + l;
        while (done < total) {
            size_t k = done - l < total - done ? done - l : total - done;
            if (k > ((size_t)1 << 24)) {
                k = (size_t)1 << 24; /* still whole units: a multiple of what is there */
                k -= k % (lsep + l);
            }
            memcpy(out + done, out + l, k);
            done += k;
            rg_lua_check_time(L);
        }
    }
    luaL_pushresultsize(&b, total);
    return 1;
}

/* ---- the table functions ----
 * As Lua's own, with a look at the clock now and then: a table's __len
 * can claim 2^62 elements, and its __index or __newindex can be C
 * functions that no hook interrupts. */

#define TAB_R 1
#define TAB_W 2
#define TAB_L 4

static int has_field(lua_State *L, const char *key, int n)
{
    lua_pushstring(L, key);
    return lua_rawget(L, -n) != LUA_TNIL;
}

/* Argument arg is a table, or has the metamethods that `what` needs. */
static void check_tab(lua_State *L, int arg, int what)
{
    if (lua_type(L, arg) == LUA_TTABLE) {
        return;
    }
    int n = 1;
    if (lua_getmetatable(L, arg) && (!(what & TAB_R) || has_field(L, "__index", ++n)) &&
        (!(what & TAB_W) || has_field(L, "__newindex", ++n)) &&
        (!(what & TAB_L) || has_field(L, "__len", ++n))) {
        lua_pop(L, n);
    } else {
        luaL_checktype(L, arg, LUA_TTABLE);
    }
}

static lua_Integer tab_len(lua_State *L, int arg, int what)
{
    check_tab(L, arg, what | TAB_L);
    return luaL_len(L, arg);
}

static void every(lua_State *L, unsigned *steps)
{
    if (++*steps >= POLL_EVERY) {
        *steps = 0;
        rg_lua_check_time(L);
    }
}

static int l_concat(lua_State *L)
{
    lua_Integer last = tab_len(L, 1, TAB_R);
    size_t lsep;
    const char *sep = luaL_optlstring(L, 2, "", &lsep);
    lua_Integer i = luaL_optinteger(L, 3, 1);
    last = luaL_optinteger(L, 4, last);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    unsigned steps = 0;
    for (; i <= last; i++) {
        lua_geti(L, 1, i);
        if (!lua_isstring(L, -1)) {
            return luaL_error(L, "invalid value (%s) at index %I in table for 'concat'",
                              luaL_typename(L, -1), (LUAI_UACINT)i);
        }
        luaL_addvalue(&b);
        if (i == last) {
            break; /* also when last is the largest integer */
        }
        luaL_addlstring(&b, sep, lsep);
        every(L, &steps);
    }
    luaL_pushresult(&b);
    return 1;
}

static int l_insert(lua_State *L)
{
    lua_Integer pos;
    lua_Integer e = (lua_Integer)((lua_Unsigned)tab_len(L, 1, TAB_R | TAB_W) + 1u);
    switch (lua_gettop(L)) {
    case 2:
        pos = e;
        break;
    case 3: {
        pos = luaL_checkinteger(L, 2);
        luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2, "position out of bounds");
        unsigned steps = 0;
        for (lua_Integer i = e; i > pos; i--) {
            lua_geti(L, 1, i - 1);
            lua_seti(L, 1, i);
            every(L, &steps);
        }
        break;
    }
    default:
        return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, pos);
    return 0;
}

static int l_remove(lua_State *L)
{
    lua_Integer size = tab_len(L, 1, TAB_R | TAB_W);
    lua_Integer pos = luaL_optinteger(L, 2, size);
    if (pos != size) {
        luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2, "position out of bounds");
    }
    lua_geti(L, 1, pos);
    unsigned steps = 0;
    for (; pos < size; pos++) {
        lua_geti(L, 1, pos + 1);
        lua_seti(L, 1, pos);
        every(L, &steps);
    }
    lua_pushnil(L);
    lua_seti(L, 1, pos);
    return 1;
}

static int l_move(lua_State *L)
{
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);
    lua_Integer t = luaL_checkinteger(L, 4);
    int to = lua_isnoneornil(L, 5) ? 1 : 5;
    check_tab(L, 1, TAB_R);
    check_tab(L, to, TAB_W);
    if (e >= f) {
        luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
        lua_Integer n = e - f + 1;
        luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
        unsigned steps = 0;
        if (t > e || t <= f || (to != 1 && !lua_compare(L, 1, to, LUA_OPEQ))) {
            for (lua_Integer i = 0; i < n; i++) {
                lua_geti(L, 1, f + i);
                lua_seti(L, to, t + i);
                every(L, &steps);
            }
        } else {
            for (lua_Integer i = n - 1; i >= 0; i--) {
                lua_geti(L, 1, f + i);
                lua_seti(L, to, t + i);
                every(L, &steps);
            }
        }
    }
    lua_pushvalue(L, to);
    return 1;
}

/* ---- string.format and table.sort: Lua's own, called from here ----
 * An error the original raises names no function ('?': it is no longer in
 * the string table) and no place (its caller is C); it is given both, as
 * Lua would have: "script.lua:LINE: bad argument #2 to 'format' (...)". */

/* Whether msg already begins with a place "chunk:LINE:". */
static int has_place(const char *msg)
{
    const char *c = strchr(msg, ':');
    while (c) {
        const char *d = c + 1;
        while (isdigit((unsigned char)*d)) {
            d++;
        }
        if (d > c + 1 && *d == ':') {
            return 1;
        }
        c = strchr(c + 1, ':');
        if (c && memchr(msg, '\n', (size_t)(c - msg))) {
            return 0;
        }
    }
    return 0;
}

/* The function on top of the stack as a field of a loaded module
 * ("string.format"), replacing it; "?" when it is none. */
static const char *global_name(lua_State *L)
{
    int fn = lua_gettop(L);
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TTABLE) {
            lua_pushnil(L);
            while (lua_next(L, -2)) {
                if (lua_type(L, -2) == LUA_TSTRING && lua_rawequal(L, -1, fn)) {
                    const char *mod = lua_tostring(L, -4);
                    lua_pushfstring(L, "%s.%s", mod, lua_tostring(L, -2));
                    lua_replace(L, fn);
                    lua_settop(L, fn);
                    return lua_tostring(L, fn);
                }
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
    }
    lua_settop(L, fn);
    lua_pushliteral(L, "?");
    lua_replace(L, fn);
    return lua_tostring(L, fn);
}

/* Call the original (upvalue 1) with the format at `fmt` (0: none) and
 * `nargs` arguments from `first`; `shift` is added to the argument numbers
 * its errors give.  Its results are left on the stack: how many. */
static int call_original(lua_State *L, int fmt, int first, int nargs, int shift)
{
    int base = lua_gettop(L);
    if (!fmt && first == 1 && nargs == base) {
        /* the whole call as it came: the arguments stay where they are */
        lua_pushvalue(L, lua_upvalueindex(1));
        lua_insert(L, 1);
        base = 0;
    } else {
        luaL_checkstack(L, nargs + 2, "too many arguments");
        lua_pushvalue(L, lua_upvalueindex(1));
        if (fmt) {
            lua_pushvalue(L, fmt);
        }
        for (int i = 0; i < nargs; i++) {
            lua_pushvalue(L, first + i);
        }
    }
    if (lua_pcall(L, nargs + (fmt != 0), LUA_MULTRET, 0) == LUA_OK) {
        return lua_gettop(L) - base;
    }
    const char *msg = lua_tostring(L, -1);
    if (!msg || has_place(msg)) {
        return lua_error(L); /* from Lua code it called: as it is */
    }
    lua_Debug ar;
    const char *name = "?";
    int method = 0;
    if (lua_getstack(L, 0, &ar) && lua_getinfo(L, "n", &ar)) {
        if (ar.name) {
            name = ar.name;
            method = strcmp(ar.namewhat, "method") == 0;
        } else if (lua_getinfo(L, "f", &ar)) {
            name = global_name(L); /* called from C (pcall): "string.format" */
        }
    }
    luaL_where(L, 1);
    long k;
    char *rest;
    if (strncmp(msg, "bad argument #", 14) == 0 && (k = strtol(msg + 14, &rest, 10)) > 0 &&
        strncmp(rest, " to '", 5) == 0 && strchr(rest + 5, '\'')) {
        rest = strchr(rest + 5, '\'') + 1;
        if (k > 1) {
            k += shift;
        }
        k -= method;
        if (k == 0) {
            lua_pushfstring(L, "calling '%s' on bad self%s", name, rest);
        } else {
            lua_pushfstring(L, "bad argument #%d to '%s'%s", (int)k, name, rest);
        }
    } else {
        lua_pushstring(L, msg);
    }
    lua_concat(L, 2);
    return lua_error(L);
}

/* string.format: what it does is bounded by what it makes, by the count of
 * its arguments, and by the length of its string arguments, which it may
 * measure without adding them to the result ("%.0s").  Only when those
 * lengths add up to much is the format cut into parts, each given to the
 * original with its arguments, the clock looked at between them. */
#define FORMAT_PART ((size_t)16 << 20)

/* One part of the format, f[from..to), with n arguments from `arg`, made
 * and added to b. */
static void format_part(lua_State *L, luaL_Buffer *b, const char *f, size_t from, size_t to, int arg,
                        int n)
{
    int top = lua_gettop(L);
    lua_pushlstring(L, f + from, to - from);
    int have = arg + n - 1 <= top ? n : top - arg + 1;
    call_original(L, lua_gettop(L), arg, have > 0 ? have : 0, arg - 2);
    lua_remove(L, -2);
    luaL_addvalue(b);
    rg_lua_check_time(L);
}

static int l_format(lua_State *L)
{
    int top = lua_gettop(L);
    size_t measured = 0;
    for (int i = 2; i <= top; i++) {
        if (lua_type(L, i) == LUA_TSTRING) {
            measured += lua_rawlen(L, i);
        }
    }
    if (measured <= FORMAT_PART || lua_type(L, 1) != LUA_TSTRING) {
        return call_original(L, 0, 1, top, 0);
    }
    size_t lf;
    const char *f = lua_tolstring(L, 1, &lf);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    size_t from = 0, i = 0, weight = 0;
    int arg = 2, n = 0; /* the part's first argument, and how many it takes */
    while (i < lf) {
        if (f[i] != '%') {
            i++;
            continue;
        }
        if (i + 1 < lf && f[i + 1] == '%') {
            i += 2;
            continue;
        }
        i++;
        while (i < lf && f[i] && strchr("-+ #0123456789.", f[i])) {
            i++;
        }
        if (i < lf) {
            i++; /* the conversion */
        }
        if (arg + n <= top && lua_type(L, arg + n) == LUA_TSTRING) {
            weight += lua_rawlen(L, arg + n);
        }
        n++;
        if (weight >= FORMAT_PART) {
            format_part(L, &b, f, from, i, arg, n);
            from = i;
            arg += n;
            n = 0;
            weight = 0;
        }
    }
    /* the rest, with the arguments left (more than it takes are ignored) */
    format_part(L, &b, f, from, lf, arg, top - arg + 1);
    luaL_pushresult(&b);
    return 1;
}

/* table.sort: O(n log n) comparisons, and n is what the table holds, so
 * Lua's own is used; but a proxy table can claim 2^31 elements (__len)
 * and answer for each in C (__index, __newindex).  Sorting a table with a
 * metatable without a comparator in Lua, the comparisons go through one of
 * ours that looks at the clock now and then: the same comparisons, so the
 * same order.  A comparator written in Lua is stopped by the hook. */
static int watched_less(lua_State *L)
{
    unsigned *steps = lua_touserdata(L, lua_upvalueindex(2));
    every(L, steps);
    if (lua_isnil(L, lua_upvalueindex(1))) {
        lua_pushboolean(L, lua_compare(L, 1, 2, LUA_OPLT));
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_settop(L, 3);
    lua_call(L, 2, 1);
    return 1;
}

static int l_sort(lua_State *L)
{
    int top = lua_gettop(L);
    if ((top == 1 || top == 2) && (top == 1 || lua_isnil(L, 2) || lua_iscfunction(L, 2)) &&
        lua_getmetatable(L, 1)) {
        lua_pop(L, 1);
        lua_settop(L, 2);
        lua_pushvalue(L, 2);
        unsigned *steps = lua_newuserdatauv(L, sizeof *steps, 0);
        *steps = 0;
        lua_pushcclosure(L, watched_less, 2);
        lua_replace(L, 2);
        return call_original(L, 0, 1, 2, 0);
    }
    return call_original(L, 0, 1, top, 0);
}

/* Field `name` of the table at -1 becomes a closure of fn with the field's
 * former value (the original) as its upvalue. */
static void wrap(lua_State *L, const char *name, lua_CFunction fn)
{
    lua_getfield(L, -1, name);
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, -2, name);
}

/* The functions that can run long in C, stopped at the step's deadline. */
static void open_watched(lua_State *L)
{
    static const luaL_Reg string_fns[] = { { "find", l_find }, { "match", l_match }, { "gmatch", l_gmatch },
                                           { "gsub", l_gsub }, { "rep", l_rep },     { NULL, NULL } };
    static const luaL_Reg table_fns[] = { { "concat", l_concat }, { "insert", l_insert },
                                          { "remove", l_remove }, { "move", l_move },
                                          { NULL, NULL } };
    lua_getglobal(L, "string");
    luaL_setfuncs(L, string_fns, 0);
    wrap(L, "format", l_format);
    lua_pop(L, 1);
    lua_getglobal(L, "table");
    luaL_setfuncs(L, table_fns, 0);
    wrap(L, "sort", l_sort);
    lua_pop(L, 1);
}

/* ---- coroutines ----
 * coroutine.resume and coroutine.wrap as Lua's own, except that they
 * resume under the step's limits (rg_sandbox_resume). */
static int l_co_resume(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTHREAD);
    lua_State *co = lua_tothread(L, 1);
    int r = rg_sandbox_resume(L, co, lua_gettop(L) - 1);
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
    int r = rg_sandbox_resume(L, co, lua_gettop(L));
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

/* ---- what is blocked ----
 * What reaches outside the step (files, processes, the environment, the
 * module loader, the debug interface, binary chunks) raises a clear
 * "blocked" error. */
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

void rg_sandbox_open_libs(lua_State *L)
{
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
    open_watched(L);
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
}
