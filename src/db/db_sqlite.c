/*
 * db/db_sqlite.c - the SQLite driver: strata_db_vtable over the sqlite3 C API.
 *
 * Layer: db. Only this file (and sqlparse.c, for sqlite3_complete) includes
 * sqlite3.h. Files are opened with SQLITE_OPEN_NOFOLLOW: a symlink in place
 * of the database is refused, never followed. A read_only open uses
 * SQLITE_OPEN_READONLY without SQLITE_OPEN_CREATE: a missing file stays
 * missing, and nothing is written (a hot journal it cannot roll back is
 * an error, SQLITE_READONLY_ROLLBACK).
 *
 * Locking model. The run lock is an exclusive flock(2) on a lock file beside
 * the database, "<db>.strata-lock", held from lock() to unlock() (or to
 * the end of the process). Each transaction's BEGIN IMMEDIATE also takes
 * SQLite's write lock, waiting up to the busy timeout, but that lock ends
 * at COMMIT: a `transaction: off` revision commits its "running" row and
 * then runs statement by statement outside any transaction, so only a lock
 * that outlives the transactions keeps a second runner from starting the
 * same revision, or from reading the "running" row as a run that died.
 * Why a file lock and not BEGIN IMMEDIATE on a second lock database: the
 * kernel drops a flock when its holder dies however it dies (kill -9
 * included), so "the lock is free" is exactly "no runner is alive", which
 * is what lock_held() reports; it needs no second SQLite file with its
 * journal and busy handling; and the file can hold the holder's pid, host
 * and start time for the message of a runner that gives up waiting. It is
 * never deleted (deleting a lock file races with its next holder). Like
 * SQLite's own locks it is only as good as the file system's: local disks,
 * not network shares. An in-memory database has one connection and no
 * lock file.
 *
 * Invariants:
 *  1. Parameters are bound by name: "$1" is SQLite's named parameter $1,
 *     so the same SQL text serves both engines. A statement that uses a
 *     parameter the caller did not give is STRATA_EINVALID.
 *  2. Every sqlite3_stmt is finalized in the function that prepared it.
 *  3. Every engine error keeps its extended result code (decimal) in
 *     strata_error.sqlstate and names it in the message
 *     (SQLITE_CONSTRAINT_UNIQUE...): the number is no SQLSTATE, so the
 *     CLI shows only the name (see strata/error.h).
 *  4. db->in_transaction mirrors !sqlite3_get_autocommit() after every
 *     call, so it stays right when SQLite rolls back on its own (full
 *     disk, interrupt) or a script says BEGIN/COMMIT itself.
 *  5. The statement timeout is a progress handler that interrupts a
 *     statement running past its deadline; `timed_out` tells that apart
 *     from any other SQLITE_INTERRUPT.
 */
#include "db/driver.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* How long a writer waits for another until lock() says otherwise. */
#define DEFAULT_BUSY_TIMEOUT_MS 5000
/* VM steps between two looks at the clock for the statement timeout. */
#define PROGRESS_STEPS 1000

typedef struct sqlite_db {
	strata_db base;
	sqlite3 *h;
	char *path;                /* as opened (resolved against project_root) */
	long statement_timeout_ms; /* 0 = none */
	double deadline_ms;        /* strata__now_ms() past which the running statement stops */
	int timed_out;
	int lock_fd;               /* the run lock file while held, else -1 */
} sqlite_db;

/* Back-off between two tries of the run lock. */
#define LOCK_SLEEP_FIRST_MS 10
#define LOCK_SLEEP_MAX_MS 200
#define LOCK_SUFFIX ".strata-lock"

static const strata_db_vtable sqlite_vtable;

/* ---- errors ---------------------------------------------------------- */

