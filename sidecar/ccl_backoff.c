/*
 * Copyright (C) cclink authors
 *
 * Retry timing: capped exponential backoff with jitter, and the
 * rate-limit headers (ccl_backoff.h).
 */


#include <ctype.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <time.h>

#include "ccl_backoff.h"
#include "ccl_buf.h"


static int ccl_backoff_seconds(const char *value, uint64_t *secs);


uint64_t
ccl_backoff_delay(const ccl_backoff_t *b, unsigned attempt, uint32_t rnd)
{
    uint64_t  e, half;

    e = b->base_ms;

    while (attempt > 0 && e < b->max_ms) {
        e *= 2;
        attempt--;
    }

    if (e > b->max_ms) {
        e = b->max_ms;
    }

    half = e / 2;

    if (half == 0) {
        return e;
    }

    return half + (uint64_t) rnd % (e - half + 1);
}


static int
ccl_backoff_seconds(const char *value, uint64_t *secs)
{
    const char     *p, *end;
    char            num[24];
    size_t          len;
    unsigned long   v;

    p = value;
    while (*p == ' ' || *p == '\t') {
        p++;
    }

    end = p + strlen(p);
    while (end > p && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }

    len = (size_t) (end - p);

    if (len == 0 || len >= sizeof(num)) {
        return -1;
    }

    memcpy(num, p, len);
    num[len] = '\0';

    if (ccl_parse_ulong(num, 86400UL * 365, &v) != 0) {
        return -1;
    }

    *secs = v;

    return 0;
}


int
ccl_backoff_retry_after(const char *value, time_t now, uint64_t *ms)
{
    uint64_t    secs;
    time_t      t;
    struct tm   tm;
    const char *p, *rest;

    if (value == NULL) {
        return -1;
    }

    if (ccl_backoff_seconds(value, &secs) == 0) {
        *ms = secs * 1000;
        return 0;
    }

    /* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */

    p = value;
    while (*p == ' ') {
        p++;
    }

    memset(&tm, 0, sizeof(tm));
    rest = strptime(p, "%a, %d %b %Y %H:%M:%S GMT", &tm);

    if (rest == NULL) {
        return -1;
    }

    while (*rest == ' ' || *rest == '\t') {
        rest++;
    }

    if (*rest != '\0') {
        return -1;
    }

    t = timegm(&tm);
    if (t == (time_t) -1) {
        return -1;
    }

    *ms = (t > now) ? (uint64_t) (t - now) * 1000 : 0;

    return 0;
}


int
ccl_backoff_ratelimit_reset(const char *value, uint64_t *ms)
{
    uint64_t  secs;

    if (value == NULL || ccl_backoff_seconds(value, &secs) != 0) {
        return -1;
    }

    *ms = secs * 1000;

    return 0;
}


uint64_t
ccl_backoff_rate_limited(const ccl_backoff_t *b, const char *retry_after,
    const char *reset, time_t now, unsigned attempt, uint32_t rnd)
{
    uint64_t  ms;

    if (ccl_backoff_retry_after(retry_after, now, &ms) != 0
        && ccl_backoff_ratelimit_reset(reset, &ms) != 0)
    {
        ms = ccl_backoff_delay(b, attempt, rnd);
    }

    if (ms > b->honour_max_ms) {
        ms = b->honour_max_ms;
    }

    return ms;
}


uint32_t
ccl_backoff_random(void)
{
    uint32_t        r;
    struct timeval  tv;

    if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t) sizeof(r)) {
        return r;
    }

    gettimeofday(&tv, NULL);

    return (uint32_t) (tv.tv_usec ^ (tv.tv_sec << 8));
}
