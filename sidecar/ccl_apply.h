/*
 * Copyright (C) cclink authors
 *
 * One cycle: discover, resolve targets, plan, render, validate, apply.
 *
 * ccl_apply_cycle(conf, api, opts):
 *
 *  1. loads the state file (a missing or broken one is replaced by the
 *     routes of the existing route table, so nothing is forgotten);
 *  2. discovers (ccl_discover), resolves groups (ccl_target), builds the
 *     plan and merges it with the previous one (ccl_plan_merge: routes go
 *     only after drop_after complete discoveries without them);
 *  3. refuses, unless opts->force, a result that drops more than
 *     max_drop_percent of the previous routes;
 *  4. keeps the serial and generated time when the route table's content
 *     is unchanged, else takes a new, larger serial;
 *  5. renders every file and validates the route table with the module's
 *     own parser (cclink_rt_parse): a table it refuses is never written;
 *  6. with opts->dry_run, prints a unified diff of every file to
 *     opts->diff_out and writes nothing;
 *  7. otherwise writes only the files whose bytes changed, atomically; in
 *     nginx mode, when the include changed, runs the test command, puts
 *     the old include back if it fails, and reloads if it passes;
 *  8. writes the state file.
 *
 * Each step is a function of its own in ccl_apply.c, and each call in a
 * step is checked where it is made: a failure stops the cycle there, and
 * the cycle_failed event names the step (step=discover, render_nginx,
 * install...).
 *
 * On any failure the files in place stay as they were. A cycle that
 * writes holds an exclusive flock() on "<output_dir>/.cclink-sidecar.lock"
 * (waiting up to command_timeout for another sidecar to finish).
 *
 * Returns CCL_APPLY_OK (complete discovery, applied or unchanged),
 * CCL_APPLY_PARTIAL (discovery incomplete: what it found was added,
 * nothing removed), CCL_APPLY_REFUSED (drop guard), CCL_APPLY_FAILED.
 *
 * ccl_apply_load_plan() loads what "hosts" and "diagnose" need: the
 * state's plan (or the route table's).
 */

#ifndef _CCL_APPLY_H_INCLUDED_
#define _CCL_APPLY_H_INCLUDED_


#include <stdio.h>

#include "ccl_api.h"
#include "ccl_conf.h"
#include "ccl_state.h"


#define CCL_APPLY_OK        0
#define CCL_APPLY_PARTIAL   1
#define CCL_APPLY_REFUSED   2
#define CCL_APPLY_FAILED    (-1)


typedef struct {
    int                  dry_run;
    int                  force;
    FILE                *diff_out;
} ccl_apply_opts_t;


int ccl_apply_cycle(const ccl_conf_t *conf, ccl_api_t *api,
    const ccl_apply_opts_t *opts);

int ccl_apply_load_plan(const ccl_conf_t *conf, ccl_state_t *st);


#endif /* _CCL_APPLY_H_INCLUDED_ */