static const char *code_name(int code)
{
	static const struct { int code; const char *name; } names[] = {
		{ SQLITE_CONSTRAINT_UNIQUE, "SQLITE_CONSTRAINT_UNIQUE" },
		{ SQLITE_CONSTRAINT_PRIMARYKEY, "SQLITE_CONSTRAINT_PRIMARYKEY" },
		{ SQLITE_CONSTRAINT_NOTNULL, "SQLITE_CONSTRAINT_NOTNULL" },
		{ SQLITE_CONSTRAINT_FOREIGNKEY, "SQLITE_CONSTRAINT_FOREIGNKEY" },
		{ SQLITE_CONSTRAINT_CHECK, "SQLITE_CONSTRAINT_CHECK" },
		{ SQLITE_CONSTRAINT_TRIGGER, "SQLITE_CONSTRAINT_TRIGGER" },
		{ SQLITE_READONLY_DBMOVED, "SQLITE_READONLY_DBMOVED" },
		{ SQLITE_IOERR_WRITE, "SQLITE_IOERR_WRITE" },
		{ SQLITE_IOERR_FSYNC, "SQLITE_IOERR_FSYNC" },
		{ SQLITE_BUSY_SNAPSHOT, "SQLITE_BUSY_SNAPSHOT" },
		{ SQLITE_CANTOPEN_ISDIR, "SQLITE_CANTOPEN_ISDIR" },
#ifdef SQLITE_CANTOPEN_SYMLINK
		{ SQLITE_CANTOPEN_SYMLINK, "SQLITE_CANTOPEN_SYMLINK" },
#endif
		{ SQLITE_ERROR, "SQLITE_ERROR" }, { SQLITE_INTERNAL, "SQLITE_INTERNAL" },
		{ SQLITE_PERM, "SQLITE_PERM" }, { SQLITE_ABORT, "SQLITE_ABORT" },
		{ SQLITE_BUSY, "SQLITE_BUSY" }, { SQLITE_LOCKED, "SQLITE_LOCKED" },
		{ SQLITE_NOMEM, "SQLITE_NOMEM" }, { SQLITE_READONLY, "SQLITE_READONLY" },
		{ SQLITE_INTERRUPT, "SQLITE_INTERRUPT" }, { SQLITE_IOERR, "SQLITE_IOERR" },
		{ SQLITE_CORRUPT, "SQLITE_CORRUPT" }, { SQLITE_NOTFOUND, "SQLITE_NOTFOUND" },
		{ SQLITE_FULL, "SQLITE_FULL" }, { SQLITE_CANTOPEN, "SQLITE_CANTOPEN" },
		{ SQLITE_PROTOCOL, "SQLITE_PROTOCOL" }, { SQLITE_SCHEMA, "SQLITE_SCHEMA" },
		{ SQLITE_TOOBIG, "SQLITE_TOOBIG" }, { SQLITE_CONSTRAINT, "SQLITE_CONSTRAINT" },
		{ SQLITE_MISMATCH, "SQLITE_MISMATCH" }, { SQLITE_MISUSE, "SQLITE_MISUSE" },
		{ SQLITE_RANGE, "SQLITE_RANGE" }, { SQLITE_NOTADB, "SQLITE_NOTADB" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].code == code)
			return names[i].name;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].code == (code & 0xff))
			return names[i].name;
	return "SQLITE_UNKNOWN";
}

/* The extended result code, in decimal, as the error's sqlstate. */
static void set_state(int rc)
{
	char state[16];

	snprintf(state, sizeof(state), "%d", rc);
	strata_error_sqlstate(state);
}

/* Record the engine error rc (an extended result code) for the connection. */
static int fail(sqlite_db *s, int rc)
{
	const char *msg = s->h ? sqlite3_errmsg(s->h) : sqlite3_errstr(rc);
	int code = STRATA_EDB;

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = strata_error_set(STRATA_ELOCKED,
					"the database is locked by another writer (%s, %s)", s->path,
					code_name(rc));
		strata_error_hint("another process is writing to it; wait for it to finish, "
				  "or raise --lock-wait to wait longer");
		break;
	case SQLITE_INTERRUPT:
		if (s->timed_out) {
			strata_error_set(STRATA_EDB, "statement timeout (%ldms) reached",
					 s->statement_timeout_ms);
			strata_error_hint("raise --statement-timeout (0 means no limit) or make the "
					  "statement faster");
			break;
		}
		strata_error_set(STRATA_EDB, "%s (%s)", msg, code_name(rc));
		break;
	case SQLITE_READONLY:
		strata_error_set(STRATA_EDB, "cannot write to %s: %s (%s)", s->path, msg,
				 code_name(rc));
		strata_error_hint("check the permissions of the file and of its folder: SQLite "
				  "writes a journal file beside the database");
		break;
	case SQLITE_FULL:
		strata_error_set(STRATA_EDB, "cannot write to %s: the database or its disk is full (%s)",
				 s->path, code_name(rc));
		strata_error_hint("free space on that disk and run again; the failed statement "
				  "changed nothing");
		break;
	case SQLITE_IOERR:
		/* A write over a file-size limit (EFBIG) lands here, not in SQLITE_FULL. */
		strata_error_set(STRATA_EDB, "cannot write to %s: %s (%s)", s->path, msg,
				 code_name(rc));
		strata_error_hint("check free space, the file-size limit (ulimit -f) and the disk, "
				  "then run again; the failed statement changed nothing");
		break;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		strata_error_set(STRATA_EDB, "%s is not a usable SQLite database: %s (%s)", s->path,
				 msg, code_name(rc));
		strata_error_hint("check that the database setting names the right file");
		break;
	default:
		strata_error_set(STRATA_EDB, "%s (%s)", msg, code_name(rc));
		break;
	}
	set_state(rc);
	return code;
}

