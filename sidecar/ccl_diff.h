/*
 * Copyright (C) cclink authors
 *
 * Unified diffs of two texts, line by line (Myers' O(ND) algorithm), in
 * the format of "diff -u": "--- a/NAME", "+++ b/NAME", "@@ -l,s +l,s @@"
 * hunks with 3 lines of context, and "\ No newline at end of file" where
 * it applies.
 *
 * ccl_diff_unified(name, old, olen, new, nlen, out) appends the diff to
 * "out" (nothing when the texts are equal) and returns 1 when they
 * differ, 0 when equal, -1 on failure. When the edit distance is very
 * large the diff degrades to one hunk replacing everything: still a
 * correct diff, just not a minimal one.
 */

#ifndef _CCL_DIFF_H_INCLUDED_
#define _CCL_DIFF_H_INCLUDED_


#include <stddef.h>

#include "ccl_buf.h"


#define CCL_DIFF_CONTEXT   3
#define CCL_DIFF_MAX_D     4000


int ccl_diff_unified(const char *name, const char *old, size_t olen,
    const char *new_text, size_t nlen, ccl_buf_t *out);


#endif /* _CCL_DIFF_H_INCLUDED_ */
