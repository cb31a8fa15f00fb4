/*
 * Copyright (C) cclink authors
 *
 * Unit tests of the CONNECT entrance's request head parser
 * (cclink_connect_parse.c): what is accepted, what is refused and why,
 * incomplete heads, bytes after the head, Basic credentials.
 */

#include "ctest.h"
#include "cclink_connect_parse.h"


#define MAX  8192


static int
parse(const char *s, cclink_connect_req_t *r)
{
    return cclink_connect_parse(s, strlen(s), MAX, r);
}


static int
parse_rc(const char *s)
{
    cclink_connect_req_t  r;

    return parse(s, &r);
}


CTEST(connect_parses_curl_head)
{
    cclink_connect_req_t  r;
    const char           *s = "CONNECT exact.example.test:9092 HTTP/1.1\r\n"
                              "Host: exact.example.test:9092\r\n"
                              "Proxy-Connection: keep-alive\r\n\r\n";

    CHECK(parse(s, &r) == CCLINK_CONNECT_OK);
    CHECK(r.host_len == 18 && memcmp(r.host, "exact.example.test", 18) == 0);
    CHECK(r.port == 9092);
    CHECK(!r.ip_literal && r.minor == 1);
    CHECK(r.auth == NULL);
    CHECK(r.head_len == strlen(s));
}


CTEST(connect_keeps_bytes_after_head)
{
    cclink_connect_req_t  r;
    const char           *s = "CONNECT a.example.test:443 HTTP/1.0\n\n"
                              "\x16\x03\x01 rest";

    CHECK(parse(s, &r) == CCLINK_CONNECT_OK);
    CHECK(r.head_len == strlen("CONNECT a.example.test:443 HTTP/1.0\n\n"));
    CHECK(r.minor == 0);
}


CTEST(connect_incomplete_is_again)
{
    const char  *s = "CONNECT exact.example.test:443 HTTP/1.1\r\n"
                     "Host: x\r\n";
    size_t       i;
    cclink_connect_req_t  r;

    for (i = 0; i <= strlen(s); i++) {
        CHECK(cclink_connect_parse(s, i, MAX, &r) == CCLINK_CONNECT_AGAIN);
    }
}


CTEST(connect_ip_literals_flagged)
{
    cclink_connect_req_t  r;

    CHECK(parse("CONNECT 127.0.0.1:443 HTTP/1.1\r\n\r\n", &r)
          == CCLINK_CONNECT_OK);
    CHECK(r.ip_literal);
    CHECK(parse("CONNECT 2130706433:443 HTTP/1.1\r\n\r\n", &r)
          == CCLINK_CONNECT_OK);
    CHECK(r.ip_literal);
    CHECK(parse("CONNECT [::1]:443 HTTP/1.1\r\n\r\n", &r)
          == CCLINK_CONNECT_OK);
    CHECK(r.ip_literal && r.host_len == 3 && memcmp(r.host, "::1", 3) == 0);
    CHECK(parse("CONNECT [fe80::1%25eth0]:443 HTTP/1.1\r\n\r\n", &r)
          == CCLINK_CONNECT_BAD);
}


