/* serve.c - `regie serve`: the web console on libmicrohttpd.
 *
 * One process over the run store the CLI uses.  Requests are handled by
 * libmicrohttpd's thread pool; every use of the store handle happens under
 * one mutex (db_mu).  Sessions live in memory (a restart signs everyone
 * out).  A run is started or resumed by the regie binary itself
 * (/proc/self/exe run|resume ...) as a child process, reaped by a thread of
 * its own, so a step that crashes never takes the console with it.
 * Pages: doc/console.md. */
#define _GNU_SOURCE
#include "serve.h"

#include "durable.h"
#include "rg_csv.h"
#include "sha256.h"
#include "util.h"
#include "workflow.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define COOKIE "regie_session"
#define SESSION_SECONDS (8 * 3600)
#define MAX_FAIL_KEYS 256
#define FAIL_LIMIT 5     /* failures for one name before it is locked */
#define FAIL_LIMIT_IP 20 /* for one client address (many people behind a proxy) */
#define LOCK_SECONDS 30
#define MAX_JOBS 128
#define PAGE_ROWS 50
#define MAX_FIELDS 32

/* ---- the server's state ---- */

typedef struct fail_rec {
    char key[128]; /* "ip:ADDR" or "user:NAME" */
    int count;
    time_t until;
} fail_rec;

typedef struct job {
    char run_id[64];
    char what[16]; /* "resume", "run" */
    pid_t pid;
    int running;
    int status; /* exit status once done */
    char log[512];
} job;

static struct {
    rg_store *store;
    sqlite3 *db;
    const rg_web_options *opt;
    int tls;
    char exe[4096];
    char workdir[400]; /* uploads and outputs of runs started here */
    pthread_mutex_t db_mu, mu;
    char base_url[200];   /* for the links in notifications */
    char started[32];     /* UTC ISO time the console started */
    char outbox[512];
    volatile int stop;
    fail_rec fails[MAX_FAIL_KEYS];
    job jobs[MAX_JOBS];
} W = { .db_mu = PTHREAD_MUTEX_INITIALIZER, .mu = PTHREAD_MUTEX_INITIALIZER };

/* ---- one request ---- */
typedef struct field {
    char *key;
    char *filename;
    rg_buf value;
} field;

typedef struct req {
    struct MHD_Connection *c;
    struct MHD_PostProcessor *pp;
    int post;
    int too_big;
    int64_t body;
    field fields[MAX_FIELDS];
    int nfields;
    int en;          /* English, else Dutch */
    char user[65];
    char *roles;
    char csrf[65];
    char client[64];
} req;

#define TR(r, nl_text, en_text) ((r)->en ? (en_text) : (nl_text))

static const char *field_get(req *r, const char *key)
{
    for (int i = 0; i < r->nfields; i++) {
        if (!strcmp(r->fields[i].key, key)) {
            return r->fields[i].value.data ? r->fields[i].value.data : "";
        }
    }
    return NULL;
}

static field *field_file(req *r, const char *key)
{
    for (int i = 0; i < r->nfields; i++) {
        if (!strcmp(r->fields[i].key, key) && r->fields[i].filename) {
            return &r->fields[i];
        }
    }
    return NULL;
}

static void req_free(req *r)
{
    if (r->pp) {
        MHD_destroy_post_processor(r->pp);
    }
    for (int i = 0; i < r->nfields; i++) {
        free(r->fields[i].key);
        free(r->fields[i].filename);
        rg_buf_free(&r->fields[i].value);
    }
    free(r->roles);
    free(r);
}

static enum MHD_Result post_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *filename, const char *content_type,
                                  const char *transfer_encoding, const char *data, uint64_t off,
                                  size_t size)
{
    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    (void)off;
    req *r = cls;
    field *f = NULL;
    for (int i = r->nfields - 1; i >= 0 && !f; i--) {
        if (!strcmp(r->fields[i].key, key)) {
            f = &r->fields[i];
        }
    }
    if (!f || (off == 0 && f->value.len > 0)) {
        if (r->nfields >= MAX_FIELDS) {
            return MHD_YES; /* ignored */
        }
        f = &r->fields[r->nfields++];
        memset(f, 0, sizeof *f);
        f->key = rg_xstrdup(key);
        f->filename = filename ? rg_xstrdup(filename) : NULL;
    }
    if ((int64_t)(f->value.len + size) > W.opt->upload_max) {
        r->too_big = 1;
        return MHD_YES;
    }
    if (size) {
        rg_buf_put(&f->value, data, size);
    } else if (!f->value.data) {
        rg_buf_puts(&f->value, "");
    }
    return MHD_YES;
}

/* ---- responses ---- */
static enum MHD_Result respond(req *r, unsigned code, const char *type, const char *body,
                               size_t len, const char *cookie, const char *location)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(resp, "Content-Type", type);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (!strncmp(type, "text/html", 9)) {
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                                "frame-ancestors 'none'; form-action 'self'");
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    }
    if (cookie) {
        MHD_add_response_header(resp, "Set-Cookie", cookie);
    }
    if (location) {
        MHD_add_response_header(resp, "Location", location);
    }
    enum MHD_Result ret = MHD_queue_response(r->c, code, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result redirect(req *r, const char *to, const char *cookie)
{
    return respond(r, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", "", 0, cookie, to);
}

static void page_head(req *r, rg_buf *b, const char *title, int refresh)
{
    rg_html(b,
            "<!DOCTYPE html>\n<html lang=\"%S\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            TR(r, "nl", "en"));
    if (refresh) {
        rg_html(b, "<meta http-equiv=\"refresh\" content=\"%d\">", refresh);
    }
    rg_html(b,
            "<title>%s - regie</title><style>"
            "body{font-family:sans-serif;margin:1em 2em;max-width:80em}"
            "table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #999;"
            "padding:.2em .5em;text-align:left;vertical-align:top}"
            "code,.hash{font-family:monospace;font-size:90%%;word-break:break-all}"
            ".err{color:#a00}.ok{color:#060}nav a{margin-right:1em}"
            "a:focus,button:focus,input:focus{outline:3px solid #05f}"
            "@media print{nav,form{display:none}}"
            "</style></head><body>"
            "<a href=\"#main\" class=\"skip\">%S</a>",
            title, TR(r, "Naar de inhoud", "Skip to content"));
    if (r->user[0]) {
        rg_html(b,
                "<nav aria-label=\"%S\"><a href=\"/inbox\">%S</a><a href=\"/runs\">%S</a>"
                "<a href=\"/start\">%S</a><a href=\"/settings\">%S</a>"
                "<form method=\"post\" action=\"/logout\" style=\"display:inline\">"
                "<input type=\"hidden\" name=\"csrf\" value=\"%s\">%s "
                "<button type=\"submit\">%S</button></form></nav>",
                TR(r, "Menu", "Menu"), TR(r, "Inbox", "Inbox"), TR(r, "Runs", "Runs"),
                TR(r, "Starten", "Start"), TR(r, "Instellingen", "Settings"), r->csrf, r->user,
                TR(r, "Afmelden", "Sign out"));
    }
    rg_html(b, "<main id=\"main\"><h1>%s</h1>", title);
}

static enum MHD_Result page_send(req *r, rg_buf *b, unsigned code)
{
    rg_buf_puts(b, "</main></body></html>\n");
    enum MHD_Result ret = respond(r, code, "text/html; charset=utf-8", b->data, b->len, NULL, NULL);
    rg_buf_free(b);
    return ret;
}

static enum MHD_Result error_page(req *r, unsigned code, const char *nl, const char *en,
                                  const char *detail)
{
    rg_buf b = { 0 };
    page_head(r, &b, TR(r, nl, en), 0);
    if (detail) {
        rg_html(&b, "<p class=\"err\" role=\"alert\">%s</p>", detail);
    }
    return page_send(r, &b, code);
}

/* ---- sessions, CSRF and sign-in limits ---- */
static void random_hex(char out[65])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out, 65, raw, sizeof raw);
}

/* Sessions live in the store (table sessions, by the SHA-256 of the
 * cookie's token): a restarted console keeps them, and `regie user del`
 * or `passwd` ends them at the next request.  The roles are read afresh
 * with every request, so `regie user roles` takes effect at once. */
static void token_key(const char *id, char key[65])
{
    rg_sha256_buf(id, strlen(id), key);
}

/* The session of the cookie: its user, roles and CSRF token copied into r. */
static int session_find(req *r)
{
    const char *id = MHD_lookup_connection_value(r->c, MHD_COOKIE_KIND, COOKIE);
    if (!id || strlen(id) != 64 || strspn(id, "0123456789abcdef") != 64) {
        return 0;
    }
    char key[65];
    token_key(id, key);
    char *user = NULL, *csrf = NULL, *roles = NULL;
    rg_errors errs = { 0 };
    pthread_mutex_lock(&W.db_mu);
    int found = rg_store_session_find(W.store, key, (int64_t)time(NULL), &user, &csrf, &roles,
                                      &errs) == 1;
    pthread_mutex_unlock(&W.db_mu);
    if (errs.n) {
        fprintf(stderr, "regie serve: %s\n", errs.msg[0]);
    }
    rg_err_free(&errs);
    if (found) {
        snprintf(r->user, sizeof r->user, "%s", user);
        snprintf(r->csrf, sizeof r->csrf, "%s", csrf);
        r->roles = roles;
        roles = NULL;
    }
    free(user);
    free(csrf);
    free(roles);
    return found;
}

/* A new session of user: its token in id; 0, or -1 (not recorded). */
static int session_new(const char *user, char id[65])
{
    char csrf[65], key[65];
    random_hex(id);
    random_hex(csrf);
    token_key(id, key);
    rg_errors errs = { 0 };
    pthread_mutex_lock(&W.db_mu);
    int rc = rg_store_session_put(W.store, key, user, csrf,
                                  (int64_t)time(NULL) + SESSION_SECONDS, &errs);
    pthread_mutex_unlock(&W.db_mu);
    if (rc != 0 && errs.n) {
        fprintf(stderr, "regie serve: %s\n", errs.msg[0]);
    }
    rg_err_free(&errs);
    return rc;
}

static void session_end(req *r)
{
    const char *id = MHD_lookup_connection_value(r->c, MHD_COOKIE_KIND, COOKIE);
    if (!id || strlen(id) != 64) {
        return;
    }
    char key[65];
    token_key(id, key);
    rg_errors errs = { 0 };
    pthread_mutex_lock(&W.db_mu);
    rg_store_session_end(W.store, key, &errs);
    pthread_mutex_unlock(&W.db_mu);
    rg_err_free(&errs);
}

static int csrf_ok(req *r)
{
    const char *t = field_get(r, "csrf");
    return t && r->csrf[0] && strlen(t) == 64 && sodium_memcmp(t, r->csrf, 64) == 0;
}

static fail_rec *fail_slot(const char *key, int make)
{
    fail_rec *free_slot = NULL;
    for (int i = 0; i < MAX_FAIL_KEYS; i++) {
        if (!strcmp(W.fails[i].key, key)) {
            return &W.fails[i];
        }
        if (!free_slot && (!W.fails[i].key[0] || (W.fails[i].until && W.fails[i].until < time(NULL)))) {
            free_slot = &W.fails[i];
        }
    }
    if (!make) {
        return NULL;
    }
    if (!free_slot) {
        free_slot = &W.fails[randombytes_uniform(MAX_FAIL_KEYS)];
    }
    memset(free_slot, 0, sizeof *free_slot);
    snprintf(free_slot->key, sizeof free_slot->key, "%s", key);
    return free_slot;
}

/* Seconds the key stays locked, or 0. */
static long locked_for(const char *key)
{
    pthread_mutex_lock(&W.mu);
    fail_rec *f = fail_slot(key, 0);
    long left = f && f->until > time(NULL) ? (long)(f->until - time(NULL)) : 0;
    pthread_mutex_unlock(&W.mu);
    return left;
}

static void note_failure(const char *key, int limit)
{
    pthread_mutex_lock(&W.mu);
    fail_rec *f = fail_slot(key, 1);
    if (f->until && f->until <= time(NULL)) {
        f->count = 0;
        f->until = 0;
    }
    if (++f->count >= limit) {
        f->until = time(NULL) + LOCK_SECONDS;
        f->count = 0;
    }
    pthread_mutex_unlock(&W.mu);
}

static void clear_failures(const char *key)
{
    pthread_mutex_lock(&W.mu);
    fail_rec *f = fail_slot(key, 0);
    if (f) {
        memset(f, 0, sizeof *f);
    }
    pthread_mutex_unlock(&W.mu);
}

/* ---- child processes: regie run|resume ---- */
static void *reaper(void *arg)
{
    job *j = arg;
    int st = 0;
    while (waitpid(j->pid, &st, 0) < 0 && errno == EINTR) {
    }
    pthread_mutex_lock(&W.mu);
    j->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    j->running = 0;
    pthread_mutex_unlock(&W.mu);
    return NULL;
}

/* Start `regie ARGS...` with stdout and stderr into a log file; the job
 * slot, or NULL (errno). */
static job *spawn_regie(const char *run_id, const char *what, char *const *args)
{
    pthread_mutex_lock(&W.mu);
    job *j = NULL;
    for (int i = 0; i < MAX_JOBS && !j; i++) {
        if (!W.jobs[i].running) {
            j = &W.jobs[i];
        }
    }
    if (!j) {
        pthread_mutex_unlock(&W.mu);
        errno = EAGAIN;
        return NULL;
    }
    memset(j, 0, sizeof *j);
    j->running = 1;
    snprintf(j->run_id, sizeof j->run_id, "%s", run_id ? run_id : "");
    snprintf(j->what, sizeof j->what, "%s", what);
    pthread_mutex_unlock(&W.mu);
    char tmpl[600];
    snprintf(tmpl, sizeof tmpl, "%s/logs", W.workdir);
    rg_mkdir_p(tmpl);
    snprintf(j->log, sizeof j->log, "%s/logs/%s-XXXXXX", W.workdir, what);
    int fd = mkstemp(j->log);
    char *argv[40];
    int n = 0;
    argv[n++] = (char *)"regie";
    argv[n++] = (char *)what;
    for (int i = 0; args[i] && n < 32; i++) {
        argv[n++] = args[i];
    }
    argv[n++] = (char *)"--db";
    argv[n++] = (char *)W.opt->db;
    if (W.opt->config) {
        argv[n++] = (char *)"--config";
        argv[n++] = (char *)W.opt->config;
    }
    argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (fd >= 0) {
        posix_spawn_file_actions_adddup2(&fa, fd, 1);
        posix_spawn_file_actions_adddup2(&fa, fd, 2);
    }
    /* the child gets the signals the server blocks for sigwait */
    posix_spawnattr_t sa;
    posix_spawnattr_init(&sa);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&sa, &none);
    posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETSIGMASK);
    pid_t pid;
    int rc = posix_spawn(&pid, W.exe, &fa, &sa, argv, environ);
    posix_spawnattr_destroy(&sa);
    posix_spawn_file_actions_destroy(&fa);
    if (fd >= 0) {
        close(fd);
    }
    if (rc != 0) {
        pthread_mutex_lock(&W.mu);
        j->running = 0;
        pthread_mutex_unlock(&W.mu);
        errno = rc;
        return NULL;
    }
    j->pid = pid;
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_create(&t, &at, reaper, j);
    pthread_attr_destroy(&at);
    return j;
}

