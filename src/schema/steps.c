/*
 * schema/steps.c - autogenerate's revisions as steps that run safely (see
 * steps.h).
 *
 * Layer: schema. Reads the change lists of strata__sc_diff() in both directions
 * and the two catalogs: the table a change is on and whether the revision
 * creates it come from the change's key and the forward list's creates,
 * never from SQL text. The statements of steps 2 and 3 are written here
 * from the catalog objects.
 *
 * Invariants:
 *  1. Every forward change lands in exactly one step's up, every backward
 *     change in exactly one step's down (a NOT NULL change split in two:
 *     its other statements stay in step 1).
 *  2. A moved index is named by its key in `moved`: all its changes, both
 *     ways, leave step 1, and step 2 drops and builds it in both
 *     directions. A moved UNIQUE or PRIMARY KEY constraint leaves step 1
 *     with its forward create and its backward drop only (a constraint
 *     recreated with a new definition is still dropped in step 1).
 *  3. Step 1 of a diff with nothing to move or split is the plain diff.
 *
 * New kind of safe pattern: classify it in forward_change(), mirror it in
 * backward_change(), and write both directions in the step writers.
 */
#include "schema/steps.h"
#include "db/db.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/map.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum { STEP_SCHEMA, STEP_CONCURRENT, STEP_VALIDATE, STEP_COUNT };

static const char *const step_labels[STEP_COUNT] = { "schema", "concurrent indexes", "validate" };

typedef enum item_type {
	ITEM_INDEX = 1, /* step 2: an index dropped, built, or both */
	ITEM_UNIQUE,    /* step 2: a UNIQUE or PRIMARY KEY constraint over its own index */
	ITEM_VALIDATE,  /* step 1 NOT VALID, step 3 VALIDATE: a foreign key or CHECK */
	ITEM_NOT_NULL,  /* step 1 CHECK (col IS NOT NULL) NOT VALID, step 3 SET NOT NULL */
} item_type;

/* A UNIQUE or PRIMARY KEY definition taken apart for CREATE UNIQUE INDEX. */
typedef struct unique_parts {
	char *columns;    /* "(a, b)" */
	char *index_tail; /* " INCLUDE (c) NULLS NOT DISTINCT WITH (...)" or "" */
	char *con_tail;   /* " DEFERRABLE INITIALLY DEFERRED" or "" */
} unique_parts;

typedef struct item {
	item_type type;
	const sc_object *a, *b; /* the object in from and in to (ITEM_INDEX: either may be NULL) */
	const sc_object *table; /* ITEM_NOT_NULL: the table, in to */
	const char *column;     /* ITEM_NOT_NULL */
	char *check;            /* ITEM_NOT_NULL: the check constraint's name, */
	char *check_key;        /* as "<table key>\x1f<name>" */
	char *not_null_key;     /* ITEM_NOT_NULL: "<table key>\x1f<column>" */
	unique_parts unique;    /* ITEM_UNIQUE */
} item;

typedef struct planner {
	const sc_catalog *a, *b;
	sc_changes fwd, back;
	strata_map new_relations; /* keys of relations the forward diff creates */
	strata_map depended;      /* keys some object of either catalog depends on */
	strata_map decided;       /* index keys: item index + 1, or PLAIN */
	strata_map moved_unique;  /* constraint keys: item index + 1 */
	strata_map not_null;      /* "<table key>\x1f<column>" -> item index + 1 */
	strata_map checks;        /* check names given out: item.check_key -> 1 */
	item *items;
	size_t nitems, capitems;
	strata_buf up[STEP_COUNT], down[STEP_COUNT];
	sc_steps *out;
} planner;

#define PLAIN ((void *)(uintptr_t)-1)
#define AS_VALUE(i) ((void *)(uintptr_t)((i) + 1))

/* ---- small helpers ------------------------------------------------------- */

static int add_item(planner *p, const item *it, size_t *index)
{
	if (strata_grow((void **)&p->items, &p->capitems, p->nitems + 1, sizeof(*p->items)) != 0)
		return STRATA_ERROR;
	p->items[p->nitems] = *it;
	*index = p->nitems++;
	return 0;
}

static int add_note(planner *p, const char *what, const char *object, const char *why)
{
	strata_buf b = STRATA_BUF_INIT;
	sc_steps *s = p->out;
	size_t cap = s->nnotes;

	if (strata__buf_printf(&b, "%s %s: %s", what, object, why) != 0 ||
	    strata_grow((void **)&s->notes, &cap, s->nnotes + 1, sizeof(*s->notes)) != 0 ||
	    strata__buf_printf(&p->up[STEP_SCHEMA], "-- %s\n", strata__buf_cstr(&b)) != 0) {
		strata__buf_release(&b);
		return STRATA_ERROR;
	}
	s->notes[s->nnotes++] = strata__buf_detach(&b);
	return 0;
}

