/*
 * Copyright (C) cclink authors
 *
 * ngx_http_cclink_module: the status page of ngx_cclink_module. Reads the
 * stream part's shared memory zone (found by name) and serves it as JSON,
 * Prometheus text or a self-contained HTML page; with
 * "cclink_status_sidecar_state", also a summary of cclink-sidecar's state
 * file. Read-only.
 *
 * Every string shown comes from outside: route keys and load errors from
 * the route table file, server names from clients (any byte but NUL), the
 * discovery summary from the sidecar's file. Each one goes through
 * ngx_http_cclink_esc(), which escapes it for the output format and shows
 * bytes that are not UTF-8 as the text "\xNN".
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <jansson.h>

#include "ngx_cclink_shm.h"


#define NGX_HTTP_CCLINK_JSON        0
#define NGX_HTTP_CCLINK_PROMETHEUS  1
#define NGX_HTTP_CCLINK_HTML        2

#define NGX_HTTP_CCLINK_VERSION     CCLINK_VERSION

/* the most one ngx_http_cclink_printf() call may write */
#define NGX_HTTP_CCLINK_PRINTF_MAX  2048
#define NGX_HTTP_CCLINK_BUF_SIZE    16384

/* strings longer than this are cut, on a character boundary */
#define NGX_HTTP_CCLINK_STR_MAX     1024

/* the sidecar's state file: its size cap, and the errors listed */
#define NGX_HTTP_CCLINK_STATE_MAX   (1024 * 1024)
#define NGX_HTTP_CCLINK_SC_ERRORS   32


typedef struct {
    ngx_shm_zone_t               *shm_zone;
    ngx_uint_t                    refresh;
    ngx_str_t                     sidecar_state;
} ngx_http_cclink_loc_conf_t;


typedef struct {
    ngx_http_request_t           *r;
    ngx_chain_t                  *out;
    ngx_chain_t                 **last;
    ngx_buf_t                    *b;
    ngx_uint_t                    format;
    ngx_uint_t                    error;
} ngx_http_cclink_out_t;


/* a route series with the values it is sorted by, read once */
typedef struct {
    ngx_cclink_route_stat_t      *rs;
    ngx_atomic_uint_t             active;
    ngx_atomic_uint_t             conns;
    cclink_rt_t                  *rt;        /* the route in force: */
    const cclink_rt_route_t      *route;     /* its attributes, or NULL */
} ngx_http_cclink_row_t;


/* endpoint addresses summed up per zone, for the HTML page */
typedef struct {
    u_char                       *zone;
    ngx_uint_t                    addrs;
    ngx_uint_t                    failing;
    ngx_atomic_uint_t             attempts;
    ngx_atomic_uint_t             failures;
} ngx_http_cclink_zone_t;


typedef struct {
    const char                   *name;
    const char                   *type;
    const char                   *help;
    size_t                        offset;
    ngx_uint_t                    scale;     /* ms to seconds */
} ngx_http_cclink_metric_t;


typedef struct {
    ngx_str_t                     call;
    ngx_str_t                     message;
    ngx_int_t                     status;    /* HTTP status; -1: none */
} ngx_http_cclink_sc_error_t;


/* what the status page shows of the sidecar's state file */
typedef struct {
    ngx_str_t                     path;
    ngx_uint_t                    ok;        /* read and parsed */
    ngx_str_t                     error;     /* why not */
    time_t                        modified;

    ngx_str_t                     written_by;
    int64_t                       serial;    /* -1: not given */
    ngx_str_t                     generated;

    ngx_uint_t                    discovery; /* one is recorded */
    ngx_str_t                     time;      /* as written */
    time_t                        at;        /* 0: unknown */
    ngx_int_t                     complete;  /* -1: not given */
    ngx_str_t                     result;
    ngx_str_t                     reason;
    ngx_str_t                     last_complete;
    time_t                        last_complete_at;

    ngx_uint_t                    nerrors;   /* in all */
    ngx_array_t                   errors;    /* the first ones */
} ngx_http_cclink_sidecar_t;


static ngx_int_t ngx_http_cclink_handler(ngx_http_request_t *r);
static ngx_uint_t ngx_http_cclink_format(ngx_http_request_t *r);
static ngx_int_t ngx_http_cclink_headers(ngx_http_request_t *r,
    ngx_uint_t format);
static u_char *ngx_http_cclink_reserve(ngx_http_cclink_out_t *o,
    size_t size);
static void ngx_http_cclink_printf(ngx_http_cclink_out_t *o,
    const char *fmt, ...);
static void ngx_http_cclink_esc(ngx_http_cclink_out_t *o, const u_char *s,
    size_t len);
static u_char *ngx_http_cclink_hex(u_char *p, u_char ch, ngx_uint_t format);
static void ngx_http_cclink_escz(ngx_http_cclink_out_t *o, const u_char *s,
    size_t max);
static size_t ngx_http_cclink_utf8(const u_char *p, const u_char *last);
static void ngx_http_cclink_json(ngx_http_cclink_out_t *o,
    ngx_cclink_shm_t *sh, ngx_http_cclink_sidecar_t *sc);
static void ngx_http_cclink_json_str(ngx_http_cclink_out_t *o,
    const char *name, ngx_str_t *s);
static void ngx_http_cclink_json_sidecar(ngx_http_cclink_out_t *o,
    ngx_http_cclink_sidecar_t *sc);
static void ngx_http_cclink_prometheus(ngx_http_cclink_out_t *o,
    ngx_cclink_shm_t *sh, ngx_http_cclink_sidecar_t *sc);
static void ngx_http_cclink_prom_route(ngx_http_cclink_out_t *o,
    ngx_http_cclink_row_t *row);
static ngx_int_t ngx_http_cclink_route_attrs(ngx_http_request_t *r,
    ngx_cclink_shm_t *sh, ngx_http_cclink_row_t *rows, ngx_uint_t n);
static void ngx_http_cclink_prom_addr(ngx_http_cclink_out_t *o,
    ngx_cclink_addr_stat_t *as, const char *extra);
static void ngx_http_cclink_prom_sidecar(ngx_http_cclink_out_t *o,
    ngx_http_cclink_sidecar_t *sc);
static void ngx_http_cclink_le(u_char *buf, ngx_msec_t ms);
static void ngx_http_cclink_html(ngx_http_cclink_out_t *o,
    ngx_cclink_shm_t *sh, ngx_http_cclink_sidecar_t *sc,
    ngx_http_cclink_loc_conf_t *lcf);
static void ngx_http_cclink_html_addresses(ngx_http_cclink_out_t *o,
    ngx_cclink_shm_t *sh);
static void ngx_http_cclink_html_sidecar(ngx_http_cclink_out_t *o,
    ngx_cclink_shm_t *sh, ngx_http_cclink_sidecar_t *sc);
static u_char *ngx_http_cclink_when(u_char *buf, time_t t);
static ngx_uint_t ngx_http_cclink_recent(ngx_cclink_shm_t *sh,
    ngx_atomic_uint_t next, ngx_uint_t i, ngx_cclink_recent_t *rc);
static ngx_http_cclink_row_t *ngx_http_cclink_sorted_routes(
    ngx_http_request_t *r, ngx_cclink_shm_t *sh, ngx_uint_t *n);
static int ngx_libc_cdecl ngx_http_cclink_cmp_rows(const void *one,
    const void *two);
static ngx_cclink_addr_stat_t **ngx_http_cclink_sorted_addrs(
    ngx_http_request_t *r, ngx_cclink_shm_t *sh, ngx_uint_t *n);
static int ngx_libc_cdecl ngx_http_cclink_cmp_addrs(const void *one,
    const void *two);
static ngx_http_cclink_sidecar_t *ngx_http_cclink_sidecar_read(
    ngx_http_request_t *r, ngx_str_t *path);
static ngx_int_t ngx_http_cclink_sidecar_parse(ngx_http_request_t *r,
    ngx_http_cclink_sidecar_t *sc, json_t *root);
static ngx_int_t ngx_http_cclink_sidecar_error(ngx_http_request_t *r,
    ngx_http_cclink_sidecar_t *sc, json_t *call, json_t *message,
    json_t *status);
static ngx_int_t ngx_http_cclink_sidecar_str(ngx_http_request_t *r,
    json_t *v, ngx_str_t *s);
static time_t ngx_http_cclink_parse_time(const u_char *p, size_t len);
static void ngx_http_cclink_dns(ngx_http_cclink_out_t *o,
    ngx_cclink_shm_t *sh, ngx_uint_t format);
static void *ngx_http_cclink_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_cclink_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_cclink_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_cclink_sidecar_state(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);


extern ngx_module_t  ngx_stream_cclink_module;


