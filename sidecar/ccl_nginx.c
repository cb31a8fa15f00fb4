/*
 * Copyright (C) cclink authors
 *
 * Installing the nginx include in nginx mode: test, reload, and putting
 * back the include nginx accepted before when the test fails.
 */


#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ccl_exec.h"
#include "ccl_file.h"
#include "ccl_log.h"
#include "ccl_nginx.h"
#include "ccl_render.h"


static int ccl_nginx_restore(const char *path, const ccl_buf_t *old,
    int had_old);


/*
 * A previous include that could not be put back after nginx -t refused a
 * new one: it is retried (a few times at once, then at the start of every
 * cycle) until it is in place, since the refused include stays on disk
 * meanwhile and a later cycle rendering the same text would see nothing
 * to change.
 */

static ccl_buf_t   ccl_nginx_restore_data;
static char       *ccl_nginx_restore_path;
static int         ccl_nginx_restore_had;


static int
ccl_nginx_restore(const char *path, const ccl_buf_t *old, int had_old)
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


void
ccl_nginx_restore_pending(void)
{
    if (ccl_nginx_restore_path == NULL) {
        return;
    }

    if (ccl_nginx_restore(ccl_nginx_restore_path, &ccl_nginx_restore_data,
                          ccl_nginx_restore_had) != 0)
    {
        ccl_log(CCL_LOG_ERROR, "nginx_restore_pending", "path=%s action=%s",
                ccl_nginx_restore_path, "retried at the next cycle");
        return;
    }

    ccl_log(CCL_LOG_WARN, "nginx_restored", "path=%s note=%s",
            ccl_nginx_restore_path, "the include nginx accepted before is "
            "back in place");

    free(ccl_nginx_restore_path);
    ccl_nginx_restore_path = NULL;
    ccl_buf_release(&ccl_nginx_restore_data);
}


int
ccl_nginx_install(const ccl_conf_t *conf, const char *path,
    const ccl_buf_t *data)
{
    int        had_old;
    ccl_buf_t  old;

    /*
     * With nginx_test_include the new include is tested where only the
     * test configuration reads it, and installed only once it passed: a
     * reload (or a path unit) never sees an untested include.
     */

    if (conf->nginx_test_include != NULL) {
        if (ccl_file_commit(conf->nginx_test_include, data->data,
                            data->len, 0644) != 0)
        {
            return -1;
        }

        if (ccl_exec_run(conf->nginx_test_command, conf->command_timeout_ms,
                         "nginx_test") != 0)
        {
            ccl_log(CCL_LOG_ERROR, "nginx_rejected", "path=%s tested=%s "
                    "action=%s", path, conf->nginx_test_include,
                    "the include in use was left as it was");
            return -1;
        }

        if (ccl_file_commit(path, data->data, data->len, 0644) != 0) {
            return -1;
        }

        return ccl_exec_run(conf->nginx_reload_command,
                            conf->command_timeout_ms, "nginx_reload");
    }

    ccl_buf_init(&old, CCL_RENDER_MAX + 1);
    had_old = 1;

    if (ccl_file_read(path, CCL_RENDER_MAX, &old) != 0) {
        if (errno != ENOENT) {
            ccl_buf_release(&old);
            return -1;
        }
        had_old = 0;
    }

    if (ccl_file_commit(path, data->data, data->len, 0644) != 0) {
        ccl_buf_release(&old);
        return -1;
    }

    if (ccl_exec_run(conf->nginx_test_command, conf->command_timeout_ms,
                     "nginx_test") != 0)
    {
        /* put back what nginx accepted before */
        if (ccl_nginx_restore(path, &old, had_old) != 0) {
            ccl_log(CCL_LOG_ERROR, "nginx_rejected", "path=%s action=%s",
                    path, "the previous include could NOT be put back: "
                    "retried at the next cycle");

            free(ccl_nginx_restore_path);
            ccl_buf_release(&ccl_nginx_restore_data);
            ccl_nginx_restore_path = ccl_strdup(path);
            ccl_nginx_restore_data = old;
            ccl_nginx_restore_had = had_old;
            return -1;
        }

        ccl_log(CCL_LOG_ERROR, "nginx_rejected", "path=%s action=%s",
                path, "the previous include was put back");
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
