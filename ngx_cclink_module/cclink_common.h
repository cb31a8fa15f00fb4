/*
 * Copyright (C) cclink authors
 *
 * The one definition of the names, limits and validators that the nginx
 * module and cclink-sidecar share: the version string, the longest host
 * name, label, group, zone and address text, the characters a name may
 * hold, the host-name check and the string hash. Plain C (no nginx types),
 * header only, so that every program that includes it gets the same rules.
 */

#ifndef _CCLINK_COMMON_H_INCLUDED_
#define _CCLINK_COMMON_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


/* the release; packaging may pass its own with -DCCLINK_VERSION='"x.y.z"' */
#ifndef CCLINK_VERSION
#define CCLINK_VERSION            "0.1.0"
#endif

/* a host name as DNS allows it (RFC 1035 2.3.4, without the final dot) */
#define CCLINK_NAME_MAX           253
/* one label of a host name */
#define CCLINK_LABEL_MAX          63
/* a balancer group's name ("group NAME" in the route table) */
#define CCLINK_GROUP_MAX          64
/* an availability zone's name ("zone=NAME" on an address) */
#define CCLINK_ZONE_MAX           32
/* a route attribute's value (cluster=, env=, service=) */
#define CCLINK_ATTR_MAX           64
/* longest text form of an address: "[" v6 "]:" port, with its NUL */
#define CCLINK_ADDR_TEXT          64


/*
 * [A-Za-z0-9_-]: a character of one host-name label as cclink accepts it
 * ('_' too, as Confluent's private endpoints use it). Not locale-dependent.
 */

static inline int
cclink_is_label_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '-' || c == '_';
}


/* [A-Za-z0-9._-]: a character of a name (host, group, zone, attribute) */

static inline int
cclink_is_name_char(unsigned char c)
{
    return cclink_is_label_char(c) || c == '.';
}


/* 1 when s[0..len) is 1 to max characters of [A-Za-z0-9._-] */

static inline int
cclink_valid_name(const char *s, size_t len, size_t max)
{
    size_t  i;

    if (len == 0 || len > max) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!cclink_is_name_char((unsigned char) s[i])) {
            return 0;
        }
    }

    return 1;
}


/*
 * A host name: labels of 1 to CCLINK_LABEL_MAX characters of
 * [A-Za-z0-9_-] joined by '.', at most CCLINK_NAME_MAX bytes, no empty
 * label and no final dot. Upper case is accepted (callers fold it).
 */

static inline int
cclink_valid_host(const char *s, size_t len)
{
    size_t         i, label;
    unsigned char  ch;

    if (len == 0 || len > CCLINK_NAME_MAX) {
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

        if (!cclink_is_label_char(ch)) {
            return 0;
        }

        if (++label > CCLINK_LABEL_MAX) {
            return 0;
        }
    }

    return label != 0;
}


/* FNV-1a (32 bits) of s[0..len) */

#define CCLINK_FNV1A_BASIS        2166136261u
#define CCLINK_FNV1A_PRIME        16777619u

static inline uint32_t
cclink_fnv1a(const void *s, size_t len)
{
    size_t                i;
    uint32_t              h;
    const unsigned char  *p;

    p = s;
    h = CCLINK_FNV1A_BASIS;

    for (i = 0; i < len; i++) {
        h ^= p[i];
        h *= CCLINK_FNV1A_PRIME;
    }

    return h;
}


#endif /* _CCLINK_COMMON_H_INCLUDED_ */
