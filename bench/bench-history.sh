#!/usr/bin/env bash
# Start -> first frame, with the session history on and off, in one run:
# a C client records CLOCK_MONOTONIC before Manager1.Start (t0) and when its
# answer arrives (t1; Start answers once the session plays); the first
# intensity frame after t0 in massage-sim's log is the first frame. The
# device stays connected, so this is the daemon's own path (engine, motion
# gate, writer, and the history row written after the answer) and not the
# radio's. BENCH_ROUNDS rounds (100) per mode; p50/p99.
. "$(dirname "$0")/lib.sh"
N=${BENCH_ROUNDS:-100}
A=AA:BB:CC:00:03:01
start_bus
start_sim sim --device "reference,name=HistA,address=$A" >/dev/null || exit 1
write_steps "$MSD_DATA/programmes/first.programme" "First frame" "one hamstrings proximal 60s 20%"

# one_mode NAME: N starts on a fresh massaged; figures for NAME.
one_mode() {
	local name=$1
	bench_daemon || return 1
	local DA
	DA=$(connect_dev $A) || return 1
	"$BENCH_CLIENT" start "$DA" first "$N" >"$TEST_TMP/$name.t" || return 1
	stop_spawned massaged TERM
	cut -d' ' -f1 "$TEST_TMP/$name.t" >"$TEST_TMP/$name.t0"
	simlog "select(.dev==\"$A\" and .cmd==\"intensity\" and .value > 0) | .t_ns" >"$TEST_TMP/$name.dev"
	awk -f "$SOURCE_DIR/bench/pair.awk" "$TEST_TMP/$name.t0" "$TEST_TMP/$name.dev" >"$TEST_TMP/$name.us"
	awk '{ printf "%d\n", ($2 - $1) / 1000 }' "$TEST_TMP/$name.t" >"$TEST_TMP/$name.reply.us"
	latency_figure "$name: start -> first frame" "$TEST_TMP/$name.us" "/$N"
	latency_figure "$name: start -> answer" "$TEST_TMP/$name.reply.us" "/$N"
}

echo "start -> first frame (us), the device connected"
printf '[History]\nEnabled=true\n' >"$MSD_CONF"
one_mode history-on || exit 1
rows=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from sessions").fetchone()[0])' "$MSD_STATE/history.sqlite3")
figure "history-on: rows recorded" "$rows"
printf '[History]\nEnabled=false\n' >"$MSD_CONF"
# The sim log holds both modes: pair only what follows this mode's t0s.
one_mode history-off || exit 1
ratio_figure "first frame, on / off" "$TEST_TMP/history-on.us" "$TEST_TMP/history-off.us"
