/*
 * Copyright (C) cclink authors
 *
 * Rendering a plan into the files cclink-sidecar writes (ccl_render.h).
 */


#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ccl_hostps.h"
#include "ccl_hostsh.h"
#include "ccl_log.h"
#include "ccl_render.h"


static int ccl_render_hosts_block(const ccl_plan_t *p,
    const ccl_conf_t *conf, const char *eol, ccl_buf_t *out);
static int ccl_render_ps_quote(ccl_buf_t *out, const char *s, size_t len);
static int ccl_render_ps_assign(ccl_buf_t *out, const char *var,
    const char *value);
static int ccl_render_full(ccl_buf_t *out, const char *what);
static int ccl_render_upstream_addr(ccl_buf_t *out, const ccl_addr_t *a,
    unsigned port, int backup);


static int
ccl_render_full(ccl_buf_t *out, const char *what)
{
    ccl_log(CCL_LOG_ERROR, "render_error", "file=%s error=%s limit=%zu",
            what, out->over ? "output too large" : "out of memory",
            out->max);

    return -1;
}


void
ccl_render_time(time_t t, char *out, size_t size)
{
    struct tm  tm;

    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}


uint64_t
ccl_render_serial_time(time_t t)
{
    struct tm  tm;

    gmtime_r(&t, &tm);

    return (uint64_t) (tm.tm_year + 1900) * 10000000000ULL
           + (uint64_t) (tm.tm_mon + 1) * 100000000ULL
           + (uint64_t) tm.tm_mday * 1000000ULL
           + (uint64_t) tm.tm_hour * 10000ULL
           + (uint64_t) tm.tm_min * 100ULL
           + (uint64_t) tm.tm_sec;
}


int
ccl_render_routes(const ccl_plan_t *p, uint64_t serial,
    const char *generated, ccl_buf_t *out)
{
    int                 rc;
    size_t              i, j;
    const ccl_route_t  *r;
    const ccl_group_t  *g;
    const ccl_addr_t   *a;

    rc = ccl_buf_adds(out, "# cclink route table, written by cclink-sidecar"
                      " (do not edit: it is replaced)\n"
                      "cclink-routes 1\n");

    if (rc == 0 && generated != NULL) {
        rc = ccl_buf_addf(out, "serial %" PRIu64 "\ngenerated %s\n", serial,
                          generated);
    }

    if (rc == 0) {
        rc = ccl_buf_addf(out, "\n# endpoint groups: %zu\n", p->ngroups);
    }

    for (i = 0; rc == 0 && i < p->ngroups; i++) {
        g = &p->groups[i];

        for (j = 0; rc == 0 && j < g->naddrs; j++) {
            a = &g->addrs[j];

            if (a->zone[0] != '\0') {
                rc = ccl_buf_addf(out, "group %s %s zone=%s\n", g->name,
                                  a->text, a->zone);
            } else {
                rc = ccl_buf_addf(out, "group %s %s\n", g->name, a->text);
            }
        }
    }

    if (rc == 0) {
        rc = ccl_buf_addf(out, "\n# routes: %zu\n", p->nroutes);
    }

    for (i = 0; rc == 0 && i < p->nroutes; i++) {
        r = &p->routes[i];
        rc = ccl_buf_addf(out, "route %s %s\n", r->key, r->group);
    }

    if (rc == 0) {
        rc = ccl_buf_adds(out, "\nend\n");
    }

    if (rc != 0) {
        return ccl_render_full(out, "route table");
    }

    return 0;
}


static int
ccl_render_upstream_addr(ccl_buf_t *out, const ccl_addr_t *a, unsigned port,
    int backup)
{
    const char  *suffix;

    suffix = backup ? " backup" : "";

    /* an address with a fixed port keeps it on every listener */
    if (strchr(a->text, ']') != NULL) {
        if (strstr(a->text, "]:") != NULL) {
            return ccl_buf_addf(out, "    server %s%s;\n", a->text, suffix);
        }
        return ccl_buf_addf(out, "    server %s:%u%s;\n", a->text, port,
                            suffix);
    }

    if (strchr(a->text, ':') != NULL) {
        return ccl_buf_addf(out, "    server %s%s;\n", a->text, suffix);
    }

    return ccl_buf_addf(out, "    server %s:%u%s;\n", a->text, port, suffix);
}


