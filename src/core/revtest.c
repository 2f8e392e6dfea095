/*
 * core/revtest.c - parsing per-revision data-check files (see revtest.h).
 */
#include "core/revtest.h"
#include "db/db.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define REVTEST_FILE_MAX (16u * 1024 * 1024)

static const char *const section_markers[REVTEST_NSECTIONS] = { "before", "check", "check-down" };

void strata__revtest_free(revtest *t)
{
	if (!t)
		return;
	for (size_t s = 0; s < REVTEST_NSECTIONS; s++) {
		for (size_t i = 0; i < t->n[s]; i++)
			strata_free(t->stmts[s][i].sql);
		strata_free(t->stmts[s]);
	}
	strata_free(t->path);
	strata_free(t);
}

int strata__revtest_is_true(const char *v)
{
	return v && (strcasecmp(v, "t") == 0 || strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* "-- +name" on a line of its own: the marker's name, else NULL. */
static int marker_of(const char *line, size_t len, const char **name, size_t *name_len)
{
	size_t i = 0;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (len - i < 4 || strncmp(line + i, "--", 2) != 0)
		return 0;
	i += 2;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i >= len || line[i] != '+')
		return 0;
	i++;
	*name = line + i;
	while (i < len && !isspace((unsigned char)line[i]))
		i++;
	*name_len = (size_t)(line + i - *name);
	return 1;
}

static int line_at(const char *text, size_t offset)
{
	int line = 1;

	for (size_t i = 0; i < offset; i++)
		line += text[i] == '\n';
	return line;
}

/* Split one section [start, end) of text into statements. */
static int split_section(revtest *t, revtest_section s, const char *text, size_t start, size_t end,
			 int engine)
{
	db_stmt *stmts = NULL;
	size_t n = 0, err_at = 0;
	int rc = strata__db_split(&stmts, &n, &err_at, (db_engine)engine, text + start, end - start);

	if (rc != 0) {
		if (rc == STRATA_EPARSE) {
			strata_error_set(STRATA_EPARSE, "%s:%d: cannot read this statement", t->path,
					 line_at(text, start + err_at));
			strata_error_hint("each section holds plain SQL statements ending in ';'");
		}
		return rc;
	}
	if (n && !(t->stmts[s] = strata_calloc(n, sizeof(revtest_stmt)))) {
		strata_free(stmts);
		return STRATA_ERROR;
	}
	for (size_t i = 0; i < n; i++) {
		t->stmts[s][i].sql = strata_strndup(text + start + stmts[i].offset, stmts[i].len);
		t->stmts[s][i].line = line_at(text, start + stmts[i].offset);
		if (!t->stmts[s][i].sql) {
			strata_free(stmts);
			return STRATA_ERROR;
		}
		t->n[s]++;
	}
	strata_free(stmts);
	return 0;
}

int strata__revtest_parse(revtest **out, const char *path, const char *text, size_t len, int engine)
{
	revtest *t = strata_calloc(1, sizeof(*t));
	int seen[REVTEST_NSECTIONS] = { 0 };
	long current = -1;
	size_t section_start = 0, pos = 0;
	int rc = 0, line = 0;

	*out = NULL;
	if (!t || !(t->path = strata_strdup(path))) {
		strata_free(t);
		return STRATA_ERROR;
	}
	while (rc == 0 && pos <= len) {
		const char *eol = memchr(text + pos, '\n', len - pos);
		size_t line_len = eol ? (size_t)(eol - (text + pos)) : len - pos;
		const char *name;
		size_t name_len;

		line++;
		if (marker_of(text + pos, line_len, &name, &name_len)) {
			long found = -1;

			for (size_t s = 0; s < REVTEST_NSECTIONS; s++)
				if (strlen(section_markers[s]) == name_len &&
				    strncmp(section_markers[s], name, name_len) == 0)
					found = (long)s;
			if (found < 0) {
				rc = strata_error_set(STRATA_EPARSE, "%s:%d: unknown section '-- +%.*s'",
						      path, line, (int)name_len, name);
				strata_error_hint("the sections are -- +before, -- +check and -- +check-down");
				break;
			}
			if (seen[found]) {
				rc = strata_error_set(STRATA_EPARSE, "%s:%d: a second '-- +%s' section",
						      path, line, section_markers[found]);
				strata_error_hint("put all of a section's statements under one marker");
				break;
			}
			if (current >= 0)
				rc = split_section(t, (revtest_section)current, text, section_start, pos,
						   engine);
			seen[found] = 1;
			current = found;
			section_start = eol ? (size_t)(eol - text) + 1 : len;
		} else if (current < 0) {
			size_t i = 0;

			while (i < line_len && isspace((unsigned char)text[pos + i]))
				i++;
			if (i < line_len && !(line_len - i >= 2 && strncmp(text + pos + i, "--", 2) == 0)) {
				rc = strata_error_set(STRATA_EPARSE,
						      "%s:%d: SQL before any section marker", path, line);
				strata_error_hint("start with -- +before, -- +check or -- +check-down");
				break;
			}
		}
		if (!eol)
			break;
		pos = (size_t)(eol - text) + 1;
	}
	if (rc == 0 && current >= 0)
		rc = split_section(t, (revtest_section)current, text, section_start, len, engine);
	if (rc == 0 && !seen[REVTEST_CHECK] && !seen[REVTEST_CHECK_DOWN]) {
		rc = strata_error_set(STRATA_EPARSE, "%s:1: no '-- +check' or '-- +check-down' section",
				      path);
		strata_error_hint("a data-check file says what must be true after the revision: "
				  "-- +check followed by queries returning true");
	}
	if (rc != 0) {
		strata__revtest_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

int strata__revtest_load(revtest **out, const char *path, int engine)
{
	strata_buf text = STRATA_BUF_INIT;
	int rc;

	*out = NULL;
	if ((rc = strata__fs_read_file(&text, path, REVTEST_FILE_MAX)) != 0)
		return rc;
	rc = strata__revtest_parse(out, path, strata__buf_cstr(&text), text.len, engine);
	strata__buf_release(&text);
	return rc;
}
