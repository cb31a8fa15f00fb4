/*
 * Copyright (C) cclink authors
 *
 * The status page as one self-contained HTML page (no scripts, fonts or
 * images), written from one snapshot of the counters
 * (ngx_http_cclink_snapshot.c).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_cclink.h"


/* endpoint addresses summed up per zone */
typedef struct {
    u_char                       *zone;
    ngx_uint_t                    addrs;
    ngx_uint_t                    failing;
    ngx_atomic_uint_t             attempts;
    ngx_atomic_uint_t             failures;
} ngx_http_cclink_zone_t;


static void ngx_http_cclink_html_addresses(ngx_http_cclink_out_t *o,
    ngx_http_cclink_snapshot_t *s);
static void ngx_http_cclink_html_sidecar(ngx_http_cclink_out_t *o,
    ngx_http_cclink_snapshot_t *s, ngx_http_cclink_sidecar_t *sc);
static void ngx_http_cclink_html_dns(ngx_http_cclink_out_t *o,
    ngx_http_cclink_snapshot_t *s);


void
ngx_http_cclink_html(ngx_http_cclink_out_t *o, ngx_http_cclink_snapshot_t *s,
    ngx_http_cclink_loc_conf_t *lcf)
{
    u_char                    when[NGX_HTTP_CCLINK_WHEN_LEN];
    ngx_uint_t                i;
    ngx_atomic_uint_t         total, active, mean;
    ngx_cclink_recent_t      *rc;
    ngx_cclink_route_stat_t  *rs;

    active = 0;

    for (i = 0; i < s->nrows; i++) {
        active += s->rows[i].rs.active;
    }

    total = 0;

    for (i = 0; i < NGX_CCLINK_NREASONS; i++) {
        total += s->refused[i];
    }

    ngx_http_cclink_printf(o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width\">");

    if (lcf->refresh) {
        ngx_http_cclink_printf(o, "<meta http-equiv=\"refresh\" "
                               "content=\"%ui\">", lcf->refresh);
    }

    ngx_http_cclink_printf(o,
        "<title>cclink status</title><style>"
        "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em 2em;"
        "color:#1b1f24;background:#fff}"
        "h1{font-size:1.5em;margin:0 0 .2em}"
        "h2{font-size:1.1em;margin:1.8em 0 .5em}"
        "table{border-collapse:collapse;min-width:40em}"
        "th,td{border-bottom:1px solid #d0d7de;padding:.3em .8em;"
        "text-align:left;vertical-align:top}"
        "thead th{background:#f6f8fa;font-weight:600}"
        "tbody th{font-weight:500;color:#57606a;width:14em}"
        "td.n{text-align:right;font-variant-numeric:tabular-nums}"
        "td.t{font-family:ui-monospace,monospace;word-break:break-all}"
        ".bad{color:#b42318;font-weight:600}.ok{color:#067647}"
        ".muted{color:#667085}"
        ".cards{display:flex;gap:1em;margin:1em 0;flex-wrap:wrap}"
        ".card{border:1px solid #d0d7de;border-radius:6px;"
        "padding:.6em 1.2em;min-width:8em}"
        ".card b{display:block;font-size:1.6em;"
        "font-variant-numeric:tabular-nums}"
        "</style></head><body><h1>cclink status</h1>"
        "<p class=\"muted\">as of %s; ",
        ngx_http_cclink_when(when, s->now));

    if (lcf->refresh) {
        ngx_http_cclink_printf(o, "refreshes every %ui s; ", lcf->refresh);
    }

    ngx_http_cclink_printf(o, "cclink " NGX_HTTP_CCLINK_VERSION "</p>"
        "<div class=\"cards\" id=\"summary\">"
        "<div class=\"card\"><b id=\"active\">%uA</b>active connections"
        "</div><div class=\"card\"><b>%ui</b>routes in the table</div>"
        "<div class=\"card\"><b>%uL</b>serial in force</div>"
        "<div class=\"card\"><b id=\"refused-total\" class=\"%s\">%uA</b>"
        "refused connections</div></div>",
        active, s->nroutes, s->serial, total ? "bad" : "", total);

    /* the route table */

    ngx_http_cclink_printf(o,
        "<h2>Route table</h2><table id=\"table\"><tbody>"
        "<tr><th>serial</th><td class=\"n\">%uL</td></tr>"
        "<tr><th>generation</th><td class=\"n\">%uA</td></tr>"
        "<tr><th>generated</th><td>", s->serial, s->generation);
    ngx_http_cclink_escz(o, s->generated, sizeof(s->generated));
    ngx_http_cclink_printf(o,
        "</td></tr><tr><th>routes</th><td class=\"n\">%ui</td></tr>"
        "<tr><th>endpoint groups</th><td class=\"n\">%ui</td></tr>"
        "<tr><th>size</th><td class=\"n\">%uz bytes</td></tr>",
        s->nroutes, s->ngroups, s->table_size);
    ngx_http_cclink_printf(o,
        "<tr><th>loaded</th><td>%s</td></tr>"
        "<tr><th>tables loaded</th><td class=\"n\">%uA</td></tr>"
        "<tr><th>files refused</th><td class=\"n%s\">%uA</td></tr>",
        ngx_http_cclink_when(when, s->loaded_at), s->reloads,
        s->load_errors ? " bad" : "", s->load_errors);

    if (s->error_at) {
        ngx_http_cclink_printf(o, "<tr><th>last error</th>"
                               "<td class=\"%s\" id=\"last-error\">",
                               s->error_at >= s->loaded_at ? "bad"
                                                             : "muted");
        ngx_http_cclink_escz(o, s->error, sizeof(s->error));
        ngx_http_cclink_printf(o, "<br><span class=\"muted\">%s</span>"
                               "</td></tr>",
                               ngx_http_cclink_when(when, s->error_at));
    }

    ngx_http_cclink_printf(o, "</tbody></table>");

    if (s->sidecar) {
        ngx_http_cclink_html_sidecar(o, s, s->sidecar);
    }

    /* routes, by active connections */

    ngx_http_cclink_printf(o,
        "<h2>Routes</h2><table id=\"routes\"><thead><tr><th>route</th>"
        "<th>group</th><th>active</th><th>connections</th>"
        "<th>bytes from clients</th><th>bytes to clients</th>"
        "<th>sessions ended</th><th>mean duration</th>"
        "<th>no endpoint</th></tr></thead><tbody>");

    for (i = 0; i < s->nrows; i++) {
        rs = &s->rows[i].rs;
        mean = rs->sessions_done ? rs->duration_ms / rs->sessions_done : 0;

        ngx_http_cclink_printf(o, "<tr><td class=\"t\">");
        ngx_http_cclink_escz(o, rs->key, sizeof(rs->key));
        ngx_http_cclink_printf(o, "</td><td>");
        ngx_http_cclink_escz(o, rs->group, sizeof(rs->group));
        ngx_http_cclink_printf(o,
            "</td><td class=\"n\">%uA</td><td class=\"n\">%uA</td>"
            "<td class=\"n\">%uA</td><td class=\"n\">%uA</td>"
            "<td class=\"n\">%uA</td><td class=\"n\">%uA.%03uA s</td>"
            "<td class=\"n%s\">%uA</td></tr>",
            rs->active, rs->conns, rs->bytes_from_client,
            rs->bytes_to_client, rs->sessions_done, mean / 1000,
            mean % 1000, rs->upstream_failed ? " bad" : "",
            rs->upstream_failed);
    }

    if (s->nrows == 0) {
        ngx_http_cclink_printf(o, "<tr><td colspan=\"9\" class=\"muted\">"
                               "no traffic yet</td></tr>");
    }

    ngx_http_cclink_printf(o,
        "</tbody></table><p class=\"muted\" id=\"route-series\">%uA of %ui "
        "route series in use; connections of further routes are counted "
        "under " NGX_CCLINK_OVERFLOW ".</p>",
        s->route_stats_used, s->route_series);

    ngx_http_cclink_html_addresses(o, s);

    /* refusals */

    ngx_http_cclink_printf(o, "<h2>Refused connections</h2>"
                           "<table id=\"refused\"><thead><tr><th>reason</th>"
                           "<th>count</th></tr></thead><tbody>");

    for (i = 0; i < NGX_CCLINK_NREASONS; i++) {
        ngx_http_cclink_printf(o, "<tr><td>%s</td><td class=\"n\">%uA</td>"
                               "</tr>", ngx_cclink_reason_names[i],
                               s->refused[i]);
    }

    /* the CONNECT entrance */

    ngx_http_cclink_printf(o, "</tbody></table><h2>CONNECT entrance</h2>"
                           "<table id=\"connect\"><thead><tr>"
                           "<th>outcome</th><th>count</th></tr></thead>"
                           "<tbody><tr><td>accepted</td>"
                           "<td class=\"n\">%uA</td></tr>",
                           s->connect_accepted);

    for (i = 0; i < NGX_CCLINK_CONNECT_NREASONS; i++) {
        ngx_http_cclink_printf(o, "<tr><td>%s</td><td class=\"n\">%uA</td>"
                               "</tr>", ngx_cclink_connect_reason_names[i],
                               s->connect_refused[i]);
    }

    ngx_http_cclink_printf(o, "</tbody></table>");

    ngx_http_cclink_html_dns(o, s);

    ngx_http_cclink_printf(o, "<h2>Recently refused</h2>"
                           "<table id=\"recent\"><thead><tr><th>when</th>"
                           "<th>reason</th><th>server name</th>"
                           "<th>client</th></tr></thead><tbody>");

    for (i = 0; i < s->nrecent; i++) {
        rc = &s->recent[i];

        ngx_http_cclink_printf(o, "<tr><td>%s</td><td>%s</td>"
                               "<td class=\"t\">",
                               ngx_http_cclink_when(when, (time_t) rc->time),
                               ngx_cclink_reason_names[rc->reason]);
        ngx_http_cclink_escz(o, rc->name, sizeof(rc->name));
        ngx_http_cclink_printf(o, "</td><td>");
        ngx_http_cclink_escz(o, rc->client, sizeof(rc->client));
        ngx_http_cclink_printf(o, "</td></tr>");
    }

    if (s->nrecent == 0) {
        ngx_http_cclink_printf(o, "<tr><td colspan=\"4\" class=\"muted\">"
                               "none</td></tr>");
    }

    ngx_http_cclink_printf(o, "</tbody></table><p class=\"muted\">"
                           "Counters since %s.</p></body></html>\n",
                           ngx_http_cclink_when(when, s->started));
}


