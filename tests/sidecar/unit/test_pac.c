/*
 * Copyright (C) cclink authors
 *
 * Unit tests of ccl_pac: the PAC file the sidecar writes, from the golden
 * route table (golden/proxy.pac), and its failures.
 */

#include <stdlib.h>
#include <string.h>

#include "ccl_conf.h"
#include "ccl_pac.h"
#include "ccl_test.h"


static void
pac_conf(ccl_conf_t *c, const char *proxy)
{
    ccl_conf_init(c);

    if (proxy) {
        c->pac_proxy = strdup(proxy);
        CHECK(c->pac_proxy != NULL);
    }

    c->routes_file = strdup("routes.conf");
    CHECK(c->routes_file != NULL);
}


static void
test_pac_golden(void)
{
    ccl_conf_t  c;
    ccl_buf_t   routes, out;

    pac_conf(&c, "10.20.0.10:3128");
    ccl_buf_init(&routes, 1 << 24);
    ccl_buf_init(&out, 1 << 24);

    CHECK_INT(ccl_test_read("golden/routes.conf", &routes), 0);
    CHECK_INT(ccl_pac_render(&routes, &c, &out), 0);
    ccl_test_golden("golden/proxy.pac", out.data, out.len);

    /* every exact route of the table is in the PAC, with the proxy */
    CHECK(out.len > 0 && strstr(out.data, "\"PROXY 10.20.0.10:3128\"")
              != NULL);
    CHECK(strstr(out.data, "return \"DIRECT\";") != NULL);

    ccl_buf_release(&routes);
    ccl_buf_release(&out);
    ccl_conf_release(&c);
}


static void
test_pac_off_and_failures(void)
{
    ccl_conf_t  c;
    ccl_buf_t   routes, out;

    ccl_buf_init(&routes, 1 << 20);
    ccl_buf_init(&out, 1 << 20);
    CHECK_INT(ccl_buf_adds(&routes, "cclink-routes 1\nserial 1\n"
                               "group g 10.0.0.1\nroute a.example.com g\n"
                               "end\n"), 0);

    /* no pac_proxy: nothing rendered, nothing written */
    pac_conf(&c, NULL);
    CHECK_INT(ccl_pac_render(&routes, &c, &out), 0);
    CHECK_INT(out.len, 0);
    ccl_conf_release(&c);

    /* a proxy address that would break the script */
    pac_conf(&c, "10.0.0.1:3128\"; alert(1); \"");
    ccl_test_log_clear();
    CHECK_INT(ccl_pac_render(&routes, &c, &out), -1);
    CHECK(ccl_test_log_has("pac_failed"));
    CHECK_INT(out.len, 0);
    ccl_conf_release(&c);

    /* a table the module's parser refuses */
    pac_conf(&c, "10.0.0.1:3128");
    ccl_buf_reset(&routes);
    CHECK_INT(ccl_buf_adds(&routes, "cclink-routes 1\nserial 1\n"), 0);
    CHECK_INT(ccl_pac_render(&routes, &c, &out), -1);
    ccl_conf_release(&c);

    ccl_buf_release(&routes);
    ccl_buf_release(&out);
}


void
ccl_suite_pac(void)
{
    CTEST_RUN(test_pac_golden);
    CTEST_RUN(test_pac_off_and_failures);
}
