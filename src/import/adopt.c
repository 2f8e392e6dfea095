/*
 * import/adopt.c - strata adopt: a database another tool migrated gets
 * the equivalent strata state (see strata_import_adopt in strata/import.h).
 *
 * Layer: import, beside core; reads and writes through db/db.h and
 * core/bookkeeping.h, as the runner does.
 *
 * One run:
 *   connect -> run lock -> BEGIN -> read the source rows (one reader per
 *   format, below) -> map each to a revision -> the applied set (closed
 *   under ancestors for alembic and golang-migrate, checked to be closed
 *   for the others) -> its heads -> the version table's rows -> refuse or
 *   write: bookkeeping tables, version rows, one history row per adopted
 *   revision -> COMMIT -> unlock.
 *
 * Invariants:
 *  1. The source's tables are only read.
 *  2. Every refusal comes before the first write, and every write is in
 *     the one transaction: a refused or failed adoption leaves the
 *     database as it was.
 *  3. A source version names a revision by its id; numeric versions
 *     (Flyway's 1.2, goose's 20240101120000, a zero-padded golang-migrate
 *     0001) also match an id with the same numeric value, as the source
 *     tools compare them.
 */
#include "strata/import.h"
#include "strata/error.h"
#include "strata/migration.h"
#include "core/bookkeeping.h"
#include "db/db.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const strata_adopt_formats[] = {
	"alembic", "flyway", "golang-migrate", "goose", "dbmate", "sqitch", "pop", NULL,
};

/* What the source's versions mean for the applied set. */
enum meaning {
	HEADS = 1, /* the rows are heads: they and their ancestors are applied */
	UPTO,      /* one version: every revision up to it (numerically) is applied */
	SET,       /* exactly the revisions named are applied */
};

typedef struct strlist {
	char **v;
	size_t n, cap;
} strlist;

typedef struct adopt_run {
	const char *format;
	const strata_config *cfg;
	const strata_graph *g;
	const strata_adopt_options *opt;
	strata_db *db;      /* the target */
	strata_db *src;     /* where the source table is: db, or sqitch's registry file */
	strata_buf table;   /* the source table as given */
	strata_buf quoted;  /* and quoted for a statement */
	enum meaning meaning;
	strlist versions;   /* source versions, in the source's order */
	strlist baseline;   /* flyway: BASELINE versions (every version up to one is applied) */
} adopt_run;

static int list_add(strlist *l, const char *s)
{
	char *d;

	if (strata_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(char *)) < 0 ||
	    !(d = strata_strdup(s ? s : "")))
		return STRATA_ERROR;
	l->v[l->n++] = d;
	return 0;
}

/* Remove every entry equal to s. */
static void list_remove(strlist *l, const char *s)
{
	size_t i, k = 0;

	for (i = 0; i < l->n; i++) {
		if (strcmp(l->v[i], s) == 0)
			strata_free(l->v[i]);
		else
			l->v[k++] = l->v[i];
	}
	l->n = k;
}

static void list_release(strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		strata_free(l->v[i]);
	strata_free(l->v);
	memset(l, 0, sizeof(*l));
}

static int is_true(const char *v)
{
	return v && (strcmp(v, "t") == 0 || strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0);
}

/* Digits and dots only, starting with a digit: a version compared by value. */
static int is_numeric(const char *s)
{
	if (!isdigit((unsigned char)*s))
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && *s != '.')
			return 0;
	return 1;
}

/* Compare numeric versions part by part ("1.02" == "1.2", "0007" == "7"). */
static int cmp_numeric(const char *a, const char *b)
{
	while (*a || *b) {
		size_t na, nb;
		int c;

		while (*a == '0' && isdigit((unsigned char)a[1]))
			a++;
		while (*b == '0' && isdigit((unsigned char)b[1]))
			b++;
		na = strspn(a, "0123456789");
		nb = strspn(b, "0123456789");
		if (na != nb)
			return na < nb ? -1 : 1;
		if ((c = strncmp(a, b, na)) != 0)
			return c < 0 ? -1 : 1;
		a += na;
		b += nb;
		/* A missing part is 0: "1" == "1.0". */
		if (*a == '.')
			a++;
		else if (*a)
			return 1;
		if (*b == '.')
			b++;
		else if (*b)
			return -1;
		if (!*a && *b && strspn(b, "0.") == strlen(b))
			break;
		if (!*b && *a && strspn(a, "0.") == strlen(a))
			break;
	}
	return 0;
}

