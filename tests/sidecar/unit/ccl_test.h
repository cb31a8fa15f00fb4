/*
 * Copyright (C) cclink authors
 *
 * The sidecar's unit tests: the suites, and the helpers they share on top
 * of the harness (tests/lib/ctest.h: CHECK, CHECK_INT, CHECK_STR, REQUIRE,
 * CTEST_RUN and its failure rule).
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
#include "ctest.h"


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
