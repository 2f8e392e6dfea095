/*
 * advise/render.c - an advise report as text, JSON, SARIF 2.1.0 or
 * GitHub annotations (strata_advise_render), through util/findings.h,
 * the renderer lint uses too.
 *
 * Layer: advise. Findings sit on objects, not on lines: JSON gives
 * "object", SARIF a logical location (plus the source file when the
 * schema came from one), GitHub an annotation on the source file (or none).
 */
#include "advise/advise.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/findings.h"

#include <jansson.h>
#include <sys/stat.h>

static json_t *summary_of(const strata_advise_report *r, strata_advise_severity min)
{
	size_t counts[4] = { 0 };
	double age = -1;
	int live = strata_advise_report_live(&age, r);

	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].pub.severity >= min)
			counts[r->v[i].pub.severity]++;
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:b,s:o,s:I}", "tables", (json_int_t)r->tables,
			 "errors", (json_int_t)counts[STRATA_ADVISE_ERROR], "warnings",
			 (json_int_t)counts[STRATA_ADVISE_WARNING], "info",
			 (json_int_t)counts[STRATA_ADVISE_INFO], "ignored", (json_int_t)r->ignored,
			 "live", live, "stats_age_seconds",
			 live ? json_integer((json_int_t)age) : json_null(), "sampled_tables",
			 (json_int_t)r->sampled);
}

int strata_advise_render(char **out, const strata_advise_report *r, strata_advise_format format,
			 strata_advise_severity min, const char *source)
{
	const strata_advise_rule *rules;
	size_t nrules = strata_advise_rules(&rules), n = 0;
	findings_rule *fr = NULL;
	findings_item *items = NULL;
	struct stat st;
	const char *path = source && stat(source, &st) == 0 ? source : NULL;
	int rc;

	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(r);

	*out = NULL;
	if (format < STRATA_ADVISE_FORMAT_TEXT || format > STRATA_ADVISE_FORMAT_GITHUB)
		return strata_error_set(STRATA_EINVALID, "unknown advise output format %d", (int)format);
	if (min < STRATA_ADVISE_INFO)
		min = STRATA_ADVISE_INFO;
	if (!(fr = strata_calloc(nrules, sizeof(*fr))) ||
	    !(items = strata_calloc(r->n + 1, sizeof(*items)))) {
		rc = strata_error_set(STRATA_ERROR, "out of memory rendering the advise report");
		goto done;
	}
	/* the severities are numbered alike (strata/advise.h, util/findings.h) */
	for (size_t i = 0; i < nrules; i++)
		fr[i] = (findings_rule){ rules[i].id, rules[i].name, rules[i].summary, rules[i].hint,
					 (findings_level)rules[i].severity };
	for (size_t i = 0; i < r->n; i++) {
		const strata_advise_finding *f = &r->v[i].pub;

		if (f->severity < min)
			continue;
		items[n++] = (findings_item){ (size_t)(f->rule - rules), (findings_level)f->severity,
					      path, 0, 0, f->object, f->message, NULL, f->fix };
	}
	rc = strata__findings_render(out, (findings_format)format, fr, nrules, items, n,
			     format == STRATA_ADVISE_FORMAT_JSON ? summary_of(r, min) : NULL);
done:
	strata_free(fr);
	strata_free(items);
	return rc;
}
