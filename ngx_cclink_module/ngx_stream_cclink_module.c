/*
 * Copyright (C) cclink authors
 *
 * ngx_stream_cclink_module: routes TLS connections by the server name of
 * their ClientHello, from a route table held in shared memory that is
 * replaced in place when its file changes; refuses everything else before
 * any upstream connection; picks endpoint addresses zone first.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_stream.h>

#include "cclink_routes.h"
#include "cclink_hello.h"
#include "ngx_cclink_shm.h"
#include "ngx_stream_cclink.h"
#include "ngx_cclink_watch.h"

#include <ifaddrs.h>


#define NGX_STREAM_CCLINK_READING   0
#define NGX_STREAM_CCLINK_ROUTED    1
#define NGX_STREAM_CCLINK_REFUSED   2

/*
 * The first read of a connection goes into a buffer this large: it holds
 * the whole ClientHello of most clients; a longer one gets a buffer of its
 * own length (at most preread_buffer_size) once its header has arrived.
 */
#define NGX_STREAM_CCLINK_FIRST_READ  1024

/* whole pages taken by an allocation from the slab (larger than half one) */
#define ngx_stream_cclink_pages(n)  (((n) + ngx_pagesize - 1) / ngx_pagesize)

/* how often a worker reads the host's addresses again (loop detection) */
#define NGX_STREAM_CCLINK_LOCAL_EVERY 10


typedef struct {
    ngx_str_t                       path;
    ngx_shm_zone_t                 *shm_zone;
    ngx_slab_pool_t                *shpool;
    ngx_cclink_shm_t               *sh;
    ngx_msec_t                      interval;
    ngx_uint_t                      route_series;
    ngx_uint_t                      addr_series;

    /* parsed at configuration time, published when the zone is set up */
    cclink_rt_t                    *initial;
    ngx_cclink_file_id_t            initial_file;

    /* per worker process */
    ngx_event_t                     timer;
    ngx_uint_t                      slot;
    cclink_rt_rx_t                 *rx;
    uint64_t                        rx_id;
    ngx_queue_t                     sessions;
    ngx_uint_t                      rr;

    /* per worker: the counter slot of each route of the table in force */
    ngx_cclink_route_stat_t       **stat_cache;
    uint32_t                        stat_cache_n;
    uint64_t                        stat_cache_id;

    /* per worker: the host's own addresses, for wildcard listeners */
    ngx_sockaddr_t                 *local;
    ngx_uint_t                      nlocal;
    time_t                          local_at;
    uint64_t                        loop_logged;    /* table id */

    /* per worker: notifications of the table's directory */
    ngx_cclink_watch_t              watch;

    /* per worker: the last file that did not fit (logged once) */
    ngx_cclink_file_id_t            nofit_file;
} ngx_stream_cclink_main_conf_t;


typedef struct {
    ngx_flag_t                      route;
    ngx_str_t                       host_zone;
    size_t                          hello_max;

    /* in an upstream block with cclink_balancer */
    ngx_uint_t                      max_fails;
    ngx_msec_t                      fail_timeout;
} ngx_stream_cclink_srv_conf_t;


typedef struct {
    ngx_sockaddr_t                  sockaddr;
    socklen_t                       socklen;
    ngx_str_t                       name;       /* "10.0.1.10:9092" */
    ngx_str_t                       zone;
    ngx_cclink_addr_stat_t         *stat;
} ngx_stream_cclink_addr_t;


typedef struct {
    ngx_stream_session_t           *session;
    ngx_stream_cclink_main_conf_t  *mcf;
    ngx_queue_t                     queue;
    ngx_uint_t                      state;
    ngx_uint_t                      reason;

    ngx_str_t                       sni;
    ngx_str_t                       route;
    ngx_str_t                       group;
    ngx_str_t                       zone;       /* of the address chosen */
    uint64_t                        serial;

    ngx_uint_t                      naddrs;
    ngx_stream_cclink_addr_t       *addrs;
    u_char                          order[CCLINK_RT_MAX_ADDRS];
    ngx_uint_t                      tried;
    ngx_stream_cclink_addr_t       *current;
    ngx_stream_cclink_srv_conf_t   *ucf;        /* the upstream's */

    ngx_cclink_route_stat_t        *rs;
    off_t                           counted_in;
    off_t                           counted_out;
    ngx_msec_t                      start;
    unsigned                        linked:1;
    unsigned                        connect_counted:1;
    unsigned                        done:1;

    u_char                         *scratch;
    size_t                          scratch_size;
    cclink_hello_state_t            hello;      /* where the reader is */
} ngx_stream_cclink_ctx_t;


static ngx_int_t ngx_stream_cclink_preread_handler(ngx_stream_session_t *s);
static ngx_int_t ngx_stream_cclink_buffer(ngx_stream_session_t *s,
    size_t hello_len);
static ngx_uint_t ngx_stream_cclink_own(ngx_stream_cclink_main_conf_t *mcf,
    struct sockaddr *sa, socklen_t socklen);
static ngx_uint_t ngx_stream_cclink_is_local(
    ngx_stream_cclink_main_conf_t *mcf, struct sockaddr *sa);
static void ngx_stream_cclink_read_local(ngx_stream_cclink_main_conf_t *mcf,
    ngx_log_t *log);
static ngx_cclink_route_stat_t *ngx_stream_cclink_route_stat(
    ngx_stream_cclink_main_conf_t *mcf, cclink_rt_t *rt,
    cclink_rt_match_t *m, ngx_stream_cclink_ctx_t *ctx, ngx_log_t *log);
static ngx_int_t ngx_stream_cclink_refuse(ngx_stream_session_t *s,
    ngx_stream_cclink_ctx_t *ctx, ngx_uint_t reason);
static ngx_int_t ngx_stream_cclink_route(ngx_stream_session_t *s,
    ngx_stream_cclink_ctx_t *ctx, const char *name, size_t len);
static ngx_int_t ngx_stream_cclink_log_handler(ngx_stream_session_t *s);
static void ngx_stream_cclink_cleanup(void *data);
static void ngx_stream_cclink_account(ngx_stream_cclink_ctx_t *ctx,
    ngx_uint_t final);
static ngx_int_t ngx_stream_cclink_init_upstream(ngx_conf_t *cf,
    ngx_stream_upstream_srv_conf_t *us);
static ngx_int_t ngx_stream_cclink_init_peer(ngx_stream_session_t *s,
    ngx_stream_upstream_srv_conf_t *us);
static ngx_int_t ngx_stream_cclink_get_peer(ngx_peer_connection_t *pc,
    void *data);
static void ngx_stream_cclink_free_peer(ngx_peer_connection_t *pc,
    void *data, ngx_uint_t state);
static void ngx_stream_cclink_timer_handler(ngx_event_t *ev);
static void ngx_stream_cclink_check_file(ngx_stream_cclink_main_conf_t *mcf,
    ngx_log_t *log);
