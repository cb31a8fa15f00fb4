/*
 * Copyright (C) cclink authors
 *
 * The route table parser: reads the file's lines (serial, generated,
 * group and route lines, see docs/route-table.md), checks every name,
 * address and regular expression, and hands the result to the blob
 * builder. The API is in cclink_routes.h.
 */

#define PCRE2_CODE_UNIT_WIDTH 8

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcre2.h>

#include "cclink_routes_parse.h"


/* the names of the route attributes, by CCLINK_RT_ATTR_* */
const char  *cclink_rt_attr_names[CCLINK_RT_NATTRS] = {
    "cluster", "env", "service"
};


int
cclink_rt_error(cclink_rt_parse_t *p, uint32_t line, const char *fmt, ...)
{
    int      n;
    va_list  args;

    if (line) {
        n = snprintf(p->err, p->errlen, "%s:%u: ", p->path, line);

    } else {
        n = snprintf(p->err, p->errlen, "%s: ", p->path);
    }

    if (n < 0 || (size_t) n >= p->errlen) {
        return -1;
    }

    va_start(args, fmt);
    vsnprintf(p->err + n, p->errlen - n, fmt, args);
    va_end(args);

    return -1;
}


static int
cclink_rt_grow(void **arr, uint32_t *cap, uint32_t n, size_t elt)
{
    void      *na;
    uint32_t   ncap;

    if (n < *cap) {
        return 0;
    }

    ncap = *cap ? *cap * 2 : 64;
    na = realloc(*arr, (size_t) ncap * elt);
    if (na == NULL) {
        return -1;
    }

    *arr = na;
    *cap = ncap;

    return 0;
}


/* "cluster=lkc-abc12": the attribute's index, or -1 */

static int
cclink_rt_attr(const cclink_rt_tok_t *t)
{
    int      i;
    size_t   n;

    for (i = 0; i < CCLINK_RT_NATTRS; i++) {
        n = strlen(cclink_rt_attr_names[i]);

        if (t->len > n + 1 && memcmp(t->s, cclink_rt_attr_names[i], n) == 0
            && t->s[n] == '=')
        {
            return cclink_valid_name(t->s + n + 1, t->len - n - 1,
                                         CCLINK_ATTR_MAX) ? i : -1;
        }
    }

    return -1;
}


static uint32_t
cclink_rt_tokens(const char *s, size_t len, cclink_rt_tok_t *tok,
    uint32_t max)
{
    size_t    i, start;
    uint32_t  n;

    n = 0;
    i = 0;

    while (i < len) {
        while (i < len && (s[i] == ' ' || s[i] == '\t')) {
            i++;
        }

        if (i == len) {
            break;
        }

        start = i;

        while (i < len && s[i] != ' ' && s[i] != '\t') {
            i++;
        }

        if (n < max) {
            tok[n].s = s + start;
            tok[n].len = i - start;
        }

        n++;
    }

    return n;
}


static int
cclink_rt_tok_is(cclink_rt_tok_t *t, const char *word)
{
    size_t  len;

    len = strlen(word);

    return t->len == len && memcmp(t->s, word, len) == 0;
}


static int
cclink_rt_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    size_t    i;
    uint64_t  v;

    if (len == 0 || len > 20) {
        return -1;
    }

    v = 0;

    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }

        if (v > (max - (uint64_t) (s[i] - '0')) / 10) {
            return -1;
        }

        v = v * 10 + (uint64_t) (s[i] - '0');
    }

    *out = v;

    return 0;
}


static int
cclink_rt_find_group(cclink_rt_parse_t *p, const char *name, size_t len,
    uint32_t *index)
{
    uint32_t  h, i;

    if (p->gindex == NULL) {
        return 0;
    }

    h = cclink_rt_hash(name, len);

    for (i = h & p->gindex_mask; p->gindex[i]; i = (i + 1) & p->gindex_mask)
    {
        cclink_rt_pgroup_t  *g = &p->groups[p->gindex[i] - 1];

        if (g->name_len == len && memcmp(g->name, name, len) == 0) {
            *index = p->gindex[i] - 1;
            return 1;
        }
    }

    return 0;
}


