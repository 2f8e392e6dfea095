/*
 * advise/advise.h - what the advisor's rule families share: the rule
 * numbers, the table model built over a catalog, the live statistics and
 * finding emission.
 *
 * Layer: advise (beside lint; above schema, core and db). Rules read only
 * the catalog model (schema/catalog.h) and the statistics below, never a
 * connection. Files:
 *   rules.c          the rule table (ids, names, severities, hints), [advise] settings
 *   model.c          tables with their constraints and parsed indexes
 *   rules_keys.c     SA1xx keys and integrity
 *   rules_index.c    SA2xx indexes
 *   rules_types.c    SA3xx types and naming
 *   rules_normal.c   SA4xx normalization
 *   live.c           statistics of a live PostgreSQL database, sampling
 *   advise.c         loading a source, running the families, the report
 *   render.c         the report through util/findings.h
 *
 * Invariants:
 *  1. enum advise_rule_no and the table in rules.c list the same rules in
 *     the same order (checked by a static assertion there).
 *  2. Families only read the model and call strata__advise_emit(); ignored and
 *     disabled rules are dropped there.
 *  3. Objects are named as users write them: "schema.table[.column]" on
 *     PostgreSQL, "table[.column]" on SQLite, unquoted; DDL in fixes is
 *     quoted for the engine.
 *  4. Live rules run only when stats is set (a live PostgreSQL database);
 *     a family never queries anything itself.
 *
 * New rule: add it to enum advise_rule_no and rules.c (same place), check
 * it in a family, add a trigger and a quiet case to tests/unit/advise/
 * cases.h, and a section to docs/advise.md.
 */
#ifndef STRATA_ADVISE_ADVISE_H
#define STRATA_ADVISE_ADVISE_H

#include "schema/catalog.h"
#include "strata/advise.h"
#include "util/buf.h"
#include "util/map.h"

typedef enum advise_rule_no {
	A_NO_PRIMARY_KEY,        /* SA101 */
	A_INT_KEY_OVERFLOW,      /* SA102 */
	A_SEQUENCE_NEAR_END,     /* SA103 */
	A_FK_TYPE_MISMATCH,      /* SA104 */
	A_NULLABLE_NATURAL_KEY,  /* SA105 */
	A_ISOLATED_TABLE,        /* SA106 */
	A_FK_WITHOUT_INDEX,      /* SA201 */
	A_DUPLICATE_INDEX,       /* SA202 */
	A_REDUNDANT_INDEX,       /* SA203 */
	A_UNUSED_INDEX,          /* SA204 */
	A_INVALID_INDEX,         /* SA205 */
	A_SEQ_SCANS,             /* SA206 */
	A_SOFT_DELETE_INDEX,     /* SA207 */
	A_LIKE_WITHOUT_INDEX,    /* SA208 */
	A_TIMESTAMP_NO_TZ,       /* SA301 */
	A_ARBITRARY_VARCHAR,     /* SA302 */
	A_MONEY_TYPE,            /* SA303 */
	A_JSON_NOT_JSONB,        /* SA304 */
	A_CHAR_TYPE,             /* SA305 */
	A_FLOAT_MONEY,           /* SA306 */
	A_BOOLEAN_AS_OTHER,      /* SA307 */
	A_ENUM_LIKE_CHECK,       /* SA308 */
	A_NAME_NEEDS_QUOTES,     /* SA309 */
	A_NAME_TOO_LONG,         /* SA310 */
	A_MIXED_NAMING,          /* SA311 */
	A_REPEATING_GROUP,       /* SA401 */
	A_DELIMITED_LIST,        /* SA402 */
	A_COPIED_COLUMN,         /* SA403 */
	A_WIDE_TABLE,            /* SA404 */
	A_COUNT
} advise_rule_no;

const strata_advise_rule *strata__advise_rule(advise_rule_no rule);

/* One key element of an index: a plain column (col set, rest the
 * modifiers after it: opclass, COLLATE, DESC, NULLS ...) or an
 * expression (col NULL, text the whole element). */
typedef struct adv_key {
	char *text;
	char *col;
	char *rest;
} adv_key;

/* An index, or the index behind a primary key or unique constraint. */
typedef struct adv_index {
	const sc_object *obj;  /* SC_INDEX or SC_CONSTRAINT */
	const char *name;
	int unique;
	int constraint;        /* backs a primary key or unique constraint */
	int primary;
	char *method;          /* "btree", "gin", ... (SQLite: btree) */
	adv_key *keys;
	size_t nkeys;
	char *include;         /* INCLUDE (...) text, or NULL */
	char *where;           /* the predicate of a partial index, or NULL */
	int nulls_not_distinct;
} adv_index;

typedef struct adv_table {
	const sc_object *t;
	const sc_object **cons; /* its constraints */
	size_t ncons;
	adv_index *idx;         /* its indexes, constraint indexes first */
	size_t nidx;
	const sc_object *pk;    /* the primary key constraint, or NULL */
	int referenced;         /* foreign keys of other tables pointing here */
	int references;         /* its own foreign keys to other tables */
} adv_table;

/* Statistics of a live PostgreSQL database (live.c). */
typedef struct adv_seq_stat {
	char *name;            /* "schema.sequence" */
	char *owner_table;     /* the owning column's table key, or NULL */
	char *owner_col;
	long long last_value;  /* -1: never used (or not readable) */
	long long max_value;
	long long increment;
	char *type;            /* "integer", "bigint", "smallint" */
} adv_seq_stat;

