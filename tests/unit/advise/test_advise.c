/*
 * tests/unit/advise/test_advise.c - the advisor on SQLite: the rule
 * catalogue (cases.h) on real in-memory databases introspected by
 * strata, the index definition reader, settings from a real strata.ini,
 * ignore entries, and the four output formats. PostgreSQL's side of the
 * catalogue is test_advise_pg.c.
 */
#include "../schema/sqlite_fixture.h"
#include "advise/advise.h"
#include "cases.h"
#include "strata/config.h"

#include <jansson.h>
#include <unistd.h>

static strata_advise_report *advise_sql(const char *sql, const strata_advise_settings *s)
{
	strata_db *db = mem_db();
	sc_catalog *cat;
	strata_advise_report *r = NULL;

	run_script(db, sql);
	cat = introspect(db);
	assert_int_equal(strata__advise_report_new(&r), 0);
	if (strata__advise_catalog(r, cat, NULL, s) != 0)
		fail_msg("advise: %s", strata_error_last()->message);
	strata__sc_catalog_free(cat);
	strata__db_close(db);
	return r;
}

static size_t count_rule(const strata_advise_report *r, const char *rule)
{
	size_t n = 0;

	for (size_t i = 0; i < strata_advise_report_count(r); i++)
		n += strcmp(strata_advise_report_at(r, i)->rule->id, rule) == 0;
	return n;
}

static void dump_report(const strata_advise_report *r)
{
	for (size_t i = 0; i < strata_advise_report_count(r); i++) {
		const strata_advise_finding *f = strata_advise_report_at(r, i);

		print_message("    %s %s: %s\n", f->rule->id, f->object, f->message);
	}
}

static void test_advise__catalogue_sqlite(void **state)
{
	strata_advise_settings s;
	size_t ran = 0;

	(void)state;
	advise_case_settings(&s);
	for (size_t i = 0; i < N_ADVISE_CASES; i++) {
		const advise_case *c = &advise_cases[i];
		strata_advise_report *r;

		if (!(c->engines & STRATA_ADVISE_SQLITE))
			continue;
		r = advise_sql(c->trigger_sqlite ? c->trigger_sqlite : c->trigger, &s);
		if (count_rule(r, c->rule) == 0) {
			dump_report(r);
			fail_msg("%s: the trigger schema gave no finding", c->rule);
		}
		strata_advise_report_free(r);
		r = advise_sql(c->quiet_sqlite ? c->quiet_sqlite : c->quiet, &s);
		if (count_rule(r, c->rule) != 0) {
			dump_report(r);
			fail_msg("%s: the quiet schema gave a finding", c->rule);
		}
		strata_advise_report_free(r);
		ran++;
	}
	assert_true(ran > 15);
}

/* Every rule that reads only the schema has a case on every engine it
 * applies to; every rule is documented in docs/advise.md. */
