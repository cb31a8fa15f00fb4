/*
 * Copyright (C) cclink authors
 *
 * The route plan: endpoint groups and routes, as they go into the route
 * table, the nginx include, the hosts files and the state file.
 *
 * Building (ccl_plan_build): from a discovered model and resolved groups,
 *
 *  - every known host name (bootstrap, REST, broker, Schema Registry,
 *    Flink) becomes an exact route to the group of the domain it belongs
 *    to: the network, attachment or access point the API named, else the
 *    discovered domain that is a suffix of the name, else a configured
 *    target whose key is a suffix of the name, else the "*" target. A
 *    broker whose name carries a zone of its network goes to that zone's
 *    group ("<id>.<zone>"), so its traffic uses the endpoint in its zone;
 *  - every domain gets patterns so brokers unknown yet work before the
 *    next discovery: "*.<dns_domain>", "*.<zonal subdomain>" per zone, and
 *    for networks and access points the public-DNS form
 *    "~^[a-z0-9-]+-<label>\.<region...>\.glb\.confluent\.cloud$" (the
 *    zonal variant first, so it wins in file order).
 *
 * A route whose group has no address is left out (and logged).
 *
 * Merging (ccl_plan_merge) applies the "nothing lost" rules against the
 * previous plan (from the state file):
 *
 *  - a route in the new plan is kept, with absent = 0; after an incomplete
 *    discovery a route that existed keeps its previous group (such a
 *    discovery may add routes, not move them);
 *  - a route only in the previous plan is kept as it was when the
 *    discovery was not complete; after a complete one its absent count
 *    goes up by one, and it is dropped when the count reaches drop_after;
 *  - a group keeps its previous addresses when it resolved to none now;
 *  - a route to a zone's group that has no address at all falls back to
 *    the whole group ("n-x.usw2-az1" -> "n-x").
 *
 * It reports counts in ccl_plan_stats_t; the caller refuses a result that
 * drops more than max_drop_percent of the previous routes without --force.
 *
 * Ordering (ccl_plan_sort) makes output deterministic: groups by name,
 * their addresses by zone then text; exact routes, then wildcards, by key;
 * regular expressions by priority then key.
 *
 * Looking a route up by key (ccl_plan_route) is a hash lookup, so plans of
 * many thousand routes build in linear time.
 *
 * Ownership: a plan owns all its strings and arrays; ccl_plan_release()
 * frees them. ccl_plan_merge() copies what it takes.
 */

#ifndef _CCL_PLAN_H_INCLUDED_
#define _CCL_PLAN_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "cclink_common.h"
#include "ccl_conf.h"
#include "ccl_model.h"


typedef enum {
    CCL_ROUTE_EXACT = 0,
    CCL_ROUTE_WILDCARD,
    CCL_ROUTE_REGEX
} ccl_route_kind_e;


typedef struct {
    char                 text[CCLINK_ADDR_TEXT];   /* route table form */
    char                 zone[CCLINK_ZONE_MAX + 1];    /* "" when none */
} ccl_addr_t;


typedef struct {
    char                 name[CCLINK_GROUP_MAX + 1];
    ccl_addr_t          *addrs;
    size_t               naddrs;
    int                  stale;      /* addresses from an earlier cycle */
    char                *error;      /* why resolution failed, or NULL */
} ccl_group_t;


typedef struct {
    char                *key;
    char                *group;
    int                  kind;       /* ccl_route_kind_e */
    int                  prio;       /* regex order: lower first */
    unsigned             names;      /* ccl_name_kind_e bits; 0: pattern */
    unsigned             service;    /* ccl_service_e, 0 for patterns */
    char                *resource;   /* lkc-..., lsrc-..., or NULL */
    unsigned             absent;
} ccl_route_t;


typedef struct {
    ccl_route_t         *routes;
    size_t               nroutes;
    size_t               routes_cap;
    ccl_group_t         *groups;
    size_t               ngroups;

    /* open addressing: route index + 1 by key hash, 0 = empty */
    uint32_t            *index;
    size_t               index_cap;  /* a power of two, or 0 */
} ccl_plan_t;


typedef struct {
    size_t               added;
    size_t               kept_absent;
    size_t               dropped;
    size_t               previous;
    size_t               skipped;    /* no group or no address */
} ccl_plan_stats_t;


void ccl_plan_init(ccl_plan_t *p);
void ccl_plan_release(ccl_plan_t *p);

int ccl_plan_build(ccl_plan_t *p, const ccl_conf_t *conf,
    const ccl_model_t *m, const ccl_plan_t *groups);

int ccl_plan_merge(const ccl_plan_t *prev, const ccl_plan_t *cur,
    int complete, unsigned drop_after, ccl_plan_t *out,
    ccl_plan_stats_t *stats);

void ccl_plan_sort(ccl_plan_t *p);

/* adding (copies the strings); 0 or -1 */
ccl_group_t *ccl_plan_add_group(ccl_plan_t *p, const char *name);
int ccl_plan_group_add_addr(ccl_group_t *g, const char *text,
    const char *zone);
int ccl_plan_add_route(ccl_plan_t *p, const char *key, const char *group,
    int kind, int prio, unsigned names, unsigned service,
    const char *resource, unsigned absent);

ccl_group_t *ccl_plan_group(const ccl_plan_t *p, const char *name);
ccl_route_t *ccl_plan_route(const ccl_plan_t *p, const char *key);

/* Copies a group with its addresses into p (replacing one of that name). */
int ccl_plan_copy_group(ccl_plan_t *p, const ccl_group_t *g);

/*
 * For the plan's own files (ccl_plan.c, ccl_plan_merge.c): frees what a
 * route owns (not the route itself); rebuilds the lookup index after
 * routes or groups were added, removed or sorted.
 */
void ccl_route_release(ccl_route_t *r);
int ccl_plan_reindex(ccl_plan_t *p);

/*
 * The clusters that have a bootstrap route but no broker route, sorted:
 * their brokers are reachable only through the domain patterns, and a
 * hosts file cannot list them.
 */
int ccl_plan_clusters_without_brokers(const ccl_plan_t *p, ccl_strv_t *out);

/* Escapes a host name or domain for a regular expression. */
int ccl_plan_regex_escape(const char *s, char *out, size_t size);

/*
 * The public-DNS ("glb") form of a domain's names: for "x.r.c.confluent.
 * cloud" it gives label "x" and rest "r.c.glb.confluent.cloud". Returns -1
 * when the domain has no such form.
 */
int ccl_plan_glb_form(const char *dns_domain, char *label, size_t lsize,
    char *rest, size_t rsize);


#endif /* _CCL_PLAN_H_INCLUDED_ */
