/*
 * Copyright (C) cclink authors
 */


#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "cclink_routes.h"
#include "ccl_apply.h"
#include "ccl_attrs.h"
#include "ccl_client.h"
#include "ccl_diff.h"
#include "ccl_discover.h"
#include "ccl_exec.h"
#include "ccl_file.h"
#include "ccl_log.h"
#include "ccl_pac.h"
#include "ccl_plan.h"
#include "ccl_render.h"
#include "ccl_status.h"
#include "ccl_target.h"


enum {
    CCL_OUT_ROUTES = 0,
    CCL_OUT_NGINX,
    CCL_OUT_HOSTS_LINUX,
    CCL_OUT_HOSTS_WINDOWS,
    CCL_OUT_HOSTS_PS,
    CCL_OUT_HOSTS_SH,
    CCL_OUT_PAC,                    /* only with pac_proxy (ccl_pac.h) */
    CCL_OUT_N
};


typedef struct {
    const char          *name;      /* as configured, for diffs and logs */
    char                 path[PATH_MAX];
    char                 tmp[PATH_MAX];  /* prepared, not installed yet */
    ccl_buf_t            data;
    int                  changed;
} ccl_out_t;


static int ccl_apply_lock(const ccl_conf_t *conf);
static int ccl_apply_validate(const char *path, ccl_buf_t *routes);
static int ccl_apply_nginx(const ccl_conf_t *conf, ccl_out_t *o);
static int ccl_apply_dry_run(ccl_out_t *outs, FILE *f);
static int ccl_apply_write_state(const char *path, ccl_state_t *st,
    const ccl_state_cycle_t *cy);


int
ccl_apply_load_plan(const ccl_conf_t *conf, ccl_state_t *st)
{
    char  path[PATH_MAX];

    if (ccl_conf_path(conf, conf->state_file, path, sizeof(path)) != 0) {
        return -1;
    }

    if (ccl_state_load(path, st) == 0 && st->loaded) {
        return 0;
    }

    ccl_state_release(st);

    if (ccl_conf_path(conf, conf->routes_file, path, sizeof(path)) != 0) {
        return -1;
    }

    if (ccl_state_import_routes(path, st) == 0) {
        return 0;
    }

    ccl_log(CCL_LOG_ERROR, "no_state", "output_dir=%s error=%s",
            conf->output_dir, "no state file and no route table yet: run "
            "\"cclink-sidecar once\" first");

    return -1;
}


/*
 * One writer per output directory: a "once" while the daemon applies
 * waits for it (up to command_timeout), then gives up. The lock goes with
 * the file descriptor, which the caller closes.
 */
static int
ccl_apply_lock(const ccl_conf_t *conf)
{
    int   fd;
    char  path[PATH_MAX];
    long  waited;

    if (ccl_conf_path(conf, ".cclink-sidecar.lock", path, sizeof(path))
        != 0)
    {
        return -1;
    }

    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd == -1) {
        ccl_log(CCL_LOG_ERROR, "file_error", "op=open path=%s error=%s",
                path, strerror(errno));
        return -1;
    }

    for (waited = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; waited += 100) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            ccl_log(CCL_LOG_ERROR, "file_error", "op=lock path=%s error=%s",
                    path, strerror(errno));
            close(fd);
            return -1;
        }

        if (waited == 0) {
            ccl_log(CCL_LOG_INFO, "waiting_for_lock", "path=%s", path);
        }

        if (waited >= conf->command_timeout_ms) {
            ccl_log(CCL_LOG_ERROR, "locked", "path=%s error=%s", path,
                    "another cclink-sidecar keeps applying to this "
                    "directory");
            close(fd);
            return -1;
        }

        usleep(100000);
    }

    return fd;
}


static int
ccl_apply_validate(const char *path, ccl_buf_t *routes)
{
    char          err[CCLINK_RT_ERRLEN];
    cclink_rt_t  *rt;

    if (cclink_rt_parse(path, routes->data, routes->len, &rt, err,
                        sizeof(err)) != 0)
    {
        ccl_log(CCL_LOG_ERROR, "render_invalid", "error=%s action=%s", err,
                "nothing written; the previous files stay in place");
        return -1;
    }

    cclink_rt_free(rt);

    return 0;
}


