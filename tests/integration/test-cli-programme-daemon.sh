#!/usr/bin/env bash
# massagectl programme list/show/plot/export against the real daemon (issue
# 14): an imported programme is listed beside the built-ins, each marked with
# its origin, and show, plot, export and the bash completion find it; without
# massaged the CLI falls back to the data directory and says so. Also the
# show table (aligned columns, step names, rest apart from muscles) and the
# plot's width (COLUMNS over the terminal's) and --step zoom. A real
# dbus-daemon and the real massaged; no device is needed.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

M=$BUILD_DIR/cli/massagectl
# No --data-dir and no MASSAGED_DATA_DIR: that is what makes massagectl ask
# the daemon (an explicit data directory means "read there").
unset MASSAGED_DATA_DIR
run() {
	OUT=$("$M" "$@" 2>"$TEST_TMP/err") && RC=0 || RC=$?
	ERR=$(cat "$TEST_TMP/err")
}

start_bus
write_programme "$MSD_DATA/programmes/gentle.programme" "Gentle test"
start_massaged || exit 1

# An imported programme: a long wave step on a muscle whose name is as long
# as its column was, on a distal zone, with a Name; and a rest.
cat >"$TEST_TMP/waves.programme" <<'PROG'
[Programme]
Name=Slow waves
Summary=One long wave
Kind=percussion
Sides=left,right

[Step w]
Name=Wave pass
Muscle=semimembranosus
Zone=distal
Duration=40s
Intensity=wave 10% 40% period=10s

[Step pause]
Duration=30s
PROG
run programme import "$TEST_TMP/waves.programme"
assert_eq "import: exit 0" 0 "$RC"
assert_contains "import: the id" "'slow-waves'" "$OUT"

# --- list: one list, built-in and imported, each marked
run programme list
assert_eq "list: exit 0" 0 "$RC"
assert_contains "list: a header with the origin column" "ORIGIN" "$OUT"
check "list: the built-in, marked built-in" grep -qE '^gentle +[0-9ms]+ +built-in +Gentle test' <<<"$OUT"
check "list: the imported one, marked imported" grep -qE '^slow-waves +[0-9ms]+ +imported +Slow waves: One long wave' <<<"$OUT"
assert_eq "list: nothing on stderr when massaged answers" "" "$ERR"
run --json programme list
assert_eq "list --json: ids and origins" "gentle:built-in slow-waves:imported" \
	"$(jq -r '[.programmes[] | "\(.id):\(.origin)"] | join(" ")' <<<"$OUT")"
assert_eq "list --json: the source is the daemon" "daemon" "$(jq -r .source <<<"$OUT")"
assert_eq "list --json: kind, sides and duration from the daemon" \
	'{"kind":"percussion","sides":["left","right"],"duration_ms":140000}' \
	"$(jq -c '.programmes[] | select(.id == "slow-waves") | {kind,sides,duration_ms}' <<<"$OUT")"

# --- show: finds it, says where it comes from, aligned columns, names, rest apart
run programme show slow-waves
assert_eq "show of an imported programme: exit 0" 0 "$RC"
assert_contains "show: its origin" "Origin:      imported (from massaged)" "$OUT"
check "show: muscle and zone do not run together" \
	grep -qE 'semimembranosus {2,}distal' <<<"$OUT"
assert_not_contains "show: ... as they did" "semimembranosus distal" "$OUT"
assert_contains "show: the step's Name, not its id" "Wave pass" "$OUT"
# Every row of the table has its columns at the same place: MUSCLE starts
# where the header's does.
col=$(grep -b -o 'MUSCLE' <<<"$(grep '^ *# ' <<<"$OUT")" | cut -d: -f1)
rows=$(grep -E '^ *[0-9]+ ' <<<"$OUT")
check "show: the table has its 4 rows" test "$(wc -l <<<"$rows")" -eq 4
bad=$(while IFS= read -r l; do
	m=${l:$col:15}
	case $m in semimembranosus | "rest           ") ;; *) echo "$l" ;; esac
done <<<"$rows")
assert_eq "show: every row's muscle under the MUSCLE header" "" "$bad"
assert_contains "show: time per muscle" "Per muscle:  semimembranosus 1m20s" "$OUT"
assert_not_contains "show: rest is not a muscle" "Per muscle:  semimembranosus 1m20s, rest" "$OUT"
assert_contains "show: rest on its own line" "Rest:        1m" "$OUT"
run --json programme show slow-waves
assert_eq "show --json: origin, rest_ms, per_muscle_ms kept as it was" \
	'{"origin":"imported","rest_ms":60000,"per_muscle_ms":{"semimembranosus":80000,"rest":60000}}' \
	"$(jq -c '{origin,rest_ms,per_muscle_ms}' <<<"$OUT")"
