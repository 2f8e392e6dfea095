/*
 * strata/import.h - bring another tool's migration history into strata:
 * read it (one reader per source format), write it as strata revision
 * files, and adopt a database that tool has already migrated.
 *
 * Ids: an imported revision keeps the source's own id as its revision id
 * (see strata_revision_id_valid()): Alembic's revision, Flyway's version
 * (V1_2 -> "1.2"), the numeric prefix of golang-migrate, goose, dbmate and
 * pop files as written (zero padding kept), sqitch's change name. So the
 * source tool's bookkeeping names the same revisions strata does, and
 * adoption (strata_import_adopt) maps rows to revisions by id, comparing
 * numeric versions numerically where the source tool does.
 *
 * Ownership: every pointer in a strata_import_history is owned by it and
 * freed by strata_import_history_free().
 */
#ifndef STRATA_IMPORT_H
#define STRATA_IMPORT_H

#include <stddef.h>

#include "strata/config.h"
#include "strata/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One revision of the source history, as a reader produced it. */
typedef struct strata_import_step {
	char *id;             /* the revision id (see above) */
	char **revises;       /* parent ids; none = a base revision */
	size_t nrevises;
	char **depends_on;
	size_t ndepends_on;
	char *branch;         /* branch label, or NULL */
	char *message;        /* one line; "" when the source has none */
	char *created;        /* ISO 8601 UTC ("2026-03-04T05:06:07Z"), or NULL */
	char *up_sql;         /* "" = an explicit no-op step (kept, runs nothing) */
	char *down_sql;       /* NULL = the source has no down for this step */
	char *irreversible;   /* the reason, when down_sql is NULL */
	int transactional;    /* 0 when the source runs the step outside a transaction */
	char *stub;           /* non-NULL: up_sql is a marked stub; this says why */
	char *source;         /* the source file(s) the step came from, for the report */
} strata_import_step;

/* Something in the source not imported as a step, and why. */
typedef struct strata_import_skip {
	char *what;           /* a file or a step */
	char *why;
} strata_import_skip;

/* A release name the source gives a revision (sqitch's @tags), written to strata.tags. */
typedef struct strata_import_tag {
	char *name;
	char *revision;
} strata_import_tag;

typedef struct strata_import_history {
	const char *format;   /* the reader's name, static */
	strata_import_step *steps;
	size_t nsteps;
	strata_import_skip *skipped;
	size_t nskipped;
	char **notes;         /* anything else the report should say */
	size_t nnotes;
	strata_import_tag *tags; /* release tags, in the source's order; none for most formats */
	size_t ntags;
} strata_import_history;

typedef struct strata_import_options {
	const char *dialect;  /* "postgresql" or "sqlite": the engine the project uses */
	int timeout_ms;       /* for readers that run the source tool; 0 = default */
} strata_import_options;

/** The source formats, NULL-terminated: "alembic", "flyway", ... */
extern const char *const strata_import_formats[];

/**
 * Read the history in src (for alembic the folder holding alembic.ini,
 * else the migrations folder) in the given format.
 * @return 0, STRATA_EINVALID (unknown format), STRATA_EPARSE (the source
 *         is malformed: the error names the file and line), STRATA_ERROR
 */
int strata_import_read(strata_import_history **out, const char *format, const char *src,
		       const strata_import_options *opt);

/**
 * Write the history as revision files into dir (created when missing) and
 * write strata.sum, and its tags (if any) to strata.tags. Refuses (nothing
 * written) when dir already holds revision files whose ids the history
 * uses; what was written is removed again when a later file, strata.sum
 * or a tag cannot be written.
 */
int strata_import_write(const strata_import_history *h, const char *dir);

/** The report (text, or JSON when json is set) into *out (free with strata_free). */
int strata_import_report(char **out, const strata_import_history *h, int json);

void strata_import_history_free(strata_import_history *h);

/*
 * Adoption: a database another tool migrated gets the equivalent strata
 * state, without running any SQL. The tool's bookkeeping is read (and
 * left as it is), each row is mapped to a revision of the migrations
 * folder by the id convention above, and then, in one transaction under
 * strata's run lock, the version table is set to the heads of that
 * applied set and the history gets one row per adopted revision
 * (direction "adopt", outcome "adopted", the file's checksum, a note
 * naming the source). `strata upgrade` continues from there.
 *
 * What each format's bookkeeping means:
 *   alembic         alembic_version: the applied heads (ancestors implied)
 *   flyway          flyway_schema_history: success rows in installed_rank
 *                   order; UNDO rows revert their version, a BASELINE row
 *                   stands for every version up to its own; repeatables
 *                   (no version) are left out
 *   golang-migrate  schema_migrations (version, dirty): every revision up
 *                   to version; a dirty row is refused
 *   goose           goose_db_version: per version_id its latest row,
 *                   applied when is_applied (version 0 is goose's own)
 *   dbmate          schema_migrations (version): one row per applied one
 *   sqitch          the registry's changes table: one row per deployed
 *                   change (PostgreSQL: sqitch.changes; SQLite: the
 *                   changes table of the registry file, opt->registry,
 *                   default as sqitch's: "sqitch" plus the database
 *                   file's extension, beside it)
 *   pop             schema_migration (version): one row per applied one
 *
 * Refused with nothing written: the source table missing (STRATA_ENOTFOUND),
 * a row naming a revision the folder lacks (STRATA_ENOTFOUND, naming it), a
 * dirty golang-migrate row, an applied set missing an ancestor of one of
 * its revisions, or strata's version table already holding other rows
 * without opt->force (STRATA_EINVALID).
 */
typedef struct strata_adopt_options {
	const char *table;    /* the source's bookkeeping table; NULL = the tool's default */
	const char *registry; /* sqitch: on SQLite the registry file (NULL = sqitch's default),
	                         on PostgreSQL the registry schema (NULL = sqitch) */
	const char *project;  /* sqitch: only this project's changes; NULL = the only one */
	int force;            /* replace version rows strata already has */
	const char *note;     /* the history rows' note; NULL = "strata adopt FORMAT: ..." */
} strata_adopt_options;
#define STRATA_ADOPT_OPTIONS_INIT { NULL, NULL, NULL, 0, NULL }

typedef struct strata_adopt_result {
	char *source;         /* the table read, as shown ("alembic_version") */
	char **adopted;       /* revision ids recorded as applied, in graph order */
	size_t nadopted;
	char **heads;         /* what the version table now holds */
	size_t nheads;
	int unchanged;        /* the version table already held exactly these heads */
} strata_adopt_result;

/**
 * Adopt cfg->database's state from format's bookkeeping (see above).
 * @param[out] out  free with strata_adopt_result_free()
 * @param g  the migrations folder's graph (borrowed)
 * @return 0, STRATA_EINVALID (unknown format, refused state),
 *         STRATA_ENOTFOUND (no source table, unknown revision), STRATA_EDB
 */
int strata_import_adopt(strata_adopt_result **out, const char *format, const strata_config *cfg,
			const strata_graph *g, const strata_adopt_options *opt);
void strata_adopt_result_free(strata_adopt_result *r);

/** The formats strata_import_adopt() reads, NULL-terminated. */
extern const char *const strata_adopt_formats[];

#ifdef __cplusplus
}
#endif
#endif
