#!/bin/sh
# Writes the tarball of this source tree that an image is provisioned
# from (what the Packer template uploads and packer/provision.sh builds
# the packages from):
#
#   packer/source-tarball.sh OUT.tar.gz
#
# In a git checkout: the tracked files and the new ones git does not
# ignore, as they are in the working tree (build/ and other ignored files
# stay out). Elsewhere: every file under the same top-level paths.

set -eu

[ $# -eq 1 ] || { echo "usage: $0 OUT.tar.gz" >&2; exit 64; }

out=$1
case "$out" in
    /*) ;;
    *) out=$(pwd)/$out ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
paths="config Makefile README.md ngx_cclink_module sidecar conf-templates
       debian docs packer"

cd "$root"

list() {
    if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
        # shellcheck disable=SC2086
        git ls-files --cached --others --exclude-standard -- $paths
    else
        # shellcheck disable=SC2086
        find $paths -type f 2>/dev/null
    fi
}

mkdir -p "$(dirname "$out")"
tmp=$out.tmp.$$
trap 'rm -f "$tmp" "$tmp.list"' EXIT

# files deleted from the working tree but still in the index stay out
list | while IFS= read -r f; do
    if [ -f "$f" ] || [ -L "$f" ]; then
        printf '%s\n' "$f"
    fi
done | sort > "$tmp.list"

tar --owner=0 --group=0 --numeric-owner --no-recursion \
    -czf "$tmp" -T "$tmp.list"
mv "$tmp" "$out"
echo "source-tarball: $out ($(wc -l < "$tmp.list") files)" >&2
