/*
 * advise/live.c - what advise reads from a live database beyond its
 * schema: PostgreSQL's statistics, one query per kind, and with sampling
 * a bounded read of each table's text columns.
 *
 * Layer: advise (uses db only through db.h). The connection is the
 * caller's, read-only. Queries, each run once:
 *   age        pg_stat_database: now() - stats_reset, or - the
 *              postmaster's start when the statistics were never reset
 *   sequences  pg_sequences (last_value, max_value, increment), with the
 *              column that owns each (pg_depend: serial 'a', identity 'i')
 *   indexes    pg_stat_user_indexes.idx_scan
 *   tables     pg_stat_user_tables: seq_scan, seq_tup_read, n_live_tup
 *              (or pg_class.reltuples when larger), n_tup_ins
 * INVALID indexes need no query: the catalog reads pg_index.indisvalid.
 * Every view and column used exists unchanged from PostgreSQL 10 to 18.
 *
 * Sampling (SA402, only when asked): per table with text columns,
 * SELECT of those columns with LIMIT sample_rows; on PostgreSQL, tables
 * estimated at more than ten times that many rows are read through
 * TABLESAMPLE SYSTEM with a percentage that yields a few times the limit,
 * so no read ever scans a whole large table. Statements run under a 10 s
 * statement_timeout.
 */
#include "advise/advise.h"
#include "db/db.h"
#include "strata/error.h"
#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *keep(adv_stats *s, void *p)
{
	void *grown = s->owned;

	if (!p)
		return NULL;
	if (strata_grow(&grown, &s->owned_cap, s->nowned + 1, sizeof(void *)) < 0) {
		strata_free(p);
		return NULL;
	}
	s->owned = grown;
	s->owned[s->nowned++] = p;
	return p;
}

static char *keep_str(adv_stats *s, char *p)
{
	return keep(s, p);
}

void strata__adv_stats_release(adv_stats *s)
{
	for (size_t i = 0; i < s->nowned; i++)
		strata_free(s->owned[i]);
	strata_free(s->owned);
	strata_free(s->seq_list);
	strata__map_release(&s->seqs);
	strata__map_release(&s->indexes);
	strata__map_release(&s->tables);
	strata__map_release(&s->samples);
	memset(s, 0, sizeof(*s));
	s->age_seconds = -1;
}

static long long num(const char *v, long long none)
{
	return v ? strtoll(v, NULL, 10) : none;
}

static int on_age(void *payload, int n, const char *const *v)
{
	adv_stats *s = payload;

	if (n < 2 || !v[0])
		return 0;
	s->age_seconds = strtod(v[0], NULL);
	s->age_from_reset = v[1] && v[1][0] == 't';
	return 0;
}

/* Row: schema, sequence, type, last_value, max_value, increment,
 * owner schema, owner table, owner column. */
static int on_sequence(void *payload, int n, const char *const *v)
{
	adv_stats *s = payload;
	adv_seq_stat *q;
	char *key, buf[300];
	void *grown = s->seq_list;

	if (n < 9 || !v[0] || !v[1])
		return 0;
	if (!(q = keep(s, strata_calloc(1, sizeof(*q)))))
		return STRATA_ERROR;
	snprintf(buf, sizeof(buf), "%s.%s", v[0], v[1]);
	if (!(q->name = keep_str(s, strata_strdup(buf))) ||
	    !(q->type = keep_str(s, strata_strdup(v[2] ? v[2] : ""))))
		return STRATA_ERROR;
	q->last_value = num(v[3], -1);
	q->max_value = num(v[4], 0);
	q->increment = num(v[5], 1);
	if (!(key = keep_str(s, strata__sc_make_key(SC_SEQUENCE, v[0], NULL, v[1]))) ||
	    strata__map_put(&s->seqs, key, q) < 0)
		return STRATA_ERROR;
	if (v[6] && v[7] && v[8]) {
		if (!(q->owner_table = keep_str(s, strata__sc_make_key(SC_TABLE, v[6], NULL, v[7]))) ||
		    !(q->owner_col = keep_str(s, strata_strdup(v[8]))))
			return STRATA_ERROR;
		snprintf(buf, sizeof(buf), "%s\x1f%s", q->owner_table, q->owner_col);
		if (!(key = keep_str(s, strata_strdup(buf))) || strata__map_put(&s->seqs, key, q) < 0)
			return STRATA_ERROR;
	}
	if (strata_grow(&grown, &s->seq_cap, s->nseq + 1, sizeof(*s->seq_list)) < 0)
		return STRATA_ERROR;
	s->seq_list = grown;
	s->seq_list[s->nseq++] = q;
	return 0;
}