/* The latest job of a run: 1 running, 0 none running (*status of the
 * last one, -1 none). */
static int job_state(const char *run_id, int *status, char *log, size_t nlog)
{
    int running = 0;
    *status = -1;
    pthread_mutex_lock(&W.mu);
    for (int i = 0; i < MAX_JOBS; i++) {
        job *j = &W.jobs[i];
        if (j->pid && !strcmp(j->run_id, run_id)) {
            running |= j->running;
            if (!j->running) {
                *status = j->status;
            }
            if (log) {
                snprintf(log, nlog, "%s", j->log);
            }
        }
    }
    pthread_mutex_unlock(&W.mu);
    return running;
}

/* ---- the store, read under db_mu ---- */
static sqlite3_stmt *q(const char *sql)
{
    sqlite3_stmt *s = NULL;
    static const char *said; /* each failing query is said once, not every second */
    if (sqlite3_prepare_v2(W.db, sql, -1, &s, NULL) != SQLITE_OK) {
        if (said != sql) {
            fprintf(stderr, "regie serve: %s: %s\n", sql, sqlite3_errmsg(W.db));
            said = sql;
        }
        return NULL;
    }
    return s;
}

static const char *col(sqlite3_stmt *s, int i)
{
    const char *t = (const char *)sqlite3_column_text(s, i);
    return t ? t : "";
}

typedef struct run_info {
    char *id, *workflow, *status, *started, *ended, *user, *outdir, *run_case;
} run_info;

static void run_info_free(run_info *ri)
{
    free(ri->id);
    free(ri->workflow);
    free(ri->status);
    free(ri->started);
    free(ri->ended);
    free(ri->user);
    free(ri->outdir);
    free(ri->run_case);
    memset(ri, 0, sizeof *ri);
}

/* Under db_mu.  1 found, 0 not. */
static int run_load(const char *id, run_info *ri)
{
    memset(ri, 0, sizeof *ri);
    sqlite3_stmt *s = q("SELECT id, workflow, status, started, ended, user, outdir, run_case "
                        "FROM runs WHERE id = ?");
    if (!s) {
        return 0;
    }
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int found = sqlite3_step(s) == SQLITE_ROW;
    if (found) {
        ri->id = rg_xstrdup(col(s, 0));
        ri->workflow = rg_xstrdup(col(s, 1));
        ri->status = rg_xstrdup(col(s, 2));
        ri->started = rg_xstrdup(col(s, 3));
        ri->ended = rg_xstrdup(col(s, 4));
        ri->user = rg_xstrdup(col(s, 5));
        ri->outdir = rg_xstrdup(col(s, 6));
        ri->run_case = rg_xstrdup(col(s, 7));
    }
    sqlite3_finalize(s);
    return found;
}

static const char *status_word(req *r, const char *st)
{
    static const char *const map[][3] = {
        { "done", "klaar", "done" },         { "failed", "mislukt", "failed" },
        { "waiting", "wacht", "waiting" },   { "running", "bezig", "running" },
        { "interrupted", "onderbroken", "interrupted" }, { "skipped", "overgeslagen", "skipped" },
        { "invalid", "ongeldig", "invalid" }, { "upstream", "niet gedraaid", "not run" },
        { "outdated", "verouderd", "outdated" },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (!strcmp(map[i][0], st)) {
            return map[i][r->en ? 2 : 1];
        }
    }
    return st;
}

/* ---- pages ---- */
/* The sign-in form has a token too, before any session: the same random
 * value in a cookie of its own (regie_login) and in the form, compared on
 * POST, so that no other site can sign a browser in under its account. */
static int is_token(const char *t)
{
    if (!t || strlen(t) != 64) {
        return 0;
    }
    for (const char *p = t; *p; p++) {
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

static enum MHD_Result page_login(req *r, const char *msg, unsigned code)
{
    char token[65];
    const char *have = MHD_lookup_connection_value(r->c, MHD_COOKIE_KIND, "regie_login");
    if (is_token(have)) {
        memcpy(token, have, 65);
    } else {
        random_hex(token);
    }
    /* the form's token is the one checked on this page's POST */
    snprintf(r->csrf, sizeof r->csrf, "%s", token);
    rg_buf b = { 0 };
    page_head(r, &b, TR(r, "Aanmelden", "Sign in"), 0);
    if (msg) {
        rg_html(&b, "<p class=\"err\" role=\"alert\">%s</p>", msg);
    }
    rg_html(&b,
            "<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"csrf\" "
            "value=\"%s\">"
            "<p><label for=\"user\">%S</label><br><input id=\"user\" name=\"user\" "
            "autocomplete=\"username\" required autofocus></p>"
            "<p><label for=\"password\">%S</label><br><input id=\"password\" name=\"password\" "
            "type=\"password\" autocomplete=\"current-password\" required></p>"
            "<p><button type=\"submit\">%S</button></p></form>",
            token, TR(r, "Gebruikersnaam", "User name"), TR(r, "Wachtwoord", "Password"),
            TR(r, "Aanmelden", "Sign in"));
    rg_buf_puts(&b, "</main></body></html>\n");
    char cookie[200];
    snprintf(cookie, sizeof cookie, "regie_login=%s; Path=/login; HttpOnly; SameSite=Strict%s",
             token, W.tls ? "; Secure" : "");
    enum MHD_Result ret =
        respond(r, code, "text/html; charset=utf-8", b.data, b.len, cookie, NULL);
    rg_buf_free(&b);
    return ret;
}

static enum MHD_Result do_login(req *r)
{
    const char *have = MHD_lookup_connection_value(r->c, MHD_COOKIE_KIND, "regie_login");
    const char *sent = field_get(r, "csrf");
    if (!is_token(have) || !is_token(sent) || sodium_memcmp(have, sent, 64) != 0) {
        return page_login(r,
                          TR(r, "Het formulier is verlopen of niet van deze console (CSRF); "
                                "probeer het opnieuw.",
                             "The form expired or is not from this console (CSRF); try again."),
                          403);
    }
    const char *user = field_get(r, "user"), *pw = field_get(r, "password");
    char kip[128], kuser[128];
    snprintf(kip, sizeof kip, "ip:%s", r->client);
    snprintf(kuser, sizeof kuser, "user:%.64s", user ? user : "");
    long left = locked_for(kip);
    long left2 = locked_for(kuser);
    if (left2 > left) {
        left = left2;
    }
    if (left > 0) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 r->en ? "Too many failed attempts: try again in %ld seconds."
                       : "Te veel mislukte pogingen: probeer het over %ld seconden opnieuw.",
                 left);
        return page_login(r, msg, 429);
    }
    char *roles = NULL;
    rg_errors errs = { 0 };
    pthread_mutex_lock(&W.db_mu);
    int ok = user && pw ? rg_store_user_check(W.store, user, pw, &roles, &errs) : 0;
    pthread_mutex_unlock(&W.db_mu);
    rg_err_free(&errs);
    if (ok != 1) {
        note_failure(kip, FAIL_LIMIT_IP);
        note_failure(kuser, FAIL_LIMIT);
        free(roles);
        return page_login(r, TR(r, "Onbekende gebruiker of onjuist wachtwoord.",
                                "Unknown user or wrong password."),
                          401);
    }
    clear_failures(kuser);
    free(roles);
    char id[65];
    if (session_new(user, id) != 0) {
        return error_page(r, 500, "De aanmelding kon niet worden vastgelegd",
                          "The sign-in could not be recorded", NULL);
    }
    char cookie[200];
    /* Secure over TLS, ours or a reverse proxy's that says so */
    const char *proto = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, "X-Forwarded-Proto");
    int secure = W.tls || (proto && !strcasecmp(proto, "https"));
    snprintf(cookie, sizeof cookie, COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s", id,
             secure ? "; Secure" : "");
    return redirect(r, "/inbox", cookie);
}

