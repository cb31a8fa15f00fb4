/*
 * Copyright (C) cclink authors
 *
 * Fuzz target: Confluent Cloud API responses through the sidecar, from
 * JSON to the files it writes (sidecar/ccl_model.c, ccl_target.c,
 * ccl_plan.c, ccl_render.c, and the string helpers of ccl_api.c).
 *
 * Input: a JSON document. With a "pages" object, each of its members
 * named after a list call ("environments", "endpoints", "cmk_clusters",
 * "srcm_clusters", "flink_regions", "networks", "platts",
 * "access_points") goes to that call's parser; without it, the whole
 * document goes to every parser. "brokers": [...] adds broker host names
 * as Kafka metadata would. The seeds are the sidecar's own test fixtures.
 *
 * Invariants:
 *  - the error-text and page-token helpers stay inside their buffers
 *    (allocated to the byte) and NUL-terminate; a page token is URL-safe;
 *  - every string that ccl_model_host() accepts gives a valid, lower-case
 *    host name;
 *  - after ccl_model_finish(), names are valid, lower-case, sorted and
 *    unique; domains are sorted by id and their zones by zone;
 *  - the plan built from it (targets from a fixed configuration and a
 *    fake resolver), rendered as a route table, is accepted by the
 *    module's parser (cclink_rt_parse(), as ccl_apply does before
 *    writing), and every exact route matches to the group the plan chose;
 *  - the nginx include, hosts files and PowerShell script hold only
 *    printable ASCII, tabs and line ends, and the hosts block edits into
 *    an empty hosts file idempotently;
 *  - every log line is one line;
 *  - UTF-8: the error text is valid UTF-8 whatever the body (cut at a
 *    character boundary); ccl_utf8_fix() leaves valid UTF-8 that a second
 *    pass does not change, and ccl_strlcpy() of valid UTF-8 into any size
 *    stays valid;
 *  - names outside Confluent Cloud never reach the model, and no exact
 *    route is outside *.confluent.cloud;
 *  - hostile addresses: the fake resolver answers some names with
 *    loopback, link-local (metadata), unspecified or multicast addresses
 *    (IPv4 and IPv6); none of them reaches a group (allow_local_targets
 *    is off).
 */

#define PCRE2_CODE_UNIT_WIDTH 8

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <string.h>

#include <jansson.h>

#include "cclink_routes.h"
#include "ccl_addr.h"
#include "ccl_api.h"
#include "ccl_buf.h"
#include "ccl_conf.h"
#include "ccl_hosts.h"
#include "ccl_log.h"
#include "ccl_model.h"
#include "ccl_plan.h"
#include "ccl_render.h"
#include "ccl_target.h"
#include "fuzz.h"


#define FUZZ_MODEL_STRINGS  256


typedef struct {
    const char          *key;
    ccl_model_item_pt    item;
} fuzz_model_parser_t;


static const fuzz_model_parser_t  fuzz_model_parsers[] = {
    { "environments", ccl_model_environment_item },
    { "endpoints", ccl_model_endpoint_item },
    { "cmk_clusters", ccl_model_cmk_cluster_item },
    { "srcm_clusters", ccl_model_srcm_cluster_item },
    { "flink_regions", ccl_model_flink_region_item },
    { "networks", ccl_model_network_item },
    { "platts", ccl_model_platt_item },
    { "access_points", ccl_model_access_point_item },
    { NULL, NULL }
};


static const char  fuzz_model_conf_text[] =
    "environments all\n"
    "proxy_address 203.0.113.10\n"
    "proxy_name edge-1\n"
    "zone usw2-az1\n"
    "target n-l63jl 10.0.1.10 zone=usw2-az1\n"
    "target n-l63jl 10.0.2.10 zone=usw2-az2\n"
    "target platt-k3v8m 10.0.9.9\n"
    "target ap-1 [fd00::10]:9092\n"
    "target corp.example.internal 10.9.9.9:9092\n"
    "target * 10.8.8.8\n"
    "target_dns on\n"
    "nginx_ports 9092 443\n";


static ccl_conf_t  fuzz_model_conf;
static unsigned    fuzz_model_strings;


