/*
 * Copyright (C) cclink authors
 *
 * Unit tests: the shared hosts-editing cases (tests/sidecar/unit/hosts_cases)
 * run through the C editor, the backup rules, and hosts-apply.sh.
 */


#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ccl_client.h"
#include "ccl_conf.h"
#include "ccl_dnssetup.h"
#include "ccl_file.h"
#include "ccl_hosts.h"
#include "ccl_hostsh.h"
#include "ccl_test.h"


#define CASES  "hosts_cases"


static int
read_case(const char *name, const char *file, ccl_buf_t *b)
{
    char  rel[512], path[4096];

    snprintf(rel, sizeof(rel), CASES "/%s/%s", name, file);
    ccl_buf_init(b, 1 << 20);

    /* an empty file still needs a buffer */
    if (ccl_file_read(ccl_test_path(rel, path, sizeof(path)), 1 << 20, b)
        != 0)
    {
        return -1;
    }

    return ccl_buf_add(b, "", 0);
}


static void
run_case(const char *name, const char *block)
{
    int          rc, refused_line;
    char         path[4200], needle[4300], op[128], *nl;
    const char  *old_name;
    ccl_buf_t    input, expected, refused, opb, got;

    if (read_case(name, "op", &opb) != 0) {
        ctest_fail(__FILE__, __LINE__, "case %s: no op", name);
        return;
    }

    snprintf(op, sizeof(op), "%s", opb.data);
    nl = strchr(op, '\n');
    if (nl != NULL) {
        *nl = '\0';
    }

    snprintf(path, sizeof(path), "%s/hosts-%s", ccl_test_tmpdir(), name);
    (void) unlink(path);

    if (read_case(name, "input", &input) == 0) {
        CHECK(ccl_file_commit(path, input.data, input.len, 0644) == 0);
    }

    old_name = NULL;
    if (strncmp(op, "apply --replace-name ", 21) == 0) {
        old_name = op + 21;
    }

    ccl_test_log_clear();
    rc = ccl_hosts_update(path, "edge-1",
                          strcmp(op, "remove") == 0 ? NULL : block, 0,
                          old_name);

    ccl_buf_init(&got, 1 << 20);
    if (ccl_file_read(path, 1 << 20, &got) == 0) {
        (void) ccl_buf_add(&got, "", 0);
    }

    if (read_case(name, "refused", &refused) == 0) {
        refused_line = (int) strtol(refused.data, NULL, 10);
        snprintf(needle, sizeof(needle), "where=%s:%d ", path,
                 refused_line);

        if (rc != -1 || !ccl_test_log_has(needle)) {
            ctest_fail(__FILE__, __LINE__, "case %s: rc %d, expected a "
                          "refusal naming line %d", name, rc, refused_line);
        }

        if (got.len != input.len
            || memcmp(got.data, input.data, input.len) != 0)
        {
            ctest_fail(__FILE__, __LINE__, "case %s: refused, but the "
                          "file changed", name);
        }

    } else if (read_case(name, "expected", &expected) == 0) {
        if (rc < 0 || got.data == NULL || got.len != expected.len
            || memcmp(got.data, expected.data, expected.len) != 0)
        {
            ctest_fail(__FILE__, __LINE__, "case %s: rc %d, got "
                          "\"%s\", expected \"%s\"", name, rc,
                          got.data ? got.data : "(no file)",
                          expected.data);
        }

        ccl_buf_release(&expected);

    } else {
        ctest_fail(__FILE__, __LINE__, "case %s: neither expected nor "
                      "refused", name);
    }

    ccl_buf_release(&refused);
    ccl_buf_release(&got);
    ccl_buf_release(&input);
    ccl_buf_release(&opb);
}


static void
test_client_hosts_cases(void)
{
    int             n;
    DIR            *dir;
    char            path[4096];
    ccl_buf_t       block;
    struct dirent  *de;

    CHECK(ccl_test_read(CASES "/BLOCK", &block) == 0);

    dir = opendir(ccl_test_path(CASES, path, sizeof(path)));
    CHECK(dir != NULL);
    if (dir == NULL) {
        return;
    }

    n = 0;

    for (de = readdir(dir); de != NULL; de = readdir(dir)) {
        if (de->d_name[0] == '.' || strcmp(de->d_name, "BLOCK") == 0
            || strcmp(de->d_name, "README.md") == 0)
        {
            continue;
        }

        run_case(de->d_name, block.data);
        n++;
    }

    closedir(dir);
    ccl_buf_release(&block);

    /* the table is not empty by accident */
    CHECK(n >= 20);
}


