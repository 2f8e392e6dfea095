/*
 * tests/unit/schema/test_sqlite_diff.c - SQLite introspection, diff and
 * table rebuild against real in-memory SQLite databases.
 *
 * Each case loads a schema A and a schema B, applies diff(A, B) to A,
 * introspects again and requires an empty diff both ways; cases that say
 * how the change must be made (ALTER TABLE in place, rebuild, destructive)
 * check that too, and cases with rows check that every row survives.
 */
#include "sqlite_fixture.h"
#include "schema/sqlite_sql.h"

/* The table of pairs leaves trailing fields out on purpose. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* A pair of schemas that must converge; expect lists fragments the diff
 * SQL must contain, reject fragments it must not. */
typedef struct pair {
	const char *name;
	const char *a, *b;
	const char *expect[3];
	const char *reject[2];
} pair;

static const pair pairs[] = {
	{ "add nullable column", "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT);",
	  "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL);",
	  { "ALTER TABLE t ADD COLUMN c REAL;" }, { "_strata_new_" } },
	{ "add NOT NULL column with default", "CREATE TABLE t(a INTEGER PRIMARY KEY);",
	  "CREATE TABLE t(a INTEGER PRIMARY KEY, n INT NOT NULL DEFAULT 0, s TEXT DEFAULT 'x''y');",
	  { "ADD COLUMN n INT NOT NULL DEFAULT 0", "ADD COLUMN s TEXT DEFAULT 'x''y'" },
	  { "_strata_new_" } },
	{ "add column with negative default", "CREATE TABLE t(a);",
	  "CREATE TABLE t(a, b INT DEFAULT -1);", { "ADD COLUMN b INT DEFAULT -1" },
	  { "_strata_new_" } },
	{ "add NOT NULL column without default rebuilds", "CREATE TABLE t(a INTEGER PRIMARY KEY);",
	  "CREATE TABLE t(a INTEGER PRIMARY KEY, n INT NOT NULL);", { "_strata_new_t" } },
	{ "add column with CURRENT_TIMESTAMP default rebuilds", "CREATE TABLE t(a);",
	  "CREATE TABLE t(a, at TEXT DEFAULT CURRENT_TIMESTAMP);", { "_strata_new_t" } },
	{ "add column with expression default rebuilds", "CREATE TABLE t(a);",
	  "CREATE TABLE t(a, at TEXT DEFAULT (datetime('now')));", { "_strata_new_t" } },
	{ "add UNIQUE column rebuilds", "CREATE TABLE t(a);", "CREATE TABLE t(a, u TEXT UNIQUE);",
	  { "_strata_new_t" } },
	{ "add column in the middle rebuilds", "CREATE TABLE t(a, c);", "CREATE TABLE t(a, b, c);",
	  { "_strata_new_t" } },
	{ "drop column", "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c TEXT);",
	  "CREATE TABLE t(a INTEGER PRIMARY KEY, c TEXT);", { "ALTER TABLE t DROP COLUMN b;" },
	  { "_strata_new_" } },
	{ "drop indexed column drops the index first",
	  "CREATE TABLE t(a, b); CREATE INDEX t_b ON t(b);", "CREATE TABLE t(a);",
	  { "DROP INDEX t_b;\nALTER TABLE t DROP COLUMN b;" } },
	{ "drop column of a UNIQUE constraint rebuilds", "CREATE TABLE t(a, b UNIQUE);",
	  "CREATE TABLE t(a);", { "_strata_new_t" } },
	{ "drop column named by a CHECK rebuilds", "CREATE TABLE t(a, b, CHECK (b > 0));",
	  "CREATE TABLE t(a);", { "_strata_new_t" } },
	{ "drop and add in one go", "CREATE TABLE t(a, b);", "CREATE TABLE t(a, c INT);",
	  { "DROP COLUMN b", "ADD COLUMN c INT" } },
	{ "type change rebuilds", "CREATE TABLE t(a INTEGER PRIMARY KEY, b INT);",
	  "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT);", { "_strata_new_t" } },
	{ "NOT NULL added rebuilds", "CREATE TABLE t(a, b);", "CREATE TABLE t(a, b NOT NULL);",
	  { "_strata_new_t" } },
	{ "default changed rebuilds", "CREATE TABLE t(a, b DEFAULT 1);",
	  "CREATE TABLE t(a, b DEFAULT 2);", { "_strata_new_t" } },
	{ "collation changed", "CREATE TABLE t(a TEXT);", "CREATE TABLE t(a TEXT COLLATE NOCASE);",
	  { "COLLATE NOCASE" } },
	{ "primary key changed", "CREATE TABLE t(a INT, b INT, PRIMARY KEY (a));",
	  "CREATE TABLE t(a INT, b INT, PRIMARY KEY (a, b));", { "PRIMARY KEY (a, b)" } },
	{ "AUTOINCREMENT added", "CREATE TABLE t(id INTEGER PRIMARY KEY, x);",
	  "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, x);", { "AUTOINCREMENT" } },
	{ "WITHOUT ROWID added", "CREATE TABLE t(k TEXT PRIMARY KEY, v);",
	  "CREATE TABLE t(k TEXT PRIMARY KEY, v) WITHOUT ROWID;", { ") WITHOUT ROWID;" } },
	{ "STRICT added", "CREATE TABLE t(a INTEGER, b TEXT);",
	  "CREATE TABLE t(a INTEGER, b TEXT) STRICT;", { ") STRICT;" } },
	{ "WITHOUT ROWID and STRICT", "CREATE TABLE t(k TEXT PRIMARY KEY, v ANY) STRICT;",
	  "CREATE TABLE t(k TEXT PRIMARY KEY, v ANY) STRICT, WITHOUT ROWID;",
	  { ") WITHOUT ROWID, STRICT;" } },
	{ "CHECK added", "CREATE TABLE t(a INT);", "CREATE TABLE t(a INT CHECK (a >= 0));",
	  { "CHECK (a >= 0)" } },
	{ "named CHECK changed", "CREATE TABLE t(a INT, CONSTRAINT pos CHECK (a > 0));",
	  "CREATE TABLE t(a INT, CONSTRAINT pos CHECK (a >= 0));", { "CONSTRAINT pos CHECK" } },
	{ "UNIQUE constraint added", "CREATE TABLE t(a, b);", "CREATE TABLE t(a, b, UNIQUE (a, b));",
	  { "UNIQUE (a, b)" } },
	{ "foreign key on a new column is an ADD COLUMN",
	  "CREATE TABLE p(id INTEGER PRIMARY KEY); CREATE TABLE c(id INTEGER PRIMARY KEY);",
	  "CREATE TABLE p(id INTEGER PRIMARY KEY);"
	  "CREATE TABLE c(id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id) ON DELETE CASCADE);",
	  { "ADD COLUMN p_id INT REFERENCES p(id) ON DELETE CASCADE" }, { "_strata_new_" } },
	{ "foreign key on an existing column rebuilds",
	  "CREATE TABLE p(id INTEGER PRIMARY KEY); CREATE TABLE c(id INTEGER PRIMARY KEY, p_id INT);",
	  "CREATE TABLE p(id INTEGER PRIMARY KEY);"
	  "CREATE TABLE c(id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id));",
	  { "_strata_new_c", "PRAGMA foreign_keys = OFF", "PRAGMA foreign_key_check(c)" } },
	{ "foreign key actions, MATCH and deferrable changed",
	  "CREATE TABLE p(id INTEGER PRIMARY KEY);"
	  "CREATE TABLE c(p_id INT, FOREIGN KEY (p_id) REFERENCES p(id));",
	  "CREATE TABLE p(id INTEGER PRIMARY KEY);"
	  "CREATE TABLE c(p_id INT, CONSTRAINT fk FOREIGN KEY (p_id) REFERENCES p(id) "
	  "ON UPDATE SET NULL ON DELETE RESTRICT MATCH SIMPLE DEFERRABLE INITIALLY DEFERRED);",
	  { "CONSTRAINT fk FOREIGN KEY (p_id) REFERENCES p (id) ON UPDATE SET NULL ON DELETE "
	    "RESTRICT MATCH SIMPLE DEFERRABLE INITIALLY DEFERRED" } },
	{ "composite foreign key to the parent's key",
	  "CREATE TABLE p(a, b, PRIMARY KEY (a, b)); CREATE TABLE c(x, y);",
	  "CREATE TABLE p(a, b, PRIMARY KEY (a, b)); CREATE TABLE c(x, y, FOREIGN KEY (x, y) REFERENCES p);",
	  { "FOREIGN KEY (x, y) REFERENCES p" } },
	{ "virtual generated column added in place", "CREATE TABLE t(a INT);",
	  "CREATE TABLE t(a INT, b INT AS (a * 2));",
	  { "ADD COLUMN b INT GENERATED ALWAYS AS (a * 2) VIRTUAL" }, { "_strata_new_" } },
	{ "stored generated column rebuilds", "CREATE TABLE t(a INT);",
	  "CREATE TABLE t(a INT, b INT GENERATED ALWAYS AS (a * 2) STORED);",
	  { "_strata_new_t", "STORED" } },
	{ "generated expression changed", "CREATE TABLE t(a INT, b AS (a + 1));",
	  "CREATE TABLE t(a INT, b AS (a + 2));", { "_strata_new_t" } },
	{ "partial index changed", "CREATE TABLE t(a, b); CREATE INDEX i ON t(a) WHERE b > 0;",
	  "CREATE TABLE t(a, b); CREATE INDEX i ON t(a) WHERE b > 1;",
	  { "DROP INDEX i;", "CREATE INDEX i ON t(a) WHERE b > 1;" }, { "_strata_new_" } },
	{ "expression and unique indexes", "CREATE TABLE t(a TEXT, b);",
	  "CREATE TABLE t(a TEXT, b); CREATE UNIQUE INDEX u ON t(lower(a), b DESC);"
	  "CREATE INDEX e ON t(a COLLATE NOCASE);",
	  { "CREATE UNIQUE INDEX u ON t(lower(a), b DESC);" } },
	{ "view changed", "CREATE TABLE t(a, b); CREATE VIEW v AS SELECT a FROM t;",
	  "CREATE TABLE t(a, b); CREATE VIEW v AS SELECT a, b FROM t;",
	  { "DROP VIEW v;", "CREATE VIEW v AS SELECT a, b FROM t;" } },
	{ "view over a view changed underneath",
	  "CREATE TABLE t(a, b); CREATE VIEW v AS SELECT a FROM t; CREATE VIEW w AS SELECT * FROM v;",
	  "CREATE TABLE t(a, b); CREATE VIEW v AS SELECT a, b FROM t; CREATE VIEW w AS SELECT * FROM v;",
	  { "DROP VIEW w;\n", "DROP VIEW v;\n", "CREATE VIEW w AS SELECT * FROM v;" } },
	{ "trigger changed",
	  "CREATE TABLE t(a); CREATE TABLE log(x);"
	  "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); END;",
	  "CREATE TABLE t(a); CREATE TABLE log(x);"
	  "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a * 2); END;",
	  { "DROP TRIGGER tr;" } },
	{ "view reading a column being dropped is dropped first and recreated",
	  "CREATE TABLE t(a, b); CREATE VIEW v AS SELECT a FROM t;",
	  "CREATE TABLE t(a); CREATE VIEW v AS SELECT a FROM t;",
	  { "DROP VIEW v;\n", "DROP COLUMN b", "CREATE VIEW v AS SELECT a FROM t;" } },
	{ "tables created and dropped",
	  "CREATE TABLE gone(a); CREATE INDEX gi ON gone(a); CREATE TABLE kept(a);",
	  "CREATE TABLE kept(a); CREATE TABLE child(p REFERENCES parent(id));"
	  "CREATE TABLE parent(id INTEGER PRIMARY KEY);",
	  { "DROP TABLE gone;", "CREATE TABLE parent" }, { "DROP INDEX gi" } },
	{ "quoted, unicode and keyword names",
	  "CREATE TABLE \"my table\"(\"select\" INT, [naïve] TEXT, `a\"b` TEXT);"
	  "CREATE TABLE \"order\"(\"group\" INTEGER PRIMARY KEY);",
	  "CREATE TABLE \"my table\"(\"select\" INT, \"naïve\" TEXT COLLATE NOCASE, \"a\"\"b\" TEXT,"
	  " \"from\" INT REFERENCES \"order\"(\"group\"));"
	  "CREATE TABLE \"order\"(\"group\" INTEGER PRIMARY KEY, \"1st\" TEXT, \"x y\" TEXT);"
	  "CREATE INDEX \"idx on \"\"order\"\"\" ON \"order\"(\"1st\");"
	  "CREATE VIEW \"the view\" AS SELECT \"select\", \"from\" FROM \"my table\";",
	  { "CREATE TABLE \"_strata_new_my table\"", "\"naïve\" TEXT COLLATE NOCASE",
	    "ALTER TABLE \"order\" ADD COLUMN \"1st\" TEXT;" } },
	{ "constraint names with quotes",
	  "CREATE TABLE t(a INT CONSTRAINT \"a's \"\"check\"\"\" CHECK (a > 0));",
	  "CREATE TABLE t(a INT CONSTRAINT \"a's \"\"check\"\"\" CHECK (a > 1));",
	  { "CONSTRAINT \"a's \"\"check\"\"\" CHECK (a > 1)" } },
	{ "column order changed rebuilds", "CREATE TABLE t(a, b);", "CREATE TABLE t(b, a);",
	  { "_strata_new_t" } },
	{ "virtual table replaced",
	  "CREATE VIRTUAL TABLE r USING rtree(id, x0, x1);",
	  "CREATE VIRTUAL TABLE r USING rtree(id, x0, x1, y0, y1);",
	  { "DROP TABLE r;", "CREATE VIRTUAL TABLE r USING rtree(id, x0, x1, y0, y1);" } },
};

