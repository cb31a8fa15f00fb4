/*
 * Copyright (C) cclink authors
 *
 * ngx_http_cclink_health_module: a health endpoint for load balancers.
 * Answers 200 when the stream part's zone (found by name) holds a route
 * table with routes in force (not the empty seed table of a host whose
 * sidecar has not discovered yet) and, with
 * "cclink_health_sidecar_status", when the last complete discovery
 * cclink-sidecar published is younger than "cclink_health_max_age"; 503
 * otherwise, with the reason in one line of text.
 *
 * The request path reads the zone without a lock, and the sidecar's
 * status file only when a stat() shows it was replaced (inode, size or
 * mtime changed): each worker keeps what it last read in its copy of the
 * location's configuration. The file is a few "key value" lines that the
 * sidecar replaces atomically (docs/module.md).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_cclink_shm.h"
#include "ngx_http_cclink.h"


/* the status file is a few short lines; anything longer is refused */
#define NGX_HTTP_CCLINK_HEALTH_FILE_MAX   NGX_HTTP_CCLINK_SC_FILE_MAX
#define NGX_HTTP_CCLINK_HEALTH_ERR_MAX    160
#define NGX_HTTP_CCLINK_HEALTH_BODY_MAX   256


/* what a worker last read of the status file, and from which file */
typedef struct {
    ngx_uint_t                    read;      /* a file was looked at */
    ngx_file_uniq_t               uniq;
    off_t                         size;
    time_t                        mtime;

    ngx_uint_t                    ok;        /* parsed */
    ngx_uint_t                    have_complete;     /* the line seen */
    time_t                        last_complete;     /* 0: never */
    uint64_t                      serial;
    u_char                        error[NGX_HTTP_CCLINK_HEALTH_ERR_MAX];
    size_t                        error_len;
} ngx_http_cclink_health_cache_t;


typedef struct {
    ngx_shm_zone_t               *shm_zone;
    ngx_str_t                     status;
    time_t                        max_age;
    ngx_http_cclink_health_cache_t  *cache;
} ngx_http_cclink_health_loc_conf_t;


static ngx_int_t ngx_http_cclink_health_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_cclink_health_send(ngx_http_request_t *r,
    ngx_uint_t status, u_char *body, size_t len);
static void ngx_http_cclink_health_look(ngx_http_request_t *r,
    ngx_http_cclink_health_loc_conf_t *lcf);
static void ngx_http_cclink_health_read(ngx_http_request_t *r,
    ngx_http_cclink_health_loc_conf_t *lcf, ngx_fd_t fd);
static ngx_int_t ngx_http_cclink_health_parse(
    ngx_http_cclink_health_cache_t *c, u_char *p, u_char *last);
static ngx_int_t ngx_http_cclink_health_line(void *data, ngx_uint_t line,
    ngx_str_t *key, u_char *v, u_char *eol);
static void ngx_http_cclink_health_fail(ngx_http_cclink_health_cache_t *c,
    const char *what, ngx_err_t err);