static int on_index(void *payload, int n, const char *const *v)
{
	adv_stats *s = payload;
	adv_index_stat *x;
	char *key;

	if (n < 4 || !v[0] || !v[1] || !v[2])
		return 0;
	if (!(x = keep(s, strata_calloc(1, sizeof(*x)))) ||
	    !(key = keep_str(s, strata__sc_make_key(SC_INDEX, v[0], v[1], v[2]))))
		return STRATA_ERROR;
	x->scans = num(v[3], 0);
	return strata__map_put(&s->indexes, key, x) < 0 ? STRATA_ERROR : 0;
}

static int on_table(void *payload, int n, const char *const *v)
{
	adv_stats *s = payload;
	adv_table_stat *t;
	char *key;

	if (n < 6 || !v[0] || !v[1])
		return 0;
	if (!(t = keep(s, strata_calloc(1, sizeof(*t)))) ||
	    !(key = keep_str(s, strata__sc_make_key(SC_TABLE, v[0], NULL, v[1]))))
		return STRATA_ERROR;
	t->seq_scan = num(v[2], 0);
	t->seq_tup_read = num(v[3], 0);
	t->live_rows = num(v[4], 0);
	t->inserts = num(v[5], 0);
	return strata__map_put(&s->tables, key, t) < 0 ? STRATA_ERROR : 0;
}

static const char q_age[] =
	"SELECT extract(epoch FROM now() - coalesce(d.stats_reset, "
	"pg_catalog.pg_postmaster_start_time()))::float8, d.stats_reset IS NOT NULL "
	"FROM pg_catalog.pg_stat_database d WHERE d.datname = pg_catalog.current_database()";

static const char q_sequences[] =
	"SELECT s.schemaname, s.sequencename, s.data_type::text, s.last_value, s.max_value, "
	"s.increment_by, tn.nspname, t.relname, a.attname "
	"FROM pg_catalog.pg_sequences s "
	"JOIN pg_catalog.pg_namespace n ON n.nspname = s.schemaname "
	"JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = s.sequencename "
	"LEFT JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
	" AND d.objid = c.oid AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass "
	" AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i') "
	"LEFT JOIN pg_catalog.pg_class t ON t.oid = d.refobjid "
	"LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace "
	"LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid "
	"ORDER BY 1, 2";

static const char q_indexes[] =
	"SELECT schemaname, relname, indexrelname, idx_scan FROM pg_catalog.pg_stat_user_indexes";

/* Rows: the larger of the counted live rows and the planner's estimate
 * (pg_stat_reset zeroes the first, the last ANALYZE set the second). */
static const char q_tables[] =
	"SELECT s.schemaname, s.relname, s.seq_scan, s.seq_tup_read, "
	"greatest(s.n_live_tup, c.reltuples::int8), s.n_tup_ins "
	"FROM pg_catalog.pg_stat_user_tables s JOIN pg_catalog.pg_class c ON c.oid = s.relid";

/* --- sampling -------------------------------------------------------------- */

typedef struct sample_run {
	strata_buf out;
	const char *const *cols;
	size_t ncols;
} sample_run;

