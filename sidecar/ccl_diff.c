/*
 * Copyright (C) cclink authors
 *
 * Unified diffs of two texts, as "diff -u" writes them (ccl_diff.h).
 */


#include <stdlib.h>
#include <string.h>

#include "ccl_diff.h"


typedef struct {
    const char          *p;
    size_t               len;
    int                  nl;         /* ends with a line feed */
} ccl_line_t;


typedef struct {
    char                 op;         /* ' ', '-', '+' */
    size_t               a;          /* index in old (for ' ' and '-') */
    size_t               b;          /* index in new (for ' ' and '+') */
} ccl_op_t;


static int ccl_diff_split(const char *text, size_t len, ccl_line_t **lines,
    size_t *n);
static int ccl_diff_eq(const ccl_line_t *x, const ccl_line_t *y);
static int ccl_diff_myers(const ccl_line_t *a, size_t n, const ccl_line_t *b,
    size_t m, ccl_op_t **ops, size_t *nops);
static int ccl_diff_trivial(size_t n, size_t m, ccl_op_t **ops,
    size_t *nops);
static int ccl_diff_put_line(ccl_buf_t *out, char op, const ccl_line_t *l);
static int ccl_diff_hunks(const ccl_line_t *a, const ccl_line_t *b,
    const ccl_op_t *ops, size_t nops, ccl_buf_t *out);


static int
ccl_diff_split(const char *text, size_t len, ccl_line_t **lines, size_t *n)
{
    size_t       cap, pos;
    const char  *nl;
    ccl_line_t  *v, *nv;

    v = NULL;
    cap = 0;
    *n = 0;

    for (pos = 0; pos < len; /* void */ ) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            nv = realloc(v, cap * sizeof(ccl_line_t));
            if (nv == NULL) {
                free(v);
                return -1;
            }
            v = nv;
        }

        nl = memchr(text + pos, '\n', len - pos);

        v[*n].p = text + pos;
        v[*n].len = nl ? (size_t) (nl - text - pos) : len - pos;
        v[*n].nl = (nl != NULL);
        pos += v[*n].len + (nl != NULL);
        (*n)++;
    }

    *lines = v;

    return 0;
}


static int
ccl_diff_eq(const ccl_line_t *x, const ccl_line_t *y)
{
    return x->len == y->len && x->nl == y->nl
           && memcmp(x->p, y->p, x->len) == 0;
}


static int
ccl_diff_trivial(size_t n, size_t m, ccl_op_t **ops, size_t *nops)
{
    size_t     i;
    ccl_op_t  *o;

    o = malloc((n + m + 1) * sizeof(ccl_op_t));
    if (o == NULL) {
        return -1;
    }

    *nops = 0;

    for (i = 0; i < n; i++) {
        o[(*nops)++] = (ccl_op_t) { '-', i, 0 };
    }

    for (i = 0; i < m; i++) {
        o[(*nops)++] = (ccl_op_t) { '+', n, i };
    }

    *ops = o;

    return 0;
}


static int
ccl_diff_myers(const ccl_line_t *a, size_t n, const ccl_line_t *b, size_t m,
    ccl_op_t **ops, size_t *nops)
{
    long        d, k, x, y, D, max, pk, px, py;
    long       *v, **trace;
    size_t      cnt, i;
    ccl_op_t   *o, tmp;

    max = (long) (n + m);
    D = -1;

    v = calloc((size_t) (2 * max + 3), sizeof(long));
    trace = calloc((size_t) (CCL_DIFF_MAX_D + 1), sizeof(long *));

    if (v == NULL || trace == NULL) {
        free(v);
        free(trace);
        return -1;
    }

    v += max + 1;   /* v[k] for k in [-max-1, max+1] */

    for (d = 0; d <= max && d <= CCL_DIFF_MAX_D; d++) {

        for (k = -d; k <= d; k += 2) {
            if (k == -d || (k != d && v[k - 1] < v[k + 1])) {
                x = v[k + 1];
            } else {
                x = v[k - 1] + 1;
            }

            y = x - k;

            while (x < (long) n && y < (long) m
                   && ccl_diff_eq(&a[x], &b[y]))
            {
                x++;
                y++;
            }

            v[k] = x;

            if (x >= (long) n && y >= (long) m) {
                D = d;
            }
        }

        trace[d] = malloc((size_t) (2 * d + 1) * sizeof(long));
        if (trace[d] == NULL) {
            D = -2;
            break;
        }

        memcpy(trace[d], &v[-d], (size_t) (2 * d + 1) * sizeof(long));

        if (D >= 0) {
            break;
        }
    }

    if (D < 0) {
        for (i = 0; i <= CCL_DIFF_MAX_D && trace[i] != NULL; i++) {
            free(trace[i]);
        }
        free(trace);
        free(v - max - 1);

        if (D == -2) {
            return -1;
        }

        return ccl_diff_trivial(n, m, ops, nops);
    }

    o = malloc((n + m + 1) * sizeof(ccl_op_t));
    if (o == NULL) {
        D = -1;
        goto done;
    }

    cnt = 0;
    x = (long) n;
    y = (long) m;

    for (d = D; d > 0; d--) {
        /* trace[d - 1][k + d - 1] is V[k] after step d - 1 */
        k = x - y;

        if (k == -d
            || (k != d && trace[d - 1][k - 1 + d - 1]
                          < trace[d - 1][k + 1 + d - 1]))
        {
            pk = k + 1;
        } else {
            pk = k - 1;
        }

        px = trace[d - 1][pk + d - 1];
        py = px - pk;

        while (x > px && y > py) {
            x--;
            y--;
            o[cnt++] = (ccl_op_t) { ' ', (size_t) x, (size_t) y };
        }

        if (pk == k + 1) {
            o[cnt++] = (ccl_op_t) { '+', (size_t) px, (size_t) py };
        } else {
            o[cnt++] = (ccl_op_t) { '-', (size_t) px, (size_t) py };
        }

        x = px;
        y = py;
    }

    while (x > 0 && y > 0) {
        x--;
        y--;
        o[cnt++] = (ccl_op_t) { ' ', (size_t) x, (size_t) y };
    }

    for (i = 0; i < cnt / 2; i++) {
        tmp = o[i];
        o[i] = o[cnt - 1 - i];
        o[cnt - 1 - i] = tmp;
    }

    *ops = o;
    *nops = cnt;

done:

    for (d = 0; d <= CCL_DIFF_MAX_D && trace[d] != NULL; d++) {
        free(trace[d]);
    }

    free(trace);
    free(v - max - 1);

    return D < 0 ? -1 : 0;
}


