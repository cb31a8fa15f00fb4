/*
 * Copyright (C) cclink authors
 *
 * The discovered model (ccl_model.h): its data, host names, adding names,
 * endpoints, clusters and brokers, and finishing a discovery. The API's
 * list parsers are in ccl_model_cluster.c and ccl_model_network.c.
 */


#include <ctype.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccl_conf.h"
#include "ccl_log.h"
#include "ccl_model.h"
#include "ccl_model_parse.h"


static int ccl_name_cmp(const void *a, const void *b);
static int ccl_domain_cmp(const void *a, const void *b);
static int ccl_cluster_cmp(const void *a, const void *b);
static void ccl_name_release(ccl_name_t *n);
static void ccl_domain_release(ccl_domain_t *d);
static int ccl_model_attachment_covers(const ccl_model_t *m,
    const char *host);


void
ccl_model_init(ccl_model_t *m)
{
    memset(m, 0, sizeof(*m));
    ccl_strv_init(&m->envs);
    ccl_strv_init(&m->regions);
}


static void
ccl_name_release(ccl_name_t *n)
{
    free(n->host);
    free(n->resource);
    free(n->env);
    free(n->network);
    free(n->region_key);
}


static void
ccl_domain_release(ccl_domain_t *d)
{
    size_t  i;

    free(d->id);
    free(d->env);
    free(d->dns_domain);
    free(d->endpoint_suffix);
    free(d->cloud);
    free(d->region);

    for (i = 0; i < d->nzones; i++) {
        free(d->zones[i].zone);
        free(d->zones[i].subdomain);
        free(d->zones[i].label);
    }

    free(d->zones);
}


void
ccl_model_release(ccl_model_t *m)
{
    size_t  i;

    for (i = 0; i < m->nnames; i++) {
        ccl_name_release(&m->names[i]);
    }

    for (i = 0; i < m->ndomains; i++) {
        ccl_domain_release(&m->domains[i]);
    }

    for (i = 0; i < m->nclusters; i++) {
        free(m->clusters[i].id);
        free(m->clusters[i].env);
        free(m->clusters[i].bootstrap);
        free(m->clusters[i].network);
    }

    free(m->names);
    free(m->domains);
    free(m->clusters);
    ccl_strv_release(&m->envs);
    ccl_strv_release(&m->regions);

    ccl_model_init(m);
}


/* host names */


int
ccl_model_valid_host(const char *s)
{
    /* a host name of two labels at least */
    return cclink_valid_host(s, strlen(s)) && strchr(s, '.') != NULL;
}


int
ccl_model_host(const char *endpoint, char *host, unsigned *port)
{
    size_t          len;
    const char     *p, *end, *scheme, *colon;
    unsigned long   v;
    char            num[8];

    *port = 0;

    p = endpoint;
    while (*p == ' ' || *p == '\t') {
        p++;
    }

    scheme = strstr(p, "://");
    if (scheme != NULL) {
        p = scheme + 3;
    }

    end = p;
    while (*end != '\0' && *end != '/' && *end != '?' && *end != '#'
           && *end != ',')
    {
        end++;
    }

    /* trailing blanks are tolerated, blanks inside are not */
    while (end > p && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }

    if (memchr(p, '@', (size_t) (end - p)) != NULL) {
        return -1;   /* user info: not an endpoint we understand */
    }

    colon = memchr(p, ':', (size_t) (end - p));

    if (colon != NULL) {
        len = (size_t) (end - colon - 1);
        if (len == 0 || len >= sizeof(num)) {
            return -1;
        }
        memcpy(num, colon + 1, len);
        num[len] = '\0';
        if (ccl_parse_ulong(num, 65535, &v) != 0 || v == 0) {
            return -1;
        }
        *port = (unsigned) v;
        end = colon;
    }

    len = (size_t) (end - p);

    if (len > 0 && p[len - 1] == '.') {
        len--;
    }

    if (len == 0 || len > CCLINK_NAME_MAX) {
        return -1;
    }

    memcpy(host, p, len);
    host[len] = '\0';
    ccl_str_lower(host);

    return ccl_model_valid_host(host) ? 0 : -1;
}


/* names */


int
ccl_model_confluent_name(const char *host)
{
    size_t  len;

    len = strlen(host);

    return len > sizeof(".confluent.cloud") - 1
           && strcasecmp(host + len - (sizeof(".confluent.cloud") - 1),
                         ".confluent.cloud") == 0;
}