typedef struct adv_index_stat {
	long long scans;
} adv_index_stat;

typedef struct adv_table_stat {
	long long seq_scan, seq_tup_read, live_rows, inserts;
} adv_table_stat;

typedef struct adv_stats {
	double age_seconds;   /* since pg_stat_database.stats_reset or the server's start */
	int age_from_reset;   /* 1: stats_reset; 0: the postmaster's start */
	strata_map seqs;      /* sequence key, and "<table key>\x1f<column>" of its
			       * owning column -> adv_seq_stat* */
	adv_seq_stat **seq_list;
	size_t nseq, seq_cap;
	strata_map indexes;   /* index key -> adv_index_stat* */
	strata_map tables;    /* table key -> adv_table_stat* */
	/* table key -> char*: the sampled values of its text columns, as
	 * "column\x1fvalue" lines (\x1e separated); only with sampling */
	strata_map samples;
	void **owned;         /* everything above, freed together */
	size_t nowned, owned_cap;
	size_t sampled;
} adv_stats;

void strata__adv_stats_release(adv_stats *s);

/* Read the statistics (one query per kind) and, with sample, a bounded
 * sample of each table's text columns. */
struct strata_db;
int strata__adv_stats_read(adv_stats *out, struct strata_db *db, const sc_catalog *cat,
		   const strata_advise_settings *s, int sample);

/* A finding as the report keeps it. */
typedef struct adv_finding {
	strata_advise_finding pub;
	char *object, *message, *fix;
} adv_finding;

struct strata_advise_report {
	adv_finding *v;
	size_t n, cap;
	size_t ignored;
	size_t tables;
	int live;
	double stats_age;
	size_t sampled;
};

/* The rules' view of one run. */
typedef struct advise_ctx {
	strata_advise_report *r;
	const sc_catalog *cat;
	const strata_advise_settings *s;
	const adv_stats *stats; /* NULL: no live database */
	int pg;                 /* the catalog is PostgreSQL's */
	adv_table *tables;
	size_t ntables;
	strata_map by_key;      /* table key -> adv_table* */
	int failed;             /* out of memory while emitting */
} advise_ctx;

/* Build the table model over cat (model.c); release it with strata__advise_model_release. */
int strata__advise_model_build(advise_ctx *c);
void strata__advise_model_release(advise_ctx *c);
adv_table *strata__advise_table(const advise_ctx *c, const char *key);
const sc_column *strata__advise_column(const sc_object *t, const char *name);
/* Parse an index definition (CREATE [UNIQUE] INDEX ... ON t [USING m] (keys)
 * [INCLUDE (...)] [NULLS NOT DISTINCT] [WHERE pred]) into x (fields owned
 * by x; release with strata__adv_index_release). 0, or -1 when it cannot be read. */
int strata__adv_index_parse(adv_index *x, const char *def);
void strata__adv_index_release(adv_index *x);

/* SQLite's type affinity of a declared type: 'I', 'T', 'B', 'R', 'N'. */
char strata__advise_affinity(const char *type);
/* A text type (PostgreSQL: text, varchar, char; SQLite: TEXT affinity). */
int strata__advise_is_text(const advise_ctx *c, const char *type);
/* A floating-point type (real, double precision; SQLite: REAL affinity). */
int strata__advise_is_float(const advise_ctx *c, const char *type);
/* Whether one of the words (NULL-ended, lower case) is a word of name
 * (words split at '_', spaces and lower-to-upper changes). */
int strata__advise_name_words(const char *name, const char *const *words);
/* Whether col belongs to a primary key, unique key or foreign key of t. */
int strata__advise_in_key(const adv_table *t, const char *col);

/* The object name of a table or of one of its columns (invariant 3), in b. */
int strata__advise_name(strata_buf *b, const sc_object *t, const char *column);
/* The table quoted and qualified for the engine's SQL, appended to b. */
int strata__advise_put_table_sql(strata_buf *b, const advise_ctx *c, const sc_object *t);
int strata__advise_put_ident_sql(strata_buf *b, const advise_ctx *c, const char *name);
/* "ALTER TABLE t ALTER COLUMN col <action>" into b (cleared first). */
void strata__advise_alter_column_sql(strata_buf *b, const advise_ctx *c, const sc_object *t,
			     const char *col, const char *action);

/* Add a finding of rule on object (borrowed) with fix (DDL or NULL). */
void strata__advise_emit(advise_ctx *c, advise_rule_no rule, const char *object, const char *fix,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The same at severity sev instead of the rule's default (what live
 * figures say), unless [advise] sets the rule's severity. */
void strata__advise_emit_at(advise_ctx *c, advise_rule_no rule, strata_advise_severity sev,
		    const char *object, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Run every family over an introspected catalog (advise.c). */
int strata__advise_catalog(strata_advise_report *r, const sc_catalog *cat, const adv_stats *stats,
		   const strata_advise_settings *s);
int strata__advise_report_new(strata_advise_report **out);

void strata__advise_rules_keys(advise_ctx *c);
void strata__advise_rules_index(advise_ctx *c);
void strata__advise_rules_types(advise_ctx *c);
void strata__advise_rules_normal(advise_ctx *c);

#endif
