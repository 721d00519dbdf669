#!/usr/bin/env bash
# Every --json output of massagectl validates against its schema in
# data/schemas/massagectl.schema.json (docs/json.md): one shape per object,
# one unit per kind of quantity (issue 14).
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

M=$BUILD_DIR/cli/massagectl
A=AA:BB:CC:00:00:61
SCHEMA=$SOURCE_DIR/data/schemas/massagectl.schema.json
export MASSAGECTL_NO_CAUTION=1
mctl() { "$M" --data-dir "$MSD_DATA" "$@"; }
# valid WHAT DEF [lines]: RUN_OUT is to validate against the schema's
# $defs/DEF (one document, or one per line); all are checked at the end, in
# one run of the validator.
MANIFEST=$TEST_TMP/manifest
: >"$MANIFEST"
valid() {
	local n
	n=$(wc -l <"$MANIFEST")
	printf '%s\n' "$RUN_OUT" >"$TEST_TMP/out.$n"
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "${3:-doc}" "$TEST_TMP/out.$n" >>"$MANIFEST"
}

start_bus
run mctl --json status
assert_exit "no daemon: exit 7" 7
valid "an error (no daemon)" error

start_sim sim --device "reference,name=Json One,address=$A" || exit 1
write_programme "$MSD_DATA/programmes/gentle.programme" "Gentle test"
# Long steps for the session commands: nothing ends under them.
cat >"$MSD_DATA/programmes/long.programme" <<'PROG'
[Programme]
Name=Long steps
Kind=any

[Step first]
Muscle=hamstrings
Zone=proximal
Duration=60s
Intensity=20%

[Step second]
Muscle=calves
Duration=60s
Intensity=20%
PROG
start_massaged --time-scale 5 || exit 1

run mctl --json scan --timeout 1
valid "scan" device-list
run mctl --json devices
valid "devices" device-list
run mctl --json connect "$A"
valid "connect" device
run mctl --json info "$A"
valid "info" device
run mctl --json battery
valid "battery" battery-list
run mctl --json start long --device "$A"
valid "start" start
run mctl --json status
valid "status with a session" status
run mctl --json pause
valid "pause" session
run mctl --json resume
valid "resume" session
run mctl --json next "$A"
valid "next" session
run mctl --json previous "$A"
valid "previous" session
run mctl --json adjust -10 "$A"
valid "adjust" adjust
run mctl --json stop "$A"
valid "stop DEV" stop
run mctl --json pause
valid "pause with no session: an error" error
run mctl --json start gentle --follow --device "$A"
valid "start --follow" follow-event lines
spawn mon "$M" --json monitor --event all
check "monitor: listening" wait_until 10 grep -q '"event":"monitoring"' "$TEST_TMP/mon.log"
run mctl --json start gentle --device "$A"
check "monitor: saw the session finish" wait_until 20 grep -q '"what":"finished"' "$TEST_TMP/mon.log"
stop_spawned mon INT
RUN_OUT=$(cat "$TEST_TMP/mon.log")
valid "monitor" event lines
run mctl --json stop
valid "stop (all)" stop
run mctl --json disconnect "$A"
valid "disconnect" device

# The history and client profiles (issue 13), after the sessions above.
run mctl --json history list
valid "history list" history-list
run mctl --json history show "$(jq -r '.sessions[0].id' <<<"$RUN_OUT")"
valid "history show" history-entry
run mctl --json history show 999999
valid "history show (no such entry): an error" error
printf '[Client]\nLabel=json-client\nMaxIntensity=40%%\nNotes=Left knee.\n' >"$TEST_TMP/c.client"
run mctl --json client add "$TEST_TMP/c.client"
valid "client add" client-label
run mctl --json client list
valid "client list" client-list
run mctl --json client show json-client
valid "client show" client
run mctl --json client export json-client
valid "client export" client-text
run mctl --json client remove json-client
valid "client remove" client-removed

run mctl --json programme list
valid "programme list" programme-list
run mctl --json programme show gentle
valid "programme show" programme
# Through massaged (no --data-dir): the list with an imported programme marked,
# and the show of that programme.
write_programme "$TEST_TMP/mine.programme" "Mine"
run "$M" programme import "$TEST_TMP/mine.programme"
run "$M" --json programme list
valid "programme list (massaged, one imported)" programme-list
check "... the imported one is in it, marked" jq -e '.programmes[] | select(.id == "mine" and .origin == "imported")' <<<"$RUN_OUT"
run "$M" --json programme show mine
valid "programme show (imported)" programme
write_programme "$TEST_TMP/other.programme" "Other one"
run "$M" --json programme import "$TEST_TMP/other.programme"
valid "programme import" programme-id
run "$M" --json programme import --replace "$TEST_TMP/other.programme"
valid "programme import --replace" programme-id
run "$M" --json programme export other-one
valid "programme export" programme-text
run "$M" --json programme remove other-one
valid "programme remove" programme-removed
run mctl --json programme validate "$MSD_DATA/programmes/gentle.programme"
valid "programme validate" validation
printf '[Programme]\nName=Bad\n[Step x]\nDuration=zz\n' >"$TEST_TMP/bad.programme"
run mctl --json programme validate "$TEST_TMP/bad.programme"
valid "programme validate (invalid)" validation
run mctl --json device list
valid "device list" driver-list
run mctl --json device encode theragun speed 1800
valid "device encode" encoded
run mctl --json device decode lovense 38 35 3b
valid "device decode" decoded
run mctl --json device check "$SOURCE_DIR"/data/devices/*.device
valid "device check" device-check
run mctl --json nosuchcommand
valid "an unknown command: an error" error

python3 "$SOURCE_DIR/tests/tools/json-validate.py" "$SCHEMA" "$MANIFEST" >"$TEST_TMP/results" || true
while IFS=$'\t' read -r verdict what why; do
	if [ "$verdict" = ok ]; then pass "$what: valid"; else fail "$what: valid" "$why"; fi
done <"$TEST_TMP/results"
assert_eq "every output was judged" "$(wc -l <"$MANIFEST")" "$(wc -l <"$TEST_TMP/results")"
finish