const char *
ccl_model_direct_connection(const char *type)
{
    size_t              i;
    static const char  *direct[] = {
        "PEERING", "TRANSIT_GATEWAY", "PRIVATE_NETWORK_INTERFACE"
    };
    static const char  *spelt[] = {
        "PEERING", "TRANSITGATEWAY", "PRIVATENETWORKINTERFACE"
    };

    for (i = 0; type != NULL && i < sizeof(direct) / sizeof(direct[0]); i++)
    {
        if (strcasecmp(type, direct[i]) == 0
            || strcasecmp(type, spelt[i]) == 0)
        {
            return direct[i];
        }
    }

    return NULL;
}


void
ccl_model_mark_connection(ccl_model_t *m, size_t from, const char *type)
{
    const char  *c;

    c = ccl_model_direct_connection(type);

    for ( /* void */ ; c != NULL && from < m->nnames; from++) {
        m->names[from].connection = c;
    }
}


/* sources */


static const char  *ccl_model_sources[CCL_SRC_COUNT] = {
    "endpoint/v1", "cmk/v2", "srcm/v3", "fcpm/v2", "networking/v1",
    "kafka-metadata"
};


unsigned
ccl_model_source_bit(const char *source)
{
    unsigned  i;

    for (i = 0; source != NULL && i < CCL_SRC_COUNT; i++) {
        if (strcmp(source, ccl_model_sources[i]) == 0) {
            return 1u << i;
        }
    }

    return 0;
}


const char *
ccl_model_source_name(unsigned n)
{
    return (n < CCL_SRC_COUNT) ? ccl_model_sources[n] : "";
}


/* adding things */


int
ccl_model_add_name(ccl_model_t *m, const char *host, unsigned kinds,
    unsigned service, const char *resource, const char *env,
    const char *network, const char *source)
{
    char        h[CCLINK_NAME_MAX + 1];
    size_t      cap;
    unsigned    port;
    ccl_name_t *nn, *n;

    if (ccl_model_host(host, h, &port) != 0) {
        return -1;
    }

    if (!ccl_model_confluent_name(h)) {
        ccl_log(CCL_LOG_WARN, "name_refused", "host=%s resource=%s "
                "source=%s error=%s", h, resource, source,
                "not a Confluent Cloud name (*.confluent.cloud): never "
                "routed");
        return 0;
    }

    if (m->nnames == m->names_cap) {
        cap = m->names_cap ? m->names_cap * 2 : 32;
        nn = realloc(m->names, cap * sizeof(ccl_name_t));
        if (nn == NULL) {
            return -1;
        }
        m->names = nn;
        m->names_cap = cap;
    }

    n = &m->names[m->nnames];
    memset(n, 0, sizeof(*n));

    n->host = ccl_strdup(h);
    n->kinds = kinds;
    n->service = service;
    n->resource = ccl_strdup(resource);
    n->env = ccl_strdup(env);
    n->network = ccl_strdup(network);
    n->source = source;
    n->sources = ccl_model_source_bit(source);

    if (n->host == NULL || (resource != NULL && n->resource == NULL)
        || (env != NULL && n->env == NULL)
        || (network != NULL && n->network == NULL))
    {
        ccl_name_release(n);
        return -1;
    }

    m->nnames++;

    return 0;
}


int
ccl_model_add_endpoint(ccl_model_t *m, ccl_item_ctx_t *ctx,
    const char *field, const char *endpoint, unsigned kinds,
    unsigned service, const char *resource, const char *env,
    const char *network, const char *source)
{
    char         h[CCLINK_NAME_MAX + 1], hp[CCLINK_NAME_MAX + 16], one[512];
    size_t       len;
    unsigned     port;
    const char  *p, *comma;

    /* a bootstrap may list several servers: "a:9092,b:9092" */

    for (p = endpoint; *p != '\0'; p = comma + 1) {
        comma = strchr(p, ',');
        len = (comma != NULL) ? (size_t) (comma - p) : strlen(p);

        if (len >= sizeof(one) || len == 0) {
            ccl_model_bad(ctx, field, "invalid endpoint");
            return -1;
        }

        memcpy(one, p, len);
        one[len] = '\0';

        if (ccl_model_host(one, h, &port) != 0) {
            ccl_model_bad(ctx, field, "not a valid host name");
            return -1;
        }

        if (ccl_model_add_name(m, h, kinds, service, resource, env, network,
                               source) != 0)
        {
            return -1;
        }

        /* refused (and logged) by ccl_model_add_name(): not a bootstrap */
        if ((kinds & CCL_NAME_BOOTSTRAP) && resource != NULL
            && ccl_model_confluent_name(h))
        {
            snprintf(hp, sizeof(hp), "%s:%u", h, port ? port : 9092);

            if (ccl_model_add_cluster(m, resource, env, hp, network) != 0) {
                return -1;
            }
        }

        if (comma == NULL) {
            break;
        }
    }

    return 0;
}


