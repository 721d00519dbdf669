#!/bin/bash
# The stack the harness promises: two LE-only virtual controllers, both known
# to bluetoothd and powered, with btvirt's fixed public addresses.
. "$VM_TOOLS/lib-guest.sh"

for hci in hci0 hci1; do
	check "$hci exists in the kernel" test -e "/sys/class/bluetooth/$hci"
	assert_eq "$hci is powered" "b true" "$(bluez_prop "/org/bluez/$hci" Adapter1 Powered)"
done
assert_eq "hci0 address" "s \"$HCI0_ADDR\"" "$(bluez_prop /org/bluez/hci0 Adapter1 Address)"
assert_eq "hci1 address" "s \"$HCI1_ADDR\"" "$(bluez_prop /org/bluez/hci1 Adapter1 Address)"
# LE-only: no BR/EDR, or bluetoothd pages after pairing and Disconnect hangs.
for hci in hci0 hci1; do
	uuids=$(bluez_prop "/org/bluez/$hci" Adapter1 Roles)
	assert_contains "$hci can be central" '"central"' "$uuids"
	assert_contains "$hci can be peripheral" '"peripheral"' "$uuids"
done
check "hci0 has LE advertising" busctl --system introspect org.bluez /org/bluez/hci1 org.bluez.LEAdvertisingManager1
check "hci1 has a GATT manager" busctl --system introspect org.bluez /org/bluez/hci1 org.bluez.GattManager1
finish
