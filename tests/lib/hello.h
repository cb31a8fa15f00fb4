/*
 * Copyright (C) cclink authors
 *
 * The tests' C ClientHello builder (the Python one is tests/lib/hello.py),
 * used by the benchmarks and the unit tests.
 *
 * tls_hello_build() writes the records a current browser or Kafka client
 * sends (TLS 1.3 with 1.2 fallback, ALPN, key shares), with a chosen
 * server name. Two sizes:
 *
 *   TLS_HELLO_CLASSIC   an x25519 key share, padded to a 517-byte record
 *   TLS_HELLO_PQ        an X25519MLKEM768 key share (1216 bytes) as well,
 *                       ALPS and a GREASE encrypted_client_hello, as
 *                       current browsers send: a record of about 1.8 KB
 *
 * The bytes are a real-format ClientHello: a TLS server would answer it.
 * Nothing is allocated; the caller provides the buffer.
 */

#ifndef _TLS_HELLO_H_INCLUDED_
#define _TLS_HELLO_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define TLS_HELLO_CLASSIC   0
#define TLS_HELLO_PQ        1

/* large enough for either kind with a 253-byte name */
#define TLS_HELLO_MAX       4096

/* the longest server name */
#define TLS_HELLO_NAME_MAX  253


/*
 * Writes a ClientHello record for the server name name/len into buf.
 * Returns its length, or 0 if buf is too small or the name is empty or
 * too long. If name_off is not NULL, it gets the offset of the name in
 * buf, so that the caller can patch names of the same length in place.
 */
size_t tls_hello_build(unsigned char *buf, size_t size, const char *name,
    size_t len, int kind, size_t *name_off);

/*
 * Writes a minimal ClientHello handshake message (its 4-byte header, no
 * record): TLS 1.3 in supported_versions, then server_name when name is
 * not NULL, then a padding extension of pad bytes when pad > 0 (standing
 * in for a large key share). Returns its length, or 0 if buf is too small.
 */
size_t tls_hello_message(unsigned char *buf, size_t size, const char *name,
    size_t pad);

/*
 * Writes the handshake message hs/len in handshake records of at most frag
 * bytes each. Returns the length written, or 0 if buf is too small.
 */
size_t tls_hello_records(unsigned char *buf, size_t size,
    const unsigned char *hs, size_t len, size_t frag);


#endif /* _TLS_HELLO_H_INCLUDED_ */
