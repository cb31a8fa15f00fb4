/*
 * Copyright (C) cclink authors
 *
 * The configuration after parsing: command-line overrides, then checking
 * the options together and deriving defaults (ccl_conf.h).
 */


#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccl_conf.h"
#include "ccl_log.h"


static int ccl_conf_finish_client(ccl_conf_t *c, const char *where);


int
ccl_conf_override(ccl_conf_t *c, const ccl_conf_overrides_t *o)
{
    int  level;

    if (o->api_url != NULL) {
        if (!ccl_str_casecmp_prefix(o->api_url, "https://")) {
            ccl_log(CCL_LOG_ERROR, "config_error",
                    "option=--api-url value=%s error=%s", o->api_url,
                    "must be an https:// URL");
            return -1;
        }
        if (ccl_conf_set_str(&c->api_url, o->api_url) != 0) {
            return -1;
        }
    }

    if (o->ca_file != NULL && ccl_conf_set_str(&c->ca_file, o->ca_file) != 0)
    {
        return -1;
    }

    if (o->output_dir != NULL
        && ccl_conf_set_str(&c->output_dir, o->output_dir) != 0)
    {
        return -1;
    }

    if (o->log_level != NULL) {
        level = ccl_log_parse_level(o->log_level);
        if (level < 0) {
            ccl_log(CCL_LOG_ERROR, "config_error",
                    "option=--log-level value=%s error=%s", o->log_level,
                    "must be debug, info, warn or error");
            return -1;
        }
        c->log_level = level;
    }

    return 0;
}