/* the script the sh runs of the table use: generated from BLOCK */
static void
test_client_hostsh_golden(void)
{
    ccl_buf_t  block, out;

    CHECK(ccl_test_read(CASES "/BLOCK", &block) == 0);
    ccl_buf_init(&out, 1 << 20);

    CHECK_INT(ccl_hostsh_render("edge-1", block.data, &out), 0);
    CHECK(ccl_test_golden("golden/hosts-apply.sh", out.data, out.len)
              == 0);

    /* the block sits between the here-document's delimiters, unchanged */
    CHECK(strstr(out.data, "<<'CCLINK_BLOCK'\n# BEGIN cclink edge-1\n")
              != NULL);
    CHECK(strstr(out.data, "\n# END cclink edge-1\nCCLINK_BLOCK\n")
              != NULL);
    CHECK(strstr(out.data, "name='edge-1'\n") != NULL);
    CHECK(strstr(out.data, "@NAME@") == NULL);

    ccl_buf_release(&block);
    ccl_buf_release(&out);
}


/* an earlier backup that is a symbolic link is replaced, not followed */
static void
test_client_backup_symlink(void)
{
    char         path[4200], backup[4300], victim[4300];
    struct stat  st;

    snprintf(path, sizeof(path), "%s/hosts", ccl_test_tmpdir());
    snprintf(backup, sizeof(backup), "%s.cclink-backup", path);
    snprintf(victim, sizeof(victim), "%s/victim", ccl_test_tmpdir());

    CHECK(ccl_file_commit(path, "127.0.0.1 localhost\n", 20, 0644)
              == 0);
    CHECK(ccl_file_commit(victim, "keep\n", 5, 0600) == 0);
    CHECK(symlink(victim, backup) == 0);

    CHECK_INT(ccl_hosts_apply(path, "edge-1",
                                  "# BEGIN cclink edge-1\n"
                                  "# END cclink edge-1\n", 0), 1);

    CHECK(ccl_file_same(victim, "keep\n", 5));
    CHECK(lstat(backup, &st) == 0 && S_ISREG(st.st_mode));
    CHECK(ccl_file_same(backup, "127.0.0.1 localhost\n", 20));
}


/* the backup belongs to the file's owner, not to an earlier backup's */
static void
test_client_backup_owner(void)
{
    char         path[4200], backup[4300];
    struct stat  st;

    if (geteuid() != 0) {
        printf("SKIP test_client_backup_owner: needs root to chown\n");
        return;
    }

    snprintf(path, sizeof(path), "%s/hosts", ccl_test_tmpdir());
    snprintf(backup, sizeof(backup), "%s.cclink-backup", path);

    CHECK(ccl_file_commit(path, "127.0.0.1 localhost\n", 20, 0644)
              == 0);
    CHECK(ccl_file_commit(backup, "old\n", 4, 0666) == 0);
    CHECK(chown(backup, 65534, 65534) == 0);

    CHECK_INT(ccl_hosts_apply(path, "edge-1",
                                  "# BEGIN cclink edge-1\n"
                                  "# END cclink edge-1\n", 0), 1);

    CHECK(stat(backup, &st) == 0);
    CHECK_INT(st.st_uid, 0);
    CHECK_INT(st.st_gid, 0);
    CHECK_INT(st.st_mode & 07777, 0644);
}


/* split DNS: the zone each kind of route needs */


static void
check_zone(const char *key, int kind, const char *want)
{
    char  zone[256];
    int   rc;

    rc = ccl_dnssetup_route_zone(key, kind, zone, sizeof(zone));

    if (want == NULL) {
        if (rc != -1) {
            ctest_fail(__FILE__, __LINE__, "%s: zone \"%s\", expected "
                          "none", key, zone);
        }
        return;
    }

    if (rc != 0 || strcmp(zone, want) != 0) {
        ctest_fail(__FILE__, __LINE__, "%s: rc %d zone \"%s\", "
                      "expected \"%s\"", key, rc, rc == 0 ? zone : "",
                      want);
    }
}


