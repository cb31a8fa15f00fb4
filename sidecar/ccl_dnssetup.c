/*
 * Copyright (C) cclink authors
 *
 * Split-DNS client setup: the zones that cover the routed names, and the
 * setup files per OS and for company resolvers that send them to the
 * proxy's DNS server.
 */


#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cclink_common.h"
#include "ccl_dnssetup.h"
#include "ccl_hostsh.h"
#include "ccl_log.h"


static int ccl_dnssetup_regex_zone(const char *re, char *out, size_t size);
static int ccl_dnssetup_valid_zone(const char *z);
static int ccl_dnssetup_covered(const ccl_strv_t *sorted, const char *z);
static int ccl_dnssetup_cmp(const void *a, const void *b);
static const char *ccl_dnssetup_addr(const ccl_conf_t *conf);
static unsigned ccl_dnssetup_port(const ccl_conf_t *conf);
static int ccl_dnssetup_server(char *out, size_t size, int kind,
    const ccl_conf_t *conf);
static int ccl_dnssetup_snippet(int kind, const ccl_strv_t *zones,
    const ccl_conf_t *conf, ccl_buf_t *out);
static int ccl_dnssetup_script(int kind, const ccl_strv_t *zones,
    const ccl_conf_t *conf, ccl_buf_t *out);


/* "@NAME@" proxy name, "@ZONES@" zones a line, "@RESOLVER_FILE@" */
static const char  ccl_dnssetup_macos_sh[] =
    "#!/bin/sh\n"
    "# cclink split DNS for macOS, proxy @NAME@, written by cclink-sidecar."
    "\n"
    "#\n"
    "#     sudo sh macos-resolver.sh            install the /etc/resolver f"
    "iles\n"
    "#     sudo sh macos-resolver.sh --remove   remove them\n"
    "#\n"
    "# One file per zone below, /etc/resolver/<zone> (resolver(5)): names i"
    "n\n"
    "# these zones, and only those, are asked of the proxy's DNS server\n"
    "# @ADDR@. Files of this proxy for zones no longer listed are removed;"
    "\n"
    "# files this script did not write are never touched. Check with\n"
    "# \"scutil --dns\" and \"dscacheutil -q host -a name NAME\" (dig and n"
    "slookup\n"
    "# ignore /etc/resolver).\n"
    "\n"
    "set -u\n"
    "\n"
    "me=macos-resolver.sh\n"
    "dir=${CCLINK_RESOLVER_DIR:-/etc/resolver}\n"
    "marker='# cclink proxy @NAME@'\n"
    "zones='@ZONES@'\n"
    "mode=install\n"
    "\n"
    "die() {\n"
    "    printf '%s: %s\\n' \"$me\" \"$1\" >&2\n"
    "    exit \"${2:-1}\"\n"
    "}\n"
    "\n"
    "case ${1:-} in\n"
    "'')\n"
    "    ;;\n"
    "--remove)\n"
    "    mode=remove\n"
    "    ;;\n"
    "-h | --help)\n"
    "    printf 'usage: sudo sh %s [--remove]\\n' \"$me\"\n"
    "    exit 0\n"
    "    ;;\n"
    "*)\n"
    "    die \"unknown option \\\"$1\\\"\" 64\n"
    "    ;;\n"
    "esac\n"
    "\n"
    "ours() {\n"
    "    [ -f \"$1\" ] && [ \"$(head -n 1 \"$1\")\" = \"$marker\" ]\n"
    "}\n"
    "\n"
    "written=0\n"
    "removed=0\n"
    "\n"
    "if [ -d \"$dir\" ]; then\n"
    "    for f in \"$dir\"/*; do\n"
    "        ours \"$f\" || continue\n"
    "        if [ \"$mode\" = remove ] \\\n"
    "            || ! printf '%s\\n' \"$zones\" | grep -qxF \"${f##*/}\"\n"
    "        then\n"
    "            rm -f \"$f\" || die \"cannot remove $f\"\n"
    "            removed=$((removed + 1))\n"
    "        fi\n"
    "    done\n"
    "fi\n"
    "\n"
    "if [ \"$mode\" = install ]; then\n"
    "    mkdir -p \"$dir\" || die \"cannot create $dir\"\n"
    "    for z in $zones; do\n"
    "        f=$dir/$z\n"
    "        if [ -e \"$f\" ] && ! ours \"$f\"; then\n"
    "            printf '%s: %s was not written by cclink: left as it is\\n"
    "' \\\n"
    "                \"$me\" \"$f\" >&2\n"
    "            continue\n"
    "        fi\n"
    "        tmp=$(mktemp \"$dir/.$z.XXXXXX\") || die \"cannot write in $di"
    "r\"\n"
    "        cat > \"$tmp\" <<'CCLINK_RESOLVER'\n"
    "@RESOLVER_FILE@CCLINK_RESOLVER\n"
    "        if ! chmod 644 \"$tmp\" || ! mv -f \"$tmp\" \"$f\"; then\n"
    "            rm -f \"$tmp\"\n"
    "            die \"cannot write $f\"\n"
    "        fi\n"
    "        written=$((written + 1))\n"
    "    done\n"
    "fi\n"
    "\n"
    "if [ \"$(uname -s)\" = Darwin ]; then\n"
    "    dscacheutil -flushcache 2>/dev/null || :\n"
    "    killall -HUP mDNSResponder 2>/dev/null || :\n"
    "fi\n"
    "\n"
    "printf '%s: %s: %d zone files written, %d removed (proxy @NAME@, DNS %"
    "s)\\n' \\\n"
    "    \"$me\" \"$dir\" \"$written\" \"$removed\" '@ADDR@'\n";


