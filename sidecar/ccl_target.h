/*
 * Copyright (C) cclink authors
 *
 * Targets: the addresses behind each endpoint group, resolved again on
 * every cycle.
 *
 * For every discovered domain (network, PrivateLink attachment, access
 * point), ccl_target_resolve() makes group "<id>" and, for each zone,
 * group "<id>.<zone>":
 *
 *  - from configuration, when "target" lines name the domain's id or its
 *    DNS domain: each address is an IP literal (kept as written, port
 *    included) or a DNS name (resolved now; every address it gives gets
 *    the line's zone);
 *  - otherwise, with target_dns on, from DNS on this host: for each zone
 *    "<probe>.<zonal subdomain>" (a zonal name resolves to the endpoint's
 *    address in that zone), else "<probe>.<dns_domain>".
 *
 * "target" lines whose key is neither a discovered id nor a discovered
 * domain define a group of their own for names under that DNS domain
 * (named after the key); "target * ADDRESS" defines group "default" for
 * names nothing else covers.
 *
 * A group is created even when it resolves to nothing: then its "error"
 * says why, and the plan falls back to the addresses it had before.
 *
 * The resolver can be replaced (tests): it must behave as getaddrinfo()
 * for SOCK_STREAM and return numeric addresses.
 */

#ifndef _CCL_TARGET_H_INCLUDED_
#define _CCL_TARGET_H_INCLUDED_


#include <netdb.h>

#include "ccl_conf.h"
#include "ccl_model.h"
#include "ccl_plan.h"


#define CCL_TARGET_DEFAULT_GROUP  "default"


typedef int (*ccl_target_resolver_pt)(const char *name,
    struct addrinfo **res, void *data);


int ccl_target_resolve(const ccl_conf_t *conf, const ccl_model_t *m,
    ccl_plan_t *groups);

void ccl_target_set_resolver(ccl_target_resolver_pt fn, void *data);

/* The group name for a target key that is a DNS domain. */
int ccl_target_group_name(const char *key, char *out, size_t size);

/*
 * Formats a numeric address for the route table: "10.0.0.1",
 * "10.0.0.1:9092", "[fd00::1]", "[fd00::1]:9092" (port 0: none).
 */
int ccl_target_addr_text(const struct sockaddr *sa, unsigned port,
    char *out, size_t size);

/*
 * Parses a configured target address: a numeric one is normalised into
 * text (1), a host name is left to resolve (0, with its port in *port);
 * -1 when invalid.
 */
int ccl_target_parse_address(const char *addr, char *text, size_t tsize,
    char *host, size_t hsize, unsigned *port);


#endif /* _CCL_TARGET_H_INCLUDED_ */
