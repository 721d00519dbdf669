#!/usr/bin/env bash
# The zone limits at play time, through the real daemon: a Previous that
# would replay a step already at the 3-minute limit is refused with
# org.massaged.Error.InvalidArgs and a message naming the step, the zone and
# the limit; the session is left as it was; `massagectl previous` exits 6
# with that message; a Next that breaks nothing still works, and a Next that
# would skip a needed rest is refused the same way.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

A=AA:BB:CC:00:00:01
DEV=$(devpath $A)
start_bus
start_sim sim --device "reference,name=Pulse,address=$A" || exit 1
# Valid: exactly 3 min in a row on the calves. Any time played before a
# replay of step a would take it past the limit.
write_steps "$MSD_DATA/programmes/at-limit.programme" "At the zone limit" "a calves - 3min 20%" "rest - - 30s -"
# Valid: the rest resets the run before b's 3 minutes. Skipping it after any
# time on a would not.
write_steps "$MSD_DATA/programmes/rest-needed.programme" "A rest is needed" \
	"a calves - 1min 20%" "rest - - 30s -" "b calves - 3min 20%"
# At 5 x, step a lasts 36 s (at-limit) or 12 s (rest-needed) of real time,
# far longer than the calls that pause it; a pause is a rest in real time,
# and the calls made while paused take far less than 30 s.
start_massaged --time-scale 5 || exit 1
check "discover" mgr StartDiscovery
check "device appears" wait_until 10 has_object "$DEV"
check "Connect" msd_call "$DEV" Device1 Connect

S=$(start_session "$DEV" at-limit)
assert_contains "Start" "/org/massaged/session/" "$S"
check "Pause" msd_call "$S" Session1 Pause
elapsed=$(msd_prop "$S" Session1 Elapsed)
check "some of step a was played before the pause ($elapsed ms)" test "$elapsed" -gt 0
assert_eq "paused in step a" 0 "$(msd_prop "$S" Session1 Step)"

err=$(gdbus_error "$S" org.massaged.Session1.Previous)
assert_contains "Previous: InvalidArgs" "org.massaged.Error.InvalidArgs" "$err"
assert_contains "... names the step, the zone and the limit" \
	'Previous refused: step "a" would then make 3min' "$err"
assert_contains "... and the rest that would allow it" \
	"in a row on calves full-length, above the maximum of 3min; only a rest of at least 30s ends a run" "$err"
assert_eq "the refused Previous left the session paused" '"paused"' "$(msd_prop "$S" Session1 State)"
assert_eq "... at the same point" "$elapsed" "$(msd_prop "$S" Session1 Elapsed)"

RC=0
"$BUILD_DIR/cli/massagectl" previous >"$TEST_TMP/out" 2>"$TEST_TMP/err" || RC=$?
assert_eq "massagectl previous: exit 6" 6 "$RC"
assert_contains "... with the daemon's reason" 'Previous refused: step "a"' "$(cat "$TEST_TMP/err")"

check "Next (into the rest) breaks nothing: allowed" msd_call "$S" Session1 Next
check "Step 1 after Next" wait_prop 2 "$S" Session1 Step 1
check "Stop" msd_call "$S" Session1 Stop
check "the device is free again" wait_prop 3 "$DEV" Device1 Session '"/"'

S=$(start_session "$DEV" rest-needed)
assert_contains "Start rest-needed" "/org/massaged/session/" "$S"
check "Pause in step a" msd_call "$S" Session1 Pause
elapsed=$(msd_prop "$S" Session1 Elapsed)
check "some of step a was played ($elapsed ms)" test "$elapsed" -gt 0
check "Next into the rest: allowed" msd_call "$S" Session1 Next
assert_eq "Step 1 (the rest)" 1 "$(msd_prop "$S" Session1 Step)"
err=$(gdbus_error "$S" org.massaged.Session1.Next)
assert_contains "Next over the rest: InvalidArgs" "org.massaged.Error.InvalidArgs" "$err"
assert_contains "... names step b, the zone and the limit" \
	'Next refused: step "b" would then make 3min' "$err"
assert_eq "... and the session stays in the rest" 1 "$(msd_prop "$S" Session1 Step)"
check "Stop" msd_call "$S" Session1 Stop

finish
