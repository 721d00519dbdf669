#!/usr/bin/env bash
# Sessions end to end: Manager1.Start plays a programme on a simulated
# reference device; the sim's command log shows every change at its scheduled
# time (--time-scale 5, tolerance 150 ms real), the finish with a stop, pause,
# resume, next, previous, adjust, a stop mid-step reaching the device, an
# attached caller (massagectl start --follow) vanishing, and Device1.Disconnect
# of a running device stopping it before the link goes.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

SCALE=5
TOL_MS=150
A=AA:BB:CC:00:00:01
DEV=$(devpath $A)
start_bus
start_sim sim --device "reference,name=Pulse,address=$A" || exit 1
write_programme "$MSD_DATA/programmes/gentle.programme" "Gentle test"
# Long steps for the interactive part, so a loaded machine cannot outrun it.
write_long_programme "$MSD_DATA/programmes/long.programme" 30s
start_massaged --time-scale $SCALE || exit 1
monitor_signals
check "discover" mgr StartDiscovery
check "device appears" wait_until 10 has_object "$DEV"
check "Connect" msd_call "$DEV" Device1 Connect

# --- a whole programme, on schedule
# gentle: per side warm 4 s at 20 %, work 4 s at 30 %, rest 2 s at 0 %; sides left, right.
mark=$(log_mark)
S=$(start_session "$DEV" gentle)
assert_contains "Start returns a session path" "/org/massaged/session/" "$S"
assert_eq "Device1.Session points at it" "\"$S\"" "$(msd_prop "$DEV" Device1 Session)"
assert_eq "StepCount (sides expanded)" 6 "$(msd_prop "$S" Session1 StepCount)"
assert_eq "Duration" 20000 "$(msd_prop "$S" Session1 Duration)"
assert_eq "Programme" '"gentle"' "$(msd_prop "$S" Session1 Programme)"
assert_contains "Start on a busy device: Busy" "org.massaged.Error.Busy" \
	"$(gdbus_error /org/massaged org.massaged.Manager1.Start "$DEV" gentle '{}')"
check "Finished('completed')" wait_finished 10 "$S" completed
got=$(session_cmds $A "$mark")
# A rest is intensity 0 (which stops the motor in every driver's protocol);
# the end of a session always sends a stop.
assert_eq "the device got the programme's changes, in order, and a final stop" \
	"intensity 20|intensity 30|intensity 0|intensity 20|intensity 30|intensity 0|stop" \
	"$(awk '{ print $2 (NF > 2 ? " " $3 : "") }' <<<"$got" | paste -sd'|')"
expected=(0 4000 8000 10000 14000 18000 20000)
i=0
while read -r t kind _; do
	want=$((expected[i] / SCALE))
	diff=$((t - want))
	check "change $((i + 1)) ($kind) at ${t} ms, scheduled ${want} ms (±${TOL_MS})" test "${diff#-}" -le $TOL_MS
	i=$((i + 1))
done <<<"$got"
# The first step's properties, as PropertiesChanged announced them (the
# step is over by now at this time scale).
first=$(grep -m1 -A3 "^$S: org.freedesktop.DBus.Properties.PropertiesChanged ('org.massaged.Session1'" "$TEST_TMP/monitor.log" | tr '\n' ' ')
assert_contains "first step: side left" "'Side': <'left'>" "$first"
assert_contains "first step: muscle" "'Muscle': <'hamstrings'>" "$first"
assert_contains "first step: prompt" "'Prompt': <'Warm up.'>" "$first"
assert_contains "first step: zone" "'Zone': <'full-length'>" "$first"
assert_eq "StepChanged for every step" 6 "$(grep -c "^$S: org.massaged.Session1.StepChanged" "$TEST_TMP/monitor.log")"
assert_eq "the sim's device is stopped at the end" false "$(sim_state $A running)"
check "Device1.Session is cleared" wait_prop 3 "$DEV" Device1 Session '"/"'
check "the finished session object goes away" wait_until 3 not has_object "$S"

