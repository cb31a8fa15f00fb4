/*
 * Copyright (C) cclink authors
 *
 * ngx_stream_cclink_pass_module: relays a routed connection to its
 * upstream, like proxy_pass, but holds no buffer while a connection is
 * idle. A direction borrows a buffer from a per-worker free list when its
 * source becomes readable and gives it back as soon as everything read has
 * been sent on, so that ten thousand idle Kafka connections cost what
 * their sessions cost, not two buffers each. The ClientHello that the
 * preread phase read is sent first and its buffer freed then.
 *
 * Upstream selection is the upstream block's balancer (cclink_balancer),
 * with its failover; $upstream_addr, $upstream_connect_time and the
 * byte variables work as with proxy_pass.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_stream.h>

#include <sys/mman.h>

#include "ngx_stream_cclink.h"
#include "ngx_stream_cclink_pass_module.h"


static void ngx_stream_cclink_pass_connect(ngx_stream_session_t *s);
static void ngx_stream_cclink_pass_connect_handler(ngx_event_t *ev);
static ngx_int_t ngx_stream_cclink_pass_test_connect(ngx_connection_t *c);
static void ngx_stream_cclink_pass_init_upstream(ngx_stream_session_t *s);
static void ngx_stream_cclink_pass_next_upstream(ngx_stream_session_t *s);
static void ngx_stream_cclink_pass_downstream_handler(ngx_event_t *ev);
static void ngx_stream_cclink_pass_upstream_handler(ngx_event_t *ev);
static void ngx_stream_cclink_pass_event(ngx_event_t *ev,
    ngx_uint_t from_upstream);
static ngx_int_t ngx_stream_cclink_pass_relay(ngx_stream_session_t *s,
    ngx_uint_t from_upstream);
static ngx_int_t ngx_stream_cclink_pass_get_buf(ngx_stream_session_t *s,
    ngx_buf_t *b);
static void ngx_stream_cclink_pass_put_buf(ngx_stream_session_t *s,
    ngx_buf_t *b);
static void ngx_stream_cclink_pass_finalize(ngx_stream_session_t *s,
    ngx_uint_t rc);
static void ngx_stream_cclink_pass_reset(ngx_stream_session_t *s,
    ngx_connection_t *dst, ngx_uint_t from_upstream);
static void ngx_stream_cclink_pass_closed(ngx_stream_session_t *s,
    const char *what);
static u_char *ngx_stream_cclink_pass_log_error(ngx_log_t *log, u_char *buf,
    size_t len);


static ngx_conf_num_bounds_t  ngx_stream_cclink_pass_buffer_bounds = {
    ngx_conf_check_num_bounds, 1024, 1024 * 1024
};


static ngx_command_t  ngx_stream_cclink_pass_commands[] = {

    { ngx_string("cclink_pass"),
      NGX_STREAM_SRV_CONF|NGX_CONF_TAKE1,
      ngx_stream_cclink_pass,
      NGX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cclink_pass_connect_timeout"),
      NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_stream_cclink_pass_srv_conf_t, connect_timeout),
      NULL },

    { ngx_string("cclink_pass_timeout"),
      NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_stream_cclink_pass_srv_conf_t, timeout),
      NULL },

    { ngx_string("cclink_pass_buffer_size"),
      NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_stream_cclink_pass_srv_conf_t, buffer_size),
      &ngx_stream_cclink_pass_buffer_bounds },

    { ngx_string("cclink_pass_next_upstream_tries"),
      NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_stream_cclink_pass_srv_conf_t, next_upstream_tries),
      NULL },

    { ngx_string("cclink_pass_socket_keepalive"),
      NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_stream_cclink_pass_srv_conf_t, socket_keepalive),
      NULL },

      ngx_null_command
};


static ngx_stream_module_t  ngx_stream_cclink_pass_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    ngx_stream_cclink_pass_create_srv_conf, /* create server configuration */
    ngx_stream_cclink_pass_merge_srv_conf  /* merge server configuration */
};


