/*
 * util/findings.c - findings as text, JSON, SARIF or GitHub annotations
 * (see findings.h). Shared by lint (lint/render.c) and advise
 * (advise/render.c), which only map their findings onto the views.
 */
#include "util/findings.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

const char *strata__findings_level_name(findings_level level)
{
	return level == FINDINGS_ERROR ? "error" : level == FINDINGS_WARNING ? "warning" : "info";
}

static const char *item_hint(const findings_rule *rules, const findings_item *it)
{
	return it->hint ? it->hint : rules[it->rule].hint;
}

static int put_where(strata_buf *b, const findings_item *it)
{
	if (it->object)
		return strata__buf_puts(b, it->object);
	return strata__buf_printf(b, "%s:%d:%d", it->path ? it->path : "", it->line, it->col);
}

static int render_text(strata_buf *b, const findings_rule *rules, const findings_item *items,
		       size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const findings_item *it = &items[i];
		const findings_rule *r = &rules[it->rule];

		if (put_where(b, it) < 0 ||
		    strata__buf_printf(b, ": %s %s %s [%s]\n    hint: %s\n", strata__findings_level_name(it->level),
			       r->id, it->message, r->name, item_hint(rules, it)) < 0 ||
		    (it->fix && strata__buf_printf(b, "    fix: %s\n", it->fix) < 0))
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
		case '%': rc = strata__buf_puts(b, "%25"); break;
		case '\r': rc = strata__buf_puts(b, "%0D"); break;
		case '\n': rc = strata__buf_puts(b, "%0A"); break;
		case ':': rc = property ? strata__buf_puts(b, "%3A") : strata__buf_putc(b, ':'); break;
		case ',': rc = property ? strata__buf_puts(b, "%2C") : strata__buf_putc(b, ','); break;
		default: rc = strata__buf_putc(b, *s); break;
		}
	}
	return rc;
}

static int render_github(strata_buf *b, const findings_rule *rules, const findings_item *items,
			 size_t n)
{
	char title[200];

	for (size_t i = 0; i < n; i++) {
		const findings_item *it = &items[i];
		const char *kind = it->level == FINDINGS_ERROR     ? "error"
				   : it->level == FINDINGS_WARNING ? "warning"
								   : "notice";

		snprintf(title, sizeof(title), "%s %s", rules[it->rule].id, rules[it->rule].name);
		if (strata__buf_printf(b, "::%s ", kind) < 0)
			return STRATA_ERROR;
		if (it->path && (strata__buf_puts(b, "file=") < 0 || gh_escape(b, it->path, 1) < 0 ||
				 (it->line > 0 && strata__buf_printf(b, ",line=%d,col=%d", it->line, it->col) < 0) ||
				 strata__buf_putc(b, ',') < 0))
			return STRATA_ERROR;
		if (strata__buf_puts(b, "title=") < 0 || gh_escape(b, title, 1) < 0 || strata__buf_puts(b, "::") < 0 ||
		    (it->object && (gh_escape(b, it->object, 0) < 0 || strata__buf_puts(b, ": ") < 0)) ||
		    gh_escape(b, it->message, 0) < 0 || gh_escape(b, "\nhint: ", 0) < 0 ||
		    gh_escape(b, item_hint(rules, it), 0) < 0 ||
		    (it->fix && (gh_escape(b, "\nfix: ", 0) < 0 || gh_escape(b, it->fix, 0) < 0)) ||
		    strata__buf_putc(b, '\n') < 0)
			return STRATA_ERROR;
	}
	return 0;
}

static json_t *json_item(const findings_rule *rules, const findings_item *it)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (it->object) {
		json_object_set_new(o, "object", json_string(it->object));
	} else {
		json_object_set_new(o, "file", json_string(it->path ? it->path : ""));
		json_object_set_new(o, "line", json_integer(it->line));
		json_object_set_new(o, "column", json_integer(it->col));
	}
	json_object_set_new(o, "severity", json_string(strata__findings_level_name(it->level)));
	json_object_set_new(o, "rule", json_string(rules[it->rule].id));
	json_object_set_new(o, "name", json_string(rules[it->rule].name));
	json_object_set_new(o, "message", json_string(it->message));
	json_object_set_new(o, "hint", json_string(item_hint(rules, it)));
	if (it->fix)
		json_object_set_new(o, "fix", json_string(it->fix));
	return o;
}

