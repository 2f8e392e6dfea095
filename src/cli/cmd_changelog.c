/*
 * cli/cmd_changelog.c - strata changelog [FROM..TO | REV] [--since-db]
 * [--format markdown|json]: the schema changes of each release, in words,
 * each breaking, compatible or internal, and the semantic-version bump of
 * each release (strata/changelog.h does the work).
 *
 * Markdown (the default) lists the newest release first, as a changelog
 * file or a pull-request comment reads; JSON lists them oldest first, as
 * the library returns them.
 */
#include "cli/schema_common.h"
#include "strata/changelog.h"
#include "strata/error.h"

#include <jansson.h>
#include <string.h>

static const strata_change_class class_order[] = {
	STRATA_CHANGE_BREAKING, STRATA_CHANGE_COMPATIBLE, STRATA_CHANGE_INTERNAL,
};
static const char *const class_titles[] = { "Breaking", "Compatible", "Internal" };

static void print_release_markdown(const strata_release *r, const char *title)
{
	printf("## %s (%s)\n\n", title,
	       r->bump == STRATA_BUMP_NONE ? "no schema change" : strata_bump_name(r->bump));
	printf("From %s to %s", r->from, r->to);
	if (r->next_version)
		printf(" (next version: %s)", r->next_version);
	printf(".\n\n");
	if (!r->nchanges) {
		printf("No schema changes.\n\n");
		return;
	}
	for (size_t c = 0; c < sizeof(class_order) / sizeof(*class_order); c++) {
		int header = 0;

		for (size_t k = 0; k < r->nchanges; k++) {
			if (r->changes[k].cls != class_order[c])
				continue;
			if (!header)
				printf("### %s\n\n", class_titles[c]);
			header = 1;
			printf("- %s\n", r->changes[k].words);
		}
		if (header)
			putchar('\n');
	}
}

static void print_markdown(const strata_changelog *log, int since_db, const char *range)
{
	size_t n = strata_changelog_count(log);

	if (!n)
		printf("No revisions yet.\n");
	for (size_t i = n; i-- > 0;) {
		const strata_release *r = strata_changelog_release(log, i);
		const char *title = r->name ? r->name
				    : since_db ? "Pending on the database"
				    : range    ? range
					       : "Unreleased";

		print_release_markdown(r, title);
	}
}

static json_t *release_json(const strata_release *r)
{
	json_t *changes = json_array();

	for (size_t k = 0; k < r->nchanges; k++) {
		const strata_schema_change *c = &r->changes[k];

		json_array_append_new(changes, json_pack("{s:s, s:s, s:s, s:s, s:s}", "class",
							 strata_change_class_name(c->cls), "kind",
							 c->kind, "op", c->op, "object", c->object,
							 "words", c->words));
	}
	return json_pack("{s:s?, s:s, s:s, s:s?, s:s, s:s?, s:o}", "release", r->name, "from",
			 r->from, "to", r->to, "to_revision", r->to_revision, "bump",
			 strata_bump_name(r->bump), "next_version", r->next_version, "changes",
			 changes);
}

int cmd_changelog(int argc, char **argv, cli_ctx *ctx)
{
	strata_changelog_options o = STRATA_CHANGELOG_OPTIONS_INIT;
	strata_changelog *log = NULL;
	const char *format = NULL, *args[1];
	int since_db = 0, rc;
	size_t nargs;
	static const char *const formats[] = { "markdown", "json", NULL };
	const cli_option opts[] = {
		CLI_ENUM('f', "format", &format, "FORMAT", formats, "markdown (default) or json"),
		{ OPT_FLAG, 0, "since-db", &since_db, NULL,
		  "what the pending upgrade would change on the database (from its applied "
		  "revisions to the heads; read-only)", 0, 0, NULL },
		CLI_OPT_END,
	};

	if ((rc = cli_parse(argc, argv, opts, ctx, args, 1, &nargs)) != 0)
		return rc;
	if (!format)
		format = ctx->g.json ? "json" : "markdown";
	if (since_db && nargs)
		return cli_usage_error("changelog", "--since-db takes no range: it goes from the "
				       "database's state to the heads");
	if (!schema_engine(ctx, NULL, 0))
		return EXIT_USAGE;
	schema_guard_signals();
	o.range = nargs ? args[0] : NULL;
	o.since_db = since_db;
	if ((rc = strata_changelog_build(&log, ctx->config, ctx->graph, &o)) < 0)
		return cli_report_error(rc);
	if (strcmp(format, "json") == 0) {
		json_t *arr = json_array();

		for (size_t i = 0; i < strata_changelog_count(log); i++)
			json_array_append_new(arr, release_json(strata_changelog_release(log, i)));
		cli_print_json(json_pack("{s:o}", "releases", arr));
	} else {
		print_markdown(log, since_db, o.range);
	}
	strata_changelog_free(log);
	return EXIT_OK;
}
