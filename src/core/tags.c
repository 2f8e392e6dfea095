/*
 * core/tags.c - release tags: parsing, checking and rendering strata.tags,
 * and attaching it to a revision graph when the folder is loaded (see
 * core/tags.h for the format and the rules on names).
 *
 * Layer: core; files only, no database, never prints.
 */
#include "core/tags.h"
#include "strata/error.h"
#include "strata/project.h"
#include "strata/sum.h"
#include "util/alloc.h"
#include "util/strutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAGS_HEADER "# strata.tags: one release tag per line; 'strata tag' rewrites it\n"
#define NAME_HINT                                                                           \
	"a tag is 1 to 64 letters, digits, '.', '_', '-' or '/', starting with a letter or a " \
	"digit, and not only hex digits (for example v2.3 or release-2024.05)"

int strata__tags_add(tag_list *l, const char *name, const char *revision, int line)
{
	tag_entry *e;

	if (strata_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v)) != 0)
		return STRATA_ERROR;
	e = &l->v[l->n];
	memset(e, 0, sizeof(*e));
	if (!(e->name = strata_strdup(name)))
		return STRATA_ERROR;
	snprintf(e->revision, sizeof(e->revision), "%s", revision);
	e->line = line;
	l->n++;
	return 0;
}

static int cmp_tag(const void *a, const void *b)
{
	return strcmp(((const tag_entry *)a)->name, ((const tag_entry *)b)->name);
}

void strata__tags_sort(tag_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_tag);
}

void strata__tags_release(tag_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		strata_free(l->v[i].name);
	strata_free(l->v);
	memset(l, 0, sizeof(*l));
}

static int only_hex(const char *s)
{
	return *s && strspn(s, "0123456789abcdef") == strlen(s);
}

int strata__tags_name_syntax(const char *name, const char *where, int code)
{
	static const char *const reserved[] = { "head", "heads", "base", "current" };
	const char *why = NULL, *pre = where ? where : "", *sep = where ? ": " : "";
	size_t len = strlen(name), i;

	if (!len)
		why = "is empty";
	else if (len > TAG_NAME_MAX)
		why = "is longer than 64 characters";
	else if (!isalnum((unsigned char)name[0]) || ((unsigned char)name[0] & 0x80))
		why = "must start with a letter or a digit";
	else if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/") != len)
		why = "may hold only letters, digits, '.', '_', '-' and '/'";
	else if (strstr(name, ".."))
		why = "may not hold '..' (it separates the two ends of a changelog range)";
	else if (only_hex(name))
		why = "is made only of hex digits, so it reads as a revision id or a prefix of one";
	for (i = 0; !why && i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(name, reserved[i]) == 0)
			why = "is a target word (head, heads, base, current)";
	if (!why)
		return 0;
	strata_error_set(code, "%s%sthe tag name '%s' %s", pre, sep, name, why);
	strata_error_hint(NAME_HINT);
	return code;
}

static int is_revision_id(const char *p, size_t len)
{
	char id[STRATA_REVISION_MAX + 1];

	if (len > STRATA_REVISION_MAX)
		return 0;
	memcpy(id, p, len);
	id[len] = '\0';
	return strata_revision_id_valid(id);
}

/* A line's tag name into out (a NUL-terminated copy of at most TAG_NAME_MAX + 1). */
static void copy_name(char *out, const char *p, size_t len)
{
	if (len > TAG_NAME_MAX + 1)
		len = TAG_NAME_MAX + 1;
	memcpy(out, p, len);
	out[len] = '\0';
}

static int parse_line(tag_list *out, const char *path, int line, const char *p, size_t len)
{
	char name[TAG_NAME_MAX + 2], where[600];
	const char *sp = memchr(p, ' ', len);
	size_t nlen = sp ? (size_t)(sp - p) : len;
	const char *rev = sp ? sp + 1 : p + len;
	size_t rlen = (size_t)(p + len - rev);

	snprintf(where, sizeof(where), "%s:%d", path, line);
	while (rlen && rev[rlen - 1] == ' ')
		rlen--;
	if (!sp || !nlen || !is_revision_id(rev, rlen)) {
		strata_error_set(STRATA_EPARSE, "%s: not a '<tag> <revision id>' line", where);
		strata_error_hint("each line of strata.tags is a tag name, one space and the full "
				  "revision id; 'strata tag' writes it that way");
		return STRATA_EPARSE;
	}
	copy_name(name, p, nlen);
	if (strata__tags_name_syntax(name, where, STRATA_EPARSE) < 0)
		return STRATA_EPARSE;
	{
		char revision[STRATA_REVISION_MAX + 1];

		memcpy(revision, rev, rlen);
		revision[rlen] = '\0';
		return strata__tags_add(out, name, revision, line);
	}
}

int strata__tags_parse(tag_list *out, const char *path, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *eol;
	int line = 0, rc;

	for (; p < end; p = eol < end ? eol + 1 : end) {
		size_t n;

		if (!(eol = memchr(p, '\n', (size_t)(end - p))))
			eol = end;
		n = (size_t)(eol - p);
		line++;
		if (n && p[n - 1] == '\r')
			n--;
		if (strata__str_is_conflict_marker(p, n)) {
			strata_error_set(STRATA_EPARSE, "%s:%d: strata.tags has merge conflict markers",
					 path, line);
			strata_error_hint("keep the tag lines of both sides (one tag per line, each "
					  "name once), then run 'strata hash'");
			return STRATA_EPARSE;
		}
		if (n == 0 || p[0] == '#')
			continue;
		if ((rc = parse_line(out, path, line, p, n)) < 0)
			return rc;
	}
	strata__tags_sort(out);
	for (size_t i = 1; i < out->n; i++) {
		const tag_entry *a = &out->v[i - 1], *b = &out->v[i];

		if (strcmp(a->name, b->name) != 0)
			continue;
		strata_error_set(STRATA_EPARSE, "%s:%d: tag %s is listed twice (also line %d)", path,
				 a->line > b->line ? a->line : b->line, a->name,
				 a->line > b->line ? b->line : a->line);
		strata_error_hint("a tag names one revision: keep one of the lines, then run "
				  "'strata hash'");
		return STRATA_EPARSE;
	}
	return 0;
}