static const sc_column *column_of(const sc_object *t, const char *name)
{
	for (size_t i = 0; t && i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	return NULL;
}

/* The table (or materialized view) an index or constraint belongs to. */
static const sc_object *owner_of(const sc_catalog *cat, const sc_object *o)
{
	static const sc_kind kinds[] = { SC_TABLE, SC_MATVIEW };
	const sc_object *t = NULL;

	for (size_t i = 0; o && o->table && !t && i < sizeof(kinds) / sizeof(*kinds); i++) {
		char *key = strata__sc_make_key(kinds[i], o->schema, NULL, o->table);

		t = key ? strata__sc_catalog_find(cat, key) : NULL;
		strata_free(key);
	}
	return t;
}

/* The owner, when it exists before the revision and the revision keeps it
 * (neither created, nor dropped, nor dropped and created again). */
static const sc_object *existing_owner(const planner *p, const sc_object *o)
{
	const sc_object *ta = owner_of(p->a, o), *tb = owner_of(p->b, o);

	if (!ta || !tb || strata__map_has(&p->new_relations, tb->key))
		return NULL;
	return tb;
}

/* Whether a relation of cat has the name of o in o's schema (indexes,
 * tables, views, sequences and the indexes behind constraints share one
 * namespace). */
static int name_taken(const sc_catalog *cat, const sc_object *o)
{
	for (size_t i = 0; i < cat->n; i++) {
		const sc_object *x = cat->objs[i];
		int relation = x->kind == SC_TABLE || x->kind == SC_VIEW || x->kind == SC_MATVIEW ||
			       x->kind == SC_SEQUENCE || x->kind == SC_INDEX ||
			       x->kind == SC_COMPOSITE ||
			       (x->kind == SC_CONSTRAINT && x->contype && strchr("pux", x->contype));

		if (relation && strata__sc_str_eq(x->schema, o->schema) && strcmp(x->name, o->name) == 0)
			return 1;
	}
	return 0;
}

/* Whether what the object of `from` reads is still there, unchanged, in
 * `to`: its down section (building it again) runs before step 1's down
 * restores anything. */
static int reads_what_stays(const planner *p, const sc_object *o)
{
	for (size_t i = 0; i < o->ndeps; i++)
		if (!strata__sc_catalog_find(p->b, o->deps[i]))
			return 0;
	for (size_t i = 0; i < o->ncol_deps; i++) {
		const char *sep = strchr(o->col_deps[i], '\x1f');
		char *table = sep ? strata_strndup(o->col_deps[i], (size_t)(sep - o->col_deps[i])) : NULL;
		const sc_column *ca, *cb;
		int same;

		if (!table)
			return 0;
		ca = column_of(strata__sc_catalog_find(p->a, table), sep + 1);
		cb = column_of(strata__sc_catalog_find(p->b, table), sep + 1);
		same = ca && cb && strata__sc_str_eq(ca->type, cb->type) &&
		       strata__sc_str_eq(ca->collation, cb->collation);
		strata_free(table);
		if (!same)
			return 0;
	}
	return 1;
}

/* pg_get_indexdef's "CREATE [UNIQUE ]INDEX ": its length, 0 otherwise. */
static size_t index_verb_len(const char *def)
{
	static const char *const verbs[] = { "CREATE INDEX ", "CREATE UNIQUE INDEX " };

	for (size_t i = 0; def && i < sizeof(verbs) / sizeof(*verbs); i++)
		if (strncmp(def, verbs[i], strlen(verbs[i])) == 0)
			return strlen(verbs[i]);
	return 0;
}

/* ---- UNIQUE and PRIMARY KEY definitions ---------------------------------- */

/* Past the parenthesis that closes the one at s[0] (quotes respected), or NULL. */
static const char *past_parens(const char *s)
{
	int depth = 0;

	for (; *s; s++) {
		if (*s == '"' || *s == '\'') {
			char q = *s;

			while (*++s && *s != q)
				;
			if (!*s)
				return NULL;
		} else if (*s == '(') {
			depth++;
		} else if (*s == ')' && --depth == 0) {
			return s + 1;
		}
	}
	return NULL;
}

static int starts(const char *s, const char *word)
{
	return strncmp(s, word, strlen(word)) == 0;
}

static void unique_parts_release(unique_parts *u)
{
	strata_free(u->columns);
	strata_free(u->index_tail);
	strata_free(u->con_tail);
	memset(u, 0, sizeof(*u));
}

/*
 * "UNIQUE [NULLS NOT DISTINCT ](cols)[ INCLUDE (...)][ WITH (...)]
 * [ DEFERRABLE][ INITIALLY DEFERRED]", as pg_get_constraintdef prints it,
 * into the parts of CREATE UNIQUE INDEX and ADD CONSTRAINT ... USING INDEX.
 * 1 when it has that shape, 0 otherwise (USING INDEX TABLESPACE, WITHOUT
 * OVERLAPS, ...), negative on out of memory.
 */
static int split_unique(unique_parts *u, const sc_object *con)
{
	strata_buf index_tail = STRATA_BUF_INIT, con_tail = STRATA_BUF_INIT;
	const char *s = con->def, *end;
	int nulls_not_distinct = 0, rc = 0;

	memset(u, 0, sizeof(*u));
	if (con->contype == 'u' && starts(s, "UNIQUE "))
		s += strlen("UNIQUE ");
	else if (con->contype == 'p' && starts(s, "PRIMARY KEY "))
		s += strlen("PRIMARY KEY ");
	else
		return 0;
	if (starts(s, "NULLS NOT DISTINCT ")) {
		nulls_not_distinct = 1;
		s += strlen("NULLS NOT DISTINCT ");
	}
	if (*s != '(' || !(end = past_parens(s)))
		return 0;
	for (const char *at = end; *at;) {
		const char *clause = NULL;
		int index_clause = starts(at, " INCLUDE (") || starts(at, " WITH (");

		if (index_clause)
			clause = past_parens(strchr(at, '('));
		else if (starts(at, " DEFERRABLE"))
			clause = at + strlen(" DEFERRABLE");
		else if (starts(at, " INITIALLY DEFERRED"))
			clause = at + strlen(" INITIALLY DEFERRED");
		if (!clause)
			goto done; /* a clause CREATE UNIQUE INDEX has no place for */
		/* CREATE INDEX puts NULLS NOT DISTINCT between INCLUDE and WITH */
		if (nulls_not_distinct && starts(at, " WITH (")) {
			nulls_not_distinct = 0;
			if (strata__buf_puts(&index_tail, " NULLS NOT DISTINCT") != 0)
				goto oom;
		}
		if (strata__buf_putn(index_clause ? &index_tail : &con_tail, at, (size_t)(clause - at)) != 0)
			goto oom;
		at = clause;
	}
	if (nulls_not_distinct && strata__buf_puts(&index_tail, " NULLS NOT DISTINCT") != 0)
		goto oom;
	if (!(u->columns = strata_strndup(s, (size_t)(end - s))) ||
	    !(u->index_tail = strata_strdup(strata__buf_cstr(&index_tail))) ||
	    !(u->con_tail = strata_strdup(strata__buf_cstr(&con_tail))))
		goto oom;
	rc = 1;
	goto done;
oom:
	rc = STRATA_ERROR;
done:
	strata__buf_release(&index_tail);
	strata__buf_release(&con_tail);
	if (rc != 1)
		unique_parts_release(u);
	return rc;
}

/* ---- SQL of steps 2 and 3 ------------------------------------------------ */

static int put_table_of(strata_buf *b, const sc_object *o)
{
	return strata__buf_puts(b, "ALTER TABLE ") != 0 || strata__sc_put_qualified(b, o->schema, o->table) != 0
		       ? STRATA_ERROR
		       : 0;
}

static int put_comment_literal(strata_buf *b, const char *comment)
{
	return strata__buf_puts(b, " IS ") != 0 || strata__buf_put_sql_literal(b, comment) != 0 ||
		       strata__buf_puts(b, ";\n") != 0
		       ? STRATA_ERROR
		       : 0;
}

static int put_constraint_comment(strata_buf *b, const sc_object *con)
{
	if (!con->comment)
		return 0;
	return strata__buf_puts(b, "COMMENT ON CONSTRAINT ") != 0 || strata__sc_put_ident(b, con->name) != 0 ||
		       strata__buf_puts(b, " ON ") != 0 || strata__sc_put_qualified(b, con->schema, con->table) != 0 ||
		       put_comment_literal(b, con->comment) != 0
		       ? STRATA_ERROR
		       : 0;
}

static int put_drop_index(strata_buf *b, const sc_object *ix)
{
	return strata__buf_puts(b, "DROP INDEX CONCURRENTLY IF EXISTS ") != 0 ||
		       strata__sc_put_qualified(b, ix->schema, ix->name) != 0 || strata__buf_puts(b, ";\n") != 0
		       ? STRATA_ERROR
		       : 0;
}

static int put_build_index(strata_buf *b, const sc_object *ix)
{
	size_t verb = index_verb_len(ix->def), len = strlen(ix->def);

	while (len > verb && (ix->def[len - 1] == ';' || ix->def[len - 1] == ' '))
		len--;
	if (strata__buf_putn(b, ix->def, verb) != 0 || strata__buf_puts(b, "CONCURRENTLY ") != 0 ||
	    strata__buf_putn(b, ix->def + verb, len - verb) != 0 || strata__buf_puts(b, ";\n") != 0)
		return STRATA_ERROR;
	if (ix->comment && (strata__buf_puts(b, "COMMENT ON INDEX ") != 0 ||
			    strata__sc_put_qualified(b, ix->schema, ix->name) != 0 ||
			    put_comment_literal(b, ix->comment) != 0))
		return STRATA_ERROR;
	return 0;
}

/* An index from the shape `from` has to the one `to` has (either NULL):
 * dropped first, so that a retry of a failed build (which leaves an
 * INVALID index) builds it again. */
static int put_index_change(strata_buf *b, const sc_object *from, const sc_object *to)
{
	return put_drop_index(b, from ? from : to) != 0 || (to && put_build_index(b, to) != 0)
		       ? STRATA_ERROR
		       : 0;
}

/* "ALTER TABLE schema.table VERB name;" */
static int put_on_table(strata_buf *b, const char *schema, const char *table, const char *verb,
			const char *name)
{
	return strata__buf_puts(b, "ALTER TABLE ") != 0 || strata__sc_put_qualified(b, schema, table) != 0 ||
		       strata__buf_printf(b, " %s ", verb) != 0 || strata__sc_put_ident(b, name) != 0 ||
		       strata__buf_puts(b, ";\n") != 0
		       ? STRATA_ERROR
		       : 0;
}

static int put_drop_constraint_if_exists(strata_buf *b, const sc_object *con, const char *name)
{
	return put_on_table(b, con->schema, con->table, "DROP CONSTRAINT IF EXISTS", name);
}

/* The constraint over an index built concurrently; a retry first drops
 * what a failed run left (the constraint takes its index with it). */
static int put_unique(strata_buf *b, const sc_object *con, const unique_parts *u)
{
	if (put_drop_constraint_if_exists(b, con, con->name) != 0 ||
	    strata__buf_puts(b, "DROP INDEX CONCURRENTLY IF EXISTS ") != 0 ||
	    strata__sc_put_qualified(b, con->schema, con->name) != 0 ||
	    strata__buf_puts(b, ";\nCREATE UNIQUE INDEX CONCURRENTLY ") != 0 || strata__sc_put_ident(b, con->name) != 0 ||
	    strata__buf_puts(b, " ON ") != 0 || strata__sc_put_qualified(b, con->schema, con->table) != 0 ||
	    strata__buf_printf(b, " %s%s;\n", u->columns, u->index_tail) != 0 || put_table_of(b, con) != 0 ||
	    strata__buf_puts(b, " ADD CONSTRAINT ") != 0 || strata__sc_put_ident(b, con->name) != 0 ||
	    strata__buf_printf(b, " %s USING INDEX ", con->contype == 'p' ? "PRIMARY KEY" : "UNIQUE") != 0 ||
	    strata__sc_put_ident(b, con->name) != 0 || strata__buf_printf(b, "%s;\n", u->con_tail) != 0)
		return STRATA_ERROR;
	return put_constraint_comment(b, con);
}

static int put_add_not_valid(strata_buf *b, const sc_object *con)
{
	return put_table_of(b, con) != 0 || strata__buf_puts(b, " ADD CONSTRAINT ") != 0 ||
		       strata__sc_put_ident(b, con->name) != 0 || strata__buf_printf(b, " %s NOT VALID;\n", con->def) != 0 ||
		       put_constraint_comment(b, con) != 0
		       ? STRATA_ERROR
		       : 0;
}

static int put_validate(strata_buf *b, const sc_object *con, const char *name)
{
	return put_on_table(b, con->schema, con->table, "VALIDATE CONSTRAINT", name);
}

/* Back to NOT VALID, as step 1 left it: no scan, and step 3 runs again. */
static int put_unvalidate(strata_buf *b, const sc_object *con)
{
	return put_table_of(b, con) != 0 || strata__buf_puts(b, " DROP CONSTRAINT ") != 0 ||
		       strata__sc_put_ident(b, con->name) != 0 || strata__buf_puts(b, ", ADD CONSTRAINT ") != 0 ||
		       strata__sc_put_ident(b, con->name) != 0 || strata__buf_printf(b, " %s NOT VALID;\n", con->def) != 0 ||
		       put_constraint_comment(b, con) != 0
		       ? STRATA_ERROR
		       : 0;
}

static int put_alter_column(strata_buf *b, const item *it)
{
	return strata__buf_puts(b, "ALTER TABLE ") != 0 ||
		       strata__sc_put_qualified(b, it->table->schema, it->table->name) != 0 ||
		       strata__buf_puts(b, " ALTER COLUMN ") != 0 || strata__sc_put_ident(b, it->column) != 0
		       ? STRATA_ERROR
		       : 0;
}

static int put_not_null_check(strata_buf *b, const item *it)
{
	return strata__buf_puts(b, "ALTER TABLE ") != 0 ||
		       strata__sc_put_qualified(b, it->table->schema, it->table->name) != 0 ||
		       strata__buf_puts(b, " ADD CONSTRAINT ") != 0 || strata__sc_put_ident(b, it->check) != 0 ||
		       strata__buf_puts(b, " CHECK (") != 0 || strata__sc_put_ident(b, it->column) != 0 ||
		       strata__buf_puts(b, " IS NOT NULL) NOT VALID;\n") != 0
		       ? STRATA_ERROR
		       : 0;
}

static int put_check_statement(strata_buf *b, const item *it, const char *verb)
{
	return put_on_table(b, it->table->schema, it->table->name, verb, it->check);
}

/* Steps 2 and 3 of every item, up in order and down in reverse. */
static int write_items(planner *p)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < p->nitems; i++) {
		const item *it = &p->items[i];
		strata_buf *up2 = &p->up[STEP_CONCURRENT], *up3 = &p->up[STEP_VALIDATE];

		switch (it->type) {
		case ITEM_INDEX:
			rc = put_index_change(up2, it->a, it->b);
			break;
		case ITEM_UNIQUE:
			rc = put_unique(up2, it->b, &it->unique);
			break;
		case ITEM_VALIDATE:
			rc = put_validate(up3, it->b, it->b->name);
			break;
		case ITEM_NOT_NULL:
			rc = put_check_statement(up3, it, "VALIDATE CONSTRAINT") ||
			     put_alter_column(up3, it) || strata__buf_puts(up3, " SET NOT NULL;\n") ||
			     put_check_statement(up3, it, "DROP CONSTRAINT");
			break;
		}
	}
	for (size_t i = p->nitems; rc == 0 && i-- > 0;) {
		const item *it = &p->items[i];
		strata_buf *down2 = &p->down[STEP_CONCURRENT], *down3 = &p->down[STEP_VALIDATE];

		switch (it->type) {
		case ITEM_INDEX:
			rc = put_index_change(down2, it->b, it->a);
			break;
		case ITEM_UNIQUE:
			rc = put_drop_constraint_if_exists(down2, it->b, it->b->name);
			break;
		case ITEM_VALIDATE:
			rc = put_unvalidate(down3, it->b);
			break;
		case ITEM_NOT_NULL:
			rc = put_not_null_check(down3, it) || put_alter_column(down3, it) ||
			     strata__buf_puts(down3, " DROP NOT NULL;\n");
			break;
		}
	}
	return rc ? STRATA_ERROR : 0;
}

