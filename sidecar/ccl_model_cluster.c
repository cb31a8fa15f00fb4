/*
 * Copyright (C) cclink authors
 *
 * The element parsers of the environment, endpoint, Kafka cluster, Schema
 * Registry cluster and Flink region APIs (ccl_model.h): one function per
 * element of data[], each given to ccl_model_parse().
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ccl_conf.h"
#include "ccl_log.h"
#include "ccl_model.h"
#include "ccl_model_parse.h"


static int ccl_model_cmk_endpoints(ccl_model_t *m, ccl_item_ctx_t *ctx,
    json_t *eps, const char *id, const char *env, const char *network);
static void ccl_model_cmk_legacy(ccl_model_t *m, ccl_item_ctx_t *ctx,
    const char *id, const char *env, const char *network,
    const char *legacy_bs, const char *legacy_http);


int
ccl_model_environment_item(ccl_model_t *m, const char *env, json_t *item,
    ccl_item_ctx_t *ctx)
{
    const char      *id;

    if (ccl_model_req_str(ctx, item, "id", &id) != 0) {
        return 0;
    }

    if (!ccl_model_valid_id(id)) {
        ccl_model_bad(ctx, "id", "invalid environment id");
        return 0;
    }

    if (!ccl_strv_has(&m->envs, id) && ccl_strv_add(&m->envs, id) != 0) {
        return -1;
    }

    return 0;
}


int
ccl_model_endpoint_item(ccl_model_t *m, const char *env, json_t *item,
    ccl_item_ctx_t *ctx)
{
    size_t           first;
    json_t          *priv;
    unsigned         kinds, service;
    const char      *endpoint, *type, *svc, *conn, *resource, *ap, *cloud;
    const char      *region, *e;

    if (!json_is_object(item)) {
        ccl_model_bad(ctx, NULL, "not an object");
        return 0;
    }

    if (ccl_model_req_str(ctx, item, "endpoint", &endpoint) != 0
        || ccl_model_opt_str(ctx, item, "endpoint_type", &type) != 0
        || ccl_model_opt_str(ctx, item, "service", &svc) != 0
        || ccl_model_opt_str(ctx, item, "connection_type", &conn) != 0
        || ccl_model_opt_str(ctx, item, "resource.id", &resource) != 0
        || ccl_model_opt_str(ctx, item, "access_point.id", &ap) != 0
        || ccl_model_opt_str(ctx, item, "environment.id", &e) != 0
        || ccl_model_opt_str(ctx, item, "cloud", &cloud) != 0
        || ccl_model_opt_str(ctx, item, "region", &region) != 0)
    {
        return 0;
    }

    priv = json_object_get(item, "is_private");

    if (priv != NULL && !json_is_boolean(priv) && !json_is_null(priv)) {
        ccl_model_bad(ctx, "is_private", "not a boolean");
        return 0;
    }

    if (json_is_false(priv)) {
        return 0;
    }

    if (!ccl_model_connection_private(conn)) {
        return 0;
    }

    if (svc == NULL || strcasecmp(svc, "KAFKA") == 0) {
        service = CCL_SVC_KAFKA;
    } else if (strcasecmp(svc, "SCHEMA_REGISTRY") == 0) {
        service = CCL_SVC_SCHEMA_REGISTRY;
    } else if (strcasecmp(svc, "FLINK") == 0) {
        service = CCL_SVC_FLINK;
    } else {
        ccl_log(CCL_LOG_DEBUG, "api_unknown_value",
                "call=%s field=data[%zu].service value=%s", ctx->call,
                ctx->index, svc);
        return 0;
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
        ccl_model_bad(ctx, "resource.id", "invalid id");
        return 0;
    }

    if (ap != NULL && !ccl_model_valid_id(ap)) {
        ccl_model_bad(ctx, "access_point.id", "invalid id");
        return 0;
    }

    if (ccl_model_add_region(m, cloud, region) != 0) {
        return -1;
    }

    first = m->nnames;

    if (ccl_model_add_endpoint(m, ctx, "endpoint", endpoint, kinds,
                               service, resource, e ? e : env, ap,
                               "endpoint/v1") != 0)
    {
        return 0;
    }

    ccl_model_mark_connection(m, first, conn);

    return 0;
}


int
ccl_model_cmk_cluster_item(ccl_model_t *m, const char *env, json_t *item,
    ccl_item_ctx_t *ctx)
{
    int              found;
    json_t          *spec, *eps;
    unsigned         nbad;
    const char      *id, *network, *cloud, *region, *legacy_bs;
    const char      *legacy_http, *phase;

    nbad = *ctx->bad;

    if (ccl_model_req_str(ctx, item, "id", &id) != 0) {
        return 0;
    }

    if (!ccl_model_valid_id(id)) {
        ccl_model_bad(ctx, "id", "invalid cluster id");
        return 0;
    }

    spec = json_object_get(item, "spec");

    if (!json_is_object(spec)) {
        ccl_model_bad(ctx, "spec", spec ? "not an object" : "missing");
        return 0;
    }

    if (ccl_model_opt_str(ctx, item, "status.phase", &phase) != 0) {
        return 0;
    }

    /* still provisioning, or failed: nothing answers there yet */
    if (phase != NULL && (strcasecmp(phase, "PROVISIONING") == 0
                          || strcasecmp(phase, "FAILED") == 0))
    {
        ccl_log(CCL_LOG_DEBUG, "cluster_not_ready", "call=%s "
                "cluster=%s phase=%s", ctx->call, id, phase);
        return 0;
    }

    if (ccl_model_opt_str(ctx, item, "spec.network.id", &network) != 0
        || ccl_model_opt_str(ctx, item, "spec.cloud", &cloud) != 0
        || ccl_model_opt_str(ctx, item, "spec.region", &region) != 0
        || ccl_model_opt_str(ctx, item, "spec.kafka_bootstrap_endpoint",
                             &legacy_bs) != 0
        || ccl_model_opt_str(ctx, item, "spec.http_endpoint",
                             &legacy_http) != 0)
    {
        return 0;
    }

    if (network != NULL && !ccl_model_valid_id(network)) {
        ccl_model_bad(ctx, "spec.network.id", "invalid id");
        return 0;
    }

    if (ccl_model_add_region(m, cloud, region) != 0) {
        return -1;
    }

    eps = json_object_get(spec, "endpoints");

    if (eps != NULL && !json_is_null(eps) && !json_is_object(eps)) {
        ccl_model_bad(ctx, "spec.endpoints", "not an object");
        return 0;
    }

    found = ccl_model_cmk_endpoints(m, ctx, eps, id, env, network);

    if (found || *ctx->bad != nbad) {
        return 0;
    }

    ccl_model_cmk_legacy(m, ctx, id, env, network, legacy_bs, legacy_http);

    return 0;
}


