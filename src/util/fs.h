/*
 * util/fs.h - the file-system operations strata needs, done safely.
 *
 * Reads are bounded in size and take regular files only. Writes go to a
 * temporary file in the same directory (created with O_EXCL|O_NOFOLLOW,
 * mode 0644 before umask), are fsync'ed and renamed over the target, so a
 * crash never leaves a half-written file and an existing symlink at the
 * target is replaced, never followed.
 *
 * A directory of many small files (the migrations) is read through an
 * fs_dir: listed once, then each file opened relative to the directory
 * (openat with O_NOFOLLOW), so a symlink is never followed out of it, not
 * even one swapped in after the listing. Reading a file costs one open,
 * one fstat, one read (of its size + 1 bytes: a short read is the end of
 * the file) and one close.
 */
#ifndef STRATA_UTIL_FS_H
#define STRATA_UTIL_FS_H

#include <stddef.h>
#include "util/buf.h"

/* Read a whole file into out (appended). Larger than max: STRATA_EPARSE. */
int strata__fs_read_file(strata_buf *out, const char *path, size_t max);
/* Atomically replace path with data. */
int strata__fs_write_file(const char *path, const char *data, size_t len);
/* Create path with data; fails with STRATA_ECONFLICT if it exists (even as a symlink). */
int strata__fs_create_file(const char *path, const char *data, size_t len);
/* Regular-file names in dir (not following symlinks out of it), sorted; free with strata__fs_free_names. */
int strata__fs_list_dir(char ***names_out, size_t *count_out, const char *dir);
void strata__fs_free_names(char **names, size_t count);

/* An open directory and the names of its regular files (symlinks excluded), sorted. */
typedef struct fs_dir {
	int fd;       /* the directory; -1 once closed */
	char **names; /* owned; see strata__fs_list_dir */
	size_t count;
} fs_dir;

/* Open and list path. ENOENT is STRATA_ENOTFOUND. Close with strata__fs_dir_close in all cases. */
int strata__fs_dir_open(fs_dir *out, const char *path);
/*
 * Read the regular file name in d into out (appended), as strata__fs_read_file
 * does; a symlink or other non-regular file is STRATA_EPARSE. shown is
 * the path used in messages.
 */
int strata__fs_dir_read(strata_buf *out, const fs_dir *d, const char *name, const char *shown,
		size_t max);
void strata__fs_dir_close(fs_dir *d);
int strata__fs_is_dir(const char *path);
int strata__fs_exists(const char *path);
int strata__fs_mkdir_p(const char *path);
/* dir + "/" + name into out (replacing its contents). */
int strata__fs_join(strata_buf *out, const char *dir, const char *name);

#endif