/* ---- what goes where ----------------------------------------------------- */

/* Why an index change stays in step 1: NULL when it moves to step 2, ""
 * when it needs no reason (its table is new or goes). */
static const char *index_stays(const planner *p, const sc_change *ch)
{
	const sc_object *a = strata__sc_catalog_find(p->a, ch->key), *b = strata__sc_catalog_find(p->b, ch->key);
	const sc_object *t = existing_owner(p, b ? b : a);

	if (!t || (!a && !b))
		return "";
	if (t->relkind == 'p')
		return "PostgreSQL cannot build or drop an index of a partitioned table concurrently";
	if (ch->consequential)
		return "it is dropped and made again because a column it reads changes";
	if (strata__map_has(&p->depended, ch->key))
		return "a constraint depends on it";
	if ((a && !index_verb_len(a->def)) || (b && !index_verb_len(b->def)))
		return "its definition is not a plain CREATE INDEX";
	if (a && !reads_what_stays(p, a))
		return "the revision changes what it reads";
	if (a && !b && name_taken(p->b, a))
		return "the revision gives its name to another object";
	return NULL;
}

/* The name of the CHECK (col IS NOT NULL) for a column, in it->check and
 * it->check_key: "<table>_<col>_not_null_check", shortened to PostgreSQL's
 * 63 bytes (whole UTF-8 characters), unique on the table. */
