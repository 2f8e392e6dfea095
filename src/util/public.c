/*
 * util/public.c - the public names (strata/util.h) of util's helpers that
 * callers of libstrata use: durations, counts, the clock, redaction and
 * whole-file reads and writes. Each forwards to the internal helper, so
 * there is one implementation.
 */
#include "strata/util.h"
#include "util/assert.h"
#include "util/fs.h"
#include "util/strutil.h"

int strata_parse_duration_ms(long *out, const char *s)
{
	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(s);

	return strata__parse_duration_ms(out, s);
}

int strata_parse_count(long *out, const char *s)
{
	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(s);

	return strata__parse_count(out, s);
}

double strata_now_ms(void)
{
	return strata__now_ms();
}

int strata_redact_conninfo(strata_buf *out, const char *conninfo)
{
	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(conninfo);

	return strata__redact_conninfo(out, conninfo);
}

int strata_file_read(strata_buf *out, const char *path, size_t max)
{
	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(path);

	return strata__fs_read_file(out, path, max);
}

int strata_file_write(const char *path, const char *data, size_t len)
{
	STRATA_ASSERT_ARG(path);
	STRATA_ASSERT_ARG(data || !len);

	return strata__fs_write_file(path, data, len);
}

int strata_mkdir_p(const char *path)
{
	STRATA_ASSERT_ARG(path);

	return strata__fs_mkdir_p(path);
}

int strata_is_dir(const char *path)
{
	STRATA_ASSERT_ARG_WITH_RETVAL(path, 0);

	return strata__fs_is_dir(path);
}
