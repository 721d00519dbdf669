#!/usr/bin/env bash
# massagectl prints the state after its action, not the cache from before it:
# --json connect/disconnect/pause/resume/next/previous, next and previous
# naming the step now playing (the one status shows), and adjust keeping to
# the daemon's one range (10..100): a value outside is refused, a move past
# an end is clamped and says so (issue 14).
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

M=$BUILD_DIR/cli/massagectl
A=AA:BB:CC:00:00:31
export MASSAGECTL_NO_CAUTION=1
mctl() { "$M" --data-dir "$MSD_DATA" "$@"; }

start_bus
start_sim sim --device "reference,name=After One,address=$A" || exit 1
# Long steps: nothing moves on by itself while the commands run.
cat >"$MSD_DATA/programmes/four.programme" <<'PROG'
[Programme]
Name=Four steps
Kind=any

[Step one]
Muscle=hamstrings
Zone=proximal
Duration=40s
Intensity=20%

[Step two]
Muscle=hamstrings
Zone=distal
Duration=40s
Intensity=25%

[Step three]
Muscle=calves
Duration=40s
Intensity=25%

[Step four]
Muscle=calves
Duration=40s
Intensity=20%
PROG
start_massaged || exit 1
run mctl scan --timeout 1

# --- connect and disconnect: the state after the action
run mctl --json connect "$A"
assert_exit "connect --json" 0
assert_jq "connect --json: connected, after the action" '.connected == true' "$RUN_OUT"

run mctl start four --device "$A"
assert_exit "start" 0
check "the session plays" wait_prop 10 "$(devpath $A)" Device1 State '"running"'
status_step() { mctl --json status | jq -r '.sessions[0].step + 1'; }

# --- next/previous name the step now playing, as status does
run mctl next
assert_exit "next" 0
assert_contains "next names the step now playing" 'Now playing: four, step 2/4 "two".' "$RUN_OUT"
assert_eq "status agrees with next" 2 "$(status_step)"
run mctl --json next
assert_jq "next --json: the step now playing (index 2)" '.step == 2 and .step_name == "three"' "$RUN_OUT"
run mctl previous
assert_contains "previous goes to the previous step" 'Now playing: four, step 2/4 "two".' "$RUN_OUT"
assert_eq "status agrees with previous" 2 "$(status_step)"

# --- pause and resume
run mctl --json pause
assert_jq "pause --json: paused, after the action" '.state == "paused" and .pause_reason == "user"' "$RUN_OUT"
run mctl --json resume
assert_jq "resume --json: playing, after the action" '.state == "playing"' "$RUN_OUT"

# --- adjust: one range, refused or clamped in words
run mctl adjust 5
assert_exit "adjust 5: below the range, refused" 2
assert_contains "adjust 5: names the range" "from 10 to 100" "$RUN_ERR"
run mctl adjust +200
assert_exit "adjust +200: refused" 2
run mctl adjust 101
assert_exit "adjust 101: refused" 2
run mctl --json adjust 60
assert_jq "adjust 60: set, not clamped" '.scale == 60 and .clamped == false' "$RUN_OUT"
run mctl --json adjust +50
assert_jq "adjust +50 from 60: clamped at 100 and says so" '.scale == 100 and .clamped == true' "$RUN_OUT"
run mctl adjust -85
assert_contains "adjust -85 from 100: the least, in words" "now 15%" "$RUN_OUT"
run mctl adjust -10
assert_contains "adjust -10 from 15: clamped at 10, in words" \
	"Intensity scale now 10% (the least; -10% was asked)." "$RUN_OUT"
assert_eq "the daemon's scale is what adjust said" 10 \
	"$(mctl --json status | jq -r '.sessions[0].scale')"

# --- next past the last step: says the programme finished
run mctl next
run mctl next
run mctl next
assert_contains "next past the last step: finished" "four has finished." "$RUN_OUT"

run mctl --json disconnect "$A"
assert_exit "disconnect --json" 0
assert_jq "disconnect --json: not connected, after the action" '.connected == false' "$RUN_OUT"
finish
