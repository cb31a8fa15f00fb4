/*
 * Copyright (C) cclink authors
 *
 * Unit tests: the DNS responder's wire format (cclink_dns.c).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cclink_common.h"
#include "cclink_dns.h"
#include "ctest.h"


/* routes "exact.example.test" and any name ending in ".wild.example.test" */
static int
test_match(void *data, const char *name, size_t len)
{
    size_t       i;
    static const char  wild[] = ".wild.example.test";

    (*(int *) data)++;

    if (len == 18 && strncasecmp(name, "exact.example.test", len) == 0) {
        return 1;
    }

    if (len > sizeof(wild) - 1) {
        i = len - (sizeof(wild) - 1);
        if (strncasecmp(name + i, wild, sizeof(wild) - 1) == 0) {
            return 1;
        }
    }

    if (len == 13 && strncmp(name, "error.example", 13) == 0) {
        return -1;
    }

    return 0;
}


static void
test_conf(cclink_dns_conf_t *conf)
{
    static const uint8_t  v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                     0, 0, 0, 0, 0, 0, 0, 0x10 };

    memset(conf, 0, sizeof(*conf));
    conf->a[0][0] = 192; conf->a[0][1] = 0; conf->a[0][2] = 2;
    conf->a[0][3] = 10;
    conf->na = 1;
    memcpy(conf->aaaa[0], v6, 16);
    conf->naaaa = 1;
    conf->ttl = 30;
    cclink_dns_zone_set(&conf->zones[0], "example.test", 12);
    cclink_dns_zone_set(&conf->zones[1], "Example.", 8);
    conf->nzones = 2;
}


/* a query: header (id 0xabcd, RD) and the question for name and type */
static size_t
make_query(uint8_t *out, const char *name, uint16_t type, uint16_t flags)
{
    size_t       n, start, i;

    n = 0;
    out[n++] = 0xab; out[n++] = 0xcd;
    out[n++] = (uint8_t) (flags >> 8); out[n++] = (uint8_t) flags;
    out[n++] = 0; out[n++] = 1;
    memset(out + n, 0, 6); n += 6;

    start = 0;
    for (i = 0; ; i++) {
        if (name[i] == '.' || name[i] == '\0') {
            if (i > start) {
                out[n++] = (uint8_t) (i - start);
                memcpy(out + n, name + start, i - start);
                n += i - start;
            }
            start = i + 1;
            if (name[i] == '\0') {
                break;
            }
        }
    }

    out[n++] = 0;
    out[n++] = (uint8_t) (type >> 8); out[n++] = (uint8_t) type;
    out[n++] = 0; out[n++] = 1;

    return n;
}


static uint16_t
get16(const uint8_t *p)
{
    return (uint16_t) ((p[0] << 8) | p[1]);
}


CTEST(dns_routed_a)
{
    int                  calls = 0;
    size_t               n;
    uint8_t              q[512], out[CCLINK_DNS_MAX_REPLY];
    cclink_dns_conf_t    conf;
    cclink_dns_result_t  res;

    test_conf(&conf);
    n = make_query(q, "ExAct.example.TEST", CCLINK_DNS_A, 0x0100);

    CHECK(cclink_dns_answer(&conf, q, n, CCLINK_DNS_UDP_SIZE, 7, test_match,
                            &calls, out, &res) == CCLINK_DNS_REPLY);
    CHECK(calls == 1);
    CHECK(res.rcode == CCLINK_DNS_NOERROR && res.routed && res.answers == 1);
    CHECK_STR(res.name, "ExAct.example.TEST");
    CHECK(get16(out) == 0xabcd);
    CHECK(get16(out + 2) == 0x8500);        /* QR AA RD */
    CHECK(get16(out + 6) == 1 && get16(out + 8) == 0);
    CHECK(memcmp(out + 12, q + 12, n - 12) == 0);
    CHECK(get16(out + n) == 0xc00c);
    CHECK(get16(out + n + 2) == CCLINK_DNS_A);
    CHECK(out[n + 12] == 192 && out[n + 15] == 10);
    CHECK(res.len == n + 16);
}


