/*
 * Copyright (C) cclink authors
 *
 * Unit tests: targets, the route plan and its merge with the previous one,
 * rendering (golden files) and the module's view of what was rendered.
 */


#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cclink_routes.h"
#include "ccl_conf.h"
#include "ccl_model.h"
#include "ccl_plan.h"
#include "ccl_render.h"
#include "ccl_target.h"
#include "ccl_test.h"


static const char  *plan_conf_text =
    "proxy_address 203.0.113.10\n"
    "proxy_name edge-1\n"
    "zone usw2-az1\n"
    "target n-l63jl 10.0.1.10 zone=usw2-az1\n"
    "target n-l63jl 10.0.2.10 zone=usw2-az2\n"
    "target n-l63jl 10.0.3.10 zone=usw2-az3\n"
    "target platt-k3v8m 10.0.9.9\n"
    "target ap-1 [fd00::10]:9092\n"
    "target corp-dc.confluent.cloud 10.9.9.9:9092\n"
    "target_dns off\n";


static int
conf_from(ccl_conf_t *c, const char *text)
{
    ccl_conf_init(c);

    if (ccl_conf_parse(c, "plan.conf", text, strlen(text)) != 0
        || ccl_conf_finish(c) != 0)
    {
        ctest_fail(__FILE__, __LINE__, "bad test configuration");
        return -1;
    }

    return 0;
}


static void
add_fixture(ccl_model_t *m, const char *name, ccl_model_item_pt item)
{
    json_t     *j;
    unsigned    bad;
    ccl_buf_t   b;

    if (ccl_test_read(name, &b) != 0) {
        return;
    }

    j = json_loadb(b.data, b.len, 0, NULL);
    ccl_buf_release(&b);
    bad = 0;

    if (j == NULL || ccl_model_parse(m, "env-1", j, name, &bad, item) != 0
        || bad != 0)
    {
        ctest_fail(__FILE__, __LINE__, "fixture %s did not parse", name);
    }

    json_decref(j);
}


static void
build_model(ccl_model_t *m, int with_brokers)
{
    ccl_model_init(m);

    add_fixture(m, "fixtures/plan-networks.json", ccl_model_network_item);
    add_fixture(m, "fixtures/plan-platts.json", ccl_model_platt_item);
    add_fixture(m, "fixtures/plan-access-points.json",
                ccl_model_access_point_item);
    add_fixture(m, "fixtures/plan-endpoints.json",
                ccl_model_endpoint_item);

    if (with_brokers) {
        ccl_model_add_broker(m, "lkc-3gyjw", "env-1", NULL,
                             "e-0cb9-usw2-az1-l63jl.us-west-2.aws.glb."
                             "confluent.cloud", 9092);
        ccl_model_add_broker(m, "lkc-3gyjw", "env-1", NULL,
                             "e-24ab-usw2-az3-l63jl.us-west-2.aws.glb."
                             "confluent.cloud", 9092);
        ccl_model_add_broker(m, "lkc-9wd3ny", "env-1", NULL,
                             "lkc-9wd3ny-g000.us-west-2.aws.private."
                             "confluent.cloud", 9092);
    }

    ccl_model_finish(m);
}


static int
build_plan(const ccl_conf_t *c, const ccl_model_t *m, ccl_plan_t *p)
{
    int         rc;
    ccl_plan_t  groups;

    ccl_plan_init(&groups);
    ccl_plan_init(p);

    rc = ccl_target_resolve(c, m, &groups);
    if (rc == 0) {
        rc = ccl_plan_build(p, c, m, &groups);
    }

    ccl_plan_release(&groups);

    return rc;
}


static const char *
group_of(const ccl_plan_t *p, const char *key)
{
    const ccl_route_t  *r;

    r = ccl_plan_route(p, key);

    return r ? r->group : "(none)";
}


/* targets */


static void
test_target_address_forms(void)
{
    char      text[64], host[256];
    unsigned  port;

    CHECK_INT(ccl_target_parse_address("10.0.0.1", text, sizeof(text),
                                           host, sizeof(host), &port), 1);
    CHECK_STR(text, "10.0.0.1");

    CHECK_INT(ccl_target_parse_address("10.0.0.1:9092", text,
                                           sizeof(text), host, sizeof(host),
                                           &port), 1);
    CHECK_STR(text, "10.0.0.1:9092");

    CHECK_INT(ccl_target_parse_address("fd00:0::10", text, sizeof(text),
                                           host, sizeof(host), &port), 1);
    CHECK_STR(text, "[fd00::10]");

    CHECK_INT(ccl_target_parse_address("[fd00::10]:443", text,
                                           sizeof(text), host, sizeof(host),
                                           &port), 1);
    CHECK_STR(text, "[fd00::10]:443");

    CHECK_INT(ccl_target_parse_address("vpce-1.example.com:9092", text,
                                           sizeof(text), host, sizeof(host),
                                           &port), 0);
    CHECK_STR(host, "vpce-1.example.com");
    CHECK_INT(port, 9092);

    CHECK_INT(ccl_target_parse_address("bad host", text, sizeof(text),
                                           host, sizeof(host), &port), -1);
    CHECK_INT(ccl_target_parse_address("[fd00::1", text, sizeof(text),
                                           host, sizeof(host), &port), -1);
}


