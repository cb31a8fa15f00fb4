/*
 * Copyright (C) cclink authors
 *
 * The tests' C ClientHello builder (hello.h): browser-shaped records for
 * the benchmarks and minimal messages and record framings for the unit
 * tests.
 */

#include <string.h>

#include "hello.h"


typedef struct {
    unsigned char  *buf;
    size_t          size;
    size_t          len;
    int             full;
} tls_hello_out_t;


static void tls_hello_put(tls_hello_out_t *o, const void *p, size_t n);
static void tls_hello_u8(tls_hello_out_t *o, unsigned v);
static void tls_hello_u16(tls_hello_out_t *o, unsigned v);
static void tls_hello_u24(tls_hello_out_t *o, unsigned v);
static void tls_hello_fill(tls_hello_out_t *o, size_t n, uint32_t seed);
static size_t tls_hello_open16(tls_hello_out_t *o);
static void tls_hello_out_init(tls_hello_out_t *o, unsigned char *buf,
    size_t size);
static void tls_hello_close16(tls_hello_out_t *o, size_t at);
static void tls_hello_close24(tls_hello_out_t *o, size_t at);
static void tls_hello_fill_byte(tls_hello_out_t *o, size_t n, unsigned v);


/* TLS 1.3 suites first, then the 1.2 ones a current client offers */
static const uint16_t  tls_hello_suites[] = {
    0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
    0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035
};

static const uint16_t  tls_hello_sigalgs[] = {
    0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601
};


