/*
 * db/sqlparse.c - splitting migration scripts into statements, per engine,
 * and reading the SQL statements inside PostgreSQL function bodies.
 *
 * Layer: db. The one wrapper of libpg_query in libstrata (see sqlparse.h),
 * which it calls through the table pgquery_dyn.h loads on first use
 * (pgq->pg_query_scan...): strata is not linked with libpg_query.
 * No SQL is lexed by hand here: PostgreSQL scripts are split by
 * libpg_query's parser and trimmed with its scanner's tokens, SQLite scripts
 * by sqlite3_complete(). The only text this file reads itself is what
 * psql, not the server, defines: the COPY data block and its "\." line,
 * and the meta-command lines pg_dump writes (step 4 below); and the quotes
 * around a function body the scanner found, to place its statements.
 *
 * PostgreSQL, in rounds (split_pg_round), each over the script from `pos`:
 *   1. pg_query_split_with_parser() on the rest. Success: every statement
 *      is kept, unless one is COPY ... FROM STDIN (checked on the real parse
 *      tree), which ends the round at its data block (step 3).
 *   2. A syntax error at offset E may be COPY data the parser tried to read
 *      as SQL. pg_query_split_with_scanner() on the text before E finds
 *      whether a complete COPY ... FROM STDIN statement precedes E. If none
 *      does, the error is the script's: STRATA_EPARSE at E. If one does, the
 *      text up to its ';' is split with the parser as in step 1.
 *   3. The data starts on the line after the COPY's ';' and runs up to a
 *      line that is exactly "\." (psql's end marker); the next round starts
 *      after that line.
 *   4. Else the error may be at a psql meta-command line ("\name ...")
 *      between statements. pg_dump's own \restrict and \unrestrict lines
 *      (15.14, 16.10, 17.6 and later write them around every plain dump)
 *      change nothing the script creates: the statements before the line
 *      are kept and the next round starts after it. Any other
 *      meta-command is STRATA_EPARSE naming it: strata runs plain SQL.
 *
 * Function bodies and DO blocks (strata__sqlparse_body_statements):
 *   1. The statement's own parse tree gives the language, the body as
 *      PostgreSQL reads it and where the AS clause is; the scanner's first
 *      string token from there is the body in the text. Its inside must
 *      read as the body (dollar quotes; single quotes with '' for ');
 *      else (E'...', adjacent strings) no statement is placed in the text.
 *   2. PL/pgSQL: pg_query_parse_plpgsql() on the CREATE FUNCTION text (a
 *      DO block's body wrapped in one, with a dollar tag it does not hold)
 *      gives JSON; every object in it is visited and the statements that
 *      run SQL are kept with their line in the body. SQL: the body (or
 *      the text between BEGIN ATOMIC and END) is split as a script.
 *   3. Each statement is looked for on its line of the body, from where
 *      the previous one was found: found, its text is the file's (but for
 *      INTO targets PL/pgSQL blanks out); else only its line is known.
 *
 * Invariants:
 *  1. Every offset handed out (statements, data, errors) indexes the
 *     caller's original text, in bytes. libpg_query's error cursorpos is a
 *     1-based character position and is converted (char_to_byte).
 *  2. A statement starts at its first non-comment token and ends before the
 *     comments and blanks after its last one, and never includes the ';'.
 *  3. libpg_query results, unpacked protobuf messages and JSON trees are
 *     freed in the function that got them.
 */
#include "db/pgquery_dyn.h"
#include "db/sqlparse.h"
#include "db/sqlscan.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* libpg_query's functions, loaded by strata__sqlparse_split_pg() before any use (db/pgquery_dyn.h). */
static const pgquery_api *const pgq = &strata__pgquery_dyn;

typedef struct stmt_list {
	db_stmt *v;
	size_t n;
	size_t cap;
} stmt_list;

/* The scanner's tokens of one text, walked forward by token_span(). */
typedef struct tokens {
	PgQuery__ScanResult *res;
	size_t next;
} tokens;

static db_stmt *push(stmt_list *l, size_t offset, size_t len)
{
	void *v = l->v;
	db_stmt *s;

	if (strata_grow(&v, &l->cap, l->n + 1, sizeof(db_stmt)) < 0)
		return NULL;
	l->v = v;
	s = &l->v[l->n++];
	s->offset = offset;
	s->len = len;
	s->data_offset = 0;
	s->data_len = 0;
	return s;
}

static int check_no_nul(const char *sql, size_t len, size_t *err_offset)
{
	const char *nul = memchr(sql, '\0', len);

	if (!nul)
		return 0;
	if (err_offset)
		*err_offset = (size_t)(nul - sql);
	return strata_error_set(STRATA_EPARSE, "the script contains a NUL byte");
}

/* ---- PostgreSQL ------------------------------------------------------ */

/* Bytes of the character starting with byte c (PostgreSQL's pg_utf_mblen). */
static size_t utf8_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	if ((c & 0xf8) == 0xf0)
		return 4;
	return 1;
}

/* Byte offset of libpg_query's 1-based character position in s[0..n). */
static size_t char_to_byte(const char *s, size_t n, int cursorpos)
{
	size_t at = 0;
	int c;

	for (c = 1; c < cursorpos && at < n; c++)
		at += utf8_len((unsigned char)s[at]);
	return at < n ? at : n;
}

