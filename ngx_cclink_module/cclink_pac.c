/*
 * Copyright (C) cclink authors
 *
 * The PAC renderer (see cclink_pac.h): one pass over the route table,
 * writing into a bounded buffer and counting what did not fit.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cclink_common.h"
#include "cclink_pac.h"


typedef struct {
    char    *out;
    size_t   size;
    size_t   len;       /* what the whole file takes */
} cclink_pac_w_t;


static void cclink_pac_put(cclink_pac_w_t *w, const char *s, size_t n);
static void cclink_pac_puts(cclink_pac_w_t *w, const char *s);
static void cclink_pac_js_str(cclink_pac_w_t *w, const char *s, size_t n);
static void cclink_pac_routes(cclink_pac_w_t *w, const cclink_rt_t *rt,
    uint32_t kind);


size_t
cclink_pac_render(const cclink_rt_t *rt, const char *proxy, size_t proxy_len,
    char *out, size_t size)
{
    char             num[32];
    int              n;
    cclink_pac_w_t   w;

    w.out = out;
    w.size = size;
    w.len = 0;

    cclink_pac_puts(&w, "// cclink: proxy auto-config for the routed names");

    if (rt) {
        n = snprintf(num, sizeof(num), "%llu",
                     (unsigned long long) rt->serial);
        if (n > 0 && (size_t) n < sizeof(num)) {
            cclink_pac_puts(&w, " (route table serial ");
            cclink_pac_put(&w, num, (size_t) n);
            cclink_pac_puts(&w, ")");
        }
    }

    cclink_pac_puts(&w, "\n\nvar cclinkProxy = \"PROXY ");
    cclink_pac_put(&w, proxy, proxy_len);
    cclink_pac_puts(&w, "\";\n\nvar cclinkExact = {");

    if (rt) {
        cclink_pac_routes(&w, rt, CCLINK_RT_EXACT);
    }

    cclink_pac_puts(&w, "\n};\n\nvar cclinkRegex = [];\n");

    if (rt) {
        cclink_pac_routes(&w, rt, CCLINK_RT_REGEX);
    }

    cclink_pac_puts(&w,
        "\nfunction FindProxyForURL(url, host) {\n"
        "    var h = host.toLowerCase();\n"
        "    var i;\n\n"
        "    if (h.length > 1 && h.charAt(h.length - 1) == \".\") {\n"
        "        h = h.substring(0, h.length - 1);\n"
        "    }\n\n"
        "    if (Object.prototype.hasOwnProperty.call(cclinkExact, h)) {\n"
        "        return cclinkProxy;\n"
        "    }\n");

    if (rt) {
        cclink_pac_routes(&w, rt, CCLINK_RT_WC_HEAD);
        cclink_pac_routes(&w, rt, CCLINK_RT_WC_HEAD_DOT);
        cclink_pac_routes(&w, rt, CCLINK_RT_WC_TAIL);
    }

    cclink_pac_puts(&w,
        "\n    for (i = 0; i < cclinkRegex.length; i++) {\n"
        "        if (cclinkRegex[i].test(h)) {\n"
        "            return cclinkProxy;\n"
        "        }\n"
        "    }\n\n"
        "    return \"DIRECT\";\n"
        "}\n");

    return w.len;
}


/*
 * Route keys are lower-cased host names (letters, digits, "-", "_", ".")
 * and their wildcard parts the same without the "*": they need no
 * escaping in a JavaScript string, but are escaped all the same.
 */

