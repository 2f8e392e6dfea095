/*
 * import/fmt_alembic.c - the alembic reader of strata import: an Alembic
 * project's revision graph and each step's SQL, from Alembic itself.
 *
 * Layer: import (beside core); runs python3 through util/proc and reads
 * the JSON the helper prints with jansson.
 *
 * The helper (import/alembic_helper.py, compiled in as a string by the
 * Makefile, so an installed strata needs no file beside it and can never
 * run a helper of another version) loads the project with Alembic's
 * ScriptDirectory and renders every revision offline in one upgrade and
 * one downgrade run through the project's env.py. Here its answer becomes
 * a strata_import_history:
 *
 *  1. ids, down_revision (a tuple = a merge), depends_on (resolved to
 *     revision ids), the first branch label (more are noted), the message
 *     (the docstring's first line) and "Create Date:" are kept as given.
 *  2. A step whose upgrade could not render offline (it raised, or read
 *     the database through op.get_bind()) gets a stub: an up section of
 *     comments giving the reason and the Python it must replace, and
 *     step->stub saying why. A downgrade that could not render makes the
 *     step irreversible with that reason, never a silent no-op.
 *  3. A step that uses an autocommit block (op.get_context().
 *     autocommit_block()) is non-transactional, as Alembic runs it.
 *
 * Which python: $STRATA_PYTHON; else the interpreter that the `alembic`
 * program on PATH names in its first line (the python that has Alembic);
 * else python3.
 */
#include "import/import_int.h"
#include "strata/error.h"
#include "strata/migration.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/proc.h"

#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char helper[] =
#include "alembic_helper.inc"
	;

#define DEFAULT_TIMEOUT_MS (300 * 1000)
#define MAX_OUTPUT ((size_t)256 << 20)

/* The interpreter named by the `alembic` script's "#!" line, into out; 0 if none. */
static int python_of_alembic(strata_buf *out)
{
	const char *path = getenv("PATH");
	strata_buf file = STRATA_BUF_INIT, text = STRATA_BUF_INIT;
	int found = 0;

	while (path && *path && !found) {
		const char *end = strchr(path, ':');
		size_t n = end ? (size_t)(end - path) : strlen(path);

		strata__buf_clear(&file);
		if (n && strata__buf_putn(&file, path, n) == 0 && strata__buf_puts(&file, "/alembic") == 0 &&
		    strata__fs_exists(strata__buf_cstr(&file)) && strata__fs_read_file(&text, strata__buf_cstr(&file), 4096) == 0 &&
		    text.len > 2 && strncmp(text.ptr, "#!", 2) == 0) {
			const char *p = text.ptr + 2, *e;

			while (*p == ' ')
				p++;
			e = p + strcspn(p, " \t\r\n");
			/* "#!/usr/bin/env python3": the argument is the program. */
			if (e - p >= 4 && strncmp(e - 4, "/env", 4) == 0) {
				p = e + strspn(e, " \t");
				e = p + strcspn(p, " \t\r\n");
			}
			if (e > p) {
				strata__buf_clear(out);
				found = strata__buf_putn(out, p, (size_t)(e - p)) == 0;
			}
		}
		strata__buf_clear(&text);
		path = end ? end + 1 : NULL;
	}
	strata__buf_release(&file);
	strata__buf_release(&text);
	return found;
}

