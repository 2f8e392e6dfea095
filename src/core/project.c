/*
 * core/project.c - new revision files, release tags, strata.sum and `init`
 * (see strata/project.h).
 *
 * Layer: core; files only, no database. Every file is written through
 * util/fs (temporary file + rename, O_NOFOLLOW, mode 0644), so a crash
 * leaves either the old or the new contents.
 */
#include "strata/project.h"
#include "strata/sum.h"
#include "core/tags.h"
#include "strata/config.h"
#include "strata/error.h"
#include "strata/graph.h"
#include "strata/migration.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/strutil.h"
#include "util/timefmt.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Hash of a file with CRLF turned into LF, as "sha256-v1:<hex>". */
static void hash_normalised(char out[80], const char *text, size_t len)
{
	sha256_ctx c;
	unsigned char d[32];
	char hex[65];
	size_t i, start = 0;

	strata__sha256_init(&c);
	for (i = 0; i < len; i++) {
		if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n') {
			strata__sha256_update(&c, text + start, i - start);
			start = i + 1;
		}
	}
	strata__sha256_update(&c, text + start, len - start);
	strata__sha256_final(&c, d);
	strata__sha256_hex(d, hex);
	strcpy(out, STRATA_CHECKSUM_PREFIX);
	strcat(out, hex);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/*
 * strata.sum, one "name hash" line per migration file (see strata/project.h).
 *
 * The file is compared as a set of lines with the set of files, never as
 * bytes: order, blank lines and "#" comments do not matter, so a merge in
 * version control that keeps every line from both sides is accepted as it
 * is. A file with no line (added, not hashed), a line with no file
 * (removed) and a line with another hash (edited) are each reported. A
 * file written by older versions starts with a line hashing the rest
 * (the whole-folder line, which made every change rewrite line 1 and every
 * two branches conflict); that line is skipped, and the next write drops it.
 */

#define SUM_HEADER "# strata.sum: one line per migration file; 'strata hash' rewrites it\n"
#define HASH_LEN (sizeof(STRATA_CHECKSUM_PREFIX) - 1 + 64)

typedef struct sum_entry {
	char *name;
	char hash[80];
	int line;                    /* in strata.sum; 0 when computed */
	const strata_migration *m;   /* computed from a graph: the file's revision */
} sum_entry;

typedef struct sum_list {
	sum_entry *v;
	size_t n, cap;
} sum_list;

static void list_release(sum_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		strata_free(l->v[i].name);
	strata_free(l->v);
	memset(l, 0, sizeof(*l));
}

static int list_add(sum_list *l, const char *name, size_t name_len, const char *hash,
		    size_t hash_len, int line, const strata_migration *m)
{
	sum_entry *e;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		sum_entry *v = strata_realloc(l->v, cap * sizeof(*v));

		if (!v)
			return STRATA_ERROR;
		l->v = v;
		l->cap = cap;
	}
	e = &l->v[l->n];
	memset(e, 0, sizeof(*e));
	if (!(e->name = strata_strndup(name, name_len)))
		return STRATA_ERROR;
	if (hash_len >= sizeof(e->hash))
		hash_len = sizeof(e->hash) - 1;
	memcpy(e->hash, hash, hash_len);
	e->hash[hash_len] = '\0';
	e->line = line;
	e->m = m;
	l->n++;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const sum_entry *)a)->name, ((const sum_entry *)b)->name);
}

/* qsort's array may not be NULL even when it is empty: an empty list has none. */
static void sort_list(sum_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_entry);
}

