/*
 * Copyright (C) cclink authors
 *
 * bench-load: the load generator of the benchmarks. Every connection
 * starts the way a TLS client does: a real-format ClientHello record with
 * a server name (optionally the post-quantum size, optionally written in
 * several pieces so that it spans TCP segments), then raw payload. The
 * backends (bench-backend) do not speak TLS: they discard or echo bytes.
 *
 *   bench-load bulk   ...   N streams writing as fast as they can
 *   bench-load rate   ...   connect, ClientHello, echoed bytes back, close
 *   bench-load ping   ...   small ping-pong on established connections
 *   bench-load hold   ...   N idle connections, then 64 KiB each way,
 *                           step by step on lines read from stdin
 *   bench-load churn  ...   long-lived pingers and new connections until
 *                           stdin closes; counts broken connections
 *   bench-load probe  ...   tries one name until it answers; prints when
 *   bench-load hello  ...   writes the ClientHello to stdout
 *
 * Results are one JSON object per line on stdout. epoll, nonblocking,
 * one event loop per thread. Every run is bounded by --max-time.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
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


#define BENCH_MODE_BULK     1
#define BENCH_MODE_RATE     2
#define BENCH_MODE_PING     3
#define BENCH_MODE_HOLD     4
#define BENCH_MODE_CHURN    5
#define BENCH_MODE_PROBE    6
#define BENCH_MODE_HELLO    7

/* connection states */
#define BENCH_ST_FREE       0
#define BENCH_ST_CONNECT    1
#define BENCH_ST_HELLO      2   /* writing the ClientHello */
#define BENCH_ST_GAP        3   /* between two pieces of it */
#define BENCH_ST_BACK       4   /* reading the echoed ClientHello */
#define BENCH_ST_BULK       5
#define BENCH_ST_PING       6
#define BENCH_ST_THINK      7   /* between two pings, or two connections */
#define BENCH_ST_IDLE       8
#define BENCH_ST_XFER       9

/* why a connection failed */
#define BENCH_FAIL_CONNECT  0
#define BENCH_FAIL_CLOSED   1
#define BENCH_FAIL_RESET    2
#define BENCH_FAIL_TIMEOUT  3
#define BENCH_FAIL_N        4

#define BENCH_IOBUF         65536
#define BENCH_MAX_THREADS   64
#define BENCH_NAME_DIGITS   6
#define BENCH_OP_TIMEOUT    5000000000ULL     /* 5 s in ns */
#define BENCH_MAX_SAMPLES   (1 << 20)


typedef struct bench_thread_s  bench_thread_t;
typedef struct bench_conn_s    bench_conn_t;


struct bench_conn_s {
    int              fd;
    int              state;
    uint32_t         events;
    bench_thread_t  *thr;
    uint32_t         name;          /* index of the server name */
    size_t           off;           /* ClientHello bytes written */
    unsigned         piece;         /* pieces of it written */
    size_t           back;          /* echoed bytes read */
    size_t           out;           /* payload bytes written */
    size_t           in;            /* payload bytes read */
    uint64_t         rounds;        /* ping-pongs done */
    uint64_t         t_start;
    uint64_t         t_op;
    uint64_t         due;           /* timer */
    bench_conn_t    *tnext;
    unsigned         timed:1;
    unsigned         persistent:1;
    unsigned         first:1;       /* first byte back seen */
};


struct bench_thread_s {
    pthread_t        tid;
    unsigned         id;
    int              ep;
    bench_conn_t    *conns;
    unsigned         nconns;
    unsigned         active;        /* connections in use */
    unsigned         starting;      /* connections not yet established */
    unsigned         wanted;        /* hold: connections still to open */
    unsigned         finished;      /* ping: connections done */
    bench_conn_t    *timers;        /* sorted by due */
    uint32_t         rnd;
    uint64_t         last_sweep;

    unsigned char    hello[TLS_HELLO_MAX];
    size_t           hello_len;
    size_t           name_off;
    unsigned char    io[BENCH_IOBUF];

    /* results, read by the main thread while running */
    uint64_t         bytes;
    uint64_t         done;
    uint64_t         failed;
    uint64_t         fails[BENCH_FAIL_N];
    uint64_t         broken;        /* churn: persistent connections */
    uint64_t         idle;          /* hold: connections in a phase */
    uint64_t         nfail_logged;

    uint32_t        *lat;           /* samples in ns / 16 */
    size_t           nlat;
    size_t           lat_cap;
};


typedef struct {
    int              mode;
    struct sockaddr_in  addr;
    char             name[TLS_HELLO_NAME_MAX + 1];
    size_t           name_len;
    long             hash_at;       /* where '#' was in the name, or -1 */
    uint32_t         nnames;
    int              kind;
    unsigned         split;
    uint64_t         gap_ns;
    unsigned         conns;
    unsigned         threads;
    double           duration;
    double           warmup;
    uint64_t         rounds;
    uint64_t         warm_rounds;
    size_t           msg;
    size_t           payload;
    uint64_t         think_ns;
    unsigned         persistent;
    int              spread;
    int              rst;           /* rate: close with RST (SO_LINGER 0) */
    double           max_time;
    uint64_t         t0;
    double           timeout;
    int              expect;        /* probe: 1 answered, 0 refused */
} bench_conf_t;


static void bench_usage(void);
static int bench_parse(bench_conf_t *cf, int argc, char **argv);
static int bench_num(const char *s, double lo, double hi, double *v);
static int bench_uint(const char *s, unsigned long lo, unsigned long hi,
    unsigned long *v);
static uint64_t bench_now(void);
static void bench_sleep_ns(uint64_t ns);
static void bench_alarm(int signo);
static void bench_raise_nofile(void);
static uint32_t bench_rand(uint32_t *s);
static void bench_patch_name(bench_thread_t *t, uint32_t idx);
static int bench_thread_init(bench_thread_t *t, unsigned id, unsigned n);
static void *bench_thread_run(void *arg);
static void bench_loop(bench_thread_t *t);
static int bench_timeout(bench_thread_t *t, int cap_ms);
static int bench_wait(bench_thread_t *t, int timeout,
    void (*on_stdin)(void));
static void bench_due(bench_thread_t *t);
static void bench_stdin_stop(void);
static void bench_stdin_eof(void);
static int bench_start_conn(bench_thread_t *t, bench_conn_t *c);
static void bench_want(bench_conn_t *c, uint32_t events);
static void bench_event(bench_conn_t *c, uint32_t events);
static void bench_write(bench_conn_t *c);
static void bench_read(bench_conn_t *c);
static void bench_hello_sent(bench_conn_t *c);
static void bench_back_done(bench_conn_t *c);
static void bench_ping_send(bench_conn_t *c);
static void bench_fail(bench_conn_t *c, int why, const char *what, int err);
static void bench_close(bench_conn_t *c);
static void bench_linger0(int fd);
static void bench_after_close(bench_conn_t *c, int ok);
static void bench_timer_add(bench_conn_t *c, uint64_t delay);
static void bench_timer_del(bench_conn_t *c);
static void bench_timer_fire(bench_conn_t *c);
static void bench_sweep(bench_thread_t *t, uint64_t now);
static void bench_sample(bench_thread_t *t, uint64_t ns);
static int bench_cmp_u32(const void *a, const void *b);
static void bench_print_lat(const char *key, uint32_t *v, size_t n);
static void bench_print_fails(uint64_t *fails);
static int bench_run_threads(void);
static int bench_run_hold(void);
static int bench_run_churn(void);
static int bench_run_probe(void);
static int bench_stdin_line(int *eof);


