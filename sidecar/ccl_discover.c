/*
 * Copyright (C) cclink authors
 *
 * One discovery: the Confluent Cloud API calls in order, then Kafka
 * metadata for brokers (ccl_discover.h).
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccl_discover.h"
#include "ccl_kafka.h"
#include "ccl_log.h"
#include "ccl_merge.h"


static int ccl_discover_env(ccl_api_t *api, const ccl_conf_t *conf,
    ccl_discovery_t *d, const char *env, int *need_regions);
static int ccl_discover_brokers(const ccl_conf_t *conf, ccl_discovery_t *d,
    const volatile sig_atomic_t *stop);
static int ccl_discover_stopped(ccl_api_t *api, ccl_discovery_t *d);
static void ccl_discover_required(ccl_discovery_t *d, int rc);


void
ccl_discovery_init(ccl_discovery_t *d)
{
    memset(d, 0, sizeof(*d));
    ccl_model_init(&d->model);
    ccl_calls_init(&d->calls);
    ccl_strv_init(&d->errors);
    ccl_strv_init(&d->mismatches);
}


void
ccl_discovery_release(ccl_discovery_t *d)
{
    ccl_model_release(&d->model);
    ccl_calls_release(&d->calls);
    ccl_strv_release(&d->errors);
    ccl_strv_release(&d->mismatches);
    free(d->clusters);
    ccl_discovery_init(d);
}


static int
ccl_discover_stopped(ccl_api_t *api, ccl_discovery_t *d)
{
    if (api->stop != NULL && *api->stop) {
        d->complete = 0;
        return 1;
    }

    return 0;
}


/*
 * A list without a fallback did not succeed: the discovery is incomplete,
 * and a 404/405/501 ("unavailable", acceptable where another call can
 * stand in) counts as a failure of that call here.
 */

static void
ccl_discover_required(ccl_discovery_t *d, int rc)
{
    ccl_call_t  *c;

    if (rc == CCL_API_OK) {
        return;
    }

    d->complete = 0;

    if (rc != CCL_API_UNAVAILABLE || d->calls.n == 0) {
        return;
    }

    c = &d->calls.v[d->calls.n - 1];
    c->outcome = CCL_API_FAILED;

    ccl_log(CCL_LOG_ERROR, "api_call_failed",
            "call=%s status=%ld attempts=%u error=%s", c->call, c->status,
            c->attempts, c->error ? c->error : "unavailable");
}


