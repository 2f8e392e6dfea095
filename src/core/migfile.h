/*
 * core/migfile.h - internal helpers of core/migfile.c shared with the rest
 * of core (the revision graph names header lines in its messages).
 *
 * Layer: core. Not part of the public API (see strata/migration.h for it).
 */
#ifndef STRATA_CORE_MIGFILE_H
#define STRATA_CORE_MIGFILE_H

#include "strata/migration.h"
#include "util/fs.h"

/*
 * 1-based line of the header `-- key: ...` in m's file (key compared
 * case-insensitively), or 1 when the header has no such line. Used only
 * on error paths: it rescans the header.
 */
int strata__migfile_header_line(const strata_migration *m, const char *key);

/*
 * strata_migration_load() of the file name in an open directory (opened
 * relative to it, never through a symlink); path is what m->path and the
 * messages say.
 */
int strata__migfile_load_at(strata_migration **out, const fs_dir *dir, const char *name,
		    const char *path);

#endif
