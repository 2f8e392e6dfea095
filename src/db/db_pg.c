/*
 * db/db_pg.c - the PostgreSQL driver: strata_db_vtable over libpq.
 *
 * Layer: db. Only this file and libpq_dyn.c use libpq, and only through
 * the table libpq_dyn.h loads on the first connection (pq->PQexec...):
 * strata is not linked with libpq, so SQLite runs never load it.
 * Connection strings are libpq's own (URL or key=value, expanded by
 * PQconnectStartParams).
 *
 * Every statement is sent asynchronously (PQsendQuery*) and its results
 * are collected in one loop (collect) that polls the socket. A statement
 * still running after a moment may be waiting for a lock, so a second,
 * lazily opened "monitor" connection asks pg_blocking_pids() who blocks
 * it, every WATCH_EVERY_MS; when the statement then fails with
 * lock_not_available (55P03, lock_timeout fired), the error names the
 * blocking sessions and how to end them.
 *
 * The run lock is a session advisory lock keyed by a 64-bit FNV-1a hash of
 * the key string; pg_locks shows it as classid = high 32 bits, objid = low
 * 32 bits, objsubid = 1.
 *
 * Invariants:
 *  1. No message or hint stored by this file contains a password: each
 *     goes through pg_error(), which scrubs the conninfo's password,
 *     sslpassword and PGPASSWORD from it (strata__redact_secret). When the conninfo
 *     cannot even be parsed and carries a password, libpq's message is not
 *     shown at all.
 *  2. Notices never reach stderr: a notice processor swallows them.
 *  3. Every PGresult is cleared in the function that got it, and collect()
 *     reads results until PQgetResult() gives NULL, so the connection is
 *     always ready for the next statement afterwards.
 *  4. db->in_transaction mirrors PQtransactionStatus() after every call.
 *  5. The conninfo (which may hold the password) is kept only to open the
 *     monitor connection, and is never shown: db->display is redacted.
 */
#include "db/driver.h"
#include "db/libpq_dyn.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A statement running this long may be waiting for a lock: look. */
#define WATCH_AFTER_MS 200
/* ... and look again this often while it runs. */
#define WATCH_EVERY_MS 500
/* Back-off between two tries of the advisory lock. */
#define LOCK_SLEEP_FIRST_MS 20
#define LOCK_SLEEP_MAX_MS 500
#define COPY_CHUNK (64 * 1024)

#define BLOCKERS_SQL                                                                   \
	"SELECT a.pid, a.usename, a.client_addr, a.application_name, a.state, "      \
	"extract(epoch from now() - coalesce(a.xact_start, a.query_start)), "        \
	"left(a.query, 200) FROM pg_stat_activity a "                                 \
	"WHERE a.pid = ANY (pg_blocking_pids($1)) ORDER BY a.pid"

#define LOCK_HOLDER_SQL                                                                \
	"SELECT l.pid, a.usename, a.client_addr, a.application_name, "               \
	"date_trunc('second', a.backend_start), "                                     \
	"extract(epoch from now() - a.backend_start), a.state "                       \
	"FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "             \
	"WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::oid "       \
	"AND l.objid = $2::oid AND l.objsubid = 1 "                                   \
	"AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) " \
	"ORDER BY l.pid"

typedef struct pg_db {
	strata_db base;
	PGconn *conn;
	PGconn *monitor;          /* opened on first need; NULL after a failure */
	int monitor_failed;       /* do not try to open it again */
	char *conninfo;           /* as given: may hold the password, never shown */
	char *app;                /* fallback_application_name */
	char *secrets[3];         /* conninfo password, PGPASSWORD, sslpassword: scrubbed from messages */
	long connect_timeout_ms;  /* 0 = wait as long as the network does */
	long lock_timeout_ms;     /* as last set by set_timeouts */
	strata_buf blockers;      /* who blocked the running statement, in words */
	int first_blocker;        /* its pid, for the hint; 0 if none known */
	char **prepared;          /* names of the statements prepared in this session */
	size_t nprepared;
} pg_db;

/* What collect() does with the results of one statement. */
typedef struct collect_io {
	db_row_cb cb;
	void *payload;
	const char *copy_data;
	size_t copy_len;
} collect_io;

static const strata_db_vtable pg_vtable;

/* libpq's functions, loaded by strata__db_pg_open() before any other use (db/libpq_dyn.h). */
static const libpq_api *const pq = &strata__libpq_dyn;

/* ---- errors ---------------------------------------------------------- */

static void scrub(const pg_db *p, char *text)
{
	size_t i;

	if (!text)
		return;
	for (i = 0; i < sizeof(p->secrets) / sizeof(p->secrets[0]); i++)
		strata__redact_secret(text, p->secrets[i]);
}

/* Set the thread's error from text that may hold a password (invariant 1). */
static int pg_error(const pg_db *p, int code, const char *sqlstate, const char *hint,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int pg_error(const pg_db *p, int code, const char *sqlstate, const char *hint,
		    const char *fmt, ...)
{
	strata_buf msg = STRATA_BUF_INIT, h = STRATA_BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = strata__buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc < 0 || (hint && strata__buf_puts(&h, hint) < 0)) {
		code = STRATA_ERROR;
		goto done;
	}
	scrub(p, msg.ptr);
	scrub(p, h.ptr);
	strata_error_set(code, "%s", strata__buf_cstr(&msg));
	if (h.len)
		strata_error_hint("%s", h.ptr);
	if (sqlstate)
		strata_error_sqlstate(sqlstate);
done:
	strata__buf_release(&msg);
	strata__buf_release(&h);
	return code;
}

