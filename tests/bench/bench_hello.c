/*
 * Copyright (C) cclink authors
 *
 * ClientHello records for the benchmarks. See bench_hello.h.
 */

#include <string.h>

#include "bench_hello.h"


typedef struct {
    unsigned char  *buf;
    size_t          size;
    size_t          len;
    int             full;
} bench_hello_out_t;


static void bench_hello_put(bench_hello_out_t *o, const void *p, size_t n);
static void bench_hello_u8(bench_hello_out_t *o, unsigned v);
static void bench_hello_u16(bench_hello_out_t *o, unsigned v);
static void bench_hello_u24(bench_hello_out_t *o, unsigned v);
static void bench_hello_fill(bench_hello_out_t *o, size_t n, uint32_t seed);
static size_t bench_hello_open16(bench_hello_out_t *o);
static void bench_hello_close16(bench_hello_out_t *o, size_t at);


/* TLS 1.3 suites first, then the 1.2 ones a current client offers */
static const uint16_t  bench_hello_suites[] = {
    0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
    0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035
};

static const uint16_t  bench_hello_sigalgs[] = {
    0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601
};


size_t
bench_hello_build(unsigned char *buf, size_t size, const char *name,
    size_t len, int kind, size_t *name_off)
{
    size_t             rec, hs, exts, ext, list, shares, off, pad;
    bench_hello_out_t  o;
    unsigned           i;

    if (len == 0 || len > BENCH_HELLO_NAME_MAX) {
        return 0;
    }

    o.buf = buf;
    o.size = size;
    o.len = 0;
    o.full = 0;

    /* record header: handshake, TLS 1.0 on the record layer */
    bench_hello_u8(&o, 0x16);
    bench_hello_u16(&o, 0x0301);
    rec = bench_hello_open16(&o);

    /* handshake header: client_hello and a 24-bit length */
    bench_hello_u8(&o, 0x01);
    hs = o.len;
    bench_hello_u24(&o, 0);

    bench_hello_u16(&o, 0x0303);
    bench_hello_fill(&o, 32, 0x9e3779b9);       /* random */
    bench_hello_u8(&o, 32);
    bench_hello_fill(&o, 32, 0x85ebca6b);       /* legacy session id */

    bench_hello_u16(&o, sizeof(bench_hello_suites));
    for (i = 0; i < sizeof(bench_hello_suites) / sizeof(uint16_t); i++) {
        bench_hello_u16(&o, bench_hello_suites[i]);
    }

    bench_hello_u8(&o, 1);                      /* compression: null */
    bench_hello_u8(&o, 0);

    exts = bench_hello_open16(&o);

    /* server_name */
    bench_hello_u16(&o, 0x0000);
    ext = bench_hello_open16(&o);
    list = bench_hello_open16(&o);
    bench_hello_u8(&o, 0);                      /* host_name */
    bench_hello_u16(&o, len);
    off = o.len;
    bench_hello_put(&o, name, len);
    bench_hello_close16(&o, list);
    bench_hello_close16(&o, ext);

    /* extended_master_secret */
    bench_hello_u16(&o, 0x0017);
    bench_hello_u16(&o, 0);

    /* renegotiation_info */
    bench_hello_u16(&o, 0xff01);
    bench_hello_u16(&o, 1);
    bench_hello_u8(&o, 0);

    /* supported_groups */
    bench_hello_u16(&o, 0x000a);
    ext = bench_hello_open16(&o);
    list = bench_hello_open16(&o);
    if (kind == BENCH_HELLO_PQ) {
        bench_hello_u16(&o, 0x11ec);            /* X25519MLKEM768 */
    }
    bench_hello_u16(&o, 0x001d);                /* x25519 */
    bench_hello_u16(&o, 0x0017);                /* secp256r1 */
    bench_hello_u16(&o, 0x0018);                /* secp384r1 */
    bench_hello_close16(&o, list);
    bench_hello_close16(&o, ext);

    /* ec_point_formats: uncompressed */
    bench_hello_u16(&o, 0x000b);
    bench_hello_u16(&o, 2);
    bench_hello_u8(&o, 1);
    bench_hello_u8(&o, 0);

    /* session_ticket */
    bench_hello_u16(&o, 0x0023);
    bench_hello_u16(&o, 0);

    /* application_layer_protocol_negotiation: h2, http/1.1 */
    bench_hello_u16(&o, 0x0010);
    ext = bench_hello_open16(&o);
    list = bench_hello_open16(&o);
    bench_hello_u8(&o, 2);
    bench_hello_put(&o, "h2", 2);
    bench_hello_u8(&o, 8);
    bench_hello_put(&o, "http/1.1", 8);
    bench_hello_close16(&o, list);
    bench_hello_close16(&o, ext);

    /* status_request: OCSP, no responder ids, no extensions */
    bench_hello_u16(&o, 0x0005);
    bench_hello_u16(&o, 5);
    bench_hello_u8(&o, 1);
    bench_hello_u16(&o, 0);
    bench_hello_u16(&o, 0);

    /* signature_algorithms */
    bench_hello_u16(&o, 0x000d);
    ext = bench_hello_open16(&o);
    list = bench_hello_open16(&o);
    for (i = 0; i < sizeof(bench_hello_sigalgs) / sizeof(uint16_t); i++) {
        bench_hello_u16(&o, bench_hello_sigalgs[i]);
    }
    bench_hello_close16(&o, list);
    bench_hello_close16(&o, ext);

    /* signed_certificate_timestamp */
    bench_hello_u16(&o, 0x0012);
    bench_hello_u16(&o, 0);

    /* key_share */
    bench_hello_u16(&o, 0x0033);
    ext = bench_hello_open16(&o);
    shares = bench_hello_open16(&o);
    if (kind == BENCH_HELLO_PQ) {
        /* ML-KEM-768 encapsulation key (1184) + x25519 share (32) */
        bench_hello_u16(&o, 0x11ec);
        bench_hello_u16(&o, 1216);
        bench_hello_fill(&o, 1216, 0xc2b2ae35);
    }
    bench_hello_u16(&o, 0x001d);
    bench_hello_u16(&o, 32);
    bench_hello_fill(&o, 32, 0x27d4eb2f);
    bench_hello_close16(&o, shares);
    bench_hello_close16(&o, ext);

    /* psk_key_exchange_modes: psk_dhe_ke */
    bench_hello_u16(&o, 0x002d);
    bench_hello_u16(&o, 2);
    bench_hello_u8(&o, 1);
    bench_hello_u8(&o, 1);

    /* supported_versions: TLS 1.3, TLS 1.2 */
    bench_hello_u16(&o, 0x002b);
    bench_hello_u16(&o, 5);
    bench_hello_u8(&o, 4);
    bench_hello_u16(&o, 0x0304);
    bench_hello_u16(&o, 0x0303);

    /* compress_certificate: brotli */
    bench_hello_u16(&o, 0x001b);
    bench_hello_u16(&o, 3);
    bench_hello_u8(&o, 2);
    bench_hello_u16(&o, 0x0002);

    if (kind == BENCH_HELLO_PQ) {
        /* application_settings (ALPS) for h2, as current browsers send */
        bench_hello_u16(&o, 0x4469);
        bench_hello_u16(&o, 5);
        bench_hello_u16(&o, 3);
        bench_hello_u8(&o, 2);
        bench_hello_put(&o, "h2", 2);

        /*
         * encrypted_client_hello, the GREASE form that browsers send when
         * they have no ECH configuration: outer, HKDF-SHA256, AES-128-GCM,
         * a config id, a 32-byte encapsulated key and a padded payload
         */
        bench_hello_u16(&o, 0xfe0d);
        ext = bench_hello_open16(&o);
        bench_hello_u8(&o, 0);
        bench_hello_u16(&o, 0x0001);
        bench_hello_u16(&o, 0x0001);
        bench_hello_u8(&o, 0x5a);
        bench_hello_u16(&o, 32);
        bench_hello_fill(&o, 32, 0x165667b1);
        bench_hello_u16(&o, 240);
        bench_hello_fill(&o, 240, 0xd3a2646c);
        bench_hello_close16(&o, ext);
    }

    /*
     * padding (RFC 7685), as clients add it: a handshake message between
     * 256 and 511 bytes is padded to 512, so the record is 517 bytes
     */
    if (kind == BENCH_HELLO_CLASSIC && o.len - hs + 1 < 512) {
        pad = 512 - (o.len - hs + 1);
        pad = (pad >= 4) ? pad - 4 : 0;

        bench_hello_u16(&o, 0x0015);
        bench_hello_u16(&o, pad);

        for (i = 0; i < pad; i++) {
            bench_hello_u8(&o, 0);
        }
    }

    bench_hello_close16(&o, exts);

    if (o.full) {
        return 0;
    }

    /* the handshake length counts what follows its 4-byte header */
    buf[hs] = (unsigned char) ((o.len - hs - 3) >> 16);
    buf[hs + 1] = (unsigned char) ((o.len - hs - 3) >> 8);
    buf[hs + 2] = (unsigned char) (o.len - hs - 3);

    bench_hello_close16(&o, rec);

    if (name_off) {
        *name_off = off;
    }

    return o.len;
}


