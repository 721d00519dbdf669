#!/usr/bin/env bash
# ./dev demo's script, end to end against this build (faster time scale), so
# the demo a newcomer runs first never rots: it must finish with exit 0, play
# the programme to completion, leave the device stopped and no process behind.
. "$SOURCE_DIR/tests/lib.sh"

# In a session of its own (setsid execs in place: the session id is the PID
# spawn records), so "left behind" means a process of this demo's session,
# never any other simulator or daemon that happens to run on the machine.
spawn demo setsid "$SOURCE_DIR/sim/demo.sh" "$BUILD_DIR" --time-scale 20
sid=${SPAWNED[demo]}
own_session() { [ "$(ps -o sid= -p "$sid" | tr -d ' ')" = "$sid" ]; }
check "the demo runs in a session of its own" wait_until 10 own_session
check "the demo finishes within 120 s" wait_spawned demo 120
assert_eq "the demo exits 0" 0 "$SPAWN_RC"
OUT=$(cat "$TEST_TMP/demo.log")
assert_contains "it finds the device" "found C0:FF:EE:00:00:01 Theragun PRO" "$OUT"
assert_contains "it connects" "Connected C0:FF:EE:00:00:01" "$OUT"
assert_contains "it plots the programme" "Hamstring demo" "$OUT"
assert_contains "the programme completes" "finished: completed" "$OUT"
assert_contains "the device is stopped at the end" "The device was stopped at the end." "$OUT"
left=$(ps -o pid=,args= -s "$sid" || true)
assert_eq "no demo process is left behind" "" "$left"
finish
