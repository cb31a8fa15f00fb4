/*
 * Copyright (C) cclink authors
 *
 * The configuration file: its option table, reading and parsing it into
 * ccl_conf_t (ccl_conf.h). Its lines are read by ccl_conf_lines.c;
 * checking and deriving are in ccl_conf_check.c, credentials in
 * ccl_cred.c.
 */


#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cclink_common.h"
#include "ccl_conf.h"
#include "ccl_file.h"
#include "ccl_log.h"


#define CCL_CONF_MAX_FILE    (1024 * 1024)


typedef enum {
    CCL_OPT_STR = 0,
    CCL_OPT_URL,
    CCL_OPT_TIME,         /* long, milliseconds; value in s unless suffixed */
    CCL_OPT_SECONDS,      /* long, seconds */
    CCL_OPT_UINT,
    CCL_OPT_SIZE,
    CCL_OPT_FLAG,
    CCL_OPT_SPECIAL
} ccl_opt_type_e;


typedef struct ccl_opt_s  ccl_opt_t;

typedef int (*ccl_opt_handler_pt)(ccl_conf_t *c, const ccl_opt_t *opt,
    char **args, int nargs, const char *where);


struct ccl_opt_s {
    const char          *name;
    int                  type;
    size_t               offset;
    long                 min;
    long                 max;
    ccl_opt_handler_pt   handler;    /* CCL_OPT_SPECIAL */
};


/* a unit after a number: "ms", "k"; the table ends with a NULL unit */
typedef struct {
    const char          *unit;
    long                 mul;
} ccl_conf_unit_t;


static int ccl_conf_set_environments(ccl_conf_t *c, const ccl_opt_t *opt,
    char **args, int nargs, const char *where);
static int ccl_conf_set_services(ccl_conf_t *c, const ccl_opt_t *opt,
    char **args, int nargs, const char *where);
static int ccl_conf_set_target(ccl_conf_t *c, const ccl_opt_t *opt,
    char **args, int nargs, const char *where);
static int ccl_conf_set_kafka_addr(ccl_conf_t *c, const ccl_opt_t *opt,
    char **args, int nargs, const char *where);
static int ccl_conf_set_mode(ccl_conf_t *c, const ccl_opt_t *opt,
    char **args, int nargs, const char *where);
static int ccl_conf_set_ports(ccl_conf_t *c, const ccl_opt_t *opt,
    char **args, int nargs, const char *where);
static int ccl_conf_set_log_level(ccl_conf_t *c, const ccl_opt_t *opt,
    char **args, int nargs, const char *where);
static int ccl_conf_set_backoff(ccl_conf_t *c, const ccl_opt_t *opt,
    char **args, int nargs, const char *where);
static int ccl_conf_apply(ccl_conf_t *c, const ccl_opt_t *opt, char **args,
    int nargs, const char *where);
static int ccl_conf_option_line(ccl_conf_t *c, const char *where,
    char **args, int nargs, void *data);
static int ccl_conf_parse_time(const char *s, long *ms);
static int ccl_conf_parse_size(const char *s, size_t *out);
static int ccl_conf_parse_unit(const char *s, const ccl_conf_unit_t *units,
    long max, long *out);


#define CCL_OFF(field)  offsetof(ccl_conf_t, field)

