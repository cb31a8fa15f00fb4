/*
 * Copyright (C) cclink authors
 *
 * The status page in the Prometheus text format (version 0.0.4), written
 * from one snapshot of the counters (ngx_http_cclink_snapshot.c).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_cclink.h"


typedef struct {
    const char                   *name;
    const char                   *type;
    const char                   *help;
    size_t                        offset;
    ngx_uint_t                    scale;     /* ms to seconds */
} ngx_http_cclink_metric_t;


static void ngx_http_cclink_prom_route(ngx_http_cclink_out_t *o,
    ngx_http_cclink_row_t *row);
static void ngx_http_cclink_prom_addr(ngx_http_cclink_out_t *o,
    ngx_cclink_addr_stat_t *as, const char *extra);
static void ngx_http_cclink_le(u_char *buf, ngx_msec_t ms);
static void ngx_http_cclink_prom_sidecar(ngx_http_cclink_out_t *o,
    ngx_http_cclink_sidecar_t *sc);
static void ngx_http_cclink_prom_dns(ngx_http_cclink_out_t *o,
    ngx_http_cclink_snapshot_t *s);


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
      "Sum of the durations of the sessions that have ended",
      offsetof(ngx_cclink_route_stat_t, duration_ms), 1 },
    { "cclink_route_upstream_failures_total", "counter",
      "Connections for which no endpoint address accepted a connection",
      offsetof(ngx_cclink_route_stat_t, upstream_failed), 0 },
    { NULL, NULL, NULL, 0, 0 }
};


static ngx_http_cclink_metric_t  ngx_http_cclink_addr_metrics[] = {
    { "cclink_endpoint_connect_attempts_total", "counter",
      "Connection attempts to an endpoint address",
      offsetof(ngx_cclink_addr_stat_t, attempts), 0 },
    { "cclink_endpoint_connect_failures_total", "counter",
      "Failed connection attempts to an endpoint address",
      offsetof(ngx_cclink_addr_stat_t, failures), 0 },
    { "cclink_endpoint_consecutive_failures", "gauge",
      "Failed attempts to an endpoint address since its last success",
      offsetof(ngx_cclink_addr_stat_t, fails), 0 },
    { NULL, NULL, NULL, 0, 0 }
};


