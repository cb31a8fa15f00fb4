/*
 * Copyright (C) cclink authors
 *
 * Writing the state file: the JSON text of the state and of the last
 * cycle, one function per section, every field set checked (ccl_state.h).
 */


#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cclink_routes.h"
#include "ccl_conf.h"
#include "ccl_file.h"
#include "ccl_log.h"
#include "ccl_model.h"
#include "ccl_render.h"
#include "ccl_state.h"


static json_t *ccl_state_time(time_t t);
static json_t *ccl_state_str(const char *s);
static int ccl_state_set(json_t *obj, const char *key, json_t *v);
static json_t *ccl_state_discovered(const ccl_model_t *m);


/* one field of an object to write: its value made beforehand */
typedef struct {
    const char          *key;
    json_t              *value;     /* NULL: could not be made */
} ccl_state_field_t;

/* renders one element of an array */
typedef json_t *(*ccl_state_render_pt)(const void *elt);


static json_t *
ccl_state_time(time_t t)
{
    char  buf[32];

    if (t == 0) {
        return json_null();
    }

    ccl_render_time(t, buf, sizeof(buf));

    return json_string(buf);
}


static json_t *
ccl_state_discovered(const ccl_model_t *m)
{
    size_t               i, k;
    json_t              *root, *names, *domains, *o, *zones, *srcs;
    const ccl_name_t    *n;
    const ccl_domain_t  *d;

    static const char   *kinds[] = {
        "network", "private_link_attachment", "access_point"
    };

    root = json_object();
    names = json_array();
    domains = json_array();

    if (root == NULL || names == NULL || domains == NULL) {
        json_decref(root);
        json_decref(names);
        json_decref(domains);
        return NULL;
    }

    for (i = 0; i < m->nnames; i++) {
        n = &m->names[i];
        srcs = json_array();

        for (k = 0; srcs != NULL && k < CCL_SRC_COUNT; k++) {
            if (n->sources & (1u << k)) {
                json_array_append_new(srcs, json_string(
                                      ccl_model_source_name((unsigned) k)));
            }
        }

        o = json_pack("{s:s, s:o, s:s, s:s?, s:s?, s:s?, s:s, s:o?}",
                      "host", n->host,
                      "names", ccl_state_names_json(n->kinds),
                      "service", ccl_conf_service_name(n->service),
                      "resource", n->resource,
                      "environment", n->env,
                      "network", n->network,
                      "source", n->source ? n->source : "",
                      "sources", srcs);
        if (o != NULL) {
            json_array_append_new(names, o);
        }
    }

    for (i = 0; i < m->ndomains; i++) {
        d = &m->domains[i];
        zones = json_object();

        for (k = 0; zones != NULL && k < d->nzones; k++) {
            json_object_set_new(zones, d->zones[k].zone,
                                json_string(d->zones[k].subdomain));
        }

        o = json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:o?}",
                      "id", d->id,
                      "kind", kinds[d->kind],
                      "environment", d->env,
                      "dns_domain", d->dns_domain,
                      "endpoint_suffix", d->endpoint_suffix,
                      "zonal_subdomains", zones);
        if (o != NULL) {
            json_array_append_new(domains, o);
        }
    }

    json_object_set_new(root, "names", names);
    json_object_set_new(root, "domains", domains);

    return root;
}


/*
 * A JSON string of a text that may come from the network: invalid UTF-8
 * (which jansson refuses, and which would leave the state unwritable) is
 * replaced, a character cut at the end dropped.
 */
static json_t *
ccl_state_str(const char *s)
{
    char    *copy;
    json_t  *j;

    j = json_string(s);

    if (j != NULL || s == NULL) {
        return j;
    }

    copy = ccl_strdup(s);
    if (copy == NULL) {
        return NULL;
    }

    (void) ccl_utf8_fix(copy);
    j = json_string(copy);
    free(copy);

    return j;
}


