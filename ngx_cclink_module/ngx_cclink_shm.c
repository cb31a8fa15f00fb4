/*
 * Copyright (C) cclink authors
 *
 * Shared memory of ngx_cclink_module: publishing route tables, releasing
 * retired ones, and the counter slots. See ngx_cclink_shm.h.
 */

#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_cclink_shm.h"


/* a series to look up: its name and label, and their hash */
typedef struct {
    const u_char              *name;      /* route key, or address */
    size_t                     name_len;
    const u_char              *label;     /* endpoint group, or zone */
    size_t                     label_len;
    uint32_t                   hash;
} ngx_cclink_slot_key_t;


typedef ngx_int_t (*ngx_cclink_slot_match_pt)(void *slot,
    ngx_cclink_slot_key_t *k);
typedef void (*ngx_cclink_slot_fill_pt)(void *slot,
    ngx_cclink_slot_key_t *k);


/* an array of counter slots of one kind; [0] is the overflow */
typedef struct {
    u_char                    *slots;
    size_t                     size;      /* of a slot */
    ngx_uint_t                 nslots;
    ngx_uint_t                 series;    /* at most this many claimed */
    ngx_atomic_t              *used;
    ngx_cclink_slot_match_pt   match;
    ngx_cclink_slot_fill_pt    fill;
} ngx_cclink_slots_t;


static void *ngx_cclink_slot(ngx_slab_pool_t *shpool, ngx_cclink_slots_t *st,
    ngx_cclink_slot_key_t *k);
static u_char *ngx_cclink_slot_find(ngx_cclink_slots_t *st,
    ngx_cclink_slot_key_t *k, ngx_uint_t probes, u_char **vacant);
static ngx_int_t ngx_cclink_route_match(void *slot, ngx_cclink_slot_key_t *k);
static void ngx_cclink_route_fill(void *slot, ngx_cclink_slot_key_t *k);
static ngx_int_t ngx_cclink_addr_match(void *slot, ngx_cclink_slot_key_t *k);
static void ngx_cclink_addr_fill(void *slot, ngx_cclink_slot_key_t *k);


const char  *ngx_cclink_reason_names[NGX_CCLINK_NREASONS] = {
    "no_sni",
    "unknown_sni",
    "not_tls",
    "bad_client_hello",
    "client_hello_too_large",
    "preread_timeout",
    "client_closed",
    "no_address",
    "loop"
};


