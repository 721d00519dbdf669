#!/usr/bin/env bash
# ./dev demo's script, end to end against this build (faster time scale), so
# the demo a newcomer runs first never rots: it must finish with exit 0, play
# the programme to completion, leave the device stopped and no process behind.
. "$SOURCE_DIR/tests/lib.sh"

# The demo spawns through tests/lib-proc.sh, which records each process it
# starts (name, PID, start time) in PROC_RECORD: "left behind" is checked on
# exactly those, never on other simulators or daemons running on the machine.
PROC_RECORD=$TEST_TMP/demo.pids spawn demo "$SOURCE_DIR/sim/demo.sh" "$BUILD_DIR" --time-scale 20
check "the demo finishes within 120 s" wait_spawned demo 120
assert_eq "the demo exits 0" 0 "$SPAWN_RC"
OUT=$(cat "$TEST_TMP/demo.log")
assert_contains "it finds the device" "found C0:FF:EE:00:00:01 Theragun PRO" "$OUT"
assert_contains "it connects" "Connected C0:FF:EE:00:00:01" "$OUT"
assert_contains "it plots the programme" "Hamstring demo" "$OUT"
assert_contains "the programme completes" "finished: completed" "$OUT"
assert_contains "the device is stopped at the end" "The device was stopped at the end." "$OUT"
check "the demo recorded the processes it started" test -s "$TEST_TMP/demo.pids"
left=$(recorded_left_behind "$TEST_TMP/demo.pids")
assert_eq "no demo process is left behind" "" "$left"
finish