static void ngx_stream_cclink_file_changed(void *data, ngx_log_t *log);
static cclink_rt_rx_t *ngx_stream_cclink_rx(
    ngx_stream_cclink_main_conf_t *mcf, cclink_rt_t *rt, ngx_log_t *log);
static ngx_int_t ngx_stream_cclink_file_id(const char *path,
    ngx_cclink_file_id_t *id);
static void ngx_stream_cclink_nofit(ngx_stream_cclink_main_conf_t *mcf,
    cclink_rt_t *rt, ngx_int_t rc, ngx_cclink_file_id_t *id, ngx_log_t *log);
static size_t ngx_stream_cclink_zone_need(ngx_uint_t route_series,
    ngx_uint_t addr_series, size_t table);
static ngx_int_t ngx_stream_cclink_variable(ngx_stream_session_t *s,
    ngx_stream_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_stream_cclink_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_stream_cclink_add_variables(ngx_conf_t *cf);
static void *ngx_stream_cclink_create_main_conf(ngx_conf_t *cf);
static void *ngx_stream_cclink_create_srv_conf(ngx_conf_t *cf);
static char *ngx_stream_cclink_merge_srv_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_stream_cclink_postconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_stream_cclink_init_process(ngx_cycle_t *cycle);
static void ngx_stream_cclink_exit_process(ngx_cycle_t *cycle);
static void ngx_stream_cclink_free_initial(void *data);
static char *ngx_stream_cclink_routes(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_stream_cclink_balancer(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


static ngx_command_t  ngx_stream_cclink_commands[] = {

    { ngx_string("cclink_routes"),
      NGX_STREAM_MAIN_CONF|NGX_CONF_1MORE,
      ngx_stream_cclink_routes,
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

    { ngx_string("cclink_balancer"),
      NGX_STREAM_UPS_CONF|NGX_CONF_NOARGS|NGX_CONF_TAKE12,
      ngx_stream_cclink_balancer,
      NGX_STREAM_SRV_CONF_OFFSET,
      0,
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


enum {
    NGX_STREAM_CCLINK_VAR_SNI = 0,
    NGX_STREAM_CCLINK_VAR_ROUTE,
    NGX_STREAM_CCLINK_VAR_GROUP,
    NGX_STREAM_CCLINK_VAR_ZONE,
    NGX_STREAM_CCLINK_VAR_REFUSAL,
    NGX_STREAM_CCLINK_VAR_SERIAL
};


static ngx_stream_variable_t  ngx_stream_cclink_vars[] = {

    { ngx_string("cclink_sni"), NULL, ngx_stream_cclink_variable,
      NGX_STREAM_CCLINK_VAR_SNI, 0, 0 },

    { ngx_string("cclink_route"), NULL, ngx_stream_cclink_variable,
      NGX_STREAM_CCLINK_VAR_ROUTE, 0, 0 },

    { ngx_string("cclink_group"), NULL, ngx_stream_cclink_variable,
      NGX_STREAM_CCLINK_VAR_GROUP, 0, 0 },

    { ngx_string("cclink_zone"), NULL, ngx_stream_cclink_variable,
      NGX_STREAM_CCLINK_VAR_ZONE, 0, 0 },

    { ngx_string("cclink_refusal"), NULL, ngx_stream_cclink_variable,
      NGX_STREAM_CCLINK_VAR_REFUSAL, 0, 0 },

    { ngx_string("cclink_serial"), NULL, ngx_stream_cclink_variable,
      NGX_STREAM_CCLINK_VAR_SERIAL, 0, 0 },

      ngx_stream_null_variable
};


static ngx_int_t
ngx_stream_cclink_preread_handler(ngx_stream_session_t *s)
{
    int                             rc;
    u_char                          ch;
    size_t                          i;
    ngx_connection_t               *c;
    cclink_hello_t                  h;
    ngx_pool_cleanup_t             *cln;
    ngx_stream_cclink_ctx_t        *ctx;
    ngx_stream_cclink_srv_conf_t   *cscf;
    ngx_stream_cclink_main_conf_t  *mcf;

    c = s->connection;
    cscf = ngx_stream_get_module_srv_conf(s, ngx_stream_cclink_module);

    if (!cscf->route) {
        return NGX_DECLINED;
    }

    if (c->type != SOCK_STREAM) {
        /* refused at configuration time too: never relayed unrouted */
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "cclink: refused datagram session: \"cclink_route\" "
                      "routes TCP connections only");
        return NGX_STREAM_FORBIDDEN;
    }

    ctx = ngx_stream_get_module_ctx(s, ngx_stream_cclink_module);

    if (ctx && ctx->state != NGX_STREAM_CCLINK_READING) {
        return NGX_DECLINED;
    }

    if (ctx == NULL) {
        mcf = ngx_stream_get_module_main_conf(s, ngx_stream_cclink_module);

        ctx = ngx_pcalloc(c->pool, sizeof(ngx_stream_cclink_ctx_t));
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        cln = ngx_pool_cleanup_add(c->pool, 0);
        if (cln == NULL) {
            return NGX_ERROR;
        }

        ctx->session = s;
        ctx->mcf = mcf;
        ctx->start = ngx_current_msec;
        cln->handler = ngx_stream_cclink_cleanup;
        cln->data = ctx;

        ngx_stream_set_ctx(s, ctx, ngx_stream_cclink_module);
    }

    if (c->buffer == NULL) {
        /* the core would allocate preread_buffer_size for each one */
        return ngx_stream_cclink_buffer(s, 0);
    }

    rc = cclink_hello_parse_more(&ctx->hello, c->buffer->pos,
                                 c->buffer->last - c->buffer->pos,
                                 cscf->hello_max, ctx->scratch,
                                 ctx->scratch_size, &h);

    if (rc == CCLINK_HELLO_SCRATCH) {
        ctx->scratch = ngx_palloc(c->pool, h.hello_len);
        if (ctx->scratch == NULL) {
            return NGX_ERROR;
        }

        ctx->scratch_size = h.hello_len;

        rc = cclink_hello_parse_more(&ctx->hello, c->buffer->pos,
                                     c->buffer->last - c->buffer->pos,
                                     cscf->hello_max, ctx->scratch,
                                     ctx->scratch_size, &h);
    }

    switch (rc) {

    case CCLINK_HELLO_OK:
        break;

    case CCLINK_HELLO_AGAIN:
        if (c->buffer->last == c->buffer->end) {
            /* full: room for the whole ClientHello, when allowed */
            return ngx_stream_cclink_buffer(s, h.hello_len);
        }

        return NGX_AGAIN;

    case CCLINK_HELLO_NO_SNI:
        return ngx_stream_cclink_refuse(s, ctx, NGX_CCLINK_NO_SNI);

    case CCLINK_HELLO_NOT_TLS:
        return ngx_stream_cclink_refuse(s, ctx, NGX_CCLINK_NOT_TLS);

    case CCLINK_HELLO_TOO_LARGE:
        return ngx_stream_cclink_refuse(s, ctx, NGX_CCLINK_TOO_LARGE);

    default:
        return ngx_stream_cclink_refuse(s, ctx, NGX_CCLINK_BAD_HELLO);
    }

    ctx->sni.len = ngx_min(h.name_len, CCLINK_NAME_MAX + 2);
    ctx->sni.data = ngx_pnalloc(c->pool, ctx->sni.len);
    if (ctx->sni.data == NULL) {
        return NGX_ERROR;
    }

    /*
     * The copy is for logs, the status page and variables: bytes that are
     * not printable ASCII (a client may send any but NUL) become '?', so
     * that a name cannot forge log lines. Matching uses the name as sent,
     * and only valid host names match.
     */

    for (i = 0; i < ctx->sni.len; i++) {
        ch = (u_char) h.name[i];
        ctx->sni.data[i] = (ch > 0x20 && ch < 0x7f) ? ch : '?';
    }

    /* the scratch copy is not needed any more; it goes with the pool */
    ctx->scratch = NULL;
    ctx->scratch_size = 0;

    return ngx_stream_cclink_route(s, ctx, h.name, h.name_len);
}


static ngx_int_t
ngx_stream_cclink_route(ngx_stream_session_t *s, ngx_stream_cclink_ctx_t *ctx,
    const char *name, size_t len)
{
    u_char                          text[NGX_SOCKADDR_STRLEN];
    size_t                          n;
    in_port_t                       port;
    ngx_uint_t                      i, k;
    cclink_rt_t                    *rt;
    cclink_rt_rx_t                 *rx;
    ngx_connection_t               *c;
    ngx_cclink_shm_t               *sh;
    cclink_rt_match_t               m;
    ngx_stream_cclink_addr_t       *a;
    const cclink_rt_addr_t         *ra;
    ngx_stream_cclink_main_conf_t  *mcf;

    c = s->connection;
    mcf = ctx->mcf;
    sh = mcf->sh;

    port = ngx_inet_get_port(c->local_sockaddr);

    /* through the CONNECT entrance: its host only, on its port */

    if (ngx_stream_cclink_connect_target(s, name, len, &port) != NGX_OK) {
        ctx->state = NGX_STREAM_CCLINK_REFUSED;
        ctx->reason = NGX_CCLINK_UNKNOWN_SNI;
        return NGX_STREAM_FORBIDDEN;
    }

    rt = sh->table;

    if (rt == NULL) {
        return ngx_stream_cclink_refuse(s, ctx, NGX_CCLINK_UNKNOWN_SNI);
    }

    rx = NULL;

    if (rt->nregex) {
        rx = ngx_stream_cclink_rx(mcf, rt, c->log);
    }

    if (!cclink_rt_match(rt, rx, name, len, &m)) {
        return ngx_stream_cclink_refuse(s, ctx, NGX_CCLINK_UNKNOWN_SNI);
    }

    /*
     * Copy what the session needs out of the table: the table may be
     * replaced (and later released) while the session lives.
     */

    ctx->serial = rt->serial;

    ctx->route.len = m.route->key_len;
    ctx->route.data = ngx_pnalloc(c->pool, ctx->route.len);
    ctx->group.len = m.group->name_len;
    ctx->group.data = ngx_pnalloc(c->pool, ctx->group.len);
    ctx->naddrs = m.group->naddrs;
    ctx->addrs = ngx_pcalloc(c->pool,
                             ctx->naddrs * sizeof(ngx_stream_cclink_addr_t));

    if (ctx->route.data == NULL || ctx->group.data == NULL
        || ctx->addrs == NULL)
    {
        return NGX_ERROR;
    }

    ngx_memcpy(ctx->route.data, cclink_rt_str(rt, m.route->key_off),
               ctx->route.len);
    ngx_memcpy(ctx->group.data, cclink_rt_str(rt, m.group->name_off),
               ctx->group.len);

    for (i = 0, k = 0; i < ctx->naddrs; i++) {
        ra = &cclink_rt_addrs(rt)[m.group->addrs + i];
        a = &ctx->addrs[k];

        a->socklen = ra->socklen;
        ngx_memcpy(&a->sockaddr, &ra->u, ra->socklen);

        if (!ra->port_set) {
            ngx_inet_set_port(&a->sockaddr.sockaddr, port);
        }

        n = ngx_sock_ntop(&a->sockaddr.sockaddr, a->socklen, text,
                          NGX_SOCKADDR_STRLEN, 1);

        a->name.data = ngx_pnalloc(c->pool, n + ra->zone_len);
        if (a->name.data == NULL) {
            return NGX_ERROR;
        }

        a->name.len = n;
        ngx_memcpy(a->name.data, text, n);

        a->zone.len = ra->zone_len;
        a->zone.data = a->name.data + n;
        ngx_memcpy(a->zone.data, cclink_rt_str(rt, ra->zone_off),
                   ra->zone_len);

        /*
         * An address that is one of this proxy's own listeners would make
         * it connect to itself, again and again, until it runs out of
         * connections: such an address is never tried.
         */

        if (ngx_stream_cclink_own(mcf, &a->sockaddr.sockaddr, a->socklen)) {
            if (mcf->loop_logged != rt->id) {
                mcf->loop_logged = rt->id;
                ngx_log_error(NGX_LOG_ERR, c->log, 0,
                              "cclink: route \"%V\" of table serial %uL "
                              "leads to %V, a listener of this proxy: "
                              "refused (loop); fix the address in the "
                              "route table", &ctx->route, rt->serial,
                              &a->name);
            }

            continue;
        }

        k++;
    }

    if (k == 0) {
        return ngx_stream_cclink_refuse(s, ctx, NGX_CCLINK_LOOP);
    }

    ctx->naddrs = k;

    /* from here on the table is not used */

    ctx->rs = ngx_stream_cclink_route_stat(mcf, rt, &m, ctx, c->log);

    (void) ngx_atomic_fetch_add(&ctx->rs->conns, 1);
    (void) ngx_atomic_fetch_add(&ctx->rs->active, 1);

    ngx_queue_insert_tail(&mcf->sessions, &ctx->queue);
    ctx->linked = 1;
    ctx->state = NGX_STREAM_CCLINK_ROUTED;

    ngx_log_debug3(NGX_LOG_DEBUG_STREAM, c->log, 0,
                   "cclink: \"%V\" matched route \"%V\" group \"%V\"",
                   &ctx->sni, &ctx->route, &ctx->group);

    /* let later preread handlers (ssl_preread, js_preread) run too */

    return NGX_DECLINED;
}


/*
 * Gives the connection a preread buffer: a small one first, then, when
 * it is full before the ClientHello is complete, one for the whole
 * ClientHello (hello_len, with its record headers) or twice as large,
 * never more than preread_buffer_size. A buffer that cannot grow is left
 * full: the core then ends the session ("preread buffer full").
 */

static ngx_int_t
ngx_stream_cclink_buffer(ngx_stream_session_t *s, size_t hello_len)
{
    size_t                        size, old;
    ngx_buf_t                    *b;
    ngx_connection_t             *c;
    ngx_stream_core_srv_conf_t   *corecf;

    c = s->connection;
    corecf = ngx_stream_get_module_srv_conf(s, ngx_stream_core_module);

    if (c->buffer == NULL) {
        size = ngx_min(NGX_STREAM_CCLINK_FIRST_READ,
                       corecf->preread_buffer_size);

        c->buffer = ngx_create_temp_buf(c->pool, size);
        if (c->buffer == NULL) {
            return NGX_ERROR;
        }

        return NGX_AGAIN;
    }

    old = c->buffer->end - c->buffer->start;

    /* a record header for every 16k of the message, and some spare */
    size = hello_len + 5 * (hello_len / 16384 + 1) + 64;
    size = ngx_max(size, 2 * old);
    size = ngx_min(size, corecf->preread_buffer_size);

    if (size <= old) {
        return NGX_AGAIN;
    }

    b = ngx_create_temp_buf(c->pool, size);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->last = ngx_cpymem(b->pos, c->buffer->pos,
                         c->buffer->last - c->buffer->pos);

    (void) ngx_pfree(c->pool, c->buffer->start);
    c->buffer = b;

    return NGX_AGAIN;
}


/*
 * Whether an address is one of this proxy's own listening sockets: a
 * listener's exact address, or, for a wildcard listener, any address of
 * this host, on the listener's port.
 */

static ngx_uint_t
ngx_stream_cclink_own(ngx_stream_cclink_main_conf_t *mcf,
    struct sockaddr *sa, socklen_t socklen)
{
    in_port_t         port;
    ngx_uint_t        i;
    ngx_listening_t  *ls;

    port = ngx_inet_get_port(sa);
    ls = ngx_cycle->listening.elts;

    for (i = 0; i < ngx_cycle->listening.nelts; i++) {

        if (ls[i].type != SOCK_STREAM
            || ls[i].sockaddr->sa_family != sa->sa_family
            || ngx_inet_get_port(ls[i].sockaddr) != port)
        {
            continue;
        }

        if (ls[i].wildcard) {
            if (ngx_stream_cclink_is_local(mcf, sa)) {
                return 1;
            }

            continue;
        }

        if (ngx_cmp_sockaddr(ls[i].sockaddr, ls[i].socklen, sa, socklen, 0)
            == NGX_OK)
        {
            return 1;
        }
    }

    return 0;
}


static ngx_uint_t
ngx_stream_cclink_is_local(ngx_stream_cclink_main_conf_t *mcf,
    struct sockaddr *sa)
{
    in_addr_t             a;
    ngx_uint_t            i;
    struct sockaddr_in   *sin;
#if (NGX_HAVE_INET6)
    struct sockaddr_in6  *sin6;
#endif

    switch (sa->sa_family) {

#if (NGX_HAVE_INET6)
    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) sa;

        if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr)
            || IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
        {
            return 1;
        }

        break;
#endif

    case AF_INET:
        sin = (struct sockaddr_in *) sa;
        a = ntohl(sin->sin_addr.s_addr);

        /* 127.0.0.0/8 and 0.0.0.0 reach this host */

        if ((a >> 24) == 127 || a == 0) {
            return 1;
        }

        break;

    default:
        return 0;
    }

    for (i = 0; i < mcf->nlocal; i++) {
        if (ngx_cmp_sockaddr(&mcf->local[i].sockaddr, sizeof(ngx_sockaddr_t),
                             sa, sizeof(ngx_sockaddr_t), 0)
            == NGX_OK)
        {
            return 1;
        }
    }

    return 0;
}


/* reads the host's interface addresses, in a worker, now and then */

static void
ngx_stream_cclink_read_local(ngx_stream_cclink_main_conf_t *mcf,
    ngx_log_t *log)
{
    size_t            len;
    ngx_uint_t        n;
    struct ifaddrs   *ifa, *p;
    ngx_sockaddr_t   *local;

    mcf->local_at = ngx_time();

    if (getifaddrs(&ifa) == -1) {
        ngx_log_error(NGX_LOG_WARN, log, ngx_errno, "getifaddrs() failed");
        return;
    }

    n = 0;

    for (p = ifa; p; p = p->ifa_next) {
        if (p->ifa_addr && (p->ifa_addr->sa_family == AF_INET
                            || p->ifa_addr->sa_family == AF_INET6))
        {
            n++;
        }
    }

    local = ngx_calloc((n + 1) * sizeof(ngx_sockaddr_t), log);
    if (local == NULL) {
        freeifaddrs(ifa);
        return;
    }

    n = 0;

    for (p = ifa; p; p = p->ifa_next) {
        if (p->ifa_addr == NULL) {
            continue;
        }

        if (p->ifa_addr->sa_family == AF_INET) {
            len = sizeof(struct sockaddr_in);

        } else if (p->ifa_addr->sa_family == AF_INET6) {
            len = sizeof(struct sockaddr_in6);

        } else {
            continue;
        }

        ngx_memcpy(&local[n++], p->ifa_addr, len);
    }

    freeifaddrs(ifa);

    ngx_free(mcf->local);
    mcf->local = local;
    mcf->nlocal = n;
}


/*
 * The counter slot of a route: looked up in the shared zone once per
 * worker and route table, then taken from the worker's cache.
 */

static ngx_cclink_route_stat_t *
ngx_stream_cclink_route_stat(ngx_stream_cclink_main_conf_t *mcf,
    cclink_rt_t *rt, cclink_rt_match_t *m, ngx_stream_cclink_ctx_t *ctx,
    ngx_log_t *log)
{
    ngx_cclink_route_stat_t  *rs;

    if (mcf->stat_cache_id != rt->id) {
        ngx_free(mcf->stat_cache);

        mcf->stat_cache = ngx_calloc(rt->nroutes
                                     * sizeof(ngx_cclink_route_stat_t *),
                                     log);
        mcf->stat_cache_n = mcf->stat_cache ? rt->nroutes : 0;
        mcf->stat_cache_id = rt->id;
    }

    if (m->route_index < mcf->stat_cache_n
        && mcf->stat_cache[m->route_index])
    {
        return mcf->stat_cache[m->route_index];
    }

    rs = ngx_cclink_route_stat(mcf->shpool, mcf->sh, ctx->route.data,
                               ctx->route.len, ctx->group.data,
                               ctx->group.len);

    if (m->route_index < mcf->stat_cache_n) {
        mcf->stat_cache[m->route_index] = rs;
    }

    return rs;
}


static ngx_int_t
ngx_stream_cclink_refuse(ngx_stream_session_t *s,
    ngx_stream_cclink_ctx_t *ctx, ngx_uint_t reason)
{
    ngx_connection_t  *c;

    c = s->connection;

    ctx->state = NGX_STREAM_CCLINK_REFUSED;
    ctx->reason = reason;

    if (ctx->sni.len) {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "cclink: refused connection: %s, server name \"%V\"",
                      ngx_cclink_reason_names[reason], &ctx->sni);

    } else {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "cclink: refused connection: %s",
                      ngx_cclink_reason_names[reason]);
    }

    ngx_cclink_refused(ctx->mcf->sh, reason, &ctx->sni, &c->addr_text);

    return NGX_STREAM_FORBIDDEN;
}


static ngx_int_t
ngx_stream_cclink_log_handler(ngx_stream_session_t *s)
{
    ngx_uint_t                reason;
    ngx_connection_t         *c;
    ngx_stream_cclink_ctx_t  *ctx;

    ctx = ngx_stream_get_module_ctx(s, ngx_stream_cclink_module);
    if (ctx == NULL || ctx->done) {
        return NGX_OK;
    }

    c = s->connection;

    if (ctx->state == NGX_STREAM_CCLINK_READING) {
        /* the session ended while the ClientHello was being read */

        if (c->read->timedout) {
            reason = NGX_CCLINK_PREREAD_TIMEOUT;

        } else if (s->status == NGX_STREAM_BAD_REQUEST) {
            reason = NGX_CCLINK_TOO_LARGE;   /* preread buffer full */

        } else {
            reason = NGX_CCLINK_CLIENT_CLOSED;
        }

        ctx->state = NGX_STREAM_CCLINK_REFUSED;
        ctx->reason = reason;

        if (reason != NGX_CCLINK_CLIENT_CLOSED) {
            ngx_log_error(NGX_LOG_INFO, c->log, 0,
                          "cclink: refused connection: %s",
                          ngx_cclink_reason_names[reason]);
        }

        ngx_cclink_refused(ctx->mcf->sh, reason, NULL, &c->addr_text);
    }

    ngx_stream_cclink_account(ctx, 1);

    return NGX_OK;
}


static void
ngx_stream_cclink_cleanup(void *data)
{
    ngx_stream_cclink_ctx_t  *ctx = data;

    /* the log phase normally did this already */

    ngx_stream_cclink_account(ctx, 1);
}


/*
 * Adds what a session did since the last call to the shared counters:
 * bytes each way, and the connect time once connected. Called every
 * interval for open sessions, so that long-lived Kafka connections show
 * up before they end, and once more when the session ends.
 */

static void
ngx_stream_cclink_account(ngx_stream_cclink_ctx_t *ctx, ngx_uint_t final)
{
    off_t                    in, out;
    ngx_stream_session_t    *s;
    ngx_stream_upstream_t   *u;
    ngx_cclink_route_stat_t *rs;

    if (ctx->done) {
        return;
    }

    s = ctx->session;
    rs = ctx->rs;

    if (rs) {
        /* what the preread phase read (the ClientHello) is not in
         * s->received, but it is sent upstream all the same */
        in = s->received;
        if (s->connection->buffer) {
            in += s->connection->buffer->last - s->connection->buffer->start;
        }

        out = s->connection->sent;

        if (in > ctx->counted_in) {
            (void) ngx_atomic_fetch_add(&rs->bytes_from_client,
                                        in - ctx->counted_in);
            ctx->counted_in = in;
        }

        if (out > ctx->counted_out) {
            (void) ngx_atomic_fetch_add(&rs->bytes_to_client,
                                        out - ctx->counted_out);
            ctx->counted_out = out;
        }

        u = s->upstream;

        if (!ctx->connect_counted && u && u->state && ctx->current
            && u->state->connect_time != (ngx_msec_t) -1)
        {
            ctx->connect_counted = 1;
            ngx_cclink_count_connect(ctx->current->stat,
                                     u->state->connect_time);
        }
    }

    if (!final) {
        return;
    }

    ctx->done = 1;

    if (ctx->linked) {
        ngx_queue_remove(&ctx->queue);
        ctx->linked = 0;
    }

    if (rs) {
        (void) ngx_atomic_fetch_add(&rs->active, (ngx_atomic_int_t) -1);
        (void) ngx_atomic_fetch_add(&rs->sessions_done, 1);
        (void) ngx_atomic_fetch_add(&rs->duration_ms,
                                    ngx_current_msec - ctx->start);
    }
}


static ngx_int_t
ngx_stream_cclink_init_upstream(ngx_conf_t *cf,
    ngx_stream_upstream_srv_conf_t *us)
{
    ngx_uint_t                       i;
    ngx_stream_upstream_server_t    *server;
    ngx_stream_cclink_srv_conf_t    *ucf;

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

    ucf = ngx_stream_conf_upstream_srv_conf(us, ngx_stream_cclink_module);

    if (ucf->max_fails == NGX_CONF_UNSET_UINT) {
        ucf->max_fails = 1;
    }

    if (ucf->fail_timeout == NGX_CONF_UNSET_MSEC) {
        ucf->fail_timeout = 10000;
    }

    us->peer.init = ngx_stream_cclink_init_peer;

    return NGX_OK;
}


static ngx_int_t
ngx_stream_cclink_init_peer(ngx_stream_session_t *s,
    ngx_stream_upstream_srv_conf_t *us)
{
    u_char                         order[3][CCLINK_RT_MAX_ADDRS];
    ngx_uint_t                     i, j, k, n[3], cls, start;
    ngx_cclink_addr_stat_t        *as;
    ngx_stream_cclink_ctx_t       *ctx;
    ngx_stream_cclink_addr_t      *a;
    ngx_stream_cclink_srv_conf_t  *cscf, *ucf;

    ctx = ngx_stream_get_module_ctx(s, ngx_stream_cclink_module);

    if (ctx == NULL || ctx->state != NGX_STREAM_CCLINK_ROUTED) {
        /* never connect without a route: no open relay, whatever else
         * the configuration says */
        ngx_log_error(NGX_LOG_ERR, s->connection->log, 0,
                      "cclink: no route for this connection in upstream "
                      "\"%V\" (is \"cclink_route on\" set in this server?)",
                      &us->host);
        return NGX_ERROR;
    }

    cscf = ngx_stream_get_module_srv_conf(s, ngx_stream_cclink_module);
    ucf = ngx_stream_conf_upstream_srv_conf(us, ngx_stream_cclink_module);
    ctx->ucf = ucf;

    /*
     * Order: healthy addresses in this host's zone, then healthy others,
     * then those that failed recently; each class rotated so that new
     * connections spread over equal addresses.
     */

    n[0] = n[1] = n[2] = 0;

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
            cls = 2;

        } else if (cscf->host_zone.len && a->zone.len == cscf->host_zone.len
                   && ngx_strncmp(a->zone.data, cscf->host_zone.data,
                                  a->zone.len) == 0)
        {
            cls = 0;

        } else {
            cls = 1;
        }

        order[cls][n[cls]++] = (u_char) i;
    }

    start = ctx->mcf->rr++;
    k = 0;

    for (cls = 0; cls < 3; cls++) {
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
    u_char                      list[1024];
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

    ngx_cclink_refused(ctx->mcf->sh, NGX_CCLINK_NO_ADDRESS, &ctx->sni,
                       &ctx->session->connection->addr_text);
}


