#!/usr/bin/env bash
# massage-sim with drivers described by data: a shipped .device file by name
# and by path, and a user's own .device file from --devices-dir.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/lib-sim.sh"

DEVFILE=$SOURCE_DIR/data/devices/magic-motion-v1.device
SVC=78667579-7b48-43db-b8c5-7928a6b0a335
WRITE=78667579-a914-49a4-8333-aa3c0cd8fedc
MM1=AA:BB:CC:DD:EE:FF
MM2=C0:FF:EE:00:00:02
USER=C0:FF:EE:00:00:03
mkdir -p "$TEST_TMP/devices"
cat >"$TEST_TMP/devices/test-buzz.device" <<-'DEV'
	[Device]
	Name = test-buzz
	Description = a test device written by the sim's integration test
	Kind = vibration
	Service = 0000abc0-0000-1000-8000-00805f9b34fb
	Write = 0000abc1-0000-1000-8000-00805f9b34fb
	WriteType = with-response
	Levels = 0..10

	[Commands]
	Stop = 55 00
	Intensity = 55 {level}
DEV

start_bus
start_sim sim --device magic-motion-v1,name="Smart Mini Vibe" --device "$DEVFILE",address=$MM2 \
	--devices-dir "$TEST_TMP/devices" --device test-buzz,address=$USER \
	--discovery-delay 50 --connect-delay 50 --resolve-delay 50

out=$(sim_call ListDevices)
assert_contains "a shipped .device driver by name" '"Smart Mini Vibe" "magic-motion-v1"' "$out"
assert_contains "the same by path" "\"$MM2\"" "$out"
assert_contains "a user's .device from --devices-dir" '"test-buzz"' "$out"

frame=$(client encode "$DEVFILE" intensity 40 | sed -n 's/^frame //p')
assert_eq "the test client encodes with the same driver" "0b ff 04 0a 32 32 00 04 08 28 64 00" "$frame"
out=$(client discover $MM1 -- connect $MM1 -- wait-resolved $MM1 -- write $MM1 $WRITE "$frame" command)
assert_contains "advertises the file's service" "'$SVC'" "$out"
assert_contains "a write without response reaches it" "ok write" "$out"
assert_eq "decoded by the .device driver in the log" "intensity 40" \
	"$(jq -r "select(.dev == \"$MM1\" and .hex) | \"\(.cmd) \(.value)\"" "$SIM_LOG")"
assert_eq "the model runs at 40 %" "40" "$(sim_state $MM1 intensity)"

frame=$(client encode "$TEST_TMP/devices/test-buzz.device" intensity 50 | sed -n 's/^frame //p')
out=$(client discover $USER -- connect $USER -- wait-resolved $USER -- \
	write $USER 0000abc1-0000-1000-8000-00805f9b34fb "$frame" request)
assert_contains "the user's device takes a write request" "ok write" "$out"
assert_eq "... decoded" "1" "$(log_count ".dev == \"$USER\" and .cmd == \"intensity\"")"

stop_sim sim
finish
