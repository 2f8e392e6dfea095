/*
 * core/promote.c - the promotion check (strata/env.h): revisions about to
 * run on an environment must have been applied, from the same file, on
 * the environment it promotes from.
 *
 * Layer: core. Reads the upstream through strata_config_load_env() and
 * the audit reader (core/audit.c), so the upstream's own version table,
 * history table and database come from its [env.NAME] section.
 */
#include "strata/env.h"
#include "strata/audit.h"
#include "strata/error.h"
#include "util/assert.h"
#include "util/buf.h"

#include <stdio.h>
#include <string.h>

/*
 * What the upstream's history says about m: NULL when it was applied from
 * the same file and not reverted since, else why not. Rows are newest
 * first: the first applied, reverted or stamped row decides.
 */
static const char *promoted(const strata_audit *a, const strata_migration *m, const char *env,
			    char *why, size_t whylen)
{
	size_t i;

	for (i = 0; a && i < a->n; i++) {
		const strata_audit_entry *e = &a->entries[i];
		int up = strcmp(e->direction, "up") == 0;

		if (strcmp(e->revision, m->revision) != 0)
			continue;
		if (!up && (strcmp(e->outcome, "reverted") == 0 || strcmp(e->outcome, "stamped") == 0))
			return snprintf(why, whylen, "reverted on %s since it was applied", env), why;
		if (up && strcmp(e->outcome, "stamped") == 0)
			return snprintf(why, whylen, "only stamped on %s (recorded without running its "
					"SQL)", env), why;
		if (up && strcmp(e->outcome, "applied") == 0) {
			if (e->checksum && strcmp(e->checksum, m->checksum) == 0)
				return NULL;
			snprintf(why, whylen, "applied on %s from another version of the file "
				 "(%.24s..., the file is now %.24s...)",
				 env, e->checksum ? e->checksum : "no checksum", m->checksum);
			return why;
		}
	}
	return snprintf(why, whylen, "not applied on %s", env), why;
}

int strata_promotion_check(const strata_config *cfg, const strata_graph *g, const size_t *steps,
			   size_t n)
{
	strata_config *up = NULL;
	strata_audit *a = NULL;
	strata_buf list = STRATA_BUF_INIT;
	size_t i, bad = 0;
	int rc;

	STRATA_ASSERT_ARG(cfg);
	STRATA_ASSERT_ARG(g);
	STRATA_ASSERT_ARG(steps || !n);

	if (!cfg->promote_from || n == 0)
		return 0;
	if ((rc = strata_config_load_env(&up, cfg, cfg->promote_from)) < 0)
		goto done;
	rc = strata_audit_read(&a, up, NULL);
	if (rc == STRATA_ENOTFOUND) {
		/* A SQLite upstream that does not exist yet has applied nothing. */
		strata_error_clear();
		rc = 0;
	} else if (rc < 0) {
		strata_error_append(" (reading the history of environment '%s', which '%s' promotes "
				    "from)", cfg->promote_from, cfg->env ? cfg->env : "?");
		strata_error_hint("nothing was run. Make '%s' reachable, or pass "
				  "--skip-promotion-check REASON (recorded in the history)",
				  cfg->promote_from);
		goto done;
	}
	for (i = 0; i < n; i++) {
		const strata_migration *m = strata_graph_at(g, steps[i]);
		char why[224];
		const char *no = promoted(a, m, cfg->promote_from, why, sizeof(why));

		if (!no)
			continue;
		bad++;
		if (strata__buf_printf(&list, "\n  %s (%s): %s", m->revision, m->path, no) < 0) {
			rc = STRATA_ERROR;
			goto done;
		}
	}
	if (bad) {
		rc = strata_error_set(STRATA_ECHECK, "%zu revision(s) not promoted: environment '%s' "
				      "runs only what '%s' has applied from the same file:%s", bad,
				      cfg->env ? cfg->env : "?", cfg->promote_from, strata__buf_cstr(&list));
		strata_error_hint("nothing was run. Apply them on '%s' first ('strata -e %s upgrade'), "
				  "or pass --skip-promotion-check REASON (recorded in the history)",
				  cfg->promote_from, cfg->promote_from);
	}
done:
	strata__buf_release(&list);
	strata_audit_free(a);
	strata_config_free(up);
	return rc;
}