/* The graph index of the revision a source version names, or -1. */
static long revision_of(const strata_graph *g, const char *version)
{
	long i = strata_graph_index(g, version);
	size_t k, n = strata_graph_count(g);

	if (i >= 0 || !is_numeric(version))
		return i;
	for (k = 0; k < n; k++) {
		const char *id = strata_graph_at(g, k)->revision;

		if (is_numeric(id) && cmp_numeric(id, version) == 0)
			return (long)k;
	}
	return -1;
}

/* "SELECT columns FROM <the source table> rest" on the source, rows to cb. */
static int query_source(adopt_run *r, const char *columns, const char *rest, db_row_cb cb,
			void *payload)
{
	strata_buf sql = STRATA_BUF_INIT;
	int rc;

	if (strata__buf_printf(&sql, "SELECT %s FROM %s%s%s", columns, strata__buf_cstr(&r->quoted), *rest ? " " : "",
		       rest) < 0 || strata__buf_check(&sql) < 0) {
		strata__buf_release(&sql);
		return STRATA_ERROR;
	}
	rc = strata__db_query(r->src, strata__buf_cstr(&sql), 0, NULL, cb, payload);
	if (rc < 0)
		strata_error_append(" (reading %s)", strata__buf_cstr(&r->table));
	strata__buf_release(&sql);
	return rc;
}

static int on_version(void *payload, int ncols, const char *const *v)
{
	adopt_run *r = payload;

	return v[0] ? list_add(&r->versions, v[0]) : 0;
}

/* --- one reader per format --------------------------------------------- */

static int read_alembic(adopt_run *r)
{
	r->meaning = HEADS;
	return query_source(r, "version_num", "", on_version, r);
}

/* Flyway: (version, type, success) in installed_rank order. */
static int on_flyway(void *payload, int ncols, const char *const *v)
{
	adopt_run *r = payload;
	const char *version = v[0], *type = v[1] ? v[1] : "";

	if (!version || !*version || !is_true(v[2]))
		return 0; /* a repeatable (no version) or a failed attempt */
	if (strcmp(type, "SCHEMA") == 0)
		return 0; /* Flyway's own "schema created" marker */
	if (strncmp(type, "UNDO", 4) == 0 || strcmp(type, "DELETE") == 0) {
		list_remove(&r->versions, version);
		return 0;
	}
	if (strcmp(type, "BASELINE") == 0)
		return list_add(&r->baseline, version);
	return list_add(&r->versions, version);
}

static int read_flyway(adopt_run *r)
{
	r->meaning = SET;
	return query_source(r, "version, type, success", "ORDER BY installed_rank",
			    on_flyway, r);
}

typedef struct gm_row {
	char *version;
	int dirty, rows;
} gm_row;

static int on_golang_migrate(void *payload, int ncols, const char *const *v)
{
	gm_row *g = payload;

	g->rows++;
	strata_free(g->version);
	if (!(g->version = strata_strdup(v[0] ? v[0] : "")))
		return STRATA_ERROR;
	g->dirty = is_true(v[1]);
	return 0;
}

