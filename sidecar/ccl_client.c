/*
 * Copyright (C) cclink authors
 *
 * The client folder that nginx serves to laptops: rendering its files and
 * publishing a new generation with one rename.
 */


#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ccl_client.h"
#include "ccl_dnssetup.h"
#include "ccl_file.h"
#include "ccl_hostsh.h"
#include "ccl_log.h"
#include "ccl_render.h"


#define CCL_CLIENT_NFILES  (5 + CCL_DNS_NKINDS)


typedef struct {
    const char          *name;
    ccl_buf_t            data;
} ccl_client_file_t;


static int ccl_client_render_all(const ccl_conf_t *conf,
    const ccl_plan_t *plan, ccl_client_file_t *files);
static int ccl_client_current(const char *dir, ccl_client_file_t *files);
static int ccl_client_write_dir(const char *dir, ccl_client_file_t *files);
static int ccl_client_swap(const char *path, const char *target);
static int ccl_client_rm_tree(const char *dir);
static void ccl_client_prune(const char *path, const char *keep1,
    const char *keep2);
static int ccl_client_cmd(ccl_buf_t *out, const char *title,
    const char *cmd);
static int ccl_client_run(ccl_buf_t *out, const char *title,
    const char *url, const char *file);


int
ccl_client_url(const ccl_conf_t *conf, char *out, size_t size)
{
    if (conf->client_url != NULL) {
        return ccl_snprintf(out, size, "%s%s", conf->client_url,
                            ccl_str_has_suffix(conf->client_url, "/")
                            ? "" : "/");
    }

    if (strchr(conf->proxy_address, ':') != NULL) {
        return ccl_snprintf(out, size, "http://[%s]/cclink/client/",
                            conf->proxy_address);
    }

    return ccl_snprintf(out, size, "http://%s/cclink/client/",
                        conf->proxy_address);
}


/* '<tr><td>TITLE</td><td><code>CMD</code></td></tr>'; no markup in either */
static int
ccl_client_cmd(ccl_buf_t *out, const char *title, const char *cmd)
{
    const char  *p;

    if (ccl_buf_addf(out, "<tr><td>%s</td><td><code>", title) != 0) {
        return -1;
    }

    for (p = cmd; *p != '\0'; p++) {
        if (*p == '&') {
            if (ccl_buf_adds(out, "&amp;") != 0) {
                return -1;
            }
        } else if (*p == '<') {
            if (ccl_buf_adds(out, "&lt;") != 0) {
                return -1;
            }
        } else if (*p == '>') {
            if (ccl_buf_adds(out, "&gt;") != 0) {
                return -1;
            }
        } else if (ccl_buf_addc(out, *p) != 0) {
            return -1;
        }
    }

    return ccl_buf_adds(out, "</code></td></tr>\n");
}


/*
 * The row for a script to download, read and run: with sh ("x.sh") or
 * with PowerShell ("x.ps1").
 */

static int
ccl_client_run(ccl_buf_t *out, const char *title, const char *url,
    const char *file)
{
    char  cmd[2048];

    if (ccl_str_has_suffix(file, ".ps1")) {
        (void) ccl_snprintf(cmd, sizeof(cmd), "Invoke-WebRequest"
                            " -UseBasicParsing %s%s -OutFile %s; notepad"
                            " %s; powershell -ExecutionPolicy Bypass -File"
                            " %s", url, file, file, file, file);

    } else {
        (void) ccl_snprintf(cmd, sizeof(cmd), "curl -fsSO %s%s && less %s"
                            " && sudo sh %s", url, file, file, file);
    }

    return ccl_client_cmd(out, title, cmd);
}


