/*
 * import/import.c - bringing another tool's migration history into strata
 * (strata/import.h): the format table and dispatch, the helpers the
 * readers share (import_int.h), writing the history as revision files, and
 * the report.
 *
 * Layer: import, beside core and schema; files only, no database. Writes
 * revision files through strata_revision_render() and strata.sum through
 * strata_sum_write(), as `strata revision` does.
 *
 * Invariants of a history strata_import_read() returns:
 *  1. at least one step; every id is a valid revision id, used once;
 *  2. every revises and depends-on id names an earlier step;
 *  3. messages are one line.
 * strata_import_write() writes all of it or nothing: it refuses before
 * writing when the folder already holds one of the ids, and removes what
 * it wrote when a later file or strata.sum cannot be written.
 */
#include "import/import_int.h"
#include "db/sqlscan.h"
#include "strata/error.h"
#include "strata/graph.h"
#include "strata/migration.h"
#include "strata/project.h"
#include "strata/sum.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/map.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const struct {
	const char *name;
	imp_reader read;
} readers[] = {
	{ "alembic", strata__fmt_alembic_read },
	{ "flyway", strata__fmt_flyway_read },
	{ "golang-migrate", strata__fmt_golang_migrate_read },
	{ "goose", strata__fmt_goose_read },
	{ "dbmate", strata__fmt_dbmate_read },
	{ "sqitch", strata__fmt_sqitch_read },
	{ "pop", strata__fmt_pop_read },
};

const char *const strata_import_formats[] = {
	"alembic", "flyway", "golang-migrate", "goose", "dbmate", "sqitch", "pop", NULL,
};

/* What an imported step that runs nothing holds: strata needs SQL in a section. */
#define NOOP_SQL "-- no-op: the source step has no SQL\nSELECT 1;"

/* ---- history building ---------------------------------------------------- */

int strata__imp_set(char **slot, const char *s)
{
	if (!s) {
		strata_free(*slot);
		*slot = NULL;
		return 0;
	}
	return strata__imp_setn(slot, s, strlen(s));
}

int strata__imp_setn(char **slot, const char *s, size_t n)
{
	char *c;

	if (!s)
		return 0;
	if (!(c = strata_strndup(s, n)))
		return STRATA_ERROR;
	strata_free(*slot);
	*slot = c;
	return 0;
}

int strata__imp_list_add(char ***list, size_t *n, const char *s)
{
	char **v = strata_realloc(*list, (*n + 1) * sizeof(*v));

	if (!v)
		return STRATA_ERROR;
	*list = v;
	if (!(v[*n] = strata_strdup(s)))
		return STRATA_ERROR;
	(*n)++;
	return 0;
}

int strata__imp_step_add(strata_import_step **out, strata_import_history *h)
{
	strata_import_step *v = strata_realloc(h->steps, (h->nsteps + 1) * sizeof(*v));

	*out = NULL;
	if (!v)
		return STRATA_ERROR;
	h->steps = v;
	memset(&v[h->nsteps], 0, sizeof(v[0]));
	v[h->nsteps].transactional = 1;
	if (!(v[h->nsteps].message = strata_strdup("")))
		return STRATA_ERROR;
	*out = &v[h->nsteps++];
	return 0;
}

