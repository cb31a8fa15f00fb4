/*
 * Copyright (C) cclink authors
 *
 * Runs every registered unit test, or those whose name contains argv[1].
 */

#include <stdlib.h>

#include "ctest.h"


int
main(int argc, char **argv)
{
    ctest_run_registered(argc > 1 ? argv[1] : NULL);

    return ctest_summary();
}
