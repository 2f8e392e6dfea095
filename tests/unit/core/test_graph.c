/*
 * tests/unit/core/test_graph.c - building and validating the revision graph
 * (core/revgraph.c): deterministic topological order (linear, branches,
 * merges, depends-on edges, ties by id), heads, bases, branch points and
 * adjacency, every validation error with the file and line it names,
 * loading a directory (non-.sql files and symlinks ignored) and clean
 * failure when allocations fail. Graphs come from graph_fixture.h.
 *
 * test_graph__load_1000_files loads 1,000 generated files with branches
 * and merges (how long that takes is measured in bench/graph_load.sh).
 */
#include "graph_fixture.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fs.h"
#include "util/strutil.h"

#define ID1 "100000000000"
#define ID2 "200000000000"
#define ID3 "300000000000"
#define ID4 "400000000000"
#define ID5 "500000000000"
#define ID9 "900000000000"
#define IDA "a00000000000"
#define IDB "b00000000000"
#define IDC "c00000000000"
#define IDD "d00000000000"
#define IDF "f00000000000"

static const char *all_order(const strata_graph *g)
{
	size_t idx[256], i, n = strata_graph_count(g);

	for (i = 0; i < n; i++)
		idx[i] = i;
	return fx_render(g, idx, n);
}

static void test_graph__empty(void **state)
{
	strata_graph *g = fx_build(NULL, 0);
	const size_t *v;

	assert_int_equal(strata_graph_count(g), 0);
	assert_int_equal(strata_graph_heads(&v, g), 0);
	assert_int_equal(strata_graph_bases(&v, g), 0);
	assert_null(strata_graph_at(g, 0));
	assert_int_equal(strata_graph_index(g, ID1), -1);
	strata_graph_free(g);
	(void)state;
}

static void test_graph__linear_order(void **state)
{
	/* Given out of order; applied parents first. */
	static const fx_rev revs[] = {
		{ ID3, ID2, NULL, NULL }, { ID1, "base", NULL, NULL }, { ID2, ID1, NULL, NULL },
	};
	strata_graph *g = fx_build(revs, 3);
	const size_t *v;
	size_t n;

	assert_int_equal(strata_graph_count(g), 3);
	assert_string_equal(all_order(g), "1000 2000 3000");
	assert_int_equal(strata_graph_index(g, ID2), 1);
	assert_int_equal(strata_graph_index(g, "2000"), -1); /* exact ids only */
	assert_string_equal(strata_graph_at(g, 2)->revision, ID3);
	n = strata_graph_parents(&v, g, 2);
	assert_int_equal(n, 1);
	assert_int_equal(v[0], 1);
	n = strata_graph_children(&v, g, 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0], 1);
	assert_int_equal(strata_graph_children(&v, g, 2), 0);
	n = strata_graph_heads(&v, g);
	assert_string_equal(fx_render(g, v, n), "3000");
	n = strata_graph_bases(&v, g);
	assert_string_equal(fx_render(g, v, n), "1000");
	assert_int_equal(strata_graph_branchpoints(NULL, 0, g), 0);
	strata_graph_free(g);
	(void)state;
}

static void test_graph__branch_and_merge_order(void **state)
{
	/*
	 *         +-- 5000 ---------+
	 *  a000 --+                 +-- 9000 (merge)
	 *         +-- 3000 -- 4000 -+
	 *
	 * Ready after a000: 3000 and 5000; the smaller id goes first, and
	 * 4000 (ready next) still precedes 5000.
	 */
	static const fx_rev revs[] = {
		{ IDA, "base", NULL, NULL }, { ID5, IDA, NULL, NULL }, { ID3, IDA, NULL, NULL },
		{ ID4, ID3, NULL, NULL }, { ID9, ID5 " " ID4, NULL, NULL },
	};
	strata_graph *g = fx_build(revs, 5);
	const size_t *v;
	size_t n, bp[4];

	assert_string_equal(all_order(g), "a000 3000 4000 5000 9000");
	n = strata_graph_parents(&v, g, 4); /* header order: 5000 then 4000 */
	assert_string_equal(fx_render(g, v, n), "5000 4000");
	n = strata_graph_children(&v, g, 0); /* ascending index */
	assert_string_equal(fx_render(g, v, n), "3000 5000");
	n = strata_graph_heads(&v, g);
	assert_string_equal(fx_render(g, v, n), "9000");
	n = strata_graph_bases(&v, g);
	assert_string_equal(fx_render(g, v, n), "a000");
	n = strata_graph_branchpoints(bp, 4, g);
	assert_string_equal(fx_render(g, bp, n), "a000");
	strata_graph_free(g);
	(void)state;
}

