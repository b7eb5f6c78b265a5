/*
 * store.h - the durable run store: an SQLite file recording every run, its
 * definition, inputs, steps and outputs (with SHA-256 hashes), locks, human
 * tasks (waits) and an append-only, hash-chained audit log per run.
 *
 * Conventions
 *  - Every function that can fail takes an rg_errors and adds ONE message
 *    naming the store file ("STORE: ...").  Functions return 0 on success
 *    and -1 on failure unless documented otherwise.
 *  - Every write is one transaction (BEGIN IMMEDIATE ... COMMIT): it is
 *    recorded completely or not at all.  A full disk or an I/O error rolls
 *    the transaction back; the message starts "disk full or I/O error
 *    writing STORE:" and nothing committed before is lost.
 *  - A handle may be shared by the threads of one process (a mutex
 *    serialises calls).  Several processes may use one file at once (WAL,
 *    5 s busy timeout).  A forked child must open its own handle.
 *  - Times are UTC ISO 8601 text ("2026-11-23T09:12:34Z").
 *  - Lifecycle calls write their own audit entries (listed per function), in
 *    the same transaction as the data they record; do not log them again.
 */
#ifndef REGIE_STORE_H
#define REGIE_STORE_H

#include "util.h"

#include <stdint.h>
#include <stdio.h>

/* A copy of s with newlines and tabs as blanks (caller frees). */
char *rg_one_line(const char *s);

/* PRAGMA application_id of a regie run store ("RGST"). */
#define RG_STORE_APPLICATION_ID 0x52475354
/* The newest schema this build knows (PRAGMA user_version). */
#define RG_STORE_SCHEMA_VERSION 9

/* Results of rg_store_verify and rg_bundle_verify. */
#define RG_VERIFY_OK 0
#define RG_VERIFY_ERROR (-1)  /* could not check (errs says why) */
#define RG_VERIFY_BROKEN (-2) /* checked: tampered or damaged (printed to out) */

typedef struct rg_store rg_store;

/* ---- opening ------------------------------------------------------------- */
/* Open or create the store at path (parent directories created).  Applies
 * pending schema migrations in one transaction.  Refuses, naming the path:
 * a file that is not SQLite ("corrupt or not an SQLite file"), an SQLite file
 * of another application ("not a regie run store (application_id ...)"), a
 * store with a newer schema than this build knows.  A store that SQLite's
 * quick_check finds damaged is opened, but every write to it is refused
 * with how to recover it (doc/store.md). */
rg_store *rg_store_open(const char *path, rg_errors *errs);
/* Open an existing store only to read it (`runs`, `show`, `log`, `verify`,
 * `export`): nothing is written, no migration, no change of journal mode,
 * so a read-only file, folder or mount can be read.  With no -wal file
 * beside it and no way to make the -shm file, the file is read as it is
 * (SQLite's immutable=1); a -wal file that cannot be opened is refused,
 * naming it.  An older schema is upgraded in a copy in memory, never in
 * the file.  A path that does not exist is opened as by rg_store_open.
 * Every write through the handle is refused. */
rg_store *rg_store_open_read(const char *path, rg_errors *errs);
void rg_store_close(rg_store *store);
/* full != 0: every commit reaches the disk before it returns (survives a
 * power cut).  Default (normal): commits survive a killed process, and the
 * store is never corrupted; a power cut may lose the last ones. */
int rg_store_set_sync(rg_store *store, int full, rg_errors *errs);
const char *rg_store_path(const rg_store *store);
/* Who is recorded in audit entries the store writes itself.  Default: the
 * login name of the process's user. */
void rg_store_set_actor(rg_store *store, const char *who);
const char *rg_store_actor(const rg_store *store);
/* One transaction around several of the calls below (e.g. a run and
 * everything that defines it): they commit together at rg_store_txn_end
 * with ok == 0, or not at all.  The handle is this thread's meanwhile.
 * 0, or -1 (errs); rg_store_txn_end returns 0 only if committed. */
int rg_store_txn_begin(rg_store *store, rg_errors *errs);
int rg_store_txn_end(rg_store *store, int ok, rg_errors *errs);
/* The underlying connection (sqlite3 *), for tests and diagnostics. */
void *rg_store_handle(rg_store *store);