static int
cclink_rt_index_groups(cclink_rt_parse_t *p)
{
    uint32_t   size, i, j, h;
    uint32_t  *t;

    size = cclink_rt_table_size(p->ngroups + 1);

    if (p->gindex && p->gindex_mask + 1 >= size) {
        /* room enough: add the newest group only */
        i = p->ngroups - 1;
        h = cclink_rt_hash(p->groups[i].name, p->groups[i].name_len);

        for (j = h & p->gindex_mask; p->gindex[j];
             j = (j + 1) & p->gindex_mask)
        {
            /* void */
        }

        p->gindex[j] = i + 1;

        return 0;
    }

    t = calloc(size, sizeof(uint32_t));
    if (t == NULL) {
        return -1;
    }

    for (i = 0; i < p->ngroups; i++) {
        h = cclink_rt_hash(p->groups[i].name, p->groups[i].name_len);

        for (j = h & (size - 1); t[j]; j = (j + 1) & (size - 1)) {
            /* void */
        }

        t[j] = i + 1;
    }

    free(p->gindex);
    p->gindex = t;
    p->gindex_mask = size - 1;

    return 0;
}


/*
 * The address as the proxy names it in logs and variables, formatted once
 * here so that a connection only copies it: "10.0.0.1" or "[fd00::1]",
 * with ":port" when the table sets the port (else the connection appends
 * the port it arrived on).
 */

static void
cclink_rt_addr_name(cclink_rt_paddr_t *a)
{
    char        buf[INET6_ADDRSTRLEN];
    size_t      n;
    in_port_t   port;
    const char  *open, *close;

    if (a->a.u.sa.sa_family == AF_INET6) {
        (void) inet_ntop(AF_INET6, &a->a.u.sin6.sin6_addr, buf, sizeof(buf));
        port = ntohs(a->a.u.sin6.sin6_port);
        open = "[";
        close = "]";

    } else {
        (void) inet_ntop(AF_INET, &a->a.u.sin.sin_addr, buf, sizeof(buf));
        port = ntohs(a->a.u.sin.sin_port);
        open = "";
        close = "";
    }

    n = (size_t) snprintf(a->name, sizeof(a->name), "%s%s%s", open, buf,
                          close);

    if (a->a.port_set && n < sizeof(a->name)) {
        (void) snprintf(a->name + n, sizeof(a->name) - n, ":%u",
                        (unsigned) port);
    }
}


