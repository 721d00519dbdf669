#!/usr/bin/env bash
# A start that tells the truth and a wait that tells how it ended, on the
# real binaries (dbus-daemon, massage-sim, massaged, massagectl):
#  - start against a powered-off device fails (exit 4) with the reason in
#    words, and the session's Finished carries the same words;
#  - start returns only once the device plays (the first frame is in the
#    sim's log when massagectl exits);
#  - start --wait exits per outcome: completed 0, stopped from another shell
#    10, device dropped beyond the reconnect window 11; --json prints the
#    final record with outcome and detail; Ctrl-C (SIGINT) on --wait leaves
#    the session playing.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

M=$BUILD_DIR/cli/massagectl
start_left_right || exit 1
write_steps "$MSD_DATA/programmes/short.programme" Short "one hamstrings proximal 5s 20%"
write_long_programme "$MSD_DATA/programmes/long.programme" 60s
printf '[Reconnect]\nWindow=3s\nInitialDelay=200ms\nMaxDelay=500ms\n' >"$MSD_CONF"
start_massaged --time-scale 5 || exit 1
monitor_signals
check "discover" mgr StartDiscovery
check "A appears" wait_until 10 has_object "$DA"
check "B appears" wait_until 10 has_object "$DB"

# --- a powered-off device: start fails with the reason in words
check "A is switched off" sim_call SetPowered sb "$A" false
run "$M" start short --device $A --no-caution
assert_exit "start on a powered-off device: exit 4 (not connected)" 4
assert_contains "it says why, in words" "switched off, out of reach" "$RUN_ERR"
assert_contains "and keeps BlueZ's own token for whoever digs" "le-connection-abort-by-local" "$RUN_ERR"
assert_not_contains "it never claims it started" "Started" "$RUN_OUT"
check "the session's Finished says error" wait_finished 5 /org/massaged/session/1 error
assert_contains "Finished's detail carries the same words" "switched off, out of reach" \
	"$(finished_detail /org/massaged/session/1)"
run "$M" --json start short --device $A --no-caution
assert_exit "--json: exit 4 as well" 4
assert_eq "--json: the error object names it" "not-connected" "$(jq -r .error.name <<<"$RUN_OUT")"
assert_contains "--json: the message says why" "switched off" "$(jq -r .error.message <<<"$RUN_OUT")"
run "$M" connect $A
assert_exit "connect a powered-off device: exit 4" 4
assert_contains "connect: why, in words" "switched off, out of reach" "$RUN_ERR"
assert_not_contains "connect: no D-Bus error name" "org.bluez.Error" "$RUN_ERR"
assert_not_contains "connect: no advice to connect first" "Connect the device first" "$RUN_ERR"
check "A is switched on again" sim_call SetPowered sb "$A" true

# --- a start that returns once the device plays
mark=$(log_mark)
run "$M" start long --device $B --no-caution
assert_exit "start on B: exit 0" 0
assert_contains "it says it started" "Started 'long'" "$RUN_OUT"
# Read right after massagectl returned: the first level has already gone to
# the device's writer (its State says running), and the frame reaches the sim.
assert_eq "the device runs when start returns" '"running"' "$(msd_prop "$DB" Device1 State)"
check "the first frame reaches the device" wait_simlog 5 "select(.dev==\"$B\" and .cmd==\"intensity\" and .t_ns > $mark)"
run "$M" stop $B
assert_exit "stop B" 0

# --- --wait: completed
run "$M" start short --device $B --wait --no-caution
assert_exit "--wait, completed: exit 0" 0
assert_contains "it prints the outcome" "finished: completed: played all 1 steps" "$RUN_OUT"
check "B has no session" wait_prop 3 "$DB" Device1 Session '"/"'

# --- --wait --json: the final record
run "$M" --json start short --device $B --wait --no-caution
assert_exit "--wait --json, completed: exit 0" 0
assert_eq "one JSON record with the outcome, its detail and the final state" \
	"completed played all 1 steps finished" \
	"$(jq -r '"\(.outcome) \(.detail) \(.state)"' <<<"$RUN_OUT")"
check "B has no session" wait_prop 3 "$DB" Device1 Session '"/"'

# stopped_elsewhere --wait|--follow: "long" on B under the option, in the
# background, stopped by 'massagectl stop' from another shell; the command's
# exit code in RC, its output in $TEST_TMP/stopped$1.out.
stopped_elsewhere() {
	check "B idle before $1" wait_prop 3 "$DB" Device1 Session '"/"'
	"$M" start long --device $B "$1" --no-caution >"$TEST_TMP/stopped$1.out" 2>&1 &
	local w=$!
	check "B plays under $1" wait_until 10 msd_prop_jq "$DB" Device1 Session '. != "/"'
	check "$1: stopped from another shell" "$M" stop $B
	wait $w && RC=0 || RC=$?
}

# --- --wait: stopped from another shell
stopped_elsewhere --wait
assert_eq "--wait, stopped by someone: exit 10" 10 "$RC"
assert_contains "it says who stopped it" "finished: stopped" "$(cat "$TEST_TMP/stopped--wait.out")"

# --- --follow: stopped from another shell has its own code, not Ctrl-C's 9
stopped_elsewhere --follow
assert_eq "--follow, stopped by someone: exit 10 (not 9, which is Ctrl-C)" 10 "$RC"

# --- --wait: SIGINT ends the command, not the session
check "B idle" wait_prop 3 "$DB" Device1 Session '"/"'
"$M" start long --device $B --wait --no-caution >"$TEST_TMP/wait2.out" 2>&1 &
w=$!
check "--wait says it is playing" wait_until 10 grep -q "waiting for its end" "$TEST_TMP/wait2.out"
S=$(msd_prop "$DB" Device1 Session | tr -d '"')
kill -INT $w
wait $w
assert_eq "--wait interrupted: exit 9" 9 "$?"
assert_eq "the session plays on" '"playing"' "$(msd_prop "$S" Session1 State)"
check "stop it" msd_call "$S" Session1 Stop
check "B idle" wait_prop 3 "$DB" Device1 Session '"/"'

# --- --wait: the device dropped beyond the reconnect window
"$M" start long --device $A --wait --no-caution >"$TEST_TMP/wait3.out" 2>&1 &
w=$!
check "--wait says it is playing on A" wait_until 10 grep -q "waiting for its end" "$TEST_TMP/wait3.out"
check "A refuses connections from now on" sim_call SetRefuseConnect sb "$A" true
check "A drops" sim_call DropConnection su "$A" 0
wait $w
assert_eq "--wait, device lost: exit 11" 11 "$?"
assert_contains "it says the device did not come back" "finished: device-lost" "$(cat "$TEST_TMP/wait3.out")"
assert_eq "the sim's device is not running" false "$(sim_state $A running)"
check "A takes connections again" sim_call SetRefuseConnect sb "$A" false

# --- usage
run "$M" start long --device $B --wait --follow
assert_exit "--wait with --follow: usage error (exit 2)" 2

assert_not_contains "no sanitizer reports" "Sanitizer" "$(cat "$TEST_TMP/massaged.log")"
finish
