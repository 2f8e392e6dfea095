/*
 * schema/sqlnames.c - the names a PostgreSQL script mentions (see
 * sqlnames.h for what counts and what makes a script opaque).
 */
#include "schema/sqlnames.h"
#include "db/sqlscan.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/map.h"

#include <ctype.h>
#include <string.h>

#define NAME_MAX_LEN 63      /* PostgreSQL's NAMEDATALEN - 1 */
#define NAMES_MAX 10000      /* beyond this, reading everything is cheaper */

typedef struct names_ctx {
	sc_names *out;
	strata_map seen; /* keys point into out->v */
} names_ctx;

static int add(sc_names *out, strata_map *seen, const char *name, size_t len)
{
	char *s;
	char **v;

	if (len == 0 || len > NAME_MAX_LEN || memchr(name, '\0', len))
		return 0; /* no PostgreSQL name is empty, longer, or holds a NUL */
	if (out->n >= NAMES_MAX) {
		out->opaque = 1;
		return 0;
	}
	if (!(s = strata_strndup(name, len)))
		return STRATA_ERROR;
	if (seen && strata__map_has(seen, s)) {
		strata_free(s);
		return 0;
	}
	if (!seen) {
		for (size_t i = 0; i < out->n; i++)
			if (strcmp(out->v[i], s) == 0) {
				strata_free(s);
				return 0;
			}
	}
	if (!(v = strata_realloc(out->v, (out->n + 1) * sizeof(*v)))) {
		strata_free(s);
		return STRATA_ERROR;
	}
	out->v = v;
	out->v[out->n++] = s;
	return seen ? strata__map_put(seen, s, s) : 0;
}

int strata__sc_names_add(sc_names *out, const char *name, size_t len)
{
	return add(out, NULL, name, len);
}

void strata__sc_names_release(sc_names *n)
{
	for (size_t i = 0; n && i < n->n; i++)
		strata_free(n->v[i]);
	if (n)
		strata_free(n->v);
}

/* --- the lexer -------------------------------------------------------------- */

typedef enum tok_kind { TOK_END, TOK_WORD, TOK_QUOTED, TOK_STRING, TOK_SEMI, TOK_LPAREN, TOK_DOT, TOK_OTHER, TOK_BAD } tok_kind;

typedef struct lexer {
	const char *s;
	size_t len, i;
	size_t start, end; /* the token's text (contents, for strings and quoted names) */
	char word[NAME_MAX_LEN + 1]; /* a TOK_WORD folded to lower case */
} lexer;

static int ident_start(unsigned char c)
{
	return isalpha(c) || c == '_' || c >= 0x80;
}

static int ident_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/*
 * The next token. Blanks, comments, strings, quoted names and dollar
 * quotes follow db/sqlscan.h, with the rules of both engines (a script of
 * either may come here); an open quote or comment is TOK_BAD.
 */
static tok_kind next(lexer *x)
{
	sqlscan_span sp;
	unsigned char c;
	int open = 0;

	x->i = strata__sqlscan_skip_blank(x->s, x->len, x->i, SQLSCAN_EITHER, &open);
	if (open)
		return TOK_BAD;
	if (x->i >= x->len)
		return TOK_END;
	c = (unsigned char)x->s[x->i];
	strata__sqlscan_span_at(&sp, x->s, x->len, x->i, SQLSCAN_EITHER);
	if (c == '[') {
		/* SQLite: [a name]; PostgreSQL: a subscript or ARRAY[...]. The
		 * contents count as one name and are read on as usual too. */
		x->i++;
		if (sp.open)
			return TOK_OTHER;
		x->start = sp.inner;
		x->end = sp.inner_end;
		return TOK_QUOTED;
	}
	if (sp.kind == SQLSCAN_STRING || sp.kind == SQLSCAN_NAME || sp.kind == SQLSCAN_DOLLAR) {
		if (sp.open)
			return TOK_BAD;
		x->start = sp.inner;
		x->end = sp.inner_end;
		x->i = sp.end;
		/* A dollar-quoted body: its words are not the statement's names. */
		return sp.kind == SQLSCAN_STRING ? TOK_STRING
		       : sp.kind == SQLSCAN_NAME ? TOK_QUOTED : TOK_OTHER;
	}
	if (ident_start(c)) {
		size_t n = 0;

		x->start = x->i;
		while (x->i < x->len && ident_char((unsigned char)x->s[x->i])) {
			if (n < NAME_MAX_LEN)
				x->word[n++] = (char)tolower((unsigned char)x->s[x->i]);
			x->i++;
		}
		x->word[n] = '\0';
		x->end = x->i;
		return TOK_WORD;
	}
	x->i++;
	return c == ';' ? TOK_SEMI : c == '(' ? TOK_LPAREN : c == '.' ? TOK_DOT : TOK_OTHER;
}

/* --- statements ------------------------------------------------------------- */

typedef struct stmt_state {
	char kw[5][NAME_MAX_LEN + 1]; /* the first five words */
	size_t nkw;
	int saw_in;                   /* the last word was IN (GRANT ... IN SCHEMA) */
	int qualified;                /* the previous tokens were "pg_catalog ." */
	char prev_word[NAME_MAX_LEN + 1];
	int prev_was_word;
	int prev_dot_after_catalog;
} stmt_state;

static int word_in(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return 1;
	return 0;
}