/* spec.endpoints, keyed by access point: 1 when a name was added */
static int
ccl_model_cmk_endpoints(ccl_model_t *m, ccl_item_ctx_t *ctx, json_t *eps,
    const char *id, const char *env, const char *network)
{
    int          found;
    char         field[160];
    size_t       first;
    json_t      *ep;
    const char  *key, *bs, *http, *conn, *net;

    found = 0;

    json_object_foreach(eps, key, ep) {
        snprintf(field, sizeof(field), "spec.endpoints.%s", key);

        if (!json_is_object(ep)) {
            ccl_model_bad(ctx, field, "not an object");
            continue;
        }

        if (ccl_json_str(ep, "connection_type", &conn) < 0
            || ccl_json_str(ep, "kafka_bootstrap_endpoint", &bs) < 0
            || ccl_json_str(ep, "http_endpoint", &http) < 0)
        {
            ccl_model_bad(ctx, field, "a field is not a string");
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
                ccl_model_bad(ctx, field, "invalid access point id");
                continue;
            }
            net = key;
        }

        first = m->nnames;

        if (bs != NULL && bs[0] != '\0') {
            snprintf(field, sizeof(field),
                     "spec.endpoints.%s.kafka_bootstrap_endpoint", key);
            if (ccl_model_add_endpoint(m, ctx, field, bs,
                                       CCL_NAME_BOOTSTRAP, CCL_SVC_KAFKA,
                                       id, env, net, "cmk/v2") == 0)
            {
                found = 1;
            }
        }

        if (http != NULL && http[0] != '\0') {
            snprintf(field, sizeof(field),
                     "spec.endpoints.%s.http_endpoint", key);
            if (ccl_model_add_endpoint(m, ctx, field, http,
                                       CCL_NAME_REST, CCL_SVC_KAFKA,
                                       id, env, net, "cmk/v2") == 0)
            {
                found = 1;
            }
        }

        ccl_model_mark_connection(m, first, conn);
    }

    return found;
}


