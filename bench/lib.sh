# Shared helpers for the benchmarks (bash), built on the integration-test
# harness: tests/lib.sh (private dbus-daemon with the project's policy,
# spawn/cleanup traps) and tests/integration/daemon-lib.sh (massage-sim,
# massaged, sim-log readers). Source it first in every bench/bench-*.sh.
#
#   figure KEY "VALUE"   one line for run-all.sh's summary table (also printed)
#   pct P                the P-th percentile (nearest rank) of numbers on stdin
#   latency_figure LABEL FILE SUFFIX   "LABEL (COUNT SUFFIX)": "p50 X us, p99 Y us"
#   ratio_figure LABEL FILE_A FILE_B   "LABEL": p50 and p99 of A over B's
#   bench_daemon ARGS    starts massaged (MASSAGED_TRACE=1) and waits for its name
#   connect_dev ADDR     discovery, the device's object, Connect; prints its path
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"
set -o pipefail

BENCH_CLIENT=$BUILD_DIR/bench/bench-client
BENCH_SCHEDULE=$BUILD_DIR/bench/bench-schedule
BENCH_SUMMARY=${BENCH_SUMMARY:-/dev/null}
TESTS_PASSED=1 # figures, not pass/fail: lib.sh's cleanup keeps $TEST_TMP only on failure

figure() {
	printf '  %-34s %s\n' "$1" "$2"
	printf '%s|%s|%s\n' "$TEST_NAME" "$1" "$2" >>"$BENCH_SUMMARY"
}

pct() {
	sort -n | awk -v p="$1" '{ a[NR] = $1 } END {
		if (NR == 0) { print "n/a"; exit }
		i = int((p / 100) * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; print a[i] }'
}

# ratio A B: A/B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2fx", a / b }'; }

# latency_figure LABEL FILE SUFFIX: the figure of the microseconds in FILE,
# one a line: "LABEL (COUNTSUFFIX)" "p50 X us, p99 Y us" (SUFFIX "/$N" says
# how many of N rounds were paired).
latency_figure() {
	figure "$1 ($(wc -l <"$2")$3)" "p50 $(pct 50 <"$2") us, p99 $(pct 99 <"$2") us"
}

# ratio_figure LABEL FILE_A FILE_B: "LABEL" "p50 A/B, p99 A/B" of two such files.
ratio_figure() {
	figure "$1" "p50 $(ratio "$(pct 50 <"$2")" "$(pct 50 <"$3")"), p99 $(ratio "$(pct 99 <"$2")" "$(pct 99 <"$3")")"
}

# (start_massaged from tests/lib-massaged.sh, without --verbose: logging is
# not what the benchmarks measure.)
bench_daemon() {
	MASSAGED_TRACE=1 start_massaged --quiet "$@" || return 1
	mgr StartDiscovery >/dev/null
}

connect_dev() {
	local p
	p=$(devpath "$1")
	wait_until 10 has_object "$p" || { log "no $p"; return 1; }
	msd_call "$p" Device1 Connect >/dev/null || return 1
	wait_prop 10 "$p" Device1 Connected true || return 1
	echo "$p"
}

# cpu_ticks PID: user+system clock ticks so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# busy_loops N: N competing CPU hogs (plain shell loops, so no package is
# needed); their PIDs in BUSY_PIDS, stopped by stop_busy (and by the trap).
BUSY_PIDS=()
busy_loop() { while :; do :; done; }
busy_loops() {
	local i
	for i in $(seq 1 "$1"); do
		spawn "busy$i" busy_loop
		BUSY_PIDS+=("${SPAWNED[busy$i]}")
	done
}
stop_busy() {
	local i
	for i in $(seq 1 "${#BUSY_PIDS[@]}"); do stop_spawned "busy$i" KILL; done
	BUSY_PIDS=()
}
