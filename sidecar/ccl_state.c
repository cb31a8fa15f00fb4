/*
 * Copyright (C) cclink authors
 *
 * The state file (JSON): reading it, or the route table in place when it
 * is missing (ccl_state.h); writing it is in ccl_state_render.c.
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


static int ccl_state_bad(const char *path, const char *field,
    const char *error);
static int ccl_state_parse_groups(const char *path, json_t *groups,
    ccl_plan_t *p);
static int ccl_state_parse_routes(const char *path, json_t *routes,
    ccl_plan_t *p);
static unsigned ccl_state_names_parse(json_t *a);
static int ccl_state_kind_parse(const char *s);
static int ccl_state_valid_name(const char *s, size_t max);


static const char  *ccl_state_name_bits[] = {
    "bootstrap", "rest", "broker", "language_service", "other"
};


void
ccl_state_init(ccl_state_t *st)
{
    memset(st, 0, sizeof(*st));
    ccl_plan_init(&st->plan);
}


void
ccl_state_release(ccl_state_t *st)
{
    ccl_plan_release(&st->plan);
    ccl_state_init(st);
}


static int
ccl_state_bad(const char *path, const char *field, const char *error)
{
    ccl_log(CCL_LOG_ERROR, "state_error", "path=%s field=%s error=%s", path,
            field, error);
    return -1;
}


static int
ccl_state_valid_name(const char *s, size_t max)
{
    return cclink_valid_name(s, strlen(s), max);
}


const char *
ccl_state_kind_name(int kind)
{
    switch (kind) {
    case CCL_ROUTE_WILDCARD:
        return "wildcard";
    case CCL_ROUTE_REGEX:
        return "regex";
    }

    return "exact";
}


static int
ccl_state_kind_parse(const char *s)
{
    if (strcmp(s, "exact") == 0) {
        return CCL_ROUTE_EXACT;
    }

    if (strcmp(s, "wildcard") == 0) {
        return CCL_ROUTE_WILDCARD;
    }

    if (strcmp(s, "regex") == 0) {
        return CCL_ROUTE_REGEX;
    }

    return -1;
}


json_t *
ccl_state_names_json(unsigned names)
{
    size_t   i;
    json_t  *a;

    a = json_array();

    for (i = 0; a != NULL && i < 5; i++) {
        if (names & (1u << i)) {
            json_array_append_new(a, json_string(ccl_state_name_bits[i]));
        }
    }

    return a;
}


static unsigned
ccl_state_names_parse(json_t *a)
{
    size_t       i, j;
    json_t      *v;
    unsigned     names;
    const char  *s;

    names = 0;

    json_array_foreach(a, i, v) {
        s = json_string_value(v);

        for (j = 0; s != NULL && j < 5; j++) {
            if (strcmp(s, ccl_state_name_bits[j]) == 0) {
                names |= 1u << j;
            }
        }
    }

    return names;
}


static int
ccl_state_parse_groups(const char *path, json_t *groups, ccl_plan_t *p)
{
    size_t        i, j;
    json_t       *g, *addrs, *a;
    char          field[64];
    const char   *name, *text, *zone;
    ccl_group_t  *pg;

    if (!json_is_array(groups)) {
        return ccl_state_bad(path, "groups", "not an array");
    }

    json_array_foreach(groups, i, g) {
        snprintf(field, sizeof(field), "groups[%zu]", i);

        name = json_string_value(json_object_get(g, "name"));
        addrs = json_object_get(g, "addresses");

        if (name == NULL || !ccl_state_valid_name(name, CCLINK_GROUP_MAX)
            || !json_is_array(addrs))
        {
            return ccl_state_bad(path, field, "invalid group");
        }

        pg = ccl_plan_add_group(p, name);
        if (pg == NULL) {
            return -1;
        }

        pg->stale = json_is_true(json_object_get(g, "stale"));

        json_array_foreach(addrs, j, a) {
            text = json_string_value(json_object_get(a, "address"));
            zone = json_string_value(json_object_get(a, "zone"));

            if (text == NULL || text[0] == '\0'
                || strlen(text) >= CCLINK_ADDR_TEXT
                || strspn(text, "0123456789abcdefABCDEF.:[]") != strlen(text)
                || (zone != NULL && zone[0] != '\0'
                    && !ccl_state_valid_name(zone, CCLINK_ZONE_MAX)))
            {
                return ccl_state_bad(path, field, "invalid address");
            }

            if (ccl_plan_group_add_addr(pg, text, zone) != 0) {
                return -1;
            }
        }
    }

    return 0;
}


static int
ccl_state_parse_routes(const char *path, json_t *routes, ccl_plan_t *p)
{
    int          kind;
    size_t       i;
    json_t      *r, *absent, *prio, *service;
    char         field[64];
    const char  *key, *group, *kind_s, *resource, *c;

    if (!json_is_array(routes)) {
        return ccl_state_bad(path, "routes", "not an array");
    }

    json_array_foreach(routes, i, r) {
        snprintf(field, sizeof(field), "routes[%zu]", i);

        key = json_string_value(json_object_get(r, "key"));
        group = json_string_value(json_object_get(r, "group"));
        kind_s = json_string_value(json_object_get(r, "kind"));
        resource = json_string_value(json_object_get(r, "resource"));
        absent = json_object_get(r, "absent");
        prio = json_object_get(r, "prio");
        service = json_object_get(r, "service");

        if (key == NULL || group == NULL || kind_s == NULL
            || !json_is_integer(absent)
            || json_integer_value(absent) < 0
            || json_integer_value(absent) > 1000000)
        {
            return ccl_state_bad(path, field, "missing or invalid field");
        }

        kind = ccl_state_kind_parse(kind_s);

        if (kind < 0 || !ccl_state_valid_name(group, CCLINK_GROUP_MAX)
            || strlen(key) == 0 || strlen(key) > CCLINK_RT_MAX_REGEX + 1
            || (resource != NULL && !ccl_state_valid_name(resource, 255)))
        {
            return ccl_state_bad(path, field, "invalid route");
        }

        /* a key goes into a file line: no blanks, no control bytes */
        for (c = key; *c != '\0'; c++) {
            if ((unsigned char) *c <= 0x20 || *c == 0x7f || *c == ';'
                || *c == '{' || *c == '}' || *c == '"' || *c == '\'')
            {
                return ccl_state_bad(path, field, "invalid route key");
            }
        }

        if (kind == CCL_ROUTE_EXACT && !ccl_model_valid_host(key)) {
            return ccl_state_bad(path, field, "invalid host name");
        }

        if (ccl_plan_add_route(p, key, group, kind,
                               (int) json_integer_value(prio),
                               ccl_state_names_parse(json_object_get(r,
                                                                     "names")),
                               (unsigned) json_integer_value(service),
                               resource,
                               (unsigned) json_integer_value(absent)) != 0)
        {
            return -1;
        }
    }

    return 0;
}


