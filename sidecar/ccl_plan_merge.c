/*
 * Copyright (C) cclink authors
 *
 * Merging the previous plan with the current discovery's ("nothing lost",
 * ccl_plan.h): one function per step of ccl_plan_merge().
 */


#include <stdlib.h>
#include <string.h>

#include "ccl_log.h"
#include "ccl_plan.h"


static int ccl_plan_merge_current(const ccl_plan_t *prev,
    const ccl_plan_t *cur, int complete, ccl_plan_t *out,
    ccl_plan_stats_t *stats);
static int ccl_plan_merge_previous(const ccl_plan_t *prev,
    const ccl_plan_t *cur, int complete, unsigned drop_after,
    ccl_plan_t *out, ccl_plan_stats_t *stats);
static int ccl_plan_merge_groups(const ccl_plan_t *prev,
    const ccl_plan_t *cur, ccl_plan_t *out);
static int ccl_plan_merge_fallback(const ccl_plan_t *prev,
    const ccl_plan_t *cur, ccl_plan_t *out);
static void ccl_plan_merge_skip(const ccl_plan_t *prev, ccl_plan_t *out,
    ccl_plan_stats_t *stats);
static int ccl_plan_parent_group(ccl_plan_t *out, const ccl_plan_t *cur,
    const ccl_plan_t *prev, const char *name, char *parent, size_t size);
static int ccl_plan_copy_route(ccl_plan_t *out, const ccl_route_t *r,
    unsigned absent);


int
ccl_plan_merge(const ccl_plan_t *prev, const ccl_plan_t *cur, int complete,
    unsigned drop_after, ccl_plan_t *out, ccl_plan_stats_t *stats)
{
    memset(stats, 0, sizeof(*stats));
    stats->previous = prev->nroutes;

    if (ccl_plan_merge_current(prev, cur, complete, out, stats) != 0) {
        return -1;
    }

    if (ccl_plan_merge_previous(prev, cur, complete, drop_after, out, stats)
        != 0)
    {
        return -1;
    }

    if (ccl_plan_merge_groups(prev, cur, out) != 0) {
        return -1;
    }

    if (ccl_plan_merge_fallback(prev, cur, out) != 0) {
        return -1;
    }

    ccl_plan_merge_skip(prev, out, stats);

    ccl_plan_sort(out);

    return ccl_plan_reindex(out);
}


static int
ccl_plan_copy_route(ccl_plan_t *out, const ccl_route_t *r, unsigned absent)
{
    return ccl_plan_add_route(out, r->key, r->group, r->kind, r->prio,
                              r->names, r->service, r->resource, absent);
}


/* 1. the routes discovered now */

static int
ccl_plan_merge_current(const ccl_plan_t *prev, const ccl_plan_t *cur,
    int complete, ccl_plan_t *out, ccl_plan_stats_t *stats)
{
    size_t              i;
    const ccl_route_t  *r, *pr;

    for (i = 0; i < cur->nroutes; i++) {
        r = &cur->routes[i];
        pr = ccl_plan_route(prev, r->key);

        if (pr == NULL) {
            stats->added++;

        } else if (!complete && strcmp(pr->group, r->group) != 0) {
            /* an incomplete discovery adds; it does not move routes */
            ccl_log(CCL_LOG_WARN, "route_kept", "key=%s group=%s "
                    "new_group=%s reason=%s", r->key, pr->group, r->group,
                    "discovery incomplete");

            if (ccl_plan_copy_route(out, pr, 0) != 0) {
                return -1;
            }

            continue;
        }

        if (ccl_plan_copy_route(out, r, 0) != 0) {
            return -1;
        }
    }

    return 0;
}


/* 2. the routes only the previous plan has: kept, counted, or dropped */

static int
ccl_plan_merge_previous(const ccl_plan_t *prev, const ccl_plan_t *cur,
    int complete, unsigned drop_after, ccl_plan_t *out,
    ccl_plan_stats_t *stats)
{
    size_t              i;
    unsigned            absent;
    const ccl_route_t  *pr;

    for (i = 0; i < prev->nroutes; i++) {
        pr = &prev->routes[i];

        if (ccl_plan_route(cur, pr->key) != NULL) {
            continue;
        }

        absent = pr->absent;

        if (complete) {
            absent++;

            if (absent >= drop_after) {
                stats->dropped++;
                ccl_log(CCL_LOG_INFO, "route_dropped",
                        "key=%s group=%s absent=%u", pr->key, pr->group,
                        absent);
                continue;
            }
        }

        stats->kept_absent++;

        if (ccl_plan_copy_route(out, pr, absent) != 0) {
            return -1;
        }
    }

    return 0;
}