# --- pause and resume: programme time freezes
mark=$(log_mark)
S=$(start_session "$DEV" long)
check "the device runs the first step" wait_simlog 5 "select(.dev==\"$A\" and .cmd==\"intensity\" and .value==20 and .t_ns > $mark)"
# At least 300 ms real (1500 ms of programme time) into the first step's 30 s;
# a slow machine only makes it later, which the checks below allow.
sleep 0.3
check "Pause" msd_call "$S" Session1 Pause
assert_eq "State paused" '"paused"' "$(msd_prop "$S" Session1 State)"
check "the device got a stop on pause" wait_simlog 2 "select(.dev==\"$A\" and .cmd==\"stop\" and .t_ns > $mark)"
e1=$(msd_prop "$S" Session1 Elapsed)
check "Elapsed is where it paused (at least ~1500 ms of programme time, inside the first step: $e1)" test "$e1" -ge 1000 -a "$e1" -lt 30000
# Paused for at least 1.5 s real, 7500 ms of programme time: a clock that ran
# on while paused resumes at least that much further on. Elapsed is published
# when the state changes, so the value read after Resume is the resume point.
sleep 1.5
t_stop=$(simlog "select(.dev==\"$A\" and .cmd==\"stop\" and .t_ns > $mark) | .t_ns" | head -n1)
t_resume=$(log_mark)
assert_eq "no motion frame while paused" "" \
	"$(simlog "select(.dev==\"$A\" and (.cmd==\"intensity\" or .cmd==\"start\") and .t_ns > $t_stop and .t_ns <= $t_resume)")"
check "Resume" msd_call "$S" Session1 Resume
assert_eq "State playing" '"playing"' "$(msd_prop "$S" Session1 State)"
e2=$(msd_prop "$S" Session1 Elapsed)
diff=$((e2 - e1))
check "Elapsed frozen while paused: ${e2} ms after resuming, ${e1} ms at the pause (±2500; paused >= 7500)" test "${diff#-}" -le 2500
check "the device restarts at the warm-up level" wait_until 2 prints 2 log_count ".dev==\"$A\" and .cmd==\"intensity\" and .value==20 and .t_ns > $mark"

# --- next / previous
check "Next" msd_call "$S" Session1 Next
check "Step 1 after Next" wait_prop 2 "$S" Session1 Step 1
assert_eq "StepName" '"second"' "$(msd_prop "$S" Session1 StepName)"
check "the device reaches the work level (a rise is ramped)" wait_simlog 4 "select(.dev==\"$A\" and .cmd==\"intensity\" and .value==30 and .t_ns > $mark)"
check "Previous (right after a step began: the step before)" msd_call "$S" Session1 Previous
check "Step 0 after Previous" wait_prop 2 "$S" Session1 Step 0

# --- adjust: the programme's 20 % becomes 10 %
check "Adjust 50" msd_call "$S" Session1 Adjust d 50
check "the device got 10 %" wait_simlog 2 "select(.dev==\"$A\" and .cmd==\"intensity\" and .value==10 and .t_ns > $mark)"
assert_eq "Scale" 50 "$(msd_prop "$S" Session1 Scale)"
assert_contains "Adjust 300: InvalidArgs" "org.massaged.Error.InvalidArgs" \
	"$(gdbus_error "$S" org.massaged.Session1.Adjust 300.0)"

# --- stop mid-step reaches the device
mark=$(log_mark)
check "Session1.Stop" msd_call "$S" Session1 Stop
check "the stop reached the device" wait_simlog 1 "select(.dev==\"$A\" and .cmd==\"stop\" and .t_ns > $mark)"
check "Finished('stopped')" wait_finished 2 "$S" stopped
assert_eq "the sim's device is stopped" false "$(sim_state $A running)"

# --- Device1.Stop ends the session too
S=$(start_session "$DEV" long)
check "playing" wait_prop 5 "$S" Session1 State '"playing"'
check "Device1.Stop" msd_call "$DEV" Device1 Stop
check "Finished('stopped') from Device1.Stop" wait_finished 2 "$S" stopped

