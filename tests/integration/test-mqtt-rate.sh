#!/usr/bin/env bash
# The per-device state rate limit: with StateInterval=20s, four quick Adjusts
# are merged into one state message carrying the last of them (none dropped,
# the middle ones never sent alone), while a state change (playing ->
# finished) goes out at once, long before the interval ends.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"
. "$SOURCE_DIR/tests/integration/mqtt-lib.sh"

A=AA:BB:CC:00:00:25
ID=aabbcc000025
DEV=$(devpath $A)
BASE=test/rate
start_bus
start_sim sim --device "reference,name=Pulse,address=$A" || exit 1
write_steps "$MSD_DATA/programmes/steady.programme" Steady "one hamstrings proximal 2min constant 30%"
start_massaged || exit 1
check "discover" mgr StartDiscovery
check "device appears" wait_until 10 has_object "$DEV"
MQTT_PORT=$(free_port)
broker_conf broker "$MQTT_PORT"
start_broker broker || exit 1
printf '[Broker]\nHost=127.0.0.1\nPort=%s\nClientId=test-rate\n[Topics]\nBase=%s\nStateInterval=20s\n' \
	"$MQTT_PORT" "$BASE" >"$TEST_TMP/mqtt.conf"
start_bridge bridge "$TEST_TMP/mqtt.conf" || exit 1
mqtt_watch hub "$BASE/#" || exit 1
SET=$BASE/device/$ID/set

mqtt_pub "$SET" '{"command":"start","programme":"steady"}'
check "playing is published at once (a state change)" wait_watched 15 hub '.session.state == "playing"' "/state"
before=$(watched hub 'true' "/device/$ID/state" | wc -l)
for p in 50 60 70 80; do mqtt_pub "$SET" "{\"command\":\"adjust\",\"percent\":$p}"; done
check "the four adjusts are answered" wait_until 10 \
	lines_at_least 4 watched hub '.command == "adjust" and .ok' /result
check "the last adjust's scale is published when the interval ends (not dropped)" \
	wait_watched 30 hub '.session.scale == 80' "/state"
assert_eq "the middle values were merged, never sent alone" "" \
	"$(watched hub '.session.scale == 60 or .session.scale == 70' "/state")"
after=$(watched hub 'true' "/device/$ID/state" | wc -l)
check "at most two state messages for the four adjusts ($((after - before)))" test $((after - before)) -le 2

# Right after a publish, the interval is running again: a state change must not wait for it.
mqtt_pub "$SET" '{"command":"stop"}'
check "finished is published at once, well inside the 20 s interval" \
	wait_watched 10 hub '.session.state == "finished"' "/state"
finish
