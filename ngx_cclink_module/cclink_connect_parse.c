/*
 * Copyright (C) cclink authors
 *
 * The CONNECT entrance's request head parser (see cclink_connect_parse.h):
 * the request line, the header fields it needs and the end of the head,
 * with every length bounded and nothing allocated.
 */

#include <string.h>

#include "cclink_connect_parse.h"


#define CCLINK_CONNECT_MAX_HOST     253


static size_t cclink_connect_token(const unsigned char *p, size_t len);
static int cclink_connect_head_end(const unsigned char *p, size_t len,
    size_t *end);
static int cclink_connect_authority(const unsigned char *p, size_t len,
    cclink_connect_req_t *r);
static int cclink_connect_fields(const unsigned char *p, size_t len,
    cclink_connect_req_t *r);
static int cclink_connect_name_is(const unsigned char *p, size_t len,
    const char *name);
static int cclink_connect_b64(unsigned char c);


/* RFC 9110 §5.6.2 tchar */
static const unsigned char  cclink_connect_tchar[256] = {
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
    ['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1,
    ['`'] = 1, ['|'] = 1, ['~'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
    ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1
};


int
cclink_connect_parse(const char *buf, size_t len, size_t max,
    cclink_connect_req_t *r)
{
    size_t                n, end, line, i;
    const unsigned char  *p;

    p = (const unsigned char *) buf;

    memset(r, 0, sizeof(cclink_connect_req_t));

    if (len == 0) {
        return CCLINK_CONNECT_AGAIN;
    }

    /* the method: refused as soon as it is known not to be CONNECT */

    n = cclink_connect_token(p, len);

    if (n == 0) {
        return CCLINK_CONNECT_BAD;
    }

    if (n > 7 || memcmp(p, "CONNECT", n) != 0) {
        return CCLINK_CONNECT_METHOD;
    }

    if (n == len) {
        return CCLINK_CONNECT_AGAIN;
    }

    if (n != 7 || p[n] != ' ') {
        return CCLINK_CONNECT_BAD;
    }

    /* the whole head must be there, within max bytes */

    if (len > max) {
        len = max;
    }

    if (cclink_connect_head_end(p, len, &end) != 0) {
        return (len == max) ? CCLINK_CONNECT_TOO_LARGE : CCLINK_CONNECT_AGAIN;
    }

    r->head_len = end;

    /* the request line: CONNECT SP authority SP HTTP/1.x CRLF */

    for (line = 0; p[line] != '\n'; line++) {
        /* void */
    }

    n = line;

    if (n > 0 && p[n - 1] == '\r') {
        n--;
    }

    /* n: the request line's length without its line end */

    if (n < 8 + 1 + 8 + 1) {
        return CCLINK_CONNECT_BAD;
    }

    if (memcmp(&p[n - 9], " HTTP/1.", 8) != 0
        || (p[n - 1] != '0' && p[n - 1] != '1'))
    {
        return CCLINK_CONNECT_BAD;
    }

    r->minor = (p[n - 1] == '1');

    for (i = 8; i < n - 9; i++) {
        if (p[i] == ' ') {
            return CCLINK_CONNECT_BAD;
        }
    }

    if (cclink_connect_authority(&p[8], n - 9 - 8, r) != 0) {
        return CCLINK_CONNECT_BAD;
    }

    /* the header fields, up to the blank line */

    if (cclink_connect_fields(&p[line + 1], end - line - 1, r) != 0) {
        return CCLINK_CONNECT_BAD;
    }

    return CCLINK_CONNECT_OK;
}


static size_t
cclink_connect_token(const unsigned char *p, size_t len)
{
    size_t  i;

    for (i = 0; i < len && cclink_connect_tchar[p[i]]; i++) {
        /* void */
    }

    return i;
}


/*
 * Finds the blank line that ends the head (CRLF CRLF, or bare LFs, RFC
 * 9112 §2.2); *end is the offset just after it.
 */

static int
cclink_connect_head_end(const unsigned char *p, size_t len, size_t *end)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (p[i] != '\n') {
            continue;
        }

        if (i + 1 < len && p[i + 1] == '\n') {
            *end = i + 2;
            return 0;
        }

        if (i + 2 < len && p[i + 1] == '\r' && p[i + 2] == '\n') {
            *end = i + 3;
            return 0;
        }
    }

    return -1;
}


/*
 * authority-form (RFC 9112 §3.2.3): host ":" port, the port required;
 * host a DNS name, an IPv4 literal or a bracketed IPv6 literal.
 */

