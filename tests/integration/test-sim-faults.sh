#!/usr/bin/env bash
# massage-sim: each injected fault, at start (device options) and at run time
# (org.massaged.Sim1), as a client of org.bluez sees it.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/lib-sim.sh"

start_bus
RC=22:22:33:44:55:66
RC_PATH=/org/bluez/hci0/dev_22_22_33_44_55_66
DA=33:22:33:44:55:66
DA_PATH=/org/bluez/hci0/dev_33_22_33_44_55_66
start_sim sim --device reference --device theragun,address=$TG --device reference,address=$RC,refuse-connect \
	--device reference,address=$DA,drop-after=400 \
	--discovery-delay 50 --connect-delay 50 --resolve-delay 50

connected() { [ "$(bluez_prop "$1" Device1 Connected)" = "b $2" ]; }
client discover $DEV1 -- discover $TG -- discover $RC -- discover $DA >/dev/null

# Refused connections, at start and at run time.
assert_contains "refuse-connect: Connect fails as an LE connection abort" "le-connection-abort-by-local" \
	"$(bluez_call $RC_PATH Device1 Connect)"
assert_eq "refuse-connect: still disconnected" "b false" "$(bluez_prop $RC_PATH Device1 Connected)"
sim_call SetRefuseConnect sb $RC false
assert_eq "SetRefuseConnect false: Connect works" "" "$(bluez_call $RC_PATH Device1 Connect)"
sim_call SetRefuseConnect sb $DEV1 true
assert_contains "SetRefuseConnect true: Connect fails" "le-connection-abort-by-local" \
	"$(bluez_call $DEV1_PATH Device1 Connect)"
sim_call SetRefuseConnect sb $DEV1 false
assert_contains "an unknown address is NotFound" "no simulated device" "$(sim_call SetRefuseConnect sb 01:02:03:04:05:06 true 2>&1)"

# Dropped connections: now, after N ms, and drop-after at start.
bluez_call $DEV1_PATH Device1 Connect >/dev/null
sim_call DropConnection su $DEV1 0
assert_eq "DropConnection now: disconnected" "b false" "$(bluez_prop $DEV1_PATH Device1 Connected)"
assert_eq "... GATT objects gone" "" "$(bluez_paths | grep "^$DEV1_PATH/" || true)"
bluez_call $DEV1_PATH Device1 Connect >/dev/null
sim_call DropConnection su $DEV1 500
check "DropConnection after 500 ms: then dropped" wait_until 5 connected $DEV1_PATH false
# From the log, not from a look right after the call (a loaded machine could
# take 500 ms to look): the link went no sooner than asked.
asked=$(jq -r "select(.dev == \"$DEV1\" and .fault == \"drop-connection\") | .t_ns" "$SIM_LOG" | tail -n1)
went=$(jq -r "select(.dev == \"$DEV1\" and .event == \"disconnect\") | .t_ns" "$SIM_LOG" | tail -n1)
check "DropConnection after 500 ms: not before ($(((went - asked) / 1000000)) ms)" test $(((went - asked) / 1000000)) -ge 450
bluez_call $DA_PATH Device1 Connect >/dev/null
check "drop-after=400: the link drops by itself" wait_until 5 connected $DA_PATH false
assert_eq "link-loss disconnects are logged (now, after 500 ms, drop-after)" "3" "$(log_count '.event == "disconnect" and .reason == "link-loss"')"

# Failing writes: a request fails with an ATT error, a command is lost.
bluez_call $TG_PATH Device1 Connect >/dev/null
client wait-resolved $TG >/dev/null
TGW=$TG_PATH/service000a/char000b
sim_call SetFailWrites sb $TG true
speed=$(enc theragun speed 2400)
nbytes=$(wc -w <<<"$speed")
bytes=$(for b in $speed; do printf '%d ' "0x$b"; done)
assert_contains "fail-writes: WriteValue request fails (ATT 0x0e)" "Operation failed with ATT error: 0x0e" \
	"$(bluez_call $TGW GattCharacteristic1 WriteValue 'aya{sv}' $nbytes $bytes 1 type s request)"
assert_eq "fail-writes: the device did not get it" "false" "$(sim_state $TG running)"
sim_call SetFailWrites sb $TG false
assert_eq "writes work again" "" "$(bluez_call $TGW GattCharacteristic1 WriteValue 'aya{sv}' $nbytes $bytes 1 type s request)"
assert_eq "... and reach the device" "2400" "$(sim_state $TG speed)"

