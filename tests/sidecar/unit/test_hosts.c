/*
 * Copyright (C) cclink authors
 *
 * Unit tests: editing hosts files between this proxy's markers, and the
 * state file.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ccl_file.h"
#include "ccl_hosts.h"
#include "ccl_plan.h"
#include "ccl_state.h"
#include "ccl_test.h"


static const char  *block =
    "# BEGIN cclink edge-1\n"
    "203.0.113.10 a.example.com\n"
    "# END cclink edge-1\n";


static int
edit(const char *old, int crlf_default, ccl_buf_t *out)
{
    ccl_buf_init(out, 1 << 20);

    return ccl_hosts_edit("hosts", old, strlen(old), "edge-1", block,
                          crlf_default, out);
}


static void
test_hosts_append_when_missing(void)
{
    ccl_buf_t  out;

    CHECK_INT(edit("127.0.0.1 localhost\n", 0, &out), 0);
    CHECK_STR(out.data, "127.0.0.1 localhost\n"
                  "# BEGIN cclink edge-1\n203.0.113.10 a.example.com\n"
                  "# END cclink edge-1\n");
    ccl_buf_release(&out);
}


static void
test_hosts_without_trailing_newline(void)
{
    ccl_buf_t  out;

    CHECK_INT(edit("127.0.0.1 localhost", 0, &out), 0);
    CHECK_STR(out.data, "127.0.0.1 localhost\n"
                  "# BEGIN cclink edge-1\n203.0.113.10 a.example.com\n"
                  "# END cclink edge-1\n");
    ccl_buf_release(&out);
}


static void
test_hosts_empty_file(void)
{
    ccl_buf_t  out;

    CHECK_INT(edit("", 1, &out), 0);
    CHECK_STR(out.data, "# BEGIN cclink edge-1\r\n"
                  "203.0.113.10 a.example.com\r\n# END cclink edge-1\r\n");
    ccl_buf_release(&out);
}


static void
test_hosts_replace_in_place_keeps_the_rest(void)
{
    ccl_buf_t  out;

    CHECK_INT(edit("# top\n"
                       "# BEGIN cclink edge-1\n"
                       "203.0.113.10 old.example.com\n"
                       "# END cclink edge-1\n"
                       "10.0.0.1   keep.me   # spacing kept\n"
                       "# BEGIN cclink other\n"
                       "198.51.100.1 x.example.com\n"
                       "# END cclink other\n", 0, &out), 0);
    CHECK_STR(out.data, "# top\n"
                  "# BEGIN cclink edge-1\n203.0.113.10 a.example.com\n"
                  "# END cclink edge-1\n"
                  "10.0.0.1   keep.me   # spacing kept\n"
                  "# BEGIN cclink other\n"
                  "198.51.100.1 x.example.com\n"
                  "# END cclink other\n");
    ccl_buf_release(&out);
}


static void
test_hosts_crlf_file_stays_crlf(void)
{
    ccl_buf_t  out;

    CHECK_INT(edit("127.0.0.1 localhost\r\n"
                       "# BEGIN cclink edge-1\r\n"
                       "1.2.3.4 old\r\n"
                       "# END cclink edge-1\r\n"
                       "::1 localhost\r\n", 0, &out), 0);
    CHECK_STR(out.data, "127.0.0.1 localhost\r\n"
                  "# BEGIN cclink edge-1\r\n"
                  "203.0.113.10 a.example.com\r\n"
                  "# END cclink edge-1\r\n"
                  "::1 localhost\r\n");
    ccl_buf_release(&out);
}


static void
test_hosts_crlf_without_trailing_newline(void)
{
    ccl_buf_t  out;

    CHECK_INT(edit("127.0.0.1 localhost\r\n::1 localhost", 0, &out),
                  0);
    CHECK_STR(out.data, "127.0.0.1 localhost\r\n::1 localhost\r\n"
                  "# BEGIN cclink edge-1\r\n"
                  "203.0.113.10 a.example.com\r\n"
                  "# END cclink edge-1\r\n");
    ccl_buf_release(&out);
}


static void
test_hosts_duplicated_blocks_become_one(void)
{
    ccl_buf_t  out;

    CHECK_INT(edit("a\n"
                       "# BEGIN cclink edge-1\nold1\n# END cclink edge-1\n"
                       "b\n"
                       "# BEGIN cclink edge-1  \nold2\n# END cclink edge-1\n"
                       "c\n", 0, &out), 0);
    CHECK_STR(out.data, "a\n"
                  "# BEGIN cclink edge-1\n203.0.113.10 a.example.com\n"
                  "# END cclink edge-1\n"
                  "b\nc\n");
    CHECK(ccl_test_log_has("event=hosts_duplicate_block where=hosts:6"));
    ccl_buf_release(&out);
}


static void
test_hosts_broken_markers_are_refused(void)
{
    ccl_buf_t  out;

    CHECK_INT(edit("x\n# BEGIN cclink edge-1\ny\n", 0, &out), -1);
    CHECK(ccl_test_log_has("where=hosts:2"));
    CHECK(ccl_test_log_has("BEGIN marker without END"));
    ccl_buf_release(&out);

    CHECK_INT(edit("# END cclink edge-1\n", 0, &out), -1);
    CHECK(ccl_test_log_has("END marker without BEGIN"));
    ccl_buf_release(&out);

    CHECK_INT(edit("# BEGIN cclink edge-1\n# BEGIN cclink edge-1\n"
                       "# END cclink edge-1\n", 0, &out), -1);
    CHECK(ccl_test_log_has("where=hosts:2"));
    ccl_buf_release(&out);
}


static void
test_hosts_similar_names_are_not_ours(void)
{
    ccl_buf_t  out;

    /* "edge-10" and a marker inside a line are someone else's */
    CHECK_INT(edit("# BEGIN cclink edge-10\nz\n# END cclink edge-10\n"
                       "x # BEGIN cclink edge-1\n", 0, &out), 0);
    CHECK_STR(out.data, "# BEGIN cclink edge-10\nz\n# END cclink edge-10\n"
                  "x # BEGIN cclink edge-1\n"
                  "# BEGIN cclink edge-1\n203.0.113.10 a.example.com\n"
                  "# END cclink edge-1\n");
    ccl_buf_release(&out);
}


