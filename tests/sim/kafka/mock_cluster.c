
/*
 * Copyright (C) cclink authors
 *
 * mock_cluster: the Kafka brokers of the Confluent Cloud simulator.
 *
 * Runs librdkafka's mock cluster (plaintext Kafka on 127.0.0.1, one
 * ephemeral port per broker) and makes each broker advertise, in Metadata
 * responses, the host name and port given on the command line, such as
 * e-0cb9-usw2-az1-l63jl.us-west-2.aws.glb.confluent.cloud:9092. What the
 * cluster looks like (listen and advertised address of each broker, the
 * cluster id) is printed on stdout as one line of JSON and written,
 * atomically, to --info-file; see usage() and README.md.
 *
 * A control FIFO (--control) takes one command per line, so that a test
 * can change the cluster while clients use it:
 *
 *     add ID HOST[:PORT]          a new broker (rd_kafka_mock_broker_add)
 *     decommission ID             remove a broker
 *     down ID | up ID             refuse / accept connections
 *     topic NAME PARTITIONS [RF]  create a topic
 *     leader TOPIC PARTITION ID   move a partition's leadership
 *
 * After each command the info is printed and written again, with
 * "commands" counting the commands seen and "last_command" saying how the
 * last one went.
 */


#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>


#define MOCK_MAX_BROKERS      64
#define MOCK_MAX_TOPICS       64
#define MOCK_MAX_PARTITIONS   1000
#define MOCK_HOST_LEN         254
#define MOCK_TOPIC_LEN        250
#define MOCK_LINE_LEN         512
#define MOCK_ERR_LEN          256
#define MOCK_INFO_MAX         (256 * 1024)
#define MOCK_MAX_LISTENERS    (MOCK_MAX_BROKERS * 2)
#define MOCK_PROBE_TIMEOUT    10000
#define MOCK_CMD_WORDS        4


typedef struct {
    int       present;
    int       up;
    int32_t   id;
    int       listen_port;
    int       port;                  /* advertised; 0: the listen port */
    char      host[MOCK_HOST_LEN];   /* advertised */
} mock_broker_t;


typedef struct {
    int       partitions;
    int       replication;
    char      name[MOCK_TOPIC_LEN];
} mock_topic_t;


typedef struct {
    char     *data;
    size_t    len;
    size_t    size;
    int       failed;
} mock_buf_t;


typedef struct mock_s  mock_t;

typedef int (*mock_cmd_pt)(mock_t *m, char **argv, int n, char *err,
    size_t errlen);


typedef struct {
    const char   *name;
    int           min_words;         /* the command's name included */
    int           max_words;
    const char   *usage;
    mock_cmd_pt   handler;
} mock_cmd_t;


struct mock_s {
    rd_kafka_t               *rk;
    rd_kafka_mock_cluster_t  *mcluster;
    const char               *info_file;
    const char               *control_path;
    int                       control_fd;
    int                       control_made;
    int                       signal_fd;
    int                       nbrokers;
    int                       ntopics;
    int                       debug;
    unsigned long             commands;
    size_t                    line_len;
    int                       line_skip;
    int                       last_ok;
    char                      cluster_id[128];
    char                      line[MOCK_LINE_LEN];
    char                      last_line[MOCK_LINE_LEN];
    char                      last_error[MOCK_ERR_LEN];
    mock_broker_t             brokers[MOCK_MAX_BROKERS + 1];
    mock_topic_t              topics[MOCK_MAX_TOPICS];
};


static void mock_usage(FILE *f);
static int mock_parse_args(mock_t *m, int argc, char **argv);
static int mock_parse_long(const char *s, long min, long max, long *out);
static int mock_parse_host_port(const char *s, char *host, size_t size,
    int *port);
static int mock_parse_broker(mock_t *m, const char *arg);
static int mock_parse_topic(mock_t *m, const char *arg);
static int mock_valid_host(const char *s);
static int mock_valid_topic(const char *s);
static int mock_start(mock_t *m);
static int mock_listen_from_bootstraps(mock_t *m);
static int mock_fetch_cluster_id(mock_t *m);
static int mock_advertise(mock_t *m, mock_broker_t *b);
static int mock_topic_add(mock_t *m, const char *name, int partitions,
    int replication, char *err, size_t errlen);
static int mock_listeners(int *ports, size_t max, size_t *n);
static int mock_broker_add(mock_t *m, int32_t id, const char *hostport,
    char *err, size_t errlen);
static int mock_control_open(mock_t *m);
static int mock_control_read(mock_t *m);
static void mock_control_exec(mock_t *m, char *line);
static int mock_control_do(mock_t *m, char *line, char *err, size_t errlen);
static int mock_cmd_add(mock_t *m, char **argv, int n, char *err,
    size_t errlen);
static int mock_cmd_broker(mock_t *m, char **argv, int n, char *err,
    size_t errlen);
static int mock_cmd_topic(mock_t *m, char **argv, int n, char *err,
    size_t errlen);
static int mock_cmd_leader(mock_t *m, char **argv, int n, char *err,
    size_t errlen);
static int mock_info_render(mock_t *m, mock_buf_t *b);
static int mock_info_publish(mock_t *m);
static int mock_file_replace(const char *path, const char *data, size_t len);
static void mock_buf_add(mock_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void mock_buf_add_str(mock_buf_t *b, const char *s);
static void mock_log_cb(const rd_kafka_t *rk, int level, const char *fac,
    const char *buf);
static void mock_log(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));


static mock_cmd_t  mock_commands[] = {

    { "add", 3, 3, "add ID HOST[:PORT]", mock_cmd_add },

    { "decommission", 2, 2, "decommission ID", mock_cmd_broker },

    { "down", 2, 2, "down ID", mock_cmd_broker },

    { "up", 2, 2, "up ID", mock_cmd_broker },

    { "topic", 3, 4, "topic NAME PARTITIONS [RF]", mock_cmd_topic },

    { "leader", 4, 4, "leader TOPIC PARTITION ID", mock_cmd_leader },

    { NULL, 0, 0, NULL, NULL }
};