static void *ngx_http_cclink_health_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_cclink_health_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static char *ngx_http_cclink_health(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


static ngx_command_t  ngx_http_cclink_health_commands[] = {

    { ngx_string("cclink_health"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS|NGX_CONF_TAKE1,
      ngx_http_cclink_health,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cclink_health_sidecar_status"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cclink_health_loc_conf_t, status),
      NULL },

    { ngx_string("cclink_health_max_age"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cclink_health_loc_conf_t, max_age),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_cclink_health_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_cclink_health_create_loc_conf, /* create location configuration */
    ngx_http_cclink_health_merge_loc_conf  /* merge location configuration */
};


ngx_module_t  ngx_http_cclink_health_module = {
    NGX_MODULE_V1,
    &ngx_http_cclink_health_module_ctx,    /* module context */
    ngx_http_cclink_health_commands,       /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_cclink_health_handler(ngx_http_request_t *r)
{
    u_char                             *p, *last;
    time_t                              age;
    uint64_t                            serial;
    ngx_int_t                           rc;
    ngx_cclink_shm_t                   *sh;
    ngx_http_cclink_health_cache_t     *c;
    ngx_http_cclink_health_loc_conf_t  *lcf;
    u_char                              body[NGX_HTTP_CCLINK_HEALTH_BODY_MAX];

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_cclink_health_module);

    p = body;
    last = body + sizeof(body) - 1;

    sh = ngx_http_cclink_zone_data(lcf->shm_zone);

    /*
     * No table, or the seed table a host starts with before its first
     * discovery (no routes): every name would be refused.
     */

    if (sh == NULL || sh->table == NULL || sh->nroutes == 0) {
        p = ngx_slprintf(p, last, "no route table loaded");

        if (sh != NULL && sh->table != NULL) {
            p = ngx_slprintf(p, last, ": serial %uL has no routes",
                             sh->serial);
        }

        if (sh != NULL && sh->error[0]) {
            p = ngx_slprintf(p, last, "; last load error: %s", sh->error);
        }

        return ngx_http_cclink_health_send(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                           body, p - body);
    }

    serial = sh->serial;

    if (lcf->status.len == 0) {
        p = ngx_slprintf(p, last, "ok: route table serial %uL", serial);
        return ngx_http_cclink_health_send(r, NGX_HTTP_OK, body, p - body);
    }

    ngx_http_cclink_health_look(r, lcf);

    c = lcf->cache;

    if (!c->ok) {
        p = ngx_slprintf(p, last, "sidecar status unreadable: %*s",
                         c->error_len, c->error);
        return ngx_http_cclink_health_send(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                           body, p - body);
    }

    if (c->last_complete == 0) {
        p = ngx_slprintf(p, last, "no complete discovery yet");
        return ngx_http_cclink_health_send(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                           body, p - body);
    }

    age = ngx_time() - c->last_complete;

    if (age < 0) {
        age = 0;
    }

    if (age > lcf->max_age) {
        p = ngx_slprintf(p, last, "discovery stale: last complete %Ts ago "
                         "(max %Ts)", age, lcf->max_age);
        return ngx_http_cclink_health_send(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                           body, p - body);
    }

    p = ngx_slprintf(p, last, "ok: route table serial %uL, last complete "
                     "discovery %Ts ago", serial, age);

    return ngx_http_cclink_health_send(r, NGX_HTTP_OK, body, p - body);
}


static ngx_int_t
ngx_http_cclink_health_send(ngx_http_request_t *r, ngx_uint_t status,
    u_char *body, size_t len)
{
    ngx_int_t         rc;
    ngx_buf_t        *b;
    ngx_chain_t       out;
    ngx_table_elt_t  *h;

    b = ngx_create_temp_buf(r->pool, len + 1);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_cpymem(b->last, body, len);
    *b->last++ = '\n';
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Cache-Control");
    ngx_str_set(&h->value, "no-store");

    ngx_str_set(&r->headers_out.content_type, "text/plain; charset=utf-8");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.status = status;
    r->headers_out.content_length_n = b->last - b->pos;

    if (status != NGX_HTTP_OK) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "cclink health: %*s", len, body);
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/*
 * A stat() per request; the file is read again only when it is another
 * one than last time (the sidecar replaces it by rename()) or it changed.
 */

static void
ngx_http_cclink_health_look(ngx_http_request_t *r,
    ngx_http_cclink_health_loc_conf_t *lcf)
{
    ngx_fd_t                         fd;
    ngx_file_info_t                  fi;
    ngx_http_cclink_health_cache_t  *c;

    c = lcf->cache;

    if (ngx_file_info(lcf->status.data, &fi) == NGX_FILE_ERROR) {
        ngx_http_cclink_health_fail(c, ngx_file_info_n, ngx_errno);
        c->read = 0;
        return;
    }

    if (c->read
        && c->uniq == ngx_file_uniq(&fi)
        && c->size == ngx_file_size(&fi)
        && c->mtime == ngx_file_mtime(&fi))
    {
        return;
    }

    c->read = 1;
    c->uniq = ngx_file_uniq(&fi);
    c->size = ngx_file_size(&fi);
    c->mtime = ngx_file_mtime(&fi);

    fd = ngx_open_file(lcf->status.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        ngx_http_cclink_health_fail(c, ngx_open_file_n, ngx_errno);
        c->read = 0;
        return;
    }

    ngx_http_cclink_health_read(r, lcf, fd);

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", &lcf->status);
    }
}


static void
ngx_http_cclink_health_read(ngx_http_request_t *r,
    ngx_http_cclink_health_loc_conf_t *lcf, ngx_fd_t fd)
{
    ssize_t                          n;
    ngx_http_cclink_health_cache_t  *c;
    u_char                           buf[NGX_HTTP_CCLINK_HEALTH_FILE_MAX + 1];

    c = lcf->cache;

    n = pread(fd, buf, sizeof(buf), 0);

    if (n == -1) {
        ngx_http_cclink_health_fail(c, "read()", ngx_errno);
        return;
    }

    if (n > NGX_HTTP_CCLINK_HEALTH_FILE_MAX) {
        ngx_http_cclink_health_fail(c, "file too large", 0);
        return;
    }

    if (ngx_http_cclink_health_parse(c, buf, buf + n) != NGX_OK) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "cclink health: \"%V\": %*s", &lcf->status,
                      c->error_len, c->error);
    }
}


