/*
 * Copyright (C) cclink authors
 *
 * Fuzz target: the hosts-file editor (sidecar/ccl_hosts.c,
 * ccl_hosts_edit()).
 *
 * Input: a flags byte (bit 0: CRLF for an empty file), the proxy name up
 * to the first LF (mapped onto the characters a proxy name may use), the
 * body of the rendered block up to the first NUL ('#' and CR taken out, so
 * that it holds no marker, as the renderer's blocks never do), then the
 * old file, any bytes.
 *
 * A reference scan of the old file, written from the contract in
 * ccl_hosts.h, decides whether the markers are well formed and what lies
 * outside this proxy's blocks. Invariants:
 *  - the edit fails exactly when the markers are not well formed;
 *  - the new content minus this proxy's block is the old content minus
 *    this proxy's blocks (plus a line end when the block was appended to
 *    a file without a final one): no other byte changes;
 *  - what precedes the first block is unchanged;
 *  - the block appears once, with the file's line ends (those of its
 *    first line; LF or CR-LF for a file without an LF);
 *  - editing the result again changes nothing;
 *  - removing (no block) fails exactly when the markers are not well
 *    formed, and otherwise gives exactly what lies outside this proxy's
 *    blocks.
 */

#include <string.h>

#include "ccl_buf.h"
#include "ccl_hosts.h"
#include "ccl_log.h"
#include "fuzz.h"


typedef struct {
    int          valid;
    int          placed;
    size_t       first;         /* offset of the first BEGIN line */
} fuzz_hosts_scan_t;


static void
fuzz_hosts_sink(const char *line, size_t len, void *data)
{
    FUZZ_CHECK(len >= 1 && line[len - 1] == '\n');
    FUZZ_CHECK(memchr(line, '\n', len - 1) == NULL);
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ccl_log_set_level(CCL_LOG_DEBUG);
    ccl_log_set_sink(fuzz_hosts_sink, NULL);

    return 0;
}


static int
fuzz_hosts_is(const char *line, size_t len, const char *marker)
{
    size_t  mlen;

    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '
                       || line[len - 1] == '\t'))
    {
        len--;
    }

    mlen = strlen(marker);

    return len == mlen && memcmp(line, marker, mlen) == 0;
}


/*
 * Scans text; appends what lies outside this proxy's blocks to "outside"
 * (when not NULL) and counts the markers.
 */
