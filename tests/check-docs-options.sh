#!/usr/bin/env bash
# The option lists of docs/commands.md against the commands' option tables:
# the blocks between "<!-- options: COMMAND -->" and "<!-- /options -->" in
# the doc must be exactly what `strata help --markdown-options` prints from
# the tables (src/cli/options.c, cli_options_markdown). On a difference,
# prints it and exits 1; paste the generated blocks into the doc to fix it.
#
#   tests/check-docs-options.sh [STRATA_BIN] [DOC]
set -eu
bin=${1:-${STRATA_BIN:-build/strata}}
doc=${2:-$(cd "$(dirname "$0")/.." && pwd)/docs/commands.md}
generated=$(mktemp) documented=$(mktemp)
trap 'rm -f "$generated" "$documented"' EXIT
"$bin" help --markdown-options >"$generated"
awk '/^<!-- options: /{on=1} on{print} /^<!-- \/options -->$/{on=0}' "$doc" >"$documented"
if ! diff -u --label "$doc" --label "strata help --markdown-options" "$documented" "$generated"; then
  echo "docs/commands.md's option lists differ from the option tables (above);" \
       "paste 'strata help --markdown-options' into its marked blocks" >&2
  exit 1
fi