ngx_module_t  ngx_stream_cclink_pass_module = {
    NGX_MODULE_V1,
    &ngx_stream_cclink_pass_module_ctx,    /* module context */
    ngx_stream_cclink_pass_commands,       /* module directives */
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


void
ngx_stream_cclink_pass_handler(ngx_stream_session_t *s)
{
    ngx_connection_t                   *c;
    ngx_stream_upstream_t              *u;
    ngx_stream_cclink_pass_ctx_t       *ctx;
    ngx_stream_upstream_srv_conf_t     *uscf;
    ngx_stream_cclink_pass_srv_conf_t  *pcf;

    c = s->connection;
    pcf = ngx_stream_get_module_srv_conf(s, ngx_stream_cclink_pass_module);

    ctx = ngx_pcalloc(c->pool, sizeof(ngx_stream_cclink_pass_ctx_t));
    if (ctx == NULL) {
        ngx_stream_finalize_session(s, NGX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_stream_set_ctx(s, ctx, ngx_stream_cclink_pass_module);

    u = ngx_pcalloc(c->pool, sizeof(ngx_stream_upstream_t));
    if (u == NULL) {
        ngx_stream_cclink_pass_finalize(s, NGX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    s->upstream = u;
    s->log_handler = ngx_stream_cclink_pass_log_error;

    u->requests = 1;
    u->peer.log = c->log;
    u->peer.log_error = NGX_ERROR_ERR;
    u->peer.type = c->type;
    u->start_sec = ngx_time();

    if (pcf->socket_keepalive) {
        u->peer.so_keepalive = 1;
    }

    c->read->handler = ngx_stream_cclink_pass_downstream_handler;
    c->write->handler = ngx_stream_cclink_pass_downstream_handler;

    s->upstream_states = ngx_array_create(c->pool, 1,
                                          sizeof(ngx_stream_upstream_state_t));
    if (s->upstream_states == NULL) {
        ngx_stream_cclink_pass_finalize(s, NGX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    uscf = pcf->upstream;
    u->upstream = uscf;

    if (uscf->peer.init(s, uscf) != NGX_OK) {
        ngx_stream_cclink_pass_finalize(s, NGX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    u->peer.start_time = ngx_current_msec;

    if (pcf->next_upstream_tries
        && u->peer.tries > pcf->next_upstream_tries)
    {
        u->peer.tries = pcf->next_upstream_tries;
    }

    ngx_stream_cclink_pass_connect(s);
}


static void
ngx_stream_cclink_pass_connect(ngx_stream_session_t *s)
{
    ngx_int_t                           rc;
    ngx_connection_t                   *c, *pc;
    ngx_stream_upstream_t              *u;
    ngx_stream_cclink_pass_srv_conf_t  *pcf;

    c = s->connection;
    u = s->upstream;

    c->log->action = "connecting to upstream";

    pcf = ngx_stream_get_module_srv_conf(s, ngx_stream_cclink_pass_module);

    u->connected = 0;

    if (u->state) {
        u->state->response_time = ngx_current_msec - u->start_time;
    }

    u->state = ngx_array_push(s->upstream_states);
    if (u->state == NULL) {
        ngx_stream_cclink_pass_finalize(s, NGX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_memzero(u->state, sizeof(ngx_stream_upstream_state_t));

    u->start_time = ngx_current_msec;

    u->state->connect_time = (ngx_msec_t) -1;
    u->state->first_byte_time = (ngx_msec_t) -1;
    u->state->response_time = (ngx_msec_t) -1;

    rc = ngx_event_connect_peer(&u->peer);

    if (rc == NGX_ERROR) {
        ngx_stream_cclink_pass_finalize(s, NGX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    u->state->peer = u->peer.name;

    if (rc == NGX_BUSY) {
        ngx_log_error(NGX_LOG_ERR, c->log, 0, "no live upstreams");
        ngx_stream_cclink_pass_finalize(s, NGX_STREAM_BAD_GATEWAY);
        return;
    }

    if (rc == NGX_DECLINED) {
        ngx_stream_cclink_pass_next_upstream(s);
        return;
    }

    /* rc == NGX_OK || rc == NGX_AGAIN || rc == NGX_DONE */

    pc = u->peer.connection;

    pc->data = s;
    pc->log = c->log;
    pc->pool = c->pool;
    pc->read->log = c->log;
    pc->write->log = c->log;

    if (rc != NGX_AGAIN) {
        ngx_stream_cclink_pass_init_upstream(s);
        return;
    }

    pc->read->handler = ngx_stream_cclink_pass_connect_handler;
    pc->write->handler = ngx_stream_cclink_pass_connect_handler;

    ngx_add_timer(pc->write, pcf->connect_timeout);
}


static void
ngx_stream_cclink_pass_connect_handler(ngx_event_t *ev)
{
    ngx_connection_t      *c;
    ngx_stream_session_t  *s;

    c = ev->data;
    s = c->data;

    if (ev->timedout) {
        ngx_log_error(NGX_LOG_ERR, c->log, NGX_ETIMEDOUT, "upstream timed out");
        ngx_stream_cclink_pass_next_upstream(s);
        return;
    }

    if (c->write->timer_set) {
        ngx_del_timer(c->write);
    }

    if (ngx_stream_cclink_pass_test_connect(c) != NGX_OK) {
        ngx_stream_cclink_pass_next_upstream(s);
        return;
    }

    ngx_stream_cclink_pass_init_upstream(s);
}


static ngx_int_t
ngx_stream_cclink_pass_test_connect(ngx_connection_t *c)
{
    int        err;
    socklen_t  len;

    err = 0;
    len = sizeof(int);

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &len) == -1) {
        err = ngx_socket_errno;
    }

    if (err) {
        (void) ngx_connection_error(c, err, "connect() failed");
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_stream_cclink_pass_init_upstream(ngx_stream_session_t *s)
{
    ngx_connection_t              *c, *pc;
    ngx_stream_upstream_t         *u;
    ngx_stream_cclink_pass_ctx_t  *ctx;
    ngx_stream_core_srv_conf_t    *cscf;

    c = s->connection;
    u = s->upstream;
    pc = u->peer.connection;

    cscf = ngx_stream_get_module_srv_conf(s, ngx_stream_core_module);

    if (cscf->tcp_nodelay && ngx_tcp_nodelay(pc) != NGX_OK) {
        ngx_stream_cclink_pass_next_upstream(s);
        return;
    }

    if (c->log->log_level >= NGX_LOG_INFO) {
        ngx_str_t           str;
        u_char              addr[NGX_SOCKADDR_STRLEN];
        ngx_log_handler_pt  handler;

        str.len = NGX_SOCKADDR_STRLEN;
        str.data = addr;

        if (ngx_connection_local_sockaddr(pc, &str, 1) == NGX_OK) {
            handler = c->log->handler;
            c->log->handler = NULL;

            ngx_log_error(NGX_LOG_INFO, c->log, 0, "cclink_pass %V "
                          "connected to %V", &str, u->peer.name);

            c->log->handler = handler;
        }
    }

    u->state->connect_time = ngx_current_msec - u->start_time;

    if (u->peer.notify) {
        u->peer.notify(&u->peer, u->peer.data,
                       NGX_STREAM_UPSTREAM_NOTIFY_CONNECT);
    }

    /*
     * What the preread phase read goes first, from its own buffer: the
     * client->upstream direction lends it until it is sent, then frees it.
     */

    ctx = ngx_stream_get_module_ctx(s, ngx_stream_cclink_pass_module);

    if (c->buffer && c->buffer->pos < c->buffer->last) {
        u->downstream_buf = *c->buffer;
        ctx->preread = 1;
    }

    u->connected = 1;

    pc->read->handler = ngx_stream_cclink_pass_upstream_handler;
    pc->write->handler = ngx_stream_cclink_pass_upstream_handler;

    /* the session and its memory are gone when the first one ended it */

    if (ngx_stream_cclink_pass_relay(s, 0) == NGX_DONE) {
        return;
    }

    (void) ngx_stream_cclink_pass_relay(s, 1);
}


static void
ngx_stream_cclink_pass_next_upstream(ngx_stream_session_t *s)
{
    ngx_connection_t       *pc;
    ngx_stream_upstream_t  *u;

    u = s->upstream;
    pc = u->peer.connection;

    if (u->peer.sockaddr) {
        u->peer.free(&u->peer, u->peer.data, NGX_PEER_FAILED);
        u->peer.sockaddr = NULL;
    }

    if (u->peer.tries == 0) {
        ngx_stream_cclink_pass_finalize(s, NGX_STREAM_BAD_GATEWAY);
        return;
    }

    if (pc) {
        u->state->bytes_received = u->received;
        u->state->bytes_sent = pc->sent;

        ngx_close_connection(pc);
        u->peer.connection = NULL;
    }

    ngx_stream_cclink_pass_connect(s);
}


static void
ngx_stream_cclink_pass_downstream_handler(ngx_event_t *ev)
{
    /* readable client: client -> upstream; writable: upstream -> client */
    ngx_stream_cclink_pass_event(ev, ev->write);
}


static void
ngx_stream_cclink_pass_upstream_handler(ngx_event_t *ev)
{
    ngx_stream_cclink_pass_event(ev, !ev->write);
}


static void
ngx_stream_cclink_pass_event(ngx_event_t *ev, ngx_uint_t from_upstream)
{
    ngx_connection_t       *c;
    ngx_stream_session_t   *s;
    ngx_stream_upstream_t  *u;

    c = ev->data;
    s = c->data;
    u = s->upstream;

    if (c->close) {
        ngx_log_error(NGX_LOG_INFO, s->connection->log, 0,
                      "shutdown timeout");
        ngx_stream_cclink_pass_finalize(s, NGX_STREAM_OK);
        return;
    }

    if (ev->timedout) {
        ev->timedout = 0;

        ngx_connection_error(s->connection, NGX_ETIMEDOUT,
                             "connection timed out");
        ngx_stream_cclink_pass_finalize(s, NGX_STREAM_OK);
        return;
    }

    if (!u->connected) {
        /* the client's bytes wait in its socket until the upstream is up */
        return;
    }

    (void) ngx_stream_cclink_pass_relay(s, from_upstream);
}


/*
 * Moves bytes one way: sends what the direction holds, then reads and
 * sends until the source has nothing more or the destination takes no
 * more. The buffer is taken only to read into and returned once empty.
 * NGX_DONE: the session was ended (and its pool freed).
 */

static ngx_int_t
ngx_stream_cclink_pass_relay(ngx_stream_session_t *s,
    ngx_uint_t from_upstream)
{
    off_t                              *received;
    size_t                              size;
    ssize_t                             n;
    ngx_buf_t                          *b;
    ngx_uint_t                          flags;
    ngx_connection_t                   *c, *pc, *src, *dst;
    ngx_stream_upstream_t              *u;
    ngx_stream_cclink_pass_ctx_t       *ctx;
    ngx_stream_cclink_pass_srv_conf_t  *pcf;

    c = s->connection;
    u = s->upstream;
    pc = u->peer.connection;

    ctx = ngx_stream_get_module_ctx(s, ngx_stream_cclink_pass_module);

    if (from_upstream) {
        src = pc;
        dst = c;
        b = &u->upstream_buf;
        received = &u->received;
        c->log->action = "relaying from upstream to client";

    } else {
        src = c;
        dst = pc;
        b = &u->downstream_buf;
        received = &s->received;
        c->log->action = "relaying from client to upstream";
    }

    for ( ;; ) {

        if (b->pos < b->last) {
            n = dst->send(dst, b->pos, b->last - b->pos);

            if (n == NGX_ERROR) {
                /* the destination reset (or is gone): so is the source */
                ngx_stream_cclink_pass_reset(s, src, !from_upstream);
                return NGX_DONE;
            }

            if (n > 0) {
                b->pos += n;
            }

            if (b->pos < b->last) {
                break;
            }

            if (!from_upstream && ctx->preread) {
                ngx_stream_cclink_pass_put_buf(s, b);

            } else {
                b->pos = b->start;
                b->last = b->start;
            }
        }

        if (!src->read->ready || src->read->eof || src->read->error) {
            break;
        }

        if (b->start == NULL
            && ngx_stream_cclink_pass_get_buf(s, b) != NGX_OK)
        {
            ngx_stream_cclink_pass_finalize(s,
                                            NGX_STREAM_INTERNAL_SERVER_ERROR);
            return NGX_DONE;
        }

        size = b->end - b->last;

        n = src->recv(src, b->last, size);

        if (n == NGX_AGAIN) {
            break;
        }

        if (n == NGX_ERROR) {
            /* a reset: what is not sent yet is dropped, as TCP does */
            ngx_stream_cclink_pass_reset(s, dst, from_upstream);
            return NGX_DONE;
        }

        if (n == 0) {
            src->read->eof = 1;
            break;
        }

        if (from_upstream
            && u->state->first_byte_time == (ngx_msec_t) -1)
        {
            u->state->first_byte_time = ngx_current_msec - u->start_time;
        }

        *received += n;
        b->last += n;
    }

    if (b->start && b->pos == b->last) {
        ngx_stream_cclink_pass_put_buf(s, b);
    }

    c->log->action = "relaying";

    /*
     * A side that ended (FIN) and whose bytes were all passed on: the
     * other side gets a FIN too (a half-close), and the other direction
     * keeps flowing until it ends as well; then the session ends.
     */

    if (src->read->eof && b->pos == b->last) {

        if (from_upstream ? ctx->upstream_shut : ctx->client_shut) {
            /* the other direction ended first: the close sends the FIN */
            ngx_stream_cclink_pass_closed(s, from_upstream ? "upstream"
                                                           : "client");
            return NGX_DONE;
        }

        if (from_upstream ? !ctx->client_shut : !ctx->upstream_shut) {
            if (from_upstream) {
                ctx->client_shut = 1;

            } else {
                ctx->upstream_shut = 1;
            }

            if (ngx_shutdown_socket(dst->fd, NGX_WRITE_SHUTDOWN) == -1) {
                /* the destination is gone already */
                ngx_stream_cclink_pass_closed(s, from_upstream ? "upstream"
                                                               : "client");
                return NGX_DONE;
            }
        }
    }

    flags = src->read->eof ? NGX_CLOSE_EVENT : 0;

    if (ngx_handle_read_event(src->read, flags) != NGX_OK
        || ngx_handle_write_event(dst->write, 0) != NGX_OK)
    {
        ngx_stream_cclink_pass_finalize(s, NGX_STREAM_INTERNAL_SERVER_ERROR);
        return NGX_DONE;
    }

    pcf = ngx_stream_get_module_srv_conf(s, ngx_stream_cclink_pass_module);

    ngx_add_timer(c->write, pcf->timeout);

    return NGX_OK;
}


/*
 * Buffers come from the server's per-worker free list, or are mapped
 * anew; pages of buffers beyond what the list keeps go back to the
 * system, so that a burst does not stay in the worker's memory.
 */

static ngx_int_t
ngx_stream_cclink_pass_get_buf(ngx_stream_session_t *s, ngx_buf_t *b)
{
    u_char                             *p;
    ngx_stream_cclink_pass_srv_conf_t  *pcf;

    pcf = ngx_stream_get_module_srv_conf(s, ngx_stream_cclink_pass_module);

    if (pcf->free) {
        p = (u_char *) pcf->free;
        pcf->free = pcf->free->next;
        pcf->nfree--;

    } else {
        p = mmap(NULL, pcf->buffer_size, PROT_READ|PROT_WRITE,
                 MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);

        if (p == MAP_FAILED) {
            ngx_log_error(NGX_LOG_ALERT, s->connection->log, ngx_errno,
                          "mmap(%uz) for a relay buffer failed",
                          pcf->buffer_size);
            return NGX_ERROR;
        }
    }

    b->start = p;
    b->pos = p;
    b->last = p;
    b->end = p + pcf->buffer_size;

    return NGX_OK;
}


static void
ngx_stream_cclink_pass_put_buf(ngx_stream_session_t *s, ngx_buf_t *b)
{
    ngx_stream_cclink_pass_ctx_t       *ctx;
    ngx_stream_cclink_pass_free_t      *f;
    ngx_stream_cclink_pass_srv_conf_t  *pcf;

    if (b->start == NULL) {
        return;
    }

    ctx = ngx_stream_get_module_ctx(s, ngx_stream_cclink_pass_module);

    if (b == &s->upstream->downstream_buf && ctx->preread) {

        /* the preread buffer: sent, counted in s->received, and freed */

        (void) ngx_stream_cclink_hello_bytes(s, 1);
        ctx->preread = 0;

        ngx_memzero(b, sizeof(ngx_buf_t));
        return;
    }

    pcf = ngx_stream_get_module_srv_conf(s, ngx_stream_cclink_pass_module);

    if (pcf->nfree < NGX_STREAM_CCLINK_PASS_KEEP) {
        f = (ngx_stream_cclink_pass_free_t *) b->start;
        f->next = pcf->free;
        pcf->free = f;
        pcf->nfree++;

    } else {
        (void) munmap(b->start, pcf->buffer_size);
    }

    ngx_memzero(b, sizeof(ngx_buf_t));
}


/*
 * One side reset its connection: the other is reset too (closed with
 * SO_LINGER 0, so that it gets an RST, not a FIN), as a passthrough
 * should; a client then sees what the server did, and the reverse.
 */

static void
ngx_stream_cclink_pass_reset(ngx_stream_session_t *s, ngx_connection_t *dst,
    ngx_uint_t from_upstream)
{
    struct linger  l;

    l.l_onoff = 1;
    l.l_linger = 0;

    if (setsockopt(dst->fd, SOL_SOCKET, SO_LINGER, (const void *) &l,
                   sizeof(struct linger))
        == -1)
    {
        ngx_log_error(NGX_LOG_INFO, s->connection->log, ngx_socket_errno,
                      "setsockopt(SO_LINGER) failed");
    }

    ngx_stream_cclink_pass_closed(s, from_upstream ? "upstream reset, "
                                                     "client"
                                                   : "client reset, "
                                                     "upstream");
}


/* the session ends: "what" is the side that ended it */

static void
ngx_stream_cclink_pass_closed(ngx_stream_session_t *s, const char *what)
{
    ngx_connection_t       *c, *pc;
    ngx_log_handler_pt      handler;
    ngx_stream_upstream_t  *u;

    c = s->connection;
    u = s->upstream;
    pc = u->peer.connection;

    handler = c->log->handler;
    c->log->handler = NULL;

    ngx_log_error(NGX_LOG_INFO, c->log, 0,
                  "%s disconnected"
                  ", bytes from/to client:%O/%O"
                  ", bytes from/to upstream:%O/%O",
                  what, s->received, c->sent, u->received, pc->sent);

    c->log->handler = handler;

    ngx_stream_cclink_pass_finalize(s, NGX_STREAM_OK);
}


static void
ngx_stream_cclink_pass_finalize(ngx_stream_session_t *s, ngx_uint_t rc)
{
    ngx_connection_t       *pc;
    ngx_stream_upstream_t  *u;

    u = s->upstream;

    if (u == NULL) {
        goto done;
    }

    ngx_stream_cclink_pass_put_buf(s, &u->downstream_buf);
    ngx_stream_cclink_pass_put_buf(s, &u->upstream_buf);

    pc = u->peer.connection;

    if (u->state) {
        if (u->state->response_time == (ngx_msec_t) -1) {
            u->state->response_time = ngx_current_msec - u->start_time;
        }

        if (pc) {
            u->state->bytes_received = u->received;
            u->state->bytes_sent = pc->sent;
        }
    }

    if (u->peer.free && u->peer.sockaddr) {
        u->peer.free(&u->peer, u->peer.data, 0);
        u->peer.sockaddr = NULL;
    }

    if (pc) {
        ngx_close_connection(pc);
        u->peer.connection = NULL;
    }

done:

    ngx_stream_finalize_session(s, rc);
}


static u_char *
ngx_stream_cclink_pass_log_error(ngx_log_t *log, u_char *buf, size_t len)
{
    u_char                 *p;
    ngx_connection_t       *pc;
    ngx_stream_session_t   *s;
    ngx_stream_upstream_t  *u;

    s = log->data;
    u = s->upstream;

    p = buf;

    if (u->peer.name) {
        p = ngx_snprintf(p, len, ", upstream: \"%V\"", u->peer.name);
        len -= p - buf;
    }

    pc = u->peer.connection;

    p = ngx_snprintf(p, len,
                     ", bytes from/to client:%O/%O"
                     ", bytes from/to upstream:%O/%O",
                     s->received, s->connection->sent,
                     u->received, pc ? pc->sent : 0);

    return p;
}
