/*
 * cli/options.c - option parsing from tables (see cli_option in cli.h).
 *
 * Accepts -x VALUE, -xVALUE, --long VALUE, --long=VALUE, repeated list
 * options, global options anywhere, and "--" to end options. Every mistake
 * is a usage error (exit 2) that names the option; typed values (whole
 * numbers, durations, one word of a list) are parsed and range-checked
 * here, once, for every command.
 *
 * Help from the tables: a command's option table is the one source of its
 * options. 'strata help CMD' and 'strata CMD --help' run the command in a
 * help mode where cli_parse prints the page (help.c) with the options from
 * the table; 'strata help --markdown-options' (hidden) prints every
 * command's options the way docs/commands.md lists them between
 * "<!-- options: CMD -->" markers, and tests/check-docs-options.sh fails
 * when the two disagree.
 */
#include "cli/cli.h"
#include "strata/util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const cli_option global_options[] = {
	{ OPT_STRING, 'd', "database", NULL, "URL", "database to use (sqlite:PATH, postgres://...)", 0, 0, NULL },
	{ OPT_STRING, 'c', "config", NULL, "FILE", "config file (default: nearest strata.ini)", 0, 0, NULL },
	{ OPT_STRING, 0, "migrations", NULL, "DIR", "migrations folder", 0, 0, NULL },
	{ OPT_FLAG, 0, "json", NULL, NULL, "machine-readable output", 0, 0, NULL },
	{ OPT_FLAG, 'q', "quiet", NULL, NULL, "only errors on stderr", 0, 0, NULL },
	{ OPT_FLAG, 'v', "verbose", NULL, NULL, "more detail on stderr", 0, 0, NULL },
	{ OPT_FLAG, 'h', "help", NULL, NULL, "show this help", 0, 0, NULL },
	{ OPT_STRING, 'e', "env", NULL, "NAME", "environment: strata.ini's [env.NAME] (or STRATA_ENV)", 0, 0, NULL },
	CLI_OPT_END,
};

int cli_global_takes_next(const char *arg)
{
	const cli_option *o;

	for (o = global_options; o->type != OPT_END; o++) {
		if (o->type == OPT_FLAG)
			continue;
		if (arg[0] == '-' && arg[1] == '-' && strcmp(arg + 2, o->long_name) == 0)
			return 1;
		if (arg[0] == '-' && o->short_name && arg[1] == o->short_name && !arg[2])
			return 1;
	}
	return 0;
}

static void *global_slot(cli_ctx *ctx, size_t i)
{
	void *slots[] = { &ctx->g.database, &ctx->g.config, &ctx->g.migrations, &ctx->g.json,
			  &ctx->g.quiet, &ctx->g.verbose, &ctx->g.help, &ctx->g.env };

	return slots[i];
}

static const cli_option *find_long(const cli_option *opts, const char *name, size_t len)
{
	for (; opts->type != OPT_END; opts++)
		if (opts->long_name && strlen(opts->long_name) == len &&
		    strncmp(opts->long_name, name, len) == 0)
			return opts;
	return NULL;
}

static const cli_option *find_short(const cli_option *opts, char c)
{
	for (; opts->type != OPT_END; opts++)
		if (opts->short_name && opts->short_name == c)
			return opts;
	return NULL;
}

/* "a, b or c" of a NULL-terminated list of words. */
static void word_list(char *out, size_t size, const char *const *words)
{
	size_t i, n, used = 0;

	for (n = 0; words[n]; n++)
		;
	out[0] = '\0';
	for (i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s",
					 i == 0 ? "" : i + 1 == n ? " or " : ", ", words[i]);
}

/* The error of a number or duration outside o's range. */
static int out_of_range(const cli_option *o, const char *command, const char *shown,
			const char *value)
{
	const char *what = o->type == OPT_DURATION ? "a duration" : "a whole number";
	const char *unit = o->type == OPT_DURATION ? "ms" : "";

	if (o->max)
		return cli_usage_error(command, "option '%s' wants %s from %ld%s to %ld%s, not '%s'",
				       shown, what, o->min, unit, o->max, unit, value);
	return cli_usage_error(command, "option '%s' wants %s, %ld%s or more, not '%s'", shown,
			       what, o->min, unit, value);
}