/*
 * Deprecated single endpoints: only for clusters that are privately
 * networked, so public clusters are not routed.
 */
static void
ccl_model_cmk_legacy(ccl_model_t *m, ccl_item_ctx_t *ctx, const char *id,
    const char *env, const char *network, const char *legacy_bs,
    const char *legacy_http)
{
    if (network == NULL
        && (legacy_bs == NULL
            || (strstr(legacy_bs, ".private.") == NULL
                && strstr(legacy_bs, ".glb.") == NULL
                && strstr(legacy_bs, ".accesspoint.") == NULL)))
    {
        return;
    }

    if (legacy_bs != NULL && legacy_bs[0] != '\0') {
        (void) ccl_model_add_endpoint(m, ctx,
                                      "spec.kafka_bootstrap_endpoint",
                                      legacy_bs, CCL_NAME_BOOTSTRAP,
                                      CCL_SVC_KAFKA, id, env, network,
                                      "cmk/v2");
    }

    if (legacy_http != NULL && legacy_http[0] != '\0') {
        (void) ccl_model_add_endpoint(m, ctx, "spec.http_endpoint",
                                      legacy_http, CCL_NAME_REST,
                                      CCL_SVC_KAFKA, id, env, network,
                                      "cmk/v2");
    }
}


int
ccl_model_srcm_cluster_item(ccl_model_t *m, const char *env, json_t *item,
    ccl_item_ctx_t *ctx)
{
    json_t          *regional, *url;
    const char      *id, *priv, *cloud, *region, *key;
    char             field[160];

    if (ccl_model_req_str(ctx, item, "id", &id) != 0
        || ccl_model_opt_str(ctx, item, "spec.private_http_endpoint",
                             &priv) != 0
        || ccl_model_opt_str(ctx, item, "spec.cloud", &cloud) != 0
        || ccl_model_opt_str(ctx, item, "spec.region", &region) != 0)
    {
        return 0;
    }

    if (!ccl_model_valid_id(id)) {
        ccl_model_bad(ctx, "id", "invalid cluster id");
        return 0;
    }

    if (priv != NULL && priv[0] != '\0') {
        (void) ccl_model_add_endpoint(m, ctx,
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
        ccl_model_bad(ctx,
                      "spec.private_networking_config.regional_endpoints",
                      "not an object");
        return 0;
    }

    json_object_foreach(regional, key, url) {
        snprintf(field, sizeof(field),
                 "spec.private_networking_config.regional_endpoints.%s",
                 key);

        if (!json_is_string(url)) {
            ccl_model_bad(ctx, field, "not a string");
            continue;
        }

        (void) ccl_model_add_endpoint(m, ctx, field,
                                      json_string_value(url),
                                      CCL_NAME_REST,
                                      CCL_SVC_SCHEMA_REGISTRY, id, env,
                                      NULL, "srcm/v3");
    }

    return 0;
}


int
ccl_model_flink_region_item(ccl_model_t *m, const char *env, json_t *item,
    ccl_item_ctx_t *ctx)
{
    char             host[CCLINK_NAME_MAX + 1], pls[CCLINK_NAME_MAX + 8];
    char             key[128];
    size_t           first;
    unsigned         port;
    const char      *cloud, *region, *priv;
    ccl_name_t      *n;

    if (ccl_model_opt_str(ctx, item, "cloud", &cloud) != 0
        || ccl_model_opt_str(ctx, item, "region_name", &region) != 0
        || ccl_model_opt_str(ctx, item, "private_http_endpoint",
                             &priv) != 0)
    {
        return 0;
    }

    if (priv == NULL || priv[0] == '\0' || cloud == NULL
        || region == NULL)
    {
        return 0;
    }

    if (ccl_model_host(priv, host, &port) != 0) {
        ccl_model_bad(ctx, "private_http_endpoint",
                      "not a valid host name");
        return 0;
    }

    if (ccl_snprintf(key, sizeof(key), "%s/%s", cloud, region) != 0) {
        ccl_model_bad(ctx, "region_name", "too long");
        return 0;
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

    return 0;
}