static int
cclink_rt_parse_addr(cclink_rt_parse_t *p, uint32_t line, cclink_rt_tok_t *t,
    cclink_rt_paddr_t *a)
{
    char          host[INET6_ADDRSTRLEN + 1];
    size_t        hlen, colons, i;
    uint64_t      port;
    const char   *s, *end, *ps;

    s = t->s;
    end = t->s + t->len;
    ps = NULL;
    port = 0;

    if (t->len >= CCLINK_ADDR_TEXT) {
        return cclink_rt_error(p, line, "address \"%.*s\" is too long",
                               (int) t->len, t->s);
    }

    memset(&a->a, 0, sizeof(a->a));

    if (*s == '[') {
        const char  *rb = memchr(s, ']', t->len);

        if (rb == NULL) {
            goto invalid;
        }

        hlen = rb - s - 1;
        if (hlen == 0 || hlen > INET6_ADDRSTRLEN) {
            goto invalid;
        }

        memcpy(host, s + 1, hlen);
        host[hlen] = '\0';

        if (rb + 1 != end) {
            if (rb[1] != ':') {
                goto invalid;
            }

            ps = rb + 2;
        }

        if (inet_pton(AF_INET6, host, &a->a.u.sin6.sin6_addr) != 1) {
            goto invalid;
        }

        a->a.u.sin6.sin6_family = AF_INET6;
        a->a.socklen = sizeof(struct sockaddr_in6);

    } else {
        colons = 0;

        for (i = 0; i < t->len; i++) {
            if (s[i] == ':') {
                colons++;
            }
        }

        if (colons > 1) {
            if (t->len > INET6_ADDRSTRLEN) {
                goto invalid;
            }

            memcpy(host, s, t->len);
            host[t->len] = '\0';

            if (inet_pton(AF_INET6, host, &a->a.u.sin6.sin6_addr) != 1) {
                goto invalid;
            }

            a->a.u.sin6.sin6_family = AF_INET6;
            a->a.socklen = sizeof(struct sockaddr_in6);

        } else {
            const char  *colon = memchr(s, ':', t->len);

            hlen = colon ? (size_t) (colon - s) : t->len;
            if (hlen == 0 || hlen > INET_ADDRSTRLEN) {
                goto invalid;
            }

            memcpy(host, s, hlen);
            host[hlen] = '\0';

            if (colon) {
                ps = colon + 1;
            }

            if (inet_pton(AF_INET, host, &a->a.u.sin.sin_addr) != 1) {
                goto invalid;
            }

            a->a.u.sin.sin_family = AF_INET;
            a->a.socklen = sizeof(struct sockaddr_in);
        }
    }

    if (ps) {
        if (cclink_rt_parse_u64(ps, end - ps, 65535, &port) != 0
            || port == 0)
        {
            return cclink_rt_error(p, line, "invalid port in address \"%.*s\"",
                                   (int) t->len, t->s);
        }

        a->a.port_set = 1;

        if (a->a.u.sa.sa_family == AF_INET) {
            a->a.u.sin.sin_port = htons((uint16_t) port);

        } else {
            a->a.u.sin6.sin6_port = htons((uint16_t) port);
        }
    }

    memcpy(a->text, t->s, t->len);
    a->text[t->len] = '\0';

    cclink_rt_addr_name(a);

    return 0;

invalid:

    return cclink_rt_error(p, line, "invalid address \"%.*s\" (expected an "
                           "IPv4 or IPv6 address, optionally with a port)",
                           (int) t->len, t->s);
}


static int
cclink_rt_same_addr(const cclink_rt_addr_t *a, const cclink_rt_addr_t *b)
{
    return a->socklen == b->socklen && a->port_set == b->port_set
           && memcmp(&a->u, &b->u, a->socklen) == 0;
}


