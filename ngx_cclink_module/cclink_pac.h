/*
 * Copyright (C) cclink authors
 *
 * Renders a proxy auto-config (PAC) file from a route table, in plain C:
 * FindProxyForURL() answers "PROXY <proxy>" for every name the table
 * routes and "DIRECT" for every other. Shared by the nginx module (the
 * live PAC location, cclink_pac) and cclink-sidecar (the PAC file it
 * writes next to the route table), so both give the same bytes.
 *
 * What the PAC matches, by route kind (docs/route-table.md):
 *
 *  - exact keys: a lookup in an object literal (any number of names
 *    costs one lookup);
 *  - "*.x": dnsDomainIs(host, ".x") and not "x" itself; ".x": "x" too;
 *  - "x.*": the host starts with "x.";
 *  - "~re": new RegExp("re", "i") from a JavaScript string in which every
 *    byte but letters and digits is a \x escape, so nothing in a route
 *    can end the string or the script; each compiled in its own try, so
 *    an expression JavaScript refuses costs only its own names. PCRE
 *    constructs JavaScript reads differently (\A, \z, \Z, \Q, \h, POSIX
 *    classes, (?flags), possessive quantifiers) are left out, with a
 *    comment: names they alone route go DIRECT.
 *
 * The host is lower-cased and one final dot dropped first, as the router
 * does with a server name. Nothing here allocates.
 */

#ifndef _CCLINK_PAC_H_INCLUDED_
#define _CCLINK_PAC_H_INCLUDED_


#include <stddef.h>

#include "cclink_routes.h"


/*
 * Writes the PAC file for rt (NULL: a table-less PAC, DIRECT for all)
 * into out, at most size bytes, and returns the length of the whole file:
 * when that is more than size, call again with a buffer that large.
 * proxy is "host:port" as the clients reach the CONNECT entrance; it is
 * written as given, so the caller checks it (cclink_pac_proxy_ok()).
 */
size_t cclink_pac_render(const cclink_rt_t *rt, const char *proxy,
    size_t proxy_len, char *out, size_t size);

/* 1 when proxy is "host:port" with only name or address characters */
int cclink_pac_proxy_ok(const char *proxy, size_t len);

/* 1 when the regular expression is left out of the PAC (see above) */
int cclink_pac_regex_skipped(const char *re, size_t len);


#endif /* _CCLINK_PAC_H_INCLUDED_ */
