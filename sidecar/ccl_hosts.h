/*
 * Copyright (C) cclink authors
 *
 * Editing a hosts file: only the lines between this proxy's markers
 *
 *     # BEGIN cclink <proxy name>
 *     ...
 *     # END cclink <proxy name>
 *
 * change; every other byte stays as it was (other proxies' blocks
 * included).
 *
 * ccl_hosts_edit(path, old, len, name, block, out) computes the new
 * content:
 *
 *  - "block" is the rendered block with LF line ends; it is written with
 *    the file's own line ends: CRLF when the file's first line ends in
 *    CRLF (or, for an empty file, when crlf_default is set);
 *  - the first block of this proxy is replaced in place; any further
 *    complete block of this proxy is removed (duplicated markers);
 *  - without a block, the new one is appended, after a line end when the
 *    file does not end with one;
 *  - a BEGIN inside a block, an END outside one, or a BEGIN without its
 *    END is refused (-1), naming the file and line: the file is left for a
 *    person to fix.
 *
 * Without a block (NULL), this proxy's blocks are removed and nothing is
 * added.
 *
 * Markers match whole lines, ignoring trailing blanks (and the CR).
 *
 * ccl_hosts_apply(path, block, crlf_default) reads the file (a missing file
 * counts as empty), edits it, and when the content changes writes a backup
 * ("<path>.cclink-backup") and replaces the file atomically, keeping its
 * mode and owner. When rename() is impossible because the file is a mount
 * point (a bind-mounted /etc/hosts), it rewrites the file in place
 * instead. Returns 1 when the file changed, 0 when it was already up to
 * date, -1 on failure (logged, file untouched). The backup gets the mode,
 * owner and group of the file it saves and replaces an earlier backup by
 * rename: a symbolic link in its place is replaced, never written through.
 *
 * ccl_hosts_update() is ccl_hosts_apply() that first removes the block of
 * "old_name" (unless NULL or the same name): "hosts apply --replace-name"
 * after proxy_name changed. With block NULL it removes this proxy's block
 * (a missing file stays missing).
 */

#ifndef _CCL_HOSTS_H_INCLUDED_
#define _CCL_HOSTS_H_INCLUDED_


#include <stddef.h>

#include "ccl_buf.h"


#define CCL_HOSTS_MAX_FILE  (64 * 1024 * 1024)


int ccl_hosts_edit(const char *path, const char *old, size_t len,
    const char *name, const char *block, int crlf_default, ccl_buf_t *out);

int ccl_hosts_apply(const char *path, const char *name, const char *block,
    int crlf_default);
int ccl_hosts_update(const char *path, const char *name, const char *block,
    int crlf_default, const char *old_name);


#endif /* _CCL_HOSTS_H_INCLUDED_ */