static void test_sqlite_diff__pairs(void **state)
{
	for (size_t i = 0; i < sizeof(pairs) / sizeof(*pairs); i++) {
		const pair *p = &pairs[i];
		char *sql = NULL;
		strata_db *db;

		print_message("  %s\n", p->name);
		db = converge(p->a, NULL, p->b, &sql);
		if (!*sql)
			fail_msg("%s: no change found", p->name);
		for (size_t k = 0; k < 3 && p->expect[k]; k++)
			if (!strstr(sql, p->expect[k]))
				fail_msg("%s: diff lacks \"%s\":\n%s", p->name, p->expect[k], sql);
		for (size_t k = 0; k < 2 && p->reject[k]; k++)
			if (strstr(sql, p->reject[k]))
				fail_msg("%s: diff has \"%s\":\n%s", p->name, p->reject[k], sql);
		assert_dump_round_trip(db);
		strata_free(sql);
		strata__db_close(db);
	}
}

/* The SQL text SQLite stores after ALTER TABLE ADD COLUMN differs from a
 * fresh CREATE TABLE; the model does not. */
static void test_sqlite_diff__added_column_equals_created(void **state)
{
	strata_db *a = mem_db(), *b = mem_db();
	sc_catalog *ca, *cb;
	char *sql;

	run_script(a, "CREATE TABLE p(id INTEGER PRIMARY KEY);"
		      "CREATE TABLE t(x   INTEGER   PRIMARY KEY /* c */);"
		      "ALTER TABLE t ADD COLUMN y text default 'a' COLLATE nocase;"
		      "ALTER TABLE t ADD COLUMN z INT REFERENCES p(id);"
		      "ALTER TABLE t ADD COLUMN g INT AS (x + 1);");
	run_script(b, "CREATE TABLE p(id INTEGER PRIMARY KEY);"
		      "CREATE TABLE t(x INTEGER PRIMARY KEY, y text COLLATE NOCASE DEFAULT 'a',"
		      " z INT, g INT GENERATED ALWAYS AS (x + 1) VIRTUAL,"
		      " FOREIGN KEY (z) REFERENCES p(id));");
	ca = introspect(a);
	cb = introspect(b);
	sql = diff_sql(ca, cb);
	assert_string_equal(sql, "");
	strata_free(sql);
	strata__sc_catalog_free(ca);
	strata__sc_catalog_free(cb);
	strata__db_close(a);
	strata__db_close(b);
}