CTEST(dns_wildcard_aaaa_and_nodata)
{
    int                  calls = 0;
    size_t               n;
    uint8_t              q[512], out[CCLINK_DNS_MAX_REPLY];
    cclink_dns_conf_t    conf;
    cclink_dns_result_t  res;

    test_conf(&conf);
    n = make_query(q, "b.a.wild.example.test", CCLINK_DNS_AAAA, 0);
    cclink_dns_answer(&conf, q, n, CCLINK_DNS_UDP_SIZE, 7, test_match,
                      &calls, out, &res);
    CHECK(res.rcode == 0 && res.answers == 1);
    CHECK(get16(out + n + 2) == CCLINK_DNS_AAAA && out[n + 27] == 0x10);

    conf.naaaa = 0;
    cclink_dns_answer(&conf, q, n, CCLINK_DNS_UDP_SIZE, 7, test_match,
                      &calls, out, &res);
    CHECK(res.rcode == 0 && res.answers == 0);
    CHECK(get16(out + 6) == 0 && get16(out + 8) == 1);   /* SOA */

    n = make_query(q, "exact.example.test", 15 /* MX */, 0);
    cclink_dns_answer(&conf, q, n, CCLINK_DNS_UDP_SIZE, 7, test_match,
                      &calls, out, &res);
    CHECK(res.rcode == 0 && res.answers == 0 && get16(out + 8) == 1);
}


CTEST(dns_nxdomain_refused_apex)
{
    int                  calls = 0;
    size_t               n, p;
    uint8_t              q[512], out[CCLINK_DNS_MAX_REPLY];
    cclink_dns_conf_t    conf;
    cclink_dns_result_t  res;

    test_conf(&conf);
    n = make_query(q, "nope.example.test", CCLINK_DNS_A, 0);
    cclink_dns_answer(&conf, q, n, CCLINK_DNS_UDP_SIZE, 7, test_match,
                      &calls, out, &res);
    CHECK(res.rcode == CCLINK_DNS_NXDOMAIN);
    CHECK(get16(out + 2) & 0x0400);
    p = n;
    CHECK(get16(out + p) == (0xc000 | (12 + 5)));     /* the zone */
    CHECK(get16(out + p + 2) == CCLINK_DNS_SOA);
    CHECK(get16(out + p + 8) == 5);                   /* negative TTL */
    CHECK(out[p + 12 + 2 + 11 + 2 + 3] == 7);         /* serial */

    calls = 0;
    n = make_query(q, "exact.example.net", CCLINK_DNS_A, 0);
    cclink_dns_answer(&conf, q, n, CCLINK_DNS_UDP_SIZE, 7, test_match,
                      &calls, out, &res);
    CHECK(res.rcode == CCLINK_DNS_REFUSED && calls == 0);
    CHECK((get16(out + 2) & 0x0400) == 0);

    /* a zone that only looks like a suffix in text */
    n = make_query(q, "xexample.test", CCLINK_DNS_A, 0);
    cclink_dns_answer(&conf, q, n, CCLINK_DNS_UDP_SIZE, 7, test_match,
                      &calls, out, &res);
    CHECK(res.rcode == CCLINK_DNS_REFUSED);

    n = make_query(q, "EXAMPLE", CCLINK_DNS_SOA, 0);
    cclink_dns_answer(&conf, q, n, CCLINK_DNS_UDP_SIZE, 7, test_match,
                      &calls, out, &res);
    CHECK(res.rcode == 0 && get16(out + 6) == 1);

    conf.forward = 1;
    n = make_query(q, "nope.example.test", CCLINK_DNS_A, 0);
    CHECK(cclink_dns_answer(&conf, q, n, CCLINK_DNS_UDP_SIZE, 7, test_match,
                            &calls, out, &res) == CCLINK_DNS_FORWARD);
}