void
ngx_http_cclink_prometheus(ngx_http_cclink_out_t *o,
    ngx_http_cclink_snapshot_t *s)
{
    u_char                     le[48];
    ngx_uint_t                 i, j;
    ngx_atomic_uint_t          v, cum;
    ngx_cclink_addr_stat_t    *as;
    ngx_http_cclink_metric_t  *mt;

    ngx_http_cclink_printf(o,
        "# HELP cclink_started_timestamp_seconds When the shared memory "
        "zone was created\n"
        "# TYPE cclink_started_timestamp_seconds gauge\n"
        "cclink_started_timestamp_seconds %T\n"
        "# HELP cclink_route_table_serial Serial of the route table in "
        "force\n"
        "# TYPE cclink_route_table_serial gauge\n"
        "cclink_route_table_serial %uL\n"
        "# HELP cclink_route_table_generation Route tables published into "
        "the zone since it was created\n"
        "# TYPE cclink_route_table_generation gauge\n"
        "cclink_route_table_generation %uA\n"
        "# HELP cclink_route_table_routes Routes in the table in force\n"
        "# TYPE cclink_route_table_routes gauge\n"
        "cclink_route_table_routes %ui\n"
        "# HELP cclink_route_table_groups Endpoint groups in the table in "
        "force\n"
        "# TYPE cclink_route_table_groups gauge\n"
        "cclink_route_table_groups %ui\n"
        "# HELP cclink_route_table_loaded_timestamp_seconds When the table "
        "in force was loaded\n"
        "# TYPE cclink_route_table_loaded_timestamp_seconds gauge\n"
        "cclink_route_table_loaded_timestamp_seconds %T\n",
        s->started, s->serial, s->generation, s->nroutes, s->ngroups,
        s->loaded_at);

    ngx_http_cclink_printf(o,
        "# HELP cclink_route_table_reloads_total Route tables loaded\n"
        "# TYPE cclink_route_table_reloads_total counter\n"
        "cclink_route_table_reloads_total %uA\n"
        "# HELP cclink_route_table_load_errors_total Route table files "
        "refused\n"
        "# TYPE cclink_route_table_load_errors_total counter\n"
        "cclink_route_table_load_errors_total %uA\n"
        "# HELP cclink_route_table_last_error_timestamp_seconds When a "
        "route table file was last refused (0: never)\n"
        "# TYPE cclink_route_table_last_error_timestamp_seconds gauge\n"
        "cclink_route_table_last_error_timestamp_seconds %T\n",
        s->reloads, s->load_errors, s->error_at);

    ngx_http_cclink_printf(o,
        "# HELP cclink_route_series Routes with counters of their own\n"
        "# TYPE cclink_route_series gauge\n"
        "cclink_route_series %uA\n"
        "# HELP cclink_route_series_max Routes that can have counters of "
        "their own; the others count in route=\"" NGX_CCLINK_OVERFLOW "\"\n"
        "# TYPE cclink_route_series_max gauge\n"
        "cclink_route_series_max %ui\n"
        "# HELP cclink_endpoint_series Endpoint addresses with counters of "
        "their own\n"
        "# TYPE cclink_endpoint_series gauge\n"
        "cclink_endpoint_series %uA\n"
        "# HELP cclink_endpoint_series_max Endpoint addresses that can have "
        "counters of their own; the others count in address=\""
        NGX_CCLINK_OVERFLOW "\"\n"
        "# TYPE cclink_endpoint_series_max gauge\n"
        "cclink_endpoint_series_max %ui\n",
        s->route_stats_used, s->route_series, s->addr_stats_used,
        s->addr_series);

    ngx_http_cclink_printf(o,
        "# HELP cclink_refused_connections_total Connections closed before "
        "any upstream connection, by reason\n"
        "# TYPE cclink_refused_connections_total counter\n");

    for (i = 0; i < NGX_CCLINK_NREASONS; i++) {
        ngx_http_cclink_printf(o, "cclink_refused_connections_total"
                               "{reason=\"%s\"} %uA\n",
                               ngx_cclink_reason_names[i], s->refused[i]);
    }

    /* the CONNECT entrance */

    ngx_http_cclink_printf(o,
        "# HELP cclink_connect_accepted_total CONNECT requests answered "
        "200\n"
        "# TYPE cclink_connect_accepted_total counter\n"
        "cclink_connect_accepted_total %uA\n"
        "# HELP cclink_connect_refused_total CONNECT requests refused, "
        "by reason\n"
        "# TYPE cclink_connect_refused_total counter\n",
        s->connect_accepted);

    for (i = 0; i < NGX_CCLINK_CONNECT_NREASONS; i++) {
        ngx_http_cclink_printf(o, "cclink_connect_refused_total"
                               "{reason=\"%s\"} %uA\n",
                               ngx_cclink_connect_reason_names[i],
                               s->connect_refused[i]);
    }

    for (mt = ngx_http_cclink_route_metrics; mt->name; mt++) {

        ngx_http_cclink_printf(o, "# HELP %s %s\n# TYPE %s %s\n", mt->name,
                               mt->help, mt->name, mt->type);

        for (i = 0; i < s->nrows; i++) {
            v = *(ngx_atomic_t *) ((u_char *) &s->rows[i].rs + mt->offset);

            ngx_http_cclink_printf(o, "%s", mt->name);
            ngx_http_cclink_prom_route(o, &s->rows[i]);

            if (mt->scale) {
                ngx_http_cclink_printf(o, " %uA.%03uA\n", v / 1000,
                                       v % 1000);

            } else {
                ngx_http_cclink_printf(o, " %uA\n", v);
            }
        }
    }

    for (mt = ngx_http_cclink_addr_metrics; mt->name; mt++) {

        ngx_http_cclink_printf(o, "# HELP %s %s\n# TYPE %s %s\n", mt->name,
                               mt->help, mt->name, mt->type);

        for (i = 0; i < s->naddrs; i++) {
            as = &s->addrs[i];
            v = *(ngx_atomic_t *) ((u_char *) as + mt->offset);

            ngx_http_cclink_printf(o, "%s", mt->name);
            ngx_http_cclink_prom_addr(o, as, "");
            ngx_http_cclink_printf(o, " %uA\n", v);
        }
    }

    ngx_http_cclink_printf(o,
        "# HELP cclink_endpoint_connect_seconds Time to connect to an "
        "endpoint address\n"
        "# TYPE cclink_endpoint_connect_seconds histogram\n");

    for (i = 0; i < s->naddrs; i++) {
        as = &s->addrs[i];
        cum = 0;

        for (j = 0; j < NGX_CCLINK_HIST; j++) {
            cum += as->hist[j];

            if (j < NGX_CCLINK_HIST - 1) {
                ngx_http_cclink_le(le, ngx_cclink_hist_bounds[j]);

            } else {
                ngx_sprintf(le, ",le=\"+Inf\"%Z");
            }

            ngx_http_cclink_printf(o, "%s",
                                   "cclink_endpoint_connect_seconds_bucket");
            ngx_http_cclink_prom_addr(o, as, (char *) le);
            ngx_http_cclink_printf(o, " %uA\n", cum);
        }

        v = as->connect_ms;

        ngx_http_cclink_printf(o, "cclink_endpoint_connect_seconds_sum");
        ngx_http_cclink_prom_addr(o, as, "");
        ngx_http_cclink_printf(o, " %uA.%03uA\n", v / 1000, v % 1000);
        ngx_http_cclink_printf(o, "cclink_endpoint_connect_seconds_count");
        ngx_http_cclink_prom_addr(o, as, "");
        ngx_http_cclink_printf(o, " %uA\n", cum);
    }

    ngx_http_cclink_prom_dns(o, s);

    if (s->sidecar) {
        ngx_http_cclink_prom_sidecar(o, s->sidecar);
    }
}