/* ---- runs ------------------------------------------------------------------ */
/* Record a new run with status "running" and take its lock for this
 * process.  *run_id receives a new id such as "20261123-091234-ab12" (UTC
 * start time + 4 random hex digits; caller frees).  outdir is the run's
 * output directory: outputs are recorded relative to it.  user NULL: the
 * actor.  Audit: run_started. */
int rg_store_run_begin(rg_store *store, const char *workflow, const char *workflow_path,
                       const char *definition_hash, const char *params_text, const char *user,
                       const char *outdir, char **run_id, rg_errors *errs);
/* A file that defines the workflow (INI, include, script, plugin .so).
 * Audit: definition_file. */
int rg_store_add_definition_file(rg_store *store, const char *run_id, const char *path,
                                 const char *sha256, rg_errors *errs);
/* Something else that defines it but is not a file to copy, e.g.
 * "plugin csv_write 1.2" with sha256 of its .so (or NULL).  Audit:
 * definition_item. */
int rg_store_add_definition_item(rg_store *store, const char *run_id, const char *what,
                                 const char *sha256, rg_errors *errs);
/* Files that define the run found after it started (a Lua module a step
 * requires inside run()): recorded with the definition hash recomputed
 * over the whole definition, in one transaction.  why says what loaded
 * them.  A path the definition already lists is left as it is.  Audit:
 * definition_file for each one added, then definition_hash (nothing when
 * none was). */
int rg_store_add_definition_later(rg_store *store, const char *run_id, char *const *paths,
                                  char *const *sha256s, size_t n, const char *why,
                                  rg_errors *errs);
/* The definition hash: SHA-256 over the entries sorted by name (bytewise),
 * each its name, a NUL byte and its SHA-256 in hex (doc/store.md). */
void rg_definition_hash(char *const *names, char *const *shas, size_t n, char hex[65]);
/* An input file of the run.  Audit: input. */
int rg_store_add_input(rg_store *store, const char *run_id, const char *name, const char *path,
                       int64_t size, const char *sha256, rg_errors *errs);
/* The same, for an input taken from output from_output of the earlier run
 * from_run (from_previous_run; NULL: given); the audit entry names them. */
int rg_store_add_input_from(rg_store *store, const char *run_id, const char *name,
                            const char *path, int64_t size, const char *sha256,
                            const char *from_run, const char *from_output, rg_errors *errs);
/* The output relpath of the latest run of workflow that ended done, or
 * waits (the step that wrote it is complete), and recorded it: 1 with its run id and path (caller frees) and the recorded
 * SHA-256; 0 when there is none; -1 (errs). */
int rg_store_previous_output(rg_store *store, const char *workflow, const char *relpath,
                             char **run_id, char **path, char sha256[65], rg_errors *errs);
/* The content of input `name`'s file at path, whose SHA-256 (hashed before)
 * is sha256, kept in the store once per SHA-256 (contents.c), best inside
 * the transaction that records the input.  -1 if the file cannot be read
 * or now has another content (it changed since it was hashed).  A file
 * larger than SQLite keeps in one value (1 GB) is left out: 0. */
int rg_store_keep_input(rg_store *store, const char *name, const char *path, const char *sha256,
                        rg_errors *errs);
/* Attempt `attempt` (1-based) of a step begins: status "running"; outputs
 * recorded for the step before are forgotten.  Audit: step_started. */
int rg_store_step_start(rg_store *store, const char *run_id, const char *step, int attempt,
                        rg_errors *errs);

typedef struct rg_store_output {
    const char *relpath; /* relative to the run's outdir */
    const char *sha256;
} rg_store_output;

/* A step ends with `status` (the names of rg_status_name: "done",
 * "failed", "skipped", "upstream", "waiting").  started/ended are wall-clock
 * UNIX times in seconds (0: unknown).  The status, the error text and the
 * outputs are committed in ONE transaction with the audit entry
 * step_finished (whose hashes list the outputs): all or nothing. */
int rg_store_step_finish(rg_store *store, const char *run_id, const char *step, const char *status,
                         int attempts, double started, double ended, const char *error_text,
                         const rg_store_output *outputs, size_t noutputs, rg_errors *errs);
