/*
 * Copyright (C) cclink authors
 *
 * Unit tests: route table parser and matcher.
 */

#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "cclink_routes.h"
#include "ctest.h"


#define HDR  "cclink-routes 1\nserial 7\n"

static char  err[CCLINK_RT_ERRLEN];


static cclink_rt_t *
parse(const char *text)
{
    cclink_rt_t  *rt;

    err[0] = '\0';

    if (cclink_rt_parse("t.conf", text, strlen(text), &rt, err, sizeof(err))
        != 0)
    {
        return NULL;
    }

    return rt;
}


/* returns the matched key, or NULL */
static const char *
match(const cclink_rt_t *rt, const char *name)
{
    static char         key[300];
    cclink_rt_regexes_t     *rx;
    cclink_rt_match_t   m;
    int                 ok;

    rx = cclink_rt_regexes_compile(rt, err, sizeof(err));
    if (rx == NULL) {
        return NULL;
    }

    ok = cclink_rt_match(rt, rx, name, strlen(name), &m);
    cclink_rt_regexes_free(rx);

    if (!ok) {
        return NULL;
    }

    snprintf(key, sizeof(key), "%s", cclink_rt_str(rt, m.route->key_off));

    return key;
}


static const char *
match_group(const cclink_rt_t *rt, const char *name)
{
    cclink_rt_match_t  m;

    if (!cclink_rt_match(rt, NULL, name, strlen(name), &m)) {
        return NULL;
    }

    return cclink_rt_str(rt, m.group->name_off);
}


CTEST(routes_header_fields)
{
    cclink_rt_t  *rt;

    rt = parse("# comment\n\ncclink-routes 1\nserial 20261120\n"
               "generated 2026-11-20T23:00:00Z\n"
               "group g 10.0.0.1\nroute a.example.com g\nend\n");
    REQUIRE(rt != NULL);
    CHECK(rt->serial == 20261120);
    CHECK_STR(cclink_rt_str(rt, rt->generated_off), "2026-11-20T23:00:00Z");
    CHECK(rt->nroutes == 1 && rt->ngroups == 1 && rt->naddrs == 1);
    cclink_rt_free(rt);
}


CTEST(routes_exact_and_case)
{
    cclink_rt_t  *rt;

    rt = parse(HDR "group g 10.0.0.1\n"
               "route Lkc-ABC.us-west-2.aws.confluent.cloud g\nend\n");
    REQUIRE(rt != NULL);
    CHECK_STR(match(rt, "lkc-abc.us-west-2.aws.confluent.cloud"),
              "lkc-abc.us-west-2.aws.confluent.cloud");
    CHECK_STR(match(rt, "LKC-ABC.US-WEST-2.AWS.CONFLUENT.CLOUD"),
              "lkc-abc.us-west-2.aws.confluent.cloud");
    CHECK(match(rt, "lkc-abd.us-west-2.aws.confluent.cloud") == NULL);
    CHECK(match(rt, "x.lkc-abc.us-west-2.aws.confluent.cloud") == NULL);
    cclink_rt_free(rt);
}


CTEST(routes_trailing_dot)
{
    cclink_rt_t  *rt;

    rt = parse(HDR "group g 10.0.0.1\nroute a.example.com. g\n"
               "route *.w.example.com. g\nend\n");
    REQUIRE(rt != NULL);
    CHECK_STR(match(rt, "a.example.com"), "a.example.com");
    CHECK_STR(match(rt, "a.example.com."), "a.example.com");
    CHECK_STR(match(rt, "x.w.example.com."), "*.w.example.com");
    /* only one trailing dot is ignored */
    CHECK(match(rt, "a.example.com..") == NULL);
    cclink_rt_free(rt);
}


CTEST(routes_exact_beats_wildcard)
{
    cclink_rt_t  *rt;

    rt = parse(HDR "group w 10.0.0.1\ngroup e 10.0.0.2\n"
               "route *.example.com w\nroute a.example.com e\nend\n");
    REQUIRE(rt != NULL);
    CHECK_STR(match_group(rt, "a.example.com"), "e");
    CHECK_STR(match_group(rt, "b.example.com"), "w");
    cclink_rt_free(rt);
}


