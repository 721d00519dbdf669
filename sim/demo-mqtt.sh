# Sourced by sim/demo.sh --mqtt: plays the programme through massaged-mqtt and a
# private mosquitto broker, as a home hub sees it. Uses demo.sh's $build, $tmp,
# $pids, $programme, say.
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
mosquitto -c "$tmp/mosquitto.conf" 2>"$tmp/mosquitto.log" &
pids+=($!)
printf '[Broker]\nHost=127.0.0.1\nPort=%s\nClientId=demo-hub\n[Topics]\nBase=%s\n' "$port" "$base" >"$tmp/mqtt.conf"
for _ in $(seq 50); do sub -t '$SYS/broker/version' -C 1 -W 1 >/dev/null 2>&1 && break; sleep 0.1; done
"$build/mqtt/massaged-mqtt" --config "$tmp/mqtt.conf" 2>"$tmp/mqtt.log" &
pids+=($!)
for _ in $(seq 100); do [ "$(sub -t "$base/availability" -C 1 -W 1 2>/dev/null)" = online ] && break; sleep 0.1; done
echo "$ mosquitto_sub -t $base/availability   -> $(sub -t "$base/availability" -C 1 -W 2)"

say "What Home Assistant discovers"
sub -t "homeassistant/+/+/+/config" -W 2 -F '%t' 2>/dev/null | sed 's/^/  /' || true
echo "$ mosquitto_sub -t $base/device/$id/state"
sub -t "$base/device/$id/state" -C 1 -W 2 | jq -c '{name, connection, state, battery}'

say "Start the programme over MQTT; the events as they come"
# Not through sub(): $! must be mosquitto_sub itself, for the cleanup to stop it.
mosquitto_sub -h 127.0.0.1 -p "$port" -t "$base/device/$id/event" -t "$base/device/$id/result" \
	-t "$base/availability" -F '%t %p' >"$tmp/events" 2>/dev/null &
pids+=($!)
for _ in $(seq 50); do grep -q availability "$tmp/events" && break; sleep 0.1; done
pub "$base/device/$id/set" "{\"command\":\"start\",\"programme\":\"$programme\"}"
shown=0
show_new() {
	local n
	n=$(wc -l <"$tmp/events")
	[ "$n" -gt "$shown" ] || return 0
	sed -n "$((shown + 1)),${n}p" "$tmp/events" | grep -v ' online$' | cut -d' ' -f2- |
		jq -r 'if .event then "  event \(.event)\(if .step then " \(.step) \(.step_name)" else "" end)\(if .outcome then ": \(.outcome) \(.detail)" else "" end)"
			else "  reply \(.command): \(if .ok then "ok" else .error end)" end'
	shown=$n
}
for _ in $(seq 1200); do
	finished=0
	grep -q '"event":"finished"' "$tmp/events" && finished=1
	show_new
	[ $finished = 1 ] && break
	grep -q '"ok":false' "$tmp/events" && { echo "demo: the start was refused" >&2; exit 1; }
	sleep 0.1
done
