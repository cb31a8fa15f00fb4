/*
 * Copyright (C) cclink authors
 *
 * "diagnose HOST[:PORT]": follows a name along the path a client's
 * connection takes through this proxy and says at which hop it fails and
 * what that usually means.
 *
 *  1. route: the name is looked up in the route table in force (the
 *     module's matcher, so the answer is the module's); no route means the
 *     sidecar has not discovered the name;
 *  2. dns: what the name resolves to on this host (information: the
 *     proxy connects to the group's addresses, not to DNS answers);
 *  3. per address of the group, by zone: a TCP connection (a timeout
 *     usually means a missing VPC route or a security group; a refusal, a
 *     wrong port or endpoint), then a TLS handshake with the name as SNI
 *     (certificate checked against kafka_ca_file or the system bundle),
 *     then, when the client's port is 443, an HTTP request that should get
 *     401 from the REST API.
 *
 * The report goes to "out", one line per hop. Returns 0 when every hop of
 * every address worked, 1 when something failed, -1 on a usage error.
 */

#ifndef _CCL_DIAG_H_INCLUDED_
#define _CCL_DIAG_H_INCLUDED_


#include <stdio.h>

#include "ccl_conf.h"


#define CCL_DIAG_TIMEOUT_MS  5000


int ccl_diag_run(const ccl_conf_t *conf, const char *target, FILE *out);


#endif /* _CCL_DIAG_H_INCLUDED_ */
