/*
 * Copyright (C) cclink authors
 *
 * HTTPS GET with libcurl, configured defensively (ccl_http.h).
 */


#include <ctype.h>
#include <string.h>

#include <curl/curl.h>

#include "cclink_common.h"
#include "ccl_http.h"
#include "ccl_log.h"


static size_t ccl_http_write(char *ptr, size_t size, size_t n, void *data);
static size_t ccl_http_header(char *ptr, size_t size, size_t n, void *data);
static int ccl_http_progress(void *data, curl_off_t dltotal,
    curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
static void ccl_http_copy_header(char *dst, size_t size, const char *value,
    size_t len);


int
ccl_http_global_init(void)
{
    CURLcode  rc;

    rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) {
        ccl_log(CCL_LOG_ERROR, "http_error", "op=global_init error=%s",
                curl_easy_strerror(rc));
        return -1;
    }

    return 0;
}


void
ccl_http_global_release(void)
{
    curl_global_cleanup();
}


int
ccl_http_init(ccl_http_t *h, const ccl_http_opts_t *opts)
{
    CURL  *c;

    memset(h, 0, sizeof(*h));
    h->opts = *opts;

    c = curl_easy_init();
    if (c == NULL) {
        ccl_log(CCL_LOG_ERROR, "http_error", "op=init error=%s",
                "curl_easy_init failed");
        return -1;
    }

    h->curl = c;

    return 0;
}


void
ccl_http_release(ccl_http_t *h)
{
    if (h->curl != NULL) {
        curl_easy_cleanup(h->curl);
        h->curl = NULL;
    }
}


void
ccl_http_resp_init(ccl_http_resp_t *r, size_t max_bytes)
{
    memset(r, 0, sizeof(*r));
    ccl_buf_init(&r->body, max_bytes);
}


void
ccl_http_resp_release(ccl_http_resp_t *r)
{
    ccl_buf_release(&r->body);
}


static size_t
ccl_http_write(char *ptr, size_t size, size_t n, void *data)
{
    ccl_http_resp_t  *r;

    r = data;

    if (ccl_buf_add(&r->body, ptr, size * n) != 0) {
        r->over_cap = r->body.over;
        return 0;   /* aborts the transfer with CURLE_WRITE_ERROR */
    }

    return size * n;
}


static void
ccl_http_copy_header(char *dst, size_t size, const char *value, size_t len)
{
    while (len > 0 && (*value == ' ' || *value == '\t')) {
        value++;
        len--;
    }

    while (len > 0 && isspace((unsigned char) value[len - 1])) {
        len--;
    }

    if (len >= size) {
        len = size - 1;
    }

    memcpy(dst, value, len);
    dst[len] = '\0';
}


static size_t
ccl_http_header(char *ptr, size_t size, size_t n, void *data)
{
    size_t            len, nlen, i;
    const char       *colon;
    ccl_http_resp_t  *r;

    static const struct {
        const char  *name;
        size_t       off;
        size_t       size;
    } wanted[] = {
        { "retry-after", offsetof(ccl_http_resp_t, retry_after), 64 },
        { "x-ratelimit-reset", offsetof(ccl_http_resp_t, ratelimit_reset),
          64 },
        { "x-request-id", offsetof(ccl_http_resp_t, request_id), 96 },
        { "content-type", offsetof(ccl_http_resp_t, content_type), 96 },
    };

    r = data;
    len = size * n;

    /* a new response (after a redirect or 100): forget older headers */
    if (len > 5 && strncmp(ptr, "HTTP/", 5) == 0) {
        r->retry_after[0] = '\0';
        r->ratelimit_reset[0] = '\0';
        r->request_id[0] = '\0';
        r->content_type[0] = '\0';
        return len;
    }

    colon = memchr(ptr, ':', len);
    if (colon == NULL) {
        return len;
    }

    nlen = (size_t) (colon - ptr);

    for (i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
        if (nlen == strlen(wanted[i].name)
            && strncasecmp(ptr, wanted[i].name, nlen) == 0)
        {
            ccl_http_copy_header((char *) r + wanted[i].off, wanted[i].size,
                                 colon + 1, len - nlen - 1);
        }
    }

    return len;
}


