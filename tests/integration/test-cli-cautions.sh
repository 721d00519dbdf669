#!/usr/bin/env bash
# The cautions massagectl shows a person (docs/safety.md, "Before you use it"),
# on the real binaries: the general caution before a user's first start and
# not after; --no-caution and MASSAGECTL_NO_CAUTION for hubs; shown every time
# when the stamp cannot be written (and the start still works); a programme's
# Caution= before every start, imported programmes included; stdout of --json
# stays one JSON object; `programme show` shows the caution.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

M=$BUILD_DIR/cli/massagectl
A=AA:BB:CC:00:00:21
GENERAL="before you use a massage device"
STOP_RULE="Stop at once on pain, numbness or tingling"
CAREFUL="Not right before sprints or jumps. Stop if the thigh goes numb."

# as_user STATE_HOME ARGS...: massagectl as a user whose state lives in
# STATE_HOME (XDG_STATE_HOME); OUT, ERR, RC.
as_user() {
	local state=$1
	shift
	OUT=$(XDG_STATE_HOME=$state "$M" --data-dir "$MSD_DATA" "$@" 2>"$TEST_TMP/err") && RC=0 || RC=$?
	ERR=$(cat "$TEST_TMP/err")
}

# stop_session: stops the device and waits until it has no session, so the
# next start does not find it busy.
stop_session() {
	"$M" stop "$A" >/dev/null 2>&1 || true
	wait_prop 5 "$(devpath $A)" Device1 Session '"/"' || log "the session did not end"
}

start_bus
start_sim sim --device "reference,name=Caution Ref,address=$A" || exit 1
write_programme "$MSD_DATA/programmes/plain.programme" "Plain"
write_programme "$MSD_DATA/programmes/careful.programme" "Careful"
sed -i "/^Summary=/a Caution=$CAREFUL" "$MSD_DATA/programmes/careful.programme"
start_massaged --time-scale 5 || exit 1
"$M" scan --timeout 2 >/dev/null 2>&1
check "the device connects" "$M" connect "$A"

# --- the first start of a user shows the caution; the second does not
alice=$TEST_TMP/alice
as_user "$alice" start plain
assert_eq "first start: exit 0" 0 "$RC"
assert_contains "first start: the caution on stderr" "$GENERAL" "$ERR"
assert_contains "first start: who should not use it" "deep-vein thrombosis" "$ERR"
assert_contains "first start: the stop rule" "$STOP_RULE" "$ERR"
assert_contains "first start: where to read more" "man massagectl" "$ERR"
assert_not_contains "first start: nothing of it on stdout" "$GENERAL" "$OUT"
check "first start: the stamp is written" test -s "$alice/massagectl/caution-seen"
stop_session
as_user "$alice" start plain
assert_eq "second start: exit 0" 0 "$RC"
assert_not_contains "second start by the same user: no caution" "$GENERAL" "$ERR"
stop_session

# --- a stamp of an older revision of the caution shows the new one once
echo 0 >"$alice/massagectl/caution-seen"
as_user "$alice" start plain
assert_contains "a stamp of another revision: shown again" "$GENERAL" "$ERR"
stop_session

# --- a start that fails does not count as having seen it
carol=$TEST_TMP/carol
as_user "$alice" start plain
# Paused, the session holds the device however slowly the next start comes.
"$M" pause "$A" >/dev/null 2>&1
check "the device is held by a paused session" test "$(msd_prop "$(devpath $A)" Device1 Session)" != '"/"'
as_user "$carol" start plain
assert_eq "a busy device: exit 5" 5 "$RC"
assert_contains "a failed start still shows the caution first" "$GENERAL" "$ERR"
check "a failed start writes no stamp" test ! -e "$carol/massagectl/caution-seen"
stop_session

# --- --no-caution and MASSAGECTL_NO_CAUTION, for hubs
hub=$TEST_TMP/hub
as_user "$hub" start plain --no-caution
assert_eq "--no-caution: exit 0" 0 "$RC"
assert_not_contains "--no-caution: no caution" "$GENERAL" "$ERR"
check "--no-caution: no stamp (a person later still sees it)" test ! -e "$hub/massagectl/caution-seen"
stop_session
OUT=$(MASSAGECTL_NO_CAUTION=1 XDG_STATE_HOME=$hub "$M" start plain 2>"$TEST_TMP/err") && RC=0 || RC=$?
assert_eq "MASSAGECTL_NO_CAUTION=1: exit 0" 0 "$RC"
assert_not_contains "MASSAGECTL_NO_CAUTION=1: no caution" "$GENERAL" "$(cat "$TEST_TMP/err")"
stop_session
OUT=$(MASSAGECTL_NO_CAUTION=0 XDG_STATE_HOME=$hub "$M" start plain 2>"$TEST_TMP/err") && RC=0 || RC=$?
assert_contains "MASSAGECTL_NO_CAUTION=0 does not switch it off" "$GENERAL" "$(cat "$TEST_TMP/err")"
stop_session

