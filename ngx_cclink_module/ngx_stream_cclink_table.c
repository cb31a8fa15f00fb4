/*
 * Copyright (C) cclink authors
 *
 * ngx_stream_cclink_module: loading the route table. The zone's set-up
 * with the table read at configuration time; in each worker a timer and
 * the directory's notifications that look at the file's identity; one
 * worker elected to parse a changed file and publish it in the zone; the
 * per-worker compiled regular expressions of the table in force; the
 * periodic accounting of open sessions.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_stream.h>

#include "ngx_stream_cclink_module.h"


/* a loader that has held the election this long (seconds) is replaced */
#define NGX_STREAM_CCLINK_LOADER_TIMEOUT  60

/* pages a zone keeps beyond its counters and tables, for small allocs */
#define NGX_STREAM_CCLINK_SPARE_PAGES     16


static void ngx_stream_cclink_timer_handler(ngx_event_t *ev);
static void ngx_stream_cclink_check_file(ngx_stream_cclink_main_conf_t *mcf,
    ngx_log_t *log);
static void ngx_stream_cclink_file_changed(void *data, ngx_log_t *log);
static void ngx_stream_cclink_nofit(ngx_stream_cclink_main_conf_t *mcf,
    cclink_rt_t *rt, ngx_int_t rc, ngx_cclink_file_id_t *id, ngx_log_t *log);


/*
 * In a worker: the timer that checks the file every interval (it stays
 * for file systems without notifications) and the directory's watch.
 */

ngx_int_t
ngx_stream_cclink_table_start(ngx_stream_cclink_main_conf_t *mcf,
    ngx_log_t *log)
{
    mcf->timer.handler = ngx_stream_cclink_timer_handler;
    mcf->timer.data = mcf;
    mcf->timer.log = log;
    mcf->timer.cancelable = 1;

    ngx_add_timer(&mcf->timer, mcf->interval);

    mcf->watch.changed = ngx_stream_cclink_file_changed;
    mcf->watch.data = mcf;

    if (ngx_cclink_watch_start(&mcf->watch, &mcf->path, log) == NGX_ERROR) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_stream_cclink_timer_handler(ngx_event_t *ev)
{
    ngx_queue_t                    *q;
    ngx_atomic_uint_t               gen;
    ngx_cclink_shm_t               *sh;
    ngx_stream_cclink_ctx_t        *ctx;
    ngx_stream_cclink_main_conf_t  *mcf;

    mcf = ev->data;
    sh = mcf->sh;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        ngx_cclink_watch_stop(&mcf->watch);

        /* shutting down: stop taking part in table release */
        if (mcf->slot < NGX_CCLINK_MAX_WORKERS
            && sh->workers[mcf->slot].pid == ngx_pid)
        {
            sh->workers[mcf->slot].pid = 0;
        }

        return;
    }

    ngx_stream_cclink_check_file(mcf, ev->log);

    if (ngx_time() - mcf->local_at >= NGX_STREAM_CCLINK_LOCAL_EVERY) {
        ngx_stream_cclink_read_local(mcf, ev->log);
    }

    /* no table pointer is held between events: say what we have seen */

    gen = sh->generation;
    ngx_memory_barrier();

    if (mcf->slot < NGX_CCLINK_MAX_WORKERS) {
        sh->workers[mcf->slot].pid = ngx_pid;
        sh->workers[mcf->slot].gen = gen;
    }

    if (sh->table && sh->table->nregex) {
        (void) ngx_stream_cclink_regexes(mcf, sh->table, ev->log);
    }

    ngx_cclink_reclaim(mcf->shpool, sh, 2 * mcf->interval, ev->log);

    for (q = ngx_queue_head(&mcf->sessions);
         q != ngx_queue_sentinel(&mcf->sessions);
         q = ngx_queue_next(q))
    {
        ctx = ngx_queue_data(q, ngx_stream_cclink_ctx_t, queue);
        ngx_stream_cclink_account(ctx, 0);
    }

    ngx_add_timer(ev, mcf->interval);
}


/*
 * The table's directory says the file was replaced or written: it is
 * looked at now rather than at the next tick of the timer.
 */

static void
ngx_stream_cclink_file_changed(void *data, ngx_log_t *log)
{
    ngx_stream_cclink_main_conf_t  *mcf = data;

    ngx_stream_cclink_check_file(mcf, log);
}


