/*
 * Copyright (C) cclink authors
 *
 * Fuzz target: the sidecar's configuration parsers (sidecar/ccl_conf.c).
 *
 * The first byte picks the parser, the rest is the file:
 *   0  the configuration file: ccl_conf_parse(), then ccl_conf_finish()
 *      and ccl_conf_override();
 *   1  the Cloud API credentials file (api_key, api_secret);
 *   2  the Kafka credentials file (CLUSTER KEY SECRET).
 *
 * Invariants:
 *  - every log line is one line (a single LF, at its end; no CR), shorter
 *    than CCL_LOG_LINE;
 *  - a configuration that finishes has what ccl_conf_finish() promises:
 *    an API URL without a trailing slash, '?' or '#', a numeric proxy
 *    address, a valid proxy name, jitter at most half the interval, and
 *    environments;
 *  - credentials that parse are all present, and each Kafka cluster is
 *    found by ccl_conf_kafka_cred();
 *  - secrets never reach the log: the same file with every secret value
 *    changed (same length, same character classes) logs exactly the same
 *    lines;
 *  - ccl_conf_release() frees everything (LeakSanitizer).
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "ccl_buf.h"
#include "ccl_conf.h"
#include "ccl_log.h"
#include "fuzz.h"


static ccl_buf_t  fuzz_conf_log;


static void
fuzz_conf_sink(const char *line, size_t len, void *data)
{
    ccl_buf_t  *b = data;

    FUZZ_CHECK(len >= 1 && len < CCL_LOG_LINE);
    FUZZ_CHECK(line[len] == '\0' && strlen(line) == len);
    FUZZ_CHECK(line[len - 1] == '\n');
    FUZZ_CHECK(memchr(line, '\n', len - 1) == NULL);
    FUZZ_CHECK(memchr(line, '\r', len) == NULL);
    FUZZ_CHECK(strncmp(line, "level=", 6) == 0);

    (void) ccl_buf_add(b, line, len);
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ccl_buf_init(&fuzz_conf_log, 16 * 1024 * 1024);
    ccl_log_set_level(CCL_LOG_DEBUG);
    ccl_log_set_sink(fuzz_conf_sink, &fuzz_conf_log);

    return 0;
}


static int
fuzz_conf_name_ok(const char *s, size_t max)
{
    size_t  i, len;

    len = strlen(s);

    if (len == 0 || len > max) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!isalnum((unsigned char) s[i]) && s[i] != '.' && s[i] != '_'
            && s[i] != '-')
        {
            return 0;
        }
    }

    return 1;
}


static void
fuzz_conf_run(unsigned mode, const char *text, size_t len)
{
    int                      rc;
    char                     path[4096];
    size_t                   i, j;
    ccl_conf_t               c;
    unsigned char            addr[sizeof(struct in6_addr)];
    ccl_conf_overrides_t     o;
    const ccl_kafka_cred_t  *k;

    ccl_conf_init(&c);

    switch (mode) {

    case 0:
        rc = ccl_conf_parse(&c, "fuzz.conf", text, len);
        if (rc != 0) {
            FUZZ_CHECK(rc == -1);
            break;
        }

        rc = ccl_conf_finish(&c);
        if (rc != 0) {
            FUZZ_CHECK(rc == -1);
            break;
        }

        FUZZ_CHECK(c.api_url != NULL && strlen(c.api_url) > 8);
        FUZZ_CHECK(c.api_url[strlen(c.api_url) - 1] != '/');
        FUZZ_CHECK(strchr(c.api_url, '?') == NULL
                   && strchr(c.api_url, '#') == NULL);
        FUZZ_CHECK(c.proxy_address != NULL);
        FUZZ_CHECK(inet_pton(AF_INET, c.proxy_address, addr) == 1
                   || inet_pton(AF_INET6, c.proxy_address, addr) == 1);
        FUZZ_CHECK(c.proxy_name && fuzz_conf_name_ok(c.proxy_name, 64));
        FUZZ_CHECK(c.zone == NULL || fuzz_conf_name_ok(c.zone, 32));
        FUZZ_CHECK(c.poll_jitter * 2 <= c.poll_interval);
        FUZZ_CHECK(c.all_environments || c.environments.n > 0);
        FUZZ_CHECK(c.nnginx_ports <= CCL_CONF_MAX_PORTS);

        for (i = 0; i < c.ntargets; i++) {
            FUZZ_CHECK(c.targets[i].key != NULL);
            FUZZ_CHECK(c.targets[i].address != NULL);
        }

        for (i = 0; i < c.nkafka_addrs; i++) {
            FUZZ_CHECK(ccl_conf_kafka_addr(&c, c.kafka_addrs[i].cluster)
                       != NULL);
        }

        if (ccl_conf_path(&c, c.routes_file, path, sizeof(path)) == 0) {
            FUZZ_CHECK(strlen(path) < sizeof(path));
        }

        (void) ccl_conf_service_name(c.services);

        memset(&o, 0, sizeof(o));
        o.log_level = "debug";
        o.output_dir = "/tmp/fuzz-out";
        FUZZ_CHECK(ccl_conf_override(&c, &o) == 0);
        FUZZ_CHECK(strcmp(c.output_dir, "/tmp/fuzz-out") == 0);

        /* the override may have changed the level: keep seeing all */
        ccl_log_set_level(CCL_LOG_DEBUG);
        break;

    case 1:
        rc = ccl_conf_parse_cloud_credentials(&c, "fuzz.cred", text, len);
        FUZZ_CHECK(rc == 0 || rc == -1);

        if (rc == 0) {
            FUZZ_CHECK(c.api_key != NULL && c.api_secret != NULL);
        }
        break;

    default:
        rc = ccl_conf_parse_kafka_credentials(&c, "fuzz.kafka", text, len);
        FUZZ_CHECK(rc == 0 || rc == -1);

        if (rc == 0) {
            for (i = 0; i < c.nkafka_creds; i++) {
                FUZZ_CHECK(c.kafka_creds[i].cluster != NULL);
                FUZZ_CHECK(c.kafka_creds[i].key != NULL);
                FUZZ_CHECK(c.kafka_creds[i].secret != NULL);

                k = ccl_conf_kafka_cred(&c, c.kafka_creds[i].cluster);
                FUZZ_CHECK(k == &c.kafka_creds[i]);

                for (j = 0; j < i; j++) {
                    FUZZ_CHECK(strcmp(c.kafka_creds[i].cluster,
                                      c.kafka_creds[j].cluster) != 0);
                }
            }
        }
        break;
    }

    ccl_conf_release(&c);
}


