/*
 * Copyright (C) cclink authors
 *
 * Running the configured nginx commands with a deadline (ccl_exec.h).
 */


#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ccl_buf.h"
#include "ccl_exec.h"
#include "ccl_log.h"


#define CCL_EXEC_MAX_OUTPUT  (64 * 1024)


extern char  **environ;


static char **ccl_exec_env(void);
static long ccl_exec_now_ms(void);
static void ccl_exec_log_output(const char *what, ccl_buf_t *out);


static char **
ccl_exec_env(void)
{
    size_t   n, i, j;
    char   **env;

    for (n = 0; environ[n] != NULL; n++) {
        /* void */
    }

    env = calloc(n + 1, sizeof(char *));
    if (env == NULL) {
        return NULL;
    }

    j = 0;

    for (i = 0; i < n; i++) {
        if (strncmp(environ[i], "CONFLUENT_CLOUD_API_", 20) == 0) {
            continue;
        }
        env[j++] = environ[i];
    }

    env[j] = NULL;

    return env;
}


static long
ccl_exec_now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static void
ccl_exec_log_output(const char *what, ccl_buf_t *out)
{
    char  *line, *nl;

    if (out->data == NULL) {
        return;
    }

    for (line = out->data; *line != '\0'; line = nl + 1) {
        nl = strchr(line, '\n');

        if (nl != NULL) {
            *nl = '\0';
        }

        if (line[0] != '\0') {
            ccl_log(CCL_LOG_INFO, "command_output", "what=%s line=%s", what,
                    line);
        }

        if (nl == NULL) {
            break;
        }
    }
}


int
ccl_exec_run(const char *cmd, long timeout_ms, const char *what)
{
    int             fds[2], status, devnull, rc, done, reaped, eof;
    char            chunk[4096];
    char          **env;
    long            deadline, left;
    pid_t           pid, w;
    ssize_t         n;
    ccl_buf_t       out;
    struct pollfd   pfd;
    char           *argv[4];

    env = ccl_exec_env();
    if (env == NULL) {
        return -1;
    }

    if (pipe2(fds, O_CLOEXEC) != 0) {
        ccl_log(CCL_LOG_ERROR, "command_error", "what=%s error=%s", what,
                strerror(errno));
        free(env);
        return -1;
    }

    argv[0] = "sh";
    argv[1] = "-c";
    argv[2] = (char *) cmd;
    argv[3] = NULL;

    pid = fork();

    if (pid == -1) {
        ccl_log(CCL_LOG_ERROR, "command_error", "what=%s error=%s", what,
                strerror(errno));
        close(fds[0]);
        close(fds[1]);
        free(env);
        return -1;
    }

    if (pid == 0) {
        /* its own process group: a deadline kills whatever it started */
        (void) setpgid(0, 0);
        devnull = open("/dev/null", O_RDONLY);
        if (devnull != -1) {
            dup2(devnull, STDIN_FILENO);
        }
        dup2(fds[1], STDOUT_FILENO);
        dup2(fds[1], STDERR_FILENO);
        execve("/bin/sh", argv, env);
        _exit(127);
    }

    free(env);
    close(fds[1]);
    (void) setpgid(pid, pid);       /* either side may win the race */

    ccl_buf_init(&out, CCL_EXEC_MAX_OUTPUT);
    deadline = ccl_exec_now_ms() + timeout_ms;
    done = 0;
    rc = 0;
    eof = 0;
    status = 0;

    reaped = 0;

    while (!done) {
        left = deadline - ccl_exec_now_ms();

        if (left <= 0) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            rc = -2;
            break;
        }

        if (eof) {
            /*
             * The output is closed but the command may still run (it
             * closed its output and hangs): wait for it, not past the
             * deadline.
             */
            w = waitpid(pid, &status, WNOHANG);

            if (w == pid || (w == -1 && errno == ECHILD)) {
                reaped = (w == pid);
                done = 1;
                continue;
            }

            (void) poll(NULL, 0, left > 50 ? 50 : (int) left);
            continue;
        }

        pfd.fd = fds[0];
        pfd.events = POLLIN;

        if (poll(&pfd, 1, left > 200 ? 200 : (int) left) < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }

        if (pfd.revents == 0) {
            /* a daemon it started may hold the pipe: the child decides */
            if (waitpid(pid, &status, WNOHANG) == pid) {
                reaped = 1;
                done = 1;
            }
            continue;
        }

        n = read(fds[0], chunk, sizeof(chunk));

        if (n < 0 && errno == EINTR) {
            continue;
        }

        if (n <= 0) {
            eof = 1;
            continue;
        }

        /* past the cap the rest is read and dropped */
        (void) ccl_buf_add(&out, chunk, (size_t) n);
    }

    close(fds[0]);

    while (!reaped && waitpid(pid, &status, 0) == -1 && errno == EINTR) {
        /* void */
    }

    ccl_exec_log_output(what, &out);
    ccl_buf_release(&out);

    if (rc == -2) {
        ccl_log(CCL_LOG_ERROR, "command_failed", "what=%s command=%s "
                "error=%s timeout_ms=%ld", what, cmd, "timed out",
                timeout_ms);
        return -1;
    }

    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        ccl_log(CCL_LOG_INFO, "command_done", "what=%s command=%s", what,
                cmd);
        return 0;
    }

    if (WIFEXITED(status)) {
        ccl_log(CCL_LOG_ERROR, "command_failed", "what=%s command=%s "
                "exit=%d", what, cmd, WEXITSTATUS(status));
    } else {
        ccl_log(CCL_LOG_ERROR, "command_failed", "what=%s command=%s "
                "signal=%d", what, cmd,
                WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }

    return -1;
}
