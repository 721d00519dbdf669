#!/bin/bash
# Harness self-test: the whole real stack end to end, before our own
# peripheral exists. A tiny GATT peripheral on hci1 (two identical
# advertisements) is found by a long-lived central on hci0, connected,
# its services resolved, a characteristic read and written, and disconnected.
. "$VM_TOOLS/lib-guest.sh"

spawn peripheral "$PYTHON" "$VM_TOOLS/tools/vm-peripheral.py" --adapter hci1 --value 6869
if wait_until 30 grep -qx ready "$TEST_TMP/peripheral.log"; then
	pass "peripheral registered its application and two advertisements on hci1"
else
	fail "peripheral registered its application and two advertisements on hci1" "$(cat "$TEST_TMP/peripheral.log")"
	finish
fi

"$PYTHON" "$VM_TOOLS/tools/vm-central.py" --adapter hci0 --write c0ffee >"$TEST_TMP/central.log" 2>&1
rc=$?
sed 's/^/# central: /' "$TEST_TMP/central.log"
grep '^timing:' "$TEST_TMP/central.log"
assert_eq "central finished without error" 0 "$rc"
central=$(cat "$TEST_TMP/central.log")
assert_contains "device found under hci0 by its address" "device $(dev_path hci0 "$HCI1_ADDR")" "$central"
reads=$(sed -n 's/^read //p' "$TEST_TMP/central.log" | tr '\n' ' ')
assert_eq "reads: the initial value, then the written one" "6869 c0ffee " "$reads"
assert_contains "the central completed every step" $'\ndone' "$central"
assert_contains "the peripheral got the write" "write c0ffee" "$(cat "$TEST_TMP/peripheral.log")"
# Unpaired, the device object may already be gone; if it is there, it is disconnected.
connected=$(bluez_prop "$(dev_path hci0 "$HCI1_ADDR")" Device1 Connected) || connected="b false"
assert_eq "hci0's device is disconnected" "b false" "$connected"
check "peripheral still running" is_running peripheral
finish
