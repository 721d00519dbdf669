# Helpers for massaged-mqtt's integration tests; source after tests/lib.sh and
# tests/integration/daemon-lib.sh. A real mosquitto broker on a loopback port
# the test picks, the real bridge, mosquitto_sub/mosquitto_pub as the hub.
set -o pipefail

BRIDGE=$BUILD_DIR/mqtt/massaged-mqtt
for tool in mosquitto mosquitto_sub mosquitto_pub jq; do
	command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin
	command -v "$tool" >/dev/null || {
		fail "$tool is installed (./dev deps installs it)"
		finish
	}
done

# free_port: a TCP port on 127.0.0.1 nobody listens on now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# broker_conf NAME PORT [extra mosquitto.conf lines...]: writes $TEST_TMP/NAME.conf.
broker_conf() {
	local name=$1 port=$2
	shift 2
	{
		echo "listener $port 127.0.0.1"
		echo "persistence false"
		echo "log_dest stderr"
		echo "log_type error"
		echo "log_type warning"
		echo "log_type notice"
		echo "log_type information"
		# Run as whoever runs the test (mosquitto would switch from root to "mosquitto").
		echo "user $(id -un)"
		if [ $# -eq 0 ]; then echo "allow_anonymous true"; fi
		printf '%s\n' "$@"
	} >"$TEST_TMP/$name.conf"
}

# start_broker NAME: runs mosquitto with $TEST_TMP/NAME.conf and waits until it listens.
start_broker() {
	local name=$1
	spawn "$name" mosquitto -c "$TEST_TMP/$name.conf"
	if ! wait_until 10 grep -q "running" "$TEST_TMP/$name.log"; then
		log "mosquitto ($name) did not start:"
		cat "$TEST_TMP/$name.log" >&2
		return 1
	fi
}

# start_bridge NAME CONF [args...]: massaged-mqtt with CONF; waits for its first broker connection.
start_bridge() {
	local name=$1 conf=$2
	shift 2
	spawn "$name" "$BRIDGE" --verbose --config "$conf" "$@"
	if ! wait_until 15 grep -q "connected to MQTT broker" "$TEST_TMP/$name.log"; then
		log "massaged-mqtt ($name) did not connect:"
		cat "$TEST_TMP/$name.log" >&2
		return 1
	fi
}

# MQTT_PORT must be set; MQTT_OPTS holds extra client options (TLS, user).
MQTT_OPTS=()

# mqtt_get TOPIC [TIMEOUT]: the retained (or next) payload on TOPIC; empty on timeout.
mqtt_get() {
	mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" "${MQTT_OPTS[@]}" -t "$1" -C 1 -W "${2:-5}" 2>/dev/null || true
}

# mqtt_is TOPIC VALUE: the retained (or next, within 2 s) payload on TOPIC is
# VALUE (for wait_until).
mqtt_is() { [ "$(mqtt_get "$1" 2)" = "$2" ]; }

# mqtt_has TOPIC [TIMEOUT]: there is a payload on TOPIC (retained, or next).
mqtt_has() { [ -n "$(mqtt_get "$1" "${2:-2}")" ]; }

# mqtt_pub TOPIC PAYLOAD [mosquitto_pub args...]
mqtt_pub() {
	local topic=$1 payload=$2
	shift 2
	mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" "${MQTT_OPTS[@]}" -t "$topic" -m "$payload" "$@"
}

# mqtt_watch NAME TOPIC...: records "topic<TAB>payload" lines in $TEST_TMP/NAME.log
# from now on; returns once the subscription is in place (a probe on
# test-probe/NAME came back through it).
mqtt_watch() {
	local name=$1
	shift
	local args=(-t "test-probe/$name") t
	for t in "$@"; do args+=(-t "$t"); done
	spawn "$name" mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" "${MQTT_OPTS[@]}" -V mqttv5 \
		-F '%t	%D	%p' "${args[@]}"
	wait_until 10 probe_seen "$name" || { log "mosquitto_sub ($name) did not subscribe"; return 1; }
}

probe_seen() {
	mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" "${MQTT_OPTS[@]}" -t "test-probe/$1" -m probe
	grep -q "^test-probe/$1	" "$TEST_TMP/$1.log"
}

# watched NAME JQ_FILTER [TOPIC_SUFFIX]: payloads in NAME's log (on topics
# ending with TOPIC_SUFFIX) for which JQ_FILTER is true; one per line.
watched() {
	local name=$1 filter=$2 suffix=${3:-}
	awk -F '\t' -v s="$suffix" 's == "" || substr($1, length($1) - length(s) + 1) == s { print $3 }' \
		"$TEST_TMP/$name.log" | jq -c "select($filter)" 2>/dev/null
}

# watched_any NAME JQ_FILTER [TOPIC_SUFFIX]: at least one such payload.
watched_any() { [ -n "$(watched "$@")" ]; }

# wait_watched TIMEOUT NAME JQ_FILTER [TOPIC_SUFFIX]: until one such payload arrived.
wait_watched() {
	local timeout=$1
	shift
	wait_until "$timeout" watched_any "$@"
}

# mqtt_request WATCHER TOPIC PAYLOAD: an MQTT 5 request with response topic
# reply/N and correlation data corr-N (WATCHER watches reply/#); prints the
# reply that came on reply/N carrying corr-N (nothing after 10 s). N is unique
# (it runs in $(...), so a counter would not survive).
mqtt_request() {
	local watcher=$1 topic=$2 payload=$3 n
	n=$(date +%s%N)
	local rt="reply/$n"
	mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" "${MQTT_OPTS[@]}" -V mqttv5 -t "$topic" -m "$payload" \
		-D publish response-topic "$rt" -D publish correlation-data "corr-$n"
	wait_until 10 grep -q "^$rt	corr-$n	" "$TEST_TMP/$watcher.log"
	grep "^$rt	corr-$n	" "$TEST_TMP/$watcher.log" | head -n1 | cut -f3-
}