static int vformat(char **out, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static int vformat(char **out, const char *fmt, va_list ap)
{
	strata_buf b = STRATA_BUF_INIT;

	if (strata__buf_vprintf(&b, fmt, ap) < 0) {
		strata__buf_release(&b);
		return STRATA_ERROR;
	}
	*out = strata__buf_detach(&b);
	return *out ? 0 : STRATA_ERROR;
}

int strata__imp_skip(strata_import_history *h, const char *what, const char *fmt, ...)
{
	strata_import_skip *v = strata_realloc(h->skipped, (h->nskipped + 1) * sizeof(*v));
	va_list ap;
	int rc;

	if (!v)
		return STRATA_ERROR;
	h->skipped = v;
	v += h->nskipped;
	memset(v, 0, sizeof(*v));
	va_start(ap, fmt);
	rc = vformat(&v->why, fmt, ap);
	va_end(ap);
	if (rc < 0 || !(v->what = strata_strdup(what))) {
		strata_free(v->why);
		return STRATA_ERROR;
	}
	h->nskipped++;
	return 0;
}

int strata__imp_note(strata_import_history *h, const char *fmt, ...)
{
	char **v = strata_realloc(h->notes, (h->nnotes + 1) * sizeof(*v));
	va_list ap;
	int rc;

	if (!v)
		return STRATA_ERROR;
	h->notes = v;
	va_start(ap, fmt);
	rc = vformat(&v[h->nnotes], fmt, ap);
	va_end(ap);
	if (rc < 0)
		return rc;
	h->nnotes++;
	return 0;
}

int strata__imp_chain(strata_import_history *h)
{
	size_t i;

	for (i = 1; i < h->nsteps; i++)
		if (!h->steps[i].nrevises &&
		    strata__imp_list_add(&h->steps[i].revises, &h->steps[i].nrevises, h->steps[i - 1].id) < 0)
			return STRATA_ERROR;
	return 0;
}

void strata__imp_sort_steps(strata_import_history *h, int (*cmp)(const void *, const void *))
{
	if (h->nsteps > 1)
		qsort(h->steps, h->nsteps, sizeof(h->steps[0]), cmp);
}

int strata__imp_finish(strata_import_history *h, int (*cmp)(const void *, const void *))
{
	strata__imp_sort_steps(h, cmp);
	return strata__imp_chain(h);
}

int strata__imp_cmp_id_value(const void *a, const void *b)
{
	const strata_import_step *x = a, *y = b;

	return strata__imp_cmp_digits(x->id, strlen(x->id), y->id, strlen(y->id));
}

int strata__imp_cmp_id_string(const void *a, const void *b)
{
	const strata_import_step *x = a, *y = b;

	return strcmp(x->id, y->id);
}

int strata__imp_take_sections(strata_import_step *st, const strata_buf *up, const strata_buf *down, int has_down,
		      const char *no_down_why)
{
	int rc = strata__imp_set(&st->up_sql, strata__buf_cstr(up));

	if (rc == 0)
		rc = has_down ? strata__imp_set(&st->down_sql, strata__buf_cstr(down)) : strata__imp_set(&st->irreversible, no_down_why);
	return rc;
}

int strata__imp_read_annotated(strata_import_history *h, const char *src, const imp_annotated *fmt)
{
	strata_buf text = STRATA_BUF_INIT, path = STRATA_BUF_INIT;
	char **names = NULL;
	size_t n = 0, i, el = fmt->skip_ext ? strlen(fmt->skip_ext) : 0;
	int rc;

	if ((rc = strata__imp_list_dir(&names, &n, src, fmt->folder)) < 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++) {
		const char *name = names[i];
		size_t len = strlen(name), v = strspn(name, "0123456789");
		strata_import_step *st;

		if (el && len > el && strcmp(name + len - el, fmt->skip_ext) == 0) {
			rc = strata__imp_skip(h, name, "%s", fmt->skip_why);
			continue;
		}
		if (len < 5 || strcmp(name + len - 4, ".sql") != 0)
			continue;
		if (!v || name[v] != '_') {
			rc = strata__imp_skip(h, name, "not named VERSION_name.sql, so %s does not run it", fmt->tool);
			continue;
		}
		strata__buf_clear(&path);
		if ((rc = strata__imp_read_file(&text, src, name)) < 0 || (rc = strata__imp_step_add(&st, h)) < 0 ||
		    (rc = strata__imp_setn(&st->id, name, v)) < 0 ||
		    (rc = strata__imp_message_from(&st->message, name + v + 1, len - v - 5)) < 0 ||
		    strata__buf_printf(&path, "%s/%s", src, name) < 0 || (rc = strata__imp_set(&st->source, strata__buf_cstr(&path))) < 0)
			break;
		rc = fmt->parse(st, strata__buf_cstr(&path), text.ptr, text.len);
	}
	if (rc == 0)
		rc = strata__imp_finish(h, fmt->by_value ? strata__imp_cmp_id_value : strata__imp_cmp_id_string);
	strata__fs_free_names(names, n);
	strata__buf_release(&text);
	strata__buf_release(&path);
	return rc;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strata_free(v[i]);
	strata_free(v);
}

void strata__imp_step_release(strata_import_step *st)
{
	strata_free(st->id);
	free_list(st->revises, st->nrevises);
	free_list(st->depends_on, st->ndepends_on);
	strata_free(st->branch);
	strata_free(st->message);
	strata_free(st->created);
	strata_free(st->up_sql);
	strata_free(st->down_sql);
	strata_free(st->irreversible);
	strata_free(st->stub);
	strata_free(st->source);
	memset(st, 0, sizeof(*st));
}

void strata_import_history_free(strata_import_history *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->nsteps; i++)
		strata__imp_step_release(&h->steps[i]);
	strata_free(h->steps);
	for (i = 0; i < h->nskipped; i++) {
		strata_free(h->skipped[i].what);
		strata_free(h->skipped[i].why);
	}
	strata_free(h->skipped);
	free_list(h->notes, h->nnotes);
	for (i = 0; i < h->ntags; i++) {
		strata_free(h->tags[i].name);
		strata_free(h->tags[i].revision);
	}
	strata_free(h->tags);
	strata_free(h);
}

/* ---- files and SQL text --------------------------------------------------- */

int strata__imp_read_file(strata_buf *out, const char *dir, const char *name)
{
	strata_buf path = STRATA_BUF_INIT;
	int rc;

	strata__buf_clear(out);
	if ((rc = strata__fs_join(&path, dir, name)) == 0)
		rc = strata__fs_read_file(out, strata__buf_cstr(&path), STRATA_MIGRATION_MAX_BYTES);
	strata__buf_release(&path);
	if (rc == 0 && memchr(strata__buf_cstr(out), '\0', out->len)) {
		rc = strata_error_set(STRATA_EPARSE, "%s/%s: the file holds a NUL byte", dir, name);
		strata_error_hint("migration scripts are text; remove the file or the byte");
	}
	return rc;
}

