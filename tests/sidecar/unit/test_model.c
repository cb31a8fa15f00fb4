/*
 * Copyright (C) cclink authors
 *
 * Unit tests: API responses (JSON) into the discovered model. Fixtures are
 * built from the examples of the OpenAPI excerpts (endpoint/v1, cmk/v2,
 * networking/v1, srcm/v3, fcpm/v2, org/v2) plus cases of our own.
 */


#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ccl_api.h"
#include "ccl_conf.h"
#include "ccl_model.h"
#include "ccl_test.h"


static json_t *
load(const char *name)
{
    json_t       *j;
    ccl_buf_t     b;
    json_error_t  err;

    if (ccl_test_read(name, &b) != 0) {
        return NULL;
    }

    j = json_loadb(b.data, b.len, 0, &err);
    ccl_buf_release(&b);

    if (j == NULL) {
        ctest_fail(__FILE__, __LINE__, "%s:%d: %s", name, err.line,
                      err.text);
    }

    return j;
}


/* a fixture page parsed into m: the bad elements, -1 for a bad page */
static int
parse_fixture(ccl_model_t *m, const char *name, const char *env,
    const char *call, ccl_model_item_pt item)
{
    int       rc;
    json_t   *j;
    unsigned  bad;

    j = load(name);
    bad = 0;

    rc = ccl_model_parse(m, env, j, call, &bad, item);
    json_decref(j);

    return rc == 0 ? (int) bad : -1;
}


static const ccl_name_t *
find_name(const ccl_model_t *m, const char *host)
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
test_host_parsing(void)
{
    char      h[CCL_HOST_MAX + 1];
    unsigned  port;

    CHECK_INT(ccl_model_host("https://LKC-1.Example.COM:443", h, &port),
                  0);
    CHECK_STR(h, "lkc-1.example.com");
    CHECK_INT(port, 443);

    CHECK_INT(ccl_model_host("SASL_SSL://lkc-1.example.com:9092", h,
                                 &port), 0);
    CHECK_STR(h, "lkc-1.example.com");
    CHECK_INT(port, 9092);

    CHECK_INT(ccl_model_host("https://flink.x.example.com/path?q=1", h,
                                 &port), 0);
    CHECK_STR(h, "flink.x.example.com");
    CHECK_INT(port, 0);

    CHECK_INT(ccl_model_host("a.example.com.", h, &port), 0);
    CHECK_STR(h, "a.example.com");

    CHECK_INT(ccl_model_host("localhost", h, &port), -1);
    CHECK_INT(ccl_model_host("a..example.com", h, &port), -1);
    CHECK_INT(ccl_model_host("a.example.com:0", h, &port), -1);
    CHECK_INT(ccl_model_host("a.example.com:99999", h, &port), -1);
    CHECK_INT(ccl_model_host("https://user@a.example.com", h, &port),
                  -1);
    CHECK_INT(ccl_model_host("a;b.example.com", h, &port), -1);
    CHECK_INT(ccl_model_host("", h, &port), -1);
}


static void
test_environments(void)
{
    ccl_model_t   m;

    ccl_model_init(&m);

    CHECK_INT(parse_fixture(&m, "fixtures/environments.json", NULL,
                            "GET envs", ccl_model_environment_item), 0);
    CHECK_INT(m.envs.n, 2);
    CHECK_STR(m.envs.v[0], "env-00000");
    CHECK_STR(m.envs.v[1], "dlz-f3a90de");

    ccl_model_release(&m);
}


static void
test_endpoints_private_only(void)
{
    ccl_model_t        m;
    const ccl_name_t  *n;

    ccl_model_init(&m);

    CHECK_INT(parse_fixture(&m, "fixtures/endpoint-v1.json", "env-00000",
                            "GET ep", ccl_model_endpoint_item), 0);
    CHECK_INT(ccl_model_finish(&m), 0);

    /* REST and BOOTSTRAP share one host: one name, both kinds */
    n = find_name(&m, "lkc-abc123-ap12345.us-west-2.aws.accesspoint.glb."
                      "confluent.cloud");
    CHECK(n != NULL);

    if (n != NULL) {
        CHECK_INT(n->kinds, CCL_NAME_REST | CCL_NAME_BOOTSTRAP);
        CHECK_STR(n->resource, "lkc-abc123");
        CHECK_STR(n->network, "ap12345");
        CHECK_STR(n->env, "env-00000");
        CHECK_INT(n->service, CCL_SVC_KAFKA);
    }

    /* public endpoints are not ours, by is_private or by connection type */
    CHECK(find_name(&m, "pkc-00000.us-west-2.aws.confluent.cloud")
              == NULL);
    CHECK(find_name(&m, "pkc-99999.us-west-2.aws.confluent.cloud")
              == NULL);

    /* unknown enum values are accepted */
    n = find_name(&m, "lkc-new.us-west-2.aws.private.confluent.cloud");
    CHECK(n != NULL && n->kinds == CCL_NAME_OTHER);

    /* the bootstrap gives a cluster for broker discovery */
    CHECK_INT(m.nclusters, 1);
    CHECK_STR(m.clusters[0].bootstrap, "lkc-abc123-ap12345.us-west-2."
                  "aws.accesspoint.glb.confluent.cloud:9092");

    CHECK_INT(m.regions.n, 1);
    CHECK_STR(m.regions.v[0], "aws/us-west-2");

    ccl_model_release(&m);
}


