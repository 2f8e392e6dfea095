/*
 * import/fmt_sqitch.c - sqitch projects: sqitch.plan and the deploy/,
 * revert/ and verify/ scripts beside it.
 *
 * Layer: import (see import_int.h). Each change of the plan, in plan
 * order, is one revision: its name is the id (a reworked change's later
 * instances are NAME.2, NAME.3, ...: ids are unique), its note the
 * message, its planned time the created header, deploy/NAME.sql the up
 * and revert/NAME.sql the down (none: irreversible). A change reworked
 * later reads the scripts sqitch kept for it, NAME@TAG.sql, TAG being the
 * first tag after it. "[a b]" requires become depends-on (resolved to the
 * instance current at that point of the plan); "!x" conflicts and
 * requires on other projects ("proj:x") cannot be expressed and are
 * reported. Tags (@v1.0) become strata release tags in strata.tags, on
 * the change before them. Verify scripts have no strata counterpart and
 * are reported as not imported.
 *
 * Transactions: sqitch runs a script as the engine's shell does, so a
 * script runs in a transaction only when it says BEGIN; ... COMMIT;
 * itself (sqitch's templates do). Such a wrapper is removed, since strata
 * opens the transaction; a deploy script without one becomes
 * "transaction: off", which is how sqitch ran it.
 */
#include "import/import_int.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define PLAN_HINT "sqitch.plan lines are 'NAME [REQUIRES] TIMESTAMP PLANNER <EMAIL> # NOTE', '@TAG ...' or '%pragma'"

void strata__sqitch_plan_release(sqitch_plan *p)
{
	size_t i, j;

	strata_free(p->project);
	for (i = 0; i < p->nchanges; i++) {
		sqitch_change *c = &p->changes[i];

		strata_free(c->name);
		strata_free(c->id);
		for (j = 0; j < c->nrequires; j++)
			strata_free(c->requires[j]);
		strata_free(c->requires);
		for (j = 0; j < c->nconflicts; j++)
			strata_free(c->conflicts[j]);
		strata_free(c->conflicts);
		strata_free(c->created);
		strata_free(c->note);
		strata_free(c->script_tag);
	}
	strata_free(p->changes);
	for (i = 0; i < p->ntags; i++)
		strata_free(p->tags[i].name);
	strata_free(p->tags);
	for (i = 0; i < p->nnotes; i++)
		strata_free(p->notes[i]);
	strata_free(p->notes);
	memset(p, 0, sizeof(*p));
}

static const char *skip_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *word_end(const char *p, const char *e)
{
	while (p < e && !isspace((unsigned char)*p))
		p++;
	return p;
}

/* The latest instance of name among the first n changes, or NULL. */
static sqitch_change *latest(sqitch_plan *p, const char *name, size_t len, size_t n)
{
	while (n--)
		if (strlen(p->changes[n].name) == len && strncmp(p->changes[n].name, name, len) == 0)
			return &p->changes[n];
	return NULL;
}