int strata__imp_list_dir(char ***names, size_t *count, const char *dir, const char *what)
{
	int rc;

	if (!strata__fs_is_dir(dir)) {
		strata_error_set(STRATA_EINVALID, "%s is not a folder", dir);
		strata_error_hint("give the folder that holds the %s", what);
		return STRATA_EINVALID;
	}
	rc = strata__fs_list_dir(names, count, dir);
	return rc;
}

int strata__imp_perr(const char *path, int line, const char *hint, const char *fmt, ...)
{
	strata_buf b = STRATA_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	(void)strata__buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (line > 0)
		strata_error_set(STRATA_EPARSE, "%s:%d: %s", path, line, strata__buf_cstr(&b));
	else
		strata_error_set(STRATA_EPARSE, "%s: %s", path, strata__buf_cstr(&b));
	if (hint)
		strata_error_hint("%s", hint);
	strata__buf_release(&b);
	return STRATA_EPARSE;
}

int strata__imp_line_is(const char *p, size_t n, const char *word)
{
	size_t wl = strlen(word);

	while (n && isspace((unsigned char)*p))
		p++, n--;
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	return n == wl && strncasecmp(p, word, n) == 0;
}

/* Line i of the text: [*s, *e) without the newline; returns the next start. */
static size_t line_at(const char *t, size_t n, size_t i, size_t *s, size_t *e)
{
	const char *nl = memchr(t + i, '\n', n - i);

	*s = i;
	*e = nl ? (size_t)(nl - t) : n;
	return nl ? *e + 1 : n;
}

static int line_has_sql(const char *t, size_t s, size_t e)
{
	while (s < e && isspace((unsigned char)t[s]))
		s++;
	return s < e && !(e - s >= 2 && t[s] == '-' && t[s + 1] == '-');
}

int strata__imp_sql_empty(const char *t, size_t n)
{
	size_t i = 0, s, e;

	while (i < n) {
		i = line_at(t, n, i, &s, &e);
		if (line_has_sql(t, s, e))
			return 0;
	}
	return 1;
}

static int is_tx_line(const char *p, size_t n, const char *const *words)
{
	for (; *words; words++)
		if (strata__imp_line_is(p, n, *words))
			return 1;
	return 0;
}

int strata__imp_strip_tx_wrapper(strata_buf *sql)
{
	static const char *const begins[] = { "BEGIN;", "BEGIN TRANSACTION;", "START TRANSACTION;",
					      "BEGIN WORK;", NULL };
	static const char *const ends[] = { "COMMIT;", "COMMIT TRANSACTION;", "COMMIT WORK;", "END;",
					    NULL };
	const char *t = sql->ptr;
	size_t n = sql->len, i = 0, s, e, first_s = 0, first_e = 0, last_s = 0, last_e = 0;
	int have_first = 0, have_last = 0;
	strata_buf out = STRATA_BUF_INIT;

	if (!t)
		return 0;
	while (i < n) {
		i = line_at(t, n, i, &s, &e);
		if (!line_has_sql(t, s, e))
			continue;
		if (!have_first) {
			if (!is_tx_line(t + s, e - s, begins))
				return 0;
			have_first = 1;
			first_s = s;
			first_e = i;
			continue;
		}
		have_last = 1;
		last_s = s;
		last_e = i;
	}
	if (!have_first || !have_last || !is_tx_line(t + last_s, (last_e > last_s && t[last_e - 1] == '\n' ? last_e - 1 : last_e) - last_s, ends))
		return 0;
	if (strata__buf_putn(&out, t, first_s) < 0 || strata__buf_putn(&out, t + first_e, last_s - first_e) < 0 ||
	    strata__buf_putn(&out, t + last_e, n - last_e) < 0) {
		strata__buf_release(&out);
		return STRATA_ERROR;
	}
	strata__buf_release(sql);
	*sql = out;
	if (!sql->ptr && strata__buf_puts(sql, "") < 0)
		return STRATA_ERROR;
	return 1;
}