/* ---- statement timeout ----------------------------------------------- */

static int progress(void *payload)
{
	sqlite_db *s = payload;

	if (strata__now_ms() < s->deadline_ms)
		return 0;
	s->timed_out = 1;
	return 1;
}

/* Start the clock of the statement timeout for the next statement. */
static void arm_timeout(sqlite_db *s)
{
	s->timed_out = 0;
	s->deadline_ms = strata__now_ms() + (double)s->statement_timeout_ms;
}

static void sync_transaction(sqlite_db *s)
{
	s->base.in_transaction = !sqlite3_get_autocommit(s->h);
}

/* ---- running statements ---------------------------------------------- */

/* Bind $1..$nparams by name; every parameter the statement uses must be given. */
static int bind_params(sqlite_db *s, sqlite3_stmt *st, int nparams, const char *const *params)
{
	int i, count = sqlite3_bind_parameter_count(st);

	for (i = 1; i <= count; i++) {
		const char *name = sqlite3_bind_parameter_name(st, i);
		char *end;
		long k;
		int rc;

		if (!name || name[0] != '$')
			return strata_error_set(STRATA_EINVALID,
						"parameter %d: strata binds only $1, $2, ...", i);
		k = strtol(name + 1, &end, 10);
		if (*end || k < 1 || k > nparams)
			return strata_error_set(STRATA_EINVALID,
						"the statement uses %s but %d parameter(s) were given",
						name, nparams);
		if (params[k - 1])
			rc = sqlite3_bind_text(st, i, params[k - 1], -1, SQLITE_TRANSIENT);
		else
			rc = sqlite3_bind_null(st, i);
		if (rc != SQLITE_OK)
			return fail(s, rc);
	}
	return 0;
}

/* Prepare sql (exactly one statement) and bind its parameters. */
static int prepare(sqlite_db *s, sqlite3_stmt **out, const char *sql, int nparams,
		   const char *const *params)
{
	sqlite3_stmt *st = NULL, *extra = NULL;
	const char *tail = NULL;
	int rc;

	*out = NULL;
	if ((rc = sqlite3_prepare_v2(s->h, sql, -1, &st, &tail)) != SQLITE_OK) {
		rc = fail(s, rc);
		goto done;
	}
	if (!st) {
		rc = strata_error_set(STRATA_EINVALID, "no statement to run");
		goto done;
	}
	if (tail && *tail && (sqlite3_prepare_v2(s->h, tail, -1, &extra, NULL) != SQLITE_OK ||
			      extra)) {
		rc = strata_error_set(STRATA_EINVALID, "more than one statement given to run as one");
		goto done;
	}
	if ((rc = bind_params(s, st, nparams, params)) < 0)
		goto done;
	*out = st;
	st = NULL;
done:
	sqlite3_finalize(extra);
	sqlite3_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Step st to completion, handing rows to cb when given. */
static int run(sqlite_db *s, sqlite3_stmt *st, db_row_cb cb, void *payload)
{
	const char **values = NULL;
	int ncols = sqlite3_column_count(st), rc, i;

	if (cb && ncols > 0 && !(values = strata_calloc((size_t)ncols, sizeof(*values))))
		return STRATA_ERROR;
	arm_timeout(s);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!cb)
			continue;
		for (i = 0; i < ncols; i++)
			values[i] = (const char *)sqlite3_column_text(st, i);
		if ((rc = cb(payload, ncols, values)) != 0)
			goto done;
	}
	rc = rc == SQLITE_DONE ? 0 : fail(s, sqlite3_extended_errcode(s->h));
done:
	strata_free(values);
	sync_transaction(s);
	return rc;
}

