/*
 * Copyright (C) cclink authors
 *
 * hosts-apply.sh, the POSIX sh hosts editor, from its template.
 */


#include <string.h>

#include "ccl_hostsh.h"
#include "ccl_log.h"
#include "ccl_render.h"


/* "@NAME@" is the proxy name, "@BLOCK@" the block (ending in a line end) */
static const char  ccl_hostsh_template[] =
    "#!/bin/sh\n"
    "# cclink hosts update for proxy @NAME@, written by cclink-sidecar.\n"
    "#\n"
    "#     sudo sh hosts-apply.sh [--file PATH] [--remove] [--dry-run]\n"
    "#\n"
    "# Puts the block below between the markers \"# BEGIN cclink @NAME@\" a"
    "nd\n"
    "# \"# END cclink @NAME@\" of the hosts file (default /etc/hosts): only"
    " the\n"
    "# lines between these markers change, every other byte stays as it is."
    "\n"
    "# A missing file counts as empty; a missing final line end is added\n"
    "# before an appended block; further blocks of this proxy are removed."
    "\n"
    "# Unbalanced or nested markers are refused with the line number and th"
    "e\n"
    "# file is left untouched. The previous file is saved as\n"
    "# PATH.cclink-backup. The new file is written next to the old one and"
    "\n"
    "# renamed over it; when the rename is impossible (a bind-mounted file,"
    "\n"
    "# as in containers) the file is rewritten in place instead.\n"
    "#\n"
    "#   --file PATH          edit PATH instead of /etc/hosts\n"
    "#   --remove             take this proxy's block out\n"
    "#   --dry-run            print the change as a diff, change nothing\n"
    "#   --replace-name OLD   also remove the block of proxy name OLD\n"
    "#\n"
    "# Runs under any POSIX sh (macOS /bin/sh, dash, busybox). On macOS it"
    "\n"
    "# flushes the resolver cache afterwards.\n"
    "\n"
    "set -u\n"
    "\n"
    "name='@NAME@'\n"
    "hosts_file=/etc/hosts\n"
    "mode=apply\n"
    "dry_run=0\n"
    "old_name=\n"
    "me=hosts-apply.sh\n"
    "\n"
    "die() {\n"
    "    printf '%s: %s\\n' \"$me\" \"$1\" >&2\n"
    "    exit \"${2:-1}\"\n"
    "}\n"
    "\n"
    "usage() {\n"
    "    printf 'usage: sh %s [--file PATH] [--remove] [--dry-run] %s\\n' "
    "\\\n"
    "        \"$me\" '[--replace-name OLD]'\n"
    "}\n"
    "\n"
    "while [ $# -gt 0 ]; do\n"
    "    case $1 in\n"
    "    --file)\n"
    "        [ $# -ge 2 ] || die \"--file needs a path\" 64\n"
    "        hosts_file=$2\n"
    "        shift 2\n"
    "        ;;\n"
    "    --file=*)\n"
    "        hosts_file=${1#--file=}\n"
    "        shift\n"
    "        ;;\n"
    "    --remove)\n"
    "        mode=remove\n"
    "        shift\n"
    "        ;;\n"
    "    --dry-run)\n"
    "        dry_run=1\n"
    "        shift\n"
    "        ;;\n"
    "    --replace-name)\n"
    "        [ $# -ge 2 ] || die \"--replace-name needs a name\" 64\n"
    "        old_name=$2\n"
    "        shift 2\n"
    "        ;;\n"
    "    -h | --help)\n"
    "        usage\n"
    "        exit 0\n"
    "        ;;\n"
    "    *)\n"
    "        usage >&2\n"
    "        die \"unknown option \\\"$1\\\"\" 64\n"
    "        ;;\n"
    "    esac\n"
    "done\n"
    "\n"
    "[ -n \"$hosts_file\" ] || die \"--file needs a path\" 64\n"
    "\n"
    "LC_ALL=C\n"
    "export LC_ALL\n"
    "umask 022\n"
    "\n"
    "work=$(mktemp -d \"${TMPDIR:-/tmp}/cclink-hosts.XXXXXX\") \\\n"
    "    || die \"cannot create a temporary directory\"\n"
    "tmp_new=\n"
    "tmp_backup=\n"
    "cleanup() {\n"
    "    rm -rf \"$work\"\n"
    "    [ -z \"$tmp_new\" ] || rm -f \"$tmp_new\"\n"
    "    [ -z \"$tmp_backup\" ] || rm -f \"$tmp_backup\"\n"
    "}\n"
    "trap cleanup EXIT\n"
    "trap 'exit 1' HUP INT TERM\n"
    "\n"
    "cat > \"$work/block\" <<'CCLINK_BLOCK'\n"
    "@BLOCK@CCLINK_BLOCK\n"
    "\n"
    "# edit SRC DST MODE NAME: the hosts editor (same rules as cclink-sidec"
    "ar)\n"
    "edit() {\n"
    "    nonl=0\n"
    "    if [ -s \"$1\" ] && [ -n \"$(tail -c 1 \"$1\")\" ]; then\n"
    "        nonl=1\n"
    "    fi\n"
    "    total=$(wc -l < \"$1\")\n"
    "    CCL_MODE=$3 CCL_NAME=$4 CCL_NONL=$nonl CCL_TOTAL=$total \\\n"
    "    CCL_FILE=$hosts_file awk '\n"
    "    function is_marker(line, m,    s) {\n"
    "        s = line\n"
    "        sub(/[ \\t\\r]+$/, \"\", s)\n"
    "        return s == m\n"
    "    }\n"
    "    function add_block(    i) {\n"
    "        if (mode == \"remove\") {\n"
    "            return\n"
    "        }\n"
    "        for (i = 1; i <= nb; i++) {\n"
    "            printf \"%s%s\", blk[i], eol\n"
    "        }\n"
    "    }\n"
    "    function refuse(n, what) {\n"
    "        printf \"%s:%d: %s\\n\", file, n, what | \"cat 1>&2\"\n"
    "        failed = 1\n"
    "        exit 2\n"
    "    }\n"
    "    BEGIN {\n"
    "        mode = ENVIRON[\"CCL_MODE\"]\n"
    "        begin_m = \"# BEGIN cclink \" ENVIRON[\"CCL_NAME\"]\n"
    "        end_m = \"# END cclink \" ENVIRON[\"CCL_NAME\"]\n"
    "        nonl = ENVIRON[\"CCL_NONL\"] + 0\n"
    "        total = ENVIRON[\"CCL_TOTAL\"] + nonl\n"
    "        file = ENVIRON[\"CCL_FILE\"]\n"
    "        eol = \"\\n\"\n"
    "        last = \"\"\n"
    "    }\n"
    "    NR == FNR {\n"
    "        blk[++nb] = $0\n"
    "        next\n"
    "    }\n"
    "    FNR == 1 && /\\r$/ {\n"
    "        eol = \"\\r\\n\"\n"
    "    }\n"
    "    {\n"
    "        last = $0\n"
    "        if (is_marker($0, begin_m)) {\n"
    "            if (inside) {\n"
    "                refuse(FNR, \"BEGIN marker inside a block (opened on l"
    "ine \" \\\n"
    "                       first \")\")\n"
    "            }\n"
    "            inside = 1\n"
    "            first = FNR\n"
    "            if (!placed) {\n"
    "                add_block()\n"
    "                placed = 1\n"
    "            }\n"
    "            next\n"
    "        }\n"
    "        if (is_marker($0, end_m)) {\n"
    "            if (!inside) {\n"
    "                refuse(FNR, \"END marker without BEGIN\")\n"
    "            }\n"
    "            inside = 0\n"
    "            next\n"
    "        }\n"
    "        if (!inside) {\n"
    "            printf \"%s%s\", $0, (FNR == total && nonl) ? \"\" : \"\\n"
    "\"\n"
    "        }\n"
    "    }\n"
    "    END {\n"
    "        if (failed) {\n"
    "            exit 2\n"
    "        }\n"
    "        if (inside) {\n"
    "            refuse(first, \"BEGIN marker without END\")\n"
    "        }\n"
    "        if (!placed && mode != \"remove\") {\n"
    "            if (nonl) {\n"
    "                printf \"%s\", (eol == \"\\r\\n\" && last !~ /\\r$/) ?"
    " \"\\r\\n\" : \"\\n\"\n"
    "            }\n"
    "            add_block()\n"
    "        }\n"
    "    }' \"$work/block\" \"$1\" > \"$2\"\n"
    "}\n"
    "\n"
    "if [ -L \"$hosts_file\" ]; then\n"
    "    die \"$hosts_file is a symbolic link: name its target with --file"
    "\"\n"
    "fi\n"
    "\n"
    "exists=0\n"
    "src=/dev/null\n"
    "if [ -e \"$hosts_file\" ]; then\n"
    "    [ -f \"$hosts_file\" ] || die \"$hosts_file is not a regular file"
    "\"\n"
    "    [ -r \"$hosts_file\" ] || die \"cannot read $hosts_file\"\n"
    "    exists=1\n"
    "    src=$hosts_file\n"
    "fi\n"
    "\n"
    "# a snapshot: the file is read once\n"
    "cat \"$src\" > \"$work/old\" || die \"cannot read $hosts_file\"\n"
    "cur=$work/old\n"
    "\n"
    "if [ -n \"$old_name\" ] && [ \"$old_name\" != \"$name\" ]; then\n"
    "    edit \"$cur\" \"$work/mid\" remove \"$old_name\" \\\n"
    "        || die \"nothing was changed: fix the markers by hand\"\n"
    "    cur=$work/mid\n"
    "fi\n"
    "\n"
    "edit \"$cur\" \"$work/new\" \"$mode\" \"$name\" \\\n"
    "    || die \"nothing was changed: fix the markers by hand\"\n"
    "\n"
    "names=$(grep -c -v -e '^#' -e '^$' \"$work/block\")\n"
    "if [ \"$mode\" = remove ]; then\n"
    "    done_what=\"block of proxy $name removed\"\n"
    "else\n"
    "    done_what=\"block of proxy $name ($names names) in place\"\n"
    "fi\n"
    "\n"
    "if cmp -s \"$work/old\" \"$work/new\"; then\n"
    "    printf '%s: %s already up to date (%s)\\n' \"$me\" \"$hosts_file\""
    " \\\n"
    "        \"$done_what\"\n"
    "    exit 0\n"
    "fi\n"
    "\n"
    "if [ \"$exists\" = 0 ] && [ \"$mode\" = remove ]; then\n"
    "    printf '%s: %s does not exist: nothing to remove\\n' \"$me\" \"$ho"
    "sts_file\"\n"
    "    exit 0\n"
    "fi\n"
    "\n"
    "if [ \"$dry_run\" = 1 ]; then\n"
    "    diff -u \"$work/old\" \"$work/new\" | sed -e \"1s|^--- [^\t]*|--- "
    "$hosts_file|\" \\\n"
    "        -e \"2s|^+++ [^\t]*|+++ $hosts_file (new)|\"\n"
    "    printf '%s: dry run: %s would change (%s); nothing was written\\n'"
    " \"$me\" \\\n"
    "        \"$hosts_file\" \"$done_what\"\n"
    "    exit 0\n"
    "fi\n"
    "\n"
    "dir=$(dirname -- \"$hosts_file\")\n"
    "base=$(basename -- \"$hosts_file\")\n"
    "backup=$hosts_file.cclink-backup\n"
    "saved=\n"
    "\n"
    "if [ \"$exists\" = 1 ]; then\n"
    "    # the backup: written beside it, renamed over the old one (a symbo"
    "lic\n"
    "    # link there is replaced, never followed), mode and owner of the f"
    "ile\n"
    "    if [ -d \"$backup\" ] && [ ! -L \"$backup\" ]; then\n"
    "        die \"$backup is a directory: nothing was changed\"\n"
    "    fi\n"
    "    tmp_backup=$(mktemp \"$dir/.$base.cclink-backup.XXXXXX\") \\\n"
    "        || die \"cannot write the backup in $dir: nothing was changed"
    "\"\n"
    "    if ! cp -p \"$hosts_file\" \"$tmp_backup\" \\\n"
    "        || ! mv -f \"$tmp_backup\" \"$backup\"\n"
    "    then\n"
    "        die \"cannot write the backup $backup: nothing was changed\"\n"
    "    fi\n"
    "    tmp_backup=\n"
    "    saved=\", previous file in $backup\"\n"
    "fi\n"
    "\n"
    "how=replaced\n"
    "tmp_new=$(mktemp \"$dir/.$base.cclink.XXXXXX\" 2>/dev/null) || tmp_new"
    "=\n"
    "if [ -n \"$tmp_new\" ] \\\n"
    "    && { [ \"$exists\" = 0 ] || cp -p \"$hosts_file\" \"$tmp_new\"; } "
    "\\\n"
    "    && cat \"$work/new\" > \"$tmp_new\" \\\n"
    "    && mv -f \"$tmp_new\" \"$hosts_file\" 2>/dev/null\n"
    "then\n"
    "    tmp_new=\n"
    "else\n"
    "    # not renameable (a bind-mounted file): rewrite it in place\n"
    "    [ -z \"$tmp_new\" ] || rm -f \"$tmp_new\"\n"
    "    tmp_new=\n"
    "    [ \"$exists\" = 1 ] || die \"cannot create $hosts_file\"\n"
    "    cat \"$work/new\" > \"$hosts_file\" \\\n"
    "        || die \"cannot write $hosts_file: it is unchanged$saved\"\n"
    "    how=\"rewritten in place\"\n"
    "fi\n"
    "\n"
    "if [ \"$(uname -s)\" = Darwin ]; then\n"
    "    dscacheutil -flushcache 2>/dev/null || :\n"
    "    killall -HUP mDNSResponder 2>/dev/null || :\n"
    "fi\n"
    "\n"
    "printf '%s: %s %s: %s%s\\n' \"$me\" \"$hosts_file\" \"$how\" \"$done_w"
    "hat\" \"$saved\"\n";


