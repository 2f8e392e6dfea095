/*
 * core/batch.c - batched data steps of revisions (core/batch.h).
 *
 * Layer: core. Part 1 (scanner, shape check, rewriting) touches no
 * database; part 2 runs a step through db/db.h, throttled by
 * db/throttle.h and sized by util/batchsize.h, the same mechanisms as
 * online backfills.
 *
 * Why ":last" and ":next": the statement stays ordinary SQL the user can
 * read, and run by hand for one range (psql's \set last 0, or SQLite's
 * named parameters); the range test is theirs to write next to the rest
 * of the WHERE clause, and strata checks that it compares the key it
 * walks. The key is one column of any type: the first batch turns the
 * user's "KEY > :last" into "KEY >= :last" and binds the first key, so no
 * value below every key is needed, and bounds are found with ORDER BY
 * (uuid has no max()). A composite key is refused (KEY_HINT says why).
 * Each statement of the section is a step with its own progress row.
 *
 * Invariants:
 *  1. A batch's statement and its progress row commit together: the
 *     progress row says exactly which keys are done.
 *  2. Each batch walks the keys after the last committed one in key
 *     order; a resumed run starts after the saved key, never before.
 *  3. The progress row of a revision whose batch section changed since
 *     (another checksum) is not trusted: the walk starts over.
 *  4. Nothing here prints; messages go through opts->log.
 */
#include "core/batch.h"
#include "db/lockretry.h"
#include "db/sqlscan.h"
#include "db/throttle.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/batchsize.h"
#include "util/strutil.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- part 1: a tokenizer that knows quoting, for both engines ---------- */

enum { T_END, T_WORD, T_QIDENT, T_STRING, T_NUMBER, T_PARAM, T_PLACEHOLDER, T_OP, T_PUNCT,
       T_VALUE };

typedef struct tok {
	int kind;
	size_t at, len;
} tok;

static int ident_start(unsigned char c)
{
	return isalpha(c) || c == '_' || c >= 0x80;
}

static int ident_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* The end of the string, quoted name or dollar quote opening at s[p]
 * (db/sqlscan.h: E'...' escapes, doubled quotes, $tag$; len when open). */
static size_t quoted_end(const char *s, size_t len, size_t p)
{
	sqlscan_span sp;

	strata__sqlscan_span_at(&sp, s, len, p, SQLSCAN_EITHER);
	return sp.end;
}

/* 1 if s[p] opens a dollar quote $tag$...$tag$. */
static int opens_dollar_quote(const char *s, size_t len, size_t p)
{
	sqlscan_span sp;

	strata__sqlscan_span_at(&sp, s, len, p, SQLSCAN_POSTGRES);
	return sp.kind == SQLSCAN_DOLLAR;
}

static int is_op_char(char c)
{
	return c && strchr("+-*/<>=~!@#%^&|`?", c) != NULL;
}

/* The token at or after *pos; T_END at the end. */
static tok next_tok(const char *s, size_t len, size_t *pos)
{
	size_t p = strata__sqlscan_skip_blank(s, len, *pos, SQLSCAN_POSTGRES, NULL), q;
	tok t = { T_END, p, 0 };
	unsigned char c;

	if (p >= len) {
		*pos = len;
		return t;
	}
	c = (unsigned char)s[p];
	q = p + 1;
	if (c == '\'') {
		t.kind = T_STRING;
		q = quoted_end(s, len, p);
	} else if (c == '"' || c == '`') {
		t.kind = T_QIDENT;
		q = quoted_end(s, len, p);
	} else if (c == '$' && q < len && isdigit((unsigned char)s[q])) {
		t.kind = T_PARAM;
		while (q < len && isdigit((unsigned char)s[q]))
			q++;
	} else if (c == '$' && opens_dollar_quote(s, len, p)) {
		t.kind = T_STRING;
		q = quoted_end(s, len, p);
	} else if (c == ':' && p + 1 < len && s[p + 1] == ':') {
		t.kind = T_OP;
		q = p + 2;
	} else if (c == ':' && p + 1 < len && ident_start((unsigned char)s[p + 1]) &&
		   (p == 0 || !ident_char((unsigned char)s[p - 1]))) {
		/* Not glued to a word or a '$' before it: "$:next" would read as
		 * "$$2" once bound. */
		t.kind = T_PLACEHOLDER;
		for (q = p + 1; q < len && ident_char((unsigned char)s[q]); q++)
			;
	} else if (c == '<' && len - p >= sizeof(BATCH_VALUE_PLACEHOLDER) - 1 &&
		   memcmp(s + p, BATCH_VALUE_PLACEHOLDER, sizeof(BATCH_VALUE_PLACEHOLDER) - 1) == 0) {
		t.kind = T_VALUE;
		q = p + sizeof(BATCH_VALUE_PLACEHOLDER) - 1;
	} else if (isdigit(c) || (c == '.' && q < len && isdigit((unsigned char)s[q]))) {
		t.kind = T_NUMBER;
		while (q < len && (isalnum((unsigned char)s[q]) || s[q] == '.' || s[q] == '_'))
			q++;
	} else if (ident_start(c)) {
		t.kind = T_WORD;
		while (q < len && ident_char((unsigned char)s[q]))
			q++;
		/* E'...', X'...', B'...', N'...': a prefixed string. */
		if (q == p + 1 && q < len && s[q] == '\'' && strchr("EeXxBbNn", (char)c)) {
			t.kind = T_STRING;
			q = quoted_end(s, len, c == 'E' || c == 'e' ? p : q);
		}
	} else if (is_op_char((char)c)) {
		t.kind = T_OP;
		while (q < len && is_op_char(s[q]) &&
		       !(q + 1 < len && ((s[q] == '-' && s[q + 1] == '-') ||
					 (s[q] == '/' && s[q + 1] == '*'))) &&
		       !(s[q] == '<' && len - q >= 7 && memcmp(s + q, BATCH_VALUE_PLACEHOLDER, 7) == 0))
			q++;
	} else {
		t.kind = T_PUNCT;
	}
	t.len = q - p;
	*pos = q;
	return t;
}