/* "@RESOLVED_CONF@" and "@NM_CONF@": the two snippets */
static const char  ccl_dnssetup_linux_sh[] =
    "#!/bin/sh\n"
    "# cclink split DNS for Linux, proxy @NAME@, written by cclink-sidecar."
    "\n"
    "#\n"
    "#     sudo sh linux-dns.sh                    systemd-resolved\n"
    "#     sudo sh linux-dns.sh --networkmanager   NetworkManager with dnsm"
    "asq\n"
    "#     sudo sh linux-dns.sh --remove [--networkmanager]\n"
    "#\n"
    "# systemd-resolved: a drop-in with routing-only domains (\"~zone\",\n"
    "# resolved.conf(5)) sends names in the zones below, and only those, to"
    " the\n"
    "# proxy's DNS server. NetworkManager (dns=dnsmasq): a dnsmasq snippet"
    "\n"
    "# with one \"server=/zone/address\" line per zone. Check with\n"
    "# \"resolvectl query NAME\" or \"getent hosts NAME\".\n"
    "\n"
    "set -u\n"
    "\n"
    "me=linux-dns.sh\n"
    "mode=install\n"
    "target=resolved\n"
    "\n"
    "die() {\n"
    "    printf '%s: %s\\n' \"$me\" \"$1\" >&2\n"
    "    exit \"${2:-1}\"\n"
    "}\n"
    "\n"
    "for arg in \"$@\"; do\n"
    "    case $arg in\n"
    "    --remove)\n"
    "        mode=remove\n"
    "        ;;\n"
    "    --networkmanager)\n"
    "        target=networkmanager\n"
    "        ;;\n"
    "    -h | --help)\n"
    "        printf 'usage: sudo sh %s [--networkmanager] [--remove]\\n' \""
    "$me\"\n"
    "        exit 0\n"
    "        ;;\n"
    "    *)\n"
    "        die \"unknown option \\\"$arg\\\"\" 64\n"
    "        ;;\n"
    "    esac\n"
    "done\n"
    "\n"
    "if [ \"$target\" = resolved ]; then\n"
    "    dir=${CCLINK_RESOLVED_DIR:-/etc/systemd/resolved.conf.d}\n"
    "    restart=\"systemctl restart systemd-resolved\"\n"
    "else\n"
    "    dir=${CCLINK_NM_DIR:-/etc/NetworkManager/dnsmasq.d}\n"
    "    restart=\"systemctl reload NetworkManager\"\n"
    "fi\n"
    "file=$dir/cclink-@NAME@.conf\n"
    "\n"
    "if [ \"$mode\" = remove ]; then\n"
    "    rm -f \"$file\" || die \"cannot remove $file\"\n"
    "    done_what=\"removed\"\n"
    "else\n"
    "    mkdir -p \"$dir\" || die \"cannot create $dir\"\n"
    "    tmp=$(mktemp \"$dir/.cclink-@NAME@.XXXXXX\") || die \"cannot write"
    " in $dir\"\n"
    "    if [ \"$target\" = resolved ]; then\n"
    "        cat > \"$tmp\" <<'CCLINK_RESOLVED'\n"
    "@RESOLVED_CONF@CCLINK_RESOLVED\n"
    "    else\n"
    "        cat > \"$tmp\" <<'CCLINK_NM'\n"
    "@NM_CONF@CCLINK_NM\n"
    "    fi\n"
    "    if ! chmod 644 \"$tmp\" || ! mv -f \"$tmp\" \"$file\"; then\n"
    "        rm -f \"$tmp\"\n"
    "        die \"cannot write $file\"\n"
    "    fi\n"
    "    done_what=\"written\"\n"
    "fi\n"
    "\n"
    "if [ -z \"${CCLINK_NO_RESTART:-}\" ] && command -v systemctl >/dev/nul"
    "l 2>&1\n"
    "then\n"
    "    $restart || die \"$file $done_what, but \\\"$restart\\\" failed\""
    "\n"
    "fi\n"
    "\n"
    "printf '%s: %s %s (proxy @NAME@, DNS %s)\\n' \"$me\" \"$file\" \"$done"
    "_what\" \\\n"
    "    '@ADDR@'\n";


