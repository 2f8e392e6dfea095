/*
 * util/sha256.c - SHA-256 (FIPS 180-4), in portable C and, where the CPU
 * has them, with the x86 SHA extensions.
 *
 * Layer: util. Hashing every migration's SQL on each run is a good part
 * of loading a project, so the block function comes in two versions:
 *
 *   compress_portable  unrolled C, eight rounds per loop pass with the
 *                      working variables renamed instead of moved
 *   compress_shani     SHA-NI (sha256rnds2/msg1/msg2), compiled for that
 *                      target only and picked at run time by CPUID, so
 *                      the binary still runs on any x86-64
 *
 * Invariants:
 *  1. Both give bit-identical digests (tests/unit/util/test_sha256.c
 *     compares them on every length around the block boundaries).
 *  2. The choice is made once per process (pthread_once), before the
 *     first block is hashed; strata__sha256_use_portable() overrides it for tests.
 *  3. Each compress function takes whole 64-byte blocks, any number, and
 *     keeps the state in registers across them.
 */
#include "util/sha256.h"

#include <pthread.h>
#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_SHANI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

typedef void (*compress_fn)(uint32_t h[8], const unsigned char *p, size_t nblocks);

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* ---- portable -------------------------------------------------------- */

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define BSIG0(x) (ROR(x, 2) ^ ROR(x, 13) ^ ROR(x, 22))
#define BSIG1(x) (ROR(x, 6) ^ ROR(x, 11) ^ ROR(x, 25))
#define SSIG0(x) (ROR(x, 7) ^ ROR(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (ROR(x, 17) ^ ROR(x, 19) ^ ((x) >> 10))
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))

/* Round i: the caller names the variables so that nothing is moved. */
#define ROUND(a, b, c, d, e, f, g, h, i)                                        \
	do {                                                                    \
		uint32_t t1 = h + BSIG1(e) + CH(e, f, g) + K[i] + w[i];         \
		d += t1;                                                        \
		h = t1 + BSIG0(a) + MAJ(a, b, c);                               \
	} while (0)

static uint32_t load_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void compress_portable(uint32_t st[8], const unsigned char *p, size_t nblocks)
{
	uint32_t w[64], a, b, c, d, e, f, g, h;
	int i;

	for (; nblocks; nblocks--, p += 64) {
		for (i = 0; i < 16; i++)
			w[i] = load_be32(p + 4 * i);
		for (i = 16; i < 64; i++)
			w[i] = SSIG1(w[i - 2]) + w[i - 7] + SSIG0(w[i - 15]) + w[i - 16];
		a = st[0]; b = st[1]; c = st[2]; d = st[3];
		e = st[4]; f = st[5]; g = st[6]; h = st[7];
		for (i = 0; i < 64; i += 8) {
			ROUND(a, b, c, d, e, f, g, h, i);
			ROUND(h, a, b, c, d, e, f, g, i + 1);
			ROUND(g, h, a, b, c, d, e, f, i + 2);
			ROUND(f, g, h, a, b, c, d, e, i + 3);
			ROUND(e, f, g, h, a, b, c, d, i + 4);
			ROUND(d, e, f, g, h, a, b, c, i + 5);
			ROUND(c, d, e, f, g, h, a, b, i + 6);
			ROUND(b, c, d, e, f, g, h, a, i + 7);
		}
		st[0] += a; st[1] += b; st[2] += c; st[3] += d;
		st[4] += e; st[5] += f; st[6] += g; st[7] += h;
	}
}

/* ---- x86 SHA extensions ---------------------------------------------- */

#ifdef HAVE_SHANI

#define SHANI __attribute__((target("sha,sse4.1")))

/* Four rounds on the message words in m: the state is kept as ABEF and CDGH. */
#define SHANI_ROUNDS(m, k)                                                             \
	do {                                                                           \
		__m128i kw = _mm_add_epi32((m), _mm_loadu_si128((const __m128i *)&K[k])); \
		cdgh = _mm_sha256rnds2_epu32(cdgh, abef, kw);                          \
		abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(kw, 0x0e)); \
	} while (0)
/* Message schedule: finish the next four words from the previous and current ones... */
#define SHANI_SCHED2(next, prev, cur) \
	(next = _mm_sha256msg2_epu32(_mm_add_epi32(next, _mm_alignr_epi8(cur, prev, 4)), cur))
/* ... and start the ones after. */
#define SHANI_SCHED1(prev, cur) (prev = _mm_sha256msg1_epu32(prev, cur))

