/* sha256.h - SHA-256 of buffers and files, as 64 lowercase hex digits. */
#ifndef REGIE_SHA256_H
#define REGIE_SHA256_H

#include "util.h"

#include <stddef.h>

/* hex receives 64 lowercase hex digits and a NUL.  0, or -1 with errno. */
int rg_sha256_file(const char *path, char hex[65]);
void rg_sha256_buf(const void *data, size_t len, char hex[65]);
/* Incremental, e.g. for the definition hash of a workflow. */
typedef struct rg_sha256 rg_sha256;
rg_sha256 *rg_sha256_new(void);
void rg_sha256_add(rg_sha256 *h, const void *data, size_t len);
void rg_sha256_finish(rg_sha256 *h, char hex[65]); /* frees h */
/* 1 if s is 64 lowercase hex digits. */
int rg_sha256_valid(const char *s);

#endif /* REGIE_SHA256_H */
