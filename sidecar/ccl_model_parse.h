/*
 * Copyright (C) cclink authors
 *
 * For the model's own files (ccl_model*.c): reading the API's list pages
 * into the model (ccl_model.h has the public API).
 *
 * Every list is parsed the same way: ccl_model_parse() (ccl_model_json.c)
 * takes the page's "data" array (ccl_model_data: -1 when there is none)
 * and hands each element to the API's element function
 * (ccl_model_item_pt, ccl_model.h) with a ccl_item_ctx_t naming the call
 * and the element's index, for errors. An element function returns 0
 * when the element was used or left out (a bad one is counted in
 * *ctx->bad and logged, with the field's name, never its value) and -1
 * only when the model could not be extended (no memory): that stops the
 * walk and the parser returns -1.
 *
 * Fields: ccl_model_req_str() and ccl_model_opt_str() give a string at a
 * dotted path ("spec.network.id") borrowed from the JSON (alive as long as
 * the page); -1 when it is of another type (or missing when required),
 * counted as a bad element. ccl_json_str() reads one key without
 * counting: 0 a string, 1 missing or null, -1 another type.
 *
 * The adders copy what they keep (the model owns its strings).
 */

#ifndef _CCL_MODEL_PARSE_H_INCLUDED_
#define _CCL_MODEL_PARSE_H_INCLUDED_


#include <jansson.h>

#include "ccl_model.h"


/* fields (ccl_model_json.c) */
int ccl_json_str(json_t *obj, const char *key, const char **out);
void ccl_model_bad(ccl_item_ctx_t *ctx, const char *field,
    const char *error);
int ccl_model_opt_str(ccl_item_ctx_t *ctx, json_t *obj, const char *path,
    const char **out);
int ccl_model_req_str(ccl_item_ctx_t *ctx, json_t *obj, const char *path,
    const char **out);
int ccl_model_valid_id(const char *s);

/* adding what an element names (ccl_model.c) */
int ccl_model_add_endpoint(ccl_model_t *m, ccl_item_ctx_t *ctx,
    const char *field, const char *endpoint, unsigned kinds,
    unsigned service, const char *resource, const char *env,
    const char *network, const char *source);
int ccl_model_add_cluster(ccl_model_t *m, const char *id, const char *env,
    const char *bootstrap, const char *network);
int ccl_model_add_region(ccl_model_t *m, const char *cloud,
    const char *region);
int ccl_model_connection_private(const char *type);
void ccl_model_mark_connection(ccl_model_t *m, size_t from,
    const char *type);


#endif /* _CCL_MODEL_PARSE_H_INCLUDED_ */
