/*
 * Copyright (C) cclink authors
 *
 * One cycle, discovery to files in place, one function per step
 * (ccl_apply.h).
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
#include "ccl_nginx.h"
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


/* one cycle's data, from its setup to its cleanup */
typedef struct {
    const ccl_conf_t        *conf;
    ccl_api_t               *api;
    const ccl_apply_opts_t  *opts;
    int                      rc;        /* CCL_APPLY_* */
    const char              *result;    /* for the state file */
    const char              *step;      /* the step that failed, or NULL */
    char                     reason[256];
    int                      lock;      /* the output directory's, or -1 */
    char                     state_path[PATH_MAX];
    ccl_out_t                outs[CCL_OUT_N];
    ccl_state_t              st;        /* what we had */
    ccl_discovery_t          d;         /* what there is now */
    ccl_plan_t               groups;
    ccl_plan_t               cur;
    ccl_plan_t               merged;
    ccl_plan_stats_t         stats;
    time_t                   now;
    ccl_buf_t                content;   /* the route table without serial */
    char                     hash[65];  /* its SHA-256 */
    char                     now_text[32];
    uint64_t                 serial;
    char                     changed[256];  /* files replaced, for the log */
    int                      nchanged;
} ccl_cycle_t;


static int ccl_apply_lock(const ccl_conf_t *conf);
static int ccl_apply_validate(const char *path, ccl_buf_t *routes);
static int ccl_apply_dry_run(ccl_out_t *outs, FILE *f);
static int ccl_apply_write_state(const char *path, ccl_state_t *st,
    const ccl_state_cycle_t *cy);

static void ccl_apply_steps(ccl_cycle_t *c);
static int ccl_apply_fail(ccl_cycle_t *c, const char *step,
    const char *reason);
static int ccl_apply_setup(ccl_cycle_t *c, const ccl_conf_t *conf,
    ccl_api_t *api, const ccl_apply_opts_t *opts);
static int ccl_apply_take_dir(ccl_cycle_t *c);
static void ccl_apply_previous(ccl_cycle_t *c);
static int ccl_apply_now(ccl_cycle_t *c);
static int ccl_apply_drop_guard(ccl_cycle_t *c);
static int ccl_apply_serial(ccl_cycle_t *c);
static int ccl_apply_render(ccl_cycle_t *c);
static void ccl_apply_show(ccl_cycle_t *c);
static int ccl_apply_prepare_files(ccl_cycle_t *c);
static int ccl_apply_install_files(ccl_cycle_t *c);
static void ccl_apply_in_force(ccl_cycle_t *c);
static void ccl_apply_discard(ccl_cycle_t *c);
static void ccl_apply_record(ccl_cycle_t *c);
static void ccl_apply_cleanup(ccl_cycle_t *c);


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
    int           rc;
    ccl_cycle_t  *c;

    /* the cycle's files and buffers are large: not on the stack */
    c = calloc(1, sizeof(ccl_cycle_t));
    if (c == NULL) {
        return CCL_APPLY_FAILED;
    }

    if (ccl_apply_setup(c, conf, api, opts) == 0) {
        ccl_apply_steps(c);
    }

    rc = c->rc;

    ccl_apply_cleanup(c);
    free(c);

    return rc;
}


/* the steps in order (ccl_apply.h); each stops the cycle where it fails */
static void
ccl_apply_steps(ccl_cycle_t *c)
{
    if (!c->opts->dry_run && ccl_apply_take_dir(c) != 0) {
        return;
    }

    /* 0. an include that could not be put back last time */

    if (c->conf->mode == CCL_MODE_NGINX && !c->opts->dry_run) {
        ccl_nginx_restore_pending();
    }

    ccl_apply_previous(c);

    if (ccl_apply_now(c) != 0) {
        goto record;
    }

    if (ccl_apply_drop_guard(c) != 0) {
        goto record;
    }

    if (ccl_apply_serial(c) != 0) {
        goto record;
    }

    if (ccl_apply_render(c) != 0) {
        goto record;
    }

    if (c->opts->dry_run) {
        ccl_apply_show(c);
        return;
    }

    if (ccl_apply_prepare_files(c) == 0
        && ccl_apply_install_files(c) == 0)
    {
        ccl_apply_in_force(c);
    }

    ccl_apply_discard(c);

record:

    ccl_apply_record(c);
}


