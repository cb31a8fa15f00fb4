/*
 * Copyright (C) cclink authors
 *
 * cclink-sidecar: command line, commands and the daemon loop. This is the
 * only place that exits.
 */


#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <openssl/crypto.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "cclink_common.h"
#include "ccl_api.h"
#include "ccl_apply.h"
#include "ccl_backoff.h"
#include "ccl_conf.h"
#include "ccl_diag.h"
#include "ccl_file.h"
#include "ccl_hosts.h"
#include "ccl_http.h"
#include "ccl_log.h"
#include "ccl_render.h"
#include "ccl_state.h"


#define CCL_EXIT_OK       0
#define CCL_EXIT_FAILED   1
#define CCL_EXIT_PARTIAL  2
#define CCL_EXIT_USAGE    64


typedef struct {
    const char          *config;
    ccl_conf_overrides_t overrides;
    int                  force;
    int                  dry_run;
    const char          *format;
    const char          *file;
    const char          *replace_name;
    int                  remove;
    int                  nargs;
    char               **args;
} ccl_cmdline_t;


static void ccl_usage(FILE *f);
static void ccl_version(void);
static int ccl_load_conf(const ccl_cmdline_t *cl, ccl_conf_t *c,
    int credentials);
static int ccl_exit_code(int rc);
static int ccl_cmd_once(const ccl_cmdline_t *cl, int dry_run);
static int ccl_cmd_run(const ccl_cmdline_t *cl);
static int ccl_cmd_check(const ccl_cmdline_t *cl);
static int ccl_cmd_hosts(const ccl_cmdline_t *cl);
static int ccl_cmd_diagnose(const ccl_cmdline_t *cl);
static int ccl_parse_format(const char *s);
static void ccl_on_signal(int sig);
static int ccl_setup_signals(void);


static volatile sig_atomic_t  ccl_stop;
static volatile sig_atomic_t  ccl_reload;


static void
ccl_usage(FILE *f)
{
    fputs(
"usage: cclink-sidecar [OPTIONS] COMMAND [ARGS]\n"
"\n"
"Discovers Confluent Cloud private endpoints and writes the route table\n"
"of ngx_cclink_module, an include for stock nginx and hosts-file snippets.\n"
"\n"
"Commands:\n"
"  run                     daemon: discover and apply every poll_interval\n"
"                          (SIGTERM stops, SIGHUP re-reads the config)\n"
"  once                    one discovery and apply, then exit\n"
"  check                   check config, credentials, output directory and\n"
"                          that the API answers\n"
"  render [--dry-run]      like once; with --dry-run print what would\n"
"                          change as a unified diff and write nothing\n"
"  hosts print [--format linux|windows|powershell|sh]\n"
"                          print the hosts block (or the PowerShell or\n"
"                          POSIX sh script)\n"
"  hosts apply --file PATH [--format linux|windows] [--remove]\n"
"              [--replace-name OLD]\n"
"                          put the block into a hosts file: only the lines\n"
"                          between this proxy's markers change\n"
"  diagnose HOST[:PORT]    follow a name through route table, TCP, TLS and\n"
"                          HTTP, and say where it fails\n"
"\n"
"Options:\n"
"  -c, --config PATH       configuration file\n"
"                          (default " CCL_CONF_DEFAULT_PATH ")\n"
"      --api-url URL       Confluent Cloud API base URL\n"
"                          (default " CCL_CONF_DEFAULT_API ")\n"
"      --ca-file PATH      CA bundle for the API's certificate\n"
"      --output-dir DIR    where the files are written\n"
"      --log-level LEVEL   debug, info, warn or error\n"
"      --force             accept a change that drops more than\n"
"                          max_drop_percent of the routes at once\n"
"      --dry-run           (render) print a diff, write nothing\n"
"      --format FORMAT     (hosts) linux, windows or powershell\n"
"      --file PATH         (hosts apply) the hosts file to edit\n"
"      --remove            (hosts apply) take this proxy's block out\n"
"      --replace-name OLD  (hosts apply) also remove the block of proxy\n"
"                          OLD (after proxy_name changed)\n"
"  -V, --version           print the version and exit\n"
"  -h, --help              print this help and exit\n"
"\n"
"Credentials: CONFLUENT_CLOUD_API_KEY and CONFLUENT_CLOUD_API_SECRET, or\n"
"credentials_file; Kafka API keys in kafka_credentials_file. Never on the\n"
"command line.\n"
"\n"
"Exit status: 0 done, 1 failed (previous files kept), 2 discovery\n"
"incomplete (routes added, none removed), 64 usage error.\n", f);
}


