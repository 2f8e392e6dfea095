/*
 * import/fmt_flyway.c - Flyway histories: V<version>__<description>.sql
 * versioned migrations, U<version>__<description>.sql undo scripts and
 * R__<description>.sql repeatables, in one folder.
 *
 * Layer: import (see import_int.h). Maps: the version, its parts ('.' or
 * '_' separated) written with '.', to the revision id (V1_2 -> "1.2"),
 * ordered by comparing the parts as numbers, as Flyway does (so 2.1 comes
 * after 2 and before 10, and 1.0 is the same version as 1); the
 * description, '_' read as a blank, to the message; the V script to up
 * and the U script of the same version to down (none: irreversible).
 * Flyway runs each script in a transaction except when it holds a
 * statement PostgreSQL refuses in one (CREATE INDEX CONCURRENTLY, ...) or
 * its <script>.conf says executeInTransaction=false: those become
 * "transaction: off". A BEGIN; ... COMMIT; pair around a whole script is
 * removed. Repeatable migrations have no place in a revision graph (Flyway
 * re-runs them whenever they change) and are skipped with that reason;
 * scripts that use placeholders (${name}), which Flyway replaces at run
 * time, are imported as written and named in the report.
 */
#include "import/import_int.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/fs.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>


/* "<P><version>__<desc>.sql": the version span and the description span. */
static int split_name(const char *name, char prefix, const char **ver, size_t *vlen, const char **desc,
		      size_t *dlen)
{
	size_t len = strlen(name);
	const char *sep, *end;

	if (len < 7 || name[0] != prefix || strcmp(name + len - 4, ".sql") != 0)
		return 0;
	end = name + len - 4;
	if (!(sep = strstr(name + 1, "__")) || sep >= end)
		return 0;
	*ver = name + 1;
	*vlen = (size_t)(sep - *ver);
	*desc = sep + 2;
	*dlen = (size_t)(end - *desc);
	return 1;
}

/* The version with '.' between its parts; 0 when it is not digits separated by '.' or '_'. */
static int version_id(char **out, const char *v, size_t n)
{
	size_t i;
	char *s;

	if (!n || !isdigit((unsigned char)v[0]) || !isdigit((unsigned char)v[n - 1]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)v[i]) &&
		    !((v[i] == '.' || v[i] == '_') && isdigit((unsigned char)v[i + 1])))
			return 0;
	if (!(s = strata_strndup(v, n)))
		return STRATA_ERROR;
	for (i = 0; i < n; i++)
		if (s[i] == '_')
			s[i] = '.';
	strata_free(*out);
	*out = s;
	return 1;
}

/* Flyway's order: part by part as numbers, missing parts counting as 0. */
static int cmp_versions(const char *a, const char *b)
{
	while (*a || *b) {
		size_t na = strcspn(a, "."), nb = strcspn(b, ".");
		int c = strata__imp_cmp_digits(na ? a : "0", na ? na : 1, nb ? b : "0", nb ? nb : 1);

		if (c)
			return c;
		a += na + (a[na] == '.');
		b += nb + (b[nb] == '.');
	}
	return 0;
}

static int cmp_steps(const void *a, const void *b)
{
	const strata_import_step *x = a, *y = b;

	return cmp_versions(x->id, y->id);
}

static strata_import_step *find_version(strata_import_history *h, const char *id)
{
	for (size_t i = 0; i < h->nsteps; i++)
		if (cmp_versions(h->steps[i].id, id) == 0)
			return &h->steps[i];
	return NULL;
}

/* <script>.conf says executeInTransaction=false. */
static int conf_no_tx(const char *src, const char *name)
{
	strata_buf conf = STRATA_BUF_INIT, path = STRATA_BUF_INIT;
	int off = 0;

	if (strata__buf_printf(&path, "%s/%s.conf", src, name) == 0 && strata__fs_exists(strata__buf_cstr(&path)) &&
	    strata__fs_read_file(&conf, strata__buf_cstr(&path), 1 << 16) == 0) {
		const char *p = strstr(strata__buf_cstr(&conf), "executeInTransaction");

		if (p) {
			p += strlen("executeInTransaction");
			while (*p == ' ' || *p == '\t' || *p == '=')
				p++;
			off = strncmp(p, "false", 5) == 0;
		}
	}
	strata_error_clear();
	strata__buf_release(&conf);
	strata__buf_release(&path);
	return off;
}

static int has_placeholder(const char *s)
{
	const char *p = strstr(s, "${");

	return p && strchr(p, '}') != NULL;
}

