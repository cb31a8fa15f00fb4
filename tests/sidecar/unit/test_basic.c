/*
 * Copyright (C) cclink authors
 *
 * Unit tests: logging, buffers and strings, backoff, diffs.
 */


#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ccl_backoff.h"
#include "ccl_buf.h"
#include "ccl_diff.h"
#include "ccl_log.h"
#include "ccl_test.h"


/* logging */


static void
test_log_plain_values_stay_bare(void)
{
    ccl_log(CCL_LOG_INFO, "discovery_done", "env=%s routes=%d", "env-1", 42);

    CHECK(ccl_test_log_has(
        "level=info event=discovery_done env=env-1 routes=42\n"));
}


static void
test_log_quotes_unsafe_values(void)
{
    ccl_log(CCL_LOG_WARN, "x", "a=%s b=%s c=%s", "two words", "q\"uote",
            "k=v");

    CHECK(ccl_test_log_has("a=\"two words\" b=\"q\\\"uote\" c=\"k=v\""));
}


static void
test_log_value_cannot_forge_a_line(void)
{
    ccl_log(CCL_LOG_ERROR, "x", "v=%s", "a\nlevel=info event=forged");

    CHECK(ccl_test_log_has("v=\"a\\nlevel=info event=forged\"\n"));
    CHECK(!ccl_test_log_has("\nlevel=info event=forged"));
}


static void
test_log_level_filters(void)
{
    ccl_log_set_level(CCL_LOG_WARN);
    ccl_log(CCL_LOG_INFO, "hidden", NULL);
    ccl_log(CCL_LOG_ERROR, "shown", NULL);
    ccl_log_set_level(CCL_LOG_DEBUG);

    CHECK(!ccl_test_log_has("hidden"));
    CHECK(ccl_test_log_has("level=error event=shown\n"));
}


static void
test_log_null_and_empty_values(void)
{
    const char  *none;

    /* NULL at run time: the compiler cannot see it */
    none = getenv("CCL_TEST_NO_SUCH_VARIABLE");

    ccl_log(CCL_LOG_INFO, "x", "a=%s b=%s", none, "");

    CHECK(ccl_test_log_has("a=- b=\"\"\n"));
}


static void
test_log_long_line_is_cut(void)
{
    char  big[8000];

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';

    ccl_log(CCL_LOG_INFO, "long", "v=%s", big);

    CHECK(ccl_test_log_has("...\n"));
    CHECK(strlen(ccl_test_log_text()) < CCL_LOG_LINE);
}


/* buffers and strings */


static void
test_buf_refuses_past_max(void)
{
    ccl_buf_t  b;

    ccl_buf_init(&b, 8);

    CHECK_INT(ccl_buf_adds(&b, "12345678"), 0);
    CHECK_INT(ccl_buf_adds(&b, "9"), -1);
    CHECK(b.over);
    CHECK_INT(b.len, 8);
    CHECK_STR(b.data, "12345678");

    ccl_buf_release(&b);
}


static void
test_buf_addf_formats(void)
{
    ccl_buf_t  b;

    ccl_buf_init(&b, 1024);
    ccl_buf_addf(&b, "%s=%d", "n", 7);
    ccl_buf_addf(&b, ";%05u", 42u);

    CHECK_STR(b.data, "n=7;00042");

    ccl_buf_release(&b);
}


static void
test_split_fields(void)
{
    int    n;
    char   line[] = "  target  \"a b\" x\\y  # comment";
    char  *f[8];

    n = ccl_split_fields(line, f, 8);

    CHECK_INT(n, 3);
    CHECK_STR(f[0], "target");
    CHECK_STR(f[1], "a b");
    CHECK_STR(f[2], "x\\y");
}


static void
test_split_fields_errors(void)
{
    char   a[] = "x \"unterminated";
    char   b[] = "a b c d";
    char  *f[3];

    CHECK_INT(ccl_split_fields(a, f, 3), -1);
    CHECK_INT(ccl_split_fields(b, f, 3), -1);
}


