/*
 * schema/shadow.c - shadow databases and reading schemas from databases,
 * files and migrations directories (see shadow.h).
 */
#include "schema/shadow.h"
#include "db/db.h"
#include "schema/diff.h"
#include "schema/provider.h"
#include "schema/snapshot.h"
#include "schema/sqlite_sql.h"
#include "strata/error.h"
#include "strata/graph.h"
#include "strata/runner.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/proc.h"
#include "util/sha256.h"
#include "util/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Largest schema file read. */
#define SCHEMA_FILE_MAX (64u * 1024 * 1024)
#define MAX_SHADOWS 8

/*
 * PostgreSQL: the session that created a shadow stays open (on the
 * server's database, not the shadow) with application_name KEEPER_APP
 * followed by the shadow's name, for as long as the shadow lives. A
 * shadow with no such session and nobody connected to it was left behind
 * by a run that was killed before it could drop it (kill -9, a lost
 * machine); the next shadow created on the server drops it (see
 * sweep_orphans). pg_stat_activity shows every session's
 * application_name to every role, whichever database each is in.
 */
#define KEEPER_APP "strata shadow "

struct sc_shadow {
	int engine;
	char *conninfo;     /* the shadow's own connection string */
	char *server;       /* PostgreSQL: where it was created (to drop it) */
	char *dbname;       /* PostgreSQL: its name */
	strata_db *keeper;  /* PostgreSQL: the session that marks it alive */
	char *path;         /* SQLite: its file */
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static sc_shadow *registry[MAX_SHADOWS];

static int registry_add(sc_shadow *s)
{
	int rc = STRATA_ERROR;

	pthread_mutex_lock(&registry_lock);
	for (size_t i = 0; i < MAX_SHADOWS; i++)
		if (!registry[i]) {
			registry[i] = s;
			rc = 0;
			break;
		}
	pthread_mutex_unlock(&registry_lock);
	if (rc != 0)
		strata_error_set(STRATA_ERROR, "too many shadow databases at once");
	return rc;
}

/* Take s out of the registry; 0 if it was not there (already dropped). */
static int registry_take(sc_shadow *s)
{
	int found = 0;

	pthread_mutex_lock(&registry_lock);
	for (size_t i = 0; i < MAX_SHADOWS; i++)
		if (registry[i] == s) {
			registry[i] = NULL;
			found = 1;
		}
	pthread_mutex_unlock(&registry_lock);
	return found;
}

static void remove_sqlite_files(const char *path)
{
	static const char *const suffixes[] = { "", "-journal", "-wal", "-shm" };
	strata_buf b = STRATA_BUF_INIT;

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++) {
		strata__buf_clear(&b);
		if (strata__buf_printf(&b, "%s%s", path, suffixes[i]) == 0)
			unlink(strata__buf_cstr(&b));
	}
	strata__buf_release(&b);
}

/* One DROP DATABASE of the shadow, with or without WITH (FORCE). */
static int drop_pg_once(strata_db *db, const sc_shadow *s, int force)
{
	strata_buf sql = STRATA_BUF_INIT;
	int rc;

	rc = strata__buf_puts(&sql, "DROP DATABASE IF EXISTS ") || strata__buf_put_sql_ident(&sql, s->dbname) ||
		     strata__buf_puts(&sql, force ? " WITH (FORCE)" : "")
		     ? STRATA_ERROR
		     : strata__db_exec(db, strata__buf_cstr(&sql), 0, NULL);
	strata__buf_release(&sql);
	return rc;
}

/* End the sessions of our own role still in the shadow (a role may end
 * its own without any privilege); best effort. */
static void end_own_sessions(strata_db *db, const sc_shadow *s)
{
	const char *params[1] = { s->dbname };
	strata_error saved = *strata_error_last();

	strata__db_exec(db, "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity "
		    "WHERE datname = $1 AND usename = current_user AND pid <> pg_catalog.pg_backend_pid()",
		1, params);
	strata_error_restore(&saved);
}

