/*
 * Copyright (C) cclink authors
 *
 * Configuration: the sidecar's file (see conf-templates/cclink-sidecar.conf
 * and docs/sidecar.md), command-line overrides; credentials in
 * ccl_cred.h.
 *
 * File format: one option per line, "name value...", fields separated by
 * blanks, '#' starts a comment, double quotes group a value with blanks.
 * Errors name the file and line: "sidecar.conf:12: unknown option "foo"".
 *
 * Life cycle
 *
 *   ccl_conf_init(&c);                  defaults, allocates nothing
 *   ccl_conf_load(&c, path);            reads the file (0 / -1, logged)
 *   ccl_conf_override(&c, &overrides);  command line wins over the file
 *   ccl_conf_finish(&c);                checks and derives (0 / -1)
 *   ccl_conf_load_credentials(&c);      env or files; secrets in memory
 *   ...
 *   ccl_conf_release(&c);               frees everything, wipes secrets
 *
 * Ownership: every string in ccl_conf_t is malloc'd and owned by it.
 * Secrets (api_secret, kafka secrets) are wiped on release and are never
 * logged: error messages about a credentials file name the file and line,
 * never its content.
 *
 * A configuration that fails any step must not replace one in use: on
 * SIGHUP the daemon loads a fresh ccl_conf_t and swaps only on success.
 */

#ifndef _CCL_CONF_H_INCLUDED_
#define _CCL_CONF_H_INCLUDED_


#include <stddef.h>

#include "ccl_backoff.h"
#include "ccl_buf.h"


#define CCL_CONF_DEFAULT_PATH   "/etc/cclink/cclink-sidecar.conf"
#define CCL_CONF_DEFAULT_API    "https://api.confluent.cloud"
#define CCL_CONF_MAX_PORTS      8
/* the longest line of the configuration and credentials files */
#define CCL_CONF_MAX_LINE       4096
/* the most fields on one line */
#define CCL_CONF_MAX_FIELDS     16


typedef enum {
    CCL_SVC_KAFKA = 1,
    CCL_SVC_SCHEMA_REGISTRY = 2,
    CCL_SVC_FLINK = 4
} ccl_service_e;


typedef enum {
    CCL_MODE_MODULE = 0,
    CCL_MODE_NGINX
} ccl_mode_e;


/* "target KEY ADDRESS [zone=ZONE]" */
typedef struct {
    char                *key;       /* n-..., platt-..., ap-..., domain, * */
    char                *address;   /* IP literal (port allowed) or name */
    char                *zone;      /* NULL: none */
    unsigned             line;
} ccl_target_conf_t;


/* "kafka_bootstrap_address CLUSTER|* HOST[:PORT]" */
typedef struct {
    char                *cluster;
    char                *address;
} ccl_kafka_addr_t;


/* one line of the Kafka credentials file: "CLUSTER KEY SECRET" */
typedef struct {
    char                *cluster;
    char                *key;
    char                *secret;
} ccl_kafka_cred_t;


