/*
 * util/proc.h - running another program and reading what it prints: the
 * schema providers' runner (schema/provider.h).
 *
 * The program is started with fork and execvp (no shell), in a process
 * group of its own, with stdin from /dev/null and the signals the CLI
 * blocks unblocked again. Its stdout and stderr are read as they come;
 * past the time limit, or when stdout grows past its limit, the whole
 * process group is killed (SIGKILL) and reaped, so nothing it started
 * lives on. Only one program runs at a time per process registered for
 * strata__proc_abort_all (the signal path), which kills it too.
 */
#ifndef STRATA_UTIL_PROC_H
#define STRATA_UTIL_PROC_H

#include <stddef.h>

#include "util/buf.h"

/* How a run ended. */
typedef enum proc_end {
	PROC_EXITED = 1,   /* exited; status holds its exit code */
	PROC_SIGNALED,     /* killed by a signal it did not get from us; status holds it */
	PROC_TIMED_OUT,    /* killed by us at the time limit */
	PROC_TOO_MUCH,     /* killed by us: stdout passed max_out */
	PROC_NOT_STARTED,  /* exec (or chdir) failed; status holds errno */
} proc_end;

typedef struct proc_result {
	proc_end end;
	int status;
	long elapsed_ms;
} proc_result;

/*
 * Run argv[0] (looked up on PATH when it has no slash) with argv, in the
 * folder dir (NULL: the current one). stdout is appended to out, at most
 * max_out bytes; stderr to err, of which the first 64 KiB are kept.
 * timeout_ms <= 0: no limit. Returns 0 with *res filled however the
 * program ended (the caller judges it), or STRATA_ERROR when it could not
 * be started at all (no pipes, no fork), with the error set.
 */
int strata__proc_run(proc_result *res, const char *const *argv, const char *dir, long timeout_ms,
	     size_t max_out, strata_buf *out, strata_buf *err);

/* Kill the process group of the program running now, if any (the
 * signal path; async-signal-safe). */
void strata__proc_abort_all(void);

#endif
