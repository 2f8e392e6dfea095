/*
 * cli/options.c - option parsing from tables (see cli_option in cli.h).
 *
 * Accepts -x VALUE, -xVALUE, --long VALUE, --long=VALUE, repeated list
 * options, global options anywhere, and "--" to end options. Every mistake
 * is a usage error (exit 2) that names the option.
 */
#include "cli/cli.h"

#include <string.h>

static const cli_option global_options[] = {
	{ OPT_STRING, 'd', "database", NULL, "URL", "database to use (sqlite:PATH, postgres://...)" },
	{ OPT_STRING, 'c', "config", NULL, "FILE", "config file (default: nearest strata.ini)" },
	{ OPT_STRING, 0, "migrations", NULL, "DIR", "migrations folder" },
	{ OPT_FLAG, 0, "json", NULL, NULL, "machine-readable output" },
	{ OPT_FLAG, 'q', "quiet", NULL, NULL, "only errors on stderr" },
	{ OPT_FLAG, 'v', "verbose", NULL, NULL, "more detail on stderr" },
	{ OPT_FLAG, 'h', "help", NULL, NULL, "show this help" },
	{ OPT_STRING, 'e', "env", NULL, "NAME", "environment: strata.ini's [env.NAME] (or STRATA_ENV)" },
	{ OPT_END, 0, NULL, NULL, NULL, NULL },
};

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
	static const cli_option none[] = { { OPT_END, 0, NULL, NULL, NULL, NULL } };
	const char *command = ctx->command;
	int i, only_args = 0;

	if (!opts)
		opts = none;

	*nargs = 0;
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
	return 0;
}

static void print_options(FILE *f, const cli_option *o)
{
	for (; o->type != OPT_END; o++) {
		char left[64];

		snprintf(left, sizeof(left), "%s%c%s%s%s%s%s", o->short_name ? "-" : "",
			 o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ",
			 o->long_name ? "--" : "", o->long_name ? o->long_name : "", o->argh ? " " : "",
			 o->argh ? o->argh : "");
		fprintf(f, "  %-30s %s\n", o->short_name ? left : left + 1, o->help);
	}
}

void cli_usage(FILE *f, const char *command)
{
	const cli_command *c;

	if (command) {
		const char *text = cli_help_text(command);

		if (text)
			fputs(text, f);
		fputs("\nGlobal options:\n", f);
		print_options(f, global_options);
		return;
	}
	fputs("usage: strata [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\nCommands:\n", f);
	for (c = cli_commands; c->name; c++)
		fprintf(f, "  %-12s %s\n", c->name, c->summary);
	fputs("\nGlobal options (before or after the command):\n", f);
	print_options(f, global_options);
	fputs("\nRun 'strata help COMMAND' for a command's options and examples.\n"
	      "Exit codes: 0 ok, 1 a check found something, 2 bad usage or input, 3 database or "
	      "runtime error.\n", f);
}
