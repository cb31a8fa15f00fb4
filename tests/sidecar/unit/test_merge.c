/*
 * Copyright (C) cclink authors
 *
 * Unit tests: combining the discovery's sources (ccl_merge.h) and the
 * sources recorded per name.
 */


#include <string.h>

#include <jansson.h>

#include "ccl_conf.h"
#include "ccl_merge.h"
#include "ccl_model.h"
#include "ccl_test.h"


static const ccl_name_t *
merge_find(const ccl_model_t *m, const char *host)
{
    size_t  i;

    for (i = 0; i < m->nnames; i++) {
        if (strcmp(m->names[i].host, host) == 0) {
            return &m->names[i];
        }
    }

    return NULL;
}


static void
merge_add(ccl_model_t *m, const char *host, unsigned kinds,
    unsigned service, const char *resource, const char *source)
{
    CHECK_INT(ccl_model_add_name(m, host, kinds, service, resource,
                                     "env-a", NULL, source), 0);
}


static void
test_one_entry_with_every_source(void)
{
    ccl_model_t        m;
    const ccl_name_t  *n;

    ccl_model_init(&m);

    merge_add(&m, "lkc-a.us-west-2.aws.private.confluent.cloud",
              CCL_NAME_BOOTSTRAP, CCL_SVC_KAFKA, "lkc-a", "endpoint/v1");
    merge_add(&m, "lkc-a.us-west-2.aws.private.confluent.cloud",
              CCL_NAME_REST, CCL_SVC_KAFKA, "lkc-a", "cmk/v2");
    merge_add(&m, "lkc-b.us-west-2.aws.private.confluent.cloud",
              CCL_NAME_BOOTSTRAP, CCL_SVC_KAFKA, "lkc-b", "cmk/v2");

    CHECK_INT(ccl_model_finish(&m), 0);
    CHECK_INT(m.nnames, 2);

    n = merge_find(&m, "lkc-a.us-west-2.aws.private.confluent.cloud");
    CHECK(n != NULL && n->sources == (CCL_SRC_ENDPOINT | CCL_SRC_CMK));
    CHECK(n != NULL
              && n->kinds == (CCL_NAME_BOOTSTRAP | CCL_NAME_REST));

    n = merge_find(&m, "lkc-b.us-west-2.aws.private.confluent.cloud");
    CHECK(n != NULL && n->sources == CCL_SRC_CMK);

    CHECK_INT(ccl_model_source_bit("srcm/v3"), CCL_SRC_SRCM);
    CHECK_INT(ccl_model_source_bit("nonsense"), 0);
    CHECK_STR(ccl_model_source_name(5), "kafka-metadata");

    /* connection types without a PrivateLink endpoint, both spellings */
    CHECK_STR(ccl_model_direct_connection("TRANSITGATEWAY"),
                  "TRANSIT_GATEWAY");
    CHECK_STR(ccl_model_direct_connection("transit_gateway"),
                  "TRANSIT_GATEWAY");
    CHECK_STR(ccl_model_direct_connection("PRIVATENETWORKINTERFACE"),
                  "PRIVATE_NETWORK_INTERFACE");
    CHECK_STR(ccl_model_direct_connection("PEERING"), "PEERING");
    CHECK(ccl_model_direct_connection("PRIVATE_LINK") == NULL);
    CHECK(ccl_model_direct_connection(NULL) == NULL);

    ccl_model_release(&m);
}