/* libpq's message on one line: lines joined by "; ", blanks around them dropped. */
static void one_line(strata_buf *out, const char *msg)
{
	const char *p = msg ? msg : "";

	while (*p) {
		size_t n = strcspn(p, "\n");
		size_t end = n;

		while (end > 0 && (p[end - 1] == ' ' || p[end - 1] == '\t' || p[end - 1] == '\r'))
			end--;
		if (end > 0 && ((out->len && strata__buf_puts(out, "; ") < 0) || strata__buf_putn(out, p, end) < 0))
			return;
		p += n;
		while (*p == '\n' || *p == ' ' || *p == '\t' || *p == '\r')
			p++;
	}
}

static int connection_lost(const pg_db *p, const char *sqlstate, const char *why)
{
	strata_buf msg = STRATA_BUF_INIT;
	int rc;

	one_line(&msg, why && *why ? why : pq->PQerrorMessage(p->conn));
	rc = pg_error(p, STRATA_EDB, sqlstate && *sqlstate ? sqlstate : "08006",
		      "check that the server is still running and reachable; if this happened "
		      "during a commit, check whether the migration was applied before running again",
		      "the connection to the server was lost: %s",
		      msg.len ? strata__buf_cstr(&msg) : "no reason given");
	strata__buf_release(&msg);
	return rc;
}

/* The error of a failed result (or of the connection, when res is NULL). */
static int result_error(pg_db *p, const PGresult *res)
{
	const char *state = res ? pq->PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? pq->PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? pq->PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint = res ? pq->PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
	strata_buf msg = STRATA_BUF_INIT, h = STRATA_BUF_INIT;
	int rc;

	if (pq->PQstatus(p->conn) == CONNECTION_BAD)
		return connection_lost(p, state, primary);
	if (primary)
		strata__buf_puts(&msg, primary);
	else
		one_line(&msg, res ? pq->PQresultErrorMessage(res) : pq->PQerrorMessage(p->conn));
	if (detail)
		strata__buf_printf(&msg, " (%s)", detail);
	if (hint)
		strata__buf_puts(&h, hint);
	if (state && strcmp(state, "42501") == 0 && !h.len) {
		const char *role = pq->PQuser(p->conn);

		strata__buf_printf(&h, "the role '%s' lacks that privilege: grant it (GRANT ... TO %s, or "
			   "make %s the owner of the object), or run strata as a role that has it",
			   role ? role : "?", role ? role : "ROLE", role ? role : "ROLE");
	}
	if (state && strcmp(state, DB_SQLSTATE_LOCK_NOT_AVAILABLE) == 0 && p->blockers.len) {
		strata__buf_printf(&msg, ": blocked by %s", strata__buf_cstr(&p->blockers));
		strata__buf_clear(&h);
		strata__buf_printf(&h, "retry later, or end that session if it is stuck: "
			   "SELECT pg_terminate_backend(%d)", p->first_blocker);
	}
	rc = pg_error(p, STRATA_EDB, state ? state : "", h.len ? strata__buf_cstr(&h) : NULL, "%s",
		      msg.len ? strata__buf_cstr(&msg) : "the statement failed");
	strata__buf_release(&msg);
	strata__buf_release(&h);
	return rc;
}

/* ---- connecting ------------------------------------------------------ */

static void swallow_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static void connect_hint(strata_buf *out, const char *state, const char *msg, const char *user,
			 int needs_password);

/*
 * libpq's message of a failed connection, made with the error verbosity
 * PQERRORS_VERBOSE: there each server error carries its SQLSTATE after the
 * severity ("FATAL:  28P01: password authentication failed ...", the same
 * in every server language) and a "LOCATION:" line. Puts the message
 * without both, on one line, into out, and the last SQLSTATE the server
 * sent into state: "" when it sent none (refused connection, no password
 * to give: the client's failure).
 */
static void server_error(strata_buf *out, char state[6], const char *raw)
{
	strata_buf clean = STRATA_BUF_INIT;
	const char *p = raw ? raw : "";

	state[0] = '\0';
	while (*p) {
		size_t n = strcspn(p, "\n"), i;
		const char *line = p;

		p += n;
		if (*p == '\n')
			p++;
		if (strncmp(line, "LOCATION:", 9) == 0)
			continue;
		for (i = 0; i < n; i++) {
			size_t k;

			if (i + 10 <= n && strncmp(line + i, ":  ", 3) == 0 &&
			    strncmp(line + i + 8, ": ", 2) == 0) {
				for (k = 3; k < 8 && (isdigit((unsigned char)line[i + k]) ||
						      isupper((unsigned char)line[i + k])); k++)
					;
				if (k == 8) {
					memcpy(state, line + i + 3, 5);
					state[5] = '\0';
					strata__buf_puts(&clean, ":  ");
					i += 9;
					continue;
				}
			}
			strata__buf_putc(&clean, line[i]);
		}
		strata__buf_putc(&clean, '\n');
	}
	one_line(out, strata__buf_cstr(&clean));
	strata__buf_release(&clean);
}

