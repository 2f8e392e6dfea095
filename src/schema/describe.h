/*
 * schema/describe.h - the differences between two catalogs in words, each
 * classified by what it means to the database's clients: the schema side
 * of `strata changelog` (strata/changelog.h).
 *
 * Layer: schema. Works on catalogs and on the change list of strata__sc_diff()
 * (schema/diff.h), never on SQL text: the diff says which objects differ
 * (with its own rules of what counts, and leaving out what is only
 * recreated around another change), and the two catalogs say how.
 *
 * Classes (docs/history.md, "Changelog", has the full table):
 *   breaking    a client written for the old schema may fail: anything
 *               dropped or renamed, a narrowing or incompatible type
 *               change, NOT NULL on an existing column or a new NOT NULL
 *               column without a default, a new or changed unique, check,
 *               foreign-key, primary-key or exclusion constraint, a unique
 *               index added or gone, a revoked privilege, row-level
 *               security and policies
 *   compatible  additions a client may start to use: new tables, views,
 *               functions, types, nullable columns or ones with a default,
 *               new non-unique indexes, widened types, dropped check or
 *               foreign-key constraints, a column that became nullable,
 *               enum values added, defaults set or changed
 *   internal    what no client sees: comments, granted privileges,
 *               triggers, function bodies, dropped or rebuilt non-unique
 *               indexes, storage options, sequence settings
 */
#ifndef STRATA_SCHEMA_DESCRIBE_H
#define STRATA_SCHEMA_DESCRIBE_H

#include <stddef.h>

#include "schema/catalog.h"

typedef enum sc_class {
	SC_CLASS_INTERNAL = 1,
	SC_CLASS_COMPATIBLE = 2,
	SC_CLASS_BREAKING = 3,
} sc_class;

typedef struct sc_note {
	sc_class cls;
	sc_kind kind;   /* SC_COLUMN for a column */
	const char *op; /* "added", "dropped", "changed" or "renamed" (static) */
	char *object;   /* "public.orders.status", "orders" (SQLite) */
	char *words;    /* Markdown: "table `orders`: added column `status text`" */
} sc_note;

typedef struct sc_notes {
	sc_note *v;
	size_t n, cap;
} sc_notes;

/* "breaking", "compatible", "internal". */
const char *strata__sc_class_name(sc_class cls);

/*
 * The notes for going from `from` to `to` (same engine), appended to out
 * in catalog order: tables and their columns first, then the other
 * objects. A table that disappears while exactly one other with the same
 * columns appears, or a column that disappears while exactly one other
 * with its definition appears in its place (not at the end, where added
 * columns go), is reported as renamed (breaking either way, so a wrong
 * guess changes only the words).
 */
int strata__sc_describe(const sc_catalog *from, const sc_catalog *to, sc_notes *out);
void strata__sc_notes_release(sc_notes *notes);

/* How a column type change reads (types as the catalog holds them). */
typedef enum sc_type_change {
	SC_TYPE_SAME = 0,      /* the same type, perhaps spelled another way (INT, INTEGER) */
	SC_TYPE_WIDENED,       /* every old value fits: integer -> bigint, varchar(10) -> text */
	SC_TYPE_NARROWED,      /* the same family, smaller: bigint -> integer, text -> varchar(10) */
	SC_TYPE_OTHER,         /* another kind of type */
} sc_type_change;

sc_type_change strata__sc_type_compare(const char *from, const char *to);

#endif