# --- without a writable place for the stamp: shown every time, never a failure
: >"$TEST_TMP/not-a-dir"
nowhere=$TEST_TMP/not-a-dir/state
for n in 1 2; do
	as_user "$nowhere" start plain
	assert_eq "no writable state directory ($n): the start works" 0 "$RC"
	assert_contains "no writable state directory ($n): the caution is shown" "$GENERAL" "$ERR"
	stop_session
done

# --- XDG_STATE_HOME must be absolute (XDG spec); else ~/.local/state
OUT=$(cd "$TEST_TMP" && HOME=$TEST_TMP/home XDG_STATE_HOME=relative "$M" start plain 2>&1) || true
check "a relative XDG_STATE_HOME: the stamp goes to ~/.local/state" \
	test -s "$TEST_TMP/home/.local/state/massagectl/caution-seen"
check "a relative XDG_STATE_HOME is not used" test ! -e "$TEST_TMP/relative"
stop_session

# --- a programme's Caution= before every start, even for a user who has seen
# the general one and with --no-caution
for n in 1 2; do
	as_user "$alice" start careful --no-caution
	assert_eq "Caution= ($n): exit 0" 0 "$RC"
	assert_contains "Caution= ($n): named" "caution for 'careful'" "$ERR"
	assert_contains "Caution= ($n): its text" "$CAREFUL" "$ERR"
	stop_session
done
as_user "$alice" start plain
assert_not_contains "a programme without Caution=: none shown" "caution for" "$ERR"
stop_session

# --- an imported programme's Caution= (read from the daemon, not the data dir)
write_programme "$TEST_TMP/imported.programme" "Imported care"
sed -i "/^Summary=/a Caution=Imported: keep off the sciatic nerve." "$TEST_TMP/imported.programme"
as_user "$alice" programme import "$TEST_TMP/imported.programme"
assert_eq "import a programme with a Caution=" 0 "$RC"
check "it is not in massagectl's data dir" test ! -e "$MSD_DATA/programmes/imported-care.programme"
as_user "$alice" start imported-care
assert_contains "an imported programme's Caution= is shown" "Imported: keep off the sciatic nerve." "$ERR"
stop_session

# --- --json: stdout is one JSON object, the cautions go to stderr
json_user=$TEST_TMP/json-user
as_user "$json_user" --json start careful
assert_eq "--json start: exit 0" 0 "$RC"
check "--json start: stdout is valid JSON" jq -e . <<<"$OUT"
assert_eq "--json start: exactly one JSON value on stdout" 1 "$(jq -s length <<<"$OUT")"
assert_eq "--json start: the programme's caution as a member" "$CAREFUL" "$(jq -r .caution <<<"$OUT")"
assert_contains "--json start: the general caution on stderr" "$GENERAL" "$ERR"
assert_contains "--json start: the programme caution on stderr" "$CAREFUL" "$ERR"
stop_session
as_user "$json_user" --json start plain
assert_eq "--json start without Caution=: caution is null" "null" "$(jq -r .caution <<<"$OUT")"
stop_session
as_user "$json_user" --json start careful --follow
assert_eq "--json start --follow: exit 0 when completed" 0 "$RC"
check "--json start --follow: every line on stdout is JSON" jq -e . <<<"$OUT"
assert_contains "--json start --follow: the caution on stderr" "$CAREFUL" "$ERR"

# --- an unknown programme: exit 3, as before
as_user "$TEST_TMP/dave" start nosuch
assert_eq "start an unknown programme: exit 3" 3 "$RC"

# --- programme show: the caution in text and JSON (offline)
as_user "$alice" programme show careful
assert_contains "programme show: a Caution heading" "Caution:" "$OUT"
assert_contains "programme show: the caution's text" "Not right before sprints or jumps." "$OUT"
as_user "$alice" --json programme show careful
assert_eq "programme show --json: caution" "$CAREFUL" "$(jq -r .caution <<<"$OUT")"
as_user "$alice" --json programme show plain
assert_eq "programme show --json without one: null" "null" "$(jq -r .caution <<<"$OUT")"

finish
