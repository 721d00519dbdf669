#!/usr/bin/env bash
# f. scale: 16 simulated devices playing a wave programme at once (60 s at
#    --time-scale 4: ~21 writes/s per device, ~340/s in all) -> massaged's
#    CPU (from /proc/PID/stat) and the lateness of every change against its
#    schedule, each device measured from its own session's first command.
. "$(dirname "$0")/lib.sh"
N=${BENCH_SCALE_DEVICES:-16}
SCALE=4
devs=()
for i in $(seq 1 "$N"); do devs+=(--device "reference,name=Scale$i,address=$(printf 'AA:BB:CC:00:06:%02X' "$i")"); done
start_bus
start_sim sim "${devs[@]}" >/dev/null || exit 1
sed -n '1,/^\[Step proximal\]/p' "$SOURCE_DIR/bench/wave-10min.programme" >"$MSD_DATA/programmes/wave1.programme"
printf 'Muscle=hamstrings\nZone=proximal\nDuration=60s\nIntensity=wave 30%% 50%% period=7500ms\n' >>"$MSD_DATA/programmes/wave1.programme"
"$BENCH_SCHEDULE" "$MSD_DATA/programmes/wave1.programme" >"$TEST_TMP/schedule" || exit 1
bench_daemon --time-scale "$SCALE" || exit 1
paths=()
for i in $(seq 1 "$N"); do
	paths+=("$(connect_dev "$(printf 'AA:BB:CC:00:06:%02X' "$i")")") || exit 1
done
pid=${SPAWNED[massaged]}
mark=$(log_mark)
t0=$(cpu_ticks "$pid")
s0=$(date +%s%N)
for p in "${paths[@]}"; do start_session "$p" wave1 >/dev/null || exit 1; done
sleep $((60 / SCALE + 1))
t1=$(cpu_ticks "$pid")
s1=$(date +%s%N)
: >"$TEST_TMP/late.ms"
writes=0
for i in $(seq 1 "$N"); do
	a=$(printf 'AA:BB:CC:00:06:%02X' "$i")
	simlog "select(.dev==\"$a\" and .t_ns > $mark and .cmd != null and .cmd != \"keepalive\" and .cmd != \"status\") | \"\(.t_ns) \(.cmd) \(.value // 0)\"" |
		tr -d '"' | awk 'NR == 1 { print $1, -1; next } $2 == "intensity" { print $1, $3 } $2 == "stop" { print $1, 0 }' >"$TEST_TMP/w$i"
	writes=$((writes + $(wc -l <"$TEST_TMP/w$i") - 1))
	awk -v scale="$SCALE" -v skip_ms=7500 -f "$SOURCE_DIR/bench/lateness.awk" "$TEST_TMP/schedule" "$TEST_TMP/w$i" \
		>>"$TEST_TMP/late.ms" 2>>"$TEST_TMP/unmatched"
done
wall_ms=$(((s1 - s0) / 1000000))
echo "f. scale: $N devices playing a 60 s wave at --time-scale $SCALE, $writes writes in ${wall_ms} ms"
figure "daemon CPU" "$(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v w="$wall_ms" 'BEGIN { printf "%.1f%% of one core", 100 * t / hz / (w / 1000) }')"
figure "lateness ($(wc -l <"$TEST_TMP/late.ms") changes, ms)" "p50 $(pct 50 <"$TEST_TMP/late.ms"), p99 $(pct 99 <"$TEST_TMP/late.ms"), max $(pct 100 <"$TEST_TMP/late.ms")"
figure "changes not found in the log" "$(awk '{ s += $2 } END { print s }' "$TEST_TMP/unmatched")"
