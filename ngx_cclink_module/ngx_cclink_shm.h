/*
 * Copyright (C) cclink authors
 *
 * The shared memory zone of ngx_cclink_module: what the stream part writes
 * and the http part reads.
 *
 * Invariants
 *
 *  - The zone's slab holds the route table in force (a blob from
 *    cclink_routes_build.c, see cclink_routes.h) and the tables it
 *    replaced that some worker may still be reading ("retired").
 *  - A new table is published by storing its pointer and then bumping
 *    "generation", both under the slab mutex. Readers take no lock: they
 *    load "table" once and use it within one event handler.
 *  - Each worker records, in its slot, the generation it has seen, from a
 *    timer (between events, so it holds no table pointer then). A retired
 *    table is freed once every live worker has seen a generation at least
 *    that of its retirement, and not before a grace period has passed.
 *  - Counters are found by hash in fixed arrays of slots, twice as many
 *    as the series allowed, probing at most NGX_CCLINK_PROBES of them; a
 *    slot is claimed under the slab mutex and never released, so readers
 *    need no lock, and a series' slot (or its lack of one) never changes
 *    for the life of the zone: workers may cache it. Once the series
 *    limit is reached, or when all the slots a series may probe are taken,
 *    its traffic is counted in slot 0, the overflow series. Counter
 *    updates are ngx_atomic_fetch_add().
 */

#ifndef _NGX_CCLINK_SHM_H_INCLUDED_
#define _NGX_CCLINK_SHM_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "cclink_routes.h"


#define NGX_CCLINK_MAX_WORKERS     256
#define NGX_CCLINK_RETIRED         16
#define NGX_CCLINK_RECENT          16
#define NGX_CCLINK_ERRLEN          CCLINK_RT_ERRLEN
#define NGX_CCLINK_HIST            8
#define NGX_CCLINK_ZONE_LEN        (CCLINK_ZONE_MAX + 1)
#define NGX_CCLINK_KEY_LEN         (CCLINK_NAME_MAX + 8)
#define NGX_CCLINK_GROUP_LEN       (CCLINK_GROUP_MAX + 1)
#define NGX_CCLINK_OVERFLOW        "_overflow_"

/*
 * Counter slots are found by hash with linear probing over at most this
 * many slots; there are twice as many slots as series, so that a series
 * rarely misses a slot while the series limit is not reached.
 */
#define NGX_CCLINK_PROBES          16


/* refusal reasons, in the order of ngx_cclink_reason_names */
typedef enum {
    NGX_CCLINK_NO_SNI = 0,
    NGX_CCLINK_UNKNOWN_SNI,
    NGX_CCLINK_NOT_TLS,
    NGX_CCLINK_BAD_HELLO,
    NGX_CCLINK_TOO_LARGE,
    NGX_CCLINK_PREREAD_TIMEOUT,
    NGX_CCLINK_CLIENT_CLOSED,
    NGX_CCLINK_NO_ADDRESS,
    NGX_CCLINK_LOOP,                   /* the address is this proxy's own */
    NGX_CCLINK_NREASONS
} ngx_cclink_reason_e;


/* refusals of the CONNECT entrance, in the order of their names */
typedef enum {
    NGX_CCLINK_CONNECT_BAD_REQUEST = 0,    /* 400 */
    NGX_CCLINK_CONNECT_NAME,               /* 403: not a routed name */
    NGX_CCLINK_CONNECT_PORT,               /* 403: port not allowed */
    NGX_CCLINK_CONNECT_METHOD,             /* 405 */
    NGX_CCLINK_CONNECT_AUTH,               /* 407 */
    NGX_CCLINK_CONNECT_TIMEOUT,            /* 408 */
    NGX_CCLINK_CONNECT_TOO_LARGE,          /* 431 */
    NGX_CCLINK_CONNECT_SNI_MISMATCH,       /* after the 200 */
    NGX_CCLINK_CONNECT_NREASONS
} ngx_cclink_connect_reason_e;


/* DNS response codes counted one by one; higher ones go to "other" */
#define NGX_CCLINK_DNS_RCODES      6


typedef struct {
    ngx_pid_t                 pid;
    ngx_atomic_t              gen;
} ngx_cclink_worker_t;


typedef struct {
    cclink_rt_t              *table;
    ngx_atomic_uint_t         gen;
    ngx_msec_t                at;
} ngx_cclink_retired_t;


typedef struct {
    ngx_atomic_t              used;
    uint32_t                  hash;
    u_char                    key[NGX_CCLINK_KEY_LEN];
    u_char                    group[NGX_CCLINK_GROUP_LEN];

    ngx_atomic_t              conns;
    ngx_atomic_t              active;
    ngx_atomic_t              bytes_from_client;
    ngx_atomic_t              bytes_to_client;
    ngx_atomic_t              duration_ms;
    ngx_atomic_t              sessions_done;
    ngx_atomic_t              upstream_failed;  /* no address connected */
} ngx_cclink_route_stat_t;


