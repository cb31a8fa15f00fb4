/*
 * Copyright (C) cclink authors
 *
 * Which target addresses are local or otherwise unfit (ccl_addr.h).
 */


#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "ccl_addr.h"
#include "ccl_buf.h"


static const char *ccl_addr_v4(uint32_t a);
static const char *ccl_addr_v6(const struct in6_addr *a);
static int ccl_addr_own(const struct sockaddr *sa);


static const char *
ccl_addr_v4(uint32_t a)
{
    if ((a >> 24) == 127) {
        return "a loopback address";
    }

    if ((a >> 24) == 0) {
        return "an unspecified address";
    }

    if ((a >> 16) == 0xa9fe) {
        return "a link-local address (cloud metadata services live there)";
    }

    /* Alibaba Cloud's metadata service, 100.100.100.200 */
    if (a == 0x646464c8u) {
        return "a cloud metadata address";
    }

    if ((a >> 28) == 0xe) {
        return "a multicast address";
    }

    if (a == 0xffffffffu) {
        return "the broadcast address";
    }

    return NULL;
}


static const char *
ccl_addr_v6(const struct in6_addr *a)
{
    uint32_t                       v4;

    /* AWS's IPv6 metadata service, fd00:ec2::254 */
    static const struct in6_addr  aws_metadata = {{{
        0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54
    }}};

    if (IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_V4COMPAT(a)) {
        memcpy(&v4, &a->s6_addr[12], 4);
        return ccl_addr_v4(ntohl(v4));
    }

    if (IN6_IS_ADDR_LOOPBACK(a)) {
        return "a loopback address";
    }

    if (IN6_IS_ADDR_UNSPECIFIED(a)) {
        return "an unspecified address";
    }

    if (IN6_IS_ADDR_LINKLOCAL(a)) {
        return "a link-local address";
    }

    if (IN6_IS_ADDR_MULTICAST(a)) {
        return "a multicast address";
    }

    if (memcmp(a, &aws_metadata, sizeof(*a)) == 0) {
        return "a cloud metadata address";
    }

    return NULL;
}


static int
ccl_addr_own(const struct sockaddr *sa)
{
    int              own;
    struct ifaddrs  *ifa, *i;

    if (getifaddrs(&ifa) != 0) {
        return 0;
    }

    own = 0;

    for (i = ifa; i != NULL && !own; i = i->ifa_next) {
        if (i->ifa_addr == NULL || i->ifa_addr->sa_family != sa->sa_family) {
            continue;
        }

        if (sa->sa_family == AF_INET) {
            own = memcmp(&((const struct sockaddr_in *) sa)->sin_addr,
                         &((const struct sockaddr_in *) i->ifa_addr)->sin_addr,
                         sizeof(struct in_addr)) == 0;

        } else if (sa->sa_family == AF_INET6) {
            own = memcmp(&((const struct sockaddr_in6 *) sa)->sin6_addr,
                         &((const struct sockaddr_in6 *)
                           i->ifa_addr)->sin6_addr,
                         sizeof(struct in6_addr)) == 0;
        }
    }

    freeifaddrs(ifa);

    return own;
}


const char *
ccl_addr_local(const struct sockaddr *sa)
{
    const char  *why;

    if (sa->sa_family == AF_INET) {
        why = ccl_addr_v4(ntohl(((const struct sockaddr_in *)
                                 sa)->sin_addr.s_addr));

    } else if (sa->sa_family == AF_INET6) {
        why = ccl_addr_v6(&((const struct sockaddr_in6 *) sa)->sin6_addr);

    } else {
        return "not an IP address";
    }

    if (why != NULL) {
        return why;
    }

    return ccl_addr_own(sa) ? "an address of this host" : NULL;
}


const char *
ccl_addr_local_text(const char *text)
{
    char                  h[64];
    size_t                len;
    const char           *end, *colon;
    struct sockaddr_in    sin;
    struct sockaddr_in6   sin6;

    if (text[0] == '[') {
        end = strchr(text, ']');
        if (end == NULL || (size_t) (end - text - 1) >= sizeof(h)) {
            return NULL;
        }
        len = (size_t) (end - text - 1);
        memcpy(h, text + 1, len);
        h[len] = '\0';

    } else {
        colon = strchr(text, ':');
        if (colon != NULL && strchr(colon + 1, ':') == NULL) {
            len = (size_t) (colon - text);
            if (len >= sizeof(h)) {
                return NULL;
            }
            memcpy(h, text, len);
            h[len] = '\0';

        } else if (ccl_strlcpy(h, text, sizeof(h)) != 0) {
            return NULL;
        }
    }

    memset(&sin, 0, sizeof(sin));
    memset(&sin6, 0, sizeof(sin6));

    if (inet_pton(AF_INET, h, &sin.sin_addr) == 1) {
        sin.sin_family = AF_INET;
        return ccl_addr_local((struct sockaddr *) &sin);
    }

    if (inet_pton(AF_INET6, h, &sin6.sin6_addr) == 1) {
        sin6.sin6_family = AF_INET6;
        return ccl_addr_local((struct sockaddr *) &sin6);
    }

    return NULL;
}
