/* Letters by e-mail (the mail-send plugin, issue 25): the workflow of
 * tests/e2e/mail on the real binary, against an SMTP sink this file starts
 * itself (a forked child on 127.0.0.1, an ephemeral port) that keeps each
 * message it accepted as a file.  The outbox read back by Python's email
 * module; exactly one message per recipient; a failed transaction tried
 * again; a recipient the server refuses named in the error; credentials
 * readable by others refused; the password nowhere in the log, the store or
 * the audit trail; and regie killed with SIGKILL in the middle of the mail
 * step, then resumed: every recipient still has exactly one message. */
#define _GNU_SOURCE
#include "regie-mock.h"
#include "smtp_sink.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NRECIPIENTS 6
static const char *const recipients[NRECIPIENTS] = {
    "anna@example.org", "bert@example.org", "carol@example.org",
    "dirk@example.org", "eva@example.org",  "jordis@example.org",
};

/* The value of header NAME of a message (up to its line end), or "". */
static char *header(const char *msg, const char *name)
{
    char *key = t_asprintf("\n%s: ", name);
    const char *p = strstr(msg, key);
    if (!p && strncmp(msg, key + 1, strlen(key) - 1) == 0) {
        p = msg - 1;
    }
    char *v = NULL;
    if (p) {
        p += strlen(key);
        size_t n = strcspn(p, "\r\n");
        v = strndup(p, n);
    }
    free(key);
    return v ? v : strdup("");
}

/* Every recipient has exactly one message, and no Message-ID is there twice. */
static void exactly_one_each(const sink *s)
{
    size_t n;
    char **v = sink_messages(s, &n);
    char *ids[256];
    for (size_t i = 0; i < n; i++) {
        ids[i] = header(v[i], "Message-ID");
        ck_assert_msg(ids[i][0] == '<', "message %zu has no Message-ID", i + 1);
        for (size_t k = 0; k < i; k++) {
            ck_assert_msg(strcmp(ids[i], ids[k]) != 0, "Message-ID %s twice at the sink", ids[i]);
        }
    }
    for (int r = 0; r < NRECIPIENTS; r++) {
        int count = 0;
        for (size_t i = 0; i < n; i++) {
            char *to = header(v[i], "To");
            count += strstr(to, recipients[r]) != NULL;
            free(to);
        }
        ck_assert_msg(count == 1, "%s got %d messages at the sink", recipients[r], count);
    }
    ck_assert_int_eq(n, NRECIPIENTS);
    for (size_t i = 0; i < n; i++) {
        free(ids[i]);
    }
    sink_messages_free(v, n);
}

/* ---- the workflow ---- */
static int built(const char *test)
{
    char *so = t_build("plugins/.libs/mail_send.so");
    int ok = access(so, R_OK) == 0;
    free(so);
    if (!ok) {
        t_tool_missing(test, "the mail-send plugin (not built: see the end of configure's output)",
                       "apt-get install libcurl4-openssl-dev, then configure again");
    }
    return ok;
}

static void setup_mail(void)
{
    t_dir_setup_copy("tests/e2e/mail");
    unsetenv("MAIL_TEST_SEND");
    unsetenv("MAIL_TEST_URL");
    unsetenv("MAIL_TEST_ISOLATE");
    unsetenv("MAIL_TEST_CREDENTIALS");
    unsetenv("MAIL_TEST_ATTEMPTS");
    unsetenv("MAIL_TEST_TLS");
    unsetenv("REGIE_SMTP_USER");
    unsetenv("REGIE_SMTP_PASSWORD");
}

static void send_to(const sink *s)
{
    char *url = t_asprintf("smtp://127.0.0.1:%d", s->port);
    setenv("MAIL_TEST_SEND", "yes", 1);
    setenv("MAIL_TEST_URL", url, 1);
    free(url);
}

static int run_mail(void)
{
    const char *argv[] = { "run", "in/mail.ini", "--out", "out", NULL };
    return t_run(argv);
}