static int read_golang_migrate(adopt_run *r)
{
	gm_row row = { 0 };
	int has_dirty = 0, rc;

	r->meaning = UPTO;
	if ((rc = strata__bk_table_has(&has_dirty, r->src, strata__buf_cstr(&r->table), "dirty")) < 0)
		return rc;
	if (!has_dirty) {
		strata_error_set(STRATA_EINVALID, "%s has no dirty column: it is not golang-migrate's "
				 "bookkeeping", strata__buf_cstr(&r->table));
		strata_error_hint("dbmate keeps a schema_migrations table too: 'strata adopt dbmate'");
		return STRATA_EINVALID;
	}
	if ((rc = query_source(r, "version, dirty", "", on_golang_migrate, &row)) < 0)
		goto done;
	if (row.rows > 1) {
		rc = strata_error_set(STRATA_EINVALID, "%s has %d rows; golang-migrate keeps one",
				      strata__buf_cstr(&r->table), row.rows);
		goto done;
	}
	if (row.rows && row.dirty) {
		strata_error_set(STRATA_EINVALID, "%s says version %s is dirty: golang-migrate "
				 "stopped part-way through it, so what the database holds is not "
				 "a known state", strata__buf_cstr(&r->table), row.version);
		strata_error_hint("finish or undo that migration by hand, then 'migrate force VERSION' "
				  "to clear the flag, and adopt again");
		rc = STRATA_EINVALID;
		goto done;
	}
	/* golang-migrate writes -1 (its NilVersion) after going all the way down. */
	if (row.rows && row.version[0] != '-')
		rc = list_add(&r->versions, row.version);
done:
	strata_free(row.version);
	return rc;
}

/* goose: (version_id, is_applied) in id order; the latest row per version wins. */
static int on_goose(void *payload, int ncols, const char *const *v)
{
	adopt_run *r = payload;

	if (!v[0] || strcmp(v[0], "0") == 0)
		return 0; /* goose's own first row */
	list_remove(&r->versions, v[0]);
	return is_true(v[1]) ? list_add(&r->versions, v[0]) : 0;
}

static int read_goose(adopt_run *r)
{
	r->meaning = SET;
	return query_source(r, "version_id, is_applied", "ORDER BY id", on_goose, r);
}

static int read_dbmate(adopt_run *r)
{
	int has_dirty = 0, rc;

	r->meaning = SET;
	if ((rc = strata__bk_table_has(&has_dirty, r->src, strata__buf_cstr(&r->table), "dirty")) < 0)
		return rc;
	if (has_dirty) {
		strata_error_set(STRATA_EINVALID, "%s has a dirty column: it is golang-migrate's "
				 "bookkeeping, not dbmate's", strata__buf_cstr(&r->table));
		strata_error_hint("use 'strata adopt golang-migrate'");
		return STRATA_EINVALID;
	}
	return query_source(r, "version", "ORDER BY version", on_version, r);
}

static int read_pop(adopt_run *r)
{
	r->meaning = SET;
	return query_source(r, "version", "ORDER BY version", on_version, r);
}

/*
 * sqitch: (change, project) in deploy order. A change deployed again after
 * a rework is "name.2", "name.3", ... for its later instances, as the
 * importer names the instances of a reworked change (fmt_sqitch.c).
 */
typedef struct sqitch_ctx {
	adopt_run *r;
	strlist projects;
	strlist rows;      /* "project\nchange" */
} sqitch_ctx;

static int on_sqitch(void *payload, int ncols, const char *const *v)
{
	sqitch_ctx *c = payload;
	strata_buf b = STRATA_BUF_INIT;
	size_t i;
	int rc, seen = 0;

	if (!v[0] || !v[1])
		return 0;
	for (i = 0; i < c->projects.n; i++)
		seen |= strcmp(c->projects.v[i], v[1]) == 0;
	if (!seen && list_add(&c->projects, v[1]) < 0)
		return STRATA_ERROR;
	if (strata__buf_printf(&b, "%s\n%s", v[1], v[0]) < 0 || strata__buf_check(&b) < 0) {
		strata__buf_release(&b);
		return STRATA_ERROR;
	}
	rc = list_add(&c->rows, strata__buf_cstr(&b));
	strata__buf_release(&b);
	return rc;
}

