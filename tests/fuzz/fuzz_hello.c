/*
 * Copyright (C) cclink authors
 *
 * Fuzz target: the ClientHello reader, over raw bytes as a client would
 * send them (the seeds are real ClientHellos, see corpus/hello/README).
 * The invariants are in fuzz_hello.h. The largest ClientHello accepted is
 * mostly the module's default, sometimes the smallest the module allows,
 * sometimes anything.
 */

#include "fuzz_hello.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t            max;
    fuzz_rng_t        rng;
    fuzz_hello_res_t  res;

    rng.s = fuzz_hash(data, size);

    switch (fuzz_rng_next(&rng) % 8) {
    case 0:
        max = 64;
        break;
    case 1:
        max = 4 + 0xffffff;
        break;
    case 2:
        max = fuzz_rng_range(&rng, 64, 20000);
        break;
    default:
        max = FUZZ_HELLO_MAX;
        break;
    }

    fuzz_hello_check(data, size, max, &rng, &res);

    return 0;
}
