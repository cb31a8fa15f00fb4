/*
 * Copyright (C) cclink authors
 *
 * Invariants of the ClientHello reader (cclink_hello.c), shared by the
 * byte-level target (fuzz_hello.c) and the structure-aware one
 * (fuzz_hello_gen.c).
 *
 * fuzz_hello_check(stream, len, max, rng, out) runs cclink_hello_parse()
 * over a byte stream and checks:
 *
 *  - the return code is one of the enum; a returned name is non-empty,
 *    holds no NUL and lies inside the input (one record) or inside the
 *    scratch buffer (several records); hello_len and records are
 *    consistent with the code;
 *  - SCRATCH comes only without enough scratch; with scratch of exactly
 *    hello_len bytes (allocated to the byte: ASan sees any overrun) the
 *    answer is final; a smaller scratch gives SCRATCH again, a larger one
 *    the same answer, and scratch is never used for a single record;
 *  - prefixes (all short ones, those around record and handshake
 *    boundaries, and random ones), each in a buffer of its own exact
 *    length: the answer is AGAIN or exactly the answer for the whole
 *    input; when the whole input gives AGAIN, so does every prefix;
 *  - the stream read piece by piece (pieces of 1 byte, of a few, of
 *    random sizes), each longer prefix in a buffer of its own, through
 *    one cclink_hello_state_t: the final answer is the whole input's, and
 *    the reader looked at most at one record header per call plus one per
 *    6 bytes (the shortest record): linear work however the bytes come;
 *  - max: hello_len - 1 gives TOO_LARGE, hello_len the same answer;
 *  - the same handshake message framed into other records (1-byte
 *    records, the 4-byte header alone, random sizes, one record, with
 *    other legacy record versions and with bytes after it) gives the same
 *    answer and the same name at the same offset in the message.
 *
 * "out" gets the final answer (with scratch when needed), for the
 * structure-aware target to compare with what it built; its name is a
 * copy that lives until the next call.
 */

#ifndef _FUZZ_HELLO_H_INCLUDED_
#define _FUZZ_HELLO_H_INCLUDED_


#include <string.h>

#include "cclink_hello.h"
#include "fuzz.h"


#define FUZZ_HELLO_MAX       16000          /* the module's default */
#define FUZZ_HELLO_RECORD    16384
#define FUZZ_HELLO_MIN       (4 + 2 + 32 + 1 + 2 + 2 + 1)
#define FUZZ_HELLO_PREFIXES  160


typedef struct {
    int                   rc;
    size_t                hello_len;
    uint32_t              records;
    const unsigned char  *name;
    size_t                name_len;
    long                  msg_off;    /* name offset in the handshake
                                         message (header included) */
    int                   in_scratch;
} fuzz_hello_res_t;


static unsigned char  fuzz_hello_name[65536];


