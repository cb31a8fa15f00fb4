/*
 * Copyright (C) cclink authors
 *
 * The unit test runner: runs every suite and prints "N passed, M failed".
 */


#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ccl_file.h"
#include "ccl_log.h"
#include "ccl_test.h"


static int        ccl_test_verbose;
static ccl_buf_t  ccl_test_logbuf;
static char       ccl_test_dir_buf[4096];
static unsigned   ccl_test_seq;
static ccl_strv_t ccl_test_dirs;


static int
ccl_test_rm(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
    return remove(path);
}


static void
ccl_test_sink(const char *line, size_t len, void *data)
{
    if (ccl_test_verbose) {
        fwrite(line, 1, len, stderr);
    }

    (void) ccl_buf_add(&ccl_test_logbuf, line, len);
}


void
ccl_test_log_clear(void)
{
    ccl_buf_reset(&ccl_test_logbuf);
}


int
ccl_test_log_has(const char *needle)
{
    return ccl_test_logbuf.data != NULL
           && strstr(ccl_test_logbuf.data, needle) != NULL;
}


const char *
ccl_test_log_text(void)
{
    return ccl_test_logbuf.data ? ccl_test_logbuf.data : "";
}


/* before each test: a fresh log capture at debug level */
static void
ccl_test_before(void)
{
    ccl_test_log_clear();
    ccl_log_set_level(CCL_LOG_DEBUG);
}


/* after a failed test: what the code under test logged */
static void
ccl_test_after_failure(const char *name)
{
    if (ccl_test_logbuf.len > 0) {
        printf("---- log of %s:\n%s----\n", name, ccl_test_log_text());
    }
}


char *
ccl_test_path(const char *name, char *out, size_t size)
{
    const char  *dir;

    dir = getenv("CCL_TEST_DIR");
    if (dir == NULL) {
        dir = "tests/sidecar/unit";
    }

    snprintf(out, size, "%s/%s", dir, name);

    return out;
}


int
ccl_test_read(const char *name, ccl_buf_t *buf)
{
    char  path[4096];

    ccl_test_path(name, path, sizeof(path));
    ccl_buf_init(buf, 64 * 1024 * 1024);

    if (ccl_file_read(path, 64 * 1024 * 1024, buf) != 0) {
        ctest_fail(__FILE__, __LINE__, "cannot read fixture %s", path);
        return -1;
    }

    return 0;
}


int
ccl_test_golden(const char *name, const char *data, size_t len)
{
    char       path[4096], *env;
    size_t     i, line;
    ccl_buf_t  b;

    ccl_test_path(name, path, sizeof(path));
    env = getenv("CCL_UPDATE_GOLDEN");

    if (env != NULL && strcmp(env, "1") == 0) {
        if (ccl_file_commit(path, data, len, 0644) != 0) {
            ctest_fail(__FILE__, __LINE__, "cannot write %s", path);
            return -1;
        }
        return 0;
    }

    ccl_buf_init(&b, 64 * 1024 * 1024);

    if (ccl_file_read(path, 64 * 1024 * 1024, &b) != 0) {
        ctest_fail(__FILE__, __LINE__, "missing golden file %s (run with "
                      "CCL_UPDATE_GOLDEN=1 to create it)", path);
        ccl_buf_release(&b);
        return -1;
    }

    if (b.len == len && memcmp(b.data, data, len) == 0) {
        ccl_buf_release(&b);
        return 0;
    }

    line = 1;

    for (i = 0; i < len && i < b.len && data[i] == b.data[i]; i++) {
        if (data[i] == '\n') {
            line++;
        }
    }

    ctest_fail(__FILE__, __LINE__, "output differs from %s at byte %zu "
                  "(line %zu); got:\n%.*s", path, i, line, (int) len, data);
    ccl_buf_release(&b);

    return -1;
}


const char *
ccl_test_tmpdir(void)
{
    const char  *base;

    base = getenv("TMPDIR");
    if (base == NULL) {
        base = "/tmp";
    }

    snprintf(ccl_test_dir_buf, sizeof(ccl_test_dir_buf),
             "%s/ccl-unit-%ld-%u", base, (long) getpid(), ++ccl_test_seq);

    if (mkdir(ccl_test_dir_buf, 0700) != 0 && errno != EEXIST) {
        ctest_fail(__FILE__, __LINE__, "mkdir %s: %s", ccl_test_dir_buf,
                      strerror(errno));
    }

    (void) ccl_strv_add(&ccl_test_dirs, ccl_test_dir_buf);

    return ccl_test_dir_buf;
}


int
main(void)
{
    int          status;
    size_t       i;
    const char  *v;

    v = getenv("CCL_TEST_VERBOSE");
    ccl_test_verbose = (v != NULL && strcmp(v, "1") == 0);
    ctest_verbose = ccl_test_verbose;

    ccl_buf_init(&ccl_test_logbuf, 16 * 1024 * 1024);
    ccl_strv_init(&ccl_test_dirs);
    ccl_log_set_sink(ccl_test_sink, NULL);
    ctest_set_hooks(ccl_test_before, ccl_test_after_failure);

    /* the code under test must not see a developer's real credentials */
    unsetenv("CONFLUENT_CLOUD_API_KEY");
    unsetenv("CONFLUENT_CLOUD_API_SECRET");

    ccl_suite_log();
    ccl_suite_buf();
    ccl_suite_conf();
    ccl_suite_backoff();
    ccl_suite_model();
    ccl_suite_api();
    ccl_suite_target();
    ccl_suite_plan();
    ccl_suite_render();
    ccl_suite_hosts();
    ccl_suite_diff();
    ccl_suite_state();
    ccl_suite_fleet();
    ccl_suite_client();
    ccl_suite_merge();
    ccl_suite_input();
    ccl_suite_pac();

    ccl_log_set_sink(NULL, NULL);
    ccl_buf_release(&ccl_test_logbuf);

    status = ctest_summary();

    /* the temporary directories go, unless a test failed */
    for (i = 0; status == 0 && i < ccl_test_dirs.n; i++) {
        (void) nftw(ccl_test_dirs.v[i], ccl_test_rm, 16,
                    FTW_DEPTH | FTW_PHYS);
    }

    ccl_strv_release(&ccl_test_dirs);

    return status;
}