int
ccl_client_render_index(const ccl_conf_t *conf, const ccl_strv_t *zones,
    ccl_buf_t *out)
{
    int          rc, k;
    char         url[1024];
    size_t       i;
    const char  *name;

    static const struct {
        const char  *file;
        const char  *what;
    }  files[] = {
        { "hosts-apply.sh", "macOS and Linux: puts the hosts block into"
          " /etc/hosts (POSIX sh)" },
        { "hosts-apply.ps1", "Windows: puts the hosts block into the hosts"
          " file (PowerShell)" },
        { "hosts-linux.txt", "the hosts block, LF line ends" },
        { "hosts-windows.txt", "the hosts block, CR-LF line ends" },
        { "dns-zones.txt", "the DNS zones this proxy answers for" },
        { "macos-resolver.sh", "macOS split DNS: installs (--remove:"
          " removes) /etc/resolver/ZONE files" },
        { "macos-resolver.conf", "the content of each /etc/resolver/ZONE"
          " file" },
        { "linux-dns.sh", "Linux split DNS: systemd-resolved drop-in (or"
          " --networkmanager)" },
        { "linux-resolved.conf", "systemd-resolved drop-in, routing-only"
          " domains" },
        { "networkmanager-dnsmasq.conf", "NetworkManager's dnsmasq"
          " snippet" },
        { "windows-nrpt.ps1", "Windows split DNS: NRPT rules (-Remove"
          " removes them)" },
        { "company-bind.conf", "company DNS: BIND forward zones" },
        { "company-unbound.conf", "company DNS: Unbound forward-zone" },
        { "company-dnsmasq.conf", "company DNS: dnsmasq server= lines" }
    };

    if (ccl_client_url(conf, url, sizeof(url)) != 0) {
        return -1;
    }

    rc = ccl_buf_addf(out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
        "<meta charset=\"utf-8\">\n"
        "<title>cclink proxy %s: client setup</title>\n"
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "code{background:#eee;padding:0 .2em}"
        "td{padding:.3em .6em;vertical-align:top}</style>\n"
        "</head>\n<body>\n"
        "<h1>cclink proxy %s: client setup</h1>\n"
        "<p>Private Confluent Cloud names reach this proxy at"
        " <code>%s</code> in one of two ways: a hosts-file block (exact"
        " names, applied again when names change) or split DNS (one-time"
        " setup; new brokers and clusters need nothing more). Download a"
        " file, read it, then run it.</p>\n",
        conf->proxy_name, conf->proxy_name, conf->proxy_address);

    if (rc == 0) {
        rc = ccl_buf_adds(out, "<h2>Hosts file</h2>\n<table>\n");
    }

    if (rc == 0) {
        rc = ccl_client_run(out, "macOS, Linux", url, "hosts-apply.sh");
    }

    if (rc == 0) {
        rc = ccl_client_cmd(out, "undo (macOS, Linux)",
                            "sudo sh hosts-apply.sh --remove");
    }

    if (rc == 0) {
        rc = ccl_client_run(out, "Windows (elevated PowerShell)", url,
                            "hosts-apply.ps1");
    }

    if (rc == 0) {
        rc = ccl_client_cmd(out, "undo (Windows)", "powershell"
                            " -ExecutionPolicy Bypass -File hosts-apply.ps1"
                            " -Remove");
    }

    if (rc == 0) {
        rc = ccl_buf_adds(out, "</table>\n<h2>Split DNS (one-time)</h2>\n"
                          "<p>Zones sent to the proxy's DNS server:");
    }

    for (i = 0; rc == 0 && i < zones->n; i++) {
        rc = ccl_buf_addf(out, " <code>%s</code>", zones->v[i]);
    }

    if (rc == 0) {
        rc = ccl_buf_adds(out, zones->n ? "</p>\n<table>\n"
                                        : " none yet</p>\n<table>\n");
    }

    if (rc == 0) {
        rc = ccl_client_run(out, "macOS", url, "macos-resolver.sh");
    }

    if (rc == 0) {
        rc = ccl_client_run(out, "Linux (systemd-resolved)", url,
                            "linux-dns.sh");
    }

    if (rc == 0) {
        rc = ccl_client_run(out, "Windows (elevated PowerShell)", url,
                            "windows-nrpt.ps1");
    }

    if (rc == 0) {
        rc = ccl_client_cmd(out, "undo (macOS, Linux)", "sudo sh"
                            " macos-resolver.sh --remove, or sudo sh"
                            " linux-dns.sh --remove");
    }

    if (rc == 0) {
        rc = ccl_client_cmd(out, "undo (Windows)", "powershell"
                            " -ExecutionPolicy Bypass -File"
                            " windows-nrpt.ps1 -Remove");
    }

    if (rc == 0) {
        rc = ccl_buf_adds(out, "</table>\n<h2>Files</h2>\n<table>\n");
    }

    for (k = 0; rc == 0 && k < (int) (sizeof(files) / sizeof(files[0]));
         k++)
    {
        name = files[k].file;
        rc = ccl_buf_addf(out, "<tr><td><a href=\"%s\">%s</a></td>"
                          "<td>%s</td></tr>\n", name, name, files[k].what);
    }

    if (rc == 0) {
        rc = ccl_buf_adds(out, "</table>\n<p>Written by cclink-sidecar;"
                          " this page and its files change when the"
                          " proxy's routes do.</p>\n</body>\n</html>\n");
    }

    return rc;
}


