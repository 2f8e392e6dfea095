/*
 * schema/diff_sqlite.c - SQLite diff and DDL emission (see diff.h).
 */
#include "schema/diff.h"
#include "strata/error.h"

int sc_diff_sqlite(const sc_catalog *from, const sc_catalog *to, const sc_diff_options *opts,
		   sc_changes *out)
{
	return strata_error_set(STRATA_EINVALID, "schema diff is not available for SQLite yet");
}
