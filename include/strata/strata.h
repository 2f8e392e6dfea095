/*
 * strata/strata.h - libstrata, the library under the strata command:
 * schema migrations and schema management for PostgreSQL and SQLite.
 * Including this header gives every public header; docs/library.md
 * lists them and what each is for.
 *
 * Errors (strata/error.h): every fallible call returns an int, 0 or a
 * negative strata_errcode; the detail is the thread's strata_error
 * (strata_error_last()). The library never prints and never exits.
 *
 * Ownership, for every call:
 *  1. What a call gives through an out-parameter (`**out`, `*_out`) is
 *     the caller's. An object is freed with its own type's free function,
 *     named in the call's documentation: strata_graph_free(),
 *     strata_catalog_free(), strata_changes_free(), strata_status_free(),
 *     ... (strata_session_close() for a session, strata_db_close() for a
 *     connection). A plain string or array (char *, char **) is freed
 *     with strata_free() (strata/util.h), never with free().
 *  2. A struct the caller provides and the call fills (strata_plan,
 *     strata_buf, strata_schema_steps) is emptied with its _release().
 *  3. A pointer a call returns (not through an out-parameter) is
 *     borrowed: it stays valid until the object it came from is changed
 *     or freed, and is never freed by the caller.
 *  4. Arguments are borrowed for the call, unless the documentation says
 *     the call keeps them (then until the object that keeps them is
 *     freed) or takes them (strata_graph_build() takes its array).
 *  5. Every free and release function accepts NULL.
 *  6. Options structs start from their _INIT macro, whose version field
 *     lets a later libstrata tell an older caller's struct.
 *
 * Misuse: a pointer a call cannot do without (an out-parameter, the
 * object acted on, cfg, g) given as NULL does not crash: the call returns
 * STRATA_EINVALID with the message "strata_xxx: invalid argument 'name'"
 * (a call that returns no error code returns its "nothing" value: 0,
 * NULL). Which arguments may be NULL is in each call's documentation.
 */
#ifndef STRATA_STRATA_H
#define STRATA_STRATA_H

#include "strata/error.h"
#include "strata/util.h"
#include "strata/buf.h"
#include "strata/config.h"
#include "strata/env.h"
#include "strata/db.h"
#include "strata/migration.h"
#include "strata/graph.h"
#include "strata/sum.h"
#include "strata/project.h"
#include "strata/runner.h"
#include "strata/session.h"
#include "strata/status.h"
#include "strata/planfile.h"
#include "strata/audit.h"
#include "strata/changelog.h"
#include "strata/schema.h"
#include "strata/lint.h"
#include "strata/online.h"
#include "strata/advise.h"
#include "strata/import.h"
#include "strata/fleet.h"

#endif