/* A step ends done, recording with its outputs the SHA-256 of what it read
 * (reads_sha, may be NULL: unknown), so that a resume can tell whether it
 * must run again.  Otherwise as rg_store_step_finish. */
int rg_store_step_done(rg_store *store, const char *run_id, const char *step, int attempts,
                       double started, double ended, const char *reads_sha,
                       const rg_store_output *outputs, size_t noutputs, rg_errors *errs);
/* The SHA-256 of what the step read when it last finished done: 0 and
 * *reads_sha (caller frees; NULL when not recorded), or -1. */
int rg_store_step_reads(rg_store *store, const char *run_id, const char *step, char **reads_sha,
                        rg_errors *errs);
/* An outdated step (see rg_store_give_inputs) found to read what it read
 * before: "done" again with its recorded outputs.  Audit: step_reused. */
int rg_store_step_reused(rg_store *store, const char *run_id, const char *step, rg_errors *errs);

/* An input file given when a run is resumed. */
typedef struct rg_store_input {
    const char *name, *path, *sha256;
    int64_t size;
} rg_store_input;
/* Inputs given on resume and their consequences, in ONE transaction before
 * any step acts on them: params_text ("name=value\n" lines) is appended to
 * the run's settings, each input file is recorded (audit input_given, by
 * who), and the steps named in `outdated` that are done become "outdated"
 * (audit steps_outdated): a resume runs them again unless what they read
 * is unchanged.  A crash after this point resumes with the new inputs. */
int rg_store_give_inputs(rg_store *store, const char *run_id, const char *who,
                         const char *params_text, const rg_store_input *inputs, size_t ninputs,
                         char *const *outdated, size_t noutdated, rg_errors *errs);
/* The run ends ("done", "failed", "invalid", "waiting", "cancelled"); this
 * process's lock on it is released.  Audit: run_finished. */
int rg_store_run_finish(rg_store *store, const char *run_id, const char *status, rg_errors *errs);
/* A run is continued (after rg_store_lock_run succeeded): status
 * "running" again.  Audit: run_resumed with `detail` (may be NULL). */
int rg_store_run_resume(rg_store *store, const char *run_id, const char *detail, rg_errors *errs);

/* What the store knows of a run (strings owned, free with _clear). */
typedef struct rg_store_run {
    char *id, *workflow, *workflow_path, *definition_hash, *params, *user, *outdir, *status,
        *started, *ended; /* ended: NULL while running */
    int64_t log_entries;
    int jobs; /* parallel jobs it was started with; 0 not recorded */
} rg_store_run;
/* 0, or -1 with `no run "X" in STORE`. */
int rg_store_run_get(rg_store *store, const char *run_id, rg_store_run *out, rg_errors *errs);
void rg_store_run_clear(rg_store_run *r);
/* The most recent run of a workflow: 0 and *run_id (caller frees), 1 if there
 * is none, -1 on error. */
int rg_store_last_run(rg_store *store, const char *workflow, char **run_id, rg_errors *errs);

/* The recorded state of a step, for resume: 0 and *status (caller frees) and
 * *attempts (either may be NULL); 1 if the step was never recorded in this
 * run; -1 on error (unknown run included). */
int rg_store_step_status(rg_store *store, const char *run_id, const char *step, char **status,
                         int *attempts, rg_errors *errs);
/* The outputs recorded for a step (arrays of owned strings); free with
 * rg_store_outputs_free. */
int rg_store_step_outputs(rg_store *store, const char *run_id, const char *step, char ***relpaths,
                          char ***sha256s, size_t *n, rg_errors *errs);
void rg_store_outputs_free(char **relpaths, char **sha256s, size_t n);
/* The step journal (journal.c): record VALUE under KEY for a step of a
 * run, replacing an earlier value; committed when it returns.  No audit
 * entry. */
int rg_store_journal_put(rg_store *store, const char *run_id, const char *step, const char *key,
                         const char *value, rg_errors *errs);
/* The value recorded under KEY (*value malloc'd): 1 found, 0 none, -1
 * error. */
int rg_store_journal_get(rg_store *store, const char *run_id, const char *step, const char *key,
                         char **value, rg_errors *errs);
