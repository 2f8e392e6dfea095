/*
 * advise/rules_index.c - SA2xx indexes: foreign keys without an index
 * that leads with their columns, duplicate and redundant indexes, and on
 * a live PostgreSQL database unused and INVALID indexes and tables read
 * by many sequential scans; soft-delete columns without a partial index;
 * LIKE-searched columns ([advise] like_columns) without a usable index.
 *
 * Layer: advise (reads the model and the statistics only).
 *
 * Two key elements are equal when both are the same column with the same
 * modifiers (opclass, collation, order) or the same expression text, as
 * the engine prints it. Only btree indexes have leading columns; any
 * index method counts as a duplicate of the same method.
 */
#include "advise/advise.h"
#include "util/alloc.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int key_eq(const adv_key *a, const adv_key *b)
{
	if (a->col && b->col)
		return strcmp(a->col, b->col) == 0 && strata__sc_str_eq(a->rest, b->rest);
	return !a->col && !b->col && strcmp(a->text, b->text) == 0;
}

/* Whether the index's first n keys are plain columns making the set cols. */
static int leads_with(const adv_index *x, char *const *cols, size_t n)
{
	if (x->where || x->nkeys < n || strcmp(x->method, "btree") != 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!x->keys[i].col || !strata__sc_strv_has(cols, n, x->keys[i].col))
			return 0;
	return 1;
}

/* "CREATE INDEX [CONCURRENTLY] table_col_idx ON table (cols)" (+ WHERE) into b. */
static void create_index_sql(strata_buf *b, const advise_ctx *c, const sc_object *t,
			     char *const *cols, size_t n, const char *suffix, const char *where)
{
	char name[64];
	size_t len = (size_t)snprintf(name, sizeof(name), "%s", t->name);

	for (size_t i = 0; i < n && len < sizeof(name); i++)
		len += (size_t)snprintf(name + len, sizeof(name) - len, "_%s", cols[i]);
	/* keep room for the suffix within the 63-byte limit */
	if (len > 63 - strlen(suffix) - 1)
		len = 63 - strlen(suffix) - 1;
	snprintf(name + len, sizeof(name) - len, "_%s", suffix);
	strata__buf_clear(b);
	strata__buf_puts(b, c->pg ? "CREATE INDEX CONCURRENTLY " : "CREATE INDEX ");
	strata__advise_put_ident_sql(b, c, name);
	strata__buf_puts(b, " ON ");
	strata__advise_put_table_sql(b, c, t);
	strata__buf_puts(b, " (");
	for (size_t i = 0; i < n; i++) {
		if (i)
			strata__buf_puts(b, ", ");
		strata__advise_put_ident_sql(b, c, cols[i]);
	}
	strata__buf_putc(b, ')');
	if (where)
		strata__buf_printf(b, " WHERE %s", where);
	strata__buf_putc(b, ';');
}

static void drop_index_sql(strata_buf *b, const advise_ctx *c, const adv_table *t,
			   const adv_index *x)
{
	strata__buf_clear(b);
	if (x->constraint) {
		strata__buf_puts(b, "ALTER TABLE ");
		strata__advise_put_table_sql(b, c, t->t);
		strata__buf_puts(b, " DROP CONSTRAINT ");
		strata__advise_put_ident_sql(b, c, x->name);
	} else {
		strata__buf_puts(b, c->pg ? "DROP INDEX CONCURRENTLY " : "DROP INDEX ");
		if (c->pg)
			strata__sc_put_qualified(b, t->t->schema, x->name);
		else
			strata__advise_put_ident_sql(b, c, x->name);
	}
	strata__buf_putc(b, ';');
}

