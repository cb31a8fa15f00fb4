/*
 * Copyright (C) cclink authors
 *
 * "diagnose HOST[:PORT]": a name followed along a client's path through
 * this proxy (ccl_diag.h).
 */


#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "cclink_routes.h"
#include "ccl_diag.h"
#include "ccl_log.h"
#include "ccl_model.h"


typedef struct {
    FILE                *out;
    int                  failed;
} ccl_diag_t;


static void ccl_diag_line(ccl_diag_t *dg, const char *hop, const char *how,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static long ccl_diag_now_ms(void);
static int ccl_diag_connect(ccl_diag_t *dg, const struct sockaddr *sa,
    socklen_t len);
static int ccl_diag_tls(ccl_diag_t *dg, SSL_CTX *ctx, int fd,
    const char *host, int http);
static void ccl_diag_http(ccl_diag_t *dg, SSL *ssl, const char *host);
static void ccl_diag_dns(ccl_diag_t *dg, const char *host);
static int ccl_diag_split(const char *target, char *host, unsigned *port);


static void
ccl_diag_line(ccl_diag_t *dg, const char *hop, const char *how,
    const char *fmt, ...)
{
    va_list  ap;

    fprintf(dg->out, "  %-6s %-4s ", hop, how);

    va_start(ap, fmt);
    vfprintf(dg->out, fmt, ap);
    va_end(ap);

    fputc('\n', dg->out);

    if (strcmp(how, "FAIL") == 0) {
        dg->failed = 1;
    }
}


static long
ccl_diag_now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static int
ccl_diag_split(const char *target, char *host, unsigned *port)
{
    char            buf[CCLINK_NAME_MAX + 16];
    char           *colon;
    unsigned long   p;

    if (ccl_strlcpy(buf, target, sizeof(buf)) != 0) {
        return -1;
    }

    *port = 0;
    colon = strrchr(buf, ':');

    if (colon != NULL) {
        *colon = '\0';
        if (ccl_parse_ulong(colon + 1, 65535, &p) != 0 || p == 0) {
            return -1;
        }
        *port = (unsigned) p;
    }

    if (!ccl_model_valid_host(buf)) {
        return -1;
    }

    ccl_str_lower(buf);

    return ccl_strlcpy(host, buf, CCLINK_NAME_MAX + 1);
}


static void
ccl_diag_dns(ccl_diag_t *dg, const char *host)
{
    int               rc;
    char              ip[INET6_ADDRSTRLEN], list[512];
    size_t            len;
    struct addrinfo   hints, *res, *ai;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;

    rc = getaddrinfo(host, NULL, &hints, &res);

    if (rc != 0) {
        ccl_diag_line(dg, "dns", "info", "%s does not resolve on this host "
                      "(%s); that is fine: the proxy uses the route table's "
                      "addresses, not DNS", host, gai_strerror(rc));
        return;
    }

    list[0] = '\0';

    for (ai = res; ai != NULL; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET) {
            inet_ntop(AF_INET, &((struct sockaddr_in *) ai->ai_addr)
                      ->sin_addr, ip, sizeof(ip));
        } else {
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *) ai->ai_addr)
                      ->sin6_addr, ip, sizeof(ip));
        }

        len = strlen(list);

        if (strstr(list, ip) == NULL && len + strlen(ip) + 2 < sizeof(list))
        {
            snprintf(list + len, sizeof(list) - len, "%s%s",
                     len ? " " : "", ip);
        }
    }

    freeaddrinfo(res);

    ccl_diag_line(dg, "dns", "info", "%s resolves on this host to %s", host,
                  list);
}


static int
ccl_diag_connect(ccl_diag_t *dg, const struct sockaddr *sa, socklen_t len)
{
    int             fd, rc, err, flags;
    long            start, took;
    socklen_t       elen;
    struct pollfd   pfd;
    struct timeval  tv;

    fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        ccl_diag_line(dg, "tcp", "FAIL", "socket: %s", strerror(errno));
        return -1;
    }

    flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);

    start = ccl_diag_now_ms();
    rc = connect(fd, sa, len);
    err = (rc == 0) ? 0 : errno;

    if (rc != 0 && err == EINPROGRESS) {
        pfd.fd = fd;
        pfd.events = POLLOUT;

        rc = poll(&pfd, 1, CCL_DIAG_TIMEOUT_MS);

        if (rc == 0) {
            err = ETIMEDOUT;
        } else {
            elen = sizeof(err);
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0) {
                err = errno;
            }
        }
    }

    took = ccl_diag_now_ms() - start;

    if (err != 0) {
        close(fd);

        if (err == ETIMEDOUT) {
            ccl_diag_line(dg, "tcp", "FAIL", "no answer in %d ms: usually a "
                          "missing VPC route to the endpoint's subnet, or a "
                          "security group of the VPC endpoint that does not "
                          "allow this port from the proxy",
                          CCL_DIAG_TIMEOUT_MS);
        } else if (err == ECONNREFUSED) {
            ccl_diag_line(dg, "tcp", "FAIL", "connection refused: the "
                          "address answers but nothing listens on this port "
                          "(wrong port or address in the target "
                          "configuration)");
        } else if (err == EHOSTUNREACH || err == ENETUNREACH) {
            ccl_diag_line(dg, "tcp", "FAIL", "%s: no route from this host "
                          "to the endpoint (missing VPC route or route "
                          "table entry)", strerror(err));
        } else {
            ccl_diag_line(dg, "tcp", "FAIL", "%s", strerror(err));
        }

        return -1;
    }

    fcntl(fd, F_SETFL, flags);

    tv.tv_sec = CCL_DIAG_TIMEOUT_MS / 1000;
    tv.tv_usec = 0;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

    ccl_diag_line(dg, "tcp", "ok", "connected in %ld ms", took);

    return fd;
}