int
ccl_state_parse(const char *path, const char *text, size_t len,
    ccl_state_t *st)
{
    json_t        *j, *v;
    const char    *s;
    json_error_t   jerr;

    j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);

    if (j == NULL) {
        ccl_log(CCL_LOG_ERROR, "state_error", "where=%s:%d error=%s", path,
                jerr.line, jerr.text);
        return -1;
    }

    if (!json_is_object(j)
        || json_integer_value(json_object_get(j, "format"))
           != CCL_STATE_FORMAT)
    {
        json_decref(j);
        return ccl_state_bad(path, "format", "not a cclink state file of "
                             "format 1");
    }

    v = json_object_get(j, "serial");

    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        json_decref(j);
        return ccl_state_bad(path, "serial", "not a number");
    }

    st->serial = (uint64_t) json_integer_value(v);

    s = json_string_value(json_object_get(j, "generated"));
    ccl_strlcpy(st->generated, s ? s : "", sizeof(st->generated));

    s = json_string_value(json_object_get(j, "content_sha256"));
    ccl_strlcpy(st->content_sha256, s ? s : "", sizeof(st->content_sha256));

    s = json_string_value(json_object_get(j, "last_complete_discovery"));
    ccl_strlcpy(st->last_complete, s ? s : "", sizeof(st->last_complete));

    if (ccl_state_parse_groups(path, json_object_get(j, "groups"),
                               &st->plan) != 0
        || ccl_state_parse_routes(path, json_object_get(j, "routes"),
                                  &st->plan) != 0)
    {
        json_decref(j);
        ccl_plan_release(&st->plan);
        return -1;
    }

    json_decref(j);

    ccl_plan_sort(&st->plan);
    st->loaded = 1;

    return 0;
}