static void
ccl_version(void)
{
    curl_version_info_data  *cv;
    char                     pcre[32];

    cv = curl_version_info(CURLVERSION_NOW);
    pcre2_config(PCRE2_CONFIG_VERSION, pcre);

    printf("cclink-sidecar %s (libcurl %s, jansson %s, librdkafka %s, "
           "%s, PCRE2 %s)\n", CCLINK_VERSION, cv->version,
           jansson_version_str(), rd_kafka_version_str(),
           OpenSSL_version(OPENSSL_VERSION), pcre);
}


static void
ccl_on_signal(int sig)
{
    if (sig == SIGHUP) {
        ccl_reload = 1;
    } else {
        ccl_stop = 1;
    }
}


static int
ccl_setup_signals(void)
{
    struct sigaction  sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = ccl_on_signal;
    sigemptyset(&sa.sa_mask);

    if (sigaction(SIGTERM, &sa, NULL) != 0
        || sigaction(SIGINT, &sa, NULL) != 0
        || sigaction(SIGHUP, &sa, NULL) != 0)
    {
        return -1;
    }

    sa.sa_handler = SIG_IGN;

    return sigaction(SIGPIPE, &sa, NULL);
}


static int
ccl_load_conf(const ccl_cmdline_t *cl, ccl_conf_t *c, int credentials)
{
    ccl_conf_init(c);

    if (ccl_conf_load(c, cl->config) != 0
        || ccl_conf_override(c, &cl->overrides) != 0
        || ccl_conf_finish(c) != 0)
    {
        ccl_conf_release(c);
        return -1;
    }

    ccl_log_set_level(c->log_level);

    if (credentials && ccl_conf_load_credentials(c) != 0) {
        ccl_conf_release(c);
        return -1;
    }

    return 0;
}


static int
ccl_exit_code(int rc)
{
    switch (rc) {
    case CCL_APPLY_OK:
        return CCL_EXIT_OK;
    case CCL_APPLY_PARTIAL:
        return CCL_EXIT_PARTIAL;
    }

    return CCL_EXIT_FAILED;
}


static int
ccl_cmd_once(const ccl_cmdline_t *cl, int dry_run)
{
    int               rc;
    ccl_api_t         api;
    ccl_conf_t        c;
    ccl_apply_opts_t  o;

    if (ccl_load_conf(cl, &c, 1) != 0) {
        return CCL_EXIT_FAILED;
    }

    if (ccl_api_init(&api, &c, &ccl_stop) != 0) {
        ccl_conf_release(&c);
        return CCL_EXIT_FAILED;
    }

    o.dry_run = dry_run;
    o.force = cl->force;
    o.diff_out = stdout;

    rc = ccl_apply_cycle(&c, &api, &o);

    ccl_api_release(&api);
    ccl_conf_release(&c);

    return ccl_exit_code(rc);
}