static int tok_is(const char *s, const tok *t, int kind, const char *text)
{
	return t->kind == kind && strlen(text) == t->len && strncasecmp(s + t->at, text, t->len) == 0;
}

/* :name is :last (1), :next (2), or another (0). */
static int placeholder_kind(const char *s, const tok *t)
{
	if (t->len == 5 && strncasecmp(s + t->at, ":last", 5) == 0)
		return 1;
	if (t->len == 5 && strncasecmp(s + t->at, ":next", 5) == 0)
		return 2;
	return 0;
}

void strata__batch_scan_text(batch_scan *out, const char *sql, size_t len)
{
	size_t pos = 0;
	tok t;

	memset(out, 0, sizeof(*out));
	while ((t = next_tok(sql, len, &pos)).kind != T_END) {
		if (t.kind == T_VALUE && !out->has_value) {
			out->has_value = 1;
			out->value_at = t.at;
		}
		if (t.kind != T_PLACEHOLDER)
			continue;
		switch (placeholder_kind(sql, &t)) {
		case 1:
			if (!out->nlast++)
				out->last_at = t.at;
			break;
		case 2:
			if (!out->nnext++)
				out->next_at = t.at;
			break;
		default:
			if (!out->other[0]) {
				snprintf(out->other, sizeof(out->other), "%.*s",
					 (int)(t.len < sizeof(out->other) - 1 ? t.len : sizeof(out->other) - 1),
					 sql + t.at);
				out->other_at = t.at;
			}
			break;
		}
	}
}

int strata__batch_rewrite(strata_buf *out, const char *sql, size_t len, const char *last,
		  const char *next)
{
	size_t pos = 0, copied = 0;
	tok t;

	while ((t = next_tok(sql, len, &pos)).kind != T_END) {
		int k = t.kind == T_PLACEHOLDER ? placeholder_kind(sql, &t) : 0;

		if (!k)
			continue;
		strata__buf_putn(out, sql + copied, t.at - copied);
		strata__buf_puts(out, k == 1 ? last : next);
		copied = t.at + t.len;
	}
	strata__buf_putn(out, sql + copied, len - copied);
	return strata__buf_check(out);
}

/* A name token's text, unquoted; an unquoted word in lower case (as PostgreSQL folds it). */
static char *unquote(const char *s, const tok *t)
{
	strata_buf b = STRATA_BUF_INIT;
	size_t i;

	if (t->kind == T_QIDENT) {
		char q = s[t->at];

		for (i = t->at + 1; i + 1 < t->at + t->len; i++) {
			strata__buf_putc(&b, s[i]);
			if (s[i] == q && s[i + 1] == q)
				i++;
		}
	} else {
		for (i = t->at; i < t->at + t->len; i++)
			strata__buf_putc(&b, (char)tolower((unsigned char)s[i]));
	}
	if (strata__buf_check(&b) < 0)
		return NULL;
	if (!b.ptr && strata__buf_grow(&b, 1) < 0)
		return NULL;
	return strata__buf_detach(&b);
}

#define RANGE_HINT \
	"write the key range as 'WHERE id > :last AND id <= :next' (id: the table's primary key), " \
	"and any other condition beside it; strata runs the statement once per range"

