/*
 * tests/unit/util/test_fs.c - bounded reads (util/fs.c): whole files of
 * every size around the read boundaries, files whose stat size is wrong
 * (/proc), the size limit, non-regular files refused (a FIFO without
 * hanging), and directories read through an fs_dir: listing, reading by
 * name, symlinks never followed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strata/error.h"
#include "util/buf.h"
#include "util/fs.h"

static char root[] = "/tmp/strata-fs-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* root/name, in a static buffer. */
static const char *at(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	return path;
}

static char *pattern(size_t n)
{
	char *p = malloc(n + 1);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < n; i++)
		p[i] = (char)('a' + i % 26);
	p[n] = '\0';
	return p;
}

static void assert_msg_contains(const char *what)
{
	const char *msg = strata_error_last()->message;

	if (!strstr(msg, what))
		fail_msg("message '%s' lacks '%s'", msg, what);
}

static void test_fs__read_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 63, 64, 4095, 4096, 4097, 65536, 100001 };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		strata_buf b = STRATA_BUF_INIT;
		char *text = pattern(sizes[i]);

		assert_int_equal(strata__fs_write_file(at("f"), text, sizes[i]), 0);
		/* Appended after what the buffer holds. */
		assert_int_equal(strata__buf_puts(&b, ">"), 0);
		assert_int_equal(strata__fs_read_file(&b, at("f"), 1 << 20), 0);
		assert_int_equal(b.len, sizes[i] + 1);
		assert_memory_equal(b.ptr + 1, text, sizes[i]);
		assert_int_equal(b.ptr[b.len], '\0');
		strata__buf_release(&b);
		free(text);
	}
	(void)state;
}

/* /proc files say size 0 but have contents: read to the real end all the same. */
static void test_fs__read_past_stat_size(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	struct stat st;

	assert_int_equal(stat("/proc/self/status", &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(strata__fs_read_file(&b, "/proc/self/status", 1 << 20), 0);
	assert_true(b.len > 100);
	assert_non_null(strstr(strata__buf_cstr(&b), "Pid:"));
	assert_int_equal(b.len, strlen(strata__buf_cstr(&b)));
	strata__buf_release(&b);
	/* The limit holds for them too. */
	assert_int_equal(strata__fs_read_file(&b, "/proc/self/status", 10), STRATA_EPARSE);
	assert_msg_contains("too large");
	assert_int_equal(b.len, 0);
	strata__buf_release(&b);
	(void)state;
}

static void test_fs__read_refusals(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	char *text = pattern(1000);

	assert_int_equal(strata__fs_write_file(at("big"), text, 1000), 0);
	assert_int_equal(strata__fs_read_file(&b, at("big"), 1000), 0);
	strata__buf_clear(&b);
	assert_int_equal(strata__fs_read_file(&b, at("big"), 999), STRATA_EPARSE);
	assert_msg_contains("is too large (1000 bytes; the limit is 999)");
	assert_int_equal(strata__fs_read_file(&b, at("missing"), 10), STRATA_ENOTFOUND);
	assert_int_equal(strata__fs_read_file(&b, root, 10), STRATA_EPARSE);
	assert_msg_contains("is not a regular file");
	/* A FIFO is refused at once, not waited on for a writer. */
	assert_int_equal(mkfifo(at("fifo"), 0644), 0);
	assert_int_equal(strata__fs_read_file(&b, at("fifo"), 10), STRATA_EPARSE);
	assert_msg_contains("is not a regular file");
	assert_int_equal(b.len, 0);
	strata__buf_release(&b);
	free(text);
	(void)state;
}

static void test_fs__dir(void **state)
{
	strata_buf b = STRATA_BUF_INIT;
	char outside[256], sub[256];
	fs_dir d;

	snprintf(sub, sizeof(sub), "%s", at("d"));
	assert_int_equal(strata__fs_mkdir_p(sub), 0);
	assert_int_equal(strata__fs_write_file(at("d/b.sql"), "bee", 3), 0);
	assert_int_equal(strata__fs_write_file(at("d/a.sql"), "ay", 2), 0);
	assert_int_equal(strata__fs_write_file(at("d/.hidden"), "h", 1), 0);
	assert_int_equal(strata__fs_mkdir_p(at("d/sub.sql")), 0);
	assert_int_equal(strata__fs_write_file(at("secret"), "outside", 7), 0);
	snprintf(outside, sizeof(outside), "%s", at("secret"));
	assert_int_equal(symlink(outside, at("d/link.sql")), 0);

	assert_int_equal(strata__fs_dir_open(&d, sub), 0);
	assert_int_equal(d.count, 2);
	assert_string_equal(d.names[0], "a.sql");
	assert_string_equal(d.names[1], "b.sql");
	assert_int_equal(strata__fs_dir_read(&b, &d, "b.sql", "d/b.sql", 100), 0);
	assert_string_equal(strata__buf_cstr(&b), "bee");
	strata__buf_clear(&b);
	/* Named directly, a symlink is still not followed, nor a directory read. */
	assert_int_equal(strata__fs_dir_read(&b, &d, "link.sql", "d/link.sql", 100), STRATA_EPARSE);
	assert_msg_contains("'d/link.sql' is not a regular file");
	assert_int_equal(strata__fs_dir_read(&b, &d, "sub.sql", "d/sub.sql", 100), STRATA_EPARSE);
	assert_int_equal(strata__fs_dir_read(&b, &d, "gone.sql", "d/gone.sql", 100), STRATA_ENOTFOUND);
	assert_msg_contains("cannot read 'd/gone.sql'");
	assert_int_equal(b.len, 0);
	strata__fs_dir_close(&d);
	assert_int_equal(d.fd, -1);
	strata__fs_dir_close(&d); /* twice is harmless */

	assert_int_equal(strata__fs_dir_open(&d, at("nodir")), STRATA_ENOTFOUND);
	strata__fs_dir_close(&d);
	strata__buf_release(&b);
	(void)state;
}

static void test_fs__join(void **state)
{
	strata_buf b = STRATA_BUF_INIT;

	assert_int_equal(strata__fs_join(&b, "dir", "f"), 0);
	assert_string_equal(strata__buf_cstr(&b), "dir/f");
	assert_int_equal(strata__fs_join(&b, "dir/", "f"), 0);
	assert_string_equal(strata__buf_cstr(&b), "dir/f");
	assert_int_equal(strata__fs_join(&b, "dir", "/abs"), 0);
	assert_string_equal(strata__buf_cstr(&b), "/abs");
	assert_int_equal(strata__fs_join(&b, "", "f"), 0);
	assert_string_equal(strata__buf_cstr(&b), "f");
	assert_int_equal(strata__fs_join(&b, NULL, "f"), 0);
	assert_string_equal(strata__buf_cstr(&b), "f");
	strata__buf_release(&b);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fs__read_sizes),
		cmocka_unit_test(test_fs__read_past_stat_size),
		cmocka_unit_test(test_fs__read_refusals),
		cmocka_unit_test(test_fs__dir),
		cmocka_unit_test(test_fs__join),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