/* The input a wait asks for: "input NAME: ..." or "input NAME - ...". */
static char *wait_input_name(const char *what)
{
    if (strncmp(what, "input ", 6) != 0) {
        return NULL;
    }
    const char *p = what + 6;
    size_t n = strcspn(p, ": ");
    return n ? rg_xstrndup(p, n) : NULL;
}

static int may_act(req *r, const char *kind, const char *workflow)
{
    if (!strcmp(kind, "approval")) {
        return rg_user_may(r->roles, "approver", workflow);
    }
    if (!strcmp(kind, "input")) {
        return rg_user_may(r->roles, "operator", workflow);
    }
    return 0;
}

static enum MHD_Result page_inbox(req *r)
{
    rg_buf b = { 0 };
    page_head(r, &b, TR(r, "Inbox", "Inbox"), 0);
    pthread_mutex_lock(&W.db_mu);
    sqlite3_stmt *s = q("SELECT w.run_id, r.workflow, w.step, w.kind, w.what, w.since, w.due, "
                        "r.run_case FROM waits w JOIN runs r ON r.id = w.run_id WHERE "
                        "w.resolved_at IS NULL AND w.kind <> 'timer' AND r.status = 'waiting' "
                        "ORDER BY w.since");
    int n = 0;
    while (s && sqlite3_step(s) == SQLITE_ROW) {
        if (!may_act(r, col(s, 3), col(s, 1))) {
            continue;
        }
        if (n++ == 0) {
            rg_html(&b, "<table><caption>%S</caption><thead><tr><th scope=\"col\">%S</th>"
                        "<th scope=\"col\">%S</th><th scope=\"col\">%S</th><th scope=\"col\">%S</th>"
                        "<th scope=\"col\">%S</th><th scope=\"col\">%S</th></tr></thead><tbody>",
                    TR(r, "Taken die op u wachten", "Tasks waiting for you"),
                    TR(r, "Run", "Run"), TR(r, "Workflow", "Workflow"), TR(r, "Stap", "Step"),
                    TR(r, "Nodig", "Needed"), TR(r, "Sinds", "Since"),
                    TR(r, "Uiterlijk", "Due"));
        }
        rg_html(&b,
                "<tr><th scope=\"row\"><a href=\"/run/%u\">%s</a> %s</th><td>%s</td>"
                "<td><a href=\"/task/%u/%u\">%s</a></td><td>%s</td><td>%s</td><td>%s</td></tr>",
                col(s, 0), col(s, 0), col(s, 7), col(s, 1), col(s, 0), col(s, 2), col(s, 2),
                col(s, 4), col(s, 5), *col(s, 6) ? col(s, 6) : "-");
    }
    if (s) {
        sqlite3_finalize(s);
    }
    pthread_mutex_unlock(&W.db_mu);
    if (n) {
        rg_buf_puts(&b, "</tbody></table>");
    } else {
        rg_html(&b, "<p>%S</p>", TR(r, "Er wacht niets op u.", "Nothing waits for you."));
    }
    return page_send(r, &b, 200);
}

static const char *arg(req *r, const char *key)
{
    const char *v = MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, key);
    return v && *v ? v : NULL;
}

static enum MHD_Result page_runs(req *r)
{
    const char *wf = arg(r, "workflow"), *st = arg(r, "status"), *from = arg(r, "from"),
               *to = arg(r, "to"), *pg = arg(r, "page");
    long page = pg ? strtol(pg, NULL, 10) : 0;
    if (page < 0 || page > 1000000) {
        page = 0;
    }
    rg_buf b = { 0 };
    page_head(r, &b, TR(r, "Runs", "Runs"), 0);
    rg_html(&b,
            "<form method=\"get\" action=\"/runs\" role=\"search\"><label for=\"f-wf\">%S</label> "
            "<input id=\"f-wf\" name=\"workflow\" value=\"%s\"> <label for=\"f-st\">%S</label> "
            "<select id=\"f-st\" name=\"status\"><option value=\"\">%S</option>",
            TR(r, "Workflow", "Workflow"), wf, TR(r, "Status", "Status"), TR(r, "alle", "any"));
    static const char *const sts[] = { "waiting", "running", "done", "failed", "interrupted",
                                       "invalid" };
    for (size_t i = 0; i < sizeof sts / sizeof *sts; i++) {
        rg_html(&b, "<option value=\"%s\"%S>%s</option>", sts[i],
                st && !strcmp(st, sts[i]) ? " selected" : "", status_word(r, sts[i]));
    }
    rg_html(&b,
            "</select> <label for=\"f-from\">%S</label> <input id=\"f-from\" name=\"from\" "
            "type=\"date\" value=\"%s\"> <label for=\"f-to\">%S</label> <input id=\"f-to\" "
            "name=\"to\" type=\"date\" value=\"%s\"> <button type=\"submit\">%S</button></form>",
            TR(r, "Van", "From"), from, TR(r, "Tot en met", "To"), to, TR(r, "Zoek", "Filter"));
    /* indexed: runs_by_workflow (workflow, started), runs_by_status
     * (status, started), runs_by_started; newest first, a page at a time */
    pthread_mutex_lock(&W.db_mu);
    /* only the filters given, so that SQLite picks the index for them */
    rg_buf sql = { 0 };
    rg_buf_puts(&sql, "SELECT id, workflow, status, started, ended, user, run_case FROM runs "
                      "WHERE 1");
    if (wf) {
        rg_buf_puts(&sql, " AND workflow = ?1");
    }
    if (st) {
        rg_buf_puts(&sql, " AND status = ?2");
    }
    if (from) {
        rg_buf_puts(&sql, " AND started >= ?3");
    }
    if (to) {
        rg_buf_puts(&sql, " AND started < ?4 || 'T99'");
    }
    rg_buf_puts(&sql, " ORDER BY started DESC, rowid DESC LIMIT ?5 OFFSET ?6");
    sqlite3_stmt *s = q(sql.data);
    rg_buf_free(&sql);
    int n = 0;
    if (s) {
        if (wf) {
            sqlite3_bind_text(s, 1, wf, -1, SQLITE_STATIC);
        }
        if (st) {
            sqlite3_bind_text(s, 2, st, -1, SQLITE_STATIC);
        }
        if (from) {
            sqlite3_bind_text(s, 3, from, -1, SQLITE_STATIC);
        }
        if (to) {
            sqlite3_bind_text(s, 4, to, -1, SQLITE_STATIC);
        }
        sqlite3_bind_int(s, 5, PAGE_ROWS + 1);
        sqlite3_bind_int64(s, 6, (sqlite3_int64)page * PAGE_ROWS);
        rg_html(&b, "<table><caption>%S</caption><thead><tr><th scope=\"col\">%S</th>"
                    "<th scope=\"col\">%S</th><th scope=\"col\">%S</th><th scope=\"col\">%S</th>"
                    "<th scope=\"col\">%S</th><th scope=\"col\">%S</th></tr></thead><tbody>",
                TR(r, "Runs, nieuwste eerst", "Runs, newest first"), TR(r, "Run", "Run"),
                TR(r, "Workflow", "Workflow"), TR(r, "Status", "Status"),
                TR(r, "Begonnen", "Started"), TR(r, "Geëindigd", "Ended"),
                TR(r, "Door", "By"));
        while (sqlite3_step(s) == SQLITE_ROW && n < PAGE_ROWS + 1) {
            if (++n > PAGE_ROWS) {
                break;
            }
            if (!rg_user_may(r->roles, "viewer", col(s, 1))) {
                continue;
            }
            rg_html(&b,
                    "<tr><th scope=\"row\"><a href=\"/run/%u\">%s</a> %s</th><td>%s</td>"
                    "<td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>",
                    col(s, 0), col(s, 0), col(s, 6), col(s, 1), status_word(r, col(s, 2)),
                    col(s, 3), col(s, 4), col(s, 5));
        }
        sqlite3_finalize(s);
        rg_buf_puts(&b, "</tbody></table>");
    }
    pthread_mutex_unlock(&W.db_mu);
    rg_buf q2 = { 0 };
    rg_html(&q2, "workflow=%u&amp;status=%u&amp;from=%u&amp;to=%u", wf, st, from, to);
    rg_buf_puts(&b, "<nav aria-label=\"pages\">");
    if (page > 0) {
        rg_html(&b, "<a href=\"/runs?%S&amp;page=%D\" rel=\"prev\">%S</a>", q2.data,
                (int64_t)(page - 1), TR(r, "Vorige", "Previous"));
    }
    if (n > PAGE_ROWS) {
        rg_html(&b, "<a href=\"/runs?%S&amp;page=%D\" rel=\"next\">%S</a>", q2.data,
                (int64_t)(page + 1), TR(r, "Volgende", "Next"));
    }
    rg_buf_puts(&b, "</nav>");
    rg_buf_free(&q2);
    return page_send(r, &b, 200);
}

static void table_start(rg_buf *b, const char *caption, int ncols, ...)
{
    va_list ap;
    va_start(ap, ncols);
    rg_html(b, "<table><caption>%S</caption><thead><tr>", caption);
    for (int i = 0; i < ncols; i++) {
        rg_html(b, "<th scope=\"col\">%S</th>", va_arg(ap, const char *));
    }
    rg_buf_puts(b, "</tr></thead><tbody>");
    va_end(ap);
}

