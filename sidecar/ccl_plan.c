/*
 * Copyright (C) cclink authors
 *
 * The route plan's data and its building from a discovered model
 * (ccl_plan.h); merging with the previous plan is in ccl_plan_merge.c.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccl_log.h"
#include "ccl_plan.h"
#include "ccl_target.h"


static uint32_t ccl_plan_hash(const char *key);
static void ccl_group_release(ccl_group_t *g);
static int ccl_route_cmp(const void *a, const void *b);
static int ccl_group_cmp(const void *a, const void *b);
static int ccl_addr_cmp(const void *a, const void *b);
static int ccl_plan_strp_cmp(const void *a, const void *b);
static const ccl_domain_t *ccl_plan_find_domain(const ccl_model_t *m,
    const char *host, const char *env);
static int ccl_plan_host_in_domain(const char *host, const char *dom);
static int ccl_plan_host_glb_match(const char *host, const char *prefix,
    const char *label, const char *rest);
static const ccl_zone_t *ccl_plan_find_zone(const ccl_domain_t *d,
    const char *host);
static const char *ccl_plan_pick_group(const ccl_conf_t *conf,
    const ccl_model_t *m, const ccl_plan_t *groups, const ccl_name_t *n,
    char *buf, size_t size);
static const char *ccl_plan_pick_target(const ccl_conf_t *conf,
    const ccl_plan_t *groups, const ccl_name_t *n, char *buf, size_t size);
static int ccl_plan_domain_routes(ccl_plan_t *p, const ccl_domain_t *d,
    const ccl_plan_t *groups);


void
ccl_plan_init(ccl_plan_t *p)
{
    memset(p, 0, sizeof(*p));
}


void
ccl_route_release(ccl_route_t *r)
{
    free(r->key);
    free(r->group);
    free(r->resource);
}


static void
ccl_group_release(ccl_group_t *g)
{
    free(g->addrs);
    free(g->error);
}


void
ccl_plan_release(ccl_plan_t *p)
{
    size_t  i;

    for (i = 0; i < p->nroutes; i++) {
        ccl_route_release(&p->routes[i]);
    }

    for (i = 0; i < p->ngroups; i++) {
        ccl_group_release(&p->groups[i]);
    }

    free(p->routes);
    free(p->groups);
    free(p->index);
    ccl_plan_init(p);
}


ccl_group_t *
ccl_plan_group(const ccl_plan_t *p, const char *name)
{
    size_t  i;

    for (i = 0; i < p->ngroups; i++) {
        if (strcmp(p->groups[i].name, name) == 0) {
            return &p->groups[i];
        }
    }

    return NULL;
}


static uint32_t
ccl_plan_hash(const char *key)
{
    return cclink_fnv1a(key, strlen(key));
}


/* rebuilds the index for the routes in place, at most half full */
int
ccl_plan_reindex(ccl_plan_t *p)
{
    size_t     cap, i, j;
    uint32_t  *index;

    cap = 64;
    while (cap < p->routes_cap * 2 + 2) {
        cap *= 2;
    }

    index = calloc(cap, sizeof(uint32_t));
    if (index == NULL) {
        return -1;
    }

    for (i = 0; i < p->nroutes; i++) {
        j = ccl_plan_hash(p->routes[i].key) & (cap - 1);

        while (index[j] != 0) {
            j = (j + 1) & (cap - 1);
        }

        index[j] = (uint32_t) i + 1;
    }

    free(p->index);
    p->index = index;
    p->index_cap = cap;

    return 0;
}


ccl_route_t *
ccl_plan_route(const ccl_plan_t *p, const char *key)
{
    size_t       j;
    uint32_t     n;
    ccl_route_t  *r;

    if (p->index_cap == 0) {
        return NULL;
    }

    j = ccl_plan_hash(key) & (p->index_cap - 1);

    for ( ;; ) {
        n = p->index[j];

        if (n == 0) {
            return NULL;
        }

        r = &p->routes[n - 1];

        if (strcmp(r->key, key) == 0) {
            return r;
        }

        j = (j + 1) & (p->index_cap - 1);
    }
}