int
ccl_hostsh_render(const char *name, const char *block, ccl_buf_t *out)
{
    ccl_hostsh_var_t  vars[3];

    vars[0].var = "@NAME@";
    vars[0].value = name;
    vars[1].var = "@BLOCK@";
    vars[1].value = block;
    vars[2].var = NULL;
    vars[2].value = NULL;

    if (ccl_hostsh_subst(out, ccl_hostsh_template, vars) != 0) {
        ccl_log(CCL_LOG_ERROR, "render_error", "file=%s error=%s limit=%zu",
                "hosts-apply.sh", out->over ? "output too large"
                                            : "out of memory", out->max);
        return -1;
    }

    return 0;
}


int
ccl_hostsh_subst(ccl_buf_t *out, const char *tmpl,
    const ccl_hostsh_var_t *vars)
{
    size_t                   n;
    const char              *p, *at;
    const ccl_hostsh_var_t  *v;

    for (p = tmpl; *p != '\0'; p = at) {
        at = strchr(p, '@');

        if (at == NULL) {
            return ccl_buf_adds(out, p);
        }

        if (ccl_buf_add(out, p, (size_t) (at - p)) != 0) {
            return -1;
        }

        for (v = vars; v->var != NULL; v++) {
            n = strlen(v->var);

            if (strncmp(at, v->var, n) == 0) {
                break;
            }
        }

        if (v->var == NULL) {
            if (ccl_buf_addc(out, '@') != 0) {
                return -1;
            }
            at++;
            continue;
        }

        if (ccl_buf_adds(out, v->value) != 0) {
            return -1;
        }

        at += n;
    }

    return 0;
}


int
ccl_hostsh_render_plan(const ccl_plan_t *p, const ccl_conf_t *conf,
    ccl_buf_t *out)
{
    int        rc;
    ccl_buf_t  block;

    ccl_buf_init(&block, out->max);

    rc = ccl_render_hosts(p, conf, CCL_HOSTS_LINUX, &block);

    if (rc == 0) {
        rc = ccl_hostsh_render(conf->proxy_name, block.data, out);
    }

    ccl_buf_release(&block);

    return rc;
}
