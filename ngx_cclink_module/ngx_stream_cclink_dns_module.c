/*
 * Copyright (C) cclink authors
 *
 * ngx_stream_cclink_dns_module: a small authoritative DNS server answering
 * from the route table in force. A name the table routes (the same table
 * and matcher as SNI routing, ngx_stream_cclink_lookup()) gets the
 * cclink_dns_address records; an unrouted name inside cclink_dns_zones
 * goes to the server's proxy_pass resolver when there is one, else gets
 * NXDOMAIN; a name outside the zones gets REFUSED. The wire format is
 * cclink_dns.c.
 *
 * UDP: one datagram per session, answered and finalized in the preread
 * phase (or left to proxy_pass in the content phase). TCP (RFC 7766):
 * the first query decides; if it is to be forwarded, the connection goes
 * to proxy_pass whole, else the module serves the connection, several
 * queries, idle timeout preread_timeout, and closes it at a later query
 * that must be forwarded (the client asks again on a new connection).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_stream.h>

#include "cclink_dns.h"
#include "ngx_stream_cclink.h"


/*
 * The pool size of the UDP sessions of a DNS server (one per query).
 * With nginx's 256 bytes, what a session allocates (the datagram, the
 * session, its modules' contexts and variables) took three blocks and a
 * large allocation; it fits in one block of 1024 bytes, a size that
 * malloc() serves from its per-thread cache. A session that needs more
 * gets more blocks, as before.
 */
#define NGX_STREAM_CCLINK_DNS_POOL_SIZE  1024


typedef struct {
    ngx_uint_t                  family;
    u_char                      addr[16];
} ngx_stream_cclink_dns_addr_t;


typedef struct {
    ngx_flag_t                  enable;
    time_t                      ttl;
    ngx_array_t                *addrs;     /* ngx_stream_cclink_dns_addr_t */
    ngx_array_t                *zones;     /* ngx_str_t */
    cclink_dns_conf_t          *dns;       /* built when merged */
} ngx_stream_cclink_dns_srv_conf_t;


/*
 * Over TCP, allocated with the session, name pointing to room for the
 * longest name. Over UDP, see ngx_stream_cclink_dns_udp().
 */

typedef struct {
    const char                 *rcode;     /* NULL before a query */
    u_char                     *name;
    size_t                      name_len;
    u_char                     *out;       /* TCP: 2 + CCLINK_DNS_MAX_REPLY */
    u_char                     *out_pos;
    u_char                     *out_last;
} ngx_stream_cclink_dns_ctx_t;


static ngx_int_t ngx_stream_cclink_dns_preread_handler(
    ngx_stream_session_t *s);
static ngx_int_t ngx_stream_cclink_dns_udp(ngx_stream_session_t *s);
static ngx_int_t ngx_stream_cclink_dns_tcp_first(ngx_stream_session_t *s,
    ngx_stream_cclink_dns_ctx_t *ctx);
static void ngx_stream_cclink_dns_tcp_handler(ngx_event_t *ev);
static void ngx_stream_cclink_dns_tcp_process(ngx_stream_session_t *s);
static ngx_int_t ngx_stream_cclink_dns_tcp_query(ngx_stream_session_t *s,
    ngx_stream_cclink_dns_ctx_t *ctx);
static cclink_dns_action_e ngx_stream_cclink_dns_query(
    ngx_stream_session_t *s, const u_char *p, size_t len, size_t max,
    u_char *out, cclink_dns_result_t *res);
static void ngx_stream_cclink_dns_done(ngx_stream_session_t *s,
    ngx_stream_cclink_dns_ctx_t *ctx, cclink_dns_action_e action,
    cclink_dns_result_t *res);
static int ngx_stream_cclink_dns_match(void *data, const char *name,
    size_t len);