static int
ccl_cmd_run(const ccl_cmdline_t *cl)
{
    long              wait_ms, jitter;
    ccl_api_t         api;
    ccl_conf_t        c, fresh;
    ccl_apply_opts_t  o;

    if (ccl_load_conf(cl, &c, 1) != 0) {
        return CCL_EXIT_FAILED;
    }

    if (ccl_api_init(&api, &c, &ccl_stop) != 0) {
        ccl_conf_release(&c);
        return CCL_EXIT_FAILED;
    }

    o.dry_run = 0;
    o.force = cl->force;
    o.diff_out = NULL;

    ccl_log(CCL_LOG_INFO, "started", "version=%s config=%s api_url=%s "
            "mode=%s poll_interval=%ld pid=%ld", CCLINK_VERSION, c.path,
            c.api_url, c.mode == CCL_MODE_NGINX ? "nginx" : "module",
            c.poll_interval, (long) getpid());

    while (!ccl_stop) {

        if (ccl_reload) {
            ccl_reload = 0;

            if (ccl_load_conf(cl, &fresh, 1) == 0) {
                ccl_api_release(&api);
                ccl_conf_release(&c);
                c = fresh;

                if (ccl_api_init(&api, &c, &ccl_stop) != 0) {
                    ccl_conf_release(&c);
                    return CCL_EXIT_FAILED;
                }

                ccl_log(CCL_LOG_INFO, "config_reloaded", "config=%s",
                        c.path);
            } else {
                ccl_log_set_level(c.log_level);
                ccl_log(CCL_LOG_ERROR, "config_reload_failed", "config=%s "
                        "action=%s", cl->config,
                        "keeping the configuration in use");
            }
        }

        (void) ccl_apply_cycle(&c, &api, &o);

        /* --force accepts one cycle's drop, never the daemon's whole life */
        if (o.force) {
            o.force = 0;
            ccl_log(CCL_LOG_INFO, "force_spent", "note=%s", "--force "
                    "applied to the first cycle only");
        }

        if (ccl_stop) {
            break;
        }

        jitter = 0;
        if (c.poll_jitter > 0) {
            jitter = (long) (ccl_backoff_random()
                             % (uint32_t) (2 * c.poll_jitter * 1000 + 1))
                     - c.poll_jitter * 1000;
        }

        wait_ms = c.poll_interval * 1000 + jitter;

        ccl_log(CCL_LOG_DEBUG, "sleeping", "ms=%ld", wait_ms);

        /* a slice at a time, so SIGTERM and SIGHUP act at once */
        while (wait_ms > 0 && !ccl_stop && !ccl_reload) {
            ccl_api_sleep(wait_ms > 200 ? 200 : (uint64_t) wait_ms, NULL);
            wait_ms -= 200;
        }
    }

    ccl_log(CCL_LOG_INFO, "stopped", "reason=%s", "signal");

    ccl_api_release(&api);
    ccl_conf_release(&c);

    return CCL_EXIT_OK;
}


static int
ccl_cmd_check(const ccl_cmdline_t *cl)
{
    int           rc, failed;
    char          path[PATH_MAX];
    json_t       *j;
    ccl_api_t     api;
    ccl_conf_t    c;
    ccl_calls_t   calls;
    ccl_call_t   *rec;

    failed = 0;

    if (ccl_load_conf(cl, &c, 0) != 0) {
        printf("FAIL configuration %s (see the error above)\n", cl->config);
        return CCL_EXIT_FAILED;
    }

    printf("ok   configuration %s\n", c.path);

    if (ccl_conf_load_credentials(&c) != 0) {
        printf("FAIL credentials (see the error above)\n");
        ccl_conf_release(&c);
        return CCL_EXIT_FAILED;
    }

    printf("ok   Cloud API key from %s\n", c.api_key_source);

    if (c.kafka_credentials_file != NULL) {
        printf("ok   %zu Kafka API key(s) from %s\n", c.nkafka_creds,
               c.kafka_credentials_file);
    } else {
        printf("info no Kafka API keys: broker names come from domain "
               "patterns only\n");
    }

    if (c.ca_file != NULL && access(c.ca_file, R_OK) != 0) {
        printf("FAIL ca_file %s: %s\n", c.ca_file, strerror(errno));
        failed = 1;
    }

    if (c.kafka_ca_file != NULL && access(c.kafka_ca_file, R_OK) != 0) {
        printf("FAIL kafka_ca_file %s: %s\n", c.kafka_ca_file,
               strerror(errno));
        failed = 1;
    }

    if (ccl_file_mkdirs(c.output_dir) != 0 || access(c.output_dir, W_OK) != 0
        || ccl_conf_path(&c, c.state_file, path, sizeof(path)) != 0)
    {
        printf("FAIL output directory %s is not writable\n", c.output_dir);
        failed = 1;
    } else {
        printf("ok   output directory %s\n", c.output_dir);
    }

    if (ccl_api_init(&api, &c, &ccl_stop) != 0) {
        ccl_conf_release(&c);
        return CCL_EXIT_FAILED;
    }

    ccl_calls_init(&calls);
    rec = ccl_calls_add(&calls, "GET /org/v2/environments?page_size=1");

    j = NULL;
    rc = (rec == NULL) ? CCL_API_FAILED
         : ccl_api_get(&api, "/org/v2/environments?page_size=1", &j, rec);

    if (rc == CCL_API_OK) {
        printf("ok   API %s answers and accepts the key\n", c.api_url);
    } else {
        printf("FAIL API %s: %s\n", c.api_url,
               rec && rec->error ? rec->error : "no answer");
        failed = 1;
    }

    json_decref(j);
    ccl_calls_release(&calls);
    ccl_api_release(&api);

    printf("%s\n", failed ? "check failed" : "check passed");

    ccl_conf_release(&c);

    return failed ? CCL_EXIT_FAILED : CCL_EXIT_OK;
}