/* a resolver that knows a few names */
static int
fake_resolver(const char *name, struct addrinfo **res, void *data)
{
    size_t               i;
    struct addrinfo     *ai;
    struct sockaddr_in  *sin;

    static const char  *names[][2] = {
        { "cclink-probe.usw2-az1.l63jl.us-west-2.aws.confluent.cloud",
          "10.1.0.1" },
        { "cclink-probe.usw2-az2.l63jl.us-west-2.aws.confluent.cloud",
          "10.1.0.2" },
        { "cclink-probe.us-west-2.aws.private.confluent.cloud",
          "10.2.0.1" },
        { "vpce-1.example.com", "10.3.0.1" },
    };

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(name, names[i][0]) != 0) {
            continue;
        }

        ai = calloc(1, sizeof(struct addrinfo) + sizeof(struct sockaddr_in));
        sin = (struct sockaddr_in *) (ai + 1);
        sin->sin_family = AF_INET;
        inet_pton(AF_INET, names[i][1], &sin->sin_addr);
        ai->ai_family = AF_INET;
        ai->ai_socktype = SOCK_STREAM;
        ai->ai_addr = (struct sockaddr *) sin;
        ai->ai_addrlen = sizeof(*sin);
        *res = ai;

        return 0;
    }

    return EAI_NONAME;
}


static void
test_target_dns_mode(void)
{
    ccl_conf_t          c;
    ccl_model_t         m;
    ccl_plan_t          groups;
    const ccl_group_t  *g;

    conf_from(&c, "proxy_address 192.0.2.1\n"
              "target * vpce-1.example.com:9092\n");
    build_model(&m, 0);
    ccl_plan_init(&groups);

    /* the fake resolver's addrinfo is one calloc: freeaddrinfo frees it */
    ccl_target_set_resolver(fake_resolver, NULL);
    CHECK_INT(ccl_target_resolve(&c, &m, &groups), 0);
    ccl_target_set_resolver(NULL, NULL);

    g = ccl_plan_group(&groups, "n-l63jl");
    CHECK(g != NULL && g->naddrs == 2
              && strcmp(g->addrs[0].zone, "usw2-az1") == 0
              && strcmp(g->addrs[1].text, "10.1.0.2") == 0);

    g = ccl_plan_group(&groups, "n-l63jl.usw2-az2");
    CHECK(g != NULL && g->naddrs == 1
              && strcmp(g->addrs[0].text, "10.1.0.2") == 0);

    /* az3 does not resolve: an empty group that says why */
    g = ccl_plan_group(&groups, "n-l63jl.usw2-az3");
    CHECK(g != NULL && g->naddrs == 0 && g->error != NULL);

    g = ccl_plan_group(&groups, "platt-k3v8m");
    CHECK(g != NULL && g->naddrs == 1
              && strcmp(g->addrs[0].text, "10.2.0.1") == 0);

    g = ccl_plan_group(&groups, "ap-1");
    CHECK(g != NULL && g->naddrs == 0);

    g = ccl_plan_group(&groups, "default");
    CHECK(g != NULL && g->naddrs == 1
              && strcmp(g->addrs[0].text, "10.3.0.1:9092") == 0);

    ccl_plan_release(&groups);
    ccl_model_release(&m);
    ccl_conf_release(&c);
}


static void
test_zone_without_address_falls_back_to_the_group(void)
{
    ccl_conf_t        c;
    ccl_model_t       m;
    ccl_plan_t        groups, cur, prev, out;
    ccl_plan_stats_t  st;

    conf_from(&c, "proxy_address 192.0.2.1\n");
    build_model(&m, 1);
    ccl_plan_init(&groups);
    ccl_plan_init(&cur);
    ccl_plan_init(&prev);
    ccl_plan_init(&out);

    ccl_target_set_resolver(fake_resolver, NULL);
    CHECK_INT(ccl_target_resolve(&c, &m, &groups), 0);
    ccl_target_set_resolver(NULL, NULL);

    CHECK_INT(ccl_plan_build(&cur, &c, &m, &groups), 0);
    CHECK_INT(ccl_plan_merge(&prev, &cur, 1, 3, &out, &st), 0);

    /* usw2-az3 did not resolve: its broker goes to the whole network */
    CHECK_STR(group_of(&out, "e-24ab-usw2-az3-l63jl.us-west-2.aws.glb."
                           "confluent.cloud"), "n-l63jl");
    CHECK_STR(group_of(&out, "*.usw2-az3.l63jl.us-west-2.aws.confluent."
                           "cloud"), "n-l63jl");
    CHECK_STR(group_of(&out, "e-0cb9-usw2-az1-l63jl.us-west-2.aws.glb."
                           "confluent.cloud"), "n-l63jl.usw2-az1");
    CHECK(ccl_plan_group(&out, "n-l63jl.usw2-az3") == NULL);
    CHECK(ccl_test_log_has("event=route_fallback"));

    ccl_plan_release(&groups);
    ccl_plan_release(&cur);
    ccl_plan_release(&prev);
    ccl_plan_release(&out);
    ccl_model_release(&m);
    ccl_conf_release(&c);
}