static void
ngx_stream_cclink_timer_handler(ngx_event_t *ev)
{
    ngx_queue_t                    *q;
    ngx_atomic_uint_t               gen;
    ngx_cclink_shm_t               *sh;
    ngx_stream_cclink_ctx_t        *ctx;
    ngx_stream_cclink_main_conf_t  *mcf;

    mcf = ev->data;
    sh = mcf->sh;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        ngx_cclink_watch_stop(&mcf->watch);

        /* shutting down: stop taking part in table release */
        if (mcf->slot < NGX_CCLINK_MAX_WORKERS
            && sh->workers[mcf->slot].pid == ngx_pid)
        {
            sh->workers[mcf->slot].pid = 0;
        }

        return;
    }

    ngx_stream_cclink_check_file(mcf, ev->log);

    if (ngx_time() - mcf->local_at >= NGX_STREAM_CCLINK_LOCAL_EVERY) {
        ngx_stream_cclink_read_local(mcf, ev->log);
    }

    /* no table pointer is held between events: say what we have seen */

    gen = sh->generation;
    ngx_memory_barrier();

    if (mcf->slot < NGX_CCLINK_MAX_WORKERS) {
        sh->workers[mcf->slot].pid = ngx_pid;
        sh->workers[mcf->slot].gen = gen;
    }

    if (sh->table && sh->table->nregex) {
        (void) ngx_stream_cclink_rx(mcf, sh->table, ev->log);
    }

    ngx_cclink_reclaim(mcf->shpool, sh, 2 * mcf->interval, ev->log);

    for (q = ngx_queue_head(&mcf->sessions);
         q != ngx_queue_sentinel(&mcf->sessions);
         q = ngx_queue_next(q))
    {
        ctx = ngx_queue_data(q, ngx_stream_cclink_ctx_t, queue);
        ngx_stream_cclink_account(ctx, 0);
    }

    ngx_add_timer(ev, mcf->interval);
}


