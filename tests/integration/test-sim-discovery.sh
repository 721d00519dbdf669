#!/usr/bin/env bash
# massage-sim: discovery as bluetoothd does it — devices appear only while a
# client's discovery session runs, the session ends with its client, filters,
# the name arriving later, RemoveDevice, several adapters.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/lib-sim.sh"

start_bus
start_sim sim --device reference,name=Ref-1 --device theragun,name="Theragun PRO",address=11:22:33:44:55:66 \
	--discovery-delay 100 --name-delay 400

assert_eq "adapter is there, powered" "b true" "$(bluez_prop /org/bluez/hci0 Adapter1 Powered)"
assert_eq "adapter address is btvirt's hci0" 's "00:AA:01:00:00:00"' "$(bluez_prop /org/bluez/hci0 Adapter1 Address)"
assert_eq "no device objects before discovery" "" "$(bluez_paths | grep dev_ || true)"
assert_eq "not discovering" "b false" "$(bluez_prop /org/bluez/hci0 Adapter1 Discovering)"

out=$(client discover $DEV1 3000 -- wait-prop $DEV1 Name "'Ref-1'" 3000)
assert_contains "discovery finds the reference device" "found $DEV1_PATH rssi=-52" "$out"
assert_contains "its advertised UUIDs" "'$REF_SVC', '0000180f-0000-1000-8000-00805f9b34fb'" "$out"
assert_contains "the name arrives later (scan response)" "ok Name='Ref-1'" "$out"
assert_eq "Discovering is off once the client left the bus" "b false" \
	"$(bluez_prop /org/bluez/hci0 Adapter1 Discovering)"
assert_eq "the discovered devices stay" "2" "$(bluez_paths | grep -c 'dev_[^/]*$')"
assert_eq "Device1.Adapter" 'o "/org/bluez/hci0"' "$(bluez_prop $DEV1_PATH Device1 Adapter)"
assert_eq "Device1.AddressType" 's "public"' "$(bluez_prop $DEV1_PATH Device1 AddressType)"
assert_eq "Device1.Connected" "b false" "$(bluez_prop $DEV1_PATH Device1 Connected)"

# A one-shot StartDiscovery: the session ends when busctl exits.
stops=$(log_count '.event == "discovery-stop"')
bluez_call /org/bluez/hci0 Adapter1 StartDiscovery >/dev/null
check "a one-shot client's discovery ends when it leaves the bus" \
	wait_until 5 log_count_above '.event == "discovery-stop"' "$stops"
assert_eq "Discovering is false again" "b false" "$(bluez_prop /org/bluez/hci0 Adapter1 Discovering)"

assert_contains "StopDiscovery without a session fails" "No discovery started" \
	"$(bluez_call /org/bluez/hci0 Adapter1 StopDiscovery)"
out=$(client start-discovery -- !start-discovery -- stop-discovery)
assert_contains "a second StartDiscovery from one client is InProgress" "error org.bluez.Error.InProgress" "$out"

assert_contains "RemoveDevice of an unknown path fails" "Does Not Exist" \
	"$(bluez_call /org/bluez/hci0 Adapter1 RemoveDevice o /org/bluez/hci0/dev_00_00_00_00_00_01)"
bluez_call /org/bluez/hci0 Adapter1 RemoveDevice o $DEV1_PATH >/dev/null
assert_eq "RemoveDevice removes the object" "" "$(bluez_paths | grep dev_AA || true)"

# A UUID filter: only the matching device is reported.
bluez_call /org/bluez/hci0 Adapter1 RemoveDevice o /org/bluez/hci0/dev_11_22_33_44_55_66 >/dev/null
out=$(client filter $REF_SVC -- discover $DEV1 3000 -- sleep 1300)
assert_contains "filtered discovery finds the reference device" "found $DEV1_PATH" "$out"
assert_eq "... and not the Theragun" "" "$(bluez_paths | grep dev_11 || true)"
assert_contains "SetDiscoveryFilter with a bad key is InvalidArguments" "Invalid arguments" \
	"$(bluez_call /org/bluez/hci0 Adapter1 SetDiscoveryFilter 'a{sv}' 1 Colour s red)"
assert_contains "GetDiscoveryFilters lists UUIDs" '"UUIDs"' \
	"$(bluez_call /org/bluez/hci0 Adapter1 GetDiscoveryFilters)"

# Powered off: discovery is refused with NotReady.
busctl --system set-property org.bluez /org/bluez/hci0 org.bluez.Adapter1 Powered b false
assert_contains "StartDiscovery on a powered-off adapter is NotReady" "Resource Not Ready" \
	"$(bluez_call /org/bluez/hci0 Adapter1 StartDiscovery)"
assert_eq "PowerState follows" 's "off"' "$(bluez_prop /org/bluez/hci0 Adapter1 PowerState)"

# Two adapters: devices are placed on the one named.
stop_sim sim
start_sim sim2 --adapter hci0 --adapter hci1 --device lovense,adapter=hci1,address=C0:FF:EE:00:00:01 \
	--discovery-delay 50
out=$(client --adapter hci1 discover C0:FF:EE:00:00:01 3000)
assert_contains "a device on hci1 is found there" "found /org/bluez/hci1/dev_C0_FF_EE_00_00_01" "$out"
assert_eq "hci1 has btvirt's address" 's "00:AA:01:01:00:01"' "$(bluez_prop /org/bluez/hci1 Adapter1 Address)"
assert_eq "a discovery event is in the log" "1" "$(log_count '.event == "discovery-start"')"

stop_sim sim2
finish
