/*
 * advise/rules.c - the advisor's rule table and the [advise] settings of
 * strata.ini.
 *
 * Layer: advise. Ids are stable and never reused: SA1xx keys and
 * integrity, SA2xx indexes, SA3xx types and naming, SA4xx normalization.
 * docs/advise.md documents each; keep the two in step (the unit tests
 * check that every id is there).
 */
#include "advise/advise.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/ini.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PG STRATA_ADVISE_PG
#define SQ STRATA_ADVISE_SQLITE
#define LIVE STRATA_ADVISE_LIVE
#define SAMPLE STRATA_ADVISE_SAMPLE
#define E STRATA_ADVISE_ERROR
#define W STRATA_ADVISE_WARNING
#define I STRATA_ADVISE_INFO

static const strata_advise_rule rules[A_COUNT] = {
	{ "SA101", "table-without-primary-key", W, PG | SQ,
	  "a table without a primary key: rows cannot be told apart, replication and ORMs need one",
	  "add a primary key (an identity column if nothing else identifies a row)" },
	{ "SA102", "integer-key-overflow", W, PG,
	  "an integer or smallint column fed by a sequence stops at 2147483647 (32767)",
	  "make the column and its sequence bigint while the table is small" },
	{ "SA103", "sequence-near-overflow", W, PG | LIVE,
	  "a sequence has used much of the range of its type or column",
	  "widen the column and the sequence to bigint before the range runs out" },
	{ "SA104", "foreign-key-type-mismatch", W, PG | SQ,
	  "a foreign key column's type differs from the column it references",
	  "give the referencing column the referenced column's type" },
	{ "SA105", "nullable-natural-key", W, PG | SQ,
	  "a unique key with a nullable column lets rows repeat (NULLs are never equal)",
	  "make the columns NOT NULL, or use NULLS NOT DISTINCT (PostgreSQL 15+)" },
	{ "SA106", "isolated-table", I, PG | SQ,
	  "a table referenced by nothing and referencing nothing, in a schema where most tables are linked",
	  "check whether a foreign key is missing, or whether the table belongs elsewhere" },
	{ "SA201", "foreign-key-without-index", W, PG | SQ,
	  "a foreign key with no index leading with its columns: deletes and updates of the parent "
	  "scan the child, joins cannot use an index",
	  "create an index on the foreign key's columns" },
	{ "SA202", "duplicate-index", W, PG | SQ,
	  "two indexes with the same columns, method and predicate: every write maintains both",
	  "drop one of them" },
	{ "SA203", "redundant-index", W, PG | SQ,
	  "an index whose columns lead another index with the same method and predicate",
	  "drop the shorter index; the longer one serves its queries" },
	{ "SA204", "unused-index", W, PG | LIVE,
	  "an index no query has used since the statistics were reset",
	  "drop it if the statistics cover a full cycle of the workload (check replicas too)" },
	{ "SA205", "invalid-index", E, PG | LIVE,
	  "an INVALID index (a failed CREATE INDEX CONCURRENTLY): maintained on writes, never used",
	  "drop it and create it again, or REINDEX INDEX CONCURRENTLY" },
	{ "SA206", "sequential-scan-heavy-table", W, PG | LIVE,
	  "a large table read by many sequential scans and with no index besides its key",
	  "find the queries (pg_stat_statements) and index the columns they filter on" },
	{ "SA207", "soft-delete-without-partial-index", I, PG | SQ,
	  "a soft-delete column and no partial index that leaves deleted rows out",
	  "create a partial index WHERE deleted_at IS NULL on what live rows are looked up by" },
	{ "SA208", "like-search-without-index", W, PG | SQ,
	  "a column searched with LIKE 'x%' ([advise] like_columns) has no index such a search can use",
	  "create a text_pattern_ops (PostgreSQL) or COLLATE NOCASE (SQLite) index on it" },
	{ "SA301", "timestamp-without-time-zone", W, PG,
	  "timestamp without time zone stores wall-clock time with no zone: ambiguous across zones and DST",
	  "use timestamptz" },
	{ "SA302", "arbitrary-varchar-limit", I, PG,
	  "varchar(n) with a round or power-of-two limit that looks arbitrary: raising it later is a migration",
	  "use text (with a CHECK on length if a limit is a real rule)" },
	{ "SA303", "money-type", W, PG,
	  "the money type depends on lc_monetary and has a fixed scale",
	  "use numeric (with a currency column if amounts are in several)" },
	{ "SA304", "json-not-jsonb", W, PG,
	  "json keeps the text as written: no indexes, no equality, slower to query",
	  "use jsonb" },
	{ "SA305", "char-type", W, PG,
	  "char(n) pads with spaces and compares oddly; it is never faster than text",
	  "use text or varchar (with a CHECK on length if the length is a rule)" },
	{ "SA306", "float-for-money", W, PG | SQ,
	  "a money-like column (price, amount, total, ...) of a floating-point type: amounts do not add up exactly",
	  "use numeric (PostgreSQL) or integer minor units (cents)" },
	{ "SA307", "boolean-as-integer-or-text", I, PG,
	  "a flag stored as an integer or text where the engine has a boolean type",
	  "use boolean" },
	{ "SA308", "enum-like-check", I, PG | SQ,
	  "a text column limited to a short list of values by a CHECK",
	  "use an enum type (PostgreSQL) or a lookup table with a foreign key" },
	{ "SA309", "name-needs-quotes", W, PG | SQ,
	  "a name that must be quoted in every query (upper case, spaces, a keyword)",
	  "rename it to a plain lower-case name" },
	{ "SA310", "name-too-long", W, PG | SQ,
	  "a name at or over PostgreSQL's 63-byte limit (longer names are cut silently)",
	  "use a shorter name" },
	{ "SA311", "mixed-naming-convention", I, PG | SQ,
	  "names in one schema follow different conventions (snake_case, camelCase, ...)",
	  "rename the odd ones to the schema's dominant convention" },
	{ "SA401", "repeating-group", W, PG | SQ,
	  "numbered or lettered columns (phone1, phone2; tag_a, tag_b): a repeating group",
	  "move the values to a child table with one row per value" },
	{ "SA402", "delimited-list-column", W, PG | SQ | SAMPLE,
	  "a text column holding delimited lists (by its name, or seen in sampled rows)",
	  "use a child table (or an array type on PostgreSQL)" },
	{ "SA403", "copied-column", I, PG | SQ,
	  "a column copied from the table a foreign key already references: the copies can drift (3NF)",
	  "read it through the foreign key (a join or a view) and drop the copy" },
	{ "SA404", "wide-table", W, PG | SQ,
	  "a table with more columns than [advise] max_columns",
	  "split it: groups of columns that change together or are often NULL belong in their own tables" },
};

