#!/bin/sh
# Provisions a cclink proxy host: run as root on Debian 12 (a fresh cloud
# instance being baked into an image, a chroot, or a running host).
#
#   packer/provision.sh [--mode module|nginx] [--upgrade]
#                       [--purge-build-deps] [--clean] [--debs DIR]
#                       [--proxy-address ADDRESS]
#
# Steps, each skipped when already done (running it again changes
# nothing and installs nothing):
#   1. installs nginx and Debian's stream module from the distribution;
#   2. builds the Debian packages libnginx-mod-stream-cclink and
#      cclink-sidecar (debian/) with dpkg-buildpackage, against the nginx
#      now installed, after installing their build dependencies, and
#      installs them; with --debs, installs the packages found there
#      instead (they must have been built for this very nginx);
#   3. installs the host configuration from conf-templates/: nginx.conf
#      for the mode, the nginx.service drop-in, sysctl and logrotate
#      settings, empty route table and include (until the sidecar's first
#      discovery every name is refused), and the sidecar's mode;
#   4. enables nginx, cclink-sidecar and cclink-firstboot (through a preset
#      file, so that the image's first boot keeps the same choice), and, in
#      stock-nginx mode, cclink-nginx-reload.path;
#   5. checks the result with nginx -t.
#
# Options:
#   --mode module   nginx with ngx_cclink_module (default)
#   --mode nginx    stock nginx, with the include cclink-sidecar renders
#   --src DIR       the cclink source tree (default: the tree holding this
#                   script)
#   --debs DIR      install prebuilt packages from DIR, build nothing
#   --rebuild       build the packages even if these versions are installed
#                   and the module loads
#   --proxy-address ADDRESS   the sidecar's proxy_address (the address
#                   clients use: the load balancer's); user data can
#                   override it on the first boot (cclink-firstboot)
#   --upgrade       apt-get update and full-upgrade first
#   --purge-build-deps   afterwards, remove what was installed only to build
#                   (compiler, nginx-dev, -dev packages)
#   --clean         afterwards, make the system ready to be imaged: remove
#                   the build directory, apt's cache and lists, the machine
#                   id, cloud-init's per-instance state, the first-boot
#                   stamp (cclink-firstboot runs on the image's first boot)
#   --workdir DIR   build directory (default /var/tmp/cclink-build)
#
# Nothing is started in a chroot or when no systemd runs. On a running
# host, sysctl settings are applied and nginx is reloaded (after nginx -t).

set -eu

here=$(cd "$(dirname "$0")" && pwd)

mode=module
src=$(cd "$here/.." && pwd)
debs=
rebuild=0
upgrade=0
purge=0
clean=0
proxy_address=
workdir=/var/tmp/cclink-build
state=/var/lib/cclink-image

log() {
    echo "provision: $*" >&2
}

die() {
    log "$*"
    exit 1
}

usage() {
    sed -n '2,47p' "$0" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
    case "$1" in
        --mode) [ $# -ge 2 ] || die "--mode needs a value"; mode=$2; shift ;;
        --mode=*) mode=${1#*=} ;;
        --src) [ $# -ge 2 ] || die "--src needs a value"; src=$2; shift ;;
        --debs) [ $# -ge 2 ] || die "--debs needs a value"; debs=$2; shift ;;
        --workdir) [ $# -ge 2 ] || die "--workdir needs a value"
                   workdir=$2; shift ;;
        --proxy-address) [ $# -ge 2 ] || die "--proxy-address needs a value"
                         proxy_address=$2; shift ;;
        --rebuild) rebuild=1 ;;
        --upgrade) upgrade=1 ;;
        --purge-build-deps) purge=1 ;;
        --clean) clean=1 ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown option \"$1\" (see --help)" ;;
    esac
    shift
done

case "$mode" in
    module|nginx) ;;
    *) die "unknown mode \"$mode\" (module or nginx)" ;;
esac

[ "$(id -u)" -eq 0 ] || die "must run as root"