# Delayed writes: one write with response at a time (InProgress otherwise).
# One client sends both, so the second reaches the sim after the first: no
# sleep between them, whatever the machine's load.
sim_call SetWriteDelay su $TG 3000
assert_eq "GetState shows the delay" "3000" "$(sim_state $TG write-delay-ms)"
out=$(client write-async $TG $TG_WRITE "$(enc theragun stop)" request -- \
	!write $TG $TG_WRITE "$speed" request -- wait-async 10000)
assert_contains "a second write request while one is outstanding is InProgress" \
	"error org.bluez.Error.InProgress" "$out"
assert_contains "the delayed write then succeeds" "async ok" "$out"
assert_eq "... and reaches the device" "false" "$(sim_state $TG running)"
stop_t=$(jq -r "select(.dev == \"$TG\" and .cmd == \"stop\") | .t_ns" "$SIM_LOG" | tail -n1)
delay_t=$(jq -r "select(.dev == \"$TG\" and .fault == \"write-delay\" and .value == \"3000\") | .t_ns" "$SIM_LOG")
check "... no sooner than the delay after it was set" test $(((stop_t - delay_t) / 1000000)) -ge 3000
sim_call SetWriteDelay su $TG 0

# Writes keep their order even when the delay changes while some are held.
bluez_call $DEV1_PATH Device1 Connect >/dev/null
client wait-resolved $DEV1 >/dev/null
CTL=$DEV1_PATH/service000a/char000b
wcmd() { # HEX: a write without response through busctl
	local b
	b=$(for x in $1; do printf '%d ' "0x$x"; done)
	bluez_call $CTL GattCharacteristic1 WriteValue 'aya{sv}' "$(wc -w <<<"$1")" $b 1 type s command
}
A=$(enc reference intensity 11 101)
B=$(enc reference intensity 12 102)
sim_call SetWriteDelay su $DEV1 600
wcmd "$A" >/dev/null
sim_call SetWriteDelay su $DEV1 0
wcmd "$B" >/dev/null
check "both writes arrive" wait_until 5 log_count_above '.cmd == "intensity" and (.seq == 101 or .seq == 102)' 1
assert_eq "in the order they were written" "101 102" \
	"$(jq -r 'select(.cmd == "intensity" and (.seq == 101 or .seq == 102)) | .seq' "$SIM_LOG" | xargs)"
bluez_call $DEV1_PATH Device1 Disconnect >/dev/null

# Garbage notifications.
spawn_client garbage notify $TG $TG_NOTIFY -- expect-notify $TG $TG_NOTIFY 1 10000
check "the client subscribed" wait_until 5 notifying $TG_PATH/service000a/char000d
sim_call SendGarbage say $TG 3 0xde 0xad 0xbe
wait_spawned garbage 15
assert_contains "SendGarbage: the client gets exactly those bytes" "notified de ad be" "$(cat "$TEST_TMP/garbage.log")"
assert_eq "SendGarbage is logged" "1" "$(log_count '.event == "garbage" and .hex == "de ad be"')"

# Keepalive: the reference device stops by itself when the host falls silent.
bluez_call $DEV1_PATH Device1 Connect >/dev/null
out=$(client wait-resolved $DEV1 -- write $DEV1 $REF_CONTROL "$(enc reference start 40 1)" command -- \
	notify $DEV1 $REF_STATUS -- sleep 1000)
assert_eq "the reference device runs" "true" "$(sim_state $DEV1 running)"
check "after 3 s without a frame it stops by itself" wait_until 6 prints false sim_state $DEV1 running
assert_eq "the keepalive timeout is logged" "1" "$(log_count '.event == "keepalive-timeout" and .timeout_ms == "3000"')"
assert_eq "the device stays connected" "b true" "$(bluez_prop $DEV1_PATH Device1 Connected)"

# Low battery, then flat: the reference device stops, then powers off.
out=$(client write $DEV1 $REF_CONTROL "$(enc reference start 40 2)" command -- notify $DEV1 $REF_STATUS -- sleep 300)
sim_call SetBattery su $DEV1 4
assert_eq "Battery1.Percentage follows the level" "y 4" "$(bluez_prop $DEV1_PATH Battery1 Percentage)"
assert_eq "low battery stops the motor" "false" "$(sim_state $DEV1 running)"
assert_eq "low-battery stop is logged" "1" "$(log_count '.event == "low-battery-stop"')"
out=$(client notify $DEV1 $REF_STATUS -- write $DEV1 $REF_CONTROL "$(enc reference start 40 3)" command -- \
	expect-notify $DEV1 $REF_STATUS 1 2000)
