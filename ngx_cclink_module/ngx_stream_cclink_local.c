/*
 * Copyright (C) cclink authors
 *
 * ngx_stream_cclink_module: whether an address is one of this proxy's own
 * listeners (exactly, or any address of this host on a wildcard
 * listener's port), so that a route never makes it connect to itself.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_stream.h>

#include "ngx_stream_cclink_module.h"

#include <ifaddrs.h>


static ngx_uint_t ngx_stream_cclink_is_local(
    ngx_stream_cclink_main_conf_t *mcf, struct sockaddr *sa);


/*
 * Whether an address is one of this proxy's own listening sockets: a
 * listener's exact address, or, for a wildcard listener, any address of
 * this host, on the listener's port.
 */

ngx_uint_t
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
