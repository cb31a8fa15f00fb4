/*
 * Copyright (C) cclink authors
 *
 * What ngx_stream_cclink_module exports to the other stream modules of
 * cclink (DNS, CONNECT): the route lookup, with the same table in force
 * and the same matcher as for SNI connections, so that a name answered by
 * DNS or allowed through CONNECT is exactly a name the proxy routes.
 *
 * Invariants
 *
 *  - The lookup takes no lock and allocates nothing (the table's regular
 *    expressions are compiled per worker once per table, as for SNI).
 *  - What it returns points into the table in force: valid only until the
 *    calling event handler returns. Copy what must live longer.
 */

#ifndef _NGX_STREAM_CCLINK_H_INCLUDED_
#define _NGX_STREAM_CCLINK_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_stream.h>

#include "cclink_routes.h"
#include "ngx_cclink_shm.h"


typedef struct {
    ngx_str_t                  route;      /* the route's key */
    ngx_str_t                  group;      /* its endpoint group's name */
    uint64_t                   serial;     /* of the table in force */
    const cclink_rt_t         *table;
    cclink_rt_match_t          match;
} ngx_stream_cclink_lookup_t;


/*
 * Looks a server name up in the route table in force. Returns NGX_OK when
 * a route matches (out filled in), NGX_DECLINED when none does or no
 * table is loaded (or cclink_routes is not configured), NGX_ERROR when the
 * table's regular expressions cannot be compiled.
 */
ngx_int_t ngx_stream_cclink_lookup(ngx_stream_session_t *s,
    const u_char *name, size_t len, ngx_stream_cclink_lookup_t *out);

/* whether "cclink_route on" is set in a server (its ctx->srv_conf), merged */
ngx_flag_t ngx_stream_cclink_route_enabled(void **srv_conf);

/*
 * Replaces the connection's preread buffer with one of size bytes (more
 * than it holds), keeping what was read. Returns NGX_AGAIN, or NGX_ERROR.
 */
ngx_int_t ngx_stream_cclink_buffer_resize(ngx_stream_session_t *s,
    size_t size);

/* the zone's shared state, or NULL when cclink_routes is not configured */
ngx_cclink_shm_t *ngx_stream_cclink_shared(ngx_stream_session_t *s);

/*
 * ngx_stream_cclink_connect_module: for a session that came through the
 * CONNECT entrance, NGX_OK when the ClientHello's name is the CONNECT
 * host (*port is then the CONNECT port), NGX_DECLINED when it is not (the
 * refusal is counted and logged; close the session); NGX_OK and *port
 * untouched for any other session.
 */
ngx_int_t ngx_stream_cclink_connect_target(ngx_stream_session_t *s,
    const char *name, size_t len, in_port_t *port);


/*
 * The one place that counts the bytes the preread phase read (the
 * ClientHello): nginx adds them to no counter, yet they came from the
 * client and go upstream. While the preread buffer exists they are not in
 * s->received: they are returned, for the caller to add (the accounting
 * of ngx_stream_cclink_module). With release (cclink_pass, once it has
 * sent them upstream) they are moved into s->received, the buffer is
 * freed, and 0 is returned: from then on s->received holds them. Counted
 * either way, never twice. Inline: it runs for every connection.
 */

static ngx_inline off_t
ngx_stream_cclink_hello_bytes(ngx_stream_session_t *s, ngx_uint_t release)
{
    off_t              n;
    ngx_connection_t  *c;

    c = s->connection;

    if (c->buffer == NULL) {
        return 0;
    }

    n = c->buffer->last - c->buffer->start;

    if (!release) {
        return n;
    }

    s->received += n;

    (void) ngx_pfree(c->pool, c->buffer->start);
    c->buffer = NULL;

    return 0;
}


extern ngx_module_t  ngx_stream_cclink_module;


#endif /* _NGX_STREAM_CCLINK_H_INCLUDED_ */
