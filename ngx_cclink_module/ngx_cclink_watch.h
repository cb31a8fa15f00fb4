/*
 * Copyright (C) cclink authors
 *
 * Learning at once that a file was replaced: an inotify watch on the
 * file's directory, in a worker's event loop.
 *
 * Invariants
 *
 *  - The watch is on the directory, not the file: a file replaced by
 *    rename (a new inode) is seen (IN_MOVED_TO), and so is one written in
 *    place (IN_CLOSE_WRITE); events for other names are ignored.
 *  - "changed" is called from the event loop, at most once per read of the
 *    notifications, when the file's name was among them or when the
 *    kernel dropped events (queue overflow): the caller then looks at the
 *    file as its timer would. The watch is a hint, never the only way:
 *    callers keep their timer (file systems without notifications, a
 *    directory replaced as a whole).
 *  - The watch holds one connection of the worker (as a channel does);
 *    ngx_cclink_watch_stop() gives it back and is safe to call twice.
 *  - Where inotify is missing (not Linux), start declines and nothing
 *    else changes.
 */

#ifndef _NGX_CCLINK_WATCH_H_INCLUDED_
#define _NGX_CCLINK_WATCH_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


typedef void (*ngx_cclink_watch_pt)(void *data, ngx_log_t *log);


typedef struct {
    ngx_connection_t      *conn;
    ngx_str_t              name;      /* the file's name in its directory */
    ngx_cclink_watch_pt    changed;
    void                  *data;
} ngx_cclink_watch_t;


/* NGX_OK, NGX_DECLINED (no inotify here), NGX_ERROR (logged) */
ngx_int_t ngx_cclink_watch_start(ngx_cclink_watch_t *w, ngx_str_t *path,
    ngx_log_t *log);
void ngx_cclink_watch_stop(ngx_cclink_watch_t *w);


#endif /* _NGX_CCLINK_WATCH_H_INCLUDED_ */
