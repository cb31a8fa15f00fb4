/*
 * Copyright (C) cclink authors
 *
 * Runs every registered unit test, or those whose name contains argv[1].
 */

#include <stdlib.h>

#include "unit.h"


static unit_test_t  *unit_tests;
static unit_test_t **unit_last = &unit_tests;


void
unit_register(unit_test_t *t)
{
    *unit_last = t;
    unit_last = &t->next;
}


int
main(int argc, char **argv)
{
    int           failed, npass, nfail;
    unit_test_t  *t;

    npass = 0;
    nfail = 0;

    for (t = unit_tests; t; t = t->next) {
        if (argc > 1 && strstr(t->name, argv[1]) == NULL) {
            continue;
        }

        failed = 0;
        t->fn(&failed);

        if (failed) {
            fprintf(stderr, "FAIL %s\n", t->name);
            nfail++;

        } else {
            npass++;
        }
    }

    printf("%d passed, %d failed\n", npass, nfail);

    return nfail ? EXIT_FAILURE : EXIT_SUCCESS;
}
