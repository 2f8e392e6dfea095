/*
 * util/findings.h - rendering a list of findings (lint's, advise's) as
 * text, JSON, SARIF 2.1.0 or GitHub workflow annotations.
 *
 * Layer: util. Knows nothing of rules' meaning: each caller turns its own
 * findings into findings_item views (borrowed strings) and its rule table
 * into findings_rule views, and passes the JSON summary it wants. A
 * finding is located in a file (path, line, col) or on a schema object
 * (object, with path as the source it was read from, or NULL).
 *
 * Formats, per item:
 *   text    "WHERE: LEVEL ID message [name]" then "    hint: ..." and,
 *           when there is one, "    fix: ..." (WHERE: path:line:col, or
 *           the object)
 *   json    {"findings": [...], "summary": <the caller's>}
 *   sarif   one run, the rules as the driver's rules, results located
 *           physically (file) or logically (object)
 *   github  "::error file=...,line=...,col=...,title=ID name::message%0Ahint: ..."
 */
#ifndef STRATA_UTIL_FINDINGS_H
#define STRATA_UTIL_FINDINGS_H

#include <stddef.h>

typedef enum findings_level {
	FINDINGS_INFO = 1,
	FINDINGS_WARNING = 2,
	FINDINGS_ERROR = 3,
} findings_level;

typedef struct findings_rule {
	const char *id, *name, *summary, *hint;
	findings_level level; /* default; 0: off by default */
} findings_rule;

typedef struct findings_item {
	size_t rule;          /* index into the rules array */
	findings_level level;
	const char *path;     /* file, or the source; NULL for none */
	int line, col;        /* 1-based; 0 when located on an object */
	const char *object;   /* "schema.table.column" or NULL */
	const char *message;
	const char *hint;     /* NULL: the rule's */
	const char *fix;      /* DDL that fixes it, or NULL */
} findings_item;

typedef enum findings_format {
	FINDINGS_TEXT = 1,
	FINDINGS_JSON = 2,
	FINDINGS_SARIF = 3,
	FINDINGS_GITHUB = 4,
} findings_format;

/* "error", "warning", "info" */
const char *strata__findings_level_name(findings_level level);

/*
 * Render items into *out (NUL-terminated, strata_free). summary: a
 * json_t * the JSON format puts under "summary" (the reference is taken;
 * NULL for none; ignored and released by the other formats).
 * @return 0, STRATA_EINVALID (unknown format), STRATA_ERROR (out of memory)
 */
int strata__findings_render(char **out, findings_format format, const findings_rule *rules,
		    size_t nrules, const findings_item *items, size_t nitems, void *summary);

#endif
