/*
 * Copyright (C) cclink authors
 *
 * The discovered model: what one discovery learnt from the Confluent Cloud
 * API and from Kafka metadata, and the parsers that turn API responses
 * (jansson values) into it. No I/O here: the parsers are pure and are unit
 * tested against canned responses.
 *
 * Contents
 *
 *  - names: host names that clients use (bootstrap, REST, brokers, Flink
 *    language service), each with its service, resource (lkc-, lsrc-),
 *    environment and, when the API says so, the network, attachment or
 *    access point it belongs to. Host names are validated (letters,
 *    digits, '-', '_', '.', at most 253 bytes, at least two labels) and
 *    lower-cased before they are stored: nothing else may reach a rendered
 *    file.
 *  - domains: DNS domains of networks (n-), PrivateLink attachments
 *    (platt-) and access points (ap-), with the zonal subdomains of
 *    networks.
 *  - clusters: Kafka clusters with their bootstrap address, for broker
 *    discovery.
 *  - regions: "cloud/region" pairs seen anywhere, to keep only the Flink
 *    regions that matter.
 *
 * Parsers
 *
 *   int ccl_model_parse(ccl_model_t *m, const char *env, json_t *page,
 *       const char *call, unsigned *bad, ccl_model_item_pt item);
 *
 * "page" is one decoded list response ({"data": [...], ...}); "item" is
 * the element parser of the API that answered (ccl_model_network_item for
 * /networking/v1/networks, ...), given each element of data[] in turn.
 * The parser adds what it finds and returns 0; it returns -1 when the
 * page itself has the wrong shape (no "data" array). An item that cannot
 * be used (a required field missing or of the wrong type, an invalid host
 * name) is skipped, logged with the call and the JSON path of the field,
 * and counted in *bad: the caller treats such a page as a failed call so
 * that a half-understood answer never removes routes. Unknown enum values
 * and missing optional fields are accepted.
 *
 * Ownership: the model owns every string in it; ccl_model_release() frees
 * all. Pointers into the model stay valid until the next add or release.
 */

#ifndef _CCL_MODEL_H_INCLUDED_
#define _CCL_MODEL_H_INCLUDED_


#include <stddef.h>

#include <jansson.h>

#include "cclink_common.h"
#include "ccl_buf.h"


/* the longest host name: cclink_common.h's (the tests' name for it) */
#define CCL_HOST_MAX  CCLINK_NAME_MAX


typedef enum {
    CCL_NAME_BOOTSTRAP = 1,
    CCL_NAME_REST = 2,
    CCL_NAME_BROKER = 4,
    CCL_NAME_LANGUAGE = 8,
    CCL_NAME_OTHER = 16
} ccl_name_kind_e;


/* the APIs a name can come from (a name may come from several) */
typedef enum {
    CCL_SRC_ENDPOINT = 1,            /* "endpoint/v1" */
    CCL_SRC_CMK = 2,                 /* "cmk/v2" */
    CCL_SRC_SRCM = 4,                /* "srcm/v3" */
    CCL_SRC_FCPM = 8,                /* "fcpm/v2" */
    CCL_SRC_NETWORKING = 16,         /* "networking/v1" */
    CCL_SRC_KAFKA = 32               /* "kafka-metadata" */
} ccl_source_e;

#define CCL_SRC_COUNT  6


typedef enum {
    CCL_DOMAIN_NETWORK = 0,
    CCL_DOMAIN_PLATT,
    CCL_DOMAIN_ACCESS_POINT
} ccl_domain_kind_e;


typedef struct {
    char                *host;
    unsigned             kinds;      /* ccl_name_kind_e bits */
    unsigned             service;    /* ccl_service_e */
    char                *resource;   /* lkc-..., lsrc-..., or NULL */
    char                *env;        /* NULL for region-wide names */
    char                *network;    /* n-, platt-, ap- id or NULL */
    char                *region_key; /* "aws/us-east-1" (Flink regions) */
    const char          *source;     /* static: the API it came from */
    unsigned             sources;    /* ccl_source_e bits: every API */
    const char          *connection; /* static: "PEERING", "TRANSIT_GATEWAY",
                                        "PRIVATE_NETWORK_INTERFACE"; NULL
                                        for PrivateLink (or not said) */
} ccl_name_t;


typedef struct {
    char                *zone;       /* the API's key: "use1-az1", "1" */
    char                *subdomain;  /* "use1-az1.x.us-east-1.aws..." */
    char                *label;      /* as in host names: "use1-az1" */
} ccl_zone_t;


typedef struct {
    char                *id;
    int                  kind;       /* ccl_domain_kind_e */
    char                *env;
    char                *dns_domain;
    char                *endpoint_suffix;
    char                *cloud;      /* lower case, may be NULL */
    char                *region;
    ccl_zone_t          *zones;      /* sorted by zone */
    size_t               nzones;
} ccl_domain_t;