/*
 * The error of a connection that failed (report: else leave the thread's
 * error alone). The SQLSTATE is the server's own when it sent one
 * (28P01 for a wrong password, 3D000 for no such database), else 08001.
 */
static int connect_failed(const pg_db *p, PGconn *conn, int timed_out, int report)
{
	strata_buf msg = STRATA_BUF_INIT, hint = STRATA_BUF_INIT;
	char state[6] = "";
	int rc = STRATA_EDB;

	if (!report)
		goto done;
	if (timed_out)
		strata__buf_printf(&msg, "timeout expired after %ldms", p->connect_timeout_ms);
	else
		server_error(&msg, state, pq->PQerrorMessage(conn));
	connect_hint(&hint, state, strata__buf_cstr(&msg), pq->PQuser(conn),
		     !timed_out && pq->PQconnectionNeedsPassword(conn));
	rc = pg_error(p, STRATA_EDB, *state ? state : "08001", strata__buf_cstr(&hint),
		      "cannot connect to %s: %s", p->base.display,
		      msg.len ? strata__buf_cstr(&msg) : "the connection failed");
done:
	strata__buf_release(&msg);
	strata__buf_release(&hint);
	pq->PQfinish(conn);
	return rc;
}

/*
 * Connect with the stored conninfo: 0 and *out, or a negative code (with
 * the error set only when report is true, so the monitor can fail quietly).
 * Connects asynchronously so that the notice processor is in place before
 * the server can send a notice, and so that the timeout is ours (libpq
 * ignores connect_timeout under PQconnectPoll).
 */
static int connect_with(const pg_db *p, const char *app, int report, PGconn **out)
{
	const char *keys[] = { "dbname", "fallback_application_name", NULL };
	const char *vals[] = { p->conninfo, app, NULL };
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	double deadline = p->connect_timeout_ms > 0 ? strata__now_ms() + (double)p->connect_timeout_ms : 0;
	PGconn *conn = pq->PQconnectStartParams(keys, vals, 1);

	*out = NULL;
	if (!conn)
		return report ? strata_error_set(STRATA_ERROR, "out of memory connecting") : STRATA_ERROR;
	pq->PQsetNoticeProcessor(conn, swallow_notice, NULL);
	/* The server's SQLSTATE of a refused connection is only in the text. */
	pq->PQsetErrorVerbosity(conn, PQERRORS_VERBOSE);
	if (pq->PQstatus(conn) == CONNECTION_BAD)
		return connect_failed(p, conn, 0, report);
	while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
		struct pollfd pfd = { pq->PQsocket(conn), st == PGRES_POLLING_READING ? POLLIN : POLLOUT, 0 };
		double left = deadline > 0 ? deadline - strata__now_ms() : -1;
		int n;

		if (deadline > 0 && left <= 0)
			return connect_failed(p, conn, 1, report);
		n = poll(&pfd, 1, deadline > 0 ? (int)left + 1 : -1);
		if (n < 0 && errno != EINTR)
			return connect_failed(p, conn, 0, report);
		if (n > 0)
			st = pq->PQconnectPoll(conn);
	}
	if (st != PGRES_POLLING_OK || pq->PQstatus(conn) != CONNECTION_OK)
		return connect_failed(p, conn, 0, report);
	pq->PQsetErrorVerbosity(conn, PQERRORS_DEFAULT);
	*out = conn;
	return 0;
}

static void connect_hint(strata_buf *out, const char *state, const char *msg, const char *user,
			 int needs_password)
{
	const char *who = user && *user ? user : "USER";

	if (strcmp(state, "28P01") == 0 || strstr(msg, "password authentication failed"))
		/* The server says the same for a user that does not exist. */
		strata__buf_printf(out, "the server refused the password of user %s: check the user name "
			   "and the password given in the connection URL "
			   "(postgres://%s:PASSWORD@HOST/DB), in PGPASSWORD, or in ~/.pgpass "
			   "(PGPASSFILE)", who, who);
	else if (needs_password || strstr(msg, "no password supplied"))
		strata__buf_printf(out, "the server asks for the password of user %s and none was given: "
			   "put it in ~/.pgpass (PGPASSFILE), in PGPASSWORD, or in the connection "
			   "URL", who);
	else if (strcmp(state, "28000") == 0)
		strata__buf_puts(out, "the server does not accept this user, database or host "
			 "(pg_hba.conf): check the user and database names, or ask its administrator");
	else if (strcmp(state, "3D000") == 0 || strstr(msg, "does not exist"))
		strata__buf_puts(out, "check the database and user names, or create the database first");
	else if (strstr(msg, "Connection refused") || strstr(msg, "could not connect") ||
		 strstr(msg, "No such file"))
		strata__buf_puts(out, "check that the server is running and accepts connections at that "
			 "host and port");
	else if (strstr(msg, "timeout"))
		strata__buf_puts(out, "check that the host is reachable, or raise the connect timeout");
	else
		strata__buf_puts(out, "check the connection string and that the server is reachable");
}

/*
 * Learn the password (to scrub it from messages) and the connect timeout.
 * A conninfo libpq cannot parse is STRATA_EINVALID.
 */
