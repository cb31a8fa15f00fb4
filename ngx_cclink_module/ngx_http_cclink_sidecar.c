/*
 * Copyright (C) cclink authors
 *
 * The status page's reader of cclink-sidecar's status file (sidecar/
 * ccl_status.h): a few "key value" lines, at most 1 KiB, that the sidecar
 * replaces atomically after each cycle. A worker reads it only when a
 * stat() shows it was replaced (inode, size or mtime changed) and keeps
 * what it read in its copy of the location's configuration; nothing is
 * parsed on a request otherwise. A file that cannot be read or parsed is
 * reported on the page, not as a failed request. The walk over the
 * file's lines (ngx_http_cclink_sidecar_lines()) serves the health
 * endpoint too.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_cclink.h"


#define NGX_HTTP_CCLINK_SC_MAGIC     "cclink-status 1"


static void ngx_http_cclink_sidecar_load(ngx_http_request_t *r,
    ngx_http_cclink_sidecar_t *sc, ngx_fd_t fd);
static ngx_int_t ngx_http_cclink_sidecar_line(void *data, ngx_uint_t line,
    ngx_str_t *key, u_char *v, u_char *eol);
static ngx_int_t ngx_http_cclink_sidecar_value(ngx_http_cclink_sidecar_t *sc,
    ngx_str_t *key, u_char *v, u_char *eol);
static ngx_int_t ngx_http_cclink_sidecar_error(ngx_http_cclink_sidecar_t *sc,
    u_char *v, u_char *eol);
static void ngx_http_cclink_sidecar_text(ngx_http_cclink_sidecar_t *sc,
    u_char *p, u_char *last, ngx_str_t *s);
static void ngx_http_cclink_sidecar_reset(ngx_http_cclink_sidecar_t *sc);
static void ngx_http_cclink_sidecar_fail(ngx_http_cclink_sidecar_t *sc,
    const char *what, ngx_err_t err);


/*
 * Returns what this worker knows of the status file, read again when it
 * was replaced; NULL only when the location has none.
 */

ngx_http_cclink_sidecar_t *
ngx_http_cclink_sidecar_read(ngx_http_request_t *r,
    ngx_http_cclink_loc_conf_t *lcf)
{
    ngx_fd_t                    fd;
    ngx_file_info_t             fi;
    ngx_http_cclink_sidecar_t  *sc;

    sc = lcf->sidecar;

    if (sc == NULL) {
        return NULL;
    }

    if (ngx_file_info(sc->path.data, &fi) == NGX_FILE_ERROR) {
        ngx_http_cclink_sidecar_reset(sc);
        sc->modified = 0;
        ngx_http_cclink_sidecar_fail(sc, ngx_file_info_n, ngx_errno);
        return sc;
    }

    if (sc->read
        && sc->uniq == ngx_file_uniq(&fi)
        && sc->size == ngx_file_size(&fi)
        && sc->modified == ngx_file_mtime(&fi))
    {
        return sc;
    }

    ngx_http_cclink_sidecar_reset(sc);

    sc->read = 1;
    sc->uniq = ngx_file_uniq(&fi);
    sc->size = ngx_file_size(&fi);
    sc->modified = ngx_file_mtime(&fi);

    if (!ngx_is_file(&fi)) {
        ngx_http_cclink_sidecar_fail(sc, "not a regular file", 0);
        return sc;
    }

    if (ngx_file_size(&fi) > NGX_HTTP_CCLINK_SC_FILE_MAX) {
        ngx_http_cclink_sidecar_fail(sc, "larger than 1 KiB", 0);
        return sc;
    }

    fd = ngx_open_file(sc->path.data, NGX_FILE_RDONLY|NGX_FILE_NONBLOCK,
                       NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        ngx_http_cclink_sidecar_fail(sc, ngx_open_file_n, ngx_errno);
        return sc;
    }

    ngx_http_cclink_sidecar_load(r, sc, fd);

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", &sc->path);
    }

    return sc;
}


static void
ngx_http_cclink_sidecar_load(ngx_http_request_t *r,
    ngx_http_cclink_sidecar_t *sc, ngx_fd_t fd)
{
    ssize_t      n;
    u_char       buf[NGX_HTTP_CCLINK_SC_FILE_MAX + 1];
    const char  *error;

    n = pread(fd, buf, sizeof(buf), 0);

    if (n == -1) {
        ngx_http_cclink_sidecar_fail(sc, "pread()", ngx_errno);
        return;
    }

    if (n > NGX_HTTP_CCLINK_SC_FILE_MAX) {
        ngx_http_cclink_sidecar_fail(sc, "larger than 1 KiB", 0);
        return;
    }

    if (ngx_http_cclink_sidecar_lines(buf, buf + n,
                                      ngx_http_cclink_sidecar_line, sc,
                                      &error)
        != NGX_OK)
    {
        if (error != NULL) {
            ngx_http_cclink_sidecar_fail(sc, error, 0);
        }

        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "cclink status: \"%V\": %V", &sc->path, &sc->error);
        return;
    }

    sc->ok = 1;
}


