/*
 * Copyright (C) cclink authors
 *
 * ccl_pac: the proxy auto-config (PAC) file the sidecar writes next to the
 * route table, for the CONNECT entrance (docs/connect.md). It is made by
 * the module's own renderer (ngx_cclink_module/cclink_pac.c) from the
 * route table text just rendered, so it holds exactly what the module's
 * cclink_pac location serves for that table.
 *
 * Configuration: "pac_proxy HOST:PORT" (the entrance as clients reach
 * it; without it no PAC file is written) and "pac_file NAME" (default
 * proxy.pac, joined with output_dir).
 *
 * Ownership: the caller owns both buffers; out is appended to.
 */

#ifndef _CCL_PAC_H_INCLUDED_
#define _CCL_PAC_H_INCLUDED_


#include "ccl_buf.h"
#include "ccl_conf.h"


/*
 * Renders the PAC file for the route table text in routes into out.
 * Returns 0 (nothing rendered when pac_proxy is not set), or -1 with the
 * failure logged (a bad pac_proxy, a table the parser refuses, no memory).
 */
int ccl_pac_render(const ccl_buf_t *routes, const ccl_conf_t *conf,
    ccl_buf_t *out);


#endif /* _CCL_PAC_H_INCLUDED_ */
