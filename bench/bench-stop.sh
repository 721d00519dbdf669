#!/usr/bin/env bash
# a. stop latency: a C client's Device1.Stop call -> the stop frame's t_ns in
#    massage-sim's command log, against the floor: the same kind of client
#    calling org.bluez WriteValue with a stop frame directly (one hop fewer),
#    in the same run on the same bus; p50/p99 over BENCH_ROUNDS (200).
# b. in-daemon: Stop received -> GATT write issued, from massaged's
#    MASSAGED_TRACE lines (daemon/trace.h); p50/p99.
# All times are CLOCK_MONOTONIC.
. "$(dirname "$0")/lib.sh"
N=${BENCH_ROUNDS:-200}
A=AA:BB:CC:00:02:01 # driven through massaged
F=AA:BB:CC:00:02:02 # driven directly (the floor)
start_bus
start_sim sim --device "reference,name=StopA,address=$A" --device "reference,name=StopF,address=$F" >/dev/null || exit 1
bench_daemon || exit 1
DA=$(connect_dev $A) || exit 1

"$BENCH_CLIENT" stop "$DA" "$N" >"$TEST_TMP/stop.t0"
simlog "select(.dev==\"$A\" and .cmd==\"stop\") | .t_ns" >"$TEST_TMP/stop.dev"
awk -f "$SOURCE_DIR/bench/pair.awk" "$TEST_TMP/stop.t0" "$TEST_TMP/stop.dev" >"$TEST_TMP/stop.us"

# The floor, on a second device massaged does not hold: a stop frame as the
# daemon sent it, written with WriteValue (type command) by the C client.
STOP_HEX=$(simlog "select(.dev==\"$A\" and .cmd==\"stop\") | .hex" | tail -n1 | tr -d '"')
FP=/org/bluez/hci0/dev_${F//:/_}
busctl --system call org.bluez "$FP" org.bluez.Device1 Connect >/dev/null
wait_until 5 bluez_prop_is "$FP" Device1 ServicesResolved "b true"
CHAR=$(busctl --system --json=short call org.bluez / org.freedesktop.DBus.ObjectManager GetManagedObjects |
	jq -r --arg d "$FP/" --arg u "$(simlog "select(.dev==\"$A\" and .cmd==\"stop\") | .char" | tail -n1 | tr -d '"')" \
		'.data[0] | to_entries[] | select(.key | startswith($d)) | select(.value["org.bluez.GattCharacteristic1"].UUID.data == $u) | .key')
"$BENCH_CLIENT" floor "$CHAR" "$STOP_HEX" "$N" >"$TEST_TMP/floor.t0"
simlog "select(.dev==\"$F\" and .hex==\"$STOP_HEX\") | .t_ns" >"$TEST_TMP/floor.dev"
awk -f "$SOURCE_DIR/bench/pair.awk" "$TEST_TMP/floor.t0" "$TEST_TMP/floor.dev" >"$TEST_TMP/floor.us"

# b: each "stop-received A" paired with the next write to A of a stop frame.
grep -F "stop-received $A" "$TEST_TMP/massaged.log" | awk '{ print $2 }' >"$TEST_TMP/rx.t"
simlog "select(.dev==\"$A\" and .cmd==\"stop\") | .hex" | tr -d '"' | sort -u >"$TEST_TMP/stop.hexes"
grep -F "write $A" "$TEST_TMP/massaged.log" |
	awk -v hexes="$TEST_TMP/stop.hexes" 'BEGIN { while ((getline h <hexes) > 0) stop[h] = 1 }
		{ hex = $5; for (i = 6; i <= NF; i++) hex = hex " " $i; if (hex in stop) print $2 }' >"$TEST_TMP/tx.t"
awk -f "$SOURCE_DIR/bench/pair.awk" "$TEST_TMP/rx.t" "$TEST_TMP/tx.t" >"$TEST_TMP/indaemon.us"

echo "a. stop latency: C client call -> frame in the sim's log (us)"
latency_figure "stop via massaged" "$TEST_TMP/stop.us" "/$N"
latency_figure "floor: WriteValue" "$TEST_TMP/floor.us" "/$N"
ratio_figure "stop / floor" "$TEST_TMP/stop.us" "$TEST_TMP/floor.us"
echo "b. in-daemon: Stop received -> GATT write issued (us)"
latency_figure "in-daemon" "$TEST_TMP/indaemon.us" " stops"
