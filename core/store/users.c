/* users.c - the people who sign in to the web console (`regie serve`):
 * names, Argon2id password hashes (libsodium crypto_pwhash_str) and roles
 * per workflow ("operator:tender-evaluation approver:*").  A password is
 * never stored, logged or compared in clear. */
#define _GNU_SOURCE
#include "store_db.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int sodium_ready(rg_store *store, rg_errors *errs)
{
    if (sodium_init() < 0) {
        rg_err_add(errs, NULL, 0, "%s: libsodium cannot be initialised", store->path);
        return -1;
    }
    return 0;
}

int rg_user_name_valid(const char *name)
{
    if (!name || !*name || strlen(name) > 64) {
        return 0;
    }
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '@')) {
            return 0;
        }
    }
    return 1;
}

/* "ROLE:WORKFLOW" with ROLE viewer, operator or approver and WORKFLOW a
 * name (letters, digits, - _ .) or *. */
int rg_user_role_valid(const char *role)
{
    const char *colon = role ? strchr(role, ':') : NULL;
    if (!colon) {
        return 0;
    }
    size_t n = (size_t)(colon - role);
    if (!((n == 6 && !strncmp(role, "viewer", 6)) || (n == 8 && !strncmp(role, "operator", 8)) ||
          (n == 8 && !strncmp(role, "approver", 8)))) {
        return 0;
    }
    const char *wf = colon + 1;
    if (!strcmp(wf, "*")) {
        return 1;
    }
    if (!*wf || strlen(wf) > 128) {
        return 0;
    }
    for (const char *p = wf; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-')) {
            return 0;
        }
    }
    return 1;
}

int rg_user_may(const char *roles, const char *role, const char *workflow)
{
    if (!roles || !role) {
        return 0;
    }
    char *copy = rg_xstrdup(roles);
    int ok = 0;
    char *save = NULL;
    for (char *r = strtok_r(copy, " \n", &save); r && !ok; r = strtok_r(NULL, " \n", &save)) {
        char *colon = strchr(r, ':');
        if (!colon) {
            continue;
        }
        *colon = '\0';
        const char *wf = colon + 1;
        int wf_ok = !strcmp(wf, "*") || (workflow && !strcmp(wf, workflow)) || !workflow;
        /* every role may look; looking at "any workflow" needs a role in one */
        int role_ok = !strcmp(r, role) || !strcmp(role, "viewer");
        ok = wf_ok && role_ok;
    }
    free(copy);
    return ok;
}

static char *hash_password(rg_store *store, const char *password, rg_errors *errs)
{
    if (sodium_ready(store, errs) != 0) {
        return NULL;
    }
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        rg_err_add(errs, NULL, 0, "%s: hashing the password failed (out of memory?)",
                   store->path);
        return NULL;
    }
    return rg_xstrdup(out);
}

static int password_ok(rg_store *store, const char *password, rg_errors *errs)
{
    size_t n = password ? strlen(password) : 0;
    if (n < 8 || n > 1024) {
        rg_err_add(errs, NULL, 0, "%s: a password needs 8 to 1024 characters (found %zu)",
                   store->path, n);
        return -1;
    }
    return 0;
}

int rg_store_user_add(rg_store *store, const char *name, const char *password, const char *roles,
                      rg_errors *errs)
{
    if (!rg_user_name_valid(name)) {
        rg_err_add(errs, NULL, 0,
                   "%s: user name \"%s\": expected 1 to 64 letters, digits, . _ - or @",
                   store->path, nz(name));
        return -1;
    }
    if (password_ok(store, password, errs) != 0) {
        return -1;
    }
    char *hash = hash_password(store, password, errs);
    if (!hash) {
        return -1;
    }
    char t[32];
    rg_now_iso(t);
    LOCK(store);
    int rc = rg_db_begin(store, errs);
    if (rc == 0) {
        sqlite3_stmt *s = rg_db_prep(store, errs, "SELECT 1 FROM users WHERE name = ?", "s", name);
        int r = s ? rg_db_step(store, errs, s) : -1;
        rg_db_done(store, s);
        if (r == 1) {
            rg_err_add(errs, NULL, 0, "%s: user %s exists already (regie user passwd %s changes "
                                      "the password)",
                       store->path, name, name);
            rc = -1;
        } else if (r < 0) {
            rc = -1;
        } else {
            rc = rg_db_exec(store, errs,
                            "INSERT INTO users (name, hash, roles, notify, created, changed) "
                            "VALUES (?, ?, ?, 1, ?, ?)",
                            "sssss", name, hash, nz(roles), t, t);
        }
        rc = rg_db_end(store, rc, errs);
    }
    UNLOCK(store);
    sodium_memzero(hash, strlen(hash));
    free(hash);
    return rc;
}

/* UPDATE users ... WHERE name = ?: 0, or -1 naming an unknown user. */
/* sql (value, now, name) on an existing user; end_sessions: that user's
 * sessions end in the same transaction. */
