/*
 * Copyright (C) cclink authors
 *
 * ngx_stream_cclink_module: routes TLS connections by the server name of
 * their ClientHello, from a route table held in shared memory that is
 * replaced in place when its file changes; refuses everything else before
 * any upstream connection. This file: the directives, the configuration,
 * the phase handlers' registration and the worker's start and exit.
 * Routing (with loop detection) is in ngx_stream_cclink_preread.c,
 * counting in ngx_stream_cclink_account.c, table loading in
 * ngx_stream_cclink_table.c; the balancer is its own module
 * (ngx_stream_cclink_balancer_module.c).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_stream.h>

#include "ngx_stream_cclink_module.h"


/* defaults and limits of cclink_routes */
#define NGX_STREAM_CCLINK_INTERVAL        500
#define NGX_STREAM_CCLINK_MIN_INTERVAL    100
#define NGX_STREAM_CCLINK_ROUTE_SERIES    2048
#define NGX_STREAM_CCLINK_ADDR_SERIES     512
#define NGX_STREAM_CCLINK_MIN_ZONE_PAGES  8

/* default and least cclink_client_hello_max_size */
#define NGX_STREAM_CCLINK_HELLO_MAX       16000
#define NGX_STREAM_CCLINK_HELLO_MIN       64


static void *ngx_stream_cclink_create_main_conf(ngx_conf_t *cf);
static void *ngx_stream_cclink_create_srv_conf(ngx_conf_t *cf);
static char *ngx_stream_cclink_merge_srv_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_stream_cclink_postconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_stream_cclink_init_process(ngx_cycle_t *cycle);
static void ngx_stream_cclink_exit_process(ngx_cycle_t *cycle);
static void ngx_stream_cclink_free_initial(void *data);
static char *ngx_stream_cclink_routes_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);


static ngx_command_t  ngx_stream_cclink_commands[] = {

    { ngx_string("cclink_routes"),
      NGX_STREAM_MAIN_CONF|NGX_CONF_1MORE,
      ngx_stream_cclink_routes_directive,
      NGX_STREAM_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cclink_route"),
      NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_stream_cclink_srv_conf_t, route),
      NULL },

    { ngx_string("cclink_host_zone"),
      NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_stream_cclink_srv_conf_t, host_zone),
      NULL },

    { ngx_string("cclink_client_hello_max_size"),
      NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_stream_cclink_srv_conf_t, hello_max),
      NULL },

      ngx_null_command
};


static ngx_stream_module_t  ngx_stream_cclink_module_ctx = {
    ngx_stream_cclink_add_variables,       /* preconfiguration */
    ngx_stream_cclink_postconfiguration,   /* postconfiguration */

    ngx_stream_cclink_create_main_conf,    /* create main configuration */
    NULL,                                  /* init main configuration */

    ngx_stream_cclink_create_srv_conf,     /* create server configuration */
    ngx_stream_cclink_merge_srv_conf       /* merge server configuration */
};


