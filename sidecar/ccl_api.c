/*
 * Copyright (C) cclink authors
 *
 * The Confluent Cloud API client: list calls with pagination, retries
 * and a record of every call (ccl_api.h).
 */


#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ccl_api.h"
#include "ccl_backoff.h"
#include "ccl_log.h"


#define CCL_API_URL_MAX    4096
#define CCL_API_TOKEN_MAX  1024


static int ccl_api_fetch(ccl_api_t *api, const char *url, ccl_call_t *rec,
    json_t **out);
static uint64_t ccl_api_now_ms(void);
static void ccl_api_set_error(ccl_call_t *rec, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));


int
ccl_api_init(ccl_api_t *api, const ccl_conf_t *conf,
    const volatile sig_atomic_t *stop)
{
    ccl_http_opts_t  o;

    memset(api, 0, sizeof(*api));
    api->conf = conf;
    api->stop = stop;

    o.ca_file = conf->ca_file;
    o.connect_timeout_ms = conf->http_connect_timeout_ms;
    o.timeout_ms = conf->http_timeout_ms;
    o.max_bytes = conf->http_max_bytes;
    o.stop = stop;

    return ccl_http_init(&api->http, &o);
}


void
ccl_api_release(ccl_api_t *api)
{
    ccl_http_release(&api->http);
}


void
ccl_calls_init(ccl_calls_t *calls)
{
    calls->v = NULL;
    calls->n = 0;
}


void
ccl_calls_release(ccl_calls_t *calls)
{
    size_t  i;

    for (i = 0; i < calls->n; i++) {
        free(calls->v[i].call);
        free(calls->v[i].error);
    }

    free(calls->v);
    ccl_calls_init(calls);
}


ccl_call_t *
ccl_calls_add(ccl_calls_t *calls, const char *name)
{
    ccl_call_t  *nv, *c;

    nv = realloc(calls->v, (calls->n + 1) * sizeof(ccl_call_t));
    if (nv == NULL) {
        return NULL;
    }

    calls->v = nv;
    c = &calls->v[calls->n];
    memset(c, 0, sizeof(*c));

    c->call = ccl_strdup(name);
    if (c->call == NULL) {
        return NULL;
    }

    calls->n++;

    return c;
}


int
ccl_calls_all_ok(const ccl_calls_t *calls)
{
    size_t  i;

    for (i = 0; i < calls->n; i++) {
        if (calls->v[i].outcome == CCL_API_FAILED) {
            return 0;
        }
    }

    return 1;
}


static void
ccl_api_set_error(ccl_call_t *rec, const char *fmt, ...)
{
    char     buf[512];
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);

    /* the server's text may have been cut inside a character */
    (void) ccl_utf8_fix(buf);

    free(rec->error);
    rec->error = ccl_strdup(buf);
}


static uint64_t
ccl_api_now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}


void
ccl_api_sleep(uint64_t ms, const volatile sig_atomic_t *stop)
{
    uint64_t         slice;
    struct timespec  ts;

    while (ms > 0) {
        if (stop != NULL && *stop) {
            return;
        }

        slice = ms > 100 ? 100 : ms;
        ts.tv_sec = 0;
        ts.tv_nsec = (long) slice * 1000000;
        nanosleep(&ts, NULL);
        ms -= slice;
    }
}


void
ccl_api_error_text(const char *body, size_t len, char *out, size_t size)
{
    size_t        i, n;
    json_t       *j, *e;
    const char   *s;
    json_error_t  jerr;

    out[0] = '\0';

    if (body == NULL || len == 0 || size == 0) {
        return;
    }

    s = NULL;
    j = json_loadb(body, len, 0, &jerr);

    if (j != NULL) {
        /* {"errors":[{"detail"|"title"}]} */
        e = json_array_get(json_object_get(j, "errors"), 0);
        s = json_string_value(json_object_get(e, "detail"));
        if (s == NULL) {
            s = json_string_value(json_object_get(e, "title"));
        }

        /* {"error":{"message"}} */
        if (s == NULL) {
            e = json_object_get(j, "error");
            s = json_string_value(json_object_get(e, "message"));
        }

        /* {"error_code":N,"message":"..."} */
        if (s == NULL) {
            s = json_string_value(json_object_get(j, "message"));
        }

        if (s != NULL) {
            ccl_strlcpy(out, s, size);
        }

        json_decref(j);

        if (s != NULL) {
            return;
        }
    }

    /* not JSON (an HTML page from a proxy...): its first printable bytes */

    n = 0;

    for (i = 0; i < len && n + 1 < size && n < 120; i++) {
        out[n++] = isprint((unsigned char) body[i]) ? body[i] : ' ';
    }

    out[n] = '\0';
}


