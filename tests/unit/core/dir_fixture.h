/*
 * tests/unit/core/dir_fixture.h - a temporary folder per test case for the
 * tests that work on real files (strata.sum, strata.tags): setup and
 * teardown for cmocka, and writing and reading a file in it. Included by
 * one test file each (static functions).
 */
#ifndef STRATA_TEST_DIR_FIXTURE_H
#define STRATA_TEST_DIR_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[256];

static int make_dir(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/strata-unit-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int remove_dir(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

/* Write dir/name. */
static void put(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The contents of dir/name (static buffer). */
static __attribute__((unused)) const char *file_text(const char *name)
{
	static char text[8192];
	char path[512];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

#endif
