/*
 * Copyright (C) cclink authors
 *
 * ngx_http_cclink_module: the status page's handler and directives. Finds
 * the stream part's shared memory zone by name, takes one snapshot of its
 * counters (ngx_http_cclink_snapshot.c) and writes it as JSON, Prometheus
 * text or a self-contained HTML page (one file per format); with
 * "cclink_status_sidecar_status", also a summary of cclink-sidecar's
 * discovery from its status file (ngx_http_cclink_sidecar.c). Read-only.
 *
 * Every string shown comes from outside: route keys and load errors from
 * the route table file, server names from clients (any byte but NUL), the
 * discovery summary from the sidecar's status file. Each one goes through
 * ngx_http_cclink_esc() (ngx_http_cclink_output.c).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_cclink.h"


static ngx_int_t ngx_http_cclink_handler(ngx_http_request_t *r);
static ngx_uint_t ngx_http_cclink_format(ngx_http_request_t *r);
static ngx_int_t ngx_http_cclink_headers(ngx_http_request_t *r,
    ngx_uint_t format);
static void *ngx_http_cclink_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_cclink_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_cclink_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_cclink_sidecar_state(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);


extern ngx_module_t  ngx_stream_cclink_module;


static ngx_command_t  ngx_http_cclink_commands[] = {

    { ngx_string("cclink_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS|NGX_CONF_TAKE1,
      ngx_http_cclink_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cclink_status_refresh"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cclink_loc_conf_t, refresh),
      NULL },

    { ngx_string("cclink_status_sidecar_status"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_cclink_sidecar_state,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cclink_loc_conf_t, sidecar_state),
      NULL },

    /* the old name, which now reads the status file too */

    { ngx_string("cclink_status_sidecar_state"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_cclink_sidecar_state,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cclink_loc_conf_t, sidecar_state),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_cclink_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_cclink_create_loc_conf,       /* create location configuration */
    ngx_http_cclink_merge_loc_conf         /* merge location configuration */
};


