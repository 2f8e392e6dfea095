/*
 * fuzz/fuzz_conninfo.c - connection strings, without connecting: which
 * engine a string names (db/db.c), the redacted form strata shows
 * (strata__redact_conninfo, util/strutil.c), and scrubbing a secret from a message
 * (strata__redact_secret).
 *
 * The redaction is checked against libpq's own parser (PQconninfoParse,
 * the one libpq uses to connect): whatever libpq would take as the
 * password or sslpassword must not survive in what strata shows, unless
 * the same text also appears elsewhere in the string (a user name equal
 * to the password). Scrubbing must end and leave no copy of the secret.
 */
#include "fuzz.h"

#include <ctype.h>

#include "db/db.h"
#include "db/libpq_dyn.h"
#include "strata/error.h"
#include "util/buf.h"
#include "util/strutil.h"

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	const char *p = hay;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p++;
	}
	return n;
}

/* libpq's value of keyword in conninfo (malloc'ed), or NULL. */
static char *libpq_value(const char *conninfo, const char *keyword)
{
	char *errmsg = NULL, *val = NULL;
	PQconninfoOption *opts = strata__libpq_dyn.PQconninfoParse(conninfo, &errmsg);

	if (errmsg)
		strata__libpq_dyn.PQfreemem(errmsg);
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (o->val && strcmp(o->keyword, keyword) == 0 && !(val = strdup(o->val)))
			abort();
	if (opts)
		strata__libpq_dyn.PQconninfoFree(opts);
	return val;
}

/*
 * How many of the literal copies of val in conninfo are the secret itself:
 * a copy is, when changing its letters and digits changes what libpq reads
 * as the keyword's value. The other copies are other text (a user name
 * equal to the password, the word "password" around a password "pas"),
 * which strata may show; a percent-encoded password has no literal copy.
 * -1 when val has no letter or digit to change.
 */
static long secret_copies(const char *conninfo, const char *keyword, const char *val)
{
	size_t n = strlen(val);
	long copies = 0;
	char *changed;

	if (!strpbrk(val, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
		return -1;
	for (const char *p = conninfo; (p = strstr(p, val)) != NULL; p++) {
		char *now;

		if (!(changed = strdup(conninfo)))
			abort();
		for (size_t i = 0; i < n; i++) {
			char *c = changed + (p - conninfo) + i;

			if (isalnum((unsigned char)*c))
				*c = *c == 'q' ? 'z' : 'q';
		}
		now = libpq_value(changed, keyword);
		/* No parse (a keyword was changed): not the value. */
		copies += now && strcmp(now, val) != 0;
		free(now);
		free(changed);
	}
	return copies;
}

static void check_redaction(const char *conninfo, const char *shown)
{
	char *errmsg = NULL;
	PQconninfoOption *opts, *o;

	if (strata__libpq_dyn_load() != 0)
		abort();
	opts = strata__libpq_dyn.PQconninfoParse(conninfo, &errmsg);
	if (errmsg)
		strata__libpq_dyn.PQfreemem(errmsg);
	if (!opts)
		return;
	for (o = opts; o->keyword; o++) {
		size_t in_shown;
		long copies;

		if (!o->val || (strcmp(o->keyword, "password") != 0 &&
				strcmp(o->keyword, "sslpassword") != 0))
			continue;
		if (strlen(o->val) < 3 || strspn(o->val, "*") == strlen(o->val))
			continue;
		in_shown = count(shown, o->val);
		if (in_shown == 0 || (copies = secret_copies(conninfo, o->keyword, o->val)) < 0)
			continue;
		if (in_shown + (size_t)copies > count(conninfo, o->val)) {
			fprintf(stderr, "%s '%s' shown in '%s'\n", o->keyword, o->val, shown);
			abort();
		}
	}
	strata__libpq_dyn.PQconninfoFree(opts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), *secret, *text;
	strata_buf shown = STRATA_BUF_INIT;
	db_engine e = strata__db_engine_of(s);

	FUZZ_CHECK(e == 0 || e == DB_SQLITE || e == DB_POSTGRES);
	if (strata__redact_conninfo(&shown, s) == 0 && e != DB_SQLITE)
		check_redaction(s, strata__buf_cstr(&shown));
	strata__buf_release(&shown);

	/* "message\nsecret": the secret scrubbed from the message */
	text = s;
	if ((secret = strchr(s, '\n')) != NULL) {
		*secret++ = '\0';
		strata__redact_secret(text, secret);
		if (*secret)
			FUZZ_CHECK(strstr(text, secret) == NULL);
	}
	free(s);
	strata_error_clear();
	return 0;
}
