/*
 * tests/unit/advise/cases.h - the advisor's rule catalogue: for each rule
 * that reads only the schema, a schema that triggers it and a close one
 * that must stay quiet, on each engine it applies to. Run on SQLite by
 * test_advise.c (one in-memory database per case) and on PostgreSQL by
 * test_advise_pg.c (one schema per case in one database). The live rules
 * (SA103, SA204, SA205, SA206 and SA402's sampling) need statistics made
 * by real queries: tests/integration/suite_advise.sh.
 *
 * Settings for every case: max_columns = 3 and like_columns = t.name
 * (each case checks only its own rule).
 */
#ifndef STRATA_TEST_ADVISE_CASES_H
#define STRATA_TEST_ADVISE_CASES_H

#include "strata/advise.h"

#define BOTH (STRATA_ADVISE_PG | STRATA_ADVISE_SQLITE)
#define PGONLY STRATA_ADVISE_PG

typedef struct advise_case {
	const char *rule;
	unsigned engines;
	const char *trigger, *quiet;               /* PostgreSQL's, and SQLite's when the next are NULL */
	const char *trigger_sqlite, *quiet_sqlite;
} advise_case;

#define P_C "CREATE TABLE p (id integer PRIMARY KEY);"

static const advise_case advise_cases[] = {
	{ "SA101", BOTH, "CREATE TABLE t (a integer, b text);",
	  "CREATE TABLE t (a integer PRIMARY KEY, b text);", NULL, NULL },
	{ "SA102", PGONLY, "CREATE TABLE t (id serial PRIMARY KEY);",
	  "CREATE TABLE t (id bigserial PRIMARY KEY);", NULL, NULL },
	{ "SA104", BOTH,
	  "CREATE TABLE p (id bigint PRIMARY KEY);"
	  "CREATE TABLE c (id bigint PRIMARY KEY, p_id integer REFERENCES p);",
	  "CREATE TABLE p (id bigint PRIMARY KEY);"
	  "CREATE TABLE c (id bigint PRIMARY KEY, p_id bigint REFERENCES p);",
	  P_C "CREATE TABLE c (id integer PRIMARY KEY, p_id text REFERENCES p);",
	  P_C "CREATE TABLE c (id integer PRIMARY KEY, p_id int REFERENCES p);" },
	{ "SA105", BOTH,
	  "CREATE TABLE t (id integer PRIMARY KEY, a text NOT NULL, b text, UNIQUE (a, b));",
	  "CREATE TABLE t (id integer PRIMARY KEY, a text NOT NULL, b text NOT NULL, UNIQUE (a, b));",
	  NULL, NULL },
	{ "SA106", BOTH,
	  P_C "CREATE TABLE c1 (id integer PRIMARY KEY, p_id integer REFERENCES p);"
	  "CREATE TABLE c2 (id integer PRIMARY KEY, p_id integer REFERENCES p);"
	  "CREATE TABLE c3 (id integer PRIMARY KEY, p_id integer REFERENCES p);"
	  "CREATE TABLE lone (id integer PRIMARY KEY);",
	  P_C "CREATE TABLE c1 (id integer PRIMARY KEY, p_id integer REFERENCES p);"
	  "CREATE TABLE c2 (id integer PRIMARY KEY, p_id integer REFERENCES p);"
	  "CREATE TABLE c3 (id integer PRIMARY KEY, p_id integer REFERENCES p);"
	  "CREATE TABLE lone (id integer PRIMARY KEY, p_id integer REFERENCES p);",
	  NULL, NULL },
	{ "SA201", BOTH,
	  P_C "CREATE TABLE c (id integer PRIMARY KEY, p_id integer REFERENCES p);"
	  "CREATE INDEX c_id_p ON c (id, p_id);",
	  P_C "CREATE TABLE c (id integer PRIMARY KEY, p_id integer REFERENCES p);"
	  "CREATE INDEX c_p_id ON c (p_id, id);",
	  NULL, NULL },
	{ "SA202", BOTH,
	  "CREATE TABLE t (id integer PRIMARY KEY, a integer);"
	  "CREATE INDEX t_a1 ON t (a); CREATE INDEX t_a2 ON t (a);",
	  "CREATE TABLE t (id integer PRIMARY KEY, a integer);"
	  "CREATE INDEX t_a1 ON t (a); CREATE INDEX t_a2 ON t (a) WHERE a > 0;",
	  NULL, NULL },
	{ "SA203", BOTH,
	  "CREATE TABLE t (id integer PRIMARY KEY, a integer, b integer);"
	  "CREATE INDEX t_a ON t (a); CREATE INDEX t_ab ON t (a, b);",
	  "CREATE TABLE t (id integer PRIMARY KEY, a integer, b integer);"
	  "CREATE INDEX t_a ON t (a); CREATE INDEX t_ba ON t (b, a);",
	  NULL, NULL },
	{ "SA207", BOTH,
	  "CREATE TABLE t (id integer PRIMARY KEY, deleted_at date);"
	  "CREATE INDEX t_d ON t (deleted_at);",
	  "CREATE TABLE t (id integer PRIMARY KEY, deleted_at date);"
	  "CREATE INDEX t_live ON t (id) WHERE deleted_at IS NULL;",
	  NULL, NULL },
	{ "SA208", BOTH,
	  "CREATE TABLE t (id integer PRIMARY KEY, name text); CREATE INDEX t_name ON t (name);",
	  "CREATE TABLE t (id integer PRIMARY KEY, name text);"
	  "CREATE INDEX t_name ON t (name text_pattern_ops);",
	  "CREATE TABLE t (id integer PRIMARY KEY, name text); CREATE INDEX t_name ON t (name);",
	  "CREATE TABLE t (id integer PRIMARY KEY, name text);"
	  "CREATE INDEX t_name ON t (name COLLATE NOCASE);" },
	{ "SA301", PGONLY, "CREATE TABLE t (id integer PRIMARY KEY, at timestamp);",
	  "CREATE TABLE t (id integer PRIMARY KEY, at timestamptz);", NULL, NULL },
	{ "SA302", PGONLY, "CREATE TABLE t (id integer PRIMARY KEY, a varchar(255));",
	  "CREATE TABLE t (id integer PRIMARY KEY, a varchar(12));", NULL, NULL },
	{ "SA303", PGONLY, "CREATE TABLE t (id integer PRIMARY KEY, a money);",
	  "CREATE TABLE t (id integer PRIMARY KEY, a numeric(12,2));", NULL, NULL },
	{ "SA304", PGONLY, "CREATE TABLE t (id integer PRIMARY KEY, a json);",
	  "CREATE TABLE t (id integer PRIMARY KEY, a jsonb);", NULL, NULL },
	{ "SA305", PGONLY, "CREATE TABLE t (id integer PRIMARY KEY, a char(3));",
	  "CREATE TABLE t (id integer PRIMARY KEY, a varchar(3));", NULL, NULL },
	{ "SA306", BOTH, "CREATE TABLE t (id integer PRIMARY KEY, unit_price real);",
	  "CREATE TABLE t (id integer PRIMARY KEY, weight real);", NULL, NULL },
	{ "SA307", PGONLY, "CREATE TABLE t (id integer PRIMARY KEY, is_active integer);",
	  "CREATE TABLE t (id integer PRIMARY KEY, is_active boolean);", NULL, NULL },
	{ "SA307", PGONLY,
	  "CREATE TABLE t (id integer PRIMARY KEY, active smallint CHECK (active IN (0, 1)));",
	  "CREATE TABLE t (id integer PRIMARY KEY, stars smallint CHECK (stars IN (0, 1, 2, 3)));",
	  NULL, NULL },
	{ "SA308", BOTH,
	  "CREATE TABLE t (id integer PRIMARY KEY, status text CHECK (status IN ('new', 'paid', 'sent')));",
	  "CREATE TABLE t (id integer PRIMARY KEY, status text CHECK (length(status) < 10));",
	  NULL, NULL },
	{ "SA309", BOTH, "CREATE TABLE t (id integer PRIMARY KEY, \"user name\" text);",
	  "CREATE TABLE t (id integer PRIMARY KEY, user_name text);", NULL, NULL },
	{ "SA310", BOTH,
	  "CREATE TABLE t (id integer PRIMARY KEY, "
	  "a_very_long_column_name_that_goes_on_and_on_past_the_limit_of_63 text);",
	  "CREATE TABLE t (id integer PRIMARY KEY, "
	  "a_long_column_name_that_goes_on_and_on_but_stays_under_limit text);",
	  NULL, NULL },
	{ "SA311", BOTH,
	  "CREATE TABLE t (id integer PRIMARY KEY, first_name text, last_name text, "
	  "birth_date date, \"userEmail\" text);",
	  "CREATE TABLE t (id integer PRIMARY KEY, first_name text, last_name text, "
	  "birth_date date, user_email text);",
	  NULL, NULL },
	{ "SA401", BOTH, "CREATE TABLE t (id integer PRIMARY KEY, phone1 text, phone2 text, phone3 text);",
	  "CREATE TABLE t (id integer PRIMARY KEY, ipv4 text, ipv6 text);", NULL, NULL },
	{ "SA402", BOTH, "CREATE TABLE t (id integer PRIMARY KEY, tag_ids text);",
	  "CREATE TABLE t (id integer PRIMARY KEY, tag_id text);", NULL, NULL },
	{ "SA403", BOTH,
	  "CREATE TABLE p (id integer PRIMARY KEY, country text);"
	  "CREATE TABLE c (id integer PRIMARY KEY, p_id integer REFERENCES p, country text);",
	  "CREATE TABLE p (id integer PRIMARY KEY, country text);"
	  "CREATE TABLE c (id integer PRIMARY KEY, p_id integer REFERENCES p, region text);",
	  NULL, NULL },
	{ "SA404", BOTH, "CREATE TABLE t (id integer PRIMARY KEY, a text, b text, c text);",
	  "CREATE TABLE t (id integer PRIMARY KEY, a text, b text);", NULL, NULL },
};

#define N_ADVISE_CASES (sizeof(advise_cases) / sizeof(advise_cases[0]))

/* The settings every case runs with. */
static inline void advise_case_settings(strata_advise_settings *s)
{
	static char like[] = "t.name";
	static char *likes[] = { like };

	strata_advise_settings_init(s);
	s->max_columns = 3;
	s->like_columns = likes;
	s->nlike_columns = 1;
}

#endif
