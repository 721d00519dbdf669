#!/usr/bin/env bash
# massagectl programme list/show/plot/validate: offline, the real binary on the
# real built-in library and the broken-programme corpus. No bus needed: with
# MASSAGED_DATA_DIR set, massagectl reads the data directory and does not ask
# the daemon (test-cli-programme-daemon.sh covers the daemon's side).
. "$SOURCE_DIR/tests/lib.sh"

M=$BUILD_DIR/cli/massagectl
export MASSAGED_DATA_DIR=$SOURCE_DIR/data
BUILTIN=$SOURCE_DIR/data/programmes
BROKEN=$SOURCE_DIR/tests/programmes/broken

# run ARGS...: stdout in OUT, stderr in ERR, exit status in RC.
run() {
	RC=0
	OUT=$("$M" "$@" 2>"$TEST_TMP/stderr") || RC=$?
	ERR=$(cat "$TEST_TMP/stderr")
}

# --- validate: every built-in is valid and appears in the list
builtins=()
for f in "$BUILTIN"/*.programme; do
	builtins+=("$(basename "$f" .programme)")
done
check "the library has at least the eight programmes asked for" test "${#builtins[@]}" -ge 8
for id in hamstring-study-protocol pre-exercise-warm-up post-exercise-recovery hamstring-release \
	warm-up-before-stretching desk-worker-reset quick-relief demo-hamstring; do
	check "built-in $id exists" test -f "$BUILTIN/$id.programme"
done

run programme validate "$BUILTIN"/*.programme
assert_eq "validate: every built-in is valid (exit 0)" "0" "$RC"
assert_eq "validate: one line per file" "${#builtins[@]}" "$(printf '%s\n' "$OUT" | wc -l)"
assert_not_contains "validate: not even a warning on a built-in" "warning:" "$OUT"
assert_contains "validate: the summary line names, counts and times" \
	"$BUILTIN/quick-relief.programme: valid: \"Quick relief\", 3 steps, sides left,right, 2m in all" "$OUT"

run programme list
assert_eq "list: exit 0" "0" "$RC"
for id in "${builtins[@]}"; do
	assert_contains "list: shows $id" "$id " "$OUT"
done
assert_contains "list: id, length, origin, name and summary" \
	"quick-relief               2m      built-in  Quick relief: Two minutes: one gentle minute on the hamstrings of each leg" "$OUT"
assert_contains "list: says it listed the data directory" "listed from $SOURCE_DIR/data/programmes" "$ERR"

run --json programme list
assert_eq "list --json: exit 0" "0" "$RC"
assert_eq "list --json: every built-in, sorted by id" "$(printf '%s\n' "${builtins[@]}" | LC_ALL=C sort | tr '\n' ' ')" \
	"$(jq -r '.programmes[].id' <<<"$OUT" | tr '\n' ' ')"
assert_eq "list --json: a programme's fields" \
	'{"id":"quick-relief","name":"Quick relief","duration_ms":120000,"kind":"any","sides":["left","right"]}' \
	"$(jq -c '.programmes[] | select(.id == "quick-relief") | {id,name,duration_ms,kind,sides}' <<<"$OUT")"
assert_eq "list --json: the two-minute quick relief lasts two minutes" "120000" \
	"$(jq '.programmes[] | select(.id == "quick-relief") | .duration_ms' <<<"$OUT")"
assert_eq "list --json: the demo lasts 1-2 minutes" "true" \
	"$(jq '.programmes[] | select(.id == "demo-hamstring") | .duration_ms >= 60000 and .duration_ms <= 120000' <<<"$OUT")"

# --- the library's content: both legs, the three muscles, prompts off the knee and bone
for id in "${builtins[@]}"; do
	f=$BUILTIN/$id.programme
	check "$id: cites its basis in a comment" grep -qE '^#.*(et al|source text|Skinner|Ferreira)' "$f"
	check "$id: Sides=left,right" grep -qx 'Sides=left,right' "$f"
	check "$id: a prompt keeps off the back of the knee or the bone" \
		grep -qiE '^Prompt=.*(knee|bone)' "$f"
done
all=$(cat "$BUILTIN"/*.programme)
for muscle in biceps-femoris semitendinosus semimembranosus; do
	assert_contains "the library works the $muscle" "Muscle=$muscle" "$all"
done
for zone in proximal mid distal full-length; do
	assert_contains "the library uses the $zone zone" "Zone=$zone" "$all"
done

# --- show
run programme show hamstring-study-protocol
assert_eq "show ID: exit 0" "0" "$RC"
assert_contains "show: the name" "Hamstring range of motion (study protocol)" "$OUT"
assert_contains "show: a step with start, name, muscle, zone, side, length and intensity" \
	"2    10s  First pass             hamstrings  full-length  left      50s  50%" "$OUT"
assert_contains "show: the right pass too" \
	"9  4m15s  Second pass            hamstrings  full-length  right      1m  ramp 30% 50%" "$OUT"
assert_contains "show: the total time" "Total:       5m15s" "$OUT"
assert_contains "show: time per muscle" "Per muscle:  hamstrings 4m" "$OUT"
assert_not_contains "show: rest is not a muscle" "hamstrings 4m, rest" "$OUT"
assert_contains "show: rest on its own" "Rest:        1m15s" "$OUT"
assert_contains "show: massage time per side" "Per side:    left 2m, right 2m" "$OUT"

run programme show "$BUILTIN/quick-relief.programme"
assert_eq "show FILE: exit 0" "0" "$RC"
assert_contains "show FILE: the programme" "Quick relief" "$OUT"

run --json programme show hamstring-study-protocol
assert_eq "show --json: exit 0" "0" "$RC"
assert_eq "show --json: one JSON object" "1" "$(jq -c . <<<"$OUT" | wc -l)"
assert_eq "show --json: totals" '{"duration_ms":315000,"per_muscle_ms":{"hamstrings":240000,"rest":75000},"per_side_ms":{"left":120000,"right":120000}}' \
	"$(jq -c '{duration_ms,per_muscle_ms,per_side_ms}' <<<"$OUT")"
assert_eq "show --json: the steps as they play, sides expanded" "9" "$(jq '.steps | length' <<<"$OUT")"
assert_eq "show --json: a step" \
	'{"id":"pass1","muscle":"hamstrings","zone":"full-length","side":"right","start_ms":175000,"duration_ms":50000,"intensity_text":"50%"}' \
	"$(jq -c '.steps[6] | {id,muscle,zone,side,start_ms,duration_ms,intensity_text}' <<<"$OUT")"

run programme show no-such-programme
assert_eq "show of an unknown id: exit 3 (not found)" "3" "$RC"
assert_contains "... says where it looked" "no programme 'no-such-programme' in $SOURCE_DIR/data/programmes" "$ERR"
assert_contains "... and why not in massaged" "MASSAGED_DATA_DIR given" "$ERR"
run --json programme show no-such-programme
assert_eq "... with --json: the error object" "3 not-found" "$(jq -r '"\(.error.code) \(.error.name)"' <<<"$OUT")"
run programme show "$TEST_TMP/missing.programme"
assert_eq "show of a missing file: exit 3" "3" "$RC"
run programme show "$BROKEN/zone-too-long.programme"
assert_eq "show of an invalid file: exit 6" "6" "$RC"
assert_contains "... with its diagnostic" "$BROKEN/zone-too-long.programme:14: [Step long] Duration:" "$ERR"
run programme show
assert_eq "show without an argument: exit 2 (usage)" "2" "$RC"

# --- plot
run programme plot demo-hamstring --width 60 --height 5
assert_eq "plot: exit 0" "0" "$RC"
assert_eq "plot: a title, the rows, the axis, time, steps and sides" "10" "$(printf '%s\n' "$OUT" | wc -l)"
assert_contains "plot: the title with the total" "Hamstring demo (1m36s)" "$OUT"
assert_contains "plot: a time axis with labels" "0s" "$OUT"
assert_contains "plot: step labels" "warm" "$OUT"
assert_contains "plot: side markers" "left" "$OUT"
longest=$(printf '%s\n' "$OUT" | tail -n +2 | while IFS= read -r l; do echo "${#l}"; done | sort -n | tail -1)
check "plot: no chart line wider than --width" test "$longest" -le 60

LC_ALL=C.UTF-8 run programme plot demo-hamstring --width 60
assert_contains "plot on a UTF-8 locale: block characters" "█" "$OUT"
LC_ALL=C.UTF-8 run programme plot demo-hamstring --width 60 --ascii
assert_not_contains "plot --ascii: no block characters" "█" "$OUT"
check "plot --ascii: plain ASCII only" bash -c '! LC_ALL=C grep -qP "[^\x00-\x7f]" <<<"$1"' _ "$OUT"
assert_contains "plot --ascii: # bars" "#" "$OUT"
LC_ALL=C run programme plot demo-hamstring --width 60
check "plot on a non-UTF-8 locale: plain ASCII" bash -c '! LC_ALL=C grep -qP "[^\x00-\x7f]" <<<"$1"' _ "$OUT"

run --json programme plot quick-relief --width 50 --height 4
assert_eq "plot --json: exit 0" "0" "$RC"
assert_eq "plot --json: the chart and its size" '"Quick relief" 120000 50 4' \
	"$(jq -r '"\"\(.name)\" \(.duration_ms) \(.width) \(.height)"' <<<"$OUT")"
assert_eq "plot --json: the chart has height + 4 lines" "8" "$(jq -j .chart <<<"$OUT" | wc -l)"

run programme plot demo-hamstring --width 5
assert_eq "plot --width out of range: exit 2" "2" "$RC"
run programme plot demo-hamstring --width nope
assert_eq "plot --width not a number: exit 2" "2" "$RC"

# --- help on each
for sub in list show plot validate; do
	run programme "$sub" --help
	assert_eq "programme $sub --help: exit 0" "0" "$RC"
	assert_contains "programme $sub --help: usage" "massagectl programme $sub" "$OUT"
done
run programme --help
assert_contains "programme --help lists the daemon's commands too" "import FILE" "$OUT"
run programme frobnicate
assert_eq "an unknown sub-command: exit 2" "2" "$RC"

# --- validate: the broken corpus, each with its expected located diagnostic
n=0
for f in "$BROKEN"/*.programme; do
	n=$((n + 1))
	name=$(basename "$f")
	expect=$(head -n 1 "$f" | sed -n 's/^# expect: //p')
	run programme validate "$f"
	assert_eq "broken/$name: exit 6" "6" "$RC"
	# The diagnostic with "FILE:" and the following spaces removed (tests/programmes/README.md).
	found=no
	while IFS= read -r line; do
		rest=${line#"$f:"}
		rest=${rest#"${rest%%[! ]*}"}
		[ "$line" != "$rest" ] && [ "$rest" = "$expect" ] && found=yes
	done <<<"$OUT"
	assert_eq "broken/$name: prints '$expect'" "yes" "$found"
done
check "the corpus has at least 30 broken programmes" test "$n" -ge 30

run --json programme validate "$BROKEN/ramp-too-steep.programme" "$BUILTIN/quick-relief.programme"
assert_eq "validate --json, one bad file of two: exit 6" "6" "$RC"
assert_eq "validate --json: per file validity" "false true false" \
	"$(jq -r '[.files[].valid, .valid] | map(tostring) | join(" ")' <<<"$OUT")"
assert_eq "validate --json: a located diagnostic" \
	'{"severity":"error","line":14,"group":"Step fast","key":"Intensity"}' \
	"$(jq -c '.files[0].diagnostics[0] | {severity,line,group,key}' <<<"$OUT")"

run programme validate "$BUILTIN/quick-relief.programme" "$BROKEN/no-steps.programme" "$BROKEN/unknown-key.programme"
assert_eq "validate of several files reports every bad one: exit 6" "6" "$RC"
assert_contains "... the valid one's summary" "quick-relief.programme: valid:" "$OUT"
assert_contains "... the first bad one" "no-steps.programme:2: [Programme] the programme has no steps" "$OUT"
assert_contains "... the second bad one" "unknown-key.programme:9: [Step warm] Intesity: unknown key; did you mean Intensity?" "$OUT"

run programme validate "$TEST_TMP/missing.programme"
assert_eq "validate of a missing file: exit 3 (not found)" "3" "$RC"
assert_contains "... names the file" "$TEST_TMP/missing.programme:" "$OUT"
run programme validate "$TEST_TMP/missing.programme" "$BROKEN/no-steps.programme"
assert_eq "validate of a missing and an invalid file: exit 6" "6" "$RC"

# --- list offline reads the directory by massaged's rule (mp_programme_dir_load):
# a file with a NUL byte or over 1 MiB is named with what is wrong, the rest listed
mkdir -p "$TEST_TMP/data/programmes"
cp "$BUILTIN/quick-relief.programme" "$TEST_TMP/data/programmes/"
printf '[Programme]\nName=Nul\nKind=any\x00\n\n[Step a]\nDuration=10s\n' \
	>"$TEST_TMP/data/programmes/nul.programme"
head -c 1048577 /dev/zero | tr '\0' '#' >"$TEST_TMP/data/programmes/big.programme"
cp "$BUILTIN/quick-relief.programme" "$TEST_TMP/data/programmes/.hidden.programme"
MASSAGED_DATA_DIR=$TEST_TMP/data run programme list
assert_eq "list with bad built-ins: exit 6" "6" "$RC"
assert_contains "... lists the good one" "quick-relief " "$OUT"
assert_eq "... and only it (not the hidden copy)" "1" "$(grep -c built-in <<<"$OUT")"
assert_contains "... names the NUL byte's line" \
	"$TEST_TMP/data/programmes/nul.programme:3: [Programme] the line contains a NUL byte" "$ERR"
assert_contains "... and the file over the bound" \
	"$TEST_TMP/data/programmes/big.programme: the file is larger than 1048576 bytes" "$ERR"

finish