static void
ccl_diag_http(ccl_diag_t *dg, SSL *ssl, const char *host)
{
    int     n, total;
    char    req[512], resp[4096], *eol;
    long    status;

    snprintf(req, sizeof(req),
             "GET /kafka/v3/clusters HTTP/1.1\r\n"
             "Host: %s\r\n"
             "User-Agent: cclink-sidecar-diagnose\r\n"
             "Accept: application/json\r\n"
             "Connection: close\r\n\r\n", host);

    if (SSL_write(ssl, req, (int) strlen(req)) <= 0) {
        ccl_diag_line(dg, "http", "FAIL", "cannot send the request");
        return;
    }

    total = 0;

    while (total < (int) sizeof(resp) - 1) {
        n = SSL_read(ssl, resp + total, (int) sizeof(resp) - 1 - total);
        if (n <= 0) {
            break;
        }
        total += n;
        resp[total] = '\0';
        if (strstr(resp, "\r\n") != NULL) {
            break;
        }
    }

    resp[total] = '\0';
    eol = strstr(resp, "\r\n");

    if (total == 0 || eol == NULL || strncmp(resp, "HTTP/1.", 7) != 0
        || total < 12)
    {
        ccl_diag_line(dg, "http", "FAIL", "no HTTP answer: the endpoint "
                      "accepted TLS but did not speak HTTP (not a REST "
                      "endpoint?)");
        return;
    }

    *eol = '\0';
    status = strtol(resp + 9, NULL, 10);

    if (status == 401) {
        ccl_diag_line(dg, "http", "ok", "\"%s\": the REST API answered and "
                      "wants credentials, as expected", resp);

    } else if (status >= 200 && status < 500) {
        ccl_diag_line(dg, "http", "ok", "\"%s\": an HTTP server answered "
                      "(401 was expected from the Kafka REST API)", resp);

    } else {
        ccl_diag_line(dg, "http", "FAIL", "\"%s\": the server behind the "
                      "endpoint reports an error", resp);
    }
}


static int
ccl_diag_tls(ccl_diag_t *dg, SSL_CTX *ctx, int fd, const char *host,
    int http)
{
    int          rc;
    long         verify;
    char         subject[256], errbuf[256];
    SSL         *ssl;
    X509        *cert;
    unsigned long  e;

    ssl = SSL_new(ctx);
    if (ssl == NULL) {
        ccl_diag_line(dg, "tls", "FAIL", "out of memory");
        return -1;
    }

    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, host);
    SSL_set1_host(ssl, host);

    ERR_clear_error();
    rc = SSL_connect(ssl);

    if (rc != 1) {
        e = ERR_get_error();
        if (e != 0) {
            ERR_error_string_n(e, errbuf, sizeof(errbuf));
        } else {
            ccl_strlcpy(errbuf, "the connection was closed",
                        sizeof(errbuf));
        }

        ccl_diag_line(dg, "tls", "FAIL", "handshake with SNI %s failed "
                      "(%s): the address is not the Confluent endpoint for "
                      "this name (wrong VPC endpoint in the targets?), or "
                      "something in between intercepts TLS", host, errbuf);
        SSL_free(ssl);
        return -1;
    }

    verify = SSL_get_verify_result(ssl);
    cert = SSL_get1_peer_certificate(ssl);
    subject[0] = '\0';

    if (cert != NULL) {
        X509_NAME_oneline(X509_get_subject_name(cert), subject,
                          sizeof(subject));
        X509_free(cert);
    }

    if (verify != X509_V_OK) {
        ccl_diag_line(dg, "tls", "FAIL", "%s, certificate \"%s\" not "
                      "accepted for %s: %s", SSL_get_version(ssl), subject,
                      host, X509_verify_cert_error_string(verify));
    } else {
        ccl_diag_line(dg, "tls", "ok", "%s, certificate \"%s\" valid for %s",
                      SSL_get_version(ssl), subject, host);
    }

    if (http) {
        ccl_diag_http(dg, ssl, host);
    }

    SSL_shutdown(ssl);
    SSL_free(ssl);

    return 0;
}


