/*
 * Copyright (C) cclink authors
 *
 * ngx_stream_cclink_module: what a routed or refused connection adds to
 * the shared counters: refusals by reason, bytes each way (the ClientHello
 * included, counted by ngx_stream_cclink_hello_bytes() only), connect
 * times, session ends; the log phase handler that closes the account.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_stream.h>

#include "ngx_stream_cclink_module.h"


/*
 * The counter slot of a route: looked up in the shared zone once per
 * worker and route table, then taken from the worker's cache.
 */

ngx_cclink_route_stat_t *
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


ngx_int_t
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

    ngx_cclink_count_refusal(ctx->mcf->sh, reason, &ctx->sni, &c->addr_text);

    return NGX_STREAM_FORBIDDEN;
}


ngx_int_t
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

        ngx_cclink_count_refusal(ctx->mcf->sh, reason, NULL, &c->addr_text);
    }

    ngx_stream_cclink_account(ctx, 1);

    return NGX_OK;
}


void
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

void
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
        in = s->received + ngx_stream_cclink_hello_bytes(s, 0);

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
