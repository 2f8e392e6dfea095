/*
 * core/config.c - strata.ini, environment and flags into one strata_config.
 *
 * Layer: core. Reads the file with inih; does not connect or print.
 * Precedence is documented in strata/config.h. Durations use
 * strata__parse_duration_ms() ("500ms", "5s", "2min").
 */
#include "strata/config.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/batchsize.h"
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
#define DEFAULT_PROVIDER_TIMEOUT_MS 60000

/* Values read from the file, before flags and environment are applied. */
typedef struct file_values {
	const char *path;
	char *database, *migrations, *schema, *version_table, *shadow_database;
	char *lock_timeout, *statement_timeout, *lock_wait, *lock_retries;
	char *sum;              /* "strict" or "auto" */
	char *provider_timeout;
	char *test_heads;       /* [test] heads */
	char *batch_target;     /* [online] batch_target */
	char *keep_versions;    /* [online] keep_versions */
	char **lint_keys, **lint_values; /* [lint] entries, in file order */
	size_t nlint;
	char **advise_keys, **advise_values; /* [advise] entries, in file order */
	size_t nadvise;
	char **env_names, **env_keys, **env_values; /* [env.NAME] entries, in file order */
	size_t nenv;
	char **fleet_names, **fleet_keys, **fleet_values; /* [fleet.NAME] entries */
	size_t nfleet;
	char *env_database;     /* the selected environment's database */
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
	{ "provider_timeout", offsetof(file_values, provider_timeout) },
};

static int on_env_entry(file_values *fv, const char *section, const char *name,
			const char *value);
static int on_fleet_entry(file_values *fv, const char *fleet, const char *name,
			  const char *value);

/* Append name = value to a section kept as read; 1, or 0 on out of memory. */
static int keep_entry(file_values *fv, char ***names, char ***values, size_t *n, const char *name,
		      const char *value)
{
	char **k = strata_realloc(*names, (*n + 1) * sizeof(char *));
	char **v = k ? strata_realloc(*values, (*n + 1) * sizeof(char *)) : NULL;

	if (k)
		*names = k;
	if (v)
		*values = v;
	if (!k || !v || !(k[*n] = strata_strdup(name))) {
		fv->out_of_memory = 1;
		return 0;
	}
	if (!(v[*n] = strata_strdup(value))) {
		strata_free(k[*n]);
		fv->out_of_memory = 1;
		return 0;
	}
	(*n)++;
	return 1;
}

static int on_ini_entry(void *user, const char *section, const char *name, const char *value)
{
	file_values *fv = user;
	size_t i;

	if (fv->error.len)
		return 0;
	/* [env.NAME]: kept as read, applied when NAME is selected (see env_apply). */
	if (strncasecmp(section, "env.", 4) == 0)
		return on_env_entry(fv, section + 4, name, value);
	/* [fleet.NAME]: kept as read for strata/fleet.h. */
	if (strncasecmp(section, "fleet.", 6) == 0)
		return on_fleet_entry(fv, section + 6, name, value);
	/* [lint] is kept as read and checked by lint (strata_lint_settings_load),
	 * [advise] by advise (strata_advise_settings_load). */
	if (strcasecmp(section, "lint") == 0)
		return keep_entry(fv, &fv->lint_keys, &fv->lint_values, &fv->nlint, name, value);
	if (strcasecmp(section, "advise") == 0)
		return keep_entry(fv, &fv->advise_keys, &fv->advise_values, &fv->nadvise, name, value);
	/* [test]: strata test's settings. */
	if (strcasecmp(section, "test") == 0) {
		if (strcasecmp(name, "heads") == 0) {
			if (!set_once(&fv->test_heads, value))
				fv->out_of_memory = 1;
			return !fv->out_of_memory;
		}
		if (strata__buf_printf(&fv->error, "unknown key '%s' in [test] (heads)", name) < 0)
			fv->out_of_memory = 1;
		return 0;
	}
	/* [online]: online migrations' and batched steps' settings. */
	if (strcasecmp(section, "online") == 0) {
		if (strcasecmp(name, "batch_target") == 0) {
			if (!set_once(&fv->batch_target, value))
				fv->out_of_memory = 1;
			return !fv->out_of_memory;
		}
		if (strcasecmp(name, "keep_versions") == 0) {
			if (!set_once(&fv->keep_versions, value))
				fv->out_of_memory = 1;
			return !fv->out_of_memory;
		}
		if (strata__buf_printf(&fv->error, "unknown key '%s' in [online] (batch_target, keep_versions)", name) < 0)
			fv->out_of_memory = 1;
		return 0;
	}
	if (strcasecmp(section, "strata") != 0) {
		if (strata__buf_printf(&fv->error, "unknown section [%s]", section) < 0)
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
	if (strata__buf_printf(&fv->error, "unknown key '%s' in [strata]", name) < 0)
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
	strata_free(fv->provider_timeout);
	strata_free(fv->test_heads);
	strata_free(fv->batch_target);
	strata_free(fv->keep_versions);
	free_strings(fv->lint_keys, fv->nlint);
	free_strings(fv->lint_values, fv->nlint);
	free_strings(fv->advise_keys, fv->nadvise);
	free_strings(fv->advise_values, fv->nadvise);
	free_strings(fv->env_names, fv->nenv);
	free_strings(fv->env_keys, fv->nenv);
	free_strings(fv->env_values, fv->nenv);
	free_strings(fv->fleet_names, fv->nfleet);
	free_strings(fv->fleet_keys, fv->nfleet);
	free_strings(fv->fleet_values, fv->nfleet);
	strata_free(fv->env_database);
	strata__buf_release(&fv->error);
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
			 fv->error.len ? strata__buf_cstr(&fv->error) : "malformed line");
	strata_error_hint("lines are 'key = value' under [strata]; see 'strata help config'");
	return STRATA_EPARSE;
}

