#!/usr/bin/env bash
# d. flood: Session1.Adjust at 1000 calls/s for 10 s (async, from the C
#    client) on a playing session -> the writes seen at the device, whether
#    the last value won, and stop latency during the flood (a Stop to a second
#    playing device every 100 ms) and right after it (the flooded device).
. "$(dirname "$0")/lib.sh"
RATE=${BENCH_FLOOD_RATE:-1000}
SECS=${BENCH_FLOOD_SECONDS:-10}
A=AA:BB:CC:00:04:01
B=AA:BB:CC:00:04:02
start_bus
start_sim sim --device "reference,name=FloodA,address=$A" --device "reference,name=FloodB,address=$B" >/dev/null || exit 1
cat >"$MSD_DATA/programmes/steady.programme" <<-PROG
	[Programme]
	Name=Steady
	Summary=Benchmark: a constant level to adjust
	Kind=any

	[Step hold]
	Muscle=hamstrings
	Zone=mid
	Duration=120s
	Intensity=30%
PROG
bench_daemon || exit 1
DA=$(connect_dev $A) || exit 1
DB=$(connect_dev $B) || exit 1
S=$(start_session "$DA" steady) || exit 1
start_session "$DB" steady >/dev/null || exit 1
sleep 4 # past the start's rise ramp (30 % at 10 %/s)
mark=$(log_mark)
"$BENCH_CLIENT" flood "$S" "$DA" "$DB" "$RATE" "$SECS" >"$TEST_TMP/flood.out" || exit 1
sleep 0.5

sent=$(awk '$1 == "sent" { print $2 }' "$TEST_TMP/flood.out")
last=$(awk '$1 == "last" { print $2 }' "$TEST_TMP/flood.out")
send_s=$(awk '$1 == "send_s" { print $2 }' "$TEST_TMP/flood.out")
replies=$(awk '$1 == "replies" { print $2 }' "$TEST_TMP/flood.out")
replies_s=$(awk '$1 == "replies_s" { print $2 }' "$TEST_TMP/flood.out")
stop_t0=$(awk '$1 == "stop" { print $2 }' "$TEST_TMP/flood.out")
# Writes to A during the flood (until its stop), and the level before the stop.
simlog "select(.dev==\"$A\" and .t_ns > $mark and .t_ns < $stop_t0 and .cmd == \"intensity\") | .value" >"$TEST_TMP/a.values"
final=$(tail -n1 "$TEST_TMP/a.values")
want=$(awk -v l="$last" 'BEGIN { v = 30 * l / 100; printf "%d", int(v + 0.5) }') # 1 % quantum, halves up
# Stop latencies: B during the flood, A right after it.
awk '$1 == "ostop" { print $2 }' "$TEST_TMP/flood.out" >"$TEST_TMP/ostop.t0"
simlog "select(.dev==\"$B\" and .cmd==\"stop\" and .t_ns > $mark) | .t_ns" >"$TEST_TMP/ostop.dev"
awk -f "$SOURCE_DIR/bench/pair.awk" "$TEST_TMP/ostop.t0" "$TEST_TMP/ostop.dev" >"$TEST_TMP/ostop.us"
a_stop=$(simlog "select(.dev==\"$A\" and .cmd==\"stop\" and .t_ns > $stop_t0) | .t_ns" | head -n1)

echo "d. flood: $sent Adjust calls in $send_s s (async), $replies replies by $replies_s s"
figure "writes at the device" "$(wc -l <"$TEST_TMP/a.values") intensity writes in the flood and the 1.5 s after it ($(tr '\n' ' ' <"$TEST_TMP/a.values")%)"
figure "last value won" "$([ "$final" = "$want" ] && echo yes || echo NO): last Adjust $last % -> want $want %, device at ${final:-none} %"
figure "stop latency during flood (us)" "$(wc -l <"$TEST_TMP/ostop.us") stops: p50 $(pct 50 <"$TEST_TMP/ostop.us"), p99 $(pct 99 <"$TEST_TMP/ostop.us"), max $(pct 100 <"$TEST_TMP/ostop.us")"
figure "stop of the flooded device (us)" "$([ -n "$a_stop" ] && echo $(((a_stop - stop_t0) / 1000)) || echo 'no stop frame')"
