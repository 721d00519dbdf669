# Sourced by sim/demo.sh --mqtt: plays the programme through massaged-mqtt and a
# private mosquitto broker, as a home hub sees it. Uses demo.sh's $build, $tmp,
# $programme, say, and its process library (spawn: output in $tmp/NAME.log).
PATH=$PATH:/usr/sbin
for tool in mosquitto mosquitto_sub mosquitto_pub jq; do
	command -v "$tool" >/dev/null || { echo "demo: $tool is missing (./dev deps installs it)" >&2; exit 1; }
done
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
base=demo/hub
id=c0ffee000001
sub() { mosquitto_sub -h 127.0.0.1 -p "$port" "$@"; }
pub() {
	printf "$ mosquitto_pub -t %s -m '%s'\n" "$1" "$2"
	mosquitto_pub -h 127.0.0.1 -p "$port" -t "$1" -m "$2"
}

say "An MQTT broker (mosquitto on 127.0.0.1:$port) and massaged-mqtt"
printf 'listener %s 127.0.0.1\npersistence false\nallow_anonymous true\nuser %s\n' "$port" "$(id -un)" >"$tmp/mosquitto.conf"
spawn mosquitto mosquitto -c "$tmp/mosquitto.conf"
printf '[Broker]\nHost=127.0.0.1\nPort=%s\nClientId=demo-hub\n[Topics]\nBase=%s\n' "$port" "$base" >"$tmp/mqtt.conf"
broker_up() { sub -t '$SYS/broker/version' -C 1 -W 1 >/dev/null; }
wait_until 5 broker_up || true
spawn mqtt "$build/mqtt/massaged-mqtt" --config "$tmp/mqtt.conf"
bridge_online() { [ "$(sub -t "$base/availability" -C 1 -W 1)" = online ]; }
wait_until 10 bridge_online || true
echo "$ mosquitto_sub -t $base/availability   -> $(sub -t "$base/availability" -C 1 -W 2)"

say "What Home Assistant discovers"
sub -t "homeassistant/+/+/+/config" -W 2 -F '%t' 2>/dev/null | sed 's/^/  /' || true
echo "$ mosquitto_sub -t $base/device/$id/state"
sub -t "$base/device/$id/state" -C 1 -W 2 | jq -c '{name, connection, state, battery}'

say "Start the programme over MQTT; the events as they come"
# Not through sub(): the PID spawn keeps must be mosquitto_sub itself, for the
# cleanup to stop it. Its output is $tmp/events.log.
spawn events mosquitto_sub -h 127.0.0.1 -p "$port" -t "$base/device/$id/event" -t "$base/device/$id/result" \
	-t "$base/availability" -F '%t %p'
wait_until 5 grep -q availability "$tmp/events.log" || true
pub "$base/device/$id/set" "{\"command\":\"start\",\"programme\":\"$programme\"}"
shown=0
show_new() {
	local n
	n=$(wc -l <"$tmp/events.log")
	[ "$n" -gt "$shown" ] || return 0
	sed -n "$((shown + 1)),${n}p" "$tmp/events.log" | grep -v ' online$' | cut -d' ' -f2- |
		jq -r 'if .event then "  event \(.event)\(if .step then " \(.step) \(.step_name)" else "" end)\(if .outcome then ": \(.outcome) \(.detail)" else "" end)"
			else "  reply \(.command): \(if .ok then "ok" else .error end)" end'
	shown=$n
}
for _ in $(seq 1200); do
	finished=0
	grep -q '"event":"finished"' "$tmp/events.log" && finished=1
	show_new
	[ $finished = 1 ] && break
	grep -q '"ok":false' "$tmp/events.log" && { echo "demo: the start was refused" >&2; exit 1; }
	sleep 0.1
done