static void
test_client_route_zone(void)
{
    check_zone("lkc-1.dom1.us-west-2.aws.confluent.cloud", CCL_ROUTE_EXACT,
               "lkc-1.dom1.us-west-2.aws.confluent.cloud");
    check_zone("LKC-1.Dom1.confluent.cloud.", CCL_ROUTE_EXACT,
               "lkc-1.dom1.confluent.cloud");
    check_zone("*.dom1.us-west-2.aws.confluent.cloud", CCL_ROUTE_WILDCARD,
               "dom1.us-west-2.aws.confluent.cloud");
    check_zone(".dom1.confluent.cloud", CCL_ROUTE_WILDCARD,
               "dom1.confluent.cloud");
    check_zone("kafka.example.*", CCL_ROUTE_WILDCARD, NULL);

    /* the regex of the issue: its first label is only partly literal */
    check_zone("~^e-[0-9a-f]+-usw2-az1-l63jl\\.us-west-2\\.aws\\.glb"
               "\\.confluent\\.cloud$", CCL_ROUTE_REGEX,
               "us-west-2.aws.glb.confluent.cloud");
    /* a tail that starts at a label */
    check_zone("~^[a-z0-9-]+\\.usw2-az1\\.dom1\\.confluent\\.cloud$",
               CCL_ROUTE_REGEX, "usw2-az1.dom1.confluent.cloud");
    /* wholly literal: one name */
    check_zone("~^lkc-1\\.dom1\\.confluent\\.cloud$", CCL_ROUTE_REGEX,
               "lkc-1.dom1.confluent.cloud");
    /* "\\d" is a class, not the letter d */
    check_zone("~^b\\d\\.x\\.confluent\\.cloud$", CCL_ROUTE_REGEX,
               "x.confluent.cloud");
    check_zone("~*^B-[0-9]+\\.Dom1\\.Confluent\\.Cloud$", CCL_ROUTE_REGEX,
               "dom1.confluent.cloud");
    /* no zone: unanchored, alternation, too wide */
    check_zone("~^e-[0-9]+\\.confluent\\.cloud", CCL_ROUTE_REGEX, NULL);
    check_zone("~^(a|b)\\.x\\.confluent\\.cloud$", CCL_ROUTE_REGEX, NULL);
    check_zone("~^[a-z]+\\.cloud$", CCL_ROUTE_REGEX, NULL);
    check_zone("~^.*$", CCL_ROUTE_REGEX, NULL);
}


static void
dns_plan(ccl_plan_t *p)
{
    ccl_group_t  *g;

    ccl_plan_init(p);
    g = ccl_plan_add_group(p, "n-l63jl");
    ccl_plan_group_add_addr(g, "10.0.1.10", "usw2-az1");

    /* covered by the wildcard below: not a zone of its own */
    ccl_plan_add_route(p, "lkc-1.dom1.us-west-2.aws.confluent.cloud",
                       "n-l63jl", CCL_ROUTE_EXACT, 0, CCL_NAME_BOOTSTRAP, 1,
                       "lkc-1", 0);
    ccl_plan_add_route(p, "*.dom1.us-west-2.aws.confluent.cloud", "n-l63jl",
                       CCL_ROUTE_WILDCARD, 0, 0, 0, NULL, 0);
    ccl_plan_add_route(p, "*.usw2-az1.dom1.us-west-2.aws.confluent.cloud",
                       "n-l63jl", CCL_ROUTE_WILDCARD, 0, 0, 0, NULL, 0);
    /* glb names: the regex's zone covers the exact one */
    ccl_plan_add_route(p, "lkc-2-l63jl.us-west-2.aws.glb.confluent.cloud",
                       "n-l63jl", CCL_ROUTE_EXACT, 0, CCL_NAME_BOOTSTRAP, 1,
                       "lkc-2", 0);
    ccl_plan_add_route(p, "~^e-[0-9a-f]+-usw2-az1-l63jl\\.us-west-2\\.aws"
                       "\\.glb\\.confluent\\.cloud$", "n-l63jl",
                       CCL_ROUTE_REGEX, 0, 0, 0, NULL, 0);
    /* alone in its domain: its own zone */
    ccl_plan_add_route(p, "lsrc-1.us-east-1.aws.private.confluent.cloud",
                       "n-l63jl", CCL_ROUTE_EXACT, 0, CCL_NAME_BOOTSTRAP, 1,
                       "lsrc-1", 0);
    /* no zone can be derived: left out, logged */
    ccl_plan_add_route(p, "kafka.example.*", "n-l63jl", CCL_ROUTE_WILDCARD,
                       0, 0, 0, NULL, 0);
    ccl_plan_sort(p);
}


