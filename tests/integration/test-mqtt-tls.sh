#!/usr/bin/env bash
# massaged-mqtt over TLS with a username and password: a CA and a broker
# certificate made here with openssl, a mosquitto password file. The right CA
# and password connect (and a command works through them); a wrong CA or a
# wrong password is refused, with a log line that says which.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"
. "$SOURCE_DIR/tests/integration/mqtt-lib.sh"
command -v openssl >/dev/null && command -v mosquitto_passwd >/dev/null || {
	fail "openssl and mosquitto_passwd are installed (./dev deps installs them)"
	finish
}

A=AA:BB:CC:00:00:23
ID=aabbcc000023
DEV=$(devpath $A)
BASE=test/tls
start_bus
start_sim sim --device "reference,name=Pulse,address=$A" || exit 1
write_programme "$MSD_DATA/programmes/gentle.programme" "Gentle test"
start_massaged || exit 1
check "discover" mgr StartDiscovery
check "device appears" wait_until 10 has_object "$DEV"

# --- certificates: a CA, a broker certificate for 127.0.0.1 it signs, and a stranger CA
P=$TEST_TMP/pki
mkdir -p "$P"
ossl() { openssl "$@" >>"$TEST_TMP/openssl.log" 2>&1; }
check "CA made" ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=test CA" \
	-keyout "$P/ca.key" -out "$P/ca.crt"
check "broker key and request made" ossl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
	-keyout "$P/broker.key" -out "$P/broker.csr"
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$P/ext"
check "broker certificate signed by the CA" ossl x509 -req -in "$P/broker.csr" -CA "$P/ca.crt" \
	-CAkey "$P/ca.key" -CAcreateserial -days 2 -extfile "$P/ext" -out "$P/broker.crt"
check "a stranger CA made" ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=stranger CA" \
	-keyout "$P/other.key" -out "$P/other.crt"
chmod 644 "$P"/*

# --- users: the hub, with a password
check "password file made" mosquitto_passwd -b -c "$TEST_TMP/passwd" hub s3cret-hub
printf 's3cret-hub\n' >"$TEST_TMP/hub.password"
printf 'wrong\n' >"$TEST_TMP/wrong.password"
chmod 644 "$TEST_TMP/passwd"

MQTT_PORT=$(free_port)
broker_conf broker "$MQTT_PORT" "allow_anonymous false" "password_file $TEST_TMP/passwd" \
	"cafile $P/ca.crt" "certfile $P/broker.crt" "keyfile $P/broker.key"
start_broker broker || exit 1
MQTT_OPTS=(--cafile "$P/ca.crt" -u hub -P s3cret-hub)

bridge_conf() { # file ca password_file
	cat >"$1" <<-CONF
	[Broker]
	Host=127.0.0.1
	Port=$MQTT_PORT
	ClientId=test-tls-$RANDOM
	Username=hub
	PasswordFile=$3
	[TLS]
	CAFile=$2
	[Topics]
	Base=$BASE
	CONF
}

# --- the right CA and password
bridge_conf "$TEST_TMP/good.conf" "$P/ca.crt" "$TEST_TMP/hub.password"
start_bridge good "$TEST_TMP/good.conf" || exit 1
assert_contains "connected over TLS" "(TLS)" "$(grep 'connected to MQTT broker' "$TEST_TMP/good.log")"
mqtt_watch hub "$BASE/#" || exit 1
check "availability online, read over TLS as the hub" wait_until 10 mqtt_is "$BASE/availability" online
mark=$(log_mark)
mqtt_pub "$BASE/device/$ID/set" '{"command":"start","programme":"gentle"}'
check "a start over TLS reaches the device" wait_simlog 10 "select(.dev==\"$A\" and .cmd==\"intensity\" and .t_ns > $mark)"
mqtt_pub "$BASE/device/$ID/set" '{"command":"stop"}'
check "a stop over TLS reaches the device" wait_simlog 10 "select(.dev==\"$A\" and .cmd==\"stop\" and .t_ns > $mark)"
stop_spawned good
assert_eq "exits cleanly" 0 "$SPAWN_RC"

# --- a wrong CA: the broker's certificate is not trusted
bridge_conf "$TEST_TMP/badca.conf" "$P/other.crt" "$TEST_TMP/hub.password"
spawn badca "$BRIDGE" --config "$TEST_TMP/badca.conf"
check "wrong CA: a clear log line (TLS handshake failed)" wait_until 15 grep -q "TLS handshake failed" "$TEST_TMP/badca.log"
check "wrong CA: OpenSSL's reason is logged" grep -q "certificate verify failed" "$TEST_TMP/badca.log"
check "wrong CA: never connected" not grep -q 'connected to MQTT broker' "$TEST_TMP/badca.log"
check "wrong CA: still running, retrying" is_running badca
stop_spawned badca

# --- a wrong password
bridge_conf "$TEST_TMP/badpw.conf" "$P/ca.crt" "$TEST_TMP/wrong.password"
spawn badpw "$BRIDGE" --config "$TEST_TMP/badpw.conf"
check "wrong password: a clear log line" wait_until 15 grep -Eq "refused the connection: (bad username or password|not authorised)" "$TEST_TMP/badpw.log"
check "wrong password: never connected" not grep -q 'connected to MQTT broker' "$TEST_TMP/badpw.log"
stop_spawned badpw

# --- a missing password file is a configuration error, before any connection
bridge_conf "$TEST_TMP/nopw.conf" "$P/ca.crt" "$TEST_TMP/no-such-file"
run "$BRIDGE" --config "$TEST_TMP/nopw.conf"
assert_exit "missing password file: exit 1" 1
assert_contains "missing password file: named" "PasswordFile" "$RUN_ERR"
finish
