/*
 * lint/render.c - a lint report as text, JSON, SARIF 2.1.0 or GitHub
 * workflow annotations (strata_lint_render).
 *
 * Layer: lint. Maps the findings and the rule table onto util/findings.h,
 * which renders them (the same renderer advise uses); the CLI prints the
 * result. Findings below the threshold are left out of every format.
 */
#include "lint/lint.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/findings.h"

#include <jansson.h>
#include <string.h>

static findings_level level_of(strata_lint_severity s)
{
	return s == STRATA_LINT_ERROR ? FINDINGS_ERROR : s == STRATA_LINT_WARNING ? FINDINGS_WARNING : 0;
}

static json_t *summary_of(const strata_lint_report *r, strata_lint_severity min)
{
	size_t i, errors = 0, warnings = 0;

	for (i = 0; i < strata_lint_report_count(r); i++) {
		const strata_lint_finding *f = strata_lint_report_at(r, i);

		if (f->severity < min)
			continue;
		errors += f->severity == STRATA_LINT_ERROR;
		warnings += f->severity == STRATA_LINT_WARNING;
	}
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "files",
			 (json_int_t)strata_lint_report_files(r), "statements",
			 (json_int_t)strata_lint_report_statements(r), "errors", (json_int_t)errors,
			 "warnings", (json_int_t)warnings, "suppressed",
			 (json_int_t)strata_lint_report_suppressed(r), "bodies_skipped",
			 (json_int_t)strata_lint_report_bodies_skipped(r));
}

int strata_lint_render(char **out, const strata_lint_report *r, strata_lint_format format,
		       strata_lint_severity min)
{
	const strata_lint_rule *rules;
	size_t nrules = strata_lint_rules(&rules), n = 0, i;
	findings_rule *fr = NULL;
	findings_item *items = NULL;
	int rc = STRATA_ERROR;

	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(r);

	*out = NULL;
	if (format < STRATA_LINT_FORMAT_TEXT || format > STRATA_LINT_FORMAT_GITHUB)
		return strata_error_set(STRATA_EINVALID, "unknown lint output format %d", (int)format);
	if (min < STRATA_LINT_WARNING)
		min = STRATA_LINT_WARNING;
	if (!(fr = strata_calloc(nrules, sizeof(*fr))) ||
	    !(items = strata_calloc(strata_lint_report_count(r) + 1, sizeof(*items)))) {
		rc = strata_error_set(STRATA_ERROR, "out of memory rendering the lint report");
		goto done;
	}
	for (i = 0; i < nrules; i++)
		fr[i] = (findings_rule){ rules[i].id, rules[i].name, rules[i].summary, rules[i].hint,
					 level_of(rules[i].severity) };
	for (i = 0; i < strata_lint_report_count(r); i++) {
		const strata_lint_finding *f = strata_lint_report_at(r, i);

		if (f->severity < min)
			continue;
		items[n++] = (findings_item){ (size_t)(f->rule - rules), level_of(f->severity), f->path,
					      f->line, f->col, NULL, f->message, NULL, NULL };
	}
	/* the formats are numbered alike (strata/lint.h, util/findings.h) */
	rc = strata__findings_render(out, (findings_format)format, fr, nrules, items, n,
			     format == STRATA_LINT_FORMAT_JSON ? summary_of(r, min) : NULL);
done:
	strata_free(fr);
	strata_free(items);
	return rc;
}
