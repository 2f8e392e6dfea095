/*
 * advise/advise.c - running the advisor: loading a schema source,
 * reading a live database's statistics, the rule families over the
 * catalog, and the report (strata/advise.h).
 *
 * Layer: advise. The catalog comes from the same loader the schema
 * commands use (schema/shadow.h: a database, a schema file or a
 * migrations directory replayed in a shadow); statistics from live.c on
 * the same read-only connection as the catalog, only for a PostgreSQL
 * database named as the source (a shadow has none worth reading).
 *
 * Ignore entries ([advise] ignore = RULE [PATTERN]) match the object's
 * name (fnmatch, so '*' matches dots too) as reported, or without its
 * schema: "audit_*" matches public.audit_log, its columns and indexes;
 * see docs/advise.md.
 */
#include "advise/advise.h"
#include "db/db.h"
#include "schema/diff.h"
#include "schema/shadow.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/assert.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert((int)STRATA_ADVISE_ENGINE_SQLITE == (int)DB_SQLITE &&
		       (int)STRATA_ADVISE_ENGINE_POSTGRES == (int)DB_POSTGRES,
	       "the public engine numbers are db_engine's");

int strata__advise_report_new(strata_advise_report **out)
{
	*out = strata_calloc(1, sizeof(**out));
	if (!*out)
		return strata_error_set(STRATA_ERROR, "out of memory");
	(*out)->stats_age = -1;
	return 0;
}

void strata_advise_report_free(strata_advise_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		strata_free(r->v[i].object);
		strata_free(r->v[i].message);
		strata_free(r->v[i].fix);
	}
	strata_free(r->v);
	strata_free(r);
}

size_t strata_advise_report_count(const strata_advise_report *r)
{
	return r->n;
}

const strata_advise_finding *strata_advise_report_at(const strata_advise_report *r, size_t i)
{
	return i < r->n ? &r->v[i].pub : NULL;
}

size_t strata_advise_report_at_least(const strata_advise_report *r, strata_advise_severity min)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += r->v[i].pub.severity >= min;
	return n;
}

size_t strata_advise_report_ignored(const strata_advise_report *r)
{
	return r->ignored;
}

size_t strata_advise_report_tables(const strata_advise_report *r)
{
	return r->tables;
}

int strata_advise_report_live(double *stats_age_seconds, const strata_advise_report *r)
{
	STRATA_ASSERT_ARG_WITH_RETVAL(r, 0);

	if (stats_age_seconds)
		*stats_age_seconds = r->stats_age;
	return r->live;
}

size_t strata_advise_report_sampled(const strata_advise_report *r)
{
	return r->sampled;
}

static int ignored(const strata_advise_settings *s, const strata_advise_rule *rule,
		   const char *object)
{
	const char *bare = strchr(object, '.');

	for (size_t i = 0; i < s->nignore; i++) {
		const strata_advise_ignore *g = &s->ignore[i];

		if (g->rule && g->rule != rule)
			continue;
		if (!g->pattern || fnmatch(g->pattern, object, 0) == 0 ||
		    (bare && fnmatch(g->pattern, bare + 1, 0) == 0))
			return 1;
	}
	return 0;
}

__attribute__((format(printf, 6, 0)))
static void emit(advise_ctx *c, advise_rule_no no, strata_advise_severity at_least,
		 const char *object, const char *fix, const char *fmt, va_list ap)
{
	const strata_advise_rule *rule = strata__advise_rule(no);
	strata_advise_report *r = c->r;
	signed char set = c->s->severity[no];
	strata_advise_severity sev = set >= 0 ? (strata_advise_severity)set : rule->severity;
	strata_buf msg = STRATA_BUF_INIT;
	adv_finding *f;
	void *grown = r->v;

	if (sev == STRATA_ADVISE_OFF)
		return;
	/* live figures set a finding's severity, unless the user set the rule's */
	if (set < 0 && at_least)
		sev = at_least;
	if (ignored(c->s, rule, object)) {
		r->ignored++;
		return;
	}
	if (strata_grow(&grown, &r->cap, r->n + 1, sizeof(*r->v)) < 0 || strata__buf_vprintf(&msg, fmt, ap) < 0) {
		strata__buf_release(&msg);
		c->failed = 1;
		return;
	}
	r->v = grown;
	f = &r->v[r->n];
	memset(f, 0, sizeof(*f));
	f->message = strata__buf_detach(&msg);
	f->object = strata_strdup(object);
	f->fix = fix ? strata_strdup(fix) : NULL;
	if (!f->message || !f->object || (fix && !f->fix)) {
		strata_free(f->message);
		strata_free(f->object);
		strata_free(f->fix);
		c->failed = 1;
		return;
	}
	f->pub.rule = rule;
	f->pub.severity = sev;
	f->pub.object = f->object;
	f->pub.message = f->message;
	f->pub.fix = f->fix;
	r->n++;
}

