/*
 * core/migfile.h - internal helpers of core/migfile.c shared with the rest
 * of core (the revision graph names header lines in its messages).
 *
 * Layer: core. Not part of the public API (see strata/migration.h for it).
 */
#ifndef STRATA_CORE_MIGFILE_H
#define STRATA_CORE_MIGFILE_H

#include "strata/migration.h"

/*
 * 1-based line of the header `-- key: ...` in m's file (key compared
 * case-insensitively), or 1 when the header has no such line. Used only
 * on error paths: it rescans the header.
 */
int migfile_header_line(const strata_migration *m, const char *key);

#endif