static int
ccl_client_render_all(const ccl_conf_t *conf, const ccl_plan_t *plan,
    ccl_client_file_t *files)
{
    int         rc, k, n;
    ccl_strv_t  zones;

    ccl_strv_init(&zones);

    rc = ccl_dnssetup_zones(plan, &zones);
    n = 0;

    files[n].name = "hosts-linux.txt";
    if (rc == 0) {
        rc = ccl_render_hosts(plan, conf, CCL_HOSTS_LINUX, &files[n].data);
    }
    n++;

    files[n].name = "hosts-windows.txt";
    if (rc == 0) {
        rc = ccl_render_hosts(plan, conf, CCL_HOSTS_WINDOWS, &files[n].data);
    }
    n++;

    files[n].name = "hosts-apply.sh";
    if (rc == 0) {
        rc = ccl_hostsh_render_plan(plan, conf, &files[n].data);
    }
    n++;

    files[n].name = "hosts-apply.ps1";
    if (rc == 0) {
        rc = ccl_render_powershell(plan, conf, &files[n].data);
    }
    n++;

    for (k = 0; k < CCL_DNS_NKINDS; k++) {
        files[n].name = ccl_dnssetup_file_name(k);
        if (rc == 0) {
            rc = ccl_dnssetup_render(k, &zones, conf, &files[n].data);
        }
        n++;
    }

    files[n].name = "index.html";
    if (rc == 0) {
        rc = ccl_client_render_index(conf, &zones, &files[n].data);
    }

    ccl_strv_release(&zones);

    return rc;
}


/* 1: the folder holds exactly these files with these bytes */
static int
ccl_client_current(const char *dir, ccl_client_file_t *files)
{
    int             k, n;
    DIR            *d;
    char            path[PATH_MAX];
    struct dirent  *de;

    for (k = 0; k < CCL_CLIENT_NFILES; k++) {
        if (ccl_file_join(path, sizeof(path), dir, files[k].name) != 0
            || !ccl_file_same(path, files[k].data.data, files[k].data.len))
        {
            return 0;
        }
    }

    d = opendir(dir);
    if (d == NULL) {
        return 0;
    }

    n = 0;
    for (de = readdir(d); de != NULL; de = readdir(d)) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            n++;
        }
    }

    closedir(d);

    return n == CCL_CLIENT_NFILES;
}


static int
ccl_client_write_dir(const char *dir, ccl_client_file_t *files)
{
    int   k;
    char  path[PATH_MAX];

    /* the directory is not published yet: each file written atomically */
    for (k = 0; k < CCL_CLIENT_NFILES; k++) {
        if (ccl_file_join(path, sizeof(path), dir, files[k].name) != 0
            || ccl_file_commit(path, files[k].data.data, files[k].data.len,
                               0644) != 0)
        {
            return -1;
        }
    }

    /* mkdtemp made it 0700: nginx's workers read it */
    if (chmod(dir, 0755) != 0) {
        ccl_log(CCL_LOG_ERROR, "file_error", "op=chmod path=%s error=%s",
                dir, strerror(errno));
        return -1;
    }

    return 0;
}


/*
 * A new symbolic link to "target" (a name in the same directory), renamed
 * over "path"
 */
static int
ccl_client_swap(const char *path, const char *target)
{
    int   dfd;
    char  tmp[PATH_MAX], dir[PATH_MAX], *slash;

    if (ccl_snprintf(tmp, sizeof(tmp), "%s.cclink-link", path) != 0) {
        return -1;
    }

    (void) unlink(tmp);

    if (symlink(target, tmp) != 0) {
        ccl_log(CCL_LOG_ERROR, "file_error", "op=symlink path=%s error=%s",
                tmp, strerror(errno));
        return -1;
    }

    if (rename(tmp, path) != 0) {
        ccl_log(CCL_LOG_ERROR, "file_error", "op=rename path=%s error=%s",
                path, strerror(errno));
        (void) unlink(tmp);
        return -1;
    }

    if (ccl_strlcpy(dir, path, sizeof(dir)) == 0) {
        slash = strrchr(dir, '/');
        if (slash != NULL && slash != dir) {
            *slash = '\0';
            dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd != -1) {
                (void) fsync(dfd);
                close(dfd);
            }
        }
    }

    return 0;
}


static int
ccl_client_rm_tree(const char *dir)
{
    DIR            *d;
    char            path[PATH_MAX];
    struct dirent  *de;

    d = opendir(dir);
    if (d == NULL) {
        return -1;
    }

    for (de = readdir(d); de != NULL; de = readdir(d)) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }

        if (ccl_file_join(path, sizeof(path), dir, de->d_name) == 0) {
            (void) unlink(path);
        }
    }

    closedir(d);

    return rmdir(dir);
}


