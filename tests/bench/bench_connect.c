/*
 * Copyright (C) cclink authors
 *
 * bench-connect: the load generator of the CONNECT benchmark
 * (bench_connect.py). Each tunnel starts the way curl or a browser opens
 * one through an HTTP proxy: "CONNECT target HTTP/1.1", the proxy's 200,
 * then a real-format ClientHello that the echo backend sends back. With
 * no --target it sends the ClientHello straight away (cclink's SNI path).
 *
 *   bench-connect rate PORT -c IN_FLIGHT -d SECONDS [-t TARGET] -n NAME
 *   bench-connect bulk PORT -d SECONDS [-t TARGET] -n NAME
 *   bench-connect hold PORT -N TUNNELS [-t TARGET] -n NAME
 *
 * rate: tunnels opened, echoed and closed per second; bulk: one tunnel
 * writing 64 KiB at a time to the sink for the time given; hold: opens
 * the tunnels, prints {"ready":N}, keeps them idle until stdin closes.
 * One JSON line on stdout; epoll, nonblocking, one thread; every run is
 * bounded (-d, or 60 s for hold to get ready).
 */

#include <errno.h>
#include <poll.h>
#include <stdint.h>
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

#include "hello.h"


#define BC_ST_CONNECT   0
#define BC_ST_HEAD      1   /* writing the CONNECT head */
#define BC_ST_REPLY     2   /* reading the proxy's reply */
#define BC_ST_HELLO     3   /* writing the ClientHello */
#define BC_ST_ECHO      4   /* reading it back */
#define BC_ST_DONE      5

#define BC_MAX_CONNS    60000
#define BC_IOBUF        65536


typedef struct {
    int       fd;
    int       state;
    size_t    off;
    size_t    got;
    char      reply[512];
} bc_conn_t;


static int             bc_port;
static const char     *bc_target;
static char            bc_head[600];
static size_t          bc_head_len;
static unsigned char   bc_hello[TLS_HELLO_MAX];
static size_t          bc_hello_len;
static unsigned char   bc_io[BC_IOBUF];
static int             bc_ep;
static uint64_t        bc_errors;
static int             bc_no_echo;    /* bulk: the sink sends nothing */


static uint64_t
bc_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}


static int
bc_open(bc_conn_t *c)
{
    int                  fd, one;
    struct sockaddr_in   sin;
    struct epoll_event   ev;

    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd == -1) {
        return -1;
    }

    one = 1;
    (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t) bc_port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    if (connect(fd, (struct sockaddr *) &sin, sizeof(sin)) == -1
        && errno != EINPROGRESS)
    {
        close(fd);
        return -1;
    }

    c->fd = fd;
    c->state = BC_ST_CONNECT;
    c->off = 0;
    c->got = 0;

    /* edge-triggered, registered once: no epoll_ctl() per step */
    ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
    ev.data.ptr = c;

    if (epoll_ctl(bc_ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
        close(fd);
        return -1;
    }

    return 0;
}


static void
bc_close(bc_conn_t *c)
{
    if (c->fd != -1) {
        close(c->fd);
        c->fd = -1;
    }
}


/*
 * advances one tunnel as far as it can go (until a read or write would
 * block, as edge-triggered events need); 1 when it is established and
 * echoed, -1 on error
 */