/* Spellings SQLite accepts that mean the same schema: comments, quote
 * styles, IF NOT EXISTS, keyword case, a column after a table constraint
 * (what ALTER TABLE ADD COLUMN leaves), a parent named in another case. */
static void test_sqlite_diff__spellings_compare_equal(void **state)
{
	strata_db *a = mem_db(), *b = mem_db();
	sc_catalog *ca, *cb;
	char *sql;

	run_script(a, "create table if not exists [Parent] ( [Id] integer primary key /* k */, n varchar (3));"
		      "create table Child (x int, y int, unique (x), foreign key (y) references "
		      "PARENT ([Id]));"
		      "alter table Child add column z text default 'q';"
		      "create index if not exists `ci` on Child (x) where y  >  0;"
		      "create view if not exists v (a, b) as select x, /* c */ y from Child;"
		      "create trigger if not exists tr instead of insert on v begin\n"
		      "  insert into Child (x) values (new.a);\nend;");
	run_script(b, "CREATE TABLE Parent (Id INTEGER PRIMARY KEY, n VARCHAR(3));"
		      "CREATE TABLE Child (x INT, y INT, z TEXT DEFAULT 'q', UNIQUE (x),"
		      " FOREIGN KEY (y) REFERENCES PARENT (Id));"
		      "CREATE INDEX ci ON Child (x) WHERE y > 0;"
		      "CREATE VIEW v (a, b) AS SELECT x, y FROM Child;"
		      "CREATE TRIGGER tr INSTEAD OF INSERT ON v BEGIN INSERT INTO Child (x) VALUES "
		      "(new.a); END;");
	ca = introspect(a);
	cb = introspect(b);
	sql = diff_sql(ca, cb);
	assert_string_equal(sql, "");
	strata_free(sql);
	assert_string_equal(strata__sc_catalog_find(ca, "constraint/Child.Child_y_fkey")->ref_table,
			    "table/Parent");
	strata__sc_catalog_free(ca);
	strata__sc_catalog_free(cb);
	strata__db_close(a);
	strata__db_close(b);
}