static enum MHD_Result page_run(req *r, const char *id, const char *notice, const char *verify)
{
    run_info ri;
    pthread_mutex_lock(&W.db_mu);
    int found = run_load(id, &ri);
    pthread_mutex_unlock(&W.db_mu);
    if (!found) {
        return error_page(r, 404, "Niet gevonden", "Not found", id);
    }
    if (!rg_user_may(r->roles, "viewer", ri.workflow)) {
        run_info_free(&ri);
        return error_page(r, 403, "Geen toegang", "Forbidden", NULL);
    }
    int jst;
    int busy = job_state(id, &jst, NULL, 0) || !strcmp(ri.status, "running");
    rg_buf b = { 0 };
    char *title = rg_xasprintf("%s %s", TR(r, "Run", "Run"), id);
    page_head(r, &b, title, busy ? 2 : 0);
    free(title);
    if (notice) {
        rg_html(&b, "<p class=\"ok\" role=\"status\">%s</p>", notice);
    }
    rg_html(&b,
            "<dl><dt>%S</dt><dd>%s</dd><dt>%S</dt><dd>%s</dd><dt>%S</dt><dd id=\"status\" "
            "aria-live=\"polite\">%s%S</dd><dt>%S</dt><dd>%s</dd><dt>%S</dt><dd>%s</dd>"
            "<dt>%S</dt><dd>%s</dd></dl>",
            TR(r, "Workflow", "Workflow"), ri.workflow, TR(r, "Zaak", "Case"), ri.run_case,
            TR(r, "Status", "Status"), status_word(r, ri.status),
            busy ? TR(r, " (wordt bijgewerkt)", " (updating)") : "", TR(r, "Begonnen", "Started"),
            ri.started, TR(r, "Geëindigd", "Ended"), ri.ended, TR(r, "Door", "By"), ri.user);
    rg_html(&b,
            "<form method=\"post\" action=\"/run/%u/verify\"><input type=\"hidden\" name=\"csrf\" "
            "value=\"%s\"><button type=\"submit\">%S</button> <a href=\"/run/%u/bundle\">%S</a>"
            "</form>",
            id, r->csrf, TR(r, "Controleer het audit-spoor", "Verify the audit trail"), id,
            TR(r, "Bewijsbundel downloaden (tar)", "Download the evidence bundle (tar)"));
    if (verify) {
        rg_html(&b, "<h2>%S</h2><pre>%s</pre>", TR(r, "Controle", "Verification"), verify);
    }
    pthread_mutex_lock(&W.db_mu);
    /* open tasks */
    sqlite3_stmt *s = q("SELECT step, kind, what, since, due FROM waits WHERE run_id = ? AND "
                        "resolved_at IS NULL ORDER BY id");
    int n = 0;
    while (s && (sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC), sqlite3_step(s) == SQLITE_ROW)) {
        if (n++ == 0) {
            rg_html(&b, "<h2>%S</h2><ul>", TR(r, "Open taken", "Open tasks"));
        }
        rg_html(&b, "<li><a href=\"/task/%u/%u\">%s</a>: %s</li>", id, col(s, 0), col(s, 0),
                col(s, 2));
    }
    if (n) {
        rg_buf_puts(&b, "</ul>");
    }
    sqlite3_finalize(s);
    rg_html(&b, "<h2>%S</h2>", TR(r, "Stappen", "Steps"));
    table_start(&b, TR(r, "Stappen van de run", "Steps of the run"), 6, TR(r, "Stap", "Step"),
                TR(r, "Status", "Status"), TR(r, "Pogingen", "Attempts"),
                TR(r, "Begonnen", "Started"), TR(r, "Geëindigd", "Ended"),
                TR(r, "Fout", "Error"));
    s = q("SELECT step, status, attempts, started, ended, error FROM steps WHERE run_id = ? "
          "ORDER BY started IS NULL, started, rowid");
    if (s) {
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        while (sqlite3_step(s) == SQLITE_ROW) {
            rg_html(&b,
                    "<tr><th scope=\"row\">%s</th><td>%s</td><td>%d</td><td>%s</td><td>%s</td>"
                    "<td class=\"err\">%s</td></tr>",
                    col(s, 0), status_word(r, col(s, 1)), sqlite3_column_int(s, 2), col(s, 3),
                    col(s, 4), col(s, 5));
        }
        sqlite3_finalize(s);
    }
    rg_buf_puts(&b, "</tbody></table>");
    rg_html(&b, "<h2>%S</h2>", TR(r, "Invoer", "Inputs"));
    table_start(&b, TR(r, "Invoerbestanden", "Input files"), 4, TR(r, "Naam", "Name"),
                TR(r, "Bestand", "File"), TR(r, "Bytes", "Bytes"), "SHA-256");
    s = q("SELECT name, path, size, sha256 FROM inputs WHERE run_id = ? ORDER BY name");
    if (s) {
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        while (sqlite3_step(s) == SQLITE_ROW) {
            rg_html(&b,
                    "<tr><th scope=\"row\">%s</th><td>%s</td><td>%D</td><td class=\"hash\">%s"
                    "</td></tr>",
                    col(s, 0), col(s, 1), (int64_t)sqlite3_column_int64(s, 2), col(s, 3));
        }
        sqlite3_finalize(s);
    }
    rg_buf_puts(&b, "</tbody></table>");
    rg_html(&b, "<h2>%S</h2>", TR(r, "Uitvoer", "Outputs"));
    table_start(&b, TR(r, "Uitvoerbestanden", "Output files"), 3, TR(r, "Bestand", "File"),
                TR(r, "Stap", "Step"), "SHA-256");
    s = q("SELECT relpath, step, sha256 FROM outputs WHERE run_id = ? AND relpath NOT LIKE "
          "'.regie/%' ORDER BY relpath");
    if (s) {
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        while (sqlite3_step(s) == SQLITE_ROW) {
            /* the path after file/ keeps its slashes, each part encoded */
            char **parts;
            size_t np = rg_split(col(s, 0), '/', &parts);
            rg_buf href = { 0 };
            for (size_t i = 0; i < np; i++) {
                rg_html(&href, "%S%u", i ? "/" : "", parts[i]);
            }
            rg_strv_free(parts, np);
            rg_html(&b,
                    "<tr><th scope=\"row\"><a href=\"/run/%u/file/%S\">%s</a></th><td>%s</td>"
                    "<td class=\"hash\">%s</td></tr>",
                    id, href.data ? href.data : "", col(s, 0), col(s, 1), col(s, 2));
            rg_buf_free(&href);
        }
        sqlite3_finalize(s);
    }
    rg_buf_puts(&b, "</tbody></table>");
    rg_html(&b, "<h2>%S</h2>", TR(r, "Audit-spoor", "Audit trail"));
    table_start(&b, TR(r, "Audit-spoor, oudste eerst", "Audit trail, oldest first"), 5, "#",
                TR(r, "Tijd (UTC)", "Time (UTC)"), TR(r, "Wie", "Who"), TR(r, "Wat", "What"),
                TR(r, "Details", "Detail"));
    s = q("SELECT seq, time, who, what, detail FROM events WHERE run_id = ? ORDER BY seq");
    if (s) {
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        while (sqlite3_step(s) == SQLITE_ROW) {
            rg_html(&b,
                    "<tr><th scope=\"row\">%d</th><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                    "</tr>",
                    sqlite3_column_int(s, 0), col(s, 1), col(s, 2), col(s, 3), col(s, 4));
        }
        sqlite3_finalize(s);
    }
    pthread_mutex_unlock(&W.db_mu);
    rg_buf_puts(&b, "</tbody></table>");
    run_info_free(&ri);
    return page_send(r, &b, 200);
}

static enum MHD_Result run_status_json(req *r, const char *id)
{
    run_info ri;
    pthread_mutex_lock(&W.db_mu);
    int found = run_load(id, &ri);
    int done = 0, total = 0;
    sqlite3_stmt *s = q("SELECT count(*), sum(status = 'done') FROM steps WHERE run_id = ?");
    if (s) {
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW) {
            total = sqlite3_column_int(s, 0);
            done = sqlite3_column_int(s, 1);
        }
        sqlite3_finalize(s);
    }
    pthread_mutex_unlock(&W.db_mu);
    if (!found || !rg_user_may(r->roles, "viewer", ri.workflow)) {
        run_info_free(&ri);
        return respond(r, 404, "application/json", "{}", 2, NULL, NULL);
    }
    int jst;
    int busy = job_state(id, &jst, NULL, 0);
    char *j = rg_xasprintf("{\"status\":\"%s\",\"busy\":%s,\"steps_done\":%d,\"steps\":%d}\n",
                           ri.status, busy ? "true" : "false", done, total);
    enum MHD_Result ret = respond(r, 200, "application/json", j, strlen(j), NULL, NULL);
    free(j);
    run_info_free(&ri);
    return ret;
}

static enum MHD_Result do_verify(req *r, const char *id)
{
    run_info ri;
    pthread_mutex_lock(&W.db_mu);
    int found = run_load(id, &ri);
    pthread_mutex_unlock(&W.db_mu);
    if (!found || !rg_user_may(r->roles, "viewer", ri.workflow)) {
        run_info_free(&ri);
        return error_page(r, 404, "Niet gevonden", "Not found", id);
    }
    run_info_free(&ri);
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    rg_errors errs = { 0 };
    pthread_mutex_lock(&W.db_mu);
    int v = rg_store_verify(W.store, id, mem, &errs);
    pthread_mutex_unlock(&W.db_mu);
    for (size_t i = 0; i < errs.n; i++) {
        fprintf(mem, "%s\n", errs.msg[i]);
    }
    fprintf(mem, "%s\n", v == RG_VERIFY_OK ? (r->en ? "RESULT: intact" : "UITKOMST: intact")
                                           : (r->en ? "RESULT: NOT intact" : "UITKOMST: NIET intact"));
    fclose(mem);
    rg_err_free(&errs);
    enum MHD_Result ret = page_run(r, id, NULL, text);
    free(text);
    return ret;
}

/* ---- a tar of a folder (the evidence bundle) ---- */
static void tar_octal(char *f, size_t n, uint64_t v)
{
    snprintf(f, n, "%0*llo", (int)n - 1, (unsigned long long)v);
}