static void
test_parse_numbers(void)
{
    long           v;
    unsigned long  u;

    CHECK_INT(ccl_parse_long("42", 0, 100, &v), 0);
    CHECK_INT(v, 42);
    CHECK_INT(ccl_parse_long("101", 0, 100, &v), -1);
    CHECK_INT(ccl_parse_long("4x", 0, 100, &v), -1);
    CHECK_INT(ccl_parse_long("", 0, 100, &v), -1);
    CHECK_INT(ccl_parse_ulong("-1", 100, &u), -1);
    CHECK_INT(ccl_parse_ulong(" 1", 100, &u), -1);
}


static void
test_strv_sort_uniq(void)
{
    ccl_strv_t  sv;

    ccl_strv_init(&sv);
    ccl_strv_add(&sv, "b");
    ccl_strv_add(&sv, "a");
    ccl_strv_add(&sv, "b");
    ccl_strv_sort(&sv);
    ccl_strv_uniq(&sv);

    CHECK_INT(sv.n, 2);
    CHECK_STR(sv.v[0], "a");
    CHECK_STR(sv.v[1], "b");

    ccl_strv_release(&sv);
}


/* backoff */


static void
test_backoff_grows_and_caps(void)
{
    ccl_backoff_t  b = { 1000, 30000, 120000 };

    /* the largest random part: the full step */
    CHECK_INT(ccl_backoff_delay(&b, 0, 0xffffffffu) <= 1000, 1);
    CHECK_INT(ccl_backoff_delay(&b, 0, 0), 500);
    CHECK_INT(ccl_backoff_delay(&b, 1, 0), 1000);
    CHECK_INT(ccl_backoff_delay(&b, 2, 0), 2000);
    CHECK_INT(ccl_backoff_delay(&b, 10, 0), 15000);
    CHECK(ccl_backoff_delay(&b, 40, 0xffffffffu) <= 30000);
}


static void
test_backoff_jitter_stays_in_range(void)
{
    uint64_t       d;
    unsigned       i;
    ccl_backoff_t  b = { 1000, 30000, 120000 };

    for (i = 0; i < 1000; i++) {
        d = ccl_backoff_delay(&b, 3, (uint32_t) (i * 2654435761u));
        CHECK(d >= 4000 && d <= 8000);
    }
}


static void
test_retry_after_seconds_and_date(void)
{
    uint64_t  ms;
    time_t    now;

    CHECK_INT(ccl_backoff_retry_after("2", 0, &ms), 0);
    CHECK_INT(ms, 2000);
    CHECK_INT(ccl_backoff_retry_after(" 7 ", 0, &ms), 0);
    CHECK_INT(ms, 7000);

    /* Sun, 06 Nov 1994 08:49:37 GMT = 784111777 */
    now = 784111777 - 30;
    CHECK_INT(ccl_backoff_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
                                          now, &ms), 0);
    CHECK_INT(ms, 30000);

    now = 784111777 + 30;
    CHECK_INT(ccl_backoff_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
                                          now, &ms), 0);
    CHECK_INT(ms, 0);

    CHECK_INT(ccl_backoff_retry_after("soon", 0, &ms), -1);
    CHECK_INT(ccl_backoff_retry_after("-3", 0, &ms), -1);
    CHECK_INT(ccl_backoff_retry_after(NULL, 0, &ms), -1);
}


static void
test_rate_limited_prefers_retry_after(void)
{
    ccl_backoff_t  b = { 1000, 30000, 60000 };

    CHECK_INT(ccl_backoff_rate_limited(&b, "3", "9", 0, 0, 0), 3000);
    CHECK_INT(ccl_backoff_rate_limited(&b, NULL, "9", 0, 0, 0), 9000);
    CHECK_INT(ccl_backoff_rate_limited(&b, "bad", "9", 0, 0, 0), 9000);
    CHECK_INT(ccl_backoff_rate_limited(&b, NULL, NULL, 0, 2, 0), 2000);

    /* a server asking for an hour gets the configured maximum */
    CHECK_INT(ccl_backoff_rate_limited(&b, "3600", NULL, 0, 0, 0),
                  60000);
}


