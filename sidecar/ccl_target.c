/*
 * Copyright (C) cclink authors
 *
 * Targets: the addresses behind each endpoint group, resolved on every
 * cycle (ccl_target.h).
 */


#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ccl_addr.h"
#include "ccl_log.h"
#include "ccl_target.h"


static int ccl_target_default_resolver(const char *name,
    struct addrinfo **res, void *data);
static int ccl_target_add_name(const ccl_conf_t *conf, ccl_plan_t *groups,
    const char *gname,
    const char *zgname, const char *name, unsigned port, const char *zone,
    char *err, size_t errlen);
static int ccl_target_add_conf(const ccl_conf_t *conf, ccl_plan_t *groups,
    const ccl_target_conf_t *t, const char *gname, const char *id);
static int ccl_target_domain(const ccl_conf_t *conf, const ccl_domain_t *d,
    ccl_plan_t *groups);
static void ccl_target_set_error(ccl_group_t *g, const char *err);


static ccl_target_resolver_pt   ccl_target_resolver =
    ccl_target_default_resolver;
static void                    *ccl_target_resolver_data;


void
ccl_target_set_resolver(ccl_target_resolver_pt fn, void *data)
{
    ccl_target_resolver = fn ? fn : ccl_target_default_resolver;
    ccl_target_resolver_data = data;
}


static int
ccl_target_default_resolver(const char *name, struct addrinfo **res,
    void *data)
{
    struct addrinfo  hints;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;

    return getaddrinfo(name, NULL, &hints, res);
}


int
ccl_target_group_name(const char *key, char *out, size_t size)
{
    char  hex[65];

    if (strlen(key) <= CCLINK_GROUP_MAX) {
        return ccl_strlcpy(out, key, size);
    }

    ccl_sha256_hex(key, strlen(key), hex);

    return ccl_snprintf(out, size, "t-%.16s", hex);
}


int
ccl_target_addr_text(const struct sockaddr *sa, unsigned port, char *out,
    size_t size)
{
    char  ip[INET6_ADDRSTRLEN];

    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *) sa)->sin_addr, ip,
                  sizeof(ip));

        if (port != 0) {
            return ccl_snprintf(out, size, "%s:%u", ip, port);
        }

        return ccl_strlcpy(out, ip, size);
    }

    if (sa->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) sa)->sin6_addr,
                  ip, sizeof(ip));

        if (port != 0) {
            return ccl_snprintf(out, size, "[%s]:%u", ip, port);
        }

        return ccl_snprintf(out, size, "[%s]", ip);
    }

    return -1;
}


int
ccl_target_parse_address(const char *addr, char *text, size_t tsize,
    char *host, size_t hsize, unsigned *port)
{
    char                  h[256], p[8];
    size_t                len;
    const char           *end, *colon;
    unsigned long         v;
    struct sockaddr_in    sin;
    struct sockaddr_in6   sin6;

    *port = 0;
    p[0] = '\0';

    if (addr[0] == '[') {
        end = strchr(addr, ']');
        if (end == NULL || (size_t) (end - addr - 1) >= sizeof(h)) {
            return -1;
        }
        len = (size_t) (end - addr - 1);
        memcpy(h, addr + 1, len);
        h[len] = '\0';

        if (end[1] == ':') {
            if (ccl_strlcpy(p, end + 2, sizeof(p)) != 0) {
                return -1;
            }
        } else if (end[1] != '\0') {
            return -1;
        }

    } else {
        colon = strchr(addr, ':');

        if (colon != NULL && strchr(colon + 1, ':') == NULL) {
            len = (size_t) (colon - addr);
            if (len >= sizeof(h) || ccl_strlcpy(p, colon + 1, sizeof(p)) != 0)
            {
                return -1;
            }
            memcpy(h, addr, len);
            h[len] = '\0';

        } else if (ccl_strlcpy(h, addr, sizeof(h)) != 0) {
            return -1;
        }
    }

    if (p[0] != '\0') {
        if (ccl_parse_ulong(p, 65535, &v) != 0 || v == 0) {
            return -1;
        }
        *port = (unsigned) v;
    }

    memset(&sin, 0, sizeof(sin));
    memset(&sin6, 0, sizeof(sin6));

    if (inet_pton(AF_INET, h, &sin.sin_addr) == 1) {
        sin.sin_family = AF_INET;
        return ccl_target_addr_text((struct sockaddr *) &sin, *port, text,
                                    tsize) == 0 ? 1 : -1;
    }

    if (inet_pton(AF_INET6, h, &sin6.sin6_addr) == 1) {
        sin6.sin6_family = AF_INET6;
        return ccl_target_addr_text((struct sockaddr *) &sin6, *port, text,
                                    tsize) == 0 ? 1 : -1;
    }

    if (!ccl_model_valid_host(h) || ccl_strlcpy(host, h, hsize) != 0) {
        return -1;
    }

    return 0;
}


static void
ccl_target_set_error(ccl_group_t *g, const char *err)
{
    if (g->error == NULL) {
        g->error = ccl_strdup(err);
    }
}