static void
fuzz_model_sink(const char *line, size_t len, void *data)
{
    FUZZ_CHECK(len >= 1 && len < CCL_LOG_LINE);
    FUZZ_CHECK(line[len - 1] == '\n');
    FUZZ_CHECK(memchr(line, '\n', len - 1) == NULL);
    FUZZ_CHECK(memchr(line, '\r', len) == NULL);
}


/* an answer no target may use */
static int
fuzz_model_hostile(uint64_t h, struct addrinfo **res)
{
    struct addrinfo      *ai;
    struct sockaddr_in   *sin;
    struct sockaddr_in6  *sin6;

    static const char    *v4[] = {
        "127.0.0.1", "169.254.169.254", "0.0.0.0", "224.0.0.251",
        "255.255.255.255", "100.100.100.200", "127.1.2.3"
    };
    static const char    *v6[] = {
        "::1", "fe80::1", "::", "ff02::1", "fd00:ec2::254",
        "::ffff:127.0.0.1", "::ffff:169.254.169.254"
    };

    ai = calloc(1, sizeof(struct addrinfo) + sizeof(struct sockaddr_in6));
    FUZZ_CHECK(ai != NULL);
    ai->ai_socktype = SOCK_STREAM;

    if ((h >> 16) % 2 == 0) {
        sin = (struct sockaddr_in *) (ai + 1);
        sin->sin_family = AF_INET;
        FUZZ_CHECK(inet_pton(AF_INET, v4[(h >> 20) % 7], &sin->sin_addr)
                   == 1);
        ai->ai_family = AF_INET;
        ai->ai_addr = (struct sockaddr *) sin;
        ai->ai_addrlen = sizeof(*sin);

    } else {
        sin6 = (struct sockaddr_in6 *) (ai + 1);
        sin6->sin6_family = AF_INET6;
        FUZZ_CHECK(inet_pton(AF_INET6, v6[(h >> 20) % 7], &sin6->sin6_addr)
                   == 1);
        ai->ai_family = AF_INET6;
        ai->ai_addr = (struct sockaddr *) sin6;
        ai->ai_addrlen = sizeof(*sin6);
    }

    *res = ai;

    return 0;
}


/* every name resolves (but one in eight), to an address made from it */
static int
fuzz_model_resolver(const char *name, struct addrinfo **res, void *data)
{
    uint64_t             h;
    struct addrinfo     *ai;
    struct sockaddr_in  *sin;

    h = fuzz_hash((const uint8_t *) name, strlen(name));

    if (h % 8 == 0) {
        return EAI_NONAME;
    }

    /* one in four answers is hostile: loopback, metadata, multicast... */
    if ((h >> 8) % 4 == 0) {
        return fuzz_model_hostile(h, res);
    }

    /* one calloc: freeaddrinfo() frees it */
    ai = calloc(1, sizeof(struct addrinfo) + sizeof(struct sockaddr_in));
    FUZZ_CHECK(ai != NULL);

    sin = (struct sockaddr_in *) (ai + 1);
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(0x0a000000u | (uint32_t) (h & 0xffffff));
    ai->ai_family = AF_INET;
    ai->ai_socktype = SOCK_STREAM;
    ai->ai_addr = (struct sockaddr *) sin;
    ai->ai_addrlen = sizeof(*sin);
    *res = ai;

    return 0;
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ccl_log_set_level(CCL_LOG_DEBUG);
    ccl_log_set_sink(fuzz_model_sink, NULL);

    ccl_conf_init(&fuzz_model_conf);

    if (ccl_conf_parse(&fuzz_model_conf, "fuzz-model.conf",
                       fuzz_model_conf_text, strlen(fuzz_model_conf_text))
        != 0
        || ccl_conf_finish(&fuzz_model_conf) != 0)
    {
        fprintf(stderr, "fuzz_sidecar_model: the fixed configuration does "
                "not load\n");
        abort();
    }

    ccl_target_set_resolver(fuzz_model_resolver, NULL);

    return 0;
}


