/*
 * tests/unit/core/test_target.c - target resolution and planning over the
 * revision graph (core/revgraph.c): lookup by id, prefix, branch label and
 * "<x>@head" with its errors; relative targets (<x>+N, <x>-N, head-N,
 * base+N) on linear, branched and merged graphs; upgrade, downgrade and stamp plans on
 * linear, branched, merged and depends-on graphs; applied-set closure and
 * applied heads. Graphs come from graph_fixture.h; plans are compared as
 * lists of four-character id prefixes.
 */
#include "graph_fixture.h"

#define ID1 "100000000000"
#define ID2 "200000000000"
#define ID3 "300000000000"
#define ID4 "400000000000"
#define ID5 "500000000000"
#define ID6 "600000000000"
#define ID9 "900000000000"
#define IDF "f00000000000"

/* 1000 - 2000 - 3000 - 4000 */
static const fx_rev linear[] = {
	{ ID1, "base", NULL, NULL }, { ID2, ID1, NULL, NULL },
	{ ID3, ID2, NULL, NULL }, { ID4, ID3, NULL, NULL },
};

/*
 * 1000 -+- 2000 - 3000
 *       +- 5000 - 6000     (5000 carries the branch label "billing")
 */
static const fx_rev branched[] = {
	{ ID1, "base", NULL, NULL }, { ID2, ID1, NULL, NULL }, { ID3, ID2, NULL, NULL },
	{ ID5, ID1, NULL, "billing" }, { ID6, ID5, NULL, NULL },
};

/* branched, merged by 9000 */
static const fx_rev merged[] = {
	{ ID1, "base", NULL, NULL }, { ID2, ID1, NULL, NULL }, { ID3, ID2, NULL, NULL },
	{ ID5, ID1, NULL, "billing" }, { ID6, ID5, NULL, NULL }, { ID9, ID3 " " ID6, NULL, NULL },
};

/* 1000 - 2000, and 3000 revising 1000 while depending on a second base f000 */
static const fx_rev depends[] = {
	{ ID1, "base", NULL, NULL }, { ID2, ID1, NULL, NULL },
	{ IDF, "base", NULL, NULL }, { ID3, ID1, IDF, NULL },
};

#define BUILD(revs) fx_build((revs), sizeof(revs) / sizeof((revs)[0]))

static const char *up(const strata_graph *g, const char *applied_list, const char *target)
{
	unsigned char applied[64];
	strata_plan p;
	static char out[512];
	int rc;

	fx_applied(applied, g, applied_list);
	rc = strata_plan_upgrade(&p, g, applied, target);
	if (rc != 0)
		fail_msg("upgrade %s: %s", target, strata_error_last()->message);
	assert_int_equal(p.direction, STRATA_UP);
	snprintf(out, sizeof(out), "%s", fx_render(g, p.steps, p.nsteps));
	strata_plan_release(&p);
	return out;
}

static const char *down(const strata_graph *g, const char *applied_list, const char *target)
{
	unsigned char applied[64];
	strata_plan p;
	static char out[512];
	int rc;

	fx_applied(applied, g, applied_list);
	rc = strata_plan_downgrade(&p, g, applied, target);
	if (rc != 0)
		fail_msg("downgrade %s: %s", target, strata_error_last()->message);
	assert_int_equal(p.direction, STRATA_DOWN);
	snprintf(out, sizeof(out), "%s", fx_render(g, p.steps, p.nsteps));
	strata_plan_release(&p);
	return out;
}

static int up_rc(const strata_graph *g, const char *applied_list, const char *target)
{
	unsigned char applied[64];
	strata_plan p;
	int rc;

	fx_applied(applied, g, applied_list);
	rc = strata_plan_upgrade(&p, g, applied, target);
	assert_null(p.steps);
	assert_int_equal(p.nsteps, 0);
	return rc;
}

static int down_rc(const strata_graph *g, const char *applied_list, const char *target)
{
	unsigned char applied[64];
	strata_plan p;
	int rc;

	fx_applied(applied, g, applied_list);
	rc = strata_plan_downgrade(&p, g, applied, target);
	assert_null(p.steps);
	assert_int_equal(p.nsteps, 0);
	return rc;
}

static const char *lookup(const strata_graph *g, const char *name)
{
	size_t i;

	if (strata_graph_lookup(&i, g, name) != 0)
		fail_msg("lookup %s: %s", name, strata_error_last()->message);
	return fx_render(g, &i, 1);
}

