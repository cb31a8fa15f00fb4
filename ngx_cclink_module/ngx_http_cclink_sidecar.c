/*
 * Copyright (C) cclink authors
 *
 * The status page's reader of cclink-sidecar's state file: the few facts
 * the page shows of the last discovery.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <jansson.h>

#include "ngx_http_cclink.h"


/* the sidecar's state file: its size cap, and the errors listed */
#define NGX_HTTP_CCLINK_STATE_MAX   (1024 * 1024)
#define NGX_HTTP_CCLINK_SC_ERRORS   32


static ngx_int_t ngx_http_cclink_sidecar_parse(ngx_http_request_t *r,
    ngx_http_cclink_sidecar_t *sc, json_t *root);
static ngx_int_t ngx_http_cclink_sidecar_error(ngx_http_request_t *r,
    ngx_http_cclink_sidecar_t *sc, json_t *call, json_t *message,
    json_t *status);
static ngx_int_t ngx_http_cclink_sidecar_str(ngx_http_request_t *r,
    json_t *v, ngx_str_t *s);
static time_t ngx_http_cclink_parse_time(const u_char *p, size_t len);


/*
 * Reads cclink-sidecar's state file for the page. It is a small local
 * file, read at most once per status request; a file that cannot be read
 * or parsed is reported on the page, not as a failed request. Returns NULL
 * only when out of memory.
 */

ngx_http_cclink_sidecar_t *
ngx_http_cclink_sidecar_read(ngx_http_request_t *r,
    ngx_http_cclink_loc_conf_t *lcf)
{
    u_char                     *buf, *p;
    off_t                       size;
    size_t                      got;
    ssize_t                     n;
    json_t                     *root;
    ngx_fd_t                    fd;
    ngx_err_t                   err;
    const char                 *what;
    json_error_t                jerr;
    ngx_file_info_t             fi;
    ngx_str_t                  *path;
    ngx_http_cclink_sidecar_t  *sc;

    path = &lcf->sidecar_state;

    sc = ngx_pcalloc(r->pool, sizeof(ngx_http_cclink_sidecar_t));
    if (sc == NULL) {
        return NULL;
    }

    sc->path = *path;
    sc->serial = -1;
    sc->complete = -1;

    if (ngx_array_init(&sc->errors, r->pool, 4,
                       sizeof(ngx_http_cclink_sc_error_t))
        != NGX_OK)
    {
        return NULL;
    }

    /* room for an error text */

    p = ngx_pnalloc(r->pool, NGX_MAX_ERROR_STR);
    if (p == NULL) {
        return NULL;
    }

    sc->error.data = p;

    fd = ngx_open_file(path->data, NGX_FILE_RDONLY|NGX_FILE_NONBLOCK,
                       NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        err = ngx_errno;
        what = ngx_open_file_n;
        goto failed;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        err = ngx_errno;
        what = ngx_fd_info_n;
        goto failed;
    }

    sc->modified = ngx_file_mtime(&fi);
    size = ngx_file_size(&fi);

    if (!ngx_is_file(&fi) || size > NGX_HTTP_CCLINK_STATE_MAX) {
        sc->error.len = ngx_snprintf(p, NGX_MAX_ERROR_STR, "%s",
                                     ngx_is_file(&fi)
                                     ? "larger than 1 MiB"
                                     : "not a regular file")
                        - p;
        goto done;
    }

    buf = ngx_pnalloc(r->pool, (size_t) size + 1);
    if (buf == NULL) {
        ngx_close_file(fd);
        return NULL;
    }

    got = 0;

    while (got < (size_t) size) {
        n = ngx_read_fd(fd, buf + got, (size_t) size - got);

        if (n == -1) {
            err = ngx_errno;

            if (err == NGX_EINTR) {
                continue;
            }

            what = ngx_read_fd_n;
            goto failed;
        }

        if (n == 0) {
            break;
        }

        got += n;
    }

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", path);
    }

    fd = NGX_INVALID_FILE;

    root = json_loadb((char *) buf, got, 0, &jerr);

    if (root == NULL) {
        sc->error.len = ngx_snprintf(p, NGX_MAX_ERROR_STR,
                                     "line %d: %s", jerr.line, jerr.text)
                        - p;
        goto done;
    }

    if (!json_is_object(root)) {
        json_decref(root);
        ngx_str_set(&sc->error, "not a JSON object");
        goto done;
    }

    if (ngx_http_cclink_sidecar_parse(r, sc, root) != NGX_OK) {
        json_decref(root);
        return NULL;
    }

    json_decref(root);

    sc->ok = 1;
    ngx_str_null(&sc->error);

    return sc;