static int
fuzz_model_lower_host(const char *s)
{
    const char  *p;

    if (!ccl_model_valid_host(s) || strlen(s) > CCL_HOST_MAX) {
        return 0;
    }

    for (p = s; *p; p++) {
        if (isupper((unsigned char) *p)) {
            return 0;
        }
    }

    return 1;
}


static void
fuzz_model_string(const char *s, size_t len, fuzz_rng_t *rng)
{
    char      host[CCL_HOST_MAX + 1], *token;
    size_t    tsize;
    unsigned  port;

    if (fuzz_model_strings++ >= FUZZ_MODEL_STRINGS
        || strlen(s) != len)
    {
        return;
    }

    if (ccl_model_host(s, host, &port) == 0) {
        FUZZ_CHECK(fuzz_model_lower_host(host));
        FUZZ_CHECK(port <= 65535);
    }

    /* valid UTF-8 (jansson's), cut anywhere, stays valid */
    {
        char    cut[64];
        size_t  csize;

        csize = fuzz_rng_range(rng, 1, sizeof(cut));
        (void) ccl_strlcpy(cut, s, csize);
        FUZZ_CHECK(ccl_utf8_fix(cut) == 0);
    }

    /* a hostile address in text is judged without overrunning anything */
    (void) ccl_addr_local_text(s);

    tsize = fuzz_rng_range(rng, 1, 300);
    token = malloc(tsize);
    FUZZ_CHECK(token != NULL);

    if (ccl_api_page_token(s, token, tsize) == 0) {
        FUZZ_CHECK(memchr(token, '\0', tsize) != NULL);
        FUZZ_CHECK(strlen(token) > 0);
        FUZZ_CHECK(strpbrk(token, "&#?\"<> \\") == NULL);
    }

    free(token);
}


static void
fuzz_model_walk(json_t *j, fuzz_rng_t *rng, int depth)
{
    size_t        i;
    json_t       *v;
    const char   *key;

    if (depth > 32) {
        return;
    }

    if (json_is_string(j)) {
        fuzz_model_string(json_string_value(j), json_string_length(j), rng);

    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v) {
            fuzz_model_walk(v, rng, depth + 1);
        }

    } else if (json_is_object(j)) {
        json_object_foreach(j, key, v) {
            fuzz_model_string(key, strlen(key), rng);
            fuzz_model_walk(v, rng, depth + 1);
        }
    }
}


static void
fuzz_model_check_model(const ccl_model_t *m)
{
    size_t               i, z;
    const ccl_domain_t  *d;

    for (i = 0; i < m->nnames; i++) {
        FUZZ_CHECK(m->names[i].host != NULL);
        FUZZ_CHECK(fuzz_model_lower_host(m->names[i].host));
        FUZZ_CHECK(strchr(m->names[i].host, '.') != NULL);
        FUZZ_CHECK(i == 0 || strcmp(m->names[i - 1].host,
                                    m->names[i].host) < 0);
        FUZZ_CHECK(m->names[i].kinds != 0);
        FUZZ_CHECK(ccl_model_confluent_name(m->names[i].host));
    }

    for (i = 0; i < m->ndomains; i++) {
        d = &m->domains[i];

        FUZZ_CHECK(d->id != NULL);
        FUZZ_CHECK(i == 0 || strcmp(m->domains[i - 1].id, d->id) <= 0);

        for (z = 1; z < d->nzones; z++) {
            FUZZ_CHECK(strcmp(d->zones[z - 1].zone, d->zones[z].zone) <= 0);
        }
    }

    for (i = 1; i < m->nclusters; i++) {
        FUZZ_CHECK(strcmp(m->clusters[i - 1].id, m->clusters[i].id) <= 0);
    }
}


/* only printable ASCII, tabs and line ends */
static void
fuzz_model_check_text(const ccl_buf_t *b, const char *what)
{
    size_t         i;
    unsigned char  ch;

    for (i = 0; i < b->len; i++) {
        ch = (unsigned char) b->data[i];

        if (!((ch >= 0x20 && ch < 0x7f) || ch == '\n' || ch == '\r'
              || ch == '\t'))
        {
            fprintf(stderr, "%s: byte 0x%02x at %zu\n", what, ch, i);
            FUZZ_CHECK(0 && "control or non-ASCII byte in a rendered file");
        }
    }
}