# shellcheck disable=SC1091
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ "$codename" = bookworm ] \
    || die "this is \"${codename:-unknown}\": the image is Debian 12 (bookworm)"

templates=$src/conf-templates
[ -f "$templates/nginx-cclink.conf" ] && [ -f "$src/debian/control" ] \
    || die "\"$src\" is not a cclink source tree (see --src)"

export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C.UTF-8

start=$(date +%s)

apt_get() {
    apt-get -y -q -o Dpkg::Options::=--force-confdef \
        -o Dpkg::Options::=--force-confold --no-install-recommends "$@"
}

# True when every named package is installed.
installed() {
    for p in "$@"; do
        dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null \
            | grep -q ' installed$' || return 1
    done
}

# Installs the named packages that are missing; apt is not called when
# none is.
need() {
    missing=
    for p in "$@"; do
        installed "$p" || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    apt_update
    log "installing$missing"
    # shellcheck disable=SC2086
    apt_get install $missing
}

updated=0

# apt-get update, once per run, before the first install (a run that
# installs nothing does not update).
apt_update() {
    [ "$updated" = 1 ] && return 0
    updated=1
    log "apt-get update"
    apt-get -q update
}

in_chroot() {
    systemd-detect-virt --quiet --chroot 2>/dev/null
}

# True when systemd runs this machine (not in a chroot or a build).
live() {
    [ -d /run/systemd/system ] && ! in_chroot
}


# --- 1. the distribution's nginx -------------------------------------------

if [ "$upgrade" = 1 ]; then
    apt_update
    log "apt-get full-upgrade"
    apt_get full-upgrade
fi

need nginx libnginx-mod-stream ca-certificates logrotate


# --- 2. the cclink packages ------------------------------------------------

version=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$src/debian/changelog")
[ -n "$version" ] || die "no version in $src/debian/changelog"

pkg_version() {
    dpkg-query -W -f '${Version}' "$1" 2>/dev/null || true
}

# True when the installed nginx loads the installed module.
module_loads() {
    [ -f /usr/lib/nginx/modules/ngx_stream_cclink_module.so ] || return 1
    [ -f /usr/lib/nginx/modules/ngx_http_cclink_module.so ] || return 1
    t=$(mktemp)
    {
        echo "load_module modules/ngx_stream_module.so;"
        echo "load_module modules/ngx_stream_cclink_module.so;"
        echo "load_module modules/ngx_http_cclink_module.so;"
        echo "events {}"
    } > "$t"
    if nginx -q -t -c "$t" -g 'pid /dev/null; error_log stderr;' \
        > "$t.out" 2>&1
    then
        rm -f "$t" "$t.out"
        return 0
    fi
    sed 's/^/provision:   /' "$t.out" >&2
    rm -f "$t" "$t.out"
    return 1
}

# Installs .deb files (paths), reinstalling those of the version already
# installed.
install_debs() {
    again=
    for d in "$@"; do
        p=$(dpkg-deb -f "$d" Package)
        v=$(dpkg-deb -f "$d" Version)
        [ "$(pkg_version "$p")" = "$v" ] && again=--reinstall
    done
    log "installing $(for d in "$@"; do basename "$d"; done | tr '\n' ' ')"
    apt_get install $again "$@"
}