int
ccl_api_page_token(const char *next, char *token, size_t size)
{
    size_t       len;
    const char  *q, *p, *end;

    q = strchr(next, '?');
    if (q == NULL) {
        return -1;
    }

    for (p = q + 1; *p != '\0'; p = end + 1) {
        end = strchr(p, '&');
        if (end == NULL) {
            end = p + strlen(p);
        }

        if (strncmp(p, "page_token=", 11) == 0) {
            p += 11;
            len = (size_t) (end - p);

            if (len == 0 || len >= size) {
                return -1;
            }

            memcpy(token, p, len);
            token[len] = '\0';

            /* it goes back into a URL as it came: keep it URL-safe */
            for (p = token; *p != '\0'; p++) {
                if (!isalnum((unsigned char) *p)
                    && strchr("-._~%+=/:", *p) == NULL)
                {
                    return -1;
                }
            }

            return 0;
        }

        if (*end == '\0') {
            break;
        }
    }

    return -1;
}


static int
ccl_api_fetch(ccl_api_t *api, const char *url, ccl_call_t *rec,
    json_t **out)
{
    int               retry, rate_limited, rc;
    char              text[256];
    json_t           *j;
    uint64_t          wait;
    unsigned          attempt;
    json_error_t      jerr;
    ccl_http_resp_t   r;
    const ccl_conf_t *conf;

    conf = api->conf;
    *out = NULL;

    ccl_http_resp_init(&r, conf->http_max_bytes);

    for (attempt = 0; /* void */ ; attempt++) {

        rec->attempts++;
        retry = 0;
        rate_limited = 0;

        if (ccl_http_get(&api->http, url, conf->api_key, conf->api_secret,
                         &r) != 0)
        {
            rec->status = 0;
            retry = r.retryable;
            ccl_api_set_error(rec, "%s", r.error);

        } else {
            rec->status = r.status;
            ccl_api_error_text(r.body.data, r.body.len, text, sizeof(text));

            if (r.status == 200) {
                j = json_loadb(r.body.data, r.body.len, 0, &jerr);

                if (j != NULL) {
                    ccl_http_resp_release(&r);
                    free(rec->error);
                    rec->error = NULL;
                    *out = j;
                    return CCL_API_OK;
                }

                retry = 1;
                ccl_api_set_error(rec, "invalid JSON in the response: %s "
                                  "(line %d, column %d)", jerr.text,
                                  jerr.line, jerr.column);

            } else if (r.status == 429) {
                retry = 1;
                rate_limited = 1;
                ccl_api_set_error(rec, "rate limited (429)");

            } else if (r.status >= 500 && r.status != 501) {
                retry = 1;
                ccl_api_set_error(rec, "server error (%ld)%s%s", r.status,
                                  text[0] ? ": " : "", text);

            } else if (r.status == 404 || r.status == 405
                       || r.status == 501)
            {
                ccl_api_set_error(rec, "not available here (%ld)%s%s",
                                  r.status, text[0] ? ": " : "", text);
                ccl_http_resp_release(&r);
                return CCL_API_UNAVAILABLE;

            } else if (r.status == 401) {
                ccl_api_set_error(rec, "authentication failed (401)%s%s: "
                                  "check the Cloud API key",
                                  text[0] ? ": " : "", text);

            } else if (r.status == 403) {
                ccl_api_set_error(rec, "forbidden (403)%s%s: the Cloud API "
                                  "key lacks a role for this call",
                                  text[0] ? ": " : "", text);

            } else {
                ccl_api_set_error(rec, "unexpected HTTP status %ld%s%s",
                                  r.status, text[0] ? ": " : "", text);
            }
        }

        if (!retry || attempt >= conf->http_retries
            || (api->stop != NULL && *api->stop))
        {
            break;
        }

        if (rate_limited) {
            wait = ccl_backoff_rate_limited(&conf->backoff,
                                            r.retry_after[0]
                                            ? r.retry_after : NULL,
                                            r.ratelimit_reset[0]
                                            ? r.ratelimit_reset : NULL,
                                            time(NULL), attempt,
                                            ccl_backoff_random());
        } else {
            wait = ccl_backoff_delay(&conf->backoff, attempt,
                                     ccl_backoff_random());
        }

        ccl_log(CCL_LOG_WARN, "api_retry",
                "call=%s attempt=%u status=%ld wait_ms=%llu error=%s",
                rec->call, attempt + 1, rec->status,
                (unsigned long long) wait, rec->error);

        if (api->sleep != NULL) {
            api->sleep(wait, api->sleep_data);
        } else {
            ccl_api_sleep(wait, api->stop);
        }
    }

    rc = CCL_API_FAILED;

    ccl_http_resp_release(&r);

    return rc;
}


