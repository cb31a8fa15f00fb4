/*
 * Copyright (C) cclink authors
 *
 * Logging: one event per line on stderr, logfmt style (ccl_log.h).
 */


#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ccl_log.h"


typedef struct {
    char                *p;
    char                *end;     /* one before the last byte: room for NUL */
    int                  cut;
} ccl_log_out_t;


static void ccl_log_put(ccl_log_out_t *o, const char *s, size_t len);
static void ccl_log_put_value(ccl_log_out_t *o, const char *s);
static int ccl_log_safe_char(unsigned char c);


static int               ccl_log_level = CCL_LOG_INFO;
static ccl_log_sink_pt   ccl_log_sink;
static void             *ccl_log_sink_data;
static pthread_mutex_t   ccl_log_mutex = PTHREAD_MUTEX_INITIALIZER;

static const char       *ccl_log_names[] = {
    "debug", "info", "warn", "error"
};


void
ccl_log(int level, const char *event, const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    ccl_log_v(level, event, fmt, ap);
    va_end(ap);
}


void
ccl_log_v(int level, const char *event, const char *fmt, va_list ap)
{
    char           line[CCL_LOG_LINE];
    size_t         n, len;
    ssize_t        w;
    ccl_log_out_t  o;

    if (level < ccl_log_level) {
        return;
    }

    if (level < CCL_LOG_DEBUG || level > CCL_LOG_ERROR) {
        level = CCL_LOG_ERROR;
    }

    o.p = line;
    o.end = line + sizeof(line) - 5;   /* room for "...\n" and NUL */
    o.cut = 0;

    ccl_log_put(&o, "level=", 6);
    ccl_log_put(&o, ccl_log_names[level], strlen(ccl_log_names[level]));
    ccl_log_put(&o, " event=", 7);
    ccl_log_put_value(&o, event);

    if (fmt != NULL && fmt[0] != '\0') {
        ccl_log_put(&o, " ", 1);
        n = ccl_log_format(o.p, (size_t) (o.end - o.p) + 1, fmt, ap);
        if (o.p + n >= o.end) {
            o.cut = 1;
            o.p = o.end;
        } else {
            o.p += n;
        }
    }

    if (o.cut) {
        memcpy(o.p, "...", 3);
        o.p += 3;
    }

    *o.p++ = '\n';
    len = (size_t) (o.p - line);
    line[len] = '\0';

    pthread_mutex_lock(&ccl_log_mutex);

    if (ccl_log_sink != NULL) {
        ccl_log_sink(line, len, ccl_log_sink_data);

    } else {
        n = 0;
        while (n < len) {
            w = write(STDERR_FILENO, line + n, len - n);
            if (w < 0 && errno == EINTR) {
                continue;
            }
            if (w <= 0) {
                break;
            }
            n += (size_t) w;
        }
    }

    pthread_mutex_unlock(&ccl_log_mutex);
}


void
ccl_log_set_level(int level)
{
    ccl_log_level = level;
}


int
ccl_log_get_level(void)
{
    return ccl_log_level;
}


int
ccl_log_parse_level(const char *name)
{
    int  i;

    for (i = CCL_LOG_DEBUG; i <= CCL_LOG_ERROR; i++) {
        if (strcmp(name, ccl_log_names[i]) == 0) {
            return i;
        }
    }

    return -1;
}


void
ccl_log_set_sink(ccl_log_sink_pt sink, void *data)
{
    pthread_mutex_lock(&ccl_log_mutex);
    ccl_log_sink = sink;
    ccl_log_sink_data = data;
    pthread_mutex_unlock(&ccl_log_mutex);
}