static void test_advise__every_rule_has_a_case_and_a_section(void **state)
{
	const strata_advise_rule *rules;
	size_t n = strata_advise_rules(&rules);
	FILE *f = fopen("docs/advise.md", "r");
	char *doc;
	long len;

	(void)state;
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	doc = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(doc, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	for (size_t i = 0; i < n; i++) {
		unsigned have = 0;
		char heading[64];

		snprintf(heading, sizeof(heading), "### %s %s", rules[i].id, rules[i].name);
		if (!strstr(doc, heading))
			fail_msg("docs/advise.md has no heading '%s'", heading);
		if (strata_advise_rule_find(rules[i].name) != &rules[i] ||
		    strata_advise_rule_find(rules[i].id) != &rules[i])
			fail_msg("%s: not found by its id and name", rules[i].id);
		if (rules[i].applies & STRATA_ADVISE_LIVE)
			continue;
		for (size_t k = 0; k < N_ADVISE_CASES; k++)
			if (strcmp(advise_cases[k].rule, rules[i].id) == 0)
				have |= advise_cases[k].engines;
		if ((rules[i].applies & (STRATA_ADVISE_PG | STRATA_ADVISE_SQLITE)) != have)
			fail_msg("%s: the catalogue covers engines %u, the rule applies to %u",
				 rules[i].id, have, rules[i].applies & 3);
	}
	free(doc);
}

static void test_advise__index_definitions(void **state)
{
	adv_index x;

	(void)state;
	memset(&x, 0, sizeof(x));
	assert_int_equal(strata__adv_index_parse(&x, "CREATE UNIQUE INDEX \"a ON b\" ON public.\"t(x)\" "
					      "USING btree (a, lower(b) DESC, \"C d\" text_pattern_ops) "
					      "INCLUDE (e) NULLS NOT DISTINCT WHERE (deleted_at IS NULL)"),
			 0);
	assert_true(x.unique);
	assert_string_equal(x.method, "btree");
	assert_int_equal(x.nkeys, 3);
	assert_string_equal(x.keys[0].col, "a");
	assert_string_equal(x.keys[0].rest, "");
	assert_null(x.keys[1].col);
	assert_string_equal(x.keys[1].text, "lower(b) DESC");
	assert_string_equal(x.keys[2].col, "C d");
	assert_string_equal(x.keys[2].rest, "text_pattern_ops");
	assert_string_equal(x.include, "e");
	assert_true(x.nulls_not_distinct);
	assert_string_equal(x.where, "(deleted_at IS NULL)");
	strata__adv_index_release(&x);

	assert_int_equal(strata__adv_index_parse(&x, "CREATE INDEX c_p ON c(p_id, lower(status) DESC) WHERE "
					      "deleted_at IS NULL"),
			 0);
	assert_false(x.unique);
	assert_string_equal(x.method, "btree");
	assert_int_equal(x.nkeys, 2);
	assert_string_equal(x.where, "deleted_at IS NULL");
	strata__adv_index_release(&x);

	assert_int_equal(strata__adv_index_parse(&x, "CREATE INDEX g ON t USING gin (doc jsonb_path_ops)"), 0);
	assert_string_equal(x.method, "gin");
	strata__adv_index_release(&x);

	/* not an index definition: nothing read, nothing leaked */
	assert_int_equal(strata__adv_index_parse(&x, "CREATE INDEX broken ON t"), -1);
	strata__adv_index_release(&x);
	assert_int_equal(strata__adv_index_parse(&x, "CREATE INDEX x ON t ()"), -1);
	strata__adv_index_release(&x);
	/* found by fuzz/fuzz_advise_index.c: ON at the very start, no method after USING */
	assert_int_equal(strata__adv_index_parse(&x, "ON pLUDE ubzlic.\"t('ING btree (a, lo"), -1);
	strata__adv_index_release(&x);
	assert_int_equal(strata__adv_index_parse(&x, "CREATE INDEX g ON ONLY public.t USING  (e) x"), -1);
	strata__adv_index_release(&x);
}

/* A real strata.ini in a temporary folder, removed by config_done (the
 * settings read it again to name an entry's line). */
static char dir[64], path[128];

static strata_config *config_with(const char *advise_section)
{
	strata_config_input in = STRATA_CONFIG_INPUT_INIT;
	strata_config *cfg = NULL;
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/strata-advise-unit.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/strata.ini", dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "[strata]\ndatabase = sqlite:x.db\n\n[advise]\n%s", advise_section);
	fclose(f);
	in.cwd = dir;
	if (strata_config_load(&cfg, &in) != 0)
		fail_msg("config: %s", strata_error_last()->message);
	return cfg;
}

static void config_done(strata_config *cfg)
{
	strata_config_free(cfg);
	unlink(path);
	rmdir(dir);
}

static void test_advise__settings(void **state)
{
	strata_advise_settings s;
	strata_config *cfg;

	(void)state;
	cfg = config_with("ignore = SA101 audit_*, wide-table\nmax_columns = 80\n"
			  "SA302 = off\nlike_columns = public.users.email, t.name\n");
	strata_advise_settings_init(&s);
	assert_int_equal(strata_advise_settings_load(&s, cfg), 0);
	assert_int_equal(s.max_columns, 80);
	assert_int_equal(s.nignore, 2);
	assert_string_equal(s.ignore[0].rule->id, "SA101");
	assert_string_equal(s.ignore[0].pattern, "audit_*");
	assert_string_equal(s.ignore[1].rule->id, "SA404");
	assert_null(s.ignore[1].pattern);
	assert_int_equal(s.nlike_columns, 2);
	assert_string_equal(s.like_columns[1], "t.name");
	assert_int_equal(s.severity[strata_advise_rule_find("SA302") - strata__advise_rule(0)], STRATA_ADVISE_OFF);
	strata_advise_settings_release(&s);
	config_done(cfg);

	/* bad entries: the file, the line, the entry and a hint */
	static const char *const bad[] = { "max_columns = many\n", "SA999 = off\n",
					   "ignore = SA101 x, nosuchrule\n", "SA101 = loud\n",
					   "like_columns = email\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg = config_with(bad[i]);
		strata_advise_settings_init(&s);
		assert_int_equal(strata_advise_settings_load(&s, cfg), STRATA_EPARSE);
		if (!strstr(strata_error_last()->message, "strata.ini:5: [advise]") ||
		    !*strata_error_last()->hint)
			fail_msg("%s: %s", bad[i], strata_error_last()->message);
		strata_advise_settings_release(&s);
		config_done(cfg);
	}
}

static void test_advise__ignore_and_severity(void **state)
{
	static const char sql[] = "CREATE TABLE audit_log (a integer); CREATE TABLE t (a integer);";
	strata_advise_settings s;
	strata_advise_ignore ig = { NULL, (char *)"audit_*" };
	strata_advise_report *r;

	(void)state;
	strata_advise_settings_init(&s);
	r = advise_sql(sql, &s);
	assert_int_equal(count_rule(r, "SA101"), 2);
	strata_advise_report_free(r);

	s.ignore = &ig;
	s.nignore = 1;
	r = advise_sql(sql, &s);
	assert_int_equal(count_rule(r, "SA101"), 1);
	assert_string_equal(strata_advise_report_at(r, 0)->object, "t");
	assert_true(strata_advise_report_ignored(r) >= 1);
	strata_advise_report_free(r);

	s.nignore = 0;
	s.severity[A_NO_PRIMARY_KEY] = STRATA_ADVISE_ERROR;
	r = advise_sql(sql, &s);
	assert_int_equal(strata_advise_report_at_least(r, STRATA_ADVISE_ERROR), 2);
	strata_advise_report_free(r);
	s.severity[A_NO_PRIMARY_KEY] = STRATA_ADVISE_OFF;
	r = advise_sql(sql, &s);
	assert_int_equal(count_rule(r, "SA101"), 0);
	strata_advise_report_free(r);
}

static void test_advise__render_formats(void **state)
{
	strata_advise_report *r;
	char *out = NULL;
	json_t *j;
	json_error_t err;

	(void)state;
	r = advise_sql("CREATE TABLE p (id integer PRIMARY KEY);"
		       "CREATE TABLE c (id integer PRIMARY KEY, p_id integer REFERENCES p);", NULL);
	assert_int_equal(strata_advise_render(&out, r, STRATA_ADVISE_FORMAT_TEXT, STRATA_ADVISE_INFO,
					      NULL), 0);
	assert_non_null(strstr(out, "c.p_id: warning SA201 foreign key"));
	assert_non_null(strstr(out, "    fix: CREATE INDEX c_p_id_idx ON c (p_id);\n"));
	strata_free(out);

	assert_int_equal(strata_advise_render(&out, r, STRATA_ADVISE_FORMAT_JSON, STRATA_ADVISE_INFO,
					      NULL), 0);
	assert_non_null(j = json_loads(out, 0, &err));
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(j, "findings"), 0), "rule")),
			    "SA201");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "summary"), "tables")), 2);
	json_decref(j);
	strata_free(out);

	assert_int_equal(strata_advise_render(&out, r, STRATA_ADVISE_FORMAT_SARIF, STRATA_ADVISE_INFO,
					      NULL), 0);
	assert_non_null(j = json_loads(out, 0, &err));
	assert_string_equal(json_string_value(json_object_get(j, "version")), "2.1.0");
	assert_non_null(strstr(out, "\"fullyQualifiedName\": \"c.p_id\""));
	json_decref(j);
	strata_free(out);

	assert_int_equal(strata_advise_render(&out, r, STRATA_ADVISE_FORMAT_GITHUB, STRATA_ADVISE_INFO,
					      NULL), 0);
	assert_non_null(strstr(out, "::warning title=SA201 foreign-key-without-index::c.p_id: "));
	strata_free(out);

	/* below the threshold: nothing */
	assert_int_equal(strata_advise_render(&out, r, STRATA_ADVISE_FORMAT_TEXT, STRATA_ADVISE_ERROR,
					      NULL), 0);
	assert_string_equal(out, "");
	strata_free(out);
	strata_advise_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_advise__catalogue_sqlite),
		cmocka_unit_test(test_advise__every_rule_has_a_case_and_a_section),
		cmocka_unit_test(test_advise__index_definitions),
		cmocka_unit_test(test_advise__settings),
		cmocka_unit_test(test_advise__ignore_and_severity),
		cmocka_unit_test(test_advise__render_formats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
