/*
 * util/fs.c - bounded reads and crash-safe writes (see fs.h).
 *
 * Layer: util. Every read goes through read_fd(), which holds the rules of
 * fs.h: regular files only (checked on the open descriptor, so a file
 * swapped after a check is still checked), at most max bytes, and one
 * read() of size + 1 bytes for a file whose size did not change.
 */
#include "util/fs.h"
#include "util/alloc.h"
#include "strata/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Refuse what strata__fs_read_file must not read: not a regular file, or larger than max. */
static int check_readable(const struct stat *st, const char *shown, size_t max)
{
	if (!S_ISREG(st->st_mode))
		return strata_error_set(STRATA_EPARSE, "'%s' is not a regular file", shown);
	if ((unsigned long long)st->st_size > max)
		return strata_error_set(STRATA_EPARSE, "'%s' is too large (%lld bytes; the limit is %zu)",
					shown, (long long)st->st_size, max);
	return 0;
}

/*
 * Read the open file fd to its end, appending to out. One read of its size
 * + 1 bytes does it: getting fewer bytes than asked, and at least the size,
 * is the end of the file. A file that shrank, or a read cut short, is read
 * on until read() returns 0; one that grew meanwhile is read on in 4 KiB
 * steps, still bounded by max.
 */
static int read_fd(strata_buf *out, int fd, const char *shown, size_t max)
{
	struct stat st;
	size_t start = out->len, size, want;
	int rc;

	if (fstat(fd, &st) < 0)
		return strata_error_set(STRATA_ERROR, "cannot stat '%s': %s", shown, strerror(errno));
	if ((rc = check_readable(&st, shown, max)) < 0)
		return rc;
	size = (size_t)st.st_size;
	want = size + 1;
	for (;;) {
		ssize_t n;

		if ((rc = strata__buf_grow(out, want)) < 0)
			goto fail;
		n = read(fd, out->ptr + out->len, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = strata_error_set(STRATA_ERROR, "cannot read '%s': %s", shown, strerror(errno));
			goto fail;
		}
		out->len += (size_t)n;
		if (out->len - start > max) {
			rc = strata_error_set(STRATA_EPARSE, "'%s' is too large (the limit is %zu bytes)",
					      shown, max);
			goto fail;
		}
		if (n == 0 || ((size_t)n < want && out->len - start >= size))
			break;
		want = (size_t)n == want ? 4096 : want - (size_t)n;
	}
	out->ptr[out->len] = '\0';
	return 0;
fail:
	strata__buf_truncate(out, start);
	return rc;
}

/* O_NONBLOCK: opening a FIFO must not hang; it is then refused as not a regular file. */
#define READ_FLAGS (O_RDONLY | O_CLOEXEC | O_NONBLOCK)

int strata__fs_read_file(strata_buf *out, const char *path, size_t max)
{
	int fd = open(path, READ_FLAGS), rc;

	if (fd < 0)
		return strata_error_set(errno == ENOENT ? STRATA_ENOTFOUND : STRATA_ERROR,
					"cannot read '%s': %s", path, strerror(errno));
	rc = read_fd(out, fd, path, max);
	close(fd);
	return rc;
}

static int write_all(int fd, const char *data, size_t len, const char *path)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return strata_error_set(STRATA_ERROR, "cannot write '%s': %s", path,
						strerror(errno));
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int strata__fs_create_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	int rc;

	if (fd < 0)
		return strata_error_set(errno == EEXIST ? STRATA_ECONFLICT : STRATA_ERROR,
					"cannot create '%s': %s", path, strerror(errno));
	rc = write_all(fd, data, len, path);
	if (rc == 0 && fsync(fd) < 0)
		rc = strata_error_set(STRATA_ERROR, "cannot sync '%s': %s", path, strerror(errno));
	close(fd);
	if (rc < 0)
		unlink(path);
	return rc;
}