_Static_assert(A_COUNT <= STRATA_ADVISE_MAX_RULES, "raise STRATA_ADVISE_MAX_RULES");

const strata_advise_rule *strata__advise_rule(advise_rule_no rule)
{
	return &rules[rule];
}

size_t strata_advise_rules(const strata_advise_rule **out)
{
	*out = rules;
	return A_COUNT;
}

const strata_advise_rule *strata_advise_rule_find(const char *id_or_name)
{
	for (size_t i = 0; i < A_COUNT; i++)
		if (strcasecmp(rules[i].id, id_or_name) == 0 ||
		    strcasecmp(rules[i].name, id_or_name) == 0)
			return &rules[i];
	return NULL;
}

void strata_advise_settings_init(strata_advise_settings *s)
{
	memset(s, 0, sizeof(*s));
	memset(s->severity, -1, sizeof(s->severity));
	s->max_columns = 50;
	s->seq_scan_min_scans = 1000;
	s->seq_scan_min_rows = 10000;
	s->sequence_used_percent = 50;
	s->unused_index_min_days = 7;
	s->sample_rows = 1000;
}

void strata_advise_settings_release(strata_advise_settings *s)
{
	for (size_t i = 0; i < s->nignore; i++)
		strata_free(s->ignore[i].pattern);
	strata_free(s->ignore);
	for (size_t i = 0; i < s->nlike_columns; i++)
		strata_free(s->like_columns[i]);
	strata_free(s->like_columns);
	s->ignore = NULL;
	s->like_columns = NULL;
	s->nignore = s->nlike_columns = 0;
}

/* STRATA_EPARSE "path:line: [advise] KEY = 'VALUE': why" with a hint,
 * for the entry-th entry of the section. */
static int settings_error(const strata_config *cfg, size_t entry, const char *why, const char *hint)
{
	const char *key = cfg->advise_keys[entry];
	int nth = 0;

	for (size_t i = 0; i < entry; i++)
		nth += strcasecmp(cfg->advise_keys[i], key) == 0;
	return strata__ini_entry_error(cfg->config_path ? cfg->config_path : STRATA_CONFIG_FILE, "advise", key,
			       cfg->advise_values[entry], nth, why, hint);
}

/* The next comma-separated item of *p, trimmed, into a fresh string;
 * NULL at the end (or out of memory: *oom set). */
static char *next_item(const char **p, int *oom)
{
	const char *s = *p, *e;
	char *item;

	while (*s == ' ' || *s == '\t' || *s == ',')
		s++;
	if (!*s)
		return NULL;
	for (e = s; *e && *e != ','; e++)
		;
	*p = e;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (!(item = strata_strndup(s, (size_t)(e - s))))
		*oom = 1;
	return item;
}

