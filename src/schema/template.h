/*
 * schema/template.h - revisions `strata revision --template` writes for the
 * user to finish: the safe patterns of the migrations' own history.
 *
 * Layer: schema (above db and util), on the catalog the migrations build
 * (their head, replayed in a shadow). The CLI writes one revision per
 * step, each revising the one before (as for --autogenerate).
 *
 * not-null TABLE COLUMN: make a column NOT NULL without a long lock, in
 * three revisions:
 *  1. "add nullable with check": the column added nullable (unless it
 *     exists) and a guard against new NULLs that does not scan the rows:
 *     PostgreSQL: CHECK (col IS NOT NULL) NOT VALID; SQLite, which has no
 *     such constraint: BEFORE INSERT and BEFORE UPDATE triggers that
 *     refuse a NULL.
 *  2. "backfill": a batched step (-- +batch) setting the rows still NULL
 *     to the placeholder <value>, walked by the table's integer key
 *     (SQLite: its INTEGER PRIMARY KEY or the rowid). Until the user
 *     replaces <value>, lint, upgrade and --sql refuse the revision.
 *  3. "validate and set not null": PostgreSQL: VALIDATE CONSTRAINT (a
 *     scan that blocks no writes), SET NOT NULL (PostgreSQL 12+ skips its
 *     own scan thanks to the validated check), DROP CONSTRAINT; SQLite:
 *     the table rebuilt with the column NOT NULL (the diff's rebuild) and
 *     the guard triggers dropped.
 * Each step's down undoes that step only.
 */
#ifndef STRATA_SCHEMA_TEMPLATE_H
#define STRATA_SCHEMA_TEMPLATE_H

#include "schema/catalog.h"
#include "schema/steps.h"

/*
 * The not-null template's steps. have and work are two copies of the
 * migrations' head (both are changed: a new column is added to each). table may be schema-qualified
 * (PostgreSQL; default public); type: the column's type when it does not
 * exist yet (NULL when it does).
 * @return 0, or STRATA_EINVALID naming what is wrong (no such table, the
 *         column is missing and no type given, already NOT NULL, no
 *         integer key to batch by) with a hint
 */
int strata__sc_template_not_null(sc_steps *out, sc_catalog *have, sc_catalog *work,
			 const char *table, const char *column, const char *type);

#endif