/* What strata.sum should hold for dir, from the files themselves (sorted by name). */
static int want_from_dir(sum_list *out, const char *dir)
{
	strata_buf path = STRATA_BUF_INIT, text = STRATA_BUF_INIT;
	char hash[80];
	fs_dir d;
	size_t i;
	int rc;

	if ((rc = strata__fs_dir_open(&d, dir)) < 0)
		goto done;
	for (i = 0; i < d.count; i++) {
		if (!ends_with(d.names[i], ".sql") && strcmp(d.names[i], STRATA_TAGS_FILE) != 0)
			continue;
		strata__buf_clear(&text);
		rc = STRATA_ERROR;
		if (strata__fs_join(&path, dir, d.names[i]) < 0)
			goto done;
		if ((rc = strata__fs_dir_read(&text, &d, d.names[i], strata__buf_cstr(&path),
				      STRATA_MIGRATION_MAX_BYTES)) < 0)
			goto done;
		hash_normalised(hash, text.ptr ? text.ptr : "", text.len);
		if ((rc = list_add(out, d.names[i], strlen(d.names[i]), hash, strlen(hash), 0,
				   NULL)) < 0)
			goto done;
	}
	sort_list(out);
	rc = 0;
done:
	strata__fs_dir_close(&d);
	strata__buf_release(&path);
	strata__buf_release(&text);
	return rc;
}

/* The same from the texts already loaded into g, which holds every .sql file of the folder. */
static int want_from_graph(sum_list *out, const strata_graph *g)
{
	size_t n = strata_graph_count(g), i, tags_len;
	const char *tags = strata__revgraph_tags_text(g, &tags_len);
	char hash[80];

	for (i = 0; i < n; i++) {
		const strata_migration *m = strata_graph_at(g, i);

		hash_normalised(hash, m->text, m->text_len);
		if (list_add(out, m->filename, strlen(m->filename), hash, strlen(hash), 0, m) < 0)
			return STRATA_ERROR;
	}
	if (tags) {
		hash_normalised(hash, tags, tags_len);
		if (list_add(out, STRATA_TAGS_FILE, strlen(STRATA_TAGS_FILE), hash, strlen(hash), 0,
			     NULL) < 0)
			return STRATA_ERROR;
	}
	sort_list(out);
	return 0;
}

static int is_hash(const char *p, size_t len)
{
	size_t k, plen = sizeof(STRATA_CHECKSUM_PREFIX) - 1;

	if (len != HASH_LEN || memcmp(p, STRATA_CHECKSUM_PREFIX, plen) != 0)
		return 0;
	for (k = plen; k < len; k++)
		if (!isdigit((unsigned char)p[k]) && !(p[k] >= 'a' && p[k] <= 'f'))
			return 0;
	return 1;
}

/* Read the text of path (strata.sum) into out, sorted by name; EPARSE names the line. */
static int parse_sum(sum_list *out, const char *path, const strata_buf *text)
{
	const char *p = text->ptr ? text->ptr : "", *end = p + text->len, *eol = NULL;
	int line = 0;
	size_t i;

	/* Markers first: a conflicted file is not "malformed", it is unfinished. */
	for (; p < end; p = eol < end ? eol + 1 : end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		line++;
		if (strata__str_is_conflict_marker(p, (size_t)(eol - p))) {
			strata_error_set(STRATA_EPARSE, "strata.sum has merge conflict markers (line %d): "
					 "resolve the conflict, then run strata hash", line);
			strata_error_hint("%s was merged with conflicts; 'strata hash' rewrites it from "
					  "the migration files, so taking either side and running it is "
					  "enough once the .sql files themselves are right", path);
			return STRATA_EPARSE;
		}
	}
	line = 0;
	for (p = text->ptr ? text->ptr : ""; p < end; p = eol < end ? eol + 1 : end) {
		const char *sp;
		size_t len;

		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		len = (size_t)(eol - p);
		line++;
		if (len && p[len - 1] == '\r')
			len--;
		if (len == 0 || p[0] == '#')
			continue;
		if (line == 1 && is_hash(p, len))
			continue; /* the whole-folder line of the older format */
		for (sp = p + len; sp > p && sp[-1] != ' '; sp--)
			;
		if (sp == p || sp - 1 == p || !is_hash(sp, (size_t)(p + len - sp))) {
			strata_error_set(STRATA_EPARSE, "%s:%d: not a '<file> %s<hash>' line", path, line,
					 STRATA_CHECKSUM_PREFIX);
			strata_error_hint("run 'strata hash' to rewrite strata.sum from the migration files");
			return STRATA_EPARSE;
		}
		if (list_add(out, p, (size_t)(sp - 1 - p), sp, (size_t)(p + len - sp), line, NULL) < 0)
			return STRATA_ERROR;
	}
	sort_list(out);
	for (i = 1; i < out->n; i++) {
		if (strcmp(out->v[i - 1].name, out->v[i].name) == 0) {
			const sum_entry *a = &out->v[i - 1], *b = &out->v[i];

			strata_error_set(STRATA_EPARSE, "%s lists %s twice (lines %d and %d)", path,
					 a->name, a->line < b->line ? a->line : b->line,
					 a->line < b->line ? b->line : a->line);
			strata_error_hint("two branches changed the same file; once that file is right, "
					  "run 'strata hash' to rewrite strata.sum");
			return STRATA_EPARSE;
		}
	}
	return 0;
}

