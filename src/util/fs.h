/*
 * util/fs.h - the file-system operations strata needs, done safely.
 *
 * Reads are bounded in size. Writes go to a temporary file in the same
 * directory (created with O_EXCL|O_NOFOLLOW, mode 0644 before umask),
 * are fsync'ed and renamed over the target, so a crash never leaves a
 * half-written file and an existing symlink at the target is replaced,
 * never followed.
 */
#ifndef STRATA_UTIL_FS_H
#define STRATA_UTIL_FS_H

#include <stddef.h>
#include "util/buf.h"

/* Read a whole file into out (appended). Larger than max: STRATA_EPARSE. */
int fs_read_file(strata_buf *out, const char *path, size_t max);
/* Atomically replace path with data. */
int fs_write_file(const char *path, const char *data, size_t len);
/* Create path with data; fails with STRATA_ECONFLICT if it exists (even as a symlink). */
int fs_create_file(const char *path, const char *data, size_t len);
/* Regular-file names in dir (not following symlinks out of it), sorted; free with fs_free_names. */
int fs_list_dir(char ***names_out, size_t *count_out, const char *dir);
void fs_free_names(char **names, size_t count);
int fs_is_dir(const char *path);
int fs_exists(const char *path);
int fs_mkdir_p(const char *path);
/* dir + "/" + name into out (replacing its contents). */
int fs_join(strata_buf *out, const char *dir, const char *name);

#endif