static void
bench_hello_put(bench_hello_out_t *o, const void *p, size_t n)
{
    if (o->full || o->size - o->len < n) {
        o->full = 1;
        return;
    }

    memcpy(o->buf + o->len, p, n);
    o->len += n;
}


static void
bench_hello_u8(bench_hello_out_t *o, unsigned v)
{
    unsigned char  b[1];

    b[0] = (unsigned char) v;
    bench_hello_put(o, b, 1);
}


static void
bench_hello_u16(bench_hello_out_t *o, unsigned v)
{
    unsigned char  b[2];

    b[0] = (unsigned char) (v >> 8);
    b[1] = (unsigned char) v;
    bench_hello_put(o, b, 2);
}


static void
bench_hello_u24(bench_hello_out_t *o, unsigned v)
{
    unsigned char  b[3];

    b[0] = (unsigned char) (v >> 16);
    b[1] = (unsigned char) (v >> 8);
    b[2] = (unsigned char) v;
    bench_hello_put(o, b, 3);
}


/* bytes that look random, the same every time */

static void
bench_hello_fill(bench_hello_out_t *o, size_t n, uint32_t seed)
{
    size_t    i;
    uint32_t  x;

    x = seed;

    for (i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bench_hello_u8(o, x & 0xff);
    }
}


/* starts a 16-bit length-prefixed vector; returns where its length goes */

static size_t
bench_hello_open16(bench_hello_out_t *o)
{
    size_t  at;

    at = o->len;
    bench_hello_u16(o, 0);

    return at;
}


static void
bench_hello_close16(bench_hello_out_t *o, size_t at)
{
    size_t  n;

    if (o->full) {
        return;
    }

    n = o->len - at - 2;
    o->buf[at] = (unsigned char) (n >> 8);
    o->buf[at + 1] = (unsigned char) n;
}
