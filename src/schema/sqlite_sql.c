/*
 * schema/sqlite_sql.c - SQLite's SQL text for the schema layer: tokens,
 * canonical text, quoting (see sqlite_sql.h).
 */
#include "schema/sqlite_sql.h"
#include "db/db.h"
#include "db/sqlscan.h"
#include "schema/catalog.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static int is_name_start(unsigned char c)
{
	return isalpha(c) || c == '_' || c >= 0x80;
}

static int is_name_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

static int push(sqt_tokens *t, sqt_type type, const char *s, size_t n)
{
	if (strata_grow((void **)&t->v, &t->cap, t->n + 1, sizeof(*t->v)) != 0)
		return STRATA_ERROR;
	t->v[t->n].type = type;
	t->v[t->n].s = s;
	t->v[t->n].n = n;
	t->n++;
	return 0;
}

static size_t number_len(const char *p)
{
	size_t i = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2])) {
		i = 2;
		while (isxdigit((unsigned char)p[i]))
			i++;
		return i;
	}
	while (isdigit((unsigned char)p[i]) || p[i] == '_')
		i++;
	if (p[i] == '.') {
		i++;
		while (isdigit((unsigned char)p[i]) || p[i] == '_')
			i++;
	}
	if ((p[i] == 'e' || p[i] == 'E') &&
	    (isdigit((unsigned char)p[i + 1]) ||
	     ((p[i + 1] == '+' || p[i + 1] == '-') && isdigit((unsigned char)p[i + 2])))) {
		i += 2;
		while (isdigit((unsigned char)p[i]))
			i++;
	}
	return i;
}

int strata__sqt_tokenize(sqt_tokens *out, const char *sql)
{
	static const char *const ops2[] = { "||", "<=", ">=", "==", "!=", "<>", "<<", ">>", "->" };
	size_t len = strlen(sql), at = 0, n;
	const char *p = sql;

	memset(out, 0, sizeof(*out));
	for (;;) {
		unsigned char c;
		sqt_type type = SQT_OP;

		/* Blanks and comments (db/sqlscan.h); SQLite ends an open comment at the end. */
		at = strata__sqlscan_skip_blank(sql, len, at, SQLSCAN_SQLITE, NULL);
		if (at >= len)
			break;
		p = sql + at;
		c = (unsigned char)*p;
		n = 1;
		if ((c == 'x' || c == 'X') && p[1] == '\'') {
			const char *close = strchr(p + 2, '\''); /* hex digits: no '' inside */

			if (!close)
				goto open_quote;
			n = (size_t)(close - p) + 1;
			type = SQT_BLOB;
		} else if (is_name_start(c)) {
			while (is_name_char((unsigned char)p[n]))
				n++;
			type = SQT_WORD;
		} else if (isdigit(c) || (c == '.' && isdigit((unsigned char)p[1]))) {
			n = number_len(p);
			type = SQT_NUMBER;
		} else if (c == '\'' || c == '"' || c == '`' || c == '[') {
			sqlscan_span sp;

			strata__sqlscan_span_at(&sp, sql, len, at, SQLSCAN_SQLITE);
			if (sp.open)
				goto open_quote;
			n = sp.end - sp.start;
			type = c == '\'' ? SQT_STRING : SQT_QID;
		} else if (c == '?' || c == ':' || c == '@' || c == '$') {
			while (is_name_char((unsigned char)p[n]))
				n++;
			type = SQT_VAR;
		} else if (c == '(') {
			type = SQT_LP;
		} else if (c == ')') {
			type = SQT_RP;
		} else if (c == ',') {
			type = SQT_COMMA;
		} else if (c == ';') {
			type = SQT_SEMI;
		} else if (c == '.') {
			type = SQT_DOT;
		} else {
			if (strncmp(p, "->>", 3) == 0)
				n = 3;
			else
				for (size_t k = 0; k < sizeof(ops2) / sizeof(*ops2); k++)
					if (strncmp(p, ops2[k], 2) == 0)
						n = 2;
		}
		if (push(out, type, p, n) != 0)
			goto fail;
		at += n;
	}
	return 0;
open_quote:
	strata__sqt_tokens_release(out);
	return strata_error_set(STRATA_EPARSE, "unterminated quote at offset %zu of a schema statement",
				(size_t)(p - sql));
fail:
	strata__sqt_tokens_release(out);
	return STRATA_ERROR;
}

void strata__sqt_tokens_release(sqt_tokens *t)
{
	strata_free(t->v);
	memset(t, 0, sizeof(*t));
}

int strata__sqt_is(const sqt_token *t, const char *w)
{
	return t->type == SQT_WORD && strlen(w) == t->n && strncasecmp(t->s, w, t->n) == 0;
}

int strata__sqt_at(const sqt_token *v, size_t n, size_t i, const char *w)
{
	return i < n && strata__sqt_is(&v[i], w);
}

int strata__sqt_is_keyword(const sqt_token *t)
{
	return t->type == SQT_WORD && strata__db_sqlite_is_keyword(t->s, t->n);
}

