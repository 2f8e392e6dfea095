/*
 * import/fmt_golang_migrate.c - golang-migrate histories: VERSION_title.up.sql
 * and VERSION_title.down.sql pairs.
 *
 * Layer: import (see import_int.h). Maps: the version as written (zero
 * padding kept) to the revision id, ordered by its value as golang-migrate
 * does; the title to the message; the .up.sql file to up and the
 * .down.sql file to down. A version without a down file is irreversible.
 * golang-migrate sends each file to PostgreSQL as one multi-statement
 * query, which the server runs as one transaction, so a step is
 * "transaction: on" unless it holds a statement PostgreSQL refuses inside
 * one (CREATE INDEX CONCURRENTLY, which golang-migrate can only run as the
 * file's single statement). A BEGIN; ... COMMIT; pair around the whole
 * file is removed: strata opens the transaction itself.
 */
#include "import/import_int.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/fs.h"

#include <string.h>

/* VERSION[_title].(up|down).EXT: the parts, or 0 when the name is not one. */
static int split_name(const char *name, size_t *vlen, const char **title, size_t *tlen, int *is_up)
{
	size_t len = strlen(name), v = strspn(name, "0123456789");
	const char *dir;

	if (!v || len < 5 || strcmp(name + len - 4, ".sql") != 0)
		return 0;
	if (len >= v + 11 && strcmp(name + len - 9, ".down.sql") == 0)
		dir = name + len - 9, *is_up = 0;
	else if (len >= v + 7 && strcmp(name + len - 7, ".up.sql") == 0)
		dir = name + len - 7, *is_up = 1;
	else
		return 0;
	if (name + v == dir) {
		*title = dir;
		*tlen = 0;
	} else if (name[v] == '_') {
		*title = name + v + 1;
		*tlen = (size_t)(dir - *title);
	} else {
		return 0;
	}
	*vlen = v;
	return 1;
}

static strata_import_step *find_step(strata_import_history *h, const char *name, size_t vlen)
{
	for (size_t i = 0; i < h->nsteps; i++)
		if (strata__imp_cmp_digits(h->steps[i].id, strlen(h->steps[i].id), name, vlen) == 0)
			return &h->steps[i];
	return NULL;
}

int strata__fmt_golang_migrate_read(strata_import_history *h, const char *src, const strata_import_options *opt)
{
	strata_buf text = STRATA_BUF_INIT, path = STRATA_BUF_INIT;
	char **names = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = strata__imp_list_dir(&names, &n, src, "golang-migrate migrations")) < 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++) {
		const char *name = names[i], *title;
		size_t vlen, tlen;
		int is_up;
		strata_import_step *st;
		char **slot;

		if (!split_name(name, &vlen, &title, &tlen, &is_up)) {
			if (strlen(name) > 4 && strcmp(name + strlen(name) - 4, ".sql") == 0)
				rc = strata__imp_skip(h, name, "not named VERSION_title.up.sql or .down.sql, so "
						       "golang-migrate does not run it");
			continue;
		}
		strata__buf_clear(&path);
		if (strata__buf_printf(&path, "%s/%s", src, name) < 0 || (rc = strata__imp_read_file(&text, src, name)) < 0)
			break;
		if (strata__imp_strip_tx_wrapper(&text) < 0) {
			rc = STRATA_ERROR;
			break;
		}
		if (!(st = find_step(h, name, vlen))) {
			if ((rc = strata__imp_step_add(&st, h)) < 0 || (rc = strata__imp_setn(&st->id, name, vlen)) < 0 ||
			    (rc = strata__imp_message_from(&st->message, title, tlen)) < 0)
				break;
		} else if (strncmp(st->id, name, vlen) != 0 || st->id[vlen]) {
			rc = strata__imp_perr(strata__buf_cstr(&path), 0, "each migration needs its own version; renumber one",
				      "version %.*s is also written %s", (int)vlen, name, st->id);
			break;
		}
		slot = is_up ? &st->up_sql : &st->down_sql;
		if (*slot) {
			rc = strata__imp_perr(strata__buf_cstr(&path), 0, "keep one up and one down file per version",
				      "a second %s file for version %s (also %s)", is_up ? "up" : "down", st->id,
				      st->source);
			break;
		}
		if ((rc = strata__imp_set(slot, strata__buf_cstr(&text))) < 0)
			break;
		if (is_up || !st->source)
			rc = strata__imp_set(&st->source, strata__buf_cstr(&path));
	}
	for (i = 0; rc == 0 && i < h->nsteps; i++) {
		strata_import_step *st = &h->steps[i];
		const char *why;

		if (!st->up_sql) {
			rc = strata__imp_perr(src, 0, "add the up file, or remove the down file",
				      "version %s has a down file but no up file", st->id);
			break;
		}
		if (!st->down_sql)
			rc = strata__imp_set(&st->irreversible, "golang-migrate has no .down.sql file for this version");
		if (rc == 0 && strstr(st->up_sql, "schema_migrations"))
			rc = strata__imp_note(h, "%s refers to schema_migrations, golang-migrate's own table, which "
				      "strata does not create: create it first or edit the revision", st->id);
		if (rc == 0 && opt->dialect && strcmp(opt->dialect, "postgresql") == 0 &&
		    (why = strata__imp_nontx_statement(st->up_sql))) {
			st->transactional = 0;
			rc = strata__imp_note(h, "%s runs outside a transaction (it holds %s)", st->id, why);
		}
	}
	if (rc == 0)
		rc = strata__imp_finish(h, strata__imp_cmp_id_value);
	strata__fs_free_names(names, n);
	strata__buf_release(&text);
	strata__buf_release(&path);
	return rc;
}
