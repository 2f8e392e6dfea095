/*
 * db/sqlparse.c - splitting migration scripts into statements, per engine.
 *
 * Layer: db. The one wrapper of libpg_query in libstrata (see sqlparse.h),
 * which it calls through the table pgquery_dyn.h loads on first use
 * (pgq->pg_query_scan...): strata is not linked with libpg_query.
 * No SQL is lexed by hand here: PostgreSQL scripts are split by
 * libpg_query's parser and trimmed with its scanner's tokens, SQLite scripts
 * by sqlite3_complete(). The only text this file reads itself is what
 * psql, not the server, defines: the COPY data block and its "\." line,
 * and the meta-command lines pg_dump writes (step 4 below).
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
 * Invariants:
 *  1. Every offset handed out (statements, data, errors) indexes the
 *     caller's original text, in bytes. libpg_query's error cursorpos is a
 *     1-based character position and is converted (char_to_byte).
 *  2. A statement starts at its first non-comment token and ends before the
 *     comments and blanks after its last one, and never includes the ';'.
 *  3. libpg_query results and unpacked protobuf messages are freed in the
 *     function that got them.
 */
#include "db/pgquery_dyn.h"
#include "db/sqlparse.h"
#include "strata/error.h"
#include "util/alloc.h"

#include <sqlite3.h>
#include <string.h>

/* libpg_query's functions, loaded by sqlparse_split_pg() before any use (db/pgquery_dyn.h). */
static const pgquery_api *const pgq = &pgquery_dyn;

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
		goto cleanup;
	}
	t->res = pgq->pg_query__scan_result__unpack(NULL, r.pbuf.len,
						    (const uint8_t *)r.pbuf.data);
	if (!t->res)
		rc = strata_error_set(STRATA_ERROR, "cannot decode libpg_query's token list");
cleanup:
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
	while (*end > *start && is_blank(text[*end - 1]))
		(*end)--;
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
		goto cleanup;
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
cleanup:
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
		goto cleanup;
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
			goto cleanup;
		}
		if (!(s = push(l, base + start, stop - start))) {
			rc = STRATA_ERROR;
			goto cleanup;
		}
		if (copy) {
			rc = copy_data(s, consumed, err_offset, text, total, end, base);
			goto cleanup;
		}
	}
cleanup:
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
			goto cleanup;
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
			goto cleanup;
		}
	}
	rc = keep_statements(l, consumed, err_offset, &r, text, upto, n, base);
	if (rc == 0 && skip_to)
		*consumed = skip_to;
cleanup:
	pgq->pg_query_free_split_result(r);
	return rc;
}

int sqlparse_split_pg(db_stmt **out, size_t *n, size_t *err_offset, const char *sql, size_t len)
{
	stmt_list l = { NULL, 0, 0 };
	char *text = NULL;
	size_t pos = 0;
	int rc;

	if ((rc = pgquery_dyn_load()) < 0 || (rc = check_no_nul(sql, len, err_offset)) < 0)
		goto cleanup;
	if (!(text = strata_strndup(sql, len))) {
		rc = STRATA_ERROR;
		goto cleanup;
	}
	while (pos < len) {
		size_t consumed = 0;

		rc = split_pg_round(&l, &consumed, err_offset, text + pos, len - pos, pos);
		if (rc < 0)
			goto cleanup;
		pos += consumed;
	}
cleanup:
	strata_free(text);
	if (rc < 0) {
		strata_free(l.v);
		return rc;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

int sqlparse_parse_pg(PgQuery__ParseResult **out, size_t *err_offset, const char *sql, size_t len)
{
	PgQueryProtobufParseResult r;
	int rc;

	*out = NULL;
	if ((rc = pgquery_dyn_load()) < 0 || (rc = check_no_nul(sql, len, err_offset)) < 0)
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

void sqlparse_tree_free(PgQuery__ParseResult *tree)
{
	if (tree)
		pgq->pg_query__parse_result__free_unpacked(tree, NULL);
}

int sqlparse_concurrent_index(char **schema, char **table, char **index, const char *sql,
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
	rc = sqlparse_parse_pg(&tree, &err, copy, len);
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
	sqlparse_tree_free(tree);
	return rc;
}

/* ---- SQLite ---------------------------------------------------------- */

/* Past blanks and comments ("--" to end of line, C-style) from s[i], up to n. */
static size_t skip_blank_and_comments(const char *s, size_t i, size_t n)
{
	while (i < n) {
		if (is_blank(s[i])) {
			i++;
		} else if (s[i] == '-' && i + 1 < n && s[i + 1] == '-') {
			while (i < n && s[i] != '\n')
				i++;
		} else if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
			const char *close = NULL;
			size_t j;

			for (j = i + 2; j + 1 < n; j++)
				if (s[j] == '*' && s[j + 1] == '/') {
					close = s + j;
					break;
				}
			i = close ? (size_t)(close - s) + 2 : n;
		} else {
			break;
		}
	}
	return i;
}

/* Keep text[start..end) (a statement without its ';') unless it is empty. */
static int keep_sqlite(stmt_list *l, const char *text, size_t start, size_t end)
{
	start = skip_blank_and_comments(text, start, end);
	while (end > start && is_blank(text[end - 1]))
		end--;
	if (end == start)
		return 0;
	return push(l, start, end - start) ? 0 : STRATA_ERROR;
}

int sqlparse_split_sqlite(db_stmt **out, size_t *n, size_t *err_offset, const char *sql,
			  size_t len)
{
	stmt_list l = { NULL, 0, 0 };
	char *text = NULL;
	size_t start = 0, i;
	int rc;

	if ((rc = pgquery_dyn_load()) < 0 || (rc = check_no_nul(sql, len, err_offset)) < 0)
		goto cleanup;
	if (!(text = strata_strndup(sql, len))) {
		rc = STRATA_ERROR;
		goto cleanup;
	}
	for (i = 0; i < len; i++) {
		char saved;
		int complete;

		if (text[i] != ';')
			continue;
		saved = text[i + 1];
		text[i + 1] = '\0';
		complete = sqlite3_complete(text + start);
		text[i + 1] = saved;
		if (complete == SQLITE_NOMEM) {
			rc = strata_error_set(STRATA_ERROR, "out of memory in sqlite3_complete");
			goto cleanup;
		}
		if (complete != 1)
			continue;
		if ((rc = keep_sqlite(&l, text, start, i)) < 0)
			goto cleanup;
		start = i + 1;
	}
	rc = keep_sqlite(&l, text, start, len);
cleanup:
	strata_free(text);
	if (rc < 0) {
		strata_free(l.v);
		return rc;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}
