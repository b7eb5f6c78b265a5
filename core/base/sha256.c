/* sha256.c - SHA-256 of buffers and files, as lowercase hex (nettle). */
#include "sha256.h"

#include <nettle/sha2.h>
#include <stdlib.h>

struct rg_sha256 {
    struct sha256_ctx ctx;
};

static void to_hex(const uint8_t *d, size_t n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[2 * n] = 0;
}

rg_sha256 *rg_sha256_new(void)
{
    rg_sha256 *h = rg_xmalloc(sizeof *h);
    sha256_init(&h->ctx);
    return h;
}

void rg_sha256_add(rg_sha256 *h, const void *data, size_t len)
{
    sha256_update(&h->ctx, len, data);
}

void rg_sha256_finish(rg_sha256 *h, char hex[65])
{
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(&h->ctx, sizeof d, d);
    to_hex(d, sizeof d, hex);
    free(h);
}

void rg_sha256_buf(const void *data, size_t len, char hex[65])
{
    struct sha256_ctx ctx;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, len, data);
    sha256_digest(&ctx, sizeof d, d);
    to_hex(d, sizeof d, hex);
}

static void add_piece(void *ctx, const void *piece, size_t len)
{
    sha256_update(ctx, len, piece);
}

int rg_sha256_file(const char *path, char hex[65])
{
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    if (rg_read_pieces(path, add_piece, &ctx) != 0) {
        return -1;
    }
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, sizeof d, d);
    to_hex(d, sizeof d, hex);
    return 0;
}

int rg_sha256_valid(const char *s)
{
    if (!s) {
        return 0;
    }
    size_t i = 0;
    for (; s[i]; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }
    return i == 64;
}
