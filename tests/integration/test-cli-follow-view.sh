#!/usr/bin/env bash
# start --follow as a person sees it (issue 14): in tmux at 80x24 the live
# view redraws in place (the header never repeats, however long the prompt),
# the steps it shows go in order, and after a resize to 40 columns mid-
# programme it still redraws in place with every line within the width.
# Piped, every step is printed, step 1 included, and a rest step is tidy.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

M=$BUILD_DIR/cli/massagectl
A=AA:BB:CC:00:00:51
export MASSAGECTL_NO_CAUTION=1
mctl() { "$M" --data-dir "$MSD_DATA" "$@"; }

start_bus
start_sim sim --device "reference,name=View One,address=$A" || exit 1
# Prompts longer than 80 columns: before, each one that wrapped made the view
# print its header again on every redraw.
long="Keep the leg straight and relaxed on the table, breathe slowly, and say at once if anything feels sharp, numb or tingling."
cat >"$MSD_DATA/programmes/view.programme" <<PROG
[Programme]
Name=Long view
Kind=any

[Step warm]
Muscle=hamstrings
Zone=proximal
Duration=12s
Intensity=20%
Prompt=$long

[Step work]
Muscle=hamstrings
Zone=distal
Duration=12s
Intensity=25%
Prompt=$long

[Step pause]
Duration=4s
Intensity=0%

[Step again]
Muscle=calves
Duration=12s
Intensity=20%
Prompt=$long
PROG
start_massaged --time-scale 2 || exit 1
run mctl scan --timeout 1

# --- piped: one line per step, step 1 included, a tidy rest line
run bash -c "'$M' --data-dir '$MSD_DATA' start view --follow --device '$A' | cat"
assert_exit "piped --follow: completed" 0
assert_contains "piped: step 1 is printed" 'step 1/4 warm (hamstrings, proximal): Keep the leg' "$RUN_OUT"
assert_contains "piped: step 2 is printed" 'step 2/4 work (hamstrings, distal)' "$RUN_OUT"
assert_contains "piped: a rest step is tidy" 'step 3/4 pause (rest)' "$RUN_OUT"
assert_not_contains "piped: no 'none' parts" "none" "$RUN_OUT"

# --- the live view in tmux, 80x24 then 40 columns
TM=(tmux -S "$TEST_TMP/tmux.sock" -f /dev/null)
"${TM[@]}" new-session -d -x 80 -y 24 -s view \
	"'$M' --data-dir '$MSD_DATA' start view --follow --device '$A'; echo EXITED \$?; sleep 600"
SPAWNED[tmux]=$("${TM[@]}" display-message -p '#{pid}')
# The view's width in force: the width the last capture was taken at.
width=80
bad=""
steps=""
resized=0
seen_at_40=0
for _ in $(seq 1 600); do
	screen=$("${TM[@]}" capture-pane -p -t view) || break
	headers=$(grep -c '^view — ' <<<"$screen" || true)
	[ "$headers" -le 1 ] || bad="$bad; $headers headers at width $width"
	step=$(grep -o '^Step [0-9]*/4' <<<"$screen" | tail -n1 | sed 's|Step \([0-9]*\)/4|\1|')
	if [ -n "$step" ] && [ "$step" != "${steps##* }" ]; then steps="$steps $step"; fi
	if [ "$width" = 40 ]; then
		long_line=$(perl -CS -lne 'print if length > 40' <<<"$screen")
		[ -z "$long_line" ] || bad="$bad; a line over 40 columns: $long_line"
		grep -q '^Step [0-9]/4' <<<"$screen" && seen_at_40=1
	fi
	[ "$width" = 80 ] && [ "${step:-0}" = 2 ] && [ -z "${at80:-}" ] && at80=$screen
	grep -q '^EXITED' <<<"$screen" && break
	if [ "$resized" = 0 ] && [ "${step:-0}" -ge 2 ]; then
		"${TM[@]}" resize-window -t view -x 40 -y 24
		resized=1
		# Wait until the pane has its new width before judging a capture by it.
		wait_until 10 bash -c "[ \"\$(${TM[*]@Q} display-message -p -t view '#{pane_width}')\" = 40 ]"
		width=40
	fi
	sleep 0.1
done
final=$("${TM[@]}" capture-pane -p -t view)
assert_eq "the view redrew in place: one header on screen at every look" "" "$bad"
assert_contains "the view ran to the end, exit 0" "EXITED 0" "$final"
assert_eq "it was resized mid-programme" 1 "$resized"
assert_eq "the view drew at 40 columns" 1 "$seen_at_40"
check "the steps it showed went in order" bash -c "[ \"\$(tr ' ' '\n' <<<'$steps' | grep . | sort -n | tr '\n' ' ')\" = \"\$(tr ' ' '\n' <<<'$steps' | grep . | tr '\n' ' ')\" ]"
check "it showed at least two steps" bash -c "[ \$(wc -w <<<'$steps') -ge 2 ]"
assert_contains "the end is said" "finished: completed" "$final"
log "steps seen:$steps"
log "at 80x24, in step 2:"
sed 's/^/#   /' <<<"${at80:-}" >&2
log "last screen:"
sed 's/^/#   /' <<<"$final" >&2
"${TM[@]}" kill-server 2>/dev/null || true
finish