static const ccl_opt_t  ccl_conf_opts[] = {
    { "api_url", CCL_OPT_URL, CCL_OFF(api_url), 0, 0, NULL },
    { "ca_file", CCL_OPT_STR, CCL_OFF(ca_file), 0, 0, NULL },
    { "credentials_file", CCL_OPT_STR, CCL_OFF(credentials_file), 0, 0,
      NULL },
    { "environments", CCL_OPT_SPECIAL, 0, 0, 0, ccl_conf_set_environments },
    { "services", CCL_OPT_SPECIAL, 0, 0, 0, ccl_conf_set_services },
    { "page_size", CCL_OPT_UINT, CCL_OFF(page_size), 1, 1000, NULL },
    { "http_connect_timeout", CCL_OPT_TIME,
      CCL_OFF(http_connect_timeout_ms), 100, 300000, NULL },
    { "http_timeout", CCL_OPT_TIME, CCL_OFF(http_timeout_ms), 100,
      3600000, NULL },
    { "http_max_bytes", CCL_OPT_SIZE, CCL_OFF(http_max_bytes), 1024,
      1024L * 1024 * 1024, NULL },
    { "http_retries", CCL_OPT_UINT, CCL_OFF(http_retries), 0, 20, NULL },
    { "retry_backoff", CCL_OPT_SPECIAL, 0, 0, 0, ccl_conf_set_backoff },
    { "retry_after_max", CCL_OPT_TIME, CCL_OFF(retry_after_max_ms), 0,
      3600000, NULL },

    { "kafka_credentials_file", CCL_OPT_STR,
      CCL_OFF(kafka_credentials_file), 0, 0, NULL },
    { "kafka_security_protocol", CCL_OPT_STR,
      CCL_OFF(kafka_security_protocol), 0, 0, NULL },
    { "kafka_sasl_mechanism", CCL_OPT_STR, CCL_OFF(kafka_sasl_mechanism),
      0, 0, NULL },
    { "kafka_ca_file", CCL_OPT_STR, CCL_OFF(kafka_ca_file), 0, 0, NULL },
    { "kafka_socket_timeout", CCL_OPT_TIME,
      CCL_OFF(kafka_socket_timeout_ms), 100, 300000, NULL },
    { "kafka_deadline", CCL_OPT_TIME, CCL_OFF(kafka_deadline_ms), 100,
      600000, NULL },
    { "kafka_bootstrap_address", CCL_OPT_SPECIAL, 0, 0, 0,
      ccl_conf_set_kafka_addr },

    { "zone", CCL_OPT_STR, CCL_OFF(zone), 0, 0, NULL },
    { "target", CCL_OPT_SPECIAL, 0, 0, 0, ccl_conf_set_target },
    { "target_dns", CCL_OPT_FLAG, CCL_OFF(target_dns), 0, 0, NULL },
    { "allow_local_targets", CCL_OPT_FLAG, CCL_OFF(allow_local_targets), 0,
      0, NULL },
    { "dns_probe_label", CCL_OPT_STR, CCL_OFF(dns_probe_label), 0, 0,
      NULL },

    { "poll_interval", CCL_OPT_SECONDS, CCL_OFF(poll_interval), 5, 86400,
      NULL },
    { "poll_jitter", CCL_OPT_SECONDS, CCL_OFF(poll_jitter), 0, 3600, NULL },

    { "output_dir", CCL_OPT_STR, CCL_OFF(output_dir), 0, 0, NULL },
    { "routes_file", CCL_OPT_STR, CCL_OFF(routes_file), 0, 0, NULL },
    { "nginx_include_file", CCL_OPT_STR, CCL_OFF(nginx_include_file), 0, 0,
      NULL },
    { "hosts_linux_file", CCL_OPT_STR, CCL_OFF(hosts_linux_file), 0, 0,
      NULL },
    { "hosts_windows_file", CCL_OPT_STR, CCL_OFF(hosts_windows_file), 0, 0,
      NULL },
    { "hosts_powershell_file", CCL_OPT_STR, CCL_OFF(hosts_powershell_file),
      0, 0, NULL },
    { "hosts_sh_file", CCL_OPT_STR, CCL_OFF(hosts_sh_file), 0, 0, NULL },
    { "pac_proxy", CCL_OPT_STR, CCL_OFF(pac_proxy), 0, 0, NULL },
    { "pac_file", CCL_OPT_STR, CCL_OFF(pac_file), 0, 0, NULL },
    { "state_file", CCL_OPT_STR, CCL_OFF(state_file), 0, 0, NULL },
    { "status_file", CCL_OPT_STR, CCL_OFF(status_file), 0, 0, NULL },
    { "content_serial", CCL_OPT_FLAG, CCL_OFF(content_serial), 0, 0, NULL },
    { "route_attributes", CCL_OPT_FLAG, CCL_OFF(route_attributes), 0, 0,
      NULL },
    { "mode", CCL_OPT_SPECIAL, 0, 0, 0, ccl_conf_set_mode },
    { "nginx_test_include", CCL_OPT_STR, CCL_OFF(nginx_test_include), 0, 0,
      NULL },
    { "nginx_test_command", CCL_OPT_STR, CCL_OFF(nginx_test_command), 0, 0,
      NULL },
    { "nginx_reload_command", CCL_OPT_STR, CCL_OFF(nginx_reload_command), 0,
      0, NULL },
    { "nginx_ports", CCL_OPT_SPECIAL, 0, 0, 0, ccl_conf_set_ports },
    { "command_timeout", CCL_OPT_TIME, CCL_OFF(command_timeout_ms), 100,
      600000, NULL },
    { "drop_after", CCL_OPT_UINT, CCL_OFF(drop_after), 1, 1000, NULL },
    { "max_drop_percent", CCL_OPT_UINT, CCL_OFF(max_drop_percent), 0, 100,
      NULL },

    { "proxy_address", CCL_OPT_STR, CCL_OFF(proxy_address), 0, 0, NULL },
    { "proxy_name", CCL_OPT_STR, CCL_OFF(proxy_name), 0, 0, NULL },

    { "client_dir", CCL_OPT_STR, CCL_OFF(client_dir), 0, 0, NULL },
    { "client_url", CCL_OPT_STR, CCL_OFF(client_url), 0, 0, NULL },
    { "client_dns_address", CCL_OPT_STR, CCL_OFF(client_dns_address), 0, 0,
      NULL },
    { "client_dns_port", CCL_OPT_UINT, CCL_OFF(client_dns_port), 1, 65535,
      NULL },

    { "log_level", CCL_OPT_SPECIAL, 0, 0, 0, ccl_conf_set_log_level },

    { NULL, 0, 0, 0, 0, NULL }
};


