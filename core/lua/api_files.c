/* api_files.c - the files a step writes: regie.write, regie.file and
 * regie.csv.writer, in buffers the step's memory limit counts. */
#define _GNU_SOURCE
#include "api.h"

#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

static const char writers_key = 0; /* writers not yet closed */

/* ---- memory that counts towards the step's limit ----
 * Large buffers a script fills through the regie module (a CSV writer, a
 * file given in pieces) are taken from the state's own allocator, so the
 * step's memory limit covers them as it covers Lua's own data. */
typedef struct lbuf {
    char *data;
    size_t len, cap;
} lbuf;

static void lbuf_reserve(lua_State *L, lbuf *b, size_t more)
{
    if (b->cap - b->len >= more) {
        return;
    }
    /* grows by half: the capacity counts towards the step's limit */
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < more) {
        if (cap > ((size_t)-1) / 2) {
            luaL_error(L, "not enough memory");
        }
        cap += cap / 2;
    }
    void *ud;
    lua_Alloc f = lua_getallocf(L, &ud);
    char *p = f(ud, b->data, b->data ? b->cap : 0, cap);
    if (!p) {
        luaL_error(L, "not enough memory");
    }
    b->data = p;
    b->cap = cap;
}

static void lbuf_put(lua_State *L, lbuf *b, const void *p, size_t n)
{
    if (n == 0) {
        return; /* (nothing to copy, and maybe no buffer yet) */
    }
    lbuf_reserve(L, b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void lbuf_free(lua_State *L, lbuf *b)
{
    if (b->data) {
        void *ud;
        lua_Alloc f = lua_getallocf(L, &ud);
        f(ud, b->data, b->cap, 0);
    }
    memset(b, 0, sizeof *b);
}

/* The host's error for a refused write, as a Lua error. */
static int raise_ctx_error(lua_State *L, regie_ctx *ctx)
{
    char *e = ctx->error;
    ctx->error = NULL;
    lua_pushstring(L, e ? e : "write failed");
    free(e);
    return lua_error(L);
}

/* regie.write(path, text | { piece, ... }): pieces (strings or numbers)
 * are joined straight into the file, without a string of the whole. */
int rg_api_write(lua_State *L)
{
    regie_ctx *ctx = rg_lua_step_ctx(L);
    const char *path = luaL_checkstring(L, 1);
    if (!lua_istable(L, 2)) {
        size_t len;
        const char *text = luaL_checklstring(L, 2, &len);
        return rg_host.write_file(ctx, path, text, len) == 0 ? 0 : raise_ctx_error(L, ctx);
    }
    lua_Integer n = luaL_len(L, 2);
    size_t total = 0;
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 2, i);
        size_t len;
        if (!lua_isstring(L, -1)) {
            return luaL_error(L, "regie.write(\"%s\"): piece %d is a %s, expected text", path,
                              (int)i, luaL_typename(L, -1));
        }
        lua_tolstring(L, -1, &len); /* numbers become text in place */
        if (total + len < total) {
            return luaL_error(L, "regie.write(\"%s\"): too much text", path);
        }
        total += len;
        lua_pop(L, 1);
    }
    lbuf b = { 0 };
    lbuf_reserve(L, &b, total ? total : 1);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 2, i);
        size_t len;
        /* checked again: the collector may have run a finalizer since */
        const char *piece = lua_isstring(L, -1) ? lua_tolstring(L, -1, &len) : NULL;
        if (!piece || len > b.cap - b.len) {
            lbuf_free(L, &b);
            return luaL_error(L, "regie.write(\"%s\"): piece %d changed while it was written",
                              path, (int)i);
        }
        memcpy(b.data + b.len, piece, len);
        b.len += len;
        lua_pop(L, 1);
    }
    /* the buffer is given back also when the write fails */
    int ok = rg_host.write_file(ctx, path, b.data, b.len) == 0;
    lbuf_free(L, &b);
    return ok ? 0 : raise_ctx_error(L, ctx);
}

/* ---- writers: regie.csv.writer and regie.file ----
 *   local w = regie.csv.writer("contacts.csv", { "id", "date", ... })
 *   w:add(id, date, ...)        -- one line, the values in column order
 *   w:record({ id = ..., ... }) -- one line from a record
 *   w:close()                   -- completes the file; returns the lines
 *   local f = regie.file("report.html")
 *   f:write(piece, ...)         -- strings or numbers, appended
 *   f:close()                   -- completes the file; returns its size
 * A CSV line is encoded as regie.csv.encode and regie.output encode it.
 * Both kinds stream: what they hold goes to the unfinished file in parts
 * of about WRITER_FLUSH bytes, so neither a record table per line nor a
 * string of the whole file is ever made. */