static void
ngx_stream_cclink_check_file(ngx_stream_cclink_main_conf_t *mcf,
    ngx_log_t *log)
{
    char                   err[NGX_CCLINK_ERRLEN];
    ngx_pid_t              loader;
    ngx_int_t              rc;
    cclink_rt_t           *rt;
    ngx_cclink_shm_t      *sh;
    ngx_cclink_file_id_t   id;

    sh = mcf->sh;

    if (ngx_stream_cclink_file_id((char *) mcf->path.data, &id) != NGX_OK) {
        ngx_memzero(&id, sizeof(id));
    }

    if (ngx_memcmp(&id, &sh->file, sizeof(id)) == 0) {
        return;
    }

    /*
     * One worker loads; the others keep serving with the current table.
     * The election is a compare-and-set of the loader's pid, deliberately
     * not an ngx_shmtx: nobody ever waits for it (a worker that loses goes
     * on serving and looks again at the next check), and the pid it holds
     * lets another worker take over from a loader that died or hangs,
     * which a lock of our own would not allow (after a crash the master
     * force-unlocks only the slab pool's mutex, and a hung holder is
     * never released). Parsing happens outside the slab pool's mutex.
     */

    if (!ngx_atomic_cmp_set(&sh->loader, 0, ngx_pid)) {
        loader = (ngx_pid_t) sh->loader;

        if (loader == 0
            || (ngx_time() - (time_t) sh->loader_since
                < NGX_STREAM_CCLINK_LOADER_TIMEOUT
                && !(kill(loader, 0) == -1 && ngx_errno == NGX_ESRCH)))
        {
            return;
        }

        /* the loader died or hung: take over */

        if (!ngx_atomic_cmp_set(&sh->loader, loader, ngx_pid)) {
            return;
        }
    }

    sh->loader_since = ngx_time();

    if (ngx_memcmp(&id, &sh->file, sizeof(id)) == 0) {
        /* another worker has just done it */
        goto done;
    }

    if (cclink_rt_parse_file((char *) mcf->path.data, &rt, err, sizeof(err))
        != 0)
    {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "cclink: route table not reloaded, keeping serial "
                      "%uL: %s", sh->serial, err);

        ngx_cpystrn(sh->error, (u_char *) err, sizeof(sh->error));
        sh->error_at = ngx_time();
        (void) ngx_atomic_fetch_add(&sh->load_errors, 1);
        sh->file = id;

        goto done;
    }

    rc = ngx_cclink_publish(mcf->shpool, sh, rt, &id, log);

    if (rc == NGX_OK) {
        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "cclink: route table \"%V\" serial %uL loaded: "
                      "%uD routes, %uD groups", &mcf->path, rt->serial,
                      rt->nroutes, rt->ngroups);

    } else {
        /* tried again at the next check: sh->file stays as it was */
        ngx_stream_cclink_nofit(mcf, rt, rc, &id, log);
    }

    cclink_rt_free(rt);

done:

    ngx_memory_barrier();
    sh->loader = 0;
}


/*
 * A table that does not fit now: all slots for replaced tables are held
 * (NGX_AGAIN), or no free run of pages is large enough (NGX_ERROR) while
 * replaced tables are held within their grace time, or for good (the zone
 * is too small or fragmented). Said once per file and worker; the next
 * checks try again until it fits or the file changes.
 */