build_packages() {
    log "building cclink $version against nginx $(pkg_version nginx)"
    rm -rf "$workdir"
    mkdir -p "$workdir/src" "$state"

    # only what the packages are made of
    (cd "$src" && tar -cf - config Makefile ngx_cclink_module sidecar \
        conf-templates debian docs) | (cd "$workdir/src" && tar -xf -)

    # Build dependencies: whatever this installs is listed, marked as
    # automatically installed, and removed again by --purge-build-deps.
    dpkg-query -W -f '${Package}\n' | sort > "$workdir/before"
    apt_update
    (cd "$workdir/src" && apt_get build-dep ./) \
        || die "cannot install the build dependencies"
    dpkg-query -W -f '${Package}\n' | sort > "$workdir/after"
    comm -13 "$workdir/before" "$workdir/after" > "$workdir/new"
    if [ -s "$workdir/new" ]; then
        # shellcheck disable=SC2046
        apt-mark auto $(cat "$workdir/new") > /dev/null
        cat "$workdir/new" "$state/build-deps" 2>/dev/null \
            | sort -u > "$state/build-deps.new"
        mv "$state/build-deps.new" "$state/build-deps"
    fi

    if ! (cd "$workdir/src" && dpkg-buildpackage -b -us -uc) \
        > "$workdir/build.log" 2>&1
    then
        tail -n 40 "$workdir/build.log" >&2
        die "dpkg-buildpackage failed (log: $workdir/build.log)"
    fi

    log "built: $(for d in "$workdir"/*.deb; do basename "$d"; done \
                  | tr '\n' ' ')"
}

arch=$(dpkg --print-architecture)

if [ -n "$debs" ]; then
    set -- "$debs"/libnginx-mod-stream-cclink_*_"$arch".deb \
           "$debs"/cclink-sidecar_*_"$arch".deb
    [ -f "$1" ] && [ -f "$2" ] || die "no cclink packages for $arch in $debs"
    install_debs "$1" "$2"
    module_loads || die "nginx $(pkg_version nginx) refuses the module" \
                        "from $debs: build it for this nginx"

elif [ "$rebuild" = 0 ] \
    && [ "$(pkg_version libnginx-mod-stream-cclink)" = "$version" ] \
    && [ "$(pkg_version cclink-sidecar)" = "$version" ] \
    && module_loads
then
    log "cclink $version is installed and nginx loads the module"

else
    build_packages
    install_debs "$workdir"/libnginx-mod-stream-cclink_"$version"_"$arch".deb \
                 "$workdir"/cclink-sidecar_"$version"_"$arch".deb
    module_loads || die "nginx refuses the module just built"
fi


# --- 3. configuration ------------------------------------------------------

# Installs a template unless the file already has that content. A file
# that differs (another mode, local edits) is kept as FILE.cclink-save.
put() {
    mode_bits=$1 from=$templates/$2 to=$3
    if [ -f "$to" ] && cmp -s "$from" "$to"; then
        return 0
    fi
    if [ -f "$to" ]; then
        cp -p "$to" "$to.cclink-save"
        log "$to: saved the previous file as $to.cclink-save"
    fi
    install -D -m "$mode_bits" "$from" "$to"
    log "installed $to"
}

# Installs a template only where no file is yet (a file the sidecar owns).
seed() {
    from=$templates/$1 to=$2
    [ -e "$to" ] && return 0
    install -m 0644 -o cclink -g cclink "$from" "$to"
    log "installed $to (until the sidecar's first discovery)"
}

# Sets "name value" in the sidecar's configuration: replaces the line that
# sets it, else appends one.
sidecar_set() {
    conf=/etc/cclink/cclink-sidecar.conf name=$1 value=$2
    line=$(printf '%-25s %s' "$name" "$value")
    if grep -qxF "$line" "$conf"; then
        return 0
    fi
    if grep -qE "^[[:space:]]*$name([[:space:]]|\$)" "$conf"; then
        awk -v name="$name" -v line="$line" '
            $1 == name && !done { print line; done = 1; next }
            { print }' "$conf" > "$conf.tmp"
    else
        { cat "$conf"; echo "$line"; } > "$conf.tmp"
    fi
    chmod --reference="$conf" "$conf.tmp"
    mv "$conf.tmp" "$conf"
    log "$conf: $line"
}

case "$mode" in
    module) put 0644 nginx-cclink.conf /etc/nginx/nginx.conf ;;
    nginx)  put 0644 nginx-stock.conf /etc/nginx/nginx.conf ;;
esac
put 0644 nginx-cclink-limits.conf /etc/systemd/system/nginx.service.d/cclink.conf
put 0644 sysctl-cclink.conf /etc/sysctl.d/60-cclink.conf
put 0644 logrotate-cclink /etc/logrotate.d/cclink

