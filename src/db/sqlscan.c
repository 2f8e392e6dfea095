/*
 * db/sqlscan.c - the shared SQL text scanner (see sqlscan.h for the rules
 * of each dialect and the invariants).
 */
#include "db/sqlscan.h"

#include <ctype.h>
#include <string.h>

static int is_blank(unsigned char c)
{
	return isspace(c) != 0;
}

/* A byte of a dollar quote's tag (PostgreSQL's identifier bytes, no '$'). */
static int is_tag_byte(unsigned char c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

static void set(sqlscan_span *out, sqlscan_kind kind, size_t start, size_t end, size_t inner,
		size_t inner_end, int open)
{
	out->kind = kind;
	out->start = start;
	out->end = end;
	out->inner = inner;
	out->inner_end = inner_end;
	out->open = open;
}

/* A block comment from s[i] (slash, star), nested or not. */
static void block_comment(sqlscan_span *out, const char *s, size_t n, size_t i, int nests)
{
	size_t j = i + 2;
	int depth = 1;

	while (j < n) {
		if (nests && s[j] == '/' && j + 1 < n && s[j + 1] == '*') {
			depth++;
			j += 2;
		} else if (s[j] == '*' && j + 1 < n && s[j + 1] == '/') {
			j += 2;
			if (--depth == 0) {
				set(out, SQLSCAN_COMMENT, i, j, i, j, 0);
				return;
			}
		} else {
			j++;
		}
	}
	set(out, SQLSCAN_COMMENT, i, n, i, n, 1);
}

/*
 * A quoted run whose opening quote is at s[q]: it closes at the next
 * `close` that is not doubled (when doubles), a backslash escaping the
 * byte after it (when backslashes). The span starts at `start` (before an
 * E prefix).
 */
static void quoted(sqlscan_span *out, sqlscan_kind kind, const char *s, size_t n, size_t start,
		   size_t q, char close, int doubles, int backslashes)
{
	size_t j = q + 1;

	while (j < n) {
		if (backslashes && s[j] == '\\' && j + 1 < n) {
			j += 2;
		} else if (s[j] == close) {
			if (doubles && j + 1 < n && s[j + 1] == close) {
				j += 2;
			} else {
				set(out, kind, start, j + 1, q + 1, j, 0);
				return;
			}
		} else {
			j++;
		}
	}
	set(out, kind, start, n, q + 1, n, 1);
}

/* $tag$ ... $tag$ from s[i]; 0 when the '$' opens no tag ($1, a lone $). */
static int dollar_quote(sqlscan_span *out, const char *s, size_t n, size_t i)
{
	size_t j = i + 1, taglen, k;

	if (j < n && isdigit((unsigned char)s[j]))
		return 0;
	while (j < n && s[j] != '$' && is_tag_byte((unsigned char)s[j]))
		j++;
	if (j >= n || s[j] != '$')
		return 0;
	taglen = j + 1 - i;
	for (k = j + 1; k + taglen <= n; k++)
		if (s[k] == '$' && memcmp(s + k, s + i, taglen) == 0) {
			set(out, SQLSCAN_DOLLAR, i, k + taglen, j + 1, k, 0);
			return 1;
		}
	set(out, SQLSCAN_DOLLAR, i, n, j + 1, n, 1);
	return 1;
}

void strata__sqlscan_span_at(sqlscan_span *out, const char *s, size_t n, size_t i, sqlscan_dialect d)
{
	int pg = d != SQLSCAN_SQLITE, lite = d != SQLSCAN_POSTGRES;
	unsigned char c;

	if (i >= n) {
		set(out, SQLSCAN_END, n, n, n, n, 0);
		return;
	}
	c = (unsigned char)s[i];
	if (is_blank(c)) {
		size_t j = i + 1;

		while (j < n && is_blank((unsigned char)s[j]))
			j++;
		set(out, SQLSCAN_BLANK, i, j, i, j, 0);
	} else if (c == '-' && i + 1 < n && s[i + 1] == '-') {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - s) : n;

		set(out, SQLSCAN_COMMENT, i, end, i, end, 0);
	} else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
		block_comment(out, s, n, i, pg);
	} else if (pg && (c == 'e' || c == 'E') && i + 1 < n && s[i + 1] == '\'') {
		quoted(out, SQLSCAN_STRING, s, n, i, i + 1, '\'', 1, 1);
	} else if (c == '\'') {
		quoted(out, SQLSCAN_STRING, s, n, i, i, '\'', 1, 0);
	} else if (c == '"') {
		quoted(out, SQLSCAN_NAME, s, n, i, i, '"', 1, 0);
	} else if (lite && c == '`') {
		quoted(out, SQLSCAN_NAME, s, n, i, i, '`', 1, 0);
	} else if (lite && c == '[') {
		quoted(out, SQLSCAN_NAME, s, n, i, i, ']', 0, 0);
	} else if (!(pg && c == '$' && dollar_quote(out, s, n, i))) {
		set(out, SQLSCAN_OTHER, i, i + 1, i, i + 1, 0);
	}
}

size_t strata__sqlscan_skip_blank(const char *s, size_t n, size_t i, sqlscan_dialect d, int *open)
{
	sqlscan_span sp;

	for (;;) {
		strata__sqlscan_span_at(&sp, s, n, i, d);
		if (sp.kind != SQLSCAN_BLANK && sp.kind != SQLSCAN_COMMENT)
			return i;
		if (sp.open && open)
			*open = 1;
		i = sp.end;
	}
}

size_t strata__sqlscan_trim_end(const char *s, size_t start, size_t end)
{
	while (end > start && is_blank((unsigned char)s[end - 1]))
		end--;
	return end;
}

size_t strata__sqlscan_statement_end(const char *s, size_t n, size_t i, sqlscan_dialect d)
{
	sqlscan_span sp;

	for (;;) {
		strata__sqlscan_span_at(&sp, s, n, i, d);
		if (sp.kind == SQLSCAN_END)
			return n;
		if (sp.kind == SQLSCAN_OTHER && s[i] == ';')
			return i;
		i = sp.end;
	}
}
