/*
 * Copyright (C) cclink authors
 *
 * Watches a file's directory with inotify so that a worker learns of a
 * replaced route table at once; see ngx_cclink_watch.h.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_cclink_watch.h"

#if (NGX_LINUX)
#include <sys/inotify.h>
#endif


#if (NGX_LINUX)

static void ngx_cclink_watch_handler(ngx_event_t *rev);


ngx_int_t
ngx_cclink_watch_start(ngx_cclink_watch_t *w, ngx_str_t *path,
    ngx_log_t *log)
{
    int                fd;
    u_char            *p, *dir;
    ngx_connection_t  *c;

    w->conn = NULL;

    /* the directory, NUL-terminated, and the name in it */

    p = path->data + path->len;

    while (p > path->data && p[-1] != '/') {
        p--;
    }

    w->name.data = p;
    w->name.len = path->data + path->len - p;

    if (w->name.len == 0) {
        return NGX_DECLINED;
    }

    dir = ngx_alloc(p - path->data + 2, log);
    if (dir == NULL) {
        return NGX_ERROR;
    }

    if (p == path->data) {
        dir[0] = '.';
        dir[1] = '\0';

    } else {
        ngx_cpystrn(dir, path->data, p - path->data + 1);
    }

    fd = inotify_init1(IN_NONBLOCK|IN_CLOEXEC);

    if (fd == -1) {
        ngx_log_error(NGX_LOG_WARN, log, ngx_errno,
                      "inotify_init1() failed; route table changes are "
                      "seen by the timer only");
        ngx_free(dir);
        return NGX_DECLINED;
    }

    if (inotify_add_watch(fd, (char *) dir,
                          IN_MOVED_TO|IN_CLOSE_WRITE|IN_DELETE_SELF
                          |IN_MOVE_SELF|IN_ONLYDIR)
        == -1)
    {
        ngx_log_error(NGX_LOG_WARN, log, ngx_errno,
                      "inotify_add_watch(\"%s\") failed; route table "
                      "changes are seen by the timer only", dir);
        ngx_free(dir);
        (void) close(fd);
        return NGX_DECLINED;
    }

    ngx_free(dir);

    c = ngx_get_connection(fd, log);
    if (c == NULL) {
        (void) close(fd);
        return NGX_ERROR;
    }

    c->data = w;
    c->read->handler = ngx_cclink_watch_handler;
    c->read->log = log;
    c->write->log = log;

    if (ngx_add_event(c->read, NGX_READ_EVENT, 0) == NGX_ERROR) {
        ngx_close_connection(c);
        return NGX_ERROR;
    }

    w->conn = c;

    return NGX_OK;
}


void
ngx_cclink_watch_stop(ngx_cclink_watch_t *w)
{
    if (w->conn) {
        ngx_close_connection(w->conn);
        w->conn = NULL;
    }
}


static void
ngx_cclink_watch_handler(ngx_event_t *rev)
{
    u_char                 buf[4096]
                           __attribute__ ((aligned(__alignof__(
                               struct inotify_event))));
    u_char                *p;
    ssize_t                n;
    ngx_uint_t             hit;
    ngx_connection_t      *c;
    ngx_cclink_watch_t    *w;
    struct inotify_event  *ev;

    c = rev->data;
    w = c->data;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        ngx_cclink_watch_stop(w);
        return;
    }

    hit = 0;

    for ( ;; ) {
        n = read(c->fd, buf, sizeof(buf));

        if (n == -1) {
            if (ngx_errno != NGX_EAGAIN && ngx_errno != NGX_EINTR) {
                ngx_log_error(NGX_LOG_ALERT, rev->log, ngx_errno,
                              "read() of inotify events failed");
                ngx_cclink_watch_stop(w);
                return;
            }

            break;
        }

        if (n == 0) {
            break;
        }

        for (p = buf; p < buf + n; p += sizeof(struct inotify_event) + ev->len)
        {
            ev = (struct inotify_event *) p;

            if (ev->mask & (IN_Q_OVERFLOW|IN_DELETE_SELF|IN_MOVE_SELF)) {
                hit = 1;
                continue;
            }

            if (ev->len
                && ngx_strncmp(ev->name, w->name.data, w->name.len) == 0
                && ev->name[w->name.len] == '\0')
            {
                hit = 1;
            }
        }
    }

    if (hit) {
        w->changed(w->data, rev->log);
    }
}


#else


ngx_int_t
ngx_cclink_watch_start(ngx_cclink_watch_t *w, ngx_str_t *path,
    ngx_log_t *log)
{
    w->conn = NULL;

    return NGX_DECLINED;
}


void
ngx_cclink_watch_stop(ngx_cclink_watch_t *w)
{
}


#endif