static int pick_python(strata_buf *out)
{
	const char *env = getenv("STRATA_PYTHON");

	if (env && *env)
		return strata__buf_puts(out, env);
	if (python_of_alembic(out))
		return 0;
	return strata__buf_puts(out, "python3");
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A JSON array of strings appended to a strata string array. */
static int str_array(char ***out, size_t *n, json_t *arr, const char *what, const char *file)
{
	size_t i;

	for (i = 0; i < json_array_size(arr); i++) {
		const char *s = json_string_value(json_array_get(arr, i));

		if (!s)
			return strata_error_set(STRATA_EPARSE, "%s: %s is not a list of revision ids",
						file, what);
		if (strata__imp_list_add(out, n, s) < 0)
			return STRATA_ERROR;
	}
	return 0;
}

/* Python source as SQL comment lines. */
static int put_commented(strata_buf *b, const char *text)
{
	while (text && *text) {
		size_t n = strcspn(text, "\n");

		if (strata__buf_puts(b, "--   ") < 0 || strata__buf_putn(b, text, n) < 0 || strata__buf_putc(b, '\n') < 0)
			return STRATA_ERROR;
		text += n + (text[n] == '\n');
	}
	return 0;
}

static int stub_sql(char **out, const char *why, const char *file, const char *source)
{
	strata_buf b = STRATA_BUF_INIT;

	if (strata__buf_printf(&b, "-- STUB (strata import alembic): this step's upgrade has no SQL.\n"
			   "-- Alembic could not render it offline: %s.\n"
			   "-- Write the SQL it stands for here, then run 'strata hash'.\n"
			   "-- Its Python, from %s:\n", why, file) < 0 ||
	    put_commented(&b, source) < 0 || strata__buf_check(&b) < 0) {
		strata__buf_release(&b);
		return STRATA_ERROR;
	}
	*out = strata__buf_detach(&b);
	return 0;
}

/* One revision of the helper's answer into step s. */
static int read_step(strata_import_history *h, strata_import_step *s, json_t *r)
{
	const char *id = jstr(r, "id"), *file = jstr(r, "path");
	json_t *up = json_object_get(r, "upgrade"), *down = json_object_get(r, "downgrade");
	json_t *labels = json_object_get(r, "branch_labels");
	const char *up_sql = jstr(up, "sql"), *up_err = jstr(up, "error");
	const char *down_sql = jstr(down, "sql"), *down_err = jstr(down, "error");
	const char *message = jstr(r, "message");
	int rc;

	if (!file)
		file = "?";
	if (!id || !json_is_object(up) || !json_is_object(down))
		return strata_error_set(STRATA_EPARSE, "%s: the alembic helper's answer lacks the "
					"revision or its SQL", file);
	if (!strata_revision_id_valid(id)) {
		strata_error_set(STRATA_EPARSE, "%s: revision id '%s' cannot be a strata revision id",
				 file, id);
		strata_error_hint("strata ids are 1-32 letters, digits, '.', '_' or '-', starting with "
				  "a letter or digit; rename the revision in Alembic first");
		return STRATA_EPARSE;
	}
	s->transactional = !(json_is_true(json_object_get(up, "autocommit")) ||
			     json_is_true(json_object_get(down, "autocommit")));
	if (strata__imp_set(&s->id, id) < 0 || strata__imp_set(&s->message, message ? message : "") < 0 ||
	    strata__imp_set(&s->source, file) < 0 || strata__imp_set(&s->created, jstr(r, "create_date")) < 0)
		return STRATA_ERROR;
	if ((rc = str_array(&s->revises, &s->nrevises, json_object_get(r, "down"), "down_revision",
			    file)) < 0 ||
	    (rc = str_array(&s->depends_on, &s->ndepends_on, json_object_get(r, "depends_on"),
			    "depends_on", file)) < 0)
		return rc;
	if (json_array_size(labels) > 0) {
		if (!json_is_string(json_array_get(labels, 0)) ||
		    !(s->branch = strata_strdup(json_string_value(json_array_get(labels, 0)))))
			return json_is_string(json_array_get(labels, 0)) ? STRATA_ERROR
				: strata_error_set(STRATA_EPARSE, "%s: branch_labels is not a list of names", file);
		for (size_t i = 1; i < json_array_size(labels); i++)
			if (json_is_string(json_array_get(labels, i)) &&
			    strata__imp_note(h, "%s: branch label '%s' not kept (a strata revision has one; "
				     "the first is kept)", id, json_string_value(json_array_get(labels, i))) < 0)
				return STRATA_ERROR;
	}
	if (up_sql) {
		if (!(s->up_sql = strata_strdup(up_sql)))
			return STRATA_ERROR;
	} else {
		const char *why = up_err ? up_err : "Alembic gave no SQL for it";

		if (!(s->stub = strata_strdup(why)) ||
		    stub_sql(&s->up_sql, why, file, jstr(r, "upgrade_source")) < 0)
			return STRATA_ERROR;
	}
	if (down_sql) {
		if (!(s->down_sql = strata_strdup(down_sql)))
			return STRATA_ERROR;
	} else {
		strata_buf why = STRATA_BUF_INIT;

		if (strata__buf_printf(&why, "Alembic could not render its downgrade offline: %s",
			       down_err ? down_err : "no SQL") < 0 || strata__buf_check(&why) < 0) {
			strata__buf_release(&why);
			return STRATA_ERROR;
		}
		s->irreversible = strata__buf_detach(&why);
		if (strata__imp_note(h, "%s: imported without a down section: %s", id, s->irreversible) < 0)
			return STRATA_ERROR;
	}
	return 0;
}

int strata__alembic_parse(strata_import_history *h, const char *json, size_t len, const char *src)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr), *revs, *notes;
	size_t i, n;
	int rc = 0;

	if (!json_is_object(root) || !json_is_array(revs = json_object_get(root, "revisions"))) {
		rc = strata_error_set(STRATA_EPARSE, "%s: the alembic helper's answer is not what "
				      "strata expects (%s)", src, root ? "no revisions" : jerr.text);
		goto done;
	}
	n = json_array_size(revs);
	for (i = 0; i < n && rc == 0; i++) {
		strata_import_step *st;

		if ((rc = strata__imp_step_add(&st, h)) == 0)
			rc = read_step(h, st, json_array_get(revs, i));
	}
	notes = json_object_get(root, "notes");
	for (i = 0; rc == 0 && i < json_array_size(notes); i++)
		if (json_is_string(json_array_get(notes, i)))
			rc = strata__imp_note(h, "%s", json_string_value(json_array_get(notes, i)));
