#!/usr/bin/env bash
# After a crash, a stop that cannot reach a device says so (issue 11):
# `massagectl stop` exits 4 naming the device, never "stopped"; Start on it
# is refused (Busy) until its stop went out; once the device can be reached
# again, it is stopped. Two ways out of reach:
#  1. bluetoothd knows it but a stop frame cannot get through (the sim's
#     SetFailWrites: the Theragun's write requests fail) while it runs;
#  2. bluetoothd does not know it at all (restarted, every device
#     forgotten) and it is switched off: massaged scans for it, and stops it
#     when it is switched on and found.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"
. "$SOURCE_DIR/tests/integration/crash-lib.sh"

in_log() { grep -q "$1" "$TEST_TMP/massaged.log"; }

start_bus
start_sim sim --device "theragun,name=Theragun PRO,address=$TG" \
	--discovery-delay 50 --connect-delay 50 --resolve-delay 50 || exit 1

# --- 1. known to bluetoothd, running, but no stop frame gets through
play_and_crash
check "SetFailWrites on the Theragun" sim_call SetFailWrites sb $TG true
start_massaged || exit 1
check "recovery tried and failed (logged)" wait_until 10 in_log "recovery: attempt 1 to stop $TG failed"
run mctl stop
assert_eq "massagectl stop: exit 4 (not-connected), never 0" 4 "$RUN_RC"
assert_contains "... names the device it did not stop" "NOT stopped: Theragun PRO ($TG)" "$RUN_ERR"
assert_not_contains "... does not claim it stopped" "Stopped" "$RUN_OUT"
run mctl --json stop
assert_eq "massagectl --json stop: exit 4" 4 "$RUN_RC"
assert_jq "... per device: the Theragun not stopped, with why; none stopped" \
	".not_stopped[0].address == \"$TG\" and (.not_stopped[0].reason | length > 0) and (.stopped | length == 0) and .error.code == 4" "$RUN_OUT"
run mctl stop "$TG"
assert_eq "massagectl stop DEV: exit 4" 4 "$RUN_RC"
assert_contains "... naming it" "$TG" "$RUN_ERR"
assert_eq "the Theragun still runs (so the failure was the truth)" true "$(sim_state $TG running)"
err=$(gdbus_error /org/massaged org.massaged.Manager1.Start "$(devpath $TG)" steady "{}")
assert_contains "Start on it is refused while its stop has not gone out: Busy" \
	"org.massaged.Error.Busy" "$err"
err=$(gdbus_error "$(devpath $TG)" org.massaged.Device1.SetIntensity 20.0)
assert_contains "SetIntensity on it is refused while its stop has not gone out: Busy" \
	"org.massaged.Error.Busy" "$err"

mark=$(log_mark)
check "SetFailWrites off: the Theragun can be reached again" sim_call SetFailWrites sb $TG false
run mctl stop
assert_eq "massagectl stop once it can be reached: exit 0" 0 "$RUN_RC"
check "... the motor stopped" wait_until 5 running $TG false
check "... a stop frame reached it" test "$(stop_frames $TG "$mark")" -gt 0
check "... the record is empty" wait_until 5 record_empty
stop_spawned massaged TERM
assert_eq "massaged exits cleanly" 0 "$SPAWN_RC"

# --- 2. bluetoothd forgot it, and it is switched off
play_and_crash
check "the Theragun is switched off" sim_call SetPowered sb $TG false
check "bluetoothd restarts and forgets every device" sim_call RestartBluez u 100
check "... and is back" wait_until 5 \
	prints 'b true' busctl --system get-property org.massaged.Sim /org/massaged/Sim org.massaged.Sim1 BluezPresent
no_tg_object() { ! bluez_paths | grep "dev_${TG//:/_}" >/dev/null; }
check "... without the Theragun" wait_until 5 no_tg_object
check "the record still names it" recorded $TG
start_massaged || exit 1
check "recovery waits for bluetoothd to see it, scanning" \
	wait_until 10 in_log "recovery: waiting for bluetoothd to see $TG (theragun); scanning"
check "... the adapter is discovering" wait_until 5 bluez_prop_is /org/bluez/hci0 Adapter1 Discovering 'b true'
run mctl --json stop
assert_eq "massagectl stop: exit 4" 4 "$RUN_RC"
assert_jq "... names the recorded device bluetoothd has not seen" \
	".not_stopped[0].address == \"$TG\" and (.not_stopped[0].reason | test(\"not seen\"))" "$RUN_OUT"
mark=$(log_mark)
check "the Theragun is switched on again" sim_call SetPowered sb $TG true
check "found by the scan, it gets a stop frame with no client asking" wait_until 10 \
	stopped_since $TG "$mark"
check "... the record is empty" wait_until 5 record_empty
check "... logged" wait_until 5 in_log "recovery: stopped $TG (theragun)"
run mctl stop
assert_eq "massagectl stop now: exit 0" 0 "$RUN_RC"
stop_spawned massaged TERM
assert_eq "massaged exits cleanly" 0 "$SPAWN_RC"

stop_sim sim
finish