assert_contains "START at 4 % is refused with LOW_BATTERY (0x12)" "notified 01 84 03 02 03 12" "$out"
sim_call SetBattery su $DEV1 0
assert_eq "a flat battery powers the device off" "false" "$(sim_state $DEV1 powered)"
assert_eq "... and drops the link" "b false" "$(bluez_prop $DEV1_PATH Device1 Connected)"
assert_contains "SetBattery above 100 is refused" "percent" "$(sim_call SetBattery su $DEV1 101 2>&1)"

# Power-off: no connection, no advertising; power-on brings it back.
sim_call SetBattery su $DEV1 80
sim_call SetPowered sb $DEV1 false
assert_contains "Connect to a powered-off device fails" "le-connection-abort-by-local" \
	"$(bluez_call $DEV1_PATH Device1 Connect)"
bluez_call /org/bluez/hci0 Adapter1 RemoveDevice o $DEV1_PATH >/dev/null
client start-discovery -- sleep 1300 >/dev/null
assert_eq "a powered-off device is not discovered" "" "$(bluez_paths | grep "$DEV1_PATH" || true)"
sim_call SetPowered sb $DEV1 true
out=$(client discover $DEV1 3000 -- connect $DEV1)
assert_contains "powered on again it is found and connects" "ok connect" "$out"

# bluetoothd restarting: org.bluez vanishes with everything and returns.
owner1=$(busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetNameOwner s org.bluez)
sim_call RestartBluez u 700
assert_eq "RestartBluez: org.bluez is gone" "no" "$(has_name org.bluez && echo yes || echo no)"
assert_eq "BluezPresent follows" "b false" \
	"$(busctl --system get-property org.massaged.Sim /org/massaged/Sim org.massaged.Sim1 BluezPresent)"
assert_eq "the device lost its link" "false" "$(sim_state $DEV1 connected)"
check "org.bluez returns" wait_until 5 has_name org.bluez
owner2=$(busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetNameOwner s org.bluez)
assert_eq "with a new unique name, as a new process has" "yes" "$([ "$owner1" != "$owner2" ] && echo yes || echo no)"
assert_eq "the adapter is back" "b true" "$(bluez_prop /org/bluez/hci0 Adapter1 Powered)"
assert_eq "the devices are forgotten until discovered again" "" "$(bluez_paths | grep dev_ || true)"
check "BluezPresent true again" wait_until 3 \
	prints "b true" busctl --system get-property org.massaged.Sim /org/massaged/Sim org.massaged.Sim1 BluezPresent
sim_call SetBluezPresent b false
assert_eq "SetBluezPresent false: gone" "no" "$(has_name org.bluez && echo yes || echo no)"
sim_call SetBluezPresent b true
check "SetBluezPresent true: back" wait_until 5 has_name org.bluez
out=$(client discover $DEV1 3000 -- connect $DEV1 -- wait-resolved $DEV1)
assert_contains "after the restart a device connects again" "ok resolved" "$out"
assert_eq "bluetoothd exits are logged" "2" "$(log_count '.event == "bluetoothd-exit"')"

stop_sim sim

# Faults from the start: garbage notifications every 200 ms, a bluetoothd
# restart 2 s after start.
start_sim sim2 --device reference,garbage-every=200 --restart-bluez-at 2000 --bluez-down 300 \
	--discovery-delay 50 --connect-delay 50 --resolve-delay 50
out=$(client discover $DEV1 -- connect $DEV1 -- wait-resolved $DEV1 -- notify $DEV1 $REF_STATUS -- \
	expect-notify $DEV1 $REF_STATUS 2 3000)
assert_eq "garbage-every: unsolicited notifications arrive" "2" "$(grep -c '^notified' <<<"$out")"
assert_eq "... each one logged with its bytes" "yes" "$([ "$(log_count '.event == "garbage"')" -ge 2 ] && echo yes || echo no)"
check "--restart-bluez-at: bluetoothd exits by itself" wait_until 5 log_count_above '.event == "bluetoothd-exit"' 0
check "... and comes back" wait_until 5 log_count_above '.event == "bluetoothd-ready"' 1
check "... owning org.bluez again" wait_until 5 has_name org.bluez
stop_sim sim2
finish
