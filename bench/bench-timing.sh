#!/usr/bin/env bash
# c. timing: the lateness of every write against its schedule over a
#    10-minute wave programme (bench/wave-10min.programme), with both cores
#    loaded by competing busy loops. The schedule comes from protocol/'s
#    evaluator (bench-schedule: mp_timeline_next_change at the daemon's 1 %
#    quantum); each change is paired with the write that carried its level in
#    the sim's log. p50/p99/max, and the drift at the end (the lateness of the
#    last change). Played at --time-scale BENCH_TIME_SCALE (4 by default:
#    150 s, ~21 writes/s; 1 with ./dev bench --long).
. "$(dirname "$0")/lib.sh"
SCALE=${BENCH_TIME_SCALE:-4}
A=AA:BB:CC:00:03:01
start_bus
start_sim sim --device "reference,name=Timing,address=$A" >/dev/null || exit 1
cp "$SOURCE_DIR/bench/wave-10min.programme" "$MSD_DATA/programmes/wave10.programme"
bench_daemon --time-scale "$SCALE" || exit 1
DA=$(connect_dev $A) || exit 1
"$BENCH_SCHEDULE" "$SOURCE_DIR/bench/wave-10min.programme" >"$TEST_TMP/schedule" || exit 1
dur_ms=$(tail -n1 "$TEST_TMP/schedule" | awk '{ print $1 }')

busy_loops "$(nproc)"
mark=$(log_mark)
S=$(start_session "$DA" wave10) || exit 1
t_end=$(($(date +%s) + dur_ms / 1000 / SCALE + 30))
while [ "$(date +%s)" -lt "$t_end" ] && ! simlog_has "select(.dev==\"$A\" and .t_ns > $mark and .cmd==\"stop\")"; do
	sleep 1
done
stop_busy

# The origin: the session's first command; then every intensity write.
simlog "select(.dev==\"$A\" and .t_ns > $mark and .cmd != null and .cmd != \"keepalive\" and .cmd != \"status\") | \"\(.t_ns) \(.cmd) \(.value // 0)\"" |
	tr -d '"' | awk 'NR == 1 { print $1, -1; next } $2 == "intensity" { print $1, $3 } $2 == "stop" { print $1, 0 }' >"$TEST_TMP/writes"
awk -v scale="$SCALE" -v skip_ms=7500 -f "$SOURCE_DIR/bench/lateness.awk" \
	"$TEST_TMP/schedule" "$TEST_TMP/writes" >"$TEST_TMP/late.ms" 2>"$TEST_TMP/unmatched"
n=$(wc -l <"$TEST_TMP/late.ms")
echo "c. timing: $((dur_ms / 1000)) s programme at --time-scale $SCALE, $(nproc) busy loops competing, $(($(wc -l <"$TEST_TMP/writes") - 1)) writes"
p50=$(pct 50 <"$TEST_TMP/late.ms") p99=$(pct 99 <"$TEST_TMP/late.ms") max=$(pct 100 <"$TEST_TMP/late.ms")
last=$(tail -n1 "$TEST_TMP/late.ms")
# Lateness is measured from the session's first write, which is itself late
# by a little (more under load): every figure carries that offset. The spread
# above the median and the drift (last change against the median) do not.
figure "lateness ($n changes, ms)" "p50 $p50, p99 $p99, max $max"
figure "above the median (ms)" "$(awk -v a="$p50" -v b="$p99" -v c="$max" 'BEGIN { printf "p99 +%.3f, max +%.3f", b - a, c - a }')"
figure "earliest (ms, negative = early)" "$(sort -n "$TEST_TMP/late.ms" | head -n1)"
figure "drift at the end (ms)" "last change $last; against the median $(awk -v a="$last" -v b="$p50" 'BEGIN { printf "%+.3f", a - b }')"
figure "changes not found in the log" "$(awk '{ print $2 }' "$TEST_TMP/unmatched")"
