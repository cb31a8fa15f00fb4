/*
 * Copyright (C) cclink authors
 *
 * Fuzz target: the ClientHello reader, structure-aware. The fuzzer's bytes
 * are choices (how many cipher suites, which extensions and how large, the
 * server_name entries, the record sizes), so nearly every input is a
 * well-formed ClientHello, including post-quantum-sized ones spanning many
 * records. Besides the invariants of fuzz_hello.h, the answer must be the
 * one the generator knows it built: the first host_name of the first
 * server_name extension (RFC 6066 3), NO_SNI without one, BAD for an
 * empty name or one holding a NUL, TOO_LARGE above the limit.
 *
 * With a choice bit set, one byte of the message is overwritten after it
 * is built: then only the invariants are checked.
 */

#include "fuzz_hello.h"


#define FUZZ_GEN_EXT_MAX   65535
#define FUZZ_GEN_MSG_MAX   (4 + 2 + 32 + 33 + 2 + 2 * 64 + 1 + 4 + 2 \
                            + FUZZ_GEN_EXT_MAX + 64)


typedef struct {
    unsigned char  *p;
    size_t          n;
    size_t          cap;
} fuzz_gen_buf_t;


static unsigned char  fuzz_gen_msg[FUZZ_GEN_MSG_MAX];
/* room for one more extension of any size past the cap */
static unsigned char  fuzz_gen_ext[2 * FUZZ_GEN_EXT_MAX];


static void
fuzz_gen_u8(fuzz_gen_buf_t *b, unsigned v)
{
    FUZZ_CHECK(b->n < b->cap);
    b->p[b->n++] = (unsigned char) v;
}


static void
fuzz_gen_u16(fuzz_gen_buf_t *b, size_t v)
{
    fuzz_gen_u8(b, (unsigned) (v >> 8) & 0xff);
    fuzz_gen_u8(b, (unsigned) v & 0xff);
}


static void
fuzz_gen_fill(fuzz_gen_buf_t *b, size_t n, unsigned seed)
{
    size_t  i;

    FUZZ_CHECK(b->n + n <= b->cap);

    for (i = 0; i < n; i++) {
        b->p[b->n++] = (unsigned char) (seed + i * 31);
    }
}


/* a server name: mostly host name characters, sometimes any byte */
static void
fuzz_gen_name(fuzz_in_t *in, fuzz_gen_buf_t *b, size_t len)
{
    size_t          i;
    unsigned        mode, c;

    static const char  alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789"
                                    "-._ABCXYZ";

    mode = fuzz_in_u8(in);

    for (i = 0; i < len; i++) {
        c = fuzz_in_u8(in);

        if (mode & 1) {
            fuzz_gen_u8(b, c);

        } else {
            fuzz_gen_u8(b, (unsigned char) alphabet[c % (sizeof(alphabet)
                                                         - 1)]);
        }
    }
}


/*
 * The reference for one server_name extension body, written from RFC 6066
 * rather than from the reader: sets *name and returns the expected code.
 */