static void
ngx_stream_cclink_nofit(ngx_stream_cclink_main_conf_t *mcf, cclink_rt_t *rt,
    ngx_int_t rc, ngx_cclink_file_id_t *id, ngx_log_t *log)
{
    size_t             size;
    ngx_uint_t         i, held;
    ngx_cclink_shm_t  *sh;

    if (ngx_memcmp(&mcf->nofit_file, id, sizeof(ngx_cclink_file_id_t)) == 0)
    {
        return;
    }

    mcf->nofit_file = *id;

    sh = mcf->sh;
    size = cclink_rt_size(rt);
    held = 0;

    for (i = 0; i < NGX_CCLINK_RETIRED; i++) {
        if (sh->retired[i].table) {
            held++;
        }
    }

    if (rc == NGX_AGAIN || held) {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "cclink: route table \"%V\" serial %uL (%uz bytes) "
                      "not loaded yet: %ui replaced tables are still held "
                      "within their grace time; trying again at each "
                      "check; if this lasts, make the zone larger",
                      &mcf->path, rt->serial, size, held);

        ngx_snprintf(sh->error, sizeof(sh->error) - 1,
                     "%V: serial %uL waits for %ui replaced tables to be "
                     "released%Z", &mcf->path, rt->serial, held);

    } else {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "cclink: route table \"%V\" serial %uL (%uz bytes) "
                      "does not fit in the zone%s, too small or "
                      "fragmented; trying again at each check; make the "
                      "zone larger (zone=NAME:SIZE, at least %uzk for this "
                      "table) and restart nginx", &mcf->path, rt->serial,
                      size, mcf->shpool->log_ctx,
                      ngx_stream_cclink_zone_need(sh->route_series,
                                                  sh->addr_series, 2 * size)
                      / 1024 + 1);

        ngx_snprintf(sh->error, sizeof(sh->error) - 1,
                     "%V: table of %uz bytes does not fit in the zone%Z",
                     &mcf->path, size);
    }

    sh->error_at = ngx_time();
    (void) ngx_atomic_fetch_add(&sh->load_errors, 1);
}


/*
 * The size a zone needs: every allocation larger than half a page takes
 * whole pages, every page costs a page descriptor, and the slab pool
 * starts with its own header, slot and statistics arrays and aligns its
 * pages; 16 pages are left for small allocations and other modules.
 */

size_t
ngx_stream_cclink_zone_need(ngx_uint_t route_series, ngx_uint_t addr_series,
    size_t table)
{
    size_t  pages;

    pages = ngx_stream_cclink_pages(sizeof(ngx_cclink_shm_t))
            + ngx_stream_cclink_pages((2 * route_series + 1)
                                      * sizeof(ngx_cclink_route_stat_t))
            + ngx_stream_cclink_pages((2 * addr_series + 1)
                                      * sizeof(ngx_cclink_addr_stat_t))
            + ngx_stream_cclink_pages(table)
            + NGX_STREAM_CCLINK_SPARE_PAGES;

    return sizeof(ngx_slab_pool_t)
           + ngx_pagesize_shift * (sizeof(ngx_slab_page_t)
                                   + sizeof(ngx_slab_stat_t))
           + (pages + 1) * (ngx_pagesize + sizeof(ngx_slab_page_t));
}


cclink_rt_regexes_t *
ngx_stream_cclink_regexes(ngx_stream_cclink_main_conf_t *mcf, cclink_rt_t *rt,
    ngx_log_t *log)
{
    char             err[NGX_CCLINK_ERRLEN];
    cclink_rt_regexes_t  *regexes;

    if (mcf->regexes && mcf->regexes_id == rt->id) {
        return mcf->regexes;
    }

    regexes = cclink_rt_regexes_compile(rt, err, sizeof(err));
    if (regexes == NULL) {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "cclink: cannot compile the regular expressions of "
                      "route table serial %uL: %s", rt->serial, err);
        return NULL;
    }

    cclink_rt_regexes_free(mcf->regexes);
    mcf->regexes = regexes;
    mcf->regexes_id = rt->id;

    return regexes;
}


ngx_int_t
ngx_stream_cclink_file_id(const char *path, ngx_cclink_file_id_t *id)
{
    struct stat  st;

    if (stat(path, &st) == -1) {
        return NGX_ERROR;
    }

    ngx_memzero(id, sizeof(*id));
    id->dev = st.st_dev;
    id->ino = st.st_ino;
    id->size = st.st_size;
    id->mtime = st.st_mtim.tv_sec;
    id->mtime_ns = st.st_mtim.tv_nsec;

    return NGX_OK;
}


