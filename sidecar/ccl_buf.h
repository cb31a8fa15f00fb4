/*
 * Copyright (C) cclink authors
 *
 * Growable byte buffers with a mandatory maximum size, and small string
 * helpers used by every subsystem.
 *
 * ccl_buf_t
 *
 *  - ccl_buf_init(b, max) prepares an empty buffer that may grow up to "max"
 *    bytes of content; it allocates nothing. ccl_buf_release() frees the
 *    content and leaves an empty buffer with the same limit, ready for
 *    reuse. ccl_buf_detach() hands the content (NUL-terminated, malloc'd)
 *    to the caller and leaves the buffer empty.
 *  - Invariant: when b->data is not NULL, b->data[b->len] == '\0', so the
 *    content can always be used as a C string (it may hold NUL bytes too).
 *  - An append that would pass the limit or fails to allocate returns -1
 *    and leaves the content as it was; the caller decides whether to give
 *    up (b->over tells that the limit, not memory, was the reason).
 *
 * ccl_strv_t: an array of owned, malloc'd strings.
 *
 *  - ccl_strv_add() copies the string; ccl_strv_release() frees them all.
 *  - ccl_strv_sort() sorts by strcmp; ccl_strv_uniq() drops adjacent
 *    duplicates (so sort first).
 *
 * String helpers never write past "size" and always NUL-terminate.
 */

#ifndef _CCL_BUF_H_INCLUDED_
#define _CCL_BUF_H_INCLUDED_


#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>


/* the number of elements of an array */
#define CCL_NELTS(a)  (sizeof(a) / sizeof((a)[0]))


typedef struct {
    char                *data;
    size_t               len;
    size_t               cap;
    size_t               max;
    int                  over;     /* an append hit "max" */
} ccl_buf_t;


typedef struct {
    char               **v;
    size_t               n;
    size_t               cap;
} ccl_strv_t;


void ccl_buf_init(ccl_buf_t *b, size_t max);
void ccl_buf_release(ccl_buf_t *b);
char *ccl_buf_detach(ccl_buf_t *b, size_t *len);
void ccl_buf_reset(ccl_buf_t *b);

int ccl_buf_add(ccl_buf_t *b, const void *data, size_t len);
int ccl_buf_adds(ccl_buf_t *b, const char *s);
int ccl_buf_addc(ccl_buf_t *b, char c);
int ccl_buf_addf(ccl_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int ccl_buf_vaddf(ccl_buf_t *b, const char *fmt, va_list ap);


void ccl_strv_init(ccl_strv_t *sv);
void ccl_strv_release(ccl_strv_t *sv);
int ccl_strv_add(ccl_strv_t *sv, const char *s);
int ccl_strv_addn(ccl_strv_t *sv, const char *s, size_t len);
int ccl_strv_has(const ccl_strv_t *sv, const char *s);
void ccl_strv_sort(ccl_strv_t *sv);
void ccl_strv_uniq(ccl_strv_t *sv);


/* malloc'd copies; NULL on allocation failure (or when s is NULL) */
char *ccl_strdup(const char *s);
char *ccl_strndup(const char *s, size_t len);

/* snprintf that returns 0, or -1 when the result did not fit */
int ccl_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * copies s into buf; returns -1 (with a truncated copy) if it did not fit;
 * a truncated copy never ends inside a UTF-8 character
 */
int ccl_strlcpy(char *buf, const char *s, size_t size);

/*
 * UTF-8 from the network (API error texts, Kafka strings):
 * ccl_utf8_length(s, len) is the length of the valid UTF-8 sequence that
 * starts at s (1-4), or 0 when the bytes there are not one (a stray
 * continuation byte, an overlong form, a surrogate, beyond U+10FFFF, or
 * cut by len);
 * ccl_utf8_fix(s) makes s valid UTF-8 in place: a character cut at the end
 * is dropped, every other byte that is not part of a valid character
 * becomes '?'. Returns the number of bytes changed or dropped.
 */
size_t ccl_utf8_length(const unsigned char *s, size_t len);
size_t ccl_utf8_fix(char *s);

void ccl_str_lower(char *s);
int ccl_str_has_prefix(const char *s, const char *prefix);
int ccl_str_has_suffix(const char *s, const char *suffix);
int ccl_str_casecmp_prefix(const char *s, const char *prefix);

/*
 * Parses a decimal number in [min, max] that makes up the whole string.
 * Returns 0 or -1.
 */
int ccl_parse_long(const char *s, long min, long max, long *out);
int ccl_parse_ulong(const char *s, unsigned long max, unsigned long *out);

/*
 * Splits a line into at most "max" fields separated by blanks, in place
 * (NULs are written into "line"). A field starting with '#' ends the line.
 * Double quotes group a field with blanks ("a b"); \" and \\ escape inside
 * quotes. Returns the number of fields, or -1 on an unterminated quote or
 * when there are more than "max" fields.
 */
int ccl_split_fields(char *line, char **fields, int max);

/* Hex SHA-256 of a buffer into out[65]. */
void ccl_sha256_hex(const void *data, size_t len, char out[65]);

/* Frees s after overwriting it (secrets). */
void ccl_str_free_secret(char *s);


#endif /* _CCL_BUF_H_INCLUDED_ */
