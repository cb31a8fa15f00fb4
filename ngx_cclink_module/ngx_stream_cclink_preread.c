/*
 * Copyright (C) cclink authors
 *
 * ngx_stream_cclink_module: routing in the preread phase. Reads the
 * ClientHello into a buffer of its own size, matches its server name in
 * the route table in force, copies the route's addresses into the session
 * (never one of this proxy's listeners: the host's own addresses are
 * read now and then) or refuses the connection; the lookup the DNS and
 * CONNECT modules share; the $cclink_* variables.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_stream.h>

#include "ngx_stream_cclink_module.h"

#include <ifaddrs.h>


/*
 * The first read of a connection goes into a buffer this large: it holds
 * the whole ClientHello of most clients; a longer one gets a buffer of its
 * own length (at most preread_buffer_size) once its header has arrived.
 */
#define NGX_STREAM_CCLINK_FIRST_READ    1024

/* a TLS record: its header, and the longest fragment it carries */
#define NGX_STREAM_CCLINK_TLS_HEADER    5
#define NGX_STREAM_CCLINK_TLS_FRAGMENT  16384

/* spare room in a ClientHello buffer beyond its record headers */
#define NGX_STREAM_CCLINK_HELLO_SPARE   64

/*
 * The copy of the server name kept for logs and variables: the longest
 * host name and a little more, so that a longer one shows it was longer.
 */
#define NGX_STREAM_CCLINK_SNI_COPY      (CCLINK_NAME_MAX + 2)


static ngx_int_t ngx_stream_cclink_find_route(ngx_stream_session_t *s,
    ngx_stream_cclink_ctx_t *ctx, const char *name, size_t len);
static ngx_int_t ngx_stream_cclink_buffer(ngx_stream_session_t *s,
    size_t hello_len);
static u_char *ngx_stream_cclink_put_port(u_char *p, in_port_t port);
static struct sockaddr *ngx_stream_cclink_unmap(struct sockaddr *sa,
    socklen_t *socklen, ngx_sockaddr_t *buf);
static ngx_uint_t ngx_stream_cclink_own(ngx_stream_cclink_main_conf_t *mcf,
    struct sockaddr *sa, socklen_t socklen);
static ngx_uint_t ngx_stream_cclink_is_local(
    ngx_stream_cclink_main_conf_t *mcf, struct sockaddr *sa);
static ngx_int_t ngx_stream_cclink_variable(ngx_stream_session_t *s,
    ngx_stream_variable_value_t *v, uintptr_t data);


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


ngx_int_t
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

    ctx->sni.len = ngx_min(h.name_len, NGX_STREAM_CCLINK_SNI_COPY);
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

    return ngx_stream_cclink_find_route(s, ctx, h.name, h.name_len);
}