/* Walk up from dir looking for strata.ini; on success out holds its path. */
static int find_config_upwards(strata_buf *out, const char *dir)
{
	strata_buf cur = STRATA_BUF_INIT;
	int found = 0;

	if (strata__buf_puts(&cur, dir) < 0)
		return STRATA_ERROR;
	for (;;) {
		char *slash;

		if (strata__fs_join(out, strata__buf_cstr(&cur), STRATA_CONFIG_FILE) < 0) {
			found = STRATA_ERROR;
			break;
		}
		if (strata__fs_exists(strata__buf_cstr(out))) {
			found = 1;
			break;
		}
		slash = strrchr(cur.ptr, '/');
		if (!slash || cur.len <= 1)
			break;
		strata__buf_truncate(&cur, slash == cur.ptr ? 1 : (size_t)(slash - cur.ptr));
	}
	strata__buf_release(&cur);
	return found;
}

static char *resolve(const char *root, const char *path)
{
	strata_buf b = STRATA_BUF_INIT;

	if (strata__fs_join(&b, root, path) < 0) {
		strata__buf_release(&b);
		return NULL;
	}
	return strata__buf_detach(&b);
}

static int duration(long *out, const char *flag, const char *file_value, const char *key,
		    const char *path, long dflt)
{
	const char *v = flag ? flag : file_value;

	*out = dflt;
	if (!v || !*v)
		return 0;
	if (strata__parse_duration_ms(out, v) < 0) {
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

	if (dot && strata__buf_putn(&b, version_table, (size_t)(dot - version_table + 1)) < 0)
		return NULL;
	if (strata__buf_puts(&b, "strata_history") < 0) {
		strata__buf_release(&b);
		return NULL;
	}
	return strata__buf_detach(&b);
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

/* ---- environments: [env.NAME] ------------------------------------------- */

/* Keys of [env.NAME] besides the [strata] ones. */
static const char *const env_only_keys[] = { "promote_from", "protected", "require_plan", NULL };

static int env_name_ok(const char *name)
{
	const char *p;

	if (!*name || strlen(name) > 64)
		return 0;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-' || *p == '.'))
			return 0;
	return 1;
}

static int is_env_key(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcasecmp(name, keys[i].key) == 0)
			return 1;
	for (i = 0; env_only_keys[i]; i++)
		if (strcasecmp(name, env_only_keys[i]) == 0)
			return 1;
	return 0;
}

static int append_string(char ***v, size_t n, const char *s)
{
	char **grown = strata_realloc(*v, (n + 1) * sizeof(char *));

	if (!grown)
		return 0;
	*v = grown;
	return (grown[n] = strata_strdup(s)) != NULL;
}

static int on_env_entry(file_values *fv, const char *env, const char *name, const char *value)
{
	if (!env_name_ok(env)) {
		if (strata__buf_printf(&fv->error, "environment name '%s' may have only letters, digits, "
			       "'_', '-' and '.'", env) < 0)
			fv->out_of_memory = 1;
		return 0;
	}
	if (!is_env_key(name)) {
		if (strata__buf_printf(&fv->error, "unknown key '%s' in [env.%s] (any [strata] key, "
			       "promote_from, protected, require_plan)", name, env) < 0)
			fv->out_of_memory = 1;
		return 0;
	}
	/* The three arrays grow together; a failed step leaves nenv as it was. */
	if (!append_string(&fv->env_names, fv->nenv, env) ||
	    !append_string(&fv->env_keys, fv->nenv, name) ||
	    !append_string(&fv->env_values, fv->nenv, value)) {
		fv->out_of_memory = 1;
		return 0;
	}
	fv->nenv++;
	return 1;
}

/* Keys of [fleet.NAME] (strata/fleet.h says what they mean). */
static const char *const fleet_keys[] = { "targets", "control", "schemas", "database",
					  "parallel", "canary", "max_failures", NULL };

static int on_fleet_entry(file_values *fv, const char *fleet, const char *name, const char *value)
{
	size_t i;

	if (!env_name_ok(fleet)) {
		if (strata__buf_printf(&fv->error, "fleet name '%s' may have only letters, digits, "
			       "'_', '-' and '.'", fleet) < 0)
			fv->out_of_memory = 1;
		return 0;
	}
	for (i = 0; fleet_keys[i]; i++)
		if (strcasecmp(name, fleet_keys[i]) == 0)
			break;
	if (!fleet_keys[i]) {
		if (strata__buf_printf(&fv->error, "unknown key '%s' in [fleet.%s] (targets, control, schemas, "
			       "database, parallel, canary, max_failures)", name, fleet) < 0)
			fv->out_of_memory = 1;
		return 0;
	}
	if (!append_string(&fv->fleet_names, fv->nfleet, fleet) ||
	    !append_string(&fv->fleet_keys, fv->nfleet, fleet_keys[i]) ||
	    !append_string(&fv->fleet_values, fv->nfleet, value)) {
		fv->out_of_memory = 1;
		return 0;
	}
	fv->nfleet++;
	return 1;
}

/* yes/no in the forms INI files use. */
static int parse_yes_no(int *out, const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1", NULL };
	static const char *const no[] = { "no", "false", "off", "0", NULL };
	size_t i;

	for (i = 0; yes[i]; i++)
		if (strcasecmp(v, yes[i]) == 0)
			return *out = 1, 0;
	for (i = 0; no[i]; i++)
		if (strcasecmp(v, no[i]) == 0)
			return *out = 0, 0;
	return -1;
}

/* The value of key in [env.env] (the last one given, as in [strata]), or NULL. */
static const char *env_value(const file_values *fv, const char *env, const char *key)
{
	const char *v = NULL;
	size_t i;

	for (i = 0; i < fv->nenv; i++)
		if (strcmp(fv->env_names[i], env) == 0 && strcasecmp(fv->env_keys[i], key) == 0)
			v = fv->env_values[i];
	return v;
}

static int env_defined(const file_values *fv, const char *env)
{
	size_t i;

	for (i = 0; i < fv->nenv; i++)
		if (strcmp(fv->env_names[i], env) == 0)
			return 1;
	return 0;
}

/* Every environment: promote_from names another, the order has no loop, yes/no values. */
static int check_envs(const file_values *fv, const char *path)
{
	size_t i, steps;

	for (i = 0; i < fv->nenv; i++) {
		const char *env = fv->env_names[i], *key = fv->env_keys[i], *v = fv->env_values[i];
		const char *cur;
		int b;

		if ((strcasecmp(key, "protected") == 0 || strcasecmp(key, "require_plan") == 0) &&
		    parse_yes_no(&b, v) < 0) {
			strata_error_set(STRATA_EPARSE, "%s: [env.%s] %s must be yes or no, not '%s'",
					 path, env, key, v);
			strata_error_hint("write %s = yes or %s = no", key, key);
			return STRATA_EPARSE;
		}
		if (strcasecmp(key, "promote_from") != 0)
			continue;
		if (!env_defined(fv, v)) {
			strata_error_set(STRATA_EPARSE, "%s: [env.%s] promote_from = %s, but there is "
					 "no [env.%s]", path, env, v, v);
			strata_error_hint("name an environment defined in %s (its [env.NAME] section)",
					  path);
			return STRATA_EPARSE;
		}
		/* Follow the chain: it must end within as many steps as there are entries. */
		for (cur = env, steps = 0; cur && steps <= fv->nenv; steps++)
			cur = env_value(fv, cur, "promote_from");
		if (cur) {
			strata_error_set(STRATA_EPARSE, "%s: the promote_from order of [env.%s] goes "
					 "round in a loop", path, env);
			strata_error_hint("each environment promotes from the one before it: local -> ci "
					  "-> staging -> production, never back");
			return STRATA_EPARSE;
		}
	}
	return 0;
}

/* Select [env.env]: its [strata] keys replace the file's, its own keys go to c. */
static int env_apply(file_values *fv, strata_config *c, const char *env, const char *path)
{
	strata_buf names = STRATA_BUF_INIT;
	const char *v;
	size_t i, k;

	if (!env_defined(fv, env)) {
		for (i = 0; i < c->nenvs; i++)
			strata__buf_printf(&names, "%s%s", i ? ", " : "", c->env_names[i]);
		strata_error_set(STRATA_ENOTFOUND, "no environment '%s' in %s", env,
				 path ? path : "the project (there is no " STRATA_CONFIG_FILE ")");
		if (names.len)
			strata_error_hint("the environments are: %s", strata__buf_cstr(&names));
		else
			strata_error_hint("define it in %s as [env.%s] with database = URL",
					  STRATA_CONFIG_FILE, env);
		strata__buf_release(&names);
		return STRATA_ENOTFOUND;
	}
	for (i = 0; i < fv->nenv; i++) {
		const char *key = fv->env_keys[i];

		if (strcmp(fv->env_names[i], env) != 0)
			continue;
		if (strcasecmp(key, "database") == 0) {
			if (!set_once(&fv->env_database, fv->env_values[i]))
				return STRATA_ERROR;
			continue;
		}
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strcasecmp(key, keys[k].key) == 0 &&
			    !set_once((char **)((char *)fv + keys[k].off), fv->env_values[i]))
				return STRATA_ERROR;
	}
	if (!(c->env = strata_strdup(env)))
		return STRATA_ERROR;
	if ((v = env_value(fv, env, "promote_from")) && !(c->promote_from = strata_strdup(v)))
		return STRATA_ERROR;
	if ((v = env_value(fv, env, "protected")))
		parse_yes_no(&c->protected_env, v);
	c->require_plan = c->protected_env;
	if ((v = env_value(fv, env, "require_plan")))
		parse_yes_no(&c->require_plan, v);
	return 0;
}

