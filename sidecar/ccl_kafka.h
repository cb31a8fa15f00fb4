/*
 * Copyright (C) cclink authors
 *
 * Broker host names from the Kafka protocol's Metadata response, through
 * librdkafka's rd_kafka_metadata().
 *
 * ccl_kafka_brokers(conf, cluster, bootstrap, cred, out) connects to
 * "bootstrap" (host:port) with the cluster's API key (SASL, mechanism and
 * protocol from the configuration: SASL_SSL and PLAIN by default),
 * requests metadata for no topic, and appends "host:port" of every broker
 * to "out". Each call creates its own handle and destroys it before
 * returning: nothing survives between discoveries.
 *
 *  - socket.timeout.ms is kafka_socket_timeout; the whole call is bounded
 *    by kafka_deadline.
 *  - When kafka_bootstrap_address gives an address for the cluster (or
 *    "*"), every name librdkafka resolves is resolved to that address
 *    instead, so the connection can go through this host's own proxy while
 *    TLS still sends and verifies the real name (SNI).
 *  - kafka_ca_file is the CA bundle for the brokers' certificates.
 *  - librdkafka's own log lines are forwarded to ccl_log (event
 *    "kafka_log"); the secret is only in librdkafka's configuration object
 *    and never logged.
 *
 * Returns 0, or -1 with a message in err (also logged with the cluster).
 */

#ifndef _CCL_KAFKA_H_INCLUDED_
#define _CCL_KAFKA_H_INCLUDED_


#include <stddef.h>

#include "ccl_buf.h"
#include "ccl_conf.h"


int ccl_kafka_brokers(const ccl_conf_t *conf, const char *cluster,
    const char *bootstrap, const ccl_kafka_cred_t *cred, ccl_strv_t *out,
    char *err, size_t errlen);


#endif /* _CCL_KAFKA_H_INCLUDED_ */