static json_t *render_json(const findings_rule *rules, const findings_item *items, size_t n,
			   json_t *summary)
{
	json_t *a = json_array(), *root = json_object();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_item(rules, &items[i]));
	if (!root || !a) {
		json_decref(a);
		json_decref(root);
		json_decref(summary);
		return NULL;
	}
	json_object_set_new(root, "findings", a);
	if (summary)
		json_object_set_new(root, "summary", summary);
	return root;
}

static const char *sarif_level(findings_level level)
{
	return level == FINDINGS_ERROR ? "error" : level == FINDINGS_WARNING ? "warning" : "note";
}

static json_t *sarif_location(const findings_item *it)
{
	json_t *loc = json_object();

	if (it->path) {
		json_t *phys = json_pack("{s:{s:s}}", "artifactLocation", "uri", it->path);

		if (phys && it->line > 0)
			json_object_set_new(phys, "region", json_pack("{s:i,s:i}", "startLine", it->line,
								      "startColumn", it->col));
		json_object_set_new(loc, "physicalLocation", phys);
	}
	if (it->object)
		json_object_set_new(loc, "logicalLocations",
				    json_pack("[{s:s}]", "fullyQualifiedName", it->object));
	return loc;
}

static json_t *render_sarif(const findings_rule *rules, size_t nrules, const findings_item *items,
			    size_t n)
{
	json_t *jrules = json_array(), *results = json_array();

	for (size_t i = 0; i < nrules; i++)
		json_array_append_new(jrules, json_pack(
			"{s:s,s:s,s:{s:s},s:{s:s},s:{s:s}}", "id", rules[i].id, "name", rules[i].name,
			"shortDescription", "text", rules[i].summary, "help", "text", rules[i].hint,
			"defaultConfiguration", "level",
			rules[i].level ? sarif_level(rules[i].level) : "none"));
	for (size_t i = 0; i < n; i++) {
		const findings_item *it = &items[i];
		json_t *res = json_pack("{s:s,s:I,s:s,s:{s:s},s:[o]}", "ruleId", rules[it->rule].id,
					"ruleIndex", (json_int_t)it->rule, "level",
					sarif_level(it->level), "message", "text", it->message,
					"locations", sarif_location(it));

		if (res && it->fix)
			json_object_set_new(res, "properties", json_pack("{s:s}", "fix", it->fix));
		json_array_append_new(results, res);
	}
	return json_pack("{s:s,s:s,s:[{s:{s:{s:s,s:s,s:o}},s:o}]}",
			 "$schema", "https://json.schemastore.org/sarif-2.1.0.json",
			 "version", "2.1.0", "runs", "tool", "driver", "name", "strata",
			 "version", STRATA_VERSION, "rules", jrules, "results", results);
}

int strata__findings_render(char **out, findings_format format, const findings_rule *rules,
		    size_t nrules, const findings_item *items, size_t nitems, void *summary)
{
	strata_buf b = STRATA_BUF_INIT;
	json_t *j = NULL;
	int rc = 0;

	*out = NULL;
	switch (format) {
	case FINDINGS_TEXT:
		rc = render_text(&b, rules, items, nitems);
		break;
	case FINDINGS_GITHUB:
		rc = render_github(&b, rules, items, nitems);
		break;
	case FINDINGS_JSON:
	case FINDINGS_SARIF:
		if (format == FINDINGS_JSON) {
			j = render_json(rules, items, nitems, summary);
			summary = NULL; /* taken */
		} else {
			j = render_sarif(rules, nrules, items, nitems);
		}
		if (j) {
			char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

			rc = !s || strata__buf_puts(&b, s) < 0 || strata__buf_putc(&b, '\n') < 0 ? STRATA_ERROR : 0;
			free(s);
			json_decref(j);
		} else {
			rc = STRATA_ERROR;
		}
		break;
	default:
		json_decref(summary);
		return strata_error_set(STRATA_EINVALID, "unknown output format %d", (int)format);
	}
	json_decref(summary);
	if (rc < 0) {
		strata__buf_release(&b);
		return strata_error_set(STRATA_ERROR, "out of memory rendering the report");
	}
	*out = b.ptr ? strata__buf_detach(&b) : strata_strdup("");
	return *out ? 0 : strata_error_set(STRATA_ERROR, "out of memory rendering the report");
}
