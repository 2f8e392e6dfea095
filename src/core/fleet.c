/*
 * core/fleet.c - fleets (strata/fleet.h): the targets of a [fleet.NAME]
 * section, and an upgrade, a status read, a plan, a plan's apply or a
 * drift check run over them on a pool of threads (plans through
 * strata/planfile.h, drift through core/drift.h, tenants' configs
 * through core/tenant.h).
 *
 * Layer: core. Each target is a strata_config copy naming its database
 * (and, for a tenant schema, its search_path and version table) handed to
 * the runner as a single `strata upgrade` would be: one connection, its
 * own run lock and transactions. Threads share only the next-target index
 * and the counters, under one mutex; the per-thread strata_error keeps
 * each target's message apart.
 *
 * Invariants:
 *  1. A target is started only when no canary failed and the failures are
 *     within max_failures; one started always runs to its end.
 *  2. Target order is the fleet's order; canaries are its first ones.
 */
#include "strata/fleet.h"
#include "strata/error.h"
#include "strata/planfile.h"
#include "strata/runner.h"
#include "strata/session.h"
#include "strata/status.h"
#include "strata/drift.h"
#include "core/tenant.h"
#include "db/db.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/strutil.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_PARALLEL 4
#define MAX_PARALLEL 256

/* The value of key in [fleet.name] (the last one given), or NULL. */
static const char *fleet_value(const strata_config *cfg, const char *name, const char *key)
{
	const char *v = NULL;

	for (size_t i = 0; i < cfg->nfleet_entries; i++)
		if (strcmp(cfg->fleet_entry_names[i], name) == 0 &&
		    strcmp(cfg->fleet_entry_keys[i], key) == 0)
			v = cfg->fleet_entry_values[i];
	return v;
}

static int add_target(strata_fleet *f, const char *url, size_t len, const char *schema)
{
	strata_fleet_target *grown = strata_realloc(f->targets, (f->n + 1) * sizeof(*grown));
	strata_fleet_target *t;
	strata_buf shown = STRATA_BUF_INIT;

	if (!grown)
		return STRATA_ERROR;
	f->targets = grown;
	t = &f->targets[f->n];
	memset(t, 0, sizeof(*t));
	if (!(t->url = strata_strndup(url, len)) || (schema && !(t->schema = strata_strdup(schema))) ||
	    strata__redact_conninfo(&shown, t->url) < 0 || !(t->shown = strata__buf_detach(&shown))) {
		strata_free(t->url);
		strata_free(t->schema);
		strata__buf_release(&shown);
		return STRATA_ERROR;
	}
	f->n++;
	return 0;
}

/* Lines of text as targets: blank lines and '#' comments skipped. */
static int add_lines(strata_fleet *f, const char *text, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const char *start = text + pos, *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos, b = 0;

		pos += n + (nl != NULL);
		while (b < n && isspace((unsigned char)start[b]))
			b++;
		while (n > b && isspace((unsigned char)start[n - 1]))
			n--;
		if (n > b && start[b] != '#' && add_target(f, start + b, n - b, NULL) < 0)
			return STRATA_ERROR;
	}
	return 0;
}

static int add_words(strata_fleet *f, const char *text)
{
	const char *p = text;

	while (*p) {
		size_t n;

		while (isspace((unsigned char)*p))
			p++;
		n = strcspn(p, " \t");
		if (n && add_target(f, p, n, NULL) < 0)
			return STRATA_ERROR;
		p += n;
	}
	return 0;
}

static int run_command(strata_fleet *f, const strata_config *cfg, const char *cmd)
{
	strata_buf out = STRATA_BUF_INIT, full = STRATA_BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *p;
	int status, rc;

	/* The command runs in the project folder, as schema = exec: does. */
	if (strata__buf_printf(&full, "cd '%s' && %s", cfg->root, cmd) < 0)
		return STRATA_ERROR;
	if (strchr(cfg->root, '\'')) {
		strata__buf_release(&full);
		return strata_error_set(STRATA_EINVALID, "the project folder's name has a quote");
	}
	if (!(p = popen(strata__buf_cstr(&full), "r"))) {
		strata__buf_release(&full);
		return strata_error_set(STRATA_ERROR, "cannot run the targets command of [fleet.%s]",
					f->name);
	}
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		if (strata__buf_putn(&out, chunk, n) < 0)
			break;
	status = pclose(p);
	if (status != 0) {
		rc = strata_error_set(STRATA_ERROR, "the targets command of [fleet.%s] failed (status "
				      "%d): %s", f->name, status, cmd);
		strata_error_hint("run it by hand from the project folder; it prints one database "
				  "URL a line");
	} else {
		rc = add_lines(f, out.ptr ? out.ptr : "", out.len);
	}
	strata__buf_release(&out);
	strata__buf_release(&full);
	return rc;
}

