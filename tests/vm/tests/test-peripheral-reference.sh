#!/usr/bin/env bash
# Real stack: massage-sim --peripheral serves the reference device from hci1
# through bluetoothd's GATT server and advertising; a long-lived client on
# hci0 discovers, connects, reads Capabilities, writes reference frames
# (write without response: bluetoothd hands them over through AcquireWrite),
# gets ACK/STATE notifications (through AcquireNotify), sees Battery1 from
# bluetoothd's battery plugin, and the device-side keepalive stops the motor
# when the host goes quiet. Runs inside the VM with bluetoothd on hci0/hci1.
. "$SOURCE_DIR/tests/lib.sh"

SIM_BIN=${SIM_BIN:-$BUILD_DIR/sim/massage-sim}
CLIENT_BIN=${CLIENT_BIN:-$BUILD_DIR/tests/tools/bluez-test-client}
PERIPH=00:AA:01:01:00:01
PERIPH_DEV=/org/bluez/hci0/dev_${PERIPH//:/_}
CAPS=e9150002-8561-4594-b206-6dd46f942e75
CONTROL=e9150003-8561-4594-b206-6dd46f942e75
STATUS=e9150004-8561-4594-b206-6dd46f942e75
SIM_LOG=$TEST_TMP/sim.jsonl
ms() { date +%s%3N; }
client() { "$CLIENT_BIN" --adapter hci0 "$@" 2>>"$TEST_TMP/client.err"; }
frame() { "$CLIENT_BIN" encode reference "$@" | awk '/^frame/ {$1=""; gsub(/ /,""); print}'; }
# (jq -e reports only on the last input line, so count matches instead.)
logged() { [ -f "$SIM_LOG" ] && jq -c "select($1)" "$SIM_LOG" | grep -q .; }

for a in hci0 hci1; do
	busctl --system set-property org.bluez /org/bluez/$a org.bluez.Adapter1 Powered b true
done

t0=$(ms)
spawn sim "$SIM_BIN" --peripheral --adapter hci1 \
	--device reference,name=MassageRef,keepalive-timeout=2000,force-period=600000 --log "$SIM_LOG"
check "peripheral registered its application and two advertisements" \
	wait_until 20 logged '.event == "advertising"'
log "registered in $(($(ms) - t0)) ms"
check "adapter Alias is the device name (the GAP name)" \
	test "$(busctl --system get-property org.bluez /org/bluez/hci1 org.bluez.Adapter1 Alias)" = 's "MassageRef"'

t0=$(ms)
check "discovered from hci0" client discover "$PERIPH" 15000
log "discovery took $(($(ms) - t0)) ms"
t0=$(ms)
# A connect landing in the ~5 ms advertisement swap can fail at once: retry once.
client connect "$PERIPH" || { sleep 0.5; client connect "$PERIPH"; }
check "connected" test "$(busctl --system get-property org.bluez "$PERIPH_DEV" org.bluez.Device1 Connected)" = "b true"
log "connect took $(($(ms) - t0)) ms"

F1=$(frame start 30 1); F2=$(frame intensity 55 2); F3=$(frame status 0 3)
t0=$(ms)
client wait-resolved "$PERIPH" 15000 -- read "$PERIPH" "$CAPS" -- notify "$PERIPH" "$STATUS" \
	-- write "$PERIPH" "$CONTROL" "$F1" command -- write "$PERIPH" "$CONTROL" "$F2" command \
	-- write "$PERIPH" "$CONTROL" "$F3" command -- expect-notify "$PERIPH" "$STATUS" 4 5000 \
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
check "the device's watchdog stopped the motor when the host went quiet" \
	logged '.event == "keepalive-timeout"'
check "ERROR WATCHDOG notified" grep -Eq '^notified 01 83 .. .. 10 ' "$TEST_TMP/session.out"
check "bluetoothd's battery plugin subscribed to Battery Level" \
	logged '.event == "start-notify" and ((.char // "") | startswith("00002a19"))'
check "Battery1 on the central shows the level" \
	wait_until 5 bash -c "busctl --system get-property org.bluez $PERIPH_DEV org.bluez.Battery1 Percentage | grep -qx 'y 85'"

t0=$(ms)
client disconnect "$PERIPH"
check "the device saw the disconnect" wait_until 10 logged '.event == "disconnect"'
log "disconnect took $(($(ms) - t0)) ms"
stop_spawned sim
check "massage-sim exits cleanly on SIGTERM" test "$SPAWN_RC" -eq 0
cp "$SIM_LOG" "${RESULT_DIR:-/tmp}/peripheral-reference.jsonl" 2>/dev/null || true
finish