# --- options are checked
assert_contains "Start with an unknown option: InvalidArgs" "org.massaged.Error.InvalidArgs" \
	"$(gdbus_error /org/massaged org.massaged.Manager1.Start "$DEV" gentle "{'atach': <true>}")"
assert_contains "Start with an unknown programme: NotFound" "org.massaged.Error.NotFound" \
	"$(gdbus_error /org/massaged org.massaged.Manager1.Start "$DEV" nosuch '{}')"

# --- side: only the right pass
check "device idle again" wait_prop 3 "$DEV" Device1 Session '"/"'
S=$(start_session "$DEV" gentle 1 side s right)
assert_eq "side=right starts on the right pass" '"right"' "$(msd_prop "$S" Session1 Side)"
check "and completes" wait_finished 5 "$S" completed

# --- an imported programme cannot be removed while it plays
check "device idle again" wait_prop 3 "$DEV" Device1 Session '"/"'
ID=$(mgr ImportProgramme s "$(sed 's/^Name=.*/Name=Imported one/' "$MSD_DATA/programmes/long.programme")" | jq -r '.data[0]')
assert_eq "imported" "imported-one" "$ID"
S=$(start_session "$DEV" "$ID")
assert_contains "RemoveProgramme while it plays: Busy" "org.massaged.Error.Busy" \
	"$(gdbus_error /org/massaged org.massaged.Manager1.RemoveProgramme "$ID")"
check "stop it" msd_call "$S" Session1 Stop
check "Finished" wait_finished 2 "$S" stopped
check "then RemoveProgramme works" mgr RemoveProgramme s "$ID"

# --- attach: the caller vanishing ends the session and stops the device
check "device idle again" wait_prop 3 "$DEV" Device1 Session '"/"'
MASSAGECTL=$BUILD_DIR/cli/massagectl
if [ -x "$MASSAGECTL" ]; then
	spawn follower "$MASSAGECTL" start gentle --device "$A" --follow
	check "the attached session starts" wait_until 5 \
		out_jq '.data | test("session")' busctl --system --json=short get-property org.massaged "$DEV" org.massaged.Device1 Session
	S=$(msd_prop "$DEV" Device1 Session | tr -d '"')
	mark=$(log_mark)
	stop_spawned follower KILL
	check "Finished('caller-vanished')" wait_finished 3 "$S" caller-vanished
	check "the device got a stop" wait_simlog 2 "select(.dev==\"$A\" and .cmd==\"stop\" and .t_ns > $mark)"
else
	fail "attach test needs massagectl ($MASSAGECTL)"
fi

# --- Device1.Disconnect of a running device: a stop reaches it before the link goes
check "device idle again" wait_prop 3 "$DEV" Device1 Session '"/"'
mark=$(log_mark)
S=$(start_session "$DEV" long)
check "the device runs" wait_simlog 5 "select(.dev==\"$A\" and .cmd==\"intensity\" and .t_ns > $mark)"
check "Device1.Disconnect while the session plays" msd_call "$DEV" Device1 Disconnect
check "the link goes" wait_simlog 5 "select(.dev==\"$A\" and .event==\"disconnect\" and .t_ns > $mark)"
t_disc=$(simlog "select(.dev==\"$A\" and .event==\"disconnect\" and .t_ns > $mark) | .t_ns" | head -n1)
assert_eq "the device's last command before its disconnect is a stop" "stop" \
	"$(simlog "select(.dev==\"$A\" and .t_ns > $mark and .t_ns < $t_disc and .cmd != null and .cmd != \"keepalive\" and .cmd != \"status\") | .cmd" | tail -n1 | tr -d '"')"
check "the session ends: Finished('stopped')" wait_finished 3 "$S" stopped

check "massaged still runs" is_running massaged
assert_not_contains "no sanitizer reports" "Sanitizer" "$(cat "$TEST_TMP/massaged.log")"
finish
