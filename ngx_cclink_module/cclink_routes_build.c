/*
 * Copyright (C) cclink authors
 *
 * The route table's blob: lays a parsed table out in one contiguous,
 * relocatable block (strings, groups, addresses, routes and the hash
 * tables of exact, head and tail wildcard names, all by offset), frees
 * it, and checks a copy's header. The API is in cclink_routes.h.
 */

#include <stdlib.h>
#include <string.h>

#include "cclink_routes_parse.h"


static int
cclink_rt_insert(cclink_rt_parse_t *p, cclink_rt_t *rt, uint32_t *table,
    uint32_t mask, uint32_t ri)
{
    uint32_t                  h, i;
    const char               *part;
    const cclink_rt_route_t  *routes, *r, *o;

    routes = cclink_rt_routes(rt);
    r = &routes[ri];
    part = cclink_rt_str(rt, r->part_off);
    h = cclink_rt_hash(part, r->part_len);

    for (i = h & mask; table[i]; i = (i + 1) & mask) {
        o = &routes[table[i] - 1];

        if (o->part_len == r->part_len
            && memcmp(cclink_rt_str(rt, o->part_off), part, r->part_len) == 0)
        {
            return cclink_rt_error(p, r->line, "duplicate route key \"%s\" "
                                   "(first at line %u)",
                                   cclink_rt_str(rt, r->key_off), o->line);
        }
    }

    table[i] = ri + 1;

    return 0;
}


static char *
cclink_rt_put(char *blob, size_t *at, const char *s, size_t len,
    uint32_t *off)
{
    *off = (uint32_t) *at;
    memcpy(blob + *at, s, len);
    blob[*at + len] = '\0';
    *at += cclink_rt_align(len + 1);

    return blob;
}