/*
 * The table's directory says the file was replaced or written: it is
 * looked at now rather than at the next tick of the timer.
 */

static void
ngx_stream_cclink_file_changed(void *data, ngx_log_t *log)
{
    ngx_stream_cclink_main_conf_t  *mcf = data;

    ngx_stream_cclink_check_file(mcf, log);
}


static void
ngx_stream_cclink_check_file(ngx_stream_cclink_main_conf_t *mcf,
    ngx_log_t *log)
{
    char                   err[NGX_CCLINK_ERRLEN];
    ngx_pid_t              loader;
    ngx_int_t              rc;
    cclink_rt_t           *rt;
    ngx_cclink_shm_t      *sh;
    ngx_cclink_file_id_t   id;

    sh = mcf->sh;

    if (ngx_stream_cclink_file_id((char *) mcf->path.data, &id) != NGX_OK) {
        ngx_memzero(&id, sizeof(id));
    }

    if (ngx_memcmp(&id, &sh->file, sizeof(id)) == 0) {
        return;
    }

    /* one worker loads; the others keep serving with the current table */

    if (!ngx_atomic_cmp_set(&sh->loader, 0, ngx_pid)) {
        loader = (ngx_pid_t) sh->loader;

        if (loader == 0
            || (ngx_time() - (time_t) sh->loader_since < 60
                && !(kill(loader, 0) == -1 && ngx_errno == NGX_ESRCH)))
        {
            return;
        }

        /* the loader died or hung: take over */

        if (!ngx_atomic_cmp_set(&sh->loader, loader, ngx_pid)) {
            return;
        }
    }

    sh->loader_since = ngx_time();

    if (ngx_memcmp(&id, &sh->file, sizeof(id)) == 0) {
        /* another worker has just done it */
        goto done;
    }

    if (cclink_rt_parse_file((char *) mcf->path.data, &rt, err, sizeof(err))
        != 0)
    {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "cclink: route table not reloaded, keeping serial "
                      "%uL: %s", sh->serial, err);

        ngx_cpystrn(sh->error, (u_char *) err, sizeof(sh->error));
        sh->error_at = ngx_time();
        (void) ngx_atomic_fetch_add(&sh->load_errors, 1);
        sh->file = id;

        goto done;
    }

    rc = ngx_cclink_publish(mcf->shpool, sh, rt, &id, log);

    if (rc == NGX_OK) {
        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "cclink: route table \"%V\" serial %uL loaded: "
                      "%uD routes, %uD groups", &mcf->path, rt->serial,
                      rt->nroutes, rt->ngroups);

    } else {
        /* tried again at the next check: sh->file stays as it was */
        ngx_stream_cclink_nofit(mcf, rt, rc, &id, log);
    }

    cclink_rt_free(rt);

