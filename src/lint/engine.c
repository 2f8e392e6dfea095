/*
 * lint/engine.c - the lint engine: statements in, findings out.
 *
 * Layer: lint. For each file (a plain SQL file, or a migration's up
 * section) the text is parsed with libpg_query through db/sqlparse.c, in
 * one call when it parses as a whole; otherwise it is split first
 * (strata__db_split: psql COPY data, the exact error position) and each statement
 * parsed alone. Every statement goes through every rule family
 * (lint.h), then strata__lint_track() records what it created for later ones.
 *
 * Bodies (lint_body): the SQL statements inside a PostgreSQL CREATE
 * FUNCTION / PROCEDURE (LANGUAGE plpgsql or sql) or DO block come from
 * strata__sqlparse_body_statements() and go through lint_statement() like the
 * file's own, their messages prefixed "in function f(): " or "in DO
 * block: ". What runs them decides what applies:
 *  - A DO block runs with the migration: its statements are linted as the
 *    file's statements are, in the file's context (a table it creates is
 *    new to what follows; a SET lock_timeout in it counts).
 *  - A function body runs when the function is called, after the
 *    migration: its statements are linted for what they do (data changes,
 *    drops, renames, locks, types) in an empty context of their own (what
 *    the migration created holds rows by then), and nothing they create
 *    is new to the file. The rules about the file as a script do not
 *    apply: BEGIN/COMMIT nesting (SL401, SL402), the file's timeouts
 *    (SL115, SL116) and re-running a failed migration (SL403).
 *  - CONCURRENTLY cannot run in either (SL103): both run in a transaction.
 *  - A statement under IF or CASE, or in a block with an EXCEPTION clause,
 *    is made re-runnable by its condition: SL403 leaves it alone.
 *  - A body libpg_query cannot read (PostgreSQL checks it at CREATE time)
 *    is skipped and counted (strata_lint_report_bodies_skipped), never an
 *    error. Dynamic SQL (EXECUTE of anything but one string literal) and
 *    other languages are not read.
 *
 * Invariants:
 *  1. Offsets given to strata__lint_emit() index f->sql; f->base + offset indexes
 *     the file's text, so every finding maps to the file's line and column.
 *  2. A finding is dropped when its rule is off (settings), does not apply
 *     to the engine, or a "-- strata:ignore RULE" comment sits in the
 *     comment lines directly above its statement or its own line.
 *  3. The range context (tables and indexes created: new) lives in the
 *     report until strata_lint_report_new_range(); the history (checks
 *     added NOT VALID, their validation, NOT NULL columns they prove, the
 *     tables revisions created: "known", for drift) until
 *     strata_lint_report_new_history(), across ranges and through learned
 *     revisions (strata_lint_learn_migration: findings dropped, nothing
 *     counted, nothing new); per-file state (BEGIN depth, timeouts) lives
 *     in lint_file and dies with the file.
 *  4. Findings of one file are sorted by line, column and rule id.
 *  5. The library never prints: syntax errors are STRATA_EPARSE with
 *     "path:line:col: message".
 *  6. A body statement whose text is the file's (sqlparse placed it there)
 *     maps as in invariant 1; any other is pinned to its line, or to the
 *     statement holding the body. A "strata:ignore" comment above the
 *     CREATE FUNCTION or DO statement also drops the findings inside it.
 *     A function body's context is swapped out for an empty one and back
 *     (swap_context), so nothing of it outlives the body.
 */
#include "lint/lint.h"
#include "core/batch.h"
#include "db/db.h"
#include "db/sqlparse.h"
#include "db/sqlscan.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/buf.h"
#include "util/fs.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct strata_lint_report {
	strata_lint_finding *v;
	size_t n, cap;
	char **strings; /* owned strings: paths and map keys */
	size_t nstrings, strings_cap;
	size_t statements, files, suppressed, bodies_skipped;
	/* Range context and history (invariant 3). Keys are lower-case
	 * "schema.name" or "name"; NOT VALID constraints map to their notnull
	 * column or "". */
	strata_map tables, indexes;     /* range: new */
	strata_map columns;             /* range: "table/column" added to an older table */
	strata_map checks, foreign, notnull_ok; /* history */
	strata_map known;               /* history: tables revisions created (1) or dropped (2) */
	strata_map table_columns;       /* history: table -> its column names, lower-case,
					 * each ended by '\x1f' (when its CREATE TABLE was read) */
	int learning;                   /* strata_lint_learn_migration() is reading */
};

/* ---- report ----------------------------------------------------------- */

int strata_lint_report_new(strata_lint_report **out)
{
	*out = strata_calloc(1, sizeof(**out));
	return *out ? 0 : STRATA_ERROR;
}

void strata_lint_report_new_range(strata_lint_report *r)
{
	strata__map_release(&r->tables);
	strata__map_release(&r->indexes);
	strata__map_release(&r->columns);
}

void strata_lint_report_new_history(strata_lint_report *r)
{
	strata_lint_report_new_range(r);
	strata__map_release(&r->checks);
	strata__map_release(&r->foreign);
	strata__map_release(&r->notnull_ok);
	strata__map_release(&r->known);
	strata__map_release(&r->table_columns);
}

void strata_lint_report_free(strata_lint_report *r)
{
	size_t i;

	if (!r)
		return;
	strata_lint_report_new_history(r);
	for (i = 0; i < r->n; i++)
		strata_free(r->v[i].message);
	for (i = 0; i < r->nstrings; i++)
		strata_free(r->strings[i]);
	strata_free(r->strings);
	strata_free(r->v);
	strata_free(r);
}

size_t strata_lint_report_count(const strata_lint_report *r) { return r->n; }
const strata_lint_finding *strata_lint_report_at(const strata_lint_report *r, size_t i) { return &r->v[i]; }
size_t strata_lint_report_statements(const strata_lint_report *r) { return r->statements; }
size_t strata_lint_report_files(const strata_lint_report *r) { return r->files; }
size_t strata_lint_report_suppressed(const strata_lint_report *r) { return r->suppressed; }
size_t strata_lint_report_bodies_skipped(const strata_lint_report *r) { return r->bodies_skipped; }

size_t strata_lint_report_errors(const strata_lint_report *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->n; i++)
		n += r->v[i].severity == STRATA_LINT_ERROR;
	return n;
}

/* Keep s (taken) in the report; returns it, or NULL when out of memory. */
static char *keep(strata_lint_report *r, char *s)
{
	void *v = r->strings;

	if (!s)
		return NULL;
	if (strata_grow(&v, &r->strings_cap, r->nstrings + 1, sizeof(char *)) < 0) {
		strata_free(s);
		return NULL;
	}
	r->strings = v;
	r->strings[r->nstrings++] = s;
	return s;
}

/* ---- positions -------------------------------------------------------- */

static int index_lines(lint_file *f)
{
	size_t i, n = 1;
	void *v = NULL;
	size_t cap = 0;

	for (i = 0; i < f->text_len; i++)
		n += f->text[i] == '\n';
	if (strata_grow(&v, &cap, n, sizeof(size_t)) < 0)
		return STRATA_ERROR;
	f->line_starts = v;
	f->line_starts[0] = 0;
	f->nlines = 1;
	for (i = 0; i < f->text_len; i++)
		if (f->text[i] == '\n')
			f->line_starts[f->nlines++] = i + 1;
	return 0;
}

