/*
 * Copyright (C) cclink authors
 *
 * The list parsers of the networking APIs: networks, PrivateLink
 * attachments and access points become domains with their zones
 * (ccl_model.h), one function per element of data[] (each given to
 * ccl_model_parse()); Flink names from the networks' endpoint suffix.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ccl_conf.h"
#include "ccl_log.h"
#include "ccl_model.h"
#include "ccl_model_parse.h"


static int ccl_zone_cmp(const void *a, const void *b);
static int ccl_model_add_domain(ccl_model_t *m, ccl_item_ctx_t *ctx,
    int kind, const char *id, const char *env, const char *dns_domain,
    const char *suffix, const char *cloud, const char *region,
    json_t *zones);


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
ccl_model_network_item(ccl_model_t *m, const char *env, json_t *item,
    ccl_item_ctx_t *ctx)
{
    json_t          *zones;
    const char      *id, *dom, *suffix, *cloud, *region;

    if (ccl_model_req_str(ctx, item, "id", &id) != 0
        || ccl_model_opt_str(ctx, item, "status.dns_domain", &dom) != 0
        || ccl_model_opt_str(ctx, item, "status.endpoint_suffix",
                             &suffix) != 0
        || ccl_model_opt_str(ctx, item, "spec.cloud", &cloud) != 0
        || ccl_model_opt_str(ctx, item, "spec.region", &region) != 0)
    {
        return 0;
    }

    if (!ccl_model_valid_id(id)) {
        ccl_model_bad(ctx, "id", "invalid network id");
        return 0;
    }

    if (ccl_model_add_region(m, cloud, region) != 0) {
        return -1;
    }

    if (dom == NULL || dom[0] == '\0') {
        /* peering or transit gateway only: no private DNS domain */
        return 0;
    }

    zones = json_object_get(json_object_get(item, "status"),
                            "zonal_subdomains");

    if (ccl_model_add_domain(m, ctx, CCL_DOMAIN_NETWORK, id, env, dom,
                             suffix, cloud, region, zones) != 0)
    {
        return 0;
    }

    return 0;
}


int
ccl_model_platt_item(ccl_model_t *m, const char *env, json_t *item,
    ccl_item_ctx_t *ctx)
{
    const char      *id, *dom, *cloud, *region;

    if (ccl_model_req_str(ctx, item, "id", &id) != 0
        || ccl_model_opt_str(ctx, item, "status.dns_domain", &dom) != 0
        || ccl_model_opt_str(ctx, item, "spec.cloud", &cloud) != 0
        || ccl_model_opt_str(ctx, item, "spec.region", &region) != 0)
    {
        return 0;
    }

    if (!ccl_model_valid_id(id)) {
        ccl_model_bad(ctx, "id", "invalid attachment id");
        return 0;
    }

    if (ccl_model_add_region(m, cloud, region) != 0) {
        return -1;
    }

    if (dom == NULL || dom[0] == '\0') {
        return 0;   /* not provisioned yet */
    }

    (void) ccl_model_add_domain(m, ctx, CCL_DOMAIN_PLATT, id, env, dom,
                                NULL, cloud, region, NULL);

    return 0;
}


int
ccl_model_access_point_item(ccl_model_t *m, const char *env, json_t *item,
    ccl_item_ctx_t *ctx)
{
    const char      *id, *dom;

    if (ccl_model_req_str(ctx, item, "id", &id) != 0
        || ccl_model_opt_str(ctx, item, "status.config.dns_domain",
                             &dom) != 0)
    {
        return 0;
    }

    if (!ccl_model_valid_id(id)) {
        ccl_model_bad(ctx, "id", "invalid access point id");
        return 0;
    }

    if (dom == NULL || dom[0] == '\0') {
        return 0;   /* egress or not ready: nothing to route */
    }

    (void) ccl_model_add_domain(m, ctx, CCL_DOMAIN_ACCESS_POINT, id,
                                env, dom, NULL, NULL, NULL, NULL);

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


static int
ccl_zone_cmp(const void *a, const void *b)
{
    return strcmp(((const ccl_zone_t *) a)->zone,
                  ((const ccl_zone_t *) b)->zone);
}
