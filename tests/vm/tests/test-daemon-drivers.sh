#!/usr/bin/env bash
# Real stack, every driver the simulator models besides the reference one
# (test-daemon-reference.sh): a Theragun Gen 4 (writes with response, speed in
# RPM) and a Lovense-style toy (ASCII over the Nordic UART service), each
# served by massage-sim --peripheral through the real bluetoothd. massaged
# picks the driver by name and service, connects, plays a short programme,
# and the device receives byte for byte the frames the driver encodes
# (massagectl device encode), in order, ending with a stop. The Lovense-style
# battery query ("Battery;") is answered and the level reaches massagectl;
# the Theragun protocol has none, and massagectl shows no level.
. "$VM_TOOLS/lib-guest.sh"
. "$(dirname "$0")/lib-peripheral.sh"
. "$(dirname "$0")/lib-daemon.sh"

programme_short

# encode DRIVER COMMAND [VALUE]: the frame the driver writes, as the command log prints it.
encode() { "$M" --json device encode "$@" | jq -r '.frames | join(" | ")'; }
# frames SINCE_NS: what the device was sent since then, one frame a line,
# status polls left out.
frames() { jq -r "select(.t_ns > $1 and .hex and .cmd != \"status\" and .cmd != \"battery\") | .hex" "$SIM_LOG"; }

# play DRIVER NAME BATTERY: one whole round on a fresh massaged, then the device is
# forgotten so the next one starts clean at the same address.
play() {
	local driver=$1 name=$2 battery=$3 m got want t0
	log "--- $driver ($name)"
	start_peripheral "$driver,name=$name"
	start_massaged_hci0 "massaged-$driver"
	t0=$(ms)
	check "$driver: massaged connects $name" connect_device "$name"
	timing "$driver-connect" "$(($(ms) - t0))"
	assert_contains "$driver: the scan names the driver" "found $PERIPH $name ($driver" "$(cat "$TEST_TMP/scan.out")"
	assert_contains "$driver: connect reports it ready" "Connected $PERIPH $name" "$(cat "$TEST_TMP/connect.out")"

	m=$(mark)
	mctl start vm-short --follow --device "$name" >"$TEST_TMP/follow-$driver.out" 2>&1
	assert_eq "$driver: start --follow completes (exit 0)" 0 "$?"
	got=$(frames "$m" | uniq | tr '\n' '/')
	want="$(encode "$driver" intensity 20)/$(encode "$driver" intensity 30)/$(encode "$driver" stop)/"
	log "$driver frames: $got"
	assert_contains "$driver: the device got the 20 %, 30 % and stop frames, byte for byte, in order" "$want" "$got"
	assert_eq "$driver: the programme ended with a stop at the device" stop "$(last_cmd)"
	if [ "$battery" = none ]; then
		assert_eq "$driver: no battery level (the protocol has no way to ask)" null \
			"$("$M" --json battery "$name" | jq -c '.devices[0].battery')"
	else
		check "$driver: the battery query's answer reaches massagectl ($battery %)" wait_until 10 \
			out_jq ".devices[0].battery == $battery" "$M" --json battery "$name"
	fi

	assert_not_contains "$driver: no sanitizer reports" "Sanitizer" "$(cat "$TEST_TMP/massaged-$driver.log")"
	stop_spawned "massaged-$driver" TERM
	assert_eq "$driver: massaged exits 0" 0 "$SPAWN_RC"
	stop_spawned sim TERM
	mv "$TEST_TMP/sim.log" "$TEST_TMP/sim-$driver.log"
	busctl --system call org.bluez /org/bluez/hci0 org.bluez.Adapter1 RemoveDevice o "$PERIPH_DEV" ||
		log "RemoveDevice $PERIPH_DEV failed"
	wait_until 10 not periph_known
}

power_adapters
play theragun "Theragun PRO" none
play lovense "LVS-Hamstring" 85
finish
