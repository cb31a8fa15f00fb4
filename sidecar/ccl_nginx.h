/*
 * Copyright (C) cclink authors
 *
 * The nginx include in nginx mode (mode nginx, ccl_apply.h step 7).
 *
 * ccl_nginx_install(conf, path, data): puts data at path and makes nginx
 * use it. With nginx_test_include the new text is first written there and
 * tested (nginx_test_command), and only installed at path once accepted;
 * otherwise it is installed at path, tested, and on refusal the previous
 * include (or its absence) is put back. Then nginx_reload_command runs.
 * Returns 0 when nginx accepted and reloaded, -1 otherwise (logged).
 *
 * An include that could not be put back (its text as read before the
 * install) is kept in this file's memory and retried by
 * ccl_nginx_restore_pending() at the start of every cycle until it is in
 * place: the refused include stays on disk meanwhile, and a later cycle
 * rendering the same text would see nothing to change.
 *
 * Ownership: data is borrowed; the pending include's text is this file's
 * own, freed once it is back in place. Not thread-safe: one cycle at a
 * time calls these (the output directory's lock).
 */

#ifndef _CCL_NGINX_H_INCLUDED_
#define _CCL_NGINX_H_INCLUDED_


#include "ccl_buf.h"
#include "ccl_conf.h"


int ccl_nginx_install(const ccl_conf_t *conf, const char *path,
    const ccl_buf_t *data);
void ccl_nginx_restore_pending(void);


#endif /* _CCL_NGINX_H_INCLUDED_ */