/* A whole number of o's range, or a duration in milliseconds (max 0: no limit). */
static int store_number(const cli_option *o, void *slot, const char *value, const char *command,
			const char *shown)
{
	long hi = o->max ? o->max : LONG_MAX, v;
	char *end;

	if (o->type == OPT_DURATION) {
		if (strata_parse_duration_ms(&v, value) < 0)
			return cli_usage_error(command, "option '%s' wants a duration (500ms, 5s, "
					       "2min, 1h), not '%s'", shown, value);
	} else {
		errno = 0;
		v = strtol(value, &end, 10);
		if (end == value || *end || errno == ERANGE)
			return out_of_range(o, command, shown, value);
	}
	if (v < o->min || v > hi)
		return out_of_range(o, command, shown, value);
	*(long *)slot = v;
	return 0;
}

/* One of o's words ("unknown format 'xml' (text, json, sarif or github)"). */
static int store_word(const cli_option *o, void *slot, const char *value, const char *command)
{
	char known[256];
	size_t i;

	for (i = 0; o->choices[i]; i++)
		if (strcmp(o->choices[i], value) == 0) {
			*(const char **)slot = o->choices[i];
			return 0;
		}
	word_list(known, sizeof(known), o->choices);
	return cli_usage_error(command, "unknown %s '%s' (%s)", o->long_name, value, known);
}

static int store(const cli_option *o, void *slot, const char *value, const char *command,
		 const char *shown)
{
	switch (o->type) {
	case OPT_FLAG:
		if (value)
			return cli_usage_error(command, "option '%s' takes no value", shown);
		*(int *)slot = 1;
		return 0;
	case OPT_STRING:
		if (!value)
			return cli_usage_error(command, "option '%s' needs a value", shown);
		*(const char **)slot = value;
		return 0;
	case OPT_INT:
	case OPT_DURATION:
		if (!value)
			return cli_usage_error(command, "option '%s' needs a value", shown);
		return store_number(o, slot, value, command, shown);
	case OPT_ENUM:
		if (!value)
			return cli_usage_error(command, "option '%s' needs a value", shown);
		return store_word(o, slot, value, command);
	case OPT_LIST: {
		cli_list *l = slot;

		if (!value)
			return cli_usage_error(command, "option '%s' needs a value", shown);
		if (l->n >= sizeof(l->items) / sizeof(l->items[0]))
			return cli_usage_error(command, "option '%s' given too many times", shown);
		l->items[l->n++] = value;
		return 0;
	}
	default:
		return EXIT_USAGE;
	}
}

int cli_parse(int argc, char **argv, const cli_option *opts, cli_ctx *ctx, const char **args,
	      size_t max_args, size_t *nargs)
{
	static const cli_option none[] = { CLI_OPT_END };
	const char *command = ctx->command;
	int i, only_args = 0;

	if (!opts)
		opts = none;

	*nargs = 0;
	if (ctx->help_mode) {
		FILE *f = ctx->help_out ? ctx->help_out : stdout;

		if (ctx->help_mode == CLI_HELP_MARKDOWN)
			cli_options_markdown(f, command, opts);
		else
			cli_usage(f, command, opts);
		ctx->help_shown = 1;
		return EXIT_USAGE; /* the command stops here; main.c exits 0 */
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const cli_option *o = NULL;
		void *slot = NULL;
		const char *value = NULL;
		char shown[64];
		int rc;

		if (only_args || a[0] != '-' || strcmp(a, "-") == 0 ||
		    /* "-1", "-3": relative downgrade targets, not options */
		    (a[1] >= '0' && a[1] <= '9')) {
			if (*nargs >= max_args)
				return cli_usage_error(command, "unexpected argument '%s'", a);
			args[(*nargs)++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_args = 1;
			continue;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);

			snprintf(shown, sizeof(shown), "--%.*s", (int)len, a + 2);
			if ((o = find_long(opts, a + 2, len)) != NULL) {
				slot = o->value;
			} else if ((o = find_long(global_options, a + 2, len)) != NULL) {
				slot = global_slot(ctx, (size_t)(o - global_options));
			}
			if (eq)
				value = eq + 1;
		} else {
			snprintf(shown, sizeof(shown), "-%c", a[1]);
			if ((o = find_short(opts, a[1])) != NULL)
				slot = o->value;
			else if ((o = find_short(global_options, a[1])) != NULL)
				slot = global_slot(ctx, (size_t)(o - global_options));
			if (o && a[2]) {
				if (o->type == OPT_FLAG)
					return cli_usage_error(command, "unknown option '%s'", a);
				value = a + 2;
			}
		}
		if (!o)
			return cli_usage_error(command, "unknown option '%s'", shown);
		if (o->type != OPT_FLAG && !value) {
			if (i + 1 >= argc)
				return cli_usage_error(command, "option '%s' needs a value", shown);
			value = argv[++i];
		}
		if ((rc = store(o, slot, value, command, shown)) != 0)
			return rc;
	}
	return cli_setup(ctx);
}

