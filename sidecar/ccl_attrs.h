/*
 * Copyright (C) cclink authors
 *
 * Route attributes: what a route is for, in Confluent's terms, written on
 * its line of the route table for the module's metrics' labels
 * (docs/route-table.md):
 *
 *     route lkc-7xq2jv-p9x4z.us-west-2.aws.glb.confluent.cloud n-p9x4z
 *         cluster=lkc-7xq2jv env=env-m2qx7 service=kafka     (one line)
 *
 * ccl_attrs_annotate(plan, model, routes) rewrites a rendered route table
 * in place: each "route KEY GROUP" line whose key is an exact name of the
 * plan gets "cluster=" (the plan route's resource), "env=" (the
 * resource's environment in this cycle's model, when known) and
 * "service=" (kafka for bootstrap and broker names, rest for REST-only
 * names, schema_registry, flink). Pattern routes get none. A value that
 * is not 1 to 64 characters of A-Z a-z 0-9 . _ - is left out. Returns 0,
 * or -1 when the buffer's cap is hit (logged).
 */

#ifndef _CCL_ATTRS_H_INCLUDED_
#define _CCL_ATTRS_H_INCLUDED_


#include "ccl_buf.h"
#include "ccl_model.h"
#include "ccl_plan.h"


int ccl_attrs_annotate(const ccl_plan_t *p, const ccl_model_t *m,
    ccl_buf_t *routes);


#endif /* _CCL_ATTRS_H_INCLUDED_ */