int
main(int argc, char **argv)
{
    int                      rc, n, running;
    mock_t                  *m;
    sigset_t                 mask;
    struct pollfd            pfd[2];
    struct signalfd_siginfo  si;

    m = calloc(1, sizeof(mock_t));
    if (m == NULL) {
        mock_log("out of memory");
        return 1;
    }

    m->control_fd = -1;
    m->signal_fd = -1;
    m->last_ok = 1;

    rc = mock_parse_args(m, argc, argv);
    if (rc != 0) {
        free(m);
        return rc < 0 ? 2 : 0;
    }

    /*
     * Block the signals we wait for before librdkafka starts its threads,
     * so that every thread inherits the mask and they arrive here only.
     */

    if (sigemptyset(&mask) != 0
        || sigaddset(&mask, SIGTERM) != 0
        || sigaddset(&mask, SIGINT) != 0
        || sigaddset(&mask, SIGHUP) != 0
        || sigprocmask(SIG_BLOCK, &mask, NULL) != 0)
    {
        mock_log("blocking signals failed: %s", strerror(errno));
        free(m);
        return 1;
    }

    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
        mock_log("signal(SIGPIPE) failed: %s", strerror(errno));
        free(m);
        return 1;
    }

    m->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC);
    if (m->signal_fd == -1) {
        mock_log("signalfd() failed: %s", strerror(errno));
        free(m);
        return 1;
    }

    rc = 1;

    if (m->control_path != NULL && mock_control_open(m) != 0) {
        goto done;
    }

    if (mock_start(m) != 0) {
        goto done;
    }

    if (mock_info_publish(m) != 0) {
        goto done;
    }

    running = 1;

    while (running) {
        pfd[0].fd = m->signal_fd;
        pfd[0].events = POLLIN;
        pfd[0].revents = 0;
        pfd[1].fd = m->control_fd;
        pfd[1].events = POLLIN;
        pfd[1].revents = 0;

        n = poll(pfd, m->control_fd == -1 ? 1 : 2, -1);

        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }

            mock_log("poll() failed: %s", strerror(errno));
            goto done;
        }

        if (pfd[0].revents & POLLIN) {
            if (read(m->signal_fd, &si, sizeof(si)) != sizeof(si)) {
                mock_log("signalfd read failed: %s", strerror(errno));
                goto done;
            }

            if (si.ssi_signo == SIGHUP) {
                if (mock_info_publish(m) != 0) {
                    goto done;
                }

            } else {
                mock_log("signal %d, stopping", (int) si.ssi_signo);
                running = 0;
            }
        }

        if (running && m->control_fd != -1
            && (pfd[1].revents & (POLLIN | POLLHUP)))
        {
            if (mock_control_read(m) != 0) {
                goto done;
            }
        }
    }

    rc = 0;

done:

    if (m->mcluster != NULL) {
        rd_kafka_mock_cluster_destroy(m->mcluster);
    }

    if (m->rk != NULL) {
        rd_kafka_destroy(m->rk);
    }

    if (m->control_fd != -1) {
        (void) close(m->control_fd);
    }

    if (m->control_made && unlink(m->control_path) != 0) {
        mock_log("unlink(\"%s\") failed: %s", m->control_path,
                 strerror(errno));
    }

    if (m->signal_fd != -1) {
        (void) close(m->signal_fd);
    }

    free(m);

    return rc;
}


static void
mock_usage(FILE *f)
{
    fprintf(f,
        "usage: mock_cluster [options]\n"
        "\n"
        "  -n, --brokers N             brokers at start, ids 1..N"
        " (default 3,\n"
        "                              at least the highest --broker id)\n"
        "  -b, --broker ID=HOST[:PORT] advertise broker ID as HOST:PORT;"
        " PORT 0 or\n"
        "                              none: the broker's own listen port\n"
        "  -t, --topic NAME:PARTITIONS[:RF]\n"
        "                              create a topic (RF default:"
        " min(3, brokers))\n"
        "  -i, --info-file PATH        write the cluster's JSON there"
        " (atomically)\n"
        "  -c, --control PATH          read commands from this FIFO"
        " (made if missing):\n"
        "                              add ID HOST[:PORT], decommission ID,"
        "\n"
        "                              down ID, up ID,"
        " topic NAME PARTITIONS [RF],\n"
        "                              leader TOPIC PARTITION ID\n"
        "  -d, --debug                 librdkafka debug=mock\n"
        "  -h, --help                  this text\n"
        "\n"
        "Runs until SIGTERM or SIGINT; SIGHUP prints and writes the info"
        " again.\n");
}


