#!/usr/bin/env bash
# ./dev demo --mqtt's script against this build: it must finish with exit 0,
# show Home Assistant's discovery, start the programme over MQTT, show the
# events through "finished: completed", leave the device stopped and no process
# behind.
. "$SOURCE_DIR/tests/lib.sh"

# The demo spawns through tests/lib-proc.sh, which records each process it
# starts (name, PID, start time) in PROC_RECORD: "left behind" is checked on
# exactly those, never on other simulators or daemons running on the machine.
PROC_RECORD=$TEST_TMP/demo.pids spawn demo "$SOURCE_DIR/sim/demo.sh" "$BUILD_DIR" --time-scale 20 --mqtt
check "the demo finishes within 120 s" wait_spawned demo 120
assert_eq "the demo exits 0" 0 "$SPAWN_RC"
OUT=$(cat "$TEST_TMP/demo.log")
assert_contains "the bridge is online" "$ mosquitto_sub -t demo/hub/availability   -> online" "$OUT"
assert_contains "discovery: the stop button" "homeassistant/button/demo_hub/c0ffee000001_stop/config" "$OUT"
assert_contains "discovery: the programme select" "homeassistant/select/demo_hub/c0ffee000001_programme/config" "$OUT"
assert_contains "the start is answered" "reply start: ok" "$OUT"
assert_contains "a started event" "event started" "$OUT"
assert_contains "step events" "event step-changed 2" "$OUT"
assert_contains "the programme completes" "event finished: completed" "$OUT"
assert_contains "the device is stopped at the end" "The device was stopped at the end." "$OUT"
check "the demo recorded the processes it started" test -s "$TEST_TMP/demo.pids"
left=$(recorded_left_behind "$TEST_TMP/demo.pids")
assert_eq "no demo process is left behind" "" "$left"
[ "$TESTS_FAILED" -eq 0 ] || cat "$TEST_TMP/demo.log" >&2
finish
