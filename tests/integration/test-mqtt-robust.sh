#!/usr/bin/env bash
# massaged-mqtt when things go wrong: bad payloads (not JSON, wrong types,
# unknown command, programme or device, 1 MB) each get an error reply and a
# log line and send nothing to the device; the broker restarting (the bridge
# reconnects and publishes its retained topics again, the session plays on);
# massaged restarting (the bridge follows it and commands work again).
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"
. "$SOURCE_DIR/tests/integration/mqtt-lib.sh"

A=AA:BB:CC:00:00:22
ID=aabbcc000022
DEV=$(devpath $A)
BASE=test/robust
start_bus
start_sim sim --device "reference,name=Pulse,address=$A" || exit 1
write_steps "$MSD_DATA/programmes/long.programme" "Long steps" "first hamstrings proximal 2min 20%" \
	"second hamstrings distal 2min 20%" "third calves mid 2min 20%"
start_massaged || exit 1
check "discover" mgr StartDiscovery
check "device appears" wait_until 10 has_object "$DEV"
check "Connect" msd_call "$DEV" Device1 Connect

MQTT_PORT=$(free_port)
broker_conf broker "$MQTT_PORT"
start_broker broker || exit 1
cat >"$TEST_TMP/mqtt.conf" <<CONF
[Broker]
Host=127.0.0.1
Port=$MQTT_PORT
ClientId=test-robust
ReconnectMaxDelay=2s
[Topics]
Base=$BASE
CONF
start_bridge bridge "$TEST_TMP/mqtt.conf" || exit 1
mqtt_watch hub "$BASE/#" "homeassistant/#" || exit 1
check "device state published" wait_watched 10 hub ".address == \"$A\"" "/device/$ID/state"