/* Record the number of parallel jobs the run was started with (resume
 * uses it again unless told otherwise). */
int rg_store_run_set_jobs(rg_store *store, const char *run_id, int jobs, rg_errors *errs);
/* Listings (runs, show, log, the waits) for people: times in the local zone
 * (TZ) and headers in the user's language (gettext domain "regie").  Off:
 * UTC and English, as stored. */
void rg_store_for_people(rg_store *store, int on);
/* Record the run's case (the workflow's `case =`: a tender reference, an
 * event title), shown beside its id by `regie runs` and `show`. */
int rg_store_run_set_case(rg_store *store, const char *run_id, const char *run_case,
                          rg_errors *errs);
/* What defined the run when it started: paths (or "plugin NAME VERSION")
 * and their SHA-256, sorted by path.  Free with rg_store_outputs_free. */
int rg_store_definition(rg_store *store, const char *run_id, char ***paths, char ***sha256s,
                        size_t *n, rg_errors *errs);

/* ---- locks ------------------------------------------------------------- */
/* Take the run's lock for this process (pid, host, boot, process start
 * time and the time are recorded).  Already held by this process: 0.  Held
 * by a process that no longer exists on this host (or a pid since reused,
 * or from before a reboot): taken over, audit lock_taken_over.  Otherwise
 * -1, errs names the holder and *holder (if non-NULL) receives "pid N on
 * host H since T" (caller frees). */
int rg_store_lock_run(rg_store *store, const char *run_id, char **holder, rg_errors *errs);
/* Release this process's lock (no-op if not held by it). */
int rg_store_unlock_run(rg_store *store, const char *run_id, rg_errors *errs);

/* ---- reports ------------------------------------------------------------- */
/* A table of runs (run, workflow, status, started, ended, user), oldest
 * first; filters may be NULL.  Returns the number of runs listed or -1. */
int rg_store_list_runs(rg_store *store, const char *workflow_filter, const char *status_filter,
                       FILE *out, rg_errors *errs);
/* Everything recorded for a run: definition, inputs and outputs with their
 * hashes, steps with status/attempts/times/error, waits, lock, log head. */
int rg_store_show_run(rg_store *store, const char *run_id, FILE *out, rg_errors *errs);

/* ---- audit log ------------------------------------------------------------ */
/* Append an entry: seq (1, 2, ...), time, who (NULL: the actor), what (one
 * word, e.g. "note"), detail and hashes_text (lines "SHA256  NAME"; may be
 * NULL).  hash = SHA-256(prev_hash || canonical entry), where entry 1 chains
 * from a genesis value derived from the run id.  The events table refuses
 * UPDATE and DELETE at the SQL level. */
int rg_store_log_event(rg_store *store, const char *run_id, const char *who, const char *what,
                       const char *detail, const char *hashes_text, rg_errors *errs);
/* The hash of the run's latest log entry (hex, caller frees) in *head, NULL
 * when the run has no entry yet.  0, or -1 with errs. */
int rg_store_log_head(rg_store *store, const char *run_id, char **head, rg_errors *errs);
/* Recompute the run's chain; print "... chain intact" or the FIRST broken
 * place (an edited entry, a missing entry, entries out of order, a
 * truncated end) to out.  RG_VERIFY_OK, RG_VERIFY_BROKEN or
 * RG_VERIFY_ERROR (errs). */
int rg_store_verify(rg_store *store, const char *run_id, FILE *out, rg_errors *errs);
/* The log as a table (seq, time, who, what, detail, hash prefix). */
int rg_store_print_log(rg_store *store, const char *run_id, FILE *out, rg_errors *errs);

/* ---- evidence bundle ------------------------------------------------------ */
/* Write DIR (must not exist or be empty): manifest.txt ("SHA256  PATH" per
 * file, `sha256sum -c` format), bundle.txt (run id, log entries, head hash),
 * run.txt (rg_store_show_run), log.jsonl (one entry per line with its
 * hashes), definition/ (copies of the definition files by absolute path),
 * inputs/NAME/FILE and outputs/RELPATH.  outdir NULL: the one recorded at
 * rg_store_run_begin.  Every file is checked against its recorded hash
 * first; if any is missing or changed, nothing is written and each is
 * named in errs. */