int
ccl_model_add_cluster(ccl_model_t *m, const char *id, const char *env,
    const char *bootstrap, const char *network)
{
    size_t          i;
    ccl_cluster_t  *nc, *c;

    for (i = 0; i < m->nclusters; i++) {
        c = &m->clusters[i];

        if (strcmp(c->id, id) == 0) {
            if (c->network == NULL && network != NULL) {
                c->network = ccl_strdup(network);
            }
            return 0;
        }
    }

    nc = realloc(m->clusters, (m->nclusters + 1) * sizeof(ccl_cluster_t));
    if (nc == NULL) {
        return -1;
    }

    m->clusters = nc;
    c = &m->clusters[m->nclusters];
    c->id = ccl_strdup(id);
    c->env = ccl_strdup(env);
    c->bootstrap = ccl_strdup(bootstrap);
    c->network = ccl_strdup(network);
    m->nclusters++;

    if (c->id == NULL || c->bootstrap == NULL) {
        return -1;
    }

    return 0;
}


int
ccl_model_add_region(ccl_model_t *m, const char *cloud, const char *region)
{
    char  key[128];

    if (cloud == NULL || region == NULL || cloud[0] == '\0'
        || region[0] == '\0')
    {
        return 0;
    }

    if (ccl_snprintf(key, sizeof(key), "%s/%s", cloud, region) != 0) {
        return 0;
    }

    ccl_str_lower(key);

    if (ccl_strv_has(&m->regions, key)) {
        return 0;
    }

    return ccl_strv_add(&m->regions, key);
}


/*
 * Both spellings of the documented values are accepted (PRIVATE_LINK and
 * PRIVATELINK); anything but PUBLIC counts as private, so a new private
 * connection type is routed rather than lost.
 */
int
ccl_model_connection_private(const char *type)
{
    if (type == NULL) {
        return 1;
    }

    return strcasecmp(type, "PUBLIC") != 0;
}


int
ccl_model_add_broker(ccl_model_t *m, const char *cluster, const char *env,
    const char *network, const char *host, unsigned port)
{
    unsigned char  addr[sizeof(struct in6_addr)];

    /*
     * A broker advertised by address cannot be told apart by SNI (clients
     * send no server name for an IP literal) and has no place in a hosts
     * file: it is not a name to route.
     */

    if (inet_pton(AF_INET, host, addr) == 1
        || inet_pton(AF_INET6, host, addr) == 1)
    {
        ccl_log(CCL_LOG_WARN, "broker_by_address", "cluster=%s host=%s "
                "error=%s", cluster, host, "advertised as an address, "
                "not a name: not routed");
        return 0;
    }

    return ccl_model_add_name(m, host, CCL_NAME_BROKER, CCL_SVC_KAFKA,
                              cluster, env, network, "kafka-metadata");
}


/* finishing */


/* 1 when host is under the DNS domain of an attachment or access point */
static int
ccl_model_attachment_covers(const ccl_model_t *m, const char *host)
{
    size_t               i, hlen, dlen;
    const ccl_domain_t  *d;

    hlen = strlen(host);

    for (i = 0; i < m->ndomains; i++) {
        d = &m->domains[i];

        if (d->kind == CCL_DOMAIN_NETWORK) {
            continue;
        }

        dlen = strlen(d->dns_domain);

        if (hlen > dlen + 1 && host[hlen - dlen - 1] == '.'
            && strcmp(host + hlen - dlen, d->dns_domain) == 0)
        {
            return 1;
        }
    }

    return 0;
}



/* optional strings: present before absent */
static int
ccl_opt_present_cmp(const char *x, const char *y)
{
    return (x == NULL) - (y == NULL);
}


/* optional strings: by content when both are present */
static int
ccl_opt_str_cmp(const char *x, const char *y)
{
    return (x != NULL && y != NULL) ? strcmp(x, y) : 0;
}


