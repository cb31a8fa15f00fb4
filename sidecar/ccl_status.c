/*
 * Copyright (C) cclink authors
 *
 * The status file: how the last cycle went, in a fixed format that the
 * module's health endpoint and status page read without a JSON parser
 * (ccl_status.h).
 */

#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <time.h>

#include "ccl_file.h"
#include "ccl_log.h"
#include "ccl_status.h"


static int ccl_status_text(ccl_buf_t *out, const char *s, size_t max,
    int word);
static int ccl_status_errors(const ccl_status_t *s, ccl_buf_t *out);
static int ccl_status_error(ccl_buf_t *out, long status, const char *call,
    const char *text);


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
        goto over;
    }

    if (s->written_by != NULL
        && (ccl_buf_adds(out, "written_by ") != 0
            || ccl_status_text(out, s->written_by, CCL_STATUS_TEXT, 0) != 0
            || ccl_buf_addc(out, '\n') != 0))
    {
        goto over;
    }

    if (s->generated != NULL && s->generated[0] != '\0'
        && (ccl_buf_adds(out, "generated ") != 0
            || ccl_status_text(out, s->generated, CCL_STATUS_TEXT, 1) != 0
            || ccl_buf_addc(out, '\n') != 0))
    {
        goto over;
    }

    if (s->reason != NULL
        && (ccl_buf_adds(out, "reason ") != 0
            || ccl_status_text(out, s->reason, CCL_STATUS_TEXT, 0) != 0
            || ccl_buf_addc(out, '\n') != 0))
    {
        goto over;
    }

    if (ccl_status_errors(s, out) != 0) {
        goto over;
    }

    return 0;

over:

    ccl_log(CCL_LOG_ERROR, "status_render_failed", "error=%s",
            "status over its size cap");
    return -1;
}


/* the first CCL_STATUS_ERRORS errors, then how many more */

static int
ccl_status_errors(const ccl_status_t *s, ccl_buf_t *out)
{
    size_t              i, listed, more;
    const ccl_call_t   *c;

    listed = 0;
    more = 0;

    for (i = 0; s->calls != NULL && i < s->calls->n; i++) {
        c = &s->calls->v[i];

        if (c->error == NULL) {
            continue;
        }

        if (listed == CCL_STATUS_ERRORS) {
            more++;
            continue;
        }

        if (ccl_status_error(out, c->status, c->call, c->error) != 0) {
            return -1;
        }

        listed++;
    }

    for (i = 0; s->errs != NULL && i < s->errs->n; i++) {

        if (listed == CCL_STATUS_ERRORS) {
            more++;
            continue;
        }

        if (ccl_status_error(out, 0, NULL, s->errs->v[i]) != 0) {
            return -1;
        }

        listed++;
    }

    if (more && ccl_buf_addf(out, "errors_more %zu\n", more) != 0) {
        return -1;
    }

    return 0;
}


/* "error 503 GET\x20/path HTTP 503: ...\n"; status 0 and call NULL: "-" */

static int
ccl_status_error(ccl_buf_t *out, long status, const char *call,
    const char *text)
{
    int  rc;

    if (status > 0) {
        rc = ccl_buf_addf(out, "error %ld ", status);

    } else {
        rc = ccl_buf_adds(out, "error - ");
    }

    if (rc != 0) {
        return -1;
    }

    if (call == NULL || call[0] == '\0') {
        rc = ccl_buf_adds(out, "-");

    } else {
        rc = ccl_status_text(out, call, CCL_STATUS_CALL, 1);
    }

    if (rc != 0
        || ccl_buf_addc(out, ' ') != 0
        || ccl_status_text(out, text ? text : "", CCL_STATUS_TEXT, 0) != 0
        || ccl_buf_addc(out, '\n') != 0)
    {
        return -1;
    }

    return 0;
}


/*
 * s as text of the file: bytes outside printable ASCII, the backslash and,
 * in a word, the space as "\xNN"; at most max bytes, a cut text ending
 * in "...".
 */

static int
ccl_status_text(ccl_buf_t *out, const char *s, size_t max, int word)
{
    size_t          n, k, total, limit;
    const char     *p;
    unsigned char   ch;

    total = 0;

    for (p = s; *p != '\0'; p++) {
        ch = (unsigned char) *p;
        total += (ch < 0x20 || ch > 0x7e || ch == '\\' || (word && ch == ' '))
                 ? 4 : 1;
    }

    limit = (total <= max) ? max : max - 3;
    n = 0;

    for (p = s; *p != '\0'; p++) {
        ch = (unsigned char) *p;

        k = (ch < 0x20 || ch > 0x7e || ch == '\\' || (word && ch == ' '))
            ? 4 : 1;

        if (n + k > limit) {
            break;
        }

        if (k == 4) {
            if (ccl_buf_addf(out, "\\x%02x", ch) != 0) {
                return -1;
            }

        } else if (ccl_buf_addc(out, (char) ch) != 0) {
            return -1;
        }

        n += k;
    }

    if (total > max && ccl_buf_adds(out, "...") != 0) {
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
    s.written_by = "cclink-sidecar " CCLINK_VERSION;
    s.generated = st->generated;
    s.reason = cy->reason;
    s.calls = cy->calls;
    s.errs = cy->errors;

    return ccl_status_write(path, &s);
}
