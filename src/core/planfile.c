/*
 * core/planfile.c - reviewed plans (strata/planfile.h): written from the
 * `upgrade --sql` rendering of the runner, parsed back, and applied by the
 * upgrade runner itself with the checks made under its run lock.
 *
 * Layer: core. Uses core/runner_int.h (one runner: apply is an upgrade of
 * exactly the plan's steps), core/bookkeeping for the state, schema/ for
 * the fingerprint (the canonical dump of the live catalog, hashed).
 *
 * Invariants:
 *  1. A plan is only ever read from the database: planning creates and
 *     writes nothing.
 *  2. apply runs nothing unless every check passed (see the header).
 *  3. The parser trusts nothing in the file: each header line is checked,
 *     and the body is compared with what the files render, byte by byte.
 */
#include "strata/planfile.h"
#include "strata/env.h"
#include "strata/error.h"
#include "core/bookkeeping.h"
#include "core/runner_int.h"
#include "core/tenant.h"
#include "db/db.h"
#include "schema/catalog.h"
#include "schema/diff.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/strutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define END_LINE "-- end of plan header"

/* ---- small helpers -------------------------------------------------------- */

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		strata_free(v[i]);
	strata_free(v);
}

static int strv_push(char ***v, size_t *n, const char *s, size_t len)
{
	char **grown = strata_realloc(*v, (*n + 1) * sizeof(char *));

	if (!grown)
		return STRATA_ERROR;
	*v = grown;
	if (!(grown[*n] = strata_strndup(s, len)))
		return STRATA_ERROR;
	(*n)++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Space-separated words into a list; "none" is the empty list. */
static int split_words(char ***v, size_t *n, const char *text)
{
	const char *p = text;

	if (strcmp(text, "none") == 0)
		return 0;
	while (*p) {
		size_t len;

		while (*p == ' ')
			p++;
		len = strcspn(p, " ");
		if (len && strv_push(v, n, p, len) < 0)
			return STRATA_ERROR;
		p += len;
	}
	return 0;
}

static void body_digest(const char *body, size_t len, char hex[65])
{
	sha256_ctx c;
	unsigned char d[32];

	strata__sha256_init(&c);
	strata__sha256_update(&c, body, len);
	strata__sha256_final(&c, d);
	strata__sha256_hex(d, hex);
}

/* A header value: control characters would end the comment, so become '?'. */
static int put_value(strata_buf *out, const char *key, const char *value)
{
	if (strata__buf_printf(out, "-- %s: ", key) < 0)
		return STRATA_ERROR;
	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		if (strata__buf_putc(out, *p < 0x20 || *p == 0x7f ? '?' : (char)*p) < 0)
			return STRATA_ERROR;
	return strata__buf_putc(out, '\n');
}

/* Words space-separated, "none" for no words. */
static int join_words(strata_buf *out, char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strata__buf_printf(out, "%s%s", i ? " " : "", v[i]) < 0)
			return STRATA_ERROR;
	return n || strata__buf_puts(out, "none") == 0 ? 0 : STRATA_ERROR;
}

static int put_words(strata_buf *out, const char *key, char *const *v, size_t n)
{
	strata_buf w = STRATA_BUF_INIT;
	int rc = join_words(&w, v, n);

	if (rc == 0)
		rc = put_value(out, key, strata__buf_cstr(&w));
	strata__buf_release(&w);
	return rc;
}

void strata_planfile_free(strata_planfile *p)
{
	if (!p)
		return;
	strata_free(p->environment);
	strata_free(p->engine);
	strata_free(p->database);
	strata_free(p->identity);
	free_strv(p->applied, p->napplied);
	strata_free(p->schema);
	strata_free(p->target);
	free_strv(p->steps, p->nsteps);
	strata_free(p->promotion);
	strata_free(p->lint);
	free_strv(p->findings, p->nfindings);
	strata_free(p->created_at);
	strata_free(p->created_by);
	strata_free(p->created_on);
	strata_free(p->strata_version);
	strata_free(p->body_sha256);
	strata_free(p->body);
	strata_free(p->tenant_schema);
	strata_free(p);
}

/* ---- the file's text ------------------------------------------------------ */

