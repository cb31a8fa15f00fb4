/*
 * Copyright (C) cclink authors
 *
 * A small unit test harness for cclink-sidecar.
 *
 *     static void
 *     test_something(void)
 *     {
 *         CCL_CHECK(1 + 1 == 2);
 *         CCL_CHECK_STR(got, "expected");
 *     }
 *
 *     void
 *     ccl_suite_x(void)
 *     {
 *         CCL_RUN(test_something);
 *     }
 *
 * Each CCL_RUN is one test: it passes when none of its checks failed. A
 * failed check prints "FAIL test: file:line: what" and the test goes on,
 * so one run shows every broken check. The runner prints
 * "N passed, M failed" last and exits 1 when M > 0.
 *
 * Fixtures and golden files live under $CCL_TEST_DIR (tests/sidecar/unit);
 * CCL_UPDATE_GOLDEN=1 rewrites golden files instead of comparing them.
 * Log lines of the code under test are captured, not printed, unless
 * CCL_TEST_VERBOSE=1; ccl_test_log_has() searches them.
 */

#ifndef _CCL_TEST_H_INCLUDED_
#define _CCL_TEST_H_INCLUDED_


#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ccl_buf.h"


extern int          ccl_test_failed_checks;
extern const char  *ccl_test_current;


void ccl_test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ccl_test_run(const char *name, void (*fn)(void));

/* $CCL_TEST_DIR/name into buf (NUL-terminated); aborts the test if absent */
int ccl_test_read(const char *name, ccl_buf_t *buf);
char *ccl_test_path(const char *name, char *out, size_t size);

/* compares with (or, with CCL_UPDATE_GOLDEN=1, writes) a golden file */
int ccl_test_golden(const char *name, const char *data, size_t len);

/* a fresh empty directory for the test, under $TMPDIR */
const char *ccl_test_tmpdir(void);

void ccl_test_log_clear(void);
int ccl_test_log_has(const char *needle);
const char *ccl_test_log_text(void);


#define CCL_RUN(fn)  ccl_test_run(#fn, fn)

#define CCL_CHECK(cond)                                                     \
    do {                                                                    \
        if (!(cond)) {                                                      \
            ccl_test_fail(__FILE__, __LINE__, "%s", #cond);                 \
        }                                                                   \
    } while (0)

#define CCL_CHECK_INT(got, want)                                            \
    do {                                                                    \
        long long  _g = (long long) (got), _w = (long long) (want);         \
        if (_g != _w) {                                                     \
            ccl_test_fail(__FILE__, __LINE__, "%s == %lld, expected %lld",  \
                          #got, _g, _w);                                    \
        }                                                                   \
    } while (0)

#define CCL_CHECK_STR(got, want)                                            \
    do {                                                                    \
        const char  *_g = (got), *_w = (want);                              \
        if (_g == NULL || _w == NULL || strcmp(_g, _w) != 0) {              \
            ccl_test_fail(__FILE__, __LINE__, "%s == \"%s\", expected "     \
                          "\"%s\"", #got, _g ? _g : "(null)",               \
                          _w ? _w : "(null)");                              \
        }                                                                   \
    } while (0)


/* the suites */
void ccl_suite_log(void);
void ccl_suite_buf(void);
void ccl_suite_conf(void);
void ccl_suite_backoff(void);
void ccl_suite_model(void);
void ccl_suite_api(void);
void ccl_suite_target(void);
void ccl_suite_plan(void);
void ccl_suite_render(void);
void ccl_suite_hosts(void);
void ccl_suite_diff(void);
void ccl_suite_state(void);
void ccl_suite_fleet(void);
void ccl_suite_client(void);
void ccl_suite_merge(void);
void ccl_suite_input(void);
void ccl_suite_pac(void);


#endif /* _CCL_TEST_H_INCLUDED_ */
