/*
 * core/migfile.c - one migration file: header, up and down sections,
 * checksum (strata/migration.h).
 *
 * Layer: core. Uses util only (alloc, buf, fs, sha256, strutil); never
 * touches a database and never prints.
 *
 * The file is read line by line. Lines end at '\n'; a '\r' before it and
 * any trailing blanks are ignored when a line is classified, so CRLF files
 * and markers with trailing spaces behave like LF files. A leading UTF-8
 * byte-order mark is skipped. Three kinds of line matter:
 *
 *   header   "-- key: value" before "-- +up" (a word, then ':')
 *   marker   exactly "-- +up", "-- +batch" or "-- +down"; a near miss ("--+down",
 *            "-- +Down", "-- +down here") is an error, because a down
 *            section silently taken as up SQL would run on upgrade
 *   other    blank lines and other "--" comments (allowed anywhere), SQL
 *            (only in sections)
 *
 * Invariants of a strata_migration returned by the parser:
 *  1. text is a NUL-terminated copy of the file, with no NUL byte inside,
 *     and is valid UTF-8.
 *  2. up_offset/up_len and down_offset/down_len index text, so a statement
 *     offset maps back to the real file (strata_migration_position). A
 *     section starts on the line after its marker and ends where the next
 *     marker line starts, or at the end of the file. No down marker: 0/0.
 *  3. revision is a well-formed id; revises and depends_on hold well-formed
 *     ids, each once, never the revision itself; nrevises 0 is "base".
 *  4. The up section has SQL (a line that is neither blank nor a comment),
 *     or else the batch section has (never both). The down section has
 *     SQL exactly when irreversible is NULL, but may be empty after a
 *     batch section (a data step changes no schema to revert).
 *  5. checksum = "sha256-v1:" + hex SHA-256(up, NUL, down) with CRLF -> LF
 *     in both sections, plus (NUL, "batch", NUL, batch) when there is a
 *     batch section: header edits never change it, SQL edits always do.
 *  6. batch_offset/batch_len index text like the other sections; a batch
 *     section comes after the up section (or instead of "-- +up") and
 *     before "-- +down". Several "-- +batch" markers in a row make one
 *     range, from the first to "-- +down" (the later markers are comments
 *     inside it, and part of the checksum).
 *
 * Every parse error is STRATA_EPARSE, with a message "path:line: what is
 * wrong" and a hint saying how to fix it.
 *
 * New header key: add it to key_names[] and enum hkey, handle it in
 * set_header(), and document it in strata/migration.h and DESIGN.md.
 */
#include "core/migfile.h"
#include "core/batch.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/strutil.h"
#include "util/timefmt.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

enum hkey {
	H_REVISION,
	H_REVISES,
	H_MESSAGE,
	H_TRANSACTION,
	H_DEPENDS_ON,
	H_BRANCH,
	H_IRREVERSIBLE,
	H_CREATED,
	H_ONLINE,
	H_CONTRACTS,
	H_COUNT
};

static const char *const key_names[H_COUNT] = {
	"revision", "revises", "message", "transaction", "depends-on", "branch", "irreversible",
	"created", "online", "contracts",
};

#define KNOWN_KEYS \
	"revision, revises, message, transaction, depends-on, branch, irreversible, created, " \
	"online, contracts"
#define ID_HINT \
	"a revision id is 1 to 32 letters, digits, '.', '_' or '-' (`strata revision` makes " \
	"12 lowercase hex characters, like 3f9a1c2b7d10)"
#define DOWN_HINT "write the down SQL, or add '-- irreversible: <reason>'"

/* One line of the file; end excludes the '\n', a '\r' and trailing blanks. */
typedef struct mline {
	size_t start;
	size_t end;
	size_t next; /* start of the next line, or the text length */
	int no;      /* 1-based */
} mline;

enum { LINE_OTHER, LINE_UP, LINE_DOWN, LINE_BATCH, LINE_BAD_MARKER, LINE_ONLINE };

typedef struct parser {
	const char *path;
	const char *t;
	size_t len;
	strata_migration *m;
	int key_line[H_COUNT]; /* where each header key was seen, 0 = not seen */
	int online_section;    /* line of "-- +online" (in place of "-- +up"), 0 = none */
} parser;

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static size_t bom_len(const char *t, size_t len)
{
	return len >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
}

/* Advance to the next line; 0 at the end of the text. Start with next = 0, no = 0. */
static int next_line(mline *l, const char *t, size_t len)
{
	const char *nl;

	if (l->next >= len)
		return 0;
	l->start = l->next;
	nl = memchr(t + l->start, '\n', len - l->start);
	l->end = nl ? (size_t)(nl - t) : len;
	l->next = nl ? l->end + 1 : len;
	while (l->end > l->start && is_blank(t[l->end - 1]))
		l->end--;
	l->no++;
	return 1;
}

static size_t skip_blanks(const char *t, size_t p, size_t end)
{
	while (p < end && is_blank(t[p]))
		p++;
	return p;
}

static int line_is(const char *t, const mline *l, const char *s)
{
	size_t n = strlen(s);

	return l->end - l->start == n && memcmp(t + l->start, s, n) == 0;
}

