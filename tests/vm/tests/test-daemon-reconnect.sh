#!/usr/bin/env bash
# Real stack, lost control: the peripheral disappears mid-programme, twice.
#  1. Its process is killed: bluetoothd drops its GATT application, the link
#     stays up and the central sees the massage service vanish.
#  2. Its process is killed and its radio goes silent (adapter off), as when a
#     device is switched off or carried out of range: the link is lost.
# Each time the session must wait for the device with its clock frozen; the
# device, back, is found and reconnected by massaged by itself, the programme
# resumes where it stopped and it ends with a stop at the device.
. "$VM_TOOLS/lib-guest.sh"
. "$(dirname "$0")/lib-peripheral.sh"
. "$(dirname "$0")/lib-daemon.sh"

# Generous: a return sometimes meets a link bluetoothd never resolves, and
# each costs massaged a 10 s wait and a retry (docs/testing.md, timings).
printf '[Reconnect]\nWindow=120s\nInitialDelay=500ms\nMaxDelay=2s\n' >"$MSD_CONF"
hci1_power() { busctl --system set-property org.bluez /org/bluez/hci1 org.bluez.Adapter1 Powered b "$1"; }
step_is() { [ "$("$M" --json status 2>/dev/null | jq -r '.sessions[0].step // -1')" = "$1" ]; }

# lose HOW STEP VALUE: while step STEP plays VALUE %, the device goes away
# (HOW: process or radio), comes back, and VALUE resumes.
lose() {
	local how=$1 step=$2 value=$3 t0 frozen m
	t0=$(ms)
	stop_spawned sim KILL
	[ "$how" = radio ] && hci1_power false
	check "$how lost: the session waits for the device" wait_until 15 session_is waiting-device
	timing "$how-lost-to-waiting-device" "$(($(ms) - t0))"
	frozen=$(elapsed_ms)
	check "$how lost: still in step $((step + 1)) (elapsed ${frozen} ms)" step_is "$step"
	# Away at least 3 s: a programme clock that ran on would resume that much
	# further on (resumed_where_frozen, below).
	sleep 3

	t0=$(ms)
	[ "$how" = radio ] && hci1_power true
	m=$(mark)
	mv "$TEST_TMP/sim.log" "$TEST_TMP/sim-before-$how-loss.log"
	start_peripheral reference,name=MassageRef
	check "$how back: massaged reconnects and the session plays on" wait_playing 90
	timing "$how-back-to-playing" "$(($(ms) - t0))"
	check "$how lost: the programme clock was frozen while the device was away (${frozen} ms at the loss; ${PLAYING_ELAPSED_MS:-?} ms in step ${PLAYING_STEP:-?} at the resume)" \
		resumed_where_frozen "$frozen" "$step"
	check "$how back: the device is driven again ($value % resumes)" wait_until 10 \
		logged ".t_ns > $m and .cmd == \"intensity\" and .value == $value"
}

start_three
lose process 0 20
check "the second step plays (30 %)" wait_until 15 logged ".t_ns > $m0 and .cmd == \"intensity\" and .value == 30"
m1=$(mark)
lose radio 1 30
check "the programme ends" wait_until 30 session_is none
got=$(levels "$m1")
log "levels after the radio returned: $got"
assert_contains "the rest of the programme reached the device in order" "intensity:30 intensity:40 " "$got"
assert_eq "the programme ended with a stop at the device" stop "$(last_cmd)"
assert_not_contains "no sanitizer reports" "Sanitizer" "$(cat "$TEST_TMP/massaged.log")"
stop_spawned massaged TERM
assert_eq "massaged exits 0" 0 "$SPAWN_RC"
finish