static bench_conf_t      bench_conf;
static bench_thread_t   *bench_threads;
static volatile int      bench_stop;
static unsigned char     bench_payload[BENCH_IOBUF];


static const char  *bench_fail_names[BENCH_FAIL_N] = {
    "connect", "closed", "reset", "timeout"
};


int
main(int argc, char **argv)
{
    int  rc;

    if (bench_parse(&bench_conf, argc, argv) != 0) {
        return 2;
    }

    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, bench_alarm);
    alarm((unsigned) bench_conf.max_time + 1);

    bench_raise_nofile();
    memset(bench_payload, 'x', sizeof(bench_payload));

    switch (bench_conf.mode) {

    case BENCH_MODE_HELLO:
        {
            bench_thread_t  *t;

            t = calloc(1, sizeof(bench_thread_t));
            if (t == NULL || bench_thread_init(t, 0, 0) != 0) {
                return 1;
            }

            bench_patch_name(t, 0);

            rc = fwrite(t->hello, 1, t->hello_len, stdout) == t->hello_len
                 ? 0 : 1;
            free(t);

            return rc;
        }

    case BENCH_MODE_PROBE:
        rc = bench_run_probe();
        break;

    case BENCH_MODE_HOLD:
        rc = bench_run_hold();
        break;

    case BENCH_MODE_CHURN:
        rc = bench_run_churn();
        break;

    default:
        rc = bench_run_threads();
        break;
    }

    fflush(stdout);

    return rc;
}


static void
bench_usage(void)
{
    fprintf(stderr,
        "usage: bench-load MODE -p PORT -s NAME [options]\n"
        "modes: bulk rate ping hold churn probe hello\n"
        "  -H ADDR      IPv4 address to connect to (127.0.0.1)\n"
        "  -p PORT      port\n"
        "  -s NAME      server name; a '#' in it is replaced by a\n"
        "               %d-digit index below -N, random per connection\n"
        "  -N COUNT     how many names '#' stands for (1)\n"
        "  -k KIND      classic | pq (ClientHello size)\n"
        "  -x PIECES    write the ClientHello in PIECES writes (1)\n"
        "  -g USEC      pause between the pieces (200)\n"
        "  -c CONNS     connections (rate, ping, hold, churn)\n"
        "  -n STREAMS   streams (bulk)\n"
        "  -t THREADS   threads (bulk, rate, ping) (1)\n"
        "  -d SECONDS   measured time (bulk, rate), timeout (probe)\n"
        "  -w SECONDS   warm-up before measuring (0.5)\n"
        "  -r ROUNDS    round trips per connection (ping)\n"
        "  -m BYTES     message size (ping, churn) (64)\n"
        "  -b BYTES     payload each way (hold) (65536)\n"
        "  -P CONNS     long-lived pingers (churn)\n"
        "  -i USEC      pause between operations of a connection (churn)\n"
        "  -S           spread source addresses over 127.1.0.0/16\n"
        "  -R           rate: close each connection with an RST\n"
        "  -T NS        probe: CLOCK_MONOTONIC time to measure from\n"
        "  -e refused   probe: expect the name to be refused instead\n"
        "  -M SECONDS   hard limit on the run time (120)\n",
        BENCH_NAME_DIGITS);
}


