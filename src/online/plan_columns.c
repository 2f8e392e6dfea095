/*
 * online/plan_columns.c - duplicating a column (alter_column,
 * create_constraint): the new physical column _strata_new_<name>, its
 * default, NOT NULL as a NOT VALID check, and its indexes and constraints
 * rebuilt on the new column, to take their names at complete.
 *
 * Layer: online, planner (plan_int.h). Runs its statements in the expand
 * transaction (indexes: the plan's concurrent list).
 */
#include "online/online_int.h"
#include "online/plan_int.h"
#include "strata/error.h"
#include "util/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * Run the statement in sql (a constraint naming columns by their
 * new-version names) with the new physical columns of t renamed, for the
 * moment, to those names: PostgreSQL then stores the constraint against
 * the new columns.
 */
static int rename_column(planner *p, online_table *t, const char *from, const char *to)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc;

	strata__sqlf(&b, "ALTER TABLE %Q RENAME COLUMN %I TO %I", strata__plan_schema_of(p), t->phys, from, to);
	rc = strata__plan_run(p, &b);
	strata__buf_release(&b);
	return rc;
}

int strata__plan_with_new_names(planner *p, online_table *t, strata_buf *sql)
{
	char swap[48];
	size_t i, done = 0;
	int rc;

	if ((rc = strata__buf_check(sql)) < 0)
		return rc;
	/* Out of the way: the old columns that carry the names (swap_<i>),
	 * then the new columns take them. */
	for (i = 0; i < t->ncols && rc == 0; i++) {
		online_column *c = &t->cols[i];

		if (c->dropped || !strata__plan_is_dup(c) || strcmp(c->old_phys, c->name) != 0)
			continue;
		snprintf(swap, sizeof(swap), "_strata_swap_%zu", i);
		rc = rename_column(p, t, c->old_phys, swap);
	}
	for (i = 0; i < t->ncols && rc == 0; i++, done = i) {
		online_column *c = &t->cols[i];

		if (!c->dropped && strata__plan_is_dup(c))
			rc = rename_column(p, t, c->phys, c->name);
	}
	if (rc == 0)
		rc = strata__plan_run(p, sql);
	/* Back again (on failure the transaction is rolled back anyway). */
	for (i = 0; i < done && rc == 0; i++) {
		online_column *c = &t->cols[i];

		if (!c->dropped && strata__plan_is_dup(c))
			rc = rename_column(p, t, c->name, c->phys);
	}
	for (i = 0; i < t->ncols && rc == 0; i++) {
		online_column *c = &t->cols[i];

		if (c->dropped || !strata__plan_is_dup(c) || strcmp(c->old_phys, c->name) != 0)
			continue;
		snprintf(swap, sizeof(swap), "_strata_swap_%zu", i);
		rc = rename_column(p, t, swap, c->old_phys);
	}
	return rc;
}

/* An index of the table, as INDEXES_SQL describes it. */
static int on_index(void *payload, int ncols, const char *const *v)
{
	json_t *arr = payload;
	json_t *o = json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}", "name", v[0], "unique",
			      v[1], "constraint", v[2], "plain", v[3], "keys", v[4], "method", v[5],
			      "columns", v[6]);

	if (!o || json_array_append_new(arr, o) < 0)
		return STRATA_ERROR;
	return 0;
}

#define INDEXES_SQL                                                                    \
	"SELECT ic.relname, i.indisunique::text, "                                     \
	"(SELECT c.contype::text FROM pg_constraint c WHERE c.conindid = i.indexrelid " \
	" AND c.conrelid = i.indrelid LIMIT 1), "                                      \
	"(i.indexprs IS NULL AND i.indpred IS NULL)::text, "                          \
	"(SELECT json_agg(pg_get_indexdef(i.indexrelid, k.n::int, false) ORDER BY k.n) " \
	" FROM generate_series(1, i.indnkeyatts) AS k(n))::text, am.amname, "         \
	"(SELECT json_agg(a.attname) FROM pg_attribute a WHERE a.attrelid = i.indrelid " \
	" AND a.attnum = ANY (i.indkey))::text "                                       \
	"FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "                  \
	"JOIN pg_am am ON am.oid = ic.relam "                                          \
	"WHERE i.indrelid = format('%I.%I', $1::text, $2::text)::regclass "          \
	"AND NOT i.indisprimary ORDER BY ic.relname"

