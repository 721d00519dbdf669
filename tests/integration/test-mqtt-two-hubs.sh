#!/usr/bin/env bash
# Many hubs, one broker (a clinic with a room per hub): two buses, each with
# its own massage-sim, massaged and massaged-mqtt (own base topic and client
# id), one mosquitto. Both rooms have a device at the same address, which is
# the hardest case: still no crosstalk in state, commands, stop-all or Home
# Assistant's ids.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"
. "$SOURCE_DIR/tests/integration/mqtt-lib.sh"

A=AA:BB:CC:00:00:24
ID=aabbcc000024
DEV=$(devpath $A)

# --- room 1: the harness's bus
start_bus
BUS1=$DBUS_SYSTEM_BUS_ADDRESS
start_sim sim1 --device "reference,name=Room one,address=$A" || exit 1
LOG1=$SIM_LOG
write_programme "$MSD_DATA/programmes/gentle.programme" "Gentle test"
start_massaged || exit 1
check "room 1: discover" mgr StartDiscovery
check "room 1: device appears" wait_until 10 has_object "$DEV"

# --- room 2: a second private bus and its own daemon directories
mkdir -p "$TEST_TMP/room2/data/programmes" "$TEST_TMP/room2/data/devices" "$TEST_TMP/room2/state"
chmod 755 "$TEST_TMP/room2"
cp "$MSD_DATA"/devices/*.device "$TEST_TMP/room2/data/devices/" 2>/dev/null || true
write_programme "$TEST_TMP/room2/data/programmes/gentle.programme" "Gentle test"
: >"$TEST_TMP/room2/massaged.conf"
start_private_bus bus2 "$TEST_TMP/room2" "$SOURCE_DIR" || exit 1
BUS2=$PRIVATE_BUS_ADDRESS
export DBUS_SYSTEM_BUS_ADDRESS=$BUS2 DBUS_SESSION_BUS_ADDRESS=$BUS2
start_sim sim2 --device "reference,name=Room two,address=$A" || exit 1
LOG2=$SIM_LOG
# Room 2's daemon on room 2's directories (on BUS2, exported above).
MSD_CONF=$TEST_TMP/room2/massaged.conf MSD_DATA=$TEST_TMP/room2/data MSD_STATE=$TEST_TMP/room2/state \
	check "room 2: massaged up" start_massaged --name massaged2
check "room 2: discover" mgr StartDiscovery
check "room 2: device appears" wait_until 10 has_object "$DEV"

# --- one broker, two bridges
MQTT_PORT=$(free_port)
broker_conf broker "$MQTT_PORT"
start_broker broker || exit 1
for room in 1 2; do
	cat >"$TEST_TMP/room$room.mqtt.conf" <<-CONF
	[Broker]
	Host=127.0.0.1
	Port=$MQTT_PORT
	ClientId=clinic-room$room
	[Topics]
	Base=clinic/room$room
	CONF
done
export DBUS_SYSTEM_BUS_ADDRESS=$BUS1 DBUS_SESSION_BUS_ADDRESS=$BUS1
start_bridge bridge1 "$TEST_TMP/room1.mqtt.conf" || exit 1
export DBUS_SYSTEM_BUS_ADDRESS=$BUS2 DBUS_SESSION_BUS_ADDRESS=$BUS2
start_bridge bridge2 "$TEST_TMP/room2.mqtt.conf" || exit 1
export DBUS_SYSTEM_BUS_ADDRESS=$BUS1 DBUS_SESSION_BUS_ADDRESS=$BUS1
mqtt_watch hub "clinic/#" "homeassistant/#" || exit 1

assert_jq "room 1's state names room 1's device" '.name == "Room one"' "$(mqtt_get clinic/room1/device/$ID/state)"
assert_jq "room 2's state names room 2's device" '.name == "Room two"' "$(mqtt_get clinic/room2/device/$ID/state)"
u1=$(mqtt_get "homeassistant/button/clinic_room1/${ID}_stop/config" | jq -r '.unique_id + " " + .device.identifiers[0]')
u2=$(mqtt_get "homeassistant/button/clinic_room2/${ID}_stop/config" | jq -r '.unique_id + " " + .device.identifiers[0]')
check "Home Assistant configs for both rooms" test -n "$u1" -a -n "$u2"
check "unique_id and device identifiers differ between the rooms ($u1 / $u2)" test "$u1" != "$u2"

# --- a start in room 1 reaches room 1's device only
n2=$(jq -c 'select(.cmd != null)' "$LOG2" | wc -l)
mqtt_pub clinic/room1/device/$ID/set '{"command":"start","programme":"gentle"}'
SIM_LOG=$LOG1
check "room 1's device plays" wait_simlog 10 "select(.dev==\"$A\" and .cmd==\"intensity\")"
check "room 1's state: playing" wait_watched 10 hub '.name == "Room one" and .session.state == "playing"' "clinic/room1/device/$ID/state"
assert_eq "room 2's device got nothing" "$n2" "$(jq -c 'select(.cmd != null)' "$LOG2" | wc -l)"
assert_eq "room 2's state has no session" null "$(mqtt_get clinic/room2/device/$ID/state | jq -c .session)"

# --- stop-all in room 2 leaves room 1 playing
mqtt_pub clinic/room2/set '{"command":"stop-all"}'
check "room 2's stop-all answered on room 2's result topic" wait_watched 10 hub '.command == "stop-all" and .ok == true' "clinic/room2/result"
check "room 1 still playing" test "$(sim_state $A running)" = true
assert_eq "room 1's events say nothing finished" "" "$(watched hub '.event == "finished"' "clinic/room1/device/$ID/event")"
mqtt_pub clinic/room1/device/$ID/set '{"command":"stop"}'
check "room 1's own stop stops it" wait_simlog 10 "select(.dev==\"$A\" and .cmd==\"stop\")"
finish