ngx_module_t  ngx_stream_cclink_module = {
    NGX_MODULE_V1,
    &ngx_stream_cclink_module_ctx,         /* module context */
    ngx_stream_cclink_commands,            /* module directives */
    NGX_STREAM_MODULE,                     /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_stream_cclink_init_process,        /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_stream_cclink_exit_process,        /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static void *
ngx_stream_cclink_create_main_conf(ngx_conf_t *cf)
{
    ngx_stream_cclink_main_conf_t  *mcf;

    mcf = ngx_pcalloc(cf->pool, sizeof(ngx_stream_cclink_main_conf_t));
    if (mcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     mcf->path = { 0, NULL };
     *     mcf->shm_zone = NULL;
     *     mcf->initial = NULL;
     *     mcf->regexes = NULL;
     */

    mcf->slot = NGX_CONF_UNSET_UINT;
    ngx_queue_init(&mcf->sessions);

    return mcf;
}


static void *
ngx_stream_cclink_create_srv_conf(ngx_conf_t *cf)
{
    ngx_stream_cclink_srv_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_stream_cclink_srv_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->host_zone = { 0, NULL };
     */

    conf->route = NGX_CONF_UNSET;
    conf->hello_max = NGX_CONF_UNSET_SIZE;

    return conf;
}


static char *
ngx_stream_cclink_merge_srv_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_stream_cclink_srv_conf_t *prev = parent;
    ngx_stream_cclink_srv_conf_t *conf = child;

    ngx_stream_cclink_main_conf_t  *mcf;

    ngx_conf_merge_value(conf->route, prev->route, 0);
    ngx_conf_merge_str_value(conf->host_zone, prev->host_zone, "");
    ngx_conf_merge_size_value(conf->hello_max, prev->hello_max,
                              NGX_STREAM_CCLINK_HELLO_MAX);

    if (conf->route) {
        mcf = ngx_stream_conf_get_module_main_conf(cf,
                                                   ngx_stream_cclink_module);
        if (mcf->shm_zone == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"cclink_route\" needs \"cclink_routes\" in "
                               "the stream block");
            return NGX_CONF_ERROR;
        }
    }

    if (conf->hello_max < NGX_STREAM_CCLINK_HELLO_MIN) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"cclink_client_hello_max_size\" must be at "
                           "least 64");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_stream_cclink_postconfiguration(ngx_conf_t *cf)
{
    ngx_uint_t                     i;
    ngx_stream_listen_t           *ls;
    ngx_stream_handler_pt         *h;
    ngx_stream_core_main_conf_t   *cmcf;
    ngx_stream_cclink_srv_conf_t  *cscf;

    cmcf = ngx_stream_conf_get_module_main_conf(cf, ngx_stream_core_module);

    /*
     * Routing reads a TLS ClientHello from a TCP stream: a datagram
     * session would have nothing to route by, and must not be relayed
     * unrouted. (Servers without "cclink_route on" may listen on UDP.)
     */

    ls = cmcf->listen.elts;

    for (i = 0; i < cmcf->listen.nelts; i++) {
        cscf = ls[i].ctx->srv_conf[ngx_stream_cclink_module.ctx_index];

        if (ls[i].type == SOCK_DGRAM && cscf->route) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"cclink_route on\" cannot route the UDP "
                               "listener \"%V\": it routes TLS over TCP "
                               "only; turn it off in that server",
                               &ls[i].addr_text);
            return NGX_ERROR;
        }
    }

    /*
     * Handlers of a phase run in reverse order of registration; modules
     * loaded after the stream core (as a dynamic module is) therefore run
     * first, which is what is wanted here: the route is decided before
     * ssl_preread or js_preread see the ClientHello.
     */

    h = ngx_array_push(&cmcf->phases[NGX_STREAM_PREREAD_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_stream_cclink_preread_handler;

    h = ngx_array_push(&cmcf->phases[NGX_STREAM_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_stream_cclink_log_handler;

    return NGX_OK;
}


static ngx_int_t
ngx_stream_cclink_init_process(ngx_cycle_t *cycle)
{
    ngx_cclink_shm_t               *sh;
    ngx_stream_conf_ctx_t          *ctx;
    ngx_stream_cclink_main_conf_t  *mcf;

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    ctx = (ngx_stream_conf_ctx_t *) ngx_get_conf(cycle->conf_ctx,
                                                 ngx_stream_module);
    if (ctx == NULL) {
        return NGX_OK;
    }

    mcf = ctx->main_conf[ngx_stream_cclink_module.ctx_index];

    if (mcf == NULL || mcf->shm_zone == NULL) {
        return NGX_OK;
    }

    sh = mcf->sh;

    mcf->slot = (ngx_process == NGX_PROCESS_WORKER) ? ngx_worker : 0;

    if (mcf->slot < NGX_CCLINK_MAX_WORKERS) {
        sh->workers[mcf->slot].gen = sh->generation;
        ngx_memory_barrier();
        sh->workers[mcf->slot].pid = ngx_pid;

    } else {
        ngx_log_error(NGX_LOG_WARN, cycle->log, 0,
                      "cclink: more than %d workers; worker %ui does not "
                      "take part in route table release",
                      NGX_CCLINK_MAX_WORKERS, mcf->slot);
    }

    ngx_stream_cclink_read_local(mcf, cycle->log);

    return ngx_stream_cclink_table_start(mcf, cycle->log);
}


static void
ngx_stream_cclink_exit_process(ngx_cycle_t *cycle)
{
    ngx_stream_conf_ctx_t          *ctx;
    ngx_stream_cclink_main_conf_t  *mcf;

    ctx = (ngx_stream_conf_ctx_t *) ngx_get_conf(cycle->conf_ctx,
                                                 ngx_stream_module);
    if (ctx == NULL) {
        return;
    }

    mcf = ctx->main_conf[ngx_stream_cclink_module.ctx_index];

    if (mcf == NULL || mcf->shm_zone == NULL) {
        return;
    }

    if (mcf->slot < NGX_CCLINK_MAX_WORKERS
        && mcf->sh->workers[mcf->slot].pid == ngx_pid)
    {
        mcf->sh->workers[mcf->slot].pid = 0;
    }

    cclink_rt_regexes_free(mcf->regexes);
    mcf->regexes = NULL;

    ngx_free(mcf->stat_cache);
    mcf->stat_cache = NULL;
    mcf->stat_cache_n = 0;

    ngx_free(mcf->local);
    mcf->local = NULL;
    mcf->nlocal = 0;

    ngx_cclink_watch_stop(&mcf->watch);
}


static void
ngx_stream_cclink_free_initial(void *data)
{
    cclink_rt_free(data);
}


static char *
ngx_stream_cclink_routes_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_stream_cclink_main_conf_t  *mcf = conf;

    char                 err[NGX_CCLINK_ERRLEN];
    u_char              *p;
    ssize_t              size;
    ngx_int_t            n;
    size_t               need;
    ngx_str_t           *value, name, s;
    ngx_uint_t           i;
    ngx_msec_t           interval;
    ngx_pool_cleanup_t  *cln;

    if (mcf->shm_zone) {
        return "is duplicate";
    }

    value = cf->args->elts;

    mcf->path = value[1];

    if (ngx_conf_full_name(cf->cycle, &mcf->path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    name.len = 0;
    size = 0;
    interval = NGX_STREAM_CCLINK_INTERVAL;
    mcf->route_series = NGX_STREAM_CCLINK_ROUTE_SERIES;
    mcf->addr_series = NGX_STREAM_CCLINK_ADDR_SERIES;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {
            name.data = value[i].data + 5;
            p = (u_char *) ngx_strchr(name.data, ':');

            if (p == NULL) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid zone size \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            name.len = p - name.data;

            s.data = p + 1;
            s.len = value[i].data + value[i].len - s.data;

            size = ngx_parse_size(&s);

            if (size == NGX_ERROR || name.len == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid zone \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            if (size < (ssize_t) (NGX_STREAM_CCLINK_MIN_ZONE_PAGES
                                  * ngx_pagesize))
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "zone \"%V\" is too small", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "interval=", 9) == 0) {
            s.data = value[i].data + 9;
            s.len = value[i].len - 9;

            interval = ngx_parse_time(&s, 0);

            if (interval == (ngx_msec_t) NGX_ERROR
                || interval < NGX_STREAM_CCLINK_MIN_INTERVAL)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid interval \"%V\" (at least 100ms)",
                                   &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "max_route_series=", 17) == 0) {
            n = ngx_atoi(value[i].data + 17, value[i].len - 17);

            if (n == NGX_ERROR || n < 1) {
                goto invalid;
            }

            mcf->route_series = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "max_address_series=", 19) == 0) {
            n = ngx_atoi(value[i].data + 19, value[i].len - 19);

            if (n == NGX_ERROR || n < 1) {
                goto invalid;
            }

            mcf->addr_series = n;
            continue;
        }

        goto invalid;
    }

    if (name.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have the \"zone=NAME:SIZE\" "
                           "parameter", &cmd->name);
        return NGX_CONF_ERROR;
    }

    mcf->interval = interval;

    /* the table is read now, so that "nginx -t" reports its errors */

    if (ngx_stream_cclink_file_id((char *) mcf->path.data, &mcf->initial_file)
        != NGX_OK)
    {
        ngx_memzero(&mcf->initial_file, sizeof(ngx_cclink_file_id_t));
    }

    if (cclink_rt_parse_file((char *) mcf->path.data, &mcf->initial, err,
                             sizeof(err))
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err);
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        cclink_rt_free(mcf->initial);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_stream_cclink_free_initial;
    cln->data = mcf->initial;

    need = ngx_stream_cclink_zone_need(mcf->route_series, mcf->addr_series,
                                       cclink_rt_size(mcf->initial));

    if ((size_t) size < need) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is too small: %ui route series, "
                           "%ui address series and the route table need "
                           "at least %uzk", &name, mcf->route_series,
                           mcf->addr_series, need / 1024 + 1);
        return NGX_CONF_ERROR;
    }

    if ((size_t) size < need + ngx_stream_cclink_pages(
                                   cclink_rt_size(mcf->initial))
                               * ngx_pagesize)
    {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "zone \"%V\" may be too small: the route table "
                           "takes %uz bytes, and a replacement needs as "
                           "much again while both are in use", &name,
                           cclink_rt_size(mcf->initial));
    }

    mcf->shm_zone = ngx_shared_memory_add(cf, &name, size,
                                          &ngx_stream_cclink_module);
    if (mcf->shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (mcf->shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is already used", &name);
        return NGX_CONF_ERROR;
    }

    mcf->shm_zone->init = ngx_stream_cclink_init_zone;
    mcf->shm_zone->data = mcf;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"",
                       &value[i]);

    return NGX_CONF_ERROR;
}