/* a step failed: its name for the log, and why for the state file */
static int
ccl_apply_fail(ccl_cycle_t *c, const char *step, const char *reason)
{
    c->step = step;

    if (reason != NULL) {
        ccl_strlcpy(c->reason, reason, sizeof(c->reason));
    }

    return -1;
}


/* the output files' names and paths, the state file's path */
static int
ccl_apply_setup(ccl_cycle_t *c, const ccl_conf_t *conf, ccl_api_t *api,
    const ccl_apply_opts_t *opts)
{
    int         i;
    ccl_out_t  *outs;

    c->conf = conf;
    c->api = api;
    c->opts = opts;
    c->lock = -1;
    c->rc = CCL_APPLY_FAILED;
    c->result = "failed";

    ccl_state_init(&c->st);
    ccl_discovery_init(&c->d);
    ccl_plan_init(&c->groups);
    ccl_plan_init(&c->cur);
    ccl_plan_init(&c->merged);
    ccl_buf_init(&c->content, CCL_RENDER_MAX);

    outs = c->outs;

    outs[CCL_OUT_ROUTES].name = conf->routes_file;
    outs[CCL_OUT_NGINX].name = conf->nginx_include_file;
    outs[CCL_OUT_HOSTS_LINUX].name = conf->hosts_linux_file;
    outs[CCL_OUT_HOSTS_WINDOWS].name = conf->hosts_windows_file;
    outs[CCL_OUT_HOSTS_PS].name = conf->hosts_powershell_file;
    outs[CCL_OUT_HOSTS_SH].name = conf->hosts_sh_file;
    outs[CCL_OUT_PAC].name = conf->pac_proxy ? conf->pac_file : NULL;

    for (i = 0; i < CCL_OUT_N; i++) {
        ccl_buf_init(&outs[i].data, CCL_RENDER_MAX);
    }

    for (i = 0; i < CCL_OUT_N; i++) {
        if (outs[i].name == NULL) {
            continue;
        }

        if (ccl_conf_path(conf, outs[i].name, outs[i].path,
                          sizeof(outs[i].path)) != 0)
        {
            return -1;
        }
    }

    return ccl_conf_path(conf, conf->state_file, c->state_path,
                         sizeof(c->state_path));
}


/*
 * The output directory, its lock, and the temporary files of a run that
 * was killed: ours to remove now.
 */
static int
ccl_apply_take_dir(ccl_cycle_t *c)
{
    int   i;
    char  path[PATH_MAX];

    if (ccl_file_mkdirs(c->conf->output_dir) != 0) {
        return -1;
    }

    c->lock = ccl_apply_lock(c->conf);
    if (c->lock == -1) {
        return -1;
    }

    for (i = 0; i < CCL_OUT_N; i++) {
        if (c->outs[i].name) {
            ccl_file_sweep(c->outs[i].path);
        }
    }

    ccl_file_sweep(c->state_path);

    if (c->conf->status_file != NULL
        && strcmp(c->conf->status_file, "off") != 0
        && ccl_conf_path(c->conf, c->conf->status_file, path,
                         sizeof(path)) == 0)
    {
        ccl_file_sweep(path);
    }

    return 0;
}


/* 1. what we had */

static void
ccl_apply_previous(ccl_cycle_t *c)
{
    int  state_ok;

    state_ok = ccl_state_load(c->state_path, &c->st);

    if (state_ok == 0 && c->st.loaded) {
        return;
    }

    if (state_ok != 0) {
        ccl_log(CCL_LOG_ERROR, "state_unusable", "path=%s action=%s",
                c->state_path, "starting from the route table in place");
    }

    ccl_state_release(&c->st);
    (void) ccl_state_import_routes(c->outs[CCL_OUT_ROUTES].path, &c->st);
}


/* 2. what there is now */