static SHANI void compress_shani(uint32_t st[8], const unsigned char *p, size_t nblocks)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i abef, cdgh, t, abef0, cdgh0, m0, m1, m2, m3;
	int k;

	t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&st[0]), 0xb1); /* CDAB */
	cdgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&st[4]), 0x1b); /* EFGH */
	abef = _mm_alignr_epi8(t, cdgh, 8);
	cdgh = _mm_blend_epi16(cdgh, t, 0xf0);
	for (; nblocks; nblocks--, p += 64) {
		abef0 = abef;
		cdgh0 = cdgh;
		m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 0)), bswap);
		SHANI_ROUNDS(m0, 0);
		m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), bswap);
		SHANI_ROUNDS(m1, 4);
		SHANI_SCHED1(m0, m1);
		m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), bswap);
		SHANI_ROUNDS(m2, 8);
		SHANI_SCHED1(m1, m2);
		m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), bswap);
		SHANI_ROUNDS(m3, 12);
		SHANI_SCHED2(m0, m2, m3);
		SHANI_SCHED1(m2, m3);
		for (k = 16; k < 48; k += 16) {
			SHANI_ROUNDS(m0, k);
			SHANI_SCHED2(m1, m3, m0);
			SHANI_SCHED1(m3, m0);
			SHANI_ROUNDS(m1, k + 4);
			SHANI_SCHED2(m2, m0, m1);
			SHANI_SCHED1(m0, m1);
			SHANI_ROUNDS(m2, k + 8);
			SHANI_SCHED2(m3, m1, m2);
			SHANI_SCHED1(m1, m2);
			SHANI_ROUNDS(m3, k + 12);
			SHANI_SCHED2(m0, m2, m3);
			SHANI_SCHED1(m2, m3);
		}
		SHANI_ROUNDS(m0, 48);
		SHANI_SCHED2(m1, m3, m0);
		SHANI_SCHED1(m3, m0);
		SHANI_ROUNDS(m1, 52);
		SHANI_SCHED2(m2, m0, m1);
		SHANI_ROUNDS(m2, 56);
		SHANI_SCHED2(m3, m1, m2);
		SHANI_ROUNDS(m3, 60);
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
	}
	t = _mm_shuffle_epi32(abef, 0x1b);    /* FEBA */
	cdgh = _mm_shuffle_epi32(cdgh, 0xb1); /* DCHG */
	_mm_storeu_si128((__m128i *)&st[0], _mm_blend_epi16(t, cdgh, 0xf0)); /* DCBA */
	_mm_storeu_si128((__m128i *)&st[4], _mm_alignr_epi8(cdgh, t, 8));    /* HGFE */
}

/* SHA (CPUID.7.0:EBX[29]) and the SSSE3 / SSE4.1 shuffles the code above uses. */
static int cpu_has_shani(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSSE3) || !(c & bit_SSE4_1))
		return 0;
	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
}

#endif /* HAVE_SHANI */

/* ---- dispatch -------------------------------------------------------- */

static compress_fn compress = compress_portable;
static pthread_once_t chosen = PTHREAD_ONCE_INIT;

static void choose(void)
{
#ifdef HAVE_SHANI
	if (cpu_has_shani())
		compress = compress_shani;
#endif
}

static compress_fn compressor(void)
{
	pthread_once(&chosen, choose);
	return compress;
}

int strata__sha256_use_portable(int on)
{
	pthread_once(&chosen, choose);
	compress = compress_portable;
#ifdef HAVE_SHANI
	if (!on && cpu_has_shani())
		compress = compress_shani;
#endif
	return compress != compress_portable;
}

/* ---- streaming ------------------------------------------------------- */

void strata__sha256_init(sha256_ctx *c)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};
	memcpy(c->h, iv, sizeof(iv));
	c->total = 0;
	c->used = 0;
}

void strata__sha256_update(sha256_ctx *c, const void *data, size_t n)
{
	const unsigned char *p = data;
	compress_fn fn = compressor();

	c->total += n;
	if (c->used) {
		size_t take = 64 - c->used < n ? 64 - c->used : n;
		memcpy(c->block + c->used, p, take);
		c->used += take;
		p += take;
		n -= take;
		if (c->used < 64)
			return;
		fn(c->h, c->block, 1);
		c->used = 0;
	}
	if (n >= 64) {
		fn(c->h, p, n / 64);
		p += n & ~(size_t)63;
		n &= 63;
	}
	if (n) {
		memcpy(c->block, p, n);
		c->used = n;
	}
}

void strata__sha256_final(sha256_ctx *c, unsigned char out[32])
{
	uint64_t bits = c->total * 8;
	compress_fn fn = compressor();
	int i;

	/* 0x80, zeros up to 56 bytes into a block, then the length in bits. */
	c->block[c->used++] = 0x80;
	if (c->used > 56) {
		memset(c->block + c->used, 0, 64 - c->used);
		fn(c->h, c->block, 1);
		c->used = 0;
	}
	memset(c->block + c->used, 0, 56 - c->used);
	for (i = 0; i < 8; i++)
		c->block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
	fn(c->h, c->block, 1);
	c->used = 0;
	for (i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(c->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)c->h[i];
	}
}

void strata__sha256_hex(const unsigned char digest[32], char out[65])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 15];
	}
	out[64] = '\0';
}
