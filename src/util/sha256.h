/*
 * util/sha256.h - SHA-256 (FIPS 180-4), for migration checksums and strata.sum.
 */
#ifndef STRATA_UTIL_SHA256_H
#define STRATA_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
	uint32_t h[8];
	uint64_t total;
	unsigned char block[64];
	size_t used;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t n);
void sha256_final(sha256_ctx *c, unsigned char out[32]);
/* Lowercase hex of a 32-byte digest into out (65 bytes with the NUL). */
void sha256_hex(const unsigned char digest[32], char out[65]);

#endif
