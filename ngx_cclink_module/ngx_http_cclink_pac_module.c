/*
 * Copyright (C) cclink authors
 *
 * ngx_http_cclink_pac_module: serves a live proxy auto-config file for
 * the CONNECT entrance, made from the route table in force in the stream
 * part's shared memory zone (found by name, as the status page finds it):
 * "PROXY <cclink_pac address>" for every routed name, "DIRECT" for the
 * rest (cclink_pac.c). The ETag is the table's serial, so a changed table
 * shows in the next fetch and an unchanged one answers 304.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "cclink_pac.h"
#include "ngx_cclink_shm.h"
#include "ngx_http_cclink.h"


typedef struct {
    ngx_str_t                     proxy;
    ngx_shm_zone_t               *shm_zone;
} ngx_http_cclink_pac_loc_conf_t;


static ngx_int_t ngx_http_cclink_pac_handler(ngx_http_request_t *r);
static void *ngx_http_cclink_pac_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_cclink_pac_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static char *ngx_http_cclink_pac(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


static ngx_command_t  ngx_http_cclink_pac_commands[] = {

    { ngx_string("cclink_pac"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_cclink_pac,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_cclink_pac_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_cclink_pac_create_loc_conf,   /* create location configuration */
    ngx_http_cclink_pac_merge_loc_conf     /* merge location configuration */
};


ngx_module_t  ngx_http_cclink_pac_module = {
    NGX_MODULE_V1,
    &ngx_http_cclink_pac_module_ctx,       /* module context */
    ngx_http_cclink_pac_commands,          /* module directives */
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
ngx_http_cclink_pac_handler(ngx_http_request_t *r)
{
    u_char                          *etag;
    size_t                           len, size;
    uint64_t                         serial;
    ngx_int_t                        rc;
    ngx_buf_t                       *b;
    ngx_chain_t                      out;
    cclink_rt_t                     *rt;
    ngx_table_elt_t                 *h;
    ngx_cclink_shm_t                *sh;
    ngx_http_cclink_pac_loc_conf_t  *lcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_cclink_pac_module);

    sh = ngx_http_cclink_zone_data(lcf->shm_zone);

    if (sh == NULL) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    /*
     * The table in force, loaded once and used within this handler only
     * (ngx_cclink_shm.h): rendered here, before anything can block.
     */

    rt = sh->table;
    serial = rt ? rt->serial : 0;

    size = cclink_pac_render(rt, (char *) lcf->proxy.data, lcf->proxy.len,
                             NULL, 0);

    b = ngx_create_temp_buf(r->pool, size);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = cclink_pac_render(rt, (char *) lcf->proxy.data, lcf->proxy.len,
                            (char *) b->pos, size);
    if (len != size) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = b->pos + len;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    /* "<serial>" or "none": a changed table is a changed file */

    etag = ngx_pnalloc(r->pool, NGX_INT64_LEN + sizeof("\"pac-\""));
    if (etag == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "ETag");

    if (rt) {
        h->value.len = ngx_sprintf(etag, "\"pac-%uL\"", serial) - etag;

    } else {
        h->value.len = ngx_sprintf(etag, "\"pac-none\"") - etag;
    }

    h->value.data = etag;
    r->headers_out.etag = h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Cache-Control");
    ngx_str_set(&h->value, "no-cache");

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = len;
    ngx_str_set(&r->headers_out.content_type,
                "application/x-ns-proxy-autoconfig");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


static void *
ngx_http_cclink_pac_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_cclink_pac_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_cclink_pac_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->proxy = { 0, NULL };
     *     conf->shm_zone = NULL;
     */

    return conf;
}


static char *
ngx_http_cclink_pac_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_cclink_pac_loc_conf_t *prev = parent;
    ngx_http_cclink_pac_loc_conf_t *conf = child;

    if (conf->shm_zone == NULL) {
        conf->shm_zone = prev->shm_zone;
        conf->proxy = prev->proxy;
    }

    return NGX_CONF_OK;
}


/* cclink_pac host:port [zone]; */

static char *
ngx_http_cclink_pac(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_cclink_pac_loc_conf_t  *lcf = conf;

    ngx_str_t  *value;

    if (lcf->shm_zone) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (!cclink_pac_proxy_ok((char *) value[1].data, value[1].len)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid proxy address \"%V\" "
                           "(expected host:port)", &value[1]);
        return NGX_CONF_ERROR;
    }

    lcf->proxy = value[1];

    return ngx_http_cclink_zone_location(cf, &lcf->shm_zone, 2,
                                         ngx_http_cclink_pac_handler);
}