/* STRATA_EPARSE with libpg_query's message, kept to its first line. */
static int parse_error(size_t *err_offset, size_t at, const char *msg)
{
	size_t line = strcspn(msg, "\n");

	if (err_offset)
		*err_offset = at;
	return strata_error_set(STRATA_EPARSE, "%.*s%s", (int)line, msg,
				msg[line] ? "...\"" : "");
}

static int scan_tokens(tokens *t, const char *text)
{
	PgQueryScanResult r = pgq->pg_query_scan(text);
	int rc = 0;

	t->res = NULL;
	t->next = 0;
	if (r.error) {
		rc = strata_error_set(STRATA_EPARSE, "%s", r.error->message);
		goto done;
	}
	t->res = pgq->pg_query__scan_result__unpack(NULL, r.pbuf.len,
						    (const uint8_t *)r.pbuf.data);
	if (!t->res)
		rc = strata_error_set(STRATA_ERROR, "cannot decode libpg_query's token list");
done:
	pgq->pg_query_free_scan_result(r);
	return rc;
}

static void tokens_release(tokens *t)
{
	if (t->res)
		pgq->pg_query__scan_result__free_unpacked(t->res, NULL);
	t->res = NULL;
}

static int is_comment(const PgQuery__ScanToken *tok)
{
	return tok->token == PG_QUERY__TOKEN__SQL_COMMENT || tok->token == PG_QUERY__TOKEN__C_COMMENT;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/*
 * The statement within [from, to) of text: 1 and its bounds (and its first
 * token's kind), or 0 when it has no token but comments. It starts at its
 * first non-comment token and ends before any comments and blanks that
 * trail its last one. Token ends are not used: libpg_query's scanner gets
 * them wrong for U&'...' and U&"..." (end = start). Calls must come in
 * increasing order of from.
 */
static int token_span(tokens *t, const char *text, size_t from, size_t to, size_t *start,
		      size_t *end, PgQuery__Token *first)
{
	PgQuery__ScanToken **tok = t->res->tokens;
	size_t i = t->next, count = t->res->n_tokens;
	int found = 0;

	while (i < count && (size_t)tok[i]->start < from)
		i++;
	for (; i < count && (size_t)tok[i]->start < to; i++) {
		if (is_comment(tok[i])) {
			if (found && *end == to)
				*end = (size_t)tok[i]->start;
			continue;
		}
		if (!found) {
			*start = (size_t)tok[i]->start;
			*first = tok[i]->token;
			found = 1;
		}
		*end = to;
	}
	t->next = i;
	if (!found)
		return 0;
	*end = strata__sqlscan_trim_end(text, *start, *end);
	return 1;
}

/* 1 if text[0..len) parses as one COPY ... FROM STDIN, 0 if not, <0 on error. */
static int is_copy_from_stdin(const char *text, size_t len)
{
	PgQueryProtobufParseResult r;
	PgQuery__ParseResult *tree = NULL;
	char *one = strata_strndup(text, len);
	int yes = 0;

	if (!one)
		return STRATA_ERROR;
	r = pgq->pg_query_parse_protobuf(one);
	if (!r.error)
		tree = pgq->pg_query__parse_result__unpack(NULL, r.parse_tree.len,
						      (const uint8_t *)r.parse_tree.data);
	if (tree && tree->n_stmts == 1 && tree->stmts[0]->stmt &&
	    tree->stmts[0]->stmt->node_case == PG_QUERY__NODE__NODE_COPY_STMT) {
		const PgQuery__CopyStmt *copy = tree->stmts[0]->stmt->copy_stmt;

		yes = copy->is_from && !copy->is_program && (!copy->filename || !*copy->filename);
	}
	if (tree)
		pgq->pg_query__parse_result__free_unpacked(tree, NULL);
	pgq->pg_query_free_protobuf_parse_result(r);
	strata_free(one);
	return yes;
}

/*
 * After a parse error at `at`: if a complete COPY ... FROM STDIN statement
 * comes before it, *cut is the offset just past that statement's ';' and
 * the result is 1; 0 when there is none. Only statements whose first token
 * is COPY are parsed to check.
 */
static int copy_before_error(size_t *cut, char *text, size_t at)
{
	PgQuerySplitResult r;
	tokens t = { NULL, 0 };
	char saved = text[at];
	int i, found = 0;

	text[at] = '\0';
	r = pgq->pg_query_split_with_scanner(text);
	if (r.error || scan_tokens(&t, text) < 0)
		goto done;
	for (i = 0; !found && i < r.n_stmts; i++) {
		size_t loc = (size_t)r.stmts[i]->stmt_location;
		size_t end = loc + (size_t)r.stmts[i]->stmt_len;
		size_t start = 0, stop = 0;
		PgQuery__Token first = PG_QUERY__TOKEN__NUL;

		if (!token_span(&t, text, loc, end, &start, &stop, &first) ||
		    first != PG_QUERY__TOKEN__COPY || end >= at || text[end] != ';')
			continue;
		found = is_copy_from_stdin(text + start, stop - start);
		if (found > 0)
			*cut = end + 1;
	}
done:
	tokens_release(&t);
	pgq->pg_query_free_split_result(r);
	text[at] = saved;
	return found;
}

/* A line that is exactly "\." (CR LF allowed), psql's end of COPY data. */
static int is_end_marker(const char *line, size_t avail)
{
	if (avail < 2 || line[0] != '\\' || line[1] != '.')
		return 0;
	if (avail == 2 || line[2] == '\n')
		return 1;
	return line[2] == '\r' && (avail == 3 || line[3] == '\n');
}

/*
 * The COPY statement s ends with the ';' at text[semi]: cut its data block
 * out of text[0..n) and set *consumed past the "\." line.
 */
static int copy_data(db_stmt *s, size_t *consumed, size_t *err_offset, const char *text,
		     size_t n, size_t semi, size_t base)
{
	size_t p = semi + 1, data, line;

	while (p < n && (text[p] == ' ' || text[p] == '\t' || text[p] == '\r'))
		p++;
	if (p < n && text[p] != '\n' && !(text[p] == '-' && p + 1 < n && text[p + 1] == '-')) {
		if (err_offset)
			*err_offset = base + p;
		strata_error_set(STRATA_EPARSE, "text after COPY ... FROM STDIN on the same line");
		strata_error_hint("the COPY data starts on the next line; put other statements "
				  "after its \\. line");
		return STRATA_EPARSE;
	}
	while (p < n && text[p] != '\n')
		p++;
	data = p < n ? p + 1 : n;
	for (line = data; line < n;) {
		const char *nl = memchr(text + line, '\n', n - line);
		size_t next = nl ? (size_t)(nl - text) + 1 : n;

		if (is_end_marker(text + line, n - line)) {
			s->data_offset = base + data;
			s->data_len = line - data;
			*consumed = next;
			return 0;
		}
		line = next;
	}
	if (err_offset)
		*err_offset = s->offset;
	strata_error_set(STRATA_EPARSE, "COPY ... FROM STDIN has no end-of-data line");
	strata_error_hint("end the COPY data with a line holding only \\.");
	return STRATA_EPARSE;
}

/*
 * Keep the statements of a successful split of text[0..n) (n: where the
 * split text ended). Stops at a COPY ... FROM STDIN, whose data is cut out
 * of text[0..total); *consumed is how far the round got.
 */
static int keep_statements(stmt_list *l, size_t *consumed, size_t *err_offset,
			   const PgQuerySplitResult *r, char *text, size_t n, size_t total,
			   size_t base)
{
	tokens t = { NULL, 0 };
	char saved = text[n];
	int i, rc;

	text[n] = '\0';
	rc = scan_tokens(&t, text);
	text[n] = saved;
	if (rc < 0)
		goto done;
	*consumed = total;
	for (i = 0; i < r->n_stmts; i++) {
		size_t loc = (size_t)r->stmts[i]->stmt_location;
		size_t end = r->stmts[i]->stmt_len ? loc + (size_t)r->stmts[i]->stmt_len : n;
		size_t start = 0, stop = 0;
		PgQuery__Token first = PG_QUERY__TOKEN__NUL;
		db_stmt *s;
		int copy = 0;

		if (!token_span(&t, text, loc, end, &start, &stop, &first))
			continue;
		if (first == PG_QUERY__TOKEN__COPY)
			copy = is_copy_from_stdin(text + start, stop - start);
		if (copy < 0) {
			rc = copy;
			goto done;
		}
		if (!(s = push(l, base + start, stop - start))) {
			rc = STRATA_ERROR;
			goto done;
		}
		if (copy) {
			rc = copy_data(s, consumed, err_offset, text, total, end, base);
			goto done;
		}
	}
done:
	tokens_release(&t);
	return rc;
}

/* The meta-commands a plain pg_dump script holds that change nothing it
 * creates (see step 4 at the top). */
static const char *const harmless_meta[] = { "restrict", "unrestrict" };

/*
 * After a parse error at `at` (no COPY before it): 1 if text[at] starts a
 * line "\restrict ..." or "\unrestrict ..." (blanks before it allowed)
 * that comes between statements (the last token before it is ';', or there
 * is none), with *skip_to past that line; 0 if text[at] starts no
 * meta-command there; STRATA_EPARSE for any other meta-command there.
 */
static int meta_command_at(size_t *skip_to, size_t *err_offset, char *text, size_t n,
			   size_t at, size_t base)
{
	tokens t = { NULL, 0 };
	size_t line = at, name_len = 0, i;
	const char *nl;
	char saved;
	int rc = 0, between = 1;

	if (at >= n || text[at] != '\\')
		return 0;
	while (line > 0 && (text[line - 1] == ' ' || text[line - 1] == '\t'))
		line--;
	if (line > 0 && text[line - 1] != '\n')
		return 0;
	saved = text[at];
	text[at] = '\0';
	rc = scan_tokens(&t, text);
	text[at] = saved;
	if (rc < 0)
		return rc;
	for (i = t.res->n_tokens; i > 0; i--) {
		if (is_comment(t.res->tokens[i - 1]))
			continue;
		between = t.res->tokens[i - 1]->token == PG_QUERY__TOKEN__ASCII_59;
		break;
	}
	tokens_release(&t);
	if (!between)
		return 0;
	while (at + 1 + name_len < n &&
	       ((text[at + 1 + name_len] >= 'a' && text[at + 1 + name_len] <= 'z') ||
		(text[at + 1 + name_len] >= 'A' && text[at + 1 + name_len] <= 'Z')))
		name_len++;
	for (i = 0; i < sizeof(harmless_meta) / sizeof(*harmless_meta); i++) {
		if (strlen(harmless_meta[i]) == name_len &&
		    memcmp(harmless_meta[i], text + at + 1, name_len) == 0) {
			nl = memchr(text + at, '\n', n - at);
			*skip_to = nl ? (size_t)(nl - text) + 1 : n;
			return 1;
		}
	}
	if (err_offset)
		*err_offset = base + at;
	strata_error_set(STRATA_EPARSE, "psql meta-command '\\%.*s' in a SQL script",
			 (int)(name_len ? name_len : 1), text + at + 1);
	strata_error_hint("strata runs plain SQL: remove the line (only pg_dump's \\restrict and "
			  "\\unrestrict lines are skipped)");
	return STRATA_EPARSE;
}

/* One round over text[0..n) (the script from offset base); see the top. */
static int split_pg_round(stmt_list *l, size_t *consumed, size_t *err_offset, char *text,
			  size_t n, size_t base)
{
	PgQuerySplitResult r = pgq->pg_query_split_with_parser(text);
	size_t upto = n, at, cut = 0, skip_to = 0;
	int rc = 0, found;
	char saved;

	if (r.error) {
		at = char_to_byte(text, n, r.error->cursorpos);
		found = copy_before_error(&cut, text, at);
		if (found == 0 && (found = meta_command_at(&skip_to, err_offset, text, n, at, base)) > 0)
			cut = at;
		if (found <= 0) {
			rc = found < 0 ? found : parse_error(err_offset, base + at, r.error->message);
			goto done;
		}
		pgq->pg_query_free_split_result(r);
		upto = cut;
		saved = text[cut];
		text[cut] = '\0';
		r = pgq->pg_query_split_with_parser(text);
		text[cut] = saved;
		if (r.error) {
			rc = parse_error(err_offset, base + char_to_byte(text, cut, r.error->cursorpos),
					 r.error->message);
			goto done;
		}
	}
	rc = keep_statements(l, consumed, err_offset, &r, text, upto, n, base);
	if (rc == 0 && skip_to)
		*consumed = skip_to;
done:
	pgq->pg_query_free_split_result(r);
	return rc;
}

int strata__sqlparse_split_pg(db_stmt **out, size_t *n, size_t *err_offset, const char *sql, size_t len)
{
	stmt_list l = { NULL, 0, 0 };
	char *text = NULL;
	size_t pos = 0;
	int rc;

	if ((rc = strata__pgquery_dyn_load()) < 0 || (rc = check_no_nul(sql, len, err_offset)) < 0)
		goto done;
	if (!(text = strata_strndup(sql, len))) {
		rc = STRATA_ERROR;
		goto done;
	}
	while (pos < len) {
		size_t consumed = 0;

		rc = split_pg_round(&l, &consumed, err_offset, text + pos, len - pos, pos);
		if (rc < 0)
			goto done;
		pos += consumed;
	}
done:
	strata_free(text);
	if (rc < 0) {
		strata_free(l.v);
		return rc;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

int strata__sqlparse_parse_pg(PgQuery__ParseResult **out, size_t *err_offset, const char *sql, size_t len)
{
	PgQueryProtobufParseResult r;
	int rc;

	*out = NULL;
	if ((rc = strata__pgquery_dyn_load()) < 0 || (rc = check_no_nul(sql, len, err_offset)) < 0)
		return rc;
	r = pgq->pg_query_parse_protobuf(sql);
	if (r.error) {
		rc = parse_error(err_offset, char_to_byte(sql, len, r.error->cursorpos),
				 r.error->message);
	} else {
		*out = pgq->pg_query__parse_result__unpack(NULL, r.parse_tree.len,
							  (const uint8_t *)r.parse_tree.data);
		if (!*out)
			rc = strata_error_set(STRATA_ERROR, "cannot decode libpg_query's parse tree");
	}
	pgq->pg_query_free_protobuf_parse_result(r);
	return rc;
}

void strata__sqlparse_tree_free(PgQuery__ParseResult *tree)
{
	if (tree)
		pgq->pg_query__parse_result__free_unpacked(tree, NULL);
}

/* ---- function bodies ------------------------------------------------- */

/* The statements that run SQL in libpg_query's PL/pgSQL tree, and the
 * field holding their PLpgSQL_expr. EXECUTE is read only when that
 * expression is one string literal. */
static const struct {
	const char *stmt, *field;
} sql_runners[] = {
	{ "PLpgSQL_stmt_execsql", "sqlstmt" },
	{ "PLpgSQL_stmt_return_query", "query" },
	{ "PLpgSQL_stmt_fors", "query" },
	{ "PLpgSQL_stmt_dynexecute", "query" },
};

/* The body of one CREATE FUNCTION or DO statement being read. */
typedef struct body {
	const char *text;       /* the caller's statement */
	size_t len;
	const char *language;   /* borrowed from the parse tree, as every string here */
	const char *source;     /* the body as PostgreSQL reads it (quotes undone), or NULL */
	int as_location;        /* the AS keyword (function) or the string (DO), or -1 */
	int atomic;             /* LANGUAGE sql BEGIN ATOMIC ... END */
	int is_do;
	/* text[raw_start..raw_end) is the string constant's inside, which reads
	 * as `source` line for line (mapped), then a cursor on its lines for
	 * place(): the line cur_line starts at cur_start; search_from is past
	 * the previous statement found. */
	int mapped;
	size_t raw_start, raw_end;
	int cur_line;
	size_t cur_start, search_from;
	sqlparse_body_stmt *v;
	size_t n, cap;
} body;

void strata__sqlparse_body_free(sqlparse_body_stmt *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		strata_free(v[i].sql);
	strata_free(v);
}

static int push_body_stmt(body *b, const char *sql, size_t len, int line, int guarded)
{
	void *v = b->v;
	sqlparse_body_stmt *s;
	char *copy = strata_strndup(sql, len);

	if (!copy || strata_grow(&v, &b->cap, b->n + 1, sizeof(*s)) < 0) {
		strata_free(copy);
		return STRATA_ERROR;
	}
	b->v = v;
	s = &b->v[b->n++];
	s->sql = copy;
	s->len = len;
	s->place = SQLPARSE_PLACE_NONE;
	s->offset = 0;
	s->line = line;
	s->guarded = guarded;
	return 0;
}

/* A String node's text, or NULL. */
static const char *string_of(const PgQuery__Node *n)
{
	return n && n->node_case == PG_QUERY__NODE__NODE_STRING && n->string ? n->string->sval : NULL;
}

/* Fill b's language, source and AS location from stmt: 1 for CREATE
 * FUNCTION / PROCEDURE and DO, 0 for any other statement. */
static int read_routine(body *b, const PgQuery__Node *stmt)
{
	PgQuery__Node **opts;
	size_t nopts, i;

	if (stmt->node_case == PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT) {
		opts = stmt->create_function_stmt->options;
		nopts = stmt->create_function_stmt->n_options;
		b->atomic = stmt->create_function_stmt->sql_body != NULL;
	} else if (stmt->node_case == PG_QUERY__NODE__NODE_DO_STMT) {
		opts = stmt->do_stmt->args;
		nopts = stmt->do_stmt->n_args;
		b->is_do = 1;
		b->language = "plpgsql";
	} else {
		return 0;
	}
	for (i = 0; i < nopts; i++) {
		const PgQuery__DefElem *d = opts[i]->node_case == PG_QUERY__NODE__NODE_DEF_ELEM
					    ? opts[i]->def_elem : NULL;
		const PgQuery__Node *arg = d ? d->arg : NULL;

		if (!d || !d->defname || !arg)
			continue;
		if (strcmp(d->defname, "language") == 0) {
			b->language = string_of(arg);
		} else if (strcmp(d->defname, "as") == 0) {
			b->as_location = d->location;
			/* A function's AS is a list: one string, or a C function's two. */
			if (arg->node_case == PG_QUERY__NODE__NODE_LIST)
				b->source = arg->list->n_items == 1 ? string_of(arg->list->items[0]) : NULL;
			else
				b->source = string_of(arg);
		}
	}
	if (!b->language && b->atomic)
		b->language = "sql";
	return b->language != NULL;
}

/* 1 if raw[0..n) is source, once every doubled quote '' is read as one
 * when the string is in single quotes. */
static int reads_as(const char *raw, size_t n, const char *source, int single_quoted)
{
	size_t i = 0;

	if (!single_quoted)
		return strlen(source) == n && memcmp(raw, source, n) == 0;
	while (i < n) {
		if (raw[i] == '\'') {
			if (i + 1 >= n || raw[i + 1] != '\'' || *source != '\'')
				return 0;
			i += 2;
		} else if (raw[i] == *source) {
			i++;
		} else {
			return 0;
		}
		source++;
	}
	return *source == '\0';
}

/*
 * Find the body's string constant in the text: the first string token at
 * or after the AS location, as the scanner cuts it. Dollar-quoted, or in
 * plain single quotes, and its inside reads as the source: mapped. An
 * escape string (E'...'), a Unicode one or adjacent strings are not.
 */
static int locate_source(body *b)
{
	tokens t = { NULL, 0 };
	size_t i, s = 0, e = 0;
	int found = 0, rc;

	if (!b->source || b->as_location < 0)
		return 0;
	if ((rc = scan_tokens(&t, b->text)) < 0)
		return rc;
	for (i = 0; i < t.res->n_tokens && !found; i++) {
		const PgQuery__ScanToken *tok = t.res->tokens[i];

		if (tok->start < b->as_location || tok->token != PG_QUERY__TOKEN__SCONST)
			continue;
		s = (size_t)tok->start;
		e = (size_t)tok->end;
		found = s < e && e <= b->len;
	}
	tokens_release(&t);
	if (!found)
		return 0;
	if (b->text[s] == '$') {
		const char *close = memchr(b->text + s + 1, '$', e - s - 1);
		size_t tag = close ? (size_t)(close - (b->text + s)) + 1 : 0;

		if (!tag || e - s < 2 * tag || memcmp(b->text + e - tag, b->text + s, tag) != 0)
			return 0;
		b->raw_start = s + tag;
		b->raw_end = e - tag;
	} else if (b->text[s] == '\'' && e - s >= 2 && b->text[e - 1] == '\'') {
		b->raw_start = s + 1;
		b->raw_end = e - 1;
	} else {
		return 0;
	}
	b->mapped = reads_as(b->text + b->raw_start, b->raw_end - b->raw_start, b->source,
			     b->text[s] == '\'');
	return 0;
}

/* 1 if raw[0..avail) starts with sql[0..len), where a blank in sql may
 * stand for anything (PL/pgSQL blanks out the INTO target of a query). */
static int starts_with(const char *raw, size_t avail, const char *sql, size_t len)
{
	size_t i;

	if (len > avail || !len || raw[0] != sql[0])
		return 0;
	for (i = 1; i < len; i++)
		if (raw[i] != sql[i] && sql[i] != ' ')
			return 0;
	return 1;
}

/*
 * Place s, the next statement in line order, in the text: on its line of
 * the raw body, at or after the previous statement found, where its text
 * is; else at the line's first non-blank; else nowhere.
 */
static void place(body *b, sqlparse_body_stmt *s)
{
	size_t at, end;
	const char *nl;

	if (!b->mapped || s->line < b->cur_line)
		return;
	while (b->cur_line < s->line) {
		nl = memchr(b->text + b->cur_start, '\n', b->raw_end - b->cur_start);
		if (!nl)
			return;
		b->cur_start = (size_t)(nl - b->text) + 1;
		b->cur_line++;
	}
	nl = memchr(b->text + b->cur_start, '\n', b->raw_end - b->cur_start);
	end = nl ? (size_t)(nl - b->text) : b->raw_end;
	for (at = b->cur_start > b->search_from ? b->cur_start : b->search_from; at < end; at++) {
		if (starts_with(b->text + at, b->raw_end - at, s->sql, s->len)) {
			s->place = SQLPARSE_PLACE_TEXT;
			s->offset = at;
			b->search_from = at + s->len;
			return;
		}
	}
	for (at = b->cur_start; at < end && is_blank(b->text[at]); at++)
		;
	s->place = SQLPARSE_PLACE_LINE;
	s->offset = at;
}

static void place_all(body *b)
{
	size_t i;

	/* By line, keeping the tree's order on one line (an insertion sort: the
	 * tree's order is nearly the text's already). */
	for (i = 1; i < b->n; i++) {
		sqlparse_body_stmt s = b->v[i];
		size_t j = i;

		while (j > 0 && b->v[j - 1].line > s.line) {
			b->v[j] = b->v[j - 1];
			j--;
		}
		b->v[j] = s;
	}
	b->cur_line = 1;
	b->cur_start = b->raw_start;
	b->search_from = b->raw_start;
	for (i = 0; i < b->n; i++)
		place(b, &b->v[i]);
}

/* The text of q when it is exactly one plain string literal '...', in *out
 * (NULL when it is anything else: E'...', a concatenation, a call). */
static int string_literal(char **out, size_t *len, const char *q)
{
	size_t n = strlen(q), i, k = 0;
	char *s;

	*out = NULL;
	if (n < 2 || q[0] != '\'' || q[n - 1] != '\'')
		return 0;
	for (i = 1; i < n - 1; i++)
		if (q[i] == '\'' && (i + 1 >= n - 1 || q[++i] != '\''))
			return 0;
	if (!(s = strata_malloc(n)))
		return STRATA_ERROR;
	for (i = 1; i < n - 1; i++) {
		s[k++] = q[i];
		i += q[i] == '\'';
	}
	s[k] = '\0';
	*out = s;
	*len = k;
	return 0;
}

/* If key/value is a statement that runs SQL, keep its query. */
static int take_query(body *b, const char *key, json_t *value, int guarded)
{
	size_t i;

	for (i = 0; i < sizeof(sql_runners) / sizeof(*sql_runners); i++) {
		json_t *expr = json_object_get(json_object_get(value, sql_runners[i].field),
					       "PLpgSQL_expr");
		const char *query = json_string_value(json_object_get(expr, "query"));
		int line = (int)json_integer_value(json_object_get(value, "lineno"));
		char *lit = NULL;
		size_t len = 0;
		int rc;

		if (strcmp(key, sql_runners[i].stmt) != 0 || !query)
			continue;
		if (strcmp(key, "PLpgSQL_stmt_dynexecute") != 0)
			return push_body_stmt(b, query, strlen(query), line, guarded);
		if ((rc = string_literal(&lit, &len, query)) < 0 || !lit)
			return rc;
		rc = push_body_stmt(b, lit, len, line, guarded);
		strata_free(lit);
		return rc;
	}
	return 0;
}

/*
 * Every statement that runs SQL under node, in tree order, whatever holds
 * it: blocks, IF and ELSIF branches, loops, CASE, EXCEPTION handlers.
 * Statements under IF or CASE, or in a block with an EXCEPTION clause, are
 * guarded.
 */
static int collect(body *b, json_t *node, int guarded)
{
	const char *key;
	json_t *value;
	size_t i;
	int rc;

	if (json_is_array(node)) {
		json_array_foreach(node, i, value)
			if ((rc = collect(b, value, guarded)) < 0)
				return rc;
		return 0;
	}
	if (!json_is_object(node))
		return 0;
	json_object_foreach(node, key, value) {
		int under_guard = guarded || strcmp(key, "PLpgSQL_stmt_if") == 0 ||
				  strcmp(key, "PLpgSQL_stmt_case") == 0 ||
				  (strcmp(key, "PLpgSQL_stmt_block") == 0 &&
				   json_object_get(value, "exceptions"));

		if ((rc = take_query(b, key, value, guarded)) < 0 ||
		    (rc = collect(b, value, under_guard)) < 0)
			return rc;
	}
	return 0;
}

/* CREATE FUNCTION strata_do_block() ... AS $tag$source$tag$, with a tag
 * that closes the string where the source ends. */
static int wrap_do(strata_buf *out, const char *source)
{
	static const char head[] = "CREATE FUNCTION strata_do_block() RETURNS void LANGUAGE plpgsql AS ";
	char tag[32];
	unsigned i;

	for (i = 0;; i++) {
		const char *close;

		snprintf(tag, sizeof(tag), i ? "$body%u$" : "$body$", i);
		strata__buf_clear(out);
		if (strata__buf_printf(out, "%s%s%s%s", head, tag, source, tag) < 0)
			return STRATA_ERROR;
		close = strstr(strata__buf_cstr(out) + sizeof(head) - 1 + strlen(tag), tag);
		if (close == strata__buf_cstr(out) + out->len - strlen(tag))
			return 0;
	}
}

static int plpgsql_statements(body *b)
{
	PgQueryPlpgsqlParseResult r;
	strata_buf wrapped = STRATA_BUF_INIT;
	json_t *funcs = NULL;
	json_error_t jerr;
	int rc;

	if (b->is_do && !b->source)
		return 0;
	if (b->is_do && (rc = wrap_do(&wrapped, b->source)) < 0)
		goto done;
	r = pgq->pg_query_parse_plpgsql(b->is_do ? strata__buf_cstr(&wrapped) : b->text);
	if (r.error) {
		rc = strata_error_set(STRATA_EPARSE, "the body is not valid PL/pgSQL: %s",
				      r.error->message);
	} else if (!(funcs = json_loads(r.plpgsql_funcs, 0, &jerr))) {
		rc = strata_error_set(STRATA_ERROR, "cannot read libpg_query's PL/pgSQL tree: %s",
				      jerr.text);
	} else if ((rc = locate_source(b)) == 0 && (rc = collect(b, funcs, 0)) == 0) {
		place_all(b);
	}
	json_decref(funcs);
	pgq->pg_query_free_plpgsql_parse_result(r);
done:
	strata__buf_release(&wrapped);
	return rc;
}

/* Keep the statements of sql[0..n) that start at line `line`, byte `base`
 * of the text (or nowhere in it: base is ignored unless `placed`). */
static int keep_sql(body *b, const char *sql, size_t n, int placed, size_t base)
{
	db_stmt *stmts = NULL;
	size_t count = 0, err = 0, i, at = 0;
	int line = 1, rc;

	if ((rc = strata__sqlparse_split_pg(&stmts, &count, &err, sql, n)) < 0) {
		if (rc == STRATA_EPARSE) {
			strata_error saved = *strata_error_last();

			strata_error_set(STRATA_EPARSE, "the body is not valid SQL: %s", saved.message);
		}
		return rc;
	}
	for (i = 0; i < count && rc == 0; i++) {
		for (; at < stmts[i].offset; at++)
			line += sql[at] == '\n';
		rc = push_body_stmt(b, sql + stmts[i].offset, stmts[i].len, line, 0);
		if (rc == 0 && placed) {
			b->v[b->n - 1].place = SQLPARSE_PLACE_TEXT;
			b->v[b->n - 1].offset = base + stmts[i].offset;
		}
	}
	strata_free(stmts);
	return rc;
}

/* BEGIN ATOMIC ... END: the text between, as the scanner finds them. */
static int atomic_statements(body *b)
{
	tokens t = { NULL, 0 };
	size_t i, start = 0, end = 0;
	int rc;

	if ((rc = scan_tokens(&t, b->text)) < 0)
		return rc;
	for (i = 0; i + 1 < t.res->n_tokens; i++) {
		const PgQuery__ScanToken *tok = t.res->tokens[i];

		if (!start && tok->token == PG_QUERY__TOKEN__BEGIN_P &&
		    t.res->tokens[i + 1]->token == PG_QUERY__TOKEN__ATOMIC)
			start = (size_t)t.res->tokens[i + 1]->end;
		if (start && t.res->tokens[i + 1]->token == PG_QUERY__TOKEN__END_P)
			end = (size_t)t.res->tokens[i + 1]->start;
	}
	tokens_release(&t);
	if (start && end > start && end <= b->len) {
		char *inside = strata_strndup(b->text + start, end - start);

		if (!inside)
			return STRATA_ERROR;
		rc = keep_sql(b, inside, end - start, 1, start);
		strata_free(inside);
	}
	return rc;
}

static int sql_statements(body *b)
{
	int rc;

	if (b->atomic)
		return atomic_statements(b);
	if (!b->source)
		return 0;
	if ((rc = locate_source(b)) < 0 || (rc = keep_sql(b, b->source, strlen(b->source), 0, 0)) < 0)
		return rc;
	place_all(b);
	return 0;
}

int strata__sqlparse_body_statements(sqlparse_body_stmt **out, size_t *n, const char *text, size_t len)
{
	PgQuery__ParseResult *tree = NULL;
	body b;
	size_t err = 0;
	int rc;

	*out = NULL;
	*n = 0;
	memset(&b, 0, sizeof(b));
	b.text = text;
	b.len = len;
	b.as_location = -1;
	if ((rc = strata__sqlparse_parse_pg(&tree, &err, text, len)) < 0)
		return rc;
	if (tree->n_stmts == 1 && tree->stmts[0]->stmt && read_routine(&b, tree->stmts[0]->stmt)) {
		if (strcasecmp(b.language, "plpgsql") == 0)
			rc = plpgsql_statements(&b);
		else if (strcasecmp(b.language, "sql") == 0)
			rc = sql_statements(&b);
	}
	strata__sqlparse_tree_free(tree);
	if (rc < 0) {
		strata__sqlparse_body_free(b.v, b.n);
		return rc;
	}
	*out = b.v;
	*n = b.n;
	return 0;
}

int strata__sqlparse_concurrent_index(char **schema, char **table, char **index, const char *sql,
			      size_t len)
{
	PgQuery__ParseResult *tree = NULL;
	const PgQuery__IndexStmt *ix;
	char *copy = strata_strndup(sql, len);
	size_t err;
	int rc;

	*schema = *table = *index = NULL;
	if (!copy)
		return STRATA_ERROR;
	rc = strata__sqlparse_parse_pg(&tree, &err, copy, len);
	strata_free(copy);
	if (rc < 0) {
		if (rc != STRATA_EPARSE)
			return rc;
		strata_error_clear();
		return 0;
	}
	rc = 0;
	if (tree->n_stmts != 1 || !tree->stmts[0]->stmt ||
	    tree->stmts[0]->stmt->node_case != PG_QUERY__NODE__NODE_INDEX_STMT)
		goto done;
	ix = tree->stmts[0]->stmt->index_stmt;
	if (!ix->concurrent || !ix->idxname || !*ix->idxname || !ix->relation ||
	    !ix->relation->relname)
		goto done;
	rc = STRATA_ERROR;
	if (!(*index = strata_strdup(ix->idxname)) || !(*table = strata_strdup(ix->relation->relname)) ||
	    (ix->relation->schemaname && *ix->relation->schemaname &&
	     !(*schema = strata_strdup(ix->relation->schemaname)))) {
		strata_free(*index);
		strata_free(*table);
		*index = *table = NULL;
		goto done;
	}
	rc = 1;
done:
	strata__sqlparse_tree_free(tree);
	return rc;
}

/* ---- SQLite ---------------------------------------------------------- */

/* Keep text[start..end) (a statement without its ';') unless it is empty. */
static int keep_sqlite(stmt_list *l, const char *text, size_t start, size_t end)
{
	start = strata__sqlscan_skip_blank(text, end, start, SQLSCAN_SQLITE, NULL);
	end = strata__sqlscan_trim_end(text, start, end);
	if (end == start)
		return 0;
	return push(l, start, end - start) ? 0 : STRATA_ERROR;
}

int strata__sqlparse_split_sqlite(db_stmt **out, size_t *n, size_t *err_offset, const char *sql,
			  size_t len)
{
	stmt_list l = { NULL, 0, 0 };
	char *text = NULL;
	size_t start = 0, i;
	int rc;

	if ((rc = strata__pgquery_dyn_load()) < 0 || (rc = check_no_nul(sql, len, err_offset)) < 0)
		goto done;
	if (!(text = strata_strndup(sql, len))) {
		rc = STRATA_ERROR;
		goto done;
	}
	/* Only a ';' outside quotes and comments can end a statement; SQLite
	 * says whether it does (a trigger's body holds some that do not). */
	for (i = strata__sqlscan_statement_end(text, len, 0, SQLSCAN_SQLITE); i < len;
	     i = strata__sqlscan_statement_end(text, len, i + 1, SQLSCAN_SQLITE)) {
		char saved;
		int complete;

		saved = text[i + 1];
		text[i + 1] = '\0';
		complete = sqlite3_complete(text + start);
		text[i + 1] = saved;
		if (complete == SQLITE_NOMEM) {
			rc = strata_error_set(STRATA_ERROR, "out of memory in sqlite3_complete");
			goto done;
		}
		if (complete != 1)
			continue;
		if ((rc = keep_sqlite(&l, text, start, i)) < 0)
			goto done;
		start = i + 1;
	}
	rc = keep_sqlite(&l, text, start, len);
done:
	strata_free(text);
	if (rc < 0) {
		strata_free(l.v);
		return rc;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}