/* The names of the environments, each once, in file order, into c. */
static int env_list(const file_values *fv, strata_config *c)
{
	size_t i, k;

	for (i = 0; i < fv->nenv; i++) {
		for (k = 0; k < c->nenvs; k++)
			if (strcmp(c->env_names[k], fv->env_names[i]) == 0)
				break;
		if (k < c->nenvs)
			continue;
		if (!append_string(&c->env_names, c->nenvs, fv->env_names[i]))
			return STRATA_ERROR;
		c->nenvs++;
	}
	return 0;
}

int strata_config_load_env(strata_config **out, const strata_config *cfg, const char *name)
{
	strata_config_input in = STRATA_CONFIG_INPUT_INIT;

	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(cfg);
	STRATA_ASSERT_ARG(name);

	*out = NULL;
	in.cwd = cfg->root;
	in.config_file = cfg->config_path;
	in.env = name;
	return strata_config_load(out, &in);
}

int strata_config_load(strata_config **out, const strata_config_input *in)
{
	STRATA_ASSERT_ARG(out);
	STRATA_ASSERT_ARG(in);

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
		if (strata__fs_join(&path, cwd, in->config_file) < 0)
			goto done;
		if (!strata__fs_exists(strata__buf_cstr(&path))) {
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

		if ((rc = read_file(&fv, strata__buf_cstr(&path))) < 0)
			goto done;
		rc = STRATA_ERROR;
		if (!(c->config_path = strata_strdup(strata__buf_cstr(&path))))
			goto done;
		slash = strrchr(path.ptr, '/');
		strata__buf_truncate(&path, slash == NULL ? 0 : slash == path.ptr ? 1 : (size_t)(slash - path.ptr));
		c->root = strata_strdup(path.len ? strata__buf_cstr(&path) : ".");
	} else {
		c->root = strata_strdup(cwd);
	}
	if (!c->root)
		goto done;
	if ((rc = check_envs(&fv, c->config_path)) < 0 || (rc = env_list(&fv, c)) < 0 ||
	    (in->env && *in->env && (rc = env_apply(&fv, c, in->env, c->config_path)) < 0))
		goto done;
	rc = STRATA_ERROR;

	/* Database: flag > [env.NAME] > STRATA_DATABASE_URL > DATABASE_URL > file > default. */
	if (in->database && *in->database) {
		c->database = strata_strdup(in->database);
		c->database_source = "--database";
	} else if (fv.env_database && *fv.env_database) {
		c->database = strata_strdup(fv.env_database);
		c->database_source = "[env] in " STRATA_CONFIG_FILE;
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
	/* A provider (schema = exec: ...) is a command, not a path. */
	if (fv.schema && strata__str_starts_with(fv.schema, "exec:"))
		c->schema = strata_strdup(fv.schema);
	else
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
			   c->config_path, DEFAULT_LOCK_WAIT_MS)) < 0 ||
	    (rc = duration(&c->provider_timeout_ms, NULL, fv.provider_timeout, "provider_timeout",
			   c->config_path, DEFAULT_PROVIDER_TIMEOUT_MS)) < 0 ||
	    (rc = duration(&c->batch_target_ms, NULL, fv.batch_target, "batch_target",
			   c->config_path, BATCH_TARGET_DEFAULT_MS)) < 0)
		goto done;
	c->lock_retries = DEFAULT_LOCK_RETRIES;
	if (fv.lock_retries && *fv.lock_retries) {
		if ((rc = strata__parse_count(&retries, fv.lock_retries)) < 0 || retries > 100) {
			rc = strata_error_set(STRATA_EPARSE, "%s: lock_retries must be 0 to 100, not '%s'",
					      c->config_path, fv.lock_retries);
			goto done;
		}
		c->lock_retries = (int)retries;
	}
	c->online_keep_versions = 1;
	if (fv.keep_versions && *fv.keep_versions) {
		long keep;

		if ((rc = strata__parse_count(&keep, fv.keep_versions)) < 0 || keep < 1 || keep > 100) {
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
		if ((rc = strata__parse_count(&retries, fv.test_heads)) < 0 || retries < 1 || retries > 1000) {
			rc = strata_error_set(STRATA_EPARSE, "%s: [test] heads must be 1 to 1000, not '%s'",
					      c->config_path, fv.test_heads);
			strata_error_hint("the number of heads the project has on purpose");
			goto done;
		}
		c->test_heads = (int)retries;
	}
	c->fleet_entry_names = fv.fleet_names;
	c->fleet_entry_keys = fv.fleet_keys;
	c->fleet_entry_values = fv.fleet_values;
	c->nfleet_entries = fv.nfleet;
	fv.fleet_names = fv.fleet_keys = fv.fleet_values = NULL;
	fv.nfleet = 0;
	c->lint_keys = fv.lint_keys;
	c->lint_values = fv.lint_values;
	c->nlint = fv.nlint;
	fv.lint_keys = fv.lint_values = NULL;
	fv.nlint = 0;
	c->advise_keys = fv.advise_keys;
	c->advise_values = fv.advise_values;
	c->nadvise = fv.nadvise;
	fv.advise_keys = fv.advise_values = NULL;
	fv.nadvise = 0;
	*out = c;
	c = NULL;
	rc = 0;
done:
	file_values_release(&fv);
	strata__buf_release(&path);
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
	free_strings(c->advise_keys, c->nadvise);
	free_strings(c->advise_values, c->nadvise);
	strata_free(c->env);
	strata_free(c->promote_from);
	free_strings(c->env_names, c->nenvs);
	free_strings(c->fleet_entry_names, c->nfleet_entries);
	free_strings(c->fleet_entry_keys, c->nfleet_entries);
	free_strings(c->fleet_entry_values, c->nfleet_entries);
	strata_free(c);
}
