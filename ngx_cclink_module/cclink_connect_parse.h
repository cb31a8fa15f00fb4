/*
 * Copyright (C) cclink authors
 *
 * Reads the request head of an HTTP/1.x CONNECT request (RFC 9110
 * §9.3.6, RFC 9112 §3), in plain C: the CONNECT entrance's parser, shared
 * by the nginx module, the unit tests and the fuzzer.
 *
 * The input is whatever prefix of the client's byte stream has arrived;
 * call again with more bytes while CCLINK_CONNECT_AGAIN is returned. A
 * head that is not a CONNECT request is refused as soon as its method is
 * known, a head without its end within max bytes as soon as max bytes
 * have arrived.
 *
 * Nothing here allocates; the returned pointers point into buf. Bytes
 * after the head (a pipelined ClientHello) are not looked at: head_len
 * says where they start.
 */

#ifndef _CCLINK_CONNECT_PARSE_H_INCLUDED_
#define _CCLINK_CONNECT_PARSE_H_INCLUDED_


#include <stddef.h>


typedef enum {
    CCLINK_CONNECT_OK = 0,      /* a complete, well-formed CONNECT head */
    CCLINK_CONNECT_AGAIN,       /* need more bytes */
    CCLINK_CONNECT_BAD,         /* malformed: 400 */
    CCLINK_CONNECT_METHOD,      /* another method: 405 */
    CCLINK_CONNECT_TOO_LARGE    /* no end of head within max bytes: 431 */
} cclink_connect_rc_e;


typedef struct {
    const char  *host;          /* without brackets for IPv6 literals */
    size_t       host_len;
    unsigned     port;          /* 1..65535 */
    unsigned     ip_literal:1;  /* an IPv4 or IPv6 address, not a name */
    unsigned     minor:1;       /* HTTP/1.1 (1) or HTTP/1.0 (0) */
    const char  *auth;          /* the Proxy-Authorization value, or NULL */
    size_t       auth_len;
    size_t       head_len;      /* bytes up to the end of the blank line */
} cclink_connect_req_t;


/*
 * buf, len: the bytes received so far
 * max:      the largest head accepted, with its final blank line
 */
int cclink_connect_parse(const char *buf, size_t len, size_t max,
    cclink_connect_req_t *r);

/*
 * Decodes "Basic <base64 of user:password>" (the scheme case-insensitive)
 * into out (size bytes); returns the decoded length and sets *colon to
 * the offset of the first ':', or returns -1 when the value is not a
 * well-formed Basic credential that fits.
 */
long cclink_connect_basic(const char *value, size_t len, char *out,
    size_t size, size_t *colon);

const char *cclink_connect_strerror(int rc);


#endif /* _CCLINK_CONNECT_PARSE_H_INCLUDED_ */
