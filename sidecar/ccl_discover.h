/*
 * Copyright (C) cclink authors
 *
 * One discovery: the Confluent Cloud API calls in order, then Kafka
 * metadata for brokers.
 *
 *  1. GET /org/v2/environments when environments is "all";
 *  2. per environment: networks, PrivateLink attachments and access
 *     points (which domains and zones exist), then per configured service
 *     GET /endpoint/v1/endpoints?environment=E&service=S&is_private=true
 *     AND the service's own API: /cmk/v2/clusters (Kafka),
 *     /srcm/v3/clusters (Schema Registry), networks' endpoint_suffix and
 *     /fcpm/v2/regions (Flink). Every source is asked and what they
 *     report is combined (ccl_merge.h): a private name any of them
 *     reports is kept; where the Endpoint API and the service's own API
 *     disagree about a cluster, event=source_mismatch is logged and the
 *     disagreement recorded in "mismatches";
 *  3. per Kafka cluster with a configured API key: broker names from the
 *     Metadata response.
 *
 * The discovery is "complete" only when every call and every metadata
 * request succeeded (an API answering "not available" to a call that has
 * another source is not a failure). An incomplete discovery still reports
 * what it found: the plan may add from it, never remove because of it.
 *
 * Ownership: ccl_discovery_t owns its model, call records, errors and
 * cluster records; ccl_discovery_release() frees them.
 */

#ifndef _CCL_DISCOVER_H_INCLUDED_
#define _CCL_DISCOVER_H_INCLUDED_


#include <time.h>

#include "ccl_api.h"
#include "ccl_conf.h"
#include "ccl_model.h"
#include "ccl_state.h"


typedef struct {
    time_t               started;
    time_t               finished;
    int                  complete;
    ccl_model_t          model;
    ccl_calls_t          calls;
    ccl_strv_t           errors;
    ccl_strv_t           mismatches; /* where sources disagreed */
    ccl_state_cluster_t *clusters;
    size_t               nclusters;
} ccl_discovery_t;


void ccl_discovery_init(ccl_discovery_t *d);
void ccl_discovery_release(ccl_discovery_t *d);

/* Returns 0 (see d->complete), -1 only when out of memory. */
int ccl_discover(ccl_api_t *api, const ccl_conf_t *conf,
    ccl_discovery_t *d);


#endif /* _CCL_DISCOVER_H_INCLUDED_ */