ccl_group_t *
ccl_plan_add_group(ccl_plan_t *p, const char *name)
{
    ccl_group_t  *ng, *g;

    g = ccl_plan_group(p, name);
    if (g != NULL) {
        return g;
    }

    if (strlen(name) > CCLINK_GROUP_MAX) {
        ccl_log(CCL_LOG_ERROR, "plan_error", "group=%s error=%s", name,
                "group name too long");
        return NULL;
    }

    ng = realloc(p->groups, (p->ngroups + 1) * sizeof(ccl_group_t));
    if (ng == NULL) {
        return NULL;
    }

    p->groups = ng;
    g = &p->groups[p->ngroups++];
    memset(g, 0, sizeof(*g));
    ccl_strlcpy(g->name, name, sizeof(g->name));

    return g;
}


int
ccl_plan_group_add_addr(ccl_group_t *g, const char *text, const char *zone)
{
    size_t       i;
    ccl_addr_t  *na, *a;

    if (zone == NULL) {
        zone = "";
    }

    if (strlen(text) >= CCLINK_ADDR_TEXT || strlen(zone) > CCLINK_ZONE_MAX) {
        return -1;
    }

    for (i = 0; i < g->naddrs; i++) {
        if (strcmp(g->addrs[i].text, text) == 0) {
            return 0;
        }
    }

    na = realloc(g->addrs, (g->naddrs + 1) * sizeof(ccl_addr_t));
    if (na == NULL) {
        return -1;
    }

    g->addrs = na;
    a = &g->addrs[g->naddrs++];
    ccl_strlcpy(a->text, text, sizeof(a->text));
    ccl_strlcpy(a->zone, zone, sizeof(a->zone));

    return 0;
}


int
ccl_plan_copy_group(ccl_plan_t *p, const ccl_group_t *src)
{
    size_t        i;
    ccl_group_t  *g;

    g = ccl_plan_add_group(p, src->name);
    if (g == NULL) {
        return -1;
    }

    g->naddrs = 0;
    g->stale = src->stale;

    free(g->error);
    g->error = NULL;

    if (src->error != NULL) {
        g->error = ccl_strdup(src->error);
        if (g->error == NULL) {
            return -1;
        }
    }

    for (i = 0; i < src->naddrs; i++) {
        if (ccl_plan_group_add_addr(g, src->addrs[i].text,
                                    src->addrs[i].zone) != 0)
        {
            return -1;
        }
    }

    return 0;
}


int
ccl_plan_add_route(ccl_plan_t *p, const char *key, const char *group,
    int kind, int prio, unsigned names, unsigned service,
    const char *resource, unsigned absent)
{
    size_t        cap, j;
    ccl_route_t  *nr, *r;

    r = ccl_plan_route(p, key);

    if (r != NULL) {
        if (strcmp(r->group, group) != 0) {
            ccl_log(CCL_LOG_WARN, "route_conflict",
                    "key=%s group=%s ignored_group=%s", key, r->group, group);
        }
        r->names |= names;
        return 0;
    }

    if (p->nroutes == p->routes_cap) {
        cap = p->routes_cap ? p->routes_cap * 2 : 64;
        nr = realloc(p->routes, cap * sizeof(ccl_route_t));
        if (nr == NULL) {
            return -1;
        }
        p->routes = nr;
        p->routes_cap = cap;

        if (ccl_plan_reindex(p) != 0) {
            return -1;
        }
    }

    r = &p->routes[p->nroutes];
    memset(r, 0, sizeof(*r));

    r->key = ccl_strdup(key);
    r->group = ccl_strdup(group);
    r->resource = ccl_strdup(resource);
    r->kind = kind;
    r->prio = prio;
    r->names = names;
    r->service = service;
    r->absent = absent;

    if (r->key == NULL || r->group == NULL
        || (resource != NULL && r->resource == NULL))
    {
        ccl_route_release(r);
        return -1;
    }

    j = ccl_plan_hash(r->key) & (p->index_cap - 1);

    while (p->index[j] != 0) {
        j = (j + 1) & (p->index_cap - 1);
    }

    p->index[j] = (uint32_t) p->nroutes + 1;
    p->nroutes++;

    return 0;
}


int
ccl_plan_regex_escape(const char *s, char *out, size_t size)
{
    size_t  n;

    n = 0;

    for ( /* void */ ; *s != '\0'; s++) {
        if (n + 3 >= size) {
            return -1;
        }

        if (*s == '.') {
            out[n++] = '\\';
        }

        out[n++] = *s;
    }

    out[n] = '\0';

    return 0;
}