void
ccl_conf_init(ccl_conf_t *c)
{
    memset(c, 0, sizeof(*c));

    ccl_strv_init(&c->environments);
    c->all_environments = 1;
    c->services = CCL_SVC_KAFKA | CCL_SVC_SCHEMA_REGISTRY | CCL_SVC_FLINK;
    c->page_size = 100;
    c->http_connect_timeout_ms = 10000;
    c->http_timeout_ms = 30000;
    c->http_max_bytes = 16 * 1024 * 1024;
    c->http_retries = 4;
    c->backoff.base_ms = 1000;
    c->backoff.max_ms = 30000;
    c->backoff.honour_max_ms = 120000;
    c->retry_after_max_ms = 120000;
    c->kafka_socket_timeout_ms = 10000;
    c->kafka_deadline_ms = 30000;
    c->target_dns = 1;
    c->poll_interval = 60;
    c->poll_jitter = 6;
    c->mode = CCL_MODE_MODULE;
    c->nginx_ports[0] = 443;
    c->nginx_ports[1] = 9092;
    c->nnginx_ports = 2;
    c->command_timeout_ms = 30000;
    c->drop_after = 3;
    c->max_drop_percent = 50;
    c->log_level = CCL_LOG_INFO;
}


void
ccl_conf_release(ccl_conf_t *c)
{
    size_t  i;

    free(c->path);
    free(c->api_url);
    free(c->ca_file);
    free(c->credentials_file);
    ccl_strv_release(&c->environments);

    free(c->kafka_credentials_file);
    ccl_cred_release(c);
    free(c->kafka_security_protocol);
    free(c->kafka_sasl_mechanism);
    free(c->kafka_ca_file);
    for (i = 0; i < c->nkafka_addrs; i++) {
        free(c->kafka_addrs[i].cluster);
        free(c->kafka_addrs[i].address);
    }
    free(c->kafka_addrs);

    free(c->zone);
    for (i = 0; i < c->ntargets; i++) {
        free(c->targets[i].key);
        free(c->targets[i].address);
        free(c->targets[i].zone);
    }
    free(c->targets);
    free(c->dns_probe_label);

    free(c->output_dir);
    free(c->routes_file);
    free(c->nginx_include_file);
    free(c->hosts_linux_file);
    free(c->hosts_windows_file);
    free(c->hosts_powershell_file);
    free(c->hosts_sh_file);
    free(c->pac_proxy);
    free(c->pac_file);
    free(c->state_file);
    free(c->status_file);
    free(c->nginx_test_command);
    free(c->nginx_test_include);
    free(c->nginx_reload_command);
    free(c->proxy_address);
    free(c->proxy_name);
    free(c->client_dir);
    free(c->client_url);
    free(c->client_dns_address);

    ccl_conf_init(c);
}