static void
test_cmk_endpoints_map_and_fallbacks(void)
{
    ccl_model_t        m;
    const ccl_name_t  *n;

    ccl_model_init(&m);

    CHECK_INT(parse_fixture(&m, "fixtures/cmk-v2-clusters.json",
                            "env-00000", "GET cmk",
                            ccl_model_cmk_cluster_item), 0);
    CHECK_INT(ccl_model_finish(&m), 0);

    /* spec.endpoints keyed by access point id, PNI and PRIVATE_LINK */
    n = find_name(&m, "lkc-s1232-00000.us-central1.gcp.private.confluent."
                      "cloud");
    CHECK(n != NULL && n->kinds == CCL_NAME_BOOTSTRAP
              && strcmp(n->network, "ap1pni123") == 0);
    n = find_name(&m, "lkc-s1232.us-central1.gcp.private.confluent.cloud");
    CHECK(n != NULL && n->kinds == CCL_NAME_REST);
    n = find_name(&m, "lkc-00000-00000.us-central1.gcp.glb.confluent.cloud");
    CHECK(n != NULL
              && n->kinds == (CCL_NAME_REST | CCL_NAME_BOOTSTRAP)
              && strcmp(n->network, "ap2platt67890") == 0);

    /* the PUBLIC entry of the map is left out */
    CHECK(find_name(&m, "pkc-12345.us-central1.gcp.confluent.cloud")
              == NULL);

    /* "PRIVATELINK" spelling, reserved key: no access point */
    n = find_name(&m, "lkc-19ynpv.us-east-2.aws.private.confluent.cloud");
    CHECK(n != NULL && n->network == NULL
              && n->kinds == (CCL_NAME_REST | CCL_NAME_BOOTSTRAP));

    /* deprecated fields, SASL_SSL:// stripped, network reference */
    n = find_name(&m, "lkc-3gyjw-l63jl.us-west-2.aws.glb.confluent.cloud");
    CHECK(n != NULL && n->network != NULL
              && strcmp(n->network, "n-l63jl") == 0
              && strcmp(n->resource, "lkc-3gyjw") == 0);

    /* a public cluster's deprecated fields are not routed */
    CHECK(find_name(&m, "pkc-00000.us-west-2.aws.confluent.cloud")
              == NULL);

    CHECK(ccl_model_cluster(&m, "lkc-3gyjw") != NULL);
    CHECK_STR(ccl_model_cluster(&m, "lkc-3gyjw")->bootstrap,
                  "lkc-3gyjw-l63jl.us-west-2.aws.glb.confluent.cloud:9092");
    CHECK(ccl_model_cluster(&m, "lkc-public") == NULL);
    CHECK(ccl_model_cluster(&m, "lkc-provisioning") == NULL);

    ccl_model_release(&m);
}


