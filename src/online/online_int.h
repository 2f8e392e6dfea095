/*
 * online/online_int.h - what the files of src/online/ share.
 *
 * Layer: online (above db and util, below cli). Nothing here prints.
 *
 *   opfile.c    operation files: parse and check (no database)
 *   model.c     the tables and columns of the target schema, as the
 *               old and the new version see them
 *   plan*.c     operations -> expand statements (run at once) and the
 *               stored plan for backfill, complete and rollback (plan.c
 *               lists its files; plan_int.h is what they share)
 *   sqlf.c      the SQL formatter
 *   state.c     the strata_online schema: one row per migration
 *   backfill.c  batched, keyset backfill with throttling
 *   engine.c    start / complete / rollback / status
 *
 * A plan is a JSON object (stored in the state row, so any machine can
 * finish the work):
 *   { "concurrent": [ {"index": name, "sql": create}, ... ],
 *     "backfill":   [ {"table": t, "key": [cols], "set": "a = (..), b = (..)"}, ... ],
 *     "validate":   [ sql, ... ],        each its own transaction, at complete
 *     "complete":   [ sql, ... ],        one transaction, at complete
 *     "rollback":   [ sql, ... ] }       one transaction, at rollback
 */
#ifndef STRATA_ONLINE_INT_H
#define STRATA_ONLINE_INT_H

#include <jansson.h>
#include "db/db.h"
#include "strata/online.h"
#include "util/buf.h"

struct strata_online_migration {
	char *name;
	char *version_schema; /* from the file, or NULL */
	char *source;         /* file name for messages */
	json_t *root;         /* owned */
	json_t *ops;          /* borrowed: root's "operations" */
};

/*
 * The operation table (opfile.c): one row per operation pgroll's format
 * has, with the keys its object accepts (checked by strata_online_parse)
 * and its planner (plan_ops_*.c, run by strata__plan_expand). Ends with a NULL kind.
 */
struct online_field;
struct planner;
typedef struct online_op {
	const char *kind;
	const struct online_field *fields;
	int (*plan)(struct planner *p, const json_t *body);
} online_op;
extern const online_op strata__online_ops[];
/* The row of kind, or NULL when there is no such operation. */
const online_op *strata__online_op_find(const char *kind);

/* The i-th operation's kind and body (borrowed). */
const char *strata__online_op_kind(const strata_online_migration *m, size_t i, json_t **body);

/* Prefix of the physical columns that stand for a column's new shape. */
#define ONLINE_NEW_PREFIX "_strata_new_"
/* Name of the sync trigger on each table, and schema of its function. */
#define ONLINE_TRIGGER STRATA_ONLINE_TRIGGER
#define ONLINE_SCHEMA STRATA_ONLINE_SCHEMA
/* Session setting the backfill uses so the sync triggers skip its rows. */
#define ONLINE_BACKFILL_GUC "strata.online_backfill"

/* ---- model.c ---------------------------------------------------------- */

typedef struct online_column {
	char *name;      /* as the new version sees it */
	char *phys;      /* the physical column behind it in the new version */
	char *old_phys;  /* behind it in the old version (NULL: added by this migration) */
	char *type;      /* format_type of phys */
	int notnull;
	int dropped;     /* gone in the new version */
	char *up;        /* old -> new expression (added or duplicated columns) */
	char *down;      /* new -> old expression (duplicated or dropped columns) */
} online_column;

typedef struct online_table {
	char *name;      /* as the new version sees it */
	char *phys;      /* the physical table (its name until complete) */
	unsigned oid;
	int created;     /* created by this migration */
	int dropped;     /* gone in the new version */
	int touched;     /* has columns to keep in step */
	online_column *cols;
	size_t ncols, capcols;
	char **key;      /* primary key (or unique not-null) columns, physical */
	size_t nkey;
	int keys_loaded;
} online_table;

typedef struct online_model {
	char *schema;
	online_table *tables;
	size_t ntables, cap;
} online_model;

/* Load every table of schema (relkind r/p). */
int strata__model_load(online_model *m, strata_db *db, const char *schema);
/* Add tables and columns that appeared since (after raw SQL). */
int strata__model_refresh(online_model *m, strata_db *db);
void strata__model_release(online_model *m);
online_table *strata__model_table(online_model *m, const char *name);
online_column *strata__model_column(online_table *t, const char *name);
online_column *strata__model_add_column(online_table *t, const char *name, const char *phys,
				const char *old_phys, const char *type);

/* ---- sqlf.c ----------------------------------------------------------- */

/*
 * Append SQL to b from fmt: %I an identifier (quoted), %Q two arguments
 * schema and name ("schema"."name"), %L a literal (quoted), %s raw text
 * (SQL written by the user: expressions, types), %d an int, %u unsigned,
 * %% a percent sign. Returns 0 or STRATA_ERROR.
 */