int
ccl_plan_glb_form(const char *dns_domain, char *label, size_t lsize,
    char *rest, size_t rsize)
{
    size_t       llen, rlen;
    const char  *dot, *r;

    dot = strchr(dns_domain, '.');
    if (dot == NULL) {
        return -1;
    }

    llen = (size_t) (dot - dns_domain);
    r = dot + 1;

    if (llen == 0 || llen >= lsize || !ccl_str_has_suffix(r,
                                                          "confluent.cloud"))
    {
        return -1;
    }

    memcpy(label, dns_domain, llen);
    label[llen] = '\0';

    if (strstr(r, ".glb.") != NULL || ccl_str_has_prefix(r, "glb.")) {
        return ccl_strlcpy(rest, r, rsize);
    }

    rlen = strlen(r) - strlen("confluent.cloud");

    if (rlen + strlen("glb.confluent.cloud") >= rsize) {
        return -1;
    }

    memcpy(rest, r, rlen);
    memcpy(rest + rlen, "glb.confluent.cloud",
           strlen("glb.confluent.cloud") + 1);

    return 0;
}


static int
ccl_plan_host_in_domain(const char *host, const char *dom)
{
    size_t  hl, dl;

    hl = strlen(host);
    dl = strlen(dom);

    return hl > dl + 1 && host[hl - dl - 1] == '.'
           && strcmp(host + hl - dl, dom) == 0;
}


/* "<anything>-<prefix>.<rest>" where prefix is "<label>" or "<z>-<label>" */
static int
ccl_plan_host_glb_match(const char *host, const char *zone_label,
    const char *label, const char *rest)
{
    char         want[160];
    size_t       flen, wlen;
    const char  *dot;

    dot = strchr(host, '.');
    if (dot == NULL || strcmp(dot + 1, rest) != 0) {
        return 0;
    }

    if (zone_label != NULL) {
        if (ccl_snprintf(want, sizeof(want), "-%s-%s", zone_label, label)
            != 0)
        {
            return 0;
        }
    } else if (ccl_snprintf(want, sizeof(want), "-%s", label) != 0) {
        return 0;
    }

    flen = (size_t) (dot - host);
    wlen = strlen(want);

    return flen > wlen && memcmp(dot - wlen, want, wlen) == 0;
}


static const ccl_domain_t *
ccl_plan_find_domain(const ccl_model_t *m, const char *host, const char *env)
{
    char                 label[64], rest[CCLINK_NAME_MAX + 32];
    size_t               i, len, best_len;
    int                  same, best_same;
    const ccl_domain_t  *d, *best;

    /*
     * The longest domain wins; between equal ones (a regional PrivateLink
     * attachment domain is the same in every environment) the one of the
     * name's own environment.
     */

    best = NULL;
    best_len = 0;
    best_same = 0;

    for (i = 0; i < m->ndomains; i++) {
        d = &m->domains[i];

        if (!ccl_plan_host_in_domain(host, d->dns_domain)) {
            continue;
        }

        len = strlen(d->dns_domain);
        same = (env != NULL && d->env != NULL && strcmp(env, d->env) == 0);

        if (len > best_len || (len == best_len && same && !best_same)) {
            best = d;
            best_len = len;
            best_same = same;
        }
    }

    if (best != NULL) {
        return best;
    }

    for (i = 0; i < m->ndomains; i++) {
        d = &m->domains[i];

        if (d->kind == CCL_DOMAIN_PLATT) {
            continue;
        }

        if (ccl_plan_glb_form(d->dns_domain, label, sizeof(label), rest,
                              sizeof(rest)) == 0
            && ccl_plan_host_glb_match(host, NULL, label, rest))
        {
            return d;
        }

        if (d->endpoint_suffix != NULL && d->endpoint_suffix[0] == '.'
            && ccl_plan_host_in_domain(host, d->endpoint_suffix + 1))
        {
            return d;
        }
    }

    return NULL;
}


static const ccl_zone_t *
ccl_plan_find_zone(const ccl_domain_t *d, const char *host)
{
    char               label[64], rest[CCLINK_NAME_MAX + 32];
    size_t             i;
    int                glb;
    const ccl_zone_t  *z;

    glb = (d->kind != CCL_DOMAIN_PLATT
           && ccl_plan_glb_form(d->dns_domain, label, sizeof(label), rest,
                                sizeof(rest)) == 0);

    for (i = 0; i < d->nzones; i++) {
        z = &d->zones[i];

        if (ccl_plan_host_in_domain(host, z->subdomain)) {
            return z;
        }

        if (glb && ccl_plan_host_glb_match(host, z->label, label, rest)) {
            return z;
        }
    }

    return NULL;
}


