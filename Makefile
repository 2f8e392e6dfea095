# strata build. Plain GNU make; C11; warnings are errors.
#
#   make            build libstrata.a, libstrata.so, strata.pc and the strata
#                   binary into $(BUILD)
#   make demo       install what is missing, build, run a sample project on SQLite
#   make test       install what is missing, build, run every test
#   make test-asan  the same suite built with AddressSanitizer + UBSan (clang),
#                   on PostgreSQL 15 only (the version matrix runs in make test)
#   make test-matrix  the version-matrix suites on PG_VERSIONS (default 13)
#   make test-tsan  the unit tests and the threaded paths under ThreadSanitizer (clang)
#   make fuzz       every fuzz/fuzz_*.c (libFuzzer) for FUZZ_SECONDS each (default 60)
#   make bench      benchmarks (not timed tests; see bench/README.md)
#   make install PREFIX=/usr/local [LIBDIR=...] [DESTDIR=...]
#   make check-symbols  every global of libstrata is strata_* or strata__*
#
# BUILD selects the output directory, so several builds (plain, asan, tsan)
# can live side by side: make BUILD=build-asan SAN=1, make BUILD=build-tsan
# SAN=thread.

BUILD   ?= build
PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
CC      ?= cc
SAN     ?=
VERSION := 0.1.0

# libpq and libpg_query are compiled against (their headers give the
# types) but not linked: src/db/libpq_dyn.c and pgquery_dyn.c dlopen() them
# when PostgreSQL first needs them, so other runs do not load them (nor
# the two dozen libraries libpq needs). libpg_query is opened by the
# soname of the library found here, and named by its Debian package.
PKGS     := sqlite3 jansson inih
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) libpq 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
PGQUERY_SONAME := $(shell objdump -p "$$($(CC) -print-file-name=libpg_query.so)" 2>/dev/null | \
                    awk '/SONAME/ { print $$2 }')
PGQUERY_DEFS := $(if $(PGQUERY_SONAME),-DPGQUERY_SONAME='"$(PGQUERY_SONAME)"' \
                -DPGQUERY_PACKAGE='"libpg-query$(patsubst libpg_query.so.%,%,$(PGQUERY_SONAME))"')

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter -Wformat=2 -Wvla -Winit-self
CSTD    := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
OPT     ?= -O2 -g
ifeq ($(SAN),1)
CC      := clang
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDSAN   := -fsanitize=address,undefined
endif
# SAN=thread: ThreadSanitizer (clang), for make test-tsan.
ifeq ($(SAN),thread)
CC      := clang
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=thread
LDSAN   := -fsanitize=thread
endif
# SAN=fuzz: the library instrumented for libFuzzer (the fuzz targets add
# -fsanitize=fuzzer when linked), with ASan and UBSan.
ifeq ($(SAN),fuzz)
CC      := clang
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
           -fno-sanitize-recover=all
LDSAN   := -fsanitize=address,undefined
endif
CFLAGS  += $(CSTD) $(OPT) $(WARN) -Iinclude -Isrc $(PKG_CFLAGS) -DSTRATA_VERSION='"$(VERSION)"' \
           $(PGQUERY_DEFS)
LDFLAGS += $(LDSAN)
LDLIBS  += $(PKG_LIBS) -ldl -lpthread -lm

LIB_SRC := $(sort $(wildcard src/util/*.c src/db/*.c src/core/*.c src/schema/*.c src/lint/*.c src/advise/*.c src/online/*.c src/import/*.c src/test/*.c))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/*/test_*.c))
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 60

LIB := $(BUILD)/libstrata.a
BIN := $(BUILD)/strata

# libstrata.so: the same sources compiled again with -fPIC into
# $(BUILD)/pic/, so that libstrata.a and the binary stay as they were
# (position-dependent code, no cost to the binary). The version script
# src/libstrata.map exports the public strata_* names only; the soname
# carries the major version: libstrata.so -> libstrata.so.0 ->
# libstrata.so.$(VERSION).
SO_MAJOR := 0
SONAME  := libstrata.so.$(SO_MAJOR)
SO      := $(BUILD)/libstrata.so
SO_REAL := $(BUILD)/libstrata.so.$(VERSION)
PIC_OBJ := $(LIB_SRC:%.c=$(BUILD)/pic/%.o)
# No program can interpose on the library's own calls (the version script
# keeps every internal name local), so the compiler may inline them as it
# does for libstrata.a.
PICFLAGS := -fPIC -fno-semantic-interposition
PC      := $(BUILD)/strata.pc

