#!/usr/bin/env bash
# Runs every bench/bench-*.sh against a build tree; each prints its figures
# (not pass/fail), and a summary table of all of them comes last.
# Usage: bench/run-all.sh BUILD_DIR [--long] [name-filter]
#   --long   the timing benchmark plays its 10-minute programme in real time
#            (BENCH_TIME_SCALE=1) instead of at --time-scale 4
set -u
here=$(cd "$(dirname "$0")" && pwd)
export BUILD_DIR=$(cd "${1:?usage: run-all.sh BUILD_DIR [--long] [filter]}" && pwd)
shift
export SOURCE_DIR=$(dirname "$here")
if [ "${1:-}" = --long ]; then
	export BENCH_TIME_SCALE=1
	shift
fi
filter=${1:-}
export BENCH_SUMMARY=$(mktemp /tmp/massaged-bench-summary.XXXXXX)
trap 'rm -f "$BENCH_SUMMARY"' EXIT
echo "massaged benchmarks: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start, $(date -u '+%F %T UTC')"
rc=0
for b in "$here"/bench-*.sh; do
	case $(basename "$b") in *"$filter"*) ;; *) continue ;; esac
	echo "== $(basename "$b" .sh)"
	bash "$b" || { echo "($(basename "$b") failed)"; rc=1; }
done
echo
echo "== summary (load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
awk -F'|' '{ printf "%-13s %-34s %s\n", $1, $2, $3 }' "$BENCH_SUMMARY"
exit $rc
