/*
 * Copyright (C) cclink authors
 *
 * Rendering a plan into the files cclink-sidecar writes. Every function is
 * deterministic: the same plan (sorted by ccl_plan_sort()), configuration,
 * serial and time give byte-identical output. The caller owns the buffer
 * (an initialised ccl_buf_t) and releases it.
 *
 *  - ccl_render_routes(): the module's route table (docs/route-table.md):
 *    header, "serial", "generated", one "group" line per address, one
 *    "route" line per route, "end". With serial 0 and generated NULL it
 *    renders the "content" form whose hash decides whether anything
 *    changed (serial and time left out).
 *  - ccl_render_nginx(): an include for stock nginx's stream {} block: a
 *    "map $ssl_preread_server_name $cclink_upstream { hostnames; ... }"
 *    whose default is cclink_refuse, and "upstream <name>_<port>" blocks
 *    for every group and every configured port. cclink_refuse_<port> has
 *    only a "down" server, so an unknown name is never forwarded. The
 *    server blocks use "proxy_pass ${cclink_upstream}_$server_port;".
 *    Addresses in this host's zone are primary, the others "backup".
 *  - ccl_render_hosts(): the block between "# BEGIN cclink <proxy name>"
 *    and "# END cclink <proxy name>" that maps every exact name to the
 *    proxy's client-facing address, LF or CRLF line ends; clusters with no
 *    broker names are listed in a comment.
 *  - ccl_render_powershell(): a PowerShell script that puts the Windows
 *    block into %SystemRoot%\System32\drivers\etc\hosts, replacing this
 *    proxy's earlier block and keeping every other line.
 *
 * Return 0, or -1 when the buffer's limit was reached (logged).
 */

#ifndef _CCL_RENDER_H_INCLUDED_
#define _CCL_RENDER_H_INCLUDED_


#include <stdint.h>

#include "ccl_buf.h"
#include "ccl_conf.h"
#include "ccl_plan.h"


#define CCL_RENDER_MAX  (256 * 1024 * 1024)


typedef enum {
    CCL_HOSTS_LINUX = 0,
    CCL_HOSTS_WINDOWS,
    CCL_HOSTS_POWERSHELL,
    CCL_HOSTS_SH            /* hosts-apply.sh, ccl_hostsh.h */
} ccl_hosts_format_e;


int ccl_render_routes(const ccl_plan_t *p, uint64_t serial,
    const char *generated, ccl_buf_t *out);
int ccl_render_nginx(const ccl_plan_t *p, const ccl_conf_t *conf,
    uint64_t serial, ccl_buf_t *out);
int ccl_render_hosts(const ccl_plan_t *p, const ccl_conf_t *conf,
    int format, ccl_buf_t *out);
int ccl_render_powershell(const ccl_plan_t *p, const ccl_conf_t *conf,
    ccl_buf_t *out);

/* "2026-11-20T23:15:00Z" */
void ccl_render_time(time_t t, char *out, size_t size);

/* 20261120231500 */
uint64_t ccl_render_serial_time(time_t t);


#endif /* _CCL_RENDER_H_INCLUDED_ */
