/*
 * Copyright (C) cclink authors
 *
 * ccl_pac: the PAC file from the rendered route table (see ccl_pac.h).
 */

#include <stdlib.h>
#include <string.h>

#include "cclink_pac.h"
#include "cclink_routes.h"
#include "ccl_log.h"
#include "ccl_pac.h"


int
ccl_pac_render(const ccl_buf_t *routes, const ccl_conf_t *conf,
    ccl_buf_t *out)
{
    int           rc;
    char          err[CCLINK_RT_ERRLEN], *text;
    size_t        size, len;
    cclink_rt_t  *rt;

    if (conf->pac_proxy == NULL) {
        return 0;
    }

    len = strlen(conf->pac_proxy);

    if (!cclink_pac_proxy_ok(conf->pac_proxy, len)) {
        ccl_log(CCL_LOG_ERROR, "pac_failed", "pac_proxy=%s error=%s",
                conf->pac_proxy, "expected host:port");
        return -1;
    }

    if (cclink_rt_parse(conf->routes_file, routes->data, routes->len, &rt,
                        err, sizeof(err)) != 0)
    {
        ccl_log(CCL_LOG_ERROR, "pac_failed", "error=%s", err);
        return -1;
    }

    size = cclink_pac_render(rt, conf->pac_proxy, len, NULL, 0);

    text = malloc(size);
    if (text == NULL) {
        cclink_rt_free(rt);
        ccl_log(CCL_LOG_ERROR, "pac_failed", "error=%s", "out of memory");
        return -1;
    }

    (void) cclink_pac_render(rt, conf->pac_proxy, len, text, size);
    cclink_rt_free(rt);

    rc = ccl_buf_add(out, text, size);
    free(text);

    if (rc != 0) {
        ccl_log(CCL_LOG_ERROR, "pac_failed", "error=%s", "too large");
        return -1;
    }

    return 0;
}