static int
ccl_apply_now(ccl_cycle_t *c)
{
    if (ccl_discover(c->api, c->conf, &c->d) != 0) {
        return ccl_apply_fail(c, "discover", "out of memory");
    }

    if (ccl_target_resolve(c->conf, &c->d.model, &c->groups) != 0) {
        return ccl_apply_fail(c, "resolve", "out of memory");
    }

    if (ccl_plan_build(&c->cur, c->conf, &c->d.model, &c->groups) != 0) {
        return ccl_apply_fail(c, "plan", "out of memory");
    }

    if (ccl_plan_merge(&c->st.plan, &c->cur, c->d.complete,
                       c->conf->drop_after, &c->merged, &c->stats) != 0)
    {
        return ccl_apply_fail(c, "merge", "out of memory");
    }

    c->now = time(NULL);

    return 0;
}


/* 3. the drop guard */

static int
ccl_apply_drop_guard(ccl_cycle_t *c)
{
    const ccl_plan_stats_t  *s;

    s = &c->stats;

    if (s->dropped == 0 || s->previous == 0
        || s->dropped * 100 <= s->previous * c->conf->max_drop_percent
        || c->opts->force)
    {
        return 0;
    }

    snprintf(c->reason, sizeof(c->reason), "would drop %zu of %zu routes "
             "(more than %u%%): run once with --force to accept",
             s->dropped, s->previous, c->conf->max_drop_percent);
    ccl_log(CCL_LOG_ERROR, "apply_refused", "dropped=%zu previous=%zu "
            "max_drop_percent=%u error=%s", s->dropped, s->previous,
            c->conf->max_drop_percent, c->reason);

    c->result = "refused";
    c->rc = CCL_APPLY_REFUSED;
    c->step = "drop_guard";

    return -1;
}


/* 4. serial: unchanged content keeps it */

static int
ccl_apply_serial(ccl_cycle_t *c)
{
    ccl_state_t  *st;

    if (ccl_render_routes(&c->merged, 0, NULL, &c->content) != 0) {
        return ccl_apply_fail(c, "serial", NULL);
    }

    st = &c->st;

    ccl_sha256_hex(c->content.data, c->content.len, c->hash);
    ccl_render_time(c->now, c->now_text, sizeof(c->now_text));

    if (c->conf->content_serial) {
        /*
         * the same on every host that discovers the same routes: 13 hex
         * digits of the content's hash (exact as a Prometheus float)
         */
        ccl_strlcpy(c->now_text, c->hash, 14);
        c->serial = strtoull(c->now_text, NULL, 16);
        c->serial = c->serial ? c->serial : 1;
        snprintf(c->now_text, sizeof(c->now_text), "sha256:%.16s", c->hash);

    } else if (st->loaded && st->serial > 0
               && strcmp(c->hash, st->content_sha256) == 0
               && st->generated[0] != '\0')
    {
        c->serial = st->serial;
        ccl_strlcpy(c->now_text, st->generated, sizeof(c->now_text));

    } else {
        c->serial = ccl_render_serial_time(c->now);
        if (c->serial <= st->serial) {
            c->serial = st->serial + 1;
        }
    }

    return 0;
}


/* 5. render and validate: the route table first, the rest from it */

static int
ccl_apply_render(ccl_cycle_t *c)
{
    ccl_out_t          *outs;
    const ccl_conf_t   *conf;
    const ccl_plan_t   *p;

    static const char  *failed = "rendering or validation failed";

    outs = c->outs;
    conf = c->conf;
    p = &c->merged;

    if (ccl_render_routes(p, c->serial, c->now_text,
                          &outs[CCL_OUT_ROUTES].data) != 0)
    {
        return ccl_apply_fail(c, "render_routes", failed);
    }

    if (conf->route_attributes
        && ccl_attrs_annotate(p, &c->d.model, &outs[CCL_OUT_ROUTES].data)
           != 0)
    {
        return ccl_apply_fail(c, "route_attributes", failed);
    }

    if (ccl_apply_validate(outs[CCL_OUT_ROUTES].path,
                           &outs[CCL_OUT_ROUTES].data) != 0)
    {
        return ccl_apply_fail(c, "validate_routes", failed);
    }

    if (ccl_render_nginx(p, conf, c->serial, &outs[CCL_OUT_NGINX].data)
        != 0)
    {
        return ccl_apply_fail(c, "render_nginx", failed);
    }

    if (ccl_render_hosts(p, conf, CCL_HOSTS_LINUX,
                         &outs[CCL_OUT_HOSTS_LINUX].data) != 0)
    {
        return ccl_apply_fail(c, "render_hosts_linux", failed);
    }

    if (ccl_render_hosts(p, conf, CCL_HOSTS_WINDOWS,
                         &outs[CCL_OUT_HOSTS_WINDOWS].data) != 0)
    {
        return ccl_apply_fail(c, "render_hosts_windows", failed);
    }

    if (ccl_render_powershell(p, conf, &outs[CCL_OUT_HOSTS_PS].data) != 0) {
        return ccl_apply_fail(c, "render_hosts_powershell", failed);
    }

    if (ccl_render_hosts(p, conf, CCL_HOSTS_SH,
                         &outs[CCL_OUT_HOSTS_SH].data) != 0)
    {
        return ccl_apply_fail(c, "render_hosts_sh", failed);
    }

    if (ccl_pac_render(&outs[CCL_OUT_ROUTES].data, conf,
                       &outs[CCL_OUT_PAC].data) != 0)
    {
        return ccl_apply_fail(c, "render_pac", failed);
    }

    return 0;
}


