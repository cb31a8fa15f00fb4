/*
 * Copyright (C) cclink authors
 *
 * What the files of the status page (ngx_http_cclink_*.c) share: the
 * output buffer and its escaping, the snapshot of the counters that each
 * format is written from, the sidecar's summary, and finding the stream
 * part's zone by name (also used by the health and PAC modules).
 */

#ifndef _NGX_HTTP_CCLINK_H_INCLUDED_
#define _NGX_HTTP_CCLINK_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "cclink_common.h"
#include "ngx_cclink_shm.h"


#define NGX_HTTP_CCLINK_JSON        0
#define NGX_HTTP_CCLINK_PROMETHEUS  1
#define NGX_HTTP_CCLINK_HTML        2

#define NGX_HTTP_CCLINK_VERSION     CCLINK_VERSION

/* strings longer than this are cut, on a character boundary */
#define NGX_HTTP_CCLINK_STR_MAX     1024

/* the buffer ngx_http_cclink_when() and _iso() write to */
#define NGX_HTTP_CCLINK_WHEN_LEN    64


/* the response being written, in a chain of buffers */
typedef struct {
    ngx_http_request_t           *r;
    ngx_chain_t                  *out;
    ngx_chain_t                 **last;
    ngx_buf_t                    *b;
    ngx_uint_t                    format;
    ngx_uint_t                    error;
} ngx_http_cclink_out_t;


/* a route series, copied once, with the route in force */
typedef struct {
    ngx_cclink_route_stat_t       rs;
    cclink_rt_t                  *rt;        /* the route in force: */
    const cclink_rt_route_t      *route;     /* its attributes, or NULL */
} ngx_http_cclink_row_t;


/* the status file: its size cap (as the health module's), errors kept */
#define NGX_HTTP_CCLINK_SC_FILE_MAX  1024
#define NGX_HTTP_CCLINK_SC_ERRORS    16


typedef struct {
    ngx_str_t                     call;
    ngx_str_t                     message;
    ngx_int_t                     status;    /* HTTP status; -1: none */
} ngx_http_cclink_sc_error_t;


/*
 * What the status page shows of the sidecar's status file (sidecar/
 * ccl_status.h), as a worker last read it: kept in its copy of the
 * location's configuration and read again only when a stat() shows the
 * file was replaced. The strings point into text[].
 */
typedef struct {
    ngx_str_t                     path;

    /* the file read: 0 when none was */
    ngx_uint_t                    read;
    ngx_file_uniq_t               uniq;
    off_t                         size;
    time_t                        modified;

    ngx_uint_t                    ok;        /* read and parsed */
    ngx_str_t                     error;     /* why not */

    ngx_str_t                     written_by;
    int64_t                       serial;    /* -1: not given */
    ngx_str_t                     generated;

    time_t                        at;        /* last discovery; 0: none */
    ngx_int_t                     complete;  /* -1: not given */
    ngx_str_t                     result;
    ngx_str_t                     reason;
    time_t                        last_complete_at;  /* 0: never */

    ngx_uint_t                    nerrors;   /* in all */
    ngx_uint_t                    nlisted;
    ngx_http_cclink_sc_error_t    errors[NGX_HTTP_CCLINK_SC_ERRORS];

    size_t                        used;      /* of text[] */
    u_char                        text[NGX_HTTP_CCLINK_SC_FILE_MAX];
    u_char                        errtext[NGX_MAX_ERROR_STR];
} ngx_http_cclink_sidecar_t;


/*
 * The counters of the zone, read once before any output (as
 * ngx_http_stub_status_module reads its counters): every format is
 * written from this copy, not from the live zone.
 */