static int read_conninfo(pg_db *p)
{
	char *errmsg = NULL;
	PQconninfoOption *opts = pq->PQconninfoParse(p->conninfo, &errmsg), *o;
	const char *env = getenv("PGPASSWORD"), *timeout = NULL;
	int rc = 0;

	if (env && *env && !(p->secrets[1] = strata_strdup(env)))
		rc = STRATA_ERROR;
	if (!opts) {
		/* The display differs from the conninfo exactly when it masked a
		 * password; libpq's message may quote any part of the string then. */
		int has_password = strcmp(p->base.display, p->conninfo) != 0;
		strata_buf why = STRATA_BUF_INIT;

		if (!has_password)
			one_line(&why, errmsg);
		rc = pg_error(p, STRATA_EINVALID, NULL,
			      "write postgres://USER:PASSWORD@HOST:PORT/DB or key=value pairs "
			      "(host=... dbname=...)",
			      "invalid PostgreSQL connection string %s%s%s", p->base.display,
			      why.len ? ": " : "", strata__buf_cstr(&why));
		strata__buf_release(&why);
		goto done;
	}
	for (o = opts; o->keyword; o++) {
		if (!o->val)
			continue;
		if (strcmp(o->keyword, "password") == 0 && *o->val &&
		    !(p->secrets[0] = strata_strdup(o->val)))
			rc = STRATA_ERROR;
		if (strcmp(o->keyword, "sslpassword") == 0 && *o->val &&
		    !(p->secrets[2] = strata_strdup(o->val)))
			rc = STRATA_ERROR;
		if (strcmp(o->keyword, "connect_timeout") == 0)
			timeout = o->val;
	}
	/* As libpq would: the conninfo's connect_timeout (seconds, at least 2),
	 * else the caller's, else PGCONNECT_TIMEOUT. */
	if (!timeout && p->connect_timeout_ms <= 0)
		timeout = getenv("PGCONNECT_TIMEOUT");
	if (timeout && atol(timeout) > 0)
		p->connect_timeout_ms = (atol(timeout) < 2 ? 2 : atol(timeout)) * 1000;
done:
	if (errmsg)
		pq->PQfreemem(errmsg);
	if (opts)
		pq->PQconninfoFree(opts);
	return rc;
}

static void pg_close(strata_db *db)
{
	pg_db *p = (pg_db *)db;
	size_t i;

	if (!p)
		return;
	if (p->conn)
		pq->PQfinish(p->conn);
	if (p->monitor)
		pq->PQfinish(p->monitor);
	for (i = 0; i < sizeof(p->secrets) / sizeof(p->secrets[0]); i++)
		strata_free(p->secrets[i]);
	for (i = 0; i < p->nprepared; i++)
		strata_free(p->prepared[i]);
	strata_free(p->prepared);
	strata_free(p->conninfo);
	strata_free(p->app);
	strata__buf_release(&p->blockers);
	strata_free(p->base.display);
	strata_free(p);
}

static int pg_exec(strata_db *db, const char *sql, int nparams, const char *const *params);

int strata__db_pg_open(strata_db **out, const char *conninfo, const db_open_options *opts)
{
	strata_buf shown = STRATA_BUF_INIT;
	pg_db *p;
	int rc = 0;

	*out = NULL;
	if ((rc = strata__libpq_dyn_load()) < 0)
		return rc;
	if (!(p = strata_calloc(1, sizeof(*p))))
		return STRATA_ERROR;
	p->base.vt = &pg_vtable;
	p->connect_timeout_ms = opts->connect_timeout_ms;
	if (strata__redact_conninfo(&shown, conninfo) < 0 || !(p->base.display = strata__buf_detach(&shown)) ||
	    !(p->conninfo = strata_strdup(conninfo)) ||
	    !(p->app = strata_strdup(opts->application_name ? opts->application_name : "strata"))) {
		rc = STRATA_ERROR;
		goto done;
	}
	if ((rc = read_conninfo(p)) < 0)
		goto done;
	if ((rc = connect_with(p, p->app, 1, &p->conn)) < 0)
		goto done;
	/* A read-only session: the server refuses any write made through it. */
	if (opts->read_only &&
	    (rc = pg_exec(&p->base, "SET default_transaction_read_only = on", 0, NULL)) < 0)
		goto done;
	*out = &p->base;
done:
	strata__buf_release(&shown);
	if (rc < 0)
		pg_close(&p->base);
	return rc;
}

/* ---- watching for lock waits ----------------------------------------- */

static void put_blocker(strata_buf *b, const PGresult *res, int row)
{
	const char *addr = pq->PQgetisnull(res, row, 2) ? "local socket" : pq->PQgetvalue(res, row, 2);
	double secs = atof(pq->PQgetvalue(res, row, 5));
	const char *q;

	if (b->len)
		strata__buf_puts(b, "; ");
	strata__buf_printf(b, "pid %s (user %s, client %s, application \"%s\", %s, transaction open for "
		   "%.1fs), last query: ", pq->PQgetvalue(res, row, 0), pq->PQgetvalue(res, row, 1), addr,
		   pq->PQgetvalue(res, row, 3), pq->PQgetisnull(res, row, 4) ? "state unknown" :
		   pq->PQgetvalue(res, row, 4), secs);
	for (q = pq->PQgetvalue(res, row, 6); *q; q++)
		strata__buf_putc(b, (*q == '\n' || *q == '\r' || *q == '\t') ? ' ' : *q);
}