static void
ngx_http_cclink_html_addresses(ngx_http_cclink_out_t *o,
    ngx_http_cclink_snapshot_t *s)
{
    ngx_uint_t               i, k, nz;
    ngx_atomic_uint_t        mean;
    ngx_cclink_addr_stat_t  *as;
    ngx_http_cclink_zone_t  *zones, *z;

    zones = ngx_pcalloc(o->r->pool,
                        (s->naddrs + 1) * sizeof(ngx_http_cclink_zone_t));

    if (zones == NULL) {
        o->error = 1;
        return;
    }

    ngx_http_cclink_printf(o,
        "<h2>Endpoint addresses</h2><table id=\"addresses\"><thead><tr>"
        "<th>address</th><th>zone</th><th>health</th><th>attempts</th>"
        "<th>failures</th><th>connected</th><th>mean connect</th></tr>"
        "</thead><tbody>");

    nz = 0;

    for (i = 0; i < s->naddrs; i++) {
        as = &s->addrs[i];
        mean = as->connected ? as->connect_ms / as->connected : 0;

        ngx_http_cclink_printf(o, "<tr><td class=\"t\">");
        ngx_http_cclink_escz(o, as->addr, sizeof(as->addr));
        ngx_http_cclink_printf(o, "</td><td>");
        ngx_http_cclink_escz(o, as->zone, sizeof(as->zone));
        ngx_http_cclink_printf(o,
            "</td><td class=\"%s\">%s</td><td class=\"n\">%uA</td>"
            "<td class=\"n\">%uA</td><td class=\"n\">%uA</td>"
            "<td class=\"n\">%uA ms</td></tr>",
            as->fails ? "bad" : "ok", as->fails ? "failing" : "ok",
            as->attempts, as->failures, as->connected, mean);

        for (k = 0; k < nz; k++) {
            if (ngx_strcmp(zones[k].zone, as->zone) == 0) {
                break;
            }
        }

        z = &zones[k];

        if (k == nz) {
            z->zone = as->zone;
            nz++;
        }

        z->addrs++;
        z->failing += as->fails ? 1 : 0;
        z->attempts += as->attempts;
        z->failures += as->failures;
    }

    if (nz == 0) {
        ngx_http_cclink_printf(o, "<tr><td colspan=\"7\" class=\"muted\">"
                               "no connection attempts yet</td></tr>");
    }

    ngx_http_cclink_printf(o,
        "</tbody></table><h2>Endpoint zones</h2><table id=\"zones\">"
        "<thead><tr><th>zone</th><th>addresses</th><th>failing</th>"
        "<th>attempts</th><th>failures</th></tr></thead><tbody>");

    for (k = 0; k < nz; k++) {
        z = &zones[k];

        ngx_http_cclink_printf(o, "<tr><td>");

        if (z->zone[0]) {
            ngx_http_cclink_escz(o, z->zone, NGX_CCLINK_ZONE_LEN);

        } else {
            ngx_http_cclink_printf(o, "<span class=\"muted\">(none)</span>");
        }

        ngx_http_cclink_printf(o,
            "</td><td class=\"n\">%ui</td><td class=\"n%s\">%ui</td>"
            "<td class=\"n\">%uA</td><td class=\"n\">%uA</td></tr>",
            z->addrs, z->failing ? " bad" : "", z->failing, z->attempts,
            z->failures);
    }

    if (nz == 0) {
        ngx_http_cclink_printf(o, "<tr><td colspan=\"5\" class=\"muted\">"
                               "none yet</td></tr>");
    }

    ngx_http_cclink_printf(o, "</tbody></table>");
}


