/*
 * Copyright (C) cclink authors
 *
 * Unit tests: ClientHello reader.
 */

#include <stdlib.h>
#include <string.h>

#include "cclink_hello.h"
#include "ctest.h"
#include "hello.h"


#define MAX_HELLO  16384


static int
sni_is(cclink_hello_t *h, const char *name)
{
    return h->name_len == strlen(name)
           && memcmp(h->name, name, h->name_len) == 0;
}


CTEST(hello_single_record)
{
    unsigned char   hs[4096], rec[4200];
    size_t          n, r;
    cclink_hello_t  h;

    n = tls_hello_message(hs, sizeof(hs),
                          "lkc-abc.us-west-2.aws.confluent.cloud", 0);
    r = tls_hello_records(rec, sizeof(rec), hs, n, 16384);

    CHECK(cclink_hello_parse(rec, r, MAX_HELLO, NULL, 0, &h)
          == CCLINK_HELLO_OK);
    CHECK(sni_is(&h, "lkc-abc.us-west-2.aws.confluent.cloud"));
    CHECK(h.records == 1 && h.hello_len == n);
}


CTEST(hello_every_prefix_is_again)
{
    unsigned char   hs[4096], rec[4200];
    size_t          n, r, i;
    cclink_hello_t  h;

    n = tls_hello_message(hs, sizeof(hs), "a.example.com", 1800);
    r = tls_hello_records(rec, sizeof(rec), hs, n, 16384);

    for (i = 0; i < r; i++) {
        CHECK(cclink_hello_parse(rec, i, MAX_HELLO, NULL, 0, &h)
              == CCLINK_HELLO_AGAIN);
    }

    CHECK(cclink_hello_parse(rec, r, MAX_HELLO, NULL, 0, &h)
          == CCLINK_HELLO_OK);
    CHECK(sni_is(&h, "a.example.com"));
}


CTEST(hello_split_over_records_needs_scratch)
{
    unsigned char   hs[4096], rec[4400], *scratch;
    size_t          n, r;
    cclink_hello_t  h;

    /* a post-quantum-sized hello in records of 1000 bytes */
    n = tls_hello_message(hs, sizeof(hs), "e-0cb9-usw2-az1-l63jl.example",
                          1800);
    CHECK(n > 1800);
    r = tls_hello_records(rec, sizeof(rec), hs, n, 1000);

    CHECK(cclink_hello_parse(rec, r, MAX_HELLO, NULL, 0, &h)
          == CCLINK_HELLO_SCRATCH);
    CHECK(h.hello_len == n);

    scratch = malloc(h.hello_len);
    REQUIRE(scratch != NULL);
    CHECK(cclink_hello_parse(rec, r, MAX_HELLO, scratch, h.hello_len, &h)
          == CCLINK_HELLO_OK);
    CHECK(sni_is(&h, "e-0cb9-usw2-az1-l63jl.example"));
    CHECK(h.records == 2);
    free(scratch);
}


CTEST(hello_header_split_across_records)
{
    unsigned char   hs[4096], rec[4400], scratch[4096];
    size_t          n, r;
    cclink_hello_t  h;

    n = tls_hello_message(hs, sizeof(hs), "tiny.example", 0);
    r = tls_hello_records(rec, sizeof(rec), hs, n, 2);  /* 2-byte records */

    CHECK(cclink_hello_parse(rec, r, MAX_HELLO, scratch, sizeof(scratch), &h)
          == CCLINK_HELLO_OK);
    CHECK(sni_is(&h, "tiny.example"));
    CHECK(h.records == (n + 1) / 2);
}


CTEST(hello_no_sni)
{
    unsigned char   hs[4096], rec[4200];
    size_t          n, r;
    cclink_hello_t  h;

    n = tls_hello_message(hs, sizeof(hs), NULL, 10);
    r = tls_hello_records(rec, sizeof(rec), hs, n, 16384);

    CHECK(cclink_hello_parse(rec, r, MAX_HELLO, NULL, 0, &h)
          == CCLINK_HELLO_NO_SNI);
}


CTEST(hello_not_tls)
{
    cclink_hello_t        h;
    const unsigned char   http[] = "GET / HTTP/1.1\r\n";
    const unsigned char   v2[] = { 0x80, 0x2e, 0x01, 0x03, 0x01 };
    const unsigned char   kafka[] = { 0, 0, 0, 20, 0, 18 };

    CHECK(cclink_hello_parse(http, sizeof(http) - 1, MAX_HELLO, NULL, 0, &h)
          == CCLINK_HELLO_NOT_TLS);
    CHECK(cclink_hello_parse(v2, sizeof(v2), MAX_HELLO, NULL, 0, &h)
          == CCLINK_HELLO_NOT_TLS);
    CHECK(cclink_hello_parse(kafka, 1, MAX_HELLO, NULL, 0, &h)
          == CCLINK_HELLO_NOT_TLS);
}


CTEST(hello_too_large_is_known_early)
{
    unsigned char   hs[20000], rec[21000];
    size_t          n, r;
    cclink_hello_t  h;

    n = tls_hello_message(hs, sizeof(hs), "a.b", 3000);
    r = tls_hello_records(rec, sizeof(rec), hs, n, 16384);

    /* the 9 bytes of record and handshake headers are enough */
    CHECK(cclink_hello_parse(rec, 9, 2048, NULL, 0, &h)
          == CCLINK_HELLO_TOO_LARGE);
    CHECK(h.hello_len == n);
    CHECK(cclink_hello_parse(rec, r, 4096, NULL, 0, &h) == CCLINK_HELLO_OK);
}


