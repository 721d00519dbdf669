# Helpers for the daemon's integration tests; source after tests/lib.sh.
# start_massaged [args...] (tests/lib-massaged.sh) starts the daemon on the
# directories below and waits for its bus name.
set -o pipefail

# massaged's own directories for this test.
msd_layout "$TEST_TMP"
# Shipped device files, so the daemon matches what the simulator offers.
if [ -d "$SOURCE_DIR/data/devices" ]; then
	cp "$SOURCE_DIR"/data/devices/*.device "$MSD_DATA/devices/" 2>/dev/null || true
fi

# M: the built massagectl; mctl ARGS...: it, on this test's data directory.
M=$BUILD_DIR/cli/massagectl
mctl() { "$M" --data-dir "$MSD_DATA" "$@"; }

# msd_call PATH INTERFACE METHOD [SIGNATURE ARGS...]: busctl, JSON output.
msd_call() {
	local path=$1 iface=$2 method=$3
	shift 3
	busctl --system --json=short call org.massaged "$path" "org.massaged.$iface" "$method" "$@"
}

# mgr METHOD [SIGNATURE ARGS...]
mgr() { msd_call /org/massaged Manager1 "$@"; }

# msd_prop PATH INTERFACE PROPERTY: the value as JSON.
msd_prop() {
	busctl --system --json=short get-property org.massaged "$1" "org.massaged.$2" "$3" | jq -c .data
}

# msd_prop_is PATH INTERFACE PROPERTY JSON_VALUE: it has that value now.
msd_prop_is() { [ "$(msd_prop "$1" "$2" "$3")" = "$4" ]; }

# msd_prop_jq PATH INTERFACE PROPERTY FILTER: jq -e FILTER holds for its value
# (wait_until 3 msd_prop_jq "$DEV" Device1 Speed '. > 0').
msd_prop_jq() { msd_prop "$1" "$2" "$3" | jq -e "$4" >/dev/null; }

# msd_error PATH IFACE METHOD ARGS...: runs a call expected to fail; prints busctl's
# error text (which holds the D-Bus error message).
msd_error() {
	if msd_call "$@" >/dev/null 2>"$TEST_TMP/call.err"; then
		echo "UNEXPECTED SUCCESS"
	else
		cat "$TEST_TMP/call.err"
	fi
}

# gdbus_error ... : like msd_error but through gdbus, which prints the error *name*.
gdbus_error() {
	local path=$1 method=$2
	shift 2
	gdbus call --system --dest org.massaged --object-path "$path" --method "$method" "$@" 2>&1 >/dev/null || true
}

# write_long_programme FILE [DURATION]: "Long steps", two constant steps of
# DURATION each (default 60s; hamstrings proximal at 20 %, distal at 30 %), for
# tests that work on a session while it plays: a loaded machine must not see
# the programme end under them.
write_long_programme() {
	write_steps "$1" "Long steps" "first hamstrings proximal ${2:-60s} 20%" "second hamstrings distal ${2:-60s} 30%"
}

# write_programme FILE NAME: a gentle programme in the design's format, 3
# steps, 2 sides.
write_programme() {
	cat >"$1" <<-PROG
	# A short test programme.
	[Programme]
	Name=$2
	Summary=Test programme
	Kind=any
	Sides=left,right

	[Step warm]
	Muscle=hamstrings
	Zone=full-length
	Duration=4s
	Intensity=20%
	Prompt=Warm up.

	[Step work]
	Muscle=biceps-femoris
	Zone=mid
	Duration=4s
	Intensity=30%
	Prompt=Work the middle.

	[Step rest]
	Duration=2s
	Intensity=0%
	Prompt=Rest.
	PROG
}

# ---- the simulator: tests/lib-sim.sh (start_sim NAME args, sim_call, sim_state, SIM_LOG) ----
. "$SOURCE_DIR/tests/lib-sim.sh"

# simlog JQ_FILTER: the command log through jq (-c, one result per line).
simlog() { jq -c "$1" "$SIM_LOG" 2>/dev/null; }

# simlog_has JQ_FILTER: the filter yields something (not null/false) for a
# line of the command log; a missing log is an error.
simlog_has() { jq_has "$SIM_LOG" "$1"; }

# wait_simlog TIMEOUT_S JQ_FILTER: until it does.
wait_simlog() { wait_jq "$SIM_LOG" "$2" "$1"; }

# cmds ADDRESS: the commands the device received, "kind value" per line
# (queries left out: keepalive, status, battery).
cmds() {
	simlog "select(.dev==\"$1\" and .cmd != null and .cmd != \"keepalive\" and .cmd != \"status\" and .cmd != \"battery\") | \"\\(.cmd) \\(.value // \"\")\"" | tr -d '"'
}

# last_cmd_of ADDRESS: the last command the device received, "kind value".
last_cmd_of() { cmds "$1" | tail -n1; }
# last_cmd_kind ADDRESS: the kind of the last command the device received ("stop").
last_cmd_kind() { cmds "$1" | tail -n1 | cut -d' ' -f1; }

# devpath ADDRESS [ADAPTER]: our Device1 object path.
devpath() { echo "/org/massaged/${2:-hci0}/dev_${1//:/_}"; }

# start_left_right [massage-sim args...]: the bus, and the sim with two
# reference devices, "Left" at A and "Right" at B (AA:BB:CC:00:00:01 and :02);
# DA and DB are their Device1 paths (all four set here).
start_left_right() {
	A=AA:BB:CC:00:00:01
	B=AA:BB:CC:00:00:02
	DA=$(devpath $A)
	DB=$(devpath $B)
	start_bus
	start_sim sim --device "reference,name=Left,address=$A" --device "reference,name=Right,address=$B" "$@"
}

# wait_prop TIMEOUT_S PATH IFACE PROP JSON_VALUE
wait_prop() { wait_until "$1" msd_prop_is "$2" "$3" "$4" "$5"; }

# has_object PATH: massaged exports PATH (through its ObjectManager).
has_object() {
	busctl --system --json=short call org.massaged /org/massaged org.freedesktop.DBus.ObjectManager \
		GetManagedObjects | jq -e --arg p "$1" '.data[0] | has($p)' >/dev/null
}

# ---- sessions ----

# monitor_signals: records massaged's signals in $TEST_TMP/monitor.log (start
# massaged first). Returns once gdbus has found org.massaged's owner: it
# subscribes before it asks, so from then on no signal is missed.
monitor_signals() {
	spawn monitor gdbus monitor --system --dest org.massaged
	wait_until 10 grep -q "^The name org.massaged is owned by" "$TEST_TMP/monitor.log" ||
		{ log "gdbus monitor did not start"; cat "$TEST_TMP/monitor.log" >&2; return 1; }
}

# saw_state SESSION_PATH STATE: the monitor saw the session's State become
# STATE, even if it has moved on since (a transient state is not missed
# between two polls of the property).
saw_state() {
	grep -q "^$1: org.freedesktop.DBus.Properties.PropertiesChanged ('org.massaged.Session1', {.*'State': <'$2'>" \
		"$TEST_TMP/monitor.log"
}

# wait_finished TIMEOUT_S SESSION_PATH REASON: Finished(REASON, detail) was emitted by it.
wait_finished() {
	wait_until "$1" grep -qE "^$2: org.massaged.Session1.Finished \\('$3', [\"']" "$TEST_TMP/monitor.log"
}

# finished_detail SESSION_PATH: the detail of the session's Finished (monitor log).
finished_detail() {
	grep -E "^$1: org.massaged.Session1.Finished \\(" "$TEST_TMP/monitor.log" | head -n1 |
		sed -E "s/^[^(]*\\('[^']*', ['\"](.*)['\"]\\)\$/\\1/"
}

# start_session DEVICE_PATH PROGRAMME [OPTIONS_ARGS...]: prints the session path.
start_session() {
	local dev=$1 prog=$2
	shift 2
	if [ $# -eq 0 ]; then set -- 0; fi
	mgr Start osa{sv} "$dev" "$prog" "$@" | jq -r '.data[0]'
}

# session_cmds ADDRESS SINCE_NS: commands (no keepalives) after SINCE_NS, "t_ms kind value" with
# t_ms relative to the first of them.
session_cmds() {
	simlog "select(.dev==\"$1\" and .cmd != null and .cmd != \"keepalive\" and .cmd != \"status\" and .t_ns > $2)" |
		jq -r -s 'if length == 0 then empty else (.[0].t_ns) as $t0 | .[] | "\(((.t_ns - $t0) / 1000000) | floor) \(.cmd) \(.value // "")" end'
}

# log_mark: the time of the sim log's last line (t_ns), to read only what follows.
log_mark() { simlog '.t_ns' | tail -n1 | grep . || echo 0; }
