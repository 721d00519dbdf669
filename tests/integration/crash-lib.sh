# Helpers for the crash-recovery tests; source after daemon-lib.sh.
#
#   start_sim sim --device "theragun,name=Theragun PRO,address=$TG" ...
#   play_and_crash    # a programme plays on $TG; massaged gets SIGKILL
#
# What a SIGKILL leaves: the simulated Theragun still connected in the fake
# bluetoothd and still running (it has no watchdog of its own), and the
# in-motion record naming it.
set -o pipefail

RECORD=$MSD_STATE/in-motion
export MASSAGECTL_NO_CAUTION=1

# Two long, gentle steps: nothing ends before the crash.
write_steps "$MSD_DATA/programmes/steady.programme" Steady \
	"first hamstrings proximal 60s 30%" "second hamstrings distal 60s 30%"

# recorded ADDRESS: the record has a line for it.
recorded() { grep -q "^$1 " "$RECORD" 2>/dev/null; }
# record_empty: no device line (comments only, or no file).
record_empty() { ! grep -q '^[0-9A-F][0-9A-F]:' "$RECORD" 2>/dev/null; }
running() { [ "$(sim_state "$1" running)" = "$2" ]; }
# stop_frames ADDRESS SINCE_NS: how many stop frames reached it after SINCE_NS.
stop_frames() { log_count ".dev == \"$1\" and .cmd == \"stop\" and .t_ns > $2"; }
# stopped_since ADDRESS SINCE_NS: at least one stop frame reached it after SINCE_NS.
stopped_since() { [ "$(stop_frames "$1" "$2")" -gt 0 ]; }

# play_and_crash: massaged plays "steady" on $TG and is killed with SIGKILL
# while the motor runs.
play_and_crash() {
	start_massaged || exit 1
	mgr StartDiscovery >/dev/null
	wait_until 10 has_object "$(devpath $TG)" || { fail "the Theragun appears"; finish; }
	mgr StopDiscovery >/dev/null
	SESSION=$(start_session "$(devpath $TG)" steady)
	check "a programme plays on the Theragun (the sim runs it)" wait_until 10 running $TG true
	check "... and the in-motion record names it" recorded $TG
	stop_spawned massaged KILL
	mv "$TEST_TMP/massaged.log" "$TEST_TMP/massaged-killed.log"
	assert_eq "massaged was killed (SIGKILL)" 137 "$SPAWN_RC"
	assert_eq "after the kill the Theragun still runs" true "$(sim_state $TG running)"
}