static int tar_add(rg_buf *b, const char *root, const char *rel)
{
    char *path = rg_xasprintf("%s/%s", root, rel);
    struct stat sb;
    int rc = 0;
    if (lstat(path, &sb) != 0) {
        free(path);
        return -1;
    }
    char h[512];
    memset(h, 0, sizeof h);
    size_t rl = strlen(rel);
    const char *name = rel;
    if (rl > 99) {
        const char *cut = rel + rl - 99;
        cut = strchr(cut, '/');
        if (!cut || (size_t)(cut - rel) > 154) {
            free(path);
            return -1;
        }
        memcpy(h + 345, rel, (size_t)(cut - rel));
        name = cut + 1;
    }
    snprintf(h, 100, "%s%s", name, S_ISDIR(sb.st_mode) ? "/" : "");
    tar_octal(h + 100, 8, S_ISDIR(sb.st_mode) ? 0755 : 0644);
    tar_octal(h + 108, 8, 0);
    tar_octal(h + 116, 8, 0);
    tar_octal(h + 124, 12, S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0);
    tar_octal(h + 136, 12, (uint64_t)sb.st_mtime);
    memset(h + 148, ' ', 8);
    h[156] = S_ISDIR(sb.st_mode) ? '5' : '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++) {
        sum += (unsigned char)h[i];
    }
    snprintf(h + 148, 8, "%06o", sum);
    rg_buf_put(b, h, 512);
    if (S_ISREG(sb.st_mode)) {
        size_t len = 0;
        char *data = rg_read_file(path, &len);
        if (!data) {
            rc = -1;
        } else {
            rg_buf_put(b, data, len);
            static const char zero[512];
            if (len % 512) {
                rg_buf_put(b, zero, 512 - len % 512);
            }
            free(data);
        }
    } else if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        char **names = NULL;
        size_t n = 0;
        while (d && (e = readdir(d))) {
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                names = rg_xrealloc(names, (n + 1) * sizeof *names);
                names[n++] = rg_xasprintf("%s/%s", rel, e->d_name);
            }
        }
        if (d) {
            closedir(d);
        }
        for (size_t i = 0; i < n; i++) {
            if (rc == 0) {
                rc = tar_add(b, root, names[i]);
            }
            free(names[i]);
        }
        free(names);
    }
    free(path);
    return rc;
}

