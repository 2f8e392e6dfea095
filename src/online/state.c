/*
 * online/state.c - the state of online migrations, kept in the database.
 *
 * Layer: online. Schema strata_online, table migrations: one row per
 * started migration, with its operation file, its plan (online_int.h), the
 * backfill's progress and its phase:
 *
 *     (none) --strata_online_start--> started --strata_online_complete--> complete
 *                                        |
 *                                        +-----strata_online_rollback--> rolled_back
 *
 * A partial unique index allows one row in phase "started": one online
 * migration in progress at a time. Rows are never deleted (the audit trail).
 */
#include "online/online_int.h"
#include "strata/error.h"
#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const create_sql[] = {
	"CREATE SCHEMA IF NOT EXISTS " ONLINE_SCHEMA,
	"CREATE TABLE IF NOT EXISTS " ONLINE_SCHEMA ".migrations ("
	" id bigserial PRIMARY KEY,"
	" schema_name text NOT NULL,"
	" name text NOT NULL,"
	" version_schema text NOT NULL,"
	" previous_schema text,"
	" phase text NOT NULL CHECK (phase IN ('started', 'complete', 'rolled_back')),"
	" migration jsonb NOT NULL,"
	" plan jsonb NOT NULL,"
	" progress jsonb,"
	" backfilled boolean NOT NULL DEFAULT false,"
	" started_at timestamptz NOT NULL DEFAULT now(),"
	" finished_at timestamptz,"
	" started_by text NOT NULL DEFAULT current_user)",
	"CREATE UNIQUE INDEX IF NOT EXISTS migrations_one_in_progress ON " ONLINE_SCHEMA
	".migrations ((true)) WHERE phase = 'started'",
};

int strata__state_ensure(strata_db *db)
{
	size_t i;
	int rc = 0, exists = 0;

	if ((rc = strata__state_exists(db, &exists)) < 0 || exists)
		return rc;
	for (i = 0; i < sizeof(create_sql) / sizeof(create_sql[0]) && rc == 0; i++)
		rc = strata__db_exec(db, create_sql[i], 0, NULL);
	return rc;
}

static int on_flag(void *payload, int ncols, const char *const *v)
{
	*(int *)payload = v[0] && strcmp(v[0], "t") == 0;
	return 0;
}

int strata__state_exists(strata_db *db, int *out)
{
	*out = 0;
	return strata__db_query(db, "SELECT to_regclass('" ONLINE_SCHEMA ".migrations') IS NOT NULL", 0,
			NULL, on_flag, out);
}

static char *dup_or_null(const char *s, int *failed)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strata_strdup(s)))
		*failed = 1;
	return d;
}

static int on_state(void *payload, int ncols, const char *const *v)
{
	online_state **out = payload, *s;
	int failed = 0;

	if (!(s = strata_calloc(1, sizeof(*s))))
		return STRATA_ERROR;
	s->id = atoll(v[0]);
	s->schema = dup_or_null(v[1], &failed);
	s->name = dup_or_null(v[2], &failed);
	s->version_schema = dup_or_null(v[3], &failed);
	s->previous_schema = dup_or_null(v[4], &failed);
	s->phase = dup_or_null(v[5], &failed);
	s->plan = json_loads(v[6], 0, NULL);
	s->progress = v[7] ? json_loads(v[7], 0, NULL) : NULL;
	s->backfilled = v[8] && strcmp(v[8], "t") == 0;
	s->started_at = dup_or_null(v[9], &failed);
	if (failed || !s->plan) {
		strata__state_free(s);
		return strata_error_set(STRATA_ERROR, "cannot read the online migration's state");
	}
	*out = s;
	return 1;
}