static int
bench_parse(bench_conf_t *cf, int argc, char **argv)
{
    int             i;
    char           *p, *arg;
    double          d;
    unsigned long   u;
    const char     *mode;

    memset(cf, 0, sizeof(*cf));

    cf->addr.sin_family = AF_INET;
    cf->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cf->hash_at = -1;
    cf->nnames = 1;
    cf->kind = TLS_HELLO_CLASSIC;
    cf->split = 1;
    cf->gap_ns = 200000;
    cf->conns = 1;
    cf->threads = 1;
    cf->duration = 2;
    cf->warmup = 0.5;
    cf->rounds = 1000;
    cf->msg = 64;
    cf->payload = 65536;
    cf->max_time = 120;
    cf->timeout = 5;
    cf->expect = 1;

    if (argc < 2) {
        bench_usage();
        return -1;
    }

    mode = argv[1];

    if (strcmp(mode, "bulk") == 0) {
        cf->mode = BENCH_MODE_BULK;
    } else if (strcmp(mode, "rate") == 0) {
        cf->mode = BENCH_MODE_RATE;
    } else if (strcmp(mode, "ping") == 0) {
        cf->mode = BENCH_MODE_PING;
    } else if (strcmp(mode, "hold") == 0) {
        cf->mode = BENCH_MODE_HOLD;
    } else if (strcmp(mode, "churn") == 0) {
        cf->mode = BENCH_MODE_CHURN;
    } else if (strcmp(mode, "probe") == 0) {
        cf->mode = BENCH_MODE_PROBE;
    } else if (strcmp(mode, "hello") == 0) {
        cf->mode = BENCH_MODE_HELLO;
    } else {
        fprintf(stderr, "bench-load: unknown mode \"%s\"\n", mode);
        bench_usage();
        return -1;
    }

    for (i = 2; i < argc; i++) {
        p = argv[i];

        if (p[0] != '-' || p[1] == '\0' || p[2] != '\0') {
            fprintf(stderr, "bench-load: unknown argument \"%s\"\n", p);
            return -1;
        }

        if (p[1] == 'S') {
            cf->spread = 1;
            continue;
        }

        if (p[1] == 'R') {
            cf->rst = 1;
            continue;
        }

        if (i + 1 >= argc) {
            fprintf(stderr, "bench-load: \"%s\" needs a value\n", p);
            return -1;
        }

        arg = argv[++i];

        switch (p[1]) {

        case 'H':
            if (inet_pton(AF_INET, arg, &cf->addr.sin_addr) != 1) {
                fprintf(stderr, "bench-load: bad address \"%s\"\n", arg);
                return -1;
            }
            break;

        case 'p':
            if (bench_uint(arg, 1, 65535, &u) != 0) {
                goto bad;
            }
            cf->addr.sin_port = htons((uint16_t) u);
            break;

        case 's':
            cf->name_len = strlen(arg);

            if (cf->name_len == 0 || cf->name_len > 200) {
                goto bad;
            }

            memcpy(cf->name, arg, cf->name_len + 1);
            p = strchr(cf->name, '#');
            cf->hash_at = p ? p - cf->name : -1;
            break;

        case 'N':
            if (bench_uint(arg, 1, 1000000, &u) != 0) {
                goto bad;
            }
            cf->nnames = (uint32_t) u;
            break;

        case 'k':
            if (strcmp(arg, "classic") == 0) {
                cf->kind = TLS_HELLO_CLASSIC;
            } else if (strcmp(arg, "pq") == 0) {
                cf->kind = TLS_HELLO_PQ;
            } else {
                goto bad;
            }
            break;

        case 'x':
            if (bench_uint(arg, 1, 16, &u) != 0) {
                goto bad;
            }
            cf->split = (unsigned) u;
            break;

        case 'g':
            if (bench_uint(arg, 0, 1000000, &u) != 0) {
                goto bad;
            }
            cf->gap_ns = (uint64_t) u * 1000;
            break;

        case 'c':
            if (bench_uint(arg, 1, 200000, &u) != 0) {
                goto bad;
            }
            cf->conns = (unsigned) u;
            break;

        case 'n':
            if (bench_uint(arg, 1, 4096, &u) != 0) {
                goto bad;
            }
            cf->conns = (unsigned) u;
            break;

        case 't':
            if (bench_uint(arg, 1, BENCH_MAX_THREADS, &u) != 0) {
                goto bad;
            }
            cf->threads = (unsigned) u;
            break;

        case 'd':
            if (bench_num(arg, 0.01, 3600, &d) != 0) {
                goto bad;
            }
            cf->duration = d;
            cf->timeout = d;
            break;

        case 'w':
            if (bench_num(arg, 0, 600, &d) != 0) {
                goto bad;
            }
            cf->warmup = d;
            break;

        case 'r':
            if (bench_uint(arg, 1, 100000000, &u) != 0) {
                goto bad;
            }
            cf->rounds = u;
            break;

        case 'm':
            if (bench_uint(arg, 1, BENCH_IOBUF, &u) != 0) {
                goto bad;
            }
            cf->msg = u;
            break;

        case 'b':
            if (bench_uint(arg, 1, 1UL << 30, &u) != 0) {
                goto bad;
            }
            cf->payload = u;
            break;

        case 'P':
            if (bench_uint(arg, 0, 100000, &u) != 0) {
                goto bad;
            }
            cf->persistent = (unsigned) u;
            break;

        case 'i':
            if (bench_uint(arg, 0, 10000000, &u) != 0) {
                goto bad;
            }
            cf->think_ns = (uint64_t) u * 1000;
            break;

        case 'T':
            errno = 0;
            cf->t0 = strtoull(arg, &p, 10);
            if (errno || *p != '\0' || p == arg) {
                goto bad;
            }
            break;

        case 'e':
            if (strcmp(arg, "refused") == 0) {
                cf->expect = 0;
            } else if (strcmp(arg, "answered") == 0) {
                cf->expect = 1;
            } else {
                goto bad;
            }
            break;

        case 'M':
            if (bench_num(arg, 1, 86400, &d) != 0) {
                goto bad;
            }
            cf->max_time = d;
            break;

        default:
            fprintf(stderr, "bench-load: unknown option \"%s\"\n", p);
            return -1;
        }

        continue;

    bad:

        fprintf(stderr, "bench-load: bad value \"%s\" for \"%s\"\n", arg, p);
        return -1;
    }

    if (cf->name_len == 0) {
        fprintf(stderr, "bench-load: a server name (-s) is needed\n");
        return -1;
    }

    if (cf->mode != BENCH_MODE_HELLO && cf->addr.sin_port == 0) {
        fprintf(stderr, "bench-load: a port (-p) is needed\n");
        return -1;
    }

    if (cf->hash_at >= 0) {
        /* the index takes the place of '#' */
        if (cf->name_len + BENCH_NAME_DIGITS - 1 > TLS_HELLO_NAME_MAX) {
            fprintf(stderr, "bench-load: name too long\n");
            return -1;
        }
    }

    if (cf->mode == BENCH_MODE_PING) {
        cf->warm_rounds = cf->rounds / 10;
    }

    if (cf->threads > cf->conns && cf->mode != BENCH_MODE_BULK) {
        cf->threads = cf->conns;
    }

    if (cf->mode == BENCH_MODE_BULK && cf->threads > cf->conns) {
        cf->threads = cf->conns;
    }

    return 0;
}


static int
bench_num(const char *s, double lo, double hi, double *v)
{
    char    *end;
    double   d;

    errno = 0;
    d = strtod(s, &end);

    if (errno || end == s || *end != '\0' || d < lo || d > hi) {
        return -1;
    }

    *v = d;

    return 0;
}


static int
bench_uint(const char *s, unsigned long lo, unsigned long hi,
    unsigned long *v)
{
    char           *end;
    unsigned long   u;

    if (*s < '0' || *s > '9') {
        return -1;
    }

    errno = 0;
    u = strtoul(s, &end, 10);

    if (errno || *end != '\0' || u < lo || u > hi) {
        return -1;
    }

    *v = u;

    return 0;
}


static uint64_t
bench_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}


static void
bench_sleep_ns(uint64_t ns)
{
    struct timespec  ts;

    ts.tv_sec = ns / 1000000000ULL;
    ts.tv_nsec = ns % 1000000000ULL;

    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
        /* the rest of the time is in ts */
    }
}


static void
bench_alarm(int signo)
{
    static const char  msg[] = "bench-load: hard time limit reached\n";

    (void) signo;

    if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
        /* nothing to do */
    }

    _exit(3);
}


static void
bench_raise_nofile(void)
{
    struct rlimit  rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        return;
    }

    /* as root the hard limit may be raised too */

    if (rl.rlim_max < 262144) {
        struct rlimit  big;

        big.rlim_cur = 262144;
        big.rlim_max = 262144;

        if (setrlimit(RLIMIT_NOFILE, &big) == 0) {
            return;
        }
    }

    rl.rlim_cur = rl.rlim_max;
    (void) setrlimit(RLIMIT_NOFILE, &rl);
}


static uint32_t
bench_rand(uint32_t *s)
{
    uint32_t  x;

    x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;

    return x;
}


/* writes the index of a name into the ClientHello in place */

static void
bench_patch_name(bench_thread_t *t, uint32_t idx)
{
    int             i;
    unsigned char  *p;

    if (bench_conf.hash_at < 0) {
        return;
    }

    p = t->hello + t->name_off + bench_conf.hash_at;

    for (i = BENCH_NAME_DIGITS - 1; i >= 0; i--) {
        p[i] = (unsigned char) ('0' + idx % 10);
        idx /= 10;
    }
}