/* Whether the statement whose first words are kw can do things its names do not bound. */
static int opaque_start(const stmt_state *st)
{
	static const char *const alone[] = { "do", "call", "execute", "import", "reassign",
					     "security", "load", NULL };
	const char *a = st->kw[0], *b = st->nkw > 1 ? st->kw[1] : "";

	if (word_in(a, alone))
		return 1;
	if ((strcmp(a, "create") == 0 || strcmp(a, "alter") == 0 || strcmp(a, "drop") == 0) &&
	    (strcmp(b, "extension") == 0 || strcmp(b, "event") == 0))
		return 1;
	if (strcmp(a, "drop") == 0 && (strcmp(b, "schema") == 0 || strcmp(b, "owned") == 0))
		return 1;
	return strcmp(a, "alter") == 0 && strcmp(b, "default") == 0;
}

/* Words before "(" in a query that are not a call of a function that
 * could change the schema: keywords, and functions known not to. */
static int known_function(const char *w)
{
	static const char *const known[] = {
		"in", "exists", "any", "all", "some", "as", "from", "join", "on", "where", "and",
		"or", "not", "select", "values", "over", "filter", "using", "into", "when", "then",
		"else", "with", "union", "except", "intersect", "lateral", "array", "row", "cast",
		"set", "by", "is", "like", "ilike", "between", "returning", "distinct", "recursive",
		"setval", "nextval", "currval", "set_config", "current_setting", "count", "sum",
		"min", "max", "avg", "coalesce", "nullif", "greatest", "least", "lower", "upper",
		"length", "now", "exists", "pg_advisory_lock", "pg_advisory_unlock",
		"pg_advisory_xact_lock", "pg_sleep", NULL
	};

	return word_in(w, known);
}

/* DML: statements that can fire triggers and call functions implicitly. */
static int is_write(const stmt_state *st)
{
	static const char *const dml[] = { "insert", "update", "delete", "merge", "copy",
					   "truncate", NULL };

	return st->nkw && word_in(st->kw[0], dml);
}

/* CREATE [OR REPLACE] [CONSTRAINT] FUNCTION | PROCEDURE | TRIGGER, by the first words so far. */
static int defines_code(const stmt_state *st)
{
	static const char *const code[] = { "function", "procedure", "trigger", NULL };
	size_t at = 1;

	if (!st->nkw || strcmp(st->kw[0], "create") != 0)
		return 0;
	if (at < st->nkw && strcmp(st->kw[at], "or") == 0)
		at += 2;
	if (at < st->nkw && strcmp(st->kw[at], "constraint") == 0)
		at++;
	return at < st->nkw && word_in(st->kw[at], code);
}

static int is_query(const stmt_state *st)
{
	return st->nkw && (strcmp(st->kw[0], "select") == 0 || strcmp(st->kw[0], "with") == 0 ||
			   strcmp(st->kw[0], "values") == 0);
}

int strata__sc_names_add_sql(sc_names *out, const char *sql, size_t len)
{
	lexer x = { sql, len, 0, 0, 0, { 0 } };
	strata_map seen = STRATA_MAP_INIT;
	stmt_state st;
	int rc = 0;

	memset(&st, 0, sizeof(st));
	for (size_t i = 0; i < out->n; i++)
		if ((rc = strata__map_put(&seen, out->v[i], out->v[i])) != 0)
			goto done;
	for (;;) {
		tok_kind k = next(&x);

		if (k == TOK_END)
			break;
		if (k == TOK_BAD) {
			out->opaque = 1;
			break;
		}
		if (k == TOK_SEMI) {
			memset(&st, 0, sizeof(st));
			continue;
		}
		if (k == TOK_WORD) {
			if (st.nkw < 5) {
				strcpy(st.kw[st.nkw++], x.word);
				if (st.nkw <= 2 && opaque_start(&st))
					out->opaque = 1;
				if (st.nkw == 1 && is_write(&st))
					out->writes = 1;
				if (defines_code(&st))
					out->defines_code = 1;
			}
			if (st.saw_in && strcmp(x.word, "schema") == 0 &&
			    (strcmp(st.kw[0], "grant") == 0 || strcmp(st.kw[0], "revoke") == 0))
				out->opaque = 1;
			st.saw_in = strcmp(x.word, "in") == 0;
			if ((rc = add(out, &seen, x.word, strlen(x.word))) != 0)
				goto done;
		} else if (k == TOK_QUOTED || k == TOK_STRING) {
			size_t n = x.end - x.start, from = x.start;
			int blank = 0;

			for (size_t j = x.start; j < x.end; j++)
				blank |= isspace((unsigned char)sql[j]) != 0;
			if (k == TOK_STRING && blank)
				goto token_done;
			if ((rc = add(out, &seen, sql + x.start, n)) != 0)
				goto done;
			if (k == TOK_STRING) /* 'schema.table': each part too */
				for (size_t j = x.start; j <= x.end; j++)
					if (j == x.end || sql[j] == '.') {
						if ((rc = add(out, &seen, sql + from, j - from)) != 0)
							goto done;
						from = j + 1;
					}
		} else if (k == TOK_LPAREN && is_query(&st) && st.prev_was_word &&
			   !st.prev_dot_after_catalog && !known_function(st.prev_word)) {
			out->opaque = 1;
		}
	token_done:
		st.prev_dot_after_catalog = k == TOK_WORD && st.qualified;
		st.qualified = k == TOK_DOT && st.prev_was_word && strcmp(st.prev_word, "pg_catalog") == 0;
		st.prev_was_word = k == TOK_WORD;
		if (k == TOK_WORD)
			strcpy(st.prev_word, x.word);
	}
done:
	strata__map_release(&seen);
	return rc;
}
