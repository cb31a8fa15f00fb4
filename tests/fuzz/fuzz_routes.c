/*
 * Copyright (C) cclink authors
 *
 * Fuzz target: the route table parser and matcher (cclink_routes.c).
 *
 * The input is a route table. Whatever it holds, parsing must not crash,
 * must fail with a message naming the file, and must not write past the
 * error buffer (its size is varied and it is allocated to the byte so that
 * ASan sees an overflow). When it parses, the blob is checked against
 * these invariants:
 *
 *  - cclink_rt_check() accepts it at its own size and refuses any other;
 *    every offset, count and string in it is in bounds and consistent;
 *  - parsing the same bytes again gives the same blob, byte for byte;
 *  - the blob rendered back to text parses again into the same table;
 *  - every exact key matches itself (in any case, with a trailing dot);
 *  - for names taken from the routes and from the input, cclink_rt_match()
 *    agrees with a naive reference matcher written from
 *    docs/route-table.md (exact, longest *.x / .x, longest x.*, first
 *    regular expression in file order);
 *  - a copy of the blob in another buffer, with the original freed, passes
 *    cclink_rt_check() and gives the same match for every name.
 */

#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <pcre2.h>

#include "cclink_routes.h"
#include "fuzz.h"


#define FUZZ_RT_NAMES      256
#define FUZZ_RT_NAME_LEN   300
#define FUZZ_RT_ROUTES     128      /* routes that names are derived from */

#define FUZZ_RT_NONE       (-1)     /* reference: no route matches */
#define FUZZ_RT_UNKNOWN    (-2)     /* reference: a regex hit a limit */


typedef struct {
    uint32_t    n;
    size_t      len[FUZZ_RT_NAMES];
    char        s[FUZZ_RT_NAMES][FUZZ_RT_NAME_LEN + 1];
    long        got[FUZZ_RT_NAMES];
} fuzz_rt_names_t;


typedef struct {
    char       *p;
    size_t      len;
    size_t      cap;
} fuzz_rt_text_t;


static fuzz_rt_names_t  fuzz_rt_names;


static void
fuzz_rt_name_add(fuzz_rt_names_t *nm, const char *a, size_t alen,
    const char *b, size_t blen, const char *c, size_t clen)
{
    char  *s;

    if (nm->n == FUZZ_RT_NAMES || alen + blen + clen > FUZZ_RT_NAME_LEN) {
        return;
    }

    s = nm->s[nm->n];
    memcpy(s, a, alen);
    memcpy(s + alen, b, blen);
    memcpy(s + alen + blen, c, clen);
    nm->len[nm->n] = alen + blen + clen;
    s[nm->len[nm->n]] = '\0';
    nm->n++;
}


/* the documented host name rule, written independently of the parser */
static int
fuzz_rt_ref_valid(const char *s, size_t len)
{
    size_t         i, label;
    unsigned char  ch;

    if (len == 0 || len > CCLINK_RT_MAX_NAME) {
        return 0;
    }

    label = 0;

    for (i = 0; i < len; i++) {
        ch = (unsigned char) s[i];

        if (ch == '.') {
            if (label == 0) {
                return 0;
            }

            label = 0;
            continue;
        }

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
              || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
        {
            return 0;
        }

        /* not in docs/route-table.md, but what DNS (and the parser) do */
        if (++label > 63) {
            return 0;
        }
    }

    return label != 0;
}


/*
 * The reference matcher: a linear scan over the routes, by the precedence
 * of docs/route-table.md. Returns the route index, FUZZ_RT_NONE or
 * FUZZ_RT_UNKNOWN.
 */