static void ngx_stream_cclink_dns_content_handler(ngx_stream_session_t *s);
static ngx_int_t ngx_stream_cclink_dns_variable(ngx_stream_session_t *s,
    ngx_stream_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_stream_cclink_dns_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_stream_cclink_dns_init(ngx_conf_t *cf);
static ngx_int_t ngx_stream_cclink_dns_init_module(ngx_cycle_t *cycle);
static ngx_flag_t ngx_stream_cclink_dns_listening(ngx_listening_t *ls);
static void *ngx_stream_cclink_dns_create_srv_conf(ngx_conf_t *cf);
static char *ngx_stream_cclink_dns_merge_srv_conf(ngx_conf_t *cf,
    void *parent, void *child);
static char *ngx_stream_cclink_dns(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_stream_cclink_dns_address(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_stream_cclink_dns_zones(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


static ngx_command_t  ngx_stream_cclink_dns_commands[] = {

    { ngx_string("cclink_dns"),
      NGX_STREAM_SRV_CONF|NGX_CONF_FLAG,
      ngx_stream_cclink_dns,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_stream_cclink_dns_srv_conf_t, enable),
      NULL },

    { ngx_string("cclink_dns_address"),
      NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF|NGX_CONF_1MORE,
      ngx_stream_cclink_dns_address,
      NGX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cclink_dns_ttl"),
      NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_stream_cclink_dns_srv_conf_t, ttl),
      NULL },

    { ngx_string("cclink_dns_zones"),
      NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF|NGX_CONF_1MORE,
      ngx_stream_cclink_dns_zones,
      NGX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_stream_module_t  ngx_stream_cclink_dns_module_ctx = {
    ngx_stream_cclink_dns_add_variables,   /* preconfiguration */
    ngx_stream_cclink_dns_init,            /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    ngx_stream_cclink_dns_create_srv_conf, /* create server configuration */
    ngx_stream_cclink_dns_merge_srv_conf   /* merge server configuration */
};


ngx_module_t  ngx_stream_cclink_dns_module = {
    NGX_MODULE_V1,
    &ngx_stream_cclink_dns_module_ctx,     /* module context */
    ngx_stream_cclink_dns_commands,        /* module directives */
    NGX_STREAM_MODULE,                     /* module type */
    NULL,                                  /* init master */
    ngx_stream_cclink_dns_init_module,     /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


/*
 * A UDP query that is answered or dropped is done with, its session
 * finalized (and logged), before the preread handler returns: its result
 * and context need not outlive that, so they are the worker's, not
 * allocated from the session's pool for each query.
 */
static cclink_dns_result_t          ngx_stream_cclink_dns_udp_res;
static ngx_stream_cclink_dns_ctx_t  ngx_stream_cclink_dns_udp_ctx;


static ngx_stream_variable_t  ngx_stream_cclink_dns_vars[] = {

    { ngx_string("cclink_dns_rcode"), NULL, ngx_stream_cclink_dns_variable,
      0, NGX_STREAM_VAR_NOCACHEABLE, 0 },

    { ngx_string("cclink_dns_name"), NULL, ngx_stream_cclink_dns_variable,
      1, NGX_STREAM_VAR_NOCACHEABLE, 0 },

      ngx_stream_null_variable
};


static ngx_int_t
ngx_stream_cclink_dns_preread_handler(ngx_stream_session_t *s)
{
    ngx_connection_t                  *c;
    ngx_stream_cclink_dns_ctx_t       *ctx;
    ngx_stream_cclink_dns_srv_conf_t  *dscf;

    dscf = ngx_stream_get_module_srv_conf(s, ngx_stream_cclink_dns_module);

    if (!dscf->enable) {
        return NGX_DECLINED;
    }

    c = s->connection;

    if (c->type == SOCK_DGRAM) {
        return ngx_stream_cclink_dns_udp(s);
    }

    ctx = ngx_stream_get_module_ctx(s, ngx_stream_cclink_dns_module);

    if (ctx == NULL) {
        ctx = ngx_pcalloc(c->pool, sizeof(ngx_stream_cclink_dns_ctx_t));
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        ngx_stream_set_ctx(s, ctx, ngx_stream_cclink_dns_module);
    }

    return ngx_stream_cclink_dns_tcp_first(s, ctx);
}


/* the datagram is all in c->buffer: answer, forward or drop it */

static ngx_int_t
ngx_stream_cclink_dns_udp(ngx_stream_session_t *s)
{
    u_char                        out[CCLINK_DNS_MAX_REPLY];
    ngx_buf_t                    *b;
    ngx_connection_t             *c;
    cclink_dns_action_e           action;
    cclink_dns_result_t          *res;
    ngx_stream_cclink_dns_ctx_t  *ctx;

    c = s->connection;
    b = c->buffer;

    if (b == NULL) {
        return NGX_STREAM_OK;
    }

    s->received = b->last - b->pos;

    res = &ngx_stream_cclink_dns_udp_res;

    action = ngx_stream_cclink_dns_query(s, b->pos, b->last - b->pos,
                                         CCLINK_DNS_UDP_SIZE, out, res);

    if (action == CCLINK_DNS_FORWARD) {
        /* the session lives on, and is logged, after this returns */

        ctx = ngx_palloc(c->pool,
                         sizeof(ngx_stream_cclink_dns_ctx_t) + res->name_len);
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        ctx->name = (u_char *) ctx + sizeof(ngx_stream_cclink_dns_ctx_t);

    } else {
        ctx = &ngx_stream_cclink_dns_udp_ctx;
        ctx->name = (u_char *) res->name;
    }

    ctx->out = NULL;
    ctx->out_pos = NULL;
    ctx->out_last = NULL;

    ngx_stream_set_ctx(s, ctx, ngx_stream_cclink_dns_module);

    ngx_stream_cclink_dns_done(s, ctx, action, res);

    if (action == CCLINK_DNS_FORWARD) {
        return NGX_OK;
    }

    /*
     * one datagram: c->send (sendto() to the client, c->sent counted)
     * sends it as c->send_chain would, without building a chain
     */

    if (action == CCLINK_DNS_REPLY
        && c->send(c, out, res->len) == NGX_ERROR)
    {
        return NGX_STREAM_INTERNAL_SERVER_ERROR;
    }

    return NGX_STREAM_OK;
}


/*
 * The first query of a TCP connection, read by the preread phase into
 * c->buffer: forwarded (the connection goes to proxy_pass) or answered
 * (the module serves the connection from now on).
 */

static ngx_int_t
ngx_stream_cclink_dns_tcp_first(ngx_stream_session_t *s,
    ngx_stream_cclink_dns_ctx_t *ctx)
{
    size_t               len;
    ngx_buf_t           *b;
    ngx_connection_t    *c;
    cclink_dns_action_e  action;
    cclink_dns_result_t  res;

    c = s->connection;
    b = c->buffer;

    if (b == NULL || b->last - b->pos < 2) {
        return NGX_AGAIN;
    }

    len = (b->pos[0] << 8) | b->pos[1];

    if ((size_t) (b->end - b->start) < 2 + len) {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "cclink dns: query of %uz bytes does not fit in "
                      "preread_buffer_size", len);
        return NGX_STREAM_BAD_REQUEST;
    }

    if ((size_t) (b->last - b->pos) < 2 + len) {
        return NGX_AGAIN;
    }

    ctx->out = ngx_pnalloc(c->pool, 2 + CCLINK_DNS_MAX_REPLY
                                    + CCLINK_DNS_MAX_TEXT + 1);
    if (ctx->out == NULL) {
        return NGX_ERROR;
    }

    ctx->out_pos = ctx->out;
    ctx->out_last = ctx->out;
    ctx->name = ctx->out + 2 + CCLINK_DNS_MAX_REPLY;

    action = ngx_stream_cclink_dns_query(s, b->pos + 2, len,
                                         CCLINK_DNS_TCP_SIZE, ctx->out + 2,
                                         &res);

    ngx_stream_cclink_dns_done(s, ctx, action, &res);

    if (action == CCLINK_DNS_FORWARD) {
        return NGX_OK;
    }

    s->received += 2 + len;
    b->pos += 2 + len;

    if (action == CCLINK_DNS_REPLY) {
        ctx->out[0] = (u_char) (res.len >> 8);
        ctx->out[1] = (u_char) res.len;
        ctx->out_last = ctx->out + 2 + res.len;
    }

    /* the connection is ours from now on */

    c->read->handler = ngx_stream_cclink_dns_tcp_handler;
    c->write->handler = ngx_stream_cclink_dns_tcp_handler;

    /*
     * the preread phase deletes the read timer when this returns: the
     * reply is sent, and the idle timer set, from a posted event
     */

    ngx_post_event(c->read, &ngx_posted_events);

    return NGX_DONE;
}


static void
ngx_stream_cclink_dns_tcp_handler(ngx_event_t *ev)
{
    ngx_connection_t      *c;
    ngx_stream_session_t  *s;

    c = ev->data;
    s = c->data;

    if (ev->timedout) {
        ngx_log_error(NGX_LOG_INFO, c->log, NGX_ETIMEDOUT,
                      "cclink dns: client timed out");
        ngx_stream_finalize_session(s, NGX_STREAM_OK);
        return;
    }

    ngx_stream_cclink_dns_tcp_process(s);
}


/*
 * Sends what is pending, then answers each whole query buffered, reading
 * more when none is; returns when the socket would block (with a timer
 * set) or after finalizing the session.
 */

static void
ngx_stream_cclink_dns_tcp_process(ngx_stream_session_t *s)
{
    ssize_t                        n;
    ngx_int_t                      rc;
    ngx_buf_t                     *b;
    ngx_connection_t              *c;
    ngx_stream_cclink_dns_ctx_t   *ctx;
    ngx_stream_core_srv_conf_t    *cscf;

    c = s->connection;
    b = c->buffer;
    ctx = ngx_stream_get_module_ctx(s, ngx_stream_cclink_dns_module);
    cscf = ngx_stream_get_module_srv_conf(s, ngx_stream_core_module);

    for ( ;; ) {

        if (ctx->out_pos < ctx->out_last) {
            n = c->send(c, ctx->out_pos, ctx->out_last - ctx->out_pos);

            if (n == NGX_ERROR) {
                ngx_stream_finalize_session(s, NGX_STREAM_OK);
                return;
            }

            if (n > 0) {
                ctx->out_pos += n;
            }

            if (ctx->out_pos < ctx->out_last) {
                if (ngx_handle_write_event(c->write, 0) != NGX_OK) {
                    ngx_stream_finalize_session(s,
                                           NGX_STREAM_INTERNAL_SERVER_ERROR);
                    return;
                }

                ngx_add_timer(c->write, cscf->preread_timeout);
                return;
            }

            ctx->out_pos = ctx->out;
            ctx->out_last = ctx->out;

            if (c->write->timer_set) {
                ngx_del_timer(c->write);
            }
        }

        rc = ngx_stream_cclink_dns_tcp_query(s, ctx);

        if (rc == NGX_OK) {
            continue;
        }

        if (rc != NGX_AGAIN) {
            ngx_stream_finalize_session(s, NGX_STREAM_OK);
            return;
        }

        /* no whole query buffered: read */

        if (b->pos == b->last) {
            b->pos = b->start;
            b->last = b->start;

        } else if (b->pos != b->start) {
            b->last = ngx_movemem(b->start, b->pos, b->last - b->pos);
            b->pos = b->start;
        }

        n = c->recv(c, b->last, b->end - b->last);

        if (n == NGX_AGAIN) {
            if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
                ngx_stream_finalize_session(s,
                                           NGX_STREAM_INTERNAL_SERVER_ERROR);
                return;
            }

            ngx_add_timer(c->read, cscf->preread_timeout);
            return;
        }

        if (n == NGX_ERROR || n == 0) {
            ngx_stream_finalize_session(s, NGX_STREAM_OK);
            return;
        }

        b->last += n;
        s->received += n;
    }
}


/*
 * Answers the query at the start of c->buffer into ctx->out: NGX_OK when
 * one was taken (answered or dropped), NGX_AGAIN when none is whole yet,
 * NGX_DONE when the connection is to be closed (a query too large, or
 * one to be forwarded).
 */

static ngx_int_t
ngx_stream_cclink_dns_tcp_query(ngx_stream_session_t *s,
    ngx_stream_cclink_dns_ctx_t *ctx)
{
    size_t               len;
    ngx_buf_t           *b;
    cclink_dns_action_e  action;
    cclink_dns_result_t  res;

    b = s->connection->buffer;

    if (b->last - b->pos < 2) {
        return NGX_AGAIN;
    }

    len = (b->pos[0] << 8) | b->pos[1];

    if ((size_t) (b->end - b->start) < 2 + len) {
        ngx_log_error(NGX_LOG_INFO, s->connection->log, 0,
                      "cclink dns: query of %uz bytes does not fit in "
                      "preread_buffer_size", len);
        return NGX_DONE;
    }

    if ((size_t) (b->last - b->pos) < 2 + len) {
        return NGX_AGAIN;
    }

    action = ngx_stream_cclink_dns_query(s, b->pos + 2, len,
                                         CCLINK_DNS_TCP_SIZE, ctx->out + 2,
                                         &res);

    ngx_stream_cclink_dns_done(s, ctx, action, &res);

    if (action == CCLINK_DNS_FORWARD) {
        /* proxy_pass has the connection only from its first query */
        return NGX_DONE;
    }

    b->pos += 2 + len;

    if (action == CCLINK_DNS_REPLY) {
        ctx->out[0] = (u_char) (res.len >> 8);
        ctx->out[1] = (u_char) res.len;
        ctx->out_pos = ctx->out;
        ctx->out_last = ctx->out + 2 + res.len;
    }

    return NGX_OK;
}


/* one query: the answer */

static cclink_dns_action_e
ngx_stream_cclink_dns_query(ngx_stream_session_t *s, const u_char *p,
    size_t len, size_t max, u_char *out, cclink_dns_result_t *res)
{
    uint32_t                           serial;
    ngx_cclink_shm_t                  *sh;
    ngx_stream_cclink_dns_srv_conf_t  *dscf;

    dscf = ngx_stream_get_module_srv_conf(s, ngx_stream_cclink_dns_module);
    sh = ngx_stream_cclink_shared(s);

    serial = (sh && sh->table) ? (uint32_t) sh->serial : 0;

    return cclink_dns_answer(dscf->dns, p, len, max, serial,
                             ngx_stream_cclink_dns_match, s, out, res);
}


/*
 * What became of a query: the counters, and the variables (ctx->name has
 * room for res->name)
 */

static void
ngx_stream_cclink_dns_done(ngx_stream_session_t *s,
    ngx_stream_cclink_dns_ctx_t *ctx, cclink_dns_action_e action,
    cclink_dns_result_t *res)
{
    ngx_uint_t         i;
    ngx_cclink_shm_t  *sh;

    sh = ngx_stream_cclink_shared(s);

    if (ctx->name != (u_char *) res->name) {
        ngx_memcpy(ctx->name, res->name, res->name_len);
    }

    ctx->name_len = res->name_len;

    switch (action) {

    case CCLINK_DNS_REPLY:
        ctx->rcode = cclink_dns_rcode_name(res->rcode);

        if (sh) {
            i = (res->rcode >= 0 && res->rcode < NGX_CCLINK_DNS_RCODES)
                ? (ngx_uint_t) res->rcode : NGX_CCLINK_DNS_RCODES;
            (void) ngx_atomic_fetch_add(&sh->dns_rcode[i], 1);
        }

        break;

    case CCLINK_DNS_FORWARD:
        ctx->rcode = "FORWARDED";

        if (sh) {
            (void) ngx_atomic_fetch_add(&sh->dns_forwarded, 1);
        }

        break;

    default: /* CCLINK_DNS_DROP */
        ctx->rcode = "DROPPED";

        if (sh) {
            (void) ngx_atomic_fetch_add(&sh->dns_dropped, 1);
        }

        break;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_STREAM, s->connection->log, 0,
                   "cclink dns: \"%*s\" %s", ctx->name_len, ctx->name,
                   ctx->rcode);
}


static int
ngx_stream_cclink_dns_match(void *data, const char *name, size_t len)
{
    ngx_int_t                    rc;
    ngx_stream_cclink_lookup_t   lk;

    rc = ngx_stream_cclink_lookup(data, (const u_char *) name, len, &lk);

    if (rc == NGX_OK) {
        return 1;
    }

    return rc == NGX_DECLINED ? 0 : -1;
}


/*
 * The server's content handler when nothing else (proxy_pass) is: every
 * query is answered in the preread phase, so nothing is left to do.
 */

static void
ngx_stream_cclink_dns_content_handler(ngx_stream_session_t *s)
{
    ngx_stream_finalize_session(s, NGX_STREAM_OK);
}


static ngx_int_t
ngx_stream_cclink_dns_variable(ngx_stream_session_t *s,
    ngx_stream_variable_value_t *v, uintptr_t data)
{
    ngx_stream_cclink_dns_ctx_t  *ctx;

    ctx = ngx_stream_get_module_ctx(s, ngx_stream_cclink_dns_module);

    if (ctx == NULL || (data == 0 && ctx->rcode == NULL)
        || (data == 1 && ctx->name_len == 0))
    {
        v->not_found = 1;
        return NGX_OK;
    }

    if (data == 0) {
        v->data = (u_char *) ctx->rcode;
        v->len = ngx_strlen(ctx->rcode);

    } else {
        v->data = ctx->name;
        v->len = ctx->name_len;
    }

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_stream_cclink_dns_add_variables(ngx_conf_t *cf)
{
    ngx_stream_variable_t  *var, *v;

    for (v = ngx_stream_cclink_dns_vars; v->name.len; v++) {
        var = ngx_stream_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_stream_cclink_dns_init(ngx_conf_t *cf)
{
    ngx_stream_handler_pt        *h;
    ngx_stream_core_main_conf_t  *cmcf;

    cmcf = ngx_stream_conf_get_module_main_conf(cf, ngx_stream_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_STREAM_PREREAD_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_stream_cclink_dns_preread_handler;

    return NGX_OK;
}


/*
 * The UDP listening sockets of DNS servers get a pool size for a whole
 * session (NGX_STREAM_CCLINK_DNS_POOL_SIZE): each query is a session.
 */

static ngx_int_t
ngx_stream_cclink_dns_init_module(ngx_cycle_t *cycle)
{
    ngx_uint_t        i;
    ngx_listening_t  *ls;

    ls = cycle->listening.elts;

    for (i = 0; i < cycle->listening.nelts; i++) {
        if (ls[i].handler == ngx_stream_init_connection
            && ls[i].type == SOCK_DGRAM
            && ls[i].pool_size < NGX_STREAM_CCLINK_DNS_POOL_SIZE
            && ngx_stream_cclink_dns_listening(&ls[i]))
        {
            ls[i].pool_size = NGX_STREAM_CCLINK_DNS_POOL_SIZE;
        }
    }

    return NGX_OK;
}


/* whether a stream listening socket leads to a server with cclink_dns on */

static ngx_flag_t
ngx_stream_cclink_dns_listening(ngx_listening_t *ls)
{
    ngx_uint_t                         i;
    ngx_stream_port_t                 *port;
    ngx_stream_in_addr_t              *addr;
    ngx_stream_conf_ctx_t             *ctx;
    ngx_stream_cclink_dns_srv_conf_t  *dscf;
#if (NGX_HAVE_INET6)
    ngx_stream_in6_addr_t             *addr6;
#endif

    port = ls->servers;

    for (i = 0; i < port->naddrs; i++) {

        switch (ls->sockaddr->sa_family) {

#if (NGX_HAVE_INET6)
        case AF_INET6:
            addr6 = port->addrs;
            ctx = addr6[i].conf.ctx;
            break;
#endif

        default: /* AF_INET */
            addr = port->addrs;
            ctx = addr[i].conf.ctx;
            break;
        }

        dscf = ctx->srv_conf[ngx_stream_cclink_dns_module.ctx_index];

        if (dscf->enable == 1) {
            return 1;
        }
    }

    return 0;
}


static void *
ngx_stream_cclink_dns_create_srv_conf(ngx_conf_t *cf)
{
    ngx_stream_cclink_dns_srv_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_stream_cclink_dns_srv_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->addrs = NULL;
     *     conf->zones = NULL;
     *     conf->dns = NULL;
     */

    conf->enable = NGX_CONF_UNSET;
    conf->ttl = NGX_CONF_UNSET;

    return conf;
}


static char *
ngx_stream_cclink_dns_merge_srv_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_stream_cclink_dns_srv_conf_t *prev = parent;
    ngx_stream_cclink_dns_srv_conf_t *conf = child;

    ngx_str_t                     *zone, dflt;
    ngx_uint_t                     i;
    cclink_dns_conf_t             *dns;
    ngx_stream_cclink_dns_addr_t  *addr;
    ngx_stream_core_srv_conf_t    *cscf;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    ngx_conf_merge_sec_value(conf->ttl, prev->ttl, 30);

    if (conf->addrs == NULL) {
        conf->addrs = prev->addrs;
    }

    if (conf->zones == NULL) {
        conf->zones = prev->zones;
    }

    if (!conf->enable) {
        return NGX_CONF_OK;
    }

    if (conf->addrs == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"cclink_dns\" needs \"cclink_dns_address\"");
        return NGX_CONF_ERROR;
    }

    if (conf->ttl > 0x7fffffff) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"cclink_dns_ttl\" is too large");
        return NGX_CONF_ERROR;
    }

    dns = ngx_pcalloc(cf->pool, sizeof(cclink_dns_conf_t));
    if (dns == NULL) {
        return NGX_CONF_ERROR;
    }

    dns->ttl = (uint32_t) conf->ttl;

    addr = conf->addrs->elts;

    for (i = 0; i < conf->addrs->nelts; i++) {
        if (addr[i].family == AF_INET) {
            if (dns->na == CCLINK_DNS_MAX_ADDRS) {
                goto too_many;
            }

            ngx_memcpy(dns->a[dns->na++], addr[i].addr, 4);

        } else {
            if (dns->naaaa == CCLINK_DNS_MAX_ADDRS) {
                goto too_many;
            }

            ngx_memcpy(dns->aaaa[dns->naaaa++], addr[i].addr, 16);
        }
    }

    if (conf->zones == NULL) {
        ngx_str_set(&dflt, "confluent.cloud");
        zone = &dflt;
        (void) cclink_dns_zone_set(&dns->zones[0], (char *) zone->data,
                                   zone->len);
        dns->nzones = 1;

    } else {
        zone = conf->zones->elts;

        for (i = 0; i < conf->zones->nelts; i++) {
            (void) cclink_dns_zone_set(&dns->zones[i], (char *) zone[i].data,
                                       zone[i].len);
        }

        dns->nzones = conf->zones->nelts;
    }

    /* a handler set by another directive (proxy_pass): forward to it */

    cscf = ngx_stream_conf_get_module_srv_conf(cf, ngx_stream_core_module);
    dns->forward = (cscf->handler != ngx_stream_cclink_dns_content_handler);

    conf->dns = dns;

    return NGX_CONF_OK;

too_many:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "more than %d \"cclink_dns_address\" of one family",
                       CCLINK_DNS_MAX_ADDRS);
    return NGX_CONF_ERROR;
}


/* "cclink_dns on": the server's content handler, unless one is set */

static char *
ngx_stream_cclink_dns(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_stream_cclink_dns_srv_conf_t *dscf = conf;

    char                        *rv;
    ngx_stream_core_srv_conf_t  *cscf;

    rv = ngx_conf_set_flag_slot(cf, cmd, conf);

    if (rv != NGX_CONF_OK || !dscf->enable) {
        return rv;
    }

    cscf = ngx_stream_conf_get_module_srv_conf(cf, ngx_stream_core_module);

    if (cscf->handler == NULL) {
        cscf->handler = ngx_stream_cclink_dns_content_handler;
    }

    return NGX_CONF_OK;
}


static char *
ngx_stream_cclink_dns_address(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_stream_cclink_dns_srv_conf_t *dscf = conf;

    in_addr_t                      inaddr;
    ngx_str_t                     *value;
    ngx_uint_t                     i;
    ngx_stream_cclink_dns_addr_t  *addr;

    if (dscf->addrs == NULL) {
        dscf->addrs = ngx_array_create(cf->pool, 2,
                                    sizeof(ngx_stream_cclink_dns_addr_t));
        if (dscf->addrs == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        addr = ngx_array_push(dscf->addrs);
        if (addr == NULL) {
            return NGX_CONF_ERROR;
        }

        inaddr = ngx_inet_addr(value[i].data, value[i].len);

        if (inaddr != INADDR_NONE) {
            addr->family = AF_INET;
            ngx_memcpy(addr->addr, &inaddr, 4);
            continue;
        }

#if (NGX_HAVE_INET6)
        if (ngx_inet6_addr(value[i].data, value[i].len, addr->addr)
            == NGX_OK)
        {
            addr->family = AF_INET6;
            continue;
        }
#endif

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid address \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_stream_cclink_dns_zones(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_stream_cclink_dns_srv_conf_t *dscf = conf;

    ngx_str_t          *value, *zone;
    ngx_uint_t          i;
    cclink_dns_zone_t   z;

    if (dscf->zones == NULL) {
        dscf->zones = ngx_array_create(cf->pool, 2, sizeof(ngx_str_t));
        if (dscf->zones == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        if (cclink_dns_zone_set(&z, (char *) value[i].data, value[i].len)
            != 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid zone \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        if (dscf->zones->nelts == CCLINK_DNS_MAX_ZONES) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "more than %d zones", CCLINK_DNS_MAX_ZONES);
            return NGX_CONF_ERROR;
        }

        zone = ngx_array_push(dscf->zones);
        if (zone == NULL) {
            return NGX_CONF_ERROR;
        }

        *zone = value[i];
    }

    return NGX_CONF_OK;
}
