/*
 * Copyright (C) cclink authors
 *
 * Fuzz target: the DNS responder's wire format (cclink_dns.c) with the
 * route matcher (cclink_routes.c) of a fixed table, as the module uses
 * them.
 *
 * The input's first byte picks the transport (UDP or TCP size limit),
 * whether unrouted names are forwarded and how many addresses of each
 * family are configured; the rest is the query. Whatever it holds:
 *
 *  - nothing is read past the query (ASan: it is a buffer of its exact
 *    size) nor written past the reply buffer;
 *  - a query is dropped only when shorter than a header or when QR is set;
 *    forwarded only when forwarding is configured;
 *  - a reply has the query's ID, QR set, RA clear, fits its size limit
 *    (1232 bytes over UDP), and, when it has a question, that question is
 *    the query's byte for byte;
 *  - a reply with records in its answer section is for a name that the
 *    route matcher, asked again here on the name read back from the reply,
 *    routes, inside one of the zones; each record is an A or AAAA record
 *    owned by the question's name (0xC00C) and holds a configured address.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cclink_dns.h"
#include "cclink_routes.h"
#include "fuzz.h"


static const char  fuzz_dns_table[] =
    "cclink-routes 1\n"
    "serial 9\n"
    "group a 127.0.0.1:9092\n"
    "route exact.example.test a\n"
    "route *.wild.example.test a\n"
    "route .dot.example.test a\n"
    "route www.trail.* a\n"
    "route ~^e-[0-9a-f]+-usw2-az1\\.example\\.test$ a\n"
    "route lkc-1.domxyz.us-west-2.aws.confluent.cloud a\n"
    "route outside.example.net a\n"
    "end\n";


static cclink_rt_t     *fuzz_dns_rt;
static cclink_rt_regexes_t  *fuzz_dns_rx;


static int
fuzz_dns_match(void *data, const char *name, size_t len)
{
    cclink_rt_match_t  m;

    (*(int *) data)++;

    return cclink_rt_match(fuzz_dns_rt, fuzz_dns_rx, name, len, &m);
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char  err[CCLINK_RT_ERRLEN];

    if (cclink_rt_parse("fuzz_dns.conf", fuzz_dns_table,
                        sizeof(fuzz_dns_table) - 1, &fuzz_dns_rt, err,
                        sizeof(err)) != 0)
    {
        fprintf(stderr, "%s\n", err);
        abort();
    }

    fuzz_dns_rx = cclink_rt_regexes_compile(fuzz_dns_rt, err, sizeof(err));
    if (fuzz_dns_rx == NULL) {
        fprintf(stderr, "%s\n", err);
        abort();
    }

    return 0;
}


/* the reply's question name in text form; -1 when not a plain hostname */
static int
fuzz_dns_name(const uint8_t *r, size_t len, char *name, size_t *nlen)
{
    size_t   p, n, i;
    uint8_t  l;

    p = 12;
    n = 0;

    for ( ;; ) {
        FUZZ_CHECK(p < len);
        l = r[p];
        FUZZ_CHECK(l < 64);

        if (l == 0) {
            break;
        }

        FUZZ_CHECK(p + 1 + l <= len);

        if (n) {
            name[n++] = '.';
        }

        for (i = 0; i < l; i++) {
            name[n++] = (char) r[p + 1 + i];
        }

        p += 1 + l;
        FUZZ_CHECK(n <= CCLINK_DNS_MAX_TEXT);
    }

    *nlen = n;

    return (int) (p + 1);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                  calls, in_zone, routed;
    char                 name[CCLINK_DNS_MAX_TEXT + 64];
    size_t               i, max, qlen, nlen, qend, z, an, p;
    uint8_t              out[CCLINK_DNS_MAX_REPLY], *q;
    uint16_t             type;
    cclink_rt_match_t    m;
    cclink_dns_conf_t    conf;
    cclink_dns_result_t  res;
    cclink_dns_action_e  action;

    if (fuzz_dns_rt == NULL) {
        LLVMFuzzerInitialize(NULL, NULL);
    }

    if (size < 1) {
        return 0;
    }

    memset(&conf, 0, sizeof(conf));
    max = (data[0] & 1) ? CCLINK_DNS_TCP_SIZE : CCLINK_DNS_UDP_SIZE;
    conf.forward = (data[0] >> 1) & 1;
    conf.na = (data[0] >> 2) & 7;
    conf.naaaa = ((data[0] >> 5) & 7) * 9;
    conf.ttl = 30;

    for (i = 0; i < conf.na; i++) {
        memset(conf.a[i], (int) (i + 1), 4);
    }

    for (i = 0; i < conf.naaaa; i++) {
        memset(conf.aaaa[i], (int) (i + 1), 16);
    }

    cclink_dns_zone_set(&conf.zones[0], "example.test", 12);
    cclink_dns_zone_set(&conf.zones[1], "confluent.cloud", 15);
    conf.nzones = 2;

    /* the query in a buffer of its exact size */

    qlen = size - 1;
    q = malloc(qlen ? qlen : 1);
    FUZZ_CHECK(q != NULL);
    memcpy(q, data + 1, qlen);

    calls = 0;
    memset(out, 0xee, sizeof(out));

    action = cclink_dns_answer(&conf, q, qlen, max, 9, fuzz_dns_match,
                               &calls, out, &res);

    if (action == CCLINK_DNS_DROP) {
        FUZZ_CHECK(qlen < 12 || (q[2] & 0x80));
        goto done;
    }

    FUZZ_CHECK(qlen >= 12 && !(q[2] & 0x80));

    if (action == CCLINK_DNS_FORWARD) {
        FUZZ_CHECK(conf.forward && calls <= 1);
        goto done;
    }

    FUZZ_CHECK(action == CCLINK_DNS_REPLY);
    FUZZ_CHECK(res.len >= 12 && res.len <= CCLINK_DNS_MAX_REPLY);
    FUZZ_CHECK(max == CCLINK_DNS_TCP_SIZE
               || res.len <= CCLINK_DNS_EDNS_SIZE);
    FUZZ_CHECK(out[0] == q[0] && out[1] == q[1]);
    FUZZ_CHECK((out[2] & 0x80) && !(out[3] & 0x80));
    FUZZ_CHECK(calls <= 2);

    an = (size_t) ((out[6] << 8) | out[7]);

    if (out[4] == 0 && out[5] == 0) {
        FUZZ_CHECK(res.len == 12 && an == 0);
        goto done;
    }

    FUZZ_CHECK(out[4] == 0 && out[5] == 1);

    qend = (size_t) fuzz_dns_name(out, res.len, name, &nlen) + 4;
    FUZZ_CHECK(qend <= res.len && qend <= qlen);
    FUZZ_CHECK(memcmp(out + 12, q + 12, qend - 12) == 0);

    if (an == 0) {
        goto done;
    }

    /*
     * records only for a name inside a zone: A/AAAA for a routed name,
     * the SOA for a zone's apex
     */

    in_zone = 0;

    for (z = 0; z < conf.nzones; z++) {
        i = strlen(conf.zones[z].text);
        if (nlen == i && strncasecmp(name, conf.zones[z].text, i) == 0) {
            in_zone = 2;
        }

        if (nlen > i && name[nlen - i - 1] == '.'
            && strncasecmp(name + nlen - i, conf.zones[z].text, i) == 0)
        {
            in_zone = 1;
        }
    }

    FUZZ_CHECK(in_zone);

    routed = cclink_rt_match(fuzz_dns_rt, fuzz_dns_rx, name, nlen, &m);

    if (!res.routed) {
        FUZZ_CHECK(in_zone == 2 && an == 1 && res.answers == 0);
        FUZZ_CHECK(qend + 4 <= res.len);
        FUZZ_CHECK(out[qend + 2] == 0 && out[qend + 3] == CCLINK_DNS_SOA);
        goto done;
    }

    FUZZ_CHECK(routed == 1);
    FUZZ_CHECK(res.answers == (int) an);

    p = qend;

    for (i = 0; i < an; i++) {
        FUZZ_CHECK(p + 12 <= res.len);
        FUZZ_CHECK(out[p] == 0xc0 && out[p + 1] == 0x0c);
        type = (uint16_t) ((out[p + 2] << 8) | out[p + 3]);

        if (type == CCLINK_DNS_A) {
            FUZZ_CHECK(out[p + 11] == 4 && p + 16 <= res.len);
            FUZZ_CHECK(out[p + 12] >= 1 && out[p + 12] <= conf.na);
            p += 16;

        } else {
            FUZZ_CHECK(type == CCLINK_DNS_AAAA);
            FUZZ_CHECK(out[p + 11] == 16 && p + 28 <= res.len);
            FUZZ_CHECK(out[p + 12] >= 1 && out[p + 12] <= conf.naaaa);
            p += 28;
        }
    }

done:

    free(q);

    return 0;
}