/* The length of name double-quoted (as %I writes it) at the start of s; 0 if not there. */
size_t strata__plan_quoted_at(const char *s, const char *name)
{
	size_t i = 1;

	if (s[0] != '"')
		return 0;
	for (; *name; name++) {
		if (s[i] != *name || (*name == '"' && s[++i] != '"'))
			return 0;
		i++;
	}
	return s[i] == '"' ? i + 1 : 0;
}

/* The duplicated column whose old physical column is named by key text (or NULL). */
static online_column *dup_named(online_table *t, const char *key, size_t *rest)
{
	size_t i;

	for (i = 0; i < t->ncols; i++) {
		online_column *c = &t->cols[i];
		size_t n;

		if (!strata__plan_is_dup(c) || c->dropped)
			continue;
		/* pg_get_indexdef quotes only when needed: try both spellings. */
		n = strlen(c->old_phys);
		if (strncmp(key, c->old_phys, n) != 0 || (key[n] != '\0' && key[n] != ' '))
			n = strata__plan_quoted_at(key, c->old_phys);
		if (n && (key[n] == '\0' || key[n] == ' ')) {
			*rest = n;
			return c;
		}
	}
	return NULL;
}

/*
 * Rebuild, on the new columns, the indexes of t that cover a duplicated
 * column (built concurrently; renamed to their names at complete, after
 * the old columns and with them the old indexes are gone).
 */
int strata__plan_copy_indexes(planner *p, online_table *t)
{
	const char *params[2] = { strata__plan_schema_of(p), t->phys };
	strata_buf sql = STRATA_BUF_INIT;
	json_t *found = json_array(), *ix;
	size_t i;
	int rc;

	if (!found)
		return strata__plan_oom();
	if ((rc = strata__db_query(p->ctx->db, INDEXES_SQL, 2, params, on_index, found)) < 0)
		goto done;
	json_array_foreach(found, i, ix) {
		const char *name = strata__plan_str(ix, "name"), *contype = strata__plan_str(ix, "constraint");
		json_t *keys = json_loads(strata__plan_str(ix, "keys") ? strata__plan_str(ix, "keys") : "[]", 0, NULL), *k;
		json_t *cols = json_loads(strata__plan_str(ix, "columns") ? strata__plan_str(ix, "columns") : "[]", 0, NULL);
		char tmp[MAX_IDENT + 2];
		int covers = 0;
		size_t j, rest;

		if (!keys || !cols) { /* the server gives JSON: only memory can fail */
			json_decref(keys);
			json_decref(cols);
			rc = strata__plan_oom();
			goto done;
		}
		json_array_foreach(cols, j, k) {
			online_column *c = dup_named(t, json_string_value(k), &rest);

			covers |= c != NULL;
		}
		json_decref(cols);
		if (!covers) {
			json_decref(keys);
			continue;
		}
		if (strcmp(strata__plan_str(ix, "plain"), "true") != 0 || (contype && strcmp(contype, "u") != 0)) {
			strata__plan_warn(p, "index \"%s\" of \"%s\" has expressions or a predicate, or belongs to a "
			     "constraint that is not unique: it is not rebuilt on the new columns and "
			     "goes away at complete; recreate it with create_index", name, t->name);
			json_decref(keys);
			continue;
		}
		if ((rc = strata__plan_prefixed(p, tmp, sizeof(tmp), "_strata_", name)) < 0) {
			json_decref(keys);
			goto done;
		}
		strata__sqlf(&sql, "CREATE %sINDEX CONCURRENTLY IF NOT EXISTS %I ON %Q USING %s (",
		     strcmp(strata__plan_str(ix, "unique"), "true") == 0 ? "UNIQUE " : "", tmp, strata__plan_schema_of(p),
		     t->phys, strata__plan_str(ix, "method"));
		json_array_foreach(keys, j, k) {
			const char *key = json_string_value(k);
			online_column *c = dup_named(t, key, &rest);

			strata__buf_puts(&sql, j ? ", " : "");
			if (c)
				strata__sqlf(&sql, "%I%s", c->phys, key + rest);
			else
				strata__buf_puts(&sql, key);
		}
		strata__buf_putc(&sql, ')');
		json_decref(keys);
		if ((rc = strata__plan_push_concurrent(p, tmp, &sql)) < 0)
			goto done;
		if (contype)
			strata__sqlf(&sql, "ALTER TABLE %Q ADD CONSTRAINT %I UNIQUE USING INDEX %I",
			     strata__plan_schema_of(p), t->phys, name, tmp);
		else
			strata__sqlf(&sql, "ALTER INDEX %Q RENAME TO %I", strata__plan_schema_of(p), tmp, name);
		if ((rc = strata__plan_push(p->late, &sql)) < 0)
			goto done;
	}
done:
	json_decref(found);
	strata__buf_release(&sql);
	return rc;
}

