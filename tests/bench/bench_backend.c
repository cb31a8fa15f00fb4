/*
 * Copyright (C) cclink authors
 *
 * bench-backend: the backends of the benchmarks, standing in for the
 * private endpoints. It does not speak TLS: one port discards whatever it
 * receives (sink), the other sends it back (echo). epoll, nonblocking,
 * one event loop per thread, each thread with its own listening sockets
 * (SO_REUSEPORT), so that it is never what limits a benchmark.
 *
 *   bench-backend [-H ADDR] [-t THREADS] [-M SECONDS]
 *
 * It listens on free ports, prints {"sink":PORT,"echo":PORT} on stdout
 * and runs until SIGTERM, SIGINT, stdin closing, or -M seconds.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>


#define BACKEND_SINK        0
#define BACKEND_ECHO        1
#define BACKEND_IOBUF       65536
#define BACKEND_MAX_THREADS 16


typedef struct backend_thread_s  backend_thread_t;


typedef struct {
    int                 fd;
    int                 kind;       /* BACKEND_SINK, BACKEND_ECHO */
    int                 listener;
    uint32_t            events;
    unsigned char      *pending;    /* echo: bytes not yet sent back */
    size_t              pos;
    size_t              len;
} backend_conn_t;


struct backend_thread_s {
    pthread_t           tid;
    int                 ep;
    backend_conn_t      listeners[2];
    unsigned char       io[BACKEND_IOBUF];
};


static int backend_listen(struct sockaddr_in *addr, int reuse);
static void *backend_run(void *arg);
static void backend_accept(backend_thread_t *t, backend_conn_t *l);
static void backend_io(backend_thread_t *t, backend_conn_t *c,
    uint32_t events);
static int backend_flush(backend_conn_t *c);
static void backend_want(backend_thread_t *t, backend_conn_t *c,
    uint32_t events);
static void backend_close(backend_conn_t *c);
static void backend_signal(int signo);
static void backend_raise_nofile(void);


static volatile sig_atomic_t  backend_stop;


int
main(int argc, char **argv)
{
    int                  i, fd;
    char                *end;
    double               max_time;
    unsigned             k, nthreads;
    socklen_t            len;
    struct timespec      ts;
    struct sigaction     sa;
    struct sockaddr_in   addr[2];
    backend_thread_t    *threads;

    memset(addr, 0, sizeof(addr));
    addr[0].sin_family = AF_INET;
    addr[0].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    nthreads = 1;
    max_time = 3600;

    for (i = 1; i < argc; i++) {

        if (i + 1 >= argc) {
            goto usage;
        }

        if (strcmp(argv[i], "-H") == 0) {
            if (inet_pton(AF_INET, argv[++i], &addr[0].sin_addr) != 1) {
                goto usage;
            }

        } else if (strcmp(argv[i], "-t") == 0) {
            errno = 0;
            nthreads = (unsigned) strtoul(argv[++i], &end, 10);
            if (errno || *end != '\0' || nthreads < 1
                || nthreads > BACKEND_MAX_THREADS)
            {
                goto usage;
            }

        } else if (strcmp(argv[i], "-M") == 0) {
            errno = 0;
            max_time = strtod(argv[++i], &end);
            if (errno || *end != '\0' || max_time < 1 || max_time > 86400) {
                goto usage;
            }

        } else {
            goto usage;
        }
    }

    addr[1] = addr[0];

    /* no SA_RESTART: the signals interrupt the read of stdin below */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = backend_signal;
    sigemptyset(&sa.sa_mask);
    (void) sigaction(SIGTERM, &sa, NULL);
    (void) sigaction(SIGINT, &sa, NULL);
    (void) sigaction(SIGALRM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    alarm((unsigned) max_time);

    backend_raise_nofile();

    threads = calloc(nthreads, sizeof(backend_thread_t));
    if (threads == NULL) {
        fprintf(stderr, "bench-backend: out of memory\n");
        return 1;
    }

    /* the first thread picks the ports; the others share them */

    for (k = 0; k < nthreads; k++) {
        backend_thread_t  *t = &threads[k];

        t->ep = epoll_create1(EPOLL_CLOEXEC);
        if (t->ep == -1) {
            perror("bench-backend: epoll_create1");
            return 1;
        }

        for (i = 0; i < 2; i++) {
            struct epoll_event  ev;

            fd = backend_listen(&addr[i], nthreads > 1);
            if (fd == -1) {
                return 1;
            }

            if (k == 0) {
                len = sizeof(addr[i]);
                if (getsockname(fd, (struct sockaddr *) &addr[i], &len)
                    == -1)
                {
                    perror("bench-backend: getsockname");
                    return 1;
                }
            }

            t->listeners[i].fd = fd;
            t->listeners[i].kind = i;
            t->listeners[i].listener = 1;

            ev.events = EPOLLIN;
            ev.data.ptr = &t->listeners[i];

            if (epoll_ctl(t->ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
                perror("bench-backend: epoll_ctl");
                return 1;
            }
        }
    }

    for (k = 0; k < nthreads; k++) {
        if (pthread_create(&threads[k].tid, NULL, backend_run, &threads[k])
            != 0)
        {
            fprintf(stderr, "bench-backend: cannot start a thread\n");
            return 1;
        }
    }

    printf("{\"sink\":%u,\"echo\":%u,\"threads\":%u}\n",
           ntohs(addr[BACKEND_SINK].sin_port),
           ntohs(addr[BACKEND_ECHO].sin_port), nthreads);
    fflush(stdout);

    /* stdin closing (the harness went away) stops it too */

    while (!backend_stop) {
        struct timespec  rem;
        char             ch;
        ssize_t          n;

        n = read(STDIN_FILENO, &ch, 1);

        if (n == 0) {
            break;
        }

        if (n == -1 && errno != EINTR) {
            /* no usable stdin: just wait */
            ts.tv_sec = 0;
            ts.tv_nsec = 100000000;
            (void) nanosleep(&ts, &rem);
        }
    }

    backend_stop = 1;

    for (k = 0; k < nthreads; k++) {
        pthread_join(threads[k].tid, NULL);
    }

    free(threads);

    return 0;

usage:

    fprintf(stderr,
            "usage: bench-backend [-H ADDR] [-t THREADS] [-M SECONDS]\n");

    return 2;
}


static int
backend_listen(struct sockaddr_in *addr, int reuse)
{
    int  fd, one;

    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        perror("bench-backend: socket");
        return -1;
    }

    one = 1;
    (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));

    if (reuse) {
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    }

    if (bind(fd, (struct sockaddr *) addr, sizeof(*addr)) == -1) {
        perror("bench-backend: bind");
        close(fd);
        return -1;
    }

    if (listen(fd, 4096) == -1) {
        perror("bench-backend: listen");
        close(fd);
        return -1;
    }

    return fd;
}


