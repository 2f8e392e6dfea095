/*
 * util/fs.c - bounded reads and crash-safe writes (see fs.h).
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

int fs_read_file(strata_buf *out, const char *path, size_t max)
{
	struct stat st;
	int fd, rc = STRATA_ERROR;
	size_t want;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return strata_error_set(errno == ENOENT ? STRATA_ENOTFOUND : STRATA_ERROR,
					"cannot read '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		strata_error_set(STRATA_ERROR, "cannot stat '%s': %s", path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = strata_error_set(STRATA_EPARSE, "'%s' is not a regular file", path);
		goto done;
	}
	if ((unsigned long long)st.st_size > max) {
		rc = strata_error_set(STRATA_EPARSE, "'%s' is too large (%lld bytes; the limit is %zu)",
				      path, (long long)st.st_size, max);
		goto done;
	}
	want = (size_t)st.st_size;
	if (buf_grow(out, want) < 0)
		goto done;
	for (;;) {
		ssize_t n;

		if (buf_grow(out, 4096) < 0)
			goto done;
		n = read(fd, out->ptr + out->len, out->cap - out->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			strata_error_set(STRATA_ERROR, "cannot read '%s': %s", path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		if (out->len > max) {
			rc = strata_error_set(STRATA_EPARSE, "'%s' is too large (the limit is %zu bytes)",
					      path, max);
			goto done;
		}
	}
	out->ptr[out->len] = '\0';
	rc = 0;
done:
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

int fs_create_file(const char *path, const char *data, size_t len)
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

int fs_write_file(const char *path, const char *data, size_t len)
{
	strata_buf tmp = STRATA_BUF_INIT;
	int rc, attempt;

	for (attempt = 0; attempt < 100; attempt++) {
		buf_clear(&tmp);
		if (buf_printf(&tmp, "%s.tmp%ld.%d", path, (long)getpid(), attempt) < 0)
			return STRATA_ERROR;
		rc = fs_create_file(buf_cstr(&tmp), data, len);
		if (rc != STRATA_ECONFLICT)
			break;
	}
	if (rc == 0 && rename(buf_cstr(&tmp), path) < 0) {
		rc = strata_error_set(STRATA_ERROR, "cannot replace '%s': %s", path, strerror(errno));
		unlink(buf_cstr(&tmp));
	}
	buf_release(&tmp);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int fs_list_dir(char ***names_out, size_t *count_out, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	*names_out = NULL;
	*count_out = 0;
	if (!d)
		return strata_error_set(errno == ENOENT ? STRATA_ENOTFOUND : STRATA_ERROR,
					"cannot open directory '%s': %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		/* Not following symlinks: a link cannot pull a file from outside in. */
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (strata_grow((void **)&names, &cap, n + 1, sizeof(*names)) < 0 ||
		    !(names[n] = strata_strdup(e->d_name))) {
			closedir(d);
			fs_free_names(names, n);
			return STRATA_ERROR;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	*names_out = names;
	*count_out = n;
	return 0;
}

void fs_free_names(char **names, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		strata_free(names[i]);
	strata_free(names);
}

int fs_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int fs_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int fs_mkdir_p(const char *path)
{
	strata_buf b = STRATA_BUF_INIT;
	size_t i;
	int rc = 0;

	if (buf_puts(&b, path) < 0)
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
	buf_release(&b);
	return rc;
}

int fs_join(strata_buf *out, const char *dir, const char *name)
{
	buf_clear(out);
	if (!dir || !*dir || (name[0] == '/'))
		return buf_puts(out, name);
	return buf_printf(out, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
}
