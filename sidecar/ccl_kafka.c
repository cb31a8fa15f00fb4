/*
 * Copyright (C) cclink authors
 *
 * Broker host names from the Kafka Metadata response, through
 * librdkafka (ccl_kafka.h).
 */


#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <librdkafka/rdkafka.h>

#include "ccl_kafka.h"
#include "ccl_log.h"


typedef struct {
    const char          *cluster;
    char                 host[256];     /* override, or "" */
    char                 port[8];       /* override port, or "" */
    pthread_mutex_t      lock;
    char                 last_error[512];
} ccl_kafka_ctx_t;


static void ccl_kafka_log_cb(const rd_kafka_t *rk, int level,
    const char *fac, const char *buf);
static void ccl_kafka_error_cb(rd_kafka_t *rk, int err, const char *reason,
    void *opaque);
static int ccl_kafka_resolve_cb(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res, void *opaque);
static int ccl_kafka_set(rd_kafka_conf_t *kc, const char *name,
    const char *value, const char *cluster, char *err, size_t errlen);
static int ccl_kafka_split_addr(const char *addr, char *host, size_t hsize,
    char *port, size_t psize);


static void
ccl_kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac,
    const char *buf)
{
    ccl_log(level <= 4 ? CCL_LOG_WARN : CCL_LOG_DEBUG, "kafka_log",
            "client=%s facility=%s message=%s", rd_kafka_name(rk), fac, buf);
}


static void
ccl_kafka_error_cb(rd_kafka_t *rk, int err, const char *reason,
    void *opaque)
{
    ccl_kafka_ctx_t  *ctx;

    ctx = opaque;

    pthread_mutex_lock(&ctx->lock);
    snprintf(ctx->last_error, sizeof(ctx->last_error), "%s: %s",
             rd_kafka_err2name((rd_kafka_resp_err_t) err), reason);
    pthread_mutex_unlock(&ctx->lock);
}


static int
ccl_kafka_resolve_cb(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res, void *opaque)
{
    ccl_kafka_ctx_t  *ctx;

    if (node == NULL && service == NULL && hints == NULL) {
        freeaddrinfo(*res);
        return 0;
    }

    ctx = opaque;

    if (ctx->host[0] == '\0') {
        return getaddrinfo(node, service, hints, res);
    }

    return getaddrinfo(ctx->host, ctx->port[0] ? ctx->port : service, hints,
                       res);
}


static int
ccl_kafka_set(rd_kafka_conf_t *kc, const char *name, const char *value,
    const char *cluster, char *err, size_t errlen)
{
    char  e[256];

    if (rd_kafka_conf_set(kc, name, value, e, sizeof(e))
        != RD_KAFKA_CONF_OK)
    {
        /* the value is not quoted: it may be a secret */
        snprintf(err, errlen, "librdkafka refused \"%s\": %s", name, e);
        ccl_log(CCL_LOG_ERROR, "kafka_error", "cluster=%s error=%s",
                cluster, err);
        return -1;
    }

    return 0;
}


static int
ccl_kafka_split_addr(const char *addr, char *host, size_t hsize, char *port,
    size_t psize)
{
    size_t       len;
    const char  *colon, *end;

    port[0] = '\0';

    if (addr[0] == '[') {
        end = strchr(addr, ']');
        if (end == NULL) {
            return -1;
        }
        len = (size_t) (end - addr - 1);
        if (len >= hsize) {
            return -1;
        }
        memcpy(host, addr + 1, len);
        host[len] = '\0';

        if (end[1] == ':') {
            return ccl_strlcpy(port, end + 2, psize);
        }

        return end[1] == '\0' ? 0 : -1;
    }

    colon = strrchr(addr, ':');

    if (colon == NULL || strchr(addr, ':') != colon) {
        /* no port, or a bare IPv6 address */
        return ccl_strlcpy(host, addr, hsize);
    }

    len = (size_t) (colon - addr);
    if (len >= hsize) {
        return -1;
    }

    memcpy(host, addr, len);
    host[len] = '\0';

    return ccl_strlcpy(port, colon + 1, psize);
}