static void
test_hosts_edit_is_idempotent(void)
{
    ccl_buf_t  once, twice;

    CHECK_INT(edit("127.0.0.1 localhost\r\n", 0, &once), 0);
    CHECK_INT(edit(once.data, 0, &twice), 0);
    CHECK_STR(twice.data, once.data);

    ccl_buf_release(&once);
    ccl_buf_release(&twice);
}


static void
test_hosts_apply_file(void)
{
    char         path[4200], backup[4300];
    ccl_buf_t    b;
    struct stat  st;

    snprintf(path, sizeof(path), "%s/hosts", ccl_test_tmpdir());
    snprintf(backup, sizeof(backup), "%s.cclink-backup", path);

    ccl_file_commit(path, "127.0.0.1 localhost", 19, 0640);

    CHECK_INT(ccl_hosts_apply(path, "edge-1", block, 0), 1);
    CHECK_INT(ccl_hosts_apply(path, "edge-1", block, 0), 0);

    ccl_buf_init(&b, 1 << 20);
    CHECK_INT(ccl_file_read(path, 1 << 20, &b), 0);
    CHECK_STR(b.data, "127.0.0.1 localhost\n"
                  "# BEGIN cclink edge-1\n203.0.113.10 a.example.com\n"
                  "# END cclink edge-1\n");
    ccl_buf_reset(&b);

    /* the backup holds the file as it was, byte for byte */
    CHECK_INT(ccl_file_read(backup, 1 << 20, &b), 0);
    CHECK_STR(b.data, "127.0.0.1 localhost");
    ccl_buf_release(&b);

    /* the mode is kept */
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640);

    /* broken markers: refused, the file is untouched */
    ccl_file_commit(path, "# BEGIN cclink edge-1\n", 22, 0644);
    CHECK_INT(ccl_hosts_apply(path, "edge-1", block, 0), -1);
    CHECK(ccl_file_same(path, "# BEGIN cclink edge-1\n", 22));
}


