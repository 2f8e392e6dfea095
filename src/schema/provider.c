/*
 * schema/provider.c - run a schema provider and take its SQL (see
 * provider.h).
 */
#include "schema/provider.h"
#include "strata/error.h"
#include "util/alloc.h"
#include "util/proc.h"
#include "util/strutil.h"

#include <string.h>

/* Largest output taken (the same bound as a schema file). */
#define PROVIDER_OUT_MAX (64u * 1024 * 1024)
#define DEFAULT_TIMEOUT_MS 60000
/* How much of the provider's stderr a message quotes. */
#define STDERR_QUOTE 1200

int strata__sc_provider_is(const char *spec)
{
	return spec && strncmp(spec, SC_PROVIDER_PREFIX, strlen(SC_PROVIDER_PREFIX)) == 0;
}

void strata__sc_provider_argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		strata_free(argv[i]);
	strata_free(argv);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int push_word(char ***v, size_t *n, size_t *cap, strata_buf *w)
{
	char *s;

	if (strata__buf_oom(w) || strata_grow((void **)v, cap, *n + 2, sizeof(**v)) != 0)
		return STRATA_ERROR;
	if (!(s = strata_strndup(w->ptr ? w->ptr : "", w->len)))
		return STRATA_ERROR;
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
	strata__buf_clear(w);
	return 0;
}

int strata__sc_provider_argv(char ***argv_out, size_t *argc_out, const char *command)
{
	strata_buf w = STRATA_BUF_INIT;
	char **v = NULL;
	size_t n = 0, cap = 0;
	const char *p = command;
	int in_word = 0, rc = 0;

	*argv_out = NULL;
	*argc_out = 0;
	while (rc == 0 && *p) {
		if (is_blank(*p)) {
			if (in_word)
				rc = push_word(&v, &n, &cap, &w);
			in_word = 0;
			p++;
			continue;
		}
		in_word = 1;
		if (*p == '\'') {
			const char *end = strchr(p + 1, '\'');

			if (!end) {
				rc = strata_error_set(STRATA_EINVALID,
						      "unclosed ' in the provider command: %s", p);
				break;
			}
			strata__buf_putn(&w, p + 1, (size_t)(end - p - 1));
			p = end + 1;
		} else if (*p == '"') {
			const char *start = p++;

			while (*p && *p != '"') {
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				strata__buf_putc(&w, *p++);
			}
			if (!*p) {
				rc = strata_error_set(STRATA_EINVALID,
						      "unclosed \" in the provider command: %s", start);
				break;
			}
			p++;
		} else if (*p == '\\') {
			if (!p[1]) {
				rc = strata_error_set(STRATA_EINVALID,
						      "the provider command ends with a lone backslash");
				break;
			}
			strata__buf_putc(&w, p[1]);
			p += 2;
		} else {
			strata__buf_putc(&w, *p++);
		}
	}
	if (rc == 0 && in_word)
		rc = push_word(&v, &n, &cap, &w);
	if (rc == 0 && strata__buf_oom(&w))
		rc = strata_error_set(STRATA_ERROR, "out of memory");
	if (rc == 0 && n == 0)
		rc = strata_error_set(STRATA_EINVALID, "the schema provider has no command after exec:");
	strata__buf_release(&w);
	if (rc != 0) {
		if (rc == STRATA_EINVALID)
			strata_error_hint("write schema = exec: COMMAND ARGS; quote words with ' or \", "
					  "as in a shell (no shell runs: use sh -c '...' for one)");
		strata__sc_provider_argv_free(v);
		return rc;
	}
	*argv_out = v;
	*argc_out = n;
	return 0;
}

/* A word as shown: a URL or conninfo with a password gets it masked; a
 * word with blanks or quotes is quoted as the command line would be. */
static int put_word(strata_buf *out, const char *word)
{
	if (strstr(word, "://") || strstr(word, "password"))
		return strata__redact_conninfo(out, word);
	if (!*word || strpbrk(word, " \t\n\r'\"\\")) {
		strata__buf_putc(out, '\'');
		for (const char *p = word; *p; p++)
			*p == '\'' ? strata__buf_puts(out, "'\\''") : strata__buf_putc(out, *p);
		return strata__buf_putc(out, '\'');
	}
	return strata__buf_puts(out, word);
}

int strata__sc_provider_display(strata_buf *out, const char *spec)
{
	char **argv = NULL;
	size_t argc = 0;

	if (!strata__sc_provider_is(spec))
		return strata__buf_puts(out, spec ? spec : "");
	if (strata__sc_provider_argv(&argv, &argc, spec + strlen(SC_PROVIDER_PREFIX)) != 0) {
		strata_error_clear();
		return strata__buf_puts(out, "(unreadable provider command)");
	}
	for (size_t i = 0; i < argc; i++)
		if ((i && strata__buf_putc(out, ' ')) || put_word(out, argv[i]))
			break;
	strata__sc_provider_argv_free(argv);
	return strata__buf_oom(out) ? STRATA_ERROR : 0;
}

int strata__sc_source_shown(strata_buf *out, const char *spec)
{
	size_t len = out->len;

	if (!strata__sc_provider_is(spec))
		return strata__buf_puts(out, spec ? spec : "");
	if (strata__buf_puts(out, SC_PROVIDER_PREFIX " ") == 0 && strata__sc_provider_display(out, spec) == 0)
		return 0;
	strata__buf_truncate(out, len);
	return strata__buf_puts(out, SC_PROVIDER_PREFIX " ...");
}

