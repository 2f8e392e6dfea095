/*
 * lint/render.c - a lint report as text, JSON, SARIF 2.1.0 or GitHub
 * workflow annotations (strata_lint_render).
 *
 * Layer: lint. Builds strings only (jansson for JSON and SARIF); the CLI
 * prints them. Findings below the threshold are left out of every format.
 */
#include "lint/lint.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <jansson.h>
#include <string.h>

static const char *severity_name(strata_lint_severity s)
{
	return s == STRATA_LINT_ERROR ? "error" : s == STRATA_LINT_WARNING ? "warning" : "off";
}

static int render_text(strata_buf *b, const strata_lint_report *r, strata_lint_severity min)
{
	size_t i;

	for (i = 0; i < strata_lint_report_count(r); i++) {
		const strata_lint_finding *f = strata_lint_report_at(r, i);

		if (f->severity < min)
			continue;
		if (buf_printf(b, "%s:%d:%d: %s %s %s [%s]\n    hint: %s\n", f->path, f->line, f->col,
			       severity_name(f->severity), f->rule->id, f->message, f->rule->name,
			       f->rule->hint) < 0)
			return STRATA_ERROR;
	}
	return 0;
}

/* GitHub's escaping: data escapes %, CR, LF; properties also ':' and ','. */
static int gh_escape(strata_buf *b, const char *s, int property)
{
	int rc = 0;

	for (; *s && rc == 0; s++) {
		switch (*s) {
		case '%': rc = buf_puts(b, "%25"); break;
		case '\r': rc = buf_puts(b, "%0D"); break;
		case '\n': rc = buf_puts(b, "%0A"); break;
		case ':': rc = property ? buf_puts(b, "%3A") : buf_putc(b, ':'); break;
		case ',': rc = property ? buf_puts(b, "%2C") : buf_putc(b, ','); break;
		default: rc = buf_putc(b, *s); break;
		}
	}
	return rc;
}

static int render_github(strata_buf *b, const strata_lint_report *r, strata_lint_severity min)
{
	size_t i;
	char title[160];

	for (i = 0; i < strata_lint_report_count(r); i++) {
		const strata_lint_finding *f = strata_lint_report_at(r, i);

		if (f->severity < min)
			continue;
		snprintf(title, sizeof(title), "%s %s", f->rule->id, f->rule->name);
		if (buf_printf(b, "::%s file=", f->severity == STRATA_LINT_ERROR ? "error" : "warning") < 0 ||
		    gh_escape(b, f->path, 1) < 0 ||
		    buf_printf(b, ",line=%d,col=%d,title=", f->line, f->col) < 0 ||
		    gh_escape(b, title, 1) < 0 || buf_puts(b, "::") < 0 ||
		    gh_escape(b, f->message, 0) < 0 || gh_escape(b, "\nhint: ", 0) < 0 ||
		    gh_escape(b, f->rule->hint, 0) < 0 || buf_putc(b, '\n') < 0)
			return STRATA_ERROR;
	}
	return 0;
}

static json_t *json_findings(const strata_lint_report *r, strata_lint_severity min)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < strata_lint_report_count(r); i++) {
		const strata_lint_finding *f = strata_lint_report_at(r, i);

		if (f->severity < min)
			continue;
		json_array_append_new(a, json_pack("{s:s,s:i,s:i,s:s,s:s,s:s,s:s,s:s}", "file", f->path,
						   "line", f->line, "column", f->col, "severity",
						   severity_name(f->severity), "rule", f->rule->id,
						   "name", f->rule->name, "message", f->message,
						   "hint", f->rule->hint));
	}
	return a;
}