int strata_planfile_format(char **out, const strata_planfile *p)
{
	strata_buf b = STRATA_BUF_INIT;
	char hex[65], ms[32];
	int rc = STRATA_ERROR;

	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(p);

	*out = NULL;
	body_digest(p->body ? p->body : "", p->body_len, hex);
	if (strata__buf_printf(&b, "-- strata-plan: %d\n", STRATA_PLANFILE_FORMAT) < 0 ||
	    put_value(&b, "environment", p->environment ? p->environment : "none") < 0 ||
	    put_value(&b, "engine", p->engine) < 0 || put_value(&b, "database", p->database) < 0 ||
	    put_value(&b, "identity", p->identity) < 0 ||
	    (p->tenant_schema && put_value(&b, "tenant-schema", p->tenant_schema) < 0) ||
	    put_words(&b, "applied", p->applied, p->napplied) < 0 ||
	    put_value(&b, "schema", p->schema) < 0 || put_value(&b, "target", p->target) < 0 ||
	    (p->down && put_value(&b, "direction", "down") < 0) ||
	    put_words(&b, "steps", p->steps, p->nsteps) < 0)
		goto done;
	snprintf(ms, sizeof(ms), "%ldms", p->lock_timeout_ms);
	if (put_value(&b, "lock-timeout", ms) < 0)
		goto done;
	snprintf(ms, sizeof(ms), "%ldms", p->statement_timeout_ms);
	if (put_value(&b, "statement-timeout", ms) < 0 ||
	    put_value(&b, "promotion", p->promotion ? p->promotion : "none") < 0 ||
	    put_value(&b, "lint", p->lint ? p->lint : "not run") < 0)
		goto done;
	for (size_t i = 0; i < p->nfindings; i++)
		if (put_value(&b, "lint-finding", p->findings[i]) < 0)
			goto done;
	if (put_value(&b, "created-at", p->created_at) < 0 ||
	    put_value(&b, "created-by", p->created_by) < 0 ||
	    put_value(&b, "created-on", p->created_on) < 0 ||
	    put_value(&b, "strata", p->strata_version) < 0 || put_value(&b, "body-sha256", hex) < 0 ||
	    strata__buf_puts(&b, END_LINE "\n") < 0 || strata__buf_putn(&b, p->body ? p->body : "", p->body_len) < 0)
		goto done;
	*out = strata__buf_detach(&b);
	rc = 0;
done:
	strata__buf_release(&b);
	return rc;
}

int strata_planfile_body_intact(const strata_planfile *p)
{
	char hex[65];

	STRATA_ASSERT_ARG_WITH_RETVAL(p, 0);

	body_digest(p->body, p->body_len, hex);
	return p->body_sha256 && strcmp(hex, p->body_sha256) == 0;
}

/* One header key: where its value goes. */
typedef struct key_slot {
	const char *key;
	size_t off;   /* offsetof the char * in strata_planfile, or (size_t)-1 */
	int required;
} key_slot;

static const key_slot header_keys[] = {
	{ "environment", offsetof(strata_planfile, environment), 1 },
	{ "engine", offsetof(strata_planfile, engine), 1 },
	{ "database", offsetof(strata_planfile, database), 0 },
	{ "identity", offsetof(strata_planfile, identity), 1 },
	{ "tenant-schema", offsetof(strata_planfile, tenant_schema), 0 },
	{ "applied", (size_t)-1, 1 },
	{ "schema", offsetof(strata_planfile, schema), 1 },
	{ "target", offsetof(strata_planfile, target), 1 },
	{ "direction", (size_t)-1, 0 },
	{ "steps", (size_t)-1, 1 },
	{ "lock-timeout", (size_t)-1, 1 },
	{ "statement-timeout", (size_t)-1, 1 },
	{ "promotion", offsetof(strata_planfile, promotion), 1 },
	{ "lint", offsetof(strata_planfile, lint), 0 },
	{ "lint-finding", (size_t)-1, 0 },
	{ "created-at", offsetof(strata_planfile, created_at), 0 },
	{ "created-by", offsetof(strata_planfile, created_by), 0 },
	{ "created-on", offsetof(strata_planfile, created_on), 1 },
	{ "strata", offsetof(strata_planfile, strata_version), 1 },
	{ "body-sha256", offsetof(strata_planfile, body_sha256), 1 },
};
#define NKEYS (sizeof(header_keys) / sizeof(header_keys[0]))