static void rmtree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0) {
        return;
    }
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                char *p = rg_xasprintf("%s/%s", path, e->d_name);
                rmtree(p);
                free(p);
            }
        }
        if (d) {
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

static enum MHD_Result do_bundle(req *r, const char *id)
{
    run_info ri;
    pthread_mutex_lock(&W.db_mu);
    int found = run_load(id, &ri);
    pthread_mutex_unlock(&W.db_mu);
    if (!found || !rg_user_may(r->roles, "viewer", ri.workflow)) {
        run_info_free(&ri);
        return error_page(r, 404, "Niet gevonden", "Not found", id);
    }
    run_info_free(&ri);
    char tmp[] = "/tmp/regie-bundle-XXXXXX";
    if (!mkdtemp(tmp)) {
        return error_page(r, 500, "Fout", "Error", strerror(errno));
    }
    char *dir = rg_xasprintf("%s/%s", tmp, id);
    rg_errors errs = { 0 };
    pthread_mutex_lock(&W.db_mu);
    int rc = rg_store_export(W.store, id, NULL, dir, &errs);
    pthread_mutex_unlock(&W.db_mu);
    enum MHD_Result ret;
    if (rc != 0) {
        rg_buf msg = { 0 };
        for (size_t i = 0; i < errs.n; i++) {
            rg_buf_printf(&msg, "%s\n", errs.msg[i]);
        }
        ret = error_page(r, 409, "De bundel kan niet worden gemaakt",
                         "The bundle cannot be made", msg.data);
        rg_buf_free(&msg);
    } else {
        rg_buf tar = { 0 };
        tar_add(&tar, tmp, id);
        static const char zero[1024];
        rg_buf_put(&tar, zero, sizeof zero);
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(tar.len, tar.data, MHD_RESPMEM_MUST_COPY);
        MHD_add_response_header(resp, "Content-Type", "application/x-tar");
        char cd[160];
        snprintf(cd, sizeof cd, "attachment; filename=\"regie-bundle-%s.tar\"", id);
        MHD_add_response_header(resp, "Content-Disposition", cd);
        ret = MHD_queue_response(r->c, 200, resp);
        MHD_destroy_response(resp);
        rg_buf_free(&tar);
    }
    rg_err_free(&errs);
    rmtree(tmp);
    free(dir);
    return ret;
}

/* ---- the output browser ---- */
static const char *content_type(const char *name)
{
    static const char *const map[][2] = {
        { ".html", "text/html; charset=utf-8" }, { ".htm", "text/html; charset=utf-8" },
        { ".svg", "image/svg+xml" },             { ".csv", "text/csv; charset=utf-8" },
        { ".md", "text/markdown; charset=utf-8" }, { ".txt", "text/plain; charset=utf-8" },
        { ".json", "application/json" },         { ".pdf", "application/pdf" },
        { ".png", "image/png" },                 { ".jpg", "image/jpeg" },
        { ".css", "text/css" },                  { ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof map / sizeof map[0]; i++) {
        if (!strcasecmp(dot, map[i][0])) {
            return map[i][1];
        }
    }
    return "application/octet-stream";
}

/* Open rel below dir, refusing .., absolute paths, hidden names and any
 * symbolic link on the way (O_NOFOLLOW on every part): a descriptor of a
 * regular file, or -1. */
static int open_below(const char *dir, const char *rel)
{
    if (!rel || !*rel || rel[0] == '/' || strlen(rel) > 1024) {
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char **parts;
    size_t n = rg_split(rel, '/', &parts);
    int fd = -1;
    for (size_t i = 0; i < n && dfd >= 0; i++) {
        const char *p = parts[i];
        if (!*p || p[0] == '.' || strchr(p, '\\')) {
            break; /* "..", ".", ".regie", hidden files, "a//b" */
        }
        if (i + 1 < n) {
            int nd = openat(dfd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            close(dfd);
            dfd = nd;
            continue;
        }
        fd = openat(dfd, p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        struct stat sb;
        if (fd >= 0 && (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))) {
            close(fd);
            fd = -1;
        }
    }
    if (dfd >= 0) {
        close(dfd);
    }
    rg_strv_free(parts, n);
    return fd;
}

static enum MHD_Result serve_output(req *r, const char *id, const char *rel)
{
    run_info ri;
    pthread_mutex_lock(&W.db_mu);
    int found = run_load(id, &ri);
    pthread_mutex_unlock(&W.db_mu);
    if (!found || !rg_user_may(r->roles, "viewer", ri.workflow)) {
        run_info_free(&ri);
        return error_page(r, 404, "Niet gevonden", "Not found", NULL);
    }
    int fd = open_below(ri.outdir, rel);
    run_info_free(&ri);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        if (fd >= 0) {
            close(fd);
        }
        return error_page(r, 404, "Niet gevonden", "Not found", rel);
    }
    struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
    MHD_add_response_header(resp, "Content-Type", content_type(rel));
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    /* a report is data: it runs in an origin of its own, without the
     * console's cookie or forms */
    MHD_add_response_header(resp, "Content-Security-Policy", "sandbox allow-scripts");
    enum MHD_Result ret = MHD_queue_response(r->c, 200, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ---- tasks ---- */
typedef struct wait_info {
    char *workflow, *kind, *what, *since, *due, *four_eyes;
    int found;
} wait_info;

static void wait_load(const char *id, const char *step, wait_info *wi)
{
    memset(wi, 0, sizeof *wi);
    sqlite3_stmt *s = q("SELECT r.workflow, w.kind, w.what, w.since, w.due, w.four_eyes FROM "
                        "waits w JOIN runs r ON r.id = w.run_id WHERE w.run_id = ? AND "
                        "w.step = ? AND w.resolved_at IS NULL");
    if (!s) {
        return;
    }
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, step, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW) {
        wi->found = 1;
        wi->workflow = rg_xstrdup(col(s, 0));
        wi->kind = rg_xstrdup(col(s, 1));
        wi->what = rg_xstrdup(col(s, 2));
        wi->since = rg_xstrdup(col(s, 3));
        wi->due = rg_xstrdup(col(s, 4));
        wi->four_eyes = rg_xstrdup(col(s, 5));
    }
    sqlite3_finalize(s);
}

static void wait_free(wait_info *wi)
{
    free(wi->workflow);
    free(wi->kind);
    free(wi->what);
    free(wi->since);
    free(wi->due);
    free(wi->four_eyes);
}

static enum MHD_Result page_task(req *r, const char *id, const char *step, const char *errors,
                                 unsigned code)
{
    wait_info wi;
    pthread_mutex_lock(&W.db_mu);
    wait_load(id, step, &wi);
    pthread_mutex_unlock(&W.db_mu);
    if (!wi.found) {
        wait_free(&wi);
        return error_page(r, 404, "Deze taak is er niet (meer)", "No such open task", step);
    }
    if (!may_act(r, wi.kind, wi.workflow)) {
        wait_free(&wi);
        return error_page(r, 403, "Geen toegang", "Forbidden",
                          TR(r, "Uw rol staat deze taak niet toe.", "Your role does not allow this task."));
    }
    rg_buf b = { 0 };
    char *title = rg_xasprintf("%s %s", TR(r, "Taak", "Task"), step);
    page_head(r, &b, title, 0);
    free(title);
    rg_html(&b,
            "<p>%S <a href=\"/run/%u\">%s</a> (%s)</p><p>%s</p><p>%S %s%S%s</p>",
            TR(r, "Run", "Run"), id, id, wi.workflow, wi.what, TR(r, "Wacht sinds", "Waiting since"),
            wi.since, *wi.due ? TR(r, "; uiterlijk ", "; due ") : "", wi.due);
    if (errors) {
        rg_html(&b, "<div role=\"alert\" class=\"err\"><h2>%S</h2><pre id=\"errors\">%s</pre></div>",
                TR(r, "Niets vastgelegd: fouten in het bestand", "Nothing recorded: errors in the file"),
                errors);
    }
    if (!strcmp(wi.kind, "input")) {
        char *name = wait_input_name(wi.what);
        rg_html(&b,
                "<form method=\"post\" action=\"/task/%u/%u\" enctype=\"multipart/form-data\">"
                "<input type=\"hidden\" name=\"csrf\" value=\"%s\"><input type=\"hidden\" "
                "name=\"action\" value=\"upload\"><p><label for=\"file\">%S (%s)</label><br>"
                "<input id=\"file\" name=\"file\" type=\"file\" required%S></p>"
                "<p><button type=\"submit\">%S</button></p></form>",
                id, step, r->csrf, TR(r, "Bestand", "File"), name,
                errors ? " aria-describedby=\"errors\"" : "",
                TR(r, "Uploaden en doorgaan", "Upload and continue"));
        free(name);
    } else if (!strcmp(wi.kind, "approval")) {
        rg_html(&b,
                "<form method=\"post\" action=\"/task/%u/%u\"><input type=\"hidden\" name=\"csrf\" "
                "value=\"%s\"><p><label for=\"note\">%S</label><br><textarea id=\"note\" "
                "name=\"note\" rows=\"3\" cols=\"60\"></textarea></p><p>"
                "<button type=\"submit\" name=\"action\" value=\"approve\">%S</button> "
                "<button type=\"submit\" name=\"action\" value=\"reject\">%S</button></p></form>",
                id, step, r->csrf, TR(r, "Toelichting", "Note"), TR(r, "Goedkeuren", "Approve"),
                TR(r, "Afwijzen", "Reject"));
        if (*wi.four_eyes) {
            rg_html(&b, "<p>%S %s</p>",
                    TR(r, "Vier ogen: niet goed te keuren door", "Four eyes: may not be approved by"),
                    wi.four_eyes);
        }
    }
    wait_free(&wi);
    return page_send(r, &b, code);
}

/* A name for an uploaded file: its last part, letters, digits, - _ . */
static char *safe_filename(const char *name)
{
    const char *base = name ? strrchr(name, '/') : NULL;
    base = base ? base + 1 : name ? name : "";
    const char *bs = strrchr(base, '\\');
    base = bs ? bs + 1 : base;
    char *out = rg_xstrdup(*base && *base != '.' ? base : "upload");
    for (char *p = out; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.')) {
            *p = '_';
        }
    }
    return out;
}

/* Replace every occurrence of from by to in s (caller frees). */
static char *replace_all(const char *s, const char *from, const char *to)
{
    rg_buf b = { 0 };
    size_t fl = strlen(from);
    const char *p;
    while (fl && (p = strstr(s, from))) {
        rg_buf_put(&b, s, (size_t)(p - s));
        rg_buf_puts(&b, to);
        s = p + fl;
    }
    rg_buf_puts(&b, s);
    return b.data;
}

static enum MHD_Result do_upload(req *r, const char *id, const char *step, wait_info *wi)
{
    field *f = field_file(r, "file");
    if (!f || !f->value.len) {
        return page_task(r, id, step, TR(r, "Geen bestand gekozen.", "No file chosen."), 400);
    }
    char *name = wait_input_name(wi->what);
    if (!name) {
        return page_task(r, id, step, "?", 400);
    }
    char stamp[32];
    time_t now = time(NULL);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", gmtime(&now));
    unsigned rnd = randombytes_uniform(0x10000);
    char *dir = rg_xasprintf("%s/uploads/%s/%s-%s-%04x", W.workdir, id, name, stamp, rnd);
    char *fname = safe_filename(f->filename);
    char *path = rg_xasprintf("%s/%s", dir, fname);
    enum MHD_Result ret;
    if (rg_mkdir_p(dir) != 0 || rg_write_file_atomic(path, f->value.data, f->value.len) != 0) {
        ret = error_page(r, 500, "Fout", "Error", strerror(errno));
        goto out;
    }
    char *set = rg_xasprintf("%s=%s", name, path);
    char *args[] = { (char *)id, "--by", r->user, "--set", set, "-q", NULL };
    job *j = spawn_regie(id, "resume", args);
    free(set);
    if (!j) {
        ret = error_page(r, 503, "Kan niet doorgaan", "Cannot continue", strerror(errno));
        goto out;
    }
    /* the resume checks the file first and records nothing when it is
     * invalid (exit 2); once it is accepted the run is running again */
    int accepted = 0, status = -1;
    for (int i = 0; i < 1200; i++) {
        pthread_mutex_lock(&W.mu);
        int running = j->running;
        status = j->status;
        pthread_mutex_unlock(&W.mu);
        if (!running) {
            accepted = status != 2;
            break;
        }
        pthread_mutex_lock(&W.db_mu);
        sqlite3_stmt *s = q("SELECT status = 'running' FROM runs WHERE id = ?");
        if (s) {
            sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
            accepted = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0);
            sqlite3_finalize(s);
        }
        pthread_mutex_unlock(&W.db_mu);
        if (accepted) {
            break;
        }
        usleep(50000);
    }
    if (!accepted) {
        size_t len = 0;
        char *log = rg_read_file(j->log, &len);
        /* errors name the file as uploaded, not where it was kept */
        char *shown = replace_all(log ? log : "", path, f->filename ? f->filename : fname);
        ret = page_task(r, id, step, shown, 422);
        free(shown);
        free(log);
        rmtree(dir);
        goto out;
    }
    char *to = rg_xasprintf("/run/%s", id);
    ret = redirect(r, to, NULL);
    free(to);
out:
    free(name);
    free(dir);
    free(fname);
    free(path);
    return ret;
}

static enum MHD_Result do_task(req *r, const char *id, const char *step)
{
    wait_info wi;
    pthread_mutex_lock(&W.db_mu);
    wait_load(id, step, &wi);
    pthread_mutex_unlock(&W.db_mu);
    enum MHD_Result ret;
    const char *action = field_get(r, "action");
    if (!wi.found) {
        ret = error_page(r, 404, "Deze taak is er niet (meer)", "No such open task", step);
    } else if (!may_act(r, wi.kind, wi.workflow)) {
        ret = error_page(r, 403, "Geen toegang", "Forbidden",
                         TR(r, "Uw rol staat deze taak niet toe.", "Your role does not allow this task."));
    } else if (!strcmp(wi.kind, "input") && action && !strcmp(action, "upload")) {
        ret = do_upload(r, id, step, &wi);
    } else if (!strcmp(wi.kind, "approval") && action &&
               (!strcmp(action, "approve") || !strcmp(action, "reject"))) {
        const char *note = field_get(r, "note");
        rg_errors errs = { 0 };
        int rc;
        pthread_mutex_lock(&W.db_mu);
        if (!strcmp(action, "approve")) {
            rc = rg_store_wait_resolve(W.store, id, step, r->user, note, &errs);
        } else {
            rc = rg_store_wait_reject(W.store, id, step, r->user, note, &errs);
        }
        pthread_mutex_unlock(&W.db_mu);
        if (rc != 0) {
            rg_buf msg = { 0 };
            for (size_t i = 0; i < errs.n; i++) {
                rg_buf_printf(&msg, "%s\n", errs.msg[i]);
            }
            ret = error_page(r, 403, "Geweigerd", "Refused", msg.data);
            rg_buf_free(&msg);
        } else {
            /* approved: the run goes on; rejected: it ends failed at the
             * step (resume records that) */
            char *args[] = { (char *)id, "--by", r->user, "-q", NULL };
            spawn_regie(id, "resume", args);
            char *to = rg_xasprintf("/run/%s", id);
            ret = redirect(r, to, NULL);
            free(to);
        }
        rg_err_free(&errs);
    } else {
        ret = error_page(r, 400, "Onbekende handeling", "Unknown action", action);
    }
    wait_free(&wi);
    return ret;
}

/* ---- start a run ---- */
/* The workflow of the console's notifications: started by the console
 * alone (a person starting it could mail anyone in the sender's name). */
#define NOTIFY_WORKFLOW "console-notify"

static int may_start(const req *r, const char *wfname)
{
    return rg_user_may(r->roles, "operator", wfname) && !strchr(wfname, '/') &&
           strcmp(wfname, NOTIFY_WORKFLOW) != 0;
}

static enum MHD_Result page_start(req *r, const char *wfname, const char *msg)
{
    rg_buf b = { 0 };
    if (!wfname) {
        page_head(r, &b, TR(r, "Een run starten", "Start a run"), 0);
        rg_buf_puts(&b, "<ul>");
        char **v;
        size_t n = rg_split(W.opt->cfg->workflow_path, ':', &v);
        for (size_t i = 0; i < n; i++) {
            DIR *d = opendir(v[i]);
            struct dirent *e;
            while (d && (e = readdir(d))) {
                size_t len = strlen(e->d_name);
                if (len > 4 && !strcmp(e->d_name + len - 4, ".ini")) {
                    char *name = rg_xstrndup(e->d_name, len - 4);
                    if (may_start(r, name)) {
                        rg_html(&b, "<li><a href=\"/start/%u\">%s</a></li>", name, name);
                    }
                    free(name);
                }
            }
            if (d) {
                closedir(d);
            }
        }
        rg_strv_free(v, n);
        rg_buf_puts(&b, "</ul>");
        return page_send(r, &b, 200);
    }
    if (!may_start(r, wfname)) {
        return error_page(r, 403, "Geen toegang", "Forbidden", NULL);
    }
    char *path = rg_workflow_find(W.opt->cfg, wfname);
    rg_workflow wf;
    memset(&wf, 0, sizeof wf);
    rg_errors errs = { 0 };
    if (!path || rg_workflow_load(&wf, path, W.opt->cfg, NULL, 0, &errs) != 0) {
        free(path);
        rg_workflow_free(&wf);
        rg_err_free(&errs);
        return error_page(r, 404, "Onbekende workflow", "No such workflow", wfname);
    }
    char *title = rg_xasprintf("%s: %s", TR(r, "Starten", "Start"), wfname);
    page_head(r, &b, title, 0);
    free(title);
    if (msg) {
        rg_html(&b, "<pre class=\"err\" role=\"alert\">%s</pre>", msg);
    }
    rg_html(&b,
            "<p>%s</p><form method=\"post\" action=\"/start/%u\" enctype=\"multipart/form-data\">"
            "<input type=\"hidden\" name=\"csrf\" value=\"%s\">",
            wf.description, wfname, r->csrf);
    for (size_t i = 0; i < wf.ninputs; i++) {
        const rg_input *in = &wf.inputs[i];
        int file = in->type == RG_IN_FILE || in->type == RG_IN_CSV || in->type == RG_IN_INI;
        rg_html(&b,
                "<p><label for=\"in-%s\">%s%S</label><br><small id=\"d-%s\">%s</small><br>"
                "<input id=\"in-%s\" name=\"%s\" type=\"%S\" aria-describedby=\"d-%s\"%S%S%s%S>"
                "</p>",
                in->name, in->name, in->required && !in->def ? " *" : "", in->name,
                in->description, in->name, in->name, file ? "file" : "text", in->name,
                in->required && !in->def && !in->from_previous ? " required" : "",
                !file && in->def ? " value=\"" : "", !file && in->def ? in->def : "",
                !file && in->def ? "\"" : "");
    }
    rg_html(&b, "<p><button type=\"submit\">%S</button></p></form>", TR(r, "Starten", "Start"));
    free(path);
    rg_workflow_free(&wf);
    rg_err_free(&errs);
    return page_send(r, &b, 200);
}

static enum MHD_Result do_start(req *r, const char *wfname)
{
    if (!may_start(r, wfname)) {
        return error_page(r, 403, "Geen toegang", "Forbidden", NULL);
    }
    char stamp[32];
    time_t now = time(NULL);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", gmtime(&now));
    char *base = rg_xasprintf("%s/runs/%s-%s-%04x", W.workdir, wfname, stamp,
                              randombytes_uniform(0x10000));
    char *in_dir = rg_xasprintf("%s/in", base), *out_dir = rg_xasprintf("%s/out", base);
    rg_mkdir_p(in_dir);
    char *args[32];
    char *owned[32];
    int n = 0, no = 0;
    args[n++] = (char *)wfname;
    args[n++] = "--by";
    args[n++] = r->user;
    args[n++] = "--out";
    args[n++] = out_dir;
    args[n++] = "-q";
    for (int i = 0; i < r->nfields && n < 28; i++) {
        field *f = &r->fields[i];
        if (!strcmp(f->key, "csrf") || !rg_valid_id(f->key, 64)) {
            continue;
        }
        char *set = NULL;
        if (f->filename && f->value.len) {
            char *fn = safe_filename(f->filename);
            char *d = rg_xasprintf("%s/%s", in_dir, f->key);
            rg_mkdir_p(d);
            char *p = rg_xasprintf("%s/%s", d, fn);
            rg_write_file_atomic(p, f->value.data, f->value.len);
            set = rg_xasprintf("%s=%s", f->key, p);
            free(fn);
            free(d);
            free(p);
        } else if (!f->filename && f->value.len) {
            set = rg_xasprintf("%s=%s", f->key, f->value.data);
        }
        if (set) {
            args[n++] = "--set";
            args[n++] = set;
            owned[no++] = set;
        }
    }
    args[n] = NULL;
    job *j = spawn_regie(NULL, "run", args);
    for (int i = 0; i < no; i++) {
        free(owned[i]);
    }
    enum MHD_Result ret;
    if (!j) {
        ret = error_page(r, 503, "Kan niet starten", "Cannot start", strerror(errno));
    } else {
        /* the run's id: once it is recorded (a run that is refused at once
         * shows its errors on the form) */
        int status = -1, running = 1;
        for (int i = 0; i < 200 && running; i++) {
            usleep(50000);
            pthread_mutex_lock(&W.mu);
            running = j->running;
            status = j->status;
            pthread_mutex_unlock(&W.mu);
        }
        size_t len = 0;
        char *log = rg_read_file(j->log, &len);
        if (!running && status == 2) {
            ret = page_start(r, wfname, log ? log : "");
        } else {
            ret = redirect(r, "/runs", NULL);
        }
        free(log);
    }
    free(base);
    free(in_dir);
    free(out_dir);
    return ret;
}

/* ---- notifications: a run of the console-notify workflow ----
 * Each round collects the notices not yet given (a run waiting for a
 * person, a due date passed, a run failed), marks each given in the store
 * (table notices: once), and hands them, one row per notice and user, to
 * a run of the shipped workflow console-notify: its Lua step words the
 * letters, the mail-send plugin writes them to the outbox (the run's
 * output folder) or sends them (doc/console.md, doc/mail.md). */

typedef struct notice {
    char *kind, *run_id, *step, *workflow, *what, *due, *wait_kind;
} notice;

static void notice_free(notice *n)
{
    free(n->kind);
    free(n->run_id);
    free(n->step);
    free(n->workflow);
    free(n->what);
    free(n->due);
    free(n->wait_kind);
}

/* Under db_mu: the waits, failures and passed due dates not yet noticed.
 * The notification runs' own failures are not told by mail. */
static size_t collect_notices(notice **out)
{
    size_t n = 0;
    notice *v = NULL;
    char *today = rg_durable_today();
    sqlite3_stmt *s = q(
        "SELECT 'waiting', w.run_id, w.step, r.workflow, w.what, coalesce(w.due, ''), w.kind "
        "FROM waits w JOIN runs r ON r.id = w.run_id WHERE w.resolved_at IS NULL AND w.kind IN "
        "('input', 'approval') AND r.status = 'waiting' AND NOT EXISTS (SELECT 1 FROM notices n "
        "WHERE n.kind = 'waiting' AND n.run_id = w.run_id AND n.step = w.step) "
        "UNION ALL SELECT 'overdue', w.run_id, w.step, r.workflow, w.what, w.due, w.kind FROM "
        "waits w JOIN runs r ON r.id = w.run_id WHERE w.resolved_at IS NULL AND w.due IS NOT "
        "NULL AND substr(w.due, 1, 10) < ?1 AND NOT EXISTS (SELECT 1 FROM notices n WHERE "
        "n.kind = 'overdue' AND n.run_id = w.run_id AND n.step = w.step) "
        "UNION ALL SELECT 'failed', r.id, '', r.workflow, '', '', 'input' FROM runs r WHERE "
        "r.status = 'failed' AND r.ended >= ?2 AND r.workflow <> '" NOTIFY_WORKFLOW "' AND NOT "
        "EXISTS (SELECT 1 FROM notices n WHERE n.kind = 'failed' AND n.run_id = r.id) LIMIT 200");
    if (s) {
        sqlite3_bind_text(s, 1, today, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, W.started, -1, SQLITE_STATIC);
        while (sqlite3_step(s) == SQLITE_ROW) {
            v = rg_xrealloc(v, (n + 1) * sizeof *v);
            v[n++] = (notice){ rg_xstrdup(col(s, 0)), rg_xstrdup(col(s, 1)), rg_xstrdup(col(s, 2)),
                               rg_xstrdup(col(s, 3)), rg_xstrdup(col(s, 4)), rg_xstrdup(col(s, 5)),
                               rg_xstrdup(col(s, 6)) };
        }
        sqlite3_finalize(s);
    }
    free(today);
    *out = v;
    return n;
}

/* One row of the notices table of console-notify. */
static void notice_row(rg_buf *csv, const notice *n, const char *user, const char *email)
{
    char *link = *n->step ? rg_xasprintf("%s/task/%s/%s", W.base_url, n->run_id, n->step)
                          : rg_xasprintf("%s/run/%s", W.base_url, n->run_id);
    const char *cells[] = { n->kind, n->run_id, n->workflow, n->step, n->what,
                            n->due,  link,      user,        email };
    for (size_t i = 0; i < sizeof cells / sizeof *cells; i++) {
        if (i) {
            rg_buf_put(csv, ",", 1);
        }
        rg_csv_put_text(csv, cells[i], strlen(cells[i]));
    }
    rg_buf_puts(csv, "\r\n");
    free(link);
}

/* Run console-notify on the notices in csv (rows of them) and wait for it;
 * a failure is told on stderr with the run's log. */
static void notify_send(const rg_buf *csv, size_t rows)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    char dir[600];
    snprintf(dir, sizeof dir, "%s/notices", W.workdir);
    rg_mkdir_p(dir);
    char *path = rg_xasprintf("%s/notices-%s-%d.csv", dir, stamp, (int)getpid());
    for (int i = 2; access(path, F_OK) == 0; i++) {
        free(path);
        path = rg_xasprintf("%s/notices-%s-%d-%d.csv", dir, stamp, (int)getpid(), i);
    }
    if (rg_write_file_atomic(path, csv->data, csv->len) != 0) {
        fprintf(stderr, "regie serve: cannot write %s: %s\n", path, strerror(errno));
        free(path);
        return;
    }
    char *set = rg_xasprintf("notices=%s", path);
    char *args[] = { (char *)NOTIFY_WORKFLOW, (char *)"--set", set, (char *)"--out", W.outbox,
                     (char *)"--by", (char *)"regie-serve", (char *)"-q", NULL };
    job *j = NULL;
    for (int i = 0; i < 600 && !j && !W.stop; i++) {
        j = spawn_regie(NULL, "run", args);
        if (!j && errno == EAGAIN) {
            usleep(100000); /* every job slot busy */
        } else if (!j) {
            break;
        }
    }
    if (!j) {
        fprintf(stderr, "regie serve: %zu notification%s not given: cannot start %s: %s\n", rows,
                rows == 1 ? "" : "s", NOTIFY_WORKFLOW, strerror(errno));
    } else {
        int running = 1, status = 0;
        char log[512];
        while (running) {
            pthread_mutex_lock(&W.mu);
            running = j->running;
            status = j->status;
            snprintf(log, sizeof log, "%s", j->log);
            pthread_mutex_unlock(&W.mu);
            if (running) {
                usleep(50000);
            }
        }
        if (status != 0) {
            fprintf(stderr,
                    "regie serve: %zu notification%s not given: %s ended with status %d (notices "
                    "%s, log %s)\n",
                    rows, rows == 1 ? "" : "s", NOTIFY_WORKFLOW, status, path, log);
        }
    }
    free(set);
    free(path);
}

static void notify_round(void)
{
    notice *v;
    rg_buf csv = { 0 };
    size_t rows = 0;
    rg_buf_puts(&csv, "kind,run_id,workflow,step,what,due,link,user,email\r\n");
    pthread_mutex_lock(&W.db_mu);
    size_t n = collect_notices(&v);
    for (size_t i = 0; i < n; i++) {
        rg_errors errs = { 0 };
        if (rg_store_notice_once(W.store, v[i].kind, v[i].run_id, v[i].step, &errs) == 1) {
            const char *role = !strcmp(v[i].wait_kind, "approval") ? "approver" : "operator";
            sqlite3_stmt *s = q("SELECT name, roles, coalesce(email, '') FROM users WHERE notify = 1 "
                                "ORDER BY name");
            while (s && sqlite3_step(s) == SQLITE_ROW) {
                if (!rg_user_may(col(s, 1), role, v[i].workflow)) {
                    continue;
                }
                if (!*col(s, 2)) {
                    fprintf(stderr,
                            "regie serve: user %s has no e-mail address: not told of %s %s%s%s "
                            "(regie user email %s ADDRESS)\n",
                            col(s, 0), v[i].kind, v[i].run_id, *v[i].step ? " " : "", v[i].step,
                            col(s, 0));
                    continue;
                }
                notice_row(&csv, &v[i], col(s, 0), col(s, 2));
                rows++;
            }
            if (s) {
                sqlite3_finalize(s);
            }
        }
        rg_err_free(&errs);
        notice_free(&v[i]);
    }
    pthread_mutex_unlock(&W.db_mu);
    free(v);
    if (rows) {
        notify_send(&csv, rows);
    }
    rg_buf_free(&csv);
}

static void *notifier(void *arg)
{
    (void)arg;
    while (!W.stop) {
        notify_round();
        for (int i = 0; i < 10 && !W.stop; i++) {
            usleep(100000);
        }
    }
    return NULL;
}

static enum MHD_Result page_settings(req *r, int post)
{
    rg_errors errs = { 0 };
    if (post) {
        const char *on = field_get(r, "notify");
        pthread_mutex_lock(&W.db_mu);
        rg_store_user_set_notify(W.store, r->user, on && !strcmp(on, "on"), &errs);
        pthread_mutex_unlock(&W.db_mu);
    }
    int notify = 0;
    char *email = NULL;
    pthread_mutex_lock(&W.db_mu);
    rg_store_user_get(W.store, r->user, NULL, &notify, &email, &errs);
    pthread_mutex_unlock(&W.db_mu);
    rg_err_free(&errs);
    rg_buf b = { 0 };
    page_head(r, &b, TR(r, "Instellingen", "Settings"), 0);
    if (post) {
        rg_html(&b, "<p class=\"ok\" role=\"status\">%S</p>", TR(r, "Opgeslagen.", "Saved."));
    }
    rg_html(&b,
            "<form method=\"post\" action=\"/settings\"><input type=\"hidden\" name=\"csrf\" "
            "value=\"%s\"><p><input type=\"checkbox\" id=\"notify\" name=\"notify\" "
            "value=\"on\"%S> <label for=\"notify\">%S</label> (%s)</p><p><button "
            "type=\"submit\">%S</button></p></form>",
            r->csrf, notify ? " checked" : "",
            TR(r, "Bericht bij een taak, een mislukte run of een verstreken termijn",
               "Notify me of a task, a failed run or a passed due date"),
            email ? email : "-", TR(r, "Opslaan", "Save"));
    free(email);
    return page_send(r, &b, 200);
}

/* ---- routing ---- */
/* "/run/ID/rest" -> id (caller frees) and rest (into url), or NULL */
static char *path_part(const char *url, const char *prefix, const char **rest)
{
    size_t pl = strlen(prefix);
    if (strncmp(url, prefix, pl) != 0) {
        return NULL;
    }
    const char *p = url + pl;
    size_t n = strcspn(p, "/");
    if (!n) {
        return NULL;
    }
    *rest = p[n] ? p + n + 1 : "";
    return rg_xstrndup(p, n);
}

static void set_language(req *r)
{
    const char *al = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, "Accept-Language");
    /* the first language the browser lists decides */
    while (al && (*al == ' ' || *al == ',')) {
        al++;
    }
    r->en = al && (al[0] == 'e' || al[0] == 'E') && (al[1] == 'n' || al[1] == 'N');
}