int strata__fs_write_file(const char *path, const char *data, size_t len)
{
	strata_buf tmp = STRATA_BUF_INIT;
	int rc, attempt;

	for (attempt = 0; attempt < 100; attempt++) {
		strata__buf_clear(&tmp);
		if (strata__buf_printf(&tmp, "%s.tmp%ld.%d", path, (long)getpid(), attempt) < 0)
			return STRATA_ERROR;
		rc = strata__fs_create_file(strata__buf_cstr(&tmp), data, len);
		if (rc != STRATA_ECONFLICT)
			break;
	}
	if (rc == 0 && rename(strata__buf_cstr(&tmp), path) < 0) {
		rc = strata_error_set(STRATA_ERROR, "cannot replace '%s': %s", path, strerror(errno));
		unlink(strata__buf_cstr(&tmp));
	}
	strata__buf_release(&tmp);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether a directory entry is a regular file, never following a symlink. */
static int is_regular(DIR *d, const struct dirent *e)
{
	struct stat st;

	/* The entry's own type is lstat's answer, without the system call. */
	if (e->d_type != DT_UNKNOWN)
		return e->d_type == DT_REG;
	return fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

/* The sorted regular-file names of an open directory (not those starting with '.'). */
static int list_names(char ***names_out, size_t *count_out, DIR *d)
{
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || !is_regular(d, e))
			continue;
		if (strata_grow((void **)&names, &cap, n + 1, sizeof(*names)) < 0 ||
		    !(names[n] = strata_strdup(e->d_name))) {
			strata__fs_free_names(names, n);
			return STRATA_ERROR;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	*names_out = names;
	*count_out = n;
	return 0;
}

static int open_dir(DIR **out, const char *dir)
{
	if (!(*out = opendir(dir)))
		return strata_error_set(errno == ENOENT ? STRATA_ENOTFOUND : STRATA_ERROR,
					"cannot open directory '%s': %s", dir, strerror(errno));
	return 0;
}

int strata__fs_list_dir(char ***names_out, size_t *count_out, const char *dir)
{
	DIR *d;
	int rc;

	*names_out = NULL;
	*count_out = 0;
	if ((rc = open_dir(&d, dir)) < 0)
		return rc;
	rc = list_names(names_out, count_out, d);
	closedir(d);
	return rc;
}

int strata__fs_dir_open(fs_dir *out, const char *path)
{
	DIR *d;
	int rc;

	out->fd = -1;
	out->names = NULL;
	out->count = 0;
	if ((rc = open_dir(&d, path)) < 0)
		return rc;
	/* The listing's descriptor dies with closedir(); keep a copy to open files by. */
	if ((rc = list_names(&out->names, &out->count, d)) == 0 &&
	    (out->fd = fcntl(dirfd(d), F_DUPFD_CLOEXEC, 0)) < 0)
		rc = strata_error_set(STRATA_ERROR, "cannot open directory '%s': %s", path,
				      strerror(errno));
	closedir(d);
	return rc;
}

int strata__fs_dir_read(strata_buf *out, const fs_dir *d, const char *name, const char *shown,
		size_t max)
{
	int fd = openat(d->fd, name, READ_FLAGS | O_NOFOLLOW), rc;

	if (fd < 0 && errno == ELOOP)
		return strata_error_set(STRATA_EPARSE, "'%s' is not a regular file", shown);
	if (fd < 0)
		return strata_error_set(errno == ENOENT ? STRATA_ENOTFOUND : STRATA_ERROR,
					"cannot read '%s': %s", shown, strerror(errno));
	rc = read_fd(out, fd, shown, max);
	close(fd);
	return rc;
}

void strata__fs_dir_close(fs_dir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	strata__fs_free_names(d->names, d->count);
	d->fd = -1;
	d->names = NULL;
	d->count = 0;
}

void strata__fs_free_names(char **names, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		strata_free(names[i]);
	strata_free(names);
}

int strata__fs_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int strata__fs_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int strata__fs_mkdir_p(const char *path)
{
	strata_buf b = STRATA_BUF_INIT;
	size_t i;
	int rc = 0;

	if (strata__buf_puts(&b, path) < 0)
		return STRATA_ERROR;
	for (i = 1; i <= b.len && rc == 0; i++) {
		if (b.ptr[i] == '/' || b.ptr[i] == '\0') {
			char c = b.ptr[i];

			b.ptr[i] = '\0';
			if (mkdir(b.ptr, 0755) < 0 && errno != EEXIST)
				rc = strata_error_set(STRATA_ERROR, "cannot create directory '%s': %s",
						      b.ptr, strerror(errno));
			b.ptr[i] = c;
		}
	}
	strata__buf_release(&b);
	return rc;
}

int strata__fs_join(strata_buf *out, const char *dir, const char *name)
{
	strata__buf_clear(out);
	if (!dir || !*dir || (name[0] == '/'))
		return strata__buf_puts(out, name);
	if (strata__buf_puts(out, dir) < 0 || (dir[strlen(dir) - 1] != '/' && strata__buf_putc(out, '/') < 0))
		return STRATA_ERROR;
	return strata__buf_puts(out, name);
}