static ngx_command_t  ngx_http_cclink_commands[] = {

    { ngx_string("cclink_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS|NGX_CONF_TAKE1,
      ngx_http_cclink_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cclink_status_refresh"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cclink_loc_conf_t, refresh),
      NULL },

    { ngx_string("cclink_status_sidecar_state"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_cclink_sidecar_state,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cclink_loc_conf_t, sidecar_state),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_cclink_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_cclink_create_loc_conf,       /* create location configuration */
    ngx_http_cclink_merge_loc_conf         /* merge location configuration */
};


ngx_module_t  ngx_http_cclink_module = {
    NGX_MODULE_V1,
    &ngx_http_cclink_module_ctx,           /* module context */
    ngx_http_cclink_commands,              /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_keyval_t  ngx_http_cclink_common_headers[] = {
    { ngx_string("Cache-Control"), ngx_string("no-store") },
    { ngx_string("X-Content-Type-Options"), ngx_string("nosniff") },
    { ngx_string("Vary"), ngx_string("Accept") },
    { ngx_null_string, ngx_null_string }
};


/* the page loads nothing: no scripts, fonts, images or frames */

static ngx_keyval_t  ngx_http_cclink_html_headers[] = {
    { ngx_string("Content-Security-Policy"),
      ngx_string("default-src 'none'; style-src 'unsafe-inline'; "
                 "base-uri 'none'; form-action 'none'; "
                 "frame-ancestors 'none'") },
    { ngx_string("X-Frame-Options"), ngx_string("DENY") },
    { ngx_string("Referrer-Policy"), ngx_string("no-referrer") },
    { ngx_null_string, ngx_null_string }
};


static ngx_http_cclink_metric_t  ngx_http_cclink_route_metrics[] = {
    { "cclink_route_connections_total", "counter",
      "Connections routed by this route",
      offsetof(ngx_cclink_route_stat_t, conns), 0 },
    { "cclink_route_active_connections", "gauge",
      "Connections of this route now open",
      offsetof(ngx_cclink_route_stat_t, active), 0 },
    { "cclink_route_client_to_upstream_bytes_total", "counter",
      "Bytes received from clients of this route",
      offsetof(ngx_cclink_route_stat_t, bytes_from_client), 0 },
    { "cclink_route_upstream_to_client_bytes_total", "counter",
      "Bytes sent to clients of this route",
      offsetof(ngx_cclink_route_stat_t, bytes_to_client), 0 },
    { "cclink_route_sessions_total", "counter",
      "Sessions of this route that have ended",
      offsetof(ngx_cclink_route_stat_t, sessions_done), 0 },
    { "cclink_route_session_duration_seconds_total", "counter",
      "Sum of the durations of the sessions that have ended",
      offsetof(ngx_cclink_route_stat_t, duration_ms), 1 },
    { "cclink_route_upstream_failures_total", "counter",
      "Connections for which no endpoint address accepted a connection",
      offsetof(ngx_cclink_route_stat_t, upstream_failed), 0 },
    { NULL, NULL, NULL, 0, 0 }
};


static ngx_http_cclink_metric_t  ngx_http_cclink_addr_metrics[] = {
    { "cclink_endpoint_connect_attempts_total", "counter",
      "Connection attempts to an endpoint address",
      offsetof(ngx_cclink_addr_stat_t, attempts), 0 },
    { "cclink_endpoint_connect_failures_total", "counter",
      "Failed connection attempts to an endpoint address",
      offsetof(ngx_cclink_addr_stat_t, failures), 0 },
    { "cclink_endpoint_consecutive_failures", "gauge",
      "Failed attempts to an endpoint address since its last success",
      offsetof(ngx_cclink_addr_stat_t, fails), 0 },
    { NULL, NULL, NULL, 0, 0 }
};


static ngx_int_t
ngx_http_cclink_handler(ngx_http_request_t *r)
{
    ngx_int_t                    rc;
    ngx_chain_t                 *cl;
    ngx_slab_pool_t             *shpool;
    ngx_cclink_shm_t            *sh;
    ngx_http_cclink_out_t        o;
    ngx_http_cclink_sidecar_t   *sc;
    ngx_http_cclink_loc_conf_t  *lcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_cclink_module);

    if (lcf->shm_zone->shm.addr == NULL) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    shpool = (ngx_slab_pool_t *) lcf->shm_zone->shm.addr;
    sh = shpool->data;

    if (sh == NULL) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    sc = NULL;

    if (lcf->sidecar_state.len) {
        sc = ngx_http_cclink_sidecar_read(r, &lcf->sidecar_state);
        if (sc == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    ngx_memzero(&o, sizeof(ngx_http_cclink_out_t));
    o.r = r;
    o.last = &o.out;
    o.format = ngx_http_cclink_format(r);

    switch (o.format) {

    case NGX_HTTP_CCLINK_PROMETHEUS:
        ngx_str_set(&r->headers_out.content_type,
                    "text/plain; version=0.0.4; charset=utf-8");
        ngx_http_cclink_prometheus(&o, sh, sc);
        break;

    case NGX_HTTP_CCLINK_HTML:
        ngx_str_set(&r->headers_out.content_type, "text/html; charset=utf-8");
        ngx_http_cclink_html(&o, sh, sc, lcf);
        break;

    default: /* NGX_HTTP_CCLINK_JSON */
        ngx_str_set(&r->headers_out.content_type, "application/json");
        ngx_http_cclink_json(&o, sh, sc);
        break;
    }

    if (o.error || o.b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_cclink_headers(r, o.format) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    o.b->last_buf = (r == r->main) ? 1 : 0;
    o.b->last_in_chain = 1;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = 0;

    for (cl = o.out; cl; cl = cl->next) {
        r->headers_out.content_length_n += cl->buf->last - cl->buf->pos;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    return ngx_http_output_filter(r, o.out);
}


static ngx_uint_t
ngx_http_cclink_format(ngx_http_request_t *r)
{
    u_char           *p, *last;
    ngx_str_t         value;
    ngx_table_elt_t  *accept;

    if (ngx_http_arg(r, (u_char *) "format", 6, &value) == NGX_OK) {
        if (value.len == 10
            && ngx_strncmp(value.data, "prometheus", 10) == 0)
        {
            return NGX_HTTP_CCLINK_PROMETHEUS;
        }

        if (value.len == 4 && ngx_strncmp(value.data, "html", 4) == 0) {
            return NGX_HTTP_CCLINK_HTML;
        }

        return NGX_HTTP_CCLINK_JSON;
    }

    /*
     * A browser asks for text/html, Prometheus for
     * application/openmetrics-text or text/plain, curl for anything.
     */

    accept = r->headers_in.accept;

    if (accept == NULL) {
        return NGX_HTTP_CCLINK_JSON;
    }

    p = accept->value.data;
    last = p + accept->value.len;

    if (ngx_strlcasestrn(p, last, (u_char *) "text/html", 9 - 1)) {
        return NGX_HTTP_CCLINK_HTML;
    }

    if (ngx_strlcasestrn(p, last, (u_char *) "application/openmetrics-text",
                         28 - 1)
        || ngx_strlcasestrn(p, last, (u_char *) "text/plain", 10 - 1))
    {
        return NGX_HTTP_CCLINK_PROMETHEUS;
    }

    return NGX_HTTP_CCLINK_JSON;
}


static ngx_int_t
ngx_http_cclink_headers(ngx_http_request_t *r, ngx_uint_t format)
{
    ngx_uint_t        i;
    ngx_keyval_t     *kv;
    ngx_table_elt_t  *h;

    for (i = 0; i < 2; i++) {

        if (i == 0) {
            kv = ngx_http_cclink_common_headers;

        } else if (format == NGX_HTTP_CCLINK_HTML) {
            kv = ngx_http_cclink_html_headers;

        } else {
            break;
        }

        for ( /* void */ ; kv->key.len; kv++) {
            h = ngx_list_push(&r->headers_out.headers);
            if (h == NULL) {
                return NGX_ERROR;
            }

            h->hash = 1;
            h->key = kv->key;
            h->value = kv->value;
#if (nginx_version >= 1023000)
            h->next = NULL;
#endif
        }
    }

    return NGX_OK;
}


/* returns room for size bytes at the end of the output */

static u_char *
ngx_http_cclink_reserve(ngx_http_cclink_out_t *o, size_t size)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (o->error) {
        return NULL;
    }

    if (o->b && (size_t) (o->b->end - o->b->last) >= size) {
        return o->b->last;
    }

    b = ngx_create_temp_buf(o->r->pool,
                            ngx_max(size, NGX_HTTP_CCLINK_BUF_SIZE));
    cl = ngx_alloc_chain_link(o->r->pool);

    if (b == NULL || cl == NULL) {
        o->error = 1;
        return NULL;
    }

    cl->buf = b;
    cl->next = NULL;
    *o->last = cl;
    o->last = &cl->next;
    o->b = b;

    return b->last;
}


static void
ngx_http_cclink_printf(ngx_http_cclink_out_t *o, const char *fmt, ...)
{
    u_char   *p, *last;
    va_list   args;

    p = ngx_http_cclink_reserve(o, NGX_HTTP_CCLINK_PRINTF_MAX);
    if (p == NULL) {
        return;
    }

    last = p + NGX_HTTP_CCLINK_PRINTF_MAX;

    va_start(args, fmt);
    p = ngx_vslprintf(p, last, fmt, args);
    va_end(args);

    if (p == last) {
        /* possibly cut: better an error than a broken document */
        ngx_log_error(NGX_LOG_ALERT, o->r->connection->log, 0,
                      "cclink: status output line too long");
        o->error = 1;
        return;
    }

    o->b->last = p;
}


/*
 * Writes s escaped for the output format:
 *
 *   JSON:        \" \\ \n \r \t, other controls and < > & as \u00XX
 *   Prometheus:  \" \\ \n (the label value escapes)
 *   HTML:        &quot; &#39; &lt; &gt; &amp;
 *
 * Valid UTF-8 is kept. Any other control character, and a byte that is not
 * part of valid UTF-8, becomes the text "\xNN" (its backslash escaped in
 * JSON and Prometheus). Longer strings are cut with "...".
 */

static void
ngx_http_cclink_esc(ngx_http_cclink_out_t *o, const u_char *s, size_t len)
{
    u_char         ch, *p;
    size_t         n;
    ngx_uint_t     cut, fmt;
    const u_char  *last;

    cut = 0;

    if (len > NGX_HTTP_CCLINK_STR_MAX) {
        len = NGX_HTTP_CCLINK_STR_MAX;

        while (len && (s[len] & 0xc0) == 0x80) {
            len--;
        }

        cut = 1;
    }

    /* at most 6 bytes for one: \u00XX, &quot; */

    p = ngx_http_cclink_reserve(o, len * 6 + 4);
    if (p == NULL) {
        return;
    }

    fmt = o->format;
    last = s + len;

    while (s < last) {
        ch = *s;

        if (ch >= 0x80) {
            n = ngx_http_cclink_utf8(s, last);

            if (n) {
                p = ngx_cpymem(p, s, n);
                s += n;

            } else {
                p = ngx_http_cclink_hex(p, ch, fmt);
                s++;
            }

            continue;
        }

        s++;

        if (ch < 0x20 || ch == 0x7f) {

            if (fmt == NGX_HTTP_CCLINK_JSON) {
                p = (ch == '\n') ? ngx_cpymem(p, "\\n", 2)
                    : (ch == '\r') ? ngx_cpymem(p, "\\r", 2)
                    : (ch == '\t') ? ngx_cpymem(p, "\\t", 2)
                    : ngx_sprintf(p, "\\u%04xd", (int) ch);

            } else if (fmt == NGX_HTTP_CCLINK_PROMETHEUS && ch == '\n') {
                p = ngx_cpymem(p, "\\n", 2);

            } else {
                p = ngx_http_cclink_hex(p, ch, fmt);
            }

            continue;
        }

        switch (ch) {

        case '"':
            p = (fmt == NGX_HTTP_CCLINK_HTML) ? ngx_cpymem(p, "&quot;", 6)
                                              : ngx_cpymem(p, "\\\"", 2);
            break;

        case '\\':
            p = (fmt == NGX_HTTP_CCLINK_HTML) ? ngx_cpymem(p, "\\", 1)
                                              : ngx_cpymem(p, "\\\\", 2);
            break;

        case '\'':
            p = (fmt == NGX_HTTP_CCLINK_HTML) ? ngx_cpymem(p, "&#39;", 5)
                                              : ngx_cpymem(p, "'", 1);
            break;

        case '<':
        case '>':
        case '&':
            if (fmt == NGX_HTTP_CCLINK_HTML) {
                p = (ch == '<') ? ngx_cpymem(p, "&lt;", 4)
                    : (ch == '>') ? ngx_cpymem(p, "&gt;", 4)
                    : ngx_cpymem(p, "&amp;", 5);

            } else if (fmt == NGX_HTTP_CCLINK_JSON) {
                p = ngx_sprintf(p, "\\u%04xd", (int) ch);

            } else {
                *p++ = ch;
            }

            break;

        default:
            *p++ = ch;
        }
    }

    if (cut) {
        p = ngx_cpymem(p, "...", 3);
    }

    o->b->last = p;
}


/* the text "\xNN" for a byte, its backslash escaped but in HTML */

static u_char *
ngx_http_cclink_hex(u_char *p, u_char ch, ngx_uint_t format)
{
    if (format != NGX_HTTP_CCLINK_HTML) {
        *p++ = '\\';
    }

    return ngx_sprintf(p, "\\x%02xd", (int) ch);
}


/* a NUL-terminated string in a field of max bytes */

static void
ngx_http_cclink_escz(ngx_http_cclink_out_t *o, const u_char *s, size_t max)
{
    ngx_http_cclink_esc(o, s, ngx_strnlen((u_char *) s, max));
}


/* the length of the valid UTF-8 sequence at p, or 0 */

static size_t
ngx_http_cclink_utf8(const u_char *p, const u_char *last)
{
    u_char  c, lo, hi;
    size_t  n, i;

    c = p[0];
    lo = 0x80;
    hi = 0xbf;

    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;

    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;

        if (c == 0xe0) {
            lo = 0xa0;              /* overlong */

        } else if (c == 0xed) {
            hi = 0x9f;              /* surrogates */
        }

    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;

        if (c == 0xf0) {
            lo = 0x90;              /* overlong */

        } else if (c == 0xf4) {
            hi = 0x8f;              /* above U+10FFFF */
        }

    } else {
        return 0;
    }

    if ((size_t) (last - p) < n || p[1] < lo || p[1] > hi) {
        return 0;
    }

    for (i = 2; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
    }

    return n;
}


static void
ngx_http_cclink_json(ngx_http_cclink_out_t *o, ngx_cclink_shm_t *sh,
    ngx_http_cclink_sidecar_t *sc)
{
    ngx_uint_t                i, j, first, n;
    ngx_atomic_uint_t         next;
    ngx_cclink_recent_t       rc;
    ngx_http_cclink_row_t    *rows;
    ngx_cclink_addr_stat_t   *as, **addrs;
    ngx_cclink_route_stat_t  *rs;

    ngx_http_cclink_printf(o, "{\"version\":\"" NGX_HTTP_CCLINK_VERSION
                           "\",\"time\":%T,\"started\":%T,\"table\":{"
                           "\"serial\":%uL,\"generation\":%uA,"
                           "\"generated\":\"",
                           ngx_time(), sh->started, sh->serial,
                           sh->generation);
    ngx_http_cclink_escz(o, sh->generated, sizeof(sh->generated));
    ngx_http_cclink_printf(o, "\",\"loaded_at\":%T,\"routes\":%ui,"
                           "\"groups\":%ui,\"bytes\":%uz,\"reloads\":%uA,"
                           "\"load_errors\":%uA,\"last_error\":",
                           sh->loaded_at, sh->nroutes, sh->ngroups,
                           sh->table_size, sh->reloads, sh->load_errors);

    if (sh->error_at) {
        ngx_http_cclink_printf(o, "\"");
        ngx_http_cclink_escz(o, sh->error, sizeof(sh->error));
        ngx_http_cclink_printf(o, "\",\"last_error_at\":%T}", sh->error_at);

    } else {
        ngx_http_cclink_printf(o, "null,\"last_error_at\":null}");
    }

    ngx_http_cclink_printf(o, ",\"series\":{\"routes\":%uA,"
                           "\"routes_max\":%ui,\"addresses\":%uA,"
                           "\"addresses_max\":%ui}",
                           sh->route_stats_used, sh->route_series,
                           sh->addr_stats_used, sh->addr_series);

    ngx_http_cclink_printf(o, ",\"refused\":{");

    for (i = 0; i < NGX_CCLINK_NREASONS; i++) {
        ngx_http_cclink_printf(o, "%s\"%s\":%uA", i ? "," : "",
                               ngx_cclink_reason_names[i], sh->refused[i]);
    }

    /* the CONNECT entrance */

    ngx_http_cclink_printf(o, "},\"connect\":{\"accepted\":%uA,"
                           "\"refused\":{", sh->connect_accepted);

    for (i = 0; i < NGX_CCLINK_CONNECT_NREASONS; i++) {
        ngx_http_cclink_printf(o, "%s\"%s\":%uA", i ? "," : "",
                               ngx_cclink_connect_reason_names[i],
                               sh->connect_refused[i]);
    }

    ngx_http_cclink_printf(o, "}},\"recent_refusals\":[");

    first = 1;
    next = sh->recent_next;

    for (i = 0; i < NGX_CCLINK_RECENT; i++) {
        if (!ngx_http_cclink_recent(sh, next, i, &rc)) {
            continue;
        }

        ngx_http_cclink_printf(o, "%s{\"time\":%T,\"reason\":\"%s\","
                               "\"name\":\"", first ? "" : ",",
                               (time_t) rc.time,
                               ngx_cclink_reason_names[rc.reason]);
        ngx_http_cclink_escz(o, rc.name, sizeof(rc.name));
        ngx_http_cclink_printf(o, "\",\"client\":\"");
        ngx_http_cclink_escz(o, rc.client, sizeof(rc.client));
        ngx_http_cclink_printf(o, "\"}");
        first = 0;
    }

    ngx_http_cclink_printf(o, "],\"routes\":[");

    rows = ngx_http_cclink_sorted_routes(o->r, sh, &n);
    if (rows == NULL) {
        o->error = 1;
        return;
    }

    for (i = 0; i < n; i++) {
        rs = rows[i].rs;

        ngx_http_cclink_printf(o, "%s{\"route\":\"", i ? "," : "");
        ngx_http_cclink_escz(o, rs->key, sizeof(rs->key));
        ngx_http_cclink_printf(o, "\",\"group\":\"");
        ngx_http_cclink_escz(o, rs->group, sizeof(rs->group));
        ngx_http_cclink_printf(o, "\",\"connections\":%uA,\"active\":%uA,"
                               "\"bytes_from_client\":%uA,"
                               "\"bytes_to_client\":%uA,"
                               "\"sessions_done\":%uA,\"duration_ms\":%uA,"
                               "\"upstream_failed\":%uA}",
                               rs->conns, rs->active, rs->bytes_from_client,
                               rs->bytes_to_client, rs->sessions_done,
                               rs->duration_ms, rs->upstream_failed);
    }

    ngx_http_cclink_printf(o, "],\"addresses\":[");

    addrs = ngx_http_cclink_sorted_addrs(o->r, sh, &n);
    if (addrs == NULL) {
        o->error = 1;
        return;
    }

    for (i = 0; i < n; i++) {
        as = addrs[i];

        ngx_http_cclink_printf(o, "%s{\"address\":\"", i ? "," : "");
        ngx_http_cclink_escz(o, as->addr, sizeof(as->addr));
        ngx_http_cclink_printf(o, "\",\"zone\":\"");
        ngx_http_cclink_escz(o, as->zone, sizeof(as->zone));
        ngx_http_cclink_printf(o, "\",\"attempts\":%uA,\"failures\":%uA,"
                               "\"connected\":%uA,\"connect_ms_sum\":%uA,"
                               "\"consecutive_failures\":%uA,"
                               "\"connect_ms_histogram\":{",
                               as->attempts, as->failures, as->connected,
                               as->connect_ms, as->fails);

        for (j = 0; j < NGX_CCLINK_HIST - 1; j++) {
            ngx_http_cclink_printf(o, "\"le_%M\":%uA,",
                                   ngx_cclink_hist_bounds[j], as->hist[j]);
        }

        ngx_http_cclink_printf(o, "\"le_inf\":%uA}}",
                               as->hist[NGX_CCLINK_HIST - 1]);
    }

    ngx_http_cclink_printf(o, "]");

    ngx_http_cclink_dns(o, sh, NGX_HTTP_CCLINK_JSON);

    if (sc) {
        ngx_http_cclink_json_sidecar(o, sc);
    }

    ngx_http_cclink_printf(o, "}\n");
}


/* "name":"value" or "name":null, with a leading comma */

static void
ngx_http_cclink_json_str(ngx_http_cclink_out_t *o, const char *name,
    ngx_str_t *s)
{
    if (s->data == NULL) {
        ngx_http_cclink_printf(o, ",\"%s\":null", name);
        return;
    }

    ngx_http_cclink_printf(o, ",\"%s\":\"", name);
    ngx_http_cclink_esc(o, s->data, s->len);
    ngx_http_cclink_printf(o, "\"");
}


static void
ngx_http_cclink_json_sidecar(ngx_http_cclink_out_t *o,
    ngx_http_cclink_sidecar_t *sc)
{
    ngx_uint_t                   i;
    ngx_http_cclink_sc_error_t  *e;

    ngx_http_cclink_printf(o, ",\"sidecar\":{\"state_file\":\"");
    ngx_http_cclink_esc(o, sc->path.data, sc->path.len);
    ngx_http_cclink_printf(o, "\",\"ok\":%s", sc->ok ? "true" : "false");
    ngx_http_cclink_json_str(o, "error", &sc->error);

    if (sc->modified) {
        ngx_http_cclink_printf(o, ",\"modified\":%T", sc->modified);

    } else {
        ngx_http_cclink_printf(o, ",\"modified\":null");
    }

    if (!sc->ok) {
        ngx_http_cclink_printf(o, "}");
        return;
    }

    ngx_http_cclink_json_str(o, "written_by", &sc->written_by);

    if (sc->serial >= 0) {
        ngx_http_cclink_printf(o, ",\"serial\":%L", sc->serial);

    } else {
        ngx_http_cclink_printf(o, ",\"serial\":null");
    }

    ngx_http_cclink_json_str(o, "generated", &sc->generated);
    ngx_http_cclink_json_str(o, "last_complete_discovery",
                             &sc->last_complete);

    if (!sc->discovery) {
        ngx_http_cclink_printf(o, ",\"last_discovery\":null}");
        return;
    }

    ngx_http_cclink_printf(o, ",\"last_discovery\":{\"time\":");

    if (sc->time.data) {
        ngx_http_cclink_printf(o, "\"");
        ngx_http_cclink_esc(o, sc->time.data, sc->time.len);
        ngx_http_cclink_printf(o, "\"");

    } else {
        ngx_http_cclink_printf(o, "null");
    }

    if (sc->at) {
        ngx_http_cclink_printf(o, ",\"at\":%T,\"age\":%T", sc->at,
                               ngx_time() - sc->at);

    } else {
        ngx_http_cclink_printf(o, ",\"at\":null,\"age\":null");
    }

    ngx_http_cclink_printf(o, ",\"complete\":%s",
                           sc->complete == 1 ? "true"
                           : sc->complete == 0 ? "false" : "null");
    ngx_http_cclink_json_str(o, "result", &sc->result);
    ngx_http_cclink_json_str(o, "reason", &sc->reason);
    ngx_http_cclink_printf(o, ",\"errors_total\":%ui,\"errors\":[",
                           sc->nerrors);

    e = sc->errors.elts;

    for (i = 0; i < sc->errors.nelts; i++) {
        ngx_http_cclink_printf(o, "%s{\"call\":\"", i ? "," : "");
        ngx_http_cclink_esc(o, e[i].call.data, e[i].call.len);
        ngx_http_cclink_printf(o, "\"");

        if (e[i].status >= 0) {
            ngx_http_cclink_printf(o, ",\"status\":%i", e[i].status);

        } else {
            ngx_http_cclink_printf(o, ",\"status\":null");
        }

        ngx_http_cclink_printf(o, ",\"message\":\"");
        ngx_http_cclink_esc(o, e[i].message.data, e[i].message.len);
        ngx_http_cclink_printf(o, "\"}");
    }

    ngx_http_cclink_printf(o, "]}}");
}


static void
ngx_http_cclink_prometheus(ngx_http_cclink_out_t *o, ngx_cclink_shm_t *sh,
    ngx_http_cclink_sidecar_t *sc)
{
    u_char                     le[48];
    ngx_uint_t                 i, j, n, na;
    ngx_atomic_uint_t          v, cum;
    ngx_http_cclink_row_t     *rows;
    ngx_cclink_addr_stat_t    *as, **addrs;
    ngx_http_cclink_metric_t  *mt;

    ngx_http_cclink_printf(o,
        "# HELP cclink_started_timestamp_seconds When the shared memory "
        "zone was created\n"
        "# TYPE cclink_started_timestamp_seconds gauge\n"
        "cclink_started_timestamp_seconds %T\n"
        "# HELP cclink_route_table_serial Serial of the route table in "
        "force\n"
        "# TYPE cclink_route_table_serial gauge\n"
        "cclink_route_table_serial %uL\n"
        "# HELP cclink_route_table_generation Route tables published into "
        "the zone since it was created\n"
        "# TYPE cclink_route_table_generation gauge\n"
        "cclink_route_table_generation %uA\n"
        "# HELP cclink_route_table_routes Routes in the table in force\n"
        "# TYPE cclink_route_table_routes gauge\n"
        "cclink_route_table_routes %ui\n"
        "# HELP cclink_route_table_groups Endpoint groups in the table in "
        "force\n"
        "# TYPE cclink_route_table_groups gauge\n"
        "cclink_route_table_groups %ui\n"
        "# HELP cclink_route_table_loaded_timestamp_seconds When the table "
        "in force was loaded\n"
        "# TYPE cclink_route_table_loaded_timestamp_seconds gauge\n"
        "cclink_route_table_loaded_timestamp_seconds %T\n",
        sh->started, sh->serial, sh->generation, sh->nroutes, sh->ngroups,
        sh->loaded_at);

    ngx_http_cclink_printf(o,
        "# HELP cclink_route_table_reloads_total Route tables loaded\n"
        "# TYPE cclink_route_table_reloads_total counter\n"
        "cclink_route_table_reloads_total %uA\n"
        "# HELP cclink_route_table_load_errors_total Route table files "
        "refused\n"
        "# TYPE cclink_route_table_load_errors_total counter\n"
        "cclink_route_table_load_errors_total %uA\n"
        "# HELP cclink_route_table_last_error_timestamp_seconds When a "
        "route table file was last refused (0: never)\n"
        "# TYPE cclink_route_table_last_error_timestamp_seconds gauge\n"
        "cclink_route_table_last_error_timestamp_seconds %T\n",
        sh->reloads, sh->load_errors, sh->error_at);

    ngx_http_cclink_printf(o,
        "# HELP cclink_route_series Routes with counters of their own\n"
        "# TYPE cclink_route_series gauge\n"
        "cclink_route_series %uA\n"
        "# HELP cclink_route_series_max Routes that can have counters of "
        "their own; the others count in route=\"" NGX_CCLINK_OVERFLOW "\"\n"
        "# TYPE cclink_route_series_max gauge\n"
        "cclink_route_series_max %ui\n"
        "# HELP cclink_endpoint_series Endpoint addresses with counters of "
        "their own\n"
        "# TYPE cclink_endpoint_series gauge\n"
        "cclink_endpoint_series %uA\n"
        "# HELP cclink_endpoint_series_max Endpoint addresses that can have "
        "counters of their own; the others count in address=\""
        NGX_CCLINK_OVERFLOW "\"\n"
        "# TYPE cclink_endpoint_series_max gauge\n"
        "cclink_endpoint_series_max %ui\n",
        sh->route_stats_used, sh->route_series, sh->addr_stats_used,
        sh->addr_series);

    ngx_http_cclink_printf(o,
        "# HELP cclink_refused_connections_total Connections closed before "
        "any upstream connection, by reason\n"
        "# TYPE cclink_refused_connections_total counter\n");

    for (i = 0; i < NGX_CCLINK_NREASONS; i++) {
        ngx_http_cclink_printf(o, "cclink_refused_connections_total"
                               "{reason=\"%s\"} %uA\n",
                               ngx_cclink_reason_names[i], sh->refused[i]);
    }

    /* the CONNECT entrance */

    ngx_http_cclink_printf(o,
        "# HELP cclink_connect_accepted_total CONNECT requests answered "
        "200\n"
        "# TYPE cclink_connect_accepted_total counter\n"
        "cclink_connect_accepted_total %uA\n"
        "# HELP cclink_connect_refused_total CONNECT requests refused, "
        "by reason\n"
        "# TYPE cclink_connect_refused_total counter\n",
        sh->connect_accepted);

    for (i = 0; i < NGX_CCLINK_CONNECT_NREASONS; i++) {
        ngx_http_cclink_printf(o, "cclink_connect_refused_total"
                               "{reason=\"%s\"} %uA\n",
                               ngx_cclink_connect_reason_names[i],
                               sh->connect_refused[i]);
    }

    rows = ngx_http_cclink_sorted_routes(o->r, sh, &n);
    addrs = ngx_http_cclink_sorted_addrs(o->r, sh, &na);

    if (rows == NULL || addrs == NULL
        || ngx_http_cclink_route_attrs(o->r, sh, rows, n) != NGX_OK)
    {
        o->error = 1;
        return;
    }

    for (mt = ngx_http_cclink_route_metrics; mt->name; mt++) {

        ngx_http_cclink_printf(o, "# HELP %s %s\n# TYPE %s %s\n", mt->name,
                               mt->help, mt->name, mt->type);

        for (i = 0; i < n; i++) {
            v = *(ngx_atomic_t *) ((u_char *) rows[i].rs + mt->offset);

            ngx_http_cclink_printf(o, "%s", mt->name);
            ngx_http_cclink_prom_route(o, &rows[i]);

            if (mt->scale) {
                ngx_http_cclink_printf(o, " %uA.%03uA\n", v / 1000,
                                       v % 1000);

            } else {
                ngx_http_cclink_printf(o, " %uA\n", v);
            }
        }
    }

    for (mt = ngx_http_cclink_addr_metrics; mt->name; mt++) {

        ngx_http_cclink_printf(o, "# HELP %s %s\n# TYPE %s %s\n", mt->name,
                               mt->help, mt->name, mt->type);

        for (i = 0; i < na; i++) {
            as = addrs[i];
            v = *(ngx_atomic_t *) ((u_char *) as + mt->offset);

            ngx_http_cclink_printf(o, "%s", mt->name);
            ngx_http_cclink_prom_addr(o, as, "");
            ngx_http_cclink_printf(o, " %uA\n", v);
        }
    }

    ngx_http_cclink_printf(o,
        "# HELP cclink_endpoint_connect_seconds Time to connect to an "
        "endpoint address\n"
        "# TYPE cclink_endpoint_connect_seconds histogram\n");

    for (i = 0; i < na; i++) {
        as = addrs[i];
        cum = 0;

        for (j = 0; j < NGX_CCLINK_HIST; j++) {
            cum += as->hist[j];

            if (j < NGX_CCLINK_HIST - 1) {
                ngx_http_cclink_le(le, ngx_cclink_hist_bounds[j]);

            } else {
                ngx_sprintf(le, ",le=\"+Inf\"%Z");
            }

            ngx_http_cclink_printf(o, "%s",
                                   "cclink_endpoint_connect_seconds_bucket");
            ngx_http_cclink_prom_addr(o, as, (char *) le);
            ngx_http_cclink_printf(o, " %uA\n", cum);
        }

        v = as->connect_ms;

        ngx_http_cclink_printf(o, "cclink_endpoint_connect_seconds_sum");
        ngx_http_cclink_prom_addr(o, as, "");
        ngx_http_cclink_printf(o, " %uA.%03uA\n", v / 1000, v % 1000);
        ngx_http_cclink_printf(o, "cclink_endpoint_connect_seconds_count");
        ngx_http_cclink_prom_addr(o, as, "");
        ngx_http_cclink_printf(o, " %uA\n", cum);
    }

    ngx_http_cclink_dns(o, sh, NGX_HTTP_CCLINK_PROMETHEUS);

    if (sc) {
        ngx_http_cclink_prom_sidecar(o, sc);
    }
}


static void
ngx_http_cclink_prom_route(ngx_http_cclink_out_t *o,
    ngx_http_cclink_row_t *row)
{
    ngx_uint_t                k;
    ngx_cclink_route_stat_t  *rs;

    rs = row->rs;

    ngx_http_cclink_printf(o, "{route=\"");
    ngx_http_cclink_escz(o, rs->key, sizeof(rs->key));
    ngx_http_cclink_printf(o, "\",group=\"");
    ngx_http_cclink_escz(o, rs->group, sizeof(rs->group));

    /* ',cluster="lkc-abc12",env="env-m2qx7",service="kafka"' */

    for (k = 0; row->route && k < CCLINK_RT_NATTRS; k++) {
        if (row->route->attr_off[k]) {
            ngx_http_cclink_printf(o, "\",%s=\"", cclink_rt_attr_names[k]);
            ngx_http_cclink_esc(o, (u_char *) cclink_rt_str(row->rt,
                                               row->route->attr_off[k]),
                                row->route->attr_len[k]);
        }
    }

    ngx_http_cclink_printf(o, "\"}");
}


/*
 * The route in force of each series, for the attributes it carries: one
 * pass over the table's routes, finding series by the hash of their key
 * (a series is a route key and its group). Series of routes that are gone
 * get none.
 */

static ngx_int_t
ngx_http_cclink_route_attrs(ngx_http_request_t *r, ngx_cclink_shm_t *sh,
    ngx_http_cclink_row_t *rows, ngx_uint_t n)
{
    uint32_t                  *slot;
    ngx_uint_t                 i, k, size, mask, h;
    cclink_rt_t               *rt;
    const char                *key;
    const cclink_rt_route_t   *rr;
    const cclink_rt_group_t   *groups;

    rt = sh->table;

    for (i = 0; i < n; i++) {
        rows[i].rt = rt;
        rows[i].route = NULL;
    }

    if (rt == NULL || n == 0) {
        return NGX_OK;
    }

    for (size = 16; size < 2 * n; size *= 2) { /* void */ }

    mask = size - 1;

    slot = ngx_pcalloc(r->pool, size * sizeof(uint32_t));
    if (slot == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        h = ngx_hash_key(rows[i].rs->key,
                         ngx_strlen(rows[i].rs->key)) & mask;

        while (slot[h]) {
            h = (h + 1) & mask;
        }

        slot[h] = (uint32_t) i + 1;
    }

    groups = cclink_rt_groups(rt);

    for (k = 0; k < rt->nroutes; k++) {
        rr = &cclink_rt_routes(rt)[k];

        if (rr->attr_off[0] == 0 && rr->attr_off[1] == 0
            && rr->attr_off[2] == 0)
        {
            continue;
        }

        key = cclink_rt_str(rt, rr->key_off);

        for (h = ngx_hash_key((u_char *) key, rr->key_len) & mask;
             slot[h];
             h = (h + 1) & mask)
        {
            i = slot[h] - 1;

            if (ngx_strcmp(rows[i].rs->key, key) == 0
                && ngx_strcmp(rows[i].rs->group,
                              cclink_rt_str(rt, groups[rr->group].name_off))
                   == 0)
            {
                rows[i].route = rr;
            }
        }
    }

    return NGX_OK;
}


static void
ngx_http_cclink_prom_addr(ngx_http_cclink_out_t *o, ngx_cclink_addr_stat_t *as,
    const char *extra)
{
    ngx_http_cclink_printf(o, "{address=\"");
    ngx_http_cclink_escz(o, as->addr, sizeof(as->addr));
    ngx_http_cclink_printf(o, "\",zone=\"");
    ngx_http_cclink_escz(o, as->zone, sizeof(as->zone));
    ngx_http_cclink_printf(o, "\"%s}", extra);
}


/* ',le="0.025"': a bucket bound in ms as seconds, the way clients write it */

static void
ngx_http_cclink_le(u_char *buf, ngx_msec_t ms)
{
    u_char  *p;

    p = ngx_sprintf(buf, ",le=\"%M.%03M", ms / 1000, ms % 1000);

    while (p[-1] == '0') {
        p--;
    }

    if (p[-1] == '.') {
        *p++ = '0';
    }

    ngx_sprintf(p, "\"%Z");
}


static void
ngx_http_cclink_prom_sidecar(ngx_http_cclink_out_t *o,
    ngx_http_cclink_sidecar_t *sc)
{
    ngx_http_cclink_printf(o,
        "# HELP cclink_sidecar_state_ok Whether the sidecar's state file "
        "could be read and parsed\n"
        "# TYPE cclink_sidecar_state_ok gauge\n"
        "cclink_sidecar_state_ok %ui\n", sc->ok);

    if (!sc->ok || !sc->discovery) {
        return;
    }

    if (sc->at) {
        ngx_http_cclink_printf(o,
            "# HELP cclink_sidecar_last_discovery_timestamp_seconds When "
            "the sidecar's last discovery ended\n"
            "# TYPE cclink_sidecar_last_discovery_timestamp_seconds gauge\n"
            "cclink_sidecar_last_discovery_timestamp_seconds %T\n", sc->at);
    }

    if (sc->complete >= 0) {
        ngx_http_cclink_printf(o,
            "# HELP cclink_sidecar_last_discovery_complete Whether the "
            "sidecar's last discovery was complete\n"
            "# TYPE cclink_sidecar_last_discovery_complete gauge\n"
            "cclink_sidecar_last_discovery_complete %i\n", sc->complete);
    }

    ngx_http_cclink_printf(o,
        "# HELP cclink_sidecar_last_discovery_errors Errors of the "
        "sidecar's last discovery\n"
        "# TYPE cclink_sidecar_last_discovery_errors gauge\n"
        "cclink_sidecar_last_discovery_errors %ui\n", sc->nerrors);

    if (sc->last_complete_at) {
        ngx_http_cclink_printf(o,
            "# HELP cclink_sidecar_last_complete_discovery_timestamp_seconds "
            "When the sidecar's last complete discovery ended\n"
            "# TYPE cclink_sidecar_last_complete_discovery_timestamp_seconds "
            "gauge\n"
            "cclink_sidecar_last_complete_discovery_timestamp_seconds %T\n",
            sc->last_complete_at);
    }
}


static void
ngx_http_cclink_html(ngx_http_cclink_out_t *o, ngx_cclink_shm_t *sh,
    ngx_http_cclink_sidecar_t *sc, ngx_http_cclink_loc_conf_t *lcf)
{
    u_char                    when[64];
    ngx_uint_t                i, n;
    ngx_atomic_uint_t         total, active, next, mean;
    ngx_cclink_recent_t       rc;
    ngx_http_cclink_row_t    *rows;
    ngx_cclink_route_stat_t  *rs;

    rows = ngx_http_cclink_sorted_routes(o->r, sh, &n);
    if (rows == NULL) {
        o->error = 1;
        return;
    }

    active = 0;

    for (i = 0; i < n; i++) {
        active += rows[i].active;
    }

    total = 0;

    for (i = 0; i < NGX_CCLINK_NREASONS; i++) {
        total += sh->refused[i];
    }

    ngx_http_cclink_printf(o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width\">");

    if (lcf->refresh) {
        ngx_http_cclink_printf(o, "<meta http-equiv=\"refresh\" "
                               "content=\"%ui\">", lcf->refresh);
    }

    ngx_http_cclink_printf(o,
        "<title>cclink status</title><style>"
        "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em 2em;"
        "color:#1b1f24;background:#fff}"
        "h1{font-size:1.5em;margin:0 0 .2em}"
        "h2{font-size:1.1em;margin:1.8em 0 .5em}"
        "table{border-collapse:collapse;min-width:40em}"
        "th,td{border-bottom:1px solid #d0d7de;padding:.3em .8em;"
        "text-align:left;vertical-align:top}"
        "thead th{background:#f6f8fa;font-weight:600}"
        "tbody th{font-weight:500;color:#57606a;width:14em}"
        "td.n{text-align:right;font-variant-numeric:tabular-nums}"
        "td.t{font-family:ui-monospace,monospace;word-break:break-all}"
        ".bad{color:#b42318;font-weight:600}.ok{color:#067647}"
        ".muted{color:#667085}"
        ".cards{display:flex;gap:1em;margin:1em 0;flex-wrap:wrap}"
        ".card{border:1px solid #d0d7de;border-radius:6px;"
        "padding:.6em 1.2em;min-width:8em}"
        ".card b{display:block;font-size:1.6em;"
        "font-variant-numeric:tabular-nums}"
        "</style></head><body><h1>cclink status</h1>"
        "<p class=\"muted\">as of %s; ",
        ngx_http_cclink_when(when, ngx_time()));

    if (lcf->refresh) {
        ngx_http_cclink_printf(o, "refreshes every %ui s; ", lcf->refresh);
    }

    ngx_http_cclink_printf(o, "cclink " NGX_HTTP_CCLINK_VERSION "</p>"
        "<div class=\"cards\" id=\"summary\">"
        "<div class=\"card\"><b id=\"active\">%uA</b>active connections"
        "</div><div class=\"card\"><b>%ui</b>routes in the table</div>"
        "<div class=\"card\"><b>%uL</b>serial in force</div>"
        "<div class=\"card\"><b id=\"refused-total\" class=\"%s\">%uA</b>"
        "refused connections</div></div>",
        active, sh->nroutes, sh->serial, total ? "bad" : "", total);

    /* the route table */

    ngx_http_cclink_printf(o,
        "<h2>Route table</h2><table id=\"table\"><tbody>"
        "<tr><th>serial</th><td class=\"n\">%uL</td></tr>"
        "<tr><th>generation</th><td class=\"n\">%uA</td></tr>"
        "<tr><th>generated</th><td>", sh->serial, sh->generation);
    ngx_http_cclink_escz(o, sh->generated, sizeof(sh->generated));
    ngx_http_cclink_printf(o,
        "</td></tr><tr><th>routes</th><td class=\"n\">%ui</td></tr>"
        "<tr><th>endpoint groups</th><td class=\"n\">%ui</td></tr>"
        "<tr><th>size</th><td class=\"n\">%uz bytes</td></tr>",
        sh->nroutes, sh->ngroups, sh->table_size);
    ngx_http_cclink_printf(o,
        "<tr><th>loaded</th><td>%s</td></tr>"
        "<tr><th>tables loaded</th><td class=\"n\">%uA</td></tr>"
        "<tr><th>files refused</th><td class=\"n%s\">%uA</td></tr>",
        ngx_http_cclink_when(when, sh->loaded_at), sh->reloads,
        sh->load_errors ? " bad" : "", sh->load_errors);

    if (sh->error_at) {
        ngx_http_cclink_printf(o, "<tr><th>last error</th>"
                               "<td class=\"%s\" id=\"last-error\">",
                               sh->error_at >= sh->loaded_at ? "bad"
                                                             : "muted");
        ngx_http_cclink_escz(o, sh->error, sizeof(sh->error));
        ngx_http_cclink_printf(o, "<br><span class=\"muted\">%s</span>"
                               "</td></tr>",
                               ngx_http_cclink_when(when, sh->error_at));
    }

    ngx_http_cclink_printf(o, "</tbody></table>");

    if (sc) {
        ngx_http_cclink_html_sidecar(o, sh, sc);
    }

    /* routes, by active connections */

    ngx_http_cclink_printf(o,
        "<h2>Routes</h2><table id=\"routes\"><thead><tr><th>route</th>"
        "<th>group</th><th>active</th><th>connections</th>"
        "<th>bytes from clients</th><th>bytes to clients</th>"
        "<th>sessions ended</th><th>mean duration</th>"
        "<th>no endpoint</th></tr></thead><tbody>");

    for (i = 0; i < n; i++) {
        rs = rows[i].rs;
        mean = rs->sessions_done ? rs->duration_ms / rs->sessions_done : 0;

        ngx_http_cclink_printf(o, "<tr><td class=\"t\">");
        ngx_http_cclink_escz(o, rs->key, sizeof(rs->key));
        ngx_http_cclink_printf(o, "</td><td>");
        ngx_http_cclink_escz(o, rs->group, sizeof(rs->group));
        ngx_http_cclink_printf(o,
            "</td><td class=\"n\">%uA</td><td class=\"n\">%uA</td>"
            "<td class=\"n\">%uA</td><td class=\"n\">%uA</td>"
            "<td class=\"n\">%uA</td><td class=\"n\">%uA.%03uA s</td>"
            "<td class=\"n%s\">%uA</td></tr>",
            rows[i].active, rows[i].conns, rs->bytes_from_client,
            rs->bytes_to_client, rs->sessions_done, mean / 1000,
            mean % 1000, rs->upstream_failed ? " bad" : "",
            rs->upstream_failed);
    }

    if (n == 0) {
        ngx_http_cclink_printf(o, "<tr><td colspan=\"9\" class=\"muted\">"
                               "no traffic yet</td></tr>");
    }

    ngx_http_cclink_printf(o,
        "</tbody></table><p class=\"muted\" id=\"route-series\">%uA of %ui "
        "route series in use; connections of further routes are counted "
        "under " NGX_CCLINK_OVERFLOW ".</p>",
        sh->route_stats_used, sh->route_series);

    ngx_http_cclink_html_addresses(o, sh);

    /* refusals */

    ngx_http_cclink_printf(o, "<h2>Refused connections</h2>"
                           "<table id=\"refused\"><thead><tr><th>reason</th>"
                           "<th>count</th></tr></thead><tbody>");

    for (i = 0; i < NGX_CCLINK_NREASONS; i++) {
        ngx_http_cclink_printf(o, "<tr><td>%s</td><td class=\"n\">%uA</td>"
                               "</tr>", ngx_cclink_reason_names[i],
                               sh->refused[i]);
    }

    /* the CONNECT entrance */

    ngx_http_cclink_printf(o, "</tbody></table><h2>CONNECT entrance</h2>"
                           "<table id=\"connect\"><thead><tr>"
                           "<th>outcome</th><th>count</th></tr></thead>"
                           "<tbody><tr><td>accepted</td>"
                           "<td class=\"n\">%uA</td></tr>",
                           sh->connect_accepted);

    for (i = 0; i < NGX_CCLINK_CONNECT_NREASONS; i++) {
        ngx_http_cclink_printf(o, "<tr><td>%s</td><td class=\"n\">%uA</td>"
                               "</tr>", ngx_cclink_connect_reason_names[i],
                               sh->connect_refused[i]);
    }

    ngx_http_cclink_printf(o, "</tbody></table>");

    ngx_http_cclink_dns(o, sh, NGX_HTTP_CCLINK_HTML);

    ngx_http_cclink_printf(o, "<h2>Recently refused</h2>"
                           "<table id=\"recent\"><thead><tr><th>when</th>"
                           "<th>reason</th><th>server name</th>"
                           "<th>client</th></tr></thead><tbody>");

    n = 0;
    next = sh->recent_next;

    for (i = 0; i < NGX_CCLINK_RECENT; i++) {
        if (!ngx_http_cclink_recent(sh, next, i, &rc)) {
            continue;
        }

        ngx_http_cclink_printf(o, "<tr><td>%s</td><td>%s</td>"
                               "<td class=\"t\">",
                               ngx_http_cclink_when(when, (time_t) rc.time),
                               ngx_cclink_reason_names[rc.reason]);
        ngx_http_cclink_escz(o, rc.name, sizeof(rc.name));
        ngx_http_cclink_printf(o, "</td><td>");
        ngx_http_cclink_escz(o, rc.client, sizeof(rc.client));
        ngx_http_cclink_printf(o, "</td></tr>");
        n++;
    }

    if (n == 0) {
        ngx_http_cclink_printf(o, "<tr><td colspan=\"4\" class=\"muted\">"
                               "none</td></tr>");
    }

    ngx_http_cclink_printf(o, "</tbody></table><p class=\"muted\">"
                           "Counters since %s.</p></body></html>\n",
                           ngx_http_cclink_when(when, sh->started));
}


static void
ngx_http_cclink_html_addresses(ngx_http_cclink_out_t *o, ngx_cclink_shm_t *sh)
{
    ngx_uint_t               i, k, n, nz;
    ngx_atomic_uint_t        mean;
    ngx_cclink_addr_stat_t  *as, **addrs;
    ngx_http_cclink_zone_t  *zones, *z;

    addrs = ngx_http_cclink_sorted_addrs(o->r, sh, &n);
    zones = ngx_pcalloc(o->r->pool,
                        (n + 1) * sizeof(ngx_http_cclink_zone_t));

    if (addrs == NULL || zones == NULL) {
        o->error = 1;
        return;
    }

    ngx_http_cclink_printf(o,
        "<h2>Endpoint addresses</h2><table id=\"addresses\"><thead><tr>"
        "<th>address</th><th>zone</th><th>health</th><th>attempts</th>"
        "<th>failures</th><th>connected</th><th>mean connect</th></tr>"
        "</thead><tbody>");

    nz = 0;

    for (i = 0; i < n; i++) {
        as = addrs[i];
        mean = as->connected ? as->connect_ms / as->connected : 0;

        ngx_http_cclink_printf(o, "<tr><td class=\"t\">");
        ngx_http_cclink_escz(o, as->addr, sizeof(as->addr));
        ngx_http_cclink_printf(o, "</td><td>");
        ngx_http_cclink_escz(o, as->zone, sizeof(as->zone));
        ngx_http_cclink_printf(o,
            "</td><td class=\"%s\">%s</td><td class=\"n\">%uA</td>"
            "<td class=\"n\">%uA</td><td class=\"n\">%uA</td>"
            "<td class=\"n\">%uA ms</td></tr>",
            as->fails ? "bad" : "ok", as->fails ? "failing" : "ok",
            as->attempts, as->failures, as->connected, mean);

        for (k = 0; k < nz; k++) {
            if (ngx_strcmp(zones[k].zone, as->zone) == 0) {
                break;
            }
        }

        z = &zones[k];

        if (k == nz) {
            z->zone = as->zone;
            nz++;
        }

        z->addrs++;
        z->failing += as->fails ? 1 : 0;
        z->attempts += as->attempts;
        z->failures += as->failures;
    }

    if (nz == 0) {
        ngx_http_cclink_printf(o, "<tr><td colspan=\"7\" class=\"muted\">"
                               "no connection attempts yet</td></tr>");
    }

    ngx_http_cclink_printf(o,
        "</tbody></table><h2>Endpoint zones</h2><table id=\"zones\">"
        "<thead><tr><th>zone</th><th>addresses</th><th>failing</th>"
        "<th>attempts</th><th>failures</th></tr></thead><tbody>");

    for (k = 0; k < nz; k++) {
        z = &zones[k];

        ngx_http_cclink_printf(o, "<tr><td>");

        if (z->zone[0]) {
            ngx_http_cclink_escz(o, z->zone, NGX_CCLINK_ZONE_LEN);

        } else {
            ngx_http_cclink_printf(o, "<span class=\"muted\">(none)</span>");
        }

        ngx_http_cclink_printf(o,
            "</td><td class=\"n\">%ui</td><td class=\"n%s\">%ui</td>"
            "<td class=\"n\">%uA</td><td class=\"n\">%uA</td></tr>",
            z->addrs, z->failing ? " bad" : "", z->failing, z->attempts,
            z->failures);
    }

    if (nz == 0) {
        ngx_http_cclink_printf(o, "<tr><td colspan=\"5\" class=\"muted\">"
                               "none yet</td></tr>");
    }

    ngx_http_cclink_printf(o, "</tbody></table>");
}


static void
ngx_http_cclink_html_sidecar(ngx_http_cclink_out_t *o, ngx_cclink_shm_t *sh,
    ngx_http_cclink_sidecar_t *sc)
{
    u_char                       when[64];
    ngx_uint_t                   i;
    ngx_http_cclink_sc_error_t  *e;

    ngx_http_cclink_printf(o, "<h2>Discovery</h2><table id=\"sidecar\">"
                           "<tbody><tr><th>sidecar state file</th>"
                           "<td class=\"t\">");
    ngx_http_cclink_esc(o, sc->path.data, sc->path.len);

    if (sc->modified) {
        ngx_http_cclink_printf(o, "<br><span class=\"muted\">written %s"
                               "</span>",
                               ngx_http_cclink_when(when, sc->modified));
    }

    ngx_http_cclink_printf(o, "</td></tr>");

    if (!sc->ok) {
        ngx_http_cclink_printf(o, "<tr><th>state</th>"
                               "<td class=\"bad\" id=\"sidecar-error\">");
        ngx_http_cclink_esc(o, sc->error.data, sc->error.len);
        ngx_http_cclink_printf(o, "</td></tr></tbody></table>");
        return;
    }

    if (!sc->discovery) {
        ngx_http_cclink_printf(o, "<tr><th>last discovery</th>"
                               "<td class=\"muted\" id=\"sidecar-last\">"
                               "none recorded</td></tr>");

    } else {
        ngx_http_cclink_printf(o, "<tr><th>last discovery</th>"
                               "<td id=\"sidecar-last\">");

        if (sc->at) {
            ngx_http_cclink_printf(o, "%s",
                                   ngx_http_cclink_when(when, sc->at));

        } else if (sc->time.data) {
            ngx_http_cclink_esc(o, sc->time.data, sc->time.len);

        } else {
            ngx_http_cclink_printf(o, "<span class=\"muted\">unknown"
                                   "</span>");
        }

        ngx_http_cclink_printf(o, "</td></tr><tr><th>complete</th>"
                               "<td id=\"sidecar-complete\" class=\"%s\">%s"
                               "</td></tr>",
                               sc->complete == 0 ? "bad"
                               : sc->complete == 1 ? "ok" : "muted",
                               sc->complete == 0 ? "no"
                               : sc->complete == 1 ? "yes" : "unknown");

        if (sc->result.data) {
            ngx_http_cclink_printf(o, "<tr><th>result</th>"
                                   "<td id=\"sidecar-result\">");
            ngx_http_cclink_esc(o, sc->result.data, sc->result.len);

            if (sc->reason.data) {
                ngx_http_cclink_printf(o, ": ");
                ngx_http_cclink_esc(o, sc->reason.data, sc->reason.len);
            }

            ngx_http_cclink_printf(o, "</td></tr>");
        }
    }

    if (sc->last_complete.data) {
        ngx_http_cclink_printf(o, "<tr><th>last complete discovery</th>"
                               "<td>");

        if (sc->last_complete_at) {
            ngx_http_cclink_printf(o, "%s",
                                   ngx_http_cclink_when(when,
                                                        sc->last_complete_at));

        } else {
            ngx_http_cclink_esc(o, sc->last_complete.data,
                                sc->last_complete.len);
        }

        ngx_http_cclink_printf(o, "</td></tr>");
    }

    if (sc->serial >= 0) {
        ngx_http_cclink_printf(o, "<tr><th>route table written</th>"
                               "<td>serial %L%s</td></tr>", sc->serial,
                               (uint64_t) sc->serial == sh->serial
                               ? " (in force)"
                               : " <span class=\"bad\">(not in force)"
                                 "</span>");
    }

    ngx_http_cclink_printf(o, "</tbody></table>");

    if (!sc->discovery) {
        return;
    }

    ngx_http_cclink_printf(o, "<h2>Discovery errors</h2>"
                           "<table id=\"sidecar-errors\"><thead><tr>"
                           "<th>call</th><th>status</th><th>error</th></tr>"
                           "</thead><tbody>");

    e = sc->errors.elts;

    for (i = 0; i < sc->errors.nelts; i++) {
        ngx_http_cclink_printf(o, "<tr><td class=\"t\">");
        ngx_http_cclink_esc(o, e[i].call.data, e[i].call.len);
        ngx_http_cclink_printf(o, "</td><td class=\"n\">");

        if (e[i].status >= 0) {
            ngx_http_cclink_printf(o, "%i", e[i].status);
        }

        ngx_http_cclink_printf(o, "</td><td class=\"bad\">");
        ngx_http_cclink_esc(o, e[i].message.data, e[i].message.len);
        ngx_http_cclink_printf(o, "</td></tr>");
    }

    if (sc->nerrors == 0) {
        ngx_http_cclink_printf(o, "<tr><td colspan=\"3\" class=\"ok\">"
                               "none</td></tr>");

    } else if (sc->nerrors > sc->errors.nelts) {
        ngx_http_cclink_printf(o, "<tr><td colspan=\"3\" class=\"muted\">"
                               "and %ui more</td></tr>",
                               sc->nerrors - sc->errors.nelts);
    }

    ngx_http_cclink_printf(o, "</tbody></table>");
}


/* "2026-11-20 23:15:00 UTC (5 s ago)", NUL-terminated; buf of 64 */

static u_char *
ngx_http_cclink_when(u_char *buf, time_t t)
{
    u_char     *p;
    time_t      ago;
    ngx_tm_t    tm;

    if (t <= 0) {
        (void) ngx_cpystrn(buf, (u_char *) "never", 64);
        return buf;
    }

    ngx_gmtime(t, &tm);

    p = ngx_sprintf(buf, "%4d-%02d-%02d %02d:%02d:%02d UTC",
                    tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                    tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec);

    ago = ngx_time() - t;

    if (ago < 0) {
        p = ngx_sprintf(p, " (in the future)");

    } else if (ago < 120) {
        p = ngx_sprintf(p, " (%T s ago)", ago);

    } else if (ago < 120 * 60) {
        p = ngx_sprintf(p, " (%T min ago)", ago / 60);

    } else if (ago < 48 * 3600) {
        p = ngx_sprintf(p, " (%T h ago)", ago / 3600);

    } else {
        p = ngx_sprintf(p, " (%T days ago)", ago / 86400);
    }

    *p = '\0';

    return buf;
}


/*
 * Copies the i-th most recent refusal; 0 when that entry is empty or being
 * written (writers zero "time" first and set it last).
 */

static ngx_uint_t
ngx_http_cclink_recent(ngx_cclink_shm_t *sh, ngx_atomic_uint_t next,
    ngx_uint_t i, ngx_cclink_recent_t *rc)
{
    ngx_atomic_uint_t     t;
    ngx_cclink_recent_t  *e;

    e = &sh->recent[(next + NGX_CCLINK_RECENT - 1 - i) % NGX_CCLINK_RECENT];

    t = e->time;
    ngx_memory_barrier();

    ngx_memcpy(rc, e, sizeof(ngx_cclink_recent_t));

    ngx_memory_barrier();

    if (t == 0 || e->time != t || rc->reason >= NGX_CCLINK_NREASONS) {
        return 0;
    }

    rc->name[sizeof(rc->name) - 1] = '\0';
    rc->client[sizeof(rc->client) - 1] = '\0';

    return 1;
}


/* the route series with traffic, most active connections first */

static ngx_http_cclink_row_t *
ngx_http_cclink_sorted_routes(ngx_http_request_t *r, ngx_cclink_shm_t *sh,
    ngx_uint_t *n)
{
    ngx_uint_t                i, k;
    ngx_http_cclink_row_t    *rows;
    ngx_cclink_route_stat_t  *rs;

    rows = ngx_palloc(r->pool,
                      (sh->nroute_stats + 1) * sizeof(ngx_http_cclink_row_t));
    if (rows == NULL) {
        return NULL;
    }

    k = 0;

    for (i = 0; i < sh->nroute_stats; i++) {
        rs = &sh->route_stats[i];

        if (!rs->used || (i == 0 && rs->conns == 0)) {
            continue;
        }

        /* sorted by values read once: the live ones keep changing */

        rows[k].rs = rs;
        rows[k].active = rs->active;
        rows[k].conns = rs->conns;
        k++;
    }

    ngx_qsort(rows, k, sizeof(ngx_http_cclink_row_t),
              ngx_http_cclink_cmp_rows);

    *n = k;

    return rows;
}


static int ngx_libc_cdecl
ngx_http_cclink_cmp_rows(const void *one, const void *two)
{
    const ngx_http_cclink_row_t  *a = one;
    const ngx_http_cclink_row_t  *b = two;

    int  rc;

    if (a->active != b->active) {
        return a->active > b->active ? -1 : 1;
    }

    if (a->conns != b->conns) {
        return a->conns > b->conns ? -1 : 1;
    }

    /* keys and groups of a used series do not change */

    rc = ngx_strcmp(a->rs->key, b->rs->key);

    if (rc == 0) {
        rc = ngx_strcmp(a->rs->group, b->rs->group);
    }

    return rc;
}


/*
 * The address series in use, by zone and address; the overflow last, once
 * it has counted something.
 */

static ngx_cclink_addr_stat_t **
ngx_http_cclink_sorted_addrs(ngx_http_request_t *r, ngx_cclink_shm_t *sh,
    ngx_uint_t *n)
{
    ngx_uint_t                i, k;
    ngx_cclink_addr_stat_t   *as, **addrs;

    addrs = ngx_palloc(r->pool, (sh->naddr_stats + 1) * sizeof(void *));
    if (addrs == NULL) {
        return NULL;
    }

    k = 0;

    for (i = 1; i < sh->naddr_stats; i++) {
        as = &sh->addr_stats[i];

        if (as->used) {
            addrs[k++] = as;
        }
    }

    ngx_qsort(addrs, k, sizeof(void *), ngx_http_cclink_cmp_addrs);

    as = &sh->addr_stats[0];

    if (as->used && as->attempts) {
        addrs[k++] = as;
    }

    *n = k;

    return addrs;
}


static int ngx_libc_cdecl
ngx_http_cclink_cmp_addrs(const void *one, const void *two)
{
    ngx_cclink_addr_stat_t  *a = *(ngx_cclink_addr_stat_t **) one;
    ngx_cclink_addr_stat_t  *b = *(ngx_cclink_addr_stat_t **) two;

    int  rc;

    /* address and zone of a used series do not change */

    rc = ngx_strcmp(a->zone, b->zone);

    if (rc == 0) {
        rc = ngx_strcmp(a->addr, b->addr);
    }

    return rc;
}


/*
 * Reads cclink-sidecar's state file for the page. It is a small local
 * file, read at most once per status request; a file that cannot be read
 * or parsed is reported on the page, not as a failed request. Returns NULL
 * only when out of memory.
 */

static ngx_http_cclink_sidecar_t *
ngx_http_cclink_sidecar_read(ngx_http_request_t *r, ngx_str_t *path)
{
    u_char                     *buf, *p;
    off_t                       size;
    size_t                      got;
    ssize_t                     n;
    json_t                     *root;
    ngx_fd_t                    fd;
    ngx_err_t                   err;
    const char                 *what;
    json_error_t                jerr;
    ngx_file_info_t             fi;
    ngx_http_cclink_sidecar_t  *sc;

    sc = ngx_pcalloc(r->pool, sizeof(ngx_http_cclink_sidecar_t));
    if (sc == NULL) {
        return NULL;
    }

    sc->path = *path;
    sc->serial = -1;
    sc->complete = -1;

    if (ngx_array_init(&sc->errors, r->pool, 4,
                       sizeof(ngx_http_cclink_sc_error_t))
        != NGX_OK)
    {
        return NULL;
    }

    /* room for an error text */

    p = ngx_pnalloc(r->pool, NGX_MAX_ERROR_STR);
    if (p == NULL) {
        return NULL;
    }

    sc->error.data = p;

    fd = ngx_open_file(path->data, NGX_FILE_RDONLY|NGX_FILE_NONBLOCK,
                       NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        err = ngx_errno;
        what = ngx_open_file_n;
        goto failed;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        err = ngx_errno;
        what = ngx_fd_info_n;
        goto failed;
    }

    sc->modified = ngx_file_mtime(&fi);
    size = ngx_file_size(&fi);

    if (!ngx_is_file(&fi) || size > NGX_HTTP_CCLINK_STATE_MAX) {
        sc->error.len = ngx_snprintf(p, NGX_MAX_ERROR_STR, "%s",
                                     ngx_is_file(&fi)
                                     ? "larger than 1 MiB"
                                     : "not a regular file")
                        - p;
        goto done;
    }

    buf = ngx_pnalloc(r->pool, (size_t) size + 1);
    if (buf == NULL) {
        ngx_close_file(fd);
        return NULL;
    }

    got = 0;

    while (got < (size_t) size) {
        n = ngx_read_fd(fd, buf + got, (size_t) size - got);

        if (n == -1) {
            err = ngx_errno;

            if (err == NGX_EINTR) {
                continue;
            }

            what = ngx_read_fd_n;
            goto failed;
        }

        if (n == 0) {
            break;
        }

        got += n;
    }

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", path);
    }

    fd = NGX_INVALID_FILE;

    root = json_loadb((char *) buf, got, 0, &jerr);

    if (root == NULL) {
        sc->error.len = ngx_snprintf(p, NGX_MAX_ERROR_STR,
                                     "line %d: %s", jerr.line, jerr.text)
                        - p;
        goto done;
    }

    if (!json_is_object(root)) {
        json_decref(root);
        ngx_str_set(&sc->error, "not a JSON object");
        goto done;
    }

    if (ngx_http_cclink_sidecar_parse(r, sc, root) != NGX_OK) {
        json_decref(root);
        return NULL;
    }

    json_decref(root);

    sc->ok = 1;
    ngx_str_null(&sc->error);

    return sc;

failed:

    p = ngx_snprintf(p, NGX_MAX_ERROR_STR - 1, "%s failed (%d: ", what, err);
    p = ngx_strerror(err, p, sc->error.data + NGX_MAX_ERROR_STR - 1 - p);

    if (p < sc->error.data + NGX_MAX_ERROR_STR) {
        *p++ = ')';
    }

    sc->error.len = p - sc->error.data;

done:

    if (fd != NGX_INVALID_FILE && ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", path);
    }

    return sc;
}


/*
 * Takes what the page shows from the state file, by name, tolerating
 * missing fields and other shapes:
 *
 *   written_by, serial, generated, last_complete_discovery
 *   last_discovery (or discovery):
 *       finished (or finished_at, time, started): ISO 8601 or unix time
 *       complete, result, reason
 *       calls[]:  { call, status, error } - those with an error
 *       errors[]: "text" or { call, message (or error), status }
 *
 * Nothing else is read, so no other field of the file (the sidecar keeps
 * no secrets there) can reach the page.
 */

static ngx_int_t
ngx_http_cclink_sidecar_parse(ngx_http_request_t *r,
    ngx_http_cclink_sidecar_t *sc, json_t *root)
{
    u_char      *p;
    size_t       i;
    json_t      *d, *v, *a, *e, *msg;
    ngx_uint_t   k;

    static const char  *times[] = {
        "finished", "finished_at", "time", "started", NULL
    };

    if (ngx_http_cclink_sidecar_str(r, json_object_get(root, "written_by"),
                                    &sc->written_by)
        != NGX_OK
        || ngx_http_cclink_sidecar_str(r, json_object_get(root, "generated"),
                                       &sc->generated)
           != NGX_OK
        || ngx_http_cclink_sidecar_str(r,
                                       json_object_get(root,
                                                  "last_complete_discovery"),
                                       &sc->last_complete)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    v = json_object_get(root, "serial");

    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        sc->serial = json_integer_value(v);
    }

    if (sc->last_complete.data) {
        sc->last_complete_at = ngx_http_cclink_parse_time(
                                   sc->last_complete.data,
                                   sc->last_complete.len);
    }

    d = json_object_get(root, "last_discovery");

    if (!json_is_object(d)) {
        d = json_object_get(root, "discovery");
    }

    if (!json_is_object(d)) {
        return NGX_OK;
    }

    sc->discovery = 1;

    for (k = 0; times[k]; k++) {
        v = json_object_get(d, times[k]);

        if (json_is_string(v)) {
            if (ngx_http_cclink_sidecar_str(r, v, &sc->time) != NGX_OK) {
                return NGX_ERROR;
            }

            sc->at = ngx_http_cclink_parse_time(sc->time.data,
                                                sc->time.len);
            break;
        }

        if (json_is_integer(v) && json_integer_value(v) > 0) {
            p = ngx_pnalloc(r->pool, NGX_INT64_LEN);
            if (p == NULL) {
                return NGX_ERROR;
            }

            sc->at = (time_t) json_integer_value(v);
            sc->time.data = p;
            sc->time.len = ngx_sprintf(p, "%T", sc->at) - p;
            break;
        }
    }

    v = json_object_get(d, "complete");

    if (json_is_boolean(v)) {
        sc->complete = json_is_true(v) ? 1 : 0;
    }

    if (ngx_http_cclink_sidecar_str(r, json_object_get(d, "result"),
                                    &sc->result)
        != NGX_OK
        || ngx_http_cclink_sidecar_str(r, json_object_get(d, "reason"),
                                       &sc->reason)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* errors: the failed API calls first, then the others */

    a = json_object_get(d, "calls");

    for (i = 0; json_is_array(a) && i < json_array_size(a); i++) {
        e = json_array_get(a, i);
        msg = json_object_get(e, "error");

        if (!json_is_string(msg) || json_string_length(msg) == 0) {
            continue;
        }

        if (ngx_http_cclink_sidecar_error(r, sc, json_object_get(e, "call"),
                                          msg, json_object_get(e, "status"))
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    a = json_object_get(d, "errors");

    for (i = 0; json_is_array(a) && i < json_array_size(a); i++) {
        e = json_array_get(a, i);

        if (json_is_string(e)) {
            if (ngx_http_cclink_sidecar_error(r, sc, NULL, e, NULL)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            continue;
        }

        if (!json_is_object(e)) {
            continue;
        }

        msg = json_object_get(e, "message");

        if (!json_is_string(msg)) {
            msg = json_object_get(e, "error");
        }

        if (ngx_http_cclink_sidecar_error(r, sc, json_object_get(e, "call"),
                                          msg, json_object_get(e, "status"))
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_cclink_sidecar_error(ngx_http_request_t *r,
    ngx_http_cclink_sidecar_t *sc, json_t *call, json_t *message,
    json_t *status)
{
    ngx_http_cclink_sc_error_t  *e;

    sc->nerrors++;

    if (sc->errors.nelts >= NGX_HTTP_CCLINK_SC_ERRORS) {
        return NGX_OK;
    }

    e = ngx_array_push(&sc->errors);
    if (e == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(e, sizeof(ngx_http_cclink_sc_error_t));

    e->status = -1;

    if (json_is_integer(status) && json_integer_value(status) > 0
        && json_integer_value(status) < 1000)
    {
        e->status = (ngx_int_t) json_integer_value(status);
    }

    if (ngx_http_cclink_sidecar_str(r, call, &e->call) != NGX_OK
        || ngx_http_cclink_sidecar_str(r, message, &e->message) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (e->message.data == NULL) {
        ngx_str_set(&e->message, "(no message)");
    }

    if (e->call.data == NULL) {
        ngx_str_set(&e->call, "");
    }

    return NGX_OK;
}


/* copies a JSON string into the request's pool; no string: data NULL */

static ngx_int_t
ngx_http_cclink_sidecar_str(ngx_http_request_t *r, json_t *v, ngx_str_t *s)
{
    size_t   len;

    ngx_str_null(s);

    if (!json_is_string(v)) {
        return NGX_OK;
    }

    /* one byte more than is shown, so that the output says it was cut */

    len = ngx_min(json_string_length(v), NGX_HTTP_CCLINK_STR_MAX + 1);

    s->data = ngx_pnalloc(r->pool, len + 1);
    if (s->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(s->data, json_string_value(v), len);
    s->data[len] = '\0';
    s->len = len;

    return NGX_OK;
}


/*
 * "2026-11-20T23:15:00Z", with optional fractional seconds and a "+hh:mm"
 * offset instead of "Z"; 0 if it is not that.
 */

static time_t
ngx_http_cclink_parse_time(const u_char *p, size_t len)
{
    ngx_int_t      y, mo, d, h, mi, s, oh, om, days, era, yoe, doy, doe;
    ngx_int_t      sign;
    const u_char  *last;

    last = p + len;

    if (len < 19 || p[4] != '-' || p[7] != '-'
        || (p[10] != 'T' && p[10] != 't' && p[10] != ' ')
        || p[13] != ':' || p[16] != ':')
    {
        return 0;
    }

    y = ngx_atoi((u_char *) p, 4);
    mo = ngx_atoi((u_char *) p + 5, 2);
    d = ngx_atoi((u_char *) p + 8, 2);
    h = ngx_atoi((u_char *) p + 11, 2);
    mi = ngx_atoi((u_char *) p + 14, 2);
    s = ngx_atoi((u_char *) p + 17, 2);

    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23
        || mi < 0 || mi > 59 || s < 0 || s > 60)
    {
        return 0;
    }

    p += 19;

    if (p < last && *p == '.') {
        do {
            p++;
        } while (p < last && *p >= '0' && *p <= '9');
    }

    sign = 0;
    oh = 0;
    om = 0;

    if (p < last && (*p == 'Z' || *p == 'z')) {
        p++;

    } else if (p < last && (*p == '+' || *p == '-')) {
        sign = (*p == '-') ? -1 : 1;
        p++;

        if (last - p == 5 && p[2] == ':') {
            oh = ngx_atoi((u_char *) p, 2);
            om = ngx_atoi((u_char *) p + 3, 2);

        } else if (last - p == 4) {
            oh = ngx_atoi((u_char *) p, 2);
            om = ngx_atoi((u_char *) p + 2, 2);

        } else {
            return 0;
        }

        if (oh < 0 || oh > 23 || om < 0 || om > 59) {
            return 0;
        }

        p = last;

    } else {
        return 0;
    }

    if (p != last) {
        return 0;
    }

    /* days since 1970-01-01 of a proleptic Gregorian date */

    y -= (mo <= 2);
    era = y / 400;
    yoe = y - era * 400;
    doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    days = era * 146097 + doe - 719468;

    return (time_t) days * 86400 + h * 3600 + mi * 60 + s
           - sign * (oh * 3600 + om * 60);
}


static void *
ngx_http_cclink_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_cclink_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_cclink_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->shm_zone = NULL;
     *     conf->sidecar_state = { 0, NULL };
     */

    conf->refresh = NGX_CONF_UNSET_UINT;

    return conf;
}


static char *
ngx_http_cclink_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_cclink_loc_conf_t *prev = parent;
    ngx_http_cclink_loc_conf_t *conf = child;

    ngx_conf_merge_uint_value(conf->refresh, prev->refresh, 5);
    ngx_conf_merge_str_value(conf->sidecar_state, prev->sidecar_state, "");

    if (conf->shm_zone == NULL) {
        conf->shm_zone = prev->shm_zone;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_cclink_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_cclink_loc_conf_t  *lcf = conf;

    ngx_str_t                 *value, name;
    ngx_http_core_loc_conf_t  *clcf;

    if (lcf->shm_zone) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2) {
        name = value[1];

    } else {
        ngx_str_set(&name, "cclink");
    }

    /*
     * Size 0: the zone is declared by "cclink_routes" in the stream block,
     * which may come before or after this one; nginx reports an unknown
     * zone when it is declared nowhere.
     */

    lcf->shm_zone = ngx_shared_memory_add(cf, &name, 0,
                                          &ngx_stream_cclink_module);
    if (lcf->shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_cclink_handler;

    return NGX_CONF_OK;
}


/* cclink_status_sidecar_state path | off; */

static char *
ngx_http_cclink_sidecar_state(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_cclink_loc_conf_t  *lcf = conf;

    ngx_str_t  *value;

    if (lcf->sidecar_state.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 3 && ngx_strncmp(value[1].data, "off", 3) == 0) {
        ngx_str_set(&lcf->sidecar_state, "");
        return NGX_CONF_OK;
    }

    if (value[1].len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "empty path in \"%V\"", &cmd->name);
        return NGX_CONF_ERROR;
    }

    lcf->sidecar_state = value[1];

    if (ngx_conf_full_name(cf->cycle, &lcf->sidecar_state, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * The DNS server's counters (ngx_stream_cclink_dns_module), by format:
 * ',"dns":{"responses":{"NOERROR":1,...},"dropped":0,"forwarded":0}',
 * 'cclink_dns_queries_total{rcode="NOERROR"} 1', an HTML table
 */

static void
ngx_http_cclink_dns(ngx_http_cclink_out_t *o, ngx_cclink_shm_t *sh,
    ngx_uint_t format)
{
    ngx_uint_t   i;

    static const char  *rcodes[NGX_CCLINK_DNS_RCODES + 1] = {
        "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
        "OTHER"
    };

    switch (format) {

    case NGX_HTTP_CCLINK_PROMETHEUS:
        ngx_http_cclink_printf(o,
            "# HELP cclink_dns_queries_total DNS queries answered, by the "
            "response code of the answer\n"
            "# TYPE cclink_dns_queries_total counter\n");

        for (i = 0; i <= NGX_CCLINK_DNS_RCODES; i++) {
            ngx_http_cclink_printf(o, "cclink_dns_queries_total"
                                   "{rcode=\"%s\"} %uA\n",
                                   rcodes[i], sh->dns_rcode[i]);
        }

        ngx_http_cclink_printf(o,
            "# HELP cclink_dns_dropped_total DNS queries not answered "
            "(responses, too short)\n"
            "# TYPE cclink_dns_dropped_total counter\n"
            "cclink_dns_dropped_total %uA\n"
            "# HELP cclink_dns_forwarded_total DNS queries passed to the "
            "server's proxy_pass resolver\n"
            "# TYPE cclink_dns_forwarded_total counter\n"
            "cclink_dns_forwarded_total %uA\n",
            sh->dns_dropped, sh->dns_forwarded);
        break;

    case NGX_HTTP_CCLINK_HTML:
        ngx_http_cclink_printf(o, "<h2>DNS</h2><table id=\"dns\"><thead>"
                               "<tr><th>answer</th><th>count</th></tr>"
                               "</thead><tbody>");

        for (i = 0; i <= NGX_CCLINK_DNS_RCODES; i++) {
            ngx_http_cclink_printf(o, "<tr><td>%s</td><td class=\"n\">%uA"
                                   "</td></tr>", rcodes[i],
                                   sh->dns_rcode[i]);
        }

        ngx_http_cclink_printf(o, "<tr><td>dropped</td><td class=\"n\">%uA"
                               "</td></tr><tr><td>forwarded</td>"
                               "<td class=\"n\">%uA</td></tr>"
                               "</tbody></table>",
                               sh->dns_dropped, sh->dns_forwarded);
        break;

    default: /* NGX_HTTP_CCLINK_JSON */
        ngx_http_cclink_printf(o, ",\"dns\":{\"responses\":{");

        for (i = 0; i <= NGX_CCLINK_DNS_RCODES; i++) {
            ngx_http_cclink_printf(o, "%s\"%s\":%uA", i ? "," : "",
                                   rcodes[i], sh->dns_rcode[i]);
        }

        ngx_http_cclink_printf(o, "},\"dropped\":%uA,\"forwarded\":%uA}",
                               sh->dns_dropped, sh->dns_forwarded);
        break;
    }
}