static int render_sum(strata_buf *out, const sum_list *want)
{
	size_t i;

	if (strata__buf_puts(out, SUM_HEADER) < 0)
		return STRATA_ERROR;
	for (i = 0; i < want->n; i++)
		if (strata__buf_printf(out, "%s %s\n", want->v[i].name, want->v[i].hash) < 0)
			return STRATA_ERROR;
	return 0;
}

static int write_sum(const char *dir, const sum_list *want)
{
	strata_buf sum = STRATA_BUF_INIT, path = STRATA_BUF_INIT;
	int rc;

	if ((rc = render_sum(&sum, want)) == 0 && (rc = strata__fs_join(&path, dir, STRATA_SUM_FILE)) == 0)
		rc = strata__fs_write_file(strata__buf_cstr(&path), sum.ptr, sum.len);
	strata__buf_release(&sum);
	strata__buf_release(&path);
	return rc;
}

int strata_sum_write(const char *dir)
{
	sum_list want = { 0 };
	int rc;

	STRATA_ASSERT_ARG(dir);

	if ((rc = want_from_dir(&want, dir)) == 0)
		rc = write_sum(dir, &want);
	list_release(&want);
	return rc;
}

enum diff_kind { SUM_ADDED, SUM_CHANGED, SUM_REMOVED };

/*
 * Walk have (strata.sum) and want (the folder), both sorted by name, and
 * call fn for each difference; want_e is NULL for SUM_REMOVED.
 */
static int sum_diff(const sum_list *have, const sum_list *want,
		    int (*fn)(void *payload, enum diff_kind k, const char *name, const sum_entry *want_e),
		    void *payload)
{
	size_t i = 0, j = 0;
	int rc = 0;

	while (rc == 0 && (i < have->n || j < want->n)) {
		int c = i == have->n ? 1 : j == want->n ? -1 : strcmp(have->v[i].name, want->v[j].name);

		if (c < 0) {
			rc = fn(payload, SUM_REMOVED, have->v[i].name, NULL);
			i++;
		} else if (c > 0) {
			rc = fn(payload, SUM_ADDED, want->v[j].name, &want->v[j]);
			j++;
		} else {
			if (strcmp(have->v[i].hash, want->v[j].hash) != 0)
				rc = fn(payload, SUM_CHANGED, want->v[j].name, &want->v[j]);
			i++;
			j++;
		}
	}
	return rc;
}

static const char *const kind_word[] = { "added", "changed", "removed" };

static int report_one(void *payload, enum diff_kind k, const char *name, const sum_entry *e)
{
	(void)e;
	return strata__buf_printf(payload, "  %s: %s\n", kind_word[k], name);
}

#define SUM_HINT_STRICT                                                                   \
	"if these changes are intended (a new file, or a revision you created and then "  \
	"edited), run 'strata hash' to record them; otherwise restore the files (e.g. from " \
	"version control). For local development, 'sum = auto' in strata.ini lets upgrade " \
	"record files whose revision the database has not applied"