static int
bench_thread_init(bench_thread_t *t, unsigned id, unsigned n)
{
    char    name[TLS_HELLO_NAME_MAX + 1];
    size_t  len, tail;

    t->id = id;
    t->rnd = 0x2545f491u ^ (id * 0x9e3779b9u) ^ (uint32_t) getpid();
    if (t->rnd == 0) {
        t->rnd = 1;
    }

    /* the name with '#' expanded to digits, patched per connection */

    if (bench_conf.hash_at >= 0) {
        len = (size_t) bench_conf.hash_at;
        tail = bench_conf.name_len - len - 1;
        memcpy(name, bench_conf.name, len);
        memset(name + len, '0', BENCH_NAME_DIGITS);
        memcpy(name + len + BENCH_NAME_DIGITS, bench_conf.name + len + 1,
               tail);
        len += BENCH_NAME_DIGITS + tail;

    } else {
        len = bench_conf.name_len;
        memcpy(name, bench_conf.name, len);
    }

    t->hello_len = tls_hello_build(t->hello, sizeof(t->hello), name, len,
                                   bench_conf.kind, &t->name_off);
    if (t->hello_len == 0) {
        fprintf(stderr, "bench-load: cannot build a ClientHello\n");
        return -1;
    }

    if (n == 0) {
        return 0;
    }

    t->conns = calloc(n, sizeof(bench_conn_t));
    if (t->conns == NULL) {
        fprintf(stderr, "bench-load: out of memory\n");
        return -1;
    }

    t->nconns = n;

    t->ep = epoll_create1(EPOLL_CLOEXEC);
    if (t->ep == -1) {
        perror("bench-load: epoll_create1");
        return -1;
    }

    if (bench_conf.mode == BENCH_MODE_PING
        || bench_conf.mode == BENCH_MODE_RATE)
    {
        t->lat_cap = BENCH_MAX_SAMPLES;
        t->lat = malloc(t->lat_cap * sizeof(uint32_t));
        if (t->lat == NULL) {
            fprintf(stderr, "bench-load: out of memory\n");
            return -1;
        }
    }

    return 0;
}


static void *
bench_thread_run(void *arg)
{
    unsigned         i;
    bench_thread_t  *t = arg;

    for (i = 0; i < t->nconns; i++) {
        if (bench_start_conn(t, &t->conns[i]) != 0) {
            break;
        }
    }

    bench_loop(t);

    return NULL;
}


/* one event loop; returns when bench_stop is set */

static void
bench_loop(bench_thread_t *t)
{
    int  n;

    while (!bench_stop) {
        n = bench_wait(t, bench_timeout(t, 50), bench_stdin_stop);

        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }

            perror("bench-load: epoll_wait");
            bench_stop = 1;
            break;
        }

        bench_due(t);

        if (bench_conf.mode == BENCH_MODE_PING && t->finished == t->nconns) {
            break;
        }

        if (bench_stop == 2) {
            break;
        }
    }
}


/* how long to wait for events: cap_ms, less when a timer is due sooner */

static int
bench_timeout(bench_thread_t *t, int cap_ms)
{
    uint64_t  now;

    now = bench_now();

    if (t->timers) {
        if (t->timers->due <= now) {
            return 0;
        }

        if (t->timers->due - now < (uint64_t) cap_ms * 1000000ULL) {
            return (int) ((t->timers->due - now + 999999) / 1000000);
        }
    }

    return cap_ms;
}


/*
 * Waits at most timeout ms and hands each event to its connection; stdin
 * (registered with a NULL pointer) goes to on_stdin, NULL: ignored.
 * Returns what epoll_wait() returned.
 */

static int
bench_wait(bench_thread_t *t, int timeout, void (*on_stdin)(void))
{
    int                  i, n;
    bench_conn_t        *c;
    struct epoll_event   ev[256];

    n = epoll_wait(t->ep, ev, 256, timeout);

    for (i = 0; i < n; i++) {
        if (ev[i].data.ptr == NULL) {
            if (on_stdin != NULL) {
                on_stdin();
            }

            continue;
        }

        c = ev[i].data.ptr;
        bench_event(c, ev[i].events);
    }

    return n;
}


/* fires the timers that are due, and sweeps every 100 ms */

static void
bench_due(bench_thread_t *t)
{
    uint64_t       now;
    bench_conn_t  *c;

    now = bench_now();

    while (t->timers && t->timers->due <= now) {
        c = t->timers;
        bench_timer_del(c);
        bench_timer_fire(c);
    }

    if (now - t->last_sweep > 100000000ULL) {
        t->last_sweep = now;
        bench_sweep(t, now);
    }
}


/* stdin readable in the threads' loop: the run ends */

static void
bench_stdin_stop(void)
{
    bench_stop = 2;
}


/* stdin readable in churn: its end ends the run */

static void
bench_stdin_eof(void)
{
    char     buf[256];
    ssize_t  r;

    r = read(STDIN_FILENO, buf, sizeof(buf));
    if (r <= 0) {
        bench_stop = 1;
    }
}


static int
bench_start_conn(bench_thread_t *t, bench_conn_t *c)
{
    int                  fd, one, rc;
    uint32_t             r;
    unsigned             persistent;
    struct sockaddr_in   src;
    struct epoll_event   ev;

    persistent = c->persistent;
    memset(c, 0, sizeof(bench_conn_t));
    c->thr = t;
    c->fd = -1;
    c->persistent = persistent;

    if (bench_stop) {
        return -1;
    }

    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        bench_fail(c, BENCH_FAIL_CONNECT, "socket", errno);
        return -1;
    }

    one = 1;
    (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    if (bench_conf.spread) {
        /* more source addresses, so that ports never run out */
        (void) setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
                          sizeof(one));

        r = bench_rand(&t->rnd);
        memset(&src, 0, sizeof(src));
        src.sin_family = AF_INET;
        src.sin_addr.s_addr = htonl(0x7f010000u
                                    | ((1 + (r >> 8) % 254) << 8)
                                    | (1 + r % 254));

        if (bind(fd, (struct sockaddr *) &src, sizeof(src)) == -1) {
            close(fd);
            bench_fail(c, BENCH_FAIL_CONNECT, "bind", errno);
            return -1;
        }
    }

    c->fd = fd;
    c->name = bench_conf.nnames > 1
              ? bench_rand(&t->rnd) % bench_conf.nnames : 0;
    c->t_start = bench_now();
    c->t_op = c->t_start;
    c->state = BENCH_ST_CONNECT;
    c->events = EPOLLOUT;

    ev.events = c->events;
    ev.data.ptr = c;

    if (epoll_ctl(t->ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
        perror("bench-load: epoll_ctl");
        close(fd);
        c->fd = -1;
        return -1;
    }

    t->active++;
    t->starting++;

    rc = connect(fd, (struct sockaddr *) &bench_conf.addr,
                 sizeof(bench_conf.addr));

    if (rc == -1 && errno != EINPROGRESS) {
        bench_fail(c, BENCH_FAIL_CONNECT, "connect", errno);
        return 0;
    }

    return 0;
}


static void
bench_want(bench_conn_t *c, uint32_t events)
{
    struct epoll_event  ev;

    if (c->fd == -1 || c->events == events) {
        return;
    }

    c->events = events;
    ev.events = events;
    ev.data.ptr = c;

    if (epoll_ctl(c->thr->ep, EPOLL_CTL_MOD, c->fd, &ev) == -1) {
        perror("bench-load: epoll_ctl");
    }
}


static void
bench_event(bench_conn_t *c, uint32_t events)
{
    int        err;
    socklen_t  len;

    if (c->state == BENCH_ST_FREE || c->fd == -1) {
        return;
    }

    if (c->state == BENCH_ST_CONNECT) {
        err = 0;
        len = sizeof(err);

        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1) {
            err = errno;
        }

        if (err) {
            bench_fail(c, BENCH_FAIL_CONNECT, "connect", err);
            return;
        }

        c->state = BENCH_ST_HELLO;
        bench_want(c, EPOLLOUT);
        bench_write(c);
        return;
    }

    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        bench_read(c);
    }

    if (c->fd != -1 && (events & EPOLLOUT)) {
        bench_write(c);
    }
}


