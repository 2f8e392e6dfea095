/*
 * schema/steps.h - the revisions `strata revision --autogenerate` writes:
 * the diff between two catalogs, split into steps that each take only
 * short locks on the tables that already exist.
 *
 * Layer: schema (above db and util), on top of strata__sc_diff(). The CLI writes
 * one revision per step, each revising the one before.
 *
 * PostgreSQL, on a table that existed before the revision (not created in
 * it), in up to three steps:
 *  1. "schema", in a transaction: every change of the diff, but a foreign
 *     key or CHECK constraint is added NOT VALID, and a column's NOT NULL
 *     becomes ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID.
 *  2. "concurrent indexes", outside a transaction (transaction: off):
 *     DROP INDEX CONCURRENTLY IF EXISTS, then CREATE INDEX CONCURRENTLY;
 *     a UNIQUE or PRIMARY KEY constraint as CREATE UNIQUE INDEX
 *     CONCURRENTLY and ADD CONSTRAINT ... USING INDEX.
 *  3. "validate", in a transaction: VALIDATE CONSTRAINT, and for a NOT
 *     NULL: VALIDATE, SET NOT NULL (PostgreSQL 12+ skips its scan with the
 *     validated check), DROP CONSTRAINT of the check.
 * Validation is a later revision than the NOT VALID add: in the same
 * transaction the add's lock would be held through the scan. Steps with
 * nothing to do are left out; a diff with nothing to split is one step,
 * the plain diff. Tables created by the revision get the plain statements
 * in step 1: nothing uses them yet. What cannot be done the safe way keeps
 * its plain statement with a comment line saying why (also in notes).
 *
 * Each step's down undoes that step only, in reverse order, so that
 * downgrading and upgrading any one of them again works.
 *
 * SQLite: one step, the diff in its migration form (sc_diff_options
 * for_migration).
 */
#ifndef STRATA_SCHEMA_STEPS_H
#define STRATA_SCHEMA_STEPS_H

#include <stddef.h>

#include "schema/diff.h"
#include "strata/schema.h"

/* The steps are the public structs (strata/schema.h). */
typedef strata_schema_step sc_step;
typedef strata_schema_steps sc_steps;

/*
 * The steps that turn a database with the schema `from` into `to` (both
 * of the same engine), as described above. opts as for strata__sc_diff (NULL:
 * the defaults); for_migration is implied.
 * @param[out] out  filled; free with strata__sc_steps_release()
 * @return 0, or STRATA_ERROR / an error of strata__sc_diff()
 */
int strata__sc_steps_plan(sc_steps *out, const sc_catalog *from, const sc_catalog *to,
		  const sc_diff_options *opts);
void strata__sc_steps_release(sc_steps *s);

#endif
