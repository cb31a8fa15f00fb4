/*
 * Copyright (C) cclink authors
 *
 * The snapshot the status page is written from: the zone's counters read
 * once, before any output, as ngx_http_stub_status_module reads its
 * counters and then formats them. The route and address series are
 * copied and sorted here; the formats only read the copy.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_cclink.h"


static ngx_uint_t ngx_http_cclink_recent(ngx_cclink_shm_t *sh,
    ngx_atomic_uint_t next, ngx_uint_t i, ngx_cclink_recent_t *rc);
static ngx_int_t ngx_http_cclink_collect_routes(ngx_http_request_t *r,
    ngx_cclink_shm_t *sh, ngx_http_cclink_snapshot_t *s);
static int ngx_libc_cdecl ngx_http_cclink_cmp_rows(const void *one,
    const void *two);
static ngx_int_t ngx_http_cclink_collect_addrs(ngx_http_request_t *r,
    ngx_cclink_shm_t *sh, ngx_http_cclink_snapshot_t *s);
static int ngx_libc_cdecl ngx_http_cclink_cmp_addrs(const void *one,
    const void *two);
static ngx_int_t ngx_http_cclink_route_attrs(ngx_http_request_t *r,
    ngx_cclink_shm_t *sh, ngx_http_cclink_snapshot_t *s);


/* the DNS server's answers by response code; the last one counts others */

const char  *ngx_http_cclink_dns_rcodes[NGX_CCLINK_DNS_RCODES + 1] = {
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
    "OTHER"
};