static int shape_error(size_t *err_at, size_t at, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int shape_error(size_t *err_at, size_t at, const char *hint, const char *fmt, ...)
{
	char msg[STRATA_ERROR_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	*err_at = at;
	strata_error_set(STRATA_EPARSE, "%s", msg);
	strata_error_hint("%s", hint);
	return STRATA_EPARSE;
}

static int is_name(const tok *t)
{
	return t->kind == T_WORD || t->kind == T_QIDENT;
}

/* The column compared in "COL op :placeholder" (toks[i] the placeholder). */
static int range_column(char **out, const char *s, const tok *v, size_t i, const char *op)
{
	*out = NULL;
	if (i < 2 || !tok_is(s, &v[i - 1], T_OP, op) || !is_name(&v[i - 2]))
		return 0;
	return (*out = unquote(s, &v[i - 2])) ? 1 : STRATA_ERROR;
}

/* Tokens of the statement (T_END last). */
static int tokens(tok **out, size_t *n, const char *sql, size_t len)
{
	size_t pos = 0, cap = 0;
	tok t;

	*out = NULL;
	*n = 0;
	do {
		t = next_tok(sql, len, &pos);
		if (strata_grow((void **)out, &cap, *n + 1, sizeof(**out)) < 0)
			return STRATA_ERROR;
		(*out)[(*n)++] = t;
	} while (t.kind != T_END);
	return 0;
}

int strata__batch_stmt_parse(batch_stmt *out, size_t *err_at, const char *sql, size_t len)
{
	tok *v = NULL;
	size_t n = 0, i = 0, first_name;
	char *key_last = NULL, *key_next = NULL;
	int rc, nlast = 0, nnext = 0;

	memset(out, 0, sizeof(*out));
	*err_at = 0;
	if ((rc = tokens(&v, &n, sql, len)) < 0)
		goto done;
	rc = STRATA_EPARSE;
	if (tok_is(sql, &v[0], T_WORD, "update")) {
		i = 1;
		if (tok_is(sql, &v[i], T_WORD, "or") && v[i + 1].kind != T_END)
			i += 2;
	} else if (tok_is(sql, &v[0], T_WORD, "delete")) {
		out->is_delete = 1;
		if (!tok_is(sql, &v[1], T_WORD, "from")) {
			shape_error(err_at, v[1].at, "write DELETE FROM table WHERE ...",
				    "expected FROM after DELETE");
			goto done;
		}
		i = 2;
	} else {
		shape_error(err_at, v[0].at, "put other statements in the up section of a revision "
			    "before or after this one; a '-- +batch' section runs one statement over "
			    "key ranges",
			    "a '-- +batch' section holds one UPDATE or DELETE, not '%.*s'",
			    (int)(v[0].len > 40 ? 40 : v[0].len), sql + v[0].at);
		goto done;
	}
	if (tok_is(sql, &v[i], T_WORD, "only"))
		i++;
	if (!is_name(&v[i])) {
		shape_error(err_at, v[i].at, "name the table right after UPDATE or DELETE FROM",
			    "expected the table's name");
		goto done;
	}
	first_name = i;
	if (tok_is(sql, &v[i + 1], T_PUNCT, ".") && is_name(&v[i + 2]))
		i += 2;
	rc = STRATA_ERROR;
	if (!(out->table = strata_strndup(sql + v[first_name].at,
					  v[i].at + v[i].len - v[first_name].at)) ||
	    !(out->table_name = unquote(sql, &v[i])))
		goto done;
	rc = STRATA_EPARSE;
	for (i++; v[i].kind != T_END; i++) {
		int k;

		if (tok_is(sql, &v[i], T_WORD, "returning")) {
			shape_error(err_at, v[i].at, "remove the RETURNING clause; strata counts the rows "
				    "each batch changes", "RETURNING is not allowed in a batched statement");
			goto done;
		}
		if (tok_is(sql, &v[i], T_PUNCT, ";") && v[i + 1].kind == T_END)
			continue;
		if (tok_is(sql, &v[i], T_PUNCT, ";")) {
			shape_error(err_at, v[i].at, "a '-- +batch' section holds one statement",
				    "a second statement after ';'");
			goto done;
		}
		if (v[i].kind != T_PLACEHOLDER)
			continue;
		k = placeholder_kind(sql, &v[i]);
		if (k == 0) {
			shape_error(err_at, v[i].at, RANGE_HINT,
				    "unknown placeholder '%.*s' (a batched statement has :last and :next)",
				    (int)(v[i].len > 40 ? 40 : v[i].len), sql + v[i].at);
			goto done;
		}
		if ((k == 1 ? nlast++ : nnext++) > 0) {
			shape_error(err_at, v[i].at, RANGE_HINT, "'%s' appears more than once",
				    k == 1 ? ":last" : ":next");
			goto done;
		}
		if (k == 1)
			out->last_at = v[i].at, out->gt_at = i ? v[i - 1].at : 0;
		else
			out->next_at = v[i].at;
		rc = range_column(k == 1 ? &key_last : &key_next, sql, v, i, k == 1 ? ">" : "<=");
		if (rc < 0)
			goto done;
		rc = STRATA_EPARSE;
		if (!(k == 1 ? key_last : key_next)) {
			shape_error(err_at, v[i].at, RANGE_HINT, "'%s' must follow 'KEY %s'",
				    k == 1 ? ":last" : ":next", k == 1 ? ">" : "<=");
			goto done;
		}
	}
	if (!nlast || !nnext) {
		shape_error(err_at, v[n - 1].at, RANGE_HINT, "the statement has no '%s' placeholder",
			    !nlast ? ":last" : ":next");
		goto done;
	}
	if (strcmp(key_last, key_next) != 0) {
		shape_error(err_at, out->next_at, RANGE_HINT,
			    "':last' and ':next' compare different columns (%s and %s)", key_last,
			    key_next);
		goto done;
	}
	out->key = key_last;
	key_last = NULL;
	rc = 0;
done:
	strata_free(key_last);
	strata_free(key_next);
	strata_free(v);
	if (rc < 0)
		strata__batch_stmt_release(out);
	return rc;
}

void strata__batch_stmt_release(batch_stmt *s)
{
	strata_free(s->table);
	strata_free(s->table_name);
	strata_free(s->key);
	memset(s, 0, sizeof(*s));
}

/* ---- part 2: running ----------------------------------------------------- */

int strata__batch_prepare(batch_stmt *out, size_t *stmt_off, size_t *stmt_len, size_t *count,
		  const strata_migration *m, db_engine engine, size_t which)
{
	strata_buf bound = STRATA_BUF_INIT;
	db_stmt *stmts = NULL;
	size_t n = 0, err = 0;
	int rc, line, col;

	memset(out, 0, sizeof(*out));
	/* PostgreSQL's parser splits it: :last and :next are not its syntax,
	 * so it reads parameters of the same width in their place (padded in front, so that
	 * what follows them lexes as it did). */
	rc = strata__batch_rewrite(&bound, m->text + m->batch_offset, m->batch_len, "   $1", "   $2");
	if (rc == 0)
		rc = strata__db_split(&stmts, &n, &err, engine, strata__buf_cstr(&bound), bound.len);
	strata__buf_release(&bound);
	if (rc == 0 && n == 0) {
		strata_error_set(STRATA_EPARSE, "the batch section holds no statement");
		strata_error_hint("write one UPDATE or DELETE in each '-- +batch' section");
		rc = STRATA_EPARSE;
	}
	if (count)
		*count = n;
	if (rc == 0 && which >= n) {
		strata_free(stmts);
		return strata_error_set(STRATA_ERROR, "batched statement %zu of %zu", which + 1, n);
	}
	if (rc == 0) {
		*stmt_off = m->batch_offset + stmts[which].offset;
		*stmt_len = stmts[which].len;
		/* The split saw "   $2" where the file has ":next": a statement
		 * ending in a placeholder ends after its name. */
		while (stmts[which].offset + *stmt_len < m->batch_len &&
		       ident_char((unsigned char)m->text[*stmt_off + *stmt_len]))
			(*stmt_len)++;
		rc = strata__batch_stmt_parse(out, &err, m->text + *stmt_off, *stmt_len);
		err += stmts[which].offset;
	}
	if (rc == STRATA_EPARSE) {
		strata_error e = *strata_error_last();

		strata_migration_position(&line, &col, m, m->batch_offset + err);
		strata_error_set(STRATA_EPARSE, "%s:%d:%d: %s (batch section of revision %s)", m->path,
				 line, col, e.message, m->revision);
		strata_error_hint("%s", e.hint[0] ? e.hint : "fix the SQL; nothing was run");
	}
	strata_free(stmts);
	return rc;
}

/* The first value into a char[TEXT_MAX] (every buffer on_text fills has that size). */
#define TEXT_MAX 64
/* A key value as text (a cursor): longer keys are refused, not cut. */
#define KEY_MAX 512

typedef struct walk {
	strata_db *db;
	const strata_config *cfg;
	const strata_run_options *o;
	const strata_migration *m;
	const char *db_user;
	db_engine engine;
	batch_stmt st;
	strata_buf key;      /* the key column, quoted */
	strata_buf progress; /* the progress table, quoted */
	strata_buf stmt;     /* the user's statement, placeholders bound */
	strata_buf bound;    /* the query for the next batch's last key */
	char cursor[KEY_MAX];      /* the last key done; before the first batch the first key */
	int first;                 /* the next batch is the first: it includes the cursor's key */
	int int_key;               /* the key is an integer (SQLite: bound with CAST) */
	size_t step;               /* which statement of the section (from 0) */
	size_t nsteps;
	strata_buf stmt_first;     /* the statement with ">=" before :last, for the first batch */
	long long done, changed, batches, total;
	strata_batch_progress pr;
	double last_log;
} walk;

static void wlog(walk *w, strata_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void wlog(walk *w, strata_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!w->o->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->o->log(w->o->payload, level, msg);
}

static int on_text(void *payload, int ncols, const char *const *v)
{
	char *out = payload;

	if (ncols > 0 && v[0])
		snprintf(out, TEXT_MAX, "%s", v[0]);
	return 0;
}

typedef struct key_info {
	int rows;
	char name[256];
	char type[64];
	long natts;
	int without_rowid;
} key_info;

static int on_pg_key(void *payload, int ncols, const char *const *v)
{
	key_info *k = payload;

	if (ncols < 3 || k->rows++)
		return 0;
	snprintf(k->name, sizeof(k->name), "%s", v[0] ? v[0] : "");
	snprintf(k->type, sizeof(k->type), "%s", v[1] ? v[1] : "");
	k->natts = v[2] ? atol(v[2]) : 0;
	return 0;
}

static int on_sqlite_pk(void *payload, int ncols, const char *const *v)
{
	key_info *k = payload;

	if (ncols < 2)
		return 0;
	if (!k->natts++) {
		snprintf(k->name, sizeof(k->name), "%s", v[0] ? v[0] : "");
		snprintf(k->type, sizeof(k->type), "%s", v[1] ? v[1] : "");
	}
	return 0;
}

static int key_error(walk *w, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int key_error(walk *w, const char *hint, const char *fmt, ...)
{
	char msg[STRATA_ERROR_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	strata_error_set(STRATA_EINVALID, "revision %s (%s), batch section: %s", w->m->revision,
			 w->m->path, msg);
	strata_error_hint("%s", hint);
	return STRATA_EINVALID;
}

/* Why not a composite key: :last and :next are one value each, and a range
 * of a key of several columns needs a bound per column, "(a, b) > (x, y)",
 * in the user's statement; a statement that compared one of the columns
 * would skip or repeat rows, so it is refused rather than run. */
#define KEY_HINT \
	"strata batches by a one-column primary key (any type: integer, text, uuid); a key of " \
	"several columns cannot be carried by :last and :next, one value each. Give the table " \
	"a one-column key (SQLite: compare rowid), or change its rows with strata online, whose " \
	"backfill walks any primary key"

static int is_integer_type(const char *t)
{
	return strcasecmp(t, "smallint") == 0 || strcasecmp(t, "integer") == 0 ||
	       strcasecmp(t, "bigint") == 0 || strcasecmp(t, "int") == 0;
}

/* SQLite's rule for INTEGER affinity: the declared type contains "INT". */
static int has_int(const char *t)
{
	for (; *t; t++)
		if (strncasecmp(t, "int", 3) == 0)
			return 1;
	return 0;
}

/* The key the walk uses: the primary key, which the statement must compare. */
static int find_key(walk *w)
{
	key_info k;
	const char *p[1];
	char exists[TEXT_MAX] = "";
	int rc;

	memset(&k, 0, sizeof(k));
	if (w->engine == DB_POSTGRES) {
		p[0] = w->st.table;
		if ((rc = strata__db_query(w->db, "SELECT to_regclass($1) IS NOT NULL", 1, p, on_text, exists)) < 0)
			return rc;
		if (strcmp(exists, "t") != 0)
			return key_error(w, "create the table in an earlier revision, or fix the name",
					 "no table %s", w->st.table);
		if ((rc = strata__db_query(w->db, "SELECT a.attname, format_type(a.atttypid, NULL), "
				   "array_length(i.indkey::int2[], 1) FROM pg_index i JOIN pg_attribute a "
				   "ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
				   "WHERE i.indrelid = to_regclass($1) AND i.indisprimary",
				   1, p, on_pg_key, &k)) < 0)
			return rc;
		if (!k.rows)
			return key_error(w, KEY_HINT, "table %s has no primary key", w->st.table);
		if (k.natts != 1)
			return key_error(w, KEY_HINT, "the primary key of %s has %ld columns", w->st.table,
					 k.natts);
		w->int_key = is_integer_type(k.type);
		if (strcmp(k.name, w->st.key) != 0)
			return key_error(w, RANGE_HINT, "the statement compares %s with :last and :next, "
					 "but the primary key of %s is %s", w->st.key, w->st.table,
					 k.name);
		return strata__buf_put_sql_ident(&w->key, k.name);
	}
	p[0] = w->st.table_name;
	if ((rc = strata__db_query(w->db, "SELECT wr FROM pragma_table_list WHERE schema = 'main' AND "
			   "name = $1 COLLATE NOCASE AND type = 'table'", 1, p, on_text, exists)) < 0)
		return rc;
	if (!exists[0])
		return key_error(w, "create the table in an earlier revision, or fix the name",
				 "no table %s", w->st.table);
	k.without_rowid = strcmp(exists, "1") == 0;
	if ((rc = strata__db_query(w->db, "SELECT name, type FROM pragma_table_info($1) WHERE pk > 0 "
			   "ORDER BY pk", 1, p, on_sqlite_pk, &k)) < 0)
		return rc;
	if (!k.without_rowid) {
		/* A rowid table: the rowid, its INTEGER PRIMARY KEY alias, or a
		 * one-column key of another type (text: its automatic index). */
		int alias = k.natts == 1 && strcasecmp(k.type, "integer") == 0 &&
			    strcasecmp(k.name, w->st.key) == 0;

		if (!alias && k.natts == 1 && strcasecmp(k.name, w->st.key) == 0) {
			w->int_key = has_int(k.type);
			return strata__buf_put_sql_ident(&w->key, k.name);
		}
		w->int_key = 1;
		if (!alias && k.natts > 1 && strcasecmp(w->st.key, "rowid") != 0 &&
		    strcasecmp(w->st.key, "_rowid_") != 0 && strcasecmp(w->st.key, "oid") != 0)
			return key_error(w, KEY_HINT, "the primary key of %s has %ld columns; the "
					 "statement compares %s, so compare rowid instead", w->st.table,
					 k.natts, w->st.key);
		if (!alias && strcasecmp(w->st.key, "rowid") != 0 &&
		    strcasecmp(w->st.key, "_rowid_") != 0 && strcasecmp(w->st.key, "oid") != 0)
			return key_error(w, RANGE_HINT, "the statement compares %s with :last and :next; "
					 "on SQLite it compares %s%s%s or rowid", w->st.key,
					 k.natts == 1 && strcasecmp(k.type, "integer") == 0 ? "the "
					 "INTEGER PRIMARY KEY " : "",
					 k.natts == 1 && strcasecmp(k.type, "integer") == 0 ? k.name : "",
					 k.natts == 1 && strcasecmp(k.type, "integer") == 0 ? "" : "the key");
		return strata__buf_put_sql_ident(&w->key, alias ? k.name : "rowid");
	}
	if (k.natts != 1)
		return key_error(w, KEY_HINT, "table %s is WITHOUT ROWID and its primary key has %ld "
				 "columns", w->st.table, k.natts);
	w->int_key = has_int(k.type);
	if (strcasecmp(k.name, w->st.key) != 0)
		return key_error(w, RANGE_HINT, "the statement compares %s with :last and :next, but "
				 "the primary key of %s is %s", w->st.key, w->st.table, k.name);
	return strata__buf_put_sql_ident(&w->key, k.name);
}

static int progress_name(strata_buf *out, const strata_config *cfg)
{
	const char *dot = strrchr(cfg->version_table, '.');
	strata_buf name = STRATA_BUF_INIT;
	int rc;

	if (dot)
		strata__buf_putn(&name, cfg->version_table, (size_t)(dot - cfg->version_table + 1));
	strata__buf_puts(&name, BATCH_PROGRESS_TABLE);
	rc = strata__buf_check(&name);
	if (rc == 0)
		rc = strata__db_quote_qualified(out, strata__buf_cstr(&name));
	strata__buf_release(&name);
	return rc;
}

typedef struct saved_row {
	int found;
	char checksum[96];
	char last_key[KEY_MAX];
	long long done, changed, batches;
} saved_row;

static int on_saved(void *payload, int ncols, const char *const *v)
{
	saved_row *s = payload;

	if (ncols < 5)
		return 0;
	s->found = 1;
	snprintf(s->checksum, sizeof(s->checksum), "%s", v[0] ? v[0] : "");
	snprintf(s->last_key, sizeof(s->last_key), "%s", v[1] ? v[1] : "");
	s->done = v[2] ? atoll(v[2]) : 0;
	s->changed = v[3] ? atoll(v[3]) : 0;
	s->batches = v[4] ? atoll(v[4]) : 0;
	return 0;
}

/* The progress table (created when missing), and the saved row of this step. */
static int read_progress(walk *w, saved_row *saved)
{
	strata_buf sql = STRATA_BUF_INIT;
	char step[32];
	const char *p[2] = { w->m->revision, step };
	int rc;

	snprintf(step, sizeof(step), "%zu", w->step + 1);
	memset(saved, 0, sizeof(*saved));
	strata__buf_printf(&sql, "CREATE TABLE IF NOT EXISTS %s (revision %s NOT NULL, step integer NOT NULL, "
		   "checksum text NOT NULL, last_key text NOT NULL, keys_done bigint NOT NULL, "
		   "rows_changed bigint NOT NULL, batches bigint NOT NULL, started_at text NOT NULL, "
		   "updated_at text NOT NULL, db_user text, PRIMARY KEY (revision, step))",
		   strata__buf_cstr(&w->progress), w->engine == DB_POSTGRES ? "varchar(32)" : "text");
	if ((rc = strata__buf_check(&sql)) < 0 || (rc = strata__db_exec(w->db, strata__buf_cstr(&sql), 0, NULL)) < 0)
		goto done;
	strata__buf_clear(&sql);
	strata__buf_printf(&sql, "SELECT checksum, last_key, keys_done, rows_changed, batches FROM %s "
		   "WHERE revision = $1 AND step = %s", strata__buf_cstr(&w->progress),
		   w->engine == DB_POSTGRES ? "$2::integer" : "CAST($2 AS INTEGER)");
	if ((rc = strata__buf_check(&sql)) == 0)
		rc = strata__db_query(w->db, strata__buf_cstr(&sql), 2, p, on_saved, saved);
done:
	strata__buf_release(&sql);
	return rc;
}

static int save_progress(walk *w)
{
	strata_buf sql = STRATA_BUF_INIT;
	char done[32], changed[32], batches[32], now[32], step[32];
	const char *p[9];
	int rc;

	snprintf(step, sizeof(step), "%zu", w->step + 1);
	p[8] = step;
	snprintf(done, sizeof(done), "%lld", w->done);
	snprintf(changed, sizeof(changed), "%lld", w->changed);
	snprintf(batches, sizeof(batches), "%lld", w->batches);
	strata__utc_timestamp(now);
	p[0] = w->m->revision;
	p[1] = w->m->checksum;
	p[2] = w->cursor;
	p[3] = done;
	p[4] = changed;
	p[5] = batches;
	p[6] = now;
	p[7] = w->db_user;
	strata__buf_printf(&sql, "INSERT INTO %s (revision, step, checksum, last_key, keys_done, rows_changed, "
		   "batches, started_at, updated_at, db_user) VALUES ($1, %s, $2, $3, %s, %s, %s, $7, "
		   "$7, $8) ON CONFLICT (revision, step) DO UPDATE SET checksum = excluded.checksum, "
		   "last_key = excluded.last_key, keys_done = excluded.keys_done, rows_changed = "
		   "excluded.rows_changed, batches = excluded.batches, updated_at = excluded.updated_at",
		   strata__buf_cstr(&w->progress),
		   w->engine == DB_POSTGRES ? "$9::integer" : "CAST($9 AS INTEGER)",
		   w->engine == DB_POSTGRES ? "$4::bigint" : "CAST($4 AS INTEGER)",
		   w->engine == DB_POSTGRES ? "$5::bigint" : "CAST($5 AS INTEGER)",
		   w->engine == DB_POSTGRES ? "$6::bigint" : "CAST($6 AS INTEGER)");
	rc = strata__buf_check(&sql);
	if (rc == 0)
		rc = strata__db_exec(w->db, strata__buf_cstr(&sql), 9, p);
	strata__buf_release(&sql);
	return rc;
}

int strata__batch_progress_clear(strata_db *db, const strata_config *cfg, const char *revision)
{
	strata_buf name = STRATA_BUF_INIT, sql = STRATA_BUF_INIT;
	const char *p[1] = { revision };
	char found[TEXT_MAX] = "";
	int rc;

	if ((rc = progress_name(&name, cfg)) < 0)
		goto done;
	/* The table exists only once a batched step has run on this database. */
	if (strata__db_engine_kind(db) == DB_POSTGRES) {
		const char *n[1] = { strata__buf_cstr(&name) };

		rc = strata__db_query(db, "SELECT to_regclass($1) IS NOT NULL", 1, n, on_text, found);
		if (rc < 0 || strcmp(found, "t") != 0)
			goto done;
	} else {
		const char *n[1] = { BATCH_PROGRESS_TABLE };

		rc = strata__db_query(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1", 1,
			      n, on_text, found);
		if (rc < 0 || !found[0])
			goto done;
	}
	strata__buf_printf(&sql, "DELETE FROM %s WHERE revision = $1", strata__buf_cstr(&name));
	if ((rc = strata__buf_check(&sql)) == 0)
		rc = strata__db_exec(db, strata__buf_cstr(&sql), 1, p);
done:
	strata__buf_release(&name);
	strata__buf_release(&sql);
	return rc;
}

typedef struct bound {
	char last[KEY_MAX];
	long long rows;
	int too_long;
} bound;

static int on_bound(void *payload, int ncols, const char *const *v)
{
	bound *b = payload;

	if (ncols < 2)
		return 0;
	b->too_long = v[0] && strlen(v[0]) >= sizeof(b->last);
	snprintf(b->last, sizeof(b->last), "%s", v[0] ? v[0] : "");
	b->rows = v[1] ? atoll(v[1]) : 0;
	return 0;
}

static int key_too_long(const walk *w)
{
	strata_error_set(STRATA_EINVALID, "revision %s, batched statement %zu: a value of the key of "
			 "%s is longer than %d bytes", w->m->revision, w->step + 1, w->st.table,
			 KEY_MAX - 1);
	strata_error_hint("strata keeps the last key done as text; batch by a shorter key (an "
			  "integer identity column), or change the rows with strata online");
	return STRATA_EINVALID;
}

static int on_count(void *payload, int ncols, const char *const *v)
{
	*(long long *)payload = ncols > 0 && v[0] ? atoll(v[0]) : 0;
	return 0;
}

/* The SQL of a walk: the statement with its placeholders bound, and the bound query. */
static int one_walk_sql(walk *w, strata_buf *out, const char *text, size_t len)
{
	int sqlite_int = w->engine == DB_SQLITE && w->int_key;
	int rc;

	if (w->engine == DB_POSTGRES)
		strata__buf_puts(out, "WITH _strata_batch AS (");
	if ((rc = strata__batch_rewrite(out, text, len, sqlite_int ? "CAST($1 AS INTEGER)" : "$1",
				sqlite_int ? "CAST($2 AS INTEGER)" : "$2")) < 0)
		return rc;
	if (w->engine == DB_POSTGRES)
		strata__buf_puts(out, " RETURNING 1) SELECT count(*) FROM _strata_batch");
	return strata__buf_check(out);
}

/* The statement with its placeholders bound, and its first-batch form
 * ("KEY >= :last": the walk starts at the first key, which for a key that
 * is not a number has nothing below it to start after). */
static int walk_sql(walk *w, size_t stmt_off, size_t stmt_len)
{
	strata_buf first = STRATA_BUF_INIT;
	const char *text = w->m->text + stmt_off;
	size_t gt = w->st.gt_at;
	int rc;

	if ((rc = one_walk_sql(w, &w->stmt, text, stmt_len)) < 0)
		return rc;
	strata__buf_putn(&first, text, gt + 1);
	strata__buf_putc(&first, '=');
	strata__buf_putn(&first, text + gt + 1, stmt_len - gt - 1);
	if ((rc = strata__buf_check(&first)) == 0)
		rc = one_walk_sql(w, &w->stmt_first, strata__buf_cstr(&first), first.len);
	strata__buf_release(&first);
	return rc;
}

/* The next batch's last key and row count (no max(): uuid has none). */
static int bound_sql(walk *w, long size)
{
	const char *param = w->engine == DB_SQLITE && w->int_key ? "CAST($1 AS INTEGER)" : "$1";

	strata__buf_clear(&w->bound);
	strata__buf_printf(&w->bound, "WITH _strata_b AS (SELECT %s AS _strata_k FROM %s WHERE %s %s %s "
		   "ORDER BY %s LIMIT %ld) SELECT (SELECT _strata_k FROM _strata_b ORDER BY "
		   "_strata_k DESC LIMIT 1), (SELECT count(*) FROM _strata_b)", strata__buf_cstr(&w->key),
		   w->st.table, strata__buf_cstr(&w->key), w->first ? ">=" : ">", param, strata__buf_cstr(&w->key),
		   size);
	return strata__buf_check(&w->bound);
}

/* One batch in its own transaction with its progress row; *more 0 when the keys ran out. */
static int one_batch(walk *w, long size, int *more)
{
	const char *p[2];
	const strata_buf *stmt;
	bound b;
	long long changed = 0;
	int rc;

	*more = 0;
	memset(&b, 0, sizeof(b));
	if ((rc = bound_sql(w, size)) < 0 || (rc = strata__db_begin(w->db)) < 0)
		return rc;
	p[0] = w->cursor;
	if ((rc = strata__db_query(w->db, strata__buf_cstr(&w->bound), 1, p, on_bound, &b)) < 0)
		goto fail;
	if (b.too_long) {
		rc = key_too_long(w);
		goto fail;
	}
	if (b.rows == 0 || !b.last[0])
		return strata__db_commit(w->db);
	p[1] = b.last;
	stmt = w->first ? &w->stmt_first : &w->stmt;
	if (w->engine == DB_POSTGRES) {
		rc = strata__db_query(w->db, strata__buf_cstr(stmt), 2, p, on_count, &changed);
	} else if ((rc = strata__db_exec(w->db, strata__buf_cstr(stmt), 2, p)) == 0) {
		rc = strata__db_query(w->db, "SELECT changes()", 0, NULL, on_count, &changed);
	}
	if (rc < 0)
		goto fail;
	snprintf(w->cursor, sizeof(w->cursor), "%s", b.last);
	w->first = 0;
	w->done += b.rows;
	w->changed += changed;
	w->batches++;
	if ((rc = save_progress(w)) < 0 || (rc = strata__db_commit(w->db)) < 0)
		goto fail;
	*more = 1;
	return 0;
fail:
	strata__db_rollback_keep_error(w->db);
	return rc;
}

static void on_lag_tick(void *payload, double lag_ms, double waited_ms)
{
	walk *w = payload;

	w->pr.replica_lag_ms = lag_ms;
	w->pr.waiting = 1;
	if (strata__now_ms() - w->last_log > 10000) {
		wlog(w, STRATA_LOG_INFO, "batches paused: a standby is %.0f ms behind "
		     "(--max-replica-lag %ld ms); waiting %.0f s so far", lag_ms,
		     w->o->max_replica_lag_ms, waited_ms / 1000);
		w->last_log = strata__now_ms();
	}
	if (w->o->batch_progress)
		w->o->batch_progress(w->o->payload, &w->pr);
}

/* Estimated rows of the table: the planner's count, else a count. */
static int estimate_rows(walk *w)
{
	const char *p[1] = { w->st.table };
	strata_buf sql = STRATA_BUF_INIT;
	int rc;

	w->total = -1;
	if (w->engine == DB_POSTGRES &&
	    (rc = strata__db_query(w->db, "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass($1)",
			   1, p, on_count, &w->total)) < 0)
		return rc;
	if (w->total >= 0)
		return 0;
	strata__buf_printf(&sql, "SELECT count(*) FROM %s", w->st.table);
	rc = strata__buf_check(&sql);
	if (rc == 0)
		rc = strata__db_query(w->db, strata__buf_cstr(&sql), 0, NULL, on_count, &w->total);
	strata__buf_release(&sql);
	return rc;
}

/* The walk from its start (or the saved key) to the end of the keys. */
static int walk_keys(walk *w)
{
	batch_tuner tuner;
	long long start_done = w->done;
	double t0 = strata__now_ms();
	int rc, more = 1;
	db_lock_retry retry;

	strata__db_lock_retry_init(&retry, w->cfg->lock_retries, DB_LOCK_RETRY_BATCH_FIRST_MS);
	strata__batch_tuner_init(&tuner, w->o->batch_size, w->cfg->batch_target_ms);
	w->pr.m = w->m;
	w->pr.table = w->st.table;
	while (more) {
		double tb, secs;

		if ((rc = strata__db_wait_replicas(w->db, w->o->max_replica_lag_ms, &w->pr.replica_lag_ms,
					   on_lag_tick, w)) < 0)
			return rc;
		w->pr.waiting = 0;
		tb = strata__now_ms();
		if ((rc = one_batch(w, tuner.size, &more)) < 0) {
			if (!strata__db_lock_retry_next(&retry))
				return rc;
			wlog(w, STRATA_LOG_WARN, "revision %s: a batch waited longer than lock_timeout "
			     "(%ld ms) for a row lock; retry %d of %d", w->m->revision,
			     w->cfg->lock_timeout_ms, retry.done, retry.max);
			strata__pause_ms(retry.wait_ms);
			more = 1;
			continue;
		}
		strata__db_lock_retry_reset(&retry);
		if (!more)
			break;
		strata__batch_tuner_observe(&tuner, w->done - w->pr.done, strata__now_ms() - tb);
		secs = (strata__now_ms() - t0) / 1000;
		w->pr.done = w->done;
		w->pr.changed = w->changed;
		w->pr.total = w->total > w->done ? w->total : w->done;
		w->pr.batch_size = tuner.size;
		w->pr.rows_per_s = secs > 0 ? (double)(w->done - start_done) / secs : 0;
		w->pr.eta_s = w->pr.rows_per_s > 0 ? (double)(w->pr.total - w->done) / w->pr.rows_per_s
						   : -1;
		if (w->o->batch_progress)
			w->o->batch_progress(w->o->payload, &w->pr);
		strata__pause_ms(w->o->batch_pause_ms);
	}
	return 0;
}

/* Statement w->step of the section, from its saved progress on. */
static int strata__run_step(walk *w, double t0)
{
	const strata_migration *m = w->m;
	saved_row saved;
	size_t off = 0, len = 0;
	char label[48] = "";
	int rc;

	if (w->nsteps > 1)
		snprintf(label, sizeof(label), " (statement %zu of %zu)", w->step + 1, w->nsteps);
	if ((rc = strata__batch_prepare(&w->st, &off, &len, NULL, m, w->engine, w->step)) < 0 ||
	    (rc = find_key(w)) < 0 || (rc = walk_sql(w, off, len)) < 0 ||
	    (rc = read_progress(w, &saved)) < 0 || (rc = estimate_rows(w)) < 0)
		return rc;
	if (saved.found && strcmp(saved.checksum, m->checksum) != 0) {
		wlog(w, STRATA_LOG_WARN, "revision %s%s: its file changed since an interrupted run "
		     "(%lld rows done then); the batches start again from the first key",
		     m->revision, label, saved.done);
		saved.found = 0;
	}
	if (saved.found) {
		snprintf(w->cursor, sizeof(w->cursor), "%s", saved.last_key);
		w->done = saved.done;
		w->changed = saved.changed;
		w->batches = saved.batches;
		wlog(w, STRATA_LOG_INFO, "revision %s%s: resuming the batched step on %s after key %s "
		     "(%lld rows done in %lld batches)", m->revision, label, w->st.table, w->cursor,
		     w->done, w->batches);
	} else {
		strata_buf first = STRATA_BUF_INIT;
		bound b;

		memset(&b, 0, sizeof(b));
		strata__buf_printf(&first, "SELECT %s, 1 FROM %s ORDER BY %s LIMIT 1", strata__buf_cstr(&w->key),
			   w->st.table, strata__buf_cstr(&w->key));
		if ((rc = strata__buf_check(&first)) == 0)
			rc = strata__db_query(w->db, strata__buf_cstr(&first), 0, NULL, on_bound, &b);
		strata__buf_release(&first);
		if (rc == 0 && b.too_long)
			rc = key_too_long(w);
		if (rc < 0)
			return rc;
		if (!b.rows) {
			wlog(w, STRATA_LOG_INFO, "revision %s%s: %s is empty; the batched step has "
			     "nothing to do", m->revision, label, w->st.table);
			return 0;
		}
		snprintf(w->cursor, sizeof(w->cursor), "%s", b.last);
		w->first = 1;
		wlog(w, STRATA_LOG_INFO, "revision %s%s: batched %s on %s (about %lld rows)",
		     m->revision, label, w->st.is_delete ? "DELETE" : "UPDATE", w->st.table, w->total);
	}
	if ((rc = walk_keys(w)) < 0)
		return rc;
	wlog(w, STRATA_LOG_INFO, "revision %s%s: %lld rows walked, %lld changed, in %lld batches "
	     "(%.1f s)", m->revision, label, w->done, w->changed, w->batches,
	     (strata__now_ms() - t0) / 1000);
	return 0;
}

static void walk_reset(walk *w)
{
	strata__batch_stmt_release(&w->st);
	strata__buf_clear(&w->key);
	strata__buf_clear(&w->stmt);
	strata__buf_clear(&w->stmt_first);
	strata__buf_clear(&w->bound);
	w->cursor[0] = '\0';
	w->first = w->int_key = 0;
	w->done = w->changed = w->batches = w->total = 0;
	memset(&w->pr, 0, sizeof(w->pr));
	w->pr.replica_lag_ms = -1;
}

int strata__batch_run(strata_db *db, const strata_config *cfg, const strata_run_options *opts,
	      const strata_migration *m, const char *db_user)
{
	walk w;
	batch_stmt probe;
	size_t off, len;
	int rc;

	memset(&w, 0, sizeof(w));
	w.db = db;
	w.cfg = cfg;
	w.o = opts;
	w.m = m;
	w.db_user = db_user;
	w.engine = strata__db_engine_kind(db);
	w.pr.replica_lag_ms = -1;
	if ((rc = strata__batch_prepare(&probe, &off, &len, &w.nsteps, m, w.engine, 0)) < 0 ||
	    (rc = progress_name(&w.progress, cfg)) < 0)
		goto done;
	strata__batch_stmt_release(&probe);
	/* Each statement in turn, each resumed from its own progress row: a
	 * statement finished before a kill walks no key again (its saved key
	 * is its last; the next run finds nothing after it). */
	for (w.step = 0; w.step < w.nsteps; w.step++) {
		walk_reset(&w);
		if ((rc = strata__run_step(&w, strata__now_ms())) < 0)
			goto done;
	}
done:
	if (rc < 0 && w.batches) {
		strata_error_append(" (statement %zu: %lld batches committed, up to key %s: the next "
				    "upgrade goes on from there)", w.step + 1, w.batches, w.cursor);
	}
	strata__batch_stmt_release(&w.st);
	strata__buf_release(&w.key);
	strata__buf_release(&w.progress);
	strata__buf_release(&w.stmt);
	strata__buf_release(&w.stmt_first);
	strata__buf_release(&w.bound);
	return rc;
}

int strata__batch_render(strata_buf *out, const strata_migration *m, db_engine engine)
{
	size_t count = 1;
	int rc = 0;

	strata__buf_puts(out, "-- batched step: strata upgrade runs each statement over key ranges, one "
		 "transaction each (resumable); this script runs it once over every key\n");
	for (size_t k = 0; rc == 0 && k < count; k++) {
		batch_stmt st;
		strata_buf lo = STRATA_BUF_INIT, hi = STRATA_BUF_INIT, key = STRATA_BUF_INIT,
			   text = STRATA_BUF_INIT;
		size_t off = 0, len = 0;

		if ((rc = strata__batch_prepare(&st, &off, &len, &count, m, engine, k)) < 0)
			return rc;
		/* ">= the first key" and "<= the last": no arithmetic, so any key type */
		strata__buf_put_sql_ident(&key, st.key);
		strata__buf_printf(&lo, "(SELECT %s FROM %s ORDER BY %s LIMIT 1)", strata__buf_cstr(&key), st.table,
			   strata__buf_cstr(&key));
		strata__buf_printf(&hi, "(SELECT %s FROM %s ORDER BY %s DESC LIMIT 1)", strata__buf_cstr(&key),
			   st.table, strata__buf_cstr(&key));
		strata__buf_putn(&text, m->text + off, st.gt_at + 1);
		strata__buf_putc(&text, '=');
		strata__buf_putn(&text, m->text + off + st.gt_at + 1, len - st.gt_at - 1);
		if ((rc = strata__buf_check(&lo)) == 0 && (rc = strata__buf_check(&hi)) == 0 &&
		    (rc = strata__buf_check(&text)) == 0 &&
		    (rc = strata__batch_rewrite(out, strata__buf_cstr(&text), text.len, strata__buf_cstr(&lo), strata__buf_cstr(&hi))) == 0)
			rc = strata__buf_puts(out, ";\n") < 0 ? STRATA_ERROR : strata__buf_check(out);
		strata__buf_release(&lo);
		strata__buf_release(&hi);
		strata__buf_release(&key);
		strata__buf_release(&text);
		strata__batch_stmt_release(&st);
	}
	return rc;
}