static int
ccl_diff_put_line(ccl_buf_t *out, char op, const ccl_line_t *l)
{
    if (ccl_buf_addc(out, op) != 0 || ccl_buf_add(out, l->p, l->len) != 0
        || ccl_buf_addc(out, '\n') != 0)
    {
        return -1;
    }

    if (!l->nl) {
        return ccl_buf_adds(out, "\\ No newline at end of file\n");
    }

    return 0;
}


static int
ccl_diff_hunks(const ccl_line_t *a, const ccl_line_t *b, const ccl_op_t *ops,
    size_t nops, ccl_buf_t *out)
{
    size_t  i, start, end, j, next, as, bs, ac, bc;

    i = 0;

    while (i < nops) {
        /* the next change */
        while (i < nops && ops[i].op == ' ') {
            i++;
        }

        if (i == nops) {
            break;
        }

        start = (i > CCL_DIFF_CONTEXT) ? i - CCL_DIFF_CONTEXT : 0;

        /* extend while changes are close enough to share context */
        end = i;

        for (j = i; j < nops; j++) {
            if (ops[j].op != ' ') {
                end = j;
                continue;
            }

            if (j - end > 2 * CCL_DIFF_CONTEXT) {
                break;
            }
        }

        next = end + 1 + CCL_DIFF_CONTEXT;
        if (next > nops) {
            next = nops;
        }

        as = 0;
        bs = 0;
        ac = 0;
        bc = 0;

        for (j = start; j < next; j++) {
            if (ops[j].op != '+') {
                if (ac == 0) {
                    as = ops[j].a;
                }
                ac++;
            }
            if (ops[j].op != '-') {
                if (bc == 0) {
                    bs = ops[j].b;
                }
                bc++;
            }
        }

        /* an empty side is shown as starting at the line before */
        if (ac == 0) {
            as = (start < nops) ? ops[start].a : 0;
        } else {
            as++;
        }

        if (bc == 0) {
            bs = (start < nops) ? ops[start].b : 0;
        } else {
            bs++;
        }

        if (ccl_buf_addf(out, "@@ -%zu,%zu +%zu,%zu @@\n", as, ac, bs, bc)
            != 0)
        {
            return -1;
        }

        for (j = start; j < next; j++) {
            if (ccl_diff_put_line(out, ops[j].op,
                                  ops[j].op == '+' ? &b[ops[j].b]
                                                   : &a[ops[j].a]) != 0)
            {
                return -1;
            }
        }

        i = next;
    }

    return 0;
}


int
ccl_diff_unified(const char *name, const char *old, size_t olen,
    const char *new_text, size_t nlen, ccl_buf_t *out)
{
    int          rc;
    size_t       n, m, nops;
    ccl_op_t    *ops;
    ccl_line_t  *a, *b;

    if (olen == nlen && (olen == 0 || memcmp(old, new_text, olen) == 0)) {
        return 0;
    }

    a = NULL;
    b = NULL;
    ops = NULL;
    rc = -1;

    if (ccl_diff_split(old, olen, &a, &n) != 0
        || ccl_diff_split(new_text, nlen, &b, &m) != 0
        || ccl_diff_myers(a, n, b, m, &ops, &nops) != 0)
    {
        goto done;
    }

    if (ccl_buf_addf(out, "--- a/%s\n+++ b/%s\n", name, name) != 0
        || ccl_diff_hunks(a, b, ops, nops, out) != 0)
    {
        goto done;
    }

    rc = 1;

done:

    free(a);
    free(b);
    free(ops);

    return rc;
}