int
ccl_conf_load(ccl_conf_t *c, const char *path)
{
    int        rc;
    ccl_buf_t  b;

    ccl_buf_init(&b, CCL_CONF_MAX_FILE + 1);

    if (ccl_file_read(path, CCL_CONF_MAX_FILE, &b) != 0) {
        if (errno == ENOENT) {
            ccl_log(CCL_LOG_ERROR, "config_error", "path=%s error=%s", path,
                    "no such file");
        }
        ccl_buf_release(&b);
        return -1;
    }

    rc = ccl_conf_parse(c, path, b.data, b.len);

    ccl_buf_release(&b);

    return rc;
}


int
ccl_conf_parse(ccl_conf_t *c, const char *path, const char *text,
    size_t len)
{
    unsigned char  seen[CCL_NELTS(ccl_conf_opts)];

    if (ccl_conf_set_str(&c->path, path) != 0) {
        return -1;
    }

    memset(seen, 0, sizeof(seen));

    return ccl_conf_each_line(c, path, text, len, CCL_CONF_MAX_FIELDS,
                              "line too long or holds a NUL byte",
                              ccl_conf_option_line, seen);
}


/* "name value...": a known option, once unless it may repeat */
static int
ccl_conf_option_line(ccl_conf_t *c, const char *where, char **args,
    int nargs, void *data)
{
    unsigned char    *seen;
    const ccl_opt_t  *opt;

    seen = data;

    if (nargs < 0) {
        ccl_conf_error(where, "unterminated quote or too many values");
        return -1;
    }

    for (opt = ccl_conf_opts; opt->name != NULL; opt++) {
        if (strcmp(opt->name, args[0]) == 0) {
            break;
        }
    }

    if (opt->name == NULL) {
        ccl_conf_error(where, "unknown option \"%s\"", args[0]);
        return -1;
    }

    if (opt->handler != ccl_conf_set_target
        && opt->handler != ccl_conf_set_kafka_addr)
    {
        if (seen[opt - ccl_conf_opts]) {
            ccl_conf_error(where, "duplicate option \"%s\"", args[0]);
            return -1;
        }
        seen[opt - ccl_conf_opts] = 1;
    }

    if (ccl_conf_apply(c, opt, args + 1, nargs - 1, where) != 0) {
        return -1;
    }

    return 0;
}


static int
ccl_conf_apply(ccl_conf_t *c, const ccl_opt_t *opt, char **args, int nargs,
    const char *where)
{
    long            v;
    char           *base;
    size_t          sz;
    unsigned long   u;

    if (opt->type == CCL_OPT_SPECIAL) {
        return opt->handler(c, opt, args, nargs, where);
    }

    if (nargs != 1) {
        ccl_conf_error(where, "option \"%s\" takes exactly one value",
                       opt->name);
        return -1;
    }

    base = (char *) c;

    switch (opt->type) {

    case CCL_OPT_STR:
    case CCL_OPT_URL:
        if (args[0][0] == '\0') {
            ccl_conf_error(where, "empty value for \"%s\"", opt->name);
            return -1;
        }

        if (opt->type == CCL_OPT_URL
            && !ccl_str_casecmp_prefix(args[0], "https://"))
        {
            ccl_conf_error(where, "\"%s\" must be an https:// URL",
                           opt->name);
            return -1;
        }

        return ccl_conf_set_str((char **) (base + opt->offset), args[0]);

    case CCL_OPT_TIME:
        if (ccl_conf_parse_time(args[0], &v) != 0
            || v < opt->min || v > opt->max)
        {
            ccl_conf_error(where, "invalid time \"%s\"", args[0]);
            return -1;
        }
        *(long *) (base + opt->offset) = v;
        return 0;

    case CCL_OPT_SECONDS:
        if (ccl_conf_parse_time(args[0], &v) != 0
            || v / 1000 < opt->min || v / 1000 > opt->max)
        {
            ccl_conf_error(where, "invalid number of seconds \"%s\"",
                           args[0]);
            return -1;
        }
        *(long *) (base + opt->offset) = v / 1000;
        return 0;

    case CCL_OPT_UINT:
        if (ccl_parse_ulong(args[0], (unsigned long) opt->max, &u) != 0
            || (long) u < opt->min)
        {
            ccl_conf_error(where, "invalid number \"%s\"", args[0]);
            return -1;
        }
        *(unsigned *) (base + opt->offset) = (unsigned) u;
        return 0;

    case CCL_OPT_SIZE:
        if (ccl_conf_parse_size(args[0], &sz) != 0
            || sz < (size_t) opt->min || sz > (size_t) opt->max)
        {
            ccl_conf_error(where, "invalid size \"%s\"", args[0]);
            return -1;
        }
        *(size_t *) (base + opt->offset) = sz;
        return 0;

    case CCL_OPT_FLAG:
        if (strcmp(args[0], "on") == 0) {
            *(int *) (base + opt->offset) = 1;
            return 0;
        }
        if (strcmp(args[0], "off") == 0) {
            *(int *) (base + opt->offset) = 0;
            return 0;
        }
        ccl_conf_error(where, "expected \"on\" or \"off\", got \"%s\"",
                       args[0]);
        return -1;
    }

    return -1;
}


