/*
 * core/project.c - new revision files, strata.sum and `init` (see strata/project.h).
 *
 * Layer: core; files only, no database. Every file is written through
 * util/fs (temporary file + rename, O_NOFOLLOW, mode 0644), so a crash
 * leaves either the old or the new contents.
 */
#include "strata/project.h"
#include "strata/config.h"
#include "strata/error.h"
#include "strata/graph.h"
#include "strata/migration.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/strutil.h"

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

	sha256_init(&c);
	for (i = 0; i < len; i++) {
		if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n') {
			sha256_update(&c, text + start, i - start);
			start = i + 1;
		}
	}
	sha256_update(&c, text + start, len - start);
	sha256_final(&c, d);
	sha256_hex(d, hex);
	strcpy(out, STRATA_CHECKSUM_PREFIX);
	strcat(out, hex);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The expected strata.sum contents of dir. */
static int compute_sum(strata_buf *out, const char *dir)
{
	strata_buf lines = STRATA_BUF_INIT, path = STRATA_BUF_INIT, text = STRATA_BUF_INIT;
	char hash[80];
	fs_dir d;
	size_t i;
	int rc;

	if ((rc = fs_dir_open(&d, dir)) < 0)
		goto done;
	rc = STRATA_ERROR;
	for (i = 0; i < d.count; i++) {
		if (!ends_with(d.names[i], ".sql"))
			continue;
		buf_clear(&text);
		if (fs_join(&path, dir, d.names[i]) < 0)
			goto done;
		if ((rc = fs_dir_read(&text, &d, d.names[i], buf_cstr(&path),
				      STRATA_MIGRATION_MAX_BYTES)) < 0)
			goto done;
		rc = STRATA_ERROR;
		hash_normalised(hash, text.ptr ? text.ptr : "", text.len);
		if (buf_printf(&lines, "%s %s\n", d.names[i], hash) < 0)
			goto done;
	}
	hash_normalised(hash, buf_cstr(&lines), lines.len);
	if (buf_printf(out, "%s\n%s", hash, buf_cstr(&lines)) < 0)
		goto done;
	rc = 0;
done:
	fs_dir_close(&d);
	buf_release(&lines);
	buf_release(&path);
	buf_release(&text);
	return rc;
}

int strata_sum_write(const char *dir)
{
	strata_buf sum = STRATA_BUF_INIT, path = STRATA_BUF_INIT;
	int rc;

	if ((rc = compute_sum(&sum, dir)) == 0 && (rc = fs_join(&path, dir, STRATA_SUM_FILE)) == 0)
		rc = fs_write_file(buf_cstr(&path), sum.ptr, sum.len);
	buf_release(&sum);
	buf_release(&path);
	return rc;
}

/* Find "name hash" in a sum text; returns the hash (pointer into text) or NULL. */
static const char *find_line(const char *text, const char *name, size_t *hash_len)
{
	size_t nlen = strlen(name);
	const char *p = strchr(text, '\n');

	while (p && *++p) {
		const char *eol = strchr(p, '\n');

		if (!eol)
			eol = p + strlen(p);
		if ((size_t)(eol - p) > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == ' ') {
			*hash_len = (size_t)(eol - p) - nlen - 1;
			return p + nlen + 1;
		}
		p = *eol ? eol : NULL;
	}
	return NULL;
}

/*
 * For each "name hash" line of sum text a: report "label: name" when b has
 * no line for that name, and with changed_too "changed: name" when b has
 * it with another hash.
 */
static int report_lines(strata_buf *report, const char *a, const char *b, const char *label,
			int changed_too)
{
	const char *p = strchr(a, '\n');
	int rc = 0;

	while (rc == 0 && p && *++p) {
		const char *eol = strchr(p, '\n'), *sp, *h;
		size_t hash_len;
		char *name;

		if (!eol)
			eol = p + strlen(p);
		sp = memchr(p, ' ', (size_t)(eol - p));
		if (sp) {
			if (!(name = strata_strndup(p, (size_t)(sp - p))))
				return STRATA_ERROR;
			h = find_line(b, name, &hash_len);
			if (!h)
				rc = buf_printf(report, "  %s: %s\n", label, name);
			else if (changed_too && (hash_len != (size_t)(eol - sp - 1) ||
						 memcmp(h, sp + 1, hash_len) != 0))
				rc = buf_printf(report, "  changed: %s\n", name);
			strata_free(name);
		}
		p = *eol ? eol : NULL;
	}
	return rc;
}

