/*
 * import/fmt_pop.c - pop (gobuffalo/pop, Ory's popx) histories:
 * VERSION_name[.DIALECT][.autocommit].(up|down).(sql|fizz) files.
 *
 * Layer: import (see import_int.h). For each version and direction the
 * file of the project's dialect (postgres, or sqlite3 for SQLite; pop's
 * synonyms postgresql/pg and sqlite are the same) wins over a file
 * without a dialect (or with "all"); files of other dialects are not
 * read. Versions are ordered as strings, as popx does; a version with no
 * up file for the dialect is not in its history. Maps: the version to
 * the revision id, the name to the message, the chosen files to up and
 * down (no down file: irreversible; an empty file, which pop uses as a
 * placeholder, an explicit no-op). ".autocommit" on either file gives
 * "transaction: off". Fizz files (pop's own DSL) are not translated: a
 * version whose chosen file is .fizz is skipped with that reason.
 */
#include "import/import_int.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/fs.h"

#include <string.h>

typedef struct pop_name {
	size_t vlen;
	const char *name;    /* the name part */
	size_t nlen;
	int dialect;         /* 0 none/all, 1 the wanted one, -1 another */
	int autocommit;
	int up;
	int fizz;
} pop_name;

static int dialect_of(const char *d, size_t n, int sqlite)
{
	static const char *const pg[] = { "postgres", "postgresql", "pg", NULL };
	static const char *const lite[] = { "sqlite3", "sqlite", NULL };
	const char *const *want = sqlite ? lite : pg;

	if (n == 3 && strncmp(d, "all", 3) == 0)
		return 0;
	for (; *want; want++)
		if (strlen(*want) == n && strncmp(d, *want, n) == 0)
			return 1;
	return -1;
}

/* Split a file name; 0 when it is not a pop migration. */
static int split_name(pop_name *p, const char *file, int sqlite)
{
	size_t len = strlen(file), v = strspn(file, "0123456789");
	const char *end, *dot, *parts[3];
	size_t nparts = 0;

	memset(p, 0, sizeof(*p));
	if (!v || file[v] != '_')
		return 0;
	if (len > 4 && strcmp(file + len - 4, ".sql") == 0)
		end = file + len - 4;
	else if (len > 5 && strcmp(file + len - 5, ".fizz") == 0)
		end = file + len - 5, p->fizz = 1;
	else
		return 0;
	if (end - file > 3 && strncmp(end - 3, ".up", 3) == 0)
		end -= 3, p->up = 1;
	else if (end - file > 5 && strncmp(end - 5, ".down", 5) == 0)
		end -= 5;
	else
		return 0;
	p->vlen = v;
	p->name = file + v + 1;
	/* name[.dialect][.autocommit] */
	dot = memchr(p->name, '.', (size_t)(end - p->name));
	p->nlen = (size_t)((dot ? dot : end) - p->name);
	while (dot && dot < end && nparts < 3) {
		const char *next = memchr(dot + 1, '.', (size_t)(end - dot - 1));

		parts[nparts++] = dot + 1;
		dot = next;
	}
	if (dot)
		return 0;
	for (size_t i = 0; i < nparts; i++) {
		const char *q = parts[i], *qe = i + 1 < nparts ? parts[i + 1] - 1 : end;

		if (qe - q == 10 && strncmp(q, "autocommit", 10) == 0)
			p->autocommit = 1;
		else if (i == 0)
			p->dialect = dialect_of(q, (size_t)(qe - q), sqlite);
		else
			return 0;
	}
	return 1;
}

/* The chosen file of each (version, direction): index into names, or -1. */
typedef struct pop_version {
	const char *file_of_version; /* any file of it, for the id */
	size_t vlen;
	long up, down;
	int up_rank, down_rank;
} pop_version;