/* ECHECK listing the differences; *report gets the list. */
static int mismatch(char **report, const char *path, const char *dir, strata_buf *diff,
		    const char *hint)
{
	if (!diff->len)
		return 0;
	strata__buf_truncate(diff, diff->len - 1); /* the last line's newline */
	strata_error_set(STRATA_ECHECK, "%s does not match the migrations in %s:\n%s", path, dir,
			 strata__buf_cstr(diff));
	strata_error_hint("%s", hint);
	if (report)
		*report = strata__buf_detach(diff);
	return STRATA_ECHECK;
}

/* Read strata.sum into have; 1 when it exists, 0 when not. */
static int read_sum(sum_list *have, strata_buf *path, const char *dir)
{
	strata_buf text = STRATA_BUF_INIT;
	int rc;

	if ((rc = strata__fs_join(path, dir, STRATA_SUM_FILE)) < 0)
		return rc;
	rc = strata__fs_read_file(&text, strata__buf_cstr(path), STRATA_MIGRATION_MAX_BYTES);
	if (rc == STRATA_ENOTFOUND)
		rc = 0;
	else if (rc >= 0)
		rc = (rc = parse_sum(have, strata__buf_cstr(path), &text)) < 0 ? rc : 1;
	strata__buf_release(&text);
	return rc;
}

static int check_against(char **report, const char *dir, const strata_graph *g)
{
	strata_buf path = STRATA_BUF_INIT, diff = STRATA_BUF_INIT;
	sum_list have = { 0 }, want = { 0 };
	int rc;

	*report = NULL;
	if ((rc = read_sum(&have, &path, dir)) <= 0)
		goto done;
	if ((rc = g ? want_from_graph(&want, g) : want_from_dir(&want, dir)) < 0)
		goto done;
	if ((rc = sum_diff(&have, &want, report_one, &diff)) < 0)
		goto done;
	rc = mismatch(report, strata__buf_cstr(&path), dir, &diff, SUM_HINT_STRICT);
done:
	list_release(&have);
	list_release(&want);
	strata__buf_release(&path);
	strata__buf_release(&diff);
	return rc < 0 ? rc : 0;
}

int strata_sum_check(char **report, const char *dir)
{
	STRATA_ASSERT_ARG(report);
	STRATA_ASSERT_ARG(dir);

	return check_against(report, dir, NULL);
}

int strata_sum_check_graph(char **report, const char *dir, const strata_graph *g)
{
	STRATA_ASSERT_ARG(report);
	STRATA_ASSERT_ARG(dir);
	STRATA_ASSERT_ARG(g);

	return check_against(report, dir, g);
}

typedef struct refresh_ctx {
	const strata_graph *g;
	const unsigned char *applied;
	strata_buf refused;   /* differences auto may not record */
	strata_buf recorded;  /* what it records */
} refresh_ctx;

/* Graph index of m (m points into g). */
static size_t index_of(const strata_graph *g, const strata_migration *m)
{
	size_t i, n = strata_graph_count(g);

	for (i = 0; i < n; i++)
		if (strata_graph_at(g, i) == m)
			return i;
	return n;
}

static int refresh_one(void *payload, enum diff_kind k, const char *name, const sum_entry *e)
{
	refresh_ctx *c = payload;
	size_t idx;

	if (k == SUM_REMOVED)
		return strata__buf_printf(&c->refused, "  removed: %s\n", name);
	if (!e->m) /* strata.tags: it names releases and runs no SQL */
		return strata__buf_printf(&c->recorded, "%s%s", c->recorded.len ? ", " : "", name);
	idx = index_of(c->g, e->m);
	if (idx < strata_graph_count(c->g) && !c->applied[idx])
		return strata__buf_printf(&c->recorded, "%s%s", c->recorded.len ? ", " : "", name);
	return strata__buf_printf(&c->refused, "  %s: %s (revision %s is applied on this database)\n",
			  kind_word[k], name, e->m->revision);
}

