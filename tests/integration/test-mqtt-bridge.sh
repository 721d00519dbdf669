#!/usr/bin/env bash
# massaged-mqtt end to end: a real mosquitto on a free loopback port, massage-sim,
# massaged and the bridge. Availability (with its last will), the retained
# programme list and device state, Home Assistant discovery (each key HA needs
# per entity type), a start over MQTT reaching the simulated device and a stop
# stopping it (sim log), events (started, step changed, finished with its
# outcome), MQTT 5 request/reply with correlation data, the result topic, and
# HA's "online" announcement bringing discovery back.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"
. "$SOURCE_DIR/tests/integration/mqtt-lib.sh"

A=AA:BB:CC:00:00:21
ID=aabbcc000021
DEV=$(devpath $A)
BASE=test/hub1
start_bus
start_sim sim --device "reference,name=Pulse,address=$A" || exit 1
write_programme "$MSD_DATA/programmes/gentle.programme" "Gentle test"
write_long_programme "$MSD_DATA/programmes/long.programme" 60s
start_massaged --time-scale 5 || exit 1
check "discover" mgr StartDiscovery
check "device appears" wait_until 10 has_object "$DEV"

MQTT_PORT=$(free_port)
broker_conf broker "$MQTT_PORT"
start_broker broker || exit 1
cat >"$TEST_TMP/mqtt.conf" <<CONF
[Broker]
ClientId=test-hub1
[Topics]
Base=$BASE
StateInterval=200ms
CONF
start_bridge bridge "$TEST_TMP/mqtt.conf" --broker "127.0.0.1:$MQTT_PORT" || exit 1
mqtt_watch hub "$BASE/#" "homeassistant/#" "reply/#" || exit 1

# --- retained topics
check "bridge availability: online (retained)" wait_until 10 mqtt_is "$BASE/availability" online
progs=$(mqtt_get "$BASE/programmes")
assert_jq "programme list (retained) holds the imported programmes" \
	'[.[].id] | index("gentle") != null and index("long") != null' "$progs"
assert_jq "programme entries: id, name, summary, duration_ms" \
	'.[] | select(.id == "gentle") | .name == "Gentle test" and .duration_ms == 20000' "$progs"
state=$(mqtt_get "$BASE/device/$ID/state")
assert_jq "device state (retained): address, connection, state, battery, session" \
	".address == \"$A\" and (.connected | type) == \"boolean\" and .connection != null and .state != null and has(\"battery\") and .session == null" "$state"
assert_eq "device availability: online" online "$(mqtt_get "$BASE/device/$ID/availability")"

