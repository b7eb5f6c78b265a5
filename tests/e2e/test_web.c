/* The web console (`regie serve`, issue 24) over HTTP with libcurl: the
 * real binary on a free port (--listen 127.0.0.1:0) over a store with a
 * waiting tender run (examples/tender without interviews).  Each page, and
 * each refusal: no session, a wrong role, a missing or wrong CSRF token,
 * the four-eyes person approving, path escapes in the output browser, an
 * oversize upload, a bad CSV (errors with FILE:LINE, escaped, nothing
 * recorded), the sign-in limit; a good interviews.csv resumes the run to
 * done. */
#define _GNU_SOURCE
#include "smtp_sink.h"
#include "testutil.h"

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef REGIE_TEST_CURL
#include <curl/curl.h>

/* As T_CONTAINS, with at most 3000 bytes of a page in the message (Check
 * refuses longer ones). */
#define HAS(hay, needle)                                                                           \
    ck_assert_msg((hay) && strstr((hay), (needle)) != NULL, "\"%s\" not in:\n%.3000s", (needle),  \
                  (hay) ? (hay) : "(null)")

static pid_t server_pid;
static char base_url[64];

static int console_built(const char *test)
{
    char *o = t_build("core/web/regie-serve.o");
    int built = access(o, R_OK) == 0;
    free(o);
    if (!built) {
        t_tool_missing(test, "the web console (not built: see the end of configure's output)",
                       "apt-get install libmicrohttpd-dev, then configure again");
    }
    return built;
}

static long sql_int(const char *sql)
{
    char *db = t_path("t.db");
    sqlite3 *h;
    ck_assert_int_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    sqlite3_stmt *s;
    ck_assert_msg(sqlite3_prepare_v2(h, sql, -1, &s, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(h));
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    long v = (long)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(h);
    free(db);
    return v;
}

static void add_user(const char *name, const char *password, const char *roles)
{
    char *bin = t_build("regie");
    char *cmd = t_asprintf("cd '%s' && printf '%%s\\n' '%s' | '%s' user add %s %s --db t.db "
                           ">/dev/null",
                           t_dir, password, bin, name, roles);
    ck_assert_msg(system(cmd) == 0, "%s", cmd);
    free(cmd);
    free(bin);
}

/* regie serve on a free port with the further arguments tls (NULL or
 * "CERT KEY" files); its address in base_url. */
static void start_server_tls(const char *upload_max, const char *cert, const char *key)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    char *bin = t_build("regie");
    server_pid = fork();
    if (server_pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        if (chdir(t_dir) != 0) {
            _exit(127);
        }
        if (cert) {
            execl(bin, bin, "serve", "--listen", "127.0.0.1:0", "--db", "t.db", "--tls-cert", cert,
                  "--tls-key", key, (char *)NULL);
        } else {
            execl(bin, bin, "serve", "--listen", "127.0.0.1:0", "--db", "t.db", "--upload-max",
                  upload_max ? upload_max : "1048576", (char *)NULL);
        }
        _exit(127);
    }
    close(p[1]);
    FILE *f = fdopen(p[0], "r");
    char line[256] = "";
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    fclose(f);
    unsigned port = 0;
    const char *scheme = cert ? "https" : "http";
    char *prefix = t_asprintf("%s://127.0.0.1:", scheme);
    const char *at = strstr(line, prefix);
    ck_assert_msg(at && sscanf(at + strlen(prefix), "%u/", &port) == 1, "%s", line);
    snprintf(base_url, sizeof base_url, "%s://127.0.0.1:%u", scheme, port);
    free(prefix);
    free(bin);
}

static void start_server(const char *upload_max)
{
    start_server_tls(upload_max, NULL, NULL);
}

static void stop_server(void)
{
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        int st;
        waitpid(server_pid, &st, 0);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "regie serve ended with %d", st);
        server_pid = 0;
    }
}

typedef struct resp {
    long code;
    char *body;
    size_t len;
    char *type;
    char *location;
} resp;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    resp *r = ud;
    r->body = realloc(r->body, r->len + size * n + 1);
    memcpy(r->body + r->len, p, size * n);
    r->len += size * n;
    r->body[r->len] = '\0';
    return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    resp *r = ud;
    if (n * size > 10 && !strncasecmp(p, "Location: ", 10)) {
        r->location = strndup(p + 10, strcspn(p + 10, "\r\n"));
    }
    return size * n;
}

static void resp_free(resp *r)
{
    free(r->body);
    free(r->type);
    free(r->location);
    memset(r, 0, sizeof *r);
}

/* A request with the client's cookies: form fields "k=v&..." (POST), or a
 * multipart form (mime), or neither (GET). */