CTEST(dns_drop_notimp_formerr)
{
    int                  calls = 0;
    size_t               n;
    uint8_t              q[600], out[CCLINK_DNS_MAX_REPLY];
    cclink_dns_conf_t    conf;
    cclink_dns_result_t  res;

    test_conf(&conf);

    n = make_query(q, "exact.example.test", CCLINK_DNS_A, 0x8000);
    CHECK(cclink_dns_answer(&conf, q, n, CCLINK_DNS_UDP_SIZE, 7, test_match,
                            &calls, out, &res) == CCLINK_DNS_DROP);
    CHECK(cclink_dns_answer(&conf, q, 11, CCLINK_DNS_UDP_SIZE, 7,
                            test_match, &calls, out, &res)
          == CCLINK_DNS_DROP);

    n = make_query(q, "exact.example.test", CCLINK_DNS_A, 0x2000);
    cclink_dns_answer(&conf, q, n, CCLINK_DNS_UDP_SIZE, 7, test_match,
                      &calls, out, &res);
    CHECK(res.rcode == CCLINK_DNS_NOTIMP && res.len == 12);

    /* trailing garbage */
    n = make_query(q, "exact.example.test", CCLINK_DNS_A, 0);
    q[n] = 0;
    cclink_dns_answer(&conf, q, n + 1, CCLINK_DNS_UDP_SIZE, 7, test_match,
                      &calls, out, &res);
    CHECK(res.rcode == CCLINK_DNS_FORMERR && get16(out + 4) == 1);

    /* every prefix of a query is malformed, never read past */
    for (size_t i = 12; i < n; i++) {
        cclink_dns_answer(&conf, q, i, CCLINK_DNS_UDP_SIZE, 7, test_match,
                          &calls, out, &res);
        CHECK(res.rcode == CCLINK_DNS_FORMERR && res.len == 12);
    }

    /* a pointer in the question */
    q[12] = 0xc0; q[13] = 0x0c;
    cclink_dns_answer(&conf, q, n, CCLINK_DNS_UDP_SIZE, 7, test_match,
                      &calls, out, &res);
    CHECK(res.rcode == CCLINK_DNS_FORMERR && res.len == 12);

    /* a name of 256 bytes */
    n = 12;
    for (int l = 0; l < 4; l++) {
        q[n++] = 63;
        memset(q + n, 'a', 63);
        n += 63;
    }
    q[n++] = 0; q[n++] = 0; q[n++] = 1; q[n++] = 0; q[n++] = 1;
    cclink_dns_answer(&conf, q, n, CCLINK_DNS_UDP_SIZE, 7, test_match,
                      &calls, out, &res);
    CHECK(res.rcode == CCLINK_DNS_FORMERR);
}