int
ccl_conf_finish(ccl_conf_t *c)
{
    size_t           len;
    const char      *where;
    unsigned char    addr[sizeof(struct in6_addr)];

    where = (c->path != NULL) ? c->path : "command line";

    if (c->api_url == NULL
        && ccl_conf_set_str(&c->api_url, CCL_CONF_DEFAULT_API) != 0)
    {
        return -1;
    }

    len = strlen(c->api_url);
    while (len > 0 && c->api_url[len - 1] == '/') {
        c->api_url[--len] = '\0';
    }

    if (len <= 8 || strchr(c->api_url, '?') != NULL
        || strchr(c->api_url, '#') != NULL)
    {
        ccl_log(CCL_LOG_ERROR, "config_error",
                "where=%s option=api_url value=%s error=%s", where,
                c->api_url, "invalid URL");
        return -1;
    }

    if ((c->output_dir == NULL
         && ccl_conf_set_str(&c->output_dir, "/var/lib/cclink") != 0)
        || (c->routes_file == NULL
            && ccl_conf_set_str(&c->routes_file, "routes.conf") != 0)
        || (c->nginx_include_file == NULL
            && ccl_conf_set_str(&c->nginx_include_file,
                                "nginx-cclink.conf") != 0)
        || (c->hosts_linux_file == NULL
            && ccl_conf_set_str(&c->hosts_linux_file, "hosts-linux.txt") != 0)
        || (c->hosts_windows_file == NULL
            && ccl_conf_set_str(&c->hosts_windows_file,
                                "hosts-windows.txt") != 0)
        || (c->hosts_powershell_file == NULL
            && ccl_conf_set_str(&c->hosts_powershell_file,
                                "hosts-apply.ps1") != 0)
        || (c->hosts_sh_file == NULL
            && ccl_conf_set_str(&c->hosts_sh_file, "hosts-apply.sh") != 0)
        || (c->pac_file == NULL
            && ccl_conf_set_str(&c->pac_file, "proxy.pac") != 0)
        || (c->state_file == NULL
            && ccl_conf_set_str(&c->state_file, "state.json") != 0)
        || (c->status_file == NULL
            && ccl_conf_set_str(&c->status_file, "status") != 0)
        || (c->nginx_test_command == NULL
            && ccl_conf_set_str(&c->nginx_test_command, "nginx -t -q") != 0)
        || (c->nginx_reload_command == NULL
            && ccl_conf_set_str(&c->nginx_reload_command,
                                "nginx -s reload") != 0)
        || (c->kafka_security_protocol == NULL
            && ccl_conf_set_str(&c->kafka_security_protocol,
                                "SASL_SSL") != 0)
        || (c->kafka_sasl_mechanism == NULL
            && ccl_conf_set_str(&c->kafka_sasl_mechanism, "PLAIN") != 0)
        || (c->dns_probe_label == NULL
            && ccl_conf_set_str(&c->dns_probe_label, "cclink-probe") != 0)
        || (c->proxy_name == NULL
            && ccl_conf_set_str(&c->proxy_name, "cclink") != 0))
    {
        return -1;
    }

    if (c->proxy_address == NULL) {
        ccl_log(CCL_LOG_ERROR, "config_error",
                "where=%s option=proxy_address error=%s", where,
                "missing: the address clients use to reach this proxy");
        return -1;
    }

    if (inet_pton(AF_INET, c->proxy_address, addr) != 1
        && inet_pton(AF_INET6, c->proxy_address, addr) != 1)
    {
        ccl_log(CCL_LOG_ERROR, "config_error",
                "where=%s option=proxy_address value=%s error=%s", where,
                c->proxy_address, "not an IPv4 or IPv6 address");
        return -1;
    }

    if (ccl_conf_finish_client(c, where) != 0) {
        return -1;
    }

    if (!ccl_conf_valid_name(c->proxy_name, 64)) {
        ccl_log(CCL_LOG_ERROR, "config_error",
                "where=%s option=proxy_name value=%s error=%s", where,
                c->proxy_name, "use 1 to 64 of A-Z a-z 0-9 . _ -");
        return -1;
    }

    if (c->zone != NULL && !ccl_conf_valid_name(c->zone, 32)) {
        ccl_log(CCL_LOG_ERROR, "config_error",
                "where=%s option=zone value=%s error=%s", where, c->zone,
                "use 1 to 32 of A-Z a-z 0-9 . _ -");
        return -1;
    }

    if (!ccl_conf_valid_name(c->dns_probe_label, 63)
        || strchr(c->dns_probe_label, '.') != NULL)
    {
        ccl_log(CCL_LOG_ERROR, "config_error",
                "where=%s option=dns_probe_label value=%s error=%s", where,
                c->dns_probe_label, "must be one DNS label");
        return -1;
    }

    c->backoff.honour_max_ms = (uint64_t) c->retry_after_max_ms;

    if (c->poll_jitter * 2 > c->poll_interval) {
        ccl_log(CCL_LOG_ERROR, "config_error",
                "where=%s option=poll_jitter error=%s", where,
                "must be at most half of poll_interval");
        return -1;
    }

    if (!c->all_environments && c->environments.n == 0) {
        ccl_log(CCL_LOG_ERROR, "config_error",
                "where=%s option=environments error=%s", where,
                "no environment configured");
        return -1;
    }

    return 0;
}


/* the client folder's options (ccl_client.h) */
static int
ccl_conf_finish_client(ccl_conf_t *c, const char *where)
{
    unsigned char  addr[16];
    const char    *p;

    if (c->client_dir == NULL
        && ccl_conf_set_str(&c->client_dir, "client") != 0)
    {
        return -1;
    }

    if (c->client_dns_address != NULL
        && inet_pton(AF_INET, c->client_dns_address, addr) != 1
        && inet_pton(AF_INET6, c->client_dns_address, addr) != 1)
    {
        ccl_log(CCL_LOG_ERROR, "config_error",
                "where=%s option=client_dns_address value=%s error=%s",
                where, c->client_dns_address, "not an IPv4 or IPv6 address");
        return -1;
    }

    if (c->client_url == NULL) {
        return 0;
    }

    /* it goes into shell commands and a web page: no quoting needed */
    for (p = c->client_url; *p != '\0'; p++) {
        if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789.-_~:/[]%", *p) == NULL)
        {
            break;
        }
    }

    if (*p != '\0'
        || (!ccl_str_has_prefix(c->client_url, "http://")
            && !ccl_str_has_prefix(c->client_url, "https://")))
    {
        ccl_log(CCL_LOG_ERROR, "config_error",
                "where=%s option=client_url value=\"%s\" error=%s", where,
                c->client_url, "use an http:// or https:// URL of letters, "
                "digits and . - _ ~ : / [ ] %");
        return -1;
    }

    return 0;
}
