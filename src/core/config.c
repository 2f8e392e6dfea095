/*
 * core/config.c - strata.ini, environment and flags into one strata_config.
 *
 * Layer: core. Reads the file with inih; does not connect or print.
 * Precedence is documented in strata/config.h. Durations use
 * parse_duration_ms() ("500ms", "5s", "2min").
 */
#include "strata/config.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define DEFAULT_LOCK_TIMEOUT_MS 5000
#define DEFAULT_LOCK_WAIT_MS 60000
#define DEFAULT_LOCK_RETRIES 5

/* Values read from the file, before flags and environment are applied. */
typedef struct file_values {
	const char *path;
	char *database, *migrations, *schema, *version_table, *shadow_database;
	char *lock_timeout, *statement_timeout, *lock_wait, *lock_retries;
	char *sum;              /* "strict" or "auto" */
	char *test_heads;       /* [test] heads */
	char *keep_versions;    /* [online] keep_versions */
	char **lint_keys, **lint_values; /* [lint] entries, in file order */
	size_t nlint;
	int error_line;
	int out_of_memory;      /* an allocation failed: not the file's fault */
	strata_buf error;
} file_values;

static int set_once(char **slot, const char *value)
{
	strata_free(*slot);
	*slot = strata_strdup(value);
	return *slot != NULL;
}

static int on_ini_entry(void *user, const char *section, const char *name, const char *value)
{
	file_values *fv = user;
	static const struct { const char *key; size_t off; } keys[] = {
		{ "database", offsetof(file_values, database) },
		{ "migrations", offsetof(file_values, migrations) },
		{ "schema", offsetof(file_values, schema) },
		{ "version_table", offsetof(file_values, version_table) },
		{ "shadow_database", offsetof(file_values, shadow_database) },
		{ "lock_timeout", offsetof(file_values, lock_timeout) },
		{ "statement_timeout", offsetof(file_values, statement_timeout) },
		{ "lock_wait", offsetof(file_values, lock_wait) },
		{ "lock_retries", offsetof(file_values, lock_retries) },
		{ "sum", offsetof(file_values, sum) },
	};
	size_t i;

	if (fv->error.len)
		return 0;
	/* [lint] is kept as read and checked by lint (strata_lint_settings_load). */
	if (strcasecmp(section, "lint") == 0) {
		char **k = strata_realloc(fv->lint_keys, (fv->nlint + 1) * sizeof(char *));
		char **v = k ? strata_realloc(fv->lint_values, (fv->nlint + 1) * sizeof(char *)) : NULL;

		if (k)
			fv->lint_keys = k;
		if (v)
			fv->lint_values = v;
		if (!k || !v || !(k[fv->nlint] = strata_strdup(name))) {
			fv->out_of_memory = 1;
			return 0;
		}
		if (!(v[fv->nlint] = strata_strdup(value))) {
			strata_free(k[fv->nlint]);
			fv->out_of_memory = 1;
			return 0;
		}
		fv->nlint++;
		return 1;
	}
	/* [test]: strata test's settings. */
	if (strcasecmp(section, "test") == 0) {
		if (strcasecmp(name, "heads") == 0) {
			if (!set_once(&fv->test_heads, value))
				fv->out_of_memory = 1;
			return !fv->out_of_memory;
		}
		if (buf_printf(&fv->error, "unknown key '%s' in [test] (heads)", name) < 0)
			fv->out_of_memory = 1;
		return 0;
	}
	/* [online]: online migrations' settings. */
	if (strcasecmp(section, "online") == 0) {
		if (strcasecmp(name, "keep_versions") == 0) {
			if (!set_once(&fv->keep_versions, value))
				fv->out_of_memory = 1;
			return !fv->out_of_memory;
		}
		if (buf_printf(&fv->error, "unknown key '%s' in [online] (keep_versions)", name) < 0)
			fv->out_of_memory = 1;
		return 0;
	}
	if (strcasecmp(section, "strata") != 0) {
		if (buf_printf(&fv->error, "unknown section [%s]", section) < 0)
			fv->out_of_memory = 1;
		return 0;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcasecmp(name, keys[i].key) == 0) {
			if (!set_once((char **)((char *)fv + keys[i].off), value)) {
				fv->out_of_memory = 1;
				return 0;
			}
			return 1;
		}
	}
	if (buf_printf(&fv->error, "unknown key '%s' in [strata]", name) < 0)
		fv->out_of_memory = 1;
	return 0;
}

