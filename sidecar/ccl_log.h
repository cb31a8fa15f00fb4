/*
 * Copyright (C) cclink authors
 *
 * Logging: one event per line on stderr, logfmt style:
 *
 *     level=info event=discovery_done env=env-abc12 routes=42
 *
 * API
 *
 *  - ccl_log(level, event, fmt, ...) formats "fmt" like printf and appends
 *    it after "level=... event=...". "fmt" holds the key=value pairs. Every
 *    %s argument is written as a logfmt value: left bare when it is made of
 *    safe characters, otherwise double-quoted with \" \\ \n \r \t and \xNN
 *    escapes, so a value from the network can never forge a second line or
 *    a second key. Numbers take printf's flags, width and precision;
 *    a precision bounds a %s, a width does not pad it.
 *  - The whole line is built in a fixed buffer and written with a single
 *    write(2), so lines from other threads (librdkafka's) never interleave.
 *    Lines longer than CCL_LOG_LINE are cut and end with "...".
 *  - ccl_log_set_level() drops events below the level.
 *  - ccl_log_set_sink() redirects lines to a callback (tests); NULL restores
 *    stderr.
 *
 * Invariants
 *
 *  - Secrets are never passed to this API; it has no way to redact them.
 *  - Messages are lower case, without a final full stop, the subject
 *    quoted through %s.
 */

#ifndef _CCL_LOG_H_INCLUDED_
#define _CCL_LOG_H_INCLUDED_


#include <stdarg.h>
#include <stddef.h>


#define CCL_LOG_LINE  4096


typedef enum {
    CCL_LOG_DEBUG = 0,
    CCL_LOG_INFO,
    CCL_LOG_WARN,
    CCL_LOG_ERROR
} ccl_log_level_e;


typedef void (*ccl_log_sink_pt)(const char *line, size_t len, void *data);


void ccl_log(int level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ccl_log_v(int level, const char *event, const char *fmt, va_list ap);

void ccl_log_set_level(int level);
int ccl_log_get_level(void);

/* Parses "debug", "info", "warn" or "error"; returns -1 when unknown. */
int ccl_log_parse_level(const char *name);

void ccl_log_set_sink(ccl_log_sink_pt sink, void *data);

/*
 * Formats like ccl_log() into buf (always NUL-terminated), quoting %s
 * arguments. Returns the length written.
 */
size_t ccl_log_format(char *buf, size_t size, const char *fmt, va_list ap);


#endif /* _CCL_LOG_H_INCLUDED_ */