static void
bench_write(bench_conn_t *c)
{
    size_t           end, len, n;
    ssize_t          w;
    bench_thread_t  *t;

    t = c->thr;

    switch (c->state) {

    case BENCH_ST_HELLO:
        /* the pieces' ends; two pieces split where a 1448-byte MSS would */
        if (bench_conf.split == 1) {
            end = t->hello_len;

        } else if (bench_conf.split == 2 && t->hello_len > 1448) {
            end = (c->piece == 0) ? 1448 : t->hello_len;

        } else {
            end = t->hello_len * (c->piece + 1) / bench_conf.split;
        }

        bench_patch_name(t, c->name);

        while (c->off < end) {
            w = send(c->fd, t->hello + c->off, end - c->off, MSG_NOSIGNAL);

            if (w == -1) {
                if (errno == EAGAIN || errno == EINTR) {
                    return;
                }

                bench_fail(c, BENCH_FAIL_RESET, "send", errno);
                return;
            }

            c->off += (size_t) w;
        }

        c->piece++;

        if (c->off < t->hello_len) {
            c->state = BENCH_ST_GAP;
            bench_want(c, EPOLLIN);
            bench_timer_add(c, bench_conf.gap_ns);
            return;
        }

        bench_hello_sent(c);
        return;

    case BENCH_ST_BULK:
        for ( ;; ) {
            w = send(c->fd, bench_payload, sizeof(bench_payload),
                     MSG_NOSIGNAL);

            if (w == -1) {
                if (errno == EAGAIN || errno == EINTR) {
                    return;
                }

                bench_fail(c, BENCH_FAIL_RESET, "send", errno);
                return;
            }

            __atomic_store_n(&t->bytes, t->bytes + (uint64_t) w,
                             __ATOMIC_RELAXED);

            if (bench_stop) {
                return;
            }
        }

    case BENCH_ST_PING:
        while (c->out < bench_conf.msg) {
            w = send(c->fd, bench_payload, bench_conf.msg - c->out,
                     MSG_NOSIGNAL);

            if (w == -1) {
                if (errno == EAGAIN || errno == EINTR) {
                    return;
                }

                bench_fail(c, BENCH_FAIL_RESET, "send", errno);
                return;
            }

            c->out += (size_t) w;
        }

        bench_want(c, EPOLLIN);
        return;

    case BENCH_ST_XFER:
        while (c->out < bench_conf.payload) {
            n = bench_conf.payload - c->out;
            len = n < sizeof(bench_payload) ? n : sizeof(bench_payload);

            w = send(c->fd, bench_payload, len, MSG_NOSIGNAL);

            if (w == -1) {
                if (errno == EAGAIN || errno == EINTR) {
                    return;
                }

                bench_fail(c, BENCH_FAIL_RESET, "send", errno);
                return;
            }

            c->out += (size_t) w;
            c->t_op = bench_now();      /* the timeout counts from progress */
        }

        bench_want(c, EPOLLIN);
        return;

    default:
        bench_want(c, c->events & ~EPOLLOUT);
        return;
    }
}


static void
bench_hello_sent(bench_conn_t *c)
{
    bench_thread_t  *t;

    t = c->thr;
    c->t_op = bench_now();

    if (bench_conf.mode == BENCH_MODE_BULK) {
        t->starting--;
        c->state = BENCH_ST_BULK;
        bench_want(c, EPOLLIN | EPOLLOUT);
        return;
    }

    /* every other mode talks to the echo backend: the hello comes back */

    c->state = BENCH_ST_BACK;
    bench_want(c, EPOLLIN);

    if (c->back >= t->hello_len) {
        c->in = c->back - t->hello_len;
        bench_back_done(c);
    }
}


static void
bench_read(bench_conn_t *c)
{
    size_t           want;
    ssize_t          r;
    uint64_t         now;
    bench_thread_t  *t;

    t = c->thr;

    for ( ;; ) {
        want = sizeof(t->io);
        r = recv(c->fd, t->io, want, 0);

        if (r == 0) {
            bench_fail(c, BENCH_FAIL_CLOSED, "closed", 0);
            return;
        }

        if (r == -1) {
            if (errno == EAGAIN || errno == EINTR) {
                return;
            }

            bench_fail(c, BENCH_FAIL_RESET, "recv", errno);
            return;
        }

        switch (c->state) {

        case BENCH_ST_HELLO:
        case BENCH_ST_GAP:
        case BENCH_ST_BACK:
            if (bench_conf.mode == BENCH_MODE_BULK) {
                break;
            }

            /* the echo of the first pieces may come before the last one */

            if (!c->first) {
                c->first = 1;

                if (bench_conf.mode == BENCH_MODE_RATE) {
                    bench_sample(t, bench_now() - c->t_start);
                }
            }

            c->back += (size_t) r;

            if (c->state == BENCH_ST_BACK && c->back >= t->hello_len) {
                c->in = c->back - t->hello_len;
                bench_back_done(c);

                if (c->fd == -1) {
                    return;
                }
            }

            break;

        case BENCH_ST_PING:
            c->in += (size_t) r;

            if (c->in < bench_conf.msg) {
                break;
            }

            now = bench_now();
            c->rounds++;

            if (bench_conf.mode == BENCH_MODE_PING) {
                if (c->rounds > bench_conf.warm_rounds) {
                    bench_sample(t, now - c->t_op);
                }

                if (c->rounds >= bench_conf.rounds + bench_conf.warm_rounds) {
                    c->state = BENCH_ST_IDLE;
                    t->finished++;
                    bench_want(c, EPOLLIN);
                    break;
                }

                bench_ping_send(c);
                break;
            }

            /* churn */
            __atomic_store_n(&t->bytes, t->bytes + 1, __ATOMIC_RELAXED);
            c->state = BENCH_ST_THINK;
            bench_want(c, EPOLLIN);
            bench_timer_add(c, bench_conf.think_ns);
            break;

        case BENCH_ST_XFER:
            c->in += (size_t) r;
            c->t_op = bench_now();

            if (c->in >= bench_conf.payload && c->out >= bench_conf.payload) {
                c->state = BENCH_ST_IDLE;
                t->idle++;
                t->starting--;
                bench_want(c, EPOLLIN);
            }

            break;

        default:
            /* bulk, idle, gaps: unexpected bytes are dropped */
            break;
        }

        if ((size_t) r < want) {
            return;
        }
    }
}


/* the echoed ClientHello is back: the route works */

static void
bench_back_done(bench_conn_t *c)
{
    bench_thread_t  *t;

    t = c->thr;

    switch (bench_conf.mode) {

    case BENCH_MODE_RATE:
        if (bench_conf.rst) {
            bench_linger0(c->fd);
        }

        bench_close(c);
        __atomic_store_n(&t->done, t->done + 1, __ATOMIC_RELAXED);
        bench_after_close(c, 1);
        return;

    case BENCH_MODE_CHURN:
        if (!c->persistent) {
            bench_close(c);
            __atomic_store_n(&t->done, t->done + 1, __ATOMIC_RELAXED);
            bench_after_close(c, 1);
            return;
        }

        t->starting--;
        bench_ping_send(c);
        return;

    case BENCH_MODE_PING:
        t->starting--;
        bench_ping_send(c);
        return;

    default: /* hold */
        t->starting--;
        t->idle++;
        c->state = BENCH_ST_IDLE;
        bench_want(c, EPOLLIN);
        return;
    }
}