static void free_strings(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		strata_free(v[i]);
	strata_free(v);
}

static void file_values_release(file_values *fv)
{
	strata_free(fv->database);
	strata_free(fv->migrations);
	strata_free(fv->schema);
	strata_free(fv->version_table);
	strata_free(fv->shadow_database);
	strata_free(fv->lock_timeout);
	strata_free(fv->statement_timeout);
	strata_free(fv->lock_wait);
	strata_free(fv->lock_retries);
	strata_free(fv->sum);
	strata_free(fv->test_heads);
	strata_free(fv->keep_versions);
	free_strings(fv->lint_keys, fv->nlint);
	free_strings(fv->lint_values, fv->nlint);
	buf_release(&fv->error);
}

static int read_file(file_values *fv, const char *path)
{
	FILE *f = fopen(path, "r");
	int line;

	if (!f)
		return strata_error_set(STRATA_ERROR, "cannot read '%s': %s", path, strerror(errno));
	line = ini_parse_file(f, on_ini_entry, fv);
	fclose(f);
	if (fv->out_of_memory)
		return strata_error_set(STRATA_ERROR, "out of memory reading '%s'", path);
	if (line == 0)
		return 0;
	if (line < 0)
		return strata_error_set(STRATA_ERROR, "cannot read '%s'", path);
	strata_error_set(STRATA_EPARSE, "%s:%d: %s", path, line,
			 fv->error.len ? buf_cstr(&fv->error) : "malformed line");
	strata_error_hint("lines are 'key = value' under [strata]; see 'strata help config'");
	return STRATA_EPARSE;
}

/* Walk up from dir looking for strata.ini; on success out holds its path. */
static int find_config_upwards(strata_buf *out, const char *dir)
{
	strata_buf cur = STRATA_BUF_INIT;
	int found = 0;

	if (buf_puts(&cur, dir) < 0)
		return STRATA_ERROR;
	for (;;) {
		char *slash;

		if (fs_join(out, buf_cstr(&cur), STRATA_CONFIG_FILE) < 0) {
			found = STRATA_ERROR;
			break;
		}
		if (fs_exists(buf_cstr(out))) {
			found = 1;
			break;
		}
		slash = strrchr(cur.ptr, '/');
		if (!slash || cur.len <= 1)
			break;
		buf_truncate(&cur, slash == cur.ptr ? 1 : (size_t)(slash - cur.ptr));
	}
	buf_release(&cur);
	return found;
}