/* a different character of the same class */
static char
fuzz_conf_other(char ch)
{
    if (ch >= 'a' && ch <= 'z') {
        return (char) ('a' + (ch - 'a' + 7) % 26);
    }

    if (ch >= 'A' && ch <= 'Z') {
        return (char) ('A' + (ch - 'A' + 7) % 26);
    }

    if (ch >= '0' && ch <= '9') {
        return (char) ('0' + (ch - '0' + 3) % 10);
    }

    return ch;
}


/*
 * Changes the secret values in a credentials file: in the cloud file the
 * values after "api_secret", in the Kafka file every field after the
 * second. Lines with quotes or comments are left as they are.
 * Returns 1 when something changed.
 */
static int
fuzz_conf_hide_secrets(unsigned mode, char *text, size_t len)
{
    int      changed, secret;
    char    *line, *end, *p, *tok;
    size_t   ntok;

    changed = 0;

    for (line = text; line < text + len; line = end + 1) {
        end = memchr(line, '\n', (size_t) (text + len - line));
        if (end == NULL) {
            end = text + len;
        }

        if (memchr(line, '"', (size_t) (end - line)) != NULL
            || memchr(line, '#', (size_t) (end - line)) != NULL
            || memchr(line, '\0', (size_t) (end - line)) != NULL)
        {
            continue;
        }

        ntok = 0;
        secret = 0;

        for (p = line; p < end; ) {
            while (p < end && (*p == ' ' || *p == '\t' || *p == '\r')) {
                p++;
            }

            if (p == end) {
                break;
            }

            tok = p;

            while (p < end && *p != ' ' && *p != '\t' && *p != '\r') {
                p++;
            }

            if (ntok == 0) {
                secret = (mode == 1 && p - tok == 10
                          && memcmp(tok, "api_secret", 10) == 0);

            } else if ((mode == 1 && secret) || (mode == 2 && ntok >= 2)) {
                for ( ; tok < p; tok++) {
                    if (fuzz_conf_other(*tok) != *tok) {
                        *tok = fuzz_conf_other(*tok);
                        changed = 1;
                    }
                }
            }

            ntok++;
        }
    }

    return changed;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char      *text, *first;
    size_t     len, first_len;
    unsigned   mode;

    if (size == 0) {
        return 0;
    }

    mode = data[0] % 3;
    len = size - 1;

    /* exactly len bytes: the parsers take a length, not a C string */
    text = malloc(len ? len : 1);
    FUZZ_CHECK(text != NULL);
    memcpy(text, data + 1, len);

    ccl_buf_reset(&fuzz_conf_log);
    fuzz_conf_run(mode, text, len);

    if (mode != 0 && fuzz_conf_hide_secrets(mode, text, len)) {
        first_len = fuzz_conf_log.len;
        first = malloc(first_len + 1);
        FUZZ_CHECK(first != NULL);
        memcpy(first, fuzz_conf_log.data ? fuzz_conf_log.data : "",
               first_len);

        ccl_buf_reset(&fuzz_conf_log);
        fuzz_conf_run(mode, text, len);

        if (fuzz_conf_log.len != first_len
            || memcmp(fuzz_conf_log.data ? fuzz_conf_log.data : "", first,
                      first_len) != 0)
        {
            fprintf(stderr, "log with the secrets:\n%.*s\nlog with other "
                    "secrets:\n%.*s\n", (int) first_len, first,
                    (int) fuzz_conf_log.len,
                    fuzz_conf_log.data ? fuzz_conf_log.data : "");
            FUZZ_CHECK(0 && "a secret reached the log");
        }

        free(first);
    }

    free(text);

    return 0;
}
