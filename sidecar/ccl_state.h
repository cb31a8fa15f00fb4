/*
 * Copyright (C) cclink authors
 *
 * The state file (JSON): what the sidecar knows between runs.
 *
 *  - the routes in force, each with its group, kind, what it names
 *    (bootstrap, REST, broker...), service, resource and the "absent"
 *    count: how many consecutive complete discoveries have not seen it.
 *    This memory is what lets a route survive a discovery that lost it,
 *    across restarts too;
 *  - the groups with their addresses (the last known good ones);
 *  - the serial, the generated time and the SHA-256 of the route table's
 *    content (serial and time left out): identical content keeps its
 *    serial;
 *  - the last discovery: when, whether complete, what it found (names
 *    with their service, resource, environment, the source API that
 *    reported them first and every source that reported them; domains
 *    with their zones), every API call with its outcome, status,
 *    attempts, pages, items and error; counts; errors; where the sources
 *    disagreed ("source_mismatches", counted too); the last complete
 *    discovery's time; the last apply's result.
 *
 * No secret is ever written here.
 *
 * ccl_state_load(path, st): 0 with st filled, or 0 with st->loaded == 0
 * when the file does not exist; -1 (logged with the path and the JSON
 * error's line) when it exists but cannot be used.
 *
 * ccl_state_import_routes(path, st): when the state is missing or broken
 * but a route table exists, its routes and groups become the previous
 * plan (via the module's parser), so that nothing is lost.
 *
 * ccl_state_render(st, cycle, out): the JSON text, deterministic for the
 * same input.
 *
 * Ownership: ccl_state_t owns its plan; ccl_state_release() frees it.
 * ccl_state_cycle_t only borrows.
 */

#ifndef _CCL_STATE_H_INCLUDED_
#define _CCL_STATE_H_INCLUDED_


#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "ccl_api.h"
#include "ccl_buf.h"
#include "ccl_model.h"
#include "ccl_plan.h"


#define CCL_STATE_FORMAT    1
#define CCL_STATE_MAX_FILE  (256 * 1024 * 1024)


typedef struct {
    int                  loaded;
    uint64_t             serial;
    char                 generated[32];
    char                 content_sha256[65];
    char                 last_complete[32];   /* "" when never */
    ccl_plan_t           plan;
} ccl_state_t;


typedef struct {
    char                 cluster[128];
    char                 error[384];          /* "" when it worked */
    int                  brokers;             /* -1: not attempted */
} ccl_state_cluster_t;


typedef struct {
    time_t               started;
    time_t               finished;
    int                  complete;
    const ccl_strv_t    *environments;
    const ccl_model_t   *model;      /* what was discovered, or NULL */
    const ccl_calls_t   *calls;
    const ccl_strv_t    *errors;
    const ccl_strv_t    *mismatches; /* sources that disagreed, or NULL */
    const ccl_state_cluster_t  *clusters;
    size_t               nclusters;
    size_t               names;
    size_t               domains;
    const ccl_plan_stats_t     *stats;
    const char          *result;     /* applied, unchanged, refused... */
    const char          *reason;     /* NULL or why */
    const char          *api_url;
} ccl_state_cycle_t;


void ccl_state_init(ccl_state_t *st);
void ccl_state_release(ccl_state_t *st);

int ccl_state_load(const char *path, ccl_state_t *st);
int ccl_state_parse(const char *path, const char *text, size_t len,
    ccl_state_t *st);
int ccl_state_import_routes(const char *path, ccl_state_t *st);
int ccl_state_render(const ccl_state_t *st, const ccl_state_cycle_t *cy,
    ccl_buf_t *out);

/*
 * For the state's own files (ccl_state.c, ccl_state_render.c): the JSON
 * array of a route's name bits, and a route kind's name.
 */
json_t *ccl_state_names_json(unsigned names);
const char *ccl_state_kind_name(int kind);


#endif /* _CCL_STATE_H_INCLUDED_ */