static void
fuzz_hello_call(const unsigned char *buf, size_t len, size_t max,
    unsigned char *scratch, size_t ssize, fuzz_hello_res_t *res)
{
    int                   rc;
    cclink_hello_t        h;
    const unsigned char  *name;

    memset(&h, 0xa5, sizeof(h));
    memset(res, 0, sizeof(*res));

    rc = cclink_hello_parse(buf, len, max, scratch, ssize, &h);

    FUZZ_CHECK(rc >= CCLINK_HELLO_OK && rc <= CCLINK_HELLO_BAD);
    FUZZ_CHECK(cclink_hello_strerror(rc) != NULL);

    res->rc = rc;
    res->hello_len = h.hello_len;
    res->records = h.records;
    res->msg_off = -1;

    switch (rc) {

    case CCLINK_HELLO_OK:
        name = (const unsigned char *) h.name;

        FUZZ_CHECK(name != NULL);
        FUZZ_CHECK(h.name_len >= 1 && h.name_len <= 65535);
        FUZZ_CHECK(h.hello_len >= FUZZ_HELLO_MIN && h.hello_len <= max);
        FUZZ_CHECK(h.records >= 1);

        if (h.records == 1) {
            FUZZ_CHECK(name >= buf + 5 + 4);
            FUZZ_CHECK(name + h.name_len <= buf + 5 + h.hello_len);
            FUZZ_CHECK(5 + h.hello_len <= len);
            res->msg_off = (long) (name - (buf + 5));

        } else {
            FUZZ_CHECK(scratch != NULL && ssize >= h.hello_len);
            FUZZ_CHECK(name >= scratch + 4);
            FUZZ_CHECK(name + h.name_len <= scratch + h.hello_len);
            res->msg_off = (long) (name - scratch);
            res->in_scratch = 1;
        }

        FUZZ_CHECK(memchr(name, '\0', h.name_len) == NULL);

        res->name = name;
        res->name_len = h.name_len;
        break;

    case CCLINK_HELLO_NO_SNI:
        FUZZ_CHECK(h.hello_len >= FUZZ_HELLO_MIN && h.hello_len <= max);
        FUZZ_CHECK(h.records == 1
                   || (scratch != NULL && ssize >= h.hello_len));
        break;

    case CCLINK_HELLO_SCRATCH:
        FUZZ_CHECK(h.records >= 2);
        FUZZ_CHECK(h.hello_len >= FUZZ_HELLO_MIN && h.hello_len <= max);
        FUZZ_CHECK(scratch == NULL || ssize < h.hello_len);
        break;

    case CCLINK_HELLO_TOO_LARGE:
        FUZZ_CHECK(h.hello_len > max);
        break;

    case CCLINK_HELLO_BAD:
        /* from the record layer (no length yet) or from the body */
        FUZZ_CHECK(h.hello_len == 0
                   || (h.hello_len >= FUZZ_HELLO_MIN && h.hello_len <= max
                       && (h.records == 1
                           || (scratch != NULL && ssize >= h.hello_len))));
        break;

    case CCLINK_HELLO_AGAIN:
        /*
         * the length once the handshake header has arrived (the module
         * sizes its preread buffer by it)
         */
        FUZZ_CHECK(h.records == 0);
        FUZZ_CHECK(h.hello_len == 0
                   || (h.hello_len >= FUZZ_HELLO_MIN && h.hello_len <= max));
        break;

    default: /* NOT_TLS */
        FUZZ_CHECK(h.hello_len == 0 && h.records == 0);
        break;
    }
}


static int
fuzz_hello_same(const fuzz_hello_res_t *a, const fuzz_hello_res_t *b)
{
    if (a->rc != b->rc || a->hello_len != b->hello_len) {
        return 0;
    }

    if (a->rc != CCLINK_HELLO_OK) {
        return 1;
    }

    return a->name_len == b->name_len && a->msg_off == b->msg_off
           && memcmp(a->name, b->name, a->name_len) == 0;
}


/* the answer for the whole stream, with scratch when it asks for it */
static void
fuzz_hello_final(const unsigned char *buf, size_t len, size_t max,
    unsigned char **scratch, fuzz_hello_res_t *res)
{
    *scratch = NULL;

    fuzz_hello_call(buf, len, max, NULL, 0, res);

    if (res->rc != CCLINK_HELLO_SCRATCH) {
        return;
    }

    *scratch = malloc(res->hello_len);
    FUZZ_CHECK(*scratch != NULL);

    fuzz_hello_call(buf, len, max, *scratch, res->hello_len, res);

    FUZZ_CHECK(res->rc == CCLINK_HELLO_OK || res->rc == CCLINK_HELLO_NO_SNI
               || res->rc == CCLINK_HELLO_BAD);
    FUZZ_CHECK(res->records >= 2);
}


/* reads the stream in pieces through one state, as the module does */
static void
fuzz_hello_pieces(const unsigned char *buf, size_t len, size_t max,
    const fuzz_hello_res_t *full, fuzz_rng_t *rng)
{
    int                   rc;
    size_t                got, step, mode, calls, ssize;
    unsigned char        *pbuf, *scratch;
    cclink_hello_t        h;
    cclink_hello_state_t  st;

    if (len == 0) {
        return;
    }

    memset(&st, 0, sizeof(st));
    mode = fuzz_rng_next(rng) % 3;

    if (len > 4096) {
        /* each piece copies the prefix: keep long inputs quick */
        mode = 2;
    }
    scratch = NULL;
    ssize = 0;
    calls = 0;
    got = 0;
    rc = CCLINK_HELLO_AGAIN;

    while (got < len) {
        step = (mode == 0) ? 1 : (mode == 1) ? fuzz_rng_range(rng, 1, 8)
                                             : fuzz_rng_range(rng, 1, 600);
        got = (step > len - got) ? len : got + step;

        pbuf = malloc(got);
        FUZZ_CHECK(pbuf != NULL);
        memcpy(pbuf, buf, got);

        calls++;
        rc = cclink_hello_parse_more(&st, pbuf, got, max, scratch, ssize,
                                     &h);

        if (rc == CCLINK_HELLO_SCRATCH) {
            FUZZ_CHECK(scratch == NULL);
            scratch = malloc(h.hello_len);
            FUZZ_CHECK(scratch != NULL);
            ssize = h.hello_len;
            calls++;
            rc = cclink_hello_parse_more(&st, pbuf, got, max, scratch,
                                         ssize, &h);
        }

        free(pbuf);

        FUZZ_CHECK(st.steps <= calls + got / 6 + 1);

        if (rc != CCLINK_HELLO_AGAIN) {
            break;
        }
    }

    if (full->rc != CCLINK_HELLO_SCRATCH) {
        FUZZ_CHECK(rc == full->rc);
    }

    if (rc != CCLINK_HELLO_AGAIN && rc != CCLINK_HELLO_NOT_TLS) {
        FUZZ_CHECK(h.hello_len == full->hello_len);
    }

    free(scratch);
}


