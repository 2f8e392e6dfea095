/*
 * strata/session.h - revisions applied and reverted one step at a time
 * on one connection the caller opened.
 */
#ifndef STRATA_SESSION_H
#define STRATA_SESSION_H

#include <stddef.h>
#include "strata/config.h"
#include "strata/db.h"
#include "strata/graph.h"
#include "strata/runner.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A session: revisions applied and reverted one step at a time on one
 * connection the caller opened (and closes, after strata_session_close()),
 * with the run lock held and the bookkeeping read once. Each step is the
 * same transaction, version rows and history row as in strata_upgrade().
 * strata test walks up, down, up per revision this way; it never
 * reconnects or reads the whole state again, so its time is linear.
 */
typedef struct strata_session strata_session;

/**
 * Lock, create the bookkeeping tables when missing, read the state;
 * refuses failed or changed revisions as upgrade does.
 * @param[out] out  end with strata_session_close()
 * @param cfg, g, opts  borrowed until strata_session_close()
 * @param db  a connection to cfg's database from strata_db_open()
 *            (strata/db.h), borrowed until strata_session_close(); the
 *            caller closes it afterwards
 */
int strata_session_open(strata_session **out, const strata_config *cfg, const strata_graph *g,
			strata_db *db, const strata_run_options *opts);
/** Apply (STRATA_UP) or revert revision idx; STRATA_EINVALID when the state does not allow it. */
int strata_session_step(strata_session *s, size_t idx, strata_direction dir);
/** Upgrade to target (see strata/graph.h) on the session's connection. */
int strata_session_upgrade(strata_session *s, const char *target);
/** Per graph index: 1 when applied, as the session sees it. */
const unsigned char *strata_session_applied(const strata_session *s);
/** Unlock and free; the connection stays open. NULL is fine. */
void strata_session_close(strata_session *s);

#ifdef __cplusplus
}
#endif
#endif
