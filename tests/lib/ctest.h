/*
 * Copyright (C) cclink authors
 *
 * The C unit-test harness of the module's and the sidecar's unit tests.
 *
 *     CTEST(test_something)                 a test registered by itself
 *     {
 *         CHECK(1 + 1 == 2);
 *         CHECK_INT(got, 3);
 *         CHECK_STR(text, "expected");
 *     }
 *
 *     static void test_other(void) { ... }
 *     CTEST_RUN(test_other);                a test run from a suite
 *
 * One failure rule: a failed CHECK, CHECK_INT or CHECK_STR prints
 * "FAIL test: file:line: what", fails its test, and the test goes on, so
 * one run shows every broken check; REQUIRE does the same and then returns
 * from the test (for a check the rest of the test depends on, e.g. a
 * pointer it goes on to use). Every test runs whatever the others did.
 * ctest_summary() prints "N passed, M failed" and returns the exit status:
 * the number of failed tests (at most 125).
 */

#ifndef _CTEST_H_INCLUDED_
#define _CTEST_H_INCLUDED_


#include <stddef.h>
#include <stdio.h>
#include <string.h>


typedef struct ctest_s  ctest_t;

struct ctest_s {
    const char   *name;
    void        (*fn)(void);
    ctest_t      *next;
};


extern int          ctest_failed_checks;
extern const char  *ctest_current;
extern int          ctest_verbose;      /* prints "ok   test" on a pass */


void ctest_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* runs one test; returns 1 when it failed */
int ctest_run(const char *name, void (*fn)(void));

/* called before each test and after each failed one (e.g. captured logs) */
void ctest_set_hooks(void (*before)(void), void (*failed)(const char *name));

/* the tests registered with CTEST() whose name contains filter (or all) */
void ctest_register(ctest_t *t);
void ctest_run_registered(const char *filter);

/* prints "N passed, M failed"; returns the exit status */
int ctest_summary(void);


#define CTEST(name)                                                         \
    static void name(void);                                                 \
    static ctest_t ctest_t_##name = { #name, name, NULL };                  \
    __attribute__((constructor)) static void ctest_reg_##name(void)         \
    {                                                                       \
        ctest_register(&ctest_t_##name);                                    \
    }                                                                       \
    static void name(void)

#define CTEST_RUN(fn)  ctest_run(#fn, fn)

#define CHECK(cond)                                                         \
    do {                                                                    \
        if (!(cond)) {                                                      \
            ctest_fail(__FILE__, __LINE__, "%s", #cond);                    \
        }                                                                   \
    } while (0)

#define REQUIRE(cond)                                                       \
    do {                                                                    \
        if (!(cond)) {                                                      \
            ctest_fail(__FILE__, __LINE__, "%s (required)", #cond);         \
            return;                                                         \
        }                                                                   \
    } while (0)

#define CHECK_INT(got, want)                                                \
    do {                                                                    \
        long long  _g = (long long) (got), _w = (long long) (want);         \
        if (_g != _w) {                                                     \
            ctest_fail(__FILE__, __LINE__, "%s == %lld, expected %lld",     \
                       #got, _g, _w);                                       \
        }                                                                   \
    } while (0)

#define CHECK_STR(got, want)                                                \
    do {                                                                    \
        const char  *_g = (got), *_w = (want);                              \
        if (_g == NULL || _w == NULL || strcmp(_g, _w) != 0) {              \
            ctest_fail(__FILE__, __LINE__, "%s == \"%s\", expected "        \
                       "\"%s\"", #got, _g ? _g : "(null)",                  \
                       _w ? _w : "(null)");                                 \
        }                                                                   \
    } while (0)


#endif /* _CTEST_H_INCLUDED_ */
