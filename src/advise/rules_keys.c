/*
 * advise/rules_keys.c - SA1xx keys and integrity: primary keys, integer
 * keys that will overflow (and, live, how much of a sequence's range is
 * gone and how fast), foreign keys whose types differ from what they
 * reference, nullable columns in natural keys, isolated tables.
 *
 * Layer: advise (reads the model and the statistics only).
 */
#include "advise/advise.h"
#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INT4_MAX_ 2147483647LL
#define INT2_MAX_ 32767LL

static long long type_max(const char *type)
{
	if (!type)
		return 0;
	if (strcmp(type, "integer") == 0)
		return INT4_MAX_;
	if (strcmp(type, "smallint") == 0)
		return INT2_MAX_;
	return 0;
}

/* The sequence a column's default calls nextval() on, as a sequence key. */
static char *nextval_key(const sc_object *t, const sc_column *col)
{
	const char *p = col->default_expr ? strstr(col->default_expr, "nextval('") : NULL;
	const char *e, *dot;
	char name[256], schema[128];

	if (!p)
		return NULL;
	p += 9;
	if (!(e = strchr(p, '\'')) || (size_t)(e - p) >= sizeof(name))
		return NULL;
	memcpy(name, p, (size_t)(e - p));
	name[e - p] = '\0';
	if ((dot = strchr(name, '.')) != NULL && (size_t)(dot - name) < sizeof(schema)) {
		memcpy(schema, name, (size_t)(dot - name));
		schema[dot - name] = '\0';
		return strata__sc_make_key(SC_SEQUENCE, schema, NULL, dot + 1);
	}
	return strata__sc_make_key(SC_SEQUENCE, t->schema, NULL, name);
}

static const adv_seq_stat *column_sequence(const advise_ctx *c, const adv_table *t,
					   const sc_column *col)
{
	char key[600];
	const adv_seq_stat *s;
	char *k;

	if (!c->stats)
		return NULL;
	snprintf(key, sizeof(key), "%s\x1f%s", t->t->key, col->name);
	if ((s = strata__map_get(&c->stats->seqs, key)) != NULL)
		return s;
	if (!(k = nextval_key(t->t, col)))
		return NULL;
	s = strata__map_get(&c->stats->seqs, k);
	strata_free(k);
	return s;
}

/* ", at the rate since ...: full in about N days" (or nothing) into b. */
static void put_rate(strata_buf *b, const advise_ctx *c, const char *table_key, long long left,
		     long long inc)
{
	const adv_table_stat *ts = table_key ? strata__map_get(&c->stats->tables, table_key) : NULL;
	double days = c->stats->age_seconds / 86400.0, per_day;

	if (!ts || ts->inserts <= 0 || days <= 0)
		return;
	per_day = (double)ts->inserts * (double)(inc > 0 ? inc : 1) / days;
	strata__buf_printf(b, "; %lld rows inserted in the %.2f days since %s: full in about %.0f days at "
		      "that rate",
		   ts->inserts, days,
		   c->stats->age_from_reset ? "the statistics were reset" : "the server started",
		   (double)left / per_day);
}

static void no_primary_key(advise_ctx *c, const adv_table *t, strata_buf *name)
{
	strata_buf fix = STRATA_BUF_INIT;
	const char *fixp = NULL;

	if (t->pk)
		return;
	if (c->pg) {
		const sc_column *id = strata__advise_column(t->t, "id");

		strata__buf_puts(&fix, "ALTER TABLE ");
		strata__advise_put_table_sql(&fix, c, t->t);
		if (id)
			strata__buf_puts(&fix, " ADD PRIMARY KEY (id);");
		else
			strata__buf_puts(&fix, " ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;");
		fixp = strata__buf_cstr(&fix);
	}
	strata__advise_emit(c, A_NO_PRIMARY_KEY, name->ptr, fixp, "table %s has no primary key%s", name->ptr,
		    c->pg ? "" : " (only its rowid tells rows apart)");
	strata__buf_release(&fix);
}

