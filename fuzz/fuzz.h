/*
 * fuzz/fuzz.h - what every libFuzzer target here shares: the entry point's
 * prototype and a check that stops the run (a crash libFuzzer records) when
 * an invariant of the code under test does not hold.
 *
 * A target returns 0 for every input: bad input must give an error value,
 * never a crash, a hang, a leak or undefined behaviour (ASan and UBSan are
 * on). Inputs that found a bug become unit tests under tests/unit/.
 */
#ifndef STRATA_FUZZ_H
#define STRATA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, \
				#cond);                                                 \
			abort();                                                        \
		}                                                                       \
	} while (0)

/* The input as a NUL-terminated string, cut at its first NUL (free() it). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t n = nul ? (size_t)(nul - data) : size;
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

#endif