static int update_user(rg_store *store, const char *name, const char *sql, const char *value,
                       int end_sessions, rg_errors *errs)
{
    char t[32];
    rg_now_iso(t);
    LOCK(store);
    int rc = rg_db_begin(store, errs);
    if (rc == 0) {
        rc = rg_db_exec(store, errs, sql, "sss", value, t, nz(name));
        if (rc == 0 && sqlite3_changes(store->db) == 0) {
            rg_err_add(errs, NULL, 0, "%s: no user \"%s\" (regie user list)", store->path, nz(name));
            rc = -1;
        }
        if (rc == 0 && end_sessions) {
            rc = rg_db_exec(store, errs, "DELETE FROM sessions WHERE user = ?", "s", nz(name));
        }
        rc = rg_db_end(store, rc, errs);
    }
    UNLOCK(store);
    return rc;
}

int rg_store_user_passwd(rg_store *store, const char *name, const char *password, rg_errors *errs)
{
    if (password_ok(store, password, errs) != 0) {
        return -1;
    }
    char *hash = hash_password(store, password, errs);
    if (!hash) {
        return -1;
    }
    /* signed in with the old password: signed out */
    int rc = update_user(store, name, "UPDATE users SET hash = ?, changed = ? WHERE name = ?", hash,
                         1, errs);
    free(hash);
    return rc;
}

int rg_store_user_set_roles(rg_store *store, const char *name, const char *roles, rg_errors *errs)
{
    return update_user(store, name, "UPDATE users SET roles = ?, changed = ? WHERE name = ?",
                       nz(roles), 0, errs);
}

int rg_store_user_set_notify(rg_store *store, const char *name, int on, rg_errors *errs)
{
    return update_user(store, name, "UPDATE users SET notify = ?, changed = ? WHERE name = ?",
                       on ? "1" : "0", 0, errs);
}

/* An address the mail-send plugin takes: LOCAL@DOMAIN, one @, the domain
 * with a dot inside it, no blank, quote, bracket or separator. */
static int plausible_email(const char *e)
{
    const char *at = strchr(e, '@');
    if (strlen(e) > 254 || !at || at == e || strchr(at + 1, '@') ||
        strpbrk(e, " \t\r\n<>\"',;()[]\\")) {
        return 0;
    }
    const char *dom = at + 1, *dot = strchr(dom, '.');
    size_t n = strlen(dom);
    return dot && dot != dom && dom[n - 1] != '.' && !strstr(dom, "..") && e[0] != '.' &&
           at[-1] != '.';
}

int rg_store_user_set_email(rg_store *store, const char *name, const char *email, rg_errors *errs)
{
    if (email && *email && !plausible_email(email)) {
        rg_err_add(errs, NULL, 0, "%s: e-mail address \"%s\": expected NAME@DOMAIN.TLD", store->path,
                   email);
        return -1;
    }
    return update_user(store, name,
                       "UPDATE users SET email = nullif(?, ''), changed = ? WHERE name = ?",
                       nz(email), 0, errs);
}

int rg_store_notice_once(rg_store *store, const char *kind, const char *run_id, const char *step,
                         rg_errors *errs)
{
    char t[32];
    rg_now_iso(t);
    LOCK(store);
    int rc = rg_db_begin(store, errs);
    int added = 0;
    if (rc == 0) {
        rc = rg_db_exec(store, errs,
                        "INSERT OR IGNORE INTO notices (kind, run_id, step, sent) VALUES (?, ?, "
                        "?, ?)",
                        "ssss", nz(kind), nz(run_id), nz(step), t);
        added = rc == 0 && sqlite3_changes(store->db) > 0;
        rc = rg_db_end(store, rc, errs);
    }
    UNLOCK(store);
    return rc != 0 ? -1 : added;
}

int rg_store_user_del(rg_store *store, const char *name, rg_errors *errs)
{
    LOCK(store);
    int rc = rg_db_begin(store, errs);
    if (rc == 0) {
        rc = rg_db_exec(store, errs, "DELETE FROM users WHERE name = ?", "s", nz(name));
        if (rc == 0 && sqlite3_changes(store->db) == 0) {
            rg_err_add(errs, NULL, 0, "%s: no user \"%s\" (regie user list)", store->path, nz(name));
            rc = -1;
        }
        if (rc == 0) {
            rc = rg_db_exec(store, errs, "DELETE FROM sessions WHERE user = ?", "s", nz(name));
        }
        rc = rg_db_end(store, rc, errs);
    }
    UNLOCK(store);
    return rc;
}

int rg_store_user_get(rg_store *store, const char *name, char **roles, int *notify,
                      char **email, rg_errors *errs)
{
    if (roles) {
        *roles = NULL;
    }
    if (email) {
        *email = NULL;
    }
    LOCK(store);
    sqlite3_stmt *s = rg_db_prep(store, errs, "SELECT roles, notify, email FROM users WHERE name = ?",
                                 "s", nz(name));
    int r = s ? rg_db_step(store, errs, s) : -1;
    if (r == 1) {
        if (roles) {
            *roles = rg_db_col_dup(s, 0);
        }
        if (notify) {
            *notify = sqlite3_column_int(s, 1);
        }
        if (email && sqlite3_column_type(s, 2) != SQLITE_NULL) {
            *email = rg_db_col_dup(s, 2);
        }
    }
    rg_db_done(store, s);
    UNLOCK(store);
    return r;
}