CTEST(routes_longest_leading_wildcard)
{
    cclink_rt_t  *rt;

    rt = parse(HDR "group short 10.0.0.1\ngroup long 10.0.0.2\n"
               "route *.com short\nroute *.b.example.com long\n"
               "route *.example.com short\nend\n");
    REQUIRE(rt != NULL);
    CHECK_STR(match(rt, "a.b.example.com"), "*.b.example.com");
    CHECK_STR(match(rt, "x.y.b.example.com"), "*.b.example.com");
    CHECK_STR(match(rt, "c.example.com"), "*.example.com");
    CHECK_STR(match(rt, "b.example.com"), "*.example.com");
    CHECK_STR(match(rt, "other.com"), "*.com");
    /* "*.x" does not match x itself */
    CHECK(match(rt, "com") == NULL);
    cclink_rt_free(rt);
}


CTEST(routes_dot_form_matches_itself)
{
    cclink_rt_t  *rt;

    rt = parse(HDR "group g 10.0.0.1\nroute .example.com g\n"
               "route *.sub.example.com g\nend\n");
    REQUIRE(rt != NULL);
    CHECK_STR(match(rt, "example.com"), ".example.com");
    CHECK_STR(match(rt, "a.example.com"), ".example.com");
    /* the longer leading wildcard wins over the dot form */
    CHECK_STR(match(rt, "a.sub.example.com"), "*.sub.example.com");
    /* "*.sub.example.com" does not cover sub.example.com: the dot form does */
    CHECK_STR(match(rt, "sub.example.com"), ".example.com");
    CHECK(match(rt, "xexample.com") == NULL);
    cclink_rt_free(rt);
}


CTEST(routes_trailing_wildcard)
{
    cclink_rt_t  *rt;

    rt = parse(HDR "group g 10.0.0.1\nroute www.example.* g\n"
               "route www.* g\nroute *.org g\nend\n");
    REQUIRE(rt != NULL);
    CHECK_STR(match(rt, "www.example.com"), "www.example.*");
    CHECK_STR(match(rt, "www.example.co.uk"), "www.example.*");
    CHECK_STR(match(rt, "www.other.com"), "www.*");
    /* a leading wildcard beats a trailing one */
    CHECK_STR(match(rt, "www.example.org"), "*.org");
    CHECK_STR(match(rt, "www.example"), "www.*");
    CHECK(match(rt, "www") == NULL);
    cclink_rt_free(rt);
}


CTEST(routes_regex_file_order_and_last)
{
    cclink_rt_t  *rt;

    rt = parse(HDR "group a 10.0.0.1\ngroup b 10.0.0.2\n"
               "route ~^e-[0-9a-f]{4}-usw2-az1-l63jl\\. a\n"
               "route ~^e-[0-9a-f]{4}- b\n"
               "route x.*  b\nend\n");
    REQUIRE(rt != NULL);
    CHECK_STR(match(rt, "e-0cb9-usw2-az1-l63jl.us-west-2.aws.glb.confluent"
                        ".cloud"),
              "~^e-[0-9a-f]{4}-usw2-az1-l63jl\\.");
    CHECK_STR(match(rt, "E-0CB9-USW2-AZ2-L63JL.us-west-2.aws.glb.confluent"
                        ".cloud"),
              "~^e-[0-9a-f]{4}-");
    /* a trailing wildcard beats any regex */
    CHECK_STR(match(rt, "x.e-0cb9-usw2"), "x.*");
    CHECK(match(rt, "f-0cb9-usw2-az1") == NULL);
    cclink_rt_free(rt);
}


CTEST(routes_invalid_names_never_match)
{
    cclink_rt_t  *rt;

    rt = parse(HDR "group g 10.0.0.1\nroute ~. g\nend\n");
    REQUIRE(rt != NULL);
    CHECK(match(rt, "ok.example.com") != NULL);
    CHECK(match(rt, "") == NULL);
    CHECK(match(rt, "a..b") == NULL);
    CHECK(match(rt, ".a") == NULL);
    CHECK(match(rt, "a b") == NULL);
    CHECK(match(rt, "a/b") == NULL);
    cclink_rt_free(rt);
}