static int
ccl_http_progress(void *data, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
    ccl_http_t  *h;

    h = data;

    if (h->opts.stop != NULL && *h->opts.stop) {
        return 1;
    }

    return 0;
}


int
ccl_http_get(ccl_http_t *h, const char *url, const char *user,
    const char *password, ccl_http_resp_t *resp)
{
    CURL               *c;
    long                status;
    CURLcode            rc;
    struct curl_slist  *headers;

    c = h->curl;

    ccl_buf_reset(&resp->body);
    resp->status = 0;
    resp->retry_after[0] = '\0';
    resp->ratelimit_reset[0] = '\0';
    resp->request_id[0] = '\0';
    resp->content_type[0] = '\0';
    resp->error[0] = '\0';
    resp->retryable = 0;
    resp->over_cap = 0;
    h->errbuf[0] = '\0';

    if (!ccl_str_casecmp_prefix(url, "https://")) {
        ccl_snprintf(resp->error, sizeof(resp->error), "%s",
                     "refusing a non-https URL");
        ccl_log(CCL_LOG_ERROR, "http_error", "url=%s error=%s", url,
                resp->error);
        return -1;
    }

    headers = curl_slist_append(NULL, "Accept: application/json");
    if (headers == NULL) {
        return -1;
    }

    curl_easy_reset(c);

    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, (long) CURL_SSLVERSION_TLSv1_2);

    if (h->opts.ca_file != NULL) {
        curl_easy_setopt(c, CURLOPT_CAINFO, h->opts.ca_file);
    }

    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->opts.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->opts.timeout_ms);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                     (h->opts.timeout_ms + 999) / 1000);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
                     (curl_off_t) h->opts.max_bytes);
    curl_easy_setopt(c, CURLOPT_MAXLIFETIME_CONN, 300L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "cclink-sidecar/" CCLINK_VERSION);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);

    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ccl_http_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, ccl_http_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, ccl_http_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, h);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);

    if (user != NULL && password != NULL) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, password);
    }

    rc = curl_easy_perform(c);

    /* do not keep the credentials in the handle between requests */
    curl_easy_setopt(c, CURLOPT_USERNAME, NULL);
    curl_easy_setopt(c, CURLOPT_PASSWORD, NULL);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(headers);

    if (rc != CURLE_OK) {
        if (resp->over_cap || rc == CURLE_FILESIZE_EXCEEDED) {
            ccl_snprintf(resp->error, sizeof(resp->error),
                         "response larger than %zu bytes", h->opts.max_bytes);
            resp->over_cap = 1;
            resp->retryable = 0;

        } else {
            ccl_snprintf(resp->error, sizeof(resp->error), "%s%s%s",
                         curl_easy_strerror(rc), h->errbuf[0] ? ": " : "",
                         h->errbuf);

            switch (rc) {
            case CURLE_COULDNT_RESOLVE_HOST:
            case CURLE_COULDNT_CONNECT:
            case CURLE_OPERATION_TIMEDOUT:
            case CURLE_SEND_ERROR:
            case CURLE_RECV_ERROR:
            case CURLE_GOT_NOTHING:
            case CURLE_PARTIAL_FILE:
            case CURLE_HTTP2:
            case CURLE_HTTP2_STREAM:
            case CURLE_SSL_CONNECT_ERROR:
                resp->retryable = 1;
                break;
            default:
                resp->retryable = 0;
            }
        }

        if (h->opts.stop != NULL && *h->opts.stop) {
            ccl_snprintf(resp->error, sizeof(resp->error), "%s",
                         "aborted (stopping)");
            resp->retryable = 0;
        }

        ccl_log(CCL_LOG_WARN, "http_error", "url=%s error=%s", url,
                resp->error);
        return -1;
    }

    status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    resp->status = status;

    ccl_log(CCL_LOG_DEBUG, "http_response",
            "url=%s status=%ld bytes=%zu request_id=%s", url, status,
            resp->body.len, resp->request_id[0] ? resp->request_id : NULL);

    return 0;
}