typedef struct row_sink {
	strata_fleet *f;
	int schemas;
} row_sink;

static int on_row(void *payload, int ncols, const char *const *v)
{
	row_sink *r = payload;

	if (ncols < 1 || !v[0])
		return 0;
	if (!r->schemas)
		return add_target(r->f, v[0], strlen(v[0]), NULL);
	if (!strata__tenant_schema_valid(v[0])) {
		strata_error_set(STRATA_EINVALID, "schema '%.64s' of [fleet.%s] is not a plain "
				 "lowercase name", v[0], r->f->name);
		strata_error_hint("tenant schemas are named [a-z_][a-z0-9_]*; filter others out in "
				  "the schemas query");
		return STRATA_EINVALID;
	}
	return add_target(r->f, "", 0, v[0]);
}

static int run_query(strata_fleet *f, const strata_config *cfg, const char *conninfo,
		     const char *sql, int schemas)
{
	db_open_options oo = DB_OPEN_OPTIONS_INIT;
	row_sink sink = { f, schemas };
	strata_db *db = NULL;
	int rc;

	oo.project_root = cfg->root;
	oo.read_only = 1;
	if ((rc = strata__db_open(&db, conninfo, &oo)) < 0 ||
	    (rc = strata__db_query(db, sql, 0, NULL, on_row, &sink)) < 0)
		strata_error_append(" (the %s query of [fleet.%s])", schemas ? "schemas" : "targets",
				    f->name);
	strata__db_close(db);
	return rc;
}

static int count_value(int *out, const char *v, const char *key, const char *name, long max)
{
	long n;

	if (!v)
		return 0;
	if (strata__parse_count(&n, v) < 0 || n > max) {
		strata_error_set(STRATA_EPARSE, "[fleet.%s] %s must be a number from 0 to %ld, not "
				 "'%s'", name, key, max, v);
		return STRATA_EPARSE;
	}
	*out = (int)n;
	return 0;
}