static int
bc_step(bc_conn_t *c)
{
    ssize_t  n;
    char    *end;

    for ( ;; ) {
        switch (c->state) {

        case BC_ST_CONNECT:
            c->state = bc_target ? BC_ST_HEAD : BC_ST_HELLO;
            break;

        case BC_ST_HEAD:
            n = write(c->fd, bc_head + c->off, bc_head_len - c->off);
            if (n == -1) {
                return (errno == EAGAIN) ? 0 : -1;
            }

            c->off += n;

            if (c->off < bc_head_len) {
                return 0;
            }

            c->state = BC_ST_REPLY;
            break;

        case BC_ST_REPLY:
            n = read(c->fd, c->reply + c->got, sizeof(c->reply) - 1 - c->got);
            if (n == -1) {
                return (errno == EAGAIN) ? 0 : -1;
            }

            if (n == 0) {
                return -1;
            }

            c->got += n;
            c->reply[c->got] = '\0';

            end = strstr(c->reply, "\r\n\r\n");
            if (end == NULL) {
                if (c->got == sizeof(c->reply) - 1) {
                    return -1;
                }

                return 0;
            }

            if (strncmp(c->reply + 8, " 200", 4) != 0
                || end + 4 != c->reply + c->got)
            {
                return -1;
            }

            c->state = BC_ST_HELLO;
            c->off = 0;
            break;

        case BC_ST_HELLO:
            n = write(c->fd, bc_hello + c->off, bc_hello_len - c->off);
            if (n == -1) {
                return (errno == EAGAIN) ? 0 : -1;
            }

            c->off += n;

            if (c->off < bc_hello_len) {
                return 0;
            }

            if (bc_no_echo) {
                c->state = BC_ST_DONE;
                return 1;
            }

            c->state = BC_ST_ECHO;
            c->got = 0;
            break;

        case BC_ST_ECHO:
            n = read(c->fd, bc_io, sizeof(bc_io));
            if (n == -1) {
                return (errno == EAGAIN) ? 0 : -1;
            }

            if (n == 0) {
                return -1;
            }

            c->got += n;

            if (c->got < bc_hello_len) {
                return 0;
            }

            c->state = BC_ST_DONE;
            return 1;

        default:
            return 0;
        }
    }
}


static int
bc_rate(unsigned inflight, double seconds)
{
    int                  i, n, rc;
    uint64_t             start, stop, done;
    unsigned             k;
    bc_conn_t           *conns, *c;
    struct epoll_event   evs[256];

    conns = calloc(inflight, sizeof(bc_conn_t));
    if (conns == NULL) {
        return -1;
    }

    for (k = 0; k < inflight; k++) {
        conns[k].fd = -1;
        if (bc_open(&conns[k]) != 0) {
            bc_errors++;
        }
    }

    done = 0;
    start = bc_now();
    stop = start + (uint64_t) (seconds * 1e9);

    while (bc_now() < stop) {
        n = epoll_wait(bc_ep, evs, 256, 100);

        for (i = 0; i < n; i++) {
            c = evs[i].data.ptr;
            rc = bc_step(c);

            if (rc == 0) {
                continue;
            }

            if (rc == 1) {
                done++;

            } else {
                bc_errors++;
            }

            bc_close(c);

            if (bc_open(c) != 0) {
                bc_errors++;
            }
        }
    }

    printf("{\"mode\":\"rate\",\"tunnels\":%llu,\"seconds\":%.3f,"
           "\"per_second\":%.1f,\"errors\":%llu}\n",
           (unsigned long long) done, (bc_now() - start) / 1e9,
           done / ((bc_now() - start) / 1e9),
           (unsigned long long) bc_errors);

    return 0;
}


/* opens count tunnels, at most 64 at a time; 0 when all are established */

static int
bc_establish(bc_conn_t *conns, unsigned count, double seconds)
{
    int                  i, n, rc;
    uint64_t             stop;
    unsigned             next, ready, pending;
    bc_conn_t           *c;
    struct epoll_event   evs[256];

    next = 0;
    ready = 0;
    pending = 0;
    stop = bc_now() + (uint64_t) (seconds * 1e9);

    while (ready < count) {
        while (pending < 64 && next < count) {
            conns[next].fd = -1;
            if (bc_open(&conns[next]) != 0) {
                return -1;
            }

            next++;
            pending++;
        }

        if (bc_now() > stop) {
            return -1;
        }

        n = epoll_wait(bc_ep, evs, 256, 100);

        for (i = 0; i < n; i++) {
            c = evs[i].data.ptr;

            if (c->state == BC_ST_DONE) {
                continue;
            }

            rc = bc_step(c);

            if (rc < 0) {
                return -1;
            }

            if (rc == 1) {
                (void) epoll_ctl(bc_ep, EPOLL_CTL_DEL, c->fd, NULL);
                ready++;
                pending--;
            }
        }
    }

    return 0;
}