static long
fuzz_rt_ref_match(const cclink_rt_t *rt, pcre2_code **re,
    pcre2_match_data *md, const char *name, size_t len)
{
    int                       rc;
    char                      buf[CCLINK_RT_MAX_NAME + 1];
    long                      best;
    size_t                    i, pl, best_len;
    uint32_t                  k, ri;
    const char               *part;
    const cclink_rt_route_t  *routes, *r;

    if (len && name[len - 1] == '.') {
        len--;
    }

    if (!fuzz_rt_ref_valid(name, len)) {
        return FUZZ_RT_NONE;
    }

    for (i = 0; i < len; i++) {
        buf[i] = (char) tolower((unsigned char) name[i]);
    }

    routes = cclink_rt_routes(rt);

    for (ri = 0; ri < rt->nroutes; ri++) {
        r = &routes[ri];

        if (r->kind == CCLINK_RT_EXACT && r->part_len == len
            && memcmp(cclink_rt_str(rt, r->part_off), buf, len) == 0)
        {
            return ri;
        }
    }

    best = FUZZ_RT_NONE;
    best_len = 0;

    for (ri = 0; ri < rt->nroutes; ri++) {
        r = &routes[ri];
        pl = r->part_len;
        part = cclink_rt_str(rt, r->part_off);

        if (r->kind != CCLINK_RT_WC_HEAD && r->kind != CCLINK_RT_WC_HEAD_DOT) {
            continue;
        }

        if ((r->kind == CCLINK_RT_WC_HEAD_DOT && pl == len
             && memcmp(buf, part, pl) == 0)
            || (pl < len && buf[len - pl - 1] == '.'
                && memcmp(buf + len - pl, part, pl) == 0))
        {
            FUZZ_CHECK(best == FUZZ_RT_NONE || pl != best_len);

            if (best == FUZZ_RT_NONE || pl > best_len) {
                best = ri;
                best_len = pl;
            }
        }
    }

    if (best != FUZZ_RT_NONE) {
        return best;
    }

    for (ri = 0; ri < rt->nroutes; ri++) {
        r = &routes[ri];
        pl = r->part_len;

        if (r->kind == CCLINK_RT_WC_TAIL && pl < len && buf[pl] == '.'
            && memcmp(buf, cclink_rt_str(rt, r->part_off), pl) == 0)
        {
            FUZZ_CHECK(best == FUZZ_RT_NONE || pl != best_len);

            if (best == FUZZ_RT_NONE || pl > best_len) {
                best = ri;
                best_len = pl;
            }
        }
    }

    if (best != FUZZ_RT_NONE) {
        return best;
    }

    k = 0;

    for (ri = 0; ri < rt->nroutes; ri++) {
        if (routes[ri].kind != CCLINK_RT_REGEX) {
            continue;
        }

        rc = pcre2_match(re[k++], (PCRE2_SPTR) buf, len, 0, 0, md, NULL);

        if (rc >= 0) {
            return ri;
        }

        if (rc != PCRE2_ERROR_NOMATCH) {
            return FUZZ_RT_UNKNOWN;
        }
    }

    return FUZZ_RT_NONE;
}


/* a string of the blob: in bounds, NUL-terminated, of the stated length */
static void
fuzz_rt_check_str(const cclink_rt_t *rt, size_t size, uint32_t off,
    uint32_t len)
{
    FUZZ_CHECK(off >= sizeof(cclink_rt_t));
    FUZZ_CHECK((size_t) off + len < size);
    FUZZ_CHECK(cclink_rt_str(rt, off)[len] == '\0');
    FUZZ_CHECK(memchr(cclink_rt_str(rt, off), '\0', len) == NULL);
}