int
ccl_conf_set_str(char **dst, const char *value)
{
    char  *p;

    p = ccl_strdup(value);
    if (p == NULL) {
        ccl_log(CCL_LOG_ERROR, "config_error", "error=%s", "out of memory");
        return -1;
    }

    free(*dst);
    *dst = p;

    return 0;
}


/* "30", "30s", "500ms", "5m", "1h": milliseconds */

static int
ccl_conf_parse_time(const char *s, long *ms)
{
    static const ccl_conf_unit_t  units[] = {
        { "", 1000 }, { "s", 1000 }, { "ms", 1 }, { "m", 60000 },
        { "h", 3600000 }, { NULL, 0 }
    };

    return ccl_conf_parse_unit(s, units, 86400L * 1000, ms);
}


/* "4096", "64k", "1M": bytes */

static int
ccl_conf_parse_size(const char *s, size_t *out)
{
    long  v;

    static const ccl_conf_unit_t  units[] = {
        { "", 1 }, { "k", 1024 }, { "K", 1024 }, { "m", 1024 * 1024 },
        { "M", 1024 * 1024 }, { NULL, 0 }
    };

    if (ccl_conf_parse_unit(s, units, 1024L * 1024 * 1024, &v) != 0) {
        return -1;
    }

    *out = (size_t) v;

    return 0;
}


/* digits (at most max) and one of the units: their product in *out */

static int
ccl_conf_parse_unit(const char *s, const ccl_conf_unit_t *units, long max,
    long *out)
{
    long    v;
    char    num[32];
    size_t  n;

    n = 0;
    while (isdigit((unsigned char) s[n])) {
        n++;
    }

    if (n == 0 || n >= sizeof(num)) {
        return -1;
    }

    memcpy(num, s, n);
    num[n] = '\0';

    while (units->unit != NULL && strcmp(s + n, units->unit) != 0) {
        units++;
    }

    if (units->unit == NULL) {
        return -1;
    }

    if (ccl_parse_long(num, 0, max, &v) != 0) {
        return -1;
    }

    *out = v * units->mul;

    return 0;
}


int
ccl_conf_valid_name(const char *s, size_t max)
{
    return cclink_valid_name(s, strlen(s), max);
}


static int
ccl_conf_set_environments(ccl_conf_t *c, const ccl_opt_t *opt, char **args,
    int nargs, const char *where)
{
    int  i;

    if (nargs == 0) {
        ccl_conf_error(where, "\"%s\" needs \"all\" or environment ids",
                       opt->name);
        return -1;
    }

    ccl_strv_release(&c->environments);

    if (nargs == 1 && strcmp(args[0], "all") == 0) {
        c->all_environments = 1;
        return 0;
    }

    c->all_environments = 0;

    for (i = 0; i < nargs; i++) {
        if (!ccl_conf_valid_name(args[i], 255) || strcmp(args[i], "all") == 0)
        {
            ccl_conf_error(where, "invalid environment id \"%s\"", args[i]);
            return -1;
        }

        if (ccl_strv_add(&c->environments, args[i]) != 0) {
            return -1;
        }
    }

    ccl_strv_sort(&c->environments);
    ccl_strv_uniq(&c->environments);

    return 0;
}


