/*
 * Copyright (C) cclink authors
 *
 * ngx_stream_cclink_connect_module: an HTTP CONNECT entrance in front of
 * the SNI router. It reads one HTTP/1.x request head, allows only
 * "CONNECT name:port" for a name of the route table in force and a port
 * of cclink_connect_ports (and, with cclink_connect_auth_file, a good
 * Proxy-Authorization), answers "200 Connection established" and hands
 * the connection to the router (cclink_route on in the same server),
 * which reads the ClientHello, checks through
 * ngx_stream_cclink_connect_target() that its name is the CONNECT host,
 * and relays to the route's addresses on the CONNECT port. Everything
 * else gets a status line and is closed before any upstream connection.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_stream.h>

#include "cclink_connect_parse.h"
#include "ngx_cclink_shm.h"
#include "ngx_stream_cclink_connect_auth.h"
#include "ngx_stream_cclink.h"


#define NGX_STREAM_CCLINK_CONNECT_READING   0
#define NGX_STREAM_CCLINK_CONNECT_ACCEPTED  1
#define NGX_STREAM_CCLINK_CONNECT_REFUSED   2

/* the first read; the buffer grows once to the largest head accepted */
#define NGX_STREAM_CCLINK_CONNECT_FIRST     1024
#define NGX_STREAM_CCLINK_CONNECT_HEAD_MAX  8192


typedef struct {
    ngx_flag_t                      enable;
    ngx_array_t                    *ports;     /* of in_port_t */
    ngx_stream_cclink_connect_auth_t  *auth;
} ngx_stream_cclink_connect_srv_conf_t;


typedef struct {
    ngx_uint_t                      state;
    ngx_uint_t                      reason;
    ngx_str_t                       host;
    in_port_t                       port;
} ngx_stream_cclink_connect_ctx_t;


typedef struct {
    ngx_str_t                       text;
    ngx_uint_t                      status;    /* for $status */
} ngx_stream_cclink_connect_reply_t;


static ngx_int_t ngx_stream_cclink_connect_handler(ngx_stream_session_t *s);
static ngx_int_t ngx_stream_cclink_connect_head(ngx_stream_session_t *s,
    ngx_stream_cclink_connect_ctx_t *ctx,
    ngx_stream_cclink_connect_srv_conf_t *ccf, cclink_connect_req_t *req);
static ngx_int_t ngx_stream_cclink_connect_refuse(ngx_stream_session_t *s,
    ngx_stream_cclink_connect_ctx_t *ctx, ngx_uint_t reason);
static void ngx_stream_cclink_connect_count(ngx_stream_session_t *s,
    ngx_int_t reason);
static ngx_int_t ngx_stream_cclink_connect_log_handler(
    ngx_stream_session_t *s);
