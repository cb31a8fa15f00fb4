#!/bin/sh
# cclink hosts update for proxy edge-1, written by cclink-sidecar.
#
#     sudo sh hosts-apply.sh [--file PATH] [--remove] [--dry-run]
#
# Puts the block below between the markers "# BEGIN cclink edge-1" and
# "# END cclink edge-1" of the hosts file (default /etc/hosts): only the
# lines between these markers change, every other byte stays as it is.
# A missing file counts as empty; a missing final line end is added
# before an appended block; further blocks of this proxy are removed.
# Unbalanced or nested markers are refused with the line number and the
# file is left untouched. The previous file is saved as
# PATH.cclink-backup. The new file is written next to the old one and
# renamed over it; when the rename is impossible (a bind-mounted file,
# as in containers) the file is rewritten in place instead.
#
#   --file PATH          edit PATH instead of /etc/hosts
#   --remove             take this proxy's block out
#   --dry-run            print the change as a diff, change nothing
#   --replace-name OLD   also remove the block of proxy name OLD
#
# Runs under any POSIX sh (macOS /bin/sh, dash, busybox). On macOS it
# flushes the resolver cache afterwards.

set -u

name='edge-1'
hosts_file=/etc/hosts
mode=apply
dry_run=0
old_name=
me=hosts-apply.sh

die() {
    printf '%s: %s\n' "$me" "$1" >&2
    exit "${2:-1}"
}

usage() {
    printf 'usage: sh %s [--file PATH] [--remove] [--dry-run] %s\n' \
        "$me" '[--replace-name OLD]'
}

