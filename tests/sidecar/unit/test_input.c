/*
 * Copyright (C) cclink authors
 *
 * Unit tests: bad input from the network never stalls or misleads the
 * sidecar (UTF-8 edges in texts, the state always writable).
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ccl_api.h"
#include "ccl_buf.h"
#include "ccl_exec.h"
#include "ccl_state.h"
#include "ccl_test.h"


static void
test_utf8_length(void)
{
    CHECK_INT(ccl_utf8_length((const unsigned char *) "a", 1), 1);
    CHECK_INT(ccl_utf8_length((const unsigned char *) "\xc3\xa9", 2), 2);
    CHECK_INT(ccl_utf8_length((const unsigned char *) "\xe2\x82\xac", 3),
                  3);
    CHECK_INT(ccl_utf8_length((const unsigned char *)
                                  "\xf0\x9f\x98\x80", 4), 4);
    /* cut, stray, overlong, surrogate, beyond U+10FFFF */
    CHECK_INT(ccl_utf8_length((const unsigned char *) "\xe2\x82", 2), 0);
    CHECK_INT(ccl_utf8_length((const unsigned char *) "\x80", 1), 0);
    CHECK_INT(ccl_utf8_length((const unsigned char *) "\xc0\xaf", 2), 0);
    CHECK_INT(ccl_utf8_length((const unsigned char *) "\xed\xa0\x80", 3),
                  0);
    CHECK_INT(ccl_utf8_length((const unsigned char *)
                                  "\xf4\x90\x80\x80", 4), 0);
}


static void
test_utf8_fix(void)
{
    char  a[] = "abc\xc3";
    char  b[] = "a\x80" "b\xff" "c";
    char  c[] = "\xed\xa0\x80x";
    char  d[] = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    char  e[] = "x\xf0\x9f\x98";
    char  f[] = "\xe2\x82" "b";

    CHECK_INT(ccl_utf8_fix(a), 1);
    CHECK_STR(a, "abc");
    CHECK_INT(ccl_utf8_fix(b), 2);
    CHECK_STR(b, "a?b?c");
    CHECK_INT(ccl_utf8_fix(c), 3);
    CHECK_STR(c, "???x");
    CHECK_INT(ccl_utf8_fix(d), 0);
    CHECK_STR(d, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    CHECK_INT(ccl_utf8_fix(e), 3);
    CHECK_STR(e, "x");
    CHECK_INT(ccl_utf8_fix(f), 2);
    CHECK_STR(f, "??b");
}


static void
test_strlcpy_cuts_at_characters(void)
{
    char  buf[8];

    /* "a" + e-acute: room for "a" and half of it */
    CHECK_INT(ccl_strlcpy(buf, "a\xc3\xa9", 3), -1);
    CHECK_STR(buf, "a");

    /* the euro sign across the cut */
    CHECK_INT(ccl_strlcpy(buf, "abcde\xe2\x82\xac", 7), -1);
    CHECK_STR(buf, "abcde");
    CHECK_INT(ccl_strlcpy(buf, "abcd\xe2\x82\xac", 8), 0);
    CHECK_STR(buf, "abcd\xe2\x82\xac");
    CHECK_INT(ccl_strlcpy(buf, "abcd\xe2\x82\xac!", 8), -1);
    CHECK_STR(buf, "abcd\xe2\x82\xac");

    /* ASCII cuts as before */
    CHECK_INT(ccl_strlcpy(buf, "abcdefghij", 8), -1);
    CHECK_STR(buf, "abcdefg");
}


static void
test_error_text_cut_inside_a_character(void)
{
    char    body[1024], out[256];
    size_t  n;

    /* 254 ASCII bytes then "é": the 256-byte buffer cuts it in two */
    n = (size_t) snprintf(body, sizeof(body), "{\"errors\": [{\"detail\": "
                          "\"%0254d\xc3\xa9 tail\"}]}", 0);

    ccl_api_error_text(body, n, out, sizeof(out));

    CHECK_INT(strlen(out), 254);
    CHECK_INT(ccl_utf8_fix(out), 0);
}


static void
test_state_written_whatever_the_texts(void)
{
    char                 err[300];
    ccl_buf_t            b;
    ccl_strv_t           errors;
    ccl_calls_t          calls;
    ccl_call_t          *rec;
    ccl_state_t          st, st2;
    ccl_state_cycle_t    cy;
    ccl_state_cluster_t  cl;

    ccl_state_init(&st);
    st.serial = 20261206010000ULL;
    ccl_strlcpy(st.generated, "2026-12-06T01:00:00Z", sizeof(st.generated));
    ccl_strlcpy(st.content_sha256, "ab", sizeof(st.content_sha256));

    /* what a cut and a hostile server leave: invalid UTF-8 everywhere */
    memset(err, 'x', sizeof(err));
    memcpy(err + 250, "\xe2\x82", 2);
    err[252] = '\0';

    ccl_calls_init(&calls);
    rec = ccl_calls_add(&calls, "GET /cmk/v2/clusters?environment=env-1");
    rec->status = 500;
    rec->outcome = CCL_API_FAILED;
    rec->error = strdup(err);

    memset(&cl, 0, sizeof(cl));
    ccl_strlcpy(cl.cluster, "lkc-1", sizeof(cl.cluster));
    ccl_strlcpy(cl.error, "broker says \xff\xfe", sizeof(cl.error));
    cl.brokers = -1;

    ccl_strv_init(&errors);
    ccl_strv_add(&errors, "kafka metadata lkc-1: \xc0\xaf");

    memset(&cy, 0, sizeof(cy));
    cy.started = 1;
    cy.finished = 2;
    cy.calls = &calls;
    cy.clusters = &cl;
    cy.nclusters = 1;
    cy.errors = &errors;
    cy.result = "applied";
    cy.reason = "bad \xed\xa0\x80 reason";

    ccl_buf_init(&b, 1 << 24);
    CHECK_INT(ccl_state_render(&st, &cy, &b), 0);
    CHECK(b.data != NULL && strstr(b.data, "broker says ??") != NULL);
    CHECK(b.data != NULL && strstr(b.data, "bad ??? reason") != NULL);

    ccl_state_init(&st2);
    CHECK_INT(ccl_state_parse("state.json", b.data ? b.data : "",
                                  b.len, &st2), 0);
    CHECK_INT(st2.serial, 20261206010000ULL);

    ccl_state_release(&st2);
    ccl_state_release(&st);
    ccl_buf_release(&b);
    ccl_strv_release(&errors);
    ccl_calls_release(&calls);
}


static long
input_now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/* 1 while process pid exists and is not a zombie */
static int
input_alive(long pid)
{
    char   path[64], buf[256], *p;
    FILE  *f;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);

    f = fopen(path, "r");
    if (f == NULL) {
        return 0;
    }

    p = fgets(buf, sizeof(buf), f);
    fclose(f);

    if (p == NULL) {
        return 0;
    }

    p = strrchr(buf, ')');

    return p != NULL && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}


