/*
 * util/sha256.h - SHA-256 (FIPS 180-4), for migration checksums and strata.sum.
 *
 * Uses the CPU's SHA instructions when it has them (see sha256.c); the
 * digests are the same either way.
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

void strata__sha256_init(sha256_ctx *c);
void strata__sha256_update(sha256_ctx *c, const void *data, size_t n);
void strata__sha256_final(sha256_ctx *c, unsigned char out[32]);
/* Lowercase hex of a 32-byte digest into out (65 bytes with the NUL). */
void strata__sha256_hex(const unsigned char digest[32], char out[65]);

/*
 * Test hook: on = 1 makes every later hash use the portable code, 0 the
 * fastest the CPU allows. Returns 1 if the SHA instructions are now in
 * use. Not for use while other threads hash.
 */
int strata__sha256_use_portable(int on);

#endif