int strata__imp_sections(strata_buf *up, strata_buf *down, int *has_down, const char *path, const char *text,
		 size_t len, const char *what, imp_classify_fn classify, void *payload)
{
	size_t i = 0, s, e;
	int lineno = 0, up_line = 0, down_line = 0, k;
	strata_buf *cur = NULL;

	strata__buf_clear(up);
	strata__buf_clear(down);
	*has_down = 0;
	/* A byte-order mark is not SQL. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len) {
		i = line_at(text, len, i, &s, &e);
		lineno++;
		if ((k = classify(payload, path, lineno, text + s, e - s)) < 0)
			return k;
		switch (k) {
		case IMP_UP:
			if (up_line)
				return strata__imp_perr(path, lineno, "a file has one up section",
						"a second %s (the first is on line %d)", what, up_line);
			if (down_line)
				return strata__imp_perr(path, lineno, "put the up section before the down section",
						"the up section comes after the down section");
			up_line = lineno;
			cur = up;
			break;
		case IMP_DOWN:
			if (down_line)
				return strata__imp_perr(path, lineno, "a file has one down section",
						"a second down marker (the first is on line %d)", down_line);
			if (!up_line)
				return strata__imp_perr(path, lineno, "put the up section first",
						"a down section before %s", what);
			down_line = lineno;
			*has_down = 1;
			cur = down;
			break;
		case IMP_DROP:
			break;
		default:
			if (!cur) {
				if (line_has_sql(text, s, e))
					return strata__imp_perr(path, lineno, "start the file with the up marker",
							"SQL before %s", what);
				break;
			}
			if (strata__buf_putn(cur, text + s, i - s) < 0)
				return STRATA_ERROR;
			break;
		}
	}
	if (!up_line)
		return strata__imp_perr(path, 1, "mark the upgrade SQL with the up marker", "no %s in the file", what);
	if (strata__buf_check(up) < 0 || strata__buf_check(down) < 0)
		return STRATA_ERROR;
	if ((!up->ptr && strata__buf_puts(up, "") < 0) || (!down->ptr && strata__buf_puts(down, "") < 0))
		return STRATA_ERROR;
	return 0;
}

/* The next word of SQL text outside comments, string literals, quoted
 * identifiers and dollar-quoted bodies (db/sqlscan.h, PostgreSQL's rules):
 * [*w, *w + *n); 0 at the end. */
static int next_word(const char **pp, const char **w, size_t *n)
{
	const char *p = *pp;
	size_t len = strlen(p), at = 0;
	sqlscan_span sp;

	while (at < len) {
		strata__sqlscan_span_at(&sp, p, len, at, SQLSCAN_POSTGRES);
		if (sp.kind == SQLSCAN_OTHER && (isalpha((unsigned char)p[at]) || p[at] == '_')) {
			*w = p + at;
			while (isalnum((unsigned char)p[at]) || p[at] == '_' || p[at] == '$')
				at++;
			*n = (size_t)(p + at - *w);
			*pp = p + at;
			return 1;
		}
		at = sp.end;
	}
	*pp = p + len;
	return 0;
}

static int word_is(const char *w, size_t n, const char *kw)
{
	return strlen(kw) == n && strncasecmp(w, kw, n) == 0;
}

const char *strata__imp_nontx_statement(const char *s)
{
	const char *w, *prev = NULL;
	size_t n, pn = 0;

	while (next_word(&s, &w, &n)) {
		if (word_is(w, n, "CONCURRENTLY") && !(prev && word_is(prev, pn, "VIEW")))
			return "an index built, dropped or rebuilt CONCURRENTLY";
		if (word_is(w, n, "VACUUM"))
			return "VACUUM";
		if (prev && word_is(prev, pn, "ALTER") && word_is(w, n, "SYSTEM"))
			return "ALTER SYSTEM";
		if (prev && (word_is(prev, pn, "CREATE") || word_is(prev, pn, "DROP")) &&
		    (word_is(w, n, "DATABASE") || word_is(w, n, "TABLESPACE")))
			return "CREATE or DROP DATABASE or TABLESPACE";
		prev = w;
		pn = n;
	}
	return NULL;
}

int strata__imp_message_from(char **out, const char *s, size_t n)
{
	strata_buf b = STRATA_BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '_' || c == '-' || c == '\r' || c == '\n' || c == '\t')
			c = ' ';
		if (c == ' ' && (!b.len || b.ptr[b.len - 1] == ' '))
			continue;
		if (strata__buf_putc(&b, c) < 0)
			break;
	}
	while (b.len && b.ptr[b.len - 1] == ' ')
		strata__buf_truncate(&b, b.len - 1);
	if (strata__buf_check(&b) < 0) {
		strata__buf_release(&b);
		return STRATA_ERROR;
	}
	if (!b.len && strata__buf_puts(&b, "") < 0)
		return STRATA_ERROR;
	strata_free(*out);
	*out = strata__buf_detach(&b);
	return *out ? 0 : STRATA_ERROR;
}

int strata__imp_cmp_digits(const char *a, size_t na, const char *b, size_t nb)
{
	while (na > 1 && *a == '0')
		a++, na--;
	while (nb > 1 && *b == '0')
		b++, nb--;
	if (na != nb)
		return na < nb ? -1 : 1;
	return strncmp(a, b, na);
}

/* ---- read ---------------------------------------------------------------- */

/* One line: newlines and tabs in a message become spaces. */
static void one_line(char *s)
{
	for (; s && *s; s++)
		if (*s == '\r' || *s == '\n' || *s == '\t')
			*s = ' ';
}