CTEST(connect_other_methods_refused_early)
{
    CHECK(parse_rc("GET ") == CCLINK_CONNECT_METHOD);
    CHECK(parse_rc("GET http://a.example.test/ HTTP/1.1\r\n\r\n")
          == CCLINK_CONNECT_METHOD);
    CHECK(parse_rc("connect a:1 HTTP/1.1\r\n\r\n") == CCLINK_CONNECT_METHOD);
    CHECK(parse_rc("CONNECTX") == CCLINK_CONNECT_METHOD);
    CHECK(parse_rc("CONN") == CCLINK_CONNECT_AGAIN);
    CHECK(parse_rc("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
          == CCLINK_CONNECT_METHOD);
}


CTEST(connect_malformed_refused)
{
    /* a TLS ClientHello sent straight to the entrance */
    CHECK(parse_rc("\x16\x03\x01\x02") == CCLINK_CONNECT_BAD);
    CHECK(parse_rc("CONNECT a.example.test HTTP/1.1\r\n\r\n")
          == CCLINK_CONNECT_BAD);
    CHECK(parse_rc("CONNECT a.example.test: HTTP/1.1\r\n\r\n")
          == CCLINK_CONNECT_BAD);
    CHECK(parse_rc("CONNECT a.example.test:0 HTTP/1.1\r\n\r\n")
          == CCLINK_CONNECT_BAD);
    CHECK(parse_rc("CONNECT a.example.test:65536 HTTP/1.1\r\n\r\n")
          == CCLINK_CONNECT_BAD);
    CHECK(parse_rc("CONNECT a.example.test:000443 HTTP/1.1\r\n\r\n")
          == CCLINK_CONNECT_BAD);
    CHECK(parse_rc("CONNECT a.example.test:443 HTTP/2.0\r\n\r\n")
          == CCLINK_CONNECT_BAD);
    CHECK(parse_rc("CONNECT  a.example.test:443 HTTP/1.1\r\n\r\n")
          == CCLINK_CONNECT_BAD);
    CHECK(parse_rc("CONNECT user@a.example.test:443 HTTP/1.1\r\n\r\n")
          == CCLINK_CONNECT_BAD);
    CHECK(parse_rc("CONNECT http://a.example.test:443 HTTP/1.1\r\n\r\n")
          == CCLINK_CONNECT_BAD);
    CHECK(parse_rc("CONNECT a.example.test:443 HTTP/1.1\r\nNo colon\r\n\r\n")
          == CCLINK_CONNECT_BAD);
    CHECK(parse_rc("CONNECT a:443 HTTP/1.1\r\n folded\r\n\r\n")
          == CCLINK_CONNECT_BAD);
    CHECK(parse_rc("CONNECT a:443 HTTP/1.1\r\nX: a\rb\r\n\r\n")
          == CCLINK_CONNECT_BAD);
}


CTEST(connect_body_refused)
{
    CHECK(parse_rc("CONNECT a:443 HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
          == CCLINK_CONNECT_OK);
    CHECK(parse_rc("CONNECT a:443 HTTP/1.1\r\nContent-Length: 5\r\n\r\n")
          == CCLINK_CONNECT_BAD);
    CHECK(parse_rc("CONNECT a:443 HTTP/1.1\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n")
          == CCLINK_CONNECT_BAD);
}


CTEST(connect_head_too_large)
{
    char                  big[300];
    cclink_connect_req_t  r;

    memset(big, 'a', sizeof(big));
    memcpy(big, "CONNECT a:443 HTTP/1.1\r\nX: ", 27);

    CHECK(cclink_connect_parse(big, 100, 128, &r) == CCLINK_CONNECT_AGAIN);
    CHECK(cclink_connect_parse(big, 128, 128, &r)
          == CCLINK_CONNECT_TOO_LARGE);
    CHECK(cclink_connect_parse(big, 300, 128, &r)
          == CCLINK_CONNECT_TOO_LARGE);

    /* exactly max bytes with the blank line is still accepted */
    memcpy(big + 124, "\r\n\r\n", 4);
    CHECK(cclink_connect_parse(big, 128, 128, &r) == CCLINK_CONNECT_OK);
}


CTEST(connect_proxy_authorization)
{
    long                  n;
    char                  out[64];
    size_t                colon;
    cclink_connect_req_t  r;

    CHECK(parse("CONNECT a:443 HTTP/1.1\r\n"
                "proxy-authorization:  Basic YWxpY2U6czNjcmV0 \r\n\r\n", &r)
          == CCLINK_CONNECT_OK);
    CHECK(r.auth_len == 22
          && memcmp(r.auth, "Basic YWxpY2U6czNjcmV0", 22) == 0);

    n = cclink_connect_basic(r.auth, r.auth_len, out, sizeof(out), &colon);
    CHECK(n == 12 && colon == 5 && memcmp(out, "alice:s3cret", 12) == 0);

    CHECK(parse_rc("CONNECT a:443 HTTP/1.1\r\nProxy-Authorization: a\r\n"
                   "Proxy-Authorization: b\r\n\r\n") == CCLINK_CONNECT_BAD);

    /* no colon, bad alphabet, bad padding, other scheme, too long */
    CHECK(cclink_connect_basic("Basic YWxpY2U=", 14, out, sizeof(out),
                               &colon) == -1);
    CHECK(cclink_connect_basic("Basic YW*p", 10, out, sizeof(out), &colon)
          == -1);
    CHECK(cclink_connect_basic("Basic YQ=a", 10, out, sizeof(out), &colon)
          == -1);
    CHECK(cclink_connect_basic("Bearer YWxpY2U6czNjcmV0", 23, out,
                               sizeof(out), &colon) == -1);
    CHECK(cclink_connect_basic("Basic YWxpY2U6czNjcmV0", 22, out, 4,
                               &colon) == -1);
}