CTEST(hello_malformed)
{
    unsigned char   hs[4096], rec[4200];
    size_t          n, r;
    cclink_hello_t  h;

    n = tls_hello_message(hs, sizeof(hs), "a.b", 0);

    /* not a ClientHello (ServerHello type) */
    hs[0] = 2;
    r = tls_hello_records(rec, sizeof(rec), hs, n, 16384);
    CHECK(cclink_hello_parse(rec, r, MAX_HELLO, NULL, 0, &h)
          == CCLINK_HELLO_BAD);
    hs[0] = 1;

    /* record length zero */
    r = tls_hello_records(rec, sizeof(rec), hs, n, 16384);
    rec[3] = 0; rec[4] = 0;
    CHECK(cclink_hello_parse(rec, r, MAX_HELLO, NULL, 0, &h)
          == CCLINK_HELLO_BAD);

    /* session id longer than 32 */
    r = tls_hello_records(rec, sizeof(rec), hs, n, 16384);
    rec[5 + 4 + 34] = 33;
    CHECK(cclink_hello_parse(rec, r, MAX_HELLO, NULL, 0, &h)
          == CCLINK_HELLO_BAD);

    /* SNI length running past the extension */
    n = tls_hello_message(hs, sizeof(hs), "abc", 0);
    r = tls_hello_records(rec, sizeof(rec), hs, n, 16384);
    rec[r - 4] = 0x40;
    CHECK(cclink_hello_parse(rec, r, MAX_HELLO, NULL, 0, &h)
          == CCLINK_HELLO_BAD);

    /* a record of another type in the middle */
    n = tls_hello_message(hs, sizeof(hs), "a.b", 100);
    r = tls_hello_records(rec, sizeof(rec), hs, n, 50);
    rec[55] = 23;
    CHECK(cclink_hello_parse(rec, r, MAX_HELLO, NULL, 0, &h)
          == CCLINK_HELLO_BAD);
}


/*
 * A ClientHello of about 2,900 one-byte records arriving one record at a
 * time: the reader resumes where it stopped, so it looks at each record
 * header once (plus once per call for the record it waits on), not at
 * every record again on every read.
 */

CTEST(hello_one_byte_records_cost_linear_work)
{
    unsigned char         hs[4096], *rec, *scratch;
    size_t                n, r, len, calls;
    cclink_hello_t        h;
    cclink_hello_state_t  st;
    int                   rc;

    n = tls_hello_message(hs, sizeof(hs), "linear.example.test", 2700);
    CHECK(n >= 2800 && n <= 3000);

    rec = malloc(6 * n);
    scratch = malloc(n);
    REQUIRE(rec != NULL && scratch != NULL);
    r = tls_hello_records(rec, 6 * n, hs, n, 1);
    CHECK(r == 6 * n);

    memset(&st, 0, sizeof(st));
    rc = CCLINK_HELLO_AGAIN;
    calls = 0;

    for (len = 3; len <= r; len += 3) {
        calls++;
        rc = cclink_hello_parse_more(&st, rec, len, MAX_HELLO, scratch, n,
                                     &h);
        if (rc != CCLINK_HELLO_AGAIN) {
            break;
        }
    }

    CHECK(rc == CCLINK_HELLO_OK);
    CHECK(sni_is(&h, "linear.example.test"));
    CHECK(h.records == n && h.hello_len == n);
    CHECK(len == r);
    CHECK(st.steps <= n + calls);

    /* the stateless call gives the same answer */
    CHECK(cclink_hello_parse(rec, r, MAX_HELLO, scratch, n, &h)
          == CCLINK_HELLO_OK);
    CHECK(sni_is(&h, "linear.example.test"));

    free(scratch);
    free(rec);
}


/* the state needs no scratch until the end, and then asks for it once */

CTEST(hello_state_asks_for_scratch_then_finishes)
{
    unsigned char         hs[4096], rec[4400], *scratch;
    size_t                n, r, steps;
    cclink_hello_t        h;
    cclink_hello_state_t  st;

    n = tls_hello_message(hs, sizeof(hs), "again.example.test", 1800);
    r = tls_hello_records(rec, sizeof(rec), hs, n, 1000);

    memset(&st, 0, sizeof(st));
    CHECK(cclink_hello_parse_more(&st, rec, 1100, MAX_HELLO, NULL, 0, &h)
          == CCLINK_HELLO_AGAIN);
    CHECK(h.hello_len == n);
    CHECK(cclink_hello_parse_more(&st, rec, r, MAX_HELLO, NULL, 0, &h)
          == CCLINK_HELLO_SCRATCH);

    steps = st.steps;
    scratch = malloc(h.hello_len);
    REQUIRE(scratch != NULL);
    CHECK(cclink_hello_parse_more(&st, rec, r, MAX_HELLO, scratch,
                                  h.hello_len, &h)
          == CCLINK_HELLO_OK);
    CHECK(sni_is(&h, "again.example.test"));
    CHECK(st.steps == steps);
    free(scratch);
}