static int name_check(const planner *p, item *it)
{
	static const char suffix[] = "_not_null_check";
	const sc_object *t = it->table;
	strata_buf name = STRATA_BUF_INIT, key = STRATA_BUF_INIT;
	int rc = STRATA_ERROR;

	for (int n = 0; n < 1000; n++) {
		char number[8] = "";
		size_t room, tlen = strlen(t->name), clen = strlen(it->column);
		char *ckey;
		int taken;

		if (n)
			snprintf(number, sizeof(number), "%d", n);
		room = 63 - (sizeof(suffix) - 1) - strlen(number) - 1;
		while (tlen + clen > room) {
			size_t *longer = tlen >= clen ? &tlen : &clen;
			const char *s = longer == &tlen ? t->name : it->column;

			(*longer)--;
			while (*longer && ((unsigned char)s[*longer] & 0xc0) == 0x80)
				(*longer)--;
		}
		strata__buf_clear(&name);
		strata__buf_clear(&key);
		if (strata__buf_printf(&name, "%.*s_%.*s%s%s", (int)tlen, t->name, (int)clen, it->column,
			       suffix, number) != 0 ||
		    strata__buf_printf(&key, "%s\x1f%s", t->key, strata__buf_cstr(&name)) != 0 ||
		    !(ckey = strata__sc_make_key(SC_CONSTRAINT, t->schema, t->name, strata__buf_cstr(&name))))
			goto done;
		taken = strata__sc_catalog_find(p->a, ckey) || strata__sc_catalog_find(p->b, ckey) ||
			strata__map_has(&p->checks, strata__buf_cstr(&key));
		strata_free(ckey);
		if (taken)
			continue;
		it->check = strata__buf_detach(&name);
		it->check_key = strata__buf_detach(&key);
		rc = it->check && it->check_key ? 0 : STRATA_ERROR;
		goto done;
	}
	rc = strata_error_set(STRATA_ERROR, "no free name for the NOT NULL check of %s.%s", t->name,
			      it->column);
done:
	strata__buf_release(&name);
	strata__buf_release(&key);
	return rc;
}