/* CR-LF line ends; "@ZONES_PS@" is a list of quoted strings */
static const char  ccl_dnssetup_nrpt_ps1[] =
    "# cclink split DNS for Windows, proxy @NAME@, written by cclink-sideca"
    "r.\r\n"
    "# In an elevated PowerShell:\r\n"
    "#     powershell -ExecutionPolicy Bypass -File windows-nrpt.ps1\r\n"
    "#     powershell -ExecutionPolicy Bypass -File windows-nrpt.ps1 -Remov"
    "e\r\n"
    "# One Name Resolution Policy Table rule per zone below sends names in "
    "it\r\n"
    "# (\".zone\": the zone's names; \"zone\": the zone itself), and only t"
    "hose, to\r\n"
    "# the proxy's DNS server. The rules carry the comment 'cclink @NAME@':"
    " a\r\n"
    "# new run replaces them, -Remove takes them out. Check with\r\n"
    "# Get-DnsClientNrptPolicy -Effective and Resolve-DnsName NAME. Rules\r"
    "\n"
    "# pushed by Group Policy take precedence over local ones.\r\n"
    "param([switch]$Remove)\r\n"
    "$ErrorActionPreference = 'Stop'\r\n"
    "$comment = 'cclink @NAME@'\r\n"
    "$server = '@ADDR@'\r\n"
    "$port = @PORT@\r\n"
    "$zones = @(\r\n"
    "@ZONES_PS@)\r\n"
    "if ($port -ne 53 -and -not $Remove) {\r\n"
    "    throw \"NRPT rules cannot name a port: the proxy's DNS must listen"
    " on 53 (it is on $port)\"\r\n"
    "}\r\n"
    "$old = @(Get-DnsClientNrptRule | Where-Object { $_.Comment -eq $commen"
    "t })\r\n"
    "foreach ($rule in $old) {\r\n"
    "    Remove-DnsClientNrptRule -Name $rule.Name -Force\r\n"
    "}\r\n"
    "$added = 0\r\n"
    "if (-not $Remove) {\r\n"
    "    foreach ($zone in $zones) {\r\n"
    "        Add-DnsClientNrptRule -Namespace @(\".$zone\", $zone) -NameSer"
    "vers $server -Comment $comment | Out-Null\r\n"
    "        $added++\r\n"
    "    }\r\n"
    "}\r\n"
    "try { Clear-DnsClientCache } catch { }\r\n"
    "Write-Output \"windows-nrpt.ps1: $added NRPT rules added, $($old.Count"
    ") removed (proxy @NAME@, DNS $server)\"\r\n";