/* Ask the monitor connection who blocks the main one; keep a non-empty answer. */
static void watch_blockers(pg_db *p)
{
	char pid[16], *app = NULL;
	const char *params[1] = { pid };
	PGresult *res;
	int i;

	if (!p->monitor && !p->monitor_failed) {
		size_t n = strlen(p->app) + sizeof(" (lock monitor)");

		p->monitor_failed = 1;
		if ((app = strata_malloc(n)) != NULL) {
			snprintf(app, n, "%s (lock monitor)", p->app);
			connect_with(p, app, 0, &p->monitor);
			strata_free(app);
		}
		if (!p->monitor)
			return;
		pq->PQclear(pq->PQexec(p->monitor, "SET statement_timeout = 2000"));
		p->monitor_failed = 0;
	}
	if (!p->monitor)
		return;
	snprintf(pid, sizeof(pid), "%d", pq->PQbackendPID(p->conn));
	res = pq->PQexecParams(p->monitor, BLOCKERS_SQL, 1, NULL, params, NULL, NULL, 0);
	if (pq->PQresultStatus(res) == PGRES_TUPLES_OK && pq->PQntuples(res) > 0) {
		strata__buf_clear(&p->blockers);
		p->first_blocker = atoi(pq->PQgetvalue(res, 0, 0));
		for (i = 0; i < pq->PQntuples(res) && i < 5; i++)
			put_blocker(&p->blockers, res, i);
	}
	pq->PQclear(res);
	if (pq->PQstatus(p->monitor) == CONNECTION_BAD) {
		pq->PQfinish(p->monitor);
		p->monitor = NULL;
		p->monitor_failed = 1;
	}
}

/* How long the running statement may go before the first look. */
static double first_watch_ms(const pg_db *p)
{
	double ms = WATCH_AFTER_MS;

	if (p->lock_timeout_ms > 0 && p->lock_timeout_ms / 3 < ms)
		ms = p->lock_timeout_ms / 3 < 20 ? 20 : (double)(p->lock_timeout_ms / 3);
	return ms;
}

/* ---- running statements ---------------------------------------------- */