/* A table made by CREATE TABLE ... AS SELECT has only what the pragmas say. */
static void test_sqlite_diff__create_table_as(void **state)
{
	strata_db *db = converge("CREATE TABLE src(a INT, b TEXT);",
				 "INSERT INTO src VALUES (1, 'x');",
				 "CREATE TABLE src(a INT, b TEXT);"
				 "CREATE TABLE copy AS SELECT a, b FROM src;",
				 NULL);

	assert_dump_round_trip(db);
	strata__db_close(db);
}

static void test_sqlite_diff__identical_schemas_give_nothing(void **state)
{
	const char *schema =
		"CREATE TABLE p(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE);"
		"CREATE TABLE c(id INTEGER PRIMARY KEY, p_id INT NOT NULL REFERENCES p(id) ON DELETE "
		"CASCADE, v REAL CHECK (v > 0), w REAL AS (v * 2) STORED) STRICT;"
		"CREATE INDEX c_p ON c(p_id) WHERE v IS NOT NULL;"
		"CREATE VIEW pv AS SELECT p.name, c.v FROM p JOIN c ON c.p_id = p.id;"
		"CREATE TRIGGER ct BEFORE DELETE ON p BEGIN SELECT RAISE(ABORT, 'no'); END;";
	strata_db *a = mem_db(), *b = mem_db();
	sc_catalog *ca, *cb;
	sc_changes ch;

	run_script(a, schema);
	run_script(b, schema);
	ca = introspect(a);
	cb = introspect(b);
	diff_of(&ch, ca, cb);
	assert_int_equal(ch.n, 0);
	strata__sc_changes_release(&ch);
	strata__sc_catalog_free(ca);
	strata__sc_catalog_free(cb);
	strata__db_close(a);
	strata__db_close(b);
}

/* A renamed column is a drop and an add, marked destructive. */
static void test_sqlite_diff__rename_is_drop_and_add(void **state)
{
	strata_db *a = mem_db(), *b = mem_db();
	sc_catalog *ca, *cb;
	sc_changes ch;
	int drops = 0, adds = 0, destructive = 0;

	run_script(a, "CREATE TABLE t(id INTEGER PRIMARY KEY, old_name TEXT);");
	run_script(b, "CREATE TABLE t(id INTEGER PRIMARY KEY, new_name TEXT);");
	ca = introspect(a);
	cb = introspect(b);
	diff_of(&ch, ca, cb);
	for (size_t i = 0; i < ch.n; i++) {
		drops += ch.v[i].detail && strcmp(ch.v[i].detail, "drop column") == 0;
		adds += ch.v[i].detail && strcmp(ch.v[i].detail, "add column") == 0;
		destructive += ch.v[i].destructive;
	}
	assert_int_equal(drops, 1);
	assert_int_equal(adds, 1);
	assert_int_equal(destructive, 1);
	strata__sc_changes_release(&ch);

	/* in a rebuild too: the detail names both, and it is destructive */
	strata__sc_catalog_free(ca);
	strata__sc_catalog_free(cb);
	strata__db_close(a);
	strata__db_close(b);
	a = mem_db();
	b = mem_db();
	run_script(a, "CREATE TABLE t(id INTEGER PRIMARY KEY, old_name TEXT UNIQUE);");
	run_script(b, "CREATE TABLE t(id INTEGER PRIMARY KEY, new_name TEXT UNIQUE);");
	ca = introspect(a);
	cb = introspect(b);
	diff_of(&ch, ca, cb);
	assert_int_equal(ch.n, 1);
	assert_true(ch.v[0].destructive);
	assert_non_null(strstr(ch.v[0].detail, "drop column old_name"));
	assert_non_null(strstr(ch.v[0].detail, "add column new_name"));
	strata__sc_changes_release(&ch);
	strata__sc_catalog_free(ca);
	strata__sc_catalog_free(cb);
	strata__db_close(a);
	strata__db_close(b);
}

