/*
 * util/assert.h - STRATA_ASSERT_ARG: misuse of the public API caught at
 * its entry points (as libgit2's GIT_ASSERT_ARG).
 *
 * Layer: util, internal (not part of the public API). Includes only
 * strata/error.h.
 *
 * A public function (include/strata/) that takes a pointer it cannot do
 * without starts with STRATA_ASSERT_ARG(name) for it. A NULL (or, for an
 * expression such as `text || !len`, false) argument neither crashes nor
 * aborts: the call sets the error message "strata_xxx: invalid argument
 * 'name'" and returns STRATA_EINVALID (the _WITH_RETVAL form returns the
 * value given, for functions that return something else). The rule is
 * stated for callers in strata/strata.h.
 *
 * Internal functions do not use it: their callers are checked code.
 */
#ifndef STRATA_UTIL_ASSERT_H
#define STRATA_UTIL_ASSERT_H

#include "strata/error.h"

#define STRATA_ASSERT_ARG_WITH_RETVAL(expr, retval)                                         \
	do {                                                                                 \
		if (!(expr)) {                                                               \
			strata_error_set(STRATA_EINVALID, "%s: invalid argument '%s'", __func__, \
					 #expr);                                             \
			return (retval);                                                     \
		}                                                                            \
	} while (0)

#define STRATA_ASSERT_ARG(expr) STRATA_ASSERT_ARG_WITH_RETVAL(expr, STRATA_EINVALID)

#endif