static resp req(CURL *c, const char *path, const char *form, curl_mime *mime, const char *lang)
{
    resp r = { 0 };
    char *url = t_asprintf("%s%s", base_url, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    if (form) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
    } else if (mime) {
        curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    }
    struct curl_slist *h = NULL;
    if (lang) {
        char *al = t_asprintf("Accept-Language: %s", lang);
        h = curl_slist_append(h, al);
        free(al);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    CURLcode cc = curl_easy_perform(c);
    ck_assert_msg(cc == CURLE_OK, "%s: %s", url, curl_easy_strerror(cc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.code);
    char *ct = NULL;
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
    r.type = strdup(ct ? ct : "");
    if (!r.body) {
        r.body = strdup("");
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c, CURLOPT_MIMEPOST, NULL);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
    curl_slist_free_all(h);
    free(url);
    return r;
}

static long get_code(CURL *c, const char *path)
{
    resp r = req(c, path, NULL, NULL, NULL);
    long code = r.code;
    resp_free(&r);
    return code;
}

/* POST /login as the form does: its token (from GET /login) and fields. */
static resp login_post(CURL *c, const char *fields)
{
    resp page = req(c, "/login", NULL, NULL, NULL);
    const char *at = strstr(page.body, "name=\"csrf\" value=\"");
    ck_assert_msg(at != NULL, "%.3000s", page.body);
    char *form = t_asprintf("csrf=%.64s&%s", at + 19, fields);
    resp_free(&page);
    resp r = req(c, "/login", form, NULL, NULL);
    free(form);
    return r;
}

/* curl's line of the client's cookie name (caller frees), or NULL. */
static char *cookie_line(CURL *c, const char *name)
{
    struct curl_slist *cookies = NULL, *e;
    curl_easy_getinfo(c, CURLINFO_COOKIELIST, &cookies);
    char *line = NULL;
    char *tab = t_asprintf("\t%s\t", name);
    for (e = cookies; e && !line; e = e->next) {
        if (strstr(e->data, tab)) {
            line = strdup(e->data);
        }
    }
    free(tab);
    curl_slist_free_all(cookies);
    return line;
}

static CURL *client(void)
{
    CURL *c = curl_easy_init();
    ck_assert_ptr_nonnull(c);
    curl_easy_setopt(c, CURLOPT_COOKIEFILE, ""); /* cookies kept in memory */
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    return c;
}

static CURL *login(const char *user, const char *password)
{
    CURL *c = client();
    char *form = t_asprintf("user=%s&password=%s", user, password);
    resp r = login_post(c, form);
    ck_assert_msg(r.code == 303 && r.location && !strcmp(r.location, "/inbox"),
                  "login %s: %ld %.3000s", user, r.code, r.body);
    resp_free(&r);
    free(form);
    return c;
}

/* The CSRF token of the client's session, from a page's form. */
static char *csrf_of(CURL *c)
{
    resp r = req(c, "/inbox", NULL, NULL, NULL);
    const char *at = strstr(r.body, "name=\"csrf\" value=\"");
    ck_assert_msg(at != NULL, "%.3000s", r.body);
    char *t = strndup(at + 19, 64);
    resp_free(&r);
    return t;
}

/* The tender run of examples/tender without the interviews: it waits. */
static char *waiting_tender(void)
{
    char *in = t_src("examples/tender");
    const char *files[] = { "tender.ini", "criteria.csv", "bids.csv", "ko.csv", "scores.csv",
                            "interviews.csv" };
    for (size_t i = 0; i < 6; i++) {
        char *cmd = t_asprintf("cp '%s/%s' '%s/'", in, files[i], t_dir);
        ck_assert_int_eq(system(cmd), 0);
        free(cmd);
    }
    free(in);
    const char *argv[] = { "run", "tender-evaluation", "--set", "tender=tender.ini", "--set",
                           "criteria=criteria.csv", "--set", "bids=bids.csv", "--set", "ko=ko.csv",
                           "--set", "scores=scores.csv", "--out", "out", "--db", "t.db", "-q",
                           NULL };
    int rc = t_run(argv);
    ck_assert_msg(rc == 3, "exit %d: %s", rc, t_err);
    return t_only_run("t.db");
}

static void web_setup(void)
{
    t_dir_setup();
    curl_global_init(CURL_GLOBAL_ALL);
}

static void web_teardown(void)
{
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
        server_pid = 0;
    }
    curl_global_cleanup();
    t_dir_teardown();
}

START_TEST(pages_and_refusals)
{
    if (!console_built("pages_and_refusals")) {
        return;
    }
    char *id = waiting_tender();
    add_user("alice", "alice-secret-1", "--role operator:tender-evaluation --role approver:*");
    add_user("bob", "bob-secret-12", "--role viewer:other-workflow");
    add_user("carol", "carol-secret-1", "--role viewer:tender-evaluation");
    start_server(NULL);
    char *run_path = t_asprintf("/run/%s", id);
    char *task_path = t_asprintf("/task/%s/await_interviews", id);

    /* no session: the pages send to the sign-in, the rest is refused */
    CURL *anon = client();
    resp r = req(anon, "/inbox", NULL, NULL, NULL);
    ck_assert_int_eq(r.code, 303);
    ck_assert_str_eq(r.location, "/login");
    resp_free(&r);
    ck_assert_int_eq(get_code(anon, run_path), 401);
    ck_assert_int_eq(get_code(anon, task_path), 401);
    r = req(anon, task_path, "csrf=x&action=upload", NULL, NULL);
    ck_assert_int_eq(r.code, 401);
    resp_free(&r);
    r = req(anon, "/login", NULL, NULL, NULL);
    ck_assert_int_eq(r.code, 200);
    HAS(r.body, "<label for=\"password\">Wachtwoord</label>");
    resp_free(&r);
    r = login_post(anon, "user=alice&password=wrong-password");
    ck_assert_int_eq(r.code, 401);
    HAS(r.body, "onjuist wachtwoord");
    resp_free(&r);
    /* the sign-in form's token: without it, even the right password is refused */
    r = req(anon, "/login", "user=alice&password=alice-secret-1", NULL, NULL);
    ck_assert_int_eq(r.code, 403);
    HAS(r.body, "CSRF");
    resp_free(&r);

    /* the session cookie */
    CURL *alice = client();
    r = login_post(alice, "user=alice&password=alice-secret-1");
    ck_assert_int_eq(r.code, 303);
    resp_free(&r);
char *cookie = cookie_line(alice, "regie_session");
    ck_assert_ptr_nonnull(cookie);
    HAS(cookie, "#HttpOnly_127.0.0.1"); /* curl's mark of HttpOnly */
    HAS(cookie, "\t/\tFALSE\t"); /* path /, not Secure over plain HTTP */
    free(cookie);

    /* inbox: the waiting task, in Dutch; in English when asked */
    r = req(alice, "/inbox", NULL, NULL, NULL);
    ck_assert_int_eq(r.code, 200);
    HAS(r.body, "<html lang=\"nl\">");
    HAS(r.body, id);
    HAS(r.body, "tender-evaluation");
    HAS(r.body, ">await_interviews</a>");
    HAS(r.body, "input interviews - the interview results");
    HAS(r.body, "<th scope=\"col\">Sinds</th>");
    HAS(r.body, "Afmelden");
    resp_free(&r);
    r = req(alice, "/inbox", NULL, NULL, "en-GB,en;q=0.9,nl;q=0.5");
    HAS(r.body, "<html lang=\"en\">");
    HAS(r.body, "Tasks waiting for you");
    HAS(r.body, "Sign out");
    resp_free(&r);

    /* runs: the run, filters */
    r = req(alice, "/runs", NULL, NULL, NULL);
    ck_assert_int_eq(r.code, 200);
    HAS(r.body, id);
    HAS(r.body, ">wacht<");
    resp_free(&r);
    r = req(alice, "/runs?status=done", NULL, NULL, NULL);
    ck_assert_msg(!strstr(r.body, id), "a waiting run listed as done: %.3000s", r.body);
    resp_free(&r);
    r = req(alice, "/runs?workflow=tender-evaluation&status=waiting", NULL, NULL, NULL);
    HAS(r.body, id);
    resp_free(&r);

    /* run: steps, inputs with their SHA-256, outputs, audit trail, task */
    r = req(alice, run_path, NULL, NULL, NULL);
    ck_assert_int_eq(r.code, 200);
    HAS(r.body, "<th scope=\"row\">knockout</th><td>klaar</td><td>1</td>");
    HAS(r.body, "e1891993dad43610c39a077afcf4184602e4187fc79046b631db3305c7abcf3e"); /* tender.ini */
    HAS(r.body, "/file/report.html\">report.html</a>");
    HAS(r.body, ">run_started</td>");
    HAS(r.body, "/await_interviews\">await_interviews</a>");
    resp_free(&r);
    char *status = t_asprintf("%s/status.json", run_path);
    r = req(alice, status, NULL, NULL, NULL);
    HAS(r.body, "\"status\":\"waiting\"");
    resp_free(&r);
    free(status);

    /* the task page: an upload form for the interviews */
    r = req(alice, task_path, NULL, NULL, NULL);
    ck_assert_int_eq(r.code, 200);
    HAS(r.body, "enctype=\"multipart/form-data\"");
    HAS(r.body, "<label for=\"file\">Bestand (interviews)</label>");
    resp_free(&r);

    /* a viewer of another workflow sees none of it; a viewer of this one
     * sees the run but may not act */
    CURL *bob = login("bob", "bob-secret-12");
    ck_assert_int_eq(get_code(bob, run_path), 403);
    ck_assert_int_eq(get_code(bob, task_path), 403);
    r = req(bob, "/inbox", NULL, NULL, NULL);
    ck_assert_msg(!strstr(r.body, id), "%.3000s", r.body);
    resp_free(&r);
    r = req(bob, "/runs", NULL, NULL, NULL);
    ck_assert_msg(!strstr(r.body, id), "%.3000s", r.body);
    resp_free(&r);
    CURL *carol = login("carol", "carol-secret-1");
    ck_assert_int_eq(get_code(carol, run_path), 200);
    ck_assert_int_eq(get_code(carol, task_path), 403);
    char *carol_csrf = csrf_of(carol);
    char *form = t_asprintf("csrf=%s&action=upload", carol_csrf);
    r = req(carol, task_path, form, NULL, NULL);
    ck_assert_int_eq(r.code, 403);
    resp_free(&r);
    free(form);
    free(carol_csrf);

    /* CSRF: a POST without the token, or with another session's, is refused */
    char *verify = t_asprintf("%s/verify", run_path);
    r = req(alice, verify, "x=1", NULL, NULL);
    ck_assert_int_eq(r.code, 403);
    HAS(r.body, "CSRF");
    resp_free(&r);
    char *bob_csrf = csrf_of(bob);
    form = t_asprintf("csrf=%s", bob_csrf);
    r = req(alice, verify, form, NULL, NULL);
    ck_assert_int_eq(r.code, 403);
    resp_free(&r);
    free(form);
    free(bob_csrf);
    r = req(alice, "/logout", "x=1", NULL, NULL);
    ck_assert_int_eq(r.code, 403);
    resp_free(&r);
    /* with it: the verification of `regie verify` */
    char *csrf = csrf_of(alice);
    form = t_asprintf("csrf=%s", csrf);
    r = req(alice, verify, form, NULL, NULL);
    ck_assert_int_eq(r.code, 200);
    HAS(r.body, "chain intact");
    HAS(r.body, "UITKOMST: intact");
    resp_free(&r);
    free(verify);

    /* the output browser: a report with its type; no way out of the folder */
    char *file = t_asprintf("%s/file/report.html", run_path);
    r = req(alice, file, NULL, NULL, NULL);
    ck_assert_int_eq(r.code, 200);
    ck_assert_str_eq(r.type, "text/html; charset=utf-8");
    char *report = t_readf("%s/out/report.html", t_dir);
    ck_assert_msg(report && r.len == strlen(report) && !memcmp(r.body, report, r.len),
                  "report.html differs from the file");
    free(report);
    resp_free(&r);
    free(file);
    file = t_asprintf("%s/file/scores.svg", run_path);
    r = req(alice, file, NULL, NULL, NULL);
    ck_assert_str_eq(r.type, "image/svg+xml");
    resp_free(&r);
    free(file);
    char *outside = t_write(t_dir, "secret.txt", "not for the browser\n");
    free(outside);
    char *link = t_asprintf("ln -s '%s/secret.txt' '%s/out/link.txt' && ln -s /etc '%s/out/etc'",
                            t_dir, t_dir, t_dir);
    ck_assert_int_eq(system(link), 0);
    free(link);
    const char *escapes[] = { "../secret.txt", "..%2Fsecret.txt", "%2E%2E/secret.txt",
                              "/etc/passwd", "%2Fetc%2Fpasswd", "link.txt", "etc/passwd",
                              "explain/../../secret.txt", ".regie/data", "", NULL };
    for (int i = 0; escapes[i]; i++) {
        file = t_asprintf("%s/file/%s", run_path, escapes[i]);
        r = req(alice, file, NULL, NULL, NULL);
        ck_assert_msg(r.code == 404 && !strstr(r.body, "not for the browser") &&
                          !strstr(r.body, "root:"),
                      "%s: %ld %.3000s", file, r.code, r.body);
        resp_free(&r);
        free(file);
    }

    /* the evidence bundle: a tar of `regie export` */
    char *bundle = t_asprintf("%s/bundle", run_path);
    r = req(alice, bundle, NULL, NULL, NULL);
    ck_assert_int_eq(r.code, 200);
    ck_assert_str_eq(r.type, "application/x-tar");
    ck_assert_msg(r.len > 10240 && !strncmp(r.body, id, strlen(id)), "%zu bytes", r.len);
    char *tar = t_asprintf("%s/b.tar", t_dir);
    FILE *tf = fopen(tar, "wb");
    fwrite(r.body, 1, r.len, tf);
    fclose(tf);
    resp_free(&r);
    char *cmd = t_asprintf("mkdir '%s/b' && tar -xf '%s' -C '%s/b'", t_dir, tar, t_dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    char *bdir = t_asprintf("b/%s", id);
    const char *vargv[] = { "verify", bdir, NULL };
    ck_assert_msg(t_run(vargv) == 0, "%s%s", t_out, t_err);
    HAS(t_out, "intact");
    free(bdir);
    free(tar);
    free(bundle);

    /* start: a form from the workflow's inputs */
    r = req(alice, "/start", NULL, NULL, NULL);
    HAS(r.body, "<a href=\"/start/tender-evaluation\">tender-evaluation</a>");
    resp_free(&r);
    r = req(alice, "/start/tender-evaluation", NULL, NULL, NULL);
    ck_assert_int_eq(r.code, 200);
    HAS(r.body, "<label for=\"in-bids\">bids *</label>");
    HAS(r.body, "name=\"bids\" type=\"file\"");
    resp_free(&r);
    ck_assert_int_eq(get_code(carol, "/start/tender-evaluation"), 403);

    /* settings: notifications off */
    r = req(alice, "/settings", NULL, NULL, NULL);
    HAS(r.body, "name=\"notify\" value=\"on\" checked");
    resp_free(&r);
    ck_assert_int_eq(sql_int("SELECT notify FROM users WHERE name = 'alice'"), 1);
    r = req(alice, "/settings", form, NULL, NULL);
    ck_assert_int_eq(r.code, 200);
    ck_assert_msg(!strstr(r.body, " checked"), "%.3000s", r.body);
    resp_free(&r);
    ck_assert_int_eq(sql_int("SELECT notify FROM users WHERE name = 'alice'"), 0);

    /* sign out: the session is gone */
    r = req(alice, "/logout", form, NULL, NULL);
    ck_assert_int_eq(r.code, 303);
    resp_free(&r);
    ck_assert_int_eq(get_code(alice, run_path), 401);
    free(form);
    free(csrf);

    /* sign-in limit: after 5 failures for a name even the right password
     * waits; another person from the same address is not held up */
    for (int i = 0; i < 5; i++) {
        r = login_post(anon, "user=carol&password=not-her-password");
        ck_assert_int_eq(r.code, 401);
        resp_free(&r);
    }
    r = login_post(anon, "user=carol&password=carol-secret-1");
    ck_assert_int_eq(r.code, 429);
    HAS(r.body, "Te veel mislukte pogingen");
    resp_free(&r);
    CURL *again = login("alice", "alice-secret-1");
    curl_easy_cleanup(again);
    /* and 20 failures from one address hold up every name from it */
    for (int i = 0; i < 14; i++) {
        char *guess = t_asprintf("user=nobody%d&password=guess-guess", i);
        r = login_post(anon, guess);
        ck_assert_int_eq(r.code, 401);
        resp_free(&r);
        free(guess);
    }
    r = login_post(anon, "user=alice&password=alice-secret-1");
    ck_assert_int_eq(r.code, 429);
    resp_free(&r);

    curl_easy_cleanup(anon);
    curl_easy_cleanup(alice);
    curl_easy_cleanup(bob);
    curl_easy_cleanup(carol);
    stop_server();
    free(run_path);
    free(task_path);
    free(id);
}
END_TEST

static curl_mime *upload_form(CURL *c, const char *csrf, const char *path, const char *name)
{
    curl_mime *m = curl_mime_init(c);
    curl_mimepart *p = curl_mime_addpart(m);
    curl_mime_name(p, "csrf");
    curl_mime_data(p, csrf, CURL_ZERO_TERMINATED);
    p = curl_mime_addpart(m);
    curl_mime_name(p, "action");
    curl_mime_data(p, "upload", CURL_ZERO_TERMINATED);
    p = curl_mime_addpart(m);
    curl_mime_name(p, "file");
    curl_mime_filedata(p, path);
    curl_mime_filename(p, name);
    return m;
}

START_TEST(uploads_bad_big_then_good)
{
    if (!console_built("uploads_bad_big_then_good")) {
        return;
    }
    char *id = waiting_tender();
    add_user("alice", "alice-secret-1", "--role operator:* --email alice@example.org");
    add_user("dave", "dave-secret-12", "--role operator:*");
    add_user("erin", "erin-secret-12", "--role viewer:* --role approver:*");
    const char *off[] = { "user", "notify", "dave", "off", "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(off), 0);
    start_server("20000");
    char *run_path = t_asprintf("/run/%s", id);
    char *task_path = t_asprintf("/task/%s/await_interviews", id);
    CURL *alice = login("alice", "alice-secret-1");
    char *csrf = csrf_of(alice);
    /* the notifications' workflow is the console's own: an operator of
     * every workflow may not start it */
    resp st = req(alice, "/start", NULL, NULL, NULL);
    HAS(st.body, "<a href=\"/start/tender-evaluation\">tender-evaluation</a>");
    ck_assert_ptr_null(strstr(st.body, "console-notify"));
    resp_free(&st);
    ck_assert_int_eq(get_code(alice, "/start/console-notify"), 403);
    /* the run's own records: console-notify runs add theirs meanwhile */
    char *q_events = t_asprintf("SELECT count(*) FROM events WHERE run_id = '%s'", id);
    char *q_inputs = t_asprintf("SELECT count(*) FROM inputs WHERE run_id = '%s'", id);
    long events = sql_int(q_events);
    long inputs = sql_int(q_inputs);

    /* the waiting task is told to the operators who want it, once */
    char *outbox = t_path("t.db.console/outbox");
    int found = 0;
    char *eml = NULL;
    for (int i = 0; i < 300 && !found; i++) {
        char *cmd = t_asprintf("ls '%s' 2>/dev/null | grep '[.]eml$'", outbox);
        FILE *p = popen(cmd, "r");
        char name[512];
        while (p && fgets(name, sizeof name, p)) {
            name[strcspn(name, "\n")] = '\0';
            ck_assert_msg(!strncmp(name, "alice@example.org-", 18), "a notification for another: %s",
                          name);
            free(eml);
            eml = t_readf("%s/%s", outbox, name);
            found++;
        }
        pclose(p);
        free(cmd);
        if (!found) {
            usleep(100000);
        }
    }
    ck_assert_int_eq(found, 1);
    HAS(eml, "To: alice <alice@example.org>\r\n");
    char *subject = t_asprintf("Subject: [regie] Taak voor u: tender-evaluation %s await_interviews\r\n", id);
    HAS(eml, subject);
    free(subject);
    char *link = t_asprintf("%s/task/%s/await_interviews\r\n", base_url, id);
    HAS(eml, link);
    free(link);
    HAS(eml, "- nodig / needed: input interviews - the interview results");
    HAS(eml, "From: regie <noreply@localhost.localdomain>\r\n");
    HAS(eml, "Content-Type: text/html; charset=UTF-8");
    free(eml);

    /* too large: refused before anything is kept */
    char *big = malloc(100001);
    memset(big, 'x', 100000);
    big[100000] = '\0';
    free(t_write(t_dir, "big.csv", big));
    free(big);
    char *bigpath = t_path("big.csv");
    curl_mime *m = upload_form(alice, csrf, bigpath, "big.csv");
    resp r = req(alice, task_path, NULL, m, NULL);
    ck_assert_int_eq(r.code, 413);
    resp_free(&r);
    curl_mime_free(m);
    free(bigpath);

    /* without the token, even a good file is refused */
    char *good = t_path("interviews.csv");
    m = upload_form(alice, "0000000000000000000000000000000000000000000000000000000000000000",
                    good, "interviews.csv");
    r = req(alice, task_path, NULL, m, NULL);
    ck_assert_int_eq(r.code, 403);
    resp_free(&r);
    curl_mime_free(m);

    /* a bad CSV: its errors as FILE:LINE beside the form, a supplier
     * named <script> escaped; nothing recorded, the run still waits */
    free(t_write(t_dir, "bad.csv",
                 "bid_id,outcome,reason,req_id\n"
                 "B,maybe,x,\n"
                 "Z,pass,,\n"));
    char *bad = t_path("bad.csv");
    m = upload_form(alice, csrf, bad, "bad.csv");
    r = req(alice, task_path, NULL, m, NULL);
    ck_assert_int_eq(r.code, 422);
    HAS(r.body, "bad.csv:2: column outcome: found &quot;maybe&quot;, expected pass, fail or "
                       "no_show");
    HAS(r.body, "bad.csv:3: column bid_id: found &quot;Z&quot;, expected a bid_id of "
                       "bids.csv");
    ck_assert_msg(!strstr(r.body, t_dir), "the kept file's path is shown: %.3000s", r.body);
    HAS(r.body, "Niets vastgelegd");
    HAS(r.body, "enctype=\"multipart/form-data\""); /* the form again */
    resp_free(&r);
    curl_mime_free(m);
    free(bad);
    free(t_write(t_dir, "bad2.csv",
                 "bid_id,outcome,reason,req_id\n"
                 "<script>alert(1)</script>,pass,,\n"));
    bad = t_path("bad2.csv");
    m = upload_form(alice, csrf, bad, "<script>.csv");
    r = req(alice, task_path, NULL, m, NULL);
    ck_assert_int_eq(r.code, 422);
    HAS(r.body, "&lt;script&gt;.csv:2: column bid_id: found "
                       "&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;");
    ck_assert_msg(!strstr(r.body, "<script>"), "unescaped: %.3000s", r.body);
    resp_free(&r);
    curl_mime_free(m);
    free(bad);
    ck_assert_int_eq(sql_int(q_events), events);
    ck_assert_int_eq(sql_int(q_inputs), inputs);
    free(q_events);
    free(q_inputs);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM runs WHERE status = 'waiting'"), 1);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM waits WHERE resolved_at IS NULL"), 1);

    /* the interviews: the run resumes in the background to done */
    m = upload_form(alice, csrf, good, "interviews.csv");
    r = req(alice, task_path, NULL, m, NULL);
    ck_assert_msg(r.code == 303 && r.location && !strcmp(r.location, run_path), "%ld %.3000s",
                  r.code, r.body);
    resp_free(&r);
    curl_mime_free(m);
    char *status = t_asprintf("%s/status.json", run_path);
    int done = 0;
    for (int i = 0; i < 1200 && !done; i++) {
        r = req(alice, status, NULL, NULL, NULL);
        done = strstr(r.body, "\"status\":\"done\"") && strstr(r.body, "\"busy\":false");
        ck_assert_msg(!strstr(r.body, "\"status\":\"failed\""), "%.3000s", r.body);
        resp_free(&r);
        if (!done) {
            usleep(100000);
        }
    }
    ck_assert_msg(done, "the run did not finish");
    free(status);
    /* the input and the resume carry the signed-in person */
    ck_assert_int_ge(sql_int("SELECT count(*) FROM events WHERE what = 'input_given' AND who = "
                             "'alice'"),
                     1);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM inputs WHERE name = 'interviews'"), 1);
    ck_assert_int_eq(
        sql_int("SELECT count(*) FROM runs WHERE status = 'done' AND workflow = 'tender-evaluation'"),
        1);
    /* the final ranking: F excluded, B awarded */
    char *file = t_asprintf("%s/file/ranking.csv", run_path);
    r = req(alice, file, NULL, NULL, NULL);
    ck_assert_int_eq(r.code, 200);
    ck_assert_str_eq(r.type, "text/csv; charset=utf-8");
    char *ranking = t_readf("%s/out/ranking.csv", t_dir);
    ck_assert_str_eq(r.body, ranking);
    free(ranking);
    resp_free(&r);
    free(file);
    r = req(alice, "/inbox", NULL, NULL, NULL);
    HAS(r.body, "Er wacht niets op u.");
    resp_free(&r);
    /* start: the workflow's form with its five files starts a run of alice's */
    m = curl_mime_init(alice);
    curl_mimepart *part = curl_mime_addpart(m);
    curl_mime_name(part, "csrf");
    curl_mime_data(part, csrf, CURL_ZERO_TERMINATED);
    const char *inputs_given[] = { "tender", "criteria", "bids", "ko", "scores" };
    const char *files_given[] = { "tender.ini", "criteria.csv", "bids.csv", "ko.csv", "scores.csv" };
    for (int i = 0; i < 5; i++) {
        char *fp = t_path(files_given[i]);
        part = curl_mime_addpart(m);
        curl_mime_name(part, inputs_given[i]);
        curl_mime_filedata(part, fp);
        free(fp);
    }
    r = req(alice, "/start/tender-evaluation", NULL, m, NULL);
    ck_assert_msg(r.code == 303, "%ld %.3000s", r.code, r.body);
    resp_free(&r);
    curl_mime_free(m);
    int started = 0;
    for (int i = 0; i < 600 && !started; i++) {
        started = sql_int("SELECT count(*) FROM runs WHERE status = 'waiting' AND user = 'alice'") == 1;
        if (!started) {
            usleep(100000);
        }
    }
    ck_assert_msg(started, "the run started from the form does not wait for its interviews");
    ck_assert_int_eq(sql_int("SELECT count(*) FROM events WHERE what = 'run_started' AND who = "
                             "'alice'"),
                     1);
    char *ls = t_asprintf("test $(ls '%s' | grep -c -- '-waiting-%s-') -eq 1", outbox, id);
    ck_assert_msg(system(ls) == 0, "more than one notification in %s", outbox);
    free(ls);
    free(outbox);
    r = req(alice, run_path, NULL, NULL, NULL);
    HAS(r.body, ">klaar</dd>");
    resp_free(&r);

    curl_easy_cleanup(alice);
    stop_server();
    free(good);
    free(csrf);
    free(run_path);
    free(task_path);
    free(id);
}
END_TEST

/* An approval alice prepared: she may not approve it herself; bob's
 * approval lets it go on. */
START_TEST(four_eyes_with_signed_in_people)
{
    if (!console_built("four_eyes_with_signed_in_people")) {
        return;
    }
    free(t_write(t_dir, "send.lua",
                 "return { run = function() regie.write('sent.txt', 'sent\\n') end }\n"));
    free(t_write(t_dir, "decision.ini",
                 "[workflow]\nname = decision\n"
                 "[step.ok]\nwait = approval\nfour_eyes = alice\n"
                 "[step.send]\nscript = send.lua\nafter = ok\n"));
    const char *argv[] = { "run", "decision.ini", "--out", "out", "--db", "t.db", "-q", NULL };
    ck_assert_msg(t_run(argv) == 3, "%s", t_err);
    char *id = t_only_run("t.db");
    add_user("alice", "alice-secret-1", "--role approver:decision");
    add_user("bob", "bob-secret-12", "--role approver:*");
    add_user("carol", "carol-secret-1", "--role operator:decision");
    start_server(NULL);
    char *task_path = t_asprintf("/task/%s/ok", id);

    CURL *carol = login("carol", "carol-secret-1");
    ck_assert_int_eq(get_code(carol, task_path), 403); /* an operator does not approve */
    CURL *alice = login("alice", "alice-secret-1");
    resp r = req(alice, task_path, NULL, NULL, NULL);
    ck_assert_int_eq(r.code, 200);
    HAS(r.body, "value=\"approve\"");
    HAS(r.body, "Vier ogen");
    resp_free(&r);
    char *csrf = csrf_of(alice);
    char *form = t_asprintf("csrf=%s&action=approve&note=looks+fine", csrf);
    r = req(alice, task_path, form, NULL, NULL);
    ck_assert_int_eq(r.code, 403);
    HAS(r.body, "alice");
    resp_free(&r);
    free(form);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM events WHERE what = 'approval_refused' AND "
                             "who = 'alice'"),
                     1);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM waits WHERE resolved_at IS NULL"), 1);
    free(csrf);

    CURL *bob = login("bob", "bob-secret-12");
    csrf = csrf_of(bob);
    form = t_asprintf("csrf=%s&action=approve&note=ok", csrf);
    r = req(bob, task_path, form, NULL, NULL);
    ck_assert_msg(r.code == 303, "%ld %.3000s", r.code, r.body);
    resp_free(&r);
    free(form);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM events WHERE what = 'approved' AND who = 'bob'"),
                     1);
    char *status = t_asprintf("/run/%s/status.json", id);
    int done = 0;
    for (int i = 0; i < 600 && !done; i++) {
        r = req(bob, status, NULL, NULL, NULL);
        done = strstr(r.body, "\"status\":\"done\"") && strstr(r.body, "\"busy\":false");
        resp_free(&r);
        if (!done) {
            usleep(100000);
        }
    }
    ck_assert_msg(done, "the approved run did not finish");
    ck_assert_msg(t_existsf("%s/out/sent.txt", t_dir), "send did not run");
    /* approving again: there is nothing left to approve */
    form = t_asprintf("csrf=%s&action=approve", csrf);
    r = req(bob, task_path, form, NULL, NULL);
    ck_assert_int_eq(r.code, 404);
    resp_free(&r);
    free(form);
    free(csrf);
    free(status);
    curl_easy_cleanup(alice);
    curl_easy_cleanup(bob);
    curl_easy_cleanup(carol);
    stop_server();
    free(task_path);
    free(id);
}
END_TEST