static char *resolve(const char *root, const char *path)
{
	strata_buf b = STRATA_BUF_INIT;

	if (fs_join(&b, root, path) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static int duration(long *out, const char *flag, const char *file_value, const char *key,
		    const char *path, long dflt)
{
	const char *v = flag ? flag : file_value;

	*out = dflt;
	if (!v || !*v)
		return 0;
	if (parse_duration_ms(out, v) < 0) {
		strata_error_append(" (%s%s%s)", key, flag ? " flag" : " in ", flag ? "" : path);
		return STRATA_EINVALID;
	}
	return 0;
}

/* The history table sits beside the version table, in the same schema. */
static char *history_table_for(const char *version_table)
{
	const char *dot = strrchr(version_table, '.');
	strata_buf b = STRATA_BUF_INIT;

	if (dot && buf_putn(&b, version_table, (size_t)(dot - version_table + 1)) < 0)
		return NULL;
	if (buf_puts(&b, "strata_history") < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static int valid_table_name(const char *name)
{
	int parts = 1;
	const char *p;

	if (!*name || *name == '.' || name[strlen(name) - 1] == '.')
		return 0;
	for (p = name; *p; p++) {
		if (*p == '.')
			parts++;
		else if ((unsigned char)*p < 0x20 || *p == '"')
			return 0;
	}
	return parts <= 2 && !strstr(name, "..");
}

int strata_config_load(strata_config **out, const strata_config_input *in)
{
	file_values fv = { 0 };
	strata_buf path = STRATA_BUF_INIT;
	char cwd_buf[PATH_MAX];
	const char *cwd = in->cwd;
	strata_config *c = NULL;
	int rc = STRATA_ERROR, found;
	long retries;

	*out = NULL;
	if (!cwd) {
		if (!getcwd(cwd_buf, sizeof(cwd_buf)))
			return strata_error_set(STRATA_ERROR, "cannot read the working folder: %s",
						strerror(errno));
		cwd = cwd_buf;
	}
	c = strata_calloc(1, sizeof(*c));
	if (!c)
		goto done;

	if (in->config_file) {
		if (fs_join(&path, cwd, in->config_file) < 0)
			goto done;
		if (!fs_exists(buf_cstr(&path))) {
			rc = strata_error_set(STRATA_ENOTFOUND, "config file '%s' does not exist",
					      in->config_file);
			strata_error_hint("check the -c/--config path, or run 'strata init' to create one");
			goto done;
		}
		found = 1;
	} else if ((found = find_config_upwards(&path, cwd)) < 0) {
		goto done;
	}

	if (found) {
		char *slash;

		if ((rc = read_file(&fv, buf_cstr(&path))) < 0)
			goto done;
		rc = STRATA_ERROR;
		if (!(c->config_path = strata_strdup(buf_cstr(&path))))
			goto done;
		slash = strrchr(path.ptr, '/');
		buf_truncate(&path, slash == NULL ? 0 : slash == path.ptr ? 1 : (size_t)(slash - path.ptr));
		c->root = strata_strdup(path.len ? buf_cstr(&path) : ".");
	} else {
		c->root = strata_strdup(cwd);
	}
	if (!c->root)
		goto done;

	/* Database: flag > STRATA_DATABASE_URL > DATABASE_URL > file > default. */
	if (in->database && *in->database) {
		c->database = strata_strdup(in->database);
		c->database_source = "--database";
	} else if (in->env_strata_database_url && *in->env_strata_database_url) {
		c->database = strata_strdup(in->env_strata_database_url);
		c->database_source = "STRATA_DATABASE_URL";
	} else if (in->env_database_url && *in->env_database_url) {
		c->database = strata_strdup(in->env_database_url);
		c->database_source = "DATABASE_URL";
	} else if (fv.database && *fv.database) {
		c->database = strata_strdup(fv.database);
		c->database_source = STRATA_CONFIG_FILE;
	} else {
		c->database = strata_strdup("sqlite:strata.db");
		c->database_source = "default";
	}
	if (!c->database)
		goto done;

	c->migrations = resolve(c->root, in->migrations ? in->migrations
				: fv.migrations && *fv.migrations ? fv.migrations : "migrations");
	c->schema = resolve(c->root, fv.schema && *fv.schema ? fv.schema : "schema.sql");
	c->version_table = strata_strdup(fv.version_table && *fv.version_table ? fv.version_table
					 : "strata_version");
	if (!c->migrations || !c->schema || !c->version_table)
		goto done;
	if (!valid_table_name(c->version_table)) {
		rc = strata_error_set(STRATA_EPARSE, "%s: version_table '%s' is not a table name",
				      c->config_path ? c->config_path : STRATA_CONFIG_FILE,
				      c->version_table);
		strata_error_hint("use a plain name (strata_version) or schema.name (ops.strata_version)");
		goto done;
	}
	if (!(c->history_table = history_table_for(c->version_table)))
		goto done;
	if (fv.shadow_database && *fv.shadow_database &&
	    !(c->shadow_database = strata_strdup(fv.shadow_database)))
		goto done;

	if ((rc = duration(&c->lock_timeout_ms, in->lock_timeout, fv.lock_timeout, "lock_timeout",
			   c->config_path, DEFAULT_LOCK_TIMEOUT_MS)) < 0 ||
	    (rc = duration(&c->statement_timeout_ms, in->statement_timeout, fv.statement_timeout,
			   "statement_timeout", c->config_path, 0)) < 0 ||
	    (rc = duration(&c->lock_wait_ms, in->lock_wait, fv.lock_wait, "lock_wait",
			   c->config_path, DEFAULT_LOCK_WAIT_MS)) < 0)
		goto done;
	c->lock_retries = DEFAULT_LOCK_RETRIES;
	if (fv.lock_retries && *fv.lock_retries) {
		if ((rc = parse_count(&retries, fv.lock_retries)) < 0 || retries > 100) {
			rc = strata_error_set(STRATA_EPARSE, "%s: lock_retries must be 0 to 100, not '%s'",
					      c->config_path, fv.lock_retries);
			goto done;
		}
		c->lock_retries = (int)retries;
	}
	c->online_keep_versions = 1;
	if (fv.keep_versions && *fv.keep_versions) {
		long keep;

		if ((rc = parse_count(&keep, fv.keep_versions)) < 0 || keep < 1 || keep > 100) {
			rc = strata_error_set(STRATA_EPARSE, "%s: [online] keep_versions must be 1 to 100, "
					      "not '%s'", c->config_path, fv.keep_versions);
			strata_error_hint("how many version schemas of completed online migrations "
					  "stay (the newest first); the default is 1");
			goto done;
		}
		c->online_keep_versions = (int)keep;
	}
	c->sum_mode = STRATA_SUM_STRICT;
	if (fv.sum && *fv.sum) {
		if (strcmp(fv.sum, "auto") == 0) {
			c->sum_mode = STRATA_SUM_AUTO;
		} else if (strcmp(fv.sum, "strict") != 0) {
			rc = strata_error_set(STRATA_EPARSE, "%s: sum must be 'strict' or 'auto', not '%s'",
					      c->config_path, fv.sum);
			strata_error_hint("strict (the default) stops on any difference from strata.sum; "
					  "auto rehashes files whose revision the database has not applied");
			goto done;
		}
	}
	c->test_heads = 1;
	if (fv.test_heads && *fv.test_heads) {
		if ((rc = parse_count(&retries, fv.test_heads)) < 0 || retries < 1 || retries > 1000) {
			rc = strata_error_set(STRATA_EPARSE, "%s: [test] heads must be 1 to 1000, not '%s'",
					      c->config_path, fv.test_heads);
			strata_error_hint("the number of heads the project has on purpose");
			goto done;
		}
		c->test_heads = (int)retries;
	}
	c->lint_keys = fv.lint_keys;
	c->lint_values = fv.lint_values;
	c->nlint = fv.nlint;
	fv.lint_keys = fv.lint_values = NULL;
	fv.nlint = 0;
	*out = c;
	c = NULL;
	rc = 0;
done:
	file_values_release(&fv);
	buf_release(&path);
	strata_config_free(c);
	return rc;
}

void strata_config_free(strata_config *c)
{
	if (!c)
		return;
	strata_free(c->root);
	strata_free(c->config_path);
	strata_free(c->database);
	strata_free(c->migrations);
	strata_free(c->schema);
	strata_free(c->version_table);
	strata_free(c->history_table);
	strata_free(c->shadow_database);
	free_strings(c->lint_keys, c->nlint);
	free_strings(c->lint_values, c->nlint);
	strata_free(c);
}
