/*
 * Copyright (C) cclink authors
 */


#include <ctype.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccl_conf.h"
#include "ccl_log.h"
#include "ccl_model.h"


typedef struct {
    const char          *call;
    size_t               index;
    unsigned            *bad;
} ccl_item_ctx_t;


static json_t *ccl_model_data(json_t *page, const char *call);
static int ccl_json_str(json_t *obj, const char *key, const char **out);
static int ccl_json_path_str(json_t *obj, const char *path,
    const char **out);
static void ccl_model_bad(ccl_item_ctx_t *ctx, const char *field,
    const char *error);
static int ccl_model_opt_str(ccl_item_ctx_t *ctx, json_t *obj,
    const char *path, const char **out);
static int ccl_model_req_str(ccl_item_ctx_t *ctx, json_t *obj,
    const char *path, const char **out);
static int ccl_model_add_endpoint(ccl_model_t *m, ccl_item_ctx_t *ctx,
    const char *field, const char *endpoint, unsigned kinds,
    unsigned service, const char *resource, const char *env,
    const char *network, const char *source);
static int ccl_model_add_cluster(ccl_model_t *m, const char *id,
    const char *env, const char *bootstrap, const char *network);
static int ccl_model_add_region(ccl_model_t *m, const char *cloud,
    const char *region);
static int ccl_model_add_domain(ccl_model_t *m, ccl_item_ctx_t *ctx,
    int kind, const char *id, const char *env, const char *dns_domain,
    const char *suffix, const char *cloud, const char *region,
    json_t *zones);
static int ccl_model_connection_private(const char *type);
static int ccl_name_cmp(const void *a, const void *b);
static int ccl_domain_cmp(const void *a, const void *b);
static int ccl_zone_cmp(const void *a, const void *b);
static int ccl_cluster_cmp(const void *a, const void *b);
static void ccl_name_release(ccl_name_t *n);
static void ccl_domain_release(ccl_domain_t *d);
static int ccl_model_valid_id(const char *s);
static void ccl_model_mark_connection(ccl_model_t *m, size_t from,
    const char *type);
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


/* JSON helpers */


static json_t *
ccl_model_data(json_t *page, const char *call)
{
    json_t  *data;

    if (!json_is_object(page)) {
        ccl_log(CCL_LOG_ERROR, "api_bad_response", "call=%s error=%s", call,
                "response is not a JSON object");
        return NULL;
    }

    data = json_object_get(page, "data");

    if (!json_is_array(data)) {
        ccl_log(CCL_LOG_ERROR, "api_bad_response", "call=%s field=%s "
                "error=%s", call, "data",
                data == NULL ? "missing" : "not an array");
        return NULL;
    }

    return data;
}


/* 0: a string; 1: missing or null; -1: another type */
static int
ccl_json_str(json_t *obj, const char *key, const char **out)
{
    json_t  *v;

    *out = NULL;

    if (!json_is_object(obj)) {
        return 1;
    }

    v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v)) {
        return 1;
    }

    if (!json_is_string(v)) {
        return -1;
    }

    *out = json_string_value(v);

    return 0;
}


/*
 * "a.b.c": missing or null objects on the way count as missing; "x.id"
 * also accepts a string x (a reference written as its id)
 */
static int
ccl_json_path_str(json_t *obj, const char *path, const char **out)
{
    char         key[64];
    size_t       len;
    const char  *dot;

    *out = NULL;

    for ( ;; ) {
        dot = strchr(path, '.');

        if (dot == NULL) {
            return ccl_json_str(obj, path, out);
        }

        len = (size_t) (dot - path);
        if (len >= sizeof(key)) {
            return -1;
        }

        memcpy(key, path, len);
        key[len] = '\0';

        if (!json_is_object(obj)) {
            return 1;
        }

        obj = json_object_get(obj, key);

        if (obj == NULL || json_is_null(obj)) {
            return 1;
        }

        path = dot + 1;

        /* a reference given as its bare id instead of {"id": ...} */
        if (json_is_string(obj) && strcmp(path, "id") == 0) {
            *out = json_string_value(obj);
            return 0;
        }

        if (!json_is_object(obj)) {
            return -1;
        }
    }
}