static int read_sqitch(adopt_run *r)
{
	sqitch_ctx c = { r, { 0 }, { 0 } };
	const char *project = r->opt->project;
	size_t i, j;
	int rc;

	r->meaning = SET;
	if ((rc = query_source(r, "change, project", "ORDER BY committed_at, change_id",
			       on_sqitch, &c)) < 0)
		goto done;
	if (!project && c.projects.n > 1) {
		strata_buf names = STRATA_BUF_INIT;

		for (i = 0; i < c.projects.n; i++)
			strata__buf_printf(&names, "%s%s", i ? ", " : "", c.projects.v[i]);
		strata_error_set(STRATA_EINVALID, "%s holds changes of %zu sqitch projects (%s)",
				 strata__buf_cstr(&r->table), c.projects.n, strata__buf_cstr(&names));
		strata_error_hint("name the one this migrations folder holds with --project NAME");
		strata__buf_release(&names);
		rc = STRATA_EINVALID;
		goto done;
	}
	for (i = 0; i < c.rows.n && rc == 0; i++) {
		const char *nl = strchr(c.rows.v[i], '\n'), *change = nl + 1;
		size_t instance = 0;
		strata_buf id = STRATA_BUF_INIT;

		if (project && (strlen(project) != (size_t)(nl - c.rows.v[i]) ||
				strncmp(project, c.rows.v[i], strlen(project)) != 0))
			continue;
		for (j = 0; j < i; j++)
			instance += strcmp(c.rows.v[j], c.rows.v[i]) == 0;
		rc = (instance ? strata__buf_printf(&id, "%s.%zu", change, instance + 1) : strata__buf_puts(&id, change)) < 0 ||
		     strata__buf_check(&id) < 0 ? STRATA_ERROR : list_add(&r->versions, strata__buf_cstr(&id));
		strata__buf_release(&id);
	}
done:
	list_release(&c.projects);
	list_release(&c.rows);
	return rc;
}

static const struct adopt_format {
	const char *name;
	const char *table;      /* default source table (PostgreSQL; SQLite drops a schema) */
	int (*read)(adopt_run *r);
	const char *tool_hint;  /* how the source tool would have made the table */
} formats[] = {
	{ "alembic", "alembic_version", read_alembic, "alembic upgrade" },
	{ "flyway", "flyway_schema_history", read_flyway, "flyway migrate" },
	{ "golang-migrate", "schema_migrations", read_golang_migrate, "migrate up" },
	{ "goose", "goose_db_version", read_goose, "goose up" },
	{ "dbmate", "schema_migrations", read_dbmate, "dbmate up" },
	{ "sqitch", "sqitch.changes", read_sqitch, "sqitch deploy" },
	{ "pop", "schema_migration", read_pop, "soda migrate" },
};

/* --- from versions to the strata state ---------------------------------- */

/* Map every source version to a revision; unknown ones are refused, by name. */
static int applied_set(adopt_run *r, unsigned char *applied)
{
	size_t i, k, n = strata_graph_count(r->g);

	for (i = 0; i < r->versions.n; i++) {
		long idx = revision_of(r->g, r->versions.v[i]);

		if (idx < 0) {
			strata_error_set(STRATA_ENOTFOUND, "%s names revision '%s', which %s does not have",
					 strata__buf_cstr(&r->table), r->versions.v[i], r->cfg->migrations);
			strata_error_hint("import the whole history first ('strata import %s SRC'), or "
					  "point --migrations at the folder it was imported into", r->format);
			return STRATA_ENOTFOUND;
		}
		if (r->meaning == UPTO) {
			/* Every numeric id up to the version; golang-migrate's are all numeric. */
			for (k = 0; k < n; k++) {
				const char *id = strata_graph_at(r->g, k)->revision;

				if (is_numeric(id) && cmp_numeric(id, r->versions.v[i]) <= 0)
					applied[k] = 1;
			}
		}
		applied[idx] = 1;
	}
	/* Flyway baseline: the versions up to it count as applied. */
	for (i = 0; i < r->baseline.n; i++) {
		long idx = revision_of(r->g, r->baseline.v[i]);

		for (k = 0; k < n; k++) {
			const char *id = strata_graph_at(r->g, k)->revision;

			if (is_numeric(id) && is_numeric(r->baseline.v[i]) &&
			    cmp_numeric(id, r->baseline.v[i]) <= 0)
				applied[k] = 1;
		}
		if (idx >= 0)
			applied[idx] = 1;
	}
	return 0;
}