int rg_store_export(rg_store *store, const char *run_id, const char *outdir, const char *dir,
                    rg_errors *errs);
/* Check a bundle without any store: every file against manifest.txt
 * (changed, missing, unlisted files named), the log chain of log.jsonl (the
 * first broken line named), its head against bundle.txt, and that every
 * copied definition file, input and output has its hash in the log.  All
 * problems go to out.  RG_VERIFY_OK, RG_VERIFY_BROKEN or RG_VERIFY_ERROR. */
int rg_bundle_verify(const char *dir, FILE *out, rg_errors *errs);

/* ---- human tasks (waits) --------------------------------------------------- */
typedef struct rg_store_wait {
    const char *run_id, *workflow, *step, *kind, *what, *since, *due, *four_eyes;
} rg_store_wait;
/* A step waits: kind "input", "approval" or "timer"; what_text says what is
 * needed; due is a date or date-time (NULL: none); four_eyes (approval
 * only, may be NULL) names the person whose work is checked: they may not
 * resolve it.  Idempotent while the same wait is open.  Audit: waiting. */
int rg_store_wait_add(rg_store *store, const char *run_id, const char *step, const char *kind,
                      const char *what_text, const char *due, const char *four_eyes,
                      rg_errors *errs);
/* Open waits: run, workflow, step, kind, what is needed, since, due. Returns
 * the number listed or -1. */
int rg_store_wait_list(rg_store *store, FILE *out, rg_errors *errs);
/* Resolve the open wait of a step: approval given, input supplied, timer
 * passed; the operating-system user (rg_os_user) is recorded beside who.
 * Refused when who has no letter or digit, when there is no open wait, and
 * for an approval when who is the four-eyes person (names compared as
 * rg_person_key gives them; the refusal is logged: approval_refused).
 * Audit: approved / timer_passed; none for an input (its input_given entry,
 * or the step that wrote it, is the record). */
int rg_store_wait_resolve(rg_store *store, const char *run_id, const char *step, const char *who,
                          const char *note, rg_errors *errs);
/* Reject the open approval of a step: the wait is answered (by who, with
 * the note and the operating-system user) as rejected, and the step fails
 * when the run reaches it again (`regie resume`): the run cannot go past it.
 * Anyone may reject, also the four-eyes person.  Refused when who has no
 * letter or digit and when no approval of the step is open.  Audit:
 * rejected. */
int rg_store_wait_reject(rg_store *store, const char *run_id, const char *step, const char *who,
                         const char *note, rg_errors *errs);
/* Close the open wait of a step that ends without it being answered
 * (skipped, not run, the run ended): resolved_by stays NULL, the note says
 * why; `show` lists it as "(closed)".  Audit: wait_closed.  Returns 1 if a
 * wait was closed, 0 if none was open, -1 on error. */
int rg_store_wait_close(rg_store *store, const char *run_id, const char *step, const char *reason,
                        rg_errors *errs);
/* The steps of a run with an open wait (caller frees with rg_strv_free). */
int rg_store_waits_open(rg_store *store, const char *run_id, char ***steps, size_t *n,
                        rg_errors *errs);
/* State of a step's latest wait: 0 none (or closed without an answer), 1
 * open, 2 resolved, 3 rejected (then, for 2 and 3, *by and *note, if
 * non-NULL, receive copies; caller frees); -1 error. */
int rg_store_wait_state(rg_store *store, const char *run_id, const char *step, char **by,
                        char **note, rg_errors *errs);
/* Call fn for every open wait whose due date/time is <= today (ISO text
 * compared as text: "2026-11-23" or "2026-11-23T10:00").  Returns the
 * number of calls or -1. */
typedef void (*rg_store_wait_fn)(void *ud, const rg_store_wait *w);
int rg_store_waits_due(rg_store *store, const char *today, rg_store_wait_fn fn, void *ud,
                       rg_errors *errs);

/* ---- anchoring (anchor.c, doc/store.md "Anchoring") ------------------------ */
/* A new Ed25519 key pair: the secret key in `path` (mode 0600) and the
 * public key in `path`.pub; refuses to overwrite either.  *pubhex receives
 * the public key in hex (caller frees). */