/* building */


static void
test_plan_routes_names_to_groups(void)
{
    ccl_conf_t   c;
    ccl_model_t  m;
    ccl_plan_t   p;

    conf_from(&c, plan_conf_text);
    build_model(&m, 1);
    CHECK_INT(build_plan(&c, &m, &p), 0);

    CHECK_STR(group_of(&p, "lkc-3gyjw-l63jl.us-west-2.aws.glb.confluent."
                           "cloud"), "n-l63jl");
    CHECK_STR(group_of(&p, "e-0cb9-usw2-az1-l63jl.us-west-2.aws.glb."
                           "confluent.cloud"), "n-l63jl.usw2-az1");
    CHECK_STR(group_of(&p, "e-24ab-usw2-az3-l63jl.us-west-2.aws.glb."
                           "confluent.cloud"), "n-l63jl.usw2-az3");
    CHECK_STR(group_of(&p, "lkc-9wd3ny.us-west-2.aws.private.confluent."
                           "cloud"), "platt-k3v8m");
    CHECK_STR(group_of(&p, "lkc-8hx3wq-ap1abc.us-west-2.aws.accesspoint."
                           "glb.confluent.cloud"), "ap-1");
    CHECK_STR(group_of(&p, "flink-l63jl.us-west-2.aws.glb.confluent."
                           "cloud"), "n-l63jl");
    CHECK_STR(group_of(&p, "lkc-corp.corp-dc.confluent.cloud"),
                  "corp-dc.confluent.cloud");

    /* a name that nothing covers is left out, and said so */
    CHECK_STR(group_of(&p, "lkc-lost.me-nowhere-9.gcp.private."
                           "confluent.cloud"), "(none)");
    CHECK(ccl_test_log_has("event=route_skipped_connection "
                               "host=lkc-lost.me-nowhere-9.gcp.private."
                               "confluent.cloud resource=lkc-lost "
                               "connection_type=PEERING"));
    CHECK(ccl_test_log_has("event=route_by_target "
                               "host=lkc-corp.corp-dc.confluent.cloud "
                               "resource=lkc-corp connection_type=PEERING "
                               "group=corp-dc.confluent.cloud"));

    /* patterns */
    CHECK_STR(group_of(&p, "*.l63jl.us-west-2.aws.confluent.cloud"),
                  "n-l63jl");
    CHECK_STR(group_of(&p, "*.usw2-az2.l63jl.us-west-2.aws.confluent."
                           "cloud"), "n-l63jl.usw2-az2");
    CHECK_STR(group_of(&p, "~^[a-z0-9-]+-l63jl\\.us-west-2\\.aws\\.glb"
                           "\\.confluent\\.cloud$"), "n-l63jl");
    CHECK_STR(group_of(&p, "~^[a-z0-9-]+-usw2-az1-l63jl\\.us-west-2\\."
                           "aws\\.glb\\.confluent\\.cloud$"),
                  "n-l63jl.usw2-az1");
    CHECK_STR(group_of(&p, "*.us-west-2.aws.private.confluent.cloud"),
                  "platt-k3v8m");
    CHECK_STR(group_of(&p, "~^[a-z0-9-]+-ap1abc\\.us-west-2\\.aws\\."
                           "accesspoint\\.glb\\.confluent\\.cloud$"), "ap-1");

    ccl_plan_release(&p);
    ccl_model_release(&m);
    ccl_conf_release(&c);
}