/*
 * Drop the PostgreSQL shadow database: through via, a session on the
 * server's database (the keeper), or when NULL a new connection.
 *
 * A plain DROP DATABASE comes first when strata holds no connection to the
 * shadow (the normal end of a command): it makes autovacuum workers in the
 * shadow give way, and waits up to 5 s for sessions that are still ending.
 * WITH (FORCE) (PostgreSQL 13+) is the fallback when sessions remain
 * (55006, object in use). The order is not a detail: for a role that is
 * not a superuser, FORCE refuses outright ("must be a member of the role
 * whose process is being terminated") whenever an autovacuum worker is
 * in the database, which a busy server makes likely.
 *
 * On the signal path (ours_connected) our own blocked session is still in
 * the shadow, so FORCE comes first. When FORCE is refused or missing, the
 * last resort is the same on both paths: end our own role's sessions in
 * the shadow, then a plain DROP.
 */
static int drop_pg(const sc_shadow *s, strata_db *via, int ours_connected)
{
	db_open_options o = DB_OPEN_OPTIONS_INIT;
	strata_db *db = via, *own = NULL;
	int can_force, rc;

	o.application_name = "strata shadow";
	if (!db && (rc = strata__db_open(&own, s->server, &o)) != 0)
		return rc;
	if (!db)
		db = own;
	can_force = strata__db_server_version(db) >= 130000;
	if (ours_connected) {
		rc = can_force ? drop_pg_once(db, s, 1) : STRATA_EDB;
	} else {
		rc = drop_pg_once(db, s, 0);
		if (rc != 0 && strcmp(strata_error_last()->sqlstate, "55006") != 0)
			goto done;
		if (rc != 0 && can_force)
			rc = drop_pg_once(db, s, 1);
	}
	if (rc != 0) {
		end_own_sessions(db, s);
		rc = drop_pg_once(db, s, 0);
	}
done:
	strata__db_close(own);
	if (rc != 0) {
		strata_error_append(", dropping the shadow database \"%s\"", s->dbname);
		strata_error_hint("drop it by hand once nothing uses it: DROP DATABASE \"%s\"%s",
				  s->dbname, can_force ? " WITH (FORCE)" : "");
	}
	return rc;
}

static void shadow_free(sc_shadow *s)
{
	if (!s)
		return;
	strata__db_close(s->keeper);
	strata_free(s->conninfo);
	strata_free(s->server);
	strata_free(s->dbname);
	strata_free(s->path);
	strata_free(s);
}

static int create_sqlite(sc_shadow *s)
{
	const char *tmp = getenv("TMPDIR");
	strata_buf b = STRATA_BUF_INIT;
	int fd;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (strata__buf_printf(&b, "%s/strata-shadow-XXXXXX", tmp) != 0)
		return STRATA_ERROR;
	s->path = strata__buf_detach(&b);
	if ((fd = mkstemp(s->path)) < 0) {
		strata_error_set(STRATA_ERROR, "cannot create a shadow database in %s: %s", tmp,
				 strerror(errno));
		strata_error_hint("set TMPDIR to a writable directory");
		strata_free(s->path);
		s->path = NULL;
		return STRATA_ERROR;
	}
	close(fd);
	if (strata__buf_printf(&b, "sqlite:%s", s->path) != 0)
		return STRATA_ERROR;
	s->conninfo = strata__buf_detach(&b);
	return 0;
}

static int on_orphan(void *payload, int ncols, const char *const *v)
{
	strata_buf *names = payload;

	return ncols == 1 && v[0] && (strata__buf_puts(names, v[0]) || strata__buf_putc(names, '\n'))
		       ? STRATA_ERROR
		       : 0;
}

/*
 * Drop the shadows on this server that runs left behind: named like one,
 * owned by a role this one is a member of, with no keeper session and
 * nobody connected. Best effort, and silent: a plain DROP (never FORCE)
 * that fails because someone just connected changes nothing.
 */