int strata_fleet_load(strata_fleet **out, const strata_config *cfg, const char *name)
{
	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(cfg);
	STRATA_ASSERT_ARG(name);

	strata_fleet *f = strata_calloc(1, sizeof(*f));
	const char *targets = fleet_value(cfg, name, "targets");
	const char *schemas = fleet_value(cfg, name, "schemas");
	const char *database = fleet_value(cfg, name, "database");
	int rc = STRATA_ERROR;

	*out = NULL;
	if (!f || !(f->name = strata_strdup(name)))
		goto done;
	f->parallel = DEFAULT_PARALLEL;
	f->max_failures = -1;
	if (!targets && !schemas) {
		size_t i;

		for (i = 0; i < cfg->nfleet_entries; i++)
			if (strcmp(cfg->fleet_entry_names[i], name) == 0)
				break;
		rc = strata_error_set(i < cfg->nfleet_entries ? STRATA_EPARSE : STRATA_ENOTFOUND,
				      i < cfg->nfleet_entries ? "[fleet.%s] has neither targets nor "
				      "schemas" : "no fleet '%s' in strata.ini", name);
		strata_error_hint("define it as [fleet.%s] with targets = URL URL... (or a file, "
				  "exec: COMMAND, query: SQL), or schemas = QUERY with database = URL",
				  name);
		goto done;
	}
	if (targets && schemas) {
		rc = strata_error_set(STRATA_EPARSE, "[fleet.%s] has both targets and schemas", name);
		strata_error_hint("a fleet is either databases (targets) or the schemas of one "
				  "database (schemas with database)");
		goto done;
	}
	if ((rc = count_value(&f->parallel, fleet_value(cfg, name, "parallel"), "parallel", name,
			      MAX_PARALLEL)) < 0 ||
	    (rc = count_value(&f->canary, fleet_value(cfg, name, "canary"), "canary", name,
			      1000000)) < 0 ||
	    (rc = count_value(&f->max_failures, fleet_value(cfg, name, "max_failures"),
			      "max_failures", name, 1000000)) < 0)
		goto done;
	if (f->parallel < 1)
		f->parallel = 1;
	if (schemas) {
		if (!database || strata__db_engine_of(database) != DB_POSTGRES) {
			rc = strata_error_set(STRATA_EPARSE, "[fleet.%s] schemas needs database = a "
					      "PostgreSQL URL", name);
			goto done;
		}
		if ((rc = run_query(f, cfg, database, schemas, 1)) < 0)
			goto done;
		for (size_t i = 0; i < f->n; i++) {
			strata_buf shown = STRATA_BUF_INIT;

			strata_free(f->targets[i].url);
			strata_free(f->targets[i].shown);
			f->targets[i].url = strata_strdup(database);
			if (strata__redact_conninfo(&shown, database) < 0 || strata__buf_printf(&shown, " schema %s",
									 f->targets[i].schema) < 0)
				rc = STRATA_ERROR;
			f->targets[i].shown = strata__buf_detach(&shown);
			if (rc < 0 || !f->targets[i].url || !f->targets[i].shown)
				goto done;
		}
	} else if (strncmp(targets, "exec:", 5) == 0) {
		if ((rc = run_command(f, cfg, targets + 5)) < 0)
			goto done;
	} else if (strncmp(targets, "query:", 6) == 0) {
		const char *control = fleet_value(cfg, name, "control");

		if (!control) {
			rc = strata_error_set(STRATA_EPARSE, "[fleet.%s] targets = query: needs control "
					      "= the URL of the database it runs on", name);
			goto done;
		}
		if ((rc = run_query(f, cfg, control, targets + 6, 0)) < 0)
			goto done;
	} else if (!strpbrk(targets, " \t") && !strata__db_engine_of(targets)) {
		/* One word that is no connection string: a file of URLs. */
		strata_buf path = STRATA_BUF_INIT, text = STRATA_BUF_INIT;

		rc = strata__fs_join(&path, cfg->root, targets) < 0 ? STRATA_ERROR
		     : strata__fs_read_file(&text, strata__buf_cstr(&path), 64u << 20);
		if (rc == 0)
			rc = add_lines(f, text.ptr ? text.ptr : "", text.len);
		else
			strata_error_append(" (the targets file of [fleet.%s])", name);
		strata__buf_release(&path);
		strata__buf_release(&text);
		if (rc < 0)
			goto done;
	} else if ((rc = add_words(f, targets)) < 0) {
		goto done;
	}
	*out = f;
	f = NULL;
	rc = 0;
done:
	strata_fleet_free(f);
	return rc;
}

void strata_fleet_free(strata_fleet *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		strata_free(f->targets[i].url);
		strata_free(f->targets[i].shown);
		strata_free(f->targets[i].schema);
		strata_free(f->targets[i].heads);
		strata_free(f->targets[i].plan_file);
		strata_free(f->targets[i].error);
	}
	strata_free(f->targets);
	strata_free(f->name);
	strata_free(f);
}

/* ---- running ------------------------------------------------------------- */

typedef struct pool {
	strata_fleet *f;
	const strata_config *cfg;
	const strata_graph *g;
	const strata_fleet_options *o;
	const size_t *order;      /* target indexes to run, in order */
	size_t norder, next;
	int max_failures;
	size_t failed, done, running;
	int stop;
	int checking;             /* --resume's first pass: is each target at the target? */
	double t0;
	pthread_mutex_t mu;
} pool;

/* The target's config: its database, and for a tenant its search_path and tables. */
static int target_config(strata_config *out, strata_buf *db, strata_buf *vt, strata_buf *ht,
			 const strata_config *cfg, const strata_fleet_target *t)
{
	if (t->schema)
		return strata__tenant_config(out, db, vt, ht, cfg, t->url, t->schema);
	*out = *cfg;
	out->env = NULL;
	out->promote_from = NULL;
	out->protected_env = out->require_plan = 0;
	out->database = t->url;
	return 0;
}