static int
mock_parse_args(mock_t *m, int argc, char **argv)
{
    int            c, i, top;
    long           n;
    static struct option  opts[] = {
        { "brokers",   required_argument, NULL, 'n' },
        { "broker",    required_argument, NULL, 'b' },
        { "topic",     required_argument, NULL, 't' },
        { "info-file", required_argument, NULL, 'i' },
        { "control",   required_argument, NULL, 'c' },
        { "debug",     no_argument,       NULL, 'd' },
        { "help",      no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };

    n = 3;

    for ( ;; ) {
        c = getopt_long(argc, argv, "n:b:t:i:c:dh", opts, NULL);
        if (c == -1) {
            break;
        }

        switch (c) {

        case 'n':
            if (mock_parse_long(optarg, 1, MOCK_MAX_BROKERS, &n) != 0) {
                mock_log("invalid broker count \"%s\" (1..%d)", optarg,
                         MOCK_MAX_BROKERS);
                return -1;
            }
            break;

        case 'b':
            if (mock_parse_broker(m, optarg) != 0) {
                return -1;
            }
            break;

        case 't':
            if (mock_parse_topic(m, optarg) != 0) {
                return -1;
            }
            break;

        case 'i':
            m->info_file = optarg;
            break;

        case 'c':
            m->control_path = optarg;
            break;

        case 'd':
            m->debug = 1;
            break;

        case 'h':
            mock_usage(stdout);
            return 1;

        default:
            mock_usage(stderr);
            return -1;
        }
    }

    if (optind != argc) {
        mock_log("unexpected argument \"%s\"", argv[optind]);
        return -1;
    }

    top = (int) n;

    for (i = 1; i <= MOCK_MAX_BROKERS; i++) {
        if (m->brokers[i].present && i > top) {
            top = i;
        }
    }

    m->nbrokers = top;

    for (i = 1; i <= top; i++) {
        m->brokers[i].present = 1;
        m->brokers[i].up = 1;
        m->brokers[i].id = i;
    }

    for (i = 0; i < m->ntopics; i++) {
        if (m->topics[i].replication == 0) {
            m->topics[i].replication = top < 3 ? top : 3;
        }

        if (m->topics[i].replication > top) {
            mock_log("topic \"%s\": replication factor %d exceeds"
                     " the %d brokers", m->topics[i].name,
                     m->topics[i].replication, top);
            return -1;
        }
    }

    return 0;
}


/* a whole decimal number in [min, max] */

static int
mock_parse_long(const char *s, long min, long max, long *out)
{
    long   v;
    char  *end;

    if (s[0] == '\0' || !isdigit((unsigned char) s[0])) {
        return -1;
    }

    errno = 0;
    v = strtol(s, &end, 10);

    if (errno != 0 || *end != '\0' || v < min || v > max) {
        return -1;
    }

    *out = v;

    return 0;
}


/* "HOST" or "HOST:PORT"; no port gives 0 */

static int
mock_parse_host_port(const char *s, char *host, size_t size, int *port)
{
    long         p;
    size_t       len;
    const char  *colon;

    colon = strrchr(s, ':');

    if (colon == NULL) {
        len = strlen(s);
        p = 0;

    } else {
        len = (size_t) (colon - s);

        if (mock_parse_long(colon + 1, 0, 65535, &p) != 0) {
            return -1;
        }
    }

    if (len == 0 || len >= size) {
        return -1;
    }

    memcpy(host, s, len);
    host[len] = '\0';

    if (!mock_valid_host(host)) {
        return -1;
    }

    *port = (int) p;

    return 0;
}


static int
mock_parse_broker(mock_t *m, const char *arg)
{
    long            id;
    char            num[16];
    size_t          len;
    const char     *eq;
    mock_broker_t  *b;

    eq = strchr(arg, '=');
    len = eq == NULL ? 0 : (size_t) (eq - arg);

    if (len == 0 || len >= sizeof(num)) {
        mock_log("invalid broker \"%s\" (ID=HOST[:PORT])", arg);
        return -1;
    }

    memcpy(num, arg, len);
    num[len] = '\0';

    if (mock_parse_long(num, 1, MOCK_MAX_BROKERS, &id) != 0) {
        mock_log("invalid broker id \"%s\" (1..%d)", num, MOCK_MAX_BROKERS);
        return -1;
    }

    b = &m->brokers[id];

    if (b->present) {
        mock_log("broker %ld given twice", id);
        return -1;
    }

    if (mock_parse_host_port(eq + 1, b->host, sizeof(b->host), &b->port)
        != 0)
    {
        mock_log("invalid broker address \"%s\" (HOST[:PORT])", eq + 1);
        return -1;
    }

    b->present = 1;

    return 0;
}


static int
mock_parse_topic(mock_t *m, const char *arg)
{
    long           v;
    char           spec[MOCK_TOPIC_LEN + 32];
    char          *parts, *rf;
    size_t         len;
    mock_topic_t  *t;

    len = strlen(arg);

    if (len >= sizeof(spec)) {
        mock_log("topic \"%s\" too long", arg);
        return -1;
    }

    if (m->ntopics == MOCK_MAX_TOPICS) {
        mock_log("more than %d topics", MOCK_MAX_TOPICS);
        return -1;
    }

    memcpy(spec, arg, len + 1);

    parts = strchr(spec, ':');
    if (parts == NULL) {
        mock_log("invalid topic \"%s\" (NAME:PARTITIONS[:RF])", arg);
        return -1;
    }

    *parts++ = '\0';

    rf = strchr(parts, ':');
    if (rf != NULL) {
        *rf++ = '\0';
    }

    t = &m->topics[m->ntopics];

    if (!mock_valid_topic(spec)) {
        mock_log("invalid topic name \"%s\"", spec);
        return -1;
    }

    if (mock_parse_long(parts, 1, MOCK_MAX_PARTITIONS, &v) != 0) {
        mock_log("invalid partition count \"%s\" (1..%d)", parts,
                 MOCK_MAX_PARTITIONS);
        return -1;
    }

    t->partitions = (int) v;

    if (rf != NULL) {
        if (mock_parse_long(rf, 1, MOCK_MAX_BROKERS, &v) != 0) {
            mock_log("invalid replication factor \"%s\"", rf);
            return -1;
        }

        t->replication = (int) v;
    }

    len = strlen(spec);
    memcpy(t->name, spec, len + 1);

    m->ntopics++;

    return 0;
}


/* DNS names and IPv4 literals: letters, digits, '-', '.' */

static int
mock_valid_host(const char *s)
{
    size_t  i, len;

    len = strlen(s);

    if (len == 0 || len > 253 || s[0] == '.' || s[0] == '-') {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!isalnum((unsigned char) s[i]) && s[i] != '-' && s[i] != '.') {
            return 0;
        }
    }

    return 1;
}


