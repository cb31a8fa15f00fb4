/*
 * Copyright (C) cclink authors
 *
 * Growable byte buffers with a maximum size, and small string helpers
 * (ccl_buf.h).
 */


#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ccl_buf.h"


static int ccl_buf_grow(ccl_buf_t *b, size_t add);
static int ccl_strv_cmp(const void *a, const void *b);


void
ccl_buf_init(ccl_buf_t *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->over = 0;
}


void
ccl_buf_release(ccl_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->over = 0;
}


void
ccl_buf_reset(ccl_buf_t *b)
{
    b->len = 0;
    b->over = 0;

    if (b->data != NULL) {
        b->data[0] = '\0';
    }
}


char *
ccl_buf_detach(ccl_buf_t *b, size_t *len)
{
    char  *p;

    if (b->data == NULL) {
        p = calloc(1, 1);
        if (len != NULL) {
            *len = 0;
        }
        return p;
    }

    p = b->data;

    if (len != NULL) {
        *len = b->len;
    }

    b->data = NULL;
    b->len = 0;
    b->cap = 0;

    return p;
}


static int
ccl_buf_grow(ccl_buf_t *b, size_t add)
{
    char    *p;
    size_t   need, cap;

    if (add > b->max || b->len > b->max - add) {
        b->over = 1;
        return -1;
    }

    need = b->len + add + 1;

    if (need <= b->cap) {
        return 0;
    }

    cap = b->cap ? b->cap : 256;

    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }

    if (cap > b->max + 1) {
        cap = b->max + 1;
    }

    p = realloc(b->data, cap);
    if (p == NULL) {
        return -1;
    }

    b->data = p;
    b->cap = cap;

    return 0;
}


int
ccl_buf_add(ccl_buf_t *b, const void *data, size_t len)
{
    if (ccl_buf_grow(b, len) != 0) {
        return -1;
    }

    if (len > 0) {
        memcpy(b->data + b->len, data, len);
    }

    b->len += len;
    b->data[b->len] = '\0';

    return 0;
}


int
ccl_buf_adds(ccl_buf_t *b, const char *s)
{
    return ccl_buf_add(b, s, strlen(s));
}


int
ccl_buf_addc(ccl_buf_t *b, char c)
{
    return ccl_buf_add(b, &c, 1);
}


int
ccl_buf_addf(ccl_buf_t *b, const char *fmt, ...)
{
    int      rc;
    va_list  ap;

    va_start(ap, fmt);
    rc = ccl_buf_vaddf(b, fmt, ap);
    va_end(ap);

    return rc;
}


int
ccl_buf_vaddf(ccl_buf_t *b, const char *fmt, va_list ap)
{
    int      n;
    va_list  cp;

    va_copy(cp, ap);
    n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);

    if (n < 0) {
        return -1;
    }

    if (ccl_buf_grow(b, (size_t) n) != 0) {
        return -1;
    }

    vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
    b->len += (size_t) n;

    return 0;
}


void
ccl_strv_init(ccl_strv_t *sv)
{
    sv->v = NULL;
    sv->n = 0;
    sv->cap = 0;
}


void
ccl_strv_release(ccl_strv_t *sv)
{
    size_t  i;

    for (i = 0; i < sv->n; i++) {
        free(sv->v[i]);
    }

    free(sv->v);
    ccl_strv_init(sv);
}


int
ccl_strv_addn(ccl_strv_t *sv, const char *s, size_t len)
{
    char   **v, *copy;
    size_t   cap;

    if (sv->n == sv->cap) {
        cap = sv->cap ? sv->cap * 2 : 8;
        v = realloc(sv->v, cap * sizeof(char *));
        if (v == NULL) {
            return -1;
        }
        sv->v = v;
        sv->cap = cap;
    }

    copy = ccl_strndup(s, len);
    if (copy == NULL) {
        return -1;
    }

    sv->v[sv->n++] = copy;

    return 0;
}


int
ccl_strv_add(ccl_strv_t *sv, const char *s)
{
    return ccl_strv_addn(sv, s, strlen(s));
}


int
ccl_strv_has(const ccl_strv_t *sv, const char *s)
{
    size_t  i;

    for (i = 0; i < sv->n; i++) {
        if (strcmp(sv->v[i], s) == 0) {
            return 1;
        }
    }

    return 0;
}


static int
ccl_strv_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}


void
ccl_strv_sort(ccl_strv_t *sv)
{
    if (sv->n > 1) {
        qsort(sv->v, sv->n, sizeof(char *), ccl_strv_cmp);
    }
}


void
ccl_strv_uniq(ccl_strv_t *sv)
{
    size_t  i, j;

    if (sv->n < 2) {
        return;
    }

    j = 1;

    for (i = 1; i < sv->n; i++) {
        if (strcmp(sv->v[i], sv->v[j - 1]) == 0) {
            free(sv->v[i]);
            continue;
        }
        sv->v[j++] = sv->v[i];
    }

    sv->n = j;
}


char *
ccl_strdup(const char *s)
{
    if (s == NULL) {
        return NULL;
    }

    return ccl_strndup(s, strlen(s));
}


char *
ccl_strndup(const char *s, size_t len)
{
    char  *p;

    if (s == NULL) {
        return NULL;
    }

    p = malloc(len + 1);
    if (p == NULL) {
        return NULL;
    }

    memcpy(p, s, len);
    p[len] = '\0';

    return p;
}