size_t
tls_hello_build(unsigned char *buf, size_t size, const char *name,
    size_t len, int kind, size_t *name_off)
{
    size_t             rec, hs, exts, ext, list, shares, off, pad;
    tls_hello_out_t  o;
    unsigned           i;

    if (len == 0 || len > TLS_HELLO_NAME_MAX) {
        return 0;
    }

    tls_hello_out_init(&o, buf, size);

    /* record header: handshake, TLS 1.0 on the record layer */
    tls_hello_u8(&o, 0x16);
    tls_hello_u16(&o, 0x0301);
    rec = tls_hello_open16(&o);

    /* handshake header: client_hello and a 24-bit length */
    tls_hello_u8(&o, 0x01);
    hs = o.len;
    tls_hello_u24(&o, 0);

    tls_hello_u16(&o, 0x0303);
    tls_hello_fill(&o, 32, 0x9e3779b9);       /* random */
    tls_hello_u8(&o, 32);
    tls_hello_fill(&o, 32, 0x85ebca6b);       /* legacy session id */

    tls_hello_u16(&o, sizeof(tls_hello_suites));
    for (i = 0; i < sizeof(tls_hello_suites) / sizeof(uint16_t); i++) {
        tls_hello_u16(&o, tls_hello_suites[i]);
    }

    tls_hello_u8(&o, 1);                      /* compression: null */
    tls_hello_u8(&o, 0);

    exts = tls_hello_open16(&o);

    /* server_name */
    tls_hello_u16(&o, 0x0000);
    ext = tls_hello_open16(&o);
    list = tls_hello_open16(&o);
    tls_hello_u8(&o, 0);                      /* host_name */
    tls_hello_u16(&o, len);
    off = o.len;
    tls_hello_put(&o, name, len);
    tls_hello_close16(&o, list);
    tls_hello_close16(&o, ext);

    /* extended_master_secret */
    tls_hello_u16(&o, 0x0017);
    tls_hello_u16(&o, 0);

    /* renegotiation_info */
    tls_hello_u16(&o, 0xff01);
    tls_hello_u16(&o, 1);
    tls_hello_u8(&o, 0);

    /* supported_groups */
    tls_hello_u16(&o, 0x000a);
    ext = tls_hello_open16(&o);
    list = tls_hello_open16(&o);
    if (kind == TLS_HELLO_PQ) {
        tls_hello_u16(&o, 0x11ec);            /* X25519MLKEM768 */
    }
    tls_hello_u16(&o, 0x001d);                /* x25519 */
    tls_hello_u16(&o, 0x0017);                /* secp256r1 */
    tls_hello_u16(&o, 0x0018);                /* secp384r1 */
    tls_hello_close16(&o, list);
    tls_hello_close16(&o, ext);

    /* ec_point_formats: uncompressed */
    tls_hello_u16(&o, 0x000b);
    tls_hello_u16(&o, 2);
    tls_hello_u8(&o, 1);
    tls_hello_u8(&o, 0);

    /* session_ticket */
    tls_hello_u16(&o, 0x0023);
    tls_hello_u16(&o, 0);

    /* application_layer_protocol_negotiation: h2, http/1.1 */
    tls_hello_u16(&o, 0x0010);
    ext = tls_hello_open16(&o);
    list = tls_hello_open16(&o);
    tls_hello_u8(&o, 2);
    tls_hello_put(&o, "h2", 2);
    tls_hello_u8(&o, 8);
    tls_hello_put(&o, "http/1.1", 8);
    tls_hello_close16(&o, list);
    tls_hello_close16(&o, ext);

    /* status_request: OCSP, no responder ids, no extensions */
    tls_hello_u16(&o, 0x0005);
    tls_hello_u16(&o, 5);
    tls_hello_u8(&o, 1);
    tls_hello_u16(&o, 0);
    tls_hello_u16(&o, 0);

    /* signature_algorithms */
    tls_hello_u16(&o, 0x000d);
    ext = tls_hello_open16(&o);
    list = tls_hello_open16(&o);
    for (i = 0; i < sizeof(tls_hello_sigalgs) / sizeof(uint16_t); i++) {
        tls_hello_u16(&o, tls_hello_sigalgs[i]);
    }
    tls_hello_close16(&o, list);
    tls_hello_close16(&o, ext);

    /* signed_certificate_timestamp */
    tls_hello_u16(&o, 0x0012);
    tls_hello_u16(&o, 0);

    /* key_share */
    tls_hello_u16(&o, 0x0033);
    ext = tls_hello_open16(&o);
    shares = tls_hello_open16(&o);
    if (kind == TLS_HELLO_PQ) {
        /* ML-KEM-768 encapsulation key (1184) + x25519 share (32) */
        tls_hello_u16(&o, 0x11ec);
        tls_hello_u16(&o, 1216);
        tls_hello_fill(&o, 1216, 0xc2b2ae35);
    }
    tls_hello_u16(&o, 0x001d);
    tls_hello_u16(&o, 32);
    tls_hello_fill(&o, 32, 0x27d4eb2f);
    tls_hello_close16(&o, shares);
    tls_hello_close16(&o, ext);

    /* psk_key_exchange_modes: psk_dhe_ke */
    tls_hello_u16(&o, 0x002d);
    tls_hello_u16(&o, 2);
    tls_hello_u8(&o, 1);
    tls_hello_u8(&o, 1);

    /* supported_versions: TLS 1.3, TLS 1.2 */
    tls_hello_u16(&o, 0x002b);
    tls_hello_u16(&o, 5);
    tls_hello_u8(&o, 4);
    tls_hello_u16(&o, 0x0304);
    tls_hello_u16(&o, 0x0303);

    /* compress_certificate: brotli */
    tls_hello_u16(&o, 0x001b);
    tls_hello_u16(&o, 3);
    tls_hello_u8(&o, 2);
    tls_hello_u16(&o, 0x0002);

    if (kind == TLS_HELLO_PQ) {
        /* application_settings (ALPS) for h2, as current browsers send */
        tls_hello_u16(&o, 0x4469);
        tls_hello_u16(&o, 5);
        tls_hello_u16(&o, 3);
        tls_hello_u8(&o, 2);
        tls_hello_put(&o, "h2", 2);

        /*
         * encrypted_client_hello, the GREASE form that browsers send when
         * they have no ECH configuration: outer, HKDF-SHA256, AES-128-GCM,
         * a config id, a 32-byte encapsulated key and a padded payload
         */
        tls_hello_u16(&o, 0xfe0d);
        ext = tls_hello_open16(&o);
        tls_hello_u8(&o, 0);
        tls_hello_u16(&o, 0x0001);
        tls_hello_u16(&o, 0x0001);
        tls_hello_u8(&o, 0x5a);
        tls_hello_u16(&o, 32);
        tls_hello_fill(&o, 32, 0x165667b1);
        tls_hello_u16(&o, 240);
        tls_hello_fill(&o, 240, 0xd3a2646c);
        tls_hello_close16(&o, ext);
    }

    /*
     * padding (RFC 7685), as clients add it: a handshake message between
     * 256 and 511 bytes is padded to 512, so the record is 517 bytes
     */
    if (kind == TLS_HELLO_CLASSIC && o.len - hs + 1 < 512) {
        pad = 512 - (o.len - hs + 1);
        pad = (pad >= 4) ? pad - 4 : 0;

        tls_hello_u16(&o, 0x0015);
        tls_hello_u16(&o, pad);

        for (i = 0; i < pad; i++) {
            tls_hello_u8(&o, 0);
        }
    }

    tls_hello_close16(&o, exts);

    if (o.full) {
        return 0;
    }

    tls_hello_close24(&o, hs);

    tls_hello_close16(&o, rec);

    if (name_off) {
        *name_off = off;
    }

    return o.len;
}


