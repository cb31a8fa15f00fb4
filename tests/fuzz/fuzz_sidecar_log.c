/*
 * Copyright (C) cclink authors
 *
 * Fuzz target: the sidecar's logfmt writer (sidecar/ccl_log.c), which
 * promises that "a value from the network can never forge a second line
 * or a second key".
 *
 * Input: a level byte, a precision byte, then up to three strings
 * separated by NUL bytes: the event, a value, a value cut by precision.
 * Every line that reaches the sink is read back with a strict logfmt
 * reader: it must be one line with exactly the keys the format names, in
 * order, and (unless the line was cut at CCL_LOG_LINE) each value must
 * decode to the string that was passed.
 */

#include <string.h>

#include "ccl_log.h"
#include "fuzz.h"


#define FUZZ_LOG_KEYS  9


typedef struct {
    int          lines;
    const char  *want[FUZZ_LOG_KEYS];     /* NULL: do not compare */
    size_t       want_len[FUZZ_LOG_KEYS];
} fuzz_log_expect_t;


static const char  *fuzz_log_keys[FUZZ_LOG_KEYS] = {
    "level", "event", "a", "b", "c", "d", "e", "f", "g"
};


static char  fuzz_log_value[CCL_LOG_LINE];

/* a NULL %s argument, hidden from the compiler's format check */
static const char *volatile  fuzz_log_null;


/* reads one value at *p into fuzz_log_value; returns its length or -1 */
static long
fuzz_log_read_value(const char **p, const char *end)
{
    size_t       n;
    unsigned     v;
    const char  *s;

    s = *p;
    n = 0;

    if (s < end && *s == '"') {
        for (s++; ; s++) {
            if (s == end) {
                return -1;
            }

            if (*s == '"') {
                s++;
                break;
            }

            if ((unsigned char) *s < 0x20 || *s == 0x7f) {
                return -1;
            }

            if (*s != '\\') {
                fuzz_log_value[n++] = *s;
                continue;
            }

            if (++s == end) {
                return -1;
            }

            switch (*s) {
            case '"':
            case '\\':
                fuzz_log_value[n++] = *s;
                break;
            case 'n':
                fuzz_log_value[n++] = '\n';
                break;
            case 'r':
                fuzz_log_value[n++] = '\r';
                break;
            case 't':
                fuzz_log_value[n++] = '\t';
                break;
            case 'x':
                if (end - s < 3 || sscanf(s + 1, "%2x", &v) != 1) {
                    return -1;
                }
                fuzz_log_value[n++] = (char) v;
                s += 2;
                break;
            default:
                return -1;
            }
        }

    } else {
        while (s < end && *s != ' ') {
            if ((unsigned char) *s <= 0x20 || *s == 0x7f || *s == '"'
                || *s == '\\' || *s == '=')
            {
                return -1;
            }

            fuzz_log_value[n++] = *s++;
        }

        if (n == 0) {
            return -1;
        }
    }

    *p = s;

    return (long) n;
}


static void
fuzz_log_sink(const char *line, size_t len, void *data)
{
    int                 i, cut;
    long                n;
    size_t              klen;
    const char         *p, *end;
    fuzz_log_expect_t  *x = data;

    x->lines++;

    FUZZ_CHECK(len >= 1 && len < CCL_LOG_LINE);
    FUZZ_CHECK(line[len] == '\0' && strlen(line) == len);
    FUZZ_CHECK(line[len - 1] == '\n');
    FUZZ_CHECK(memchr(line, '\n', len - 1) == NULL);
    FUZZ_CHECK(memchr(line, '\r', len) == NULL);

    cut = len >= 4 && memcmp(line + len - 4, "...\n", 4) == 0
          && len > CCL_LOG_LINE - 16;

    if (cut) {
        return;
    }

    p = line;
    end = line + len - 1;

    for (i = 0; i < FUZZ_LOG_KEYS; i++) {
        if (i > 0) {
            FUZZ_CHECK(p < end && *p == ' ');
            p++;
        }

        klen = strlen(fuzz_log_keys[i]);
        FUZZ_CHECK((size_t) (end - p) > klen);
        FUZZ_CHECK(memcmp(p, fuzz_log_keys[i], klen) == 0 && p[klen] == '=');
        p += klen + 1;

        n = fuzz_log_read_value(&p, end);
        if (n < 0) {
            fprintf(stderr, "not logfmt at key %s: %s", fuzz_log_keys[i],
                    line);
        }
        FUZZ_CHECK(n >= 0);

        if (x->want[i] != NULL) {
            if ((size_t) n != x->want_len[i]
                || memcmp(fuzz_log_value, x->want[i], (size_t) n) != 0)
            {
                fprintf(stderr, "key %s: logged \"%.*s\", passed \"%.*s\"\n",
                        fuzz_log_keys[i], (int) n, fuzz_log_value,
                        (int) x->want_len[i], x->want[i]);
            }
            FUZZ_CHECK((size_t) n == x->want_len[i]);
            FUZZ_CHECK(memcmp(fuzz_log_value, x->want[i], (size_t) n) == 0);
        }
    }

    FUZZ_CHECK(p == end);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                 level, prec;
    char               *buf, *s[3];
    size_t              i, n, plen;
    fuzz_log_expect_t   x;

    static const char  *levels[] = { "debug", "info", "warn", "error" };

    if (size < 2) {
        return 0;
    }

    level = data[0] % 4;
    prec = (signed char) data[1];

    /* the strings, NUL-terminated, in one buffer of the exact size */

    buf = malloc(size - 2 + 1);
    FUZZ_CHECK(buf != NULL);
    memcpy(buf, data + 2, size - 2);
    buf[size - 2] = '\0';

    s[0] = buf;
    s[1] = "";
    s[2] = "";
    n = 1;

    for (i = 0; i < size - 2 && n < 3; i++) {
        if (buf[i] == '\0') {
            s[n++] = buf + i + 1;
        }
    }

    memset(&x, 0, sizeof(x));
    x.want[0] = levels[level];
    x.want_len[0] = strlen(levels[level]);
    x.want[1] = s[0];
    x.want_len[1] = strlen(s[0]);
    x.want[2] = s[1];
    x.want_len[2] = strlen(s[1]);

    plen = strlen(s[2]);
    if (prec >= 0 && (size_t) prec < plen) {
        plen = (size_t) prec;
    }

    x.want[3] = s[2];
    x.want_len[3] = plen;
    x.want[4] = "-";                    /* NULL */
    x.want_len[4] = 1;

    ccl_log_set_level(CCL_LOG_DEBUG);
    ccl_log_set_sink(fuzz_log_sink, &x);

    /* c and d as the values; the numbers are checked for shape only */
    ccl_log(level, s[0], "a=%s b=%.*s c=%s d=%d e=%zu f=%lld g=%%x",
            s[1], prec, s[2], fuzz_log_null, prec, size,
            (long long) -prec);

    ccl_log_set_sink(NULL, NULL);

    FUZZ_CHECK(x.lines == 1);

    free(buf);

    return 0;
}
