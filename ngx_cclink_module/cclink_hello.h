/*
 * Copyright (C) cclink authors
 *
 * Reads the server name (SNI) out of a TLS ClientHello, in plain C, without
 * terminating TLS. Shared by the nginx module, the unit tests and the
 * fuzzers.
 *
 * The input is whatever prefix of the client's byte stream has arrived.
 * The ClientHello may be split over several TCP segments (call again with
 * more bytes) and over several TLS records (the handshake message is then
 * reassembled into a scratch buffer that the caller provides, so that
 * nothing is allocated for the common single-record case).
 *
 * Nothing here allocates; the returned name points into buf or scratch.
 *
 * A caller that reads a stream piece by piece keeps a cclink_hello_state_t
 * (zeroed before the first call) and passes it to cclink_hello_parse_more()
 * with the whole prefix each time: the records already walked are not
 * walked again, so that a ClientHello sent as thousands of tiny records
 * costs work linear in its length, however many reads it takes. The state
 * holds offsets only: buf may move between calls (a larger buffer), as
 * long as it starts with the same bytes.
 */

#ifndef _CCLINK_HELLO_H_INCLUDED_
#define _CCLINK_HELLO_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


typedef enum {
    CCLINK_HELLO_OK = 0,        /* a server name was found */
    CCLINK_HELLO_AGAIN,         /* need more bytes */
    CCLINK_HELLO_SCRATCH,       /* spans records: call again with scratch
                                   of at least h->hello_len bytes */
    CCLINK_HELLO_NO_SNI,        /* a complete ClientHello without SNI */
    CCLINK_HELLO_NOT_TLS,       /* the stream does not start a TLS
                                   handshake (or is SSLv2) */
    CCLINK_HELLO_TOO_LARGE,     /* the ClientHello is longer than max */
    CCLINK_HELLO_BAD            /* malformed */
} cclink_hello_rc_e;


typedef struct {
    const char  *name;          /* the server name, not NUL-terminated */
    size_t       name_len;
    size_t       hello_len;     /* handshake message length, with header;
                                   with CCLINK_HELLO_AGAIN, 0 until its
                                   header has arrived */
    uint32_t     records;       /* TLS records the ClientHello spans */
} cclink_hello_t;


typedef struct {
    size_t         pos;         /* offset of the record being walked */
    size_t         seen;        /* its payload bytes already counted */
    size_t         have;        /* handshake bytes counted */
    size_t         need;        /* 4 + handshake length, once known */
    uint32_t       records;     /* records walked to their end */
    uint32_t       complete;    /* every byte of the message is there */
    size_t         steps;       /* record headers looked at, all calls */
    unsigned char  hdr[4];      /* the handshake header */
} cclink_hello_state_t;


/*
 * buf, len:      the bytes received so far
 * max:           the largest ClientHello accepted (handshake message length
 *                with its 4-byte header)
 * scratch, size: reassembly space, or NULL
 */
int cclink_hello_parse(const unsigned char *buf, size_t len, size_t max,
    unsigned char *scratch, size_t size, cclink_hello_t *h);

/* the same, resuming from st (see above) */
int cclink_hello_parse_more(cclink_hello_state_t *st,
    const unsigned char *buf, size_t len, size_t max, unsigned char *scratch,
    size_t size, cclink_hello_t *h);

const char *cclink_hello_strerror(int rc);


#endif /* _CCLINK_HELLO_H_INCLUDED_ */
