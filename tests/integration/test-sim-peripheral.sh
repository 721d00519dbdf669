#!/usr/bin/env bash
# massage-sim --peripheral without a real bluetoothd: its errors. (It working
# against a real bluetoothd is the real-stack tier: tests/vm/tests/
# test-peripheral-*.sh.) Bad options are exit 2 before the bus is touched;
# no adapter on org.bluez, or a bluetoothd without GattManager1 (here the
# fake-BlueZ massage-sim), is exit 1 naming the adapter.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/lib-sim.sh"

start_bus

run_periph() { # expected status, expected message part, args...
	local what=$1 want_rc=$2 want=$3
	shift 3
	local out rc=0
	out=$(timeout 20 "$SIM_BIN" --peripheral "$@" 2>&1) || rc=$?
	assert_eq "$what: exit status $want_rc" "$want_rc" "$rc"
	assert_contains "$what: names the problem" "$want" "$out"
}

run_periph "two devices on one adapter" 2 "adapter hci1 already has a device" \
	--adapter hci1 --device reference --device theragun
run_periph "no device" 2 "--peripheral needs at least one --device" --adapter hci1
run_periph "no org.bluez" 1 "adapter hci1 on org.bluez" --adapter hci1 --device reference

# The fake BlueZ has adapters but no GattManager1: registration fails, named.
start_sim fake --adapter hci1
check "fake org.bluez up" wait_until 10 sim_ready
run_periph "bluetoothd without GattManager1" 1 "hci1:" --adapter hci1 --device reference,name=P
finish