static void
test_plan_is_deterministic(void)
{
    ccl_conf_t   c;
    ccl_model_t  m1, m2;
    ccl_plan_t   p1, p2;
    ccl_buf_t    b1, b2;

    conf_from(&c, plan_conf_text);
    build_model(&m1, 1);
    build_model(&m2, 1);
    build_plan(&c, &m1, &p1);
    build_plan(&c, &m2, &p2);

    ccl_buf_init(&b1, 1 << 24);
    ccl_buf_init(&b2, 1 << 24);
    ccl_render_routes(&p1, 7, "2026-01-01T00:00:00Z", &b1);
    ccl_render_routes(&p2, 7, "2026-01-01T00:00:00Z", &b2);
    ccl_render_nginx(&p1, &c, 7, &b1);
    ccl_render_nginx(&p2, &c, 7, &b2);
    ccl_render_powershell(&p1, &c, &b1);
    ccl_render_powershell(&p2, &c, &b2);

    CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);

    ccl_buf_release(&b1);
    ccl_buf_release(&b2);
    ccl_plan_release(&p1);
    ccl_plan_release(&p2);
    ccl_model_release(&m1);
    ccl_model_release(&m2);
    ccl_conf_release(&c);
}


/* merging */


static void
test_merge_keeps_absent_routes_until_drop_after(void)
{
    ccl_plan_t        prev, cur, out1, out2, out3;
    ccl_group_t      *g;
    ccl_plan_stats_t  st;

    ccl_plan_init(&prev);
    ccl_plan_init(&cur);
    ccl_plan_init(&out1);
    ccl_plan_init(&out2);
    ccl_plan_init(&out3);

    g = ccl_plan_add_group(&prev, "g");
    ccl_plan_group_add_addr(g, "10.0.0.1", NULL);
    ccl_plan_add_route(&prev, "a.example.com", "g", CCL_ROUTE_EXACT, 0,
                       CCL_NAME_REST, 1, NULL, 0);
    ccl_plan_add_route(&prev, "b.example.com", "g", CCL_ROUTE_EXACT, 0,
                       CCL_NAME_REST, 1, NULL, 0);

    g = ccl_plan_add_group(&cur, "g");
    ccl_plan_group_add_addr(g, "10.0.0.1", NULL);
    ccl_plan_add_route(&cur, "a.example.com", "g", CCL_ROUTE_EXACT, 0,
                       CCL_NAME_REST, 1, NULL, 0);

    /* complete discovery without b: absent 1, kept */
    CHECK_INT(ccl_plan_merge(&prev, &cur, 1, 3, &out1, &st), 0);
    CHECK_INT(out1.nroutes, 2);
    CHECK_INT(ccl_plan_route(&out1, "b.example.com")->absent, 1);
    CHECK_INT(st.kept_absent, 1);

    /* incomplete discovery: the count does not move */
    CHECK_INT(ccl_plan_merge(&out1, &cur, 0, 3, &out2, &st), 0);
    CHECK_INT(ccl_plan_route(&out2, "b.example.com")->absent, 1);

    /* two more complete ones: 2, then 3 = dropped */
    ccl_plan_release(&out1);
    ccl_plan_init(&out1);
    CHECK_INT(ccl_plan_merge(&out2, &cur, 1, 3, &out1, &st), 0);
    CHECK_INT(ccl_plan_route(&out1, "b.example.com")->absent, 2);

    CHECK_INT(ccl_plan_merge(&out1, &cur, 1, 3, &out3, &st), 0);
    CHECK(ccl_plan_route(&out3, "b.example.com") == NULL);
    CHECK_INT(st.dropped, 1);
    CHECK_INT(st.previous, 2);
    CHECK(ccl_test_log_has("event=route_dropped key=b.example.com"));

    ccl_plan_release(&prev);
    ccl_plan_release(&cur);
    ccl_plan_release(&out1);
    ccl_plan_release(&out2);
    ccl_plan_release(&out3);
}


static void
test_merge_seen_again_resets_absent(void)
{
    ccl_plan_t        prev, cur, out;
    ccl_group_t      *g;
    ccl_plan_stats_t  st;

    ccl_plan_init(&prev);
    ccl_plan_init(&cur);
    ccl_plan_init(&out);

    g = ccl_plan_add_group(&prev, "g");
    ccl_plan_group_add_addr(g, "10.0.0.1", NULL);
    ccl_plan_add_route(&prev, "a.example.com", "g", CCL_ROUTE_EXACT, 0, 0, 0,
                       NULL, 2);

    g = ccl_plan_add_group(&cur, "g");
    ccl_plan_group_add_addr(g, "10.0.0.1", NULL);
    ccl_plan_add_route(&cur, "a.example.com", "g", CCL_ROUTE_EXACT, 0, 0, 0,
                       NULL, 0);

    CHECK_INT(ccl_plan_merge(&prev, &cur, 1, 3, &out, &st), 0);
    CHECK_INT(ccl_plan_route(&out, "a.example.com")->absent, 0);
    CHECK_INT(st.added, 0);

    ccl_plan_release(&prev);
    ccl_plan_release(&cur);
    ccl_plan_release(&out);
}


