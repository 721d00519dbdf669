# shellcheck shell=bash
# The one process library (bash) of the integration tests, the VM guest
# (tests/vm/guest-run.sh and the tests it runs), the demo (sim/demo.sh) and
# the benchmarks. Every process is started here and known by the PID it got;
# stopping and cleaning up touch exactly those PIDs, never a process found by
# name or by looking at the machine's process list.
#
#   PROC_LOGDIR=DIR                   where spawn puts NAME.log (set it first)
#   spawn NAME command args...        in the background; PID in SPAWNED[NAME]
#                                     (a shell function runs in a subshell,
#                                     whose PID that is)
#   stop_spawned NAME [SIGNAL]        signals it, reaps it; status in SPAWN_RC
#   wait_spawned NAME TIMEOUT_S       waits for it to exit by itself (SPAWN_RC)
#   is_running NAME                   that very process still runs (its PID and
#                                     start time: a reused PID is not it)
#   signal_spawned NAME SIGNAL        sends it (STOP, CONT) without waiting for it
#   spawned_state_is NAME STATE       its state letter in /proc is STATE (T: stopped)
#   stop_all_spawned [NAME...]        TERM, up to 3 s, then KILL; reverse start order
#   wait_until TIMEOUT_S command...   polls every 50 ms until the command succeeds
#   not command...                    succeeds when the command fails (for wait_until)
#   jq_has FILE FILTER                FILTER yields a non-null, non-false value for a line of FILE
#   wait_jq FILE FILTER TIMEOUT_S     until it does (FILTER is an argument, never pasted into code)
#
# PROC_RECORD=FILE (optional, may come from the environment): every spawn
# appends "NAME PID START_TIME" to it, so a test that runs a script using this
# library (the demo) can check afterwards that exactly those processes are gone.
#
# Bash only (associative arrays): the VM guest runs it too, since its stage 2
# (guest-run.sh) is bash on the host's root file system; only the initramfs's
# stage 1 is busybox sh, and it starts no process to supervise. Safe under
# set -e (sim/demo.sh). Sets pipefail: a pipeline fails when any part of it
# does, not just the last.
set -o pipefail

declare -A SPAWNED=()
declare -A SPAWN_START=() # NAME -> its start time (proc_start_time), or "gone"
SPAWN_ORDER=()
SPAWN_RC=0
PROC_LOGDIR=${PROC_LOGDIR:-/tmp}

# proc_start_time PID: the process's start time in clock ticks since boot
# (field 22 of /proc/PID/stat), which tells a PID from a later reuse of it.
proc_start_time() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	set -- $stat
	echo "${20}"
}

# proc_alive PID START_TIME: that very process still exists (not a zombie).
proc_alive() {
	local stat want=$2
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	set -- $stat
	[ "$1" != Z ] && [ "${20}" = "$want" ]
}

# recorded_left_behind FILE: the processes a PROC_RECORD file lists that
# still exist, one "NAME PID" a line (nothing when all are gone).
recorded_left_behind() {
	local name pid start
	while read -r name pid start; do
		if proc_alive "$pid" "$start"; then echo "$name $pid"; fi
	done <"$1"
}

spawn() {
	local name=$1
	shift
	"$@" >"$PROC_LOGDIR/$name.log" 2>&1 &
	SPAWNED[$name]=$!
	SPAWN_START[$name]=$(proc_start_time $! || echo gone)
	SPAWN_ORDER+=("$name")
	if [ -n "${PROC_RECORD:-}" ]; then
		printf '%s %s %s\n' "$name" "$!" "${SPAWN_START[$name]}" >>"$PROC_RECORD"
	fi
}

# spawned_alive NAME: the very process spawn started still runs (neither
# exited nor a zombie). Signals go only where this holds: once a process has
# gone, this shell may already have reaped it and its PID may belong to
# another process.
spawned_alive() {
	[ -n "${SPAWNED[$1]:-}" ] && proc_alive "${SPAWNED[$1]}" "${SPAWN_START[$1]}"
}

# stop_spawned NAME [SIGNAL]: signals it and waits for it to exit; its exit
# status lands in SPAWN_RC. (Not in a $(...) subshell: only this shell can wait.)
stop_spawned() {
	local name=$1 sig=${2:-TERM} pid=${SPAWNED[$1]}
	SPAWN_RC=0
	if spawned_alive "$name"; then kill -"$sig" "$pid" 2>/dev/null || true; fi
	wait "$pid" 2>/dev/null || SPAWN_RC=$?
	unset "SPAWNED[$name]"
}