# --- Home Assistant discovery: each key HA requires, per entity type
node=${BASE//\//_}
cfg() { mqtt_get "homeassistant/$1/$node/${ID}_$2/config"; }
common='(.unique_id | type) == "string" and (.name | type) == "string" and
	(.availability | map(.topic)) == ["'$BASE'/availability", "'$BASE'/device/'$ID'/availability"] and
	.availability_mode == "all" and (.device.identifiers | length) > 0 and .device.name == "Pulse" and
	(.device.manufacturer | type) == "string" and (.device.model | type) == "string"'
sel=$(cfg select programme)
assert_jq "select: command_topic, options (the programmes), state" \
	"$common and .command_topic == \"$BASE/device/$ID/set\" and (.options | index(\"gentle\")) != null and .state_topic == \"$BASE/device/$ID/state\" and (.command_template | contains(\"select\"))" "$sel"
for b in start stop pause resume next; do
	assert_jq "button $b: command_topic, payload_press" \
		"$common and .command_topic == \"$BASE/device/$ID/set\" and (.payload_press | fromjson | .command) == \"$b\"" "$(cfg button $b)"
done
assert_jq "number scale: command_topic, min, max, state" \
	"$common and .command_topic == \"$BASE/device/$ID/set\" and .min == 10 and .max == 100 and .state_topic != null" "$(cfg number scale)"
assert_jq "sensor battery: device_class battery, %" \
	"$common and .state_topic == \"$BASE/device/$ID/state\" and .device_class == \"battery\" and .unit_of_measurement == \"%\"" "$(cfg sensor battery)"
assert_jq "sensor state" "$common and .state_topic != null and .value_template != null" "$(cfg sensor state)"
assert_jq "sensor current step" "$common and .state_topic != null and .value_template != null" "$(cfg sensor step)"
assert_jq "sensor remaining: device_class duration, s" \
	"$common and .device_class == \"duration\" and .unit_of_measurement == \"s\"" "$(cfg sensor remaining)"
assert_jq "binary_sensor connected: state_topic, payloads, device_class connectivity" \
	"$common and .state_topic != null and .payload_on == \"ON\" and .payload_off == \"OFF\" and .device_class == \"connectivity\"" "$(cfg binary_sensor connected)"
uids=$(for t in "select programme" "button start" "button stop" "button pause" "button resume" "button next" \
	"number scale" "sensor battery" "sensor state" "sensor step" "sensor remaining" "binary_sensor connected"; do
	# shellcheck disable=SC2086
	cfg $t | jq -r .unique_id
done | sort -u | wc -l)
assert_eq "12 entities, each with its own unique_id" 12 "$uids"

# --- start over MQTT (MQTT 5 request/reply): frames at the device
mark=$(log_mark)
rep=$(mqtt_request hub "$BASE/device/$ID/set" '{"command":"start","programme":"long","scale":80}')
assert_jq "start: a reply on the response topic with the correlation data: ok, with the session path" \
	'.ok == true and .command == "start" and (.result | startswith("/org/massaged/session/"))' "$rep"
check "start: the device got intensity frames" wait_simlog 10 "select(.dev==\"$A\" and .cmd==\"intensity\" and .t_ns > $mark)"
check "event: started" wait_watched 10 hub '.event == "started" and .programme == "long"' "/event"
check "state: session playing, step 1 of 2, muscle, zone" wait_watched 10 hub \
	'.session.state == "playing" and .session.step == 1 and .session.step_count == 2 and .session.muscle == "hamstrings" and .session.zone == "proximal" and .session.duration_ms == 120000' "/state"

# --- next → step changed event
mqtt_pub "$BASE/device/$ID/set" '{"command":"next","id":"n1"}'
check "next: ok on the result topic (no response topic given), id echoed" \
	wait_watched 10 hub '.command == "next" and .ok == true and .id == "n1"' "/device/$ID/result"
check "event: step changed to 2" wait_watched 10 hub '.event == "step-changed" and .step == "2"' "/event"

# --- stop over MQTT: the device stops
mark=$(log_mark)
mqtt_pub "$BASE/device/$ID/set" '{"command":"stop"}'
check "stop: the device got a stop frame" wait_simlog 10 "select(.dev==\"$A\" and .cmd==\"stop\" and .t_ns > $mark)"
check "stop: the sim's motor is off" wait_until 5 prints false sim_state $A running
check "event: finished with outcome stopped" wait_watched 10 hub '.event == "finished" and .outcome == "stopped"' "/event"
check "state: finished is published" wait_watched 10 hub '.session.state == "finished"' "/state"
check "stop: ok reply" wait_watched 10 hub '.command == "stop" and .ok == true' "/device/$ID/result"

# --- a whole programme to its end: the finished event says completed
S=$(start_session "$DEV" gentle)
check "finished: completed" wait_watched 15 hub '.event == "finished" and .outcome == "completed"' "/event"

# --- stop-all on the bridge's own set topic
rep=$(mqtt_request hub "$BASE/set" '{"command":"stop-all"}')
assert_jq "stop-all: ok, with each device's result" '.ok == true and .command == "stop-all" and (.result | type) == "array"' "$rep"

# --- an import through massaged shows up on refresh (massaged signals no import)
write_programme "$TEST_TMP/later.programme" "Imported later"
check "ImportProgramme" mgr ImportProgramme s "$(cat "$TEST_TMP/later.programme")"
rep=$(mqtt_request hub "$BASE/set" '{"command":"refresh"}')
assert_jq "refresh: ok, the ids include the import" '.ok == true and (.result | map(select(startswith("imported-later"))) | length) == 1' "$rep"
check "refresh: the retained programme list has it" wait_until 10 \
	out_jq 'map(.name) | index("Imported later")' mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -t "$BASE/programmes" -C 1 -W 2
check "refresh: the select's options have it" wait_until 10 \
	out_jq '.options | length == 3' mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -t "homeassistant/select/$node/${ID}_programme/config" -C 1 -W 2

# --- Home Assistant restarting: discovery again
before=$(grep -c "^homeassistant/button/$node/${ID}_stop/config" "$TEST_TMP/hub.log")
mqtt_pub homeassistant/status online
check "homeassistant/status online: discovery published again" wait_until 10 \
	lines_at_least $((before + 1)) grep "^homeassistant/button/$node/${ID}_stop/config" "$TEST_TMP/hub.log"

# --- the last will: a bridge killed outright is announced offline by the broker
stop_spawned bridge KILL
check "last will: availability offline after the bridge dies" wait_until 10 mqtt_is "$BASE/availability" offline
start_bridge bridge2 "$TEST_TMP/mqtt.conf" --broker "127.0.0.1:$MQTT_PORT" || exit 1
check "a new bridge: online again" wait_until 10 mqtt_is "$BASE/availability" online
stop_spawned bridge2
assert_eq "massaged-mqtt exits cleanly on SIGTERM" 0 "$SPAWN_RC"
check "clean exit: availability offline" wait_until 10 mqtt_is "$BASE/availability" offline
finish