# --- a flood of bad payloads
mark=$(log_mark)
SET=$BASE/device/$ID/set
head -c 1048576 /dev/zero | tr '\0' 'x' >"$TEST_TMP/big"
bad=(
	'not json at all'
	'{"command":'
	'[1,2,3]'
	'"start"'
	'{}'
	'{"command":42}'
	'{"command":"launch"}'
	'{"command":"start","programme":"no-such-programme"}'
	'{"command":"start","programme":17}'
	'{"command":"start","programme":"long","scale":"loud"}'
	'{"command":"start","programme":"long","scale":400}'
	'{"command":"start","programme":"long","speed":3}'
	'{"command":"start","programme":"long","client":{"a":1}}'
	'{"command":"adjust","percent":true}'
	'{"command":"pause"}'
)
for p in "${bad[@]}"; do mqtt_pub "$SET" "$p"; done
mqtt_pub "$BASE/device/ffffffffffff/set" '{"command":"start","programme":"long"}'
mqtt_pub "$BASE/set" '{"command":"stop"}'
mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" -t "$SET" -f "$TEST_TMP/big"
printf '{"command":"st\xff\xfeop"}' | mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" -t "$SET" -s
total=$((${#bad[@]} + 1 + 1 + 1 + 1))
# One error reply for each (the unknown device's reply goes to its own result topic).
check "every bad payload got an error reply ($total)" wait_until 20 \
	lines_at_least "$total" watched hub '.ok == false' /result
errors=$(watched hub '.ok == false' /result)
assert_contains "not JSON: said so" 'payload is not JSON' "$errors"
assert_contains "not an object: said so" 'must be a JSON object' "$errors"
assert_contains "unknown command: named" 'unknown command \"launch\"' "$errors"
assert_contains "unknown programme: named" 'unknown programme \"no-such-programme\"' "$errors"
assert_contains "wrong type: said so" '\"scale\" must be a number' "$errors"
assert_contains "out of range: said so" '400 is outside 10 to 100' "$errors"
assert_contains "unknown member: named" 'unknown member \"speed\"' "$errors"
assert_contains "unknown device: named" 'unknown device \"ffffffffffff\"' "$errors"
assert_contains "1 MB payload: refused unread" 'over the 16384 byte limit' "$errors"
assert_contains "pause without a session: said so" 'no session is playing' "$errors"
assert_contains "a stop on the bridge's topic is not a command there" 'unknown command \"stop\" on the bridge' "$errors"
check "every refusal has a log line" test "$(grep -c 'refused:' "$TEST_TMP/bridge.log")" -ge "$total"
check "the bridge is still running" is_running bridge
assert_eq "no command reached the device" "" "$(simlog "select(.dev==\"$A\" and .t_ns > $mark and .cmd != null and .cmd != \"keepalive\" and .cmd != \"status\" and .cmd != \"battery\")")"
assert_eq "no session was started" '"/"' "$(msd_prop "$DEV" Device1 Session)"

# --- a good start after all that works
mqtt_pub "$SET" '{"command":"start","programme":"long","client":"robust-test"}'
start_reply=$(wait_watched 10 hub '.command == "start"' "/device/$ID/result" && watched hub '.command == "start"' "/device/$ID/result" | tail -n1)
# With the history daemon, "client" is a Start option; without it, the daemon
# refuses it by name. Either way the bridge passed it on as given.
if jq -e '.ok' <<<"$start_reply" >/dev/null 2>&1; then
	pass "start with client: ok"
else
	assert_contains "start with client: the daemon's own answer about the option" "client" "$start_reply"
	mqtt_pub "$SET" '{"command":"start","programme":"long"}'
	check "start: ok" wait_watched 10 hub '.command == "start" and .ok == true' "/device/$ID/result"
fi
check "the device is running" wait_until 10 prints true sim_state $A running

# --- the broker restarts mid-session
stop_spawned broker
check "bridge saw the broker go" wait_until 10 grep -q "lost the MQTT broker\|connection to .* failed" "$TEST_TMP/bridge.log"
connects=$(grep -c "connected to MQTT broker" "$TEST_TMP/bridge.log")
start_broker broker || exit 1
check "bridge reconnected (backoff)" wait_until 20 \
	lines_at_least $((connects + 1)) grep 'connected to MQTT broker' "$TEST_TMP/bridge.log"
check "the session played on (the daemon owns it)" test "$(sim_state $A running)" = true
# The restarted broker kept nothing (persistence false): all of it is the bridge's republish.
assert_eq "availability republished" online "$(mqtt_get "$BASE/availability")"
assert_jq "state republished: still playing" '.session.state == "playing"' "$(mqtt_get "$BASE/device/$ID/state")"
check "discovery republished" test -n "$(mqtt_get "homeassistant/button/${BASE//\//_}/${ID}_stop/config")"
check "programmes republished" test -n "$(mqtt_get "$BASE/programmes")"
mqtt_watch hub2 "$BASE/#" || exit 1
mark=$(log_mark)
mqtt_pub "$SET" '{"command":"stop"}'
check "stop after the broker restart reaches the device" wait_simlog 10 "select(.dev==\"$A\" and .cmd==\"stop\" and .t_ns > $mark)"
check "stop: ok" wait_watched 10 hub2 '.command == "stop" and .ok == true' "/device/$ID/result"

# --- massaged restarts
stop_spawned massaged
check "device availability offline while massaged is away" wait_until 10 mqtt_is "$BASE/device/$ID/availability" offline
check "discovery kept while massaged is away (not cleared)" test -n "$(mqtt_get "homeassistant/button/${BASE//\//_}/${ID}_stop/config" 2)"
start_massaged || exit 1
mgr StartDiscovery >/dev/null 2>&1 || true
check "device back on massaged" wait_until 15 has_object "$DEV"
check "device availability online again" wait_until 15 mqtt_is "$BASE/device/$ID/availability" online
mark=$(log_mark)
mqtt_pub "$SET" '{"command":"start","programme":"long"}'
check "start after the massaged restart: frames at the device" wait_simlog 15 "select(.dev==\"$A\" and .cmd==\"intensity\" and .t_ns > $mark)"
mark=$(log_mark)
mqtt_pub "$SET" '{"command":"stop"}'
check "stop after the massaged restart: stop frame" wait_simlog 10 "select(.dev==\"$A\" and .cmd==\"stop\" and .t_ns > $mark)"

stop_spawned bridge
assert_eq "massaged-mqtt exits cleanly" 0 "$SPAWN_RC"
finish