static int plan_note(sqitch_plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int plan_note(sqitch_plan *p, const char *fmt, ...)
{
	strata_buf b = STRATA_BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = strata__buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (rc < 0 || strata__imp_list_add(&p->notes, &p->nnotes, strata__buf_cstr(&b)) < 0)
		rc = STRATA_ERROR;
	strata__buf_release(&b);
	return rc;
}

/* "[a b !c proj:d e@tag]" */
static int parse_deps(sqitch_plan *p, sqitch_change *c, const char *path, int lineno, const char *s,
		      const char *e)
{
	while ((s = skip_ws(s, e)) < e) {
		const char *w = s, *we = word_end(s, e), *at, *colon;
		size_t n;
		sqitch_change *dep;
		int conflict = *w == '!';

		if (conflict)
			w++;
		n = (size_t)(we - w);
		s = we;
		if (!n)
			return strata__imp_perr(path, lineno, PLAN_HINT, "an empty dependency");
		if ((colon = memchr(w, ':', n))) {
			if (plan_note(p, "%s %s '%.*s' of another sqitch project: not imported", c->name,
				      conflict ? "conflicts with" : "requires", (int)n, w) < 0)
				return STRATA_ERROR;
			continue;
		}
		if (conflict) {
			char *name = strata_strndup(w, n);

			if (!name || strata__imp_list_add(&c->conflicts, &c->nconflicts, name) < 0) {
				strata_free(name);
				return STRATA_ERROR;
			}
			strata_free(name);
			continue;
		}
		at = memchr(w, '@', n);
		if (!(dep = latest(p, w, at ? (size_t)(at - w) : n, p->nchanges - 1)))
			return strata__imp_perr(path, lineno, "a change may only require changes planned before it",
					"%s requires '%.*s', which is not planned before it", c->name, (int)n, w);
		if (strata__imp_list_add(&c->requires, &c->nrequires, dep->id) < 0)
			return STRATA_ERROR;
	}
	return 0;
}

/* "2013-12-30T23:19:19Z" (what strata's created header takes) or NULL when it is not one. */
static int take_time(char **out, const char *w, size_t n)
{
	if (n != 20 || w[4] != '-' || w[10] != 'T' || w[19] != 'Z')
		return 0;
	return strata__imp_setn(out, w, n);
}

static int parse_change(sqitch_plan *p, const char *path, int lineno, const char *s, const char *e)
{
	sqitch_change *v = strata_realloc(p->changes, (p->nchanges + 1) * sizeof(*v)), *c, *prev;
	const char *name = s, *ne, *hash;
	size_t k;

	if (!v)
		return STRATA_ERROR;
	p->changes = v;
	c = &v[p->nchanges];
	memset(c, 0, sizeof(*c));
	c->line = lineno;
	if (*name == '+' || *name == '-') {
		if (*name == '-')
			return strata__imp_perr(path, lineno, "import a plan without revert operators ('-name')",
					"a '-' (revert) operator in the plan");
		name++;
	}
	ne = name;
	while (ne < e && !isspace((unsigned char)*ne) && *ne != '[')
		ne++;
	if (ne == name)
		return strata__imp_perr(path, lineno, PLAN_HINT, "a change without a name");
	if (!(c->name = strata_strndup(name, (size_t)(ne - name))))
		return STRATA_ERROR;
	p->nchanges++;
	/* Reworked: the earlier instance keeps its scripts under the next tag's name. */
	if ((prev = latest(p, c->name, strlen(c->name), p->nchanges - 1))) {
		size_t count = 1, i;

		for (i = 0; i + 1 < p->nchanges; i++)
			count += strcmp(p->changes[i].name, c->name) == 0;
		if (!prev->script_tag) {
			size_t idx = (size_t)(prev - p->changes);

			for (k = 0; k < p->ntags && p->tags[k].after <= idx; k++)
				;
			if (k == p->ntags)
				return strata__imp_perr(path, lineno, "sqitch reworks a change only after a tag",
						"change %s is planned again with no tag since line %d", c->name,
						prev->line);
			if (strata__imp_set(&prev->script_tag, p->tags[k].name) < 0)
				return STRATA_ERROR;
		}
		{
			char idbuf[64];

			snprintf(idbuf, sizeof(idbuf), ".%zu", count);
			if (!(c->id = strata_malloc(strlen(c->name) + strlen(idbuf) + 1)))
				return STRATA_ERROR;
			strcpy(c->id, c->name);
			strcat(c->id, idbuf);
		}
		if (plan_note(p, "%s is a rework of %s (line %d); imported as revision %s", c->name, c->name,
			      prev->line, c->id) < 0)
			return STRATA_ERROR;
	} else if (!(c->id = strata_strdup(c->name))) {
		return STRATA_ERROR;
	}
	s = skip_ws(ne, e);
	if (s < e && *s == '[') {
		const char *close = memchr(s, ']', (size_t)(e - s));
		int rc;

		if (!close)
			return strata__imp_perr(path, lineno, PLAN_HINT, "'[' without ']'");
		if ((rc = parse_deps(p, c, path, lineno, s + 1, close)) < 0)
			return rc;
		s = skip_ws(close + 1, e);
	}
	hash = s < e ? memchr(s, '#', (size_t)(e - s)) : NULL;
	{
		const char *te = word_end(s, e);

		if (take_time(&c->created, s, (size_t)(te - s)) < 0)
			return STRATA_ERROR;
		if (!c->created)
			return strata__imp_perr(path, lineno, PLAN_HINT, "change %s has no planned time", c->name);
	}
	if (hash) {
		const char *n = skip_ws(hash + 1, e), *ne2 = e;

		while (ne2 > n && isspace((unsigned char)ne2[-1]))
			ne2--;
		return strata__imp_setn(&c->note, n, (size_t)(ne2 - n));
	}
	return strata__imp_set(&c->note, "");
}

static int parse_tag(sqitch_plan *p, const char *path, int lineno, const char *s, const char *e)
{
	sqitch_tag *v;
	const char *ne = word_end(s + 1, e);

	if (ne == s + 1)
		return strata__imp_perr(path, lineno, PLAN_HINT, "a tag without a name");
	if (!p->nchanges)
		return strata__imp_perr(path, lineno, "tag a change: put the tag after it", "a tag before any change");
	if (!(v = strata_realloc(p->tags, (p->ntags + 1) * sizeof(*v))))
		return STRATA_ERROR;
	p->tags = v;
	memset(&v[p->ntags], 0, sizeof(v[0]));
	if (!(v[p->ntags].name = strata_strndup(s + 1, (size_t)(ne - s - 1))))
		return STRATA_ERROR;
	v[p->ntags].after = p->nchanges;
	v[p->ntags].line = lineno;
	p->ntags++;
	return 0;
}

int strata__sqitch_plan_parse(sqitch_plan *out, const char *path, const char *text, size_t len)
{
	size_t i = 0;
	int lineno = 0, rc = 0;

	memset(out, 0, sizeof(*out));
	while (i < len && rc == 0) {
		const char *nl = memchr(text + i, '\n', len - i), *s = text + i;
		const char *e = nl ? nl : text + len;

		i = nl ? (size_t)(nl - text) + 1 : len;
		lineno++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		s = skip_ws(s, e);
		if (s == e || *s == '#')
			continue;
		if (memchr(s, '\0', (size_t)(e - s)))
			rc = strata__imp_perr(path, lineno, PLAN_HINT, "a NUL byte");
		else if (*s == '%') {
			if ((size_t)(e - s) > 9 && strncmp(s, "%project=", 9) == 0)
				rc = strata__imp_setn(&out->project, s + 9, (size_t)(e - s - 9));
		} else if (*s == '@')
			rc = parse_tag(out, path, lineno, s, e);
		else
			rc = parse_change(out, path, lineno, s, e);
	}
	if (rc < 0)
		strata__sqitch_plan_release(out);
	return rc;
}

/* scripts/<kind>/<name>[@tag].sql into text; 0 when present, 1 when absent. */
static int read_script(strata_buf *text, strata_buf *shown, const char *src, const char *kind,
		       const sqitch_change *c)
{
	strata_buf dir = STRATA_BUF_INIT, name = STRATA_BUF_INIT, path = STRATA_BUF_INIT;
	int rc = STRATA_ERROR;

	if (strata__buf_printf(&dir, "%s/%s", src, kind) < 0 ||
	    strata__buf_printf(&name, "%s%s%s.sql", c->name, c->script_tag ? "@" : "", c->script_tag ? c->script_tag : "") < 0 ||
	    strata__fs_join(&path, strata__buf_cstr(&dir), strata__buf_cstr(&name)) < 0)
		goto done;
	strata__buf_clear(shown);
	if (strata__buf_puts(shown, strata__buf_cstr(&path)) < 0)
		goto done;
	if (!strata__fs_exists(strata__buf_cstr(&path))) {
		rc = 1;
		goto done;
	}
	rc = strata__imp_read_file(text, strata__buf_cstr(&dir), strata__buf_cstr(&name));
done:
	strata__buf_release(&dir);
	strata__buf_release(&name);
	strata__buf_release(&path);
	return rc;
}

static int import_change(strata_import_history *h, const char *src, const sqitch_change *c, strata_buf *text,
			 strata_buf *shown)
{
	strata_import_step *st;
	size_t j;
	int rc, wrapped;

	if ((rc = strata__imp_step_add(&st, h)) < 0 || (rc = strata__imp_set(&st->id, c->id)) < 0 ||
	    (rc = strata__imp_set(&st->message, c->note)) < 0 || (rc = strata__imp_set(&st->created, c->created)) < 0)
		return rc;
	for (j = 0; j < c->nrequires; j++)
		if ((rc = strata__imp_list_add(&st->depends_on, &st->ndepends_on, c->requires[j])) < 0)
			return rc;
	if ((rc = read_script(text, shown, src, "deploy", c)) < 0)
		return rc;
	if (rc == 1)
		return strata__imp_perr(strata__buf_cstr(shown), 0, "write the deploy script, or remove the change from the plan",
				"the deploy script of %s is missing", c->name);
	if ((rc = strata__imp_set(&st->source, strata__buf_cstr(shown))) < 0 || (wrapped = strata__imp_strip_tx_wrapper(text)) < 0 ||
	    (rc = strata__imp_set(&st->up_sql, strata__buf_cstr(text))) < 0)
		return STRATA_ERROR;
	st->transactional = wrapped;
	if (!wrapped && (rc = strata__imp_note(h, "%s runs outside a transaction, as sqitch ran it (its deploy script "
					  "has no BEGIN; ... COMMIT;)", c->id)) < 0)
		return rc;
	if ((rc = read_script(text, shown, src, "revert", c)) < 0)
		return rc;
	if (rc == 1)
		return strata__imp_set(&st->irreversible, "sqitch has no revert script for this change");
	if (strata__imp_strip_tx_wrapper(text) < 0 || strata__imp_set(&st->down_sql, strata__buf_cstr(text)) < 0)
		return STRATA_ERROR;
	if ((rc = read_script(text, shown, src, "verify", c)) < 0)
		return rc;
	if (rc == 0)
		return strata__imp_skip(h, strata__buf_cstr(shown), "a verify script: strata has no verify step (`strata test` "
						    "checks the history instead); not imported");
	return 0;
}

int strata__fmt_sqitch_read(strata_import_history *h, const char *src, const strata_import_options *opt)
{
	strata_buf text = STRATA_BUF_INIT, shown = STRATA_BUF_INIT, path = STRATA_BUF_INIT;
	sqitch_plan plan;
	size_t i, j;
	int rc;

	(void)opt;
	if ((rc = strata__imp_read_file(&text, src, "sqitch.plan")) < 0) {
		if (rc == STRATA_ENOTFOUND || !strata__fs_exists(src)) {
			strata_error_set(STRATA_EINVALID, "%s has no sqitch.plan", src);
			strata_error_hint("give the sqitch project folder, the one that holds sqitch.plan");
			rc = STRATA_EINVALID;
		}
		goto done;
	}
	if (strata__buf_printf(&path, "%s/sqitch.plan", src) < 0)
		goto done;
	if ((rc = strata__sqitch_plan_parse(&plan, strata__buf_cstr(&path), text.ptr, text.len)) < 0)
		goto done;
	for (i = 0; i < plan.nchanges && rc == 0; i++) {
		rc = import_change(h, src, &plan.changes[i], &text, &shown);
		for (j = 0; rc == 0 && j < plan.changes[i].nconflicts; j++)
			rc = strata__imp_note(h, "%s conflicts with %s: strata has no conflicts; not imported",
				      plan.changes[i].id, plan.changes[i].conflicts[j]);
	}
	for (i = 0; i < plan.nnotes && rc == 0; i++)
		rc = strata__imp_note(h, "%s", plan.notes[i]);
	for (i = 0; i < plan.ntags && rc == 0; i++) {
		strata_import_tag *v = strata_realloc(h->tags, (h->ntags + 1) * sizeof(*v));

		if (!v) {
			rc = STRATA_ERROR;
			break;
		}
		h->tags = v;
		memset(&v[h->ntags], 0, sizeof(v[0]));
		h->ntags++;
		if ((rc = strata__imp_set(&v[h->ntags - 1].name, plan.tags[i].name)) == 0)
			rc = strata__imp_set(&v[h->ntags - 1].revision, plan.changes[plan.tags[i].after - 1].id);
	}
	if (rc == 0)
		rc = strata__imp_chain(h);
	strata__sqitch_plan_release(&plan);
done:
	strata__buf_release(&text);
	strata__buf_release(&shown);
	strata__buf_release(&path);
	return rc;
}