static void
ngx_http_cclink_prom_route(ngx_http_cclink_out_t *o,
    ngx_http_cclink_row_t *row)
{
    ngx_uint_t                k;
    ngx_cclink_route_stat_t  *rs;

    rs = &row->rs;

    ngx_http_cclink_printf(o, "{route=\"");
    ngx_http_cclink_escz(o, rs->key, sizeof(rs->key));
    ngx_http_cclink_printf(o, "\",group=\"");
    ngx_http_cclink_escz(o, rs->group, sizeof(rs->group));

    /* ',cluster="lkc-abc12",env="env-m2qx7",service="kafka"' */

    for (k = 0; row->route && k < CCLINK_RT_NATTRS; k++) {
        if (row->route->attr_off[k]) {
            ngx_http_cclink_printf(o, "\",%s=\"", cclink_rt_attr_names[k]);
            ngx_http_cclink_esc(o, (u_char *) cclink_rt_str(row->rt,
                                               row->route->attr_off[k]),
                                row->route->attr_len[k]);
        }
    }

    ngx_http_cclink_printf(o, "\"}");
}

static void
ngx_http_cclink_prom_addr(ngx_http_cclink_out_t *o, ngx_cclink_addr_stat_t *as,
    const char *extra)
{
    ngx_http_cclink_printf(o, "{address=\"");
    ngx_http_cclink_escz(o, as->addr, sizeof(as->addr));
    ngx_http_cclink_printf(o, "\",zone=\"");
    ngx_http_cclink_escz(o, as->zone, sizeof(as->zone));
    ngx_http_cclink_printf(o, "\"%s}", extra);
}


