#!/usr/bin/env bash
# The crash-safe stop (issue 11): a programme plays on the simulated
# Theragun, massaged is killed with SIGKILL (the motor keeps running: the
# Theragun has no watchdog of its own), and massaged started again with the
# same options and no client command sends it a stop frame, within 10 s
# (the bound in docs/state.md), and empties the in-motion record.
# A device the record names is never started before its stop went out.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"
. "$SOURCE_DIR/tests/integration/crash-lib.sh"

start_bus
start_sim sim --device "theragun,name=Theragun PRO,address=$TG" \
	--discovery-delay 50 --connect-delay 50 --resolve-delay 50 || exit 1

play_and_crash
mark=$(log_mark)
assert_eq "no stop frame since the kill" 0 "$(stop_frames $TG "$mark")"

# --- started again: the same options, no client command at all
start_massaged || exit 1
if wait_until 10 stopped_since $TG "$mark"; then
	pass "restarted: a stop frame reaches the Theragun within 10 s, unasked"
else
	fail "restarted: a stop frame reaches the Theragun within 10 s, unasked" \
		"$(grep -i recovery "$TEST_TMP/massaged.log")"
fi
check "... the motor stopped" wait_until 5 running $TG false
check "... the in-motion record is empty afterwards" wait_until 5 record_empty
check "... and the log says recovery stopped it" \
	grep -q "recovery: stopped $TG (theragun), attempt 1" "$TEST_TMP/massaged.log"
# Nothing moved it again: the last command it got is the stop.
assert_eq "the stop is the last command the Theragun got" "stop" \
	"$(cmds $TG | tail -n1 | cut -d' ' -f1)"
assert_eq "the killed daemon's session is gone (a new daemon has none)" "[]" \
	"$(busctl --system --json=short call org.massaged /org/massaged org.freedesktop.DBus.ObjectManager GetManagedObjects | jq -c '[.data[0] | keys[] | select(startswith("/org/massaged/session/"))]')"

# --- once stopped, the device is free again: a programme starts and plays
SESSION=$(start_session "$(devpath $TG)" steady)
check "after the recovery stop a programme starts again" wait_until 10 running $TG true
check "... recorded again while it runs" recorded $TG
stop_spawned massaged TERM
assert_eq "massaged exits cleanly on SIGTERM" 0 "$SPAWN_RC"
check "a clean shutdown stops it and empties the record" record_empty
assert_eq "... the motor stopped" false "$(sim_state $TG running)"

stop_sim sim
finish