static void test_sqlite_diff__destructive_flags(void **state)
{
	strata_db *a = mem_db(), *b = mem_db();
	sc_catalog *ca, *cb;
	sc_changes ch;

	run_script(a, "CREATE TABLE gone(a); CREATE TABLE t(a, b); CREATE INDEX i ON t(a);"
		      "CREATE VIEW v AS SELECT a FROM t;");
	run_script(b, "CREATE TABLE t(a, b, c); CREATE VIEW v AS SELECT b FROM t;");
	ca = introspect(a);
	cb = introspect(b);
	diff_of(&ch, ca, cb);
	for (size_t i = 0; i < ch.n; i++) {
		int expect = ch.v[i].kind == SC_TABLE && ch.v[i].op == SC_OP_DROP;

		if (ch.v[i].destructive != expect)
			fail_msg("%s %s: destructive %d", ch.v[i].object, ch.v[i].sql,
				 ch.v[i].destructive);
	}
	assert_true(ch.n >= 5);
	strata__sc_changes_release(&ch);
	strata__sc_catalog_free(ca);
	strata__sc_catalog_free(cb);
	strata__db_close(a);
	strata__db_close(b);
}

/* A rebuild drops and creates the table's index, the view over it and its
 * trigger again; when their definitions are the same on both sides, those
 * changes are consequential: only the table differs. */
static void test_sqlite_diff__rebuild_recreations_are_consequential(void **state)
{
	strata_db *a = mem_db(), *b = mem_db();
	sc_catalog *ca, *cb;
	sc_changes ch;
	size_t own = 0, recreated = 0;

	run_script(a, "CREATE TABLE t(a, b); CREATE INDEX i ON t(a); CREATE INDEX j ON t(b);"
		      "CREATE TABLE log(x); CREATE VIEW v AS SELECT a FROM t;"
		      "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); END;");
	run_script(b, "CREATE TABLE t(a, b NOT NULL DEFAULT 0); CREATE INDEX i ON t(a);"
		      "CREATE INDEX j ON t(b DESC); CREATE TABLE log(x);"
		      "CREATE VIEW v AS SELECT a FROM t;"
		      "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); END;");
	ca = introspect(a);
	cb = introspect(b);
	diff_of(&ch, ca, cb);
	for (size_t i = 0; i < ch.n; i++) {
		int expect = ch.v[i].kind != SC_TABLE && strcmp(ch.v[i].object, "j") != 0;

		if (ch.v[i].consequential != expect)
			fail_msg("%s %s: consequential %d", ch.v[i].object, ch.v[i].sql,
				 ch.v[i].consequential);
		own += !ch.v[i].consequential;
		recreated += ch.v[i].consequential;
	}
	/* the table, and index j (its definition changed) */
	assert_int_equal(own, 2);
	/* i created; v and tr dropped and created */
	assert_int_equal(recreated, 5);
	strata__sc_changes_release(&ch);
	strata__sc_catalog_free(ca);
	strata__sc_catalog_free(cb);
	strata__db_close(a);
	strata__db_close(b);
}

/* The rebuild keeps every row, its content and rowid, views and triggers
 * that read the table, its indexes and the AUTOINCREMENT counter. */
