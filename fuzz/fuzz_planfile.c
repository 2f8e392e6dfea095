/*
 * fuzz/fuzz_planfile.c - the reviewed plan's file (core/planfile.c) from
 * arbitrary bytes, as `strata apply FILE` reads it.
 *
 * A file that parses keeps the documented shape (format 1, an engine of
 * the two, lists as long as they say); what it formats back parses again
 * to the same header and body, and its body is then intact. Anything else
 * must be STRATA_EPARSE with a message, never a crash.
 */
#include "fuzz.h"

#include "strata/error.h"
#include "strata/planfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	strata_planfile *p = NULL, *q = NULL;
	char *text = NULL;
	int rc = strata_planfile_parse(&p, (const char *)data, size, "fuzz.sql");

	if (rc != 0) {
		FUZZ_CHECK(p == NULL);
		FUZZ_CHECK(rc == STRATA_EPARSE || rc == STRATA_ERROR);
		FUZZ_CHECK(strata_error_last()->message[0] != '\0');
		strata_error_clear();
		return 0;
	}
	FUZZ_CHECK(p->format == STRATA_PLANFILE_FORMAT);
	FUZZ_CHECK(strcmp(p->engine, "postgresql") == 0 || strcmp(p->engine, "sqlite") == 0);
	FUZZ_CHECK(p->identity && p->schema && p->target && p->body_sha256 && p->body);
	FUZZ_CHECK(p->body_len <= size);
	(void)strata_planfile_body_intact(p);
	/* (The formatted text is NUL-terminated: a body with a NUL does not come back whole.) */
	if (p->created_at && p->created_by && p->database && !memchr(p->body, '\0', p->body_len) &&
	    strata_planfile_format(&text, p) == 0) {
		FUZZ_CHECK(strata_planfile_parse(&q, text, strlen(text), "again.sql") == 0);
		if (q) {
			FUZZ_CHECK(strata_planfile_body_intact(q));
			FUZZ_CHECK(q->nsteps == p->nsteps && q->napplied == p->napplied);
			FUZZ_CHECK(strcmp(q->identity, p->identity) == 0);
			FUZZ_CHECK(q->body_len == p->body_len &&
				   memcmp(q->body, p->body, p->body_len) == 0);
		}
	}
	free(text);
	strata_planfile_free(q);
	strata_planfile_free(p);
	strata_error_clear();
	return 0;
}