int rg_key_new(const char *path, char **pubhex, rg_errors *errs);
/* Sign the head at every wait, approval and run end with the secret key in
 * `path` (made by rg_key_new); the error names the file. */
int rg_store_set_signing_key(rg_store *store, const char *path, rg_errors *errs);
/* The public key of the signing key set, as hex, or NULL without one
 * (caller frees). */
char *rg_store_public_key(const rg_store *store);
/* The run's head as an anchor file's text (caller frees): with a signing
 * key the current head, signed now; without, the last signed head. */
char *rg_store_anchor(rg_store *store, const char *run_id, rg_errors *errs);
/* Check the run's log against the anchor file: the anchored head is in the
 * chain at its place, its signature verifies with the anchored public key,
 * and so does every recorded signature.  Prints what does not match (or
 * one line saying all do) to out; RG_VERIFY_OK, _BROKEN or _ERROR. */
int rg_store_verify_anchor(rg_store *store, const char *run_id, const char *anchor_file,
                           FILE *out, rg_errors *errs);
/* The same for an exported bundle (log.jsonl, signatures.txt). */
int rg_bundle_verify_anchor(const char *dir, const char *anchor_file, FILE *out,
                            rg_errors *errs);

/* ---- people of the web console (users.c, doc/console.md) ----------------- */
/* Roles are "ROLE:WORKFLOW" words separated by blanks: ROLE viewer (sees
 * the runs), operator (starts runs, gives inputs, resumes) or approver
 * (approves or rejects), WORKFLOW a workflow's name or * for all.  Every
 * role may view the runs of its workflow.  Passwords (8 to 1024
 * characters) are kept only as Argon2id hashes (crypto_pwhash_str). */
int rg_user_name_valid(const char *name);
int rg_user_role_valid(const char *role);
/* May the holder of roles act as role on workflow (NULL: on any)? */
int rg_user_may(const char *roles, const char *role, const char *workflow);
int rg_store_user_add(rg_store *store, const char *name, const char *password, const char *roles,
                      rg_errors *errs);
int rg_store_user_passwd(rg_store *store, const char *name, const char *password, rg_errors *errs);
int rg_store_user_set_roles(rg_store *store, const char *name, const char *roles, rg_errors *errs);
int rg_store_user_set_notify(rg_store *store, const char *name, int on, rg_errors *errs);
/* The address notifications go to ("" or NULL: none). */
int rg_store_user_set_email(rg_store *store, const char *name, const char *email, rg_errors *errs);
int rg_store_user_del(rg_store *store, const char *name, rg_errors *errs);
/* 1 and *roles, *email (caller frees; NULL: none) and *notify, 0 no such
 * user, -1 error.  Any pointer may be NULL. */
int rg_store_user_get(rg_store *store, const char *name, char **roles, int *notify, char **email,
                      rg_errors *errs);
/* Record that notification kind was sent for run_id/step: 1 the first
 * time, 0 when it was already (send nothing again), -1 error. */
int rg_store_notice_once(rg_store *store, const char *kind, const char *run_id, const char *step,
                         rg_errors *errs);
/* 1 the password is right (*roles: the user's, caller frees), 0 wrong name
 * or password (taking as long either way), -1 error. */
int rg_store_user_check(rg_store *store, const char *name, const char *password, char **roles,
                        rg_errors *errs);
/* The web console's sessions, by the SHA-256 (hex) of the cookie's token.
 * put: record one (and drop the ended ones); find: 1 with *user, *csrf
 * and the user's roles as they are now (caller frees), 0 none (unknown,
 * ended, or its user deleted), -1 error; end: forget it.  Deleting a user
 * or setting a password ends the user's sessions. */
int rg_store_session_put(rg_store *store, const char *token_sha256, const char *user,
                         const char *csrf, int64_t expires, rg_errors *errs);
int rg_store_session_find(rg_store *store, const char *token_sha256, int64_t now, char **user,
                          char **csrf, char **roles, rg_errors *errs);
int rg_store_session_end(rg_store *store, const char *token_sha256, rg_errors *errs);
/* USER NOTIFY CHANGED ROLES, one line a user: the number listed or -1. */
int rg_store_user_list(rg_store *store, FILE *out, rg_errors *errs);

#endif /* REGIE_STORE_H */