static int index_change(planner *p, const sc_change *ch)
{
	void *seen = strata__map_get(&p->decided, ch->key);
	const char *why;
	item it = { 0 };
	size_t idx;

	if (seen)
		return seen == PLAIN ? strata__sc_change_put_sql(&p->up[STEP_SCHEMA], ch) : 0;
	if ((why = index_stays(p, ch))) {
		if (strata__map_put(&p->decided, ch->key, PLAIN) != 0 ||
		    (*why && add_note(p, ch->op == SC_OP_DROP ? "dropping index" : "index",
				      ch->object, why) != 0))
			return STRATA_ERROR;
		return strata__sc_change_put_sql(&p->up[STEP_SCHEMA], ch);
	}
	it.type = ITEM_INDEX;
	it.a = strata__sc_catalog_find(p->a, ch->key);
	it.b = strata__sc_catalog_find(p->b, ch->key);
	return add_item(p, &it, &idx) != 0 || strata__map_put(&p->decided, ch->key, AS_VALUE(idx)) != 0
		       ? STRATA_ERROR
		       : 0;
}

/* The first column of the primary key that is nullable before, or NULL. */
static const char *nullable_key_column(const planner *p, const sc_object *con,
				       const sc_object *t)
{
	const sc_object *ta = strata__sc_catalog_find(p->a, t->key);

	for (size_t i = 0; i < con->ncon_columns; i++) {
		const sc_column *c = column_of(ta, con->con_columns[i]);

		if (c && !c->not_null)
			return c->name;
	}
	return NULL;
}