static void
test_merge_incomplete_does_not_move_routes(void)
{
    ccl_plan_t        prev, cur, out, out2;
    ccl_group_t      *g;
    ccl_plan_stats_t  st;

    ccl_plan_init(&prev);
    ccl_plan_init(&cur);
    ccl_plan_init(&out);
    ccl_plan_init(&out2);

    g = ccl_plan_add_group(&prev, "g1");
    ccl_plan_group_add_addr(g, "10.0.0.1", NULL);
    ccl_plan_add_route(&prev, "a.example.com", "g1", CCL_ROUTE_EXACT, 0, 0,
                       0, NULL, 0);

    g = ccl_plan_add_group(&cur, "g2");
    ccl_plan_group_add_addr(g, "10.0.0.2", NULL);
    ccl_plan_add_route(&cur, "a.example.com", "g2", CCL_ROUTE_EXACT, 0, 0,
                       0, NULL, 0);
    ccl_plan_add_route(&cur, "b.example.com", "g2", CCL_ROUTE_EXACT, 0, 0,
                       0, NULL, 0);

    /* incomplete: a stays where it was, b is added */
    CHECK_INT(ccl_plan_merge(&prev, &cur, 0, 3, &out, &st), 0);
    CHECK_STR(ccl_plan_route(&out, "a.example.com")->group, "g1");
    CHECK_STR(ccl_plan_route(&out, "b.example.com")->group, "g2");
    CHECK(ccl_plan_group(&out, "g1") != NULL);
    CHECK(ccl_test_log_has("event=route_kept key=a.example.com"));

    /* complete: the discovery decides */
    CHECK_INT(ccl_plan_merge(&prev, &cur, 1, 3, &out2, &st), 0);
    CHECK_STR(ccl_plan_route(&out2, "a.example.com")->group, "g2");

    ccl_plan_release(&prev);
    ccl_plan_release(&cur);
    ccl_plan_release(&out);
    ccl_plan_release(&out2);
}


static void
test_merge_keeps_last_addresses_when_resolution_fails(void)
{
    ccl_plan_t         prev, cur, out;
    ccl_group_t       *g;
    ccl_plan_stats_t   st;
    const ccl_group_t *og;

    ccl_plan_init(&prev);
    ccl_plan_init(&cur);
    ccl_plan_init(&out);

    g = ccl_plan_add_group(&prev, "g");
    ccl_plan_group_add_addr(g, "10.0.0.1", "z1");
    ccl_plan_add_route(&prev, "a.example.com", "g", CCL_ROUTE_EXACT, 0, 0, 0,
                       NULL, 0);

    /* now the group resolved to nothing */
    g = ccl_plan_add_group(&cur, "g");
    g->error = strdup("cannot resolve");
    ccl_plan_add_route(&cur, "a.example.com", "g", CCL_ROUTE_EXACT, 0, 0, 0,
                       NULL, 0);

    /* and a new group with no address at all */
    ccl_plan_add_group(&cur, "empty");
    ccl_plan_add_route(&cur, "new.example.com", "empty", CCL_ROUTE_EXACT, 0,
                       0, 0, NULL, 0);

    CHECK_INT(ccl_plan_merge(&prev, &cur, 1, 3, &out, &st), 0);

    og = ccl_plan_group(&out, "g");
    CHECK(og != NULL && og->naddrs == 1 && og->stale
              && strcmp(og->addrs[0].text, "10.0.0.1") == 0);
    CHECK(ccl_plan_route(&out, "a.example.com") != NULL);
    CHECK(ccl_plan_route(&out, "new.example.com") == NULL);
    CHECK_INT(st.skipped, 1);

    ccl_plan_release(&prev);
    ccl_plan_release(&cur);
    ccl_plan_release(&out);
}


static void
test_merge_scales_to_many_routes(void)
{
    char              key[64];
    size_t            i;
    clock_t           t0;
    ccl_plan_t        prev, cur, out;
    ccl_group_t      *g;
    ccl_plan_stats_t  st;

    ccl_plan_init(&prev);
    ccl_plan_init(&cur);
    ccl_plan_init(&out);

    g = ccl_plan_add_group(&prev, "g");
    ccl_plan_group_add_addr(g, "10.0.0.1", NULL);
    g = ccl_plan_add_group(&cur, "g");
    ccl_plan_group_add_addr(g, "10.0.0.1", NULL);

    t0 = clock();

    for (i = 0; i < 60000; i++) {
        snprintf(key, sizeof(key), "b%zu-lkc-%zu.example.com", i % 30,
                 i / 30);
        ccl_plan_add_route(&prev, key, "g", CCL_ROUTE_EXACT, 0,
                           CCL_NAME_BROKER, 1, "lkc-x", 0);
        if (i % 10 != 0) {
            ccl_plan_add_route(&cur, key, "g", CCL_ROUTE_EXACT, 0,
                               CCL_NAME_BROKER, 1, "lkc-x", 0);
        }
    }

    CHECK_INT(ccl_plan_merge(&prev, &cur, 1, 3, &out, &st), 0);
    CHECK_INT(out.nroutes, 60000);
    CHECK_INT(st.kept_absent, 6000);
    CHECK(ccl_plan_route(&out, "b7-lkc-100.example.com") != NULL);
    CHECK(ccl_plan_route(&out, "b7-lkc-9999.example.com") == NULL);

    /* quadratic work would take minutes here */
    CHECK((clock() - t0) / CLOCKS_PER_SEC < 10);

    ccl_plan_release(&prev);
    ccl_plan_release(&cur);
    ccl_plan_release(&out);
}


