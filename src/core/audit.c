/*
 * core/audit.c - the audit trail of a database, read from its history
 * table (see strata/audit.h).
 *
 * Layer: core; talks to the database only through db/db.h, on a read-only
 * connection, and finds the tables as core/bookkeeping.c names them. The
 * filters become WHERE clauses with bound values, so -n N counts rows that
 * pass them; only the lock check behind "interrupted" is made here.
 *
 * Times: PostgreSQL keeps timestamptz, formatted here in UTC; SQLite keeps
 * the ISO text strata wrote (strata__utc_timestamp(), or strftime('%Y-%m-%dT%H:%M:%fZ')
 * in --sql scripts), which sorts and compares as text, so a since bound in
 * that same form works as a string comparison.
 */
#include "strata/audit.h"
#include "strata/error.h"
#include "core/bookkeeping.h"
#include "db/db.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/buf.h"
#include "util/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const strata_audit_outcomes[] = {
	"applied", "reverted", "rolled-back", "failed", "stamped", "accepted", "running",
	"interrupted", "adopted", "expanding", "expanded", "contracted", NULL,
};

static int outcome_known(const char *s)
{
	for (size_t i = 0; strata_audit_outcomes[i]; i++)
		if (strcmp(strata_audit_outcomes[i], s) == 0)
			return 1;
	return 0;
}

/* opts, checked before any connection: the since bound as the database compares it. */
static int check_options(char since[32], const strata_audit_options *o)
{
	int64_t ms;
	int rc;

	since[0] = '\0';
	if (o->outcome && !outcome_known(o->outcome)) {
		strata_buf list = STRATA_BUF_INIT;

		for (size_t i = 0; strata_audit_outcomes[i]; i++)
			strata__buf_printf(&list, "%s%s", i ? ", " : "", strata_audit_outcomes[i]);
		strata_error_set(STRATA_EINVALID, "unknown outcome '%s'", o->outcome);
		strata_error_hint("the outcomes are %s", strata__buf_cstr(&list));
		strata__buf_release(&list);
		return STRATA_EINVALID;
	}
	if (o->since) {
		if ((rc = strata__since_parse(&ms, o->since, strata__iso_time_now_ms())) < 0)
			return rc;
		strata__iso_time_format_ms(since, ms);
	}
	return 0;
}

typedef struct reader {
	strata_audit *a;
	size_t cap;
	strata_db *db;
} reader;

/* A value into *slot, with the connection's password scrubbed: a failed
 * statement is stored as it was written, and may name it. */
static int copy(const reader *r, const char **slot, const char *v)
{
	char *s;

	*slot = NULL;
	if (!v)
		return 0;
	if (!(s = strata_strdup(v)))
		return STRATA_ERROR;
	strata__db_scrub(r->db, s);
	*slot = s;
	return 0;
}

static long long number_or(const char *v, long long missing)
{
	return v ? strtoll(v, NULL, 10) : missing;
}

/* Columns as SELECTed in read_rows(). */
enum { C_ID, C_REVISION, C_DIRECTION, C_OUTCOME, C_CHECKSUM, C_STARTED, C_FINISHED,
       C_DURATION, C_USER, C_HOST, C_VERSION, C_ERROR, C_STATEMENT, C_RUN, C_NOTE, C_COUNT };

static int on_row(void *payload, int ncols, const char *const *v)
{
	reader *r = payload;
	strata_audit_entry *e;

	if (ncols < C_COUNT)
		return strata_error_set(STRATA_ERROR, "history row with %d columns", ncols);
	if (strata_grow((void **)&r->a->entries, &r->cap, r->a->n + 1, sizeof(*e)) < 0)
		return STRATA_ERROR;
	e = &r->a->entries[r->a->n++];
	memset(e, 0, sizeof(*e));
	e->id = number_or(v[C_ID], 0);
	e->duration_ms = v[C_FINISHED] ? number_or(v[C_DURATION], -1) : -1;
	e->statements_run = (long)number_or(v[C_RUN], -1);
	if (copy(r, &e->revision, v[C_REVISION]) < 0 ||
	    copy(r, &e->direction, v[C_DIRECTION]) < 0 ||
	    copy(r, &e->outcome, v[C_OUTCOME]) < 0 ||
	    copy(r, &e->checksum, v[C_CHECKSUM]) < 0 ||
	    copy(r, &e->started_at, v[C_STARTED]) < 0 ||
	    copy(r, &e->finished_at, v[C_FINISHED]) < 0 ||
	    copy(r, &e->db_user, v[C_USER]) < 0 ||
	    copy(r, &e->client_host, v[C_HOST]) < 0 ||
	    copy(r, &e->tool_version, v[C_VERSION]) < 0 ||
	    copy(r, &e->error, v[C_ERROR]) < 0 ||
	    copy(r, &e->failed_statement, v[C_STATEMENT]) < 0 ||
	    copy(r, &e->note, v[C_NOTE]) < 0)
		return STRATA_ERROR;
	return 0;
}

/* A time column as ISO 8601 UTC text with milliseconds. */
static int put_time(strata_buf *sql, db_engine engine, const char *column)
{
	if (engine == DB_POSTGRES)
		return strata__buf_printf(sql, "to_char(h.%s AT TIME ZONE 'UTC', "
				  "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')", column);
	return strata__buf_printf(sql, "h.%s", column);
}

/*
 * The SELECT with its filters. outcome is the stored outcome to match (an
 * "interrupted" filter looks for "running" rows), or NULL.
 */
