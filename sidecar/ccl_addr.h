/*
 * Copyright (C) cclink authors
 *
 * Target addresses a proxy must never send clients to: loopback,
 * unspecified, link-local (169.254.0.0/16, fe80::/10, the cloud metadata
 * addresses), multicast, broadcast, and this host's own addresses. A
 * target there is a mistake or an attack (a DNS answer or a configuration
 * that points clients at this host's own services, or at a metadata
 * service); it is refused unless the configuration says
 * "allow_local_targets on" (test rigs on loopback).
 *
 *   const char *ccl_addr_local(const struct sockaddr *sa);
 *
 * returns NULL for an address that may be a target, else what it is
 * ("a loopback address", ...). IPv4-mapped IPv6 addresses are judged by
 * their IPv4 address. This host's addresses come from getifaddrs(),
 * read once per call.
 *
 *   const char *ccl_addr_local_text(const char *text);
 *
 * the same for a numeric address in text ("10.0.0.1", "[fd00::1]:9092",
 * "10.0.0.1:9092"); NULL too when the text is not numeric.
 */

#ifndef _CCL_ADDR_H_INCLUDED_
#define _CCL_ADDR_H_INCLUDED_


#include <sys/socket.h>


const char *ccl_addr_local(const struct sockaddr *sa);
const char *ccl_addr_local_text(const char *text);


#endif /* _CCL_ADDR_H_INCLUDED_ */