/* frames a handshake message into records, as chosen by rng */
static size_t
fuzz_hello_frame(const unsigned char *msg, size_t mlen, fuzz_rng_t *rng,
    unsigned char *out)
{
    size_t    n, off, take, mode, trail, i;
    unsigned  minor;

    mode = fuzz_rng_next(rng) % 5;
    minor = (unsigned) (fuzz_rng_next(rng) % 5);
    n = 0;

    for (off = 0; off < mlen; off += take) {

        switch (mode) {
        case 0:
            take = 1;
            break;
        case 1:
            take = (off == 0) ? 4 : FUZZ_HELLO_RECORD;
            break;
        case 2:
            take = fuzz_rng_range(rng, 1, 64);
            break;
        case 3:
            take = fuzz_rng_range(rng, 1, FUZZ_HELLO_RECORD);
            break;
        default:
            take = FUZZ_HELLO_RECORD;
            break;
        }

        if (take > mlen - off) {
            take = mlen - off;
        }

        out[n++] = 22;
        out[n++] = 3;
        out[n++] = (unsigned char) minor;
        out[n++] = (unsigned char) (take >> 8);
        out[n++] = (unsigned char) take;
        memcpy(out + n, msg + off, take);
        n += take;
    }

    /* what follows the ClientHello must not change the answer */

    trail = fuzz_rng_next(rng) % 3 ? 0 : fuzz_rng_range(rng, 1, 16);

    for (i = 0; i < trail; i++) {
        out[n++] = (unsigned char) fuzz_rng_next(rng);
    }

    return n;
}


