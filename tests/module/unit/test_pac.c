/*
 * Copyright (C) cclink authors
 *
 * Unit tests of the PAC renderer (cclink_pac.c): what it writes for each
 * route kind, that nothing from a route can leave its JavaScript string,
 * the regular expressions it leaves out, the proxy address check, and
 * the bounded buffer.
 */

#include <stdlib.h>

#include "ctest.h"
#include "cclink_pac.h"
#include "cclink_routes.h"


static const char  pac_table[] =
    "cclink-routes 1\n"
    "serial 7\n"
    "group g 10.0.0.1\n"
    "route exact.example.com g\n"
    "route *.wild.example.com g\n"
    "route .dot.example.com g\n"
    "route www.tail.* g\n"
    "route ~^a\"b\\\\/c</script>$ g\n"
    "route ~\\Aanchored\\z g\n"
    "end\n";


static char *
pac_render(const char *table, size_t *len)
{
    char          err[CCLINK_RT_ERRLEN], *out;
    size_t        n;
    cclink_rt_t  *rt;

    if (cclink_rt_parse("t", table, strlen(table), &rt, err, sizeof(err))
        != 0)
    {
        fprintf(stderr, "  %s\n", err);
        return NULL;
    }

    n = cclink_pac_render(rt, "10.20.0.10:3128", 15, NULL, 0);
    out = malloc(n + 1);

    if (out) {
        *len = cclink_pac_render(rt, "10.20.0.10:3128", 15, out, n);
        out[n] = '\0';
    }

    cclink_rt_free(rt);

    return out;
}


CTEST(pac_each_route_kind)
{
    char    *pac;
    size_t   len;

    pac = pac_render(pac_table, &len);
    REQUIRE(pac != NULL);
    CHECK(strlen(pac) == len);

    CHECK(strstr(pac, "(route table serial 7)") != NULL);
    CHECK(strstr(pac, "var cclinkProxy = \"PROXY 10.20.0.10:3128\";")
          != NULL);
    CHECK(strstr(pac, "\"exact.example.com\": 1") != NULL);
    CHECK(strstr(pac, "dnsDomainIs(h, \".\" + \"wild.example.com\")")
          != NULL);
    CHECK(strstr(pac, "h == \"dot.example.com\" || dnsDomainIs(h, \".\" + "
                      "\"dot.example.com\")") != NULL);
    CHECK(strstr(pac, "h.indexOf(\"www.tail\" + \".\") == 0 && h.length > 9")
          != NULL);
    CHECK(strstr(pac, "return \"DIRECT\";") != NULL);

    /* the quote, backslash, slash and "<" of the route are escaped */
    CHECK(strstr(pac, "new RegExp(\"\\x5ea\\x22b\\x5c\\x5c\\x2fc\\x3c\\x2f"
                      "script\\x3e\\x24\", \"i\")") != NULL);
    CHECK(strstr(pac, "</script>") == NULL);

    /* PCRE-only syntax is left out, as a comment */
    CHECK(strstr(pac, "// left out (not JavaScript): \"\\x5cAanchored"
                      "\\x5cz\"") != NULL);

    free(pac);
}


CTEST(pac_regex_skipped)
{
    CHECK(!cclink_pac_regex_skipped("^[a-z0-9-]+\\.example\\.com$", 27));
    CHECK(!cclink_pac_regex_skipped("^(?:a|b)\\d{2,3}$", 16));
    CHECK(cclink_pac_regex_skipped("\\Afoo", 5));
    CHECK(cclink_pac_regex_skipped("foo\\z", 5));
    CHECK(cclink_pac_regex_skipped("(?i)foo", 7));
    CHECK(cclink_pac_regex_skipped("[[:alpha:]]", 11));
    CHECK(cclink_pac_regex_skipped("a++", 3));
    CHECK(cclink_pac_regex_skipped("\\Qa.b\\E", 7));
}


CTEST(pac_proxy_ok)
{
    CHECK(cclink_pac_proxy_ok("10.20.0.10:3128", 15));
    CHECK(cclink_pac_proxy_ok("proxy.example.net:8080", 22));
    CHECK(cclink_pac_proxy_ok("[fd00::1]:3128", 14));
    CHECK(!cclink_pac_proxy_ok("10.20.0.10", 10));
    CHECK(!cclink_pac_proxy_ok("10.20.0.10:", 11));
    CHECK(!cclink_pac_proxy_ok("a:1\"; x", 7));
    CHECK(!cclink_pac_proxy_ok("a b:1", 5));
    CHECK(!cclink_pac_proxy_ok("", 0));
}


CTEST(pac_bounded_buffer)
{
    char    small[16];
    size_t  n;

    /* without a table: DIRECT for every name; the length is the whole */
    n = cclink_pac_render(NULL, "a:1", 3, small, sizeof(small));
    CHECK(n > sizeof(small));
    CHECK(memcmp(small, "// cclink: proxy", sizeof(small)) == 0);
}