static int
ccl_parse_format(const char *s)
{
    if (s == NULL || strcmp(s, "linux") == 0 || strcmp(s, "macos") == 0) {
        return CCL_HOSTS_LINUX;
    }

    if (strcmp(s, "windows") == 0) {
        return CCL_HOSTS_WINDOWS;
    }

    if (strcmp(s, "powershell") == 0) {
        return CCL_HOSTS_POWERSHELL;
    }

    if (strcmp(s, "sh") == 0) {
        return CCL_HOSTS_SH;
    }

    return -1;
}


static int
ccl_cmd_hosts(const ccl_cmdline_t *cl)
{
    int           rc, format;
    ccl_buf_t     b;
    ccl_conf_t    c;
    ccl_state_t   st;

    if (cl->nargs < 2 || cl->nargs > 2
        || (strcmp(cl->args[1], "print") != 0
            && strcmp(cl->args[1], "apply") != 0))
    {
        fprintf(stderr, "usage: cclink-sidecar hosts print|apply "
                "[--format F] [--file PATH]\n");
        return CCL_EXIT_USAGE;
    }

    format = ccl_parse_format(cl->format);

    if (format < 0) {
        fprintf(stderr, "cclink-sidecar: unknown format \"%s\" (linux, "
                "windows, powershell or sh)\n", cl->format);
        return CCL_EXIT_USAGE;
    }

    if (strcmp(cl->args[1], "apply") == 0
        && (cl->file == NULL || format == CCL_HOSTS_POWERSHELL
            || format == CCL_HOSTS_SH))
    {
        fprintf(stderr, "usage: cclink-sidecar hosts apply --file PATH "
                "[--format linux|windows]\n");
        return CCL_EXIT_USAGE;
    }

    if (ccl_load_conf(cl, &c, 0) != 0) {
        return CCL_EXIT_FAILED;
    }

    ccl_state_init(&st);

    if (ccl_apply_load_plan(&c, &st) != 0) {
        ccl_state_release(&st);
        ccl_conf_release(&c);
        return CCL_EXIT_FAILED;
    }

    ccl_buf_init(&b, CCL_RENDER_MAX);
    rc = CCL_EXIT_FAILED;

    if (strcmp(cl->args[1], "print") == 0) {
        if (ccl_render_hosts(&st.plan, &c, format, &b) == 0) {
            fwrite(b.data, 1, b.len, stdout);
            rc = (fflush(stdout) == 0) ? CCL_EXIT_OK : CCL_EXIT_FAILED;
        }

    } else if (ccl_render_hosts(&st.plan, &c, CCL_HOSTS_LINUX, &b) == 0
               && ccl_hosts_update(cl->file, c.proxy_name,
                                   cl->remove ? NULL : b.data,
                                   format == CCL_HOSTS_WINDOWS,
                                   cl->replace_name) >= 0)
    {
        rc = CCL_EXIT_OK;
    }

    ccl_buf_release(&b);
    ccl_state_release(&st);
    ccl_conf_release(&c);

    return rc;
}


static int
ccl_cmd_diagnose(const ccl_cmdline_t *cl)
{
    int         rc;
    ccl_conf_t  c;

    if (cl->nargs != 2) {
        fprintf(stderr, "usage: cclink-sidecar diagnose HOST[:PORT]\n");
        return CCL_EXIT_USAGE;
    }

    if (ccl_load_conf(cl, &c, 0) != 0) {
        return CCL_EXIT_FAILED;
    }

    rc = ccl_diag_run(&c, cl->args[1], stdout);
    fflush(stdout);

    ccl_conf_release(&c);

    if (rc < 0) {
        return CCL_EXIT_USAGE;
    }

    return rc == 0 ? CCL_EXIT_OK : CCL_EXIT_FAILED;
}


