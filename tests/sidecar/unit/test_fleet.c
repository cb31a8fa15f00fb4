/*
 * Copyright (C) cclink authors
 *
 * Unit tests: what a fleet of hosts needs from the sidecar: the status
 * file (ccl_status) and the route attributes (ccl_attrs).
 */

#include <stdlib.h>
#include <string.h>

#include "ccl_attrs.h"
#include "ccl_status.h"
#include "ccl_test.h"


static void
test_status_render(void)
{
    ccl_buf_t     b;
    ccl_status_t  s;

    memset(&s, 0, sizeof(s));
    s.serial = 20261206012345ULL;
    s.last_discovery = 1796519100;
    s.last_complete = 1796519025;
    s.complete = 0;
    s.errors = 2;
    s.result = "applied";

    ccl_buf_init(&b, CCL_STATUS_MAX);
    CHECK_INT(ccl_status_render(&s, &b), 0);
    CHECK_STR(b.data, "cclink-status 1\n"
                  "serial 20261206012345\n"
                  "last_discovery 1796519100\n"
                  "last_complete 1796519025\n"
                  "complete no\n"
                  "errors 2\n"
                  "result applied\n");
    ccl_buf_release(&b);
}


static void
test_status_never_complete_and_no_result(void)
{
    ccl_buf_t     b;
    ccl_status_t  s;

    memset(&s, 0, sizeof(s));

    ccl_buf_init(&b, CCL_STATUS_MAX);
    CHECK_INT(ccl_status_render(&s, &b), 0);
    CHECK(strstr(b.data, "\nlast_complete 0\n") != NULL);
    CHECK(strstr(b.data, "\nresult failed\n") != NULL);
    ccl_buf_release(&b);
}


/* the status page's lines: escaped, cut, at most CCL_STATUS_ERRORS */

static void
test_status_errors(void)
{
    size_t        i;
    char          call[32], *errv[6];
    ccl_buf_t     b;
    ccl_call_t    cv[2];
    ccl_strv_t    errs;
    ccl_calls_t   calls;
    ccl_status_t  s;

    memset(&s, 0, sizeof(s));
    memset(cv, 0, sizeof(cv));

    (void) ccl_strlcpy(call, "GET /x?a=b c", sizeof(call));
    cv[0].call = call;
    cv[0].status = 503;
    cv[0].error = (char *) "HTTP 503: \"no\"\nline\\two";
    cv[1].call = (char *) "GET /ok";
    calls.v = cv;
    calls.n = 2;

    for (i = 0; i < 6; i++) {
        errv[i] = (char *) (i == 0
            ? "metadata timed out; metadata timed out; metadata timed out; "
              "metadata timed out; metadata timed out"
            : "e");
    }

    errs.v = errv;
    errs.n = 6;
    errs.cap = 6;

    s.written_by = "cclink-sidecar 0.1.0";
    s.reason = "discovery incomplete";
    s.calls = &calls;
    s.errs = &errs;

    ccl_buf_init(&b, CCL_STATUS_MAX);
    CHECK_INT(ccl_status_render(&s, &b), 0);
    CHECK(strstr(b.data, "\nresult failed\n"
                     "written_by cclink-sidecar 0.1.0\n"
                     "reason discovery incomplete\n"
                     "error 503 GET\\x20/x?a=b\\x20c HTTP 503: \"no\""
                     "\\x0aline\\x5ctwo\n"
                     "error - - metadata timed out; metadata timed out; "
                     "metadata timed out; metadata timed ou...\n"
                     "error - - e\nerror - - e\n"
                     "errors_more 3\n") != NULL);
    CHECK(strstr(b.data, "generated") == NULL);
    ccl_buf_release(&b);
}


static void
test_status_parse_time(void)
{
    CHECK_INT(ccl_status_parse_time("2026-12-06T01:23:45Z"),
                  1796520225);
    CHECK_INT(ccl_status_parse_time("1970-01-01T00:00:00Z"), 0);
    CHECK_INT(ccl_status_parse_time(""), 0);
    CHECK_INT(ccl_status_parse_time(NULL), 0);
    CHECK_INT(ccl_status_parse_time("2026-12-06T01:23:45+01:00"), 0);
    CHECK_INT(ccl_status_parse_time("yesterday"), 0);
}


static void
test_attrs_annotate(void)
{
    ccl_buf_t     b;
    ccl_plan_t    p;
    ccl_group_t  *g;
    ccl_model_t   m;

    ccl_plan_init(&p);
    ccl_model_init(&m);

    g = ccl_plan_add_group(&p, "g");
    CHECK(g != NULL);
    ccl_plan_group_add_addr(g, "10.0.0.1", NULL);
    ccl_plan_add_route(&p, "lkc-1.example.com", "g", CCL_ROUTE_EXACT, 0,
                       CCL_NAME_BOOTSTRAP | CCL_NAME_REST, CCL_SVC_KAFKA,
                       "lkc-1", 0);
    ccl_plan_add_route(&p, "rest-only.example.com", "g", CCL_ROUTE_EXACT, 0,
                       CCL_NAME_REST, CCL_SVC_KAFKA, "lkc-1", 0);
    ccl_plan_add_route(&p, "sr.example.com", "g", CCL_ROUTE_EXACT, 0,
                       CCL_NAME_OTHER, CCL_SVC_SCHEMA_REGISTRY, "lsrc-1", 0);
    ccl_plan_add_route(&p, "odd.example.com", "g", CCL_ROUTE_EXACT, 0,
                       CCL_NAME_OTHER, CCL_SVC_FLINK, "bad/value", 0);
    ccl_plan_add_route(&p, "*.example.com", "g", CCL_ROUTE_WILDCARD, 0,
                       0, 0, NULL, 0);

    m.clusters = calloc(1, sizeof(ccl_cluster_t));
    CHECK(m.clusters != NULL);
    m.clusters[0].id = ccl_strdup("lkc-1");
    m.clusters[0].env = ccl_strdup("env-a");
    m.nclusters = 1;

    ccl_buf_init(&b, 4096);
    ccl_buf_adds(&b, "cclink-routes 1\nserial 1\ngroup g 10.0.0.1\n"
                 "route lkc-1.example.com g\n"
                 "route rest-only.example.com g\n"
                 "route sr.example.com g\n"
                 "route odd.example.com g\n"
                 "route *.example.com g\n"
                 "route unknown.example.com g\n"
                 "end\n");

    CHECK_INT(ccl_attrs_annotate(&p, &m, &b), 0);
    CHECK_STR(b.data, "cclink-routes 1\nserial 1\ngroup g 10.0.0.1\n"
                  "route lkc-1.example.com g cluster=lkc-1 env=env-a "
                  "service=kafka\n"
                  "route rest-only.example.com g cluster=lkc-1 env=env-a "
                  "service=rest\n"
                  "route sr.example.com g cluster=lsrc-1 "
                  "service=schema_registry\n"
                  "route odd.example.com g service=flink\n"
                  "route *.example.com g\n"
                  "route unknown.example.com g\n"
                  "end\n");

    ccl_buf_release(&b);
    ccl_model_release(&m);
    ccl_plan_release(&p);
}


void
ccl_suite_fleet(void)
{
    CTEST_RUN(test_status_render);
    CTEST_RUN(test_status_never_complete_and_no_result);
    CTEST_RUN(test_status_errors);
    CTEST_RUN(test_status_parse_time);
    CTEST_RUN(test_attrs_annotate);
}