typedef struct file_writer {
    char *path;
    char **cols; /* a CSV writer's columns; NULL for regie.file */
    const rg_csv_dialect *dialect; /* a CSV writer's: the run's */
    size_t ncols, lines, size;
    regie_ctx *ctx; /* the step that writes it */
    rg_afile file;  /* the unfinished file (fd -1: none) */
    lbuf out;       /* what is not yet in the file (counts towards the step's memory) */
    rg_buf row;     /* scratch for one field */
    int closed;
    int busy;          /* a record's metamethods are being run */
    int in_line;       /* a line of add/record was begun and not ended (an error in it) */
    size_t line_start; /* where that line begins in out */
} file_writer;

/* What a writer holds is written out in parts of about this size. */
#define WRITER_FLUSH ((size_t)1 << 20)

static file_writer *check_open(lua_State *L, const char *type)
{
    file_writer *w = luaL_checkudata(L, 1, type);
    /* (a writer the step left open was closed when it ended: one never
     * outlives its step's context) */
    if (w->closed) {
        luaL_error(L, "%s(\"%s\"): already closed", type, w->path ? w->path : "");
    }
    if (w->busy) {
        luaL_error(L, "%s(\"%s\"): in use (a metamethod of the record it takes cannot use it)", type,
                   w->path);
    }
    return w;
}

static void writer_release(lua_State *L, file_writer *w);

/* Hand what the writer holds to the file. */
static void writer_flush(lua_State *L, file_writer *w)
{
    if (w->out.len == 0) {
        return;
    }
    if (rg_output_write(w->ctx, &w->file, w->out.data, w->out.len) != 0) {
        /* the unfinished file is gone: the writer is closed */
        writer_release(L, w);
        raise_ctx_error(L, w->ctx);
    }
    w->size += w->out.len;
    w->out.len = 0;
}

static void writer_maybe_flush(lua_State *L, file_writer *w)
{
    if (w->out.len >= WRITER_FLUSH) {
        writer_flush(L, w);
    }
}

/* A new writer of either kind on the stack; the file is begun at once, so
 * a path that cannot be written fails here. */
static file_writer *writer_new(lua_State *L, const char *type, const char *path)
{
    regie_ctx *ctx = rg_lua_step_ctx(L);
    file_writer *w = lua_newuserdatauv(L, sizeof *w, 0);
    memset(w, 0, sizeof *w);
    w->file.fd = -1;
    w->file.dirfd = -1;
    w->closed = 1; /* until it is complete: nothing to release */
    luaL_setmetatable(L, type);
    w->path = rg_xstrdup(path);
    w->ctx = ctx;
    if (rg_output_open(ctx, path, &w->file) != 0) {
        raise_ctx_error(L, ctx);
    }
    w->closed = 0;
    /* known while open (writers[w] = the writer), so the step's end finds
     * one left open; writer_release takes it out */
    lua_rawgetp(L, LUA_REGISTRYINDEX, &writers_key);
    lua_pushvalue(L, -2);
    lua_rawsetp(L, -2, w);
    lua_pop(L, 1);
    return w;
}

void rg_lua_end_file_writers(lua_State *L, regie_ctx *ctx, int succeeded)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &writers_key);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        file_writer *w = lua_touserdata(L, -1);
        lua_pop(L, 1);
        if (succeeded) {
            rg_host.log(ctx, REGIE_LOG_WARN, "%s was not closed (close() writes it): not written",
                        w->path);
        }
        writer_release(L, w); /* clears its entry: allowed while traversing */
    }
    lua_pop(L, 1);
}

static file_writer *check_writer(lua_State *L)
{
    return check_open(L, "regie.csv.writer");
}