static int
ccl_apply_dry_run(ccl_out_t *outs, FILE *f)
{
    int        i, rc, changes;
    ccl_buf_t  old, diff;

    changes = 0;

    for (i = 0; i < CCL_OUT_N; i++) {
        if (outs[i].name == NULL) {
            continue;
        }

        ccl_buf_init(&old, CCL_RENDER_MAX + 1);
        ccl_buf_init(&diff, (size_t) CCL_RENDER_MAX * 2);

        if (ccl_file_read(outs[i].path, CCL_RENDER_MAX, &old) != 0
            && errno != ENOENT)
        {
            ccl_buf_release(&old);
            ccl_buf_release(&diff);
            return -1;
        }

        rc = ccl_diff_unified(outs[i].name, old.data ? old.data : "",
                              old.len, outs[i].data.data, outs[i].data.len,
                              &diff);

        if (rc < 0) {
            ccl_buf_release(&old);
            ccl_buf_release(&diff);
            return -1;
        }

        if (rc > 0) {
            changes++;
            fwrite(diff.data, 1, diff.len, f);
        }

        ccl_log(CCL_LOG_INFO, "dry_run_file", "file=%s changed=%s",
                outs[i].path, rc > 0 ? "yes" : "no");

        ccl_buf_release(&old);
        ccl_buf_release(&diff);
    }

    fflush(f);

    return changes;
}


/*
 * A previous include that could not be put back after nginx -t refused a
 * new one: it is retried (a few times at once, then at the start of every
 * cycle) until it is in place, since the refused include stays on disk
 * meanwhile and a later cycle rendering the same text would see nothing
 * to change.
 */

static ccl_buf_t   ccl_apply_restore_data;
static char       *ccl_apply_restore_path;
static int         ccl_apply_restore_had;


static int
ccl_apply_restore(const char *path, const ccl_buf_t *old, int had_old)
{
    int  attempt, rc;

    for (attempt = 1; attempt <= 3; attempt++) {
        if (had_old) {
            rc = ccl_file_commit(path, old->data ? old->data : "", old->len,
                                 0644);
        } else {
            rc = (unlink(path) == 0 || errno == ENOENT) ? 0 : -1;
        }

        if (rc == 0) {
            return 0;
        }

        ccl_log(CCL_LOG_ERROR, "nginx_restore_failed", "path=%s attempt=%d "
                "error=%s", path, attempt, strerror(errno));

        if (attempt < 3) {
            (void) poll(NULL, 0, 100 * attempt);
        }
    }

    return -1;
}


static void
ccl_apply_restore_pending(void)
{
    if (ccl_apply_restore_path == NULL) {
        return;
    }

    if (ccl_apply_restore(ccl_apply_restore_path, &ccl_apply_restore_data,
                          ccl_apply_restore_had) != 0)
    {
        ccl_log(CCL_LOG_ERROR, "nginx_restore_pending", "path=%s action=%s",
                ccl_apply_restore_path, "retried at the next cycle");
        return;
    }

    ccl_log(CCL_LOG_WARN, "nginx_restored", "path=%s note=%s",
            ccl_apply_restore_path, "the include nginx accepted before is "
            "back in place");

    free(ccl_apply_restore_path);
    ccl_apply_restore_path = NULL;
    ccl_buf_release(&ccl_apply_restore_data);
}


