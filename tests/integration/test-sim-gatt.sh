#!/usr/bin/env bash
# massage-sim: connect, ServicesResolved, the GATT objects and their paths,
# ReadValue, WriteValue (command and request), notify sessions, AcquireWrite
# and AcquireNotify through their sockets, and bluetoothd's errors.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/lib-sim.sh"

start_bus
start_sim sim --device reference --device theragun,address=$TG --device lovense,address=$LV \
	--discovery-delay 50 --connect-delay 50 --resolve-delay 100

START=$(enc reference start 50 1)
STATUS_REQ=$(enc reference status 0 2)
STOP=$(enc reference stop 0 3)
TG_STATUS=$(enc theragun status)
TG_SPEED=$(enc theragun speed 2400)
LV_VIB=$(enc lovense intensity 50)

out=$(client discover $DEV1 -- connect $DEV1 -- wait-resolved $DEV1 -- read $DEV1 $REF_CAPS -- read $DEV1 2a19)
assert_contains "Connect succeeds" "ok connect" "$out"
assert_contains "ServicesResolved with the characteristics exported" "ok resolved" "$out"
caps=$(grep '^value' <<<"$out" | head -n1)
assert_eq "Capabilities read: 13 bytes, version 1.0" "value 01 00" "$(cut -c1-11 <<<"$caps")"
assert_eq "... 13 bytes long" "13" "$(($(wc -w <<<"$caps") - 1))"
assert_contains "Battery Level read (0x55 = 85 %)" "value 55" "$out"
assert_eq "Device1.Connected" "b true" "$(bluez_prop $DEV1_PATH Device1 Connected)"
assert_eq "Device1.ServicesResolved" "b true" "$(bluez_prop $DEV1_PATH Device1 ServicesResolved)"
assert_eq "Battery1 from the battery plugin" "y 85" "$(bluez_prop $DEV1_PATH Battery1 Percentage)"

paths=$(bluez_paths | grep "^$DEV1_PATH/")
expected="$DEV1_PATH/service000a
$DEV1_PATH/service000a/char000b
$DEV1_PATH/service000a/char000d
$DEV1_PATH/service000a/char000d/desc000f
$DEV1_PATH/service000a/char0010
$DEV1_PATH/service002a
$DEV1_PATH/service002a/char002b
$DEV1_PATH/service002a/char002b/desc002d"
assert_eq "GATT object paths as bluetoothd names them" "$expected" "$paths"
CTL=$DEV1_PATH/service000a/char000b
STA=$DEV1_PATH/service000a/char000d
assert_eq "Control: UUID" "s \"$REF_CONTROL\"" "$(bluez_prop $CTL GattCharacteristic1 UUID)"
assert_eq "Control: write without response only" 'as 1 "write-without-response"' \
	"$(bluez_prop $CTL GattCharacteristic1 Flags)"
assert_eq "Control: Service" "o \"$DEV1_PATH/service000a\"" "$(bluez_prop $CTL GattCharacteristic1 Service)"
assert_eq "Control: Handle is the value handle" "q 12" "$(bluez_prop $CTL GattCharacteristic1 Handle)"
assert_eq "Status: notify" 'as 1 "notify"' "$(bluez_prop $STA GattCharacteristic1 Flags)"
assert_eq "Status has the CCC descriptor" 's "00002902-0000-1000-8000-00805f9b34fb"' \
	"$(bluez_prop $STA/desc000f GattDescriptor1 UUID)"
assert_eq "GattService1.Primary" "b true" "$(bluez_prop $DEV1_PATH/service000a GattService1 Primary)"
assert_eq "GattService1.UUID" "s \"$REF_SVC\"" "$(bluez_prop $DEV1_PATH/service000a GattService1 UUID)"
assert_eq "GattService1.Device" "o \"$DEV1_PATH\"" "$(bluez_prop $DEV1_PATH/service000a GattService1 Device)"
assert_eq "Value is cached after a read" "ay 1 85" \
	"$(bluez_prop $DEV1_PATH/service002a/char002b GattCharacteristic1 Value)"

# Writes without response, notifications, and the errors around them.
out=$(client notify $DEV1 $REF_STATUS -- !notify $DEV1 $REF_STATUS -- \
	write $DEV1 $REF_CONTROL "$START" command -- expect-notify $DEV1 $REF_STATUS 1 2000 -- \
	write $DEV1 $REF_CONTROL "$STATUS_REQ" -- expect-notify $DEV1 $REF_STATUS 2 2000 -- \
	!write $DEV1 $REF_CONTROL "$STOP" request -- !write $DEV1 $REF_CONTROL "$STOP" reliable -- \
	!write $DEV1 $REF_CONTROL "$STOP" bogus -- !notify $DEV1 $REF_CONTROL -- \
	!read $DEV1 $REF_CONTROL -- stop-notify $DEV1 $REF_STATUS -- !stop-notify $DEV1 $REF_STATUS)
assert_contains "StartNotify" "ok notify" "$out"
assert_contains "a second StartNotify from the same client is InProgress" "error org.bluez.Error.InProgress" "$out"
assert_contains "the START frame is acknowledged (ACK seq 1, status 0)" "notified 01 84 01 02 01 00" "$out"
assert_contains "a STATE notification answers the status request" "notified 01 81" "$out"
assert_eq "a write request to a write-without-response characteristic is NotSupported" \
	"error org.bluez.Error.NotSupported" "$(grep -m1 '^error org.bluez.Error.NotSupported' <<<"$out")"
