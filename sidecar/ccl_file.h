/*
 * Copyright (C) cclink authors
 *
 * Files: bounded reads and atomic replacement.
 *
 * ccl_file_read(path, max, buf) reads a whole regular file of at most "max"
 * bytes into an initialised ccl_buf_t (which the caller releases). A file
 * that does not exist gives -1 with errno ENOENT and logs nothing, so the
 * caller can treat "absent" as "empty" where that makes sense; every other
 * failure is logged with the path.
 *
 * ccl_file_commit(path, data, len, mode) replaces "path" atomically:
 *
 *   1. create "<dir>/.<name>.XXXXXX" in the same directory (O_EXCL),
 *   2. write everything, fchmod to "mode" (or to the mode, owner and group
 *      of the file being replaced when CCL_FILE_KEEP_MODE is given),
 *   3. fsync, close,
 *   4. rename over "path",
 *   5. fsync the directory.
 *
 * A reader sees the old file or the new one, never half of one. On any
 * failure the temporary file is removed, the old file is untouched, the
 * failed step and the path are logged, and -1 is returned.
 *
 * ccl_file_prepare() does steps 1 to 3 and gives the temporary file's
 * name; ccl_file_install() does 4 and 5 (it removes the temporary file
 * when the rename fails); ccl_file_discard() removes a prepared file that
 * will not be installed. With them a caller writes every file first and
 * renames only when all were written. prepare refuses a target that
 * exists and is not a regular file.
 *
 * ccl_file_same(path, data, len) returns 1 when the file exists and holds
 * exactly these bytes, 0 otherwise: the "unchanged files are not
 * rewritten" rule.
 *
 * ccl_file_check_private(path, fd) refuses (-1, logged) a credentials file
 * that is not a regular file or that group or others may access.
 */

#ifndef _CCL_FILE_H_INCLUDED_
#define _CCL_FILE_H_INCLUDED_


#include <stddef.h>
#include <sys/types.h>

#include "ccl_buf.h"


#define CCL_FILE_KEEP_MODE  ((mode_t) -1)


int ccl_file_read(const char *path, size_t max, ccl_buf_t *buf);
int ccl_file_commit(const char *path, const void *data, size_t len,
    mode_t mode);
int ccl_file_prepare(const char *path, const void *data, size_t len,
    mode_t mode, char *tmp, size_t tmpsize);
int ccl_file_install(const char *tmp, const char *path);
void ccl_file_discard(const char *tmp);

/*
 * Removes the temporary files ccl_file_prepare() leaves for "path" when
 * its process dies before installing or discarding them (".NAME.XXXXXX"
 * in the same directory). Call it only while holding the lock that keeps
 * other writers of "path" out.
 */
void ccl_file_sweep(const char *path);
int ccl_file_same(const char *path, const void *data, size_t len);
int ccl_file_check_private(const char *path, int fd);

/* Reads a credentials file after ccl_file_check_private(). */
int ccl_file_read_private(const char *path, size_t max, ccl_buf_t *buf);

/* Creates a directory and its parents (mode 0755 for new ones). */
int ccl_file_mkdirs(const char *path);

/*
 * Joins dir and name into out unless name is absolute. Returns -1 (logged)
 * when the result does not fit.
 */
int ccl_file_join(char *out, size_t size, const char *dir, const char *name);

/*
 * Writes all of data to fd, again after EINTR and short writes. Returns 0,
 * or -1 with errno set (not logged).
 */
int ccl_file_write_all(int fd, const void *data, size_t len);


#endif /* _CCL_FILE_H_INCLUDED_ */