typedef struct {
    time_t                        now;
    time_t                        started;

    /* the route table in force */
    uint64_t                      serial;
    ngx_atomic_uint_t             generation;
    time_t                        loaded_at;
    ngx_uint_t                    nroutes;
    ngx_uint_t                    ngroups;
    size_t                        table_size;
    u_char                        generated[64];
    ngx_atomic_uint_t             reloads;
    ngx_atomic_uint_t             load_errors;
    time_t                        error_at;
    u_char                        error[NGX_CCLINK_ERRLEN];

    ngx_atomic_uint_t             route_stats_used;
    ngx_uint_t                    route_series;
    ngx_atomic_uint_t             addr_stats_used;
    ngx_uint_t                    addr_series;

    ngx_atomic_uint_t             refused[NGX_CCLINK_NREASONS];
    ngx_atomic_uint_t             connect_accepted;
    ngx_atomic_uint_t             connect_refused[
                                                 NGX_CCLINK_CONNECT_NREASONS];
    ngx_atomic_uint_t             dns_rcode[NGX_CCLINK_DNS_RCODES + 1];
    ngx_atomic_uint_t             dns_dropped;
    ngx_atomic_uint_t             dns_forwarded;

    ngx_cclink_recent_t           recent[NGX_CCLINK_RECENT]; /* newest 1st */
    ngx_uint_t                    nrecent;

    ngx_http_cclink_row_t        *rows;      /* most active first */
    ngx_uint_t                    nrows;
    ngx_cclink_addr_stat_t       *addrs;     /* by zone and address */
    ngx_uint_t                    naddrs;

    ngx_http_cclink_sidecar_t    *sidecar;   /* NULL: not configured */
} ngx_http_cclink_snapshot_t;


typedef struct {
    ngx_shm_zone_t               *shm_zone;
    ngx_uint_t                    refresh;
    ngx_str_t                     sidecar_state;
    ngx_http_cclink_sidecar_t    *sidecar;   /* this worker's last read */
} ngx_http_cclink_loc_conf_t;


/* ngx_http_cclink_module.c: the stream part's zone, by name */
char *ngx_http_cclink_zone_location(ngx_conf_t *cf, ngx_shm_zone_t **zone,
    ngx_uint_t arg, ngx_http_handler_pt handler);
ngx_cclink_shm_t *ngx_http_cclink_zone_data(ngx_shm_zone_t *shm_zone);

/* ngx_http_cclink_output.c */
void ngx_http_cclink_printf(ngx_http_cclink_out_t *o, const char *fmt, ...);
void ngx_http_cclink_esc(ngx_http_cclink_out_t *o, const u_char *s,
    size_t len);
void ngx_http_cclink_escz(ngx_http_cclink_out_t *o, const u_char *s,
    size_t max);
u_char *ngx_http_cclink_when(u_char *buf, time_t t);
u_char *ngx_http_cclink_iso(u_char *buf, time_t t);

/* ngx_http_cclink_snapshot.c */
extern const char  *ngx_http_cclink_dns_rcodes[NGX_CCLINK_DNS_RCODES + 1];

ngx_int_t ngx_http_cclink_snapshot(ngx_http_request_t *r,
    ngx_cclink_shm_t *sh, ngx_uint_t format, ngx_http_cclink_snapshot_t *s);

/* one file per format */
void ngx_http_cclink_json(ngx_http_cclink_out_t *o,
    ngx_http_cclink_snapshot_t *s);
void ngx_http_cclink_prometheus(ngx_http_cclink_out_t *o,
    ngx_http_cclink_snapshot_t *s);
void ngx_http_cclink_html(ngx_http_cclink_out_t *o,
    ngx_http_cclink_snapshot_t *s, ngx_http_cclink_loc_conf_t *lcf);

/* ngx_http_cclink_sidecar.c */
ngx_http_cclink_sidecar_t *ngx_http_cclink_sidecar_read(
    ngx_http_request_t *r, ngx_http_cclink_loc_conf_t *lcf);

/*
 * The status file's text, line by line, for its readers (the status page
 * and the health endpoint): each "key value" line goes to a handler with
 * its line number; a handler that refuses a line records why itself.
 */
typedef ngx_int_t (*ngx_http_cclink_sc_line_pt)(void *data, ngx_uint_t line,
    ngx_str_t *key, u_char *value, u_char *eol);

ngx_int_t ngx_http_cclink_sidecar_lines(u_char *p, u_char *last,
    ngx_http_cclink_sc_line_pt handler, void *data, const char **error);


#endif /* _NGX_HTTP_CCLINK_H_INCLUDED_ */
