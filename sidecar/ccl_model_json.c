/*
 * Copyright (C) cclink authors
 *
 * Reading the API's list pages: the walker over data[] and the fields of
 * an element (ccl_model_parse.h).
 */


#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ccl_conf.h"
#include "ccl_log.h"
#include "ccl_model.h"
#include "ccl_model_parse.h"


static json_t *ccl_model_data(json_t *page, const char *call);
static int ccl_json_path_str(json_t *obj, const char *path,
    const char **out);


static json_t *
ccl_model_data(json_t *page, const char *call)
{
    json_t  *data;

    if (!json_is_object(page)) {
        ccl_log(CCL_LOG_ERROR, "api_bad_response", "call=%s error=%s", call,
                "response is not a JSON object");
        return NULL;
    }

    data = json_object_get(page, "data");

    if (!json_is_array(data)) {
        ccl_log(CCL_LOG_ERROR, "api_bad_response", "call=%s field=%s "
                "error=%s", call, "data",
                data == NULL ? "missing" : "not an array");
        return NULL;
    }

    return data;
}


/* 0: a string; 1: missing or null; -1: another type */
int
ccl_json_str(json_t *obj, const char *key, const char **out)
{
    json_t  *v;

    *out = NULL;

    if (!json_is_object(obj)) {
        return 1;
    }

    v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v)) {
        return 1;
    }

    if (!json_is_string(v)) {
        return -1;
    }

    *out = json_string_value(v);

    return 0;
}


/*
 * "a.b.c": missing or null objects on the way count as missing; "x.id"
 * also accepts a string x (a reference written as its id)
 */
static int
ccl_json_path_str(json_t *obj, const char *path, const char **out)
{
    char         key[64];
    size_t       len;
    const char  *dot;

    *out = NULL;

    for ( ;; ) {
        dot = strchr(path, '.');

        if (dot == NULL) {
            return ccl_json_str(obj, path, out);
        }

        len = (size_t) (dot - path);
        if (len >= sizeof(key)) {
            return -1;
        }

        memcpy(key, path, len);
        key[len] = '\0';

        if (!json_is_object(obj)) {
            return 1;
        }

        obj = json_object_get(obj, key);

        if (obj == NULL || json_is_null(obj)) {
            return 1;
        }

        path = dot + 1;

        /* a reference given as its bare id instead of {"id": ...} */
        if (json_is_string(obj) && strcmp(path, "id") == 0) {
            *out = json_string_value(obj);
            return 0;
        }

        if (!json_is_object(obj)) {
            return -1;
        }
    }
}


void
ccl_model_bad(ccl_item_ctx_t *ctx, const char *field, const char *error)
{
    char  path[256];

    if (field != NULL) {
        snprintf(path, sizeof(path), "data[%zu].%s", ctx->index, field);
    } else {
        snprintf(path, sizeof(path), "data[%zu]", ctx->index);
    }

    ccl_log(CCL_LOG_WARN, "api_bad_item", "call=%s field=%s error=%s",
            ctx->call, path, error);

    (*ctx->bad)++;
}


int
ccl_model_opt_str(ccl_item_ctx_t *ctx, json_t *obj, const char *path,
    const char **out)
{
    if (ccl_json_path_str(obj, path, out) < 0) {
        ccl_model_bad(ctx, path, "not a string");
        return -1;
    }

    return 0;
}


int
ccl_model_req_str(ccl_item_ctx_t *ctx, json_t *obj, const char *path,
    const char **out)
{
    int  rc;

    rc = ccl_json_path_str(obj, path, out);

    if (rc < 0) {
        ccl_model_bad(ctx, path, "not a string");
        return -1;
    }

    if (rc > 0 || (*out)[0] == '\0') {
        ccl_model_bad(ctx, path, "missing");
        return -1;
    }

    return 0;
}


int
ccl_model_valid_id(const char *s)
{
    size_t  n;

    for (n = 0; s[n] != '\0'; n++) {
        if (!isalnum((unsigned char) s[n]) && s[n] != '-' && s[n] != '_'
            && s[n] != '.')
        {
            return 0;
        }
    }

    return n > 0 && n <= 64;
}


/* the elements of the page's data[], each to "item" (ccl_model.h) */
int
ccl_model_parse(ccl_model_t *m, const char *env, json_t *page,
    const char *call, unsigned *bad, ccl_model_item_pt item)
{
    size_t           i;
    json_t          *data, *elt;
    ccl_item_ctx_t   ctx;

    data = ccl_model_data(page, call);
    if (data == NULL) {
        return -1;
    }

    ctx.call = call;
    ctx.bad = bad;

    json_array_foreach(data, i, elt) {
        ctx.index = i;

        if (item(m, env, elt, &ctx) != 0) {
            return -1;
        }
    }

    return 0;
}