static int check_history(const strata_import_history *h, const char *src)
{
	strata_map seen = STRATA_MAP_INIT;
	size_t i, j;
	int rc = 0;

	if (!h->nsteps) {
		strata_error_set(STRATA_EPARSE, "%s: no %s migrations found", src, h->format);
		strata_error_hint("give the folder that holds the %s migration files", h->format);
		return STRATA_EPARSE;
	}
	for (i = 0; i < h->nsteps && !rc; i++) {
		const strata_import_step *st = &h->steps[i];

		if (!st->id || !strata_revision_id_valid(st->id)) {
			rc = strata__imp_perr(st->source ? st->source : src, 0,
				      "strata keeps the source's ids as revision ids: 1 to 32 letters, digits, "
				      "'.', '_' or '-'; rename the migration",
				      "'%s' cannot be a revision id", st->id ? st->id : "");
			break;
		}
		if (strata__map_get(&seen, st->id)) {
			rc = strata__imp_perr(st->source ? st->source : src, 0,
				      "each migration needs its own version; renumber one of them",
				      "version %s is used twice (also by %s)", st->id,
				      (const char *)strata__map_get(&seen, st->id));
			break;
		}
		for (j = 0; j < st->nrevises + st->ndepends_on; j++) {
			const char *ref = j < st->nrevises ? st->revises[j] : st->depends_on[j - st->nrevises];

			if (!strata__map_get(&seen, ref)) {
				rc = strata__imp_perr(st->source ? st->source : src, 0,
					      "a step may only build on steps before it in the source's order",
					      "%s needs '%s', which is not an earlier step", st->id, ref);
				break;
			}
		}
		if (!rc && strata__map_put(&seen, st->id, (void *)(st->source ? st->source : st->id)) < 0)
			rc = STRATA_ERROR;
	}
	strata__map_release(&seen);
	return rc;
}

int strata_import_read(strata_import_history **out, const char *format, const char *src,
		       const strata_import_options *opt)
{
	strata_import_options defaults = { "postgresql", 0 };
	strata_import_history *h;
	size_t i;
	int rc;

	STRATA_ASSERT_ARG(out);

	*out = NULL;
	STRATA_ASSERT_ARG(format);
	STRATA_ASSERT_ARG(src);
	if (!opt)
		opt = &defaults;
	if (opt->dialect && strcmp(opt->dialect, "postgresql") != 0 && strcmp(opt->dialect, "sqlite") != 0) {
		strata_error_set(STRATA_EINVALID, "unknown dialect '%s'", opt->dialect);
		strata_error_hint("the dialect is postgresql or sqlite");
		return STRATA_EINVALID;
	}
	for (i = 0; i < sizeof(readers) / sizeof(readers[0]); i++)
		if (strcmp(readers[i].name, format) == 0)
			break;
	if (i == sizeof(readers) / sizeof(readers[0])) {
		strata_buf names = STRATA_BUF_INIT;

		for (size_t k = 0; strata_import_formats[k]; k++)
			strata__buf_printf(&names, "%s%s", k ? ", " : "", strata_import_formats[k]);
		strata_error_set(STRATA_EINVALID, "unknown import format '%s'", format);
		strata_error_hint("the formats are %s", strata__buf_cstr(&names));
		strata__buf_release(&names);
		return STRATA_EINVALID;
	}
	if (!strata__fs_is_dir(src)) {
		strata_error_set(STRATA_EINVALID, "%s is not a folder", src);
		strata_error_hint("give the folder that holds the %s migrations", format);
		return STRATA_EINVALID;
	}
	if (!(h = strata_calloc(1, sizeof(*h))))
		return STRATA_ERROR;
	h->format = readers[i].name;
	if (!opt->dialect) {
		defaults.timeout_ms = opt->timeout_ms;
		opt = &defaults;
	}
	rc = readers[i].read(h, src, opt);
	for (i = 0; rc == 0 && i < h->nsteps; i++)
		one_line(h->steps[i].message);
	if (rc == 0)
		rc = check_history(h, src);
	if (rc < 0) {
		strata_import_history_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

/* ---- write --------------------------------------------------------------- */

/* What the target folder already holds: its .sql file names, and the revision id of each (by header, else none). */
typedef struct existing {
	char **names;
	size_t n;
	char **ids;      /* ids[i] for names[i], or NULL */
	strata_map by_id;   /* id -> file name */
	strata_map by_name; /* file name -> itself */
} existing;

static void existing_release(existing *x)
{
	for (size_t i = 0; x->ids && i < x->n; i++)
		strata_free(x->ids[i]);
	strata_free(x->ids);
	strata__fs_free_names(x->names, x->n);
	strata__map_release(&x->by_id);
	strata__map_release(&x->by_name);
}

static int existing_read(existing *x, const char *dir)
{
	strata_buf path = STRATA_BUF_INIT;
	size_t i;
	int rc;

	if (!strata__fs_is_dir(dir))
		return 0;
	if ((rc = strata__fs_list_dir(&x->names, &x->n, dir)) < 0)
		return rc;
	if (!(x->ids = strata_calloc(x->n ? x->n : 1, sizeof(*x->ids))))
		return STRATA_ERROR;
	for (i = 0; i < x->n && rc == 0; i++) {
		strata_migration *m = NULL;
		size_t len = strlen(x->names[i]);

		if (len < 5 || strcmp(x->names[i] + len - 4, ".sql") != 0)
			continue;
		if (strata__map_put(&x->by_name, x->names[i], x->names[i]) < 0 || strata__fs_join(&path, dir, x->names[i]) < 0) {
			rc = STRATA_ERROR;
			break;
		}
		if (strata_migration_load(&m, strata__buf_cstr(&path)) == 0) {
			if (!(x->ids[i] = strata_strdup(m->revision)) ||
			    strata__map_put(&x->by_id, x->ids[i], x->names[i]) < 0)
				rc = STRATA_ERROR;
			strata_migration_free(m);
		}
		strata_error_clear();
	}
	strata__buf_release(&path);
	return rc;
}

/* s as lines: with a final newline unless it is empty. */
static int put_line(strata_buf *b, const char *s)
{
	size_t n = strlen(s);

	if (!n)
		return 0;
	return strata__buf_puts(b, s) < 0 || (s[n - 1] != '\n' && strata__buf_putc(b, '\n') < 0) ? STRATA_ERROR : 0;
}

static int spec_of(strata_revision_spec *spec, const strata_import_step *st, strata_buf *up,
		   strata_buf *down)
{
	memset(spec, 0, sizeof(*spec));
	strata__buf_clear(up);
	strata__buf_clear(down);
	spec->message = st->message;
	spec->parents = (const char *const *)st->revises;
	spec->nparents = st->nrevises;
	spec->depends_on = (const char *const *)st->depends_on;
	spec->ndepends_on = st->ndepends_on;
	spec->branch = st->branch;
	spec->transactional = st->transactional;
	if (st->up_sql && !strata__imp_sql_empty(st->up_sql, strlen(st->up_sql))) {
		if (strata__buf_puts(up, st->up_sql) < 0)
			return STRATA_ERROR;
	} else if (st->nrevises < 2) {
		if ((st->up_sql && put_line(up, st->up_sql) < 0) || strata__buf_puts(up, NOOP_SQL) < 0)
			return STRATA_ERROR;
	} else if (strata__buf_puts(up, "-- merge: no SQL of its own") < 0) {
		return STRATA_ERROR;
	}
	if (!st->down_sql) {
		spec->irreversible = st->irreversible ? st->irreversible : "the source has no down step";
		if (strata__buf_puts(down, "-- irreversible: see the header") < 0)
			return STRATA_ERROR;
	} else if (!strata__imp_sql_empty(st->down_sql, strlen(st->down_sql))) {
		if (strata__buf_puts(down, st->down_sql) < 0)
			return STRATA_ERROR;
	} else if (st->nrevises < 2) {
		if (put_line(down, st->down_sql) < 0 || strata__buf_puts(down, NOOP_SQL) < 0)
			return STRATA_ERROR;
	} else if (strata__buf_puts(down, "-- merge: no SQL of its own") < 0) {
		return STRATA_ERROR;
	}
	/* Keep the text as written, but without trailing newlines (the writer adds one). */
	while (up->len && (up->ptr[up->len - 1] == '\n' || up->ptr[up->len - 1] == '\r'))
		strata__buf_truncate(up, up->len - 1);
	while (down->len && (down->ptr[down->len - 1] == '\n' || down->ptr[down->len - 1] == '\r'))
		strata__buf_truncate(down, down->len - 1);
	if (strata__buf_check(up) < 0 || strata__buf_check(down) < 0)
		return STRATA_ERROR;
	spec->up_sql = strata__buf_cstr(up);
	spec->down_sql = strata__buf_cstr(down);
	return 0;
}

/* The contents of dir/name before the import, to put back if it fails. */
static int keep_file(strata_buf *out, int *had, const char *dir, const char *name)
{
	strata_buf path = STRATA_BUF_INIT;
	int rc = strata__fs_join(&path, dir, name);

	*had = rc == 0 && strata__fs_exists(strata__buf_cstr(&path));
	if (rc == 0 && *had)
		rc = strata__fs_read_file(out, strata__buf_cstr(&path), STRATA_MIGRATION_MAX_BYTES);
	strata__buf_release(&path);
	return rc;
}

/* Undoing needs no memory: the path is built on the stack. */
static void unlink_in(const char *dir, const char *name)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) < sizeof(path))
		unlink(path);
}