/* 1-based line and character column of a file offset. */
static void position(const lint_file *f, size_t off, int *line, int *col)
{
	size_t lo = 0, hi = f->nlines, i;
	int c = 1;

	if (off > f->text_len)
		off = f->text_len;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (f->line_starts[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	for (i = f->line_starts[lo]; i < off; i++)
		if (((unsigned char)f->text[i] & 0xc0) != 0x80)
			c++;
	*line = (int)lo + 1;
	*col = c;
}

/* Line `no` (1-based) without its end of line, trimmed; len 0 when out of range. */
static const char *line_text(const lint_file *f, int no, size_t *len)
{
	size_t s, e;

	*len = 0;
	if (no < 1 || (size_t)no > f->nlines)
		return "";
	s = f->line_starts[no - 1];
	e = (size_t)no < f->nlines ? f->line_starts[no] : f->text_len;
	while (s < e && isspace((unsigned char)f->text[s]))
		s++;
	while (e > s && isspace((unsigned char)f->text[e - 1]))
		e--;
	*len = e - s;
	return f->text + s;
}

static int is_comment_line(const char *t, size_t n)
{
	return n >= 2 && t[0] == '-' && t[1] == '-';
}

/* 1 if the comment line t[0..n) is "-- strata:ignore ..." naming rule. */
static int ignores(const char *t, size_t n, const strata_lint_rule *rule)
{
	static const char tag[] = "strata:ignore";
	size_t i = 2;

	while (i < n && (t[i] == ' ' || t[i] == '\t'))
		i++;
	if (n - i < sizeof(tag) - 1 || strncasecmp(t + i, tag, sizeof(tag) - 1) != 0)
		return 0;
	i += sizeof(tag) - 1;
	/* Rule ids or names, separated by blanks or commas; the reason follows. */
	for (;;) {
		char word[80];
		size_t w = 0;

		while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == ','))
			i++;
		while (i < n && t[i] != ' ' && t[i] != '\t' && t[i] != ',' && w + 1 < sizeof(word))
			word[w++] = t[i++];
		word[w] = '\0';
		if (!w || !strata_lint_rule_find(word))
			return 0;
		if (strcasecmp(word, rule->id) == 0 || strcasecmp(word, rule->name) == 0)
			return 1;
	}
}

/* The comment lines directly above line `no`: does one ignore rule? */
static int ignored_above(const lint_file *f, int no, const strata_lint_rule *rule)
{
	int l;

	for (l = no - 1; l >= 1; l--) {
		size_t n;
		const char *t = line_text(f, l, &n);

		if (!is_comment_line(t, n))
			return 0;
		if (ignores(t, n, rule))
			return 1;
	}
	return 0;
}

/* A comment above the statement's line, above the finding's own line, or
 * above the statement each enclosing body is in ignores rule. */
static int suppressed(const lint_file *f, int line, int stmt_line, const strata_lint_rule *rule)
{
	const lint_file *o;

	if (ignored_above(f, stmt_line, rule) || (line != stmt_line && ignored_above(f, line, rule)))
		return 1;
	for (o = f->outer; o; o = o->outer) {
		int outer_line, col;

		position(f, strata__lint_stmt_offset(o), &outer_line, &col);
		if (ignored_above(f, outer_line, rule))
			return 1;
	}
	return 0;
}

/* ---- findings --------------------------------------------------------- */

static strata_lint_severity rule_severity(const lint_file *f, lint_rule_no rule)
{
	const strata_lint_settings *s = f->o ? f->o->settings : NULL;

	if (s && s->severity[rule] >= 0)
		return (strata_lint_severity)s->severity[rule];
	return strata__lint_rule(rule)->severity;
}

/*
 * How fast a server gets through a table while it holds the lock, for the
 * estimate on large tables: order-of-magnitude figures for one server on
 * SSD storage (a validation scan reads; an index build reads and sorts; a
 * rewrite writes the table, its indexes and their WAL). The message
 * states the rate it assumed, so a reader can scale it to their hardware.
 */
#define LINT_SCAN_MB_PER_S 200
#define LINT_BUILD_MB_PER_S 50
#define LINT_REWRITE_MB_PER_S 30

/* n with thousands separators ("12,345,678"). */
static void put_count(strata_buf *b, long long n)
{
	char digits[32];
	size_t len, i;

	len = (size_t)snprintf(digits, sizeof(digits), "%lld", n < 0 ? 0 : n);
	for (i = 0; i < len; i++) {
		strata__buf_putc(b, digits[i]);
		if (i + 1 < len && (len - i - 1) % 3 == 0)
			strata__buf_putc(b, ',');
	}
}

static void put_bytes(strata_buf *b, long long bytes)
{
	if (bytes >= 1024LL * 1024 * 1024)
		strata__buf_printf(b, "%.1f GB", (double)bytes / (1024.0 * 1024 * 1024));
	else
		strata__buf_printf(b, "%lld MB", (bytes + 1024 * 1024 - 1) / (1024 * 1024));
}

static void put_duration(strata_buf *b, double seconds)
{
	if (seconds < 120)
		strata__buf_printf(b, "%.0f s", seconds < 1 ? 1 : seconds);
	else if (seconds < 3600)
		strata__buf_printf(b, "%.0f min", seconds / 60);
	else
		strata__buf_printf(b, "%.1f h", seconds / 3600);
}

/* "; <what> for roughly N s (SIZE at M MB/s)" for a large table. */
static void put_estimate(strata_buf *b, lint_hold hold, const strata_lint_table_size *sz)
{
	long long bytes = hold == LINT_HOLD_REWRITE || hold == LINT_HOLD_ROWS
			  ? sz->table_bytes + (sz->index_bytes > 0 ? sz->index_bytes : 0) : sz->table_bytes;
	int rate = hold == LINT_HOLD_SCAN ? LINT_SCAN_MB_PER_S : hold == LINT_HOLD_BUILD
		   ? LINT_BUILD_MB_PER_S : LINT_REWRITE_MB_PER_S;
	const char *what = hold == LINT_HOLD_SCAN ? "the scan holds the lock"
			   : hold == LINT_HOLD_BUILD ? "the build blocks writes"
			   : hold == LINT_HOLD_ROWS ? "changing every row holds its row locks"
			   : "the rewrite holds the lock";

	if (hold == LINT_HOLD_LOCK || sz->table_bytes <= 0)
		return;
	strata__buf_printf(b, "; %s for roughly ", what);
	put_duration(b, (double)bytes / (rate * 1024.0 * 1024.0));
	strata__buf_puts(b, " (");
	put_bytes(b, bytes);
	strata__buf_printf(b, " at %d MB/s)", rate);
}

/*
 * What the live database and the history add to a locking finding on rel:
 * a small table makes it a warning, a large one gets its size and an
 * estimate of the hold, and a live table that no revision before this one
 * created (with the history complete from base) is named as possible
 * drift. Tables created in the range are new and empty: the live database
 * is not asked about them (a same-named live table would be drift the
 * pending CREATE TABLE itself runs into).
 */