/* One value at idx of column c into the writer's buffer. */
static void writer_put(lua_State *L, file_writer *w, int idx, size_t c)
{
    regie_value v;
    rg_buf *b = &w->row;
    b->len = 0;
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        return;
    case LUA_TSTRING: { /* the common case straight into the file */
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        if (w->dialect != &rg_csv_standard) {
            rg_csv_put_text_d(b, w->dialect, s, len);
            break;
        }
        if (!rg_csv_needs_quotes(s, len)) {
            lbuf_put(L, &w->out, s, len);
            return;
        }
        rg_csv_put_text(b, s, len);
        break;
    }
    case LUA_TBOOLEAN:
        v.type = REGIE_BOOL;
        v.u.b = lua_toboolean(L, idx);
        rg_csv_put_value_d(b, w->dialect, &v);
        break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            char num[24];
            lbuf_put(L, &w->out, num, rg_fmt_int(num, (int64_t)lua_tointeger(L, idx)));
            return;
        }
        v.type = REGIE_NUM;
        v.u.n = (double)lua_tonumber(L, idx);
        rg_csv_put_value_d(b, w->dialect, &v);
        break;
    case LUA_TLIGHTUSERDATA:
        if (rg_lua_is_null(L, idx)) {
            return;
        }
        /* fall through */
    default: {
        regie_table *scratch = rg_table_new(0, NULL);
        const char *err = lua_type(L, idx) == LUA_TTABLE ? rg_lua_to_value(L, idx, scratch, &v)
                                                          : "cannot write this value";
        if (!err) {
            rg_csv_put_value_d(b, w->dialect, &v);
        }
        rg_table_free(scratch);
        if (err) {
            luaL_error(L, "regie.csv.writer(\"%s\"): line %d, column %s: %s (a %s)", w->path,
                       (int)w->lines + 1, w->cols[c], err, luaL_typename(L, idx));
        }
        break;
    }
    }
    lbuf_put(L, &w->out, b->data, b->len);
}

/* A line begins: what an earlier one left when an error stopped it goes. */
static void line_begin(file_writer *w)
{
    if (w->in_line) {
        w->out.len = w->line_start;
    }
    w->line_start = w->out.len;
    w->in_line = 1;
}

static int l_writer_add(lua_State *L)
{
    file_writer *w = check_writer(L);
    int n = lua_gettop(L) - 1;
    if ((size_t)n != w->ncols) {
        return luaL_error(L, "regie.csv.writer(\"%s\"): add: %d values for %d columns", w->path, n,
                          (int)w->ncols);
    }
    line_begin(w);
    for (size_t c = 0; c < w->ncols; c++) {
        if (c) {
            lbuf_put(L, &w->out, &w->dialect->delim, 1);
        }
        writer_put(L, w, (int)c + 2, c);
    }
    lbuf_put(L, &w->out, "\r\n", 2);
    w->in_line = 0;
    w->lines++;
    writer_maybe_flush(L, w);
    return 0;
}