char *strata__sqt_name(const sqt_token *t)
{
	strata_buf b = STRATA_BUF_INIT;
	char close;

	if (t->type != SQT_QID && t->type != SQT_STRING)
		return strata_strndup(t->s, t->n);
	close = t->s[0] == '[' ? ']' : t->s[0];
	for (size_t i = 1; i + 1 < t->n; i++) {
		if (strata__buf_putc(&b, t->s[i]) != 0) {
			strata__buf_release(&b);
			return NULL;
		}
		if (t->s[i] == close && close != ']')
			i++; /* doubled quote */
	}
	if (!b.ptr)
		return strata_strdup("");
	return strata__buf_detach(&b);
}

size_t strata__sqt_close_paren(const sqt_token *v, size_t n, size_t i)
{
	int depth = 0;

	for (; i < n; i++) {
		if (v[i].type == SQT_LP)
			depth++;
		else if (v[i].type == SQT_RP && --depth == 0)
			return i;
	}
	return n;
}

/* A '+' or '-' that is a sign: at the start, or after an operator, an
 * opening parenthesis, a comma or a keyword. */
static int is_sign(const sqt_token *v, size_t from, size_t i)
{
	const sqt_token *prev;

	if (v[i].type != SQT_OP || v[i].n != 1 || (v[i].s[0] != '-' && v[i].s[0] != '+'))
		return 0;
	if (i == from)
		return 1;
	prev = &v[i - 1];
	return prev->type == SQT_OP || prev->type == SQT_LP || prev->type == SQT_COMMA ||
	       (prev->type == SQT_WORD && strata__sqt_is_keyword(prev) && !strata__sqt_is(prev, "NULL") &&
		!strata__sqt_is(prev, "TRUE") && !strata__sqt_is(prev, "FALSE") &&
		!strata__sqt_is(prev, "CURRENT_TIME") && !strata__sqt_is(prev, "CURRENT_DATE") &&
		!strata__sqt_is(prev, "CURRENT_TIMESTAMP"));
}

static int needs_space(const sqt_token *v, size_t from, size_t i)
{
	const sqt_token *prev = &v[i - 1], *cur = &v[i];

	if (prev->type == SQT_LP || prev->type == SQT_DOT)
		return 0;
	if (cur->type == SQT_RP || cur->type == SQT_COMMA || cur->type == SQT_DOT ||
	    cur->type == SQT_SEMI)
		return 0;
	/* A call or a name with a column list: f(x), t(a, b), VARCHAR(10). */
	if (cur->type == SQT_LP &&
	    ((prev->type == SQT_WORD && !strata__sqt_is_keyword(prev)) || prev->type == SQT_QID))
		return 0;
	/* A signed number: -1, but never "--" (a comment). */
	if (cur->type == SQT_NUMBER && is_sign(v, from, i - 1))
		return 0;
	return 1;
}

int strata__sqt_put_canonical(strata_buf *out, const sqt_token *v, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		const sqt_token *t = &v[i];

		if (i > from && needs_space(v, from, i) && strata__buf_putc(out, ' ') != 0)
			return STRATA_ERROR;
		if (t->type == SQT_QID) {
			char *name = strata__sqt_name(t);
			int rc = name ? strata__buf_put_sql_ident(out, name) : STRATA_ERROR;

			strata_free(name);
			if (rc != 0)
				return STRATA_ERROR;
		} else if (strata__sqt_is_keyword(t)) {
			for (size_t k = 0; k < t->n; k++)
				if (strata__buf_putc(out, (char)toupper((unsigned char)t->s[k])) != 0)
					return STRATA_ERROR;
		} else if (strata__buf_putn(out, t->s, t->n) != 0) {
			return STRATA_ERROR;
		}
	}
	return 0;
}

char *strata__sqt_canonical(const sqt_token *v, size_t from, size_t to)
{
	strata_buf b = STRATA_BUF_INIT;

	if (strata__sqt_put_canonical(&b, v, from, to) != 0 || strata__buf_puts(&b, "") != 0) {
		strata__buf_release(&b);
		return NULL;
	}
	return strata__buf_detach(&b);
}

int strata__sqt_put_ident(strata_buf *out, const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	int plain = *p && (isalpha(*p) || *p == '_');

	for (; plain && *p; p++)
		if (!(isalnum(*p) || *p == '_'))
			plain = 0;
	if (plain && !strata__db_sqlite_is_keyword(name, strlen(name)))
		return strata__buf_puts(out, name);
	return strata__buf_put_sql_ident(out, name);
}

int strata__sqt_put_column(strata_buf *b, const sc_column *col, const char *pk_clause)
{
	if (strata__sqt_put_ident(b, col->name) != 0 ||
	    (col->type && (strata__buf_putc(b, ' ') != 0 || strata__buf_puts(b, col->type) != 0)) ||
	    (pk_clause && (strata__buf_putc(b, ' ') != 0 || strata__buf_puts(b, pk_clause) != 0)))
		return STRATA_ERROR;
	if (col->not_null && strata__buf_puts(b, " NOT NULL") != 0)
		return STRATA_ERROR;
	if (col->default_expr && strata__buf_printf(b, " DEFAULT %s", col->default_expr) != 0)
		return STRATA_ERROR;
	if (col->collation &&
	    (strata__buf_puts(b, " COLLATE ") != 0 || strata__sqt_put_ident(b, col->collation) != 0))
		return STRATA_ERROR;
	if (col->generated && strata__buf_printf(b, " GENERATED ALWAYS AS (%s) %s", col->generated,
					 col->hidden == 3 ? "STORED" : "VIRTUAL") != 0)
		return STRATA_ERROR;
	return 0;
}
