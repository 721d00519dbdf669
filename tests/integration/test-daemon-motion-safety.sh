#!/usr/bin/env bash
# What reaches the motor, on the sim's command log (docs/safety.md):
# - a manual SetIntensity(100) from rest obeys the programme rules: the first
#   frame at most the start intensity (30 %), then a ramp at the rise rate;
# - a device that stops by itself (its own button: the reference protocol's
#   ERROR USER_STOP; its watchdog after massaged froze) is never driven again
#   until a person asks: a manual level drops to 0, a session pauses, and no
#   motion frame follows; a person's Resume starts again from the start rule.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

A=AA:BB:CC:00:00:07
DEV=$(devpath $A)
start_bus
# The sim's watchdog stops the motor after 3 s without a frame (three
# keepalive periods); force readings off, they are noise here.
start_sim sim --device "reference,name=Pulse,address=$A,keepalive-timeout=3000,force-period=600000" || exit 1
write_steps "$MSD_DATA/programmes/climb.programme" "Climb and hold" \
	"climb hamstrings proximal 10s ramp 20% 60%" "hold hamstrings mid 2min constant 60%"
start_massaged || exit 1
monitor_signals
check "discover" mgr StartDiscovery
check "device appears" wait_until 10 has_object "$DEV"
check "Connect" msd_call "$DEV" Device1 Connect

# motion MARK: "t_ns value" of every motion frame to A after MARK.
motion() {
	simlog "select(.dev==\"$A\" and (.cmd==\"intensity\" or .cmd==\"start\" or .cmd==\"speed\") and .t_ns > $1) | \"\\(.t_ns) \\(.value)\"" | tr -d '"'
}
# keepalives_since MARK N: the daemon wrote N keepalives after MARK (it ran on
# for N seconds, with time to send anything it wanted to).
keepalives_since() {
	[ "$(simlog "select(.dev==\"$A\" and .cmd==\"keepalive\" and .t_ns > $1)" | wc -l)" -ge "$2" ]
}
event_t() { simlog "select(.dev==\"$A\" and .event==\"$1\") | .t_ns" | tail -n1; }

# --- SetIntensity(100) from rest
mark=$(log_mark)
check "SetIntensity 100 from rest is accepted" msd_call "$DEV" Device1 SetIntensity d 100
check "Intensity ramps up to 100" wait_prop 30 "$DEV" Device1 Intensity 100
frames=$(motion "$mark")
first=$(head -n1 <<<"$frames" | cut -d' ' -f2)
check "the first frame is at most the start intensity (30 %): $first" \
	awk -v v="$first" 'BEGIN { exit !(v > 0 && v <= 30) }'
assert_eq "the last frame is 100" 100 "$(tail -n1 <<<"$frames" | cut -d' ' -f2)"
# Every rise between any two frames is within the rise rate (10 %/s) times
# the time between them, plus the gate's slack (2) and one second for frames
# that a loaded machine delivered late: an unramped rise (30 -> 100 at once)
# is 70 points in no time.
check "no rise faster than 10 %/s between any two frames" awk '
	{ t[NR] = $1 / 1e9; v[NR] = $2 }
	END {
		for (i = 1; i <= NR; i++)
			for (j = i + 1; j <= NR; j++)
				if (v[j] - v[i] > 10 * (t[j] - t[i] + 1) + 2) {
					printf "%g at %.3f -> %g at %.3f\n", v[i], t[i], v[j], t[j] > "/dev/stderr"
					exit 1
				}
	}' <<<"$frames"
check "the ramp took at least 5 s (70 points at 10 %/s is 7 s)" awk '
	NR == 1 { t0 = $1 } END { exit !(($1 - t0) / 1e9 >= 5) }' <<<"$frames"

# --- the device's own button stops a manual run
check "PressButton" sim_call PressButton s "$A"
check "Intensity drops to 0" wait_prop 5 "$DEV" Device1 Intensity 0
check "State ready" wait_prop 5 "$DEV" Device1 State '"ready"'
assert_contains "the daemon says why" "stopped by itself" "$(cat "$TEST_TMP/massaged.log")"

# --- the button during a session: paused, nothing moves until Resume
S=$(start_session "$DEV" climb)
assert_contains "Start returns a session path" "/org/massaged/session/" "$S"
check "the programme climbs past 40 %" wait_simlog 30 "select(.dev==\"$A\" and .cmd==\"intensity\" and .value >= 40)"
check "PressButton mid-ramp" sim_call PressButton s "$A"
pressed=$(event_t button-stop)
check "the session pauses" wait_until 5 saw_state "$S" paused
assert_eq "Device1 Intensity 0" 0 "$(msd_prop "$DEV" Device1 Intensity)"
check "the daemon ran on for 3 s (3 keepalives)" wait_until 20 keepalives_since "$pressed" 3
assert_eq "no motion frame after the button" "" "$(motion "$pressed")"

mark=$(log_mark)
check "a person resumes" msd_call "$S" Session1 Resume
check "motion again after Resume" wait_simlog 10 "select(.dev==\"$A\" and .cmd==\"intensity\" and .t_ns > $mark)"
first=$(motion "$mark" | head -n1 | cut -d' ' -f2)
check "the first frame after Resume is at most 30 % ($first)" \
	awk -v v="$first" 'BEGIN { exit !(v > 0 && v <= 30) }'

# --- the device's watchdog: massaged frozen longer than it allows
check "the programme climbs past 40 % again" wait_simlog 30 "select(.dev==\"$A\" and .cmd==\"intensity\" and .value >= 40 and .t_ns > $mark)"
signal_spawned massaged STOP
check "the sim's watchdog stops the frozen daemon's device" wait_simlog 20 "select(.dev==\"$A\" and .event==\"keepalive-timeout\")"
stopped=$(event_t keepalive-timeout)
signal_spawned massaged CONT
check "the session pauses after the freeze" wait_until 10 \
	lines_at_least 2 grep "^$S: .*'State': <'paused'>" "$TEST_TMP/monitor.log"
check "the daemon ran on for 3 s after waking" wait_until 20 keepalives_since "$stopped" 3
assert_eq "no motion frame after the device's watchdog stopped it" "" "$(motion "$stopped")"

check "Stop" msd_call "$DEV" Device1 Stop
check "massaged still runs" is_running massaged
assert_not_contains "no sanitizer reports" "Sanitizer" "$(cat "$TEST_TMP/massaged.log")"
finish