/* "-x, --long ARG" or "--long ARG" (what help and the docs show on the left). */
static void option_title(char *out, size_t size, const cli_option *o)
{
	char shorts[8] = "";

	if (o->short_name)
		snprintf(shorts, sizeof(shorts), o->long_name ? "-%c, " : "-%c", o->short_name);
	snprintf(out, size, "%s%s%s%s%s", shorts, o->long_name ? "--" : "",
		 o->long_name ? o->long_name : "", o->argh ? " " : "", o->argh ? o->argh : "");
}

/* The words of o's type that help adds: the choices of an enum. */
static void option_help(char *out, size_t size, const cli_option *o)
{
	char words[256];

	if (o->type == OPT_ENUM && o->choices && !strstr(o->help, o->choices[0])) {
		word_list(words, sizeof(words), o->choices);
		snprintf(out, size, "%s (%s)", o->help, words);
		return;
	}
	snprintf(out, size, "%s", o->help);
}

/*
 * Options as help prints them: the title in a column of width, then the
 * help wrapped at 79 columns (a title too wide for its column gets a line
 * of its own).
 */
static void print_options_width(FILE *f, const cli_option *o, int width)
{
	for (; o->type != OPT_END; o++) {
		char title[96], text[1024];
		const char *s;
		int col;

		option_title(title, sizeof(title), o);
		option_help(text, sizeof(text), o);
		fprintf(f, "  %s", title);
		col = 2 + (int)strlen(title);
		if (col + 1 > 2 + width) {
			fputc('\n', f);
			col = 0;
		}
		s = text;
		while (*s) {
			int room = 79 - (2 + width + 1), n = 0, last = -1; /* columns left */

			for (; s[n] && n < room; n++)
				if (s[n] == ' ')
					last = n;
			if (s[n] && last > 0)
				n = last;
			fprintf(f, "%*s%.*s\n", 2 + width + 1 - col, "", n, s);
			col = 0;
			s += n;
			while (*s == ' ')
				s++;
		}
		if (!*text)
			fputc('\n', f);
	}
}

static void print_options(FILE *f, const cli_option *o)
{
	print_options_width(f, o, 30);
}

/* The marker in a help page where the command's options go. */
#define OPTIONS_MARK "@options\n"

void cli_usage(FILE *f, const char *command, const cli_option *opts)
{
	const cli_command *c;

	if (command) {
		const char *text = cli_help_text(command), *mark = text ? strstr(text, OPTIONS_MARK) : NULL;
		int any = opts && opts->type != OPT_END;

		if (mark) {
			fwrite(text, 1, (size_t)(mark - text), f);
			if (any) {
				fputs("Options:\n", f);
				print_options_width(f, opts, 24);
				fputc('\n', f);
			}
			fputs(mark + strlen(OPTIONS_MARK), f);
		} else if (text) {
			fputs(text, f);
			if (any) {
				fputs("\nOptions:\n", f);
				print_options_width(f, opts, 24);
			}
		}
		fputs("\nGlobal options:\n", f);
		print_options(f, global_options);
		return;
	}
	fputs("usage: strata [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\nCommands:\n", f);
	for (c = cli_commands; c->name; c++)
		fprintf(f, "  %-12s %s\n", c->name, c->summary);
	fputs("\nMay change the database:", f);
	for (c = cli_commands; c->name; c++)
		if (c->flags & CMD_WRITES_DB)
			fprintf(f, " %s", c->name);
	fputs("\n\nGlobal options (before or after the command):\n", f);
	print_options(f, global_options);
	fputs("\nRun 'strata help COMMAND' for a command's options and examples.\n"
	      "Exit codes: 0 ok, 1 a check found something, 2 bad usage or input, 3 database or "
	      "runtime error.\n", f);
}

/* s for a markdown table cell: '|' escaped. */
static void md_cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', f);
		fputc(*s, f);
	}
}

void cli_options_markdown(FILE *f, const char *command, const cli_option *opts)
{
	fprintf(f, "<!-- options: %s -->\n", command);
	if (!opts || opts->type == OPT_END) {
		fputs("No options of its own.\n", f);
	} else {
		fputs("| option | what it does |\n|---|---|\n", f);
		for (; opts->type != OPT_END; opts++) {
			char title[96], text[1024];

			option_title(title, sizeof(title), opts);
			option_help(text, sizeof(text), opts);
			fputs("| `", f);
			md_cell(f, title);
			fputs("` | ", f);
			md_cell(f, text);
			fputs(" |\n", f);
		}
	}
	fputs("<!-- /options -->\n", f);
}
