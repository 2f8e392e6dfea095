/*
 * strata/migration.h - one migration file: header, up section, down section.
 *
 * File format (docs/migrations.md):
 *
 *     -- revision: 3f9a1c2b7d10
 *     -- revises: 8e21d0a4c6f2          ("base" for a first revision; a merge lists several)
 *     -- message: add users.org_id
 *     -- transaction: on                ("off" runs statement by statement, outside a transaction)
 *     -- depends-on: 1a2b3c4d5e6f       (optional extra edges)
 *     -- branch: billing                (optional branch label)
 *     -- irreversible: reason           (required when the down section is empty)
 *     -- created: 2026-03-04T05:06:07Z  (optional: when `strata revision` wrote it, UTC)
 *
 *     -- +up
 *     ...SQL...
 *     -- +batch                         (instead of up SQL: batched UPDATE or DELETE statements;
 *                                        several "-- +batch" sections may follow one another)
 *     ...UPDATE t SET ... WHERE id > :last AND id <= :next...
 *     -- +down
 *     ...SQL...
 *
 * Header lines come first (blank lines and other "--" comments may sit
 * among them); the first non-comment line or "-- +up" ends the header.
 * Keys are case-insensitive; an unknown key is an error (typos must not be
 * silently ignored). Every error names the file and the line. An optional
 * key with an empty value (branch, depends-on, created) is as if absent.
 *
 * created: an ISO 8601 UTC time, YYYY-MM-DDTHH:MM:SSZ with an optional
 * fraction of a second; any other form is an error. Files without it are
 * fine: nothing stands in for it (never the file's mtime, which checkouts
 * change).
 *
 * Checksums: "sha256-v1:" + hex SHA-256 of the up text, a NUL, and the
 * down text (and, for a revision with a "-- +batch" section, a NUL,
 * "batch", a NUL and the batch text), after CRLF -> LF normalisation. Header edits (message, branch)
 * do not change the checksum; SQL edits do.
 */
#ifndef STRATA_MIGRATION_H
#define STRATA_MIGRATION_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Ids strata makes are STRATA_REVISION_LEN lowercase hex characters; ids
 * kept from other tools (imported histories) may be up to
 * STRATA_REVISION_MAX characters (the version tables' column width). */
#define STRATA_REVISION_LEN 12
#define STRATA_REVISION_MAX 32
#define STRATA_MIGRATION_MAX_BYTES (8u * 1024u * 1024u)
#define STRATA_CHECKSUM_PREFIX "sha256-v1:"

typedef struct strata_migration {
	char *path;       /* as loaded (directory + filename) */
	const char *filename; /* points into path */
	char revision[STRATA_REVISION_MAX + 1];
	char **revises;   /* parent ids; empty (nrevises 0) for a base revision */
	size_t nrevises;
	char **depends_on;
	size_t ndepends_on;
	char *message;    /* "" when absent */
	char *branch;     /* NULL when absent */
	char *irreversible; /* the reason, or NULL */
	char *created;    /* the created header as written (ISO 8601 UTC), or NULL */
	int transactional; /* 1 = "transaction: on" (default), 0 = off */
	char *text;       /* the whole file, NUL-terminated */
	size_t text_len;
	size_t up_offset, up_len;     /* the up section's SQL within text (after the marker line) */
	size_t down_offset, down_len; /* the down section's SQL; 0/0 when absent */
	int has_down_marker;          /* 1 if a "-- +down" line exists */
	char checksum[80];            /* "sha256-v1:<64 hex>" */
	char *online_file;            /* the 'online' header: its operation file beside it, or NULL */
	char *online_text;            /* an online revision's pgroll-format JSON (the '+online'
	                                 section or the header's file), else NULL; in the checksum */
	size_t online_len;
	int online_line;              /* the section's first line, 0 for a file */
	char *contracts;              /* the 'contracts' header: the online revision whose
	                                 contract runs before this one, or NULL */
	char *incomplete;             /* "path:line: why" when the revision cannot run yet, else NULL */
	const char *incomplete_hint;
	/* Batched data steps ("-- +batch" sections, before "-- +down"): from the
	 * first marker to "-- +down", each UPDATE or DELETE run over key ranges
	 * (docs/migrations.md); 0/0 when none.
	 * Such a revision has no up SQL, and its down may be empty. */
	size_t batch_offset, batch_len;
	int has_batch_marker;
} strata_migration;

/**
 * Parse a migration from memory.
 *
 * @param[out] out  the migration; free with strata_migration_free()
 * @param path      the file's path, used in messages and kept (copied)
 * @param text      the file's contents (copied); need not be NUL-terminated
 * @return 0, or STRATA_EPARSE with "path:line: what is wrong" and a hint
 */
int strata_migration_parse(strata_migration **out, const char *path, const char *text, size_t len);

/** Read and parse a file (at most STRATA_MIGRATION_MAX_BYTES). */
int strata_migration_load(strata_migration **out, const char *path);

void strata_migration_free(strata_migration *m);

/** 1-based line and column in the file of a byte offset into m->text. */
void strata_migration_position(int *line, int *col, const strata_migration *m, size_t offset);

/**
 * A revision is incomplete when its up section is empty, or its down
 * section is empty or missing without an "irreversible" header (merge
 * revisions may be empty), or when its SQL still holds the placeholder
 * "<value>" that `strata revision --template` leaves for the user to
 * replace. Such a file parses, so a fresh `strata revision` never blocks
 * browsing, but it cannot run.
 * @return 0, or STRATA_EPARSE "path:line: the up section is empty" + hint
 */
int strata_migration_check_complete(const strata_migration *m);

/**
 * 1 if the string is a well-formed revision id: 1 to STRATA_REVISION_MAX
 * letters, digits, '.', '_' or '-', starting with a letter or digit, and
 * not "head", "heads" or "base" (nor one of them followed by '-', the
 * relative-target form). `strata revision` makes 12 lowercase hex
 * characters; the wider form keeps ids of imported histories as given
 * (Flyway's 1.2, a timestamp, an Alembic id).
 */
int strata_revision_id_valid(const char *s);

#ifdef __cplusplus
}
#endif
#endif