int
ccl_render_nginx(const ccl_plan_t *p, const ccl_conf_t *conf,
    uint64_t serial, ccl_buf_t *out)
{
    int                 rc, local, backup;
    size_t              i, j, k, width, bucket, max_size;
    const ccl_route_t  *r;
    const ccl_group_t  *g;

    rc = ccl_buf_addf(out,
        "# cclink include for stock nginx, written by cclink-sidecar\n"
        "# (do not edit: it is replaced). Route table serial %" PRIu64 ".\n"
        "#\n"
        "# Include it inside stream {} and proxy with:\n"
        "#     server {\n"
        "#         listen 9092;\n"
        "#         ssl_preread on;\n"
        "#         proxy_pass ${cclink_upstream}_$server_port;\n"
        "#     }\n"
        "# Names not listed go to cclink_refuse_<port>, whose only server"
        " is down:\n"
        "# nginx closes such connections without connecting anywhere.\n"
        "# This file sets map_hash_bucket_size and map_hash_max_size for"
        " its names:\n"
        "# do not set them elsewhere in stream {}.\n", serial);

    width = 0;
    for (i = 0; i < p->nroutes; i++) {
        if (strlen(p->routes[i].key) > width) {
            width = strlen(p->routes[i].key);
        }
    }

    /* room for the longest name in a bucket, and for every name */
    bucket = 64;
    while (bucket < width + 32) {
        bucket *= 2;
    }

    max_size = 2048;
    while (max_size < p->nroutes * 2) {
        max_size *= 2;
    }

    if (rc == 0) {
        rc = ccl_buf_addf(out, "\nmap_hash_bucket_size %zu;\n"
                          "map_hash_max_size %zu;\n\n"
                          "map $ssl_preread_server_name $cclink_upstream {\n"
                          "    hostnames;\n"
                          "    default cclink_refuse;\n", bucket, max_size);
    }

    for (i = 0; rc == 0 && i < p->nroutes; i++) {
        r = &p->routes[i];
        rc = ccl_buf_addf(out, "    %-*s cclink_%s;\n", (int) width, r->key,
                          r->group);
    }

    if (rc == 0) {
        rc = ccl_buf_adds(out, "}\n");
    }

    for (k = 0; rc == 0 && k < conf->nnginx_ports; k++) {
        rc = ccl_buf_addf(out, "\nupstream cclink_refuse_%u {\n"
                          "    server 127.0.0.1:1 down;\n}\n",
                          conf->nginx_ports[k]);
    }

    for (i = 0; rc == 0 && i < p->ngroups; i++) {
        g = &p->groups[i];

        /* this host's zone first; the others only when it fails */
        local = 0;

        if (conf->zone != NULL) {
            for (j = 0; j < g->naddrs; j++) {
                if (strcmp(g->addrs[j].zone, conf->zone) == 0) {
                    local = 1;
                }
            }
        }

        for (k = 0; rc == 0 && k < conf->nnginx_ports; k++) {
            rc = ccl_buf_addf(out, "\nupstream cclink_%s_%u {\n", g->name,
                              conf->nginx_ports[k]);

            for (j = 0; rc == 0 && j < g->naddrs; j++) {
                backup = local && strcmp(g->addrs[j].zone, conf->zone) != 0;
                rc = ccl_render_upstream_addr(out, &g->addrs[j],
                                              conf->nginx_ports[k], backup);
            }

            if (rc == 0) {
                rc = ccl_buf_adds(out, "}\n");
            }
        }
    }

    if (rc != 0) {
        return ccl_render_full(out, "nginx include");
    }

    return 0;
}


static int
ccl_render_hosts_block(const ccl_plan_t *p, const ccl_conf_t *conf,
    const char *eol, ccl_buf_t *out)
{
    int                 rc;
    size_t              i, n;
    ccl_strv_t          missing;
    const ccl_route_t  *r;

    ccl_strv_init(&missing);

    if (ccl_plan_clusters_without_brokers(p, &missing) != 0) {
        ccl_strv_release(&missing);
        return -1;
    }

    n = 0;
    for (i = 0; i < p->nroutes; i++) {
        if (p->routes[i].kind == CCL_ROUTE_EXACT) {
            n++;
        }
    }

    rc = ccl_buf_addf(out, "# BEGIN cclink %s%s"
                      "# Confluent Cloud names reached through proxy %s at"
                      " %s (%zu names).%s"
                      "# Written by cclink-sidecar: lines between these"
                      " markers are replaced.%s",
                      conf->proxy_name, eol, conf->proxy_name,
                      conf->proxy_address, n, eol, eol);

    for (i = 0; rc == 0 && i < missing.n; i++) {
        rc = ccl_buf_addf(out, "# %s: no broker names (no Kafka API key,"
                          " or broker discovery failed): its brokers are"
                          " not listed%s", missing.v[i], eol);
    }

    for (i = 0; rc == 0 && i < p->nroutes; i++) {
        r = &p->routes[i];

        if (r->kind != CCL_ROUTE_EXACT) {
            continue;
        }

        rc = ccl_buf_addf(out, "%s %s%s", conf->proxy_address, r->key, eol);
    }

    if (rc == 0) {
        rc = ccl_buf_addf(out, "# END cclink %s%s", conf->proxy_name, eol);
    }

    ccl_strv_release(&missing);

    if (rc != 0) {
        return ccl_render_full(out, "hosts");
    }

    return 0;
}