static void test_sqlite_diff__rebuild_keeps_rows(void **state)
{
	const char *a =
		"CREATE TABLE parent(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, n INT);"
		"CREATE TABLE child(id INTEGER PRIMARY KEY, parent_id INT REFERENCES parent(id) ON "
		"DELETE CASCADE, note TEXT);"
		"CREATE INDEX parent_name ON parent(name);"
		"CREATE TABLE log(msg TEXT);"
		"CREATE VIEW parent_names AS SELECT name FROM parent ORDER BY id;"
		"CREATE VIEW counted AS SELECT count(*) AS n FROM parent_names;"
		"CREATE TRIGGER parent_ins AFTER INSERT ON parent BEGIN INSERT INTO log VALUES "
		"('ins ' || new.name); END;"
		"CREATE TRIGGER child_ins AFTER INSERT ON child BEGIN UPDATE parent SET n = "
		"coalesce(n, 0) + 1 WHERE id = new.parent_id; END;"
		"CREATE TABLE plain(a, b);";
	const char *rows =
		"PRAGMA foreign_keys = ON;"
		"INSERT INTO parent(name) VALUES ('a'), ('b'), ('c'), (NULL), ('it''s');"
		"DELETE FROM parent WHERE name = 'c';"
		"INSERT INTO child(parent_id, note) VALUES (1, 'x'), (2, 'y'), (2, NULL);"
		"INSERT INTO plain VALUES (1, 'one'), (2, 'two'), (3, x'00ff');"
		"DELETE FROM plain WHERE a = 2;";
	const char *b =
		"CREATE TABLE parent(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL "
		"DEFAULT '' COLLATE NOCASE, n INT, extra TEXT DEFAULT (lower('X')));"
		"CREATE TABLE child(id INTEGER PRIMARY KEY, parent_id INT REFERENCES parent(id) ON "
		"DELETE CASCADE, note TEXT);"
		"CREATE INDEX parent_name ON parent(name);"
		"CREATE TABLE log(msg TEXT);"
		"CREATE VIEW parent_names AS SELECT name FROM parent ORDER BY id;"
		"CREATE VIEW counted AS SELECT count(*) AS n FROM parent_names;"
		"CREATE TRIGGER parent_ins AFTER INSERT ON parent BEGIN INSERT INTO log VALUES "
		"('ins ' || new.name); END;"
		"CREATE TRIGGER child_ins AFTER INSERT ON child BEGIN UPDATE parent SET n = "
		"coalesce(n, 0) + 1 WHERE id = new.parent_id; END;"
		"CREATE TABLE plain(a INTEGER, b TEXT, c INT DEFAULT (1 + 1));";
	strata_db *db;
	char *sql = NULL;

	/* NOT NULL on a column holding a NULL: the rebuild must fail, whole */
	db = mem_db();
	run_script(db, a);
	run_script(db, rows);
	{
		strata_db *target = mem_db();
		sc_catalog *ca, *cb;
		char *diff;

		run_script(target, b);
		ca = introspect(db);
		cb = introspect(target);
		diff = diff_sql(ca, cb);
		run_script(db, "BEGIN");
		assert_int_not_equal(run_script_rc(db, diff), 0);
		run_script(db, "ROLLBACK");
		assert_query(db, "SELECT count(*) FROM parent", "4");
		assert_query(db, "SELECT count(*) FROM sqlite_schema WHERE name LIKE '_strata_new_%'",
			     "0");
		strata_free(diff);
		strata__sc_catalog_free(ca);
		strata__sc_catalog_free(cb);
		strata__db_close(target);
	}
	strata__db_close(db);

	db = converge(a, "INSERT INTO parent(name) VALUES ('a'), ('b'), ('c'), ('d'), ('it''s');"
			 "DELETE FROM parent WHERE name IN ('c', 'd');"
			 "INSERT INTO child(parent_id, note) VALUES (1, 'x'), (2, 'y'), (2, NULL);"
			 "INSERT INTO plain VALUES (1, 'one'), (2, 'two'), (3, x'00ff');"
			 "DELETE FROM plain WHERE a = 2;",
		      b, &sql);
	assert_non_null(strstr(sql, "_strata_new_parent"));
	assert_non_null(strstr(sql, "_strata_new_plain"));
	assert_null(strstr(sql, "_strata_new_child"));
	/* every row, its content and its id */
	assert_query(db, "SELECT group_concat(id || ':' || name || ':' || coalesce(n, '-') || ':' "
			 "|| extra, ',') FROM (SELECT * FROM parent ORDER BY id)",
		     "1:a:1:x,2:b:2:x,5:it's:-:x");
	assert_query(db, "SELECT group_concat(rowid || ':' || a || ':' || hex(b) || ':' || c, ',') "
			 "FROM (SELECT rowid, * FROM plain ORDER BY rowid)",
		     "1:1:6F6E65:2,3:3:00FF:2");
	assert_query(db, "SELECT count(*) FROM child", "3");
	/* the AUTOINCREMENT counter: ids of deleted rows are not reused */
	run_script(db, "INSERT INTO parent(name) VALUES ('e');");
	assert_query(db, "SELECT max(id) FROM parent", "6");
	/* views and triggers that read the rebuilt table still work */
	assert_query(db, "SELECT group_concat(name, ',') FROM parent_names", "a,b,it's,e");
	assert_query(db, "SELECT n FROM counted", "4");
	assert_query(db, "SELECT msg FROM log ORDER BY rowid DESC LIMIT 1", "ins e");
	assert_query(db, "SELECT count(*) FROM log", "6");
	run_script(db, "INSERT INTO child(parent_id) VALUES (5);");
	assert_query(db, "SELECT n FROM parent WHERE id = 5", "1");
	/* the index is there again */
	assert_query(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'parent_name'", "1");
	/* foreign keys still hold: no violation, cascade works */
	assert_query(db, "SELECT count(*) FROM pragma_foreign_key_check", "0");
	run_script(db, "PRAGMA foreign_keys = ON; DELETE FROM parent WHERE id = 2;");
	assert_query(db, "SELECT count(*) FROM child", "2");
	strata_free(sql);
	strata__db_close(db);
}

/* Dropping the parent's column in a rebuild while children point at it:
 * the rows of the children are kept (foreign keys are off during it). */
static void test_sqlite_diff__rebuild_of_a_parent_keeps_children(void **state)
{
	strata_db *db = converge(
		"CREATE TABLE p(id INTEGER PRIMARY KEY, v INT);"
		"CREATE TABLE c(id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id) ON DELETE CASCADE);",
		"PRAGMA foreign_keys = ON; INSERT INTO p VALUES (1, 1), (2, 2);"
		"INSERT INTO c VALUES (10, 1), (11, 2);",
		"CREATE TABLE p(id INTEGER PRIMARY KEY, v TEXT NOT NULL DEFAULT '');"
		"CREATE TABLE c(id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id) ON DELETE CASCADE);",
		NULL);

	assert_query(db, "SELECT count(*) FROM c", "2");
	assert_query(db, "SELECT group_concat(v, ',') FROM p", "1,2");
	strata__db_close(db);
}

/* The dump: canonical, deterministic, loads into an empty database. */
static void test_sqlite_diff__dump(void **state)
{
	strata_db *db = mem_db();
	sc_catalog *cat;
	char *dump, *dump2;

	run_script(db,
		   "CREATE TABLE b(id INTEGER PRIMARY KEY, a_id INT REFERENCES a(id));"
		   "CREATE TABLE a(id INTEGER PRIMARY KEY, b_id INT REFERENCES b(id));"
		   "CREATE VIEW v2 AS SELECT * FROM v1;"
		   "CREATE VIEW v1 AS SELECT id FROM a;"
		   "CREATE INDEX a_b ON a(b_id);"
		   "CREATE TRIGGER t1 AFTER DELETE ON a BEGIN DELETE FROM b WHERE a_id = old.id; END;"
		   "CREATE TABLE strata_version(revision TEXT);"
		   "CREATE TABLE strata_history(id INTEGER PRIMARY KEY AUTOINCREMENT);"
		   "CREATE INDEX sv ON strata_version(revision);");
	cat = introspect(db);
	dump = dump_of(cat);
	dump2 = dump_of(cat);
	assert_string_equal(dump, dump2);
	/* bookkeeping and sqlite_ tables are not part of the schema */
	assert_null(strstr(dump, "strata_version"));
	assert_null(strstr(dump, "strata_history"));
	assert_null(strstr(dump, "sqlite_sequence"));
	/* views after what they read */
	assert_true(strstr(dump, "CREATE VIEW v1") < strstr(dump, "CREATE VIEW v2"));
	assert_true(strstr(dump, "CREATE TABLE a") < strstr(dump, "CREATE VIEW v1"));
	assert_true(strstr(dump, "CREATE TRIGGER t1") > strstr(dump, "CREATE INDEX a_b"));
	assert_dump_round_trip(db);
	strata_free(dump);
	strata_free(dump2);
	strata__sc_catalog_free(cat);
	strata__db_close(db);
}

/* What the ERD and lint read: foreign-key constraint objects, primary-key
 * positions, index columns, view columns, deps. */
static void test_sqlite_diff__catalog_model(void **state)
{
	strata_db *db = mem_db();
	sc_catalog *cat;
	sc_object *o;

	run_script(db, "CREATE TABLE p(a INT, b INT, PRIMARY KEY (b, a));"
		       "CREATE TABLE c(x INT, y INT, z TEXT COLLATE NOCASE DEFAULT 'q',"
		       " g INT AS (x + 1) STORED,"
		       " CONSTRAINT to_p FOREIGN KEY (x, y) REFERENCES p ON DELETE CASCADE);"
		       "CREATE INDEX c_z ON c(z, lower(z));"
		       "CREATE VIEW cv AS SELECT x, z FROM c;"
		       "CREATE TRIGGER ct AFTER INSERT ON c BEGIN SELECT 1 FROM cv; END;");
	cat = introspect(db);
	o = strata__sc_catalog_find(cat, "constraint/c.to_p");
	assert_non_null(o);
	assert_int_equal(o->contype, 'f');
	assert_string_equal(o->ref_table, "table/p");
	assert_int_equal(o->ncon_columns, 2);
	assert_string_equal(o->con_columns[1], "y");
	assert_int_equal(o->nref_columns, 2);
	assert_string_equal(o->ref_columns[0], "b"); /* the parent's key, in key order */
	assert_string_equal(o->ref_columns[1], "a");
	o = strata__sc_catalog_find(cat, "table/p");
	assert_int_equal(o->cols[0].pk, 2);
	assert_int_equal(o->cols[1].pk, 1);
	o = strata__sc_catalog_find(cat, "table/c");
	assert_string_equal(o->cols[2].collation, "NOCASE");
	assert_string_equal(o->cols[2].default_expr, "'q'");
	assert_string_equal(o->cols[3].generated, "x + 1");
	assert_int_equal(o->cols[3].hidden, 3);
	assert_int_equal(o->ndeps, 1);
	assert_string_equal(o->deps[0], "table/p");
	assert_non_null(strata__sc_catalog_find(cat, "constraint/p.p_pkey"));
	o = strata__sc_catalog_find(cat, "index/c.c_z");
	assert_int_equal(o->ncon_columns, 2);
	assert_string_equal(o->con_columns[0], "z");
	assert_string_equal(o->con_columns[1], "");
	o = strata__sc_catalog_find(cat, "view/cv");
	assert_int_equal(o->ncols, 2);
	assert_int_equal(o->ndeps, 1);
	assert_string_equal(o->deps[0], "table/c");
	o = strata__sc_catalog_find(cat, "trigger/c.ct");
	assert_non_null(o);
	assert_int_equal(o->ndeps, 2);
	strata__sc_catalog_free(cat);
	strata__db_close(db);
}

static void test_sqlite_diff__quoting(void **state)
{
	const char *names[] = { "plain", "Mixed_Case1", "select", "order", "has space", "naïve",
				"a\"b", "1st", "" };
	const char *expect[] = { "plain", "Mixed_Case1", "\"select\"", "\"order\"",
				 "\"has space\"", "\"naïve\"", "\"a\"\"b\"", "\"1st\"", "\"\"" };

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		strata_buf b = STRATA_BUF_INIT;

		assert_int_equal(strata__sqt_put_ident(&b, names[i]), 0);
		assert_string_equal(strata__buf_cstr(&b), expect[i]);
		strata__buf_release(&b);
	}
}

