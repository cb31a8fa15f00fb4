/*
 * Copyright (C) cclink authors
 *
 * The types that the files of ngx_stream_cclink_pass_module share: its
 * server configuration with the per-worker buffer free list, a session's
 * relay state, the content handler and the configuration's functions
 * (ngx_stream_cclink_pass_conf.c).
 */

#ifndef _NGX_STREAM_CCLINK_PASS_MODULE_H_INCLUDED_
#define _NGX_STREAM_CCLINK_PASS_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_stream.h>


/* free buffers a server keeps per worker beyond which memory is returned */
#define NGX_STREAM_CCLINK_PASS_KEEP   64


typedef struct ngx_stream_cclink_pass_free_s  ngx_stream_cclink_pass_free_t;

struct ngx_stream_cclink_pass_free_s {
    ngx_stream_cclink_pass_free_t  *next;
};


typedef struct {
    ngx_stream_upstream_srv_conf_t *upstream;
    ngx_msec_t                      connect_timeout;
    ngx_msec_t                      timeout;
    size_t                          buffer_size;
    ngx_uint_t                      next_upstream_tries;
    ngx_flag_t                      socket_keepalive;

    /*
     * per worker process (each has its own copy of the configuration):
     * buffers not lent out, a list threaded through the buffers
     */
    ngx_stream_cclink_pass_free_t  *free;
    ngx_uint_t                      nfree;
} ngx_stream_cclink_pass_srv_conf_t;


typedef struct {
    /* the preread buffer is being sent upstream as the first bytes */
    unsigned                        preread:1;

    /* a FIN passed on: the write side of that connection is shut down */
    unsigned                        client_shut:1;
    unsigned                        upstream_shut:1;
} ngx_stream_cclink_pass_ctx_t;


/* ngx_stream_cclink_pass_module.c: the content handler */
void ngx_stream_cclink_pass_handler(ngx_stream_session_t *s);

/* ngx_stream_cclink_pass_conf.c */
void *ngx_stream_cclink_pass_create_srv_conf(ngx_conf_t *cf);
char *ngx_stream_cclink_pass_merge_srv_conf(ngx_conf_t *cf, void *parent,
    void *child);
char *ngx_stream_cclink_pass(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);


extern ngx_module_t  ngx_stream_cclink_pass_module;


#endif /* _NGX_STREAM_CCLINK_PASS_MODULE_H_INCLUDED_ */