typedef struct {
    char                *path;

    /* Confluent Cloud API */
    char                *api_url;           /* no trailing slash */
    char                *ca_file;           /* NULL: system bundle */
    char                *credentials_file;
    char                *api_key;
    char                *api_secret;
    const char          *api_key_source;    /* "environment" or the file */
    int                  all_environments;
    ccl_strv_t           environments;
    unsigned             services;          /* ccl_service_e bits */
    unsigned             page_size;
    long                 http_connect_timeout_ms;
    long                 http_timeout_ms;
    size_t               http_max_bytes;
    unsigned             http_retries;
    ccl_backoff_t        backoff;
    long                 retry_after_max_ms;

    /* Kafka metadata */
    char                *kafka_credentials_file;
    ccl_kafka_cred_t    *kafka_creds;
    size_t               nkafka_creds;
    char                *kafka_security_protocol;
    char                *kafka_sasl_mechanism;
    char                *kafka_ca_file;
    long                 kafka_socket_timeout_ms;
    long                 kafka_deadline_ms;
    ccl_kafka_addr_t    *kafka_addrs;
    size_t               nkafka_addrs;

    /* targets */
    char                *zone;
    ccl_target_conf_t   *targets;
    size_t               ntargets;
    int                  target_dns;
    int                  allow_local_targets;
    char                *dns_probe_label;

    /* polling */
    long                 poll_interval;     /* seconds */
    long                 poll_jitter;       /* seconds, +- */

    /* outputs */
    char                *output_dir;
    char                *routes_file;       /* joined with output_dir */
    char                *nginx_include_file;
    char                *hosts_linux_file;
    char                *hosts_windows_file;
    char                *hosts_powershell_file;
    char                *hosts_sh_file;     /* hosts-apply.sh */
    char                *pac_proxy;         /* NULL: no PAC file */
    char                *pac_file;
    char                *state_file;
    char                *status_file;       /* "off": none */
    int                  content_serial;    /* serial from the content */
    int                  route_attributes;  /* cluster=, env=, service= */
    int                  mode;              /* ccl_mode_e */
    char                *nginx_test_command;
    char                *nginx_test_include;
    char                *nginx_reload_command;
    unsigned             nginx_ports[CCL_CONF_MAX_PORTS];
    unsigned             nnginx_ports;
    long                 command_timeout_ms;
    unsigned             drop_after;
    unsigned             max_drop_percent;

    /* hosts files */
    char                *proxy_address;
    char                *proxy_name;

    /* client folder (ccl_client.h) */
    char                *client_dir;        /* joined with output_dir */
    char                *client_url;
    char                *client_dns_address;
    unsigned             client_dns_port;

    int                  log_level;
} ccl_conf_t;


/* command-line values; NULL fields are not overridden */
typedef struct {
    const char          *api_url;
    const char          *ca_file;
    const char          *output_dir;
    const char          *log_level;
} ccl_conf_overrides_t;


void ccl_conf_init(ccl_conf_t *c);
void ccl_conf_release(ccl_conf_t *c);

int ccl_conf_load(ccl_conf_t *c, const char *path);
int ccl_conf_parse(ccl_conf_t *c, const char *path, const char *text,
    size_t len);
int ccl_conf_override(ccl_conf_t *c, const ccl_conf_overrides_t *o);
int ccl_conf_finish(ccl_conf_t *c);

const char *ccl_conf_kafka_addr(const ccl_conf_t *c, const char *cluster);

/* Resolves an output file name against output_dir into out. */
int ccl_conf_path(const ccl_conf_t *c, const char *name, char *out,
    size_t size);

const char *ccl_conf_service_name(unsigned service);

/*
 * For the configuration's own files (ccl_conf.c, ccl_conf_check.c,
 * ccl_cred.c): the lines of a file's text, each one's fields to a
 * function (ccl_conf_each_line, in ccl_conf.c); the next line of text
 * into line (1, or 0 at the end, -1
 * when too long), an error naming where it is, a string option's copy,
 * and the check of a name of [A-Za-z0-9._-] (cclink_common.h).
 */
int ccl_conf_next_line(const char *text, size_t len, size_t *pos,
    char *line, size_t size, unsigned *lineno);
void ccl_conf_error(const char *where, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int ccl_conf_set_str(char **dst, const char *value);
int ccl_conf_valid_name(const char *s, size_t max);

/* one line's fields (ccl_conf_each_line): 0, or -1 (logged) to stop */
typedef int (*ccl_conf_line_pt)(ccl_conf_t *c, const char *where,
    char **args, int nargs, void *data);

int ccl_conf_each_line(ccl_conf_t *c, const char *path, const char *text,
    size_t len, int max, const char *too_long, ccl_conf_line_pt handle,
    void *data);


/* the credentials' API: its data lives in ccl_conf_t */
#include "ccl_cred.h"


#endif /* _CCL_CONF_H_INCLUDED_ */