static int classify(const char *t, const mline *l)
{
	size_t p, w;

	if (line_is(t, l, "-- +up"))
		return LINE_UP;
	if (line_is(t, l, "-- +down"))
		return LINE_DOWN;
	if (line_is(t, l, "-- +batch"))
		return LINE_BATCH;
	if (line_is(t, l, "-- +online"))
		return LINE_ONLINE;
	/* Near misses: "--", blanks, "+", blanks, up/down as a whole word. */
	p = skip_blanks(t, l->start, l->end);
	if (l->end - p < 2 || t[p] != '-' || t[p + 1] != '-')
		return LINE_OTHER;
	p = skip_blanks(t, p + 2, l->end);
	if (p >= l->end || t[p] != '+')
		return LINE_OTHER;
	p = skip_blanks(t, p + 1, l->end);
	for (w = p; w < l->end && isalnum((unsigned char)t[w]); w++)
		;
	if ((w - p == 2 && strncasecmp(t + p, "up", 2) == 0) ||
	    (w - p == 4 && strncasecmp(t + p, "down", 4) == 0) ||
	    (w - p == 5 && strncasecmp(t + p, "batch", 5) == 0))
		return LINE_BAD_MARKER;
	return LINE_OTHER;
}

/* 1 if the line holds SQL: not blank and not a "--" comment. */
static int line_has_sql(const char *t, const mline *l)
{
	size_t p = skip_blanks(t, l->start, l->end);

	return p < l->end && !(l->end - p >= 2 && t[p] == '-' && t[p + 1] == '-');
}

/*
 * "-- key: value": 1 with the key and value spans (value trimmed) if the
 * line has that shape, i.e. a word starting with a letter right before ':'.
 */
static int header_kv(const char *t, const mline *l, size_t *ks, size_t *ke, size_t *vs)
{
	size_t p = skip_blanks(t, l->start, l->end);

	if (l->end - p < 2 || t[p] != '-' || t[p + 1] != '-')
		return 0;
	p = skip_blanks(t, p + 2, l->end);
	if (p >= l->end || !isalpha((unsigned char)t[p]))
		return 0;
	*ks = p;
	while (p < l->end && (isalnum((unsigned char)t[p]) || t[p] == '-' || t[p] == '_'))
		p++;
	*ke = p;
	p = skip_blanks(t, p, l->end);
	if (p >= l->end || t[p] != ':')
		return 0;
	*vs = skip_blanks(t, p + 1, l->end);
	return 1;
}

static int key_index(const char *k, size_t n)
{
	int i;

	for (i = 0; i < H_COUNT; i++)
		if (strlen(key_names[i]) == n && strncasecmp(key_names[i], k, n) == 0)
			return i;
	return -1;
}

/* Edit distance (case-insensitive), capped: enough to suggest a known key for a typo. */
static size_t edit_distance(const char *a, size_t na, const char *b)
{
	size_t nb = strlen(b), row[32], i, j;

	if (na >= 31 || nb >= 31)
		return 99;
	for (j = 0; j <= nb; j++)
		row[j] = j;
	for (i = 1; i <= na; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= nb; j++) {
			size_t up = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) !=
				      tolower((unsigned char)b[j - 1]);
			size_t best = diag + cost;

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[nb];
}

