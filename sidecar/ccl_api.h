/*
 * Copyright (C) cclink authors
 *
 * The Confluent Cloud API client: list calls with pagination, retries and
 * a record of every call for the state file.
 *
 * ccl_api_list(api, path, query, item, env, model, calls) lists one
 * collection:
 *
 *  - the first request is base_url + path + "?" + query + "&page_size=N";
 *    every later one is base_url + path + "?" + query + "&page_token=T",
 *    where T is the page_token of the previous response's metadata.next,
 *    taken as an opaque string (the rest of that URL, its host included,
 *    is ignored, so the configured base URL is always the one used);
 *  - each request is retried: 429 waits for Retry-After, else
 *    X-RateLimit-Reset, else capped exponential backoff with jitter; 5xx
 *    (but 501), transport errors and unparsable bodies (a truncated
 *    response) back off the same way; other statuses fail at once;
 *  - every page goes through ccl_model_parse() with "item", the
 *    element parser of that API (ccl_model_network_item, ...).
 *
 * It returns CCL_API_OK, CCL_API_UNAVAILABLE (the server answered 404,
 * 405 or 501: the API does not exist there; the caller may fall back) or
 * CCL_API_FAILED. Each call appends one ccl_call_t to "calls", with the
 * outcome, the HTTP status, attempts, pages, items and the error text; a
 * call that failed is logged with its name ("GET /cmk/v2/clusters?
 * environment=env-1") and the reason.
 *
 * Waiting between attempts sleeps in short slices and gives up when *stop
 * becomes 1. Tests may replace the sleep function.
 *
 * Ownership: ccl_api_t borrows the configuration (which must outlive it)
 * and owns its HTTP handle. ccl_calls_t owns its records.
 */

#ifndef _CCL_API_H_INCLUDED_
#define _CCL_API_H_INCLUDED_


#include <signal.h>
#include <stdint.h>

#include <jansson.h>

#include "ccl_conf.h"
#include "ccl_http.h"
#include "ccl_model.h"


#define CCL_API_OK           0
#define CCL_API_UNAVAILABLE  1
#define CCL_API_FAILED       (-1)

#define CCL_API_MAX_PAGES    10000


typedef struct {
    char                *call;       /* "GET /path?query" */
    long                 status;     /* last HTTP status, 0: none */
    unsigned             attempts;
    unsigned             pages;
    unsigned             items;
    unsigned             bad_items;
    int                  outcome;    /* CCL_API_* */
    char                *error;      /* NULL when the call succeeded */
    uint64_t             elapsed_ms;
} ccl_call_t;


typedef struct {
    ccl_call_t          *v;
    size_t               n;
} ccl_calls_t;


typedef void (*ccl_api_sleep_pt)(uint64_t ms, void *data);


typedef struct {
    const ccl_conf_t    *conf;
    ccl_http_t           http;
    const volatile sig_atomic_t  *stop;
    ccl_api_sleep_pt     sleep;      /* NULL: the real one */
    void                *sleep_data;
} ccl_api_t;


int ccl_api_init(ccl_api_t *api, const ccl_conf_t *conf,
    const volatile sig_atomic_t *stop);
void ccl_api_release(ccl_api_t *api);

int ccl_api_list(ccl_api_t *api, const char *path, const char *query,
    ccl_model_item_pt item, const char *env, ccl_model_t *m,
    ccl_calls_t *calls);

/*
 * One GET of base_url + path_query (no pagination), with the same retry
 * rules. On CCL_API_OK *out holds the decoded body (caller decrefs).
 */
int ccl_api_get(ccl_api_t *api, const char *path_query, json_t **out,
    ccl_call_t *rec);

/* Extracts the raw page_token value from a metadata.next URL. */
int ccl_api_page_token(const char *next, char *token, size_t size);

/* A short text from an error body: errors[0].detail, error.message... */
void ccl_api_error_text(const char *body, size_t len, char *out,
    size_t size);

void ccl_calls_init(ccl_calls_t *calls);
void ccl_calls_release(ccl_calls_t *calls);
ccl_call_t *ccl_calls_add(ccl_calls_t *calls, const char *name);
int ccl_calls_all_ok(const ccl_calls_t *calls);

/* Sleeps ms in slices; returns early when *stop becomes 1. */
void ccl_api_sleep(uint64_t ms, const volatile sig_atomic_t *stop);


#endif /* _CCL_API_H_INCLUDED_ */
