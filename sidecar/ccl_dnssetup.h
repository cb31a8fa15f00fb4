/*
 * Copyright (C) cclink authors
 *
 * Split-DNS client setup: the DNS zones that cover every routed name, and
 * the one-time setup per OS (and for company resolvers) that sends those
 * zones, and only those, to the proxy's DNS server.
 *
 * ccl_dnssetup_zones(plan, zones) fills an initialised ccl_strv_t with
 * the smallest sorted list of zones such that every routed name lies in
 * one of them and no zone lies inside another:
 *
 *  - an exact name is its own zone ("lkc-1.dom.r.aws.confluent.cloud");
 *  - a leading wildcard "*.X" (or ".X") gives X;
 *  - a regular expression anchored with "$" gives the domain its literal
 *    tail names whole: for "~^e-[0-9a-f]+-usw2-az1-l63jl\.us-west-2\.aws
 *    \.glb\.confluent\.cloud$" the tail is "-usw2-az1-l63jl.us-west-2.aws
 *    .glb.confluent.cloud", whose first label is only partly literal, so
 *    the zone is "us-west-2.aws.glb.confluent.cloud";
 *  - a name inside another zone is dropped ("b0.x.y" inside "x.y").
 *
 * A route no zone can be derived from (a trailing wildcard "name.*", an
 * unanchored regex, an alternation, a tail shorter than two labels) is
 * logged (event=dns_zone_unknown) and left out: such names are reached
 * only through the hosts file or a wider zone chosen by hand. Names are
 * lower-cased (DNS is case-insensitive).
 *
 * ccl_dnssetup_render(kind, zones, conf, out) writes one setup file:
 *
 *   CCL_DNS_ZONES          dns-zones.txt, one zone a line
 *   CCL_DNS_MACOS_FILE     the content of one /etc/resolver/<zone> file
 *   CCL_DNS_MACOS_SH       macos-resolver.sh: installs or (--remove)
 *                          removes those files, flushes the cache
 *   CCL_DNS_RESOLVED       linux-resolved.conf: systemd-resolved drop-in
 *                          with routing-only domains ("~zone")
 *   CCL_DNS_LINUX_SH       linux-dns.sh: installs or removes the drop-in
 *                          (or, with --networkmanager, the NM snippet)
 *   CCL_DNS_NM_DNSMASQ     networkmanager-dnsmasq.conf ("server=/z/a")
 *   CCL_DNS_NRPT_PS1       windows-nrpt.ps1: adds or (-Remove) removes
 *                          NRPT rules, identified by their comment
 *   CCL_DNS_BIND           company-bind.conf: forward zones
 *   CCL_DNS_UNBOUND        company-unbound.conf: forward-zone clauses
 *   CCL_DNS_DNSMASQ        company-dnsmasq.conf: server= lines
 *
 * The DNS address is client_dns_address (default proxy_address), the
 * port client_dns_port (default 53; Windows NRPT cannot use another, and
 * its script refuses to run then). Output is deterministic. Return 0, or
 * -1 when the buffer's limit was reached (logged).
 */

#ifndef _CCL_DNSSETUP_H_INCLUDED_
#define _CCL_DNSSETUP_H_INCLUDED_


#include "ccl_buf.h"
#include "ccl_conf.h"
#include "ccl_plan.h"


typedef enum {
    CCL_DNS_ZONES = 0,
    CCL_DNS_MACOS_FILE,
    CCL_DNS_MACOS_SH,
    CCL_DNS_RESOLVED,
    CCL_DNS_LINUX_SH,
    CCL_DNS_NM_DNSMASQ,
    CCL_DNS_NRPT_PS1,
    CCL_DNS_BIND,
    CCL_DNS_UNBOUND,
    CCL_DNS_DNSMASQ,
    CCL_DNS_NKINDS
} ccl_dns_kind_e;


int ccl_dnssetup_zones(const ccl_plan_t *p, ccl_strv_t *zones);

/* the zone a route key needs, into out; -1 when none can be derived */
int ccl_dnssetup_route_zone(const char *key, int kind, char *out,
    size_t size);

int ccl_dnssetup_render(int kind, const ccl_strv_t *zones,
    const ccl_conf_t *conf, ccl_buf_t *out);

/* the file name of each kind in the client folder ("company-bind.conf") */
const char *ccl_dnssetup_file_name(int kind);


#endif /* _CCL_DNSSETUP_H_INCLUDED_ */