/* the state file */


static void
make_plan(ccl_plan_t *p)
{
    ccl_group_t  *g;

    ccl_plan_init(p);
    g = ccl_plan_add_group(p, "n-1");
    ccl_plan_group_add_addr(g, "10.0.0.1", "z1");
    ccl_plan_group_add_addr(g, "[fd00::1]:9092", NULL);
    ccl_plan_add_route(p, "lkc-1.example.com", "n-1", CCL_ROUTE_EXACT, 0,
                       CCL_NAME_BOOTSTRAP | CCL_NAME_REST, 1, "lkc-1", 2);
    ccl_plan_add_route(p, "*.example.com", "n-1", CCL_ROUTE_WILDCARD, 0, 0,
                       0, NULL, 0);
    ccl_plan_add_route(p, "~^[a-z]+-x\\.example\\.com$", "n-1",
                       CCL_ROUTE_REGEX, 1, 0, 0, NULL, 1);
    ccl_plan_sort(p);
}


static void
test_state_round_trip(void)
{
    ccl_buf_t           b, b2;
    ccl_state_t         st, st2;
    ccl_calls_t         calls;
    ccl_call_t         *rec;
    ccl_state_cycle_t   cy;
    const ccl_route_t  *r;

    ccl_state_init(&st);
    make_plan(&st.plan);
    st.serial = 20261120231500ULL;
    ccl_strlcpy(st.generated, "2026-11-20T23:15:00Z", sizeof(st.generated));
    ccl_strlcpy(st.content_sha256, "ab", sizeof(st.content_sha256));

    ccl_calls_init(&calls);
    rec = ccl_calls_add(&calls, "GET /cmk/v2/clusters?environment=env-1");
    rec->status = 500;
    rec->attempts = 5;
    rec->outcome = CCL_API_FAILED;
    rec->error = strdup("server error (500)");

    memset(&cy, 0, sizeof(cy));
    cy.started = 1;
    cy.finished = 2;
    cy.calls = &calls;
    cy.result = "applied";

    ccl_buf_init(&b, 1 << 24);
    CHECK_INT(ccl_state_render(&st, &cy, &b), 0);
    CHECK(strstr(b.data, "\"outcome\": \"failed\"") != NULL);
    CHECK(strstr(b.data, "\"clusters_without_brokers\": [\n"
                     "    \"lkc-1\"") != NULL);

    ccl_state_init(&st2);
    CHECK_INT(ccl_state_parse("state.json", b.data, b.len, &st2), 0);
    CHECK_INT(st2.serial, 20261120231500ULL);
    CHECK_STR(st2.generated, "2026-11-20T23:15:00Z");
    CHECK_INT(st2.plan.nroutes, 3);

    r = ccl_plan_route(&st2.plan, "lkc-1.example.com");
    CHECK(r != NULL && r->absent == 2
              && r->names == (CCL_NAME_BOOTSTRAP | CCL_NAME_REST)
              && strcmp(r->resource, "lkc-1") == 0);
    r = ccl_plan_route(&st2.plan, "~^[a-z]+-x\\.example\\.com$");
    CHECK(r != NULL && r->kind == CCL_ROUTE_REGEX && r->prio == 1);
    CHECK(ccl_plan_group(&st2.plan, "n-1")->naddrs == 2);

    /* the same state renders to the same bytes */
    ccl_buf_init(&b2, 1 << 24);
    ccl_state_render(&st2, &cy, &b2);
    CHECK_STR(b2.data, b.data);

    ccl_buf_release(&b);
    ccl_buf_release(&b2);
    ccl_calls_release(&calls);
    ccl_state_release(&st);
    ccl_state_release(&st2);
}