static int on_constraint(void *payload, int ncols, const char *const *v)
{
	json_t *arr = payload;
	json_t *o = json_pack("{s:s?, s:s?, s:s?}", "name", v[0], "def", v[1], "columns", v[2]);

	if (!o || json_array_append_new(arr, o) < 0)
		return STRATA_ERROR;
	return 0;
}

#define CONSTRAINTS_SQL                                                                \
	"SELECT c.conname, pg_get_constraintdef(c.oid), "                              \
	"(SELECT json_agg(a.attname) FROM pg_attribute a WHERE a.attrelid = c.conrelid " \
	" AND a.attnum = ANY (c.conkey))::text FROM pg_constraint c "                 \
	"WHERE c.conrelid = format('%I.%I', $1::text, $2::text)::regclass "          \
	"AND c.contype IN ('c', 'f') AND c.conname NOT LIKE '\\_strata\\_%' ORDER BY c.conname"

/*
 * Carry the check and foreign-key constraints of the duplicated columns
 * over to the new ones: added NOT VALID under a _strata_ name now,
 * validated and given their names at complete.
 */
int strata__plan_copy_constraints(planner *p, online_table *t)
{
	const char *params[2] = { strata__plan_schema_of(p), t->phys };
	strata_buf sql = STRATA_BUF_INIT;
	json_t *found = json_array(), *con;
	size_t i;
	int rc;

	if (!found)
		return strata__plan_oom();
	if ((rc = strata__db_query(p->ctx->db, CONSTRAINTS_SQL, 2, params, on_constraint, found)) < 0)
		goto done;
	json_array_foreach(found, i, con) {
		json_t *cols = json_loads(strata__plan_str(con, "columns") ? strata__plan_str(con, "columns") : "[]", 0, NULL), *k;
		const char *name = strata__plan_str(con, "name");
		char tmp[MAX_IDENT + 2];
		int covers = 0;
		size_t j, rest;

		if (!cols) {
			rc = strata__plan_oom();
			goto done;
		}
		json_array_foreach(cols, j, k)
			covers |= dup_named(t, json_string_value(k), &rest) != NULL;
		json_decref(cols);
		if (!covers)
			continue;
		if ((rc = strata__plan_prefixed(p, tmp, sizeof(tmp), "_strata_", name)) < 0)
			goto done;
		strata__sqlf(&sql, "ALTER TABLE %Q ADD CONSTRAINT %I %s NOT VALID", strata__plan_schema_of(p), t->phys, tmp,
		     strata__plan_str(con, "def"));
		if ((rc = strata__plan_with_new_names(p, t, &sql)) < 0)
			goto done;
		strata__sqlf(&sql, "ALTER TABLE %Q VALIDATE CONSTRAINT %I", strata__plan_schema_of(p), t->phys, tmp);
		if ((rc = strata__plan_push(p->validate, &sql)) < 0)
			goto done;
		strata__sqlf(&sql, "ALTER TABLE %Q RENAME CONSTRAINT %I TO %I", strata__plan_schema_of(p), t->phys, tmp, name);
		if ((rc = strata__plan_push(p->late, &sql)) < 0)
			goto done;
	}
done:
	json_decref(found);
	strata__buf_release(&sql);
	return rc;
}

/*
 * Duplicate column c of t: a new physical column _strata_new_<name> of type
 * (NULL = unchanged), its default copied, NOT NULL (when notnull) as a NOT
 * VALID check made good at complete, its indexes rebuilt; triggers map
 * old -> new with up and new -> old with down; the backfill fills it.
 */