const char  *ngx_cclink_connect_reason_names[NGX_CCLINK_CONNECT_NREASONS] = {
    "bad_request",
    "name_not_allowed",
    "port_not_allowed",
    "method_not_allowed",
    "auth_required",
    "timeout",
    "head_too_large",
    "sni_mismatch"
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


/*
 * Finds the slot of a series, or claims one for it: slots are probed from
 * the series' hash over at most NGX_CCLINK_PROBES slots. A series is
 * always in the first free slot of its window at the time it was claimed,
 * and slots are never released: so a lookup that meets a free slot before
 * its series knows the series has no slot yet, and a series that gets the
 * overflow slot (the window full, or as many series as allowed) keeps
 * getting it. That is what lets a worker cache the answer.
 *
 * The lookup takes no lock: a slot's "used" is set after its key is
 * written. Claims are made under the slab mutex; once the series limit is
 * reached, no lock is taken at all.
 */

static void *
ngx_cclink_slot(ngx_slab_pool_t *shpool, ngx_cclink_slots_t *st,
    ngx_cclink_slot_key_t *k)
{
    u_char      *slot, *vacant;
    ngx_uint_t   probes;

    probes = ngx_min(st->nslots - 1, NGX_CCLINK_PROBES);

    slot = ngx_cclink_slot_find(st, k, probes, &vacant);

    if (slot) {
        return slot;
    }

    if (vacant == NULL) {
        /* the window is full of other series, and stays so */
        return st->slots;
    }

    if (*st->used >= st->series) {

        /*
         * No slot can be claimed any more, but this series may have taken
         * the last one since the lookup: look again, still without the
         * lock, as a slot is complete before the count includes it.
         */

        ngx_memory_barrier();

        slot = ngx_cclink_slot_find(st, k, probes, &vacant);

        return slot ? slot : st->slots;
    }

    ngx_shmtx_lock(&shpool->mutex);

    slot = ngx_cclink_slot_find(st, k, probes, &vacant);

    if (slot == NULL && vacant && *st->used < st->series) {
        st->fill(vacant, k);
        ngx_memory_barrier();
        *(ngx_atomic_t *) vacant = 1;
        ngx_memory_barrier();
        (*st->used)++;

        slot = vacant;
    }

    ngx_shmtx_unlock(&shpool->mutex);

    return slot ? slot : st->slots;
}


/*
 * Looks a series up in its window: its slot, or NULL and in "vacant" the
 * first free slot of the window (NULL if there is none).
 */

static u_char *
ngx_cclink_slot_find(ngx_cclink_slots_t *st, ngx_cclink_slot_key_t *k,
    ngx_uint_t probes, u_char **vacant)
{
    u_char      *slot;
    ngx_uint_t   i, n;

    n = st->nslots - 1;                 /* slot 0 is the overflow */
    *vacant = NULL;

    for (i = 0; i < probes; i++) {
        slot = st->slots + (1 + (k->hash + i) % n) * st->size;

        /* "used" is the first member of every kind of slot */

        if (!*(ngx_atomic_t *) slot) {
            *vacant = slot;
            return NULL;
        }

        if (st->match(slot, k)) {
            return slot;
        }
    }

    return NULL;
}


ngx_cclink_route_stat_t *
ngx_cclink_route_stat(ngx_slab_pool_t *shpool, ngx_cclink_shm_t *sh,
    const u_char *key, size_t key_len, const u_char *group, size_t group_len)
{
    ngx_cclink_slots_t     st;
    ngx_cclink_slot_key_t  k;

    k.name = key;
    k.name_len = ngx_min(key_len, NGX_CCLINK_KEY_LEN - 1);
    k.label = group;
    k.label_len = ngx_min(group_len, NGX_CCLINK_GROUP_LEN - 1);
    k.hash = ngx_cclink_hash(k.name, k.name_len)
             ^ ngx_cclink_hash(k.label, k.label_len);

    st.slots = (u_char *) sh->route_stats;
    st.size = sizeof(ngx_cclink_route_stat_t);
    st.nslots = sh->nroute_stats;
    st.series = sh->route_series;
    st.used = &sh->route_stats_used;
    st.match = ngx_cclink_route_match;
    st.fill = ngx_cclink_route_fill;

    return ngx_cclink_slot(shpool, &st, &k);
}


static ngx_int_t
ngx_cclink_route_match(void *slot, ngx_cclink_slot_key_t *k)
{
    ngx_cclink_route_stat_t  *rs = slot;

    return rs->hash == k->hash
           && ngx_strncmp(rs->key, k->name, k->name_len) == 0
           && rs->key[k->name_len] == '\0'
           && ngx_strncmp(rs->group, k->label, k->label_len) == 0
           && rs->group[k->label_len] == '\0';
}


static void
ngx_cclink_route_fill(void *slot, ngx_cclink_slot_key_t *k)
{
    ngx_cclink_route_stat_t  *rs = slot;

    rs->hash = k->hash;
    ngx_memcpy(rs->key, k->name, k->name_len);
    rs->key[k->name_len] = '\0';
    ngx_memcpy(rs->group, k->label, k->label_len);
    rs->group[k->label_len] = '\0';
}


ngx_cclink_addr_stat_t *
ngx_cclink_addr_stat(ngx_slab_pool_t *shpool, ngx_cclink_shm_t *sh,
    const u_char *addr, size_t addr_len, const u_char *zone, size_t zone_len)
{
    ngx_cclink_slots_t     st;
    ngx_cclink_slot_key_t  k;

    /* an address is one series whatever zone it is labelled with */

    k.name = addr;
    k.name_len = ngx_min(addr_len, CCLINK_ADDR_TEXT - 1);
    k.label = zone;
    k.label_len = ngx_min(zone_len, NGX_CCLINK_ZONE_LEN - 1);
    k.hash = ngx_cclink_hash(k.name, k.name_len);

    st.slots = (u_char *) sh->addr_stats;
    st.size = sizeof(ngx_cclink_addr_stat_t);
    st.nslots = sh->naddr_stats;
    st.series = sh->addr_series;
    st.used = &sh->addr_stats_used;
    st.match = ngx_cclink_addr_match;
    st.fill = ngx_cclink_addr_fill;

    return ngx_cclink_slot(shpool, &st, &k);
}


static ngx_int_t
ngx_cclink_addr_match(void *slot, ngx_cclink_slot_key_t *k)
{
    ngx_cclink_addr_stat_t  *as = slot;

    return as->hash == k->hash
           && ngx_strncmp(as->addr, k->name, k->name_len) == 0
           && as->addr[k->name_len] == '\0';
}


static void
ngx_cclink_addr_fill(void *slot, ngx_cclink_slot_key_t *k)
{
    ngx_cclink_addr_stat_t  *as = slot;

    as->hash = k->hash;
    ngx_memcpy(as->addr, k->name, k->name_len);
    as->addr[k->name_len] = '\0';
    ngx_memcpy(as->zone, k->label, k->label_len);
    as->zone[k->label_len] = '\0';
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
ngx_cclink_count_refusal(ngx_cclink_shm_t *sh, ngx_uint_t reason,
    ngx_str_t *name, ngx_str_t *client)
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

    /* the caller says why a table is not placed, once, and retries */

    if (i == NGX_CCLINK_RETIRED && sh->table) {
        ngx_shmtx_unlock(&shpool->mutex);
        ngx_log_debug1(NGX_LOG_DEBUG_CORE, log, 0,
                       "cclink: %d replaced route tables are still in use",
                       NGX_CCLINK_RETIRED);
        return NGX_AGAIN;
    }

    copy = ngx_slab_alloc_locked(shpool, size);
    if (copy == NULL) {
        ngx_shmtx_unlock(&shpool->mutex);
        ngx_log_debug1(NGX_LOG_DEBUG_CORE, log, 0,
                       "cclink: no room for a route table of %uz bytes",
                       size);
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