static ngx_int_t ngx_stream_cclink_connect_variable(ngx_stream_session_t *s,
    ngx_stream_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_stream_cclink_connect_add_variables(ngx_conf_t *cf);
static void *ngx_stream_cclink_connect_create_srv_conf(ngx_conf_t *cf);
static char *ngx_stream_cclink_connect_merge_srv_conf(ngx_conf_t *cf,
    void *parent, void *child);
static ngx_int_t ngx_stream_cclink_connect_init(ngx_conf_t *cf);
static char *ngx_stream_cclink_connect_ports(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_stream_cclink_connect_auth_file(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);


static ngx_command_t  ngx_stream_cclink_connect_commands[] = {

    { ngx_string("cclink_connect"),
      NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_stream_cclink_connect_srv_conf_t, enable),
      NULL },

    { ngx_string("cclink_connect_ports"),
      NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF|NGX_CONF_1MORE,
      ngx_stream_cclink_connect_ports,
      NGX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cclink_connect_auth_file"),
      NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF|NGX_CONF_TAKE1,
      ngx_stream_cclink_connect_auth_file,
      NGX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_stream_module_t  ngx_stream_cclink_connect_module_ctx = {
    ngx_stream_cclink_connect_add_variables,   /* preconfiguration */
    ngx_stream_cclink_connect_init,            /* postconfiguration */

    NULL,                                      /* create main configuration */
    NULL,                                      /* init main configuration */

    ngx_stream_cclink_connect_create_srv_conf, /* create server configuration */
    ngx_stream_cclink_connect_merge_srv_conf   /* merge server configuration */
};


ngx_module_t  ngx_stream_cclink_connect_module = {
    NGX_MODULE_V1,
    &ngx_stream_cclink_connect_module_ctx,     /* module context */
    ngx_stream_cclink_connect_commands,        /* module directives */
    NGX_STREAM_MODULE,                         /* module type */
    NULL,                                      /* init master */
    NULL,                                      /* init module */
    NULL,                                      /* init process */
    NULL,                                      /* init thread */
    NULL,                                      /* exit thread */
    NULL,                                      /* exit process */
    NULL,                                      /* exit master */
    NGX_MODULE_V1_PADDING
};


/* by ngx_cclink_connect_reason_e */
static ngx_stream_cclink_connect_reply_t  ngx_stream_cclink_connect_replies[]
    = {
    { ngx_string("HTTP/1.1 400 Bad Request" CRLF
                 "Connection: close" CRLF "Content-Length: 0" CRLF CRLF),
      NGX_STREAM_BAD_REQUEST },
    { ngx_string("HTTP/1.1 403 Forbidden" CRLF
                 "Connection: close" CRLF "Content-Length: 0" CRLF CRLF),
      NGX_STREAM_FORBIDDEN },
    { ngx_string("HTTP/1.1 403 Forbidden" CRLF
                 "Connection: close" CRLF "Content-Length: 0" CRLF CRLF),
      NGX_STREAM_FORBIDDEN },
    { ngx_string("HTTP/1.1 405 Method Not Allowed" CRLF "Allow: CONNECT" CRLF
                 "Connection: close" CRLF "Content-Length: 0" CRLF CRLF),
      NGX_STREAM_BAD_REQUEST },
    { ngx_string("HTTP/1.1 407 Proxy Authentication Required" CRLF
                 "Proxy-Authenticate: Basic realm=\"cclink\", "
                 "charset=\"UTF-8\"" CRLF
                 "Connection: close" CRLF "Content-Length: 0" CRLF CRLF),
      NGX_STREAM_FORBIDDEN },
    { ngx_string("HTTP/1.1 408 Request Timeout" CRLF
                 "Connection: close" CRLF "Content-Length: 0" CRLF CRLF),
      NGX_STREAM_BAD_REQUEST },
    { ngx_string("HTTP/1.1 431 Request Header Fields Too Large" CRLF
                 "Connection: close" CRLF "Content-Length: 0" CRLF CRLF),
      NGX_STREAM_BAD_REQUEST },
    { ngx_null_string, NGX_STREAM_FORBIDDEN }     /* sni_mismatch: closed */
};


static ngx_str_t  ngx_stream_cclink_connect_established =
    ngx_string("HTTP/1.1 200 Connection established" CRLF CRLF);


enum {
    NGX_STREAM_CCLINK_CONNECT_VAR_HOST = 0,
    NGX_STREAM_CCLINK_CONNECT_VAR_OUTCOME
};


static ngx_stream_variable_t  ngx_stream_cclink_connect_vars[] = {

    { ngx_string("cclink_connect_host"), NULL,
      ngx_stream_cclink_connect_variable,
      NGX_STREAM_CCLINK_CONNECT_VAR_HOST, 0, 0 },

    { ngx_string("cclink_connect_outcome"), NULL,
      ngx_stream_cclink_connect_variable,
      NGX_STREAM_CCLINK_CONNECT_VAR_OUTCOME, 0, 0 },

      ngx_stream_null_variable
};


static ngx_int_t
ngx_stream_cclink_connect_handler(ngx_stream_session_t *s)
{
    int                                    rc;
    size_t                                 size;
    ngx_connection_t                      *c;
    cclink_connect_req_t                   req;
    ngx_stream_cclink_connect_ctx_t       *ctx;
    ngx_stream_cclink_connect_srv_conf_t  *ccf;

    c = s->connection;
    ccf = ngx_stream_get_module_srv_conf(s, ngx_stream_cclink_connect_module);

    if (!ccf->enable || c->type != SOCK_STREAM) {
        return NGX_DECLINED;
    }

    ctx = ngx_stream_get_module_ctx(s, ngx_stream_cclink_connect_module);

    if (ctx && ctx->state != NGX_STREAM_CCLINK_CONNECT_READING) {
        return NGX_DECLINED;
    }

    if (ctx == NULL) {
        ctx = ngx_pcalloc(c->pool, sizeof(ngx_stream_cclink_connect_ctx_t));
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        ngx_stream_set_ctx(s, ctx, ngx_stream_cclink_connect_module);
    }

    if (c->buffer == NULL) {
        /* the core would allocate preread_buffer_size for each one */
        c->buffer = ngx_create_temp_buf(c->pool,
                                        NGX_STREAM_CCLINK_CONNECT_FIRST);
        if (c->buffer == NULL) {
            return NGX_ERROR;
        }

        return NGX_AGAIN;
    }

    rc = cclink_connect_parse((char *) c->buffer->pos,
                              c->buffer->last - c->buffer->pos,
                              NGX_STREAM_CCLINK_CONNECT_HEAD_MAX, &req);

    switch (rc) {

    case CCLINK_CONNECT_OK:
        return ngx_stream_cclink_connect_head(s, ctx, ccf, &req);

    case CCLINK_CONNECT_AGAIN:
        break;

    case CCLINK_CONNECT_METHOD:
        return ngx_stream_cclink_connect_refuse(s, ctx,
                                                NGX_CCLINK_CONNECT_METHOD);

    case CCLINK_CONNECT_TOO_LARGE:
        return ngx_stream_cclink_connect_refuse(s, ctx,
                                                NGX_CCLINK_CONNECT_TOO_LARGE);

    default:
        return ngx_stream_cclink_connect_refuse(s, ctx,
                                               NGX_CCLINK_CONNECT_BAD_REQUEST);
    }

    if (c->buffer->last < c->buffer->end) {
        return NGX_AGAIN;
    }

    /* full: once, room for the largest head accepted */

    size = c->buffer->end - c->buffer->start;

    if (size >= NGX_STREAM_CCLINK_CONNECT_HEAD_MAX) {
        /* the parser says too large first; never "preread buffer full" */
        return ngx_stream_cclink_connect_refuse(s, ctx,
                                                NGX_CCLINK_CONNECT_TOO_LARGE);
    }

    return ngx_stream_cclink_buffer_resize(s,
                                           NGX_STREAM_CCLINK_CONNECT_HEAD_MAX);
}


/*
 * A complete CONNECT head: checks it, answers 200 and drops the head from
 * the preread buffer, keeping what follows it for the router.
 */

static ngx_int_t
ngx_stream_cclink_connect_head(ngx_stream_session_t *s,
    ngx_stream_cclink_connect_ctx_t *ctx,
    ngx_stream_cclink_connect_srv_conf_t *ccf, cclink_connect_req_t *req)
{
    size_t                       rest;
    ssize_t                      n;
    in_port_t                   *port;
    ngx_int_t                    rc;
    ngx_uint_t                   i;
    ngx_buf_t                   *b;
    ngx_connection_t            *c;
    ngx_stream_cclink_lookup_t   lk;

    c = s->connection;
    b = c->buffer;

    /* the parser allows only name, address and port characters */

    ctx->host.len = req->host_len;
    ctx->host.data = ngx_pnalloc(c->pool, req->host_len);
    if (ctx->host.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(ctx->host.data, req->host, req->host_len);
    ctx->port = (in_port_t) req->port;

    if (ccf->auth) {
        rc = ngx_stream_cclink_connect_auth_check(c, ccf->auth, req->auth,
                                                  req->auth_len);

        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (rc != NGX_OK) {
            return ngx_stream_cclink_connect_refuse(s, ctx,
                                                    NGX_CCLINK_CONNECT_AUTH);
        }
    }

    if (req->ip_literal) {
        return ngx_stream_cclink_connect_refuse(s, ctx,
                                                NGX_CCLINK_CONNECT_NAME);
    }

    rc = ngx_stream_cclink_lookup(s, ctx->host.data, ctx->host.len, &lk);

    if (rc != NGX_OK) {
        return ngx_stream_cclink_connect_refuse(s, ctx,
                                                NGX_CCLINK_CONNECT_NAME);
    }

    port = ccf->ports->elts;

    for (i = 0; i < ccf->ports->nelts; i++) {
        if (port[i] == ctx->port) {
            break;
        }
    }

    if (i == ccf->ports->nelts) {
        return ngx_stream_cclink_connect_refuse(s, ctx,
                                                NGX_CCLINK_CONNECT_PORT);
    }

    n = c->send(c, ngx_stream_cclink_connect_established.data,
                ngx_stream_cclink_connect_established.len);

    if (n != (ssize_t) ngx_stream_cclink_connect_established.len) {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "cclink connect: could not send the 200 reply");
        return NGX_STREAM_OK;
    }

    /* the tunnel starts right after the head: keep those bytes */

    rest = b->last - (b->pos + req->head_len);
    ngx_memmove(b->start, b->pos + req->head_len, rest);
    b->pos = b->start;
    b->last = b->start + rest;

    ctx->state = NGX_STREAM_CCLINK_CONNECT_ACCEPTED;

    ngx_stream_cclink_connect_count(s, -1);

    ngx_log_debug2(NGX_LOG_DEBUG_STREAM, c->log, 0,
                   "cclink connect: tunnel to \"%V\" port %d",
                   &ctx->host, (int) ctx->port);

    /* the router (cclink_route on) reads the ClientHello next */

    return NGX_DECLINED;
}


static ngx_int_t
ngx_stream_cclink_connect_refuse(ngx_stream_session_t *s,
    ngx_stream_cclink_connect_ctx_t *ctx, ngx_uint_t reason)
{
    u_char                             *drain;
    ngx_uint_t                          i;
    ngx_connection_t                   *c;
    ngx_stream_cclink_connect_reply_t  *reply;

    c = s->connection;
    reply = &ngx_stream_cclink_connect_replies[reason];

    ctx->state = NGX_STREAM_CCLINK_CONNECT_REFUSED;
    ctx->reason = reason;

    if (ctx->host.len) {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "cclink connect: refused: %s, target \"%V:%d\"",
                      ngx_cclink_connect_reason_names[reason], &ctx->host,
                      (int) ctx->port);

    } else {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "cclink connect: refused: %s",
                      ngx_cclink_connect_reason_names[reason]);
    }

    ngx_stream_cclink_connect_count(s, reason);

    if (reply->text.len) {
        (void) c->send(c, reply->text.data, reply->text.len);

        /*
         * What the client sent and nobody read would make the close a
         * reset that may overtake the reply: read what is there now, at
         * most 64 KiB.
         */

        drain = ngx_pnalloc(c->pool, NGX_STREAM_CCLINK_CONNECT_HEAD_MAX);

        for (i = 0; drain && c->read->ready && i < 8; i++) {
            if (c->recv(c, drain, NGX_STREAM_CCLINK_CONNECT_HEAD_MAX)
                != NGX_STREAM_CCLINK_CONNECT_HEAD_MAX)
            {
                break;
            }
        }
    }

    return reply->status;
}


/* reason -1: accepted */

static void
ngx_stream_cclink_connect_count(ngx_stream_session_t *s, ngx_int_t reason)
{
    ngx_cclink_shm_t  *sh;

    sh = ngx_stream_cclink_shared(s);

    if (sh == NULL) {
        return;
    }

    if (reason < 0) {
        (void) ngx_atomic_fetch_add(&sh->connect_accepted, 1);

    } else {
        (void) ngx_atomic_fetch_add(&sh->connect_refused[reason], 1);
    }
}


/*
 * Called by the router with the ClientHello's server name: for a session
 * that came through the CONNECT entrance, the name must be the CONNECT
 * host, and the port to relay to is the CONNECT port.
 */

ngx_int_t
ngx_stream_cclink_connect_target(ngx_stream_session_t *s, const char *name,
    size_t len, in_port_t *port)
{
    size_t                            hlen;
    ngx_stream_cclink_connect_ctx_t  *ctx;

    ctx = ngx_stream_get_module_ctx(s, ngx_stream_cclink_connect_module);

    if (ctx == NULL || ctx->state != NGX_STREAM_CCLINK_CONNECT_ACCEPTED) {
        return NGX_OK;
    }

    /* a final dot on either side names the same host */

    hlen = ctx->host.len;

    if (hlen > 1 && ctx->host.data[hlen - 1] == '.') {
        hlen--;
    }

    if (len > 1 && name[len - 1] == '.') {
        len--;
    }

    if (len != hlen
        || ngx_strncasecmp((u_char *) name, ctx->host.data, len) != 0)
    {
        (void) ngx_stream_cclink_connect_refuse(s, ctx,
                                             NGX_CCLINK_CONNECT_SNI_MISMATCH);
        return NGX_DECLINED;
    }

    *port = ctx->port;

    return NGX_OK;
}


/* the session ended while the head was being read: 408 after a timeout */

static ngx_int_t
ngx_stream_cclink_connect_log_handler(ngx_stream_session_t *s)
{
    ngx_connection_t                 *c;
    ngx_stream_cclink_connect_ctx_t  *ctx;

    ctx = ngx_stream_get_module_ctx(s, ngx_stream_cclink_connect_module);

    if (ctx == NULL || ctx->state != NGX_STREAM_CCLINK_CONNECT_READING) {
        return NGX_OK;
    }

    c = s->connection;

    if (c->read->timedout) {
        (void) ngx_stream_cclink_connect_refuse(s, ctx,
                                                NGX_CCLINK_CONNECT_TIMEOUT);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_stream_cclink_connect_variable(ngx_stream_session_t *s,
    ngx_stream_variable_value_t *v, uintptr_t data)
{
    ngx_stream_cclink_connect_ctx_t  *ctx;

    ctx = ngx_stream_get_module_ctx(s, ngx_stream_cclink_connect_module);

    if (ctx == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (data == NGX_STREAM_CCLINK_CONNECT_VAR_HOST) {
        if (ctx->host.len == 0) {
            v->not_found = 1;
            return NGX_OK;
        }

        v->data = ctx->host.data;
        v->len = ctx->host.len;

    } else if (ctx->state == NGX_STREAM_CCLINK_CONNECT_ACCEPTED) {
        v->data = (u_char *) "accepted";
        v->len = sizeof("accepted") - 1;

    } else if (ctx->state == NGX_STREAM_CCLINK_CONNECT_REFUSED) {
        v->data = (u_char *) ngx_cclink_connect_reason_names[ctx->reason];
        v->len = ngx_strlen(v->data);

    } else {
        v->data = (u_char *) "incomplete";
        v->len = sizeof("incomplete") - 1;
    }

    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_stream_cclink_connect_add_variables(ngx_conf_t *cf)
{
    ngx_stream_variable_t  *var, *v;

    for (v = ngx_stream_cclink_connect_vars; v->name.len; v++) {
        var = ngx_stream_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static void *
ngx_stream_cclink_connect_create_srv_conf(ngx_conf_t *cf)
{
    ngx_stream_cclink_connect_srv_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool,
                       sizeof(ngx_stream_cclink_connect_srv_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->auth = NULL;
     */

    conf->enable = NGX_CONF_UNSET;
    conf->ports = NGX_CONF_UNSET_PTR;

    return conf;
}


static char *
ngx_stream_cclink_connect_merge_srv_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_stream_cclink_connect_srv_conf_t *prev = parent;
    ngx_stream_cclink_connect_srv_conf_t *conf = child;

    in_port_t  *port;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    ngx_conf_merge_ptr_value(conf->ports, prev->ports, NULL);

    if (conf->ports == NULL) {
        conf->ports = ngx_array_create(cf->pool, 2, sizeof(in_port_t));
        if (conf->ports == NULL) {
            return NGX_CONF_ERROR;
        }

        port = ngx_array_push_n(conf->ports, 2);
        if (port == NULL) {
            return NGX_CONF_ERROR;
        }

        port[0] = 443;
        port[1] = 9092;
    }

    if (conf->auth == NULL) {
        conf->auth = prev->auth;
    }

    return NGX_CONF_OK;
}


/*
 * Preread handlers registered later run first: this module comes after
 * ngx_stream_cclink_module in "config", so the CONNECT head is read
 * before the router looks for a ClientHello.
 */

static ngx_int_t
ngx_stream_cclink_connect_init(ngx_conf_t *cf)
{
    ngx_uint_t                             i;
    ngx_stream_handler_pt                 *h;
    ngx_stream_core_srv_conf_t           **cscfp;
    ngx_stream_core_main_conf_t           *cmcf;
    ngx_stream_cclink_connect_srv_conf_t  *ccf;

    cmcf = ngx_stream_conf_get_module_main_conf(cf, ngx_stream_core_module);

    /*
     * Without the router after it, the entrance would hand an accepted
     * tunnel to whatever the server relays to: refuse the configuration.
     */

    cscfp = cmcf->servers.elts;

    for (i = 0; i < cmcf->servers.nelts; i++) {
        ccf = cscfp[i]->ctx->srv_conf[
                                 ngx_stream_cclink_connect_module.ctx_index];

        if (ccf->enable
            && !ngx_stream_cclink_route_enabled(cscfp[i]->ctx->srv_conf))
        {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "\"cclink_connect on\" needs \"cclink_route on\" "
                          "in the same server, in %s:%ui",
                          cscfp[i]->file_name, cscfp[i]->line);
            return NGX_ERROR;
        }
    }

    h = ngx_array_push(&cmcf->phases[NGX_STREAM_PREREAD_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_stream_cclink_connect_handler;

    h = ngx_array_push(&cmcf->phases[NGX_STREAM_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_stream_cclink_connect_log_handler;

    return NGX_OK;
}


static char *
ngx_stream_cclink_connect_ports(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_stream_cclink_connect_srv_conf_t *ccf = conf;

    ngx_int_t    n;
    ngx_str_t   *value;
    in_port_t   *port;
    ngx_uint_t   i;

    if (ccf->ports != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    ccf->ports = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                  sizeof(in_port_t));
    if (ccf->ports == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        n = ngx_atoi(value[i].data, value[i].len);

        if (n < 1 || n > 65535) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid port \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        port = ngx_array_push(ccf->ports);
        if (port == NULL) {
            return NGX_CONF_ERROR;
        }

        *port = (in_port_t) n;
    }

    return NGX_CONF_OK;
}


static char *
ngx_stream_cclink_connect_auth_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_stream_cclink_connect_srv_conf_t *ccf = conf;

    ngx_str_t  *value;

    if (ccf->auth) {
        return "is duplicate";
    }

    value = cf->args->elts;

    ccf->auth = ngx_stream_cclink_connect_auth_create(cf, &value[1]);
    if (ccf->auth == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