.PHONY: all deps demo test test-matrix test-asan test-tsan unit integration bench install clean check-headers check-symbols fuzz fuzz-build FORCE
all: $(BIN) $(SO) $(PC)

deps:
	@scripts/deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC -fPIC $<"
	@$(CC) $(CFLAGS) $(PICFLAGS) -MMD -MP -c -o $@ $<

$(SO_REAL): $(PIC_OBJ) src/libstrata.map
	@echo "  LINK    $@"
	@$(CC) -shared $(LDFLAGS) -Wl,-soname,$(SONAME) -Wl,--version-script=src/libstrata.map \
	  -o $@ $(PIC_OBJ) $(LDLIBS)

$(SO): $(SO_REAL)
	@ln -sf $(notdir $(SO_REAL)) $(BUILD)/$(SONAME)
	@ln -sf $(SONAME) $@

# strata.pc names the install directories, so it is rewritten (only) when
# PREFIX, LIBDIR, INCLUDEDIR or VERSION change.
$(PC): src/strata.pc.in FORCE
	@mkdir -p $(dir $@)
	@sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	  -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' $< >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

# The alembic import helper is compiled into the library as a C string
# (import/fmt_alembic.c says why).
$(BUILD)/gen/alembic_helper.inc: src/import/alembic_helper.py
	@mkdir -p $(dir $@)
	@sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@
$(BUILD)/src/import/fmt_alembic.o $(BUILD)/pic/src/import/fmt_alembic.o: $(BUILD)/gen/alembic_helper.inc
$(BUILD)/src/import/fmt_alembic.o $(BUILD)/pic/src/import/fmt_alembic.o: CFLAGS += -I$(BUILD)/gen

$(BIN): $(CLI_OBJ) $(LIB)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(CFLAGS) -MMD -MP -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS) -lcmocka

