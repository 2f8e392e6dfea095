/*
 * schema/introspect_sqlite.c - reading a SQLite database's schema into the
 * catalog model (see catalog.h).
 */
#include "schema/diff.h"
#include "strata/error.h"

int sc_introspect_sqlite(struct strata_db *db, const char *version_table, sc_catalog *cat)
{
	return strata_error_set(STRATA_EINVALID, "schema introspection is not available for SQLite yet");
}