static const char *
ccl_plan_pick_group(const ccl_conf_t *conf, const ccl_model_t *m,
    const ccl_plan_t *groups, const ccl_name_t *n, char *buf, size_t size)
{
    const ccl_zone_t    *z;
    const ccl_domain_t  *d;

    d = NULL;

    if (n->network != NULL) {
        d = ccl_model_domain(m, n->network);
    }

    if (d == NULL) {
        d = ccl_plan_find_domain(m, n->host, n->env);
    }

    if (d != NULL) {
        z = ccl_plan_find_zone(d, n->host);

        if (z != NULL
            && ccl_snprintf(buf, size, "%s.%s", d->id, z->zone) == 0
            && ccl_plan_group(groups, buf) != NULL)
        {
            return buf;
        }

        if (ccl_plan_group(groups, d->id) != NULL) {
            ccl_strlcpy(buf, d->id, size);
            return buf;
        }
    }

    return ccl_plan_pick_target(conf, groups, n, buf, size);
}


/* configured targets keyed by a DNS domain, then the default ("*") */
static const char *
ccl_plan_pick_target(const ccl_conf_t *conf, const ccl_plan_t *groups,
    const ccl_name_t *n, char *buf, size_t size)
{
    size_t        i, best_len, klen, hlen;
    const char   *best;

    /* configured targets keyed by a DNS domain: the longest suffix wins */

    best = NULL;
    best_len = 0;
    hlen = strlen(n->host);

    for (i = 0; i < conf->ntargets; i++) {
        klen = strlen(conf->targets[i].key);

        if (strcmp(conf->targets[i].key, "*") == 0 || klen <= best_len) {
            continue;
        }

        if (strcmp(n->host, conf->targets[i].key) == 0
            || (hlen > klen && n->host[hlen - klen - 1] == '.'
                && strcmp(n->host + hlen - klen, conf->targets[i].key) == 0))
        {
            best = conf->targets[i].key;
            best_len = klen;
        }
    }

    if (best != NULL && ccl_target_group_name(best, buf, size) == 0
        && ccl_plan_group(groups, buf) != NULL)
    {
        return buf;
    }

    if (ccl_plan_group(groups, CCL_TARGET_DEFAULT_GROUP) != NULL) {
        ccl_strlcpy(buf, CCL_TARGET_DEFAULT_GROUP, size);
        return buf;
    }

    return NULL;
}


static int
ccl_plan_domain_routes(ccl_plan_t *p, const ccl_domain_t *d,
    const ccl_plan_t *groups)
{
    char               key[CCLINK_NAME_MAX * 2 + 64];
    char               gname[CCLINK_GROUP_MAX * 2];
    char               label[64], rest[CCLINK_NAME_MAX + 32];
    char               erest[CCLINK_NAME_MAX * 2 + 64];
    size_t             i;
    int                glb;
    const ccl_zone_t  *z;

    if (ccl_plan_group(groups, d->id) == NULL) {
        return 0;
    }

    glb = (d->kind != CCL_DOMAIN_PLATT
           && ccl_plan_glb_form(d->dns_domain, label, sizeof(label), rest,
                                sizeof(rest)) == 0
           && ccl_plan_regex_escape(rest, erest, sizeof(erest)) == 0);

    /* zonal patterns first: a regex that names the zone must come first */

    for (i = 0; i < d->nzones; i++) {
        z = &d->zones[i];

        if (ccl_snprintf(gname, sizeof(gname), "%s.%s", d->id, z->zone) != 0
            || ccl_plan_group(groups, gname) == NULL)
        {
            continue;
        }

        if (ccl_snprintf(key, sizeof(key), "*.%s", z->subdomain) == 0
            && ccl_plan_add_route(p, key, gname, CCL_ROUTE_WILDCARD, 0, 0, 0,
                                  NULL, 0) != 0)
        {
            return -1;
        }

        if (glb
            && ccl_snprintf(key, sizeof(key), "~^[a-z0-9-]+-%s-%s\\.%s$",
                            z->label, label, erest) == 0
            && ccl_plan_add_route(p, key, gname, CCL_ROUTE_REGEX, 0, 0, 0,
                                  NULL, 0) != 0)
        {
            return -1;
        }
    }

    if (ccl_snprintf(key, sizeof(key), "*.%s", d->dns_domain) == 0
        && ccl_plan_add_route(p, key, d->id, CCL_ROUTE_WILDCARD, 0, 0, 0,
                              NULL, 0) != 0)
    {
        return -1;
    }

    if (glb
        && ccl_snprintf(key, sizeof(key), "~^[a-z0-9-]+-%s\\.%s$", label,
                        erest) == 0
        && ccl_plan_add_route(p, key, d->id, CCL_ROUTE_REGEX, 1, 0, 0, NULL,
                              0) != 0)
    {
        return -1;
    }

    if (d->endpoint_suffix != NULL && d->endpoint_suffix[0] == '.'
        && strcmp(d->endpoint_suffix + 1, d->dns_domain) != 0
        && !ccl_plan_host_in_domain(d->endpoint_suffix + 1, d->dns_domain)
        && ccl_snprintf(key, sizeof(key), "*%s", d->endpoint_suffix) == 0
        && ccl_plan_add_route(p, key, d->id, CCL_ROUTE_WILDCARD, 0, 0, 0,
                              NULL, 0) != 0)
    {
        return -1;
    }

    if (d->endpoint_suffix != NULL && d->endpoint_suffix[0] == '-'
        && ccl_plan_regex_escape(d->endpoint_suffix + 1, erest,
                                 sizeof(erest)) == 0
        && ccl_snprintf(key, sizeof(key), "~^[a-z0-9-]+-%s$", erest) == 0
        && ccl_plan_route(p, key) == NULL
        && ccl_plan_add_route(p, key, d->id, CCL_ROUTE_REGEX, 1, 0, 0, NULL,
                              0) != 0)
    {
        return -1;
    }

    return 0;
}


