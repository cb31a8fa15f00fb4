#!/bin/sh
# Builds a static librdkafka recent enough for the Kafka simulator
# (rd_kafka_mock_broker_set_host_port, rd_kafka_mock_broker_add: 2.9 and
# later) from Debian unstable's source package, into build/librdkafka/.
#
#   tools/build-librdkafka.sh            fetch (if needed), build, install
#   tools/build-librdkafka.sh --check    exit 0 if the cached build matches
#   tools/build-librdkafka.sh --force    rebuild even if the cache matches
#
# The source comes through a private apt configuration under build/apt/
# (own sources list, lists, cache and apt.conf), so the machine's apt state
# is neither read for package lists nor written. The mirror is the one the
# machine's own Debian sources use, read at run time from
# /etc/apt/sources.list and /etc/apt/sources.list.d/*.{list,sources}.
#
# Result (the install prefix):
#   build/librdkafka/include/librdkafka/rdkafka.h, rdkafka_mock.h
#   build/librdkafka/lib/librdkafka.a
#   build/librdkafka/lib/pkgconfig/rdkafka-static.pc
#   build/librdkafka/BUILD-INFO     what was built, from what, and how
#
# Signature checking: sid's InRelease must verify against the machine's
# /usr/share/keyrings/debian-archive-keyring.gpg. When it does not (a
# keyring older than the key sid is signed with), the script tries, in order:
#   1. every /usr/share/keyrings/debian-archive-*.gpg together;
#   2. the keyring named by CCLINK_APT_KEYRING (a file, for example the
#      debian-archive-keyring.gpg of a newer debian-archive-keyring package);
#   3. only if CCLINK_APT_INSECURE=1: no signature check ([trusted=yes]).
#      The files are then still checked against the (unverified) index's
#      hashes; use this only on a network you trust.
#
# Environment:
#   BUILD                 build directory (default: <repo>/build)
#   LIBRDKAFKA_VERSION    Debian source version to require, e.g. 2.14.2-1
#                         (default: whatever sid has when first fetched)
#   LIBRDKAFKA_SSL=1      build with OpenSSL (libssl-dev), default off
#   CCLINK_DEBIAN_MIRROR  mirror URL to use instead of the machine's
#   CCLINK_APT_KEYRING, CCLINK_APT_INSECURE   see above
#   JOBS                  parallel compile jobs (default 2)
#
# Needs: apt, dpkg-dev (dpkg-source), gpgv, xz-utils, make, gcc
# (tools/deps.d/kafka.txt).

set -eu

recipe=1                                # bump when the build steps change

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${BUILD:-$root/build}
aptdir=$build/apt
srcdir=$build/librdkafka-src
prefix=$build/librdkafka
jobs=${JOBS:-2}
want_version=${LIBRDKAFKA_VERSION:-}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

mode=build
case "${1:-}" in
    --check) mode=check ;;
    --force) mode=force ;;
    "") ;;
    -h|--help) sed -n '2,40p' "$0"; exit 0 ;;
    *) echo "build-librdkafka: unknown option \"$1\"" >&2; exit 2 ;;
esac

log() {
    echo "build-librdkafka: $*" >&2
}

die() {
    log "$*"
    exit 1
}

configure_flags="--disable-gssapi --disable-zstd --disable-lz4-ext"
configure_flags="$configure_flags --disable-zlib --disable-curl"
configure_flags="$configure_flags --disable-syslog --no-download"
if [ "${LIBRDKAFKA_SSL:-0}" = 1 ]; then
    configure_flags="$configure_flags --enable-ssl"
else
    configure_flags="$configure_flags --disable-ssl"
fi

expected="recipe=$recipe flags=$configure_flags"


# --- the cache -------------------------------------------------------------