/* Kept as the diff wrote it, with the reason as a note. */
static int plain_with_note(planner *p, const sc_change *ch, const char *what, const char *why)
{
	return add_note(p, what, ch->object, why) != 0 ? STRATA_ERROR
						      : strata__sc_change_put_sql(&p->up[STEP_SCHEMA], ch);
}

static int constraint_create(planner *p, const sc_change *ch)
{
	const sc_object *con = strata__sc_catalog_find(p->b, ch->key);
	const sc_object *t = con ? existing_owner(p, con) : NULL;
	item it = { 0 };
	size_t idx;
	int rc;

	if (!t || con->not_valid)
		return strata__sc_change_put_sql(&p->up[STEP_SCHEMA], ch);
	switch (con->contype) {
	case 'f':
	case 'c':
		if (con->contype == 'f' && t->relkind == 'p' && p->b->server_version < 180000)
			return plain_with_note(p, ch, "constraint", "PostgreSQL before 18 cannot add "
					       "a foreign key NOT VALID to a partitioned table");
		it.type = ITEM_VALIDATE;
		it.b = con;
		return add_item(p, &it, &idx) != 0 || put_add_not_valid(&p->up[STEP_SCHEMA], con) != 0
			       ? STRATA_ERROR
			       : 0;
	case 'u':
	case 'p':
		if (t->relkind == 'p')
			return plain_with_note(p, ch, "constraint", "PostgreSQL cannot build the index "
					       "of a partitioned table concurrently");
		if (strata__map_has(&p->depended, ch->key))
			return plain_with_note(p, ch, "constraint", "a foreign key that references it "
					       "is added in the same revision");
		if ((rc = split_unique(&it.unique, con)) < 0)
			return rc;
		if (rc == 0)
			return plain_with_note(p, ch, "constraint",
					       "its definition has no CREATE UNIQUE INDEX form");
		it.type = ITEM_UNIQUE;
		it.b = con;
		if (add_item(p, &it, &idx) != 0) {
			unique_parts_release(&it.unique);
			return STRATA_ERROR;
		}
		if (con->contype == 'p' && nullable_key_column(p, con, t) &&
		    add_note(p, "constraint", ch->object, "ADD PRIMARY KEY ... USING INDEX makes "
			     "its nullable columns NOT NULL itself, scanning the table under its lock") != 0)
			return STRATA_ERROR;
		return strata__map_put(&p->moved_unique, ch->key, AS_VALUE(idx));
	case 'x':
		return plain_with_note(p, ch, "constraint", "an EXCLUDE constraint builds its index "
				       "and checks every row under its lock; PostgreSQL has no "
				       "concurrent form");
	default:
		return strata__sc_change_put_sql(&p->up[STEP_SCHEMA], ch);
	}
}