/* Kafka's legal topic names */

static int
mock_valid_topic(const char *s)
{
    size_t  i, len;

    len = strlen(s);

    if (len == 0 || len > 249 || strcmp(s, ".") == 0
        || strcmp(s, "..") == 0)
    {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!isalnum((unsigned char) s[i]) && s[i] != '-' && s[i] != '.'
            && s[i] != '_')
        {
            return 0;
        }
    }

    return 1;
}


static int
mock_start(mock_t *m)
{
    int                   i;
    char                  err[MOCK_ERR_LEN];
    rd_kafka_conf_t      *conf;
    rd_kafka_conf_res_t   res;

    conf = rd_kafka_conf_new();

    rd_kafka_conf_set_log_cb(conf, mock_log_cb);

    res = rd_kafka_conf_set(conf, "client.id", "cclink-mock-cluster", err,
                            sizeof(err));

    /*
     * This handle has no bootstrap.servers on purpose; its notice saying
     * so is noise, so below --debug only warnings and worse are logged.
     */

    if (res == RD_KAFKA_CONF_OK) {
        res = m->debug
              ? rd_kafka_conf_set(conf, "debug", "mock", err, sizeof(err))
              : rd_kafka_conf_set(conf, "log_level", "4", err, sizeof(err));
    }

    if (res != RD_KAFKA_CONF_OK) {
        mock_log("librdkafka configuration: %s", err);
        rd_kafka_conf_destroy(conf);
        return -1;
    }

    /* the handle only keeps the mock cluster's books; it never connects */

    m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (m->rk == NULL) {
        mock_log("rd_kafka_new() failed: %s", err);
        rd_kafka_conf_destroy(conf);
        return -1;
    }

    m->mcluster = rd_kafka_mock_cluster_new(m->rk, m->nbrokers);
    if (m->mcluster == NULL) {
        mock_log("rd_kafka_mock_cluster_new(%d) failed", m->nbrokers);
        return -1;
    }

    if (mock_listen_from_bootstraps(m) != 0) {
        return -1;
    }

    /* the cluster id as clients see it, asked before names are set */

    if (mock_fetch_cluster_id(m) != 0) {
        return -1;
    }

    for (i = 1; i <= m->nbrokers; i++) {
        if (mock_advertise(m, &m->brokers[i]) != 0) {
            return -1;
        }
    }

    for (i = 0; i < m->ntopics; i++) {
        if (mock_topic_add(m, m->topics[i].name, m->topics[i].partitions,
                           m->topics[i].replication, err, sizeof(err))
            != 0)
        {
            mock_log("%s", err);
            return -1;
        }
    }

    return 0;
}


/*
 * rd_kafka_mock_cluster_bootstraps() lists "127.0.0.1:PORT" for brokers
 * 1..N in id order, as they were created.
 */

static int
mock_listen_from_bootstraps(mock_t *m)
{
    int          i, port;
    char         host[MOCK_HOST_LEN], item[MOCK_HOST_LEN + 8];
    size_t       len;
    const char  *p, *comma;

    p = rd_kafka_mock_cluster_bootstraps(m->mcluster);
    if (p == NULL) {
        mock_log("mock cluster has no bootstrap servers");
        return -1;
    }

    for (i = 1; i <= m->nbrokers; i++) {
        comma = strchr(p, ',');
        len = comma == NULL ? strlen(p) : (size_t) (comma - p);

        if (len == 0 || len >= sizeof(item)) {
            mock_log("unexpected bootstrap servers \"%s\"",
                     rd_kafka_mock_cluster_bootstraps(m->mcluster));
            return -1;
        }

        memcpy(item, p, len);
        item[len] = '\0';

        if (mock_parse_host_port(item, host, sizeof(host), &port) != 0
            || port == 0 || strcmp(host, "127.0.0.1") != 0)
        {
            mock_log("unexpected bootstrap server \"%s\"", item);
            return -1;
        }

        m->brokers[i].listen_port = port;

        if (comma == NULL) {
            if (i != m->nbrokers) {
                mock_log("%d bootstrap servers for %d brokers", i,
                         m->nbrokers);
                return -1;
            }

            break;
        }

        p = comma + 1;
    }

    return 0;
}


static int
mock_fetch_cluster_id(mock_t *m)
{
    char             *id, err[MOCK_ERR_LEN];
    size_t            len;
    rd_kafka_t       *rk;
    rd_kafka_conf_t  *conf;

    conf = rd_kafka_conf_new();

    rd_kafka_conf_set_log_cb(conf, mock_log_cb);

    if (rd_kafka_conf_set(conf, "bootstrap.servers",
                          rd_kafka_mock_cluster_bootstraps(m->mcluster),
                          err, sizeof(err))
        != RD_KAFKA_CONF_OK
        || rd_kafka_conf_set(conf, "client.id", "cclink-mock-probe", err,
                             sizeof(err))
           != RD_KAFKA_CONF_OK)
    {
        mock_log("librdkafka configuration: %s", err);
        rd_kafka_conf_destroy(conf);
        return -1;
    }

    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (rk == NULL) {
        mock_log("rd_kafka_new() failed: %s", err);
        rd_kafka_conf_destroy(conf);
        return -1;
    }

    id = rd_kafka_clusterid(rk, MOCK_PROBE_TIMEOUT);

    if (id == NULL) {
        mock_log("no cluster id from the mock cluster within %d ms",
                 MOCK_PROBE_TIMEOUT);
        rd_kafka_destroy(rk);
        return -1;
    }

    len = strlen(id);

    if (len >= sizeof(m->cluster_id)) {
        mock_log("cluster id \"%s\" too long", id);
        rd_kafka_mem_free(rk, id);
        rd_kafka_destroy(rk);
        return -1;
    }

    memcpy(m->cluster_id, id, len + 1);

    rd_kafka_mem_free(rk, id);
    rd_kafka_destroy(rk);

    return 0;
}