int strata_sum_refresh_unapplied(char **recorded, const char *dir, const strata_graph *g,
				 const unsigned char *applied)
{
	STRATA_ASSERT_ARG(recorded);
	STRATA_ASSERT_ARG(dir);
	STRATA_ASSERT_ARG(g);
	STRATA_ASSERT_ARG(applied);

	strata_buf path = STRATA_BUF_INIT;
	sum_list have = { 0 }, want = { 0 };
	refresh_ctx c = { g, applied, STRATA_BUF_INIT, STRATA_BUF_INIT };
	int rc;

	*recorded = NULL;
	if ((rc = read_sum(&have, &path, dir)) <= 0)
		goto done;
	if ((rc = want_from_graph(&want, g)) < 0 || (rc = sum_diff(&have, &want, refresh_one, &c)) < 0)
		goto done;
	if (c.refused.len) {
		rc = mismatch(NULL, strata__buf_cstr(&path), dir, &c.refused,
			      "sum = auto records only files whose revision this database has not "
			      "applied; if these changes are intended, run 'strata hash', otherwise "
			      "restore the files (e.g. from version control)");
		goto done;
	}
	if (c.recorded.len && (rc = write_sum(dir, &want)) == 0)
		*recorded = strata__buf_detach(&c.recorded);
done:
	list_release(&have);
	list_release(&want);
	strata__buf_release(&path);
	strata__buf_release(&c.refused);
	strata__buf_release(&c.recorded);
	return rc < 0 ? rc : 0;
}

/*
 * Release tags. strata.tags is rewritten whole from the graph's tags plus
 * or minus one; strata.sum gets the new hash of that one file, and every
 * other line of it stays as it was: tagging records the tag, it does not
 * bless edits made to migration files meanwhile (that is `strata hash`).
 * A folder without strata.sum is left without one.
 */
static int sum_record_one(const char *dir, const char *name, const char *text, size_t len)
{
	strata_buf path = STRATA_BUF_INIT;
	sum_list have = { 0 };
	char hash[80];
	size_t i;
	int rc;

	if ((rc = read_sum(&have, &path, dir)) <= 0)
		goto done;
	hash_normalised(hash, text, len);
	for (i = 0; i < have.n && strcmp(have.v[i].name, name) != 0; i++)
		;
	if (i < have.n) {
		strcpy(have.v[i].hash, hash);
	} else {
		if ((rc = list_add(&have, name, strlen(name), hash, strlen(hash), 0, NULL)) < 0)
			goto done;
		sort_list(&have);
	}
	rc = write_sum(dir, &have);
done:
	list_release(&have);
	strata__buf_release(&path);
	return rc < 0 ? rc : 0;
}

static int write_tags(const char *dir, const tag_list *tags)
{
	strata_buf text = STRATA_BUF_INIT, path = STRATA_BUF_INIT;
	int rc;

	if ((rc = strata__tags_render(&text, tags)) == 0 && (rc = strata__fs_join(&path, dir, STRATA_TAGS_FILE)) == 0 &&
	    (rc = strata__fs_write_file(strata__buf_cstr(&path), text.ptr, text.len)) == 0)
		rc = sum_record_one(dir, STRATA_TAGS_FILE, text.ptr, text.len);
	strata__buf_release(&text);
	strata__buf_release(&path);
	return rc;
}

/* The graph's tags, but the one named skip (NULL: all), as a list to write. */
static int copy_tags(tag_list *out, const strata_graph *g, const char *skip)
{
	for (size_t i = 0; i < strata_graph_tag_count(g); i++) {
		size_t idx;
		const char *name = strata_graph_tag(&idx, g, i);

		if (skip && strcmp(name, skip) == 0)
			continue;
		if (strata__tags_add(out, name, strata_graph_at(g, idx)->revision, 0) < 0)
			return STRATA_ERROR;
	}
	return 0;
}

int strata_tag_add(const char *dir, const strata_graph *g, const char *name, const char *target)
{
	tag_list tags = { 0 };
	size_t idx;
	int rc;

	STRATA_ASSERT_ARG(dir);
	STRATA_ASSERT_ARG(g);
	STRATA_ASSERT_ARG(name);
	if ((rc = strata__tags_check_new(g, name)) < 0 ||
	    (rc = strata_graph_lookup(&idx, g, target ? target : "head")) < 0)
		return rc;
	if ((rc = copy_tags(&tags, g, NULL)) == 0 &&
	    (rc = strata__tags_add(&tags, name, strata_graph_at(g, idx)->revision, 0)) == 0) {
		strata__tags_sort(&tags);
		rc = write_tags(dir, &tags);
	}
	strata__tags_release(&tags);
	return rc;
}

