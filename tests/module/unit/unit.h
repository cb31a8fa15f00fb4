/*
 * Copyright (C) cclink authors
 *
 * A minimal unit-test harness: each test is a function registered with
 * UNIT_TEST(); a failed CHECK marks the test failed and returns from it.
 * The runner prints one line per failure and a final "N passed, N failed".
 */

#ifndef _UNIT_H_INCLUDED_
#define _UNIT_H_INCLUDED_

#include <stdio.h>
#include <string.h>


typedef struct unit_test_s  unit_test_t;

struct unit_test_s {
    const char   *name;
    void        (*fn)(int *failed);
    unit_test_t  *next;
};

void unit_register(unit_test_t *t);

#define UNIT_TEST(name)                                                      \
    static void name(int *unit_failed_);                                     \
    static unit_test_t unit_t_##name = { #name, name, NULL };                \
    __attribute__((constructor)) static void unit_reg_##name(void)           \
    {                                                                        \
        unit_register(&unit_t_##name);                                       \
    }                                                                        \
    static void name(int *unit_failed_)

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__,         \
                    __LINE__, #cond);                                        \
            *unit_failed_ = 1;                                               \
            return;                                                          \
        }                                                                    \
    } while (0)

#define CHECK_STR(a, b)                                                      \
    do {                                                                     \
        const char *unit_a_ = (a), *unit_b_ = (b);                           \
        if (unit_a_ == NULL || unit_b_ == NULL                               \
            || strcmp(unit_a_, unit_b_) != 0)                                \
        {                                                                    \
            fprintf(stderr, "  %s:%d: \"%s\" != \"%s\"\n", __FILE__,         \
                    __LINE__, unit_a_ ? unit_a_ : "(null)",                  \
                    unit_b_ ? unit_b_ : "(null)");                           \
            *unit_failed_ = 1;                                               \
            return;                                                          \
        }                                                                    \
    } while (0)

#endif /* _UNIT_H_INCLUDED_ */