/* A fixed hash to verify against when the user does not exist, so that
 * the time taken does not tell which names exist. */
static char dummy_hash[crypto_pwhash_STRBYTES];

int rg_store_user_check(rg_store *store, const char *name, const char *password, char **roles,
                        rg_errors *errs)
{
    *roles = NULL;
    if (sodium_ready(store, errs) != 0) {
        return -1;
    }
    LOCK(store);
    char *hash = NULL;
    sqlite3_stmt *s =
        rg_db_prep(store, errs, "SELECT hash, roles FROM users WHERE name = ?", "s", nz(name));
    int r = s ? rg_db_step(store, errs, s) : -1;
    if (r == 1) {
        hash = rg_db_col_dup(s, 0);
        *roles = rg_db_col_dup(s, 1);
    }
    rg_db_done(store, s);
    if (r == 0 && !dummy_hash[0] &&
        crypto_pwhash_str_alg(dummy_hash, "regie", 5, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        dummy_hash[0] = '\0';
    }
    UNLOCK(store);
    if (r < 0) {
        return -1;
    }
    const char *pw = password ? password : "";
    int ok = (hash || dummy_hash[0]) &&
             crypto_pwhash_str_verify(hash ? hash : dummy_hash, pw, strlen(pw)) == 0 && hash;
    free(hash);
    if (!ok) {
        free(*roles);
        *roles = NULL;
    }
    return ok;
}

int rg_store_user_list(rg_store *store, FILE *out, rg_errors *errs)
{
    LOCK(store);
    sqlite3_stmt *s = rg_db_prep(store, errs,
                                 "SELECT name, roles, notify, changed, email FROM users ORDER BY "
                                 "name",
                                 "");
    int n = 0, r = 0;
    if (s) {
        fprintf(out, "%-20s %-8s %-20s %-28s %s\n", "USER", "NOTIFY", "CHANGED", "E-MAIL", "ROLES");
    }
    while (s && (r = rg_db_step(store, errs, s)) == 1) {
        char *roles = rg_one_line(rg_db_col_str(s, 1));
        const char *email = rg_db_col_str(s, 4);
        fprintf(out, "%-20s %-8s %-20s %-28s %s\n", rg_db_col_str(s, 0),
                sqlite3_column_int(s, 2) ? "yes" : "no", rg_db_col_str(s, 3),
                email && *email ? email : "-", roles);
        free(roles);
        n++;
    }
    if (!s || r < 0) {
        n = -1;
    }
    rg_db_done(store, s);
    UNLOCK(store);
    return n;
}

/* ---- the web console's sessions ---- */
int rg_store_session_put(rg_store *store, const char *token_sha256, const char *user,
                         const char *csrf, int64_t expires, rg_errors *errs)
{
    LOCK(store);
    int rc = rg_db_begin(store, errs);
    if (rc == 0) {
        rc = rg_db_exec(store, errs, "DELETE FROM sessions WHERE expires <= ?", "i",
                        (int64_t)time(NULL));
    }
    if (rc == 0) {
        rc = rg_db_exec(store, errs,
                        "INSERT OR REPLACE INTO sessions (token_sha256, user, csrf, expires) "
                        "VALUES (?, ?, ?, ?)",
                        "sssi", nz(token_sha256), nz(user), nz(csrf), expires);
    }
    rc = rg_db_end(store, rc, errs);
    UNLOCK(store);
    return rc;
}

int rg_store_session_find(rg_store *store, const char *token_sha256, int64_t now, char **user,
                          char **csrf, char **roles, rg_errors *errs)
{
    *user = *csrf = *roles = NULL;
    LOCK(store);
    sqlite3_stmt *s = rg_db_prep(store, errs,
                                 "SELECT s.user, s.csrf, u.roles FROM sessions s JOIN users u ON "
                                 "u.name = s.user WHERE s.token_sha256 = ? AND s.expires > ?",
                                 "si", nz(token_sha256), now);
    int r = s ? rg_db_step(store, errs, s) : -1;
    if (r == 1) {
        *user = rg_db_col_dup(s, 0);
        *csrf = rg_db_col_dup(s, 1);
        *roles = rg_db_col_dup(s, 2);
    }
    rg_db_done(store, s);
    UNLOCK(store);
    return r;
}

int rg_store_session_end(rg_store *store, const char *token_sha256, rg_errors *errs)
{
    LOCK(store);
    int rc = rg_db_exec(store, errs, "DELETE FROM sessions WHERE token_sha256 = ?", "s",
                        nz(token_sha256));
    UNLOCK(store);
    return rc;
}