/* A change's SQL without the statement at sql[at..at+len) (its NOT NULL). */
static int put_change_without(strata_buf *b, const sc_change *ch, size_t at, size_t len)
{
	if (ch->destructive && strata__buf_printf(b, "-- destructive: %s %s: %s\n", strata__sc_kind_name(ch->kind),
					  ch->object, ch->detail ? ch->detail : "") != 0)
		return STRATA_ERROR;
	return strata__buf_putn(b, ch->sql, at) != 0 || strata__buf_puts(b, ch->sql + at + len) != 0 ? STRATA_ERROR
										      : 0;
}

static char *column_key(const char *table_key, const char *column)
{
	strata_buf key = STRATA_BUF_INIT;

	if (strata__buf_printf(&key, "%s\x1f%s", table_key, column) != 0) {
		strata__buf_release(&key);
		return NULL;
	}
	return strata__buf_detach(&key);
}

/* A column change that makes an existing column NOT NULL: the rest of its
 * SQL and the NOT VALID check in step 1, the SET NOT NULL in step 3. */
static int not_null_change(planner *p, const sc_change *ch, int *done)
{
	const sc_object *ta = strata__sc_catalog_find(p->a, ch->key), *tb = strata__sc_catalog_find(p->b, ch->key);
	const sc_column *ca = column_of(ta, ch->column), *cb = column_of(tb, ch->column);
	item it = { 0 };
	size_t idx;

	*done = 0;
	if (!ca || !cb || !cb->not_null || ca->not_null || !ch->not_null_len ||
	    ch->not_null_at + ch->not_null_len > strlen(ch->sql))
		return 0;
	if (cb->identity && !ca->identity)
		return add_note(p, "column", ch->object, "an identity needs the column NOT NULL first");
	it.type = ITEM_NOT_NULL;
	it.table = tb;
	it.column = cb->name;
	if (name_check(p, &it) != 0 || !(it.not_null_key = column_key(tb->key, cb->name)) ||
	    add_item(p, &it, &idx) != 0) {
		strata_free(it.check);
		strata_free(it.check_key);
		strata_free(it.not_null_key);
		return STRATA_ERROR;
	}
	if (strata__map_put(&p->not_null, p->items[idx].not_null_key, AS_VALUE(idx)) != 0 ||
	    strata__map_put(&p->checks, p->items[idx].check_key, (void *)1) != 0 ||
	    put_change_without(&p->up[STEP_SCHEMA], ch, ch->not_null_at, ch->not_null_len) != 0 ||
	    put_not_null_check(&p->up[STEP_SCHEMA], &p->items[idx]) != 0)
		return STRATA_ERROR;
	*done = 1;
	return 0;
}

static int forward_change(planner *p, const sc_change *ch)
{
	int done = 0;

	if (!ch->sql || !ch->key)
		return strata__sc_change_put_sql(&p->up[STEP_SCHEMA], ch);
	if (ch->kind == SC_INDEX)
		return index_change(p, ch);
	if (ch->kind == SC_CONSTRAINT && ch->op == SC_OP_CREATE)
		return constraint_create(p, ch);
	if (ch->kind == SC_COLUMN && ch->op == SC_OP_ALTER && ch->column &&
	    not_null_change(p, ch, &done) != 0)
		return STRATA_ERROR;
	return done ? 0 : strata__sc_change_put_sql(&p->up[STEP_SCHEMA], ch);
}

/* The backward change's part of step 1's down (invariant 2). */
static int backward_change(planner *p, const sc_change *ch)
{
	strata_buf *down = &p->down[STEP_SCHEMA];
	void *decided = ch->key ? strata__map_get(&p->decided, ch->key) : NULL;
	char *key;
	int split;

	if (ch->kind == SC_INDEX && decided && decided != PLAIN)
		return 0;
	if (ch->key && ch->kind == SC_CONSTRAINT && ch->op == SC_OP_DROP &&
	    strata__map_has(&p->moved_unique, ch->key))
		return 0;
	if (!ch->key || ch->kind != SC_COLUMN || !ch->column || !ch->not_null_len)
		return strata__sc_change_put_sql(down, ch);
	if (!(key = column_key(ch->key, ch->column)))
		return STRATA_ERROR;
	split = strata__map_has(&p->not_null, key) && ch->not_null_at + ch->not_null_len <= strlen(ch->sql);
	strata_free(key);
	return split ? put_change_without(down, ch, ch->not_null_at, ch->not_null_len)
		     : strata__sc_change_put_sql(down, ch);
}

/* ---- the plan ------------------------------------------------------------ */