static void
ccl_model_bad(ccl_item_ctx_t *ctx, const char *field, const char *error)
{
    char  path[256];

    if (field != NULL) {
        snprintf(path, sizeof(path), "data[%zu].%s", ctx->index, field);
    } else {
        snprintf(path, sizeof(path), "data[%zu]", ctx->index);
    }

    ccl_log(CCL_LOG_WARN, "api_bad_item", "call=%s field=%s error=%s",
            ctx->call, path, error);

    (*ctx->bad)++;
}


static int
ccl_model_opt_str(ccl_item_ctx_t *ctx, json_t *obj, const char *path,
    const char **out)
{
    if (ccl_json_path_str(obj, path, out) < 0) {
        ccl_model_bad(ctx, path, "not a string");
        return -1;
    }

    return 0;
}


static int
ccl_model_req_str(ccl_item_ctx_t *ctx, json_t *obj, const char *path,
    const char **out)
{
    int  rc;

    rc = ccl_json_path_str(obj, path, out);

    if (rc < 0) {
        ccl_model_bad(ctx, path, "not a string");
        return -1;
    }

    if (rc > 0 || (*out)[0] == '\0') {
        ccl_model_bad(ctx, path, "missing");
        return -1;
    }

    return 0;
}


static int
ccl_model_valid_id(const char *s)
{
    size_t  n;

    for (n = 0; s[n] != '\0'; n++) {
        if (!isalnum((unsigned char) s[n]) && s[n] != '-' && s[n] != '_'
            && s[n] != '.')
        {
            return 0;
        }
    }

    return n > 0 && n <= 64;
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


static void
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


static int
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


static int
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


static int
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
static int
ccl_model_connection_private(const char *type)
{
    if (type == NULL) {
        return 1;
    }

    return strcasecmp(type, "PUBLIC") != 0;
}


/* parsers */


int
ccl_model_parse_environments(ccl_model_t *m, const char *env, json_t *page,
    const char *call, unsigned *bad)
{
    size_t           i;
    json_t          *data, *item;
    const char      *id;
    ccl_item_ctx_t   ctx;

    data = ccl_model_data(page, call);
    if (data == NULL) {
        return -1;
    }

    ctx.call = call;
    ctx.bad = bad;

    json_array_foreach(data, i, item) {
        ctx.index = i;

        if (ccl_model_req_str(&ctx, item, "id", &id) != 0) {
            continue;
        }

        if (!ccl_model_valid_id(id)) {
            ccl_model_bad(&ctx, "id", "invalid environment id");
            continue;
        }

        if (!ccl_strv_has(&m->envs, id) && ccl_strv_add(&m->envs, id) != 0)
        {
            return -1;
        }
    }

    return 0;
}


int
ccl_model_parse_endpoints(ccl_model_t *m, const char *env, json_t *page,
    const char *call, unsigned *bad)
{
    size_t           i, first;
    json_t          *data, *item, *priv;
    unsigned         kinds, service;
    const char      *endpoint, *type, *svc, *conn, *resource, *ap, *cloud;
    const char      *region, *e;
    ccl_item_ctx_t   ctx;

    data = ccl_model_data(page, call);
    if (data == NULL) {
        return -1;
    }

    ctx.call = call;
    ctx.bad = bad;

    json_array_foreach(data, i, item) {
        ctx.index = i;

        if (!json_is_object(item)) {
            ccl_model_bad(&ctx, NULL, "not an object");
            continue;
        }

        if (ccl_model_req_str(&ctx, item, "endpoint", &endpoint) != 0
            || ccl_model_opt_str(&ctx, item, "endpoint_type", &type) != 0
            || ccl_model_opt_str(&ctx, item, "service", &svc) != 0
            || ccl_model_opt_str(&ctx, item, "connection_type", &conn) != 0
            || ccl_model_opt_str(&ctx, item, "resource.id", &resource) != 0
            || ccl_model_opt_str(&ctx, item, "access_point.id", &ap) != 0
            || ccl_model_opt_str(&ctx, item, "environment.id", &e) != 0
            || ccl_model_opt_str(&ctx, item, "cloud", &cloud) != 0
            || ccl_model_opt_str(&ctx, item, "region", &region) != 0)
        {
            continue;
        }

        priv = json_object_get(item, "is_private");

        if (priv != NULL && !json_is_boolean(priv) && !json_is_null(priv)) {
            ccl_model_bad(&ctx, "is_private", "not a boolean");
            continue;
        }

        if (json_is_false(priv)) {
            continue;
        }

        if (!ccl_model_connection_private(conn)) {
            continue;
        }

        if (svc == NULL || strcasecmp(svc, "KAFKA") == 0) {
            service = CCL_SVC_KAFKA;
        } else if (strcasecmp(svc, "SCHEMA_REGISTRY") == 0) {
            service = CCL_SVC_SCHEMA_REGISTRY;
        } else if (strcasecmp(svc, "FLINK") == 0) {
            service = CCL_SVC_FLINK;
        } else {
            ccl_log(CCL_LOG_DEBUG, "api_unknown_value",
                    "call=%s field=data[%zu].service value=%s", call, i,
                    svc);
            continue;
        }

        if (type == NULL) {
            kinds = CCL_NAME_OTHER;
        } else if (strcasecmp(type, "BOOTSTRAP") == 0) {
            kinds = CCL_NAME_BOOTSTRAP;
        } else if (strcasecmp(type, "REST") == 0) {
            kinds = CCL_NAME_REST;
        } else if (strcasecmp(type, "LANGUAGE_SERVICE") == 0) {
            kinds = CCL_NAME_LANGUAGE;
        } else {
            kinds = CCL_NAME_OTHER;
        }

        if (resource != NULL && !ccl_model_valid_id(resource)) {
            ccl_model_bad(&ctx, "resource.id", "invalid id");
            continue;
        }

        if (ap != NULL && !ccl_model_valid_id(ap)) {
            ccl_model_bad(&ctx, "access_point.id", "invalid id");
            continue;
        }

        if (ccl_model_add_region(m, cloud, region) != 0) {
            return -1;
        }

        first = m->nnames;

        if (ccl_model_add_endpoint(m, &ctx, "endpoint", endpoint, kinds,
                                   service, resource, e ? e : env, ap,
                                   "endpoint/v1") != 0)
        {
            continue;
        }

        ccl_model_mark_connection(m, first, conn);
    }

    return 0;
}


int
ccl_model_parse_cmk_clusters(ccl_model_t *m, const char *env, json_t *page,
    const char *call, unsigned *bad)
{
    int              found;
    size_t           i, first;
    json_t          *data, *item, *spec, *eps, *ep;
    unsigned         nbad;
    const char      *id, *network, *key, *bs, *http, *conn, *cloud;
    const char      *region, *net, *legacy_bs, *legacy_http, *phase;
    char             field[160];
    ccl_item_ctx_t   ctx;

    data = ccl_model_data(page, call);
    if (data == NULL) {
        return -1;
    }

    ctx.call = call;
    ctx.bad = bad;

    json_array_foreach(data, i, item) {
        ctx.index = i;
        nbad = *bad;

        if (ccl_model_req_str(&ctx, item, "id", &id) != 0) {
            continue;
        }

        if (!ccl_model_valid_id(id)) {
            ccl_model_bad(&ctx, "id", "invalid cluster id");
            continue;
        }

        spec = json_object_get(item, "spec");

        if (!json_is_object(spec)) {
            ccl_model_bad(&ctx, "spec", spec ? "not an object" : "missing");
            continue;
        }

        if (ccl_model_opt_str(&ctx, item, "status.phase", &phase) != 0) {
            continue;
        }

        /* still provisioning, or failed: nothing answers there yet */
        if (phase != NULL && (strcasecmp(phase, "PROVISIONING") == 0
                              || strcasecmp(phase, "FAILED") == 0))
        {
            ccl_log(CCL_LOG_DEBUG, "cluster_not_ready", "call=%s "
                    "cluster=%s phase=%s", call, id, phase);
            continue;
        }

        if (ccl_model_opt_str(&ctx, item, "spec.network.id", &network) != 0
            || ccl_model_opt_str(&ctx, item, "spec.cloud", &cloud) != 0
            || ccl_model_opt_str(&ctx, item, "spec.region", &region) != 0
            || ccl_model_opt_str(&ctx, item, "spec.kafka_bootstrap_endpoint",
                                 &legacy_bs) != 0
            || ccl_model_opt_str(&ctx, item, "spec.http_endpoint",
                                 &legacy_http) != 0)
        {
            continue;
        }

        if (network != NULL && !ccl_model_valid_id(network)) {
            ccl_model_bad(&ctx, "spec.network.id", "invalid id");
            continue;
        }

        if (ccl_model_add_region(m, cloud, region) != 0) {
            return -1;
        }

        found = 0;
        eps = json_object_get(spec, "endpoints");

        if (eps != NULL && !json_is_null(eps) && !json_is_object(eps)) {
            ccl_model_bad(&ctx, "spec.endpoints", "not an object");
            continue;
        }

        json_object_foreach(eps, key, ep) {
            snprintf(field, sizeof(field), "spec.endpoints.%s", key);

            if (!json_is_object(ep)) {
                ccl_model_bad(&ctx, field, "not an object");
                continue;
            }

            if (ccl_json_str(ep, "connection_type", &conn) < 0
                || ccl_json_str(ep, "kafka_bootstrap_endpoint", &bs) < 0
                || ccl_json_str(ep, "http_endpoint", &http) < 0)
            {
                ccl_model_bad(&ctx, field, "a field is not a string");
                continue;
            }

            if (!ccl_model_connection_private(conn)
                || strcasecmp(key, "PUBLIC") == 0)
            {
                continue;
            }

            /* the map is keyed by access point; two ids are reserved */
            net = network;
            if (strcasecmp(key, "PRIVATE_LINK") != 0
                && strcasecmp(key, "PRIVATELINK") != 0)
            {
                if (!ccl_model_valid_id(key)) {
                    ccl_model_bad(&ctx, field, "invalid access point id");
                    continue;
                }
                net = key;
            }

            first = m->nnames;

            if (bs != NULL && bs[0] != '\0') {
                snprintf(field, sizeof(field),
                         "spec.endpoints.%s.kafka_bootstrap_endpoint", key);
                if (ccl_model_add_endpoint(m, &ctx, field, bs,
                                           CCL_NAME_BOOTSTRAP, CCL_SVC_KAFKA,
                                           id, env, net, "cmk/v2") == 0)
                {
                    found = 1;
                }
            }

            if (http != NULL && http[0] != '\0') {
                snprintf(field, sizeof(field),
                         "spec.endpoints.%s.http_endpoint", key);
                if (ccl_model_add_endpoint(m, &ctx, field, http,
                                           CCL_NAME_REST, CCL_SVC_KAFKA,
                                           id, env, net, "cmk/v2") == 0)
                {
                    found = 1;
                }
            }

            ccl_model_mark_connection(m, first, conn);
        }

        if (found || *bad != nbad) {
            continue;
        }

        /*
         * Deprecated single endpoints: only for clusters that are
         * privately networked, so public clusters are not routed.
         */

        if (network == NULL
            && (legacy_bs == NULL
                || (strstr(legacy_bs, ".private.") == NULL
                    && strstr(legacy_bs, ".glb.") == NULL
                    && strstr(legacy_bs, ".accesspoint.") == NULL)))
        {
            continue;
        }

        if (legacy_bs != NULL && legacy_bs[0] != '\0') {
            (void) ccl_model_add_endpoint(m, &ctx,
                                          "spec.kafka_bootstrap_endpoint",
                                          legacy_bs, CCL_NAME_BOOTSTRAP,
                                          CCL_SVC_KAFKA, id, env, network,
                                          "cmk/v2");
        }

        if (legacy_http != NULL && legacy_http[0] != '\0') {
            (void) ccl_model_add_endpoint(m, &ctx, "spec.http_endpoint",
                                          legacy_http, CCL_NAME_REST,
                                          CCL_SVC_KAFKA, id, env, network,
                                          "cmk/v2");
        }
    }

    return 0;
}


int
ccl_model_parse_srcm_clusters(ccl_model_t *m, const char *env, json_t *page,
    const char *call, unsigned *bad)
{
    size_t           i;
    json_t          *data, *item, *regional, *url;
    const char      *id, *priv, *cloud, *region, *key;
    char             field[160];
    ccl_item_ctx_t   ctx;

    data = ccl_model_data(page, call);
    if (data == NULL) {
        return -1;
    }

    ctx.call = call;
    ctx.bad = bad;

    json_array_foreach(data, i, item) {
        ctx.index = i;

        if (ccl_model_req_str(&ctx, item, "id", &id) != 0
            || ccl_model_opt_str(&ctx, item, "spec.private_http_endpoint",
                                 &priv) != 0
            || ccl_model_opt_str(&ctx, item, "spec.cloud", &cloud) != 0
            || ccl_model_opt_str(&ctx, item, "spec.region", &region) != 0)
        {
            continue;
        }

        if (!ccl_model_valid_id(id)) {
            ccl_model_bad(&ctx, "id", "invalid cluster id");
            continue;
        }

        if (priv != NULL && priv[0] != '\0') {
            (void) ccl_model_add_endpoint(m, &ctx,
                                          "spec.private_http_endpoint", priv,
                                          CCL_NAME_REST,
                                          CCL_SVC_SCHEMA_REGISTRY, id, env,
                                          NULL, "srcm/v3");
        }

        regional = json_object_get(json_object_get(item, "spec"),
                                   "private_networking_config");
        regional = json_object_get(regional, "regional_endpoints");

        if (regional != NULL && !json_is_null(regional)
            && !json_is_object(regional))
        {
            ccl_model_bad(&ctx,
                          "spec.private_networking_config.regional_endpoints",
                          "not an object");
            continue;
        }

        json_object_foreach(regional, key, url) {
            snprintf(field, sizeof(field),
                     "spec.private_networking_config.regional_endpoints.%s",
                     key);

            if (!json_is_string(url)) {
                ccl_model_bad(&ctx, field, "not a string");
                continue;
            }

            (void) ccl_model_add_endpoint(m, &ctx, field,
                                          json_string_value(url),
                                          CCL_NAME_REST,
                                          CCL_SVC_SCHEMA_REGISTRY, id, env,
                                          NULL, "srcm/v3");
        }
    }

    return 0;
}


int
ccl_model_parse_flink_regions(ccl_model_t *m, const char *env, json_t *page,
    const char *call, unsigned *bad)
{
    char             host[CCLINK_NAME_MAX + 1], pls[CCLINK_NAME_MAX + 8];
    char             key[128];
    size_t           i, first;
    json_t          *data, *item;
    unsigned         port;
    const char      *cloud, *region, *priv;
    ccl_name_t      *n;
    ccl_item_ctx_t   ctx;

    data = ccl_model_data(page, call);
    if (data == NULL) {
        return -1;
    }

    ctx.call = call;
    ctx.bad = bad;

    json_array_foreach(data, i, item) {
        ctx.index = i;

        if (ccl_model_opt_str(&ctx, item, "cloud", &cloud) != 0
            || ccl_model_opt_str(&ctx, item, "region_name", &region) != 0
            || ccl_model_opt_str(&ctx, item, "private_http_endpoint",
                                 &priv) != 0)
        {
            continue;
        }

        if (priv == NULL || priv[0] == '\0' || cloud == NULL
            || region == NULL)
        {
            continue;
        }

        if (ccl_model_host(priv, host, &port) != 0) {
            ccl_model_bad(&ctx, "private_http_endpoint",
                          "not a valid host name");
            continue;
        }

        if (ccl_snprintf(key, sizeof(key), "%s/%s", cloud, region) != 0) {
            ccl_model_bad(&ctx, "region_name", "too long");
            continue;
        }

        ccl_str_lower(key);
        first = m->nnames;

        if (ccl_model_add_name(m, host, CCL_NAME_REST, CCL_SVC_FLINK, NULL,
                               NULL, NULL, "fcpm/v2") != 0)
        {
            return -1;
        }

        /* the language service: "flink.x" -> "flinkpls.x" */
        if (strncmp(host, "flink.", 6) == 0 || strncmp(host, "flink-", 6) == 0)
        {
            snprintf(pls, sizeof(pls), "flinkpls%s", host + 5);

            if (ccl_model_valid_host(pls)
                && ccl_model_add_name(m, pls, CCL_NAME_LANGUAGE,
                                      CCL_SVC_FLINK, NULL, NULL, NULL,
                                      "fcpm/v2") != 0)
            {
                return -1;
            }
        }

        for ( /* void */ ; first < m->nnames; first++) {
            n = &m->names[first];
            n->region_key = ccl_strdup(key);
            if (n->region_key == NULL) {
                return -1;
            }
        }
    }

    return 0;
}


static int
ccl_model_add_domain(ccl_model_t *m, ccl_item_ctx_t *ctx, int kind,
    const char *id, const char *env, const char *dns_domain,
    const char *suffix, const char *cloud, const char *region, json_t *zones)
{
    char           dom[CCLINK_NAME_MAX + 1], sub[CCLINK_NAME_MAX + 1];
    size_t         i, dlen, slen;
    json_t        *v;
    unsigned       port;
    const char    *zkey;
    ccl_zone_t    *z;
    ccl_domain_t  *nd, *d;

    if (ccl_model_host(dns_domain, dom, &port) != 0 || port != 0) {
        ccl_model_bad(ctx, kind == CCL_DOMAIN_ACCESS_POINT
                      ? "status.config.dns_domain" : "status.dns_domain",
                      "not a valid DNS domain");
        return -1;
    }

    for (i = 0; i < m->ndomains; i++) {
        if (strcmp(m->domains[i].id, id) == 0) {
            return 0;
        }
    }

    nd = realloc(m->domains, (m->ndomains + 1) * sizeof(ccl_domain_t));
    if (nd == NULL) {
        return -1;
    }

    m->domains = nd;
    d = &m->domains[m->ndomains];
    memset(d, 0, sizeof(*d));

    d->id = ccl_strdup(id);
    d->kind = kind;
    d->env = ccl_strdup(env);
    d->dns_domain = ccl_strdup(dom);
    d->cloud = ccl_strdup(cloud);
    d->region = ccl_strdup(region);

    if (d->cloud != NULL) {
        ccl_str_lower(d->cloud);
    }

    m->ndomains++;

    if (d->id == NULL || d->dns_domain == NULL) {
        return -1;
    }

    if (suffix != NULL && suffix[0] != '\0') {
        /* ".x.region.cloud.confluent.cloud" or "-x.region..." */
        if ((suffix[0] == '.' || suffix[0] == '-')
            && ccl_model_valid_host(suffix + 1))
        {
            d->endpoint_suffix = ccl_strdup(suffix);
            if (d->endpoint_suffix == NULL) {
                return -1;
            }
            ccl_str_lower(d->endpoint_suffix);

        } else {
            ccl_model_bad(ctx, "status.endpoint_suffix", "not a DNS suffix");
        }
    }

    if (zones == NULL || json_is_null(zones)) {
        return 0;
    }

    if (!json_is_object(zones)) {
        ccl_model_bad(ctx, "status.zonal_subdomains", "not an object");
        return 0;
    }

    d->zones = calloc(json_object_size(zones) + 1, sizeof(ccl_zone_t));
    if (d->zones == NULL) {
        return -1;
    }

    dlen = strlen(dom);

    json_object_foreach(zones, zkey, v) {
        if (!json_is_string(v) || !ccl_model_valid_id(zkey)
            || strlen(zkey) > 32
            || ccl_model_host(json_string_value(v), sub, &port) != 0)
        {
            ccl_model_bad(ctx, "status.zonal_subdomains",
                          "invalid zone or subdomain");
            continue;
        }

        z = &d->zones[d->nzones];
        z->zone = ccl_strdup(zkey);
        z->subdomain = ccl_strdup(sub);

        /* the label names use: the subdomain without ".<dns_domain>" */
        slen = strlen(sub);
        if (slen > dlen + 1 && strcmp(sub + slen - dlen, dom) == 0
            && sub[slen - dlen - 1] == '.')
        {
            z->label = ccl_strndup(sub, slen - dlen - 1);
        } else {
            z->label = ccl_strndup(sub, strcspn(sub, "."));
        }

        d->nzones++;

        if (z->zone == NULL || z->subdomain == NULL || z->label == NULL) {
            return -1;
        }
    }

    if (d->nzones > 1) {
        qsort(d->zones, d->nzones, sizeof(ccl_zone_t), ccl_zone_cmp);
    }

    return 0;
}


int
ccl_model_parse_networks(ccl_model_t *m, const char *env, json_t *page,
    const char *call, unsigned *bad)
{
    size_t           i;
    json_t          *data, *item, *zones;
    const char      *id, *dom, *suffix, *cloud, *region;
    ccl_item_ctx_t   ctx;

    data = ccl_model_data(page, call);
    if (data == NULL) {
        return -1;
    }

    ctx.call = call;
    ctx.bad = bad;

    json_array_foreach(data, i, item) {
        ctx.index = i;

        if (ccl_model_req_str(&ctx, item, "id", &id) != 0
            || ccl_model_opt_str(&ctx, item, "status.dns_domain", &dom) != 0
            || ccl_model_opt_str(&ctx, item, "status.endpoint_suffix",
                                 &suffix) != 0
            || ccl_model_opt_str(&ctx, item, "spec.cloud", &cloud) != 0
            || ccl_model_opt_str(&ctx, item, "spec.region", &region) != 0)
        {
            continue;
        }

        if (!ccl_model_valid_id(id)) {
            ccl_model_bad(&ctx, "id", "invalid network id");
            continue;
        }

        if (ccl_model_add_region(m, cloud, region) != 0) {
            return -1;
        }

        if (dom == NULL || dom[0] == '\0') {
            /* peering or transit gateway only: no private DNS domain */
            continue;
        }

        zones = json_object_get(json_object_get(item, "status"),
                                "zonal_subdomains");

        if (ccl_model_add_domain(m, &ctx, CCL_DOMAIN_NETWORK, id, env, dom,
                                 suffix, cloud, region, zones) != 0)
        {
            continue;
        }
    }

    return 0;
}


int
ccl_model_parse_platts(ccl_model_t *m, const char *env, json_t *page,
    const char *call, unsigned *bad)
{
    size_t           i;
    json_t          *data, *item;
    const char      *id, *dom, *cloud, *region;
    ccl_item_ctx_t   ctx;

    data = ccl_model_data(page, call);
    if (data == NULL) {
        return -1;
    }

    ctx.call = call;
    ctx.bad = bad;

    json_array_foreach(data, i, item) {
        ctx.index = i;

        if (ccl_model_req_str(&ctx, item, "id", &id) != 0
            || ccl_model_opt_str(&ctx, item, "status.dns_domain", &dom) != 0
            || ccl_model_opt_str(&ctx, item, "spec.cloud", &cloud) != 0
            || ccl_model_opt_str(&ctx, item, "spec.region", &region) != 0)
        {
            continue;
        }

        if (!ccl_model_valid_id(id)) {
            ccl_model_bad(&ctx, "id", "invalid attachment id");
            continue;
        }

        if (ccl_model_add_region(m, cloud, region) != 0) {
            return -1;
        }

        if (dom == NULL || dom[0] == '\0') {
            continue;   /* not provisioned yet */
        }

        (void) ccl_model_add_domain(m, &ctx, CCL_DOMAIN_PLATT, id, env, dom,
                                    NULL, cloud, region, NULL);
    }

    return 0;
}


int
ccl_model_parse_access_points(ccl_model_t *m, const char *env, json_t *page,
    const char *call, unsigned *bad)
{
    size_t           i;
    json_t          *data, *item;
    const char      *id, *dom;
    ccl_item_ctx_t   ctx;

    data = ccl_model_data(page, call);
    if (data == NULL) {
        return -1;
    }

    ctx.call = call;
    ctx.bad = bad;

    json_array_foreach(data, i, item) {
        ctx.index = i;

        if (ccl_model_req_str(&ctx, item, "id", &id) != 0
            || ccl_model_opt_str(&ctx, item, "status.config.dns_domain",
                                 &dom) != 0)
        {
            continue;
        }

        if (!ccl_model_valid_id(id)) {
            ccl_model_bad(&ctx, "id", "invalid access point id");
            continue;
        }

        if (dom == NULL || dom[0] == '\0') {
            continue;   /* egress or not ready: nothing to route */
        }

        (void) ccl_model_add_domain(m, &ctx, CCL_DOMAIN_ACCESS_POINT, id,
                                    env, dom, NULL, NULL, NULL, NULL);
    }

    return 0;
}


int
ccl_model_add_network_flink(ccl_model_t *m, const char *env)
{
    char           host[CCLINK_NAME_MAX + 16];
    size_t         i;
    ccl_domain_t  *d;

    for (i = 0; i < m->ndomains; i++) {
        d = &m->domains[i];

        if (d->kind != CCL_DOMAIN_NETWORK || d->endpoint_suffix == NULL
            || (env != NULL && (d->env == NULL || strcmp(d->env, env) != 0)))
        {
            continue;
        }

        if (ccl_snprintf(host, sizeof(host), "flink%s", d->endpoint_suffix)
            == 0 && ccl_model_valid_host(host)
            && ccl_model_add_name(m, host, CCL_NAME_REST, CCL_SVC_FLINK, NULL,
                                  d->env, d->id, "networking/v1") != 0)
        {
            return -1;
        }

        if (ccl_snprintf(host, sizeof(host), "flinkpls%s",
                         d->endpoint_suffix) == 0
            && ccl_model_valid_host(host)
            && ccl_model_add_name(m, host, CCL_NAME_LANGUAGE, CCL_SVC_FLINK,
                                  NULL, d->env, d->id, "networking/v1") != 0)
        {
            return -1;
        }
    }

    return 0;
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
ccl_zone_cmp(const void *a, const void *b)
{
    return strcmp(((const ccl_zone_t *) a)->zone,
                  ((const ccl_zone_t *) b)->zone);
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