CTEST(routes_addresses)
{
    cclink_rt_t             *rt;
    const cclink_rt_addr_t  *a;
    const cclink_rt_group_t *g;
    char                     s[64];

    rt = parse(HDR "group g 10.0.0.1 zone=usw2-az1\n"
               "group h [fd00::1]:9092 zone=az2\n"
               "group g 10.0.0.2:443\n"
               "group h fd00::2\n"
               "route a.b h\nroute c.d g\nend\n");
    REQUIRE(rt != NULL);
    CHECK(rt->naddrs == 4 && rt->ngroups == 2);

    g = &cclink_rt_groups(rt)[0];
    CHECK_STR(cclink_rt_str(rt, g->name_off), "g");
    CHECK(g->naddrs == 2 && g->used == 1);
    a = &cclink_rt_addrs(rt)[g->addrs];
    CHECK(a[0].u.sa.sa_family == AF_INET && a[0].port_set == 0);
    CHECK_STR(cclink_rt_str(rt, a[0].zone_off), "usw2-az1");
    CHECK(a[1].port_set == 1 && ntohs(a[1].u.sin.sin_port) == 443);
    CHECK(a[1].zone_len == 0);
    inet_ntop(AF_INET, &a[1].u.sin.sin_addr, s, sizeof(s));
    CHECK_STR(s, "10.0.0.2");

    g = &cclink_rt_groups(rt)[1];
    a = &cclink_rt_addrs(rt)[g->addrs];
    CHECK(a[0].u.sa.sa_family == AF_INET6);
    CHECK(ntohs(a[0].u.sin6.sin6_port) == 9092);
    CHECK_STR(cclink_rt_str(rt, a[0].text_off), "[fd00::1]:9092");
    CHECK(a[1].u.sa.sa_family == AF_INET6 && a[1].port_set == 0);
    cclink_rt_free(rt);
}


/* the name a connection logs: canonical, the port only when the table set it */

CTEST(routes_address_names)
{
    cclink_rt_t             *rt;
    const cclink_rt_addr_t  *a;

    rt = parse(HDR "group g 10.0.0.1\n"
               "group g 10.0.0.2:443\n"
               "group g [FD00:0:0::1]:9092\n"
               "group g fd00:0::0:2\n"
               "group g ::ffff:10.0.0.3\n"
               "route a.b g\nend\n");
    REQUIRE(rt != NULL);
    REQUIRE(rt->naddrs == 5);

    a = cclink_rt_addrs(rt);
    CHECK_STR(cclink_rt_str(rt, a[0].name_off), "10.0.0.1");
    CHECK(a[0].name_len == strlen("10.0.0.1"));
    CHECK_STR(cclink_rt_str(rt, a[1].name_off), "10.0.0.2:443");
    CHECK_STR(cclink_rt_str(rt, a[2].name_off), "[fd00::1]:9092");
    CHECK_STR(cclink_rt_str(rt, a[2].text_off), "[FD00:0:0::1]:9092");
    CHECK_STR(cclink_rt_str(rt, a[3].name_off), "[fd00::2]");
    CHECK_STR(cclink_rt_str(rt, a[4].name_off), "[::ffff:10.0.0.3]");
    cclink_rt_free(rt);
}


CTEST(routes_crlf_and_tabs)
{
    cclink_rt_t  *rt;

    rt = parse("cclink-routes 1\r\nserial\t1\r\ngroup\tg\t10.0.0.1\r\n"
               "route\ta.b\tg\r\nend\r\n");
    REQUIRE(rt != NULL);
    CHECK_STR(match(rt, "a.b"), "a.b");
    cclink_rt_free(rt);
}


static int
fails_with(const char *text, const char *expect)
{
    cclink_rt_t  *rt;

    rt = parse(text);
    if (rt != NULL) {
        cclink_rt_free(rt);
        fprintf(stderr, "  parsed, expected \"%s\"\n", expect);
        return 0;
    }

    if (strstr(err, expect) == NULL) {
        fprintf(stderr, "  error \"%s\", expected \"%s\"\n", err, expect);
        return 0;
    }

    return 1;
}


