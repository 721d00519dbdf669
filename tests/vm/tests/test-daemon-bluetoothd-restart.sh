#!/usr/bin/env bash
# Real stack: bluetoothd restarts mid-session (a crash, an upgrade, systemctl
# restart bluetooth). org.bluez leaves the bus and every device and link with
# it; the new bluetoothd knows none of them. massaged must put the session on
# hold with its clock frozen, find org.bluez again, rediscover the device,
# reconnect it and resume the programme to its end, with a stop at the
# device. The peripheral, like a real device, is its own process and
# re-registers with the new bluetoothd by itself. The new bluetoothd is this
# test's own (spawn) and stopped at its end; guest-run.sh starts another for
# the tests after it.
. "$VM_TOOLS/lib-guest.sh"
. "$(dirname "$0")/lib-peripheral.sh"
. "$(dirname "$0")/lib-daemon.sh"

# Generous: a return sometimes meets a link bluetoothd never resolves, and
# each costs massaged a 10 s wait and a retry (docs/testing.md, timings).
printf '[Reconnect]\nWindow=120s\nInitialDelay=500ms\nMaxDelay=2s\n' >"$MSD_CONF"
adapter_powered() { bluez_prop_is "/org/bluez/$1" Adapter1 Powered "b true"; }
has_adapters() { bluez_prop /org/bluez/hci0 Adapter1 Address >/dev/null && bluez_prop /org/bluez/hci1 Adapter1 Address >/dev/null; }

start_three

# --- bluetoothd goes ---
# The bluetoothd the harness (guest-run.sh) started, known by the bus name it
# owns and by its start time; the fault this test injects is its end.
old=$(bluez_pid)
old_start=$(proc_start_time "$old")
cmdline=$(tr '\0' ' ' </proc/"$old"/cmdline)
t0=$(ms)
kill -TERM "$old"
check "bluetoothd exits" wait_until 10 not proc_alive "$old" "$old_start"
check "org.bluez has left the bus" wait_until 5 not has_name org.bluez
check "the session waits for the device" wait_until 10 session_is waiting-device
timing bluetoothd-gone-to-waiting-device "$(($(ms) - t0))"
frozen=$(elapsed_ms)
frozen_step=$("$M" --json status 2>/dev/null | jq -r '.sessions[0].step // -1')
# bluetoothd stays away at least 2 s: a programme clock that ran on would
# resume that much further on (resumed_where_frozen, below).
sleep 2
check "the peripheral saw org.bluez go" logged '.event == "bluez-gone"'

# --- a new bluetoothd, with the same main.conf, as systemd would start it ---
t0=$(ms)
m1=$(mark)
# shellcheck disable=SC2086 # the command line as the harness started it
PROC_LOGDIR=$VM_RESULTS/logs spawn bluetoothd-restarted $cmdline
check "the new bluetoothd is on the bus" wait_until 20 has_name org.bluez
check "the new bluetoothd has both adapters" wait_until 20 has_adapters
# The system's job, not massaged's (bluetoothd's AutoEnable, or the desktop):
# adapters that came up off are powered on.
for a in hci0 hci1; do
	wait_until 3 adapter_powered $a ||
		busctl --system set-property org.bluez /org/bluez/$a org.bluez.Adapter1 Powered b true
done
check "the peripheral re-registered with the new bluetoothd" wait_until 20 \
	logged ".t_ns > $m1 and .event == \"advertising\""
check "massaged rediscovers, reconnects and the session plays on" wait_playing 90
timing bluetoothd-back-to-playing "$(($(ms) - t0))"
check "the programme clock was frozen while bluetoothd was away (${frozen} ms in step $frozen_step at the loss; ${PLAYING_ELAPSED_MS:-?} ms in step ${PLAYING_STEP:-?} at the resume)" \
	resumed_where_frozen "$frozen" "$frozen_step"
check "the device is driven again (20 % resumes)" wait_until 10 \
	logged ".t_ns > $m1 and .cmd == \"intensity\" and .value == 20"
check "the programme ends" wait_until 30 session_is none
got=$(levels "$m1")
log "levels after bluetoothd returned: $got"
assert_contains "the rest of the programme reached the device in order" "intensity:20 intensity:30 intensity:40 " "$got"
assert_eq "the programme ended with a stop at the device" stop "$(last_cmd)"
check "massagectl shows the device ready again" out_jq '.devices[0].state == "ready"' "$M" --json status
assert_not_contains "no sanitizer reports" "Sanitizer" "$(cat "$TEST_TMP/massaged.log")"
stop_spawned massaged TERM
assert_eq "massaged exits 0" 0 "$SPAWN_RC"
# Its own bluetoothd goes with the test; org.bluez is free for guest-run.sh's next one.
stop_spawned bluetoothd-restarted TERM
check "the restarted bluetoothd leaves the bus" wait_until 10 not has_name org.bluez
finish
