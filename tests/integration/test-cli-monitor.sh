#!/usr/bin/env bash
# massagectl monitor as people and hubs read it (issue 14): readable lines
# (no GVariant text), intensity ticks left out unless asked for, filters by
# device and event kind, JSON events with named fields, and a clean Ctrl-C.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

M=$BUILD_DIR/cli/massagectl
A=AA:BB:CC:00:00:41
B=AA:BB:CC:00:00:42
export MASSAGECTL_NO_CAUTION=1
mctl() { "$M" --data-dir "$MSD_DATA" "$@"; }

start_bus
start_sim sim --device "reference,name=Mon One,address=$A" \
	--device "reference,name=Mon Two,address=$B" || exit 1
write_programme "$MSD_DATA/programmes/gentle.programme" "Gentle test"
start_massaged --time-scale 5 || exit 1
run mctl scan --timeout 1
run mctl connect "$A"
run mctl connect "$B"

# Four listeners, each waiting until it follows massaged's objects.
spawn text "$M" monitor
spawn json "$M" --json monitor
spawn only-b "$M" --json monitor --device "Mon Two"
spawn ticks "$M" --json monitor --event intensity,step
check "text: says it is monitoring" wait_until 10 grep -q '^Monitoring massaged' "$TEST_TMP/text.log"
for l in json only-b ticks; do
	check "$l: says it is monitoring" wait_until 10 grep -q '"event":"monitoring"' "$TEST_TMP/$l.log"
done

run mctl start gentle --device "$A"
assert_exit "start on A" 0
check "json: the session finished, with its outcome" wait_until 20 \
	grep -q '"event":"session","what":"finished".*"outcome":"completed"' "$TEST_TMP/json.log"
check "ticks: intensity events, when asked for" wait_until 5 \
	grep -q '"event":"intensity"' "$TEST_TMP/ticks.log"
run mctl start gentle --device "$B"
check "only-b: B's session finished" wait_until 20 \
	grep -q '"event":"session","what":"finished"' "$TEST_TMP/only-b.log"
check "text: B's session finished, in words" wait_until 5 \
	grep -q "session    $B Mon Two: finished: completed" "$TEST_TMP/text.log"

for l in text json only-b ticks; do
	stop_spawned "$l" INT
	assert_eq "$l: exits 0 on Ctrl-C" 0 "$SPAWN_RC"
done
assert_not_contains "Ctrl-C: no GLib warning" "CRITICAL" "$(cat "$TEST_TMP"/{text,json,only-b,ticks}.log)"

text=$(cat "$TEST_TMP/text.log")
assert_contains "text: a step in words" "step    " "$(grep -o 'step    ' <<<"$text" | head -1)"
assert_contains "text: the step line names the step" "step 2/6 \"work\"" "$text"
assert_contains "text: a session start in words" "$A Mon One: started gentle (6 steps)" "$text"
assert_not_contains "text: no GVariant text" "<" "$text"
assert_not_contains "text: no intensity ticks by default" " intensity " "$text"

check "json: every line is JSON" jq -e . "$TEST_TMP/json.log"
assert_eq "json: no intensity ticks by default" 0 "$(jq -c 'select(.event == "intensity")' "$TEST_TMP/json.log" | wc -l)"
assert_eq "json: no positional 'changed' arrays" 0 "$(jq -c 'select(has("changed"))' "$TEST_TMP/json.log" | wc -l)"
assert_eq "json: a step event has named fields" "1 6 work $A" \
	"$(jq -r 'select(.event == "step" and .step == 1) | "\(.step) \(.step_count) \(.step_name) \(.device)"' "$TEST_TMP/json.log" | head -1)"
assert_eq "json: every event names its device by address, its time in UTC" 0 \
	"$(jq -c 'select(.event != "monitoring" and .event != "discovery" and ((.device | test("^[0-9A-F:]{17}$") | not) or (.time | endswith("Z") | not)))' "$TEST_TMP/json.log" | wc -l)"
assert_eq "only-b: nothing of device A" 0 "$(jq -c "select(.device == \"$A\")" "$TEST_TMP/only-b.log" | wc -l)"
assert_eq "ticks: only the kinds asked for" 0 \
	"$(jq -c 'select(.event != "monitoring" and .event != "intensity" and .event != "step")' "$TEST_TMP/ticks.log" | wc -l)"

run mctl monitor --event nonsense
assert_exit "an unknown kind: usage" 2
assert_contains "an unknown kind: named" "unknown kind 'nonsense'" "$RUN_ERR"
run mctl monitor --device Nobody
assert_exit "an unknown device: not found" 3
finish