/* 6. dry run: show, touch nothing */

static void
ccl_apply_show(ccl_cycle_t *c)
{
    int  n;

    n = ccl_apply_dry_run(c->outs, c->opts->diff_out);

    if (n < 0) {
        c->rc = CCL_APPLY_FAILED;

    } else {
        c->rc = c->d.complete ? CCL_APPLY_OK : CCL_APPLY_PARTIAL;
    }

    ccl_log(CCL_LOG_INFO, "dry_run_done", "files_changed=%d complete=%s",
            n, c->d.complete ? "yes" : "no");
}


/*
 * 7. write what changed: every file to a temporary one first, so that
 * a failure leaves all of them as they were; then the renames
 */

static int
ccl_apply_prepare_files(ccl_cycle_t *c)
{
    int         i;
    ccl_out_t  *o;

    c->changed[0] = '\0';
    c->nchanged = 0;

    for (i = 0; i < CCL_OUT_N; i++) {
        o = &c->outs[i];

        if (o->name == NULL) {
            continue;
        }

        if (ccl_file_same(o->path, o->data.data, o->data.len)) {
            continue;
        }

        o->changed = 1;
        c->nchanged++;

        if (i == CCL_OUT_NGINX && c->conf->mode == CCL_MODE_NGINX) {
            continue;       /* installed below, with nginx -t */
        }

        if (ccl_file_prepare(o->path, o->data.data, o->data.len, 0644,
                             o->tmp, sizeof(o->tmp)) != 0)
        {
            snprintf(c->reason, sizeof(c->reason), "cannot write %.200s",
                     o->path);
            c->step = "write";
            return -1;
        }
    }

    return 0;
}


/* the nginx include first: if nginx refuses it, nothing else moves */

static int
ccl_apply_install_files(ccl_cycle_t *c)
{
    int         i, k;
    size_t      len;
    ccl_out_t  *o;

    static const int   order[CCL_OUT_N] = {
        CCL_OUT_NGINX, CCL_OUT_ROUTES, CCL_OUT_HOSTS_LINUX,
        CCL_OUT_HOSTS_WINDOWS, CCL_OUT_HOSTS_PS, CCL_OUT_HOSTS_SH,
        CCL_OUT_PAC
    };

    for (k = 0; k < CCL_OUT_N; k++) {
        i = order[k];
        o = &c->outs[i];

        if (!o->changed) {
            continue;
        }

        if (o->tmp[0] != '\0') {
            if (ccl_file_install(o->tmp, o->path) != 0) {
                o->tmp[0] = '\0';
                snprintf(c->reason, sizeof(c->reason),
                         "cannot replace %.200s", o->path);
                c->step = "install";
                return -1;
            }

            o->tmp[0] = '\0';

        } else if (ccl_nginx_install(c->conf, o->path, &o->data) != 0) {
            return ccl_apply_fail(c, "nginx", "nginx refused or could not"
                                  " reload the include");
        }

        len = strlen(c->changed);

        if (len != 0) {
            (void) ccl_strlcpy(c->changed + len, ",",
                               sizeof(c->changed) - len);
            len = strlen(c->changed);
        }

        (void) ccl_strlcpy(c->changed + len, o->name,
                           sizeof(c->changed) - len);
    }

    return 0;
}