static int
ccl_name_cmp(const void *a, const void *b)
{
    int                rc;
    const ccl_name_t  *x, *y;

    x = a;
    y = b;

    rc = strcmp(x->host, y->host);

    /* deterministic merge order: the most specific source first */

    if (rc == 0) {
        rc = ccl_opt_present_cmp(x->resource, y->resource);
    }

    if (rc == 0) {
        rc = ccl_opt_present_cmp(x->network, y->network);
    }

    if (rc == 0) {
        rc = ccl_opt_str_cmp(x->resource, y->resource);
    }

    if (rc == 0) {
        rc = ccl_opt_str_cmp(x->network, y->network);
    }

    if (rc == 0) {
        rc = ccl_opt_present_cmp(x->env, y->env);
    }

    if (rc == 0) {
        rc = ccl_opt_str_cmp(x->env, y->env);
    }

    return (rc != 0) ? rc : (int) x->kinds - (int) y->kinds;
}


static int
ccl_domain_cmp(const void *a, const void *b)
{
    return strcmp(((const ccl_domain_t *) a)->id,
                  ((const ccl_domain_t *) b)->id);
}


static int
ccl_cluster_cmp(const void *a, const void *b)
{
    return strcmp(((const ccl_cluster_t *) a)->id,
                  ((const ccl_cluster_t *) b)->id);
}


int
ccl_model_finish(ccl_model_t *m)
{
    size_t       i, j;
    ccl_name_t  *n, *keep;

    /* Flink regions where nothing else lives are not ours to route */

    j = 0;

    for (i = 0; i < m->nnames; i++) {
        n = &m->names[i];

        if (n->region_key != NULL
            && !ccl_strv_has(&m->regions, n->region_key))
        {
            ccl_name_release(n);
            continue;
        }

        /*
         * A region's private Flink name (fcpm/v2 alone) is served through
         * a PrivateLink attachment or access point: without one whose
         * domain holds it, nothing could answer there.
         */

        if (n->region_key != NULL && n->sources == CCL_SRC_FCPM
            && !ccl_model_attachment_covers(m, n->host))
        {
            ccl_log(CCL_LOG_DEBUG, "name_not_served", "host=%s source=%s "
                    "error=%s", n->host, "fcpm/v2", "no PrivateLink "
                    "attachment or access point domain holds it");
            ccl_name_release(n);
            continue;
        }

        m->names[j++] = *n;
    }

    m->nnames = j;

    if (m->nnames > 1) {
        qsort(m->names, m->nnames, sizeof(ccl_name_t), ccl_name_cmp);
    }

    j = 0;

    for (i = 0; i < m->nnames; i++) {
        n = &m->names[i];

        if (j > 0 && strcmp(m->names[j - 1].host, n->host) == 0) {
            keep = &m->names[j - 1];
            keep->kinds |= n->kinds;
            keep->sources |= n->sources;

            if (keep->connection == NULL) {
                keep->connection = n->connection;
            }

            if (keep->service != n->service) {
                ccl_log(CCL_LOG_WARN, "name_conflict",
                        "host=%s error=%s", n->host,
                        "listed for two services");
            }

            if (keep->env != NULL && n->env != NULL
                && strcmp(keep->env, n->env) != 0)
            {
                ccl_log(CCL_LOG_WARN, "name_conflict", "host=%s env=%s "
                        "other_env=%s error=%s", n->host, keep->env, n->env,
                        "the same name in two environments: an SNI proxy "
                        "cannot tell them apart; routed as in the first");
            }

            ccl_name_release(n);
            continue;
        }

        m->names[j++] = *n;
    }

    m->nnames = j;

    if (m->ndomains > 1) {
        qsort(m->domains, m->ndomains, sizeof(ccl_domain_t), ccl_domain_cmp);
    }

    if (m->nclusters > 1) {
        qsort(m->clusters, m->nclusters, sizeof(ccl_cluster_t),
              ccl_cluster_cmp);
    }

    ccl_strv_sort(&m->envs);
    ccl_strv_sort(&m->regions);

    return 0;
}


const ccl_domain_t *
ccl_model_domain(const ccl_model_t *m, const char *id)
{
    size_t  i;

    for (i = 0; i < m->ndomains; i++) {
        if (strcmp(m->domains[i].id, id) == 0) {
            return &m->domains[i];
        }
    }

    return NULL;
}


const ccl_cluster_t *
ccl_model_cluster(const ccl_model_t *m, const char *id)
{
    size_t  i;

    for (i = 0; i < m->nclusters; i++) {
        if (strcmp(m->clusters[i].id, id) == 0) {
            return &m->clusters[i];
        }
    }

    return NULL;
}