int
ccl_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    int      n;
    va_list  ap;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);

    if (n < 0 || (size_t) n >= size) {
        return -1;
    }

    return 0;
}


int
ccl_strlcpy(char *buf, const char *s, size_t size)
{
    size_t  len;

    if (size == 0) {
        return -1;
    }

    len = strlen(s);

    if (len >= size) {
        len = size - 1;

        /* back to the start of a character cut by the copy */
        if (len > 0 && ((unsigned char) s[len] & 0xc0) == 0x80) {
            while (len > 0 && ((unsigned char) s[len] & 0xc0) == 0x80
                   && size - 1 - len < 4)
            {
                len--;
            }

            if (ccl_utf8_length((const unsigned char *) s + len,
                                size - 1 - len) != 0)
            {
                len = size - 1;     /* it was whole after all */
            }
        }

        memcpy(buf, s, len);
        buf[len] = '\0';
        return -1;
    }

    memcpy(buf, s, len + 1);

    return 0;
}


size_t
ccl_utf8_length(const unsigned char *s, size_t len)
{
    size_t    n, i;
    uint32_t  c, min;

    if (len == 0) {
        return 0;
    }

    if (s[0] < 0x80) {
        return 1;
    }

    if ((s[0] & 0xe0) == 0xc0) {
        n = 2;
        c = s[0] & 0x1f;
        min = 0x80;

    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3;
        c = s[0] & 0x0f;
        min = 0x800;

    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4;
        c = s[0] & 0x07;
        min = 0x10000;

    } else {
        return 0;
    }

    if (len < n) {
        return 0;
    }

    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (s[i] & 0x3f);
    }

    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        return 0;
    }

    return n;
}


size_t
ccl_utf8_fix(char *s)
{
    size_t          len, i, n, k, changed;
    unsigned char  *p;

    p = (unsigned char *) s;
    len = strlen(s);
    changed = 0;

    for (i = 0; i < len; i += n) {
        n = ccl_utf8_length(p + i, len - i);

        if (n != 0) {
            continue;
        }

        /* a character cut at the end: drop it */
        if (p[i] >= 0xc0 && p[i] < 0xf8) {
            k = (p[i] >= 0xf0) ? 4 : (p[i] >= 0xe0) ? 3 : 2;

            if (len - i < k) {
                for (n = 1; i + n < len && (p[i + n] & 0xc0) == 0x80; n++) {
                    /* void */
                }

                if (i + n == len) {
                    changed += len - i;
                    p[i] = '\0';
                    break;
                }
            }
        }

        p[i] = '?';
        changed++;
        n = 1;
    }

    return changed;
}


void
ccl_str_lower(char *s)
{
    for ( /* void */ ; *s != '\0'; s++) {
        *s = (char) tolower((unsigned char) *s);
    }
}


int
ccl_str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}


int
ccl_str_has_suffix(const char *s, const char *suffix)
{
    size_t  ls, lx;

    ls = strlen(s);
    lx = strlen(suffix);

    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}


int
ccl_str_casecmp_prefix(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}


int
ccl_parse_long(const char *s, long min, long max, long *out)
{
    long   v;
    char  *end;

    if (s == NULL || *s == '\0' || isspace((unsigned char) *s)) {
        return -1;
    }

    errno = 0;
    v = strtol(s, &end, 10);

    if (errno != 0 || *end != '\0' || v < min || v > max) {
        return -1;
    }

    *out = v;

    return 0;
}


int
ccl_parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
    unsigned long   v;
    char           *end;

    if (s == NULL || !isdigit((unsigned char) *s)) {
        return -1;
    }

    errno = 0;
    v = strtoul(s, &end, 10);

    if (errno != 0 || *end != '\0' || v > max) {
        return -1;
    }

    *out = v;

    return 0;
}


int
ccl_split_fields(char *line, char **fields, int max)
{
    int    n;
    char  *p, *w;

    n = 0;
    p = line;

    for ( ;; ) {

        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
            p++;
        }

        if (*p == '\0' || *p == '#') {
            break;
        }

        if (n == max) {
            return -1;
        }

        if (*p == '"') {
            p++;
            w = p;
            fields[n++] = w;

            for ( ;; ) {
                if (*p == '\0') {
                    return -1;
                }

                if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) {
                    *w++ = p[1];
                    p += 2;
                    continue;
                }

                if (*p == '"') {
                    p++;
                    break;
                }

                *w++ = *p++;
            }

            if (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r'
                && *p != '\n')
            {
                return -1;
            }

            if (*p != '\0') {
                p++;
            }

            *w = '\0';
            continue;
        }

        fields[n++] = p;

        while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r'
               && *p != '\n')
        {
            p++;
        }

        if (*p == '\0') {
            break;
        }

        *p++ = '\0';
    }

    return n;
}


void
ccl_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned int    i, n;
    unsigned char   md[EVP_MAX_MD_SIZE];
    static const char  hex[] = "0123456789abcdef";

    n = 0;

    if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1) {
        n = 0;
    }

    for (i = 0; i < n && i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 0x0f];
    }

    out[2 * i] = '\0';
}


void
ccl_str_free_secret(char *s)
{
    if (s == NULL) {
        return;
    }

    explicit_bzero(s, strlen(s));
    free(s);
}