static void put_back(const char *dir, const char *name, const strata_buf *old, int had)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return;
	/* strata__fs_write_file may need memory; when it fails the old text is lost, never half written. */
	if (had)
		(void)strata__fs_write_file(path, strata__buf_cstr(old), old->len);
	else
		unlink(path);
}

/* The history's tags into strata.tags, through strata tag's own code (the graph read again for each). */
static int write_tags(const strata_import_history *h, const char *dir)
{
	strata_graph *g = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; i < h->ntags && rc == 0; i++) {
		if ((rc = strata_graph_load(&g, dir)) == 0)
			rc = strata_tag_add(dir, g, h->tags[i].name, h->tags[i].revision);
		if (rc < 0)
			strata_error_append(" (tag %s of %s)", h->tags[i].name, h->tags[i].revision);
		strata_graph_free(g);
		g = NULL;
	}
	return rc;
}

int strata_import_write(const strata_import_history *h, const char *dir)
{
	existing have = { 0 };
	strata_buf old_sum = STRATA_BUF_INIT, old_tags = STRATA_BUF_INIT;
	int had_sum = 0, had_tags = 0;
	strata_buf up = STRATA_BUF_INIT, down = STRATA_BUF_INIT, path = STRATA_BUF_INIT;
	strata_revision_spec spec;
	char **texts = NULL, **names = NULL;
	size_t i, written = 0;
	int rc = 0, made_dir = 0;

	STRATA_ASSERT_ARG(h);
	STRATA_ASSERT_ARG(dir);
	if ((rc = existing_read(&have, dir)) < 0)
		goto done;
	for (i = 0; i < h->nsteps; i++) {
		const char *file = strata__map_get(&have.by_id, h->steps[i].id);

		if (file) {
			rc = strata_error_set(STRATA_EINVALID,
					      "%s already holds revision %s (%s); nothing was written", dir,
					      h->steps[i].id, file);
			strata_error_hint("import into an empty folder (--into DIR), or move the existing "
					  "revisions away first");
			goto done;
		}
	}
	if (!(texts = strata_calloc(h->nsteps ? h->nsteps : 1, sizeof(*texts))) ||
	    !(names = strata_calloc(h->nsteps ? h->nsteps : 1, sizeof(*names)))) {
		rc = STRATA_ERROR;
		goto done;
	}
	/* Everything is rendered and checked before the first file is written. */
	for (i = 0; i < h->nsteps; i++) {
		const strata_import_step *st = &h->steps[i];

		if ((rc = spec_of(&spec, st, &up, &down)) < 0 ||
		    (rc = strata_revision_render(&texts[i], &names[i], st->id, st->created, &spec)) < 0) {
			strata_error_append(" (step %s from %s)", st->id, st->source ? st->source : "?");
			goto done;
		}
		if (strata__map_has(&have.by_name, names[i])) {
			rc = strata_error_set(STRATA_EINVALID, "%s already holds a file named %s; nothing was written",
					      dir, names[i]);
			strata_error_hint("import into an empty folder (--into DIR)");
			goto done;
		}
	}
	if (!strata__fs_is_dir(dir)) {
		if ((rc = strata__fs_mkdir_p(dir)) < 0)
			goto done;
		made_dir = 1;
	}
	if ((rc = keep_file(&old_sum, &had_sum, dir, STRATA_SUM_FILE)) < 0 ||
	    (rc = keep_file(&old_tags, &had_tags, dir, STRATA_TAGS_FILE)) < 0)
		goto done;
	for (i = 0; i < h->nsteps; i++) {
		if ((rc = strata__fs_join(&path, dir, names[i])) < 0 ||
		    (rc = strata__fs_create_file(strata__buf_cstr(&path), texts[i], strlen(texts[i]))) < 0)
			break;
		written++;
	}
	if (rc == 0)
		rc = strata_sum_write(dir);
	if (rc == 0)
		rc = write_tags(h, dir);
	if (rc < 0) {
		/* All or nothing: what was written goes again, strata.sum and
		 * strata.tags get their old contents back. */
		strata_error saved = *strata_error_last();

		for (i = 0; i < written; i++)
			unlink_in(dir, names[i]);
		put_back(dir, STRATA_SUM_FILE, &old_sum, had_sum);
		put_back(dir, STRATA_TAGS_FILE, &old_tags, had_tags);
		if (made_dir)
			rmdir(dir);
		strata_error_restore(&saved);
	}
done:
	for (i = 0; i < h->nsteps; i++) {
		if (texts)
			strata_free(texts[i]);
		if (names)
			strata_free(names[i]);
	}
	strata_free(texts);
	strata_free(names);
	existing_release(&have);
	strata__buf_release(&old_sum);
	strata__buf_release(&old_tags);
	strata__buf_release(&up);
	strata__buf_release(&down);
	strata__buf_release(&path);
	return rc;
}