done:

    ngx_memory_barrier();
    sh->loader = 0;
}


/*
 * A table that does not fit now: all slots for replaced tables are held
 * (NGX_AGAIN), or no free run of pages is large enough (NGX_ERROR) while
 * replaced tables are held within their grace time, or for good (the zone
 * is too small or fragmented). Said once per file and worker; the next
 * checks try again until it fits or the file changes.
 */

static void
ngx_stream_cclink_nofit(ngx_stream_cclink_main_conf_t *mcf, cclink_rt_t *rt,
    ngx_int_t rc, ngx_cclink_file_id_t *id, ngx_log_t *log)
{
    size_t             size;
    ngx_uint_t         i, held;
    ngx_cclink_shm_t  *sh;

    if (ngx_memcmp(&mcf->nofit_file, id, sizeof(ngx_cclink_file_id_t)) == 0)
    {
        return;
    }

    mcf->nofit_file = *id;

    sh = mcf->sh;
    size = cclink_rt_size(rt);
    held = 0;

    for (i = 0; i < NGX_CCLINK_RETIRED; i++) {
        if (sh->retired[i].table) {
            held++;
        }
    }

    if (rc == NGX_AGAIN || held) {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "cclink: route table \"%V\" serial %uL (%uz bytes) "
                      "not loaded yet: %ui replaced tables are still held "
                      "within their grace time; trying again at each "
                      "check; if this lasts, make the zone larger",
                      &mcf->path, rt->serial, size, held);

        ngx_snprintf(sh->error, sizeof(sh->error) - 1,
                     "%V: serial %uL waits for %ui replaced tables to be "
                     "released%Z", &mcf->path, rt->serial, held);

    } else {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "cclink: route table \"%V\" serial %uL (%uz bytes) "
                      "does not fit in the zone%s, too small or "
                      "fragmented; trying again at each check; make the "
                      "zone larger (zone=NAME:SIZE, at least %uzk for this "
                      "table) and restart nginx", &mcf->path, rt->serial,
                      size, mcf->shpool->log_ctx,
                      ngx_stream_cclink_zone_need(sh->route_series,
                                                  sh->addr_series, 2 * size)
                      / 1024 + 1);

        ngx_snprintf(sh->error, sizeof(sh->error) - 1,
                     "%V: table of %uz bytes does not fit in the zone%Z",
                     &mcf->path, size);
    }

    sh->error_at = ngx_time();
    (void) ngx_atomic_fetch_add(&sh->load_errors, 1);
}


