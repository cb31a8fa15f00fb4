/*
 * Copyright (C) cclink authors
 *
 * The status page as JSON, written from one snapshot of the counters
 * (ngx_http_cclink_snapshot.c).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_cclink.h"


static void ngx_http_cclink_json_str(ngx_http_cclink_out_t *o,
    const char *name, ngx_str_t *s);
static void ngx_http_cclink_json_sidecar(ngx_http_cclink_out_t *o,
    ngx_http_cclink_sidecar_t *sc);
static void ngx_http_cclink_json_dns(ngx_http_cclink_out_t *o,
    ngx_http_cclink_snapshot_t *s);


void
ngx_http_cclink_json(ngx_http_cclink_out_t *o, ngx_http_cclink_snapshot_t *s)
{
    ngx_uint_t                i, j;
    ngx_cclink_recent_t      *rc;
    ngx_cclink_addr_stat_t   *as;
    ngx_cclink_route_stat_t  *rs;

    ngx_http_cclink_printf(o, "{\"version\":\"" NGX_HTTP_CCLINK_VERSION
                           "\",\"time\":%T,\"started\":%T,\"table\":{"
                           "\"serial\":%uL,\"generation\":%uA,"
                           "\"generated\":\"",
                           s->now, s->started, s->serial,
                           s->generation);
    ngx_http_cclink_escz(o, s->generated, sizeof(s->generated));
    ngx_http_cclink_printf(o, "\",\"loaded_at\":%T,\"routes\":%ui,"
                           "\"groups\":%ui,\"bytes\":%uz,\"reloads\":%uA,"
                           "\"load_errors\":%uA,\"last_error\":",
                           s->loaded_at, s->nroutes, s->ngroups,
                           s->table_size, s->reloads, s->load_errors);

    if (s->error_at) {
        ngx_http_cclink_printf(o, "\"");
        ngx_http_cclink_escz(o, s->error, sizeof(s->error));
        ngx_http_cclink_printf(o, "\",\"last_error_at\":%T}", s->error_at);

    } else {
        ngx_http_cclink_printf(o, "null,\"last_error_at\":null}");
    }

    ngx_http_cclink_printf(o, ",\"series\":{\"routes\":%uA,"
                           "\"routes_max\":%ui,\"addresses\":%uA,"
                           "\"addresses_max\":%ui}",
                           s->route_stats_used, s->route_series,
                           s->addr_stats_used, s->addr_series);

    ngx_http_cclink_printf(o, ",\"refused\":{");

    for (i = 0; i < NGX_CCLINK_NREASONS; i++) {
        ngx_http_cclink_printf(o, "%s\"%s\":%uA", i ? "," : "",
                               ngx_cclink_reason_names[i], s->refused[i]);
    }

    /* the CONNECT entrance */

    ngx_http_cclink_printf(o, "},\"connect\":{\"accepted\":%uA,"
                           "\"refused\":{", s->connect_accepted);

    for (i = 0; i < NGX_CCLINK_CONNECT_NREASONS; i++) {
        ngx_http_cclink_printf(o, "%s\"%s\":%uA", i ? "," : "",
                               ngx_cclink_connect_reason_names[i],
                               s->connect_refused[i]);
    }

    ngx_http_cclink_printf(o, "}},\"recent_refusals\":[");

    for (i = 0; i < s->nrecent; i++) {
        rc = &s->recent[i];

        ngx_http_cclink_printf(o, "%s{\"time\":%T,\"reason\":\"%s\","
                               "\"name\":\"", i ? "," : "",
                               (time_t) rc->time,
                               ngx_cclink_reason_names[rc->reason]);
        ngx_http_cclink_escz(o, rc->name, sizeof(rc->name));
        ngx_http_cclink_printf(o, "\",\"client\":\"");
        ngx_http_cclink_escz(o, rc->client, sizeof(rc->client));
        ngx_http_cclink_printf(o, "\"}");
    }

    ngx_http_cclink_printf(o, "],\"routes\":[");

    for (i = 0; i < s->nrows; i++) {
        rs = &s->rows[i].rs;

        ngx_http_cclink_printf(o, "%s{\"route\":\"", i ? "," : "");
        ngx_http_cclink_escz(o, rs->key, sizeof(rs->key));
        ngx_http_cclink_printf(o, "\",\"group\":\"");
        ngx_http_cclink_escz(o, rs->group, sizeof(rs->group));
        ngx_http_cclink_printf(o, "\",\"connections\":%uA,\"active\":%uA,"
                               "\"bytes_from_client\":%uA,"
                               "\"bytes_to_client\":%uA,"
                               "\"sessions_done\":%uA,\"duration_ms\":%uA,"
                               "\"upstream_failed\":%uA}",
                               rs->conns, rs->active, rs->bytes_from_client,
                               rs->bytes_to_client, rs->sessions_done,
                               rs->duration_ms, rs->upstream_failed);
    }

    ngx_http_cclink_printf(o, "],\"addresses\":[");

    for (i = 0; i < s->naddrs; i++) {
        as = &s->addrs[i];

        ngx_http_cclink_printf(o, "%s{\"address\":\"", i ? "," : "");
        ngx_http_cclink_escz(o, as->addr, sizeof(as->addr));
        ngx_http_cclink_printf(o, "\",\"zone\":\"");
        ngx_http_cclink_escz(o, as->zone, sizeof(as->zone));
        ngx_http_cclink_printf(o, "\",\"attempts\":%uA,\"failures\":%uA,"
                               "\"connected\":%uA,\"connect_ms_sum\":%uA,"
                               "\"consecutive_failures\":%uA,"
                               "\"connect_ms_histogram\":{",
                               as->attempts, as->failures, as->connected,
                               as->connect_ms, as->fails);

        for (j = 0; j < NGX_CCLINK_HIST - 1; j++) {
            ngx_http_cclink_printf(o, "\"le_%M\":%uA,",
                                   ngx_cclink_hist_bounds[j], as->hist[j]);
        }

        ngx_http_cclink_printf(o, "\"le_inf\":%uA}}",
                               as->hist[NGX_CCLINK_HIST - 1]);
    }

    ngx_http_cclink_printf(o, "]");

    ngx_http_cclink_json_dns(o, s);

    if (s->sidecar) {
        ngx_http_cclink_json_sidecar(o, s->sidecar);
    }

    ngx_http_cclink_printf(o, "}\n");
}


