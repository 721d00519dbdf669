#!/usr/bin/env bash
# A massaged that cannot open its in-motion record does not start: it could
# not remember which devices it sets moving, so could not stop them after a
# crash (docs/state.md). The error names the path; the bus name is never
# claimed, so no client can ask it to move anything.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

start_bus

# massaged_with STATE_DIR: runs it in the foreground; RUN_RC, RUN_ERR.
massaged_with() {
	MSD_STATE=$1 run massaged_once
}

# --- the record is there but cannot be read: a directory in its place
bad=$TEST_TMP/bad-state
mkdir -p "$bad/in-motion"
massaged_with "$bad"
assert_exit "a record that cannot be read: exit 1" 1
assert_contains "... names the path" "cannot read $bad/in-motion: not a regular file" "$RUN_ERR"
assert_contains "... and says why it does not start" "does not start without it" "$RUN_ERR"
assert_not_contains "... and never owned org.massaged" "ready: org.massaged" "$RUN_ERR"

# --- the state directory cannot be created: a file in its place
: >"$TEST_TMP/a-file"
massaged_with "$TEST_TMP/a-file/state"
assert_exit "a state directory that cannot be created: exit 1" 1
assert_contains "... names it" "cannot create $TEST_TMP/a-file/state" "$RUN_ERR"

# --- the same daemon with a usable directory starts (and stops on SIGTERM)
start_massaged || exit 1
pass "with a usable state directory it starts"
stop_spawned massaged TERM
assert_eq "... and exits cleanly" 0 "$SPAWN_RC"

finish
