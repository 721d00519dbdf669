# Shared by tests/vm/tests/test-peripheral-*.sh (sourced after tests/lib.sh):
# massage-sim --peripheral on hci1, a bluez-test-client central on hci0.
SIM_BIN=${SIM_BIN:-$BUILD_DIR/sim/massage-sim}
CLIENT_BIN=${CLIENT_BIN:-$BUILD_DIR/tests/tools/bluez-test-client}
PERIPH=00:AA:01:01:00:01
PERIPH_DEV=/org/bluez/hci0/dev_${PERIPH//:/_}
# The reference driver's characteristics, from the built massagectl.
CONTROL=$(driver_uuid reference write)
CAPS=$(driver_uuid reference read)
STATUS=$(driver_uuid reference notify)
SIM_LOG=$TEST_TMP/sim.jsonl

ms() { date +%s%3N; }
client() { "$CLIENT_BIN" --adapter hci0 "$@" 2>>"$TEST_TMP/client.err"; }
# frame OP [VALUE] [SEQ]: the reference frame as one hex string.
frame() { enc reference "$@" | tr -d ' '; }
# (jq -e reports only on the last input line, so count matches instead.)
logged() { [ -f "$SIM_LOG" ] && jq_has "$SIM_LOG" "select($1)"; }
device_prop() { busctl --system get-property org.bluez "$PERIPH_DEV" "$1" "$2" 2>/dev/null; }
# periph_known: bluetoothd on hci0 has an object for the peripheral.
periph_known() { busctl --system introspect org.bluez "$PERIPH_DEV" >/dev/null 2>&1; }

power_adapters() {
	local a
	for a in hci0 hci1; do
		busctl --system set-property org.bluez /org/bluez/$a org.bluez.Adapter1 Powered b true
	done
}

# start_peripheral DEVICE_SPEC [SIM_OPTIONS...]: massage-sim --peripheral on
# hci1, registered and advertising.
start_peripheral() {
	local t0 spec=$1
	shift
	t0=$(ms)
	spawn sim "$SIM_BIN" --peripheral --adapter hci1 --device "$spec" --log "$SIM_LOG" "$@"
	check "peripheral registered its application and two advertisements" \
		wait_until 30 logged '.event == "advertising"'
	log "registered in $(($(ms) - t0)) ms"
}

# discover_and_connect: from hci0, with the one retry a connect landing in an
# advertisement swap needs.
discover_and_connect() {
	local t0
	t0=$(ms)
	check "discovered from hci0" client discover "$PERIPH" 15000
	log "discovery took $(($(ms) - t0)) ms"
	t0=$(ms)
	client connect "$PERIPH" || { sleep 0.5; client connect "$PERIPH"; }
	check "connected" test "$(device_prop org.bluez.Device1 Connected)" = "b true"
	log "connect took $(($(ms) - t0)) ms"
}

# The GATT Channels setting bluetoothd runs with (1 = plain ATT; more = EATT).
gatt_channels() {
	local conf
	conf=$(tr '\0' ' ' </proc/"$(bluez_pid)"/cmdline 2>/dev/null |
		sed -n 's/.*-f \([^ ]*\).*/\1/p')
	if [ -n "$conf" ] && [ -f "$conf" ]; then
		sed -n 's/^[[:space:]]*Channels[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' "$conf" | tail -1
	fi
}

# char_path UUID: the central's (hci0's) GattCharacteristic1 object for UUID
# on the peripheral.
char_path() {
	local p
	for p in $(busctl --system --list tree org.bluez 2>/dev/null |
		grep -E "^$PERIPH_DEV/service[0-9a-f]+/char[0-9a-f]+$"); do
		if [ "$(bluez_prop "$p" GattCharacteristic1 UUID)" = "s \"$1\"" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}