CTEST(routes_error_empty_and_header)
{
    CHECK(fails_with("", "t.conf:1: empty file"));
    CHECK(fails_with("# only a comment\n\n", "t.conf:2: no header line"));
    CHECK(fails_with("serial 1\n", "t.conf:1: expected the header line"));
    CHECK(fails_with("cclink-routes 2\n", "t.conf:1: unsupported format"));
    CHECK(fails_with(HDR "cclink-routes 1\n", "t.conf:3: duplicate header"));
}


CTEST(routes_error_truncated)
{
    CHECK(fails_with(HDR "group g 10.0.0.1\nroute a.b g\n",
                     "t.conf:4: file ends without the \"end\" line"));
    CHECK(fails_with(HDR "group g 10.0.0.1\nroute a.b g\nend\nroute c g\n",
                     "t.conf:6: text after the \"end\" line"));
    CHECK(fails_with("cclink-routes 1\ngroup g 10.0.0.1\nend\n",
                     "t.conf: missing \"serial\""));
}


CTEST(routes_error_unknown_group)
{
    CHECK(fails_with(HDR "group g 10.0.0.1\n\nroute a.b.c gg\nend\n",
                     "t.conf:5: route \"a.b.c\" names unknown group \"gg\""));
}


CTEST(routes_error_duplicates)
{
    CHECK(fails_with(HDR "group g 10.0.0.1\nroute a.b g\nroute A.B. g\nend\n",
                     "t.conf:5: duplicate route key \"a.b\" (first at line "
                     "4)"));
    CHECK(fails_with(HDR "group g 10.0.0.1\nroute *.a.b g\nroute .a.b g\n"
                     "end\n", "t.conf:5: duplicate route key"));
    CHECK(fails_with(HDR "group g 10.0.0.1\nroute ~x g\nroute ~x g\nend\n",
                     "t.conf:5: duplicate route key \"~x\""));
    CHECK(fails_with(HDR "serial 2\n", "t.conf:3: duplicate \"serial\" line "
                     "(first at line 2)"));
    CHECK(fails_with(HDR "group g 10.0.0.1\ngroup g 10.0.0.1\n",
                     "t.conf:4: duplicate address \"10.0.0.1\""));
}


CTEST(routes_error_bad_values)
{
    CHECK(fails_with(HDR "group g 10.0.0.300\n", "t.conf:3: invalid address"));
    CHECK(fails_with(HDR "group g host.example.com\n",
                     "t.conf:3: invalid address"));
    CHECK(fails_with(HDR "group g 10.0.0.1:0\n", "t.conf:3: invalid port"));
    CHECK(fails_with(HDR "group g 10.0.0.1:65536\n", "t.conf:3: invalid port"));
    CHECK(fails_with(HDR "group g [fd00::1\n", "t.conf:3: invalid address"));
    CHECK(fails_with(HDR "group g 10.0.0.1 az1\n", "t.conf:3: invalid zone"));
    CHECK(fails_with(HDR "group g/x 10.0.0.1\n",
                     "t.conf:3: invalid group name"));
    CHECK(fails_with(HDR "route a*b.c g\n", "t.conf:3: invalid route key"));
    CHECK(fails_with(HDR "route a..b g\n", "t.conf:3: invalid route key"));
    CHECK(fails_with(HDR "route a.b\n", "t.conf:3: \"route\" takes"));
    CHECK(fails_with(HDR "group g 10.0.0.1\nroute ~a(b g\nend\n",
                     "t.conf:4: invalid regular expression \"~a(b\""));
    CHECK(fails_with(HDR "serial x\n", "t.conf:3: duplicate"));
    CHECK(fails_with("cclink-routes 1\nserial -1\n",
                     "t.conf:2: \"serial\" takes a number"));
    CHECK(fails_with(HDR "frobnicate 1\n",
                     "t.conf:3: unknown directive \"frobnicate\""));
    CHECK(fails_with(HDR "end now\n", "t.conf:3: \"end\" takes no value"));
}