/* resolves a name into group gname (and zgname when not NULL) */
static int
ccl_target_add_name(const ccl_conf_t *conf, ccl_plan_t *groups,
    const char *gname, const char *zgname, const char *name, unsigned port,
    const char *zone, char *err, size_t errlen)
{
    int               rc, n, refused;
    char              text[CCLINK_ADDR_TEXT];
    const char       *why, *first_why;
    ccl_group_t      *g;
    struct addrinfo  *res, *ai;

    res = NULL;
    rc = ccl_target_resolver(name, &res, ccl_target_resolver_data);

    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve \"%s\": %s", name,
                 gai_strerror(rc));
        return -1;
    }

    n = 0;
    refused = 0;
    first_why = NULL;

    for (ai = res; ai != NULL; ai = ai->ai_next) {
        if (ccl_target_addr_text(ai->ai_addr, port, text, sizeof(text)) != 0)
        {
            continue;
        }

        /* an answer pointing at this host or a metadata service: none */
        why = conf->allow_local_targets ? NULL : ccl_addr_local(ai->ai_addr);

        if (why != NULL) {
            ccl_log(CCL_LOG_WARN, "target_refused", "group=%s name=%s "
                    "address=%s error=%s", zgname ? zgname : gname, name,
                    text, why);
            refused++;
            first_why = (first_why != NULL) ? first_why : why;
            continue;
        }

        g = ccl_plan_group(groups, gname);
        if (g == NULL || ccl_plan_group_add_addr(g, text, zone) != 0) {
            freeaddrinfo(res);
            return -1;
        }

        if (zgname != NULL) {
            g = ccl_plan_group(groups, zgname);
            if (g == NULL || ccl_plan_group_add_addr(g, text, zone) != 0) {
                freeaddrinfo(res);
                return -1;
            }
        }

        n++;
    }

    freeaddrinfo(res);

    if (n == 0 && refused > 0) {
        snprintf(err, errlen, "\"%s\" resolves only to refused addresses "
                 "(%s; allow_local_targets on permits them)", name,
                 first_why);
        return -1;
    }

    if (n == 0) {
        snprintf(err, errlen, "\"%s\" has no usable address", name);
        return -1;
    }

    ccl_log(CCL_LOG_DEBUG, "target_resolved", "group=%s name=%s "
            "addresses=%d", zgname ? zgname : gname, name, n);

    return 0;
}


static int
ccl_target_add_conf(const ccl_conf_t *conf, ccl_plan_t *groups,
    const ccl_target_conf_t *t, const char *gname, const char *id)
{
    int           rc;
    char          text[CCLINK_ADDR_TEXT], host[256], zg[160], err[512];
    unsigned      port;
    const char   *zgname, *why;
    ccl_group_t  *g;

    zgname = NULL;

    if (t->zone != NULL && id != NULL) {
        if (ccl_snprintf(zg, sizeof(zg), "%s.%s", id, t->zone) == 0
            && ccl_plan_add_group(groups, zg) != NULL)
        {
            zgname = zg;
        }
    }

    rc = ccl_target_parse_address(t->address, text, sizeof(text), host,
                                  sizeof(host), &port);

    /* a bad address is this group's failure, never "out of memory" */

    why = NULL;

    if (rc < 0) {
        why = "not an address or host name";

    } else if (t->zone != NULL && strlen(t->zone) > CCLINK_ZONE_MAX) {
        why = "zone name too long";

    } else if (rc == 1 && !conf->allow_local_targets) {
        why = ccl_addr_local_text(text);
    }

    if (why != NULL) {
        snprintf(err, sizeof(err), "target %s: %s%s", t->address, why,
                 rc == 1 ? ": refused (allow_local_targets on permits it)"
                 : "");
        ccl_log(CCL_LOG_ERROR, rc == 1 ? "target_refused" : "target_error",
                "group=%s where=%s:%u address=%s error=%s", gname,
                conf->path, t->line, t->address, err);
        g = ccl_plan_group(groups, zgname ? zgname : gname);
        if (g != NULL) {
            ccl_target_set_error(g, err);
        }
        g = ccl_plan_group(groups, gname);
        if (g != NULL) {
            ccl_target_set_error(g, err);
        }
        return 0;
    }

    if (rc == 1) {
        g = ccl_plan_group(groups, gname);
        if (ccl_plan_group_add_addr(g, text, t->zone) != 0) {
            return -1;
        }

        if (zgname != NULL) {
            g = ccl_plan_group(groups, zgname);
            if (ccl_plan_group_add_addr(g, text, t->zone) != 0) {
                return -1;
            }
        }

        return 0;
    }

    if (ccl_target_add_name(conf, groups, gname, zgname, host, port, t->zone,
                            err, sizeof(err)) != 0)
    {
        ccl_log(CCL_LOG_WARN, "target_unresolved", "group=%s where=%s:%u "
                "error=%s", gname, conf->path, t->line, err);
        g = ccl_plan_group(groups, zgname ? zgname : gname);
        if (g != NULL) {
            ccl_target_set_error(g, err);
        }
        g = ccl_plan_group(groups, gname);
        ccl_target_set_error(g, err);
    }

    return 0;
}