static const char *stamp(const strata_graph *g, const char *target)
{
	unsigned char set[64];

	if (strata_plan_stamp(set, g, target) != 0)
		fail_msg("stamp %s: %s", target, strata_error_last()->message);
	return fx_render_set(g, set);
}

/* strata_plan_state from the applied list (NULL: no database state). */
static const char *state_of(const strata_graph *g, const char *applied_list, const char *target)
{
	unsigned char applied[64], set[64];

	if (applied_list)
		fx_applied(applied, g, applied_list);
	if (strata_plan_state(set, g, applied_list ? applied : NULL, target) != 0)
		fail_msg("state %s: %s", target, strata_error_last()->message);
	return fx_render_set(g, set);
}

/* ---- lookup -------------------------------------------------------------- */

static void test_target__lookup_id_prefix_label(void **state)
{
	strata_graph *g = BUILD(branched);

	assert_string_equal(lookup(g, ID5), "5000");
	assert_string_equal(lookup(g, "5000"), "5000");
	assert_string_equal(lookup(g, "50000000000"), "5000"); /* 11 characters */
	/* A label names its branch's head, with or without "@head". */
	assert_string_equal(lookup(g, "billing"), "6000");
	assert_string_equal(lookup(g, "billing@head"), "6000");
	/* "<revision>@head": the head of the branch through that revision. */
	assert_string_equal(lookup(g, "2000@head"), "3000");
	assert_string_equal(lookup(g, ID6 "@head"), "6000");
	strata_graph_free(g);

	/* After the merge the billing branch's head is the merge. */
	g = BUILD(merged);
	assert_string_equal(lookup(g, "billing"), "9000");
	assert_string_equal(lookup(g, "billing@head"), "9000");
	strata_graph_free(g);
	(void)state;
}

static void test_target__lookup_ambiguous_prefix(void **state)
{
	static const fx_rev revs[] = {
		{ "abcd00000001", "base", NULL, NULL }, { "abcd00000002", "abcd00000001", NULL, NULL },
		{ "abce00000000", "abcd00000002", NULL, NULL }, { "abcd10000000", "abce00000000", NULL, NULL },
	};
	strata_graph *g = BUILD(revs);
	size_t i = 99;

	assert_int_equal(strata_graph_lookup(&i, g, "abce"), 0);
	assert_string_equal(strata_graph_at(g, i)->revision, "abce00000000");
	assert_int_equal(strata_graph_lookup(&i, g, "abcd1"), 0);
	assert_string_equal(strata_graph_at(g, i)->revision, "abcd10000000");
	assert_int_equal(strata_graph_lookup(&i, g, "abcd00000001"), 0);
	assert_int_equal(i, 0);

	assert_int_equal(strata_graph_lookup(&i, g, "abcd"), STRATA_EAMBIGUOUS);
	assert_string_equal(strata_error_last()->message, "revision prefix 'abcd' is ambiguous: "
			    "abcd00000001, abcd00000002, abcd10000000");
	assert_hint_contains("more characters");
	assert_int_equal(strata_graph_lookup(&i, g, "abcd0000000"), STRATA_EAMBIGUOUS);
	assert_string_equal(strata_error_last()->message, "revision prefix 'abcd0000000' is ambiguous: "
			    "abcd00000001, abcd00000002");
	strata_graph_free(g);
	(void)state;
}