static void
fuzz_rt_check_blob(const cclink_rt_t *rt, size_t size)
{
    uint32_t                  i, j, sum, max_probe;
    uint64_t                  total;
    const uint32_t           *table, *regex;
    const cclink_rt_addr_t   *addrs, *a;
    const cclink_rt_group_t  *groups, *g;
    const cclink_rt_route_t  *routes, *r;

    FUZZ_CHECK(size == cclink_rt_size(rt));
    FUZZ_CHECK(cclink_rt_check(rt, size) == 0);
    FUZZ_CHECK(cclink_rt_check(rt, size - 1) != 0);
    FUZZ_CHECK(cclink_rt_check(rt, size + 1) != 0);
    FUZZ_CHECK(rt->id == 0);
    FUZZ_CHECK(rt->serial <= INT64_MAX);

    /* arrays in bounds and aligned */

    FUZZ_CHECK((size_t) rt->groups_off
               + (size_t) rt->ngroups * sizeof(cclink_rt_group_t) <= size);
    FUZZ_CHECK((size_t) rt->addrs_off
               + (size_t) rt->naddrs * sizeof(cclink_rt_addr_t) <= size);
    FUZZ_CHECK((size_t) rt->routes_off
               + (size_t) rt->nroutes * sizeof(cclink_rt_route_t) <= size);
    FUZZ_CHECK((size_t) rt->exact_off + ((size_t) rt->exact_mask + 1) * 4
               <= size);
    FUZZ_CHECK((size_t) rt->head_off + ((size_t) rt->head_mask + 1) * 4
               <= size);
    FUZZ_CHECK((size_t) rt->tail_off + ((size_t) rt->tail_mask + 1) * 4
               <= size);
    FUZZ_CHECK((size_t) rt->regex_off + (size_t) rt->nregex * 4 <= size);
    FUZZ_CHECK((rt->groups_off | rt->addrs_off | rt->routes_off
                | rt->exact_off | rt->head_off | rt->tail_off
                | rt->regex_off) % 8 == 0);

    /* hash table sizes are powers of two, at most half full */

    FUZZ_CHECK((rt->exact_mask & (rt->exact_mask + 1)) == 0);
    FUZZ_CHECK((rt->head_mask & (rt->head_mask + 1)) == 0);
    FUZZ_CHECK((rt->tail_mask & (rt->tail_mask + 1)) == 0);
    FUZZ_CHECK(rt->counts[CCLINK_RT_EXACT] * 2 <= rt->exact_mask + 1);
    FUZZ_CHECK((rt->counts[CCLINK_RT_WC_HEAD]
                + rt->counts[CCLINK_RT_WC_HEAD_DOT]) * 2
               <= rt->head_mask + 1);
    FUZZ_CHECK(rt->counts[CCLINK_RT_WC_TAIL] * 2 <= rt->tail_mask + 1);

    sum = 0;

    for (i = 0; i < 5; i++) {
        sum += rt->counts[i];
    }

    FUZZ_CHECK(sum == rt->nroutes);
    FUZZ_CHECK(rt->nregex == rt->counts[CCLINK_RT_REGEX]);
    FUZZ_CHECK(rt->nroutes <= CCLINK_RT_MAX_ROUTES);
    FUZZ_CHECK(rt->nregex <= CCLINK_RT_MAX_REGEXES);

    if (rt->generated_len) {
        fuzz_rt_check_str(rt, size, rt->generated_off, rt->generated_len);
    }

    /* groups own contiguous, non-overlapping runs of addresses */

    groups = cclink_rt_groups(rt);
    addrs = cclink_rt_addrs(rt);
    sum = 0;

    for (i = 0; i < rt->ngroups; i++) {
        g = &groups[i];

        fuzz_rt_check_str(rt, size, g->name_off, g->name_len);
        FUZZ_CHECK(g->name_len >= 1
                   && g->name_len <= CCLINK_RT_MAX_GROUP_NAME);
        FUZZ_CHECK(g->naddrs >= 1 && g->naddrs <= CCLINK_RT_MAX_ADDRS);
        FUZZ_CHECK(g->addrs == sum);
        sum += g->naddrs;
        FUZZ_CHECK(sum <= rt->naddrs);

        for (j = 0; j < g->naddrs; j++) {
            a = &addrs[g->addrs + j];

            fuzz_rt_check_str(rt, size, a->text_off, a->text_len);
            FUZZ_CHECK(a->text_len < CCLINK_RT_ADDR_TEXT);
            fuzz_rt_check_str(rt, size, a->name_off, a->name_len);
            FUZZ_CHECK(a->name_len > 0 && a->name_len < CCLINK_RT_ADDR_TEXT);

            if (a->u.sa.sa_family == AF_INET) {
                FUZZ_CHECK(a->socklen == sizeof(struct sockaddr_in));
                FUZZ_CHECK(a->port_set || a->u.sin.sin_port == 0);
                FUZZ_CHECK(!a->port_set || a->u.sin.sin_port != 0);

            } else {
                FUZZ_CHECK(a->u.sa.sa_family == AF_INET6);
                FUZZ_CHECK(a->socklen == sizeof(struct sockaddr_in6));
                FUZZ_CHECK(a->port_set || a->u.sin6.sin6_port == 0);
                FUZZ_CHECK(!a->port_set || a->u.sin6.sin6_port != 0);
            }

            if (a->zone_len) {
                fuzz_rt_check_str(rt, size, a->zone_off, a->zone_len);
                FUZZ_CHECK(a->zone_len <= CCLINK_RT_MAX_ZONE);

            } else {
                FUZZ_CHECK(a->zone_off == 0);
            }
        }
    }

    FUZZ_CHECK(sum == rt->naddrs);

    /* routes */

    routes = cclink_rt_routes(rt);
    sum = 0;

    for (i = 0; i < rt->nroutes; i++) {
        r = &routes[i];

        FUZZ_CHECK(r->kind <= CCLINK_RT_REGEX);
        FUZZ_CHECK(r->group < rt->ngroups);
        fuzz_rt_check_str(rt, size, r->key_off, r->key_len);

        /* the part is inside the key (compared by length, no NUL) */
        FUZZ_CHECK(r->part_len >= 1 && r->part_len <= r->key_len);
        FUZZ_CHECK(r->part_off >= r->key_off);
        FUZZ_CHECK(r->part_off + r->part_len <= r->key_off + r->key_len);

        switch (r->kind) {

        case CCLINK_RT_EXACT:
            FUZZ_CHECK(r->part_len == r->key_len);
            break;

        case CCLINK_RT_WC_HEAD:
            FUZZ_CHECK(r->part_len + 2 == r->key_len);
            FUZZ_CHECK(memcmp(cclink_rt_str(rt, r->key_off), "*.", 2) == 0);
            break;

        case CCLINK_RT_WC_HEAD_DOT:
        case CCLINK_RT_REGEX:
            FUZZ_CHECK(r->part_len + 1 == r->key_len);
            FUZZ_CHECK(cclink_rt_str(rt, r->key_off)[0]
                       == (r->kind == CCLINK_RT_REGEX ? '~' : '.'));
            break;

        default:
            FUZZ_CHECK(r->part_len + 2 == r->key_len);
            FUZZ_CHECK(memcmp(cclink_rt_str(rt, r->key_off) + r->part_len,
                              ".*", 2) == 0);
            break;
        }

        if (r->kind != CCLINK_RT_REGEX) {
            FUZZ_CHECK(fuzz_rt_ref_valid(cclink_rt_str(rt, r->part_off),
                                         r->part_len));
        }

        if (r->kind == CCLINK_RT_EXACT || r->kind == CCLINK_RT_WC_TAIL) {
            FUZZ_CHECK(r->part_off == r->key_off);

        } else {
            FUZZ_CHECK(r->part_off == r->key_off + r->key_len - r->part_len);
        }

        sum += groups[r->group].used ? 0 : 1;
    }

    /* no route names a group marked unused */
    FUZZ_CHECK(sum == 0);

    /* every route is in exactly one hash slot or in the regex list */

    table = (const uint32_t *) ((const char *) rt + rt->exact_off);
    sum = 0;
    for (i = 0; i <= rt->exact_mask; i++) {
        FUZZ_CHECK(table[i] <= rt->nroutes);
        if (table[i]) {
            FUZZ_CHECK(routes[table[i] - 1].kind == CCLINK_RT_EXACT);
            sum++;
        }
    }
    FUZZ_CHECK(sum == rt->counts[CCLINK_RT_EXACT]);

    table = (const uint32_t *) ((const char *) rt + rt->head_off);
    sum = 0;
    for (i = 0; i <= rt->head_mask; i++) {
        FUZZ_CHECK(table[i] <= rt->nroutes);
        if (table[i]) {
            FUZZ_CHECK(routes[table[i] - 1].kind == CCLINK_RT_WC_HEAD
                       || routes[table[i] - 1].kind == CCLINK_RT_WC_HEAD_DOT);
            sum++;
        }
    }
    FUZZ_CHECK(sum == rt->counts[CCLINK_RT_WC_HEAD]
                      + rt->counts[CCLINK_RT_WC_HEAD_DOT]);

    table = (const uint32_t *) ((const char *) rt + rt->tail_off);
    sum = 0;
    for (i = 0; i <= rt->tail_mask; i++) {
        FUZZ_CHECK(table[i] <= rt->nroutes);
        if (table[i]) {
            FUZZ_CHECK(routes[table[i] - 1].kind == CCLINK_RT_WC_TAIL);
            sum++;
        }
    }
    FUZZ_CHECK(sum == rt->counts[CCLINK_RT_WC_TAIL]);

    regex = (const uint32_t *) ((const char *) rt + rt->regex_off);
    for (i = 0; i < rt->nregex; i++) {
        FUZZ_CHECK(regex[i] < rt->nroutes);
        FUZZ_CHECK(routes[regex[i]].kind == CCLINK_RT_REGEX);
        FUZZ_CHECK(i == 0 || regex[i] > regex[i - 1]);
    }

    cclink_rt_stats(rt, &max_probe, &total);
    FUZZ_CHECK(max_probe <= rt->exact_mask + 1);
    FUZZ_CHECK(total >= rt->counts[CCLINK_RT_EXACT]);
    FUZZ_CHECK(total <= (uint64_t) rt->counts[CCLINK_RT_EXACT] * max_probe);
}


