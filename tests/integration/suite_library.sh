#!/usr/bin/env bash
# Integration suite: libstrata as another program links it. Installs the
# build with DESTDIR into a temp dir (make install), compiles a small C
# program against the installed headers with the installed strata.pc
# (pkg-config --cflags --libs), once linked with libstrata.a and once with
# libstrata.so, and runs both on a SQLite database: load the graph of a
# migrations folder, upgrade, read the status back. The program defines
# functions named like libstrata's internal ones (map_put, buf_puts,
# now_ms, db_open) to show that the library's internal names, strata__*
# (docs/library.md, "Symbols"), cannot collide with a program's.
ENGINE=sqlite
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${STRATA_BUILD:-$ROOT/build}

# Install once for the suite: the build directory's make install, staged
# under DESTDIR, with the PREFIX the build's strata.pc names (so the build
# directory is left as it was).
STAGE=$SUITE_TMP/stage
pcvar() { sed -n "s/^$1=//p" "$BUILD_DIR/strata.pc" 2>/dev/null; }
PREFIX_DIR=$(pcvar prefix); PREFIX_DIR=${PREFIX_DIR:-/usr/local}
LIB_DIR=$(pcvar libdir); LIB_DIR=${LIB_DIR:-$PREFIX_DIR/lib}
INC_DIR=$(pcvar includedir); INC_DIR=${INC_DIR:-$PREFIX_DIR/include}
install_once() {
  [ -f "$STAGE/.done" ] && return 0
  local san=
  case "$BUILD_DIR" in *asan*) san=SAN=1 ;; *tsan*) san=SAN=thread ;; esac
  make -s -C "$ROOT" --no-print-directory BUILD="${BUILD_DIR#"$ROOT"/}" $san \
    PREFIX="$PREFIX_DIR" LIBDIR="$LIB_DIR" INCLUDEDIR="$INC_DIR" DESTDIR="$STAGE" install >"$SUITE_TMP/install.log" 2>&1 ||
    { cat "$SUITE_TMP/install.log" >&2; fail "make install failed"; }
  touch "$STAGE/.done"
}
# pkg-config on the staged tree: the .pc file names $LIB_DIR, the
# sysroot puts the stage in front of its paths.
spc() {
  PKG_CONFIG_PATH="$STAGE$LIB_DIR/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$STAGE" \
    pkg-config "$@"
}
# ASan/UBSan builds (make test-asan): the program needs the same runtime.
san_flags() {
  case "$BUILD_DIR" in
    *asan*) echo "-fsanitize=address,undefined" ;;
    *tsan*) echo "-fsanitize=thread" ;;
  esac
}
compiler() { case "$BUILD_DIR" in *asan* | *tsan*) echo clang ;; *) echo "${CC:-cc}" ;; esac; }

write_program() {
  cat >prog.c <<'EOF'
/* A program that links libstrata and has functions named like the
 * library's internal ones (different signatures): with unprefixed
 * internals the static link fails (multiple definitions) or, worse, the
 * library calls the program's. */
#include <stdio.h>
#include <string.h>
#include "strata/strata.h"

int map_put(int a, int b);
const char *buf_puts(void);
int now_ms(void);
int db_open(const char *why);
int map_put(int a, int b) { return a * 100 + b; }
const char *buf_puts(void) { return "mine"; }
int now_ms(void) { return 42; }
int db_open(const char *why) { return (int)strlen(why); }

static int die(const char *what)
{
	const strata_error *e = strata_error_last();
	fprintf(stderr, "%s: %s\n", what, e ? e->message : "?");
	return 1;
}

int main(int argc, char **argv)
{
	strata_config_input in = STRATA_CONFIG_INPUT_INIT;
	strata_run_options opts = STRATA_RUN_OPTIONS_INIT;
	strata_run_result res = { 0 };
	strata_config *cfg = NULL;
	strata_graph *g = NULL;
	strata_status *st = NULL;
	size_t i, applied = 0;

	if (argc != 3)
		return 2;
	in.cwd = argv[1];
	in.database = argv[2];
	if (strata_config_load(&cfg, &in) < 0)
		return die("config");
	if (strata_graph_load(&g, cfg->migrations) < 0)
		return die("graph");
	if (strata_upgrade(&res, cfg, g, &opts) < 0)
		return die("upgrade");
	if (strata_status_read(&st, cfg, g, 0) < 0)
		return die("status");
	for (i = 0; i < strata_graph_count(g); i++)
		applied += st->applied[i] != 0;
	printf("revisions %zu\n", strata_graph_count(g));
	printf("upgrade ran %zu of %zu\n", res.done, res.planned);
	printf("applied %zu\n", applied);
	for (i = 0; i < st->nversions; i++)
		printf("version %s\n", st->versions[i]);
	printf("own %d %s %d %d\n", map_put(1, 2), buf_puts(), now_ms(), db_open("abc"));
	strata_status_free(st);
	strata_graph_free(g);
	strata_config_free(cfg);
	return 0;
}
EOF
}