static void test_target__lookup_errors(void **state)
{
	strata_graph *g = BUILD(branched);
	size_t i;

	assert_int_equal(strata_graph_lookup(&i, g, "100"), STRATA_ENOTFOUND);
	assert_string_equal(strata_error_last()->message, "revision prefix '100' is too short");
	assert_hint_contains("at least 4 characters");

	assert_int_equal(strata_graph_lookup(&i, g, "7000"), STRATA_ENOTFOUND);
	assert_string_equal(strata_error_last()->message, "unknown revision '7000'");
	assert_hint_contains("strata history");
	assert_int_equal(strata_graph_lookup(&i, g, "700000000000"), STRATA_ENOTFOUND);
	assert_string_equal(strata_error_last()->message, "unknown revision '700000000000'");
	assert_int_equal(strata_graph_lookup(&i, g, "shipping"), STRATA_ENOTFOUND);
	assert_string_equal(strata_error_last()->message, "unknown revision 'shipping'");
	assert_hint_contains("strata history");
	assert_int_equal(strata_graph_lookup(&i, g, "shipping@head"), STRATA_ENOTFOUND);
	assert_string_equal(strata_error_last()->message, "unknown revision 'shipping'");
	assert_int_equal(strata_graph_lookup(&i, g, "billing@base"), STRATA_ENOTFOUND);
	assert_hint_contains("<branch>@head");
	assert_int_equal(strata_graph_lookup(&i, g, "1000@"), STRATA_ENOTFOUND);
	assert_int_equal(strata_graph_lookup(&i, g, ""), STRATA_ENOTFOUND);

	/* 1000 is a branch point: its branch has two heads. */
	assert_int_equal(strata_graph_lookup(&i, g, "1000@head"), STRATA_EAMBIGUOUS);
	assert_string_equal(strata_error_last()->message,
			    "branch '1000' has 2 heads: " ID3 ", " ID6);
	assert_hint_contains("strata merge");
	strata_graph_free(g);
	(void)state;
}

static void test_target__label_before_prefix(void **state)
{
	/* The label "beef" wins over the id prefix "beef". */
	static const fx_rev revs[] = {
		{ ID1, "base", NULL, NULL }, { "beef00000000", ID1, NULL, NULL },
		{ ID2, ID1, NULL, "beef" }, { ID3, ID2, NULL, NULL },
	};
	strata_graph *g = BUILD(revs);

	assert_string_equal(lookup(g, "beef"), "3000");
	assert_string_equal(lookup(g, "beef0"), "beef");
	strata_graph_free(g);
	(void)state;
}

/* ---- relative targets ------------------------------------------------------ */

static void test_target__relative_linear(void **state)
{
	strata_graph *g = BUILD(linear);
	size_t i;

	assert_string_equal(lookup(g, "4000-1"), "3000");
	assert_string_equal(lookup(g, ID4 "-3"), "1000");
	assert_string_equal(lookup(g, "head-1"), "3000");
	assert_string_equal(lookup(g, "head-0"), "4000");
	assert_string_equal(lookup(g, "head"), "4000");
	assert_string_equal(lookup(g, "1000+3"), "4000");
	assert_string_equal(lookup(g, "2000+0"), "2000");
	assert_string_equal(lookup(g, "base+1"), "1000");
	assert_string_equal(lookup(g, "base+4"), "4000");

	/* Every planner takes them. */
	assert_string_equal(up(g, "", "head-1"), "1000 2000 3000");
	assert_string_equal(up(g, "1000", "1000+2"), "2000 3000");
	assert_string_equal(down(g, "1000 2000 3000 4000", "head-2"), "4000 3000");
	assert_string_equal(stamp(g, "base+2"), "1000 2000");
	assert_string_equal(state_of(g, NULL, "3000-1"), "1000 2000");

	assert_int_equal(strata_graph_lookup(&i, g, "head-4"), STRATA_EINVALID);
	assert_string_equal(strata_error_last()->message,
			    "'head-4' goes past base: " ID1 " has no parent revision");
	assert_hint_contains("'base'");
	assert_int_equal(strata_graph_lookup(&i, g, "2000+3"), STRATA_EINVALID);
	assert_string_equal(strata_error_last()->message,
			    "'2000+3' goes past a head: " ID4 " has no child revision");
	assert_int_equal(strata_graph_lookup(&i, g, "head+1"), STRATA_EINVALID);
	assert_int_equal(strata_graph_lookup(&i, g, "base-1"), STRATA_EINVALID);
	assert_msg_contains("goes past base");
	assert_int_equal(strata_graph_lookup(&i, g, "base+0"), STRATA_EINVALID);
	assert_int_equal(strata_graph_lookup(&i, g, "heads-1"), STRATA_EINVALID);
	assert_hint_contains("head-1");
	assert_int_equal(strata_graph_lookup(&i, g, "current-1"), STRATA_EINVALID);
	assert_int_equal(strata_graph_lookup(&i, g, "7000-1"), STRATA_ENOTFOUND);
	assert_string_equal(strata_error_last()->message, "unknown revision '7000' (in '7000-1')");
	assert_int_equal(strata_graph_lookup(&i, g, "1000-99999999999999999999999"), STRATA_EINVALID);
	/* Not steps: a sign alone is the planners' (+N / -N from the state). */
	assert_int_equal(strata_graph_lookup(&i, g, "-1"), STRATA_ENOTFOUND);
	assert_int_equal(strata_graph_lookup(&i, g, "1000-"), STRATA_ENOTFOUND);
	assert_int_equal(strata_graph_lookup(&i, g, "1000-x"), STRATA_ENOTFOUND);
	strata_graph_free(g);
	(void)state;
}

