#!/usr/bin/env bash
# massage-sim behaves like bluetoothd for every client, not only massaged
# (issue 17, defect 8): after massaged has scanned, a second independent
# client scanning the way bleak does still finds the device (RSSI is
# invalidated when discovery stops and set again, with PropertiesChanged,
# for each advertisement heard while discovering), and a device that never
# connected is removed once not heard for TemporaryTimeout, while a
# connected one stays. Real dbus-daemon, real massaged, real massage-sim.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

A=AA:BB:CC:00:17:01
B=AA:BB:CC:00:17:02
SCAN="/usr/bin/python3 $SOURCE_DIR/tests/tools/bleak-like-scan.py"
start_bus
printf '[Sim]\ntemporary-timeout=2000\ndiscovery-delay=100\n' >"$TEST_TMP/world.conf"
start_sim sim --config "$TEST_TMP/world.conf" --device "reference,name=Seen-A,address=$A" \
	--device "reference,name=Seen-B,address=$B" || exit 1
start_massaged || exit 1

# massaged scans and finds both; it connects B.
mgr StartDiscovery >/dev/null
check "massaged discovers A" wait_until 10 has_object "$(devpath $A)"
check "massaged discovers B" wait_until 10 has_object "$(devpath $B)"
msd_call "$(devpath $B)" Device1 Connect >/dev/null
check "massaged connects B" wait_prop 10 "$(devpath $B)" Device1 Connected true
stops=$(log_count '.event == "discovery-stop"')
mgr StopDiscovery >/dev/null
check "massaged's discovery ends" wait_until 5 log_count_above '.event == "discovery-stop"' "$stops"
APATH=/org/bluez/hci0/dev_${A//:/_}
assert_eq "RSSI is no longer known once discovery stopped (bluetoothd: invalidated)" "n 0" \
	"$(bluez_prop "$APATH" Device1 RSSI)"

# A second client, scanning as bleak does, finds the device massaged already found.
run $SCAN /org/bluez/hci0 $A 5
assert_exit "a bleak-like client finds the already-known device within 5 s" 0
assert_contains "... through RSSI in PropertiesChanged, as bluetoothd reports an advertisement" \
	"via PropertiesChanged rssi=" "$RUN_OUT"
assert_contains "... though the object was there before it started" "(already known)" "$RUN_OUT"

# Its discovery over, A (never connected) goes after TemporaryTimeout; B stays.
check "A, never connected, is removed after TemporaryTimeout (2 s here)" \
	wait_until 10 not prints_line "$APATH" bluez_paths
assert_eq "... the sim logs it" "1" "$(log_count ".event == \"expired\" and .dev == \"$A\"")"
check "B, connected, stays" prints_line "/org/bluez/hci0/dev_${B//:/_}" bluez_paths
check "massaged is still up" is_running massaged
# A later discovery finds A anew, as a new object.
run $SCAN /org/bluez/hci0 $A 5
assert_exit "a later scan finds A again" 0
assert_contains "... as a new device (InterfacesAdded)" "via InterfacesAdded" "$RUN_OUT"

finish
