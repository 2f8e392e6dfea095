/*
 * fuzz/fuzz_conninfo.c - connection strings, without connecting: which
 * engine a string names (db/db.c), the redacted form strata shows
 * (redact_conninfo, util/strutil.c), and scrubbing a secret from a message
 * (redact_secret).
 *
 * The redaction is checked against libpq's own parser (PQconninfoParse,
 * the one libpq uses to connect): whatever libpq would take as the
 * password or sslpassword must not survive in what strata shows, unless
 * the same text also appears elsewhere in the string (a user name equal
 * to the password). Scrubbing must end and leave no copy of the secret.
 */
#include "fuzz.h"

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

static void check_redaction(const char *conninfo, const char *shown)
{
	char *errmsg = NULL;
	PQconninfoOption *opts, *o;

	if (libpq_dyn_load() != 0)
		abort();
	opts = libpq_dyn.PQconninfoParse(conninfo, &errmsg);
	if (errmsg)
		libpq_dyn.PQfreemem(errmsg);
	if (!opts)
		return;
	for (o = opts; o->keyword; o++) {
		size_t in_shown;

		if (!o->val || (strcmp(o->keyword, "password") != 0 &&
				strcmp(o->keyword, "sslpassword") != 0))
			continue;
		if (strlen(o->val) < 3 || strspn(o->val, "*") == strlen(o->val))
			continue;
		in_shown = count(shown, o->val);
		if (in_shown && in_shown >= count(conninfo, o->val)) {
			fprintf(stderr, "%s '%s' shown in '%s'\n", o->keyword, o->val, shown);
			abort();
		}
	}
	libpq_dyn.PQconninfoFree(opts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), *secret, *text;
	strata_buf shown = STRATA_BUF_INIT;
	db_engine e = db_engine_of(s);

	FUZZ_CHECK(e == 0 || e == DB_SQLITE || e == DB_POSTGRES);
	if (redact_conninfo(&shown, s) == 0 && e != DB_SQLITE)
		check_redaction(s, buf_cstr(&shown));
	buf_release(&shown);

	/* "message\nsecret": the secret scrubbed from the message */
	text = s;
	if ((secret = strchr(s, '\n')) != NULL) {
		*secret++ = '\0';
		redact_secret(text, secret);
		if (*secret)
			FUZZ_CHECK(strstr(text, secret) == NULL);
	}
	free(s);
	strata_error_clear();
	return 0;
}