static int
fuzz_gen_ref_sni(const unsigned char *p, size_t len,
    const unsigned char **name, size_t *name_len)
{
    size_t  list, pos, nlen;

    if (len < 2) {
        return CCLINK_HELLO_BAD;
    }

    list = ((size_t) p[0] << 8) | p[1];

    if (list != len - 2 || list == 0) {
        return CCLINK_HELLO_BAD;
    }

    for (pos = 2; pos < len; pos += 3 + nlen) {
        if (len - pos < 3) {
            return CCLINK_HELLO_BAD;
        }

        nlen = ((size_t) p[pos + 1] << 8) | p[pos + 2];

        if (len - pos - 3 < nlen) {
            return CCLINK_HELLO_BAD;
        }

        if (p[pos] == 0) {
            if (nlen == 0 || memchr(p + pos + 3, '\0', nlen) != NULL) {
                return CCLINK_HELLO_BAD;
            }

            *name = p + pos + 3;
            *name_len = nlen;

            return CCLINK_HELLO_OK;
        }
    }

    return CCLINK_HELLO_NO_SNI;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                   exp_rc, have_sni;
    size_t                i, n, nexts, ext_at, len, at, body, max, off;
    size_t                name_len, frag, slen;
    unsigned              flags, kind, type, corrupt;
    fuzz_in_t             in;
    fuzz_rng_t            rng;
    unsigned char        *stream;
    fuzz_gen_buf_t        m, e;
    fuzz_hello_res_t      res;
    const unsigned char  *name;

    in.p = data;
    in.end = data + size;
    rng.s = fuzz_hash(data, size);

    flags = fuzz_in_u8(&in);
    corrupt = (flags & 0x80) && (fuzz_in_u8(&in) & 1);
    max = (flags & 0x40) ? 4 + 0xffffff : FUZZ_HELLO_MAX;

    m.p = fuzz_gen_msg;
    m.n = 0;
    m.cap = sizeof(fuzz_gen_msg);

    fuzz_gen_u8(&m, 1);                                 /* ClientHello */
    fuzz_gen_u8(&m, 0);
    fuzz_gen_u16(&m, 0);                                /* length, later */

    fuzz_gen_u16(&m, (flags & 1) ? 0x0301 : 0x0303);    /* legacy_version */
    fuzz_gen_fill(&m, 32, fuzz_in_u8(&in));             /* random */

    n = fuzz_in_range(&in, 0, 32);                      /* session id */
    fuzz_gen_u8(&m, (unsigned) n);
    fuzz_gen_fill(&m, n, 0x11);

    n = fuzz_in_range(&in, 1, 64);                      /* cipher suites */
    fuzz_gen_u16(&m, n * 2);
    for (i = 0; i < n; i++) {
        fuzz_gen_u16(&m, (i == 0 && (flags & 2)) ? 0x0a0a : 0x1301 + i);
    }

    n = fuzz_in_range(&in, 1, 3);                       /* compression */
    fuzz_gen_u8(&m, (unsigned) n);
    fuzz_gen_fill(&m, n, 0);

    /* extensions, built apart so that their total can be capped */

    e.p = fuzz_gen_ext;
    e.n = 0;
    e.cap = sizeof(fuzz_gen_ext);

    exp_rc = CCLINK_HELLO_NO_SNI;
    have_sni = 0;
    name = NULL;
    name_len = 0;

    nexts = ((flags >> 2) & 7) == 7 ? 0 : fuzz_in_range(&in, 0, 10);

    for (i = 0; i < nexts && fuzz_in_left(&in); i++) {
        at = e.n;
        kind = fuzz_in_u8(&in) % 8;

        switch (kind) {

        case 0:                         /* server_name */
            fuzz_gen_u16(&e, 0);
            fuzz_gen_u16(&e, 0);
            fuzz_gen_u16(&e, 0);

            n = fuzz_in_range(&in, 1, 3);

            while (n--) {
                type = fuzz_in_u8(&in);
                fuzz_gen_u8(&e, (type & 0x80) ? (type & 0x7f) : 0);
                len = fuzz_in_range(&in, 0, 300);
                fuzz_gen_u16(&e, len);
                fuzz_gen_name(&in, &e, len);
            }

            len = e.n - at - 4;
            e.p[at + 2] = (unsigned char) (len >> 8);
            e.p[at + 3] = (unsigned char) len;

            /* list length, or now and then a wrong one */
            len = e.n - at - 6;
            if (fuzz_in_u8(&in) == 0xff) {
                len = fuzz_in_u16(&in);
            }
            e.p[at + 4] = (unsigned char) (len >> 8);
            e.p[at + 5] = (unsigned char) len;
            break;

        case 1:                         /* key_share, ML-KEM-768 hybrid */
            fuzz_gen_u16(&e, 51);
            fuzz_gen_u16(&e, 2 + 4 + 1216 + 4 + 32);
            fuzz_gen_u16(&e, 4 + 1216 + 4 + 32);
            fuzz_gen_u16(&e, 0x11ec);
            fuzz_gen_u16(&e, 1216);
            fuzz_gen_fill(&e, 1216, 7);
            fuzz_gen_u16(&e, 0x001d);
            fuzz_gen_u16(&e, 32);
            fuzz_gen_fill(&e, 32, 9);
            break;

        case 2:                         /* supported_versions */
            fuzz_gen_u16(&e, 43);
            fuzz_gen_u16(&e, 5);
            fuzz_gen_u8(&e, 4);
            fuzz_gen_u16(&e, 0x0304);
            fuzz_gen_u16(&e, 0x0303);
            break;

        case 3:                         /* padding */
            len = fuzz_in_range(&in, 0, 2048);
            fuzz_gen_u16(&e, 21);
            fuzz_gen_u16(&e, len);
            fuzz_gen_fill(&e, len, 0);
            break;

        case 4:                         /* a large one: many records */
            len = fuzz_in_range(&in, 0, 40000);
            fuzz_gen_u16(&e, 0xfe0d);
            fuzz_gen_u16(&e, len);
            fuzz_gen_fill(&e, len, 3);
            break;

        default:                        /* any type, bytes from the input */
            type = fuzz_in_u16(&in);
            len = fuzz_in_range(&in, 0, 64);
            fuzz_gen_u16(&e, type);
            fuzz_gen_u16(&e, len);
            for (n = 0; n < len; n++) {
                fuzz_gen_u8(&e, fuzz_in_u8(&in));
            }
            break;
        }

        if (e.n > FUZZ_GEN_EXT_MAX) {
            /* too much: drop this extension and stop */
            e.n = at;
            break;
        }

        /* the first server_name extension decides */
        if (!have_sni && e.p[at] == 0 && e.p[at + 1] == 0) {
            have_sni = 1;
            len = ((size_t) e.p[at + 2] << 8) | e.p[at + 3];
            exp_rc = fuzz_gen_ref_sni(e.p + at + 4, len, &name, &name_len);
        }
    }

    ext_at = 0;

    if (((flags >> 2) & 7) != 7) {
        fuzz_gen_u16(&m, e.n);
        ext_at = m.n;
        memcpy(m.p + m.n, e.p, e.n);
        m.n += e.n;

        /* bytes after the extensions are ignored by the reader */
        if (flags & 0x20) {
            fuzz_gen_fill(&m, fuzz_in_range(&in, 1, 8), 0x55);
        }
    }

    body = m.n - 4;
    m.p[1] = (unsigned char) (body >> 16);
    m.p[2] = (unsigned char) (body >> 8);
    m.p[3] = (unsigned char) body;

    if (name) {
        /* the expected name, at its offset in the message */
        name = m.p + ext_at + (name - e.p);
    }

    if (corrupt && m.n) {
        off = fuzz_in_range(&in, 0, m.n - 1);
        m.p[off] = (unsigned char) fuzz_in_u8(&in);
    }

    /* records */

    stream = malloc(m.n * 6 + 16);
    FUZZ_CHECK(stream != NULL);

    slen = 0;
    frag = fuzz_in_range(&in, 1, FUZZ_HELLO_RECORD);
    if (flags & 2) {
        frag = FUZZ_HELLO_RECORD;
    }

    for (off = 0; off < m.n; off += len) {
        len = (fuzz_in_u8(&in) == 0x7f) ? fuzz_in_range(&in, 1, 300) : frag;
        if (len > m.n - off) {
            len = m.n - off;
        }

        stream[slen++] = 22;
        stream[slen++] = 3;
        stream[slen++] = 1;
        stream[slen++] = (unsigned char) (len >> 8);
        stream[slen++] = (unsigned char) len;
        memcpy(stream + slen, m.p + off, len);
        slen += len;
    }

    fuzz_hello_check(stream, slen, max, &rng, &res);

    if (!corrupt) {
        if (m.n > max) {
            FUZZ_CHECK(res.rc == CCLINK_HELLO_TOO_LARGE);

        } else {
            if (res.rc != exp_rc) {
                fprintf(stderr, "built %zu bytes: reader %d, expected %d\n",
                        m.n, res.rc, exp_rc);
            }

            FUZZ_CHECK(res.rc == exp_rc);
            FUZZ_CHECK(res.hello_len == m.n);

            if (exp_rc == CCLINK_HELLO_OK) {
                FUZZ_CHECK(res.name_len == name_len);
                FUZZ_CHECK(memcmp(res.name, name, name_len) == 0);
                FUZZ_CHECK(res.msg_off == name - m.p);
            }
        }
    }

    free(stream);

    return 0;
}
