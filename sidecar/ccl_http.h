/*
 * Copyright (C) cclink authors
 *
 * HTTPS GET with libcurl, configured defensively:
 *
 *  - HTTPS only (also for redirects, at most 3), peer and host name
 *    verified against ca_file (or the system bundle);
 *  - connect and total timeouts, and a low-speed abort;
 *  - a byte cap counted in the write callback: a body over max_bytes
 *    aborts the transfer;
 *  - HTTP Basic auth when a user is given; the credentials are set for one
 *    request and cleared from the handle after it;
 *  - the status is returned, never judged here: the caller checks it.
 *
 * Life cycle: ccl_http_init() once (after curl_global_init), any number of
 * ccl_http_get(), ccl_http_release(). One handle is reused so connections
 * are kept alive between calls of one discovery; CURLOPT_MAXLIFETIME_CONN
 * makes long-lived processes re-handshake periodically.
 *
 * ccl_http_resp_t is owned by the caller: ccl_http_resp_init() before use,
 * ccl_http_resp_release() after. ccl_http_get() resets it first.
 *
 * Return value of ccl_http_get(): 0 when a complete response arrived
 * (whatever its status), -1 on a transport failure (DNS, connect, TLS,
 * timeout, cap exceeded, aborted); then resp->error says what and
 * resp->retryable whether trying again may help. Transport failures are
 * logged here with the URL; the URL never holds credentials.
 */

#ifndef _CCL_HTTP_H_INCLUDED_
#define _CCL_HTTP_H_INCLUDED_


#include <signal.h>
#include <stddef.h>

#include "ccl_buf.h"


typedef struct {
    const char          *ca_file;           /* NULL: system default */
    long                 connect_timeout_ms;
    long                 timeout_ms;
    size_t               max_bytes;
    const volatile sig_atomic_t  *stop;     /* abort when it becomes 1 */
} ccl_http_opts_t;


typedef struct {
    void                *curl;              /* CURL * */
    ccl_http_opts_t      opts;
    char                 errbuf[256];
} ccl_http_t;


typedef struct {
    long                 status;            /* 0: none received */
    ccl_buf_t            body;
    char                 retry_after[64];
    char                 ratelimit_reset[64];
    char                 request_id[96];
    char                 content_type[96];
    char                 error[320];
    int                  retryable;
    int                  over_cap;
} ccl_http_resp_t;


int ccl_http_global_init(void);
void ccl_http_global_release(void);

int ccl_http_init(ccl_http_t *h, const ccl_http_opts_t *opts);
void ccl_http_release(ccl_http_t *h);

void ccl_http_resp_init(ccl_http_resp_t *r, size_t max_bytes);
void ccl_http_resp_release(ccl_http_resp_t *r);

int ccl_http_get(ccl_http_t *h, const char *url, const char *user,
    const char *password, ccl_http_resp_t *resp);


#endif /* _CCL_HTTP_H_INCLUDED_ */
