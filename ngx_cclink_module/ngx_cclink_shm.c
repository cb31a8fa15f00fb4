/*
 * Copyright (C) cclink authors
 *
 * Shared memory of ngx_cclink_module: publishing route tables, releasing
 * retired ones, and the counter slots. See ngx_cclink_shm.h.
 */

#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_cclink_shm.h"


const char  *ngx_cclink_reason_names[NGX_CCLINK_NREASONS] = {
    "no_sni",
    "unknown_sni",
    "not_tls",
    "bad_client_hello",
    "client_hello_too_large",
    "preread_timeout",
    "client_closed",
    "no_address"
};


/* upper bounds of the connect time histogram buckets, in ms; +Inf last */
ngx_msec_t  ngx_cclink_hist_bounds[NGX_CCLINK_HIST - 1] = {
    1, 5, 10, 25, 100, 500, 2500
};


uint32_t
ngx_cclink_hash(const u_char *s, size_t len)
{
    return ngx_murmur_hash2((u_char *) s, len);
}


ngx_cclink_route_stat_t *
ngx_cclink_route_stat(ngx_slab_pool_t *shpool, ngx_cclink_shm_t *sh,
    const u_char *key, size_t key_len, const u_char *group, size_t group_len)
{
    uint32_t                  h;
    ngx_uint_t                i, n, pass;
    ngx_cclink_route_stat_t  *rs;

    if (key_len >= NGX_CCLINK_KEY_LEN) {
        key_len = NGX_CCLINK_KEY_LEN - 1;
    }

    if (group_len >= NGX_CCLINK_GROUP_LEN) {
        group_len = NGX_CCLINK_GROUP_LEN - 1;
    }

    h = ngx_cclink_hash(key, key_len) ^ ngx_cclink_hash(group, group_len);
    n = sh->nroute_stats - 1;       /* slot 0 is the overflow */

    /* first without the lock, then with it to claim a free slot */

    for (pass = 0; pass < 2; pass++) {

        if (pass == 1) {
            ngx_shmtx_lock(&shpool->mutex);
        }

        for (i = 0; i < n; i++) {
            rs = &sh->route_stats[1 + (h + i) % n];

            if (!rs->used) {
                if (pass == 0) {
                    break;
                }

                if (sh->route_stats_used >= n) {
                    break;
                }

                rs->hash = h;
                ngx_memcpy(rs->key, key, key_len);
                rs->key[key_len] = '\0';
                ngx_memcpy(rs->group, group, group_len);
                rs->group[group_len] = '\0';
                ngx_memory_barrier();
                rs->used = 1;
                sh->route_stats_used++;

                ngx_shmtx_unlock(&shpool->mutex);
                return rs;
            }

            if (rs->hash == h
                && ngx_strncmp(rs->key, key, key_len) == 0
                && rs->key[key_len] == '\0'
                && ngx_strncmp(rs->group, group, group_len) == 0
                && rs->group[group_len] == '\0')
            {
                if (pass == 1) {
                    ngx_shmtx_unlock(&shpool->mutex);
                }

                return rs;
            }
        }

        if (pass == 1) {
            ngx_shmtx_unlock(&shpool->mutex);
        }
    }

    return &sh->route_stats[0];
}


ngx_cclink_addr_stat_t *
ngx_cclink_addr_stat(ngx_slab_pool_t *shpool, ngx_cclink_shm_t *sh,
    const u_char *addr, size_t addr_len, const u_char *zone, size_t zone_len)
{
    uint32_t                 h;
    ngx_uint_t               i, n, pass;
    ngx_cclink_addr_stat_t  *as;

    if (addr_len >= CCLINK_RT_ADDR_TEXT) {
        addr_len = CCLINK_RT_ADDR_TEXT - 1;
    }

    if (zone_len >= NGX_CCLINK_ZONE_LEN) {
        zone_len = NGX_CCLINK_ZONE_LEN - 1;
    }

    h = ngx_cclink_hash(addr, addr_len);
    n = sh->naddr_stats - 1;

    for (pass = 0; pass < 2; pass++) {

        if (pass == 1) {
            ngx_shmtx_lock(&shpool->mutex);
        }

        for (i = 0; i < n; i++) {
            as = &sh->addr_stats[1 + (h + i) % n];

            if (!as->used) {
                if (pass == 0) {
                    break;
                }

                if (sh->addr_stats_used >= n) {
                    break;
                }

                as->hash = h;
                ngx_memcpy(as->addr, addr, addr_len);
                as->addr[addr_len] = '\0';
                ngx_memcpy(as->zone, zone, zone_len);
                as->zone[zone_len] = '\0';
                ngx_memory_barrier();
                as->used = 1;
                sh->addr_stats_used++;

                ngx_shmtx_unlock(&shpool->mutex);
                return as;
            }

            /* an address is one series whatever zone it is labelled with */

            if (as->hash == h
                && ngx_strncmp(as->addr, addr, addr_len) == 0
                && as->addr[addr_len] == '\0')
            {
                if (pass == 1) {
                    ngx_shmtx_unlock(&shpool->mutex);
                }

                return as;
            }
        }

        if (pass == 1) {
            ngx_shmtx_unlock(&shpool->mutex);
        }
    }

    return &sh->addr_stats[0];
}