static void
test_clusters_without_brokers(void)
{
    ccl_conf_t   c;
    ccl_model_t  m;
    ccl_plan_t   p;
    ccl_strv_t   sv;

    conf_from(&c, plan_conf_text);
    build_model(&m, 1);
    build_plan(&c, &m, &p);
    ccl_strv_init(&sv);

    CHECK_INT(ccl_plan_clusters_without_brokers(&p, &sv), 0);
    CHECK_INT(sv.n, 2);
    CHECK_STR(sv.v[0], "lkc-8hx3wq");
    CHECK_STR(sv.v[1], "lkc-corp");

    ccl_strv_release(&sv);
    ccl_plan_release(&p);
    ccl_model_release(&m);
    ccl_conf_release(&c);
}


/* rendering */


static void
render_all(const char *suffix, const char *conf_text)
{
    char         name[128];
    ccl_conf_t   c;
    ccl_model_t  m;
    ccl_plan_t   p;
    ccl_buf_t    b;

    conf_from(&c, conf_text);
    build_model(&m, 1);
    build_plan(&c, &m, &p);
    ccl_buf_init(&b, 1 << 24);

    CHECK_INT(ccl_render_routes(&p, 20261120231500ULL,
                                    "2026-11-20T23:15:00Z", &b), 0);
    snprintf(name, sizeof(name), "golden/routes%s.conf", suffix);
    ccl_test_golden(name, b.data, b.len);

    ccl_buf_reset(&b);
    CHECK_INT(ccl_render_nginx(&p, &c, 20261120231500ULL, &b), 0);
    snprintf(name, sizeof(name), "golden/nginx%s.conf", suffix);
    ccl_test_golden(name, b.data, b.len);

    ccl_buf_reset(&b);
    CHECK_INT(ccl_render_hosts(&p, &c, CCL_HOSTS_LINUX, &b), 0);
    snprintf(name, sizeof(name), "golden/hosts-linux%s.txt", suffix);
    ccl_test_golden(name, b.data, b.len);

    ccl_buf_reset(&b);
    CHECK_INT(ccl_render_hosts(&p, &c, CCL_HOSTS_WINDOWS, &b), 0);
    snprintf(name, sizeof(name), "golden/hosts-windows%s.txt", suffix);
    ccl_test_golden(name, b.data, b.len);

    ccl_buf_reset(&b);
    CHECK_INT(ccl_render_powershell(&p, &c, &b), 0);
    snprintf(name, sizeof(name), "golden/hosts-apply%s.ps1", suffix);
    ccl_test_golden(name, b.data, b.len);

    ccl_buf_release(&b);
    ccl_plan_release(&p);
    ccl_model_release(&m);
    ccl_conf_release(&c);
}


static void
test_render_golden(void)
{
    render_all("", plan_conf_text);
}


static void
test_render_golden_nginx_ports_and_no_zone(void)
{
    render_all("-ports",
               "proxy_address 2001:db8::7\n"
               "proxy_name other\n"
               "nginx_ports 9092\n"
               "target n-l63jl 10.0.1.10 zone=usw2-az1\n"
               "target n-l63jl 10.0.2.10 zone=usw2-az2\n"
               "target platt-k3v8m 10.0.9.9\n"
               "target_dns off\n");
}


static void
test_windows_hosts_use_crlf_only(void)
{
    size_t       i;
    ccl_conf_t   c;
    ccl_model_t  m;
    ccl_plan_t   p;
    ccl_buf_t    b;

    conf_from(&c, plan_conf_text);
    build_model(&m, 1);
    build_plan(&c, &m, &p);
    ccl_buf_init(&b, 1 << 24);

    ccl_render_hosts(&p, &c, CCL_HOSTS_WINDOWS, &b);

    for (i = 0; i < b.len; i++) {
        if (b.data[i] == '\n' && (i == 0 || b.data[i - 1] != '\r')) {
            ctest_fail(__FILE__, __LINE__, "bare LF at byte %zu", i);
            break;
        }
    }

    CHECK(strncmp(b.data, "# BEGIN cclink edge-1\r\n", 23) == 0);

    ccl_buf_release(&b);
    ccl_plan_release(&p);
    ccl_model_release(&m);
    ccl_conf_release(&c);
}


