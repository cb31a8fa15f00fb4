/*
 * Copyright (C) cclink authors
 *
 * ngx_http_cclink_module: the status page of ngx_cclink_module. Reads the
 * stream part's shared memory zone (found by name) and serves it as JSON,
 * Prometheus text or a self-contained HTML page. Read-only.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_cclink_shm.h"


#define NGX_HTTP_CCLINK_JSON        0
#define NGX_HTTP_CCLINK_PROMETHEUS  1
#define NGX_HTTP_CCLINK_HTML        2

#define NGX_HTTP_CCLINK_VERSION     "0.1.0"


typedef struct {
    ngx_shm_zone_t           *shm_zone;
    ngx_uint_t                refresh;
} ngx_http_cclink_loc_conf_t;


typedef struct {
    ngx_http_request_t       *r;
    ngx_chain_t              *out;
    ngx_chain_t             **last;
    ngx_buf_t                *b;
    ngx_int_t                 error;
} ngx_http_cclink_out_t;


static ngx_int_t ngx_http_cclink_handler(ngx_http_request_t *r);
static ngx_uint_t ngx_http_cclink_format(ngx_http_request_t *r);
static void ngx_http_cclink_printf(ngx_http_cclink_out_t *o,
    const char *fmt, ...);
static void ngx_http_cclink_esc(ngx_http_cclink_out_t *o, const u_char *s,
    ngx_uint_t format);
static void ngx_http_cclink_json(ngx_http_cclink_out_t *o,
    ngx_cclink_shm_t *sh);
static void ngx_http_cclink_prometheus(ngx_http_cclink_out_t *o,
    ngx_cclink_shm_t *sh);
static void ngx_http_cclink_html(ngx_http_cclink_out_t *o,
    ngx_cclink_shm_t *sh, ngx_http_cclink_loc_conf_t *lcf);
static ngx_cclink_route_stat_t **ngx_http_cclink_sorted_routes(
    ngx_http_request_t *r, ngx_cclink_shm_t *sh, ngx_uint_t *n);
static int ngx_libc_cdecl ngx_http_cclink_cmp_active(const void *one,
    const void *two);
static void *ngx_http_cclink_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_cclink_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_cclink_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


extern ngx_module_t  ngx_stream_cclink_module;


static ngx_command_t  ngx_http_cclink_commands[] = {

    { ngx_string("cclink_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS|NGX_CONF_TAKE1,
      ngx_http_cclink_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cclink_status_refresh"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cclink_loc_conf_t, refresh),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_cclink_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_cclink_create_loc_conf,       /* create location configuration */
    ngx_http_cclink_merge_loc_conf         /* merge location configuration */
};


