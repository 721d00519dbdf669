#!/usr/bin/env bash
# massaged-mqtt's configuration: a bad file or option is refused before
# anything connects, with an error naming the file, line, group and key;
# drop-ins apply in name order; a missing default file is fine, a missing
# --config file is not.
. "$SOURCE_DIR/tests/lib.sh"
BRIDGE=$BUILD_DIR/mqtt/massaged-mqtt

conf=$TEST_TMP/mqtt.conf
bad() { # description, expected text, file contents
	printf '%s\n' "$3" >"$conf"
	rm -rf "$conf.d"
	run "$BRIDGE" --config "$conf"
	assert_exit "$1: exit 1" 1
	assert_contains "$1: the error says where and why" "$2" "$RUN_ERR"
}
bad "port out of range" "$conf:3: [Broker] Port: \"70000\" is not a whole number from 1 to 65535" \
	$'[Broker]\nHost=broker.lan\nPort=70000'
bad "QoS" "$conf:2: [Broker] QoS: \"3\" is not a whole number from 0 to 2" $'[Broker]\nQoS=3'
bad "unknown key" "$conf:2: [Broker] Hots: unknown key" $'[Broker]\nHots=x'
bad "unknown group" "$conf:1: [Brokers]: unknown group" $'[Brokers]\nHost=x'
bad "not a key file" "$conf: " $'[Broker]\nthis is not a key'
bad "wildcard in the base topic" "$conf:3: [Topics] Base: \"a/#\" is not a topic" $'\n[Topics]\nBase=a/#'
bad "relative CA path" "$conf:2: [TLS] CAFile: \"ca.crt\" is not an absolute path" $'[TLS]\nCAFile=ca.crt'
bad "cert without key" "[TLS] KeyFile: CertFile and KeyFile go together" $'[TLS]\nCertFile=/etc/c.crt'
bad "yes or no" "$conf:2: [HomeAssistant] Discovery: \"maybe\" is not yes or no" $'[HomeAssistant]\nDiscovery=maybe'
bad "a duration" "$conf:2: [Topics] StateInterval: \"fast\" is not a duration" $'[Topics]\nStateInterval=fast'
bad "a duration over its bound" "$conf:3: [Broker] KeepAlive: \"2h\" is too long (at most 1h)" \
	$'[Broker]\nHost=x\nKeepAlive=2h'
bad "a later part without its unit" "$conf:2: [Broker] ReconnectMaxDelay: \"1m30\" needs a unit" \
	$'[Broker]\nReconnectMaxDelay=1m30'

# A drop-in's error names the drop-in.
printf '[Broker]\nPort=1884\n' >"$conf"
mkdir -p "$conf.d"
printf '[Broker]\nPort=0\n' >"$conf.d/50-port.conf"
run "$BRIDGE" --config "$conf"
assert_exit "bad drop-in: exit 1" 1
assert_contains "bad drop-in: named with its line" "$conf.d/50-port.conf:2: [Broker] Port" "$RUN_ERR"
rm -rf "$conf.d"

# The same bounded reader as massaged's: no special files, nothing huge.
run "$BRIDGE" --config /dev/zero
assert_exit "a special file: exit 1" 1
assert_contains "a special file: refused unread" "/dev/zero: not a regular file" "$RUN_ERR"
head -c 300000 /dev/zero | tr '\0' '#' >"$TEST_TMP/huge.conf"
run "$BRIDGE" --config "$TEST_TMP/huge.conf"
assert_exit "a huge file: exit 1" 1
assert_contains "a huge file: refused, with the bound" "huge.conf: larger than 262144 bytes" "$RUN_ERR"

run "$BRIDGE" --config "$TEST_TMP/none.conf"
assert_exit "a missing --config file: exit 1" 1
assert_contains "a missing --config file: named" "none.conf" "$RUN_ERR"

printf '[Broker]\nHost=x\n' >"$conf"
run "$BRIDGE" --config "$conf" --broker "host:notaport"
assert_exit "--broker with a bad port: exit 1" 1
assert_contains "--broker: said so" "expected HOST or HOST:PORT" "$RUN_ERR"
run "$BRIDGE" --config "$conf" --base-topic "a/+/b"
assert_exit "--base-topic with a wildcard: exit 1" 1
assert_contains "--base-topic: said so" "is not a topic" "$RUN_ERR"
run "$BRIDGE" --bogus
assert_exit "unknown option: exit 2" 2

# A good file with drop-ins in name order (the later wins), and the options on
# top: the startup line says what it uses. No bus here, so it stops there.
# Durations take the programme grammar (1m30s, h, fractions) and a bare number of seconds.
printf '[Broker]\nHost=a.lan\nPort=1000\nKeepAlive=1m30s\nReconnectMaxDelay=0.5h\n[Topics]\nBase=x/y\nStateInterval=2\n' >"$conf"
mkdir -p "$conf.d"
printf '[Broker]\nPort=2000\n' >"$conf.d/10-a.conf"
printf '[Broker]\nPort=3000\n' >"$conf.d/20-b.conf"
printf '[Broker]\nPort=9\n' >"$conf.d/30-c.conf.disabled"
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$TEST_TMP/no-bus run "$BRIDGE" --config "$conf"
assert_exit "no system bus: exit 1" 1
assert_contains "no system bus: said so" "cannot reach the system bus" "$RUN_ERR"
assert_contains "drop-ins in name order, .conf only: port 3000" "broker a.lan:3000, base topic x/y" "$RUN_ERR"
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$TEST_TMP/no-bus run "$BRIDGE" --config "$conf" --broker 10.0.0.1:1999 --base-topic room/7
assert_contains "options over the file" "broker 10.0.0.1:1999, base topic room/7" "$RUN_ERR"
run "$BRIDGE" --version
assert_exit "--version" 0
assert_contains "--version prints it" "massaged-mqtt " "$RUN_OUT"
finish
