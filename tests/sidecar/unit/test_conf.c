/*
 * Copyright (C) cclink authors
 *
 * Unit tests: configuration and credentials.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ccl_conf.h"
#include "ccl_file.h"
#include "ccl_log.h"
#include "ccl_test.h"


static int
parse(ccl_conf_t *c, const char *text)
{
    ccl_conf_init(c);

    if (ccl_conf_parse(c, "test.conf", text, strlen(text)) != 0) {
        return -1;
    }

    return ccl_conf_finish(c);
}


static void
write_file(const char *path, const char *text, mode_t mode)
{
    if (ccl_file_commit(path, text, strlen(text), mode) != 0) {
        ctest_fail(__FILE__, __LINE__, "cannot write %s", path);
    }
}


static void
test_conf_template_parses(void)
{
    char        path[4096];
    ccl_conf_t  c;

    ccl_conf_init(&c);
    ccl_test_path("../../../conf-templates/cclink-sidecar.conf", path,
                  sizeof(path));

    CHECK_INT(ccl_conf_load(&c, path), 0);
    CHECK_INT(ccl_conf_finish(&c), 0);

    ccl_conf_release(&c);
}


static void
test_conf_defaults(void)
{
    ccl_conf_t  c;

    CHECK_INT(parse(&c, "proxy_address 192.0.2.1\n"), 0);

    CHECK_STR(c.api_url, "https://api.confluent.cloud");
    CHECK_INT(c.all_environments, 1);
    CHECK_INT(c.poll_interval, 60);
    CHECK_INT(c.page_size, 100);
    CHECK_INT(c.drop_after, 3);
    CHECK_INT(c.max_drop_percent, 50);
    CHECK_INT(c.mode, CCL_MODE_MODULE);
    CHECK_INT(c.services, CCL_SVC_KAFKA | CCL_SVC_SCHEMA_REGISTRY
                              | CCL_SVC_FLINK);
    CHECK_STR(c.proxy_name, "cclink");
    CHECK_STR(c.routes_file, "routes.conf");
    CHECK_INT(c.nnginx_ports, 2);

    ccl_conf_release(&c);
}


static void
test_conf_every_option(void)
{
    ccl_conf_t  c;

    CHECK_INT(parse(&c,
        "# comment\n"
        "api_url https://127.0.0.1:8443/\n"
        "ca_file /tmp/ca.pem\n"
        "environments env-b env-a env-b\n"
        "services kafka flink\n"
        "page_size 2\n"
        "http_connect_timeout 2s\n"
        "http_timeout 500ms\n"
        "http_max_bytes 2m\n"
        "http_retries 3\n"
        "retry_backoff 200ms 5s\n"
        "retry_after_max 30\n"
        "kafka_security_protocol PLAINTEXT\n"
        "kafka_socket_timeout 3\n"
        "kafka_deadline 1m\n"
        "kafka_bootstrap_address lkc-1 127.0.0.1:9092\n"
        "kafka_bootstrap_address * 127.0.0.1:19092\n"
        "zone use1-az1\n"
        "target n-abc 10.0.0.1 zone=use1-az1\n"
        "target * vpce-1.example.com:443\n"
        "target_dns off\n"
        "poll_interval 120\n"
        "poll_jitter 10\n"
        "output_dir /tmp/out\n"
        "mode nginx\n"
        "nginx_ports 443 9092 8443\n"
        "drop_after 5\n"
        "max_drop_percent 20\n"
        "proxy_address 2001:db8::1\n"
        "proxy_name \"edge-1\"\n"
        "log_level warn\n"), 0);

    CHECK_STR(c.api_url, "https://127.0.0.1:8443");
    CHECK_INT(c.all_environments, 0);
    CHECK_INT(c.environments.n, 2);
    CHECK_STR(c.environments.v[0], "env-a");
    CHECK_INT(c.services, CCL_SVC_KAFKA | CCL_SVC_FLINK);
    CHECK_INT(c.http_connect_timeout_ms, 2000);
    CHECK_INT(c.http_timeout_ms, 500);
    CHECK_INT(c.http_max_bytes, 2 * 1024 * 1024);
    CHECK_INT(c.backoff.base_ms, 200);
    CHECK_INT(c.backoff.max_ms, 5000);
    CHECK_INT(c.backoff.honour_max_ms, 30000);
    CHECK_INT(c.kafka_deadline_ms, 60000);
    CHECK_STR(ccl_conf_kafka_addr(&c, "lkc-1"), "127.0.0.1:9092");
    CHECK_STR(ccl_conf_kafka_addr(&c, "lkc-2"), "127.0.0.1:19092");
    CHECK_INT(c.ntargets, 2);
    CHECK_STR(c.targets[0].zone, "use1-az1");
    CHECK_INT(c.targets[0].line, 19);
    CHECK(c.targets[1].zone == NULL);
    CHECK_INT(c.target_dns, 0);
    CHECK_INT(c.mode, CCL_MODE_NGINX);
    CHECK_INT(c.nginx_ports[2], 8443);
    CHECK_INT(c.drop_after, 5);
    CHECK_STR(c.proxy_name, "edge-1");
    CHECK_INT(c.log_level, CCL_LOG_WARN);

    ccl_conf_release(&c);
}


static void
test_conf_errors_name_file_and_line(void)
{
    ccl_conf_t  c;

    CHECK_INT(parse(&c, "proxy_address 192.0.2.1\n\nbogus 1\n"), -1);
    CHECK(ccl_test_log_has("where=test.conf:3"));
    CHECK(ccl_test_log_has("unknown option \\\"bogus\\\""));
    ccl_conf_release(&c);

    ccl_test_log_clear();
    CHECK_INT(parse(&c, "page_size 1\npage_size 2\n"), -1);
    CHECK(ccl_test_log_has("where=test.conf:2"));
    CHECK(ccl_test_log_has("duplicate"));
    ccl_conf_release(&c);
}


static void
test_conf_rejects_bad_values(void)
{
    ccl_conf_t   c;
    size_t       i;

    static const char  *bad[] = {
        "api_url http://api.example\nproxy_address 192.0.2.1\n",
        "page_size 0\nproxy_address 192.0.2.1\n",
        "http_timeout 10x\nproxy_address 192.0.2.1\n",
        "services kafka ksql\nproxy_address 192.0.2.1\n",
        "mode proxy\nproxy_address 192.0.2.1\n",
        "target n-1 10.0.0.1 az1\nproxy_address 192.0.2.1\n",
        "target n-1 10.0.0.1:0\nproxy_address 192.0.2.1\n",
        "target n-1\nproxy_address 192.0.2.1\n",
        "proxy_address not-an-ip\n",
        "proxy_address 192.0.2.1\nproxy_name \"a b\"\n",
        "proxy_address 192.0.2.1\npoll_interval 60\npoll_jitter 31\n",
        "environments\nproxy_address 192.0.2.1\n",
        "proxy_address 192.0.2.1\nzone \"a;b\"\n",
        "",
    };

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse(&c, bad[i]) == 0) {
            ctest_fail(__FILE__, __LINE__, "accepted: %s", bad[i]);
        }
        ccl_conf_release(&c);
    }
}


static void
test_conf_override_wins(void)
{
    ccl_conf_t            c;
    ccl_conf_overrides_t  o;

    memset(&o, 0, sizeof(o));
    o.api_url = "https://127.0.0.1:9999";
    o.ca_file = "/x/ca.pem";
    o.output_dir = "/x/out";

    ccl_conf_init(&c);
    CHECK_INT(ccl_conf_parse(&c, "t", "api_url https://a.example\n"
                                 "proxy_address 192.0.2.1\n", 50), 0);
    CHECK_INT(ccl_conf_override(&c, &o), 0);
    CHECK_INT(ccl_conf_finish(&c), 0);

    CHECK_STR(c.api_url, "https://127.0.0.1:9999");
    CHECK_STR(c.ca_file, "/x/ca.pem");
    CHECK_STR(c.output_dir, "/x/out");

    ccl_conf_release(&c);

    o.api_url = "http://127.0.0.1:9999";
    ccl_conf_init(&c);
    CHECK_INT(ccl_conf_override(&c, &o), -1);
    ccl_conf_release(&c);
}


static void
test_credentials_file_must_be_private(void)
{
    char        path[4200], text[8300];
    ccl_conf_t  c;
    const char  *dir;

    dir = ccl_test_tmpdir();
    snprintf(path, sizeof(path), "%s/cloud.key", dir);
    write_file(path, "api_key KEYID\napi_secret S3CRET-VALUE\n", 0644);

    snprintf(text, sizeof(text), "proxy_address 192.0.2.1\n"
             "credentials_file %s\n", path);
    CHECK_INT(parse(&c, text), 0);

    CHECK_INT(ccl_conf_load_credentials(&c), -1);
    CHECK(ccl_test_log_has("accessible by group or others"));
    CHECK(ccl_test_log_has(path));
    CHECK(!ccl_test_log_has("S3CRET-VALUE"));

    chmod(path, 0600);
    CHECK_INT(ccl_conf_load_credentials(&c), 0);
    CHECK_STR(c.api_key, "KEYID");
    CHECK_STR(c.api_secret, "S3CRET-VALUE");

    ccl_conf_release(&c);
}


static void
test_credentials_from_environment_first(void)
{
    char        path[4200], text[8300];
    ccl_conf_t  c;

    snprintf(path, sizeof(path), "%s/cloud.key", ccl_test_tmpdir());
    write_file(path, "api_key FILEKEY\napi_secret filesecret\n", 0600);

    snprintf(text, sizeof(text), "proxy_address 192.0.2.1\n"
             "credentials_file %s\n", path);
    CHECK_INT(parse(&c, text), 0);

    setenv("CONFLUENT_CLOUD_API_KEY", "ENVKEY", 1);
    setenv("CONFLUENT_CLOUD_API_SECRET", "envsecret", 1);

    CHECK_INT(ccl_conf_load_credentials(&c), 0);
    CHECK_STR(c.api_key, "ENVKEY");
    CHECK_STR(c.api_key_source, "environment");

    unsetenv("CONFLUENT_CLOUD_API_KEY");
    unsetenv("CONFLUENT_CLOUD_API_SECRET");

    ccl_conf_release(&c);
}


static void
test_credentials_missing_is_an_error(void)
{
    ccl_conf_t  c;

    CHECK_INT(parse(&c, "proxy_address 192.0.2.1\n"), 0);
    CHECK_INT(ccl_conf_load_credentials(&c), -1);
    CHECK(ccl_test_log_has("no Cloud API key"));

    ccl_conf_release(&c);
}


static void
test_cloud_credentials_errors_hide_values(void)
{
    ccl_conf_t  c;

    ccl_conf_init(&c);

    CHECK_INT(ccl_conf_parse_cloud_credentials(&c, "k",
                  "api_key A\napi_key TOPSECRET\n", 29), -1);
    CHECK(ccl_test_log_has("where=k:2"));
    CHECK(!ccl_test_log_has("TOPSECRET"));

    CHECK_INT(ccl_conf_parse_cloud_credentials(&c, "k",
                  "api_key A\n", 10), -1);
    CHECK(ccl_test_log_has("needs both"));

    ccl_conf_release(&c);
}


static void
test_kafka_credentials(void)
{
    ccl_conf_t              c;
    const ccl_kafka_cred_t  *k;
    const char              *text;

    ccl_conf_init(&c);

    text = "# cluster key secret\nlkc-1 K1 s1\n\nlkc-2 K2 \"s 2\"\n";
    CHECK_INT(ccl_conf_parse_kafka_credentials(&c, "kc", text,
                                                   strlen(text)), 0);
    CHECK_INT(c.nkafka_creds, 2);

    k = ccl_conf_kafka_cred(&c, "lkc-2");
    CHECK(k != NULL && strcmp(k->secret, "s 2") == 0);
    CHECK(ccl_conf_kafka_cred(&c, "lkc-3") == NULL);

    ccl_conf_release(&c);
    ccl_conf_init(&c);

    text = "lkc-1 K1 s1\nlkc-1 K9 s9\n";
    CHECK_INT(ccl_conf_parse_kafka_credentials(&c, "kc", text,
                                                   strlen(text)), -1);
    CHECK(ccl_test_log_has("where=kc:2"));

    ccl_conf_release(&c);
}


void
ccl_suite_conf(void)
{
    CTEST_RUN(test_conf_template_parses);
    CTEST_RUN(test_conf_defaults);
    CTEST_RUN(test_conf_every_option);
    CTEST_RUN(test_conf_errors_name_file_and_line);
    CTEST_RUN(test_conf_rejects_bad_values);
    CTEST_RUN(test_conf_override_wins);
    CTEST_RUN(test_credentials_file_must_be_private);
    CTEST_RUN(test_credentials_from_environment_first);
    CTEST_RUN(test_credentials_missing_is_an_error);
    CTEST_RUN(test_cloud_credentials_errors_hide_values);
    CTEST_RUN(test_kafka_credentials);
}