static int
ccl_state_set(json_t *obj, const char *key, json_t *v)
{
    if (v == NULL) {
        return -1;
    }

    return json_object_set_new(obj, key, v);
}


/*
 * Sets the fields in their order (the order the file shows); the first
 * that cannot be set fails the call and the values not set yet are
 * released.
 */
static int
ccl_state_set_fields(json_t *obj, ccl_state_field_t *f, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (ccl_state_set(obj, f[i].key, f[i].value) != 0) {
            for (i++; i < n; i++) {
                json_decref(f[i].value);
            }

            return -1;
        }
    }

    return 0;
}


/* a new object of the fields, or NULL (the values released) */
static json_t *
ccl_state_object(ccl_state_field_t *f, size_t n)
{
    size_t   i;
    json_t  *o;

    o = json_object();

    if (o == NULL) {
        for (i = 0; i < n; i++) {
            json_decref(f[i].value);
        }

        return NULL;
    }

    if (ccl_state_set_fields(o, f, n) != 0) {
        json_decref(o);
        return NULL;
    }

    return o;
}


static int
ccl_state_append(json_t *a, json_t *v)
{
    if (v == NULL) {
        return -1;
    }

    return json_array_append_new(a, v);
}


/* the strings of v (NULL: none) as an array, or NULL */
static json_t *
ccl_state_strv_json(const ccl_strv_t *v)
{
    size_t   i;
    json_t  *a;

    a = json_array();

    for (i = 0; a != NULL && v != NULL && i < v->n; i++) {
        if (ccl_state_append(a, ccl_state_str(v->v[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }

    return a;
}


/* the elements of base[0..n) (each size bytes) rendered by one function */
static json_t *
ccl_state_array(const void *base, size_t n, size_t size,
    ccl_state_render_pt render)
{
    size_t       i;
    json_t      *a;
    const char  *p;

    a = json_array();
    p = base;

    for (i = 0; a != NULL && i < n; i++) {
        if (ccl_state_append(a, render(p + i * size)) != 0) {
            json_decref(a);
            return NULL;
        }
    }

    return a;
}


static json_t *
ccl_state_int(size_t n)
{
    return json_integer((json_int_t) n);
}


/* the state file's own fields */
static int
ccl_state_render_header(json_t *root, const ccl_state_t *st)
{
    ccl_state_field_t  f[] = {
        { "format", json_integer(CCL_STATE_FORMAT) },
        { "written_by", ccl_state_str("cclink-sidecar " CCLINK_VERSION) },
        { "serial", json_integer((json_int_t) st->serial) },
        { "generated", ccl_state_str(st->generated) },
        { "content_sha256", ccl_state_str(st->content_sha256) },
        { "last_complete_discovery", st->last_complete[0]
                                     ? ccl_state_str(st->last_complete)
                                     : json_null() },
    };

    return ccl_state_set_fields(root, f, CCL_NELTS(f));
}


static json_t *
ccl_state_render_call(const void *elt)
{
    const ccl_call_t  *c = elt;

    static const char  *outcomes[] = { "ok", "unavailable" };

    ccl_state_field_t  f[] = {
        { "call", ccl_state_str(c->call) },
        { "outcome", ccl_state_str(c->outcome == CCL_API_FAILED
                                   ? "failed" : outcomes[c->outcome]) },
        { "status", json_integer(c->status) },
        { "attempts", json_integer(c->attempts) },
        { "pages", json_integer(c->pages) },
        { "items", json_integer(c->items) },
        { "elapsed_ms", json_integer((json_int_t) c->elapsed_ms) },
        { "error", c->error ? ccl_state_str(c->error) : json_null() },
    };

    return ccl_state_object(f, CCL_NELTS(f));
}



static json_t *
ccl_state_render_cluster(const void *elt)
{
    const ccl_state_cluster_t  *cl = elt;

    ccl_state_field_t  f[] = {
        { "cluster", ccl_state_str(cl->cluster) },
        { "brokers", cl->brokers < 0 ? json_null()
                                     : json_integer(cl->brokers) },
        { "error", cl->error[0] ? ccl_state_str(cl->error) : json_null() },
    };

    return ccl_state_object(f, CCL_NELTS(f));
}



static json_t *
ccl_state_render_counts(const ccl_state_t *st, const ccl_state_cycle_t *cy)
{
    json_t             *counts;
    const ccl_plan_stats_t  *s;

    ccl_state_field_t  f[] = {
        { "names", ccl_state_int(cy->names) },
        { "domains", ccl_state_int(cy->domains) },
        { "source_mismatches", ccl_state_int(cy->mismatches != NULL
                                             ? cy->mismatches->n : 0) },
        { "routes", ccl_state_int(st->plan.nroutes) },
        { "groups", ccl_state_int(st->plan.ngroups) },
    };

    counts = ccl_state_object(f, CCL_NELTS(f));

    if (counts == NULL || cy->stats == NULL) {
        return counts;
    }

    s = cy->stats;

    {
        ccl_state_field_t  sf[] = {
            { "added", ccl_state_int(s->added) },
            { "kept_absent", ccl_state_int(s->kept_absent) },
            { "dropped", ccl_state_int(s->dropped) },
            { "skipped", ccl_state_int(s->skipped) },
        };

        if (ccl_state_set_fields(counts, sf, CCL_NELTS(sf)) != 0) {
            json_decref(counts);
            return NULL;
        }
    }

    return counts;
}


/* the last discovery: what was asked, what answered, what it found */
static json_t *
ccl_state_render_discovery(const ccl_state_t *st,
    const ccl_state_cycle_t *cy)
{
    json_t  *d;

    ccl_state_field_t  f[] = {
        { "api_url", ccl_state_str(cy->api_url ? cy->api_url : "") },
        { "started", ccl_state_time(cy->started) },
        { "finished", ccl_state_time(cy->finished) },
        { "complete", json_boolean(cy->complete) },
        { "result", ccl_state_str(cy->result ? cy->result : "") },
        { "reason", cy->reason ? ccl_state_str(cy->reason) : json_null() },
        { "environments", ccl_state_strv_json(cy->environments) },
    };

    d = ccl_state_object(f, CCL_NELTS(f));

    if (d == NULL) {
        return NULL;
    }

    if (cy->model != NULL
        && ccl_state_set(d, "discovered", ccl_state_discovered(cy->model))
           != 0)
    {
        goto failed;
    }

    {
        ccl_state_field_t  rest[] = {
            { "calls", cy->calls != NULL
                       ? ccl_state_array(cy->calls->v, cy->calls->n,
                                         sizeof(ccl_call_t),
                                         ccl_state_render_call)
                       : json_array() },
            { "broker_discovery", ccl_state_array(cy->clusters,
                                      cy->nclusters,
                                      sizeof(ccl_state_cluster_t),
                                      ccl_state_render_cluster) },
            { "errors", ccl_state_strv_json(cy->errors) },
            { "source_mismatches", ccl_state_strv_json(cy->mismatches) },
            { "counts", ccl_state_render_counts(st, cy) },
        };

        if (ccl_state_set_fields(d, rest, CCL_NELTS(rest)) != 0) {
            goto failed;
        }
    }

    return d;

failed:

    json_decref(d);

    return NULL;
}


static json_t *
ccl_state_render_missing(const ccl_state_t *st)
{
    json_t      *a;
    ccl_strv_t   missing;

    ccl_strv_init(&missing);
    (void) ccl_plan_clusters_without_brokers(&st->plan, &missing);

    a = ccl_state_strv_json(&missing);

    ccl_strv_release(&missing);

    return a;
}


static json_t *
ccl_state_render_addr(const void *elt)
{
    const ccl_addr_t  *addr = elt;

    ccl_state_field_t  f[] = {
        { "address", ccl_state_str(addr->text) },
        { "zone", addr->zone[0] ? ccl_state_str(addr->zone) : json_null() },
    };

    return ccl_state_object(f, CCL_NELTS(f));
}


static json_t *
ccl_state_render_group(const void *elt)
{
    const ccl_group_t  *g = elt;

    ccl_state_field_t  f[] = {
        { "name", ccl_state_str(g->name) },
        { "stale", json_boolean(g->stale) },
        { "error", g->error ? ccl_state_str(g->error) : json_null() },
        { "addresses", ccl_state_array(g->addrs, g->naddrs,
                                       sizeof(ccl_addr_t),
                                       ccl_state_render_addr) },
    };

    return ccl_state_object(f, CCL_NELTS(f));
}


static json_t *
ccl_state_render_route(const void *elt)
{
    const ccl_route_t  *r = elt;

    ccl_state_field_t  f[] = {
        { "key", ccl_state_str(r->key) },
        { "group", ccl_state_str(r->group) },
        { "kind", ccl_state_str(ccl_state_kind_name(r->kind)) },
        { "prio", json_integer(r->prio) },
        { "names", ccl_state_names_json(r->names) },
        { "service", json_integer(r->service) },
        { "service_name", r->service
                          ? ccl_state_str(ccl_conf_service_name(r->service))
                          : json_null() },
        { "resource", r->resource ? ccl_state_str(r->resource)
                                  : json_null() },
        { "absent", json_integer(r->absent) },
    };

    return ccl_state_object(f, CCL_NELTS(f));
}


/* the plan in force: groups with their addresses, then routes */
static int
ccl_state_render_plan(json_t *root, const ccl_plan_t *p)
{
    ccl_state_field_t  f[] = {
        { "groups", ccl_state_array(p->groups, p->ngroups,
                                    sizeof(ccl_group_t),
                                    ccl_state_render_group) },
        { "routes", ccl_state_array(p->routes, p->nroutes,
                                    sizeof(ccl_route_t),
                                    ccl_state_render_route) },
    };

    return ccl_state_set_fields(root, f, CCL_NELTS(f));
}


/* each step in the file's order; the first failure is logged by name */
static int
ccl_state_render_json(json_t *root, const ccl_state_t *st,
    const ccl_state_cycle_t *cy)
{
    const char  *step;

    step = "header";
    if (ccl_state_render_header(root, st) != 0) {
        goto failed;
    }

    step = "last_discovery";
    if (cy != NULL
        && ccl_state_set(root, "last_discovery",
                         ccl_state_render_discovery(st, cy)) != 0)
    {
        goto failed;
    }

    step = "clusters_without_brokers";
    if (ccl_state_set(root, "clusters_without_brokers",
                      ccl_state_render_missing(st)) != 0)
    {
        goto failed;
    }

    step = "plan";
    if (ccl_state_render_plan(root, &st->plan) != 0) {
        goto failed;
    }

    return 0;

failed:

    ccl_log(CCL_LOG_ERROR, "state_error", "error=%s step=%s",
            "cannot encode the state", step);

    return -1;
}


int
ccl_state_render(const ccl_state_t *st, const ccl_state_cycle_t *cy,
    ccl_buf_t *out)
{
    int      rc;
    char    *text;
    json_t  *root;

    root = json_object();

    if (root == NULL) {
        return -1;
    }

    text = NULL;

    if (ccl_state_render_json(root, st, cy) == 0) {
        text = json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII);

        if (text == NULL) {
            ccl_log(CCL_LOG_ERROR, "state_error", "error=%s",
                    "cannot encode the state");
        }
    }

    json_decref(root);

    if (text == NULL) {
        return -1;
    }

    rc = ccl_buf_adds(out, text);

    if (rc == 0) {
        rc = ccl_buf_addc(out, '\n');
    }

    free(text);

    return rc;
}