static void
test_networks_domains_and_zones(void)
{
    ccl_model_t          m;
    const ccl_domain_t  *d;

    ccl_model_init(&m);

    CHECK_INT(parse_fixture(&m, "fixtures/networks.json", "env-00000",
                            "GET nets", ccl_model_network_item), 0);
    CHECK_INT(ccl_model_finish(&m), 0);

    /* the peering-only network has no DNS domain: no domain */
    CHECK_INT(m.ndomains, 3);
    CHECK(ccl_model_domain(&m, "n-peer1") == NULL);

    d = ccl_model_domain(&m, "n-00000");
    CHECK(d != NULL);

    if (d != NULL) {
        CHECK_STR(d->dns_domain, "00000.us-east-1.aws.glb.confluent."
                      "cloud");
        CHECK_STR(d->endpoint_suffix, ".00000.us-east-1.aws.glb."
                      "confluent.cloud");
        CHECK_INT(d->nzones, 3);
        /* the spec example's zonal names lack "glb": first label */
        CHECK_STR(d->zones[0].label, "use1-az1");
        CHECK_STR(d->zones[0].subdomain, "use1-az1.00000.us-east-1.aws."
                      "confluent.cloud");
    }

    /* zones come back sorted */
    d = ccl_model_domain(&m, "n-pr1jy6");
    CHECK(d != NULL && d->nzones == 3
              && strcmp(d->zones[0].zone, "use2-az1") == 0
              && strcmp(d->zones[2].zone, "use2-az3") == 0);

    /* Azure: zone "1", names use "az1" */
    d = ccl_model_domain(&m, "n-p8xo76");
    CHECK(d != NULL && d->nzones == 3
              && strcmp(d->zones[0].zone, "1") == 0
              && strcmp(d->zones[0].label, "az1") == 0);

    CHECK(ccl_strv_has(&m.regions, "azure/centralus"));
    CHECK(ccl_strv_has(&m.regions, "gcp/us-central1"));

    ccl_model_release(&m);
}


static void
test_platts_and_access_points(void)
{
    ccl_model_t          m;
    const ccl_domain_t  *d;

    ccl_model_init(&m);

    CHECK_INT(parse_fixture(&m, "fixtures/platts.json", "env-00000",
                            "GET platts", ccl_model_platt_item), 0);
    CHECK_INT(parse_fixture(&m, "fixtures/access-points.json", "env-00000",
                            "GET aps", ccl_model_access_point_item), 0);
    CHECK_INT(ccl_model_finish(&m), 0);
    CHECK_INT(m.ndomains, 2);

    d = ccl_model_domain(&m, "platt-abcedf");
    CHECK(d != NULL && d->kind == CCL_DOMAIN_PLATT
              && strcmp(d->dns_domain, "us-east-1.aws.private.confluent."
                        "cloud") == 0);

    d = ccl_model_domain(&m, "ap12345");
    CHECK(d != NULL && d->kind == CCL_DOMAIN_ACCESS_POINT
              && strcmp(d->dns_domain, "ap123abc.us-west-2.aws.accesspoint."
                        "confluent.cloud") == 0);

    /* an attachment still provisioning and an egress access point */
    CHECK(ccl_model_domain(&m, "platt-new") == NULL);
    CHECK(ccl_model_domain(&m, "ap-egress") == NULL);

    ccl_model_release(&m);
}


static void
test_schema_registry(void)
{
    ccl_model_t        m;
    const ccl_name_t  *n;

    ccl_model_init(&m);

    CHECK_INT(parse_fixture(&m, "fixtures/srcm-v3-clusters.json",
                            "env-00000", "GET sr",
                            ccl_model_srcm_cluster_item), 0);
    CHECK_INT(ccl_model_finish(&m), 0);
    CHECK_INT(m.nnames, 3);

    n = find_name(&m, "lsrc-abc.us-west-2.aws.private.confluent.cloud");
    CHECK(n != NULL && n->service == CCL_SVC_SCHEMA_REGISTRY
              && strcmp(n->resource, "lsrc-abc") == 0);
    CHECK(find_name(&m, "lsrc-abc.us-central-1.aws.private.confluent."
                            "cloud") != NULL);
    CHECK(find_name(&m, "lsrc-stk1d.us-east-1.aws.private.confluent."
                            "cloud") != NULL);
    CHECK(find_name(&m, "psrc-11111.us-east-1.aws.confluent.cloud")
              == NULL);

    ccl_model_release(&m);
}


static void
test_flink_regions_filtered(void)
{
    json_t       *j, *p;
    unsigned      bad;
    ccl_model_t   m;

    j = load("fixtures/fcpm-v2-regions.json");
    ccl_model_init(&m);
    bad = 0;

    /* only us-east-1 is used by something discovered */
    ccl_strv_add(&m.regions, "aws/us-east-1");

    /* without an attachment whose domain holds them: not served */
    CHECK_INT(ccl_model_parse(&m, NULL, j, "GET regions", &bad,
                              ccl_model_flink_region_item), 0);
    CHECK_INT(ccl_model_finish(&m), 0);
    CHECK_INT(m.nnames, 0);

    p = json_loads("{\"data\": [{\"id\": \"platt-e1\", \"spec\": "
                   "{\"cloud\": \"AWS\", \"region\": \"us-east-1\"}, "
                   "\"status\": {\"dns_domain\": "
                   "\"us-east-1.aws.private.confluent.cloud\"}}]}", 0, NULL);
    CHECK(p != NULL);
    CHECK_INT(ccl_model_parse(&m, "env-a", p, "GET platts", &bad,
                              ccl_model_platt_item), 0);
    json_decref(p);

    CHECK_INT(ccl_model_parse(&m, NULL, j, "GET regions", &bad,
                              ccl_model_flink_region_item), 0);
    CHECK_INT(ccl_model_finish(&m), 0);
    CHECK_INT(bad, 0);
    CHECK_INT(m.nnames, 2);
    CHECK(find_name(&m, "flink.us-east-1.aws.private.confluent.cloud")
              != NULL);
    CHECK(find_name(&m, "flinkpls.us-east-1.aws.private.confluent."
                            "cloud") != NULL);

    json_decref(j);
    ccl_model_release(&m);
}