ngx_module_t  ngx_http_cclink_module = {
    NGX_MODULE_V1,
    &ngx_http_cclink_module_ctx,           /* module context */
    ngx_http_cclink_commands,              /* module directives */
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


static ngx_keyval_t  ngx_http_cclink_common_headers[] = {
    { ngx_string("Cache-Control"), ngx_string("no-store") },
    { ngx_string("X-Content-Type-Options"), ngx_string("nosniff") },
    { ngx_string("Vary"), ngx_string("Accept") },
    { ngx_null_string, ngx_null_string }
};


/* the page loads nothing: no scripts, fonts, images or frames */

static ngx_keyval_t  ngx_http_cclink_html_headers[] = {
    { ngx_string("Content-Security-Policy"),
      ngx_string("default-src 'none'; style-src 'unsafe-inline'; "
                 "base-uri 'none'; form-action 'none'; "
                 "frame-ancestors 'none'") },
    { ngx_string("X-Frame-Options"), ngx_string("DENY") },
    { ngx_string("Referrer-Policy"), ngx_string("no-referrer") },
    { ngx_null_string, ngx_null_string }
};


static ngx_int_t
ngx_http_cclink_handler(ngx_http_request_t *r)
{
    ngx_int_t                    rc;
    ngx_chain_t                 *cl;
    ngx_cclink_shm_t            *sh;
    ngx_http_cclink_out_t        o;
    ngx_http_cclink_snapshot_t   snap;
    ngx_http_cclink_loc_conf_t  *lcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_cclink_module);

    sh = ngx_http_cclink_zone_data(lcf->shm_zone);

    if (sh == NULL) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    ngx_memzero(&o, sizeof(ngx_http_cclink_out_t));
    o.r = r;
    o.last = &o.out;
    o.format = ngx_http_cclink_format(r);

    /* first the counters, then the output */

    if (ngx_http_cclink_snapshot(r, sh, o.format, &snap) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (lcf->sidecar_state.len) {
        snap.sidecar = ngx_http_cclink_sidecar_read(r, lcf);
        if (snap.sidecar == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    switch (o.format) {

    case NGX_HTTP_CCLINK_PROMETHEUS:
        ngx_str_set(&r->headers_out.content_type,
                    "text/plain; version=0.0.4; charset=utf-8");
        ngx_http_cclink_prometheus(&o, &snap);
        break;

    case NGX_HTTP_CCLINK_HTML:
        ngx_str_set(&r->headers_out.content_type, "text/html; charset=utf-8");
        ngx_http_cclink_html(&o, &snap, lcf);
        break;

    default: /* NGX_HTTP_CCLINK_JSON */
        ngx_str_set(&r->headers_out.content_type, "application/json");
        ngx_http_cclink_json(&o, &snap);
        break;
    }

    if (o.error || o.b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_cclink_headers(r, o.format) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    o.b->last_buf = (r == r->main) ? 1 : 0;
    o.b->last_in_chain = 1;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = 0;

    for (cl = o.out; cl; cl = cl->next) {
        r->headers_out.content_length_n += cl->buf->last - cl->buf->pos;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    return ngx_http_output_filter(r, o.out);
}


static ngx_uint_t
ngx_http_cclink_format(ngx_http_request_t *r)
{
    u_char           *p, *last;
    ngx_str_t         value;
    ngx_table_elt_t  *accept;

    if (ngx_http_arg(r, (u_char *) "format", 6, &value) == NGX_OK) {
        if (value.len == 10
            && ngx_strncmp(value.data, "prometheus", 10) == 0)
        {
            return NGX_HTTP_CCLINK_PROMETHEUS;
        }

        if (value.len == 4 && ngx_strncmp(value.data, "html", 4) == 0) {
            return NGX_HTTP_CCLINK_HTML;
        }

        return NGX_HTTP_CCLINK_JSON;
    }

    /*
     * A browser asks for text/html, Prometheus for
     * application/openmetrics-text or text/plain, curl for anything.
     */

    accept = r->headers_in.accept;

    if (accept == NULL) {
        return NGX_HTTP_CCLINK_JSON;
    }

    p = accept->value.data;
    last = p + accept->value.len;

    if (ngx_strlcasestrn(p, last, (u_char *) "text/html", 9 - 1)) {
        return NGX_HTTP_CCLINK_HTML;
    }

    if (ngx_strlcasestrn(p, last, (u_char *) "application/openmetrics-text",
                         28 - 1)
        || ngx_strlcasestrn(p, last, (u_char *) "text/plain", 10 - 1))
    {
        return NGX_HTTP_CCLINK_PROMETHEUS;
    }

    return NGX_HTTP_CCLINK_JSON;
}


static ngx_int_t
ngx_http_cclink_headers(ngx_http_request_t *r, ngx_uint_t format)
{
    ngx_uint_t        i;
    ngx_keyval_t     *kv;
    ngx_table_elt_t  *h;

    for (i = 0; i < 2; i++) {

        if (i == 0) {
            kv = ngx_http_cclink_common_headers;

        } else if (format == NGX_HTTP_CCLINK_HTML) {
            kv = ngx_http_cclink_html_headers;

        } else {
            break;
        }

        for ( /* void */ ; kv->key.len; kv++) {
            h = ngx_list_push(&r->headers_out.headers);
            if (h == NULL) {
                return NGX_ERROR;
            }

            h->hash = 1;
            h->key = kv->key;
            h->value = kv->value;
#if (nginx_version >= 1023000)
            h->next = NULL;
#endif
        }
    }

    return NGX_OK;
}



static void *
ngx_http_cclink_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_cclink_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_cclink_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->shm_zone = NULL;
     *     conf->sidecar_state = { 0, NULL };
     *     conf->sidecar = NULL;
     */

    conf->refresh = NGX_CONF_UNSET_UINT;

    return conf;
}


static char *
ngx_http_cclink_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_cclink_loc_conf_t *prev = parent;
    ngx_http_cclink_loc_conf_t *conf = child;

    ngx_conf_merge_uint_value(conf->refresh, prev->refresh, 5);
    ngx_conf_merge_str_value(conf->sidecar_state, prev->sidecar_state, "");

    if (conf->shm_zone == NULL) {
        conf->shm_zone = prev->shm_zone;
    }

    /* a page with a status file: what this worker read of it */

    if (conf->shm_zone && conf->sidecar_state.len) {
        conf->sidecar = ngx_pcalloc(cf->pool,
                                    sizeof(ngx_http_cclink_sidecar_t));
        if (conf->sidecar == NULL) {
            return NGX_CONF_ERROR;
        }

        conf->sidecar->path = conf->sidecar_state;
        conf->sidecar->serial = -1;
        conf->sidecar->complete = -1;
    }

    return NGX_CONF_OK;
}


/* cclink_status [zone]; */

static char *
ngx_http_cclink_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_cclink_loc_conf_t  *lcf = conf;

    return ngx_http_cclink_zone_location(cf, &lcf->shm_zone, 1,
                                         ngx_http_cclink_handler);
}


/* cclink_status_sidecar_status path | off; (or its old name) */

static char *
ngx_http_cclink_sidecar_state(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_cclink_loc_conf_t  *lcf = conf;

    ngx_str_t  *value;

    if (lcf->sidecar_state.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cmd->name.len == sizeof("cclink_status_sidecar_state") - 1
        && ngx_strncmp(cmd->name.data, "cclink_status_sidecar_state",
                       cmd->name.len)
           == 0)
    {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "\"cclink_status_sidecar_state\" is deprecated "
                           "and reads the sidecar's status file, not its "
                           "state file; use \"cclink_status_sidecar_status\"");
    }

    if (value[1].len == 3 && ngx_strncmp(value[1].data, "off", 3) == 0) {
        ngx_str_set(&lcf->sidecar_state, "");
        return NGX_CONF_OK;
    }

    if (value[1].len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "empty path in \"%V\"", &cmd->name);
        return NGX_CONF_ERROR;
    }

    lcf->sidecar_state = value[1];

    if (ngx_conf_full_name(cf->cycle, &lcf->sidecar_state, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * For a location directive "name [... ] [zone]": the stream part's zone
 * named by its argument number arg ("cclink" when it has none), and the
 * location's handler. Size 0: the zone is declared by "cclink_routes" in
 * the stream block, which may come before or after the http block; nginx
 * reports an unknown zone when it is declared nowhere.
 */

char *
ngx_http_cclink_zone_location(ngx_conf_t *cf, ngx_shm_zone_t **zone,
    ngx_uint_t arg, ngx_http_handler_pt handler)
{
    ngx_str_t                 *value, name;
    ngx_http_core_loc_conf_t  *clcf;

    if (*zone) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts > arg) {
        name = value[arg];

    } else {
        ngx_str_set(&name, "cclink");
    }

    *zone = ngx_shared_memory_add(cf, &name, 0, &ngx_stream_cclink_module);
    if (*zone == NULL) {
        return NGX_CONF_ERROR;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = handler;

    return NGX_CONF_OK;
}


/* the zone's data, or NULL while the stream part has not set it up */

ngx_cclink_shm_t *
ngx_http_cclink_zone_data(ngx_shm_zone_t *shm_zone)
{
    ngx_slab_pool_t  *shpool;

    if (shm_zone->shm.addr == NULL) {
        return NULL;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    return shpool->data;
}