/* ---- report -------------------------------------------------------------- */

typedef struct counts {
	size_t noop, nontx, irreversible, stubs, merges, depends;
} counts;

static int is_noop(const char *sql)
{
	return !sql || strata__imp_sql_empty(sql, strlen(sql));
}

static counts count_steps(const strata_import_history *h)
{
	counts c = { 0 };

	for (size_t i = 0; i < h->nsteps; i++) {
		const strata_import_step *st = &h->steps[i];

		c.noop += is_noop(st->up_sql);
		c.nontx += !st->transactional;
		c.irreversible += !st->down_sql;
		c.stubs += st->stub != NULL;
		c.merges += st->nrevises > 1;
		c.depends += st->ndepends_on > 0;
	}
	return c;
}

static const char *irreversible_why(const strata_import_step *st)
{
	if (st->down_sql)
		return NULL;
	return st->irreversible ? st->irreversible : "the source has no down step";
}

static int report_text(strata_buf *b, const strata_import_history *h)
{
	counts c = count_steps(h);
	size_t i;

	strata__buf_printf(b, "imported %zu %s step%s as revisions %s .. %s\n", h->nsteps, h->format,
		   h->nsteps == 1 ? "" : "s", h->steps[0].id, h->steps[h->nsteps - 1].id);
	strata__buf_printf(b, "  %zu transaction: off, %zu no-op, %zu irreversible, %zu with depends-on, "
		      "%zu merge%s, %zu stub%s\n",
		   c.nontx, c.noop, c.irreversible, c.depends, c.merges, c.merges == 1 ? "" : "s", c.stubs,
		   c.stubs == 1 ? "" : "s");
	for (i = 0; i < h->nsteps; i++) {
		const strata_import_step *st = &h->steps[i];

		if (st->stub)
			strata__buf_printf(b, "stub %s: %s\n", st->id, st->stub);
		if (st->nrevises > 1) {
			strata__buf_printf(b, "merge %s of", st->id);
			for (size_t j = 0; j < st->nrevises; j++)
				strata__buf_printf(b, " %s", st->revises[j]);
			strata__buf_putc(b, '\n');
		}
	}
	if (c.nontx) {
		strata__buf_puts(b, "transaction: off:");
		for (i = 0; i < h->nsteps; i++)
			if (!h->steps[i].transactional)
				strata__buf_printf(b, " %s", h->steps[i].id);
		strata__buf_putc(b, '\n');
	}
	/* Irreversible steps, one line per reason (most share the format's). */
	for (i = 0; i < h->nsteps; i++) {
		const char *why = irreversible_why(&h->steps[i]);
		size_t j;

		if (!why)
			continue;
		for (j = 0; j < i && !(irreversible_why(&h->steps[j]) && strcmp(irreversible_why(&h->steps[j]), why) == 0); j++)
			;
		if (j < i)
			continue;
		strata__buf_printf(b, "irreversible (%s):", why);
		for (j = i; j < h->nsteps; j++)
			if (irreversible_why(&h->steps[j]) && strcmp(irreversible_why(&h->steps[j]), why) == 0)
				strata__buf_printf(b, " %s", h->steps[j].id);
		strata__buf_putc(b, '\n');
	}
	for (i = 0; i < h->nskipped; i++)
		strata__buf_printf(b, "skipped %s: %s\n", h->skipped[i].what, h->skipped[i].why);
	for (i = 0; i < h->ntags; i++)
		strata__buf_printf(b, "tag %s: %s\n", h->tags[i].name, h->tags[i].revision);
	for (i = 0; i < h->nnotes; i++)
		strata__buf_printf(b, "note: %s\n", h->notes[i]);
	return strata__buf_check(b);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *list_json(char **v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static int report_json(strata_buf *b, const strata_import_history *h)
{
	counts c = count_steps(h);
	json_t *root = json_object(), *steps = json_array(), *skipped = json_array();
	char *text = NULL;
	size_t i;
	int rc = STRATA_ERROR;

	if (!root || !steps || !skipped)
		goto done;
	for (i = 0; i < h->nsteps; i++) {
		const strata_import_step *st = &h->steps[i];
		json_t *o = json_pack("{s:s, s:o, s:o, s:o, s:s, s:o, s:s, s:b, s:b, s:o, s:o, s:o}", "id", st->id,
				      "revises", list_json(st->revises, st->nrevises), "depends_on",
				      list_json(st->depends_on, st->ndepends_on), "branch", str_or_null(st->branch),
				      "message", st->message ? st->message : "", "created",
				      str_or_null(st->created), "transaction", st->transactional ? "on" : "off",
				      "noop", is_noop(st->up_sql), "down", st->down_sql != NULL, "irreversible",
				      st->down_sql ? json_null() : json_string(st->irreversible ? st->irreversible : "the source has no down step"),
				      "stub", str_or_null(st->stub), "source", str_or_null(st->source));

		if (!o || json_array_append_new(steps, o) < 0)
			goto done;
	}
	for (i = 0; i < h->nskipped; i++)
		json_array_append_new(skipped, json_pack("{s:s, s:s}", "what", h->skipped[i].what, "why",
							 h->skipped[i].why));
	json_object_set_new(root, "format", json_string(h->format));
	json_object_set_new(root, "imported", json_integer((json_int_t)h->nsteps));
	json_object_set_new(root, "transaction_off", json_integer((json_int_t)c.nontx));
	json_object_set_new(root, "noop", json_integer((json_int_t)c.noop));
	json_object_set_new(root, "irreversible", json_integer((json_int_t)c.irreversible));
	json_object_set_new(root, "merges", json_integer((json_int_t)c.merges));
	json_object_set_new(root, "stubs", json_integer((json_int_t)c.stubs));
	json_object_set_new(root, "steps", steps);
	steps = NULL;
	json_object_set_new(root, "skipped", skipped);
	skipped = NULL;
	{
		json_t *tags = json_array();

		for (i = 0; tags && i < h->ntags; i++)
			json_array_append_new(tags, json_pack("{s:s, s:s}", "name", h->tags[i].name, "revision",
							      h->tags[i].revision));
		json_object_set_new(root, "tags", tags);
	}
	json_object_set_new(root, "notes", list_json(h->notes, h->nnotes));
	if (!(text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)))
		goto done;
	rc = strata__buf_puts(b, text) < 0 || strata__buf_putc(b, '\n') < 0 ? STRATA_ERROR : 0;
done:
	free(text);
	json_decref(root);
	json_decref(steps);
	json_decref(skipped);
	return rc;
}

int strata_import_report(char **out, const strata_import_history *h, int json)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc;

	STRATA_ASSERT_ARG(out);

	*out = NULL;
	if (!h || !h->nsteps)
		return strata_error_set(STRATA_EINVALID, "strata_import_report: no history");
	rc = json ? report_json(&b, h) : report_text(&b, h);
	if (rc < 0) {
		strata__buf_release(&b);
		return rc;
	}
	*out = strata__buf_detach(&b);
	return 0;
}