failed:

    p = ngx_snprintf(p, NGX_MAX_ERROR_STR - 1, "%s failed (%d: ", what, err);
    p = ngx_strerror(err, p, sc->error.data + NGX_MAX_ERROR_STR - 1 - p);

    if (p < sc->error.data + NGX_MAX_ERROR_STR) {
        *p++ = ')';
    }

    sc->error.len = p - sc->error.data;

done:

    if (fd != NGX_INVALID_FILE && ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", path);
    }

    return sc;
}


/*
 * Takes what the page shows from the state file, by name, tolerating
 * missing fields and other shapes:
 *
 *   written_by, serial, generated, last_complete_discovery
 *   last_discovery (or discovery):
 *       finished (or finished_at, time, started): ISO 8601 or unix time
 *       complete, result, reason
 *       calls[]:  { call, status, error } - those with an error
 *       errors[]: "text" or { call, message (or error), status }
 *
 * Nothing else is read, so no other field of the file (the sidecar keeps
 * no secrets there) can reach the page.
 */

static ngx_int_t
ngx_http_cclink_sidecar_parse(ngx_http_request_t *r,
    ngx_http_cclink_sidecar_t *sc, json_t *root)
{
    u_char      *p;
    size_t       i;
    json_t      *d, *v, *a, *e, *msg;
    ngx_uint_t   k;

    static const char  *times[] = {
        "finished", "finished_at", "time", "started", NULL
    };

    if (ngx_http_cclink_sidecar_str(r, json_object_get(root, "written_by"),
                                    &sc->written_by)
        != NGX_OK
        || ngx_http_cclink_sidecar_str(r, json_object_get(root, "generated"),
                                       &sc->generated)
           != NGX_OK
        || ngx_http_cclink_sidecar_str(r,
                                       json_object_get(root,
                                                  "last_complete_discovery"),
                                       &sc->last_complete)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    v = json_object_get(root, "serial");

    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        sc->serial = json_integer_value(v);
    }

    if (sc->last_complete.data) {
        sc->last_complete_at = ngx_http_cclink_parse_time(
                                   sc->last_complete.data,
                                   sc->last_complete.len);
    }

    d = json_object_get(root, "last_discovery");

    if (!json_is_object(d)) {
        d = json_object_get(root, "discovery");
    }

    if (!json_is_object(d)) {
        return NGX_OK;
    }

    sc->discovery = 1;

    for (k = 0; times[k]; k++) {
        v = json_object_get(d, times[k]);

        if (json_is_string(v)) {
            if (ngx_http_cclink_sidecar_str(r, v, &sc->time) != NGX_OK) {
                return NGX_ERROR;
            }

            sc->at = ngx_http_cclink_parse_time(sc->time.data,
                                                sc->time.len);
            break;
        }

        if (json_is_integer(v) && json_integer_value(v) > 0) {
            p = ngx_pnalloc(r->pool, NGX_INT64_LEN);
            if (p == NULL) {
                return NGX_ERROR;
            }

            sc->at = (time_t) json_integer_value(v);
            sc->time.data = p;
            sc->time.len = ngx_sprintf(p, "%T", sc->at) - p;
            break;
        }
    }

    v = json_object_get(d, "complete");

    if (json_is_boolean(v)) {
        sc->complete = json_is_true(v) ? 1 : 0;
    }

    if (ngx_http_cclink_sidecar_str(r, json_object_get(d, "result"),
                                    &sc->result)
        != NGX_OK
        || ngx_http_cclink_sidecar_str(r, json_object_get(d, "reason"),
                                       &sc->reason)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* errors: the failed API calls first, then the others */

    a = json_object_get(d, "calls");

    for (i = 0; json_is_array(a) && i < json_array_size(a); i++) {
        e = json_array_get(a, i);
        msg = json_object_get(e, "error");

        if (!json_is_string(msg) || json_string_length(msg) == 0) {
            continue;
        }

        if (ngx_http_cclink_sidecar_error(r, sc, json_object_get(e, "call"),
                                          msg, json_object_get(e, "status"))
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    a = json_object_get(d, "errors");

    for (i = 0; json_is_array(a) && i < json_array_size(a); i++) {
        e = json_array_get(a, i);

        if (json_is_string(e)) {
            if (ngx_http_cclink_sidecar_error(r, sc, NULL, e, NULL)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            continue;
        }

        if (!json_is_object(e)) {
            continue;
        }

        msg = json_object_get(e, "message");

        if (!json_is_string(msg)) {
            msg = json_object_get(e, "error");
        }

        if (ngx_http_cclink_sidecar_error(r, sc, json_object_get(e, "call"),
                                          msg, json_object_get(e, "status"))
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_cclink_sidecar_error(ngx_http_request_t *r,
    ngx_http_cclink_sidecar_t *sc, json_t *call, json_t *message,
    json_t *status)
{
    ngx_http_cclink_sc_error_t  *e;

    sc->nerrors++;

    if (sc->errors.nelts >= NGX_HTTP_CCLINK_SC_ERRORS) {
        return NGX_OK;
    }

    e = ngx_array_push(&sc->errors);
    if (e == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(e, sizeof(ngx_http_cclink_sc_error_t));

    e->status = -1;

    if (json_is_integer(status) && json_integer_value(status) > 0
        && json_integer_value(status) < 1000)
    {
        e->status = (ngx_int_t) json_integer_value(status);
    }

    if (ngx_http_cclink_sidecar_str(r, call, &e->call) != NGX_OK
        || ngx_http_cclink_sidecar_str(r, message, &e->message) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (e->message.data == NULL) {
        ngx_str_set(&e->message, "(no message)");
    }

    if (e->call.data == NULL) {
        ngx_str_set(&e->call, "");
    }

    return NGX_OK;
}


/* copies a JSON string into the request's pool; no string: data NULL */

static ngx_int_t
ngx_http_cclink_sidecar_str(ngx_http_request_t *r, json_t *v, ngx_str_t *s)
{
    size_t   len;

    ngx_str_null(s);

    if (!json_is_string(v)) {
        return NGX_OK;
    }

    /* one byte more than is shown, so that the output says it was cut */

    len = ngx_min(json_string_length(v), NGX_HTTP_CCLINK_STR_MAX + 1);

    s->data = ngx_pnalloc(r->pool, len + 1);
    if (s->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(s->data, json_string_value(v), len);
    s->data[len] = '\0';
    s->len = len;

    return NGX_OK;
}


/*
 * "2026-11-20T23:15:00Z", with optional fractional seconds and a "+hh:mm"
 * offset instead of "Z"; 0 if it is not that.
 */

static time_t
ngx_http_cclink_parse_time(const u_char *p, size_t len)
{
    ngx_int_t      y, mo, d, h, mi, s, oh, om, days, era, yoe, doy, doe;
    ngx_int_t      sign;
    const u_char  *last;

    last = p + len;

    if (len < 19 || p[4] != '-' || p[7] != '-'
        || (p[10] != 'T' && p[10] != 't' && p[10] != ' ')
        || p[13] != ':' || p[16] != ':')
    {
        return 0;
    }

    y = ngx_atoi((u_char *) p, 4);
    mo = ngx_atoi((u_char *) p + 5, 2);
    d = ngx_atoi((u_char *) p + 8, 2);
    h = ngx_atoi((u_char *) p + 11, 2);
    mi = ngx_atoi((u_char *) p + 14, 2);
    s = ngx_atoi((u_char *) p + 17, 2);

    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23
        || mi < 0 || mi > 59 || s < 0 || s > 60)
    {
        return 0;
    }

    p += 19;

    if (p < last && *p == '.') {
        do {
            p++;
        } while (p < last && *p >= '0' && *p <= '9');
    }

    sign = 0;
    oh = 0;
    om = 0;

    if (p < last && (*p == 'Z' || *p == 'z')) {
        p++;

    } else if (p < last && (*p == '+' || *p == '-')) {
        sign = (*p == '-') ? -1 : 1;
        p++;

        if (last - p == 5 && p[2] == ':') {
            oh = ngx_atoi((u_char *) p, 2);
            om = ngx_atoi((u_char *) p + 3, 2);

        } else if (last - p == 4) {
            oh = ngx_atoi((u_char *) p, 2);
            om = ngx_atoi((u_char *) p + 2, 2);

        } else {
            return 0;
        }

        if (oh < 0 || oh > 23 || om < 0 || om > 59) {
            return 0;
        }

        p = last;

    } else {
        return 0;
    }

    if (p != last) {
        return 0;
    }

    /* days since 1970-01-01 of a proleptic Gregorian date */

    y -= (mo <= 2);
    era = y / 400;
    yoe = y - era * 400;
    doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    days = era * 146097 + doe - 719468;

    return (time_t) days * 86400 + h * 3600 + mi * 60 + s
           - sign * (oh * 3600 + om * 60);
}
