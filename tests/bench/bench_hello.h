/*
 * Copyright (C) cclink authors
 *
 * Builds TLS ClientHello records for the benchmarks: the shape a current
 * browser or Kafka client sends (TLS 1.3 with 1.2 fallback, ALPN, key
 * shares), with a chosen server name. Two sizes:
 *
 *   BENCH_HELLO_CLASSIC   an x25519 key share, padded to a 517-byte record
 *   BENCH_HELLO_PQ        an X25519MLKEM768 key share (1216 bytes) as well,
 *                         ALPS and a GREASE encrypted_client_hello, as
 *                         current browsers send: a record of about 1.8 KB
 *
 * The bytes are a real-format ClientHello: a TLS server would answer it.
 * Nothing is allocated; the caller provides the buffer.
 */

#ifndef _BENCH_HELLO_H_INCLUDED_
#define _BENCH_HELLO_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define BENCH_HELLO_CLASSIC   0
#define BENCH_HELLO_PQ        1

/* large enough for either kind with a 253-byte name */
#define BENCH_HELLO_MAX       4096

/* the longest server name */
#define BENCH_HELLO_NAME_MAX  253


/*
 * Writes a ClientHello record for the server name name/len into buf.
 * Returns its length, or 0 if buf is too small or the name is empty or
 * too long. If name_off is not NULL, it gets the offset of the name in
 * buf, so that the caller can patch names of the same length in place.
 */
size_t bench_hello_build(unsigned char *buf, size_t size, const char *name,
    size_t len, int kind, size_t *name_off);


#endif /* _BENCH_HELLO_H_INCLUDED_ */