/* ',le="0.025"': a bucket bound in ms as seconds, the way clients write it */

static void
ngx_http_cclink_le(u_char *buf, ngx_msec_t ms)
{
    u_char  *p;

    p = ngx_sprintf(buf, ",le=\"%M.%03M", ms / 1000, ms % 1000);

    while (p[-1] == '0') {
        p--;
    }

    if (p[-1] == '.') {
        *p++ = '0';
    }

    ngx_sprintf(p, "\"%Z");
}


static void
ngx_http_cclink_prom_sidecar(ngx_http_cclink_out_t *o,
    ngx_http_cclink_sidecar_t *sc)
{
    ngx_http_cclink_printf(o,
        "# HELP cclink_sidecar_state_ok Whether the sidecar's status file "
        "could be read and parsed\n"
        "# TYPE cclink_sidecar_state_ok gauge\n"
        "cclink_sidecar_state_ok %ui\n", sc->ok);

    if (!sc->ok || sc->at == 0) {
        return;
    }

    ngx_http_cclink_printf(o,
        "# HELP cclink_sidecar_last_discovery_timestamp_seconds When "
        "the sidecar's last discovery ended\n"
        "# TYPE cclink_sidecar_last_discovery_timestamp_seconds gauge\n"
        "cclink_sidecar_last_discovery_timestamp_seconds %T\n", sc->at);

    if (sc->complete >= 0) {
        ngx_http_cclink_printf(o,
            "# HELP cclink_sidecar_last_discovery_complete Whether the "
            "sidecar's last discovery was complete\n"
            "# TYPE cclink_sidecar_last_discovery_complete gauge\n"
            "cclink_sidecar_last_discovery_complete %i\n", sc->complete);
    }

    ngx_http_cclink_printf(o,
        "# HELP cclink_sidecar_last_discovery_errors Errors of the "
        "sidecar's last discovery\n"
        "# TYPE cclink_sidecar_last_discovery_errors gauge\n"
        "cclink_sidecar_last_discovery_errors %ui\n", sc->nerrors);

    if (sc->last_complete_at) {
        ngx_http_cclink_printf(o,
            "# HELP cclink_sidecar_last_complete_discovery_timestamp_seconds "
            "When the sidecar's last complete discovery ended\n"
            "# TYPE cclink_sidecar_last_complete_discovery_timestamp_seconds "
            "gauge\n"
            "cclink_sidecar_last_complete_discovery_timestamp_seconds %T\n",
            sc->last_complete_at);
    }
}



/* 'cclink_dns_queries_total{rcode="NOERROR"} 1' and the other two */

static void
ngx_http_cclink_prom_dns(ngx_http_cclink_out_t *o,
    ngx_http_cclink_snapshot_t *s)
{
    ngx_uint_t  i;

    ngx_http_cclink_printf(o,
        "# HELP cclink_dns_queries_total DNS queries answered, by the "
        "response code of the answer\n"
        "# TYPE cclink_dns_queries_total counter\n");

    for (i = 0; i <= NGX_CCLINK_DNS_RCODES; i++) {
        ngx_http_cclink_printf(o, "cclink_dns_queries_total"
                               "{rcode=\"%s\"} %uA\n",
                               ngx_http_cclink_dns_rcodes[i],
                               s->dns_rcode[i]);
    }

    ngx_http_cclink_printf(o,
        "# HELP cclink_dns_dropped_total DNS queries not answered "
        "(responses, too short)\n"
        "# TYPE cclink_dns_dropped_total counter\n"
        "cclink_dns_dropped_total %uA\n"
        "# HELP cclink_dns_forwarded_total DNS queries passed to the "
        "server's proxy_pass resolver\n"
        "# TYPE cclink_dns_forwarded_total counter\n"
        "cclink_dns_forwarded_total %uA\n",
        s->dns_dropped, s->dns_forwarded);
}