/*
 * A name a network, attachment or access point can serve: under its DNS
 * domain (zonal subdomains included), ending in its endpoint_suffix, or
 * in its glb form ("<x>-<label>.<region>.<cloud>.glb.confluent.cloud").
 */
static int
ccl_plan_domain_serves(const ccl_domain_t *d, const char *host)
{
    char    label[64], rest[CCLINK_NAME_MAX + 32], want[CCLINK_NAME_MAX + 100];
    size_t  i, hlen, slen;

    if (ccl_plan_host_in_domain(host, d->dns_domain)) {
        return 1;
    }

    for (i = 0; i < d->nzones; i++) {
        if (ccl_plan_host_in_domain(host, d->zones[i].subdomain)) {
            return 1;
        }
    }

    hlen = strlen(host);

    if (d->endpoint_suffix != NULL) {
        slen = strlen(d->endpoint_suffix);

        if (hlen > slen
            && strcmp(host + hlen - slen, d->endpoint_suffix) == 0)
        {
            return 1;
        }
    }

    if (ccl_plan_glb_form(d->dns_domain, label, sizeof(label), rest,
                          sizeof(rest)) == 0
        && ccl_snprintf(want, sizeof(want), "-%s.%s", label, rest) == 0)
    {
        slen = strlen(want);

        if (hlen > slen && strcmp(host + hlen - slen, want) == 0) {
            return 1;
        }
    }

    return 0;
}


int
ccl_plan_build(ccl_plan_t *p, const ccl_conf_t *conf, const ccl_model_t *m,
    const ccl_plan_t *groups)
{
    char                 buf[CCLINK_GROUP_MAX * 2];
    size_t               i;
    const char          *g;
    const ccl_name_t    *n;
    const ccl_domain_t  *d;

    for (i = 0; i < groups->ngroups; i++) {
        if (ccl_plan_copy_group(p, &groups->groups[i]) != 0) {
            return -1;
        }
    }

    for (i = 0; i < m->nnames; i++) {
        n = &m->names[i];

        if (!(n->service & conf->services)) {
            continue;
        }

        /* the network, attachment or access point it came with */
        d = (n->network != NULL) ? ccl_model_domain(m, n->network) : NULL;

        if (d != NULL && !ccl_plan_domain_serves(d, n->host)) {
            ccl_log(CCL_LOG_WARN, "name_refused", "host=%s resource=%s "
                    "network=%s error=%s", n->host, n->resource, n->network,
                    "not under the DNS domain, zonal subdomains, endpoint "
                    "suffix or glb form of its network, attachment or "
                    "access point: never routed");
            continue;
        }

        /*
         * Peering, transit gateway, private network interface: no
         * PrivateLink endpoint of a discovered domain serves the name;
         * only a target line for its DNS domain (or "*") may route it.
         */

        if (n->connection != NULL) {
            g = ccl_plan_pick_target(conf, groups, n, buf, sizeof(buf));

            if (g == NULL) {
                ccl_log(CCL_LOG_INFO, "route_skipped_connection", "host=%s "
                        "resource=%s connection_type=%s note=%s", n->host,
                        n->resource, n->connection, "reached without a "
                        "PrivateLink endpoint: not routed unless a target "
                        "line covers its domain");
                continue;
            }

            ccl_log(CCL_LOG_INFO, "route_by_target", "host=%s resource=%s "
                    "connection_type=%s group=%s", n->host, n->resource,
                    n->connection, g);

        } else {
            g = ccl_plan_pick_group(conf, m, groups, n, buf, sizeof(buf));
        }

        if (g == NULL) {
            ccl_log(CCL_LOG_WARN, "route_no_target",
                    "host=%s resource=%s network=%s error=%s", n->host,
                    n->resource, n->network,
                    "no network, attachment, access point or configured "
                    "target covers this name");
            continue;
        }

        if (ccl_plan_add_route(p, n->host, g, CCL_ROUTE_EXACT, 0, n->kinds,
                               n->service, n->resource, 0) != 0)
        {
            return -1;
        }
    }

    for (i = 0; i < m->ndomains; i++) {
        if (ccl_plan_domain_routes(p, &m->domains[i], groups) != 0) {
            return -1;
        }
    }

    ccl_plan_sort(p);

    return 0;
}


