/*
 * Copyright (C) cclink authors
 *
 * The editing part of hosts-apply.ps1 (ccl_render_powershell() writes the
 * header, the proxy name and the block before it). It follows the rules
 * of ccl_hosts.h: the file is read and written as bytes (decoded as
 * Latin-1, one character per byte, so every byte of the other lines is
 * kept), markers match whole lines case-sensitively ignoring trailing
 * blanks and the CR, the file's own line ends are used, a missing final
 * line end is added before an appended block, further blocks of this
 * proxy are removed, and unbalanced or nested markers are refused with
 * the line number before anything is written. -Remove takes the block
 * out; -ReplaceName OLD also removes the block of proxy OLD; -File PATH
 * edits another file. CR-LF line ends.
 */

#ifndef _CCL_HOSTPS_H_INCLUDED_
#define _CCL_HOSTPS_H_INCLUDED_


extern const char  ccl_hostps_body[];


#endif /* _CCL_HOSTPS_H_INCLUDED_ */