static int
ccl_discover_env(ccl_api_t *api, const ccl_conf_t *conf, ccl_discovery_t *d,
    const char *env, int *need_regions)
{
    int           rc, ep_ok, n;
    char          q[512];
    size_t        before, i;
    unsigned      svc, own;
    const char   *fallback_path;
    ccl_model_item_pt  fallback;

    static const unsigned  services[] = {
        CCL_SVC_KAFKA, CCL_SVC_SCHEMA_REGISTRY, CCL_SVC_FLINK
    };

    if (ccl_snprintf(q, sizeof(q), "environment=%s", env) != 0) {
        return -1;
    }

    /* which domains and zones exist */

    rc = ccl_api_list(api, "/networking/v1/networks", q,
                      ccl_model_network_item, env, &d->model, &d->calls);
    ccl_discover_required(d, rc);

    if (ccl_discover_stopped(api, d)) {
        return 0;
    }

    rc = ccl_api_list(api, "/networking/v1/private-link-attachments", q,
                      ccl_model_platt_item, env, &d->model, &d->calls);
    ccl_discover_required(d, rc);

    if (ccl_discover_stopped(api, d)) {
        return 0;
    }

    rc = ccl_api_list(api, "/networking/v1/access-points", q,
                      ccl_model_access_point_item, env, &d->model,
                      &d->calls);
    ccl_discover_required(d, rc);

    /*
     * Host names per service: every source is asked and what they report
     * is combined. The Endpoint API first (404/405/501: not available
     * here, skipped), then the service's own API (cmk/v2, srcm/v3; for
     * Flink the networks' endpoint_suffix and /fcpm/v2/regions), whatever
     * the Endpoint API said: a source that leaves a cluster out must not
     * hide it.
     */

    for (i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
        svc = services[i];

        if (!(conf->services & svc) || ccl_discover_stopped(api, d)) {
            continue;
        }

        if (ccl_snprintf(q, sizeof(q),
                         "environment=%s&service=%s&is_private=true", env,
                         ccl_conf_service_name(svc)) != 0)
        {
            return -1;
        }

        before = d->model.nnames;

        rc = ccl_api_list(api, "/endpoint/v1/endpoints", q,
                          ccl_model_endpoint_item, env, &d->model,
                          &d->calls);

        if (rc == CCL_API_FAILED) {
            d->complete = 0;
        }

        ep_ok = (rc == CCL_API_OK);

        if (rc != CCL_API_OK) {
            ccl_log(CCL_LOG_DEBUG, "discovery_source_skipped", "env=%s "
                    "service=%s source=endpoint/v1 reason=%s", env,
                    ccl_conf_service_name(svc),
                    rc == CCL_API_UNAVAILABLE ? "endpoint API not available"
                    : "endpoint API failed");
        }

        if (svc == CCL_SVC_FLINK) {
            if (ccl_model_add_network_flink(&d->model, env) != 0) {
                return -1;
            }
            *need_regions = 1;
            continue;
        }

        if (svc == CCL_SVC_KAFKA) {
            fallback_path = "/cmk/v2/clusters";
            fallback = ccl_model_cmk_cluster_item;
            own = CCL_SRC_CMK;
        } else {
            fallback_path = "/srcm/v3/clusters";
            fallback = ccl_model_srcm_cluster_item;
            own = CCL_SRC_SRCM;
        }

        if (ccl_discover_stopped(api, d)) {
            continue;
        }

        if (ccl_snprintf(q, sizeof(q), "environment=%s", env) != 0) {
            return -1;
        }

        rc = ccl_api_list(api, fallback_path, q, fallback, env, &d->model,
                          &d->calls);

        if (rc != CCL_API_OK) {
            d->complete = 0;
            continue;
        }

        /* both answered: say where they disagree */

        if (ep_ok) {
            n = ccl_merge_compare(&d->model, env, before, svc,
                                  CCL_SRC_ENDPOINT, own, &d->mismatches);
            if (n < 0) {
                return -1;
            }
        }
    }

    return 0;
}


