#!/usr/bin/env bash
# massaged figures against massage-sim on a private bus (figures, not pass/fail):
#   stop latency  a client's Device1.Stop call -> the stop frame in the sim's log,
#                 against the floor: the same client calling org.bluez WriteValue
#                 with the stop frame directly (one hop fewer); p50/p99, N rounds
#   idle          wake-ups (context switches) per second and RSS of an idle daemon
#                 with one connected device, over 10 s
#   scale         16 simulated devices playing at once (--time-scale 5): daemon CPU
#                 and the lateness of every programme change against its schedule
# Times are CLOCK_MONOTONIC (the sim's log clock), read with perl's Time::HiRes.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"
N=${BENCH_ROUNDS:-50}

mono_ns() { perl -MTime::HiRes=clock_gettime,CLOCK_MONOTONIC -e 'printf "%d\n", clock_gettime(CLOCK_MONOTONIC)*1e9'; }
pct() { # p (0-100) of numbers on stdin
	sort -n | awk -v p="$1" '{ a[NR] = $1 } END { if (NR == 0) { print "n/a"; exit } i = int((p / 100) * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; print a[i] }'
}

devs=()
for i in $(seq 1 16); do devs+=(--device "reference,name=Bench$i,address=$(printf 'AA:BB:CC:00:01:%02X' "$i")"); done
start_bus
start_sim sim "${devs[@]}" >/dev/null || exit 1
write_programme "$MSD_DATA/programmes/gentle.programme" "Gentle test"
MASSAGED_ARGS=(--time-scale 5)
spawn massaged "$MASSAGED" --config "$MSD_CONF" --config-dir "$MSD_CONF.d" \
	--data-dir "$MSD_DATA" --state-dir "$MSD_STATE" "${MASSAGED_ARGS[@]}"
wait_until 10 has_name org.massaged || { cat "$TEST_TMP/massaged.log"; exit 1; }
mgr StartDiscovery >/dev/null
A=AA:BB:CC:00:01:01
DA=$(devpath $A)
wait_until 10 has_object "$DA" || exit 1
msd_call "$DA" Device1 Connect >/dev/null

# --- stop latency
lat=()
for _ in $(seq 1 "$N"); do
	msd_call "$DA" Device1 SetIntensity d 30 >/dev/null
	sleep 0.05
	t0=$(mono_ns)
	msd_call "$DA" Device1 Stop >/dev/null
	t1=$(simlog "select(.dev==\"$A\" and .cmd==\"stop\" and .t_ns > $t0) | .t_ns" | head -n1)
	[ -n "$t1" ] && lat+=($(((t1 - t0) / 1000)))
done
# The floor: WriteValue of the same stop frame straight to the fake BlueZ, on
# a second device the daemon does not hold (it holds A's AcquireWrite lock).
STOP_HEX=$(simlog "select(.dev==\"$A\" and .cmd==\"stop\") | .hex" | tail -n1 | tr -d '"')
F=AA:BB:CC:00:01:02
busctl --system call org.bluez "/org/bluez/hci0/dev_${F//:/_}" org.bluez.Device1 Connect >/dev/null
wait_until 5 bash -c "busctl --system get-property org.bluez /org/bluez/hci0/dev_${F//:/_} org.bluez.Device1 ServicesResolved | grep -q true"
sleep 0.3
CHAR=$(busctl --system --json=short call org.bluez / org.freedesktop.DBus.ObjectManager GetManagedObjects |
	jq -r --arg u e9150003-8561-4594-b206-6dd46f942e75 --arg d "/org/bluez/hci0/dev_${F//:/_}/" '.data[0] | to_entries[] | select(.key | startswith($d)) | select(.value["org.bluez.GattCharacteristic1"].UUID.data == $u) | .key')
read -ra bytes <<<"$STOP_HEX"
floor=()
for _ in $(seq 1 "$N"); do
	t0=$(mono_ns)
	busctl --system call org.bluez "$CHAR" org.bluez.GattCharacteristic1 WriteValue aya{sv} \
		"${#bytes[@]}" $(printf '0x%s ' "${bytes[@]}") 1 type s command >/dev/null
	t1=$(simlog "select(.dev==\"$F\" and .cmd==\"stop\" and .t_ns > $t0) | .t_ns" | head -n1)
	[ -n "$t1" ] && floor+=($(((t1 - t0) / 1000)))
	sleep 0.02
done
p50=$(printf '%s\n' "${lat[@]}" | pct 50)
p99=$(printf '%s\n' "${lat[@]}" | pct 99)
f50=$(printf '%s\n' "${floor[@]}" | pct 50)
f99=$(printf '%s\n' "${floor[@]}" | pct 99)
echo "stop latency (busctl Device1.Stop -> frame at the device), ${#lat[@]} rounds: p50 ${p50} us, p99 ${p99} us"
echo "floor (busctl WriteValue straight to org.bluez), ${#floor[@]} rounds: p50 ${f50} us, p99 ${f99} us"
awk -v a="$p50" -v b="$f50" -v c="$p99" -v d="$f99" 'BEGIN { printf "ratio to the floor: p50 %.2fx, p99 %.2fx\n", a / b, c / d }'

# --- idle
pid=${SPAWNED[massaged]}
sleep 1
cs0=$(awk '/ctxt_switches/ { s += $2 } END { print s }' /proc/$pid/status)
sleep 10
cs1=$(awk '/ctxt_switches/ { s += $2 } END { print s }' /proc/$pid/status)
rss=$(awk '/VmRSS/ { print $2 }' /proc/$pid/status)
echo "idle, one connected device (reference, keepalive on): $(((cs1 - cs0) / 10)) wake-ups/s (context switches), RSS ${rss} kB (sanitizers inflate RSS in an ASan build)"

# --- scale: 16 devices playing at once
paths=()
for i in $(seq 1 16); do
	addr=$(printf 'AA:BB:CC:00:01:%02X' "$i")
	p=$(devpath "$addr")
	wait_until 10 has_object "$p" && msd_call "$p" Device1 Connect >/dev/null && paths+=("$p")
done
ticks0=$(awk '{ print $14 + $15 }' /proc/$pid/stat)
mark=$(log_mark)
t_wall0=$(mono_ns)
for p in "${paths[@]}"; do start_session "$p" gentle >/dev/null; done
sleep 5 # 20 s of programme at --time-scale 5, plus margin
ticks1=$(awk '{ print $14 + $15 }' /proc/$pid/stat)
t_wall1=$(mono_ns)
hz=$(getconf CLK_TCK)
cpu=$(awk -v t=$((ticks1 - ticks0)) -v hz="$hz" -v w=$(((t_wall1 - t_wall0) / 1000000)) 'BEGIN { printf "%.1f", 100 * t / hz / (w / 1000) }')
# Lateness: each device's changes against 0, 4, 8, 10, 14, 18, 20 s of programme time / 5,
# measured from that device's first command.
late=$(for i in $(seq 1 16); do
	addr=$(printf 'AA:BB:CC:00:01:%02X' "$i")
	session_cmds "$addr" "$mark" | awk 'BEGIN { split("0 800 1600 2000 2800 3600 4000", s, " ") } { d = $1 - s[NR]; if (d < 0) d = -d; print d }'
done)
echo "scale: ${#paths[@]} devices playing at once: daemon CPU ${cpu}% of one core; lateness of $(wc -l <<<"$late") changes against the schedule: p50 $(pct 50 <<<"$late") ms, p99 $(pct 99 <<<"$late") ms, max $(pct 100 <<<"$late") ms"
TESTS_PASSED=1 # figures only