/* Compare strata.sum (have) with what the folder holds (want); fills report. */
static int compare_sum(char **report, const char *path, const char *dir, const strata_buf *have,
		       const strata_buf *want)
{
	strata_buf diff = STRATA_BUF_INIT;
	int rc = STRATA_ERROR;

	if (have->len == want->len && memcmp(have->ptr, want->ptr, have->len) == 0)
		return 0;
	if (report_lines(&diff, buf_cstr(want), buf_cstr(have), "added", 1) < 0 ||
	    report_lines(&diff, buf_cstr(have), buf_cstr(want), "removed", 0) < 0)
		goto done;
	if (!diff.len && buf_puts(&diff, "  strata.sum itself was edited\n") < 0)
		goto done;
	buf_truncate(&diff, diff.len - 1); /* the last line's newline */
	rc = strata_error_set(STRATA_ECHECK, "%s does not match the migrations in %s:\n%s", path,
			      dir, buf_cstr(&diff));
	strata_error_hint("if these changes are intended, run 'strata hash' to record them; "
			  "otherwise restore the files (e.g. from version control)");
	*report = buf_detach(&diff);
done:
	buf_release(&diff);
	return rc;
}

/* Read strata.sum into have; 1 when it exists, 0 when not. */
static int read_sum(strata_buf *have, strata_buf *path, const char *dir)
{
	int rc;

	if ((rc = fs_join(path, dir, STRATA_SUM_FILE)) < 0)
		return rc;
	rc = fs_read_file(have, buf_cstr(path), STRATA_MIGRATION_MAX_BYTES);
	if (rc == STRATA_ENOTFOUND)
		return 0;
	return rc < 0 ? rc : 1;
}

int strata_sum_check(char **report, const char *dir)
{
	strata_buf path = STRATA_BUF_INIT, have = STRATA_BUF_INIT, want = STRATA_BUF_INIT;
	int rc;

	*report = NULL;
	if ((rc = read_sum(&have, &path, dir)) > 0 && (rc = compute_sum(&want, dir)) == 0)
		rc = compare_sum(report, buf_cstr(&path), dir, &have, &want);
	buf_release(&path);
	buf_release(&have);
	buf_release(&want);
	return rc < 0 ? rc : 0;
}

static int cmp_by_filename(const void *a, const void *b)
{
	const strata_migration *x = *(const strata_migration *const *)a;
	const strata_migration *y = *(const strata_migration *const *)b;

	return strcmp(x->filename, y->filename);
}

/*
 * The same check from the texts already loaded into the graph: every .sql
 * file of the folder is in the graph (strata_graph_load refuses any other),
 * so nothing needs reading twice.
 */
int strata_sum_check_graph(char **report, const char *dir, const strata_graph *g)
{
	strata_buf path = STRATA_BUF_INIT, have = STRATA_BUF_INIT, want = STRATA_BUF_INIT;
	strata_buf lines = STRATA_BUF_INIT;
	size_t n = strata_graph_count(g), i;
	const strata_migration **byname = NULL;
	char hash[80];
	int rc;

	*report = NULL;
	if ((rc = read_sum(&have, &path, dir)) <= 0)
		goto done;
	rc = STRATA_ERROR;
	if (!(byname = strata_calloc(n ? n : 1, sizeof(*byname))))
		goto done;
	for (i = 0; i < n; i++)
		byname[i] = strata_graph_at(g, i);
	qsort(byname, n, sizeof(*byname), cmp_by_filename);
	for (i = 0; i < n; i++) {
		hash_normalised(hash, byname[i]->text, byname[i]->text_len);
		if (buf_printf(&lines, "%s %s\n", byname[i]->filename, hash) < 0)
			goto done;
	}
	hash_normalised(hash, buf_cstr(&lines), lines.len);
	if (buf_printf(&want, "%s\n%s", hash, buf_cstr(&lines)) < 0)
		goto done;
	rc = compare_sum(report, buf_cstr(&path), dir, &have, &want);
done:
	strata_free(byname);
	buf_release(&path);
	buf_release(&have);
	buf_release(&want);
	buf_release(&lines);
	return rc < 0 ? rc : 0;
}

