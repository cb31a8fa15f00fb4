/*
 * Copyright (C) cclink authors
 *
 * The configuration after parsing: command-line overrides, then checking
 * the options together and deriving defaults (ccl_conf.h).
 */


#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cclink_common.h"
#include "ccl_conf.h"
#include "ccl_log.h"


static int ccl_conf_finish_api_url(ccl_conf_t *c, const char *where);
static int ccl_conf_finish_defaults(ccl_conf_t *c);
static int ccl_conf_finish_proxy(ccl_conf_t *c, const char *where);
static int ccl_conf_finish_client(ccl_conf_t *c, const char *where);
static int ccl_conf_finish_names(ccl_conf_t *c, const char *where);
static int ccl_conf_finish_poll(ccl_conf_t *c, const char *where);


#define CCL_DEFAULT(field, value)  { offsetof(ccl_conf_t, field), value }


/* the defaults of string options, in the order they are set */
static const struct {
    size_t               offset;    /* of a char * in ccl_conf_t */
    const char          *value;
} ccl_conf_defaults[] = {
    CCL_DEFAULT(output_dir, "/var/lib/cclink"),
    CCL_DEFAULT(routes_file, "routes.conf"),
    CCL_DEFAULT(nginx_include_file, "nginx-cclink.conf"),
    CCL_DEFAULT(hosts_linux_file, "hosts-linux.txt"),
    CCL_DEFAULT(hosts_windows_file, "hosts-windows.txt"),
    CCL_DEFAULT(hosts_powershell_file, "hosts-apply.ps1"),
    CCL_DEFAULT(hosts_sh_file, "hosts-apply.sh"),
    CCL_DEFAULT(pac_file, "proxy.pac"),
    CCL_DEFAULT(state_file, "state.json"),
    CCL_DEFAULT(status_file, "status"),
    CCL_DEFAULT(nginx_test_command, "nginx -t -q"),
    CCL_DEFAULT(nginx_reload_command, "nginx -s reload"),
    CCL_DEFAULT(kafka_security_protocol, "SASL_SSL"),
    CCL_DEFAULT(kafka_sasl_mechanism, "PLAIN"),
    CCL_DEFAULT(dns_probe_label, "cclink-probe"),
    CCL_DEFAULT(proxy_name, "cclink"),
};


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
    const char  *where;

    where = (c->path != NULL) ? c->path : "command line";

    if (ccl_conf_finish_api_url(c, where) != 0) {
        return -1;
    }

    if (ccl_conf_finish_defaults(c) != 0) {
        return -1;
    }

    if (ccl_conf_finish_proxy(c, where) != 0) {
        return -1;
    }

    if (ccl_conf_finish_client(c, where) != 0) {
        return -1;
    }

    if (ccl_conf_finish_names(c, where) != 0) {
        return -1;
    }

    return ccl_conf_finish_poll(c, where);
}


/* api_url: the default, without trailing slashes, a plausible URL */
static int
ccl_conf_finish_api_url(ccl_conf_t *c, const char *where)
{
    size_t  len;

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

    return 0;
}


/* the string options left unset get their defaults, one at a time */
static int
ccl_conf_finish_defaults(ccl_conf_t *c)
{
    char   **field;
    size_t   i;

    for (i = 0; i < CCL_NELTS(ccl_conf_defaults); i++) {
        field = (char **) ((char *) c + ccl_conf_defaults[i].offset);

        if (*field != NULL) {
            continue;
        }

        if (ccl_conf_set_str(field, ccl_conf_defaults[i].value) != 0) {
            return -1;
        }
    }

    return 0;
}


/* proxy_address: required, an IPv4 or IPv6 address */
static int
ccl_conf_finish_proxy(ccl_conf_t *c, const char *where)
{
    unsigned char  addr[sizeof(struct in6_addr)];

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

    return 0;
}


/* proxy_name, zone, dns_probe_label: names of [A-Za-z0-9._-] */
static int
ccl_conf_finish_names(ccl_conf_t *c, const char *where)
{
    if (!ccl_conf_valid_name(c->proxy_name, 64)) {
        ccl_log(CCL_LOG_ERROR, "config_error",
                "where=%s option=proxy_name value=%s error=%s", where,
                c->proxy_name, "use 1 to 64 of A-Z a-z 0-9 . _ -");
        return -1;
    }

    if (c->zone != NULL && !ccl_conf_valid_name(c->zone, CCLINK_ZONE_MAX)) {
        ccl_log(CCL_LOG_ERROR, "config_error",
                "where=%s option=zone value=%s error=%s", where, c->zone,
                "use 1 to 32 of A-Z a-z 0-9 . _ -");
        return -1;
    }

    if (!ccl_conf_valid_name(c->dns_probe_label, CCLINK_LABEL_MAX)
        || strchr(c->dns_probe_label, '.') != NULL)
    {
        ccl_log(CCL_LOG_ERROR, "config_error",
                "where=%s option=dns_probe_label value=%s error=%s", where,
                c->dns_probe_label, "must be one DNS label");
        return -1;
    }

    return 0;
}


/* the cycle's timing and what it discovers */
static int
ccl_conf_finish_poll(ccl_conf_t *c, const char *where)
{
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
