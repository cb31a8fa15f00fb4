/*
 * Copyright (C) cclink authors
 *
 * The route table matcher: compiles a blob's regular expressions once per
 * process and looks a server name up (exact, head and tail wildcards, then
 * regular expressions in file order), without allocating or locking. The
 * API is in cclink_routes.h.
 */

#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "cclink_routes.h"


/*
 * A regular expression is matched against a name a client chose: bound the
 * work one match may do, so that a badly written expression (nested
 * quantifiers) cannot make every connection burn worker time. Hitting the
 * bound counts as no match.
 */
#define CCLINK_RT_MATCH_LIMIT  100000
#define CCLINK_RT_DEPTH_LIMIT  10000


/*
 * A name's byte as the matcher keeps it: letters folded to lower case,
 * [a-z0-9._-] as they are, 0 for a byte a host name may not hold.
 */
static const unsigned char  cclink_rt_fold[256] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x2d, 0x2e, 0x00,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
    0x38, 0x39, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
    0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
    0x78, 0x79, 0x7a, 0x00, 0x00, 0x00, 0x00, 0x5f,
    0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
    0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
    0x78, 0x79, 0x7a, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
};


struct cclink_rt_regexes_s {
    uint32_t               n;
    pcre2_code           **code;
    pcre2_match_data      *md;
    pcre2_match_context   *mc;
};


