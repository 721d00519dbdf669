#!/usr/bin/env bash
# Every method and property of every org.massaged interface, generated from
# data/org.massaged.xml by tests/tools/dbus-robustness.py, called with wrong
# types, missing and extra arguments, empty and 1 MiB strings, NaN/+-inf/huge
# numbers, unknown paths and ids: each gets a typed error, the daemon stays
# up, and it still controls a simulated device afterwards.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

A=AA:BB:CC:00:17:0A
ROBUST="/usr/bin/python3 $SOURCE_DIR/tests/tools/dbus-robustness.py $SOURCE_DIR/data/org.massaged.xml"
running_is() { [ "$(sim_state "$1" running)" = "$2" ]; }
start_bus
write_programme "$MSD_DATA/programmes/gentle.programme" "Gentle test"
# Long enough (5 min) to play on through the Session1 barrage.
sed -i 's/^Duration=[0-9]*s$/Duration=50s/' "$MSD_DATA/programmes/gentle.programme"
start_sim sim --device "reference,name=Robust,address=$A" || exit 1
start_massaged || exit 1
mgr StartDiscovery >/dev/null
DEV=$(devpath $A)
check "the device appears" wait_until 10 has_object "$DEV"
msd_call "$DEV" Device1 Connect >/dev/null
check "it connects" wait_prop 10 "$DEV" Device1 Connected true

# Manager1 and Device1, with no session running.
run $ROBUST /org/massaged=org.massaged.Manager1 "$DEV=org.massaged.Device1"
printf '%s\n' "$RUN_OUT" | grep '^FAIL' >&2
assert_exit "Manager1 and Device1: every bad call gets a typed error ($(tail -n1 <<<"$RUN_OUT"))" 0
check "... it made at least 150 calls" test "$(grep -c "^ok" <<<"$RUN_OUT")" -ge 150
check "... and no session was started by any of them" \
	msd_prop_is "$DEV" Device1 Session '"/"'

# Session1, on a session that plays.
SES=$(start_session "$DEV" gentle)
[ -n "$SES" ] || { fail "a session starts"; finish; }
run $ROBUST "$SES=org.massaged.Session1"
printf '%s\n' "$RUN_OUT" | grep '^FAIL' >&2
assert_exit "Session1: every bad call gets a typed error ($(tail -n1 <<<"$RUN_OUT"))" 0
check "the daemon is still up" is_running massaged

# It still controls the device: the session plays on, and a stop reaches it.
assert_eq "the session still plays" '"playing"' "$(msd_prop "$SES" Session1 State)"
check "... and the device runs" wait_until 10 running_is $A true
msd_call "$SES" Session1 Stop >/dev/null
check "Session1.Stop stops the device" wait_until 10 running_is $A false
msd_call "$DEV" Device1 SetIntensity d 20 >/dev/null
check "SetIntensity still drives it" wait_until 10 running_is $A true
msd_call "$DEV" Device1 Stop >/dev/null
check "... and Device1.Stop stops it" wait_until 10 running_is $A false

finish