/* diffs */


static void
test_diff_equal_is_empty(void)
{
    ccl_buf_t  out;

    ccl_buf_init(&out, 1 << 20);

    CHECK_INT(ccl_diff_unified("f", "a\nb\n", 4, "a\nb\n", 4, &out), 0);
    CHECK_INT(out.len, 0);

    ccl_buf_release(&out);
}


static void
test_diff_changed_line_with_context(void)
{
    const char  *a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
    const char  *b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
    ccl_buf_t    out;

    ccl_buf_init(&out, 1 << 20);

    CHECK_INT(ccl_diff_unified("routes.conf", a, strlen(a), b,
                                   strlen(b), &out), 1);
    CHECK_STR(out.data,
                  "--- a/routes.conf\n+++ b/routes.conf\n"
                  "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");

    ccl_buf_release(&out);
}


static void
test_diff_new_file_and_missing_newline(void)
{
    ccl_buf_t  out;

    ccl_buf_init(&out, 1 << 20);

    CHECK_INT(ccl_diff_unified("h", "", 0, "x\ny", 3, &out), 1);
    CHECK_STR(out.data, "--- a/h\n+++ b/h\n@@ -0,0 +1,2 @@\n+x\n+y\n"
                  "\\ No newline at end of file\n");

    ccl_buf_release(&out);
}


static void
test_diff_two_hunks(void)
{
    char       a[512], b[512];
    size_t     i;
    ccl_buf_t  out;

    a[0] = '\0';
    b[0] = '\0';

    for (i = 0; i < 20; i++) {
        snprintf(a + strlen(a), sizeof(a) - strlen(a), "l%zu\n", i);
        snprintf(b + strlen(b), sizeof(b) - strlen(b), "%s%zu\n",
                 (i == 1 || i == 18) ? "x" : "l", i);
    }

    ccl_buf_init(&out, 1 << 20);

    CHECK_INT(ccl_diff_unified("f", a, strlen(a), b, strlen(b), &out),
                  1);
    CHECK(strstr(out.data, "@@ -1,5 +1,5 @@\n") != NULL);
    CHECK(strstr(out.data, "@@ -16,5 +16,5 @@\n") != NULL);

    ccl_buf_release(&out);
}


void
ccl_suite_log(void)
{
    CTEST_RUN(test_log_plain_values_stay_bare);
    CTEST_RUN(test_log_quotes_unsafe_values);
    CTEST_RUN(test_log_value_cannot_forge_a_line);
    CTEST_RUN(test_log_level_filters);
    CTEST_RUN(test_log_null_and_empty_values);
    CTEST_RUN(test_log_long_line_is_cut);
}


void
ccl_suite_buf(void)
{
    CTEST_RUN(test_buf_refuses_past_max);
    CTEST_RUN(test_buf_addf_formats);
    CTEST_RUN(test_split_fields);
    CTEST_RUN(test_split_fields_errors);
    CTEST_RUN(test_parse_numbers);
    CTEST_RUN(test_strv_sort_uniq);
}


void
ccl_suite_backoff(void)
{
    CTEST_RUN(test_backoff_grows_and_caps);
    CTEST_RUN(test_backoff_jitter_stays_in_range);
    CTEST_RUN(test_retry_after_seconds_and_date);
    CTEST_RUN(test_rate_limited_prefers_retry_after);
}


void
ccl_suite_diff(void)
{
    CTEST_RUN(test_diff_equal_is_empty);
    CTEST_RUN(test_diff_changed_line_with_context);
    CTEST_RUN(test_diff_new_file_and_missing_newline);
    CTEST_RUN(test_diff_two_hunks);
}