/* The parent or dependency of an applied revision that is not applied, if any. */
static int check_closed(adopt_run *r, const unsigned char *applied)
{
	size_t i, k, n = strata_graph_count(r->g);

	for (i = 0; i < n; i++) {
		const strata_migration *m = strata_graph_at(r->g, i);

		if (!applied[i])
			continue;
		for (k = 0; k < m->nrevises + m->ndepends_on; k++) {
			const char *p = k < m->nrevises ? m->revises[k] : m->depends_on[k - m->nrevises];
			long pi = strata_graph_index(r->g, p);

			if (pi >= 0 && !applied[pi]) {
				strata_error_set(STRATA_EINVALID, "%s records %s as applied but not %s, "
						 "which it %s", strata__buf_cstr(&r->table), m->revision, p,
						 k < m->nrevises ? "revises" : "depends on");
				strata_error_hint("strata records a state where every ancestor of an applied "
						  "revision is applied: apply %s with the source tool first, "
						  "or set the state by hand with 'strata stamp'", p);
				return STRATA_EINVALID;
			}
		}
	}
	return 0;
}

static int same_rows(char **a, size_t na, char **b, size_t nb)
{
	size_t i, j;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++) {
		int found = 0;

		for (j = 0; j < nb && !found; j++)
			found = strcmp(a[i], b[j]) == 0;
		if (!found)
			return 0;
	}
	return 1;
}

static int open_source(adopt_run *r, const struct adopt_format *f)
{
	db_open_options oo = DB_OPEN_OPTIONS_INIT;
	const char *table = r->opt->table ? r->opt->table : f->table;
	int sqlite = strata__db_engine_kind(r->db) == DB_SQLITE;
	int exists = 0, rc;

	r->src = r->db;
	/* sqitch on PostgreSQL: --registry names the registry's schema. */
	if (!sqlite && strcmp(f->name, "sqitch") == 0 && r->opt->registry && !r->opt->table) {
		if (strata__buf_printf(&r->table, "%s.changes", r->opt->registry) < 0 || strata__buf_check(&r->table) < 0)
			return STRATA_ERROR;
		table = strata__buf_cstr(&r->table);
	}
	/* sqitch on SQLite keeps its registry in a database file of its own. */
	if (sqlite && strcmp(f->name, "sqitch") == 0) {
		strata_buf url = STRATA_BUF_INIT;
		const char *reg = r->opt->registry;
		const char *db = strata__db_display_name(r->db);
		const char *slash, *ext;

		if (strata__str_starts_with(db, "sqlite:"))
			db += strlen("sqlite:");
		slash = strrchr(db, '/');
		if (!r->opt->table)
			table = "changes";
		/* sqitch's default: "sqitch" beside the database, with its extension. */
		ext = strrchr(slash ? slash : db, '.');
		if (reg)
			rc = strata__buf_printf(&url, "sqlite:%s", reg);
		else
			rc = strata__buf_printf(&url, "sqlite:%.*s%ssqitch%s", slash ? (int)(slash - db) : 0, db,
					slash ? "/" : "", ext ? ext : "");
		if (rc < 0 || strata__buf_check(&url) < 0) {
			strata__buf_release(&url);
			return STRATA_ERROR;
		}
		oo.project_root = r->cfg->root;
		oo.read_only = 1;
		rc = strata__db_open(&r->src, strata__buf_cstr(&url), &oo);
		if (rc == STRATA_ENOTFOUND)
			strata_error_hint("sqitch keeps its SQLite registry in a file of its own (sqitch.EXT "
					  "beside the database unless configured): give it with --registry FILE");
		strata__buf_release(&url);
		if (rc < 0) {
			r->src = NULL;
			return rc;
		}
	}
	if ((table != strata__buf_cstr(&r->table) && strata__buf_puts(&r->table, table) < 0) ||
	    strata__db_quote_qualified(&r->quoted, table) < 0 ||
	    strata__buf_check(&r->table) < 0)
		return STRATA_ERROR;
	if ((rc = strata__bk_table_has(&exists, r->src, table, NULL)) < 0)
		return rc;
	if (!exists) {
		strata_error_set(STRATA_ENOTFOUND, "%s has no %s table: nothing of %s's to adopt",
				 strata__db_display_name(r->src), table, f->name);
		strata_error_hint("give the database that '%s' migrated (-d URL); if it keeps its "
				  "table under another name, give that with --table NAME", f->tool_hint);
		return STRATA_ENOTFOUND;
	}
	return 0;
}

