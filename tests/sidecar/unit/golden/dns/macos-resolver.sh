#!/bin/sh
# cclink split DNS for macOS, proxy edge-1, written by cclink-sidecar.
#
#     sudo sh macos-resolver.sh            install the /etc/resolver files
#     sudo sh macos-resolver.sh --remove   remove them
#
# One file per zone below, /etc/resolver/<zone> (resolver(5)): names in
# these zones, and only those, are asked of the proxy's DNS server
# 203.0.113.10. Files of this proxy for zones no longer listed are removed;
# files this script did not write are never touched. Check with
# "scutil --dns" and "dscacheutil -q host -a name NAME" (dig and nslookup
# ignore /etc/resolver).

set -u

me=macos-resolver.sh
dir=${CCLINK_RESOLVER_DIR:-/etc/resolver}
marker='# cclink proxy edge-1'
zones='dom1.us-west-2.aws.confluent.cloud
lsrc-1.us-east-1.aws.private.confluent.cloud
us-west-2.aws.glb.confluent.cloud'
mode=install

die() {
    printf '%s: %s\n' "$me" "$1" >&2
    exit "${2:-1}"
}

case ${1:-} in
'')
    ;;
--remove)
    mode=remove
    ;;
-h | --help)
    printf 'usage: sudo sh %s [--remove]\n' "$me"
    exit 0
    ;;
*)
    die "unknown option \"$1\"" 64
    ;;
esac

ours() {
    [ -f "$1" ] && [ "$(head -n 1 "$1")" = "$marker" ]
}

written=0
removed=0

if [ -d "$dir" ]; then
    for f in "$dir"/*; do
        ours "$f" || continue
        if [ "$mode" = remove ] \
            || ! printf '%s\n' "$zones" | grep -qxF "${f##*/}"
        then
            rm -f "$f" || die "cannot remove $f"
            removed=$((removed + 1))
        fi
    done
fi

if [ "$mode" = install ]; then
    mkdir -p "$dir" || die "cannot create $dir"
    for z in $zones; do
        f=$dir/$z
        if [ -e "$f" ] && ! ours "$f"; then
            printf '%s: %s was not written by cclink: left as it is\n' \
                "$me" "$f" >&2
            continue
        fi
        tmp=$(mktemp "$dir/.$z.XXXXXX") || die "cannot write in $dir"
        cat > "$tmp" <<'CCLINK_RESOLVER'
# cclink proxy edge-1
nameserver 203.0.113.10
CCLINK_RESOLVER
        if ! chmod 644 "$tmp" || ! mv -f "$tmp" "$f"; then
            rm -f "$tmp"
            die "cannot write $f"
        fi
        written=$((written + 1))
    done
fi

if [ "$(uname -s)" = Darwin ]; then
    dscacheutil -flushcache 2>/dev/null || :
    killall -HUP mDNSResponder 2>/dev/null || :
fi

printf '%s: %s: %d zone files written, %d removed (proxy edge-1, DNS %s)\n' \
    "$me" "$dir" "$written" "$removed" '203.0.113.10'
