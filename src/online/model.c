/*
 * online/model.c - the tables and columns of the target schema, as the old
 * and the new version of a migration see them.
 *
 * Layer: online. Loaded from pg_catalog at the start of a migration (inside
 * its expand transaction), then changed by each operation as plan.c plans
 * it: a column's name is what the new version calls it, phys the physical
 * column behind it in the new version, old_phys the one behind it in the
 * old version. The old version's shape needs no model: its views (or the
 * physical tables) already exist and are left alone.
 *
 * Ownership: the model owns every string in it; strata__model_release() frees all.
 */
#include "online/online_int.h"
#include "strata/error.h"
#include "util/alloc.h"

#include <stdlib.h>
#include <string.h>

#define COLUMNS_SQL                                                                    \
	"SELECT c.oid, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), "  \
	"a.attnotnull FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "  \
	"JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped " \
	"WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname, a.attnum"

#define KEYS_SQL                                                                       \
	"SELECT c.relname, a.attname FROM pg_index i "                                \
	"JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace " \
	"CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "       \
	"JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "      \
	"WHERE n.nspname = $1 AND i.indisprimary ORDER BY c.relname, k.ord"

static online_table *find_phys_table(online_model *m, const char *phys)
{
	size_t i;

	for (i = 0; i < m->ntables; i++)
		if (strcmp(m->tables[i].phys, phys) == 0)
			return &m->tables[i];
	return NULL;
}

online_table *strata__model_table(online_model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->ntables; i++)
		if (!m->tables[i].dropped && strcmp(m->tables[i].name, name) == 0)
			return &m->tables[i];
	return NULL;
}

online_column *strata__model_column(online_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->ncols; i++)
		if (!t->cols[i].dropped && strcmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	return NULL;
}

static online_column *find_phys_column(online_table *t, const char *phys)
{
	size_t i;

	for (i = 0; i < t->ncols; i++)
		if ((t->cols[i].phys && strcmp(t->cols[i].phys, phys) == 0) ||
		    (t->cols[i].old_phys && strcmp(t->cols[i].old_phys, phys) == 0))
			return &t->cols[i];
	return NULL;
}

online_column *strata__model_add_column(online_table *t, const char *name, const char *phys,
				const char *old_phys, const char *type)
{
	online_column *c;

	if (strata_grow((void **)&t->cols, &t->capcols, t->ncols + 1, sizeof(*t->cols)) < 0)
		return NULL;
	c = &t->cols[t->ncols];
	memset(c, 0, sizeof(*c));
	if (!(c->name = strata_strdup(name)) || !(c->phys = strata_strdup(phys)) ||
	    (old_phys && !(c->old_phys = strata_strdup(old_phys))) ||
	    !(c->type = strata_strdup(type ? type : ""))) {
		strata_free(c->name);
		strata_free(c->phys);
		strata_free(c->old_phys);
		return NULL;
	}
	t->ncols++;
	return c;
}

static online_table *add_table(online_model *m, const char *name, unsigned oid)
{
	online_table *t;

	if (strata_grow((void **)&m->tables, &m->cap, m->ntables + 1, sizeof(*m->tables)) < 0)
		return NULL;
	t = &m->tables[m->ntables];
	memset(t, 0, sizeof(*t));
	if (!(t->name = strata_strdup(name)) || !(t->phys = strata_strdup(name))) {
		strata_free(t->name);
		return NULL;
	}
	t->oid = oid;
	m->ntables++;
	return t;
}

typedef struct load_ctx {
	online_model *m;
	int refresh; /* only add what is missing */
	int failed;
} load_ctx;

static int on_column(void *payload, int ncols, const char *const *v)
{
	load_ctx *lc = payload;
	online_table *t = find_phys_table(lc->m, v[1]);
	online_column *c;

	if (!t && !(t = add_table(lc->m, v[1], (unsigned)strtoul(v[0], NULL, 10))))
		return lc->failed = STRATA_ERROR;
	if (lc->refresh && find_phys_column(t, v[2]))
		return 0;
	if (!(c = strata__model_add_column(t, v[2], v[2], v[2], v[3])))
		return lc->failed = STRATA_ERROR;
	c->notnull = v[4] && strcmp(v[4], "t") == 0;
	return 0;
}

static int on_key(void *payload, int ncols, const char *const *v)
{
	load_ctx *lc = payload;
	online_table *t = find_phys_table(lc->m, v[0]);
	char *k;

	if (!t || t->keys_loaded)
		return 0;
	if (!(k = strata_strdup(v[1])))
		return lc->failed = STRATA_ERROR;
	{
		char **grown = strata_realloc(t->key, (t->nkey + 1) * sizeof(*t->key));

		if (!grown) {
			strata_free(k);
			return lc->failed = STRATA_ERROR;
		}
		t->key = grown;
		t->key[t->nkey++] = k;
	}
	return 0;
}

static int load(online_model *m, strata_db *db, int refresh)
{
	const char *params[1] = { m->schema };
	load_ctx lc = { m, refresh, 0 };
	int rc;

	rc = strata__db_query(db, COLUMNS_SQL, 1, params, on_column, &lc);
	if (rc == 0)
		rc = strata__db_query(db, KEYS_SQL, 1, params, on_key, &lc);
	if (rc == 0 && lc.failed == 0) {
		size_t i;

		for (i = 0; i < m->ntables; i++)
			m->tables[i].keys_loaded = 1;
	}
	return rc < 0 ? rc : lc.failed;
}

int strata__model_load(online_model *m, strata_db *db, const char *schema)
{
	memset(m, 0, sizeof(*m));
	if (!(m->schema = strata_strdup(schema)))
		return STRATA_ERROR;
	return load(m, db, 0);
}

int strata__model_refresh(online_model *m, strata_db *db)
{
	return load(m, db, 1);
}

void strata__model_release(online_model *m)
{
	size_t i, j;

	for (i = 0; i < m->ntables; i++) {
		online_table *t = &m->tables[i];

		for (j = 0; j < t->ncols; j++) {
			strata_free(t->cols[j].name);
			strata_free(t->cols[j].phys);
			strata_free(t->cols[j].old_phys);
			strata_free(t->cols[j].type);
			strata_free(t->cols[j].up);
			strata_free(t->cols[j].down);
		}
		for (j = 0; j < t->nkey; j++)
			strata_free(t->key[j]);
		strata_free(t->key);
		strata_free(t->cols);
		strata_free(t->name);
		strata_free(t->phys);
	}
	strata_free(m->tables);
	strata_free(m->schema);
	memset(m, 0, sizeof(*m));
}