static const char  *ccl_dnssetup_names[CCL_DNS_NKINDS] = {
    "dns-zones.txt",
    "macos-resolver.conf",
    "macos-resolver.sh",
    "linux-resolved.conf",
    "linux-dns.sh",
    "networkmanager-dnsmasq.conf",
    "windows-nrpt.ps1",
    "company-bind.conf",
    "company-unbound.conf",
    "company-dnsmasq.conf"
};


const char *
ccl_dnssetup_file_name(int kind)
{
    if (kind < 0 || kind >= CCL_DNS_NKINDS) {
        return NULL;
    }

    return ccl_dnssetup_names[kind];
}


/*
 * The domain the literal tail of an anchored regex names whole:
 * "~^e-[0-9a-f]+-usw2-az1-l63jl\.us-west-2\.aws\.glb\.confluent\.cloud$"
 * gives "us-west-2.aws.glb.confluent.cloud"
 */
static int
ccl_dnssetup_regex_zone(const char *re, char *out, size_t size)
{
    char         tail[256];
    size_t       len, i, n, k;
    const char  *z;

    if (re[0] == '~') {
        re++;
    }

    if (re[0] == '*') {
        re++;                       /* "~*": case-insensitive */
    }

    len = strlen(re);

    if (len < 2 || re[len - 1] != '$' || strchr(re, '|') != NULL) {
        return -1;
    }

    /* walk back from the "$" over literal characters and "\." */

    n = 0;
    i = len - 1;

    while (i > 0 && n < sizeof(tail) - 1) {
        if (isalnum((unsigned char) re[i - 1]) || re[i - 1] == '-'
            || re[i - 1] == '_')
        {
            if (i >= 2 && re[i - 2] == '\\') {
                break;              /* "\d", "\w": a class */
            }

            tail[n++] = (char) tolower((unsigned char) re[i - 1]);
            i--;
            continue;
        }

        if (re[i - 1] == '.' && i >= 2 && re[i - 2] == '\\') {
            tail[n++] = '.';
            i -= 2;
            continue;
        }

        break;
    }

    /* reverse */
    for (k = 0; k < n / 2; k++) {
        char  c = tail[k];

        tail[k] = tail[n - 1 - k];
        tail[n - 1 - k] = c;
    }

    tail[n] = '\0';

    if (i == 1 && re[0] == '^') {
        z = tail;                   /* wholly literal: one name */

    } else if (tail[0] == '.') {
        z = tail + 1;               /* the tail starts at a label */

    } else {
        z = strchr(tail, '.');      /* its first label is partly variable */
        if (z == NULL) {
            return -1;
        }
        z++;
    }

    if (strchr(z, '.') == NULL) {
        return -1;                  /* a top-level domain: too wide */
    }

    return ccl_strlcpy(out, z, size);
}


int
ccl_dnssetup_route_zone(const char *key, int kind, char *out, size_t size)
{
    int  rc;

    switch (kind) {

    case CCL_ROUTE_EXACT:
        rc = ccl_strlcpy(out, key, size);
        break;

    case CCL_ROUTE_WILDCARD:
        if (key[0] == '*' && key[1] == '.') {
            rc = ccl_strlcpy(out, key + 2, size);
        } else if (key[0] == '.') {
            rc = ccl_strlcpy(out, key + 1, size);
        } else {
            rc = -1;                /* "name.*": any top-level domain */
        }
        break;

    case CCL_ROUTE_REGEX:
        rc = ccl_dnssetup_regex_zone(key, out, size);
        break;

    default:
        rc = -1;
    }

    if (rc != 0) {
        return -1;
    }

    ccl_str_lower(out);

    /* one trailing dot is the same name */
    if (out[0] != '\0' && out[strlen(out) - 1] == '.') {
        out[strlen(out) - 1] = '\0';
    }

    return ccl_dnssetup_valid_zone(out) ? 0 : -1;
}


