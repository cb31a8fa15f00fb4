/*
 * Copyright (C) cclink authors
 *
 * The C unit-test harness (ctest.h): failures, running and counting tests.
 */


#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctest.h"


#define CTEST_MAX_STATUS  125


int          ctest_failed_checks;
const char  *ctest_current;
int          ctest_verbose;

static int       ctest_passed;
static int       ctest_failed;
static ctest_t  *ctest_tests;
static ctest_t **ctest_last = &ctest_tests;
static void    (*ctest_before)(void);
static void    (*ctest_after_failure)(const char *name);


void
ctest_fail(const char *file, int line, const char *fmt, ...)
{
    va_list  ap;

    fprintf(stdout, "FAIL %s: %s:%d: ",
            ctest_current ? ctest_current : "(no test)", file, line);

    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);

    fputc('\n', stdout);
    fflush(stdout);
    ctest_failed_checks++;
}


void
ctest_set_hooks(void (*before)(void), void (*failed)(const char *name))
{
    ctest_before = before;
    ctest_after_failure = failed;
}


int
ctest_run(const char *name, void (*fn)(void))
{
    int  before;

    ctest_current = name;
    before = ctest_failed_checks;

    if (ctest_before) {
        ctest_before();
    }

    fn();

    if (ctest_failed_checks == before) {
        ctest_passed++;
        if (ctest_verbose) {
            printf("ok   %s\n", name);
        }
        return 0;
    }

    ctest_failed++;

    if (ctest_after_failure) {
        ctest_after_failure(name);
    }

    return 1;
}


void
ctest_register(ctest_t *t)
{
    *ctest_last = t;
    ctest_last = &t->next;
}


void
ctest_run_registered(const char *filter)
{
    ctest_t  *t;

    for (t = ctest_tests; t; t = t->next) {
        if (filter != NULL && strstr(t->name, filter) == NULL) {
            continue;
        }

        (void) ctest_run(t->name, t->fn);
    }
}


int
ctest_summary(void)
{
    printf("%d passed, %d failed\n", ctest_passed, ctest_failed);

    return ctest_failed < CTEST_MAX_STATUS ? ctest_failed : CTEST_MAX_STATUS;
}