static ngx_int_t
ngx_stream_cclink_find_route(ngx_stream_session_t *s,
    ngx_stream_cclink_ctx_t *ctx, const char *name, size_t len)
{
    u_char                         *p;
    in_port_t                       port;
    ngx_uint_t                      i, k;
    cclink_rt_t                    *rt;
    cclink_rt_regexes_t                 *regexes;
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

    regexes = NULL;

    if (rt->nregex) {
        regexes = ngx_stream_cclink_regexes(mcf, rt, c->log);
    }

    if (!cclink_rt_match(rt, regexes, name, len, &m)) {
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

        /* the name was formatted by the table's builder: copy it */

        a->name.data = ngx_pnalloc(c->pool, ra->name_len
                                   + sizeof(":65535") - 1 + ra->zone_len);
        if (a->name.data == NULL) {
            return NGX_ERROR;
        }

        p = ngx_cpymem(a->name.data, cclink_rt_str(rt, ra->name_off),
                       ra->name_len);

        if (!ra->port_set) {
            ngx_inet_set_port(&a->sockaddr.sockaddr, port);
            p = ngx_stream_cclink_put_port(p, port);
        }

        a->name.len = p - a->name.data;

        a->zone.len = ra->zone_len;
        a->zone.data = p;
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

    /* a record header for every fragment of the message, and some spare */
    size = hello_len
           + NGX_STREAM_CCLINK_TLS_HEADER
             * (hello_len / NGX_STREAM_CCLINK_TLS_FRAGMENT + 1)
           + NGX_STREAM_CCLINK_HELLO_SPARE;
    size = ngx_max(size, 2 * old);
    size = ngx_min(size, corecf->preread_buffer_size);

    if (size <= old) {
        return NGX_AGAIN;
    }

    return ngx_stream_cclink_buffer_resize(s, size);
}


ngx_int_t
ngx_stream_cclink_buffer_resize(ngx_stream_session_t *s, size_t size)
{
    ngx_buf_t         *b;
    ngx_connection_t  *c;

    c = s->connection;

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


/* ":port", without going through ngx_sprintf() on every connection */

static u_char *
ngx_stream_cclink_put_port(u_char *p, in_port_t port)
{
    u_char   digits[5];
    size_t   n;

    n = 0;

    do {
        digits[n++] = (u_char) ('0' + port % 10);
        port /= 10;
    } while (port);

    *p++ = ':';

    while (n) {
        *p++ = digits[--n];
    }

    return p;
}


/*
 * Whether an address is one of this proxy's own listening sockets: a
 * listener's exact address, or, for a wildcard listener, any address of
 * this host, on the listener's port. An IPv4-mapped IPv6 address
 * ("::ffff:127.0.0.1") reaches the IPv4 listener, and an IPv6 wildcard
 * listener with ipv6only=off takes IPv4 connections too.
 */

static ngx_uint_t
ngx_stream_cclink_own(ngx_stream_cclink_main_conf_t *mcf,
    struct sockaddr *sa, socklen_t socklen)
{
    in_port_t         port;
    socklen_t         len;
    ngx_uint_t        i;
    ngx_sockaddr_t    target, own;
    struct sockaddr  *ls_sa;
    ngx_listening_t  *ls;

    sa = ngx_stream_cclink_unmap(sa, &socklen, &target);

    port = ngx_inet_get_port(sa);
    ls = ngx_cycle->listening.elts;

    for (i = 0; i < ngx_cycle->listening.nelts; i++) {

        if (ls[i].type != SOCK_STREAM
            || ngx_inet_get_port(ls[i].sockaddr) != port)
        {
            continue;
        }

        if (ls[i].wildcard) {
            if ((ls[i].sockaddr->sa_family == sa->sa_family
#if (NGX_HAVE_INET6)
                 || (ls[i].sockaddr->sa_family == AF_INET6
                     && !ls[i].ipv6only && sa->sa_family == AF_INET)
#endif
                )
                && ngx_stream_cclink_is_local(mcf, sa))
            {
                return 1;
            }

            continue;
        }

        len = ls[i].socklen;
        ls_sa = ngx_stream_cclink_unmap(ls[i].sockaddr, &len, &own);

        if (ngx_cmp_sockaddr(ls_sa, len, sa, socklen, 0) == NGX_OK) {
            return 1;
        }
    }

    return 0;
}


/*
 * An IPv4-mapped IPv6 address turned into the IPv4 address it stands for,
 * written to *buf; any other address is returned as it is, not copied
 */

static struct sockaddr *
ngx_stream_cclink_unmap(struct sockaddr *sa, socklen_t *socklen,
    ngx_sockaddr_t *buf)
{
#if (NGX_HAVE_INET6)
    struct sockaddr_in6  *sin6;

    sin6 = (struct sockaddr_in6 *) sa;

    if (sa->sa_family == AF_INET6
        && IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
    {
        ngx_memzero(&buf->sockaddr_in, sizeof(struct sockaddr_in));
        buf->sockaddr_in.sin_family = AF_INET;
        buf->sockaddr_in.sin_port = sin6->sin6_port;
        ngx_memcpy(&buf->sockaddr_in.sin_addr, &sin6->sin6_addr.s6_addr[12],
                   4);

        *socklen = sizeof(struct sockaddr_in);

        return &buf->sockaddr;
    }
#endif

    return sa;
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

void
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


ngx_int_t
ngx_stream_cclink_lookup(ngx_stream_session_t *s, const u_char *name,
    size_t len, ngx_stream_cclink_lookup_t *out)
{
    cclink_rt_t                    *rt;
    cclink_rt_regexes_t                 *regexes;
    ngx_stream_cclink_main_conf_t  *mcf;

    mcf = ngx_stream_get_module_main_conf(s, ngx_stream_cclink_module);

    if (mcf == NULL || mcf->sh == NULL) {
        return NGX_DECLINED;
    }

    rt = mcf->sh->table;

    if (rt == NULL) {
        return NGX_DECLINED;
    }

    regexes = NULL;

    if (rt->nregex) {
        regexes = ngx_stream_cclink_regexes(mcf, rt, s->connection->log);
        if (regexes == NULL) {
            return NGX_ERROR;
        }
    }

    if (!cclink_rt_match(rt, regexes, (const char *) name, len, &out->match)) {
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


ngx_int_t
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