static int
cclink_rt_line_group(cclink_rt_parse_t *p, uint32_t line, cclink_rt_tok_t *t,
    uint32_t n)
{
    uint32_t             gi, ai;
    cclink_rt_paddr_t    addr, *a;
    cclink_rt_pgroup_t  *g;

    if (n < 3 || n > 4) {
        return cclink_rt_error(p, line, "\"group\" takes a name, an address "
                               "and an optional zone=LABEL");
    }

    if (!cclink_valid_name(t[1].s, t[1].len, CCLINK_GROUP_MAX)) {
        return cclink_rt_error(p, line, "invalid group name \"%.*s\"",
                               (int) t[1].len, t[1].s);
    }

    memset(&addr, 0, sizeof(addr));

    if (cclink_rt_parse_addr(p, line, &t[2], &addr) != 0) {
        return -1;
    }

    if (n == 4) {
        if (t[3].len < 6 || memcmp(t[3].s, "zone=", 5) != 0
            || !cclink_valid_name(t[3].s + 5, t[3].len - 5,
                                      CCLINK_ZONE_MAX))
        {
            return cclink_rt_error(p, line, "invalid zone \"%.*s\" "
                                   "(expected zone=LABEL)",
                                   (int) t[3].len, t[3].s);
        }

        memcpy(addr.zone, t[3].s + 5, t[3].len - 5);
        addr.zone[t[3].len - 5] = '\0';
    }

    if (!cclink_rt_find_group(p, t[1].s, t[1].len, &gi)) {

        if (cclink_rt_grow((void **) &p->groups, &p->groups_cap, p->ngroups,
                           sizeof(cclink_rt_pgroup_t)) != 0)
        {
            return cclink_rt_error(p, line, "out of memory");
        }

        gi = p->ngroups++;
        g = &p->groups[gi];
        memset(g, 0, sizeof(*g));
        memcpy(g->name, t[1].s, t[1].len);
        g->name[t[1].len] = '\0';
        g->name_len = t[1].len;
        g->line = line;
        p->strings += cclink_rt_align(t[1].len + 1);

        if (cclink_rt_index_groups(p) != 0) {
            return cclink_rt_error(p, line, "out of memory");
        }
    }

    g = &p->groups[gi];

    if (g->naddrs == CCLINK_RT_MAX_ADDRS) {
        return cclink_rt_error(p, line, "group \"%s\" has more than %d "
                               "addresses", g->name, CCLINK_RT_MAX_ADDRS);
    }

    /* duplicates within the group; groups are small */

    for (ai = g->first; ai; ai = p->addrs[ai - 1].next) {
        a = &p->addrs[ai - 1];

        if (cclink_rt_same_addr(&a->a, &addr.a)) {
            return cclink_rt_error(p, line, "duplicate address \"%s\" in "
                                   "group \"%s\"", addr.text, g->name);
        }
    }

    if (cclink_rt_grow((void **) &p->addrs, &p->addrs_cap, p->naddrs,
                       sizeof(cclink_rt_paddr_t)) != 0)
    {
        return cclink_rt_error(p, line, "out of memory");
    }

    addr.group = gi;
    addr.next = 0;
    p->addrs[p->naddrs] = addr;

    if (g->naddrs == 0) {
        g->first = p->naddrs + 1;

    } else {
        /* append to the group's chain, keeping file order */
        for (ai = g->first; p->addrs[ai - 1].next; ai = p->addrs[ai - 1].next)
        {
            /* void */
        }

        p->addrs[ai - 1].next = p->naddrs + 1;
    }

    p->naddrs++;
    g->naddrs++;

    p->strings += cclink_rt_align(strlen(addr.text) + 1)
                  + cclink_rt_align(strlen(addr.name) + 1)
                  + cclink_rt_align(strlen(addr.zone) + 1);

    return 0;
}


