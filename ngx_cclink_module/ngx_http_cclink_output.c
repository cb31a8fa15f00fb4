/*
 * Copyright (C) cclink authors
 *
 * The status page's output: a chain of buffers written with
 * ngx_http_cclink_printf(), and the escaping of every string that comes
 * from outside for the output format (ngx_http_cclink_esc()): bytes that
 * are not UTF-8 are shown as the text "\xNN".
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_cclink.h"


/* the most one ngx_http_cclink_printf() call may write */
#define NGX_HTTP_CCLINK_PRINTF_MAX  2048
#define NGX_HTTP_CCLINK_BUF_SIZE    16384


static u_char *ngx_http_cclink_reserve(ngx_http_cclink_out_t *o,
    size_t size);
static u_char *ngx_http_cclink_hex(u_char *p, u_char ch, ngx_uint_t format);
static size_t ngx_http_cclink_utf8(const u_char *p, const u_char *last);


/* returns room for size bytes at the end of the output */

static u_char *
ngx_http_cclink_reserve(ngx_http_cclink_out_t *o, size_t size)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (o->error) {
        return NULL;
    }

    if (o->b && (size_t) (o->b->end - o->b->last) >= size) {
        return o->b->last;
    }

    b = ngx_create_temp_buf(o->r->pool,
                            ngx_max(size, NGX_HTTP_CCLINK_BUF_SIZE));
    cl = ngx_alloc_chain_link(o->r->pool);

    if (b == NULL || cl == NULL) {
        o->error = 1;
        return NULL;
    }

    cl->buf = b;
    cl->next = NULL;
    *o->last = cl;
    o->last = &cl->next;
    o->b = b;

    return b->last;
}


void
ngx_http_cclink_printf(ngx_http_cclink_out_t *o, const char *fmt, ...)
{
    u_char   *p, *last;
    va_list   args;

    p = ngx_http_cclink_reserve(o, NGX_HTTP_CCLINK_PRINTF_MAX);
    if (p == NULL) {
        return;
    }

    last = p + NGX_HTTP_CCLINK_PRINTF_MAX;

    va_start(args, fmt);
    p = ngx_vslprintf(p, last, fmt, args);
    va_end(args);

    if (p == last) {
        /* possibly cut: better an error than a broken document */
        ngx_log_error(NGX_LOG_ALERT, o->r->connection->log, 0,
                      "cclink: status output line too long");
        o->error = 1;
        return;
    }

    o->b->last = p;
}


/*
 * Writes s escaped for the output format:
 *
 *   JSON:        \" \\ \n \r \t, other controls and < > & as \u00XX
 *   Prometheus:  \" \\ \n (the label value escapes)
 *   HTML:        &quot; &#39; &lt; &gt; &amp;
 *
 * Valid UTF-8 is kept. Any other control character, and a byte that is not
 * part of valid UTF-8, becomes the text "\xNN" (its backslash escaped in
 * JSON and Prometheus). Longer strings are cut with "...".
 */

void
ngx_http_cclink_esc(ngx_http_cclink_out_t *o, const u_char *s, size_t len)
{
    u_char         ch, *p;
    size_t         n;
    ngx_uint_t     cut, fmt;
    const u_char  *last;

    cut = 0;

    if (len > NGX_HTTP_CCLINK_STR_MAX) {
        len = NGX_HTTP_CCLINK_STR_MAX;

        while (len && (s[len] & 0xc0) == 0x80) {
            len--;
        }

        cut = 1;
    }

    /* at most 6 bytes for one: \u00XX, &quot; */

    p = ngx_http_cclink_reserve(o, len * 6 + 4);
    if (p == NULL) {
        return;
    }

    fmt = o->format;
    last = s + len;

    while (s < last) {
        ch = *s;

        if (ch >= 0x80) {
            n = ngx_http_cclink_utf8(s, last);

            if (n) {
                p = ngx_cpymem(p, s, n);
                s += n;

            } else {
                p = ngx_http_cclink_hex(p, ch, fmt);
                s++;
            }

            continue;
        }

        s++;

        if (ch < 0x20 || ch == 0x7f) {

            if (fmt == NGX_HTTP_CCLINK_JSON) {
                p = (ch == '\n') ? ngx_cpymem(p, "\\n", 2)
                    : (ch == '\r') ? ngx_cpymem(p, "\\r", 2)
                    : (ch == '\t') ? ngx_cpymem(p, "\\t", 2)
                    : ngx_sprintf(p, "\\u%04xd", (int) ch);

            } else if (fmt == NGX_HTTP_CCLINK_PROMETHEUS && ch == '\n') {
                p = ngx_cpymem(p, "\\n", 2);

            } else {
                p = ngx_http_cclink_hex(p, ch, fmt);
            }

            continue;
        }

        switch (ch) {

        case '"':
            p = (fmt == NGX_HTTP_CCLINK_HTML) ? ngx_cpymem(p, "&quot;", 6)
                                              : ngx_cpymem(p, "\\\"", 2);
            break;

        case '\\':
            p = (fmt == NGX_HTTP_CCLINK_HTML) ? ngx_cpymem(p, "\\", 1)
                                              : ngx_cpymem(p, "\\\\", 2);
            break;

        case '\'':
            p = (fmt == NGX_HTTP_CCLINK_HTML) ? ngx_cpymem(p, "&#39;", 5)
                                              : ngx_cpymem(p, "'", 1);
            break;

        case '<':
        case '>':
        case '&':
            if (fmt == NGX_HTTP_CCLINK_HTML) {
                p = (ch == '<') ? ngx_cpymem(p, "&lt;", 4)
                    : (ch == '>') ? ngx_cpymem(p, "&gt;", 4)
                    : ngx_cpymem(p, "&amp;", 5);

            } else if (fmt == NGX_HTTP_CCLINK_JSON) {
                p = ngx_sprintf(p, "\\u%04xd", (int) ch);

            } else {
                *p++ = ch;
            }

            break;

        default:
            *p++ = ch;
        }
    }

    if (cut) {
        p = ngx_cpymem(p, "...", 3);
    }

    o->b->last = p;
}