static void
test_network_flink_names(void)
{
    ccl_model_t   m;

    ccl_model_init(&m);

    CHECK_INT(parse_fixture(&m, "fixtures/networks.json", "env-00000",
                            "GET nets", ccl_model_network_item), 0);
    CHECK_INT(ccl_model_add_network_flink(&m, "env-00000"), 0);
    CHECK_INT(ccl_model_finish(&m), 0);

    CHECK(find_name(&m, "flink.00000.us-east-1.aws.glb.confluent.cloud")
              != NULL);
    CHECK(find_name(&m, "flinkpls.00000.us-east-1.aws.glb.confluent."
                            "cloud") != NULL);
    CHECK_INT(m.nnames, 2);

    ccl_model_release(&m);
}


static void
test_bad_items_are_counted_and_skipped(void)
{
    ccl_model_t   m;

    ccl_model_init(&m);

    CHECK_INT(parse_fixture(&m, "fixtures/bad-items.json", "env-1",
                            "GET /cmk/v2/clusters",
                            ccl_model_cmk_cluster_item), 6);
    CHECK_INT(ccl_model_finish(&m), 0);

    CHECK(ccl_test_log_has("call=\"GET /cmk/v2/clusters\" "
                               "field=data[0].id error=missing"));
    CHECK(ccl_test_log_has("field=data[2].spec.kafka_bootstrap_endpoint"
                               " error=\"not a string\""));
    CHECK(ccl_test_log_has("field=data[3].spec.kafka_bootstrap_endpoint"
                               " error=\"not a valid host name\""));

    /* nothing with a newline or a semicolon got in */
    CHECK(find_name(&m, "ok.us-east-1.aws.private.confluent.cloud")
              != NULL);
    CHECK(find_name(&m, "lkc-good-1.us-east-1.aws.glb.confluent.cloud")
              != NULL);
    CHECK_INT(m.nnames, 2);

    ccl_model_release(&m);
}


static void
test_page_without_data_fails(void)
{
    json_t       *j;
    unsigned      bad;
    ccl_model_t   m;

    ccl_model_init(&m);
    bad = 0;

    j = json_loads("{\"errors\":[]}", 0, NULL);
    CHECK_INT(ccl_model_parse(&m, "e", j, "GET x", &bad,
                              ccl_model_network_item), -1);
    json_decref(j);

    j = json_loads("{\"data\":{}}", 0, NULL);
    CHECK_INT(ccl_model_parse(&m, "e", j, "GET x", &bad,
                              ccl_model_endpoint_item), -1);
    json_decref(j);

    j = json_loads("[]", 0, NULL);
    CHECK_INT(ccl_model_parse(&m, "e", j, "GET x", &bad,
                              ccl_model_platt_item), -1);
    json_decref(j);

    CHECK(ccl_test_log_has("field=data error=\"not an array\""));

    ccl_model_release(&m);
}