int
ccl_diag_run(const ccl_conf_t *conf, const char *target, FILE *out)
{
    int                       fd;
    char                      host[CCLINK_NAME_MAX + 1], path[PATH_MAX];
    char                      err[CCLINK_RT_ERRLEN], text[128];
    uint32_t                  i;
    unsigned                  port, use;
    SSL_CTX                  *ctx;
    ccl_diag_t                dg;
    cclink_rt_t              *rt;
    cclink_rt_regexes_t           *rx;
    cclink_rt_match_t         m;
    const cclink_rt_addr_t   *a;
    struct sockaddr_storage   ss;

    dg.out = out;
    dg.failed = 0;

    if (ccl_diag_split(target, host, &port) != 0) {
        ccl_log(CCL_LOG_ERROR, "usage_error", "target=%s error=%s", target,
                "expected HOST or HOST:PORT");
        return -1;
    }

    if (port == 0) {
        port = 443;
    }

    fprintf(out, "diagnose %s:%u\n", host, port);

    /* 1. the route table */

    if (ccl_conf_path(conf, conf->routes_file, path, sizeof(path)) != 0) {
        return -1;
    }

    if (cclink_rt_parse_file(path, &rt, err, sizeof(err)) != 0) {
        ccl_diag_line(&dg, "route", "FAIL", "cannot load the route table: "
                      "%s", err);
        return 1;
    }

    rx = NULL;

    if (rt->nregex > 0) {
        rx = cclink_rt_regexes_compile(rt, err, sizeof(err));
        if (rx == NULL) {
            ccl_diag_line(&dg, "route", "FAIL", "%s", err);
            cclink_rt_free(rt);
            return 1;
        }
    }

    if (!cclink_rt_match(rt, rx, host, strlen(host), &m)) {
        ccl_diag_line(&dg, "route", "FAIL", "no route for %s in %s: the "
                      "module refuses this name (missing route table entry)."
                      " Check that its environment and service are "
                      "configured and that discovery found it (state "
                      "file); brokers need a Kafka API key or a domain "
                      "pattern", host, path);
        ccl_diag_dns(&dg, host);
        cclink_rt_regexes_free(rx);
        cclink_rt_free(rt);
        fprintf(out, "result: FAIL at route\n");
        return 1;
    }

    ccl_diag_line(&dg, "route", "ok", "\"%.*s\" -> group %.*s, %u "
                  "address(es), table serial %llu",
                  (int) m.route->key_len, cclink_rt_str(rt, m.route->key_off),
                  (int) m.group->name_len,
                  cclink_rt_str(rt, m.group->name_off), m.group->naddrs,
                  (unsigned long long) rt->serial);

    /* 2. DNS, for information */

    ccl_diag_dns(&dg, host);

    /* 3. every address of the group */

    SSL_library_init();

    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        cclink_rt_regexes_free(rx);
        cclink_rt_free(rt);
        return -1;
    }

    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);

    if (conf->kafka_ca_file != NULL) {
        if (SSL_CTX_load_verify_locations(ctx, conf->kafka_ca_file, NULL)
            != 1)
        {
            ccl_log(CCL_LOG_WARN, "diagnose_ca", "path=%s error=%s",
                    conf->kafka_ca_file, "cannot load the CA bundle");
        }
    } else {
        SSL_CTX_set_default_verify_paths(ctx);
    }

    for (i = 0; i < m.group->naddrs; i++) {
        a = &cclink_rt_addrs(rt)[m.group->addrs + i];

        memset(&ss, 0, sizeof(ss));
        memcpy(&ss, &a->u, a->socklen);

        use = a->port_set ? ntohs(a->u.sin.sin_port) : port;

        if (a->u.sa.sa_family == AF_INET) {
            ((struct sockaddr_in *) &ss)->sin_port = htons((uint16_t) use);
        } else {
            ((struct sockaddr_in6 *) &ss)->sin6_port =
                htons((uint16_t) use);
        }

        snprintf(text, sizeof(text), "%.*s", (int) a->text_len,
                 cclink_rt_str(rt, a->text_off));

        fprintf(out, "  address %s port %u zone %.*s\n", text, use,
                a->zone_len ? (int) a->zone_len : 1,
                a->zone_len ? cclink_rt_str(rt, a->zone_off) : "-");

        fd = ccl_diag_connect(&dg, (struct sockaddr *) &ss, a->socklen);
        if (fd < 0) {
            continue;
        }

        /* the client's port decides: 443 is REST, whatever the address */
        (void) ccl_diag_tls(&dg, ctx, fd, host, port == 443);
        close(fd);
    }

    SSL_CTX_free(ctx);
    cclink_rt_regexes_free(rx);
    cclink_rt_free(rt);

    fprintf(out, "result: %s\n", dg.failed ? "FAIL" : "ok");

    return dg.failed ? 1 : 0;
}