static int on_sample(void *payload, int n, const char *const *v)
{
	sample_run *r = payload;

	for (int i = 0; i < n && (size_t)i < r->ncols; i++) {
		if (!v[i])
			continue;
		if (r->out.len)
			strata__buf_putc(&r->out, '\x1e');
		strata__buf_printf(&r->out, "%s\x1f", r->cols[i]);
		for (const char *p = v[i]; *p; p++)
			strata__buf_putc(&r->out, *p == '\x1e' || *p == '\x1f' ? ' ' : *p);
	}
	return strata__buf_oom(&r->out) ? STRATA_ERROR : 0;
}

static int sample_table(adv_stats *s, strata_db *db, const advise_ctx *c, const sc_object *t,
			int limit)
{
	const char *cols[256];
	size_t ncols = 0;
	strata_buf sql = STRATA_BUF_INIT;
	sample_run run = { STRATA_BUF_INIT, cols, 0 };
	const adv_table_stat *ts = strata__map_get(&s->tables, t->key);
	char *key;
	int rc;

	for (size_t i = 0; i < t->ncols && ncols < 256; i++)
		if (t->cols[i].type && strata__advise_is_text(c, t->cols[i].type) && !t->cols[i].virtual_generated)
			cols[ncols++] = t->cols[i].name;
	if (!ncols)
		return 0;
	run.ncols = ncols;
	strata__buf_puts(&sql, "SELECT ");
	for (size_t i = 0; i < ncols; i++) {
		if (i)
			strata__buf_puts(&sql, ", ");
		strata__advise_put_ident_sql(&sql, c, cols[i]);
	}
	strata__buf_puts(&sql, " FROM ");
	strata__advise_put_table_sql(&sql, c, t);
	if (c->pg && ts && ts->live_rows > 10LL * limit) {
		double pct = 100.0 * 4.0 * limit / (double)ts->live_rows;

		strata__buf_printf(&sql, " TABLESAMPLE SYSTEM (%.4f)", pct < 0.0001 ? 0.0001 : pct);
	}
	strata__buf_printf(&sql, " LIMIT %d", limit);
	if ((rc = strata__buf_check(&sql)) == 0)
		rc = strata__db_query(db, sql.ptr, 0, NULL, on_sample, &run);
	strata__buf_release(&sql);
	if (rc == 0 && run.out.len) {
		if (!(key = keep_str(s, strata__buf_detach(&run.out))) || strata__map_put(&s->samples, t->key, key) < 0)
			rc = STRATA_ERROR;
	}
	strata__buf_release(&run.out);
	if (rc == 0)
		s->sampled++;
	return rc;
}

int strata__adv_stats_read(adv_stats *s, strata_db *db, const sc_catalog *cat,
		   const strata_advise_settings *settings, int sample)
{
	strata_advise_settings defaults;
	advise_ctx c;
	int rc;

	if (!settings) {
		strata_advise_settings_init(&defaults);
		settings = &defaults;
	}
	memset(&c, 0, sizeof(c));
	c.pg = cat->engine == DB_POSTGRES;
	if ((rc = strata__db_set_timeouts(db, 0, 10000)) < 0)
		return rc;
	if (c.pg) {
		if ((rc = strata__db_query(db, q_age, 0, NULL, on_age, s)) < 0 ||
		    (rc = strata__db_query(db, q_sequences, 0, NULL, on_sequence, s)) < 0 ||
		    (rc = strata__db_query(db, q_indexes, 0, NULL, on_index, s)) < 0 ||
		    (rc = strata__db_query(db, q_tables, 0, NULL, on_table, s)) < 0)
			return rc;
	}
	for (size_t i = 0; sample && i < cat->n; i++) {
		const sc_object *t = cat->objs[i];

		if (t->kind != SC_TABLE || t->partition_of || t->relkind == 'f')
			continue;
		if ((rc = sample_table(s, db, &c, t, settings->sample_rows)) < 0)
			return rc;
	}
	return 0;
}