/* 3. the groups the routes need: fresh addresses, else the last known */

static int
ccl_plan_merge_groups(const ccl_plan_t *prev, const ccl_plan_t *cur,
    ccl_plan_t *out)
{
    size_t              i;
    ccl_group_t        *g;
    const ccl_route_t  *r;
    const ccl_group_t  *cg, *pg;

    for (i = 0; i < out->nroutes; i++) {
        r = &out->routes[i];

        if (ccl_plan_group(out, r->group) != NULL) {
            continue;
        }

        cg = ccl_plan_group(cur, r->group);
        pg = ccl_plan_group(prev, r->group);

        if (cg != NULL && cg->naddrs > 0) {
            if (ccl_plan_copy_group(out, cg) != 0) {
                return -1;
            }

        } else if (pg != NULL && pg->naddrs > 0) {
            if (ccl_plan_copy_group(out, pg) != 0) {
                return -1;
            }

            g = ccl_plan_group(out, r->group);
            g->stale = 1;

            if (cg != NULL && cg->error != NULL) {
                free(g->error);
                g->error = ccl_strdup(cg->error);
            }

            ccl_log(CCL_LOG_WARN, "group_stale",
                    "group=%s error=%s", r->group,
                    "not resolved in this cycle: keeping the last known "
                    "addresses");
        }
    }

    return 0;
}


/*
 * 4. A zone's group without any address: the route falls back to the
 * whole group ("n-x.az1" -> "n-x") rather than being left out.
 */

static int
ccl_plan_merge_fallback(const ccl_plan_t *prev, const ccl_plan_t *cur,
    ccl_plan_t *out)
{
    char          parent[CCLINK_GROUP_MAX + 1];
    size_t        i;
    ccl_route_t  *r;

    for (i = 0; i < out->nroutes; i++) {
        r = &out->routes[i];

        if (ccl_plan_group(out, r->group) != NULL) {
            continue;
        }

        if (ccl_plan_parent_group(out, cur, prev, r->group, parent,
                                  sizeof(parent)) != 0)
        {
            continue;
        }

        ccl_log(CCL_LOG_WARN, "route_fallback", "key=%s group=%s "
                "fallback=%s reason=%s", r->key, r->group, parent,
                "the zone's group has no address");

        free(r->group);
        r->group = ccl_strdup(parent);
        if (r->group == NULL) {
            return -1;
        }
    }

    return 0;
}


static int
ccl_plan_parent_group(ccl_plan_t *out, const ccl_plan_t *cur,
    const ccl_plan_t *prev, const char *name, char *parent, size_t size)
{
    const char         *dot;
    const ccl_group_t  *g;

    dot = strchr(name, '.');

    if (dot == NULL || (size_t) (dot - name) >= size) {
        return -1;
    }

    memcpy(parent, name, (size_t) (dot - name));
    parent[dot - name] = '\0';

    if (ccl_plan_group(out, parent) != NULL) {
        return 0;
    }

    g = ccl_plan_group(cur, parent);
    if (g == NULL || g->naddrs == 0) {
        g = ccl_plan_group(prev, parent);
    }

    if (g == NULL || g->naddrs == 0) {
        return -1;
    }

    return ccl_plan_copy_group(out, g);
}


/* 5. routes to groups without any address cannot be written */

static void
ccl_plan_merge_skip(const ccl_plan_t *prev, ccl_plan_t *out,
    ccl_plan_stats_t *stats)
{
    size_t        i, j;
    ccl_route_t  *r;

    j = 0;

    for (i = 0; i < out->nroutes; i++) {
        r = &out->routes[i];

        if (ccl_plan_group(out, r->group) == NULL) {
            ccl_log(CCL_LOG_WARN, "route_skipped",
                    "key=%s group=%s error=%s", r->key, r->group,
                    "the group has no address");
            stats->skipped++;

            /* counted as added above: it is not */
            if (stats->added > 0 && ccl_plan_route(prev, r->key) == NULL) {
                stats->added--;
            }

            ccl_route_release(r);
            continue;
        }

        out->routes[j++] = *r;
    }

    out->nroutes = j;
}