static void integer_keys(advise_ctx *c, const adv_table *t, strata_buf *name)
{
	strata_buf fix = STRATA_BUF_INIT, rate = STRATA_BUF_INIT;

	for (size_t i = 0; c->pg && i < t->t->ncols; i++) {
		const sc_column *col = &t->t->cols[i];
		long long max = type_max(col->type);
		const adv_seq_stat *s;
		strata_advise_severity sev = 0;

		if (!max || !(col->identity || (col->default_expr &&
						 strstr(col->default_expr, "nextval("))))
			continue;
		strata__advise_name(name, t->t, col->name);
		strata__advise_alter_column_sql(&fix, c, t->t, col->name, "TYPE bigint;");
		/* a serial's sequence is AS integer too (an identity's follows the column) */
		if (!col->identity && col->default_expr) {
			const char *q = strstr(col->default_expr, "nextval('"), *e;

			if (q && (e = strchr(q + 9, '\'')) != NULL)
				strata__buf_printf(&fix, " ALTER SEQUENCE %.*s AS bigint;", (int)(e - q - 9), q + 9);
		}
		strata__buf_clear(&rate);
		if ((s = column_sequence(c, t, col)) != NULL && s->last_value >= 0) {
			double used = 100.0 * (double)s->last_value / (double)max;

			strata__buf_printf(&rate, "; its sequence is at %lld, %.2f%% of the range", s->last_value,
				   used);
			put_rate(&rate, c, t->t->key, max - s->last_value, s->increment);
			if (used >= c->s->sequence_used_percent)
				sev = STRATA_ADVISE_ERROR;
		}
		strata__advise_emit_at(c, A_INT_KEY_OVERFLOW, sev, name->ptr, fix.ptr,
			       "%s is %s fed by a sequence: it stops at %lld%s", name->ptr, col->type,
			       max, strata__buf_cstr(&rate));
	}
	strata__buf_release(&fix);
	strata__buf_release(&rate);
}

/* SA103: every sequence of the live database against the range of its
 * type, or of the column it feeds when that is narrower. */
static void sequences(advise_ctx *c)
{
	strata_buf msg = STRATA_BUF_INIT;

	for (size_t i = 0; c->stats && c->stats->age_seconds >= 0 && i < c->stats->nseq; i++) {
		const adv_seq_stat *s = c->stats->seq_list[i];
		long long max = s->max_value;
		const adv_table *t = strata__advise_table(c, s->owner_table);
		const sc_column *col = t ? strata__advise_column(t->t, s->owner_col) : NULL;
		double used;

		if (col && type_max(col->type) && type_max(col->type) < max)
			max = type_max(col->type);
		if (s->last_value < 0 || max <= 0 || s->increment <= 0)
			continue;
		used = 100.0 * (double)s->last_value / (double)max;
		if (used < c->s->sequence_used_percent)
			continue;
		strata__buf_clear(&msg);
		strata__buf_printf(&msg, "sequence %s is at %lld of %lld (%.2f%% used)", s->name, s->last_value,
			   max, used);
		put_rate(&msg, c, s->owner_table, max - s->last_value, s->increment);
		strata__advise_emit_at(c, A_SEQUENCE_NEAR_END, used >= 85 ? STRATA_ADVISE_ERROR : 0, s->name,
			       NULL, "%s", msg.ptr);
	}
	strata__buf_release(&msg);
}

static int same_type(const advise_ctx *c, const char *a, const char *b)
{
	if (!a || !b)
		return 1;
	return c->pg ? strcmp(a, b) == 0 : strata__advise_affinity(a) == strata__advise_affinity(b);
}