START_TEST(outbox_messages_parse)
{
    if (!built("outbox_messages_parse")) {
        return;
    }
    setup_mail();
    int rc = run_mail();
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_err, "6 messages written to outbox/ (send = no: nothing sent)");
    if (system("python3 -c 'import email' >/dev/null 2>&1") != 0) {
        t_tool_missing("outbox_messages_parse", "python3", "apt-get install python3");
        t_dir_teardown();
        return;
    }
    char *py = t_write(t_dir, "check.py",
                       "import email, email.policy, glob, sys\n"
                       "files = sorted(glob.glob(sys.argv[1] + '/*.eml'))\n"
                       "print('files', len(files))\n"
                       "for f in files:\n"
                       "    m = email.message_from_bytes(open(f, 'rb').read(), policy=email.policy.default)\n"
                       "    assert m.defects == [], (f, m.defects)\n"
                       "    kinds = [p.get_content_type() for p in m.walk()]\n"
                       "    assert kinds[:4] == ['multipart/mixed', 'multipart/alternative', 'text/plain', 'text/html'], kinds\n"
                       "    att = [p for p in m.iter_attachments()]\n"
                       "    assert len(att) == 1 and att[0].get_content_type() == 'text/calendar', kinds\n"
                       "    assert att[0].get_param('method') == 'REQUEST'\n"
                       "    assert 'BEGIN:VCALENDAR' in att[0].get_content()\n"
                       "    text = m.get_body(('plain',)).get_content()\n"
                       "    html = m.get_body(('html',)).get_content()\n"
                       "    assert '**themadag** in het caf\\u00e9' in text, text\n"
                       "    assert '\\n.Een regel die met een punt begint.' in text, text\n"
                       "    assert '<b>themadag</b> in het caf\\u00e9.<br>' in html, html\n"
                       "    assert '<li>ontvangst 9:30</li>' in html and '<th class=\"r\">tijd</th>' in html\n"
                       "    assert str(m['Subject']) == 'Uitnodiging themadag \\u2013 caf\\u00e9', m['Subject']\n"
                       "    assert m['Message-ID'].endswith('.regie@example.org>'), m['Message-ID']\n"
                       "    assert m['Date'].datetime is not None\n"
                       "    print(m['To'].addresses[0].display_name, '|', m['To'].addresses[0].addr_spec,\n"
                       "          '|', ','.join(a.addr_spec for a in m['Cc'].addresses) if m['Cc'] else '')\n");
    char *cmd = t_asprintf("python3 '%s' '%s/out/outbox' 2>&1", py, t_dir);
    FILE *p = popen(cmd, "r");
    char out[8192];
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    int st = pclose(p);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", out);
    ck_assert_str_eq(out, "files 6\n"
                          "Anna de Boer | anna@example.org | \n"
                          "Bert Jansen | bert@example.org | secretariaat@example.org\n"
                          "Carol Smit | carol@example.org | \n"
                          "Dirk van Dijk | dirk@example.org | \n"
                          "Eva \xc3\x96zdemir | eva@example.org | \n"
                          "J\xc3\xb6rdis de Vries | jordis@example.org | \n");
    /* the same run again: the same Message-IDs (made from the step's journal seed) differ
     * from another run's */
    char *first = t_readf("%s/out/outbox/anna@example.org-r1.eml", t_dir);
    char *id1 = header(first, "Message-ID");
    const char *argv[] = { "run", "in/mail.ini", "--out", "out2", NULL };
    ck_assert_int_eq(t_run(argv), 0);
    char *second = t_readf("%s/out2/outbox/anna@example.org-r1.eml", t_dir);
    char *id2 = header(second, "Message-ID");
    ck_assert_str_ne(id1, id2);
    free(id1);
    free(id2);
    free(first);
    free(second);
    free(cmd);
    free(py);
    t_dir_teardown();
}
END_TEST

