#!/usr/bin/env bash
# e. idle: wake-ups per second and RSS of an idle massaged with one connected
#    device (no session), over 10 s. Wake-ups are context switches (voluntary
#    + involuntary) summed over all of the daemon's threads from
#    /proc/PID/task/*/status: each time a thread sleeps and wakes again.
. "$(dirname "$0")/lib.sh"
SECS=${BENCH_IDLE_SECONDS:-10}
A=AA:BB:CC:00:05:01
start_bus
start_sim sim --device "reference,name=Idle,address=$A" >/dev/null || exit 1
bench_daemon || exit 1
connect_dev $A >/dev/null || exit 1
pid=${SPAWNED[massaged]}
switches() { cat /proc/"$pid"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { s += $2 } END { print s }'; }
sleep 2 # let the connection settle
keep0=$(simlog "select(.dev==\"$A\" and .cmd==\"keepalive\")" | wc -l)
cs0=$(switches)
t0=$(cpu_ticks "$pid")
sleep "$SECS"
cs1=$(switches)
t1=$(cpu_ticks "$pid")
keep1=$(simlog "select(.dev==\"$A\" and .cmd==\"keepalive\")" | wc -l)
echo "e. idle: one connected device (reference driver), no session, ${SECS} s"
figure "wake-ups/s (all threads)" "$(awk -v d=$((cs1 - cs0)) -v s="$SECS" 'BEGIN { printf "%.1f", d / s }') ($(ls /proc/"$pid"/task | wc -l) threads)"
figure "keepalive frames/s" "$(awk -v d=$((keep1 - keep0)) -v s="$SECS" 'BEGIN { printf "%.1f", d / s }')"
figure "CPU (ticks of $(getconf CLK_TCK)/s)" "$((t1 - t0)) ticks in ${SECS} s"
figure "RSS" "$(awk '/VmRSS/ { print $2, $3 }' /proc/"$pid"/status)"