/* Read a target's state; *at_target when upgrading to o->target would run nothing. */
static int read_target(strata_fleet_target *t, const strata_config *tc, const strata_graph *g,
		       const char *target, int *at_target)
{
	strata_status *st = NULL;
	strata_plan plan = { 0 };
	strata_buf heads = STRATA_BUF_INIT;
	size_t n = strata_graph_count(g);
	int rc;

	if ((rc = strata_status_read(&st, tc, g, STRATA_STATUS_MISSING_OK)) < 0)
		return rc;
	t->applied = t->pending = 0;
	for (size_t i = 0; i < n; i++)
		t->applied += st->applied[i] != 0;
	t->pending = n - t->applied;
	for (size_t i = 0; i < st->nversions; i++)
		strata__buf_printf(&heads, "%s%s", i ? " " : "", st->versions[i]);
	strata_free(t->heads);
	t->heads = strata__buf_detach(&heads);
	if (at_target) {
		rc = strata_plan_upgrade(&plan, g, st->applied, target ? target : "heads");
		*at_target = rc == 0 && plan.nsteps == 0 && st->failed < 0;
		strata_plan_release(&plan);
		rc = 0;
	}
	strata_status_free(st);
	return rc;
}

/*
 * A tenant's upgrade on the worker's own connection to the tenants'
 * database (opened on first use, kept across tenants: connections stay
 * bounded by --parallel and each tenant saves a connect): search_path set
 * to the tenant, then the session runner, which is upgrade's (run lock on
 * the tenant's version table, one transaction per step with its
 * bookkeeping). After an error the connection is dropped, and the next
 * tenant opens a new one.
 */
