/*
 * Copyright (C) cclink authors
 *
 * Fuzz target: the CONNECT entrance's request head parser, over raw bytes
 * as a client would send them. Byte 0 picks the largest head accepted;
 * the rest is the stream.
 *
 * Invariants beyond memory safety:
 *  - OK: head_len within the input and max, ends with a blank line; host
 *    and credentials inside the head; port 1..65535; host made of name or
 *    address characters only;
 *  - every prefix answers AGAIN or the final answer, and OK only for the
 *    whole head (bytes after the head change nothing);
 *  - TOO_LARGE only when at least max bytes have arrived;
 *  - Basic credentials decode into the buffer given, with the colon
 *    inside what was decoded.
 */

#include <string.h>

#include "fuzz.h"
#include "cclink_connect_parse.h"


static void fuzz_connect_same(const cclink_connect_req_t *a,
    const cclink_connect_req_t *b);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                   rc, rc2;
    long                  n;
    char                  cred[64];
    size_t                i, max, len, colon, step;
    const char           *buf;
    cclink_connect_req_t  r, r2;

    if (size < 1) {
        return 0;
    }

    switch (data[0] % 4) {
    case 0:
        max = 32;
        break;
    case 1:
        max = 200 + data[0];
        break;
    default:
        max = 8192;
        break;
    }

    buf = (const char *) data + 1;
    len = size - 1;

    rc = cclink_connect_parse(buf, len, max, &r);

    FUZZ_CHECK(rc >= CCLINK_CONNECT_OK && rc <= CCLINK_CONNECT_TOO_LARGE);
    FUZZ_CHECK(cclink_connect_strerror(rc) != NULL);

    if (rc == CCLINK_CONNECT_TOO_LARGE) {
        FUZZ_CHECK(len >= max);
    }

    if (rc == CCLINK_CONNECT_OK) {
        FUZZ_CHECK(r.head_len >= 2 && r.head_len <= len
                   && r.head_len <= max);
        FUZZ_CHECK(buf[r.head_len - 1] == '\n');
        FUZZ_CHECK(memcmp(buf, "CONNECT ", 8) == 0);
        FUZZ_CHECK(r.host >= buf && r.host_len > 0
                   && r.host + r.host_len <= buf + r.head_len);
        FUZZ_CHECK(r.port >= 1 && r.port <= 65535);

        for (i = 0; i < r.host_len; i++) {
            FUZZ_CHECK(r.host[i] > 0x20 && r.host[i] < 0x7f
                       && r.host[i] != '[' && r.host[i] != ']'
                       && r.host[i] != '/' && r.host[i] != '@');
        }

        if (r.auth) {
            FUZZ_CHECK(r.auth >= buf
                       && r.auth + r.auth_len <= buf + r.head_len);

            n = cclink_connect_basic(r.auth, r.auth_len, cred, sizeof(cred),
                                     &colon);
            if (n >= 0) {
                FUZZ_CHECK((size_t) n <= sizeof(cred) && colon < (size_t) n
                           && cred[colon] == ':');
            }
        }

        /* the head alone gives the same answer */

        rc2 = cclink_connect_parse(buf, r.head_len, max, &r2);
        FUZZ_CHECK(rc2 == CCLINK_CONNECT_OK);
        fuzz_connect_same(&r, &r2);
    }

    /* prefixes: AGAIN, or the final answer */

    step = len / 64 + 1;

    for (i = 0; i < len; i += step) {
        rc2 = cclink_connect_parse(buf, i, max, &r2);

        if (rc == CCLINK_CONNECT_OK) {
            FUZZ_CHECK(i >= r.head_len ? rc2 == CCLINK_CONNECT_OK
                                       : rc2 == CCLINK_CONNECT_AGAIN);
            continue;
        }

        FUZZ_CHECK(rc2 == CCLINK_CONNECT_AGAIN || rc2 == rc
                   || (rc == CCLINK_CONNECT_TOO_LARGE
                       && rc2 == CCLINK_CONNECT_TOO_LARGE));
    }

    /* any Basic value */

    n = cclink_connect_basic(buf, len, cred, sizeof(cred), &colon);

    if (n >= 0) {
        FUZZ_CHECK((size_t) n <= sizeof(cred) && colon < (size_t) n);
    }

    return 0;
}


static void
fuzz_connect_same(const cclink_connect_req_t *a, const cclink_connect_req_t *b)
{
    FUZZ_CHECK(a->host == b->host && a->host_len == b->host_len);
    FUZZ_CHECK(a->port == b->port && a->ip_literal == b->ip_literal);
    FUZZ_CHECK(a->auth == b->auth && a->auth_len == b->auth_len);
    FUZZ_CHECK(a->head_len == b->head_len && a->minor == b->minor);
}
