#!/bin/bash
# The bake test: provisions a fresh Debian 12 root with
# packer/provision.sh, as the Packer build does on a cloud instance, and
# checks the result inside it.
#
#   tests/image/bake-test.sh            (as root; make bake-test)
#
# 1. debootstrap Debian 12 (minbase with systemd) into build/image/root,
#    from a tarball of its packages cached under build/image/ (and the
#    finished root too, as a plain tar);
# 2. upload the source tarball and run the provisioning script in a chroot
#    (/proc, /sys, /dev bind-mounted; a policy-rc.d so that no service
#    starts; apt's downloads cached under build/image/apt-archives);
# 3. check inside: the module loads and nginx -t passes with the seed, the
#    sample and a discovered route table; cclink-sidecar --version, check
#    and once against the Confluent Cloud simulator (on loopback, as the
#    service user); systemd-analyze verify accepts the units; the nginx
#    drop-in fits worker_connections; logrotate and sysctl settings hold;
#    running the script again changes nothing; stock-nginx mode; removing
#    the build dependencies; the first boot's presets; cclink-firstboot
#    against a fake metadata service of each cloud (AWS IMDSv2, Azure
#    IMDS, GCP), on 169.254.169.254 in a network namespace of its own; the
#    packages remove and install again cleanly; the clean-up for imaging.
#
# The built packages are copied to build/image/debs/. Everything is
# unmounted on exit, whatever happens; the root stays for a look inside
# and is replaced by the next run.
#
# Environment:
#   BUILD                  build directory (default: <repo>/build)
#   CCLINK_DEBIAN_MIRROR   Debian mirror (default: the machine's own, from
#                          its apt sources)
#   CCLINK_DEBIAN_SECURITY security mirror (default: the machine's own)

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${BUILD:-$repo/build}
img=$build/image
root=$img/root
suite=bookworm
arch=$(dpkg --print-architecture)
variant=minbase
include=systemd,systemd-sysv
base_tgz=$img/debootstrap-$suite-$arch.tgz
apt_cache=$img/apt-archives
logs=$img/logs
simdir=$img/sim
version=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$repo/debian/changelog")

t0=$(date +%s)
step_t=$t0
sim_pid=
imds_pid=
netns=

say() {
    echo "bake-test: $*"
}

ok() {
    echo "  ok   $*"
}

fail() {
    echo "  FAIL $*"
    exit 1
}

step() {
    now=$(date +%s)
    say "[$(( now - t0 ))s] $*"
    step_t=$now
}

took() {
    echo $(( $(date +%s) - step_t ))
}

[ "$(id -u)" -eq 0 ] || { echo "bake-test: must run as root" >&2; exit 1; }
for tool in debootstrap chroot mount umount ip curl /usr/bin/python3; do
    command -v "$tool" > /dev/null \
        || { echo "bake-test: $tool missing (make deps)" >&2; exit 1; }
done

mkdir -p "$img" "$logs" "$apt_cache/partial"

# one bake test at a time per build directory
exec 9> "$img/.lock"
flock -n 9 || { echo "bake-test: another bake test uses $img" >&2; exit 1; }


# --- mounts and clean-up -----------------------------------------------------

# Mount points under the root, deepest first.
mounts_under_root() {
    awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' \
        /proc/self/mounts | sort -r
}

unmount_all() {
    local m
    for m in $(mounts_under_root); do
        umount "$m" 2>/dev/null || umount -l "$m"
    done
}