/*
 * The size a zone needs: every allocation larger than half a page takes
 * whole pages, every page costs a page descriptor, and the slab pool
 * starts with its own header, slot and statistics arrays and aligns its
 * pages; 16 pages are left for small allocations and other modules.
 */

static size_t
ngx_stream_cclink_zone_need(ngx_uint_t route_series, ngx_uint_t addr_series,
    size_t table)
{
    size_t  pages;

    pages = ngx_stream_cclink_pages(sizeof(ngx_cclink_shm_t))
            + ngx_stream_cclink_pages((2 * route_series + 1)
                                      * sizeof(ngx_cclink_route_stat_t))
            + ngx_stream_cclink_pages((2 * addr_series + 1)
                                      * sizeof(ngx_cclink_addr_stat_t))
            + ngx_stream_cclink_pages(table)
            + 16;

    return sizeof(ngx_slab_pool_t)
           + ngx_pagesize_shift * (sizeof(ngx_slab_page_t)
                                   + sizeof(ngx_slab_stat_t))
           + (pages + 1) * (ngx_pagesize + sizeof(ngx_slab_page_t));
}


static cclink_rt_rx_t *
ngx_stream_cclink_rx(ngx_stream_cclink_main_conf_t *mcf, cclink_rt_t *rt,
    ngx_log_t *log)
{
    char             err[NGX_CCLINK_ERRLEN];
    cclink_rt_rx_t  *rx;

    if (mcf->rx && mcf->rx_id == rt->id) {
        return mcf->rx;
    }

    rx = cclink_rt_rx_compile(rt, err, sizeof(err));
    if (rx == NULL) {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "cclink: cannot compile the regular expressions of "
                      "route table serial %uL: %s", rt->serial, err);
        return NULL;
    }

    cclink_rt_rx_free(mcf->rx);
    mcf->rx = rx;
    mcf->rx_id = rt->id;

    return rx;
}