int
ccl_api_get(ccl_api_t *api, const char *path_query, json_t **out,
    ccl_call_t *rec)
{
    int       rc;
    char      url[CCL_API_URL_MAX];
    uint64_t  start;

    start = ccl_api_now_ms();

    if (ccl_snprintf(url, sizeof(url), "%s%s", api->conf->api_url,
                     path_query) != 0)
    {
        ccl_api_set_error(rec, "URL too long");
        rec->outcome = CCL_API_FAILED;
        return CCL_API_FAILED;
    }

    rc = ccl_api_fetch(api, url, rec, out);

    rec->outcome = rc;
    rec->elapsed_ms = ccl_api_now_ms() - start;

    if (rc == CCL_API_FAILED) {
        ccl_log(CCL_LOG_ERROR, "api_call_failed",
                "call=%s status=%ld attempts=%u error=%s", rec->call,
                rec->status, rec->attempts, rec->error);
    }

    return rc;
}


int
ccl_api_list(ccl_api_t *api, const char *path, const char *query,
    ccl_model_item_pt item, const char *env, ccl_model_t *m,
    ccl_calls_t *calls)
{
    int           rc;
    char          name[CCL_API_URL_MAX], url[CCL_API_URL_MAX];
    char          token[CCL_API_TOKEN_MAX], prev[CCL_API_TOKEN_MAX];
    const char    *sep, *next;
    json_t        *page, *data, *nv;
    uint64_t       start;
    unsigned       bad;
    ccl_call_t    *rec;

    sep = (query != NULL && query[0] != '\0') ? "?" : "";

    if (ccl_snprintf(name, sizeof(name), "GET %s%s%s", path, sep,
                     sep[0] ? query : "") != 0)
    {
        return CCL_API_FAILED;
    }

    rec = ccl_calls_add(calls, name);
    if (rec == NULL) {
        return CCL_API_FAILED;
    }

    start = ccl_api_now_ms();
    prev[0] = '\0';

    if (ccl_snprintf(url, sizeof(url), "%s%s?%s%spage_size=%u",
                     api->conf->api_url, path, sep[0] ? query : "",
                     sep[0] ? "&" : "", api->conf->page_size) != 0)
    {
        ccl_api_set_error(rec, "URL too long");
        rc = CCL_API_FAILED;
        goto done;
    }

    for ( ;; ) {
        rc = ccl_api_fetch(api, url, rec, &page);

        if (rc != CCL_API_OK) {
            goto done;
        }

        rec->pages++;
        bad = 0;

        data = json_object_get(page, "data");
        if (json_is_array(data)) {
            rec->items += (unsigned) json_array_size(data);
        }

        if (ccl_model_parse(m, env, page, rec->call, &bad, item) != 0) {
            ccl_api_set_error(rec, "page %u: unexpected response shape "
                              "(no \"data\" array)", rec->pages);
            json_decref(page);
            rc = CCL_API_FAILED;
            goto done;
        }

        if (bad > 0) {
            rec->bad_items += bad;
            ccl_api_set_error(rec, "%u item(s) could not be used",
                              rec->bad_items);
        }

        nv = json_object_get(json_object_get(page, "metadata"), "next");
        next = json_string_value(nv);

        if (nv != NULL && next == NULL && !json_is_null(nv)) {
            ccl_api_set_error(rec, "page %u: metadata.next is not a string",
                              rec->pages);
            json_decref(page);
            rc = CCL_API_FAILED;
            goto done;
        }

        if (next == NULL || next[0] == '\0') {
            json_decref(page);
            break;
        }

        if (ccl_api_page_token(next, token, sizeof(token)) != 0) {
            ccl_api_set_error(rec, "page %u: metadata.next has no usable "
                              "page_token", rec->pages);
            json_decref(page);
            rc = CCL_API_FAILED;
            goto done;
        }

        json_decref(page);

        if (strcmp(token, prev) == 0) {
            ccl_api_set_error(rec, "page %u: the same page_token again",
                              rec->pages);
            rc = CCL_API_FAILED;
            goto done;
        }

        if (rec->pages >= CCL_API_MAX_PAGES) {
            ccl_api_set_error(rec, "more than %u pages", CCL_API_MAX_PAGES);
            rc = CCL_API_FAILED;
            goto done;
        }

        ccl_strlcpy(prev, token, sizeof(prev));

        if (ccl_snprintf(url, sizeof(url), "%s%s?%s%spage_token=%s",
                         api->conf->api_url, path, sep[0] ? query : "",
                         sep[0] ? "&" : "", token) != 0)
        {
            ccl_api_set_error(rec, "URL too long");
            rc = CCL_API_FAILED;
            goto done;
        }
    }

    rc = (rec->bad_items > 0) ? CCL_API_FAILED : CCL_API_OK;

done:

    rec->outcome = rc;
    rec->elapsed_ms = ccl_api_now_ms() - start;

    if (rc == CCL_API_FAILED) {
        ccl_log(CCL_LOG_ERROR, "api_call_failed",
                "call=%s status=%ld attempts=%u pages=%u error=%s",
                rec->call, rec->status, rec->attempts, rec->pages,
                rec->error);

    } else if (rc == CCL_API_OK) {
        ccl_log(CCL_LOG_DEBUG, "api_call_done",
                "call=%s pages=%u items=%u attempts=%u", rec->call,
                rec->pages, rec->items, rec->attempts);
    }

    return rc;
}
