#!/usr/bin/env bash
# massaged against massage-sim's fake org.bluez: discovery restricted to the
# configured adapter, driver matching, connect (with bluez#1489's race), the
# transport (AcquireWrite/AcquireNotify), manual intensity and stop reaching
# the device, notifications (battery, garbage), a refused connect, a drop and
# the reconnect, Disconnect, and manual intensity above the configured cap
# refused. Real dbus-daemon, real sim, real massaged;
# what the device received is read from the sim's command log.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

A=AA:BB:CC:00:00:01 # reference device on hci0
B=AA:BB:CC:00:00:02 # theragun on hci0 (write with response, no descriptor)
C=AA:BB:CC:00:00:03 # reference device on hci1: not ours
start_bus
start_sim sim --adapter hci0 --adapter hci1 --race-1489 \
	--device "reference,name=Pulse,address=$A" \
	--device "theragun,name=Theragun PRO,address=$B" \
	--device "reference,name=Other,address=$C,adapter=hci1" || exit 1
printf '[Reconnect]\nWindow=10s\nInitialDelay=200ms\nMaxDelay=1s\n\n[Safety]\nMaxIntensity=50%%\n' >"$MSD_CONF"
start_massaged || exit 1

# --- discovery
check "StartDiscovery" mgr StartDiscovery
check "Discovering becomes true" wait_prop 5 /org/massaged Manager1 Discovering true
check "the hci0 reference device appears" wait_until 10 has_object "$(devpath $A)"
check "the hci0 theragun appears" wait_until 10 has_object "$(devpath $B)"
# Another client scans on hci1, so BlueZ shows the device there too.
busctl --system call org.bluez /org/bluez/hci1 org.bluez.Adapter1 StartDiscovery
check "BlueZ shows the hci1 device" wait_until 5 busctl --system introspect org.bluez /org/bluez/hci1/dev_${C//:/_}
# No sleep needed: the sim sent InterfacesAdded for it before it answered the
# introspection, so massaged (which handles its org.bluez signals in order,
# synchronously) has seen it before it answers has_object's call below.
if has_object "$(devpath $C hci1)" || has_object "$(devpath $C)"; then
	fail "a device under another adapter is ignored"
else
	pass "a device under another adapter is ignored"
fi
assert_eq "Driver chosen by the registry" '"reference"' "$(msd_prop "$(devpath $A)" Device1 Driver)"
assert_eq "Kind" '"percussion"' "$(msd_prop "$(devpath $A)" Device1 Kind)"
assert_eq "Name" '"Pulse"' "$(msd_prop "$(devpath $A)" Device1 Name)"
assert_eq "State before connecting" '"discovered"' "$(msd_prop "$(devpath $A)" Device1 State)"
check "StopDiscovery" mgr StopDiscovery
check "Discovering becomes false" wait_prop 5 /org/massaged Manager1 Discovering false

# --- not connected: clear errors
assert_contains "SetIntensity before Connect: NotConnected" "org.massaged.Error.NotConnected" \
	"$(gdbus_error "$(devpath $A)" org.massaged.Device1.SetIntensity 30.0)"

# --- connect, with ServicesResolved before the characteristics (bluez#1489)
check "Connect returns" msd_call "$(devpath $A)" Device1 Connect
assert_eq "State ready" '"ready"' "$(msd_prop "$(devpath $A)" Device1 State)"
assert_eq "Connected" 'true' "$(msd_prop "$(devpath $A)" Device1 Connected)"
# The reference protocol's connection sequence: a stop, then a STATUS_REQUEST
# (docs/protocol.md section 1).
check "a status request after connecting" wait_simlog 3 "select(.dev==\"$A\" and .cmd==\"status\")"
assert_eq "the stop on connect comes before the status request" "stop,status" \
	"$(simlog "select(.dev==\"$A\" and (.cmd==\"stop\" or .cmd==\"status\")) | .cmd" | tr -d '"' | head -n2 | paste -sd,)"
check "battery read after connecting" wait_until 3 msd_prop_jq "$(devpath $A)" Device1 Battery '. >= 0'

# --- manual intensity and stop reach the device
check "SetIntensity 30" msd_call "$(devpath $A)" Device1 SetIntensity d 30
check "the device got intensity 30" wait_until 3 prints_line 'intensity 30' cmds $A
assert_eq "State running" '"running"' "$(msd_prop "$(devpath $A)" Device1 State)"
assert_eq "Intensity 30" '30' "$(msd_prop "$(devpath $A)" Device1 Intensity)"
assert_eq "the sim's device runs" "true" "$(sim_state $A running)"
# The device's STATE notification after the change reaches Device1 Speed.
check "the device's reported speed reaches Device1 Speed" wait_until 3 \
	msd_prop_jq "$(devpath $A)" Device1 Speed '. > 0'
check "SetIntensity 45" msd_call "$(devpath $A)" Device1 SetIntensity d 45
# A rise of 15 points by hand is ramped at the rise rate (10 %/s): the
# motion gate, docs/safety.md. Intensity follows the ramp up to 45.
check "Intensity ramps up to 45" wait_prop 10 "$(devpath $A)" Device1 Intensity 45
assert_contains "SetIntensity 150: InvalidArgs" "org.massaged.Error.InvalidArgs" \
	"$(gdbus_error "$(devpath $A)" org.massaged.Device1.SetIntensity 150.0)"
# 80 is inside 0..100: only the configured cap ([Safety] MaxIntensity=50%)
# can refuse it. A frame it let through would reach the device before the
# call returned, so before the Stop below ("commands in order" and the check
# after it).
err=$(gdbus_error "$(devpath $A)" org.massaged.Device1.SetIntensity 80.0)
# names_cap ERROR: InvalidArgs, naming the 50 % cap.
names_cap() { [[ $1 == *org.massaged.Error.InvalidArgs* && $1 =~ cap[^0-9]*50\ ?% ]]; }
check "SetIntensity 80 above [Safety] MaxIntensity=50%: InvalidArgs naming the cap ($err)" names_cap "$err"
check "Stop" msd_call "$(devpath $A)" Device1 Stop
check "the device got stop" wait_until 3 prints 'stop ' last_cmd_of $A
order=$(cmds $A | sed 's/ $//' | paste -sd,)
# ramped_to_45 ORDER: stop, 30, steps between, 45, stop.
ramped_to_45() { [[ $1 =~ ^stop,intensity\ 30,(intensity\ 3[1-9],|intensity\ 4[0-4],)+intensity\ 45,stop$ ]]; }
check "commands in order (a stop on connect first; 30, a ramp to 45, stop): $order" ramped_to_45 "$order"
assert_eq "no motion frame above the cap reached the device" "" \
	"$(simlog "select(.dev==\"$A\" and (.cmd==\"intensity\" or .cmd==\"start\" or .cmd==\"speed\") and .value > 50)")"
assert_eq "the sim's device stopped" "false" "$(sim_state $A running)"
assert_eq "State ready after Stop" '"ready"' "$(msd_prop "$(devpath $A)" Device1 State)"

# --- write with response (WriteValue) on the theragun
check "Connect the theragun" msd_call "$(devpath $B)" Device1 Connect
check "SetIntensity on the theragun" msd_call "$(devpath $B)" Device1 SetIntensity d 50
check "Stop the theragun" msd_call "$(devpath $B)" Device1 Stop
check "the theragun got a speed and a stop" wait_until 3 prints stop last_cmd_kind $B

# --- notifications: battery, and garbage that must not hurt
check "SetBattery 42" sim_call SetBattery su "$A" 42
check "Battery follows the device" wait_prop 5 "$(devpath $A)" Device1 Battery 42
check "garbage notification" sim_call SendGarbage say "$A" 3 0xde 0xad 0xbe
check "garbage is logged" wait_until 5 grep -q "does not decode (de ad be)" "$TEST_TMP/massaged.log"
assert_eq "still ready after garbage" '"ready"' "$(msd_prop "$(devpath $A)" Device1 State)"

# --- a drop: reconnect with backoff
check "DropConnection" sim_call DropConnection su "$A" 0
check "State reconnecting" wait_prop 3 "$(devpath $A)" Device1 State '"reconnecting"'
check "back to ready by itself" wait_prop 10 "$(devpath $A)" Device1 State '"ready"'
assert_eq "two connects in the sim log" 2 "$(simlog "select(.dev==\"$A\" and .event==\"connect\")" | wc -l)"

# --- Disconnect: no reconnect afterwards
check "Disconnect" msd_call "$(devpath $A)" Device1 Disconnect
check "State discovered" wait_prop 5 "$(devpath $A)" Device1 State '"discovered"'
t_disc=$(simlog "select(.dev==\"$A\" and .event==\"disconnect\") | .t_ns" | tail -n1)
# A window for a reconnect that must not come ([Reconnect] InitialDelay is
# 200 ms): a slow machine can only make this pass without proving much, never fail.
sleep 1.5
assert_eq "no reconnect after Disconnect" '"discovered"' "$(msd_prop "$(devpath $A)" Device1 State)"
assert_eq "... no connect reached the sim after the disconnect" "" \
	"$(simlog "select(.dev==\"$A\" and .event==\"connect\" and .t_ns > $t_disc)")"

# --- a refused connect: the error names the cause; one retry
check "SetRefuseConnect" sim_call SetRefuseConnect sb "$A" true
mark=$(log_mark)
err=$(gdbus_error "$(devpath $A)" org.massaged.Device1.Connect)
assert_contains "refused connect: NotConnected" "org.massaged.Error.NotConnected" "$err"
# Connect answers after its last attempt failed, and the sim logged each
# refusal before refusing: both are in the log by now.
assert_eq "a failed connect is retried once (two attempts)" 2 \
	"$(simlog "select(.dev==\"$A\" and .event==\"connect-failed\" and .t_ns > $mark)" | wc -l)"
assert_contains "... naming the cause in words, with bluetoothd's token" "switched off, out of reach" "$err"
assert_contains "... and the token" "(bluetoothd: le-connection-abort-by-local)" "$err"
check "SetRefuseConnect false" sim_call SetRefuseConnect sb "$A" false
check "Connect works again" msd_call "$(devpath $A)" Device1 Connect

# --- StopAll reaches every running device
check "SetIntensity A" msd_call "$(devpath $A)" Device1 SetIntensity d 20
check "SetIntensity B" msd_call "$(devpath $B)" Device1 SetIntensity d 20
check "StopAll" mgr StopAll
check "A stopped" wait_until 3 prints stop last_cmd_kind $A
check "B stopped" wait_until 3 prints stop last_cmd_kind $B

check "massaged still runs" is_running massaged
assert_not_contains "no sanitizer reports" "Sanitizer" "$(cat "$TEST_TMP/massaged.log")"
finish