static int
ccl_conf_set_services(ccl_conf_t *c, const ccl_opt_t *opt, char **args,
    int nargs, const char *where)
{
    int  i;

    if (nargs == 0) {
        ccl_conf_error(where, "\"%s\" needs at least one service",
                       opt->name);
        return -1;
    }

    c->services = 0;

    for (i = 0; i < nargs; i++) {
        if (strcasecmp(args[i], "kafka") == 0) {
            c->services |= CCL_SVC_KAFKA;

        } else if (strcasecmp(args[i], "schema_registry") == 0
                   || strcasecmp(args[i], "schema-registry") == 0)
        {
            c->services |= CCL_SVC_SCHEMA_REGISTRY;

        } else if (strcasecmp(args[i], "flink") == 0) {
            c->services |= CCL_SVC_FLINK;

        } else {
            ccl_conf_error(where, "unknown service \"%s\" (expected kafka, "
                           "schema_registry or flink)", args[i]);
            return -1;
        }
    }

    return 0;
}


static int
ccl_conf_set_target(ccl_conf_t *c, const ccl_opt_t *opt, char **args,
    int nargs, const char *where)
{
    char               *colon;
    const char         *zone;
    unsigned long       line;
    ccl_target_conf_t  *t, *nt;

    if (nargs < 2 || nargs > 3) {
        ccl_conf_error(where, "usage: %s KEY ADDRESS [zone=ZONE]",
                       opt->name);
        return -1;
    }

    if (strcmp(args[0], "*") != 0 && !ccl_conf_valid_name(args[0], 253)) {
        ccl_conf_error(where, "invalid target key \"%s\"", args[0]);
        return -1;
    }

    zone = NULL;

    if (nargs == 3) {
        if (strncmp(args[2], "zone=", 5) != 0
            || !ccl_conf_valid_name(args[2] + 5, 32))
        {
            ccl_conf_error(where, "invalid zone \"%s\" (expected zone=LABEL)",
                           args[2]);
            return -1;
        }
        zone = args[2] + 5;
    }

    /* an address: IPv4[:port], IPv6, [IPv6]:port or a host name[:port] */
    if (args[1][0] == '\0' || strchr(args[1], '/') != NULL) {
        ccl_conf_error(where, "invalid target address \"%s\"", args[1]);
        return -1;
    }

    colon = strchr(args[1], ':');
    if (colon != NULL && strchr(colon + 1, ':') == NULL
        && args[1][0] != '[')
    {
        if (ccl_parse_ulong(colon + 1, 65535, &line) != 0 || line == 0) {
            ccl_conf_error(where, "invalid port in \"%s\"", args[1]);
            return -1;
        }
    }

    nt = realloc(c->targets, (c->ntargets + 1) * sizeof(ccl_target_conf_t));
    if (nt == NULL) {
        return -1;
    }

    c->targets = nt;
    t = &c->targets[c->ntargets];
    memset(t, 0, sizeof(*t));

    t->key = ccl_strdup(args[0]);
    t->address = ccl_strdup(args[1]);
    t->zone = ccl_strdup(zone);

    colon = strrchr(where, ':');
    line = 0;
    if (colon != NULL) {
        (void) ccl_parse_ulong(colon + 1, 1UL << 30, &line);
    }
    t->line = (unsigned) line;

    c->ntargets++;

    if (t->key == NULL || t->address == NULL || (zone != NULL
                                                 && t->zone == NULL))
    {
        return -1;
    }

    ccl_str_lower(t->key);

    return 0;
}


static int
ccl_conf_set_kafka_addr(ccl_conf_t *c, const ccl_opt_t *opt, char **args,
    int nargs, const char *where)
{
    ccl_kafka_addr_t  *na, *a;

    if (nargs != 2) {
        ccl_conf_error(where, "usage: %s CLUSTER|* HOST[:PORT]", opt->name);
        return -1;
    }

    if (strcmp(args[0], "*") != 0 && !ccl_conf_valid_name(args[0], 255)) {
        ccl_conf_error(where, "invalid cluster id \"%s\"", args[0]);
        return -1;
    }

    na = realloc(c->kafka_addrs,
                 (c->nkafka_addrs + 1) * sizeof(ccl_kafka_addr_t));
    if (na == NULL) {
        return -1;
    }

    c->kafka_addrs = na;
    a = &c->kafka_addrs[c->nkafka_addrs++];
    a->cluster = ccl_strdup(args[0]);
    a->address = ccl_strdup(args[1]);

    if (a->cluster == NULL || a->address == NULL) {
        return -1;
    }

    return 0;
}