static void
bench_ping_send(bench_conn_t *c)
{
    c->state = BENCH_ST_PING;
    c->out = 0;
    c->in = 0;
    c->t_op = bench_now();
    bench_want(c, EPOLLIN | EPOLLOUT);
    bench_write(c);
}


static void
bench_fail(bench_conn_t *c, int why, const char *what, int err)
{
    bench_thread_t  *t;

    t = c->thr;

    if (bench_stop && why != BENCH_FAIL_CONNECT) {
        /* the run is over: whatever happens now is not counted */
        bench_close(c);
        return;
    }

    if (t->nfail_logged < 5) {
        t->nfail_logged++;
        fprintf(stderr, "bench-load: connection failed in state %d: %s%s%s\n",
                c->state, what, err ? ": " : "", err ? strerror(err) : "");
    }

    t->fails[why]++;
    __atomic_store_n(&t->failed, t->failed + 1, __ATOMIC_RELAXED);

    if (c->persistent && c->state != BENCH_ST_CONNECT
        && c->state != BENCH_ST_HELLO && c->state != BENCH_ST_GAP
        && c->state != BENCH_ST_BACK)
    {
        t->broken++;
    }

    bench_close(c);
    bench_after_close(c, 0);
}


/* the next close() sends an RST, as a client that aborts does */

static void
bench_linger0(int fd)
{
    struct linger  l;

    l.l_onoff = 1;
    l.l_linger = 0;

    (void) setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}


static void
bench_close(bench_conn_t *c)
{
    bench_thread_t  *t;

    t = c->thr;

    if (c->timed) {
        bench_timer_del(c);
    }

    if (c->fd != -1) {
        /* close() removes it from the epoll set */
        close(c->fd);
        c->fd = -1;

        t->active--;

        if (c->state == BENCH_ST_CONNECT || c->state == BENCH_ST_HELLO
            || c->state == BENCH_ST_GAP || c->state == BENCH_ST_BACK
            || c->state == BENCH_ST_XFER)
        {
            t->starting--;
        }

        if (c->state == BENCH_ST_IDLE && bench_conf.mode == BENCH_MODE_HOLD) {
            t->idle--;
        }

        if (c->state == BENCH_ST_IDLE && bench_conf.mode == BENCH_MODE_PING) {
            t->finished--;
        }
    }

    c->state = BENCH_ST_FREE;
}


/* what a slot does once its connection is gone */

static void
bench_after_close(bench_conn_t *c, int ok)
{
    bench_thread_t  *t;

    t = c->thr;

    if (bench_stop) {
        return;
    }

    switch (bench_conf.mode) {

    case BENCH_MODE_RATE:
    case BENCH_MODE_CHURN:
        /*
         * After a failure the slot waits a little, so that an error that
         * connect() reports at once cannot make a busy loop; new churn
         * connections pause between each other anyway.
         */
        if (!ok || (bench_conf.mode == BENCH_MODE_CHURN && !c->persistent
                    && bench_conf.think_ns))
        {
            c->state = BENCH_ST_THINK;
            bench_timer_add(c, ok ? bench_conf.think_ns : 10000000ULL);
            return;
        }

        (void) bench_start_conn(t, c);
        return;

    case BENCH_MODE_PING:
        /* a ping connection that failed is done */
        if (!ok) {
            t->finished++;
            c->state = BENCH_ST_FREE;
        }

        return;

    default:
        return;
    }
}


static void
bench_timer_add(bench_conn_t *c, uint64_t delay)
{
    bench_conn_t   **pp;
    bench_thread_t  *t;

    t = c->thr;

    if (c->timed) {
        bench_timer_del(c);
    }

    c->due = bench_now() + delay;
    c->timed = 1;

    for (pp = &t->timers; *pp && (*pp)->due <= c->due; pp = &(*pp)->tnext) {
        /* find the place: the list is sorted by due */
    }

    c->tnext = *pp;
    *pp = c;
}


static void
bench_timer_del(bench_conn_t *c)
{
    bench_conn_t  **pp;

    for (pp = &c->thr->timers; *pp; pp = &(*pp)->tnext) {
        if (*pp == c) {
            *pp = c->tnext;
            break;
        }
    }

    c->timed = 0;
    c->tnext = NULL;
}


static void
bench_timer_fire(bench_conn_t *c)
{
    switch (c->state) {

    case BENCH_ST_GAP:
        c->state = BENCH_ST_HELLO;
        bench_want(c, EPOLLOUT);
        bench_write(c);
        return;

    case BENCH_ST_THINK:
        if (c->fd == -1) {
            /* a new connection's turn */
            if (!bench_stop) {
                (void) bench_start_conn(c->thr, c);
            }
            return;
        }

        bench_ping_send(c);
        return;

    default:
        return;
    }
}


/*
 * Fails connections stuck while establishing or waiting for an answer.
 * (Times set after "now" was taken are later than it: no subtraction.)
 */

static void
bench_sweep(bench_thread_t *t, uint64_t now)
{
    unsigned       i;
    bench_conn_t  *c;

    for (i = 0; i < t->nconns; i++) {
        c = &t->conns[i];

        if (c->fd == -1) {
            continue;
        }

        switch (c->state) {

        case BENCH_ST_CONNECT:
        case BENCH_ST_HELLO:
        case BENCH_ST_GAP:
        case BENCH_ST_BACK:
            if (now > c->t_start + BENCH_OP_TIMEOUT) {
                bench_fail(c, BENCH_FAIL_TIMEOUT, "timeout", 0);
            }
            break;

        case BENCH_ST_PING:
        case BENCH_ST_XFER:
            if (now > c->t_op + BENCH_OP_TIMEOUT) {
                bench_fail(c, BENCH_FAIL_TIMEOUT, "timeout", 0);
            }
            break;

        default:
            break;
        }
    }
}


static void
bench_sample(bench_thread_t *t, uint64_t ns)
{
    uint64_t  v;

    if (t->nlat >= t->lat_cap) {
        return;
    }

    /* 16 ns units: up to about 68 s */
    v = ns / 16;
    t->lat[t->nlat++] = v > UINT32_MAX ? UINT32_MAX : (uint32_t) v;
}


static int
bench_cmp_u32(const void *a, const void *b)
{
    uint32_t  x, y;

    x = *(const uint32_t *) a;
    y = *(const uint32_t *) b;

    return (x > y) - (x < y);
}