static void sweep_orphans(strata_db *db)
{
	static const char q[] =
		"SELECT d.datname FROM pg_catalog.pg_database d "
		"WHERE d.datname LIKE 'strata\\_shadow\\_%' "
		"AND pg_catalog.pg_has_role(d.datdba, 'MEMBER') "
		"AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a "
		"WHERE a.datname = d.datname OR a.application_name = '" KEEPER_APP "' || d.datname)";
	strata_error saved = *strata_error_last();
	strata_buf names = STRATA_BUF_INIT, sql = STRATA_BUF_INIT;

	if (strata__db_query(db, q, 0, NULL, on_orphan, &names) == 0) {
		for (char *name = names.ptr, *nl; name && (nl = strchr(name, '\n')); name = nl + 1) {
			*nl = '\0';
			strata__buf_clear(&sql);
			if (strata__buf_puts(&sql, "DROP DATABASE IF EXISTS ") == 0 &&
			    strata__buf_put_sql_ident(&sql, name) == 0)
				strata__db_exec(db, strata__buf_cstr(&sql), 0, NULL);
		}
	}
	strata__buf_release(&names);
	strata__buf_release(&sql);
	strata_error_restore(&saved);
}

static int create_pg(sc_shadow *s, const char *server)
{
	db_open_options o = DB_OPEN_OPTIONS_INIT;
	strata_buf b = STRATA_BUF_INIT;
	strata_db *db = NULL;
	char hex[17];
	int rc;

	if (!server || !*server || strata__db_engine_of(server) != DB_POSTGRES) {
		strata_error_set(STRATA_EINVALID,
				 "no PostgreSQL server to create a shadow database on%s",
				 server && *server ? " (the project's database is not PostgreSQL)" : "");
		strata_error_hint("set shadow_database = postgres://... in strata.ini, or pass "
				  "-d postgres://...");
		return STRATA_EINVALID;
	}
	if (strata__random_hex(hex, 16) != 0 || strata__buf_printf(&b, "strata_shadow_%s", hex) != 0 ||
	    !(s->server = strata_strdup(server)))
		return STRATA_ERROR;
	s->dbname = strata__buf_detach(&b);
	if (strata__buf_printf(&b, KEEPER_APP "%s", s->dbname) != 0)
		return STRATA_ERROR;
	o.application_name = strata__buf_cstr(&b);
	rc = strata__db_open(&db, server, &o);
	strata__buf_clear(&b);
	if (rc != 0)
		return rc;
	sweep_orphans(db);
	/* template0: a clean database, whatever the server's template1 holds. */
	rc = strata__buf_puts(&b, "CREATE DATABASE ") || strata__buf_put_sql_ident(&b, s->dbname) ||
		     strata__buf_puts(&b, " TEMPLATE template0")
		     ? STRATA_ERROR
		     : strata__db_exec(db, strata__buf_cstr(&b), 0, NULL);
	/* A throwaway database need not wait for the disk at each commit:
	 * loading a schema statement by statement is many commits. */
	strata__buf_clear(&b);
	if (rc == 0) {
		rc = strata__buf_puts(&b, "ALTER DATABASE ") || strata__buf_put_sql_ident(&b, s->dbname) ||
			     strata__buf_puts(&b, " SET synchronous_commit = off")
			     ? STRATA_ERROR
			     : strata__db_exec(db, strata__buf_cstr(&b), 0, NULL);
		if (rc != 0) {
			strata_error saved = *strata_error_last();

			drop_pg(s, db, 0);
			strata_error_restore(&saved);
		}
	}
	if (rc == 0)
		s->keeper = db; /* closed when the shadow is dropped */
	else
		strata__db_close(db);
	strata__buf_clear(&b);
	if (rc != 0) {
		strata_error_append(", creating the shadow database");
		if (!strata_error_last()->hint[0])
			strata_error_hint("the role needs CREATEDB on the shadow server; set "
					  "shadow_database in strata.ini to a server where it has it");
		strata__buf_release(&b);
		return rc;
	}
	if (strata__db_conninfo_with_dbname(&b, server, s->dbname) != 0) {
		strata__buf_release(&b);
		drop_pg(s, s->keeper, 0);
		return STRATA_ERROR;
	}
	s->conninfo = strata__buf_detach(&b);
	return 0;
}

