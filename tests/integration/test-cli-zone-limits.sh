#!/usr/bin/env bash
# The zone limit cannot be dodged: `massagectl programme validate` (the real
# binary, offline) refuses programmes that split a long run with short rests,
# alternate overlapping zones, or go over one muscle's session total, with
# located diagnostics that name the step, the part of the body and the
# limit; every built-in programme still validates. No bus needed.
. "$SOURCE_DIR/tests/lib.sh"

M=$BUILD_DIR/cli/massagectl
BROKEN=$SOURCE_DIR/tests/programmes/broken

# validate FILE...: stdout in OUT, exit status in RC.
validate() {
	RC=0
	OUT=$("$M" programme validate "$@" 2>"$TEST_TMP/stderr") || RC=$?
}

f=$BROKEN/zone-dodged-by-short-rests.programme
validate "$f"
assert_eq "3-minute steps split by 1 s rests: refused (exit 6)" 6 "$RC"
assert_contains "... at the second step's Duration, naming the zone, the side and both limits" \
	"$f:19: [Step work2] Duration: 6min in a row on hamstrings full-length (left), above the maximum of 3min; only a rest of at least 30s ends a run" "$OUT"

f=$BROKEN/zone-dodged-by-overlapping-zones.programme
validate "$f"
assert_eq "hamstrings full-length after biceps-femoris mid: refused (exit 6)" 6 "$RC"
assert_contains "... names the overlapped zone and the step that overlaps it" \
	"$f:19: [Step sweep] Duration: 4min in a row on biceps-femoris mid (left), which hamstrings full-length overlaps, above the maximum of 3min" "$OUT"

f=$BROKEN/muscle-total-too-long.programme
validate "$f"
assert_eq "one muscle over 5 min in the session, zone by zone: refused (exit 6)" 6 "$RC"
assert_contains "... names the muscle, the side and the limit" \
	"$f:16: [Step middle] Duration: 6min in this session on biceps-femoris (left), above the maximum of 5min per muscle and side" "$OUT"

# The same steps with a real rest between them are accepted; 1 s short, not.
sed -e 's/^Duration=1s$/Duration=30s/' -e '/^# expect:/d' \
	"$BROKEN/zone-dodged-by-overlapping-zones.programme" >"$TEST_TMP/rested.programme"
validate "$TEST_TMP/rested.programme"
assert_eq "the overlapping steps with a 30 s rest between them: valid" 0 "$RC"
sed -e 's/^Duration=30s$/Duration=29s/' "$TEST_TMP/rested.programme" >"$TEST_TMP/short.programme"
validate "$TEST_TMP/short.programme"
assert_eq "... with a 29 s rest: refused" 6 "$RC"
assert_contains "... located" "$TEST_TMP/short.programme:18: [Step sweep] Duration: 4min in a row" "$OUT"

validate "$SOURCE_DIR"/data/programmes/*.programme
assert_eq "every built-in programme still validates" 0 "$RC"
assert_not_contains "... without a diagnostic" "Duration:" "$OUT"

finish