static void test_target__relative_branched(void **state)
{
	strata_graph *g = BUILD(branched);
	size_t i;

	assert_string_equal(lookup(g, "3000-2"), "1000");
	assert_string_equal(lookup(g, "billing-1"), "5000"); /* the label's head, then back */
	assert_string_equal(lookup(g, "5000+1"), "6000");

	assert_int_equal(strata_graph_lookup(&i, g, "1000+1"), STRATA_EAMBIGUOUS);
	assert_string_equal(strata_error_last()->message, "'1000+1' is ambiguous: " ID1
			    " has 2 children (" ID2 ", " ID5 "); name one");
	assert_hint_contains(ID2);
	assert_int_equal(strata_graph_lookup(&i, g, "1000+2"), STRATA_EAMBIGUOUS);
	assert_hint_contains(ID2 "+1");
	assert_int_equal(strata_graph_lookup(&i, g, "head-1"), STRATA_EAMBIGUOUS);
	assert_string_equal(strata_error_last()->message, "'head-1' is ambiguous: there are 2 heads ("
			    ID3 ", " ID6 "); name one");
	assert_hint_contains(ID3 "-1");
	assert_int_equal(up_rc(g, "", "head-1"), STRATA_EAMBIGUOUS);
	strata_graph_free(g);

	/* A merge has two parents: stepping back from it is a choice. */
	g = BUILD(merged);
	assert_string_equal(lookup(g, "6000+1"), "9000");
	assert_string_equal(lookup(g, "head"), "9000");
	assert_int_equal(strata_graph_lookup(&i, g, "head-1"), STRATA_EAMBIGUOUS);
	assert_string_equal(strata_error_last()->message, "'head-1' is ambiguous: " ID9
			    " has 2 parents (" ID3 ", " ID6 "); name one");
	assert_hint_contains("for example " ID3);
	assert_int_equal(down_rc(g, "1000 2000 3000 5000 6000 9000", "head-1"), STRATA_EAMBIGUOUS);
	strata_graph_free(g);

	/* Depends-on edges are not steps; two bases make base+N a choice. */
	g = BUILD(depends);
	assert_string_equal(lookup(g, "3000-1"), "1000");
	assert_int_equal(strata_graph_lookup(&i, g, "base+1"), STRATA_EAMBIGUOUS);
	assert_string_equal(strata_error_last()->message, "'base+1' is ambiguous: there are 2 bases ("
			    ID1 ", " IDF "); name one");
	strata_graph_free(g);
	(void)state;
}

static void test_target__relative_exact_name_wins(void **state)
{
	/* A label that ends like steps is the label. */
	static const fx_rev revs[] = {
		{ ID1, "base", NULL, NULL }, { ID2, ID1, NULL, "rel-1" }, { ID3, ID2, NULL, NULL },
	};
	strata_graph *g = BUILD(revs);

	assert_string_equal(lookup(g, "rel-1"), "3000");
	assert_string_equal(lookup(g, "rel-1-1"), "2000");
	strata_graph_free(g);
	(void)state;
}

/* ---- upgrade ------------------------------------------------------------- */