CTEST(dns_edns_and_truncation)
{
    int                  calls = 0;
    size_t               n, i;
    uint8_t              q[512], out[CCLINK_DNS_MAX_REPLY];
    cclink_dns_conf_t    conf;
    cclink_dns_result_t  res;
    static const uint8_t opt[] = { 0, 0, 41, 0x10, 0, 0, 0, 0x80, 0, 0, 0 };

    test_conf(&conf);
    for (i = 0; i < 40; i++) {
        conf.a[i][0] = 10;
        conf.a[i][3] = (uint8_t) i;
    }
    conf.na = 40;

    n = make_query(q, "exact.example.test", CCLINK_DNS_A, 0);
    cclink_dns_answer(&conf, q, n, CCLINK_DNS_UDP_SIZE, 7, test_match,
                      &calls, out, &res);
    CHECK(res.tc && res.len == n && (get16(out + 2) & 0x0200));
    CHECK(get16(out + 6) == 0);

    cclink_dns_answer(&conf, q, n, CCLINK_DNS_TCP_SIZE, 7, test_match,
                      &calls, out, &res);
    CHECK(!res.tc && res.answers == 40 && res.len == n + 40 * 16);

    /* EDNS 4096 (we allow 1232): fits; DO copied */
    q[11] = 1;
    memcpy(q + n, opt, sizeof(opt));
    cclink_dns_answer(&conf, q, n + sizeof(opt), CCLINK_DNS_UDP_SIZE, 7,
                      test_match, &calls, out, &res);
    CHECK(!res.tc && res.answers == 40);
    CHECK(res.len == n + 40 * 16 + 11);
    CHECK(get16(out + res.len - 8) == CCLINK_DNS_EDNS_SIZE);
    CHECK(out[res.len - 4] == 0x80);

    /* version 1: BADVERS */
    q[n + 6] = 1;
    cclink_dns_answer(&conf, q, n + sizeof(opt), CCLINK_DNS_UDP_SIZE, 7,
                      test_match, &calls, out, &res);
    CHECK(res.rcode == CCLINK_DNS_BADVERS && (get16(out + 2) & 0xf) == 0);
    CHECK(out[res.len - 6] == 1 && out[res.len - 5] == 0);
    CHECK_STR(cclink_dns_rcode_name(res.rcode), "BADVERS");
}


CTEST(dns_zone_set)
{
    cclink_dns_zone_t  z;

    CHECK(cclink_dns_zone_set(&z, "Confluent.Cloud.", 16) == 0);
    CHECK(z.wire_len == 17 && memcmp(z.wire, "\011confluent\005cloud", 17)
                              == 0);
    CHECK_STR(z.text, "confluent.cloud");
    CHECK(cclink_dns_zone_set(&z, ".", 1) == 0 && z.wire_len == 1);
    CHECK(cclink_dns_zone_set(&z, "a..b", 4) == -1);
    CHECK(cclink_dns_zone_set(&z, ".a", 2) == -1);
    CHECK(cclink_dns_zone_set(&z, "a b", 3) == -1);
}


CTEST(dns_matcher_error_servfail)
{
    int                  calls = 0;
    size_t               n;
    uint8_t              q[512], out[CCLINK_DNS_MAX_REPLY];
    cclink_dns_conf_t    conf;
    cclink_dns_result_t  res;

    test_conf(&conf);
    n = make_query(q, "error.example", CCLINK_DNS_A, 0);
    cclink_dns_answer(&conf, q, n, CCLINK_DNS_UDP_SIZE, 7, test_match,
                      &calls, out, &res);
    CHECK(res.rcode == CCLINK_DNS_SERVFAIL && res.answers == 0);

    /* a label with a dot or a space is never asked about */
    calls = 0;
    n = make_query(q, "x.example", CCLINK_DNS_A, 0);
    q[13] = ' ';
    cclink_dns_answer(&conf, q, n, CCLINK_DNS_UDP_SIZE, 7, test_match,
                      &calls, out, &res);
    CHECK(calls == 0 && res.rcode == CCLINK_DNS_NXDOMAIN);
}


CTEST(dns_wildcard_parent_nodata)
{
    int                  calls = 0;
    size_t               n;
    uint8_t              q[512], out[CCLINK_DNS_MAX_REPLY];
    cclink_dns_conf_t    conf;
    cclink_dns_result_t  res;

    test_conf(&conf);

    /* "*.wild.example.test" routes children: the name itself exists */
    n = make_query(q, "Wild.example.test", CCLINK_DNS_A, 0);
    cclink_dns_answer(&conf, q, n, CCLINK_DNS_UDP_SIZE, 7, test_match,
                      &calls, out, &res);
    CHECK(res.rcode == CCLINK_DNS_NOERROR && !res.routed);
    CHECK(calls == 2 && res.answers == 0);
    CHECK(get16(out + 6) == 0 && get16(out + 8) == 1);
    CHECK(get16(out + 2) & 0x0400);

    /* nothing below: NXDOMAIN */
    n = make_query(q, "other.example.test", CCLINK_DNS_A, 0);
    cclink_dns_answer(&conf, q, n, CCLINK_DNS_UDP_SIZE, 7, test_match,
                      &calls, out, &res);
    CHECK(res.rcode == CCLINK_DNS_NXDOMAIN);
}