static int l_writer_record(lua_State *L)
{
    file_writer *w = check_writer(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    rg_lua_get_fields(L, 2, w->cols, w->ncols, &w->busy);
    line_begin(w);
    for (size_t c = 0; c < w->ncols; c++) {
        if (c) {
            lbuf_put(L, &w->out, &w->dialect->delim, 1);
        }
        writer_put(L, w, 3 + (int)c, c);
    }
    lua_settop(L, 2);
    lbuf_put(L, &w->out, "\r\n", 2);
    w->in_line = 0;
    w->lines++;
    writer_maybe_flush(L, w);
    return 0;
}

static void writer_release(lua_State *L, file_writer *w)
{
    if (w->file.fd >= 0) {
        rg_afile_abort(&w->file); /* not closed: the unfinished file goes */
    }
    lua_rawgetp(L, LUA_REGISTRYINDEX, &writers_key);
    lua_pushnil(L);
    lua_rawsetp(L, -2, w);
    lua_pop(L, 1);
    lbuf_free(L, &w->out);
    rg_buf_free(&w->row);
    memset(&w->row, 0, sizeof w->row);
    for (size_t c = 0; c < w->ncols; c++) {
        free(w->cols[c]);
    }
    free(w->cols);
    w->cols = NULL;
    w->ncols = 0;
    w->closed = 1; /* the path stays for messages until __gc */
}

/* Finish the file (a Lua error when that fails). */
static void close_file(lua_State *L, file_writer *w)
{
    regie_ctx *ctx = w->ctx;
    if (w->in_line) { /* a line an error stopped is not written */
        w->out.len = w->line_start;
        w->in_line = 0;
    }
    writer_flush(L, w);
    int ok = rg_output_commit(ctx, w->path, &w->file) == 0;
    writer_release(L, w);
    if (!ok) {
        raise_ctx_error(L, ctx);
    }
}

/* w:close() of either kind: the lines of a CSV file, the size of a text */
static int l_writer_close(lua_State *L)
{
    file_writer *w = luaL_testudata(L, 1, "regie.file") ? check_open(L, "regie.file") : check_writer(L);
    lua_Integer result = (lua_Integer)(w->cols ? w->lines : w->size + w->out.len);
    close_file(L, w);
    lua_pushinteger(L, result);
    return 1;
}

static int l_writer_gc(lua_State *L)
{
    file_writer *w = luaL_testudata(L, 1, "regie.csv.writer");
    if (!w) {
        w = luaL_testudata(L, 1, "regie.file");
    }
    if (w && !w->closed) {
        writer_release(L, w);
    }
    if (w) {
        free(w->path);
        w->path = NULL;
    }
    return 0;
}

static int l_file_write(lua_State *L)
{
    file_writer *w = check_open(L, "regie.file");
    int n = lua_gettop(L);
    for (int i = 2; i <= n; i++) {
        if (lua_isinteger(L, i)) { /* as tostring writes it, without making a string */
            char num[24];
            lbuf_put(L, &w->out, num, rg_fmt_int(num, (int64_t)lua_tointeger(L, i)));
            continue;
        }
        size_t len;
        const char *s = lua_tolstring(L, i, &len);
        if (!s) {
            return luaL_error(L, "regie.file(\"%s\"): write: argument %d is a %s, expected text",
                              w->path, i - 1, luaL_typename(L, i));
        }
        lbuf_put(L, &w->out, s, len);
    }
    writer_maybe_flush(L, w);
    return 0;
}

int rg_api_file(lua_State *L)
{
    writer_new(L, "regie.file", luaL_checkstring(L, 1));
    return 1;
}

int rg_api_csv_writer(lua_State *L)
{
    rg_lua_step_ctx(L);
    const char *path = luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    size_t ncols = lua_rawlen(L, 2);
    if (ncols == 0) {
        return luaL_error(L, "regie.csv.writer(\"%s\"): expected a list of column names", path);
    }
    for (size_t c = 0; c < ncols; c++) {
        if (lua_rawgeti(L, 2, (lua_Integer)c + 1) != LUA_TSTRING) {
            return luaL_error(L, "regie.csv.writer(\"%s\"): column %d is not a name", path, (int)c + 1);
        }
        lua_pop(L, 1);
    }
    file_writer *w = writer_new(L, "regie.csv.writer", path);
    w->dialect = rg_ctx_csv(w->ctx);
    w->cols = rg_xcalloc(ncols, sizeof *w->cols);
    if (w->dialect->bom) {
        lbuf_put(L, &w->out, "\xEF\xBB\xBF", 3);
    }
    for (size_t c = 0; c < ncols; c++) {
        lua_rawgeti(L, 2, (lua_Integer)c + 1);
        w->cols[c] = rg_xstrdup(lua_tostring(L, -1));
        w->ncols++;
        lua_pop(L, 1);
        if (c) {
            lbuf_put(L, &w->out, &w->dialect->delim, 1);
        }
        w->row.len = 0;
        rg_csv_put_name_d(&w->row, w->dialect, w->cols[c]);
        lbuf_put(L, &w->out, w->row.data, w->row.len);
    }
    lbuf_put(L, &w->out, "\r\n", 2);
    return 1;
}

void rg_lua_writer_type(lua_State *L, const char *type, const luaL_Reg *methods,
                        lua_CFunction gc)
{
    luaL_newmetatable(L, type);
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, gc);
    lua_setfield(L, -2, "__gc");
    lua_pushstring(L, type); /* what getmetatable gives: not the finalizer */
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
}

void rg_lua_open_writers(lua_State *L)
{
    static const luaL_Reg writer_fns[] = {
        { "add", l_writer_add }, { "record", l_writer_record }, { "close", l_writer_close },
        { NULL, NULL },
    };
    static const luaL_Reg file_fns[] = { { "write", l_file_write }, { "close", l_writer_close },
                                         { NULL, NULL } };
    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &writers_key);
    rg_lua_writer_type(L, "regie.csv.writer", writer_fns, l_writer_gc);
    rg_lua_writer_type(L, "regie.file", file_fns, l_writer_gc);
}