static void
test_client_zones_smallest_cover(void)
{
    ccl_plan_t  p;
    ccl_strv_t  z;

    dns_plan(&p);
    ccl_strv_init(&z);
    ccl_test_log_clear();

    CHECK_INT(ccl_dnssetup_zones(&p, &z), 0);
    CHECK_INT(z.n, 3);

    if (z.n == 3) {
        CHECK_STR(z.v[0], "dom1.us-west-2.aws.confluent.cloud");
        CHECK_STR(z.v[1], "lsrc-1.us-east-1.aws.private.confluent.cloud");
        CHECK_STR(z.v[2], "us-west-2.aws.glb.confluent.cloud");
    }

    CHECK(ccl_test_log_has("event=dns_zone_unknown "
                               "route=\"kafka.example.*\""));

    ccl_strv_release(&z);
    ccl_plan_release(&p);
}


static int
dns_conf(ccl_conf_t *c, const char *text)
{
    ccl_conf_init(c);

    if (ccl_conf_parse(c, "client.conf", text, strlen(text)) != 0
        || ccl_conf_finish(c) != 0)
    {
        ctest_fail(__FILE__, __LINE__, "bad test configuration");
        return -1;
    }

    return 0;
}


static void
render_dns_golden(const char *suffix, const char *conf_text)
{
    int         k;
    char        name[256];
    ccl_conf_t  c;
    ccl_plan_t  p;
    ccl_strv_t  z;
    ccl_buf_t   b;

    if (dns_conf(&c, conf_text) != 0) {
        return;
    }

    dns_plan(&p);
    ccl_strv_init(&z);
    CHECK_INT(ccl_dnssetup_zones(&p, &z), 0);

    for (k = 0; k < CCL_DNS_NKINDS; k++) {
        ccl_buf_init(&b, 1 << 20);
        CHECK_INT(ccl_dnssetup_render(k, &z, &c, &b), 0);
        snprintf(name, sizeof(name), "golden/dns%s/%s", suffix,
                 ccl_dnssetup_file_name(k));
        CHECK(ccl_test_golden(name, b.data, b.len) == 0);
        ccl_buf_release(&b);
    }

    ccl_buf_init(&b, 1 << 20);
    CHECK_INT(ccl_client_render_index(&c, &z, &b), 0);
    snprintf(name, sizeof(name), "golden/dns%s/index.html", suffix);
    CHECK(ccl_test_golden(name, b.data, b.len) == 0);
    ccl_buf_release(&b);

    ccl_strv_release(&z);
    ccl_plan_release(&p);
    ccl_conf_release(&c);
}


static void
test_client_dns_golden(void)
{
    render_dns_golden("", "proxy_address 203.0.113.10\n"
                      "proxy_name edge-1\n");
}


static void
test_client_dns_golden_port_and_ipv6(void)
{
    render_dns_golden("-port", "proxy_address 2001:db8::7\n"
                      "proxy_name edge-2\n"
                      "client_dns_address 2001:db8::53\n"
                      "client_dns_port 5353\n"
                      "client_url https://cclink.example.com:8443/c/\n");
}


void
ccl_suite_client(void)
{
    CTEST_RUN(test_client_route_zone);
    CTEST_RUN(test_client_zones_smallest_cover);
    CTEST_RUN(test_client_dns_golden);
    CTEST_RUN(test_client_dns_golden_port_and_ipv6);
    CTEST_RUN(test_client_hosts_cases);
    CTEST_RUN(test_client_hostsh_golden);
    CTEST_RUN(test_client_backup_symlink);
    CTEST_RUN(test_client_backup_owner);
}