static int
match(const cclink_rt_t *rt, const cclink_rt_regexes_t *rx, const char *name,
    const char *group)
{
    cclink_rt_match_t  m;

    if (!cclink_rt_match(rt, rx, name, strlen(name), &m)) {
        return group == NULL;
    }

    return group != NULL
           && m.group->name_len == strlen(group)
           && memcmp(cclink_rt_str(rt, m.group->name_off), group,
                     strlen(group)) == 0;
}


static void
test_rendered_table_routes_as_intended(void)
{
    char             err[CCLINK_RT_ERRLEN];
    ccl_conf_t       c;
    ccl_model_t      m;
    ccl_plan_t       p;
    ccl_buf_t        b;
    cclink_rt_t     *rt;
    cclink_rt_regexes_t  *rx;

    conf_from(&c, plan_conf_text);
    build_model(&m, 1);
    build_plan(&c, &m, &p);
    ccl_buf_init(&b, 1 << 24);
    ccl_render_routes(&p, 1, "now", &b);

    rt = NULL;
    rx = NULL;

    CHECK_INT(cclink_rt_parse("routes.conf", b.data, b.len, &rt, err,
                                  sizeof(err)), 0);

    if (rt != NULL) {
        rx = cclink_rt_regexes_compile(rt, err, sizeof(err));
        CHECK(rx != NULL);
        CHECK_INT(rt->serial, 1);

        /* known names */
        CHECK(match(rt, rx, "LKC-3GYJW-L63JL.us-west-2.aws.glb."
                        "confluent.cloud.", "n-l63jl"));
        CHECK(match(rt, rx, "e-0cb9-usw2-az1-l63jl.us-west-2.aws.glb."
                        "confluent.cloud", "n-l63jl.usw2-az1"));

        /* a broker discovery has not seen yet, in each form */
        CHECK(match(rt, rx, "e-ffff-usw2-az2-l63jl.us-west-2.aws.glb."
                        "confluent.cloud", "n-l63jl.usw2-az2"));
        CHECK(match(rt, rx, "e-ffff.usw2-az3.l63jl.us-west-2.aws."
                        "confluent.cloud", "n-l63jl.usw2-az3"));
        CHECK(match(rt, rx, "lkc-9wd3ny-g007.us-west-2.aws.private."
                        "confluent.cloud", "platt-k3v8m"));
        CHECK(match(rt, rx, "lkc-8hx3wq-g001-ap1abc.us-west-2.aws."
                        "accesspoint.glb.confluent.cloud", "ap-1"));

        /* another network's names and strangers are refused */
        CHECK(match(rt, rx, "e-0000-usw2-az1-zzzzz.us-west-2.aws.glb."
                        "confluent.cloud", NULL));
        CHECK(match(rt, rx, "www.example.com", NULL));
        CHECK(match(rt, rx, "l63jl.us-west-2.aws.glb.confluent.cloud",
                        NULL));
    }

    cclink_rt_regexes_free(rx);
    cclink_rt_free(rt);
    ccl_buf_release(&b);
    ccl_plan_release(&p);
    ccl_model_release(&m);
    ccl_conf_release(&c);
}


void
ccl_suite_target(void)
{
    CTEST_RUN(test_target_address_forms);
    CTEST_RUN(test_target_dns_mode);
    CTEST_RUN(test_zone_without_address_falls_back_to_the_group);
}


