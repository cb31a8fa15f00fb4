/*
 * Copyright (C) cclink authors
 *
 * Files: bounded reads and atomic replacement (ccl_file.h).
 */


#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ccl_file.h"
#include "ccl_log.h"


static int ccl_file_read_fd(const char *path, int fd, size_t max,
    ccl_buf_t *buf);
static int ccl_file_split(const char *path, char *dir, size_t dsize,
    char *base, size_t bsize);


int
ccl_file_read(const char *path, size_t max, ccl_buf_t *buf)
{
    int  fd, rc, err;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        err = errno;
        if (err != ENOENT) {
            ccl_log(CCL_LOG_ERROR, "file_error", "op=open path=%s error=%s",
                    path, strerror(err));
        }
        errno = err;
        return -1;
    }

    rc = ccl_file_read_fd(path, fd, max, buf);
    close(fd);

    return rc;
}


int
ccl_file_read_private(const char *path, size_t max, ccl_buf_t *buf)
{
    int  fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd == -1) {
        ccl_log(CCL_LOG_ERROR, "credentials_error",
                "path=%s error=%s", path, strerror(errno));
        return -1;
    }

    if (ccl_file_check_private(path, fd) != 0) {
        close(fd);
        return -1;
    }

    rc = ccl_file_read_fd(path, fd, max, buf);
    close(fd);

    return rc;
}


static int
ccl_file_read_fd(const char *path, int fd, size_t max, ccl_buf_t *buf)
{
    char         chunk[65536];
    ssize_t      n;
    struct stat  st;

    if (fstat(fd, &st) != 0) {
        ccl_log(CCL_LOG_ERROR, "file_error", "op=fstat path=%s error=%s",
                path, strerror(errno));
        return -1;
    }

    if (!S_ISREG(st.st_mode)) {
        ccl_log(CCL_LOG_ERROR, "file_error",
                "op=read path=%s error=%s", path, "not a regular file");
        errno = EINVAL;
        return -1;
    }

    ccl_buf_reset(buf);

    if (ccl_buf_add(buf, "", 0) != 0) {
        return -1;
    }

    for ( ;; ) {
        n = read(fd, chunk, sizeof(chunk));

        if (n < 0 && errno == EINTR) {
            continue;
        }

        if (n < 0) {
            ccl_log(CCL_LOG_ERROR, "file_error", "op=read path=%s error=%s",
                    path, strerror(errno));
            return -1;
        }

        if (n == 0) {
            break;
        }

        if (ccl_buf_add(buf, chunk, (size_t) n) != 0) {
            ccl_log(CCL_LOG_ERROR, "file_error",
                    "op=read path=%s error=%s max_bytes=%zu", path,
                    buf->over ? "file too large" : "out of memory", max);
            errno = EFBIG;
            return -1;
        }

        if (buf->len > max) {
            ccl_log(CCL_LOG_ERROR, "file_error",
                    "op=read path=%s error=%s max_bytes=%zu", path,
                    "file too large", max);
            errno = EFBIG;
            return -1;
        }
    }

    return 0;
}


int
ccl_file_check_private(const char *path, int fd)
{
    struct stat  st;

    if (fstat(fd, &st) != 0) {
        ccl_log(CCL_LOG_ERROR, "credentials_error", "path=%s error=%s",
                path, strerror(errno));
        return -1;
    }

    if (!S_ISREG(st.st_mode)) {
        ccl_log(CCL_LOG_ERROR, "credentials_error", "path=%s error=%s",
                path, "not a regular file");
        return -1;
    }

    if ((st.st_mode & 077) != 0) {
        ccl_log(CCL_LOG_ERROR, "credentials_error",
                "path=%s mode=0%03o error=%s hint=%s", path,
                (unsigned) (st.st_mode & 0777),
                "credentials file is accessible by group or others",
                "chmod 600 the file");
        return -1;
    }

    return 0;
}