int
main(int argc, char **argv)
{
    int            ch, rc;
    const char    *cmd;
    ccl_cmdline_t  cl;

    enum {
        OPT_API_URL = 256, OPT_CA_FILE, OPT_OUTPUT_DIR, OPT_LOG_LEVEL,
        OPT_FORCE, OPT_DRY_RUN, OPT_FORMAT, OPT_FILE, OPT_REMOVE,
        OPT_REPLACE_NAME
    };

    static const struct option  longopts[] = {
        { "config", required_argument, NULL, 'c' },
        { "api-url", required_argument, NULL, OPT_API_URL },
        { "ca-file", required_argument, NULL, OPT_CA_FILE },
        { "output-dir", required_argument, NULL, OPT_OUTPUT_DIR },
        { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
        { "force", no_argument, NULL, OPT_FORCE },
        { "dry-run", no_argument, NULL, OPT_DRY_RUN },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "file", required_argument, NULL, OPT_FILE },
        { "remove", no_argument, NULL, OPT_REMOVE },
        { "replace-name", required_argument, NULL, OPT_REPLACE_NAME },
        { "version", no_argument, NULL, 'V' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };

    memset(&cl, 0, sizeof(cl));
    cl.config = CCL_CONF_DEFAULT_PATH;

    for ( ;; ) {
        ch = getopt_long(argc, argv, "c:Vh", longopts, NULL);

        if (ch == -1) {
            break;
        }

        switch (ch) {
        case 'c':
            cl.config = optarg;
            break;
        case OPT_API_URL:
            cl.overrides.api_url = optarg;
            break;
        case OPT_CA_FILE:
            cl.overrides.ca_file = optarg;
            break;
        case OPT_OUTPUT_DIR:
            cl.overrides.output_dir = optarg;
            break;
        case OPT_LOG_LEVEL:
            cl.overrides.log_level = optarg;
            if (ccl_log_parse_level(optarg) < 0) {
                fprintf(stderr, "cclink-sidecar: invalid log level \"%s\"\n",
                        optarg);
                return CCL_EXIT_USAGE;
            }
            ccl_log_set_level(ccl_log_parse_level(optarg));
            break;
        case OPT_FORCE:
            cl.force = 1;
            break;
        case OPT_DRY_RUN:
            cl.dry_run = 1;
            break;
        case OPT_FORMAT:
            cl.format = optarg;
            break;
        case OPT_FILE:
            cl.file = optarg;
            break;
        case OPT_REMOVE:
            cl.remove = 1;
            break;
        case OPT_REPLACE_NAME:
            cl.replace_name = optarg;
            break;
        case 'V':
            ccl_version();
            return CCL_EXIT_OK;
        case 'h':
            ccl_usage(stdout);
            return CCL_EXIT_OK;
        default:
            ccl_usage(stderr);
            return CCL_EXIT_USAGE;
        }
    }

    cl.nargs = argc - optind;
    cl.args = argv + optind;

    if (cl.nargs == 0) {
        ccl_usage(stderr);
        return CCL_EXIT_USAGE;
    }

    cmd = cl.args[0];

    if (ccl_setup_signals() != 0 || ccl_http_global_init() != 0) {
        return CCL_EXIT_FAILED;
    }

    if (strcmp(cmd, "once") == 0 && cl.nargs == 1) {
        rc = ccl_cmd_once(&cl, cl.dry_run);

    } else if (strcmp(cmd, "render") == 0 && cl.nargs == 1) {
        rc = ccl_cmd_once(&cl, cl.dry_run);

    } else if (strcmp(cmd, "run") == 0 && cl.nargs == 1) {
        rc = ccl_cmd_run(&cl);

    } else if (strcmp(cmd, "check") == 0 && cl.nargs == 1) {
        rc = ccl_cmd_check(&cl);

    } else if (strcmp(cmd, "hosts") == 0) {
        rc = ccl_cmd_hosts(&cl);

    } else if (strcmp(cmd, "diagnose") == 0) {
        rc = ccl_cmd_diagnose(&cl);

    } else {
        fprintf(stderr, "cclink-sidecar: unknown command or extra arguments:"
                " \"%s\"\n\n", cmd);
        ccl_usage(stderr);
        rc = CCL_EXIT_USAGE;
    }

    ccl_http_global_release();

    return rc;
}