static int
ccl_target_domain(const ccl_conf_t *conf, const ccl_domain_t *d,
    ccl_plan_t *groups)
{
    int                 configured, ok;
    char                zg[160], name[CCLINK_NAME_MAX + 80], err[512];
    size_t              i;
    ccl_group_t        *g, *zgp;
    const ccl_zone_t   *z;
    ccl_target_conf_t  *t;

    if (ccl_plan_add_group(groups, d->id) == NULL) {
        return -1;
    }

    /* zonal groups exist for every zone, even when they stay empty */

    for (i = 0; i < d->nzones; i++) {
        if (ccl_snprintf(zg, sizeof(zg), "%s.%s", d->id, d->zones[i].zone)
            == 0 && strlen(zg) <= CCLINK_GROUP_MAX)
        {
            if (ccl_plan_add_group(groups, zg) == NULL) {
                return -1;
            }
        }
    }

    configured = 0;

    for (i = 0; i < conf->ntargets; i++) {
        t = &conf->targets[i];

        if (strcmp(t->key, d->id) != 0 && strcmp(t->key, d->dns_domain) != 0)
        {
            continue;
        }

        configured = 1;

        if (ccl_target_add_conf(conf, groups, t, d->id, d->id) != 0) {
            return -1;
        }
    }

    if (configured) {
        g = ccl_plan_group(groups, d->id);
        if (g->naddrs == 0) {
            ccl_target_set_error(g, "no configured target resolved");
        }
        return 0;
    }

    if (!conf->target_dns) {
        g = ccl_plan_group(groups, d->id);
        ccl_target_set_error(g, "no target configured and target_dns off");
        ccl_log(CCL_LOG_WARN, "target_missing", "group=%s domain=%s "
                "error=%s", d->id, d->dns_domain,
                "no target configured and target_dns is off");
        return 0;
    }

    ok = 0;

    for (i = 0; i < d->nzones; i++) {
        z = &d->zones[i];

        if (ccl_snprintf(zg, sizeof(zg), "%s.%s", d->id, z->zone) != 0
            || ccl_plan_group(groups, zg) == NULL
            || ccl_snprintf(name, sizeof(name), "%s.%s",
                            conf->dns_probe_label, z->subdomain) != 0)
        {
            continue;
        }

        if (ccl_target_add_name(conf, groups, d->id, zg, name, 0, z->zone,
                                err, sizeof(err)) == 0)
        {
            ok++;
            continue;
        }

        ccl_log(CCL_LOG_WARN, "target_unresolved", "group=%s error=%s", zg,
                err);
        zgp = ccl_plan_group(groups, zg);
        ccl_target_set_error(zgp, err);
    }

    if (ok > 0) {
        return 0;
    }

    if (ccl_snprintf(name, sizeof(name), "%s.%s", conf->dns_probe_label,
                     d->dns_domain) != 0)
    {
        return 0;
    }

    if (ccl_target_add_name(conf, groups, d->id, NULL, name, 0, NULL, err,
                            sizeof(err)) != 0)
    {
        ccl_log(CCL_LOG_WARN, "target_unresolved", "group=%s error=%s",
                d->id, err);
        g = ccl_plan_group(groups, d->id);
        ccl_target_set_error(g, err);
    }

    return 0;
}


int
ccl_target_resolve(const ccl_conf_t *conf, const ccl_model_t *m,
    ccl_plan_t *groups)
{
    char                 gname[CCLINK_GROUP_MAX + 1];
    size_t               i, j;
    int                  known;
    ccl_group_t         *g;
    ccl_target_conf_t   *t;

    for (i = 0; i < m->ndomains; i++) {
        if (ccl_target_domain(conf, &m->domains[i], groups) != 0) {
            return -1;
        }
    }

    /* targets for domains the API did not report, and the default */

    for (i = 0; i < conf->ntargets; i++) {
        t = &conf->targets[i];
        known = 0;

        for (j = 0; j < m->ndomains; j++) {
            if (strcmp(t->key, m->domains[j].id) == 0
                || strcmp(t->key, m->domains[j].dns_domain) == 0)
            {
                known = 1;
                break;
            }
        }

        if (known) {
            continue;
        }

        if (strcmp(t->key, "*") == 0) {
            ccl_strlcpy(gname, CCL_TARGET_DEFAULT_GROUP, sizeof(gname));

        } else if (strchr(t->key, '.') == NULL) {
            /* an id the API did not return (yet): nothing to attach to */
            ccl_log(CCL_LOG_DEBUG, "target_unused", "where=%s:%u key=%s",
                    conf->path, t->line, t->key);
            continue;

        } else if (ccl_target_group_name(t->key, gname, sizeof(gname)) != 0) {
            continue;
        }

        g = ccl_plan_add_group(groups, gname);
        if (g == NULL) {
            return -1;
        }

        if (ccl_target_add_conf(conf, groups, t, gname, NULL) != 0) {
            return -1;
        }
    }

    ccl_plan_sort(groups);

    return 0;
}