int strata__sqlf(strata_buf *b, const char *fmt, ...);

/* ---- plan.c, plan_views.c --------------------------------------------- */

typedef struct online_plan_ctx {
	strata_db *db;
	const strata_online_migration *m;
	online_model model;
	const char *schema;
	const char *version_schema;
	json_t *plan; /* owned */
	void (*log)(void *payload, strata_log_level level, const char *msg);
	void *payload;
} online_plan_ctx;

/* Run the expand statements of every operation (in the caller's
 * transaction), create the version schema's views, and fill ctx->plan.
 * On failure ctx->plan is NULL: no part of a plan is ever kept. */
int strata__plan_expand(online_plan_ctx *ctx);
/* Create schema vs and one view per table of the model (new shape; plan_views.c). */
int strata__plan_create_views(strata_db *db, online_model *model, const char *vs);

/* ---- state.c ---------------------------------------------------------- */

typedef struct online_state {
	long long id;
	char *schema;
	char *name;
	char *version_schema;
	char *previous_schema; /* NULL for the first */
	char *phase;
	json_t *plan;
	json_t *progress;      /* {"table": i, "cursor": [...], "rows": n} or null */
	int backfilled;
	char *started_at;
} online_state;

int strata__state_ensure(strata_db *db);
int strata__state_exists(strata_db *db, int *out);
/* The migration in progress (*out NULL when none). */
int strata__state_active(online_state **out, strata_db *db);
/* The version schema of the latest completed migration on schema (*out NULL if none). */
int strata__state_latest_schema(char **out, strata_db *db, const char *schema);
int strata__state_insert(strata_db *db, const char *schema, const char *name, const char *vs,
		 const char *prev, const char *migration_json, const char *plan_json);
int strata__state_save_progress(strata_db *db, long long id, const char *progress_json, int backfilled);
int strata__state_set_phase(strata_db *db, long long id, const char *phase);
void strata__state_free(online_state *s);
/* The phase and version schema of the latest state row of migration name on
 * schema (*phase NULL: none, or no state table). vs may be NULL. */
int strata__online_phase_read(char **phase, char **vs, strata_db *db, const char *schema,
		      const char *name);

/* ---- views.c ---------------------------------------------------------- */

/* The version schemas of completed migrations, set aside around a change
 * to their tables (see views.c). */
typedef struct online_views online_views;
/* Drop their views (contracting: the migration being completed, whose
 * contract keeps the newest keep - 1 of them and drops the others whole;
 * NULL: a plain step, which leaves a migration in progress alone). *out
 * NULL when there is nothing. */
int strata__online_views_set_aside(online_views **out, strata_db *db, const online_state *contracting,
			   int keep);
/* Make their views again over the tables as they are now. */
int strata__online_views_rebuild(strata_db *db, online_views *w);
void strata__online_views_free(online_views *w);

/* ---- sqlite_rebuild.c ------------------------------------------------- */

/* Whether operation i (dir: its up, or its inverse) needs SQLite's table
 * rebuild (what SQLite's ALTER TABLE cannot do). */
int strata__online_sqlite_needs_rebuild(const strata_online_migration *mig, size_t i, strata_direction dir);
/* Run operation i (or its inverse) on db through the rebuild, in the
 * caller's transaction with foreign keys off; each statement that ran is
 * appended to ran when not NULL. 0, STRATA_EINVALID (the operation does
 * not fit the table), or the database's error. */
int strata__online_sqlite_rebuild(strata_db *db, const char *version_table,
			  const strata_online_migration *mig, size_t i, strata_direction dir,
			  strata_buf *ran);

/* A pgroll constraint ({type, columns, check, references}) as SQLite
 * writes it after its name: "CHECK (...)", "UNIQUE (a, b)", ...
 * STRATA_EINVALID for a type SQLite has not (exclude). */
int strata__online_sqlite_constraint_body(strata_buf *b, const json_t *con);

/* ---- backfill.c ------------------------------------------------------- */

typedef struct online_run {
	strata_db *db;
	const strata_config *cfg;
	const strata_online_options *o;
	online_state *st;
} online_run;

void strata__online_log(const online_run *r, strata_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The statement of one batch of a plan's backfill entry {"table", "key",
 * "set"}, appended to sql: the cursor is bound as $1.. when with_cursor.
 * 0, or STRATA_ERROR with sql failed (never half a statement). */
int strata__backfill_batch_sql(strata_buf *sql, const char *schema, const json_t *entry, int with_cursor,
		       long batch_size);
/* Backfill what st->plan asks, from st->progress on; marks st backfilled. */
int strata__backfill_run(online_run *r);

#endif