int
ccl_file_same(const char *path, const void *data, size_t len)
{
    int          rc;
    ccl_buf_t    b;
    struct stat  st;

    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)
        || (size_t) st.st_size != len)
    {
        return 0;
    }

    ccl_buf_init(&b, len + 1);

    rc = 0;

    if (ccl_file_read(path, len, &b) == 0
        && b.len == len && memcmp(b.data, data, len) == 0)
    {
        rc = 1;
    }

    ccl_buf_release(&b);

    return rc;
}


int
ccl_file_write_all(int fd, const void *data, size_t len)
{
    ssize_t      n;
    const char  *p;

    p = data;

    while (len > 0) {
        n = write(fd, p, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }

        if (n <= 0) {
            return -1;
        }

        p += n;
        len -= (size_t) n;
    }

    return 0;
}


static int
ccl_file_split(const char *path, char *dir, size_t dsize, char *base,
    size_t bsize)
{
    const char  *slash;
    size_t       dlen;

    slash = strrchr(path, '/');

    if (slash == NULL) {
        if (ccl_strlcpy(dir, ".", dsize) != 0
            || ccl_strlcpy(base, path, bsize) != 0)
        {
            return -1;
        }
        return 0;
    }

    dlen = (size_t) (slash - path);
    if (dlen == 0) {
        dlen = 1;
    }

    if (dlen >= dsize) {
        return -1;
    }

    memcpy(dir, path, dlen);
    dir[dlen] = '\0';

    return ccl_strlcpy(base, slash + 1, bsize);
}


int
ccl_file_prepare(const char *path, const void *data, size_t len,
    mode_t mode, char *tmp, size_t tmpsize)
{
    int          fd, keep, err;
    char         dir[PATH_MAX], base[NAME_MAX + 1];
    const char  *step;
    struct stat  st;

    if (ccl_file_split(path, dir, sizeof(dir), base, sizeof(base)) != 0
        || base[0] == '\0'
        || ccl_snprintf(tmp, tmpsize, "%s/.%s.XXXXXX", dir, base) != 0)
    {
        ccl_log(CCL_LOG_ERROR, "file_error", "op=prepare path=%s error=%s",
                path, "bad path");
        errno = EINVAL;
        return -1;
    }

    keep = 0;

    if (lstat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode)) {
            ccl_log(CCL_LOG_ERROR, "file_error", "op=prepare path=%s "
                    "error=%s", path, "exists and is not a regular file");
            errno = EISDIR;
            return -1;
        }

        if (mode == CCL_FILE_KEEP_MODE) {
            keep = 1;
            mode = st.st_mode & 07777;
        }

    } else if (mode == CCL_FILE_KEEP_MODE) {
        mode = 0644;
    }

    fd = mkstemp(tmp);
    if (fd == -1) {
        err = errno;
        ccl_log(CCL_LOG_ERROR, "file_error",
                "op=create_temp path=%s error=%s", tmp, strerror(err));
        errno = err;
        return -1;
    }

    step = "write";
    if (ccl_file_write_all(fd, data, len) != 0) {
        goto failed;
    }

    step = "chmod";
    if (fchmod(fd, mode) != 0) {
        goto failed;
    }

    if (keep && (st.st_uid != geteuid() || st.st_gid != getegid())) {
        step = "chown";
        if (fchown(fd, st.st_uid, st.st_gid) != 0) {
            goto failed;
        }
    }

    step = "fsync";
    if (fsync(fd) != 0) {
        goto failed;
    }

    step = "close";
    if (close(fd) != 0) {
        fd = -1;
        goto failed;
    }

    return 0;

failed:

    err = errno;

    ccl_log(CCL_LOG_ERROR, "file_error", "op=%s path=%s error=%s", step,
            path, strerror(err));

    if (fd != -1) {
        close(fd);
    }

    unlink(tmp);
    errno = err;

    return -1;
}


