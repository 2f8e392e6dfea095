/*
 * strata/status.h - what a database's bookkeeping says, set against the
 * migrations directory (read-only).
 */
#ifndef STRATA_STATUS_H
#define STRATA_STATUS_H

#include <stddef.h>
#include "strata/config.h"
#include "strata/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the database says, set against the migrations directory. */
typedef struct strata_status {
	int tables_exist;
	char **versions;          /* version-table rows */
	size_t nversions;
	unsigned char *applied;   /* per graph index */
	size_t *changed;          /* applied revisions whose file's checksum differs from the recorded one */
	size_t nchanged;
	char **changed_recorded;  /* the recorded checksum of each changed revision */
	long failed;              /* graph index of a failed / interrupted non-transactional revision, or -1 */
	char *failed_error;
	char *failed_statement;
	char *failed_at;
	long failed_statements_run;
	int failed_in_progress;   /* failed is a "running" row whose run still holds the run lock:
	                             being applied right now, not interrupted */
	unsigned char *expanded;  /* per graph index: an applied online revision whose latest
	                             history row is "expanding" or "expanded" (not contracted) */
} strata_status;

/* strata_status_read() flags. */
enum strata_status_flags {
	/* A SQLite file that does not exist is a database with nothing applied
	 * (what `strata upgrade` would create), not an error. */
	STRATA_STATUS_MISSING_OK = 1 << 0,
};

/**
 * Read the database's state, read-only: creates and writes nothing.
 * @param[out] out  free with strata_status_free()
 * @param flags  0 or STRATA_STATUS_MISSING_OK
 * @return 0; STRATA_ENOTFOUND for a SQLite file that does not exist (the
 *         message names its path; unless STRATA_STATUS_MISSING_OK) or for
 *         version rows naming revisions the graph does not know
 */
int strata_status_read(strata_status **out, const strata_config *cfg, const strata_graph *g,
		       unsigned flags);
void strata_status_free(strata_status *s);

#ifdef __cplusplus
}
#endif
#endif
