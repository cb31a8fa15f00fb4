/*
 * Copyright (C) cclink authors
 *
 * The status file: a few "key value" lines that say how the last cycle
 * went, for readers that must stay cheap (the module's health endpoint,
 * the status page, monitoring scripts). Written after every cycle that
 * is not a dry run, replaced atomically (ccl_file_commit), so a reader
 * sees the previous file or the new one.
 *
 *     cclink-status 1
 *     serial 20261206012345
 *     last_discovery 1796519025
 *     last_complete 1796519025
 *     complete yes
 *     errors 0
 *     result unchanged
 *
 *  - The first line names the format; readers refuse any other. Later
 *    versions only add keys; readers ignore keys they do not know.
 *  - Times are unix seconds (UTC). last_discovery: when the last cycle's
 *    discovery ended. last_complete: when the last complete discovery was
 *    applied (its route table in place), 0 when there never was one.
 *  - complete: whether the last cycle's discovery was complete; errors:
 *    how many errors it recorded; serial: the route table in force (0:
 *    none yet); result: applied, unchanged, refused or failed.
 *  - At most CCL_STATUS_MAX bytes, ASCII, every line ends with "\n".
 *
 * For the status page, after those (each only when there is something
 * to say):
 *
 *     written_by cclink-sidecar 0.1.0
 *     generated 2026-12-06T01:23:45Z
 *     reason discovery incomplete; routes kept
 *     error 503 GET\x20/networking/v1/networks HTTP 503: unavailable
 *     error - - kafka metadata lkc-1: metadata timed out
 *     errors_more 2
 *
 *  - Text is written as it is but for bytes outside printable ASCII and
 *    the backslash, which become "\xNN"; a text cut at its bound ends
 *    in "...". reason: at most CCL_STATUS_TEXT bytes as written.
 *  - "error STATUS CALL TEXT": the errors of the last discovery, the
 *    failed API calls first (as the state file lists them), then the
 *    other errors; STATUS is the HTTP status or "-"; CALL is the call
 *    with its spaces written "\x20" (one word), "-" for none, at most
 *    CCL_STATUS_CALL bytes; TEXT at most CCL_STATUS_TEXT. At most
 *    CCL_STATUS_ERRORS such lines; errors_more counts the others.
 *
 * ccl_status_render() formats s into out; ccl_status_write() renders and
 * replaces the file at path. ccl_status_publish() writes conf's
 * status_file (joined with output_dir; "off": none) from a cycle's
 * state and record: what ccl_apply_cycle() calls after the state file.
 * ccl_status_parse_time() turns the state file's RFC 3339 UTC time
 * ("2026-12-06T01:23:45Z") into unix seconds, 0 for "" or anything else.
 */

#ifndef _CCL_STATUS_H_INCLUDED_
#define _CCL_STATUS_H_INCLUDED_


#include <stdint.h>
#include <time.h>

#include "ccl_api.h"
#include "ccl_buf.h"
#include "ccl_conf.h"
#include "ccl_state.h"


#define CCL_STATUS_MAX     1024

/*
 * Bounds that keep the file within CCL_STATUS_MAX: the first lines take
 * under 340 bytes, an error line under 165.
 */
#define CCL_STATUS_ERRORS  4
#define CCL_STATUS_CALL    64
#define CCL_STATUS_TEXT    80


typedef struct {
    uint64_t             serial;
    time_t               last_discovery;
    time_t               last_complete;
    int                  complete;
    size_t               errors;
    const char          *result;

    /* for the status page; NULL: not written */
    const char          *written_by;
    const char          *generated;
    const char          *reason;
    const ccl_calls_t   *calls;      /* those with an error are listed */
    const ccl_strv_t    *errs;       /* then these */
} ccl_status_t;


int ccl_status_render(const ccl_status_t *s, ccl_buf_t *out);
int ccl_status_write(const char *path, const ccl_status_t *s);
time_t ccl_status_parse_time(const char *text);
int ccl_status_publish(const ccl_conf_t *conf, const ccl_state_t *st,
    const ccl_state_cycle_t *cy);


#endif /* _CCL_STATUS_H_INCLUDED_ */
