/*
 * Copyright (C) cclink authors
 *
 * ngx_stream_cclink_pass_module: its configuration. The server conf's
 * creation and merge (timeouts, buffer size, tries, keepalive, and the
 * check that no other content handler replaced cclink_pass) and the
 * "cclink_pass" directive, which names the upstream and sets the handler.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_stream.h>

#include "ngx_stream_cclink_pass_module.h"


void *
ngx_stream_cclink_pass_create_srv_conf(ngx_conf_t *cf)
{
    ngx_stream_cclink_pass_srv_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_stream_cclink_pass_srv_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->upstream = NULL;
     *     conf->free = NULL;
     *     conf->nfree = 0;
     */

    conf->connect_timeout = NGX_CONF_UNSET_MSEC;
    conf->timeout = NGX_CONF_UNSET_MSEC;
    conf->buffer_size = NGX_CONF_UNSET_SIZE;
    conf->next_upstream_tries = NGX_CONF_UNSET_UINT;
    conf->socket_keepalive = NGX_CONF_UNSET;

    return conf;
}


char *
ngx_stream_cclink_pass_merge_srv_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_stream_cclink_pass_srv_conf_t *prev = parent;
    ngx_stream_cclink_pass_srv_conf_t *conf = child;

    ngx_stream_core_srv_conf_t  *cscf;

    /* proxy_pass after cclink_pass replaces the handler without a word */

    cscf = ngx_stream_conf_get_module_srv_conf(cf, ngx_stream_core_module);

    if (conf->upstream && cscf->handler != ngx_stream_cclink_pass_handler) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"cclink_pass\" "
                           "conflicts with another content handler of this "
                           "server (\"proxy_pass\" or \"return\"?)");
        return NGX_CONF_ERROR;
    }

    ngx_conf_merge_msec_value(conf->connect_timeout, prev->connect_timeout,
                              10000);
    ngx_conf_merge_msec_value(conf->timeout, prev->timeout, 600000);
    ngx_conf_merge_size_value(conf->buffer_size, prev->buffer_size, 16384);
    ngx_conf_merge_uint_value(conf->next_upstream_tries,
                              prev->next_upstream_tries, 0);
    ngx_conf_merge_value(conf->socket_keepalive, prev->socket_keepalive, 0);

    /* whole pages: the buffers are mapped one by one */
    conf->buffer_size = ngx_align(conf->buffer_size, ngx_pagesize);

    return NGX_CONF_OK;
}


char *
ngx_stream_cclink_pass(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_stream_cclink_pass_srv_conf_t *pcf = conf;

    ngx_url_t                    url;
    ngx_str_t                   *value;
    ngx_stream_core_srv_conf_t  *cscf;

    if (pcf->upstream) {
        return "is duplicate";
    }

    cscf = ngx_stream_conf_get_module_srv_conf(cf, ngx_stream_core_module);

    if (cscf->handler) {
        return "conflicts with another content handler of this server "
               "(\"proxy_pass\" or \"return\"?)";
    }

    cscf->handler = ngx_stream_cclink_pass_handler;

    value = cf->args->elts;

    ngx_memzero(&url, sizeof(ngx_url_t));

    url.url = value[1];
    url.no_resolve = 1;

    pcf->upstream = ngx_stream_upstream_add(cf, &url, 0);
    if (pcf->upstream == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