static enum MHD_Result route(req *r, const char *url, const char *method)
{
    int post = !strcmp(method, "POST");
    if (!post && strcmp(method, "GET") && strcmp(method, "HEAD")) {
        return error_page(r, 405, "Methode niet toegestaan", "Method not allowed", NULL);
    }
    if (!strcmp(url, "/login")) {
        return post ? do_login(r) : page_login(r, NULL, 200);
    }
    int in = session_find(r);
    if (!in) {
        if (!post && (!strcmp(url, "/") || !strncmp(url, "/inbox", 6) || !strncmp(url, "/runs", 5))) {
            return redirect(r, "/login", NULL);
        }
        return error_page(r, 401, "Niet aangemeld", "Not signed in",
                          TR(r, "Meld u eerst aan: /login", "Sign in first: /login"));
    }
    if (post && !csrf_ok(r)) {
        return error_page(r, 403, "Geweigerd", "Refused",
                          TR(r, "Het formulier is verlopen of niet van deze console (CSRF).",
                             "The form expired or is not from this console (CSRF)."));
    }
    if (r->too_big) {
        return error_page(r, 413, "Bestand te groot", "File too large", NULL);
    }
    if (!strcmp(url, "/logout") && post) {
        session_end(r);
        char cookie[160];
        snprintf(cookie, sizeof cookie, COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
                 W.tls ? "; Secure" : "");
        return redirect(r, "/login", cookie);
    }
    if (!strcmp(url, "/") && !post) {
        return redirect(r, "/inbox", NULL);
    }
    if (!strcmp(url, "/inbox") && !post) {
        return page_inbox(r);
    }
    if (!strcmp(url, "/runs") && !post) {
        return page_runs(r);
    }
    if (!strcmp(url, "/start")) {
        return page_start(r, NULL, NULL);
    }
    if (!strcmp(url, "/settings")) {
        return page_settings(r, post);
    }
    const char *rest = NULL;
    char *id = path_part(url, "/start/", &rest);
    if (id) {
        enum MHD_Result ret = post ? do_start(r, id) : page_start(r, id, NULL);
        free(id);
        return ret;
    }
    enum MHD_Result ret;
    if ((id = path_part(url, "/run/", &rest))) {
        if (!*rest && !post) {
            ret = page_run(r, id, NULL, NULL);
        } else if (!strcmp(rest, "verify") && post) {
            ret = do_verify(r, id);
        } else if (!strcmp(rest, "status.json") && !post) {
            ret = run_status_json(r, id);
        } else if (!strcmp(rest, "bundle") && !post) {
            ret = do_bundle(r, id);
        } else if (!strncmp(rest, "file/", 5) && !post) {
            ret = serve_output(r, id, rest + 5);
        } else {
            ret = error_page(r, 404, "Niet gevonden", "Not found", url);
        }
        free(id);
        return ret;
    }
    if ((id = path_part(url, "/task/", &rest))) {
        if (!*rest || strchr(rest, '/')) {
            ret = error_page(r, 404, "Niet gevonden", "Not found", url);
        } else {
            ret = post ? do_task(r, id, rest) : page_task(r, id, rest, NULL, 200);
        }
        free(id);
        return ret;
    }
    return error_page(r, 404, "Niet gevonden", "Not found", url);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **con_cls)
{
    (void)cls;
    (void)version;
    req *r = *con_cls;
    if (!r) {
        r = rg_xcalloc(1, sizeof *r);
        r->c = c;
        *con_cls = r;
        set_language(r);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr) {
            const struct sockaddr *sa = ci->client_addr;
            if (sa->sa_family == AF_INET) {
                inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->client,
                          sizeof r->client);
            } else if (sa->sa_family == AF_INET6) {
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, r->client,
                          sizeof r->client);
            }
        }
        if (!strcmp(method, "POST")) {
            r->post = 1;
            const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
            if (cl && strtoll(cl, NULL, 10) > W.opt->upload_max + 65536) {
                return error_page(r, 413, "Bestand te groot", "File too large", NULL);
            }
            r->pp = MHD_create_post_processor(c, 65536, post_field, r);
        }
        return MHD_YES;
    }
    if (r->post && *upload_data_size) {
        r->body += (int64_t)*upload_data_size;
        if (r->body > W.opt->upload_max + 65536) {
            r->too_big = 1;
        } else if (r->pp) {
            MHD_post_process(r->pp, upload_data, *upload_data_size);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->too_big) {
        return error_page(r, 413, "Bestand te groot", "File too large", NULL);
    }
    return route(r, url, method);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    if (*con_cls) {
        req_free(*con_cls);
        *con_cls = NULL;
    }
}