/* "name":"value" or "name":null, with a leading comma */

static void
ngx_http_cclink_json_str(ngx_http_cclink_out_t *o, const char *name,
    ngx_str_t *s)
{
    if (s->data == NULL) {
        ngx_http_cclink_printf(o, ",\"%s\":null", name);
        return;
    }

    ngx_http_cclink_printf(o, ",\"%s\":\"", name);
    ngx_http_cclink_esc(o, s->data, s->len);
    ngx_http_cclink_printf(o, "\"");
}


static void
ngx_http_cclink_json_sidecar(ngx_http_cclink_out_t *o,
    ngx_http_cclink_sidecar_t *sc)
{
    u_char                       iso[NGX_HTTP_CCLINK_WHEN_LEN];
    ngx_uint_t                   i;
    ngx_http_cclink_sc_error_t  *e;

    ngx_http_cclink_printf(o, ",\"sidecar\":{\"state_file\":\"");
    ngx_http_cclink_esc(o, sc->path.data, sc->path.len);
    ngx_http_cclink_printf(o, "\",\"ok\":%s", sc->ok ? "true" : "false");
    ngx_http_cclink_json_str(o, "error", &sc->error);

    if (sc->modified) {
        ngx_http_cclink_printf(o, ",\"modified\":%T", sc->modified);

    } else {
        ngx_http_cclink_printf(o, ",\"modified\":null");
    }

    if (!sc->ok) {
        ngx_http_cclink_printf(o, "}");
        return;
    }

    ngx_http_cclink_json_str(o, "written_by", &sc->written_by);

    if (sc->serial >= 0) {
        ngx_http_cclink_printf(o, ",\"serial\":%L", sc->serial);

    } else {
        ngx_http_cclink_printf(o, ",\"serial\":null");
    }

    ngx_http_cclink_json_str(o, "generated", &sc->generated);

    if (sc->last_complete_at) {
        ngx_http_cclink_printf(o, ",\"last_complete_discovery\":\"%s\"",
                               ngx_http_cclink_iso(iso,
                                                   sc->last_complete_at));

    } else {
        ngx_http_cclink_printf(o, ",\"last_complete_discovery\":null");
    }

    if (sc->at == 0) {
        ngx_http_cclink_printf(o, ",\"last_discovery\":null}");
        return;
    }

    ngx_http_cclink_printf(o, ",\"last_discovery\":{\"time\":\"%s\","
                           "\"at\":%T,\"age\":%T",
                           ngx_http_cclink_iso(iso, sc->at), sc->at,
                           ngx_time() - sc->at);

    ngx_http_cclink_printf(o, ",\"complete\":%s",
                           sc->complete == 1 ? "true"
                           : sc->complete == 0 ? "false" : "null");
    ngx_http_cclink_json_str(o, "result", &sc->result);
    ngx_http_cclink_json_str(o, "reason", &sc->reason);
    ngx_http_cclink_printf(o, ",\"errors_total\":%ui,\"errors\":[",
                           sc->nerrors);

    e = sc->errors;

    for (i = 0; i < sc->nlisted; i++) {
        ngx_http_cclink_printf(o, "%s{\"call\":\"", i ? "," : "");
        ngx_http_cclink_esc(o, e[i].call.data, e[i].call.len);
        ngx_http_cclink_printf(o, "\"");

        if (e[i].status >= 0) {
            ngx_http_cclink_printf(o, ",\"status\":%i", e[i].status);

        } else {
            ngx_http_cclink_printf(o, ",\"status\":null");
        }

        ngx_http_cclink_printf(o, ",\"message\":\"");
        ngx_http_cclink_esc(o, e[i].message.data, e[i].message.len);
        ngx_http_cclink_printf(o, "\"}");
    }

    ngx_http_cclink_printf(o, "]}}");
}


/* ',"dns":{"responses":{"NOERROR":1,...},"dropped":0,"forwarded":0}' */

static void
ngx_http_cclink_json_dns(ngx_http_cclink_out_t *o,
    ngx_http_cclink_snapshot_t *s)
{
    ngx_uint_t  i;

    ngx_http_cclink_printf(o, ",\"dns\":{\"responses\":{");

    for (i = 0; i <= NGX_CCLINK_DNS_RCODES; i++) {
        ngx_http_cclink_printf(o, "%s\"%s\":%uA", i ? "," : "",
                               ngx_http_cclink_dns_rcodes[i],
                               s->dns_rcode[i]);
    }

    ngx_http_cclink_printf(o, "},\"dropped\":%uA,\"forwarded\":%uA}",
                           s->dns_dropped, s->dns_forwarded);
}