static int
cclink_rt_line_route(cclink_rt_parse_t *p, uint32_t line, cclink_rt_tok_t *t,
    uint32_t n)
{
    int                  a;
    char                *key, *q;
    size_t               len, i, at, plen, extra;
    uint32_t             kind, j, which[CCLINK_RT_NATTRS];
    cclink_rt_proute_t  *r;

    if (n < 3 || n > 3 + CCLINK_RT_NATTRS) {
        return cclink_rt_error(p, line, "\"route\" takes a key, a group "
                               "name and optional cluster=, env= and "
                               "service= attributes");
    }

    for (i = 0; i < CCLINK_RT_NATTRS; i++) {
        which[i] = 0;
    }

    extra = 0;

    for (j = 3; j < n; j++) {
        a = cclink_rt_attr(&t[j]);

        if (a < 0) {
            return cclink_rt_error(p, line, "invalid route attribute "
                                   "\"%.*s\" (expected cluster=ID, env=ID "
                                   "or service=NAME, 1 to %d characters of "
                                   "A-Z a-z 0-9 . _ -)", (int) t[j].len,
                                   t[j].s, CCLINK_ATTR_MAX);
        }

        if (which[a]) {
            return cclink_rt_error(p, line, "duplicate route attribute "
                                   "\"%s\"", cclink_rt_attr_names[a]);
        }

        which[a] = j;
        extra += t[j].len + 1;
    }

    len = t[1].len;
    at = 0;

    if (t[1].s[0] == '~') {
        if (len < 2 || len - 1 > CCLINK_RT_MAX_REGEX) {
            return cclink_rt_error(p, line, "invalid regular expression "
                                   "\"%.*s\"", (int) len, t[1].s);
        }

        kind = CCLINK_RT_REGEX;
        at = 1;
        plen = len - 1;

    } else {
        /* one trailing dot is ignored */

        if (len > 1 && t[1].s[len - 1] == '.' && t[1].s[len - 2] != '*') {
            len--;
        }

        if (len > 2 && t[1].s[0] == '*' && t[1].s[1] == '.') {
            kind = CCLINK_RT_WC_HEAD;
            at = 2;
            plen = len - 2;

        } else if (len > 1 && t[1].s[0] == '.') {
            kind = CCLINK_RT_WC_HEAD_DOT;
            at = 1;
            plen = len - 1;

        } else if (len > 2 && t[1].s[len - 1] == '*'
                   && t[1].s[len - 2] == '.')
        {
            kind = CCLINK_RT_WC_TAIL;
            plen = len - 2;

        } else {
            kind = CCLINK_RT_EXACT;
            plen = len;
        }

        if (!cclink_valid_host(t[1].s + at, plen)) {
            return cclink_rt_error(p, line, "invalid route key \"%.*s\" "
                                   "(expected a host name, *.suffix, "
                                   ".suffix, prefix.* or ~regex)",
                                   (int) t[1].len, t[1].s);
        }
    }

    if (p->nroutes >= CCLINK_RT_MAX_ROUTES) {
        return cclink_rt_error(p, line, "more than %d routes",
                               CCLINK_RT_MAX_ROUTES);
    }

    if (cclink_rt_grow((void **) &p->routes, &p->routes_cap, p->nroutes,
                       sizeof(cclink_rt_proute_t)) != 0)
    {
        return cclink_rt_error(p, line, "out of memory");
    }

    key = malloc(len + 1 + t[2].len + 1 + extra);
    if (key == NULL) {
        return cclink_rt_error(p, line, "out of memory");
    }

    for (i = 0; i < len; i++) {
        key[i] = (kind == CCLINK_RT_REGEX) ? t[1].s[i]
                                           : (char) tolower(t[1].s[i]);
    }

    key[len] = '\0';

    r = &p->routes[p->nroutes++];
    memset(r, 0, sizeof(*r));
    r->key = key;
    r->key_len = len;
    r->part_at = at;
    r->part_len = plen;
    r->kind = kind;
    r->line = line;
    r->group_name = key + len + 1;
    memcpy(r->group_name, t[2].s, t[2].len);
    r->group_name[t[2].len] = '\0';
    r->group_tok.s = r->group_name;
    r->group_tok.len = t[2].len;

    p->strings += cclink_rt_align(len + 1);

    /* the attributes' values, after the group name */

    q = r->group_name + t[2].len + 1;

    for (i = 0; i < CCLINK_RT_NATTRS; i++) {
        if (which[i] == 0) {
            continue;
        }

        j = which[i];
        at = strlen(cclink_rt_attr_names[i]) + 1;   /* "cluster=" */

        r->attr[i] = q;
        r->attr_len[i] = t[j].len - at;
        memcpy(q, t[j].s + at, r->attr_len[i]);
        q[r->attr_len[i]] = '\0';
        q += r->attr_len[i] + 1;

        p->strings += cclink_rt_align(r->attr_len[i] + 1);
    }

    return 0;
}