/* The last lines of the provider's stderr, at most STDERR_QUOTE bytes,
 * each indented, appended to the current message. */
static void quote_stderr(const strata_buf *err)
{
	const char *s = err->ptr ? err->ptr : "";
	size_t len = err->len;

	while (len && is_blank(s[len - 1]))
		len--;
	if (!len) {
		strata_error_append(" (it printed nothing on stderr)");
		return;
	}
	if (len > STDERR_QUOTE) {
		const char *cut = memchr(s + len - STDERR_QUOTE, '\n', STDERR_QUOTE);

		s = cut ? cut + 1 : s + len - STDERR_QUOTE;
		len = (size_t)(err->ptr + len - s);
	}
	strata_error_append("; the end of its stderr:");
	while (len) {
		const char *nl = memchr(s, '\n', len);
		size_t n = nl ? (size_t)(nl - s) : len;

		strata_error_append("\n  | %.*s", (int)n, s);
		if (!nl)
			break;
		len -= n + 1;
		s = nl + 1;
	}
}

static int judge(const proc_result *r, const strata_buf *out, const strata_buf *err,
		 const char *shown, const char *word0, long timeout_ms)
{
	size_t bad;

	switch (r->end) {
	case PROC_NOT_STARTED:
		strata_error_set(STRATA_EINVALID, "cannot run the schema provider \"exec: %s\": %s", shown,
				 strerror(r->status));
		strata_error_hint(strchr(word0, '/') ? "check the path of the command in schema = exec: ..."
				  : "install '%s' or put its folder on PATH (or give its path in schema = exec: ...)",
				  word0);
		return STRATA_EINVALID;
	case PROC_TIMED_OUT:
		strata_error_set(STRATA_EINVALID,
				 "the schema provider \"exec: %s\" did not finish within %ld%s and was stopped",
				 shown, timeout_ms % 1000 ? timeout_ms : timeout_ms / 1000,
				 timeout_ms % 1000 ? " ms" : " s");
		quote_stderr(err);
		strata_error_hint("raise provider_timeout in strata.ini, or find what the command "
				  "waits for (it gets no input)");
		return STRATA_EINVALID;
	case PROC_TOO_MUCH:
		strata_error_set(STRATA_EPARSE,
				 "the schema provider \"exec: %s\" printed more than %u MiB and was stopped", shown,
				 PROVIDER_OUT_MAX >> 20);
		return STRATA_EPARSE;
	case PROC_SIGNALED:
		strata_error_set(STRATA_EINVALID, "the schema provider \"exec: %s\" was killed by signal %d",
				 shown, r->status);
		quote_stderr(err);
		return STRATA_EINVALID;
	case PROC_EXITED:
		if (r->status != 0) {
			strata_error_set(STRATA_EINVALID,
					 "the schema provider \"exec: %s\" failed (exit status %d)", shown,
					 r->status);
			quote_stderr(err);
			strata_error_hint("run the command by hand in the project folder to see why; "
					  "strata used nothing it printed");
			return STRATA_EINVALID;
		}
		break;
	}
	if (memchr(out->ptr ? out->ptr : "", '\0', out->len) ||
	    !strata__utf8_valid(out->ptr ? out->ptr : "", out->len, &bad)) {
		strata_error_set(STRATA_EPARSE,
				 "the schema provider \"exec: %s\" printed bytes that are not UTF-8 text", shown);
		strata_error_hint("a provider prints SQL DDL on stdout and everything else on stderr");
		return STRATA_EPARSE;
	}
	for (size_t i = 0; i < out->len; i++)
		if (!is_blank(out->ptr[i]))
			return 0;
	strata_error_set(STRATA_EPARSE, "the schema provider \"exec: %s\" printed no SQL", shown);
	quote_stderr(err);
	strata_error_hint("a provider prints the desired schema's DDL on stdout; check that it "
			  "finds the models (module and attribute names)");
	return STRATA_EPARSE;
}

int strata__sc_provider_run(strata_buf *sql, const char *spec, const strata_config *cfg)
{
	strata_buf shown = STRATA_BUF_INIT, err = STRATA_BUF_INIT, out = STRATA_BUF_INIT;
	long timeout_ms = cfg ? cfg->provider_timeout_ms : DEFAULT_TIMEOUT_MS;
	proc_result r;
	char **argv = NULL;
	size_t argc;
	int rc;

	if (!strata__sc_provider_is(spec))
		return strata_error_set(STRATA_EINVALID, "not a schema provider");
	if ((rc = strata__sc_provider_argv(&argv, &argc, spec + strlen(SC_PROVIDER_PREFIX))) != 0)
		return rc;
	if ((rc = strata__sc_provider_display(&shown, spec)) != 0)
		goto done;
	rc = strata__proc_run(&r, (const char *const *)argv, cfg ? cfg->root : NULL, timeout_ms,
		      PROVIDER_OUT_MAX, &out, &err);
	if (rc == 0 && (strata__buf_oom(&out) || strata__buf_oom(&err)))
		rc = strata_error_set(STRATA_ERROR, "out of memory reading the schema provider");
	if (rc == 0)
		rc = judge(&r, &out, &err, strata__buf_cstr(&shown), argv[0], timeout_ms);
	if (rc == 0 && strata__buf_putn(sql, out.ptr, out.len) != 0)
		rc = strata_error_set(STRATA_ERROR, "out of memory");
done:
	strata__sc_provider_argv_free(argv);
	strata__buf_release(&shown);
	strata__buf_release(&err);
	strata__buf_release(&out);
	return rc;
}