cleanup() {
    local rc=$?
    if [ -n "$sim_pid" ]; then
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
    fi
    if [ -n "$imds_pid" ]; then
        kill "$imds_pid" 2>/dev/null || true
        wait "$imds_pid" 2>/dev/null || true
    fi
    if [ -n "$netns" ]; then
        ip netns del "$netns" 2>/dev/null || true
    fi
    unmount_all
    if [ -n "$(mounts_under_root)" ]; then
        echo "bake-test: still mounted under $root: $(mounts_under_root \
            | tr '\n' ' ')" >&2
    fi
    if [ "$rc" -ne 0 ]; then
        say "FAILED after $(( $(date +%s) - t0 ))s (logs: $logs)"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mount_all() {
    mount -t proc proc "$root/proc"
    mount -t sysfs -o ro sysfs "$root/sys"
    mount --bind /dev "$root/dev"
    mount --bind /dev/pts "$root/dev/pts"
    mount -t tmpfs -o mode=0755 tmpfs "$root/run"
    mount --bind "$apt_cache" "$root/var/cache/apt/archives"
}

in_root() {
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LC_ALL=C.UTF-8 TERM=dumb "$@"
}


# --- the mirror ----------------------------------------------------------

# "URI SUITE" for every enabled Debian source of the machine.
machine_sources() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk '
            { sub(/#.*/, "") }
            $1 == "deb" {
                i = 2
                if ($i ~ /^\[/) {
                    while (i <= NF && $i !~ /\]$/) { i++ }
                    i++
                }
                if ($(i) ~ /^https?:\/\//) { print $(i), $(i + 1) }
            }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk '
            function flush(   n, s, k) {
                if (enabled && (" " types " ") ~ / deb / \
                    && uri ~ /^https?:\/\//)
                {
                    n = split(suites, s, /[ \t]+/)
                    for (k = 1; k <= n; k++) { print uri, s[k] }
                }
                types = ""; suites = ""; uri = ""; enabled = 1
            }
            BEGIN { enabled = 1 }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            {
                key = tolower($0); sub(/:.*/, "", key)
                val = $0; sub(/^[^:]*:[ \t]*/, "", val)
                if (key == "types") { types = val }
                else if (key == "suites") { suites = val }
                else if (key == "uris") { split(val, u, /[ \t]+/); uri = u[1] }
                else if (key == "enabled") { enabled = (tolower(val) != "no") }
            }
            END { flush() }' "$f"
    done
}

host_codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
mirror=${CCLINK_DEBIAN_MIRROR:-$(machine_sources \
    | awk -v s="$host_codename" '$2 == s { print $1; exit }')}
security=${CCLINK_DEBIAN_SECURITY:-$(machine_sources \
    | awk -v s="$host_codename-security" '$2 == s { print $1; exit }')}
[ -n "$mirror" ] \
    || { echo "bake-test: no Debian mirror in the machine's apt sources" >&2
         exit 1; }
mirror=${mirror%/}
security=${security%/}


# --- 1. Debian 12 ------------------------------------------------------------

unmount_all
[ -z "$(mounts_under_root)" ] \
    || { echo "bake-test: cannot unmount under $root" >&2; exit 1; }

key="$suite $arch $variant $include $mirror"
if [ ! -s "$base_tgz" ] || [ "$(cat "$base_tgz.key" 2>/dev/null)" != "$key" ]
then
    step "fetching Debian $suite ($arch, $variant) for $base_tgz"
    rm -rf "$img/fetch" "$base_tgz"
    debootstrap --variant="$variant" --include="$include" --arch="$arch" \
        --make-tarball="$base_tgz.tmp" "$suite" "$img/fetch" "$mirror" \
        > "$logs/debootstrap-fetch.log" 2>&1 \
        || { tail -n 20 "$logs/debootstrap-fetch.log"; exit 1; }
    rm -rf "$img/fetch"
    mv "$base_tgz.tmp" "$base_tgz"
    echo "$key" > "$base_tgz.key"
fi

rm -rf --one-file-system "$root"
# the finished root too: unpacking it takes seconds, debootstrap a minute
base_tar=$img/root-$suite-$arch.tar
base_key="$key $(stat -c %Y "$base_tgz")"
if [ -s "$base_tar" ] && [ "$(cat "$base_tar.key" 2>/dev/null)" = "$base_key" ]
then
    step "unpacking the debootstrapped $suite root ($base_tar)"
    mkdir -p "$root"
    tar --numeric-owner --xattrs --xattrs-include='*' -xpf "$base_tar" \
        -C "$root"
else
    step "debootstrap $suite into $root"
    debootstrap --variant="$variant" --include="$include" --arch="$arch" \
        --unpack-tarball="$base_tgz" "$suite" "$root" "$mirror" \
        > "$logs/debootstrap.log" 2>&1 \
        || { tail -n 20 "$logs/debootstrap.log"; exit 1; }
    tar --numeric-owner --xattrs --xattrs-include='*' -cf "$base_tar.tmp" \
        -C "$root" .
    mv "$base_tar.tmp" "$base_tar"
    echo "$base_key" > "$base_tar.key"
fi
ok "Debian $(cat "$root/etc/debian_version") in $(took)s"

{
    echo "deb $mirror $suite main"
    echo "deb $mirror $suite-updates main"
    if [ -n "$security" ]; then
        echo "deb $security $suite-security main"
    fi
} > "$root/etc/apt/sources.list"

# the machine's transport settings (proxies, checks of snapshot mirrors)
apt-config dump 2>/dev/null | grep -E \
    '^Acquire::((https?|ftp)::[^ ]*Proxy|(https?|ftp)::Proxy|Check-Valid-Until|Check-Date|Retries|ForceIPv4|ForceIPv6) ' \
    > "$root/etc/apt/apt.conf.d/99bake-test" || true

# no service starts inside the chroot
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"

mount_all


# --- 2. provisioning -------------------------------------------------------

"$repo/packer/source-tarball.sh" "$img/cclink-src.tar.gz" 2> /dev/null
cp "$img/cclink-src.tar.gz" "$root/tmp/cclink-src.tar.gz"
mkdir "$root/tmp/cclink-src"
tar -xzf "$root/tmp/cclink-src.tar.gz" -C "$root/tmp/cclink-src"

provision() {
    local name=$1
    shift
    if ! in_root /tmp/cclink-src/packer/provision.sh "$@" \
        > "$logs/$name.log" 2>&1
    then
        tail -n 30 "$logs/$name.log"
        fail "provision.sh $* (log: $logs/$name.log)"
    fi
}

step "provision.sh --mode module (fresh Debian 12)"
provision provision-1 --mode module
ok "provisioned in $(took)s: $(tail -n 1 "$logs/provision-1.log" \
    | sed 's/^provision: done in [0-9]*s: //')"

rm -rf "$img/debs"
mkdir -p "$img/debs"
cp "$root"/var/tmp/cclink-build/*.deb "$img/debs/"


# --- 3. checks -------------------------------------------------------------

# Runs a command inside; fails unless it exits with the status given.
# Its output is in $out.
expect() {
    local want=$1 what=$2 rc=0
    shift 2
    out=$(in_root "$@" 2>&1) || rc=$?
    if [ "$rc" -ne "$want" ]; then
        printf '%s\n' "$out" | tail -n 20 | sed 's/^/       /'
        fail "$what: exit $rc, expected $want"
    fi
}

has() {
    printf '%s\n' "$out" | grep -qE -- "$1"
}

as_cclink() {
    echo setpriv --reuid=cclink --regid=cclink --init-groups --
}

step "checks: packages and the nginx ABI"
for p in libnginx-mod-stream-cclink cclink-sidecar; do
    v=$(in_root dpkg-query -W -f '${Version}' "$p")
    [ "$v" = "$version" ] || fail "$p $v installed, expected $version"
done
ok "libnginx-mod-stream-cclink and cclink-sidecar $version installed"
abi=$(in_root dpkg-query -W -f '${Depends}' libnginx-mod-stream-cclink \
      | grep -oE 'nginx-abi-[^ ,]+' || true)
[ -n "$abi" ] || fail "libnginx-mod-stream-cclink does not depend on an nginx ABI"
in_root dpkg-query -W -f '${Provides}' nginx | grep -qw -- "$abi" \
    || fail "nginx does not provide $abi"
ok "module depends on $abi, which nginx $(in_root dpkg-query -W \
    -f '${Version}' nginx) provides"
[ -L "$root/etc/nginx/modules-enabled/70-mod-stream-cclink.conf" ] \
    || fail "no modules-enabled link for the module"
ok "dh_nginx registered the module (modules-enabled/70-mod-stream-cclink.conf)"

step "checks: nginx with the module"
grep -q 'ngx_stream_cclink_module.so' "$root/etc/nginx/nginx.conf" \
    || fail "/etc/nginx/nginx.conf is not the module-mode configuration"
expect 0 "nginx -t (seed route table)" nginx -t
ok "nginx -t passes with the seed route table (every name refused)"

cp "$root/var/lib/cclink/routes.conf" "$img/seed-routes.conf"
install -m 644 "$repo/conf-templates/routes.conf.example" \
    "$root/var/lib/cclink/routes.conf"
expect 0 "nginx -t (sample route table)" nginx -t
ok "nginx -t passes with the sample route table (routes.conf.example)"
printf 'cclink-routes 1\nserial 2\nroute a.example.com nogroup\nend\n' \
    > "$root/var/lib/cclink/routes.conf"
expect 1 "nginx -t (broken route table)" nginx -t
has 'routes.conf:3' || fail "nginx -t does not name the bad line: $out"
ok "nginx -t refuses a broken table naming it: $(printf '%s\n' "$out" \
    | grep -m1 -o 'routes.conf:3.*' | cut -c1-60)"
install -m 644 -o 0 -g 0 "$img/seed-routes.conf" \
    "$root/var/lib/cclink/routes.conf"
chown --reference="$root/var/lib/cclink" "$root/var/lib/cclink/routes.conf"

step "checks: cclink-sidecar"
expect 0 "cclink-sidecar --version" cclink-sidecar --version
has "^cclink-sidecar $version " || fail "unexpected version line: $out"
ok "$(printf '%s\n' "$out" | head -n 1 | cut -c1-72)..."

# shellcheck disable=SC2046
expect 1 "check without credentials" $(as_cclink) cclink-sidecar check
has '^ok +configuration /etc/cclink/cclink-sidecar.conf' \
    || fail "check does not accept the installed configuration: $out"
has '^FAIL credentials' && has 'CONFLUENT_CLOUD_API_KEY' \
    || fail "check without credentials does not say so: $out"
ok "check on the installed configuration: configuration ok, credentials missing (exit 1)"

# the simulator, on loopback
mkdir -p "$simdir"
rm -f "$simdir/api.env"
/usr/bin/python3 "$here/sim_api.py" "$simdir" \
    "$root/etc/cclink/cclink-sidecar.conf" > "$logs/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 100); do
    [ -f "$simdir/api.env" ] && break
    kill -0 "$sim_pid" 2>/dev/null || { cat "$logs/sim.log"; fail "simulator"; }
    sleep 0.1
done
[ -f "$simdir/api.env" ] || fail "the simulator did not start"
# shellcheck disable=SC1091
. "$simdir/api.env"
rm -rf "$root/tmp/cclink-bake"
mkdir -p "$root/tmp/cclink-bake"
cp "$simdir/ca.pem" "$simdir/sidecar.conf" "$root/tmp/cclink-bake/"
chmod 644 "$root/tmp/cclink-bake/"*
sim_env="CONFLUENT_CLOUD_API_KEY=$CCLINK_SIM_KEY"
sim_env="$sim_env CONFLUENT_CLOUD_API_SECRET=$CCLINK_SIM_SECRET"

# shellcheck disable=SC2046,SC2086
expect 0 "check against the simulator" $(as_cclink) env $sim_env \
    cclink-sidecar -c /tmp/cclink-bake/sidecar.conf check
has '^check passed' || fail "check did not pass: $out"
ok "check against the simulator ($CCLINK_SIM_URL) as user cclink: check passed"

# shellcheck disable=SC2046,SC2086
expect 0 "once against the simulator" $(as_cclink) env $sim_env \
    cclink-sidecar -c /tmp/cclink-bake/sidecar.conf once
routes=$(grep -c '^route ' "$root/var/lib/cclink/routes.conf" || true)
[ "$routes" -gt 0 ] || fail "once wrote no routes"
for f in routes.conf nginx-cclink.conf hosts-linux.txt state.json; do
    [ "$(in_root stat -c %U "/var/lib/cclink/$f")" = cclink ] \
        || fail "/var/lib/cclink/$f is not the sidecar's"
done
ok "once as user cclink wrote $routes routes, the include, hosts snippets and state to /var/lib/cclink"
expect 0 "nginx -t (discovered route table)" nginx -t
ok "nginx -t passes with the discovered route table"

step "checks: systemd units, limits, sysctl, logrotate"
expect 0 "systemd-analyze verify" systemd-analyze verify \
    /lib/systemd/system/cclink-sidecar.service \
    /lib/systemd/system/cclink-nginx-reload.path \
    /lib/systemd/system/cclink-nginx-reload.service \
    /lib/systemd/system/cclink-firstboot.service \
    /lib/systemd/system/nginx.service
[ -z "$out" ] || { printf '%s\n' "$out"; fail "systemd-analyze verify warns"; }
ok "systemd-analyze verify: cclink-sidecar.service, cclink-nginx-reload.{path,service}, cclink-firstboot.service, nginx.service (with drop-in)"

unit=$root/lib/systemd/system/cclink-sidecar.service
for d in 'User=cclink' 'ProtectSystem=strict' 'NoNewPrivileges=yes' \
         'PrivateTmp=yes' 'StateDirectory=cclink' \
         'EnvironmentFile=-/etc/cclink/cclink-sidecar.env'
do
    grep -qx "$d" "$unit" || fail "cclink-sidecar.service lacks $d"
done
ok "cclink-sidecar.service: user cclink, ProtectSystem=strict, NoNewPrivileges, PrivateTmp, writes only /var/lib/cclink"
expect 0 "systemd-analyze security" systemd-analyze security --offline=true \
    --threshold=25 /lib/systemd/system/cclink-sidecar.service
ok "systemd-analyze security: $(printf '%s\n' "$out" \
    | grep -o 'Overall exposure level.*' | sed 's/ [^ ]*$//')"
shell=$(in_root getent passwd cclink | cut -d: -f7)
case "$shell" in
    */nologin|*/false) ok "user cclink exists, shell $shell" ;;
    *) fail "user cclink has the shell \"$shell\"" ;;
esac

for u in nginx.service cclink-sidecar.service cclink-firstboot.service; do
    expect 0 "$u enabled" systemctl is-enabled "$u"
done
expect 1 "cclink-nginx-reload.path disabled" \
    systemctl is-enabled cclink-nginx-reload.path
ok "enabled: nginx, cclink-sidecar, cclink-firstboot; disabled in module mode: cclink-nginx-reload.path"

nofile=$(sed -n 's/^LimitNOFILE=//p' \
    "$root/etc/systemd/system/nginx.service.d/cclink.conf")
wc=$(sed -n 's/^ *worker_connections *\([0-9]*\);.*/\1/p' \
    "$root/etc/nginx/nginx.conf")
rl=$(sed -n 's/^ *worker_rlimit_nofile *\([0-9]*\);.*/\1/p' \
    "$root/etc/nginx/nginx.conf")
[ -n "$nofile" ] && [ -n "$wc" ] && [ "$nofile" -ge "$wc" ] \
    && [ "$nofile" -ge "${rl:-0}" ] \
    || fail "LimitNOFILE=$nofile vs worker_connections $wc, worker_rlimit_nofile $rl"
ok "nginx.service drop-in LimitNOFILE=$nofile >= worker_connections $wc, worker_rlimit_nofile $rl"

n=0
while read -r k _ v; do
    case "$k" in ''|'#'*) continue ;; esac
    [ -e "/proc/sys/${k//.//}" ] || fail "sysctl $k does not exist"
    [ -n "$v" ] || fail "sysctl $k has no value"
    n=$((n + 1))
done < "$root/etc/sysctl.d/60-cclink.conf"
ok "/etc/sysctl.d/60-cclink.conf: $n settings, every key known to the kernel"

touch "$root/var/log/cclink/access.log"
expect 0 "logrotate -d" logrotate -d /etc/logrotate.conf
if has '^error:'; then
    printf '%s\n' "$out" | grep '^error:'
    fail "logrotate reports errors"
fi
has 'considering log /var/log/cclink/access.log' \
    || fail "logrotate does not see /var/log/cclink/access.log"
has 'considering log /var/log/nginx/error.log' \
    || fail "logrotate no longer rotates /var/log/nginx"
ok "logrotate: /var/log/cclink/*.log and nginx's own logs, no errors"

step "provision.sh again (nothing to do)"
sums() {
    (cd "$root" && md5sum etc/nginx/nginx.conf etc/cclink/cclink-sidecar.conf \
        etc/systemd/system/nginx.service.d/cclink.conf \
        etc/sysctl.d/60-cclink.conf etc/logrotate.d/cclink \
        etc/systemd/system-preset/20-cclink.preset)
}
before=$(sums)
provision provision-2 --mode module
grep -q 'is installed and nginx loads the module' "$logs/provision-2.log" \
    || fail "the second run rebuilt the packages"
if grep -E '^provision: (installing|installed|apt-get)' "$logs/provision-2.log"
then
    fail "the second run installed something"
fi
[ "$(sums)" = "$before" ] || fail "the second run changed the configuration"
ok "second run in $(took)s: nothing installed, built or changed"

step "stock-nginx mode"
provision provision-nginx --mode nginx
grep -q 'include /var/lib/cclink/nginx-cclink.conf' \
    "$root/etc/nginx/nginx.conf" || fail "nginx.conf is not the stock-mode one"
expect 0 "cclink-nginx-reload.path enabled" \
    systemctl is-enabled cclink-nginx-reload.path
sed 's/^mode .*/mode                      nginx/' \
    "$simdir/sidecar.conf" > "$root/tmp/cclink-bake/sidecar-nginx.conf"
chmod 644 "$root/tmp/cclink-bake/sidecar-nginx.conf"
# a new serial and a rendered include differ from the seed, so the
# sidecar runs its nginx_test_command as user cclink
rm -f "$root/var/lib/cclink/nginx-cclink.conf" "$root/var/lib/cclink/state.json"
cp "$root/usr/share/doc/cclink-sidecar/examples/seed-nginx-include.conf" \
    "$root/var/lib/cclink/nginx-cclink.conf"
# shellcheck disable=SC2046,SC2086
expect 0 "once in nginx mode" $(as_cclink) env $sim_env \
    cclink-sidecar -c /tmp/cclink-bake/sidecar-nginx.conf --log-level debug once
has 'nginx_test' || fail "the sidecar did not run its nginx test: $out"
grep -q '^map \$ssl_preread_server_name \$cclink_upstream' \
    "$root/var/lib/cclink/nginx-cclink.conf" \
    || fail "no map in the include the sidecar wrote"
expect 0 "nginx -t (stock mode, discovered include)" nginx -t
ok "stock mode in $(took)s: the sidecar's unprivileged nginx -t accepted its include, root nginx -t passes"
provision provision-module --mode module
expect 1 "cclink-nginx-reload.path disabled again" \
    systemctl is-enabled cclink-nginx-reload.path
expect 0 "nginx -t (module mode again)" nginx -t
ok "back to module mode: nginx.conf and cclink-nginx-reload.path follow"

step "provision.sh --purge-build-deps"
provision provision-purge --mode module --purge-build-deps
for p in gcc nginx-dev dpkg-dev libcurl4-openssl-dev librdkafka-dev; do
    if in_root dpkg-query -W -f '${Status}' "$p" 2>/dev/null \
        | grep -q ' installed$'
    then
        fail "$p is still installed"
    fi
done
expect 0 "nginx -t after the purge" nginx -t
expect 0 "cclink-sidecar --version after the purge" cclink-sidecar --version
ok "build toolchain removed in $(took)s ($(in_root dpkg-query -W \
    -f '${Status}\n' | grep -c ' installed$') packages left); nginx -t and the sidecar still work"

step "first boot: presets"
expect 0 "systemctl preset-all" systemctl preset-all --preset-mode=enable-only
for u in nginx.service cclink-sidecar.service cclink-firstboot.service; do
    expect 0 "$u enabled after preset-all" systemctl is-enabled "$u"
done
expect 1 "cclink-nginx-reload.path after preset-all" \
    systemctl is-enabled cclink-nginx-reload.path
ok "after systemctl preset-all (what the first boot does): the same units enabled"

# shellcheck source=tests/image/firstboot.sh
. "$here/firstboot.sh"

step "packages: remove, purge, install again"
# the packages' files and links (directories may be shared)
pkg_files=$(in_root dpkg -L libnginx-mod-stream-cclink cclink-sidecar \
    | while read -r f; do
          if [ -d "$root$f" ]; then
              continue
          fi
          if [ -f "$root$f" ] || [ -L "$root$f" ]; then
              echo "$f"
          fi
      done)
expect 0 "apt-get remove" apt-get -y -q remove \
    libnginx-mod-stream-cclink cclink-sidecar
[ -f "$root/etc/cclink/cclink-sidecar.conf" ] \
    || fail "remove took the configuration away"
[ ! -e "$root/etc/nginx/modules-enabled/70-mod-stream-cclink.conf" ] \
    || fail "the modules-enabled link outlived the module"
expect 0 "apt-get purge" apt-get -y -q purge \
    libnginx-mod-stream-cclink cclink-sidecar
left=
for f in $pkg_files; do
    if [ -e "$root$f" ] || [ -L "$root$f" ]; then
        left="$left $f"
    fi
done
[ -z "$left" ] || fail "left after purge:$left"
if ls "$root"/etc/systemd/system/*.wants/cclink* > /dev/null 2>&1; then
    fail "unit links left after purge"
fi
if ls "$root"/etc/nginx/modules-enabled/*cclink* > /dev/null 2>&1; then
    fail "modules-enabled links left after purge"
fi
ok "remove keeps /etc/cclink, purge leaves nothing of the packages' files or links"
rm -rf "$root/tmp/cclink-debs"
cp -r "$img/debs" "$root/tmp/cclink-debs"
provision provision-debs --mode module --debs /tmp/cclink-debs
expect 0 "nginx -t after installing again" nginx -t
expect 0 "cclink-sidecar enabled again" \
    systemctl is-enabled cclink-sidecar.service
ok "installed again from the packages (provision.sh --debs): nginx -t passes"

step "provision.sh --clean (ready for imaging)"
umount "$root/var/cache/apt/archives"
provision provision-clean --mode module --clean
[ ! -s "$root/etc/machine-id" ] || fail "the machine id is still there"
[ -z "$(find "$root/var/lib/apt/lists" -type f ! -name lock 2>/dev/null)" ] \
    || fail "apt lists left"
[ -z "$(ls "$root/var/cache/apt/archives/"*.deb 2>/dev/null || true)" ] \
    || fail "apt cache left"
[ ! -e "$root/var/tmp/cclink-build" ] || fail "the build directory is left"
[ ! -e "$root/var/lib/cclink-firstboot" ] || fail "the first-boot stamp is left"
expect 0 "nginx -t after the clean-up" nginx -t
ok "clean-up: no machine id, apt cache or lists, build directory, first-boot stamp; nginx -t passes"


# --- summary ---------------------------------------------------------------

step "packages built (build/image/debs)"
for d in "$img"/debs/*.deb; do
    printf '  %-48s %7s  %s\n' "$(basename "$d")" \
        "$(du -k "$d" | cut -f1)K" \
        "$(dpkg-deb -f "$d" Depends | cut -c1-70)"
done
say "passed in $(( $(date +%s) - t0 ))s"
