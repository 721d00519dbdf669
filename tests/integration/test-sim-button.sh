#!/usr/bin/env bash
# massage-sim's PressButton: the person presses the device's own stop button.
# The motor stops, the command log says "button-stop", and a client subscribed
# to the device's notifications sees what that protocol can say: the
# reference device ERROR USER_STOP then a STATE not running, the Theragun a
# status reply with running 0, a Lovense-style device nothing.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/lib-sim.sh"

start_bus
# No watchdog stop and no force readings while the test looks.
start_sim sim --device reference,keepalive-timeout=600000,force-period=600000 \
	--device theragun,address=$TG --device lovense,address=$LV \
	--discovery-delay 50 --connect-delay 50 --resolve-delay 50 || exit 1

running() { [ "$(sim_state "$1" running)" = "$2" ]; }
client discover $DEV1 -- connect $DEV1 -- wait-resolved $DEV1 -- discover $TG -- connect $TG -- \
	wait-resolved $TG -- discover $LV -- connect $LV -- wait-resolved $LV >/dev/null

assert_contains "PressButton of an unknown address: NotFound" "no simulated device" \
	"$(sim_call PressButton s 01:02:03:04:05:06 2>&1)"

# press ADDR NOTIFY_UUID NOTIFY_PATH COUNT START_WRITE...: a client starts the
# motor with its own frame, subscribes and waits for COUNT notifications; the
# button is pressed once it listens. Its output lands in $TEST_TMP/ADDR.log.
press() {
	local addr=$1 uuid=$2 path=$3 count=$4
	shift 4
	spawn_client "$addr" "$@" -- notify "$addr" "$uuid" -- expect-notify "$addr" "$uuid" "$count" 10000
	check "$addr: the client listens" wait_until 10 notifying "$path"
	check "$addr: the motor runs" wait_until 5 running "$addr" true
	check "$addr: PressButton" sim_call PressButton s "$addr"
	wait_spawned "$addr" 15
	assert_eq "$addr: the client got what it waited for" 0 "$SPAWN_RC"
	assert_eq "$addr: the motor stopped" false "$(sim_state "$addr" running)"
	assert_eq "$addr: the log says button-stop (it was running)" 1 \
		"$(log_count ".dev == \"$addr\" and .event == \"button-stop\" and .was_running == \"true\"")"
}

# Reference: ERROR (0x83) USER_STOP (0x14), then STATE (0x81) with flags 0.
press $DEV1 $REF_STATUS $DEV1_PATH/service000a/char000d 2 \
	write $DEV1 $REF_CONTROL "$(enc reference start 40 1)" command
got=$(sed -n 's/^notified //p' "$TEST_TMP/$DEV1.log")
assert_eq "reference: ERROR USER_STOP first" "01 83 00 02 14 00" "$(head -n1 <<<"$got" | cut -d' ' -f1-6)"
assert_eq "reference: then STATE, not running, speed 0" "01 81 00 06 00 28 00 00" \
	"$(sed -n 2p <<<"$got" | cut -d' ' -f1-8)"

# Theragun: a status reply (BB, sum, type 0x10, length 0x0b) with running
# (byte 4) 0 and speed (bytes 13-14) 0. That a Gen 4 says so when its button
# stops it is the simulator's assumption (docs/simulator.md).
press $TG $TG_NOTIFY $TG_PATH/service000a/char000d 1 \
	write $TG $TG_WRITE "$(enc theragun speed 2400)" request
assert_eq "theragun: a status reply, running 0, speed 0" \
	"bb 1b 10 0b 00 00 00 00 00 00 00 00 00 00 00" "$(sed -n 's/^notified //p' "$TEST_TMP/$TG.log")"

# Lovense-style: nothing. A garbage notification after the press is the first
# thing the client sees.
spawn_client lv write $LV $LV_WRITE "$(enc lovense intensity 50)" request -- notify $LV $LV_NOTIFY -- \
	expect-notify $LV $LV_NOTIFY 1 10000
check "lovense: the client listens" wait_until 10 notifying $LV_PATH/service000a/char000d
check "lovense: the motor runs" wait_until 5 running $LV true
check "lovense: PressButton" sim_call PressButton s $LV
check "lovense: then garbage" sim_call SendGarbage say $LV 3 0xde 0xad 0xbe
wait_spawned lv 15
assert_eq "lovense: stops silently (the first notification is the garbage)" "notified de ad be" \
	"$(grep '^notified' "$TEST_TMP/lv.log")"
assert_eq "lovense: the motor stopped" false "$(sim_state $LV running)"

# At rest: logged, nothing else.
check "a press at rest" sim_call PressButton s $LV
assert_eq "... is logged as not running" 1 \
	"$(log_count ".dev == \"$LV\" and .event == \"button-stop\" and .was_running == \"false\"")"

stop_sim sim
finish