CTEST(routes_error_group_size_and_nul)
{
    char    buf[8192];
    size_t  n;
    int     i;

    n = (size_t) snprintf(buf, sizeof(buf), HDR);

    for (i = 0; i < CCLINK_RT_MAX_ADDRS + 1; i++) {
        n += (size_t) snprintf(buf + n, sizeof(buf) - n,
                               "group g 10.0.%d.%d\n", i / 200, i % 200 + 1);
    }

    CHECK(fails_with(buf, "t.conf:67: group \"g\" has more than 64"));

    {
        cclink_rt_t  *rt;
        const char    nul[] = "cclink-routes 1\n\0serial 1\nend\n";

        CHECK(cclink_rt_parse("t.conf", nul, sizeof(nul) - 1, &rt, err,
                              sizeof(err)) == -1);
        CHECK(strstr(err, "NUL byte") != NULL);
    }
}


CTEST(routes_parse_file_errors_name_file)
{
    cclink_rt_t  *rt;

    CHECK(cclink_rt_parse_file("/nonexistent/routes.conf", &rt, err,
                               sizeof(err)) == -1);
    CHECK(strstr(err, "/nonexistent/routes.conf: cannot open") == err);
    CHECK(cclink_rt_parse_file("/", &rt, err, sizeof(err)) == -1);
    CHECK(strstr(err, "not a regular file") != NULL);
}


CTEST(routes_blob_is_relocatable)
{
    cclink_rt_t  *rt, *copy;
    size_t        size;

    rt = parse(HDR "group g 10.0.0.1 zone=a\nroute x.y g\nroute *.w.y g\n"
               "route ~^r g\nend\n");
    REQUIRE(rt != NULL);

    size = cclink_rt_size(rt);
    copy = malloc(size);
    REQUIRE(copy != NULL);
    memcpy(copy, rt, size);
    memset(rt, 0xff, size);
    cclink_rt_free(rt);

    CHECK(cclink_rt_check(copy, size) == 0);
    CHECK(cclink_rt_check(copy, size - 1) == -1);
    CHECK_STR(match(copy, "x.y"), "x.y");
    CHECK_STR(match(copy, "a.w.y"), "*.w.y");
    CHECK_STR(match(copy, "rrr"), "~^r");
    free(copy);
}


CTEST(routes_100k_exact_hash)
{
    char              *buf, name[128];
    size_t             cap, n;
    uint32_t           i, maxp;
    uint64_t           total;
    cclink_rt_t       *rt;
    cclink_rt_match_t  m;

    cap = 100000 * 80 + 1024;
    buf = malloc(cap);
    REQUIRE(buf != NULL);

    n = (size_t) snprintf(buf, cap, HDR "group g 10.0.0.1\n"
                          "group h 10.0.0.2\n");

    for (i = 0; i < 100000; i++) {
        n += (size_t) snprintf(buf + n, cap - n,
                               "route e-%05x-usw2-az1-l63jl.us-west-2.aws.glb"
                               ".confluent.cloud %s\n", i,
                               (i & 1) ? "g" : "h");
    }

    n += (size_t) snprintf(buf + n, cap - n, "end\n");

    CHECK(cclink_rt_parse("big.conf", buf, n, &rt, err, sizeof(err)) == 0);
    free(buf);
    CHECK(rt->nroutes == 100000);

    for (i = 0; i < 100000; i += 7) {
        snprintf(name, sizeof(name), "E-%05X-usw2-az1-l63jl.us-west-2.aws.glb"
                 ".confluent.cloud", i);
        CHECK(cclink_rt_match(rt, NULL, name, strlen(name), &m) == 1);
        CHECK(m.route_index == i);
    }

    CHECK(cclink_rt_match(rt, NULL, "e-fffff-usw2", 12, &m) == 0);

    /* the cost of a lookup is bounded: short probe sequences */
    cclink_rt_stats(rt, &maxp, &total);
    CHECK((double) total / 100000 < 2.0);
    CHECK(maxp < 64);

    cclink_rt_free(rt);
}