/*
 * The lines of a status file: "cclink-status 1", then "key value" lines,
 * each given to "handler" (a line without a space is skipped). NGX_ERROR
 * with *error saying why when the text is not such a file; with *error
 * NULL when the handler refused a line (the handler records why).
 */

ngx_int_t
ngx_http_cclink_sidecar_lines(u_char *p, u_char *last,
    ngx_http_cclink_sc_line_pt handler, void *data, const char **error)
{
    u_char      *eol, *sp;
    ngx_str_t    key;
    ngx_uint_t   line;

    *error = NULL;

    for (line = 1; p < last; line++, p = eol + 1) {
        eol = ngx_strlchr(p, last, '\n');
        if (eol == NULL) {
            *error = "last line not complete";
            return NGX_ERROR;
        }

        if (line == 1) {
            if ((size_t) (eol - p) != sizeof(NGX_HTTP_CCLINK_SC_MAGIC) - 1
                || ngx_strncmp(p, NGX_HTTP_CCLINK_SC_MAGIC,
                               sizeof(NGX_HTTP_CCLINK_SC_MAGIC) - 1)
                   != 0)
            {
                *error = "not a cclink-status 1 file";
                return NGX_ERROR;
            }

            continue;
        }

        sp = ngx_strlchr(p, eol, ' ');
        if (sp == NULL) {
            continue;
        }

        key.data = p;
        key.len = sp - p;

        if (handler(data, line, &key, sp + 1, eol) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    if (line == 1) {
        *error = "empty file";
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * The status page's keys; keys not known here are skipped (later
 * versions add keys). Strings are decoded into sc->text, which holds them
 * all: decoding never makes a text longer.
 */

static ngx_int_t
ngx_http_cclink_sidecar_line(void *data, ngx_uint_t line, ngx_str_t *key,
    u_char *v, u_char *eol)
{
    u_char                     *q;
    ngx_http_cclink_sidecar_t  *sc;

    sc = data;

    if (ngx_http_cclink_sidecar_value(sc, key, v, eol) == NGX_OK) {
        return NGX_OK;
    }

    q = ngx_snprintf(sc->errtext, NGX_MAX_ERROR_STR, "line %ui: bad %V",
                     line, key);
    sc->error.data = sc->errtext;
    sc->error.len = q - sc->errtext;

    return NGX_ERROR;
}


static ngx_int_t
ngx_http_cclink_sidecar_value(ngx_http_cclink_sidecar_t *sc, ngx_str_t *key,
    u_char *v, u_char *eol)
{
    off_t   n;
    time_t  t;

    if (key->len == 5 && ngx_strncmp(key->data, "error", 5) == 0) {
        return ngx_http_cclink_sidecar_error(sc, v, eol);
    }

    if ((key->len == 14
         && ngx_strncmp(key->data, "last_discovery", 14) == 0)
        || (key->len == 13
            && ngx_strncmp(key->data, "last_complete", 13) == 0))
    {
        t = ngx_atotm(v, eol - v);
        if (t == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (key->len == 14) {
            sc->at = t;

        } else {
            sc->last_complete_at = t;
        }

        return NGX_OK;
    }

    if ((key->len == 6 && ngx_strncmp(key->data, "serial", 6) == 0)
        || (key->len == 6 && ngx_strncmp(key->data, "errors", 6) == 0)
        || (key->len == 11
            && ngx_strncmp(key->data, "errors_more", 11) == 0))
    {
        n = ngx_atoof(v, eol - v);
        if (n == NGX_ERROR) {
            return NGX_ERROR;
        }

        /*
         * "errors" is the count of the discovery's own errors (for the
         * health endpoint and people); the page counts the "error" lines
         * and those errors_more says were left out.
         */

        if (key->data[0] == 's') {
            sc->serial = n;

        } else if (key->len == 11) {
            sc->nerrors += n;
        }

        return NGX_OK;
    }

    if (key->len == 8 && ngx_strncmp(key->data, "complete", 8) == 0) {
        if (eol - v == 3 && ngx_strncmp(v, "yes", 3) == 0) {
            sc->complete = 1;

        } else if (eol - v == 2 && ngx_strncmp(v, "no", 2) == 0) {
            sc->complete = 0;

        } else {
            return NGX_ERROR;
        }

        return NGX_OK;
    }

    if (key->len == 6 && ngx_strncmp(key->data, "result", 6) == 0) {
        ngx_http_cclink_sidecar_text(sc, v, eol, &sc->result);

    } else if (key->len == 6 && ngx_strncmp(key->data, "reason", 6) == 0) {
        ngx_http_cclink_sidecar_text(sc, v, eol, &sc->reason);

    } else if (key->len == 10
               && ngx_strncmp(key->data, "written_by", 10) == 0)
    {
        ngx_http_cclink_sidecar_text(sc, v, eol, &sc->written_by);

    } else if (key->len == 9
               && ngx_strncmp(key->data, "generated", 9) == 0)
    {
        ngx_http_cclink_sidecar_text(sc, v, eol, &sc->generated);
    }

    return NGX_OK;
}


/* "error STATUS CALL TEXT": STATUS "-" or digits, CALL "-" or one word */

static ngx_int_t
ngx_http_cclink_sidecar_error(ngx_http_cclink_sidecar_t *sc, u_char *v,
    u_char *eol)
{
    u_char                      *sp, *call;
    ngx_int_t                    status;
    ngx_http_cclink_sc_error_t  *e;

    sp = ngx_strlchr(v, eol, ' ');
    if (sp == NULL) {
        return NGX_ERROR;
    }

    if (sp - v == 1 && v[0] == '-') {
        status = -1;

    } else {
        status = ngx_atoi(v, sp - v);
        if (status == NGX_ERROR) {
            return NGX_ERROR;
        }
    }

    call = sp + 1;

    sp = ngx_strlchr(call, eol, ' ');
    if (sp == NULL) {
        return NGX_ERROR;
    }

    sc->nerrors++;

    if (sc->nlisted == NGX_HTTP_CCLINK_SC_ERRORS) {
        return NGX_OK;
    }

    e = &sc->errors[sc->nlisted++];
    e->status = status;

    if (sp - call == 1 && call[0] == '-') {
        ngx_str_set(&e->call, "");

    } else {
        ngx_http_cclink_sidecar_text(sc, call, sp, &e->call);
    }

    ngx_http_cclink_sidecar_text(sc, sp + 1, eol, &e->message);

    return NGX_OK;
}


/*
 * Decodes "\xNN" into its byte and appends the text to sc->text; the
 * output formats escape it again (ngx_http_cclink_esc()).
 */

static void
ngx_http_cclink_sidecar_text(ngx_http_cclink_sidecar_t *sc, u_char *p,
    u_char *last, ngx_str_t *s)
{
    u_char      *d;
    ngx_int_t    n;

    d = sc->text + sc->used;

    s->data = d;

    while (p < last) {
        if (*p == '\\' && last - p >= 4 && p[1] == 'x') {
            n = ngx_hextoi(p + 2, 2);

            if (n != NGX_ERROR) {
                *d++ = (u_char) n;
                p += 4;
                continue;
            }
        }

        *d++ = *p++;
    }

    s->len = d - s->data;
    sc->used += s->len;
}


/* forgets what was read before */

static void
ngx_http_cclink_sidecar_reset(ngx_http_cclink_sidecar_t *sc)
{
    sc->read = 0;
    sc->ok = 0;
    ngx_str_null(&sc->error);
    ngx_str_null(&sc->written_by);
    sc->serial = -1;
    ngx_str_null(&sc->generated);
    sc->at = 0;
    sc->complete = -1;
    ngx_str_null(&sc->result);
    ngx_str_null(&sc->reason);
    sc->last_complete_at = 0;
    sc->nerrors = 0;
    sc->nlisted = 0;
    sc->used = 0;
}


/* records why the file cannot be used: "what (err: text)"; read again */

static void
ngx_http_cclink_sidecar_fail(ngx_http_cclink_sidecar_t *sc,
    const char *what, ngx_err_t err)
{
    u_char  *p, *last;

    p = sc->errtext;
    last = sc->errtext + NGX_MAX_ERROR_STR;

    if (err) {
        p = ngx_slprintf(p, last - 1, "%s failed (%d: ", what, err);
        p = ngx_strerror(err, p, last - 1 - p);
        *p++ = ')';

    } else {
        p = ngx_slprintf(p, last, "%s", what);
    }

    sc->ok = 0;
    sc->read = (err == 0) ? sc->read : 0;
    sc->error.data = sc->errtext;
    sc->error.len = p - sc->errtext;
}
