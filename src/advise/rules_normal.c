/*
 * advise/rules_normal.c - SA4xx normalization smells: repeating groups
 * of columns, columns holding delimited lists (by name, or in sampled
 * rows), columns copied from the table a foreign key references, very
 * wide tables.
 *
 * Layer: advise (reads the model and, for SA402, the sampled values).
 */
#include "advise/advise.h"
#include "util/alloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A column's stem and suffix: "phone2" -> "phone", 2; "tag_b" -> "tag",
 * -'b'. 0 when the name has no numbered or lettered suffix. */
static int split_suffix(const char *name, char *stem, size_t cap)
{
	size_t n = strlen(name), e = n;
	int suffix;

	while (e > 0 && isdigit((unsigned char)name[e - 1]))
		e--;
	if (e < n && e > 0 && n - e <= 2) {
		suffix = atoi(name + e);
	} else if (n > 2 && name[n - 2] == '_' && isalpha((unsigned char)name[n - 1])) {
		e = n - 2;
		suffix = -tolower((unsigned char)name[n - 1]);
	} else {
		return 0;
	}
	if (e > 0 && name[e - 1] == '_')
		e--;
	if (e == 0 || e >= cap)
		return 0;
	memcpy(stem, name, e);
	stem[e] = '\0';
	return suffix;
}

static void repeating_groups(advise_ctx *c, const adv_table *t, strata_buf *name)
{
	const sc_object *o = t->t;
	char stem[128], other[128];
	strata_buf cols = STRATA_BUF_INIT;

	for (size_t i = 0; i < o->ncols; i++) {
		int s = split_suffix(o->cols[i].name, stem, sizeof(stem)), first = 1;
		size_t members = 0;
		int has_start = 0;

		if (!s)
			continue;
		/* once per group, at its first suffixed member */
		for (size_t j = 0; j < i && first; j++)
			first = !(split_suffix(o->cols[j].name, other, sizeof(other)) &&
				  strcmp(other, stem) == 0);
		if (!first)
			continue;
		strata__buf_clear(&cols);
		for (size_t j = 0; j < o->ncols; j++) {
			int sj = split_suffix(o->cols[j].name, other, sizeof(other));

			if (!(sj && strcmp(other, stem) == 0) && strcmp(o->cols[j].name, stem) != 0)
				continue;
			/* numbered from 1 or 2 (address, address2), lettered from a */
			has_start |= sj == 1 || sj == 2 || sj == -'a' || sj == -'b';
			strata__buf_printf(&cols, "%s%s", members ? ", " : "", o->cols[j].name);
			members++;
		}
		if (members < 2 || !has_start)
			continue;
		strata__advise_name(name, o, NULL);
		strata__advise_emit(c, A_REPEATING_GROUP, name->ptr, NULL,
			    "%s has a repeating group of %zu columns: %s", name->ptr, members, cols.ptr);
	}
	strata__buf_release(&cols);
}

static int list_name(const char *name)
{
	static const char *const ends[] = { "_ids", "_list", "_csv", "Ids", "List", NULL };
	size_t n = strlen(name);

	for (size_t i = 0; ends[i]; i++) {
		size_t e = strlen(ends[i]);

		if (n > e && strcmp(name + n - e, ends[i]) == 0)
			return 1;
	}
	return 0;
}

/* Whether a value reads as a list split by d: at least two short,
 * non-empty items and no sentence punctuation at its end. */
static int looks_like_list(const char *v, size_t len, char d)
{
	size_t items = 0, item = 0, chars = 0;

	if (len < 3 || v[len - 1] == '.')
		return 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || v[i] == d) {
			if (!chars || item > 32)
				return 0;
			items++;
			item = chars = 0;
			continue;
		}
		item++;
		chars += v[i] != ' ';
	}
	return items >= 2;
}

/* SA402 from the sample: the share of a column's sampled values that are
 * lists, for the most common delimiter. */
static void sampled_lists(advise_ctx *c, const adv_table *t, const sc_column *col,
			  strata_buf *name)
{
	static const char delims[] = { ',', ';', '|' };
	const char *sample = c->stats ? strata__map_get(&c->stats->samples, t->t->key) : NULL;
	size_t total = 0, best = 0;
	char best_d = 0;
	size_t nlen = strlen(col->name);

	if (!sample)
		return;
	for (size_t k = 0; k < sizeof(delims); k++) {
		size_t lists = 0, seen = 0;

		for (const char *p = sample; *p;) {
			const char *e = strchr(p, '\x1e');
			size_t len = e ? (size_t)(e - p) : strlen(p);

			if (len > nlen && strncmp(p, col->name, nlen) == 0 && p[nlen] == '\x1f') {
				seen++;
				lists += looks_like_list(p + nlen + 1, len - nlen - 1, delims[k]);
			}
			p += len + (e != NULL);
		}
		total = seen;
		if (lists > best) {
			best = lists;
			best_d = delims[k];
		}
	}
	if (total < 5 || best * 2 < total)
		return;
	strata__advise_name(name, t->t, col->name);
	strata__advise_emit(c, A_DELIMITED_LIST, name->ptr, NULL,
		    "%zu of %zu sampled values of %s are lists separated by '%c'", best, total,
		    name->ptr, best_d);
}