int strata__state_active(online_state **out, strata_db *db)
{
	int rc;

	*out = NULL;
	rc = strata__db_query(db, "SELECT id, schema_name, name, version_schema, previous_schema, phase, "
		      "plan::text, progress::text, backfilled, "
		      "to_char(started_at, 'YYYY-MM-DD HH24:MI:SSOF') FROM " ONLINE_SCHEMA
		      ".migrations WHERE phase = 'started' ORDER BY id DESC LIMIT 1",
		      0, NULL, on_state, out);
	return rc < 0 ? rc : 0;
}

static int on_string(void *payload, int ncols, const char *const *v)
{
	char **out = payload;

	if (v[0] && !(*out = strata_strdup(v[0])))
		return STRATA_ERROR;
	return 1;
}

int strata__state_latest_schema(char **out, strata_db *db, const char *schema)
{
	const char *params[1] = { schema };
	int rc;

	*out = NULL;
	rc = strata__db_query(db, "SELECT version_schema FROM " ONLINE_SCHEMA ".migrations "
		      "WHERE schema_name = $1 AND phase = 'complete' ORDER BY id DESC LIMIT 1",
		      1, params, on_string, out);
	return rc < 0 ? rc : 0;
}

int strata__state_insert(strata_db *db, const char *schema, const char *name, const char *vs,
		 const char *prev, const char *migration_json, const char *plan_json)
{
	const char *params[6] = { schema, name, vs, prev, migration_json, plan_json };

	return strata__db_exec(db, "INSERT INTO " ONLINE_SCHEMA ".migrations (schema_name, name, "
		       "version_schema, previous_schema, phase, migration, plan) "
		       "VALUES ($1, $2, $3, $4, 'started', $5::jsonb, $6::jsonb)", 6, params);
}

int strata__state_save_progress(strata_db *db, long long id, const char *progress_json, int backfilled)
{
	char idtext[32];
	const char *params[3] = { idtext, progress_json, backfilled ? "true" : "false" };

	snprintf(idtext, sizeof(idtext), "%lld", id);
	return strata__db_exec(db, "UPDATE " ONLINE_SCHEMA ".migrations SET progress = $2::jsonb, "
		       "backfilled = $3::boolean WHERE id = $1::bigint", 3, params);
}

int strata__state_set_phase(strata_db *db, long long id, const char *phase)
{
	char idtext[32];
	const char *params[2] = { idtext, phase };

	snprintf(idtext, sizeof(idtext), "%lld", id);
	return strata__db_exec(db, "UPDATE " ONLINE_SCHEMA ".migrations SET phase = $2, finished_at = now() "
		       "WHERE id = $1::bigint", 2, params);
}

void strata__state_free(online_state *s)
{
	if (!s)
		return;
	strata_free(s->schema);
	strata_free(s->name);
	strata_free(s->version_schema);
	strata_free(s->previous_schema);
	strata_free(s->phase);
	strata_free(s->started_at);
	json_decref(s->plan);
	json_decref(s->progress);
	strata_free(s);
}

typedef struct phase_row {
	char **phase, **vs;
} phase_row;

static int on_phase(void *payload, int ncols, const char *const *v)
{
	phase_row *p = payload;

	if ((v[0] && !(*p->phase = strata_strdup(v[0]))) ||
	    (p->vs && v[1] && !(*p->vs = strata_strdup(v[1]))))
		return STRATA_ERROR;
	return 1;
}

int strata__online_phase_read(char **phase, char **vs, strata_db *db, const char *schema,
		      const char *name)
{
	const char *params[2] = { schema, name };
	phase_row p = { phase, vs };
	int exists = 0, rc;

	*phase = NULL;
	if (vs)
		*vs = NULL;
	if ((rc = strata__state_exists(db, &exists)) < 0 || !exists)
		return rc;
	rc = strata__db_query(db, "SELECT phase, version_schema FROM " ONLINE_SCHEMA ".migrations "
		      "WHERE schema_name = $1 AND name = $2 ORDER BY id DESC LIMIT 1", 2, params,
		      on_phase, &p);
	return rc < 0 ? rc : 0;
}