int strata__sc_shadow_create(sc_shadow **out, int engine, const char *server)
{
	sc_shadow *s = strata_calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return STRATA_ERROR;
	s->engine = engine;
	/* Registered before it exists, so a signal during CREATE DATABASE
	 * still drops it (IF EXISTS). */
	if ((rc = registry_add(s)) != 0) {
		shadow_free(s);
		return rc;
	}
	rc = engine == DB_POSTGRES ? create_pg(s, server) : create_sqlite(s);
	if (rc != 0) {
		registry_take(s);
		if (s->path)
			remove_sqlite_files(s->path);
		shadow_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

const char *strata__sc_shadow_conninfo(const sc_shadow *s)
{
	return s->conninfo;
}

int strata__sc_shadow_drop(sc_shadow *s)
{
	int rc = 0;

	if (!s)
		return 0;
	if (registry_take(s)) {
		if (s->engine == DB_POSTGRES) {
			strata_error saved = *strata_error_last();

			/* Through the keeper; a new connection if it was lost. */
			rc = drop_pg(s, s->keeper, 0);
			if (rc != 0 && s->keeper &&
			    strncmp(strata_error_last()->sqlstate, "08", 2) == 0)
				rc = drop_pg(s, NULL, 0);
			if (rc == 0)
				strata_error_restore(&saved);
		} else if (s->path) {
			remove_sqlite_files(s->path);
		}
	}
	shadow_free(s);
	return rc;
}

void strata__sc_shadow_abort_all(void)
{
	strata__proc_abort_all(); /* a schema provider still running */
	pthread_mutex_lock(&registry_lock);
	for (size_t i = 0; i < MAX_SHADOWS; i++) {
		sc_shadow *s = registry[i];

		if (!s)
			continue;
		registry[i] = NULL;
		if (s->engine == DB_POSTGRES && s->dbname && s->server)
			drop_pg(s, NULL, 1); /* the main thread may be using the keeper */
		else if (s->path)
			remove_sqlite_files(s->path);
	}
	pthread_mutex_unlock(&registry_lock);
}

/* 1-based line of a byte offset. */
static int line_of(const char *text, size_t offset)
{
	int line = 1;

	for (size_t i = 0; i < offset && text[i]; i++)
		line += text[i] == '\n';
	return line;
}

/*
 * sqlite3's .schema prints "CREATE TABLE sqlite_sequence(name,seq);" for a
 * database with an AUTOINCREMENT table. SQLite makes that table itself
 * with the first such table (creating it is an error), so a schema file's
 * copy of it is skipped. 1 if sql[0..len) is that statement.
 */
static int is_sqlite_sequence_table(const char *sql, size_t len)
{
	sqt_tokens t = { NULL, 0, 0 };
	char *one = strata_strndup(sql, len), *name = NULL;
	size_t i = 2;
	int yes = 0;

	if (!one || strata__sqt_tokenize(&t, one) != 0) {
		strata_error_clear();
		goto done;
	}
	if (t.n < 3 || !strata__sqt_is(&t.v[0], "create") || !strata__sqt_is(&t.v[1], "table"))
		goto done;
	if (t.n > i + 2 && strata__sqt_is(&t.v[i], "if") && strata__sqt_is(&t.v[i + 1], "not") &&
	    strata__sqt_is(&t.v[i + 2], "exists"))
		i += 3;
	if (t.n > i + 2 && t.v[i + 1].type == SQT_DOT && (name = strata__sqt_name(&t.v[i]))) {
		if (strcasecmp(name, "main") == 0)
			i += 2;
		strata_free(name);
	}
	if (i < t.n && (name = strata__sqt_name(&t.v[i])))
		yes = strcasecmp(name, "sqlite_sequence") == 0;
	strata_free(name);
done:
	strata__sqt_tokens_release(&t);
	strata_free(one);
	return yes;
}

/* Where a statement of a schema's SQL is, for messages: "FILE:LINE", or
 * "line N of the output of 'COMMAND'" for a provider. */
static void append_where(const char *shown, int is_output, int line)
{
	if (is_output)
		strata_error_append(", at line %d of the output of \"exec: %s\"", line, shown);
	else
		strata_error_append(", in %s:%d", shown, line);
}

static int load_sql(sc_shadow *s, const char *text, size_t len, const char *shown, int is_output)
{
	db_open_options o = DB_OPEN_OPTIONS_INIT;
	db_stmt *stmts = NULL;
	size_t n = 0, err_at = 0;
	strata_db *db = NULL;
	int rc;

	rc = strata__db_split(&stmts, &n, &err_at, (db_engine)s->engine, text, len);
	if (rc != 0) {
		if (rc == STRATA_EPARSE)
			append_where(shown, is_output, line_of(text, err_at));
		goto done;
	}
	o.application_name = "strata shadow";
	if ((rc = strata__db_open(&db, s->conninfo, &o)) != 0)
		goto done;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const char *sql = text + stmts[i].offset;

		if (s->engine == DB_SQLITE && is_sqlite_sequence_table(sql, stmts[i].len))
			continue;
		rc = strata__db_exec_stmt(db, sql, stmts[i].len,
				  stmts[i].data_len ? text + stmts[i].data_offset : NULL,
				  stmts[i].data_len);
		if (rc != 0) {
			/* SQL that does not load is bad input (exit 2), whatever
			 * the database said about it. */
			strata_error e = *strata_error_last();

			e.code = rc = STRATA_EPARSE;
			strata_error_restore(&e);
			append_where(shown, is_output, line_of(text, stmts[i].offset));
			if (!strata_error_last()->hint[0])
				strata_error_hint(is_output
					? "the provider's output must load into an empty database as "
					  "it is (SQL DDL on stdout, everything else on stderr)"
					: "the file must load into an empty database as it is "
					  "(plain SQL; no psql meta-commands)");
		}
	}
done:
	strata__db_close(db);
	strata_free(stmts);
	return rc;
}

int strata__sc_shadow_load_file(sc_shadow *s, const char *path)
{
	strata_buf text = STRATA_BUF_INIT;
	int rc;

	if ((rc = strata__fs_read_file(&text, path, SCHEMA_FILE_MAX)) == 0)
		rc = load_sql(s, strata__buf_cstr(&text), text.len, path, 0);
	strata__buf_release(&text);
	return rc;
}

static int upgrade_as(sc_shadow *s, const strata_config *cfg, const strata_graph *g,
		      const char *const *targets, size_t ntargets, const sc_online_state *online)
{
	strata_run_options o = STRATA_RUN_OPTIONS_INIT;
	strata_run_result res;
	strata_config copy = *cfg;
	int rc = 0;

	copy.database = s->conninfo;
	copy.database_source = "shadow";
	/* A shadow is no environment: no promotion order, no reviewed plans. */
	copy.env = NULL;
	copy.promote_from = NULL;
	copy.protected_env = copy.require_plan = 0;
	o.target = "heads";
	if (online) {
		o.online_contract = 1;
		o.online_expanded = online->expanded;
		o.nonline_expanded = online->nexpanded;
	}
	if (!targets)
		return strata_upgrade(&res, &copy, g, &o);
	for (size_t i = 0; rc == 0 && i < ntargets; i++) {
		o.target = targets[i];
		rc = strata_upgrade(&res, &copy, g, &o);
	}
	return rc;
}

int strata__sc_shadow_upgrade(sc_shadow *s, const strata_config *cfg, const strata_graph *g,
		      const char *const *targets, size_t ntargets)
{
	return upgrade_as(s, cfg, g, targets, ntargets, NULL);
}

static int replay_as(sc_shadow *s, const strata_config *cfg, const char *dir,
		     const char *const *targets, size_t ntargets, const sc_online_state *online)
{
	strata_config copy = *cfg;
	strata_graph *g = NULL;
	int rc;

	if ((rc = strata_graph_load(&g, dir)) != 0)
		return rc;
	copy.migrations = (char *)dir;
	rc = upgrade_as(s, &copy, g, targets, ntargets, online);
	if (rc != 0)
		strata_error_append(", replaying %s in the shadow database", dir);
	strata_graph_free(g);
	return rc;
}

int strata__sc_shadow_replay(sc_shadow *s, const strata_config *cfg, const char *dir,
		     const char *const *targets, size_t ntargets)
{
	return replay_as(s, cfg, dir, targets, ntargets, NULL);
}

int strata__sc_source_classify(sc_source_kind *out, const char *spec)
{
	struct stat st;

	if (!spec || !*spec)
		return strata_error_set(STRATA_EINVALID, "an empty schema source");
	if (strata__sc_provider_is(spec)) {
		*out = SC_SOURCE_PROVIDER;
		return 0;
	}
	if (stat(spec, &st) == 0) {
		*out = S_ISDIR(st.st_mode) ? SC_SOURCE_MIGRATIONS : SC_SOURCE_FILE;
		return 0;
	}
	if (strata__db_engine_of(spec)) {
		*out = SC_SOURCE_DATABASE;
		return 0;
	}
	if (strlen(spec) > 4 && strcmp(spec + strlen(spec) - 4, ".sql") == 0) {
		strata_error_set(STRATA_ENOTFOUND, "'%s' does not exist", spec);
		strata_error_hint("give a database URL, a schema .sql file, a migrations directory or "
			  "exec: COMMAND (a schema provider)");
		return STRATA_ENOTFOUND;
	}
	strata_error_set(STRATA_EINVALID,
			 "'%s' is neither a database URL, a schema .sql file nor a migrations "
			 "directory",
			 spec);
	strata_error_hint("e.g. postgres://user@host/db, sqlite:app.db, schema.sql, migrations/ or "
			  "'exec: strata-sqlalchemy app.models:Base'");
	return STRATA_EINVALID;
}

int strata__sc_source_engine(const char *spec)
{
	sc_source_kind k;

	if (strata__sc_source_classify(&k, spec) != 0) {
		strata_error_clear();
		return 0;
	}
	if (k == SC_SOURCE_DATABASE)
		return strata__db_engine_of(spec);
	/* An existing SQLite file given as a plain path is a database too. */
	if (k == SC_SOURCE_FILE && strata__db_engine_of(spec) == DB_SQLITE)
		return DB_SQLITE;
	return 0;
}

int strata__sc_load_database(sc_catalog **out, const char *conninfo, const strata_config *cfg)
{
	db_open_options o = DB_OPEN_OPTIONS_INIT;
	strata_db *db = NULL;
	int rc;

	*out = NULL;
	o.read_only = 1;
	o.project_root = cfg ? cfg->root : NULL;
	if ((rc = strata__db_open(&db, conninfo, &o)) != 0)
		return rc;
	rc = strata__sc_introspect(db, cfg ? cfg->version_table : NULL, out);
	strata__db_close(db);
	return rc;
}

/* What the catalog of a shadow depends on besides its SQL (snapshot.h):
 * the engine, its version, the role and the version table left out. The
 * server is asked once, on a connection of its own; 0, or -1 when it
 * cannot be asked (the cache is then not used and the shadow reports
 * why). */
static int key_begin(sha256_ctx *c, const char *what, int engine, const char *server,
		     const strata_config *cfg)
{
	db_open_options o = DB_OPEN_OPTIONS_INIT;
	strata_error saved = *strata_error_last();
	strata_buf role = STRATA_BUF_INIT;
	strata_db *db = NULL;
	int version = 0, rc;

	o.application_name = "strata shadow";
	rc = strata__db_open(&db, engine == DB_POSTGRES ? server : "sqlite::memory:", &o);
	if (rc == 0 && engine == DB_POSTGRES)
		rc = strata__db_query(db, "SELECT current_user", 0, NULL, on_orphan, &role);
	if (rc == 0)
		version = strata__db_server_version(db);
	strata__db_close(db);
	strata_error_restore(&saved);
	if (rc != 0 || strata__buf_oom(&role)) {
		strata__buf_release(&role);
		return -1;
	}
	strata__sc_snapshot_key_init(c, what, engine, version, strata__buf_cstr(&role), cfg->version_table);
	strata__buf_release(&role);
	return 0;
}

/* A migrations directory's part of the key: the targets, then every file
 * (name, size, bytes). 0, or -1 when a file cannot be read (the replay
 * then says why). */
static int key_migrations(sha256_ctx *c, const char *dir, const char *const *targets,
			  size_t ntargets, int to_heads, const sc_online_state *online)
{
	strata_error saved = *strata_error_last();
	strata_buf text = STRATA_BUF_INIT;
	fs_dir d;
	int rc = 0;

	strata__sha256_update(c, to_heads ? "heads" : "targets", to_heads ? 6 : 8);
	for (size_t i = 0; !to_heads && i < ntargets; i++)
		strata__sha256_update(c, targets[i], strlen(targets[i]) + 1);
	if (online) {
		strata__sha256_update(c, "expanded", 9);
		for (size_t i = 0; i < online->nexpanded; i++)
			strata__sha256_update(c, online->expanded[i], strlen(online->expanded[i]) + 1);
	}
	if (strata__fs_dir_open(&d, dir) != 0) {
		strata__fs_dir_close(&d);
		strata_error_restore(&saved);
		return -1;
	}
	for (size_t i = 0; rc == 0 && i < d.count; i++) {
		char size[32];

		strata__buf_clear(&text);
		if ((rc = strata__fs_dir_read(&text, &d, d.names[i], d.names[i], SCHEMA_FILE_MAX)) != 0)
			break;
		snprintf(size, sizeof(size), "\n%zu\n", text.len);
		strata__sha256_update(c, d.names[i], strlen(d.names[i]));
		strata__sha256_update(c, size, strlen(size));
		strata__sha256_update(c, text.ptr ? text.ptr : "", text.len);
	}
	strata__fs_dir_close(&d);
	strata__buf_release(&text);
	strata_error_restore(&saved);
	return rc == 0 ? 0 : -1;
}

/* A schema's SQL: a file's bytes or what a provider prints. */
static int read_schema_sql(strata_buf *text, const char *spec, sc_source_kind kind,
			   const strata_config *cfg)
{
	if (kind == SC_SOURCE_PROVIDER)
		return strata__sc_provider_run(text, spec, cfg);
	return strata__fs_read_file(text, spec, SCHEMA_FILE_MAX);
}

/*
 * Load a file or a provider's output, or replay a directory, in a new
 * shadow; read it; drop it. Unless cfg->no_cache, the catalog comes from
 * the snapshot cache (snapshot.h) when the same inputs were read before,
 * and goes there when they were not.
 */
static int load_in_shadow(sc_catalog **out, const char *spec, sc_source_kind kind, int engine,
			  const strata_config *cfg, int to_heads, const char *const *targets,
			  size_t ntargets, const sc_online_state *online)
{
	const char *server = cfg && cfg->shadow_database ? cfg->shadow_database
			     : cfg ? cfg->database : NULL;
	int use_cache = cfg && cfg->root && cfg->config_path && !cfg->no_cache, rc;
	strata_buf text = STRATA_BUF_INIT, shown = STRATA_BUF_INIT;
	unsigned char key[32];
	sc_shadow *shadow = NULL;
	sha256_ctx c;

	if (!engine)
		return strata_error_set(STRATA_EINVALID,
					"cannot tell which database engine '%s' is for", spec);
	if (kind != SC_SOURCE_MIGRATIONS) {
		if ((rc = read_schema_sql(&text, spec, kind, cfg)) != 0)
			goto done;
		if ((rc = strata__sc_provider_display(&shown, spec)) != 0)
			goto done;
	}
	if (use_cache && key_begin(&c, kind == SC_SOURCE_MIGRATIONS ? "migrations" : "schema",
				   engine, server, cfg) == 0 &&
	    (kind != SC_SOURCE_MIGRATIONS ||
	     key_migrations(&c, spec, targets, ntargets, to_heads, online) == 0)) {
		strata__sha256_update(&c, text.ptr ? text.ptr : "", text.len);
		strata__sha256_final(&c, key);
		if (strata__sc_cache_get(out, cfg->root, key) == 0) {
			rc = 0;
			goto done;
		}
	} else {
		use_cache = 0;
	}
	if ((rc = strata__sc_shadow_create(&shadow, engine, server)) != 0)
		goto done;
	if (kind != SC_SOURCE_MIGRATIONS)
		rc = load_sql(shadow, strata__buf_cstr(&text), text.len, strata__buf_cstr(&shown),
			      kind == SC_SOURCE_PROVIDER);
	else if (to_heads)
		rc = strata__sc_shadow_replay(shadow, cfg, spec, NULL, 0);
	else if (ntargets)
		rc = replay_as(shadow, cfg, spec, targets, ntargets, online);
	if (rc == 0)
		rc = strata__sc_load_database(out, strata__sc_shadow_conninfo(shadow), cfg);
	if (rc != 0) {
		strata_error saved = *strata_error_last();

		strata__sc_shadow_drop(shadow);
		strata_error_restore(&saved);
		goto done;
	}
	if ((rc = strata__sc_shadow_drop(shadow)) == 0 && use_cache)
		strata__sc_cache_put(cfg->root, key, *out);
done:
	if (rc != 0) {
		strata__sc_catalog_free(*out);
		*out = NULL;
	}
	strata__buf_release(&text);
	strata__buf_release(&shown);
	return rc;
}

int strata__sc_load_replayed(sc_catalog **out, const char *dir, const char *const *targets,
		     size_t ntargets, const sc_online_state *online, int engine,
		     const strata_config *cfg)
{
	*out = NULL;
	return load_in_shadow(out, dir, SC_SOURCE_MIGRATIONS, engine, cfg, 0, targets, ntargets,
			      online);
}

int strata__sc_load(sc_catalog **out, const char *spec, int engine, const strata_config *cfg)
{
	sc_source_kind kind;
	int rc;

	*out = NULL;
	if ((rc = strata__sc_source_classify(&kind, spec)) != 0)
		return rc;
	if (kind == SC_SOURCE_DATABASE ||
	    (kind == SC_SOURCE_FILE && strata__sc_source_engine(spec) == DB_SQLITE))
		return strata__sc_load_database(out, spec, cfg);
	return load_in_shadow(out, spec, kind, engine, cfg, 1, NULL, 0, NULL);
}

typedef struct load_job {
	sc_catalog **out;
	const char *spec;
	int engine;
	const strata_config *cfg;
	int rc;
	strata_error err; /* the thread's error, carried back */
} load_job;

static void *load_thread(void *arg)
{
	load_job *j = arg;

	j->rc = strata__sc_load(j->out, j->spec, j->engine, j->cfg);
	if (j->rc != 0)
		j->err = *strata_error_last();
	return NULL;
}

int strata__sc_load_pair(sc_catalog **a, sc_catalog **b, const char *spec_a, const char *spec_b,
		 int engine, const strata_config *cfg)
{
	load_job ja = { a, spec_a, engine, cfg, 0, { 0 } }, jb = { b, spec_b, engine, cfg, 0, { 0 } };
	pthread_t t;
	int threaded = pthread_create(&t, NULL, load_thread, &jb) == 0;

	load_thread(&ja);
	if (threaded)
		pthread_join(t, NULL);
	else
		load_thread(&jb);
	if (ja.rc != 0 || jb.rc != 0) {
		load_job *bad = ja.rc != 0 ? &ja : &jb;

		strata__sc_catalog_free(*a);
		strata__sc_catalog_free(*b);
		*a = *b = NULL;
		strata_error_restore(&bad->err);
		return bad->rc;
	}
	return 0;
}
