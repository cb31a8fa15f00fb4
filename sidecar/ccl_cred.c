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


/* a credentials file's text, line by line */
typedef struct {
    const char          *path;
    const char          *text;
    size_t               len;
    size_t               pos;
    unsigned             lineno;
    char                 line[CCL_CONF_MAX_LINE];  /* wiped by the caller */
    char                 where[512];               /* "path:line" */
} ccl_cred_reader_t;


static void ccl_cred_reader_init(ccl_cred_reader_t *r, const char *path,
    const char *text, size_t len);
static int ccl_cred_next(ccl_cred_reader_t *r, char **args, int *nargs);
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
    int                 rc, next, nargs;
    char               *args[4], *key, *secret;
    ccl_cred_reader_t   r;

    ccl_cred_reader_init(&r, path, text, len);
    key = NULL;
    secret = NULL;
    rc = -1;

    for ( ;; ) {
        next = ccl_cred_next(&r, args, &nargs);

        if (next == 0) {
            break;
        }

        if (next < 0) {
            goto done;
        }

        if (nargs != 2) {
            ccl_conf_error(r.where, "expected \"api_key KEY\" or "
                           "\"api_secret SECRET\"");
            goto done;
        }

        if (strcmp(args[0], "api_key") == 0 && key == NULL) {
            key = ccl_strdup(args[1]);

        } else if (strcmp(args[0], "api_secret") == 0 && secret == NULL) {
            secret = ccl_strdup(args[1]);

        } else {
            /* the name only: the value may be a secret */
            ccl_conf_error(r.where, "unexpected or repeated \"%s\"", args[0]);
            goto done;
        }
    }

    if (key == NULL || secret == NULL) {
        ccl_log(CCL_LOG_ERROR, "credentials_error", "path=%s error=%s", path,
                "needs both api_key and api_secret lines");
        goto done;
    }

    ccl_str_free_secret(c->api_key);
    ccl_str_free_secret(c->api_secret);
    c->api_key = key;
    c->api_secret = secret;
    key = NULL;
    secret = NULL;
    rc = 0;

done:

    explicit_bzero(r.line, sizeof(r.line));
    ccl_str_free_secret(key);
    ccl_str_free_secret(secret);

    return rc;
}


int
ccl_conf_parse_kafka_credentials(ccl_conf_t *c, const char *path,
    const char *text, size_t len)
{
    int                 rc, next, nargs;
    char               *args[4];
    size_t              i;
    ccl_kafka_cred_t   *nc, *k;
    ccl_cred_reader_t   r;

    ccl_cred_reader_init(&r, path, text, len);
    rc = -1;

    for ( ;; ) {
        next = ccl_cred_next(&r, args, &nargs);

        if (next == 0) {
            break;
        }

        if (next < 0) {
            goto done;
        }

        if (nargs != 3 || !ccl_conf_valid_name(args[0], 255)) {
            ccl_conf_error(r.where, "expected \"CLUSTER_ID KEY SECRET\"");
            goto done;
        }

        for (i = 0; i < c->nkafka_creds; i++) {
            if (strcmp(c->kafka_creds[i].cluster, args[0]) == 0) {
                ccl_conf_error(r.where, "duplicate cluster \"%s\"", args[0]);
                goto done;
            }
        }

        nc = realloc(c->kafka_creds,
                     (c->nkafka_creds + 1) * sizeof(ccl_kafka_cred_t));
        if (nc == NULL) {
            goto done;
        }

        c->kafka_creds = nc;
        k = &c->kafka_creds[c->nkafka_creds++];
        k->cluster = ccl_strdup(args[0]);
        k->key = ccl_strdup(args[1]);
        k->secret = ccl_strdup(args[2]);

        if (k->cluster == NULL || k->key == NULL || k->secret == NULL) {
            goto done;
        }
    }

    rc = 0;

done:

    explicit_bzero(r.line, sizeof(r.line));

    return rc;
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


static void
ccl_cred_reader_init(ccl_cred_reader_t *r, const char *path,
    const char *text, size_t len)
{
    r->path = path;
    r->text = text;
    r->len = len;
    r->pos = 0;
    r->lineno = 0;
    r->where[0] = '\0';
}


/*
 * The next line that has fields: 1 with them in args (at most 4) and
 * their count in *nargs (-1 for a line ccl_split_fields() refuses, which
 * the caller reports as not of its shape); 0 at the end; -1 (logged,
 * without the line) for a line too long.
 */
static int
ccl_cred_next(ccl_cred_reader_t *r, char **args, int *nargs)
{
    int  rc;

    for ( ;; ) {
        rc = ccl_conf_next_line(r->text, r->len, &r->pos, r->line,
                                sizeof(r->line), &r->lineno);
        snprintf(r->where, sizeof(r->where), "%s:%u", r->path, r->lineno);

        if (rc == 0) {
            return 0;
        }

        if (rc < 0) {
            ccl_conf_error(r->where, "line too long");
            return -1;
        }

        *nargs = ccl_split_fields(r->line, args, 4);

        if (*nargs != 0) {
            return 1;
        }
    }
}