int
ccl_file_install(const char *tmp, const char *path)
{
    int   dfd, err;
    char  dir[PATH_MAX], base[NAME_MAX + 1];

    if (rename(tmp, path) != 0) {
        err = errno;
        ccl_log(CCL_LOG_ERROR, "file_error", "op=rename path=%s error=%s",
                path, strerror(err));
        unlink(tmp);
        errno = err;
        return -1;
    }

    if (ccl_file_split(path, dir, sizeof(dir), base, sizeof(base)) != 0) {
        return 0;
    }

    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (dfd == -1 || fsync(dfd) != 0) {
        /* the file is in place; only durability of the rename is unsure */
        ccl_log(CCL_LOG_WARN, "file_warning",
                "op=fsync_dir path=%s error=%s", dir, strerror(errno));
    }

    if (dfd != -1) {
        close(dfd);
    }

    return 0;
}


void
ccl_file_discard(const char *tmp)
{
    if (tmp != NULL && tmp[0] != '\0') {
        (void) unlink(tmp);
    }
}


int
ccl_file_commit(const char *path, const void *data, size_t len, mode_t mode)
{
    char  tmp[PATH_MAX];

    if (ccl_file_prepare(path, data, len, mode, tmp, sizeof(tmp)) != 0) {
        return -1;
    }

    return ccl_file_install(tmp, path);
}


int
ccl_file_mkdirs(const char *path)
{
    char    buf[PATH_MAX];
    char   *p;

    if (ccl_strlcpy(buf, path, sizeof(buf)) != 0) {
        ccl_log(CCL_LOG_ERROR, "file_error", "op=mkdir path=%s error=%s",
                path, "path too long");
        return -1;
    }

    for (p = buf + 1; *p != '\0'; p++) {
        if (*p != '/') {
            continue;
        }

        *p = '\0';

        if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
            ccl_log(CCL_LOG_ERROR, "file_error", "op=mkdir path=%s error=%s",
                    buf, strerror(errno));
            return -1;
        }

        *p = '/';
    }

    if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
        ccl_log(CCL_LOG_ERROR, "file_error", "op=mkdir path=%s error=%s",
                buf, strerror(errno));
        return -1;
    }

    return 0;
}


int
ccl_file_join(char *out, size_t size, const char *dir, const char *name)
{
    int  rc;

    if (name[0] == '/' || dir == NULL || dir[0] == '\0') {
        rc = ccl_strlcpy(out, name, size);

    } else {
        rc = ccl_snprintf(out, size, "%s/%s", dir, name);
    }

    if (rc != 0) {
        ccl_log(CCL_LOG_ERROR, "file_error", "path=%s/%s error=%s", dir,
                name, "path too long");
        return -1;
    }

    return 0;
}


void
ccl_file_sweep(const char *path)
{
    DIR            *d;
    char            dir[PATH_MAX], base[NAME_MAX + 1], tmp[PATH_MAX];
    size_t          blen;
    struct dirent  *e;

    if (ccl_file_split(path, dir, sizeof(dir), base, sizeof(base)) != 0
        || base[0] == '\0')
    {
        return;
    }

    d = opendir(dir);
    if (d == NULL) {
        return;
    }

    blen = strlen(base);

    for (e = readdir(d); e != NULL; e = readdir(d)) {

        /* ".BASE." and the 6 characters mkstemp() put there */

        if (e->d_name[0] != '.'
            || strlen(e->d_name) != 1 + blen + 1 + 6
            || strncmp(e->d_name + 1, base, blen) != 0
            || e->d_name[1 + blen] != '.')
        {
            continue;
        }

        if (ccl_snprintf(tmp, sizeof(tmp), "%s/%s", dir, e->d_name) != 0) {
            continue;
        }

        if (unlink(tmp) == 0) {
            ccl_log(CCL_LOG_INFO, "temp_removed", "path=%s", tmp);
        }
    }

    closedir(d);
}