int strata_tag_delete(const char *dir, const strata_graph *g, const char *name)
{
	tag_list tags = { 0 };
	int rc;

	STRATA_ASSERT_ARG(dir);
	STRATA_ASSERT_ARG(g);
	STRATA_ASSERT_ARG(name);
	if (strata__revgraph_tag_index(g, name) < 0) {
		strata_error_set(STRATA_ENOTFOUND, "there is no tag named '%s'", name);
		strata_error_hint("`strata tag` lists the tags");
		return STRATA_ENOTFOUND;
	}
	if ((rc = copy_tags(&tags, g, name)) == 0)
		rc = write_tags(dir, &tags);
	strata__tags_release(&tags);
	return rc;
}

/* "Add users.org_id!" -> "add_users_org_id" (ASCII letters and digits, at most 40). */
static int slugify(strata_buf *out, const char *message)
{
	const char *p;
	int pending = 0;

	for (p = message; *p && out->len < 40; p++) {
		if (isalnum((unsigned char)*p) && !((unsigned char)*p & 0x80)) {
			if (pending && out->len && strata__buf_putc(out, '_') < 0)
				return STRATA_ERROR;
			pending = 0;
			if (strata__buf_putc(out, (char)tolower((unsigned char)*p)) < 0)
				return STRATA_ERROR;
		} else {
			pending = 1;
		}
	}
	return out->len ? 0 : strata__buf_puts(out, "revision");
}

/* A header value must stay on one line. */
static int header_value_ok(const char *v, const char *what)
{
	if (v && strpbrk(v, "\r\n")) {
		strata_error_set(STRATA_EINVALID, "the %s must be one line", what);
		return 0;
	}
	return 1;
}

static int put_list(strata_buf *b, const char *const *ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strata__buf_printf(b, "%s%s", i ? " " : "", ids[i]) < 0)
			return STRATA_ERROR;
	return 0;
}

/*
 * What is written must read back: the file is parsed before it is
 * created, so a value the parser refuses (a branch label with shell or
 * SQL characters, say) is an error now, not a project every later command
 * refuses.
 */
static int check_reads_back(const strata_buf *text, const char *name)
{
	strata_migration *m = NULL;
	strata_error saved;

	if (strata_migration_parse(&m, name, text->ptr, text->len) == 0) {
		strata_migration_free(m);
		return 0;
	}
	saved = *strata_error_last();
	if (saved.code == STRATA_ERROR)
		return STRATA_ERROR;
	strata_error_set(STRATA_EINVALID, "the new revision would not be readable: %s", saved.message);
	if (saved.hint[0])
		strata_error_hint("%s", saved.hint);
	return STRATA_EINVALID;
}