static int perr(const parser *p, int lineno, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Set a STRATA_EPARSE error "path:line: message"; the caller adds the hint. */
static int perr(const parser *p, int lineno, const char *fmt, ...)
{
	char msg[STRATA_ERROR_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return strata_error_set(STRATA_EPARSE, "%s:%d: %s", p->path, lineno, msg);
}

/* Record why a revision cannot run yet; parsing itself succeeds. */
static int incomplete(strata_migration *m, const parser *p, int lineno, const char *what,
		      const char *hint)
{
	strata_buf b = STRATA_BUF_INIT;

	if (strata__buf_printf(&b, "%s:%d: %s", p->path, lineno, what) < 0)
		return STRATA_ERROR;
	m->incomplete = strata__buf_detach(&b);
	m->incomplete_hint = hint;
	return m->incomplete ? 0 : STRATA_ERROR;
}

int strata_migration_check_complete(const strata_migration *m)
{
	STRATA_ASSERT_ARG(m);

	if (!m->incomplete)
		return 0;
	strata_error_set(STRATA_EPARSE, "%s", m->incomplete);
	strata_error_hint("%s", m->incomplete_hint);
	return STRATA_EPARSE;
}

/* The rule of strata_revision_id_valid() on a span of n bytes. */
static int id_span_valid(const char *s, size_t n)
{
	static const char *const reserved[] = { "head", "heads", "base" };
	size_t i;

	if (n == 0 || n > STRATA_REVISION_MAX || !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		size_t r = strlen(reserved[i]);

		if (n >= r && memcmp(s, reserved[i], r) == 0 && (n == r || s[r] == '-'))
			return 0;
	}
	return 1;
}

int strata_revision_id_valid(const char *s)
{
	return s && id_span_valid(s, strlen(s));
}

static int label_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 64 || !isalpha((unsigned char)s[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return 0;
	if ((n == 4 && (memcmp(s, "head", 4) == 0 || memcmp(s, "base", 4) == 0)) ||
	    (n == 5 && memcmp(s, "heads", 5) == 0))
		return 0;
	/* Not shaped like an id strata makes (imported ids are checked
	 * against labels when the graph is built). */
	return !(n == STRATA_REVISION_LEN && strspn(s, "0123456789abcdef") >= n);
}

/*
 * A space-separated id list ("revises" or "depends-on") into *out. For
 * "revises", "base" alone is the empty list and an empty value is an error.
 */
static int parse_ids(parser *p, int lineno, int key, size_t vs, size_t ve, char ***out,
		     size_t *nout)
{
	const char *t = p->t;
	const char *name = key_names[key];
	size_t cap = 0, pos = vs;

	if (key == H_REVISES && vs == ve) {
		perr(p, lineno, "the 'revises' header is empty");
		strata_error_hint("name the parent revision, or write '-- revises: base' for a "
				  "first revision");
		return STRATA_EPARSE;
	}
	if (key == H_REVISES && ve - vs == 4 && memcmp(t + vs, "base", 4) == 0)
		return 0;
	while (pos < ve) {
		size_t s = pos, e, i;

		while (pos < ve && !is_blank(t[pos]))
			pos++;
		e = pos;
		pos = skip_blanks(t, pos, ve);
		if (e - s == 4 && memcmp(t + s, "base", 4) == 0) {
			if (key == H_REVISES) {
				perr(p, lineno, "'base' cannot be combined with other revisions in "
				     "'revises'");
				strata_error_hint("a first revision has '-- revises: base'; a merge "
						  "lists only revision ids");
			} else {
				perr(p, lineno, "'base' is not a revision id in 'depends-on'");
				strata_error_hint("list the revision ids this revision depends on, "
						  "or leave 'depends-on' empty");
			}
			return STRATA_EPARSE;
		}
		if (!id_span_valid(t + s, e - s)) {
			perr(p, lineno, "malformed revision id '%.*s' in '%s'", (int)(e - s), t + s,
			     name);
			strata_error_hint(ID_HINT "; separate several ids with spaces");
			return STRATA_EPARSE;
		}
		for (i = 0; i < *nout; i++) {
			if (strlen((*out)[i]) == e - s && memcmp((*out)[i], t + s, e - s) == 0) {
				perr(p, lineno, "revision '%.*s' is listed twice in '%s'", (int)(e - s),
				     t + s, name);
				strata_error_hint("list each revision once");
				return STRATA_EPARSE;
			}
		}
		if (strata_grow((void **)out, &cap, *nout + 1, sizeof(**out)) < 0)
			return STRATA_ERROR;
		if (!((*out)[*nout] = strata_strndup(t + s, e - s)))
			return STRATA_ERROR;
		(*nout)++;
	}
	return 0;
}

/* An optional header's value into *slot: empty is as if absent; else it
 * must be valid, or it is an error naming it (what) with the hint. */
/* An operation file beside the revision: a plain file name ending in ".json". */
static int online_name_valid(const char *s, size_t n)
{
	if (n <= 5 || strncmp(s + n - 5, ".json", 5) != 0 || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == '\\' || (unsigned char)s[i] < 0x20)
			return 0;
	return 1;
}

static int store_optional(parser *p, const mline *l, char **slot, size_t vs, size_t vlen,
			  int valid, const char *what, const char *hint)
{
	if (vlen == 0)
		return 0;
	if (!valid) {
		perr(p, l->no, "malformed %s '%.*s'", what, (int)vlen, p->t + vs);
		strata_error_hint("%s", hint);
		return STRATA_EPARSE;
	}
	return (*slot = strata_strndup(p->t + vs, vlen)) ? 0 : STRATA_ERROR;
}

/* Store one header line's value; ks/ke is the key, vs the value (ends at l->end). */
static int set_header(parser *p, const mline *l, size_t ks, size_t ke, size_t vs)
{
	strata_migration *m = p->m;
	const char *t = p->t;
	size_t ve = l->end, vlen = ve - vs;
	int key = key_index(t + ks, ke - ks);

	if (key < 0) {
		int i, best = -1;
		size_t bestd = 3;

		perr(p, l->no, "unknown header key '%.*s'", (int)(ke - ks), t + ks);
		for (i = 0; i < H_COUNT; i++) {
			size_t d = edit_distance(t + ks, ke - ks, key_names[i]);

			if (d < bestd) {
				bestd = d;
				best = i;
			}
		}
		if (best >= 0)
			strata_error_hint("did you mean '%s'? the known keys are " KNOWN_KEYS,
					  key_names[best]);
		else
			strata_error_hint("the known keys are " KNOWN_KEYS "; a comment in the "
					  "header must not start with 'word:'");
		return STRATA_EPARSE;
	}
	if (p->key_line[key]) {
		perr(p, l->no, "duplicate header '%s' (first on line %d)", key_names[key],
		     p->key_line[key]);
		strata_error_hint("keep one '-- %s:' line", key_names[key]);
		return STRATA_EPARSE;
	}
	p->key_line[key] = l->no;

	switch (key) {
	case H_REVISION:
		if (!id_span_valid(t + vs, vlen)) {
			if (vlen)
				perr(p, l->no, "malformed revision id '%.*s'", (int)vlen, t + vs);
			else
				perr(p, l->no, "the 'revision' header is empty");
			strata_error_hint(ID_HINT);
			return STRATA_EPARSE;
		}
		memcpy(m->revision, t + vs, vlen);
		m->revision[vlen] = '\0';
		return 0;
	case H_REVISES:
		return parse_ids(p, l->no, key, vs, ve, &m->revises, &m->nrevises);
	case H_DEPENDS_ON:
		return parse_ids(p, l->no, key, vs, ve, &m->depends_on, &m->ndepends_on);
	case H_MESSAGE:
		strata_free(m->message);
		return (m->message = strata_strndup(t + vs, vlen)) ? 0 : STRATA_ERROR;
	case H_TRANSACTION:
		if (vlen == 2 && strncasecmp(t + vs, "on", 2) == 0) {
			m->transactional = 1;
		} else if (vlen == 3 && strncasecmp(t + vs, "off", 3) == 0) {
			m->transactional = 0;
		} else {
			perr(p, l->no, "'transaction' must be 'on' or 'off', not '%.*s'", (int)vlen,
			     t + vs);
			strata_error_hint("write '-- transaction: off' for statements that cannot "
					  "run in a transaction (CREATE INDEX CONCURRENTLY), else "
					  "'on' or nothing");
			return STRATA_EPARSE;
		}
		return 0;
	case H_BRANCH:
		return store_optional(p, l, &m->branch, vs, vlen, label_valid(t + vs, vlen),
				      "branch label",
				      "a branch label is one word of letters, digits, '_', '-' or "
				      "'.', starting with a letter; not 'head', 'heads', 'base' or "
				      "a revision id");
	case H_IRREVERSIBLE:
		if (vlen == 0) {
			perr(p, l->no, "the 'irreversible' header has no reason");
			strata_error_hint("say why it cannot be reverted, e.g. '-- irreversible: "
					  "drops the old column's data'");
			return STRATA_EPARSE;
		}
		return (m->irreversible = strata_strndup(t + vs, vlen)) ? 0 : STRATA_ERROR;
	case H_ONLINE:
		return store_optional(p, l, &m->online_file, vs, vlen, online_name_valid(t + vs, vlen),
				      "operation file name",
				      "name a pgroll-format file beside the revision in the migrations "
				      "folder, e.g. '-- online: 0003_add_slug.json'");
	case H_CONTRACTS:
		return store_optional(p, l, &m->contracts, vs, vlen, id_span_valid(t + vs, vlen),
				      "revision id in 'contracts'", ID_HINT);
	case H_CREATED: {
		int64_t ms;

		return store_optional(p, l, &m->created, vs, vlen,
				      strata__iso_time_parse(&ms, t + vs, vlen, ISO_TIME_UTC) == 0,
				      "'created' time",
				      "write when the revision was created, in UTC: '-- created: "
				      "2026-03-04T05:06:07Z' (strata revision writes it), or remove "
				      "the line");
	}
	default:
		return 0;
	}
}

static int bad_marker(const parser *p, const mline *l)
{
	perr(p, l->no, "malformed section marker '%.*s'", (int)(l->end - l->start), p->t + l->start);
	strata_error_hint("write the marker exactly as '-- +up', '-- +batch' or '-- +down', alone on "
			  "its line");
	return STRATA_EPARSE;
}

/* NUL bytes, invalid UTF-8, nothing but blanks. */
static int check_text(const parser *p)
{
	const char *nul = memchr(p->t, '\0', p->len);
	size_t bad, i;
	int line, col;

	if (nul) {
		strata_migration_position(&line, &col, p->m, (size_t)(nul - p->t));
		perr(p, line, "NUL byte at column %d", col);
		strata_error_hint("a migration is UTF-8 text: remove the NUL byte (was the file saved "
				  "as UTF-16?)");
		return STRATA_EPARSE;
	}
	if (!strata__utf8_valid(p->t, p->len, &bad)) {
		strata_migration_position(&line, &col, p->m, bad);
		perr(p, line, "invalid UTF-8 at column %d (byte 0x%02x)", col, (unsigned char)p->t[bad]);
		strata_error_hint("save the file as UTF-8");
		return STRATA_EPARSE;
	}
	for (i = bom_len(p->t, p->len); i < p->len; i++)
		if (!is_blank(p->t[i]) && p->t[i] != '\n')
			return 0;
	perr(p, 1, "the file is empty");
	strata_error_hint("a migration starts with '-- revision: <id>' and '-- revises: <parent>' "
			  "headers, then '-- +up' and its SQL; `strata revision` writes one");
	return STRATA_EPARSE;
}

/* "-- +online" in place of "-- +up": the section holds the operation file's JSON. */
static int online_section_start(parser *p, const mline *l)
{
	if (p->key_line[H_ONLINE]) {
		perr(p, l->no, "'-- +online' section and '-- online:' header (line %d) both given",
		     p->key_line[H_ONLINE]);
		strata_error_hint("keep the operations in one place: the section or the file");
		return STRATA_EPARSE;
	}
	p->online_section = l->no;
	return 0;
}

/* Header lines up to "-- +up" (or "-- +batch" or "-- +online"); on success *l is the marker's line. */
static int parse_header(parser *p, mline *l)
{
	const char *t = p->t;
	int rc;

	while (next_line(l, t, p->len)) {
		size_t ks, ke, vs;

		switch (classify(t, l)) {
		case LINE_UP:
		case LINE_BATCH:
			return 0;
		case LINE_ONLINE:
			return online_section_start(p, l);
		case LINE_DOWN:
			perr(p, l->no, "'-- +down' before '-- +up'");
			strata_error_hint("put the upgrade SQL after a '-- +up' line, then "
					  "'-- +down' and the SQL that reverts it");
			return STRATA_EPARSE;
		case LINE_BAD_MARKER:
			return bad_marker(p, l);
		default:
			break;
		}
		if (l->start == l->end)
			continue;
		if (header_kv(t, l, &ks, &ke, &vs)) {
			if ((rc = set_header(p, l, ks, ke, vs)) < 0)
				return rc;
			continue;
		}
		if (!line_has_sql(t, l))
			continue;
		perr(p, l->no, "missing '-- +up' marker");
		if (p->key_line[H_REVISION])
			strata_error_hint("put '-- +up' on its own line between the header and the "
					  "upgrade SQL");
		else
			strata_error_hint("this is not a migration: one starts with '-- revision: "
					  "<id>' and '-- revises: <parent>' headers, then '-- +up' "
					  "and its SQL");
		return STRATA_EPARSE;
	}
	perr(p, l->no ? l->no : 1, "missing '-- +up' marker");
	strata_error_hint("after the header, write '-- +up' on its own line, then the upgrade SQL");
	return STRATA_EPARSE;
}

enum { SEC_UP, SEC_BATCH, SEC_DOWN };

/* Where the sections are, and which of them hold SQL. */
typedef struct sections {
	int up_line, batch_line, down_line;
	int up_sql, batch_sql, down_sql;
} sections;

/* End the section cur at offset end. */
static void close_section(strata_migration *m, int cur, size_t end)
{
	if (cur == SEC_UP)
		m->up_len = end - m->up_offset;
	else if (cur == SEC_BATCH)
		m->batch_len = end - m->batch_offset;
	else
		m->down_len = end - m->down_offset;
}

/* Sections after the first marker (*l: "-- +up" or "-- +batch"); fills the offsets. */
static int parse_sections(parser *p, mline *l, sections *sc)
{
	strata_migration *m = p->m;
	const char *t = p->t;
	int cur = SEC_UP;

	if (classify(t, l) == LINE_BATCH) {
		m->up_offset = l->start; /* no up section: empty, where the batch marker is */
		m->up_len = 0;
		m->batch_offset = l->next;
		m->has_batch_marker = 1;
		sc->batch_line = l->no;
		cur = SEC_BATCH;
	} else {
		m->up_offset = l->next;
		sc->up_line = l->no;
	}
	while (next_line(l, t, p->len)) {
		switch (classify(t, l)) {
		case LINE_UP:
			if (sc->up_line)
				perr(p, l->no, "second '-- +up' marker (the first is on line %d)",
				     sc->up_line);
			else
				perr(p, l->no, "'-- +up' after '-- +batch' (line %d)", sc->batch_line);
			strata_error_hint("a migration has one up section (or a '-- +batch' section) "
					  "and one down section; remove the extra marker or split the "
					  "file into two revisions");
			return STRATA_EPARSE;
		case LINE_BATCH:
			/* Several batch sections follow one another: the section runs
			 * from the first marker to "-- +down", and the later markers are
			 * comments in it; each statement is a batched step of its own. */
			if (cur == SEC_BATCH)
				break;
			if (sc->down_line) {
				perr(p, l->no, "'-- +batch' after '-- +down' (line %d)", sc->down_line);
				strata_error_hint("put the '-- +batch' sections before '-- +down'");
				return STRATA_EPARSE;
			}
			close_section(m, cur, l->start);
			sc->batch_line = l->no;
			m->has_batch_marker = 1;
			m->batch_offset = l->next;
			cur = SEC_BATCH;
			break;
		case LINE_DOWN:
			if (sc->down_line) {
				perr(p, l->no, "second '-- +down' marker (the first is on line %d)",
				     sc->down_line);
				strata_error_hint("a migration has one down section; remove the extra "
						  "marker");
				return STRATA_EPARSE;
			}
			close_section(m, cur, l->start);
			sc->down_line = l->no;
			m->has_down_marker = 1;
			m->down_offset = l->next;
			cur = SEC_DOWN;
			break;
		case LINE_BAD_MARKER:
			return bad_marker(p, l);
		case LINE_ONLINE:
			perr(p, l->no, "'-- +online' after the first section");
			strata_error_hint("an online revision's '-- +online' section takes the place of "
					  "'-- +up': header, '-- +online' and the JSON, then an optional "
					  "'-- +down'");
			return STRATA_EPARSE;
		default:
			if (line_has_sql(t, l))
				*(cur == SEC_UP ? &sc->up_sql : cur == SEC_BATCH ? &sc->batch_sql
									: &sc->down_sql) = 1;
			break;
		}
	}
	close_section(m, cur, p->len);
	return 0;
}

/* The template's "<value>" still in a section: the revision is incomplete. */
static int check_placeholder(strata_migration *m, const parser *p)
{
	const size_t off[3] = { m->up_offset, m->batch_offset, m->down_offset };
	const size_t len[3] = { m->up_len, m->batch_len, m->down_len };
	batch_scan sc;
	int i, line;

	for (i = 0; i < 3 && !m->incomplete; i++) {
		strata__batch_scan_text(&sc, m->text + off[i], len[i]);
		if (!sc.has_value)
			continue;
		strata_migration_position(&line, NULL, m, off[i] + sc.value_at);
		return incomplete(m, p, line, "the SQL still holds the placeholder " BATCH_VALUE_PLACEHOLDER,
				  "replace " BATCH_VALUE_PLACEHOLDER " with the value the existing rows "
				  "get (an expression such as 'free' or now()); strata revision "
				  "--template leaves it for you to fill");
	}
	return 0;
}

/*
 * An online revision: its operations come from the "+online" section (kept
 * in online_text, and the up section is empty) or from the file the
 * "online" header names (read by attach_online_file()). Its down section is
 * optional: without one, downgrading runs the operations' inverse.
 */
static int online_rules(parser *p, int up_sql)
{
	strata_migration *m = p->m;

	if (m->online_file && up_sql) {
		perr(p, p->key_line[H_ONLINE], "an online revision has SQL in its up section");
		strata_error_hint("its change is the operation file's; put extra SQL in a \"sql\" "
				  "operation, or in a plain revision before or after it");
		return STRATA_EPARSE;
	}
	if (!m->transactional) {
		perr(p, p->key_line[H_TRANSACTION], "'transaction: off' on an online revision");
		strata_error_hint("remove it: strata runs each phase of an online revision in the "
				  "transactions it needs");
		return STRATA_EPARSE;
	}
	if (p->online_section) {
		if (!up_sql) {
			perr(p, p->online_section, "the '-- +online' section is empty");
			strata_error_hint("write the operations as pgroll JSON: {\"operations\": [...]}");
			return STRATA_EPARSE;
		}
		m->online_len = m->up_len;
		if (!(m->online_text = strata_strndup(m->text + m->up_offset, m->up_len)))
			return STRATA_ERROR;
		m->online_line = p->online_section + 1;
		m->up_len = 0;
	}
	return 0;
}

/* Rules that need the whole file: required headers, self-edges, down vs irreversible. */
static int check_rules(parser *p, const sections *sc, int last_line)
{
	strata_migration *m = p->m;
	int up_sql = sc->up_sql, down_sql = sc->down_sql;
	size_t i;

	if (!p->key_line[H_REVISION]) {
		perr(p, 1, "missing '-- revision:' header");
		strata_error_hint("start the file with '-- revision: <id>' (`strata revision` makes one), "
				  "the id named in the file name too (<id>_<slug>.sql)");
		return STRATA_EPARSE;
	}
	if (!p->key_line[H_REVISES]) {
		perr(p, 1, "missing '-- revises:' header");
		strata_error_hint("name the parent revision in '-- revises: <id>', or write "
				  "'-- revises: base' for a first revision");
		return STRATA_EPARSE;
	}
	for (i = 0; i < m->nrevises; i++) {
		if (strcmp(m->revises[i], m->revision) == 0) {
			perr(p, p->key_line[H_REVISES], "revision %s revises itself", m->revision);
			strata_error_hint("'revises' names the parent revision(s), never the file's "
					  "own id");
			return STRATA_EPARSE;
		}
	}
	for (i = 0; i < m->ndepends_on; i++) {
		if (strcmp(m->depends_on[i], m->revision) == 0) {
			perr(p, p->key_line[H_DEPENDS_ON], "revision %s depends on itself", m->revision);
			strata_error_hint("remove the file's own id from 'depends-on'");
			return STRATA_EPARSE;
		}
	}
	if (m->has_batch_marker && up_sql) {
		perr(p, sc->batch_line, "the revision has both up SQL and a '-- +batch' section");
		strata_error_hint("a batched step is alone in its revision, so that a resumed run "
				  "never repeats other statements: move the up SQL into a revision "
				  "before this one");
		return STRATA_EPARSE;
	}
	if (p->online_section || m->online_file) {
		int rc = online_rules(p, up_sql);

		if (rc != 0)
			return rc;
		up_sql = 1;
		down_sql = down_sql || !m->irreversible; /* the inverse of the operations */
	}
	/* Empty sections make a revision incomplete, not unreadable: a fresh
	 * `strata revision` file must not stop `history` or the next
	 * `revision`. Commands that run SQL refuse incomplete revisions
	 * (strata_migration_check_complete). A merge may be empty. */
	if (m->has_batch_marker && !sc->batch_sql)
		return incomplete(m, p, sc->batch_line, "the batch section is empty",
				  "write one UPDATE or DELETE after '-- +batch', with the key range "
				  "'WHERE id > :last AND id <= :next'");
	if (!m->has_batch_marker && !up_sql && m->nrevises < 2)
		return incomplete(m, p, sc->up_line, "the up section is empty",
				  "write the upgrade SQL after '-- +up'");
	if (m->irreversible && down_sql) {
		perr(p, p->key_line[H_IRREVERSIBLE],
		     "'irreversible' is set but the down section has SQL");
		strata_error_hint("remove the down SQL, or remove the '-- irreversible:' header");
		return STRATA_EPARSE;
	}
	/* A batched data step changes rows, not the schema: an empty down
	 * reverts it (its revision's neighbours revert the schema). */
	if (!m->irreversible && !down_sql && m->nrevises < 2 && !m->has_batch_marker)
		return incomplete(m, p, sc->down_line ? sc->down_line : last_line,
				  sc->down_line ? "the down section is empty" : "no '-- +down' section",
				  DOWN_HINT);
	return check_placeholder(m, p);
}

static void hash_normalised(sha256_ctx *c, const char *s, size_t n)
{
	const char *end = s + n, *cr;

	while ((cr = memchr(s, '\r', (size_t)(end - s))) != NULL) {
		if (cr + 1 < end && cr[1] == '\n') {
			strata__sha256_update(c, s, (size_t)(cr - s));
			s = cr + 1;
		} else {
			strata__sha256_update(c, s, (size_t)(cr + 1 - s));
			s = cr + 1;
		}
	}
	strata__sha256_update(c, s, (size_t)(end - s));
}

static void compute_checksum(strata_migration *m)
{
	const size_t prefix = sizeof(STRATA_CHECKSUM_PREFIX) - 1;
	unsigned char digest[32];
	sha256_ctx c;

	_Static_assert(sizeof(m->checksum) >= sizeof(STRATA_CHECKSUM_PREFIX) - 1 + 65,
		       "checksum too small for its prefix and 64 hex digits");
	strata__sha256_init(&c);
	hash_normalised(&c, m->text + m->up_offset, m->up_len);
	strata__sha256_update(&c, "", 1);
	hash_normalised(&c, m->text + m->down_offset, m->down_len);
	if (m->has_batch_marker) {
		strata__sha256_update(&c, "\0batch\0", 7);
		hash_normalised(&c, m->text + m->batch_offset, m->batch_len);
	}
	if (m->online_text) { /* online revisions only: plain ones keep their checksum */
		strata__sha256_update(&c, "", 1);
		hash_normalised(&c, m->online_text, m->online_len);
	}
	strata__sha256_final(&c, digest);
	memcpy(m->checksum, STRATA_CHECKSUM_PREFIX, prefix);
	strata__sha256_hex(digest, m->checksum + prefix);
}

/* Parse text (len bytes + a NUL, from strata_malloc), which m takes in all cases. */
static int parse_take(strata_migration **out, const char *path, char *text, size_t len)
{
	strata_migration *m;
	parser p;
	mline l = { 0, 0, 0, 0 };
	sections sc;
	int rc;
	const char *slash;

	*out = NULL;
	if (!text)
		return STRATA_ERROR; /* the allocation that should have made it failed */
	if (!(m = strata_calloc(1, sizeof(*m)))) {
		strata_free(text);
		return STRATA_ERROR;
	}
	m->text = text;
	m->text_len = len;
	m->transactional = 1;
	if (!(m->path = strata_strdup(path)) || !(m->message = strata_strdup(""))) {
		rc = STRATA_ERROR;
		goto done;
	}
	slash = strrchr(m->path, '/');
	m->filename = slash ? slash + 1 : m->path;

	memset(&p, 0, sizeof(p));
	p.path = m->path;
	p.t = text;
	p.len = len;
	p.m = m;
	if ((rc = check_text(&p)) < 0)
		goto done;
	l.next = bom_len(text, len);
	if ((rc = parse_header(&p, &l)) < 0)
		goto done;
	memset(&sc, 0, sizeof(sc));
	if ((rc = parse_sections(&p, &l, &sc)) < 0 || (rc = check_rules(&p, &sc, l.no)) < 0)
		goto done;
	compute_checksum(m);
	*out = m;
	m = NULL;
	rc = 0;
done:
	strata_migration_free(m);
	return rc;
}

int strata_migration_parse(strata_migration **out, const char *path, const char *text, size_t len)
{
	char *copy;

	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(path);
	STRATA_ASSERT_ARG(text || !len);
	*out = NULL;
	if (!(copy = strata_malloc(len + 1)))
		return STRATA_ERROR;
	if (len)
		memcpy(copy, text, len);
	copy[len] = '\0';
	return parse_take(out, path, copy, len);
}

/*
 * After a failed read: fs refuses an oversized file before reading it. Say
 * so in the "path:line: " form of every migration error; the stat is only
 * paid on this error path, not for each file loaded.
 */
static int load_failed(int rc, const char *path)
{
	struct stat st;

	if (rc == STRATA_EPARSE && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_size > STRATA_MIGRATION_MAX_BYTES) {
		strata_error_set(STRATA_EPARSE, "%s:1: the file is too large (%lld bytes; the "
				 "limit is %u)", path, (long long)st.st_size,
				 STRATA_MIGRATION_MAX_BYTES);
		strata_error_hint("split it into several migrations; load bulk data with a "
				  "separate tool");
	}
	return rc;
}

/* Parse what a read left in b (rc its result), which is consumed either way. */
static int parse_read(strata_migration **out, const char *path, strata_buf *b, int rc)
{
	size_t len;

	if (rc < 0) {
		strata__buf_release(b);
		return load_failed(rc, path);
	}
	if (!b->ptr && strata__buf_grow(b, 1) < 0)
		return STRATA_ERROR;
	len = b->len;
	return parse_take(out, path, strata__buf_detach(b), len);
}

/*
 * The "online" header's operation file, beside the revision: its text
 * becomes online_text and part of the checksum. dir is the folder when
 * open, else the file is read next to m->path. Frees *out on error.
 */
static int attach_online_file(strata_migration **out, const fs_dir *dir)
{
	strata_migration *m = *out;
	strata_buf path = STRATA_BUF_INIT, b = STRATA_BUF_INIT;
	int rc;

	if (!m || !m->online_file)
		return 0;
	if (strata__buf_putn(&path, m->path, (size_t)(m->filename - m->path)) < 0 ||
	    strata__buf_puts(&path, m->online_file) < 0) {
		rc = STRATA_ERROR;
		goto done;
	}
	rc = dir ? strata__fs_dir_read(&b, dir, m->online_file, strata__buf_cstr(&path), STRATA_MIGRATION_MAX_BYTES)
		 : strata__fs_read_file(&b, strata__buf_cstr(&path), STRATA_MIGRATION_MAX_BYTES);
	if (rc < 0) {
		strata_error_append(" (the operation file of revision %s, named on %s:%d)", m->revision,
				    m->path, strata__migfile_header_line(m, "online"));
		if (!strata_error_last()->hint[0])
			strata_error_hint("put the pgroll-format file beside the revision in the "
					  "migrations folder, or fix the '-- online:' header");
		rc = STRATA_EPARSE;
		goto done;
	}
	m->online_len = b.len;
	if (!(m->online_text = b.ptr ? strata__buf_detach(&b) : strata_strdup(""))) {
		rc = STRATA_ERROR;
		goto done;
	}
	compute_checksum(m);
done:
	strata__buf_release(&path);
	strata__buf_release(&b);
	if (rc < 0) {
		strata_migration_free(m);
		*out = NULL;
	}
	return rc;
}

int strata_migration_load(strata_migration **out, const char *path)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc;

	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(path);
	*out = NULL;
	rc = parse_read(out, path, &b, strata__fs_read_file(&b, path, STRATA_MIGRATION_MAX_BYTES));
	return rc < 0 ? rc : attach_online_file(out, NULL);
}

int strata__migfile_load_at(strata_migration **out, const fs_dir *dir, const char *name,
		    const char *path)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc;

	*out = NULL;
	rc = parse_read(out, path, &b, strata__fs_dir_read(&b, dir, name, path, STRATA_MIGRATION_MAX_BYTES));
	return rc < 0 ? rc : attach_online_file(out, dir);
}

static void free_ids(char **ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		strata_free(ids[i]);
	strata_free(ids);
}

void strata_migration_free(strata_migration *m)
{
	if (!m)
		return;
	strata_free(m->path);
	free_ids(m->revises, m->nrevises);
	free_ids(m->depends_on, m->ndepends_on);
	strata_free(m->message);
	strata_free(m->branch);
	strata_free(m->incomplete);
	strata_free(m->irreversible);
	strata_free(m->created);
	strata_free(m->online_file);
	strata_free(m->online_text);
	strata_free(m->contracts);
	strata_free(m->text);
	strata_free(m);
}

void strata_migration_position(int *line, int *col, const strata_migration *m, size_t offset)
{
	const char *t = m->text;
	size_t i, ls = 0;
	int ln = 1, c = 1;

	if (offset > m->text_len)
		offset = m->text_len;
	for (i = 0; i < offset; i++) {
		if (t[i] == '\n') {
			ln++;
			ls = i + 1;
		}
	}
	/* Columns count characters: every byte but UTF-8 continuation bytes. */
	for (i = ls; i < offset; i++)
		if (((unsigned char)t[i] & 0xc0) != 0x80)
			c++;
	if (line)
		*line = ln;
	if (col)
		*col = c;
}

int strata__migfile_header_line(const strata_migration *m, const char *key)
{
	mline l = { 0, 0, 0, 0 };
	size_t ks, ke, vs, klen = strlen(key);

	l.next = bom_len(m->text, m->text_len);
	while (next_line(&l, m->text, m->text_len)) {
		if (classify(m->text, &l) != LINE_OTHER)
			break;
		if (header_kv(m->text, &l, &ks, &ke, &vs) && ke - ks == klen &&
		    strncasecmp(m->text + ks, key, klen) == 0)
			return l.no;
	}
	return 1;
}
