/*
 * anchor.h - what anchor_key.c (keys, signing) gives anchor.c (anchor
 * files, checks); not for use outside core/store/.
 */
#ifndef REGIE_ANCHOR_H
#define REGIE_ANCHOR_H

#include "store_db.h"

/* 0, or -1 with errs if libsodium cannot start. */
int rg_anchor_sodium_ready(rg_errors *errs);
/* n bytes as 2n lowercase hex digits (out holds 2n + 1). */
void rg_anchor_hex(const unsigned char *b, size_t n, char *out);
/* Exactly 2n hex digits into n bytes: 0, or -1. */
int rg_anchor_unhex(const char *h, unsigned char *b, size_t n);
/* The text that is signed (caller frees). */
char *rg_anchor_message(const char *run_id, int64_t seq, const char *head, const char *time);
/* Sign entry seq's hash at time t with the store's key and record it,
 * inside the caller's transaction. */
int rg_anchor_sign(rg_store *store, const char *run_id, int64_t seq, const char *hash,
                   const char *t, rg_errors *errs);

#endif /* REGIE_ANCHOR_H */
