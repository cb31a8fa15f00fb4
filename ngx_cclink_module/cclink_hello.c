/*
 * Copyright (C) cclink authors
 *
 * TLS ClientHello reader; see cclink_hello.h.
 *
 * Record layer (RFC 8446 5.1): type(1) = 22 handshake, legacy version(2)
 * with major 3, length(2) <= 2^14, payload. Handshake (4.1.2): type(1) = 1
 * ClientHello, length(3), then legacy_version(2), random(32),
 * session_id<0..32>, cipher_suites<2..2^16-2>, compression<1..2^8-1>,
 * extensions<8..2^16-1>. server_name (RFC 6066 3): extension 0 holding a
 * list<1..2^16-1> of (type(1), name<1..2^16-1>); type 0 is host_name.
 */

#include <string.h>

#include "cclink_hello.h"


#define CCLINK_TLS_HANDSHAKE     22
#define CCLINK_TLS_CLIENT_HELLO  1
#define CCLINK_TLS_MAX_RECORD    16384
#define CCLINK_TLS_EXT_SNI       0


typedef struct {
    const unsigned char  *p;
    const unsigned char  *end;
} cclink_hello_rd_t;


static int
cclink_hello_skip(cclink_hello_rd_t *r, size_t n)
{
    if ((size_t) (r->end - r->p) < n) {
        return -1;
    }

    r->p += n;

    return 0;
}


static int
cclink_hello_u8(cclink_hello_rd_t *r, size_t *v)
{
    if (r->end - r->p < 1) {
        return -1;
    }

    *v = r->p[0];
    r->p += 1;

    return 0;
}


static int
cclink_hello_u16(cclink_hello_rd_t *r, size_t *v)
{
    if (r->end - r->p < 2) {
        return -1;
    }

    *v = ((size_t) r->p[0] << 8) | r->p[1];
    r->p += 2;

    return 0;
}


/* parses a complete ClientHello body (after the 4-byte header) */

static int
cclink_hello_body(const unsigned char *p, size_t len, cclink_hello_t *h)
{
    size_t             n, type, elen, list, ntype, nlen;
    cclink_hello_rd_t  r, ext, names;

    r.p = p;
    r.end = p + len;

    if (cclink_hello_skip(&r, 2 + 32) != 0) {          /* version, random */
        return CCLINK_HELLO_BAD;
    }

    if (cclink_hello_u8(&r, &n) != 0 || n > 32
        || cclink_hello_skip(&r, n) != 0)
    {
        return CCLINK_HELLO_BAD;                        /* session id */
    }

    if (cclink_hello_u16(&r, &n) != 0 || n < 2 || (n & 1)
        || cclink_hello_skip(&r, n) != 0)
    {
        return CCLINK_HELLO_BAD;                        /* cipher suites */
    }

    if (cclink_hello_u8(&r, &n) != 0 || n < 1
        || cclink_hello_skip(&r, n) != 0)
    {
        return CCLINK_HELLO_BAD;                        /* compression */
    }

    if (r.p == r.end) {
        return CCLINK_HELLO_NO_SNI;                     /* no extensions */
    }

    if (cclink_hello_u16(&r, &n) != 0 || (size_t) (r.end - r.p) < n) {
        return CCLINK_HELLO_BAD;
    }

    ext.p = r.p;
    ext.end = r.p + n;

    while (ext.p < ext.end) {
        if (cclink_hello_u16(&ext, &type) != 0
            || cclink_hello_u16(&ext, &elen) != 0
            || (size_t) (ext.end - ext.p) < elen)
        {
            return CCLINK_HELLO_BAD;
        }

        if (type != CCLINK_TLS_EXT_SNI) {
            ext.p += elen;
            continue;
        }

        names.p = ext.p;
        names.end = ext.p + elen;

        if (cclink_hello_u16(&names, &list) != 0
            || (size_t) (names.end - names.p) != list || list == 0)
        {
            return CCLINK_HELLO_BAD;
        }

        while (names.p < names.end) {
            if (cclink_hello_u8(&names, &ntype) != 0
                || cclink_hello_u16(&names, &nlen) != 0
                || (size_t) (names.end - names.p) < nlen)
            {
                return CCLINK_HELLO_BAD;
            }

            if (ntype == 0) {
                if (nlen == 0 || memchr(names.p, '\0', nlen) != NULL) {
                    return CCLINK_HELLO_BAD;
                }

                h->name = (const char *) names.p;
                h->name_len = nlen;

                return CCLINK_HELLO_OK;
            }

            names.p += nlen;
        }

        return CCLINK_HELLO_NO_SNI;
    }

    return CCLINK_HELLO_NO_SNI;
}