/* a broker without a given name advertises 127.0.0.1, as the mock does */

static int
mock_advertise(mock_t *m, mock_broker_t *b)
{
    int  port;

    if (b->host[0] == '\0') {
        memcpy(b->host, "127.0.0.1", sizeof("127.0.0.1"));
    }

    port = b->port != 0 ? b->port : b->listen_port;

    rd_kafka_mock_broker_set_host_port(m->mcluster, b->id, b->host, port);

    b->port = port;

    return 0;
}


static int
mock_topic_add(mock_t *m, const char *name, int partitions, int replication,
    char *err, size_t errlen)
{
    rd_kafka_resp_err_t  rc;

    rc = rd_kafka_mock_topic_create(m->mcluster, name, partitions,
                                    replication);

    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
        (void) snprintf(err, errlen, "topic \"%s\": %s", name,
                        rd_kafka_err2str(rc));
        return -1;
    }

    return 0;
}


/*
 * The ports of this process's TCP sockets listening on 127.0.0.1: the
 * socket inodes among /proc/self/fd, looked up in /proc/self/net/tcp.
 * The mock API does not tell the listen port of a broker added at run
 * time, so mock_broker_add() compares this set before and after.
 */

static int
mock_listeners(int *ports, size_t max, size_t *n)
{
    int             port, k;
    char            path[64], target[64], line[512];
    FILE           *f;
    DIR            *dir;
    size_t          ninodes, i;
    ssize_t         len;
    unsigned long   inode, inodes[512];
    unsigned int    addr, lport, state;
    struct dirent  *de;

    dir = opendir("/proc/self/fd");
    if (dir == NULL) {
        mock_log("opendir(\"/proc/self/fd\") failed: %s", strerror(errno));
        return -1;
    }

    ninodes = 0;

    for ( ;; ) {
        errno = 0;
        de = readdir(dir);

        if (de == NULL) {
            break;
        }

        if (de->d_name[0] == '.') {
            continue;
        }

        k = snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
        if (k < 0 || (size_t) k >= sizeof(path)) {
            continue;
        }

        len = readlink(path, target, sizeof(target) - 1);
        if (len <= 0) {
            continue;
        }

        target[len] = '\0';

        if (strncmp(target, "socket:[", 8) != 0) {
            continue;
        }

        if (ninodes == sizeof(inodes) / sizeof(inodes[0])) {
            mock_log("too many sockets");
            (void) closedir(dir);
            return -1;
        }

        inodes[ninodes++] = strtoul(target + 8, NULL, 10);
    }

    if (errno != 0) {
        mock_log("readdir(\"/proc/self/fd\") failed: %s", strerror(errno));
        (void) closedir(dir);
        return -1;
    }

    (void) closedir(dir);

    f = fopen("/proc/self/net/tcp", "r");
    if (f == NULL) {
        mock_log("fopen(\"/proc/self/net/tcp\") failed: %s",
                 strerror(errno));
        return -1;
    }

    *n = 0;

    while (fgets(line, sizeof(line), f) != NULL) {
        /* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */

        if (sscanf(line, " %*d: %x:%x %*x:%*x %x %*x:%*x %*x:%*x %*x"
                   " %*u %*u %lu", &addr, &lport, &state, &inode)
            != 4)
        {
            continue;
        }

        /* 0x0A: TCP_LISTEN; 127.0.0.1 in the kernel's byte order */

        if (state != 0x0A || addr != 0x0100007F) {
            continue;
        }

        for (i = 0; i < ninodes; i++) {
            if (inodes[i] == inode) {
                break;
            }
        }

        if (i == ninodes) {
            continue;
        }

        if (*n == max) {
            mock_log("too many listening sockets");
            (void) fclose(f);
            return -1;
        }

        port = (int) lport;
        ports[(*n)++] = port;
    }

    if (ferror(f)) {
        mock_log("reading \"/proc/self/net/tcp\" failed");
        (void) fclose(f);
        return -1;
    }

    (void) fclose(f);

    return 0;
}


static int
mock_broker_add(mock_t *m, int32_t id, const char *hostport, char *err,
    size_t errlen)
{
    int                  before[MOCK_MAX_LISTENERS];
    int                  after[MOCK_MAX_LISTENERS];
    int                  port, found;
    char                 host[MOCK_HOST_LEN];
    size_t               nbefore, nafter, i, j;
    mock_broker_t       *b;
    rd_kafka_resp_err_t  rc;

    if (id < 1 || id > MOCK_MAX_BROKERS) {
        (void) snprintf(err, errlen, "broker id %d not in 1..%d", (int) id,
                        MOCK_MAX_BROKERS);
        return -1;
    }

    b = &m->brokers[id];

    if (b->present) {
        (void) snprintf(err, errlen, "broker %d exists", (int) id);
        return -1;
    }

    if (mock_parse_host_port(hostport, host, sizeof(host), &port) != 0) {
        (void) snprintf(err, errlen, "invalid address \"%s\"", hostport);
        return -1;
    }

    if (mock_listeners(before, MOCK_MAX_LISTENERS, &nbefore) != 0) {
        (void) snprintf(err, errlen, "cannot list listening sockets");
        return -1;
    }

    rc = rd_kafka_mock_broker_add(m->mcluster, id);

    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
        (void) snprintf(err, errlen, "rd_kafka_mock_broker_add(%d): %s",
                        (int) id, rd_kafka_err2str(rc));
        return -1;
    }

    /* the new broker is present from here on, whatever follows */

    memset(b, 0, sizeof(mock_broker_t));
    b->present = 1;
    b->up = 1;
    b->id = id;
    m->nbrokers++;

    if (mock_listeners(after, MOCK_MAX_LISTENERS, &nafter) != 0) {
        (void) snprintf(err, errlen, "cannot list listening sockets");
        return -1;
    }

    found = 0;

    for (i = 0; i < nafter; i++) {
        for (j = 0; j < nbefore; j++) {
            if (after[i] == before[j]) {
                break;
            }
        }

        if (j == nbefore) {
            found++;
            b->listen_port = after[i];
        }
    }

    if (found != 1) {
        (void) snprintf(err, errlen, "broker %d: %d new listeners, not 1",
                        (int) id, found);
        return -1;
    }

    memcpy(b->host, host, strlen(host) + 1);
    b->port = port;

    return mock_advertise(m, b);
}


