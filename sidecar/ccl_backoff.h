/*
 * Copyright (C) cclink authors
 *
 * Retry timing: capped exponential backoff with jitter, and the rate-limit
 * headers of the Confluent Cloud API. Pure functions, no clock and no
 * global random state: the caller passes a random number, so tests are
 * exact.
 *
 *  - ccl_backoff_delay(b, attempt, rnd) is the wait in milliseconds before
 *    retry number "attempt" (0 for the first retry): the exponential step
 *    e = min(max_ms, base_ms * 2^attempt), then "equal jitter": e/2 plus a
 *    random part in [0, e/2] taken from rnd. Never more than max_ms.
 *  - ccl_backoff_retry_after(value, now, &ms) parses a Retry-After header:
 *    delta seconds or an HTTP date (relative to "now"). A date in the past
 *    gives 0.
 *  - ccl_backoff_ratelimit_reset(value, &ms) parses X-RateLimit-Reset,
 *    which Confluent documents as relative seconds (not an epoch).
 *  - ccl_backoff_rate_limited(b, retry_after, reset, attempt, rnd) picks the
 *    wait after a 429: Retry-After when present and valid, else
 *    X-RateLimit-Reset, else the exponential backoff; capped at
 *    honour_max_ms.
 *
 * Every parser returns 0 with the value, or -1 when the header is absent
 * (NULL) or malformed.
 */

#ifndef _CCL_BACKOFF_H_INCLUDED_
#define _CCL_BACKOFF_H_INCLUDED_


#include <stdint.h>
#include <time.h>


typedef struct {
    uint64_t             base_ms;
    uint64_t             max_ms;
    uint64_t             honour_max_ms;   /* cap for server-given waits */
} ccl_backoff_t;


uint64_t ccl_backoff_delay(const ccl_backoff_t *b, unsigned attempt,
    uint32_t rnd);
int ccl_backoff_retry_after(const char *value, time_t now, uint64_t *ms);
int ccl_backoff_ratelimit_reset(const char *value, uint64_t *ms);
uint64_t ccl_backoff_rate_limited(const ccl_backoff_t *b,
    const char *retry_after, const char *reset, time_t now,
    unsigned attempt, uint32_t rnd);

/* A random 32-bit number from the OS (falls back to the clock). */
uint32_t ccl_backoff_random(void);


#endif /* _CCL_BACKOFF_H_INCLUDED_ */
