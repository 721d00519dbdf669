# Helpers for tests of massage-sim. Source after lib.sh:
#
#   . "$SOURCE_DIR/tests/lib.sh"; . "$SOURCE_DIR/tests/lib-sim.sh"
#   start_bus
#   start_sim sim --device reference      # massage-sim, log in $TEST_TMP/sim.jsonl
#   client discover AA:BB:CC:DD:EE:FF -- connect AA:BB:CC:DD:EE:FF
#   spawn_client cl notify ... -- expect-notify ...; wait_spawned cl 15
#   sim_state AA:BB:CC:DD:EE:FF running   # → true
#   sim_call SetBattery su AA:BB:CC:DD:EE:FF 3
#
# Processes started here are spawn()ed, so lib.sh's trap stops them.
set -o pipefail

SIM_BIN=$BUILD_DIR/sim/massage-sim
CLIENT_BIN=$BUILD_DIR/tests/tools/bluez-test-client
. "$SOURCE_DIR/tests/lib-bluez.sh"
# The drivers' service and write characteristics, from the built massagectl.
REF_SVC=$(driver_uuid reference service)
REF_CONTROL=$(driver_uuid reference write)
TG_WRITE=$(driver_uuid theragun write)
LV_WRITE=$(driver_uuid lovense write)
# (REF_CAPS, REF_STATUS, TG_NOTIFY, LV_NOTIFY: tests/lib-bluez.sh)
DEV1=AA:BB:CC:DD:EE:FF
DEV1_PATH=/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF
# The addresses the tests give a simulated Theragun and Lovense.
TG=11:22:33:44:55:66
TG_PATH=/org/bluez/hci0/dev_11_22_33_44_55_66
LV=C0:FF:EE:00:00:01
LV_PATH=/org/bluez/hci0/dev_C0_FF_EE_00_00_01

# Sanitizer builds: leaks in GLib's type system are not ours.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$SOURCE_DIR/tests/lsan.supp}

# start_sim NAME [massage-sim args...]: starts it with --log $TEST_TMP/NAME.jsonl
# and waits until it owns org.bluez and org.massaged.Sim.
start_sim() {
	local name=$1
	shift
	SIM_LOG=$TEST_TMP/$name.jsonl
	spawn "$name" "$SIM_BIN" --log "$SIM_LOG" "$@"
	if ! wait_until 10 sim_ready; then
		log "massage-sim did not come up:"
		cat "$TEST_TMP/$name.log" >&2
		return 1
	fi
}

sim_ready() { has_name org.bluez && has_name org.massaged.Sim; }

# client STEP ARGS [-- STEP ARGS]...: the long-lived test client (see tests/tools).
client() { "$CLIENT_BIN" "$@" 2>>"$TEST_TMP/client.err"; }
# spawn_client NAME STEP ARGS [-- STEP ARGS]...: the same in the background
# (spawn; its output in $TEST_TMP/NAME.log, its status from wait_spawned).
spawn_client() {
	local name=$1
	shift
	spawn "$name" "$CLIENT_BIN" "$@"
}

# sim_call METHOD SIGNATURE ARGS...: a call on org.massaged.Sim1.
sim_call() {
	local method=$1
	shift
	busctl --system call org.massaged.Sim /org/massaged/Sim org.massaged.Sim1 "$method" "$@"
}

# sim_state ADDR KEY: one field of GetState, as JSON (true, 40, ...).
sim_state() {
	busctl --system --json=short call org.massaged.Sim /org/massaged/Sim org.massaged.Sim1 \
		GetState s "$1" | jq -c --arg k "$2" '.data[0][$k].data'
}

# (bluez_prop, bluez_call, bluez_paths, enc: tests/lib-bluez.sh)

# log_count JQ_FILTER: how many lines of the sim's command log match (select).
# A missing or unreadable log is an error (nothing printed, status 2), never 0.
log_count() {
	local n
	n=$(jq -c "select($1)" "$SIM_LOG" | wc -l) || { log "log_count: cannot read ${SIM_LOG:-the sim log}"; return 2; }
	echo "$n"
}

# log_count_above JQ_FILTER N: succeeds once more than N lines match (for wait_until).
log_count_above() { [ "$(log_count "$1")" -gt "$2" ]; }

# notifying PATH: a characteristic has notifications on (for wait_until).
notifying() { [ "$(bluez_prop "$1" GattCharacteristic1 Notifying)" = "b true" ]; }

# stop_sim NAME: SIGTERM, and checks it exits cleanly (status 0: no crash, no
# sanitizer report).
stop_sim() {
	stop_spawned "$1"
	assert_eq "massage-sim ($1) exits cleanly on SIGTERM" 0 "$SPAWN_RC"
	[ "$SPAWN_RC" = 0 ] || tail -n 40 "$TEST_TMP/$1.log" >&2
}