static int
mock_control_open(mock_t *m)
{
    struct stat  st;

    if (mkfifo(m->control_path, 0600) == 0) {
        m->control_made = 1;

    } else if (errno != EEXIST) {
        mock_log("mkfifo(\"%s\") failed: %s", m->control_path,
                 strerror(errno));
        return -1;
    }

    /* read-write, so that the FIFO never reports EOF between writers */

    m->control_fd = open(m->control_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (m->control_fd == -1) {
        mock_log("open(\"%s\") failed: %s", m->control_path,
                 strerror(errno));
        return -1;
    }

    if (fstat(m->control_fd, &st) != 0) {
        mock_log("fstat(\"%s\") failed: %s", m->control_path,
                 strerror(errno));
        return -1;
    }

    if (!S_ISFIFO(st.st_mode)) {
        mock_log("control \"%s\" is not a FIFO", m->control_path);
        return -1;
    }

    return 0;
}


/* reads what is there; runs each complete line; overlong lines fail */

static int
mock_control_read(mock_t *m)
{
    char     buf[1024];
    ssize_t  n, i;

    for ( ;; ) {
        n = read(m->control_fd, buf, sizeof(buf));

        if (n == -1) {
            if (errno == EAGAIN || errno == EINTR) {
                return 0;
            }

            mock_log("read(\"%s\") failed: %s", m->control_path,
                     strerror(errno));
            return -1;
        }

        if (n == 0) {
            return 0;
        }

        for (i = 0; i < n; i++) {
            if (buf[i] == '\n') {
                if (m->line_skip) {
                    m->line_skip = 0;
                    m->line_len = 0;
                    continue;
                }

                m->line[m->line_len] = '\0';
                m->line_len = 0;
                mock_control_exec(m, m->line);
                continue;
            }

            if (m->line_skip) {
                continue;
            }

            if (m->line_len == sizeof(m->line) - 1) {
                m->line_skip = 1;
                m->line_len = 0;
                m->commands++;
                m->last_ok = 0;
                m->last_line[0] = '\0';
                (void) snprintf(m->last_error, sizeof(m->last_error),
                                "command longer than %d bytes",
                                MOCK_LINE_LEN - 1);
                mock_log("control: %s", m->last_error);

                if (mock_info_publish(m) != 0) {
                    return -1;
                }

                continue;
            }

            m->line[m->line_len++] = buf[i];
        }
    }
}


static void
mock_control_exec(mock_t *m, char *line)
{
    size_t  len;

    len = strlen(line);

    if (len > 0 && line[len - 1] == '\r') {
        line[--len] = '\0';
    }

    if (len == 0) {
        return;
    }

    m->commands++;
    memcpy(m->last_line, line, len + 1);
    m->last_error[0] = '\0';

    m->last_ok = mock_control_do(m, line, m->last_error,
                                 sizeof(m->last_error)) == 0;

    if (m->last_ok) {
        mock_log("control: \"%s\": ok", m->last_line);

    } else {
        mock_log("control: \"%s\": %s", m->last_line, m->last_error);
    }

    if (mock_info_publish(m) != 0) {
        mock_log("control: publishing the info failed");
    }
}


static int
mock_control_do(mock_t *m, char *line, char *err, size_t errlen)
{
    int          n;
    char        *argv[MOCK_CMD_WORDS], *p;
    mock_cmd_t  *cmd;

    n = 0;
    p = line;

    while (*p != '\0') {
        while (*p == ' ' || *p == '\t') {
            *p++ = '\0';
        }

        if (*p == '\0') {
            break;
        }

        if (n == MOCK_CMD_WORDS) {
            (void) snprintf(err, errlen, "too many words");
            return -1;
        }

        argv[n++] = p;

        while (*p != '\0' && *p != ' ' && *p != '\t') {
            p++;
        }
    }

    if (n == 0) {
        (void) snprintf(err, errlen, "empty command");
        return -1;
    }

    for (cmd = mock_commands; cmd->name != NULL; cmd++) {
        if (strcmp(cmd->name, argv[0]) == 0) {
            break;
        }
    }

    if (cmd->name == NULL) {
        (void) snprintf(err, errlen, "unknown command \"%s\"", argv[0]);
        return -1;
    }

    if (n < cmd->min_words || n > cmd->max_words) {
        (void) snprintf(err, errlen, "usage: %s", cmd->usage);
        return -1;
    }

    return cmd->handler(m, argv, n, err, errlen);
}


/* add ID HOST[:PORT] */

static int
mock_cmd_add(mock_t *m, char **argv, int n, char *err, size_t errlen)
{
    long  id;

    if (mock_parse_long(argv[1], 1, MOCK_MAX_BROKERS, &id) != 0) {
        (void) snprintf(err, errlen, "invalid broker id \"%s\"", argv[1]);
        return -1;
    }

    return mock_broker_add(m, (int32_t) id, argv[2], err, errlen);
}


/* decommission ID, down ID, up ID */

static int
mock_cmd_broker(mock_t *m, char **argv, int n, char *err, size_t errlen)
{
    long                 id;
    mock_broker_t       *b;
    rd_kafka_resp_err_t  rc;

    if (mock_parse_long(argv[1], 1, MOCK_MAX_BROKERS, &id) != 0) {
        (void) snprintf(err, errlen, "invalid broker id \"%s\"", argv[1]);
        return -1;
    }

    b = &m->brokers[id];

    if (!b->present) {
        (void) snprintf(err, errlen, "no broker %ld", id);
        return -1;
    }

    if (strcmp(argv[0], "decommission") == 0) {
        rc = rd_kafka_mock_broker_decommission(m->mcluster, (int32_t) id);

    } else if (strcmp(argv[0], "down") == 0) {
        rc = rd_kafka_mock_broker_set_down(m->mcluster, (int32_t) id);

    } else {
        rc = rd_kafka_mock_broker_set_up(m->mcluster, (int32_t) id);
    }

    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
        (void) snprintf(err, errlen, "%s %ld: %s", argv[0], id,
                        rd_kafka_err2str(rc));
        return -1;
    }

    if (strcmp(argv[0], "decommission") == 0) {
        b->present = 0;
        m->nbrokers--;

    } else {
        b->up = strcmp(argv[0], "up") == 0;
    }

    return 0;
}