# check_run PROGRAM: run it on a fresh project and database, check what
# it says and what the database holds.
check_run() {
  local prog=$1
  new_db; new_project; chain 3
  ok "$prog" "$T/proj" "$DB"
  contains "$OUT" "revisions 3"
  contains "$OUT" "upgrade ran 3 of 3"
  contains "$OUT" "applied 3"
  contains "$OUT" "version $(id 3)"
  contains "$OUT" "own 102 mine 42 3"
  equals "$(tables | tr '\n' ' ')" "t1 t2 t3 "
  equals "$(versions)" "$(id 3)"
  # the command line agrees with what the program did
  ok st status
}

test_install_lays_out_the_library() {
  install_once
  local lib=$STAGE$LIB_DIR
  [ -f "$lib/libstrata.a" ] || fail "no libstrata.a installed"
  [ -L "$lib/libstrata.so" ] && [ -L "$lib/libstrata.so.0" ] || fail "soname links missing"
  [ -f "$(readlink -f "$lib/libstrata.so")" ] || fail "libstrata.so points nowhere"
  [ -f "$lib/pkgconfig/strata.pc" ] || fail "no strata.pc installed"
  [ -f "$STAGE$INC_DIR/strata/strata.h" ] || fail "no strata/strata.h installed"
  [ -x "$STAGE$PREFIX_DIR/bin/strata" ] || fail "no strata binary installed"
  equals "$(objdump -p "$lib/libstrata.so" | awk '/SONAME/ { print $2 }')" libstrata.so.0
  equals "$(spc --modversion strata)" "$("$STRATA" --version | grep -o '[0-9][0-9.]*' | head -1)"
  contains "$(spc --cflags strata)" "-I$STAGE$INC_DIR"
  # only the public API is exported
  lacks "$(nm -D --defined-only "$lib/libstrata.so" | awk '{ print " " $3 }')" " strata__"
  contains "$(nm -D --defined-only "$lib/libstrata.so" | awk '{ print $3 }')" strata_graph_load
}

test_program_linked_with_the_shared_library() {
  install_once
  write_program
  # shellcheck disable=SC2046
  "$(compiler)" $(san_flags) -std=c11 -Wall -Wextra -Werror -o prog prog.c \
    $(spc --cflags --libs strata) -Wl,-rpath,"$STAGE$LIB_DIR" ||
    fail "compiling against libstrata.so failed"
  ldd ./prog | grep -q "libstrata.so.0 => $STAGE$LIB_DIR/" ||
    fail "prog does not load the installed libstrata.so.0: $(ldd ./prog)"
  check_run "$T/prog"
}

test_program_linked_with_the_static_library() {
  install_once
  # Before the rename of scripts/prefix-symbols.sh the archive's internal
  # names are unprefixed and this program cannot link with it.
  "$ROOT/scripts/check-symbols.sh" "$BUILD_DIR" >/dev/null 2>&1 ||
    skip "libstrata.a has globals outside strata_/strata__ (scripts/check-symbols.sh)"
  write_program
  local libs
  # -l:libstrata.a, not -lstrata: the shared library sits beside it
  libs=$(spc --static --libs strata | sed 's/-lstrata\b/-l:libstrata.a/')
  # shellcheck disable=SC2046,SC2086
  "$(compiler)" $(san_flags) -std=c11 -Wall -Wextra -Werror -o prog prog.c \
    $(spc --cflags strata) $libs || fail "compiling against libstrata.a failed"
  ! ldd ./prog | grep -q libstrata || fail "prog loads libstrata.so: $(ldd ./prog)"
  check_run "$T/prog"
}

run_tests