static int parse_error(const char *path, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int parse_error(const char *path, int line, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	strata_error_set(STRATA_EPARSE, "%s:%d: %s", path, line, what);
	strata_error_hint("a plan file is written by 'strata plan -o FILE'; make a new one rather "
			  "than editing its header");
	return STRATA_EPARSE;
}

static int is_hex64(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == 64;
}

/* One value into p; its key is header_keys[k]. */
static int take_value(strata_planfile *p, size_t k, const char *value, const char *path, int line)
{
	const char *key = header_keys[k].key;
	long ms;

	if (header_keys[k].off != (size_t)-1) {
		char **slot = (char **)((char *)p + header_keys[k].off);

		if (!(*slot = strata_strdup(value)))
			return STRATA_ERROR;
		if (strcmp(key, "environment") == 0 && strcmp(value, "none") == 0) {
			strata_free(*slot);
			*slot = NULL;
		}
		if (strcmp(key, "engine") == 0 && strcmp(value, "postgresql") != 0 &&
		    strcmp(value, "sqlite") != 0)
			return parse_error(path, line, "engine must be postgresql or sqlite, not '%.100s'",
					   value);
		if (strcmp(key, "tenant-schema") == 0 && !strata__tenant_schema_valid(value))
			return parse_error(path, line, "tenant-schema must be a plain lowercase name, "
					   "not '%.100s'", value);
		if (strcmp(key, "body-sha256") == 0 && !is_hex64(value))
			return parse_error(path, line, "body-sha256 must be 64 lowercase hex digits, "
					   "not '%.100s'", value);
		return 0;
	}
	if (strcmp(key, "applied") == 0)
		return split_words(&p->applied, &p->napplied, value);
	if (strcmp(key, "steps") == 0)
		return split_words(&p->steps, &p->nsteps, value);
	if (strcmp(key, "direction") == 0) {
		if (strcmp(value, "up") != 0 && strcmp(value, "down") != 0)
			return parse_error(path, line, "direction must be up or down, not '%.100s'", value);
		p->down = strcmp(value, "down") == 0;
		return 0;
	}
	if (strcmp(key, "lint-finding") == 0)
		return strv_push(&p->findings, &p->nfindings, value, strlen(value));
	if (strata__parse_duration_ms(&ms, value) < 0 || ms < 0) {
		strata_error_clear();
		return parse_error(path, line, "not a duration: '%.100s'", value);
	}
	if (strcmp(key, "lock-timeout") == 0)
		p->lock_timeout_ms = ms;
	else
		p->statement_timeout_ms = ms;
	return 0;
}

int strata_planfile_parse(strata_planfile **out, const char *text, size_t len, const char *path)
{
	strata_planfile *p = strata_calloc(1, sizeof(*p));
	unsigned char seen[NKEYS] = { 0 };
	size_t pos = 0, k;
	int line = 0, rc = STRATA_ERROR, ended = 0;
	char buf[4096];

	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(text);
	STRATA_ASSERT_ARG(path);

	*out = NULL;
	if (!p)
		return STRATA_ERROR;
	while (pos < len && !ended) {
		const char *start = text + pos, *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;
		const char *colon;

		line++;
		pos += n + (nl != NULL);
		if (n && start[n - 1] == '\r')
			n--;
		if (n >= sizeof(buf) || memchr(start, '\0', n)) {
			rc = parse_error(path, line, "%s", "header line too long or not text");
			goto done;
		}
		memcpy(buf, start, n);
		buf[n] = '\0';
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f) {
				/* strata writes none: a line break in a value would end the comment */
				rc = parse_error(path, line, "%s", "a control character in the header");
				goto done;
			}
		if (line == 1) {
			if (strcmp(buf, "-- strata-plan: 1") != 0) {
				rc = parse_error(path, line, "%s", strncmp(buf, "-- strata-plan: ", 16) == 0
						 ? "a plan of another format (this strata reads format 1)"
						 : "not a strata plan (the first line is not "
						   "'-- strata-plan: 1')");
				goto done;
			}
			p->format = STRATA_PLANFILE_FORMAT;
			continue;
		}
		if (strcmp(buf, END_LINE) == 0) {
			ended = 1;
			break;
		}
		if (strncmp(buf, "-- ", 3) != 0 || !(colon = strstr(buf + 3, ": "))) {
			rc = parse_error(path, line, "%s", "not a '-- key: value' header line");
			goto done;
		}
		buf[colon - buf] = '\0';
		for (k = 0; k < NKEYS; k++)
			if (strcmp(buf + 3, header_keys[k].key) == 0)
				break;
		if (k == NKEYS) {
			rc = parse_error(path, line, "unknown plan header key '%.100s'", buf + 3);
			goto done;
		}
		if (seen[k] && strcmp(header_keys[k].key, "lint-finding") != 0) {
			rc = parse_error(path, line, "'%s' given twice", header_keys[k].key);
			goto done;
		}
		seen[k] = 1;
		if ((rc = take_value(p, k, colon + 2, path, line)) < 0)
			goto done;
	}
	if (!ended) {
		rc = parse_error(path, line, "%s", p->format ? "the header has no '" END_LINE "' line"
				 : "not a strata plan (the file is empty)");
		goto done;
	}
	for (k = 0; k < NKEYS; k++)
		if (header_keys[k].required && !seen[k]) {
			rc = parse_error(path, line, "the header has no '%s'", header_keys[k].key);
			goto done;
		}
	if (!(p->body = strata_strndup(text + pos, len - pos))) {
		rc = STRATA_ERROR;
		goto done;
	}
	p->body_len = len - pos;
	*out = p;
	p = NULL;
	rc = 0;
done:
	strata_planfile_free(p);
	return rc;
}

