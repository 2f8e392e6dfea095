/*
 * tests/unit/util/test_timefmt.c - ISO 8601 times and --since bounds
 * (util/timefmt.c): the strict UTC form of the created header, the lenient
 * forms --since takes (dates, offsets, no zone), range checks with leap
 * years, formatting back, and ages counted from a fixed "now".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "strata/error.h"
#include "util/timefmt.h"

/* 2026-03-04T05:06:07Z, worked out by hand: 20516 days after 1970-01-01. */
#define T_2026_03_04_050607 ((INT64_C(20516) * 86400 + 5 * 3600 + 6 * 60 + 7) * 1000)

static int64_t parse(const char *s, int form)
{
	int64_t ms = -1;

	if (strata__iso_time_parse(&ms, s, strlen(s), form) != 0)
		fail_msg("'%s' did not parse", s);
	return ms;
}

static void refused(const char *s, int form)
{
	int64_t ms = 42;

	if (strata__iso_time_parse(&ms, s, strlen(s), form) == 0)
		fail_msg("'%s' parsed", s);
	assert_int_equal(ms, 42);
}

static void test_timefmt__utc_form(void **state)
{
	assert_int_equal(parse("2026-03-04T05:06:07Z", ISO_TIME_UTC), T_2026_03_04_050607);
	assert_int_equal(parse("2026-03-04T05:06:07.5Z", ISO_TIME_UTC), T_2026_03_04_050607 + 500);
	assert_int_equal(parse("2026-03-04T05:06:07.123456789Z", ISO_TIME_UTC),
			 T_2026_03_04_050607 + 123);
	assert_int_equal(parse("1970-01-01T00:00:00Z", ISO_TIME_UTC), 0);
	assert_int_equal(parse("2024-02-29T00:00:00Z", ISO_TIME_UTC), INT64_C(19782) * 86400000);
	assert_int_equal(parse("2000-02-29T12:00:00Z", ISO_TIME_UTC),
			 (INT64_C(11016) * 86400 + 12 * 3600) * 1000);
	/* Only the one form: no date alone, no space, no offset, no lowercase z. */
	refused("2026-03-04", ISO_TIME_UTC);
	refused("2026-03-04 05:06:07Z", ISO_TIME_UTC);
	refused("2026-03-04T05:06Z", ISO_TIME_UTC);
	refused("2026-03-04T05:06:07", ISO_TIME_UTC);
	refused("2026-03-04T05:06:07z", ISO_TIME_UTC);
	refused("2026-03-04T05:06:07+00:00", ISO_TIME_UTC);
	refused("2026-03-04T05:06:07.Z", ISO_TIME_UTC);
	refused("2026-03-04T05:06:07.1234567890Z", ISO_TIME_UTC);
	refused("2026-03-04T05:06:07Z ", ISO_TIME_UTC);
	/* Field widths are fixed and every field is range checked. */
	refused("2026-3-04T05:06:07Z", ISO_TIME_UTC);
	refused("2026-03-04T5:06:07Z", ISO_TIME_UTC);
	refused("2026-13-01T00:00:00Z", ISO_TIME_UTC);
	refused("2026-00-01T00:00:00Z", ISO_TIME_UTC);
	refused("2026-04-31T00:00:00Z", ISO_TIME_UTC);
	refused("2025-02-29T00:00:00Z", ISO_TIME_UTC);
	refused("1900-02-29T00:00:00Z", ISO_TIME_UTC);
	refused("2026-03-04T24:00:00Z", ISO_TIME_UTC);
	refused("2026-03-04T05:60:00Z", ISO_TIME_UTC);
	refused("2026-03-04T05:06:60Z", ISO_TIME_UTC);
	refused("", ISO_TIME_UTC);
	(void)state;
}

