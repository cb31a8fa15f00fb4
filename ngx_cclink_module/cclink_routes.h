/*
 * Copyright (C) cclink authors
 *
 * The route table: parser and matcher, in plain C (libc and PCRE2 only).
 * Shared by the nginx module, cclink-sidecar, the unit tests and the
 * fuzzers. The file format is documented in docs/route-table.md.
 *
 * Ownership and invariants
 *
 *  - cclink_rt_parse() returns one contiguous, relocatable block of memory
 *    (a "blob"): every reference inside it is an offset from its start, so
 *    the module can copy it into a shared memory zone and every worker can
 *    read it there, whatever address it lands at. cclink_rt_size() gives its
 *    length; cclink_rt_free() releases a blob returned by the parser (not a
 *    copy made elsewhere).
 *  - A blob is immutable once made.
 *  - Compiled regular expressions hold process pointers and never live in a
 *    blob: cclink_rt_regexes_compile() builds them per process for one
 *    blob, and cclink_rt_match() takes them as a separate argument (NULL
 *    when the blob has no regular expressions).
 *  - Nothing here allocates or locks on the match path.
 */

#ifndef _CCLINK_ROUTES_H_INCLUDED_
#define _CCLINK_ROUTES_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "cclink_common.h"


#define CCLINK_RT_MAGIC           0x4b4e4c43u   /* "CLNK" */
#define CCLINK_RT_FORMAT          2

/* the route table's names for the shared limits of cclink_common.h */
#define CCLINK_RT_MAX_NAME        CCLINK_NAME_MAX
#define CCLINK_RT_MAX_REGEX       1024
#define CCLINK_RT_MAX_GROUP_NAME  CCLINK_GROUP_MAX
#define CCLINK_RT_MAX_ZONE        CCLINK_ZONE_MAX
#define CCLINK_RT_MAX_ADDRS       64
#define CCLINK_RT_MAX_LINE        4096
#define CCLINK_RT_MAX_ROUTES      1000000
#define CCLINK_RT_MAX_REGEXES     10000
#define CCLINK_RT_MAX_FILE        (256 * 1024 * 1024)

#define CCLINK_RT_ADDR_TEXT       CCLINK_ADDR_TEXT

#define CCLINK_RT_ERRLEN          512

/*
 * Optional attributes of a route line, in the order of
 * cclink_rt_attr_names: what the route is for, in Confluent's terms
 * (cluster=lkc-..., env=env-..., service=kafka), for metrics' labels.
 */
#define CCLINK_RT_NATTRS          3
#define CCLINK_RT_ATTR_CLUSTER    0
#define CCLINK_RT_ATTR_ENV        1
#define CCLINK_RT_ATTR_SERVICE    2
#define CCLINK_RT_MAX_ATTR        CCLINK_ATTR_MAX


typedef enum {
    CCLINK_RT_EXACT = 0,
    CCLINK_RT_WC_HEAD,          /* "*.example.com" */
    CCLINK_RT_WC_HEAD_DOT,      /* ".example.com": the name itself too */
    CCLINK_RT_WC_TAIL,          /* "www.example.*" */
    CCLINK_RT_REGEX             /* "~regex" */
} cclink_rt_kind_e;


typedef struct {
    union {
        struct sockaddr          sa;
        struct sockaddr_in       sin;
        struct sockaddr_in6      sin6;
    } u;
    uint32_t                     socklen;
    uint32_t                     port_set;   /* 0: use the arriving port */
    uint32_t                     zone_off;   /* 0: no zone */
    uint32_t                     zone_len;
    uint32_t                     text_off;   /* as written in the file */
    uint32_t                     text_len;
    uint32_t                     name_off;   /* canonical: "10.0.0.1",
                                                "[fd00::1]", with ":port"
                                                when port_set */
    uint32_t                     name_len;
} cclink_rt_addr_t;


typedef struct {
    uint32_t                     name_off;
    uint32_t                     name_len;
    uint32_t                     addrs;      /* index of first address */
    uint32_t                     naddrs;
    uint32_t                     line;
    uint32_t                     used;       /* routes naming it */
} cclink_rt_group_t;


typedef struct {
    uint32_t                     key_off;    /* key as written, lower-cased */
    uint32_t                     key_len;
    uint32_t                     part_off;   /* what is hashed or compiled:
                                                inside the key, compared
                                                by length */
    uint32_t                     part_len;
    uint32_t                     kind;       /* cclink_rt_kind_e */
    uint32_t                     group;      /* index into groups */
    uint32_t                     line;
    uint32_t                     attr_off[CCLINK_RT_NATTRS];  /* 0: none */
    uint32_t                     attr_len[CCLINK_RT_NATTRS];
} cclink_rt_route_t;