static int
ccl_conf_set_mode(ccl_conf_t *c, const ccl_opt_t *opt, char **args,
    int nargs, const char *where)
{
    if (nargs == 1 && strcmp(args[0], "module") == 0) {
        c->mode = CCL_MODE_MODULE;
        return 0;
    }

    if (nargs == 1 && strcmp(args[0], "nginx") == 0) {
        c->mode = CCL_MODE_NGINX;
        return 0;
    }

    ccl_conf_error(where, "\"%s\" must be \"module\" or \"nginx\"",
                   opt->name);

    return -1;
}


static int
ccl_conf_set_ports(ccl_conf_t *c, const ccl_opt_t *opt, char **args,
    int nargs, const char *where)
{
    int             i;
    unsigned        j;
    unsigned long   p;

    if (nargs == 0 || nargs > CCL_CONF_MAX_PORTS) {
        ccl_conf_error(where, "\"%s\" takes 1 to 8 ports", opt->name);
        return -1;
    }

    c->nnginx_ports = 0;

    for (i = 0; i < nargs; i++) {
        if (ccl_parse_ulong(args[i], 65535, &p) != 0 || p == 0) {
            ccl_conf_error(where, "invalid port \"%s\"", args[i]);
            return -1;
        }

        for (j = 0; j < c->nnginx_ports; j++) {
            if (c->nginx_ports[j] == p) {
                ccl_conf_error(where, "duplicate port \"%s\"", args[i]);
                return -1;
            }
        }

        c->nginx_ports[c->nnginx_ports++] = (unsigned) p;
    }

    return 0;
}


static int
ccl_conf_set_log_level(ccl_conf_t *c, const ccl_opt_t *opt, char **args,
    int nargs, const char *where)
{
    int  level;

    level = (nargs == 1) ? ccl_log_parse_level(args[0]) : -1;

    if (level < 0) {
        ccl_conf_error(where, "\"%s\" must be debug, info, warn or error",
                       opt->name);
        return -1;
    }

    c->log_level = level;

    return 0;
}


static int
ccl_conf_set_backoff(ccl_conf_t *c, const ccl_opt_t *opt, char **args,
    int nargs, const char *where)
{
    long  a, b;

    /* retry_backoff BASE MAX */
    if (nargs != 2 || ccl_conf_parse_time(args[0], &a) != 0
        || ccl_conf_parse_time(args[1], &b) != 0 || a <= 0 || b < a)
    {
        ccl_conf_error(where, "usage: %s BASE MAX (for example 1s 30s)",
                       opt->name);
        return -1;
    }

    c->backoff.base_ms = (uint64_t) a;
    c->backoff.max_ms = (uint64_t) b;

    return 0;
}


const char *
ccl_conf_kafka_addr(const ccl_conf_t *c, const char *cluster)
{
    size_t       i;
    const char  *any;

    any = NULL;

    for (i = 0; i < c->nkafka_addrs; i++) {
        if (strcmp(c->kafka_addrs[i].cluster, cluster) == 0) {
            return c->kafka_addrs[i].address;
        }
        if (strcmp(c->kafka_addrs[i].cluster, "*") == 0) {
            any = c->kafka_addrs[i].address;
        }
    }

    return any;
}


int
ccl_conf_path(const ccl_conf_t *c, const char *name, char *out, size_t size)
{
    return ccl_file_join(out, size, c->output_dir, name);
}


const char *
ccl_conf_service_name(unsigned service)
{
    switch (service) {
    case CCL_SVC_KAFKA:
        return "KAFKA";
    case CCL_SVC_SCHEMA_REGISTRY:
        return "SCHEMA_REGISTRY";
    case CCL_SVC_FLINK:
        return "FLINK";
    }

    return "UNKNOWN";
}