static void test_graph__several_heads_and_bases(void **state)
{
	static const fx_rev revs[] = {
		{ ID2, "base", NULL, NULL }, { ID1, "base", NULL, NULL }, { ID4, ID1, NULL, NULL },
		{ ID3, ID1, NULL, NULL }, { ID5, ID1, NULL, NULL }, { ID9, ID2, NULL, NULL },
	};
	strata_graph *g = fx_build(revs, 6);
	const size_t *v;
	size_t n, bp[1];

	assert_string_equal(all_order(g), "1000 2000 3000 4000 5000 9000");
	n = strata_graph_heads(&v, g);
	assert_string_equal(fx_render(g, v, n), "3000 4000 5000 9000");
	n = strata_graph_bases(&v, g);
	assert_string_equal(fx_render(g, v, n), "1000 2000");
	/* Only the first cap are written; the count is the total. */
	assert_int_equal(strata_graph_branchpoints(bp, 1, g), 1);
	assert_string_equal(fx_render(g, bp, 1), "1000");
	n = strata_graph_children(&v, g, 0);
	assert_string_equal(fx_render(g, v, n), "3000 4000 5000");
	strata_graph_free(g);
	(void)state;
}

static void test_graph__depends_on_order(void **state)
{
	/*
	 * 3000 revises 1000 and depends on f000 (a second base): without the
	 * dependency it would come before f000. A revision something depends
	 * on is no head, but dependents are not its children.
	 */
	static const fx_rev revs[] = {
		{ ID1, "base", NULL, NULL }, { ID2, ID1, NULL, NULL },
		{ IDF, "base", NULL, NULL }, { ID3, ID1, IDF, NULL },
	};
	strata_graph *g = fx_build(revs, 4);
	const size_t *v;
	size_t n, f = (size_t)strata_graph_index(g, IDF), i3 = (size_t)strata_graph_index(g, ID3);

	assert_string_equal(all_order(g), "1000 2000 f000 3000");
	n = strata_graph_dependencies(&v, g, i3);
	assert_string_equal(fx_render(g, v, n), "f000");
	assert_int_equal(strata_graph_children(&v, g, f), 0);
	n = strata_graph_heads(&v, g);
	assert_string_equal(fx_render(g, v, n), "2000 3000");
	n = strata_graph_bases(&v, g);
	assert_string_equal(fx_render(g, v, n), "1000 f000");
	strata_graph_free(g);
	(void)state;
}

static void test_graph__dependency_chain_across_branches(void **state)
{
	/* d000 depends on 2000 on another branch; its child c000 follows. */
	static const fx_rev revs[] = {
		{ ID1, "base", NULL, NULL }, { IDD, ID1, ID2, NULL }, { ID2, ID1, NULL, NULL },
		{ IDC, IDD, NULL, NULL }, { IDB, ID1, NULL, NULL },
	};
	strata_graph *g = fx_build(revs, 5);
	size_t i, j, n = strata_graph_count(g);

	assert_string_equal(all_order(g), "1000 2000 b000 d000 c000");
	/* Every edge points backwards in the order. */
	for (i = 0; i < n; i++) {
		const size_t *v;
		size_t k = strata_graph_parents(&v, g, i);

		for (j = 0; j < k; j++)
			assert_true(v[j] < i);
		k = strata_graph_dependencies(&v, g, i);
		for (j = 0; j < k; j++)
			assert_true(v[j] < i);
	}
	strata_graph_free(g);
	(void)state;
}

