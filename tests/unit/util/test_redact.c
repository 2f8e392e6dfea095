/*
 * tests/unit/util/test_redact.c - connection strings shown without their
 * secrets (strata__redact_conninfo) and secrets scrubbed from messages
 * (strata__redact_secret), util/strutil.c. The cases marked "fuzz" are inputs
 * fuzz/fuzz_conninfo.c found leaking before the fix, or of the shape it
 * found.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util/buf.h"
#include "util/strutil.h"

static void expect_shown(const char *conninfo, const char *want)
{
	strata_buf b = STRATA_BUF_INIT;

	assert_int_equal(strata__redact_conninfo(&b, conninfo), 0);
	assert_string_equal(strata__buf_cstr(&b), want);
	strata__buf_release(&b);
}

static void test_redact__url_forms(void **state)
{
	expect_shown("postgres://app:s3cret@db:5432/app", "postgres://app:****@db:5432/app");
	expect_shown("postgresql://app@db/app", "postgresql://app@db/app");
	expect_shown("postgres://db/app?sslmode=require&password=x1&a=b",
		     "postgres://db/app?sslmode=require&password=****&a=b");
	/* fuzz: libpq reads the user info up to the first '@', with '?' in it */
	expect_shown("postgres://u:se?cret@h/db", "postgres://u:****@h/db");
	/* an unencoded '@' in the password: all of it is masked */
	expect_shown("postgres://u:pa@ss@h/db", "postgres://u:****@h/db");
	/* fuzz: libpq percent-decodes parameter names */
	expect_shown("postgres://h/db?%70assword=topsecret", "postgres://h/db?%70assword=****");
	/* found by fuzz_conninfo: a password written encoded (p%40ss) whose
	 * decoded form stands in another parameter's value */
	expect_shown("postgresql://u:p%40ss@h1:1,h2:2/db?connect_timeout=2p@ssG",
		     "postgresql://u:****@h1:1,h2:2/db?connect_timeout=2****G");
	/* fuzz: sslpassword (the client key's passphrase) is a secret too */
	expect_shown("postgres://h/db?sslpassword=keypw", "postgres://h/db?sslpassword=****");
	expect_shown("postgres://?password=x", "postgres://?password=****");
	/* an unknown scheme is still shown without its password */
	expect_shown("mysql://u:pw@h/db", "mysql://u:****@h/db");
	(void)state;
}

static void test_redact__keyword_forms(void **state)
{
	expect_shown("host=db password=s3cret dbname=app", "host=db password=**** dbname=app");
	expect_shown("host=db password = 'a b\\'c' dbname=app", "host=db password =**** dbname=app");
	/* fuzz: a backslash escapes a blank in an unquoted value, as in libpq */
	expect_shown("host=db password=a\\ bsecret port=1", "host=db password=**** port=1");
	/* fuzz: sslpassword, and keywords in any case */
	expect_shown("host=db sslpassword=key", "host=db sslpassword=****");
	expect_shown("host=db PASSWORD=x", "host=db PASSWORD=****");
	/* a "://" inside a value does not make it a URL */
	expect_shown("host=db password=a://b@c", "host=db password=****");
	/* a password keyword without '=' still hides the word after it */
	expect_shown("host=db password secret", "host=db password ****");
	expect_shown("sqlite:/tmp/app.db", "sqlite:/tmp/app.db");
	(void)state;
}

static void test_redact__secret_scrubbed(void **state)
{
	char text[128];

	strcpy(text, "auth failed for hunter2, hunter2!");
	strata__redact_secret(text, "hunter2");
	assert_string_equal(text, "auth failed for ****, ****!");
	/* a secret made of asterisks used to match its own mask forever */
	strcpy(text, "pw ** and ****");
	strata__redact_secret(text, "**");
	assert_string_equal(text, "pw ## and ####");
	/* fuzz: the mask joined the text after it into the secret again */
	strcpy(text, "*NNNNNN");
	strata__redact_secret(text, "*NNN");
	assert_string_equal(text, "####NNN");
	assert_null(strstr(text, "*NNN"));
	strcpy(text, "ab");
	strata__redact_secret(text, "");
	assert_string_equal(text, "ab");
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redact__url_forms),
		cmocka_unit_test(test_redact__keyword_forms),
		cmocka_unit_test(test_redact__secret_scrubbed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