static void
test_brokers_merge_and_sort(void)
{
    ccl_model_t  m;

    ccl_model_init(&m);

    CHECK_INT(ccl_model_add_broker(&m, "lkc-1", "env-1", "n-1",
                                       "E-2.X.Confluent.Cloud", 9092), 0);
    CHECK_INT(ccl_model_add_broker(&m, "lkc-1", "env-1", "n-1",
                                       "e-1.x.confluent.cloud", 9092), 0);
    CHECK_INT(ccl_model_add_broker(&m, "lkc-1", "env-1", "n-1",
                                       "e-2.x.confluent.cloud", 9092), 0);
    CHECK_INT(ccl_model_add_broker(&m, "lkc-1", "env-1", "n-1",
                                       "not valid", 9092), -1);
    /* brokers advertised by address are not names to route */
    CHECK_INT(ccl_model_add_broker(&m, "lkc-1", "env-1", "n-1",
                                       "127.0.0.1", 9092), 0);
    CHECK_INT(ccl_model_add_broker(&m, "lkc-1", "env-1", "n-1",
                                       "fd00::1", 9092), 0);
    CHECK(ccl_test_log_has("event=broker_by_address"));
    /* nor are names outside Confluent Cloud */
    ccl_test_log_clear();
    CHECK_INT(ccl_model_add_broker(&m, "lkc-1", "env-1", "n-1",
                                       "metadata.google.internal", 9092), 0);
    CHECK_INT(ccl_model_add_broker(&m, "lkc-1", "env-1", "n-1",
                                       "evil.confluent.cloud.example.com",
                                       9092), 0);
    CHECK_INT(ccl_model_add_broker(&m, "lkc-1", "env-1", "n-1",
                                       "xconfluent.cloud", 9092), 0);
    CHECK(ccl_test_log_has("event=name_refused "
                               "host=metadata.google.internal"));
    CHECK(ccl_test_log_has("host=evil.confluent.cloud.example.com"));
    CHECK_INT(ccl_model_finish(&m), 0);

    CHECK_INT(m.nnames, 2);
    CHECK_STR(m.names[0].host, "e-1.x.confluent.cloud");
    CHECK_STR(m.names[1].host, "e-2.x.confluent.cloud");

    ccl_model_release(&m);
}


/* API helpers that need no network */


static void
test_page_token_extraction(void)
{
    char  t[64];

    CHECK_INT(ccl_api_page_token("https://api.confluent.cloud/cmk/v2/"
                                     "clusters?page_token=UvmDWOB1iwfAIBPj6EYb",
                                     t, sizeof(t)), 0);
    CHECK_STR(t, "UvmDWOB1iwfAIBPj6EYb");

    CHECK_INT(ccl_api_page_token("https://other.host:1/x?environment="
                                     "env-1&page_token=a%2Bb&page_size=2",
                                     t, sizeof(t)), 0);
    CHECK_STR(t, "a%2Bb");

    CHECK_INT(ccl_api_page_token("https://h/x?environment=env-1", t,
                                     sizeof(t)), -1);
    CHECK_INT(ccl_api_page_token("https://h/x?page_token=", t,
                                     sizeof(t)), -1);
    CHECK_INT(ccl_api_page_token("https://h/x?page_token=a b", t,
                                     sizeof(t)), -1);
    CHECK_INT(ccl_api_page_token("https://h/x?page_token=a#b", t,
                                     sizeof(t)), -1);
}


static void
test_error_text_shapes(void)
{
    char         t[128];
    const char  *a, *b, *c, *d;

    a = "{\"errors\":[{\"status\":\"401\",\"title\":\"Authentication "
        "Required\",\"detail\":\"Valid authentication credentials must be "
        "provided\"}]}";
    b = "{\"status\":400,\"error\":{\"code\":\"x\",\"message\":\"bad "
        "filter\"}}";
    c = "{\"error_code\":40101,\"message\":\"Authentication failed\"}";
    d = "<html>\n<body>Too many</body></html>";

    ccl_api_error_text(a, strlen(a), t, sizeof(t));
    CHECK_STR(t, "Valid authentication credentials must be provided");

    ccl_api_error_text(b, strlen(b), t, sizeof(t));
    CHECK_STR(t, "bad filter");

    ccl_api_error_text(c, strlen(c), t, sizeof(t));
    CHECK_STR(t, "Authentication failed");

    ccl_api_error_text(d, strlen(d), t, sizeof(t));
    CHECK_STR(t, "<html> <body>Too many</body></html>");
}


void
ccl_suite_model(void)
{
    CTEST_RUN(test_host_parsing);
    CTEST_RUN(test_environments);
    CTEST_RUN(test_endpoints_private_only);
    CTEST_RUN(test_cmk_endpoints_map_and_fallbacks);
    CTEST_RUN(test_networks_domains_and_zones);
    CTEST_RUN(test_platts_and_access_points);
    CTEST_RUN(test_schema_registry);
    CTEST_RUN(test_flink_regions_filtered);
    CTEST_RUN(test_network_flink_names);
    CTEST_RUN(test_bad_items_are_counted_and_skipped);
    CTEST_RUN(test_page_without_data_fails);
    CTEST_RUN(test_brokers_merge_and_sort);
}


void
ccl_suite_api(void)
{
    CTEST_RUN(test_page_token_extraction);
    CTEST_RUN(test_error_text_shapes);
}