ngx_int_t
ngx_stream_cclink_lookup(ngx_stream_session_t *s, const u_char *name,
    size_t len, ngx_stream_cclink_lookup_t *out)
{
    cclink_rt_t                    *rt;
    cclink_rt_rx_t                 *rx;
    ngx_stream_cclink_main_conf_t  *mcf;

    mcf = ngx_stream_get_module_main_conf(s, ngx_stream_cclink_module);

    if (mcf == NULL || mcf->sh == NULL) {
        return NGX_DECLINED;
    }

    rt = mcf->sh->table;

    if (rt == NULL) {
        return NGX_DECLINED;
    }

    rx = NULL;

    if (rt->nregex) {
        rx = ngx_stream_cclink_rx(mcf, rt, s->connection->log);
        if (rx == NULL) {
            return NGX_ERROR;
        }
    }

    if (!cclink_rt_match(rt, rx, (const char *) name, len, &out->match)) {
        return NGX_DECLINED;
    }

    out->table = rt;
    out->serial = rt->serial;
    out->route.len = out->match.route->key_len;
    out->route.data = (u_char *) cclink_rt_str(rt,
                                               out->match.route->key_off);
    out->group.len = out->match.group->name_len;
    out->group.data = (u_char *) cclink_rt_str(rt,
                                               out->match.group->name_off);

    return NGX_OK;
}


ngx_flag_t
ngx_stream_cclink_route_enabled(void **srv_conf)
{
    ngx_stream_cclink_srv_conf_t  *cscf;

    cscf = srv_conf[ngx_stream_cclink_module.ctx_index];

    return cscf->route == 1;
}


ngx_cclink_shm_t *
ngx_stream_cclink_shared(ngx_stream_session_t *s)
{
    ngx_stream_cclink_main_conf_t  *mcf;

    mcf = ngx_stream_get_module_main_conf(s, ngx_stream_cclink_module);

    return mcf ? mcf->sh : NULL;
}


static ngx_int_t
ngx_stream_cclink_file_id(const char *path, ngx_cclink_file_id_t *id)
{
    struct stat  st;

    if (stat(path, &st) == -1) {
        return NGX_ERROR;
    }

    ngx_memzero(id, sizeof(*id));
    id->dev = st.st_dev;
    id->ino = st.st_ino;
    id->size = st.st_size;
    id->mtime = st.st_mtim.tv_sec;
    id->mtime_ns = st.st_mtim.tv_nsec;

    return NGX_OK;
}