install -d -m 0755 -o root -g adm /var/log/cclink
# the packages' tmpfiles snippet makes it; a chroot may lack systemd-tmpfiles
install -d -m 0755 -o cclink -g cclink /var/lib/cclink
seed seed-routes.conf /var/lib/cclink/routes.conf
seed seed-nginx-include.conf /var/lib/cclink/nginx-cclink.conf

# The sidecar runs unprivileged: in stock-nginx mode it checks its include
# with a configuration it may read, and cclink-nginx-reload.path reloads
# nginx as root.
sidecar_set mode "$mode"
sidecar_set nginx_test_command \
    '"/usr/sbin/nginx -t -q -c /etc/cclink/cclink-nginx-check.conf"'
sidecar_set nginx_test_include /var/lib/cclink/nginx-cclink.test.conf
sidecar_set nginx_reload_command '"/bin/true"'
if [ -n "$proxy_address" ]; then
    sidecar_set proxy_address "$proxy_address"
fi


# --- 4. services -----------------------------------------------------------

case "$mode" in
    module) reload_path=disable ;;
    nginx)  reload_path=enable ;;
esac

preset=/etc/systemd/system-preset/20-cclink.preset
mkdir -p "$(dirname "$preset")"
cat > "$preset.tmp" <<EOF
# cclink proxy image, $mode mode (written by packer/provision.sh)
enable nginx.service
enable cclink-sidecar.service
enable cclink-firstboot.service
$reload_path cclink-nginx-reload.path
EOF
if cmp -s "$preset.tmp" "$preset"; then
    rm -f "$preset.tmp"
else
    mv "$preset.tmp" "$preset"
    log "installed $preset"
fi

systemctl preset nginx.service cclink-sidecar.service \
    cclink-firstboot.service cclink-nginx-reload.path 2>&1 | sed 's/^/provision:   /' >&2


# --- 5. check --------------------------------------------------------------

nginx -t -q || die "nginx -t fails with the installed configuration"

if live; then
    systemctl daemon-reload
    sysctl -q --load /etc/sysctl.d/60-cclink.conf
    systemctl reload-or-restart nginx.service
    systemctl try-reload-or-restart cclink-sidecar.service
    if [ "$mode" = nginx ]; then
        systemctl start cclink-nginx-reload.path
    else
        systemctl stop cclink-nginx-reload.path
    fi
fi


# --- afterwards ------------------------------------------------------------

if [ "$purge" = 1 ] && [ -s "$state/build-deps" ]; then
    # They were marked as automatically installed: autoremove takes those
    # that nothing installed by hand (nginx, the cclink packages) needs or
    # recommends. (apt suggests dpkg-dev, which would keep the compiler.)
    log "removing the build dependencies"
    while read -r p; do
        if installed "$p"; then
            echo "$p"
        fi
    done < "$state/build-deps" | xargs -r apt-mark auto > /dev/null
    apt_get -o APT::AutoRemove::SuggestsImportant=false autoremove --purge
    rm -f "$state/build-deps"
    nginx -t -q || die "nginx -t fails after removing the build dependencies"
fi

if [ "$clean" = 1 ]; then
    log "cleaning for imaging"
    rm -rf "$workdir"
    apt-get clean
    rm -rf /var/lib/apt/lists/*
    rmdir "$state" 2>/dev/null || true
    # the image's first boot reads its own instance's metadata
    rm -rf /var/lib/cclink-firstboot
    if command -v cloud-init > /dev/null; then
        cloud-init clean --logs
    fi
    # a new machine id on the image's first boot
    if [ -s /etc/machine-id ]; then
        : > /etc/machine-id
    fi
    if [ -f /var/lib/dbus/machine-id ] && [ ! -L /var/lib/dbus/machine-id ]
    then
        rm -f /var/lib/dbus/machine-id
    fi
fi

log "done in $(( $(date +%s) - start ))s: mode $mode," \
    "nginx $(pkg_version nginx), cclink $(pkg_version cclink-sidecar)"