static void live_context(lint_file *f, lint_rule_no rule, const PgQuery__RangeVar *rel,
			 strata_lint_severity *sev, strata_buf *msg)
{
	const strata_lint_settings *s = f->o->settings;
	long small = s ? s->small_table_rows : 10000, large = s ? s->large_table_rows : 1000000;
	strata_lint_table_size sz;
	int drift;

	if (!f->o->table_size || strata__lint_table_is_new(f, rel) ||
	    f->o->table_size(f->o->payload, rel->schemaname && *rel->schemaname ? rel->schemaname
			     : NULL, rel->relname, &sz) != 0)
		return;
	drift = f->o->history_from_base && !strata__lint_table_known(f, rel);
	if (sz.rows >= 0 && sz.rows < small) {
		if (*sev == STRATA_LINT_ERROR)
			*sev = STRATA_LINT_WARNING;
		strata__buf_printf(msg, " (small table: about %ld rows", sz.rows);
	} else if (sz.rows >= 0 && sz.rows >= large) {
		strata__buf_puts(msg, " (large table: about ");
		put_count(msg, sz.rows);
		strata__buf_puts(msg, " rows");
		if (sz.table_bytes > 0) {
			strata__buf_puts(msg, ", ");
			put_bytes(msg, sz.table_bytes);
		}
		put_estimate(msg, strata__lint_rule_hold(rule), &sz);
	} else if (sz.rows >= 0) {
		strata__buf_printf(msg, " (about %ld rows", sz.rows);
	} else if (!drift) {
		return;
	} else {
		strata__buf_puts(msg, " (");
	}
	if (drift)
		strata__buf_printf(msg, "%spossible drift: %s is on the database but no revision before this "
			   "one creates it", sz.rows >= 0 ? "; " : "", strata__lint_rel_name(rel));
	strata__buf_putc(msg, ')');
}

void strata__lint_emit(lint_file *f, lint_rule_no rule, int location, const PgQuery__RangeVar *rel,
	       const char *fmt, ...)
{
	const strata_lint_rule *def = strata__lint_rule(rule);
	strata_lint_severity sev = rule_severity(f, rule);
	strata_buf msg = STRATA_BUF_INIT;
	strata_lint_finding *fd;
	size_t at, stmt_at;
	int line, col, stmt_line, stmt_col;
	va_list ap;
	void *v;

	if (f->r->learning || sev == STRATA_LINT_OFF || !(def->engines & f->engine))
		return;
	at = f->pinned ? f->pinned_at
	     : f->base + (location >= 0 && (size_t)location >= f->stmt_start &&
			  (size_t)location < f->stmt_end ? (size_t)location : f->stmt_start);
	stmt_at = strata__lint_stmt_offset(f);
	position(f, at, &line, &col);
	position(f, stmt_at, &stmt_line, &stmt_col);
	if (suppressed(f, line, stmt_line, def)) {
		f->r->suppressed++;
		return;
	}
	if (f->in_down)
		strata__buf_puts(&msg, "down section: ");
	strata__buf_puts(&msg, f->label);
	va_start(ap, fmt);
	strata__buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (rel && rel->relname && f->o && strata__lint_rule_hold(rule) != LINT_HOLD_NONE)
		live_context(f, rule, rel, &sev, &msg);
	v = f->r->v;
	if (!msg.ptr || strata__buf_oom(&msg) || strata_grow(&v, &f->r->cap, f->r->n + 1, sizeof(*fd)) < 0) {
		strata__buf_release(&msg);
		return; /* out of memory: the finding is lost, never the process */
	}
	f->r->v = v;
	fd = &f->r->v[f->r->n++];
	fd->rule = def;
	fd->severity = sev;
	fd->path = f->path;
	fd->line = line;
	fd->col = col;
	fd->message = strata__buf_detach(&msg);
}

static int finding_cmp(const void *a, const void *b)
{
	const strata_lint_finding *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return strcmp(x->rule->id, y->rule->id);
}

/* ---- tree helpers ----------------------------------------------------- */

const char *strata__lint_str(const PgQuery__Node *n)
{
	return n && n->node_case == PG_QUERY__NODE__NODE_STRING && n->string ? n->string->sval : NULL;
}

const char *strata__lint_type_last(const PgQuery__TypeName *t)
{
	if (!t || !t->n_names)
		return "";
	return strata__lint_str(t->names[t->n_names - 1]) ? strata__lint_str(t->names[t->n_names - 1]) : "";
}

const char *strata__lint_rel_name(const PgQuery__RangeVar *rel)
{
	static _Thread_local char name[300];

	if (!rel || !rel->relname)
		return "?";
	if (rel->schemaname && *rel->schemaname)
		snprintf(name, sizeof(name), "%s.%s", rel->schemaname, rel->relname);
	else
		snprintf(name, sizeof(name), "%s", rel->relname);
	return name;
}

int strata__lint_is_constant(const PgQuery__Node *n)
{
	size_t i;

	if (!n)
		return 1;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_A_CONST:
	case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION:
		return 1;
	case PG_QUERY__NODE__NODE_TYPE_CAST:
		return strata__lint_is_constant(n->type_cast->arg);
	case PG_QUERY__NODE__NODE_A_EXPR:
		return strata__lint_is_constant(n->a_expr->lexpr) && strata__lint_is_constant(n->a_expr->rexpr);
	case PG_QUERY__NODE__NODE_A_ARRAY_EXPR:
		for (i = 0; i < n->a_array_expr->n_elements; i++)
			if (!strata__lint_is_constant(n->a_array_expr->elements[i]))
				return 0;
		return 1;
	default:
		return 0;
	}
}

int strata__lint_has_option(PgQuery__Node **opts, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const PgQuery__DefElem *d;

		if (opts[i]->node_case != PG_QUERY__NODE__NODE_DEF_ELEM)
			continue;
		d = opts[i]->def_elem;
		if (!d->defname || strcasecmp(d->defname, name) != 0)
			continue;
		if (d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_BOOLEAN && d->arg->boolean)
			return d->arg->boolean->boolval;
		if (d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_A_CONST &&
		    d->arg->a_const->val_case == PG_QUERY__A__CONST__VAL_BOOLVAL)
			return d->arg->a_const->boolval->boolval;
		return 1;
	}
	return 0;
}

/* ---- range context ---------------------------------------------------- */

