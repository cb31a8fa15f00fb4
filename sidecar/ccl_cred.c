/*
 * Copyright (C) cclink authors
 *
 * Credentials: the Cloud API key (environment or credentials_file) and
 * the clusters' API keys (kafka_credentials_file), read, held and wiped
 * (ccl_cred.h).
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccl_conf.h"
#include "ccl_cred.h"
#include "ccl_file.h"
#include "ccl_log.h"


/* the largest credentials files read */
#define CCL_CRED_CLOUD_MAX  (64 * 1024)
#define CCL_CRED_KAFKA_MAX  (1024 * 1024)


/* what the Cloud credentials file gave so far */
typedef struct {
    char                *key;
    char                *secret;
} ccl_cred_api_t;


static int ccl_cred_api_line(ccl_conf_t *c, const char *where, char **args,
    int nargs, void *data);
static int ccl_cred_kafka_line(ccl_conf_t *c, const char *where,
    char **args, int nargs, void *data);
static int ccl_cred_read(const char *path, size_t max, ccl_conf_t *c,
    int (*parse)(ccl_conf_t *c, const char *path, const char *text,
                 size_t len));


int
ccl_conf_load_credentials(ccl_conf_t *c)
{
    const char  *key, *secret;

    key = getenv("CONFLUENT_CLOUD_API_KEY");
    secret = getenv("CONFLUENT_CLOUD_API_SECRET");

    if (key != NULL && secret != NULL && key[0] != '\0'
        && secret[0] != '\0')
    {
        ccl_str_free_secret(c->api_key);
        ccl_str_free_secret(c->api_secret);
        c->api_key = ccl_strdup(key);
        c->api_secret = ccl_strdup(secret);
        c->api_key_source = "environment";

        if (c->api_key == NULL || c->api_secret == NULL) {
            return -1;
        }

    } else if (c->credentials_file != NULL) {
        if (ccl_cred_read(c->credentials_file, CCL_CRED_CLOUD_MAX, c,
                          ccl_conf_parse_cloud_credentials) != 0)
        {
            return -1;
        }

        c->api_key_source = c->credentials_file;

    } else {
        ccl_log(CCL_LOG_ERROR, "credentials_error", "error=%s hint=%s",
                "no Cloud API key",
                "set CONFLUENT_CLOUD_API_KEY and CONFLUENT_CLOUD_API_SECRET "
                "or credentials_file");
        return -1;
    }

    if (c->kafka_credentials_file == NULL) {
        return 0;
    }

    return ccl_cred_read(c->kafka_credentials_file, CCL_CRED_KAFKA_MAX, c,
                         ccl_conf_parse_kafka_credentials);
}


/* a private file (ccl_file_read_private) parsed, its bytes wiped after */
static int
ccl_cred_read(const char *path, size_t max, ccl_conf_t *c,
    int (*parse)(ccl_conf_t *c, const char *path, const char *text,
                 size_t len))
{
    int        rc;
    ccl_buf_t  b;

    ccl_buf_init(&b, max + 1);

    rc = ccl_file_read_private(path, max, &b);

    if (rc == 0) {
        rc = parse(c, path, b.data, b.len);
    }

    if (b.data != NULL) {
        explicit_bzero(b.data, b.len);
    }

    ccl_buf_release(&b);

    return rc;
}


int
ccl_conf_parse_cloud_credentials(ccl_conf_t *c, const char *path,
    const char *text, size_t len)
{
    int              rc;
    ccl_cred_api_t   api;

    api.key = NULL;
    api.secret = NULL;
    rc = -1;

    if (ccl_conf_each_line(c, path, text, len, 4, "line too long",
                           ccl_cred_api_line, &api) != 0)
    {
        goto done;
    }

    if (api.key == NULL || api.secret == NULL) {
        ccl_log(CCL_LOG_ERROR, "credentials_error", "path=%s error=%s", path,
                "needs both api_key and api_secret lines");
        goto done;
    }

    ccl_str_free_secret(c->api_key);
    ccl_str_free_secret(c->api_secret);
    c->api_key = api.key;
    c->api_secret = api.secret;
    api.key = NULL;
    api.secret = NULL;
    rc = 0;

done:

    ccl_str_free_secret(api.key);
    ccl_str_free_secret(api.secret);

    return rc;
}


/* "api_key KEY" or "api_secret SECRET", each once */
static int
ccl_cred_api_line(ccl_conf_t *c, const char *where, char **args, int nargs,
    void *data)
{
    ccl_cred_api_t  *api;

    api = data;

    if (nargs != 2) {
        ccl_conf_error(where, "expected \"api_key KEY\" or "
                       "\"api_secret SECRET\"");
        return -1;
    }

    if (strcmp(args[0], "api_key") == 0 && api->key == NULL) {
        api->key = ccl_strdup(args[1]);

    } else if (strcmp(args[0], "api_secret") == 0 && api->secret == NULL) {
        api->secret = ccl_strdup(args[1]);

    } else {
        /* the name only: the value may be a secret */
        ccl_conf_error(where, "unexpected or repeated \"%s\"", args[0]);
        return -1;
    }

    return 0;
}


int
ccl_conf_parse_kafka_credentials(ccl_conf_t *c, const char *path,
    const char *text, size_t len)
{
    return ccl_conf_each_line(c, path, text, len, 4, "line too long",
                              ccl_cred_kafka_line, NULL);
}


/* "CLUSTER_ID KEY SECRET", one line per cluster */
static int
ccl_cred_kafka_line(ccl_conf_t *c, const char *where, char **args,
    int nargs, void *data)
{
    size_t             i;
    ccl_kafka_cred_t  *nc, *k;

    if (nargs != 3 || !ccl_conf_valid_name(args[0], 255)) {
        ccl_conf_error(where, "expected \"CLUSTER_ID KEY SECRET\"");
        return -1;
    }

    for (i = 0; i < c->nkafka_creds; i++) {
        if (strcmp(c->kafka_creds[i].cluster, args[0]) == 0) {
            ccl_conf_error(where, "duplicate cluster \"%s\"", args[0]);
            return -1;
        }
    }

    nc = realloc(c->kafka_creds,
                 (c->nkafka_creds + 1) * sizeof(ccl_kafka_cred_t));
    if (nc == NULL) {
        return -1;
    }

    c->kafka_creds = nc;
    k = &c->kafka_creds[c->nkafka_creds++];
    k->cluster = ccl_strdup(args[0]);
    k->key = ccl_strdup(args[1]);
    k->secret = ccl_strdup(args[2]);

    if (k->cluster == NULL || k->key == NULL || k->secret == NULL) {
        return -1;
    }

    return 0;
}


const ccl_kafka_cred_t *
ccl_conf_kafka_cred(const ccl_conf_t *c, const char *cluster)
{
    size_t  i;

    for (i = 0; i < c->nkafka_creds; i++) {
        if (strcmp(c->kafka_creds[i].cluster, cluster) == 0) {
            return &c->kafka_creds[i];
        }
    }

    return NULL;
}


void
ccl_cred_release(ccl_conf_t *c)
{
    size_t  i;

    ccl_str_free_secret(c->api_key);
    ccl_str_free_secret(c->api_secret);
    c->api_key = NULL;
    c->api_secret = NULL;

    for (i = 0; i < c->nkafka_creds; i++) {
        free(c->kafka_creds[i].cluster);
        ccl_str_free_secret(c->kafka_creds[i].key);
        ccl_str_free_secret(c->kafka_creds[i].secret);
    }

    free(c->kafka_creds);
    c->kafka_creds = NULL;
    c->nkafka_creds = 0;
}