START_TEST(send_exactly_one_each)
{
    if (!built("send_exactly_one_each")) {
        return;
    }
    setup_mail();
    char *sd = t_path("sink");
    sink s;
    sink_start(&s, sd, (sink_opts){ 0 });
    send_to(&s);
    int rc = run_mail();
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_err, "6 messages sent, 0 sent before");
    exactly_one_each(&s);
    /* the envelope has the Cc too */
    size_t n;
    char **v = sink_messages(&s, &n);
    int cc = 0;
    for (size_t i = 0; i < n; i++) {
        char *r = header(v[i], "X-Sink-Rcpt");
        cc += strstr(r, "<secretariaat@example.org>") != NULL;
        free(r);
    }
    ck_assert_int_eq(cc, 1);
    sink_messages_free(v, n);
    sink_stop(&s);
    free(sd);
    t_dir_teardown();
}
END_TEST

START_TEST(retry_then_success)
{
    if (!built("retry_then_success")) {
        return;
    }
    setup_mail();
    char *sd = t_path("sink");
    sink s;
    sink_start(&s, sd, (sink_opts){ .fail_first = 2 });
    send_to(&s);
    int rc = run_mail();
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_err, "anna@example.org: attempt 1 failed: SMTP 451");
    T_CONTAINS(t_err, "anna@example.org: attempt 2 failed: SMTP 451");
    exactly_one_each(&s);
    sink_stop(&s);
    free(sd);
    t_dir_teardown();
}
END_TEST

START_TEST(retry_then_failure_names_recipient)
{
    if (!built("retry_then_failure_names_recipient")) {
        return;
    }
    setup_mail();
    char *sd = t_path("sink");
    sink s;
    sink_start(&s, sd, (sink_opts){ .fail_rcpt = "carol@example.org" });
    send_to(&s);
    setenv("MAIL_TEST_ATTEMPTS", "2", 1);
    int rc = run_mail();
    ck_assert_int_eq(rc, 1);
    T_CONTAINS(t_err, "recipient carol@example.org (recipients:3): not sent after 2 attempts: SMTP 550");
    size_t n;
    char **v = sink_messages(&s, &n);
    ck_assert_int_eq(n, 2); /* anna and bert, before carol */
    sink_messages_free(v, n);
    sink_stop(&s);
    free(sd);
    t_dir_teardown();
}
END_TEST

START_TEST(credentials_readable_by_others_refused)
{
    if (!built("credentials_readable_by_others_refused")) {
        return;
    }
    setup_mail();
    char *sd = t_path("sink");
    sink s;
    sink_start(&s, sd, (sink_opts){ .auth = 1 });
    send_to(&s);
    char *cred = t_write(t_dir, "smtp.cred", "user=events\npassword=Geheim-4711\n");
    chmod(cred, 0644);
    setenv("MAIL_TEST_CREDENTIALS", cred, 1);
    int rc = run_mail();
    ck_assert_int_eq(rc, 1);
    char *want = t_asprintf("credentials %s: mode 0644 lets others read it: refused", cred);
    T_CONTAINS(t_err, want);
    size_t n;
    char **v = sink_messages(&s, &n);
    ck_assert_int_eq(n, 0);
    sink_messages_free(v, n);
    /* 0600: accepted, and the login reaches the server */
    chmod(cred, 0600);
    const char *argv[] = { "run", "in/mail.ini", "--out", "out2", NULL };
    rc = t_run(argv);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    char *auth = t_readf("%s/auth.txt", sd);
    ck_assert_ptr_nonnull(auth);
    ck_assert_str_eq(auth, "\nevents\nGeheim-4711");
    free(auth);
    exactly_one_each(&s);
    unsetenv("MAIL_TEST_CREDENTIALS");
    free(want);
    free(cred);
    sink_stop(&s);
    free(sd);
    t_dir_teardown();
}
END_TEST