static void fk_indexes(advise_ctx *c, const adv_table *t, strata_buf *name, strata_buf *fix)
{
	strata_buf cols = STRATA_BUF_INIT;

	for (size_t i = 0; i < t->ncons; i++) {
		const sc_object *k = t->cons[i];
		size_t j;

		if (k->contype != 'f' || !k->ncon_columns)
			continue;
		for (j = 0; j < t->nidx && !leads_with(&t->idx[j], k->con_columns, k->ncon_columns); j++)
			;
		/* SQLite: a rowid alias (INTEGER PRIMARY KEY) is the table's own key */
		if (j < t->nidx)
			continue;
		if (!c->pg && k->ncon_columns == 1) {
			const sc_column *col = strata__advise_column(t->t, k->con_columns[0]);
			size_t npk = 0;

			for (size_t q = 0; q < t->t->ncols; q++)
				npk += t->t->cols[q].pk != 0;
			if (col && col->pk == 1 && npk == 1)
				continue;
		}
		create_index_sql(fix, c, t->t, k->con_columns, k->ncon_columns, "idx", NULL);
		strata__buf_clear(&cols);
		for (j = 0; j < k->ncon_columns; j++)
			strata__buf_printf(&cols, "%s%s", j ? "," : "", k->con_columns[j]);
		strata__advise_name(name, t->t, cols.ptr);
		strata__advise_emit(c, A_FK_WITHOUT_INDEX, name->ptr, fix->ptr,
			    "foreign key %s of %s has no index leading with its column%s (%s)", k->name,
			    t->t->name, k->ncon_columns > 1 ? "s" : "", cols.ptr);
	}
	strata__buf_release(&cols);
}

static int same_shape(const adv_index *a, const adv_index *b)
{
	return strcmp(a->method, b->method) == 0 && strata__sc_str_eq(a->where, b->where);
}

static void duplicates(advise_ctx *c, const adv_table *t, strata_buf *name, strata_buf *fix)
{
	for (size_t i = 0; i < t->nidx; i++) {
		const adv_index *a = &t->idx[i];

		for (size_t j = 0; j < t->nidx; j++) {
			const adv_index *b = &t->idx[j];
			size_t k;

			if (i == j || !same_shape(a, b))
				continue;
			for (k = 0; k < a->nkeys && k < b->nkeys && key_eq(&a->keys[k], &b->keys[k]); k++)
				;
			if (k < a->nkeys)
				continue; /* a is not a prefix of b */
			if (a->nkeys == b->nkeys && strata__sc_str_eq(a->include, b->include)) {
				/* report the one that enforces less, once per pair */
				int a_weaker = (a->unique < b->unique) ||
					       (a->unique == b->unique && a->constraint < b->constraint) ||
					       (a->unique == b->unique && a->constraint == b->constraint && i > j);

				if (!a_weaker || a->primary)
					continue;
				strata__advise_name(name, t->t, NULL);
				strata__buf_printf(name, ".%s", a->name);
				drop_index_sql(fix, c, t, a);
				strata__advise_emit(c, A_DUPLICATE_INDEX, name->ptr, fix->ptr,
					    "index %s duplicates %s on %s (same columns, method and predicate)",
					    a->name, b->name, t->t->name);
				break;
			}
			/* a strict prefix: a serves nothing b does not, unless it
			 * enforces uniqueness or carries columns of its own */
			if (a->nkeys < b->nkeys && !a->unique && !a->include &&
			    strcmp(a->method, "btree") == 0) {
				strata__advise_name(name, t->t, NULL);
				strata__buf_printf(name, ".%s", a->name);
				drop_index_sql(fix, c, t, a);
				strata__advise_emit(c, A_REDUNDANT_INDEX, name->ptr, fix->ptr,
					    "index %s is redundant: %s leads with the same column%s",
					    a->name, b->name, a->nkeys > 1 ? "s" : "");
				break;
			}
		}
	}
}

static const char *age_words(const advise_ctx *c, char *buf, size_t n)
{
	double s = c->stats->age_seconds;

	if (s < 3600)
		snprintf(buf, n, "%.0f seconds", s);
	else if (s < 86400 * 2)
		snprintf(buf, n, "%.1f hours", s / 3600);
	else
		snprintf(buf, n, "%.0f days", s / 86400);
	return buf;
}