int
cclink_rt_build(cclink_rt_parse_t *p, cclink_rt_t **out)
{
    char                *blob;
    size_t               size, at, hdr;
    uint32_t             i, ai, k, esize, hsize, tsize, nregex;
    uint32_t             counts[5], *table, *regex, gaddr;
    cclink_rt_t         *rt;
    cclink_rt_addr_t    *addrs;
    cclink_rt_group_t   *groups;
    cclink_rt_route_t   *routes;
    cclink_rt_proute_t  *pr;
    cclink_rt_paddr_t   *pa;

    memset(counts, 0, sizeof(counts));

    for (i = 0; i < p->nroutes; i++) {
        counts[p->routes[i].kind]++;
    }

    if (counts[CCLINK_RT_REGEX] > CCLINK_RT_MAX_REGEXES) {
        return cclink_rt_error(p, 0, "more than %d regular expressions",
                               CCLINK_RT_MAX_REGEXES);
    }

    esize = cclink_rt_table_size(counts[CCLINK_RT_EXACT]);
    hsize = cclink_rt_table_size(counts[CCLINK_RT_WC_HEAD]
                                 + counts[CCLINK_RT_WC_HEAD_DOT]);
    tsize = cclink_rt_table_size(counts[CCLINK_RT_WC_TAIL]);
    nregex = counts[CCLINK_RT_REGEX];

    hdr = cclink_rt_align(sizeof(cclink_rt_t));

    size = hdr
           + cclink_rt_align(p->ngroups * sizeof(cclink_rt_group_t))
           + cclink_rt_align(p->naddrs * sizeof(cclink_rt_addr_t))
           + cclink_rt_align(p->nroutes * sizeof(cclink_rt_route_t))
           + cclink_rt_align((size_t) esize * 4)
           + cclink_rt_align((size_t) hsize * 4)
           + cclink_rt_align((size_t) tsize * 4)
           + cclink_rt_align((size_t) nregex * 4)
           + cclink_rt_align(strlen(p->generated) + 1)
           + p->strings;

    if (size > UINT32_MAX) {
        return cclink_rt_error(p, 0, "table too large (%zu bytes)", size);
    }

    blob = calloc(1, size);
    if (blob == NULL) {
        return cclink_rt_error(p, 0, "out of memory (%zu bytes)", size);
    }

    rt = (cclink_rt_t *) blob;
    rt->magic = CCLINK_RT_MAGIC;
    rt->format = CCLINK_RT_FORMAT;
    rt->serial = p->serial;
    rt->size = size;
    memcpy(rt->counts, counts, sizeof(counts));

    at = hdr;

    rt->ngroups = p->ngroups;
    rt->groups_off = (uint32_t) at;
    at += cclink_rt_align(p->ngroups * sizeof(cclink_rt_group_t));

    rt->naddrs = p->naddrs;
    rt->addrs_off = (uint32_t) at;
    at += cclink_rt_align(p->naddrs * sizeof(cclink_rt_addr_t));

    rt->nroutes = p->nroutes;
    rt->routes_off = (uint32_t) at;
    at += cclink_rt_align(p->nroutes * sizeof(cclink_rt_route_t));

    rt->exact_mask = esize - 1;
    rt->exact_off = (uint32_t) at;
    at += cclink_rt_align((size_t) esize * 4);

    rt->head_mask = hsize - 1;
    rt->head_off = (uint32_t) at;
    at += cclink_rt_align((size_t) hsize * 4);

    rt->tail_mask = tsize - 1;
    rt->tail_off = (uint32_t) at;
    at += cclink_rt_align((size_t) tsize * 4);

    rt->nregex = nregex;
    rt->regex_off = (uint32_t) at;
    at += cclink_rt_align((size_t) nregex * 4);

    cclink_rt_put(blob, &at, p->generated, strlen(p->generated),
                  &rt->generated_off);
    rt->generated_len = (uint32_t) strlen(p->generated);

    groups = (cclink_rt_group_t *) (blob + rt->groups_off);
    addrs = (cclink_rt_addr_t *) (blob + rt->addrs_off);
    routes = (cclink_rt_route_t *) (blob + rt->routes_off);

    /* groups and their addresses, each group's addresses contiguous */

    gaddr = 0;

    for (i = 0; i < p->ngroups; i++) {
        cclink_rt_put(blob, &at, p->groups[i].name, p->groups[i].name_len,
                      &groups[i].name_off);
        groups[i].name_len = (uint32_t) p->groups[i].name_len;
        groups[i].addrs = gaddr;
        groups[i].naddrs = p->groups[i].naddrs;
        groups[i].line = p->groups[i].line;
        groups[i].used = p->groups[i].used;

        for (ai = p->groups[i].first; ai; ai = pa->next) {
            pa = &p->addrs[ai - 1];
            addrs[gaddr] = pa->a;
            cclink_rt_put(blob, &at, pa->text, strlen(pa->text),
                          &addrs[gaddr].text_off);
            addrs[gaddr].text_len = (uint32_t) strlen(pa->text);
            cclink_rt_put(blob, &at, pa->name, strlen(pa->name),
                          &addrs[gaddr].name_off);
            addrs[gaddr].name_len = (uint32_t) strlen(pa->name);

            if (pa->zone[0]) {
                cclink_rt_put(blob, &at, pa->zone, strlen(pa->zone),
                              &addrs[gaddr].zone_off);
                addrs[gaddr].zone_len = (uint32_t) strlen(pa->zone);

            } else {
                addrs[gaddr].zone_off = 0;
                addrs[gaddr].zone_len = 0;
                at += 8;
            }

            gaddr++;
        }
    }

    /* routes */

    for (i = 0; i < p->nroutes; i++) {
        pr = &p->routes[i];
        cclink_rt_put(blob, &at, pr->key, pr->key_len, &routes[i].key_off);
        routes[i].key_len = (uint32_t) pr->key_len;
        /* the part is inside the key: compared by length, not by NUL */
        routes[i].part_off = routes[i].key_off + (uint32_t) pr->part_at;
        routes[i].part_len = (uint32_t) pr->part_len;
        routes[i].kind = pr->kind;
        routes[i].group = pr->group;
        routes[i].line = pr->line;

        for (k = 0; k < CCLINK_RT_NATTRS; k++) {
            if (pr->attr[k] != NULL) {
                cclink_rt_put(blob, &at, pr->attr[k], pr->attr_len[k],
                              &routes[i].attr_off[k]);
                routes[i].attr_len[k] = (uint32_t) pr->attr_len[k];
            }
        }
    }

    if (at > size) {
        free(blob);
        return cclink_rt_error(p, 0, "internal error: blob overflow");
    }

    /* hash tables; duplicates are found here */

    regex = (uint32_t *) (blob + rt->regex_off);
    k = 0;

    for (i = 0; i < p->nroutes; i++) {

        switch (routes[i].kind) {

        case CCLINK_RT_EXACT:
            table = (uint32_t *) (blob + rt->exact_off);
            if (cclink_rt_insert(p, rt, table, rt->exact_mask, i) != 0) {
                goto failed;
            }
            break;

        case CCLINK_RT_WC_HEAD:
        case CCLINK_RT_WC_HEAD_DOT:
            table = (uint32_t *) (blob + rt->head_off);
            if (cclink_rt_insert(p, rt, table, rt->head_mask, i) != 0) {
                goto failed;
            }
            break;

        case CCLINK_RT_WC_TAIL:
            table = (uint32_t *) (blob + rt->tail_off);
            if (cclink_rt_insert(p, rt, table, rt->tail_mask, i) != 0) {
                goto failed;
            }
            break;

        default: /* CCLINK_RT_REGEX */
            for (ai = 0; ai < k; ai++) {
                if (routes[regex[ai]].key_len == routes[i].key_len
                    && strcmp(cclink_rt_str(rt, routes[regex[ai]].key_off),
                              cclink_rt_str(rt, routes[i].key_off)) == 0)
                {
                    cclink_rt_error(p, routes[i].line, "duplicate route key "
                                    "\"%s\" (first at line %u)",
                                    cclink_rt_str(rt, routes[i].key_off),
                                    routes[regex[ai]].line);
                    goto failed;
                }
            }

            regex[k++] = i;
            break;
        }
    }

    *out = rt;

    return 0;

failed:

    free(blob);

    return -1;
}


void
cclink_rt_free(cclink_rt_t *rt)
{
    free(rt);
}


int
cclink_rt_check(const cclink_rt_t *rt, size_t size)
{
    if (size < sizeof(cclink_rt_t)
        || rt->magic != CCLINK_RT_MAGIC
        || rt->format != CCLINK_RT_FORMAT
        || rt->size != size
        || rt->groups_off > size || rt->addrs_off > size
        || rt->routes_off > size || rt->exact_off > size
        || rt->head_off > size || rt->tail_off > size
        || rt->regex_off > size)
    {
        return -1;
    }

    return 0;
}