ngx_int_t
ngx_stream_cclink_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_stream_cclink_main_conf_t  *omcf = data;

    ngx_cclink_shm_t               *sh;
    ngx_slab_pool_t                *shpool;
    ngx_stream_cclink_main_conf_t  *mcf;

    mcf = shm_zone->data;
    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (omcf) {
        /* a reload keeps the zone: the counters survive */
        mcf->shpool = omcf->shpool;
        mcf->sh = omcf->sh;

        sh = mcf->sh;

        if (sh->route_series != mcf->route_series
            || sh->addr_series != mcf->addr_series)
        {
            /* as limit_conn_zone reports a changed key */
            ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                          "cclink_routes zone \"%V\" uses "
                          "max_route_series=%ui max_address_series=%ui "
                          "while previously it used max_route_series=%ui "
                          "max_address_series=%ui; use another zone name "
                          "or restart nginx to change them",
                          &shm_zone->shm.name, mcf->route_series,
                          mcf->addr_series, sh->route_series,
                          sh->addr_series);
            return NGX_ERROR;
        }

    } else if (shm_zone->shm.exists) {
        mcf->shpool = shpool;
        mcf->sh = shpool->data;
        return NGX_OK;

    } else {
        sh = ngx_slab_calloc(shpool, sizeof(ngx_cclink_shm_t));
        if (sh == NULL) {
            return NGX_ERROR;
        }

        sh->route_series = mcf->route_series;
        sh->addr_series = mcf->addr_series;
        sh->nroute_stats = 2 * mcf->route_series + 1;
        sh->naddr_stats = 2 * mcf->addr_series + 1;

        sh->route_stats = ngx_slab_calloc(shpool, sh->nroute_stats
                                          * sizeof(ngx_cclink_route_stat_t));
        sh->addr_stats = ngx_slab_calloc(shpool, sh->naddr_stats
                                         * sizeof(ngx_cclink_addr_stat_t));

        if (sh->route_stats == NULL || sh->addr_stats == NULL) {
            ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                          "cclink: zone \"%V\" is too small for %ui route "
                          "and %ui address series", &shm_zone->shm.name,
                          mcf->route_series, mcf->addr_series);
            return NGX_ERROR;
        }

        ngx_cpystrn(sh->route_stats[0].key, (u_char *) NGX_CCLINK_OVERFLOW,
                    NGX_CCLINK_KEY_LEN);
        ngx_cpystrn(sh->route_stats[0].group,
                    (u_char *) NGX_CCLINK_OVERFLOW, NGX_CCLINK_GROUP_LEN);
        sh->route_stats[0].used = 1;
        ngx_cpystrn(sh->addr_stats[0].addr, (u_char *) NGX_CCLINK_OVERFLOW,
                    CCLINK_ADDR_TEXT);
        sh->addr_stats[0].used = 1;

        sh->started = ngx_time();

        /* a table that does not fit is said once, and retried, by us */
        shpool->log_nomem = 0;

        shpool->data = sh;
        mcf->shpool = shpool;
        mcf->sh = sh;

        shpool->log_ctx = ngx_slab_alloc(shpool,
                                         sizeof(" in cclink zone \"\"")
                                         + shm_zone->shm.name.len);
        if (shpool->log_ctx == NULL) {
            return NGX_ERROR;
        }

        ngx_sprintf(shpool->log_ctx, " in cclink zone \"%V\"%Z",
                    &shm_zone->shm.name);
    }

    if (omcf && mcf->sh->table
        && ngx_memcmp(&mcf->sh->file, &mcf->initial_file,
                      sizeof(ngx_cclink_file_id_t))
           == 0)
    {
        /* the workers have loaded this very file already */
        return NGX_OK;
    }

    if (ngx_cclink_publish(mcf->shpool, mcf->sh, mcf->initial,
                           &mcf->initial_file, shm_zone->shm.log)
        != NGX_OK)
    {
        if (omcf && mcf->sh->table) {

            /*
             * A reload: the table in force stays, and the workers load
             * the file once there is room (replaced tables released).
             */

            ngx_log_error(NGX_LOG_WARN, shm_zone->shm.log, 0,
                          "cclink: route table \"%V\" (%uz bytes) cannot "
                          "be placed in zone \"%V\" now; serial %uL stays "
                          "in force and the file is loaded at a later "
                          "check", &mcf->path, cclink_rt_size(mcf->initial),
                          &shm_zone->shm.name, mcf->sh->serial);
            return NGX_OK;
        }

        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "cclink: cannot place the route table \"%V\" "
                      "(%uz bytes) in zone \"%V\"", &mcf->path,
                      cclink_rt_size(mcf->initial), &shm_zone->shm.name);
        return NGX_ERROR;
    }

    return NGX_OK;
}