static void live_indexes(advise_ctx *c, const adv_table *t, strata_buf *name, strata_buf *fix)
{
	char age[64];

	for (size_t i = 0; i < t->nidx; i++) {
		const adv_index *x = &t->idx[i];
		const adv_index_stat *st;

		if (x->obj->kind == SC_INDEX && x->obj->not_valid) {
			strata__advise_name(name, t->t, NULL);
			strata__buf_printf(name, ".%s", x->name);
			strata__buf_clear(fix);
			strata__buf_puts(fix, "REINDEX INDEX CONCURRENTLY ");
			strata__sc_put_qualified(fix, t->t->schema, x->name);
			strata__buf_putc(fix, ';');
			strata__advise_emit(c, A_INVALID_INDEX, name->ptr, fix->ptr,
				    "index %s is INVALID: writes maintain it, no query can use it", x->name);
			continue;
		}
		if (!c->stats || c->stats->age_seconds < 0 || x->unique || x->constraint ||
		    !(st = strata__map_get(&c->stats->indexes, x->obj->key)) || st->scans > 0)
			continue;
		strata__advise_name(name, t->t, NULL);
		strata__buf_printf(name, ".%s", x->name);
		drop_index_sql(fix, c, t, x);
		strata__advise_emit_at(c, A_UNUSED_INDEX,
			       c->stats->age_seconds < c->s->unused_index_min_days * 86400.0
				       ? STRATA_ADVISE_INFO : 0,
			       name->ptr, fix->ptr,
			       "index %s has not been scanned in the %s since %s%s", x->name,
			       age_words(c, age, sizeof(age)),
			       c->stats->age_from_reset ? "the statistics were reset"
							: "the server started (statistics never reset)",
			       c->stats->age_seconds < c->s->unused_index_min_days * 86400.0
				       ? " (too short a time to be sure)" : "");
	}
}

static void seq_scans(advise_ctx *c, const adv_table *t, strata_buf *name)
{
	const adv_table_stat *st;
	char age[64];
	size_t others = 0;

	if (!c->stats || c->stats->age_seconds < 0 || !(st = strata__map_get(&c->stats->tables, t->t->key)))
		return;
	if (st->seq_scan < c->s->seq_scan_min_scans || st->live_rows < c->s->seq_scan_min_rows)
		return;
	for (size_t i = 0; i < t->nidx; i++)
		others += !t->idx[i].primary;
	if (others)
		return;
	strata__advise_name(name, t->t, NULL);
	strata__advise_emit(c, A_SEQ_SCANS, name->ptr, NULL,
		    "%s was read by %lld sequential scans (%lld rows) in the %s since %s; it has "
		    "%lld rows and no index besides its primary key",
		    name->ptr, st->seq_scan, st->seq_tup_read, age_words(c, age, sizeof(age)),
		    c->stats->age_from_reset ? "the statistics were reset" : "the server started",
		    st->live_rows);
}

static int is_soft_delete(const char *name)
{
	static const char *const names[] = { "deleted_at", "deleted_on", "deleted", "is_deleted",
					     "archived_at", "removed_at", "deletedat", "isdeleted",
					     NULL };

	for (size_t i = 0; names[i]; i++)
		if (strcasecmp(name, names[i]) == 0)
			return 1;
	return 0;
}

/* Whether the text mentions the identifier (as a whole word, maybe quoted). */
static int mentions(const char *text, const char *ident)
{
	size_t n = strlen(ident);

	for (const char *p = text; (p = strstr(p, ident)) != NULL; p++) {
		char before = p == text ? ' ' : p[-1], after = p[n];

		if (!(isalnum((unsigned char)before) || before == '_') &&
		    !(isalnum((unsigned char)after) || after == '_'))
			return 1;
	}
	return 0;
}

static void soft_delete(advise_ctx *c, const adv_table *t, strata_buf *name, strata_buf *fix)
{
	for (size_t i = 0; i < t->t->ncols; i++) {
		const sc_column *col = &t->t->cols[i];
		char where[160];
		char *pkcols[16];
		size_t npk = 0, j;

		if (!is_soft_delete(col->name))
			continue;
		for (j = 0; j < t->nidx && !(t->idx[j].where && mentions(t->idx[j].where, col->name)); j++)
			;
		if (j < t->nidx)
			continue;
		if (t->pk && t->pk->kind == SC_CONSTRAINT)
			for (j = 0; j < t->pk->ncon_columns && npk < 16; j++)
				pkcols[npk++] = t->pk->con_columns[j];
		else
			for (j = 0; j < t->t->ncols && npk < 16; j++)
				if (t->t->cols[j].pk)
					pkcols[npk++] = t->t->cols[j].name;
		{
			strata_buf w = STRATA_BUF_INIT;
			int flag = strcmp(col->type, "boolean") == 0;

			if (flag)
				strata__buf_puts(&w, "NOT ");
			strata__advise_put_ident_sql(&w, c, col->name);
			if (!flag)
				strata__buf_puts(&w, " IS NULL");
			snprintf(where, sizeof(where), "%s", strata__buf_cstr(&w));
			strata__buf_release(&w);
		}
		strata__buf_clear(fix);
		if (npk)
			create_index_sql(fix, c, t->t, pkcols, npk, "live_idx", where);
		strata__advise_name(name, t->t, col->name);
		strata__advise_emit(c, A_SOFT_DELETE_INDEX, name->ptr, npk ? fix->ptr : NULL,
			    "%s marks deleted rows but no partial index of %s leaves them out "
			    "(WHERE %s)",
			    name->ptr, t->t->name, where);
	}
}