static int write_state(adopt_run *r, const unsigned char *applied, strata_adopt_result *res)
{
	size_t i, n = strata_graph_count(r->g);
	strata_buf note = STRATA_BUF_INIT;
	char *user = NULL, host[256];
	int rc;

	if (gethostname(host, sizeof(host) - 1) < 0)
		strcpy(host, "unknown");
	host[sizeof(host) - 1] = '\0';
	if ((rc = strata__db_current_user(r->db, &user)) < 0)
		goto done;
	if (r->opt->note ? strata__buf_puts(&note, r->opt->note) < 0
			 : strata__buf_printf(&note, "strata adopt %s: recorded as applied from %s", r->format,
				      strata__buf_cstr(&r->table)) < 0) {
		rc = STRATA_ERROR;
		goto done;
	}
	if ((rc = strata__bk_ensure(r->db, r->cfg)) < 0 ||
	    (rc = strata__bk_set_heads(r->db, r->cfg, (const char *const *)res->heads, res->nheads)) < 0)
		goto done;
	for (i = 0; i < n; i++) {
		const strata_migration *m = strata_graph_at(r->g, i);
		bk_entry e = { 0 };
		char now[32];

		if (!applied[i])
			continue;
		strata__utc_timestamp(now);
		e.revision = m->revision;
		e.direction = "adopt";
		e.checksum = m->checksum;
		e.started_at = now;
		e.finished_at = now;
		e.db_user = user;
		e.client_host = host;
		e.outcome = "adopted";
		e.note = strata__buf_cstr(&note);
		if ((rc = strata__bk_insert(r->db, r->cfg, &e)) < 0)
			goto done;
	}
done:
	strata_free(user);
	strata__buf_release(&note);
	return rc;
}

static int fill_result(strata_adopt_result *res, const strata_graph *g, const unsigned char *applied,
		       const char *table)
{
	size_t i, n = strata_graph_count(g), nh;
	size_t *heads = strata_calloc(n ? n : 1, sizeof(size_t));

	if (!heads || !(res->source = strata_strdup(table)) ||
	    !(res->adopted = strata_calloc(n ? n : 1, sizeof(char *))))
		goto oom;
	for (i = 0; i < n; i++)
		if (applied[i] && !(res->adopted[res->nadopted++] = strata_strdup(strata_graph_at(g, i)->revision)))
			goto oom;
	nh = strata_graph_applied_heads(heads, n, g, applied);
	if (!(res->heads = strata_calloc(nh ? nh : 1, sizeof(char *))))
		goto oom;
	for (i = 0; i < nh; i++)
		if (!(res->heads[res->nheads++] = strata_strdup(strata_graph_at(g, heads[i])->revision)))
			goto oom;
	strata_free(heads);
	return 0;
oom:
	strata_free(heads);
	return STRATA_ERROR;
}

void strata_adopt_result_free(strata_adopt_result *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nadopted; i++)
		strata_free(r->adopted[i]);
	for (i = 0; i < r->nheads; i++)
		strata_free(r->heads[i]);
	strata_free(r->adopted);
	strata_free(r->heads);
	strata_free(r->source);
	strata_free(r);
}