size_t
tls_hello_message(unsigned char *buf, size_t size, const char *name,
    size_t pad)
{
    size_t             hs, exts, ext, list, len;
    tls_hello_out_t    o;

    tls_hello_out_init(&o, buf, size);

    tls_hello_u8(&o, 0x01);                     /* client_hello */
    hs = o.len;
    tls_hello_u24(&o, 0);

    tls_hello_u16(&o, 0x0303);
    tls_hello_fill_byte(&o, 32, 0xab);          /* random */
    tls_hello_u8(&o, 32);
    tls_hello_fill_byte(&o, 32, 0x11);          /* legacy session id */
    tls_hello_u16(&o, 4);
    tls_hello_u16(&o, 0x1301);
    tls_hello_u16(&o, 0x1302);
    tls_hello_u8(&o, 1);                        /* compression: null */
    tls_hello_u8(&o, 0);

    exts = tls_hello_open16(&o);

    /* supported_versions: TLS 1.3, an extension before server_name */
    tls_hello_u16(&o, 0x002b);
    tls_hello_u16(&o, 3);
    tls_hello_u8(&o, 2);
    tls_hello_u16(&o, 0x0304);

    if (name != NULL) {
        len = strlen(name);
        tls_hello_u16(&o, 0x0000);
        ext = tls_hello_open16(&o);
        list = tls_hello_open16(&o);
        tls_hello_u8(&o, 0);                    /* host_name */
        tls_hello_u16(&o, len);
        tls_hello_put(&o, name, len);
        tls_hello_close16(&o, list);
        tls_hello_close16(&o, ext);
    }

    if (pad) {
        tls_hello_u16(&o, 0x0015);
        tls_hello_u16(&o, pad);
        tls_hello_fill_byte(&o, pad, 0);
    }

    tls_hello_close16(&o, exts);

    if (o.full) {
        return 0;
    }

    tls_hello_close24(&o, hs);

    return o.len;
}


size_t
tls_hello_records(unsigned char *buf, size_t size, const unsigned char *hs,
    size_t len, size_t frag)
{
    size_t           off, take, rec;
    tls_hello_out_t  o;

    tls_hello_out_init(&o, buf, size);

    for (off = 0; off < len; off += take) {
        take = len - off < frag ? len - off : frag;
        tls_hello_u8(&o, 0x16);
        tls_hello_u16(&o, 0x0301);
        rec = tls_hello_open16(&o);
        tls_hello_put(&o, hs + off, take);
        tls_hello_close16(&o, rec);
    }

    return o.full ? 0 : o.len;
}


static void
tls_hello_put(tls_hello_out_t *o, const void *p, size_t n)
{
    if (o->full || o->size - o->len < n) {
        o->full = 1;
        return;
    }

    memcpy(o->buf + o->len, p, n);
    o->len += n;
}


static void
tls_hello_u8(tls_hello_out_t *o, unsigned v)
{
    unsigned char  b[1];

    b[0] = (unsigned char) v;
    tls_hello_put(o, b, 1);
}


static void
tls_hello_u16(tls_hello_out_t *o, unsigned v)
{
    unsigned char  b[2];

    b[0] = (unsigned char) (v >> 8);
    b[1] = (unsigned char) v;
    tls_hello_put(o, b, 2);
}


static void
tls_hello_u24(tls_hello_out_t *o, unsigned v)
{
    unsigned char  b[3];

    b[0] = (unsigned char) (v >> 16);
    b[1] = (unsigned char) (v >> 8);
    b[2] = (unsigned char) v;
    tls_hello_put(o, b, 3);
}


/* bytes that look random, the same every time */

static void
tls_hello_fill(tls_hello_out_t *o, size_t n, uint32_t seed)
{
    size_t    i;
    uint32_t  x;

    x = seed;

    for (i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        tls_hello_u8(o, x & 0xff);
    }
}


/* starts a 16-bit length-prefixed vector; returns where its length goes */

static size_t
tls_hello_open16(tls_hello_out_t *o)
{
    size_t  at;

    at = o->len;
    tls_hello_u16(o, 0);

    return at;
}


static void
tls_hello_close16(tls_hello_out_t *o, size_t at)
{
    size_t  n;

    if (o->full) {
        return;
    }

    n = o->len - at - 2;
    o->buf[at] = (unsigned char) (n >> 8);
    o->buf[at + 1] = (unsigned char) n;
}


static void
tls_hello_fill_byte(tls_hello_out_t *o, size_t n, unsigned v)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        tls_hello_u8(o, v);
    }
}


static void
tls_hello_out_init(tls_hello_out_t *o, unsigned char *buf, size_t size)
{
    o->buf = buf;
    o->size = size;
    o->len = 0;
    o->full = 0;
}


/* the handshake length: what follows its 4-byte header (type, length) */

static void
tls_hello_close24(tls_hello_out_t *o, size_t at)
{
    size_t  n;

    if (o->full) {
        return;
    }

    n = o->len - at - 3;
    o->buf[at] = (unsigned char) (n >> 16);
    o->buf[at + 1] = (unsigned char) (n >> 8);
    o->buf[at + 2] = (unsigned char) n;
}
