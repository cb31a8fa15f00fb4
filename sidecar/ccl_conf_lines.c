/*
 * Copyright (C) cclink authors
 *
 * The text of the configuration and credentials files: line by line, each
 * line's fields to a function, errors naming the file and line (ccl_conf.h).
 */


#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ccl_conf.h"
#include "ccl_log.h"


int
ccl_conf_next_line(const char *text, size_t len, size_t *pos, char *line,
    size_t size, unsigned *lineno)
{
    size_t       start, end, n;
    const char  *nl;

    if (*pos >= len) {
        return 0;
    }

    start = *pos;
    nl = memchr(text + start, '\n', len - start);
    end = (nl != NULL) ? (size_t) (nl - text) : len;
    *pos = (nl != NULL) ? end + 1 : len;
    (*lineno)++;

    n = end - start;

    if (n >= size) {
        return -1;
    }

    memcpy(line, text + start, n);
    line[n] = '\0';

    if (memchr(line, '\0', n) != NULL) {
        return -1;
    }

    return 1;
}


void
ccl_conf_error(const char *where, const char *fmt, ...)
{
    char     msg[1024];
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    ccl_log(CCL_LOG_ERROR, "config_error", "where=%s error=%s", where, msg);
}


/*
 * Each line of text that has fields (at most max; nargs is -1 for a line
 * ccl_split_fields() refuses) to handle, until the end or the first
 * failure; a line too long (or with a NUL byte) is logged with the
 * too_long text. The line's copy is wiped before returning (it may have
 * held a secret); errors name the file and line, never the line's text.
 */
int
ccl_conf_each_line(ccl_conf_t *c, const char *path, const char *text,
    size_t len, int max, const char *too_long, ccl_conf_line_pt handle,
    void *data)
{
    int        rc, nargs;
    char       line[CCL_CONF_MAX_LINE], where[512];
    char      *args[CCL_CONF_MAX_FIELDS];
    size_t     pos;
    unsigned   lineno;

    if (max > CCL_CONF_MAX_FIELDS) {
        max = CCL_CONF_MAX_FIELDS;
    }

    pos = 0;
    lineno = 0;

    for ( ;; ) {
        rc = ccl_conf_next_line(text, len, &pos, line, sizeof(line),
                                &lineno);
        snprintf(where, sizeof(where), "%s:%u", path, lineno);

        if (rc == 0) {
            break;
        }

        if (rc < 0) {
            ccl_conf_error(where, "%s", too_long);
            break;
        }

        nargs = ccl_split_fields(line, args, max);

        if (nargs == 0) {
            continue;
        }

        rc = handle(c, where, args, nargs, data);

        if (rc != 0) {
            break;
        }
    }

    explicit_bzero(line, sizeof(line));

    return rc;
}
