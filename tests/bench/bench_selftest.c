/*
 * Copyright (C) cclink authors
 *
 * bench-selftest: checks that the ClientHellos the load generator sends
 * are what the proxies under test expect, with the module's own reader
 * (cclink_hello.c): the server name is found, whole or cut at any byte,
 * for both sizes and for names patched in place.
 */

#include <stdio.h>
#include <string.h>

#include "hello.h"
#include "cclink_hello.h"


static int bench_check(const char *name, int kind, size_t min, size_t max);
static int bench_check_patch(void);


static int  bench_failed;


int
main(void)
{
    bench_check("sink.bench.cclink.test", TLS_HELLO_CLASSIC, 517, 517);
    bench_check("e-000042-usw2-az1-bench.us-west-2.aws.cclink.test",
                TLS_HELLO_CLASSIC, 517, 517);
    bench_check("e-000042-usw2-az1-bench.us-west-2.aws.cclink.test",
                TLS_HELLO_PQ, 1700, 1900);
    bench_check("x", TLS_HELLO_PQ, 1700, 1900);
    bench_check_patch();

    if (bench_failed) {
        fprintf(stderr, "bench-selftest: FAILED\n");
        return 1;
    }

    printf("bench-selftest: ok\n");

    return 0;
}


static int
bench_check(const char *name, int kind, size_t min, size_t max)
{
    int             rc;
    size_t          len, n, off;
    cclink_hello_t  h;
    unsigned char   buf[TLS_HELLO_MAX];

    len = tls_hello_build(buf, sizeof(buf), name, strlen(name), kind, &off);

    if (len < min || len > max) {
        fprintf(stderr, "bench-selftest: \"%s\" kind %d: %zu bytes, "
                "expected %zu to %zu\n", name, kind, len, min, max);
        bench_failed = 1;
        return -1;
    }

    if (memcmp(buf + off, name, strlen(name)) != 0) {
        fprintf(stderr, "bench-selftest: \"%s\": name offset wrong\n", name);
        bench_failed = 1;
        return -1;
    }

    /* every prefix: not yet, until the whole record is there */

    for (n = 0; n <= len; n++) {
        rc = cclink_hello_parse(buf, n, 16000, NULL, 0, &h);

        if (n < len && rc != CCLINK_HELLO_AGAIN) {
            fprintf(stderr, "bench-selftest: \"%s\" kind %d: %zu of %zu "
                    "bytes: %s\n", name, kind, n, len,
                    cclink_hello_strerror(rc));
            bench_failed = 1;
            return -1;
        }

        if (n == len) {
            if (rc != CCLINK_HELLO_OK || h.name_len != strlen(name)
                || memcmp(h.name, name, h.name_len) != 0 || h.records != 1
                || h.hello_len != len - 5)
            {
                fprintf(stderr, "bench-selftest: \"%s\" kind %d: %s\n",
                        name, kind, cclink_hello_strerror(rc));
                bench_failed = 1;
                return -1;
            }
        }
    }

    /* a larger buffer than the record, as when payload follows */

    if (len + 100 <= sizeof(buf)) {
        memset(buf + len, 'x', 100);
        rc = cclink_hello_parse(buf, len + 100, 16000, NULL, 0, &h);

        if (rc != CCLINK_HELLO_OK) {
            fprintf(stderr, "bench-selftest: \"%s\" with payload: %s\n",
                    name, cclink_hello_strerror(rc));
            bench_failed = 1;
            return -1;
        }
    }

    return 0;
}


/* the load generator patches the digits of a name in place */

static int
bench_check_patch(void)
{
    int             rc;
    size_t          len, off;
    cclink_hello_t  h;
    unsigned char   buf[TLS_HELLO_MAX];
    static const char  a[] = "e-000000-usw2-az1-bench.cclink.test";
    static const char  b[] = "e-123456-usw2-az1-bench.cclink.test";

    len = tls_hello_build(buf, sizeof(buf), a, sizeof(a) - 1,
                          TLS_HELLO_PQ, &off);
    memcpy(buf + off + 2, "123456", 6);

    rc = cclink_hello_parse(buf, len, 16000, NULL, 0, &h);

    if (rc != CCLINK_HELLO_OK || h.name_len != sizeof(b) - 1
        || memcmp(h.name, b, h.name_len) != 0)
    {
        fprintf(stderr, "bench-selftest: patched name not found\n");
        bench_failed = 1;
        return -1;
    }

    return 0;
}
