/*
 * Copyright (C) cclink authors
 *
 * Credentials: the Cloud API key and the clusters' API keys.
 *
 * ccl_conf_load_credentials(c): the Cloud API key from
 * CONFLUENT_CLOUD_API_KEY and CONFLUENT_CLOUD_API_SECRET when both are
 * set, else from credentials_file ("api_key KEY" and "api_secret SECRET"
 * lines); then, if kafka_credentials_file is set, the clusters' keys from
 * it ("CLUSTER_ID KEY SECRET" lines). Files must not be accessible by
 * group or others (ccl_file_read_private). 0, or -1 (logged).
 *
 * ccl_conf_parse_cloud_credentials() and ccl_conf_parse_kafka_credentials()
 * parse such a file's text (path only names it in errors).
 *
 * ccl_conf_kafka_cred(c, cluster): the cluster's key and secret, or NULL.
 *
 * Ownership: ccl_conf_t owns the secrets (api_key, api_secret, each
 * ccl_kafka_cred_t's key and secret), malloc'd copies; ccl_cred_release()
 * (called by ccl_conf_release()) wipes them (ccl_str_free_secret) before
 * freeing. What ccl_conf_kafka_cred() returns is borrowed from c. Every
 * buffer that held a file's bytes or a line of it is wiped before it is
 * freed or goes out of scope.
 *
 * Secrets are never logged: errors about a credentials file name the file,
 * the line and at most an option's name, never a value.
 */

#ifndef _CCL_CRED_H_INCLUDED_
#define _CCL_CRED_H_INCLUDED_


#include <stddef.h>

#include "ccl_conf.h"


int ccl_conf_load_credentials(ccl_conf_t *c);

int ccl_conf_parse_cloud_credentials(ccl_conf_t *c, const char *path,
    const char *text, size_t len);
int ccl_conf_parse_kafka_credentials(ccl_conf_t *c, const char *path,
    const char *text, size_t len);

const ccl_kafka_cred_t *ccl_conf_kafka_cred(const ccl_conf_t *c,
    const char *cluster);

void ccl_cred_release(ccl_conf_t *c);


#endif /* _CCL_CRED_H_INCLUDED_ */
