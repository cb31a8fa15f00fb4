/*
 * Copyright (C) cclink authors
 *
 * The status file: how the last cycle went, in a fixed format that the
 * module's health endpoint reads without a JSON parser (ccl_status.h).
 */

#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <time.h>

#include "ccl_file.h"
#include "ccl_log.h"
#include "ccl_status.h"


int
ccl_status_render(const ccl_status_t *s, ccl_buf_t *out)
{
    /* "cclink-status 1\nserial 20261206012345\n..." */

    if (ccl_buf_addf(out, "cclink-status 1\n"
                     "serial %" PRIu64 "\n"
                     "last_discovery %lld\n"
                     "last_complete %lld\n"
                     "complete %s\n"
                     "errors %zu\n"
                     "result %s\n",
                     s->serial, (long long) s->last_discovery,
                     (long long) s->last_complete,
                     s->complete ? "yes" : "no", s->errors,
                     s->result ? s->result : "failed") != 0)
    {
        ccl_log(CCL_LOG_ERROR, "status_render_failed", "error=%s",
                "status over its size cap");
        return -1;
    }

    return 0;
}


int
ccl_status_write(const char *path, const ccl_status_t *s)
{
    int        rc;
    ccl_buf_t  b;

    ccl_buf_init(&b, CCL_STATUS_MAX);

    rc = ccl_status_render(s, &b);

    if (rc == 0) {
        rc = ccl_file_commit(path, b.data, b.len, 0644);
    }

    ccl_buf_release(&b);

    return rc;
}


time_t
ccl_status_parse_time(const char *text)
{
    char       *end;
    struct tm   tm;

    if (text == NULL || text[0] == '\0') {
        return 0;
    }

    memset(&tm, 0, sizeof(tm));

    end = strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm);

    if (end == NULL || *end != '\0') {
        return 0;
    }

    return timegm(&tm);
}


int
ccl_status_publish(const ccl_conf_t *conf, const ccl_state_t *st,
    const ccl_state_cycle_t *cy)
{
    char          path[PATH_MAX];
    ccl_status_t  s;

    if (conf->status_file == NULL || strcmp(conf->status_file, "off") == 0) {
        return 0;
    }

    if (ccl_conf_path(conf, conf->status_file, path, sizeof(path)) != 0) {
        return -1;
    }

    memset(&s, 0, sizeof(s));

    s.serial = st->serial;
    s.last_discovery = cy->finished;
    s.last_complete = ccl_status_parse_time(st->last_complete);
    s.complete = cy->complete;
    s.errors = cy->errors ? cy->errors->n : 0;
    s.result = cy->result;

    return ccl_status_write(path, &s);
}