/* Canonical text: comments, spacing, quote styles do not matter; the
 * result reads back as the same tokens. */
static void test_sqlite_diff__canonical_text(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "select  a,b /* x */ from [t] -- y\n where  a>-1", "SELECT a, b FROM \"t\" WHERE a > -1" },
		{ "x - -1", "x - -1" },
		{ "- -1", "- -1" },
		{ "f( a ,'it''s', x'00' )", "f(a, 'it''s', x'00')" },
		{ "a.b||`c`", "a.b || \"c\"" },
		{ "a->>'$.x'", "a ->> '$.x'" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		sqt_tokens tk;
		char *once, *twice;

		assert_int_equal(strata__sqt_tokenize(&tk, cases[i].in), 0);
		once = strata__sqt_canonical(tk.v, 0, tk.n);
		strata__sqt_tokens_release(&tk);
		assert_string_equal(once, cases[i].out);
		assert_int_equal(strata__sqt_tokenize(&tk, once), 0);
		twice = strata__sqt_canonical(tk.v, 0, tk.n);
		strata__sqt_tokens_release(&tk);
		assert_string_equal(once, twice);
		strata_free(once);
		strata_free(twice);
	}
	{
		sqt_tokens tk;

		assert_int_equal(strata__sqt_tokenize(&tk, "select 'open"), STRATA_EPARSE);
	}
}

