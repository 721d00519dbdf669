# Shared by tests/vm/tests/test-daemon-*.sh (sourced after lib-peripheral.sh):
# massaged on hci0 with its own configuration, data and state directories,
# driven by massagectl, against massage-sim --peripheral on hci1.
M=$BUILD_DIR/cli/massagectl
msd_layout "$TEST_TMP" # tests/lib-massaged.sh
DATA=$MSD_DATA

mctl() { "$M" --data-dir "$DATA" "$@"; }

# start_massaged_hci0 [NAME]: massaged on hci0 (log in $TEST_TMP/NAME.log),
# started the one way (start_massaged, tests/lib-massaged.sh).
start_massaged_hci0() {
	check "massaged claims org.massaged" start_massaged --name "${1:-massaged}" --timeout 20 --adapter hci0
}

# connect_device NAME: scan and connect through massaged; the output lands in
# $TEST_TMP/connect.out. A connect can land in the ~5 ms swap of the rotating
# advertisements and drop at once (real-stack.md); massaged retries once
# itself, this twice more.
connect_device() {
	local attempt
	for attempt in 1 2 3; do
		mctl scan --timeout 4 >"$TEST_TMP/scan.out" 2>&1
		mctl connect "$1" >"$TEST_TMP/connect.out" 2>&1 && return 0
		log "connect attempt $attempt: $(cat "$TEST_TMP/connect.out")"
		sleep 2
	done
	return 1
}

# mark: the time stamp of the command log's last line (0 if it is empty).
mark() { jq -r '.t_ns // empty' "$SIM_LOG" 2>/dev/null | tail -n1 | grep . || echo 0; }

# levels SINCE_NS: what the device was told since then, in order, on one line
# ("start: intensity:20 stop:").
levels() {
	jq -r "select(.t_ns > $1 and (.cmd == \"intensity\" or .cmd == \"start\" or .cmd == \"stop\")) | \"\(.cmd):\(.value // \"\")\"" \
		"$SIM_LOG" | tr '\n' ' '
}
# last_cmd: the device's last command that changes what it does.
last_cmd() { jq -r 'select(.cmd and .cmd != "keepalive" and .cmd != "status") | .cmd' "$SIM_LOG" | tail -n1; }

# session_state: the first session's state as massagectl reports it ("none" without one).
session_state() { "$M" --json status 2>/dev/null | jq -r '.sessions[0].state // "none"'; }
session_is() { [ "$(session_state)" = "$1" ]; }

# mono_ns: now on the clock of the command log's t_ns (CLOCK_MONOTONIC; from
# /proc/uptime, 10 ms resolution, enough for the timings the tests print).
mono_ns() { awk '{ printf "%.0f\n", $1 * 1e9 }' /proc/uptime; }

# The programmes the daemon tests play, written into the data directory
# (write_steps: tests/lib-massaged.sh).
# vm-short: 20 % then 30 %, 2 s each.
programme_short() {
	write_steps "$DATA/programmes/vm-short.programme" "VM short" \
		"low hamstrings proximal 2s 20%" "high hamstrings mid 2s 30%"
}
# vm-three: 20 % for 5 s, 30 % for 5 s, 40 % for 2 s: long enough to lose the
# device in a known step.
programme_three() {
	write_steps "$DATA/programmes/vm-three.programme" "VM three steps" "low hamstrings proximal 5s 20%" \
		"mid hamstrings mid 5s 30%" "high hamstrings distal 2s 40%"
}

# elapsed_ms: the first session's programme time, -1 without one.
elapsed_ms() { "$M" --json status 2>/dev/null | jq -r '.sessions[0].elapsed_ms // -1'; }

# wait_playing TIMEOUT_S: until the first session plays; PLAYING_STEP and
# PLAYING_ELAPSED_MS come from the same status reply. Elapsed is published on
# state and step changes only, so this is the point it resumed from (or, if
# a step began before the reply, that step's start).
wait_playing() {
	local deadline=$((SECONDS + $1)) st
	while [ "$SECONDS" -lt "$deadline" ]; do
		st=$("$M" --json status 2>/dev/null |
			jq -r '.sessions[0] // empty | "\(.state) \(.step) \(.elapsed_ms)"' 2>/dev/null)
		if [ "${st%% *}" = playing ]; then
			read -r _ PLAYING_STEP PLAYING_ELAPSED_MS <<<"$st"
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# resumed_where_frozen FROZEN_MS FROZEN_STEP: after wait_playing, the session
# went on from where it froze (vm-three's steps start at 0, 5 s and 10 s); a
# clock that ran on while the device was away is seconds further on.
resumed_where_frozen() {
	if [ "$PLAYING_STEP" = "$2" ]; then
		[ "$PLAYING_ELAPSED_MS" -ge "$1" ] && [ "$PLAYING_ELAPSED_MS" -le $(($1 + 1000)) ]
	else
		[ "$PLAYING_STEP" = $(($2 + 1)) ] && [ "$PLAYING_ELAPSED_MS" = $((PLAYING_STEP * 5000)) ]
	fi
}

# start_three: a reference peripheral ("MassageRef"), massaged connected to it
# and vm-three playing its first step (20 %); m0 is the command log's mark
# from before the start.
start_three() {
	programme_three
	power_adapters
	start_peripheral reference,name=MassageRef
	start_massaged_hci0
	check "massaged connects the peripheral" connect_device MassageRef
	m0=$(mark)
	check "a programme starts" mctl start vm-three --device MassageRef
	check "the device plays the first step (20 %)" wait_until 10 \
		logged ".t_ns > $m0 and .cmd == \"intensity\" and .value == 20"
}
