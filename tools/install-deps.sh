#!/bin/sh
# Installs the Debian packages listed in tools/deps.d/*.txt (or the lists
# named as arguments). Idempotent: packages already installed are skipped,
# and apt is not called at all when nothing is missing.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
lists=${*:-$here/deps.d/*.txt}

want=$(cat $lists | sed 's/#.*//' | tr -s ' \t' '\n\n' | sed '/^$/d' | sort -u)
missing=
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'
    then
        missing="$missing $p"
    fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages:$missing (run as root)" >&2
    exit 1
fi

echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