/* The file's text and name for a given id and created time, checked to read back. */
static int render_revision(strata_buf *text, strata_buf *name, const char *id, const char *created,
			   const strata_revision_spec *spec)
{
	const char *message = spec->message ? spec->message : "";

	strata__buf_clear(text);
	strata__buf_clear(name);
	if (strata__buf_printf(text, "-- revision: %s\n-- revises: ", id) < 0 ||
	    (spec->nparents ? put_list(text, spec->parents, spec->nparents) : strata__buf_puts(text, "base")) < 0 ||
	    strata__buf_printf(text, "\n-- message: %s\n", message) < 0 ||
	    (created && strata__buf_printf(text, "-- created: %s\n", created) < 0) ||
	    strata__buf_printf(text, "-- transaction: %s\n", spec->transactional ? "on" : "off") < 0)
		return STRATA_ERROR;
	if (spec->ndepends_on && (strata__buf_puts(text, "-- depends-on: ") < 0 ||
				  put_list(text, spec->depends_on, spec->ndepends_on) < 0 ||
				  strata__buf_putc(text, '\n') < 0))
		return STRATA_ERROR;
	if (spec->branch && strata__buf_printf(text, "-- branch: %s\n", spec->branch) < 0)
		return STRATA_ERROR;
	if (spec->irreversible && strata__buf_printf(text, "-- irreversible: %s\n", spec->irreversible) < 0)
		return STRATA_ERROR;
	if (strata__buf_printf(text, "\n-- +%s\n%s\n\n-- +down\n%s\n", spec->batch_sql ? "batch" : "up",
		       spec->batch_sql ? spec->batch_sql
		       : spec->up_sql ? spec->up_sql : "-- write the upgrade SQL here",
		       spec->down_sql ? spec->down_sql : "-- write the downgrade SQL here") < 0)
		return STRATA_ERROR;
	if (strata__buf_printf(name, "%s_", id) < 0 || slugify(name, message) < 0 || strata__buf_puts(name, ".sql") < 0)
		return STRATA_ERROR;
	return check_reads_back(text, strata__buf_cstr(name));
}

/* The spec's one-line values and branch label, before anything is written. */
static int spec_valid(const strata_revision_spec *spec)
{
	if (!header_value_ok(spec->message, "message") || !header_value_ok(spec->branch, "branch label") ||
	    !header_value_ok(spec->irreversible, "irreversible reason"))
		return STRATA_EINVALID;
	if (spec->branch && (!*spec->branch || strpbrk(spec->branch, " \t@:"))) {
		strata_error_set(STRATA_EINVALID, "branch label '%s' must be one word without '@' or ':'",
				 spec->branch);
		return STRATA_EINVALID;
	}
	return 0;
}

int strata_revision_render(char **text_out, char **name_out, const char *id, const char *created,
			   const strata_revision_spec *spec)
{
	strata_buf text = STRATA_BUF_INIT, name = STRATA_BUF_INIT;
	int rc;

	STRATA_ASSERT_ARG(text_out);
	STRATA_ASSERT_ARG(name_out);
	STRATA_ASSERT_ARG(spec);

	*text_out = *name_out = NULL;
	if (!strata_revision_id_valid(id)) {
		strata_error_set(STRATA_EINVALID, "'%s' is not a valid revision id", id);
		strata_error_hint("a revision id is 1 to 32 letters, digits, '.', '_' or '-'");
		return STRATA_EINVALID;
	}
	if ((rc = spec_valid(spec)) == 0 && (rc = render_revision(&text, &name, id, created, spec)) == 0) {
		*text_out = strata__buf_detach(&text);
		*name_out = strata__buf_detach(&name);
	}
	strata__buf_release(&text);
	strata__buf_release(&name);
	return rc;
}

int strata_revision_write(char **path_out, char id_out[13], const char *dir,
			  const strata_revision_spec *spec)
{
	strata_buf text = STRATA_BUF_INIT, name = STRATA_BUF_INIT, path = STRATA_BUF_INIT;
	int rc = STRATA_ERROR, attempt;
	char created[32];

	STRATA_ASSERT_ARG(path_out);
	STRATA_ASSERT_ARG(id_out);
	STRATA_ASSERT_ARG(dir);
	STRATA_ASSERT_ARG(spec);

	*path_out = NULL;
	strata__iso_time_format(created, strata__iso_time_now_ms());
	if ((rc = spec_valid(spec)) < 0)
		return rc;
	if (!strata__fs_is_dir(dir) && (rc = strata__fs_mkdir_p(dir)) < 0)
		return rc;
	for (attempt = 0; attempt < 10; attempt++) {
		if ((rc = strata__random_hex(id_out, STRATA_REVISION_LEN)) < 0)
			goto done;
		if ((rc = render_revision(&text, &name, id_out, created, spec)) < 0)
			goto done;
		if ((rc = strata__fs_join(&path, dir, strata__buf_cstr(&name))) < 0)
			goto done;
		rc = strata__fs_create_file(strata__buf_cstr(&path), text.ptr, text.len);
		if (rc != STRATA_ECONFLICT)
			break;
	}
	if (rc < 0)
		goto done;
	if ((rc = strata_sum_write(dir)) < 0) {
		/* All or nothing: a revision strata.sum does not list would stop
		 * every later upgrade, so the new file goes again. */
		unlink(strata__buf_cstr(&path));
		goto done;
	}
	*path_out = strata__buf_detach(&path);
done:
	strata__buf_release(&text);
	strata__buf_release(&name);
	strata__buf_release(&path);
	return rc;
}