/* letters, digits, "-", "_" in dot-separated labels: safe in any file */
static int
ccl_dnssetup_valid_zone(const char *z)
{
    size_t  i, len;

    len = strlen(z);

    /* a host name, in lower case */
    for (i = 0; i < len; i++) {
        if (isupper((unsigned char) z[i])) {
            return 0;
        }
    }

    return cclink_valid_host(z, len);
}


static int
ccl_dnssetup_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}


/* a proper parent of z is in the sorted list */
static int
ccl_dnssetup_covered(const ccl_strv_t *sorted, const char *z)
{
    const char  *p;

    for (p = strchr(z, '.'); p != NULL; p = strchr(p + 1, '.')) {
        if (bsearch(&(const char *) { p + 1 }, sorted->v, sorted->n,
                    sizeof(char *), ccl_dnssetup_cmp) != NULL)
        {
            return 1;
        }
    }

    return 0;
}


int
ccl_dnssetup_zones(const ccl_plan_t *p, ccl_strv_t *zones)
{
    char                zone[256];
    size_t              i;
    ccl_strv_t          all;
    const ccl_route_t  *r;

    ccl_strv_init(&all);

    for (i = 0; i < p->nroutes; i++) {
        r = &p->routes[i];

        if (ccl_dnssetup_route_zone(r->key, r->kind, zone, sizeof(zone))
            != 0)
        {
            ccl_log(CCL_LOG_WARN, "dns_zone_unknown", "route=\"%s\" "
                    "action=%s", r->key, "left out of the DNS setup");
            continue;
        }

        if (ccl_strv_add(&all, zone) != 0) {
            ccl_strv_release(&all);
            return -1;
        }
    }

    ccl_strv_sort(&all);
    ccl_strv_uniq(&all);

    for (i = 0; i < all.n; i++) {
        if (!ccl_dnssetup_covered(&all, all.v[i])
            && ccl_strv_add(zones, all.v[i]) != 0)
        {
            ccl_strv_release(&all);
            return -1;
        }
    }

    ccl_strv_release(&all);

    return 0;
}


static const char *
ccl_dnssetup_addr(const ccl_conf_t *conf)
{
    return conf->client_dns_address != NULL ? conf->client_dns_address
                                             : conf->proxy_address;
}


static unsigned
ccl_dnssetup_port(const ccl_conf_t *conf)
{
    return conf->client_dns_port != 0 ? conf->client_dns_port : 53;
}


/*
 * The server as each program writes it: "10.0.0.1" on port 53, else
 * "10.0.0.1#5353" (dnsmasq), "10.0.0.1@5353" (unbound), "10.0.0.1 port
 * 5353" (BIND), "10.0.0.1:5353" or "[fd00::1]:5353" (systemd-resolved)
 */
static int
ccl_dnssetup_server(char *out, size_t size, int kind,
    const ccl_conf_t *conf)
{
    unsigned     port;
    const char  *addr;

    addr = ccl_dnssetup_addr(conf);
    port = ccl_dnssetup_port(conf);

    if (port == 53) {
        return ccl_strlcpy(out, addr, size);
    }

    switch (kind) {

    case CCL_DNS_NM_DNSMASQ:
    case CCL_DNS_DNSMASQ:
        return ccl_snprintf(out, size, "%s#%u", addr, port);

    case CCL_DNS_UNBOUND:
        return ccl_snprintf(out, size, "%s@%u", addr, port);

    case CCL_DNS_BIND:
        return ccl_snprintf(out, size, "%s port %u", addr, port);

    case CCL_DNS_RESOLVED:
        if (strchr(addr, ':') != NULL) {
            return ccl_snprintf(out, size, "[%s]:%u", addr, port);
        }
        return ccl_snprintf(out, size, "%s:%u", addr, port);

    default:
        return ccl_strlcpy(out, addr, size);
    }
}


