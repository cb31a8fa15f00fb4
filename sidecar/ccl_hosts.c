/*
 * Copyright (C) cclink authors
 *
 * Editing a hosts file between this proxy's markers (ccl_hosts.h).
 */


#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ccl_file.h"
#include "ccl_hosts.h"
#include "ccl_log.h"


static int ccl_hosts_is_marker(const char *line, size_t len,
    const char *marker);
static int ccl_hosts_add_block(ccl_buf_t *out, const char *block,
    int crlf);
static int ccl_hosts_rewrite_in_place(const char *path, const char *data,
    size_t len);
static int ccl_hosts_backup(const char *path, const char *data, size_t len,
    const struct stat *st);


/* line without its LF; a CR and trailing blanks are ignored */
static int
ccl_hosts_is_marker(const char *line, size_t len, const char *marker)
{
    size_t  mlen;

    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '
                       || line[len - 1] == '\t'))
    {
        len--;
    }

    mlen = strlen(marker);

    return len == mlen && memcmp(line, marker, len) == 0;
}


static int
ccl_hosts_add_block(ccl_buf_t *out, const char *block, int crlf)
{
    const char  *p;

    for (p = block; *p != '\0'; p++) {
        if (*p == '\n' && crlf && ccl_buf_addc(out, '\r') != 0) {
            return -1;
        }

        if (ccl_buf_addc(out, *p) != 0) {
            return -1;
        }
    }

    return 0;
}


int
ccl_hosts_edit(const char *path, const char *old, size_t len,
    const char *name, const char *block, int crlf_default, ccl_buf_t *out)
{
    int          crlf, inside, placed, rc;
    char         begin[160], end[160];
    size_t       pos, llen, begin_line;
    unsigned     lineno;
    const char  *line, *nl;

    if (ccl_snprintf(begin, sizeof(begin), "# BEGIN cclink %s", name) != 0
        || ccl_snprintf(end, sizeof(end), "# END cclink %s", name) != 0)
    {
        return -1;
    }

    /* the file's line ends decide ours */
    nl = memchr(old, '\n', len);

    if (nl != NULL) {
        crlf = (nl > old && nl[-1] == '\r');
    } else {
        /* a CR-LF file cut after its last CR still has CR-LF line ends */
        crlf = (len > 0 && old[len - 1] == '\r') ? 1 : crlf_default;
    }

    inside = 0;
    placed = 0;
    begin_line = 0;
    lineno = 0;
    rc = 0;

    for (pos = 0; pos < len; pos += llen + (nl != NULL ? 1 : 0)) {
        line = old + pos;
        nl = memchr(line, '\n', len - pos);
        llen = (nl != NULL) ? (size_t) (nl - line) : len - pos;
        lineno++;

        if (ccl_hosts_is_marker(line, llen, begin)) {
            if (inside) {
                ccl_log(CCL_LOG_ERROR, "hosts_error", "where=%s:%u error=%s "
                        "first=%zu", path, lineno,
                        "BEGIN marker inside a block", begin_line);
                return -1;
            }

            inside = 1;
            begin_line = lineno;

            if (!placed) {
                rc = (block != NULL) ? ccl_hosts_add_block(out, block, crlf)
                                     : 0;
                placed = 1;
            } else {
                ccl_log(CCL_LOG_WARN, "hosts_duplicate_block",
                        "where=%s:%u action=%s", path, lineno, "removed");
            }

        } else if (ccl_hosts_is_marker(line, llen, end)) {
            if (!inside) {
                ccl_log(CCL_LOG_ERROR, "hosts_error", "where=%s:%u error=%s",
                        path, lineno, "END marker without BEGIN");
                return -1;
            }

            inside = 0;

        } else if (!inside) {
            rc = ccl_buf_add(out, line, llen + (nl != NULL ? 1 : 0));
        }

        if (rc != 0) {
            return -1;
        }

        if (nl == NULL) {
            break;
        }
    }

    if (inside) {
        ccl_log(CCL_LOG_ERROR, "hosts_error", "where=%s:%zu error=%s", path,
                begin_line, "BEGIN marker without END");
        return -1;
    }

    if (!placed && block != NULL) {
        if (len > 0 && old[len - 1] != '\n'
            && ccl_buf_adds(out, (crlf && old[len - 1] != '\r')
                                 ? "\r\n" : "\n") != 0)
        {
            return -1;
        }

        if (ccl_hosts_add_block(out, block, crlf) != 0) {
            return -1;
        }
    }

    /* an empty result still needs a buffer */
    return ccl_buf_add(out, "", 0);
}


static int
ccl_hosts_rewrite_in_place(const char *path, const char *data, size_t len)
{
    int  fd;

    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd == -1) {
        ccl_log(CCL_LOG_ERROR, "file_error", "op=open path=%s error=%s",
                path, strerror(errno));
        return -1;
    }

    if (ccl_file_write_all(fd, data, len) != 0) {
        ccl_log(CCL_LOG_ERROR, "file_error", "op=write path=%s error=%s",
                path, strerror(errno));
        close(fd);
        return -1;
    }

    if (ftruncate(fd, (off_t) len) != 0 || fsync(fd) != 0) {
        ccl_log(CCL_LOG_ERROR, "file_error", "op=truncate path=%s error=%s",
                path, strerror(errno));
        close(fd);
        return -1;
    }

    return close(fd) == 0 ? 0 : -1;
}