static int
cclink_rt_line(cclink_rt_parse_t *p, uint32_t line, const char *s,
    size_t len, int *state)
{
    uint32_t          n;
    uint64_t          v;
    cclink_rt_tok_t   t[3 + CCLINK_RT_NATTRS];

    /* state: 0 before the header, 1 in the body, 2 after "end" */

    n = cclink_rt_tokens(s, len, t, 3 + CCLINK_RT_NATTRS);

    if (n == 0 || t[0].s[0] == '#') {
        return 0;
    }

    if (*state == 2) {
        return cclink_rt_error(p, line, "text after the \"end\" line");
    }

    if (*state == 0) {
        if (n == 2 && cclink_rt_tok_is(&t[0], "cclink-routes")) {
            if (!cclink_rt_tok_is(&t[1], "1")) {
                return cclink_rt_error(p, line, "unsupported format version "
                                       "\"%.*s\" (this parser reads 1)",
                                       (int) t[1].len, t[1].s);
            }

            *state = 1;
            return 0;
        }

        return cclink_rt_error(p, line, "expected the header line "
                               "\"cclink-routes 1\"");
    }

    if (cclink_rt_tok_is(&t[0], "route")) {
        return cclink_rt_line_route(p, line, t, n);
    }

    if (cclink_rt_tok_is(&t[0], "group")) {
        return cclink_rt_line_group(p, line, t, n);
    }

    if (cclink_rt_tok_is(&t[0], "serial")) {
        if (p->serial_line) {
            return cclink_rt_error(p, line, "duplicate \"serial\" line "
                                   "(first at line %u)", p->serial_line);
        }

        if (n != 2 || cclink_rt_parse_u64(t[1].s, t[1].len, INT64_MAX, &v))
        {
            return cclink_rt_error(p, line, "\"serial\" takes a number from "
                                   "0 to %" PRId64, INT64_MAX);
        }

        p->serial = v;
        p->serial_line = line;
        return 0;
    }

    if (cclink_rt_tok_is(&t[0], "generated")) {
        if (p->generated_line) {
            return cclink_rt_error(p, line, "duplicate \"generated\" line "
                                   "(first at line %u)", p->generated_line);
        }

        if (n != 2 || t[1].len >= sizeof(p->generated)) {
            return cclink_rt_error(p, line, "\"generated\" takes one value "
                                   "of at most %zu characters",
                                   sizeof(p->generated) - 1);
        }

        memcpy(p->generated, t[1].s, t[1].len);
        p->generated[t[1].len] = '\0';
        p->generated_line = line;
        return 0;
    }

    if (cclink_rt_tok_is(&t[0], "end")) {
        if (n != 1) {
            return cclink_rt_error(p, line, "\"end\" takes no value");
        }

        *state = 2;
        return 0;
    }

    if (cclink_rt_tok_is(&t[0], "cclink-routes")) {
        return cclink_rt_error(p, line, "duplicate header line");
    }

    return cclink_rt_error(p, line, "unknown directive \"%.*s\"",
                           (int) t[0].len, t[0].s);
}


static int
cclink_rt_regex_check(cclink_rt_parse_t *p, cclink_rt_proute_t *r)
{
    int          rc;
    char         msg[256];
    PCRE2_SIZE   off;
    pcre2_code  *re;

    re = pcre2_compile((PCRE2_SPTR) r->key + 1, r->key_len - 1,
                       PCRE2_CASELESS, &rc, &off, NULL);
    if (re == NULL) {
        pcre2_get_error_message(rc, (PCRE2_UCHAR *) msg, sizeof(msg));
        return cclink_rt_error(p, r->line, "invalid regular expression "
                               "\"%s\": %s at offset %zu", r->key, msg,
                               (size_t) off);
    }

    pcre2_code_free(re);

    return 0;
}


static void
cclink_rt_parse_free(cclink_rt_parse_t *p)
{
    uint32_t  i;

    for (i = 0; i < p->nroutes; i++) {
        free(p->routes[i].key);
    }

    free(p->routes);
    free(p->groups);
    free(p->gindex);
    free(p->addrs);
}