# wait_spawned NAME TIMEOUT_S: waits for it to exit by itself; status in
# SPAWN_RC, or returns 1 (SPAWN_RC "running") if it is still running after the
# timeout.
wait_spawned() {
	local name=$1 pid=${SPAWNED[$1]}
	wait_until "$2" not spawned_alive "$name" || { SPAWN_RC=running; return 1; }
	SPAWN_RC=0
	wait "$pid" 2>/dev/null || SPAWN_RC=$?
	unset "SPAWNED[$name]"
}

# signal_spawned NAME SIGNAL: one signal to that process (SIGSTOP, SIGCONT);
# unlike stop_spawned it neither waits nor forgets it.
signal_spawned() { spawned_alive "$1" && kill -"$2" "${SPAWNED[$1]}"; }

# spawned_state_is NAME STATE: the process's state (field 3 of /proc/PID/stat:
# R, S, T for stopped, Z) is STATE.
spawned_state_is() {
	local stat
	spawned_alive "$1" || return 1
	stat=$(cat "/proc/${SPAWNED[$1]}/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" = "$2" ]
}

is_running() { spawned_alive "$1"; }

# stop_all_spawned [NAME...]: the named ones (default: every one still
# known), newest first: TERM, up to 3 s to exit, then KILL; each is reaped.
stop_all_spawned() {
	local names=("$@") name pid i
	if [ ${#names[@]} -eq 0 ]; then
		for ((i = ${#SPAWN_ORDER[@]} - 1; i >= 0; i--)); do names+=("${SPAWN_ORDER[i]}"); done
	fi
	for name in "${names[@]}"; do
		if spawned_alive "$name"; then kill -TERM "${SPAWNED[$name]}" 2>/dev/null || true; fi
	done
	for name in "${names[@]}"; do
		pid=${SPAWNED[$name]:-}
		[ -n "$pid" ] || continue
		if ! wait_until 3 not spawned_alive "$name"; then kill -KILL "$pid" 2>/dev/null || true; fi
		wait "$pid" 2>/dev/null || true
		unset "SPAWNED[$name]"
	done
	return 0
}

# now_us: microseconds since the epoch (bash 5's EPOCHREALTIME, else date).
now_us() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		local t=${EPOCHREALTIME/[.,]/}
		echo "$((10#$t))"
	else
		echo $(($(date +%s%N) / 1000))
	fi
}

# wait_until TIMEOUT_S command args...: polls every 50 ms; the command's
# stderr is dropped (it is expected to fail until it succeeds). A whole
# number of seconds, measured from the call (not rounded to the shell's
# SECONDS).
wait_until() {
	local deadline=$(($(now_us) + $1 * 1000000))
	shift
	while ! "$@" 2>/dev/null; do
		[ "$(now_us)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

not() { ! "$@"; }

# jq_has FILE FILTER: some line (JSON value) of FILE gives FILTER a value
# other than null/false. A missing or unreadable FILE is an error, not "no".
# (jq -e reports only on the last input, so the results are counted.)
jq_has() {
	[ -r "$1" ] || return 2
	local n
	n=$(jq -c "$2 | select(. != null and . != false)" "$1" | wc -l) || return 2
	[ "$n" -gt 0 ]
}

# wait_jq FILE FILTER TIMEOUT_S: until jq_has FILE FILTER.
wait_jq() { wait_until "$3" jq_has "$1" "$2"; }

# out_jq FILTER command args...: the command's JSON output makes jq -e FILTER
# true (for wait_until: wait_until 5 out_jq '.devices[0].speed > 0' massagectl --json status).
out_jq() {
	local filter=$1
	shift
	"$@" | jq -e "$filter" >/dev/null
}

# prints VALUE command args...: the command's output is exactly VALUE.
prints() {
	local want=$1
	shift
	[ "$("$@")" = "$want" ]
}

# prints_line LINE command args...: one line of the command's output is LINE.
prints_line() {
	local want=$1
	shift
	"$@" | grep -Fx -- "$want" >/dev/null
}

# lines_at_least N command args...: the command prints N lines or more.
lines_at_least() {
	local n=$1 got
	shift
	got=$("$@" | wc -l) # counted whatever the command's status
	[ "$got" -ge "$n" ]
}