static void
fuzz_rt_text_add(fuzz_rt_text_t *t, const char *s, size_t len)
{
    char    *np;
    size_t   ncap;

    if (t->len + len + 1 > t->cap) {
        ncap = (t->len + len + 1) * 2;
        np = realloc(t->p, ncap);
        FUZZ_CHECK(np != NULL);
        t->p = np;
        t->cap = ncap;
    }

    memcpy(t->p + t->len, s, len);
    t->len += len;
    t->p[t->len] = '\0';
}


static void
fuzz_rt_text_str(fuzz_rt_text_t *t, const char *s)
{
    fuzz_rt_text_add(t, s, strlen(s));
}


/* the table as text, in the canonical form the sidecar would write */
static void
fuzz_rt_render(const cclink_rt_t *rt, fuzz_rt_text_t *t)
{
    char                      num[32];
    uint32_t                  i, j;
    const cclink_rt_addr_t   *a;
    const cclink_rt_group_t  *groups, *g;
    const cclink_rt_route_t  *routes, *r;

    groups = cclink_rt_groups(rt);
    routes = cclink_rt_routes(rt);

    snprintf(num, sizeof(num), "%" PRIu64, rt->serial);

    fuzz_rt_text_str(t, "# rendered\ncclink-routes 1\nserial ");
    fuzz_rt_text_str(t, num);
    fuzz_rt_text_str(t, "\n");

    if (rt->generated_len) {
        fuzz_rt_text_str(t, "generated ");
        fuzz_rt_text_str(t, cclink_rt_str(rt, rt->generated_off));
        fuzz_rt_text_str(t, "\n");
    }

    for (i = 0; i < rt->ngroups; i++) {
        g = &groups[i];

        for (j = 0; j < g->naddrs; j++) {
            a = &cclink_rt_addrs(rt)[g->addrs + j];

            fuzz_rt_text_str(t, "group\t");
            fuzz_rt_text_str(t, cclink_rt_str(rt, g->name_off));
            fuzz_rt_text_str(t, " ");
            fuzz_rt_text_str(t, cclink_rt_str(rt, a->text_off));

            if (a->zone_len) {
                fuzz_rt_text_str(t, " zone=");
                fuzz_rt_text_str(t, cclink_rt_str(rt, a->zone_off));
            }

            fuzz_rt_text_str(t, "\r\n");
        }
    }

    for (i = 0; i < rt->nroutes; i++) {
        r = &routes[i];

        fuzz_rt_text_str(t, "route ");
        fuzz_rt_text_str(t, cclink_rt_str(rt, r->key_off));
        fuzz_rt_text_str(t, "  ");
        fuzz_rt_text_str(t, cclink_rt_str(rt, groups[r->group].name_off));

        /* the attributes, in their canonical order */

        for (j = 0; j < CCLINK_RT_NATTRS; j++) {
            if (r->attr_off[j] == 0) {
                continue;
            }

            fuzz_rt_text_str(t, " ");
            fuzz_rt_text_str(t, cclink_rt_attr_names[j]);
            fuzz_rt_text_str(t, "=");
            fuzz_rt_text_add(t, cclink_rt_str(rt, r->attr_off[j]),
                             r->attr_len[j]);
        }

        fuzz_rt_text_str(t, "\n");
    }

    fuzz_rt_text_str(t, "end");
}


