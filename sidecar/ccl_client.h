/*
 * Copyright (C) cclink authors
 *
 * The client folder: every file a laptop or a company resolver needs,
 * kept current by cclink-sidecar in one directory that nginx serves
 * read-only (conf-templates/nginx-cclink.conf, "location /cclink/client/"
 * with "alias <client_dir>/current/")
 *
 *     index.html                  the files, with the command for each OS
 *     hosts-linux.txt, hosts-windows.txt, hosts-apply.sh, hosts-apply.ps1
 *     dns-zones.txt, macos-resolver.conf, macos-resolver.sh,
 *     linux-resolved.conf, linux-dns.sh, networkmanager-dnsmasq.conf,
 *     windows-nrpt.ps1, company-bind.conf, company-unbound.conf,
 *     company-dnsmasq.conf         (ccl_dnssetup.h)
 *
 * ccl_client_publish(conf, plan) renders them all and, when any differs
 * from what "<client_dir>/current" holds, publishes a new generation
 * atomically:
 *
 *   1. mkdtemp "<client_dir>/.current.XXXXXX" (client_dir is created),
 *   2. write and fsync every file (0644), the directory 0755,
 *   3. point a new symbolic link at it and rename() it over "current",
 *   4. fsync client_dir, remove generations older than the previous one.
 *
 * A reader opens files through "current" and sees one generation or the
 * next, never a mix; the previous generation stays until the next
 * publication, so a download that started before a swap completes.
 * "current" must be a symbolic link made this way, or absent: anything
 * else there is refused (logged). client_dir "off" turns the folder
 * off. Returns 1 when a new generation was published, 0 when the folder
 * was current, -1 on failure (logged; the folder is left as it was).
 *
 * ccl_client_render_index(conf, zones, out) is the index page alone.
 */

#ifndef _CCL_CLIENT_H_INCLUDED_
#define _CCL_CLIENT_H_INCLUDED_


#include "ccl_buf.h"
#include "ccl_conf.h"
#include "ccl_plan.h"


int ccl_client_publish(const ccl_conf_t *conf, const ccl_plan_t *plan);
int ccl_client_render_index(const ccl_conf_t *conf, const ccl_strv_t *zones,
    ccl_buf_t *out);

/* client_url, or "http://<proxy_address>/cclink/client/", into out */
int ccl_client_url(const ccl_conf_t *conf, char *out, size_t size);


#endif /* _CCL_CLIENT_H_INCLUDED_ */