typedef struct {
    char                *id;
    char                *env;
    char                *bootstrap;  /* host:port */
    char                *network;
} ccl_cluster_t;


typedef struct {
    ccl_strv_t           envs;
    ccl_name_t          *names;
    size_t               nnames;
    size_t               names_cap;
    ccl_domain_t        *domains;
    size_t               ndomains;
    ccl_cluster_t       *clusters;
    size_t               nclusters;
    ccl_strv_t           regions;
} ccl_model_t;


void ccl_model_init(ccl_model_t *m);
void ccl_model_release(ccl_model_t *m);

/* the element of data[] being parsed, for errors */
typedef struct {
    const char          *call;      /* the API call */
    size_t               index;     /* the element in data[] */
    unsigned            *bad;       /* bad elements, counted */
} ccl_item_ctx_t;


typedef int (*ccl_model_item_pt)(ccl_model_t *m, const char *env,
    json_t *item, ccl_item_ctx_t *ctx);


int ccl_model_parse(ccl_model_t *m, const char *env, json_t *page,
    const char *call, unsigned *bad, ccl_model_item_pt item);

/* the element parsers, one per list API */
int ccl_model_environment_item(ccl_model_t *m, const char *env,
    json_t *item, ccl_item_ctx_t *ctx);
int ccl_model_endpoint_item(ccl_model_t *m, const char *env,
    json_t *item, ccl_item_ctx_t *ctx);
int ccl_model_cmk_cluster_item(ccl_model_t *m, const char *env,
    json_t *item, ccl_item_ctx_t *ctx);
int ccl_model_srcm_cluster_item(ccl_model_t *m, const char *env,
    json_t *item, ccl_item_ctx_t *ctx);
int ccl_model_flink_region_item(ccl_model_t *m, const char *env,
    json_t *item, ccl_item_ctx_t *ctx);
int ccl_model_network_item(ccl_model_t *m, const char *env,
    json_t *item, ccl_item_ctx_t *ctx);
int ccl_model_platt_item(ccl_model_t *m, const char *env,
    json_t *item, ccl_item_ctx_t *ctx);
int ccl_model_access_point_item(ccl_model_t *m, const char *env,
    json_t *item, ccl_item_ctx_t *ctx);

/*
 * Flink REST and language-service names from the endpoint_suffix of the
 * networks of one environment (all when env is NULL).
 */
int ccl_model_add_network_flink(ccl_model_t *m, const char *env);

/* A broker host name from Kafka metadata. */
int ccl_model_add_broker(ccl_model_t *m, const char *cluster,
    const char *env, const char *network, const char *host, unsigned port);

/* Adds a name (host is validated and lower-cased into the model). */
int ccl_model_add_name(ccl_model_t *m, const char *host, unsigned kinds,
    unsigned service, const char *resource, const char *env,
    const char *network, const char *source);

/*
 * Ends a discovery: drops Flink region names for regions where nothing
 * else was found, sorts names by host and merges duplicates (their kinds
 * are or-ed), sorts domains and clusters by id.
 */
int ccl_model_finish(ccl_model_t *m);

const ccl_domain_t *ccl_model_domain(const ccl_model_t *m, const char *id);
const ccl_cluster_t *ccl_model_cluster(const ccl_model_t *m,
    const char *id);

/*
 * Host names from API strings: strips a scheme ("https://", "SASL_SSL://",
 * any "x://"), a path, and a port (returned in *port, 0 if none), then
 * validates and lower-cases into host[CCLINK_NAME_MAX + 1]. Returns 0 or -1.
 */
int ccl_model_host(const char *endpoint, char *host, unsigned *port);

/*
 * 1 when host is a Confluent Cloud name (under "confluent.cloud"). Any
 * other name from the API or from Kafka metadata is refused (logged as
 * event=name_refused) by ccl_model_add_name(), which then adds nothing
 * and returns 0: it never reaches a route, a hosts file, the DNS setup
 * or a PAC file.
 */
int ccl_model_confluent_name(const char *host);

/* The ccl_source_e bit of a source name, 0 when unknown. */
unsigned ccl_model_source_bit(const char *source);

/* The name of the n-th source bit (0 .. CCL_SRC_COUNT - 1). */
const char *ccl_model_source_name(unsigned n);

/*
 * The connection types that reach a cluster without a PrivateLink
 * endpoint to proxy to (peering, transit gateway, private network
 * interface): the static name to keep in ccl_name_t.connection, or NULL
 * for PrivateLink and anything else.
 */
const char *ccl_model_direct_connection(const char *type);

/* 1 when s is a valid host name as defined above. */
int ccl_model_valid_host(const char *s);


#endif /* _CCL_MODEL_H_INCLUDED_ */