static int read_one(strata_import_history *h, const char *src, const char *name, char kind,
		    strata_buf *text, strata_buf *path)
{
	const char *ver, *desc;
	size_t vlen, dlen;
	char *id = NULL;
	strata_import_step *st;
	int rc, ok;

	strata__buf_clear(path);
	if (strata__buf_printf(path, "%s/%s", src, name) < 0)
		return STRATA_ERROR;
	split_name(name, kind, &ver, &vlen, &desc, &dlen);
	if ((ok = version_id(&id, ver, vlen)) <= 0)
		return ok < 0 ? ok
			      : strata__imp_skip(h, name, "'%.*s' is not a Flyway version (digits separated by '.' or "
						  "'_'), so Flyway does not run it",
					 (int)vlen, ver);
	if ((rc = strata__imp_read_file(text, src, name)) < 0 || strata__imp_strip_tx_wrapper(text) < 0)
		goto done;
	st = find_version(h, id);
	if (kind == 'U') {
		if (!st) {
			rc = strata__imp_perr(strata__buf_cstr(path), 0, "add the V script of that version, or remove the undo script",
				      "undo script for version %s, which has no V script", id);
			goto done;
		}
		rc = strata__imp_set(&st->down_sql, strata__buf_cstr(text));
		goto done;
	}
	if (st) {
		rc = strata__imp_perr(strata__buf_cstr(path), 0, "each Flyway version may be used once; renumber one",
			      "version %s is also %s", id, st->source);
		goto done;
	}
	if ((rc = strata__imp_step_add(&st, h)) < 0)
		goto done;
	st->id = id;
	id = NULL;
	if ((rc = strata__imp_message_from(&st->message, desc, dlen)) < 0 || (rc = strata__imp_set(&st->source, strata__buf_cstr(path))) < 0 ||
	    (rc = strata__imp_set(&st->up_sql, strata__buf_cstr(text))) < 0)
		goto done;
	if (conf_no_tx(src, name)) {
		st->transactional = 0;
		rc = strata__imp_note(h, "%s runs outside a transaction (%s.conf: executeInTransaction=false)", st->id, name);
	}
done:
	strata_free(id);
	return rc;
}

int strata__fmt_flyway_read(strata_import_history *h, const char *src, const strata_import_options *opt)
{
	strata_buf text = STRATA_BUF_INIT, path = STRATA_BUF_INIT;
	char **names = NULL;
	size_t n = 0, i;
	int rc, pass;

	if ((rc = strata__imp_list_dir(&names, &n, src, "Flyway migrations (db/migration)")) < 0)
		return rc;
	/* V scripts first, so that every U script finds its version. */
	for (pass = 0; pass < 2 && rc == 0; pass++) {
		for (i = 0; i < n && rc == 0; i++) {
			const char *name = names[i], *ver, *desc;
			size_t len = strlen(name), vlen, dlen;

			if (pass == 0 && split_name(name, 'V', &ver, &vlen, &desc, &dlen))
				rc = read_one(h, src, name, 'V', &text, &path);
			else if (pass == 1 && split_name(name, 'U', &ver, &vlen, &desc, &dlen))
				rc = read_one(h, src, name, 'U', &text, &path);
			else if (pass == 1 && strncmp(name, "R__", 3) == 0 && len > 7 &&
				 strcmp(name + len - 4, ".sql") == 0)
				rc = strata__imp_skip(h, name, "a repeatable migration: Flyway re-runs it whenever it "
						       "changes, which a revision graph does not do; write it "
						       "as a revision (or in schema.sql) where it belongs");
			else if (pass == 1 && !split_name(name, 'V', &ver, &vlen, &desc, &dlen) &&
				 (len < 5 || strcmp(name + len - 5, ".conf") != 0) &&
				 (name[0] == 'V' || name[0] == 'U' || name[0] == 'R') && strstr(name, "__"))
				rc = strata__imp_skip(h, name, "not a Flyway SQL migration (<V|U|R><version>__<description>.sql)");
		}
	}
	for (i = 0; rc == 0 && i < h->nsteps; i++) {
		strata_import_step *st = &h->steps[i];
		const char *why;

		if (!st->down_sql)
			rc = strata__imp_set(&st->irreversible, "Flyway has no undo (U) script for this version");
		if (rc == 0 && st->transactional && opt->dialect && strcmp(opt->dialect, "postgresql") == 0 &&
		    (why = strata__imp_nontx_statement(st->up_sql))) {
			st->transactional = 0;
			rc = strata__imp_note(h, "%s runs outside a transaction, as Flyway runs it (it holds %s)", st->id, why);
		}
		if (rc == 0 && (has_placeholder(st->up_sql) || (st->down_sql && has_placeholder(st->down_sql))))
			rc = strata__imp_note(h, "%s uses Flyway placeholders (${...}), which Flyway replaces when it runs; "
				      "they were imported as written: replace them in the revision file", st->id);
	}
	if (rc == 0)
		rc = strata__imp_finish(h, cmp_steps);
	strata__fs_free_names(names, n);
	strata__buf_release(&text);
	strata__buf_release(&path);
	return rc;
}
