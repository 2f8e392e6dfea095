/*
 * schema/diff_pg_int.h - what the two halves of the PostgreSQL diff share:
 * diff_pg.c decides what changes and in which order, emit_pg.c writes the
 * SQL of each change. Internal to src/schema (not a public header).
 *
 * Invariants:
 *  1. emit_pg.c reads the decisions (the maps of pgd) but never makes one:
 *     what is dropped, recreated, replaced or retyped is settled by
 *     diff_pg.c's classify() before any SQL is written.
 *  2. Strings the maps borrow are owned by pgd.owned (strata__diff_pg_keep) and
 *     live as long as the diff.
 *
 * A new object kind: update needs_recreate() and the phases in diff_pg.c,
 * strata__emit_pg_create(), strata__emit_pg_drop() and strata__emit_pg_alter_object() in emit_pg.c.
 */
#ifndef STRATA_SCHEMA_DIFF_PG_INT_H
#define STRATA_SCHEMA_DIFF_PG_INT_H

#include "schema/diff.h"
#include "util/buf.h"
#include "util/map.h"

/* The state of one strata__sc_diff_pg run. */
typedef struct pgd {
	const sc_catalog *a, *b;
	const sc_diff_options *opts;
	sc_changes *out;
	strata_map dropped;      /* keys of objects of a dropped (removed or recreated) */
	strata_map recreated;    /* keys in both catalogs, dropped and created again */
	strata_map replaced;     /* enum keys replaced by rename + create */
	strata_map changed_cols; /* "<table key>\x1f<column>" dropped or retyped */
	strata_map cascaded;     /* recreated only because of what they depend on */
	strata_map early;        /* column keys -> EARLY_*: done in the identity phase */
	char **owned;            /* strings the maps borrow */
	size_t nowned, capowned;
	int functions_created;
	/* strata__emit_pg_alter_column's NOT NULL statement, for strata__emit_pg_change() */
	size_t not_null_at, not_null_len;
} pgd;

/* What the identity phase did to a column (values in pgd.early). The values
 * are compared by address, so they are named arrays, not string literals:
 * two equal literals need not share an address. */
extern char strata__diff_pg_early_identity_dropped[];
extern char strata__diff_pg_early_serial_released[];
#define EARLY_IDENTITY_DROPPED ((void *)strata__diff_pg_early_identity_dropped)
#define EARLY_SERIAL_RELEASED  ((void *)strata__diff_pg_early_serial_released)

/* --- diff_pg.c: the decisions --------------------------------------------- */

/* Take s (malloc'ed) into d->owned, for the maps to borrow; frees s and
 * returns STRATA_ERROR when it cannot (s NULL counts as out of memory). */
int strata__diff_pg_keep(pgd *d, char *s);
/* "<table key>\x1f<column>": the key of a column in pgd.changed_cols and
 * pgd.early (malloc'ed). */
char *strata__diff_pg_col_key(const sc_object *t, const char *col);
/* The column of that name of t, or NULL. */
const sc_column *strata__diff_pg_find_column(const sc_object *t, const char *name);
/* What the identity phase already did to column col of table t, or NULL. */
const void *strata__diff_pg_early_done(pgd *d, const sc_object *t, const char *col);
/* The replaced enum a column's type names, or NULL. */
const sc_object *strata__diff_pg_replaced_enum_of(const pgd *d, const char *type);
/* Whether a column type names an enum of the catalog. */
int strata__diff_pg_is_enum_type(const sc_catalog *cat, const char *type);
/* Whether a kept column changes type (or collation, or its enum is replaced). */
int strata__diff_pg_column_retyped(const pgd *d, const sc_column *ca, const sc_column *cb);
/* Whether a generated column's expression changes in a way that drops and
 * adds it. */
int strata__diff_pg_generated_changes(const sc_column *ca, const sc_column *cb);

/* --- emit_pg.c: the SQL ------------------------------------------------- */

/* Append one change to d->out: op on o (on its column object_suffix when
 * given), with detail and the SQL in sql (copied, then sql is cleared). */
int strata__emit_pg_change(pgd *d, sc_change_op op, const sc_object *o, const char *object_suffix,
		   const char *detail, strata_buf *sql, int destructive);
/* CREATE of o (with its comments, grants and settings) into s. */
int strata__emit_pg_create(pgd *d, strata_buf *s, const sc_object *o);
/* DROP of o into s. */
int strata__emit_pg_drop(strata_buf *s, const sc_object *o);
/* "ALTER TABLE schema.name" of t, quoted as needed. */
int strata__emit_pg_alter_table(strata_buf *s, const sc_object *t);
/* "schema.table.column", quoted, as OWNED BY names it. */
int strata__emit_pg_column_ref(strata_buf *s, const sc_object *t, const char *col);
/* The column's sequence carries on after the largest value the column
 * holds (a setval statement). */
int strata__emit_pg_continue_sequence(strata_buf *s, const sc_object *t, const char *col);
/* The changes of one column kept in table tb (ca in the source, cb in the
 * target), emitted as changes of d->out. */
int strata__emit_pg_alter_column(pgd *d, strata_buf *s, const sc_object *tb, const sc_column *ca,
			 const sc_column *cb);
/* Change a into b in place (both with the same key), emitted. */
int strata__emit_pg_alter_object(pgd *d, strata_buf *s, const sc_object *a, const sc_object *b);
/* ALTER SEQUENCE seq OWNED BY its column. */
int strata__emit_pg_owned_by(strata_buf *s, const sc_object *seq);

#endif
