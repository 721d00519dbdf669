#!/usr/bin/env bash
# Rows of the fault matrix (docs/testing.md) that no other test covers, on
# the real massaged and massage-sim: a flood of garbage notifications
# mid-programme, massage-sim itself SIGKILLed mid-programme and started
# again, and massaged SIGKILLed while imports are under way. For each: the
# device ends stopped (or under control), nothing stored is lost, the daemon
# stays up (or, killed, comes back with everything).
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

A=AA:BB:CC:00:17:2A
DA=$(devpath $A)
running_is() { [ "$(sim_state "$1" running)" = "$2" ]; }
start_bus
write_programme "$MSD_DATA/programmes/gentle.programme" "Gentle test"
sed -i 's/^Duration=[0-9]*s$/Duration=50s/' "$MSD_DATA/programmes/gentle.programme"
SIM_ARGS=(--device "reference,name=Matrix,address=$A")
start_sim sim "${SIM_ARGS[@]}" || exit 1
start_massaged || exit 1
monitor_signals || exit 1
mgr StartDiscovery >/dev/null
check "the device appears" wait_until 10 has_object "$DA"
check "it connects" msd_call "$DA" Device1 Connect
check "... ready" wait_prop 10 "$DA" Device1 Connected true

# --- a flood of garbage notifications mid-programme
S=$(start_session "$DA" gentle)
check "playing" wait_prop 5 "$S" Session1 State '"playing"'
check "the device runs" wait_until 10 running_is $A true
for i in $(seq 1 300); do
	busctl --system call org.massaged.Sim /org/massaged/Sim org.massaged.Sim1 SendGarbage say "$A" 0 ||
		break
done
check "after 300 garbage notifications the daemon is up" is_running massaged
assert_eq "... the session still plays" '"playing"' "$(msd_prop "$S" Session1 State)"
check "... and a stop reaches the device" msd_call "$S" Session1 Stop
check "... which stops" wait_until 10 running_is $A false
check "Finished('stopped')" wait_finished 10 "$S" stopped

# --- massage-sim (bluetoothd and the device) SIGKILLed mid-programme, then started again
S=$(start_session "$DA" gentle)
check "playing again" wait_prop 5 "$S" Session1 State '"playing"'
stop_spawned sim KILL
check "the session waits for the device once org.bluez is gone" wait_until 10 saw_state "$S" waiting-device
check "the daemon stays up" is_running massaged
start_sim sim "${SIM_ARGS[@]}" || exit 1
# The device is back (a fresh one, motor off): the session plays on within
# the reconnect window, or ends; either way it is under control and a stop
# reaches it.
playing_or_finished() {
	msd_prop_is "$S" Session1 State '"playing"' ||
		grep -q "^$S: org.massaged.Session1.Finished" "$TEST_TMP/monitor.log"
}
check "the session is playing again or finished" wait_until 20 playing_or_finished
msd_call "$S" Session1 Stop >/dev/null 2>&1 || true
msd_call "$DA" Device1 Stop >/dev/null 2>&1 || true
check "the device ends stopped" wait_until 10 running_is $A false

# --- massaged SIGKILLed while imports are under way: nothing stored is lost
for i in $(seq 1 30); do
	write_programme "$TEST_TMP/imp-$i.programme" "Import $i"
done
: >"$TEST_TMP/imported"
# import_all: the 30 imports one after another, each acknowledged id a line of $TEST_TMP/imported.
import_all() {
	local i
	for i in $(seq 1 30); do
		"$BUILD_DIR/cli/massagectl" --json programme import "$TEST_TMP/imp-$i.programme" 2>/dev/null |
			jq -r '.id // empty' >>"$TEST_TMP/imported"
	done
}
spawn importer import_all
wait_until 20 lines_at_least 5 cat "$TEST_TMP/imported"
stop_spawned massaged KILL
wait_spawned importer 30 || log "the importer still runs 30 s after the kill"
acked=$(wc -l <"$TEST_TMP/imported")
check "some imports were acknowledged before the kill ($acked)" test "$acked" -ge 5
start_massaged || exit 1
missing=""
while read -r id; do
	[ -s "$MSD_STATE/programmes/$id.programme" ] || missing="$missing $id"
done <"$TEST_TMP/imported"
assert_eq "every acknowledged import is stored after the restart" "" "$missing"
listed=$(mgr ListProgrammes | jq -r '[.data[0][][0]] | join(" ")')
bad=""
while read -r id; do
	case " $listed " in *" $id "*) ;; *) bad="$bad $id" ;; esac
done <"$TEST_TMP/imported"
assert_eq "... and loads (the restarted daemon lists each)" "" "$bad"
assert_eq "no temporary file is left" "" "$(find "$MSD_STATE/programmes" -name '*.programme.*')"
for f in "$MSD_STATE"/programmes/*.programme; do
	"$BUILD_DIR/cli/massagectl" programme validate "$f" >/dev/null 2>&1 || bad="$bad $f"
done
assert_eq "every stored file is a whole, valid programme" "" "$bad"

finish