int
ccl_kafka_brokers(const ccl_conf_t *conf, const char *cluster,
    const char *bootstrap, const ccl_kafka_cred_t *cred, ccl_strv_t *out,
    char *err, size_t errlen)
{
    int                          i, rc;
    char                         num[32], hp[320], errstr[512];
    rd_kafka_t                  *rk;
    const char                  *override;
    rd_kafka_conf_t             *kc;
    ccl_kafka_ctx_t              ctx;
    rd_kafka_resp_err_t          kerr;
    const struct rd_kafka_metadata  *md;

    memset(&ctx, 0, sizeof(ctx));
    ctx.cluster = cluster;
    pthread_mutex_init(&ctx.lock, NULL);
    err[0] = '\0';
    rk = NULL;
    md = NULL;
    rc = -1;

    override = ccl_conf_kafka_addr(conf, cluster);

    if (override != NULL
        && ccl_kafka_split_addr(override, ctx.host, sizeof(ctx.host),
                                ctx.port, sizeof(ctx.port)) != 0)
    {
        snprintf(err, errlen, "invalid kafka_bootstrap_address \"%s\"",
                 override);
        ccl_log(CCL_LOG_ERROR, "kafka_error", "cluster=%s error=%s", cluster,
                err);
        pthread_mutex_destroy(&ctx.lock);
        return -1;
    }

    kc = rd_kafka_conf_new();

    rd_kafka_conf_set_opaque(kc, &ctx);
    rd_kafka_conf_set_log_cb(kc, ccl_kafka_log_cb);
    rd_kafka_conf_set_error_cb(kc, ccl_kafka_error_cb);
    rd_kafka_conf_set_resolve_cb(kc, ccl_kafka_resolve_cb);

    if (ccl_kafka_set(kc, "client.id", "cclink-sidecar", cluster, err,
                      errlen) != 0
        || ccl_kafka_set(kc, "bootstrap.servers", bootstrap, cluster, err,
                         errlen) != 0
        || ccl_kafka_set(kc, "security.protocol",
                         conf->kafka_security_protocol, cluster, err,
                         errlen) != 0)
    {
        goto done;
    }

    snprintf(num, sizeof(num), "%ld", conf->kafka_socket_timeout_ms);

    if (ccl_kafka_set(kc, "socket.timeout.ms", num, cluster, err, errlen)
        != 0
        || ccl_kafka_set(kc, "socket.connection.setup.timeout.ms", num,
                         cluster, err, errlen) != 0
        || ccl_kafka_set(kc, "log.connection.close", "false", cluster, err,
                         errlen) != 0)
    {
        goto done;
    }

    if (strncasecmp(conf->kafka_security_protocol, "sasl_", 5) == 0) {
        if (ccl_kafka_set(kc, "sasl.mechanisms", conf->kafka_sasl_mechanism,
                          cluster, err, errlen) != 0
            || ccl_kafka_set(kc, "sasl.username", cred->key, cluster, err,
                             errlen) != 0
            || ccl_kafka_set(kc, "sasl.password", cred->secret, cluster, err,
                             errlen) != 0)
        {
            goto done;
        }
    }

    if (conf->kafka_ca_file != NULL
        && ccl_kafka_set(kc, "ssl.ca.location", conf->kafka_ca_file, cluster,
                         err, errlen) != 0)
    {
        goto done;
    }

    rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, sizeof(errstr));

    if (rk == NULL) {
        snprintf(err, errlen, "cannot create a Kafka client: %s", errstr);
        ccl_log(CCL_LOG_ERROR, "kafka_error", "cluster=%s error=%s", cluster,
                err);
        goto done;
    }

    kc = NULL;   /* owned by rk now */

    kerr = rd_kafka_metadata(rk, 0, NULL, &md,
                             (int) conf->kafka_deadline_ms);

    if (kerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
        pthread_mutex_lock(&ctx.lock);
        snprintf(err, errlen, "metadata request failed: %s%s%s",
                 rd_kafka_err2str(kerr), ctx.last_error[0] ? "; last error: "
                 : "", ctx.last_error);
        pthread_mutex_unlock(&ctx.lock);

        ccl_log(CCL_LOG_ERROR, "kafka_metadata_failed",
                "cluster=%s bootstrap=%s error=%s", cluster, bootstrap, err);
        goto done;
    }

    for (i = 0; i < md->broker_cnt; i++) {
        if (md->brokers[i].host == NULL) {
            continue;
        }

        /* a name no host name can be: that broker's fault, said so */
        if (ccl_snprintf(hp, sizeof(hp), "%s:%d", md->brokers[i].host,
                         md->brokers[i].port) != 0)
        {
            ccl_log(CCL_LOG_ERROR, "kafka_bad_broker", "cluster=%s "
                    "host=%.64s error=%s", cluster, md->brokers[i].host,
                    "advertised host name too long: not routed");
            continue;
        }

        if (ccl_strv_add(out, hp) != 0) {
            snprintf(err, errlen, "%s", "out of memory");
            goto done;
        }
    }

    ccl_log(CCL_LOG_INFO, "kafka_metadata", "cluster=%s bootstrap=%s "
            "brokers=%d", cluster, bootstrap, md->broker_cnt);

    rc = 0;

done:

    if (md != NULL) {
        rd_kafka_metadata_destroy(md);
    }

    if (rk != NULL) {
        rd_kafka_destroy(rk);
    }

    if (kc != NULL) {
        rd_kafka_conf_destroy(kc);
    }

    pthread_mutex_destroy(&ctx.lock);

    return rc;
}