int
cclink_rt_parse(const char *path, const char *buf, size_t len,
    cclink_rt_t **out, char *err, size_t errlen)
{
    int                 rc, state;
    size_t              pos, end, llen;
    uint32_t            line, i, gi;
    cclink_rt_parse_t   p;
    cclink_rt_proute_t *r;

    memset(&p, 0, sizeof(p));
    p.path = path;
    p.err = err;
    p.errlen = errlen;

    *out = NULL;
    rc = -1;
    state = 0;
    line = 0;

    if (len > CCLINK_RT_MAX_FILE) {
        cclink_rt_error(&p, 0, "file too large (%zu bytes, at most %d)", len,
                        CCLINK_RT_MAX_FILE);
        goto done;
    }

    if (len == 0) {
        cclink_rt_error(&p, 1, "empty file (expected the header line "
                        "\"cclink-routes 1\")");
        goto done;
    }

    if (memchr(buf, '\0', len) != NULL) {
        cclink_rt_error(&p, 0, "file contains a NUL byte (not a route "
                        "table?)");
        goto done;
    }

    for (pos = 0; pos < len; pos = end + 1) {
        line++;

        end = pos;
        while (end < len && buf[end] != '\n') {
            end++;
        }

        llen = end - pos;

        if (llen && buf[pos + llen - 1] == '\r') {
            llen--;
        }

        if (llen > CCLINK_RT_MAX_LINE) {
            cclink_rt_error(&p, line, "line longer than %d bytes",
                            CCLINK_RT_MAX_LINE);
            goto done;
        }

        if (cclink_rt_line(&p, line, buf + pos, llen, &state) != 0) {
            goto done;
        }
    }

    if (state == 0) {
        cclink_rt_error(&p, line ? line : 1, "no header line "
                        "\"cclink-routes 1\" (empty table?)");
        goto done;
    }

    if (state != 2) {
        cclink_rt_error(&p, line, "file ends without the \"end\" line "
                        "(truncated?)");
        goto done;
    }

    if (p.serial_line == 0) {
        cclink_rt_error(&p, 0, "missing \"serial\" line");
        goto done;
    }

    for (i = 0; i < p.nroutes; i++) {
        r = &p.routes[i];

        if (!cclink_rt_find_group(&p, r->group_tok.s, r->group_tok.len, &gi))
        {
            cclink_rt_error(&p, r->line, "route \"%s\" names unknown group "
                            "\"%s\"", r->key, r->group_name);
            goto done;
        }

        r->group = gi;
        p.groups[gi].used++;

        if (r->kind == CCLINK_RT_REGEX && cclink_rt_regex_check(&p, r) != 0) {
            goto done;
        }
    }

    rc = cclink_rt_build(&p, out);

done:

    cclink_rt_parse_free(&p);

    return rc;
}


int
cclink_rt_parse_file(const char *path, cclink_rt_t **out, char *err,
    size_t errlen)
{
    int           fd, rc;
    char         *buf;
    size_t        got;
    ssize_t       n;
    struct stat   st;

    *out = NULL;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }

    if (fstat(fd, &st) == -1) {
        snprintf(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
        close(fd);
        return -1;
    }

    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return -1;
    }

    if (st.st_size > CCLINK_RT_MAX_FILE) {
        snprintf(err, errlen, "%s: file too large (%lld bytes, at most %d)",
                 path, (long long) st.st_size, CCLINK_RT_MAX_FILE);
        close(fd);
        return -1;
    }

    buf = malloc((size_t) st.st_size + 1);
    if (buf == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        close(fd);
        return -1;
    }

    got = 0;

    while (got < (size_t) st.st_size) {
        n = read(fd, buf + got, (size_t) st.st_size - got);

        if (n == -1 && errno == EINTR) {
            continue;
        }

        if (n == -1) {
            snprintf(err, errlen, "%s: cannot read: %s", path,
                     strerror(errno));
            free(buf);
            close(fd);
            return -1;
        }

        if (n == 0) {
            break;
        }

        got += (size_t) n;
    }

    close(fd);

    rc = cclink_rt_parse(path, buf, got, out, err, errlen);

    free(buf);

    return rc;
}