# tests/unit/cli/: the option parser with the command line's output
# helpers; each test brings its own command table and help pages, so
# main.c, help.c and the commands are left out.
CLI_UNIT_OBJ := $(addprefix $(BUILD)/src/cli/,options.o output.o schema_common.o)
$(BUILD)/tests/cli/%: tests/unit/cli/%.c $(CLI_UNIT_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(CFLAGS) -MMD -MP -o $@ $< $(CLI_UNIT_OBJ) $(LIB) $(LDFLAGS) $(LDLIBS) -lcmocka

$(BUILD)/fuzz/%: fuzz/%.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(CC) $(CFLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

# Every public header must compile on its own, and the CLI is a client of
# the public API: a file under src/cli/ includes only strata/*.h, cli/*.h
# and system headers (<...>).
check-headers:
	@for h in include/strata/*.h; do \
	  echo "#include \"$${h#include/}\"" | $(CC) $(CSTD) $(WARN) -Iinclude -x c -fsyntax-only - || exit 1; \
	done
	@bad=$$(grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' \
	          $(wildcard src/cli/*.c src/cli/*.h) | \
	        grep -v '#[[:space:]]*include[[:space:]]*"\(strata\|cli\)/[^"]*"'); \
	if [ -n "$$bad" ]; then \
	  echo "$$bad"; \
	  echo "check-headers: src/cli/ may include only \"strata/*.h\" and \"cli/*.h\" (the public API and the CLI's own headers)"; \
	  exit 1; \
	fi

# The symbol rule (docs/library.md, "Symbols"): every defined global of
# libstrata.a is strata_* (public) or strata__* (internal), and
# libstrata.so exports no strata__* name. scripts/prefix-symbols.sh
# renames what breaks the rule.
check-symbols: $(LIB) $(SO)
	@scripts/check-symbols.sh $(BUILD)

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh $(BIN)

unit: $(UNIT_BIN)

test: deps
	@$(MAKE) --no-print-directory all unit check-headers check-symbols
	@tests/run-all.sh $(BUILD)

# The matrix suites alone on the server versions in PG_VERSIONS: the pinned
# versions make test leaves out (13, see tests/run-all.sh), or any others.
PG_VERSIONS ?= 13
test-matrix: deps
	@$(MAKE) --no-print-directory all unit
	@STRATA_TEST_PG_VERSIONS='$(PG_VERSIONS)' STRATA_TEST_FILTER='@pg[0-9]+$$' tests/run-all.sh $(BUILD)

test-asan:
	@scripts/deps.sh asan
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 all unit check-symbols
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	  STRATA_TEST_PG_VERSIONS=$${STRATA_TEST_PG_VERSIONS:-none} \
	  STRATA_KILL_TRIALS_SQLITE=$${STRATA_KILL_TRIALS_SQLITE:-10} \
	  STRATA_KILL_TRIALS_POSTGRES=$${STRATA_KILL_TRIALS_POSTGRES:-5} \
	  tests/run-all.sh build-asan

# ThreadSanitizer: every unit test, and suite_threads.sh, the commands
# that start threads (diff of two databases and revision --autogenerate
# load both catalogs at once, upgrade and downgrade read the database's
# state ahead while the migrations load), built with -fsanitize=thread
# into build-tsan. Any report fails the run (scripts/tsan.sh), which ends
# with the usual summary line. About two minutes; TSAN_TEST_FILTER
# replaces the selection (a regex, as STRATA_TEST_FILTER).
TSAN_TEST_FILTER ?= ^[a-z]+/test_|^suite_threads$$
test-tsan:
	@scripts/deps.sh tsan
	@$(MAKE) --no-print-directory BUILD=build-tsan SAN=thread all unit
	@STRATA_TEST_FILTER='$(TSAN_TEST_FILTER)' scripts/tsan.sh build-tsan

# Fuzzing: every fuzz/fuzz_*.c, built with libFuzzer + ASan + UBSan into
# build-fuzz, runs FUZZ_SECONDS seconds on its seeds (fuzz/run.sh: the
# target's own fuzz/seeds/<name>/ plus the tests/ and ../shared/corpus
# folders listed in fuzz/seeds/<name>.dirs, read where they are). A crash
# is kept under build-fuzz/crashes/ and fails the run.
#
# CI (.ci/run) runs make test, then make test-asan, then make test-tsan,
# then make fuzz FUZZ_SECONDS=20, and ends with one summary line adding
# them up.
# make test-asan runs every test, with fewer SIGKILL trials (10 SQLite, 5
# PostgreSQL instead of 50 and 20: make test runs the full count) so that
# the whole CI run stays near ten minutes.
fuzz-build: $(FUZZ_BIN)

fuzz:
	@scripts/deps.sh asan
	@$(MAKE) --no-print-directory BUILD=build-fuzz SAN=fuzz fuzz-build
	@fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

bench: deps
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory all
	@bench/run.sh $(BIN)

# DESTDIR stages the install (packaging, tests/integration/suite_library.sh);
# PREFIX, LIBDIR and INCLUDEDIR are where it will live, and strata.pc says so.
install: $(BIN) $(LIB) $(SO) $(PC)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/strata
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/strata
	install -m 0755 tools/strata-sqlalchemy $(DESTDIR)$(PREFIX)/bin/strata-sqlalchemy
	install -m 0644 $(LIB) $(DESTDIR)$(LIBDIR)/libstrata.a
	install -m 0755 $(SO_REAL) $(DESTDIR)$(LIBDIR)/$(notdir $(SO_REAL))
	ln -sf $(notdir $(SO_REAL)) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libstrata.so
	install -m 0644 $(PC) $(DESTDIR)$(LIBDIR)/pkgconfig/strata.pc
	install -m 0644 include/strata/*.h $(DESTDIR)$(INCLUDEDIR)/strata/

clean:
	rm -rf build build-*

-include $(LIB_OBJ:.o=.d) $(PIC_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_BIN:=.d) $(FUZZ_BIN:=.d)