/* Whether the bytes of the file at path hold needle. */
static int file_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return 0;
    }
    size_t cap = 1 << 20, len = 0, n;
    char *b = malloc(cap);
    while ((n = fread(b + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            cap *= 2;
            b = realloc(b, cap);
        }
    }
    fclose(f);
    int has = memmem(b, len, needle, strlen(needle)) != NULL;
    free(b);
    return has;
}

START_TEST(password_never_in_log_store_or_audit)
{
    if (!built("password_never_in_log_store_or_audit")) {
        return;
    }
    setup_mail();
    char *sd = t_path("sink");
    sink s;
    sink_start(&s, sd, (sink_opts){ .auth = 1, .fail_first = 1 });
    send_to(&s);
    const char *pw = "Pw-Zeer-Geheim-8842";
    setenv("REGIE_SMTP_USER", "events", 1);
    setenv("REGIE_SMTP_PASSWORD", pw, 1);
    setenv("REGIE_DEBUG", "1", 1);
    int rc = run_mail();
    unsetenv("REGIE_DEBUG");
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    char *auth = t_readf("%s/auth.txt", sd);
    ck_assert_ptr_nonnull(auth);
    T_CONTAINS(auth, pw); /* it was used */
    free(auth);
    ck_assert_msg(!strstr(t_out, pw) && !strstr(t_err, pw), "the password in the output");
    char *id = t_only_run("test-runs.db");
    const char *logv[] = { "log", id, NULL };
    ck_assert_int_eq(t_run(logv), 0);
    T_CONTAINS(t_out, "step_finished");
    ck_assert_msg(!strstr(t_out, pw) && !strstr(t_err, pw), "the password in the audit log");
    const char *showv[] = { "show", id, NULL };
    ck_assert_int_eq(t_run(showv), 0);
    ck_assert_msg(!strstr(t_out, pw), "the password in regie show");
    const char *files[] = { "test-runs.db", "test-runs.db-wal", "out/run-summary.txt", NULL };
    for (int i = 0; files[i]; i++) {
        char *p = t_path(files[i]);
        ck_assert_msg(!file_has(p, pw), "the password in %s", files[i]);
        free(p);
    }
    /* the store has the journal of the step (a seed and one record a message) */
    char *db = t_path("test-runs.db");
    sqlite3 *h;
    ck_assert_int_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    ck_assert_int_eq(sqlite3_prepare_v2(h,
                                        "SELECT count(*), sum(key LIKE 'sent <%%'), "
                                        "sum(value LIKE '%%events%%') FROM journal WHERE run_id = ? "
                                        "AND step = 'mail'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(st, 0), NRECIPIENTS + 1);
    ck_assert_int_eq(sqlite3_column_int(st, 1), NRECIPIENTS);
    ck_assert_int_eq(sqlite3_column_int(st, 2), 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    /* journal records are not in the bundle or the audit: verify still holds */
    const char *verv[] = { "verify", id, NULL };
    rc = t_run(verv);
    ck_assert_msg(rc == 0, "verify: %d %s %s", rc, t_out, t_err);
    unsetenv("REGIE_SMTP_USER");
    unsetenv("REGIE_SMTP_PASSWORD");
    free(db);
    free(id);
    sink_stop(&s);
    free(sd);
    t_dir_teardown();
}
END_TEST

/* STARTTLS (the default) with a server that does not offer it: nothing is
 * sent; plain text to another machine without insecure = yes: refused
 * before anything is read. */
START_TEST(tls_required_unless_told_otherwise)
{
    if (!built("tls_required_unless_told_otherwise")) {
        return;
    }
    setup_mail();
    char *sd = t_path("sink");
    sink s;
    sink_start(&s, sd, (sink_opts){ 0 });
    send_to(&s);
    setenv("MAIL_TEST_TLS", "starttls", 1);
    setenv("MAIL_TEST_ATTEMPTS", "1", 1);
    int rc = run_mail();
    ck_assert_int_eq(rc, 1);
    T_CONTAINS(t_err, "recipient anna@example.org (recipients:1): not sent after 1 attempt: ");
    T_CONTAINS(t_err, "STARTTLS");
    size_t n;
    char **v = sink_messages(&s, &n);
    ck_assert_int_eq(n, 0);
    sink_messages_free(v, n);
    setenv("MAIL_TEST_TLS", "none", 1);
    setenv("MAIL_TEST_URL", "smtp://mail.example.org:587", 1);
    rc = run_mail();
    ck_assert_int_eq(rc, 1);
    T_CONTAINS(t_err, "tls = none to smtp://mail.example.org:587 sends the password and the "
                      "letters readable on the way: refused (set insecure = yes to do so anyway)");
    unsetenv("MAIL_TEST_TLS");
    unsetenv("MAIL_TEST_ATTEMPTS");
    sink_stop(&s);
    free(sd);
    t_dir_teardown();
}
END_TEST

/* Without a store the journal lives for the process: one message each. */
START_TEST(send_without_store)
{
    if (!built("send_without_store")) {
        return;
    }
    setup_mail();
    char *sd = t_path("sink");
    sink s;
    sink_start(&s, sd, (sink_opts){ .fail_first = 1 });
    send_to(&s);
    const char *argv[] = { "run", "in/mail.ini", "--out", "out", "--no-store", NULL };
    int rc = t_run(argv);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    T_CONTAINS(t_err, "6 messages sent, 0 sent before");
    exactly_one_each(&s);
    ck_assert(!t_existsf("%s/test-runs.db", t_dir));
    sink_stop(&s);
    free(sd);
    t_dir_teardown();
}
END_TEST

/* The event workflow's optional mail step (--set mail_letters=yes): each
 * letter once at the sink, from the organizer, with the invitation of a
 * confirmed participant attached. */
START_TEST(event_workflow_letters_by_mail)
{
    if (!built("event_workflow_letters_by_mail")) {
        return;
    }
    setup_mail();
    t_dir_teardown();
    t_dir_setup_copy("examples/event/onderwijsdag");
    char *sd = t_path("sink");
    sink s;
    sink_start(&s, sd, (sink_opts){ 0 });
    char *url = t_asprintf("smtp://127.0.0.1:%d", s.port);
    setenv("REGIE_MAIL_SEND", "yes", 1);
    setenv("REGIE_SMTP_URL", url, 1);
    setenv("REGIE_SMTP_TLS", "none", 1);
    char *wf = t_src("etc/workflows/event-organisation.ini");
    const char *argv[] = { "run", wf, "--set", "event=in/event.ini", "--set",
                           "registrations=in/registrations.csv", "--set", "mail_letters=yes",
                           "--set", "pdf_letters=no", "--today", "2024-06-01", "--out", "out",
                           NULL };
    int rc = t_run(argv);
    unsetenv("REGIE_MAIL_SEND");
    unsetenv("REGIE_SMTP_URL");
    unsetenv("REGIE_SMTP_TLS");
    ck_assert_msg(rc == 0, "exit %d: %s", rc, t_err);
    /* as many messages as letters, each letter once */
    char *letters = t_asprintf("ls %s/out/letters/*.md | wc -l", t_dir);
    FILE *p = popen(letters, "r");
    int nletters = 0;
    ck_assert_int_eq(fscanf(p, "%d", &nletters), 1);
    pclose(p);
    ck_assert_int_gt(nletters, 0);
    char *want = t_asprintf("%d messages sent, 0 sent before", nletters);
    T_CONTAINS(t_err, want);
    size_t n;
    char **v = sink_messages(&s, &n);
    ck_assert_int_eq(n, (size_t)nletters);
    int with_ics = 0;
    for (size_t i = 0; i < n; i++) {
        char *from = header(v[i], "From");
        T_CONTAINS(from, "@example.org>");
        free(from);
        with_ics += strstr(v[i], "Content-Type: text/calendar; charset=UTF-8; method=REQUEST") != NULL;
    }
    ck_assert_int_gt(with_ics, 0);
    sink_messages_free(v, n);
    free(want);
    free(letters);
    free(wf);
    free(url);
    sink_stop(&s);
    free(sd);
    t_dir_teardown();
}
END_TEST

static pid_t spawn_regie(const char *cwd, const char *const *argv)
{
    char *bin = t_build("regie");
    pid_t pid = fork();
    if (pid == 0) {
        if (chdir(cwd) != 0) {
            _exit(127);
        }
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        dup2(fd, 2);
        setenv("REGIE_DB", "test-runs.db", 1);
        size_t n = 0;
        while (argv[n]) {
            n++;
        }
        char **av = calloc(n + 2, sizeof *av);
        av[0] = bin;
        for (size_t i = 0; i < n; i++) {
            av[i + 1] = (char *)argv[i];
        }
        execv(bin, av);
        _exit(127);
    }
    free(bin);
    return pid;
}

/* regie killed with SIGKILL while the server holds the 4th message, then
 * `regie resume`: every recipient has exactly one message at the sink.  In
 * the engine's process and with isolate = process. */
START_TEST(kill_mid_step_then_resume_sends_each_once)
{
    if (!built("kill_mid_step_then_resume_sends_each_once")) {
        return;
    }
    static const char *const modes[] = { "none", "process" };
    for (int m = 0; m < 2; m++) {
        setup_mail();
        setenv("MAIL_TEST_ISOLATE", modes[m], 1);
        char *sd = t_path("sink");
        sink s;
        sink_start(&s, sd, (sink_opts){ .slow_after = 3 });
        send_to(&s);
        const char *argv[] = { "run", "in/mail.ini", "--out", "out", NULL };
        pid_t pid = spawn_regie(t_dir, argv);
        char *holding = t_asprintf("%s/holding", sd);
        int st = 0, gone = 0;
        /* wait for the sink to hold the 4th message (or for regie to end,
         * which fails the test below) */
        while (access(holding, F_OK) != 0) {
            if (waitpid(pid, &st, WNOHANG) == pid) {
                gone = 1;
                break;
            }
            struct timespec ts = { 0, 5000000 };
            nanosleep(&ts, NULL);
        }
        ck_assert_msg(!gone, "%s: regie ended (status %d) before the sink held a message",
                      modes[m], st);
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        size_t n;
        char **v = sink_messages(&s, &n);
        ck_assert_int_eq(n, 3);
        sink_messages_free(v, n);
        char *id = t_only_run("test-runs.db");
        ck_assert_ptr_nonnull(id);
        const char *rv[] = { "resume", id, NULL };
        int rc = t_run(rv);
        ck_assert_msg(rc == 0, "%s: resume exit %d: %s", modes[m], rc, t_err);
        T_CONTAINS(t_err, "3 messages sent, 3 sent before");
        exactly_one_each(&s);
        /* and once more: nothing is sent again */
        rc = t_run(rv);
        size_t n2;
        char **v2 = sink_messages(&s, &n2);
        ck_assert_int_eq(n2, NRECIPIENTS);
        sink_messages_free(v2, n2);
        free(id);
        free(holding);
        sink_stop(&s);
        free(sd);
        unsetenv("MAIL_TEST_ISOLATE");
        t_dir_teardown();
    }
}
END_TEST

/* The plugin alone on the mock host: a bad address is a data error naming
 * the row; a second run on the same context (its journal kept) sends
 * nothing again; the journal as the mock host shows it. */
START_TEST(mock_host_journal_and_bad_address)
{
    char *so = t_build("plugins/.libs/mail_send.so");
    void *dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    free(so);
    if (!dl) {
        t_tool_missing("mock_host_journal_and_bad_address", "the mail-send plugin",
                       "apt-get install libcurl4-openssl-dev, then configure again");
        return;
    }
    const regie_plugin *pl = dlsym(dl, REGIE_PLUGIN_SYMBOL);
    ck_assert_ptr_nonnull(pl);
    char *dir = t_tmpdir();
    char *sd = t_asprintf("%s/sink", dir);
    sink s;
    sink_start(&s, sd, (sink_opts){ 0 });
    char *url = t_asprintf("smtp://127.0.0.1:%d", s.port);
    const regie_host *h = regie_mock_host();
    static const char *const cols[] = { "to", "subject" };
    for (int bad = 1; bad >= 0; bad--) {
        const char *kv[] = { "recipients", "r", "from", "events@example.org", "send", "yes",
                             "smtp_url", url, "tls", "none", "backoff", "0", NULL };
        regie_ctx *ctx = regie_mock_ctx_new(pl, "mail", kv, dir);
        regie_table *t = h->table_new(ctx, 2, cols);
        const char *rows[][2] = { { "anna@example.org", "Hallo" },
                                  { bad ? "bert@@example" : "bert@example.org", "Hallo" } };
        for (int r = 0; r < 2; r++) {
            regie_value row[2];
            for (int c = 0; c < 2; c++) {
                row[c].type = REGIE_STR;
                row[c].u.s.ptr = rows[r][c];
                row[c].u.s.len = strlen(rows[r][c]);
            }
            ck_assert_int_eq(h->table_append(t, row), 0);
        }
        ck_assert_int_eq(regie_mock_give_table(ctx, "r", t), 0);
        int rc = regie_mock_run(pl, ctx);
        if (bad) {
            ck_assert_int_ne(rc, 0);
            ck_assert_int_eq(regie_mock_data_errors(ctx), 1);
            T_CONTAINS(regie_mock_data_error(ctx, 0),
                       "r:2: column to: found \"bert@@example\", expected an e-mail address");
            ck_assert_int_eq(regie_mock_journal(ctx), 0);
        } else {
            ck_assert_msg(rc == 0, "%s", regie_mock_error(ctx));
            ck_assert_int_eq(regie_mock_journal(ctx), 3);
            ck_assert_str_eq(regie_mock_journal_key(ctx, 0), "message-id-seed");
            ck_assert(strncmp(regie_mock_journal_key(ctx, 1), "sent <", 6) == 0);
            T_CONTAINS(regie_mock_journal_value(ctx, 2), " bert@example.org");
            /* run again, as a resumed step would: nothing more at the sink */
            rc = regie_mock_run(pl, ctx);
            ck_assert_msg(rc == 0, "%s", regie_mock_error(ctx));
            ck_assert_int_eq(regie_mock_journal(ctx), 3);
        }
        regie_mock_ctx_free(ctx);
    }
    size_t n;
    char **v = sink_messages(&s, &n);
    ck_assert_int_eq(n, 2);
    sink_messages_free(v, n);
    sink_stop(&s);
    free(url);
    free(sd);
    t_rmtree(dir);
    free(dir);
}
END_TEST

Suite *suite_mail(void);
Suite *suite_mail(void)
{
    Suite *s = suite_create("mail");
    TCase *tc = tcase_create("e2e");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, outbox_messages_parse);
    tcase_add_test(tc, send_exactly_one_each);
    tcase_add_test(tc, retry_then_success);
    tcase_add_test(tc, retry_then_failure_names_recipient);
    tcase_add_test(tc, credentials_readable_by_others_refused);
    tcase_add_test(tc, password_never_in_log_store_or_audit);
    tcase_add_test(tc, kill_mid_step_then_resume_sends_each_once);
    tcase_add_test(tc, mock_host_journal_and_bad_address);
    tcase_add_test(tc, tls_required_unless_told_otherwise);
    tcase_add_test(tc, send_without_store);
    tcase_add_test(tc, event_workflow_letters_by_mail);
    suite_add_tcase(s, tc);
    return s;
}