static void
test_exec_deadline_holds_when_output_is_closed(void)
{
    int          i;
    long         t0, pid;
    char         cmd[512], path[256];
    FILE        *f;
    const char  *dir;

    CHECK_INT(ccl_exec_run("echo fine", 5000, "test"), 0);

    /* it closes its output and hangs */
    t0 = input_now_ms();
    CHECK_INT(ccl_exec_run("exec >/dev/null 2>&1; sleep 30", 400,
                               "test"), -1);
    CHECK(input_now_ms() - t0 < 5000);
    CHECK(ccl_test_log_has("error=\"timed out\""));

    /* and leaves a child behind: the whole group is killed */
    dir = ccl_test_tmpdir();
    snprintf(path, sizeof(path), "%s/pid", dir);
    snprintf(cmd, sizeof(cmd), "sleep 30 & echo $! > %s; "
             "exec >/dev/null 2>&1; wait", path);

    t0 = input_now_ms();
    CHECK_INT(ccl_exec_run(cmd, 400, "test"), -1);
    CHECK(input_now_ms() - t0 < 5000);

    pid = 0;
    f = fopen(path, "r");
    CHECK(f != NULL);
    if (f != NULL) {
        if (fscanf(f, "%ld", &pid) != 1) {
            pid = 0;
        }
        fclose(f);
    }
    CHECK(pid > 0);

    for (i = 0; i < 40 && pid > 0 && input_alive(pid); i++) {
        usleep(50000);
    }
    CHECK(pid > 0 && !input_alive(pid));
}


void
ccl_suite_input(void)
{
    CTEST_RUN(test_utf8_length);
    CTEST_RUN(test_utf8_fix);
    CTEST_RUN(test_strlcpy_cuts_at_characters);
    CTEST_RUN(test_error_text_cut_inside_a_character);
    CTEST_RUN(test_state_written_whatever_the_texts);
    CTEST_RUN(test_exec_deadline_holds_when_output_is_closed);
}