static void
bench_print_lat(const char *key, uint32_t *v, size_t n)
{
    size_t    i;
    double    sum;

    if (n == 0) {
        printf(",\"%s\":null", key);
        return;
    }

    qsort(v, n, sizeof(uint32_t), bench_cmp_u32);

    sum = 0;
    for (i = 0; i < n; i++) {
        sum += v[i];
    }

    /* microseconds */
    printf(",\"%s\":{\"n\":%zu,\"mean\":%.2f,\"p50\":%.2f,\"p90\":%.2f,"
           "\"p99\":%.2f,\"p999\":%.2f,\"max\":%.2f}", key, n,
           sum / n * 16 / 1000,
           v[n / 2] * 16.0 / 1000,
           v[(size_t) (n * 0.90)] * 16.0 / 1000,
           v[(size_t) (n * 0.99)] * 16.0 / 1000,
           v[(size_t) (n * 0.999)] * 16.0 / 1000,
           v[n - 1] * 16.0 / 1000);
}


static void
bench_print_fails(uint64_t *fails)
{
    int  i;

    printf(",\"fail_kinds\":{");

    for (i = 0; i < BENCH_FAIL_N; i++) {
        printf("%s\"%s\":%" PRIu64, i ? "," : "", bench_fail_names[i],
               fails[i]);
    }

    printf("}");
}


/* bulk, rate and ping: worker threads, timed by this one */

static int
bench_run_threads(void)
{
    size_t     nlat, k;
    unsigned   i, n, per, extra;
    uint32_t  *lat;
    uint64_t   t_begin, t_warm, t_end, b0, b1, d0, d1, failed;
    uint64_t   fails[BENCH_FAIL_N];

    n = bench_conf.threads;

    bench_threads = calloc(n, sizeof(bench_thread_t));
    if (bench_threads == NULL) {
        fprintf(stderr, "bench-load: out of memory\n");
        return 1;
    }

    per = bench_conf.conns / n;
    extra = bench_conf.conns % n;

    for (i = 0; i < n; i++) {
        if (bench_thread_init(&bench_threads[i], i, per + (i < extra))
            != 0)
        {
            return 1;
        }
    }

    t_begin = bench_now();

    for (i = 0; i < n; i++) {
        if (pthread_create(&bench_threads[i].tid, NULL, bench_thread_run,
                           &bench_threads[i])
            != 0)
        {
            fprintf(stderr, "bench-load: cannot start a thread\n");
            return 1;
        }
    }

    b0 = b1 = d0 = d1 = 0;
    t_warm = t_end = t_begin;

    if (bench_conf.mode == BENCH_MODE_PING) {
        /* the threads end when every connection has done its rounds */
        for (i = 0; i < n; i++) {
            pthread_join(bench_threads[i].tid, NULL);
        }

        t_end = bench_now();

    } else {
        bench_sleep_ns((uint64_t) (bench_conf.warmup * 1e9));

        t_warm = bench_now();
        for (i = 0; i < n; i++) {
            b0 += __atomic_load_n(&bench_threads[i].bytes, __ATOMIC_RELAXED);
            d0 += __atomic_load_n(&bench_threads[i].done, __ATOMIC_RELAXED);
        }

        /* the harness samples the proxy's CPU time over the window */
        printf("{\"phase\":\"measuring\"}\n");
        fflush(stdout);

        bench_sleep_ns((uint64_t) (bench_conf.duration * 1e9));

        t_end = bench_now();
        for (i = 0; i < n; i++) {
            b1 += __atomic_load_n(&bench_threads[i].bytes, __ATOMIC_RELAXED);
            d1 += __atomic_load_n(&bench_threads[i].done, __ATOMIC_RELAXED);
        }

        printf("{\"phase\":\"measured\"}\n");
        fflush(stdout);
    }

    if (bench_conf.mode != BENCH_MODE_PING) {
        bench_stop = 1;

        for (i = 0; i < n; i++) {
            pthread_join(bench_threads[i].tid, NULL);
        }
    }

    failed = 0;
    memset(fails, 0, sizeof(fails));
    nlat = 0;

    for (i = 0; i < n; i++) {
        failed += bench_threads[i].failed;
        for (k = 0; k < BENCH_FAIL_N; k++) {
            fails[k] += bench_threads[i].fails[k];
        }
        nlat += bench_threads[i].nlat;
    }

    lat = NULL;
    if (nlat) {
        lat = malloc(nlat * sizeof(uint32_t));
        if (lat == NULL) {
            fprintf(stderr, "bench-load: out of memory\n");
            return 1;
        }

        nlat = 0;
        for (i = 0; i < n; i++) {
            memcpy(lat + nlat, bench_threads[i].lat,
                   bench_threads[i].nlat * sizeof(uint32_t));
            nlat += bench_threads[i].nlat;
        }
    }

    printf("{\"mode\":\"%s\",\"threads\":%u,\"conns\":%u,\"hello_bytes\":%zu",
           bench_conf.mode == BENCH_MODE_BULK ? "bulk"
           : bench_conf.mode == BENCH_MODE_RATE ? "rate" : "ping",
           n, bench_conf.conns, bench_threads[0].hello_len);

    printf(",\"seconds\":%.4f",
           (t_end - (bench_conf.mode == BENCH_MODE_PING ? t_begin : t_warm))
           / 1e9);

    if (bench_conf.mode == BENCH_MODE_BULK) {
        printf(",\"bytes\":%" PRIu64 ",\"gbit_s\":%.4f", b1 - b0,
               (b1 - b0) * 8.0 / ((t_end - t_warm) / 1e9) / 1e9);
    }

    if (bench_conf.mode == BENCH_MODE_RATE) {
        printf(",\"done\":%" PRIu64 ",\"conn_s\":%.1f", d1 - d0,
               (d1 - d0) / ((t_end - t_warm) / 1e9));
        bench_print_lat("first_byte_us", lat, nlat);
    }

    if (bench_conf.mode == BENCH_MODE_PING) {
        bench_print_lat("rtt_us", lat, nlat);
    }

    printf(",\"failed\":%" PRIu64, failed);
    bench_print_fails(fails);
    printf("}\n");

    free(lat);

    return 0;
}


/*
 * hold: opens the connections (a bounded number at a time), each with a
 * ClientHello that the echo backend sends back, then reports and waits
 * for a line on stdin; then sends and reads back the payload on each,
 * reports and waits again; then closes everything.
 */

