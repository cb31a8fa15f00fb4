#!/bin/sh
# cclink split DNS for Linux, proxy edge-2, written by cclink-sidecar.
#
#     sudo sh linux-dns.sh                    systemd-resolved
#     sudo sh linux-dns.sh --networkmanager   NetworkManager with dnsmasq
#     sudo sh linux-dns.sh --remove [--networkmanager]
#
# systemd-resolved: a drop-in with routing-only domains ("~zone",
# resolved.conf(5)) sends names in the zones below, and only those, to the
# proxy's DNS server. NetworkManager (dns=dnsmasq): a dnsmasq snippet
# with one "server=/zone/address" line per zone. Check with
# "resolvectl query NAME" or "getent hosts NAME".

set -u

me=linux-dns.sh
mode=install
target=resolved

die() {
    printf '%s: %s\n' "$me" "$1" >&2
    exit "${2:-1}"
}

for arg in "$@"; do
    case $arg in
    --remove)
        mode=remove
        ;;
    --networkmanager)
        target=networkmanager
        ;;
    -h | --help)
        printf 'usage: sudo sh %s [--networkmanager] [--remove]\n' "$me"
        exit 0
        ;;
    *)
        die "unknown option \"$arg\"" 64
        ;;
    esac
done

if [ "$target" = resolved ]; then
    dir=${CCLINK_RESOLVED_DIR:-/etc/systemd/resolved.conf.d}
    restart="systemctl restart systemd-resolved"
else
    dir=${CCLINK_NM_DIR:-/etc/NetworkManager/dnsmasq.d}
    restart="systemctl reload NetworkManager"
fi
file=$dir/cclink-edge-2.conf

if [ "$mode" = remove ]; then
    rm -f "$file" || die "cannot remove $file"
    done_what="removed"
else
    mkdir -p "$dir" || die "cannot create $dir"
    tmp=$(mktemp "$dir/.cclink-edge-2.XXXXXX") || die "cannot write in $dir"
    if [ "$target" = resolved ]; then
        cat > "$tmp" <<'CCLINK_RESOLVED'
# /etc/systemd/resolved.conf.d/cclink-edge-2.conf, written by cclink-sidecar:
# names in these routing-only domains, and only these, go to cclink
# proxy edge-2.
[Resolve]
DNS=[2001:db8::53]:5353
Domains=~dom1.us-west-2.aws.confluent.cloud ~lsrc-1.us-east-1.aws.private.confluent.cloud ~us-west-2.aws.glb.confluent.cloud
CCLINK_RESOLVED
    else
        cat > "$tmp" <<'CCLINK_NM'
# /etc/NetworkManager/dnsmasq.d/cclink-edge-2.conf, written by cclink-sidecar
# (with dns=dnsmasq in NetworkManager.conf [main]): names in
# these zones, and only these, go to cclink proxy edge-2.
server=/dom1.us-west-2.aws.confluent.cloud/2001:db8::53#5353
server=/lsrc-1.us-east-1.aws.private.confluent.cloud/2001:db8::53#5353
server=/us-west-2.aws.glb.confluent.cloud/2001:db8::53#5353
CCLINK_NM
    fi
    if ! chmod 644 "$tmp" || ! mv -f "$tmp" "$file"; then
        rm -f "$tmp"
        die "cannot write $file"
    fi
    done_what="written"
fi

if [ -z "${CCLINK_NO_RESTART:-}" ] && command -v systemctl >/dev/null 2>&1
then
    $restart || die "$file $done_what, but \"$restart\" failed"
fi

printf '%s: %s %s (proxy edge-2, DNS %s)\n' "$me" "$file" "$done_what" \
    '2001:db8::53'