/* the new plan is in force: it becomes the state */

static void
ccl_apply_in_force(ccl_cycle_t *c)
{
    int           complete;
    ccl_state_t  *st;

    st = &c->st;
    complete = c->d.complete;

    ccl_plan_release(&st->plan);
    st->plan = c->merged;
    ccl_plan_init(&c->merged);
    st->serial = c->serial;
    ccl_strlcpy(st->generated, c->now_text, sizeof(st->generated));
    ccl_strlcpy(st->content_sha256, c->hash, sizeof(st->content_sha256));

    if (complete) {
        ccl_render_time(c->now, st->last_complete,
                        sizeof(st->last_complete));
    }

    /* the client folder follows the plan in force; a failure is logged */
    (void) ccl_client_publish(c->conf, &st->plan);

    c->result = c->nchanged ? "applied" : "unchanged";
    c->rc = complete ? CCL_APPLY_OK : CCL_APPLY_PARTIAL;

    if (!complete) {
        ccl_strlcpy(c->reason, "discovery incomplete: routes were only "
                    "added, none removed", sizeof(c->reason));
    }

    ccl_log(complete ? CCL_LOG_INFO : CCL_LOG_WARN, "cycle_done",
            "result=%s complete=%s serial=%" PRIu64 " routes=%zu groups=%zu "
            "added=%zu kept_absent=%zu dropped=%zu skipped=%zu changed=%s",
            c->result, complete ? "yes" : "no", c->serial, st->plan.nroutes,
            st->plan.ngroups, c->stats.added, c->stats.kept_absent,
            c->stats.dropped, c->stats.skipped,
            c->changed[0] ? c->changed : "none");
}


static void
ccl_apply_discard(ccl_cycle_t *c)
{
    int  i;

    for (i = 0; i < CCL_OUT_N; i++) {
        ccl_file_discard(c->outs[i].tmp);
        c->outs[i].tmp[0] = '\0';
    }
}


/* 8. the state file and the short status, then the cycle's outcome */

static void
ccl_apply_record(ccl_cycle_t *c)
{
    ccl_state_cycle_t  cy;

    if (!c->opts->dry_run) {
        memset(&cy, 0, sizeof(cy));

        cy.started = c->d.started;
        cy.finished = c->d.finished ? c->d.finished : time(NULL);
        cy.complete = c->d.complete;
        cy.environments = &c->d.model.envs;
        cy.model = &c->d.model;
        cy.calls = &c->d.calls;
        cy.errors = &c->d.errors;
        cy.mismatches = &c->d.mismatches;
        cy.clusters = c->d.clusters;
        cy.nclusters = c->d.nclusters;
        cy.names = c->d.model.nnames;
        cy.domains = c->d.model.ndomains;
        cy.stats = &c->stats;
        cy.result = c->result;
        cy.reason = c->reason[0] ? c->reason : NULL;
        cy.api_url = c->conf->api_url;

        if (ccl_apply_write_state(c->state_path, &c->st, &cy) != 0) {
            c->rc = CCL_APPLY_FAILED;
            c->step = c->step ? c->step : "state";
        }

        /* the short status for the health endpoint: its failure is logged */
        (void) ccl_status_publish(c->conf, &c->st, &cy);
    }

    if (c->rc == CCL_APPLY_FAILED) {
        ccl_log(CCL_LOG_ERROR, "cycle_failed", "reason=%s step=%s action=%s",
                c->reason[0] ? c->reason : "see the errors above",
                c->step ? c->step : "unknown",
                "the previous files stay in place");
    }
}


static void
ccl_apply_cleanup(ccl_cycle_t *c)
{
    int  i;

    if (c->lock != -1) {
        close(c->lock);
    }

    for (i = 0; i < CCL_OUT_N; i++) {
        ccl_buf_release(&c->outs[i].data);
    }

    ccl_buf_release(&c->content);
    ccl_plan_release(&c->merged);
    ccl_plan_release(&c->cur);
    ccl_plan_release(&c->groups);
    ccl_discovery_release(&c->d);
    ccl_state_release(&c->st);
}