/* Wait until a result can be read without blocking, watching for lock waits. */
static int wait_result(pg_db *p, double *next_watch)
{
	int sock = pq->PQsocket(p->conn);

	while (pq->PQisBusy(p->conn)) {
		struct pollfd pfd = { sock, POLLIN, 0 };
		double left = *next_watch - strata__now_ms();
		int n = poll(&pfd, 1, left <= 0 ? 0 : (int)left + 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pg_error(p, STRATA_ERROR, NULL, NULL, "waiting for the server: %s",
					strerror(errno));
		if (n == 0) {
			watch_blockers(p);
			*next_watch = strata__now_ms() + WATCH_EVERY_MS;
			continue;
		}
		if (!pq->PQconsumeInput(p->conn))
			return connection_lost(p, NULL, NULL);
	}
	return 0;
}

static int send_copy_data(pg_db *p, const collect_io *io)
{
	const char *data = io->copy_data;
	size_t left = io->copy_len;

	if (!data) {
		if (pq->PQputCopyEnd(p->conn, "the script gives no data for COPY ... FROM STDIN") != 1)
			return connection_lost(p, NULL, NULL);
		return 0;
	}
	while (left > 0) {
		int chunk = left > COPY_CHUNK ? COPY_CHUNK : (int)left;

		if (pq->PQputCopyData(p->conn, data, chunk) != 1)
			return connection_lost(p, NULL, NULL);
		data += chunk;
		left -= (size_t)chunk;
	}
	if (pq->PQputCopyEnd(p->conn, NULL) != 1)
		return connection_lost(p, NULL, NULL);
	return 0;
}

static void drain_copy_out(pg_db *p)
{
	char *row;

	while (pq->PQgetCopyData(p->conn, &row, 0) > 0)
		pq->PQfreemem(row);
}

static int hand_rows(const PGresult *res, const collect_io *io)
{
	int ncols = pq->PQnfields(res), nrows = pq->PQntuples(res), r, c, rc = 0;
	const char **values;

	if (!io->cb || nrows == 0)
		return 0;
	if (!(values = strata_calloc(ncols > 0 ? (size_t)ncols : 1, sizeof(*values))))
		return STRATA_ERROR;
	for (r = 0; r < nrows && rc == 0; r++) {
		for (c = 0; c < ncols; c++)
			values[c] = pq->PQgetisnull(res, r, c) ? NULL : pq->PQgetvalue(res, r, c);
		rc = io->cb(io->payload, ncols, values);
	}
	strata_free(values);
	return rc;
}

/* Read every result of the statement just sent (invariant 3). */
static int collect(pg_db *p, const collect_io *io)
{
	double next_watch = strata__now_ms() + first_watch_ms(p);
	PGresult *res;
	int rc = 0, step;

	strata__buf_clear(&p->blockers);
	p->first_blocker = 0;
	for (;;) {
		if ((step = wait_result(p, &next_watch)) < 0) {
			rc = rc ? rc : step;
			break;
		}
		if (!(res = pq->PQgetResult(p->conn)))
			break;
		switch (pq->PQresultStatus(res)) {
		case PGRES_COMMAND_OK:
		case PGRES_EMPTY_QUERY:
			break;
		case PGRES_TUPLES_OK:
			if (rc == 0)
				rc = hand_rows(res, io);
			break;
		case PGRES_COPY_IN:
			step = send_copy_data(p, io);
			rc = rc ? rc : step;
			break;
		case PGRES_COPY_OUT:
			drain_copy_out(p);
			break;
		default:
			if (rc == 0)
				rc = result_error(p, res);
			break;
		}
		pq->PQclear(res);
		if (pq->PQstatus(p->conn) == CONNECTION_BAD) {
			rc = rc ? rc : connection_lost(p, NULL, NULL);
			break;
		}
	}
	p->base.in_transaction = pq->PQtransactionStatus(p->conn) == PQTRANS_INTRANS ||
				 pq->PQtransactionStatus(p->conn) == PQTRANS_INERROR;
	return rc;
}

static int send_failed(pg_db *p)
{
	strata_buf msg = STRATA_BUF_INIT;
	int rc;

	if (pq->PQstatus(p->conn) == CONNECTION_BAD)
		return connection_lost(p, NULL, NULL);
	one_line(&msg, pq->PQerrorMessage(p->conn));
	rc = pg_error(p, STRATA_EDB, NULL, NULL, "cannot send the statement: %s", strata__buf_cstr(&msg));
	strata__buf_release(&msg);
	return rc;
}

static int pg_run_query(strata_db *db, const char *sql, int nparams, const char *const *params,
		    db_row_cb cb, void *payload)
{
	pg_db *p = (pg_db *)db;
	collect_io io = { cb, payload, NULL, 0 };

	if (!pq->PQsendQueryParams(p->conn, sql, nparams, NULL, params, NULL, NULL, 0))
		return send_failed(p);
	return collect(p, &io);
}

static int pg_exec(strata_db *db, const char *sql, int nparams, const char *const *params)
{
	return pg_run_query(db, sql, nparams, params, NULL, NULL);
}

/* Index of a prepared statement's name, or -1. */
static long find_prepared(const pg_db *p, const char *name)
{
	for (size_t i = 0; i < p->nprepared; i++)
		if (strcmp(p->prepared[i], name) == 0)
			return (long)i;
	return -1;
}

static int prepare(pg_db *p, const char *name, const char *sql, int nparams)
{
	collect_io none = { NULL, NULL, NULL, 0 };
	char **grown, *copy;
	int rc;

	if (!pq->PQsendPrepare(p->conn, name, sql, nparams, NULL))
		return send_failed(p);
	if ((rc = collect(p, &none)) != 0)
		return rc;
	if (!(copy = strata_strdup(name)) ||
	    !(grown = strata_realloc(p->prepared, (p->nprepared + 1) * sizeof(*grown)))) {
		strata_free(copy);
		return STRATA_ERROR;
	}
	p->prepared = grown;
	p->prepared[p->nprepared++] = copy;
	return 0;
}

static int pg_query_prepared(strata_db *db, const char *name, const char *sql, int nparams,
			     const char *const *params, db_row_cb cb, void *payload)
{
	pg_db *p = (pg_db *)db;
	collect_io io = { cb, payload, NULL, 0 };
	long at = find_prepared(p, name);
	int rc;

	for (int attempt = 0;; attempt++) {
		if (at < 0 && (rc = prepare(p, name, sql, nparams)) != 0)
			return rc;
		if (!pq->PQsendQueryPrepared(p->conn, name, nparams, params, NULL, NULL, 0))
			return send_failed(p);
		rc = collect(p, &io);
		/* 26000: the session dropped it (DEALLOCATE, DISCARD): prepare it again. */
		if (rc == 0 || attempt > 0 || at < 0 ||
		    strcmp(strata_error_last()->sqlstate, "26000") != 0)
			return rc;
		strata_free(p->prepared[at]);
		p->prepared[at] = p->prepared[--p->nprepared];
		at = -1;
	}
}

/* One statement of a script, by the simple protocol (COPY and dollar quotes work). */
static int pg_exec_stmt(strata_db *db, const char *sql, size_t len, const char *copy_data,
			size_t copy_len)
{
	pg_db *p = (pg_db *)db;
	collect_io io = { NULL, NULL, copy_data, copy_len };
	char *text;
	int rc;

	if (memchr(sql, '\0', len))
		return strata_error_set(STRATA_EINVALID, "the statement contains a NUL byte");
	if (!(text = strata_strndup(sql, len)))
		return STRATA_ERROR;
	rc = pq->PQsendQuery(p->conn, text) ? collect(p, &io) : send_failed(p);
	strata_free(text);
	return rc;
}

/* The first column of the first row of a query, malloc'ed ("" if no row). */
static int query_value(pg_db *p, char **out, const char *sql, int nparams,
		       const char *const *params)
{
	PGresult *res = pq->PQexecParams(p->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	int rc = 0;

	*out = NULL;
	if (pq->PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = result_error(p, res);
		goto done;
	}
	*out = strata_strdup(pq->PQntuples(res) > 0 && pq->PQnfields(res) > 0 ?
			     pq->PQgetvalue(res, 0, 0) : "");
	if (!*out)
		rc = STRATA_ERROR;
done:
	pq->PQclear(res);
	p->base.in_transaction = pq->PQtransactionStatus(p->conn) == PQTRANS_INTRANS ||
				 pq->PQtransactionStatus(p->conn) == PQTRANS_INERROR;
	return rc;
}

/* ---- transactions ---------------------------------------------------- */

static int pg_begin(strata_db *db)
{
	return pg_exec(db, "BEGIN", 0, NULL);
}

static int pg_commit(strata_db *db)
{
	pg_db *p = (pg_db *)db;
	PGresult *res;
	int rc = 0;

	if (!pq->PQsendQuery(p->conn, "COMMIT"))
		return send_failed(p);
	/* COMMIT of a failed transaction "succeeds" as ROLLBACK: say so. */
	res = pq->PQgetResult(p->conn);
	if (pq->PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = result_error(p, res);
	else if (strcmp(pq->PQcmdStatus(res), "ROLLBACK") == 0)
		rc = pg_error(p, STRATA_EDB, "25P02", NULL,
			      "the transaction was rolled back, not committed: a statement in it "
			      "had failed");
	pq->PQclear(res);
	while ((res = pq->PQgetResult(p->conn)) != NULL)
		pq->PQclear(res);
	db->in_transaction = pq->PQtransactionStatus(p->conn) == PQTRANS_INTRANS ||
			     pq->PQtransactionStatus(p->conn) == PQTRANS_INERROR;
	return rc;
}

static int pg_rollback(strata_db *db)
{
	return pg_exec(db, "ROLLBACK", 0, NULL);
}

/* ---- the run lock ---------------------------------------------------- */

static uint64_t fnv1a64(const char *s)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(1099511628211);
	}
	return h;
}

static void lock_key_text(char out[24], const char *key)
{
	snprintf(out, 24, "%" PRId64, (int64_t)fnv1a64(key));
}

/* The key as pg_locks shows it: classid (high 32 bits) and objid (low 32 bits). */
static void lock_key_halves(char hi[16], char lo[16], const char *key)
{
	uint64_t h = fnv1a64(key);

	snprintf(hi, 16, "%" PRIu32, (uint32_t)(h >> 32));
	snprintf(lo, 16, "%" PRIu32, (uint32_t)(h & 0xffffffffu));
}

/* STRATA_ELOCKED naming the session that holds the lock (from pg_locks). */
static int lock_held(pg_db *p, const char *key, long wait_ms)
{
	char hi[16], lo[16], waited[64] = "";
	const char *params[2] = { hi, lo };
	strata_buf who = STRATA_BUF_INIT, hint = STRATA_BUF_INIT;
	PGresult *res;
	int rc;

	lock_key_halves(hi, lo, key);
	if (wait_ms > 0)
		snprintf(waited, sizeof(waited), " within %ldms", wait_ms);
	res = pq->PQexecParams(p->conn, LOCK_HOLDER_SQL, 2, NULL, params, NULL, NULL, 0);
	if (pq->PQresultStatus(res) == PGRES_TUPLES_OK && pq->PQntuples(res) > 0) {
		const char *pid = pq->PQgetisnull(res, 0, 0) ? "?" : pq->PQgetvalue(res, 0, 0);

		strata__buf_printf(&who, "pid %s (user %s, client %s, application \"%s\"), connected since "
			   "%s (%.0fs ago), %s", pid, pq->PQgetvalue(res, 0, 1),
			   pq->PQgetisnull(res, 0, 2) ? "local socket" : pq->PQgetvalue(res, 0, 2),
			   pq->PQgetvalue(res, 0, 3), pq->PQgetvalue(res, 0, 4), atof(pq->PQgetvalue(res, 0, 5)),
			   pq->PQgetisnull(res, 0, 6) ? "state unknown" : pq->PQgetvalue(res, 0, 6));
		strata__buf_printf(&hint, "another strata run holds the migration lock; wait for it, raise "
			   "--lock-wait, or end that session if it is stuck: "
			   "SELECT pg_terminate_backend(%s)", pid);
	} else {
		strata__buf_puts(&who, "another session (it may have just let go: run again)");
		strata__buf_puts(&hint, "another strata run holds the migration lock; wait for it, raise "
			 "--lock-wait, or end that session if it is stuck");
	}
	pq->PQclear(res);
	rc = pg_error(p, STRATA_ELOCKED, NULL, strata__buf_cstr(&hint),
		      "cannot get the migration lock \"%s\"%s: it is held by %s", key, waited,
		      strata__buf_cstr(&who));
	strata__buf_release(&who);
	strata__buf_release(&hint);
	return rc;
}

#define POOLER_HINT                                                                    \
	"connect migrations directly to PostgreSQL or through a session-pooled port: a " \
	"transaction pooler hands each transaction to any server session, so a session " \
	"lock protects nothing"

#define LOCK_OWNED_SQL                                                                 \
	"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "      \
	"AND pid = pg_backend_pid() AND classid = $1::oid AND objid = $2::oid AND objsubid = 1"

/*
 * A session advisory lock is only meaningful when every statement runs in
 * the same server session. Behind a transaction pooler (PgBouncer in
 * transaction mode) they do not: two statements in a row that report
 * different backends, or a backend that does not hold the lock just taken,
 * give it away. (An idle pooler may still hand out the same session twice;
 * then nothing can tell.)
 */
static int check_not_pooled(pg_db *p, const char *key)
{
	char *a = NULL, *b = NULL, *owned = NULL, hi[16], lo[16];
	const char *params[2] = { hi, lo };
	int rc;

	lock_key_halves(hi, lo, key);
	if ((rc = query_value(p, &a, "SELECT pg_backend_pid()", 0, NULL)) < 0 ||
	    (rc = query_value(p, &b, "SELECT pg_backend_pid()", 0, NULL)) < 0 ||
	    (rc = query_value(p, &owned, LOCK_OWNED_SQL, 2, params)) < 0)
		goto done;
	if (strcmp(a, b) != 0)
		rc = pg_error(p, STRATA_EINVALID, NULL, POOLER_HINT,
			      "the connection goes through a transaction pooler: two statements in a "
			      "row ran in different server sessions (pid %s, then %s)", a, b);
	else if (strcmp(owned, "0") == 0)
		rc = pg_error(p, STRATA_EINVALID, NULL, POOLER_HINT,
			      "the connection goes through a transaction pooler: the migration lock "
			      "just taken is not held by the session of the next statement (pid %s)", b);
done:
	strata_free(a);
	strata_free(b);
	strata_free(owned);
	return rc;
}

static int pg_lock(strata_db *db, const char *key, long wait_ms)
{
	pg_db *p = (pg_db *)db;
	char keytext[24], *got = NULL;
	const char *params[1] = { keytext };
	double start = strata__now_ms();
	long delay = LOCK_SLEEP_FIRST_MS;
	int rc;

	lock_key_text(keytext, key);
	for (;;) {
		double left;

		rc = query_value(p, &got, "SELECT pg_try_advisory_lock($1::bigint)", 1, params);
		if (rc < 0)
			return rc;
		rc = strcmp(got, "t") == 0;
		strata_free(got);
		if (rc)
			break;
		left = (double)wait_ms - (strata__now_ms() - start);
		if (left <= 0)
			return lock_held(p, key, wait_ms);
		strata__pause_ms(delay < left ? delay : (long)left + 1);
		delay = delay * 2 > LOCK_SLEEP_MAX_MS ? LOCK_SLEEP_MAX_MS : delay * 2;
	}
	return check_not_pooled(p, key);
}

static int pg_unlock(strata_db *db, const char *key)
{
	pg_db *p = (pg_db *)db;
	char keytext[24], *released = NULL;
	const char *params[1] = { keytext };
	int rc;

	lock_key_text(keytext, key);
	rc = query_value(p, &released, "SELECT pg_advisory_unlock($1::bigint)", 1, params);
	if (rc == 0 && strcmp(released, "t") != 0)
		rc = strata_error_set(STRATA_ECONFLICT,
				      "the migration lock \"%s\" was not held by this session", key);
	strata_free(released);
	return rc;
}

#define LOCK_HELD_SQL                                                                  \
	"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "      \
	"AND classid = $1::oid AND objid = $2::oid AND objsubid = 1 "                 \
	"AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"

/* A session advisory lock ends with its session: held means a live runner. */
static int pg_lock_held(strata_db *db, const char *key, int *held)
{
	pg_db *p = (pg_db *)db;
	char hi[16], lo[16], *n = NULL;
	const char *params[2] = { hi, lo };
	int rc;

	lock_key_halves(hi, lo, key);
	*held = 0;
	if ((rc = query_value(p, &n, LOCK_HELD_SQL, 2, params)) == 0)
		*held = strcmp(n, "0") != 0;
	strata_free(n);
	return rc;
}

/* ---- session settings and facts -------------------------------------- */

static int pg_set_timeouts(strata_db *db, long lock_timeout_ms, long statement_timeout_ms)
{
	pg_db *p = (pg_db *)db;
	char lock[32], stmt[32];
	const char *params[2] = { lock, stmt };
	int rc;

	snprintf(lock, sizeof(lock), "%ldms", lock_timeout_ms);
	snprintf(stmt, sizeof(stmt), "%ldms", statement_timeout_ms);
	rc = pg_exec(db, "SELECT set_config('lock_timeout', $1, false), "
		     "set_config('statement_timeout', $2, false)", 2, params);
	if (rc == 0)
		p->lock_timeout_ms = lock_timeout_ms;
	return rc;
}

static int pg_current_user(strata_db *db, char **out)
{
	return query_value((pg_db *)db, out, "SELECT current_user", 0, NULL);
}

static int pg_server_version(strata_db *db)
{
	return pq->PQserverVersion(((pg_db *)db)->conn);
}

static void pg_scrub(const strata_db *db, char *text)
{
	scrub((const pg_db *)db, text);
}

static const strata_db_vtable pg_vtable = {
	STRATA_DB_VTABLE_VERSION,
	"postgres",
	DB_POSTGRES,
	pg_close,
	pg_exec,
	pg_run_query,
	pg_exec_stmt,
	pg_begin,
	pg_commit,
	pg_rollback,
	pg_lock,
	pg_unlock,
	pg_set_timeouts,
	pg_current_user,
	pg_server_version,
	pg_query_prepared,
	pg_lock_held,
	pg_scrub,
};
