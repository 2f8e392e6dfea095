/*
 * strata/error.h - error values of libstrata.
 *
 * Every fallible libstrata function returns an int: 0 on success or a
 * negative strata_errcode. The detail (message, hint, SQLSTATE, where) is
 * kept in one per-thread strata_error, set once at the origin by
 * strata_error_set() and read by the caller with strata_error_last().
 * Callers pass the code up unchanged and add context only by appending.
 * The library never prints and never exits.
 */
#ifndef STRATA_ERROR_H
#define STRATA_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Error codes. The strata command maps each to one exit code (cli_exit_code()
 *  in src/cli/output.c), noted here as "exit N"; the library knows no exit codes. */
typedef enum strata_errcode {
	STRATA_OK = 0,
	STRATA_ERROR = -1,      /**< runtime failure (I/O, out of memory): exit 3 */
	STRATA_ENOTFOUND = -2,  /**< a named thing does not exist: exit 2 */
	STRATA_EAMBIGUOUS = -3, /**< a prefix or target matches several: exit 2 */
	STRATA_ECONFLICT = -4,  /**< the state forbids it (multiple heads, failed revision): exit 3 */
	STRATA_EPARSE = -5,     /**< bad input file (migration, config): exit 2 */
	STRATA_EINVALID = -6,   /**< bad usage or argument: exit 2 */
	STRATA_EDB = -7,        /**< the database reported an error: exit 3 */
	STRATA_ELOCKED = -8,    /**< a lock could not be had in time: exit 3 */
	STRATA_ECHECK = -9,     /**< a check found something (verify, drift): exit 1 */
	STRATA_EIRREVERSIBLE = -10, /**< downgrade across an irreversible revision: exit 3 */
} strata_errcode;

#define STRATA_ERROR_MESSAGE_MAX 2048
#define STRATA_ERROR_HINT_MAX 1024

/** The detail of the last error of this thread. */
typedef struct strata_error {
	int code;                                /**< a strata_errcode */
	char message[STRATA_ERROR_MESSAGE_MAX];  /**< what went wrong, lowercase, no final period */
	char hint[STRATA_ERROR_HINT_MAX];        /**< what to do about it, or "" */
	/** PostgreSQL's SQLSTATE (always five characters), or SQLite's extended
	 *  result code in decimal (below 10000, so never five characters; the
	 *  message names it, e.g. SQLITE_CONSTRAINT_UNIQUE), or "" */
	char sqlstate[8];
	const char *src_file;                    /**< where in libstrata it was set (debugging) */
	int src_line;
} strata_error;

/** Record an error; returns code so callers can write `return strata_error_set(...)`. */
int strata_error_set_at(const char *file, int line, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
#define strata_error_set(code, ...) strata_error_set_at(__FILE__, __LINE__, (code), __VA_ARGS__)

/** Set (replace) the hint of the current error. */
void strata_error_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Append context to the current message (", in file.sql:3"). */
void strata_error_append(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Set the SQLSTATE / engine code of the current error. */
void strata_error_sqlstate(const char *state);

/** The last error of this thread; never NULL (code 0 when none). */
const strata_error *strata_error_last(void);

/** Put back an error saved earlier (after clean-up work that may have set others). */
void strata_error_restore(const strata_error *saved);

/** Forget the last error. */
void strata_error_clear(void);

/** Whether e->sqlstate is a SQLSTATE (PostgreSQL's five characters), not a SQLite code. */
int strata_error_has_sqlstate(const strata_error *e);

#ifdef __cplusplus
}
#endif
#endif