int
cclink_hello_parse(const unsigned char *buf, size_t len, size_t max,
    unsigned char *scratch, size_t size, cclink_hello_t *h)
{
    cclink_hello_state_t  st;

    memset(&st, 0, sizeof(st));

    return cclink_hello_parse_more(&st, buf, len, max, scratch, size, h);
}


int
cclink_hello_parse_more(cclink_hello_state_t *st, const unsigned char *buf,
    size_t len, size_t max, unsigned char *scratch, size_t size,
    cclink_hello_t *h)
{
    size_t                pos, rlen, avail, have, need, take, i;
    const unsigned char  *payload;

    memset(h, 0, sizeof(*h));

    if (len == 0) {
        return CCLINK_HELLO_AGAIN;
    }

    if (buf[0] != CCLINK_TLS_HANDSHAKE) {
        /* an SSLv2-compatible hello (high bit set) carries no SNI either */
        return CCLINK_HELLO_NOT_TLS;
    }

    if (len >= 2 && buf[1] != 3) {
        return CCLINK_HELLO_NOT_TLS;
    }

    /*
     * First pass: walk the records, learn the handshake length from its
     * header (which may itself be split), and see whether every byte of
     * the message has arrived. It resumes at the record where the last
     * call stopped, and counts only the bytes that call had not seen.
     */

    while (!st->complete) {

        pos = st->pos;

        if (len < pos || len - pos < 5) {
            h->hello_len = st->need;
            return CCLINK_HELLO_AGAIN;
        }

        st->steps++;

        if (buf[pos] != CCLINK_TLS_HANDSHAKE || buf[pos + 1] != 3) {
            return CCLINK_HELLO_BAD;
        }

        rlen = ((size_t) buf[pos + 3] << 8) | buf[pos + 4];

        if (rlen == 0 || rlen > CCLINK_TLS_MAX_RECORD) {
            return CCLINK_HELLO_BAD;
        }

        payload = buf + pos + 5;
        avail = len - pos - 5;
        if (avail > rlen) {
            avail = rlen;
        }

        for (i = st->seen; i < avail && st->have < 4; i++) {
            st->hdr[st->have++] = payload[i];
        }

        if (st->need == 0 && st->have == 4) {
            if (st->hdr[0] != CCLINK_TLS_CLIENT_HELLO) {
                return CCLINK_HELLO_BAD;
            }

            need = 4 + (((size_t) st->hdr[1] << 16)
                        | ((size_t) st->hdr[2] << 8) | st->hdr[3]);

            if (need > max) {
                h->hello_len = need;
                return CCLINK_HELLO_TOO_LARGE;
            }

            if (need < 4 + 2 + 32 + 1 + 2 + 2 + 1) {
                return CCLINK_HELLO_BAD;
            }

            st->need = need;
        }

        if (i < avail) {
            st->have += avail - i;
        }

        st->seen = avail;

        if (st->need && st->have >= st->need) {
            st->records++;
            st->complete = 1;
            break;
        }

        if (avail < rlen) {
            h->hello_len = st->need;
            return CCLINK_HELLO_AGAIN;
        }

        st->records++;
        st->pos += 5 + rlen;
        st->seen = 0;
    }

    need = st->need;

    if (st->need > max) {
        h->hello_len = need;
        return CCLINK_HELLO_TOO_LARGE;
    }

    h->hello_len = need;
    h->records = st->records;

    if (st->records == 1) {
        return cclink_hello_body(buf + 5 + 4, need - 4, h);
    }

    if (scratch == NULL || size < need) {
        return CCLINK_HELLO_SCRATCH;
    }

    /* second pass, once: copy the record payloads into one message */

    pos = 0;
    have = 0;

    while (have < need) {
        rlen = ((size_t) buf[pos + 3] << 8) | buf[pos + 4];
        take = rlen;

        if (take > need - have) {
            take = need - have;
        }

        memcpy(scratch + have, buf + pos + 5, take);
        have += take;
        pos += 5 + rlen;
    }

    return cclink_hello_body(scratch + 4, need - 4, h);
}


const char *
cclink_hello_strerror(int rc)
{
    switch (rc) {
    case CCLINK_HELLO_OK:
        return "ok";
    case CCLINK_HELLO_AGAIN:
        return "incomplete";
    case CCLINK_HELLO_SCRATCH:
        return "needs reassembly";
    case CCLINK_HELLO_NO_SNI:
        return "no server name";
    case CCLINK_HELLO_NOT_TLS:
        return "not a TLS handshake";
    case CCLINK_HELLO_TOO_LARGE:
        return "ClientHello too large";
    default:
        return "malformed ClientHello";
    }
}