static int sq_query(strata_db *db, const char *sql, int nparams, const char *const *params,
		    db_row_cb cb, void *payload)
{
	sqlite_db *s = (sqlite_db *)db;
	sqlite3_stmt *st;
	int rc;

	if ((rc = prepare(s, &st, sql, nparams, params)) < 0)
		return rc;
	rc = run(s, st, cb, payload);
	sqlite3_finalize(st);
	return rc;
}

static int sq_exec(strata_db *db, const char *sql, int nparams, const char *const *params)
{
	return sq_query(db, sql, nparams, params, NULL, NULL);
}

/* Run every statement of sql[0..len) (normally exactly one), rows discarded. */
static int sq_exec_stmt(strata_db *db, const char *sql, size_t len, const char *copy_data,
			size_t copy_len)
{
	sqlite_db *s = (sqlite_db *)db;
	const char *end = sql + len, *tail;
	sqlite3_stmt *st;
	int rc = 0;

	if (copy_data)
		return strata_error_set(STRATA_EINVALID, "COPY data is for PostgreSQL only");
	if (len > INT_MAX)
		return strata_error_set(STRATA_EINVALID, "statement too long (%zu bytes)", len);
	while (rc == 0 && sql < end) {
		st = NULL;
		rc = sqlite3_prepare_v2(s->h, sql, (int)(end - sql), &st, &tail);
		if (rc != SQLITE_OK) {
			rc = fail(s, sqlite3_extended_errcode(s->h));
			sync_transaction(s);
			break;
		}
		if (!st)
			break; /* only blanks and comments left */
		rc = run(s, st, NULL, NULL);
		sqlite3_finalize(st);
		sql = tail;
	}
	return rc;
}

/* ---- transactions and locking ---------------------------------------- */

static int sq_begin(strata_db *db)
{
	/* Takes the write lock now, waiting up to the busy timeout; a writer
	 * still busy after that is reported by fail() as STRATA_ELOCKED. */
	return sq_exec(db, "BEGIN IMMEDIATE", 0, NULL);
}

static int sq_commit(strata_db *db)
{
	return sq_exec(db, "COMMIT", 0, NULL);
}

static int sq_rollback(strata_db *db)
{
	sqlite_db *s = (sqlite_db *)db;

	/* SQLite may have rolled back already (full disk, interrupt). */
	if (sqlite3_get_autocommit(s->h)) {
		db->in_transaction = 0;
		return 0;
	}
	return sq_exec(db, "ROLLBACK", 0, NULL);
}

static int is_memory(const sqlite_db *s)
{
	return strcmp(s->path, ":memory:") == 0 || !*s->path;
}

static int lock_path(strata_buf *out, const sqlite_db *s)
{
	return strata__buf_printf(out, "%s%s", s->path, LOCK_SUFFIX);
}

/* STRATA_ELOCKED naming the holder, as it wrote itself into the lock file. */
static int lock_not_had(sqlite_db *s, int fd, const char *path, long wait_ms)
{
	char who[256];
	ssize_t n = pread(fd, who, sizeof(who) - 1, 0);

	who[n > 0 ? n : 0] = '\0';
	who[strcspn(who, "\n")] = '\0';
	strata_error_set(STRATA_ELOCKED, "cannot get the migration lock on %s within %ldms: it is "
			 "held by %s", s->path, wait_ms, who[0] ? who : "another process");
	strata_error_hint("another strata run is migrating this database; wait for it, raise "
			  "--lock-wait, or end that process if it is stuck (the lock file is %s)",
			  path);
	return STRATA_ELOCKED;
}