static int build_query(strata_buf *sql, const char **params, int *nparams, db_engine engine,
		       const strata_config *cfg, const char *since, const char *revision,
		       const char *outcome, size_t limit)
{
	strata_buf table = STRATA_BUF_INIT;
	int pg = engine == DB_POSTGRES, rc = STRATA_ERROR;

	*nparams = 0;
	if (strata__db_quote_qualified(&table, cfg->history_table) < 0 ||
	    strata__buf_puts(sql, "SELECT h.id, h.revision, h.direction, h.outcome, h.checksum, ") < 0 ||
	    put_time(sql, engine, "started_at") < 0 || strata__buf_puts(sql, ", ") < 0 ||
	    put_time(sql, engine, "finished_at") < 0 ||
	    strata__buf_puts(sql, ", h.duration_ms, h.db_user, h.client_host, h.tool_version, h.error, "
			  "h.failed_statement, h.statements_run, h.note FROM ") < 0 ||
	    /* A "running" row that a later row of its revision closes says nothing more. */
	    strata__buf_printf(sql, "%s h WHERE NOT (h.outcome = 'running' AND EXISTS (SELECT 1 FROM %s "
			    "later WHERE later.revision = h.revision AND later.id > h.id))",
		       table.ptr, table.ptr) < 0)
		goto done;
	if (since[0]) {
		params[(*nparams)++] = since;
		if (strata__buf_printf(sql, pg ? " AND h.started_at >= CAST($%d AS timestamptz)"
				       : " AND h.started_at >= $%d", *nparams) < 0)
			goto done;
	}
	if (revision) {
		params[(*nparams)++] = revision;
		if (strata__buf_printf(sql, " AND substr(h.revision, 1, length(CAST($%d AS text))) = "
				    "CAST($%d AS text)", *nparams, *nparams) < 0)
			goto done;
	}
	if (outcome) {
		params[(*nparams)++] = outcome;
		if (strata__buf_printf(sql, " AND h.outcome = $%d", *nparams) < 0)
			goto done;
	}
	if (strata__buf_puts(sql, " ORDER BY h.id DESC") < 0 ||
	    (limit && strata__buf_printf(sql, " LIMIT %zu", limit) < 0))
		goto done;
	rc = 0;
done:
	strata__buf_release(&table);
	return rc;
}

/*
 * An open "running" row is a step in progress while some strata run holds
 * the run lock (only live processes hold it), else one that died.
 */
static int lock_held(int *held, strata_db *db, const strata_config *cfg)
{
	if (*held >= 0)
		return 0;
	return strata__db_lock_held(db, cfg->version_table, held);
}

static int read_rows(strata_audit *a, strata_db *db, const strata_config *cfg,
		     const strata_audit_options *o, const char *since)
{
	strata_buf sql = STRATA_BUF_INIT;
	const char *params[3], *outcome = o->outcome;
	reader r = { a, 0, db };
	int nparams, held = -1, rc;

	if (outcome && (strcmp(outcome, "running") == 0 || strcmp(outcome, "interrupted") == 0)) {
		if ((rc = lock_held(&held, db, cfg)) < 0)
			return rc;
		if (held != (strcmp(outcome, "running") == 0))
			return 0; /* what is open is the other of the two */
		outcome = "running";
	}
	if ((rc = build_query(&sql, params, &nparams, strata__db_engine_kind(db), cfg, since, o->revision,
			      outcome, o->limit)) < 0)
		goto done;
	if ((rc = strata__db_query(db, strata__buf_cstr(&sql), nparams, params, on_row, &r)) < 0)
		goto done;
	for (size_t i = 0; i < a->n; i++) {
		strata_audit_entry *e = &a->entries[i];

		if (strcmp(e->outcome, "running") != 0)
			continue;
		if ((rc = lock_held(&held, db, cfg)) < 0)
			goto done;
		if (!held) {
			strata_free((char *)e->outcome);
			if (!(e->outcome = strata_strdup("interrupted"))) {
				rc = STRATA_ERROR;
				goto done;
			}
		}
	}
done:
	strata__buf_release(&sql);
	return rc;
}

int strata_audit_read(strata_audit **out, const strata_config *cfg,
		      const strata_audit_options *opts)
{
	strata_audit_options all = STRATA_AUDIT_OPTIONS_INIT;
	db_open_options oo = DB_OPEN_OPTIONS_INIT;
	strata_audit *a = NULL;
	strata_db *db = NULL;
	char since[32];
	int rc;

	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(cfg);

	*out = NULL;
	if (!opts)
		opts = &all;
	if ((rc = check_options(since, opts)) < 0)
		return rc;
	if (!(a = strata_calloc(1, sizeof(*a))))
		return STRATA_ERROR;
	oo.project_root = cfg->root;
	oo.read_only = 1;
	if ((rc = strata__db_open(&db, cfg->database, &oo)) < 0 ||
	    (rc = strata__bk_tables_exist(&a->tables_exist, db, cfg)) < 0)
		goto done;
	if (a->tables_exist && (rc = read_rows(a, db, cfg, opts, since)) < 0) {
		strata_error_append(" (reading %s)", cfg->history_table);
		goto done;
	}
	*out = a;
	a = NULL;
done:
	strata__db_close(db);
	strata_audit_free(a);
	return rc;
}

void strata_audit_free(strata_audit *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		strata_audit_entry *e = &a->entries[i];
		const char *owned[] = { e->revision, e->direction, e->outcome, e->checksum,
					e->started_at, e->finished_at, e->db_user, e->client_host,
					e->tool_version, e->error, e->failed_statement, e->note };

		for (size_t k = 0; k < sizeof(owned) / sizeof(owned[0]); k++)
			strata_free((char *)owned[k]);
	}
	strata_free(a->entries);
	strata_free(a);
}