static void fk_types(advise_ctx *c, const adv_table *t, strata_buf *name)
{
	strata_buf fix = STRATA_BUF_INIT, ref = STRATA_BUF_INIT;

	for (size_t i = 0; i < t->ncons; i++) {
		const sc_object *k = t->cons[i];
		const adv_table *p = k->contype == 'f' ? strata__advise_table(c, k->ref_table) : NULL;

		for (size_t j = 0; p && j < k->ncon_columns && j < k->nref_columns; j++) {
			const sc_column *a = strata__advise_column(t->t, k->con_columns[j]);
			const sc_column *b = strata__advise_column(p->t, k->ref_columns[j]);

			if (!a || !b || same_type(c, a->type, b->type))
				continue;
			strata__advise_name(name, t->t, a->name);
			if (c->pg) {
				char action[160];

				snprintf(action, sizeof(action), "TYPE %s;", b->type);
				strata__advise_alter_column_sql(&fix, c, t->t, a->name, action);
			}
			strata__advise_name(&ref, p->t, b->name);
			strata__advise_emit(c, A_FK_TYPE_MISMATCH, name->ptr, c->pg ? fix.ptr : NULL,
				    "%s is %s but references %s, which is %s (foreign key %s)",
				    name->ptr, a->type, ref.ptr, b->type, k->name);
		}
	}
	strata__buf_release(&fix);
	strata__buf_release(&ref);
}

static void nullable_keys(advise_ctx *c, const adv_table *t, strata_buf *name)
{
	strata_buf fix = STRATA_BUF_INIT;

	for (size_t i = 0; i < t->nidx; i++) {
		const adv_index *x = &t->idx[i];

		if (!x->unique || x->primary || x->where || x->nulls_not_distinct)
			continue;
		/* one nullable unique column on a table with a primary key is an
		 * optional unique value, not a natural key */
		if (x->nkeys == 1 && t->pk)
			continue;
		for (size_t k = 0; k < x->nkeys; k++) {
			const sc_column *col = strata__advise_column(t->t, x->keys[k].col);

			if (!col || col->not_null || col->pk)
				continue;
			strata__advise_name(name, t->t, col->name);
			if (c->pg)
				strata__advise_alter_column_sql(&fix, c, t->t, col->name, "SET NOT NULL;");
			strata__advise_emit(c, A_NULLABLE_NATURAL_KEY, name->ptr, c->pg ? fix.ptr : NULL,
				    "%s is nullable but part of unique key %s%s: rows with NULL there "
				    "are never duplicates",
				    name->ptr, x->name, t->pk ? "" : " (the table has no primary key)");
		}
	}
	strata__buf_release(&fix);
}

/* SA106: per schema, when at least 4 tables and most take part in
 * foreign keys, the ones that take part in none. */
static void isolated(advise_ctx *c, strata_buf *name)
{
	for (size_t i = 0; i < c->ntables; i++) {
		const adv_table *t = &c->tables[i];
		size_t n = 0, linked = 0;

		if (t->referenced || t->references)
			continue;
		for (size_t j = 0; j < c->ntables; j++) {
			const adv_table *o = &c->tables[j];

			if (!strata__sc_str_eq(o->t->schema, t->t->schema))
				continue;
			n++;
			linked += o->referenced || o->references;
		}
		if (n < 4 || linked * 2 <= n)
			continue;
		strata__advise_name(name, t->t, NULL);
		strata__advise_emit(c, A_ISOLATED_TABLE, name->ptr, NULL,
			    "%s is referenced by no foreign key and has none, while %zu of the %zu "
			    "tables of its schema are linked",
			    name->ptr, linked, n);
	}
}

void strata__advise_rules_keys(advise_ctx *c)
{
	strata_buf name = STRATA_BUF_INIT;

	for (size_t i = 0; i < c->ntables; i++) {
		const adv_table *t = &c->tables[i];

		strata__advise_name(&name, t->t, NULL);
		no_primary_key(c, t, &name);
		integer_keys(c, t, &name);
		fk_types(c, t, &name);
		nullable_keys(c, t, &name);
	}
	sequences(c);
	isolated(c, &name);
	strata__buf_release(&name);
}