static int sq_lock(strata_db *db, const char *key, long wait_ms)
{
	sqlite_db *s = (sqlite_db *)db;
	strata_buf path = STRATA_BUF_INIT;
	double start = strata__now_ms();
	long delay = LOCK_SLEEP_FIRST_MS;
	char line[512], host[256], since[32];
	int fd = -1, rc = STRATA_ERROR;

	(void)key; /* one database file, one lock */
	sqlite3_busy_timeout(s->h, wait_ms > INT_MAX ? INT_MAX : (int)wait_ms);
	if (is_memory(s) || s->lock_fd >= 0)
		return 0;
	if (lock_path(&path, s) < 0)
		goto done;
	fd = open(strata__buf_cstr(&path), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	/* flock needs no write access: a lock file another user created will do. */
	if (fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM))
		fd = open(strata__buf_cstr(&path), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		/* It does not exist and this user may not create it: the folder is
		 * not writable, so neither is the journal SQLite needs there, and
		 * this run cannot write the database. The run goes on to say so,
		 * with SQLite's own error on the first write. */
		rc = 0;
		goto done;
	}
	if (fd < 0) {
		rc = strata_error_set(STRATA_EDB, "cannot open the migration lock file %s: %s",
				      strata__buf_cstr(&path), strerror(errno));
		strata_error_hint("strata keeps it beside the database; check that you may write "
				  "in that folder (SQLite writes its journal there too)");
		goto done;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		double left;

		if (errno != EWOULDBLOCK && errno != EINTR) {
			rc = strata_error_set(STRATA_EDB, "cannot lock %s: %s", strata__buf_cstr(&path),
					      strerror(errno));
			goto done;
		}
		left = (double)wait_ms - (strata__now_ms() - start);
		if (left <= 0) {
			rc = lock_not_had(s, fd, strata__buf_cstr(&path), wait_ms);
			goto done;
		}
		strata__pause_ms(delay < left ? delay : (long)left + 1);
		delay = delay * 2 > LOCK_SLEEP_MAX_MS ? LOCK_SLEEP_MAX_MS : delay * 2;
	}
	/* Who holds it, for the message of a runner that gives up waiting. */
	if (gethostname(host, sizeof(host) - 1) < 0)
		strcpy(host, "unknown");
	host[sizeof(host) - 1] = '\0';
	strata__utc_timestamp(since);
	snprintf(line, sizeof(line), "pid %ld on %s, since %s\n", (long)getpid(), host, since);
	if (ftruncate(fd, 0) < 0 || pwrite(fd, line, strlen(line), 0) < 0) {
		/* only a waiter's message would lack the holder */
	}
	s->lock_fd = fd;
	fd = -1;
	rc = 0;
done:
	if (fd >= 0)
		close(fd);
	strata__buf_release(&path);
	return rc;
}

static int sq_unlock(strata_db *db, const char *key)
{
	sqlite_db *s = (sqlite_db *)db;

	(void)key;
	if (s->lock_fd < 0)
		return 0;
	if (ftruncate(s->lock_fd, 0) < 0) {
		/* the next holder rewrites it anyway */
	}
	close(s->lock_fd); /* releases the flock */
	s->lock_fd = -1;
	return 0;
}

/* Does a live process hold the run lock? Never creates the lock file. */
static int sq_lock_held(strata_db *db, const char *key, int *held)
{
	sqlite_db *s = (sqlite_db *)db;
	strata_buf path = STRATA_BUF_INIT;
	int fd;

	(void)key;
	*held = s->lock_fd >= 0;
	if (*held || is_memory(s))
		return 0;
	if (lock_path(&path, s) < 0)
		return STRATA_ERROR;
	fd = open(strata__buf_cstr(&path), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	strata__buf_release(&path);
	if (fd < 0)
		return 0; /* never locked, or not readable: no one can be shown to hold it */
	if (flock(fd, LOCK_SH | LOCK_NB) < 0)
		*held = errno == EWOULDBLOCK;
	close(fd); /* also drops the shared lock just taken */
	return 0;
}

static int sq_set_timeouts(strata_db *db, long lock_timeout_ms, long statement_timeout_ms)
{
	sqlite_db *s = (sqlite_db *)db;

	s->statement_timeout_ms = statement_timeout_ms;
	if (statement_timeout_ms > 0)
		sqlite3_progress_handler(s->h, PROGRESS_STEPS, progress, s);
	else
		sqlite3_progress_handler(s->h, 0, NULL, NULL);
	return 0;
}

/* ---- session facts --------------------------------------------------- */

static int sq_current_user(strata_db *db, char **out)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	const char *name = NULL;

	if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &found) == 0 && found && found->pw_name)
		name = found->pw_name;
	if (!name || !*name)
		name = getenv("USER");
	if (!name || !*name)
		name = "unknown";
	*out = strata_strdup(name);
	return *out ? 0 : STRATA_ERROR;
}

static int sq_server_version(strata_db *db)
{
	return sqlite3_libversion_number();
}

int strata__db_sqlite_is_keyword(const char *word, size_t n)
{
	return n > 0 && n <= INT_MAX && sqlite3_keyword_check(word, (int)n);
}

/* ---- open and close -------------------------------------------------- */