static int
bench_run_hold(void)
{
    int                  eof;
    unsigned             i, next, inflight;
    uint64_t             t0;
    bench_thread_t      *t;

    bench_threads = calloc(1, sizeof(bench_thread_t));
    if (bench_threads == NULL) {
        return 1;
    }

    t = bench_threads;

    if (bench_thread_init(t, 0, bench_conf.conns) != 0) {
        return 1;
    }

    for (i = 0; i < t->nconns; i++) {
        t->conns[i].fd = -1;
        t->conns[i].thr = t;
    }

    /* stdin tells when to go on, between the phases */

    inflight = 256;
    next = 0;
    t0 = bench_now();

    /* phase 1: connections with the ClientHello echoed */

    while (next < t->nconns || t->starting) {
        while (next < t->nconns && t->starting < inflight) {
            if (bench_start_conn(t, &t->conns[next++]) != 0) {
                break;
            }
        }

        /* one pass of the loop */
        (void) bench_wait(t, 50, NULL);
        bench_sweep(t, bench_now());
    }

    printf("{\"phase\":\"hello\",\"ok\":%" PRIu64 ",\"failed\":%" PRIu64
           ",\"ms\":%.1f,\"hello_bytes\":%zu", t->idle, t->failed,
           (bench_now() - t0) / 1e6, t->hello_len);
    bench_print_fails(t->fails);
    printf("}\n");
    fflush(stdout);

    if (bench_stdin_line(&eof) != 0 || eof) {
        return 0;
    }

    /*
     * phase 2: the payload each way, on every connection still open, a
     * bounded number of connections at a time
     */

    t0 = bench_now();
    t->idle = 0;
    next = 0;

    for ( ;; ) {
        bench_conn_t  *c;

        while (next < t->nconns && t->starting < inflight) {
            c = &t->conns[next++];

            if (c->fd == -1 || c->state != BENCH_ST_IDLE) {
                continue;
            }

            c->state = BENCH_ST_XFER;
            c->out = 0;
            c->in = 0;
            c->t_op = bench_now();
            t->starting++;
            bench_want(c, EPOLLIN | EPOLLOUT);
        }

        if (t->starting == 0 && next >= t->nconns) {
            break;
        }

        (void) bench_wait(t, 50, NULL);
        bench_sweep(t, bench_now());
    }

    printf("{\"phase\":\"data\",\"ok\":%" PRIu64 ",\"failed\":%" PRIu64
           ",\"ms\":%.1f,\"bytes_each_way\":%zu", t->idle, t->failed,
           (bench_now() - t0) / 1e6, bench_conf.payload);
    bench_print_fails(t->fails);
    printf("}\n");
    fflush(stdout);

    (void) bench_stdin_line(&eof);

    bench_stop = 1;

    for (i = 0; i < t->nconns; i++) {
        bench_close(&t->conns[i]);
    }

    printf("{\"phase\":\"closed\"}\n");

    return 0;
}


/* reads one line from stdin, blocking; eof is set at its end */

static int
bench_stdin_line(int *eof)
{
    char     ch;
    ssize_t  n;

    *eof = 0;

    for ( ;; ) {
        n = read(STDIN_FILENO, &ch, 1);

        if (n == 0) {
            *eof = 1;
            return 0;
        }

        if (n == -1) {
            if (errno == EINTR || errno == EAGAIN) {
                struct pollfd  pfd;

                pfd.fd = STDIN_FILENO;
                pfd.events = POLLIN;
                (void) poll(&pfd, 1, 1000);
                continue;
            }

            return -1;
        }

        if (ch == '\n') {
            return 0;
        }
    }
}


/*
 * churn: -P long-lived connections doing a ping-pong every -i, and -c
 * slots opening new connections one after another (pausing -i between
 * them), until stdin closes or -d passes. A long-lived connection that
 * breaks is counted and opened again.
 */

static int
bench_run_churn(void)
{
    unsigned             i, n;
    uint64_t             t0, deadline;
    bench_thread_t      *t;
    struct epoll_event   ev;

    n = bench_conf.conns + bench_conf.persistent;

    bench_threads = calloc(1, sizeof(bench_thread_t));
    if (bench_threads == NULL) {
        return 1;
    }

    t = bench_threads;

    if (bench_thread_init(t, 0, n) != 0) {
        return 1;
    }

    for (i = 0; i < n; i++) {
        t->conns[i].fd = -1;
        t->conns[i].thr = t;
        t->conns[i].persistent = (i < bench_conf.persistent);
    }

    ev.events = EPOLLIN;
    ev.data.ptr = NULL;
    (void) epoll_ctl(t->ep, EPOLL_CTL_ADD, STDIN_FILENO, &ev);

    t0 = bench_now();
    deadline = t0 + (uint64_t) (bench_conf.duration * 1e9);

    for (i = 0; i < n; i++) {
        (void) bench_start_conn(t, &t->conns[i]);
    }

    printf("{\"phase\":\"started\"}\n");
    fflush(stdout);

    while (bench_stop == 0 && bench_now() < deadline) {
        (void) bench_wait(t, bench_timeout(t, 20), bench_stdin_eof);
        bench_due(t);
    }

    /* whatever fails from here on is not counted */
    bench_stop = 1;

    {
        unsigned  open;

        open = 0;
        for (i = 0; i < bench_conf.persistent; i++) {
            open += (t->conns[i].fd != -1
                     && t->conns[i].state != BENCH_ST_CONNECT);
        }

        printf("{\"mode\":\"churn\",\"seconds\":%.3f,\"new_ok\":%" PRIu64
               ",\"new_failed\":%" PRIu64 ",\"persistent\":%u"
               ",\"persistent_open\":%u,\"broken\":%" PRIu64
               ",\"pings\":%" PRIu64 ",\"failed\":%" PRIu64,
               (bench_now() - t0) / 1e9, t->done, t->failed - t->broken,
               bench_conf.persistent, open, t->broken, t->bytes, t->failed);
        bench_print_fails(t->fails);
        printf("}\n");
    }

    for (i = 0; i < n; i++) {
        bench_close(&t->conns[i]);
    }

    return 0;
}


/*
 * probe: connects with the ClientHello and waits for the echo, again and
 * again, until the name answers (or, with -e refused, until it is
 * refused); prints the time since -T. Exit status 0 when it happened
 * before -d passed.
 */

static int
bench_run_probe(void)
{
    int              fd, one, answered, rc;
    ssize_t          r;
    uint64_t         t0, deadline, attempts, now;
    bench_thread_t  *t;
    struct pollfd    pfd;
    unsigned char    buf[4096];

    t = calloc(1, sizeof(bench_thread_t));
    if (t == NULL || bench_thread_init(t, 0, 0) != 0) {
        return 1;
    }

    bench_patch_name(t, 0);

    t0 = bench_conf.t0 ? bench_conf.t0 : bench_now();
    deadline = bench_now() + (uint64_t) (bench_conf.timeout * 1e9);
    attempts = 0;

    while (bench_now() < deadline) {
        attempts++;
        answered = 0;

        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd == -1) {
            perror("bench-load: socket");
            return 1;
        }

        one = 1;
        (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

        rc = connect(fd, (struct sockaddr *) &bench_conf.addr,
                     sizeof(bench_conf.addr));

        if (rc == 0
            && send(fd, t->hello, t->hello_len, MSG_NOSIGNAL)
               == (ssize_t) t->hello_len)
        {
            pfd.fd = fd;
            pfd.events = POLLIN;

            if (poll(&pfd, 1, 500) == 1) {
                r = recv(fd, buf, sizeof(buf), 0);
                answered = (r > 0);
            }
        }

        close(fd);

        if (answered == bench_conf.expect) {
            now = bench_now();
            printf("{\"mode\":\"probe\",\"ms\":%.3f,\"attempts\":%" PRIu64
                   ",\"answered\":%s}\n", (now - t0) / 1e6, attempts,
                   answered ? "true" : "false");
            free(t);
            return 0;
        }

        bench_sleep_ns(2000000);
    }

    printf("{\"mode\":\"probe\",\"ms\":null,\"attempts\":%" PRIu64
           ",\"answered\":%s}\n", attempts,
           bench_conf.expect ? "false" : "true");
    free(t);

    return 1;
}