static size_t lines_of(const char *s)
{
	size_t n = 1;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* strata__sc_sqlite_table_def writes a table from its model as introspection
 * does: for every shape of key and constraint, the def it composes from an
 * introspected table and its constraints is that table's def. */
static void test_sqlite_diff__table_def_from_the_model(void **state)
{
	static const char *const tables[] = {
		"CREATE TABLE a (id integer PRIMARY KEY, v text NOT NULL DEFAULT 'x')",
		"CREATE TABLE b (id integer PRIMARY KEY AUTOINCREMENT, n int CHECK (n > 0), u text UNIQUE)",
		"CREATE TABLE c (x text, y int, CONSTRAINT c_pk PRIMARY KEY (x, y), CONSTRAINT y_pos CHECK (y >= 0))",
		("CREATE TABLE d (k text PRIMARY KEY, a_id integer REFERENCES a (id) ON DELETE CASCADE, "
		 "CONSTRAINT d_uq UNIQUE (k, a_id)) WITHOUT ROWID"),
	};
	strata_db *db = mem_db();
	sc_catalog *cat;

	(void)state;
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		run_script(db, tables[i]);
	cat = introspect(db);
	for (size_t i = 0; i < cat->n; i++) {
		sc_object *t = cat->objs[i], *cons[8];
		size_t n = 0;
		char *def = NULL;

		if (t->kind != SC_TABLE)
			continue;
		for (size_t k = 0; k < cat->n && n < 8; k++)
			if (cat->objs[k]->kind == SC_CONSTRAINT && strata__sc_str_eq(cat->objs[k]->table, t->name))
				cons[n++] = cat->objs[k];
		assert_int_equal(strata__sc_sqlite_table_def(&def, t, cons, n), 0);
		/* as many lines (columns, constraints) as the introspected def */
		assert_int_equal(lines_of(def), lines_of(t->def));
		/* the constraints in the catalog's order, not the statement's:
		 * compare the parts, each line once */
		for (char *line = strtok(def, "\n"); line; line = strtok(NULL, "\n")) {
			size_t len = strlen(line);

			if (len && line[len - 1] == ',')
				line[--len] = '\0';
			if (!strstr(t->def, line))
				fail_msg("%s: \"%s\" is not in the introspected def:\n%s", t->name, line,
					 t->def);
		}
		strata_free(def);
	}
	strata__sc_catalog_free(cat);
	strata__db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqlite_diff__pairs),
		cmocka_unit_test(test_sqlite_diff__added_column_equals_created),
		cmocka_unit_test(test_sqlite_diff__identical_schemas_give_nothing),
		cmocka_unit_test(test_sqlite_diff__spellings_compare_equal),
		cmocka_unit_test(test_sqlite_diff__create_table_as),
		cmocka_unit_test(test_sqlite_diff__rename_is_drop_and_add),
		cmocka_unit_test(test_sqlite_diff__destructive_flags),
		cmocka_unit_test(test_sqlite_diff__rebuild_recreations_are_consequential),
		cmocka_unit_test(test_sqlite_diff__rebuild_keeps_rows),
		cmocka_unit_test(test_sqlite_diff__rebuild_of_a_parent_keeps_children),
		cmocka_unit_test(test_sqlite_diff__dump),
		cmocka_unit_test(test_sqlite_diff__catalog_model),
		cmocka_unit_test(test_sqlite_diff__quoting),
		cmocka_unit_test(test_sqlite_diff__canonical_text),
		cmocka_unit_test(test_sqlite_diff__table_def_from_the_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
