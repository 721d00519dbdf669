#!/usr/bin/env bash
# Builds the Debian packages (dpkg-buildpackage -us -uc -b) from a copy of
# this tree, so the work tree gets no obj-*/ or debian/tmp/ and two builds
# (./dev package and the package test) never share a directory.
#
#   debian/build-packages.sh OUT_DIR
#
# OUT_DIR receives the .deb files, the .buildinfo and .changes, and build.log.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: build-packages.sh OUT_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
work=$(mktemp -d "${TMPDIR:-/tmp}/massaged-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree=$work/massaged-$version
mkdir -p "$tree"
# Build trees and the git link stay behind: they are not the source.
(cd "$src" && tar --exclude='./build*' --exclude='./obj-*' --exclude=./.git --exclude=./.cache \
	--exclude='./debian/tmp' --exclude='./debian/.debhelper' -cf - .) | tar -C "$tree" -xf -
echo "==> dpkg-buildpackage in $tree (log: $out/build.log)" >&2
if ! (cd "$tree" && DEB_BUILD_OPTIONS="parallel=${JOBS:-2} ${DEB_BUILD_OPTIONS:-}" \
	dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	echo "build-packages.sh: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
fi
for f in "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes; do
	[ -e "$f" ] && mv -f "$f" "$out/"
done
ls "$out"/*.deb
