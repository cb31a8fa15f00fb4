/*
 * Copyright (C) cclink authors
 *
 * ngx_stream_cclink_balancer_module: the "cclink_balancer" load balancing
 * method of an upstream block, as ngx_stream_upstream_hash_module is one:
 * it tries the addresses of the route chosen in the preread phase, those
 * in this host's zone first, then the others, then those that failed
 * recently, and counts attempts and failures per address.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_stream.h>

#include "ngx_stream_cclink_module.h"


/* the defaults of max_fails= and fail_timeout= */
#define NGX_STREAM_CCLINK_MAX_FAILS     1
#define NGX_STREAM_CCLINK_FAIL_TIMEOUT  10000

/* room for the list of addresses tried, in the error log */
#define NGX_STREAM_CCLINK_TRIED_TEXT    1024


/* the order in which addresses are tried: by class, then round robin */
typedef enum {
    NGX_STREAM_CCLINK_IN_ZONE = 0,      /* healthy, in this host's zone */
    NGX_STREAM_CCLINK_OTHER_ZONE,       /* healthy, anywhere else */
    NGX_STREAM_CCLINK_FAILED,           /* failed within fail_timeout */
    NGX_STREAM_CCLINK_NCLASSES
} ngx_stream_cclink_class_e;


/* an upstream block's settings */
typedef struct {
    ngx_uint_t                      max_fails;
    ngx_msec_t                      fail_timeout;
} ngx_stream_cclink_balancer_srv_conf_t;


static ngx_int_t ngx_stream_cclink_init_upstream(ngx_conf_t *cf,
    ngx_stream_upstream_srv_conf_t *us);
static ngx_int_t ngx_stream_cclink_init_peer(ngx_stream_session_t *s,
    ngx_stream_upstream_srv_conf_t *us);
static ngx_int_t ngx_stream_cclink_get_peer(ngx_peer_connection_t *pc,
    void *data);
static void ngx_stream_cclink_free_peer(ngx_peer_connection_t *pc,
    void *data, ngx_uint_t state);