int strata_planfile_set_lint(strata_planfile *p, const char *summary,
			     const char *const *findings, size_t nfindings)
{
	char *s = strata_strdup(summary);

	STRATA_ASSERT_ARG(p);

	if (!s)
		return STRATA_ERROR;
	strata_free(p->lint);
	p->lint = s;
	free_strv(p->findings, p->nfindings);
	p->findings = NULL;
	p->nfindings = 0;
	for (size_t i = 0; i < nfindings; i++)
		if (strv_push(&p->findings, &p->nfindings, findings[i], strlen(findings[i])) < 0)
			return STRATA_ERROR;
	return 0;
}

int strata_planfile_step_indexes(size_t *out, const strata_planfile *p, const strata_graph *g)
{
	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(p);
	STRATA_ASSERT_ARG(g);

	for (size_t i = 0; i < p->nsteps; i++) {
		long idx = strata_graph_index(g, p->steps[i]);

		if (idx < 0) {
			strata_error_set(STRATA_ECHECK, "the plan's step %s is not a revision in the "
					 "migrations folder", p->steps[i]);
			strata_error_hint("nothing was run; apply the plan from the project it was made "
					  "for, or make a new plan");
			return STRATA_ECHECK;
		}
		out[i] = (size_t)idx;
	}
	return 0;
}

/* ---- what a database is and holds ---------------------------------------- */

static int on_value(void *payload, int ncols, const char *const *v)
{
	strata_buf *b = payload;

	for (int i = 0; i < ncols; i++)
		if (strata__buf_printf(b, "%s%s", i ? "|" : "", v[i] ? v[i] : "") < 0)
			return STRATA_ERROR;
	return 0;
}

static int database_identity(strata_buf *out, strata_db *db);

/* The identity of what cfg plans for on db: the database's, and a tenant's schema. */
static int identity_of(strata_buf *out, strata_db *db, const strata_config *cfg)
{
	int rc = database_identity(out, db);

	if (rc == 0 && cfg->tenant_schema && strata__buf_printf(out, ":schema=%s", cfg->tenant_schema) < 0)
		rc = STRATA_ERROR;
	return rc;
}