CTEST(routes_regex_work_is_bounded)
{
    char          name[256];
    cclink_rt_t  *rt;

    /* catastrophic backtracking on a name of a's ending in "!" */
    rt = parse(HDR "group g 10.0.0.1\nroute ~^(a|aa)+$ g\n"
               "route ~^a+b g\nend\n");
    REQUIRE(rt != NULL);

    memset(name, 'a', 60);
    memcpy(name + 60, ".b", 3);
    CHECK(match(rt, name) == NULL);

    memset(name, 'a', 60);
    name[60] = 'b';
    name[61] = '\0';
    CHECK_STR(match(rt, name), "~^a+b");

    memset(name, 'a', 20);
    name[20] = '\0';
    CHECK_STR(match(rt, name), "~^(a|aa)+$");
    cclink_rt_free(rt);
}


/* route attributes: cluster=, env=, service=, kept in the blob */

static const char *
attr(const cclink_rt_t *rt, uint32_t route, int which)
{
    const cclink_rt_route_t  *r;

    r = &cclink_rt_routes(rt)[route];

    if (r->attr_off[which] == 0) {
        return NULL;
    }

    return cclink_rt_str(rt, r->attr_off[which]);
}


CTEST(routes_attributes_kept)
{
    cclink_rt_t  *rt;

    rt = parse(HDR "group g 10.0.0.1\n"
               "route a.example.com g cluster=lkc-abc12 env=env-m2qx7 "
               "service=kafka\n"
               "route b.example.com g service=schema_registry\n"
               "route *.example.com g env=env-1 cluster=lkc-9\n"
               "route c.example.com g\nend\n");
    REQUIRE(rt != NULL);
    CHECK_STR(attr(rt, 0, CCLINK_RT_ATTR_CLUSTER), "lkc-abc12");
    CHECK_STR(attr(rt, 0, CCLINK_RT_ATTR_ENV), "env-m2qx7");
    CHECK_STR(attr(rt, 0, CCLINK_RT_ATTR_SERVICE), "kafka");
    CHECK(cclink_rt_routes(rt)[0].attr_len[CCLINK_RT_ATTR_CLUSTER] == 9);
    CHECK(attr(rt, 1, CCLINK_RT_ATTR_CLUSTER) == NULL);
    CHECK_STR(attr(rt, 1, CCLINK_RT_ATTR_SERVICE), "schema_registry");
    CHECK_STR(attr(rt, 2, CCLINK_RT_ATTR_CLUSTER), "lkc-9");
    CHECK_STR(attr(rt, 2, CCLINK_RT_ATTR_ENV), "env-1");
    CHECK(attr(rt, 3, CCLINK_RT_ATTR_ENV) == NULL);

    /* matching is untouched by them */
    CHECK_STR(match(rt, "a.example.com"), "a.example.com");
    CHECK_STR(match(rt, "x.example.com"), "*.example.com");
    CHECK_STR(cclink_rt_attr_names[CCLINK_RT_ATTR_SERVICE], "service");
    cclink_rt_free(rt);
}


CTEST(routes_attributes_refused)
{
    CHECK(fails_with(HDR "group g 10.0.0.1\nroute a.b g color=red\nend\n",
                     "t.conf:4: invalid route attribute \"color=red\""));
    CHECK(fails_with(HDR "group g 10.0.0.1\nroute a.b g cluster=\nend\n",
                     "invalid route attribute \"cluster=\""));
    CHECK(fails_with(HDR "group g 10.0.0.1\nroute a.b g env=a/b\nend\n",
                     "invalid route attribute \"env=a/b\""));
    CHECK(fails_with(HDR "group g 10.0.0.1\n"
                     "route a.b g service=kafka service=rest\nend\n",
                     "duplicate route attribute \"service\""));
    CHECK(fails_with(HDR "group g 10.0.0.1\n"
                     "route a.b g cluster=a env=b service=c cluster=d\n"
                     "end\n", "optional cluster=, env= and service="));
    CHECK(fails_with(HDR "group g 10.0.0.1\nroute a.b g cluster="
                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                     "aaaaaaaaaaaaaaaaaaaaaaaaa\nend\n",
                     "invalid route attribute"));
}
