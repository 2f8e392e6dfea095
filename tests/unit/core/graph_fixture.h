/*
 * tests/unit/core/graph_fixture.h - builds revision graphs from short
 * in-memory descriptions for test_graph.c and test_target.c.
 *
 * Each fx_rev becomes a well-formed migration file parsed with
 * strata_migration_parse(), named "migrations/<id>_rev.sql", so the graph
 * code sees exactly what it would see from a directory. Ids in the tests
 * differ in their first four characters, and fx_render() shows a list of
 * indexes by those four characters ("1000 2000"), which keeps expected
 * plans readable.
 */
#ifndef STRATA_TEST_GRAPH_FIXTURE_H
#define STRATA_TEST_GRAPH_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "strata/error.h"
#include "strata/graph.h"
#include "strata/migration.h"
#include "util/alloc.h"

typedef struct fx_rev {
	const char *id;
	const char *revises;  /* "base" or space-separated ids */
	const char *depends;  /* NULL or space-separated ids */
	const char *branch;   /* NULL or a label */
} fx_rev;

static inline strata_migration *fx_parse(const fx_rev *r)
{
	char text[1024], path[128];
	strata_migration *m = NULL;
	int rc;

	snprintf(text, sizeof(text),
		 "-- revision: %s\n-- revises: %s\n%s%s%s%s%s%s-- message: rev %s\n\n"
		 "-- +up\nSELECT 1;\n-- +down\nSELECT 2;\n",
		 r->id, r->revises, r->depends ? "-- depends-on: " : "", r->depends ? r->depends : "",
		 r->depends ? "\n" : "", r->branch ? "-- branch: " : "", r->branch ? r->branch : "",
		 r->branch ? "\n" : "", r->id);
	snprintf(path, sizeof(path), "migrations/%s_rev.sql", r->id);
	rc = strata_migration_parse(&m, path, text, strlen(text));
	if (rc != 0)
		print_error("parse %s: %s\n", r->id, strata_error_last()->message);
	assert_int_equal(rc, 0);
	return m;
}

/* Build; returns the code (the graph in *out on success). */
static inline int fx_build_rc(strata_graph **out, const fx_rev *revs, size_t n)
{
	strata_migration **migs = strata_calloc(n ? n : 1, sizeof(*migs));
	size_t i;

	assert_non_null(migs);
	for (i = 0; i < n; i++)
		migs[i] = fx_parse(&revs[i]);
	return strata_graph_build(out, migs, n);
}

static inline strata_graph *fx_build(const fx_rev *revs, size_t n)
{
	strata_graph *g = NULL;
	int rc = fx_build_rc(&g, revs, n);

	if (rc != 0)
		print_error("build: %s\n", strata_error_last()->message);
	assert_int_equal(rc, 0);
	return g;
}

/* "1000 2000 ..." for a list of indexes (first four characters of each id). */
static inline const char *fx_render(const strata_graph *g, const size_t *idx, size_t n)
{
	static char out[4096];
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < n && len + 6 < sizeof(out); i++)
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%.4s", i ? " " : "",
					strata_graph_at(g, idx[i])->revision);
	return out;
}

/* Applied set from a space-separated list of 4-character id prefixes. */
static inline void fx_applied(unsigned char *applied, const strata_graph *g, const char *list)
{
	char buf[256], *tok, *save = NULL;
	size_t i;

	memset(applied, 0, strata_graph_count(g));
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		assert_int_equal(strata_graph_lookup(&i, g, tok), 0);
		applied[i] = 1;
	}
}

/* The applied set rendered like fx_render. */
static inline const char *fx_render_set(const strata_graph *g, const unsigned char *set)
{
	size_t idx[256], i, n = 0;

	for (i = 0; i < strata_graph_count(g) && n < 256; i++)
		if (set[i])
			idx[n++] = i;
	return fx_render(g, idx, n);
}

#define assert_msg_contains(needle) do { \
	const char *m_ = strata_error_last()->message; \
	if (!strstr(m_, (needle))) \
		fail_msg("message '%s' lacks '%s'", m_, (needle)); \
} while (0)

#define assert_hint_contains(needle) do { \
	const char *h_ = strata_error_last()->hint; \
	if (!strstr(h_, (needle))) \
		fail_msg("hint '%s' lacks '%s'", h_, (needle)); \
} while (0)

#endif