/* two blobs hold the same table (line numbers aside) */
static void
fuzz_rt_same_table(const cclink_rt_t *a, const cclink_rt_t *b)
{
    uint32_t                  i;
    const cclink_rt_addr_t   *aa, *ba;
    const cclink_rt_group_t  *ag, *bg;
    const cclink_rt_route_t  *ar, *br;

    FUZZ_CHECK(a->serial == b->serial);
    FUZZ_CHECK(a->generated_len == b->generated_len);
    FUZZ_CHECK(memcmp(cclink_rt_str(a, a->generated_off),
                      cclink_rt_str(b, b->generated_off),
                      a->generated_len) == 0);
    FUZZ_CHECK(a->ngroups == b->ngroups);
    FUZZ_CHECK(a->naddrs == b->naddrs);
    FUZZ_CHECK(a->nroutes == b->nroutes);
    FUZZ_CHECK(memcmp(a->counts, b->counts, sizeof(a->counts)) == 0);
    FUZZ_CHECK(a->size == b->size);

    for (i = 0; i < a->ngroups; i++) {
        ag = &cclink_rt_groups(a)[i];
        bg = &cclink_rt_groups(b)[i];

        FUZZ_CHECK(ag->name_len == bg->name_len);
        FUZZ_CHECK(strcmp(cclink_rt_str(a, ag->name_off),
                          cclink_rt_str(b, bg->name_off)) == 0);
        FUZZ_CHECK(ag->addrs == bg->addrs && ag->naddrs == bg->naddrs);
        FUZZ_CHECK(ag->used == bg->used);
    }

    for (i = 0; i < a->naddrs; i++) {
        aa = &cclink_rt_addrs(a)[i];
        ba = &cclink_rt_addrs(b)[i];

        FUZZ_CHECK(aa->socklen == ba->socklen);
        FUZZ_CHECK(aa->port_set == ba->port_set);
        FUZZ_CHECK(memcmp(&aa->u, &ba->u, sizeof(aa->u)) == 0);
        FUZZ_CHECK(strcmp(cclink_rt_str(a, aa->text_off),
                          cclink_rt_str(b, ba->text_off)) == 0);
        FUZZ_CHECK(aa->zone_len == ba->zone_len);
        FUZZ_CHECK(aa->zone_len == 0
                   || strcmp(cclink_rt_str(a, aa->zone_off),
                             cclink_rt_str(b, ba->zone_off)) == 0);
    }

    for (i = 0; i < a->nroutes; i++) {
        ar = &cclink_rt_routes(a)[i];
        br = &cclink_rt_routes(b)[i];

        FUZZ_CHECK(ar->kind == br->kind && ar->group == br->group);
        FUZZ_CHECK(ar->key_len == br->key_len);
        FUZZ_CHECK(strcmp(cclink_rt_str(a, ar->key_off),
                          cclink_rt_str(b, br->key_off)) == 0);
        FUZZ_CHECK(ar->part_len == br->part_len);
        FUZZ_CHECK(memcmp(cclink_rt_str(a, ar->part_off),
                          cclink_rt_str(b, br->part_off), ar->part_len) == 0);
    }
}