static void
test_plan_refuses_names_a_network_cannot_serve(void)
{
    ccl_conf_t   c;
    ccl_plan_t   p;
    ccl_model_t  m;

    conf_from(&c, plan_conf_text);
    build_model(&m, 0);
    ccl_test_log_clear();

    /* served: glb form, endpoint suffix, domain, zonal subdomain */
    ccl_model_add_name(&m, "lkc-y-l63jl.us-west-2.aws.glb.confluent.cloud",
                       CCL_NAME_BOOTSTRAP, CCL_SVC_KAFKA, "lkc-y", "env-1",
                       "n-l63jl", "endpoint/v1");
    ccl_model_add_name(&m, "b1.usw2-az2.l63jl.us-west-2.aws.confluent.cloud",
                       CCL_NAME_BROKER, CCL_SVC_KAFKA, "lkc-y", "env-1",
                       "n-l63jl", "kafka-metadata");
    ccl_model_add_name(&m, "lkc-z-ap1abc.us-west-2.aws.accesspoint.glb."
                       "confluent.cloud", CCL_NAME_BOOTSTRAP, CCL_SVC_KAFKA,
                       "lkc-z", "env-1", "ap-1", "endpoint/v1");

    /* not: another region, another access point, another network's suffix */
    ccl_model_add_name(&m, "lkc-x.eu-west-1.aws.private.confluent.cloud",
                       CCL_NAME_BOOTSTRAP, CCL_SVC_KAFKA, "lkc-x", "env-1",
                       "n-l63jl", "endpoint/v1");
    ccl_model_add_name(&m, "lkc-w-ap9zzz.us-west-2.aws.accesspoint.glb."
                       "confluent.cloud", CCL_NAME_BOOTSTRAP, CCL_SVC_KAFKA,
                       "lkc-w", "env-1", "ap-1", "endpoint/v1");
    ccl_model_add_name(&m, "lkc-u-q9q9q.us-west-2.aws.glb.confluent.cloud",
                       CCL_NAME_BOOTSTRAP, CCL_SVC_KAFKA, "lkc-u", "env-1",
                       "n-l63jl", "cmk/v2");
    ccl_model_finish(&m);

    CHECK_INT(build_plan(&c, &m, &p), 0);

    CHECK_STR(group_of(&p, "lkc-y-l63jl.us-west-2.aws.glb.confluent."
                           "cloud"), "n-l63jl");
    CHECK_STR(group_of(&p, "b1.usw2-az2.l63jl.us-west-2.aws.confluent."
                           "cloud"), "n-l63jl.usw2-az2");
    CHECK_STR(group_of(&p, "lkc-z-ap1abc.us-west-2.aws.accesspoint.glb."
                           "confluent.cloud"), "ap-1");

    CHECK_STR(group_of(&p, "lkc-x.eu-west-1.aws.private.confluent."
                           "cloud"), "(none)");
    CHECK_STR(group_of(&p, "lkc-w-ap9zzz.us-west-2.aws.accesspoint.glb."
                           "confluent.cloud"), "(none)");
    CHECK_STR(group_of(&p, "lkc-u-q9q9q.us-west-2.aws.glb.confluent."
                           "cloud"), "(none)");
    CHECK(ccl_test_log_has("event=name_refused host=lkc-x.eu-west-1.aws."
                               "private.confluent.cloud resource=lkc-x "
                               "network=n-l63jl"));
    CHECK(ccl_test_log_has("event=name_refused host=lkc-w-ap9zzz"));
    CHECK(ccl_test_log_has("event=name_refused host=lkc-u-q9q9q"));

    ccl_plan_release(&p);
    ccl_model_release(&m);
    ccl_conf_release(&c);
}


static void
test_plan_bad_target_address_is_the_groups_failure(void)
{
    ccl_conf_t   c;
    ccl_plan_t   p;
    ccl_model_t  m;

    /* accepted by the configuration's check, refused when resolved */
    conf_from(&c, "proxy_address 203.0.113.10\n"
                  "proxy_name edge-1\n"
                  "target n-l63jl vpce..bad zone=usw2-az1\n"
                  "target n-l63jl 10.0.2.10 zone=usw2-az2\n"
                  "target platt-k3v8m 127.0.0.1\n"
                  "target_dns off\n");
    build_model(&m, 0);
    ccl_test_log_clear();

    CHECK_INT(build_plan(&c, &m, &p), 0);
    CHECK(ccl_test_log_has("event=target_error group=n-l63jl"));
    CHECK(ccl_test_log_has("target vpce..bad: not an address or host "
                               "name"));
    CHECK(ccl_test_log_has("event=target_refused group=platt-k3v8m"));
    CHECK(ccl_test_log_has("target 127.0.0.1: a loopback address: "
                               "refused (allow_local_targets on permits "
                               "it)"));
    /* the other zone still works */
    CHECK_STR(group_of(&p, "lkc-3gyjw-l63jl.us-west-2.aws.glb."
                           "confluent.cloud"), "n-l63jl");

    ccl_plan_release(&p);
    ccl_model_release(&m);
    ccl_conf_release(&c);
}


void
ccl_suite_plan(void)
{
    CTEST_RUN(test_plan_refuses_names_a_network_cannot_serve);
    CTEST_RUN(test_plan_bad_target_address_is_the_groups_failure);
    CTEST_RUN(test_plan_routes_names_to_groups);
    CTEST_RUN(test_plan_is_deterministic);
    CTEST_RUN(test_merge_keeps_absent_routes_until_drop_after);
    CTEST_RUN(test_merge_seen_again_resets_absent);
    CTEST_RUN(test_merge_incomplete_does_not_move_routes);
    CTEST_RUN(test_merge_keeps_last_addresses_when_resolution_fails);
    CTEST_RUN(test_merge_scales_to_many_routes);
    CTEST_RUN(test_clusters_without_brokers);
}


void
ccl_suite_render(void)
{
    CTEST_RUN(test_render_golden);
    CTEST_RUN(test_render_golden_nginx_ports_and_no_zone);
    CTEST_RUN(test_windows_hosts_use_crlf_only);
    CTEST_RUN(test_rendered_table_routes_as_intended);
}