/* Lower-case "schema.name" (schema "public" and none are the same). */
static void object_key(char *out, size_t size, const char *schema, const char *name)
{
	size_t i;

	if (schema && *schema && strcasecmp(schema, "public") != 0)
		snprintf(out, size, "%s.%s", schema, name ? name : "");
	else
		snprintf(out, size, "%s", name ? name : "");
	for (i = 0; out[i]; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
}

static void put(lint_file *f, strata_map *m, const char *key, void *value)
{
	char *k;

	if (strata__map_has(m, key)) { /* the map keeps its own copy of the key: replace the value */
		strata__map_put(m, key, value);
		return;
	}
	if ((k = keep(f->r, strata_strdup(key))))
		strata__map_put(m, k, value);
}

int strata__lint_table_is_new(const lint_file *f, const PgQuery__RangeVar *rel)
{
	char key[300];

	if (!rel)
		return 0;
	object_key(key, sizeof(key), rel->schemaname, rel->relname);
	return strata__map_has(&f->r->tables, key) || (f->in_down && strata__map_has(&f->down_tables, key));
}

/* The tables map holds TABLE_NEW, or TABLE_TEMPORARY for CREATE TEMP TABLE. */
#define TABLE_NEW ((void *)1)
#define TABLE_TEMPORARY ((void *)2)

int strata__lint_table_is_temporary(const lint_file *f, const PgQuery__RangeVar *rel)
{
	char key[300];

	if (!rel)
		return 0;
	object_key(key, sizeof(key), rel->schemaname, rel->relname);
	return strata__map_get(&f->r->tables, key) == TABLE_TEMPORARY;
}

int strata__lint_table_known(const lint_file *f, const PgQuery__RangeVar *rel)
{
	char key[300];

	if (!rel)
		return 0;
	object_key(key, sizeof(key), rel->schemaname, rel->relname);
	return strata__map_get(&f->r->known, key) == (void *)1;
}

/* The history's record of table rel: created (1) or dropped (2). */
static void table_known(lint_file *f, const PgQuery__RangeVar *rel, const char *name, long state)
{
	char key[300];

	if (!rel || !name || f->in_down || f->scope == LINT_IN_FUNCTION)
		return;
	object_key(key, sizeof(key), rel->schemaname, name);
	put(f, &f->r->known, key, (void *)state);
}

void strata__lint_table_created(lint_file *f, const PgQuery__RangeVar *rel)
{
	char key[300];

	if (!rel || !rel->relname)
		return;
	table_known(f, rel, rel->relname, 1);
	if (f->r->learning)
		return;
	object_key(key, sizeof(key), rel->schemaname, rel->relname);
	if (f->in_down) { /* new for the rest of this down only */
		put(f, &f->down_tables, key, TABLE_NEW);
		return;
	}
	put(f, &f->r->tables, key, rel->relpersistence && rel->relpersistence[0] == 't'
				   ? TABLE_TEMPORARY : TABLE_NEW);
}

void strata__lint_table_renamed(lint_file *f, const PgQuery__RangeVar *rel, const char *newname)
{
	char key[300];

	if (!rel || !newname)
		return;
	if (strata__lint_table_known(f, rel)) {
		table_known(f, rel, rel->relname, 2);
		table_known(f, rel, newname, 1);
	}
	if (!strata__lint_table_is_new(f, rel) || f->in_down)
		return;
	object_key(key, sizeof(key), rel->schemaname, newname);
	put(f, &f->r->tables, key, TABLE_NEW);
}

int strata__lint_index_is_new(const lint_file *f, const char *schema, const char *name)
{
	char key[300];

	object_key(key, sizeof(key), schema, name);
	return strata__map_has(&f->r->indexes, key);
}

void strata__lint_index_created(lint_file *f, const char *schema, const char *name)
{
	char key[300];

	if (!name || f->r->learning || f->in_down)
		return;
	object_key(key, sizeof(key), schema, name);
	put(f, &f->r->indexes, key, (void *)1);
}

void strata__lint_index_dropped_here(lint_file *f, const char *name)
{
	char key[300];

	if (!name)
		return;
	object_key(key, sizeof(key), NULL, name);
	put(f, &f->dropped_here, key, (void *)1);
}

int strata__lint_index_was_dropped_here(const lint_file *f, const char *name)
{
	char key[300];

	if (!name)
		return 0;
	object_key(key, sizeof(key), NULL, name);
	return strata__map_has(&f->dropped_here, key);
}

/* "table/constraint" keys; a constraint name is unique per table. */
static void constraint_key(char *out, size_t size, const PgQuery__RangeVar *rel, const char *con)
{
	char t[300];

	object_key(t, sizeof(t), rel ? rel->schemaname : NULL, rel ? rel->relname : NULL);
	snprintf(out, size, "%s/%s", t, con ? con : "");
}

int strata__lint_column_is_new(const lint_file *f, const PgQuery__RangeVar *rel, const char *col)
{
	char key[700];

	if (strata__lint_table_is_new(f, rel))
		return 1;
	constraint_key(key, sizeof(key), rel, col);
	return col && strata__map_has(&f->r->columns, key);
}

static void column_added(lint_file *f, const PgQuery__RangeVar *rel, const char *col)
{
	char key[700];

	if (!rel || !col || f->r->learning || f->in_down || strata__lint_table_is_new(f, rel))
		return;
	constraint_key(key, sizeof(key), rel, col);
	put(f, &f->r->columns, key, (void *)1);
}

void strata__lint_constraint_dropped_here(lint_file *f, const PgQuery__RangeVar *rel, const char *conname)
{
	char key[700];

	if (!conname || !*conname)
		return;
	constraint_key(key, sizeof(key), rel, conname);
	put(f, &f->dropped_here, key, (void *)1);
}

int strata__lint_constraint_was_dropped_here(const lint_file *f, const PgQuery__RangeVar *rel,
				     const char *conname)
{
	char key[700];

	constraint_key(key, sizeof(key), rel, conname);
	return strata__map_has(&f->dropped_here, key);
}

void strata__lint_check_added(lint_file *f, const PgQuery__RangeVar *rel, const char *conname,
		      const char *notnull_col, int foreign)
{
	char key[700];
	char *col;

	if (!conname)
		return;
	constraint_key(key, sizeof(key), rel, conname);
	put(f, &f->added_here, key, (void *)(long)(foreign ? 2 : 1));
	if (f->in_down)
		return;
	col = keep(f->r, strata_strdup(notnull_col ? notnull_col : ""));
	if (!col)
		return;
	put(f, &f->r->checks, key, col);
	put(f, &f->r->foreign, key, (void *)(long)(foreign ? 2 : 1));
}

int strata__lint_added_in_file(const lint_file *f, const PgQuery__RangeVar *rel, const char *conname)
{
	char key[700];

	constraint_key(key, sizeof(key), rel, conname);
	return strata__map_has(&f->added_here, key);
}

int strata__lint_check_validated(lint_file *f, const PgQuery__RangeVar *rel, const char *conname,
			 int *foreign)
{
	char key[700], col_key[700];
	const char *col;
	void *kind;

	constraint_key(key, sizeof(key), rel, conname);
	if (f->in_down) { /* the history is frozen: only this down's own adds count */
		kind = strata__map_get(&f->added_here, key);
		*foreign = kind == (void *)2;
		return kind != NULL;
	}
	col = strata__map_get(&f->r->checks, key);
	kind = strata__map_get(&f->r->foreign, key);
	*foreign = kind == (void *)2;
	if (!col)
		return 0;
	if (*col) {
		constraint_key(col_key, sizeof(col_key), rel, col);
		put(f, &f->r->notnull_ok, col_key, (void *)1);
	}
	return 1;
}

int strata__lint_notnull_validated(const lint_file *f, const PgQuery__RangeVar *rel, const char *col)
{
	char key[700];

	constraint_key(key, sizeof(key), rel, col);
	return strata__map_has(&f->r->notnull_ok, key);
}

void strata__lint_table_columns_set(lint_file *f, const PgQuery__RangeVar *rel, const char *columns)
{
	char key[300];
	char *value = NULL;

	if (!rel || !rel->relname || f->in_down || f->scope == LINT_IN_FUNCTION)
		return;
	object_key(key, sizeof(key), rel->schemaname, rel->relname);
	if (columns && !(value = keep(f->r, strata_strdup(columns))))
		return;
	put(f, &f->r->table_columns, key, value);
}

const char *strata__lint_table_columns(const lint_file *f, const PgQuery__RangeVar *rel)
{
	char key[300];

	if (!rel || !rel->relname)
		return NULL;
	object_key(key, sizeof(key), rel->schemaname, rel->relname);
	return strata__map_get(&f->r->table_columns, key);
}

void strata__lint_rows_copied(lint_file *f, const PgQuery__RangeVar *from, const char *columns)
{
	char key[300];
	char *value;

	if (!from || !from->relname || !(value = keep(f->r, strata_strdup(columns ? columns : ""))))
		return;
	object_key(key, sizeof(key), from->schemaname, from->relname);
	put(f, &f->copied_here, key, value);
}

const char *strata__lint_rows_copied_from(const lint_file *f, const PgQuery__RangeVar *rel)
{
	char key[300];

	if (!rel || !rel->relname)
		return NULL;
	object_key(key, sizeof(key), rel->schemaname, rel->relname);
	return strata__map_get(&f->copied_here, key);
}

void strata__lint_schema_created(lint_file *f, const char *name)
{
	char key[300];

	if (!name || f->in_down || f->scope == LINT_IN_FUNCTION)
		return;
	object_key(key, sizeof(key), NULL, name);
	put(f, &f->schemas_here, key, (void *)1);
}

int strata__lint_schema_is_own(const lint_file *f, const char *name)
{
	char key[300];

	if (!name)
		return 0;
	object_key(key, sizeof(key), NULL, name);
	return strata__map_has(&f->schemas_here, key);
}

int strata__lint_in_transaction(const lint_file *f)
{
	return f->transactional || f->tx_depth > 0;
}

size_t strata__lint_stmt_offset(const lint_file *f)
{
	return f->pinned ? f->pinned_at : f->base + f->stmt_start;
}

void strata__lint_track(lint_file *f)
{
	const PgQuery__Node *s = f->stmt;
	size_t i;

	switch (s->node_case) {
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		strata__lint_table_created(f, s->create_stmt->relation);
		break;
	case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
		if (s->create_table_as_stmt->into)
			strata__lint_table_created(f, s->create_table_as_stmt->into->rel);
		break;
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		strata__lint_index_created(f, s->index_stmt->relation ? s->index_stmt->relation->schemaname
				   : NULL, s->index_stmt->idxname);
		break;
	case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT:
		strata__lint_schema_created(f, s->create_schema_stmt->schemaname);
		break;
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		if (s->rename_stmt->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE)
			strata__lint_table_renamed(f, s->rename_stmt->relation, s->rename_stmt->newname);
		break;
	case PG_QUERY__NODE__NODE_DROP_STMT:
		for (i = 0; s->drop_stmt->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE &&
			    i < s->drop_stmt->n_objects; i++) {
			const PgQuery__Node *o = s->drop_stmt->objects[i];
			const PgQuery__List *l = o->node_case == PG_QUERY__NODE__NODE_LIST ? o->list : NULL;
			PgQuery__RangeVar rv;

			if (!l || !l->n_items)
				continue;
			/* (not PG_QUERY__RANGE_VAR__INIT: it names protobuf-c's own
			 * symbols, which libstrata does not link; libpg_query is
			 * loaded at run time) */
			memset(&rv, 0, sizeof(rv));
			rv.relname = (char *)strata__lint_str(l->items[l->n_items - 1]);
			rv.schemaname = l->n_items > 1 ? (char *)strata__lint_str(l->items[l->n_items - 2]) : NULL;
			table_known(f, &rv, rv.relname, 2);
		}
		break;
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		for (i = 0; i < s->alter_table_stmt->n_cmds; i++) {
			const PgQuery__Node *c = s->alter_table_stmt->cmds[i];

			if (c->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_CMD &&
			    c->alter_table_cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn &&
			    c->alter_table_cmd->def &&
			    c->alter_table_cmd->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
				column_added(f, s->alter_table_stmt->relation,
					     c->alter_table_cmd->def->column_def->colname);
		}
		break;
	default:
		break;
	}
}

/* ---- statements ------------------------------------------------------- */

static void lint_body(lint_file *f);

static void lint_statement(lint_file *f, const PgQuery__Node *stmt, size_t start, size_t end)
{
	f->stmt = stmt;
	/* Statement locations include the blanks and comments before them. */
	f->stmt_start = strata__sqlscan_skip_blank(f->sql, end, start,
					   f->engine == STRATA_LINT_SQLITE ? SQLSCAN_SQLITE
									   : SQLSCAN_POSTGRES,
					   NULL);
	f->stmt_end = end;
	f->r->statements++;
	if (f->engine == STRATA_LINT_SQLITE) {
		strata__lint_rules_sqlite(f);
		strata__lint_rules_destructive(f);
		strata__lint_rules_column(f);
		strata__lint_rules_transaction(f);
	} else {
		strata__lint_rules_transaction(f);
		strata__lint_rules_index(f);
		strata__lint_rules_constraint(f);
		strata__lint_rules_column(f);
		strata__lint_rules_destructive(f);
	}
	strata__lint_track(f);
	if (f->engine == STRATA_LINT_PG)
		lint_body(f);
}

/* Every statement of one parse of f->sql[0..len). */
static void lint_tree(lint_file *f, const PgQuery__ParseResult *tree, size_t len)
{
	size_t i;

	for (i = 0; i < tree->n_stmts; i++) {
		const PgQuery__RawStmt *raw = tree->stmts[i];
		size_t start = (size_t)(raw->stmt_location > 0 ? raw->stmt_location : 0);
		size_t end = raw->stmt_len > 0 ? start + (size_t)raw->stmt_len : len;

		if (!raw->stmt || start > len)
			continue;
		lint_statement(f, raw->stmt, start, end > len ? len : end);
	}
}

/* ---- bodies ----------------------------------------------------------- */

/* Bodies inside bodies (a DO block that creates a function) are read this deep. */
#define BODY_DEPTH_MAX 4

/* The report's range context and history, kept aside while a function body
 * is linted in a context of its own (invariant 6). */
typedef struct saved_context {
	strata_map tables, indexes, columns, checks, foreign, notnull_ok;
} saved_context;

static void swap_map(strata_map *a, strata_map *b)
{
	strata_map t = *a;

	*a = *b;
	*b = t;
}

/* The maps a function body filled, once swapped back out. */
static void release_context(saved_context *c)
{
	strata__map_release(&c->tables);
	strata__map_release(&c->indexes);
	strata__map_release(&c->columns);
	strata__map_release(&c->checks);
	strata__map_release(&c->foreign);
	strata__map_release(&c->notnull_ok);
}

static void swap_context(strata_lint_report *r, saved_context *c)
{
	swap_map(&r->tables, &c->tables);
	swap_map(&r->indexes, &c->indexes);
	swap_map(&r->columns, &c->columns);
	swap_map(&r->checks, &c->checks);
	swap_map(&r->foreign, &c->foreign);
	swap_map(&r->notnull_ok, &c->notnull_ok);
}

/* Append "in function s.f(): ", "in procedure p(): " or "in DO block: " to
 * f->label (a body in a body gets both). */
static void add_label(lint_file *f, const PgQuery__Node *s)
{
	size_t used = strlen(f->label), i;
	char name[128] = "";

	if (s->node_case == PG_QUERY__NODE__NODE_DO_STMT) {
		snprintf(f->label + used, sizeof(f->label) - used, "in DO block: ");
		return;
	}
	for (i = 0; i < s->create_function_stmt->n_funcname; i++) {
		const char *part = strata__lint_str(s->create_function_stmt->funcname[i]);
		size_t n = strlen(name);

		snprintf(name + n, sizeof(name) - n, "%s%s", i ? "." : "", part ? part : "?");
	}
	snprintf(f->label + used, sizeof(f->label) - used, "in %s %s(): ",
		 s->create_function_stmt->is_procedure ? "procedure" : "function", name);
}

/* Point f at one statement of a body, placed as sqlparse found it. The
 * body's text starts at file offset `at`, unless `outer` is pinned. */
static void place_in_body(lint_file *f, const lint_file *outer, size_t at,
			  const sqlparse_body_stmt *e)
{
	f->sql = e->sql;
	f->guarded = outer->guarded || e->guarded;
	f->pinned = 1;
	if (outer->pinned || e->place == SQLPARSE_PLACE_NONE) {
		f->pinned_at = at;
	} else if (e->place == SQLPARSE_PLACE_LINE) {
		f->pinned_at = at + e->offset;
	} else {
		f->pinned = 0;
		f->base = at + e->offset;
	}
}

/* Back from a DO block's statements to the statement holding them: what
 * they did to the file's state stays. */
static void leave_do_block(lint_file *f, const lint_file *outer)
{
	f->sql = outer->sql;
	f->base = outer->base;
	f->stmt = outer->stmt;
	f->stmt_start = outer->stmt_start;
	f->stmt_end = outer->stmt_end;
	f->scope = outer->scope;
	f->outer = outer->outer;
	memcpy(f->label, outer->label, sizeof(f->label));
	f->depth = outer->depth;
	f->pinned = outer->pinned;
	f->pinned_at = outer->pinned_at;
	f->guarded = outer->guarded;
}

/*
 * The SQL statements of the body of f->stmt when it is CREATE FUNCTION /
 * PROCEDURE or DO, each through lint_statement(). A DO block's statements
 * run with the file and share its context and state; a function's run
 * when it is called: they get an empty context of their own, and what
 * they do is forgotten after (invariant 6). A body that cannot be read is
 * skipped and counted.
 */
static void lint_body(lint_file *f)
{
	const PgQuery__Node *s = f->stmt;
	int function = s->node_case == PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT;
	saved_context context = { STRATA_MAP_INIT, STRATA_MAP_INIT, STRATA_MAP_INIT,
				  STRATA_MAP_INIT, STRATA_MAP_INIT, STRATA_MAP_INIT };
	sqlparse_body_stmt *v = NULL;
	size_t n = 0, i, at = strata__lint_stmt_offset(f), len = f->stmt_end - f->stmt_start;
	lint_file outer;
	char *text;
	int skipped = 0;

	if ((!function && s->node_case != PG_QUERY__NODE__NODE_DO_STMT) ||
	    f->depth >= BODY_DEPTH_MAX)
		return;
	if (!(text = strata_strndup(f->sql + f->stmt_start, len)) ||
	    strata__sqlparse_body_statements(&v, &n, text, len) < 0) {
		skipped = 1;
		goto done;
	}
	if (!n)
		goto done;
	outer = *f;
	f->outer = &outer;
	f->depth++;
	add_label(f, s);
	if (function) {
		f->scope = LINT_IN_FUNCTION;
		memset(&f->added_here, 0, sizeof(f->added_here));
		memset(&f->dropped_here, 0, sizeof(f->dropped_here));
		swap_context(f->r, &context);
	} else if (f->scope == LINT_IN_FILE) {
		f->scope = LINT_IN_DO_BLOCK;
	}
	for (i = 0; i < n; i++) {
		PgQuery__ParseResult *tree = NULL;
		size_t err = 0;

		if (strata__sqlparse_parse_pg(&tree, &err, v[i].sql, v[i].len) < 0) {
			skipped = 1;
			continue;
		}
		place_in_body(f, &outer, at, &v[i]);
		lint_tree(f, tree, v[i].len);
		strata__sqlparse_tree_free(tree);
	}
	if (function) {
		strata__map_release(&f->added_here);
		strata__map_release(&f->dropped_here);
		swap_context(f->r, &context);
		release_context(&context);
		*f = outer;
	} else {
		leave_do_block(f, &outer);
	}
done:
	if (skipped) {
		f->r->bodies_skipped++;
		strata_error_clear();
	}
	strata__sqlparse_body_free(v, n);
	strata_free(text);
}

static int syntax_error(const lint_file *f, size_t err_offset)
{
	strata_error saved = *strata_error_last();
	int line, col;

	position(f, f->base + err_offset, &line, &col);
	strata_error_set(STRATA_EPARSE, "%s:%d:%d: %s", f->path, line, col, saved.message);
	strata_error_hint("fix the SQL (strata lint parses it with PostgreSQL's own parser)");
	return STRATA_EPARSE;
}

/*
 * Lint text[off..off+len) of the file. The whole section is parsed in one
 * call; when that fails it is split and each statement parsed on its own
 * (COPY data, or a real error whose position the split reports).
 */
static int lint_section(lint_file *f, size_t off, size_t len)
{
	PgQuery__ParseResult *tree = NULL;
	db_stmt *stmts = NULL;
	char *buf = strata_strndup(f->text + off, len);
	size_t err = 0, n = 0, i;
	int rc;

	if (!buf)
		return STRATA_ERROR;
	f->sql = buf;
	f->base = off;
	rc = strata__sqlparse_parse_pg(&tree, &err, buf, len);
	if (rc == 0) {
		lint_tree(f, tree, len);
		goto done;
	}
	if (rc != STRATA_EPARSE)
		goto done;
	rc = strata__db_split(&stmts, &n, &err, f->engine == STRATA_LINT_SQLITE ? DB_SQLITE : DB_POSTGRES,
		      buf, len);
	if (rc == STRATA_EPARSE) {
		rc = syntax_error(f, err);
		goto done;
	}
	if (rc < 0)
		goto done;
	for (i = 0; i < n; i++) {
		char *one = strata_strndup(buf + stmts[i].offset, stmts[i].len);
		PgQuery__ParseResult *t = NULL;

		if (!one) {
			rc = STRATA_ERROR;
			goto done;
		}
		rc = strata__sqlparse_parse_pg(&t, &err, one, stmts[i].len);
		if (rc == 0) {
			f->sql = buf + stmts[i].offset;
			f->base = off + stmts[i].offset;
			lint_tree(f, t, stmts[i].len);
			f->sql = buf;
			f->base = off;
		} else if (rc == STRATA_EPARSE && f->engine == STRATA_LINT_SQLITE) {
			/* SQLite's dialect: what PostgreSQL's parser cannot read is
			 * skipped, but for the words rules_sqlite.c reads itself. */
			f->r->statements++;
			f->stmt = NULL;
			f->stmt_start = stmts[i].offset;
			f->stmt_end = stmts[i].offset + stmts[i].len;
			strata__lint_sqlite_unparsed(f);
			rc = 0;
		} else if (rc == STRATA_EPARSE) {
			rc = syntax_error(f, stmts[i].offset + err);
		}
		strata__sqlparse_tree_free(t);
		strata_free(one);
		if (rc < 0)
			goto done;
	}
	rc = 0;
done:
	strata__sqlparse_tree_free(tree);
	strata_free(stmts);
	strata_free(buf);
	f->sql = NULL;
	return rc;
}

static int file_begin(lint_file *f, strata_lint_report *r, const char *path, const char *text,
		      size_t len, const strata_lint_options *o)
{
	memset(f, 0, sizeof(*f));
	f->r = r;
	f->o = o;
	f->text = text;
	f->text_len = len;
	f->engine = o && o->engine == STRATA_LINT_SQLITE ? STRATA_LINT_SQLITE : STRATA_LINT_PG;
	f->pg_version = o && o->pg_version ? o->pg_version
			: o && o->settings && o->settings->pg_version ? o->settings->pg_version : 12;
	if (!(f->path = keep(r, strata_strdup(path ? path : "<string>"))))
		return STRATA_ERROR;
	return index_lines(f);
}

static void file_end(lint_file *f, size_t first_finding)
{
	if (f->r->n > first_finding)
		qsort(f->r->v + first_finding, f->r->n - first_finding, sizeof(strata_lint_finding),
		      finding_cmp);
	f->r->files++;
	strata__map_release(&f->added_here);
	strata__map_release(&f->dropped_here);
	strata__map_release(&f->copied_here);
	strata__map_release(&f->schemas_here);
	strata__map_release(&f->down_tables);
	strata_free(f->line_starts);
	f->line_starts = NULL;
}

int strata_lint_sql(strata_lint_report *r, const char *path, const char *text, size_t len,
		    const strata_lint_options *opts)
{
	lint_file f;
	size_t first;
	int rc;

	STRATA_ASSERT_ARG(r);
	STRATA_ASSERT_ARG(text || !len);
	first = r->n;
	if ((rc = file_begin(&f, r, path, text ? text : "", len, opts)) < 0)
		goto done;
	f.transactional = opts && opts->assume_in_transaction;
	if ((rc = lint_section(&f, 0, len)) < 0)
		goto done;
	f.stmt_start = f.stmt_end = 0;
	strata__lint_rules_transaction_end(&f);
done:
	file_end(&f, first);
	return rc;
}

/* 1 if text[off..off+len) has a line that is neither blank nor a "--" comment. */
static int has_sql(const char *text, size_t off, size_t len)
{
	size_t i = off, end = off + len;

	while (i < end) {
		while (i < end && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r'))
			i++;
		if (i < end && text[i] != '\n' && !(text[i] == '-' && i + 1 < end && text[i + 1] == '-'))
			return 1;
		while (i < end && text[i] != '\n')
			i++;
		i++;
	}
	return 0;
}

/*
 * The down section runs on its own, after the up: per-section state starts
 * again (BEGIN depth, timeouts the runner or the up set), the context is
 * the one the up left and stays as it is (invariant 3: a down changes
 * nothing later revisions see).
 */
static int lint_down(lint_file *f, const strata_migration *m, const strata_lint_options *opts)
{
	int rc;

	f->in_down = 1;
	f->tx_depth = 0;
	f->tx_begin_at = 0;
	f->lock_timeout_set = opts && opts->runner_sets_lock_timeout;
	f->lock_timeout_reported = 0;
	f->statement_timeout_set = 0;
	f->statement_timeout_reported = 0;
	strata__map_release(&f->added_here);
	strata__map_release(&f->dropped_here);
	strata__map_release(&f->copied_here);
	strata__map_release(&f->down_tables);
	if ((rc = lint_section(f, m->down_offset, m->down_len)) < 0)
		goto done;
	f->sql = m->text;
	f->base = 0;
	f->stmt_start = f->stmt_end = m->down_offset + m->down_len;
	strata__lint_rules_transaction_end(f);
done:
	f->in_down = 0;
	return rc;
}

/*
 * The template's "<value>" still in a section: one SL503 finding where it
 * is; 1 when found (the SQL around it cannot be parsed yet).
 */
static int template_value_left(lint_file *f, const strata_migration *m)
{
	const size_t off[3] = { m->up_offset, m->batch_offset, m->down_offset };
	const size_t len[3] = { m->up_len, m->batch_len, m->down_len };
	batch_scan sc;

	for (int i = 0; i < 3; i++) {
		strata__batch_scan_text(&sc, m->text + off[i], len[i]);
		if (!sc.has_value)
			continue;
		f->sql = m->text;
		f->base = 0;
		f->stmt_start = off[i] + sc.value_at;
		f->stmt_end = f->stmt_start + sizeof(BATCH_VALUE_PLACEHOLDER) - 1;
		strata__lint_emit(f, R_TEMPLATE_VALUE, -1, NULL, "the %s section still holds the placeholder "
			  BATCH_VALUE_PLACEHOLDER, i == 0 ? "up" : i == 1 ? "batch" : "down");
		f->sql = NULL;
		return 1;
	}
	return 0;
}

/*
 * The "-- +batch" section: its shape checked as the runner checks it
 * (STRATA_EPARSE naming file:line:col), then linted as the statement one
 * batch runs, with :last and :next as parameters of the same width so
 * that positions stay those of the file.
 */
static int lint_batch(lint_file *f, const strata_migration *m)
{
	strata_buf text = STRATA_BUF_INIT;
	batch_stmt st;
	size_t off, len, count = 1;
	const char *saved = f->text;
	int rc;

	for (size_t k = 0; k < count; k++) {
		if ((rc = strata__batch_prepare(&st, &off, &len, &count, m,
					f->engine == STRATA_LINT_SQLITE ? DB_SQLITE : DB_POSTGRES, k)) < 0)
			return rc;
		strata__batch_stmt_release(&st);
	}
	strata__buf_putn(&text, m->text, m->batch_offset);
	if ((rc = strata__batch_rewrite(&text, m->text + m->batch_offset, m->batch_len, "   $1",
				"   $2")) < 0 ||
	    (rc = strata__buf_putn(&text, m->text + m->batch_offset + m->batch_len,
			   m->text_len - m->batch_offset - m->batch_len)) < 0 ||
	    (rc = strata__buf_check(&text)) < 0)
		goto done;
	f->text = strata__buf_cstr(&text);
	rc = lint_section(f, m->batch_offset, m->batch_len);
	f->text = saved;
	if (rc < 0)
		goto done;
	f->sql = m->text;
	f->base = 0;
	f->stmt_start = f->stmt_end = m->batch_offset + m->batch_len;
	strata__lint_rules_transaction_end(f);
done:
	strata__buf_release(&text);
	return rc;
}

int strata_lint_migration(strata_lint_report *r, const strata_migration *m,
			  const strata_lint_options *opts)
{
	STRATA_ASSERT_ARG(r);
	STRATA_ASSERT_ARG(m);

	lint_file f;
	size_t first = r->n;
	int rc;

	if ((rc = file_begin(&f, r, m->path, m->text, m->text_len, opts)) < 0)
		goto done;
	f.transactional = m->transactional;
	f.is_migration = 1;
	f.lock_timeout_set = opts && opts->runner_sets_lock_timeout;
	if (template_value_left(&f, m)) {
		rc = 0;
		goto done;
	}
	if ((rc = lint_section(&f, m->up_offset, m->up_len)) < 0)
		goto done;
	f.sql = m->text;
	f.base = 0;
	f.stmt_start = f.stmt_end = m->up_offset + m->up_len;
	strata__lint_rules_transaction_end(&f);
	if (m->has_batch_marker && (rc = lint_batch(&f, m)) < 0)
		goto done;
	if (!f.r->learning && has_sql(m->text, m->down_offset, m->down_len) &&
	    (rc = lint_down(&f, m, opts)) < 0)
		goto done;
	/* An online revision without a down section is undone by its operations' inverse. */
	if (!m->irreversible && m->nrevises < 2 && !m->has_batch_marker && !m->online_text &&
	    !has_sql(m->text, m->down_offset, m->down_len)) {
		/* Point at the down marker, or at the end of the up section. */
		size_t at = m->has_down_marker ? m->down_offset : m->up_offset + m->up_len;

		f.stmt_start = at;
		f.stmt_end = at + 1;
		strata__lint_emit(&f, R_MISSING_DOWN, -1, NULL, "%s", m->has_down_marker
			  ? "the down section is empty and there is no '-- irreversible:' header"
			  : "no '-- +down' section and no '-- irreversible:' header");
	}
	f.sql = NULL;
done:
	file_end(&f, first);
	return rc;
}

int strata_lint_learn_migration(strata_lint_report *r, const strata_migration *m,
				const strata_lint_options *opts)
{
	STRATA_ASSERT_ARG(r);
	STRATA_ASSERT_ARG(m);

	size_t n = r->n, statements = r->statements, files = r->files, suppressed = r->suppressed;
	size_t bodies_skipped = r->bodies_skipped;
	int rc;

	r->learning = 1;
	rc = strata_lint_migration(r, m, opts);
	r->learning = 0;
	r->statements = statements;
	r->files = files;
	r->suppressed = suppressed;
	r->bodies_skipped = bodies_skipped;
	if (r->n != n)
		return strata_error_set(STRATA_ERROR, "lint: a learned revision reported findings");
	if (rc == STRATA_EPARSE) {
		strata_error_clear();
		rc = 0;
	}
	return rc;
}

int strata_lint_applied_changed(strata_lint_report *r, const strata_migration *m,
				const char *recorded_checksum, const strata_lint_options *opts)
{
	STRATA_ASSERT_ARG(r);
	STRATA_ASSERT_ARG(m);

	lint_file f;
	size_t first = r->n;
	int rc;

	if ((rc = file_begin(&f, r, m->path, m->text, m->text_len, opts)) < 0)
		goto done;
	f.sql = m->text;
	f.stmt_start = m->up_offset;
	f.stmt_end = m->up_offset + 1;
	strata__lint_emit(&f, R_APPLIED_EDITED, -1, NULL,
		  "revision %s was applied with checksum %s; the file now has %s", m->revision,
		  recorded_checksum ? recorded_checksum : "(none)", m->checksum);
	f.r->files--; /* the file is counted when its SQL is linted */
done:
	file_end(&f, first);
	return rc;
}

int strata_lint_string(strata_lint_report **out, const char *sql, size_t len,
		       const strata_lint_options *opts)
{
	int rc;

	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(sql);

	if ((rc = strata_lint_report_new(out)) < 0)
		return rc;
	rc = strata_lint_sql(*out, "<string>", sql, len, opts);
	if (rc < 0 && rc != STRATA_EPARSE) {
		strata_lint_report_free(*out);
		*out = NULL;
	}
	return rc;
}

/* 1 if the comment lines heading text include "-- revision:" (a strata migration). */
static int has_revision_header(const char *t, size_t n)
{
	size_t i = n >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

	while (i < n) {
		size_t e = i, k;

		while (e < n && t[e] != '\n')
			e++;
		k = i;
		while (k < e && (t[k] == ' ' || t[k] == '\t' || t[k] == '\r'))
			k++;
		if (k < e) {
			if (e - k < 2 || t[k] != '-' || t[k + 1] != '-')
				return 0;
			k += 2;
			while (k < e && (t[k] == ' ' || t[k] == '\t'))
				k++;
			if (e - k >= 9 && strncasecmp(t + k, "revision", 8) == 0) {
				k += 8;
				while (k < e && (t[k] == ' ' || t[k] == '\t'))
					k++;
				if (k < e && t[k] == ':')
					return 1;
			}
		}
		i = e + 1;
	}
	return 0;
}

int strata_lint_dir_files(char ***out, size_t *n, const char *dir)
{
	char **names = NULL, **paths = NULL;
	size_t count = 0, i, k = 0;
	strata_buf path = STRATA_BUF_INIT;
	int rc;

	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(n);
	STRATA_ASSERT_ARG(dir);

	*out = NULL;
	*n = 0;
	if ((rc = strata__fs_list_dir(&names, &count, dir)) < 0)
		return rc;
	rc = STRATA_ERROR;
	if (!(paths = strata_calloc(count ? count : 1, sizeof(*paths))))
		goto done;
	for (i = 0; i < count; i++) {
		size_t len = strlen(names[i]);

		if (len <= 4 || strcmp(names[i] + len - 4, ".sql") != 0)
			continue;
		strata__buf_clear(&path);
		if (strata__fs_join(&path, dir, names[i]) < 0 || !(paths[k] = strata_strdup(strata__buf_cstr(&path))))
			goto done;
		k++;
	}
	if (k == 0) {
		rc = strata_error_set(STRATA_ENOTFOUND, "'%s' holds no .sql file to lint", dir);
		strata_error_hint("give the migrations folder or the SQL files themselves");
		goto done;
	}
	*out = paths;
	*n = k;
	paths = NULL;
	rc = 0;
done:
	strata_lint_paths_free(paths, k);
	strata__fs_free_names(names, count);
	strata__buf_release(&path);
	return rc;
}

void strata_lint_paths_free(char **paths, size_t n)
{
	size_t i;

	for (i = 0; paths && i < n; i++)
		strata_free(paths[i]);
	strata_free(paths);
}

int strata_lint_file(strata_lint_report *r, const char *path, const strata_lint_options *opts)
{
	strata_buf text = STRATA_BUF_INIT;
	strata_migration *m = NULL;
	int rc;

	STRATA_ASSERT_ARG(r);
	STRATA_ASSERT_ARG(path);

	if ((rc = strata__fs_read_file(&text, path, STRATA_MIGRATION_MAX_BYTES)) < 0)
		goto done;
	if (has_revision_header(strata__buf_cstr(&text), text.len)) {
		if ((rc = strata_migration_parse(&m, path, strata__buf_cstr(&text), text.len)) == 0)
			rc = strata_lint_migration(r, m, opts);
	} else {
		rc = strata_lint_sql(r, path, strata__buf_cstr(&text), text.len, opts);
	}
done:
	strata_migration_free(m);
	strata__buf_release(&text);
	return rc;
}
