/*
 * Copyright (C) cclink authors
 *
 * Route attributes on the route table's route lines (ccl_attrs.h).
 */

#include <string.h>

#include "cclink_routes.h"
#include "ccl_attrs.h"
#include "ccl_conf.h"
#include "ccl_log.h"


static const char *ccl_attrs_env(const ccl_model_t *m, const char *resource,
    const char *host);
static const char *ccl_attrs_service(const ccl_route_t *r);
static int ccl_attrs_valid(const char *s);
static int ccl_attrs_line(const ccl_plan_t *p, const ccl_model_t *m,
    const char *line, size_t len, ccl_buf_t *out);


int
ccl_attrs_annotate(const ccl_plan_t *p, const ccl_model_t *m,
    ccl_buf_t *routes)
{
    int         rc;
    size_t      at, len;
    ccl_buf_t   out;
    const char *s, *eol;

    ccl_buf_init(&out, routes->max);

    rc = 0;
    s = routes->data;

    for (at = 0; rc == 0 && at < routes->len; at += len + 1) {
        eol = memchr(s + at, '\n', routes->len - at);
        len = eol ? (size_t) (eol - (s + at)) : routes->len - at;

        rc = ccl_attrs_line(p, m, s + at, len, &out);
    }

    if (rc == 0) {
        ccl_buf_reset(routes);
        rc = ccl_buf_add(routes, out.data, out.len);
    }

    if (rc != 0) {
        ccl_log(CCL_LOG_ERROR, "render_failed", "file=%s error=%s",
                "route table", "over its size cap with route attributes");
    }

    ccl_buf_release(&out);

    return rc;
}


/* one line and its "\n": "route KEY GROUP" gets the route's attributes */

static int
ccl_attrs_line(const ccl_plan_t *p, const ccl_model_t *m, const char *line,
    size_t len, ccl_buf_t *out)
{
    int                 rc;
    char                key[CCLINK_RT_MAX_REGEX + 2];
    size_t              klen;
    const char         *sp, *env, *service;
    const ccl_route_t  *r;

    rc = ccl_buf_add(out, line, len);

    if (rc != 0 || len < 7 || memcmp(line, "route ", 6) != 0) {
        return rc ? rc : ccl_buf_addc(out, '\n');
    }

    sp = memchr(line + 6, ' ', len - 6);
    klen = sp ? (size_t) (sp - line - 6) : 0;
    r = NULL;

    if (klen > 0 && klen < sizeof(key)) {
        memcpy(key, line + 6, klen);
        key[klen] = '\0';
        r = ccl_plan_route(p, key);
    }

    if (r != NULL && r->names != 0) {
        if (ccl_attrs_valid(r->resource)) {
            rc = ccl_buf_addf(out, " cluster=%s", r->resource);
        }

        env = ccl_attrs_env(m, r->resource, r->key);

        if (rc == 0 && ccl_attrs_valid(env)) {
            rc = ccl_buf_addf(out, " env=%s", env);
        }

        service = ccl_attrs_service(r);

        if (rc == 0 && service != NULL) {
            rc = ccl_buf_addf(out, " service=%s", service);
        }
    }

    return rc ? rc : ccl_buf_addc(out, '\n');
}


static const char *
ccl_attrs_env(const ccl_model_t *m, const char *resource, const char *host)
{
    size_t  i;

    if (resource != NULL) {
        for (i = 0; i < m->nclusters; i++) {
            if (m->clusters[i].id != NULL
                && strcmp(m->clusters[i].id, resource) == 0)
            {
                return m->clusters[i].env;
            }
        }
    }

    for (i = 0; i < m->nnames; i++) {
        if (m->names[i].host != NULL && m->names[i].env != NULL
            && strcmp(m->names[i].host, host) == 0)
        {
            return m->names[i].env;
        }
    }

    return NULL;
}


static const char *
ccl_attrs_service(const ccl_route_t *r)
{
    switch (r->service) {

    case CCL_SVC_SCHEMA_REGISTRY:
        return "schema_registry";

    case CCL_SVC_FLINK:
        return "flink";

    case CCL_SVC_KAFKA:
        if (r->names & (CCL_NAME_BOOTSTRAP | CCL_NAME_BROKER)) {
            return "kafka";
        }

        return (r->names & CCL_NAME_REST) ? "rest" : "kafka";
    }

    return NULL;
}


/* the route table's rule for an attribute's value */

static int
ccl_attrs_valid(const char *s)
{
    return s != NULL && cclink_valid_name(s, strlen(s), CCLINK_ATTR_MAX);
}