/* the text "\xNN" for a byte, its backslash escaped but in HTML */

static u_char *
ngx_http_cclink_hex(u_char *p, u_char ch, ngx_uint_t format)
{
    if (format != NGX_HTTP_CCLINK_HTML) {
        *p++ = '\\';
    }

    return ngx_sprintf(p, "\\x%02xd", (int) ch);
}


/* a NUL-terminated string in a field of max bytes */

void
ngx_http_cclink_escz(ngx_http_cclink_out_t *o, const u_char *s, size_t max)
{
    ngx_http_cclink_esc(o, s, ngx_strnlen((u_char *) s, max));
}


/* the length of the valid UTF-8 sequence at p, or 0 */

static size_t
ngx_http_cclink_utf8(const u_char *p, const u_char *last)
{
    u_char  c, lo, hi;
    size_t  n, i;

    c = p[0];
    lo = 0x80;
    hi = 0xbf;

    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;

    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;

        if (c == 0xe0) {
            lo = 0xa0;              /* overlong */

        } else if (c == 0xed) {
            hi = 0x9f;              /* surrogates */
        }

    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;

        if (c == 0xf0) {
            lo = 0x90;              /* overlong */

        } else if (c == 0xf4) {
            hi = 0x8f;              /* above U+10FFFF */
        }

    } else {
        return 0;
    }

    if ((size_t) (last - p) < n || p[1] < lo || p[1] > hi) {
        return 0;
    }

    for (i = 2; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
    }

    return n;
}

/* "2026-11-20 23:15:00 UTC (5 s ago)", NUL-terminated; buf of 64 */

u_char *
ngx_http_cclink_when(u_char *buf, time_t t)
{
    u_char     *p;
    time_t      ago;
    ngx_tm_t    tm;

    if (t <= 0) {
        (void) ngx_cpystrn(buf, (u_char *) "never",
                          NGX_HTTP_CCLINK_WHEN_LEN);
        return buf;
    }

    ngx_gmtime(t, &tm);

    p = ngx_sprintf(buf, "%4d-%02d-%02d %02d:%02d:%02d UTC",
                    tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                    tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec);

    ago = ngx_time() - t;

    if (ago < 0) {
        p = ngx_sprintf(p, " (in the future)");

    } else if (ago < 120) {
        p = ngx_sprintf(p, " (%T s ago)", ago);

    } else if (ago < 120 * 60) {
        p = ngx_sprintf(p, " (%T min ago)", ago / 60);

    } else if (ago < 48 * 3600) {
        p = ngx_sprintf(p, " (%T h ago)", ago / 3600);

    } else {
        p = ngx_sprintf(p, " (%T days ago)", ago / 86400);
    }

    *p = '\0';

    return buf;
}


/* "2026-11-20T23:15:00Z", NUL-terminated; buf of NGX_HTTP_CCLINK_WHEN_LEN */

u_char *
ngx_http_cclink_iso(u_char *buf, time_t t)
{
    ngx_tm_t  tm;

    ngx_gmtime(t, &tm);

    *ngx_sprintf(buf, "%4d-%02d-%02dT%02d:%02d:%02dZ",
                 tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                 tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec) = '\0';

    return buf;
}