static void
test_disagreements_are_reported(void)
{
    ccl_model_t  m;
    ccl_strv_t   lines;

    ccl_model_init(&m);
    ccl_strv_init(&lines);
    ccl_test_log_clear();

    /* agreed */
    merge_add(&m, "lkc-ok.us-west-2.aws.private.confluent.cloud",
              CCL_NAME_BOOTSTRAP, CCL_SVC_KAFKA, "lkc-ok", "endpoint/v1");
    merge_add(&m, "lkc-ok.us-west-2.aws.private.confluent.cloud",
              CCL_NAME_BOOTSTRAP, CCL_SVC_KAFKA, "lkc-ok", "cmk/v2");
    /* a broker name from metadata plays no part */
    merge_add(&m, "b0-lkc-ok.us-west-2.aws.private.confluent.cloud",
              CCL_NAME_BROKER, CCL_SVC_KAFKA, "lkc-ok", "kafka-metadata");

    /* left out by the Endpoint API */
    merge_add(&m, "lkc-ded-n1.us-west-2.aws.glb.confluent.cloud",
              CCL_NAME_BOOTSTRAP, CCL_SVC_KAFKA, "lkc-ded", "cmk/v2");

    /* not in cmk/v2 */
    merge_add(&m, "lkc-new.us-west-2.aws.private.confluent.cloud",
              CCL_NAME_REST, CCL_SVC_KAFKA, "lkc-new", "endpoint/v1");

    /* one cluster, two names */
    merge_add(&m, "lkc-two-ap1.us-west-2.aws.accesspoint.glb.confluent."
              "cloud", CCL_NAME_BOOTSTRAP, CCL_SVC_KAFKA, "lkc-two",
              "endpoint/v1");
    merge_add(&m, "lkc-two.us-west-2.aws.private.confluent.cloud",
              CCL_NAME_BOOTSTRAP, CCL_SVC_KAFKA, "lkc-two", "cmk/v2");

    CHECK_INT(ccl_merge_compare(&m, "env-a", 0, CCL_SVC_KAFKA,
                                    CCL_SRC_ENDPOINT, CCL_SRC_CMK, &lines),
                  3);
    CHECK_INT(lines.n, 3);

    CHECK(ccl_test_log_has("level=warn event=source_mismatch "
                               "env=env-a cluster=lkc-ded service=KAFKA "
                               "sources=endpoint/v1,cmk/v2 endpoint_v1=- "
                               "cmk_v2=lkc-ded-n1.us-west-2.aws.glb."
                               "confluent.cloud"));
    CHECK(ccl_test_log_has("cluster=lkc-new service=KAFKA "
                               "sources=endpoint/v1,cmk/v2 endpoint_v1="
                               "lkc-new.us-west-2.aws.private.confluent."
                               "cloud cmk_v2=-"));
    CHECK(ccl_test_log_has("cluster=lkc-two service=KAFKA "
                               "sources=endpoint/v1,cmk/v2 endpoint_v1="
                               "lkc-two-ap1.us-west-2.aws.accesspoint.glb."
                               "confluent.cloud cmk_v2=lkc-two.us-west-2."
                               "aws.private.confluent.cloud detail=\"the "
                               "sources give different names\""));
    CHECK(!ccl_test_log_has("cluster=lkc-ok "));

    /* only the names from "from" on (another environment's are not ours) */
    CHECK_INT(ccl_merge_compare(&m, "env-a", m.nnames - 2,
                                    CCL_SVC_KAFKA, CCL_SRC_ENDPOINT,
                                    CCL_SRC_CMK, &lines), 1);

    /* another service: nothing */
    CHECK_INT(ccl_merge_compare(&m, "env-a", 0,
                                    CCL_SVC_SCHEMA_REGISTRY,
                                    CCL_SRC_ENDPOINT, CCL_SRC_SRCM, &lines),
                  0);

    ccl_strv_release(&lines);
    ccl_model_release(&m);
}