static json_t *render_json(const strata_lint_report *r, strata_lint_severity min)
{
	json_t *findings = json_findings(r, min);
	size_t i, errors = 0, warnings = 0;

	for (i = 0; i < strata_lint_report_count(r); i++) {
		const strata_lint_finding *f = strata_lint_report_at(r, i);

		if (f->severity < min)
			continue;
		errors += f->severity == STRATA_LINT_ERROR;
		warnings += f->severity == STRATA_LINT_WARNING;
	}
	return json_pack("{s:o,s:{s:I,s:I,s:I,s:I,s:I,s:I}}", "findings", findings, "summary", "files",
			 (json_int_t)strata_lint_report_files(r), "statements",
			 (json_int_t)strata_lint_report_statements(r), "errors", (json_int_t)errors,
			 "warnings", (json_int_t)warnings, "suppressed",
			 (json_int_t)strata_lint_report_suppressed(r), "bodies_skipped",
			 (json_int_t)strata_lint_report_bodies_skipped(r));
}

static json_t *render_sarif(const strata_lint_report *r, strata_lint_severity min)
{
	const strata_lint_rule *rules;
	size_t n = strata_lint_rules(&rules), i;
	json_t *jrules = json_array(), *results = json_array();

	for (i = 0; i < n; i++)
		json_array_append_new(jrules, json_pack(
			"{s:s,s:s,s:{s:s},s:{s:s},s:{s:s}}", "id", rules[i].id, "name", rules[i].name,
			"shortDescription", "text", rules[i].summary, "help", "text", rules[i].hint,
			"defaultConfiguration", "level",
			rules[i].severity == STRATA_LINT_ERROR ? "error"
			: rules[i].severity == STRATA_LINT_WARNING ? "warning" : "none"));
	for (i = 0; i < strata_lint_report_count(r); i++) {
		const strata_lint_finding *f = strata_lint_report_at(r, i);

		if (f->severity < min)
			continue;
		json_array_append_new(results, json_pack(
			"{s:s,s:I,s:s,s:{s:s},s:[{s:{s:{s:s},s:{s:i,s:i}}}]}", "ruleId", f->rule->id,
			"ruleIndex", (json_int_t)(f->rule - rules), "level", severity_name(f->severity),
			"message", "text", f->message, "locations", "physicalLocation",
			"artifactLocation", "uri", f->path, "region", "startLine", f->line,
			"startColumn", f->col));
	}
	return json_pack("{s:s,s:s,s:[{s:{s:{s:s,s:s,s:o}},s:o}]}",
			 "$schema", "https://json.schemastore.org/sarif-2.1.0.json",
			 "version", "2.1.0", "runs", "tool", "driver", "name", "strata",
			 "version", STRATA_VERSION, "rules", jrules, "results", results);
}

int strata_lint_render(char **out, const strata_lint_report *r, strata_lint_format format,
		       strata_lint_severity min)
{
	strata_buf b = STRATA_BUF_INIT;
	json_t *j = NULL;
	int rc = 0;

	*out = NULL;
	if (min < STRATA_LINT_WARNING)
		min = STRATA_LINT_WARNING;
	switch (format) {
	case STRATA_LINT_FORMAT_TEXT:
		rc = render_text(&b, r, min);
		break;
	case STRATA_LINT_FORMAT_GITHUB:
		rc = render_github(&b, r, min);
		break;
	case STRATA_LINT_FORMAT_JSON:
	case STRATA_LINT_FORMAT_SARIF:
		j = format == STRATA_LINT_FORMAT_JSON ? render_json(r, min) : render_sarif(r, min);
		if (j) {
			char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

			rc = !s || buf_puts(&b, s) < 0 || buf_putc(&b, '\n') < 0 ? STRATA_ERROR : 0;
			free(s);
			json_decref(j);
		} else {
			rc = STRATA_ERROR;
		}
		break;
	default:
		return strata_error_set(STRATA_EINVALID, "unknown lint output format %d", (int)format);
	}
	if (rc < 0) {
		buf_release(&b);
		return strata_error_set(STRATA_ERROR, "out of memory rendering the lint report");
	}
	*out = b.ptr ? buf_detach(&b) : strata_strdup("");
	return *out ? 0 : strata_error_set(STRATA_ERROR, "out of memory rendering the lint report");
}