/* keeps the characters of a regular expression that can be in a name */
static void
fuzz_rt_name_from_regex(fuzz_rt_names_t *nm, const char *re, size_t len)
{
    char    buf[FUZZ_RT_NAME_LEN];
    size_t  i, n;

    n = 0;

    for (i = 0; i < len && n < sizeof(buf); i++) {
        if (isalnum((unsigned char) re[i]) || re[i] == '-' || re[i] == '_'
            || re[i] == '.')
        {
            buf[n++] = re[i];
        }
    }

    fuzz_rt_name_add(nm, buf, n, "", 0, "", 0);
}


/* names to look up: from the routes, from the input, and a few fixed */
static void
fuzz_rt_collect(const cclink_rt_t *rt, const uint8_t *data, size_t size,
    fuzz_rt_names_t *nm)
{
    char                      up[FUZZ_RT_NAME_LEN];
    size_t                    i, j, start, pl;
    uint32_t                  ri, ntok;
    const char               *part, *s;
    const cclink_rt_route_t  *routes, *r;

    static const char        *fixed[] = {
        "", ".", "..", "a", "A.", "a..b", "-", "_.", "localhost",
        "lkc-abc12-l63jl.us-west-2.aws.glb.confluent.cloud",
        "e-0a1b-usw2-az1-l63jl.us-west-2.aws.glb.confluent.cloud",
        "0123456789012345678901234567890123456789012345678901234567890123"
        ".example.com",
        NULL
    };

    nm->n = 0;

    for (i = 0; fixed[i]; i++) {
        fuzz_rt_name_add(nm, fixed[i], strlen(fixed[i]), "", 0, "", 0);
    }

    routes = cclink_rt_routes(rt);

    for (ri = 0; ri < rt->nroutes && ri < FUZZ_RT_ROUTES; ri++) {
        r = &routes[ri];
        part = cclink_rt_str(rt, r->part_off);
        pl = r->part_len;

        switch (r->kind) {

        case CCLINK_RT_EXACT:
            for (i = 0; i < pl && i < sizeof(up); i++) {
                up[i] = (char) toupper((unsigned char) part[i]);
            }

            fuzz_rt_name_add(nm, up, i, "", 0, "", 0);
            fuzz_rt_name_add(nm, part, pl, ".", 1, "", 0);
            fuzz_rt_name_add(nm, "w.", 2, part, pl, "", 0);
            fuzz_rt_name_add(nm, part, pl, ".w", 2, "", 0);
            break;

        case CCLINK_RT_WC_HEAD:
        case CCLINK_RT_WC_HEAD_DOT:
            fuzz_rt_name_add(nm, part, pl, "", 0, "", 0);
            fuzz_rt_name_add(nm, "a.", 2, part, pl, "", 0);
            fuzz_rt_name_add(nm, "x-y.Z.", 6, part, pl, ".", 1);
            break;

        case CCLINK_RT_WC_TAIL:
            fuzz_rt_name_add(nm, part, pl, "", 0, "", 0);
            fuzz_rt_name_add(nm, part, pl, ".a", 2, "", 0);
            fuzz_rt_name_add(nm, "w.", 2, part, pl, ".b.c", 4);
            break;

        default:
            fuzz_rt_name_from_regex(nm, part, pl);
            break;
        }
    }

    /* words of the input, and their wildcard and regex parts */

    ntok = 0;
    i = 0;

    while (i < size && ntok < 64) {
        while (i < size && isspace(data[i])) {
            i++;
        }

        start = i;

        while (i < size && !isspace(data[i])) {
            i++;
        }

        if (i == start) {
            break;
        }

        ntok++;
        s = (const char *) data + start;
        j = i - start;

        fuzz_rt_name_add(nm, s, j, "", 0, "", 0);

        if (s[0] == '~') {
            fuzz_rt_name_from_regex(nm, s + 1, j - 1);

        } else if (j > 2 && s[0] == '*' && s[1] == '.') {
            fuzz_rt_name_add(nm, "q", 1, s + 1, j - 1, "", 0);

        } else if (j > 2 && s[j - 1] == '*' && s[j - 2] == '.') {
            fuzz_rt_name_add(nm, s, j - 1, "q", 1, "", 0);
        }
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                        rc, got;
    char                      *err, err2[CCLINK_RT_ERRLEN];
    long                       ref;
    size_t                     errlen, bsize;
    uint32_t                   i, k;
    cclink_rt_t               *rt, *rt2, *copy;
    fuzz_rng_t                 rng;
    pcre2_code               **re;
    cclink_rt_regexes_t            *rx;
    fuzz_rt_text_t             text;
    fuzz_rt_names_t           *nm;
    pcre2_match_data          *md;
    cclink_rt_match_t          m, m2;
    const cclink_rt_route_t   *routes;

    static const size_t        errlens[] = { 1, 2, 17, CCLINK_RT_ERRLEN };

    rng.s = fuzz_hash(data, size);
    errlen = errlens[fuzz_rng_next(&rng) % 4];

    /* exactly errlen bytes, so that ASan sees a write past them */
    err = malloc(errlen);
    FUZZ_CHECK(err != NULL);
    memset(err, 'X', errlen);

    rt = (cclink_rt_t *) 1;
    rc = cclink_rt_parse("fuzz.conf", (const char *) data, size, &rt, err,
                         errlen);

    if (rc != 0) {
        FUZZ_CHECK(rc == -1);
        FUZZ_CHECK(rt == NULL);
        FUZZ_CHECK(memchr(err, '\0', errlen) != NULL);

        if (errlen > 16) {
            FUZZ_CHECK(strncmp(err, "fuzz.conf", 9) == 0);
            FUZZ_CHECK(strlen(err) > 11);
        }

        free(err);
        return 0;
    }

    free(err);

    FUZZ_CHECK(rc == 0 && rt != NULL);

    bsize = cclink_rt_size(rt);
    fuzz_rt_check_blob(rt, bsize);

    /* the same bytes give the same blob */

    rc = cclink_rt_parse("fuzz.conf", (const char *) data, size, &rt2, err2,
                         sizeof(err2));
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK(cclink_rt_size(rt2) == bsize);
    FUZZ_CHECK(memcmp(rt, rt2, bsize) == 0);
    cclink_rt_free(rt2);

    /* the table written back as text reads the same */

    memset(&text, 0, sizeof(text));
    fuzz_rt_render(rt, &text);

    rc = cclink_rt_parse("rendered.conf", text.p, text.len, &rt2, err2,
                         sizeof(err2));
    if (rc != 0) {
        fprintf(stderr, "rendered table does not parse: %s\n%s\n", err2,
                text.p);
    }
    FUZZ_CHECK(rc == 0);
    fuzz_rt_check_blob(rt2, cclink_rt_size(rt2));
    fuzz_rt_same_table(rt, rt2);
    cclink_rt_free(rt2);
    free(text.p);

    /* regular expressions: the parser has checked that they compile */

    rx = cclink_rt_regexes_compile(rt, err2, sizeof(err2));
    if (rx == NULL) {
        fprintf(stderr, "rx compile: %s\n", err2);
    }
    FUZZ_CHECK(rx != NULL);

    re = calloc(rt->nregex + 1, sizeof(pcre2_code *));
    FUZZ_CHECK(re != NULL);

    routes = cclink_rt_routes(rt);
    k = 0;

    for (i = 0; i < rt->nroutes; i++) {
        int         erc;
        PCRE2_SIZE  eoff;

        if (routes[i].kind == CCLINK_RT_REGEX) {
            re[k] = pcre2_compile((PCRE2_SPTR) cclink_rt_str(rt,
                                                   routes[i].part_off),
                                  routes[i].part_len, PCRE2_CASELESS, &erc,
                                  &eoff, NULL);
            FUZZ_CHECK(re[k] != NULL);
            k++;
        }
    }

    FUZZ_CHECK(k == rt->nregex);

    md = pcre2_match_data_create(1, NULL);
    FUZZ_CHECK(md != NULL);

    /* every exact key matches itself */

    for (i = 0; i < rt->nroutes; i++) {
        if (routes[i].kind == CCLINK_RT_EXACT) {
            FUZZ_CHECK(cclink_rt_match(rt, rx,
                                       cclink_rt_str(rt, routes[i].key_off),
                                       routes[i].key_len, &m) == 1);
            FUZZ_CHECK(m.route_index == i);
        }
    }

    /* the matcher agrees with the reference */

    nm = &fuzz_rt_names;
    fuzz_rt_collect(rt, data, size, nm);

    for (k = 0; k < nm->n; k++) {
        got = cclink_rt_match(rt, rx, nm->s[k], nm->len[k], &m);
        FUZZ_CHECK(got == 0 || got == 1);

        if (got) {
            FUZZ_CHECK(m.route_index < rt->nroutes);
            FUZZ_CHECK(m.route == &routes[m.route_index]);
            FUZZ_CHECK(m.group == &cclink_rt_groups(rt)[m.route->group]);
        }

        nm->got[k] = got ? (long) m.route_index : FUZZ_RT_NONE;

        ref = fuzz_rt_ref_match(rt, re, md, nm->s[k], nm->len[k]);

        if (ref != FUZZ_RT_UNKNOWN && ref != nm->got[k]) {
            fprintf(stderr, "name \"%s\": matcher %ld, reference %ld\n",
                    nm->s[k], nm->got[k], ref);
            FUZZ_CHECK(ref == nm->got[k]);
        }

        if (rt->nregex == 0) {
            got = cclink_rt_match(rt, NULL, nm->s[k], nm->len[k], &m2);
            FUZZ_CHECK((got ? (long) m2.route_index : FUZZ_RT_NONE)
                       == nm->got[k]);
        }
    }

    for (k = 0; k < rt->nregex; k++) {
        pcre2_code_free(re[k]);
    }

    free(re);
    pcre2_match_data_free(md);
    cclink_rt_regexes_free(rx);

    /*
     * A copy somewhere else, with the original gone (ASan would see any
     * pointer into it), answers the same.
     */

    copy = malloc(bsize);
    FUZZ_CHECK(copy != NULL);
    memcpy(copy, rt, bsize);
    cclink_rt_free(rt);

    FUZZ_CHECK(cclink_rt_check(copy, bsize) == 0);

    rx = cclink_rt_regexes_compile(copy, err2, sizeof(err2));
    FUZZ_CHECK(rx != NULL);

    for (k = 0; k < nm->n; k++) {
        got = cclink_rt_match(copy, rx, nm->s[k], nm->len[k], &m);
        FUZZ_CHECK((got ? (long) m.route_index : FUZZ_RT_NONE)
                   == nm->got[k]);

        if (got) {
            FUZZ_CHECK(m.route == &cclink_rt_routes(copy)[m.route_index]);
        }
    }

    cclink_rt_regexes_free(rx);
    free(copy);

    return 0;
}