static void
test_schema_registry_network_form(void)
{
    json_t       *j;
    unsigned      bad;
    ccl_model_t   m;
    ccl_strv_t    lines;

    ccl_model_init(&m);
    ccl_strv_init(&lines);
    bad = 0;

    j = json_loads("{\"data\": [{\"id\": \"n-p9\", \"spec\": {\"cloud\": "
                   "\"AWS\", \"region\": \"us-west-2\"}, \"status\": "
                   "{\"dns_domain\": \"p9.us-west-2.aws.confluent.cloud\", "
                   "\"endpoint_suffix\": "
                   "\"-p9.us-west-2.aws.glb.confluent.cloud\"}}]}", 0, NULL);
    CHECK(j != NULL);
    CHECK_INT(ccl_model_parse(&m, "env-a", j, "GET networks", &bad,
                              ccl_model_network_item), 0);
    json_decref(j);

    /* srcm/v3 has no field for the network form: not a disagreement */
    merge_add(&m, "lsrc-x-p9.us-west-2.aws.glb.confluent.cloud",
              CCL_NAME_REST, CCL_SVC_SCHEMA_REGISTRY, "lsrc-x",
              "endpoint/v1");
    merge_add(&m, "lsrc-x.us-west-2.aws.private.confluent.cloud",
              CCL_NAME_REST, CCL_SVC_SCHEMA_REGISTRY, "lsrc-x",
              "endpoint/v1");
    merge_add(&m, "lsrc-x.us-west-2.aws.private.confluent.cloud",
              CCL_NAME_REST, CCL_SVC_SCHEMA_REGISTRY, "lsrc-x", "srcm/v3");

    CHECK_INT(ccl_merge_compare(&m, "env-a", 0,
                                    CCL_SVC_SCHEMA_REGISTRY,
                                    CCL_SRC_ENDPOINT, CCL_SRC_SRCM, &lines),
                  0);

    /* but a Schema Registry the Endpoint API left out is */
    merge_add(&m, "lsrc-y.us-west-2.aws.private.confluent.cloud",
              CCL_NAME_REST, CCL_SVC_SCHEMA_REGISTRY, "lsrc-y", "srcm/v3");

    CHECK_INT(ccl_merge_compare(&m, "env-a", 0,
                                    CCL_SVC_SCHEMA_REGISTRY,
                                    CCL_SRC_ENDPOINT, CCL_SRC_SRCM, &lines),
                  1);
    CHECK(ccl_test_log_has("cluster=lsrc-y service=SCHEMA_REGISTRY "
                               "sources=endpoint/v1,srcm/v3 endpoint_v1=- "
                               "srcm_v3=lsrc-y.us-west-2.aws.private."
                               "confluent.cloud"));

    ccl_strv_release(&lines);
    ccl_model_release(&m);
}


static void
test_provisioning_clusters_stay_out(void)
{
    json_t       *j;
    unsigned      bad;
    ccl_model_t   m;

    ccl_model_init(&m);
    bad = 0;

    j = json_loads("{\"data\": ["
                   "{\"id\": \"lkc-prov\", \"spec\": {\"network\": {\"id\": "
                   "\"n-p9\"}, \"kafka_bootstrap_endpoint\": "
                   "\"lkc-prov-p9.us-west-2.aws.glb.confluent.cloud:9092\"},"
                   " \"status\": {\"phase\": \"PROVISIONING\"}},"
                   "{\"id\": \"lkc-fail\", \"spec\": {\"endpoints\": "
                   "{\"PRIVATE_LINK\": {\"kafka_bootstrap_endpoint\": "
                   "\"lkc-fail.us-west-2.aws.private.confluent.cloud:9092\","
                   " \"http_endpoint\": \"\", \"connection_type\": "
                   "\"PRIVATE_LINK\"}}}, \"status\": {\"phase\": "
                   "\"FAILED\"}},"
                   "{\"id\": \"lkc-up\", \"spec\": {\"network\": {\"id\": "
                   "\"n-p9\"}, \"kafka_bootstrap_endpoint\": "
                   "\"lkc-up-p9.us-west-2.aws.glb.confluent.cloud:9092\"},"
                   " \"status\": {\"phase\": \"PROVISIONED\"}}]}", 0, NULL);
    CHECK(j != NULL);
    CHECK_INT(ccl_model_parse(&m, "env-a", j, "GET cmk", &bad,
                              ccl_model_cmk_cluster_item), 0);
    json_decref(j);
    CHECK_INT(ccl_model_finish(&m), 0);

    CHECK_INT(bad, 0);
    CHECK_INT(m.nnames, 1);
    CHECK(merge_find(&m, "lkc-up-p9.us-west-2.aws.glb.confluent.cloud")
              != NULL);

    ccl_model_release(&m);
}


void
ccl_suite_merge(void)
{
    CTEST_RUN(test_one_entry_with_every_source);
    CTEST_RUN(test_disagreements_are_reported);
    CTEST_RUN(test_schema_registry_network_form);
    CTEST_RUN(test_provisioning_clusters_stay_out);
}
