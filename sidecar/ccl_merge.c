/*
 * Copyright (C) cclink authors
 *
 * Where the discovery's sources disagree about a resource (ccl_merge.h).
 */


#include <stdio.h>
#include <string.h>

#include "ccl_conf.h"
#include "ccl_log.h"
#include "ccl_merge.h"


static int ccl_merge_counts(const ccl_name_t *n, unsigned service,
    unsigned sources);
static int ccl_merge_names(const ccl_model_t *m, size_t from,
    unsigned service, const char *resource, unsigned source,
    unsigned skip_network_forms, ccl_buf_t *out);
static int ccl_merge_reported(const ccl_model_t *m, size_t from,
    const ccl_name_t *n, unsigned source);
static int ccl_merge_network_form(const ccl_model_t *m,
    const ccl_name_t *n);
static int ccl_merge_source_index(unsigned bit);
static void ccl_merge_key(char *s);


static void
ccl_merge_key(char *s)
{
    for ( /* void */ ; *s != '\0'; s++) {
        if (*s == '/') {
            *s = '_';
        }
    }
}


/* a name that takes part in the comparison */

static int
ccl_merge_counts(const ccl_name_t *n, unsigned service, unsigned sources)
{
    return n->service == service && n->resource != NULL
           && (n->sources & sources) != 0
           && (n->kinds & ~(unsigned) CCL_NAME_BROKER) != 0;
}


static int
ccl_merge_source_index(unsigned bit)
{
    int  i;

    for (i = 0; i < CCL_SRC_COUNT; i++) {
        if (bit == (1u << i)) {
            return i;
        }
    }

    return 0;
}


/*
 * "lsrc-x" + a network's endpoint_suffix: the Schema Registry's name on a
 * Dedicated network. srcm/v3 has no field for it (only the PrivateLink
 * attachment form and regional endpoints), so the Endpoint API listing it
 * alone is not a disagreement.
 */

static int
ccl_merge_network_form(const ccl_model_t *m, const ccl_name_t *n)
{
    size_t               i, len;
    const ccl_domain_t  *d;

    len = strlen(n->resource);

    if (strncmp(n->host, n->resource, len) != 0) {
        return 0;
    }

    for (i = 0; i < m->ndomains; i++) {
        d = &m->domains[i];

        if (d->kind == CCL_DOMAIN_NETWORK && d->endpoint_suffix != NULL
            && strcmp(n->host + len, d->endpoint_suffix) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/* the same name for the same resource from "source" */

static int
ccl_merge_reported(const ccl_model_t *m, size_t from, const ccl_name_t *n,
    unsigned source)
{
    size_t             i;
    const ccl_name_t  *o;

    for (i = from; i < m->nnames; i++) {
        o = &m->names[i];

        if ((o->sources & source) && o->resource != NULL
            && strcmp(o->resource, n->resource) == 0
            && strcmp(o->host, n->host) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/*
 * The sorted, distinct names one source gave for a resource: "a,b" or "-".
 * With skip_network_forms (the other source's bit), a network form that
 * the other source did not report is left out.
 */

static int
ccl_merge_names(const ccl_model_t *m, size_t from, unsigned service,
    const char *resource, unsigned source, unsigned skip_network_forms,
    ccl_buf_t *out)
{
    int                rc;
    size_t             i;
    ccl_strv_t         v;
    const ccl_name_t  *n;

    ccl_strv_init(&v);
    rc = 0;

    for (i = from; i < m->nnames; i++) {
        n = &m->names[i];

        if (ccl_merge_counts(n, service, source)
            && strcmp(n->resource, resource) == 0
            && !(skip_network_forms != 0 && ccl_merge_network_form(m, n)
                 && !ccl_merge_reported(m, from, n, skip_network_forms))
            && !ccl_strv_has(&v, n->host)
            && ccl_strv_add(&v, n->host) != 0)
        {
            rc = -1;
            break;
        }
    }

    ccl_strv_sort(&v);
    ccl_buf_reset(out);

    for (i = 0; rc == 0 && i < v.n; i++) {
        if ((i > 0 && ccl_buf_addc(out, ',') != 0)
            || ccl_buf_adds(out, v.v[i]) != 0)
        {
            rc = -1;
        }
    }

    if (rc == 0 && v.n == 0 && ccl_buf_addc(out, '-') != 0) {
        rc = -1;
    }

    ccl_strv_release(&v);

    return rc;
}


int
ccl_merge_compare(const ccl_model_t *m, const char *env, size_t from,
    unsigned service, unsigned a, unsigned b, ccl_strv_t *lines)
{
    int                count, done, rc;
    char               ka[32], kb[32], line[1024];
    size_t             i, j;
    ccl_buf_t          na, nb;
    const char        *sa, *sb, *detail;
    const ccl_name_t  *n;

    count = 0;
    rc = 0;
    sa = ccl_model_source_name((unsigned) ccl_merge_source_index(a));
    sb = ccl_model_source_name((unsigned) ccl_merge_source_index(b));

    /* log keys: "endpoint/v1" -> "endpoint_v1" */
    ccl_strlcpy(ka, sa, sizeof(ka));
    ccl_strlcpy(kb, sb, sizeof(kb));
    ccl_merge_key(ka);
    ccl_merge_key(kb);

    ccl_buf_init(&na, 64 * 1024);
    ccl_buf_init(&nb, 64 * 1024);

    for (i = from; i < m->nnames; i++) {
        n = &m->names[i];

        if (!ccl_merge_counts(n, service, a | b)) {
            continue;
        }

        /* each resource once */
        done = 0;
        for (j = from; j < i; j++) {
            if (ccl_merge_counts(&m->names[j], service, a | b)
                && strcmp(m->names[j].resource, n->resource) == 0)
            {
                done = 1;
                break;
            }
        }

        if (done) {
            continue;
        }

        if (ccl_merge_names(m, from, service, n->resource, a,
                            b == CCL_SRC_SRCM ? b : 0, &na) != 0
            || ccl_merge_names(m, from, service, n->resource, b, 0, &nb)
               != 0)
        {
            rc = -1;
            break;
        }

        if (strcmp(na.data, nb.data) == 0) {
            continue;
        }

        if (strcmp(na.data, "-") == 0 || strcmp(nb.data, "-") == 0) {
            detail = "listed by one source only";
        } else {
            detail = "the sources give different names";
        }

        count++;

        ccl_log(CCL_LOG_WARN, "source_mismatch", "env=%s cluster=%s "
                "service=%s sources=%s,%s %s=%s %s=%s detail=%s",
                env ? env : "-", n->resource,
                ccl_conf_service_name(service), sa, sb, ka, na.data, kb,
                nb.data, detail);

        snprintf(line, sizeof(line), "%s %s: %s [%s] %s [%s]",
                 env ? env : "-", n->resource, sa, na.data, sb, nb.data);

        if (ccl_strv_add(lines, line) != 0) {
            rc = -1;
            break;
        }
    }

    ccl_buf_release(&na);
    ccl_buf_release(&nb);

    return (rc == 0) ? count : -1;
}