static int
ccl_route_cmp(const void *a, const void *b)
{
    const ccl_route_t  *x, *y;

    x = a;
    y = b;

    if (x->kind != y->kind) {
        return x->kind - y->kind;
    }

    if (x->prio != y->prio) {
        return x->prio - y->prio;
    }

    return strcmp(x->key, y->key);
}


static int
ccl_addr_cmp(const void *a, const void *b)
{
    int                rc;
    const ccl_addr_t  *x, *y;

    x = a;
    y = b;

    rc = strcmp(x->zone, y->zone);
    if (rc != 0) {
        return rc;
    }

    return strcmp(x->text, y->text);
}


static int
ccl_plan_strp_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}


static int
ccl_group_cmp(const void *a, const void *b)
{
    return strcmp(((const ccl_group_t *) a)->name,
                  ((const ccl_group_t *) b)->name);
}


void
ccl_plan_sort(ccl_plan_t *p)
{
    size_t  i;

    if (p->nroutes > 1) {
        qsort(p->routes, p->nroutes, sizeof(ccl_route_t), ccl_route_cmp);

        /* the positions moved; on failure lookups fall back to none */
        if (ccl_plan_reindex(p) != 0) {
            free(p->index);
            p->index = NULL;
            p->index_cap = 0;
        }
    }

    if (p->ngroups > 1) {
        qsort(p->groups, p->ngroups, sizeof(ccl_group_t), ccl_group_cmp);
    }

    for (i = 0; i < p->ngroups; i++) {
        if (p->groups[i].naddrs > 1) {
            qsort(p->groups[i].addrs, p->groups[i].naddrs,
                  sizeof(ccl_addr_t), ccl_addr_cmp);
        }
    }
}


int
ccl_plan_clusters_without_brokers(const ccl_plan_t *p, ccl_strv_t *out)
{
    size_t              i;
    ccl_strv_t          with;
    const ccl_route_t  *r;

    /* the clusters that have a broker route, sorted for bsearch() */
    ccl_strv_init(&with);

    for (i = 0; i < p->nroutes; i++) {
        r = &p->routes[i];

        if ((r->names & CCL_NAME_BROKER) && r->resource != NULL
            && ccl_strv_add(&with, r->resource) != 0)
        {
            ccl_strv_release(&with);
            return -1;
        }
    }

    ccl_strv_sort(&with);
    ccl_strv_uniq(&with);

    for (i = 0; i < p->nroutes; i++) {
        r = &p->routes[i];

        if (!(r->names & CCL_NAME_BOOTSTRAP) || r->resource == NULL) {
            continue;
        }

        if (with.n > 0
            && bsearch(&r->resource, with.v, with.n, sizeof(char *),
                       ccl_plan_strp_cmp) != NULL)
        {
            continue;
        }

        if (ccl_strv_add(out, r->resource) != 0) {
            ccl_strv_release(&with);
            return -1;
        }
    }

    ccl_strv_release(&with);
    ccl_strv_sort(out);
    ccl_strv_uniq(out);

    return 0;
}
