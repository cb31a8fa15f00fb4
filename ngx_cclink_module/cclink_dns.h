/*
 * Copyright (C) cclink authors
 *
 * DNS wire format for the module's small authoritative responder, in
 * plain C (libc only): parses one query and builds its reply. Shared by
 * ngx_stream_cclink_dns_module.c, the unit tests and the fuzzer.
 *
 * Invariants
 *
 *  - Nothing is read outside [query, query + len); nothing is written
 *    outside [out, out + out_size). Nothing allocates.
 *  - The reply's question is the query's question byte for byte (letter
 *    case included); answer owner names are the pointer 0xC00C to it.
 *  - Records are answered only for a name the caller's matcher routes;
 *    the matcher is asked only about names inside a zone, whose labels
 *    hold letters, digits, '-' and '_' only.
 *  - A reply never exceeds the size limit given for it (512 bytes over
 *    UDP without EDNS, the client's EDNS size up to CCLINK_DNS_EDNS_SIZE
 *    with it, 65535 over TCP); one that would is sent as header, question
 *    and OPT with TC set.
 */

#ifndef _CCLINK_DNS_H_INCLUDED_
#define _CCLINK_DNS_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define CCLINK_DNS_HDR            12
#define CCLINK_DNS_MAX_NAME       255     /* wire form, with length bytes */
#define CCLINK_DNS_MAX_TEXT       254     /* text form, no final dot */
#define CCLINK_DNS_MAX_ADDRS      64
#define CCLINK_DNS_MAX_ZONES      32
#define CCLINK_DNS_UDP_SIZE       512
#define CCLINK_DNS_EDNS_SIZE      1232    /* what our OPT advertises */
#define CCLINK_DNS_TCP_SIZE       65535
#define CCLINK_DNS_MAX_REPLY      4096    /* bigger than any reply built */
#define CCLINK_DNS_NEG_TTL        5       /* negative caching, at most */

/* response codes */
#define CCLINK_DNS_NOERROR        0
#define CCLINK_DNS_FORMERR        1
#define CCLINK_DNS_SERVFAIL       2
#define CCLINK_DNS_NXDOMAIN       3
#define CCLINK_DNS_NOTIMP         4
#define CCLINK_DNS_REFUSED        5
#define CCLINK_DNS_BADVERS        16      /* extended, in the OPT record */

/* types */
#define CCLINK_DNS_A              1
#define CCLINK_DNS_SOA            6
#define CCLINK_DNS_AAAA           28
#define CCLINK_DNS_OPT            41
#define CCLINK_DNS_ANY            255
#define CCLINK_DNS_IN             1


/* what to do with a query */
typedef enum {
    CCLINK_DNS_REPLY = 0,       /* send out[0 .. res->len) */
    CCLINK_DNS_FORWARD,         /* pass the query to the resolver */
    CCLINK_DNS_DROP             /* send nothing */
} cclink_dns_action_e;


typedef struct {
    /* a zone, lower-cased: wire form (with the root label) and text */
    uint8_t        wire[CCLINK_DNS_MAX_NAME];
    size_t         wire_len;
    char           text[CCLINK_DNS_MAX_TEXT + 1];
} cclink_dns_zone_t;


typedef struct {
    uint8_t            a[CCLINK_DNS_MAX_ADDRS][4];
    size_t             na;
    uint8_t            aaaa[CCLINK_DNS_MAX_ADDRS][16];
    size_t             naaaa;
    uint32_t           ttl;
    cclink_dns_zone_t  zones[CCLINK_DNS_MAX_ZONES];
    size_t             nzones;
    int                forward;   /* unrouted names in zones: forward */
} cclink_dns_conf_t;


typedef struct {
    size_t         len;          /* of the reply in out */
    int            rcode;        /* of the reply, extended included; -1 */
    int            tc;           /* the reply was truncated */
    int            answers;      /* records in its answer section */
    int            routed;       /* the matcher routed the name */
    uint16_t       qtype;        /* 0 when the question was not parsed */
    char           name[CCLINK_DNS_MAX_TEXT + 1]; /* as received, "" */
    size_t         name_len;
} cclink_dns_result_t;


/*
 * The route matcher: returns 1 when name[0 .. len) is routed, 0 when not,
 * -1 on an internal error (the reply is then SERVFAIL).
 */
typedef int (*cclink_dns_match_pt)(void *data, const char *name,
    size_t len);


/*
 * Sets a zone from its text form ("confluent.cloud", a final dot allowed).
 * Returns 0, or -1 when the text is not a valid domain name.
 */
int cclink_dns_zone_set(cclink_dns_zone_t *z, const char *text, size_t len);

/*
 * Answers one query of len bytes. max is the reply size limit
 * (CCLINK_DNS_UDP_SIZE for UDP, CCLINK_DNS_TCP_SIZE for TCP: the limit
 * over UDP grows with the query's EDNS size), serial goes into the SOA.
 * out must hold CCLINK_DNS_MAX_REPLY bytes. Fills res.
 */
cclink_dns_action_e cclink_dns_answer(const cclink_dns_conf_t *conf,
    const uint8_t *query, size_t len, size_t max, uint32_t serial,
    cclink_dns_match_pt match, void *data, uint8_t *out,
    cclink_dns_result_t *res);

/* "NOERROR", "FORMERR", ..., "BADVERS"; "RCODE<n>" is not given: "OTHER" */
const char *cclink_dns_rcode_name(int rcode);


#endif /* _CCLINK_DNS_H_INCLUDED_ */
