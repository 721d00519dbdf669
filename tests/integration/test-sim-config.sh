#!/usr/bin/env bash
# massage-sim's world from a config file and options: adapters, devices,
# timings, the bluez#1489 race, the MTU, and clear errors for bad input.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/lib-sim.sh"

# Bad input: exit status 2 and a message naming what and where.
bad() { # description, expected message part, args...
	local what=$1 want=$2
	shift 2
	local out rc=0
	out=$("$SIM_BIN" "$@" 2>&1) || rc=$?
	assert_eq "$what: exit status 2" 2 "$rc"
	assert_contains "$what: names the problem" "$want" "$out"
}
bad "unknown device key" "unknown key 'colour'" --device reference,colour=red
bad "bad address" "address=12:34: expected a Bluetooth address" --device reference,address=12:34
bad "battery out of range" "battery=150: expected a whole number 0..100" --device reference,battery=150
bad "unknown driver" "device AA:BB:CC:DD:EE:FF:" --device no-such-driver
bad "adapter not simulated" "adapter=hci3 is not simulated" --device reference,adapter=hci3
bad "bad adapter name" "expected hci0..hci9" --adapter wlan0
bad "MTU below 23" "--mtu 10" --mtu 10
bad "negative delay" "--connect-delay -5" --connect-delay -5
bad "duplicate address" "two devices have the address AA:BB:CC:DD:EE:FF" --device reference --device theragun,address=aa:bb:cc:dd:ee:ff
cat >"$TEST_TMP/bad.conf" <<-'CONF'
	[Sim]
	discovery-delay=soon
CONF
bad "config: bad value" "bad.conf: [Sim]: discovery-delay=soon" --config "$TEST_TMP/bad.conf"
printf '[Devices]\ndriver=reference\n' >"$TEST_TMP/bad2.conf"
bad "config: unknown group" "unknown group [Devices]" --config "$TEST_TMP/bad2.conf"
printf '[Device gun]\nname=Gun\n' >"$TEST_TMP/bad3.conf"
bad "config: device without a driver" "[Device gun]: needs driver=" --config "$TEST_TMP/bad3.conf"
bad "config: missing file" "--config $TEST_TMP/nope.conf" --config "$TEST_TMP/nope.conf"

# The man page and docs/simulator.md name every option of sim/main.c.
missing=""
man_text=$(sed 's/\\-/-/g' "$SOURCE_DIR/docs/man/massage-sim.1")
for opt in $(grep -oE '^ +\{"[a-z0-9-]+", ' "$SOURCE_DIR/sim/main.c" | grep -oE '[a-z0-9-]+' | grep -v '^version$'); do
	grep -q -- "--$opt" <<<"$man_text" || missing+=" man:$opt"
	grep -q -- "--$opt" "$SOURCE_DIR/docs/simulator.md" || missing+=" doc:$opt"
done
assert_eq "every option is documented (man page, docs/simulator.md)" "" "$missing"

start_bus
cat >"$TEST_TMP/world.conf" <<-CONF
	# Two adapters, a reference device on hci1 with its name late, a Theragun.
	[Sim]
	adapters=hci0;hci1
	discovery-delay=50
	connect-delay=50
	resolve-delay=100
	race-1489=true
	race-delay=800
	mtu=23

	[Device ref]
	driver=reference
	name=Sim Ref
	address=12:34:56:78:9A:BC
	adapter=hci1
	battery=42
	rssi=-70

	[Device gun]
	driver=theragun
	name=Theragun PRO
CONF
start_sim sim --config "$TEST_TMP/world.conf"
REF=12:34:56:78:9A:BC
REF_PATH=/org/bluez/hci1/dev_12_34_56_78_9A_BC

out=$(sim_call ListDevices)
assert_contains "ListDevices: the config's devices" '"12:34:56:78:9A:BC" "Sim Ref" "reference" "hci1"' "$out"
assert_contains "ListDevices: the second one gets the first default address" '"AA:BB:CC:DD:EE:FF" "Theragun PRO" "theragun" "hci0"' "$out"
assert_eq "battery from the config" "42" "$(sim_state $REF battery)"

# bluez#1489: ServicesResolved turns true before the GATT objects exist.
out=$(client --adapter hci1 discover $REF -- connect $REF -- wait-prop $REF ServicesResolved true 3000)
assert_contains "found on hci1 with its RSSI" "found $REF_PATH rssi=-70" "$out"
assert_contains "race-1489: ServicesResolved is true" "ok ServicesResolved=true" "$out"
assert_eq "race-1489: ... while no characteristic is exported yet" "" "$(bluez_paths | grep "^$REF_PATH/" || true)"
out=$(client --adapter hci1 wait-resolved $REF 3000)
assert_contains "the characteristics follow later" "ok resolved" "$out"
assert_eq "then the GATT objects are there" "yes" "$(bluez_paths | grep "^$REF_PATH/service" >/dev/null && echo yes || echo no)"

# The MTU from the config.
out=$(client --adapter hci1 acquire-write $REF $REF_CONTROL "$(client encode reference keepalive 0 1 | sed -n 's/^frame //p')")
assert_contains "AcquireWrite reports the configured MTU" "acquired mtu=23" "$out"
assert_eq "GattCharacteristic1.MTU too" "q 23" \
	"$(bluez_prop $REF_PATH/service000a/char000b GattCharacteristic1 MTU)"
long=$(printf '00 %.0s' $(seq 1 21))
out=$(client --adapter hci1 !write $REF $REF_CONTROL "$long" command)
assert_contains "a command longer than MTU-3 fails" "error org.bluez.Error.Failed" "$out"

# org.bluez taken (bluetoothd, or another sim): a clear error, exit status 1.
rc=0
out=$(timeout 10 "$SIM_BIN" --device reference 2>&1) || rc=$?
assert_eq "a second sim cannot own org.bluez: exit status 1" 1 "$rc"
assert_contains "... and says why" "could not own org.bluez" "$out"

stop_sim sim
# --log - writes the log to stdout (spawn's NAME.log holds its stdout).
spawn stdout-sim "$SIM_BIN" --log - --device reference --discovery-delay 0
check "a sim logging to stdout comes up" wait_until 10 sim_ready
check "SetBattery" sim_call SetBattery su AA:BB:CC:DD:EE:FF 50
check "--log - writes JSON lines to stdout" wait_until 5 grep -q '"event":"battery","percent":"50"' \
	"$TEST_TMP/stdout-sim.log"
stop_spawned stdout-sim
finish