int
ccl_state_load(const char *path, ccl_state_t *st)
{
    int        rc;
    ccl_buf_t  b;

    ccl_buf_init(&b, CCL_STATE_MAX_FILE + 1);

    if (ccl_file_read(path, CCL_STATE_MAX_FILE, &b) != 0) {
        rc = (errno == ENOENT) ? 0 : -1;
        ccl_buf_release(&b);
        return rc;
    }

    rc = ccl_state_parse(path, b.data, b.len, st);

    ccl_buf_release(&b);

    return rc;
}


int
ccl_state_import_routes(const char *path, ccl_state_t *st)
{
    int                       kind;
    char                      err[CCLINK_RT_ERRLEN], key[CCLINK_RT_MAX_REGEX
                                                         + 8];
    char                      name[CCLINK_GROUP_MAX + 1];
    char                      zone[CCLINK_ZONE_MAX + 1];
    char                      text[CCLINK_RT_ADDR_TEXT + 1];
    uint32_t                  i, k;
    ccl_buf_t                 b;
    cclink_rt_t              *rt;
    ccl_group_t              *g;
    const cclink_rt_addr_t   *a;
    const cclink_rt_group_t  *rg;
    const cclink_rt_route_t  *rr;

    if (access(path, F_OK) != 0) {
        return -1;
    }

    if (cclink_rt_parse_file(path, &rt, err, sizeof(err)) != 0) {
        ccl_log(CCL_LOG_WARN, "state_import_failed", "error=%s", err);
        return -1;
    }

    for (i = 0; i < rt->ngroups; i++) {
        rg = &cclink_rt_groups(rt)[i];

        snprintf(name, sizeof(name), "%.*s", (int) rg->name_len,
                 cclink_rt_str(rt, rg->name_off));

        g = ccl_plan_add_group(&st->plan, name);
        if (g == NULL) {
            cclink_rt_free(rt);
            return -1;
        }

        for (k = 0; k < rg->naddrs; k++) {
            a = &cclink_rt_addrs(rt)[rg->addrs + k];

            snprintf(text, sizeof(text), "%.*s", (int) a->text_len,
                     cclink_rt_str(rt, a->text_off));
            snprintf(zone, sizeof(zone), "%.*s", (int) a->zone_len,
                     a->zone_len ? cclink_rt_str(rt, a->zone_off) : "");

            if (ccl_plan_group_add_addr(g, text, zone) != 0) {
                cclink_rt_free(rt);
                return -1;
            }
        }
    }

    for (i = 0; i < rt->nroutes; i++) {
        rr = &cclink_rt_routes(rt)[i];
        rg = &cclink_rt_groups(rt)[rr->group];

        snprintf(key, sizeof(key), "%.*s", (int) rr->key_len,
                 cclink_rt_str(rt, rr->key_off));
        snprintf(name, sizeof(name), "%.*s", (int) rg->name_len,
                 cclink_rt_str(rt, rg->name_off));

        kind = (rr->kind == CCLINK_RT_EXACT) ? CCL_ROUTE_EXACT
               : (rr->kind == CCLINK_RT_REGEX) ? CCL_ROUTE_REGEX
               : CCL_ROUTE_WILDCARD;

        if (ccl_plan_add_route(&st->plan, key, name, kind, (int) i,
                               kind == CCL_ROUTE_EXACT ? CCL_NAME_OTHER : 0,
                               0, NULL, 0) != 0)
        {
            cclink_rt_free(rt);
            return -1;
        }
    }

    st->serial = rt->serial;

    if (rt->generated_len > 0 && rt->generated_len < sizeof(st->generated)) {
        snprintf(st->generated, sizeof(st->generated), "%.*s",
                 (int) rt->generated_len,
                 cclink_rt_str(rt, rt->generated_off));
    }

    ccl_log(CCL_LOG_WARN, "state_imported", "path=%s routes=%u groups=%u",
            path, rt->nroutes, rt->ngroups);

    cclink_rt_free(rt);

    ccl_plan_sort(&st->plan);
    st->loaded = 1;

    /*
     * The content hash of the plan as we would render it: a table this
     * sidecar wrote keeps its serial when the next discovery agrees.
     */
    ccl_buf_init(&b, CCL_RENDER_MAX);

    if (ccl_render_routes(&st->plan, 0, NULL, &b) == 0) {
        ccl_sha256_hex(b.data, b.len, st->content_sha256);
    }

    ccl_buf_release(&b);

    return 0;
}