run --json programme show gentle
assert_eq "show --json of a built-in: origin built-in" "built-in" "$(jq -r .origin <<<"$OUT")"
run programme show no-such-id
assert_eq "show of an unknown id: exit 3" 3 "$RC"
assert_contains "... looked in massaged" "no programme 'no-such-id' in massaged" "$ERR"

# --- plot and export find it too
run programme plot slow-waves --width 60
assert_eq "plot of an imported programme: exit 0" 0 "$RC"
assert_contains "plot: its title" "Slow waves (2m20s)" "$OUT"
run programme export slow-waves
assert_eq "export of an imported programme: exit 0" 0 "$RC"
assert_eq "export: the text as imported" "$(cat "$TEST_TMP/waves.programme")" "$OUT"

# --- plot --step: a wave shows its shape, not a solid block
# 40 s over 54 columns at height 10 (rows of 4 %): one period is about 13
# columns, so the row just under the crest is hit by some columns, not all.
run programme plot slow-waves --step w --side right --width 60 --height 10 --ascii
assert_eq "plot --step: exit 0" 0 "$RC"
assert_contains "plot --step: the title names the step and side" "step 3, Wave pass, right (40s from 1m10s)" "$OUT"
row=$(sed -n 2p <<<"$OUT") # the top row of bars, (36 %, 40 %]
bars=${row:6}
check "plot --step: the top row has high columns" grep -q '[#:.]' <<<"$bars"
check "plot --step: ... and low columns between them" grep -qE '[#:.] +[#:.]' <<<"$bars"
assert_contains "plot --step: the time axis is programme time" "1m10s" "$OUT"
run programme plot slow-waves --step 3 --width 60 --ascii
assert_eq "plot --step N (the # of show) is the same step" "step 3, Wave pass, right" \
	"$(head -n 1 <<<"$OUT" | grep -o 'step 3, Wave pass, right')"
run programme plot slow-waves --step nope
assert_eq "plot --step of an unknown step: exit 3" 3 "$RC"
run programme plot slow-waves --side left
assert_eq "plot --side without --step: exit 2" 2 "$RC"

# --- plot: COLUMNS wins over the terminal's width (a 120-column pty)
# (COLUMNS is set on the command itself: the shell script(1) starts
# re-reads the terminal's size into COLUMNS after stty, as shells do.)
out=$(script -qec "stty cols 120 rows 40; COLUMNS=50 '$M' programme plot slow-waves" /dev/null | tr -d '\r')
longest=$(printf '%s\n' "$out" | tail -n +2 | while IFS= read -r l; do echo "${#l}"; done | sort -n | tail -1)
check "plot in a terminal: COLUMNS=50 is honoured ($longest columns)" test "$longest" -le 50
out=$(env -u COLUMNS script -qec "stty cols 120 rows 40; '$M' programme plot slow-waves" /dev/null | tr -d '\r')
longest=$(printf '%s\n' "$out" | tail -n +2 | while IFS= read -r l; do echo "${#l}"; done | sort -n | tail -1)
check "plot in a terminal without COLUMNS: the terminal's width ($longest > 50)" test "$longest" -gt 50

# --- bash completion offers the imported id
ids=$(PATH=$BUILD_DIR/cli:$PATH bash -c '. "$1"; _massagectl_programme_ids' _ "$SOURCE_DIR/data/bash-completion/massagectl")
assert_eq "completion: programme ids, built-in and imported" "gentle slow-waves" "$(echo $ids)"

# --- without massaged: the data directory, and said so where it matters
stop_spawned massaged
# (This build's default data directory is not installed: the list fails,
# and says both why the daemon was not asked and what could not be read.)
run programme list
assert_eq "offline list without a data directory: exit 3" 3 "$RC"
assert_contains "... says massaged is not running" "massaged is not running" "$ERR"
run --data-dir "$MSD_DATA" programme list
assert_eq "offline list with --data-dir: exit 0" 0 "$RC"
assert_contains "offline list with --data-dir: the built-in" "gentle " "$OUT"
assert_not_contains "offline list: no imported programme" "slow-waves" "$OUT"
assert_contains "offline list: says where it listed from" "listed from $MSD_DATA/programmes" "$ERR"
run --data-dir "$MSD_DATA" --json programme list
assert_eq "offline list --json: the source is the data directory" "data-dir built-in" \
	"$(jq -r '"\(.source) \(.programmes[0].origin)"' <<<"$OUT")"
run programme show slow-waves
assert_eq "offline show of an imported id: exit 3" 3 "$RC"
assert_contains "... saying that massaged is not running" "massaged is not running" "$ERR"
run programme show "$TEST_TMP/waves.programme"
assert_eq "a file path still works offline" 0 "$RC"
assert_contains "... shown as a file" "File:        $TEST_TMP/waves.programme" "$OUT"

finish