static void test_target__upgrade_linear(void **state)
{
	strata_graph *g = BUILD(linear);

	assert_string_equal(up(g, "", "head"), "1000 2000 3000 4000");
	assert_string_equal(up(g, "1000 2000", "head"), "3000 4000");
	assert_string_equal(up(g, "1000 2000", "heads"), "3000 4000");
	assert_string_equal(up(g, "", "3000"), "1000 2000 3000");
	assert_string_equal(up(g, "1000", ID3), "2000 3000");
	assert_string_equal(up(g, "1000", "+1"), "2000");
	assert_string_equal(up(g, "1000", "+2"), "2000 3000");
	assert_string_equal(up(g, "1000", "+10"), "2000 3000 4000");
	assert_string_equal(up(g, "1000", "+0"), "");
	/* Already there, or already past: nothing to do, not an error. */
	assert_string_equal(up(g, "1000 2000 3000 4000", "head"), "");
	assert_string_equal(up(g, "1000 2000 3000", "2000"), "");
	assert_string_equal(up(g, "1000 2000 3000 4000", "+1"), "");

	assert_int_equal(up_rc(g, "", "base"), STRATA_EINVALID);
	assert_hint_contains("strata downgrade base");
	assert_int_equal(up_rc(g, "1000", "-1"), STRATA_EINVALID);
	assert_hint_contains("strata downgrade -1");
	assert_int_equal(up_rc(g, "", "+x"), STRATA_EINVALID);
	assert_int_equal(up_rc(g, "", "+"), STRATA_EINVALID);
	assert_int_equal(up_rc(g, "", "+99999999999999999999999"), STRATA_EINVALID);
	assert_int_equal(up_rc(g, "", ""), STRATA_EINVALID);
	assert_int_equal(up_rc(g, "", "7000"), STRATA_ENOTFOUND);
	strata_graph_free(g);
	(void)state;
}

static void test_target__upgrade_branched(void **state)
{
	strata_graph *g = BUILD(branched);

	assert_int_equal(up_rc(g, "", "head"), STRATA_EAMBIGUOUS);
	assert_string_equal(strata_error_last()->message, "'head' is ambiguous: there are 2 heads: " ID3 ", " ID6);
	assert_hint_contains("strata merge");
	assert_hint_contains("heads");
	assert_string_equal(up(g, "", "heads"), "1000 2000 3000 5000 6000");
	assert_string_equal(up(g, "1000 2000", "heads"), "3000 5000 6000");
	assert_string_equal(up(g, "", "billing"), "1000 5000 6000");
	assert_string_equal(up(g, "", "billing@head"), "1000 5000 6000");
	assert_string_equal(up(g, "1000 2000 3000", "billing"), "5000 6000");
	assert_string_equal(up(g, "", "3000"), "1000 2000 3000");
	assert_string_equal(up(g, "1000", "+2"), "2000 3000");
	assert_string_equal(up(g, "1000", "+3"), "2000 3000 5000");
	strata_graph_free(g);
	(void)state;
}

static void test_target__upgrade_merged(void **state)
{
	strata_graph *g = BUILD(merged);

	assert_string_equal(up(g, "", "head"), "1000 2000 3000 5000 6000 9000");
	assert_string_equal(up(g, "1000 2000 3000", "head"), "5000 6000 9000");
	assert_string_equal(up(g, "1000 5000 6000", "heads"), "2000 3000 9000");
	assert_string_equal(up(g, "1000 2000 3000", "9000"), "5000 6000 9000");
	strata_graph_free(g);
	(void)state;
}

static void test_target__upgrade_depends_on(void **state)
{
	strata_graph *g = BUILD(depends);

	/* 3000 needs f000 too, though f000 is on no "revises" path to it. */
	assert_string_equal(up(g, "", "3000"), "1000 f000 3000");
	assert_string_equal(up(g, "1000 2000", "heads"), "f000 3000");
	assert_int_equal(up_rc(g, "", "head"), STRATA_EAMBIGUOUS);
	strata_graph_free(g);
	(void)state;
}

static void test_target__upgrade_null_applied(void **state)
{
	strata_graph *g = BUILD(linear);
	strata_plan p;

	assert_int_equal(strata_plan_upgrade(&p, g, NULL, "2000"), 0);
	assert_string_equal(fx_render(g, p.steps, p.nsteps), "1000 2000");
	strata_plan_release(&p);
	assert_null(p.steps);
	strata_plan_release(&p); /* twice is harmless */
	strata_graph_free(g);
	(void)state;
}

/* ---- downgrade ----------------------------------------------------------- */