/* removes the generations ".<name>.XXXXXX" other than keep1 and keep2 */
static void
ccl_client_prune(const char *path, const char *keep1, const char *keep2)
{
    DIR            *d;
    char            dir[PATH_MAX], prefix[NAME_MAX + 2], full[PATH_MAX];
    char           *slash;
    struct dirent  *de;

    if (ccl_strlcpy(dir, path, sizeof(dir)) != 0) {
        return;
    }

    slash = strrchr(dir, '/');
    if (slash == NULL) {
        return;
    }

    *slash = '\0';

    if (ccl_snprintf(prefix, sizeof(prefix), ".%s.", slash + 1) != 0) {
        return;
    }

    d = opendir(dir[0] ? dir : "/");
    if (d == NULL) {
        return;
    }

    for (de = readdir(d); de != NULL; de = readdir(d)) {
        if (!ccl_str_has_prefix(de->d_name, prefix)
            || strlen(de->d_name) != strlen(prefix) + 6
            || strcmp(de->d_name, keep1) == 0
            || (keep2 != NULL && strcmp(de->d_name, keep2) == 0))
        {
            continue;
        }

        if (ccl_file_join(full, sizeof(full), dir, de->d_name) == 0) {
            (void) ccl_client_rm_tree(full);
        }
    }

    closedir(d);
}


int
ccl_client_publish(const ccl_conf_t *conf, const ccl_plan_t *plan)
{
    int                rc, k;
    char               dir[PATH_MAX], path[PATH_MAX], gen[PATH_MAX];
    char               old[PATH_MAX];
    char               parent[PATH_MAX], *slash, *genname, *oldname;
    ssize_t            n;
    struct stat        st;
    ccl_client_file_t  files[CCL_CLIENT_NFILES];

    if (conf->client_dir == NULL || strcmp(conf->client_dir, "off") == 0) {
        return 0;
    }

    if (ccl_conf_path(conf, conf->client_dir, dir, sizeof(dir)) != 0
        || ccl_file_join(path, sizeof(path), dir, "current") != 0)
    {
        return -1;
    }

    memset(files, 0, sizeof(files));

    for (k = 0; k < CCL_CLIENT_NFILES; k++) {
        ccl_buf_init(&files[k].data, CCL_RENDER_MAX);
    }

    rc = -1;
    gen[0] = '\0';

    if (ccl_client_render_all(conf, plan, files) != 0) {
        goto done;
    }

    /* what is there now */

    oldname = NULL;

    if (lstat(path, &st) == 0) {
        if (!S_ISLNK(st.st_mode)) {
            ccl_log(CCL_LOG_ERROR, "client_error", "path=%s error=%s", path,
                    "exists and is not the symbolic link cclink-sidecar "
                    "makes: remove it");
            goto done;
        }

        if (ccl_client_current(path, files)) {
            rc = 0;
            goto done;
        }

        n = readlink(path, old, sizeof(old) - 1);
        if (n > 0) {
            old[n] = '\0';
            oldname = old;
        }
    }

    /* 1, 2: the new generation beside it */

    if (ccl_strlcpy(parent, path, sizeof(parent)) != 0) {
        goto done;
    }

    slash = strrchr(parent, '/');
    if (slash == NULL || slash[1] == '\0') {
        ccl_log(CCL_LOG_ERROR, "client_error", "path=%s error=%s", path,
                "bad path");
        goto done;
    }

    *slash = '\0';

    if (ccl_file_mkdirs(dir) != 0
        || ccl_snprintf(gen, sizeof(gen), "%s/.%s.XXXXXX", parent,
                        slash + 1) != 0)
    {
        gen[0] = '\0';
        goto done;
    }

    if (mkdtemp(gen) == NULL) {
        ccl_log(CCL_LOG_ERROR, "file_error", "op=mkdtemp path=%s error=%s",
                gen, strerror(errno));
        gen[0] = '\0';
        goto done;
    }

    genname = strrchr(gen, '/') + 1;

    if (ccl_client_write_dir(gen, files) != 0) {
        goto done;
    }

    /* 3: one rename */

    if (ccl_client_swap(path, genname) != 0) {
        goto done;
    }

    /* 4 */

    ccl_client_prune(path, genname, oldname);

    ccl_log(CCL_LOG_INFO, "client_published", "path=%s generation=%s "
            "files=%d", path, genname, CCL_CLIENT_NFILES);

    gen[0] = '\0';
    rc = 1;

done:

    if (gen[0] != '\0') {
        (void) ccl_client_rm_tree(gen);
    }

    for (k = 0; k < CCL_CLIENT_NFILES; k++) {
        ccl_buf_release(&files[k].data);
    }

    return rc;
}