/* the plain configuration files */
static int
ccl_dnssetup_snippet(int kind, const ccl_strv_t *zones,
    const ccl_conf_t *conf, ccl_buf_t *out)
{
    int          rc;
    char         server[128];
    size_t       i;
    const char  *name;

    name = conf->proxy_name;

    if (ccl_dnssetup_server(server, sizeof(server), kind, conf) != 0) {
        return -1;
    }

    switch (kind) {

    case CCL_DNS_ZONES:
        rc = ccl_buf_addf(out, "# DNS zones of cclink proxy %s, written by"
                          " cclink-sidecar: names in these\n# zones, and"
                          " only these, go to its DNS server %s port %u.\n",
                          name, ccl_dnssetup_addr(conf),
                          ccl_dnssetup_port(conf));
        for (i = 0; rc == 0 && i < zones->n; i++) {
            rc = ccl_buf_addf(out, "%s\n", zones->v[i]);
        }
        return rc;

    case CCL_DNS_MACOS_FILE:
        rc = ccl_buf_addf(out, "# cclink proxy %s\nnameserver %s\n", name,
                          ccl_dnssetup_addr(conf));
        if (rc == 0 && ccl_dnssetup_port(conf) != 53) {
            rc = ccl_buf_addf(out, "port %u\n", ccl_dnssetup_port(conf));
        }
        return rc;

    case CCL_DNS_RESOLVED:
        rc = ccl_buf_addf(out, "# /etc/systemd/resolved.conf.d/cclink-%s.conf,"
                          " written by cclink-sidecar:\n# names in these"
                          " routing-only domains, and only these, go to"
                          " cclink\n# proxy %s.\n[Resolve]\nDNS=%s\n"
                          "Domains=", name, name, server);
        for (i = 0; rc == 0 && i < zones->n; i++) {
            rc = ccl_buf_addf(out, "%s~%s", i ? " " : "", zones->v[i]);
        }
        return rc == 0 ? ccl_buf_adds(out, "\n") : -1;

    case CCL_DNS_NM_DNSMASQ:
        rc = ccl_buf_addf(out, "# /etc/NetworkManager/dnsmasq.d/cclink-%s.conf,"
                          " written by cclink-sidecar\n# (with dns=dnsmasq"
                          " in NetworkManager.conf [main]): names in\n#"
                          " these zones, and only these, go to cclink proxy"
                          " %s.\n", name, name);
        for (i = 0; rc == 0 && i < zones->n; i++) {
            rc = ccl_buf_addf(out, "server=/%s/%s\n", zones->v[i], server);
        }
        return rc;

    case CCL_DNS_BIND:
        rc = ccl_buf_addf(out, "// cclink proxy %s: conditional forwarding"
                          " for BIND, written by cclink-sidecar.\n"
                          "// Include it in named.conf. A validating"
                          " resolver may also need these\n// zones in"
                          " options { validate-except { ...; }; }.\n",
                          name);
        for (i = 0; rc == 0 && i < zones->n; i++) {
            rc = ccl_buf_addf(out, "zone \"%s\" { type forward; forward only;"
                              " forwarders { %s; }; };\n", zones->v[i],
                              server);
        }
        return rc;

    case CCL_DNS_UNBOUND:
        rc = ccl_buf_addf(out, "# cclink proxy %s: conditional forwarding"
                          " for Unbound, written by cclink-sidecar.\n"
                          "# Include it in unbound.conf. A DNS server on"
                          " this host's loopback also\n# needs"
                          " \"do-not-query-localhost: no\".\n", name);
        for (i = 0; rc == 0 && i < zones->n; i++) {
            rc = ccl_buf_addf(out, "server:\n    domain-insecure: \"%s\"\n"
                              "forward-zone:\n    name: \"%s\"\n"
                              "    forward-addr: %s\n", zones->v[i],
                              zones->v[i], server);
        }
        return rc;

    case CCL_DNS_DNSMASQ:
        rc = ccl_buf_addf(out, "# cclink proxy %s: conditional forwarding"
                          " for dnsmasq, written by cclink-sidecar.\n"
                          "# Put it in /etc/dnsmasq.d/ (or conf-file=).\n",
                          name);
        for (i = 0; rc == 0 && i < zones->n; i++) {
            rc = ccl_buf_addf(out, "server=/%s/%s\n", zones->v[i], server);
        }
        return rc;

    default:
        return -1;
    }
}