ngx_int_t
ngx_http_cclink_snapshot(ngx_http_request_t *r, ngx_cclink_shm_t *sh,
    ngx_uint_t format, ngx_http_cclink_snapshot_t *s)
{
    ngx_uint_t         i;
    ngx_atomic_uint_t  next;

    ngx_memzero(s, sizeof(ngx_http_cclink_snapshot_t));

    s->now = ngx_time();
    s->started = sh->started;

    s->serial = sh->serial;
    s->generation = sh->generation;
    s->loaded_at = sh->loaded_at;
    s->nroutes = sh->nroutes;
    s->ngroups = sh->ngroups;
    s->table_size = sh->table_size;
    ngx_memcpy(s->generated, sh->generated, sizeof(s->generated));
    s->reloads = sh->reloads;
    s->load_errors = sh->load_errors;
    s->error_at = sh->error_at;
    ngx_memcpy(s->error, sh->error, sizeof(s->error));

    s->route_stats_used = sh->route_stats_used;
    s->route_series = sh->route_series;
    s->addr_stats_used = sh->addr_stats_used;
    s->addr_series = sh->addr_series;

    for (i = 0; i < NGX_CCLINK_NREASONS; i++) {
        s->refused[i] = sh->refused[i];
    }

    s->connect_accepted = sh->connect_accepted;

    for (i = 0; i < NGX_CCLINK_CONNECT_NREASONS; i++) {
        s->connect_refused[i] = sh->connect_refused[i];
    }

    for (i = 0; i <= NGX_CCLINK_DNS_RCODES; i++) {
        s->dns_rcode[i] = sh->dns_rcode[i];
    }

    s->dns_dropped = sh->dns_dropped;
    s->dns_forwarded = sh->dns_forwarded;

    next = sh->recent_next;

    for (i = 0; i < NGX_CCLINK_RECENT; i++) {
        if (ngx_http_cclink_recent(sh, next, i, &s->recent[s->nrecent])) {
            s->nrecent++;
        }
    }

    if (ngx_http_cclink_collect_routes(r, sh, s) != NGX_OK
        || ngx_http_cclink_collect_addrs(r, sh, s) != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* the routes' attributes are labels in Prometheus only */

    if (format == NGX_HTTP_CCLINK_PROMETHEUS) {
        return ngx_http_cclink_route_attrs(r, sh, s);
    }

    return NGX_OK;
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

static ngx_int_t
ngx_http_cclink_collect_routes(ngx_http_request_t *r, ngx_cclink_shm_t *sh,
    ngx_http_cclink_snapshot_t *s)
{
    ngx_uint_t                i, k;
    ngx_http_cclink_row_t    *rows;
    ngx_cclink_route_stat_t  *rs;

    rows = ngx_palloc(r->pool,
                      (sh->nroute_stats + 1) * sizeof(ngx_http_cclink_row_t));
    if (rows == NULL) {
        return NGX_ERROR;
    }

    k = 0;

    for (i = 0; i < sh->nroute_stats; i++) {
        rs = &sh->route_stats[i];

        if (!rs->used || (i == 0 && rs->conns == 0)) {
            continue;
        }

        /* sorted by values read once: the live ones keep changing */

        ngx_memcpy(&rows[k].rs, rs, sizeof(ngx_cclink_route_stat_t));
        rows[k].rt = NULL;
        rows[k].route = NULL;
        k++;
    }

    ngx_qsort(rows, k, sizeof(ngx_http_cclink_row_t),
              ngx_http_cclink_cmp_rows);

    s->rows = rows;
    s->nrows = k;

    return NGX_OK;
}


static int ngx_libc_cdecl
ngx_http_cclink_cmp_rows(const void *one, const void *two)
{
    const ngx_http_cclink_row_t  *a = one;
    const ngx_http_cclink_row_t  *b = two;

    int  rc;

    if (a->rs.active != b->rs.active) {
        return a->rs.active > b->rs.active ? -1 : 1;
    }

    if (a->rs.conns != b->rs.conns) {
        return a->rs.conns > b->rs.conns ? -1 : 1;
    }

    rc = ngx_strcmp(a->rs.key, b->rs.key);

    if (rc == 0) {
        rc = ngx_strcmp(a->rs.group, b->rs.group);
    }

    return rc;
}


/*
 * The address series in use, by zone and address; the overflow last, once
 * it has counted something.
 */

static ngx_int_t
ngx_http_cclink_collect_addrs(ngx_http_request_t *r, ngx_cclink_shm_t *sh,
    ngx_http_cclink_snapshot_t *s)
{
    ngx_uint_t                i, k;
    ngx_cclink_addr_stat_t   *as, *addrs;

    addrs = ngx_palloc(r->pool,
                       (sh->naddr_stats + 1) * sizeof(ngx_cclink_addr_stat_t));
    if (addrs == NULL) {
        return NGX_ERROR;
    }

    k = 0;

    for (i = 1; i < sh->naddr_stats; i++) {
        as = &sh->addr_stats[i];

        if (as->used) {
            ngx_memcpy(&addrs[k++], as, sizeof(ngx_cclink_addr_stat_t));
        }
    }

    ngx_qsort(addrs, k, sizeof(ngx_cclink_addr_stat_t),
              ngx_http_cclink_cmp_addrs);

    as = &sh->addr_stats[0];

    if (as->used && as->attempts) {
        ngx_memcpy(&addrs[k++], as, sizeof(ngx_cclink_addr_stat_t));
    }

    s->addrs = addrs;
    s->naddrs = k;

    return NGX_OK;
}


static int ngx_libc_cdecl
ngx_http_cclink_cmp_addrs(const void *one, const void *two)
{
    const ngx_cclink_addr_stat_t  *a = one;
    const ngx_cclink_addr_stat_t  *b = two;

    int  rc;

    rc = ngx_strcmp(a->zone, b->zone);

    if (rc == 0) {
        rc = ngx_strcmp(a->addr, b->addr);
    }

    return rc;
}


/*
 * The route in force of each series, for the attributes it carries: one
 * pass over the table's routes, finding series by the hash of their key
 * (a series is a route key and its group). Series of routes that are gone
 * get none.
 */

static ngx_int_t
ngx_http_cclink_route_attrs(ngx_http_request_t *r, ngx_cclink_shm_t *sh,
    ngx_http_cclink_snapshot_t *s)
{
    uint32_t                  *slot;
    ngx_uint_t                 i, k, n, size, mask, h;
    cclink_rt_t               *rt;
    const char                *key;
    const cclink_rt_route_t   *rr;
    const cclink_rt_group_t   *groups;
    ngx_http_cclink_row_t     *rows;

    rt = sh->table;
    rows = s->rows;
    n = s->nrows;

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
        h = ngx_hash_key(rows[i].rs.key,
                         ngx_strlen(rows[i].rs.key)) & mask;

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

            if (ngx_strcmp(rows[i].rs.key, key) == 0
                && ngx_strcmp(rows[i].rs.group,
                              cclink_rt_str(rt, groups[rr->group].name_off))
                   == 0)
            {
                rows[i].route = rr;
            }
        }
    }

    return NGX_OK;
}