static void expect_build_error(const fx_rev *revs, size_t n, int code, const char *message,
			       const char *hint_part)
{
	strata_graph *g = (strata_graph *)1;

	assert_int_equal(fx_build_rc(&g, revs, n), code);
	assert_null(g);
	assert_string_equal(strata_error_last()->message, message);
	assert_true(strata_error_last()->hint[0] != '\0');
	if (hint_part)
		assert_hint_contains(hint_part);
}

static void test_graph__cycle(void **state)
{
	static const fx_rev revs[] = {
		{ ID1, "base", NULL, NULL }, { IDD, ID1, NULL, NULL },
		{ IDA, IDC, NULL, NULL }, { IDB, IDA, NULL, NULL }, { IDC, IDB, NULL, NULL },
	};
	/* A chain leading into a cycle: only the cycle is listed, smallest id first. */
	static const fx_rev tail[] = {
		{ ID1, ID2, NULL, NULL }, { ID3, ID2, NULL, NULL }, { ID2, ID3, NULL, NULL },
	};
	/* Through a depends-on edge: the line named is that header's. */
	static const fx_rev dep[] = {
		{ ID1, "base", NULL, NULL }, { ID2, ID1, ID3, NULL }, { ID3, ID2, NULL, NULL },
	};

	expect_build_error(revs, 5, STRATA_EPARSE,
			   "migrations/" IDA "_rev.sql:2: the revisions form a cycle: " IDA " -> " IDC
			   " -> " IDB " -> " IDA " (each revises or depends on the next)",
			   IDA "_rev.sql, " IDC "_rev.sql, " IDB "_rev.sql");
	expect_build_error(tail, 3, STRATA_EPARSE,
			   "migrations/" ID2 "_rev.sql:2: the revisions form a cycle: " ID2 " -> " ID3
			   " -> " ID2 " (each revises or depends on the next)", NULL);
	expect_build_error(dep, 3, STRATA_EPARSE,
			   "migrations/" ID2 "_rev.sql:3: the revisions form a cycle: " ID2 " -> " ID3
			   " -> " ID2 " (each revises or depends on the next)", "depends-on");
	(void)state;
}

static void test_graph__unknown_parent_or_dependency(void **state)
{
	static const fx_rev parent[] = {
		{ ID1, "base", NULL, NULL }, { ID2, ID1 " " ID9, NULL, NULL },
	};
	static const fx_rev dep[] = {
		{ ID1, "base", NULL, NULL }, { ID2, ID1, ID1 " " ID9, NULL },
	};

	expect_build_error(parent, 2, STRATA_EPARSE,
			   "migrations/" ID2 "_rev.sql:2: unknown parent revision " ID9,
			   "-- revision: " ID9);
	expect_build_error(dep, 2, STRATA_EPARSE,
			   "migrations/" ID2 "_rev.sql:3: unknown dependency " ID9, "depends-on");
	(void)state;
}

static strata_migration *parse_named(const char *path, const char *id, const char *revises)
{
	char text[256];
	strata_migration *m = NULL;

	snprintf(text, sizeof(text), "-- message: x\n-- revision: %s\n-- revises: %s\n"
		 "-- +up\nSELECT 1;\n-- +down\nSELECT 2;\n", id, revises);
	assert_int_equal(strata_migration_parse(&m, path, text, strlen(text)), 0);
	return m;
}