void
ngx_cclink_count_connect(ngx_cclink_addr_stat_t *as, ngx_msec_t ms)
{
    ngx_uint_t  b;

    for (b = 0; b < NGX_CCLINK_HIST - 1; b++) {
        if (ms <= ngx_cclink_hist_bounds[b]) {
            break;
        }
    }

    (void) ngx_atomic_fetch_add(&as->connected, 1);
    (void) ngx_atomic_fetch_add(&as->connect_ms, ms);
    (void) ngx_atomic_fetch_add(&as->hist[b], 1);
    as->fails = 0;
}


void
ngx_cclink_refused(ngx_cclink_shm_t *sh, ngx_uint_t reason, ngx_str_t *name,
    ngx_str_t *client)
{
    size_t                len;
    ngx_uint_t            i;
    ngx_cclink_recent_t  *r;

    (void) ngx_atomic_fetch_add(&sh->refused[reason], 1);

    if (reason == NGX_CCLINK_CLIENT_CLOSED) {
        /* port probes and TCP health checks: counted, not listed */
        return;
    }

    /*
     * The ring of recent refusals is for display: entries may be torn
     * under concurrent writers; "time" is written last and zeroed first
     * so that a reader skips an entry being written.
     */

    i = ngx_atomic_fetch_add(&sh->recent_next, 1) % NGX_CCLINK_RECENT;
    r = &sh->recent[i];

    r->time = 0;
    ngx_memory_barrier();

    r->reason = reason;

    len = name ? ngx_min(name->len, sizeof(r->name) - 1) : 0;
    if (len) {
        ngx_memcpy(r->name, name->data, len);
    }
    r->name[len] = '\0';

    len = client ? ngx_min(client->len, sizeof(r->client) - 1) : 0;
    if (len) {
        ngx_memcpy(r->client, client->data, len);
    }
    r->client[len] = '\0';

    ngx_memory_barrier();
    r->time = ngx_time();
}


ngx_int_t
ngx_cclink_publish(ngx_slab_pool_t *shpool, ngx_cclink_shm_t *sh,
    cclink_rt_t *rt, ngx_cclink_file_id_t *file, ngx_log_t *log)
{
    size_t        size;
    ngx_uint_t    i;
    cclink_rt_t  *copy, *old;

    size = cclink_rt_size(rt);

    ngx_shmtx_lock(&shpool->mutex);

    for (i = 0; i < NGX_CCLINK_RETIRED; i++) {
        if (sh->retired[i].table == NULL) {
            break;
        }
    }

    if (i == NGX_CCLINK_RETIRED && sh->table) {
        ngx_shmtx_unlock(&shpool->mutex);
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "cclink: %d replaced route tables are still in use, "
                      "will retry", NGX_CCLINK_RETIRED);
        return NGX_AGAIN;
    }

    copy = ngx_slab_alloc_locked(shpool, size);
    if (copy == NULL) {
        ngx_shmtx_unlock(&shpool->mutex);
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "cclink: no room for a route table of %uz bytes%s; "
                      "make the zone larger", size, shpool->log_ctx);
        return NGX_ERROR;
    }

    ngx_memcpy(copy, rt, size);
    copy->id = ++sh->next_id;

    old = sh->table;

    ngx_memory_barrier();
    sh->table = copy;
    ngx_memory_barrier();
    sh->generation++;

    if (old) {
        sh->retired[i].table = old;
        sh->retired[i].gen = sh->generation;
        sh->retired[i].at = ngx_current_msec;
    }

    sh->serial = rt->serial;
    sh->loaded_at = ngx_time();
    sh->nroutes = rt->nroutes;
    sh->ngroups = rt->ngroups;
    sh->table_size = size;
    ngx_cpystrn(sh->generated, (u_char *) cclink_rt_str(rt, rt->generated_off),
                sizeof(sh->generated));

    if (file) {
        sh->file = *file;
    }

    sh->reloads++;

    ngx_shmtx_unlock(&shpool->mutex);

    return NGX_OK;
}


void
ngx_cclink_reclaim(ngx_slab_pool_t *shpool, ngx_cclink_shm_t *sh,
    ngx_msec_t grace, ngx_log_t *log)
{
    ngx_uint_t            i, w, busy;
    ngx_cclink_worker_t  *wk;
    ngx_cclink_retired_t *r;

    if (!ngx_shmtx_trylock(&shpool->mutex)) {
        return;
    }

    for (i = 0; i < NGX_CCLINK_RETIRED; i++) {
        r = &sh->retired[i];

        if (r->table == NULL
            || (ngx_msec_int_t) (ngx_current_msec - r->at) < (ngx_msec_int_t)
                                                             grace)
        {
            continue;
        }

        busy = 0;

        for (w = 0; w < NGX_CCLINK_MAX_WORKERS; w++) {
            wk = &sh->workers[w];

            if (wk->pid == 0 || wk->gen >= r->gen) {
                continue;
            }

            if (kill(wk->pid, 0) == -1 && ngx_errno == NGX_ESRCH) {
                /* that worker is gone */
                wk->pid = 0;
                continue;
            }

            busy = 1;
            break;
        }

        if (busy) {
            continue;
        }

        ngx_log_debug1(NGX_LOG_DEBUG_CORE, log, 0,
                       "cclink: releasing route table %p", r->table);

        ngx_slab_free_locked(shpool, r->table);
        r->table = NULL;
    }

    ngx_shmtx_unlock(&shpool->mutex);
}