typedef struct {
    ngx_atomic_t              used;
    uint32_t                  hash;
    u_char                    addr[CCLINK_ADDR_TEXT];
    u_char                    zone[NGX_CCLINK_ZONE_LEN];

    ngx_atomic_t              attempts;
    ngx_atomic_t              failures;
    ngx_atomic_t              connected;
    ngx_atomic_t              connect_ms;      /* sum over "connected" */
    ngx_atomic_t              hist[NGX_CCLINK_HIST];

    /* passive health: consecutive failures and when the last one was */
    ngx_atomic_t              fails;
    ngx_atomic_t              last_fail;       /* ngx_current_msec */
} ngx_cclink_addr_stat_t;


typedef struct {
    ngx_atomic_t              time;            /* unix seconds */
    ngx_uint_t                reason;
    u_char                    name[72];
    u_char                    client[NGX_SOCKADDR_STRLEN];
} ngx_cclink_recent_t;


typedef struct {
    dev_t                     dev;
    ino_t                     ino;
    off_t                     size;
    time_t                    mtime;
    long                      mtime_ns;
} ngx_cclink_file_id_t;


typedef struct {
    /* the table in force */
    cclink_rt_t              *table;
    ngx_atomic_t              generation;
    ngx_atomic_t              next_id;
    uint64_t                  serial;
    time_t                    loaded_at;
    ngx_uint_t                nroutes;
    ngx_uint_t                ngroups;
    size_t                    table_size;
    u_char                    generated[64];

    /* the file last looked at (loaded or refused) */
    ngx_cclink_file_id_t      file;
    ngx_atomic_t              loader;          /* pid of a loading worker */
    ngx_atomic_t              loader_since;    /* unix seconds */
    ngx_atomic_t              reloads;
    ngx_atomic_t              load_errors;
    time_t                    error_at;
    u_char                    error[NGX_CCLINK_ERRLEN];

    ngx_cclink_retired_t      retired[NGX_CCLINK_RETIRED];
    ngx_cclink_worker_t       workers[NGX_CCLINK_MAX_WORKERS];

    /* counters */
    ngx_atomic_t              refused[NGX_CCLINK_NREASONS];
    ngx_atomic_t              recent_next;
    ngx_cclink_recent_t       recent[NGX_CCLINK_RECENT];

    ngx_uint_t                nroute_stats;    /* 2 * route_series + 1 */
    ngx_uint_t                naddr_stats;
    ngx_uint_t                route_series;    /* at most this many used */
    ngx_uint_t                addr_series;
    ngx_atomic_t              route_stats_used;
    ngx_atomic_t              addr_stats_used;
    ngx_cclink_route_stat_t  *route_stats;     /* [0] is the overflow */
    ngx_cclink_addr_stat_t   *addr_stats;      /* [0] is the overflow */

    time_t                    started;

    /* the CONNECT entrance */
    ngx_atomic_t              connect_accepted;
    ngx_atomic_t              connect_refused[NGX_CCLINK_CONNECT_NREASONS];

    /* DNS: responses by rcode ([NGX_CCLINK_DNS_RCODES] is "other") */
    ngx_atomic_t              dns_rcode[NGX_CCLINK_DNS_RCODES + 1];
    ngx_atomic_t              dns_dropped;     /* no answer sent */
    ngx_atomic_t              dns_forwarded;   /* passed to proxy_pass */
} ngx_cclink_shm_t;


extern const char  *ngx_cclink_reason_names[NGX_CCLINK_NREASONS];
extern const char  *ngx_cclink_connect_reason_names[
                                               NGX_CCLINK_CONNECT_NREASONS];
extern ngx_msec_t   ngx_cclink_hist_bounds[NGX_CCLINK_HIST - 1];

uint32_t ngx_cclink_hash(const u_char *s, size_t len);

ngx_cclink_route_stat_t *ngx_cclink_route_stat(ngx_slab_pool_t *shpool,
    ngx_cclink_shm_t *sh, const u_char *key, size_t key_len,
    const u_char *group, size_t group_len);

ngx_cclink_addr_stat_t *ngx_cclink_addr_stat(ngx_slab_pool_t *shpool,
    ngx_cclink_shm_t *sh, const u_char *addr, size_t addr_len,
    const u_char *zone, size_t zone_len);

void ngx_cclink_count_connect(ngx_cclink_addr_stat_t *as, ngx_msec_t ms);

void ngx_cclink_count_refusal(ngx_cclink_shm_t *sh, ngx_uint_t reason,
    ngx_str_t *name, ngx_str_t *client);

ngx_int_t ngx_cclink_publish(ngx_slab_pool_t *shpool, ngx_cclink_shm_t *sh,
    cclink_rt_t *rt, ngx_cclink_file_id_t *file, ngx_log_t *log);

void ngx_cclink_reclaim(ngx_slab_pool_t *shpool, ngx_cclink_shm_t *sh,
    ngx_msec_t grace, ngx_log_t *log);


#endif /* _NGX_CCLINK_SHM_H_INCLUDED_ */
