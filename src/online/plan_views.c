/*
 * online/plan_views.c - the version schema: one view per table of the
 * model, showing the new shape (new names over the physical columns).
 *
 * Layer: online. Used by the planner at start and by views.c when the
 * views of a completed migration are made again.
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

int strata__plan_create_views(strata_db *db, online_model *model, const char *vs)
{
	strata_buf sql = STRATA_BUF_INIT;
	size_t i, j;
	int rc;

	if ((rc = strata__sqlf(&sql, "CREATE SCHEMA IF NOT EXISTS %I", vs)) < 0 ||
	    (rc = strata__db_exec(db, strata__buf_cstr(&sql), 0, NULL)) < 0)
		goto done;
	for (i = 0; i < model->ntables; i++) {
		online_table *t = &model->tables[i];
		size_t n = 0;

		if (t->dropped)
			continue;
		strata__buf_clear(&sql);
		strata__sqlf(&sql, "CREATE VIEW %Q AS SELECT ", vs, t->name);
		for (j = 0; j < t->ncols; j++) {
			online_column *c = &t->cols[j];

			if (c->dropped)
				continue;
			strata__sqlf(&sql, "%s%I AS %I", n++ ? ", " : "", c->phys, c->name);
		}
		if (!n)
			continue;
		strata__sqlf(&sql, " FROM %Q", model->schema, t->phys);
		if ((rc = strata__buf_check(&sql)) < 0)
			goto done;
		if ((rc = strata__db_exec(db, strata__buf_cstr(&sql), 0, NULL)) < 0) {
			strata_error_append(", creating the view %s.%s", vs, t->name);
			goto done;
		}
	}
done:
	strata__buf_release(&sql);
	return rc;
}