static int
ccl_apply_nginx(const ccl_conf_t *conf, ccl_out_t *o)
{
    int        had_old;
    ccl_buf_t  old;

    /*
     * With nginx_test_include the new include is tested where only the
     * test configuration reads it, and installed only once it passed: a
     * reload (or a path unit) never sees an untested include.
     */

    if (conf->nginx_test_include != NULL) {
        if (ccl_file_commit(conf->nginx_test_include, o->data.data,
                            o->data.len, 0644) != 0)
        {
            return -1;
        }

        if (ccl_exec_run(conf->nginx_test_command, conf->command_timeout_ms,
                         "nginx_test") != 0)
        {
            ccl_log(CCL_LOG_ERROR, "nginx_rejected", "path=%s tested=%s "
                    "action=%s", o->path, conf->nginx_test_include,
                    "the include in use was left as it was");
            return -1;
        }

        if (ccl_file_commit(o->path, o->data.data, o->data.len, 0644) != 0) {
            return -1;
        }

        return ccl_exec_run(conf->nginx_reload_command,
                            conf->command_timeout_ms, "nginx_reload");
    }

    ccl_buf_init(&old, CCL_RENDER_MAX + 1);
    had_old = 1;

    if (ccl_file_read(o->path, CCL_RENDER_MAX, &old) != 0) {
        if (errno != ENOENT) {
            ccl_buf_release(&old);
            return -1;
        }
        had_old = 0;
    }

    if (ccl_file_commit(o->path, o->data.data, o->data.len, 0644) != 0) {
        ccl_buf_release(&old);
        return -1;
    }

    if (ccl_exec_run(conf->nginx_test_command, conf->command_timeout_ms,
                     "nginx_test") != 0)
    {
        /* put back what nginx accepted before */
        if (ccl_apply_restore(o->path, &old, had_old) != 0) {
            ccl_log(CCL_LOG_ERROR, "nginx_rejected", "path=%s action=%s",
                    o->path, "the previous include could NOT be put back: "
                    "retried at the next cycle");

            free(ccl_apply_restore_path);
            ccl_buf_release(&ccl_apply_restore_data);
            ccl_apply_restore_path = ccl_strdup(o->path);
            ccl_apply_restore_data = old;
            ccl_apply_restore_had = had_old;
            return -1;
        }

        ccl_log(CCL_LOG_ERROR, "nginx_rejected", "path=%s action=%s",
                o->path, "the previous include was put back");
        ccl_buf_release(&old);
        return -1;
    }

    ccl_buf_release(&old);

    if (ccl_exec_run(conf->nginx_reload_command, conf->command_timeout_ms,
                     "nginx_reload") != 0)
    {
        return -1;
    }

    return 0;
}


static int
ccl_apply_write_state(const char *path, ccl_state_t *st,
    const ccl_state_cycle_t *cy)
{
    int        rc;
    ccl_buf_t  b;

    ccl_buf_init(&b, CCL_STATE_MAX_FILE);

    rc = ccl_state_render(st, cy, &b);

    if (rc == 0) {
        rc = ccl_file_commit(path, b.data, b.len, 0644);
    }

    ccl_buf_release(&b);

    return rc;
}