static void
fuzz_hello_check(const unsigned char *in, size_t len, size_t max,
    fuzz_rng_t *rng, fuzz_hello_res_t *out)
{
    size_t                pl[FUZZ_HELLO_PREFIXES], np, i, pos, rlen, mlen;
    size_t                flen;
    unsigned char        *buf, *scratch, *s2, *pbuf, *fbuf, *fscratch;
    const unsigned char  *msg;
    fuzz_hello_res_t      full, r, r2;

    /* the input in a buffer of its exact length */

    buf = malloc(len ? len : 1);
    FUZZ_CHECK(buf != NULL);
    memcpy(buf, in, len);

    fuzz_hello_final(buf, len, max, &scratch, &full);

    /* scratch: never used for one record; too small asks again */

    if (scratch == NULL) {
        s2 = malloc(64);
        FUZZ_CHECK(s2 != NULL);
        fuzz_hello_call(buf, len, max, s2, 64, &r);

        if (full.rc == CCLINK_HELLO_SCRATCH) {
            FUZZ_CHECK(full.hello_len > 64);
            FUZZ_CHECK(r.rc == CCLINK_HELLO_SCRATCH);

        } else {
            FUZZ_CHECK(fuzz_hello_same(&r, &full));
            FUZZ_CHECK(r.name == full.name);
        }

        free(s2);

    } else {
        s2 = malloc(full.hello_len - 1);
        FUZZ_CHECK(s2 != NULL);
        fuzz_hello_call(buf, len, max, s2, full.hello_len - 1, &r);
        FUZZ_CHECK(r.rc == CCLINK_HELLO_SCRATCH);
        free(s2);

        s2 = malloc(full.hello_len + 100);
        FUZZ_CHECK(s2 != NULL);
        fuzz_hello_call(buf, len, max, s2, full.hello_len + 100, &r);
        FUZZ_CHECK(fuzz_hello_same(&r, &full));
        free(s2);
    }

    /* max */

    if (full.hello_len && full.rc != CCLINK_HELLO_TOO_LARGE) {
        fuzz_hello_call(buf, len, full.hello_len - 1, NULL, 0, &r);
        FUZZ_CHECK(r.rc == CCLINK_HELLO_TOO_LARGE);
        FUZZ_CHECK(r.hello_len == full.hello_len);

        fuzz_hello_call(buf, len, full.hello_len, scratch,
                        scratch ? full.hello_len : 0, &r);
        FUZZ_CHECK(fuzz_hello_same(&r, &full));
    }

    /* prefixes */

    np = 0;

    for (i = 0; i < len && i <= 48 && np < FUZZ_HELLO_PREFIXES; i++) {
        pl[np++] = i;
    }

    for (pos = 0; pos + 5 <= len && np + 10 < FUZZ_HELLO_PREFIXES;
         pos += 5 + rlen)
    {
        rlen = ((size_t) buf[pos + 3] << 8) | buf[pos + 4];

        for (i = 0; i < 10; i++) {
            if (pos + i >= 1 && pos + i - 1 < len) {
                pl[np++] = pos + i - 1;
            }
        }
    }

    if (full.hello_len && 5 + full.hello_len <= len
        && np + 2 <= FUZZ_HELLO_PREFIXES)
    {
        pl[np++] = 5 + full.hello_len - 1;
        pl[np++] = 5 + full.hello_len;
    }

    if (len) {
        while (np < FUZZ_HELLO_PREFIXES) {
            pl[np++] = fuzz_rng_range(rng, 0, len - 1);
        }
    }

    for (i = 0; i < np; i++) {
        if (pl[i] >= len) {
            continue;
        }

        pbuf = malloc(pl[i] ? pl[i] : 1);
        FUZZ_CHECK(pbuf != NULL);
        memcpy(pbuf, buf, pl[i]);

        fuzz_hello_call(pbuf, pl[i], max, scratch,
                        scratch ? full.hello_len : 0, &r);

        if (full.rc == CCLINK_HELLO_AGAIN) {
            FUZZ_CHECK(r.rc == CCLINK_HELLO_AGAIN);

        } else if (r.rc != CCLINK_HELLO_AGAIN) {
            if (!fuzz_hello_same(&r, &full)) {
                fprintf(stderr, "prefix %zu of %zu: %d (%zu), whole: %d "
                        "(%zu)\n", pl[i], len, r.rc, r.hello_len, full.rc,
                        full.hello_len);
            }
            FUZZ_CHECK(fuzz_hello_same(&r, &full));
            FUZZ_CHECK(r.records == full.records);
        }

        free(pbuf);
    }

    fuzz_hello_pieces(buf, len, max, &full, rng);

    /* the same message in other records */

    if (full.rc == CCLINK_HELLO_OK || full.rc == CCLINK_HELLO_NO_SNI
        || (full.rc == CCLINK_HELLO_BAD && full.hello_len))
    {
        mlen = full.hello_len;
        msg = scratch ? scratch : buf + 5;

        /* 1-byte records: 6 bytes each, and up to 16 trailing */
        fbuf = malloc(mlen * 6 + 16);
        FUZZ_CHECK(fbuf != NULL);

        for (i = 0; i < 2; i++) {
            flen = fuzz_hello_frame(msg, mlen, rng, fbuf);

            fuzz_hello_final(fbuf, flen, max, &fscratch, &r2);

            if (!fuzz_hello_same(&r2, &full)) {
                fprintf(stderr, "reframed (%u records): %d, original "
                        "(%u records): %d\n", r2.records, r2.rc,
                        full.records, full.rc);
            }

            FUZZ_CHECK(fuzz_hello_same(&r2, &full));
            free(fscratch);
        }

        free(fbuf);
    }

    *out = full;

    /* the name points into memory about to be freed: keep a copy */
    if (full.rc == CCLINK_HELLO_OK) {
        memcpy(fuzz_hello_name, full.name, full.name_len);
        out->name = fuzz_hello_name;
    }

    free(scratch);
    free(buf);
}


#endif /* _FUZZ_HELLO_H_INCLUDED_ */