static int index_catalogs(planner *p)
{
	const sc_catalog *cats[] = { p->a, p->b };

	for (size_t i = 0; i < p->fwd.n; i++) {
		const sc_change *ch = &p->fwd.v[i];

		if (ch->op == SC_OP_CREATE && ch->key &&
		    (ch->kind == SC_TABLE || ch->kind == SC_MATVIEW) &&
		    strata__map_put(&p->new_relations, ch->key, (void *)1) != 0)
			return STRATA_ERROR;
	}
	for (size_t c = 0; c < 2; c++)
		for (size_t i = 0; i < cats[c]->n; i++)
			for (size_t k = 0; k < cats[c]->objs[i]->ndeps; k++)
				if (strata__map_put(&p->depended, cats[c]->objs[i]->deps[k], (void *)1) != 0)
					return STRATA_ERROR;
	return 0;
}

static int plan_steps(planner *p)
{
	int rc = 0;

	if ((rc = index_catalogs(p)) != 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < p->fwd.n; i++)
		rc = forward_change(p, &p->fwd.v[i]);
	/* Step 1's down: the NOT VALID checks it added, then the backward diff. */
	for (size_t i = 0; rc == 0 && i < p->nitems; i++)
		if (p->items[i].type == ITEM_NOT_NULL)
			rc = put_check_statement(&p->down[STEP_SCHEMA], &p->items[i],
						 "DROP CONSTRAINT IF EXISTS");
	for (size_t i = 0; rc == 0 && i < p->back.n; i++)
		rc = backward_change(p, &p->back.v[i]);
	if (rc == 0)
		rc = write_items(p);
	return rc;
}

static int take_steps(planner *p)
{
	sc_steps *s = p->out;

	if (!(s->v = strata_calloc(STEP_COUNT, sizeof(*s->v))))
		return STRATA_ERROR;
	for (int k = 0; k < STEP_COUNT; k++) {
		sc_step *st = &s->v[s->n];

		if (!p->up[k].len)
			continue;
		st->label = step_labels[k];
		st->transactional = k != STEP_CONCURRENT;
		if (!(st->up = strata__buf_detach(&p->up[k])) || !(st->down = strata__buf_detach(&p->down[k]))) {
			strata_free(st->up);
			st->up = NULL;
			return STRATA_ERROR;
		}
		s->n++;
	}
	return 0;
}

void strata__sc_steps_release(sc_steps *s)
{
	for (size_t i = 0; s->v && i < s->n; i++) {
		strata_free(s->v[i].up);
		strata_free(s->v[i].down);
		strata_free(s->v[i].batch);
	}
	for (size_t i = 0; i < s->nnotes; i++)
		strata_free(s->notes[i]);
	strata_free(s->v);
	strata_free(s->notes);
	memset(s, 0, sizeof(*s));
}

int strata__sc_steps_plan(sc_steps *out, const sc_catalog *from, const sc_catalog *to,
		  const sc_diff_options *opts)
{
	sc_diff_options o = SC_DIFF_OPTIONS_INIT;
	planner p = { 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	if (opts)
		o = *opts;
	o.for_migration = 1;
	p.a = from;
	p.b = to;
	p.out = out;
	for (int k = 0; k < STEP_COUNT; k++) {
		p.up[k] = (strata_buf)STRATA_BUF_INIT;
		p.down[k] = (strata_buf)STRATA_BUF_INIT;
	}
	if ((rc = strata__sc_diff(from, to, &o, &p.fwd)) != 0 || (rc = strata__sc_diff(to, from, &o, &p.back)) != 0)
		goto done;
	if (!p.fwd.n)
		goto done;
	if (from->engine == DB_POSTGRES) {
		rc = plan_steps(&p);
	} else {
		rc = strata__sc_changes_marked_sql(&p.fwd, &p.up[STEP_SCHEMA]) ||
		     strata__sc_changes_marked_sql(&p.back, &p.down[STEP_SCHEMA]);
	}
	if (rc == 0 && !p.up[STEP_SCHEMA].len && !p.up[STEP_CONCURRENT].len &&
	    !p.up[STEP_VALIDATE].len)
		rc = strata__buf_puts(&p.up[STEP_SCHEMA], "-- the differences need no SQL\n");
	if (rc == 0)
		rc = take_steps(&p);
done:
	if (rc != 0) {
		strata__sc_steps_release(out);
		if (!strata_error_last()->code)
			strata_error_set(STRATA_ERROR, "out of memory while planning the revisions");
		rc = rc < 0 ? rc : STRATA_ERROR;
	}
	for (size_t i = 0; i < p.nitems; i++) {
		strata_free(p.items[i].check);
		strata_free(p.items[i].check_key);
		strata_free(p.items[i].not_null_key);
		unique_parts_release(&p.items[i].unique);
	}
	strata_free(p.items);
	for (int k = 0; k < STEP_COUNT; k++) {
		strata__buf_release(&p.up[k]);
		strata__buf_release(&p.down[k]);
	}
	strata__map_release(&p.new_relations);
	strata__map_release(&p.depended);
	strata__map_release(&p.decided);
	strata__map_release(&p.moved_unique);
	strata__map_release(&p.not_null);
	strata__map_release(&p.checks);
	strata__sc_changes_release(&p.fwd);
	strata__sc_changes_release(&p.back);
	return rc;
}
