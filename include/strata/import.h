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

typedef struct strata_import_history {
	const char *format;   /* the reader's name, static */
	strata_import_step *steps;
	size_t nsteps;
	strata_import_skip *skipped;
	size_t nskipped;
	char **notes;         /* anything else the report should say */
	size_t nnotes;
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
 * write strata.sum. Refuses (nothing written) when dir already holds
 * revision files whose ids the history uses.
 */
int strata_import_write(const strata_import_history *h, const char *dir);

/** The report (text, or JSON when json is set) into *out (free with strata_free). */
int strata_import_report(char **out, const strata_import_history *h, int json);

void strata_import_history_free(strata_import_history *h);

#ifdef __cplusplus
}
#endif
#endif