static void test_timefmt__lenient_forms(void **state)
{
	const int64_t day = T_2026_03_04_050607 - (5 * 3600 + 6 * 60 + 7) * 1000;

	assert_int_equal(parse("2026-03-04", ISO_TIME_LENIENT), day);
	assert_int_equal(parse("2026-03-04T05:06:07Z", ISO_TIME_LENIENT), T_2026_03_04_050607);
	assert_int_equal(parse("2026-03-04 05:06:07", ISO_TIME_LENIENT), T_2026_03_04_050607);
	assert_int_equal(parse("2026-03-04t05:06:07z", ISO_TIME_LENIENT), T_2026_03_04_050607);
	assert_int_equal(parse("2026-03-04T05:06", ISO_TIME_LENIENT), T_2026_03_04_050607 - 7000);
	/* An offset east of UTC is that much earlier in UTC. */
	assert_int_equal(parse("2026-03-04T07:06:07+02:00", ISO_TIME_LENIENT), T_2026_03_04_050607);
	assert_int_equal(parse("2026-03-04T07:06:07+0200", ISO_TIME_LENIENT), T_2026_03_04_050607);
	assert_int_equal(parse("2026-03-04T07:06:07+02", ISO_TIME_LENIENT), T_2026_03_04_050607);
	assert_int_equal(parse("2026-03-03T23:36:07-05:30", ISO_TIME_LENIENT), T_2026_03_04_050607);
	refused("2026-03-04Z", ISO_TIME_LENIENT);
	refused("2026-03-04T05", ISO_TIME_LENIENT);
	refused("2026-03-04T05:06:07+2", ISO_TIME_LENIENT);
	refused("2026-03-04T05:06:07+02:60", ISO_TIME_LENIENT);
	refused("2026-03-04T05:06:07 UTC", ISO_TIME_LENIENT);
	refused("04/03/2026", ISO_TIME_LENIENT);
	(void)state;
}

static void test_timefmt__format_round_trip(void **state)
{
	char out[32];

	strata__iso_time_format(out, T_2026_03_04_050607 + 89);
	assert_string_equal(out, "2026-03-04T05:06:07Z");
	strata__iso_time_format_ms(out, T_2026_03_04_050607 + 89);
	assert_string_equal(out, "2026-03-04T05:06:07.089Z");
	strata__iso_time_format_ms(out, 0);
	assert_string_equal(out, "1970-01-01T00:00:00.000Z");
	assert_int_equal(parse(out, ISO_TIME_UTC), 0);
	strata__iso_time_format(out, strata__iso_time_now_ms());
	/* What strata revision writes reads back as a created header. */
	(void)parse(out, ISO_TIME_UTC);
	(void)state;
}

static void test_timefmt__since(void **state)
{
	const int64_t now = T_2026_03_04_050607;
	int64_t ms = 0;

	assert_int_equal(strata__since_parse(&ms, "7d", now), 0);
	assert_int_equal(ms, now - INT64_C(7) * 86400000);
	assert_int_equal(strata__since_parse(&ms, "12h", now), 0);
	assert_int_equal(ms, now - INT64_C(12) * 3600000);
	assert_int_equal(strata__since_parse(&ms, "30min", now), 0);
	assert_int_equal(ms, now - INT64_C(30) * 60000);
	assert_int_equal(strata__since_parse(&ms, "2w", now), 0);
	assert_int_equal(ms, now - INT64_C(14) * 86400000);
	assert_int_equal(strata__since_parse(&ms, "45s", now), 0);
	assert_int_equal(ms, now - 45000);
	assert_int_equal(strata__since_parse(&ms, "0d", now), 0);
	assert_int_equal(ms, now);
	assert_int_equal(strata__since_parse(&ms, "2026-03-01", now), 0);
	assert_int_equal(ms, parse("2026-03-01T00:00:00Z", ISO_TIME_UTC));
	/* "m" could be minutes or months: refused, as is anything else. */
	static const char *const bad[] = { "10m", "7", "d", "-7d", "7 days", "1.5h", "", "soon",
					   "99999999999d" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ms = 42;
		assert_int_equal(strata__since_parse(&ms, bad[i], now), STRATA_EINVALID);
		assert_int_equal(ms, 42);
		assert_non_null(strstr(strata_error_last()->message, "neither an ISO date"));
		assert_non_null(strstr(strata_error_last()->hint, "7d"));
	}
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timefmt__utc_form),
		cmocka_unit_test(test_timefmt__lenient_forms),
		cmocka_unit_test(test_timefmt__format_round_trip),
		cmocka_unit_test(test_timefmt__since),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