done:
	json_decref(root);
	return rc;
}

/* The last non-empty line of the helper's stderr (Python's error), into out. */
static void last_line(strata_buf *out, const strata_buf *err)
{
	const char *s = strata__buf_cstr(err);
	size_t end = err->len, start;

	while (end && (s[end - 1] == '\n' || s[end - 1] == '\r' || s[end - 1] == ' '))
		end--;
	start = end;
	while (start && s[start - 1] != '\n')
		start--;
	strata__buf_putn(out, s + start, end - start);
}

int strata__fmt_alembic_read(strata_import_history *h, const char *src, const strata_import_options *opt)
{
	strata_buf py = STRATA_BUF_INIT, ini = STRATA_BUF_INIT, sout = STRATA_BUF_INIT;
	strata_buf serr = STRATA_BUF_INIT, why = STRATA_BUF_INIT;
	const char *dialect = opt && opt->dialect ? opt->dialect : "sqlite";
	long timeout = opt && opt->timeout_ms > 0 ? opt->timeout_ms : DEFAULT_TIMEOUT_MS;
	char abs[PATH_MAX];
	proc_result res;
	int rc;

	if (strcmp(dialect, "postgresql") != 0 && strcmp(dialect, "sqlite") != 0)
		return strata_error_set(STRATA_EINVALID, "unknown dialect '%s' (postgresql or sqlite)",
					dialect);
	if ((rc = strata__fs_join(&ini, src, "alembic.ini")) < 0)
		goto done;
	if (!strata__fs_exists(strata__buf_cstr(&ini)) || !realpath(src, abs)) {
		rc = strata_error_set(STRATA_EPARSE, "%s: no such file", strata__buf_cstr(&ini));
		strata_error_hint("give the folder that holds the Alembic project's alembic.ini");
		goto done;
	}
	if ((rc = pick_python(&py)) < 0)
		goto done;
	{
		const char *argv[] = { strata__buf_cstr(&py), "-c", helper, abs, dialect, NULL };

		if ((rc = strata__proc_run(&res, argv, NULL, timeout, MAX_OUTPUT, &sout, &serr)) < 0)
			goto done;
	}
	last_line(&why, &serr);
	if (res.end == PROC_NOT_STARTED) {
		rc = strata_error_set(STRATA_ERROR, "cannot run %s: %s", strata__buf_cstr(&py),
				      strerror(res.status));
		strata_error_hint("install Debian's python3-alembic, or set STRATA_PYTHON to a python3 "
				  "that has alembic and SQLAlchemy");
	} else if (res.end == PROC_TIMED_OUT) {
		rc = strata_error_set(STRATA_ERROR, "reading %s with Alembic took longer than %ld s; "
				      "stopped it", abs, timeout / 1000);
	} else if (res.end != PROC_EXITED || res.status != 0) {
		/* Exit 2 is the helper's own word on the project (or on a missing Alembic). */
		rc = strata_error_set(res.end == PROC_EXITED && res.status == 2 ? STRATA_EPARSE : STRATA_ERROR,
				      "%s: Alembic could not read the project: %s", abs,
				      why.len ? strata__buf_cstr(&why) : "it ended without saying why");
		strata_error_hint("'alembic history' in %s shows the same error", abs);
	} else {
		rc = strata__alembic_parse(h, strata__buf_cstr(&sout), sout.len, abs);
	}
done:
	strata__buf_release(&py);
	strata__buf_release(&ini);
	strata__buf_release(&sout);
	strata__buf_release(&serr);
	strata__buf_release(&why);
	return rc;
}