static void test_graph__duplicate_id(void **state)
{
	strata_migration **migs = strata_calloc(3, sizeof(*migs));
	strata_graph *g = NULL;

	migs[0] = parse_named("migrations/" ID1 "_a.sql", ID1, "base");
	migs[1] = parse_named("migrations/" ID2 "_x.sql", ID2, ID1);
	migs[2] = parse_named("migrations/" ID1 "_b.sql", ID1, "base");
	assert_int_equal(strata_graph_build(&g, migs, 3), STRATA_EPARSE);
	assert_null(g);
	assert_string_equal(strata_error_last()->message,
			    "migrations/" ID1 "_b.sql:2: revision " ID1 " is also defined in "
			    "migrations/" ID1 "_a.sql:2");
	assert_true(strata_error_last()->hint[0] != '\0');
	(void)state;
}

static void test_graph__duplicate_branch_label(void **state)
{
	static const fx_rev revs[] = {
		{ ID1, "base", NULL, NULL }, { ID2, ID1, NULL, "billing" }, { ID3, ID1, ID2, "billing" },
	};

	expect_build_error(revs, 3, STRATA_EPARSE,
			   "migrations/" ID3 "_rev.sql:4: branch label 'billing' is also used by "
			   "migrations/" ID2 "_rev.sql:3", "rename");
	(void)state;
}

/* Ids kept from other tools: any width, found exactly, by prefix and by steps. */
static void test_graph__imported_ids(void **state)
{
	static const fx_rev revs[] = {
		{ "1", "base", NULL, NULL },
		{ "1.1", "1", NULL, NULL },
		{ "20230101120000", "1.1", NULL, NULL },
		{ "0001_initial", "20230101120000", NULL, "main" },
	};
	static const fx_rev clash[] = {
		{ "main", "base", NULL, NULL }, { "2", "main", NULL, "main" },
	};
	strata_graph *g = fx_build(revs, 4);
	size_t idx;

	assert_int_equal(strata_graph_count(g), 4);
	assert_int_equal(strata_graph_lookup(&idx, g, "1"), 0);
	assert_string_equal(strata_graph_at(g, idx)->revision, "1");
	assert_int_equal(strata_graph_lookup(&idx, g, "2023"), 0);
	assert_string_equal(strata_graph_at(g, idx)->revision, "20230101120000");
	assert_int_equal(strata_graph_lookup(&idx, g, "1.1+1"), 0);
	assert_string_equal(strata_graph_at(g, idx)->revision, "20230101120000");
	assert_int_equal(strata_graph_lookup(&idx, g, "main"), 0);
	assert_string_equal(strata_graph_at(g, idx)->revision, "0001_initial");
	strata_graph_free(g);
	expect_build_error(clash, 2, STRATA_EPARSE,
			   "migrations/2_rev.sql:3: branch label 'main' is also the id of the revision "
			   "in migrations/main_rev.sql", "rename the branch label");
	(void)state;
}