typedef struct {
    uint32_t                     magic;
    uint32_t                     format;
    uint64_t                     serial;
    uint64_t                     size;       /* the whole blob, in bytes */
    uint64_t                     id;         /* set by whoever publishes a
                                                copy; 0 from the parser */

    uint32_t                     generated_off;
    uint32_t                     generated_len;

    uint32_t                     ngroups;
    uint32_t                     groups_off;
    uint32_t                     naddrs;
    uint32_t                     addrs_off;
    uint32_t                     nroutes;
    uint32_t                     routes_off;

    /* open-addressing hash tables of (route index + 1), 0 = empty */
    uint32_t                     exact_mask;
    uint32_t                     exact_off;
    uint32_t                     head_mask;
    uint32_t                     head_off;
    uint32_t                     tail_mask;
    uint32_t                     tail_off;

    uint32_t                     nregex;
    uint32_t                     regex_off;  /* route indexes, file order */

    uint32_t                     counts[5];  /* routes per kind */
} cclink_rt_t;


/* compiled regular expressions of one blob, per process */
typedef struct cclink_rt_regexes_s  cclink_rt_regexes_t;


typedef struct {
    const cclink_rt_route_t     *route;
    const cclink_rt_group_t     *group;
    uint32_t                     route_index;
} cclink_rt_match_t;


/*
 * Parses a route table held in memory. "path" is used in error messages
 * only. On success returns 0 and a new blob in *out. On failure returns -1
 * and writes "path:line: what" into err.
 */
int cclink_rt_parse(const char *path, const char *buf, size_t len,
    cclink_rt_t **out, char *err, size_t errlen);

/* Reads and parses a file; errors name the file (and line). */
int cclink_rt_parse_file(const char *path, cclink_rt_t **out, char *err,
    size_t errlen);

void cclink_rt_free(cclink_rt_t *rt);

/* "cluster", "env", "service": by CCLINK_RT_ATTR_* */
extern const char  *cclink_rt_attr_names[CCLINK_RT_NATTRS];

static inline size_t
cclink_rt_size(const cclink_rt_t *rt)
{
    return (size_t) rt->size;
}

/*
 * Checks the header of a blob after a copy: magic, format, size and that
 * the section offsets lie within it. It does not validate the sections
 * themselves; a blob is trusted once its header checks out.
 */
int cclink_rt_check(const cclink_rt_t *rt, size_t size);

cclink_rt_regexes_t *cclink_rt_regexes_compile(const cclink_rt_t *rt,
    char *err, size_t errlen);
void cclink_rt_regexes_free(cclink_rt_regexes_t *regexes);

/*
 * Looks a server name up. The name may be in any case and may end with one
 * dot. Returns 1 and fills *m when a route matches, 0 when none does (or
 * the name is not a valid host name). regexes may be NULL only when the
 * blob has no regular expressions.
 */
int cclink_rt_match(const cclink_rt_t *rt, const cclink_rt_regexes_t *regexes,
    const char *name, size_t len, cclink_rt_match_t *m);


/*
 * Probe statistics of the exact-name hash table: the longest and the total
 * probe sequence over all exact keys (for tests and the status page).
 */
void cclink_rt_stats(const cclink_rt_t *rt, uint32_t *max_probe,
    uint64_t *total_probe);


/*
 * The hash of the blob's name tables, used by the builder to fill them
 * and by the matcher to probe them: FNV-1a, then a final avalanche so
 * that masked low bits mix.
 */

static inline uint32_t
cclink_rt_mix(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;

    return h;
}


static inline uint32_t
cclink_rt_hash(const char *s, size_t len)
{
    return cclink_rt_mix(cclink_fnv1a(s, len));
}


/* accessors */

static inline const char *
cclink_rt_str(const cclink_rt_t *rt, uint32_t off)
{
    return (const char *) rt + off;
}

static inline const cclink_rt_group_t *
cclink_rt_groups(const cclink_rt_t *rt)
{
    return (const cclink_rt_group_t *) ((const char *) rt + rt->groups_off);
}

static inline const cclink_rt_addr_t *
cclink_rt_addrs(const cclink_rt_t *rt)
{
    return (const cclink_rt_addr_t *) ((const char *) rt + rt->addrs_off);
}

static inline const cclink_rt_route_t *
cclink_rt_routes(const cclink_rt_t *rt)
{
    return (const cclink_rt_route_t *) ((const char *) rt + rt->routes_off);
}


#endif /* _CCLINK_ROUTES_H_INCLUDED_ */