assert_contains "type=bogus is InvalidArguments" "error org.bluez.Error.InvalidArguments" "$out"
assert_contains "reading a write-only characteristic is NotPermitted" "error org.bluez.Error.NotPermitted" "$out"
assert_contains "StopNotify without a session is Failed" "error org.bluez.Error.Failed" "$out"
assert_eq "the device runs" "true" "$(sim_state $DEV1 running)"
assert_eq "at 50 %" "50" "$(sim_state $DEV1 intensity)"
assert_eq "Notifying ended with the client" "b false" "$(bluez_prop $STA GattCharacteristic1 Notifying)"

# AcquireWrite: one packet per write, the lock, and its release.
out=$(client acquire-write $DEV1 $REF_CONTROL "$(enc reference intensity 30 10)" "$(enc reference keepalive 0 11)" -- \
	!write $DEV1 $REF_CONTROL "$STOP" command -- !acquire-write $DEV1 $REF_CONTROL -- release -- \
	write $DEV1 $REF_CONTROL "$(enc reference intensity 20 12)" command)
assert_contains "AcquireWrite hands out a SOCK_SEQPACKET fd with the MTU" "acquired mtu=247 seqpacket=yes" "$out"
assert_contains "WriteValue while the write is acquired is NotPermitted" "error org.bluez.Error.NotPermitted" "$out"
assert_contains "WriteValue works again once the fd is closed" "ok write" "$out"
assert_eq "the writes through the fd reached the device" "1" "$(log_count '.cmd == "intensity" and .value == 30 and .seq == 10')"
assert_eq "... in order, keepalive after it" "1" "$(log_count '.cmd == "keepalive" and .seq == 11')"
assert_eq "WriteAcquired is false after release" "b false" "$(bluez_prop $CTL GattCharacteristic1 WriteAcquired)"
assert_eq "intensity from the last write" "20" "$(sim_state $DEV1 intensity)"

# AcquireNotify: FORCE readings arrive every second while running.
out=$(client acquire-notify $DEV1 $REF_STATUS 1 4000 -- !notify $DEV1 $REF_STATUS)
assert_contains "AcquireNotify hands out a socket" "acquired mtu=247 seqpacket=yes" "$out"
assert_contains "a notification arrives as a packet (FORCE)" "packet 01 82" "$out"
assert_contains "AcquireWrite on a notify-only characteristic is NotSupported" "NotSupported" \
	"$(client !acquire-write $DEV1 $REF_STATUS)"

# The CCC descriptor: readable, not writable by clients.
assert_contains "CCC descriptor reads" "ay 2" \
	"$(bluez_call $STA/desc000f GattDescriptor1 ReadValue 'a{sv}' 0)"
assert_contains "writing the CCC descriptor is NotPermitted" "Write not permitted" \
	"$(bluez_call $STA/desc000f GattDescriptor1 WriteValue 'aya{sv}' 2 1 0 0)"

# Write with response (Theragun) and its reply notification.
out=$(client discover $TG -- connect $TG -- wait-resolved $TG -- notify $TG $TG_NOTIFY -- \
	write $TG $TG_WRITE "$TG_SPEED" request -- write $TG $TG_WRITE "$TG_STATUS" -- \
	expect-notify $TG $TG_NOTIFY 1 2000 -- !acquire-write $TG $TG_WRITE -- !write $TG $TG_WRITE "$TG_STATUS" command)
assert_contains "write request succeeds" "ok write" "$out"
assert_contains "the status reply starts 0xBB 0x10" "notified bb" "$out"
assert_eq "AcquireWrite without write-without-response is NotSupported" "2" "$(grep -c NotSupported <<<"$out")"
assert_eq "the Theragun runs at 2400 rpm" "2400" "$(sim_state $TG speed)"

# Lovense: ASCII over the Nordic UART service.
out=$(client discover $LV -- connect $LV -- wait-resolved $LV -- notify $LV $LV_NOTIFY -- \
	write $LV $LV_WRITE "$(enc lovense battery)" -- expect-notify $LV $LV_NOTIFY 1 2000 -- \
	write $LV $LV_WRITE "$LV_VIB")
assert_contains "Battery; is answered 85;" "notified 38 35 3b" "$out"
assert_eq "the Lovense vibrates" "true" "$(sim_state $LV running)"

# Disconnect: the GATT objects go, errors for a second disconnect.
bluez_call $DEV1_PATH Device1 Disconnect >/dev/null
assert_eq "Disconnect: Connected false" "b false" "$(bluez_prop $DEV1_PATH Device1 Connected)"
assert_eq "Disconnect: ServicesResolved false" "b false" "$(bluez_prop $DEV1_PATH Device1 ServicesResolved)"
assert_eq "Disconnect: GATT objects removed" "" "$(bluez_paths | grep "^$DEV1_PATH/" || true)"
assert_eq "Disconnect: Battery1 removed" "" "$(busctl --system introspect org.bluez $DEV1_PATH | grep Battery1 || true)"
assert_contains "a second Disconnect is NotConnected" "Not Connected" \
	"$(bluez_call $DEV1_PATH Device1 Disconnect)"
assert_eq "a disconnected device stops" "false" "$(sim_state $DEV1 running)"
out=$(bluez_call $DEV1_PATH Device1 Connect; bluez_call $DEV1_PATH Device1 Connect)
assert_eq "Connect, and Connect again while connected, succeed" "" "$out"
assert_contains "Pair is NotSupported" "Operation is not supported" "$(bluez_call $DEV1_PATH Device1 Pair)"
assert_eq "connect, disconnect, connect events in the log" "connect disconnect connect" \
	"$(jq -r 'select(.dev == "AA:BB:CC:DD:EE:FF" and (.event == "connect" or .event == "disconnect")) | .event' "$SIM_LOG" | xargs)"

stop_sim sim
finish