void strata__advise_emit(advise_ctx *c, advise_rule_no rule, const char *object, const char *fix,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(c, rule, 0, object, fix, fmt, ap);
	va_end(ap);
}

void strata__advise_emit_at(advise_ctx *c, advise_rule_no rule, strata_advise_severity sev,
		    const char *object, const char *fix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(c, rule, sev, object, fix, fmt, ap);
	va_end(ap);
}

static int by_object(const void *a, const void *b)
{
	const adv_finding *x = a, *y = b;
	int d = strcmp(x->object, y->object);

	return d ? d : strcmp(x->pub.rule->id, y->pub.rule->id);
}

int strata__advise_catalog(strata_advise_report *r, const sc_catalog *cat, const adv_stats *stats,
		   const strata_advise_settings *s)
{
	strata_advise_settings defaults;
	advise_ctx c;
	int rc;

	if (!s) {
		strata_advise_settings_init(&defaults);
		s = &defaults;
	}
	memset(&c, 0, sizeof(c));
	c.r = r;
	c.cat = cat;
	c.s = s;
	c.stats = stats;
	c.pg = cat->engine == DB_POSTGRES;
	if ((rc = strata__advise_model_build(&c)) == 0) {
		strata__advise_rules_keys(&c);
		strata__advise_rules_index(&c);
		strata__advise_rules_types(&c);
		strata__advise_rules_normal(&c);
		r->tables += c.ntables;
		if (c.failed)
			rc = strata_error_set(STRATA_ERROR, "out of memory");
	}
	strata__advise_model_release(&c);
	if (rc == 0 && r->n > 1)
		qsort(r->v, r->n, sizeof(*r->v), by_object);
	/* the findings moved: point their public parts at their strings again */
	for (size_t i = 0; i < r->n; i++)
		r->v[i].pub.object = r->v[i].object;
	return rc;
}

int strata_advise_source(strata_advise_report **out, const char *source, const strata_config *cfg,
			 const strata_advise_options *opts)
{
	strata_advise_options defaults = STRATA_ADVISE_OPTIONS_INIT;
	sc_source_kind kind;
	sc_catalog *cat = NULL;
	strata_advise_report *r = NULL;
	adv_stats stats;
	strata_db *db = NULL;
	int rc, engine, have_stats = 0;

	STRATA_ASSERT_ARG(out);

	*out = NULL;
	memset(&stats, 0, sizeof(stats));
	stats.age_seconds = -1;
	if (!opts)
		opts = &defaults;
	if (!source || !cfg)
		return strata_error_set(STRATA_EINVALID, "advise: no source to read");
	if ((rc = strata__sc_source_classify(&kind, source)) != 0)
		return rc;
	engine = strata__sc_source_engine(source);
	if (!engine)
		engine = opts->engine;
	if (!engine) {
		rc = strata_error_set(STRATA_EINVALID,
				      "cannot tell the database engine of '%s'", source);
		strata_error_hint("pass -d URL (the engine of a schema file or migrations "
				  "directory is the configured database's)");
		return rc;
	}
	if ((rc = strata__advise_report_new(&r)) != 0)
		return rc;
	/* A database is read on one read-only connection, its catalog and
	 * then its statistics (what strata__sc_load_database does, plus those);
	 * files and directories through a shadow, as the schema commands. */
	if (kind == SC_SOURCE_DATABASE || strata__sc_source_engine(source) == DB_SQLITE) {
		db_open_options oo = DB_OPEN_OPTIONS_INIT;

		oo.project_root = cfg->root;
		oo.read_only = 1;
		if ((rc = strata__db_open(&db, source, &oo)) != 0 ||
		    (rc = strata__sc_introspect(db, cfg->version_table, &cat)) != 0)
			goto done;
		if ((engine == DB_POSTGRES && !opts->no_live) || opts->sample) {
			have_stats = 1;
			if ((rc = strata__adv_stats_read(&stats, db, cat, opts->settings, opts->sample)) != 0)
				goto done;
			r->live = stats.age_seconds >= 0;
			r->stats_age = stats.age_seconds;
			r->sampled = stats.sampled;
		}
	} else if ((rc = strata__sc_load(&cat, source, engine, cfg)) != 0) {
		goto done;
	}
	rc = strata__advise_catalog(r, cat, have_stats ? &stats : NULL, opts->settings);
done:
	strata__db_close(db);
	strata__adv_stats_release(&stats);
	strata__sc_catalog_free(cat);
	if (rc == 0)
		*out = r;
	else
		strata_advise_report_free(r);
	return rc;
}