/* The identity of the database db is connected to (see strata/planfile.h). */
static int database_identity(strata_buf *out, strata_db *db)
{
	strata_buf v = STRATA_BUF_INIT;
	char *real = NULL;
	int rc;

	if (strata__db_engine_kind(db) == DB_POSTGRES) {
		rc = strata__db_query(db, "SELECT system_identifier::text, current_database() "
				  "FROM pg_control_system()", 0, NULL, on_value, &v);
		if (rc == 0) {
			char *bar = strchr(v.ptr, '|');

			rc = bar ? strata__buf_printf(out, "postgresql:system=%.*s:database=%s",
					      (int)(bar - v.ptr), v.ptr, bar + 1) : STRATA_ERROR;
			goto done;
		}
		/* The role may not call pg_control_system(): the server's address instead. */
		strata_error_clear();
		strata__buf_clear(&v);
		if ((rc = strata__db_query(db, "SELECT coalesce(host(inet_server_addr()), 'local') || ':' || "
				       "coalesce(inet_server_port()::text, current_setting('port')) "
				       "|| ':database=' || current_database() || ':oid=' || d.oid "
				       "FROM pg_database d WHERE d.datname = current_database()",
				   0, NULL, on_value, &v)) < 0)
			goto done;
		rc = strata__buf_printf(out, "postgresql:server=%s", strata__buf_cstr(&v));
	} else {
		struct stat sb;

		if ((rc = strata__db_query(db, "SELECT file FROM pragma_database_list WHERE name = 'main'", 0,
				   NULL, on_value, &v)) < 0)
			goto done;
		if (!v.len || stat(strata__buf_cstr(&v), &sb) != 0 || !(real = realpath(strata__buf_cstr(&v), NULL))) {
			rc = strata_error_set(STRATA_EINVALID, "a SQLite database in memory or without a "
					      "file has no identity to plan for");
			goto done;
		}
		rc = strata__buf_printf(out, "sqlite:%s:dev=%llu:ino=%llu", real,
				(unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino);
		free(real);
	}
done:
	strata__buf_release(&v);
	return rc < 0 ? rc : 0;
}

/*
 * A SQLite file that does not exist yet: "sqlite:PATH:new", PATH as
 * identity_of() will write it once the file exists (its folder's real
 * path). apply takes any file at PATH for it whose state and schema are
 * still the empty ones planned for.
 */
static int new_sqlite_identity(strata_buf *out, const strata_config *cfg)
{
	const char *path = cfg->database, *slash;
	strata_buf full = STRATA_BUF_INIT;
	char *dir = NULL;
	int rc = STRATA_ERROR;

	if (strncmp(path, "sqlite:", 7) == 0)
		path += 7;
	if ((path[0] == '/' ? strata__buf_puts(&full, path) : strata__fs_join(&full, cfg->root, path)) < 0)
		goto done;
	slash = strrchr(full.ptr, '/');
	strata__buf_truncate(&full, (size_t)(slash - full.ptr));
	if (!(dir = realpath(full.len ? strata__buf_cstr(&full) : "/", NULL))) {
		rc = strata_error_set(STRATA_ENOTFOUND, "the folder of SQLite database %s does not "
				      "exist", cfg->database);
		goto done;
	}
	rc = strata__buf_printf(out, "sqlite:%s/%s:new", strcmp(dir, "/") ? dir : "", slash + 1) < 0
		? STRATA_ERROR : 0;
done:
	free(dir);
	strata__buf_release(&full);
	return rc;
}

/* Is the identity now the planned one (see new_sqlite_identity() for ":new")? */
static int same_identity(const char *planned, const char *now)
{
	size_t n = strlen(planned);

	if (n > 4 && strncmp(planned, "sqlite:", 7) == 0 && strcmp(planned + n - 4, ":new") == 0)
		return strncmp(planned, now, n - 3) == 0 && strchr(now + n - 3, '/') == NULL;
	return strcmp(planned, now) == 0;
}

/* "sha256:HEX" of the live schema's canonical dump (bookkeeping tables left
 * out; only cfg->tenant_schema when set). */
static int fingerprint_of(strata_buf *out, strata_db *db, const strata_config *cfg)
{
	sc_catalog *cat = NULL;
	strata_buf dump = STRATA_BUF_INIT, path = STRATA_BUF_INIT;
	const char *param[1];
	char hex[65];
	int pg = strata__db_engine_kind(db) == DB_POSTGRES, rc;

	/* PostgreSQL introspection empties search_path; the run goes on after it. */
	if (pg && (rc = strata__db_query(db, "SELECT current_setting('search_path')", 0, NULL, on_value,
				 &path)) < 0)
		goto done;
	rc = strata__sc_introspect(db, cfg->version_table, &cat);
	param[0] = strata__buf_cstr(&path);
	if (pg && rc == 0)
		rc = strata__db_exec(db, "SELECT pg_catalog.set_config('search_path', $1, false)", 1, param);
	/* A tenant's plan is about its schema: other tenants move on their own. */
	if (rc == 0 && cfg->tenant_schema)
		rc = strata__sc_catalog_keep_schema(cat, cfg->tenant_schema);
	if (rc < 0 || (rc = strata__sc_dump_sql(cat, &dump)) < 0)
		goto done;
	body_digest(strata__buf_cstr(&dump), dump.len, hex);
	rc = strata__buf_printf(out, "sha256:%s", hex) < 0 ? STRATA_ERROR : 0;
done:
	strata__buf_release(&dump);
	strata__buf_release(&path);
	strata__sc_catalog_free(cat);
	return rc;
}

/* ---- plan ------------------------------------------------------------------ */

static char *promotion_text(const strata_config *cfg, const char *skip)
{
	strata_buf b = STRATA_BUF_INIT;

	if (skip)
		strata__buf_printf(&b, "skipped: %s", skip);
	else if (cfg->promote_from)
		strata__buf_printf(&b, "checked against %s", cfg->promote_from);
	else
		strata__buf_puts(&b, "none");
	return strata__buf_detach(&b);
}

/* The reason a plan skipped the promotion check, or NULL. */
static const char *skipped_reason(const strata_planfile *p)
{
	return p->promotion && strncmp(p->promotion, "skipped: ", 9) == 0 ? p->promotion + 9 : NULL;
}

int strata_plan_create(strata_planfile **out, const strata_config *cfg, const strata_graph *g,
		       const strata_plan_options *o)
{
	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(cfg);
	STRATA_ASSERT_ARG(g);

	strata_plan_options dflt = STRATA_PLAN_OPTIONS_INIT;
	strata_run_options ro = STRATA_RUN_OPTIONS_INIT;
	db_open_options oo = DB_OPEN_OPTIONS_INIT;
	strata_planfile *p = NULL;
	strata_db *db = NULL;
	bk_state st = { 0 };
	strata_plan plan = { 0 };
	unsigned char *applied = NULL;
	strata_buf b = STRATA_BUF_INIT, shown = STRATA_BUF_INIT;
	size_t count = strata_graph_count(g), i;
	char host[256] = "unknown", now[32], hex[65];
	int rc = STRATA_ERROR;

	*out = NULL;
	if (!o)
		o = &dflt;
	if (o->down && !o->target) {
		strata_error_set(STRATA_EINVALID, "a downgrade plan needs a target");
		strata_error_hint("give a revision, -1 for one step, or base for everything");
		return STRATA_EINVALID;
	}
	if (!(p = strata_calloc(1, sizeof(*p))) || !(applied = strata_calloc(count ? count : 1, 1)))
		goto done;
	oo.project_root = cfg->root;
	oo.read_only = 1;
	rc = strata__db_open(&db, cfg->database, &oo);
	if (rc == STRATA_ENOTFOUND && strata__db_engine_of(cfg->database) == DB_SQLITE) {
		/* A SQLite file not created yet: planned as new, its schema that of an
		 * empty database (of which a memory database stands in). */
		strata_error_clear();
		if ((rc = new_sqlite_identity(&b, cfg)) < 0 ||
		    (rc = strata__db_open(&db, "sqlite::memory:", &oo)) < 0)
			goto done;
	} else if (rc < 0) {
		goto done;
	} else if ((rc = identity_of(&b, db, cfg)) < 0) {
		goto done;
	}
	if ((rc = strata__bk_read(&st, db, cfg)) < 0 ||
	    (rc = strata_graph_applied(applied, g, (const char *const *)st.versions,
				       st.nversions)) < 0 ||
	    (rc = o->down ? strata_plan_downgrade(&plan, g, applied, o->target)
			  : strata_plan_upgrade(&plan, g, applied, o->target ? o->target : "heads")) < 0)
		goto done;
	if (!o->down && !o->skip_promotion_check &&
	    (rc = strata_promotion_check(cfg, g, plan.steps, plan.nsteps)) < 0)
		goto done;
	rc = STRATA_ERROR;
	p->format = STRATA_PLANFILE_FORMAT;
	p->engine = strata_strdup(strata__db_engine_kind(db) == DB_POSTGRES ? "postgresql" : "sqlite");
	if (cfg->env && !(p->environment = strata_strdup(cfg->env)))
		goto done;
	if (cfg->tenant_schema && !(p->tenant_schema = strata_strdup(cfg->tenant_schema)))
		goto done;
	if (strata__redact_conninfo(&shown, cfg->database) < 0 || !(p->database = strata__buf_detach(&shown)) ||
	    !(p->identity = strata__buf_detach(&b)))
		goto done;
	for (i = 0; i < st.nversions; i++)
		if (strv_push(&p->applied, &p->napplied, st.versions[i], strlen(st.versions[i])) < 0)
			goto done;
	if (p->napplied)
		qsort(p->applied, p->napplied, sizeof(char *), cmp_str);
	if ((rc = fingerprint_of(&b, db, cfg)) < 0)
		goto done;
	rc = STRATA_ERROR;
	if (!(p->schema = strata__buf_detach(&b)))
		goto done;
	if (!(p->target = strata_strdup(o->target ? o->target : "heads")))
		goto done;
	for (i = 0; i < plan.nsteps; i++) {
		const char *rev = strata_graph_at(g, plan.steps[i])->revision;

		if (strv_push(&p->steps, &p->nsteps, rev, strlen(rev)) < 0)
			goto done;
	}
	p->lock_timeout_ms = cfg->lock_timeout_ms;
	p->statement_timeout_ms = cfg->statement_timeout_ms;
	if (!(p->promotion = promotion_text(cfg, o->skip_promotion_check)) ||
	    !(p->lint = strata_strdup("not run")))
		goto done;
	strata__utc_timestamp(now);
	if (gethostname(host, sizeof(host) - 1) < 0)
		strcpy(host, "unknown");
	if (strata__db_current_user(db, &p->created_by) < 0 || !p->created_by) {
		strata_error_clear();
		p->created_by = strata_strdup("unknown");
	}
	if (!p->created_by || !(p->created_at = strata_strdup(now)) ||
	    !(p->created_on = strata_strdup(host)) || !(p->strata_version = strata_strdup(STRATA_VERSION)))
		goto done;
	ro.skip_promotion_check = o->skip_promotion_check;
	p->down = o->down;
	if ((rc = strata__runner_render_plan(&b, cfg, g, o->down ? STRATA_DOWN : STRATA_UP, applied,
				     plan.steps, plan.nsteps, host, &ro)) < 0)
		goto done;
	p->body_len = b.len;
	body_digest(strata__buf_cstr(&b), b.len, hex);
	if (!(p->body = strata__buf_detach(&b)) || !(p->body_sha256 = strata_strdup(hex))) {
		rc = STRATA_ERROR;
		goto done;
	}
	*out = p;
	p = NULL;
	rc = 0;
done:
	strata_planfile_free(p);
	strata_plan_release(&plan);
	strata__bk_state_release(&st);
	strata_free(applied);
	strata__buf_release(&b);
	strata__buf_release(&shown);
	strata__db_close(db);
	return rc;
}

/* ---- apply ----------------------------------------------------------------- */

typedef struct apply_check {
	const strata_config *cfg;
	const strata_graph *g;
	const strata_planfile *p;
	const char *path;
	const size_t *steps;
} apply_check;

static int refuse(const char *hint, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int refuse(const char *hint, const char *fmt, ...)
{
	char msg[STRATA_ERROR_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	strata_error_set(STRATA_ECHECK, "%s", msg);
	strata_error_hint("nothing was run. %s", hint);
	return STRATA_ECHECK;
}

/* The version rows of applied, sorted, as one line ("none" when empty). */
static int applied_line(strata_buf *out, const strata_graph *g, const unsigned char *applied)
{
	size_t n = strata_graph_count(g), k, *idx = strata_calloc(n ? n : 1, sizeof(size_t));
	char **ids = strata_calloc(n ? n : 1, sizeof(char *));
	int rc = STRATA_ERROR;

	if (!idx || !ids)
		goto done;
	k = strata_graph_applied_heads(idx, n, g, applied);
	for (size_t i = 0; i < k; i++)
		ids[i] = (char *)strata_graph_at(g, idx[i])->revision;
	if (k)
		qsort(ids, k, sizeof(char *), cmp_str);
	rc = join_words(out, ids, k);
done:
	strata_free(idx);
	strata_free(ids);
	return rc;
}

/* Under the run lock, the state read: is this the database and state planned for? */
static int check_under_lock(void *payload, strata_db *db, const unsigned char *applied)
{
	apply_check *c = payload;
	const strata_planfile *p = c->p;
	strata_buf now = STRATA_BUF_INIT, want = STRATA_BUF_INIT, body = STRATA_BUF_INIT;
	strata_run_options ro = STRATA_RUN_OPTIONS_INIT;
	char again[256];
	int rc;

	/* The command that makes the new plan, with the plan's environment. */
	snprintf(again, sizeof(again), "Make a new plan for the database as it is now ('strata %s%s%s"
		 "plan -o FILE') and review that", p->environment ? "-e " : "",
		 p->environment ? p->environment : "", p->environment ? " " : "");

	if ((rc = identity_of(&now, db, c->cfg)) < 0)
		goto done;
	if (!same_identity(p->identity, strata__buf_cstr(&now))) {
		rc = refuse("Apply it to the database it was made for (see its 'database' line), or "
			    "make a plan for this one",
			    "%s was planned for another database: it names %s, this is %s", c->path,
			    p->identity, strata__buf_cstr(&now));
		goto done;
	}
	strata__buf_clear(&now);
	if ((rc = applied_line(&now, c->g, applied)) < 0 ||
	    (rc = join_words(&want, p->applied, p->napplied)) < 0)
		goto done;
	if (strcmp(strata__buf_cstr(&now), strata__buf_cstr(&want)) != 0) {
		rc = refuse(again, "the database moved since %s was planned: its applied revisions "
			    "were %s, they are now %s (someone applied or reverted revisions since)",
			    c->path, strata__buf_cstr(&want), strata__buf_cstr(&now));
		goto done;
	}
	strata__buf_clear(&now);
	if ((rc = fingerprint_of(&now, db, c->cfg)) < 0)
		goto done;
	if (strcmp(strata__buf_cstr(&now), p->schema) != 0) {
		rc = refuse(again, "the schema of the database changed since %s was planned (its "
			    "fingerprint was %s, it is now %s): something changed it outside strata",
			    c->path, p->schema, strata__buf_cstr(&now));
		goto done;
	}
	ro.skip_promotion_check = skipped_reason(p);
	if ((rc = strata__runner_render_plan(&body, c->cfg, c->g, p->down ? STRATA_DOWN : STRATA_UP, applied,
				     c->steps, p->nsteps, p->created_on, &ro)) < 0)
		goto done;
	if (body.len != p->body_len || memcmp(strata__buf_cstr(&body), p->body, body.len) != 0)
		rc = refuse(again, "the migration files no longer make the script %s holds: a "
			    "planned revision's file changed since the plan", c->path);
done:
	strata__buf_release(&now);
	strata__buf_release(&want);
	strata__buf_release(&body);
	return rc;
}

int strata_plan_apply(strata_run_result *res, const strata_config *cfg, const strata_graph *g,
		      const strata_planfile *p, const char *path, const strata_run_options *opts)
{
	STRATA_ASSERT_ARG(cfg);
	STRATA_ASSERT_ARG(g);
	STRATA_ASSERT_ARG(p);
	STRATA_ASSERT_ARG(path);
	STRATA_ASSERT_ARG(opts);

	strata_config planned = *cfg;
	strata_run_options o = *opts;
	runner_plan_hooks hooks = { 0 };
	apply_check check = { cfg, g, p, path, NULL };
	size_t *steps = strata_calloc(p->nsteps ? p->nsteps : 1, sizeof(size_t));
	strata_buf tdb = STRATA_BUF_INIT, tvt = STRATA_BUF_INIT, tht = STRATA_BUF_INIT;
	char note[512];
	int rc;

	if (!steps)
		return STRATA_ERROR;
	if ((p->tenant_schema || cfg->tenant_schema) &&
	    (!p->tenant_schema || !cfg->tenant_schema ||
	     strcmp(p->tenant_schema, cfg->tenant_schema) != 0) &&
	    (!p->tenant_schema || cfg->tenant_schema)) {
		rc = refuse("Apply it to the target it was made for (see its 'database' line)",
			    "%s was planned for %s%s, not %s%s", path,
			    p->tenant_schema ? "tenant schema " : "a whole database",
			    p->tenant_schema ? p->tenant_schema : "",
			    cfg->tenant_schema ? "tenant schema " : "a whole database",
			    cfg->tenant_schema ? cfg->tenant_schema : "");
		goto done;
	}
	/* A tenant's plan given the plain database: run it in the tenant's schema. */
	if (p->tenant_schema && !cfg->tenant_schema &&
	    (rc = strata__tenant_config(&planned, &tdb, &tvt, &tht, cfg, cfg->database,
				p->tenant_schema)) < 0)
		goto done;
	if (!strata_planfile_body_intact(p)) {
		rc = refuse("Review the file as it was written, or make a new plan", "the body of %s "
			    "was edited after it was planned (its SHA-256 is not the header's "
			    "body-sha256)", path);
		goto done;
	}
	if (strcmp(p->strata_version, STRATA_VERSION) != 0) {
		rc = refuse("Apply it with the strata that made it, or make a new plan",
			    "%s was made by strata %s; this is strata %s", path, p->strata_version,
			    STRATA_VERSION);
		goto done;
	}
	if (strcmp(p->engine, strata__db_engine_of(cfg->database) == DB_POSTGRES ? "postgresql" : "sqlite")) {
		rc = refuse("Apply it to the database it was made for", "%s was planned for a %s "
			    "database, not this one", path, p->engine);
		goto done;
	}
	if ((p->environment || cfg->env) &&
	    (!p->environment || !cfg->env || strcmp(p->environment, cfg->env) != 0)) {
		rc = refuse("Run apply with -e and the plan's environment", "%s was planned for "
			    "environment '%s', not '%s'", path, p->environment ? p->environment : "none",
			    cfg->env ? cfg->env : "none");
		goto done;
	}
	if ((rc = strata_planfile_step_indexes(steps, p, g)) < 0)
		goto done;
	/* The plan's own timeouts: the body says them, and the run keeps them. */
	planned.lock_timeout_ms = p->lock_timeout_ms;
	planned.statement_timeout_ms = p->statement_timeout_ms;
	check.cfg = &planned;
	check.steps = steps;
	hooks.steps = steps;
	hooks.nsteps = p->nsteps;
	hooks.before = check_under_lock;
	hooks.payload = &check;
	snprintf(note, sizeof(note), "applied from plan %s (body sha256 %.16s...)", path,
		 p->body_sha256);
	o.note = note;
	o.sql_only = 0;
	o.prefetch = NULL;
	o.target = NULL;
	if (skipped_reason(p) && !o.skip_promotion_check)
		o.skip_promotion_check = skipped_reason(p);
	rc = p->down ? strata__runner_downgrade_plan(res, &planned, g, &o, &hooks)
		     : strata__runner_upgrade_plan(res, &planned, g, &o, &hooks);
done:
	strata_free(steps);
	strata__buf_release(&tdb);
	strata__buf_release(&tvt);
	strata__buf_release(&tht);
	return rc;
}
