/*
 * Copyright (C) cclink authors
 *
 * Running the configured nginx commands ("nginx -t -q", "nginx -s
 * reload").
 *
 * ccl_exec_run(cmd, timeout_ms, what) runs "/bin/sh -c cmd" with:
 *
 *  - an environment without CONFLUENT_CLOUD_API_KEY/SECRET (the child
 *    never sees a secret, so neither do its logs or /proc);
 *  - stdin from /dev/null, stdout and stderr captured (at most 64 KiB) and
 *    logged line by line under event "command_output";
 *  - a deadline that holds whatever the command does (it may close its
 *    output and hang, or leave children behind): the command runs in a
 *    process group of its own, and past timeout_ms the whole group gets
 *    SIGKILL.
 *
 * Returns 0 when the command exited with status 0, -1 otherwise (logged
 * with "what", the command and how it ended).
 */

#ifndef _CCL_EXEC_H_INCLUDED_
#define _CCL_EXEC_H_INCLUDED_


int ccl_exec_run(const char *cmd, long timeout_ms, const char *what);


#endif /* _CCL_EXEC_H_INCLUDED_ */