ngx_module_t  ngx_http_cclink_module = {
    NGX_MODULE_V1,
    &ngx_http_cclink_module_ctx,           /* module context */
    ngx_http_cclink_commands,              /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_cclink_handler(ngx_http_request_t *r)
{
    ngx_int_t                    rc;
    ngx_uint_t                   format;
    ngx_slab_pool_t             *shpool;
    ngx_cclink_shm_t            *sh;
    ngx_http_cclink_out_t        o;
    ngx_http_cclink_loc_conf_t  *lcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_cclink_module);

    if (lcf->shm_zone->shm.addr == NULL) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    shpool = (ngx_slab_pool_t *) lcf->shm_zone->shm.addr;
    sh = shpool->data;

    if (sh == NULL) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    format = ngx_http_cclink_format(r);

    ngx_memzero(&o, sizeof(o));
    o.r = r;
    o.last = &o.out;

    switch (format) {

    case NGX_HTTP_CCLINK_PROMETHEUS:
        ngx_str_set(&r->headers_out.content_type,
                    "text/plain; version=0.0.4; charset=utf-8");
        ngx_http_cclink_prometheus(&o, sh);
        break;

    case NGX_HTTP_CCLINK_HTML:
        ngx_str_set(&r->headers_out.content_type, "text/html; charset=utf-8");
        ngx_http_cclink_html(&o, sh, lcf);
        break;

    default:
        ngx_str_set(&r->headers_out.content_type, "application/json");
        ngx_http_cclink_json(&o, sh);
        break;
    }

    if (o.error || o.b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    o.b->last_buf = (r == r->main) ? 1 : 0;
    o.b->last_in_chain = 1;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = 0;

    {
        ngx_chain_t  *cl;

        for (cl = o.out; cl; cl = cl->next) {
            r->headers_out.content_length_n += cl->buf->last - cl->buf->pos;
        }
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    return ngx_http_output_filter(r, o.out);
}


static ngx_uint_t
ngx_http_cclink_format(ngx_http_request_t *r)
{
    ngx_str_t         value;
    ngx_table_elt_t  *accept;

    if (ngx_http_arg(r, (u_char *) "format", 6, &value) == NGX_OK) {
        if (value.len == 10
            && ngx_strncmp(value.data, "prometheus", 10) == 0)
        {
            return NGX_HTTP_CCLINK_PROMETHEUS;
        }

        if (value.len == 4 && ngx_strncmp(value.data, "html", 4) == 0) {
            return NGX_HTTP_CCLINK_HTML;
        }

        return NGX_HTTP_CCLINK_JSON;
    }

    accept = r->headers_in.accept;

    if (accept) {
        if (ngx_strlcasestrn(accept->value.data,
                             accept->value.data + accept->value.len,
                             (u_char *) "text/html", 9 - 1))
        {
            return NGX_HTTP_CCLINK_HTML;
        }

        if (ngx_strlcasestrn(accept->value.data,
                             accept->value.data + accept->value.len,
                             (u_char *) "application/openmetrics-text",
                             28 - 1)
            || ngx_strlcasestrn(accept->value.data,
                                accept->value.data + accept->value.len,
                                (u_char *) "text/plain", 10 - 1))
        {
            return NGX_HTTP_CCLINK_PROMETHEUS;
        }
    }

    return NGX_HTTP_CCLINK_JSON;
}


static void
ngx_http_cclink_printf(ngx_http_cclink_out_t *o, const char *fmt, ...)
{
    u_char       *p;
    va_list       args;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (o->error) {
        return;
    }

    /* every call writes well under 2 KiB */

    if (o->b == NULL || o->b->end - o->b->last < 2048) {
        b = ngx_create_temp_buf(o->r->pool, 16384);
        cl = ngx_alloc_chain_link(o->r->pool);

        if (b == NULL || cl == NULL) {
            o->error = 1;
            return;
        }

        cl->buf = b;
        cl->next = NULL;
        *o->last = cl;
        o->last = &cl->next;
        o->b = b;
    }

    va_start(args, fmt);
    p = ngx_vslprintf(o->b->last, o->b->end, fmt, args);
    va_end(args);

    o->b->last = p;
}


/* writes a string escaped for the output format */

static void
ngx_http_cclink_esc(ngx_http_cclink_out_t *o, const u_char *s,
    ngx_uint_t format)
{
    u_char   buf[1024], *p;
    size_t   len;

    len = ngx_strlen(s);
    if (len > 300) {
        len = 300;
    }

    p = buf;

    for ( ; len; len--, s++) {
        switch (*s) {

        case '"':
            p = ngx_cpymem(p, format == NGX_HTTP_CCLINK_HTML ? "&quot;"
                                                             : "\\\"",
                           format == NGX_HTTP_CCLINK_HTML ? 6 : 2);
            break;

        case '\\':
            if (format == NGX_HTTP_CCLINK_HTML) {
                *p++ = '\\';

            } else {
                *p++ = '\\'; *p++ = '\\';
            }
            break;

        case '<':
            p = format == NGX_HTTP_CCLINK_HTML ? ngx_cpymem(p, "&lt;", 4)
                                               : ngx_cpymem(p, "<", 1);
            break;

        case '>':
            p = format == NGX_HTTP_CCLINK_HTML ? ngx_cpymem(p, "&gt;", 4)
                                               : ngx_cpymem(p, ">", 1);
            break;

        case '&':
            p = format == NGX_HTTP_CCLINK_HTML ? ngx_cpymem(p, "&amp;", 5)
                                               : ngx_cpymem(p, "&", 1);
            break;

        case '\n':
            p = ngx_cpymem(p, "\\n", 2);
            break;

        default:
            if (*s >= 0x20 && *s < 0x7f) {
                *p++ = *s;

            } else if (format == NGX_HTTP_CCLINK_JSON) {
                p = ngx_sprintf(p, "\\u%04xi", (ngx_int_t) *s);

            } else {
                *p++ = '?';
            }
        }
    }

    ngx_http_cclink_printf(o, "%*s", (size_t) (p - buf), buf);
}


static void
ngx_http_cclink_json(ngx_http_cclink_out_t *o, ngx_cclink_shm_t *sh)
{
    ngx_uint_t                i, j, first, n;
    ngx_cclink_recent_t      *rc;
    ngx_cclink_addr_stat_t   *as;
    ngx_cclink_route_stat_t **rs;

    ngx_http_cclink_printf(o, "{\"version\":\"" NGX_HTTP_CCLINK_VERSION
                           "\",\"time\":%T,\"started\":%T,\"table\":{"
                           "\"serial\":%uL,\"generated\":\"",
                           ngx_time(), sh->started, sh->serial);
    ngx_http_cclink_esc(o, sh->generated, NGX_HTTP_CCLINK_JSON);
    ngx_http_cclink_printf(o, "\",\"loaded_at\":%T,\"routes\":%ui,"
                           "\"groups\":%ui,\"bytes\":%uz,\"reloads\":%uA,"
                           "\"load_errors\":%uA,\"last_error\":",
                           sh->loaded_at, sh->nroutes, sh->ngroups,
                           sh->table_size, sh->reloads, sh->load_errors);

    if (sh->error_at) {
        ngx_http_cclink_printf(o, "\"");
        ngx_http_cclink_esc(o, sh->error, NGX_HTTP_CCLINK_JSON);
        ngx_http_cclink_printf(o, "\",\"last_error_at\":%T}", sh->error_at);

    } else {
        ngx_http_cclink_printf(o, "null,\"last_error_at\":null}");
    }

    ngx_http_cclink_printf(o, ",\"refused\":{");

    for (i = 0; i < NGX_CCLINK_NREASONS; i++) {
        ngx_http_cclink_printf(o, "%s\"%s\":%uA", i ? "," : "",
                               ngx_cclink_reason_names[i], sh->refused[i]);
    }

    ngx_http_cclink_printf(o, "},\"recent_refusals\":[");

    first = 1;

    for (i = 0; i < NGX_CCLINK_RECENT; i++) {
        j = (sh->recent_next + NGX_CCLINK_RECENT - 1 - i) % NGX_CCLINK_RECENT;
        rc = &sh->recent[j];

        if (rc->time == 0 || rc->reason >= NGX_CCLINK_NREASONS) {
            continue;
        }

        ngx_http_cclink_printf(o, "%s{\"time\":%T,\"reason\":\"%s\","
                               "\"name\":\"", first ? "" : ",",
                               (time_t) rc->time,
                               ngx_cclink_reason_names[rc->reason]);
        ngx_http_cclink_esc(o, rc->name, NGX_HTTP_CCLINK_JSON);
        ngx_http_cclink_printf(o, "\",\"client\":\"");
        ngx_http_cclink_esc(o, rc->client, NGX_HTTP_CCLINK_JSON);
        ngx_http_cclink_printf(o, "\"}");
        first = 0;
    }

    ngx_http_cclink_printf(o, "],\"routes\":[");

    rs = ngx_http_cclink_sorted_routes(o->r, sh, &n);
    if (rs == NULL) {
        o->error = 1;
        return;
    }

    for (i = 0; i < n; i++) {
        ngx_http_cclink_printf(o, "%s{\"route\":\"", i ? "," : "");
        ngx_http_cclink_esc(o, rs[i]->key, NGX_HTTP_CCLINK_JSON);
        ngx_http_cclink_printf(o, "\",\"group\":\"");
        ngx_http_cclink_esc(o, rs[i]->group, NGX_HTTP_CCLINK_JSON);
        ngx_http_cclink_printf(o, "\",\"connections\":%uA,\"active\":%uA,"
                               "\"bytes_from_client\":%uA,"
                               "\"bytes_to_client\":%uA,"
                               "\"sessions_done\":%uA,\"duration_ms\":%uA,"
                               "\"upstream_failed\":%uA}",
                               rs[i]->conns, rs[i]->active,
                               rs[i]->bytes_from_client,
                               rs[i]->bytes_to_client, rs[i]->sessions_done,
                               rs[i]->duration_ms, rs[i]->upstream_failed);
    }

    ngx_http_cclink_printf(o, "],\"addresses\":[");

    first = 1;

    for (i = 0; i < sh->naddr_stats; i++) {
        as = &sh->addr_stats[i];

        if (!as->used || (i == 0 && as->attempts == 0)) {
            continue;
        }

        ngx_http_cclink_printf(o, "%s{\"address\":\"", first ? "" : ",");
        ngx_http_cclink_esc(o, as->addr, NGX_HTTP_CCLINK_JSON);
        ngx_http_cclink_printf(o, "\",\"zone\":\"");
        ngx_http_cclink_esc(o, as->zone, NGX_HTTP_CCLINK_JSON);
        ngx_http_cclink_printf(o, "\",\"attempts\":%uA,\"failures\":%uA,"
                               "\"connected\":%uA,\"connect_ms_sum\":%uA,"
                               "\"consecutive_failures\":%uA,"
                               "\"connect_ms_histogram\":{",
                               as->attempts, as->failures, as->connected,
                               as->connect_ms, as->fails);

        for (j = 0; j < NGX_CCLINK_HIST; j++) {
            if (j < NGX_CCLINK_HIST - 1) {
                ngx_http_cclink_printf(o, "\"le_%M\":%uA,",
                                       ngx_cclink_hist_bounds[j],
                                       as->hist[j]);

            } else {
                ngx_http_cclink_printf(o, "\"le_inf\":%uA}}", as->hist[j]);
            }
        }

        first = 0;
    }

    ngx_http_cclink_printf(o, "]}\n");
}


static void
ngx_http_cclink_prom_labels(ngx_http_cclink_out_t *o,
    ngx_cclink_route_stat_t *rs)
{
    ngx_http_cclink_printf(o, "{route=\"");
    ngx_http_cclink_esc(o, rs->key, NGX_HTTP_CCLINK_PROMETHEUS);
    ngx_http_cclink_printf(o, "\",group=\"");
    ngx_http_cclink_esc(o, rs->group, NGX_HTTP_CCLINK_PROMETHEUS);
    ngx_http_cclink_printf(o, "\"}");
}


static void
ngx_http_cclink_prom_addr(ngx_http_cclink_out_t *o, ngx_cclink_addr_stat_t *as,
    const char *extra)
{
    ngx_http_cclink_printf(o, "{address=\"");
    ngx_http_cclink_esc(o, as->addr, NGX_HTTP_CCLINK_PROMETHEUS);
    ngx_http_cclink_printf(o, "\",zone=\"");
    ngx_http_cclink_esc(o, as->zone, NGX_HTTP_CCLINK_PROMETHEUS);
    ngx_http_cclink_printf(o, "\"%s}", extra);
}


typedef struct {
    const char  *name;
    const char  *type;
    const char  *help;
    size_t       offset;
    ngx_uint_t   scale;       /* divide by 1000: ms to seconds */
} ngx_http_cclink_metric_t;


static ngx_http_cclink_metric_t  ngx_http_cclink_route_metrics[] = {
    { "cclink_route_connections_total", "counter",
      "Connections routed by this route",
      offsetof(ngx_cclink_route_stat_t, conns), 0 },
    { "cclink_route_active_connections", "gauge",
      "Connections of this route now open",
      offsetof(ngx_cclink_route_stat_t, active), 0 },
    { "cclink_route_client_to_upstream_bytes_total", "counter",
      "Bytes received from clients of this route",
      offsetof(ngx_cclink_route_stat_t, bytes_from_client), 0 },
    { "cclink_route_upstream_to_client_bytes_total", "counter",
      "Bytes sent to clients of this route",
      offsetof(ngx_cclink_route_stat_t, bytes_to_client), 0 },
    { "cclink_route_sessions_total", "counter",
      "Sessions of this route that have ended",
      offsetof(ngx_cclink_route_stat_t, sessions_done), 0 },
    { "cclink_route_session_duration_seconds_total", "counter",
      "Sum of the durations of ended sessions",
      offsetof(ngx_cclink_route_stat_t, duration_ms), 1 },
    { "cclink_route_upstream_failures_total", "counter",
      "Connections for which no endpoint address accepted a connection",
      offsetof(ngx_cclink_route_stat_t, upstream_failed), 0 },
};


static void
ngx_http_cclink_prometheus(ngx_http_cclink_out_t *o, ngx_cclink_shm_t *sh)
{
    ngx_uint_t                 i, j, m, n;
    ngx_atomic_uint_t          v, cum;
    ngx_cclink_addr_stat_t    *as;
    ngx_cclink_route_stat_t  **rs;
    ngx_http_cclink_metric_t  *mt;

    ngx_http_cclink_printf(o,
        "# HELP cclink_route_table_serial Serial of the route table in "
        "force\n# TYPE cclink_route_table_serial gauge\n"
        "cclink_route_table_serial %uL\n"
        "# HELP cclink_route_table_routes Routes in the table in force\n"
        "# TYPE cclink_route_table_routes gauge\n"
        "cclink_route_table_routes %ui\n"
        "# HELP cclink_route_table_loaded_timestamp_seconds When the table "
        "in force was loaded\n"
        "# TYPE cclink_route_table_loaded_timestamp_seconds gauge\n"
        "cclink_route_table_loaded_timestamp_seconds %T\n"
        "# HELP cclink_route_table_reloads_total Route tables loaded\n"
        "# TYPE cclink_route_table_reloads_total counter\n"
        "cclink_route_table_reloads_total %uA\n"
        "# HELP cclink_route_table_load_errors_total Route table files "
        "refused\n# TYPE cclink_route_table_load_errors_total counter\n"
        "cclink_route_table_load_errors_total %uA\n",
        sh->serial, sh->nroutes, sh->loaded_at, sh->reloads,
        sh->load_errors);

    ngx_http_cclink_printf(o,
        "# HELP cclink_refused_connections_total Connections closed before "
        "any upstream connection, by reason\n"
        "# TYPE cclink_refused_connections_total counter\n");

    for (i = 0; i < NGX_CCLINK_NREASONS; i++) {
        ngx_http_cclink_printf(o, "cclink_refused_connections_total"
                               "{reason=\"%s\"} %uA\n",
                               ngx_cclink_reason_names[i], sh->refused[i]);
    }

    rs = ngx_http_cclink_sorted_routes(o->r, sh, &n);
    if (rs == NULL) {
        o->error = 1;
        return;
    }

    for (m = 0; m < sizeof(ngx_http_cclink_route_metrics)
                    / sizeof(ngx_http_cclink_route_metrics[0]); m++)
    {
        mt = &ngx_http_cclink_route_metrics[m];

        ngx_http_cclink_printf(o, "# HELP %s %s\n# TYPE %s %s\n", mt->name,
                               mt->help, mt->name, mt->type);

        for (i = 0; i < n; i++) {
            v = *(ngx_atomic_t *) ((u_char *) rs[i] + mt->offset);

            ngx_http_cclink_printf(o, "%s", mt->name);
            ngx_http_cclink_prom_labels(o, rs[i]);

            if (mt->scale) {
                ngx_http_cclink_printf(o, " %uA.%03uA\n", v / 1000,
                                       v % 1000);

            } else {
                ngx_http_cclink_printf(o, " %uA\n", v);
            }
        }
    }

    ngx_http_cclink_printf(o,
        "# HELP cclink_endpoint_connect_attempts_total Connection attempts "
        "to an endpoint address\n"
        "# TYPE cclink_endpoint_connect_attempts_total counter\n");

    for (i = 0; i < sh->naddr_stats; i++) {
        as = &sh->addr_stats[i];
        if (as->used && (i || as->attempts)) {
            ngx_http_cclink_printf(o, "cclink_endpoint_connect_attempts_total");
            ngx_http_cclink_prom_addr(o, as, "");
            ngx_http_cclink_printf(o, " %uA\n", as->attempts);
        }
    }

    ngx_http_cclink_printf(o,
        "# HELP cclink_endpoint_connect_failures_total Failed connection "
        "attempts to an endpoint address\n"
        "# TYPE cclink_endpoint_connect_failures_total counter\n");

    for (i = 0; i < sh->naddr_stats; i++) {
        as = &sh->addr_stats[i];
        if (as->used && (i || as->attempts)) {
            ngx_http_cclink_printf(o, "cclink_endpoint_connect_failures_total");
            ngx_http_cclink_prom_addr(o, as, "");
            ngx_http_cclink_printf(o, " %uA\n", as->failures);
        }
    }

    ngx_http_cclink_printf(o,
        "# HELP cclink_endpoint_connect_seconds Time to connect to an "
        "endpoint address\n"
        "# TYPE cclink_endpoint_connect_seconds histogram\n");

    for (i = 0; i < sh->naddr_stats; i++) {
        as = &sh->addr_stats[i];
        if (!as->used || (i == 0 && as->attempts == 0)) {
            continue;
        }

        cum = 0;

        for (j = 0; j < NGX_CCLINK_HIST; j++) {
            u_char  le[48];

            cum += as->hist[j];

            if (j < NGX_CCLINK_HIST - 1) {
                ngx_sprintf(le, ",le=\"%M.%03M\"%Z",
                            ngx_cclink_hist_bounds[j] / 1000,
                            ngx_cclink_hist_bounds[j] % 1000);

            } else {
                ngx_sprintf(le, ",le=\"+Inf\"%Z");
            }

            ngx_http_cclink_printf(o, "cclink_endpoint_connect_seconds_bucket");
            ngx_http_cclink_prom_addr(o, as, (char *) le);
            ngx_http_cclink_printf(o, " %uA\n", cum);
        }

        ngx_http_cclink_printf(o, "cclink_endpoint_connect_seconds_sum");
        ngx_http_cclink_prom_addr(o, as, "");
        ngx_http_cclink_printf(o, " %uA.%03uA\n", as->connect_ms / 1000,
                               as->connect_ms % 1000);
        ngx_http_cclink_printf(o, "cclink_endpoint_connect_seconds_count");
        ngx_http_cclink_prom_addr(o, as, "");
        ngx_http_cclink_printf(o, " %uA\n", cum);
    }
}


static void
ngx_http_cclink_html(ngx_http_cclink_out_t *o, ngx_cclink_shm_t *sh,
    ngx_http_cclink_loc_conf_t *lcf)
{
    ngx_uint_t                 i, j, n, total;
    ngx_cclink_recent_t       *rc;
    ngx_cclink_addr_stat_t    *as;
    ngx_cclink_route_stat_t  **rs;

    ngx_http_cclink_printf(o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"refresh\" content=\"%ui\">"
        "<title>cclink status</title><style>"
        "body{font:14px system-ui,sans-serif;margin:1.5em;color:#1b1f24}"
        "h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em}"
        "table{border-collapse:collapse;min-width:40em}"
        "th,td{border-bottom:1px solid #d0d7de;padding:.3em .7em;"
        "text-align:left}td.n{text-align:right;font-variant-numeric:"
        "tabular-nums}.bad{color:#b42318;font-weight:600}.ok{color:#067647}"
        ".muted{color:#667085}</style></head><body>"
        "<h1>cclink status</h1>", lcf->refresh);

    ngx_http_cclink_printf(o,
        "<h2>Route table</h2><table id=\"table\">"
        "<tr><th>serial</th><td class=\"n\">%uL</td></tr>"
        "<tr><th>generated</th><td>", sh->serial);
    ngx_http_cclink_esc(o, sh->generated, NGX_HTTP_CCLINK_HTML);
    ngx_http_cclink_printf(o,
        "</td></tr><tr><th>routes</th><td class=\"n\">%ui</td></tr>"
        "<tr><th>groups</th><td class=\"n\">%ui</td></tr>"
        "<tr><th>loaded</th><td>%uT s ago</td></tr>"
        "<tr><th>reloads / refused files</th><td class=\"n\">%uA / %uA"
        "</td></tr>", sh->nroutes, sh->ngroups,
        ngx_time() - sh->loaded_at, sh->reloads, sh->load_errors);

    if (sh->error_at) {
        ngx_http_cclink_printf(o, "<tr><th>last error</th>"
                               "<td class=\"%s\">",
                               sh->error_at >= sh->loaded_at ? "bad"
                                                             : "muted");
        ngx_http_cclink_esc(o, sh->error, NGX_HTTP_CCLINK_HTML);
        ngx_http_cclink_printf(o, " (%uT s ago)</td></tr>",
                               ngx_time() - sh->error_at);
    }

    ngx_http_cclink_printf(o, "</table>");

    rs = ngx_http_cclink_sorted_routes(o->r, sh, &n);
    if (rs == NULL) {
        o->error = 1;
        return;
    }

    ngx_http_cclink_printf(o,
        "<h2>Routes</h2><table id=\"routes\"><tr><th>route</th>"
        "<th>group</th><th>active</th><th>connections</th>"
        "<th>bytes from clients</th><th>bytes to clients</th>"
        "<th>no endpoint</th></tr>");

    for (i = 0; i < n; i++) {
        ngx_http_cclink_printf(o, "<tr><td>");
        ngx_http_cclink_esc(o, rs[i]->key, NGX_HTTP_CCLINK_HTML);
        ngx_http_cclink_printf(o, "</td><td>");
        ngx_http_cclink_esc(o, rs[i]->group, NGX_HTTP_CCLINK_HTML);
        ngx_http_cclink_printf(o,
            "</td><td class=\"n\">%uA</td><td class=\"n\">%uA</td>"
            "<td class=\"n\">%uA</td><td class=\"n\">%uA</td>"
            "<td class=\"n%s\">%uA</td></tr>",
            rs[i]->active, rs[i]->conns, rs[i]->bytes_from_client,
            rs[i]->bytes_to_client, rs[i]->upstream_failed ? " bad" : "",
            rs[i]->upstream_failed);
    }

    if (n == 0) {
        ngx_http_cclink_printf(o, "<tr><td colspan=\"7\" class=\"muted\">"
                               "no traffic yet</td></tr>");
    }

    ngx_http_cclink_printf(o,
        "</table><h2>Endpoint addresses</h2><table id=\"addresses\">"
        "<tr><th>address</th><th>zone</th><th>health</th><th>attempts</th>"
        "<th>failures</th><th>mean connect</th></tr>");

    for (i = 1; i < sh->naddr_stats; i++) {
        as = &sh->addr_stats[i];
        if (!as->used) {
            continue;
        }

        ngx_http_cclink_printf(o, "<tr><td>");
        ngx_http_cclink_esc(o, as->addr, NGX_HTTP_CCLINK_HTML);
        ngx_http_cclink_printf(o, "</td><td>");
        ngx_http_cclink_esc(o, as->zone, NGX_HTTP_CCLINK_HTML);
        ngx_http_cclink_printf(o,
            "</td><td class=\"%s\">%s</td><td class=\"n\">%uA</td>"
            "<td class=\"n\">%uA</td><td class=\"n\">%uA ms</td></tr>",
            as->fails ? "bad" : "ok", as->fails ? "failing" : "ok",
            as->attempts, as->failures,
            as->connected ? as->connect_ms / as->connected : 0);
    }

    ngx_http_cclink_printf(o, "</table><h2>Refused connections</h2>"
                           "<table id=\"refused\"><tr><th>reason</th>"
                           "<th>count</th></tr>");

    total = 0;

    for (i = 0; i < NGX_CCLINK_NREASONS; i++) {
        total += sh->refused[i];
        ngx_http_cclink_printf(o, "<tr><td>%s</td><td class=\"n\">%uA</td>"
                               "</tr>", ngx_cclink_reason_names[i],
                               sh->refused[i]);
    }

    ngx_http_cclink_printf(o, "</table><h2>Recently refused</h2>"
                           "<table id=\"recent\"><tr><th>when</th>"
                           "<th>reason</th><th>server name</th>"
                           "<th>client</th></tr>");

    for (i = 0; i < NGX_CCLINK_RECENT; i++) {
        j = (sh->recent_next + NGX_CCLINK_RECENT - 1 - i) % NGX_CCLINK_RECENT;
        rc = &sh->recent[j];

        if (rc->time == 0 || rc->reason >= NGX_CCLINK_NREASONS) {
            continue;
        }

        ngx_http_cclink_printf(o, "<tr><td>%uT s ago</td><td>%s</td><td>",
                               ngx_time() - (time_t) rc->time,
                               ngx_cclink_reason_names[rc->reason]);
        ngx_http_cclink_esc(o, rc->name, NGX_HTTP_CCLINK_HTML);
        ngx_http_cclink_printf(o, "</td><td>");
        ngx_http_cclink_esc(o, rc->client, NGX_HTTP_CCLINK_HTML);
        ngx_http_cclink_printf(o, "</td></tr>");
    }

    ngx_http_cclink_printf(o, "</table><p class=\"muted\">%ui refused in "
                           "all; up %uT s; cclink " NGX_HTTP_CCLINK_VERSION
                           "</p></body></html>\n", total,
                           ngx_time() - sh->started);
}


static ngx_cclink_route_stat_t **
ngx_http_cclink_sorted_routes(ngx_http_request_t *r, ngx_cclink_shm_t *sh,
    ngx_uint_t *n)
{
    ngx_uint_t                 i, k;
    ngx_cclink_route_stat_t  **rs;

    rs = ngx_palloc(r->pool, sh->nroute_stats * sizeof(void *) + 1);
    if (rs == NULL) {
        return NULL;
    }

    k = 0;

    for (i = 0; i < sh->nroute_stats; i++) {
        if (!sh->route_stats[i].used
            || (i == 0 && sh->route_stats[0].conns == 0))
        {
            continue;
        }

        rs[k++] = &sh->route_stats[i];
    }

    ngx_qsort(rs, k, sizeof(void *), ngx_http_cclink_cmp_active);

    *n = k;

    return rs;
}


static int ngx_libc_cdecl
ngx_http_cclink_cmp_active(const void *one, const void *two)
{
    ngx_cclink_route_stat_t  *a = *(ngx_cclink_route_stat_t **) one;
    ngx_cclink_route_stat_t  *b = *(ngx_cclink_route_stat_t **) two;

    if (a->active != b->active) {
        return a->active > b->active ? -1 : 1;
    }

    if (a->conns != b->conns) {
        return a->conns > b->conns ? -1 : 1;
    }

    return ngx_strcmp(a->key, b->key);
}


static void *
ngx_http_cclink_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_cclink_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_cclink_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->refresh = NGX_CONF_UNSET_UINT;

    return conf;
}


static char *
ngx_http_cclink_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_cclink_loc_conf_t *prev = parent;
    ngx_http_cclink_loc_conf_t *conf = child;

    ngx_conf_merge_uint_value(conf->refresh, prev->refresh, 5);

    if (conf->shm_zone == NULL) {
        conf->shm_zone = prev->shm_zone;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_cclink_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_cclink_loc_conf_t  *lcf = conf;

    ngx_str_t                 *value, name;
    ngx_http_core_loc_conf_t  *clcf;

    if (lcf->shm_zone) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2) {
        name = value[1];

    } else {
        ngx_str_set(&name, "cclink");
    }

    /*
     * Size 0: the zone is declared by "cclink_routes" in the stream block,
     * which may come before or after this one; nginx reports an unknown
     * zone when it is declared nowhere.
     */

    lcf->shm_zone = ngx_shared_memory_add(cf, &name, 0,
                                          &ngx_stream_cclink_module);
    if (lcf->shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_cclink_handler;

    return NGX_CONF_OK;
}
