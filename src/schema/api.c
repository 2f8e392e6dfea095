/*
 * schema/api.c - the public schema API (strata/schema.h) over the schema
 * layer: loading (schema/shadow.h), diff and DDL (schema/diff.h), steps
 * (schema/steps.h, schema/template.h).
 *
 * strata_catalog is sc_catalog, strata_changes is sc_changes and the step
 * structs are sc_step(s): the same structs, so nothing is converted; every
 * function forwards to the schema layer.
 */
#include "strata/schema.h"
#include "schema/diff.h"
#include "schema/provider.h"
#include "schema/shadow.h"
#include "schema/steps.h"
#include "schema/template.h"
#include "strata/error.h"
#include "util/alloc.h"


strata_engine strata_schema_source_engine(const char *spec)
{
	return (strata_engine)strata__sc_source_engine(spec);
}

int strata_schema_is_provider(const char *spec)
{
	return strata__sc_provider_is(spec);
}

int strata_schema_provider_display(strata_buf *out, const char *spec)
{
	return strata__sc_provider_display(out, spec);
}

int strata_catalog_load(strata_catalog **out, const char *spec, strata_engine engine,
			const strata_config *cfg)
{
	return strata__sc_load(out, spec, (int)engine, cfg);
}

/* b loads on a second thread while a loads on the caller's (strata__sc_load_pair). */
int strata_catalog_load_pair(strata_catalog **a_out, strata_catalog **b_out, const char *spec_a,
			     const char *spec_b, strata_engine engine, const strata_config *cfg)
{
	return strata__sc_load_pair(a_out, b_out, spec_a, spec_b, (int)engine, cfg);
}

int strata_catalog_load_database(strata_catalog **out, const char *conninfo,
				 const strata_config *cfg)
{
	return strata__sc_load_database(out, conninfo, cfg);
}

int strata_catalog_load_replayed(strata_catalog **out, const char *dir,
				 const char *const *targets, size_t ntargets, strata_engine engine,
				 const strata_config *cfg)
{
	return strata__sc_load_replayed(out, dir, targets, ntargets, NULL, (int)engine, cfg);
}

void strata_catalog_free(strata_catalog *cat)
{
	strata__sc_catalog_free(cat);
}

void strata_schema_abort_all(void)
{
	strata__sc_shadow_abort_all();
}

static int diff_options(sc_diff_options *out, const strata_diff_options *opts)
{
	static const sc_diff_options defaults = SC_DIFF_OPTIONS_INIT;

	*out = defaults;
	if (!opts)
		return 0;
	if (opts->version != STRATA_DIFF_OPTIONS_VERSION)
		return strata_error_set(STRATA_EINVALID, "diff options version %d is not %d",
					opts->version, STRATA_DIFF_OPTIONS_VERSION);
	out->with_grants = opts->with_grants;
	out->extension_versions = opts->extension_versions;
	out->for_migration = opts->for_migration;
	return 0;
}

int strata_schema_diff(strata_changes **out, const strata_catalog *from,
		       const strata_catalog *to, const strata_diff_options *opts)
{
	sc_diff_options o;
	sc_changes *c;
	int rc;

	*out = NULL;
	if ((rc = diff_options(&o, opts)) != 0)
		return rc;
	if (!(c = strata_calloc(1, sizeof(*c))))
		return STRATA_ERROR;
	if ((rc = strata__sc_diff(from, to, &o, c)) != 0) {
		strata_changes_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

size_t strata_changes_count(const strata_changes *c)
{
	return c ? c->n : 0;
}

void strata_changes_get(strata_change_info *out, const strata_changes *c, size_t i)
{
	const sc_change *ch = &c->v[i];

	out->op = ch->op == SC_OP_CREATE ? STRATA_CHANGE_CREATE
		  : ch->op == SC_OP_DROP ? STRATA_CHANGE_DROP
					 : STRATA_CHANGE_ALTER;
	out->kind = strata__sc_kind_name(ch->kind);
	out->object = ch->object;
	out->detail = ch->detail;
	out->sql = ch->sql;
	out->destructive = ch->destructive;
	out->consequential = ch->consequential;
}

int strata_changes_sql(strata_buf *out, const strata_changes *c)
{
	return strata__sc_changes_marked_sql(c, out);
}

void strata_changes_free(strata_changes *c)
{
	if (!c)
		return;
	strata__sc_changes_release(c);
	strata_free(c);
}

int strata_schema_dump(strata_buf *out, const strata_catalog *cat)
{
	return strata__sc_dump_sql(cat, out);
}

int strata_schema_drop_all(strata_buf *out, const strata_catalog *cat)
{
	return strata__sc_drop_all_sql(cat, out);
}

int strata_schema_erd(strata_buf *out, const strata_catalog *cat, const char *format,
		      int all_columns)
{
	return strata__sc_erd(cat, format, all_columns, out);
}

int strata_schema_steps_plan(strata_schema_steps *out, const strata_catalog *from,
			     const strata_catalog *to)
{
	return strata__sc_steps_plan(out, from, to, NULL);
}

int strata_schema_template_not_null(strata_schema_steps *out, strata_catalog *have,
				    strata_catalog *work, const char *table, const char *column,
				    const char *type)
{
	return strata__sc_template_not_null(out, have, work, table, column, type);
}

void strata_schema_steps_release(strata_schema_steps *s)
{
	strata__sc_steps_release(s);
}