/* Whether a .gitignore line already leaves .strata/ out. */
static int ignores_cache(const char *text)
{
	static const char *const forms[] = { ".strata/", "/.strata/", ".strata", "/.strata" };
	const char *line = text;

	while (line && *line) {
		size_t len = strcspn(line, "\r\n");

		for (size_t i = 0; i < sizeof(forms) / sizeof(*forms); i++)
			if (len == strlen(forms[i]) && strncmp(line, forms[i], len) == 0)
				return 1;
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	return 0;
}

/* ROOT/.gitignore gets a line for .strata/ (the shadow snapshot cache,
 * schema/snapshot.h), made or extended; left alone when it has one. */
static int ignore_cache(const char *root)
{
	strata_buf path = STRATA_BUF_INIT, text = STRATA_BUF_INIT;
	int rc;

	if ((rc = strata__fs_join(&path, root, ".gitignore")) < 0)
		goto done;
	if (strata__fs_exists(strata__buf_cstr(&path)) && (rc = strata__fs_read_file(&text, strata__buf_cstr(&path), 1u << 20)) < 0)
		goto done;
	if (ignores_cache(strata__buf_cstr(&text)))
		goto done;
	if (text.len && text.ptr[text.len - 1] != '\n')
		strata__buf_putc(&text, '\n');
	strata__buf_puts(&text, "# strata's cache of shadow snapshots (docs/schema.md)\n.strata/\n");
	rc = strata__buf_oom(&text) ? STRATA_ERROR : strata__fs_write_file(strata__buf_cstr(&path), text.ptr, text.len);
done:
	strata__buf_release(&path);
	strata__buf_release(&text);
	return rc;
}

int strata_project_init(const char *root, const char *database)
{
	strata_buf path = STRATA_BUF_INIT, text = STRATA_BUF_INIT;
	int rc = STRATA_ERROR;

	STRATA_ASSERT_ARG(root);

	if (strata__fs_join(&path, root, STRATA_CONFIG_FILE) < 0)
		goto done;
	if (strata__fs_exists(strata__buf_cstr(&path))) {
		rc = strata_error_set(STRATA_ECONFLICT, "%s already exists", strata__buf_cstr(&path));
		strata_error_hint("this folder is already a strata project; edit the file instead");
		goto done;
	}
	if (database && strpbrk(database, "\r\n")) {
		rc = strata_error_set(STRATA_EINVALID, "the database must be one line");
		goto done;
	}
	if (strata__buf_printf(&text,
		       "; strata project settings: see 'strata help config'.\n"
		       "[strata]\n"
		       "; flags and the STRATA_DATABASE_URL / DATABASE_URL variables override this\n"
		       "database = %s\n"
		       "migrations = migrations\n"
		       "schema = schema.sql\n"
		       "version_table = strata_version\n"
		       "lock_timeout = 5s\n"
		       "statement_timeout = 0\n",
		       database ? database : "sqlite:strata.db") < 0)
		goto done;
	if ((rc = strata__fs_create_file(strata__buf_cstr(&path), text.ptr, text.len)) < 0)
		goto done;
	if ((rc = strata__fs_join(&path, root, "migrations")) < 0 || (rc = strata__fs_mkdir_p(strata__buf_cstr(&path))) < 0)
		goto done;
	if ((rc = strata_sum_write(strata__buf_cstr(&path))) < 0)
		goto done;
	rc = ignore_cache(root);
done:
	strata__buf_release(&path);
	strata__buf_release(&text);
	return rc;
}