static void delimited_lists(advise_ctx *c, const adv_table *t, strata_buf *name)
{
	for (size_t i = 0; i < t->t->ncols; i++) {
		const sc_column *col = &t->t->cols[i];

		if (!col->type || !strata__advise_is_text(c, col->type))
			continue;
		if (list_name(col->name)) {
			strata__advise_name(name, t->t, col->name);
			strata__advise_emit(c, A_DELIMITED_LIST, name->ptr, NULL,
				    "%s is %s and named like a list", name->ptr, col->type);
			continue;
		}
		sampled_lists(c, t, col, name);
	}
}

/* Names every row has of its own: bookkeeping, and attributes any entity
 * carries (a comment's score is not its post's score). */
static int bookkeeping(const char *name)
{
	static const char *const names[] = { "id", "created_at", "updated_at", "created",
					     "updated", "modified", "modified_at", "last_update",
					     "last_updated", "created_by", "updated_by", "deleted_at",
					     "version", "lock_version", "createdAt", "updatedAt",
					     "name", "title", "description", "status", "state", "type",
					     "kind", "score", "notes", "note", "comment", "body",
					     "position", "sort_order", "is_deleted", "deleted",
					     "is_active", "active", "enabled", "is_public", "label",
					     "changed", "changed_by", "modified_by", "inserted_at",
					     "inserted_by", "id_old", "old_id",
					     NULL };

	for (size_t i = 0; names[i]; i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return 0;
}

/* The columns of t that p, which one of t's foreign keys references,
 * has too: same name and type, in no key of either, not bookkeeping. */
static size_t shared_columns(const adv_table *t, const adv_table *p, const sc_column **out,
			     size_t cap)
{
	size_t n = 0;

	for (size_t j = 0; j < t->t->ncols; j++) {
		const sc_column *col = &t->t->cols[j];
		const sc_column *src = strata__advise_column(p->t, col->name);

		/* a flag is a row's own state, never a copy */
		if (!src || bookkeeping(col->name) || strata__advise_in_key(t, col->name) ||
		    strata__advise_in_key(p, col->name) || !strata__sc_str_eq(col->type, src->type) || col->generated ||
		    (col->type && (strcmp(col->type, "boolean") == 0 || strcmp(col->type, "BOOLEAN") == 0)))
			continue;
		if (n < cap)
			out[n] = col;
		n++;
	}
	return n;
}

/* Three or more shared columns make two alike entities (a customer and
 * an employee both have an address and a phone), not a copy. */
static void copied_columns(advise_ctx *c, const adv_table *t, strata_buf *name)
{
	for (size_t i = 0; i < t->ncons; i++) {
		const sc_object *k = t->cons[i];
		const adv_table *p = k->contype == 'f' ? strata__advise_table(c, k->ref_table) : NULL;
		const sc_column *shared[2];
		size_t n;

		int seen = 0;

		if (!p || p == t || (n = shared_columns(t, p, shared, 2)) >= 3)
			continue;
		/* two foreign keys to one table (author, approver): once */
		for (size_t q = 0; q < i && !seen; q++)
			seen = t->cons[q]->contype == 'f' && strata__sc_str_eq(t->cons[q]->ref_table, k->ref_table);
		if (seen)
			continue;
		for (size_t j = 0; j < n; j++) {
			strata__advise_name(name, t->t, shared[j]->name);
			strata__advise_emit(c, A_COPIED_COLUMN, name->ptr, NULL,
				    "%s copies %s.%s, which foreign key %s already reaches", name->ptr,
				    p->t->name, shared[j]->name, k->name);
		}
	}
}

void strata__advise_rules_normal(advise_ctx *c)
{
	strata_buf name = STRATA_BUF_INIT;

	for (size_t i = 0; i < c->ntables; i++) {
		const adv_table *t = &c->tables[i];

		repeating_groups(c, t, &name);
		delimited_lists(c, t, &name);
		copied_columns(c, t, &name);
		if (t->t->ncols > (size_t)c->s->max_columns) {
			strata__advise_name(&name, t->t, NULL);
			strata__advise_emit(c, A_WIDE_TABLE, name.ptr, NULL, "%s has %zu columns (max_columns %d)",
				    name.ptr, t->t->ncols, c->s->max_columns);
		}
	}
	strata__buf_release(&name);
}