/* Whether the index serves LIKE 'x%' on col (btree with a pattern opclass
 * or the C collation, a trigram index; SQLite: COLLATE NOCASE, as LIKE is
 * case-insensitive there). */
static int serves_like(const advise_ctx *c, const adv_index *x, const sc_column *col)
{
	const adv_key *k = x->nkeys ? &x->keys[0] : NULL;

	if (!k)
		return 0;
	if (c->pg && (strcmp(x->method, "gin") == 0 || strcmp(x->method, "gist") == 0))
		for (size_t i = 0; i < x->nkeys; i++)
			if (strstr(x->keys[i].text, "trgm_ops") && mentions(x->keys[i].text, col->name))
				return 1;
	if (!k->col || strcmp(k->col, col->name) != 0 || x->where || strcmp(x->method, "btree") != 0)
		return 0;
	if (!c->pg)
		return strstr(k->rest, "NOCASE") || strstr(k->rest, "nocase");
	return strstr(k->rest, "_pattern_ops") || strstr(k->rest, "COLLATE \"C\"") ||
	       (col->collation && strcmp(col->collation, "pg_catalog.\"C\"") == 0);
}

static void like_columns(advise_ctx *c, strata_buf *name, strata_buf *fix)
{
	for (size_t i = 0; i < c->s->nlike_columns; i++) {
		const char *want = c->s->like_columns[i];

		for (size_t k = 0; k < c->ntables; k++) {
			const adv_table *t = &c->tables[k];

			for (size_t q = 0; q < t->t->ncols; q++) {
				const sc_column *col = &t->t->cols[q];
				const char *bare;
				size_t j;

				strata__advise_name(name, t->t, col->name);
				bare = t->t->schema ? name->ptr + strlen(t->t->schema) + 1 : name->ptr;
				if (strcmp(want, name->ptr) != 0 && strcmp(want, bare) != 0)
					continue;
				for (j = 0; j < t->nidx && !serves_like(c, &t->idx[j], col); j++)
					;
				if (j < t->nidx)
					continue;
				strata__buf_clear(fix);
				strata__buf_puts(fix, c->pg ? "CREATE INDEX CONCURRENTLY " : "CREATE INDEX ");
				{
					char iname[64];

					snprintf(iname, sizeof(iname), "%.*s_%.*s_like_idx", 25,
						 t->t->name, 25, col->name);
					strata__advise_put_ident_sql(fix, c, iname);
				}
				strata__buf_puts(fix, " ON ");
				strata__advise_put_table_sql(fix, c, t->t);
				strata__buf_puts(fix, " (");
				strata__advise_put_ident_sql(fix, c, col->name);
				strata__buf_puts(fix, c->pg ? (strncmp(col->type, "character varying", 17) == 0
							       ? " varchar_pattern_ops);"
							       : " text_pattern_ops);")
						    : " COLLATE NOCASE);");
				strata__advise_emit(c, A_LIKE_WITHOUT_INDEX, name->ptr, fix->ptr,
					    "%s is searched with LIKE 'x%%' ([advise] like_columns) and "
					    "no index can serve that search",
					    name->ptr);
			}
		}
	}
}

void strata__advise_rules_index(advise_ctx *c)
{
	strata_buf name = STRATA_BUF_INIT, fix = STRATA_BUF_INIT;

	for (size_t i = 0; i < c->ntables; i++) {
		const adv_table *t = &c->tables[i];

		fk_indexes(c, t, &name, &fix);
		duplicates(c, t, &name, &fix);
		live_indexes(c, t, &name, &fix);
		seq_scans(c, t, &name);
		soft_delete(c, t, &name, &fix);
	}
	like_columns(c, &name, &fix);
	strata__buf_release(&name);
	strata__buf_release(&fix);
}