static void
ngx_http_cclink_html_sidecar(ngx_http_cclink_out_t *o,
    ngx_http_cclink_snapshot_t *s, ngx_http_cclink_sidecar_t *sc)
{
    u_char                       when[NGX_HTTP_CCLINK_WHEN_LEN];
    ngx_uint_t                   i;
    ngx_http_cclink_sc_error_t  *e;

    ngx_http_cclink_printf(o, "<h2>Discovery</h2><table id=\"sidecar\">"
                           "<tbody><tr><th>sidecar status file</th>"
                           "<td class=\"t\">");
    ngx_http_cclink_esc(o, sc->path.data, sc->path.len);

    if (sc->modified) {
        ngx_http_cclink_printf(o, "<br><span class=\"muted\">written %s"
                               "</span>",
                               ngx_http_cclink_when(when, sc->modified));
    }

    ngx_http_cclink_printf(o, "</td></tr>");

    if (!sc->ok) {
        ngx_http_cclink_printf(o, "<tr><th>state</th>"
                               "<td class=\"bad\" id=\"sidecar-error\">");
        ngx_http_cclink_esc(o, sc->error.data, sc->error.len);
        ngx_http_cclink_printf(o, "</td></tr></tbody></table>");
        return;
    }

    if (sc->at == 0) {
        ngx_http_cclink_printf(o, "<tr><th>last discovery</th>"
                               "<td class=\"muted\" id=\"sidecar-last\">"
                               "none recorded</td></tr>");

    } else {
        ngx_http_cclink_printf(o, "<tr><th>last discovery</th>"
                               "<td id=\"sidecar-last\">%s</td></tr>"
                               "<tr><th>complete</th>"
                               "<td id=\"sidecar-complete\" class=\"%s\">%s"
                               "</td></tr>",
                               ngx_http_cclink_when(when, sc->at),
                               sc->complete == 0 ? "bad"
                               : sc->complete == 1 ? "ok" : "muted",
                               sc->complete == 0 ? "no"
                               : sc->complete == 1 ? "yes" : "unknown");

        if (sc->result.data) {
            ngx_http_cclink_printf(o, "<tr><th>result</th>"
                                   "<td id=\"sidecar-result\">");
            ngx_http_cclink_esc(o, sc->result.data, sc->result.len);

            if (sc->reason.data) {
                ngx_http_cclink_printf(o, ": ");
                ngx_http_cclink_esc(o, sc->reason.data, sc->reason.len);
            }

            ngx_http_cclink_printf(o, "</td></tr>");
        }
    }

    if (sc->last_complete_at) {
        ngx_http_cclink_printf(o, "<tr><th>last complete discovery</th>"
                               "<td>%s</td></tr>",
                               ngx_http_cclink_when(when,
                                                    sc->last_complete_at));
    }

    if (sc->serial >= 0) {
        ngx_http_cclink_printf(o, "<tr><th>route table written</th>"
                               "<td>serial %L%s</td></tr>", sc->serial,
                               (uint64_t) sc->serial == s->serial
                               ? " (in force)"
                               : " <span class=\"bad\">(not in force)"
                                 "</span>");
    }

    ngx_http_cclink_printf(o, "</tbody></table>");

    if (sc->at == 0) {
        return;
    }

    ngx_http_cclink_printf(o, "<h2>Discovery errors</h2>"
                           "<table id=\"sidecar-errors\"><thead><tr>"
                           "<th>call</th><th>status</th><th>error</th></tr>"
                           "</thead><tbody>");

    e = sc->errors;

    for (i = 0; i < sc->nlisted; i++) {
        ngx_http_cclink_printf(o, "<tr><td class=\"t\">");
        ngx_http_cclink_esc(o, e[i].call.data, e[i].call.len);
        ngx_http_cclink_printf(o, "</td><td class=\"n\">");

        if (e[i].status >= 0) {
            ngx_http_cclink_printf(o, "%i", e[i].status);
        }

        ngx_http_cclink_printf(o, "</td><td class=\"bad\">");
        ngx_http_cclink_esc(o, e[i].message.data, e[i].message.len);
        ngx_http_cclink_printf(o, "</td></tr>");
    }

    if (sc->nerrors == 0) {
        ngx_http_cclink_printf(o, "<tr><td colspan=\"3\" class=\"ok\">"
                               "none</td></tr>");

    } else if (sc->nerrors > sc->nlisted) {
        ngx_http_cclink_printf(o, "<tr><td colspan=\"3\" class=\"muted\">"
                               "and %ui more</td></tr>",
                               sc->nerrors - sc->nlisted);
    }

    ngx_http_cclink_printf(o, "</tbody></table>");
}


/* the DNS server's counters (ngx_stream_cclink_dns_module) */

static void
ngx_http_cclink_html_dns(ngx_http_cclink_out_t *o,
    ngx_http_cclink_snapshot_t *s)
{
    ngx_uint_t  i;

    ngx_http_cclink_printf(o, "<h2>DNS</h2><table id=\"dns\"><thead>"
                           "<tr><th>answer</th><th>count</th></tr>"
                           "</thead><tbody>");

    for (i = 0; i <= NGX_CCLINK_DNS_RCODES; i++) {
        ngx_http_cclink_printf(o, "<tr><td>%s</td><td class=\"n\">%uA"
                               "</td></tr>", ngx_http_cclink_dns_rcodes[i],
                               s->dns_rcode[i]);
    }

    ngx_http_cclink_printf(o, "<tr><td>dropped</td><td class=\"n\">%uA"
                           "</td></tr><tr><td>forwarded</td>"
                           "<td class=\"n\">%uA</td></tr>"
                           "</tbody></table>",
                           s->dns_dropped, s->dns_forwarded);
}
