/*
 * Copyright (C) cclink authors
 *
 * The CONNECT entrance's proxy authentication (see
 * ngx_stream_cclink_connect_auth.c). An auth object belongs to the
 * configuration (cf->pool); what it has read of the file lives in a pool
 * of its own, replaced when the file changes, per worker process.
 */

#ifndef _NGX_STREAM_CCLINK_CONNECT_AUTH_H_INCLUDED_
#define _NGX_STREAM_CCLINK_CONNECT_AUTH_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


typedef struct ngx_stream_cclink_connect_auth_s
    ngx_stream_cclink_connect_auth_t;


/* reads the file; NULL (logged) when it cannot */
ngx_stream_cclink_connect_auth_t *ngx_stream_cclink_connect_auth_create(
    ngx_conf_t *cf, ngx_str_t *path);

/*
 * Checks a Proxy-Authorization value (NULL: none sent): NGX_OK when it
 * names a user of the file with the right password, NGX_DECLINED when
 * not, NGX_ERROR on memory failure.
 */
ngx_int_t ngx_stream_cclink_connect_auth_check(ngx_connection_t *c,
    ngx_stream_cclink_connect_auth_t *auth, const char *value, size_t vlen);


#endif /* _NGX_STREAM_CCLINK_CONNECT_AUTH_H_INCLUDED_ */