static int tenant_upgrade(strata_db **db, const strata_config *tc, const strata_graph *g,
			  const strata_fleet_target *t, const char *target, size_t *done)
{
	db_open_options oo = DB_OPEN_OPTIONS_INIT;
	strata_run_options ro = STRATA_RUN_OPTIONS_INIT;
	strata_session *s = NULL;
	size_t n = strata_graph_count(g), before = 0, after = 0;
	const char *param[1] = { t->schema };
	int rc;

	*done = 0;
	oo.project_root = tc->root;
	if (!*db && (rc = strata__db_open(db, t->url, &oo)) < 0)
		return rc;
	if ((rc = strata__db_exec(*db, "SELECT pg_catalog.set_config('search_path', $1, false)", 1,
			  param)) < 0 ||
	    (rc = strata_session_open(&s, tc, g, *db, &ro)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++)
		before += strata_session_applied(s)[i] != 0;
	rc = strata_session_upgrade(s, target);
	for (size_t i = 0; i < n; i++)
		after += strata_session_applied(s)[i] != 0;
	*done = after > before ? after - before : 0;
done:
	strata_session_close(s);
	if (rc < 0) {
		strata_error saved = *strata_error_last();

		strata__db_close(*db);
		*db = NULL;
		strata_error_restore(&saved);
	}
	return rc;
}

int strata_fleet_plan_name(char **out, const strata_fleet_target *t)
{
	strata_buf b = STRATA_BUF_INIT;
	unsigned char digest[32];
	char hex[65];
	sha256_ctx c;
	size_t n = 0;

	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(t);

	*out = NULL;
	strata__sha256_init(&c);
	strata__sha256_update(&c, t->shown, strlen(t->shown));
	strata__sha256_final(&c, digest);
	strata__sha256_hex(digest, hex);
	for (const char *s = t->shown; *s && n < 80; s++, n++) {
		char ch = *s;

		if (!(isalnum((unsigned char)ch) || ch == '.' || ch == '-' || ch == '_'))
			ch = '_';
		/* no name starts with a dot: a hidden or a ".." file */
		if (n == 0 && ch == '.')
			ch = '_';
		if (ch == '_' && b.len && b.ptr[b.len - 1] == '_')
			continue; /* "://" and "****" read as one '_' */
		if (strata__buf_putn(&b, &ch, 1) < 0)
			break;
	}
	if (strata__buf_printf(&b, "-%.12s.plan.sql", hex) < 0 || !(*out = strata__buf_detach(&b))) {
		strata__buf_release(&b);
		return STRATA_ERROR;
	}
	return 0;
}

/* dir/NAME of the target's plan into t->plan_file. */
static int plan_path(strata_fleet_target *t, const char *dir)
{
	strata_buf path = STRATA_BUF_INIT;
	char *name = NULL;
	int rc;

	if ((rc = strata_fleet_plan_name(&name, t)) == 0 &&
	    (rc = strata__fs_join(&path, dir, name)) == 0 && !(t->plan_file = strata__buf_detach(&path)))
		rc = STRATA_ERROR;
	strata_free(name);
	strata__buf_release(&path);
	return rc;
}

/* plan: the target's reviewed plan, written to its file (t->applied: its steps). */
static int plan_target(strata_fleet_target *t, const strata_config *tc, const strata_graph *g,
		       const strata_fleet_options *o)
{
	strata_plan_options po = STRATA_PLAN_OPTIONS_INIT;
	strata_planfile *pf = NULL;
	char *text = NULL;
	int rc;

	po.target = o->target ? o->target : "heads";
	if ((rc = plan_path(t, o->plan_dir)) == 0 && (rc = strata_plan_create(&pf, tc, g, &po)) == 0 &&
	    (rc = strata_planfile_format(&text, pf)) == 0 &&
	    (rc = strata__fs_write_file(t->plan_file, text, strlen(text))) == 0)
		t->applied = pf->nsteps;
	strata_free(text);
	strata_planfile_free(pf);
	return rc;
}

/* The target's plan file, read and parsed. */
static int read_plan(strata_planfile **pf, strata_fleet_target *t, const char *dir)
{
	strata_buf text = STRATA_BUF_INIT;
	int rc;

	*pf = NULL;
	if (!t->plan_file && (rc = plan_path(t, dir)) < 0)
		return rc;
	if ((rc = strata__fs_read_file(&text, t->plan_file, 256u << 20)) == STRATA_ENOTFOUND) {
		strata_error_set(STRATA_ENOTFOUND, "no plan for this target: %s does not exist",
				 t->plan_file);
		strata_error_hint("write the plans with 'strata fleet NAME plan -o %s' first", dir);
	}
	if (rc == 0)
		rc = strata_planfile_parse(pf, text.ptr ? text.ptr : "", text.len, t->plan_file);
	strata__buf_release(&text);
	return rc;
}

/* apply: the target's plan, refused or run exactly as strata apply FILE does. */
static int apply_target(strata_fleet_target *t, const strata_config *tc, const strata_graph *g,
			const strata_fleet_options *o)
{
	strata_run_options dflt = STRATA_RUN_OPTIONS_INIT;
	strata_run_result res = { 0 };
	strata_planfile *pf = NULL;
	int rc;

	if ((rc = read_plan(&pf, t, o->plan_dir)) == 0)
		rc = strata_plan_apply(&res, tc, g, pf, t->plan_file, o->run ? o->run : &dflt);
	t->applied = res.done;
	strata_planfile_free(pf);
	return rc;
}

/* apply --resume: has the target every step of its plan already? */
static int plan_done(strata_fleet_target *t, const strata_config *tc, const strata_graph *g,
		     const char *dir)
{
	strata_planfile *pf = NULL;
	strata_status *st = NULL;
	size_t *steps = NULL;
	int done = 0;

	if (read_plan(&pf, t, dir) == 0 &&
	    (steps = strata_calloc(pf->nsteps ? pf->nsteps : 1, sizeof(size_t))) &&
	    strata_planfile_step_indexes(steps, pf, g) == 0 &&
	    strata_status_read(&st, tc, g, STRATA_STATUS_MISSING_OK) == 0) {
		done = 1;
		for (size_t i = 0; i < pf->nsteps; i++)
			done = done && st->applied[steps[i]];
	}
	strata_status_free(st);
	strata_free(steps);
	strata_planfile_free(pf);
	return done;
}

static void run_one(pool *p, strata_fleet_target *t, strata_db **conn)
{
	strata_buf db = STRATA_BUF_INIT, vt = STRATA_BUF_INIT, ht = STRATA_BUF_INIT;
	strata_run_options ro = STRATA_RUN_OPTIONS_INIT;
	strata_run_result res = { 0 };
	strata_config tc;
	double t0 = strata__now_ms();
	int rc;

	strata_error_clear();
	if (p->checking) {
		int at = 0;

		/* One that cannot be read is run, and its run reports why. */
		if (target_config(&tc, &db, &vt, &ht, p->cfg, t) == 0 &&
		    (p->o->action == STRATA_FLEET_APPLY ? (at = plan_done(t, &tc, p->g, p->o->plan_dir))
			: read_target(t, &tc, p->g, p->o->target, &at) == 0) && at)
			t->outcome = STRATA_FLEET_UP_TO_DATE;
		strata_error_clear();
		t->applied = 0;
		goto done;
	}
	if ((rc = target_config(&tc, &db, &vt, &ht, p->cfg, t)) == 0) {
		if (p->o->action == STRATA_FLEET_STATUS) {
			rc = read_target(t, &tc, p->g, NULL, NULL);
			t->outcome = t->pending ? STRATA_FLEET_PENDING : STRATA_FLEET_UP_TO_DATE;
		} else if (p->o->action == STRATA_FLEET_PLAN) {
			rc = plan_target(t, &tc, p->g, p->o);
			t->outcome = STRATA_FLEET_PLANNED;
		} else if (p->o->action == STRATA_FLEET_APPLY) {
			rc = apply_target(t, &tc, p->g, p->o);
			t->outcome = t->applied ? STRATA_FLEET_APPLIED : STRATA_FLEET_UP_TO_DATE;
		} else if (p->o->action == STRATA_FLEET_DRIFT) {
			size_t heads;

			rc = strata_drift_count(&t->ndiff, &heads, &tc, p->g);
			t->outcome = t->ndiff ? STRATA_FLEET_DRIFTED : STRATA_FLEET_NO_DRIFT;
		} else if (t->schema) {
			rc = tenant_upgrade(conn, &tc, p->g, t, p->o->target ? p->o->target : "heads",
					    &res.done);
			t->applied = res.done;
			t->outcome = res.done ? STRATA_FLEET_APPLIED : STRATA_FLEET_UP_TO_DATE;
		} else {
			ro.target = p->o->target ? p->o->target : "heads";
			rc = strata_upgrade(&res, &tc, p->g, &ro);
			t->applied = res.done;
			t->outcome = res.done ? STRATA_FLEET_APPLIED : STRATA_FLEET_UP_TO_DATE;
		}
	}
	if (rc < 0) {
		t->outcome = STRATA_FLEET_FAILED;
		t->error = strata_strdup(strata_error_last()->message);
	}
	t->ms = strata__now_ms() - t0;
done:
	strata__buf_release(&db);
	strata__buf_release(&vt);
	strata__buf_release(&ht);
}

static void report_progress(pool *p)
{
	strata_fleet_progress pr;

	if (!p->o->progress)
		return;
	pr.total = p->norder;
	pr.done = p->done;
	pr.failed = p->failed;
	pr.running = p->running;
	pr.elapsed_ms = strata__now_ms() - p->t0;
	p->o->progress(p->o->payload, &pr);
}

static void *worker(void *arg)
{
	pool *p = arg;
	strata_db *db = NULL; /* tenants: this worker's connection */

	for (;;) {
		strata_fleet_target *t;

		pthread_mutex_lock(&p->mu);
		if (p->stop || p->next >= p->norder ||
		    (p->max_failures >= 0 && p->failed > (size_t)p->max_failures)) {
			pthread_mutex_unlock(&p->mu);
			strata__db_close(db);
			return NULL;
		}
		t = &p->f->targets[p->order[p->next++]];
		p->running++;
		report_progress(p);
		pthread_mutex_unlock(&p->mu);

		run_one(p, t, &db);

		pthread_mutex_lock(&p->mu);
		p->running--;
		p->done++;
		if (t->outcome == STRATA_FLEET_FAILED) {
			p->failed++;
			if (t->canary)
				p->stop = 1;
		}
		report_progress(p);
		pthread_mutex_unlock(&p->mu);
	}
}

/* Run order[0..n) on up to parallel threads; returns when all started ones ended. */
static int run_pool(pool *p, const size_t *order, size_t n, int parallel)
{
	pthread_t threads[MAX_PARALLEL];
	int started = 0;

	p->order = order;
	p->norder = n;
	p->next = p->done = p->failed = p->running = 0;
	if (parallel > (int)n)
		parallel = (int)n;
	for (int i = 0; i < parallel; i++) {
		if (pthread_create(&threads[i], NULL, worker, p) != 0)
			break;
		started++;
	}
	if (!started && n)
		worker(p);
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	return 0;
}

int strata_fleet_run(strata_fleet *f, const strata_config *cfg, const strata_graph *g,
		     const strata_fleet_options *o)
{
	STRATA_ASSERT_ARG(f);
	STRATA_ASSERT_ARG(cfg);
	STRATA_ASSERT_ARG(g);

	pool p;
	size_t *order = strata_calloc(f->n ? f->n : 1, sizeof(size_t)), n = 0, ncanary;
	int parallel = o->parallel > 0 ? o->parallel : f->parallel, canary, total_failed = 0, rc = 0;

	if (!order)
		return STRATA_ERROR;
	if (parallel > MAX_PARALLEL)
		parallel = MAX_PARALLEL;
	canary = o->canary >= 0 ? o->canary : f->canary;
	memset(&p, 0, sizeof(p));
	p.f = f;
	p.cfg = cfg;
	p.g = g;
	p.o = o;
	p.max_failures = o->max_failures >= -1 ? o->max_failures : f->max_failures;
	p.t0 = strata__now_ms();
	pthread_mutex_init(&p.mu, NULL);
	for (size_t i = 0; i < f->n; i++) {
		strata_fleet_target *t = &f->targets[i];

		t->outcome = STRATA_FLEET_NOT_STARTED;
		t->canary = 0;
		t->applied = t->pending = 0;
		t->ms = 0;
		t->ndiff = 0;
		strata_free(t->error);
		t->error = NULL;
		strata_free(t->plan_file);
		t->plan_file = NULL;
	}

	/* --resume: read every target first; those at the target are done already. */
	for (size_t i = 0; i < f->n; i++)
		order[i] = i;
	if (o->resume && (o->action == STRATA_FLEET_UPGRADE || o->action == STRATA_FLEET_APPLY)) {
		pool rp = p;

		pthread_mutex_init(&rp.mu, NULL);
		rp.checking = 1;
		run_pool(&rp, order, f->n, parallel);
		pthread_mutex_destroy(&rp.mu);
		for (size_t i = 0; i < f->n; i++)
			if (f->targets[i].outcome != STRATA_FLEET_UP_TO_DATE)
				order[n++] = i;
	} else {
		n = f->n;
	}

	/* Canaries first, alone; the rest only when none failed. */
	ncanary = canary > 0 ? ((size_t)canary < n ? (size_t)canary : n) : 0;
	for (size_t i = 0; i < ncanary; i++)
		f->targets[order[i]].canary = 1;
	if (ncanary) {
		run_pool(&p, order, ncanary, parallel);
		total_failed += (int)p.failed;
	}
	if (!p.stop && n > ncanary &&
	    (p.max_failures < 0 || (size_t)total_failed <= (size_t)p.max_failures)) {
		if (p.max_failures >= 0)
			p.max_failures -= total_failed;
		run_pool(&p, order + ncanary, n - ncanary, parallel);
		total_failed += (int)p.failed;
	}
	pthread_mutex_destroy(&p.mu);
	strata_free(order);
	for (size_t i = 0; i < f->n; i++)
		if (f->targets[i].outcome == STRATA_FLEET_FAILED ||
		    f->targets[i].outcome == STRATA_FLEET_NOT_STARTED)
			rc = STRATA_ECHECK;
	if (rc == 0 && o->action == STRATA_FLEET_DRIFT) {
		size_t drifted = 0;

		for (size_t i = 0; i < f->n; i++)
			drifted += f->targets[i].outcome == STRATA_FLEET_DRIFTED;
		if (drifted) {
			strata_error_set(STRATA_ECHECK, "fleet %s: %zu target(s) drifted", f->name,
					 drifted);
			strata_error_hint("'strata -d URL drift' on one shows its differences and, with "
					  "--sql, the SQL that brings it back");
			return STRATA_ECHECK;
		}
	}
	if (rc == STRATA_ECHECK) {
		strata_error_set(STRATA_ECHECK, "fleet %s: %d target(s) failed", f->name, total_failed);
		strata_error_hint("the report names each target and its error; fix them and run again "
				  "with --resume");
	}
	return rc;
}
