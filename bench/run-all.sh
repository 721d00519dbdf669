#!/usr/bin/env bash
# Runs every bench/bench-*.sh against a build tree; each prints its figures.
# Usage: bench/run-all.sh BUILD_DIR [name-filter]
set -u
here=$(cd "$(dirname "$0")" && pwd)
export BUILD_DIR=${1:?usage: run-all.sh BUILD_DIR [filter]}
export SOURCE_DIR=$(dirname "$here")
filter=${2:-}
rc=0
for b in "$here"/bench-*.sh; do
	case $(basename "$b") in *"$filter"*) ;; *) continue ;; esac
	echo "== $(basename "$b" .sh)"
	bash "$b" || { echo "($(basename "$b") failed)"; rc=1; }
done
exit $rc