static void
cclink_pac_routes(cclink_pac_w_t *w, const cclink_rt_t *rt, uint32_t kind)
{
    int                       n;
    char                      num[24];
    uint32_t                  i, first;
    const char               *part;
    size_t                    len;
    const cclink_rt_route_t  *r;

    r = cclink_rt_routes(rt);
    first = 1;

    for (i = 0; i < rt->nroutes; i++) {
        if (r[i].kind != kind) {
            continue;
        }

        part = cclink_rt_str(rt, r[i].part_off);
        len = r[i].part_len;

        switch (kind) {

        case CCLINK_RT_EXACT:
            cclink_pac_puts(w, first ? "\n    " : ",\n    ");
            cclink_pac_js_str(w, part, len);
            cclink_pac_puts(w, ": 1");
            break;

        case CCLINK_RT_WC_HEAD:
            /* "*.x": the part is "x" */
            cclink_pac_puts(w, "    if (dnsDomainIs(h, ");
            cclink_pac_js_str(w, ".", 1);
            cclink_pac_puts(w, " + ");
            cclink_pac_js_str(w, part, len);
            cclink_pac_puts(w, ")) {\n        return cclinkProxy;\n    }\n");
            break;

        case CCLINK_RT_WC_HEAD_DOT:
            cclink_pac_puts(w, "    if (h == ");
            cclink_pac_js_str(w, part, len);
            cclink_pac_puts(w, " || dnsDomainIs(h, ");
            cclink_pac_js_str(w, ".", 1);
            cclink_pac_puts(w, " + ");
            cclink_pac_js_str(w, part, len);
            cclink_pac_puts(w, ")) {\n        return cclinkProxy;\n    }\n");
            break;

        case CCLINK_RT_WC_TAIL:
            /* "x.*": the part is "x" */
            cclink_pac_puts(w, "    if (h.indexOf(");
            cclink_pac_js_str(w, part, len);
            cclink_pac_puts(w, " + \".\") == 0 && h.length > ");

            n = snprintf(num, sizeof(num), "%zu", len + 1);
            if (n > 0 && (size_t) n < sizeof(num)) {
                cclink_pac_put(w, num, (size_t) n);
            }

            cclink_pac_puts(w, ") {\n        return cclinkProxy;\n    }\n");
            break;

        default: /* CCLINK_RT_REGEX */
            if (cclink_pac_regex_skipped(part, len)) {
                cclink_pac_puts(w, "// left out (not JavaScript): ");
                cclink_pac_js_str(w, part, len);
                cclink_pac_puts(w, "\n");
                break;
            }

            cclink_pac_puts(w, "try {\n    cclinkRegex.push(new RegExp(");
            cclink_pac_js_str(w, part, len);
            cclink_pac_puts(w, ", \"i\"));\n} catch (e) {\n}\n");
            break;
        }

        first = 0;
    }
}


int
cclink_pac_regex_skipped(const char *re, size_t len)
{
    size_t  i;
    char    c;

    for (i = 0; i < len; i++) {
        c = re[i];

        if (c == '\\' && i + 1 < len) {
            c = re[++i];

            /* escapes both read alike, or escaped punctuation */
            if (strchr("dDwWsSbBnrtfv.\\-[]{}()*+?^$|/", c) != NULL) {
                continue;
            }

            if (c == 'x' || (c >= '0' && c <= '9')) {
                /* \xHH; back references */
                continue;
            }

            return 1;
        }

        if (c == '(' && i + 1 < len && re[i + 1] == '?') {
            if (i + 2 < len && strchr(":=!", re[i + 2]) != NULL) {
                continue;
            }

            return 1;
        }

        if (c == '[' && i + 1 < len && re[i + 1] == ':') {
            return 1;
        }

        if ((c == '*' || c == '+' || c == '?' || c == '}')
            && i + 1 < len && re[i + 1] == '+')
        {
            return 1;
        }
    }

    return 0;
}


int
cclink_pac_proxy_ok(const char *proxy, size_t len)
{
    size_t  i;
    int     colon;
    char    c;

    if (len == 0 || len > 300) {
        return 0;
    }

    colon = 0;

    for (i = 0; i < len; i++) {
        c = proxy[i];

        if (cclink_is_name_char(c) || c == '[' || c == ']') {
            continue;
        }

        if (c == ':') {
            colon = 1;
            continue;
        }

        return 0;
    }

    return colon && proxy[len - 1] != ':';
}


static void
cclink_pac_js_str(cclink_pac_w_t *w, const char *s, size_t n)
{
    char           esc[4];
    size_t         i;
    unsigned char  c;
    static const char  hex[] = "0123456789abcdef";

    cclink_pac_put(w, "\"", 1);

    for (i = 0; i < n; i++) {
        c = (unsigned char) s[i];

        if (cclink_is_name_char(c)) {
            cclink_pac_put(w, (const char *) &s[i], 1);
            continue;
        }

        esc[0] = '\\';
        esc[1] = 'x';
        esc[2] = hex[c >> 4];
        esc[3] = hex[c & 0xf];
        cclink_pac_put(w, esc, 4);
    }

    cclink_pac_put(w, "\"", 1);
}


static void
cclink_pac_puts(cclink_pac_w_t *w, const char *s)
{
    cclink_pac_put(w, s, strlen(s));
}


static void
cclink_pac_put(cclink_pac_w_t *w, const char *s, size_t n)
{
    if (w->len < w->size) {
        memcpy(w->out + w->len, s, (w->size - w->len < n) ? w->size - w->len
                                                         : n);
    }

    w->len += n;
}