cclink_rt_regexes_t *
cclink_rt_regexes_compile(const cclink_rt_t *rt, char *err, size_t errlen)
{
    int                       rc;
    char                      msg[256];
    uint32_t                  i;
    PCRE2_SIZE                off;
    cclink_rt_regexes_t           *regexes;
    const uint32_t           *regex;
    const cclink_rt_route_t  *routes, *r;

    regexes = calloc(1, sizeof(cclink_rt_regexes_t));
    if (regexes == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    if (rt->nregex == 0) {
        return regexes;
    }

    regexes->code = calloc(rt->nregex, sizeof(pcre2_code *));
    if (regexes->code == NULL) {
        snprintf(err, errlen, "out of memory");
        goto failed;
    }

    routes = cclink_rt_routes(rt);
    regex = (const uint32_t *) ((const char *) rt + rt->regex_off);

    for (i = 0; i < rt->nregex; i++) {
        r = &routes[regex[i]];

        regexes->code[i] = pcre2_compile(
                          (PCRE2_SPTR) cclink_rt_str(rt, r->part_off),
                          r->part_len, PCRE2_CASELESS, &rc, &off, NULL);
        if (regexes->code[i] == NULL) {
            pcre2_get_error_message(rc, (PCRE2_UCHAR *) msg, sizeof(msg));
            snprintf(err, errlen, "line %u: regular expression \"%s\": %s",
                     r->line, cclink_rt_str(rt, r->key_off), msg);
            goto failed;
        }

        regexes->n = i + 1;

        /* JIT is an optimisation; without it matching still works */
        (void) pcre2_jit_compile(regexes->code[i], PCRE2_JIT_COMPLETE);
    }

    regexes->md = pcre2_match_data_create(1, NULL);
    regexes->mc = pcre2_match_context_create(NULL);
    if (regexes->md == NULL || regexes->mc == NULL) {
        snprintf(err, errlen, "out of memory");
        goto failed;
    }

    pcre2_set_match_limit(regexes->mc, CCLINK_RT_MATCH_LIMIT);
    pcre2_set_depth_limit(regexes->mc, CCLINK_RT_DEPTH_LIMIT);

    return regexes;

failed:

    cclink_rt_regexes_free(regexes);

    return NULL;
}


void
cclink_rt_regexes_free(cclink_rt_regexes_t *regexes)
{
    uint32_t  i;

    if (regexes == NULL) {
        return;
    }

    for (i = 0; i < regexes->n; i++) {
        pcre2_code_free(regexes->code[i]);
    }

    free(regexes->code);

    if (regexes->md) {
        pcre2_match_data_free(regexes->md);
    }

    if (regexes->mc) {
        pcre2_match_context_free(regexes->mc);
    }

    free(regexes);
}


static int
cclink_rt_probe(const cclink_rt_t *rt, uint32_t off, uint32_t mask,
    const char *s, size_t len, uint32_t h, uint32_t *ri)
{
    uint32_t                  i;
    const uint32_t           *table;
    const cclink_rt_route_t  *routes, *r;

    table = (const uint32_t *) ((const char *) rt + off);
    routes = cclink_rt_routes(rt);

    for (i = h & mask; table[i]; i = (i + 1) & mask) {
        r = &routes[table[i] - 1];

        if (r->part_len == len
            && memcmp(cclink_rt_str(rt, r->part_off), s, len) == 0)
        {
            *ri = table[i] - 1;
            return 1;
        }
    }

    return 0;
}


static int
cclink_rt_lookup(const cclink_rt_t *rt, uint32_t off, uint32_t mask,
    const char *s, size_t len, uint32_t *ri)
{
    return cclink_rt_probe(rt, off, mask, s, len, cclink_rt_hash(s, len),
                           ri);
}


int
cclink_rt_match(const cclink_rt_t *rt, const cclink_rt_regexes_t *regexes,
    const char *name, size_t len, cclink_rt_match_t *m)
{
    int                       rc;
    char                      buf[CCLINK_NAME_MAX + 1];
    size_t                    i, label;
    uint32_t                  ri, h;
    unsigned char             ch;
    const uint32_t           *regex;
    const cclink_rt_route_t  *routes;

    if (len && name[len - 1] == '.') {
        len--;
    }

    if (len == 0 || len > CCLINK_NAME_MAX) {
        return 0;
    }

    /*
     * One pass: the checks of cclink_valid_host(), the fold to lower case
     * and the exact table's hash, as this runs for every connection and
     * every DNS query.
     */

    h = CCLINK_FNV1A_BASIS;
    label = 0;

    for (i = 0; i < len; i++) {
        ch = cclink_rt_fold[(unsigned char) name[i]];

        if (ch == '.') {
            if (label == 0) {
                return 0;
            }

            label = 0;

        } else if (ch == 0 || ++label > CCLINK_LABEL_MAX) {
            return 0;
        }

        buf[i] = (char) ch;
        h = (h ^ ch) * CCLINK_FNV1A_PRIME;
    }

    if (label == 0) {
        return 0;
    }

    buf[len] = '\0';

    routes = cclink_rt_routes(rt);

    /* 1. exact */

    if (rt->counts[CCLINK_RT_EXACT]
        && cclink_rt_probe(rt, rt->exact_off, rt->exact_mask, buf, len,
                           cclink_rt_mix(h), &ri))
    {
        goto found;
    }

    /*
     * 2. the longest leading wildcard: the name itself (".x" form only),
     *    then each suffix after a dot, longest first
     */

    if (rt->counts[CCLINK_RT_WC_HEAD] || rt->counts[CCLINK_RT_WC_HEAD_DOT]) {

        if (cclink_rt_lookup(rt, rt->head_off, rt->head_mask, buf, len, &ri)
            && routes[ri].kind == CCLINK_RT_WC_HEAD_DOT)
        {
            goto found;
        }

        for (i = 0; i < len; i++) {
            if (buf[i] == '.'
                && cclink_rt_lookup(rt, rt->head_off, rt->head_mask,
                                    buf + i + 1, len - i - 1, &ri))
            {
                goto found;
            }
        }
    }

    /* 3. the longest trailing wildcard: each prefix before a dot */

    if (rt->counts[CCLINK_RT_WC_TAIL]) {
        for (i = len; i > 0; i--) {
            if (buf[i - 1] == '.' && i - 1 > 0
                && cclink_rt_lookup(rt, rt->tail_off, rt->tail_mask,
                                    buf, i - 1, &ri))
            {
                goto found;
            }
        }
    }

    /* 4. regular expressions, in file order */

    if (rt->nregex && regexes && regexes->n == rt->nregex) {
        regex = (const uint32_t *) ((const char *) rt + rt->regex_off);

        for (i = 0; i < rt->nregex; i++) {
            rc = pcre2_match(regexes->code[i], (PCRE2_SPTR) buf, len, 0, 0,
                             regexes->md, regexes->mc);
            if (rc >= 0) {
                ri = regex[i];
                goto found;
            }
        }
    }

    return 0;

found:

    m->route_index = ri;
    m->route = &routes[ri];
    m->group = &cclink_rt_groups(rt)[routes[ri].group];

    return 1;
}


void
cclink_rt_stats(const cclink_rt_t *rt, uint32_t *max_probe,
    uint64_t *total_probe)
{
    uint32_t                  i, home, dist;
    const uint32_t           *table;
    const cclink_rt_route_t  *routes, *r;

    *max_probe = 0;
    *total_probe = 0;

    table = (const uint32_t *) ((const char *) rt + rt->exact_off);
    routes = cclink_rt_routes(rt);

    for (i = 0; i <= rt->exact_mask; i++) {
        if (table[i] == 0) {
            continue;
        }

        r = &routes[table[i] - 1];
        home = cclink_rt_hash(cclink_rt_str(rt, r->part_off), r->part_len)
               & rt->exact_mask;
        dist = ((i - home) & rt->exact_mask) + 1;

        *total_probe += dist;

        if (dist > *max_probe) {
            *max_probe = dist;
        }
    }
}