int
ccl_render_hosts(const ccl_plan_t *p, const ccl_conf_t *conf, int format,
    ccl_buf_t *out)
{
    if (format == CCL_HOSTS_POWERSHELL) {
        return ccl_render_powershell(p, conf, out);
    }

    if (format == CCL_HOSTS_SH) {
        return ccl_hostsh_render_plan(p, conf, out);
    }

    return ccl_render_hosts_block(p, conf,
                                  format == CCL_HOSTS_WINDOWS ? "\r\n" : "\n",
                                  out);
}


static int
ccl_render_ps_quote(ccl_buf_t *out, const char *s, size_t len)
{
    size_t  i;

    if (ccl_buf_addc(out, '\'') != 0) {
        return -1;
    }

    for (i = 0; i < len; i++) {
        if (s[i] == '\'' && ccl_buf_addc(out, '\'') != 0) {
            return -1;
        }
        if (ccl_buf_addc(out, s[i]) != 0) {
            return -1;
        }
    }

    return ccl_buf_addc(out, '\'');
}


static int
ccl_render_ps_assign(ccl_buf_t *out, const char *var, const char *value)
{
    if (ccl_buf_addf(out, "%s = ", var) != 0
        || ccl_render_ps_quote(out, value, strlen(value)) != 0)
    {
        return -1;
    }

    return ccl_buf_adds(out, "\r\n");
}


int
ccl_render_powershell(const ccl_plan_t *p, const ccl_conf_t *conf,
    ccl_buf_t *out)
{
    int          rc;
    const char  *line, *nl;
    ccl_buf_t    block;

    ccl_buf_init(&block, out->max);

    if (ccl_render_hosts_block(p, conf, "\n", &block) != 0) {
        ccl_buf_release(&block);
        return -1;
    }

    rc = ccl_buf_addf(out,
        "# cclink hosts update for proxy %s, written by cclink-sidecar.\r\n"
        "# Run it in an elevated PowerShell:\r\n"
        "#     powershell -ExecutionPolicy Bypass -File hosts-apply.ps1\r\n"
        "# It replaces the lines between the cclink markers of this proxy"
        " in the\r\n"
        "# hosts file (or appends them), keeps every other byte as it is,"
        " and saves\r\n"
        "# the previous file as hosts.cclink-backup. -Remove takes the"
        " block out,\r\n"
        "# -ReplaceName OLD also removes the block of proxy OLD, -File PATH"
        " edits\r\n"
        "# another file.\r\n"
        "param([switch]$Remove, [string]$ReplaceName = '',"
        " [string]$File = '')\r\n"
        "$ErrorActionPreference = 'Stop'\r\n"
        "$hostsPath = Join-Path $env:SystemRoot"
        " 'System32\\drivers\\etc\\hosts'\r\n"
        "if ($File) {\r\n"
        "    $hostsPath = $File\r\n"
        "}\r\n",
        conf->proxy_name);

    if (rc == 0) {
        rc = ccl_render_ps_assign(out, "$name", conf->proxy_name);
    }

    if (rc == 0) {
        rc = ccl_buf_adds(out, "$block = @(\r\n");
    }

    /* the block's lines as a list of single-quoted strings */

    for (line = block.data; rc == 0 && line != NULL && *line != '\0';
         line = nl + 1)
    {
        nl = strchr(line, '\n');
        if (nl == NULL) {
            break;
        }

        rc = ccl_buf_adds(out, "    ");

        if (rc == 0) {
            rc = ccl_render_ps_quote(out, line, (size_t) (nl - line));
        }

        if (rc == 0) {
            rc = ccl_buf_adds(out, nl[1] != '\0' ? ",\r\n" : "\r\n");
        }
    }

    if (rc == 0) {
        rc = ccl_buf_adds(out, ccl_hostps_body);
    }

    ccl_buf_release(&block);

    if (rc != 0) {
        return ccl_render_full(out, "powershell");
    }

    return 0;
}
