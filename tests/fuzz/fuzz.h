/*
 * Copyright (C) cclink authors
 *
 * Helpers shared by the fuzz targets in tests/fuzz/.
 *
 * Every target defines LLVMFuzzerTestOneInput(). It is linked either with
 * libFuzzer (clang -fsanitize=fuzzer, "make fuzz") or with standalone.c,
 * which runs the kept inputs once each ("make fuzz-regress"). A broken
 * invariant calls FUZZ_CHECK's abort(), which both drivers report as a
 * crash with the input that caused it.
 */

#ifndef _FUZZ_H_INCLUDED_
#define _FUZZ_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);


#define FUZZ_CHECK(cond)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__,       \
                    __LINE__, #cond);                                        \
            abort();                                                         \
        }                                                                    \
    } while (0)


/* a small deterministic generator, seeded from the input */

typedef struct {
    uint64_t  s;
} fuzz_rng_t;


static inline uint64_t
fuzz_hash(const uint8_t *data, size_t size)
{
    size_t    i;
    uint64_t  h;

    h = 1469598103934665603ull;

    for (i = 0; i < size; i++) {
        h ^= data[i];
        h *= 1099511628211ull;
    }

    return h;
}


static inline uint64_t
fuzz_rng_next(fuzz_rng_t *r)
{
    uint64_t  z;

    /* splitmix64 */

    r->s += 0x9e3779b97f4a7c15ull;
    z = r->s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;

    return z ^ (z >> 31);
}


/* a number in [lo, hi] */
static inline size_t
fuzz_rng_range(fuzz_rng_t *r, size_t lo, size_t hi)
{
    if (hi <= lo) {
        return lo;
    }

    return lo + (size_t) (fuzz_rng_next(r) % (uint64_t) (hi - lo + 1));
}


/*
 * Consumes fuzzer bytes in order, for structure-aware targets; once the
 * input runs out every read returns 0.
 */

typedef struct {
    const uint8_t  *p;
    const uint8_t  *end;
} fuzz_in_t;


static inline unsigned
fuzz_in_u8(fuzz_in_t *in)
{
    if (in->p == in->end) {
        return 0;
    }

    return *in->p++;
}


static inline unsigned
fuzz_in_u16(fuzz_in_t *in)
{
    unsigned  v;

    v = fuzz_in_u8(in) << 8;

    return v | fuzz_in_u8(in);
}


/* a number in [lo, hi], from as few bytes as it needs */
static inline size_t
fuzz_in_range(fuzz_in_t *in, size_t lo, size_t hi)
{
    size_t  v;

    if (hi <= lo) {
        return lo;
    }

    v = (hi - lo < 256) ? fuzz_in_u8(in) : fuzz_in_u16(in);

    return lo + v % (hi - lo + 1);
}


static inline size_t
fuzz_in_left(const fuzz_in_t *in)
{
    return (size_t) (in->end - in->p);
}


#endif /* _FUZZ_H_INCLUDED_ */