int rg_web_serve(rg_store *store, const rg_web_options *opt, rg_errors *errs)
{
    W.store = store;
    W.db = rg_store_handle(store);
    W.opt = opt;
    if (sodium_init() < 0) {
        rg_err_add(errs, NULL, 0, "regie serve: libsodium cannot be initialised");
        return -1;
    }
    ssize_t n = readlink("/proc/self/exe", W.exe, sizeof W.exe - 1);
    if (n <= 0) {
        rg_err_add(errs, NULL, 0, "regie serve: cannot find its own program (/proc/self/exe)");
        return -1;
    }
    W.exe[n] = '\0';
    /* the folder beside the store for uploads, logs and runs started here */
    if (strlen(opt->db) > 300) {
        rg_err_add(errs, NULL, 0, "regie serve: the store's path is too long (300 bytes at most)");
        return -1;
    }
    snprintf(W.workdir, sizeof W.workdir, "%s.console", opt->db);
    if (W.workdir[0] != '/') {
        char cwd[2048];
        if (getcwd(cwd, sizeof cwd) && strlen(cwd) + strlen(W.workdir) < sizeof W.workdir - 2) {
            char *abs = rg_xasprintf("%s/%s", cwd, W.workdir);
            snprintf(W.workdir, sizeof W.workdir, "%s", abs);
            free(abs);
        }
    }
    rg_mkdir_p(W.workdir);
    /* ADDR:PORT */
    const char *colon = strrchr(opt->listen, ':');
    char host[128];
    long port = colon ? strtol(colon + 1, NULL, 10) : -1;
    if (!colon || port < 0 || port > 65535 || (size_t)(colon - opt->listen) >= sizeof host) {
        rg_err_add(errs, NULL, 0, "regie serve: --listen \"%s\": expected ADDR:PORT", opt->listen);
        return -1;
    }
    memcpy(host, opt->listen, (size_t)(colon - opt->listen));
    host[colon - opt->listen] = '\0';
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        rg_err_add(errs, NULL, 0, "regie serve: --listen \"%s\": expected an IPv4 address and a port",
                   opt->listen);
        return -1;
    }
    char *cert = NULL, *key = NULL;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (opt->tls_cert || opt->tls_key) {
        size_t len;
        cert = opt->tls_cert ? rg_read_file(opt->tls_cert, &len) : NULL;
        key = opt->tls_key ? rg_read_file(opt->tls_key, &len) : NULL;
        if (!cert || !key) {
            rg_err_add(errs, NULL, 0, "regie serve: TLS needs both --tls-cert and --tls-key, readable "
                                      "PEM files (%s)",
                       !cert ? (opt->tls_cert ? opt->tls_cert : "--tls-cert missing")
                             : (opt->tls_key ? opt->tls_key : "--tls-key missing"));
            free(cert);
            free(key);
            return -1;
        }
        flags |= MHD_USE_TLS;
        W.tls = 1;
    }
    /* SIGTERM and SIGINT for sigwait below, blocked before any thread starts */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct MHD_Daemon *d;
    if (W.tls) {
        d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handler, NULL,
                             MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                             MHD_OPTION_THREAD_POOL_SIZE, 4u, MHD_OPTION_NOTIFY_COMPLETED,
                             completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 60u,
                             MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
                             MHD_OPTION_END);
    } else {
        d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handler, NULL,
                             MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                             MHD_OPTION_THREAD_POOL_SIZE, 4u, MHD_OPTION_NOTIFY_COMPLETED,
                             completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
    }
    if (!d) {
        rg_err_add(errs, NULL, 0, "regie serve: cannot listen on %s%s", opt->listen,
                   W.tls ? " (or the certificate or key is not valid PEM)" : "");
        free(cert);
        free(key);
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(W.base_url, sizeof W.base_url, "%s://%s:%u", W.tls ? "https" : "http", host,
             di ? di->port : (unsigned)port);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(W.started, sizeof W.started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (opt->outbox && strlen(opt->outbox) < sizeof W.outbox) {
        snprintf(W.outbox, sizeof W.outbox, "%s", opt->outbox);
    } else {
        snprintf(W.outbox, sizeof W.outbox, "%s/outbox", W.workdir);
    }
    rg_mkdir_p(W.outbox);
    pthread_t nt;
    pthread_create(&nt, NULL, notifier, NULL);
    printf("regie: console on %s://%s:%u/ (store %s)\n", W.tls ? "https" : "http", host,
           di ? di->port : (unsigned)port, opt->db);
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    W.stop = 1;
    pthread_join(nt, NULL);
    MHD_stop_daemon(d);
    free(cert);
    free(key);
    return 0;
}