/* "Add users.org_id!" -> "add_users_org_id" (ASCII letters and digits, at most 40). */
static int slugify(strata_buf *out, const char *message)
{
	const char *p;
	int pending = 0;

	for (p = message; *p && out->len < 40; p++) {
		if (isalnum((unsigned char)*p) && !((unsigned char)*p & 0x80)) {
			if (pending && out->len && buf_putc(out, '_') < 0)
				return STRATA_ERROR;
			pending = 0;
			if (buf_putc(out, (char)tolower((unsigned char)*p)) < 0)
				return STRATA_ERROR;
		} else {
			pending = 1;
		}
	}
	return out->len ? 0 : buf_puts(out, "revision");
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
		if (buf_printf(b, "%s%s", i ? " " : "", ids[i]) < 0)
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

int strata_revision_write(char **path_out, char id_out[13], const char *dir,
			  const strata_revision_spec *spec)
{
	strata_buf text = STRATA_BUF_INIT, name = STRATA_BUF_INIT, path = STRATA_BUF_INIT;
	const char *message = spec->message ? spec->message : "";
	int rc = STRATA_ERROR, attempt;

	*path_out = NULL;
	if (!header_value_ok(message, "message") || !header_value_ok(spec->branch, "branch label") ||
	    !header_value_ok(spec->irreversible, "irreversible reason"))
		return STRATA_EINVALID;
	if (spec->branch && (!*spec->branch || strpbrk(spec->branch, " \t@:"))) {
		strata_error_set(STRATA_EINVALID, "branch label '%s' must be one word without '@' or ':'",
				 spec->branch);
		return STRATA_EINVALID;
	}
	if (!fs_is_dir(dir) && (rc = fs_mkdir_p(dir)) < 0)
		return rc;
	for (attempt = 0; attempt < 10; attempt++) {
		if ((rc = random_hex(id_out, STRATA_REVISION_LEN)) < 0)
			goto done;
		rc = STRATA_ERROR;
		buf_clear(&text);
		buf_clear(&name);
		if (buf_printf(&text, "-- revision: %s\n-- revises: ", id_out) < 0 ||
		    (spec->nparents ? put_list(&text, spec->parents, spec->nparents)
				    : buf_puts(&text, "base")) < 0 ||
		    buf_printf(&text, "\n-- message: %s\n-- transaction: %s\n", message,
			       spec->transactional ? "on" : "off") < 0)
			goto done;
		if (spec->ndepends_on && (buf_puts(&text, "-- depends-on: ") < 0 ||
					  put_list(&text, spec->depends_on, spec->ndepends_on) < 0 ||
					  buf_putc(&text, '\n') < 0))
			goto done;
		if (spec->branch && buf_printf(&text, "-- branch: %s\n", spec->branch) < 0)
			goto done;
		if (spec->irreversible && buf_printf(&text, "-- irreversible: %s\n", spec->irreversible) < 0)
			goto done;
		if (buf_printf(&text, "\n-- +up\n%s\n\n-- +down\n%s\n",
			       spec->up_sql ? spec->up_sql : "-- write the upgrade SQL here",
			       spec->down_sql ? spec->down_sql : "-- write the downgrade SQL here") < 0)
			goto done;
		if (buf_printf(&name, "%s_", id_out) < 0 || slugify(&name, message) < 0 ||
		    buf_puts(&name, ".sql") < 0 || fs_join(&path, dir, buf_cstr(&name)) < 0)
			goto done;
		if ((rc = check_reads_back(&text, buf_cstr(&name))) < 0)
			goto done;
		rc = fs_create_file(buf_cstr(&path), text.ptr, text.len);
		if (rc != STRATA_ECONFLICT)
			break;
	}
	if (rc < 0)
		goto done;
	if ((rc = strata_sum_write(dir)) < 0) {
		/* All or nothing: a revision strata.sum does not list would stop
		 * every later upgrade, so the new file goes again. */
		unlink(buf_cstr(&path));
		goto done;
	}
	*path_out = buf_detach(&path);
done:
	buf_release(&text);
	buf_release(&name);
	buf_release(&path);
	return rc;
}

int strata_project_init(const char *root, const char *database)
{
	strata_buf path = STRATA_BUF_INIT, text = STRATA_BUF_INIT;
	int rc = STRATA_ERROR;

	if (fs_join(&path, root, STRATA_CONFIG_FILE) < 0)
		goto done;
	if (fs_exists(buf_cstr(&path))) {
		rc = strata_error_set(STRATA_ECONFLICT, "%s already exists", buf_cstr(&path));
		strata_error_hint("this folder is already a strata project; edit the file instead");
		goto done;
	}
	if (database && strpbrk(database, "\r\n")) {
		rc = strata_error_set(STRATA_EINVALID, "the database must be one line");
		goto done;
	}
	if (buf_printf(&text,
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
	if ((rc = fs_create_file(buf_cstr(&path), text.ptr, text.len)) < 0)
		goto done;
	if ((rc = fs_join(&path, root, "migrations")) < 0 || (rc = fs_mkdir_p(buf_cstr(&path))) < 0)
		goto done;
	rc = strata_sum_write(buf_cstr(&path));
done:
	buf_release(&path);
	buf_release(&text);
	return rc;
}
