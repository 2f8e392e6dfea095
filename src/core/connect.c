/*
 * core/connect.c - strata_db_open (strata/db.h): a connection to a
 * configuration's database, opened the way the runner opens its own
 * (relative sqlite: paths against the project folder), for callers that
 * keep a connection, such as sessions (strata/session.h). In core, not
 * db, because it reads a strata_config.
 */
#include "db/db.h"
#include "strata/config.h"
#include "util/assert.h"

int strata_db_open(strata_db **out, const strata_config *cfg)
{
	db_open_options oo = DB_OPEN_OPTIONS_INIT;

	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(cfg);

	oo.project_root = cfg->root;
	return strata__db_open(out, cfg->database, &oo);
}