static void *ngx_stream_cclink_balancer_create_conf(ngx_conf_t *cf);
static char *ngx_stream_cclink_balancer(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


static ngx_command_t  ngx_stream_cclink_balancer_commands[] = {

    { ngx_string("cclink_balancer"),
      NGX_STREAM_UPS_CONF|NGX_CONF_NOARGS|NGX_CONF_TAKE12,
      ngx_stream_cclink_balancer,
      NGX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_stream_module_t  ngx_stream_cclink_balancer_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    ngx_stream_cclink_balancer_create_conf, /* create server configuration */
    NULL                                   /* merge server configuration */
};


ngx_module_t  ngx_stream_cclink_balancer_module = {
    NGX_MODULE_V1,
    &ngx_stream_cclink_balancer_module_ctx, /* module context */
    ngx_stream_cclink_balancer_commands,   /* module directives */
    NGX_STREAM_MODULE,                     /* module type */
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
ngx_stream_cclink_init_upstream(ngx_conf_t *cf,
    ngx_stream_upstream_srv_conf_t *us)
{
    ngx_uint_t                       i;
    ngx_stream_upstream_server_t    *server;
    ngx_stream_cclink_balancer_srv_conf_t  *ucf;

    server = us->servers->elts;

    for (i = 0; i < us->servers->nelts; i++) {
        if (server[i].naddrs != 0) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "upstream \"%V\" in %s:%ui has \"server\" lines, "
                          "but \"cclink_balancer\" takes its addresses from "
                          "the route table", &us->host, us->file_name,
                          us->line);
            return NGX_ERROR;
        }
    }

    /* an upstream block's settings are not merged: set the defaults */

    ucf = ngx_stream_conf_upstream_srv_conf(us,
                                            ngx_stream_cclink_balancer_module);

    if (ucf->max_fails == NGX_CONF_UNSET_UINT) {
        ucf->max_fails = NGX_STREAM_CCLINK_MAX_FAILS;
    }

    if (ucf->fail_timeout == NGX_CONF_UNSET_MSEC) {
        ucf->fail_timeout = NGX_STREAM_CCLINK_FAIL_TIMEOUT;
    }

    us->peer.init = ngx_stream_cclink_init_peer;

    return NGX_OK;
}


static ngx_int_t
ngx_stream_cclink_init_peer(ngx_stream_session_t *s,
    ngx_stream_upstream_srv_conf_t *us)
{
    u_char                                  order[NGX_STREAM_CCLINK_NCLASSES]
                                                 [CCLINK_RT_MAX_ADDRS];
    ngx_uint_t                              i, j, k, start;
    ngx_uint_t                              n[NGX_STREAM_CCLINK_NCLASSES];
    ngx_cclink_addr_stat_t                 *as;
    ngx_stream_cclink_ctx_t                *ctx;
    ngx_stream_cclink_addr_t               *a;
    ngx_stream_cclink_class_e               cls;
    ngx_stream_cclink_srv_conf_t           *cscf;
    ngx_stream_cclink_balancer_srv_conf_t  *ucf;

    ctx = ngx_stream_get_module_ctx(s, ngx_stream_cclink_module);

    if (ctx == NULL || ctx->state != NGX_STREAM_CCLINK_ROUTED) {
        /*
         * never connect without a route: no open relay, whatever else
         * the configuration says
         */
        ngx_log_error(NGX_LOG_ERR, s->connection->log, 0,
                      "cclink: no route for this connection in upstream "
                      "\"%V\" (is \"cclink_route on\" set in this server?)",
                      &us->host);
        return NGX_ERROR;
    }

    cscf = ngx_stream_get_module_srv_conf(s, ngx_stream_cclink_module);
    ucf = ngx_stream_conf_upstream_srv_conf(us,
                                            ngx_stream_cclink_balancer_module);

    /*
     * Order: healthy addresses in this host's zone, then healthy others,
     * then those that failed recently; each class rotated so that new
     * connections spread over equal addresses.
     */

    ngx_memzero(n, sizeof(n));

    for (i = 0; i < ctx->naddrs; i++) {
        a = &ctx->addrs[i];

        as = ngx_cclink_addr_stat(ctx->mcf->shpool, ctx->mcf->sh,
                                  a->name.data, a->name.len, a->zone.data,
                                  a->zone.len);
        a->stat = as;

        if (as->fails >= ucf->max_fails
            && (ngx_msec_int_t) (ngx_current_msec - as->last_fail)
               < (ngx_msec_int_t) ucf->fail_timeout)
        {
            cls = NGX_STREAM_CCLINK_FAILED;

        } else if (cscf->host_zone.len && a->zone.len == cscf->host_zone.len
                   && ngx_strncmp(a->zone.data, cscf->host_zone.data,
                                  a->zone.len) == 0)
        {
            cls = NGX_STREAM_CCLINK_IN_ZONE;

        } else {
            cls = NGX_STREAM_CCLINK_OTHER_ZONE;
        }

        order[cls][n[cls]++] = (u_char) i;
    }

    start = ctx->mcf->rr++;
    k = 0;

    for (cls = NGX_STREAM_CCLINK_IN_ZONE; cls < NGX_STREAM_CCLINK_NCLASSES;
         cls++)
    {
        for (j = 0; j < n[cls]; j++) {
            ctx->order[k++] = order[cls][(start + j) % n[cls]];
        }
    }

    ctx->tried = 0;

    s->upstream->peer.get = ngx_stream_cclink_get_peer;
    s->upstream->peer.free = ngx_stream_cclink_free_peer;
    s->upstream->peer.data = ctx;
    s->upstream->peer.tries = ctx->naddrs;

    return NGX_OK;
}


static ngx_int_t
ngx_stream_cclink_get_peer(ngx_peer_connection_t *pc, void *data)
{
    ngx_stream_cclink_ctx_t   *ctx = data;
    ngx_stream_cclink_addr_t  *a;

    if (ctx->tried >= ctx->naddrs) {
        return NGX_BUSY;
    }

    a = &ctx->addrs[ctx->order[ctx->tried++]];

    ctx->current = a;
    ctx->zone = a->zone;

    pc->sockaddr = &a->sockaddr.sockaddr;
    pc->socklen = a->socklen;
    pc->name = &a->name;

    (void) ngx_atomic_fetch_add(&a->stat->attempts, 1);

    return NGX_OK;
}


static void
ngx_stream_cclink_free_peer(ngx_peer_connection_t *pc, void *data,
    ngx_uint_t state)
{
    ngx_stream_cclink_ctx_t  *ctx = data;

    u_char                     *p, *last;
    u_char                      list[NGX_STREAM_CCLINK_TRIED_TEXT];
    ngx_uint_t                  i;
    ngx_stream_cclink_addr_t   *a;

    if (pc->tries) {
        pc->tries--;
    }

    if (!(state & NGX_PEER_FAILED) || ctx->current == NULL) {
        return;
    }

    a = ctx->current;

    (void) ngx_atomic_fetch_add(&a->stat->failures, 1);
    (void) ngx_atomic_fetch_add(&a->stat->fails, 1);
    a->stat->last_fail = ngx_current_msec;

    if (pc->tries) {
        return;
    }

    /* nothing more will be tried: say which route failed and where */

    p = list;
    last = list + sizeof(list);

    for (i = 0; i < ctx->tried; i++) {
        a = &ctx->addrs[ctx->order[i]];
        p = ngx_slprintf(p, last, "%s%V%s%V%s", i ? ", " : "", &a->name,
                         a->zone.len ? " (" : "", &a->zone,
                         a->zone.len ? ")" : "");
    }

    ngx_log_error(NGX_LOG_ERR, pc->log, 0,
                  "cclink: no address of group \"%V\" accepted a connection "
                  "for route \"%V\", tried %ui of %ui: %*s", &ctx->group,
                  &ctx->route, ctx->tried, ctx->naddrs, p - list, list);

    if (ctx->rs) {
        (void) ngx_atomic_fetch_add(&ctx->rs->upstream_failed, 1);
    }

    ngx_cclink_count_refusal(ctx->mcf->sh, NGX_CCLINK_NO_ADDRESS, &ctx->sni,
                       &ctx->session->connection->addr_text);
}


static void *
ngx_stream_cclink_balancer_create_conf(ngx_conf_t *cf)
{
    ngx_stream_cclink_balancer_srv_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool,
                       sizeof(ngx_stream_cclink_balancer_srv_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /* an upstream block's settings are not merged: see init_upstream */

    conf->max_fails = NGX_CONF_UNSET_UINT;
    conf->fail_timeout = NGX_CONF_UNSET_MSEC;

    return conf;
}


static char *
ngx_stream_cclink_balancer(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_stream_cclink_balancer_srv_conf_t  *ucf = conf;

    ngx_int_t                        n;
    ngx_str_t                       *value, s;
    ngx_uint_t                       i;
    ngx_stream_upstream_server_t    *us;
    ngx_stream_upstream_srv_conf_t  *uscf;

    uscf = ngx_stream_conf_get_module_srv_conf(cf, ngx_stream_upstream_module);

    if (uscf->peer.init_upstream) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "load balancing method redefined");
    }

    uscf->peer.init_upstream = ngx_stream_cclink_init_upstream;

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "max_fails=", 10) == 0) {
            n = ngx_atoi(value[i].data + 10, value[i].len - 10);
            if (n == NGX_ERROR || n < 1) {
                goto invalid;
            }

            ucf->max_fails = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "fail_timeout=", 13) == 0) {
            s.data = value[i].data + 13;
            s.len = value[i].len - 13;

            ucf->fail_timeout = ngx_parse_time(&s, 0);
            if (ucf->fail_timeout == (ngx_msec_t) NGX_ERROR) {
                goto invalid;
            }

            continue;
        }

        goto invalid;
    }

    /*
     * The upstream block insists on at least one server; the addresses
     * come from the route table, so an empty placeholder stands in.
     */

    us = ngx_array_push(uscf->servers);
    if (us == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(us, sizeof(ngx_stream_upstream_server_t));
    ngx_str_set(&us->name, "cclink_balancer");

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"",
                       &value[i]);

    return NGX_CONF_ERROR;
}