int
ccl_apply_cycle(const ccl_conf_t *conf, ccl_api_t *api,
    const ccl_apply_opts_t *opts)
{
    int                rc, i, k, state_ok, nchanged, lock;
    char               state_path[PATH_MAX], hash[65], now_text[32];
    char               changed[256], reason[256];
    time_t             now;
    uint64_t           serial;
    ccl_out_t          outs[CCL_OUT_N];
    ccl_plan_t         groups, cur, merged;
    ccl_buf_t          content;
    ccl_state_t        st;
    ccl_discovery_t    d;
    ccl_plan_stats_t   stats;
    ccl_state_cycle_t  cy;
    const char        *result;

    static const int   order[CCL_OUT_N] = {
        CCL_OUT_NGINX, CCL_OUT_ROUTES, CCL_OUT_HOSTS_LINUX,
        CCL_OUT_HOSTS_WINDOWS, CCL_OUT_HOSTS_PS, CCL_OUT_HOSTS_SH,
        CCL_OUT_PAC
    };

    memset(outs, 0, sizeof(outs));
    memset(&stats, 0, sizeof(stats));
    memset(&cy, 0, sizeof(cy));

    outs[CCL_OUT_ROUTES].name = conf->routes_file;
    outs[CCL_OUT_NGINX].name = conf->nginx_include_file;
    outs[CCL_OUT_HOSTS_LINUX].name = conf->hosts_linux_file;
    outs[CCL_OUT_HOSTS_WINDOWS].name = conf->hosts_windows_file;
    outs[CCL_OUT_HOSTS_PS].name = conf->hosts_powershell_file;
    outs[CCL_OUT_HOSTS_SH].name = conf->hosts_sh_file;
    outs[CCL_OUT_PAC].name = conf->pac_proxy ? conf->pac_file : NULL;

    for (i = 0; i < CCL_OUT_N; i++) {
        ccl_buf_init(&outs[i].data, CCL_RENDER_MAX);

        if (outs[i].name == NULL) {
            continue;
        }

        if (ccl_conf_path(conf, outs[i].name, outs[i].path,
                          sizeof(outs[i].path)) != 0)
        {
            return CCL_APPLY_FAILED;
        }
    }

    if (ccl_conf_path(conf, conf->state_file, state_path,
                      sizeof(state_path)) != 0)
    {
        return CCL_APPLY_FAILED;
    }

    ccl_state_init(&st);
    ccl_discovery_init(&d);
    ccl_plan_init(&groups);
    ccl_plan_init(&cur);
    ccl_plan_init(&merged);
    ccl_buf_init(&content, CCL_RENDER_MAX);

    rc = CCL_APPLY_FAILED;
    result = "failed";
    reason[0] = '\0';
    lock = -1;

    if (!opts->dry_run) {
        if (ccl_file_mkdirs(conf->output_dir) != 0) {
            goto done;
        }

        lock = ccl_apply_lock(conf);
        if (lock == -1) {
            goto done;
        }

        /* temporary files of a run that was killed: ours to remove now */

        for (i = 0; i < CCL_OUT_N; i++) {
            if (outs[i].name) {
                ccl_file_sweep(outs[i].path);
            }
        }

        ccl_file_sweep(state_path);
    }

    /* 0. an include that could not be put back last time */

    if (conf->mode == CCL_MODE_NGINX && !opts->dry_run) {
        ccl_apply_restore_pending();
    }

    /* 1. what we had */

    state_ok = ccl_state_load(state_path, &st);

    if (state_ok != 0 || !st.loaded) {
        if (state_ok != 0) {
            ccl_log(CCL_LOG_ERROR, "state_unusable", "path=%s action=%s",
                    state_path, "starting from the route table in place");
        }

        ccl_state_release(&st);
        (void) ccl_state_import_routes(outs[CCL_OUT_ROUTES].path, &st);
    }

    /* 2. what there is now */

    if (ccl_discover(api, conf, &d) != 0
        || ccl_target_resolve(conf, &d.model, &groups) != 0
        || ccl_plan_build(&cur, conf, &d.model, &groups) != 0
        || ccl_plan_merge(&st.plan, &cur, d.complete, conf->drop_after,
                          &merged, &stats) != 0)
    {
        ccl_strlcpy(reason, "out of memory", sizeof(reason));
        goto record;
    }

    now = time(NULL);

    /* 3. the drop guard */

    if (stats.dropped > 0 && stats.previous > 0
        && stats.dropped * 100 > stats.previous * conf->max_drop_percent
        && !opts->force)
    {
        snprintf(reason, sizeof(reason), "would drop %zu of %zu routes "
                 "(more than %u%%): run once with --force to accept",
                 stats.dropped, stats.previous, conf->max_drop_percent);
        ccl_log(CCL_LOG_ERROR, "apply_refused", "dropped=%zu previous=%zu "
                "max_drop_percent=%u error=%s", stats.dropped,
                stats.previous, conf->max_drop_percent, reason);
        result = "refused";
        rc = CCL_APPLY_REFUSED;
        goto record;
    }

    /* 4. serial: unchanged content keeps it */

    if (ccl_render_routes(&merged, 0, NULL, &content) != 0) {
        goto record;
    }

    ccl_sha256_hex(content.data, content.len, hash);
    ccl_render_time(now, now_text, sizeof(now_text));

    if (conf->content_serial) {
        /*
         * the same on every host that discovers the same routes: 13 hex
         * digits of the content's hash (exact as a Prometheus float)
         */
        ccl_strlcpy(now_text, hash, 14);
        serial = strtoull(now_text, NULL, 16);
        serial = serial ? serial : 1;
        snprintf(now_text, sizeof(now_text), "sha256:%.16s", hash);

    } else if (st.loaded && st.serial > 0
               && strcmp(hash, st.content_sha256) == 0
               && st.generated[0] != '\0')
    {
        serial = st.serial;
        ccl_strlcpy(now_text, st.generated, sizeof(now_text));

    } else {
        serial = ccl_render_serial_time(now);
        if (serial <= st.serial) {
            serial = st.serial + 1;
        }
    }

    /* 5. render and validate */

    if (ccl_render_routes(&merged, serial, now_text,
                          &outs[CCL_OUT_ROUTES].data) != 0
        || (conf->route_attributes
            && ccl_attrs_annotate(&merged, &d.model,
                                  &outs[CCL_OUT_ROUTES].data) != 0)
        || ccl_apply_validate(outs[CCL_OUT_ROUTES].path,
                              &outs[CCL_OUT_ROUTES].data) != 0
        || ccl_render_nginx(&merged, conf, serial,
                            &outs[CCL_OUT_NGINX].data) != 0
        || ccl_render_hosts(&merged, conf, CCL_HOSTS_LINUX,
                            &outs[CCL_OUT_HOSTS_LINUX].data) != 0
        || ccl_render_hosts(&merged, conf, CCL_HOSTS_WINDOWS,
                            &outs[CCL_OUT_HOSTS_WINDOWS].data) != 0
        || ccl_render_powershell(&merged, conf,
                                 &outs[CCL_OUT_HOSTS_PS].data) != 0
        || ccl_render_hosts(&merged, conf, CCL_HOSTS_SH,
                            &outs[CCL_OUT_HOSTS_SH].data) != 0
        || ccl_pac_render(&outs[CCL_OUT_ROUTES].data, conf,
                          &outs[CCL_OUT_PAC].data) != 0)
    {
        ccl_strlcpy(reason, "rendering or validation failed",
                    sizeof(reason));
        goto record;
    }

    /* 6. dry run: show, touch nothing */

    if (opts->dry_run) {
        i = ccl_apply_dry_run(outs, opts->diff_out);
        rc = (i < 0) ? CCL_APPLY_FAILED
             : d.complete ? CCL_APPLY_OK : CCL_APPLY_PARTIAL;
        ccl_log(CCL_LOG_INFO, "dry_run_done", "files_changed=%d complete=%s",
                i, d.complete ? "yes" : "no");
        goto done;
    }

    /*
     * 7. write what changed: every file to a temporary one first, so that
     * a failure leaves all of them as they were; then the renames
     */

    changed[0] = '\0';
    nchanged = 0;

    for (i = 0; i < CCL_OUT_N; i++) {
        if (outs[i].name == NULL) {
            continue;
        }

        if (ccl_file_same(outs[i].path, outs[i].data.data,
                          outs[i].data.len))
        {
            continue;
        }

        outs[i].changed = 1;
        nchanged++;

        if (i == CCL_OUT_NGINX && conf->mode == CCL_MODE_NGINX) {
            continue;       /* installed below, with nginx -t */
        }

        if (ccl_file_prepare(outs[i].path, outs[i].data.data,
                             outs[i].data.len, 0644, outs[i].tmp,
                             sizeof(outs[i].tmp)) != 0)
        {
            snprintf(reason, sizeof(reason), "cannot write %.200s",
                     outs[i].path);
            goto discard;
        }
    }

    /* the nginx include first: if nginx refuses it, nothing else moves */

    for (k = 0; k < CCL_OUT_N; k++) {
        i = order[k];

        if (!outs[i].changed) {
            continue;
        }

        if (outs[i].tmp[0] != '\0') {
            if (ccl_file_install(outs[i].tmp, outs[i].path) != 0) {
                outs[i].tmp[0] = '\0';
                snprintf(reason, sizeof(reason), "cannot replace %.200s",
                         outs[i].path);
                goto discard;
            }

            outs[i].tmp[0] = '\0';

        } else if (ccl_apply_nginx(conf, &outs[i]) != 0) {
            ccl_strlcpy(reason, "nginx refused or could not reload the"
                        " include", sizeof(reason));
            goto discard;
        }

        if (changed[0] != '\0') {
            (void) ccl_strlcpy(changed + strlen(changed), ",",
                               sizeof(changed) - strlen(changed));
        }
        (void) ccl_strlcpy(changed + strlen(changed), outs[i].name,
                           sizeof(changed) - strlen(changed));
    }

    /* the new plan is in force: it becomes the state */

    ccl_plan_release(&st.plan);
    st.plan = merged;
    ccl_plan_init(&merged);
    st.serial = serial;
    ccl_strlcpy(st.generated, now_text, sizeof(st.generated));
    ccl_strlcpy(st.content_sha256, hash, sizeof(st.content_sha256));

    if (d.complete) {
        ccl_render_time(now, st.last_complete, sizeof(st.last_complete));
    }

    /* the client folder follows the plan in force; a failure is logged */
    (void) ccl_client_publish(conf, &st.plan);

    result = nchanged ? "applied" : "unchanged";
    rc = d.complete ? CCL_APPLY_OK : CCL_APPLY_PARTIAL;

    if (!d.complete) {
        ccl_strlcpy(reason, "discovery incomplete: routes were only added, "
                    "none removed", sizeof(reason));
    }

    ccl_log(d.complete ? CCL_LOG_INFO : CCL_LOG_WARN, "cycle_done",
            "result=%s complete=%s serial=%" PRIu64 " routes=%zu groups=%zu "
            "added=%zu kept_absent=%zu dropped=%zu skipped=%zu changed=%s",
            result, d.complete ? "yes" : "no", serial, st.plan.nroutes,
            st.plan.ngroups, stats.added, stats.kept_absent, stats.dropped,
            stats.skipped, changed[0] ? changed : "none");

discard:

    for (i = 0; i < CCL_OUT_N; i++) {
        ccl_file_discard(outs[i].tmp);
        outs[i].tmp[0] = '\0';
    }

record:

    if (!opts->dry_run) {
        cy.started = d.started;
        cy.finished = d.finished ? d.finished : time(NULL);
        cy.complete = d.complete;
        cy.environments = &d.model.envs;
        cy.model = &d.model;
        cy.calls = &d.calls;
        cy.errors = &d.errors;
        cy.mismatches = &d.mismatches;
        cy.clusters = d.clusters;
        cy.nclusters = d.nclusters;
        cy.names = d.model.nnames;
        cy.domains = d.model.ndomains;
        cy.stats = &stats;
        cy.result = result;
        cy.reason = reason[0] ? reason : NULL;
        cy.api_url = conf->api_url;

        if (ccl_apply_write_state(state_path, &st, &cy) != 0) {
            rc = CCL_APPLY_FAILED;
        }

        /* the short status for the health endpoint: its failure is logged */
        (void) ccl_status_publish(conf, &st, &cy);
    }

    if (rc == CCL_APPLY_FAILED) {
        ccl_log(CCL_LOG_ERROR, "cycle_failed", "reason=%s action=%s",
                reason[0] ? reason : "see the errors above",
                "the previous files stay in place");
    }

done:

    if (lock != -1) {
        close(lock);
    }

    for (i = 0; i < CCL_OUT_N; i++) {
        ccl_buf_release(&outs[i].data);
    }

    ccl_buf_release(&content);
    ccl_plan_release(&merged);
    ccl_plan_release(&cur);
    ccl_plan_release(&groups);
    ccl_discovery_release(&d);
    ccl_state_release(&st);

    return rc;
}