static void test_target__downgrade_linear(void **state)
{
	strata_graph *g = BUILD(linear);

	assert_string_equal(down(g, "1000 2000 3000 4000", "base"), "4000 3000 2000 1000");
	assert_string_equal(down(g, "1000 2000", "base"), "2000 1000");
	assert_string_equal(down(g, "", "base"), "");
	assert_string_equal(down(g, "1000 2000 3000 4000", "-1"), "4000");
	assert_string_equal(down(g, "1000 2000 3000 4000", "-2"), "4000 3000");
	assert_string_equal(down(g, "1000 2000 3000 4000", "-4"), "4000 3000 2000 1000");
	assert_string_equal(down(g, "1000 2000 3000 4000", "2000"), "4000 3000");
	assert_string_equal(down(g, "1000 2000 3000 4000", "head"), "");
	assert_string_equal(down(g, "1000 2000 3000", "3000"), "");

	assert_int_equal(down_rc(g, "1000 2000 3000 4000", "-5"), STRATA_EINVALID);
	assert_string_equal(strata_error_last()->message, "cannot go back 5 revisions: only 4 are applied");
	assert_hint_contains("strata downgrade base");
	assert_int_equal(down_rc(g, "", "-1"), STRATA_EINVALID);
	assert_string_equal(strata_error_last()->message, "cannot go back 1 revision: nothing is applied");
	assert_int_equal(down_rc(g, "1000 2000", "3000"), STRATA_EINVALID);
	assert_string_equal(strata_error_last()->message,
			    "revision " ID3 " is not applied, so it is not a downgrade target");
	assert_hint_contains("strata upgrade " ID3);
	assert_int_equal(down_rc(g, "1000 2000", "head"), STRATA_EINVALID);
	assert_int_equal(down_rc(g, "1000 2000", "+1"), STRATA_EINVALID);
	assert_hint_contains("strata upgrade +1");
	assert_int_equal(down_rc(g, "1000 2000", "-x"), STRATA_EINVALID);
	assert_int_equal(down_rc(g, "1000 2000", "7000"), STRATA_ENOTFOUND);
	strata_graph_free(g);
	(void)state;
}

static void test_target__downgrade_branched(void **state)
{
	strata_graph *g = BUILD(branched);
	const char *all = "1000 2000 3000 5000 6000";

	/* Going down one branch leaves the other applied. */
	assert_string_equal(down(g, all, "2000"), "3000");
	assert_string_equal(down(g, all, "5000"), "6000");
	assert_string_equal(down(g, all, "billing"), "");
	assert_string_equal(down(g, all, "1000"), "6000 5000 3000 2000");
	assert_string_equal(down(g, all, "-1"), "6000");
	assert_string_equal(down(g, all, "-3"), "6000 5000 3000");
	assert_string_equal(down(g, all, "heads"), "");
	assert_int_equal(down_rc(g, all, "head"), STRATA_EAMBIGUOUS);
	/* Only one branch applied: the other one's revisions are not targets. */
	assert_string_equal(down(g, "1000 2000 3000", "1000"), "3000 2000");
	assert_int_equal(down_rc(g, "1000 2000 3000", "billing"), STRATA_EINVALID);
	strata_graph_free(g);

	g = BUILD(merged);
	all = "1000 2000 3000 5000 6000 9000";
	assert_string_equal(down(g, all, "3000"), "9000");
	assert_string_equal(down(g, all, "5000"), "9000 6000");
	assert_string_equal(down(g, all, "-2"), "9000 6000");
	strata_graph_free(g);
	(void)state;
}

static void test_target__downgrade_depends_on(void **state)
{
	strata_graph *g = BUILD(depends);

	/* 3000 depends on f000: going below f000 reverts 3000, but not 2000. */
	assert_string_equal(down(g, "1000 2000 f000 3000", "f000"), "3000");
	assert_string_equal(down(g, "1000 2000 f000 3000", "2000"), "");
	assert_string_equal(down(g, "1000 2000 f000 3000", "1000"), "3000 2000");
	strata_graph_free(g);
	(void)state;
}

/* ---- applied sets and stamp ---------------------------------------------- */

static void test_target__applied_closure(void **state)
{
	strata_graph *g = BUILD(merged);
	unsigned char set[16];
	const char *rows[] = { ID3, ID6 };
	const char *bad[] = { ID3, "999999999999" };

	assert_int_equal(strata_graph_applied(set, g, rows, 2), 0);
	assert_string_equal(fx_render_set(g, set), "1000 2000 3000 5000 6000");
	assert_int_equal(strata_graph_applied(set, g, rows, 1), 0);
	assert_string_equal(fx_render_set(g, set), "1000 2000 3000");
	assert_int_equal(strata_graph_applied(set, g, NULL, 0), 0);
	assert_string_equal(fx_render_set(g, set), "");

	assert_int_equal(strata_graph_applied(set, g, bad, 2), STRATA_ENOTFOUND);
	assert_string_equal(strata_error_last()->message, "the database is at revision 999999999999, "
			    "which is not in the migrations directory");
	assert_hint_contains("strata stamp");
	strata_graph_free(g);

	g = BUILD(depends);
	assert_int_equal(strata_graph_applied(set, g, rows, 1), 0);
	assert_string_equal(fx_render_set(g, set), "1000 f000 3000");
	strata_graph_free(g);
	(void)state;
}