/* A rejection: recorded with the note (escaped on the page), the run
 * resumed at once ends failed at the step, the step after it never runs,
 * the trail verifies, and no later resume goes past it. */
START_TEST(reject_ends_the_run)
{
    if (!console_built("reject_ends_the_run")) {
        return;
    }
    free(t_write(t_dir, "send.lua",
                 "return { run = function() regie.write('sent.txt', 'sent\\n') end }\n"));
    free(t_write(t_dir, "decision.ini",
                 "[workflow]\nname = decision\n"
                 "[step.ok]\nwait = approval\nfour_eyes = alice\n"
                 "[step.send]\nscript = send.lua\nafter = ok\n"));
    const char *argv[] = { "run", "decision.ini", "--out", "out", "--db", "t.db", "-q", NULL };
    ck_assert_msg(t_run(argv) == 3, "%s", t_err);
    char *id = t_only_run("t.db");
    add_user("alice", "alice-secret-1", "--role approver:decision");
    start_server(NULL);
    char *task_path = t_asprintf("/task/%s/ok", id);
    /* the four-eyes person may reject (not approve) */
    CURL *alice = login("alice", "alice-secret-1");
    char *csrf = csrf_of(alice);
    char *form = t_asprintf("csrf=%s&action=reject&note=%%3Cb%%3Enot+yet%%3C%%2Fb%%3E", csrf);
    resp r = req(alice, task_path, form, NULL, NULL);
    ck_assert_msg(r.code == 303, "%ld %.3000s", r.code, r.body);
    resp_free(&r);
    free(form);
    ck_assert_int_eq(
        sql_int("SELECT count(*) FROM events WHERE what = 'rejected' AND who = 'alice'"), 1);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM waits WHERE rejected = 1 AND resolved_by = "
                             "'alice' AND note = '<b>not yet</b>'"),
                     1);
    char *status = t_asprintf("/run/%s/status.json", id);
    int failed = 0;
    for (int i = 0; i < 600 && !failed; i++) {
        r = req(alice, status, NULL, NULL, NULL);
        failed = strstr(r.body, "\"status\":\"failed\"") && strstr(r.body, "\"busy\":false");
        resp_free(&r);
        if (!failed) {
            usleep(100000);
        }
    }
    ck_assert_msg(failed, "the rejected run did not end failed");
    ck_assert_msg(!t_existsf("%s/out/sent.txt", t_dir), "send ran after a rejection");
    char *run_path = t_asprintf("/run/%s", id);
    r = req(alice, run_path, NULL, NULL, NULL);
    ck_assert_int_eq(r.code, 200);
    HAS(r.body, "&lt;b&gt;not yet&lt;/b&gt;"); /* the note, escaped */
    ck_assert_ptr_null(strstr(r.body, "<b>not yet</b>"));
    resp_free(&r);
    /* nothing left to approve or reject */
    form = t_asprintf("csrf=%s&action=reject", csrf);
    r = req(alice, task_path, form, NULL, NULL);
    ck_assert_int_eq(r.code, 404);
    resp_free(&r);
    free(form);
    stop_server();
    /* the CLI: the run stays failed at the step, and the trail verifies */
    const char *resume[] = { "resume", id, "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(resume), 1);
    T_CONTAINS(t_err, "rejected by alice: <b>not yet</b>");
    ck_assert_msg(!t_existsf("%s/out/sent.txt", t_dir), "send ran after a rejection");
    const char *verify[] = { "verify", id, "--db", "t.db", NULL };
    ck_assert_msg(t_run(verify) == 0, "%s", t_err);
    const char *show[] = { "show", id, "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(show), 0);
    T_CONTAINS(t_out, "(rejected) alice");
    free(run_path);
    free(status);
    free(csrf);
    curl_easy_cleanup(alice);
    free(task_path);
    free(id);
}
END_TEST


/* ---- a browser: headless Chromium driven over its DevTools pipe ---- */
/* --remote-debugging-pipe: commands go to the browser's fd 3, answers and
 * events come from its fd 4, each a JSON text ended by a NUL byte. */
typedef struct cdp {
    pid_t pid;
    int to, from;
    int next_id;
    int loads; /* Page.loadEventFired seen */
    char session[128];
    char *pending;
    size_t npending;
} cdp;

/* One message (caller frees), or NULL when the browser is gone. */
static char *cdp_read(cdp *b)
{
    for (;;) {
        char *nul = b->pending ? memchr(b->pending, '\0', b->npending) : NULL;
        if (nul) {
            size_t len = (size_t)(nul - b->pending);
            char *msg = strndup(b->pending, len);
            memmove(b->pending, nul + 1, b->npending - len - 1);
            b->npending -= len + 1;
            if (strstr(msg, "\"method\":\"Page.loadEventFired\"")) {
                b->loads++;
            }
            return msg;
        }
        char buf[65536];
        ssize_t n = read(b->from, buf, sizeof buf);
        if (n <= 0) {
            return NULL;
        }
        b->pending = realloc(b->pending, b->npending + (size_t)n);
        memcpy(b->pending + b->npending, buf, (size_t)n);
        b->npending += (size_t)n;
    }
}

/* Send a command (params: a JSON object's text) and return its answer
 * (caller frees); events read meanwhile are counted. */
static char *cdp_call(cdp *b, const char *method, const char *params)
{
    int id = ++b->next_id;
    char *msg = b->session[0]
                    ? t_asprintf("{\"id\":%d,\"sessionId\":\"%s\",\"method\":\"%s\",\"params\":%s}", id,
                                 b->session, method, params ? params : "{}")
                    : t_asprintf("{\"id\":%d,\"method\":\"%s\",\"params\":%s}", id, method,
                                 params ? params : "{}");
    size_t len = strlen(msg) + 1;
    ck_assert_int_eq(write(b->to, msg, len), (ssize_t)len);
    free(msg);
    char *want = t_asprintf("{\"id\":%d,", id);
    for (;;) {
        char *m = cdp_read(b);
        ck_assert_msg(m != NULL, "the browser went away during %s", method);
        if (!strncmp(m, want, strlen(want))) {
            free(want);
            ck_assert_msg(!strstr(m, "\"error\":{"), "%s: %.2000s", method, m);
            return m;
        }
        free(m);
    }
}

static void cdp_wait_load(cdp *b, int before)
{
    while (b->loads <= before) {
        char *m = cdp_read(b);
        ck_assert_msg(m != NULL, "the browser went away waiting for a page");
        free(m);
    }
}

static void cdp_open(cdp *b, const char *url)
{
    int before = b->loads;
    char *params = t_asprintf("{\"url\":\"%s\"}", url);
    free(cdp_call(b, "Page.navigate", params));
    free(params);
    cdp_wait_load(b, before);
}

/* The string a JavaScript expression gives (caller frees). */
static char *cdp_eval(cdp *b, const char *js)
{
    size_t n = strlen(js);
    char *q = malloc(2 * n + 1), *w = q;
    for (const char *p = js; *p; p++) {
        if (*p == '"' || *p == '\\') {
            *w++ = '\\';
        }
        *w++ = *p;
    }
    *w = '\0';
    char *params = t_asprintf("{\"expression\":\"%s\",\"returnByValue\":true}", q);
    char *m = cdp_call(b, "Runtime.evaluate", params);
    free(params);
    free(q);
    const char *v = strstr(m, "\"value\":\"");
    char *out = NULL;
    if (v) {
        v += 9;
        size_t len = 0;
        while (v[len] && !(v[len] == '"' && v[len - 1] != '\\')) {
            len++;
        }
        out = strndup(v, len);
    }
    free(m);
    return out ? out : strdup("");
}

static int b64(char c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26
           : c >= '0' && c <= '9' ? c - '0' + 52 : c == '+' ? 62 : c == '/' ? 63 : -1;
}

static size_t cdp_screenshot(cdp *b, const char *path)
{
    char *m = cdp_call(b, "Page.captureScreenshot",
                       "{\"format\":\"png\",\"captureBeyondViewport\":true}");
    const char *d = strstr(m, "\"data\":\"");
    ck_assert_ptr_nonnull(d);
    d += 8;
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    unsigned acc = 0;
    int bits = 0;
    size_t n = 0;
    for (; *d && *d != '"'; d++) {
        int v = b64(*d);
        if (v < 0) {
            continue;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            fputc((int)((acc >> bits) & 0xff), f);
            n++;
        }
    }
    fclose(f);
    free(m);
    return n;
}

static int cdp_start(cdp *b, const char *chrome, const char *profile)
{
    memset(b, 0, sizeof *b);
    int in[2], out[2];
    ck_assert_int_eq(pipe(in), 0);
    ck_assert_int_eq(pipe(out), 0);
    b->pid = fork();
    if (b->pid == 0) {
        /* its fd 3: commands (read), fd 4: answers (write) */
        int r = dup(in[0]), w = dup(out[1]);
        dup2(r, 3);
        dup2(w, 4);
        int dn = open("/dev/null", O_RDWR);
        dup2(dn, 0);
        dup2(dn, 1);
        dup2(dn, 2);
        char *dir = t_asprintf("--user-data-dir=%s", profile);
        execl(chrome, chrome, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
              "--no-first-run", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--remote-debugging-pipe", "--window-size=1200,900",
              "--lang=nl-NL", "--accept-lang=nl-NL,nl", dir,
              "about:blank", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    b->to = in[1];
    b->from = out[0];
    char *m = cdp_call(b, "Target.createTarget", "{\"url\":\"about:blank\"}");
    const char *t = strstr(m, "\"targetId\":\"");
    ck_assert_ptr_nonnull(t);
    char target[128];
    snprintf(target, sizeof target, "%.*s", (int)strcspn(t + 12, "\""), t + 12);
    free(m);
    char *params = t_asprintf("{\"targetId\":\"%s\",\"flatten\":true}", target);
    m = cdp_call(b, "Target.attachToTarget", params);
    free(params);
    const char *sid = strstr(m, "\"sessionId\":\"");
    ck_assert_ptr_nonnull(sid);
    snprintf(b->session, sizeof b->session, "%.*s", (int)strcspn(sid + 13, "\""), sid + 13);
    free(m);
    free(cdp_call(b, "Page.enable", NULL));
    return 0;
}

static void cdp_stop(cdp *b)
{
    b->session[0] = '\0';
    char *msg = t_asprintf("{\"id\":%d,\"method\":\"Browser.close\",\"params\":{}}", ++b->next_id);
    ssize_t wr = write(b->to, msg, strlen(msg) + 1);
    (void)wr;
    free(msg);
    close(b->to);
    close(b->from);
    int st;
    for (int i = 0; i < 100 && waitpid(b->pid, &st, WNOHANG) == 0; i++) {
        usleep(100000);
    }
    if (waitpid(b->pid, &st, WNOHANG) == 0) {
        kill(b->pid, SIGKILL);
        waitpid(b->pid, &st, 0);
    }
    free(b->pending);
}

/* A person in a real browser: signs in, finds the task in the inbox,
 * uploads interviews.csv, watches the run finish and opens its report.
 * Screenshots of the inbox and the run page go to tests/output/web/ of the
 * build tree. */
START_TEST(browser_uploads_and_watches)
{
    if (!console_built("browser_uploads_and_watches")) {
        return;
    }
    const char *chrome = access("/usr/bin/chromium", X_OK) == 0 ? "/usr/bin/chromium"
                         : access("/usr/bin/chromium-browser", X_OK) == 0 ? "/usr/bin/chromium-browser"
                                                                           : NULL;
    if (!chrome) {
        t_tool_missing("browser_uploads_and_watches", "chromium", "apt-get install chromium");
        return;
    }
    char *id = waiting_tender();
    add_user("alice", "alice-secret-1", "--role operator:*");
    start_server(NULL);
    char *shots = t_build("tests/output/web");
    char *mk = t_asprintf("mkdir -p '%s'", shots);
    ck_assert_int_eq(system(mk), 0);
    free(mk);
    char *profile = t_path("profile");
    cdp b;
    cdp_start(&b, chrome, profile);
    char *url = t_asprintf("%s/login", base_url);
    cdp_open(&b, url);
    free(url);
    char *title = cdp_eval(&b, "document.querySelector('h1').textContent");
    ck_assert_str_eq(title, "Aanmelden");
    free(title);
    int before = b.loads;
    free(cdp_eval(&b, "document.getElementById('user').value = 'alice';"
                      "document.getElementById('password').value = 'alice-secret-1';"
                      "document.querySelector('main form').submit(); 'sent'"));
    cdp_wait_load(&b, before);
    char *where = cdp_eval(&b, "location.pathname");
    ck_assert_str_eq(where, "/inbox");
    free(where);
    char *task = cdp_eval(&b, "document.querySelector('main table a[href^=\"/task/\"]').textContent");
    ck_assert_str_eq(task, "await_interviews");
    free(task);
    char *png = t_asprintf("%s/inbox.png", shots);
    ck_assert_uint_gt(cdp_screenshot(&b, png), 10000);
    free(png);
    /* to the task, as a person would: its link */
    before = b.loads;
    free(cdp_eval(&b, "document.querySelector('main table a[href^=\"/task/\"]').click(); 'ok'"));
    cdp_wait_load(&b, before);
    char *m = cdp_call(&b, "DOM.getDocument", NULL);
    const char *nid = strstr(m, "\"nodeId\":");
    ck_assert_ptr_nonnull(nid);
    int root = atoi(nid + 9);
    free(m);
    char *params = t_asprintf("{\"nodeId\":%d,\"selector\":\"#file\"}", root);
    m = cdp_call(&b, "DOM.querySelector", params);
    free(params);
    nid = strstr(m, "\"nodeId\":");
    ck_assert_ptr_nonnull(nid);
    int input = atoi(nid + 9);
    free(m);
    ck_assert_int_gt(input, 0);
    char *csv = t_path("interviews.csv");
    params = t_asprintf("{\"nodeId\":%d,\"files\":[\"%s\"]}", input, csv);
    free(cdp_call(&b, "DOM.setFileInputFiles", params));
    free(params);
    free(csv);
    before = b.loads;
    free(cdp_eval(&b, "document.querySelector('form[enctype] button').click(); 'ok'"));
    cdp_wait_load(&b, before);
    /* the run page, refreshing itself until the run is done */
    char *path = cdp_eval(&b, "location.pathname");
    char *want = t_asprintf("/run/%s", id);
    ck_assert_str_eq(path, want);
    free(path);
    int done = 0;
    for (int i = 0; i < 600 && !done; i++) {
        char *st = cdp_eval(&b, "document.getElementById('status').textContent");
        done = !strcmp(st, "klaar");
        free(st);
        if (!done) {
            before = b.loads;
            url = t_asprintf("%s%s", base_url, want);
            cdp_open(&b, url);
            free(url);
        }
    }
    ck_assert_msg(done, "the run page never said the run was done");
    png = t_asprintf("%s/run.png", shots);
    ck_assert_uint_gt(cdp_screenshot(&b, png), 20000);
    free(png);
    /* the report from the run's outputs: the final ranking */
    before = b.loads;
    free(cdp_eval(&b, "document.querySelector('a[href$=\"/file/report.html\"]').click(); 'ok'"));
    cdp_wait_load(&b, before);
    char *text = cdp_eval(&b, "document.body.innerText");
    HAS(text, "Rangschikking");
    HAS(text, "Bureau Beleid");
    free(text);
    png = t_asprintf("%s/report.png", shots);
    cdp_screenshot(&b, png);
    free(png);
    cdp_stop(&b);
    stop_server();
    free(want);
    free(profile);
    free(shots);
    free(id);
}
END_TEST

/* The outbox file of kind for run id (caller frees), waiting for the
 * console's notifier to write it; NULL if it never does. */
static char *await_eml(const char *kind, const char *id)
{
    char *outbox = t_path("t.db.console/outbox");
    char *found = NULL;
    for (int i = 0; i < 300 && !found; i++) {
        char *cmd = t_asprintf("ls '%s' 2>/dev/null | grep -- '-%s-%s.*[.]eml$'", outbox, kind, id);
        FILE *p = popen(cmd, "r");
        char name[512];
        if (p && fgets(name, sizeof name, p)) {
            name[strcspn(name, "\n")] = '\0';
            found = t_readf("%s/%s", outbox, name);
        }
        pclose(p);
        free(cmd);
        if (!found) {
            usleep(100000);
        }
    }
    free(outbox);
    return found;
}

/* A date wait whose date has passed, and a run that fails while the
 * console runs: each told once to the operators. */
START_TEST(notices_of_passed_dates_and_failures)
{
    if (!console_built("notices_of_passed_dates_and_failures")) {
        return;
    }
    free(t_write(t_dir, "later.ini",
                 "[workflow]\nname = later\n[step.until]\nwait = until:2020-06-01\n"));
    free(t_write(t_dir, "boom.lua", "return { run = function() error('the ledger is gone') end }\n"));
    free(t_write(t_dir, "boom.ini", "[workflow]\nname = boom\n[step.b]\nscript = boom.lua\n"));
    const char *later[] = { "run", "later.ini", "--today", "2020-01-01", "--out", "o1", "--db",
                            "t.db", "-q", NULL };
    ck_assert_msg(t_run(later) == 3, "%s", t_err);
    char *id = t_only_run("t.db");
    add_user("olga", "olga-secret-12", "--role operator:* --email olga@example.org");
    add_user("pim", "pim-secret-123", "--role operator:*"); /* no address: not told */
    setenv("REGIE_TODAY", "2021-01-01", 1);
    start_server(NULL);
    char *eml = await_eml("overdue", id);
    ck_assert_msg(eml != NULL, "no notice of the passed date");
    HAS(eml, "Subject: [regie] Termijn verstreken: later ");
    HAS(eml, "- termijn / due: 2020-06-01");
    HAS(eml, "To: olga <olga@example.org>");
    free(eml);
    const char *boom[] = { "run", "boom.ini", "--out", "o2", "--db", "t.db", "-q", NULL };
    ck_assert_int_eq(t_run(boom), 1);
    char *bid = NULL;
    {
        char *db = t_path("t.db");
        sqlite3 *h;
        sqlite3_open(db, &h);
        sqlite3_stmt *s;
        sqlite3_prepare_v2(h, "SELECT id FROM runs WHERE workflow = 'boom'", -1, &s, NULL);
        ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
        bid = strdup((const char *)sqlite3_column_text(s, 0));
        sqlite3_finalize(s);
        sqlite3_close(h);
        free(db);
    }
    eml = await_eml("failed", bid);
    ck_assert_msg(eml != NULL, "no notice of the failed run");
    HAS(eml, "Subject: [regie] Run mislukt: boom ");
    char *link = t_asprintf("%s/run/%s\r\n", base_url, bid);
    HAS(eml, link);
    free(link);
    free(eml);
    stop_server();
    unsetenv("REGIE_TODAY");
    ck_assert_int_eq(sql_int("SELECT count(*) FROM notices"), 2);
    free(bid);
    free(id);
}
END_TEST

/* Notifications sent by mail: the console's run of console-notify, with
 * REGIE_NOTIFY_SEND=yes, hands them to the mail-send plugin, which sends
 * them to an SMTP sink of the test's own; each person told once, also
 * when the console starts again; a person without an address and one who
 * turned them off are not told; the notification run is in the store. */
START_TEST(notices_sent_by_mail)
{
    if (!console_built("notices_sent_by_mail")) {
        return;
    }
    char *so = t_build("plugins/.libs/mail_send.so");
    int have_mail = access(so, R_OK) == 0;
    free(so);
    if (!have_mail) {
        t_tool_missing("notices_sent_by_mail",
                       "the mail-send plugin (not built: see the end of configure's output)",
                       "apt-get install libcurl4-openssl-dev, then configure again");
        return;
    }
    char *sd = t_path("sink");
    sink k;
    sink_start(&k, sd, (sink_opts){ 0 });
    char *url = t_asprintf("smtp://127.0.0.1:%d", k.port);
    setenv("REGIE_NOTIFY_SEND", "yes", 1);
    setenv("REGIE_NOTIFY_SMTP_URL", url, 1);
    setenv("REGIE_NOTIFY_TLS", "none", 1);
    setenv("REGIE_NOTIFY_FROM", "Inkoop <inkoop@gemeente.example.nl>", 1);
    char *id = waiting_tender();
    add_user("alice", "alice-secret-1", "--role operator:* --email alice@example.org");
    add_user("bram", "bram-secret-12", "--role operator:tender-evaluation --email bram@example.org");
    add_user("dave", "dave-secret-12", "--role operator:* --email dave@example.org");
    add_user("erin", "erin-secret-12", "--role approver:* --email erin@example.org");
    add_user("pim", "pim-secret-123", "--role operator:*");
    const char *off[] = { "user", "notify", "dave", "off", "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(off), 0);
    start_server(NULL);
    size_t n = 0;
    char **v = NULL;
    for (int i = 0; i < 300 && n < 2; i++) {
        if (v) {
            sink_messages_free(v, n);
        }
        v = sink_messages(&k, &n);
        if (n < 2) {
            usleep(100000);
        }
    }
    /* until the notification run has ended */
    for (int i = 0; i < 300 && sql_int("SELECT count(*) FROM runs WHERE workflow = "
                                       "'console-notify' AND status = 'done'") < 1;
         i++) {
        usleep(100000);
    }
    stop_server();
    ck_assert_msg(n == 2, "%zu messages at the sink, expected 2 (alice, bram)", n);
    int alice = 0, bram = 0;
    char *subject = t_asprintf("Subject: [regie] Taak voor u: tender-evaluation %s await_interviews\r\n", id);
    for (size_t i = 0; i < n; i++) {
        alice += strstr(v[i], "To: alice <alice@example.org>\r\n") != NULL;
        bram += strstr(v[i], "To: bram <bram@example.org>\r\n") != NULL;
        HAS(v[i], "From: Inkoop <inkoop@gemeente.example.nl>\r\n");
        HAS(v[i], subject);
        HAS(v[i], "- nodig / needed: input interviews - the interview results");
    }
    free(subject);
    ck_assert_int_eq(alice, 1);
    ck_assert_int_eq(bram, 1);
    sink_messages_free(v, n);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM runs WHERE workflow = 'console-notify' AND "
                             "status = 'done'"),
                     1);
    /* sent, so recorded in the notification step's journal */
    ck_assert_int_ge(sql_int("SELECT count(*) FROM journal j JOIN runs r ON r.id = j.run_id "
                             "WHERE r.workflow = 'console-notify'"),
                     2);

    /* started again: nothing told twice */
    start_server(NULL);
    usleep(2500000);
    stop_server();
    v = sink_messages(&k, &n);
    ck_assert_int_eq(n, 2);
    sink_messages_free(v, n);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM runs WHERE workflow = 'console-notify'"), 1);
    sink_stop(&k);
    unsetenv("REGIE_NOTIFY_SEND");
    unsetenv("REGIE_NOTIFY_SMTP_URL");
    unsetenv("REGIE_NOTIFY_TLS");
    unsetenv("REGIE_NOTIFY_FROM");
    free(url);
    free(sd);
    free(id);
}
END_TEST

/* Sessions in the store: only the SHA-256 of a token is kept; a restarted
 * console keeps its people signed in; roles changed with `regie user
 * roles` count at the next request; `user passwd` and `user del` end the
 * person's sessions; a session ended by sign-out stays ended. */
START_TEST(sessions_in_the_store)
{
    if (!console_built("sessions_in_the_store")) {
        return;
    }
    char *id = waiting_tender();
    add_user("vera", "vera-secret-12", "--role viewer:*");
    add_user("otto", "otto-secret-12", "--role operator:*");
    add_user("gijs", "gijs-secret-12", "--role viewer:*");
    start_server(NULL);
    char *run_path = t_asprintf("/run/%s", id);
    CURL *vera = login("vera", "vera-secret-12");
    CURL *otto = login("otto", "otto-secret-12");
    CURL *gijs = login("gijs", "gijs-secret-12");
    ck_assert_int_eq(get_code(vera, run_path), 200);
    /* the store has the hash of the token, not the token */
    char *line = cookie_line(vera, "regie_session");
    ck_assert_ptr_nonnull(line);
    const char *token = strrchr(line, '\t') + 1;
    ck_assert_int_eq(strlen(token), 64);
    char *q = t_asprintf("SELECT count(*) FROM sessions WHERE token_sha256 = '%s'", token);
    ck_assert_int_eq(sql_int(q), 0);
    free(q);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM sessions WHERE user = 'vera'"), 1);
    free(line);

    /* restarted: still signed in */
    stop_server();
    start_server(NULL);
    ck_assert_int_eq(get_code(vera, run_path), 200);
    ck_assert_int_eq(get_code(otto, "/start/tender-evaluation"), 200);

    /* roles taken away: at once */
    const char *roles[] = { "user", "roles", "otto", "--role", "viewer:*", "--db", "t.db", NULL };
    ck_assert_msg(t_run(roles) == 0, "%s", t_err);
    ck_assert_int_eq(get_code(otto, "/start/tender-evaluation"), 403);
    ck_assert_int_eq(get_code(otto, run_path), 200);

    /* a new password ends the sessions of the old one */
    char *bin = t_build("regie");
    char *cmd = t_asprintf("cd '%s' && printf 'vera-other-12\\n' | '%s' user passwd vera --db t.db "
                           ">/dev/null",
                           t_dir, bin);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    free(bin);
    ck_assert_int_eq(get_code(vera, run_path), 401);
    CURL *vera2 = login("vera", "vera-other-12");
    ck_assert_int_eq(get_code(vera2, run_path), 200);

    /* deleted: signed out */
    const char *del[] = { "user", "del", "gijs", "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(del), 0);
    ck_assert_int_eq(get_code(gijs, run_path), 401);
    ck_assert_int_eq(sql_int("SELECT count(*) FROM sessions WHERE user = 'gijs'"), 0);

    /* signed out, then restarted: still out */
    char *csrf = csrf_of(vera2);
    char *form = t_asprintf("csrf=%s", csrf);
    resp r = req(vera2, "/logout", form, NULL, NULL);
    ck_assert_int_eq(r.code, 303);
    resp_free(&r);
    stop_server();
    start_server(NULL);
    ck_assert_int_eq(get_code(vera2, run_path), 401);
    ck_assert_int_eq(get_code(otto, run_path), 200);
    stop_server();
    free(form);
    free(csrf);
    curl_easy_cleanup(vera);
    curl_easy_cleanup(vera2);
    curl_easy_cleanup(otto);
    curl_easy_cleanup(gijs);
    free(run_path);
    free(id);
}
END_TEST

/* Native TLS (--tls-cert/--tls-key): HTTPS, and the session cookie is
 * Secure. */
START_TEST(tls_with_a_secure_cookie)
{
    if (!console_built("tls_with_a_secure_cookie")) {
        return;
    }
    char *cmd = t_asprintf("cd '%s' && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem "
                           "-out cert.pem -days 2 -subj /CN=localhost >/dev/null 2>&1",
                           t_dir);
    if (system(cmd) != 0) {
        free(cmd);
        t_tool_missing("tls_with_a_secure_cookie", "openssl", "apt-get install openssl");
        return;
    }
    free(cmd);
    add_user("alice", "alice-secret-1", "--role viewer:*");
    start_server_tls(NULL, "cert.pem", "key.pem");
    CURL *c = client();
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    resp r = login_post(c, "user=alice&password=alice-secret-1");
    ck_assert_int_eq(r.code, 303);
    resp_free(&r);
char *cookie = cookie_line(c, "regie_session");
    ck_assert_ptr_nonnull(cookie);
    /* the fourth field of curl's cookie line: TRUE when Secure */
    HAS(cookie, "\t/\tTRUE\t");
    HAS(cookie, "#HttpOnly_");
    free(cookie);
    r = req(c, "/inbox", NULL, NULL, NULL);
    ck_assert_int_eq(r.code, 200);
    HAS(r.body, "Er wacht niets op u.");
    resp_free(&r);
    curl_easy_cleanup(c);
    stop_server();
}
END_TEST

/* regie user: list, passwd, del, and refusals (no password, a short one,
 * a bad role). */
START_TEST(user_command)
{
    add_user("dora", "dora-secret-1", "--role viewer:*");
    const char *list[] = { "user", "list", "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(list), 0);
    HAS(t_out, "dora");
    HAS(t_out, "viewer:*");
    ck_assert_msg(!strstr(t_out, "dora-secret-1") && !strstr(t_out, "argon"), "%s", t_out);
    char *hash = NULL;
    {
        char *db = t_path("t.db");
        sqlite3 *h;
        sqlite3_open(db, &h);
        sqlite3_stmt *s;
        sqlite3_prepare_v2(h, "SELECT hash FROM users WHERE name = 'dora'", -1, &s, NULL);
        ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
        hash = strdup((const char *)sqlite3_column_text(s, 0));
        sqlite3_finalize(s);
        sqlite3_close(h);
        free(db);
    }
    ck_assert_msg(!strncmp(hash, "$argon2id$", 10), "%s", hash);
    free(hash);
    /* stdin is /dev/null under t_run: no password, nothing added */
    const char *add[] = { "user", "add", "erik", "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(add), 2);
    HAS(t_err, "no password read");
    const char *badrole[] = { "user", "add", "erik", "--role", "boss:*", "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(badrole), 64);
    HAS(t_err, "ROLE:WORKFLOW");
    char *bin = t_build("regie");
    char *cmd = t_asprintf("cd '%s' && printf 'short\\n' | '%s' user add erik --db t.db 2>&1 | "
                           "grep -q '8 to 1024'", t_dir, bin);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    cmd = t_asprintf("cd '%s' && printf 'x\\n' | '%s' user add dora --db t.db 2>/dev/null; "
                     "printf 'another-secret\\n' | '%s' user add dora --db t.db 2>&1 | grep -q "
                     "'exists already'", t_dir, bin, bin);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    cmd = t_asprintf("cd '%s' && printf 'another-secret\\n' | '%s' user passwd dora --db t.db >/dev/null",
                     t_dir, bin);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    free(bin);
    /* e-mail addresses: what the mail plugin takes, or refused */
    const char *bad_mail[][6] = {
        { "user", "email", "dora", "dora@localhost", "--db", "t.db" },
        { "user", "email", "dora", "dora@example..org", "--db", "t.db" },
        { "user", "email", "dora", "Dora <dora@example.org>", "--db", "t.db" },
        { "user", "email", "dora", "dora@a@example.org", "--db", "t.db" },
    };
    for (size_t i = 0; i < sizeof bad_mail / sizeof *bad_mail; i++) {
        const char *argv[7];
        memcpy(argv, bad_mail[i], sizeof bad_mail[i]);
        argv[6] = NULL;
        ck_assert_msg(t_run(argv) == 2, "%s accepted", bad_mail[i][3]);
        HAS(t_err, "expected NAME@DOMAIN.TLD");
    }
    const char *good_mail[] = { "user", "email", "dora", "dora.de-vries@gemeente.example.nl",
                                "--db", "t.db", NULL };
    ck_assert_msg(t_run(good_mail) == 0, "%s", t_err);
    const char *del[] = { "user", "del", "dora", "--db", "t.db", NULL };
    ck_assert_int_eq(t_run(del), 0);
    ck_assert_int_eq(t_run(del), 2);
    HAS(t_err, "no user \"dora\"");
}
END_TEST
#endif

Suite *suite_web(void);
Suite *suite_web(void)
{
    Suite *s = suite_create("web");
    TCase *tc = tcase_create("console");
#ifdef REGIE_TEST_CURL
    tcase_add_checked_fixture(tc, web_setup, web_teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, pages_and_refusals);
    tcase_add_test(tc, uploads_bad_big_then_good);
    tcase_add_test(tc, four_eyes_with_signed_in_people);
    tcase_add_test(tc, reject_ends_the_run);
    tcase_add_test(tc, user_command);
    tcase_add_test(tc, notices_of_passed_dates_and_failures);
    tcase_add_test(tc, notices_sent_by_mail);
    tcase_add_test(tc, sessions_in_the_store);
    tcase_add_test(tc, browser_uploads_and_watches);
    tcase_add_test(tc, tls_with_a_secure_cookie);
#endif
    suite_add_tcase(s, tc);
    return s;
}
