#!/usr/bin/env bash
# Real stack: massage-sim --peripheral serves the reference device from hci1
# through bluetoothd's GATT server and advertising; a long-lived client on
# hci0 discovers, connects, reads Capabilities, writes reference frames
# (write without response; with --acquire-write, through AcquireWrite),
# gets ACK/STATE notifications (through AcquireNotify), sees Battery1 from
# bluetoothd's battery plugin, and the device-side keepalive stops the motor
# when the host goes quiet. Runs inside the VM with bluetoothd on hci0/hci1.
. "$VM_TOOLS/lib-guest.sh"

. "$(dirname "$0")/lib-peripheral.sh"

power_adapters
start_peripheral reference,name=MassageRef,keepalive-timeout=2000,force-period=600000 --acquire-write
check "adapter Alias is the device name (the GAP name)" \
	test "$(busctl --system get-property org.bluez /org/bluez/hci1 org.bluez.Adapter1 Alias)" = 's "MassageRef"'
discover_and_connect

F1=$(frame start 30 1); F2=$(frame intensity 55 2); F3=$(frame status 0 3)
t0=$(ms)
# The read after the first write is a round trip through the peripheral's
# bluetoothd, which has the AcquireWrite reply by then (see peripheral-gatt.c
# for what happens to writes that arrive while it is pending).
client wait-resolved "$PERIPH" 15000 -- notify "$PERIPH" "$STATUS" \
	-- write "$PERIPH" "$CONTROL" "$F1" command -- read "$PERIPH" "$CAPS" -- write "$PERIPH" "$CONTROL" "$F2" command \
	-- write "$PERIPH" "$CONTROL" "$F3" command -- expect-notify "$PERIPH" "$STATUS" 6 5000 \
	-- expect-notify "$PERIPH" "$STATUS" 2 8000 >"$TEST_TMP/session.out"
rc=$?
log "session took $(($(ms) - t0)) ms (rc $rc)"
cat "$TEST_TMP/session.out" >&2
check "session script ran" test "$rc" -eq 0
check "Capabilities read (version 1)" grep -q '^value 01 ' "$TEST_TMP/session.out"
check "frames reached the device in order" \
	test "$(jq -r 'select(.cmd) | "\(.cmd):\(.seq)"' "$SIM_LOG" | tr '\n' ' ')" = "start:1 intensity:2 status:3 "
check "the write came through AcquireWrite" logged '.event == "acquire-write"'
check "notifications went through AcquireNotify" logged '.event == "acquire-notify"'
check "ACK of seq 1 notified" grep -q '^notified 01 84 .. .. 01 00 ' "$TEST_TMP/session.out"
check "STATE notified" grep -q '^notified 01 81 ' "$TEST_TMP/session.out"
# docs/protocol.md section 7: each frame's ACK, then a STATE (START and
# INTENSITY changed the state, STATUS_REQUEST asked for it).
assert_eq "ACK then STATE for each of the three frames" "84 81 84 81 84 81" \
	"$(awk '/^notified/ {print $3}' "$TEST_TMP/session.out" | head -n6 | paste -sd' ')"
check "the device's watchdog stopped the motor when the host went quiet" \
	logged '.event == "keepalive-timeout"'
check "ERROR WATCHDOG notified" grep -Eq '^notified 01 83 .. .. 10 ' "$TEST_TMP/session.out"
check "bluetoothd's battery plugin subscribed to Battery Level" \
	logged '.event == "start-notify" and ((.char // "") | startswith("00002a19"))'
check "Battery1 on the central shows the level" \
	wait_until 5 bluez_prop_is "$PERIPH_DEV" Battery1 Percentage "y 85"

t0=$(ms)
client disconnect "$PERIPH"
check "the device saw the disconnect" wait_until 10 logged '.event == "disconnect"'
log "disconnect took $(($(ms) - t0)) ms"
stop_spawned sim
check "massage-sim exits cleanly on SIGTERM" test "$SPAWN_RC" -eq 0
cp "$SIM_LOG" "${RESULT_DIR:-/tmp}/peripheral-reference.jsonl" 2>/dev/null || true
finish