static void test_target__applied_heads(void **state)
{
	strata_graph *g = BUILD(branched);
	unsigned char set[16];
	size_t heads[8], n;

	fx_applied(set, g, "1000 2000 3000 5000");
	n = strata_graph_applied_heads(heads, 8, g, set);
	assert_string_equal(fx_render(g, heads, n), "3000 5000");
	/* The count is the total even when cap is smaller. */
	assert_int_equal(strata_graph_applied_heads(heads, 1, g, set), 2);
	assert_string_equal(fx_render(g, heads, 1), "3000");
	fx_applied(set, g, "");
	assert_int_equal(strata_graph_applied_heads(heads, 8, g, set), 0);
	strata_graph_free(g);

	g = BUILD(merged);
	fx_applied(set, g, "1000 2000 3000 5000 6000 9000");
	n = strata_graph_applied_heads(heads, 8, g, set);
	assert_string_equal(fx_render(g, heads, n), "9000");
	strata_graph_free(g);

	g = BUILD(depends);
	fx_applied(set, g, "1000 2000 f000 3000");
	n = strata_graph_applied_heads(heads, 8, g, set);
	assert_string_equal(fx_render(g, heads, n), "2000 3000");
	fx_applied(set, g, "1000 f000");
	n = strata_graph_applied_heads(heads, 8, g, set);
	assert_string_equal(fx_render(g, heads, n), "1000 f000");
	strata_graph_free(g);

	/* A set with a gap: 1000 is still below the applied 3000. */
	g = BUILD(linear);
	fx_applied(set, g, "1000 3000");
	n = strata_graph_applied_heads(heads, 8, g, set);
	assert_string_equal(fx_render(g, heads, n), "3000");
	strata_graph_free(g);
	(void)state;
}

static void test_target__stamp(void **state)
{
	strata_graph *g = BUILD(linear);
	unsigned char set[16];

	assert_string_equal(stamp(g, "base"), "");
	assert_string_equal(stamp(g, "heads"), "1000 2000 3000 4000");
	assert_string_equal(stamp(g, "head"), "1000 2000 3000 4000");
	assert_string_equal(stamp(g, "2000"), "1000 2000");
	assert_int_equal(strata_plan_stamp(set, g, "+1"), STRATA_EINVALID);
	assert_int_equal(strata_plan_stamp(set, g, "-1"), STRATA_EINVALID);
	assert_int_equal(strata_plan_stamp(set, g, ""), STRATA_EINVALID);
	assert_int_equal(strata_plan_stamp(set, g, "7000"), STRATA_ENOTFOUND);
	assert_string_equal(fx_render_set(g, set), "");
	strata_graph_free(g);

	g = BUILD(branched);
	assert_int_equal(strata_plan_stamp(set, g, "head"), STRATA_EAMBIGUOUS);
	assert_string_equal(stamp(g, "heads"), "1000 2000 3000 5000 6000");
	assert_string_equal(stamp(g, "billing"), "1000 5000 6000");
	strata_graph_free(g);

	g = BUILD(depends);
	assert_string_equal(stamp(g, "3000"), "1000 f000 3000");
	strata_graph_free(g);
	(void)state;
}

/* Relative bounds (history ranges): where upgrade +N / downgrade -N would go. */
static void test_target__state_relative(void **state)
{
	strata_graph *g = BUILD(linear);
	unsigned char set[64];

	assert_string_equal(state_of(g, "1000 2000 3000", "current"), "1000 2000 3000");
	assert_string_equal(state_of(g, "1000 2000 3000", "-2"), "1000");
	assert_string_equal(state_of(g, "1000 2000 3000", "-3"), "");
	assert_string_equal(state_of(g, "1000", "+2"), "1000 2000 3000");
	assert_string_equal(state_of(g, "1000", "+9"), "1000 2000 3000 4000");
	/* named targets do not need the state */
	assert_string_equal(state_of(g, NULL, ID2), "1000 2000");
	assert_string_equal(state_of(g, NULL, "base"), "");
	assert_int_equal(strata_plan_state(set, g, NULL, "-1"), STRATA_EINVALID);
	{
		unsigned char applied[64];

		fx_applied(applied, g, "1000 2000");
		assert_int_equal(strata_plan_state(set, g, applied, "-3"), STRATA_EINVALID);
		assert_non_null(strstr(strata_error_last()->message, "only 2 are applied"));
		assert_int_equal(strata_plan_state(set, g, applied, "-x"), STRATA_EINVALID);
	}
	strata_graph_free(g);
	g = BUILD(branched);
	/* -1 from both branches' heads reverts the newest (by apply order) only */
	assert_string_equal(state_of(g, "1000 2000 3000 5000 6000", "-1"), "1000 2000 3000 5000");
	strata_graph_free(g);
	(void)state;
}

