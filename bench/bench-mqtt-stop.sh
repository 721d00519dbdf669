#!/usr/bin/env bash
# MQTT stop latency: {"command":"stop"} published on the device's set topic ->
# the stop frame's t_ns in massage-sim's command log (broker, bridge, D-Bus,
# massaged, fake bluetoothd), beside `massagectl stop ADDRESS` (its process
# start included: what a script pays), in the same run on the same bus and
# device; p50/p99 over BENCH_ROUNDS (100). One CLOCK_MONOTONIC clock for all.
. "$(dirname "$0")/lib.sh"
. "$SOURCE_DIR/tests/integration/mqtt-lib.sh"
N=${BENCH_ROUNDS:-100}
A=AA:BB:CC:00:02:11
ID=aabbcc000211
MQC=$BUILD_DIR/bench/bench-mqtt-client
[ -x "$MQC" ] || { echo "  (no $MQC: libmosquitto-dev missing at build time)"; exit 1; }
start_bus
start_sim sim --device "reference,name=MqttStop,address=$A" >/dev/null || exit 1
write_programme "$MSD_DATA/programmes/gentle.programme" "Gentle"
bench_daemon || exit 1
DA=$(connect_dev $A) || exit 1
MQTT_PORT=$(free_port)
broker_conf broker "$MQTT_PORT"
start_broker broker >/dev/null || exit 1
printf '[Broker]\nHost=127.0.0.1\nPort=%s\nClientId=bench\n[Topics]\nBase=bench\n' "$MQTT_PORT" >"$TEST_TMP/mqtt.conf"
spawn bridge "$BRIDGE" --config "$TEST_TMP/mqtt.conf"
wait_until 10 grep -q "connected to MQTT broker" "$TEST_TMP/bridge.log" || { cat "$TEST_TMP/bridge.log"; exit 1; }
wait_until 10 mqtt_has "bench/device/$ID/state" 1 || exit 1

"$MQC" mqtt "$MQTT_PORT" "bench/device/$ID/set" "bench/device/$ID/result" "$N" >"$TEST_TMP/mqtt.t0"
mark=$(tail -n1 "$TEST_TMP/mqtt.t0")
simlog "select(.dev==\"$A\" and .cmd==\"stop\") | .t_ns" >"$TEST_TMP/mqtt.dev"
awk -f "$SOURCE_DIR/bench/pair.awk" "$TEST_TMP/mqtt.t0" "$TEST_TMP/mqtt.dev" >"$TEST_TMP/mqtt.us"

"$MQC" exec "$N" "$BUILD_DIR/cli/massagectl" stop "$A" >"$TEST_TMP/ctl.t0"
simlog "select(.dev==\"$A\" and .cmd==\"stop\" and .t_ns > $mark) | .t_ns" >"$TEST_TMP/ctl.dev"
awk -f "$SOURCE_DIR/bench/pair.awk" "$TEST_TMP/ctl.t0" "$TEST_TMP/ctl.dev" >"$TEST_TMP/ctl.us"

echo "stop latency: command -> stop frame in the sim's log (us)"
latency_figure "MQTT stop" "$TEST_TMP/mqtt.us" "/$N"
latency_figure "massagectl stop" "$TEST_TMP/ctl.us" "/$N"
ratio_figure "MQTT / massagectl" "$TEST_TMP/mqtt.us" "$TEST_TMP/ctl.us"