int strata__plan_duplicate(planner *p, online_table *t, online_column *c, const char *type,
		     int notnull, const char *up, const char *down, const json_t *default_v,
		     int default_given)
{
	char newname[MAX_IDENT + 2], nn[MAX_IDENT + 2];
	strata_buf sql = STRATA_BUF_INIT;
	char *old_default = NULL;
	size_t k;
	int rc;

	if (strata__plan_is_added(c) || strata__plan_is_dup(c))
		return strata__plan_opfail(p, STRATA_EINVALID, "column \"%s\" is already changed by an earlier "
			      "operation of this migration; change it once per migration", c->name);
	for (k = 0; k < t->nkey; k++)
		if (strcmp(t->key[k], c->phys) == 0)
			return strata__plan_opfail(p, STRATA_EINVALID, "column \"%s\" is part of the primary key of "
				      "\"%s\": strata cannot change a key column online (the backfill "
				      "walks the key)", c->name, t->name);
	if ((rc = strata__plan_prefixed(p, newname, sizeof(newname), ONLINE_NEW_PREFIX, c->name)) < 0 ||
	    (rc = strata__plan_prefixed(p, nn, sizeof(nn), "_strata_nn_", c->name)) < 0)
		return rc;
	if (!type)
		type = c->type;
	strata__sqlf(&sql, "ALTER TABLE %Q ADD COLUMN %I %s", strata__plan_schema_of(p), t->phys, newname, type);
	if ((rc = strata__plan_run(p, &sql)) < 0)
		goto done;
	if (default_given) {
		if (json_is_string(default_v))
			strata__sqlf(&sql, "ALTER TABLE %Q ALTER COLUMN %I SET DEFAULT %s", strata__plan_schema_of(p), t->phys,
			     newname, json_string_value(default_v));
	} else {
		if ((rc = strata__plan_column_default(p, t, c->phys, &old_default)) < 0)
			goto done;
		if (old_default && strcmp(type, c->type) == 0)
			strata__sqlf(&sql, "ALTER TABLE %Q ALTER COLUMN %I SET DEFAULT %s", strata__plan_schema_of(p),
			     t->phys, newname, old_default);
		else if (old_default)
			strata__plan_warn(p, "the default of \"%s\" (%s) is not carried over to its new type %s; "
			     "give \"default\" to set one", c->name, old_default, type);
	}
	if ((sql.len || strata__buf_oom(&sql)) && (rc = strata__plan_run(p, &sql)) < 0)
		goto done;
	if (notnull) {
		strata__sqlf(&sql, "ALTER TABLE %Q ADD CONSTRAINT %I CHECK (%I IS NOT NULL) NOT VALID",
		     strata__plan_schema_of(p), t->phys, nn, newname);
		if ((rc = strata__plan_run(p, &sql)) < 0)
			goto done;
		strata__sqlf(&sql, "ALTER TABLE %Q VALIDATE CONSTRAINT %I", strata__plan_schema_of(p), t->phys, nn);
		if ((rc = strata__plan_push(p->validate, &sql)) < 0)
			goto done;
		strata__sqlf(&sql, "ALTER TABLE %Q ALTER COLUMN %I SET NOT NULL", strata__plan_schema_of(p), t->phys,
		     newname);
		if ((rc = strata__plan_push(p->stage1, &sql)) < 0)
			goto done;
		strata__sqlf(&sql, "ALTER TABLE %Q DROP CONSTRAINT %I", strata__plan_schema_of(p), t->phys, nn);
		if ((rc = strata__plan_push(p->stage1, &sql)) < 0)
			goto done;
	}
	{
		/* type may be c->type itself: copy before freeing. */
		char *t_new = strata_strdup(type);

		strata_free(c->phys);
		strata_free(c->type);
		c->phys = strata_strdup(newname);
		c->type = t_new;
	}
	c->up = up ? strata_strdup(up) : strata__plan_sql_ident(c->old_phys);
	c->down = down ? strata_strdup(down) : strata__plan_sql_ident(c->name);
	c->notnull = notnull;
	if (!c->phys || !c->type || !c->up || !c->down) {
		rc = strata__plan_oom();
		goto done;
	}
	t->touched = 1;
done:
	strata_free(old_default);
	strata__buf_release(&sql);
	return rc;
}