int strata_import_adopt(strata_adopt_result **out, const char *format, const strata_config *cfg,
			const strata_graph *g, const strata_adopt_options *opt)
{
	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(cfg);
	STRATA_ASSERT_ARG(g);

	static const strata_adopt_options defaults = STRATA_ADOPT_OPTIONS_INIT;
	const struct adopt_format *f = NULL;
	db_open_options oo = DB_OPEN_OPTIONS_INIT;
	adopt_run r;
	strata_adopt_result *res = NULL;
	unsigned char *applied = NULL;
	char **rows = NULL;
	size_t nrows = 0, i, n = strata_graph_count(g);
	int rc, locked = 0, in_tx = 0, exists = 0;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (format && strcmp(formats[i].name, format) == 0)
			f = &formats[i];
	if (!f) {
		strata_error_set(STRATA_EINVALID, "strata adopt does not know the format '%s'",
				 format ? format : "");
		strata_error_hint("the formats are alembic, flyway, golang-migrate, goose, dbmate, "
				  "sqitch and pop");
		return STRATA_EINVALID;
	}
	if (!cfg->database) {
		strata_error_set(STRATA_EINVALID, "no database to adopt");
		strata_error_hint("pass -d URL or set database in strata.ini");
		return STRATA_EINVALID;
	}
	r.format = f->name;
	r.cfg = cfg;
	r.g = g;
	r.opt = opt ? opt : &defaults;
	/* A file with an incomplete revision is bad input: refuse before connecting. */
	for (i = 0; i < n; i++)
		if ((rc = strata_migration_check_complete(strata_graph_at(g, i))) < 0)
			return rc;
	if (!(applied = strata_calloc(n ? n : 1, 1)) || !(res = strata_calloc(1, sizeof(*res)))) {
		rc = STRATA_ERROR;
		goto done;
	}
	oo.project_root = cfg->root;
	if (strata__db_engine_of(cfg->database) == DB_SQLITE) {
		/* A SQLite file that does not exist has nothing to adopt: never create it. */
		oo.read_only = 0;
	}
	if ((rc = strata__db_open(&r.db, cfg->database, &oo)) < 0)
		goto done;
	if ((rc = strata__db_set_timeouts(r.db, cfg->lock_timeout_ms, cfg->statement_timeout_ms)) < 0 ||
	    (rc = strata__db_lock(r.db, cfg->version_table, cfg->lock_wait_ms)) < 0)
		goto done;
	locked = 1;
	if ((rc = strata__db_begin(r.db)) < 0)
		goto done;
	in_tx = 1;
	if ((rc = open_source(&r, f)) < 0 || (rc = f->read(&r)) < 0 ||
	    (rc = applied_set(&r, applied)) < 0)
		goto done;
	if (r.meaning == HEADS) {
		/* Alembic's rows are heads: their ancestors are applied too. */
		if ((rc = strata_graph_applied(applied, g, (const char *const *)r.versions.v,
					       r.versions.n)) < 0)
			goto done;
	} else if ((rc = check_closed(&r, applied)) < 0) {
		goto done;
	}
	if ((rc = fill_result(res, g, applied, strata__buf_cstr(&r.table))) < 0)
		goto done;
	/* What strata already records. */
	if ((rc = strata__bk_tables_exist(&exists, r.db, cfg)) < 0 ||
	    (exists && (rc = strata__bk_read_versions(&rows, &nrows, r.db, cfg)) < 0))
		goto done;
	if (nrows && same_rows(rows, nrows, res->heads, res->nheads)) {
		res->unchanged = 1;
	} else if (nrows && !r.opt->force) {
		strata_error_set(STRATA_EINVALID, "%s already records %zu applied head(s) (%s%s): "
				 "this database is under strata already", cfg->version_table, nrows,
				 rows[0], nrows > 1 ? ", ..." : "");
		strata_error_hint("'strata current' shows its state; to replace it with %s's, "
				  "adopt with --force", f->name);
		rc = STRATA_EINVALID;
		goto done;
	} else if ((rc = write_state(&r, applied, res)) < 0) {
		goto done;
	}
	rc = strata__db_commit(r.db);
	in_tx = 0;
done:
	if (r.db) {
		strata_error saved = *strata_error_last();

		if (in_tx)
			strata__db_rollback(r.db);
		if (locked)
			strata__db_unlock(r.db, cfg->version_table);
		if (r.src && r.src != r.db)
			strata__db_close(r.src);
		strata__db_close(r.db);
		strata_error_restore(&saved);
	}
	strata__bk_free_versions(rows, nrows);
	list_release(&r.versions);
	list_release(&r.baseline);
	strata__buf_release(&r.table);
	strata__buf_release(&r.quoted);
	strata_free(applied);
	if (rc < 0)
		strata_adopt_result_free(res);
	else
		*out = res;
	return rc;
}