while [ $# -gt 0 ]; do
    case $1 in
    --file)
        [ $# -ge 2 ] || die "--file needs a path" 64
        hosts_file=$2
        shift 2
        ;;
    --file=*)
        hosts_file=${1#--file=}
        shift
        ;;
    --remove)
        mode=remove
        shift
        ;;
    --dry-run)
        dry_run=1
        shift
        ;;
    --replace-name)
        [ $# -ge 2 ] || die "--replace-name needs a name" 64
        old_name=$2
        shift 2
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        usage >&2
        die "unknown option \"$1\"" 64
        ;;
    esac
done

[ -n "$hosts_file" ] || die "--file needs a path" 64

LC_ALL=C
export LC_ALL
umask 022

work=$(mktemp -d "${TMPDIR:-/tmp}/cclink-hosts.XXXXXX") \
    || die "cannot create a temporary directory"
tmp_new=
tmp_backup=
cleanup() {
    rm -rf "$work"
    [ -z "$tmp_new" ] || rm -f "$tmp_new"
    [ -z "$tmp_backup" ] || rm -f "$tmp_backup"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

cat > "$work/block" <<'CCLINK_BLOCK'
# BEGIN cclink edge-1
# Confluent Cloud names reached through proxy edge-1.
203.0.113.10 lkc-abc12.dom123.us-west-2.aws.confluent.cloud
203.0.113.10 b0-lkc-abc12.dom123.us-west-2.aws.confluent.cloud
# END cclink edge-1
CCLINK_BLOCK

# edit SRC DST MODE NAME: the hosts editor (same rules as cclink-sidecar)
edit() {
    nonl=0
    if [ -s "$1" ] && [ -n "$(tail -c 1 "$1")" ]; then
        nonl=1
    fi
    total=$(wc -l < "$1")
    CCL_MODE=$3 CCL_NAME=$4 CCL_NONL=$nonl CCL_TOTAL=$total \
    CCL_FILE=$hosts_file awk '
    function is_marker(line, m,    s) {
        s = line
        sub(/[ \t\r]+$/, "", s)
        return s == m
    }
    function add_block(    i) {
        if (mode == "remove") {
            return
        }
        for (i = 1; i <= nb; i++) {
            printf "%s%s", blk[i], eol
        }
    }
    function refuse(n, what) {
        printf "%s:%d: %s\n", file, n, what | "cat 1>&2"
        failed = 1
        exit 2
    }
    BEGIN {
        mode = ENVIRON["CCL_MODE"]
        begin_m = "# BEGIN cclink " ENVIRON["CCL_NAME"]
        end_m = "# END cclink " ENVIRON["CCL_NAME"]
        nonl = ENVIRON["CCL_NONL"] + 0
        total = ENVIRON["CCL_TOTAL"] + nonl
        file = ENVIRON["CCL_FILE"]
        eol = "\n"
        last = ""
    }
    NR == FNR {
        blk[++nb] = $0
        next
    }
    FNR == 1 && /\r$/ {
        eol = "\r\n"
    }
    {
        last = $0
        if (is_marker($0, begin_m)) {
            if (inside) {
                refuse(FNR, "BEGIN marker inside a block (opened on line " \
                       first ")")
            }
            inside = 1
            first = FNR
            if (!placed) {
                add_block()
                placed = 1
            }
            next
        }
        if (is_marker($0, end_m)) {
            if (!inside) {
                refuse(FNR, "END marker without BEGIN")
            }
            inside = 0
            next
        }
        if (!inside) {
            printf "%s%s", $0, (FNR == total && nonl) ? "" : "\n"
        }
    }
    END {
        if (failed) {
            exit 2
        }
        if (inside) {
            refuse(first, "BEGIN marker without END")
        }
        if (!placed && mode != "remove") {
            if (nonl) {
                printf "%s", (eol == "\r\n" && last !~ /\r$/) ? "\r\n" : "\n"
            }
            add_block()
        }
    }' "$work/block" "$1" > "$2"
}

if [ -L "$hosts_file" ]; then
    die "$hosts_file is a symbolic link: name its target with --file"
fi

exists=0
src=/dev/null
if [ -e "$hosts_file" ]; then
    [ -f "$hosts_file" ] || die "$hosts_file is not a regular file"
    [ -r "$hosts_file" ] || die "cannot read $hosts_file"
    exists=1
    src=$hosts_file
fi

# a snapshot: the file is read once
cat "$src" > "$work/old" || die "cannot read $hosts_file"
cur=$work/old

if [ -n "$old_name" ] && [ "$old_name" != "$name" ]; then
    edit "$cur" "$work/mid" remove "$old_name" \
        || die "nothing was changed: fix the markers by hand"
    cur=$work/mid
fi

edit "$cur" "$work/new" "$mode" "$name" \
    || die "nothing was changed: fix the markers by hand"

names=$(grep -c -v -e '^#' -e '^$' "$work/block")
if [ "$mode" = remove ]; then
    done_what="block of proxy $name removed"
else
    done_what="block of proxy $name ($names names) in place"
fi

if cmp -s "$work/old" "$work/new"; then
    printf '%s: %s already up to date (%s)\n' "$me" "$hosts_file" \
        "$done_what"
    exit 0
fi

if [ "$exists" = 0 ] && [ "$mode" = remove ]; then
    printf '%s: %s does not exist: nothing to remove\n' "$me" "$hosts_file"
    exit 0
fi

if [ "$dry_run" = 1 ]; then
    diff -u "$work/old" "$work/new" | sed -e "1s|^--- [^	]*|--- $hosts_file|" \
        -e "2s|^+++ [^	]*|+++ $hosts_file (new)|"
    printf '%s: dry run: %s would change (%s); nothing was written\n' "$me" \
        "$hosts_file" "$done_what"
    exit 0
fi

dir=$(dirname -- "$hosts_file")
base=$(basename -- "$hosts_file")
backup=$hosts_file.cclink-backup
saved=

if [ "$exists" = 1 ]; then
    # the backup: written beside it, renamed over the old one (a symbolic
    # link there is replaced, never followed), mode and owner of the file
    if [ -d "$backup" ] && [ ! -L "$backup" ]; then
        die "$backup is a directory: nothing was changed"
    fi
    tmp_backup=$(mktemp "$dir/.$base.cclink-backup.XXXXXX") \
        || die "cannot write the backup in $dir: nothing was changed"
    if ! cp -p "$hosts_file" "$tmp_backup" \
        || ! mv -f "$tmp_backup" "$backup"
    then
        die "cannot write the backup $backup: nothing was changed"
    fi
    tmp_backup=
    saved=", previous file in $backup"
fi

how=replaced
tmp_new=$(mktemp "$dir/.$base.cclink.XXXXXX" 2>/dev/null) || tmp_new=
if [ -n "$tmp_new" ] \
    && { [ "$exists" = 0 ] || cp -p "$hosts_file" "$tmp_new"; } \
    && cat "$work/new" > "$tmp_new" \
    && mv -f "$tmp_new" "$hosts_file" 2>/dev/null
then
    tmp_new=
else
    # not renameable (a bind-mounted file): rewrite it in place
    [ -z "$tmp_new" ] || rm -f "$tmp_new"
    tmp_new=
    [ "$exists" = 1 ] || die "cannot create $hosts_file"
    cat "$work/new" > "$hosts_file" \
        || die "cannot write $hosts_file: it is unchanged$saved"
    how="rewritten in place"
fi

if [ "$(uname -s)" = Darwin ]; then
    dscacheutil -flushcache 2>/dev/null || :
    killall -HUP mDNSResponder 2>/dev/null || :
fi

printf '%s: %s %s: %s%s\n' "$me" "$hosts_file" "$how" "$done_what" "$saved"
