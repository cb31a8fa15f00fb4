/*
 * Copyright (C) cclink authors
 *
 * Combining the sources of one discovery: every source is asked (the
 * Endpoint API, cmk/v2, srcm/v3, fcpm/v2, the networking lists) and every
 * private name any of them reports is kept; a name reported by several
 * is one entry whose "sources" bits say which (ccl_model_finish() merges
 * them).
 *
 * This file compares what two sources said about each resource of one
 * environment and reports where they disagree: a cluster one lists and
 * the other does not, or one cluster with different host names.
 *
 *   int ccl_merge_compare(m, env, from, service, a, b, lines);
 *
 * looks at the names m->names[from .. m->nnames) (those added for "env"),
 * of "service", reported by source bit "a" or "b" (ccl_source_e) with a
 * resource id (lkc-, lsrc-); broker names are left out (they come from
 * Kafka metadata, not from either). Each disagreement is logged as
 *
 *   level=warn event=source_mismatch env=E cluster=R service=S
 *       sources=endpoint/v1,cmk/v2 endpoint_v1=- cmk_v2=NAME,NAME
 *       detail="..."
 *
 * and one line describing it is added to "lines". The Schema Registry's
 * name on a Dedicated network ("lsrc-x" + the network's endpoint_suffix)
 * is left out of the comparison when only the Endpoint API lists it:
 * srcm/v3 has no field for it. Returns the number of disagreements, or -1
 * when out of memory.
 */

#ifndef _CCL_MERGE_H_INCLUDED_
#define _CCL_MERGE_H_INCLUDED_


#include "ccl_buf.h"
#include "ccl_model.h"


int ccl_merge_compare(const ccl_model_t *m, const char *env, size_t from,
    unsigned service, unsigned a, unsigned b, ccl_strv_t *lines);


#endif /* _CCL_MERGE_H_INCLUDED_ */