static void test_target__empty_graph(void **state)
{
	strata_graph *g = fx_build(NULL, 0);
	strata_plan p;
	size_t i;

	assert_int_equal(strata_plan_upgrade(&p, g, NULL, "head"), 0);
	assert_int_equal(p.nsteps, 0);
	assert_int_equal(strata_plan_upgrade(&p, g, NULL, "heads"), 0);
	assert_int_equal(p.nsteps, 0);
	assert_int_equal(strata_plan_downgrade(&p, g, NULL, "base"), 0);
	assert_int_equal(p.nsteps, 0);
	assert_int_equal(strata_plan_stamp(NULL, g, "heads"), 0);
	assert_int_equal(strata_graph_lookup(&i, g, "1000"), STRATA_ENOTFOUND);
	strata_graph_free(g);
	(void)state;
}

static void test_target__plan_allocation_failures(void **state)
{
	strata_graph *g = BUILD(merged);
	unsigned char set[16];
	size_t i;
	long k;

	fx_applied(set, g, "1000 2000 3000");
	for (k = 0; k < 10; k++) {
		strata_plan p;
		int rc;

		strata_alloc_fail_after(k);
		rc = strata_plan_upgrade(&p, g, set, "billing");
		strata_alloc_fail_after(-1);
		if (rc == 0) {
			assert_string_equal(fx_render(g, p.steps, p.nsteps), "5000 6000 9000");
			strata_plan_release(&p);
			break;
		}
		assert_int_equal(rc, STRATA_ERROR);
		assert_null(p.steps);
	}
	assert_true(k > 0 && k < 10);
	for (k = 0; k < 10; k++) {
		strata_plan p;
		int rc;

		strata_alloc_fail_after(k);
		rc = strata_plan_downgrade(&p, g, set, "1000");
		strata_alloc_fail_after(-1);
		if (rc == 0) {
			assert_string_equal(fx_render(g, p.steps, p.nsteps), "3000 2000");
			strata_plan_release(&p);
			break;
		}
		assert_int_equal(rc, STRATA_ERROR);
	}
	assert_true(k > 0 && k < 10);
	strata_alloc_fail_after(0);
	assert_int_equal(strata_graph_lookup(&i, g, "1000@head"), STRATA_ERROR);
	strata_alloc_fail_after(-1);
	strata_graph_free(g);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target__lookup_id_prefix_label),
		cmocka_unit_test(test_target__lookup_ambiguous_prefix),
		cmocka_unit_test(test_target__lookup_errors),
		cmocka_unit_test(test_target__label_before_prefix),
		cmocka_unit_test(test_target__relative_linear),
		cmocka_unit_test(test_target__relative_branched),
		cmocka_unit_test(test_target__relative_exact_name_wins),
		cmocka_unit_test(test_target__upgrade_linear),
		cmocka_unit_test(test_target__upgrade_branched),
		cmocka_unit_test(test_target__upgrade_merged),
		cmocka_unit_test(test_target__upgrade_depends_on),
		cmocka_unit_test(test_target__upgrade_null_applied),
		cmocka_unit_test(test_target__downgrade_linear),
		cmocka_unit_test(test_target__downgrade_branched),
		cmocka_unit_test(test_target__downgrade_depends_on),
		cmocka_unit_test(test_target__applied_closure),
		cmocka_unit_test(test_target__applied_heads),
		cmocka_unit_test(test_target__stamp),
		cmocka_unit_test(test_target__state_relative),
		cmocka_unit_test(test_target__empty_graph),
		cmocka_unit_test(test_target__plan_allocation_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