static void test_graph__file_name_must_start_with_id(void **state)
{
	static const struct { const char *path, *hint; } cases[] = {
		{ "migrations/add_users.sql", "rename it to " ID1 "_add_users.sql" },
		{ "migrations/" ID2 "_add_users.sql", "rename it to " ID1 "_add_users.sql" },
		{ "migrations/" ID1 "x.sql", "rename it to " ID1 "_" ID1 "x.sql" },
		{ "migrations/" ID1 ".sql.sql", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strata_migration **migs = strata_calloc(1, sizeof(*migs));
		strata_graph *g = NULL;
		char want[256];

		migs[0] = parse_named(cases[i].path, ID1, "base");
		if (!cases[i].hint) { /* "<id>.sql.sql" starts with "<id>.": accepted */
			assert_int_equal(strata_graph_build(&g, migs, 1), 0);
			strata_graph_free(g);
			continue;
		}
		assert_int_equal(strata_graph_build(&g, migs, 1), STRATA_EPARSE);
		snprintf(want, sizeof(want), "%s:2: the file name does not start with its revision id "
			 ID1, cases[i].path);
		assert_string_equal(strata_error_last()->message, want);
		assert_hint_contains(cases[i].hint);
	}
	(void)state;
}

/* ---- loading a directory ------------------------------------------------- */

static void write_rev(const char *dir, const char *name, const char *id, const char *revises)
{
	char text[512];
	strata_buf path = STRATA_BUF_INIT;

	snprintf(text, sizeof(text), "-- revision: %s\n-- revises: %s\n-- message: m\n"
		 "-- +up\nCREATE TABLE t%s (id int);\n-- +down\nDROP TABLE t%s;\n",
		 id, revises, id, id);
	assert_int_equal(strata__fs_join(&path, dir, name), 0);
	assert_int_equal(strata__fs_write_file(strata__buf_cstr(&path), text, strlen(text)), 0);
	strata__buf_release(&path);
}

static void write_raw(const char *dir, const char *name, const char *text)
{
	strata_buf path = STRATA_BUF_INIT;

	assert_int_equal(strata__fs_join(&path, dir, name), 0);
	assert_int_equal(strata__fs_write_file(strata__buf_cstr(&path), text, strlen(text)), 0);
	strata__buf_release(&path);
}

static void remove_tree(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_graph__load_directory(void **state)
{
	char root[] = "/tmp/strata-graph-XXXXXX";
	char dir[300], outside[400], link[400], sub[400];
	strata_graph *g = NULL;
	long k;

	assert_non_null(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/migrations", root);
	assert_int_equal(strata__fs_mkdir_p(dir), 0);
	write_rev(dir, ID2 "_second.sql", ID2, ID1);
	write_rev(dir, ID1 "_first.sql", ID1, "base");
	write_rev(dir, ID3 "_third.sql", ID3, ID2);
	write_raw(dir, "strata.sum", "not a migration\n");
	write_raw(dir, "README.md", "# notes\n");
	write_raw(dir, ID4 "_draft.sql.orig", "leftover\n");
	write_raw(dir, ".hidden.sql", "ignored\n");
	/* A symlink to a migration outside the directory is not followed. */
	write_rev(root, ID9 "_outside.sql", ID9, ID3);
	snprintf(outside, sizeof(outside), "%s/" ID9 "_outside.sql", root);
	snprintf(link, sizeof(link), "%s/" ID9 "_outside.sql", dir);
	assert_int_equal(symlink(outside, link), 0);
	/* Nor does loading descend into directories. */
	snprintf(sub, sizeof(sub), "%s/" ID5 "_sub.sql", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	write_rev(sub, ID5 "_inner.sql", ID5, ID3);

	assert_int_equal(strata_graph_load(&g, dir), 0);
	assert_string_equal(all_order(g), "1000 2000 3000");
	assert_string_equal(strata_graph_at(g, 0)->filename, ID1 "_first.sql");
	assert_non_null(strstr(strata_graph_at(g, 0)->path, "/migrations/" ID1 "_first.sql"));
	strata_graph_free(g);

	/* Every allocation failure is reported cleanly. */
	for (k = 0;; k++) {
		int rc;

		g = NULL;
		strata_alloc_fail_after(k);
		rc = strata_graph_load(&g, dir);
		strata_alloc_fail_after(-1);
		if (rc == 0) {
			strata_graph_free(g);
			break;
		}
		assert_int_equal(rc, STRATA_ERROR);
		assert_null(g);
		assert_true(k < 1000);
	}

	/* A .sql file that is not a migration is an error naming it. */
	write_raw(dir, "notes.sql", "SELECT 1;\n");
	assert_int_equal(strata_graph_load(&g, dir), STRATA_EPARSE);
	assert_null(g);
	assert_msg_contains("/migrations/notes.sql:1: missing '-- +up' marker");

	remove_tree(root);

	/* No directory. */
	assert_int_equal(strata_graph_load(&g, dir), STRATA_ENOTFOUND);
	assert_null(g);
	assert_true(strata_error_last()->hint[0] != '\0');

	/* An empty directory is an empty graph. */
	assert_non_null(mkdtemp(strcpy(root, "/tmp/strata-graph-XXXXXX")));
	assert_int_equal(strata_graph_load(&g, root), 0);
	assert_int_equal(strata_graph_count(g), 0);
	strata_graph_free(g);
	remove_tree(root);
	(void)state;
}

static void test_graph__build_allocation_failures(void **state)
{
	static const fx_rev revs[] = {
		{ IDA, "base", NULL, NULL }, { ID5, IDA, NULL, "x" }, { ID3, IDA, NULL, NULL },
		{ ID4, ID3, ID5, NULL }, { ID9, ID5 " " ID4, NULL, "y" },
	};
	long k;

	for (k = 0;; k++) {
		strata_migration **migs = strata_calloc(5, sizeof(*migs));
		strata_graph *g = NULL;
		size_t i;
		int rc;

		for (i = 0; i < 5; i++)
			migs[i] = fx_parse(&revs[i]);
		strata_alloc_fail_after(k);
		rc = strata_graph_build(&g, migs, 5);
		strata_alloc_fail_after(-1);
		if (rc == 0) {
			assert_string_equal(all_order(g), "a000 3000 5000 4000 9000");
			strata_graph_free(g);
			break;
		}
		assert_int_equal(rc, STRATA_ERROR);
		assert_null(g);
		assert_true(k < 1000);
	}
	assert_true(k > 10);
	(void)state;
}

/*
 * 1,000 generated files (a chain with a side branch every 50 revisions,
 * merged back at the next) load into one graph with one head.
 */
static void test_graph__load_1000_files(void **state)
{
	char root[] = "/tmp/strata-graph-XXXXXX";
	char id[STRATA_REVISION_LEN + 1], prev[STRATA_REVISION_LEN + 1], name[64];
	char revises[64], side[STRATA_REVISION_LEN + 1] = "";
	strata_graph *g = NULL;
	const size_t *heads;
	int i;

	assert_non_null(mkdtemp(root));
	strcpy(prev, "base");
	for (i = 0; i < 1000; i++) {
		assert_int_equal(strata__random_hex(id, STRATA_REVISION_LEN), 0);
		if (i % 50 == 25) {
			snprintf(revises, sizeof(revises), "%s", prev); /* a side branch off prev */
			memcpy(side, id, sizeof(side));
		} else if (i % 50 == 26 && side[0]) {
			snprintf(revises, sizeof(revises), "%s %s", prev, side); /* merge it back */
			side[0] = '\0';
		} else {
			snprintf(revises, sizeof(revises), "%s", prev);
		}
		snprintf(name, sizeof(name), "%s_step_%d.sql", id, i);
		write_rev(root, name, id, revises);
		if (i % 50 != 25)
			memcpy(prev, id, sizeof(prev));
	}
	assert_int_equal(strata_graph_load(&g, root), 0);
	assert_int_equal(strata_graph_count(g), 1000);
	assert_int_equal(strata_graph_heads(&heads, g), 1);
	strata_graph_free(g);
	remove_tree(root);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_graph__empty),
		cmocka_unit_test(test_graph__linear_order),
		cmocka_unit_test(test_graph__branch_and_merge_order),
		cmocka_unit_test(test_graph__several_heads_and_bases),
		cmocka_unit_test(test_graph__depends_on_order),
		cmocka_unit_test(test_graph__dependency_chain_across_branches),
		cmocka_unit_test(test_graph__cycle),
		cmocka_unit_test(test_graph__unknown_parent_or_dependency),
		cmocka_unit_test(test_graph__duplicate_id),
		cmocka_unit_test(test_graph__duplicate_branch_label),
		cmocka_unit_test(test_graph__imported_ids),
		cmocka_unit_test(test_graph__file_name_must_start_with_id),
		cmocka_unit_test(test_graph__load_directory),
		cmocka_unit_test(test_graph__build_allocation_failures),
		cmocka_unit_test(test_graph__load_1000_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