static int
ccl_dnssetup_script(int kind, const ccl_strv_t *zones,
    const ccl_conf_t *conf, ccl_buf_t *out)
{
    int                 rc;
    char                port[16];
    size_t              i;
    ccl_buf_t           zl, a, b;
    ccl_hostsh_var_t    vars[8];

    ccl_buf_init(&zl, out->max);
    ccl_buf_init(&a, out->max);
    ccl_buf_init(&b, out->max);

    rc = ccl_buf_add(&zl, "", 0);

    for (i = 0; rc == 0 && i < zones->n; i++) {
        if (kind == CCL_DNS_NRPT_PS1) {
            rc = ccl_buf_addf(&zl, "    '%s'%s\r\n", zones->v[i],
                              i + 1 < zones->n ? "," : "");
        } else {
            rc = ccl_buf_addf(&zl, "%s%s", i ? "\n" : "", zones->v[i]);
        }
    }

    if (rc == 0) {
        rc = ccl_snprintf(port, sizeof(port), "%u", ccl_dnssetup_port(conf));
    }

    memset(vars, 0, sizeof(vars));
    vars[0].var = "@NAME@";
    vars[0].value = conf->proxy_name;
    vars[1].var = "@ADDR@";
    vars[1].value = ccl_dnssetup_addr(conf);
    vars[2].var = "@PORT@";
    vars[2].value = port;
    vars[3].var = kind == CCL_DNS_NRPT_PS1 ? "@ZONES_PS@" : "@ZONES@";
    vars[3].value = zl.data;

    if (rc == 0 && kind == CCL_DNS_MACOS_SH) {
        rc = ccl_dnssetup_snippet(CCL_DNS_MACOS_FILE, zones, conf, &a);
        vars[4].var = "@RESOLVER_FILE@";
        vars[4].value = a.data;

        if (rc == 0) {
            rc = ccl_hostsh_subst(out, ccl_dnssetup_macos_sh, vars);
        }

    } else if (rc == 0 && kind == CCL_DNS_LINUX_SH) {
        rc = ccl_dnssetup_snippet(CCL_DNS_RESOLVED, zones, conf, &a);
        if (rc == 0) {
            rc = ccl_dnssetup_snippet(CCL_DNS_NM_DNSMASQ, zones, conf, &b);
        }
        vars[4].var = "@RESOLVED_CONF@";
        vars[4].value = a.data;
        vars[5].var = "@NM_CONF@";
        vars[5].value = b.data;

        if (rc == 0) {
            rc = ccl_hostsh_subst(out, ccl_dnssetup_linux_sh, vars);
        }

    } else if (rc == 0) {
        rc = ccl_hostsh_subst(out, ccl_dnssetup_nrpt_ps1, vars);
    }

    ccl_buf_release(&zl);
    ccl_buf_release(&a);
    ccl_buf_release(&b);

    return rc;
}


int
ccl_dnssetup_render(int kind, const ccl_strv_t *zones,
    const ccl_conf_t *conf, ccl_buf_t *out)
{
    int  rc;

    if (kind == CCL_DNS_MACOS_SH || kind == CCL_DNS_LINUX_SH
        || kind == CCL_DNS_NRPT_PS1)
    {
        rc = ccl_dnssetup_script(kind, zones, conf, out);
    } else {
        rc = ccl_dnssetup_snippet(kind, zones, conf, out);
    }

    /* an empty result still needs a buffer */
    if (rc == 0) {
        rc = ccl_buf_add(out, "", 0);
    }

    if (rc != 0) {
        ccl_log(CCL_LOG_ERROR, "render_error", "file=%s error=%s limit=%zu",
                ccl_dnssetup_file_name(kind),
                out->over ? "output too large" : "out of memory", out->max);
        return -1;
    }

    return 0;
}
