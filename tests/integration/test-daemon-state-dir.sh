#!/usr/bin/env bash
# Where massaged keeps its state: --state-dir, else the first directory of
# $STATE_DIRECTORY (systemd's StateDirectory=), else the built-in default.
# Shown by where an imported programme lands.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

start_bus
write_programme "$MSD_DATA/programmes/gentle.programme" "Gentle test"
mine=$(sed 's/^Name=.*/Name=Mine/' "$MSD_DATA/programmes/gentle.programme")
first=$TEST_TMP/systemd-state
second=$TEST_TMP/second-state

# massaged without --state-dir.
start_without_state_dir() { MSD_STATE= start_massaged || exit 1; }
ids() { mgr ListProgrammes | jq -r '[.data[0][][0]] | join(" ")'; }

# --- $STATE_DIRECTORY, no --state-dir: its first directory
STATE_DIRECTORY=$first:$second start_without_state_dir
# Checked first: a daemon that ignored STATE_DIRECTORY would import into the
# built-in directory, outside this test's own.
if ! grep -q "state directory $first\$" "$TEST_TMP/massaged.log"; then
	fail "STATE_DIRECTORY: its first directory is the state directory (logged at start)" \
		"$(grep 'state directory' "$TEST_TMP/massaged.log")"
	finish
fi
pass "STATE_DIRECTORY: its first directory is the state directory (logged at start)"
assert_eq "... an import succeeds" '"mine"' "$(mgr ImportProgramme s "$mine" | jq -c '.data[0]')"
check "... and lands there" test -f "$first/programmes/mine.programme"
check "... not in the second" test ! -e "$second"
assert_eq "... nor in the directory --state-dir would name" "" "$(find "$MSD_STATE" -type f)"
stop_spawned massaged TERM
STATE_DIRECTORY=$first start_without_state_dir
assert_eq "restarted with the same STATE_DIRECTORY: the programme is there" "gentle mine" "$(ids)"
stop_spawned massaged TERM

# --- --state-dir wins over $STATE_DIRECTORY
STATE_DIRECTORY=$first start_massaged || exit 1
assert_eq "--state-dir wins: the programme in STATE_DIRECTORY is not listed" "gentle" "$(ids)"
mgr ImportProgramme s "$mine" >/dev/null
check "... and an import lands in --state-dir" test -f "$MSD_STATE/programmes/mine.programme"
stop_spawned massaged TERM

# --- a relative $STATE_DIRECTORY is refused (systemd always gives absolute ones)
STATE_DIRECTORY=relative/dir MSD_STATE= run massaged_once
assert_exit "a relative STATE_DIRECTORY: exit 2" 2
assert_contains "... naming it" '"relative/dir" is not an absolute path' "$RUN_ERR"

finish