/* topic NAME PARTITIONS [RF] */

static int
mock_cmd_topic(mock_t *m, char **argv, int n, char *err, size_t errlen)
{
    long           parts, rf;
    mock_topic_t  *t;

    if (m->ntopics == MOCK_MAX_TOPICS) {
        (void) snprintf(err, errlen, "more than %d topics", MOCK_MAX_TOPICS);
        return -1;
    }

    if (!mock_valid_topic(argv[1])) {
        (void) snprintf(err, errlen, "invalid topic name \"%s\"", argv[1]);
        return -1;
    }

    if (mock_parse_long(argv[2], 1, MOCK_MAX_PARTITIONS, &parts) != 0) {
        (void) snprintf(err, errlen, "invalid partition count \"%s\"",
                        argv[2]);
        return -1;
    }

    rf = m->nbrokers < 3 ? m->nbrokers : 3;

    if (n == 4 && mock_parse_long(argv[3], 1, m->nbrokers, &rf) != 0) {
        (void) snprintf(err, errlen, "invalid replication factor \"%s\"",
                        argv[3]);
        return -1;
    }

    if (mock_topic_add(m, argv[1], (int) parts, (int) rf, err, errlen) != 0)
    {
        return -1;
    }

    t = &m->topics[m->ntopics++];
    memcpy(t->name, argv[1], strlen(argv[1]) + 1);
    t->partitions = (int) parts;
    t->replication = (int) rf;

    return 0;
}


/* leader TOPIC PARTITION ID */

static int
mock_cmd_leader(mock_t *m, char **argv, int n, char *err, size_t errlen)
{
    long                 part, id;
    rd_kafka_resp_err_t  rc;

    if (!mock_valid_topic(argv[1])
        || mock_parse_long(argv[2], 0, MOCK_MAX_PARTITIONS - 1, &part) != 0
        || mock_parse_long(argv[3], 1, MOCK_MAX_BROKERS, &id) != 0)
    {
        (void) snprintf(err, errlen, "invalid topic, partition or id");
        return -1;
    }

    if (!m->brokers[id].present) {
        (void) snprintf(err, errlen, "no broker %ld", id);
        return -1;
    }

    rc = rd_kafka_mock_partition_set_leader(m->mcluster, argv[1],
                                            (int32_t) part, (int32_t) id);

    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
        (void) snprintf(err, errlen, "leader %s %ld: %s", argv[1], part,
                        rd_kafka_err2str(rc));
        return -1;
    }

    return 0;
}


static int
mock_info_render(mock_t *m, mock_buf_t *b)
{
    int             i, first;
    mock_broker_t  *br;

    mock_buf_add(b, "{\"cluster_id\":");
    mock_buf_add_str(b, m->cluster_id);
    mock_buf_add(b, ",\"pid\":%ld,\"librdkafka\":", (long) getpid());
    mock_buf_add_str(b, rd_kafka_version_str());

    /* the real listen addresses, as a bootstrap.servers value */

    mock_buf_add(b, ",\"bootstrap\":\"");

    first = 1;

    for (i = 1; i <= MOCK_MAX_BROKERS; i++) {
        br = &m->brokers[i];

        if (br->present) {
            mock_buf_add(b, "%s127.0.0.1:%d", first ? "" : ",",
                         br->listen_port);
            first = 0;
        }
    }

    /* the advertised addresses, as clients see them in metadata */

    mock_buf_add(b, "\",\"advertised_bootstrap\":\"");

    first = 1;

    for (i = 1; i <= MOCK_MAX_BROKERS; i++) {
        br = &m->brokers[i];

        if (br->present) {
            mock_buf_add(b, "%s%s:%d", first ? "" : ",", br->host, br->port);
            first = 0;
        }
    }

    mock_buf_add(b, "\",\"brokers\":[");

    first = 1;

    for (i = 1; i <= MOCK_MAX_BROKERS; i++) {
        br = &m->brokers[i];

        if (!br->present) {
            continue;
        }

        mock_buf_add(b, "%s{\"id\":%d,\"listen\":\"127.0.0.1:%d\","
                     "\"listen_port\":%d,\"host\":",
                     first ? "" : ",", (int) br->id, br->listen_port,
                     br->listen_port);
        mock_buf_add_str(b, br->host);
        mock_buf_add(b, ",\"port\":%d,\"advertised\":\"%s:%d\","
                     "\"up\":%s}",
                     br->port, br->host, br->port, br->up ? "true" : "false");
        first = 0;
    }

    mock_buf_add(b, "],\"topics\":[");

    for (i = 0; i < m->ntopics; i++) {
        mock_buf_add(b, "%s{\"name\":", i == 0 ? "" : ",");
        mock_buf_add_str(b, m->topics[i].name);
        mock_buf_add(b, ",\"partitions\":%d,\"replication_factor\":%d}",
                     m->topics[i].partitions, m->topics[i].replication);
    }

    mock_buf_add(b, "],\"commands\":%lu,\"last_command\":", m->commands);

    if (m->commands == 0) {
        mock_buf_add(b, "null");

    } else {
        mock_buf_add(b, "{\"line\":");
        mock_buf_add_str(b, m->last_line);
        mock_buf_add(b, ",\"ok\":%s,\"error\":", m->last_ok ? "true"
                                                             : "false");
        if (m->last_ok) {
            mock_buf_add(b, "null");

        } else {
            mock_buf_add_str(b, m->last_error);
        }

        mock_buf_add(b, "}");
    }

    mock_buf_add(b, "}\n");

    return b->failed ? -1 : 0;
}