static void
fuzz_model_check_routes(const ccl_plan_t *p, const ccl_buf_t *b)
{
    int                 rc;
    char                err[CCLINK_RT_ERRLEN];
    size_t              i;
    cclink_rt_t        *rt;
    cclink_rt_regexes_t     *rx;
    cclink_rt_match_t   m;
    const ccl_route_t  *r;

    rc = cclink_rt_parse("rendered.conf", b->data, b->len, &rt, err,
                         sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "the rendered route table does not parse: %s\n"
                "%.*s\n", err, (int) b->len, b->data);
    }
    FUZZ_CHECK(rc == 0);

    rx = cclink_rt_regexes_compile(rt, err, sizeof(err));
    if (rx == NULL) {
        fprintf(stderr, "rendered regexes: %s\n", err);
    }
    FUZZ_CHECK(rx != NULL);

    for (i = 0; i < p->nroutes && i < 512; i++) {
        r = &p->routes[i];

        if (r->kind != CCL_ROUTE_EXACT) {
            continue;
        }

        rc = cclink_rt_match(rt, rx, r->key, strlen(r->key), &m);
        if (rc != 1
            || strcmp(cclink_rt_str(rt, m.group->name_off), r->group) != 0)
        {
            fprintf(stderr, "exact route \"%s\" -> \"%s\": matched %s\n",
                    r->key, r->group,
                    rc ? cclink_rt_str(rt, m.group->name_off) : "nothing");
        }
        FUZZ_CHECK(rc == 1);
        FUZZ_CHECK(strcmp(cclink_rt_str(rt, m.group->name_off), r->group)
                   == 0);
    }

    cclink_rt_regexes_free(rx);
    cclink_rt_free(rt);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                 rc;
    char               *out;
    size_t              i, osize;
    json_t             *j, *pages, *page, *brokers, *v;
    unsigned            bad;
    ccl_buf_t           b, h;
    fuzz_rng_t          rng;
    ccl_plan_t          groups, cur, prev, merged;
    ccl_model_t         m;
    json_error_t        jerr;
    ccl_plan_stats_t    stats;
    const ccl_conf_t   *c;

    const fuzz_model_parser_t  *mp;

    rng.s = fuzz_hash(data, size);
    c = &fuzz_model_conf;

    /* an error body, as ccl_api reads it */

    osize = fuzz_rng_range(&rng, 1, 200);
    out = malloc(osize);
    FUZZ_CHECK(out != NULL);
    ccl_api_error_text((const char *) data, size, out, osize);
    FUZZ_CHECK(memchr(out, '\0', osize) != NULL);
    FUZZ_CHECK(ccl_utf8_fix(out) == 0);
    free(out);

    /* any bytes: fixed once, valid for good */
    out = malloc(size + 1);
    FUZZ_CHECK(out != NULL);
    memcpy(out, data, size);
    out[size] = '\0';
    (void) ccl_utf8_fix(out);
    FUZZ_CHECK(ccl_utf8_fix(out) == 0);
    v = json_string(out);           /* what the state file needs */
    FUZZ_CHECK(v != NULL);
    json_decref(v);
    free(out);

    j = json_loadb((const char *) data, size, 0, &jerr);
    if (j == NULL) {
        return 0;
    }

    fuzz_model_strings = 0;
    fuzz_model_walk(j, &rng, 0);

    /* the model */

    ccl_model_init(&m);

    pages = json_object_get(j, "pages");

    for (mp = fuzz_model_parsers; mp->key; mp++) {
        page = json_is_object(pages) ? json_object_get(pages, mp->key) : j;

        if (page == NULL) {
            continue;
        }

        bad = 0;
        rc = ccl_model_parse(&m, "env-fuzz", page, "GET /fuzz", &bad,
                             mp->item);
        FUZZ_CHECK(rc == 0 || rc == -1);
    }

    brokers = json_object_get(j, "brokers");

    json_array_foreach(brokers, i, v) {
        if (i >= 64) {
            break;
        }

        if (json_is_string(v)) {
            (void) ccl_model_add_broker(&m, "lkc-fuzz", "env-fuzz", NULL,
                                        json_string_value(v), 9092);
        }
    }

    (void) ccl_model_add_network_flink(&m, NULL);
    FUZZ_CHECK(ccl_model_finish(&m) == 0);
    fuzz_model_check_model(&m);

    /* the plan, as ccl_apply builds it after a complete discovery */

    ccl_plan_init(&groups);
    ccl_plan_init(&cur);
    ccl_plan_init(&prev);
    ccl_plan_init(&merged);

    FUZZ_CHECK(ccl_target_resolve(c, &m, &groups) == 0);
    FUZZ_CHECK(ccl_plan_build(&cur, c, &m, &groups) == 0);
    FUZZ_CHECK(ccl_plan_merge(&prev, &cur, 1, c->drop_after, &merged,
                              &stats) == 0);
    ccl_plan_sort(&merged);

    for (i = 0; i < groups.ngroups; i++) {
        size_t  k;

        for (k = 0; k < groups.groups[i].naddrs; k++) {
            if (ccl_addr_local_text(groups.groups[i].addrs[k].text)
                != NULL)
            {
                fprintf(stderr, "group %s has a refused address %s\n",
                        groups.groups[i].name,
                        groups.groups[i].addrs[k].text);
            }
            FUZZ_CHECK(ccl_addr_local_text(groups.groups[i].addrs[k].text)
                       == NULL);
        }
    }

    for (i = 0; i < merged.nroutes; i++) {
        FUZZ_CHECK(merged.routes[i].kind != CCL_ROUTE_EXACT
                   || ccl_model_confluent_name(merged.routes[i].key));
    }

    /* the files */

    ccl_buf_init(&b, CCL_RENDER_MAX);

    FUZZ_CHECK(ccl_render_routes(&merged, 20261120231500ull,
                                 "2026-11-20T23:15:00Z", &b) == 0);
    fuzz_model_check_text(&b, "routes");
    fuzz_model_check_routes(&merged, &b);

    ccl_buf_reset(&b);
    FUZZ_CHECK(ccl_render_routes(&merged, 0, NULL, &b) == 0);
    fuzz_model_check_text(&b, "routes (content form)");

    ccl_buf_reset(&b);
    FUZZ_CHECK(ccl_render_nginx(&merged, c, 1, &b) == 0);
    fuzz_model_check_text(&b, "nginx include");

    ccl_buf_reset(&b);
    FUZZ_CHECK(ccl_render_powershell(&merged, c, &b) == 0);
    fuzz_model_check_text(&b, "powershell");

    ccl_buf_reset(&b);
    FUZZ_CHECK(ccl_render_hosts(&merged, c, CCL_HOSTS_WINDOWS, &b) == 0);
    fuzz_model_check_text(&b, "hosts (windows)");

    ccl_buf_reset(&b);
    FUZZ_CHECK(ccl_render_hosts(&merged, c, CCL_HOSTS_LINUX, &b) == 0);
    fuzz_model_check_text(&b, "hosts (linux)");

    /* the hosts block edits into a hosts file, and once only */

    ccl_buf_init(&h, CCL_HOSTS_MAX_FILE);
    FUZZ_CHECK(ccl_hosts_edit("fuzz-hosts", "127.0.0.1 localhost\n", 20,
                              c->proxy_name, b.data ? b.data : "", 0, &h)
               == 0);

    {
        ccl_buf_t  h2;

        ccl_buf_init(&h2, CCL_HOSTS_MAX_FILE);
        FUZZ_CHECK(ccl_hosts_edit("fuzz-hosts", h.data, h.len,
                                  c->proxy_name, b.data ? b.data : "", 0,
                                  &h2) == 0);
        FUZZ_CHECK(h2.len == h.len && memcmp(h2.data, h.data, h.len) == 0);
        ccl_buf_release(&h2);
    }

    ccl_buf_release(&h);
    ccl_buf_release(&b);
    ccl_plan_release(&merged);
    ccl_plan_release(&prev);
    ccl_plan_release(&cur);
    ccl_plan_release(&groups);
    ccl_model_release(&m);
    json_decref(j);

    return 0;
}