static int
cclink_connect_authority(const unsigned char *p, size_t len,
    cclink_connect_req_t *r)
{
    size_t    i, colon, digits;
    unsigned  port, c;
    int       numeric;

    if (len == 0) {
        return -1;
    }

    if (p[0] == '[') {
        for (i = 1; i < len && p[i] != ']'; i++) {
            c = p[i];

            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
                  || (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
            {
                return -1;
            }
        }

        if (i == len || i == 1 || i > 46) {
            return -1;
        }

        r->host = (const char *) &p[1];
        r->host_len = i - 1;
        r->ip_literal = 1;
        colon = i + 1;

        if (colon >= len || p[colon] != ':') {
            return -1;
        }

    } else {
        numeric = 1;

        for (i = 0; i < len && p[i] != ':'; i++) {
            c = p[i];

            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                || c == '-' || c == '_')
            {
                numeric = 0;
                continue;
            }

            if ((c >= '0' && c <= '9') || c == '.') {
                continue;
            }

            return -1;
        }

        if (i == 0 || i == len || i > CCLINK_CONNECT_MAX_HOST + 1) {
            return -1;
        }

        r->host = (const char *) p;
        r->host_len = i;
        r->ip_literal = numeric;
        colon = i;
    }

    /* the port: 1 to 5 digits, 1..65535, nothing after it */

    port = 0;
    digits = 0;

    for (i = colon + 1; i < len; i++) {
        c = p[i];

        if (c < '0' || c > '9' || ++digits > 5) {
            return -1;
        }

        port = port * 10 + (c - '0');
    }

    if (digits == 0 || port == 0 || port > 65535) {
        return -1;
    }

    r->port = port;

    return 0;
}


/*
 * The header field lines (RFC 9112 §5): "name: value" each, no obsolete
 * line folding, no control bytes. Kept: Proxy-Authorization (once).
 * Refused: a body (Transfer-Encoding, Content-Length other than 0).
 */

static int
cclink_connect_fields(const unsigned char *p, size_t len,
    cclink_connect_req_t *r)
{
    size_t    i, n, name, vs, ve;
    unsigned  c;

    i = 0;

    for ( ;; ) {
        if (i < len && p[i] == '\r') {
            i++;
        }

        if (i >= len) {
            return -1;
        }

        if (p[i] == '\n') {
            return (i + 1 == len) ? 0 : -1;
        }

        name = cclink_connect_token(&p[i], len - i);

        if (name == 0 || i + name >= len || p[i + name] != ':') {
            return -1;
        }

        /* the value, without surrounding spaces and tabs */

        vs = i + name + 1;

        for (n = vs; n < len && p[n] != '\n'; n++) {
            c = p[n];

            if (c == '\r' && n + 1 < len && p[n + 1] == '\n') {
                continue;
            }

            if ((c < 0x20 && c != '\t') || c == 0x7f || c == '\r') {
                return -1;
            }
        }

        if (n == len) {
            return -1;
        }

        ve = n;

        if (ve > vs && p[ve - 1] == '\r') {
            ve--;
        }

        while (vs < ve && (p[vs] == ' ' || p[vs] == '\t')) {
            vs++;
        }

        while (ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\t')) {
            ve--;
        }

        if (cclink_connect_name_is(&p[i], name, "proxy-authorization")) {
            if (r->auth) {
                return -1;
            }

            r->auth = (const char *) &p[vs];
            r->auth_len = ve - vs;

        } else if (cclink_connect_name_is(&p[i], name, "transfer-encoding")) {
            return -1;

        } else if (cclink_connect_name_is(&p[i], name, "content-length")) {
            if (ve - vs != 1 || p[vs] != '0') {
                return -1;
            }
        }

        i = n + 1;
    }
}


static int
cclink_connect_name_is(const unsigned char *p, size_t len, const char *name)
{
    size_t    i;
    unsigned  c;

    if (len != strlen(name)) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        c = p[i];

        if (c >= 'A' && c <= 'Z') {
            c |= 0x20;
        }

        if (c != (unsigned char) name[i]) {
            return 0;
        }
    }

    return 1;
}


long
cclink_connect_basic(const char *value, size_t len, char *out, size_t size,
    size_t *colon)
{
    size_t                i, n, pad;
    unsigned              acc, bits;
    int                   v;
    const unsigned char  *p;

    p = (const unsigned char *) value;

    if (len < 6 || !cclink_connect_name_is(p, 5, "basic") || p[5] != ' ') {
        return -1;
    }

    for (i = 6; i < len && p[i] == ' '; i++) {
        /* void */
    }

    if (i == len || (len - i) % 4 != 0) {
        return -1;
    }

    n = 0;
    acc = 0;
    bits = 0;
    pad = 0;

    for ( /* void */ ; i < len; i++) {
        if (p[i] == '=') {
            if (++pad > 2) {
                return -1;
            }

            continue;
        }

        v = cclink_connect_b64(p[i]);

        if (v < 0 || pad) {
            return -1;
        }

        acc = (acc << 6) | (unsigned) v;
        bits += 6;

        if (bits >= 8) {
            bits -= 8;

            if (n == size) {
                return -1;
            }

            out[n++] = (char) ((acc >> bits) & 0xff);
        }
    }

    for (i = 0; i < n && out[i] != ':'; i++) {
        /* void */
    }

    if (i == n) {
        return -1;
    }

    *colon = i;

    return (long) n;
}


static int
cclink_connect_b64(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }

    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }

    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }

    if (c == '+') {
        return 62;
    }

    if (c == '/') {
        return 63;
    }

    return -1;
}


const char *
cclink_connect_strerror(int rc)
{
    switch (rc) {
    case CCLINK_CONNECT_OK:
        return "ok";
    case CCLINK_CONNECT_AGAIN:
        return "incomplete request head";
    case CCLINK_CONNECT_BAD:
        return "malformed request";
    case CCLINK_CONNECT_METHOD:
        return "method is not CONNECT";
    case CCLINK_CONNECT_TOO_LARGE:
        return "request head too large";
    default:
        return "unknown";
    }
}