static int
bc_bulk(double seconds)
{
    ssize_t     n;
    uint64_t        start, stop, bytes;
    bc_conn_t       c;
    struct pollfd   pfd;

    bc_no_echo = 1;

    if (bc_establish(&c, 1, 10) != 0) {
        return -1;
    }

    memset(bc_io, 'x', sizeof(bc_io));
    bytes = 0;
    start = bc_now();
    stop = start + (uint64_t) (seconds * 1e9);

    while (bc_now() < stop) {
        n = write(c.fd, bc_io, sizeof(bc_io));

        if (n > 0) {
            bytes += n;
            continue;
        }

        if (n == -1 && errno != EAGAIN) {
            return -1;
        }

        pfd.fd = c.fd;
        pfd.events = POLLOUT;
        (void) poll(&pfd, 1, 100);
    }

    printf("{\"mode\":\"bulk\",\"bytes\":%llu,\"seconds\":%.3f,"
           "\"mb_per_second\":%.1f}\n", (unsigned long long) bytes,
           (bc_now() - start) / 1e9,
           bytes / 1e6 / ((bc_now() - start) / 1e9));

    bc_close(&c);

    return 0;
}


static int
bc_hold(unsigned count)
{
    char        buf[64];
    bc_conn_t  *conns;

    conns = calloc(count, sizeof(bc_conn_t));
    if (conns == NULL) {
        return -1;
    }

    if (bc_establish(conns, count, 60) != 0) {
        return -1;
    }

    printf("{\"mode\":\"hold\",\"ready\":%u}\n", count);
    fflush(stdout);

    while (read(0, buf, sizeof(buf)) > 0) {
        /* void */
    }

    return 0;
}


int
main(int argc, char **argv)
{
    int            opt, n;
    double         seconds;
    unsigned       inflight, count;
    const char    *mode, *name;
    struct rlimit  rl;

    if (argc < 3) {
        fprintf(stderr, "usage: bench-connect rate|bulk|hold PORT "
                "[-c N] [-d S] [-N N] [-t TARGET] -n NAME\n");
        return 2;
    }

    mode = argv[1];
    bc_port = (int) strtol(argv[2], NULL, 10);
    inflight = 32;
    count = 1000;
    seconds = 5;
    name = NULL;
    optind = 3;

    while ((opt = getopt(argc, argv, "c:d:N:t:n:")) != -1) {
        switch (opt) {
        case 'c':
            inflight = (unsigned) strtoul(optarg, NULL, 10);
            break;
        case 'd':
            seconds = strtod(optarg, NULL);
            break;
        case 'N':
            count = (unsigned) strtoul(optarg, NULL, 10);
            break;
        case 't':
            bc_target = optarg;
            break;
        case 'n':
            name = optarg;
            break;
        default:
            return 2;
        }
    }

    if (name == NULL || bc_port <= 0 || inflight == 0
        || inflight > BC_MAX_CONNS || count == 0 || count > BC_MAX_CONNS
        || seconds <= 0 || seconds > 600)
    {
        fprintf(stderr, "bench-connect: bad arguments\n");
        return 2;
    }

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        (void) setrlimit(RLIMIT_NOFILE, &rl);
    }

    if (bc_target) {
        n = snprintf(bc_head, sizeof(bc_head),
                     "CONNECT %s HTTP/1.1\r\nHost: %s\r\n"
                     "User-Agent: bench-connect\r\n"
                     "Proxy-Connection: keep-alive\r\n\r\n",
                     bc_target, bc_target);
        if (n < 0 || (size_t) n >= sizeof(bc_head)) {
            return 2;
        }

        bc_head_len = (size_t) n;
    }

    bc_hello_len = tls_hello_build(bc_hello, sizeof(bc_hello), name,
                                   strlen(name), TLS_HELLO_CLASSIC, NULL);
    if (bc_hello_len == 0) {
        return 2;
    }

    bc_ep = epoll_create1(0);
    if (bc_ep == -1) {
        return 1;
    }

    if (strcmp(mode, "rate") == 0) {
        n = bc_rate(inflight, seconds);

    } else if (strcmp(mode, "bulk") == 0) {
        n = bc_bulk(seconds);

    } else if (strcmp(mode, "hold") == 0) {
        n = bc_hold(count);

    } else {
        return 2;
    }

    if (n != 0) {
        fprintf(stderr, "bench-connect: %s failed (%llu errors)\n", mode,
                (unsigned long long) bc_errors);
        return 1;
    }

    return 0;
}
