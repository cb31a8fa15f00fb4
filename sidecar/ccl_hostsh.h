/*
 * Copyright (C) cclink authors
 *
 * hosts-apply.sh: a POSIX sh script that carries this proxy's hosts block
 * and edits a hosts file by the rules of ccl_hosts.h (only the lines
 * between this proxy's markers change, every other byte is kept, markers
 * match with trailing blanks, unbalanced markers are refused with the
 * line number). It is for laptops with no cclink-sidecar binary: macOS
 * /bin/sh, dash, bash --posix and busybox sh run it; it needs only awk,
 * cat, cmp, cp, diff, mktemp, mv, tail and wc.
 *
 * ccl_hostsh_render(name, block, out) writes the script for proxy "name"
 * (a valid proxy_name: A-Z a-z 0-9 . _ -) carrying "block" (the rendered
 * LF block, ending in a line end). ccl_hostsh_render_plan() renders the
 * block of a plan first. Both return 0, or -1 when the buffer's limit was
 * reached (logged). The caller owns the buffer.
 *
 * tests/sidecar/hosts_cases is the table of cases both editors pass.
 *
 * ccl_hostsh_subst(out, tmpl, vars) is the template filling the scripts
 * of the client folder share: each "@NAME@" of vars (a list ending with
 * a NULL var) is replaced by its value; any other "@" is kept.
 */

#ifndef _CCL_HOSTSH_H_INCLUDED_
#define _CCL_HOSTSH_H_INCLUDED_


#include "ccl_buf.h"
#include "ccl_conf.h"
#include "ccl_plan.h"


typedef struct {
    const char          *var;       /* "@NAME@" */
    const char          *value;
} ccl_hostsh_var_t;


int ccl_hostsh_render(const char *name, const char *block, ccl_buf_t *out);
int ccl_hostsh_render_plan(const ccl_plan_t *p, const ccl_conf_t *conf,
    ccl_buf_t *out);
int ccl_hostsh_subst(ccl_buf_t *out, const char *tmpl,
    const ccl_hostsh_var_t *vars);


#endif /* _CCL_HOSTSH_H_INCLUDED_ */
