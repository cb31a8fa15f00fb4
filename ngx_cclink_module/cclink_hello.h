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


/*
 * buf, len:      the bytes received so far
 * max:           the largest ClientHello accepted (handshake message length
 *                with its 4-byte header)
 * scratch, size: reassembly space, or NULL
 */
int cclink_hello_parse(const unsigned char *buf, size_t len, size_t max,
    unsigned char *scratch, size_t size, cclink_hello_t *h);

const char *cclink_hello_strerror(int rc);


#endif /* _CCLINK_HELLO_H_INCLUDED_ */