/* prints the info on stdout (one line) and replaces the info file */

static int
mock_info_publish(mock_t *m)
{
    int         rc;
    mock_buf_t  b;

    b.size = MOCK_INFO_MAX;
    b.len = 0;
    b.failed = 0;
    b.data = malloc(b.size);

    if (b.data == NULL) {
        mock_log("out of memory");
        return -1;
    }

    if (mock_info_render(m, &b) != 0) {
        mock_log("info larger than %d bytes", MOCK_INFO_MAX);
        free(b.data);
        return -1;
    }

    rc = 0;

    if (fwrite(b.data, 1, b.len, stdout) != b.len || fflush(stdout) != 0) {
        /* a reader that went away does not stop the brokers */
        clearerr(stdout);
    }

    if (m->info_file != NULL
        && mock_file_replace(m->info_file, b.data, b.len) != 0)
    {
        rc = -1;
    }

    free(b.data);

    return rc;
}


/* temp file in the same directory, fsync, rename, fsync the directory */

static int
mock_file_replace(const char *path, const char *data, size_t len)
{
    int          fd, k;
    char         tmp[PATH_MAX], dir[PATH_MAX];
    size_t       off;
    ssize_t      n;
    const char  *slash;

    k = snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long) getpid());
    if (k < 0 || (size_t) k >= sizeof(tmp)) {
        mock_log("path \"%s\" too long", path);
        return -1;
    }

    slash = strrchr(path, '/');

    if (slash == NULL) {
        k = snprintf(dir, sizeof(dir), ".");

    } else if (slash == path) {
        k = snprintf(dir, sizeof(dir), "/");

    } else {
        k = snprintf(dir, sizeof(dir), "%.*s", (int) (slash - path), path);
    }

    if (k < 0 || (size_t) k >= sizeof(dir)) {
        mock_log("path \"%s\" too long", path);
        return -1;
    }

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) {
        mock_log("open(\"%s\") failed: %s", tmp, strerror(errno));
        return -1;
    }

    for (off = 0; off < len; off += (size_t) n) {
        n = write(fd, data + off, len - off);

        if (n == -1 && errno == EINTR) {
            n = 0;
            continue;
        }

        if (n <= 0) {
            mock_log("write(\"%s\") failed: %s", tmp, strerror(errno));
            (void) close(fd);
            (void) unlink(tmp);
            return -1;
        }
    }

    if (fsync(fd) != 0) {
        mock_log("fsync(\"%s\") failed: %s", tmp, strerror(errno));
        (void) close(fd);
        (void) unlink(tmp);
        return -1;
    }

    if (close(fd) != 0) {
        mock_log("close(\"%s\") failed: %s", tmp, strerror(errno));
        (void) unlink(tmp);
        return -1;
    }

    if (rename(tmp, path) != 0) {
        mock_log("rename(\"%s\", \"%s\") failed: %s", tmp, path,
                 strerror(errno));
        (void) unlink(tmp);
        return -1;
    }

    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd == -1) {
        mock_log("open(\"%s\") failed: %s", dir, strerror(errno));
        return -1;
    }

    if (fsync(fd) != 0) {
        mock_log("fsync(\"%s\") failed: %s", dir, strerror(errno));
        (void) close(fd);
        return -1;
    }

    (void) close(fd);

    return 0;
}


static void
mock_buf_add(mock_buf_t *b, const char *fmt, ...)
{
    int      n;
    va_list  args;

    if (b->failed) {
        return;
    }

    va_start(args, fmt);
    n = vsnprintf(b->data + b->len, b->size - b->len, fmt, args);
    va_end(args);

    if (n < 0 || (size_t) n >= b->size - b->len) {
        b->failed = 1;
        return;
    }

    b->len += (size_t) n;
}


/* a JSON string: quotes, backslashes and control bytes escaped */

static void
mock_buf_add_str(mock_buf_t *b, const char *s)
{
    unsigned char  c;

    mock_buf_add(b, "\"");

    for ( /* void */ ; *s != '\0'; s++) {
        c = (unsigned char) *s;

        if (c == '"' || c == '\\') {
            mock_buf_add(b, "\\%c", c);

        } else if (c < 0x20 || c == 0x7f) {
            mock_buf_add(b, "\\u%04x", c);

        } else {
            mock_buf_add(b, "%c", c);
        }
    }

    mock_buf_add(b, "\"");
}


static void
mock_log_cb(const rd_kafka_t *rk, int level, const char *fac,
    const char *buf)
{
    fprintf(stderr, "mock_cluster: librdkafka %d %s: %s\n", level, fac, buf);
}


static void
mock_log(const char *fmt, ...)
{
    va_list  args;

    fputs("mock_cluster: ", stderr);

    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);

    fputc('\n', stderr);
}
