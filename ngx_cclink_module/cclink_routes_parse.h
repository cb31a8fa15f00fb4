/*
 * Copyright (C) cclink authors
 *
 * The route table parser's state, shared by the parser
 * (cclink_routes_parse.c) and the blob builder (cclink_routes_build.c):
 * the groups, addresses and routes read so far, before they are laid out
 * in one relocatable blob. Not part of the API (cclink_routes.h).
 */

#ifndef _CCLINK_ROUTES_PARSE_H_INCLUDED_
#define _CCLINK_ROUTES_PARSE_H_INCLUDED_


#include "cclink_routes.h"


typedef struct {
    const char  *s;
    size_t       len;
} cclink_rt_tok_t;


typedef struct {
    char         name[CCLINK_GROUP_MAX + 1];
    size_t       name_len;
    uint32_t     line;
    uint32_t     naddrs;
    uint32_t     first;        /* index into the parse's address list */
    uint32_t     used;
} cclink_rt_pgroup_t;


typedef struct {
    cclink_rt_addr_t  a;       /* offsets filled when the blob is built */
    uint32_t          group;
    uint32_t          next;    /* next address of the same group, +1 */
    char              zone[CCLINK_ZONE_MAX + 1];
    char              text[CCLINK_ADDR_TEXT];
    char              name[CCLINK_ADDR_TEXT];  /* canonical text */
} cclink_rt_paddr_t;


typedef struct {
    char             *key;     /* malloc'd, lower-cased */
    size_t            key_len;
    size_t            part_at; /* where the hashed/compiled part starts */
    size_t            part_len;
    uint32_t          kind;
    uint32_t          line;
    uint32_t          group;   /* resolved at the end */
    cclink_rt_tok_t   group_tok;
    char             *group_name;
    char             *attr[CCLINK_RT_NATTRS];  /* in the key's block */
    size_t            attr_len[CCLINK_RT_NATTRS];
} cclink_rt_proute_t;


typedef struct {
    const char          *path;
    char                *err;
    size_t               errlen;

    uint64_t             serial;
    uint32_t             serial_line;
    char                 generated[64];
    uint32_t             generated_line;

    cclink_rt_pgroup_t  *groups;
    uint32_t             ngroups;
    uint32_t             groups_cap;

    /* group name -> index + 1, open addressing */
    uint32_t            *gindex;
    uint32_t             gindex_mask;

    cclink_rt_paddr_t   *addrs;
    uint32_t             naddrs;
    uint32_t             addrs_cap;

    cclink_rt_proute_t  *routes;
    uint32_t             nroutes;
    uint32_t             routes_cap;

    size_t               strings;   /* bytes of strings in the blob */
} cclink_rt_parse_t;


static inline size_t
cclink_rt_align(size_t n)
{
    return (n + 7) & ~(size_t) 7;
}


static inline uint32_t
cclink_rt_table_size(uint32_t n)
{
    uint32_t  size;

    size = 16;

    while (size < n * 2) {
        size <<= 1;
    }

    return size;
}


int cclink_rt_error(cclink_rt_parse_t *p, uint32_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* lays the parsed table out in one blob; 0 or -1 (p->err says why) */
int cclink_rt_build(cclink_rt_parse_t *p, cclink_rt_t **out);


#endif /* _CCLINK_ROUTES_PARSE_H_INCLUDED_ */