int strata__tags_render(strata_buf *out, const tag_list *l)
{
	if (strata__buf_puts(out, TAGS_HEADER) != 0)
		return STRATA_ERROR;
	for (size_t i = 0; i < l->n; i++)
		if (strata__buf_printf(out, "%s %s\n", l->v[i].name, l->v[i].revision) != 0)
			return STRATA_ERROR;
	return 0;
}

/* Length of the stem of "<stem>-<digits>", or 0 when name does not end that way. */
static size_t dash_stem(const char *name)
{
	size_t i = strlen(name), len = i;

	while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
		i--;
	return i < len && i >= 2 && name[i - 1] == '-' ? i - 1 : 0;
}

/* Whether stem is something a target can step from. */
static int steppable(const strata_graph *g, const char *stem)
{
	size_t idx;

	if (strcmp(stem, "head") == 0 || strcmp(stem, "base") == 0)
		return 1;
	if (strata_graph_lookup(&idx, g, stem) == 0)
		return 1;
	strata_error_clear();
	return 0;
}

int strata__tags_check_new(const strata_graph *g, const char *name)
{
	size_t stem = dash_stem(name), len = strlen(name), idx;
	int rc;

	if ((rc = strata__tags_name_syntax(name, NULL, STRATA_EINVALID)) < 0)
		return rc;
	if (strata__revgraph_tag_index(g, name) >= 0) {
		strata_graph_tag(&idx, g, (size_t)strata__revgraph_tag_index(g, name));
		strata_error_set(STRATA_EINVALID, "tag %s already exists (on revision %s)", name,
				 strata_graph_at(g, idx)->revision);
		strata_error_hint("a tag names one release: delete it first (`strata tag -d %s`) to "
				  "move it", name);
		return STRATA_EINVALID;
	}
	if (strata__revgraph_has_label(g, name)) {
		strata_error_set(STRATA_EINVALID, "'%s' is a branch label", name);
		strata_error_hint("a tag and a branch label may not share a name; choose another");
		return STRATA_EINVALID;
	}
	if (stem) {
		char *base = strata_strndup(name, stem);
		int hit;

		if (!base)
			return STRATA_ERROR;
		hit = steppable(g, base);
		strata_free(base);
		if (hit) {
			strata_error_set(STRATA_EINVALID, "'%s' would read as steps back from '%.*s'",
					 name, (int)stem, name);
			strata_error_hint("NAME-N is a relative target (N revisions before NAME); "
					  "choose a name that does not end in -<number>");
			return STRATA_EINVALID;
		}
	}
	for (size_t i = 0; i < strata_graph_tag_count(g); i++) {
		const char *other = strata_graph_tag(NULL, g, i);

		if (dash_stem(other) == len && strncmp(other, name, len) == 0) {
			strata_error_set(STRATA_EINVALID, "tag %s would then read as steps back from "
					 "'%s'", other, name);
			strata_error_hint("NAME-N is a relative target (N revisions before NAME); "
					  "choose another name");
			return STRATA_EINVALID;
		}
	}
	return 0;
}

int strata__tags_load(strata_graph *g, const fs_dir *d, const char *dir)
{
	strata_buf path = STRATA_BUF_INIT, text = STRATA_BUF_INIT;
	tag_list tags = { 0 };
	int found = 0, rc;

	for (size_t i = 0; i < d->count && !found; i++)
		found = strcmp(d->names[i], STRATA_TAGS_FILE) == 0;
	if (!found)
		return 0;
	if ((rc = strata__fs_join(&path, dir, STRATA_TAGS_FILE)) < 0 ||
	    (rc = strata__fs_dir_read(&text, d, STRATA_TAGS_FILE, strata__buf_cstr(&path),
			      STRATA_MIGRATION_MAX_BYTES)) < 0 ||
	    (rc = strata__tags_parse(&tags, strata__buf_cstr(&path), text.ptr ? text.ptr : "", text.len)) < 0)
		goto done;
	for (size_t i = 0; i < tags.n; i++) {
		tag_entry *e = &tags.v[i];
		long idx = strata_graph_index(g, e->revision);

		if (idx < 0) {
			rc = strata_error_set(STRATA_EPARSE, "%s:%d: tag %s names revision %s, which is "
					      "not in the migrations directory",
					      strata__buf_cstr(&path), e->line, e->name, e->revision);
			strata_error_hint("restore that revision's file, or remove line %d from "
					  "strata.tags and run 'strata hash'", e->line);
			goto done;
		}
		if (strata__revgraph_has_label(g, e->name)) {
			rc = strata_error_set(STRATA_EPARSE, "%s:%d: tag %s is also a branch label",
					      strata__buf_cstr(&path), e->line, e->name);
			strata_error_hint("a name must say one thing: rename the tag on line %d (then "
					  "run 'strata hash') or the branch label", e->line);
			goto done;
		}
		e->idx = (size_t)idx;
	}
	if (!text.ptr && strata__buf_puts(&text, "") != 0) {
		rc = STRATA_ERROR;
		goto done;
	}
	{
		size_t len = text.len;

		rc = strata__revgraph_set_tags(g, &tags, strata__buf_detach(&text), len);
	}
done:
	strata__tags_release(&tags);
	strata__buf_release(&path);
	strata__buf_release(&text);
	return rc;
}
