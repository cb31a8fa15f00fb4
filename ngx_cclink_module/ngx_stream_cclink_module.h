/*
 * Copyright (C) cclink authors
 *
 * The types that the files of ngx_stream_cclink_module share: its main and
 * server configuration, a session's routing context, and the functions one
 * file of the module calls in another (routing, accounting, the host's own
 * addresses, table loading). Not for the other modules: they use
 * ngx_stream_cclink.h.
 */

#ifndef _NGX_STREAM_CCLINK_MODULE_H_INCLUDED_
#define _NGX_STREAM_CCLINK_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_stream.h>

#include "cclink_routes.h"
#include "cclink_hello.h"
#include "ngx_cclink_shm.h"
#include "ngx_stream_cclink.h"
#include "ngx_cclink_watch.h"


/* where a session is: reading the ClientHello, routed, or refused */
#define NGX_STREAM_CCLINK_READING   0
#define NGX_STREAM_CCLINK_ROUTED    1
#define NGX_STREAM_CCLINK_REFUSED   2

/* whole pages taken by an allocation from the slab (larger than half one) */
#define ngx_stream_cclink_pages(n)  (((n) + ngx_pagesize - 1) / ngx_pagesize)

/* how often (seconds) a worker reads the host's addresses again */
#define NGX_STREAM_CCLINK_LOCAL_EVERY 10


typedef struct {
    ngx_str_t                       path;
    ngx_shm_zone_t                 *shm_zone;
    ngx_slab_pool_t                *shpool;
    ngx_cclink_shm_t               *sh;
    ngx_msec_t                      interval;
    ngx_uint_t                      route_series;
    ngx_uint_t                      addr_series;

    /* parsed at configuration time, published when the zone is set up */
    cclink_rt_t                    *initial;
    ngx_cclink_file_id_t            initial_file;

    /*
     * Per worker process from here on: each worker has its own copy of
     * the configuration, and sets these in its own process only.
     */

    /* the check of the table's file every interval, and the accounting */
    ngx_event_t                     timer;
    /* this worker's entry in sh->workers (table release), or unset */
    ngx_uint_t                      slot;
    /* the compiled regular expressions of table regexes_id, or NULL */
    cclink_rt_regexes_t                 *regexes;
    uint64_t                        regexes_id;
    /* this worker's routed sessions, accounted every interval */
    ngx_queue_t                     sessions;
    /* round robin start of the balancer's next choice */
    ngx_uint_t                      rr;

    /* the counter slot of each route of the table stat_cache_id */
    ngx_cclink_route_stat_t       **stat_cache;
    uint32_t                        stat_cache_n;
    uint64_t                        stat_cache_id;

    /* the host's own addresses, for wildcard listeners, read at local_at */
    ngx_sockaddr_t                 *local;
    ngx_uint_t                      nlocal;
    time_t                          local_at;
    /* the table whose loop (a route to a listener) was logged last */
    uint64_t                        loop_logged;

    /* notifications of the table's directory */
    ngx_cclink_watch_t              watch;

    /* the last file that did not fit in the zone (logged once) */
    ngx_cclink_file_id_t            nofit_file;
} ngx_stream_cclink_main_conf_t;


typedef struct {
    ngx_flag_t                      route;
    ngx_str_t                       host_zone;
    size_t                          hello_max;
} ngx_stream_cclink_srv_conf_t;


typedef struct {
    ngx_sockaddr_t                  sockaddr;
    socklen_t                       socklen;
    ngx_str_t                       name;       /* "10.0.1.10:9092" */
    ngx_str_t                       zone;
    ngx_cclink_addr_stat_t         *stat;
} ngx_stream_cclink_addr_t;


typedef struct {
    ngx_stream_session_t           *session;
    ngx_stream_cclink_main_conf_t  *mcf;
    ngx_queue_t                     queue;
    ngx_uint_t                      state;
    ngx_uint_t                      reason;

    ngx_str_t                       sni;
    ngx_str_t                       route;
    ngx_str_t                       group;
    ngx_str_t                       zone;       /* of the address chosen */
    uint64_t                        serial;

    ngx_uint_t                      naddrs;
    ngx_stream_cclink_addr_t       *addrs;
    u_char                          order[CCLINK_RT_MAX_ADDRS];
    ngx_uint_t                      tried;
    ngx_stream_cclink_addr_t       *current;

    ngx_cclink_route_stat_t        *rs;
    off_t                           counted_in;
    off_t                           counted_out;
    ngx_msec_t                      start;
    unsigned                        linked:1;
    unsigned                        connect_counted:1;
    unsigned                        done:1;

    u_char                         *scratch;
    size_t                          scratch_size;
    cclink_hello_state_t            hello;      /* where the reader is */
} ngx_stream_cclink_ctx_t;


/* ngx_stream_cclink_preread.c: routing and variables */
ngx_int_t ngx_stream_cclink_preread_handler(ngx_stream_session_t *s);
ngx_int_t ngx_stream_cclink_add_variables(ngx_conf_t *cf);

/* ngx_stream_cclink_account.c: refusals, counters and the log phase */
ngx_int_t ngx_stream_cclink_refuse(ngx_stream_session_t *s,
    ngx_stream_cclink_ctx_t *ctx, ngx_uint_t reason);
ngx_cclink_route_stat_t *ngx_stream_cclink_route_stat(
    ngx_stream_cclink_main_conf_t *mcf, cclink_rt_t *rt,
    cclink_rt_match_t *m, ngx_stream_cclink_ctx_t *ctx, ngx_log_t *log);
ngx_int_t ngx_stream_cclink_log_handler(ngx_stream_session_t *s);
void ngx_stream_cclink_cleanup(void *data);
void ngx_stream_cclink_account(ngx_stream_cclink_ctx_t *ctx,
    ngx_uint_t final);

/* this proxy's own addresses (loop detection), read now and then */
void ngx_stream_cclink_read_local(ngx_stream_cclink_main_conf_t *mcf,
    ngx_log_t *log);

/* ngx_stream_cclink_table.c: loading and publishing the route table */
ngx_int_t ngx_stream_cclink_table_start(ngx_stream_cclink_main_conf_t *mcf,
    ngx_log_t *log);
cclink_rt_regexes_t *ngx_stream_cclink_regexes(
    ngx_stream_cclink_main_conf_t *mcf, cclink_rt_t *rt, ngx_log_t *log);
ngx_int_t ngx_stream_cclink_file_id(const char *path,
    ngx_cclink_file_id_t *id);
size_t ngx_stream_cclink_zone_need(ngx_uint_t route_series,
    ngx_uint_t addr_series, size_t table);
ngx_int_t ngx_stream_cclink_init_zone(ngx_shm_zone_t *shm_zone, void *data);


#endif /* _NGX_STREAM_CCLINK_MODULE_H_INCLUDED_ */