static void *
backend_run(void *arg)
{
    int                  i, n;
    backend_conn_t      *c;
    backend_thread_t    *t = arg;
    struct epoll_event   ev[256];

    while (!backend_stop) {
        n = epoll_wait(t->ep, ev, 256, 100);

        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }

            perror("bench-backend: epoll_wait");
            break;
        }

        for (i = 0; i < n; i++) {
            c = ev[i].data.ptr;

            if (c->listener) {
                backend_accept(t, c);

            } else {
                backend_io(t, c, ev[i].events);
            }
        }
    }

    return NULL;
}


static void
backend_accept(backend_thread_t *t, backend_conn_t *l)
{
    int                  fd, one, i;
    backend_conn_t      *c;
    struct epoll_event   ev;

    for (i = 0; i < 64; i++) {
        fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd == -1) {
            if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
                perror("bench-backend: accept4");
            }

            return;
        }

        c = calloc(1, sizeof(backend_conn_t));
        if (c == NULL) {
            close(fd);
            return;
        }

        one = 1;
        (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

        c->fd = fd;
        c->kind = l->kind;
        c->events = EPOLLIN;

        ev.events = c->events;
        ev.data.ptr = c;

        if (epoll_ctl(t->ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
            perror("bench-backend: epoll_ctl");
            backend_close(c);
        }
    }
}


static void
backend_io(backend_thread_t *t, backend_conn_t *c, uint32_t events)
{
    ssize_t  n, w;

    if (events & EPOLLOUT) {
        if (backend_flush(c) != 0) {
            backend_close(c);
            return;
        }

        if (c->len == 0) {
            backend_want(t, c, EPOLLIN);
        }
    }

    if (c->len != 0) {
        /* echo: read again only when all has been sent back */
        return;
    }

    if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP))) {
        return;
    }

    for ( ;; ) {
        n = recv(c->fd, t->io, sizeof(t->io), 0);

        if (n == 0) {
            backend_close(c);
            return;
        }

        if (n == -1) {
            if (errno == EAGAIN || errno == EINTR) {
                return;
            }

            backend_close(c);
            return;
        }

        if (c->kind == BACKEND_SINK) {
            if ((size_t) n < sizeof(t->io)) {
                return;
            }

            continue;
        }

        w = send(c->fd, t->io, (size_t) n, MSG_NOSIGNAL);

        if (w == -1) {
            if (errno != EAGAIN && errno != EINTR) {
                backend_close(c);
                return;
            }

            w = 0;
        }

        if (w < n) {
            /* keep the rest and wait until it can be sent */
            c->pending = malloc((size_t) (n - w));
            if (c->pending == NULL) {
                backend_close(c);
                return;
            }

            memcpy(c->pending, t->io + w, (size_t) (n - w));
            c->pos = 0;
            c->len = (size_t) (n - w);
            backend_want(t, c, EPOLLOUT);
            return;
        }

        if ((size_t) n < sizeof(t->io)) {
            return;
        }
    }
}


static int
backend_flush(backend_conn_t *c)
{
    ssize_t  w;

    while (c->len) {
        w = send(c->fd, c->pending + c->pos, c->len, MSG_NOSIGNAL);

        if (w == -1) {
            if (errno == EAGAIN || errno == EINTR) {
                return 0;
            }

            return -1;
        }

        c->pos += (size_t) w;
        c->len -= (size_t) w;
    }

    free(c->pending);
    c->pending = NULL;
    c->pos = 0;

    return 0;
}


static void
backend_want(backend_thread_t *t, backend_conn_t *c, uint32_t events)
{
    struct epoll_event  ev;

    if (c->events == events) {
        return;
    }

    c->events = events;
    ev.events = events;
    ev.data.ptr = c;

    (void) epoll_ctl(t->ep, EPOLL_CTL_MOD, c->fd, &ev);
}


static void
backend_close(backend_conn_t *c)
{
    /* no more events for it: the loop does not touch it again */
    close(c->fd);
    free(c->pending);
    free(c);
}


static void
backend_signal(int signo)
{
    (void) signo;

    backend_stop = 1;
}


static void
backend_raise_nofile(void)
{
    struct rlimit  rl;

    rl.rlim_cur = 262144;
    rl.rlim_max = 262144;

    if (setrlimit(RLIMIT_NOFILE, &rl) == 0) {
        return;
    }

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        (void) setrlimit(RLIMIT_NOFILE, &rl);
    }
}