static int add_ignore(strata_advise_settings *s, const strata_config *cfg, size_t entry)
{
	const char *p = cfg->advise_values[entry];
	char *item;
	int oom = 0;

	while ((item = next_item(&p, &oom)) != NULL) {
		char *sp = strpbrk(item, " \t"), *pattern = NULL;
		const strata_advise_rule *rule = NULL;
		void *grown = s->ignore;
		size_t cap = s->nignore;

		if (sp) {
			*sp++ = '\0';
			while (*sp == ' ' || *sp == '\t')
				sp++;
			pattern = sp;
		}
		if (strcmp(item, "*") != 0 && !(rule = strata_advise_rule_find(item))) {
			strata_free(item);
			return settings_error(cfg, entry, "unknown rule in an ignore entry",
					      "write 'ignore = RULE [PATTERN], ...' with a rule id or name "
					      "from 'strata help advise' (or * for every rule)");
		}
		if (strata_grow(&grown, &cap, s->nignore + 1, sizeof(*s->ignore)) < 0 ||
		    (pattern && !(pattern = strata_strdup(pattern)))) {
			strata_free(item);
			return strata_error_set(STRATA_ERROR, "out of memory reading [advise]");
		}
		s->ignore = grown;
		s->ignore[s->nignore].rule = rule;
		s->ignore[s->nignore].pattern = pattern;
		s->nignore++;
		strata_free(item);
	}
	return oom ? strata_error_set(STRATA_ERROR, "out of memory reading [advise]") : 0;
}

static int add_like_columns(strata_advise_settings *s, const strata_config *cfg, size_t entry)
{
	const char *p = cfg->advise_values[entry];
	char *item;
	int oom = 0;

	while ((item = next_item(&p, &oom)) != NULL) {
		void *grown = s->like_columns;
		size_t cap = s->nlike_columns;

		if (!strchr(item, '.') || strpbrk(item, " \t")) {
			strata_free(item);
			return settings_error(cfg, entry, "not a column name",
					      "write 'like_columns = table.column, schema.table.column, ...'");
		}
		if (strata_grow(&grown, &cap, s->nlike_columns + 1, sizeof(char *)) < 0) {
			strata_free(item);
			return strata_error_set(STRATA_ERROR, "out of memory reading [advise]");
		}
		s->like_columns = grown;
		s->like_columns[s->nlike_columns++] = item;
	}
	return oom ? strata_error_set(STRATA_ERROR, "out of memory reading [advise]") : 0;
}

int strata_advise_settings_load(strata_advise_settings *s, const strata_config *cfg)
{
	STRATA_ASSERT_ARG(s);
	STRATA_ASSERT_ARG(cfg);

	static const struct {
		const char *key;
		long min, max;
		const char *hint;
	} limits[] = {
		{ "max_columns", 1, 1600, "write e.g. 'max_columns = 50'" },
		{ "seq_scan_min_scans", 1, 2000000000L, "write e.g. 'seq_scan_min_scans = 1000'" },
		{ "seq_scan_min_rows", 0, 2000000000L, "write e.g. 'seq_scan_min_rows = 10000'" },
		{ "sequence_used_percent", 1, 100, "write e.g. 'sequence_used_percent = 50'" },
		{ "unused_index_min_days", 0, 36500, "write e.g. 'unused_index_min_days = 7'" },
		{ "sample_rows", 1, 100000, "write e.g. 'sample_rows = 1000'" },
	};
	int rc;

	for (size_t i = 0; i < cfg->nadvise; i++) {
		const char *key = cfg->advise_keys[i], *value = cfg->advise_values[i];
		const strata_advise_rule *rule;
		size_t k;
		long v;

		for (k = 0; k < sizeof(limits) / sizeof(limits[0]); k++)
			if (strcasecmp(key, limits[k].key) == 0)
				break;
		if (k < sizeof(limits) / sizeof(limits[0])) {
			if (strata__ini_parse_long(&v, value, limits[k].min, limits[k].max) < 0) {
				char why[96];

				snprintf(why, sizeof(why), "not a number from %ld to %ld", limits[k].min,
					 limits[k].max);
				return settings_error(cfg, i, why, limits[k].hint);
			}
			switch (k) {
			case 0: s->max_columns = (int)v; break;
			case 1: s->seq_scan_min_scans = v; break;
			case 2: s->seq_scan_min_rows = v; break;
			case 3: s->sequence_used_percent = (int)v; break;
			case 4: s->unused_index_min_days = (int)v; break;
			default: s->sample_rows = (int)v; break;
			}
		} else if (strcasecmp(key, "ignore") == 0) {
			if ((rc = add_ignore(s, cfg, i)) < 0)
				return rc;
		} else if (strcasecmp(key, "like_columns") == 0) {
			if ((rc = add_like_columns(s, cfg, i)) < 0)
				return rc;
		} else if ((rule = strata_advise_rule_find(key)) != NULL) {
			static const char *const names[] = { "off", "info", "warning", "error" };
			size_t at = (size_t)(rule - rules), lv;

			for (lv = 0; lv < 4 && strcasecmp(value, names[lv]) != 0; lv++)
				;
			if (lv == 4)
				return settings_error(cfg, i, "the severity must be off, info, warning or error",
						      "write e.g. 'SA302 = off' or 'wide-table = error'");
			s->severity[at] = (signed char)lv;
		} else {
			return settings_error(cfg, i, "unknown rule or setting",
					      "use a rule id or name from 'strata help advise' "
					      "(docs/advise.md), ignore, like_columns, max_columns, "
					      "seq_scan_min_scans, seq_scan_min_rows, sequence_used_percent, "
					      "unused_index_min_days or sample_rows");
		}
	}
	return 0;
}