int strata__fmt_pop_read(strata_import_history *h, const char *src, const strata_import_options *opt)
{
	strata_buf text = STRATA_BUF_INIT, path = STRATA_BUF_INIT;
	int sqlite = opt->dialect && strcmp(opt->dialect, "sqlite") == 0;
	pop_version *vs = NULL;
	char **names = NULL;
	size_t n = 0, nv = 0, i;
	int rc;

	if ((rc = strata__imp_list_dir(&names, &n, src, "pop migrations (migrations/)")) < 0)
		return rc;
	if (!(vs = strata_calloc(n ? n : 1, sizeof(*vs)))) {
		rc = STRATA_ERROR;
		goto done;
	}
	/* names are sorted, so the files of one version are next to each other. */
	for (i = 0; i < n; i++) {
		pop_name p;
		pop_version *v;
		int rank;

		if (!split_name(&p, names[i], sqlite)) {
			size_t len = strlen(names[i]);

			if ((len > 4 && strcmp(names[i] + len - 4, ".sql") == 0) ||
			    (len > 5 && strcmp(names[i] + len - 5, ".fizz") == 0))
				if ((rc = strata__imp_skip(h, names[i], "not named VERSION_name[.dialect].(up|down).sql, "
								"so pop does not run it")) < 0)
					goto done;
			continue;
		}
		if (p.dialect < 0)
			continue;
		v = nv ? &vs[nv - 1] : NULL;
		if (!v || v->vlen != p.vlen || strncmp(v->file_of_version, names[i], p.vlen) != 0) {
			v = &vs[nv++];
			v->file_of_version = names[i];
			v->vlen = p.vlen;
			v->up = v->down = -1;
		}
		rank = p.dialect == 1 ? 2 : 1;
		if (p.up ? rank == v->up_rank : rank == v->down_rank) {
			rc = strata__imp_perr(src, 0, "keep one file per version, direction and dialect",
				      "%s and %s are both the %s of version %.*s", names[p.up ? v->up : v->down],
				      names[i], p.up ? "up" : "down", (int)p.vlen, names[i]);
			goto done;
		}
		if (p.up && rank > v->up_rank)
			v->up = (long)i, v->up_rank = rank;
		else if (!p.up && rank > v->down_rank)
			v->down = (long)i, v->down_rank = rank;
	}
	for (i = 0; i < nv && rc == 0; i++) {
		pop_version *v = &vs[i];
		pop_name up, down;
		strata_import_step *st;

		if (v->up < 0) {
			if (v->down >= 0)
				rc = strata__imp_skip(h, names[v->down], "a down file without an up file for this dialect");
			continue;
		}
		split_name(&up, names[v->up], sqlite);
		if (up.fizz || (v->down >= 0 && (split_name(&down, names[v->down], sqlite), down.fizz))) {
			rc = strata__imp_skip(h, names[up.fizz ? v->up : v->down],
				      "a fizz migration (pop's own DSL), which strata does not translate; version "
				      "%.*s is not imported: write its SQL as a revision",
				      (int)v->vlen, names[v->up]);
			continue;
		}
		strata__buf_clear(&path);
		if ((rc = strata__imp_step_add(&st, h)) < 0 || (rc = strata__imp_setn(&st->id, names[v->up], v->vlen)) < 0 ||
		    (rc = strata__imp_message_from(&st->message, up.name, up.nlen)) < 0 ||
		    strata__buf_printf(&path, "%s/%s", src, names[v->up]) < 0 ||
		    (rc = strata__imp_set(&st->source, strata__buf_cstr(&path))) < 0 ||
		    (rc = strata__imp_read_file(&text, src, names[v->up])) < 0 ||
		    (rc = strata__imp_set(&st->up_sql, strata__buf_cstr(&text))) < 0)
			break;
		st->transactional = !up.autocommit;
		if (v->down >= 0) {
			if ((rc = strata__imp_read_file(&text, src, names[v->down])) < 0 ||
			    (rc = strata__imp_set(&st->down_sql, strata__buf_cstr(&text))) < 0)
				break;
			if (down.autocommit)
				st->transactional = 0;
		} else {
			rc = strata__imp_set(&st->irreversible, "pop has no down file for this version");
		}
	}
	if (rc == 0)
		rc = strata__imp_finish(h, strata__imp_cmp_id_string);
done:
	strata_free(vs);
	strata__fs_free_names(names, n);
	strata__buf_release(&text);
	strata__buf_release(&path);
	return rc;
}