static ngx_int_t
ngx_stream_cclink_variable(ngx_stream_session_t *s,
    ngx_stream_variable_value_t *v, uintptr_t data)
{
    u_char                   *p;
    ngx_str_t                *str;
    const char               *reason;
    ngx_stream_cclink_ctx_t  *ctx;

    ctx = ngx_stream_get_module_ctx(s, ngx_stream_cclink_module);

    if (ctx == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    str = NULL;

    switch (data) {

    case NGX_STREAM_CCLINK_VAR_SNI:
        str = &ctx->sni;
        break;

    case NGX_STREAM_CCLINK_VAR_ROUTE:
        str = &ctx->route;
        break;

    case NGX_STREAM_CCLINK_VAR_GROUP:
        str = &ctx->group;
        break;

    case NGX_STREAM_CCLINK_VAR_ZONE:
        str = &ctx->zone;
        break;

    case NGX_STREAM_CCLINK_VAR_REFUSAL:
        if (ctx->state != NGX_STREAM_CCLINK_REFUSED) {
            v->not_found = 1;
            return NGX_OK;
        }

        reason = ngx_cclink_reason_names[ctx->reason];
        v->len = ngx_strlen(reason);
        v->data = (u_char *) reason;
        v->valid = 1;
        v->no_cacheable = 0;
        v->not_found = 0;
        return NGX_OK;

    default: /* NGX_STREAM_CCLINK_VAR_SERIAL */
        if (ctx->state != NGX_STREAM_CCLINK_ROUTED) {
            v->not_found = 1;
            return NGX_OK;
        }

        p = ngx_pnalloc(s->connection->pool, NGX_INT64_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v->len = ngx_sprintf(p, "%uL", ctx->serial) - p;
        v->data = p;
        v->valid = 1;
        v->no_cacheable = 0;
        v->not_found = 0;
        return NGX_OK;
    }

    if (str->len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = str->len;
    v->data = str->data;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_stream_cclink_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_stream_cclink_main_conf_t  *omcf = data;

    ngx_cclink_shm_t               *sh;
    ngx_slab_pool_t                *shpool;
    ngx_stream_cclink_main_conf_t  *mcf;

    mcf = shm_zone->data;
    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (omcf) {
        /* a reload keeps the zone: the counters survive */
        mcf->shpool = omcf->shpool;
        mcf->sh = omcf->sh;

        sh = mcf->sh;

        if (sh->route_series != mcf->route_series
            || sh->addr_series != mcf->addr_series)
        {
            /* as limit_conn_zone reports a changed key */
            ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                          "cclink_routes zone \"%V\" uses "
                          "max_route_series=%ui max_address_series=%ui "
                          "while previously it used max_route_series=%ui "
                          "max_address_series=%ui; use another zone name "
                          "or restart nginx to change them",
                          &shm_zone->shm.name, mcf->route_series,
                          mcf->addr_series, sh->route_series,
                          sh->addr_series);
            return NGX_ERROR;
        }

    } else if (shm_zone->shm.exists) {
        mcf->shpool = shpool;
        mcf->sh = shpool->data;
        return NGX_OK;

    } else {
        sh = ngx_slab_calloc(shpool, sizeof(ngx_cclink_shm_t));
        if (sh == NULL) {
            return NGX_ERROR;
        }

        sh->route_series = mcf->route_series;
        sh->addr_series = mcf->addr_series;
        sh->nroute_stats = 2 * mcf->route_series + 1;
        sh->naddr_stats = 2 * mcf->addr_series + 1;

        sh->route_stats = ngx_slab_calloc(shpool, sh->nroute_stats
                                          * sizeof(ngx_cclink_route_stat_t));
        sh->addr_stats = ngx_slab_calloc(shpool, sh->naddr_stats
                                         * sizeof(ngx_cclink_addr_stat_t));

        if (sh->route_stats == NULL || sh->addr_stats == NULL) {
            ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                          "cclink: zone \"%V\" is too small for %ui route "
                          "and %ui address series", &shm_zone->shm.name,
                          mcf->route_series, mcf->addr_series);
            return NGX_ERROR;
        }

        ngx_cpystrn(sh->route_stats[0].key, (u_char *) NGX_CCLINK_OVERFLOW,
                    NGX_CCLINK_KEY_LEN);
        ngx_cpystrn(sh->route_stats[0].group,
                    (u_char *) NGX_CCLINK_OVERFLOW, NGX_CCLINK_GROUP_LEN);
        sh->route_stats[0].used = 1;
        ngx_cpystrn(sh->addr_stats[0].addr, (u_char *) NGX_CCLINK_OVERFLOW,
                    CCLINK_ADDR_TEXT);
        sh->addr_stats[0].used = 1;

        sh->started = ngx_time();

        /* a table that does not fit is said once, and retried, by us */
        shpool->log_nomem = 0;

        shpool->data = sh;
        mcf->shpool = shpool;
        mcf->sh = sh;

        shpool->log_ctx = ngx_slab_alloc(shpool,
                                         sizeof(" in cclink zone \"\"")
                                         + shm_zone->shm.name.len);
        if (shpool->log_ctx == NULL) {
            return NGX_ERROR;
        }

        ngx_sprintf(shpool->log_ctx, " in cclink zone \"%V\"%Z",
                    &shm_zone->shm.name);
    }

    if (omcf && mcf->sh->table
        && ngx_memcmp(&mcf->sh->file, &mcf->initial_file,
                      sizeof(ngx_cclink_file_id_t))
           == 0)
    {
        /* the workers have loaded this very file already */
        return NGX_OK;
    }

    if (ngx_cclink_publish(mcf->shpool, mcf->sh, mcf->initial,
                           &mcf->initial_file, shm_zone->shm.log)
        != NGX_OK)
    {
        if (omcf && mcf->sh->table) {

            /*
             * A reload: the table in force stays, and the workers load
             * the file once there is room (replaced tables released).
             */

            ngx_log_error(NGX_LOG_WARN, shm_zone->shm.log, 0,
                          "cclink: route table \"%V\" (%uz bytes) cannot "
                          "be placed in zone \"%V\" now; serial %uL stays "
                          "in force and the file is loaded at a later "
                          "check", &mcf->path, cclink_rt_size(mcf->initial),
                          &shm_zone->shm.name, mcf->sh->serial);
            return NGX_OK;
        }

        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "cclink: cannot place the route table \"%V\" "
                      "(%uz bytes) in zone \"%V\"", &mcf->path,
                      cclink_rt_size(mcf->initial), &shm_zone->shm.name);
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_stream_cclink_add_variables(ngx_conf_t *cf)
{
    ngx_stream_variable_t  *var, *v;

    for (v = ngx_stream_cclink_vars; v->name.len; v++) {
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
     *     mcf->rx = NULL;
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
    conf->max_fails = NGX_CONF_UNSET_UINT;
    conf->fail_timeout = NGX_CONF_UNSET_MSEC;

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
    ngx_conf_merge_size_value(conf->hello_max, prev->hello_max, 16000);
    ngx_conf_merge_uint_value(conf->max_fails, prev->max_fails, 1);
    ngx_conf_merge_msec_value(conf->fail_timeout, prev->fail_timeout, 10000);

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

    if (conf->hello_max < 64) {
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

    mcf->timer.handler = ngx_stream_cclink_timer_handler;
    mcf->timer.data = mcf;
    mcf->timer.log = cycle->log;
    mcf->timer.cancelable = 1;

    ngx_add_timer(&mcf->timer, mcf->interval);

    /* the timer stays: for file systems without notifications */

    mcf->watch.changed = ngx_stream_cclink_file_changed;
    mcf->watch.data = mcf;

    if (ngx_cclink_watch_start(&mcf->watch, &mcf->path, cycle->log)
        == NGX_ERROR)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
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

    cclink_rt_rx_free(mcf->rx);
    mcf->rx = NULL;

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
ngx_stream_cclink_routes(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
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
    interval = 500;
    mcf->route_series = 2048;
    mcf->addr_series = 512;

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

            if (size < (ssize_t) (8 * ngx_pagesize)) {
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

            if (interval == (ngx_msec_t) NGX_ERROR || interval < 100) {
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


static char *
ngx_stream_cclink_balancer(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_stream_cclink_srv_conf_t  *ucf = conf;

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