/*
 * Every byte in a label: the name is a hostname's (asked of the matcher)
 * exactly when each byte is a label character; the text form shows the
 * byte, or '?' for a space, a control character or one above 0x7e.
 */
CTEST(dns_name_bytes)
{
    int                  calls;
    size_t               n;
    unsigned             b;
    uint8_t              q[512], out[CCLINK_DNS_MAX_REPLY];
    cclink_dns_conf_t    conf;
    cclink_dns_result_t  res;

    test_conf(&conf);

    for (b = 0; b < 256; b++) {
        n = make_query(q, "xyz.example.test", CCLINK_DNS_A, 0);
        q[12 + 2] = (uint8_t) b;               /* "x?z" */
        calls = 0;

        cclink_dns_answer(&conf, q, n, CCLINK_DNS_UDP_SIZE, 7, test_match,
                          &calls, out, &res);

        CHECK(res.rcode == CCLINK_DNS_NXDOMAIN);
        CHECK((calls != 0) == cclink_is_label_char((unsigned char) b));
        CHECK(res.name_len == 16 && res.name[0] == 'x'
              && res.name[2] == 'z' && res.name[3] == '.');
        CHECK((uint8_t) res.name[1]
              == ((b <= ' ' || b >= 0x7f) ? '?' : b));
    }
}


/* nested zones: the longest one the name is in, whatever their order */
CTEST(dns_nested_zones)
{
    int                  calls = 0;
    size_t               n, i;
    uint8_t              q[512], out[CCLINK_DNS_MAX_REPLY];
    cclink_dns_conf_t    conf;
    cclink_dns_result_t  res;
    static const char   *zones[2][3] = {
        { "test", "Example.TEST", "b.example.test" },
        { "b.example.test", "test", "example.test" }
    };

    for (i = 0; i < 2; i++) {
        test_conf(&conf);
        cclink_dns_zone_set(&conf.zones[0], zones[i][0],
                            strlen(zones[i][0]));
        cclink_dns_zone_set(&conf.zones[1], zones[i][1],
                            strlen(zones[i][1]));
        cclink_dns_zone_set(&conf.zones[2], zones[i][2],
                            strlen(zones[i][2]));
        conf.nzones = 3;

        /* the SOA's owner points at the zone in the question */
        n = make_query(q, "a.B.EXAMPLE.test", CCLINK_DNS_A, 0);
        cclink_dns_answer(&conf, q, n, CCLINK_DNS_UDP_SIZE, 7, test_match,
                          &calls, out, &res);
        CHECK(res.rcode == CCLINK_DNS_NXDOMAIN);
        CHECK(get16(out + n) == (0xc000 | (12 + 2)));

        n = make_query(q, "a.Example.test", CCLINK_DNS_A, 0);
        cclink_dns_answer(&conf, q, n, CCLINK_DNS_UDP_SIZE, 7, test_match,
                          &calls, out, &res);
        CHECK(res.rcode == CCLINK_DNS_NXDOMAIN);
        CHECK(get16(out + n) == (0xc000 | (12 + 2)));

        /* a zone's apex: its SOA */
        n = make_query(q, "b.example.TEST", CCLINK_DNS_SOA, 0);
        cclink_dns_answer(&conf, q, n, CCLINK_DNS_UDP_SIZE, 7, test_match,
                          &calls, out, &res);
        CHECK(res.rcode == CCLINK_DNS_NOERROR && get16(out + 6) == 1);
    }
}