static void sq_close(strata_db *db)
{
	sqlite_db *s = (sqlite_db *)db;

	if (!s)
		return;
	sqlite3_close_v2(s->h);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	strata_free(s->path);
	strata_free(s->base.display);
	strata_free(s);
}

/* Why a file could not be opened, in words a user can act on. */
static int open_failed(sqlite_db *s, int rc)
{
	struct stat st;

	if (lstat(s->path, &st) == 0 && S_ISLNK(st.st_mode)) {
		strata_error_set(STRATA_EDB, "cannot open SQLite database %s: it is a symbolic link",
				 s->path);
		strata_error_hint("strata does not follow symlinks for SQLite databases; "
				  "give the real path of the file");
	} else if (lstat(s->path, &st) == 0 && S_ISDIR(st.st_mode)) {
		strata_error_set(STRATA_EDB, "cannot open SQLite database %s: it is a directory",
				 s->path);
		strata_error_hint("give the path of a database file, for example sqlite:%s/strata.db",
				  s->path);
	} else {
		strata_error_set(STRATA_EDB, "cannot open SQLite database %s: %s (%s)", s->path,
				 s->h ? sqlite3_errmsg(s->h) : sqlite3_errstr(rc), code_name(rc));
		strata_error_hint("check that its folder exists and that you may write there");
	}
	set_state(rc);
	return STRATA_EDB;
}

static int resolve_path(sqlite_db *s, const char *path, const db_open_options *opts)
{
	strata_buf b = STRATA_BUF_INIT;

	if (strcmp(path, ":memory:") == 0 || path[0] == '/' || !opts->project_root ||
	    !*opts->project_root)
		s->path = strata_strdup(path);
	else if (strata__fs_join(&b, opts->project_root, path) == 0)
		s->path = strata__buf_detach(&b);
	strata__buf_release(&b);
	if (!s->path)
		return STRATA_ERROR;
	if (strata__buf_printf(&b, "sqlite:%s", s->path) < 0)
		return STRATA_ERROR;
	s->base.display = strata__buf_detach(&b);
	return 0;
}

int strata__db_sqlite_open(strata_db **out, const char *path, const db_open_options *opts)
{
	int flags = opts->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	sqlite_db *s;
	int rc;

	*out = NULL;
	if (!(s = strata_calloc(1, sizeof(*s))))
		return STRATA_ERROR;
	s->base.vt = &sqlite_vtable;
	s->lock_fd = -1;
	if ((rc = resolve_path(s, path, opts)) < 0)
		goto done;
#ifdef SQLITE_OPEN_NOFOLLOW
	flags |= SQLITE_OPEN_NOFOLLOW;
#endif
	if ((rc = sqlite3_open_v2(s->path, &s->h, flags, NULL)) != SQLITE_OK) {
		struct stat st;

		/* Read-only opens never create: a missing file is "not found", not a failure. */
		if (opts->read_only && lstat(s->path, &st) < 0 && errno == ENOENT) {
			rc = strata_error_set(STRATA_ENOTFOUND, "SQLite database %s does not exist",
					      s->path);
			strata_error_hint("check the database path (-d, STRATA_DATABASE_URL, "
					  "DATABASE_URL or strata.ini); `strata upgrade` creates a "
					  "new database");
			goto done;
		}
		rc = open_failed(s, rc);
		goto done;
	}
	sqlite3_extended_result_codes(s->h, 1);
	sqlite3_busy_timeout(s->h, DEFAULT_BUSY_TIMEOUT_MS);
	/* Reading the schema now turns "not a database" into an open error. */
	if ((rc = sq_exec(&s->base, "SELECT count(*) FROM sqlite_master", 0, NULL)) < 0)
		goto done;
	*out = &s->base;
	return 0;
done:
	sq_close(&s->base);
	return rc;
}

static const strata_db_vtable sqlite_vtable = {
	STRATA_DB_VTABLE_VERSION,
	"sqlite",
	DB_SQLITE,
	sq_close,
	sq_exec,
	sq_query,
	sq_exec_stmt,
	sq_begin,
	sq_commit,
	sq_rollback,
	sq_lock,
	sq_unlock,
	sq_set_timeouts,
	sq_current_user,
	sq_server_version,
	NULL, /* query_prepared: SQLite compiles a statement in microseconds */
	sq_lock_held,
	NULL, /* scrub: a SQLite path has no password */
};