/*
 * The backup gets the mode, owner and group of the file it saves, never
 * those of an earlier backup; it is written beside it and renamed over
 * the old backup, so a symbolic link there is replaced, not followed.
 */
static int
ccl_hosts_backup(const char *path, const char *data, size_t len,
    const struct stat *st)
{
    int          fd;
    char         tmp[4096];
    const char  *step;

    if (ccl_snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) != 0) {
        return -1;
    }

    fd = mkstemp(tmp);
    if (fd == -1) {
        ccl_log(CCL_LOG_ERROR, "file_error", "op=create_temp path=%s "
                "error=%s", tmp, strerror(errno));
        return -1;
    }

    step = "write";
    if (ccl_file_write_all(fd, data, len) != 0) {
        goto failed;
    }

    step = "chmod";
    if (fchmod(fd, st->st_mode & 07777) != 0) {
        goto failed;
    }

    step = "chown";
    if ((st->st_uid != geteuid() || st->st_gid != getegid())
        && fchown(fd, st->st_uid, st->st_gid) != 0)
    {
        goto failed;
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

    /* rename() replaces whatever is at "path", a symbolic link included */
    return ccl_file_install(tmp, path);

failed:

    ccl_log(CCL_LOG_ERROR, "file_error", "op=%s path=%s error=%s", step,
            tmp, strerror(errno));

    if (fd != -1) {
        close(fd);
    }

    (void) unlink(tmp);

    return -1;
}


int
ccl_hosts_apply(const char *path, const char *name, const char *block,
    int crlf_default)
{
    return ccl_hosts_update(path, name, block, crlf_default, NULL);
}


int
ccl_hosts_update(const char *path, const char *name, const char *block,
    int crlf_default, const char *old_name)
{
    int          rc, exists;
    char         backup[4096];
    ccl_buf_t    old, out, mid;
    struct stat  st;

    ccl_buf_init(&old, CCL_HOSTS_MAX_FILE + 1);
    ccl_buf_init(&out, CCL_HOSTS_MAX_FILE * 2);
    ccl_buf_init(&mid, CCL_HOSTS_MAX_FILE * 2);
    rc = -1;
    exists = 1;

    if (ccl_file_read(path, CCL_HOSTS_MAX_FILE, &old) != 0) {
        if (errno != ENOENT) {
            goto done;
        }
        exists = 0;
        ccl_buf_reset(&old);
    }

    /* a renamed proxy: its old block goes first */

    if (old_name != NULL && strcmp(old_name, name) != 0) {
        if (ccl_hosts_edit(path, old.data ? old.data : "", old.len,
                           old_name, NULL, crlf_default, &mid) != 0)
        {
            goto done;
        }

    } else if (ccl_buf_add(&mid, old.data ? old.data : "", old.len) != 0) {
        goto done;
    }

    if (ccl_hosts_edit(path, mid.data, mid.len, name, block, crlf_default,
                       &out) != 0)
    {
        goto done;
    }

    if (!exists && block == NULL) {
        ccl_log(CCL_LOG_INFO, "hosts_unchanged", "path=%s reason=%s", path,
                "no such file");
        rc = 0;
        goto done;
    }

    if (exists && out.len == old.len && memcmp(out.data, old.data, old.len)
        == 0)
    {
        ccl_log(CCL_LOG_INFO, "hosts_unchanged", "path=%s", path);
        rc = 0;
        goto done;
    }

    if (exists) {
        if (stat(path, &st) != 0
            || ccl_snprintf(backup, sizeof(backup), "%s.cclink-backup", path)
               != 0
            || ccl_hosts_backup(backup, old.data, old.len, &st) != 0)
        {
            ccl_log(CCL_LOG_ERROR, "hosts_error", "path=%s error=%s", path,
                    "cannot write the backup; the file is unchanged");
            goto done;
        }
    }

    if (ccl_file_commit(path, out.data, out.len,
                        exists ? CCL_FILE_KEEP_MODE : 0644) != 0)
    {
        if (!(exists && (errno == EBUSY || errno == EXDEV))) {
            goto done;
        }

        /* a bind-mounted file cannot be replaced: rewrite it in place */
        ccl_log(CCL_LOG_WARN, "hosts_in_place", "path=%s reason=%s", path,
                "the file is a mount point");

        if (ccl_hosts_rewrite_in_place(path, out.data, out.len) != 0) {
            goto done;
        }
    }

    ccl_log(CCL_LOG_INFO, "hosts_updated", "path=%s bytes=%zu", path,
            out.len);
    rc = 1;

done:

    ccl_buf_release(&old);
    ccl_buf_release(&out);
    ccl_buf_release(&mid);

    return rc;
}