/*
 * "cclink-status 1" on the first line, then "key value" lines; the keys
 * read here are "last_complete" (unix seconds, 0: never; required) and
 * "serial"; the others are for people and other readers.
 */

static ngx_int_t
ngx_http_cclink_health_parse(ngx_http_cclink_health_cache_t *c, u_char *p,
    u_char *last)
{
    const char  *error;

    c->ok = 0;
    c->have_complete = 0;
    c->last_complete = 0;
    c->serial = 0;

    if (ngx_http_cclink_sidecar_lines(p, last, ngx_http_cclink_health_line,
                                      c, &error)
        != NGX_OK)
    {
        if (error != NULL) {
            ngx_http_cclink_health_fail(c, error, 0);
        }

        return NGX_ERROR;
    }

    if (!c->have_complete) {
        ngx_http_cclink_health_fail(c, "no last_complete line", 0);
        return NGX_ERROR;
    }

    c->ok = 1;
    c->error_len = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_cclink_health_line(void *data, ngx_uint_t line, ngx_str_t *key,
    u_char *v, u_char *eol)
{
    ngx_int_t                        n;
    ngx_http_cclink_health_cache_t  *c;

    c = data;

    if (key->len == 13 && ngx_strncmp(key->data, "last_complete", 13) == 0) {
        n = ngx_atotm(v, eol - v);
        if (n == NGX_ERROR) {
            ngx_http_cclink_health_fail(c, "bad last_complete", 0);
            return NGX_ERROR;
        }

        c->last_complete = (time_t) n;
        c->have_complete = 1;

    } else if (key->len == 6 && ngx_strncmp(key->data, "serial", 6) == 0) {
        n = ngx_atoof(v, eol - v);
        c->serial = (n == NGX_ERROR) ? 0 : (uint64_t) n;
    }

    return NGX_OK;
}


/* records why the status could not be used: "what (error text)" */

static void
ngx_http_cclink_health_fail(ngx_http_cclink_health_cache_t *c,
    const char *what, ngx_err_t err)
{
    u_char  *p, *last;

    c->ok = 0;

    p = c->error;
    last = c->error + sizeof(c->error);

    p = ngx_slprintf(p, last, "%s", what);

    if (err) {
        p = ngx_slprintf(p, last, " (");
        p = ngx_strerror(err, p, last - p);
        p = ngx_slprintf(p, last, ")");
    }

    c->error_len = p - c->error;
}


static void *
ngx_http_cclink_health_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_cclink_health_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_cclink_health_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->shm_zone = NULL;
     *     conf->status = { 0, NULL };
     *     conf->cache = NULL;
     */

    conf->max_age = NGX_CONF_UNSET;

    return conf;
}


static char *
ngx_http_cclink_health_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_cclink_health_loc_conf_t *prev = parent;
    ngx_http_cclink_health_loc_conf_t *conf = child;

    ngx_conf_merge_str_value(conf->status, prev->status, "");
    ngx_conf_merge_sec_value(conf->max_age, prev->max_age, 600);

    if (conf->status.len == 3
        && ngx_strncmp(conf->status.data, "off", 3) == 0)
    {
        ngx_str_set(&conf->status, "");
    }

    if (conf->shm_zone == NULL || conf->status.len == 0) {
        return NGX_CONF_OK;
    }

    /* a NUL-terminated full path, and this location's own cache */

    if (ngx_conf_full_name(cf->cycle, &conf->status, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    conf->cache = ngx_pcalloc(cf->pool,
                              sizeof(ngx_http_cclink_health_cache_t));
    if (conf->cache == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* cclink_health [zone]; */

static char *
ngx_http_cclink_health(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_cclink_health_loc_conf_t  *lcf = conf;

    return ngx_http_cclink_zone_location(cf, &lcf->shm_zone, 1,
                                         ngx_http_cclink_health_handler);
}