static void
fuzz_hosts_scan(const char *text, size_t len, const char *begin,
    const char *end, ccl_buf_t *outside, fuzz_hosts_scan_t *s,
    unsigned *nbegin, unsigned *nend)
{
    int          inside;
    size_t       pos, llen, next;
    const char  *line, *nl;

    s->valid = 1;
    s->placed = 0;
    s->first = 0;
    *nbegin = 0;
    *nend = 0;
    inside = 0;

    for (pos = 0; pos < len; pos = next) {
        line = text + pos;
        nl = memchr(line, '\n', len - pos);
        llen = nl ? (size_t) (nl - line) : len - pos;
        next = pos + llen + (nl ? 1 : 0);

        if (fuzz_hosts_is(line, llen, begin)) {
            (*nbegin)++;

            if (inside) {
                s->valid = 0;
            }

            if (!s->placed) {
                s->first = pos;
            }

            inside = 1;
            s->placed = 1;

        } else if (fuzz_hosts_is(line, llen, end)) {
            (*nend)++;

            if (!inside) {
                s->valid = 0;
            }

            inside = 0;

        } else if (!inside && outside) {
            FUZZ_CHECK(ccl_buf_add(outside, line, next - pos) == 0);
        }
    }

    if (inside) {
        s->valid = 0;
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                 rc, crlf;
    char                name[65], begin[160], end[160];
    size_t              i, n, pos, blen;
    unsigned            flags, nb, ne;
    ccl_buf_t           block, lf, crlfb, out, out2, o1, o2, rm, *expect;
    const char         *old, *nl;
    fuzz_hosts_scan_t   s, s2;

    static const char   chars[] = "abcdefghijklmnopqrstuvwxyz"
                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";

    if (size < 1) {
        return 0;
    }

    flags = data[0];
    pos = 1;

    /* the proxy name */

    n = 0;
    while (pos < size && data[pos] != '\n') {
        if (n < 64) {
            name[n++] = chars[data[pos] % (sizeof(chars) - 1)];
        }
        pos++;
    }
    pos += (pos < size);

    if (n == 0) {
        memcpy(name, "cclink", 6);
        n = 6;
    }

    name[n] = '\0';
    snprintf(begin, sizeof(begin), "# BEGIN cclink %s", name);
    snprintf(end, sizeof(end), "# END cclink %s", name);

    /* the block, as the renderer would make it */

    ccl_buf_init(&block, 1024 * 1024);
    FUZZ_CHECK(ccl_buf_adds(&block, begin) == 0);
    FUZZ_CHECK(ccl_buf_addc(&block, '\n') == 0);

    blen = 0;
    while (pos < size && data[pos] != '\0') {
        char  ch = (char) data[pos++];

        if (ch == '#' || ch == '\r') {
            ch = ' ';
        }

        FUZZ_CHECK(ccl_buf_addc(&block, ch) == 0);
        blen++;
    }
    pos += (pos < size);

    if (blen && block.data[block.len - 1] != '\n') {
        FUZZ_CHECK(ccl_buf_addc(&block, '\n') == 0);
    }

    FUZZ_CHECK(ccl_buf_adds(&block, end) == 0);
    FUZZ_CHECK(ccl_buf_addc(&block, '\n') == 0);

    /* the old file: the rest, in a buffer of its exact size */

    n = size - pos;
    old = malloc(n ? n : 1);
    FUZZ_CHECK(old != NULL);
    memcpy((char *) old, data + pos, n);

    ccl_buf_init(&o1, CCL_HOSTS_MAX_FILE);
    fuzz_hosts_scan(old, n, begin, end, &o1, &s, &nb, &ne);

    /* removal: what lies outside this proxy's blocks, nothing else */

    ccl_buf_init(&rm, CCL_HOSTS_MAX_FILE);
    rc = ccl_hosts_edit("fuzz-hosts", old, n, name, NULL, flags & 1, &rm);
    FUZZ_CHECK((rc == 0) == s.valid);

    if (rc == 0) {
        FUZZ_CHECK(rm.len == o1.len);
        FUZZ_CHECK(memcmp(rm.data, o1.data ? o1.data : "", o1.len) == 0);
    }

    ccl_buf_release(&rm);

    ccl_buf_init(&out, CCL_HOSTS_MAX_FILE);
    rc = ccl_hosts_edit("fuzz-hosts", old, n, name, block.data, flags & 1,
                        &out);

    FUZZ_CHECK(rc == 0 || rc == -1);

    if (rc != 0 || !s.valid) {
        if ((rc == 0) != s.valid) {
            fprintf(stderr, "edit %d, reference says the markers are %s\n",
                    rc, s.valid ? "well formed" : "broken");
        }
        FUZZ_CHECK((rc == 0) == s.valid);
        goto done;
    }

    FUZZ_CHECK(out.data != NULL);

    /*
     * The block with the file's line ends: those of its first line when
     * it has an LF; otherwise either (ccl_hosts.h names crlf_default for
     * an empty file only).
     */

    nl = memchr(old, '\n', n);
    crlf = nl ? (nl > old && nl[-1] == '\r') : -1;

    ccl_buf_init(&lf, 4 * 1024 * 1024);
    ccl_buf_init(&crlfb, 4 * 1024 * 1024);
    for (i = 0; i < block.len; i++) {
        if (block.data[i] == '\n') {
            FUZZ_CHECK(ccl_buf_addc(&crlfb, '\r') == 0);
        }
        FUZZ_CHECK(ccl_buf_addc(&crlfb, block.data[i]) == 0);
        FUZZ_CHECK(ccl_buf_addc(&lf, block.data[i]) == 0);
    }

    ccl_buf_init(&o2, CCL_HOSTS_MAX_FILE);
    fuzz_hosts_scan(out.data, out.len, begin, end, &o2, &s2, &nb, &ne);

    FUZZ_CHECK(s2.valid);
    FUZZ_CHECK(nb == 1 && ne == 1);

    /* the block is there, once, where the first one was */

    expect = NULL;

    if (crlf != 1 && s2.first + lf.len <= out.len
        && memcmp(out.data + s2.first, lf.data, lf.len) == 0)
    {
        expect = &lf;

    } else if (crlf != 0 && s2.first + crlfb.len <= out.len
               && memcmp(out.data + s2.first, crlfb.data, crlfb.len) == 0)
    {
        expect = &crlfb;
    }

    if (expect == NULL) {
        fprintf(stderr, "the block is not there with the file's line ends "
                "(crlf %d)\n", crlf);
    }
    FUZZ_CHECK(expect != NULL);

    if (s.placed) {
        FUZZ_CHECK(s2.first == s.first);
        FUZZ_CHECK(memcmp(out.data, old, s.first) == 0);

    } else {
        FUZZ_CHECK(s2.first + expect->len == out.len);
    }

    /*
     * Outside this proxy's blocks nothing changed, but for a line end
     * added before a block appended to a file without a final one.
     */

    FUZZ_CHECK(o2.len >= o1.len);
    FUZZ_CHECK(memcmp(o2.data ? o2.data : "", o1.data ? o1.data : "",
                      o1.len) == 0);

    if (!s.placed && n > 0 && old[n - 1] != '\n') {
        FUZZ_CHECK((o2.len == o1.len + 1 && o2.data[o1.len] == '\n')
                   || (o2.len == o1.len + 2
                       && memcmp(o2.data + o1.len, "\r\n", 2) == 0));

    } else {
        FUZZ_CHECK(o2.len == o1.len);
    }

    /* again: nothing to change */

    ccl_buf_init(&out2, CCL_HOSTS_MAX_FILE);
    rc = ccl_hosts_edit("fuzz-hosts", out.data, out.len, name, block.data,
                        flags & 1, &out2);
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK(out2.len == out.len);
    FUZZ_CHECK(memcmp(out2.data, out.data, out.len) == 0);

    ccl_buf_release(&out2);
    ccl_buf_release(&o2);
    ccl_buf_release(&lf);
    ccl_buf_release(&crlfb);

done:

    ccl_buf_release(&out);
    ccl_buf_release(&o1);
    ccl_buf_release(&block);
    free((char *) old);

    return 0;
}