static int
ccl_discover_brokers(const ccl_conf_t *conf, ccl_discovery_t *d,
    const volatile sig_atomic_t *stop)
{
    char                      err[512], host[320], line[900];
    size_t                    i, k;
    char                     *colon;
    unsigned long             port;
    ccl_strv_t                brokers;
    ccl_state_cluster_t      *rec;
    const ccl_cluster_t      *c;
    const ccl_kafka_cred_t   *cred;

    if (d->model.nclusters == 0) {
        return 0;
    }

    d->clusters = calloc(d->model.nclusters, sizeof(ccl_state_cluster_t));
    if (d->clusters == NULL) {
        return -1;
    }

    /* the names are added to the model while we walk its clusters: copy */

    for (i = 0; i < d->model.nclusters; i++) {
        c = &d->model.clusters[i];
        rec = &d->clusters[d->nclusters++];

        ccl_strlcpy(rec->cluster, c->id, sizeof(rec->cluster));
        rec->brokers = -1;

        cred = ccl_conf_kafka_cred(conf, c->id);

        if (cred == NULL) {
            ccl_strlcpy(rec->error, "no Kafka API key configured",
                        sizeof(rec->error));
            continue;
        }

        if (stop != NULL && *stop) {
            d->complete = 0;
            ccl_strlcpy(rec->error, "stopped", sizeof(rec->error));
            continue;
        }

        ccl_strv_init(&brokers);

        if (ccl_kafka_brokers(conf, c->id, c->bootstrap, cred, &brokers, err,
                              sizeof(err)) != 0)
        {
            d->complete = 0;
            (void) ccl_utf8_fix(err);
            ccl_strlcpy(rec->error, err, sizeof(rec->error));
            snprintf(line, sizeof(line), "kafka metadata %s: %s", c->id,
                     err);
            (void) ccl_utf8_fix(line);
            if (ccl_strv_add(&d->errors, line) != 0) {
                ccl_strv_release(&brokers);
                return -1;
            }
            ccl_strv_release(&brokers);
            continue;
        }

        rec->brokers = (int) brokers.n;

        for (k = 0; k < brokers.n; k++) {
            ccl_strlcpy(host, brokers.v[k], sizeof(host));
            colon = strrchr(host, ':');
            port = 0;

            if (colon != NULL) {
                *colon = '\0';
                (void) ccl_parse_ulong(colon + 1, 65535, &port);
            }

            c = &d->model.clusters[i];

            if (ccl_model_add_broker(&d->model, c->id, c->env, c->network,
                                     host, (unsigned) port) != 0)
            {
                d->complete = 0;
                snprintf(rec->error, sizeof(rec->error),
                         "invalid broker host name \"%.200s\"", host);
                ccl_log(CCL_LOG_ERROR, "kafka_bad_broker",
                        "cluster=%s host=%s error=%s", c->id, host,
                        "not a valid host name");
            }
        }

        ccl_strv_release(&brokers);
    }

    return 0;
}


int
ccl_discover(ccl_api_t *api, const ccl_conf_t *conf, ccl_discovery_t *d)
{
    int          rc, need_regions;
    size_t       i;

    d->started = time(NULL);
    d->complete = 1;
    need_regions = 0;

    if (conf->all_environments) {
        rc = ccl_api_list(api, "/org/v2/environments", "",
                          ccl_model_environment_item, NULL, &d->model,
                          &d->calls);
        if (rc != CCL_API_OK) {
            d->complete = 0;
        }

    } else {
        for (i = 0; i < conf->environments.n; i++) {
            if (ccl_strv_add(&d->model.envs, conf->environments.v[i]) != 0) {
                return -1;
            }
        }
    }

    ccl_strv_sort(&d->model.envs);

    for (i = 0; i < d->model.envs.n; i++) {
        if (ccl_discover_stopped(api, d)) {
            break;
        }

        if (ccl_discover_env(api, conf, d, d->model.envs.v[i],
                             &need_regions) != 0)
        {
            return -1;
        }
    }

    if (need_regions && !ccl_discover_stopped(api, d)) {
        rc = ccl_api_list(api, "/fcpm/v2/regions", "",
                          ccl_model_flink_region_item, NULL, &d->model,
                          &d->calls);
        if (rc == CCL_API_FAILED) {
            d->complete = 0;
        }
    }

    if (ccl_model_finish(&d->model) != 0) {
        return -1;
    }

    if ((conf->services & CCL_SVC_KAFKA)
        && ccl_discover_brokers(conf, d, api->stop) != 0)
    {
        return -1;
    }

    if (ccl_model_finish(&d->model) != 0) {
        return -1;
    }

    if (!ccl_calls_all_ok(&d->calls)) {
        d->complete = 0;
    }

    d->finished = time(NULL);

    ccl_log(d->complete ? CCL_LOG_INFO : CCL_LOG_WARN, "discovery_done",
            "complete=%s environments=%zu calls=%zu names=%zu domains=%zu "
            "clusters=%zu source_mismatches=%zu seconds=%ld",
            d->complete ? "yes" : "no",
            d->model.envs.n, d->calls.n, d->model.nnames,
            d->model.ndomains, d->model.nclusters, d->mismatches.n,
            (long) (d->finished - d->started));

    return 0;
}