static void
test_state_rejects_bad_files(void)
{
    size_t       i;
    ccl_state_t  st;

    static const char  *bad[] = {
        "{\"format\": 1, \"serial\": 1, \"groups\": [], \"routes\": [",
        "{\"format\": 2, \"serial\": 1, \"groups\": [], \"routes\": []}",
        "{\"format\": 1, \"serial\": \"x\", \"groups\": [], \"routes\": []}",
        "{\"format\": 1, \"serial\": 1, \"groups\": [], \"routes\": ["
        "{\"key\": \"a b\", \"group\": \"g\", \"kind\": \"exact\","
        " \"absent\": 0}]}",
        "{\"format\": 1, \"serial\": 1, \"groups\": [{\"name\": \"g\","
        " \"addresses\": [{\"address\": \"10.0.0.1; x\"}]}], \"routes\": []}",
        "{\"format\": 1, \"serial\": 1, \"groups\": [], \"routes\": ["
        "{\"key\": \"x.example.com\", \"group\": \"g\", \"kind\": \"weird\","
        " \"absent\": 0}]}",
    };

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ccl_state_init(&st);
        if (ccl_state_parse("state.json", bad[i], strlen(bad[i]), &st) == 0)
        {
            ctest_fail(__FILE__, __LINE__, "accepted: %s", bad[i]);
        }
        ccl_state_release(&st);
    }

    CHECK(ccl_test_log_has("where=state.json:1"));
}


static void
test_state_missing_file_is_empty(void)
{
    char         path[4200];
    ccl_state_t  st;

    snprintf(path, sizeof(path), "%s/none.json", ccl_test_tmpdir());
    ccl_state_init(&st);

    CHECK_INT(ccl_state_load(path, &st), 0);
    CHECK_INT(st.loaded, 0);

    ccl_state_release(&st);
}


static void
test_state_import_from_route_table(void)
{
    char         path[4200];
    const char  *table =
        "cclink-routes 1\nserial 42\n"
        "group g 10.0.0.1 zone=z1\n"
        "route a.example.com g\nroute *.example.com g\n"
        "route ~^x-[0-9]+\\.example\\.com$ g\nend\n";
    ccl_state_t  st;

    snprintf(path, sizeof(path), "%s/routes.conf", ccl_test_tmpdir());
    ccl_file_commit(path, table, strlen(table), 0644);
    ccl_state_init(&st);

    CHECK_INT(ccl_state_import_routes(path, &st), 0);
    CHECK_INT(st.serial, 42);
    CHECK_INT(st.plan.nroutes, 3);
    CHECK(ccl_plan_route(&st.plan, "~^x-[0-9]+\\.example\\.com$")
              != NULL);
    CHECK(ccl_plan_group(&st.plan, "g") != NULL
              && strcmp(ccl_plan_group(&st.plan, "g")->addrs[0].zone, "z1")
                 == 0);

    ccl_state_release(&st);
}


void
ccl_suite_hosts(void)
{
    CTEST_RUN(test_hosts_append_when_missing);
    CTEST_RUN(test_hosts_without_trailing_newline);
    CTEST_RUN(test_hosts_empty_file);
    CTEST_RUN(test_hosts_replace_in_place_keeps_the_rest);
    CTEST_RUN(test_hosts_crlf_file_stays_crlf);
    CTEST_RUN(test_hosts_crlf_without_trailing_newline);
    CTEST_RUN(test_hosts_duplicated_blocks_become_one);
    CTEST_RUN(test_hosts_broken_markers_are_refused);
    CTEST_RUN(test_hosts_similar_names_are_not_ours);
    CTEST_RUN(test_hosts_edit_is_idempotent);
    CTEST_RUN(test_hosts_apply_file);
}


void
ccl_suite_state(void)
{
    CTEST_RUN(test_state_round_trip);
    CTEST_RUN(test_state_rejects_bad_files);
    CTEST_RUN(test_state_missing_file_is_empty);
    CTEST_RUN(test_state_import_from_route_table);
}