cache_matches() {
    [ -f "$prefix/BUILD-INFO" ] || return 1
    [ -f "$prefix/lib/librdkafka.a" ] || return 1
    [ -f "$prefix/include/librdkafka/rdkafka_mock.h" ] || return 1
    [ -f "$prefix/lib/pkgconfig/rdkafka-static.pc" ] || return 1
    grep -qxF "build: $expected" "$prefix/BUILD-INFO" || return 1
    if [ -n "$want_version" ]; then
        grep -qxF "source-version: $want_version" "$prefix/BUILD-INFO" \
            || return 1
    fi
    return 0
}

if [ "$mode" = check ]; then
    cache_matches
    exit $?
fi

if [ "$mode" = build ] && cache_matches; then
    log "cached build in $prefix matches, nothing to do"
    exit 0
fi

# One build at a time (parallel make, test runners); whoever waited finds
# the cache filled.
mkdir -p "$build"
exec 9> "$build/.librdkafka.lock"
if command -v flock > /dev/null 2>&1; then
    flock 9
    if [ "$mode" = build ] && cache_matches; then
        log "cached build in $prefix matches, nothing to do"
        exit 0
    fi
fi

start=$(date +%s)


# --- the mirror ------------------------------------------------------------

# Prints the first http(s) URI of an enabled "deb"/"deb-src" source whose
# suite is the machine's own Debian release (from /etc/os-release).
machine_mirror() {
    # shellcheck disable=SC1091
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    [ -n "$codename" ] || return 1

    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk -v want="$codename" '
            { sub(/#.*/, "") }
            $1 == "deb" || $1 == "deb-src" {
                i = 2
                if ($i ~ /^\[/) {
                    while (i <= NF && $i !~ /\]$/) { i++ }
                    i++
                }
                uri = $(i); suite = $(i + 1)
                if (suite == want && uri ~ /^https?:\/\//) {
                    print uri; exit
                }
            }' "$f"
    done

    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk -v want="$codename" '
            function flush() {
                if (enabled && types ~ /(^| )deb(-src)?( |$)/ \
                    && (" " suites " ") ~ (" " want " ") \
                    && uri ~ /^https?:\/\//)
                {
                    print uri; found = 1
                }
                types = ""; suites = ""; uri = ""; enabled = 1
            }
            BEGIN { enabled = 1 }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); if (found) { exit } next }
            {
                line = $0
                key = tolower(line); sub(/:.*/, "", key)
                val = line; sub(/^[^:]*:[ \t]*/, "", val)
                if (key == "types") { types = val }
                else if (key == "suites") { suites = val }
                else if (key == "uris") { split(val, u, /[ \t]+/); uri = u[1] }
                else if (key == "enabled") { enabled = (tolower(val) != "no") }
            }
            END { if (!found) { flush() } }' "$f"
    done
}

if [ -n "${CCLINK_DEBIAN_MIRROR:-}" ]; then
    mirror=$CCLINK_DEBIAN_MIRROR
else
    mirror=$(machine_mirror | head -n 1)
fi
[ -n "$mirror" ] || die "no Debian mirror found in the machine's apt sources"
mirror=${mirror%/}


# --- private apt configuration ---------------------------------------------

mkdir -p "$aptdir/sources.list.d" "$aptdir/empty" \
         "$aptdir/lists/partial" "$aptdir/cache/archives/partial" \
         "$aptdir/state" "$srcdir"

# apt reads $APT_CONFIG first; pointing Dir::Etc::Parts at a private,
# empty directory keeps the machine's hooks (Update::Post-Invoke and the
# like) out. Only the machine's transport settings (proxies, date and
# Valid-Until checks of mirrors that serve snapshots) are carried over.
{
    echo "// generated by tools/build-librdkafka.sh"
    echo "Dir::Etc::Main \"/dev/null\";"
    echo "Dir::Etc::Parts \"$aptdir/empty\";"
    echo "Dir::Etc::Preferences \"/dev/null\";"
    echo "Dir::Etc::PreferencesParts \"$aptdir/empty\";"
    echo "Dir::Etc::Trusted \"/dev/null\";"
    echo "Dir::Etc::TrustedParts \"$aptdir/empty\";"
    echo "Dir::State \"$aptdir/state\";"
    echo "Dir::Cache::pkgcache \"\";"
    echo "Dir::Cache::srcpkgcache \"\";"
    echo "Acquire::Languages \"none\";"
    echo "Acquire::GzipIndexes \"true\";"
    echo "APT::Sandbox::User \"$(id -un)\";"
    apt-config dump 2>/dev/null | grep -E \
        '^Acquire::((https?|ftp)::[^ ]*Proxy|(https?|ftp)::Proxy|Check-Valid-Until|Check-Date|Retries|ForceIPv4|ForceIPv6) ' \
        || true
} > "$aptdir/apt.conf"

APT_CONFIG=$aptdir/apt.conf
export APT_CONFIG

apt_opts="-q -o Dir::Etc::SourceList=$aptdir/sources.list"
apt_opts="$apt_opts -o Dir::Etc::SourceParts=$aptdir/sources.list.d"
apt_opts="$apt_opts -o Dir::State::Lists=$aptdir/lists"
apt_opts="$apt_opts -o Dir::Cache=$aptdir/cache"

write_sources() {
    echo "deb-src [$1] $mirror sid main" > "$aptdir/sources.list"
}

inrelease() {
    for f in "$aptdir"/lists/*_dists_sid_InRelease; do
        [ -f "$f" ] && echo "$f" && return 0
    done
    return 0
}

# apt-get update with the given source options; 0 when the index is in
# and (unless trusted=yes) its signature verified.
apt_update() {
    write_sources "$1"
    rm -f "$aptdir"/lists/*_dists_sid_* 2>/dev/null || true
    # shellcheck disable=SC2086
    apt-get $apt_opts update > "$aptdir/update.log" 2>&1 || return 1
    if grep -qE '^(E|W): .*(NO_PUBKEY|not signed|signature|EXPKEYSIG)' \
        "$aptdir/update.log"
    then
        return 1
    fi
    [ -n "$(inrelease)" ]
}

fetch_source() {
    log "mirror $mirror, suite sid (private apt state in $aptdir)"

    other=
    for k in /usr/share/keyrings/debian-archive-*.gpg; do
        case "$k" in
            *removed-keys*) continue ;;
        esac
        [ -f "$k" ] && other=${other:+$other,}$k
    done

    if apt_update "signed-by=$keyring"; then
        used=$keyring
    elif [ -n "$other" ] && apt_update "signed-by=$other"; then
        log "$keyring does not verify sid; verified with: $other"
        used=$other
    elif [ -n "${CCLINK_APT_KEYRING:-}" ] \
        && apt_update "signed-by=$CCLINK_APT_KEYRING"
    then
        used=$CCLINK_APT_KEYRING
    elif [ "${CCLINK_APT_INSECURE:-0}" = 1 ] && apt_update "trusted=yes"
    then
        log "WARNING: sid's index NOT signature-checked (CCLINK_APT_INSECURE)"
        used=
    else
        sed 's/^/  /' "$aptdir/update.log" >&2
        die "sid's InRelease did not verify with $keyring" \
            "(see the header of $0 for CCLINK_APT_KEYRING)"
    fi

    if [ -n "$used" ]; then
        # apt checked it; show, independently, which key signed it.
        set --
        for k in $(echo "$used" | tr ',' ' '); do
            set -- "$@" --keyring "$k"
        done
        out=$(gpgv "$@" "$(inrelease)" 2>&1) \
            || { echo "$out" >&2; die "gpgv does not verify $(inrelease)"; }
        echo "$out" | grep -E 'Good signature|using' \
            | sed 's/^gpgv: */  /' >&2 || true
    fi

    spec=librdkafka
    if [ -n "$want_version" ]; then
        spec="librdkafka=$want_version"
    fi

    # Downloads the .dsc, the upstream tarball and the Debian tarball;
    # apt checks each against the hashes of the signed index.
    # shellcheck disable=SC2086
    (cd "$srcdir" && apt-get $apt_opts source --download-only "$spec") \
        > "$aptdir/source.log" 2>&1 \
        || { sed 's/^/  /' "$aptdir/source.log" >&2;
             die "apt-get source $spec failed"; }
}

find_dsc() {
    if [ -n "$want_version" ]; then
        v=${want_version#*:}
        [ -f "$srcdir/librdkafka_$v.dsc" ] && echo "$srcdir/librdkafka_$v.dsc"
    else
        # shellcheck disable=SC2012
        ls -t "$srcdir"/librdkafka_*.dsc 2>/dev/null | head -n 1
    fi
}

dsc=$(find_dsc || true)
if [ -z "$dsc" ]; then
    fetch_source
    dsc=$(find_dsc || true)
    [ -n "$dsc" ] || die "no librdkafka .dsc in $srcdir after download"
else
    log "using downloaded source $dsc"
fi

version=$(sed -n 's/^Version: *//p' "$dsc" | head -n 1)
[ -n "$version" ] || die "no Version in \"$dsc\""


# --- build -----------------------------------------------------------------

# Upstream sources as released (the Debian patches only switch vendored
# cJSON/nanopb/opentelemetry code to system libraries, which this build
# does not need).
tree=$srcdir/tree
rm -rf "$tree"
dpkg-source --skip-patches -x "$dsc" "$tree" > "$srcdir/unpack.log" 2>&1 \
    || { cat "$srcdir/unpack.log" >&2; die "dpkg-source -x \"$dsc\" failed"; }

grep -q 'rd_kafka_mock_broker_set_host_port' "$tree/src/rdkafka_mock.h" \
    || die "librdkafka $version has no rd_kafka_mock_broker_set_host_port"

log "building librdkafka $version ($configure_flags)"
# shellcheck disable=SC2086
(cd "$tree" && ./configure --prefix="$prefix" $configure_flags) \
    > "$srcdir/configure.log" 2>&1 \
    || { tail -30 "$srcdir/configure.log" >&2; die "configure failed"; }

nice make -C "$tree/src" -j"$jobs" librdkafka.a > "$srcdir/make.log" 2>&1 \
    || { tail -30 "$srcdir/make.log" >&2; die "make failed"; }

libs=$(sed -n 's/^MKL_PKGCONFIG_LIBS_PRIVATE=[ \t]*//p' \
       "$tree/Makefile.config" | head -n 1)
[ -n "$libs" ] || libs="-lm -ldl -lpthread -lrt"

# Install into a fresh directory, then swap it in, so that a failed or
# interrupted run never leaves a half-written prefix that looks complete.
new=$prefix.new
rm -rf "$new"
mkdir -p "$new/include/librdkafka" "$new/lib/pkgconfig"
cp "$tree/src/rdkafka.h" "$tree/src/rdkafka_mock.h" "$new/include/librdkafka/"
cp "$tree/src/librdkafka.a" "$new/lib/"
upstream=$(sed -n 's/^#define RD_KAFKA_VERSION *0x\(..\)\(..\)\(..\).*/\1 \2 \3/p' \
           "$tree/src/rdkafka.h" \
           | { read -r a b c; printf '%d.%d.%d' "0x$a" "0x$b" "0x$c"; })

cat > "$new/lib/pkgconfig/rdkafka-static.pc" <<EOF
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: rdkafka-static
Description: librdkafka $upstream (static, for the Kafka simulator)
Version: $upstream
Cflags: -I\${includedir}
Libs: \${libdir}/librdkafka.a $libs
EOF

end=$(date +%s)
cat > "$new/BUILD-INFO" <<EOF
source: librdkafka $version (Debian sid)
source-version: $version
upstream-version: $upstream
dsc: $(basename "$dsc")
dsc-sha256: $(sha256sum "$dsc" | cut -d' ' -f1)
build: $expected
compiler: $(${CC:-cc} --version | head -n 1)
built: $(date -u +%Y-%m-%dT%H:%M:%SZ) in $((end - start)) s
EOF

rm -rf "$prefix"
mv "$new" "$prefix"
rm -rf "$tree"

log "librdkafka $upstream installed in $prefix ($((end - start)) s)"