size_t
ccl_log_format(char *buf, size_t size, const char *fmt, va_list ap)
{
    int            lng, prec;
    char           num[128], spec[48], part[CCL_LOG_LINE];
    size_t         n;
    const char    *f, *s;
    ccl_log_out_t  o;

    if (size == 0) {
        return 0;
    }

    o.p = buf;
    o.end = buf + size - 1;
    o.cut = 0;

    for (f = fmt; *f != '\0'; f++) {

        if (*f != '%') {
            ccl_log_put(&o, f, 1);
            continue;
        }

        if (f[1] == '%') {
            ccl_log_put(&o, "%", 1);
            f++;
            continue;
        }

        /*
         * "%[flags][width][.precision][length]conversion", copied into
         * spec for snprintf(); a '*' is taken from the arguments and
         * written as digits.
         */

        f++;
        spec[0] = '%';
        n = 1;
        prec = -1;

        while (*f != '\0' && strchr("-+ #0", *f) != NULL && n < 8) {
            spec[n++] = *f++;
        }

        if (*f == '*') {
            n += (size_t) snprintf(spec + n, sizeof(spec) - n, "%d",
                                   va_arg(ap, int));
            f++;
        }

        while (*f >= '0' && *f <= '9' && n < 16) {
            spec[n++] = *f++;
        }

        if (*f == '.') {
            f++;
            prec = 0;

            if (*f == '*') {
                prec = va_arg(ap, int);
                f++;
            } else {
                while (*f >= '0' && *f <= '9') {
                    prec = prec * 10 + (*f++ - '0');
                }
            }

            n += (size_t) snprintf(spec + n, sizeof(spec) - n, ".%d",
                                   prec < 0 ? 0 : prec);
        }

        lng = 0;

        while ((*f == 'l' || *f == 'z' || *f == 'h') && n < 40) {
            lng = (*f == 'z') ? 3 : (*f == 'h') ? lng : lng + 1;
            spec[n++] = *f++;
        }

        if (*f == '\0') {
            break;
        }

        spec[n++] = *f;
        spec[n] = '\0';
        num[0] = '\0';

        switch (*f) {

        case 's':
            s = va_arg(ap, const char *);
            if (s != NULL && prec >= 0) {
                snprintf(part, sizeof(part), "%.*s", prec, s);
                s = part;
            }
            ccl_log_put_value(&o, s);
            continue;

        case 'c':
            num[0] = (char) va_arg(ap, int);
            num[1] = '\0';
            break;

        case 'd':
        case 'i':
            if (lng == 0) {
                snprintf(num, sizeof(num), spec, va_arg(ap, int));
            } else if (lng == 1) {
                snprintf(num, sizeof(num), spec, va_arg(ap, long));
            } else if (lng == 2) {
                snprintf(num, sizeof(num), spec, va_arg(ap, long long));
            } else {
                snprintf(num, sizeof(num), spec, va_arg(ap, ssize_t));
            }
            break;

        case 'u':
        case 'x':
        case 'X':
        case 'o':
            if (lng == 0) {
                snprintf(num, sizeof(num), spec, va_arg(ap, unsigned));
            } else if (lng == 1) {
                snprintf(num, sizeof(num), spec, va_arg(ap, unsigned long));
            } else if (lng == 2) {
                snprintf(num, sizeof(num), spec,
                         va_arg(ap, unsigned long long));
            } else {
                snprintf(num, sizeof(num), spec, va_arg(ap, size_t));
            }
            break;

        case 'p':
            snprintf(num, sizeof(num), "%p", va_arg(ap, void *));
            break;

        case 'e':
        case 'f':
        case 'g':
            snprintf(num, sizeof(num), spec, va_arg(ap, double));
            break;

        default:
            /* an unknown conversion: the arguments cannot be followed */
            ccl_log_put(&o, "?", 1);
            goto done;
        }

        ccl_log_put(&o, num, strlen(num));
    }

done:

    *o.p = '\0';

    return (size_t) (o.p - buf);
}


static void
ccl_log_put(ccl_log_out_t *o, const char *s, size_t len)
{
    size_t  room;

    room = (size_t) (o->end - o->p);

    if (len > room) {
        len = room;
        o->cut = 1;
    }

    memcpy(o->p, s, len);
    o->p += len;
}


static void
ccl_log_put_value(ccl_log_out_t *o, const char *s)
{
    char           esc[8];
    const char    *c;
    unsigned char  u;

    if (s == NULL) {
        ccl_log_put(o, "-", 1);
        return;
    }

    for (c = s; *c != '\0'; c++) {
        if (!ccl_log_safe_char((unsigned char) *c)) {
            break;
        }
    }

    if (*c == '\0' && c != s) {
        ccl_log_put(o, s, (size_t) (c - s));
        return;
    }

    ccl_log_put(o, "\"", 1);

    for (c = s; *c != '\0'; c++) {
        u = (unsigned char) *c;

        if (u == '"' || u == '\\') {
            esc[0] = '\\';
            esc[1] = (char) u;
            ccl_log_put(o, esc, 2);

        } else if (u == '\n') {
            ccl_log_put(o, "\\n", 2);

        } else if (u == '\r') {
            ccl_log_put(o, "\\r", 2);

        } else if (u == '\t') {
            ccl_log_put(o, "\\t", 2);

        } else if (u < 0x20 || u == 0x7f) {
            snprintf(esc, sizeof(esc), "\\x%02x", u);
            ccl_log_put(o, esc, 4);

        } else {
            ccl_log_put(o, c, 1);
        }
    }

    ccl_log_put(o, "\"", 1);
}


static int
ccl_log_safe_char(unsigned char c)
{
    if (c <= 0x20 || c == 0x7f || c == '"' || c == '\\' || c == '=') {
        return 0;
    }

    return 1;
}
